//! Where PHP's ini scanner reads a file otherwise than written and says nothing, asked live.
//!
//! Each row of [`ROWS`] is a `session.save_path` value written in three places: a php.ini
//! read by the CLI (`php -n -c FILE`, `display_startup_errors` on and off), a conf.d file
//! (`PHP_INI_SCAN_DIR`) and a php-fpm pool (`php_admin_value[...]`, `php-fpm8.2 -tt`), each
//! followed by `session.use_strict_mode = 1`. The row says what PHP 8.2 answers: the save path
//! it reads, whether it still sees the setting after the line, whether it prints anything;
//! the test asks the programs and holds them to the row, then holds `sesslint check` to the
//! finding the row calls for: nothing, SL001 as an error (PHP says so and stops), or SL001 as
//! a warning (PHP reads it otherwise than written without a word). Where PHP never sees the
//! strict-mode line, SL110 must say the line is there but unread.

mod common;

use std::path::Path;
use std::process::Command;

/// What sesslint reports at the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Finding {
    None,
    /// SL001 error: PHP prints a syntax error and stops (php-fpm refuses the pool).
    Refused,
    /// SL001 warning: PHP reads otherwise than written and prints nothing.
    Silent,
}

/// What PHP reads: `None` for the save path when PHP refuses the file.
struct Reads {
    save_path: Option<&'static str>,
    sees_next_line: bool,
    finding: Finding,
}

struct Row {
    value: &'static [u8],
    php_ini: Reads,
    pool: Reads,
}

const fn reads(save_path: Option<&'static str>, sees_next_line: bool, finding: Finding) -> Reads {
    Reads { save_path, sees_next_line, finding }
}

/// The table: PHP 8.2.x and php-fpm 8.2.x's answers.
const ROWS: &[Row] = &[
    // An unclosed `'` after the value began: the value ends there; php.ini reads no more of
    // the file, php-fpm no more of the line. No message from either.
    Row {
        value: b"/var/lib/php/o'brien",
        php_ini: reads(Some("/var/lib/php/o"), false, Finding::Silent),
        pool: reads(Some("/var/lib/php/o"), true, Finding::Silent),
    },
    Row {
        value: b"\"/var/lib/php/x\"'y",
        php_ini: reads(Some("/var/lib/php/x"), false, Finding::Silent),
        pool: reads(Some("/var/lib/php/x"), true, Finding::Silent),
    },
    Row {
        value: b"/var/lib/php/x 'y",
        php_ini: reads(Some("/var/lib/php/x "), false, Finding::Silent),
        pool: reads(Some("/var/lib/php/x "), true, Finding::Silent),
    },
    // A NUL byte: the value ends there; php.ini reads the rest of the line as a line of its
    // own (here a bare word, ignored), php-fpm drops it.
    Row {
        value: b"/var/lib/php/a\0b",
        php_ini: reads(Some("/var/lib/php/a"), true, Finding::Silent),
        pool: reads(Some("/var/lib/php/a"), true, Finding::Silent),
    },
    // A NUL byte with nothing after it cuts nothing.
    Row {
        value: b"/var/lib/php/a\0",
        php_ini: reads(Some("/var/lib/php/a"), true, Finding::None),
        pool: reads(Some("/var/lib/php/a"), true, Finding::None),
    },
    // Closed raw strings run together: PHP's ordinary reading, no finding.
    Row {
        value: b"/var/lib/php/a'b'c",
        php_ini: reads(Some("/var/lib/php/abc"), true, Finding::None),
        pool: reads(Some("/var/lib/php/abc"), true, Finding::None),
    },
    Row {
        value: b"\"/var/lib/php/o'brien\"",
        php_ini: reads(Some("/var/lib/php/o'brien"), true, Finding::None),
        pool: reads(Some("/var/lib/php/o'brien"), true, Finding::None),
    },
    Row {
        value: b"/var/lib/php/x\\",
        php_ini: reads(Some("/var/lib/php/x\\"), true, Finding::None),
        pool: reads(Some("/var/lib/php/x\\"), true, Finding::None),
    },
    // A `'` first, an `=`, an unclosed `"` or `${`: syntax errors PHP prints.
    Row {
        value: b"'/var/lib/php/x",
        php_ini: reads(None, false, Finding::Refused),
        pool: reads(None, false, Finding::Refused),
    },
    Row {
        value: b"/var/lib/php/a=b",
        php_ini: reads(None, false, Finding::Refused),
        pool: reads(None, false, Finding::Refused),
    },
    Row {
        value: b"/var/lib/php/a\"b",
        php_ini: reads(None, false, Finding::Refused),
        pool: reads(None, false, Finding::Refused),
    },
    Row { value: b"${X", php_ini: reads(None, false, Finding::Refused), pool: reads(None, false, Finding::Refused) },
];

const NEXT: &str = "session.use_strict_mode = 1\n";

fn shown(value: &[u8]) -> String {
    value.escape_ascii().to_string()
}

