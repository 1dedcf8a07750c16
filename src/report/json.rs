//! A JSON array of diagnostics with 1-based positions, related locations and fixes.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::ReportContext;
use crate::diagnostic::Diagnostic;
use crate::source::display_path;

pub fn write(diagnostics: &[Diagnostic], ctx: &ReportContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let list: Vec<Value> = diagnostics.iter().map(|d| to_json(d, ctx)).collect();
    serde_json::to_writer_pretty(&mut *out, &list)?;
    writeln!(out)
}

pub fn to_json(d: &Diagnostic, ctx: &ReportContext<'_>) -> Value {
    let start = ctx.position(&d.primary.path, d.primary.span.start);
    let end = ctx.position(&d.primary.path, d.primary.span.end);
    let related: Vec<Value> = d
        .related
        .iter()
        .map(|r| {
            let p = ctx.position(&r.path, r.span.start);
            let mut v = json!({"path": display_path(&r.path), "line": p.line, "column": p.column, "message": ctx.text(&r.message)});
            if let Some(h) = &r.host {
                v["host"] = json!(ctx.text(h));
            }
            v
        })
        .collect();
    let fix = d.fix.as_ref().map(|f| {
        let edits: Vec<Value> = f
            .edits()
            .iter()
            .map(|e| {
                let s = ctx.position(e.path(), e.span().start);
                let t = ctx.position(e.path(), e.span().end);
                json!({"path": display_path(e.path()), "line": s.line, "column": s.column, "end_line": t.line, "end_column": t.column,
                       "replacement": ctx.replacement(e)})
            })
            .collect();
        json!({"title": f.title(), "applicability": f.applicability(), "edits": edits})
    });
    let mut v = json!({
        "code": d.code,
        "name": d.name,
        "severity": d.severity.as_str(),
        "message": ctx.text(&d.message),
        "path": display_path(&d.primary.path),
        "line": start.line,
        "column": start.column,
        "end_line": end.line,
        "end_column": end.column,
        "help": d.help.as_deref().map(|h| ctx.text(h)),
        "related": related,
        "fix": fix,
    });
    // In a fleet, the host whose tree the finding is in.
    if let Some(h) = &d.primary.host {
        v["host"] = json!(ctx.text(h));
    }
    v
}
