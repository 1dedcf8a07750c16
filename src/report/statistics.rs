//! `--statistics`: how many findings of each rule, most frequent first (like ruff's), as
//! text or, with `--format json`, as a JSON array.

use std::io::{self, Write};

use serde_json::json;

use crate::diagnostic::Diagnostic;

/// One line of the statistics: a rule and how often it fired.
#[derive(Debug, PartialEq, Eq)]
pub struct Count {
    pub code: crate::codes::Code,
    pub name: &'static str,
    pub count: usize,
    /// How many of them come with a fix.
    pub fixable: usize,
}

/// Every finding counted, those a report's cap left out included (a "N more SL107
/// finding(s)" record counts as the N it stands for, [`Diagnostic::counted`]).
pub fn counts(diagnostics: &[Diagnostic]) -> Vec<Count> {
    let mut out: Vec<Count> = Vec::new();
    for d in diagnostics {
        for (code, _, n) in d.counted() {
            let i = match out.iter().position(|c| c.code == code) {
                Some(i) => i,
                None => {
                    out.push(Count { code, name: code.name(), count: 0, fixable: 0 });
                    out.len() - 1
                }
            };
            out[i].count += n;
        }
        if let Some(i) = out.iter().position(|c| c.code == d.code) {
            out[i].fixable += usize::from(d.fix.is_some());
        }
    }
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    out
}

/// `COUNT CODE name`, aligned; `[*]` marks a rule some of whose findings have a fix.
pub fn write_text(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    let counts = counts(diagnostics);
    let width = counts.iter().map(|c| c.count.to_string().len()).max().unwrap_or(1);
    let code_width = counts.iter().map(|c| c.code.as_str().len()).max().unwrap_or(1);
    for c in &counts {
        let fix = if c.fixable > 0 { "[*] " } else { "" };
        writeln!(out, "{:>width$} {:<code_width$} {fix}{}", c.count, c.code, c.name)?;
    }
    Ok(())
}

pub fn write_json(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    let list: Vec<_> = counts(diagnostics)
        .iter()
        .map(|c| json!({"code": c.code, "name": c.name, "count": c.count, "fixable": c.fixable}))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &list)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;
    use crate::diagnostic::{Label, Severity};
    use crate::span::Span;

    /// A record standing for findings a cap left out ("1,899 more SL001 finding(s)") counts
    /// as those findings, by their rule; a finding of its own counts once.
    #[test]
    fn a_left_out_record_counts_as_the_findings_it_stands_for() {
        let d = |code: Code, left_out: Vec<(Code, Severity, usize)>| Diagnostic {
            code,
            name: code.name(),
            severity: Severity::Warning,
            message: "m".into(),
            primary: Label::new("etc/php.ini", Span::new(0, 1), "here"),
            related: Vec::new(),
            help: None,
            fix: None,
            left_out,
        };
        let list = [
            d(Code::SyntaxError, Vec::new()),
            d(
                Code::SyntaxError,
                vec![(Code::SyntaxError, Severity::Error, 1899), (Code::SyntaxError, Severity::Info, 1)],
            ),
            d(Code::UnusedSuppression, Vec::new()),
        ];
        let c = counts(&list);
        let got: Vec<(Code, usize)> = c.iter().map(|c| (c.code, c.count)).collect();
        assert_eq!(got, [(Code::SyntaxError, 1901), (Code::UnusedSuppression, 1)]);
    }
}
