//! Which Redis database the migrated sessions get: `--database N`, or with `auto` the lowest
//! one that no session store or Magento cache already on that server uses.

use std::collections::BTreeSet;

use super::{DatabaseChoice, MigrateError, Request};
use crate::model::magento::server_key;
use crate::model::{MagentoInstall, Model};

/// The databases chosen for PHP's sessions and for Magento's, on the `--redis` server.
pub struct Allocator {
    /// PHP SAPIs and pools (phpredis, prefix `PHPREDIS_SESSION:`).
    pub php: i64,
    /// Magento installs (Cm_RedisSession, prefix `sess_`): never a database a cache uses.
    pub magento: i64,
}

impl Allocator {
    /// Errors: a fixed database a Magento cache on that server already uses, one outside the
    /// server's `databases`, or no free database left.
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
        let count = model
            .redis
            .iter()
            .find(|s| s.port == request.redis.port && request.redis.socket.is_none() || s.unixsocket.is_some() && s.unixsocket == request.redis.socket)
            .map_or(16, |s| s.databases.max(1));
        let free = |taken: &BTreeSet<i64>| (0..count).find(|d| !taken.contains(d));
        match request.database {
            DatabaseChoice::Fixed(n) => {
                if n < 0 || n >= count {
                    return Err(MigrateError::Database(format!(
                        "--database {n}: the server has databases 0-{} (`databases {count}`)",
                        count - 1
                    )));
                }
                if caches.contains(&n) && !model.magento.is_empty() {
                    return Err(MigrateError::Database(format!(
                        "--database {n}: a Magento cache on {key} already uses database {n}, and `cache:flush` would log every customer out; choose another or `--database auto`"
                    )));
                }
                Ok(Allocator { php: n, magento: n })
            }
            DatabaseChoice::Auto => {
                let php = free(&used).ok_or_else(|| {
                    MigrateError::Database(format!("every database 0-{} of {key} is in use; pass --database N", count - 1))
                })?;
                let mut taken = used.clone();
                taken.insert(php);
                let magento = free(&taken).unwrap_or(php);
                Ok(Allocator { php, magento })
            }
        }
    }
}
