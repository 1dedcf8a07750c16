//! The output formats as CI systems and people read them: SARIF checked by real SARIF
//! validators, JUnit parsed by a real XML parser, GitHub workflow commands held to the
//! runner's grammar, no password in any of them, and docs/rules.md in step with the rules.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::sesslint;
use serde_json::Value;

const PASSWORDS: &[&str] = &["demo-cache-password", "not-a-real-password"];
const SECRET_TREES: &[&str] = &["fixtures/demo", "fixtures/rules/SL001/trigger-unquoted-save-path"];
const FORMATS: &[&str] = &["human", "concise", "json", "sarif", "github", "junit"];

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn run(args: &[&str]) -> String {
    stdout(&sesslint(args))
}

fn required() -> bool {
    std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() == Ok("1")
}

/// A validator on PATH, or `None` after saying loudly that the check is skipped; with
/// `SESSLINT_REQUIRE_ORACLES=1` a missing validator fails the test instead.
fn validator(program: &str, install: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(program)).find(|p| p.is_file()));
    if found.is_none() {
        assert!(!required(), "SESSLINT_REQUIRE_ORACLES=1 but `{program}` is not installed ({install})");
        common::skipped(&format!(
            "`{program}` is not installed, so this check validates nothing. Install it: {install}"
        ));
    }
    found
}

/// python3 with `module` importable, or `None` after saying so (failing when required).
fn python_with(module: &str) -> Option<PathBuf> {
    let python = validator("python3", "apt-get install python3")?;
    let ok = Command::new(&python).args(["-c", &format!("import {module}")]).output().map(|o| o.status.success());
    if ok.unwrap_or(false) {
        return Some(python);
    }
    assert!(!required(), "SESSLINT_REQUIRE_ORACLES=1 but python3 cannot import {module} (pip install {module})");
    common::skipped(&format!(
        "python3 has no `{module}` module, so this check validates nothing. Install it: pip install {module}"
    ));
    None
}

/// The SARIF 2.1.0 JSON schema that the SARIF multitool's npm package ships next to it.
fn sarif_schema(multitool: &Path) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SESSLINT_SARIF_SCHEMA") {
        return Some(PathBuf::from(p));
    }
    // bin/sarif-multitool -> .../node_modules/@microsoft/sarif-multitool/bin.js; the binary
    // and the schema are in the platform package beside it or below it.
    let package = std::fs::canonicalize(multitool).ok()?.parent()?.to_path_buf();
    let dirs = [package.join("node_modules/@microsoft"), package.parent()?.to_path_buf()];
    dirs.iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("sarif-multitool-"))
        .map(|e| e.path().join("sarif-2.1.0.json"))
        .find(|p| p.is_file())
}

/// The trees whose SARIF is validated: the demo, a fix, related places in other files.
const SARIF_TREES: &[&str] = &[
    "fixtures/demo",
    "fixtures/rules/SL305/trigger-zero-retries",
    "fixtures/rules/SL001/trigger-unquoted-save-path",
    "fixtures/rules/SL201/trigger-loopback-used-by-pool",
];

/// The SARIF log with what depends on the machine (the working directory) and the release
/// (the version) replaced, and the rule docs (snapshotted in docs/rules.md) shortened.
fn stable_sarif(text: &str) -> Value {
    let mut v: Value = serde_json::from_str(text).expect("SARIF output is JSON");
    let run = &mut v["runs"][0];
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///[CWD]/".into();
    run["tool"]["driver"]["version"] = "[VERSION]".into();
    run["tool"]["driver"]["semanticVersion"] = "[VERSION]".into();
    if let Some(rules) = run["tool"]["driver"]["rules"].as_array_mut() {
        for r in rules {
            r["help"] = "[the rule's doc, as in docs/rules.md]".into();
            r["fullDescription"] = "[its `What it does`]".into();
        }
    }
    v
}

