//! The edit engine: text edits on spans grouped per file, previewed as unified diffs,
//! saved as plan files, applied atomically with backups, restored; and `check --fix`.
//!
//! One engine, three callers: `check --fix`/`--diff`, the language server's quick fixes,
//! and `migrate`. Edits are the [`crate::diagnostic::Edit`] type (a span and its new text,
//! with the byte ranges of that text that are secret); a file is never re-serialised.
//!
//! # API
//!
//! - [`change`]: [`ChangeSet`] of [`FileChange`] (`path` as the model reads it, `target`
//!   the regular file written, `original_sha256`, sorted non-overlapping `edits`).
//!   Build one with [`ChangeSet::from_model`] (edits made on a model's files; a path the
//!   model lacks is a file to create), [`FileChange::new`], [`FileChange::create`] (a new
//!   file; its content's secret ranges make it mode 0640). [`apply_edits`] splices edits
//!   into bytes (sorted, overlaps skipped and counted). [`ChangeSet::confine_to`] refuses a
//!   set (a plan read from disk) that writes outside the given directories.
//! - [`preview`]: [`diff_changes`] (the whole set against the model it was planned on,
//!   secrets masked by span unless `Style::show_secrets`), [`change_diff`], [`unified_diff`].
//! - [`plan`]: [`write_plan`] (mode 0600, with the caller's `meta` JSON), [`read_plan`].
//! - [`apply`]: [`apply()`](apply::apply) with [`ApplyOptions`] (`manifest_dir`: where
//!   the restore manifest goes) returns [`ApplyReport`] (each file's target and backup).
//!   Every file's hash is checked before anything is written.
//! - [`restore`]: [`restore()`](restore::restore) puts back the last apply's backups.
//! - [`fix`]: [`fix()`](fix::fix), `check --fix`'s fixed point, in memory.

pub mod apply;
mod at;
pub mod change;
mod diff_ops;
pub mod fix;
pub mod plan;
pub mod preview;
pub mod restore;
mod slow;

pub use apply::{AppliedFile, ApplyError, ApplyOptions, ApplyReport};
pub use change::{apply_edits, Applied, ChangeError, ChangeSet, FileChange};
pub use fix::{FixOptions, FixOutcome};
pub use plan::{read_plan, write_plan, Plan, PlanError};
pub use preview::{change_diff, diff_changes, unified_diff, FileVersions, Style};
pub use restore::{RestoreError, Restored, LEGACY_MANIFEST_NAME, MANIFEST_NAME};
