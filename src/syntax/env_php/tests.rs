//! Unit tests: given this env.php text, the tree and values say this.

use super::*;

fn value(src: &str) -> serde_json::Value {
    let env = parse(src.as_bytes());
    assert!(env.errors.is_empty(), "{src}: {:?}", env.errors);
    env.evaluate_file().value.to_json()
}

fn text(env: &EnvPhp, span: Span) -> &str {
    std::str::from_utf8(env.text(span)).unwrap_or("<bytes>")
}

#[test]
fn a_magento_session_block_is_found_with_its_spans() {
    let src = "<?php\nreturn [\n    'session' => [\n        'save' => 'redis',\n        'redis' => [\n            'database' => '2', // sessions\n        ],\n    ],\n];\n";
    let env = parse(src.as_bytes());
    assert!(env.errors.is_empty());
    assert_eq!(env.print(), src.as_bytes());
    let db = env.lookup(&["session", "redis", "database"]).expect("found");
    assert_eq!(text(&env, env.expr(db.key.expect("key")).span), "'database'");
    assert_eq!(text(&env, env.expr(db.value).span), "'2'");
    assert_eq!(env.literal_value(db.value), Some(PhpValue::str("2")));
    // A string without escapes is kept as its span between the quotes, not copied.
    let inner = Span::new(env.expr(db.value).span.start + 1, env.expr(db.value).span.end - 1);
    assert_eq!(env.expr(db.value).kind, ExprKind::Str(TreeStr::Source(inner)));
    assert_eq!(text(&env, db.comma().expect("comma")), ",");
    assert_eq!(env.lookup(&["session", "save"]).and_then(|e| env.string_value(e.value)), Some(&b"redis"[..]));
    assert!(env.lookup(&["session", "missing"]).is_none());
}

#[test]
fn long_arrays_in_any_case_and_constants_in_any_case() {
    assert_eq!(
        value("<?php return Array ( 'a' => ARRAY(1,), 'b' => TRUE, 'c' => Null, 'd' => \\false );"),
        serde_json::json!({"a": [1], "b": true, "c": null, "d": false})
    );
}

