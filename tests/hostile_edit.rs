//! Rewrites on a hostile tree: a restore manifest or plan that names files outside the
//! tree, a plan file path that is a symlink, and a directory swapped for a symlink between
//! the check and the write. Each must be refused (or written where checked), never followed.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn restore_in(cwd: &Path, dir: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sesslint")).current_dir(cwd).args(["restore", dir]).output().expect("run")
}

#[test]
fn restore_refuses_a_manifest_that_names_files_outside_the_tree() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (t3, victim) = (tmp.path().join("t3"), tmp.path().join("victim"));
    write(&victim.join("bashrc"), "user config\n");
    write(&victim.join("id_rsa"), "SECRET-KEY\n");
    std::fs::set_permissions(victim.join("id_rsa"), std::fs::Permissions::from_mode(0o600)).expect("chmod");
    write(&t3.join("etc/php/payload"), "echo attacker\n");
    write(&t3.join("etc/php/php.ini"), "session.save_handler = files\n");
    let manifest = t3.join("etc/.sesslint-restore.json");
    let entry = |target: &Path, backup: Option<&Path>, new: &str, old: Option<&str>| serde_json::json!({"target": target, "backup": backup, "new_sha256": new, "old_sha256": old});
    let bashrc_sha = sha(b"user config\n");
    let ini_sha = sha(b"session.save_handler = files\n");
    let cases = [
        // A victim overwritten with a payload from the tree.
        vec![entry(&victim.join("bashrc"), Some(&t3.join("etc/php/payload")), &bashrc_sha, Some("00"))],
        // A secret copied into the tree.
        vec![entry(&t3.join("etc/php/php.ini"), Some(&victim.join("id_rsa")), &ini_sha, None)],
        // A victim deleted.
        vec![entry(&victim.join("bashrc"), None, &bashrc_sha, Some("00"))],
        // Through `..` and through a symlinked directory.
        vec![entry(&t3.join("etc/../../victim/bashrc"), None, &bashrc_sha, Some("00"))],
        vec![entry(&t3.join("etc/link/bashrc"), None, &bashrc_sha, Some("00"))],
        // Inside the tree, but the backup is not `php.ini.sesslint-*.bak` beside it.
        vec![entry(&t3.join("etc/php/php.ini"), Some(&t3.join("etc/php/payload")), &ini_sha, None)],
    ];
    std::os::unix::fs::symlink(&victim, t3.join("etc/link")).expect("ln");
    for (i, entries) in cases.iter().enumerate() {
        let doc = serde_json::json!({"format": "sesslint-restore/1", "entries": entries});
        std::fs::write(&manifest, serde_json::to_vec(&doc).expect("json")).expect("write");
        let out = restore_in(&t3, "etc");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "case {i}: {err}");
        assert!(err.contains("refused, nothing was restored"), "case {i}: {err}");
        assert!(err.contains("outside") || err.contains("beside"), "case {i} says why: {err}");
        assert_eq!(std::fs::read_to_string(victim.join("bashrc")).expect("victim kept"), "user config\n", "case {i}");
        assert_eq!(
            std::fs::read_to_string(t3.join("etc/php/php.ini")).expect("read"),
            "session.save_handler = files\n"
        );
        assert!(!err.contains("SECRET-KEY"));
    }
}

#[test]
fn restore_never_writes_through_a_symlink_in_the_tree() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let etc = tmp.path().join("etc");
    write(&tmp.path().join("victim"), "user config\n");
    write(&etc.join("php.ini.sesslint-20260101T000000Z.bak"), "backup\n");
    std::os::unix::fs::symlink(tmp.path().join("victim"), etc.join("php.ini")).expect("ln");
    let doc = serde_json::json!({"format": "sesslint-restore/1", "entries": [{
        "target": etc.join("php.ini"), "backup": etc.join("php.ini.sesslint-20260101T000000Z.bak"),
        "new_sha256": sha(b"user config\n"), "old_sha256": "00"}]});
    std::fs::write(etc.join(".sesslint-restore.json"), serde_json::to_vec(&doc).expect("json")).expect("write");
    let out = restore_in(tmp.path(), "etc");
    assert_ne!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(tmp.path().join("victim")).expect("read"), "user config\n");
}

