//! Which of a whole tree's findings a run naming files reports (a pre-commit hook's staged
//! files): those whose places touch the files, and those at settings the files' pools inherit.

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::model::Model;

/// A given file as `keep_touching` compares others with it: its (device, inode), its path as
/// given, and its resolved path once asked.
type Wanted<'a> = ((u64, u64), &'a Path, std::cell::OnceCell<Option<PathBuf>>);

/// Keep the findings of `found` that concern one of `files` (paths as given on the command
/// line, compared after symlinks are resolved): the primary or a related place is in such
/// a file, or the primary place is a setting a php-fpm pool declared in such a file runs
/// with but does not set itself (`session.use_strict_mode` of the FPM php.ini the pool
/// `[blog]` inherits: staging `pool.d/blog.conf` shows it, since the pool can override it),
/// or it names a file the run left unparsed past its budget of bytes (SL002, an error):
/// such a file may change the named files' findings (a conf.d file setting the handler), so
/// the run must not pass on them. A path spelled as given needs no system call; any other is first compared by device and
/// inode (one `stat`), and resolved (`realpath`) only when those match a given file's (the
/// given file then too, once).
pub fn keep_touching(model: &Model, found: &mut Vec<Diagnostic>, files: &[PathBuf]) {
    let named: HashSet<&Path> = files.iter().map(|p| spelling(p)).collect();
    let inode = |p: &Path| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    // A given file's resolved path is asked only when another path has its inode (a hard
    // link, a symlink to it): the hook's run never needs one.
    let wanted: Vec<Wanted<'_>> =
        files.iter().filter_map(|p| Some((inode(p)?, p.as_path(), std::cell::OnceCell::new()))).collect();
    let mut seen: HashMap<PathBuf, bool> = HashMap::new();
    let mut touches = |p: &Path| -> bool {
        if named.contains(spelling(p)) {
            return true;
        }
        if let Some(&t) = seen.get(p) {
            return t;
        }
        let t = inode(p).is_some_and(|i| {
            let same_inode = || wanted.iter().filter(move |(w, _, _)| *w == i);
            same_inode().next().is_some()
                && std::fs::canonicalize(p).is_ok_and(|c| {
                    same_inode().any(|(_, w, resolved)| {
                        resolved.get_or_init(|| std::fs::canonicalize(w).ok()).as_ref() == Some(&c)
                    })
                })
        });
        seen.insert(p.to_path_buf(), t);
        t
    };
    keep_concerning(model, found, &mut touches);
}

/// `path` without a leading `./`: the same file from the same directory, spelled as a
/// pre-commit hook names it (`etc/x`, where the model, reading `.`, has `./etc/x`).
fn spelling(path: &Path) -> &Path {
    path.strip_prefix(".").unwrap_or(path)
}

/// [`keep_touching`] with the test of whether a path is one of the files given: for a
/// buffer checked as a file (`check --stdin-filename`), the path the buffer stands at.
pub fn keep_concerning(model: &Model, found: &mut Vec<Diagnostic>, touches: &mut impl FnMut(&Path) -> bool) {
    let inherited = model.settings_inherited_by_pools(|f| touches(model.path(f)));
    let is_inherited =
        |d: &Diagnostic| model.file_id(&d.primary.path).is_some_and(|f| inherited.contains(&(f, d.primary.span)));
    // Which file past the budget could change the named files' findings is not tracked:
    // every one of them is kept (only files discovery kept for the named files are read).
    let unparsed: HashSet<&Path> = model.over_budget.iter().map(|u| u.path.as_path()).collect();
    let is_unparsed =
        |d: &Diagnostic| d.code == crate::codes::Code::UnreadableFile && unparsed.contains(d.primary.path.as_path());
    found.retain(|d| {
        touches(&d.primary.path)
            || d.related.iter().any(|r| touches(&r.path))
            || (!inherited.is_empty() && is_inherited(d))
            || (!unparsed.is_empty() && is_unparsed(d))
    });
}