#[test]
fn keys_are_normalised_and_the_last_duplicate_wins_in_first_place() {
    let v = value("<?php return ['8' => 'a', '08' => 'b', '-0' => 'c', true => 'd', null => 'e', 'x' => 1, 8 => 'f', 'x' => 2, 'g'];");
    assert_eq!(v.to_string(), r#"{"8":"f","08":"b","-0":"c","1":"d","":"e","x":2,"9":"g"}"#);
}

#[test]
fn implicit_keys_follow_negative_keys() {
    assert_eq!(value("<?php return [-5 => 'a', 'b'];").to_string(), r#"{"-5":"a","-4":"b"}"#);
}

#[test]
fn float_keys_truncate_with_a_deprecation() {
    let env = parse(b"<?php return [1.7 => 'a'];");
    assert!(env.errors.is_empty());
    assert_eq!(env.evaluate_file().value.to_json(), serde_json::json!({"1": "a"}));
    assert!(env.warnings[0].message.contains("float 1.7 to int"));
}

#[test]
fn signs_and_number_forms() {
    assert_eq!(
        value(
            "<?php return [-1, - /* c */ 2, +3, - -4, -0x10, 1_000, 0o17, 017, 0b11, .5, 1e3, -9223372036854775808];"
        ),
        serde_json::json!([-1, -2, 3, 4, -16, 1000, 15, 15, 3, 0.5, 1000.0, -9.223_372_036_854_776e18])
    );
}

#[test]
fn opaque_expressions_keep_spans_and_do_not_break_the_file() {
    let src = "<?php return ['db' => $_ENV['DB'] ?? 'x', 'k' => getenv('K') ?: 'v', 'c' => 'a' . 'b', 'n' => PHP_EOL, 'f' => \\Foo::BAR, 'ok' => 1];";
    let env = parse(src.as_bytes());
    assert!(env.errors.is_empty(), "{:?}", env.errors);
    let db = env.lookup(&["db"]).expect("db");
    assert_eq!(env.expr(db.value).kind, ExprKind::Opaque);
    assert_eq!(text(&env, env.expr(db.value).span), "$_ENV['DB'] ?? 'x'");
    let ev = env.evaluate_file();
    assert_eq!(ev.unknown.len(), 5);
    assert_eq!(ev.value.to_json()["ok"], serde_json::json!(1));
}

#[test]
fn interpolation_makes_a_string_opaque() {
    let env = parse(br#"<?php return ["a $b", "{$c}", "$", "\$d"];"#);
    assert!(env.errors.is_empty());
    let ev = env.evaluate_file();
    assert_eq!(ev.unknown.len(), 2);
    assert_eq!(ev.value.to_json(), serde_json::json!([null, null, "$", "$d"]));
}

#[test]
fn heredoc_and_nowdoc() {
    assert_eq!(
        value("<?php return [<<<EOT\n    a\\tb\n      c\n    EOT, <<<'N'\n  \\t\n  N];"),
        serde_json::json!(["a\tb\n  c", "\\t"])
    );
}

#[test]
fn missing_comma_is_a_syntax_error_at_the_second_value() {
    let src = "<?php return [\n'a' => 'x'\n'b' => 'y'];";
    let env = parse(src.as_bytes());
    assert_eq!(env.print(), src.as_bytes());
    let e = &env.errors[0];
    assert_eq!(e.span.start, src.find("'b'").unwrap_or(0));
    assert!(e.message.contains("unexpected single-quoted string \"b\""), "{}", e.message);
}

#[test]
fn unclosed_array_and_unterminated_string_are_errors() {
    for src in [
        "<?php return [1",
        "<?php return ['a",
        "<?php return [\"a];",
        "<?php return [1]",
        "<?php return [1,,2];",
        "<?php return [[1] => 2];",
    ] {
        let env = parse(src.as_bytes());
        assert!(!env.errors.is_empty(), "{src}");
        assert_eq!(env.print(), src.as_bytes());
    }
}

#[test]
fn what_include_returns_without_an_array() {
    assert_eq!(value("<?php $x = 1;"), serde_json::json!(1));
    assert_eq!(value("<?php return;"), serde_json::json!(null));
    assert_eq!(value("<?php return 5 ?>"), serde_json::json!(5));
    assert_eq!(value("head <?php declare(ticks=1); return ['a' => 1] ?>\ntail"), serde_json::json!({"a": 1}));
}

#[test]
fn strict_types_must_come_first() {
    assert!(parse(b"<?php /* c */ declare(strict_types=1); return [];").errors.is_empty());
    assert!(!parse(b"x<?php declare(strict_types=1); return [];").errors.is_empty());
}

#[test]
fn deep_nesting_stops_like_php_without_recursion() {
    let ok = format!("<?php return {}{};", "[".repeat(9994), "]".repeat(9994));
    let env = parse(ok.as_bytes());
    assert!(env.errors.is_empty());
    assert!(env.evaluate_file().too_deep);
    let bad = format!("<?php return {}{};", "[".repeat(9995), "]".repeat(9995));
    let env = parse(bad.as_bytes());
    assert_eq!(env.errors[0].message, "memory exhausted");
    assert_eq!(env.print(), bad.as_bytes());
    let open = "[".repeat(100_000);
    let env = parse(open.as_bytes());
    assert_eq!(env.print(), open.as_bytes());
    let env = parse(format!("<?php return {open}").as_bytes());
    assert!(!env.errors.is_empty());
}

#[test]
fn spread_of_a_static_array_is_evaluated() {
    assert_eq!(
        value("<?php return [...[5 => 'a', 'k' => 'b'], 'c'];"),
        serde_json::json!({"0": "a", "k": "b", "1": "c"})
    );
}

#[test]
fn array_followed_by_an_operator_is_opaque() {
    let env = parse(b"<?php return ['a' => [1] + [2], [1][0]];");
    assert!(env.errors.is_empty());
    assert_eq!(env.evaluate_file().unknown.len(), 2);
}

#[test]
fn string_keys_are_kept_once_and_still_evaluate_to_their_string() {
    let src =
        "<?php return ['host' => 1, \"p\\x41th\" => 2, '7' => 3, '07' => 4, '-5' => 5, '-x' => 6, 'z' => ['a' => 1]];";
    let env = parse(src.as_bytes());
    assert!(env.errors.is_empty(), "{:?}", env.errors);
    let root = env.root_array().expect("an array");
    let keys: Vec<(Option<ArrayKey>, PhpValue)> = env
        .array(root)
        .entries
        .iter()
        .map(|e| (env.key(e).map(KeyRef::to_array_key), env.evaluate(e.key.expect("a key")).value))
        .collect();
    let s = |k: &str| (Some(ArrayKey::Str(k.into())), PhpValue::str(k));
    assert_eq!(keys[0], s("host"));
    assert_eq!(keys[1], s("pAth"));
    // Int-looking keys keep their literal: the key is an int, the literal a string.
    assert_eq!(keys[2], (Some(ArrayKey::Int(7)), PhpValue::str("7")));
    assert_eq!(keys[3], s("07"));
    assert_eq!(keys[4], (Some(ArrayKey::Int(-5)), PhpValue::str("-5")));
    assert_eq!(keys[5], s("-x"));
    assert!(matches!(env.expr(env.array(root).entries[0].key.expect("key")).kind, ExprKind::KeyString { .. }));
    assert_eq!(env.lookup(&["z", "a"]).and_then(|e| env.key(e)), Some(KeyRef::Str(b"a")));
    // Escaped strings are decoded once; plain ones stay spans of the file.
    let entries = &env.array(root).entries;
    assert!(matches!(&entries[1].effective_key, Some(EntryKey::Str(TreeStr::Decoded(_)))));
    assert!(matches!(&entries[0].effective_key, Some(EntryKey::Str(TreeStr::Source(_)))));
    assert_eq!(env.print(), src.as_bytes());
}

/// A file of short entries (`'a' => 1,`) is mostly tokens, expressions and entries: their
/// sizes are what a 16 MiB env.php costs (56x its bytes when they were 24, 96 and 104).
#[test]
fn tree_nodes_stay_small() {
    assert!(std::mem::size_of::<Token>() <= 12);
    assert!(std::mem::size_of::<Expr>() <= 40);
    assert!(std::mem::size_of::<Entry>() <= 72);
}