/// A manifest whose second backup is a symlink out of the tree is refused before the first
/// entry, a valid one, is put back: nothing is restored halfway.
#[test]
fn restore_refuses_a_symlinked_backup_before_restoring_anything() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let etc = tmp.path().join("etc");
    write(&tmp.path().join("outside"), "outside\n");
    write(&etc.join("a"), "new a\n");
    write(&etc.join("a.sesslint-1.bak"), "old a\n");
    write(&etc.join("f"), "new f\n");
    std::os::unix::fs::symlink(tmp.path().join("outside"), etc.join("f.sesslint-1.bak")).expect("ln");
    let doc = serde_json::json!({"format": "sesslint-restore/1", "entries": [
        {"target": etc.join("a"), "backup": etc.join("a.sesslint-1.bak"), "new_sha256": sha(b"new a\n"), "old_sha256": sha(b"old a\n")},
        {"target": etc.join("f"), "backup": etc.join("f.sesslint-1.bak"), "new_sha256": sha(b"new f\n"), "old_sha256": "00"}]});
    std::fs::write(etc.join(".sesslint-restore.json"), serde_json::to_vec(&doc).expect("json")).expect("write");
    let out = restore_in(tmp.path(), "etc");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("refused, nothing was restored"), "{err}");
    assert_eq!(std::fs::read_to_string(etc.join("a")).expect("read"), "new a\n", "nothing restored halfway");
    assert_eq!(std::fs::read_to_string(etc.join("f")).expect("read"), "new f\n");
}

/// A plan that creates a file outside the tree, one under `.git`, and one whose `target`
/// is not where its `path` leads.
#[test]
fn apply_plan_is_confined_to_the_tree_the_model_reads_for_check_and_migrate() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let w = tmp.path().join("w");
    let ini = w.join("etc/php/8.2/cli/php.ini");
    write(&ini, "[PHP]\nsession.save_handler = files\n");
    std::fs::create_dir_all(w.join(".git/hooks")).expect("mkdir");
    std::fs::create_dir_all(tmp.path().join("outside")).expect("mkdir");
    let plan = tmp.path().join("evil-plan.json");
    let create = |p: &Path, target: &Path| {
        serde_json::json!({"format": "sesslint-plan/1", "meta": {"reload": ["php8.2-fpm"]}, "files": [{
            "path": p, "target": target, "sha256": null,
            "edits": [{"start": 0, "end": 0, "content": "#!/bin/sh\necho owned\n"}]}]})
    };
    let pwned = tmp.path().join("outside/pwned.sh");
    let hook = w.join(".git/hooks/pre-commit");
    let other = w.join("etc/php/8.2/cli/other.ini");
    let cases = [
        create(&pwned, &pwned),
        create(&hook, &hook),
        // `wrote <path>` would name a file the plan does not write.
        create(&other, &pwned),
        // An existing file of the tree, but written elsewhere.
        serde_json::json!({"format": "sesslint-plan/1", "files": [{
            "path": ini, "target": tmp.path().join("outside/x"), "sha256": sha(b"[PHP]\nsession.save_handler = files\n"),
            "edits": [{"start": 0, "end": 0, "content": "x"}]}]}),
    ];
    for (i, doc) in cases.iter().enumerate() {
        std::fs::write(&plan, serde_json::to_vec(doc).expect("json")).expect("write");
        let plan = plan.to_string_lossy().into_owned();
        for args in [
            vec!["migrate", "--apply-plan", plan.as_str(), "etc"],
            vec!["migrate", "--apply-plan", plan.as_str()],
            vec!["check", "--apply-plan", plan.as_str()],
            vec!["check", "--apply-plan", plan.as_str(), "etc"],
        ] {
            let out = Command::new(env!("CARGO_BIN_EXE_sesslint")).current_dir(&w).args(&args).output().expect("run");
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "case {i} {args:?}: {err}");
            assert!(err.contains("nothing was written"), "case {i} {args:?}: {err}");
            assert!(!pwned.exists() && !hook.exists() && !other.exists(), "case {i} {args:?}");
            assert!(!tmp.path().join("outside/x").exists());
            assert!(!tmp.path().join(".sesslint-restore.json").exists(), "no manifest beside the plan's file");
            assert!(!tmp.path().join(".sesslint").exists(), "no manifest beside the plan's file");
            assert_eq!(std::fs::read_to_string(&ini).expect("read"), "[PHP]\nsession.save_handler = files\n");
        }
    }
}

