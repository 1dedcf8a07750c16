//! `path:line:col: severity[CODE] message`, one line per diagnostic.

use std::io::{self, Write};

use super::ReportContext;
use crate::diagnostic::Diagnostic;
use crate::source::display_path;

/// Every finding of `diagnostics`, one line each ([`line`]), in their order; write errors passed on.
pub fn write(diagnostics: &[Diagnostic], ctx: &ReportContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    // Lines are independent: formatted over the threads, written in order.
    for line in crate::parallel::map(diagnostics, 256, |d| line(d, ctx)) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// One finding as `path:line:col: severity[CODE] message`, secrets masked. A path that is
/// no file that was read (a missing or unreadable file or directory, a `tunnel-paths`
/// entry) has no lines to point at and gets `1:1`, as the `github` and `json` formats give
/// it and as ruff does for file-level findings, so every line parses the same way.
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
