//! Redis (and Valkey) servers as their redis.conf, includes expanded, configures them:
//! where they listen, who may talk to them, and how many databases they have.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{FileId, Location};

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
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AclUser {
    pub name: String,
    pub enabled: bool,
    pub nopass: bool,
    pub has_password: bool,
    pub at: Location,
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
    /// A non-empty `requirepass` (its value is a secret and is never kept).
    pub requirepass_at: Option<Location>,
    pub users: Vec<AclUser>,
    pub aclfile: Option<String>,
    pub databases: i64,
    pub cluster_enabled: bool,
    pub renamed_commands: Vec<(String, String, Location)>,
    /// Every table directive: canonical name -> (value as CONFIG GET shows it, where set).
    /// Sensitive values are replaced by `********`.
    pub settings: BTreeMap<String, (String, Location)>,
}

impl RedisServer {
    /// Every address it accepts TCP connections on (`port` 0 and no tls-port: none).
    pub fn listens_on_tcp(&self) -> bool {
        (self.port != 0 || self.tls_port != 0) && !self.binds.is_empty()
    }

    /// The widest reach of its TCP listeners.
    pub fn widest_reach(&self) -> Option<Reach> {
        if !self.listens_on_tcp() {
            return None;
        }
        // With no bind line and protected mode on, Redis refuses non-loopback clients
        // unless a password is set.
        let guarded_default = self.bind_at.is_none() && self.protected_mode && !self.has_auth();
        self.binds
            .iter()
            .map(|b| if guarded_default && b.wildcard { Reach::Loopback } else { b.reach })
            .filter(|r| *r != Reach::Unknown)
            .max()
            .or(Some(Reach::Unknown).filter(|_| self.binds.iter().any(|b| b.reach == Reach::Unknown)))
    }

    /// Whether clients must authenticate: `requirepass`, or a default user that is off
    /// or has a password. An `aclfile` may define it elsewhere.
    pub fn has_auth(&self) -> bool {
        if self.requirepass_at.is_some() {
            return true;
        }
        match self.users.iter().rev().find(|u| u.name == "default") {
            Some(u) => !u.enabled || (!u.nopass && u.has_password),
            None => self.aclfile.is_some(),
        }
    }

    pub fn default_user_at(&self) -> Option<Location> {
        self.users.iter().rev().find(|u| u.name == "default").map(|u| u.at)
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

/// Build a server from its directives (includes expanded, in load order).
pub fn build_server(file: FileId, directives: &[PlacedDirective<'_>]) -> RedisServer {
    use crate::syntax::redis_conf::directives::{lookup, Lookup};
    let effective = crate::syntax::redis_conf::effective_config(directives.iter().map(|d| (d.name, d.args)));
    let mut last: BTreeMap<&str, Location> = BTreeMap::new();
    let mut users: Vec<AclUser> = Vec::new();
    let mut renamed = Vec::new();
    for d in directives {
        match lookup(d.name) {
            Lookup::Table { def, .. } => {
                last.insert(def.name, d.at);
            }
            Lookup::User => {
                let name = d.args.first().map(|a| String::from_utf8_lossy(a).into_owned()).unwrap_or_default();
                let mut u = users.iter().position(|u| u.name == name).map(|i| users.remove(i)).unwrap_or(AclUser {
                    name,
                    enabled: false,
                    nopass: false,
                    has_password: false,
                    at: d.at,
                });
                u.at = d.at;
                for rule in &d.args[1.min(d.args.len())..] {
                    match rule.as_slice() {
                        b"on" => u.enabled = true,
                        b"off" => u.enabled = false,
                        b"nopass" => {
                            u.nopass = true;
                            u.has_password = false;
                        }
                        b"resetpass" => {
                            u.nopass = false;
                            u.has_password = false;
                        }
                        b"reset" => {
                            u.enabled = false;
                            u.nopass = false;
                            u.has_password = false;
                        }
                        r if r.starts_with(b">") || r.starts_with(b"#") => {
                            u.has_password = true;
                            u.nopass = false;
                        }
                        _ => {}
                    }
                }
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
        Some(t) => t.split_whitespace().map(bind_address).collect(),
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
    RedisServer {
        file,
        binds,
        bind_at: last.get("bind").copied(),
        port: get("port").and_then(|p| p.parse().ok()).unwrap_or(6379),
        tls_port: get("tls-port").and_then(|p| p.parse().ok()).unwrap_or(0),
        unixsocket: get("unixsocket").filter(|s| !s.is_empty()),
        unixsocketperm: get("unixsocketperm"),
        protected_mode: get("protected-mode").map_or(true, |v| v == "yes"),
        requirepass_at,
        users,
        aclfile: get("aclfile").filter(|s| !s.is_empty()),
        databases: get("databases").and_then(|d| d.parse().ok()).unwrap_or(16),
        cluster_enabled: get("cluster-enabled").is_some_and(|v| v == "yes"),
        renamed_commands: renamed,
        settings,
    }
}

fn bind_address(text: &str) -> BindAddress {
    let (reach, wildcard) = classify_address(text);
    BindAddress { text: text.to_owned(), optional: text.starts_with('-'), reach, wildcard }
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
