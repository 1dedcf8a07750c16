//! The directive table: every name redis-server 7.x (and Valkey 8) accepts in a config file,
//! with its alias, value kind and the limits checked at load time.
//!
//! Rows follow `static_configs[]` of redis@7.4.1:src/config.c (names and aliases; ranges as
//! in redis@7.0.15, the version the conformance tests run) plus the rows only Valkey has
//! (valkey-io/valkey@55bbbe09a:src/config.c). The directives handled outside that table
//! (include, rename-command, user, loadmodule, sentinel, `module.name`) and the three
//! deprecated names redis-server silently skips are listed separately.

/// Where a name first appeared. `sesslint` accepts the union; a rule can warn when a name is
/// newer than the server that will read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Since {
    R70,
    R72,
    R74,
    /// Only in Valkey (8.0 and later).
    V80,
}

/// How the value of a table directive is checked and reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `yes` / `no`, case-insensitive.
    Bool,
    /// Any string; some rows validate it.
    Str(StrCheck),
    /// One of the names, case-insensitive. For MULTI_ARG rows (shutdown-on-sig*) a set of flags.
    Enum(&'static [(&'static str, u32)]),
    /// A number. `min`/`max` are the row's bounds; `unsigned` rows compare as C unsigned.
    Int {
        min: i128,
        max: i128,
        unit: Unit,
        unsigned: bool,
    },
    Dir,
    Save,
    Bind,
    ReplicaOf,
    ClientOutputBufferLimit,
    OomScoreAdjValues,
    LatencyTrackingInfoPercentiles,
    NotifyKeyspaceEvents,
}

/// Validators of string rows (`is_valid_fn` in config.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrCheck {
    Any,
    /// `dbfilename can't be a path, just a filename`
    DbFilename,
    AofFilename,
    AofDirname,
    /// cluster-announce-hostname: < 256 bytes of `[A-Za-z0-9.-]`.
    Hostname,
    /// `{title} {listen-addr} {server-mode} {port} {tls-port} {unixsocket} {config-file}`.
    ProcTitleTemplate,
}

/// How numbers are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// `string2ll`: optional `-`, no `+`, no leading zeros, no blanks.
    Plain,
    /// `memtoull`: digits then `b k kb m mb g gb` (case-insensitive; k = 1000, kb = 1024).
    Memory,
    /// `strtoll(s, 8)`.
    Octal,
    /// A memory value or `N%` (maxmemory-clients).
    MemoryOrPercent,
}

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirectiveDef {
    /// The canonical name (as `CONFIG GET` reports it in 7.4).
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub kind: Kind,
    /// MULTI_ARG_CONFIG: takes several arguments; one non-empty argument is re-split.
    pub multi_arg: bool,
    /// SENSITIVE_CONFIG (plus the two TLS passphrases, sensitive since 7.4): mask in output.
    pub sensitive: bool,
    pub since: Since,
}

const fn row(
    name: &'static str,
    alias: Option<&'static str>,
    kind: Kind,
    multi_arg: bool,
    sensitive: bool,
    since: Since,
) -> DirectiveDef {
    DirectiveDef { name, alias, kind, multi_arg, sensitive, since }
}

const I32_MAX: i128 = i32::MAX as i128;
const I32_MIN: i128 = i32::MIN as i128;
const U32_MAX: i128 = u32::MAX as i128;
const I64_MAX: i128 = i64::MAX as i128;
const U64_MAX: i128 = u64::MAX as i128;

#[rustfmt::skip]
pub const MAXMEMORY_POLICY_ENUM: &[(&str, u32)] = &[("volatile-lru", 0), ("volatile-lfu", 1), ("volatile-random", 2), ("volatile-ttl", 3), ("allkeys-lru", 4), ("allkeys-lfu", 5), ("allkeys-random", 6), ("noeviction", 7)];
pub const SYSLOG_FACILITY_ENUM: &[(&str, u32)] = &[
    ("user", 0),
    ("local0", 1),
    ("local1", 2),
    ("local2", 3),
    ("local3", 4),
    ("local4", 5),
    ("local5", 6),
    ("local6", 7),
    ("local7", 8),
];
/// `nothing` is 7.2+.
pub const LOGLEVEL_ENUM: &[(&str, u32)] =
    &[("debug", 0), ("verbose", 1), ("notice", 2), ("warning", 3), ("nothing", 4)];
pub const SUPERVISED_MODE_ENUM: &[(&str, u32)] = &[("upstart", 0), ("systemd", 1), ("auto", 2), ("no", 3)];
pub const AOF_FSYNC_ENUM: &[(&str, u32)] = &[("everysec", 0), ("always", 1), ("no", 2)];
/// Bit flags (SHUTDOWN_SAVE = 1, NOSAVE = 2, NOW = 4, FORCE = 8; src/server.h).
pub const SHUTDOWN_ON_SIG_ENUM: &[(&str, u32)] =
    &[("default", 0), ("save", 1), ("nosave", 2), ("now", 4), ("force", 8)];
