//! Given php-fpm.conf and the pool files its `include=` reads, sesslint puts every
//! `php_value` line in the pool php-fpm8.2 puts it in: php-fpm carries its section (the
//! static `current_wp` of fpm_conf.c) from one file to the next, so a pool file's lines
//! above its first header belong to the pool the file before it left open, and
//! php-fpm.conf's lines after `include=` to the last pool read. Asked of `php-fpm8.2 -tt`
//! (its dump of every pool's `php_value` lines) and of a running php-fpm over FastCGI.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// A pool's lines php-fpm needs to pass its test (the listen address is `listen`).
fn pool(name: &str, listen: &str) -> String {
    format!("[{name}]\nuser = nobody\nlisten = {listen}\npm = static\npm.max_children = 1\n")
}

fn write(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, body).expect("write");
}

/// Each pool's `php_value`/`php_admin_value` lines as `php-fpm8.2 -tt` dumps them
/// (`kind[key] = value`, sorted: php-fpm lists them last line first), or php-fpm's
/// complaint when it refuses the files.
fn php_fpm_pools(fpm: &Path, conf: &Path) -> Result<BTreeMap<String, Vec<String>>, String> {
    let out = Command::new(fpm).args(["-n", "-tt", "-y"]).arg(conf).output().expect("run php-fpm8.2");
    let said = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    if !said.contains("test is successful") {
        return Err(said);
    }
    let mut pools: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = None;
    for line in said.lines() {
        let Some((_, rest)) = line.split_once("NOTICE: ") else { continue };
        if let Some(name) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            current = (name != "global").then(|| name.to_ascii_lowercase());
            if let Some(c) = &current {
                pools.entry(c.clone()).or_default();
            }
        } else if let (Some(c), Some(entry)) = (&current, rest.strip_prefix('\t')) {
            if entry.starts_with("php_value[") || entry.starts_with("php_admin_value[") {
                pools.get_mut(c).expect("pool").push(entry.to_owned());
            }
        }
    }
    pools.values_mut().for_each(|v| v.sort());
    Ok(pools)
}

/// The same, as sesslint's model of the tree at `dir` has them (every line of every key).
fn sesslint_pools(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let model = sesslint::model::build(&[dir.to_path_buf()], &Default::default());
    let mut pools: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in model.pools.iter().filter(|p| p.layer.is_none()) {
        let lines = pools.entry(p.name.to_ascii_lowercase()).or_default();
        for (key, o) in &p.overrides {
            for (value, admin, _) in &o.lines {
                let kind = if *admin { "php_admin_value" } else { "php_value" };
                lines.push(format!("{kind}[{key}] = {value}"));
            }
        }
        lines.sort();
    }
    pools
}

/// sesslint's SL004 findings on the tree at `dir`, as (file name, line, severity, message).
fn sl004(dir: &Path) -> Vec<(String, usize, String, String)> {
    let model = sesslint::model::build(&[dir.to_path_buf()], &Default::default());
    sesslint::rules::check(&model)
        .into_iter()
        .filter(|d| d.code.as_str() == "SL004")
        .map(|d| {
            let name = d.primary.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let line = model
                .files
                .iter()
                .find(|f| f.source.path == d.primary.path)
                .map_or(0, |f| f.source.position(d.primary.span.start).line);
            (name, line, format!("{:?}", d.severity), d.message.clone())
        })
        .collect()
}

