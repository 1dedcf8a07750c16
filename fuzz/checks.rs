//! What each parser promises for any input: it does not panic, printing the unedited tree
//! gives the input back byte for byte, the spans tile the input, and computing the values
//! the real program would see (what `sesslint parse` prints) completes.
//!
//! Since the parsers' rewrite (inline `ArgBytes`, new secret scans) they also check the masks
//! of `parse` on every input, each redis argument's inline/heap copy and encoder, and (target
//! `secrets`) the fast secret scans against their plain definitions.
//!
//! Shared by the fuzz targets (`fuzz/fuzz_targets/*.rs`) and by `tests/fuzz_regressions.rs`,
//! which replays every input the fuzzer once broke.
#![allow(dead_code)]

use serde_json::Value;
use sesslint::parse_output::{parse_source, parse_source_with, ParseOptions};
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
        !matches!(out.value, sesslint::parse_output::Values::Ini { array: None, .. }),
        "ini: accepted but false, or refused with a value"
    );
    // An accepted file may carry notes (`${NAME}` from PHP's environment, a cut value); a
    // refused one always says why.
    assert!(out.accepted || !out.problems.is_empty(), "ini: refused without a problem");
    render(&out);
    check_masks("fuzz.ini", bytes, FileKind::Ini, &out);
}

/// redis.conf, and the same bytes as an ACL file. Only the in-memory parts: the loader's `include`, `dir`, `logfile` and
/// `loadmodule` handling touches the file system, so the directives go straight to the
/// load-time checker and to `effective_config` (what `CONFIG GET` would report).
pub fn check_redis_conf(bytes: &[u8]) {
    let tree = redis_conf::parse(bytes);
    assert_eq!(tree.print(), bytes, "redis.conf round trip");
    let mut at = 0;
    for line in tree.lines() {
        let content = line.content(bytes);
        assert_eq!(line.span.start, at, "redis.conf lines leave a gap or overlap");
        assert!(content.start >= line.span.start && content.end <= line.span.end, "content outside its line");
        if let Some(d) = tree.directive(line) {
            assert!(d.name.span.start >= content.start, "directive name before its line's content");
            let mut prev = d.name.span.end;
            for arg in d.args() {
                assert!(arg.span.start > prev && arg.span.end <= content.end, "argument out of place: {arg:?}");
                prev = arg.span.end;
            }
        }
        at = line.span.end;
    }
    assert_eq!(at, bytes.len(), "redis.conf lines stop before the end");
    for (_, d) in tree.directives() {
        for arg in d.args() {
            check_arg_bytes(&arg.value);
        }
    }
    for error in tree.errors().chain(tree.misread()) {
        assert!(
            error.span.start <= error.span.end && error.span.end <= bytes.len(),
            "redis.conf error span out of range"
        );
    }
    // A line redis-server's fgets() cuts is never a directive the tree reads as written.
    for line in tree.lines() {
        if line.span.slice(bytes).contains(&0) {
            assert!(matches!(line.kind, redis_conf::LineKind::Misread(_)), "a NUL line not marked misread");
        }
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
    let out = parse_source(&Source::new("fuzz.conf", bytes.to_vec()), Some(FileKind::Redis));
    render(&out);
    check_masks("fuzz.conf", bytes, FileKind::Redis, &out);
    // The same bytes as an aclfile (`user` lines only, read as redis-server reads one).
    let out = parse_source(&Source::new("users.acl", bytes.to_vec()), Some(FileKind::RedisAcl));
    render(&out);
    check_masks("users.acl", bytes, FileKind::RedisAcl, &out);
}

/// One redis argument: its copies (inline up to 22 bytes, on the heap from 23) hold the same
/// bytes, and the encoder a rewrite uses writes it so that `sdssplitargs` reads it back.
fn check_arg_bytes(value: &redis_conf::ArgBytes) {
    let bytes: &[u8] = value;
    assert_eq!(redis_conf::ArgBytes::from(bytes), *value, "ArgBytes from a slice");
    assert_eq!(redis_conf::ArgBytes::from(bytes.to_vec()), *value, "ArgBytes from a vector");
    assert_eq!(Vec::<u8>::from(value.clone()), bytes, "ArgBytes into a vector");
    let written = redis_conf::encode::argument(bytes);
    // split_value reads a C string: it stops at a NUL, which the encoder writes as `\x00`.
    assert!(!written.as_bytes().contains(&0), "an encoded argument holds a NUL: {written:?}");
    assert_eq!(
        redis_conf::split_value(written.as_bytes()),
        Some(vec![value.clone()]),
        "an argument does not read back from its encoding {written:?}"
    );
}

/// What `parse` prints never holds a secret: run again with `--show-secrets`, every string
/// under a key that names a credential (ini, env.php: `pass`, `pwd`, `secret`, `auth`,
/// `token`, `cred`, `key` as a word, a definition simpler than the library's, which masks
/// more) or in a secret argument of redis.conf (`requirepass`, `masterauth`, a user's `>password`) is
/// masked in the default output, and the problems are the same in both. `name`: the path
/// `masked` was computed with.
fn check_masks(name: &str, bytes: &[u8], kind: FileKind, masked: &sesslint::parse_output::ParseOutput) {
    let options = ParseOptions { kind: Some(kind), show_secrets: true, ..ParseOptions::default() };
    let shown = parse_source_with(&Source::new(name, bytes.to_vec()), &options);
    assert_eq!(shown.accepted, masked.accepted, "{kind:?}: --show-secrets changes acceptance");
    assert_eq!(shown.problems, masked.problems, "{kind:?}: --show-secrets changes the problems");
    match kind {
        FileKind::Redis | FileKind::RedisAcl => {
            let (shown, masked) = (shown.value.to_json_value(), masked.value.to_json_value());
            let (Value::Array(shown), Value::Array(masked)) = (&shown, &masked) else { return };
            assert_eq!(shown.len(), masked.len(), "redis: masking changes the directive count");
            for (s, m) in shown.iter().zip(masked) {
                let name = s.get("directive").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
                let (Some(Value::Array(sa)), Some(Value::Array(ma))) = (s.get("args"), m.get("args")) else { continue };
                for (i, (sa, ma)) in sa.iter().zip(ma).enumerate() {
                    let (Some(sa), Some(ma)) = (sa.as_str(), ma.as_str()) else { continue };
                    // What is kept before the mask: nothing, or a user rule's `>`, `<` or `#`.
                    let kept = match name.as_str() {
                        "requirepass" | "masterauth" if !sa.is_empty() => Some(""),
                        "user" if i > 0 && sa.len() > 1 && sa.starts_with(['>', '<', '#']) => sa.get(..1),
                        _ => None,
                    };
                    if let Some(kept) = kept {
                        // Compared whole: a password `*` is inside the mask itself.
                        // Masked whole hides more (a refused line's words after its password, a
                        // NUL-joined line's words after a masked one): never less than asked.
                        if ma != MASK {
                            assert_eq!(ma, format!("{kept}{MASK}"), "redis: {name} argument {i} printed as {ma:?}");
                        }
                    }
                }
            }
        }
        _ => masked_below_secret_keys(&shown.value.to_json_value(), &masked.value.to_json_value(), false, kind),
    }
}

const MASK: &str = "********";

/// `key` counts as a word of its own only (`api-key`, `[key]`), as the library reads it since
/// `env[MONKEY]`, `xdebug.idekey` and `preload_keys` are shown (PHP gives them as written).
fn names_a_credential(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    !k.contains("save_path")
        && (["pass", "pwd", "secret", "auth", "token", "cred"].iter().any(|w| k.contains(w))
            || k.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == "key"))
}

