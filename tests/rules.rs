//! Given a tree under fixtures/rules/<CODE>/<case>, sesslint says this: every rule fires on
//! its `trigger-*` fixtures and stays silent on its `clean*` fixtures, and what it says is
//! pinned by a snapshot per (rule, fixture).

mod common;

use std::path::{Path, PathBuf};

use sesslint::report::{Format, ReportContext};

fn check(dir: &Path, format: Format) -> (Vec<sesslint::diagnostic::Diagnostic>, String) {
    let model = sesslint::model::build(&[dir.to_path_buf()], &Default::default());
    let diagnostics = sesslint::check::run(&model, &sesslint::config::Config::default());
    let ctx = ReportContext::new(&model, false, false);
    let mut out = Vec::new();
    format.write(&diagnostics, &ctx, &mut out).expect("write report");
    (diagnostics, String::from_utf8(out).expect("utf-8 report"))
}

fn cases() -> Vec<(String, String, PathBuf)> {
    let root = Path::new("fixtures/rules");
    let mut out = Vec::new();
    for code in std::fs::read_dir(root).expect("fixtures/rules") {
        let code = code.expect("entry").path();
        for case in std::fs::read_dir(&code).expect("rule dir") {
            let case = case.expect("entry").path();
            let c = code.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            let n = case.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            out.push((c, n, case));
        }
    }
    out.sort();
    out
}

#[test]
fn every_rule_fires_on_its_triggers_and_not_on_its_clean_fixtures() {
    let cases = cases();
    for rule in sesslint::rules::RULES {
        let mine: Vec<_> = cases.iter().filter(|(c, _, _)| *c == rule.code.as_str()).collect();
        if rule.code == "SL002" {
            continue; // needs FIFOs and huge files: built at run time in tests/cli.rs
        }
        if rule.is_live() {
            continue; // SL5xx need a running server: tests/probe.rs starts real ones
        }
        assert!(mine.iter().any(|(_, n, _)| n.starts_with("trigger")), "{} has no trigger fixture", rule.code);
        assert!(mine.iter().any(|(_, n, _)| n.starts_with("clean")), "{} has no clean fixture", rule.code);
    }
    for (code, name, dir) in &cases {
        let (diagnostics, concise) = check(dir, Format::Concise);
        let fired = diagnostics.iter().any(|d| d.code == code.as_str());
        if name.starts_with("trigger") {
            assert!(fired, "{code}/{name} should trigger {code}:\n{concise}");
        } else {
            assert!(!fired, "{code}/{name} should not trigger {code}:\n{concise}");
        }
        insta::assert_snapshot!(format!("{code}__{name}"), concise);
    }
}

/// `sesslint rules` shows each rule's severities from `Rule::also`: every finding on the
/// rule fixtures and the real configs of the corpus has one of them.
#[test]
fn every_finding_has_a_severity_its_rule_lists() {
    let mut dirs: Vec<PathBuf> = cases().into_iter().map(|(_, _, d)| d).collect();
    dirs.push(common::fixtures().join("demo"));
    for corpus in [common::fixtures().join("corpus"), common::fixtures().join("fleets")] {
        for e in std::fs::read_dir(&corpus).expect("corpus") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                dirs.push(p);
            }
        }
    }
    for dir in &dirs {
        let (diagnostics, _) = check(dir, Format::Concise);
        for d in &diagnostics {
            let rule = sesslint::rules::find(d.code.as_str()).expect("a rule per code");
            assert!(
                rule.default_severity == d.severity || rule.also.contains(&d.severity),
                "{}: {} has a {} finding, but `sesslint rules` lists {}: {}",
                dir.display(),
                d.code,
                d.severity.as_str(),
                rule.severities(),
                d.message
            );
        }
    }
}

#[test]
fn secrets_never_appear_in_any_format() {
    for (_, _, dir) in cases() {
        for format in [Format::Human, Format::Concise, Format::Json] {
            let (_, out) = check(&dir, format);
            assert!(!out.contains("not-a-real-password"), "{} leaks a password in {format:?}:\n{out}", dir.display());
        }
    }
}
