//! Redis (and Valkey) servers as their redis.conf, includes expanded, configures them:
//! where they listen, who may talk to them, and how many databases they have.

mod acl;
mod address;
pub mod commands;
mod fingerprints;
pub mod keys;
pub mod password;
mod users;
mod version;

use std::collections::BTreeMap;

use acl::effective_default;
pub use acl::{AclUser, DefaultUser, DefaultUserSource};
use address::{bind_address, bind_addresses, overlapping_binds};
pub use address::{classify_address, BindAddress, Reach};
pub use users::AclUsers;
pub use version::RedisVersion;

use super::{FileId, Location};
use crate::span::Span;

/// A reason redis-server, having read the file without complaint, aborts at startup.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StartupFailure {
    pub at: Location,
    /// What redis-server logs, and why (e.g. the words after `#` taken as addresses).
    pub message: String,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct RedisServer {
    /// The top-level config file.
    pub file: FileId,
    pub binds: Vec<BindAddress>,
    /// The `bind` line in force (`None`: the compiled default, every interface).
    pub bind_at: Option<Location>,
    pub port: u16,
    pub tls_port: u16,
    pub unixsocket: Option<String>,
    pub unixsocketperm: Option<String>,
    pub protected_mode: bool,
    /// A non-empty `requirepass` (its value is a secret and is never kept). It sets the
    /// default user's password only when nothing else decides it: see [`DefaultUser`].
    pub requirepass_at: Option<Location>,
    /// The users redis-server creates: redis.conf `user` lines, or the ACL file's; one per
    /// name, found by name in O(log n) ([`AclUsers::get`]). Of an ACL file it refuses, the
    /// lines as written: it creates none of them ([`RedisServer::users_known`] is false).
    pub users: AclUsers,
    /// The effective default user.
    pub default_user: DefaultUser,
    /// `aclfile` as written.
    pub aclfile: Option<String>,
    pub aclfile_at: Option<Location>,
    /// The ACL file read for it, when it was found.
    pub acl_file: Option<FileId>,
    pub databases: i64,
    pub cluster_enabled: bool,
    pub renamed_commands: Vec<(String, String, Location)>,
    /// Every table directive: canonical name -> (value as CONFIG GET shows it, where set).
    /// Sensitive values are replaced by `********`.
    pub settings: BTreeMap<String, (String, Location)>,
    /// The release whose rules apply.
    pub version: RedisVersion,
    /// Why the server, though its file loads, will not start.
    pub startup_failures: Vec<StartupFailure>,
    /// The `aclfile` line, and why its file was not read, when it leads outside the checked
    /// tree (or into /proc, /sys, /dev) or is over sesslint's read limit: whether that file exists, and so whether the server
    /// starts and which users it has, is not known here (SL002 says so, never SL001).
    pub acl_file_not_read: Option<StartupFailure>,
}

/// Whose clients protected mode refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protection {
    /// Off, or a password is set: it accepts clients from anywhere it listens.
    None,
    /// It answers `-DENIED` to every client that is not local (Unix socket, 127.0.0.1,
    /// ::1; any 127.x from 7.2).
    RemoteDenied,
    /// On, and whether it refuses anyone is the default user's to decide (no password:
    /// it does), a user not known here ([`RedisServer::users_known`]): neither of the above.
    Unknown,
}

impl RedisServer {
    /// Every address it accepts TCP connections on (`port` 0 and no tls-port: none).
    pub fn listens_on_tcp(&self) -> bool {
        (self.port != 0 || self.tls_port != 0) && self.binds.iter().any(|b| b.not_an_address.is_none())
    }

    /// The bind addresses that are addresses.
    pub fn listeners(&self) -> impl Iterator<Item = &BindAddress> {
        self.binds.iter().filter(|b| b.not_an_address.is_none())
    }

    /// Protected mode as this version applies it (redis@7.0.15:src/networking.c:1243-1277:
    /// `protected_mode && DefaultUser nopass && !local`; before 7.0 also no `bind` line).
    /// The default user's `nopass` decides, so with users not known (an aclfile not read, or
    /// refused) it is [`Protection::Unknown`], never taken from the built-in user.
    pub fn protection(&self) -> Protection {
        let on = self.protected_mode && (self.version.protected_mode_ignores_bind() || self.bind_at.is_none());
        if !on {
            Protection::None
        } else if !self.users_known() {
            Protection::Unknown
        } else if self.default_user.nopass {
            Protection::RemoteDenied
        } else {
            Protection::None
        }
    }

