//! What each parser promises for any input: it does not panic, printing the unedited tree
//! gives the input back byte for byte, the spans tile the input, and computing the values
//! the real program would see (what `sesslint parse` prints) completes.
//!
//! Shared by the fuzz targets (`fuzz/fuzz_targets/*.rs`) and by `tests/fuzz_regressions.rs`,
//! which replays every input the fuzzer once broke.
#![allow(dead_code)]

use sesslint::parse_output::parse_source;
use sesslint::syntax::ini::{self, NodeKind, ScanMode};
use sesslint::syntax::{env_php, redis_conf, FileKind};
use sesslint::Source;

/// php.ini dialect, in both scan modes (php.ini as a whole, php-fpm.conf line by line).
pub fn check_ini(bytes: &[u8]) {
    for mode in [ScanMode::WholeFile, ScanMode::PerLine] {
        let doc = ini::parse_with(bytes, mode);
        assert_eq!(doc.print(), bytes, "ini round trip in {mode:?}");
        let mut at = 0;
        for node in &doc.nodes {
            assert_eq!(node.span.start, at, "ini nodes leave a gap or overlap in {mode:?}");
            at = node.span.end;
        }
        assert_eq!(at, bytes.len(), "ini nodes stop before the end in {mode:?}");
        for error in &doc.errors {
            assert!(error.span.start <= error.span.end && error.span.end <= bytes.len(), "ini error span out of range");
        }
        // Every value, offset and section name evaluated, applied or not.
        let env = ini::OtherEnvironment::default();
        for node in &doc.nodes {
            match &node.kind {
                NodeKind::Section(s) => {
                    doc.evaluate_section(&s.name, &env);
                }
                NodeKind::Entry(e) => {
                    doc.evaluate(&e.value, &env);
                    if let Some(offset) = &e.offset {
                        doc.evaluate_offset(offset, &env);
                    }
                }
                _ => {}
            }
        }
    }
    // What `sesslint parse --kind ini` computes: parse_ini_file($f, true) or false.
    let out = parse_source(&Source::new("fuzz.ini", bytes.to_vec()), Some(FileKind::Ini));
    assert_eq!(
        out.accepted,
        out.value != serde_json::Value::Bool(false),
        "ini: accepted but false, or refused with a value"
    );
    // An accepted file may carry notes (`${NAME}` from PHP's environment, a cut value); a
    // refused one always says why.
    assert!(out.accepted || !out.problems.is_empty(), "ini: refused without a problem");
    render(&out);
}

/// redis.conf. Only the in-memory parts: the loader's `include`, `dir`, `logfile` and
/// `loadmodule` handling touches the file system, so the directives go straight to the
/// load-time checker and to `effective_config` (what `CONFIG GET` would report).
pub fn check_redis_conf(bytes: &[u8]) {
    let tree = redis_conf::parse(bytes);
    assert_eq!(tree.print(), bytes, "redis.conf round trip");
    let mut at = 0;
    for line in tree.lines() {
        assert_eq!(line.span.start, at, "redis.conf lines leave a gap or overlap");
        assert!(line.content.start >= line.span.start && line.content.end <= line.span.end, "content outside its line");
        if let redis_conf::LineKind::Directive(d) = &line.kind {
            assert!(d.name.span.start >= line.content.start, "directive name before its line's content");
            let mut prev = d.name.span.end;
            for arg in d.args() {
                assert!(arg.span.start > prev && arg.span.end <= line.content.end, "argument out of place: {arg:?}");
                prev = arg.span.end;
            }
        }
        at = line.span.end;
    }
    assert_eq!(at, bytes.len(), "redis.conf lines stop before the end");
    for error in tree.errors() {
        assert!(
            error.span.start <= error.span.end && error.span.end <= bytes.len(),
            "redis.conf error span out of range"
        );
    }
    let directives: Vec<(String, Vec<redis_conf::ArgBytes>)> = tree
        .directives()
        .map(|(_, d)| (d.name_lowercase(), d.args().iter().map(|a| a.value.clone()).collect()))
        .collect();
    // Unlike redis-server, keep going after a refused directive: more checker states are reached.
    let mut checker = redis_conf::Checker::new();
    for (name, args) in &directives {
        let _ = checker.directive(name, args);
    }
    let _ = checker.finish();
    let config = redis_conf::effective_config(directives.iter().map(|(n, a)| (n.as_str(), a.as_slice())));
    for (name, value) in &config {
        assert!(!name.is_empty(), "effective_config has an empty name (value {value:?})");
    }
}

/// Magento's env.php.
pub fn check_env_php(bytes: &[u8]) {
    let env = env_php::parse(bytes);
    assert_eq!(env.print(), bytes, "env.php round trip");
    let mut at = 0;
    for token in env.tokens() {
        assert_eq!(token.span.start, at, "env.php tokens leave a gap or overlap");
        at = token.span.end;
    }
    assert_eq!(at, bytes.len(), "env.php tokens stop before the end");
    let mut at = 0;
    for item in env.items() {
        assert_eq!(item.tokens.start, at, "env.php items leave a gap or overlap");
        at = item.tokens.end;
    }
    assert_eq!(at, env.tokens().len(), "env.php items stop before the last token");
    for diag in env.errors.iter().chain(&env.warnings) {
        assert!(
            diag.span.start <= diag.span.end && diag.span.end <= bytes.len(),
            "env.php diagnostic span out of range"
        );
    }
    // The lookups the model makes for session storage.
    let _ = env.lookup(&["session", "save"]);
    let _ = env.lookup(&["session", "redis", "host"]);
    // What `sesslint parse --kind envphp` computes: `include $f` as JSON.
    let out = parse_source(&Source::new("env.php", bytes.to_vec()), Some(FileKind::Envphp));
    assert_eq!(out.accepted, env.is_accepted(), "env.php: parse_output disagrees with the tree on acceptance");
    render(&out);
}

/// Print the result as the `parse` command does (JSON, and each problem's position).
fn render(out: &sesslint::parse_output::ParseOutput) {
    serde_json::to_string(&out.value).expect("a serde_json::Value always serialises");
    for problem in &out.problems {
        let _ = problem.to_string();
    }
}
