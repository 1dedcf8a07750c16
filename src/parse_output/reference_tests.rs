//! The JSON `parse` writes from its values, held byte for byte to the earlier path that
//! built a `serde_json::Value` and masked it (env.php's value path, kept for files with
//! unknown values), on every fixture and corpus file.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{parse_source_with, ParseOptions, Values};
use crate::php_value::PhpValue;
use crate::secrets::{self, MASK};
use crate::source::Source;
use crate::syntax::FileKind;

/// The earlier output: the whole value built, then masked in place.
fn reference(values: &Values, kind: FileKind, mask: bool) -> Value {
    let mut value = match values {
        Values::Json(v) => return v.clone(),
        Values::EnvPhp(_) => unreachable!("the reference of an env.php is its value path"),
        Values::Ini { array: None, .. } => Value::Bool(false),
        Values::Ini { array: Some(a), .. } => PhpValue::Array(a.clone()).to_json(),
        Values::Directives { list, .. } => Value::Array(
            list.iter()
                .map(|d| {
                    let args: Vec<String> = d.args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
                    json!({"directive": d.name, "args": args, "file": d.file.display().to_string(), "line": d.line})
                })
                .collect(),
        ),
    };
    if mask {
        match kind {
            FileKind::Ini => super::mask::ini_values(&mut value),
            FileKind::Redis | FileKind::RedisAcl => old_mask_redis(&mut value),
            FileKind::Envphp => {}
        }
    }
    value
}

fn old_mask_redis(value: &mut Value) {
    for d in value.as_array_mut().into_iter().flatten() {
        let name = d.get("directive").and_then(Value::as_str).unwrap_or("").to_owned();
        // A refused line (a name redis-server does not know) is judged at every word, which
        // the earlier path did not: that judgement is the one `parse` makes.
        if secrets::redis_name_is_refused(&name) {
            let Some(args) = d.get("args").and_then(Value::as_array) else { continue };
            let mut args: Vec<std::borrow::Cow<'_, str>> =
                args.iter().map(|a| std::borrow::Cow::Owned(a.as_str().unwrap_or("").to_owned())).collect();
            let shown = super::mask::redis_directive(&name, &mut args, false).into_owned();
            let args: Vec<String> = args.into_iter().map(|a| a.into_owned()).collect();
            d["directive"] = Value::String(shown);
            d["args"] = json!(args);
            continue;
        }
        if let Some(from) = secrets::redis_glued_name_secret(name.as_bytes()) {
            d["directive"] = Value::String(format!("{}{MASK}", name.get(..from).unwrap_or("")));
            continue;
        }
        let Some(args) = d.get_mut("args").and_then(Value::as_array_mut) else { continue };
        let texts: Vec<Vec<u8>> = args.iter().map(|a| a.as_str().unwrap_or("").as_bytes().to_vec()).collect();
        let refs: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
        let secret_args = secrets::redis_secret_args(&name, &refs);
        // An empty password hides nothing: shown as written. (The words of a line joined by a
        // NUL, which this path does not know, are masked whole, an empty one too.)
        let one = secret_args.len() == 1;
        for (i, r) in secret_args {
            if let Some(Value::String(s)) =
                args.get_mut(i).filter(|s| !one || s.as_str().is_some_and(|s| s.len() > r.start))
            {
                let keep = s.get(..r.start).unwrap_or("").to_owned();
                *s = format!("{keep}{MASK}");
            }
        }
        if let Some(k) = secrets::refused_user_password_from(&name, &refs) {
            for a in args.iter_mut().skip(k + 1) {
                *a = Value::String(MASK.to_owned());
            }
        }
    }
}

/// Both paths on one source as `kind`, masked and not, compact and pretty. Gives how many
/// of the two outputs an env.php wrote from its tree.
fn assert_same(source: &Source, kind: FileKind) -> usize {
    let mut from_tree = 0;
    for show_secrets in [false, true] {
        let options = ParseOptions { kind: Some(kind), show_secrets, ..ParseOptions::default() };
        let out = parse_source_with(source, &options);
        let old = if kind == FileKind::Envphp {
            from_tree += usize::from(matches!(out.value, Values::EnvPhp(_)));
            // env.php's value path on the same file: the same problems too.
            let env = crate::syntax::env_php::parse_shared(source.bytes.clone());
            let old = super::env_php::value_output(source, env, !show_secrets);
            assert_eq!(out.problems, old.problems, "{} (show_secrets {show_secrets})", source.path.display());
            assert_eq!(out.accepted, old.accepted, "{}", source.path.display());
            reference(&old.value, kind, !show_secrets)
        } else {
            reference(&out.value, kind, !show_secrets)
        };
        // A redis.conf line a NUL joins to the next is judged as redis-server reads it, which
        // the earlier path does not know: `parse` may mask its words whole (more, never less).
        let old = if !show_secrets && matches!(kind, FileKind::Redis | FileKind::RedisAcl) && source.bytes.contains(&0)
        {
            masked_whole_where_new_is(old, &serde_json::to_value(&out.value).unwrap())
        } else {
            old
        };
        let (new, old_text) = (serde_json::to_string(&out.value).unwrap(), serde_json::to_string(&old).unwrap());
        assert!(
            new == old_text,
            "{} as {kind:?} (show_secrets {show_secrets}):\nnew {new:.300}\nold {old_text:.300}",
            source.path.display()
        );
        let new = serde_json::to_string_pretty(&out.value).unwrap();
        assert_eq!(new, serde_json::to_string_pretty(&old).unwrap(), "{} as {kind:?}, pretty", source.path.display());
    }
    from_tree
}

