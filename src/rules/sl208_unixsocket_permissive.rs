//! # SL208 unixsocket-permissive
//!
//! ## What it does
//! Finds a Redis `unixsocket` whose `unixsocketperm` lets every local user connect: the
//! "others" write bit (`0o002`, as in `777` or `766`), which is what connecting to a Unix
//! socket needs (unix(7)). Without `unixsocketperm` redis-server does not chmod the socket,
//! so its mode is `0777 & ~umask` (measured with 7.0.15: umask 022 gives `srwxr-xr-x`, umask
//! 000 `srwxrwxrwx`); Debian's unit sets `UMask=007` (`srwxrwx---`) and systemd's default is
//! 022, so others cannot connect unless a umask clears the 002 bit, which the redis files do
//! not show: not flagged.
//!
//! ## Why it matters
//! Every local account (a compromised web app of another site, a shell user, a cron job)
//! can then talk to Redis. Without a password that means reading and forging sessions;
//! with one, it still exposes the server to password guessing, which Redis does not slow.
//! Debian's redis.conf suggests `unixsocketperm 700`; PHP-FPM only needs the group.
//!
//! ## Example
//! ```text
//! unixsocket /run/redis/redis-server.sock
//! unixsocketperm 777
//! ```
//!
//! ## Fix
//! `unixsocketperm 770` with the PHP-FPM user in the redis group (`usermod -aG redis www-data`).

use super::{label, setting_at, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::Model;

pub static RULE: Rule = Rule {
    code: Code::UnixsocketPermissive,
    summary: "A Redis Unix socket every local user may connect to",
    default_severity: Severity::Warning,
    also: &[],
    source: include_str!("sl208_unixsocket_permissive.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for s in &model.redis {
        let (Some(sock), Some(perm)) = (&s.unixsocket, &s.unixsocketperm) else { continue };
        let Ok(mode) = u32::from_str_radix(perm, 8) else { continue };
        if mode & 0o002 == 0 {
            continue;
        }
        let password = if let Some(unknown) = s.users_unknown_why() {
            format!("and whether a password guards it is not known here ({unknown})")
        } else if s.has_auth() {
            "a password still guards it".to_owned()
        } else {
            "and no password is needed".to_owned()
        };
        out.push(
            rule.diagnostic(
                Severity::Warning,
                format!("Redis socket {sock} is writable by every local user (unixsocketperm {mode:o}): any account on the machine can connect, {password}"),
                label(model, setting_at(s, "unixsocketperm"), "world-writable socket"),
            )
            .with_help("use `unixsocketperm 770` and put the PHP-FPM user in the socket's group"),
        );
    }
}