fn masked_below_secret_keys(shown: &Value, masked: &Value, secret: bool, kind: FileKind) {
    match (shown, masked) {
        // env.php: below a secret key an array printed as an object is masked whole (its keys).
        (Value::Object(_), m) if secret && kind == FileKind::Envphp => {
            assert_eq!(m, &Value::String(MASK.to_owned()), "{kind:?}: keys below a secret key printed as {m:?}");
        }
        (Value::Object(s), Value::Object(m)) => {
            assert_eq!(s.len(), m.len(), "{kind:?}: masking changes an array's size");
            for ((sk, sv), (mk, mv)) in s.iter().zip(m) {
                assert_eq!(sk, mk, "{kind:?}: masking changes a key");
                masked_below_secret_keys(sv, mv, secret || names_a_credential(sk), kind);
            }
        }
        (Value::Array(s), Value::Array(m)) => {
            assert_eq!(s.len(), m.len(), "{kind:?}: masking changes a list's size");
            for (sv, mv) in s.iter().zip(m) {
                masked_below_secret_keys(sv, mv, secret, kind);
            }
        }
        (Value::Number(_), m) if secret => {
            assert_eq!(m, &Value::String(MASK.to_owned()), "{kind:?}: a secret number printed as {m:?}");
        }
        (Value::String(s), Value::String(m)) if secret && !s.is_empty() => {
            assert_eq!(m, MASK, "{kind:?}: a secret printed as {m:?}");
        }
        _ => {}
    }
}

/// The fast secret scans against their plain definitions, on the whole input, each line and
/// each word. The plain definitions exist only in a `cargo fuzz` build (`--cfg fuzzing`);
/// under `cargo test` the same comparison runs in `secrets`' own unit tests.
pub fn check_secrets(bytes: &[u8]) {
    #[cfg(fuzzing)]
    if let Some(why) = sesslint::secret_scans_disagree(bytes) {
        panic!("{why}");
    }
    let _ = bytes;
}

/// Magento's env.php.
pub fn check_env_php(bytes: &[u8]) {
    let env = env_php::parse(bytes);
    assert_eq!(env.print(), bytes, "env.php round trip");
    let mut at = 0;
    for token in env.tokens() {
        assert_eq!(token.span().start, at, "env.php tokens leave a gap or overlap");
        at = token.span().end;
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
    check_masks("env.php", bytes, FileKind::Envphp, &out);
}

/// Print the result as the `parse` command does (JSON, compact and indented, and each
/// problem's position): the JSON holds no character a terminal does not show as itself
/// (`source::is_unprintable`, written as `\uXXXX`) and decodes to the values.
fn render(out: &sesslint::parse_output::ParseOutput) {
    // Both read by the same parser: serde_json's float reading is not exact (9.223372036857745e18
    // reads back one ulp off), whatever wrote the number.
    let plain = serde_json::to_string(&out.value).expect("parse values always serialise (string keys only)");
    let value: Value = serde_json::from_str(&plain).expect("serde_json reads its own JSON");
    for pretty in [false, true] {
        let mut json = Vec::new();
        out.value.write_json(&mut json, pretty).expect("parse values always serialise (string keys only)");
        let text = std::str::from_utf8(&json).expect("parse writes UTF-8");
        if let Some(c) = text.chars().find(|&c| c != '\n' && sesslint::report::is_unprintable(c)) {
            panic!("parse printed {c:?} raw (pretty {pretty})");
        }
        let read: Value = serde_json::from_str(text).expect("parse's JSON reads back");
        assert_eq!(read, value, "parse's escaped JSON decodes to other values (pretty {pretty})");
    }
    for problem in &out.problems {
        let _ = problem.to_string();
    }
}
