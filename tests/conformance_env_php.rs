//! Given an env.php file, `sesslint parse --kind envphp` says what PHP 8.2 itself says:
//! the value `include` returns (as `json_encode` prints it) and whether `php -l` accepts it.
//!
//! PHP is run as `php -n -d display_errors=stderr -r 'ob_start(); $v = include $argv[1];
//! ob_end_clean(); echo json_encode($v);'`: the same value as `echo json_encode(include f)`,
//! without inline text before `<?php` and compile warnings mixed into stdout.
//! Cases named `error_*` must be refused by `php -l`; cases named `opaque_*` hold
//! expressions PHP evaluates and sesslint reports as "not statically known".

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const INCLUDE_AS_JSON: &str = "ob_start(); $v = include $argv[1]; ob_end_clean(); echo json_encode($v);";

fn cases() -> Vec<PathBuf> {
    let dir = common::fixtures().join("conformance/envphp");
    common::files_below(&dir).into_iter().filter(|p| p.extension().is_some_and(|e| e == "php")).collect()
}

fn name(p: &Path) -> String {
    p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

struct Php {
    accepted: bool,
    /// `None` when json_encode failed (PHP printed nothing).
    value: Option<Value>,
}

fn run_php(php: &Path, file: &Path) -> Php {
    let lint = Command::new(php).args(["-n", "-l"]).arg(file).output().expect("run php -l");
    let accepted = lint.status.success();
    if !accepted {
        return Php { accepted, value: None };
    }
    let out = Command::new(php)
        .args(["-n", "-d", "display_errors=stderr", "-r", INCLUDE_AS_JSON])
        .arg(file)
        .output()
        .expect("run php");
    let text = String::from_utf8_lossy(&out.stdout);
    let value = if text.is_empty() { None } else { Some(serde_json::from_str(&text).expect("php printed JSON")) };
    Php { accepted, value }
}

struct Ours {
    accepted: bool,
    value: Value,
    stderr: String,
}

fn run_sesslint(file: &Path) -> Ours {
    let path = file.to_string_lossy().into_owned();
    let out = common::sesslint(&["parse", "--show-secrets", "--format", "json", "--kind", "envphp", &path]);
    let code = out.status.code();
    assert!(matches!(code, Some(0 | 1)), "{path}: exit {code:?}: {}", String::from_utf8_lossy(&out.stderr));
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{path}: not JSON ({e})"));
    Ours { accepted: code == Some(0), value, stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

/// JSON equality with numbers compared as f64 (PHP prints `1.0` as `1`) and object keys in
/// order (PHP arrays are ordered). With `wildcard_null`, our `null` matches anything.
fn same(ours: &Value, php: &Value, wildcard_null: bool) -> bool {
    match (ours, php) {
        (Value::Null, _) if wildcard_null => true,
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y, wildcard_null))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && same(va, vb, wildcard_null))
        }
        _ => ours == php,
    }
}

#[test]
fn there_are_at_least_forty_cases() {
    let n = cases().len();
    assert!(n >= 40, "only {n} conformance cases");
}