#[test]
fn a_plan_written_where_a_symlink_is_replaces_the_link_and_leaves_its_target_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let w = tmp.path().join("w1");
    write(
        &w.join("etc/php/8.2/cli/php.ini"),
        "[PHP]\nsession.save_path = tcp://127.0.0.1:6379?auth=pw-1234&database=2\n",
    );
    let victim = tmp.path().join("victim2/data");
    write(&victim, "precious data\n");
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::os::unix::fs::symlink(&victim, w.join("plan.json")).expect("ln");
    let out = Command::new(env!("CARGO_BIN_EXE_sesslint"))
        .current_dir(&w)
        .args(["check", "--write-plan", "plan.json", "etc"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious data\n");
    assert_eq!(std::fs::metadata(&victim).expect("stat").permissions().mode() & 0o777, 0o644);
    let plan = std::fs::symlink_metadata(w.join("plan.json")).expect("stat");
    assert!(plan.is_file() && plan.permissions().mode() & 0o777 == 0o600, "{plan:?}");
    assert!(std::fs::read_to_string(w.join("plan.json")).expect("read").contains("sesslint-plan/1"));
}

/// The apply is slowed (debug-only hook); once the backup exists (the target's directory
/// was checked and opened), `etc/php` is swapped for a symlink to a directory outside. The
/// write must land in the directory checked (now `etc/php.real`), never outside.
#[test]
#[cfg(debug_assertions)]
fn a_directory_swapped_for_a_symlink_during_the_apply_does_not_redirect_the_write() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let w = tmp.path().join("w");
    let original = "[PHP]\nsession.save_path = tcp://127.0.0.1:6379?auth=pw-1234&database=2\n";
    write(&w.join("etc/php/php.ini"), original);
    let outside = tmp.path().join("outside");
    write(&outside.join("php.ini"), original);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sesslint"))
        .current_dir(&w)
        .env("SESSLINT_TEST_SLOW_WRITE_MS", "300")
        .args(["check", "--fix", "etc"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let backed_up = || !common::files_below(&w.join("etc/.sesslint/backups")).is_empty();
    while !backed_up() {
        assert!(std::time::Instant::now() < deadline, "no backup appeared");
        assert!(child.try_wait().expect("wait").is_none(), "the apply ended before the swap");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::fs::rename(w.join("etc/php"), w.join("etc/php.real")).expect("mv");
    std::os::unix::fs::symlink(&outside, w.join("etc/php")).expect("ln");
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(std::fs::read_to_string(outside.join("php.ini")).expect("read"), original, "{err}");
    let names: Vec<_> =
        std::fs::read_dir(&outside).expect("ls").filter_map(Result::ok).map(|e| e.file_name()).collect();
    assert_eq!(names.len(), 1, "nothing created outside: {names:?}");
    let fixed = std::fs::read_to_string(w.join("etc/php.real/php.ini")).expect("read");
    assert!(fixed.contains("\"tcp://"), "the file checked was the one fixed: {fixed}\n{err}");
}
