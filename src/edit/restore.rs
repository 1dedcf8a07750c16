//! The restore manifest an apply writes (`.sesslint/restore.json` in the checked tree) and
//! `sesslint restore`: every file of the last apply back to its backup, created files removed.
//! Backups are read from `.sesslint/backups/STAMP/` or, for manifests of sesslint 0.1.0,
//! from `NAME.sesslint-STAMP.bak` beside the file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::apply::{fill, temp_file_name, write_atomically};
use super::at::Dir;

/// The manifest's path below the directory [`super::apply::ApplyOptions::manifest_dir`]: in
/// the hidden `.sesslint/` directory, since stunnel's `include = DIR` reads every regular
/// file of DIR, hidden ones too.
pub const MANIFEST_NAME: &str = ".sesslint/restore.json";

/// Where sesslint 0.1.0 wrote the manifest; read when there is no [`MANIFEST_NAME`].
pub const LEGACY_MANIFEST_NAME: &str = ".sesslint-restore.json";

const MANIFEST_FORMAT: &str = "sesslint-restore/1";

/// The files one apply replaced, written before the first of them is replaced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub entries: Vec<ManifestEntry>,
}

/// One file an apply replaces or creates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The file replaced (absolute; a symlink's target).
    pub target: PathBuf,
    /// The original's copy; `None`: the apply creates the file, restoring removes it.
    pub backup: Option<PathBuf>,
    /// SHA-256 of the bytes the apply writes.
    pub new_sha256: String,
    /// SHA-256 of the original (`None` for a created file).
    pub old_sha256: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct ManifestFile {
    format: String,
    entries: Vec<ManifestEntry>,
}

impl Manifest {
    /// Write it atomically with mode 0600 (it names where the backups are).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let doc = ManifestFile { format: MANIFEST_FORMAT.to_owned(), entries: self.entries.clone() };
        let mut text = serde_json::to_vec_pretty(&doc).map_err(std::io::Error::other)?;
        text.push(b'\n');
        write_atomically(path, &text, 0o600)
    }

    /// Read the manifest `path` (never through a symlink, at most [`super::plan::MAX_PLAN_SIZE`]
    /// bytes). Its entries are not checked here: [`restore`] confines them.
    pub fn read(path: &Path) -> Result<Manifest, RestoreError> {
        use std::io::Read;
        let shown = || crate::source::display_path(path);
        let io = |source| RestoreError::Io { path: shown(), source };
        let (dir, name) = super::at::split(path).map_err(io)?;
        let file = Dir::open(dir).and_then(|d| d.open_file(name)).map_err(io)?;
        let mut bytes = Vec::new();
        file.take(super::plan::MAX_PLAN_SIZE + 1).read_to_end(&mut bytes).map_err(io)?;
        if bytes.len() as u64 > super::plan::MAX_PLAN_SIZE {
            return Err(RestoreError::Invalid { path: shown(), reason: "too large".to_owned() });
        }
        let doc: ManifestFile = serde_json::from_slice(&bytes)
            .map_err(|e| RestoreError::Invalid { path: shown(), reason: e.to_string() })?;
        if doc.format != MANIFEST_FORMAT {
            return Err(RestoreError::Invalid { path: shown(), reason: format!("format is not {MANIFEST_FORMAT}") });
        }
        Ok(Manifest { entries: doc.entries })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not a sesslint restore manifest: {reason}")]
    Invalid { path: String, reason: String },
    /// Nothing was restored: a file changed after the apply (restoring would lose that change).
    #[error("{path} changed after sesslint wrote it; nothing was restored (its backup: {backup})")]
    ChangedSince { path: String, backup: String },
    /// Nothing was restored: an entry names a file restore may not touch.
    #[error("{manifest}: refused, nothing was restored: {reason}")]
    Refused { manifest: String, reason: String },
    /// No manifest in the directory: no `check --fix` or `migrate --apply` wrote there.
    #[error("nothing to restore in {dir}: no {MANIFEST_NAME} (no `check --fix` or `migrate --apply` ran here)")]
    NothingToRestore { dir: String },
}

/// What restoring did to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Restored {
    /// The backup's bytes are back in `target`.
    Restored { target: PathBuf, backup: PathBuf },
    /// A file the apply created was removed.
    Removed { target: PathBuf },
    /// Already as before the apply (the apply was killed before replacing it).
    Unchanged { target: PathBuf },
}

