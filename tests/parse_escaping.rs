//! `sesslint parse` never prints a character a terminal does not show as itself (a bidi
//! control that reorders the line, a C1 control a terminal acts on, a line separator, an
//! invisible one): in a section name, key or value of php.ini, env.php and redis.conf, and
//! in both formats (`text` is the same JSON, indented), each is a JSON `\uXXXX` escape, so
//! the JSON decodes to the value PHP and redis-server compute (asked live).

mod common;

use std::path::Path;

/// Trojan-Source bidi controls (U+202E, U+2066, U+061C), C1 controls (U+009B CSI, U+0085
/// NEL), the line separator U+2028, invisibles (U+FEFF, U+200B) and DEL (U+007F, the one
/// ASCII control serde_json writes raw: in an otherwise ASCII name or value it was printed).
const CHARS: &[char] =
    &['\u{202e}', '\u{2066}', '\u{9b}', '\u{85}', '\u{2028}', '\u{feff}', '\u{200b}', '\u{61c}', '\u{7f}'];

/// `parse` of `file` in both formats: no raw `c` in stdout or stderr, the escape of `c` in
/// stdout, and the value the JSON (compact and indented alike) decodes to, with the exit
/// status.
fn parsed(file: &Path, c: char) -> (serde_json::Value, Option<i32>) {
    let escape = format!("\\u{:04x}", c as u32);
    let mut values = Vec::new();
    let mut code = None;
    for format in ["json", "text"] {
        let out = common::sesslint(&["parse", "--format", format, file.to_str().expect("utf-8")]);
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(
            !stdout.contains(c) && !stderr.contains(c),
            "U+{:04X} printed raw ({format}): {stdout}{stderr}",
            c as u32
        );
        assert!(stdout.contains(&escape), "U+{:04X} ({format}): {stdout}", c as u32);
        values.push(serde_json::from_str::<serde_json::Value>(&stdout).expect("parse prints JSON"));
        code = out.status.code();
    }
    assert_eq!(values[0], values[1], "json and text decode alike");
    (values.remove(0), code)
}

#[test]
fn parse_escapes_invisible_and_bidi_characters_in_ini_and_env_php() {
    let tmp = tempfile::tempdir().expect("tmp");
    let php = common::oracle("php");
    for (i, &c) in CHARS.iter().enumerate() {
        let ini = tmp.path().join(format!("p{i}.ini"));
        std::fs::write(&ini, format!("[s{c}x]\nk{c}y = \"v{c}z\"\nu{c}w = v{c}q\n")).expect("write");
        let env = tmp.path().join(format!("env{i}.php"));
        std::fs::write(&env, format!("<?php\nreturn ['s{c}x' => ['k{c}y' => 'v{c}z', 'save' => 'files{c}']];\n"))
            .expect("write");
        let (ours_ini, code) = parsed(&ini, c);
        assert_eq!(code, Some(0));
        let (ours_env, code) = parsed(&env, c);
        assert_eq!(code, Some(0));
        let section = &ours_ini[format!("s{c}x")];
        assert_eq!(section[format!("k{c}y")], format!("v{c}z"), "{ours_ini}");
        assert_eq!(section[format!("u{c}w")], format!("v{c}q"), "{ours_ini}");
        assert_eq!(ours_env[format!("s{c}x")]["save"], format!("files{c}"), "{ours_env}");
        let Some(php) = &php else { continue };
        let out = std::process::Command::new(php)
            .args(["-n", "-r", "echo json_encode(parse_ini_file($argv[1], true, INI_SCANNER_NORMAL)), \"\\n\", json_encode(include $argv[2]);"])
            .arg(&ini)
            .arg(&env)
            .output()
            .expect("php");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (theirs_ini, theirs_env) = text.split_once('\n').expect("two lines");
        assert_eq!(
            ours_ini,
            serde_json::from_str::<serde_json::Value>(theirs_ini).expect("json"),
            "U+{:04X}",
            c as u32
        );
        assert_eq!(
            ours_env,
            serde_json::from_str::<serde_json::Value>(theirs_env).expect("json"),
            "U+{:04X}",
            c as u32
        );
    }
}

#[test]
fn parse_escapes_invisible_and_bidi_characters_in_redis_conf() {
    let tmp = tempfile::tempdir().expect("tmp");
    let redis = common::oracle("redis-server");
    for (i, &c) in CHARS.iter().enumerate() {
        // A value redis-server keeps, then a directive it refuses by its name.
        let conf = tmp.path().join(format!("redis{i}.conf"));
        std::fs::write(&conf, format!("dbfilename v{c}z.rdb\n")).expect("write");
        let (ours, code) = parsed(&conf, c);
        assert_eq!(code, Some(0), "{ours}");
        assert_eq!(ours[0]["args"][0], format!("v{c}z.rdb"), "{ours}");
        let refused = tmp.path().join(format!("redis-refused{i}.conf"));
        std::fs::write(&refused, format!("port 0\nd{c}x 1\n")).expect("write");
        let (listed, code) = parsed(&refused, c);
        assert_eq!(code, Some(1), "{listed}");
        assert_eq!(listed[1]["directive"], format!("d{c}x"), "{listed}");
        let Some(redis) = &redis else { continue };
        let run = tmp.path().join(format!("run{i}"));
        std::fs::create_dir_all(&run).expect("mkdir");
        match common::redis::start(redis, &conf, tmp.path(), &run, &[]) {
            common::redis::Outcome::Running(server) => {
                let got = common::redis::command(&run.join("s.sock"), None, &[b"CONFIG", b"GET", b"dbfilename"]);
                drop(server);
                let Ok(common::redis::Resp::Array(items)) = got else { panic!("CONFIG GET dbfilename: {got:?}") };
                let Some(common::redis::Resp::Bulk(Some(value))) = items.get(1) else { panic!("{items:?}") };
                assert_eq!(value.as_slice(), format!("v{c}z.rdb").as_bytes());
            }
            common::redis::Outcome::Refused(log) => {
                panic!("redis-server refused dbfilename v<U+{:04X}>z.rdb: {log}", c as u32)
            }
        }
        let run = tmp.path().join(format!("refused-run{i}"));
        std::fs::create_dir_all(&run).expect("mkdir");
        match common::redis::start(redis, &refused, tmp.path(), &run, &[]) {
            common::redis::Outcome::Refused(log) => assert!(log.contains("Bad directive"), "{log}"),
            common::redis::Outcome::Running(_) => panic!("redis-server took d<U+{:04X}>x", c as u32),
        }
    }
}
