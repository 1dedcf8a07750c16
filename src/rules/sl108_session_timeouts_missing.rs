//! # SL108 session-timeouts-missing
//!
//! ## What it does
//! Finds a `redis` or `rediscluster` save_path of a PHP SAPI or php-fpm pool without a
//! `timeout` (connect) or without a `read_timeout` parameter.
//!
//! ## Why it matters
//! phpredis's connect timeout for the session handler defaults to **86400 seconds**
//! (`redis_session.c`; its README: "The default timeout is very high"), and with no
//! `read_timeout` a read waits for `default_socket_timeout` (60 s). When Redis is down, stalled
//! or behind a dropped route, every request that starts a session hangs instead of failing,
//! php-fpm's workers fill up, and the whole site stops, not just logins.
//!
//! ## Example
//! ```ini
//! session.save_path = "tcp://10.0.0.5:6379?auth=secret"
//! ```
//!
//! ## Fix
//! ```ini
//! session.save_path = "tcp://10.0.0.5:6379?auth=secret&timeout=2&read_timeout=2"
//! ```
//! (In seconds; decimals are allowed. Each URL of a multi-host save_path needs its own.)

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub static RULE: Rule = Rule {
    code: Code::SessionTimeoutsMissing,
    summary: "A Redis session save_path without connect and read timeouts",
    default_severity: Severity::Warning,
    also: &[],
    source: include_str!("sl108_session_timeouts_missing.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    for (ep, at) in model.php_redis_save_paths() {
        let no_connect = ep.targets.iter().any(|t| t.timeout.is_none());
        let no_read = ep.targets.iter().any(|t| t.read_timeout.is_none());
        let message = match (no_connect, no_read) {
            (true, true) => "no `timeout` and no `read_timeout`: phpredis waits up to 86400 s to connect and 60 s (default_socket_timeout) for each reply, so pages hang while Redis is unreachable",
            (true, false) => "no `timeout`: phpredis waits up to 86400 s to connect, so pages hang while Redis is unreachable",
            (false, true) => "no `read_timeout`: phpredis waits default_socket_timeout (60 s) for each reply of a stalled Redis",
            (false, false) => continue,
        };
        if seen.insert(at) {
            out.push(
                rule.diagnostic(
                    Severity::Warning,
                    format!("session.save_path has {message}"),
                    label(model, at, "session.save_path"),
                )
                .with_help("add `timeout=2&read_timeout=2` (seconds) to every URL in the save_path"),
            );
        }
    }
}
