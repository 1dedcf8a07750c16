//! The one diagnostic type: what a rule found, where, and what to do about it.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::codes::Code;
use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A place in a file, with what it says there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    pub path: PathBuf,
    pub span: Span,
    pub message: String,
    /// The fleet host whose tree holds `path` (`None` outside fleets); set by the check
    /// pipeline from the model, not by rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

impl Label {
    pub fn new(path: impl Into<PathBuf>, span: Span, message: impl Into<String>) -> Self {
        Label { path: path.into(), span, message: message.into(), host: None }
    }
}

/// One text change in one file: `span` becomes `content`. Made by [`Edit::replacement`],
/// [`Edit::insertion`] or [`Edit::deletion`]; the fields stay private so that an edit is
/// always one of the three.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    path: PathBuf,
    span: Span,
    content: String,
    /// Byte ranges of `content` that carry a secret copied from the file (a password in a
    /// value the fix re-quotes): masked in reports, kept in edits an editor applies.
    #[serde(skip)]
    secrets: Vec<Span>,
}

impl Edit {
    /// Replace the bytes `span` of the file at `path` by `content`.
    pub fn replacement(path: impl Into<PathBuf>, span: Span, content: impl Into<String>) -> Edit {
        Edit { path: path.into(), span, content: content.into(), secrets: Vec::new() }
    }

    /// Insert `content` before byte `at`.
    pub fn insertion(path: impl Into<PathBuf>, at: usize, content: impl Into<String>) -> Edit {
        Edit { path: path.into(), span: Span::empty(at), content: content.into(), secrets: Vec::new() }
    }

    /// Delete the bytes `span`.
    pub fn deletion(path: impl Into<PathBuf>, span: Span) -> Edit {
        Edit { path: path.into(), span, content: String::new(), secrets: Vec::new() }
    }

    /// The same edit, with the byte ranges of its content that hold a secret (each within
    /// the content; others are dropped).
    pub fn with_secrets(mut self, secrets: impl IntoIterator<Item = Span>) -> Edit {
        let len = self.content.len();
        self.secrets = secrets.into_iter().filter(|s| s.start <= s.end && s.end <= len).collect();
        self
    }

    /// Byte ranges of [`content`](Self::content) that hold a secret.
    pub fn secrets(&self) -> &[Span] {
        &self.secrets
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bytes replaced (empty for an insertion).
    pub fn span(&self) -> Span {
        self.span
    }

    /// The new text (empty for a deletion).
    pub fn content(&self) -> &str {
        &self.content
    }

    pub fn is_insertion(&self) -> bool {
        self.span.is_empty() && !self.content.is_empty()
    }

    pub fn is_deletion(&self) -> bool {
        !self.span.is_empty() && self.content.is_empty()
    }
}

/// Whether applying a fix keeps behaviour the user relies on (ruff's applicability): data on
/// the fix, which `check --fix` and the editor's quick fixes read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Shown as a suggestion only.
    Display,
    /// Changes behaviour (a restart, a different server): review before applying.
    Unsafe,
    /// Keeps the intended behaviour; may be applied without review.
    Safe,
}

/// A rule's remedy: its title, how safe it is, and its edits, kept sorted by file and position
/// and never overlapping, so that they can be applied back to front in one pass.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    title: String,
    applicability: Applicability,
    edits: Vec<Edit>,
}

impl Fix {
    /// A fix that keeps behaviour: may be applied without review.
    pub fn safe(title: impl Into<String>, edits: impl IntoIterator<Item = Edit>) -> Fix {
        Fix::new(title, Applicability::Safe, edits)
    }

    /// A fix that changes behaviour: review before applying.
    pub fn unsafe_edits(title: impl Into<String>, edits: impl IntoIterator<Item = Edit>) -> Fix {
        Fix::new(title, Applicability::Unsafe, edits)
    }

    /// A suggestion, never applied.
    pub fn display_only(title: impl Into<String>, edits: impl IntoIterator<Item = Edit>) -> Fix {
        Fix::new(title, Applicability::Display, edits)
    }

    /// The same fix, no safer than `unsafe`: a safe fix becomes unsafe, a display-only one stays so.
    pub fn unless_reviewed(mut self) -> Fix {
        if self.applicability == Applicability::Safe {
            self.applicability = Applicability::Unsafe;
        }
        self
    }

    /// Edits sorted by (path, start, end). Two edits that overlap cannot both be applied:
    /// such a fix is only ever shown, never applied.
    pub fn new(title: impl Into<String>, applicability: Applicability, edits: impl IntoIterator<Item = Edit>) -> Fix {
        let mut edits: Vec<Edit> = edits.into_iter().collect();
        edits.sort_by(|a, b| (&a.path, a.span.start, a.span.end).cmp(&(&b.path, b.span.start, b.span.end)));
        let overlaps = edits.windows(2).any(|w| w[0].path == w[1].path && w[1].span.start < w[0].span.end);
        let applicability = if overlaps { Applicability::Display } else { applicability };
        Fix { title: title.into(), applicability, edits }
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn applicability(&self) -> Applicability {
        self.applicability
    }

    /// In (path, position) order, none overlapping another unless the fix is display-only.
    pub fn edits(&self) -> &[Edit] {
        &self.edits
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    /// The rule's name, [`Code::name`] of `code`.
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub related: Vec<Label>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
    /// For a record standing for findings left out of a report ("N more SL107 finding(s)
    /// in this file are left out", check's caps): how many, by rule and severity, the
    /// record's own included. Empty for a finding of its own. Counts (`--statistics`, the
    /// summary line) add these up instead of counting the record once.
    #[serde(skip)]
    pub left_out: Vec<(Code, Severity, usize)>,
}

impl Diagnostic {
    /// The findings this record counts as: itself, or the ones it stands for
    /// ([`Diagnostic::left_out`]), as (rule, severity, how many).
    pub fn counted(&self) -> impl Iterator<Item = (Code, Severity, usize)> + '_ {
        let own = self.left_out.is_empty().then_some((self.code, self.severity, 1));
        own.into_iter().chain(self.left_out.iter().copied())
    }

    pub fn with_related(mut self, label: Label) -> Self {
        self.related.push(label);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_keep_their_edits_sorted_and_overlaps_never_applicable() {
        let fix = Fix::safe(
            "t",
            [
                Edit::replacement("b", Span::new(1, 2), "x"),
                Edit::insertion("a", 5, "y"),
                Edit::deletion("a", Span::new(0, 3)),
            ],
        );
        let order: Vec<(&Path, usize)> = fix.edits().iter().map(|e| (e.path(), e.span().start)).collect();
        assert_eq!(order, [(Path::new("a"), 0), (Path::new("a"), 5), (Path::new("b"), 1)]);
        assert_eq!(fix.applicability(), Applicability::Safe);
        assert!(fix.edits()[0].is_deletion() && fix.edits()[1].is_insertion());
        let clash =
            Fix::safe("t", [Edit::replacement("a", Span::new(0, 4), "x"), Edit::deletion("a", Span::new(2, 6))]);
        assert_eq!(clash.applicability(), Applicability::Display);
    }
}
