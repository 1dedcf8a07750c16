//! A change set: per file, the path as the model reads it, the SHA-256 of the bytes the
//! edits were made against, and the edits; and applying edits to bytes (sorted, overlaps skipped).

use std::path::{Path, PathBuf};

use crate::diagnostic::Edit;
use crate::span::Span;

/// What changes in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    /// The file as the model reads it (the path discovery reported; a symlink stays a
    /// symlink here, [`apply`](super::apply) replaces its target).
    pub path: PathBuf,
    /// The file written: `path`, or the regular file its symlinks lead to as the model
    /// resolves them (an absolute link target below the checked tree's root, as
    /// discovery read it; see [`ChangeSet::from_model`]). Symlinks still left in it are
    /// followed when applying; the link itself is never replaced.
    pub target: PathBuf,
    /// SHA-256 (64 lowercase hex digits) of the bytes `edits` were computed against;
    /// `None`: the file does not exist yet and is created.
    pub original_sha256: Option<String>,
    /// Sorted by position, none overlapping another, all in `original` coordinates.
    pub edits: Vec<Edit>,
}

/// Per file changes, in path order (at most one [`FileChange`] per path).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    pub files: Vec<FileChange>,
}

/// The result of [`apply_edits`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub text: Vec<u8>,
    /// The edits actually applied, sorted by position (a subset of the input).
    pub edits: Vec<Edit>,
    /// Edits left out because they overlap one taken before them (or reach past the end).
    pub skipped: usize,
}

/// `original` with `edits` applied: sorted by (start, end), an edit that overlaps one
/// already taken (two insertions at one offset count as overlapping, since their order
/// would be a guess) or that reaches past the end is skipped and counted; identical
/// duplicates are applied once and not counted; empty edits are dropped. Offsets are bytes.
pub fn apply_edits(original: &[u8], edits: &[Edit]) -> Applied {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span().start, e.span().end));
    let mut taken: Vec<Edit> = Vec::with_capacity(sorted.len());
    let mut skipped = 0;
    for e in sorted {
        if e.span().is_empty() && e.content().is_empty() {
            continue;
        }
        if e.span().end > original.len() || e.span().start > e.span().end {
            skipped += 1;
            continue;
        }
        if let Some(last) = taken.last() {
            if last.span() == e.span() && last.content() == e.content() {
                continue;
            }
            if overlaps(last.span(), e.span()) {
                skipped += 1;
                continue;
            }
        }
        taken.push(e.clone());
    }
    Applied { text: splice(original, &taken), edits: taken, skipped }
}

/// Whether two edits' spans cannot both be applied: they share a byte, or both insert at
/// the same offset (their order would be a guess). An insertion at a replacement's start
/// goes before it; one at its end, after it.
pub fn overlaps(a: Span, b: Span) -> bool {
    (a.is_empty() && b.is_empty() && a.start == b.start) || (a.start < b.end && b.start < a.end)
}

/// `original` with sorted, non-overlapping `edits` spliced in.
fn splice(original: &[u8], edits: &[Edit]) -> Vec<u8> {
    let grow: usize = edits.iter().map(|e| e.content().len()).sum();
    let mut out = Vec::with_capacity(original.len() + grow);
    let mut at = 0;
    for e in edits {
        out.extend_from_slice(&original[at..e.span().start]);
        out.extend_from_slice(e.content().as_bytes());
        at = e.span().end;
    }
    out.extend_from_slice(&original[at..]);
    out
}

/// Why a change cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("{path}: {count} edit(s) overlap another edit of the same file")]
    Overlapping { path: String, count: usize },
    #[error("{path}: an edit reaches past the end of the file")]
    OutOfBounds { path: String },
    #[error("{path}: the file changed since the plan was made (its SHA-256 is no longer {expected})")]
    Changed { path: String, expected: String },
    #[error("{path}: the file exists, but the plan creates it")]
    Exists { path: String },
    #[error("{path}: {reason}")]
    Outside { path: String, reason: String },
}

