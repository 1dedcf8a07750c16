//! `path:line:col: severity[CODE] message`, one line per diagnostic.

use std::io::{self, Write};

use super::ReportContext;
use crate::diagnostic::Diagnostic;
use crate::source::display_path;

pub fn write(diagnostics: &[Diagnostic], ctx: &ReportContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in diagnostics {
        writeln!(out, "{}", line(d, ctx))?;
    }
    Ok(())
}

/// One finding as `path:line:col: severity[CODE] message`, secrets masked; `path: ...`
/// without a position when the path is no file that was read (a missing or unreadable
/// directory, a `tunnel-paths` entry): it has no lines to point at.
pub fn line(d: &Diagnostic, ctx: &ReportContext<'_>) -> String {
    let at = match ctx.source(&d.primary.path) {
        Some(_) => {
            let p = ctx.position(&d.primary.path, d.primary.span.start);
            format!(":{}:{}", p.line, p.column)
        }
        None if d.primary.path.is_file() => ":1:1".to_owned(),
        None => String::new(),
    };
    format!("{}{at}: {}[{}] {}", display_path(&d.primary.path), d.severity.as_str(), d.code, ctx.text(&d.message))
}
