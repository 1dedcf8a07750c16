//! # SL306 persistent-id-shared
//!
//! ## What it does
//! Finds two Magento Redis connections on one machine (the session block's
//! `persistent_identifier`, a cache's `persistent`, or a 2.4.9 Symfony cache's
//! `persistent_id`) that use the same persistent-connection id for the same Redis server
//! but different databases.
//!
//! ## Why it matters
//! A persistent connection outlives the request: phpredis keeps the socket in a pool keyed
//! by host, port and id, and the next `pconnect()` with the same id in that PHP worker gets
//! the same socket back, still in the database the last user `SELECT`ed. With
//! php 8.2 + phpredis 5.3.7 against redis-server 7.0 (`tests/e2e_magento.rs`): a client that
//! selected database 2 ends its request; the next client with the same id gets the same
//! connection (same `CLIENT ID`) and its `SET` lands in database 2. Magento's own clients
//! guard against it (Cm_Cache_Backend_Redis `SELECT`s on construct when persistent, the
//! session handler before every read, write and destroy), but a client of that id that
//! trusts the default does not (Credis itself skips `SELECT 0` on connect): its writes land
//! in the session or the other cache's database, where the next `FLUSHDB` takes them, or
//! they take sessions along. So this is a hazard more often than an outage.
//! An `AUTH` made on the socket also carries over to the next user. Cm_Cache_Backend_Redis'
//! README: "make sure that if you have multiple configurations connecting the persistent
//! string is unique for each configuration so that 'select' commands don't cause conflicts"; Adobe (2.4.9 cache docs): "Use a unique
//! `persistent_id` for each cache type".
//!
//! ## Example
//! ```php
//! 'session' => ['save' => 'redis', 'redis' => ['database' => '2', 'persistent_identifier' => 'magento']],
//! 'cache' => ['frontend' => ['default' => ['backend' => 'Cm_Cache_Backend_Redis',
//!     'backend_options' => ['database' => '0', 'persistent' => 'magento']]]],
//! ```
//!
//! ## Fix
//! One id per connection: `'persistent_identifier' => 'sess-db2'`, `'persistent' => 'cache-db0'`,
//! `'persistent' => 'fpc-db1'`; or no persistent connections at all (`''`).

use std::collections::BTreeMap;

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::link::host_of;
use crate::model::magento::server_key;
use crate::model::{Location, MagentoInstall, Model};

pub static RULE: Rule = Rule {
    code: Code::PersistentIdShared,
    summary: "Two Magento Redis connections share a persistent-connection id across databases",
    default_severity: Severity::Warning,
    also: &[],
    source: include_str!("sl306_persistent_id_shared.rs"),
    check,
};

/// One persistent connection: who, which database, where its id is set.
struct Conn {
    who: String,
    database: i64,
    at: Location,
}

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    // (machine, server, id) -> connections using that id.
    let mut groups: BTreeMap<(String, String, String), Vec<Conn>> = BTreeMap::new();
    for m in &model.magento {
        let host = host_of(model.path(m.file), &[]).display().to_string();
        if let (Some((id, at)), Some(t)) = (m.session_persistent_id(), m.session_target()) {
            let key = (host.clone(), server_key(&t), id.to_owned());
            groups.entry(key).or_default().push(Conn {
                who: "the session connection".into(),
                database: t.database.unwrap_or(0),
                at,
            });
        }
        for c in &m.caches {
            let (Some((id, at)), Some(t)) = (MagentoInstall::cache_persistent_id(c), MagentoInstall::cache_target(c))
            else {
                continue;
            };
            let key = (host.clone(), server_key(&t), id.to_owned());
            groups.entry(key).or_default().push(Conn {
                who: format!("the `{}` cache", c.name),
                database: t.database.unwrap_or(0),
                at,
            });
        }
    }
    for ((_, server, id), conns) in &groups {
        let Some(first) = conns.first() else { continue };
        for c in conns.iter().skip(1).filter(|c| c.database != first.database) {
            out.push(
                rule.diagnostic(
                    Severity::Warning,
                    format!(
                        "{} (database {}) and {} (database {}) use the same persistent connection id `{id}` to {server}: a worker hands one the socket the other left in its database",
                        c.who, c.database, first.who, first.database
                    ),
                    label(model, c.at, format!("persistent id, database {}", c.database)),
                )
                .with_related(label(model, first.at, format!("same id, database {}", first.database)))
                .with_help("give each connection its own persistent id (e.g. `sess-db2`, `cache-db0`), or none"),
            );
        }
    }
}
