//! The backups and the restore manifest an apply leaves are read by none of the programs
//! whose configuration sesslint edits, checked with the real programs in the worst case:
//! the apply's tree is the very directory a program includes whole (`sesslint check --fix
//! DIR`, or a file of DIR). Each backup is then overwritten with a line the program refuses,
//! so a program that loaded it would fail. redis-server (`include DIR/*`) and stunnel
//! (`include = DIR`) do load sesslint 0.1.0's `NAME.sesslint-STAMP.bak` (the controls).

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sesslint::diagnostic::Edit;
use sesslint::edit::{self, ApplyOptions, ChangeSet, FileChange};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Append `line` to `file` through sesslint's apply, with the manifest in `dir`; then put
/// `poison` into the backup (a hard link to the old inode, no longer the live file) and
/// return the backup's path.
fn apply_and_poison(dir: &Path, file: &Path, line: &str, poison: &str) -> PathBuf {
    let original = std::fs::read(file).expect("read");
    let edit = Edit::insertion(file, original.len(), line);
    let change = FileChange::new(file, &original, vec![edit]).expect("change");
    let report =
        edit::apply::apply(&ChangeSet { files: vec![change] }, &ApplyOptions { manifest_dir: dir }).expect("apply");
    let backup = report.files[0].backup.clone().expect("a backup");
    assert!(backup.starts_with(std::fs::canonicalize(dir).expect("dir").join(".sesslint/backups")), "{backup:?}");
    assert!(std::fs::canonicalize(dir).expect("dir").join(edit::MANIFEST_NAME).is_file());
    std::fs::write(&backup, poison).expect("poison the backup");
    backup
}

/// The lines `cmd` prints until one contains `success` or `failure` (or it exits).
fn run_until(mut cmd: Command, success: &str, failure: &str) -> (bool, String) {
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn");
    let mut log = String::new();
    let mut ok = false;
    for line in BufReader::new(child.stderr.take().expect("stderr")).lines().map_while(Result::ok) {
        log.push_str(&line);
        log.push('\n');
        if line.contains(success) {
            ok = true;
            break;
        }
        if line.contains(failure) {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    (ok, log)
}

#[test]
fn redis_server_include_glob_loads_no_backup() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let port = common::redis::free_port();
    let d = tmp.path().join("conf.d");
    let conf = tmp.path().join("redis.conf");
    write(&conf, &format!("port {port}\nbind 127.0.0.1\nsave \"\"\ninclude {}/*\n", d.display()));
    write(&d.join("sessions.conf"), "maxclients 100\n");
    apply_and_poison(&d, &d.join("sessions.conf"), "maxclients 200\n", "sesslint-backup-loaded yes\n");
    match common::redis::start_as_configured(&redis, &conf, tmp.path(), &["--dir", &tmp.path().to_string_lossy()]) {
        common::redis::Outcome::Running(_server) => {
            let got = common::redis::command_from([127, 0, 0, 1].into(), port, &[b"CONFIG", b"GET", b"maxclients"]);
            // The reply's bulk strings print as byte lists.
            let shown = format!("{got:?}");
            assert!(shown.contains(&format!("{:?}", b"200".to_vec())), "the edited file is loaded: {shown}");
        }
        common::redis::Outcome::Refused(log) => panic!("redis-server loaded a backup or the manifest:\n{log}"),
    }
    // Control: the name sesslint 0.1.0 gave backups is loaded by the same include.
    write(&d.join("sessions.conf.sesslint-20260101T000000Z.bak"), "sesslint-backup-loaded yes\n");
    match common::redis::start_as_configured(&redis, &conf, tmp.path(), &["--dir", &tmp.path().to_string_lossy()]) {
        common::redis::Outcome::Running(_) => panic!("the control was not loaded: this test would see nothing"),
        common::redis::Outcome::Refused(log) => assert!(log.contains("sesslint-backup-loaded"), "{log}"),
    }
}

#[test]
fn stunnel_include_directory_loads_no_backup() {
    let Some(stunnel) = common::oracle("stunnel") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let port = common::redis::free_port();
    let d = tmp.path().join("conf.d");
    let conf = tmp.path().join("stunnel.conf");
    write(&conf, &format!("foreground = yes\npid =\ninclude = {}\n", d.display()));
    write(
        &d.join("redis.conf"),
        &format!("[redis]\nclient = yes\naccept = 127.0.0.1:{port}\nconnect = 127.0.0.1:6379\n"),
    );
    apply_and_poison(&d, &d.join("redis.conf"), "; edited\n", "sesslint-backup-loaded\n");
    let run = || {
        let mut cmd = Command::new(&stunnel);
        cmd.arg(&conf);
        run_until(cmd, "Configuration successful", "Configuration failed")
    };
    let (ok, log) = run();
    assert!(ok, "stunnel loaded a backup or the manifest:\n{log}");
    assert!(!log.contains(".sesslint"), "{log}");
    // Control: stunnel reads every regular file of the directory, hidden ones too.
    write(&d.join("redis.conf.sesslint-20260101T000000Z.bak"), "sesslint-backup-loaded\n");
    let (ok, log) = run();
    assert!(!ok && log.contains("sesslint-backup-loaded"), "the control was not loaded:\n{log}");
}

#[test]
fn php_scan_dir_loads_no_backup() {
    let Some(php) = common::oracle("php") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path().join("conf.d");
    write(&tmp.path().join("php.ini"), "");
    write(&d.join("30-sessions.ini"), "session.name = ORIGINAL\n");
    apply_and_poison(&d, &d.join("30-sessions.ini"), "session.gc_maxlifetime = 1441\n", "session.name = BACKUP\n");
    let out = Command::new(&php)
        .env("PHP_INI_SCAN_DIR", &d)
        .arg("-c")
        .arg(tmp.path().join("php.ini"))
        .args([
            "-r",
            "echo ini_get('session.name'), ' ', ini_get('session.gc_maxlifetime'), \"\\n\", php_ini_scanned_files();",
        ])
        .output()
        .expect("php");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("ORIGINAL 1441\n"), "{text}");
    assert!(!text.contains(".sesslint"), "{text}");
}

