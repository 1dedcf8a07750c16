//! Helpers shared by the integration tests: finding the real programs (the oracles),
//! running the sesslint binary, and reading the corpus.
#![allow(dead_code)]

pub mod fpm;
pub mod redis;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The path of a real program used as an oracle, or `None` (with a loud message) when it
/// is missing. With `SESSLINT_REQUIRE_ORACLES=1` (CI sets it) a missing oracle fails.
pub fn oracle(program: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(program)).find(|p| p.is_file()));
    if found.is_none() {
        if std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!("SESSLINT_REQUIRE_ORACLES=1 but `{program}` is not installed (apt-get install php-cli php-redis redis-server)");
        }
        skipped(&format!("`{program}` is not installed, so this conformance test compares nothing. Install php-cli php-redis redis-server."));
    }
    found
}

/// `php` with phpredis loadable as `-n -d extension=igbinary -d extension=redis` (Debian's
/// redis.so needs igbinary first), or `None` with a loud SKIPPED line, or a panic under
/// `SESSLINT_REQUIRE_ORACLES=1`. `why` says what the caller cannot do without it.
#[allow(dead_code)]
pub fn php_with_phpredis(why: &str) -> Option<PathBuf> {
    let php = oracle("php")?;
    let loaded = std::process::Command::new(&php)
        .args([
            "-n",
            "-d",
            "extension=igbinary",
            "-d",
            "extension=redis",
            "-r",
            "echo extension_loaded('redis') ? 1 : 0;",
        ])
        .output()
        .is_ok_and(|o| o.stdout == b"1");
    if !loaded {
        if std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!("SESSLINT_REQUIRE_ORACLES=1 but php-redis is not installed");
        }
        skipped(&format!("php-redis is not installed, so {why}"));
        return None;
    }
    Some(php)
}

/// Run the sesslint binary built for this test run.
pub fn sesslint(args: &[&str]) -> Output {
    sesslint_cmd(args).output().expect("run sesslint")
}

pub fn sesslint_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sesslint"));
    cmd.args(args);
    cmd
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every regular file below `dir`, sorted, following no symlinks out of it.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}

/// Says loudly why a test checks nothing: `SKIPPED: why` on stderr, written past the test
/// harness's output capture (which keeps `eprintln!` of a passing test out of sight), so a
/// plain `cargo test` shows it.
pub fn skipped(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

/// Every case directory below `fixtures/rules/SLxxx/`, sorted (paths relative to the crate).
pub fn rule_fixture_dirs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for code in std::fs::read_dir("fixtures/rules").expect("fixtures/rules") {
        for case in std::fs::read_dir(code.expect("entry").path()).expect("rule dir") {
            out.push(case.expect("entry").path());
        }
    }
    out.sort();
    out
}

/// Every output of a check and of `show`: the commands tests run to compare two ways of
/// building the same model byte for byte (threads, shared parses).
pub const EVERY_OUTPUT: [&[&str]; 9] = [
    &["check", "--format", "human"],
    &["check", "--format", "concise"],
    &["check", "--format", "json"],
    &["check", "--format", "sarif"],
    &["check", "--format", "github"],
    &["check", "--format", "junit"],
    &["check", "--statistics"],
    &["show"],
    &["show", "--format", "json"],
];

/// The demo, every rule fixture case and every fixture fleet (paths relative to the crate).
pub fn fixture_trees() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from("fixtures/demo")];
    out.extend(rule_fixture_dirs());
    for fleet in std::fs::read_dir("fixtures/fleets").expect("fixtures/fleets") {
        let path = fleet.expect("entry").path();
        if path.is_dir() {
            out.push(path);
        }
    }
    out
}

/// Copy `from` into `to`, symlinks as symlinks (Debian's `conf.d` links stay links).
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
        let dest = to.join(e.path().strip_prefix(from).expect("below from"));
        if e.path_is_symlink() {
            let target = std::fs::read_link(e.path()).expect("readlink");
            std::os::unix::fs::symlink(target, &dest).expect("symlink");
        } else if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(e.path(), &dest).expect("copy");
        }
    }
}

/// What `apache2 -t` (httpd 2.4 with Debian's mod_php 8.2) says of `body` read at the end of
/// a minimal config in `dir`: whether it answers "Syntax OK", and its output. `None` (with a
/// loud SKIPPED line, a panic under `SESSLINT_REQUIRE_ORACLES=1`) when either is missing.
pub fn apache_syntax(dir: &Path, body: &str) -> Option<(bool, String)> {
    let modules = Path::new("/usr/lib/apache2/modules");
    let apache = oracle("apache2").or_else(|| Some(PathBuf::from("/usr/sbin/apache2")).filter(|p| p.is_file()));
    let Some(apache) = apache.filter(|_| modules.join("libphp8.2.so").is_file()) else {
        if std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!("SESSLINT_REQUIRE_ORACLES=1 but apache2 with mod_php is not installed (apt-get install apache2 libapache2-mod-php8.2)");
        }
        skipped("apache2 or libapache2-mod-php8.2 is not installed, so httpd's verdict on the config is not asked");
        return None;
    };
    let conf = dir.join("httpd-syntax.conf");
    let m = modules.display();
    let d = dir.display();
    let text = format!(
        "ServerRoot {d}\nServerName localhost\nPidFile {d}/httpd.pid\nErrorLog {d}/error.log\nListen 127.0.0.1:80\nLoadModule mpm_prefork_module {m}/mod_mpm_prefork.so\nLoadModule authz_core_module {m}/mod_authz_core.so\nLoadModule php_module {m}/libphp8.2.so\n{body}\n"
    );
    std::fs::write(&conf, text).expect("write httpd config");
    let out = Command::new(apache).arg("-t").arg("-f").arg(&conf).output().expect("run apache2 -t");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Some((out.status.success() && log.contains("Syntax OK"), log))
}
