//! Whatever bytes an env.php holds, sesslint's tree prints them back unchanged and parsing
//! never panics, overflows the stack or takes more than linear time.

mod common;

use proptest::prelude::*;
use sesslint::syntax::env_php::{parse, EnvPhp};

fn assert_lossless(bytes: &[u8]) -> EnvPhp {
    let env = parse(bytes);
    assert_eq!(env.print(), bytes, "print differs from input");
    let mut at = 0;
    for t in env.tokens() {
        assert_eq!(t.span().start, at, "tokens leave a gap");
        at = t.span().end;
    }
    assert_eq!(at, bytes.len());
    let mut at = 0;
    for item in env.items() {
        assert_eq!(item.tokens.start, at, "items leave a gap");
        at = item.tokens.end;
    }
    assert_eq!(at, env.tokens().len());
    for e in &env.errors {
        assert!(e.span.start <= e.span.end && e.span.end <= bytes.len(), "error span out of range");
    }
    let _ = env.evaluate_file();
    env
}

const FRAGMENTS: &[&str] = &[
    "<?php ",
    "<?php\n",
    "<?",
    "<?=",
    "?>",
    "?>\n",
    "return ",
    "RETURN",
    "[",
    "]",
    "array(",
    "Array (",
    "(",
    ")",
    "{",
    "}",
    ",",
    ";",
    " => ",
    "=>",
    "'",
    "\"",
    "\\",
    "\\\\",
    "\\'",
    "\\\"",
    "'a'",
    "\"b\"",
    "\"$x\"",
    "\"{$y}\"",
    "${",
    "<<<",
    "<<<EOT\n",
    "<<<'N'\n",
    "\nEOT",
    "\n  EOT",
    "EOT",
    "N",
    "// c\n",
    "# c\n",
    "#[",
    "/*",
    "*/",
    "/** d */",
    "\n",
    "\r\n",
    " ",
    "\t",
    "0x1F",
    "0b1",
    "017",
    "08",
    "1_000",
    "1.5",
    ".5",
    "1e3",
    "-",
    "+",
    "...",
    "&",
    "true",
    "NULL",
    "$_ENV['X']",
    "getenv('A')",
    ".",
    "?:",
    "??",
    "declare(strict_types=1);",
    "\u{feff}",
    "\0",
    "\u{1F600}",
];

fn soup() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => prop::sample::select(FRAGMENTS).prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..4),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_token_soup_round_trips(bytes in soup()) {
        assert_lossless(&bytes);
    }

    #[test]
    fn any_bytes_round_trip(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        assert_lossless(&bytes);
    }
}

#[test]
fn every_php_file_in_fixtures_and_corpus_round_trips() {
    // fixtures/ holds the corpus too (fixtures/corpus, SOURCES.md).
    let dirs = [common::fixtures()];
    let mut seen = 0;
    for dir in dirs {
        for file in common::files_below(&dir) {
            if file.extension().is_none_or(|e| e != "php") {
                continue;
            }
            let bytes = std::fs::read(&file).expect("read");
            let env = assert_lossless(&bytes);
            // Conformance error cases and SL001's fixtures are broken on purpose.
            let is_error_case = file.file_name().is_some_and(|n| n.to_string_lossy().starts_with("error_"))
                || file.to_string_lossy().contains("/rules/SL001/");
            if !is_error_case {
                assert!(env.errors.is_empty(), "{}: {:?}", file.display(), env.errors);
            }
            // SL302's fixture compiles but returns no array on purpose.
            let returns_no_array = file.to_string_lossy().contains("returns-no-array");
            if file.file_name().is_some_and(|n| n == "env.php") && !is_error_case && !returns_no_array {
                assert!(env.root_array().is_some(), "{}: no returned array", file.display());
            }
            seen += 1;
        }
    }
    assert!(seen >= 45, "only {seen} .php files found");
}

#[test]
fn a_hundred_thousand_open_brackets() {
    let src = format!("<?php return {}", "[".repeat(100_000));
    let env = assert_lossless(src.as_bytes());
    assert!(!env.errors.is_empty());
}

#[test]
fn a_hundred_thousand_closed_nested_arrays() {
    let src = format!("<?php return {}{};", "[".repeat(100_000), "]".repeat(100_000));
    let env = assert_lossless(src.as_bytes());
    assert_eq!(env.errors[0].message, "memory exhausted");
    let src = format!("<?php return {}1{};", "array(".repeat(100_000), ")".repeat(100_000));
    let env = assert_lossless(src.as_bytes());
    assert!(!env.errors.is_empty());
}

#[test]
fn nesting_php_accepts_is_evaluated_without_deep_recursion() {
    let src = format!("<?php return {}1{};", "['k' => ".repeat(3000), "]".repeat(3000));
    let env = assert_lossless(src.as_bytes());
    assert!(env.errors.is_empty(), "{:?}", &env.errors[..1]);
    assert!(env.evaluate_file().too_deep);
}

#[test]
fn invalid_utf8_and_nul_bytes() {
    let env = assert_lossless(b"<?php return ['k' => '\xff\xfe', '\xc3' => 1];");
    assert!(env.errors.is_empty());
    assert!(!env.evaluate_file().value.to_json_checked().1);
    let env = assert_lossless(b"<?php return ['a' => 'x\0y', 'b' => 1,\0];");
    assert_eq!(env.errors.len(), 1);
    assert_lossless(b"\0\0<?php\0");
}

#[test]
fn a_megabyte_string_literal() {
    let body = "x\\'".repeat(350_000);
    let src = format!("<?php return ['big' => '{body}'];");
    let env = assert_lossless(src.as_bytes());
    assert!(env.errors.is_empty());
    let v = env.evaluate_file().value;
    let big = v.as_array().and_then(|a| a.get_str("big")).and_then(|v| v.as_bytes()).map(<[u8]>::len);
    assert_eq!(big, Some(700_000));
}