#[test]
fn php_fpm_include_glob_loads_no_backup() {
    let Some(fpm) = common::oracle("php-fpm8.2").or_else(|| common::oracle("php-fpm")) else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let port = common::redis::free_port();
    let d = tmp.path().join("pool.d");
    let conf = tmp.path().join("php-fpm.conf");
    write(
        &conf,
        &format!(
            "[global]\npid = {0}/fpm.pid\nerror_log = {0}/error.log\ninclude = {1}/*.conf\n",
            tmp.path().display(),
            d.display()
        ),
    );
    write(&d.join("www.conf"), &format!("[www]\nlisten = 127.0.0.1:{port}\npm = static\npm.max_children = 1\n"));
    apply_and_poison(&d, &d.join("www.conf"), "php_value[session.gc_maxlifetime] = 1441\n", "[www]\nsesslint-backup\n");
    let out = Command::new(&fpm).args(["-t", "-R", "-y"]).arg(&conf).output().expect("php-fpm -t");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && log.contains("test is successful"), "{log}");
}

#[test]
fn apache_include_optional_glob_loads_no_backup() {
    let Some(apache) = common::oracle("apache2") else { return };
    let mpm = Path::new("/usr/lib/apache2/modules/mod_mpm_prefork.so");
    if !mpm.is_file() {
        common::skipped(&format!("{} is missing, apache2 -t cannot run", mpm.display()));
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let port = common::redis::free_port();
    let d = tmp.path().join("conf-enabled");
    let conf = tmp.path().join("apache2.conf");
    write(
        &conf,
        &format!(
            "LoadModule mpm_prefork_module {}\nServerRoot {1}\nServerName localhost\nPidFile {1}/pid\nErrorLog {1}/error.log\nListen 127.0.0.1:{port}\nIncludeOptional {2}/*.conf\n",
            mpm.display(),
            tmp.path().display(),
            d.display()
        ),
    );
    write(&d.join("php.conf"), "# php\n");
    apply_and_poison(&d, &d.join("php.conf"), "# edited\n", "SesslintBackupLoaded on\n");
    let out = Command::new(&apache).arg("-t").arg("-f").arg(&conf).output().expect("apache2 -t");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && log.contains("Syntax OK"), "{log}");
}

