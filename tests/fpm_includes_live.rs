//! What php-fpm8.2 -t does with an `include=` that reads nothing, and SL004 saying the
//! same: a path that does not exist, a glob that matches nothing and a directory only
//! warn or pass (php-fpm starts without those lines: SL004 warns), a symlink to nothing
//! stops it ("Unable to include": SL004 is an error).

mod common;

use sesslint::diagnostic::Severity;
use std::process::Command;

#[test]
fn sl004_follows_php_fpm_on_includes_that_read_nothing() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let d = dir.display();
    std::fs::create_dir_all(dir.join("dir.conf")).expect("mkdir");
    std::fs::create_dir_all(dir.join("empty")).expect("mkdir");
    std::os::unix::fs::symlink(dir.join("nothere.conf"), dir.join("dangling.conf")).expect("symlink");
    let conf = dir.join("php-fpm.conf");
    // (include=, php-fpm starts, what SL004's message says)
    for (include, starts, says) in [
        (format!("{d}/nope.conf"), true, "does not exist"),
        (format!("{d}/empty/*.conf"), true, "matches no file"),
        (format!("{d}/none*.conf"), true, "matches no file"),
        (format!("{d}/dir.conf"), true, "is a directory"),
        (format!("{d}/dangling.conf"), false, "symlink to nothing"),
    ] {
        std::fs::write(
            &conf,
            format!(
                "[global]\nerror_log = {d}/err.log\ninclude={include}\n[www]\nuser = nobody\nlisten = 127.0.0.1:9979\npm = static\npm.max_children = 1\n"
            ),
        )
        .expect("write");
        let out = Command::new(&fpm).args(["-n", "-t", "-y"]).arg(&conf).output().expect("run php-fpm8.2");
        let said = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
        assert_eq!(said.contains("test is successful"), starts, "{include}: php-fpm8.2 says {said}");
        let model = sesslint::model::build(std::slice::from_ref(&dir), &Default::default());
        let found: Vec<_> = sesslint::rules::check(&model)
            .into_iter()
            .filter(|f| f.code.as_str() == "SL004" && f.primary.path == conf)
            .collect();
        assert_eq!(found.len(), 1, "{include}: {found:?}");
        let want = if starts { Severity::Warning } else { Severity::Error };
        assert_eq!(found[0].severity, want, "{include}: {}", found[0].message);
        assert!(found[0].message.contains(says), "{include}: {}", found[0].message);
        assert_eq!(found[0].message.contains("refuses"), !starts, "{include}: {}", found[0].message);
    }
}
