//! The edit engine's apply as a system administrator needs it: a symlink's target replaced
//! with its mode, owner and SELinux label, a plan refused whole when one file changed, a
//! failed write rolled back, a new file holding a password created 0640, and restore.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use sesslint::diagnostic::Edit;
use sesslint::edit::{self, ApplyOptions, ChangeSet, FileChange, Style};
use sesslint::Span;

const UNQUOTED: &str = "session.save_path = tcp://127.0.0.1:6379?auth=pw-1234&database=2\n";
const QUOTED: &str = "session.save_path = \"tcp://127.0.0.1:6379?auth=pw-1234&database=2\"\n";

/// A Debian-style tree: fpm's php.ini, and `conf.d/30-sessions.ini`, a relative symlink
/// into mods-available holding an unquoted save path (SL001 offers the quoting fix).
fn debian_tree(dir: &Path) -> std::path::PathBuf {
    let fpm = dir.join("etc/php/8.2/fpm");
    std::fs::create_dir_all(fpm.join("conf.d")).expect("mkdir");
    std::fs::create_dir_all(dir.join("etc/php/8.2/mods-available")).expect("mkdir");
    std::fs::write(fpm.join("php.ini"), "[PHP]\nsession.save_handler = redis\n").expect("write");
    let target = dir.join("etc/php/8.2/mods-available/sessions.ini");
    std::fs::write(&target, UNQUOTED).expect("write");
    std::os::unix::fs::symlink("../../mods-available/sessions.ini", fpm.join("conf.d/30-sessions.ini")).expect("ln");
    target
}

fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let p = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let n = std::ffi::CString::new(name).ok()?;
    let mut buf = vec![0u8; 256];
    // SAFETY: NUL-terminated strings; the buffer is as long as said.
    let len = unsafe { libc::getxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    (len >= 0).then(|| buf[..len as usize].to_vec())
}

fn set_xattr(path: &Path, name: &str, value: &[u8]) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let p = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("path");
    let n = std::ffi::CString::new(name).expect("name");
    // SAFETY: as above.
    unsafe { libc::setxattr(p.as_ptr(), n.as_ptr(), value.as_ptr().cast(), value.len(), 0) == 0 }
}

