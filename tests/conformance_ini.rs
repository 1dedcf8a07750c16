//! Given an ini file, `sesslint parse --format json` says what PHP's own
//! `parse_ini_file($f, true, INI_SCANNER_NORMAL)` says, and refuses exactly the files PHP
//! refuses. Every case in fixtures/conformance/ini is run through both, live.

mod common;

use std::path::Path;
use std::process::Command;

const ENV: (&str, &str) = ("SESSREDIS", "tcp://127.0.0.1:6379");

fn php_parse(php: &Path, file: &Path) -> String {
    let out = Command::new(php)
        .args(["-n", "-r", "echo json_encode(@parse_ini_file($argv[1], true, INI_SCANNER_NORMAL));"])
        .arg(file)
        .env(ENV.0, ENV.1)
        .output()
        .expect("run php");
    assert!(out.status.success(), "php failed on {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("php prints JSON")
}

/// Compare one file; returns a description of the disagreement, if any.
fn compare(php: &Path, file: &Path) -> Option<String> {
    let expected = php_parse(php, file);
    // sesslint never reads its own environment for `${}`: the variable is given explicitly.
    let ours = common::sesslint_cmd(&["parse", "--show-secrets", "--format", "json", "--kind", "ini"])
        .arg(format!("--env={}={}", ENV.0, ENV.1))
        .arg(file)
        .output()
        .expect("run sesslint");
    let stdout = String::from_utf8_lossy(&ours.stdout);
    let code = ours.status.code();
    if expected == "false" {
        return (code != Some(1))
            .then(|| format!("{}: PHP refuses it, sesslint exited {code:?} with {stdout}", file.display()));
    }
    if code != Some(0) {
        return Some(format!(
            "{}: PHP accepts it ({expected}), sesslint exited {code:?}: {}",
            file.display(),
            String::from_utf8_lossy(&ours.stderr)
        ));
    }
    let php_value: serde_json::Value = serde_json::from_str(&expected).expect("PHP JSON");
    let our_value: serde_json::Value = serde_json::from_str(stdout.trim()).expect("sesslint JSON");
    (php_value != our_value).then(|| format!("{}:\n  php:      {expected}\n  sesslint: {stdout}", file.display()))
}

fn run_all(files: &[std::path::PathBuf]) -> (usize, Vec<String>) {
    let Some(php) = common::oracle("php") else { return (0, vec![]) };
    let chunks: Vec<_> = files.chunks(files.len().div_ceil(4).max(1)).collect();
    let failures = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| s.spawn(|| chunk.iter().filter_map(|f| compare(&php, f)).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("worker")).collect()
    });
    (files.len(), failures)
}

#[test]
fn every_ini_case_agrees_with_php() {
    let files = common::files_below(&common::fixtures().join("conformance/ini"));
    assert!(files.len() >= 60, "the ini conformance suite has {} cases, expected at least 60", files.len());
    let (count, failures) = run_all(&files);
    assert!(failures.is_empty(), "{} of {count} cases disagree with PHP:\n{}", failures.len(), failures.join("\n"));
}

