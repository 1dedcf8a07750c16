//! # SL308 max-concurrency-low
//!
//! ## What it does
//! Reports a Magento install with sessions in Redis whose `max_concurrency` (the number of
//! requests that may wait for one session's lock) is below 10% of the php-fpm workers on the
//! same machine (`pm.max_children` summed over the pools in the tree), or below the
//! handler's own default of 6 when no pool is known. An absent, empty or `0` value means 6
//! (`$config->getMaxConcurrency() ?: DEFAULT_MAX_CONCURRENCY` in
//! colinmollenhour/php-redis-session-abstract `Handler.php`).
//!
//! ## Why it matters
//! When more requests of one session wait than `max_concurrency` allows, the handler throws
//! `ConcurrentConnectionsExceededException` and Magento answers HTTP 503 ("Session
//! concurrency exceeded for ID sess_...; displaying HTTP 503 (6 waiting, ...)",
//! magento/magento2#38851). An admin with several tabs, an AJAX-heavy checkout or a bot
//! reaches 6 easily. Adobe: "For large production clusters, set this to at least 10% of the
//! number of PHP processes" (Commerce 2.4, "Use Redis for session storage").
//!
//! ## Example
//! ```php
//! 'redis' => ['host' => '127.0.0.1', 'database' => '2', 'max_concurrency' => '6'],
//! ```
//! with pools that have `pm.max_children = 200` in total.
//!
//! ## Fix
//! `'max_concurrency' => '20'` (10% of 200 workers), or more.
//!
//! ## Fix safety
//! When `max_concurrency` is written in env.php, the fix sets it to the number this rule
//! asks for. It is unsafe: more requests of one session then wait for its lock instead of
//! getting a 503, which holds more PHP workers busy under a burst.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::link::host_of;
use crate::model::Model;

pub static RULE: Rule = Rule {
    code: Code::MaxConcurrencyLow,
    summary: "Magento's session lock allows fewer waiters than the workers need",
    default_severity: Severity::Info,
    also: &[],
    source: include_str!("sl308_max_concurrency_low.rs"),
    check,
};

/// `Handler::DEFAULT_MAX_CONCURRENCY`.
const DEFAULT: i64 = 6;

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    // Each machine's pools, found once: not every pool of a fleet for every install.
    let mut pools_by_machine: std::collections::HashMap<std::path::PathBuf, Vec<&crate::model::FpmPool>> =
        Default::default();
    for p in &model.pools {
        pools_by_machine.entry(host_of(model.path(p.declared_at.file), &[])).or_default().push(p);
    }
    for m in &model.magento {
        if !m.sessions_in_redis() {
            continue;
        }
        let block = m.session_redis.as_ref();
        let set = block.and_then(|b| b.values.get("max_concurrency"));
        if set.is_some_and(|v| v.value.is_none()) {
            continue; // not statically known
        }
        let value = set.and_then(|v| v.int_cast()).filter(|n| *n != 0).unwrap_or(DEFAULT);
        let host = host_of(model.path(m.file), &[]);
        let workers: i64 = pools_by_machine
            .get(&host)
            .into_iter()
            .flatten()
            .filter_map(|p| crate::model::fpm_integer::max_children(p)?.ok().map(i64::from))
            .sum();
        let (needed, why) = if workers > 0 {
            ((workers + 9) / 10, format!("10% of the {workers} php-fpm workers on this machine"))
        } else {
            (DEFAULT, "the handler's default".to_owned())
        };
        if value >= needed {
            continue;
        }
        let Some(at) = set.map(|v| v.entry_at).or(block.map(|b| b.at)).or(m.session_save.as_ref().map(|v| v.entry_at))
        else {
            continue;
        };
        let shown = if set.is_some() { value.to_string() } else { format!("{value} (the default)") };
        let mut d = rule
            .diagnostic(
                Severity::Info,
                format!("session `max_concurrency` is {shown}, below {needed} ({why}): more waiters on one session get HTTP 503"),
                label(model, at, "max_concurrency"),
            )
            .with_help(format!("set `'max_concurrency' => '{needed}'` or more"));
        if let Some(v) = set {
            let edit = Edit::replacement(model.path(v.value_at.file), v.value_at.span, format!("'{needed}'"));
            d = d.with_fix(Fix::unsafe_edits(format!("allow {needed} waiters"), [edit]));
        }
        out.push(d);
    }
}
