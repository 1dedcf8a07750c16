//! `sesslint check --stdin-filename PATH -`: standard input checked as if it were the file
//! PATH in its tree (ruff's convention, for editors and scripts): the buffer wins over the
//! file on disk, PATH need not exist yet, and a PATH outside the checked tree is refused.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

/// A copy of the demo tree in a git work tree (the project `--stdin-filename` finds).
fn demo_project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for file in common::files_below(&common::fixtures().join("demo")) {
        let rel = file.strip_prefix(common::fixtures().join("demo")).expect("below");
        let to = tmp.path().join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&file, &to).expect("copy");
    }
    let git = std::process::Command::new("git").args(["init", "-q"]).current_dir(tmp.path()).output().expect("git");
    assert!(git.status.success());
    tmp
}

/// Run `sesslint ARGS` in `dir` with `input` on standard input.
fn with_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = common::sesslint_cmd(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    // A refusal may come before all of a large input is read: a closed pipe is expected then.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().expect("wait")
}

/// (code, path, line) of each finding, and the paths of their related places.
fn findings(out: &Output) -> (Vec<(String, String, u64)>, Vec<String>) {
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    let list = json.as_array().expect("array");
    let main = list
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_owned(),
                d["path"].as_str().unwrap_or("").to_owned(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let related = list
        .iter()
        .flat_map(|d| d["related"].as_array().cloned().unwrap_or_default())
        .map(|r| r["path"].as_str().unwrap_or("").to_owned())
        .collect();
    (main, related)
}

const OPEN_REDIS: &[u8] = b"bind 0.0.0.0\nport 6379\nprotected-mode no\n";

#[test]
fn the_buffer_replaces_the_file_on_disk() {
    let project = demo_project();
    let conf = "etc/redis/redis.conf";
    let on_disk = std::fs::read(project.path().join(conf)).expect("read");
    let out = with_stdin(project.path(), &["check", "--format", "json", "--stdin-filename", conf, "-"], OPEN_REDIS);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let (found, related) = findings(&out);
    // What the buffer says, at its lines: no password (1: bind), protected mode off (3).
    assert!(found.contains(&("SL201".into(), conf.into(), 1)), "{found:?}");
    assert!(found.contains(&("SL203".into(), conf.into(), 3)), "{found:?}");
    // The env.php next to it (read from disk) still points at it: it sends a password to a
    // server that has none now.
    assert!(found.iter().any(|(c, p, _)| c == "SL401" && p == "var/www/shop/app/etc/env.php"), "{found:?}");
    // Only findings that touch the file: none elsewhere without a related place in it.
    for (code, path, _) in &found {
        assert!(path == conf || related.iter().any(|r| r == conf), "{code} at {path} does not touch {conf}");
    }
    // The file on disk says otherwise (a password, protected mode on), and is unchanged.
    let disk =
        common::sesslint_cmd(&["check", "--format", "json", "."]).current_dir(project.path()).output().expect("run");
    let (disk_found, _) = findings(&disk);
    assert!(!disk_found.iter().any(|(c, p, _)| c == "SL203" && p == conf), "{disk_found:?}");
    assert!(disk_found.iter().any(|(c, p, _)| c == "SL204" && p == conf), "{disk_found:?}");
    assert_eq!(std::fs::read(project.path().join(conf)).expect("read"), on_disk);
}

#[test]
fn a_path_that_does_not_exist_yet_is_checked_in_its_tree() {
    let project = demo_project();
    let pool = "etc/php/8.2/fpm/pool.d/new.conf";
    let text = b"[new]\nuser = www-data\nlisten = /run/php/new.sock\nphp_admin_value[session.save_handler] = redis\nphp_admin_value[session.save_path] = \"tcp://127.0.0.1:6379?database=5&timeout=2\"\n";
    let out = with_stdin(project.path(), &["--format", "json", "--stdin-filename", pool, "-"], text);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let (found, related) = findings(&out);
    // The pool sends no password to the demo's redis.conf on 6379, which requires one.
    assert!(found.contains(&("SL109".into(), pool.into(), 5)), "{found:?}");
    let sl401 = found.iter().find(|(c, p, _)| c == "SL401" && p == pool);
    assert!(sl401.is_some() && related.iter().any(|r| r == "etc/redis/redis.conf"), "{found:?} {related:?}");
    assert!(!project.path().join(pool).exists(), "the buffer was written to disk");
    // Shown at the path it stands for, as every other finding is.
    let human = with_stdin(project.path(), &["check", "--format", "concise", "--stdin-filename", pool, "-"], text);
    assert!(String::from_utf8_lossy(&human.stdout).contains(&format!("{pool}:5:1: warning[SL109]")));
}

#[test]
fn a_path_outside_the_checked_tree_is_refused() {
    let project = demo_project();
    let outside = tempfile::tempdir().expect("tempdir");
    let refused = |args: &[&str], why: &str| {
        let out = with_stdin(project.path(), args, OPEN_REDIS);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed a report");
        assert!(err.contains(why), "{args:?}: {err}");
    };
    // Beside --root, and through `..`.
    let elsewhere = outside.path().join("etc/redis/redis.conf").display().to_string();
    refused(&["--root", "etc", "--stdin-filename", &elsewhere, "-"], "is outside the checked tree (the directory etc)");
    refused(&["--root", "etc/php", "--stdin-filename", "etc/php/../redis/redis.conf", "-"], "outside the checked tree");
    // A directory of the tree that is a symlink out of it: the path resolves outside.
    std::os::unix::fs::symlink(outside.path(), project.path().join("etc/elsewhere")).expect("symlink");
    refused(&["--root", ".", "--stdin-filename", "etc/elsewhere/redis.conf", "-"], "outside the checked tree");
    // Not a file; `-` without the name it stands for; other paths beside `-`.
    refused(&["--stdin-filename", "etc/redis", "-"], "is not a regular file");
    refused(&["check", "-"], "needs --stdin-filename PATH");
    refused(&["--stdin-filename", "etc/redis/redis.conf", "-", "etc"], "give `-` as the only path");
    // Standard input is bounded like a file: 16 MiB.
    let big = vec![b'#'; 16 * 1024 * 1024 + 1];
    let out = with_stdin(project.path(), &["--stdin-filename", "etc/redis/redis.conf", "-"], &big);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("over the 16 MiB"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An unsaved buffer of a file reached by several names (Debian's `conf.d/20-redis.ini`
/// links into `mods-available/redis.ini`) is that file's text under every name, whichever
/// name the editor opened: the CLI and FPM setups that load it through their links are
/// judged on the buffer, not on the disk.
#[test]
fn a_buffer_of_a_linked_ini_reaches_every_name_of_its_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    common::copy_tree(&common::fixtures().join("demo"), tmp.path());
    let git = std::process::Command::new("git").args(["init", "-q"]).current_dir(tmp.path()).output().expect("git");
    assert!(git.status.success());
    let names = ["cli/conf.d/20-redis.ini", "fpm/conf.d/20-redis.ini", "mods-available/redis.ini"]
        .map(|n| format!("etc/php/8.2/{n}"));
    // On disk the file is clean; the buffer adds an unquoted save path on line 2.
    let buffer = b"extension=redis.so\nsession.save_path = tcp://127.0.0.1:6379?auth=pw&database=9\n";
    for opened in &names {
        let out = with_stdin(
            tmp.path(),
            &["check", "--select", "SL001", "--format", "json", "--stdin-filename", opened, "-"],
            buffer,
        );
        assert_eq!(out.status.code(), Some(1), "{opened}: {}", String::from_utf8_lossy(&out.stderr));
        let (found, _) = findings(&out);
        for name in &names {
            assert!(found.contains(&("SL001".into(), name.clone(), 2)), "opened as {opened}: {name} in {found:?}");
        }
    }
    let disk =
        common::sesslint_cmd(&["check", "--select", "SL001", "."]).current_dir(tmp.path()).output().expect("run");
    assert_eq!(disk.status.code(), Some(0), "{}", String::from_utf8_lossy(&disk.stdout));
}
