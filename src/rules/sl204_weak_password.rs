//! # SL204 weak-password
//!
//! ## What it does
//! Finds a password the Redis server accepts (the default user's, from `requirepass`, a
//! `user default` line or the ACL file, and every ACL user's `>password`) that is shorter than
//! 32 characters (warning), or that is a published example such as redis.conf's `foobared`
//! or `yourverycomplexpasswordhere` (error; also recognised when written as `#<sha256>`).
//! A `requirepass` that a `user default` line or an aclfile overrides does not count. The
//! password itself is never printed, only its length.
//!
//! ## Why it matters
//! Redis does not rate-limit or delay `AUTH`: an attacker who reaches the port can try
//! hundreds of thousands of passwords a second over one pipelined connection. redis.conf
//! says so above `requirepass` and advises a long password (`ACL GENPASS` makes 64 hex
//! characters). Sample passwords are the first ones tried.
//!
//! ## Example
//! ```text
//! requirepass foobared
//! user sessions on >s3ss ~PHPREDIS_SESSION:* +@all
//! ```
//!
//! ## Fix
//! Generate one (`openssl rand -hex 32`, or `ACL GENPASS` on a running server), set it on the
//! server and in every client's `auth=`.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::redis::password::{PasswordStrength, MIN_CHARS};
use crate::model::redis::DefaultUserSource;
use crate::model::{Location, Model};

pub static RULE: Rule = Rule {
    code: Code::WeakPassword,
    summary: "A Redis password shorter than 32 characters, or a published example",
    default_severity: Severity::Warning,
    also: &[Severity::Error],
    source: include_str!("sl204_weak_password.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for s in &model.redis {
        let mut found: Vec<(String, Location, &PasswordStrength)> = Vec::new();
        if let Some(at) = s.default_user.at {
            let who = match s.default_user.source {
                DefaultUserSource::Requirepass => "requirepass",
                _ => "the default user's password",
            };
            for st in s.default_user.strengths() {
                found.push((who.to_owned(), at, st));
            }
        }
        for u in s.users.iter().filter(|u| u.name != "default") {
            for st in u.strengths() {
                found.push((format!("ACL user `{}`'s password", u.name), u.at, st));
            }
        }
        for (who, at, st) in found {
            if !st.is_weak() {
                continue;
            }
            let (severity, what) = if st.known_example {
                (Severity::Error, "is a published example password, the first one an attacker tries".to_owned())
            } else {
                let n = st.chars.unwrap_or(0);
                (
                    Severity::Warning,
                    format!(
                        "is {n} character{} long (fewer than {MIN_CHARS}), and Redis does not rate-limit AUTH",
                        if n == 1 { "" } else { "s" }
                    ),
                )
            };
            out.push(
                rule.diagnostic(severity, format!("{who} {what}"), label(model, at, "weak password set here"))
                    .with_help("use a random password of 32 characters or more (`openssl rand -hex 32`) on the server and in the clients"),
            );
        }
    }
}
