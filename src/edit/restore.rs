//! The restore manifest an apply writes (`.sesslint-restore.json` in the checked tree) and
//! `sesslint restore`: every file of the last apply back to its backup, created files removed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::apply::{parent, sync_dir, temp_name, write_atomically, write_new};

/// The manifest's file name, in the directory [`super::apply::ApplyOptions::manifest_dir`].
pub const MANIFEST_NAME: &str = ".sesslint-restore.json";

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

    pub fn read(path: &Path) -> Result<Manifest, RestoreError> {
        let shown = || crate::source::display_path(path);
        let bytes = std::fs::read(path).map_err(|source| RestoreError::Io { path: shown(), source })?;
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
    let manifest = Manifest::read(&dir.join(MANIFEST_NAME))?;
    let mut plan = Vec::with_capacity(manifest.entries.len());
    for e in &manifest.entries {
        let now = match std::fs::read(&e.target) {
            Ok(bytes) => Some(crate::sha256::hex_digest(&bytes)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(RestoreError::Io { path: crate::source::display_path(&e.target), source }),
        };
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
        plan.push((e, done));
    }
    let mut out = Vec::with_capacity(plan.len());
    for (e, done) in plan {
        if done {
            remove_leftovers(&e.target);
            out.push(Restored::Unchanged { target: e.target.clone() });
            continue;
        }
        restore_entry(e).map_err(|source| RestoreError::Io { path: crate::source::display_path(&e.target), source })?;
        remove_leftovers(&e.target);
        out.push(match &e.backup {
            Some(b) => Restored::Restored { target: e.target.clone(), backup: b.clone() },
            None => Restored::Removed { target: e.target.clone() },
        });
    }
    Ok(out)
}

/// Temporary files a killed apply left beside `target` (`.NAME.sesslint-tmp-PID`).
fn remove_leftovers(target: &Path) {
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else { return };
    let prefix = format!(".{name}.sesslint-tmp-");
    let Ok(dir) = std::fs::read_dir(parent(target)) else { return };
    for entry in dir.filter_map(Result::ok) {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Put one file back: the backup's bytes and metadata over the target (a copy, so the
/// backup stays independent of later edits), or the created file removed.
pub(super) fn restore_entry(e: &ManifestEntry) -> std::io::Result<()> {
    let dir = parent(&e.target);
    match &e.backup {
        None => match std::fs::remove_file(&e.target) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
            _ => {}
        },
        Some(backup) => {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(backup)?;
            let bytes = std::fs::read(backup)?;
            let tmp = temp_name(&e.target);
            let _ = std::fs::remove_file(&tmp);
            let written = write_new(&tmp, &bytes, meta.permissions().mode() & 0o7777, Some(&meta), Some(backup))
                .and_then(|_| std::fs::rename(&tmp, &e.target));
            if written.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            written?;
        }
    }
    sync_dir(dir)
}
