//! Files of one build whose role and bytes are equal (a fleet's hosts are copies of a few
//! images) parsed once: the later ones share the first one's `LoadedFile`, trees and all.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, OnceLock};

use crate::discover::Role;
use crate::model::LoadedFile;
use crate::source::Source;

/// Source bytes of the files kept for sharing, at most (the sum of their lengths). A fleet
/// image (php.ini, conf.d, pools, redis.conf) is a few hundred KB, so this keeps dozens of
/// images; it bounds the trees the build holds past their group (a tree is 2 to 50 times
/// its bytes) when `check` releases each group's trees.
pub(super) const KEPT_BYTES: usize = 8 << 20;

/// A file longer than this is never kept: configs copied across a fleet are far smaller,
/// and one large tree would take the whole budget.
pub(super) const KEPT_FILE_BYTES: usize = 1 << 20;

/// What the build knows of a (role, hash of the bytes).
enum Slot {
    /// Met once: its parse is not kept (most files of an all-unique fleet stay here).
    Seen,
    /// Met again: the first file parsed into the cell is shared by the later ones whose
    /// bytes equal its own; threads meeting it while it is parsed wait for it.
    Kept(Arc<OnceLock<LoadedFile>>),
}

/// The files parsed in one build, by role and content, to parse each content once.
///
/// A `LoadedFile` as `read::parse_file` makes it is a function of the role and the bytes
/// only (every parser and pass over the tree gets the bytes, none the path; messages quote
/// the bytes, never the path); what depends on the path (`source.path`, `mode`, include
/// problems found while lowering) is set on each copy afterwards. Only contents met twice
/// are kept (an all-unique fleet keeps 16 bytes a file), within [`KEPT_BYTES`]; a hit
/// compares the bytes, so a hash collision costs a parse, never a wrong file.
/// `SESSLINT_SAME_BYTES=0` turns the sharing off (to compare outputs with and without it).
///
/// One lives for one build and is dropped when it returns: the kept trees outlive their
/// group of hosts (a report-only `check` drops the model's copies group by group) only
/// until then, and [`crate::model::Model::release_trees`] afterwards frees every tree. The
/// language server's `ParseCache` (by path, across builds) is asked first.
pub(crate) struct SameBytes {
    on: bool,
    hasher: foldhash::quality::RandomState,
    slots: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    by_key: HashMap<(Role, u64), Slot, foldhash::fast::RandomState>,
    bytes: usize,
}

impl SameBytes {
    /// An empty set for one build; off when `SESSLINT_SAME_BYTES` is `0`.
    pub(crate) fn new() -> Self {
        let on = std::env::var_os("SESSLINT_SAME_BYTES").is_none_or(|v| v != "0");
        SameBytes { on, hasher: Default::default(), slots: Mutex::new(Kept::default()) }
    }

    /// The file of `role` read from `path` with `bytes`: a copy of an earlier file of equal
    /// role and bytes with `path` as its own (its `mode` is the caller's to set), else
    /// `parse(source, role, kept)`, `kept` true when the file is parsed to be shared with
    /// the later copies (work left for later in it would be done again by each copy).
    pub(crate) fn parse(
        &self,
        path: std::path::PathBuf,
        bytes: impl Into<Arc<[u8]>>,
        role: Role,
        parse: impl Fn(Source, Role, bool) -> LoadedFile,
    ) -> LoadedFile {
        let bytes: Arc<[u8]> = bytes.into();
        let Some(cell) = self.cell(&bytes, role) else {
            return parse(Source::new(path, bytes), role, false);
        };
        // Whether this call parsed the cell's file (else another call did, maybe on another
        // thread while this one waited).
        let mut ours = false;
        let shared = cell.get_or_init(|| {
            ours = true;
            parse(Source::new(path.clone(), Arc::clone(&bytes)), role, true)
        });
        if !ours && shared.source.bytes[..] != bytes[..] {
            // Another content under the same hash: parsed on its own, never shared.
            return parse(Source::new(path, bytes), role, false);
        }
        let mut file = shared.clone();
        if !ours {
            // The shared bytes (the tree's) and line index, our path.
            file.source = shared.source.copy_at(path);
        }
        file
    }

