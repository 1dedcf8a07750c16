//! Redis (and Valkey) servers as their redis.conf, includes expanded, configures them:
//! where they listen, who may talk to them, and how many databases they have.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{FileId, Location};
use crate::span::Span;

/// How far an address reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    /// 127.0.0.0/8, ::1, localhost.
    Loopback,
    /// RFC 1918, CGNAT, link-local, ULA: an "isolated network" at best.
    Private,
    /// A routable address, or every interface (`*`, `0.0.0.0`, `::`).
    Public,
    /// A host name we cannot resolve statically.
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BindAddress {
    pub text: String,
    /// `-addr`: skipped silently when it is not available.
    pub optional: bool,
    pub reach: Reach,
    /// `*`, `0.0.0.0`, `::*`, `::`.
    pub wildcard: bool,
    /// Why redis-server cannot listen on it at all (`#`, `[::1]`, `127.0.0.1:6379`): such a
    /// word is no listener, and the server aborts at startup.
    pub not_an_address: Option<String>,
}

/// An ACL user as redis-server builds it from a `user` line (redis.conf or ACL file).
/// Passwords are kept only as fingerprints, never as text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AclUser {
    pub name: String,
    pub enabled: bool,
    pub nopass: bool,
    /// How many passwords it accepts (`>pw` and `#hash`, minus `<pw` and `!hash`).
    pub passwords: usize,
    /// SHA-256 hex digests, as redis-server keeps them.
    #[serde(skip)]
    fingerprints: Vec<String>,
    pub at: Location,
}

impl AclUser {
    /// A user as a `user NAME` line starts it: `reset` (acl.c ACLSetUser "reset":
    /// off, no password, not nopass).
    pub fn reset(name: &str, at: Location) -> Self {
        AclUser { name: name.to_owned(), enabled: false, nopass: false, passwords: 0, fingerprints: Vec::new(), at }
    }

    /// Apply the rules of a `user` line in order, as ACLSetUser does (only the rules that
    /// decide logging in; key, channel and command rules are checked by the loader).
    pub fn apply(&mut self, rules: &[Vec<u8>]) {
        for rule in rules {
            match rule.as_slice() {
                r if r.eq_ignore_ascii_case(b"on") => self.enabled = true,
                r if r.eq_ignore_ascii_case(b"off") => self.enabled = false,
                r if r.eq_ignore_ascii_case(b"nopass") => {
                    self.nopass = true;
                    self.fingerprints.clear();
                }
                r if r.eq_ignore_ascii_case(b"resetpass") => {
                    self.nopass = false;
                    self.fingerprints.clear();
                }
                r if r.eq_ignore_ascii_case(b"reset") => {
                    *self = AclUser::reset(&self.name, self.at);
                }
                [b'>', pw @ ..] => self.add(crate::sha256::hex_digest(pw)),
                [b'#', hash @ ..] => self.add(String::from_utf8_lossy(hash).into_owned()),
                [b'<', pw @ ..] => {
                    let digest = crate::sha256::hex_digest(pw);
                    self.fingerprints.retain(|f| *f != digest)
                }
                [b'!', hash @ ..] => self.fingerprints.retain(|f| f.as_bytes() != hash),
                _ => {}
            }
            self.passwords = self.fingerprints.len();
        }
    }

    fn add(&mut self, f: String) {
        // A password clears `nopass` (ACLSetUser ">": "user->flags &= ~USER_FLAG_NOPASS").
        self.nopass = false;
        if !self.fingerprints.contains(&f) {
            self.fingerprints.push(f);
        }
    }

    /// The built-in default user: `on nopass ~* &* +@all` (acl.c ACLCreateDefaultUser).
    fn builtin_default(at: Location) -> Self {
        AclUser { enabled: true, nopass: true, ..AclUser::reset("default", at) }
    }
}

/// What decided the default user's login rules, in redis-server's order: the built-in user,
/// then `requirepass`, then a `user default` line (which starts from `reset`), or with
/// `aclfile` the ACL file alone (redis@7.0.15:src/acl.c ACLLoadUsersAtStartup,
/// ACLLoadConfiguredUsers, ACLLoadFromFile; server.c initServer applies requirepass first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DefaultUserSource {
    /// No requirepass, no `user default` line, no aclfile: `on nopass`.
    BuiltIn,
    /// `requirepass` (resetpass + `>pw`, or nopass when empty).
    Requirepass,
    /// A `user default ...` line in redis.conf.
    UserLine,
    /// A `user default ...` line in the ACL file.
    AclFile,
    /// An ACL file without a `default` line: redis-server re-creates the built-in one.
    AclFileWithoutDefault,
}

