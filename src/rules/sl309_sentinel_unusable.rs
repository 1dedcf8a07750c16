//! # SL309 sentinel-unusable
//!
//! ## What it does
//! Finds Redis Sentinel settings in a Magento session block that cannot work:
//! `sentinel_master` without `sentinel_servers` (or the other way round), a sentinel entry
//! without a port, and a sentinel entry whose port is the Redis port of the same block
//! (`port`, 6379 when absent) rather than a Sentinel's (26379 by convention). For a Redis
//! cache with `sentinel_master`, whose `server` is then the list of sentinels, an entry on
//! port 6379 or on the block's `port`.
//!
//! ## Why it matters
//! colinmollenhour/php-redis-session-abstract `Handler.php` uses Sentinel only when both
//! `sentinel_servers` and `sentinel_master` are set; with one of them the other is silently
//! ignored and the handler connects straight to `host:port`, a single point of failure the
//! author meant to avoid. Each entry is handed to Credis with port `NULL`: `tcp://h` gets
//! port 0 and a bare `h` the address `tcp://h`, which PHP refuses ("Failed to parse
//! address", php 8.2), so that sentinel never answers. An entry on the Redis port reaches
//! redis-server, not a Sentinel, which answers `ERR unknown command 'SENTINEL'` (redis 7.0).
//! Both are shown against the real programs in `tests/e2e_magento.rs`. When no sentinel
//! answers, the handler throws, and Magento falls back to `files` sessions without a word.
//! Magento reads these keys from 2.2 on (`Session/SaveHandler/Redis/Config.php`,
//! `PARAM_SENTINEL_*`). Cm_Cache_Backend_Redis splits `server` the same way; current
//! versions give an entry without a port 26379 (older ones none), so for caches only the
//! Redis-port case is reported.
//!
//! ## Example
//! ```php
//! 'redis' => ['host' => '10.0.0.5', 'port' => '6379', 'sentinel_master' => 'mymaster',
//!     'sentinel_servers' => 'tcp://10.0.0.5:6379,10.0.0.6'],
//! ```
//!
//! ## Fix
//! ```php
//! 'sentinel_master' => 'mymaster', 'sentinel_servers' => 'tcp://10.0.0.5:26379,tcp://10.0.0.6:26379',
//! ```

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::magento::{php_int_cast, sentinel_entries, CacheBackend};
use crate::model::Model;

pub static RULE: Rule = Rule {
    code: Code::SentinelUnusable,
    summary: "Redis Sentinel settings in a Magento session block that cannot work",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl309_sentinel_unusable.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for m in &model.magento {
        if !m.sessions_in_redis() {
            continue;
        }
        let Some(block) = &m.session_redis else { continue };
        let master = block.values.get("sentinel_master");
        let servers = block.values.get("sentinel_servers");
        // Not statically known: say nothing.
        if master.is_some_and(|v| v.value.is_none()) || servers.is_some_and(|v| v.value.is_none()) {
            continue;
        }
        let on = |v: Option<&crate::model::magento::MagentoValue>| v.and_then(|v| v.truthy()) == Some(true);
        match (on(master), on(servers)) {
            (true, false) => {
                if let Some(v) = master {
                    out.push(
                        rule.diagnostic(
                            Severity::Error,
                            "`sentinel_master` without `sentinel_servers`: the session handler ignores Sentinel and connects straight to `host`:`port`",
                            label(model, v.entry_at, "no sentinels to ask"),
                        )
                        .with_help("list the sentinels: `'sentinel_servers' => 'tcp://<sentinel>:26379,...'`"),
                    );
                }
            }
            (false, true) => {
                if let Some(v) = servers {
                    out.push(
                        rule.diagnostic(
                            Severity::Error,
                            "`sentinel_servers` without `sentinel_master`: the session handler ignores Sentinel and connects straight to `host`:`port`",
                            label(model, v.entry_at, "no master name"),
                        )
                        .with_help("name the monitored master: `'sentinel_master' => 'mymaster'`"),
                    );
                }
            }
            (true, true) => {
                let Some(v) = servers else { continue };
                let redis_port = block
                    .values
                    .get("port")
                    .filter(|p| p.truthy() == Some(true))
                    .and_then(|p| p.value.as_deref())
                    .map(php_int_cast)
                    .unwrap_or(6379);
                for e in sentinel_entries(v.value.as_deref().unwrap_or_default()) {
                    let msg = match e.port {
                        _ if e.unix => continue,
                        None => format!(
                            "sentinel `{}` has no port: the session handler gives Credis none, so this sentinel never answers",
                            e.text
                        ),
                        Some(p) if i64::from(p) == redis_port => format!(
                            "sentinel `{}` uses port {p}, the Redis port of this block: redis-server answers `ERR unknown command 'SENTINEL'`",
                            e.text
                        ),
                        Some(_) => continue,
                    };
                    out.push(
                        rule.diagnostic(Severity::Error, msg, label(model, v.value_at, "sentinel_servers"))
                            .with_help("write each sentinel as `tcp://<host>:26379` (its Sentinel port)"),
                    );
                }
            }
            (false, false) => {}
        }
    }
    for m in &model.magento {
        for c in m.caches.iter().filter(|c| c.backend != CacheBackend::Other) {
            let Some(o) = &c.options else { continue };
            if o.values.get("sentinel_master").and_then(|v| v.truthy()) != Some(true) {
                continue;
            }
            let Some(server) = o.values.get("server") else { continue };
            let port = o.values.get("port").and_then(|p| p.value.as_deref()).map(php_int_cast).filter(|p| *p > 0);
            for e in sentinel_entries(server.value.as_deref().unwrap_or_default()) {
                let Some(p) = e.port.filter(|p| *p == 6379 || Some(i64::from(*p)) == port) else { continue };
                out.push(
                    rule.diagnostic(
                        Severity::Error,
                        format!(
                            "the `{}` cache asks sentinel `{}` on port {p}, a Redis port: redis-server answers `ERR unknown command 'SENTINEL'`",
                            c.name, e.text
                        ),
                        label(model, server.value_at, "sentinels"),
                    )
                    .with_help("write each sentinel as `tcp://<host>:26379` (its Sentinel port)"),
                );
            }
        }
    }
}
