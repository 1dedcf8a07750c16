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

/// A redis.conf whose `aclfile` leads out of the checked tree: redis-server refuses to start
/// on an ACL file it cannot open ("Aborting Redis startup because of ACL errors: Error
/// loading ACLs, opening file ...", asked live here), but the file may well be on the
/// server, so which users it has is not known here. No rule that needs them says anything
/// of them (no "the default user has no password", no "ACL user `sessions` does not
/// exist"), and `show` says the users are not known.
#[test]
fn an_aclfile_not_read_leaves_the_users_unknown() {
    let dir = Path::new("fixtures/rules/SL201/clean-aclfile-outside-the-tree");
    let (diagnostics, concise) = check(dir, Format::Concise);
    for code in ["SL201", "SL203", "SL205", "SL401", "SL406"] {
        assert!(
            !diagnostics.iter().any(|d| d.code == code),
            "{code} claims something of the unknown users:\n{concise}"
        );
    }
    assert!(diagnostics.iter().any(|d| d.code == "SL002"), "the aclfile not read is not said:\n{concise}");
    let show = |format: &str| {
        let out = common::sesslint(&["show", "--format", format, dir.to_str().expect("utf-8 path")]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = show("text");
    assert!(text.contains("auth: not known: the aclfile at"), "{text}");
    assert!(!text.contains("refuses the session handler") && !text.contains("nopass"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&show("json")).expect("json");
    let server = &json["redis_servers"][0];
    assert_eq!(server["users_known"], false, "{server}");
    assert!(server["auth"].is_null() && server["default_user"].is_null(), "{server}");
    // Exposed, with protected mode off and a world-writable socket: what the rules that
    // judge exposure say of the password is that it is not known.
    let tree = tempfile::tempdir().expect("tempdir");
    let etc = tree.path().join("repo/etc/redis");
    std::fs::create_dir_all(&etc).expect("mkdir");
    let conf = "bind 0.0.0.0\nport 6379\nprotected-mode no\nunixsocket /run/redis/redis.sock\nunixsocketperm 777\n\
                aclfile ../../../outside/users.acl\n";
    std::fs::write(etc.join("redis.conf"), conf).expect("write");
    let (diagnostics, concise) = check(&tree.path().join("repo"), Format::Concise);
    for code in ["SL202", "SL203", "SL208"] {
        assert!(diagnostics.iter().any(|d| d.code == code), "{code} is not said:\n{concise}");
    }
    for d in diagnostics.iter().filter(|d| ["SL202", "SL203", "SL208"].contains(&d.code.as_str())) {
        assert!(!d.message.contains("no password"), "{}: {}", d.code.as_str(), d.message);
    }
    assert!(concise.contains("not known here (its aclfile was not read)"), "{concise}");
    if let Some(redis) = common::oracle("redis-server") {
        let tmp = tempfile::tempdir().expect("tempdir");
        let conf = tmp.path().join("redis.conf");
        std::fs::write(&conf, format!("aclfile {}\n", tmp.path().join("missing.acl").display())).expect("write");
        match common::redis::start(&redis, &conf, tmp.path(), tmp.path(), &[]) {
            common::redis::Outcome::Refused(log) => {
                assert!(log.contains("Error loading ACLs, opening file"), "{log}")
            }
            common::redis::Outcome::Running(_) => panic!("redis-server starts without its ACL file"),
        }
    }
}
