//! # SL203 protected-mode-off
//!
//! ## What it does
//! Finds a Redis server with `protected-mode no` that listens beyond loopback (a routable or
//! private `bind` address, `0.0.0.0`, `*`, or no `bind` line at all). Error when the default
//! user also has no password (computed as redis-server does: requirepass, a `user default`
//! line, or the ACL file); warning when it has one. A server that listens only on loopback
//! or a Unix socket loses nothing by it and is information only.
//!
//! ## Why it matters
//! Protected mode is Redis's last guard: while the default user has no password it answers
//! `-DENIED Redis is running in protected mode` to every client that is not local
//! (redis@7.0.15:src/networking.c, `clientAcceptHandler`; from 7.0 whatever `bind` says,
//! before 7.0 only without a `bind` line). Switching it off is what tutorials tell people to
//! do when "Redis refuses connections", and it turns the next config slip (a lost
//! requirepass, an aclfile without a `default` line) into an open server. Debian's and
//! upstream's stock redis.conf keep it on, so stock configs are never flagged.
//!
//! ## Example
//! ```text
//! bind 0.0.0.0
//! protected-mode no
//! ```
//!
//! ## Fix
//! Keep `protected-mode yes` and give clients a password (`requirepass` or an ACL user); it
//! then no longer refuses anyone who authenticates.

use super::{label, setting_at, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::redis::Reach;
use crate::model::Model;

pub static RULE: Rule = Rule {
    code: Code::ProtectedModeOff,
    summary: "A Redis server listening beyond loopback with protected mode off",
    default_severity: Severity::Warning,
    also: &[Severity::Error, Severity::Info],
    source: include_str!("sl203_protected_mode_off.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for s in &model.redis {
        if s.protected_mode {
            continue;
        }
        let beyond = matches!(s.widest_reach(), Some(Reach::Public | Reach::Private | Reach::Unknown));
        let (severity, why) = if !beyond {
            (Severity::Info, "it listens only on loopback or a Unix socket, so nothing is exposed today, but a later `bind` change would be".to_owned())
        } else if let Some(unknown) = s.users_unknown_why() {
            (Severity::Warning, format!("which users it has is not known here ({unknown}), so a password may be the only guard left, or there may be none"))
        } else if s.default_user.is_open() {
            (
                Severity::Error,
                "the default user has no password either, so every client that reaches the port gets in".to_owned(),
            )
        } else {
            (Severity::Warning, "the password is the only guard left, and a config change that drops it opens the server to the network".to_owned())
        };
        let d = rule.diagnostic(
            severity,
            format!(
                "Redis server {} runs with protected mode off: {why}",
                crate::source::display_path(model.path(s.file))
            ),
            label(model, setting_at(s, "protected-mode"), "protected mode switched off here"),
        );
        out.push(d.with_help("set `protected-mode yes` and authenticate clients with a password or an ACL user"));
    }
}