pub const REPL_DISKLESS_LOAD_ENUM: &[(&str, u32)] = &[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)];
pub const TLS_AUTH_CLIENTS_ENUM: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("optional", 2)];
/// `yes` and `relative` are the same value; CONFIG GET reports the first, `yes`.
pub const OOM_SCORE_ADJ_ENUM: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
pub const ACL_PUBSUB_DEFAULT_ENUM: &[(&str, u32)] = &[("allchannels", 1), ("resetchannels", 0)];
pub const SANITIZE_DUMP_PAYLOAD_ENUM: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("clients", 2)];
pub const PROTECTED_ACTION_ENUM: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("local", 2)];
pub const CLUSTER_PREFERRED_ENDPOINT_TYPE_ENUM: &[(&str, u32)] = &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
pub const PROPAGATION_ERROR_BEHAVIOR_ENUM: &[(&str, u32)] = &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];
pub const LOG_FORMAT_ENUM: &[(&str, u32)] = &[("legacy", 0), ("logfmt", 1)];
pub const LOG_TIMESTAMP_FORMAT_ENUM: &[(&str, u32)] = &[("legacy", 0), ("iso8601", 1), ("milliseconds", 2)];

/// `static_configs[]`, Redis 7.0 - 7.4 and Valkey 8.
#[rustfmt::skip]
pub static DIRECTIVES: &[DirectiveDef] = &[
    row("rdbchecksum", None, Kind::Bool, false, false, Since::R70),
    row("daemonize", None, Kind::Bool, false, false, Since::R70),
    row("io-threads-do-reads", None, Kind::Bool, false, false, Since::R70),
    row("always-show-logo", None, Kind::Bool, false, false, Since::R70),
    row("protected-mode", None, Kind::Bool, false, false, Since::R70),
    row("rdbcompression", None, Kind::Bool, false, false, Since::R70),
    row("rdb-del-sync-files", None, Kind::Bool, false, false, Since::R70),
    row("activerehashing", None, Kind::Bool, false, false, Since::R70),
    row("stop-writes-on-bgsave-error", None, Kind::Bool, false, false, Since::R70),
    row("set-proc-title", None, Kind::Bool, false, false, Since::R70),
    row("dynamic-hz", None, Kind::Bool, false, false, Since::R70),
    row("lazyfree-lazy-eviction", None, Kind::Bool, false, false, Since::R70),
    row("lazyfree-lazy-expire", None, Kind::Bool, false, false, Since::R70),
    row("lazyfree-lazy-server-del", None, Kind::Bool, false, false, Since::R70),
    row("lazyfree-lazy-user-del", None, Kind::Bool, false, false, Since::R70),
    row("lazyfree-lazy-user-flush", None, Kind::Bool, false, false, Since::R70),
    row("repl-disable-tcp-nodelay", None, Kind::Bool, false, false, Since::R70),
    row("repl-diskless-sync", None, Kind::Bool, false, false, Since::R70),
    row("aof-rewrite-incremental-fsync", None, Kind::Bool, false, false, Since::R70),
    row("no-appendfsync-on-rewrite", None, Kind::Bool, false, false, Since::R70),
    row("cluster-require-full-coverage", None, Kind::Bool, false, false, Since::R70),
    row("rdb-save-incremental-fsync", None, Kind::Bool, false, false, Since::R70),
    row("aof-load-truncated", None, Kind::Bool, false, false, Since::R70),
    row("aof-use-rdb-preamble", None, Kind::Bool, false, false, Since::R70),
    row("aof-timestamp-enabled", None, Kind::Bool, false, false, Since::R70),
    row("cluster-replica-no-failover", Some("cluster-slave-no-failover"), Kind::Bool, false, false, Since::R70),
    row("replica-lazy-flush", Some("slave-lazy-flush"), Kind::Bool, false, false, Since::R70),
    row("replica-serve-stale-data", Some("slave-serve-stale-data"), Kind::Bool, false, false, Since::R70),
    row("replica-read-only", Some("slave-read-only"), Kind::Bool, false, false, Since::R70),
    row("replica-ignore-maxmemory", Some("slave-ignore-maxmemory"), Kind::Bool, false, false, Since::R70),
    row("jemalloc-bg-thread", None, Kind::Bool, false, false, Since::R70),
    row("activedefrag", None, Kind::Bool, false, false, Since::R70),
    row("syslog-enabled", None, Kind::Bool, false, false, Since::R70),
    row("cluster-enabled", None, Kind::Bool, false, false, Since::R70),
    row("appendonly", None, Kind::Bool, false, false, Since::R70),
    row("cluster-allow-reads-when-down", None, Kind::Bool, false, false, Since::R70),
    row("cluster-allow-pubsubshard-when-down", None, Kind::Bool, false, false, Since::R70),
    row("crash-log-enabled", None, Kind::Bool, false, false, Since::R70),
    row("crash-memcheck-enabled", None, Kind::Bool, false, false, Since::R70),
    row("use-exit-on-panic", None, Kind::Bool, false, false, Since::R70),
    row("disable-thp", None, Kind::Bool, false, false, Since::R70),
    row("cluster-allow-replica-migration", None, Kind::Bool, false, false, Since::R70),
    row("replica-announced", None, Kind::Bool, false, false, Since::R70),
    row("latency-tracking", None, Kind::Bool, false, false, Since::R70),
    row("aof-disable-auto-gc", None, Kind::Bool, false, false, Since::R70),
    row("replica-ignore-disk-write-errors", None, Kind::Bool, false, false, Since::R70),
    row("hide-user-data-from-log", None, Kind::Bool, false, false, Since::R74),
    row("aclfile", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("unixsocket", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("pidfile", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("replica-announce-ip", Some("slave-announce-ip"), Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("masteruser", None, Kind::Str(StrCheck::Any), false, true, Since::R70),
    row("cluster-announce-ip", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("cluster-config-file", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("cluster-announce-hostname", None, Kind::Str(StrCheck::Hostname), false, false, Since::R70),
    row("cluster-announce-human-nodename", None, Kind::Str(StrCheck::Any), false, false, Since::R72),
    row("syslog-ident", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("dbfilename", None, Kind::Str(StrCheck::DbFilename), false, false, Since::R70),
    row("appendfilename", None, Kind::Str(StrCheck::AofFilename), false, false, Since::R70),
    row("appenddirname", None, Kind::Str(StrCheck::AofDirname), false, false, Since::R70),
    row("server-cpulist", Some("server_cpulist"), Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("bio-cpulist", Some("bio_cpulist"), Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("aof-rewrite-cpulist", Some("aof_rewrite_cpulist"), Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("bgsave-cpulist", Some("bgsave_cpulist"), Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("ignore-warnings", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("proc-title-template", None, Kind::Str(StrCheck::ProcTitleTemplate), false, false, Since::R70),
    row("bind-source-addr", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("logfile", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("req-res-logfile", None, Kind::Str(StrCheck::Any), false, false, Since::R72),
    row("locale-collate", None, Kind::Str(StrCheck::Any), false, false, Since::R72),
    row("masterauth", None, Kind::Str(StrCheck::Any), false, true, Since::R70),
    row("requirepass", None, Kind::Str(StrCheck::Any), false, true, Since::R70),
    row("supervised", None, Kind::Enum(SUPERVISED_MODE_ENUM), false, false, Since::R70),
    row("syslog-facility", None, Kind::Enum(SYSLOG_FACILITY_ENUM), false, false, Since::R70),
    row("repl-diskless-load", None, Kind::Enum(REPL_DISKLESS_LOAD_ENUM), false, false, Since::R70),
    row("loglevel", None, Kind::Enum(LOGLEVEL_ENUM), false, false, Since::R70),
    row("maxmemory-policy", None, Kind::Enum(MAXMEMORY_POLICY_ENUM), false, false, Since::R70),
    row("appendfsync", None, Kind::Enum(AOF_FSYNC_ENUM), false, false, Since::R70),
    row("oom-score-adj", None, Kind::Enum(OOM_SCORE_ADJ_ENUM), false, false, Since::R70),
    row("acl-pubsub-default", None, Kind::Enum(ACL_PUBSUB_DEFAULT_ENUM), false, false, Since::R70),
    row("sanitize-dump-payload", None, Kind::Enum(SANITIZE_DUMP_PAYLOAD_ENUM), false, false, Since::R70),
    row("enable-protected-configs", None, Kind::Enum(PROTECTED_ACTION_ENUM), false, false, Since::R70),
    row("enable-debug-command", None, Kind::Enum(PROTECTED_ACTION_ENUM), false, false, Since::R70),
    row("enable-module-command", None, Kind::Enum(PROTECTED_ACTION_ENUM), false, false, Since::R70),
    row("cluster-preferred-endpoint-type", None, Kind::Enum(CLUSTER_PREFERRED_ENDPOINT_TYPE_ENUM), false, false, Since::R70),
    row("propagation-error-behavior", None, Kind::Enum(PROPAGATION_ERROR_BEHAVIOR_ENUM), false, false, Since::R70),
    row("shutdown-on-sigint", None, Kind::Enum(SHUTDOWN_ON_SIG_ENUM), true, false, Since::R70),
    row("shutdown-on-sigterm", None, Kind::Enum(SHUTDOWN_ON_SIG_ENUM), true, false, Since::R70),
    row("databases", None, Kind::Int { min: 1, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("port", None, Kind::Int { min: 0, max: 65535, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("io-threads", None, Kind::Int { min: 1, max: 128, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("auto-aof-rewrite-percentage", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("cluster-replica-validity-factor", Some("cluster-slave-validity-factor"), Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("list-max-listpack-size", Some("list-max-ziplist-size"), Kind::Int { min: I32_MIN, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("tcp-keepalive", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("cluster-migration-barrier", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("active-defrag-cycle-min", None, Kind::Int { min: 1, max: 99, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("active-defrag-cycle-max", None, Kind::Int { min: 1, max: 99, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("active-defrag-threshold-lower", None, Kind::Int { min: 0, max: 1000, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("active-defrag-threshold-upper", None, Kind::Int { min: 0, max: 1000, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("lfu-log-factor", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("lfu-decay-time", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("replica-priority", Some("slave-priority"), Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("repl-diskless-sync-delay", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("maxmemory-samples", None, Kind::Int { min: 1, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("maxmemory-eviction-tenacity", None, Kind::Int { min: 0, max: 100, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("timeout", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("replica-announce-port", Some("slave-announce-port"), Kind::Int { min: 0, max: 65535, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("tcp-backlog", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("cluster-port", None, Kind::Int { min: 0, max: 65535, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("cluster-announce-bus-port", None, Kind::Int { min: 0, max: 65535, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("cluster-announce-port", None, Kind::Int { min: 0, max: 65535, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("cluster-announce-tls-port", None, Kind::Int { min: 0, max: 65535, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("repl-timeout", None, Kind::Int { min: 1, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("repl-ping-replica-period", Some("repl-ping-slave-period"), Kind::Int { min: 1, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("list-compress-depth", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("rdb-key-save-delay", None, Kind::Int { min: I32_MIN, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("key-load-delay", None, Kind::Int { min: I32_MIN, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("active-expire-effort", None, Kind::Int { min: 1, max: 10, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("hz", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("min-replicas-to-write", Some("min-slaves-to-write"), Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("min-replicas-max-lag", Some("min-slaves-max-lag"), Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("watchdog-period", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("shutdown-timeout", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("repl-diskless-sync-max-replicas", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("maxclients", None, Kind::Int { min: 1, max: U32_MAX, unit: Unit::Plain, unsigned: true }, false, false, Since::R70),
    row("unixsocketperm", None, Kind::Int { min: 0, max: 0o777, unit: Unit::Octal, unsigned: true }, false, false, Since::R70),
    row("socket-mark-id", None, Kind::Int { min: 0, max: U32_MAX, unit: Unit::Plain, unsigned: true }, false, false, Since::R70),
    row("max-new-connections-per-cycle", None, Kind::Int { min: 1, max: 1000, unit: Unit::Plain, unsigned: true }, false, false, Since::R74),
    row("max-new-tls-connections-per-cycle", None, Kind::Int { min: 1, max: 1000, unit: Unit::Plain, unsigned: true }, false, false, Since::R74),
    row("client-default-resp", None, Kind::Int { min: 2, max: 3, unit: Unit::Plain, unsigned: true }, false, false, Since::R72),
    row("active-defrag-max-scan-fields", None, Kind::Int { min: 1, max: I64_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("slowlog-max-len", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("acllog-max-len", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("busy-reply-threshold", Some("lua-time-limit"), Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("cluster-node-timeout", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("cluster-ping-interval", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R72),
    row("slowlog-log-slower-than", None, Kind::Int { min: -1, max: I64_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("latency-monitor-threshold", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("proto-max-bulk-len", None, Kind::Int { min: 1_048_576, max: I64_MAX, unit: Unit::Memory, unsigned: false }, false, false, Since::R70),
    row("stream-node-max-entries", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("repl-backlog-size", None, Kind::Int { min: 1, max: I64_MAX, unit: Unit::Memory, unsigned: false }, false, false, Since::R70),
    row("maxmemory", None, Kind::Int { min: 0, max: U64_MAX, unit: Unit::Memory, unsigned: true }, false, false, Since::R70),
    row("cluster-link-sendbuf-limit", None, Kind::Int { min: 0, max: U64_MAX, unit: Unit::Memory, unsigned: true }, false, false, Since::R70),
    row("hash-max-listpack-entries", Some("hash-max-ziplist-entries"), Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: true }, false, false, Since::R70),
    row("set-max-intset-entries", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: true }, false, false, Since::R70),
    row("set-max-listpack-entries", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: true }, false, false, Since::R72),
    row("set-max-listpack-value", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: true }, false, false, Since::R72),
    row("zset-max-listpack-entries", Some("zset-max-ziplist-entries"), Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: true }, false, false, Since::R70),
    row("active-defrag-ignore-bytes", None, Kind::Int { min: 1, max: I64_MAX, unit: Unit::Memory, unsigned: true }, false, false, Since::R70),
    row("hash-max-listpack-value", Some("hash-max-ziplist-value"), Kind::Int { min: 0, max: I64_MAX, unit: Unit::Memory, unsigned: true }, false, false, Since::R70),
    row("stream-node-max-bytes", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Memory, unsigned: true }, false, false, Since::R70),
    row("zset-max-listpack-value", Some("zset-max-ziplist-value"), Kind::Int { min: 0, max: I64_MAX, unit: Unit::Memory, unsigned: true }, false, false, Since::R70),
    row("hll-sparse-max-bytes", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Memory, unsigned: true }, false, false, Since::R70),
    row("tracking-table-max-keys", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: true }, false, false, Since::R70),
    row("client-query-buffer-limit", None, Kind::Int { min: 1_048_576, max: I64_MAX, unit: Unit::Memory, unsigned: true }, false, false, Since::R70),
    row("maxmemory-clients", None, Kind::Int { min: -100, max: I64_MAX, unit: Unit::MemoryOrPercent, unsigned: false }, false, false, Since::R70),
    row("repl-backlog-ttl", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("auto-aof-rewrite-min-size", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Memory, unsigned: false }, false, false, Since::R70),
    row("loading-process-events-interval-bytes", None, Kind::Int { min: 1024, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("tls-port", None, Kind::Int { min: 0, max: 65535, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("tls-session-cache-size", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("tls-session-cache-timeout", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::R70),
    row("tls-cluster", None, Kind::Bool, false, false, Since::R70),
    row("tls-replication", None, Kind::Bool, false, false, Since::R70),
    row("tls-auth-clients", None, Kind::Enum(TLS_AUTH_CLIENTS_ENUM), false, false, Since::R70),
    row("tls-prefer-server-ciphers", None, Kind::Bool, false, false, Since::R70),
    row("tls-session-caching", None, Kind::Bool, false, false, Since::R70),
    row("tls-cert-file", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("tls-key-file", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("tls-key-file-pass", None, Kind::Str(StrCheck::Any), false, true, Since::R70),
    row("tls-client-cert-file", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("tls-client-key-file", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("tls-client-key-file-pass", None, Kind::Str(StrCheck::Any), false, true, Since::R70),
    row("tls-dh-params-file", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("tls-ca-cert-file", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("tls-ca-cert-dir", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("tls-protocols", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("tls-ciphers", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("tls-ciphersuites", None, Kind::Str(StrCheck::Any), false, false, Since::R70),
    row("dir", None, Kind::Dir, false, false, Since::R70),
    row("save", None, Kind::Save, true, false, Since::R70),
    row("client-output-buffer-limit", None, Kind::ClientOutputBufferLimit, true, false, Since::R70),
    row("oom-score-adj-values", None, Kind::OomScoreAdjValues, true, false, Since::R70),
    row("notify-keyspace-events", None, Kind::NotifyKeyspaceEvents, false, false, Since::R70),
    row("bind", None, Kind::Bind, true, false, Since::R70),
    row("replicaof", Some("slaveof"), Kind::ReplicaOf, true, false, Since::R70),
    row("latency-tracking-info-percentiles", None, Kind::LatencyTrackingInfoPercentiles, true, false, Since::R70),
    row("dual-channel-replication-enabled", None, Kind::Bool, false, false, Since::V80),
    row("extended-redis-compatibility", None, Kind::Bool, false, false, Since::V80),
    row("enable-debug-assert", None, Kind::Bool, false, false, Since::V80),
    row("cluster-slot-stats-enabled", None, Kind::Bool, false, false, Since::V80),
    row("unixsocketgroup", None, Kind::Str(StrCheck::Any), false, false, Since::V80),
    row("cluster-announce-client-ipv4", None, Kind::Str(StrCheck::Any), false, false, Since::V80),
    row("cluster-announce-client-ipv6", None, Kind::Str(StrCheck::Any), false, false, Since::V80),
    row("debug-context", None, Kind::Str(StrCheck::Any), false, false, Since::V80),
    row("availability-zone", None, Kind::Str(StrCheck::Any), false, false, Since::V80),
    row("log-format", None, Kind::Enum(LOG_FORMAT_ENUM), false, false, Since::V80),
    row("log-timestamp-format", None, Kind::Enum(LOG_TIMESTAMP_FORMAT_ENUM), false, false, Since::V80),
    row("events-per-io-thread", None, Kind::Int { min: 0, max: I32_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::V80),
    row("prefetch-batch-max-size", None, Kind::Int { min: 0, max: 128, unit: Unit::Plain, unsigned: false }, false, false, Since::V80),
    row("cluster-blacklist-ttl", None, Kind::Int { min: 0, max: I64_MAX, unit: Unit::Plain, unsigned: false }, false, false, Since::V80),
];

/// Further aliases: Valkey renamed masterauth/masteruser (the old names stay canonical here).
pub static EXTRA_ALIASES: &[(&str, &str, Since)] =
    &[("primaryauth", "masterauth", Since::V80), ("primaryuser", "masteruser", Since::V80)];

/// Names redis-server skips without a word when given exactly one value
/// (`deprecated_configs[]` in loadServerConfigFromString).
pub static DEPRECATED_IGNORED: &[&str] =
    &["list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"];

/// What a lowercase name means to redis-server's loader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A table row, reached by its name or (`via_alias`) its alias.
    Table {
        def: &'static DirectiveDef,
        via_alias: bool,
    },
    /// Silently ignored with exactly one value.
    Deprecated,
    /// `include path` (exactly one value).
    Include,
    /// `rename-command old new` (exactly two values).
    RenameCommand,
    /// `user name rule...` (at least one value).
    User,
    /// `loadmodule path arg...` (at least one value).
    LoadModule,
    /// `module.name value...`: any name with a `.`, queued for the module.
    ModuleConfig,
    /// `sentinel ...`: only in sentinel mode.
    Sentinel,
    Unknown,
}

/// Find a lowercase directive name the way loadServerConfigFromString does: table (names and
/// aliases) first, then deprecated names, then the hand-parsed directives. One probe of a
/// table built at compile time (the loader asks once per line; a scan of the table was about
/// 180 string compares, and a map built at start-up cost every run ~37 K instructions and
/// its pages).
pub fn lookup(name: &str) -> Lookup {
    match find(name) {
        Some(code) => meaning(code),
        None if name.contains('.') => Lookup::ModuleConfig,
        None => Lookup::Unknown,
    }
}

/// The `'static` spelling of a lowercase name redis-server knows (a table name or alias, a
/// deprecated name, a hand-parsed directive): a loaded directive keeps it without an
/// allocation. `None` for module configs and unknown names.
pub fn known_name(name: &str) -> Option<&'static str> {
    find(name).map(spelling)
}

/// [`known_name`] and [`lookup`] of a name in one probe.
pub(crate) fn known(name: &str) -> Option<(&'static str, Lookup)> {
    find(name).map(|code| (spelling(code), meaning(code)))
}

/// The directives handled outside the table, in the order redis-server tries them.
const PARSED_BY_HAND: [(&str, Lookup); 5] = [
    ("include", Lookup::Include),
    ("rename-command", Lookup::RenameCommand),
    ("user", Lookup::User),
    ("loadmodule", Lookup::LoadModule),
    ("sentinel", Lookup::Sentinel),
];

/// Rows of [`DIRECTIVES`].
const ROWS: usize = DIRECTIVES.len();

/// Slots of [`INDEX`]: a power of two, over four times the names, so probes stay short.
const SLOTS: usize = 1024;

/// What a slot of [`INDEX`] holds: `tag << 12 | index` into the list the tag names; 0 = empty.
const TAG_NAME: u16 = 1;
const TAG_ALIAS: u16 = 2;
const TAG_EXTRA: u16 = 3;
const TAG_DEPRECATED: u16 = 4;
const TAG_BY_HAND: u16 = 5;

/// Every name [`lookup`] knows, open addressing from [`slot_of`], each name mapped to the first
/// match of redis-server's order (a later list never replaces a name an earlier one has).
static INDEX: [u16; SLOTS] = {
    let mut index = [0u16; SLOTS];
    let mut i = 0;
    while i < ROWS {
        insert(&mut index, TAG_NAME << 12 | i as u16);
        if DIRECTIVES[i].alias.is_some() {
            insert(&mut index, TAG_ALIAS << 12 | i as u16);
        }
        i += 1;
    }
    let mut j = 0;
    while j < EXTRA_ALIASES.len() {
        if EXTRA_ROWS[j] < ROWS {
            insert(&mut index, TAG_EXTRA << 12 | j as u16);
        }
        j += 1;
    }
    let mut k = 0;
    while k < DEPRECATED_IGNORED.len() {
        insert(&mut index, TAG_DEPRECATED << 12 | k as u16);
        k += 1;
    }
    let mut h = 0;
    while h < PARSED_BY_HAND.len() {
        insert(&mut index, TAG_BY_HAND << 12 | h as u16);
        h += 1;
    }
    index
};

/// The row of each [`EXTRA_ALIASES`] entry's canonical name (`ROWS` when the table has none).
const EXTRA_ROWS: [usize; EXTRA_ALIASES.len()] = {
    let mut rows = [ROWS; EXTRA_ALIASES.len()];
    let mut j = 0;
    while j < EXTRA_ALIASES.len() {
        let mut i = 0;
        while i < ROWS {
            if same(DIRECTIVES[i].name, EXTRA_ALIASES[j].1) {
                rows[j] = i;
                break;
            }
            i += 1;
        }
        j += 1;
    }
    rows
};

/// The rows of [`DIRECTIVES`] in name order (as `str` orders them): what `CONFIG GET` lists
/// is walked in this order instead of sorting names per server.
pub(crate) static ROWS_BY_NAME: [u16; ROWS] = {
    let mut order = [0u16; ROWS];
    let mut i = 0;
    while i < ROWS {
        order[i] = i as u16;
        i += 1;
    }
    // Insertion sort, at compile time.
    let mut i = 1;
    while i < ROWS {
        let mut j = i;
        while j > 0 && before(DIRECTIVES[order[j] as usize].name, DIRECTIVES[order[j - 1] as usize].name) {
            let t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    order
};

/// The name a slot code stands for.
const fn spelling(code: u16) -> &'static str {
    let i = (code & 0xfff) as usize;
    match code >> 12 {
        TAG_NAME => DIRECTIVES[i].name,
        TAG_ALIAS => match DIRECTIVES[i].alias {
            Some(alias) => alias,
            None => "",
        },
        TAG_EXTRA => EXTRA_ALIASES[i].0,
        TAG_DEPRECATED => DEPRECATED_IGNORED[i],
        _ => PARSED_BY_HAND[i].0,
    }
}

/// What a slot code means to the loader.
fn meaning(code: u16) -> Lookup {
    let i = usize::from(code & 0xfff);
    match code >> 12 {
        TAG_NAME => Lookup::Table { def: &DIRECTIVES[i], via_alias: false },
        TAG_ALIAS => Lookup::Table { def: &DIRECTIVES[i], via_alias: true },
        TAG_EXTRA => Lookup::Table { def: &DIRECTIVES[EXTRA_ROWS[i]], via_alias: true },
        TAG_DEPRECATED => Lookup::Deprecated,
        _ => PARSED_BY_HAND[i].1,
    }
}

/// The slot code of `name`, if [`INDEX`] has it.
fn find(name: &str) -> Option<u16> {
    let mut at = slot_of(name.as_bytes());
    loop {
        match INDEX[at] {
            0 => return None,
            code if spelling(code) == name => return Some(code),
            _ => at = (at + 1) & (SLOTS - 1),
        }
    }
}

/// Put `code` in its slot unless its name is there already (the first list wins).
const fn insert(index: &mut [u16; SLOTS], code: u16) {
    let name = spelling(code);
    let mut at = slot_of(name.as_bytes());
    loop {
        if index[at] == 0 {
            index[at] = code;
            return;
        }
        if same(spelling(index[at]), name) {
            return;
        }
        at = (at + 1) & (SLOTS - 1);
    }
}

/// The home slot of a name in [`INDEX`]: its length and its first and last eight bytes,
/// multiplied (names sharing a prefix end differently; a clash only costs a probe). Two loads
/// a name instead of a step per byte.
const fn slot_of(name: &[u8]) -> usize {
    let n = name.len();
    let head = word(name, 0);
    let tail = if n > 8 { word(name, n - 8) } else { 0 };
    let h = (head ^ tail.rotate_left(29) ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> (64 - SLOTS.trailing_zeros())) as usize
}

/// The eight bytes of `b` from `at`, little-endian, zeros past its end.
const fn word(b: &[u8], at: usize) -> u64 {
    if at + 8 <= b.len() {
        return u64::from_le_bytes([
            b[at],
            b[at + 1],
            b[at + 2],
            b[at + 3],
            b[at + 4],
            b[at + 5],
            b[at + 6],
            b[at + 7],
        ]);
    }
    let mut w = 0u64;
    let mut i = at;
    while i < b.len() {
        w |= (b[i] as u64) << (8 * (i - at));
        i += 1;
    }
    w
}

/// `a == b`, in a const context.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `a < b` as `str` orders them (bytes, then length), in a const context.
const fn before(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

/// The position of `def` in [`DIRECTIVES`] (`None` for a row that is not one of them): from
/// its address, the table being one array.
pub(crate) fn row_index(def: &DirectiveDef) -> Option<usize> {
    let offset = (def as *const DirectiveDef as usize).wrapping_sub(DIRECTIVES.as_ptr() as usize);
    let at = offset / std::mem::size_of::<DirectiveDef>().max(1);
    match DIRECTIVES.get(at) {
        Some(row) if std::ptr::eq(row, def) => Some(at),
        _ => DIRECTIVES.iter().position(|row| row == def),
    }
}

/// Whether values of this (lowercase) name must be masked in output.
pub fn is_sensitive(name: &str) -> bool {
    matches!(lookup(name), Lookup::Table { def, .. } if def.sensitive)
}

/// The commands of redis-server 7.0.15 (`COMMAND LIST`; subcommands as `container|sub`):
/// `rename-command` refuses other top-level names ("No such command in rename-command") and
/// ACL rules naming others stop the server after loading.
#[rustfmt::skip]
pub static COMMANDS_7_0: &[&str] = &[
    "acl", "acl|cat", "acl|deluser", "acl|dryrun", "acl|genpass", "acl|getuser", "acl|help",
    "acl|list", "acl|load", "acl|log", "acl|save", "acl|setuser", "acl|users", "acl|whoami",
    "append", "asking", "auth", "bgrewriteaof", "bgsave", "bitcount", "bitfield", "bitfield_ro",
    "bitop", "bitpos", "blmove", "blmpop", "blpop", "brpop", "brpoplpush", "bzmpop", "bzpopmax",
    "bzpopmin", "client", "client|caching", "client|getname", "client|getredir", "client|help",
    "client|id", "client|info", "client|kill", "client|list", "client|no-evict", "client|pause",
    "client|reply", "client|setname", "client|tracking", "client|trackinginfo", "client|unblock",
    "client|unpause", "cluster", "cluster|addslots", "cluster|addslotsrange", "cluster|bumpepoch",
    "cluster|count-failure-reports", "cluster|countkeysinslot", "cluster|delslots",
    "cluster|delslotsrange", "cluster|failover", "cluster|flushslots", "cluster|forget",
    "cluster|getkeysinslot", "cluster|help", "cluster|info", "cluster|keyslot", "cluster|links",
    "cluster|meet", "cluster|myid", "cluster|nodes", "cluster|replicas", "cluster|replicate",
    "cluster|reset", "cluster|saveconfig", "cluster|set-config-epoch", "cluster|setslot",
    "cluster|shards", "cluster|slaves", "cluster|slots", "command", "command|count",
    "command|docs", "command|getkeys", "command|getkeysandflags", "command|help", "command|info",
    "command|list", "config", "config|get", "config|help", "config|resetstat", "config|rewrite",
    "config|set", "copy", "dbsize", "debug", "decr", "decrby", "del", "discard", "dump", "echo",
    "eval", "eval_ro", "evalsha", "evalsha_ro", "exec", "exists", "expire", "expireat",
    "expiretime", "failover", "fcall", "fcall_ro", "flushall", "flushdb", "function",
    "function|delete", "function|dump", "function|flush", "function|help", "function|kill",
    "function|list", "function|load", "function|restore", "function|stats", "geoadd", "geodist",
    "geohash", "geopos", "georadius", "georadius_ro", "georadiusbymember", "georadiusbymember_ro",
    "geosearch", "geosearchstore", "get", "getbit", "getdel", "getex", "getrange", "getset",
    "hdel", "hello", "hexists", "hget", "hgetall", "hincrby", "hincrbyfloat", "hkeys", "hlen",
    "hmget", "hmset", "hrandfield", "hscan", "hset", "hsetnx", "hstrlen", "hvals", "incr",
    "incrby", "incrbyfloat", "info", "keys", "lastsave", "latency", "latency|doctor",
    "latency|graph", "latency|help", "latency|histogram", "latency|history", "latency|latest",
    "latency|reset", "lcs", "lindex", "linsert", "llen", "lmove", "lmpop", "lolwut", "lpop",
    "lpos", "lpush", "lpushx", "lrange", "lrem", "lset", "ltrim", "memory", "memory|doctor",
    "memory|help", "memory|malloc-stats", "memory|purge", "memory|stats", "memory|usage", "mget",
    "migrate", "module", "module|help", "module|list", "module|load", "module|loadex",
    "module|unload", "monitor", "move", "mset", "msetnx", "multi", "object", "object|encoding",
    "object|freq", "object|help", "object|idletime", "object|refcount", "persist", "pexpire",
    "pexpireat", "pexpiretime", "pfadd", "pfcount", "pfdebug", "pfmerge", "pfselftest", "ping",
    "psetex", "psubscribe", "psync", "pttl", "publish", "pubsub", "pubsub|channels", "pubsub|help",
    "pubsub|numpat", "pubsub|numsub", "pubsub|shardchannels", "pubsub|shardnumsub", "punsubscribe",
    "quit", "randomkey", "readonly", "readwrite", "rename", "renamenx", "replconf", "replicaof",
    "reset", "restore", "restore-asking", "role", "rpop", "rpoplpush", "rpush", "rpushx", "sadd",
    "save", "scan", "scard", "script", "script|debug", "script|exists", "script|flush",
    "script|help", "script|kill", "script|load", "sdiff", "sdiffstore", "select", "set", "setbit",
    "setex", "setnx", "setrange", "shutdown", "sinter", "sintercard", "sinterstore", "sismember",
    "slaveof", "slowlog", "slowlog|get", "slowlog|help", "slowlog|len", "slowlog|reset",
    "smembers", "smismember", "smove", "sort", "sort_ro", "spop", "spublish", "srandmember",
    "srem", "sscan", "ssubscribe", "strlen", "subscribe", "substr", "sunion", "sunionstore",
    "sunsubscribe", "swapdb", "sync", "time", "touch", "ttl", "type", "unlink", "unsubscribe",
    "unwatch", "wait", "watch", "xack", "xadd", "xautoclaim", "xclaim", "xdel", "xgroup",
    "xgroup|create", "xgroup|createconsumer", "xgroup|delconsumer", "xgroup|destroy",
    "xgroup|help", "xgroup|setid", "xinfo", "xinfo|consumers", "xinfo|groups", "xinfo|help",
    "xinfo|stream", "xlen", "xpending", "xrange", "xread", "xreadgroup", "xrevrange", "xsetid",
    "xtrim", "zadd", "zcard", "zcount", "zdiff", "zdiffstore", "zincrby", "zinter", "zintercard",
    "zinterstore", "zlexcount", "zmpop", "zmscore", "zpopmax", "zpopmin", "zrandmember", "zrange",
    "zrangebylex", "zrangebyscore", "zrangestore", "zrank", "zrem", "zremrangebylex",
    "zremrangebyrank", "zremrangebyscore", "zrevrange", "zrevrangebylex", "zrevrangebyscore",
    "zrevrank", "zscan", "zscore", "zunion", "zunionstore",
];

/// ACL categories of redis-server 7.0.15 (`ACL CAT`).
#[rustfmt::skip]
pub static ACL_CATEGORIES_7_0: &[&str] = &[
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog", "geo",
    "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for d in DIRECTIVES {
            assert!(seen.insert(d.name), "{}", d.name);
            if let Some(a) = d.alias {
                assert!(seen.insert(a), "{a}");
            }
            assert_eq!(d.name, d.name.to_ascii_lowercase());
        }
    }

    /// The index gives what a scan of the tables in redis-server's order gives.
    #[test]
    fn index_agrees_with_a_scan_in_order() {
        fn scan(name: &str) -> Lookup {
            for def in DIRECTIVES {
                if def.name == name {
                    return Lookup::Table { def, via_alias: false };
                }
                if def.alias == Some(name) {
                    return Lookup::Table { def, via_alias: true };
                }
            }
            for (alias, canonical, _) in EXTRA_ALIASES {
                if let Some(def) = DIRECTIVES.iter().find(|d| *alias == name && d.name == *canonical) {
                    return Lookup::Table { def, via_alias: true };
                }
            }
            if DEPRECATED_IGNORED.contains(&name) {
                return Lookup::Deprecated;
            }
            match name {
                "include" => Lookup::Include,
                "rename-command" => Lookup::RenameCommand,
                "user" => Lookup::User,
                "loadmodule" => Lookup::LoadModule,
                "sentinel" => Lookup::Sentinel,
                _ if name.contains('.') => Lookup::ModuleConfig,
                _ => Lookup::Unknown,
            }
        }
        let names = DIRECTIVES
            .iter()
            .flat_map(|d| [Some(d.name), d.alias])
            .flatten()
            .chain(EXTRA_ALIASES.iter().map(|a| a.0))
            .chain(DEPRECATED_IGNORED.iter().copied())
            .chain(["include", "rename-command", "user", "loadmodule", "sentinel", "a.b", "nosuch", "", "PORT"]);
        for name in names {
            assert_eq!(lookup(name), scan(name), "{name}");
            assert_eq!(known_name(name).is_some(), !matches!(scan(name), Lookup::Unknown | Lookup::ModuleConfig));
        }
    }

    #[test]
    fn rows_by_name_are_every_row_in_name_order() {
        let names: Vec<&str> = ROWS_BY_NAME.iter().map(|&r| DIRECTIVES[usize::from(r)].name).collect();
        let mut sorted: Vec<&str> = DIRECTIVES.iter().map(|d| d.name).collect();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        for (i, def) in DIRECTIVES.iter().enumerate() {
            assert_eq!(row_index(def), Some(i));
        }
    }

    /// Every known name is within a few probes of its home slot.
    #[test]
    fn index_probes_stay_short() {
        let mut total = 0;
        let mut names = 0;
        for (at, &code) in INDEX.iter().enumerate().filter(|(_, &c)| c != 0) {
            let away = (at + SLOTS - slot_of(spelling(code).as_bytes())) % SLOTS;
            assert!(away <= 4, "{} is {away} slots from home", spelling(code));
            total += away;
            names += 1;
        }
        assert!(total * 4 <= names, "{total} probes past home for {names} names");
    }

    #[test]
    fn lookup_order() {
        assert!(matches!(lookup("slaveof"), Lookup::Table { def, via_alias: true } if def.name == "replicaof"));
        assert_eq!(lookup("list-max-ziplist-entries"), Lookup::Deprecated);
        assert_eq!(lookup("include"), Lookup::Include);
        assert_eq!(lookup("foo.bar"), Lookup::ModuleConfig);
        assert_eq!(lookup("nope"), Lookup::Unknown);
        assert!(is_sensitive("requirepass") && is_sensitive("primaryauth") && is_sensitive("tls-key-file-pass"));
        assert!(!is_sensitive("port"));
    }
}
