//! `sesslint /` (or `--root DIR DIR` on a copied machine tree) walks where the programs read
//! configuration and PHP sites live, says what it skipped, and finds what checking those
//! places by name finds; a skipped directory named on the command line is checked.

mod common;

use std::path::Path;
use std::process::Output;

fn sesslint_in(dir: &Path, args: &[&str]) -> Output {
    common::sesslint_cmd(args).current_dir(dir).output().expect("run sesslint")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = std::fs::symlink_metadata(&src).expect("stat").file_type();
        if kind.is_symlink() {
            std::fs::create_dir_all(to).expect("mkdir");
            std::os::unix::fs::symlink(std::fs::read_link(&src).expect("readlink"), &dst).expect("symlink");
        } else if kind.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::create_dir_all(to).expect("mkdir");
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

/// The findings, one per line, sorted (the order of two runs over different arguments may
/// differ only in how the paths were listed).
fn findings(o: &Output) -> Vec<String> {
    let mut lines: Vec<String> = String::from_utf8_lossy(&o.stdout).lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

/// A machine tree: the demo host's configuration, a Magento install in a home directory, a
/// Docker-style PHP in /usr/local, Bitnami's Redis in /opt, and noise where no program reads
/// configuration (other trees in /tmp and /work, Redis state in /var/lib, a FIFO).
fn machine() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let m = dir.path().join("m");
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo"), &m);
    write(
        &m.join("home/alice/public_html/app/etc/env.php"),
        "<?php\nreturn ['session' => ['save' => 'redis', 'redis' => ['host' => '127.0.0.1', 'port' => '6379', 'database' => '5']]];\n",
    );
    write(&m.join("srv/blog/.user.ini"), "session.gc_maxlifetime = 7200\n");
    write(&m.join("usr/local/etc/php/conf.d/docker-php-ext-redis.ini"), "extension=redis\n");
    write(&m.join("usr/local/lib/php.ini"), "session.save_handler = files\n");
    write(&m.join("opt/bitnami/redis/etc/redis.conf"), "bind 127.0.0.1\nport 6390\n");
    // Noise: would each give findings if walked.
    let exposed = "bind 0.0.0.0\nport 6379\nprotected-mode no\n";
    write(&m.join("tmp/fleet/h1/etc/redis/redis.conf"), exposed);
    write(&m.join("work/wt/fixtures/etc/redis/redis.conf"), exposed);
    write(&m.join("var/lib/redis/redis.conf"), exposed);
    write(&m.join("snap/redis/current/etc/redis.conf"), exposed);
    write(&m.join("usr/lib/php/8.2/php-fpm.conf"), "[global]\ninclude=/nonexistent/*.conf\n");
    std::fs::create_dir_all(m.join("proc/1")).expect("mkdir");
    let fifo = std::ffi::CString::new(m.join("run/php/php.ini").to_string_lossy().as_bytes()).expect("path");
    std::fs::create_dir_all(m.join("run/php")).expect("mkdir");
    // SAFETY: a NUL-terminated path; mkfifo only creates a node.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0, "mkfifo");
    dir
}

#[test]
fn a_machine_root_is_walked_where_configuration_lives_and_finds_what_naming_those_places_finds() {
    let dir = machine();
    let d = dir.path();
    let whole = sesslint_in(d, &["check", "--format", "concise", "-v", "--root", "m", "m"]);
    let err = String::from_utf8_lossy(&whole.stderr);
    let named = sesslint_in(
        d,
        &[
            "check",
            "--format",
            "concise",
            "--root",
            "m",
            "m/etc",
            "m/var/www",
            "m/srv",
            "m/home",
            "m/usr/local/etc",
            "m/usr/local/lib/php.ini",
            "m/opt/bitnami/redis/etc",
        ],
    );
    assert!(!findings(&whole).is_empty(), "{err}");
    assert_eq!(findings(&whole), findings(&named), "{err}");
    assert_eq!(whole.status.code(), named.status.code());
    for read in [
        "m/etc/redis/redis.conf",
        "m/home/alice/public_html/app/etc/env.php",
        "m/srv/blog/.user.ini",
        "m/usr/local/etc/php/conf.d/docker-php-ext-redis.ini",
        "m/usr/local/lib/php.ini",
        "m/opt/bitnami/redis/etc/redis.conf",
    ] {
        assert!(err.contains(&format!("sesslint: read {read} as ")), "{read} not read:\n{err}");
    }
    for noise in ["m/tmp/", "m/work/", "m/var/lib/", "m/snap/", "m/usr/lib/", "m/run/", "m/proc/"] {
        assert!(!err.contains(&format!("read {noise}")), "{noise} read:\n{err}");
        assert!(!String::from_utf8_lossy(&whole.stdout).contains(noise), "{noise} reported");
    }
    for said in [
        "sesslint: walked m/etc\n",
        "sesslint: walked m/usr/local/lib (only the files directly in it)",
        "sesslint: skipped m/tmp: temporary files; name it to check it",
        "sesslint: skipped m/var/lib: program state",
        "sesslint: skipped m/proc: kernel pseudo filesystem; never read\n",
        "sesslint: skipped m/work: not a place",
    ] {
        assert!(err.contains(said), "{said:?} not said:\n{err}");
    }
    let show = sesslint_in(d, &["show", "--root", "m", "m"]);
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(text.contains("Machine m: walked m/etc, m/home, "), "{text}");
    assert!(text.contains("  skipped m/tmp: temporary files"), "{text}");
    let json = sesslint_in(d, &["show", "--format", "json", "--root", "m", "m"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert!(v["machine"]["skipped"].as_array().is_some_and(|s| s.iter().any(|s| s["path"] == "m/snap")), "{v}");
}

#[test]
fn a_skipped_directory_named_on_the_command_line_is_checked() {
    let dir = machine();
    let o = sesslint_in(dir.path(), &["check", "--format", "concise", "--root", "m", "m", "m/tmp/fleet"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("m/tmp/fleet/h1/etc/redis/redis.conf") && out.contains("SL203"), "{out}");
    assert!(!out.contains("m/work/"), "{out}");
}

/// A directory below the machine that is not its root is walked whole, as before.
#[test]
fn a_directory_that_is_not_the_root_is_walked_whole() {
    let dir = machine();
    let o = sesslint_in(dir.path(), &["check", "--format", "concise", "m/work"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("SL203"), "{out}");
}

/// `sesslint / DIR` with a copied machine tree as DIR (an `etc/` at its top): `/` is named, so
/// this machine is the root and is walked only where its programs read configuration; DIR is
/// walked whole. Before, DIR's `etc/` made DIR the root and `/` a directory below it, walked
/// whole (/tmp, /work and the rest).
#[test]
fn naming_the_machine_beside_a_copied_tree_keeps_the_machine_the_root() {
    let dir = tempfile::tempdir().expect("tmp");
    let copy = dir.path().join("demo");
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo"), &copy);
    let copy_s = copy.to_str().expect("utf-8 temp path");
    let o = sesslint_in(dir.path(), &["check", "-v", "--format", "concise", "/", copy_s]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("sesslint: root / (/ is this machine"), "{err}");
    assert!(!err.contains("has an etc/ directory at its top"), "{err}");
    let walked: Vec<&str> = err.lines().filter_map(|l| l.strip_prefix("sesslint: walked ")).collect();
    assert!(walked.iter().any(|w| w.starts_with("/etc")), "no machine scope:\n{err}");
    let reads: Vec<&str> = err.lines().filter_map(|l| l.strip_prefix("sesslint: read ")).collect();
    assert!(reads.iter().any(|r| r.starts_with(&format!("{copy_s}/etc/redis/"))), "the copy is not read:\n{err}");
    for r in &reads {
        let inside = r.starts_with(&format!("{copy_s}/"))
            || walked.iter().any(|w| {
                let w = w.trim_end_matches(" (only the files directly in it)");
                r.starts_with(&format!("{w}/"))
            });
        assert!(inside, "read outside the machine's scope and the named copy: {r}\n{err}");
    }
    // The same as naming the root.
    let rooted = sesslint_in(dir.path(), &["check", "--format", "concise", "--root", "/", "/", copy_s]);
    assert_eq!(findings(&o), findings(&rooted));
    let show = sesslint_in(dir.path(), &["show", "/", copy_s]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("Machine /: walked /etc"), "no machine section");
}