impl FileChange {
    /// The change `edits` make to the file at `path` whose bytes are `original`; edits of
    /// other files are ignored. Errors when an edit overlaps another (a planner's bug: the
    /// fix engine drops overlapping fixes before it gets here) or reaches past the end.
    pub fn new(path: impl Into<PathBuf>, original: &[u8], edits: Vec<Edit>) -> Result<FileChange, ChangeError> {
        let path = path.into();
        let edits: Vec<Edit> = edits.into_iter().filter(|e| e.path() == path).collect();
        let applied = apply_edits(original, &edits);
        if applied.skipped > 0 {
            let shown = crate::source::display_path(&path);
            if edits.iter().any(|e| e.span().end > original.len()) {
                return Err(ChangeError::OutOfBounds { path: shown });
            }
            return Err(ChangeError::Overlapping { path: shown, count: applied.skipped });
        }
        Ok(FileChange {
            target: path.clone(),
            path,
            original_sha256: Some(crate::sha256::hex_digest(original)),
            edits: applied.edits,
        })
    }

    /// A file that does not exist yet, with `content`; `secrets` are byte ranges of
    /// `content` that hold a password (the file is then created with mode 0640, and the
    /// preview masks them).
    pub fn create(path: impl Into<PathBuf>, content: impl Into<String>, secrets: Vec<Span>) -> FileChange {
        let path = path.into();
        let edit = Edit::insertion(path.clone(), 0, content).with_secrets(secrets);
        FileChange { target: path.clone(), path, original_sha256: None, edits: vec![edit] }
    }

    /// Whether the file is created rather than edited.
    pub fn creates(&self) -> bool {
        self.original_sha256.is_none()
    }

    /// Whether an edit writes a secret (its content has secret ranges).
    pub fn writes_secret(&self) -> bool {
        self.edits.iter().any(|e| !e.secrets().is_empty())
    }

    /// The new bytes, after checking that `current` is what the change was made against
    /// (`None`: the file does not exist).
    pub fn apply_to(&self, current: Option<&[u8]>) -> Result<Vec<u8>, ChangeError> {
        let shown = || crate::source::display_path(&self.path);
        match (&self.original_sha256, current) {
            (None, Some(_)) => return Err(ChangeError::Exists { path: shown() }),
            (Some(expected), None) => return Err(ChangeError::Changed { path: shown(), expected: expected.clone() }),
            (Some(expected), Some(bytes)) if &crate::sha256::hex_digest(bytes) != expected => {
                return Err(ChangeError::Changed { path: shown(), expected: expected.clone() })
            }
            _ => {}
        }
        let original = current.unwrap_or(b"");
        if self.edits.iter().any(|e| e.span().end > original.len()) {
            return Err(ChangeError::OutOfBounds { path: shown() });
        }
        let applied = apply_edits(original, &self.edits);
        if applied.skipped > 0 {
            return Err(ChangeError::Overlapping { path: shown(), count: applied.skipped });
        }
        Ok(applied.text)
    }
}

impl ChangeSet {
    /// Group `edits` by file, reading each file's original bytes with `original(path)`
    /// (`None`: the file does not exist and is created from the edits, which must then be
    /// insertions at 0). Errors as [`FileChange::new`].
    pub fn from_edits(
        edits: impl IntoIterator<Item = Edit>,
        original: impl Fn(&Path) -> Option<Vec<u8>>,
    ) -> Result<ChangeSet, ChangeError> {
        let mut by_path: std::collections::BTreeMap<PathBuf, Vec<Edit>> = Default::default();
        for e in edits {
            by_path.entry(e.path().to_path_buf()).or_default().push(e);
        }
        let mut files = Vec::with_capacity(by_path.len());
        for (path, edits) in by_path {
            match original(&path) {
                Some(bytes) => files.push(FileChange::new(path, &bytes, edits)?),
                None => {
                    let mut change = FileChange::new(path, b"", edits)?;
                    change.original_sha256 = None;
                    files.push(change);
                }
            }
        }
        Ok(ChangeSet { files })
    }

    /// Group `edits` (made on `model`'s files) by file: each file's original bytes are the
    /// model's (hence its hash), its target where the model read it from (symlinks
    /// resolved below the root, inside the checked tree). A path the model does not hold
    /// is a file to create; it must not exist and its directory must be inside the tree.
    /// Errors as [`FileChange::new`], or [`ChangeError::Outside`].
    pub fn from_model(
        model: &crate::model::Model,
        edits: impl IntoIterator<Item = Edit>,
    ) -> Result<ChangeSet, ChangeError> {
        let mut set = ChangeSet::from_edits(edits, |p| {
            model.files.iter().find(|f| f.source.path == p).map(|f| f.source.bytes.to_vec())
        })?;
        for f in &mut set.files {
            f.target = target_in(model, &f.path, f.creates())?;
        }
        set.files = once_per_file(model, std::mem::take(&mut set.files));
        Ok(set)
    }

