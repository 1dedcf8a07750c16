//! Magento 2 installs: where `app/etc/env.php` sends sessions (`session.save`,
//! `session.redis`) and caches (`cache.frontend.*`), every value located in the file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::endpoint::{Auth, RedisTarget};
use super::{FileId, Location};
use crate::php_value::{ArrayKey, PhpValue};
use crate::span::Span;
use crate::syntax::env_php::{ArrayId, EnvPhp, ExprKind, KeyRef, Scalar};

/// One scalar from env.php: its value (if statically known) and where it stands.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MagentoValue {
    /// `None` when the value is not statically known (`getenv()`, `$_ENV`, ...).
    pub value: Option<String>,
    /// The whole `'key' => value` entry.
    pub entry_at: Location,
    /// The value expression.
    pub value_at: Location,
    /// The key expression (`'database'`), or the entry when it has no key.
    pub key_at: Location,
}

impl MagentoValue {
    /// The value as PHP's `(int)` cast reads it (Credis casts ports and cache databases).
    pub fn int_cast(&self) -> Option<i64> {
        self.value.as_deref().map(php_int_cast)
    }

    /// PHP truthiness of the value (`''` and `'0'` are false), `None` when not static.
    pub fn truthy(&self) -> Option<bool> {
        self.value.as_deref().map(|v| !v.is_empty() && v != "0")
    }
}

/// A `'key' => [...]` block: its scalars by key, and where its array and entries stand so
/// that a rewrite can change a value, add an entry before the closing bracket, or drop one.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MagentoBlock {
    /// The block's key (`'redis'`).
    pub at: Location,
    pub values: BTreeMap<String, MagentoValue>,
    /// The whole array, `[` (or `array(`) to its closing bracket.
    pub array_at: Location,
    /// The closing `]` or `)`; `None` when the file ends inside the array.
    pub close_at: Option<Location>,
    /// Every entry in file order, scalars or not.
    pub entries: Vec<BlockEntry>,
}

/// One `key => value` of a block as written.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct BlockEntry {
    /// From the key (or the value of a list entry) to the end of the value.
    pub at: Location,
    /// The comma after it, if any.
    pub comma: Option<Location>,
}

