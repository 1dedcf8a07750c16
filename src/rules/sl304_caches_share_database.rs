//! # SL304 caches-share-database
//!
//! ## What it does
//! Finds two Magento Redis cache frontends (`default`, `page_cache`, an L2
//! `remote_backend_options`, any custom frontend; of one install or of two installs on the
//! same machine) that use the same Redis server and database.
//!
//! ## Why it matters
//! `Cm_Cache_Backend_Redis::clean()` in `CLEANING_MODE_ALL` runs `FLUSHDB`
//! (colinmollenhour/Cm_Cache_Backend_Redis `Cm/Cache/Backend/Redis.php`, `clean()`), and
//! `bin/magento cache:flush`, "Flush Cache Storage" and ece-tools' pre-deploy step clean every
//! frontend that way. Flushing the full-page cache then also empties the configuration cache
//! (and the other way round), and a second shop on the same database loses its whole cache
//! whenever the first one flushes, a cold-cache stampede on both. Adobe: "If you use Redis for
//! more than one type of caching, the database numbers must be different" (Commerce 2.4,
//! `redis-pg-cache.md`).
//!
//! ## Example
//! ```php
//! 'default' => ['backend' => 'Cm_Cache_Backend_Redis', 'backend_options' => ['server' => '127.0.0.1', 'database' => '0']],
//! 'page_cache' => ['backend' => 'Cm_Cache_Backend_Redis', 'backend_options' => ['server' => '127.0.0.1', 'database' => '0']],
//! ```
//!
//! ## Fix
//! Give each frontend its own database (Magento's CLI defaults: `default` 0, `page_cache` 1,
//! sessions 2): `'database' => '1'` for `page_cache`; for a second shop, other numbers again.

use std::collections::BTreeMap;

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::link::host_of;
use crate::model::magento::server_key;
use crate::model::{Location, MagentoInstall, Model};

pub static RULE: Rule = Rule {
    code: Code::CachesShareDatabase,
    summary: "Two Magento Redis caches share one Redis database",
    default_severity: Severity::Warning,
    also: &[],
    source: include_str!("sl304_caches_share_database.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    // (machine, server, database) -> the first cache seen there: (its name, where its database is set).
    let mut seen: BTreeMap<(String, String, i64), (String, Location)> = BTreeMap::new();
    let several = model.magento.len() > 1;
    for m in &model.magento {
        let host = host_of(model.path(m.file), &[]).display().to_string();
        for c in &m.caches {
            let name = if several {
                format!("`{}` cache of {}", c.name, crate::source::display_path(model.path(m.file)))
            } else {
                format!("`{}` cache", c.name)
            };
            let Some(t) = MagentoInstall::cache_target(c) else { continue };
            let db = t.database.unwrap_or(0);
            let at = c.options.as_ref().and_then(|o| o.values.get("database").map(|v| v.entry_at)).unwrap_or(c.at);
            let key = (host.clone(), server_key(&t), db);
            let Some((first, first_at)) = seen.get(&key) else {
                seen.insert(key, (name, at));
                continue;
            };
            out.push(
                rule.diagnostic(
                    Severity::Warning,
                    format!(
                        "the {name} and the {first} share Redis database {db} on {}: flushing either one (FLUSHDB) empties both",
                        server_key(&t)
                    ),
                    label(model, at, format!("{name}, database {db}")),
                )
                .with_related(label(model, *first_at, format!("{first}, database {db}")))
                .with_help("give each cache frontend its own database (CLI defaults: default 0, page_cache 1)"),
            );
        }
    }
}
