//! JUnit XML for CI test dashboards: one test suite per file, one failing test case per
//! diagnostic; a clean run is one passing test case, so the dashboard shows that it ran.

use std::io::{self, Write};

use super::ReportContext;
use crate::diagnostic::Diagnostic;
use crate::source::display_path;

pub fn write(diagnostics: &[Diagnostic], ctx: &ReportContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    // Suites in the order their files first appear (diagnostics come sorted by path).
    let mut suites: Vec<(String, Vec<&Diagnostic>)> = Vec::new();
    for d in diagnostics {
        let path = display_path(&d.primary.path);
        match suites.iter_mut().find(|(p, _)| *p == path) {
            Some((_, list)) => list.push(d),
            None => suites.push((path, vec![d])),
        }
    }
    let n = diagnostics.len();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    if suites.is_empty() {
        writeln!(out, r#"<testsuites name="sesslint" tests="1" failures="0" errors="0">"#)?;
        writeln!(out, r#"  <testsuite name="sesslint" tests="1" failures="0" errors="0">"#)?;
        writeln!(out, r#"    <testcase name="no findings" classname="sesslint"/>"#)?;
        writeln!(out, "  </testsuite>")?;
        return writeln!(out, "</testsuites>");
    }
    writeln!(out, r#"<testsuites name="sesslint" tests="{n}" failures="{n}" errors="0">"#)?;
    for (path, list) in &suites {
        let path = attr(path);
        let k = list.len();
        writeln!(out, r#"  <testsuite name="{path}" tests="{k}" failures="{k}" errors="0">"#)?;
        for d in list {
            let p = ctx.position(&d.primary.path, d.primary.span.start);
            let message = ctx.text(&d.message);
            let mut body = super::concise::line(d, ctx);
            if let Some(help) = &d.help {
                body.push_str("\nhelp: ");
                body.push_str(&ctx.text(help));
            }
            for r in &d.related {
                let rp = ctx.position(&r.path, r.span.start);
                body.push_str(&format!(
                    "\n{}:{}:{}: related: {}",
                    display_path(&r.path),
                    rp.line,
                    rp.column,
                    ctx.text(&r.message)
                ));
            }
            writeln!(
                out,
                r#"    <testcase name="{} ({}) at {}:{}" classname="{path}" file="{path}" line="{}">"#,
                d.code, d.name, p.line, p.column, p.line
            )?;
            writeln!(
                out,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                attr(&message),
                d.severity.as_str(),
                text(&body)
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Character data: markup characters escaped, characters XML 1.0 forbids replaced.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if allowed(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// An attribute value in double quotes; line breaks and tabs as character references so a
/// parser keeps them (it would normalise literal ones to spaces).
fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push_str(&text(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out
}

fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_forbidden_characters() {
        assert_eq!(text("a < b && c > \u{1}d"), "a &lt; b &amp;&amp; c &gt; \u{FFFD}d");
        assert_eq!(attr("say \"hi\"\nnext<"), "say &quot;hi&quot;&#10;next&lt;");
    }
}
