//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per
//! diagnostic, which the runner turns into an annotation on the file and line.

use std::io::{self, Write};

use super::ReportContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::display_path;

pub fn write(diagnostics: &[Diagnostic], ctx: &ReportContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    // Lines are independent: formatted over the threads, written in order.
    for line in crate::parallel::map(diagnostics, 256, |d| line(d, ctx)) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// One finding as a workflow command, secrets masked.
fn line(d: &Diagnostic, ctx: &ReportContext<'_>) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let start = ctx.position(&d.primary.path, d.primary.span.start);
    let end = ctx.position(&d.primary.path, d.primary.span.end);
    let mut message = ctx.text(&d.message);
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(&ctx.text(help));
    }
    format!(
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(&display_path(&d.primary.path)),
        start.line,
        start.column,
        end.line,
        end.column,
        escape_property(&format!("{} ({})", d.code, d.name)),
        escape_data(&message),
    )
}

/// The message part: `%`, CR and LF are encoded (the runner decodes them back).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value: as data, plus `:` and `,`, which would end the value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_expects() {
        assert_eq!(escape_data("50% done\r\nnext: a, b"), "50%25 done%0D%0Anext: a, b");
        assert_eq!(escape_property("C:\\a,b%"), "C%3A\\a%2Cb%25");
    }
}
