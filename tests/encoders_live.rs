//! The encoders a migration writes values with, on a sample, against the real programs:
//! `parse_ini_file` (php.ini quoting), `include` of a PHP file (env.php string literals), and
//! redis-server loading a config whose ACL passwords it then accepts (sdssplitargs quoting).
//! Property tests against sesslint's own parsers are next to each encoder.

mod common;

use std::process::Command;

use common::redis::{command, start, Outcome, Resp};
use sesslint::syntax::env_php::encode::string_literal;
use sesslint::syntax::ini::encode::double_quoted;
use sesslint::syntax::redis_conf::encode::argument;

/// Fixed hard cases, then pseudo-random strings over the characters that mean something
/// to one of the three readers (same seed every run, so a failure is reproducible).
fn sample() -> Vec<String> {
    let mut out: Vec<String> = [
        "",
        "plain",
        "a b",
        "${HOME}",
        "$x",
        "\\",
        "\\\"",
        "\"",
        "'",
        "it's",
        "a;b",
        "a=b",
        "p&q|r^s~t!u",
        "(x)",
        "#hash",
        "tab\there",
        "ümlaut→",
        "trailing\\",
        "on",
        "none",
        "E_ALL",
        "\\$",
        "$$",
        "a\"b\\c$d'e",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let alphabet: Vec<char> = "ab \\\"$'{}=;#&|^~!()[]?%+,:/@\tZ0é".chars().collect();
    let mut state: u64 = 0x5eed_1e55;
    for _ in 0..60 {
        let mut s = String::new();
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let len = (state >> 59) as usize + 1;
        for _ in 0..len {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            s.push(alphabet[(state >> 33) as usize % alphabet.len()]);
        }
        out.push(s);
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

#[test]
fn php_reads_back_ini_values_and_string_literals() {
    let Some(php) = common::oracle("php") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let values = sample();
    let mut ini = String::new();
    let mut env_php = String::from("<?php\nreturn [\n");
    for (i, v) in values.iter().enumerate() {
        ini.push_str(&format!("k{i} = {}\n", double_quoted(v).expect("single line")));
        env_php.push_str(&format!("    {} => {},\n", i, string_literal(v).expect("no NUL")));
    }
    env_php.push_str("];\n");
    let ini_path = tmp.path().join("sample.ini");
    let php_path = tmp.path().join("env.php");
    std::fs::write(&ini_path, ini).expect("write");
    std::fs::write(&php_path, env_php).expect("write");
    let script = r#"$a = parse_ini_file($argv[1], false, INI_SCANNER_NORMAL); $b = include $argv[2];
        foreach ($a as $k => $v) echo bin2hex($v), "\n"; echo "--\n"; foreach ($b as $v) echo bin2hex($v), "\n";"#;
    let out =
        Command::new(&php).args(["-n", "-r", script, "--"]).arg(&ini_path).arg(&php_path).output().expect("run php");
    assert!(out.status.success(), "php: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let (from_ini, from_php) = text.split_once("--\n").expect("two parts");
    let expected: Vec<String> = values.iter().map(|v| hex(v.as_bytes())).collect();
    assert_eq!(from_ini.lines().collect::<Vec<_>>(), expected, "parse_ini_file differs");
    assert_eq!(from_php.lines().collect::<Vec<_>>(), expected, "include differs");
}

#[test]
fn redis_server_reads_back_acl_passwords_and_requirepass() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut values: Vec<Vec<u8>> = sample().into_iter().filter(|v| !v.is_empty()).map(String::into_bytes).collect();
    values.push(b"bin\x00\x01\x7f\xff\r\n".to_vec());
    let mut conf = format!("requirepass {}\n", argument(&values[values.len() - 1]));
    for (i, v) in values.iter().enumerate() {
        let rule = [b">".as_slice(), v].concat();
        conf.push_str(&format!("user u{i} on {} ~* +@all\n", argument(&rule)));
    }
    let conf_path = tmp.path().join("redis.conf");
    std::fs::write(&conf_path, conf).expect("write");
    let Outcome::Running(_server) = start(&redis, &conf_path, tmp.path(), tmp.path(), &[]) else {
        panic!("redis-server refused a config written by the encoder")
    };
    let sock = tmp.path().join("s.sock");
    for (i, v) in values.iter().enumerate() {
        let user = format!("u{i}");
        match command(&sock, None, &[b"AUTH", user.as_bytes(), v]).expect("talk to redis") {
            Resp::Simple(ok) => assert_eq!(ok, "OK"),
            other => panic!("user {user} with password {v:?}: {other:?}"),
        }
    }
    let last = &values[values.len() - 1];
    assert!(matches!(command(&sock, Some(last), &[b"PING"]), Ok(Resp::Simple(p)) if p == "PONG"));
}