#[test]
fn a_symlinks_target_is_replaced_keeping_mode_owner_and_selinux_label() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let target = debian_tree(tmp.path());
    let link = tmp.path().join("etc/php/8.2/fpm/conf.d/30-sessions.ini");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        std::os::unix::fs::chown(&target, Some(33), Some(33)).expect("chown");
    } else {
        eprintln!("NOTE: not root: the owner kept is our own, not www-data's");
    }
    let label = b"system_u:object_r:httpd_config_t:s0\0";
    let labelled = set_xattr(&target, "security.selinux", label);
    if !labelled {
        eprintln!("NOTE: this filesystem refuses security.selinux: the label is not checked");
    }
    let before = std::fs::metadata(&target).expect("stat");

    let out = common::sesslint(&["check", "--fix", &tmp.path().to_string_lossy()]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("a symlink: its target"), "{said}");

    // The link is still the same link; its target has the new text and the old metadata.
    assert_eq!(std::fs::read_link(&link).expect("still a link"), Path::new("../../mods-available/sessions.ini"));
    assert_eq!(std::fs::read_to_string(&target).expect("read"), QUOTED);
    let after = std::fs::metadata(&target).expect("stat");
    assert_ne!(after.ino(), before.ino(), "replaced by rename, not written in place");
    assert_eq!(after.mode() & 0o7777, 0o640);
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    if labelled {
        assert_eq!(xattr(&target, "security.selinux").as_deref(), Some(&label[..]));
    }
    // The backup is the old inode itself: old bytes, old mode, old label; kept below the
    // checked tree's `.sesslint/backups/STAMP/` at the target's own path, nothing beside it.
    let backups: Vec<_> = common::files_below(&tmp.path().join(".sesslint/backups"));
    assert_eq!(backups.len(), 1, "{backups:?}");
    let backup = &backups[0];
    assert!(backup.ends_with("etc/php/8.2/mods-available/sessions.ini"), "{}", backup.display());
    assert_eq!(std::fs::read_to_string(backup).expect("backup"), UNQUOTED);
    assert_eq!(std::fs::metadata(backup).expect("stat").ino(), before.ino());
    let stamp = backup.strip_prefix(tmp.path().join(".sesslint/backups")).expect("below").components().next();
    let stamp = stamp.expect("stamp").as_os_str().to_string_lossy().into_owned();
    assert!(said.contains(&format!(".sesslint/backups/{stamp}/etc/php/8.2/mods-available/sessions.ini")), "{said}");
    for d in [target.parent().expect("dir"), link.parent().expect("dir")] {
        let names: Vec<_> = std::fs::read_dir(d).expect("dir").filter_map(Result::ok).map(|e| e.file_name()).collect();
        assert!(names.iter().all(|n| !n.to_string_lossy().contains("sesslint")), "{names:?}");
    }
    // No temporary file left in either directory.
    for d in [target.parent().expect("dir"), link.parent().expect("dir")] {
        for e in std::fs::read_dir(d).expect("dir").filter_map(Result::ok) {
            assert!(!e.file_name().to_string_lossy().contains("sesslint-tmp"), "{:?}", e.path());
        }
    }

    // restore: the old bytes back through the link, with the same metadata.
    let out = common::sesslint(&["restore", &tmp.path().to_string_lossy()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&link).expect("read"), UNQUOTED);
    let restored = std::fs::metadata(&target).expect("stat");
    assert_eq!((restored.mode() & 0o7777, restored.uid(), restored.gid()), (0o640, before.uid(), before.gid()));
    if labelled {
        assert_eq!(xattr(&target, "security.selinux").as_deref(), Some(&label[..]));
    }
    assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
}

/// Two files of one model with a change each: fpm's php.ini (`files` -> `redis`) and
/// `second` below the fpm directory (`100` -> `1440`). (model, change set in path order)
fn two_file_changes(dir: &Path, second: &str) -> (sesslint::model::Model, ChangeSet) {
    let fpm = dir.join("etc/php/8.2/fpm");
    let second = fpm.join(second);
    std::fs::create_dir_all(second.parent().expect("dir")).expect("mkdir");
    std::fs::write(fpm.join("php.ini"), "[PHP]\nsession.save_handler = files\n").expect("write");
    let text = if second.extension().is_some_and(|e| e == "conf") {
        "[www]\npm.max_children = 100\n"
    } else {
        "session.gc_maxlifetime = 100\n"
    };
    std::fs::write(&second, text).expect("write");
    let model = sesslint::model::build(&[dir.to_path_buf()], &Default::default());
    let path_of = |p: &Path| {
        model
            .files
            .iter()
            .map(|f| f.source.path.clone())
            .find(|x| x.ends_with(p.file_name().expect("name")))
            .expect("in the model")
    };
    let at = text.find("100").expect("100");
    let edits = vec![
        Edit::replacement(path_of(&fpm.join("php.ini")), Span::new(29, 34), "redis"),
        Edit::replacement(path_of(&second), Span::new(at, at + 3), "1440"),
    ];
    let changes = ChangeSet::from_model(&model, edits).expect("changes");
    (model, changes)
}

fn target_named<'a>(changes: &'a ChangeSet, name: &str) -> &'a Path {
    &changes.files.iter().find(|f| f.target.ends_with(name)).expect("changed").target
}