/// The default user as the server runs with it: what every new connection is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DefaultUser {
    pub enabled: bool,
    pub nopass: bool,
    pub passwords: usize,
    pub source: DefaultUserSource,
    /// The line that decided it (`None`: the built-in user).
    pub at: Option<Location>,
    /// A non-empty `requirepass` that does not count: a `user default` line or an aclfile
    /// decides instead (`CONFIG GET requirepass` still shows it).
    pub requirepass_overridden: Option<Location>,
    #[serde(skip)]
    fingerprints: Vec<String>,
}

impl DefaultUser {
    /// New connections are logged in without AUTH (`on nopass`); `AUTH <password>` is then
    /// refused with "called without any password configured for the default user".
    pub fn is_open(&self) -> bool {
        self.enabled && self.nopass
    }

    /// `AUTH <password>` (no user name) can succeed.
    pub fn accepts_password(&self) -> bool {
        self.enabled && !self.nopass && self.passwords > 0
    }

    /// Whether `AUTH <password>` succeeds (acl.c ACLCheckUserCredentials through
    /// authCommand: a `nopass` default user refuses the one-argument form).
    pub fn auth_succeeds(&self, password: &[u8]) -> bool {
        self.enabled && !self.nopass && self.fingerprints.contains(&crate::sha256::hex_digest(password))
    }

    /// Whether `AUTH default <password>` succeeds (`nopass` takes any password).
    pub fn auth_as_default_succeeds(&self, password: &[u8]) -> bool {
        self.enabled && (self.nopass || self.fingerprints.contains(&crate::sha256::hex_digest(password)))
    }
}

/// The Redis release whose rules apply, and how sesslint decided it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RedisVersion {
    pub major: u8,
    pub minor: u8,
    /// Valkey (same rules as Redis 7.2 for what sesslint checks).
    pub valkey: bool,
    /// Why this version: `sesslint.toml redis-version`, a directive, a distribution.
    pub why: String,
    /// No direct evidence (a distribution default or nothing at all).
    pub assumed: bool,
}

impl RedisVersion {
    /// Since 7.0 protected mode depends only on the default user having `nopass`; before,
    /// any `bind` line switched it off (redis@6.2.0:src/networking.c:968-971, removed by
    /// commit 07b0d144c).
    pub fn protected_mode_ignores_bind(&self) -> bool {
        self.valkey || self.major >= 7
    }

    /// `Redis 7.0`, `Valkey 8.0`.
    pub fn name(&self) -> String {
        format!("{} {}.{}", if self.valkey { "Valkey" } else { "Redis" }, self.major, self.minor)
    }

    /// Parse `7.0`, `6.2.14`, `valkey 8.0` (sesslint.toml `redis-version`).
    pub fn parse(text: &str, why: &str) -> Option<RedisVersion> {
        let t = text.trim().to_ascii_lowercase();
        let (valkey, nums) = match t.strip_prefix("valkey") {
            Some(rest) => (true, rest.trim_start_matches([' ', '-'])),
            None => (false, t.strip_prefix("redis").map_or(t.as_str(), |r| r.trim_start_matches([' ', '-']))),
        };
        let mut parts = nums.split('.');
        let major: u8 = parts.next()?.parse().ok()?;
        let minor: u8 = parts.next().map_or(Some(0), |m| m.parse().ok())?;
        if parts.clone().any(|p| p.parse::<u32>().is_err()) || !(2..=99).contains(&major) {
            return None;
        }
        Some(RedisVersion { major, minor, valkey, why: why.to_owned(), assumed: false })
    }
}

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
    /// The users redis-server creates: redis.conf `user` lines, or the ACL file's.
    pub users: Vec<AclUser>,
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
}

