//! The one diagnostic type: what a rule found, where, and what to do about it.

use std::path::PathBuf;

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
}

impl Label {
    pub fn new(path: impl Into<PathBuf>, span: Span, message: impl Into<String>) -> Self {
        Label { path: path.into(), span, message: message.into() }
    }
}

/// One text replacement: `span` of the file at `path` becomes `replacement`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub path: PathBuf,
    pub span: Span,
    pub replacement: String,
    /// Byte ranges of `replacement` that carry a secret copied from the file (a password in
    /// a value the fix re-quotes): masked in reports, kept in edits an editor applies.
    #[serde(skip)]
    pub secrets: Vec<Span>,
}

/// Whether applying a fix keeps behaviour the user relies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the intended behaviour; may be applied without review.
    Safe,
    /// Changes behaviour (a restart, a different server): review before applying.
    Unsafe,
    /// Shown as a suggestion only.
    Display,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
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
}

impl Diagnostic {
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