impl MagentoBlock {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(|v| v.value.as_deref())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheBackend {
    /// `Cm_Cache_Backend_Redis`, `Magento\Framework\Cache\Backend\Redis`, `redis`, `valkey`.
    Redis,
    /// `RemoteSynchronizedCache` (L2) with a Redis remote backend.
    L2Redis,
    /// Files, database or anything else.
    Other,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct MagentoCache {
    /// The frontend name: `default`, `page_cache`, ...
    pub name: String,
    pub backend: CacheBackend,
    pub backend_name: String,
    pub at: Location,
    /// The Redis options (`backend_options`, or `remote_backend_options` for L2).
    pub options: Option<MagentoBlock>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct MagentoInstall {
    pub file: FileId,
    /// The directory holding `app/etc/env.php`.
    pub root: PathBuf,
    /// `session.save`; absent means php.ini decides.
    pub session_save: Option<MagentoValue>,
    /// The whole `session` block (`save`, `save_path`, `redis`, ...): every key, arrays with
    /// `value: None`. `None` when env.php has no `session` array.
    pub session: Option<MagentoBlock>,
    /// `session.redis` (or `session.valkey` for `save = valkey`).
    pub session_redis: Option<MagentoBlock>,
    pub caches: Vec<MagentoCache>,
    /// env.php compiles but certainly returns no array (`return 5;`, `return null;`, no
    /// `return` at all): where (the `return`, or the file's start) and what it returns.
    /// Magento's `DeploymentConfig\Reader::load()` then throws "Invalid configuration
    /// file" on every request. `None` when it returns an array or may (an expression).
    pub returns_no_array: Option<(Location, &'static str)>,
}

impl MagentoInstall {
    pub fn session_handler(&self) -> Option<&str> {
        self.session_save.as_ref().and_then(|v| v.value.as_deref())
    }

    pub fn sessions_in_redis(&self) -> bool {
        matches!(self.session_handler(), Some("redis" | "valkey"))
    }

    /// Where Magento's session handler connects (Credis: `host` may be `tcp://h`, a
    /// unix path, or `tls://h`; defaults 127.0.0.1:6379 db 0).
    pub fn session_target(&self) -> Option<RedisTarget> {
        if !self.sessions_in_redis() {
            return None;
        }
        let block = self.session_redis.as_ref();
        let get = |k: &str| block.and_then(|b| b.str(k)).filter(|v| !v.is_empty());
        let host = get("host").unwrap_or("127.0.0.1");
        if credis_refuses_host(host) {
            return None;
        }
        let mut t = credis_target(host, get("port"));
        t.database = Some(get("database").and_then(|d| d.trim().parse().ok()).unwrap_or(0));
        t.auth = get("password").map(|p| Auth::new(None, p.as_bytes()));
        t.timeout = get("timeout").map(str::to_owned);
        t.retries = Some(get("retries").and_then(|r| r.trim().parse().ok()).unwrap_or(0));
        t.persistent = get("persistent_identifier").is_some();
        Some(t)
    }

    /// Where a Redis cache frontend connects (Cm_Cache_Backend_Redis defaults); `None` for
    /// a non-Redis backend and for a Sentinel setup (`sentinel_master` set).
    pub fn cache_target(cache: &MagentoCache) -> Option<RedisTarget> {
        if cache.backend == CacheBackend::Other {
            return None;
        }
        let block = cache.options.as_ref();
        // With `sentinel_master`, `server` lists sentinels and the master's address is
        // known only at run time.
        if block.and_then(|b| b.values.get("sentinel_master")).is_some_and(|v| v.truthy() != Some(false)) {
            return None;
        }
        let get = |k: &str| block.and_then(|b| b.str(k)).filter(|v| !v.is_empty());
        let server = get("server").unwrap_or("127.0.0.1");
        if credis_refuses_host(server) {
            return None;
        }
        let mut t = credis_target(server, get("port"));
        // Cm_Cache_Backend_Redis casts: `(int) $options['database']` ('0t' is 0, '3x' is 3).
        t.database = Some(get("database").map(php_int_cast).unwrap_or(0));
        t.auth = get("password").map(|p| Auth::new(None, p.as_bytes()));
        t.retries = get("connect_retries").and_then(|r| r.trim().parse().ok());
        Some(t)
    }
}

/// The Redis server a target reaches, normalised so that two clients of one server compare
/// equal: `localhost`, 127/8 and `::1` are one host; a unix socket is its path.
/// `"127.0.0.1:6379"` / `"unix:/run/redis.sock"`.
pub fn server_key(t: &RedisTarget) -> String {
    match t.transport {
        super::Transport::Unix => format!("unix:{}", t.socket.as_deref().unwrap_or("")),
        _ => {
            let h = t.host.as_deref().unwrap_or("127.0.0.1").to_ascii_lowercase();
            let h = if h == "localhost" || h.starts_with("127.") || h == "::1" { "127.0.0.1".to_owned() } else { h };
            format!("{h}:{}", t.port)
        }
    }
}

/// Whether Credis' constructor throws for this `host` (cache `server`): after a `tcp://`,
/// `tls://`, `ssl://` or `tlsvN://` scheme, `convertHost()` (credis 1.17 `Client.php`)
/// wants `host[:port][/persistent_id]` (`#^([^:]+)(:([0-9]+))?(/(.+))?$#`), else it throws
/// "Invalid host format; expected tcp://host[:port][/persistence_identifier]" and no
/// connection is made. User-info (`tcp://bob:pw@127.0.0.1`) is refused so: Credis has no
/// URL credentials, only its `password`/`username` arguments.
pub fn credis_refuses_host(host: &str) -> bool {
    let Some((scheme, rest)) = host.split_once("://") else { return false };
    let tls_v = scheme.strip_prefix("tlsv").is_some_and(|v| {
        let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
        major.len() == 1
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.len() == 1
            && minor.bytes().all(|b| b.is_ascii_digit())
    });
    if !(matches!(scheme, "tcp" | "tls" | "ssl") || tls_v) || rest.is_empty() {
        return false;
    }
    // The regex, backtracking included: without a `:` `[^:]+` takes all; otherwise either
    // `host:digits` with an optional `/...`, or a shorter `[^:]+` up to a `/` whose `(.+)`
    // swallows the rest, colons and all.
    let Some((h, after)) = rest.split_once(':') else { return false };
    let port_then_id = {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let tail = &after[digits..];
        digits > 0 && (tail.is_empty() || (tail.starts_with('/') && tail.len() > 1))
    };
    let slash_in_host = h.get(1..).is_some_and(|x| x.contains('/'));
    h.is_empty() || !(port_then_id || slash_in_host)
}

fn credis_target(host: &str, port: Option<&str>) -> RedisTarget {
    // Credis casts `(int) $port`; phpredis connects to 6379 for port 0 (seen with strace).
    let port = port.and_then(|p| u16::try_from(php_int_cast(p)).ok()).filter(|p| *p > 0).unwrap_or(6379);
    if host.starts_with('/') || host.starts_with("unix://") {
        // Credis takes the rest as the socket path, but `unix://user:pw@/run/redis.sock` and
        // `/run/redis.sock?auth=pw` were written to hold a password: masked like a URL's.
        let path = crate::secrets::mask_save_path(&format!("://{}", host.trim_start_matches("unix://")));
        return RedisTarget::unix(path.strip_prefix("://").unwrap_or(&path));
    }
    let (tls, rest) = match host.split_once("://") {
        Some((scheme, rest)) => (scheme.starts_with("tls") || scheme.starts_with("ssl"), rest),
        None => (false, host),
    };
    let (h, p) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.parse::<u16>().is_ok() => (h, p.parse().unwrap_or(port)),
        _ => (rest, port),
    };
    let h = h.split('/').next().unwrap_or(h);
    // Credentials written into the host (`tcp://:pw@h`, `h?auth=pw`) are not a host name
    // Credis can resolve, but the model keeps them masked so that no output shows them.
    let h = crate::secrets::mask_save_path(&format!("://{h}"));
    let mut t = RedisTarget::tcp(h.strip_prefix("://").unwrap_or(&h), p);
    if tls {
        t.transport = super::Transport::Tls;
    }
    t
}

/// Read the session and cache settings of one env.php.
pub fn build_install(file: FileId, root: PathBuf, doc: &EnvPhp) -> MagentoInstall {
    let loc = |span| Location { file, span };
    let scalar = |entry: &crate::syntax::env_php::Entry| -> MagentoValue {
        let expr = doc.expr(entry.value);
        let value = match &expr.kind {
            ExprKind::Literal(v) => scalar_text(&v.to_value()),
            ExprKind::Str(s) => Some(String::from_utf8_lossy(doc.str_bytes(s)).into_owned()),
            _ => None,
        };
        let key_at = entry.key.map(|k| loc(doc.expr(k).span)).unwrap_or(loc(entry.span));
        MagentoValue { value, entry_at: loc(entry.span), value_at: loc(expr.span), key_at }
    };
    let block = |array: ArrayId, at| -> MagentoBlock {
        let node = doc.array(array);
        let mut values = BTreeMap::new();
        for e in &node.entries {
            if let Some(KeyRef::Str(k)) = doc.key(e) {
                values.insert(String::from_utf8_lossy(k).into_owned(), scalar(e));
            }
        }
        let entries = node.entries.iter().map(|e| BlockEntry { at: loc(e.span), comma: e.comma().map(loc) }).collect();
        MagentoBlock { at, values, array_at: loc(node.span), close_at: node.close.map(loc), entries }
    };
    let array_of = |entry: &crate::syntax::env_php::Entry| match doc.expr(entry.value).kind {
        ExprKind::Array(a) => Some(a),
        _ => None,
    };

    let session_save = doc.lookup(&["session", "save"]).map(scalar);
    let block_key =
        if session_save.as_ref().and_then(|v| v.value.as_deref()) == Some("valkey") { "valkey" } else { "redis" };
    let key_span = |e: &crate::syntax::env_php::Entry| e.key.map(|k| doc.expr(k).span).unwrap_or(e.span);
    let session = doc.lookup(&["session"]).and_then(|e| array_of(e).map(|a| block(a, loc(key_span(e)))));
    let session_redis =
        doc.lookup(&["session", block_key]).and_then(|e| array_of(e).map(|a| block(a, loc(key_span(e)))));

    let mut caches = Vec::new();
    if let Some(frontends) = doc.lookup(&["cache", "frontend"]).and_then(array_of) {
        for fe in &doc.array(frontends).entries {
            let Some(name) = doc.key(fe).map(|k| key_text(&k.to_array_key())) else { continue };
            let Some(fe_array) = array_of(fe) else { continue };
            let get = |k: &str| doc.entry(fe_array, &ArrayKey::from_bytes(k.as_bytes()));
            let backend_name = get("backend").map(scalar).and_then(|v| v.value).unwrap_or_default();
            let mut backend = backend_kind(&backend_name);
            let options_entry = get("backend_options");
            let mut options = options_entry.and_then(|e| array_of(e).map(|a| block(a, loc(key_span(e)))));
            if backend_name.contains("RemoteSynchronizedCache") {
                // L2: the Redis part is `remote_backend_options` inside backend_options.
                let remote = options_entry.and_then(array_of).and_then(|a| {
                    let rb = doc
                        .entry(a, &ArrayKey::from_bytes(b"remote_backend"))
                        .map(scalar)
                        .and_then(|v| v.value)
                        .unwrap_or_default();
                    let rbo = doc.entry(a, &ArrayKey::from_bytes(b"remote_backend_options"))?;
                    (backend_kind(&rb) == CacheBackend::Redis)
                        .then(|| array_of(rbo).map(|x| block(x, loc(key_span(rbo)))))?
                });
                backend = if remote.is_some() { CacheBackend::L2Redis } else { CacheBackend::Other };
                options = remote;
            }
            caches.push(MagentoCache { name, backend, backend_name, at: loc(key_span(fe)), options });
        }
    }
    let returns_no_array = returns_no_array(doc).map(|(span, what)| (loc(span), what));
    MagentoInstall { file, root, session_save, session, session_redis, caches, returns_no_array }
}

/// What an env.php that PHP compiles certainly returns instead of an array, and where.
/// Other top-level statements (`$x = 1;`, `declare(...)`) do not change what `include`
/// gives, unless one holds a word that may leave the file early: a `return` inside a
/// branch or function, `exit`/`die`, `throw`, `goto`, `eval`, an `include`. Those, and an
/// expression whose value is not known here, give `None` (php 8.2: `<?php $x = 1;` makes
/// `include` give `int(1)`; `<?php if (true) { return [...]; }` gives the array).
fn returns_no_array(doc: &EnvPhp) -> Option<(Span, &'static str)> {
    use crate::syntax::env_php::{ItemKind, Returned, TokenKind};
    const MAY_LEAVE: &[&str] =
        &["return", "exit", "die", "throw", "goto", "eval", "include", "include_once", "require", "require_once"];
    let may_leave = |i: &crate::syntax::env_php::Item| {
        doc.tokens()[i.tokens.clone()].iter().any(|t| {
            t.kind == TokenKind::Name && {
                let word = String::from_utf8_lossy(doc.text(t.span())).to_ascii_lowercase();
                MAY_LEAVE.contains(&word.trim_start_matches('\\'))
            }
        })
    };
    if !doc.errors.is_empty() || doc.items().iter().any(|i| i.kind == ItemKind::Statement && may_leave(i)) {
        return None;
    }
    let ret = doc.items().iter().find_map(|i| match &i.kind {
        ItemKind::Return(r) => Some(r.keyword),
        _ => None,
    });
    match doc.returned() {
        Returned::NoReturn => Some((Span::empty(0), "no `return`, so `include` gives 1")),
        Returned::Void => Some((ret.unwrap_or_default(), "a bare `return;`, so `include` gives null")),
        Returned::Value(id) => match &doc.expr(id).kind {
            ExprKind::Array(_) => None,
            ExprKind::Literal(Scalar::Null) => Some((doc.expr(id).span, "null")),
            ExprKind::Literal(Scalar::Bool(_)) => Some((doc.expr(id).span, "a boolean")),
            ExprKind::Literal(Scalar::Int(_) | Scalar::Float(_)) => Some((doc.expr(id).span, "a number")),
            ExprKind::Str(_) => Some((doc.expr(id).span, "a string")),
            _ => None,
        },
    }
}

impl MagentoInstall {
    /// The persistent-connection id of the session connection: `persistent_identifier`
    /// when PHP-truthy (the handler's `?: ''`), with where it is set.
    pub fn session_persistent_id(&self) -> Option<(&str, Location)> {
        if !self.sessions_in_redis() {
            return None;
        }
        let v = self.session_redis.as_ref()?.values.get("persistent_identifier")?;
        (v.truthy() == Some(true)).then(|| (v.value.as_deref().unwrap_or_default(), v.value_at))
    }

    /// The persistent-connection id of a Redis cache frontend, with where it is set.
    /// `Cm_Cache_Backend_Redis` (and Magento's subclass) take `persistent` as the id itself
    /// (a non-empty, PHP-truthy string; Credis `pconnect(..., $persistent)`); the 2.4.9
    /// Symfony backends (`'backend' => 'redis'`/`'valkey'`) take `persistent` as a flag and
    /// `persistent_id` as the id.
    pub fn cache_persistent_id(cache: &MagentoCache) -> Option<(&str, Location)> {
        let o = cache.options.as_ref()?;
        let persistent = o.values.get("persistent")?;
        if persistent.truthy() != Some(true) {
            return None;
        }
        let symfony = matches!(cache.backend_name.trim().to_ascii_lowercase().as_str(), "redis" | "valkey");
        if symfony {
            let id = o.values.get("persistent_id").filter(|v| v.truthy() == Some(true))?;
            return Some((id.value.as_deref().unwrap_or_default(), id.value_at));
        }
        Some((persistent.value.as_deref().unwrap_or_default(), persistent.value_at))
    }
}

/// One entry of `session.redis.sentinel_servers` (split on commas, as the session handler
/// does with `preg_split('/\s*,\s*/', trim(...))`), as Credis reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentinelEntry {
    pub text: String,
    /// The port Credis connects to. The session handler (php-redis-session-abstract
    /// `Handler.php`) passes port `NULL`, so an entry without a port gets none: `tcp://h`
    /// becomes port 0 and a bare `h` the address `tcp://h`, and both fail to connect.
    pub port: Option<u16>,
    /// A unix socket path.
    pub unix: bool,
}

/// Split and read `sentinel_servers` as Credis' `convertHost()` does (credis 1.11).
pub fn sentinel_entries(text: &str) -> Vec<SentinelEntry> {
    text.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let lower = e.to_ascii_lowercase();
            let (unix, rest) = match lower.split_once("://") {
                Some(("unix", _)) => (true, ""),
                Some((_, _)) => (false, &e[e.find("://").map_or(0, |i| i + 3)..]),
                None => (e.starts_with('/'), e),
            };
            let port = rest
                .split('/')
                .next()
                .and_then(|hp| hp.rsplit_once(':'))
                .and_then(|(_, p)| p.parse::<u16>().ok())
                .filter(|p| *p > 0);
            // Credentials in an entry (`tcp://:pw@h`) are kept masked: no output shows them.
            SentinelEntry { text: crate::secrets::mask_save_path(e), port, unix }
        })
        .collect()
}