/// Restore the last apply whose manifest is in `dir`: first every file is checked (each
/// must hold what the apply wrote, or still the original), then each backup's bytes go
/// back atomically (temporary file, fsync, rename, fsync of the directory) with the
/// backup's mode, owner and labels; files the apply created are removed. The backups and
/// the manifest stay, so restoring twice is harmless.
pub fn restore(dir: &Path) -> Result<Vec<Restored>, RestoreError> {
    let manifest_path = match std::fs::symlink_metadata(dir.join(MANIFEST_NAME)) {
        Ok(_) => dir.join(MANIFEST_NAME),
        Err(_) if std::fs::symlink_metadata(dir.join(LEGACY_MANIFEST_NAME)).is_ok() => dir.join(LEGACY_MANIFEST_NAME),
        Err(_) => return Err(RestoreError::NothingToRestore { dir: crate::source::display_path(dir) }),
    };
    let manifest = Manifest::read(&manifest_path)?;
    let root = std::fs::canonicalize(dir)
        .map_err(|source| RestoreError::Io { path: crate::source::display_path(dir), source })?;
    let mut plan = Vec::with_capacity(manifest.entries.len());
    for e in &manifest.entries {
        let (dir, name, backup_dir) = confined(e, &root).map_err(|reason| RestoreError::Refused {
            manifest: crate::source::display_path(&manifest_path),
            reason: crate::source::printable(&reason).into_owned(),
        })?;
        let now = match dir.open_file(&name) {
            Ok(mut f) => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut bytes)
                    .map_err(|source| RestoreError::Io { path: crate::source::display_path(&e.target), source })?;
                Some(crate::sha256::hex_digest(&bytes))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(RestoreError::Io { path: crate::source::display_path(&e.target), source }),
        };
        // A backup that is a symlink or not a regular file is refused here, before any file
        // is put back, not halfway through the restore.
        if let (Some(b), Some(bdir)) = (&e.backup, &backup_dir) {
            let regular = super::at::split(b)
                .and_then(|(_, n)| bdir.open_file(n))
                .and_then(|f| f.metadata())
                .is_ok_and(|m| m.is_file());
            if !regular && now.as_deref() != e.old_sha256.as_deref() {
                return Err(RestoreError::Refused {
                    manifest: crate::source::display_path(&manifest_path),
                    reason: format!(
                        "the backup {} is not a regular file sesslint can open (a symlink is never followed)",
                        crate::source::display_path(b)
                    ),
                });
            }
        }
        let done = now == e.old_sha256;
        if !done && now.as_deref() != Some(e.new_sha256.as_str()) {
            return Err(RestoreError::ChangedSince {
                path: crate::source::display_path(&e.target),
                backup: e
                    .backup
                    .as_deref()
                    .map_or("none, the file was created".to_owned(), crate::source::display_path),
            });
        }
        plan.push((e, done, dir, name, backup_dir));
    }
    let mut out = Vec::with_capacity(plan.len());
    for (e, done, dir, name, backup_dir) in plan {
        if done {
            remove_leftovers(&dir, &name);
            out.push(Restored::Unchanged { target: e.target.clone() });
            continue;
        }
        restore_in(e, &dir, &name, backup_dir.as_ref())
            .map_err(|source| RestoreError::Io { path: crate::source::display_path(&e.target), source })?;
        remove_leftovers(&dir, &name);
        out.push(match &e.backup {
            Some(b) => Restored::Restored { target: e.target.clone(), backup: b.clone() },
            None => Restored::Removed { target: e.target.clone() },
        });
    }
    remove_staged_leftovers(&root);
    Ok(out)
}

/// Temporary files a killed apply left in `.sesslint/tmp/` (where it writes them when that
/// is on the target's file system); opened without following a symlink.
fn remove_staged_leftovers(root: &Path) {
    let staging = Dir::open(root)
        .and_then(|d| d.subdir(std::ffi::OsStr::new(".sesslint"), false))
        .and_then(|d| d.subdir(std::ffi::OsStr::new("tmp"), false));
    let Ok(staging) = staging else { return };
    for name in staging.names().unwrap_or_default() {
        let n = name.to_string_lossy();
        if n.starts_with('.') && n.contains(".sesslint-tmp-") {
            let _ = staging.remove(&name);
        }
    }
}

