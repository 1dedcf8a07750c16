//! The files `include` lines read, read and parsed once per run: every server of a fleet
//! that includes the same fragments shares one read and one tree of them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::RedisConf;

/// What reading one `include` line's files gave, in the order redis-server reads them.
/// Depends only on the files (their physical paths below one root), not on the server that
/// includes them, so every loader of a run shares it.
#[derive(Debug)]
pub(super) struct Included {
    /// Length in bytes of each file read, in order (a prefix of the matches when reading
    /// stopped).
    pub lens: Vec<usize>,
    /// The error that stopped reading after `lens` (a file that cannot be opened), worded
    /// as the include line's error.
    pub failure: Option<String>,
    /// The files concatenated and parsed; `None` when reading stopped (a failure, or past
    /// [`super::load::MAX_INCLUDED_BYTES`], which no top file may include anyway).
    pub tree: Option<Arc<RedisConf>>,
}

/// Key: the root absolute paths resolve below, and the physical path of each file the
/// include line names (glob matches in order).
type Key = (Option<PathBuf>, Vec<PathBuf>);

/// The run's reads through `include`, shared by every clone of a [`super::Loader`]
/// (`Arc`). A file is assumed not to change during one run.
#[derive(Debug, Default)]
pub struct IncludeCache {
    entries: Mutex<HashMap<Key, Arc<OnceLock<Arc<Included>>>>>,
    /// Files read from disk through `include` (each counted once per read).
    reads: AtomicUsize,
    /// Bytes of text the kept entries hold.
    held: AtomicUsize,
}

/// Text the cache keeps at most (bytes), the trees of it besides: four top files' worth of
/// includes ([`super::load::MAX_INCLUDED_BYTES`] each).
pub const MAX_HELD_BYTES: usize = 4 * super::load::MAX_INCLUDED_BYTES;

impl IncludeCache {
    /// Files this run read through `include` lines, all loaders together: with the cache,
    /// each distinct file (or glob's list of files) once, however many servers include it.
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::Relaxed)
    }

    /// Count one file read from disk.
    pub(super) fn count_read(&self) {
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    /// The entry of `key`, made by `read` the first time (other threads asking for the
    /// same key meanwhile wait for it rather than read it again).
    ///
    /// Past [`MAX_HELD_BYTES`] of kept text a new key is read for its caller alone and not
    /// kept: memory stays bounded when a run's includes are many and all different.
    pub(super) fn get_or_read(&self, key: Key, read: impl FnOnce() -> Included) -> Arc<Included> {
        let cell = {
            // A poisoned lock only means another thread panicked while inserting: the map
            // itself is still whole.
            let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            match map.get(&key) {
                Some(cell) => cell.clone(),
                None if self.held.load(Ordering::Relaxed) >= MAX_HELD_BYTES => return Arc::new(read()),
                None => map.entry(key).or_default().clone(),
            }
        };
        cell.get_or_init(|| {
            let found = read();
            let len = found.tree.as_ref().map_or(0, |t| t.text().len());
            self.held.fetch_add(len, Ordering::Relaxed);
            Arc::new(found)
        })
        .clone()
    }
}