/// Real files as distributions ship them: Debian's and RHEL's php.ini, conf.d and FPM pools.
#[test]
fn corpus_ini_files_agree_with_php() {
    // fixtures/corpus is a copy of the shared corpus (fixtures/corpus/SOURCES.md).
    let files: Vec<_> =
        common::files_below(&common::fixtures().join("corpus")).into_iter().filter(|f| is_php_ini_dialect(f)).collect();
    if files.is_empty() {
        common::skipped("no corpus ini files found");
        return;
    }
    let (count, failures) = run_all(&files);
    assert!(
        failures.is_empty(),
        "{} of {count} corpus files disagree with PHP:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn is_php_ini_dialect(f: &Path) -> bool {
    let name = f.to_string_lossy();
    name.ends_with(".ini")
        || name.contains("php.ini")
        || (name.contains("fpm") && (name.ends_with(".conf") || name.ends_with(".conf.in")))
}

/// Which sections PHP reads per directory or host only: a name that begins with `PATH` or
/// `HOST` in any case, as written (php_ini.c compares the first four bytes, so `[pathfoo]`
/// counts and `[  HOST=x]` does not). The model must agree with real PHP on each.
#[test]
fn per_directory_sections_are_the_ones_php_skips() {
    let Some(php) = common::oracle("php") else { return };
    for section in ["[pathfoo]", "[PATH=/x]", "[hostx]", "[HOSTNAME]", "[  HOST=x]", "[ path=/x ]", "[Session]"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let cli = dir.path().join("etc/php/8.2/cli");
        std::fs::create_dir_all(&cli).expect("mkdir");
        let ini = cli.join("php.ini");
        std::fs::write(&ini, format!("{section}\nsession.gc_maxlifetime = 77\n")).expect("write");
        let out = std::process::Command::new(&php)
            .args(["-n", "-c"])
            .arg(&ini)
            .args(["-r", "echo ini_get('session.gc_maxlifetime');"])
            .output()
            .expect("php");
        let php_sees = String::from_utf8_lossy(&out.stdout).into_owned();
        let model = sesslint::model::build(&[dir.path().to_path_buf()], &sesslint::model::BuildOptions::default());
        let setup = model.php.iter().find(|s| s.values.contains_key("session.gc_maxlifetime"));
        let ours = if setup.is_some() { "77" } else { "1440" };
        assert_eq!(ours, php_sees, "{section}: php reads {php_sees}");
    }
}

/// Broken lines (a `${...}` or `"..."` that does not close, around keys, offsets, sections
/// and values): `sesslint parse` refuses each with PHP's own message, as PHP 8.2's
/// `parse_ini_file` reports it (asked live; "in FILE on line N" aside), and php-fpm 8.2
/// `-tt` reports the same for the line in a pool.
#[test]
fn broken_lines_get_phps_own_message() {
    let Some(php) = common::oracle("php") else { return };
    let lines = [
        "a[${X=Y}] = secret",
        "a[${}] = secret",
        "a = ${X=Y}",
        "a = ${X",
        "a = ${}",
        "a = \"${X=Y}\"",
        "a = \"${X\"",
        "a[\"x] = v",
        "a = \"x",
        "a=\"x\"y\"",
        "[a${X=Y}]",
        "a=${X}${",
        "env['A]=B'_PASSWORD${}] = v",
        "env['A}=B'_PASSWORD${] = v",
        "env['A]=B'_PASSWORD] = v ${",
        "a[x = v",
        "a=(1",
        "=b",
        "a[x] b",
    ];
    let dir = tempfile::tempdir().expect("tmp");
    let fpm = common::oracle("php-fpm8.2");
    if fpm.is_none() {
        common::skipped("php-fpm8.2 is not installed: its messages are not compared");
    }
    for (n, line) in lines.iter().enumerate() {
        let file = dir.path().join(format!("broken-{n}.ini"));
        std::fs::write(&file, format!("{line}\n")).expect("write");
        let out = Command::new(&php)
            .args([
                "-n",
                "-r",
                "var_export(@parse_ini_file($argv[1])); echo \"\\n\", error_get_last()['message'] ?? '';",
            ])
            .arg(&file)
            .env("X", "xx")
            .output()
            .expect("run php");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        let (result, message) = said.split_once('\n').expect("two parts");
        assert_eq!(result, "false", "PHP accepts {line:?}");
        let php_message = message.split(" in ").next().expect("message").trim().to_owned();
        let ours = common::sesslint_cmd(&["parse", "--kind", "ini"]).arg(&file).output().expect("run sesslint");
        let stderr = String::from_utf8_lossy(&ours.stderr).into_owned();
        let our_message = stderr.lines().next().and_then(|l| l.split_once(": ")).map(|(_, m)| m).unwrap_or_default();
        assert_eq!(our_message, php_message, "{line:?}: sesslint says {stderr}");
        if let Some(fpm) = &fpm {
            let conf = dir.path().join(format!("fpm-{n}.conf"));
            std::fs::write(
                &conf,
                format!(
                    "[global]\nerror_log = {}/fpm.log\n[www]\nuser = nobody\nlisten = 127.0.0.1:9999\npm = static\npm.max_children = 1\n{line}\n",
                    dir.path().display()
                ),
            )
            .expect("write");
            let o = Command::new(fpm).args(["-tt", "-n", "-y"]).arg(&conf).output().expect("run php-fpm");
            let fpm_said = String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout);
            assert!(fpm_said.contains(&format!("{php_message} in ")), "{line:?}: php-fpm -tt says {fpm_said}");
        }
    }
}