/// `session.save` values that name a handler: Magento's own (`files` through PHP, `db`,
/// `redis`; `valkey` from 2.4.9) and PHP's native extension handlers Magento passes through
/// (`SaveHandlerFactory`: anything not registered is PHP's handler of that name).
pub const SESSION_SAVE_VALUES: &[&str] = &["files", "db", "redis", "valkey", "memcached", "memcache"];

/// For a `session.save` value that names no handler, the one it most likely means
/// (`'rediss'` → `redis`, `'redis '` → `redis`).
pub fn session_save_suggestion(save: &str) -> Option<String> {
    let trimmed = save.trim().to_ascii_lowercase();
    if trimmed != save && SESSION_SAVE_VALUES.contains(&trimmed.as_str()) {
        return Some(trimmed);
    }
    crate::suggest::did_you_mean(save, SESSION_SAVE_VALUES.iter().copied())
}

/// What Magento 2.4's session config makes of a key in `session.redis`.
///
/// Source: magento2 2.4.8 `lib/internal/Magento/Framework/Session/SaveHandler/Redis/Config.php`
/// (the `PARAM_*` paths it reads) and colinmollenhour/php-redis-session-abstract
/// `src/Cm/RedisSession/Handler.php` (what the handler does with them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionKey {
    /// Read and used.
    Read,
    /// Written by `setup:config:set` but replaced by a constant at run time.
    Ignored { why: &'static str },
    /// A `Cm_Cache_Backend_Redis` option the session config never reads; `session_key` is
    /// the session block's word for the same thing, if it has one.
    CacheOption { session_key: Option<&'static str>, note: &'static str },
    /// Not read by anything; the closest key Magento reads, when it looks like a typo.
    Unknown { suggestion: Option<String> },
}