#[test]
fn a_plan_whose_file_changed_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (model, changes) = two_file_changes(tmp.path(), "conf.d/30-a.ini");
    let diff = edit::diff_changes(&changes, &model, None, Style::default()).expect("diff");
    assert!(diff.contains("-session.save_handler = files\n+session.save_handler = redis\n"), "{diff}");
    let plan = tmp.path().join("plan.json");
    edit::write_plan(&plan, &changes, &serde_json::Value::Null).expect("plan");
    assert_eq!(std::fs::metadata(&plan).expect("plan").mode() & 0o777, 0o600);

    // Someone edits the second file after the plan was reviewed.
    let second = tmp.path().join("etc/php/8.2/fpm/conf.d/30-a.ini");
    std::fs::write(&second, "session.gc_maxlifetime = 200\n").expect("write");
    let read = edit::read_plan(&plan).expect("read plan");
    let err = edit::apply::apply(&read.changes, &ApplyOptions { manifest_dir: tmp.path() }).expect_err("refused");
    assert!(matches!(err, edit::ApplyError::Refused(edit::ChangeError::Changed { .. })), "{err}");
    assert!(err.to_string().contains("nothing was written"), "{err}");
    let ini = std::fs::read_to_string(tmp.path().join("etc/php/8.2/fpm/php.ini")).expect("read");
    assert_eq!(ini, "[PHP]\nsession.save_handler = files\n", "the first file was not touched");
    let left: Vec<_> = common::files_below(tmp.path()).into_iter().filter(|p| !p.ends_with("plan.json")).collect();
    assert_eq!(left.len(), 2, "no backup, no manifest: {left:?}");

    // Unchanged, the same plan applies.
    std::fs::write(&second, "session.gc_maxlifetime = 100\n").expect("write");
    let report = edit::apply::apply(&read.changes, &ApplyOptions { manifest_dir: tmp.path() }).expect("apply");
    assert_eq!(report.files.len(), 2);
    assert_eq!(std::fs::read_to_string(&second).expect("read"), "session.gc_maxlifetime = 1440\n");
}

#[test]
fn a_failed_write_puts_back_the_files_already_replaced() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Path order: php.ini is replaced first, then the write of the pool file fails (a name
    // no other test uses: the hook is read from this process's environment).
    let (_model, changes) = two_file_changes(tmp.path(), "pool.d/fails-to-write.conf");
    assert!(changes.files[0].target.ends_with("php.ini"));
    let before: Vec<_> = changes.files.iter().map(|f| std::fs::read(&f.target).expect("read")).collect();
    let ini_inode = std::fs::metadata(&changes.files[0].target).expect("stat").ino();
    std::env::set_var("SESSLINT_TEST_FAIL_WRITE", "fails-to-write.conf");
    let err = edit::apply::apply(&changes, &ApplyOptions { manifest_dir: tmp.path() }).expect_err("fails");
    std::env::remove_var("SESSLINT_TEST_FAIL_WRITE");
    assert!(err.to_string().contains("the files already replaced were restored"), "{err}");
    let now: Vec<_> = changes.files.iter().map(|f| std::fs::read(&f.target).expect("read")).collect();
    assert_eq!(now, before, "every file holds its old bytes");
    // php.ini was replaced, then put back (a copy of its backup: another inode).
    assert_ne!(std::fs::metadata(&changes.files[0].target).expect("stat").ino(), ini_inode);
    for p in common::files_below(tmp.path()) {
        let name = p.to_string_lossy();
        assert!(!name.contains("sesslint-tmp"), "left behind: {}", p.display());
        // Every file is back: no backup or manifest to mislead a later `sesslint restore`.
        assert!(!name.ends_with(".bak") && !name.ends_with("restore.json"), "left behind: {name}");
        assert!(!name.contains("/.sesslint/backups/"), "left behind: {name}");
    }
}