/// Whose clients protected mode refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protection {
    /// Off, or a password is set: it accepts clients from anywhere it listens.
    None,
    /// It answers `-DENIED` to every client that is not local (Unix socket, 127.0.0.1,
    /// ::1; any 127.x from 7.2).
    RemoteDenied,
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
    pub fn protection(&self) -> Protection {
        let applies = self.protected_mode
            && self.default_user.nopass
            && (self.version.protected_mode_ignores_bind() || self.bind_at.is_none());
        if applies {
            Protection::RemoteDenied
        } else {
            Protection::None
        }
    }

    /// The widest reach of its TCP listeners, as clients can use them (protected mode
    /// makes every listener local-only).
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

    /// Whether clients must authenticate: the effective default user is not `on nopass`.
    pub fn has_auth(&self) -> bool {
        !self.default_user.is_open()
    }

    /// The line that decided the default user (`None`: built in).
    pub fn default_user_at(&self) -> Option<Location> {
        self.default_user.at
    }

    /// Take the ACL file's users (`aclfile`): they replace every other user, and without a
    /// `default` line the built-in default user comes back (acl.c ACLLoadFromFile).
    pub fn use_acl_file(&mut self, file: FileId, users: Vec<AclUser>) {
        self.acl_file = Some(file);
        self.users = users;
        self.default_user = effective_default(self, None);
    }
}

/// The default user redis-server ends up with for this server's settings (`requirepass`:
/// its value, only while the server is built; it is not kept).
fn effective_default(s: &RedisServer, requirepass: Option<&[u8]>) -> DefaultUser {
    let line = s.users.iter().rev().find(|u| u.name == "default");
    let (user, source) = match (&s.aclfile, line) {
        (Some(_), Some(u)) => (u.clone(), DefaultUserSource::AclFile),
        (Some(_), None) => (
            AclUser::builtin_default(s.aclfile_at.unwrap_or(Location { file: s.file, span: Span::empty(0) })),
            DefaultUserSource::AclFileWithoutDefault,
        ),
        (None, Some(u)) => (u.clone(), DefaultUserSource::UserLine),
        (None, None) => match (s.requirepass_at, requirepass) {
            (Some(at), Some(pw)) => {
                // resetpass, then `>pw` (acl.c ACLUpdateDefaultUserPassword).
                let mut u = AclUser::builtin_default(at);
                u.nopass = false;
                u.apply(&[[b">", pw].concat()]);
                (u, DefaultUserSource::Requirepass)
            }
            _ => {
                (AclUser::builtin_default(Location { file: s.file, span: Span::empty(0) }), DefaultUserSource::BuiltIn)
            }
        },
    };
    let decided_here = !matches!(source, DefaultUserSource::BuiltIn);
    DefaultUser {
        enabled: user.enabled,
        nopass: user.nopass,
        passwords: user.passwords,
        source,
        at: decided_here.then_some(user.at),
        requirepass_overridden: s.requirepass_at.filter(|_| source != DefaultUserSource::Requirepass),
        fingerprints: user.fingerprints,
    }
}

/// Classify a bind address the way redis-server would open it (IPv4 names resolve in the
/// IPv4 family; `127.1` and `0x7f000001` are 127.0.0.1).
pub fn classify_address(text: &str) -> (Reach, bool) {
    let t = text.trim_start_matches('-');
    match t {
        "*" | "0.0.0.0" | "::*" | "::" => return (Reach::Public, true),
        "localhost" | "localhost6" | "ip6-localhost" => return (Reach::Loopback, false),
        _ => {}
    }
    let ip = t.parse::<IpAddr>().ok().or_else(|| inet_aton(t).map(IpAddr::V4));
    match ip {
        Some(IpAddr::V4(a)) => (reach_v4(a), false),
        Some(IpAddr::V6(a)) => (reach_v6(a), false),
        None => (Reach::Unknown, false),
    }
}

fn reach_v4(a: Ipv4Addr) -> Reach {
    let o = a.octets();
    if o[0] == 127 {
        Reach::Loopback
    } else if a.is_private() || a.is_link_local() || (o[0] == 100 && (64..128).contains(&o[1])) {
        Reach::Private
    } else {
        Reach::Public
    }
}

fn reach_v6(a: Ipv6Addr) -> Reach {
    if a.is_loopback() {
        return Reach::Loopback;
    }
    if let Some(v4) = a.to_ipv4_mapped() {
        return reach_v4(v4);
    }
    let s = a.segments()[0];
    if (s & 0xfe00) == 0xfc00 || (s & 0xffc0) == 0xfe80 {
        Reach::Private
    } else {
        Reach::Public
    }
}