/// `old` with each directive argument that `new` shows as the bare mask masked so too.
fn masked_whole_where_new_is(mut old: Value, new: &Value) -> Value {
    for (o, n) in old.as_array_mut().into_iter().flatten().zip(new.as_array().into_iter().flatten()) {
        let (Some(Value::Array(oa)), Some(Value::Array(na))) = (o.get_mut("args"), n.get("args")) else { continue };
        for (a, b) in oa.iter_mut().zip(na) {
            if b.as_str() == Some(MASK) {
                *a = Value::String(MASK.to_owned());
            }
        }
    }
    old
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let (path, Ok(t)) = (entry.path(), entry.file_type()) else { continue };
        if t.is_dir() {
            files(&path, out);
        } else if t.is_file() {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_writes_the_bytes_of_the_value_path() {
    let mut all = Vec::new();
    files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"), &mut all);
    assert!(all.len() > 500, "fixtures/ not found or nearly empty: {} files", all.len());
    // The real configs next to the project, when present (their env.php files included).
    files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"), &mut all);
    all.sort();
    let mut kinds = [0usize; 4];
    let mut from_tree = 0;
    for path in &all {
        let Ok(bytes) = std::fs::read(path) else { continue };
        let source = Source::new(path, bytes);
        let detected = FileKind::detect(path, &source.bytes);
        kinds[detected as usize] += 1;
        from_tree += assert_same(&source, detected);
        // Every small file as env.php too (inline text, refusals, odd returns).
        if detected != FileKind::Envphp && source.bytes.len() < 200_000 {
            assert_same(&source, FileKind::Envphp);
        }
        // Every file as ini too (secrets under any key), and the small ones as redis.conf
        // and ACL files (their secret arguments).
        if detected != FileKind::Ini {
            assert_same(&source, FileKind::Ini);
        }
        if source.bytes.len() < 200_000 {
            for kind in [FileKind::Redis, FileKind::RedisAcl] {
                if detected != kind {
                    assert_same(&source, kind);
                }
            }
        }
    }
    assert!(kinds.iter().all(|&n| n > 0), "a kind has no fixture: {kinds:?}");
    assert!(from_tree > 100, "only {from_tree} env.php outputs written from the tree");
}

#[test]
fn hostile_values_write_the_bytes_of_the_value_path() {
    let cases: [&[u8]; 7] = [
        // Keys that are one JSON key once invalid UTF-8 is replaced: first place, last value.
        b"x\xff = 1\nb = 2\nx\xfe = 3\n[s\xff]\npassword = p\n[s\xfe]\nq = \xff\n",
        b"[db]\npassword = secret\npwd[] = a\npwd[] =\nsession.save_path = \"tcp://h:6379?auth=pw\"\n",
        b"a[] = 1\na[] = 2\nb[5] = x\nb[] = y\nc[x] = 1\n0 = z\n1 = y\n",
        b"[0]\na = 1\n[1]\nsession.save_path[] = \"tcp://u:pw@h\"\n",
        b"session.save_path[password] = x\nsession.save_path[host] = \"tcp://h?auth=pw\"\nsave_path[save_path] = \"tcp://h?auth=a\"\n",
        b"a = \"unterminated\n",
        b"",
    ];
    for bytes in cases {
        assert_same(&Source::new("t.ini", bytes.to_vec()), FileKind::Ini);
    }
    let redis: [&[u8]; 3] = [
        b"requirepass s3cret\nmasterauth \"x\\xffy\"\nuser u on >pw ~* +@all\nport 1\n",
        b"requirepass\xc2\xa0glued\nport 2\n",
        b"user default on nopass ~* &* +@all\nuser bob on #0123 >p\xffw\n",
    ];
    for bytes in redis {
        assert_same(&Source::new("redis.conf", bytes.to_vec()), FileKind::Redis);
        assert_same(&Source::new("users.acl", bytes.to_vec()), FileKind::RedisAcl);
    }
}

#[test]
fn hostile_envphp_writes_the_bytes_of_the_value_path() {
    let mut cases: Vec<String> = [
        "<?php return ['db' => ['password' => 'hunter2', 'pass' => '', 'empty' => '', 'n' => 5, 'list' => ['a', '', 7, 1.5, true, null]]];",
        "<?php return ['cache' => ['backend_options' => ['server' => 'redis://:s3cret@host:6379/0', 'password' => \"p\\\"q\"]]];",
        "<?php return ['pwd' => [['x' => 'y', 0 => 3]], 5 => 'tcp://h:6379?auth=pw', 'key' => -0.0, 'secret' => 1e300];",
        "<?php return [1 => 'x', 0 => 'y', 'é\\u{1F600}' => \"tab\\t\\x01</\"];",
        "<?php return [0 => 'x', 1 => 'y', 0 => 'z'];",
        "<?php return ['a' => 1, 'b' => 2, 'a' => 3];",
        "<?php return [0 => 'x', 2 => 'y', -1 => 1.5, 3 => 1e300, 4 => -0.0, 5 => 0.1];",
        "<?php return ['0' => 'a', '1' => 'b', '01' => 'c', -1 => 'd', 1.7 => 'e', true => 'f', null => 'g'];",
        "<?php return ['x' => getenv('X'), 'password' => getenv('P') . 'x'];",
        "<?php return [...[1, 2], 'a' => 3];",
        "<?php return ['k' => \"\\xff\"];",
        "<?php return [\"\\xff\" => 1];",
        "<?php return ['f' => 1e400];",
        "<?php return 'just a string';",
        "<?php return 'redis://u:pw@h';",
        "<?php return 42;",
        "<?php return;",
        "<?php $x = 1;",
        "plain text, no PHP",
        "",
        "<?php return [true, false, null, PHP_INT_MAX, -9223372036854775807 - 1, 0x7FFFFFFFFFFFFFFF, 0777, 1_000];",
        "<?php return [",
        "<?php return ['a' => 'b',, ];",
        "<?php\nreturn array('db' => array('password' => 'x', 'host' => 'h'), 'a' => [],);\n",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let big: String = (0..40).map(|i| format!("'k{i}' => {i}, ")).collect();
    cases.push(format!("<?php return [{big} 'k3' => 'again'];"));
    cases.push(format!("<?php return [{big} 'password' => 'p'];"));
    cases.push(format!("<?php return {}1{};", "[".repeat(600), "]".repeat(600)));
    cases.push(format!("<?php return {}'password' => 1{};", "['a' => ".repeat(511), "]".repeat(511)));
    let mut from_tree = 0;
    for case in cases {
        from_tree += assert_same(&Source::new("env.php", case.into_bytes()), FileKind::Envphp);
    }
    assert!(from_tree >= 20, "only {from_tree} outputs written from the tree");
    let probe = "<?php return ['db' => ['password' => 'hunter2', 'empty' => '', 'port' => 5, 'server' => 'redis://:s3cret@h:6379']];";
    let out = super::parse_source(&Source::new("env.php", probe.as_bytes().to_vec()), Some(FileKind::Envphp));
    assert!(matches!(out.value, Values::EnvPhp(_)));
    assert_eq!(
        serde_json::to_string(&out.value).unwrap(),
        r#"{"db":{"password":"********","empty":"","port":5,"server":"redis://:********@h:6379"}}"#
    );
}

/// Below a secret key an array printed as an object is masked whole (its keys are input),
/// from the tree and on the value path; a list keeps its shape.
#[test]
fn keys_below_a_secret_key_are_masked() {
    for (src, want) in [
        ("<?php return ['password' => ['LeakG7' => 1], 'a' => 1];", r#"{"password":"********","a":1}"#),
        (
            "<?php return ['db' => ['pass' => [['LeakG8' => 'x'], 'y', [2 => 'z']]]];",
            r#"{"db":{"pass":["********","********","********"]}}"#,
        ),
        ("<?php return ['password' => ['LeakG9' => getenv('X')]];", r#"{"password":"********"}"#),
        (
            "<?php return ['password' => ['a', ''], 'x' => ['k' => 'v']];",
            r#"{"password":["********",""],"x":{"k":"v"}}"#,
        ),
    ] {
        let source = Source::new("env.php", src.as_bytes().to_vec());
        let out = super::parse_source(&source, Some(FileKind::Envphp));
        assert_eq!(serde_json::to_string(&out.value).unwrap(), want, "{src}");
        assert_same(&source, FileKind::Envphp);
    }
}
