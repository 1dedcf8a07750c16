//! Which tree a run checks when no `--root` says it: the tree a named path is in, however it
//! is named (the tree's top, its `etc/`, a directory or a file below it, a buffer standing
//! for a file), from wherever sesslint runs; a fleet holding it; never Magento's `app/etc`,
//! and never past the project's top. Each on real trees under a temporary directory.

mod common;

use std::path::Path;
use std::process::Output;

/// A git repository holding the demo's tree at `infra/web1` (not at its top).
fn repo_with_nested_tree() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join(".git")).expect("mkdir .git");
    // Beside the tree, a directory that is no host: `infra` is no fleet.
    std::fs::create_dir_all(tmp.path().join("infra/ansible")).expect("mkdir");
    common::copy_tree(&common::fixtures().join("demo"), &tmp.path().join("infra/web1"));
    tmp
}

fn run(cwd: &Path, args: &[&str]) -> (String, String, Option<i32>) {
    let o: Output = common::sesslint_cmd(args).current_dir(cwd).output().expect("sesslint");
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned(), o.status.code())
}

/// The codes of concise findings, one per line.
fn codes(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| Some(l.split('[').nth(1)?.split(']').next()?.to_owned()))
        .filter(|c| c.starts_with("SL"))
        .collect()
}

/// What the demo's tree gives when only findings about the copy's absolute paths would
/// differ: none of the findings a root of `/` makes (refused includes, git's file modes).
fn no_wrong_root_findings(stdout: &str, what: &str) {
    for code in ["SL002", "SL004", "SL113"] {
        assert!(!codes(stdout).contains(&code.to_owned()), "{what} gives {code}:\n{stdout}");
    }
}

#[test]
fn naming_a_trees_etc_or_a_directory_below_it_names_the_tree() {
    let repo = repo_with_nested_tree();
    let top = repo.path();
    let (whole, _, _) = run(top, &["check", "--format", "concise", "infra/web1"]);
    assert!(codes(&whole).contains(&"SL401".to_owned()), "{whole}");
    no_wrong_root_findings(&whole, "infra/web1");
    for named in ["infra/web1/etc", "infra/web1/etc/", "infra/web1/etc/redis", "infra/web1/etc/php/8.2/fpm"] {
        let (out, err, code) = run(top, &["check", "-v", "--format", "concise", named]);
        assert!(
            err.contains("sesslint: root infra/web1 (infra/web1 has an etc/ directory at its top"),
            "{named}: {err}"
        );
        assert_eq!(code, Some(1), "{named}: {out}");
        no_wrong_root_findings(&out, named);
        // Each finding is one the whole tree has, at the same place and with the same words
        // (a directory below `etc/` reads fewer files, which changes what some findings say).
        if !named.trim_end_matches('/').ends_with("etc") {
            continue;
        }
        for line in out.lines() {
            assert!(whole.lines().any(|w| w == line), "{named}: {line}\nnot in the check of infra/web1:\n{whole}");
        }
    }
    // From the tree's top, `etc/` is the tree `.`, as naming `.` is.
    let web1 = top.join("infra/web1");
    let (out, err, _) = run(&web1, &["check", "-v", "--format", "concise", "etc/"]);
    assert!(err.contains("sesslint: root . (. has an etc/ directory at its top, and etc is in that tree)"), "{err}");
    no_wrong_root_findings(&out, "etc/");
    // A plain copy (no .git anywhere above the tree) too.
    let plain = tempfile::tempdir().expect("tempdir");
    common::copy_tree(&common::fixtures().join("demo"), &plain.path().join("copy"));
    let (out, err, _) = run(plain.path(), &["check", "-v", "--format", "concise", "copy/etc"]);
    assert!(err.contains("sesslint: root copy ("), "{err}");
    no_wrong_root_findings(&out, "copy/etc");
}

#[test]
fn a_named_file_is_checked_in_its_tree_with_paths_relative_to_here() {
    let repo = repo_with_nested_tree();
    let top = repo.path();
    let file = "infra/web1/etc/redis/redis-sessions.conf";
    // From the repository's top (pre-commit): the tree is infra/web1, not the repository.
    let (out, err, code) = run(top, &["check", "-v", "--format", "concise", file]);
    assert!(err.contains("sesslint: root infra/web1 ("), "{err}");
    assert_eq!(code, Some(1));
    assert_eq!(codes(&out), ["SL201"], "{out}");
    assert!(out.starts_with(&format!("{file}:9:1: warning[SL201]")), "{out}");
    // From inside the tree (an editor, `git -C`): relative paths, the tree above as `../..`.
    let (out, err, _) =
        run(&top.join("infra/web1/etc/redis"), &["check", "-v", "--format", "concise", "redis-sessions.conf"]);
    assert!(err.contains("sesslint: root ../.. ("), "{err}");
    assert_eq!(codes(&out), ["SL201"], "{out}");
    assert!(out.starts_with("../../etc/redis/redis-sessions.conf:9:1: warning[SL201]"), "{out}");
    // Named absolute from the tree's top: shown relative to it.
    let abs = top.join(file).display().to_string();
    let (out, _, _) = run(&top.join("infra/web1"), &["check", "--format", "concise", &abs]);
    assert!(out.starts_with("etc/redis/redis-sessions.conf:9:1: warning[SL201]"), "{out}");
    // A buffer standing for the file: the same tree, the same findings.
    let buffer = std::fs::read(top.join(file)).expect("read");
    let mut child = common::sesslint_cmd(&["check", "--format", "concise", "--stdin-filename", file, "-"])
        .current_dir(top)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &buffer).expect("write");
    let o = child.wait_with_output().expect("wait");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(codes(&out), ["SL201"], "{out}");
    assert!(out.starts_with(&format!("{file}:9:1:")), "{out}");
}

