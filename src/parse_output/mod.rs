//! `sesslint parse`: the values of one file exactly as the real program computes them.
//! This output is a contract that the conformance tests compare with PHP and redis-server.

mod env_php;
mod ini;
mod redis;

use std::path::{Path, PathBuf};

use crate::source::Source;
use crate::syntax::{FileKind, SyntaxError};

/// What the real program makes of a file.
#[derive(Debug)]
pub struct ParseOutput {
    pub kind: FileKind,
    /// ini: `parse_ini_file($f, true)`; env.php: `include $f`; redis.conf: the directive list.
    pub value: serde_json::Value,
    /// Why the real program would refuse the file (or, when accepted, what it silently did).
    pub problems: Vec<Problem>,
    /// Whether the real program accepts the file.
    pub accepted: bool,
}

/// A problem located in a file, with 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Problem {
    pub fn at(source: &Source, error: &SyntaxError) -> Problem {
        let pos = source.position(error.span.start);
        Problem { path: source.path.clone(), line: pos.line, column: pos.column, message: error.message.clone() }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path.display(), self.line, self.column, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Read `path` and compute what its program sees. `kind` overrides detection.
pub fn parse_file(path: &Path, kind: Option<FileKind>) -> Result<ParseOutput, ReadError> {
    let source = Source::read(path).map_err(|source| ReadError::Io { path: path.to_owned(), source })?;
    Ok(parse_source(&source, kind))
}

/// Like [`parse_file`] for bytes already in memory (an editor buffer, a test case).
/// redis.conf `include`s are still read from disk.
pub fn parse_source(source: &Source, kind: Option<FileKind>) -> ParseOutput {
    let kind = kind.unwrap_or_else(|| FileKind::detect(&source.path, &source.bytes));
    match kind {
        FileKind::Ini => ini::parse_output(source),
        FileKind::Redis => redis::parse_output(source),
        FileKind::Envphp => env_php::parse_output(source),
    }
}