#[test]
fn values_and_acceptance_match_php() {
    let Some(php) = common::oracle("php") else { return };
    let mut failures = Vec::new();
    for case in cases() {
        let name = name(&case);
        let expected = run_php(&php, &case);
        let ours = run_sesslint(&case);
        if name.starts_with("error_") && expected.accepted {
            failures.push(format!("{name}: meant to be a syntax error, but php -l accepts it"));
        }
        if ours.accepted != expected.accepted {
            failures.push(format!(
                "{name}: php -l accepted={}, sesslint accepted={} ({})",
                expected.accepted,
                ours.accepted,
                ours.stderr.trim()
            ));
            continue;
        }
        if !expected.accepted {
            if ours.stderr.is_empty() {
                failures.push(format!("{name}: refused without a message"));
            }
            continue;
        }
        let opaque = name.starts_with("opaque_");
        if opaque && !ours.stderr.contains("not statically known") {
            failures.push(format!("{name}: no \"not statically known\" problem"));
        }
        match &expected.value {
            None => {
                if ours.value != Value::Null || !ours.stderr.contains("json_encode() fails") {
                    failures.push(format!("{name}: json_encode fails in PHP, sesslint printed {}", ours.value));
                }
            }
            Some(php_value) => {
                if !same(&ours.value, php_value, opaque) {
                    failures.push(format!("{name}:\n  php:      {php_value}\n  sesslint: {}", ours.value));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from PHP:\n{}",
        failures.len(),
        cases().len(),
        failures.join("\n")
    );
}

/// PHP's parser stack holds 10 000 symbols: 9 994 nested `[` compile, 9 995 do not, and
/// json_encode gives up beyond 512 levels.
#[test]
fn deep_nesting_limits_match_php() {
    let Some(php) = common::oracle("php") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    for (levels, long) in [(512, false), (513, false), (9994, false), (9995, false), (4997, true), (4998, true)] {
        let (open, close) = if long { ("array(", ")") } else { ("[", "]") };
        let file = dir.path().join(format!("deep{levels}.php"));
        std::fs::write(&file, format!("<?php return {}{};", open.repeat(levels), close.repeat(levels))).expect("write");
        // Compared as text: serde_json refuses to read JSON nested deeper than 128.
        let lint = Command::new(&php).args(["-n", "-l"]).arg(&file).output().expect("php -l");
        let ours = common::sesslint(&[
            "parse",
            "--show-secrets",
            "--format",
            "json",
            "--kind",
            "envphp",
            &file.to_string_lossy(),
        ]);
        let ours_text = String::from_utf8_lossy(&ours.stdout).trim().to_owned();
        let ours_err = String::from_utf8_lossy(&ours.stderr).into_owned();
        assert_eq!(ours.status.success(), lint.status.success(), "{levels} levels ({open}): {ours_err}");
        if lint.status.success() {
            let out = Command::new(&php)
                .args(["-n", "-d", "display_errors=stderr", "-r", INCLUDE_AS_JSON])
                .arg(&file)
                .output()
                .expect("run php");
            let php_text = String::from_utf8_lossy(&out.stdout).into_owned();
            if php_text.is_empty() {
                assert!(ours_err.contains("json_encode() fails"), "{levels} levels: {ours_err}");
            } else {
                assert_eq!(ours_text, php_text, "{levels} levels");
            }
        }
    }
}

#[test]
fn magento_corpus_files_match_php() {
    let Some(php) = common::oracle("php") else { return };
    // The Magento files of the corpus copy (fixtures/corpus/SOURCES.md says where each is from).
    let files: Vec<PathBuf> = common::files_below(&common::fixtures().join("corpus"))
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "php"))
        .collect();
    assert!(files.len() >= 5);
    for file in files {
        let expected = run_php(&php, &file);
        let ours = run_sesslint(&file);
        assert!(expected.accepted && ours.accepted, "{}: {}", file.display(), ours.stderr);
        let php_value = expected.value.expect("php printed JSON");
        assert!(same(&ours.value, &php_value, false), "{}:\n php: {php_value}\n us:  {}", file.display(), ours.value);
    }
}

#[test]
fn two_names_without_an_operator_give_php_own_message() {
    let Some(php) = common::oracle("php") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    for (expr, token) in [("FOO BAR", "BAR"), ("'x' . FOO BAR", "BAR"), ("FOO::BAR BAZ", "BAZ")] {
        let file = dir.path().join("env.php");
        std::fs::write(&file, format!("<?php\nreturn ['x' => {expr}];\n")).expect("write");
        let lint = Command::new(&php).args(["-n", "-l"]).arg(&file).output().expect("php -l");
        let said = format!("syntax error, unexpected identifier \"{token}\", expecting \"]\"");
        assert!(
            String::from_utf8_lossy(&lint.stderr).contains(&said)
                || String::from_utf8_lossy(&lint.stdout).contains(&said)
        );
        let ours = common::sesslint(&["parse", "--kind", "envphp", &file.to_string_lossy()]);
        assert!(!ours.status.success(), "{expr}");
        let text = format!("{}{}", String::from_utf8_lossy(&ours.stdout), String::from_utf8_lossy(&ours.stderr));
        assert!(text.contains(&said), "{expr}: {text}");
    }
}

/// PHP's parser stack (bison's 10,000 symbols) runs out on deep parentheses, `!` and casts
/// as it does on deep arrays: sesslint says "memory exhausted" exactly where `php -l` fails,
/// on both sides of the limit, at the top level and two arrays deep.
#[test]
fn deep_prefix_and_parenthesis_nesting_exhausts_the_parser_where_php_does() {
    let Some(php) = common::oracle("php") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("env.php");
    let two_deep = ("<?php return ['session' => ['save' => ", "]];\n");
    let top = ("<?php return ", ";\n");
    let cases = [
        (two_deep, "(", ")", 9988),
        (two_deep, "(", ")", 9989),
        (two_deep, "!", "", 9989),
        (two_deep, "!", "", 9990),
        (two_deep, "(string)", "", 9989),
        (two_deep, "(string)", "", 9990),
        (top, "(", ")", 9994),
        (top, "(", ")", 9995),
        (two_deep, "(", ")", 20000),
    ];
    let mut verdicts = Vec::new();
    for ((head, tail), open, close, n) in cases {
        std::fs::write(&file, format!("{head}{}'redis'{}{tail}", open.repeat(n), close.repeat(n))).expect("write");
        let php_ok = Command::new(&php).args(["-n", "-l"]).arg(&file).output().expect("php -l").status.success();
        let ours = common::sesslint(&["parse", "--kind", "envphp", &file.to_string_lossy()]);
        let text = format!("{}{}", String::from_utf8_lossy(&ours.stdout), String::from_utf8_lossy(&ours.stderr));
        assert_eq!(
            !text.contains("memory exhausted"),
            php_ok,
            "{open}x{n}: php -l ok = {php_ok}, sesslint said: {text:.300}"
        );
        verdicts.push(php_ok);
    }
    // The cases straddle the limit: some pass, some fail.
    assert!(verdicts.contains(&true) && verdicts.contains(&false));
}

/// PHP's next index stops at PHP_INT_MAX: once that key is taken, an entry without a key
/// makes `include` throw ("next element is already occupied") though `php -l` accepts the
/// file. sesslint refuses the same files with PHP's message, and accepts the neighbours
/// PHP accepts.
#[test]
fn a_taken_php_int_max_refuses_the_next_entry_as_php_does() {
    let Some(php) = common::oracle("php") else { return };
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let cases = [
        ("<?php return [9223372036854775807 => 'v', 'x'];", false),
        ("<?php return [9223372036854775806 => 'v', 'x', 'y'];", false),
        ("<?php return ['a' => [9223372036854775807 => 1], 'b' => [9223372036854775807 => 'v', 'x']];", false),
        ("<?php return [9223372036854775806 => 'v', 'x'];", true),
        ("<?php return [9223372036854775807 => 'v', 9223372036854775807 => 'w'];", true),
    ];
    for (i, (text, php_accepts)) in cases.iter().enumerate() {
        let file = dir.join(format!("k{i}.php"));
        std::fs::write(&file, text).expect("write case");
        let out = Command::new(&php)
            .args(["-n", "-d", "display_errors=stderr", "-r", "include $argv[1];"])
            .arg(&file)
            .output()
            .expect("run php");
        let php_err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.success(), *php_accepts, "{text}: php says {php_err}");
        assert_eq!(php_err.contains("already occupied"), !php_accepts, "{text}: {php_err}");
        let ours = run_sesslint(&file);
        assert_eq!(ours.accepted, *php_accepts, "{text}: sesslint says {}", ours.stderr);
        assert_eq!(
            ours.stderr.contains("the next element is already occupied"),
            !php_accepts,
            "{text}: {}",
            ours.stderr
        );
    }
}