/// Keys `Config.php` (2.4.8) reads from `session/redis/*`; `break_after_<area>` is read for
/// every area code and is handled by [`session_key`].
pub const SESSION_KEYS: &[&str] = &[
    "host",
    "port",
    "password",
    "timeout",
    "retries",
    "persistent_identifier",
    "database",
    "compression_threshold",
    "compression_library",
    "log_level",
    "max_concurrency",
    "min_lifetime",
    "disable_locking",
    "bot_lifetime",
    "bot_first_lifetime",
    "first_lifetime",
    "break_after_frontend",
    "break_after_adminhtml",
    "sentinel_servers",
    "sentinel_master",
    "sentinel_verify_master",
    "sentinel_connect_retries",
];

/// Classify one key of `session.redis`.
pub fn session_key(key: &str) -> SessionKey {
    if session_key_is_read(key) {
        return SessionKey::Read;
    }
    let cache = |session_key, note| SessionKey::CacheOption { session_key, note };
    match key {
        "fail_after" => SessionKey::Ignored { why: "`getFailAfter()` returns the constant 15" },
        "server" => cache(Some("host"), "the session block calls the address `host`"),
        "db" => cache(Some("database"), "the session block calls it `database`"),
        "persistent" => cache(Some("persistent_identifier"), "the session block calls it `persistent_identifier`"),
        "connect_retries" => cache(Some("retries"), "the session block calls it `retries` (2.4.8+)"),
        "compress_threshold" => cache(Some("compression_threshold"), "the session block calls it `compression_threshold`"),
        "compression_lib" => cache(Some("compression_library"), "the session block calls it `compression_library`"),
        "sentinel_master_verify" => cache(Some("sentinel_verify_master"), "the session block calls it `sentinel_verify_master`"),
        "force_standalone" => cache(None, "the session handler always uses phpredis when it is loaded"),
        "read_timeout" => cache(None, "the session handler has no read timeout setting"),
        "username" | "user" => cache(None, "Magento 2.4's session config sends no ACL user name (it does not implement `UsernameConfigInterface`), so AUTH uses the password alone"),
        "cluster" => cache(None, "Magento 2.4's session config cannot use Redis Cluster"),
        "compress_data" | "compress_tags" | "use_lua" | "_useLua" | "use_lua_on_gc" | "lifetimelimit"
        | "automatic_cleaning_factor" | "load_from_slave" | "load_from_slaves" | "retry_reads_on_master"
        | "preload_keys" | "sentinel" => cache(None, "a cache backend option"),
        _ => SessionKey::Unknown { suggestion: crate::suggest::did_you_mean(key, SESSION_KEYS.iter().copied()) },
    }
}