#[test]
fn every_php_value_line_is_in_the_pool_php_fpm_reads_it_in() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let (d, conf) = (dir.display().to_string(), dir.join("php-fpm.conf"));
    let global = format!("[global]\nerror_log = {d}/err.log\n");
    let include = format!("include = {d}/pool.d/*.conf\n");
    let top = |v: &str| format!("php_value[session.name] = {v}\n");
    let cases: Vec<Case> = vec![
        (
            "a second pool file's first lines are read in the first one's pool",
            format!("{global}{include}"),
            vec![
                ("a.conf", format!("{}php_value[session.save_path] = /a\n", pool("a", "127.0.0.1:9971"))),
                ("b.conf", format!("{}{}", top("from_b_top"), pool("b", "127.0.0.1:9972"))),
            ],
        ),
        (
            "php-fpm.conf's lines after include= are read in the last pool",
            format!("{global}{include}{}", top("after_include")),
            vec![("a.conf", pool("a", "127.0.0.1:9971")), ("b.conf", pool("b", "127.0.0.1:9972"))],
        ),
        (
            "an include= in a pool section leaves that pool open for the files it reads",
            format!("{global}{}{include}", pool("www", "127.0.0.1:9970")),
            vec![("a.conf", format!("{}{}", top("from_a_top"), pool("a", "127.0.0.1:9971")))],
        ),
        (
            "files are read in glob's byte order (C locale): A, _x, a-b, a",
            format!("{global}{}{include}", pool("www", "127.0.0.1:9970")),
            vec![
                ("a.conf", format!("{}{}", top("a"), pool("pa", "127.0.0.1:9971"))),
                ("a-b.conf", format!("{}{}", top("a_b"), pool("pab", "127.0.0.1:9972"))),
                ("_x.conf", format!("{}{}", top("x"), pool("px", "127.0.0.1:9973"))),
                ("A.conf", format!("{}{}", top("upper_a"), pool("pua", "127.0.0.1:9974"))),
            ],
        ),
        (
            "two include= lines: each reads its files where it stands",
            format!(
                "{global}{}include = {d}/pool.d/a*.conf\n{}include = {d}/pool.d/b*.conf\n",
                pool("www", "127.0.0.1:9970"),
                top("between")
            ),
            vec![
                ("a.conf", format!("{}{}", top("a_top"), pool("a", "127.0.0.1:9971"))),
                ("b.conf", format!("{}{}", top("b_top"), pool("b", "127.0.0.1:9972"))),
            ],
        ),
    ];
    for (story, main, files) in cases {
        let _ = std::fs::remove_dir_all(dir.join("pool.d"));
        write(&conf, &main);
        for (name, body) in &files {
            write(&dir.join("pool.d").join(name), body);
        }
        let real = php_fpm_pools(&fpm, &conf).unwrap_or_else(|said| panic!("{story}: php-fpm8.2 -tt refuses: {said}"));
        assert_eq!(sesslint_pools(&dir), real, "{story}: sesslint's pools are php-fpm's");
        assert_eq!(sl004(&dir), vec![], "{story}: nothing php-fpm refuses");
    }
}

/// A `php_value` above php-fpm.conf's first header is read in `[global]`, which php-fpm
/// refuses; so is one at the top of the first file php-fpm.conf's `[global]` includes.
#[test]
fn a_php_value_read_in_global_is_refused_by_both() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let (d, conf) = (dir.display().to_string(), dir.join("php-fpm.conf"));
    let line = "php_value[session.name] = x\n";
    for (story, main, a, refused_in) in [
        (
            "above php-fpm.conf's first header",
            format!("{line}[global]\nerror_log = {d}/err.log\ninclude = {d}/pool.d/*.conf\n"),
            pool("a", "127.0.0.1:9971"),
            "php-fpm.conf",
        ),
        (
            "atop the first pool file",
            format!("[global]\nerror_log = {d}/err.log\ninclude = {d}/pool.d/*.conf\n"),
            format!("{line}{}", pool("a", "127.0.0.1:9971")),
            "a.conf",
        ),
    ] {
        write(&conf, &main);
        write(&dir.join("pool.d/a.conf"), &a);
        let said = php_fpm_pools(&fpm, &conf).expect_err(story);
        assert!(said.contains("Array are not allowed in the global section"), "{story}: {said}");
        let ours = sl004(&dir);
        assert!(
            ours.iter().any(|(f, l, s, m)| f == refused_in && *l == 1 && s == "Error" && m.contains("global section")),
            "{story}: {ours:?}"
        );
    }
}

/// An `include=` in a pool file reads its files in turn, where it stands: the pool open
/// there is carried into them and theirs out of them. sesslint follows it as php-fpm does,
/// also into a file discovery does not find (inc/ is no pool directory).
#[test]
fn an_include_in_a_pool_file_is_read_where_it_stands() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let (d, conf) = (dir.display().to_string(), dir.join("php-fpm.conf"));
    write(&conf, &format!("[global]\nerror_log = {d}/err.log\ninclude = {d}/pool.d/*.conf\n"));
    write(
        &dir.join("pool.d/a.conf"),
        &format!(
            "{}include = {d}/inc/common.conf\nphp_value[session.name] = after_nested\n",
            pool("a", "127.0.0.1:9971")
        ),
    );
    write(
        &dir.join("inc/common.conf"),
        &format!("php_value[session.save_path] = /common_top\n{}", pool("c", "127.0.0.1:9972")),
    );
    let real = php_fpm_pools(&fpm, &conf).expect("php-fpm8.2 -tt");
    assert_eq!(real.get("a"), Some(&vec!["php_value[session.save_path] = /common_top".to_owned()]));
    assert_eq!(real.get("c"), Some(&vec!["php_value[session.name] = after_nested".to_owned()]));
    assert_eq!(sesslint_pools(&dir), real);
    assert_eq!(sl004(&dir), vec![]);
}