    /// Refuse the set when a file it writes is not below one of `dirs` (after symlinks and
    /// `..`; a file to create: its directory): a plan read from disk is applied only to the
    /// tree it is applied to. Call before [`super::apply::apply`].
    pub fn confine_to(&self, dirs: &[PathBuf]) -> Result<(), ChangeError> {
        let allowed: Vec<PathBuf> = dirs.iter().filter_map(|d| std::fs::canonicalize(d).ok()).collect();
        for f in &self.files {
            let real = match std::fs::canonicalize(&f.target) {
                Ok(p) => p,
                Err(_) if f.creates() => {
                    let dir = f.target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
                    std::fs::canonicalize(dir).unwrap_or_else(|_| f.target.clone())
                }
                Err(_) => f.target.clone(),
            };
            if !allowed.iter().any(|a| real.starts_with(a)) {
                return Err(ChangeError::Outside {
                    path: crate::source::display_path(&f.path),
                    reason: format!("{} is outside the checked paths", crate::source::display_path(&real)),
                });
            }
        }
        Ok(())
    }

    /// A plan read from disk, checked against the model of the tree it is applied to: each
    /// file it edits must be one `model` reads (a file it creates: in a directory `model`
    /// reads files from), never inside `.git`, and its `target` must be where that path
    /// leads as [`ChangeSet::from_model`] resolves it. Returns the set with each path and
    /// target as the model has them, so what is written is what is reported.
    pub fn confine_to_model(&self, model: &crate::model::Model) -> Result<ChangeSet, ChangeError> {
        use crate::confine::lexical_absolute;
        let canonical = |p: &Path| std::fs::canonicalize(p).ok();
        let mut out = self.clone();
        for f in &mut out.files {
            let outside = |reason: String| ChangeError::Outside { path: crate::source::display_path(&f.path), reason };
            if [&f.path, &f.target].iter().any(|p| p.components().any(|c| c.as_os_str() == ".git")) {
                return Err(outside("sesslint never writes inside .git".to_owned()));
            }
            let abs = lexical_absolute(&f.path);
            let (path, target) = if f.creates() {
                let dir = abs.parent().and_then(canonical);
                let read_here =
                    dir.is_some() && model.files.iter().any(|m| m.source.path.parent().and_then(canonical) == dir);
                if !read_here {
                    return Err(outside(
                        "the plan creates a file in a directory the checked tree reads no config from".to_owned(),
                    ));
                }
                let path = f.path.clone();
                (path.clone(), target_in(model, &path, true)?)
            } else {
                let found = model
                    .files
                    .iter()
                    .find(|m| lexical_absolute(&m.source.path) == abs)
                    .or_else(|| {
                        let c = canonical(&abs)?;
                        model.files.iter().find(|m| canonical(&m.source.path).as_ref() == Some(&c))
                    })
                    .ok_or_else(|| outside("not a config file of the checked tree".to_owned()))?;
                let path = found.source.path.clone();
                (path.clone(), target_in(model, &path, false)?)
            };
            let planned = if f.creates() {
                f.target.parent().and_then(canonical).zip(f.target.file_name()).map(|(d, n)| d.join(n))
            } else {
                canonical(&f.target)
            };
            if planned.as_deref() != Some(target.as_path()) {
                return Err(outside(format!(
                    "the plan writes {}, but this path leads to {}",
                    crate::source::display_path(&f.target),
                    crate::source::display_path(&target)
                )));
            }
            for e in &mut f.edits {
                *e = Edit::replacement(path.clone(), e.span(), e.content().to_owned())
                    .with_secrets(e.secrets().iter().copied());
            }
            f.path = path;
            f.target = target;
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        self.files.iter().all(|f| f.edits.is_empty())
    }

    /// The change of the file at `path`, if any.
    pub fn file(&self, path: &Path) -> Option<&FileChange> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// `files` with a change made twice to one file (reached by the walk and through a
/// symlink, so the model holds it under both paths) kept once, under the path that is the
/// file itself: the same bytes written once, one hunk in `--diff`. Changes that differ
/// stay, for [`super::apply`] to refuse.
pub(super) fn once_per_file(model: &crate::model::Model, files: Vec<FileChange>) -> Vec<FileChange> {
    let real = |f: &FileChange| std::fs::canonicalize(&f.target).unwrap_or_else(|_| f.target.clone());
    let new_bytes = |f: &FileChange| {
        let original = model.files.iter().find(|m| m.source.path == f.path).map(|m| m.source.bytes.to_vec());
        f.apply_to(original.as_deref()).ok()
    };
    let is_link = |f: &FileChange| std::fs::symlink_metadata(&f.path).is_ok_and(|m| m.file_type().is_symlink());
    let mut kept: Vec<(PathBuf, FileChange)> = Vec::with_capacity(files.len());
    for f in files {
        let at = real(&f);
        let same = kept.iter().position(|(t, k)| {
            *t == at && !f.creates() && k.original_sha256 == f.original_sha256 && new_bytes(k) == new_bytes(&f)
        });
        match same {
            Some(i) if is_link(&kept[i].1) && !is_link(&f) => kept[i] = (at, f),
            Some(_) => {}
            None => kept.push((at, f)),
        }
    }
    kept.into_iter().map(|(_, f)| f).collect()
}

/// Where the file `path` of `model` really is: resolved as the model's machine's kernel
/// would, chrooted at the root (the fleet host's tree in a fleet): every component's
/// symlink followed, absolute targets below the root, `..` never above it
/// ([`crate::confine::resolve_under_root`], as the read of that file did), and the result
/// inside the checked tree. For a file to create (`creates`), its directory must be inside
/// the tree.
pub fn target_in(model: &crate::model::Model, path: &Path, creates: bool) -> Result<PathBuf, ChangeError> {
    let root = model.host_of_path(path).map_or(model.root.as_path(), |h| model.host(h).root.as_path());
    let resolve = |p: &Path| match root == Path::new("/") {
        true => p.to_path_buf(),
        false => crate::confine::resolve_under_root(p, root),
    };
    let outside = |reason: String| ChangeError::Outside { path: crate::source::display_path(path), reason };
    let followed = resolve(path);
    if creates {
        let dir = followed.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let dir = model.confinement.resolve(dir).map_err(|e| outside(e.to_string()))?;
        let name = followed.file_name().ok_or_else(|| outside("no file name".to_owned()))?;
        return Ok(dir.join(name));
    }
    model.confinement.resolve(&followed).map_err(|e| outside(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_skips_overlaps_and_applies_duplicates_once() {
        let text = b"abcdef";
        let edits = [
            Edit::replacement("f", Span::new(4, 6), "XY"),
            Edit::insertion("f", 0, "<"),
            Edit::replacement("f", Span::new(1, 3), "-"),
            Edit::replacement("f", Span::new(2, 5), "clash"),
            Edit::insertion("f", 0, "<"),
            Edit::insertion("f", 9, "past the end"),
        ];
        let applied = apply_edits(text, &edits);
        assert_eq!(applied.text, b"<a-dXY");
        assert_eq!(applied.skipped, 2);
        assert_eq!(applied.edits.len(), 3);
    }

    #[test]
    fn a_change_refuses_other_bytes_than_its_own() {
        let change = FileChange::new("f", b"a = 1\n", vec![Edit::replacement("f", Span::new(4, 5), "2")]).unwrap();
        assert_eq!(change.apply_to(Some(b"a = 1\n")).unwrap(), b"a = 2\n");
        assert!(matches!(change.apply_to(Some(b"a = 3\n")), Err(ChangeError::Changed { .. })));
        assert!(matches!(change.apply_to(None), Err(ChangeError::Changed { .. })));
        let new = FileChange::create("g", "pw = x\n", vec![Span::new(5, 6)]);
        assert!(new.creates() && new.writes_secret());
        assert_eq!(new.apply_to(None).unwrap(), b"pw = x\n");
        assert!(matches!(new.apply_to(Some(b"")), Err(ChangeError::Exists { .. })));
    }
}
