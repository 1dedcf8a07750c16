//! Plan files: a change set saved as JSON (each file's absolute path, the SHA-256 of the
//! bytes it was planned against, the edits with their secret ranges), mode 0600.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::change::{ChangeSet, FileChange};
use crate::diagnostic::Edit;
use crate::span::Span;

/// The `format` field of every plan file this version writes and reads.
pub const PLAN_FORMAT: &str = "sesslint-plan/1";

/// The largest plan file read (bytes): a plan holds edits, not files.
pub const MAX_PLAN_SIZE: u64 = 64 << 20;

/// A plan as read back: the changes, and what the writer put beside them.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub changes: ChangeSet,
    /// The writer's own data (migrate: its summary and the services to reload), as given
    /// to [`write_plan`]; `null` when none.
    pub meta: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
struct PlanFile {
    format: String,
    #[serde(default)]
    meta: serde_json::Value,
    files: Vec<PlanEntry>,
}

#[derive(Serialize, Deserialize)]
struct PlanEntry {
    path: String,
    /// The file written (symlinks resolved as the model did).
    target: String,
    /// `null`: the file is created.
    sha256: Option<String>,
    edits: Vec<PlanEdit>,
}

#[derive(Serialize, Deserialize)]
struct PlanEdit {
    start: usize,
    end: usize,
    content: String,
    /// Byte ranges of `content` holding a secret, `[start, end]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    secrets: Vec<[usize; 2]>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not a sesslint plan: {reason}")]
    Invalid { path: String, reason: String },
    #[error("{0}: a plan needs paths that are valid UTF-8")]
    NotUtf8(String),
}

/// Save `changes` (paths made absolute against the current directory) and `meta` as a
/// plan at `path`: a new file (`O_EXCL|O_NOFOLLOW`, mode 0600: the edits may hold a
/// password) renamed over it.
pub fn write_plan(path: &Path, changes: &ChangeSet, meta: &serde_json::Value) -> Result<(), PlanError> {
    let io = |source| PlanError::Io { path: crate::source::display_path(path), source };
    let mut files = Vec::with_capacity(changes.files.len());
    for f in &changes.files {
        let text = |p: &Path| -> Result<String, PlanError> {
            let abs = std::path::absolute(p).map_err(io)?;
            abs.to_str().map(str::to_owned).ok_or_else(|| PlanError::NotUtf8(crate::source::display_path(&abs)))
        };
        files.push(PlanEntry {
            path: text(&f.path)?,
            target: text(&f.target)?,
            sha256: f.original_sha256.clone(),
            edits: f
                .edits
                .iter()
                .map(|e| PlanEdit {
                    start: e.span().start,
                    end: e.span().end,
                    content: e.content().to_owned(),
                    secrets: e.secrets().iter().map(|s| [s.start, s.end]).collect(),
                })
                .collect(),
        });
    }
    let doc = PlanFile { format: PLAN_FORMAT.to_owned(), meta: meta.clone(), files };
    let mut text = serde_json::to_vec_pretty(&doc).map_err(|e| io(std::io::Error::other(e)))?;
    text.push(b'\n');
    // A new file renamed into place: a symlink or another user's file at `path` is
    // replaced, never written through.
    super::apply::write_atomically(path, &text, 0o600).map_err(io)
}

/// Read a plan written by [`write_plan`]. The files it names are not looked at here:
/// [`super::apply::apply`] checks each one's hash before writing anything.
pub fn read_plan(path: &Path) -> Result<Plan, PlanError> {
    let shown = || crate::source::display_path(path);
    let invalid = |reason: String| PlanError::Invalid { path: shown(), reason };
    let file = std::fs::File::open(path).map_err(|source| PlanError::Io { path: shown(), source })?;
    let mut bytes = Vec::new();
    use std::io::Read;
    file.take(MAX_PLAN_SIZE + 1).read_to_end(&mut bytes).map_err(|source| PlanError::Io { path: shown(), source })?;
    if bytes.len() as u64 > MAX_PLAN_SIZE {
        return Err(invalid(format!("larger than {MAX_PLAN_SIZE} bytes")));
    }
    let doc: PlanFile = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
    if doc.format != PLAN_FORMAT {
        return Err(invalid(format!("format `{}`, expected `{PLAN_FORMAT}`", crate::source::printable(&doc.format))));
    }
    let mut files = Vec::with_capacity(doc.files.len());
    for entry in doc.files {
        let (path, target) = (PathBuf::from(&entry.path), PathBuf::from(&entry.target));
        if !path.is_absolute() || !target.is_absolute() {
            return Err(invalid(format!("`{}` is not an absolute path", crate::source::printable(&entry.path))));
        }
        if entry.sha256.as_ref().is_some_and(|h| h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(invalid(format!("`{}`: sha256 is not 64 hex digits", crate::source::printable(&entry.path))));
        }
        let mut edits = Vec::with_capacity(entry.edits.len());
        for e in entry.edits {
            if e.start > e.end || e.secrets.iter().any(|[a, b]| a > b || *b > e.content.len()) {
                return Err(invalid(format!(
                    "`{}`: an edit's range is backwards",
                    crate::source::printable(&entry.path)
                )));
            }
            let edit = Edit::replacement(path.clone(), Span::new(e.start, e.end), e.content)
                .with_secrets(e.secrets.iter().map(|[a, b]| Span::new(*a, *b)));
            edits.push(edit);
        }
        edits.sort_by_key(|e| (e.span().start, e.span().end));
        files.push(FileChange { path, target, original_sha256: entry.sha256.map(|h| h.to_ascii_lowercase()), edits });
    }
    Ok(Plan { changes: ChangeSet { files }, meta: doc.meta })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_round_trips_with_mode_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("php.ini");
        let change = FileChange::new(
            &target,
            b"session.save_handler = files\n",
            vec![Edit::replacement(&target, Span::new(23, 28), "redis").with_secrets([Span::new(1, 2)])],
        )
        .unwrap();
        let changes = ChangeSet { files: vec![change] };
        let plan = dir.path().join("plan.json");
        std::fs::write(&plan, "old and longer content than the plan, readable by all").unwrap();
        std::fs::set_permissions(&plan, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_plan(&plan, &changes, &serde_json::json!({"reload": ["php8.2-fpm"]})).unwrap();
        assert_eq!(std::fs::metadata(&plan).unwrap().permissions().mode() & 0o777, 0o600);
        let back = read_plan(&plan).unwrap();
        assert_eq!(back.changes, changes);
        assert_eq!(back.meta["reload"][0], "php8.2-fpm");
        assert_eq!(back.changes.files[0].edits[0].secrets(), [Span::new(1, 2)]);
        std::fs::write(&plan, "{\"format\": \"other\", \"files\": []}").unwrap();
        assert!(matches!(read_plan(&plan), Err(PlanError::Invalid { .. })));
    }
}