/// Whether [`session_key`] says [`SessionKey::Read`], without a did-you-mean: a key of
/// [`SESSION_KEYS`], `break_after_<area>`, or `max_lifetime` (replaced by the constant
/// 31536000, `getMaxLifetime()`, but `setup:config:set` writes it into every install:
/// reporting it would only teach people to ignore the rule).
pub fn session_key_is_read(key: &str) -> bool {
    SESSION_KEYS.contains(&key)
        || (key.starts_with("break_after_") && key.len() > "break_after_".len())
        || key == "max_lifetime"
}

/// PHP's `(int)` cast of a string: the longest leading numeric part after whitespace (an
/// optional sign, digits, a fraction, an exponent), truncated toward zero; anything else
/// gives 0 (`'0t'` is 0, `'3x'` is 3, `'1e1'` is 10, `'abc'` is 0). Saturates on overflow.
/// Source: `ZEND_STRTOL`/`_zend_handle_numeric_str_ex` in `zend_operators.c`; checked
/// against php 8.2 in `tests/e2e_magento.rs`.
pub fn php_int_cast(s: &str) -> i64 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let b = t.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |mut j: usize| {
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        j
    };
    let int_end = digits(i);
    let mut end = int_end;
    let mut float = false;
    if b.get(end) == Some(&b'.') {
        let frac_end = digits(end + 1);
        if frac_end > end + 1 || int_end > i {
            float |= frac_end > end + 1;
            end = frac_end;
        }
    }
    if end > i && matches!(b.get(end), Some(b'e' | b'E')) {
        let mut j = end + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_end = digits(j);
        if exp_end > j {
            end = exp_end;
            float = true;
        }
    }
    if end == i || (end == i + 1 && b.get(i) == Some(&b'.')) {
        return 0;
    }
    if float {
        // `as` saturates, like PHP 8 on 64-bit for finite values in range.
        return t[..end].parse::<f64>().map(|f| f.trunc() as i64).unwrap_or(0);
    }
    let neg = b.first() == Some(&b'-');
    let mut n: i64 = 0;
    while i < int_end {
        n = n.saturating_mul(10).saturating_add(i64::from(b[i] - b'0'));
        i += 1;
    }
    if neg {
        -n
    } else {
        n
    }
}