/// inet_aton's forms: `127.1`, `2130706433`, `0x7f000001`, octal parts.
fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let nums: Option<Vec<u64>> = parts
        .iter()
        .map(|p| {
            if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
                u64::from_str_radix(h, 16).ok()
            } else if p.len() > 1 && p.starts_with('0') {
                u64::from_str_radix(&p[1..], 8).ok()
            } else {
                p.parse().ok()
            }
        })
        .collect();
    let n = nums?;
    let v: u64 = match n.as_slice() {
        [a] => *a,
        [a, b] if *a < 256 && *b < (1 << 24) => (a << 24) | b,
        [a, b, c] if *a < 256 && *b < 256 && *c < (1 << 16) => (a << 24) | (b << 16) | c,
        [a, b, c, d] if [a, b, c, d].iter().all(|x| **x < 256) => (a << 24) | (b << 16) | (c << 8) | d,
        _ => return None,
    };
    u32::try_from(v).ok().map(Ipv4Addr::from)
}

/// A directive in load order, located in a model file.
pub struct PlacedDirective<'a> {
    pub name: &'a str,
    pub args: &'a [Vec<u8>],
    pub at: Location,
}

/// Build a server from its directives (includes expanded, in load order). The ACL file, when
/// `aclfile` names one, is read by the caller and given with [`RedisServer::use_acl_file`].
pub fn build_server(file: FileId, directives: &[PlacedDirective<'_>]) -> RedisServer {
    use crate::syntax::redis_conf::directives::{lookup, Lookup, Since, EXTRA_ALIASES};
    let effective = crate::syntax::redis_conf::effective_config(directives.iter().map(|d| (d.name, d.args)));
    let mut last: BTreeMap<&str, Location> = BTreeMap::new();
    let mut users: Vec<AclUser> = Vec::new();
    let mut renamed = Vec::new();
    let mut newest: Option<(Since, &str, Location)> = None;
    for d in directives {
        match lookup(d.name) {
            Lookup::Table { def, via_alias } => {
                last.insert(def.name, d.at);
                let since = match EXTRA_ALIASES.iter().find(|(a, _, _)| via_alias && *a == d.name) {
                    Some((_, _, s)) => *s,
                    None => def.since,
                };
                if since > Since::R70 && newest.as_ref().map_or(true, |(s, _, _)| since > *s) {
                    newest = Some((since, d.name, d.at));
                }
            }
            Lookup::User => {
                let name = d.args.first().map(|a| String::from_utf8_lossy(a).into_owned()).unwrap_or_default();
                // Every `user` line starts from `reset` (a second line for a name is refused).
                users.retain(|u| u.name != name);
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
    }
    let get = |k: &str| effective.get(k).cloned();
    let bind_text = get("bind");
    let binds = match &bind_text {
        Some(t) => bind_addresses(t),
        None => vec![bind_address("*"), bind_address("-::*")],
    };
    let requirepass_at = match get("requirepass") {
        Some(v) if !v.is_empty() => last.get("requirepass").copied(),
        _ => None,
    };
    let mut settings = BTreeMap::new();
    for (k, v) in &effective {
        if let Some(at) = last.get(k.as_str()) {
            let shown = if crate::syntax::redis_conf::directives::is_sensitive(k) && !v.is_empty() {
                "********".to_owned()
            } else {
                v.clone()
            };
            settings.insert(k.to_string(), (shown, *at));
        }
    }
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
    let placeholder = DefaultUser {
        enabled: true,
        nopass: true,
        passwords: 0,
        source: DefaultUserSource::BuiltIn,
        at: None,
        requirepass_overridden: None,
        fingerprints: Vec::new(),
    };
    let mut server = RedisServer {
        file,
        binds,
        bind_at: last.get("bind").copied(),
        port: get("port").and_then(|p| p.parse().ok()).unwrap_or(6379),
        tls_port: get("tls-port").and_then(|p| p.parse().ok()).unwrap_or(0),
        unixsocket: get("unixsocket").filter(|s| !s.is_empty()),
        unixsocketperm: get("unixsocketperm").filter(|p| p != "0"),
        protected_mode: get("protected-mode").map_or(true, |v| v == "yes"),
        requirepass_at,
        users,
        default_user: placeholder,
        aclfile: get("aclfile").filter(|s| !s.is_empty()),
        aclfile_at: last.get("aclfile").copied(),
        acl_file: None,
        databases: get("databases").and_then(|d| d.parse().ok()).unwrap_or(16),
        cluster_enabled: get("cluster-enabled").is_some_and(|v| v == "yes"),
        renamed_commands: renamed,
        settings,
        version,
        startup_failures: Vec::new(),
    };
    let requirepass = get("requirepass").filter(|v| !v.is_empty());
    server.default_user = effective_default(&server, requirepass.as_deref().map(str::as_bytes));
    server.startup_failures = startup_failures(&server, &get);
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
            if get(key).map_or(true, |v| v.is_empty()) {
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

/// Two bind addresses of one family where the second cannot get its own socket: the same
/// address twice (`127.1` is `127.0.0.1`), or an address next to that family's wildcard.
fn overlapping_binds(binds: &[BindAddress]) -> Option<(&str, &str)> {
    let key = |b: &BindAddress| -> Option<(bool, Option<IpAddr>)> {
        let t = b.text.trim_start_matches('-');
        match t {
            "*" | "0.0.0.0" => Some((false, None)),
            "::*" | "::" => Some((true, None)),
            "localhost" => Some((false, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)))),
            _ => match t.parse::<IpAddr>().ok().or_else(|| inet_aton(t).map(IpAddr::V4))? {
                IpAddr::V4(a) => Some((false, Some(IpAddr::V4(a)))),
                IpAddr::V6(a) => Some((true, Some(IpAddr::V6(a)))),
            },
        }
    };
    let keyed: Vec<(&str, (bool, Option<IpAddr>))> =
        binds.iter().filter_map(|b| key(b).map(|k| (b.text.as_str(), k))).collect();
    for (i, (tb, (fb, ab))) in keyed.iter().enumerate() {
        for (ta, (fa, aa)) in &keyed[..i] {
            if fa == fb && (aa.is_none() || ab.is_none() || aa == ab) {
                return Some((ta, tb));
            }
        }
    }
    None
}

/// The words of a `bind` value. A `#` is no comment in redis.conf: it and every word after it
/// are taken as addresses.
fn bind_addresses(text: &str) -> Vec<BindAddress> {
    let mut after_hash = false;
    text.split_whitespace()
        .map(|w| {
            after_hash |= w.trim_start_matches('-').starts_with('#');
            let mut b = bind_address(w);
            if after_hash && b.not_an_address.is_none() {
                b.not_an_address = Some(
                    "Name or service not known (a word after `#`: redis.conf has no inline comments, so it is taken as an address)"
                        .into(),
                );
            }
            b
        })
        .collect()
}

fn bind_address(text: &str) -> BindAddress {
    let (reach, wildcard) = classify_address(text);
    BindAddress {
        text: text.to_owned(),
        optional: text.starts_with('-'),
        reach,
        wildcard,
        not_an_address: not_an_address(text.trim_start_matches('-')),
    }
}

/// Why getaddrinfo (AI_PASSIVE, AF_INET6 when the word has a `:`, else AF_INET) and bind()
/// refuse a word, when that is certain without asking a resolver (anet.c _anetTcpServer).
fn not_an_address(t: &str) -> Option<String> {
    if t.starts_with('#') {
        return Some(
            "Name or service not known (`#` starts no comment after a directive in redis.conf: it and the words after it are taken as addresses)"
                .into(),
        );
    }
    if matches!(t, "*" | "::*") {
        return None;
    }
    if t.contains(':') {
        let host = t.split_once('%').map_or(t, |(h, _)| h);
        return match host.parse::<Ipv6Addr>() {
            Ok(a) if a.to_ipv4_mapped().is_some() && !a.is_loopback() => {
                Some("bind: Invalid argument (an IPv4-mapped address cannot be bound on an IPv6-only socket; write the IPv4 address)".into())
            }
            Ok(_) => None,
            Err(_) if t.starts_with('[') => {
                Some("Name or service not known (no brackets around IPv6 addresses in `bind`)".into())
            }
            Err(_) => Some("Name or service not known (no `:port` in `bind`; the port is the `port` directive)".into()),
        };
    }
    if inet_aton(t).is_some() {
        return None;
    }
    // A host name may resolve; only a word no resolver accepts is certain.
    let name_chars = t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    (t.is_empty() || !name_chars).then(|| "Name or service not known (not an address or a host name)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(classify_address("127.0.0.1").0, Reach::Loopback);
        assert_eq!(classify_address("-::1").0, Reach::Loopback);
        assert_eq!(classify_address("127.1").0, Reach::Loopback);
        assert_eq!(classify_address("0x7f000001").0, Reach::Loopback);
        assert_eq!(classify_address("10.0.0.5").0, Reach::Private);
        assert_eq!(classify_address("192.168.1.2").0, Reach::Private);
        assert_eq!(classify_address("fd00::1").0, Reach::Private);
        assert_eq!(classify_address("203.0.113.7").0, Reach::Public);
        assert_eq!(classify_address("*"), (Reach::Public, true));
        assert_eq!(classify_address("redis.internal").0, Reach::Unknown);
    }
}
