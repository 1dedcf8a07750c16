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

pub fn counts(diagnostics: &[Diagnostic]) -> Vec<Count> {
    let mut out: Vec<Count> = Vec::new();
    for d in diagnostics {
        let i = match out.iter().position(|c| c.code == d.code) {
            Some(i) => i,
            None => {
                out.push(Count { code: d.code, name: d.name, count: 0, fixable: 0 });
                out.len() - 1
            }
        };
        out[i].count += 1;
        out[i].fixable += usize::from(d.fix.is_some());
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