/// Whether PHP accepts `s` for an `int` parameter in coercive mode (what phpredis'
/// `Redis::select()` gets from the session handler, uncast): a numeric string with optional
/// surrounding whitespace (`' 2'`, `'2 '`, `'2.0'`); `'0t'`, `'abc'`, `''` throw `TypeError`
/// (checked against php 8.2 + phpredis 5.3.7).
pub fn php_int_param_accepts(s: &str) -> bool {
    let ws = [' ', '\t', '\n', '\r', '\x0b', '\x0c'];
    let t = s.trim_start_matches(ws).trim_end_matches(ws);
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = (!int.is_empty() || !frac.is_empty()) && digits(int) && digits(frac);
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exp_ok
}

fn key_text(k: &ArrayKey) -> String {
    match k {
        ArrayKey::Int(n) => n.to_string(),
        ArrayKey::Str(s) => String::from_utf8_lossy(s).into_owned(),
    }
}

fn scalar_text(v: &PhpValue) -> Option<String> {
    Some(match v {
        PhpValue::Str(s) => String::from_utf8_lossy(s).into_owned(),
        PhpValue::Int(n) => n.to_string(),
        PhpValue::Float(f) => f.to_string(),
        PhpValue::Bool(true) => "1".into(),
        PhpValue::Bool(false) | PhpValue::Null => String::new(),
        PhpValue::Array(_) => return None,
    })
}