/// Eleven applies in one tree: the backups of the last ten are kept, `restore` undoes the
/// last one from its backup, and a manifest of sesslint 0.1.0 (backup beside the file) is
/// still restored.
#[test]
fn backups_are_bounded_and_restore_reads_old_and_new_manifests() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path().join("etc");
    let file = d.join("php/php.ini");
    write(&file, "v = 0\n");
    for i in 1..=11 {
        let original = std::fs::read(&file).expect("read");
        let edit = Edit::replacement(&file, sesslint::Span::new(0, original.len()), format!("v = {i}\n"));
        let change = FileChange::new(&file, &original, vec![edit]).expect("change");
        edit::apply::apply(&ChangeSet { files: vec![change] }, &ApplyOptions { manifest_dir: &d }).expect("apply");
    }
    let kept = std::fs::read_dir(d.join(".sesslint/backups")).expect("backups").count();
    assert_eq!(kept, edit::apply::KEEP_APPLIES);
    let out = common::sesslint(&["restore", &d.to_string_lossy()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "v = 10\n");
    // sesslint 0.1.0's manifest: the backup beside the file; the new one gone.
    std::fs::remove_dir_all(d.join(".sesslint")).expect("rm");
    let now = std::fs::read(&file).expect("read");
    write(&d.join("php/php.ini.sesslint-20260101T000000Z.bak"), "v = old\n");
    let doc = serde_json::json!({"format": "sesslint-restore/1", "entries": [{
        "target": std::fs::canonicalize(&file).expect("abs"),
        "backup": std::fs::canonicalize(d.join("php/php.ini.sesslint-20260101T000000Z.bak")).expect("abs"),
        "new_sha256": sha256_hex(&now), "old_sha256": sha256_hex(b"v = old\n")}]});
    write(&d.join(edit::LEGACY_MANIFEST_NAME), &doc.to_string());
    let out = common::sesslint(&["restore", &d.to_string_lossy()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "v = old\n");
}

fn sha256_hex(bytes: &[u8]) -> String {
    let out = Command::new("sha256sum").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().and_then(|mut c| {
        use std::io::Write;
        c.stdin.take().expect("stdin").write_all(bytes)?;
        c.wait_with_output()
    });
    String::from_utf8_lossy(&out.expect("sha256sum").stdout).split_whitespace().next().unwrap_or("").to_owned()
}

/// sesslint does not read its own backups either: after `check --fix`, checking the tree
/// again reads no file below `.sesslint/` and reports each finding once.
#[test]
fn a_check_after_fix_reads_no_backup() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ini = tmp.path().join("etc/php/8.2/fpm/conf.d/30-sessions.ini");
    write(&tmp.path().join("etc/php/8.2/fpm/php.ini"), "[PHP]\nsession.save_handler = redis\n");
    write(&ini, "session.save_path = tcp://127.0.0.1:6379?auth=pw-1234&database=2\n");
    let dir = tmp.path().to_string_lossy().into_owned();
    let fixed = common::sesslint(&["check", "--fix", &dir]);
    let said = String::from_utf8_lossy(&fixed.stderr);
    assert!(said.contains(".sesslint/backups/"), "{said}");
    assert!(!common::files_below(&tmp.path().join(".sesslint/backups")).is_empty());
    let again = common::sesslint(&["check", "-v", "--format", "concise", &dir]);
    let out = format!("{}{}", String::from_utf8_lossy(&again.stdout), String::from_utf8_lossy(&again.stderr));
    assert!(!out.contains(".sesslint"), "{out}");
    assert_eq!(out.lines().filter(|l| l.starts_with("sesslint: read ")).count(), 2, "{out}");
}
