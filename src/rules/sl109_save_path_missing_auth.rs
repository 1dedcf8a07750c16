//! # SL109 save-path-missing-auth
//!
//! ## What it does
//! Finds a `redis` or `rediscluster` save_path of a PHP SAPI or php-fpm pool in which an
//! address sends no credentials: no `auth` parameter (nor `auth[]=user&auth[]=password`).
//! (An empty `auth=` is SL103's.)
//!
//! ## Why it matters
//! Without a password the Redis that holds the sessions must accept anyone who can reach it,
//! and a session is the key to an account: whoever reads `PHPREDIS_SESSION:*` keys takes over
//! every logged-in user, whoever writes one logs in as anybody. When the server does require a
//! password, a save_path without one fails every request instead: phpredis 5.3.7 throws
//! `RedisException: NOAUTH Authentication required.` from `session_start()`.
//!
//! ## Example
//! ```ini
//! session.save_path = "tcp://10.0.0.5:6379?timeout=2&read_timeout=2"
//! ```
//!
//! ## Fix
//! Give Redis a password, or better an ACL user that may only touch sessions, and send it:
//! ```ini
//! session.save_path = "tcp://10.0.0.5:6379?auth[]=sessions&auth[]=long-random-secret&timeout=2&read_timeout=2"
//! ```
//! Keep the file that holds it readable by root and the PHP user only (SL113).

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, TargetProblem};

pub static RULE: Rule = Rule {
    code: Code::SavePathMissingAuth,
    summary: "A Redis session save_path that sends no password",
    default_severity: Severity::Warning,
    also: &[],
    source: include_str!("sl109_save_path_missing_auth.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    for (ep, at) in model.php_redis_save_paths() {
        let bare: Vec<String> = ep
            .targets
            .iter()
            .filter(|t| t.auth.is_none())
            // SL103 reports an empty `auth=`.
            .filter(|t| !t.problems.contains(&TargetProblem::EmptyPassword))
            .map(|t| t.describe())
            .collect();
        if bare.is_empty() || !seen.insert(at) {
            continue;
        }
        out.push(
            rule.diagnostic(
                Severity::Warning,
                format!("session.save_path sends no password to {}: either that Redis lets anyone read and forge sessions, or every session_start() fails with NOAUTH", bare.join(", ")),
                label(model, at, "no `auth` parameter"),
            )
            .with_help("add `auth=PASSWORD` (or `auth[]=USER&auth[]=PASSWORD` for an ACL user), percent-encoding `&`, `+`, `%`, `,` and blanks in it"),
        );
    }
}