#[test]
fn sarif_on_the_demo_tree() {
    let text = run(&["--format", "sarif", "fixtures/demo"]);
    let v: Value = serde_json::from_str(&text).expect("SARIF output is JSON");
    assert_eq!(v["version"], "2.1.0");
    let driver = &v["runs"][0]["tool"]["driver"];
    let rules = driver["rules"].as_array().expect("rules");
    let listed = run(&["rules", "--format", "json"]);
    let listed: Vec<Value> = serde_json::from_str(&listed).expect("rules as JSON");
    assert_eq!(rules.len(), listed.len(), "every rule is described");
    for (r, l) in rules.iter().zip(&listed) {
        assert_eq!(r["id"], l["code"]);
        assert_eq!(r["help"]["markdown"], l["doc"], "the help is the rule's documentation");
        let text = r["fullDescription"]["text"].as_str().unwrap_or("");
        assert!(text.len() > 20 && !text.contains('\n'), "{}: full description {text:?}", r["id"]);
    }
    for res in v["runs"][0]["results"].as_array().expect("results") {
        let i = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], res["ruleId"], "ruleIndex points at the result's rule");
        let uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap_or("");
        assert!(uri.starts_with("fixtures/demo/"), "relative URI: {uri}");
    }
    let cwd = std::env::current_dir().expect("cwd");
    let base = v["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap_or("");
    assert_eq!(base, format!("file://{}/", cwd.display()), "relative URIs resolve against the working directory");
    insta::assert_snapshot!("demo_sarif", serde_json::to_string_pretty(&stable_sarif(&text)).unwrap_or_default());
}

