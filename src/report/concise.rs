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

/// One finding as `path:line:col: severity[CODE] message`, secrets masked.
pub fn line(d: &Diagnostic, ctx: &ReportContext<'_>) -> String {
    let p = ctx.position(&d.primary.path, d.primary.span.start);
    format!(
        "{}:{}:{}: {}[{}] {}",
        display_path(&d.primary.path),
        p.line,
        p.column,
        d.severity.as_str(),
        d.code,
        ctx.text(&d.message)
    )
}
