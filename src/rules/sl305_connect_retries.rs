//! # SL305 connect-retries
//!
//! ## What it does
//! Finds a Magento Redis connection that never retries a failed connect: the session
//! block's `retries` absent or `0` (Magento's session default is 0), or a Redis cache
//! frontend with `connect_retries` set to `0`. The session key exists only from Magento
//! 2.4.8 (php-redis-session-abstract 1.6+); sesslint does not read the install's Magento
//! version, so a session finding says that its fix needs 2.4.8 or later: an older Magento
//! has no setting that makes its session connection retry.
//!
//! ## Why it matters
//! One dropped SYN or a Redis restart during a deploy then fails the request. For sessions it
//! is worse than an error page: when the session handler cannot connect, Magento silently
//! falls back to the `files` handler, the customer gets a new empty session and is logged
//! out. The value counts *extra* attempts: Credis loops while `connectFailures <=
//! maxConnectRetries`, so `1` means one retry (two attempts). The old devdocs line "1 = no
//! retry" is wrong.
//!
//! ## Example
//! ```php
//! 'session' => ['save' => 'redis', 'redis' => ['host' => '127.0.0.1', 'port' => '6379', 'database' => '2']],
//! ```
//!
//! ## Fix
//! ```php
//! 'redis' => ['host' => '127.0.0.1', 'port' => '6379', 'database' => '2', 'retries' => '2'],
//! ```
//! (`retries` needs Magento 2.4.8+ / php-redis-session-abstract 1.6+; on older versions the
//! key is ignored.) For caches: `'connect_retries' => '2'` in `backend_options`.
//!
//! ## Fix safety
//! Offered where the key is present with `0`: the fix writes `'2'` in its place. It is
//! safe: only a connect that already failed is tried again, twice; a working connection
//! behaves as before, and a Magento that does not know the key ignores it.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::magento::CacheBackend;
use crate::model::Model;

pub static RULE: Rule = Rule {
    code: Code::ConnectRetries,
    summary: "A Magento Redis connection that never retries a failed connect",
    default_severity: Severity::Warning,
    also: &[],
    source: include_str!("sl305_connect_retries.rs"),
    check,
};

const SEMANTICS: &str =
    "the value counts extra attempts, as Credis retries while failures <= N: 1 means one retry, not \"no retry\"";

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for m in &model.magento {
        if m.sessions_in_redis() {
            let block = m.session_redis.as_ref();
            let retries = block.and_then(|b| b.values.get("retries"));
            let n = retries.and_then(|v| v.value.as_deref()).and_then(|v| v.trim().parse::<i64>().ok());
            let at = match (retries, block, &m.session_save) {
                (Some(r), _, _) => Some(r.entry_at),
                (None, Some(b), _) => Some(b.at),
                (None, None, Some(s)) => Some(s.entry_at),
                _ => None,
            };
            if let (true, Some(at)) = (n.unwrap_or(0) == 0 && retries.is_none_or(|r| r.value.is_some()), at) {
                // The version is not read: the key is named with the release that reads it.
                let what = if retries.is_some() {
                    "`retries` is 0"
                } else {
                    "no `retries` (read from Magento 2.4.8 on, default 0; older versions have no session retry setting)"
                };
                let mut d = rule.diagnostic(
                    Severity::Warning,
                    format!("session Redis connection never retries a failed connect: {what}; a failed connect silently drops customers to a new empty `files` session"),
                    label(model, at, "session redis block"),
                )
                .with_help(format!("on Magento 2.4.8 or later, set `'retries' => '2'` (older versions ignore the key); {SEMANTICS}"));
                if let Some(r) = retries {
                    let edit = Edit::replacement(model.path(r.value_at.file), r.value_at.span, "'2'");
                    d = d.with_fix(Fix::safe("retry twice", [edit]));
                }
                out.push(d);
            }
        }
        for c in &m.caches {
            if c.backend == CacheBackend::Other {
                continue;
            }
            let Some(v) = c.options.as_ref().and_then(|o| o.values.get("connect_retries")) else { continue };
            if v.value.as_deref().and_then(|x| x.trim().parse::<i64>().ok()) == Some(0) {
                out.push(
                    rule.diagnostic(
                        Severity::Warning,
                        format!("`{}` cache: `connect_retries` is 0, so one failed connect fails the request", c.name),
                        label(model, v.entry_at, "connect_retries"),
                    )
                    .with_help(format!("set `'connect_retries' => '2'`; {SEMANTICS}"))
                    .with_fix(Fix::safe(
                        "retry twice",
                        [Edit::replacement(model.path(v.value_at.file), v.value_at.span, "'2'")],
                    )),
                );
            }
        }
    }
}
