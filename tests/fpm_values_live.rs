//! Given a pool's `pm.max_children`, sesslint reads the worker count php-fpm8.2 runs the
//! pool with (`php-fpm8.2 -tt` dumps it), and says SL001 exactly when php-fpm refuses to
//! start with the value: not a number it reads, or below 1.

mod common;

use std::path::Path;
use std::process::Command;

/// php-fpm's worker count for the pool, or its complaint when it refuses the files.
fn php_fpm_max_children(fpm: &Path, conf: &Path) -> Result<i64, String> {
    let out = Command::new(fpm).args(["-n", "-tt", "-y"]).arg(conf).output().expect("run php-fpm8.2");
    let said = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    if !said.contains("test is successful") {
        return Err(said);
    }
    said.lines().find_map(|l| l.split_once("\tpm.max_children = ").and_then(|(_, n)| n.trim().parse().ok())).ok_or(said)
}

#[test]
fn sesslint_reads_pm_max_children_as_php_fpm_does() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let d = dir.display();
    let conf = dir.join("php-fpm.conf");
    std::fs::write(&conf, format!("[global]\nerror_log = {d}/err.log\ninclude = {d}/pool.d/*.conf\n")).expect("write");
    std::fs::create_dir_all(dir.join("pool.d")).expect("mkdir");
    let pool_file = dir.join("pool.d/www.conf");
    for value in [
        "5",
        "007",
        "\"5\"",
        "5 ",
        "abc",
        "5abc",
        "5 workers",
        "+5",
        "0x10",
        "1e3",
        "0",
        "-1",
        "-0",
        "",
        "4294967297",
        "2147483648",
        "99999999999",
        "9223372036854775808",
    ] {
        let text = format!("[www]\nuser = nobody\nlisten = 127.0.0.1:9979\npm = static\npm.max_children = {value}\n");
        std::fs::write(&pool_file, text).expect("write pool");
        let real = php_fpm_max_children(&fpm, &conf);
        let model = sesslint::model::build(std::slice::from_ref(&dir), &Default::default());
        let pool = model.pools.iter().find(|p| p.name == "www").expect("pool www");
        let ours = sesslint::model::fpm_integer::max_children(pool).expect("set");
        let sl001: Vec<String> = sesslint::rules::check(&model)
            .into_iter()
            .filter(|d| d.code.as_str() == "SL001" && d.primary.path == pool_file)
            .map(|d| d.message)
            .collect();
        match &real {
            Ok(n) => {
                assert_eq!(ours.map(i64::from), Ok(*n), "{value:?}: php-fpm runs {n} workers");
                assert_eq!(sl001, Vec::<String>::new(), "{value:?}");
            }
            Err(said) => {
                let why = ours.expect_err(&format!("{value:?}: php-fpm refuses it: {said}"));
                assert!(said.contains(why), "{value:?}: php-fpm says {said}, sesslint {why}");
                assert_eq!(sl001.len(), 1, "{value:?}: {sl001:?}");
            }
        }
    }
}

/// `pm.max_children = ${FPM_MAX}` (Docker images write it): php-fpm8.2 -t starts with
/// FPM_MAX=7 and refuses FPM_MAX=abc, so the value is the FPM master's environment's, not a
/// refusal: SL001 says so as info, and no rule counts the pool's workers.
#[test]
fn pm_max_children_from_the_environment_is_not_a_refusal() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let conf = dir.join("php-fpm.conf");
    let text = format!(
        "[global]\nerror_log = {}/err.log\n[www]\nuser = nobody\nlisten = 127.0.0.1:9979\npm = static\npm.max_children = ${{FPM_MAX}}\n",
        dir.display()
    );
    std::fs::write(&conf, text).expect("write");
    let said = |value: &str| {
        let out = Command::new(&fpm).args(["-n", "-t", "-y"]).arg(&conf).env("FPM_MAX", value).output().expect("run");
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
    };
    assert!(said("7").contains("test is successful"), "{}", said("7"));
    assert!(!said("abc").contains("test is successful"), "{}", said("abc"));
    let model = sesslint::model::build(std::slice::from_ref(&dir), &Default::default());
    let found: Vec<_> = sesslint::rules::check(&model).into_iter().filter(|d| d.code.as_str() == "SL001").collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].severity, sesslint::diagnostic::Severity::Info, "{found:?}");
    assert!(found[0].message.contains("FPM master's environment (${FPM_MAX})"), "{}", found[0].message);
    assert!(!found[0].message.contains("refuses"), "{}", found[0].message);
}

/// A value php-fpm refuses is quoted in SL001's message as the frame shows it: a password
/// in it (`auth=...`) is masked in the message too, in every format.
#[test]
fn a_refused_value_is_quoted_masked() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let conf = dir.join("php-fpm.conf");
    std::fs::write(
        &conf,
        "[global]\n[www]\nuser = nobody\nlisten = 127.0.0.1:9979\npm = static\npm.max_children = \"tcp://h:6379?auth=PMAUTHSECRET\"\n",
    )
    .expect("write");
    let model = sesslint::model::build(std::slice::from_ref(&dir), &Default::default());
    let found: Vec<String> =
        sesslint::rules::check(&model).into_iter().filter(|d| d.code.as_str() == "SL001").map(|d| d.message).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("`pm.max_children = tcp://h:6379?auth=********`"), "{}", found[0]);
    for format in ["human", "concise", "json", "sarif", "github", "junit"] {
        let out = common::sesslint_cmd(&["check", "--format", format]).arg(&dir).output().expect("run");
        let all = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(!all.contains("PMAUTHSECRET"), "{format}: {all}");
        assert!(all.contains("SL001"), "{format}: {all}");
    }
}
