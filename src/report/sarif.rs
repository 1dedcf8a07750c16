//! SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers): one run, every rule
//! with its documentation, results with regions, related places and fixes.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{json, Map, Value};

use super::ReportContext;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::rules::{Rule, RULES};
use crate::span::Span;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// sesslint's documentation, relative to the checkout sesslint was built from: it has no
/// published home, and an invented address would be worse than a relative one.
pub const INFORMATION_URI: &str = "README.md";
/// Where a base id for relative paths points: the directory sesslint ran in.
const SRCROOT: &str = "%SRCROOT%";

pub fn write(diagnostics: &[Diagnostic], ctx: &ReportContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let log = to_sarif(diagnostics, ctx, std::env::current_dir().ok().as_deref());
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// The SARIF log; relative paths are resolved against `cwd` (given in `originalUriBaseIds`).
pub fn to_sarif(diagnostics: &[Diagnostic], ctx: &ReportContext<'_>, cwd: Option<&Path>) -> Value {
    let rules: Vec<Value> = RULES.iter().map(|r| rule_descriptor(r)).collect();
    let results: Vec<Value> = diagnostics.iter().map(|d| result(d, ctx)).collect();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "sesslint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(cwd) = cwd {
        let mut base = file_uri(cwd);
        if !base.ends_with('/') {
            base.push('/');
        }
        run["originalUriBaseIds"] = json!({ SRCROOT: { "uri": base } });
    }
    json!({ "$schema": SCHEMA, "version": "2.1.0", "runs": [run] })
}

/// A rule as SARIF describes it. No `helpUri` nor `informationUri`: sesslint has no
/// published home to point at, and `help` carries the whole documentation (both are
/// optional in SARIF 2.1.0, sections 3.49.12 and 3.19.9).
fn rule_descriptor(rule: &Rule) -> Value {
    let doc = rule.doc();
    let full = section(&doc, "What it does").unwrap_or_else(|| rule.summary.to_owned());
    json!({
        "id": rule.code,
        "name": rule.name(),
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": full },
        "help": { "text": doc, "markdown": doc },
        "defaultConfiguration": { "level": level(rule.default_severity) },
    })
}

/// The text of a `## NAME` section of a rule's documentation, joined into one paragraph.
fn section(doc: &str, name: &str) -> Option<String> {
    let mut lines = doc.lines().skip_while(|l| l.trim_start_matches('#').trim() != name || !l.starts_with("##"));
    lines.next()?;
    let text: Vec<&str> = lines.take_while(|l| !l.starts_with('#')).map(str::trim).filter(|l| !l.is_empty()).collect();
    (!text.is_empty()).then(|| text.join(" "))
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(d: &Diagnostic, ctx: &ReportContext<'_>) -> Value {
    let mut text = ctx.text(&d.message);
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(&ctx.text(help));
    }
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(d.code));
    if let Some(i) = RULES.iter().position(|rule| rule.code == d.code) {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("level".into(), json!(level(d.severity)));
    r.insert("message".into(), json!({ "text": text }));
    r.insert("locations".into(), json!([located(&d.primary, ctx)]));
    if let Some(h) = &d.primary.host {
        // In a fleet: the host, also as a logical location so that viewers can group by it.
        r.insert("properties".into(), json!({ "host": ctx.text(h) }));
    }
    if !d.related.is_empty() {
        let related: Vec<Value> = d.related.iter().enumerate().map(|(i, l)| related(i, l, ctx)).collect();
        r.insert("relatedLocations".into(), Value::Array(related));
    }
    if let Some(fix) = &d.fix {
        let mut by_file: BTreeMap<&Path, Vec<Value>> = BTreeMap::new();
        for e in fix.edits() {
            by_file.entry(e.path()).or_default().push(json!({
                "deletedRegion": region(e.path(), e.span(), ctx),
                "insertedContent": { "text": ctx.replacement(e) },
            }));
        }
        let changes: Vec<Value> = by_file
            .into_iter()
            .map(|(path, replacements)| json!({ "artifactLocation": artifact(path), "replacements": replacements }))
            .collect();
        r.insert(
            "fixes".into(),
            json!([{
                "description": { "text": ctx.text(fix.title()) },
                "artifactChanges": changes,
                "properties": { "applicability": fix.applicability() },
            }]),
        );
    }
    Value::Object(r)
}

fn related(id: usize, l: &Label, ctx: &ReportContext<'_>) -> Value {
    let mut v = json!({
        "id": id,
        "physicalLocation": physical(&l.path, l.span, ctx),
        "message": { "text": ctx.text(&l.message) },
    });
    if let Some(h) = &l.host {
        v["logicalLocations"] = json!([{ "name": ctx.text(h), "kind": "host" }]);
    }
    v
}

/// A location: the file and region, and in a fleet the host as a logical location.
fn located(l: &Label, ctx: &ReportContext<'_>) -> Value {
    let mut v = json!({ "physicalLocation": physical(&l.path, l.span, ctx) });
    if let Some(h) = &l.host {
        v["logicalLocations"] = json!([{ "name": ctx.text(h), "kind": "host" }]);
    }
    v
}

fn physical(path: &Path, span: Span, ctx: &ReportContext<'_>) -> Value {
    json!({ "artifactLocation": artifact(path), "region": region(path, span, ctx) })
}

fn region(path: &Path, span: Span, ctx: &ReportContext<'_>) -> Value {
    let start = ctx.position(path, span.start);
    let end = ctx.position(path, span.end);
    json!({ "startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column })
}

/// A relative path stays relative to `%SRCROOT%` (the directory sesslint ran in), which is
/// what code scanning needs to match files across runs; an absolute one is a `file:` URI.
fn artifact(path: &Path) -> Value {
    if path.is_absolute() {
        json!({ "uri": file_uri(path) })
    } else {
        // The real name, percent-encoded (control characters included), so the URI finds the file.
        let raw = path.to_string_lossy();
        json!({ "uri": encode_path(raw.strip_prefix("./").unwrap_or(&raw)), "uriBaseId": SRCROOT })
    }
}

fn file_uri(path: &Path) -> String {
    let p = path.to_string_lossy().replace('\\', "/");
    let p = if p.starts_with('/') { p } else { format!("/{p}") };
    format!("file://{}", encode_path(&p))
}

/// Percent-encode everything but unreserved characters, `/` and a few sub-delimiters that
/// are safe in a path (RFC 3986 `pchar`).
fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uris() {
        assert_eq!(encode_path("etc/php 8/my#file%.ini"), "etc/php%208/my%23file%25.ini");
        assert_eq!(encode_path("été"), "%C3%A9t%C3%A9");
        assert_eq!(file_uri(Path::new("/etc/redis/redis.conf")), "file:///etc/redis/redis.conf");
    }

    #[test]
    fn sections_of_a_rule_doc() {
        let doc = "# SL1 x\n\n## What it does\nFinds a\nthing.\n\n## Why it matters\nBecause.\n";
        assert_eq!(section(doc, "What it does").as_deref(), Some("Finds a thing."));
        assert_eq!(section(doc, "Why it matters").as_deref(), Some("Because."));
        assert_eq!(section(doc, "Fix"), None);
    }
}