/// php-fpm has at most five files open: php-fpm.conf and four levels of `include=`. A
/// fifth level, or a file that includes itself, makes it refuse to start ("failed to
/// include more than 5 files recursively"); sesslint says so at the `include=` line that
/// opens one file too many.
#[test]
fn an_include_five_levels_deep_or_a_loop_is_refused_by_both() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let (d, conf) = (dir.display().to_string(), dir.join("php-fpm.conf"));
    write(&conf, &format!("[global]\nerror_log = {d}/err.log\ninclude = {d}/pool.d/*.conf\n"));
    write(&dir.join("pool.d/a.conf"), &format!("{}include = {d}/inc/l1.conf\n", pool("a", "127.0.0.1:9971")));
    for (levels, refused_at) in [(3, None), (4, Some("l3.conf"))] {
        let _ = std::fs::remove_dir_all(dir.join("inc"));
        for i in 1..=levels {
            let more = if i < levels { format!("include = {d}/inc/l{}.conf\n", i + 1) } else { String::new() };
            write(&dir.join(format!("inc/l{i}.conf")), &format!("php_value[session.name] = l{i}\n{more}"));
        }
        let real = php_fpm_pools(&fpm, &conf);
        let ours = sl004(&dir);
        match refused_at {
            None => {
                let real = real.unwrap_or_else(|said| panic!("{levels} levels: php-fpm refuses: {said}"));
                assert_eq!(sesslint_pools(&dir), real, "{levels} levels");
                assert_eq!(ours, vec![], "{levels} levels");
            }
            Some(file) => {
                let said = real.expect_err("php-fpm starts");
                assert!(said.contains("failed to include more than 5 files recursively"), "{said}");
                assert!(
                    ours.iter().any(|(f, l, s, m)| f == file && *l == 2 && s == "Error" && m.contains("5 files")),
                    "{levels} levels: {ours:?}"
                );
            }
        }
    }
    // l1 includes itself.
    let _ = std::fs::remove_dir_all(dir.join("inc"));
    write(&dir.join("inc/l1.conf"), &format!("php_value[session.name] = l1\ninclude = {d}/inc/l1.conf\n"));
    let said = php_fpm_pools(&fpm, &conf).expect_err("php-fpm starts");
    assert!(said.contains("failed to include more than 5 files recursively"), "{said}");
    let ours = sl004(&dir);
    assert!(
        ours.iter().any(|(f, l, s, m)| f == "l1.conf" && *l == 2 && s == "Error" && m.contains("loop")),
        "{ours:?}"
    );
}

