//! # SL201 redis-missing-auth
//!
//! ## What it does
//! Finds a Redis server whose default user lets every new connection in without a password,
//! computed as redis-server 7 does: the built-in default user is `on nopass`; `requirepass`
//! gives it a password; a `user default ...` line wins over `requirepass` in either order;
//! with `aclfile`, requirepass is ignored and the ACL file decides (one without a `default`
//! line leaves the built-in `on nopass` user; one not read, out of the checked tree or over
//! the budget, leaves the users unknown, and nothing is said). Error when clients from
//! other hosts get in (protected mode off, or before Redis 7.0 switched off by any `bind`
//! line); warning when only local clients get in (loopback, a Unix socket, or protected
//! mode refusing the others) and a PHP or Magento session endpoint in the tree uses it;
//! information otherwise.
//!
//! ## Why it matters
//! Session data is the keys to every logged-in account. Anyone who can reach an
//! unauthenticated Redis can read every session (`KEYS PHPREDIS_SESSION:*`, `GET`) and forge
//! one for any user (`SET` with a chosen session id). On loopback "anyone" is every local
//! process and user, including a compromised PHP app on the same host and anything arriving
//! through a local proxy or tunnel; on a Unix socket it is whoever the socket's mode lets
//! write to it; beyond loopback it is the network. Since Redis 7.0, protected mode refuses
//! clients from other hosts while the default user has no password, whatever `bind` says;
//! before 7.0 any `bind` line switched it off. Which rules apply follows the Redis version
//! (`redis-version` in sesslint.toml, else directives only newer versions know, else the
//! distribution's package; `sesslint show` says which was assumed).
//!
//! ## Example
//! ```text
//! # /etc/redis/redis.conf
//! bind 127.0.0.1 -::1
//! # requirepass foobared
//! ```
//! with `session.save_path = "tcp://127.0.0.1:6379"` in a pool.
//!
//! ## Fix
//! Set a password (or better, a session-only ACL user) and give it to the clients:
//! ```text
//! user default off
//! user sessions on >long-random-secret ~PHPREDIS_SESSION:* +get +setex +expire +exists +del +select +set +evalsha +eval
//! ```
//! ```ini
//! session.save_path = "tcp://127.0.0.1:6379?auth[]=sessions&auth[]=long-random-secret"
//! ```

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::redis::{DefaultUserSource, Protection, Reach, RedisServer};
use crate::model::{Location, Model, ServerId};
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: Code::RedisMissingAuth,
    summary: "A Redis server that accepts clients without a password",
    default_severity: Severity::Warning,
    also: &[Severity::Error, Severity::Info],
    source: include_str!("sl201_redis_missing_auth.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for (si, s) in model.redis.iter().enumerate() {
        // Users not known (an aclfile not read): whether a password is needed is not known.
        if s.has_auth() || !s.users_known() {
            continue;
        }
        let users: Vec<_> = model.endpoints_of(ServerId(si)).collect();
        let used = !users.is_empty();
        let refused_all =
            users.iter().all(|(l, ep)| crate::model::link::auth_refused(&ep.targets[l.target], s).is_some());
        let local = local_clients(s);
        let protected = s.protection() == Protection::RemoteDenied;
        let beyond_loopback = s.listens_on_tcp() && s.listeners().any(|b| b.reach != Reach::Loopback);
        let (severity, why) = match s.widest_reach() {
            Some(Reach::Public | Reach::Private | Reach::Unknown) => {
                let where_ = match s.widest_reach() {
                    Some(Reach::Private) => "a private network address, so every host on that network",
                    Some(Reach::Unknown) => "a host name that may be reachable from other machines, so any host that reaches it",
                    _ => "addresses beyond loopback, so anyone who can reach the port",
                };
                let off = if !s.protected_mode {
                    "protected mode is off".to_owned()
                } else {
                    format!("protected mode does not apply: {} switches it off when a `bind` line is present", version_note(s))
                };
                (Severity::Error, format!("it listens on {where_} reads and forges sessions ({off})"))
            }
            _ if protected && beyond_loopback => (
                if used { Severity::Warning } else { Severity::Info },
                format!(
                    "protected mode refuses clients from other hosts (`-DENIED`, {}), so only {local} get in, and they can read and forge sessions{}",
                    version_note(s),
                    if used { "" } else { "; no session endpoint in the tree uses it" }
                ),
            ),
            _ if used && refused_all => (
                Severity::Warning,
                format!("{local} can read and write it, while the session clients configured for it fail to log in"),
            ),
            _ if used => (Severity::Warning, format!("session data lives here, and {local} can read and forge it")),
            _ => (Severity::Info, format!("only {local} reach it, and no session endpoint in the tree uses it")),
        };
        let primary_at = s.default_user_at().or(s.bind_at).unwrap_or(Location { file: s.file, span: Span::empty(0) });
        let mut d = rule.diagnostic(
            severity,
            // The place names the file; a place in an included file names the server too.
            if primary_at.file == s.file {
                format!("this Redis server accepts clients without a password: {why}")
            } else {
                format!(
                    "Redis server {} accepts clients without a password: {why}",
                    crate::source::display_path(model.path(s.file))
                )
            },
            label(model, primary_at, why_open(s)),
        );
        if let Some(at) = s.default_user.requirepass_overridden {
            d = d.with_related(label(
                model,
                at,
                "this requirepass does not count: the default user is decided elsewhere",
            ));
        }
        for (link, ep) in users.iter().take(5) {
            if let Some(at) = ep.save_path.as_ref().and_then(|v| v.set_at).or(ep.decided_at) {
                let what = match crate::model::link::auth_refused(&ep.targets[link.target], s) {
                    Some(why) => format!("{} means to keep its sessions here, but they fail: {why}", ep.label),
                    None => format!("{} keeps its sessions here", ep.label),
                };
                d = d.with_related(label(model, at, what));
            }
        }
        if users.len() > 5 {
            d.message.push_str(&format!(" ({} session endpoints use it; the first 5 are shown)", users.len()));
        }
        let help = match s.default_user.source {
            DefaultUserSource::UserLine | DefaultUserSource::AclFile => {
                "replace `nopass` on the `user default` line with `>secret` (or switch the default user `off` and define an ACL user for sessions), then add `auth=` to the clients"
            }
            DefaultUserSource::AclFileWithoutDefault => {
                "add a `user default` line with a password (or `user default off`) to the ACL file: with `aclfile`, requirepass is ignored; then add `auth=` to the clients"
            }
            _ => "set `requirepass` or define an ACL user for sessions (`user sessions on >secret ~PHPREDIS_SESSION:* ...`), then add `auth=` to the clients",
        };
        out.push(d.with_help(help));
    }
}

