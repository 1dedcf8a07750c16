//! # SL206 eviction-drops-sessions
//!
//! ## What it does
//! Finds a Redis server that holds sessions (a PHP setup, pool or Magento install in the
//! tree links to it) and has a `maxmemory` limit with an evicting `maxmemory-policy`:
//! any `allkeys-*`, and also every `volatile-*`, since the session handlers write every
//! session with a TTL (phpredis `SETEX`, Magento's `EXPIRE`), which makes them exactly the
//! keys volatile policies evict. The default policy, `noeviction`, is not flagged.
//!
//! ## Why it matters
//! When the limit is reached Redis deletes keys to make room (redis@7.0.15:src/evict.c):
//! logged-in users are silently logged out, carts vanish, and nothing is logged on the PHP
//! side. With `noeviction` writes fail loudly instead, which monitoring sees.
//!
//! ## Example
//! ```text
//! maxmemory 256mb
//! maxmemory-policy allkeys-lru
//! ```
//! with `session.save_path = "tcp://127.0.0.1:6379"`.
//!
//! ## Fix
//! Keep sessions on a Redis (or a database) of their own with `maxmemory-policy noeviction`
//! and enough memory, and put caches that may be evicted elsewhere.

use super::{endpoint_at, label, setting_at, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::{Model, ServerId};

pub static RULE: Rule = Rule {
    code: Code::EvictionDropsSessions,
    summary: "A Redis server holding sessions evicts keys under memory pressure",
    default_severity: Severity::Warning,
    also: &[],
    source: include_str!("sl206_eviction_drops_sessions.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for (si, s) in model.redis.iter().enumerate() {
        let maxmemory = s.settings.get("maxmemory").and_then(|(v, _)| v.parse::<u64>().ok()).unwrap_or(0);
        let policy = s.settings.get("maxmemory-policy").map_or("noeviction", |(v, _)| v.as_str());
        if maxmemory == 0 || policy == "noeviction" {
            continue;
        }
        let clients: Vec<_> = model.endpoints_of(ServerId(si)).collect();
        if clients.is_empty() {
            continue;
        }
        let which = if policy.starts_with("volatile") {
            "keys with a TTL (every session key has one)"
        } else {
            "any key (sessions included)"
        };
        let mut d = rule.diagnostic(
            Severity::Warning,
            format!(
                "Redis server {} holds sessions and evicts {which} when it reaches maxmemory ({policy}): users are logged out without any error",
                crate::source::display_path(model.path(s.file))
            ),
            label(model, setting_at(s, "maxmemory-policy"), format!("`{policy}` evicts")),
        )
        .with_related(label(model, setting_at(s, "maxmemory"), "memory limit"));
        for (_, ep) in clients.iter().take(5) {
            if let Some(at) = endpoint_at(ep) {
                d = d.with_related(label(model, at, format!("{} keeps its sessions here", ep.label)));
            }
        }
        if clients.len() > 5 {
            d.message.push_str(&format!(" ({} session endpoints use it; the first 5 are shown)", clients.len()));
        }
        out.push(d.with_help(
            "use `maxmemory-policy noeviction` on the server that holds sessions, and keep caches on another",
        ));
    }
}