    /// The cell that holds (or will hold) the parse of `bytes` as `role` when this content
    /// is met for the second time or more and fits the budget; `None`: parse it unshared.
    fn cell(&self, bytes: &[u8], role: Role) -> Option<Arc<OnceLock<LoadedFile>>> {
        if !self.on || bytes.len() > KEPT_FILE_BYTES {
            return None;
        }
        let key = (role, self.hasher.hash_one(bytes));
        let mut kept = match self.slots.lock() {
            Ok(k) => k,
            Err(poisoned) => poisoned.into_inner(),
        };
        let kept = &mut *kept;
        match kept.by_key.entry(key) {
            Entry::Vacant(v) => {
                v.insert(Slot::Seen);
                None
            }
            Entry::Occupied(mut o) => match o.get() {
                Slot::Kept(cell) => Some(Arc::clone(cell)),
                Slot::Seen if kept.bytes + bytes.len() <= KEPT_BYTES => {
                    kept.bytes += bytes.len();
                    let cell = Arc::new(OnceLock::new());
                    o.insert(Slot::Kept(Arc::clone(&cell)));
                    Some(cell)
                }
                Slot::Seen => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn parse_counted(parses: &AtomicUsize) -> impl Fn(Source, Role, bool) -> LoadedFile + '_ {
        move |source, role, _| {
            parses.fetch_add(1, Ordering::Relaxed);
            super::super::read::parse_file(source, role).0
        }
    }

    #[test]
    fn a_content_is_parsed_twice_at_most_and_shared_with_each_path() {
        let same = SameBytes { on: true, hasher: Default::default(), slots: Default::default() };
        let parses = AtomicUsize::new(0);
        let ini = b"session.save_path = \"tcp://h:6379?auth=secret-pw\"\n".to_vec();
        let files: Vec<LoadedFile> = (0..5)
            .map(|i| same.parse(format!("/f/h{i}/php.ini").into(), ini.clone(), Role::PhpIni, parse_counted(&parses)))
            .collect();
        assert_eq!(parses.load(Ordering::Relaxed), 2, "the first two meetings parse, the rest share");
        for (i, f) in files.iter().enumerate() {
            assert_eq!(f.source.path, std::path::Path::new(&format!("/f/h{i}/php.ini")));
            assert_eq!(&f.source.bytes[..], &ini[..]);
            assert_eq!(f.secrets(), files[0].secrets());
            assert!(!f.secrets().is_empty(), "the password is located in every copy");
        }
        let tree = |f: &LoadedFile| f.tree.ini().map(|d| d as *const _).expect("an ini tree");
        assert!(std::ptr::eq(tree(&files[1]), tree(&files[4])), "one tree for the shared copies");
        assert!(Arc::ptr_eq(&files[2].source.bytes, &files[3].source.bytes), "one copy of the bytes");
        // One line index for the shared copies (from the second on), built by the first that asks.
        assert!((2..5).all(|i| files[i].source.shares_lines_with(&files[1].source)), "one line index");
        assert!(!files[0].source.shares_lines_with(&files[1].source), "the first meeting was not kept");
        assert_eq!(files[4].source.line_of(ini.len() - 1), 1);
        // Another role, the same bytes: parsed on its own.
        let pool = same.parse("/f/h0/pool.conf".into(), ini.clone(), Role::FpmPool, parse_counted(&parses));
        assert_eq!(pool.role, Role::FpmPool);
        assert_eq!(parses.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn a_hash_collision_is_parsed_on_its_own() {
        // Every content under one key, as if the hasher collided.
        let same = SameBytes { on: true, hasher: Default::default(), slots: Default::default() };
        let parses = AtomicUsize::new(0);
        let a = b"[PHP]\nsession.save_handler = files\n".to_vec();
        let b = b"[PHP]\nsession.save_handler = redis\n".to_vec();
        let cell = Arc::new(OnceLock::new());
        let key = |bytes: &[u8]| (Role::PhpIni, same.hasher.hash_one(bytes));
        {
            let mut kept = same.slots.lock().expect("unpoisoned");
            kept.by_key.insert(key(&a), Slot::Kept(Arc::clone(&cell)));
            kept.by_key.insert(key(&b), Slot::Kept(Arc::clone(&cell)));
        }
        let fa = same.parse("/a.ini".into(), a.clone(), Role::PhpIni, parse_counted(&parses));
        let fb = same.parse("/b.ini".into(), b.clone(), Role::PhpIni, parse_counted(&parses));
        assert_eq!(&fa.source.bytes[..], &a[..]);
        assert_eq!(&fb.source.bytes[..], &b[..], "b's own bytes, not a's");
        assert_eq!(parses.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn what_is_kept_stays_within_its_byte_budget_and_large_files_are_never_kept() {
        let same = SameBytes { on: true, hasher: Default::default(), slots: Default::default() };
        let parses = AtomicUsize::new(0);
        let big = vec![b'#'; KEPT_FILE_BYTES + 1];
        for _ in 0..3 {
            same.parse("/big.conf".into(), big.clone(), Role::RedisConf, parse_counted(&parses));
        }
        assert_eq!(parses.load(Ordering::Relaxed), 3, "a file over KEPT_FILE_BYTES is never kept");
        // Contents of KEPT_FILE_BYTES each, met twice: only KEPT_BYTES of them are kept.
        let n = KEPT_BYTES / KEPT_FILE_BYTES + 2;
        for i in 0..n {
            let mut text = vec![b'#'; KEPT_FILE_BYTES];
            text[0..8].copy_from_slice(&(i as u64).to_le_bytes());
            text[8] = b'\n';
            for _ in 0..2 {
                same.parse("/r.conf".into(), text.clone(), Role::RedisConf, parse_counted(&parses));
            }
        }
        let kept = same.slots.lock().expect("unpoisoned");
        assert!(kept.bytes <= KEPT_BYTES, "{}", kept.bytes);
        let cells = kept.by_key.values().filter(|s| matches!(s, Slot::Kept(_))).count();
        assert_eq!(cells, KEPT_BYTES / KEPT_FILE_BYTES);
    }

    #[test]
    fn threads_meeting_one_content_at_once_share_one_parse() {
        let same = SameBytes { on: true, hasher: Default::default(), slots: Default::default() };
        let parses = AtomicUsize::new(0);
        let conf = b"port 6379\nrequirepass a-long-enough-password\n".repeat(2000);
        // Met once before: every thread below meets it kept.
        same.parse("/0.conf".into(), conf.clone(), Role::RedisConf, parse_counted(&parses));
        std::thread::scope(|s| {
            for t in 0..4 {
                let (same, parses, conf) = (&same, &parses, &conf);
                s.spawn(move || {
                    let f =
                        same.parse(format!("/{t}.conf").into(), conf.clone(), Role::RedisConf, parse_counted(parses));
                    assert_eq!(f.secrets().len(), 2000);
                });
            }
        });
        assert_eq!(parses.load(Ordering::Relaxed), 2);
    }
}
