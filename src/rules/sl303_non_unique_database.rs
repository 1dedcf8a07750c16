//! # SL303 non-unique-database
//!
//! ## What it does
//! Finds a Magento install whose session Redis database is also one of its cache databases
//! (`cache.frontend.default`, `page_cache`, an L2 `remote_backend_options`) on the same Redis
//! server, and two different applications whose sessions share one server and database
//! under the same key prefix.
//!
//! ## Why it matters
//! `bin/magento cache:flush`, a deploy, or a cache clean from the admin runs `FLUSHDB` on
//! every cache database. If sessions live in that database, every customer is logged out and
//! every cart is lost at each flush. Magento does not check this; its CLI defaults (cache 0,
//! page_cache 1, session 2) keep them apart, but hand-edited and container-generated
//! env.php files often put everything in database 0. Two applications sharing a database and
//! prefix can read each other's sessions.
//!
//! ## Example
//! ```php
//! 'session' => ['save' => 'redis', 'redis' => ['host' => '127.0.0.1', 'port' => '6379', 'database' => '0']],
//! 'cache' => ['frontend' => ['default' => ['backend' => 'Cm_Cache_Backend_Redis',
//!     'backend_options' => ['server' => '127.0.0.1', 'port' => '6379', 'database' => '0']]]],
//! ```
//!
//! ## Fix
//! Give sessions a database of their own (or better, a Redis instance of their own, as Adobe
//! recommends): `'database' => '2'` in `session.redis`, and keep it below the server's
//! `databases` setting (16 by default).

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::endpoint::{RedisTarget, Transport};
use crate::model::link::host_of;
use crate::model::{MagentoInstall, Model};

pub static RULE: Rule = Rule {
    code: Code::NonUniqueDatabase,
    summary: "Sessions share a Redis database with a cache or another application",
    default_severity: Severity::Error,
    source: include_str!("sl303_non_unique_database.rs"),
    check,
};

/// The server part of a target, normalised (`localhost` and 127/8 are one host).
fn server_key(t: &RedisTarget) -> String {
    match t.transport {
        Transport::Unix => format!("unix:{}", t.socket.as_deref().unwrap_or("")),
        _ => {
            let h = t.host.as_deref().unwrap_or("127.0.0.1").to_ascii_lowercase();
            let h = if h == "localhost" || h.starts_with("127.") || h == "::1" { "127.0.0.1".to_owned() } else { h };
            format!("{h}:{}", t.port)
        }
    }
}

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for m in &model.magento {
        let Some(session) = m.session_target() else { continue };
        let session_at = m
            .session_redis
            .as_ref()
            .and_then(|b| b.values.get("database").map(|v| v.entry_at).or(Some(b.at)))
            .or(m.session_save.as_ref().map(|v| v.entry_at));
        let Some(session_at) = session_at else { continue };
        for c in &m.caches {
            let Some(cache) = MagentoInstall::cache_target(c) else { continue };
            if server_key(&cache) != server_key(&session)
                || cache.database.unwrap_or(0) != session.database.unwrap_or(0)
            {
                continue;
            }
            let cache_at =
                c.options.as_ref().and_then(|o| o.values.get("database").map(|v| v.entry_at)).unwrap_or(c.at);
            let db = session.database.unwrap_or(0);
            out.push(
                rule.diagnostic(
                    Severity::Error,
                    format!(
                        "sessions and the `{}` cache share Redis database {db} on {}: every cache flush (FLUSHDB) logs everyone out",
                        c.name,
                        server_key(&session)
                    ),
                    label(model, session_at, format!("session database {db}")),
                )
                .with_related(label(model, cache_at, format!("`{}` cache, database {db}", c.name)))
                .with_help("give sessions their own database (e.g. `'database' => '2'`) or their own Redis instance"),
            );
        }
    }
    // Different applications whose sessions land in one server, database and prefix.
    // (host, server, database, prefix) -> the first endpoint that keeps sessions there.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (ei, ep) in model.endpoints.iter().enumerate() {
        let Some(at) = ep.save_path.as_ref().and_then(|v| v.set_at).or(ep.decided_at) else { continue };
        let host = host_of(model.path(at.file), &[]);
        for t in &ep.targets {
            let prefix = match ep.owner {
                crate::model::EndpointOwner::Magento(_) => "sess_".to_owned(),
                _ => t.prefix.clone().unwrap_or_else(|| "PHPREDIS_SESSION:".into()),
            };
            let key = format!("{}|{}|{}|{}", host.display(), server_key(t), t.database.unwrap_or(0), prefix);
            let other = *seen.entry(key).or_insert(ei);
            if other != ei {
                let first = &model.endpoints[other];
                let Some(first_at) = first.save_path.as_ref().and_then(|v| v.set_at).or(first.decided_at) else {
                    continue;
                };
                out.push(
                    rule.diagnostic(
                        Severity::Warning,
                        format!(
                            "{} and {} keep sessions in the same Redis database ({} db {}) under the same prefix `{prefix}`: each can read and overwrite the other's sessions",
                            first.label,
                            ep.label,
                            server_key(t),
                            t.database.unwrap_or(0)
                        ),
                        label(model, at, "sessions here"),
                    )
                    .with_related(label(model, first_at, format!("{} uses the same database", first.label)))
                    .with_help("give each application its own database (`?database=N`) or at least its own `prefix=`"),
                );
            }
        }
    }
}
