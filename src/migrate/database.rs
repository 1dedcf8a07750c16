//! Which Redis database the migrated sessions get: `--database N`, or with `auto` the lowest
//! one that no session store or Magento cache already on that server uses.

use std::collections::BTreeSet;

use super::{DatabaseChoice, MigrateError, Request};
use crate::model::magento::server_key;
use crate::model::{MagentoInstall, Model};

/// Hands out databases on the `--redis` server: with `auto`, each session store a new one
/// that nothing else uses; with `--database N`, always N (the caller then tells stores apart
/// by key prefix).
pub struct Allocator {
    choice: DatabaseChoice,
    /// In use: sessions and caches already on that server, and what was handed out.
    taken: std::cell::RefCell<BTreeSet<i64>>,
    /// Every database below this one is taken (`taken` only grows): `next` starts there,
    /// so that k stores cost k steps, not k^2.
    lowest_free: std::cell::Cell<i64>,
    count: i64,
    key: String,
}

impl Allocator {
    /// Errors: a fixed database a Magento cache on that server already uses, or one outside
    /// the server's `databases`.
    pub fn new(model: &Model, request: &Request) -> Result<Allocator, MigrateError> {
        let key = request.redis.server_key();
        let mut used = BTreeSet::new();
        let mut caches = BTreeSet::new();
        for ep in &model.endpoints {
            for t in ep.targets.iter().filter(|t| server_key(t) == key) {
                used.insert(t.database.unwrap_or(0));
            }
        }
        for m in &model.magento {
            for c in &m.caches {
                if let Some(t) = MagentoInstall::cache_target(c).filter(|t| server_key(t) == key) {
                    used.insert(t.database.unwrap_or(0));
                    caches.insert(t.database.unwrap_or(0));
                }
            }
        }
        // The server's own `databases` when the tree has its redis.conf, else redis' default.
        let count = super::target::servers_for(model, &request.redis).first().map_or(16, |(_, s)| s.databases.max(1));
        if let DatabaseChoice::Fixed(n) = request.database {
            if n < 0 || n >= count {
                return Err(MigrateError::Database(format!(
                    "--database {n}: the server has databases 0-{} (`databases {count}`)",
                    count - 1
                )));
            }
            if caches.contains(&n) {
                return Err(MigrateError::Database(format!(
                    "--database {n}: a Magento cache on {key} already uses database {n}, and `cache:flush` would log every user out; choose another or `--database auto`"
                )));
            }
        }
        Ok(Allocator {
            choice: request.database,
            taken: std::cell::RefCell::new(used),
            lowest_free: std::cell::Cell::new(0),
            count,
            key,
        })
    }

    /// Whether every store gets the same database (`--database N`).
    pub fn fixed(&self) -> bool {
        matches!(self.choice, DatabaseChoice::Fixed(_))
    }

    /// A database for one more session store. Errors when every database is in use.
    pub fn next(&self) -> Result<i64, MigrateError> {
        if let DatabaseChoice::Fixed(n) = self.choice {
            return Ok(n);
        }
        let mut taken = self.taken.borrow_mut();
        let d = (self.lowest_free.get()..self.count).find(|d| !taken.contains(d)).ok_or_else(|| {
            MigrateError::Database(format!(
                "every database 0-{} of {} is in use; pass --database N",
                self.count - 1,
                self.key
            ))
        })?;
        taken.insert(d);
        self.lowest_free.set(d + 1);
        Ok(d)
    }
}