/// The running php-fpm agrees: a request to the first pool sees the session.name that the
/// second pool file sets above its header, and the first file's save_path, not the one the
/// second file sets again there (php-fpm keeps a key's first `php_value`).
#[test]
fn a_request_sees_the_lines_the_next_file_carries_into_its_pool() {
    let (Some(fpm), Some(fcgi)) = (common::oracle("php-fpm8.2"), common::oracle("cgi-fcgi")) else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let d = dir.display().to_string();
    let sock = dir.join("a.sock");
    let conf = dir.join("php-fpm.conf");
    write(
        &conf,
        &format!("[global]\npid = {d}/fpm.pid\nerror_log = {d}/err.log\ndaemonize = no\ninclude = {d}/pool.d/*.conf\n"),
    );
    write(
        &dir.join("pool.d/a.conf"),
        &format!("{}php_value[session.save_path] = /tmp/from_a\n", pool("a", &sock.display().to_string())),
    );
    write(
        &dir.join("pool.d/b.conf"),
        &format!(
            "php_value[session.name] = FROMBTOP\nphp_value[session.save_path] = /tmp/from_b_top\n{}",
            pool("b", &dir.join("b.sock").display().to_string())
        ),
    );
    let docroot = dir.join("www");
    let script = docroot.join("index.php");
    write(&script, "<?php echo ini_get('session.name'), '|', ini_get('session.save_path');");
    // php-fpm's workers run as nobody: the tree must be readable by every user.
    let _ = Command::new("chmod").arg("-R").arg("a+rX").arg(tmp.path()).status();
    let mut cmd = Command::new(&fpm);
    cmd.arg("-n").arg("-y").arg(&conf).args(["-F", "-R"]);
    let _fpm = common::fpm::start(cmd, &[&sock]);
    let out = Command::new(&fcgi)
        .args(["-bind", "-connect"])
        .arg(&sock)
        .env("SCRIPT_FILENAME", &script)
        .env("DOCUMENT_ROOT", &docroot)
        .env("REQUEST_METHOD", "GET")
        .output()
        .expect("run cgi-fcgi");
    let text = String::from_utf8_lossy(&out.stdout);
    let real = text.split("\r\n\r\n").nth(1).unwrap_or(&text).trim().to_owned();
    assert_eq!(real, "FROMBTOP|/tmp/from_a", "php-fpm's answer");

    let model = sesslint::model::build(std::slice::from_ref(&dir), &Default::default());
    let a = model.pools.iter().find(|p| p.name == "a" && p.layer.is_none()).expect("pool a");
    let value = |k: &str| a.effective(k, &model.php).map(|v| v.value).unwrap_or_default();
    assert_eq!(format!("{}|{}", value("session.name"), value("session.save_path")), real, "sesslint's pool a");
}

/// SL004's php-fpm fixture with a carried pool is what php-fpm says: it starts, and the
/// line above b.conf's header is pool a's.
#[test]
fn the_carried_pool_fixture_is_what_php_fpm_says() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let d = dir.display().to_string();
    let fixture = Path::new("fixtures/rules/SL004/clean-fpm-carried-pool/etc/php/8.2/fpm/pool.d");
    for name in ["a.conf", "b.conf"] {
        let text = std::fs::read_to_string(fixture.join(name)).expect("read fixture");
        write(&dir.join("pool.d").join(name), &text);
    }
    let conf = dir.join("php-fpm.conf");
    write(&conf, &format!("[global]\nerror_log = {d}/err.log\ninclude = {d}/pool.d/*.conf\n"));
    let real = php_fpm_pools(&fpm, &conf).unwrap_or_else(|said| panic!("php-fpm8.2 -tt refuses the fixture: {said}"));
    assert!(real["a"].contains(&"php_value[session.gc_maxlifetime] = 3600".to_owned()), "{real:?}");
    assert_eq!(sesslint_pools(&dir), real);
}

/// A file two `include=` lines match is read by php-fpm twice: `-tt` dumps its `php_value`
/// lines once per reading, and the pool is the same pool. sesslint checks the file in its
/// first reading (each line once), however many lines name it again (a thousand such lines
/// are one step each, not one per file they match), and finds nothing to refuse.
#[test]
fn a_file_included_again_is_read_again_by_php_fpm_and_checked_once() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let (d, conf) = (dir.display().to_string(), dir.join("php-fpm.conf"));
    let include = format!("include = {d}/pool.d/*.conf\n");
    write(&conf, &format!("[global]\nerror_log = {d}/err.log\n{}", include.repeat(1000)));
    write(&dir.join("pool.d/a.conf"), &format!("{}php_value[session.name] = A\n", pool("a", "127.0.0.1:9973")));
    write(&dir.join("pool.d/b.conf"), &format!("{}php_value[session.name] = B\n", pool("b", "127.0.0.1:9974")));
    let real = php_fpm_pools(&fpm, &conf).expect("php-fpm8.2 -tt");
    let a = "php_value[session.name] = A".to_owned();
    assert_eq!(real.get("a"), Some(&vec![a.clone(); 1000]));
    let mut once = real.clone();
    once.values_mut().for_each(|v| v.dedup());
    assert_eq!(once.get("a"), Some(&vec![a]));
    assert_eq!(sesslint_pools(&dir), once);
    assert_eq!(sl004(&dir), vec![]);
}

/// What a case is called, its pool files' text, and what each pool reads (pool, value).
type Case = (&'static str, String, Vec<(&'static str, String)>);
