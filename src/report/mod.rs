//! Output formats, one file each, behind [`Format::write`]. Every format masks secrets
//! (passwords in save paths, `requirepass`, env.php passwords) unless asked not to.

mod concise;
pub mod github;
mod human;
mod json;
mod junit;
pub mod mask;
pub mod rules_doc;
pub mod sarif;
pub mod statistics;

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::model::Model;
use crate::source::{Position, Source};
use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Code frames with labels in every file involved (miette).
    Human,
    /// One line per diagnostic: `path:line:col: severity[CODE] message`.
    Concise,
    /// A JSON array of diagnostics.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, Azure DevOps) and SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...`): annotations on the lines.
    Github,
    /// JUnit XML: a test suite per file, a failing test case per finding.
    Junit,
}

/// What the formats need besides the diagnostics: the files' text and their secrets.
pub struct ReportContext<'a> {
    sources: HashMap<&'a Path, (&'a Source, &'a [Span])>,
    /// Secret strings, masked wherever they appear in text we print.
    secret_texts: Vec<Vec<u8>>,
    pub show_secrets: bool,
    pub color: bool,
    /// Findings only: no summary line (`--quiet`).
    pub quiet: bool,
}

impl<'a> ReportContext<'a> {
    pub fn new(model: &'a Model, show_secrets: bool, color: bool) -> Self {
        let mut sources = HashMap::new();
        let mut secret_texts = Vec::new();
        for f in &model.files {
            sources.insert(f.source.path.as_path(), (&f.source, f.secrets.as_slice()));
            for s in &f.secrets {
                let t = s.slice(&f.source.bytes);
                if t.len() >= 2 {
                    secret_texts.push(t.to_vec());
                }
            }
        }
        secret_texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
        secret_texts.dedup();
        ReportContext { sources, secret_texts, show_secrets, color, quiet: false }
    }

    pub fn source(&self, path: &Path) -> Option<&'a Source> {
        self.sources.get(path).map(|(s, _)| *s)
    }

    pub fn position(&self, path: &Path, offset: usize) -> Position {
        self.source(path).map(|s| s.position(offset)).unwrap_or(Position { line: 1, column: 1 })
    }

    /// A file's text with its secrets replaced, and a way to move spans into it.
    pub fn masked(&self, path: &Path) -> Option<mask::Masked> {
        let (source, secrets) = self.sources.get(path)?;
        Some(if self.show_secrets {
            mask::Masked::unmasked(&source.bytes)
        } else {
            mask::Masked::new(&source.bytes, secrets)
        })
    }

    /// A message or other free text with any secret string replaced.
    pub fn scrub(&self, text: &str) -> String {
        if self.show_secrets {
            return text.to_owned();
        }
        let mut out = text.to_owned();
        for s in &self.secret_texts {
            if let Ok(s) = std::str::from_utf8(s) {
                if out.contains(s) {
                    out = out.replace(s, mask::MASK);
                }
            }
        }
        out
    }
}

impl Format {
    pub fn write(self, diagnostics: &[Diagnostic], ctx: &ReportContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        match self {
            Format::Human => human::write(diagnostics, ctx, out),
            Format::Concise => concise::write(diagnostics, ctx, out),
            Format::Json => json::write(diagnostics, ctx, out),
            Format::Sarif => sarif::write(diagnostics, ctx, out),
            Format::Github => github::write(diagnostics, ctx, out),
            Format::Junit => junit::write(diagnostics, ctx, out),
        }
    }
}