/// `php -n -c DIR` (with `PHP_INI_SCAN_DIR`): the save path and strict mode it reads, and its
/// stderr; `display_startup_errors` given on the command line (after the files) and in a
/// conf.d file read first.
fn php_reads(php: &Path, dir: &Path, scan_dir: Option<&Path>, startup_errors: bool) -> (String, String, String) {
    let mut cmd = Command::new(php);
    cmd.args(["-c"]).arg(dir);
    cmd.args(["-d", if startup_errors { "display_startup_errors=1" } else { "display_startup_errors=0" }]);
    cmd.args(["-r", "echo json_encode([ini_get('session.save_path'), ini_get('session.use_strict_mode')]);"]);
    match scan_dir {
        Some(d) => cmd.env("PHP_INI_SCAN_DIR", d),
        None => cmd.env("PHP_INI_SCAN_DIR", ""),
    };
    let out = cmd.output().expect("run php");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("php prints JSON");
    let s = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_owned();
    (s(&v[0]), s(&v[1]), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// sesslint's SL001 and SL110 findings in `tree`: (severity of SL001 at `file`, SL110 messages).
fn sesslint_says(tree: &Path, file: &str) -> (Option<String>, Vec<String>) {
    let out = common::sesslint_cmd(&["check", "--format", "json", "--select", "SL001,SL110"])
        .arg(".")
        .current_dir(tree)
        .output()
        .expect("run sesslint");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sesslint JSON");
    let list = list.as_array().cloned().unwrap_or_default();
    let sl001 = list
        .iter()
        .filter(|d| d["code"] == "SL001" && d["path"].as_str().is_some_and(|p| p.ends_with(file)))
        .map(|d| d["severity"].as_str().unwrap_or_default().to_owned())
        .next();
    let sl110 =
        list.iter().filter(|d| d["code"] == "SL110").map(|d| d["message"].as_str().unwrap_or_default().to_owned());
    (sl001, sl110.collect())
}

fn expected_severity(f: Finding) -> Option<String> {
    match f {
        Finding::None => None,
        Finding::Refused => Some("error".into()),
        Finding::Silent => Some("warning".into()),
    }
}

/// The php.ini and conf.d placements: PHP's answer as the row says, and sesslint's finding.
#[test]
fn php_ini_and_conf_d_lines_php_reads_otherwise_than_written() {
    let Some(php) = common::oracle("php") else { return };
    for row in ROWS {
        for in_conf_d in [false, true] {
            let tmp = tempfile::tempdir().expect("tmp");
            let fpm = tmp.path().join("etc/php/8.2/fpm");
            let conf_d = fpm.join("conf.d");
            std::fs::create_dir_all(&conf_d).expect("mkdir");
            let mut text = b"session.save_handler = files\nsession.save_path = ".to_vec();
            text.extend_from_slice(row.value);
            text.extend_from_slice(format!("\n{NEXT}").as_bytes());
            let file = if in_conf_d {
                std::fs::write(fpm.join("php.ini"), "max_execution_time = 30\n").expect("write");
                std::fs::write(conf_d.join("30-sessions.ini"), &text).expect("write");
                "30-sessions.ini"
            } else {
                std::fs::write(fpm.join("php.ini"), &text).expect("write");
                "php.ini"
            };
            let what = format!("{} in {file}", shown(row.value));
            for startup_errors in [true, false] {
                let (save_path, strict, stderr) = php_reads(&php, &fpm, Some(&conf_d), startup_errors);
                let refused = stderr.contains("syntax error");
                assert_eq!(refused, row.php_ini.finding == Finding::Refused, "{what}: PHP says {stderr:?}");
                if !refused {
                    assert!(stderr.trim().is_empty(), "{what}: PHP says {stderr:?}");
                    assert_eq!(Some(save_path.as_str()), row.php_ini.save_path, "{what}: PHP's save path");
                }
                assert_eq!(strict == "1", row.php_ini.sees_next_line, "{what}: does PHP see the next line?");
            }
            let (sl001, sl110) = sesslint_says(tmp.path(), file);
            assert_eq!(sl001, expected_severity(row.php_ini.finding), "{what}: sesslint's SL001");
            // PHP never sees the strict-mode line: SL110 says it is written but unread, never
            // that the tree does not set it.
            if !row.php_ini.sees_next_line {
                assert_eq!(sl110.len(), 1, "{what}: {sl110:?}");
                let unread = sl110[0].contains("past the point where PHP stops reading this file");
                assert!(unread && !sl110[0].contains("not set"), "{what}: {sl110:?}");
            } else {
                assert!(sl110.is_empty(), "{what}: {sl110:?}");
            }
        }
    }
}

/// The pool placement: php-fpm's `-tt` dump as the row says, and sesslint's finding.
#[test]
fn pool_lines_php_fpm_reads_otherwise_than_written() {
    let Some(fpm_bin) = common::oracle("php-fpm8.2") else { return };
    for row in ROWS {
        let tmp = tempfile::tempdir().expect("tmp");
        let fpm = tmp.path().join("etc/php/8.2/fpm");
        std::fs::create_dir_all(fpm.join("pool.d")).expect("mkdir");
        std::fs::write(
            fpm.join("php-fpm.conf"),
            format!(
                "[global]\nerror_log = {}/fpm.log\ninclude = {}/pool.d/*.conf\n",
                tmp.path().display(),
                fpm.display()
            ),
        )
        .expect("write");
        let mut pool = b"[www]\nuser = nobody\nlisten = 127.0.0.1:9\npm = static\npm.max_children = 1\nphp_admin_value[session.save_path] = ".to_vec();
        pool.extend_from_slice(row.value);
        pool.extend_from_slice(b"\nphp_admin_value[session.use_strict_mode] = 1\n");
        std::fs::write(fpm.join("pool.d/www.conf"), &pool).expect("write");
        let what = format!("{} in a pool", shown(row.value));
        let out = Command::new(&fpm_bin)
            .args(["-n", "-tt", "-y"])
            .arg(fpm.join("php-fpm.conf"))
            .output()
            .expect("run php-fpm");
        let said = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
        let refused = !out.status.success();
        assert_eq!(refused, row.pool.finding == Finding::Refused, "{what}: php-fpm says {said}");
        if !refused {
            let noisy = said.lines().filter(|l| l.contains("WARNING") || l.contains("ERROR")).collect::<Vec<_>>();
            assert!(noisy.is_empty(), "{what}: php-fpm says {noisy:?}");
            let save_path = said
                .lines()
                .find_map(|l| l.split_once("\tphp_admin_value[session.save_path] = ").map(|(_, v)| v.to_owned()));
            assert_eq!(save_path.as_deref(), row.pool.save_path, "{what}: php-fpm's save path in {said}");
            assert_eq!(
                said.contains("\tphp_admin_value[session.use_strict_mode] = 1"),
                row.pool.sees_next_line,
                "{what}: does php-fpm see the next line?"
            );
        }
        let (sl001, _) = sesslint_says(tmp.path(), "www.conf");
        assert_eq!(sl001, expected_severity(row.pool.finding), "{what}: sesslint's SL001");
    }
}

/// How PHP reads an unquoted save path (SL105) is not judged on a line PHP never reads: past
/// an unclosed `'` it stops reading php.ini. The same line read by PHP is judged.
#[test]
fn an_unread_save_path_is_not_judged_as_read() {
    let tree = tempfile::tempdir().expect("tempdir");
    let dir = tree.path().join("etc/php/8.2/fpm");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let sl105 = |name_line: &str| {
        let ini = format!("[Session]\nsession.save_handler = files\n{name_line}session.save_path = ~/sessions\n");
        std::fs::write(dir.join("php.ini"), ini).expect("write php.ini");
        let out = common::sesslint_cmd(&["check", "--format", "json", "--select", "SL105"])
            .arg(".")
            .current_dir(tree.path())
            .output()
            .expect("run sesslint");
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sesslint JSON");
        list.as_array().map_or(0, |l| l.iter().filter(|d| d["code"] == "SL105").count())
    };
    assert_eq!(sl105("session.name = o'brien\n"), 0, "SL105 on a line PHP never reads");
    assert_eq!(sl105("session.name = obrien\n"), 1, "SL105 on a line PHP reads");
}

/// A stop in php.ini names every setting after it by its key as written, offsets included:
/// PHP's `parse_ini_file` of such a file (asked live) has none of them, `env[A]` and
/// `env[B]` are two settings PHP never sees, and `php_value[session.name]` says which one
/// (the message listed them all as `env[...]` and `php_value[...]`).
#[test]
fn a_stop_names_each_bracketed_setting_after_it() {
    let t = tempfile::tempdir().expect("tempdir");
    let ini = t.path().join("etc/php/8.2/cli/php.ini");
    std::fs::create_dir_all(ini.parent().expect("dir")).expect("mkdir");
    let after = ["env[A]", "env[B]", "php_value[session.name]", "session.name"];
    let text: String = std::iter::once("[PHP]\nsession.save_path = /var/lib/php/o'brien\n".to_owned())
        .chain(after.iter().map(|k| format!("{k} = 1\n")))
        .collect();
    std::fs::write(&ini, text).expect("write");
    if let Some(php) = common::oracle("php") {
        let out = Command::new(php)
            .args(["-n", "-r", "echo json_encode(parse_ini_file($argv[1], true, INI_SCANNER_NORMAL));"])
            .arg(&ini)
            .output()
            .expect("run php");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("php prints JSON");
        assert_eq!(v, serde_json::json!({"PHP": {"session.save_path": "/var/lib/php/o"}}), "PHP reads more");
    }
    let out = common::sesslint_cmd(&["check", "--format", "concise", "--select", "SL001", "."])
        .current_dir(t.path())
        .output()
        .expect("run sesslint");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(&format!("never sees the settings after it ({})", after.join(", "))), "{said}");
}