#[test]
fn the_walk_up_stops_at_the_projects_top_and_at_magentos_app_etc() {
    // An etc/ above the repository is not the repository's tree.
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("etc/redis")).expect("mkdir");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    std::fs::create_dir_all(repo.join("conf")).expect("mkdir");
    std::fs::write(repo.join("conf/redis.conf"), "port 6379\nrequirepass \"a-long-enough-password-for-sl204-0123\"\n")
        .expect("write");
    let (_, err, _) = run(&repo, &["check", "-v", "--format", "concise", "conf/redis.conf"]);
    assert!(err.contains("sesslint: root / (no --root"), "{err}");
    // A Magento checkout's app/etc is no tree's etc/: its files are checked with the root /
    // (a repository of the shop alone), or in the machine tree that holds the shop.
    let shop = common::fixtures().join("demo/var/www/shop");
    let alone = tmp.path().join("shop");
    common::copy_tree(&shop, &alone);
    std::fs::create_dir(alone.join(".git")).expect("mkdir");
    let (out, err, _) = run(&alone, &["check", "-v", "--format", "concise", "app/etc/env.php"]);
    assert!(err.contains("sesslint: root / (no --root"), "{err}");
    assert!(codes(&out).contains(&"SL302".to_owned()), "{out}");
    let demo = tmp.path().join("demo");
    common::copy_tree(&common::fixtures().join("demo"), &demo);
    let (_, err, _) = run(&demo.join("var/www/shop"), &["check", "-v", "--format", "concise", "app/etc/env.php"]);
    assert!(err.contains("sesslint: root ../../.. ("), "{err}");
}

#[test]
fn a_directory_holding_only_magentos_app_is_no_fleet() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let shop = tmp.path().join("shop");
    common::copy_tree(&common::fixtures().join("demo/var/www/shop"), &shop);
    std::fs::create_dir(shop.join(".git")).expect("mkdir");
    let (out, err, code) = run(&shop, &["-v", "show", "."]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(!out.contains("Fleet") && !err.contains("one tree per host"), "{out}{err}");
    assert!(out.starts_with("magento app/etc/env.php\n"), "{out}");
    let (json, _, _) = run(&shop, &["check", "--format", "json", "."]);
    assert!(!json.contains("\"host\""), "{json}");
    // A host that is named `app` is still a host: its etc/ is a machine's, not Magento's.
    let fleet = tmp.path().join("fleet");
    for host in ["app", "db"] {
        common::copy_tree(&common::fixtures().join("demo/etc"), &fleet.join(host).join("etc"));
    }
    let (out, _, _) = run(&fleet, &["show", "."]);
    assert!(out.starts_with("Fleet .: 2 hosts\n"), "{out}");
    let one = tmp.path().join("one");
    common::copy_tree(&common::fixtures().join("demo/etc"), &one.join("web/etc"));
    let (out, _, _) = run(&one, &["show", "."]);
    assert!(out.starts_with("Fleet .: 1 host\n"), "{out}");
}

#[test]
fn a_named_file_of_a_fleets_host_is_checked_in_the_fleet() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join(".git")).expect("mkdir");
    for host in ["web", "db"] {
        common::copy_tree(&common::fixtures().join("demo/etc"), &tmp.path().join("fleet").join(host).join("etc"));
    }
    let file = "fleet/web/etc/redis/redis-sessions.conf";
    let (out, err, _) = run(tmp.path(), &["check", "-v", "--format", "json", file]);
    assert!(err.contains("sesslint: root fleet (fleet holds one tree per host (db, web)"), "{err}");
    assert!(out.contains("\"host\": \"web\""), "{out}");
}

/// `show FILE` describes the model `check FILE` judges: the same tree is read for a named
/// file. In a git repository holding a php.ini in one directory and the redis.conf its save
/// path reaches in another, `check app1/php.ini` linked the two (SL201 at the server) while
/// `show app1/php.ini` read the file's directory alone and said no Redis server listens there.
#[test]
fn show_reads_a_named_file_in_the_tree_check_reads_it_in() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join(".git")).expect("mkdir .git");
    for d in ["app1", "other"] {
        std::fs::create_dir(tmp.path().join(d)).expect("mkdir");
    }
    std::fs::write(
        tmp.path().join("app1/php.ini"),
        "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379\"\n",
    )
    .expect("write");
    std::fs::write(tmp.path().join("other/redis.conf"), "bind 0.0.0.0\nport 6379\n").expect("write");
    let (check, _, code) = run(tmp.path(), &["check", "--format", "concise", "app1/php.ini"]);
    assert_eq!(code, Some(1));
    assert!(check.contains("other/redis.conf:1:1: warning[SL201]"), "{check}");
    for named in ["app1/php.ini", "other/redis.conf"] {
        let (show, stderr, code) = run(tmp.path(), &["show", named]);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(show.contains("tcp://127.0.0.1:6379 db 0 -> Redis other/redis.conf"), "show {named}: {show}");
    }
    // A directory is read as named, in both.
    let (show, _, _) = run(tmp.path(), &["show", "app1"]);
    assert!(show.contains("no Redis server in the tree"), "{show}");
}