    /// The widest reach of its TCP listeners, as clients can use them (protected mode
    /// makes every listener local-only; protection not known counts as none: the widest
    /// reach it may have).
    pub fn widest_reach(&self) -> Option<Reach> {
        if !self.listens_on_tcp() {
            return None;
        }
        if self.protection() == Protection::RemoteDenied {
            return Some(Reach::Loopback);
        }
        let reaches = || self.listeners().map(|b| b.reach);
        reaches().filter(|r| *r != Reach::Unknown).max().or(reaches().find(|r| *r == Reach::Unknown))
    }

    /// Whether the users redis-server has (the default one included) are known: not when
    /// `aclfile` names a file that was not read (outside the checked tree, missing, over the
    /// budget), or one redis-server refuses. A rule that needs them says nothing of a server
    /// whose users are not known, or says that they are not known.
    pub fn users_known(&self) -> bool {
        self.users_unknown_why().is_none()
    }

    /// Why its users are not known, in a few words for a finding (`None`: they are known).
    pub fn users_unknown_why(&self) -> Option<&'static str> {
        match self.default_user.source {
            DefaultUserSource::AclFileNotRead => Some("its aclfile was not read"),
            DefaultUserSource::AclFileRefused => Some("redis-server refuses its aclfile, so it does not start"),
            _ => None,
        }
    }

    /// Whether clients must authenticate: the effective default user is not `on nopass`.
    pub fn has_auth(&self) -> bool {
        !self.default_user.is_open()
    }

    /// The line that decided the default user (`None`: built in).
    pub fn default_user_at(&self) -> Option<Location> {
        self.default_user.at
    }

    /// An ACL file read in the tree that redis-server refuses (any line it refuses aborts
    /// its startup: acl.c ACLLoadUsersAtStartup): the server has no users, none are known
    /// ([`RedisServer::users_known`]). `users`: the lines it would accept alone, kept for
    /// the rules on the file's text (a password in a world-readable file, a weak one).
    pub fn refuse_acl_file(&mut self, file: FileId, users: AclUsers) {
        self.acl_file = Some(file);
        self.users = users;
        let mut user = effective_default(self, None);
        user.source = DefaultUserSource::AclFileRefused;
        user.at = None;
        self.default_user = user;
    }

    /// Take the ACL file's users (`aclfile`): they replace every other user, and without a
    /// `default` line the built-in default user comes back (acl.c ACLLoadFromFile).
    pub fn use_acl_file(&mut self, file: FileId, users: AclUsers) {
        self.acl_file = Some(file);
        self.users = users;
        self.default_user = effective_default(self, None);
    }
}

/// A directive in load order, located in a model file.
pub struct PlacedDirective<'a> {
    pub name: &'a str,
    pub args: &'a [crate::syntax::redis_conf::ArgBytes],
    pub at: Location,
}