/// Backend class names Magento and ece-tools write for Redis.
pub fn backend_kind(name: &str) -> CacheBackend {
    let n = name.trim_start_matches('\\').to_ascii_lowercase();
    match n.as_str() {
        "cm_cache_backend_redis" | "magento\\framework\\cache\\backend\\redis" | "redis" | "valkey" => {
            CacheBackend::Redis
        }
        _ => CacheBackend::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_knows_its_array_entries_and_closing_bracket() {
        let text = "<?php\nreturn ['session' => ['save' => 'redis', 'redis' => [\n  'host' => '127.0.0.1',\n  'port' => '6379'\n]]];\n";
        let doc = crate::syntax::env_php::parse(text.as_bytes());
        let m = build_install(FileId(0), PathBuf::new(), &doc);
        let block = m.session_redis.expect("session.redis");
        let s = |at: Location| &text[at.span.start..at.span.end];
        assert_eq!(s(block.at), "'redis'");
        assert!(s(block.array_at).starts_with('[') && s(block.array_at).ends_with(']'));
        assert_eq!(block.close_at.map(s), Some("]"));
        let entries: Vec<(&str, Option<&str>)> = block.entries.iter().map(|e| (s(e.at), e.comma.map(s))).collect();
        assert_eq!(entries, [("'host' => '127.0.0.1'", Some(",")), ("'port' => '6379'", None)]);
        assert_eq!(s(block.values["port"].value_at), "'6379'");
    }

    /// Each answer as php 8.2 gives it: `var_dump((int) $s)` and whether
    /// `Redis::select($s)` accepts the string or throws `TypeError`.
    #[test]
    fn php_casts() {
        for (s, int) in
            [("0t", 0), (" 3", 3), ("3x", 3), ("abc", 0), ("", 0), ("-2", -2), ("6379", 6379), ("1e1", 10), ("2.9", 2)]
        {
            assert_eq!(php_int_cast(s), int, "(int) {s:?}");
        }
        for s in ["2", " 2", "2 ", "2.0", "2.5", "-1", "20", "1e1"] {
            assert!(php_int_param_accepts(s), "{s:?} is accepted");
        }
        for s in ["0t", "abc", "", " ", "2 x", ".", "1e"] {
            assert!(!php_int_param_accepts(s), "{s:?} is refused");
        }
    }
}
