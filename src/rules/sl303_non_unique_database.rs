//! # SL303 non-unique-database
//!
//! ## What it does
//! Finds a session store in a Redis database that a Magento cache (`cache.frontend.default`,
//! `page_cache`, an L2 `remote_backend_options`, any other frontend) on the same server
//! uses: Magento's own sessions, another Magento install's on the same machine, or PHP's
//! (php.ini, a php-fpm pool: `session.save_path = "tcp://...?database=N"`). Two applications
//! whose sessions share one database and prefix are SL403's.
//!
//! ## Why it matters
//! `bin/magento cache:flush`, a deploy, or a cache clean from the admin runs `FLUSHDB` on
//! every cache database (`Cm_Cache_Backend_Redis::clean()`, `CLEANING_MODE_ALL` returns
//! `$this->_redis->flushDb()`; ece-tools' `CleanRedisCache` does it on every deploy). If
//! sessions live in that database, every customer is logged out and every cart is lost at
//! each flush. That holds for phpredis' own session handler as much as for Magento's: both
//! keep each session as a key in the database they select (`PHPREDIS_SESSION:<id>`,
//! `sess_<id>`), and `FLUSHDB` deletes every key of the selected database, whoever wrote it
//! (redis.io/commands/flushdb). Magento does not check this; its CLI defaults (cache 0,
//! page_cache 1, session 2) keep them apart, but hand-edited and container-generated
//! env.php files often put everything in database 0.
//!
//! ## Example
//! ```php
//! 'session' => ['save' => 'redis', 'redis' => ['host' => '127.0.0.1', 'port' => '6379', 'database' => '0']],
//! 'cache' => ['frontend' => ['default' => ['backend' => 'Cm_Cache_Backend_Redis',
//!     'backend_options' => ['server' => '127.0.0.1', 'port' => '6379', 'database' => '0']]]],
//! ```
//! or a php-fpm pool next to that shop whose sessions go to the page cache's database:
//! ```ini
//! php_admin_value[session.save_path] = "tcp://127.0.0.1:6379?database=1"
//! ```
//!
//! ## Fix
//! Give sessions a database of their own (or better, a Redis instance of their own, as Adobe
//! recommends): `'database' => '2'` in `session.redis`, and keep it below the server's
//! `databases` setting (16 by default).

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::link::host_of;
use crate::model::magento::server_key;
use crate::model::{EndpointOwner, Location, MagentoInstall, Model, SessionEndpoint};

pub static RULE: Rule = Rule {
    code: Code::NonUniqueDatabase,
    summary: "Sessions in a Redis database that a Magento cache on the same server uses",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl303_non_unique_database.rs"),
    check,
};

/// Where an endpoint's session database is set, and how to name its owner in a message.
fn session_place(model: &Model, ep: &SessionEndpoint, cache_owner: usize) -> Option<(Location, String)> {
    match ep.owner {
        EndpointOwner::Magento(i) if i != cache_owner => {
            Some((session_place(model, ep, i)?.0, format!("sessions of {}", ep.label)))
        }
        EndpointOwner::Magento(i) => {
            let m = model.magento.get(i)?;
            let at = m
                .session_redis
                .as_ref()
                .and_then(|b| b.values.get("database").map(|v| v.entry_at).or(Some(b.at)))
                .or(m.session_save.as_ref().map(|v| v.entry_at))?;
            Some((at, "sessions".to_owned()))
        }
        _ => {
            Some((ep.save_path.as_ref().and_then(|v| v.set_at).or(ep.decided_at)?, format!("sessions of {}", ep.label)))
        }
    }
}

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    // Every session target by (machine, server, database), in endpoint and target order, so
    // each cache looks its database up instead of scanning every endpoint.
    let mut sessions: std::collections::HashMap<(std::path::PathBuf, String, i64), Vec<(usize, usize)>> =
        std::collections::HashMap::new();
    for (ei, ep) in model.endpoints.iter().enumerate() {
        // Where the session database is set does not depend on which install's caches ask.
        let owner = match ep.owner {
            EndpointOwner::Magento(i) => i,
            _ => usize::MAX,
        };
        let Some((session_at, _)) = session_place(model, ep, owner) else { continue };
        let host = host_of(model.path(session_at.file), &[]);
        for (ti, t) in ep.targets.iter().enumerate() {
            sessions.entry((host.clone(), server_key(t), t.database.unwrap_or(0))).or_default().push((ei, ti));
        }
    }
    for (mi, m) in model.magento.iter().enumerate() {
        let cache_host = host_of(model.path(m.file), &[]);
        for c in &m.caches {
            let Some(cache) = MagentoInstall::cache_target(c) else { continue };
            let db = cache.database.unwrap_or(0);
            let cache_at =
                c.options.as_ref().and_then(|o| o.values.get("database").map(|v| v.entry_at)).unwrap_or(c.at);
            let cache_name = if model.magento.len() > 1 {
                format!("`{}` cache of {}", c.name, crate::source::display_path(model.path(m.file)))
            } else {
                format!("`{}` cache", c.name)
            };
            let Some(sharing) = sessions.get(&(cache_host.clone(), server_key(&cache), db)) else { continue };
            for &(ei, _) in sharing {
                let ep = &model.endpoints[ei];
                let Some((session_at, whose)) = session_place(model, ep, mi) else { continue };
                out.push(
                    rule.diagnostic(
                        Severity::Error,
                        format!(
                            "{whose} and the {cache_name} share Redis database {db} on {}: every cache flush (FLUSHDB) logs everyone out",
                            server_key(&cache)
                        ),
                        label(model, session_at, format!("session database {db}")),
                    )
                    .with_related(label(model, cache_at, format!("{cache_name}, database {db}")))
                    .with_help(match ep.owner {
                        EndpointOwner::Magento(_) => "give sessions their own database (e.g. `'database' => '2'`) or their own Redis instance",
                        _ => "give sessions their own database (e.g. `?database=2` in the save_path) or their own Redis instance",
                    }),
                );
            }
        }
    }
}
