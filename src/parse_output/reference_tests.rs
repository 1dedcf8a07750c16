//! The JSON `parse` writes from its values, held byte for byte to the earlier path that
//! built a `serde_json::Value` and masked it (the masking env.php's value still goes
//! through), on every fixture and corpus file.

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
            FileKind::Ini => super::mask::mask_tree(&mut value, &super::mask::ini_field),
            FileKind::Redis | FileKind::RedisAcl => old_mask_redis(&mut value),
            FileKind::Envphp => {}
        }
    }
    value
}

fn old_mask_redis(value: &mut Value) {
    for d in value.as_array_mut().into_iter().flatten() {
        let name = d.get("directive").and_then(Value::as_str).unwrap_or("").to_owned();
        if let Some(from) = secrets::redis_glued_name_secret(name.as_bytes()) {
            d["directive"] = Value::String(format!("{}{MASK}", name.get(..from).unwrap_or("")));
            continue;
        }
        let Some(args) = d.get_mut("args").and_then(Value::as_array_mut) else { continue };
        let texts: Vec<Vec<u8>> = args.iter().map(|a| a.as_str().unwrap_or("").as_bytes().to_vec()).collect();
        let refs: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
        for (i, r) in secrets::redis_secret_args(&name, &refs) {
            if let Some(Value::String(s)) = args.get_mut(i) {
                let keep = s.get(..r.start).unwrap_or("").to_owned();
                *s = format!("{keep}{MASK}");
            }
        }
    }
}

/// Both paths on one source as `kind`, masked and not, compact and pretty.
fn assert_same(source: &Source, kind: FileKind) {
    for show_secrets in [false, true] {
        let options = ParseOptions { kind: Some(kind), show_secrets, ..ParseOptions::default() };
        let out = parse_source_with(source, &options);
        let old = reference(&out.value, kind, !show_secrets);
        let (new, old_text) = (serde_json::to_string(&out.value).unwrap(), serde_json::to_string(&old).unwrap());
        assert!(
            new == old_text,
            "{} as {kind:?} (show_secrets {show_secrets}):\nnew {new:.300}\nold {old_text:.300}",
            source.path.display()
        );
        let new = serde_json::to_string_pretty(&out.value).unwrap();
        assert_eq!(new, serde_json::to_string_pretty(&old).unwrap(), "{} as {kind:?}, pretty", source.path.display());
    }
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
    all.sort();
    assert!(all.len() > 500, "fixtures/ not found or nearly empty: {} files", all.len());
    let mut kinds = [0usize; 4];
    for path in &all {
        let Ok(bytes) = std::fs::read(path) else { continue };
        let source = Source::new(path, bytes);
        let detected = FileKind::detect(path, &source.bytes);
        kinds[detected as usize] += 1;
        assert_same(&source, detected);
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