#[test]
fn sarif_fixes_and_related_places() {
    let text = run(&["--format", "sarif", "fixtures/rules/SL305/trigger-zero-retries"]);
    let v = stable_sarif(&text);
    let results = v["runs"][0]["results"].as_array().expect("results");
    assert!(results
        .iter()
        .any(|r| r["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == "'2'"));
    insta::assert_snapshot!("fix_sarif", serde_json::to_string_pretty(&v["runs"][0]["results"]).unwrap_or_default());

    let text = run(&["--format", "sarif", "fixtures/rules/SL201/trigger-loopback-used-by-pool"]);
    let v = stable_sarif(&text);
    let sl201 = v["runs"][0]["results"].as_array().and_then(|r| r.iter().find(|r| r["ruleId"] == "SL201")).cloned();
    let related = &sl201.unwrap_or_default()["relatedLocations"];
    assert!(related[0]["physicalLocation"]["region"]["startLine"].as_u64().is_some(), "{v}");
}

/// Microsoft's SARIF multitool (`validate`: the schema plus its SARIF rules) and Python's
/// jsonschema against the SARIF 2.1.0 schema the multitool ships.
#[test]
fn sarif_passes_the_sarif_validators() {
    let install = "npm install -g @microsoft/sarif-multitool@5.7.0";
    let Some(multitool) = validator("sarif-multitool", install) else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut logs = Vec::new();
    for (i, tree) in SARIF_TREES.iter().enumerate() {
        let path = dir.path().join(format!("{i}.sarif"));
        std::fs::write(&path, run(&["--format", "sarif", tree])).expect("write SARIF");
        logs.push((tree, path));
    }

    for (tree, path) in &logs {
        let report = dir.path().join("validation.sarif");
        let o = Command::new(&multitool)
            .arg("validate")
            .arg(path)
            .arg("--output")
            .arg(&report)
            .args(["--log", "ForceOverwrite"])
            .output()
            .expect("run sarif-multitool");
        assert!(
            o.status.success(),
            "sarif-multitool failed on {tree}:\n{}{}",
            stdout(&o),
            String::from_utf8_lossy(&o.stderr)
        );
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(&report).expect("the validation log")).expect("log is JSON");
        assert_eq!(report["runs"][0]["invocations"][0]["executionSuccessful"], true, "{report}");
        let complaints: Vec<String> = report["runs"][0]["results"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter(|r| matches!(r["level"].as_str(), Some("error" | "warning") | None))
                    .map(|r| format!("{} {}", r["ruleId"], r["message"]))
                    .collect()
            })
            .unwrap_or_default();
        assert!(complaints.is_empty(), "sarif-multitool validate on the SARIF of {tree}:\n{}", complaints.join("\n"));
    }

    let Some(schema) = sarif_schema(&multitool) else {
        panic!("sarif-multitool is installed but its sarif-2.1.0.json was not found; set SESSLINT_SARIF_SCHEMA");
    };
    let Some(python) = python_with("jsonschema") else { return };
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
bad = 0
for path in sys.argv[2:]:
    for e in validator.iter_errors(json.load(open(path))):
        bad += 1
        print(path, "/".join(map(str, e.absolute_path)), e.message[:300])
sys.exit(1 if bad else 0)
"#;
    let o = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(&schema)
        .args(logs.iter().map(|(_, p)| p))
        .output()
        .expect("run python3");
    assert!(
        o.status.success(),
        "the SARIF does not match {}:\n{}{}",
        schema.display(),
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn github_workflow_commands_on_the_demo_tree() {
    let text = run(&["--format", "github", "fixtures/demo"]);
    let json: Vec<Value> = serde_json::from_str(&run(&["--format", "json", "fixtures/demo"])).expect("JSON");
    assert_eq!(text.lines().count(), json.len(), "one line per finding:\n{text}");
    for (line, d) in text.lines().zip(&json) {
        if let Err(e) = check_workflow_command(line) {
            panic!("not a workflow command ({e}):\n{line}");
        }
        let command = match d["severity"].as_str() {
            Some("error") => "::error ",
            Some("warning") => "::warning ",
            _ => "::notice ",
        };
        assert!(line.starts_with(command), "{line}");
        let place =
            format!("line={},col={},endLine={},endColumn={}", d["line"], d["column"], d["end_line"], d["end_column"]);
        assert!(line.contains(&place), "{line} lacks {place}");
    }
    insta::assert_snapshot!("demo_github", text);
}

/// `::COMMAND key=value,...::message` as the Actions runner parses it: known commands and
/// keys, values free of raw `,` `:` CR LF, `%` only as an escape, a message on one line.
fn check_workflow_command(line: &str) -> Result<(), String> {
    let rest = line.strip_prefix("::").ok_or("no leading ::")?;
    let (head, message) = rest.split_once("::").ok_or("no :: before the message")?;
    let (command, props) = head.split_once(' ').ok_or("no properties")?;
    if !["error", "warning", "notice"].contains(&command) {
        return Err(format!("unknown command {command}"));
    }
    let escapes_ok = |s: &str| {
        let b = s.as_bytes();
        b.iter().enumerate().all(|(i, &c)| {
            c != b'%' || (i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit())
        })
    };
    for prop in props.split(',') {
        let (key, value) = prop.split_once('=').ok_or(format!("property without = in {prop:?}"))?;
        if !["file", "line", "col", "endLine", "endColumn", "title"].contains(&key) {
            return Err(format!("unknown property {key}"));
        }
        if value.contains([':', '\r', '\n']) || !escapes_ok(value) {
            return Err(format!("badly escaped value {value:?}"));
        }
        if ["line", "col", "endLine", "endColumn"].contains(&key) && value.parse::<u32>().map_or(true, |n| n == 0) {
            return Err(format!("{key} is not a positive number"));
        }
    }
    if message.contains(['\r', '\n']) || !escapes_ok(message) {
        return Err("badly escaped message".into());
    }
    Ok(())
}

#[test]
fn github_escaping_follows_the_runner() {
    assert!(check_workflow_command(
        "::error file=a%2Cb,line=1,col=2,endLine=1,endColumn=3,title=SL1 (x)::50%25%0Anext"
    )
    .is_ok());
    assert!(check_workflow_command("::error file=a,b,line=1::m").is_err());
    assert!(check_workflow_command("::error file=a:b,line=1::m").is_err());
    assert!(check_workflow_command("::error file=a,line=1::50% off").is_err());
}

#[test]
fn junit_on_the_demo_tree_is_well_formed_xml() {
    let xml = run(&["--format", "junit", "fixtures/demo"]);
    let json: Vec<Value> = serde_json::from_str(&run(&["--format", "json", "fixtures/demo"])).expect("JSON");
    assert_eq!(xml.matches("<testcase ").count(), json.len());
    assert_eq!(xml.matches("<failure ").count(), json.len());
    insta::assert_snapshot!("demo_junit", xml);

    let clean = run(&["--format", "junit", "fixtures/rules/SL305/clean"]);
    assert!(clean.contains(r#"<testcase name="no findings""#) && !clean.contains("<failure"), "{clean}");

    let Some(python) = validator("python3", "apt-get install python3") else { return };
    let script = r#"
import sys, xml.etree.ElementTree as ET
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites", root.tag
    cases = root.findall("./testsuite/testcase")
    failures = root.findall("./testsuite/testcase/failure")
    assert int(root.get("tests")) == len(cases), (root.get("tests"), len(cases))
    assert int(root.get("failures")) == len(failures)
    for suite in root.findall("testsuite"):
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
    for f in failures:
        assert f.get("message") and f.text and f.get("type") in ("error", "warning", "info"), f.attrib
    print(path, len(cases), "test cases")
"#;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (i, (tree, text)) in [("demo", xml), ("clean", clean)].into_iter().enumerate() {
        let p = dir.path().join(format!("{i}-{tree}.xml"));
        std::fs::write(&p, text).expect("write XML");
        files.push(p);
    }
    let o = Command::new(python).arg("-c").arg(script).args(&files).output().expect("run python3");
    assert!(o.status.success(), "JUnit XML rejected:\n{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
}

#[test]
fn no_password_appears_in_any_format() {
    for tree in SECRET_TREES {
        for format in FORMATS {
            let out = run(&["--format", format, tree]);
            assert!(!out.trim().is_empty(), "{format} on {tree} printed nothing");
            for pw in PASSWORDS {
                assert!(!out.contains(pw), "--format {format} on {tree} prints the password {pw}:\n{out}");
            }
        }
        let stats = run(&["--statistics", tree]);
        assert!(!PASSWORDS.iter().any(|pw| stats.contains(pw)));
    }
    // The trees do carry passwords into the reports (code frames), so the check above has
    // teeth. (Fixes never carry a value: they insert quotes and escapes only.)
    let shown = run(&["--show-secrets", "--format", "human", SECRET_TREES[0], SECRET_TREES[1]]);
    assert!(PASSWORDS.iter().any(|pw| shown.contains(pw)), "--show-secrets shows them");
}

#[test]
fn statistics_count_findings_per_rule() {
    let o = sesslint(&["--statistics", "fixtures/demo"]);
    assert_eq!(o.status.code(), Some(1), "the exit code still says there are findings");
    insta::assert_snapshot!("demo_statistics", stdout(&o));
    let fix = run(&["--statistics", "fixtures/rules/SL305/trigger-zero-retries"]);
    assert_eq!(fix, "2 SL305 [*] connect-retries\n");
    let v: Value =
        serde_json::from_str(&run(&["--statistics", "--format", "json", "fixtures/rules/SL305/trigger-zero-retries"]))
            .expect("JSON statistics");
    assert_eq!(v, serde_json::json!([{"code": "SL305", "name": "connect-retries", "count": 2, "fixable": 2}]));
}

#[test]
fn output_file_quiet_and_no_progress_off_a_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("report.sarif");
    let file_arg = file.to_string_lossy().into_owned();
    let o = sesslint(&["--format", "sarif", "--output-file", &file_arg, "fixtures/demo"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "the report goes to the file only");
    let written = std::fs::read_to_string(&file).expect("the report file");
    assert_eq!(written, run(&["--format", "sarif", "fixtures/demo"]));

    let missing = dir.path().join("no/such/dir/report.txt");
    let o = sesslint(&["--output-file", &missing.to_string_lossy(), "fixtures/demo"]);
    assert_eq!(o.status.code(), Some(2), "an unwritable report file is a usage error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--output-file"));

    let loud = sesslint(&["fixtures/demo"]);
    let quiet = sesslint(&["--quiet", "fixtures/demo"]);
    assert_eq!(quiet.status.code(), Some(1));
    let (loud, quiet_out) = (stdout(&loud), stdout(&quiet));
    assert!(loud.contains("error(s)") && !quiet_out.contains("error(s)"), "--quiet drops the summary:\n{quiet_out}");
    assert!(loud.starts_with(quiet_out.trim_end()), "--quiet keeps every finding");
    // stderr is a pipe here: no progress display, nothing at all.
    assert!(sesslint(&["fixtures/demo"]).stderr.is_empty());
    assert!(quiet.stderr.is_empty());
    assert_eq!(sesslint(&["--quiet", "--verbose", "fixtures/demo"]).status.code(), Some(2));
}

#[test]
fn rule_docs_are_plain_markdown_off_a_terminal() {
    let doc = run(&["rule", "SL201"]);
    assert!(doc.starts_with("# SL201 redis-missing-auth\n"), "{doc}");
    assert!(!doc.contains('\x1b'), "no escape codes in a pipe");
    assert_eq!(doc, run(&["rule", "SL201", "--format", "markdown"]));
    assert!(!run(&["rules"]).contains('\x1b'));
}

#[test]
fn docs_rules_md_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = run(&["rules", "--format", "markdown"]);
    assert!(
        committed == generated,
        "docs/rules.md is not what the rule doc comments say now; regenerate it with\n\n    \
         cargo run -q -- rules --format markdown > docs/rules.md\n"
    );
    // Every rule has its anchor; SARIF carries no helpUri (no published home to point at:
    // the whole documentation is in `help`).
    for r in sesslint::rules::RULES {
        let anchor = r.code.as_str().to_ascii_lowercase();
        assert!(committed.contains(&format!("<a id=\"{anchor}\"></a>")), "no anchor for {}", r.code);
    }
    let sarif: Value = serde_json::from_str(&run(&["--format", "sarif", "fixtures/rules/SL305/clean"])).expect("SARIF");
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["informationUri"], "README.md", "relative: sesslint has no published home");
    for r in driver["rules"].as_array().expect("rules") {
        assert!(r.get("helpUri").is_none() && r["help"]["markdown"].is_string(), "{r}");
    }
}