#[test]
fn a_new_file_holding_a_password_is_created_0640_and_restore_removes_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let conf = tmp.path().join("etc/php/8.2/fpm/conf.d");
    std::fs::create_dir_all(&conf).expect("mkdir");
    let content = "session.save_path = \"tcp://127.0.0.1:6379?auth=s3cret-pw&database=3\"\n";
    let pw = content.find("s3cret-pw").expect("pw");
    let new = conf.join("40-sessions.ini");
    let change = FileChange::create(&new, content, vec![Span::new(pw, pw + 9)]);
    let diff = edit::change_diff(&change, None, &[], &[], Style::default()).expect("diff");
    assert!(diff.starts_with("--- /dev/null\n+++ b/") && diff.contains("auth=********&database=3"), "{diff}");
    assert!(!diff.contains("s3cret-pw"));
    // Through a plan file: the secret ranges travel with the edits.
    let changes = ChangeSet { files: vec![change] };
    let plan = tmp.path().join("plan.json");
    edit::write_plan(&plan, &changes, &serde_json::json!({"by": "test"})).expect("plan");
    let read = edit::read_plan(&plan).expect("plan");
    assert!(read.changes.files[0].writes_secret());
    // Whatever the umask says.
    let old_umask = unsafe { libc::umask(0) };
    let report = edit::apply::apply(&read.changes, &ApplyOptions { manifest_dir: tmp.path() });
    unsafe { libc::umask(old_umask) };
    let report = report.expect("apply");
    assert_eq!(report.files[0].backup, None);
    assert_eq!(std::fs::metadata(&new).expect("created").mode() & 0o777, 0o640);
    assert_eq!(std::fs::read_to_string(&new).expect("read"), content);
    // Applying again: the file exists now, the plan made for its absence is refused.
    let again = edit::apply::apply(&read.changes, &ApplyOptions { manifest_dir: tmp.path() });
    assert!(matches!(again, Err(edit::ApplyError::Refused(edit::ChangeError::Exists { .. }))));
    let restored = edit::restore::restore(tmp.path()).expect("restore");
    assert!(matches!(&restored[..], [edit::Restored::Removed { .. }]), "{restored:?}");
    assert!(!new.exists());
}

#[test]
fn restore_refuses_a_file_changed_after_the_apply() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_model, changes) = two_file_changes(tmp.path(), "conf.d/30-b.ini");
    edit::apply::apply(&changes, &ApplyOptions { manifest_dir: tmp.path() }).expect("apply");
    let second = target_named(&changes, "30-b.ini");
    std::fs::write(second, "session.gc_maxlifetime = 7\n").expect("edit by hand");
    let out = common::sesslint(&["restore", &tmp.path().to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("changed after sesslint wrote it"));
    assert_eq!(std::fs::read_to_string(second).expect("read"), "session.gc_maxlifetime = 7\n");
    let first = std::fs::read_to_string(target_named(&changes, "php.ini")).expect("read");
    assert!(first.contains("redis"), "nothing restored: {first}");
    // Without a manifest there is nothing to restore: exit 2, said so.
    let empty = tempfile::tempdir().expect("tempdir");
    let out = common::sesslint(&["restore", &empty.path().to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn when_the_manifest_cannot_be_written_nothing_is_replaced_and_no_backup_is_left() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_model, changes) = two_file_changes(tmp.path(), "conf.d/30-c.ini");
    let before = common::files_below(tmp.path());
    let contents: Vec<_> = before.iter().map(|p| std::fs::read(p).expect("read")).collect();
    // A directory where the manifest goes: renaming the manifest over it fails.
    std::fs::create_dir_all(tmp.path().join(edit::MANIFEST_NAME)).expect("mkdir");
    let err = edit::apply::apply(&changes, &ApplyOptions { manifest_dir: tmp.path() }).expect_err("fails");
    assert!(err.to_string().contains("nothing was replaced"), "{err}");
    assert_eq!(common::files_below(tmp.path()), before, "no backup or temporary file left");
    let now: Vec<_> = before.iter().map(|p| std::fs::read(p).expect("read")).collect();
    assert_eq!(now, contents);
}