/// Build a server from its directives (includes expanded, in load order). The ACL file, when
/// `aclfile` names one, is read by the caller and given with [`RedisServer::use_acl_file`].
pub fn build_server(file: FileId, directives: &[PlacedDirective<'_>]) -> RedisServer {
    use crate::syntax::redis_conf::directives::{lookup, row_index, Lookup, Since, DIRECTIVES, EXTRA_ALIASES};
    // Each name looked up once: each directive's table row (`NO_ROW`: not a table directive)
    // goes on to the replay, 2 bytes a directive (pairs of row and arguments collected were
    // 24 bytes a directive of a 2.4-million-line file).
    const NO_ROW: u16 = u16::MAX;
    const _: () = assert!(DIRECTIVES.len() < NO_ROW as usize);
    let mut rows: Vec<u16> = Vec::with_capacity(directives.len());
    // Where each row was last set (+1 into `directives`; 0 = never), by row.
    let mut last_set = vec![0u32; DIRECTIVES.len()];
    let mut users: Vec<AclUser> = Vec::new();
    let mut renamed = Vec::new();
    let mut newest: Option<(Since, &str, Location)> = None;
    for (i, d) in directives.iter().enumerate() {
        let mut row_of = NO_ROW;
        match lookup(d.name) {
            Lookup::Table { def, via_alias } => {
                if let Some(row) = row_index(def) {
                    last_set[row] = u32::try_from(i + 1).unwrap_or(0);
                    row_of = u16::try_from(row).unwrap_or(NO_ROW);
                }
                let since = match EXTRA_ALIASES.iter().find(|(a, _, _)| via_alias && *a == d.name) {
                    Some((_, _, s)) => *s,
                    None => def.since,
                };
                if since > Since::R70 && newest.as_ref().is_none_or(|(s, _, _)| since > *s) {
                    newest = Some((since, d.name, d.at));
                }
            }
            Lookup::User => {
                let name = d.args.first().map(|a| String::from_utf8_lossy(a).into_owned()).unwrap_or_default();
                // Every `user` line starts from `reset` (a second line for a name is refused).
                let mut u = AclUser::reset(&name, d.at);
                u.apply(d.args.get(1..).unwrap_or_default());
                users.push(u);
            }
            Lookup::RenameCommand if d.args.len() == 2 => renamed.push((
                String::from_utf8_lossy(&d.args[0]).into_owned(),
                String::from_utf8_lossy(&d.args[1]).into_owned(),
                d.at,
            )),
            _ => {}
        }
        rows.push(row_of);
    }
    let users = AclUsers::from_lines(users);
    let last = |def: &crate::syntax::redis_conf::directives::DirectiveDef| {
        let i = row_index(def).map_or(0, |row| last_set[row] as usize);
        i.checked_sub(1).map(|i| directives[i].at)
    };
    // Every value once, in name order: a sensitive one is kept as written for the model
    // (length, emptiness) and shown masked; another is shown masked from where its words
    // carry another line's password (a lone `\r` joined them), what it makes redis-server
    // do unchanged. Every row the replay sets was set by a line, so each has its place.
    let mut raw_sensitive: Vec<(&'static str, String)> = Vec::new();
    let mut shown: Vec<(String, (String, Location))> = Vec::new();
    let table = directives.iter().zip(&rows).filter_map(|(d, &row)| Some((DIRECTIVES.get(usize::from(row))?, d.args)));
    for (def, v) in crate::syntax::redis_conf::effective_rows(table) {
        let Some(at) = last(def) else { continue };
        let value = if def.sensitive {
            let masked = if v.is_empty() { String::new() } else { crate::secrets::MASK.to_owned() };
            raw_sensitive.push((def.name, v));
            masked
        } else {
            match crate::secrets::redis_value_secret(def.name, &v) {
                Some(from) => format!("{}{}", v.get(..from).unwrap_or(""), crate::secrets::MASK),
                None => v,
            }
        };
        shown.push((def.name.to_owned(), (value, at)));
    }
    // In name order already: collected, the map is built in one pass (no search per key).
    let settings: BTreeMap<String, (String, Location)> = shown.into_iter().collect();
    // A value as the model reads it: a sensitive one as written, another as shown.
    let value_in = |settings: &BTreeMap<String, (String, Location)>, k: &str| match raw_sensitive
        .iter()
        .find(|(name, _)| *name == k)
    {
        Some((_, v)) => Some(v.clone()),
        None => settings.get(k).map(|(v, _)| v.clone()),
    };
    let get = |k: &str| value_in(&settings, k);
    // The line that last set a table directive, whether or not its value passed the checks.
    let at_of = |k: &str| match lookup(k) {
        Lookup::Table { def, .. } => last(def),
        _ => None,
    };
    let bind_text = get("bind");
    let binds = match &bind_text {
        Some(t) => bind_addresses(t),
        None => vec![bind_address("*"), bind_address("-::*")],
    };
    let requirepass_at = match get("requirepass") {
        Some(v) if !v.is_empty() => at_of("requirepass"),
        _ => None,
    };
    let version = match newest {
        Some((since, name, _)) => {
            let (major, minor, valkey) = match since {
                Since::R70 | Since::R72 => (7, 2, false),
                Since::R74 => (7, 4, false),
                Since::V80 => (8, 0, true),
            };
            let v = RedisVersion { major, minor, valkey, why: String::new(), assumed: false };
            RedisVersion { why: format!("`{name}` exists only in {} and later", v.name()), ..v }
        }
        None => RedisVersion {
            major: 7,
            minor: 0,
            valkey: false,
            why: "no sesslint.toml `redis-version`, no directive newer than 7.0 and no known distribution".into(),
            assumed: true,
        },
    };
    // The last requirepass line decides, an empty one too (it clears an included password).
    let requirepass = get("requirepass").zip(at_of("requirepass"));
    let placeholder = DefaultUser::builtin();
    let mut server = RedisServer {
        file,
        binds,
        bind_at: at_of("bind"),
        port: get("port").and_then(|p| p.parse().ok()).unwrap_or(6379),
        tls_port: get("tls-port").and_then(|p| p.parse().ok()).unwrap_or(0),
        unixsocket: get("unixsocket").filter(|s| !s.is_empty()),
        unixsocketperm: get("unixsocketperm").filter(|p| p != "0"),
        protected_mode: get("protected-mode").is_none_or(|v| v == "yes"),
        requirepass_at,
        users,
        default_user: placeholder,
        aclfile: get("aclfile").filter(|s| !s.is_empty()),
        aclfile_at: at_of("aclfile"),
        acl_file: None,
        databases: get("databases").and_then(|d| d.parse().ok()).unwrap_or(16),
        cluster_enabled: get("cluster-enabled").is_some_and(|v| v == "yes"),
        renamed_commands: renamed,
        settings,
        version,
        startup_failures: Vec::new(),
        acl_file_not_read: None,
    };
    server.default_user = effective_default(&server, requirepass.as_ref().map(|(v, at)| (*at, v.as_bytes())));
    server.startup_failures = startup_failures(&server, &|k: &str| value_in(&server.settings, k));
    server
}

/// What redis-server 7.0 refuses at startup although the file loaded: checked in
/// `initServer`/`listenToPort` and `ACLLoadUsersAtStartup` (redis@7.0.15:src/server.c,
/// src/acl.c), messages as it logs them. Each is pinned live in tests/startup_redis.rs.
fn startup_failures(s: &RedisServer, get: &dyn Fn(&str) -> Option<String>) -> Vec<StartupFailure> {
    let mut out = Vec::new();
    let whole_file = Location { file: s.file, span: Span::empty(0) };
    let bind_at = s.bind_at.unwrap_or(whole_file);
    if let Some(at) = s.aclfile_at {
        if let Some(u) = s.users.first() {
            out.push(StartupFailure {
                at: u.at,
                message: "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid: with `aclfile` set, `user` lines in redis.conf make redis-server exit".into(),
            });
            let _ = at;
        }
    }
    let tcp = s.port != 0 || s.tls_port != 0;
    if tcp {
        if let Some(b) = s.binds.iter().find(|b| b.not_an_address.is_some()) {
            let port = if s.port != 0 { s.port } else { s.tls_port };
            let why = b.not_an_address.as_deref().unwrap_or_default();
            out.push(StartupFailure {
                at: bind_at,
                message: format!(
                    "Could not create server TCP listening socket {}:{port}: {why}",
                    b.text.trim_start_matches('-')
                ),
            });
        } else if let Some((a, b)) = overlapping_binds(&s.binds) {
            out.push(StartupFailure {
                at: bind_at,
                message: format!(
                    "Could not create server TCP listening socket {}:{}: bind: Address already in use (`{}` already covers it; every bind address gets its own socket)",
                    b.trim_start_matches('-'),
                    if s.port != 0 { s.port } else { s.tls_port },
                    a.trim_start_matches('-'),
                ),
            });
        }
    }
    let tcp_listeners = tcp && !s.binds.is_empty();
    let setting_at = |k: &str| s.settings.get(k).map_or(whole_file, |(_, at)| *at);
    if s.port != 0 && s.port == s.tls_port && tcp_listeners {
        out.push(StartupFailure {
            at: setting_at("tls-port"),
            message: format!(
                "Could not create server TCP listening socket {}:{}: bind: Address already in use (Failed listening on port {} (TLS): `port` and `tls-port` are the same)",
                s.listeners().next().map_or("*", |b| b.text.trim_start_matches('-')),
                s.port,
                s.port
            ),
        });
    }
    if s.cluster_enabled {
        // server.c: the cluster bus listens on port + 10000 (7.0 has no cluster-port default).
        let port = if s.port != 0 { s.port } else { s.tls_port };
        if port > 55535 && get("cluster-port").is_none_or(|p| p == "0") {
            out.push(StartupFailure {
                at: setting_at("port"),
                message: "Redis port number too high. Cluster communication port is 10,000 port numbers higher than your Redis port. Your Redis port number must be 55535 or less.".into(),
            });
        }
        if s.binds.is_empty() {
            out.push(StartupFailure {
                at: bind_at,
                message: "No bind address is configured, but it is required for the Cluster bus.".into(),
            });
        }
    }
    if !tcp_listeners && s.unixsocket.is_none() {
        let why = if tcp { "`bind \"\"` names no address" } else { "`port 0`, no tls-port" };
        out.push(StartupFailure {
            at: if tcp { bind_at } else { s.settings.get("port").map_or(whole_file, |(_, at)| *at) },
            message: format!("Configured to not listen anywhere, exiting. ({why} and no unixsocket)"),
        });
    }
    if s.tls_port != 0 {
        for (key, what) in
            [("tls-cert-file", "No tls-cert-file configured!"), ("tls-key-file", "No tls-key-file configured!")]
        {
            if get(key).is_none_or(|v| v.is_empty()) {
                let at = s.settings.get("tls-port").map_or(whole_file, |(_, at)| *at);
                out.push(StartupFailure {
                    at,
                    message: format!("{what} (Failed to configure TLS: `tls-port` needs `{key}`)"),
                });
                break;
            }
        }
    }
    if let Some(path) = &s.unixsocket {
        // sockaddr_un.sun_path is 108 bytes with its NUL (anet.c anetUnixServer).
        if path.len() >= 108 {
            let at = s.settings.get("unixsocket").map_or(whole_file, |(_, at)| *at);
            out.push(StartupFailure {
                at,
                message: format!(
                    "Failed opening Unix socket: unix socket path too long ({}), must be under 108",
                    path.len()
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(conf: &str) -> RedisServer {
        let lines: Vec<(String, Vec<crate::syntax::redis_conf::ArgBytes>)> = conf
            .lines()
            .map(|l| {
                let mut words = l.split_whitespace().map(|w| w.as_bytes().into());
                let name = l.split_whitespace().next().unwrap_or_default().to_owned();
                words.next();
                (name, words.collect())
            })
            .collect();
        let at = Location { file: FileId(0), span: crate::span::Span::empty(0) };
        let placed: Vec<PlacedDirective<'_>> =
            lines.iter().map(|(n, a)| PlacedDirective { name: n, args: a, at }).collect();
        build_server(FileId(0), &placed)
    }

    #[test]
    fn protected_mode_follows_the_version() {
        // redis@6.2.0:src/networking.c:968-971 (`bindaddr_count == 0`), removed in 7.0.
        let mut s = server("bind 0.0.0.0\nprotected-mode yes");
        assert_eq!(s.protection(), Protection::RemoteDenied);
        s.version = RedisVersion::parse("6.2", "test").expect("6.2");
        assert_eq!(s.protection(), Protection::None);
        let mut no_bind = server("protected-mode yes");
        no_bind.version = s.version.clone();
        assert_eq!(no_bind.protection(), Protection::RemoteDenied);
        // A password, or protected mode off, lets other hosts in on every version.
        assert_eq!(server("bind 0.0.0.0\nrequirepass x").protection(), Protection::None);
        assert_eq!(server("bind 0.0.0.0\nprotected-mode no").protection(), Protection::None);
    }

    /// An aclfile not read (or refused): the default user is not known, and neither is
    /// whether protected mode refuses anyone; off, or switched off by `bind` before 7.0, it
    /// refuses no one whoever the default user is.
    #[test]
    fn protected_mode_with_users_not_known_is_not_known() {
        let mut s = server("bind 0.0.0.0\nprotected-mode yes\naclfile /elsewhere/users.acl");
        assert!(!s.users_known());
        assert_eq!(s.protection(), Protection::Unknown);
        assert_eq!(s.widest_reach(), Some(Reach::Public));
        s.version = RedisVersion::parse("6.2", "test").expect("6.2");
        assert_eq!(s.protection(), Protection::None);
        assert_eq!(server("bind 0.0.0.0\nprotected-mode no\naclfile /x.acl").protection(), Protection::None);
        let mut refused = server("bind 0.0.0.0\nprotected-mode yes\naclfile /x.acl");
        refused.refuse_acl_file(FileId(1), AclUsers::default());
        assert_eq!(refused.default_user.source, DefaultUserSource::AclFileRefused);
        assert_eq!(refused.protection(), Protection::Unknown);
    }

    #[test]
    fn versions_from_directives_and_text() {
        assert_eq!(server("port 1").version.name(), "Redis 7.0");
        assert!(server("port 1").version.assumed);
        assert_eq!(server("locale-collate C").version.name(), "Redis 7.2");
        assert_eq!(server("hide-user-data-from-log yes").version.name(), "Redis 7.4");
        assert_eq!(server("primaryauth x").version.name(), "Valkey 8.0");
        for (text, name) in
            [("7.0", "Redis 7.0"), ("6.2.14", "Redis 6.2"), ("valkey 8.0", "Valkey 8.0"), ("redis-7.2", "Redis 7.2")]
        {
            assert_eq!(RedisVersion::parse(text, "").map(|v| v.name()).as_deref(), Some(name), "{text}");
        }
        assert!(RedisVersion::parse("seven", "").is_none());
        assert!(RedisVersion::parse("7.x", "").is_none());
    }
}