/// The manifest comes from the tree, which a hostile repository controls: an entry is
/// followed only when its target's directory is, after symlinks and `..`, below `root`
/// (the directory given to restore), outside `.git`, and its backup is the same path below
/// `root/.sesslint/backups/STAMP/` (or, as sesslint 0.1.0 wrote them, `NAME.sesslint-*.bak`
/// beside the target). Returns the target's opened directory and name, and the backup's
/// opened directory.
fn confined(e: &ManifestEntry, root: &Path) -> Result<(Dir, std::ffi::OsString, Option<Dir>), String> {
    let shown = crate::source::display_path(&e.target);
    if !e.target.is_absolute() {
        return Err(format!("{shown} is not an absolute path"));
    }
    let (dir, name) = super::at::split(&e.target).map_err(|err| format!("{shown}: {err}"))?;
    let dir = Dir::open(dir).map_err(|err| format!("{shown}: {err}"))?;
    let Ok(rel) = dir.path().strip_prefix(root) else {
        return Err(format!("{shown} is outside {}", crate::source::display_path(root)));
    };
    if rel.components().any(|c| c.as_os_str() == ".git") || name == ".git" {
        return Err(format!("{shown} is inside .git"));
    }
    if name == LEGACY_MANIFEST_NAME
        || rel.starts_with(".sesslint")
        || (rel.as_os_str().is_empty() && name == ".sesslint")
    {
        return Err(format!("{shown} is the restore manifest or a backup itself"));
    }
    let Some(b) = &e.backup else { return Ok((dir, name.to_os_string(), None)) };
    let shown_b = crate::source::display_path(b);
    // sesslint 0.1.0: `NAME.sesslint-STAMP.bak` beside the target.
    let prefix = format!("{}.sesslint-", name.to_string_lossy());
    let beside = b.parent() == e.target.parent()
        && b.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            n.strip_prefix(&prefix).and_then(|r| r.strip_suffix(".bak")).is_some_and(|stamp| !stamp.is_empty())
        })
        && name.to_str().is_some();
    if beside {
        let again = Dir::open(dir.path()).map_err(|err| format!("{shown}: {err}"))?;
        return Ok((dir, name.to_os_string(), Some(again)));
    }
    let refused = || {
        format!(
            "the backup {shown_b} is neither {}/STAMP/{} nor {}.sesslint-*.bak beside {shown}",
            crate::source::display_path(&root.join(super::apply::BACKUP_DIR)),
            crate::source::display_path(&rel.join(name)),
            name.to_string_lossy()
        )
    };
    if b.file_name() != Some(name) {
        return Err(refused());
    }
    let (bparent, _) = super::at::split(b).map_err(|err| format!("{shown_b}: {err}"))?;
    let bdir = Dir::open(bparent).map_err(|err| format!("{shown_b}: {err}"))?;
    let below = bdir.path().strip_prefix(root.join(super::apply::BACKUP_DIR)).map_err(|_| refused())?;
    let mut parts = below.components();
    let stamp_ok = parts.next().is_some_and(|c| matches!(c, std::path::Component::Normal(_)));
    if !stamp_ok || parts.as_path() != rel {
        return Err(refused());
    }
    Ok((dir, name.to_os_string(), Some(bdir)))
}

/// Temporary files a killed apply left beside the target (`.NAME.sesslint-tmp-PID`; where
/// `.sesslint/tmp/` is on another file system, and those of sesslint 0.2.0).
fn remove_leftovers(dir: &Dir, name: &std::ffi::OsStr) {
    let prefix = format!(".{}.sesslint-tmp-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir.path()) else { return };
    for entry in entries.filter_map(Result::ok) {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = dir.remove(&entry.file_name());
        }
    }
}

/// Put one file back (an apply's rollback; its entries are the apply's own).
pub(super) fn restore_entry(e: &ManifestEntry) -> std::io::Result<()> {
    let (dir, name) = super::at::split(&e.target)?;
    let dir = Dir::open(dir)?;
    let backup_dir = match &e.backup {
        Some(b) => Some(Dir::open(super::at::split(b)?.0)?),
        None => None,
    };
    restore_in(e, &dir, name, backup_dir.as_ref())
}

/// Put one file back: the backup's bytes and metadata over the target (a copy, so the
/// backup stays independent of later edits), or the created file removed; relative to
/// the target's directory `dir` and the backup's `backup_dir`, never through a symlink.
fn restore_in(e: &ManifestEntry, dir: &Dir, name: &std::ffi::OsStr, backup_dir: Option<&Dir>) -> std::io::Result<()> {
    match &e.backup {
        None => match dir.remove(name) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
            _ => {}
        },
        Some(backup) => {
            use std::os::unix::fs::PermissionsExt;
            let (_, backup_name) = super::at::split(backup)?;
            let backup_dir = backup_dir.ok_or_else(|| std::io::Error::other("the backup's directory is not open"))?;
            let mut from = backup_dir.open_file(backup_name)?;
            let meta = from.metadata()?;
            if !meta.is_file() {
                return Err(std::io::Error::other("the backup is not a regular file"));
            }
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut from, &mut bytes)?;
            let tmp = temp_file_name(name);
            let _ = dir.remove(&tmp);
            let written = dir
                .create(&tmp, 0o600)
                .and_then(|mut f| fill(&mut f, &bytes, meta.permissions().mode() & 0o7777, Some(&meta), Some(&from)))
                .and_then(|_| dir.rename(&tmp, name));
            if written.is_err() {
                let _ = dir.remove(&tmp);
            }
            written?;
        }
    }
    dir.sync()
}