/// Which version rules were applied, and whether that was assumed.
fn version_note(s: &RedisServer) -> String {
    if s.version.assumed {
        format!("{} (assumed)", s.version.name())
    } else {
        s.version.name()
    }
}

/// Who counts as a local client that gets in: TCP on loopback lets every local user in; a
/// Unix socket only those its mode lets write to it (unix(7)).
fn local_clients(s: &RedisServer) -> String {
    if s.listens_on_tcp() || s.unixsocket.is_none() {
        return "local processes and users".into();
    }
    let perm = s.unixsocketperm.as_deref().and_then(|p| u32::from_str_radix(p, 8).ok());
    match perm {
        Some(p) if p & 0o002 != 0 => "local processes and users (the socket is world-writable)".into(),
        Some(p) if p & 0o020 != 0 => {
            format!("processes of the socket's owner and group (unixsocketperm {:o})", p)
        }
        Some(p) => format!("processes running as the socket's owner (unixsocketperm {:o})", p),
        None => {
            "local processes that the socket's mode lets in (no unixsocketperm: 0777 minus redis-server's umask)".into()
        }
    }
}

/// Why the default user needs no password, in redis-server's terms.
fn why_open(s: &RedisServer) -> &'static str {
    match s.default_user.source {
        DefaultUserSource::UserLine => {
            "this `user default` line makes the default user `nopass` (it wins over requirepass in either order)"
        }
        DefaultUserSource::AclFile => "the ACL file's `user default` line makes the default user `nopass`",
        DefaultUserSource::AclFileWithoutDefault => {
            "with `aclfile`, requirepass is ignored, and the ACL file has no `default` line: the built-in `on nopass` default user is used"
        }
        DefaultUserSource::Requirepass => {
            "this empty requirepass makes the default user `on nopass` (it clears any password set before it)"
        }
        _ => "no requirepass and no `user default` line: the built-in default user is `on nopass`",
    }
}
