//! # SL201 redis-missing-auth
//!
//! ## What it does
//! Finds a Redis server that lets clients in without a password: no `requirepass`, and a
//! `default` user that is absent or `nopass`. Error when the server listens beyond loopback;
//! warning when it listens on loopback (or a socket) only but a PHP or Magento session
//! endpoint in the tree uses it; information otherwise.
//!
//! ## Why it matters
//! Session data is the keys to every logged-in account. Anyone who can reach an
//! unauthenticated Redis can read every session (`KEYS PHPREDIS_SESSION:*`, `GET`) and forge
//! one for any user (`SET` with a chosen session id). On loopback "anyone" is every local
//! process and user, including a compromised PHP app on the same host; beyond loopback it is
//! the network. Redis's protected mode only helps while no `bind` line and no password are
//! configured.
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
use crate::model::redis::Reach;
use crate::model::{Location, Model, ServerId};

pub static RULE: Rule = Rule {
    code: Code::RedisMissingAuth,
    summary: "A Redis server that accepts clients without a password",
    default_severity: Severity::Warning,
    source: include_str!("sl201_redis_missing_auth.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for (si, s) in model.redis.iter().enumerate() {
        if s.has_auth() {
            continue;
        }
        let users: Vec<_> = model.endpoints_of(ServerId(si)).collect();
        let reach = s.widest_reach();
        let (severity, why) = match reach {
            Some(Reach::Public) => {
                (Severity::Error, "it listens beyond loopback, so anyone who can reach it reads and forges sessions")
            }
            Some(Reach::Private) => (
                Severity::Error,
                "it listens on a private network address, so every host on that network can read and forge sessions",
            ),
            Some(Reach::Unknown) => {
                (Severity::Error, "it listens on a host name that may be reachable from other machines")
            }
            _ if !users.is_empty() => {
                (Severity::Warning, "session data lives here, and any local process or user can read and forge it")
            }
            _ => (Severity::Info, "only local clients can reach it, and no session endpoint in the tree uses it"),
        };
        let primary_at =
            s.default_user_at().or(s.bind_at).unwrap_or(Location { file: s.file, span: crate::span::Span::empty(0) });
        let mut d = rule.diagnostic(
            severity,
            format!(
                "Redis server {} accepts clients without a password: {why}",
                crate::source::display_path(model.path(s.file))
            ),
            label(model, primary_at, "no requirepass, and the default user needs no password"),
        );
        for (_, ep) in users.iter().take(5) {
            if let Some(at) = ep.save_path.as_ref().and_then(|v| v.set_at).or(ep.decided_at) {
                d = d.with_related(label(model, at, format!("{} keeps its sessions here", ep.label)));
            }
        }
        out.push(d.with_help("set `requirepass` or define an ACL user for sessions (`user sessions on >secret ~PHPREDIS_SESSION:* ...`), then add `auth=` to the clients"));
    }
}
