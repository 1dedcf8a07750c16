//! The command line as users and CI meet it: exit codes, formats, secrets, bad input.

mod common;

use std::process::Output;

use common::sesslint;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_demo_tree_has_findings_and_exits_1() {
    let o = sesslint(&["fixtures/demo"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    for code in ["SL201", "SL202", "SL302", "SL303", "SL305"] {
        assert!(out.contains(code), "demo output lacks {code}:\n{out}");
    }
    insta::assert_snapshot!("demo_human", out);
}

#[test]
fn concise_and_json_formats_on_the_demo_tree() {
    let concise = stdout(&sesslint(&["check", "--format", "concise", "fixtures/demo"]));
    insta::assert_snapshot!("demo_concise", concise);
    let json = stdout(&sesslint(&["check", "--format", "json", "fixtures/demo"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let list = v.as_array().expect("a JSON array");
    assert!(!list.is_empty());
    for d in list {
        for key in [
            "code",
            "name",
            "severity",
            "message",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "help",
            "related",
            "fix",
        ] {
            assert!(d.get(key).is_some(), "missing {key} in {d}");
        }
        assert!(d["line"].as_u64().unwrap_or(0) >= 1 && d["column"].as_u64().unwrap_or(0) >= 1);
        assert!(d["related"].is_array());
    }
    insta::assert_snapshot!("demo_json", json);
}

#[test]
fn fail_on_sets_the_threshold() {
    // The demo has errors: failing only on errors still exits 1.
    assert_eq!(sesslint(&["--fail-on", "error", "fixtures/demo"]).status.code(), Some(1));
    // A tree with only a warning passes with --fail-on error.
    let dir = "fixtures/rules/SL305/trigger-no-retries";
    assert_eq!(sesslint(&["--fail-on", "error", dir]).status.code(), Some(0));
    assert_eq!(sesslint(&[dir]).status.code(), Some(1));
    // Information alone never fails by default. (The CLI's tree: the FPM one names
    // `include=/etc/php/8.2/fpm/pool.d/*.conf`, which this tree has no `etc/` for, so the
    // finding it gets depends on whether the machine running the test has php-fpm.)
    assert_eq!(sesslint(&["fixtures/corpus/debian12-etc/php/8.2/cli"]).status.code(), Some(0));
}

#[test]
fn usage_errors_and_missing_paths_exit_2() {
    assert_eq!(sesslint(&["--format", "nope", "fixtures/demo"]).status.code(), Some(2));
    let o = sesslint(&["does/not/exist"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does/not/exist"));
}

#[test]
fn version_and_help_on_a_full_device_say_so_and_fail() {
    for args in [&["--version"][..], &["-V"], &["--help"], &["-h"], &["check", "--help"], &["help"], &["rules"]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
        let o = common::sesslint_cmd(args).stdout(full).output().expect("run sesslint");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("writing the output failed"), "{args:?}: {err}");
    }
    // Written, they succeed as before.
    for args in [&["--version"][..], &["--help"], &["check", "--help"]] {
        let o = sesslint(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(!o.stdout.is_empty() && o.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn options_before_the_command_and_unknown_commands() {
    // Global options work before the subcommand, as after it.
    let before = sesslint(&["-v", "check", "--format", "concise", "fixtures/demo"]);
    let after = sesslint(&["check", "-v", "--format", "concise", "fixtures/demo"]);
    assert_eq!(before.status.code(), Some(1), "{}", String::from_utf8_lossy(&before.stderr));
    assert_eq!(stdout(&before), stdout(&after));
    // `check -v` lists the files read, like `show -v`.
    let said = String::from_utf8_lossy(&after.stderr).into_owned();
    assert!(said.contains("sesslint: read fixtures/demo/etc/redis/redis.conf as redis.conf"), "{said}");
    let show = sesslint(&["-v", "show", "fixtures/demo"]);
    assert!(String::from_utf8_lossy(&show.stderr).contains("as redis.conf"));
    // A word that is neither a command nor a path is an unknown command, with a way out.
    for (args, hint) in [
        (&["upgrade", "x"][..], "unknown command `upgrade`"),
        (&["explain", "SL303"], "`sesslint rule SL303`"),
        (&["chek", "fixtures/demo"], "did you mean `sesslint check`?"),
    ] {
        let o = sesslint(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(err.contains(hint) && !err.contains("no such file"), "{args:?}: {err}");
    }
    // `--statistics` has a text and a JSON form, and says so for the others.
    let o = sesslint(&["--statistics", "--format", "sarif", "fixtures/demo"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty() && String::from_utf8_lossy(&o.stderr).contains("has no statistics form"));
}

#[test]
fn passwords_are_masked_unless_asked() {
    for args in [
        &["fixtures/demo"][..],
        &["--format", "json", "fixtures/demo"],
        &["show", "fixtures/demo"],
        &["show", "--format", "json", "fixtures/demo"],
    ] {
        let out = stdout(&sesslint(args));
        for secret in ["demo-cache-password", "demo-db-password", "demo-crypt-key"] {
            assert!(!out.contains(secret), "{args:?} prints {secret}");
        }
    }
    let broken = "fixtures/rules/SL001/trigger-unquoted-save-path";
    assert!(!stdout(&sesslint(&[broken])).contains("not-a-real-password"));
    let shown = stdout(&sesslint(&["--show-secrets", broken]));
    assert!(shown.contains("auth=not-a-real-password"), "--show-secrets shows the password:\n{shown}");
}

#[test]
fn no_colour_when_not_a_terminal_or_with_no_color() {
    let o = common::sesslint_cmd(&["fixtures/demo"]).env("NO_COLOR", "1").output().expect("run");
    assert!(!stdout(&o).contains('\u{1b}'));
    assert!(!stdout(&sesslint(&["fixtures/demo"])).contains('\u{1b}'));
}

#[test]
fn show_says_where_sessions_go_and_why() {
    let out = stdout(&sesslint(&["show", "fixtures/demo"]));
    insta::assert_snapshot!("demo_show", out);
    assert!(out.contains("pool blog"));
    assert!(out.contains("tcp://127.0.0.1:6380 db 1"));
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&sesslint(&["show", "--format", "json", "fixtures/demo"]))).expect("json");
    assert!(json["endpoints"].as_array().is_some_and(|e| e.len() >= 4));
}

/// `show` marks a server that refuses a session client's credentials exactly where `check`
/// reports SL401 (one test, `model::link::auth_refused` over `credentials_refused`): a
/// wrong password or an unknown ACL user as much as no password.
#[test]
fn show_marks_the_refusals_check_reports() {
    let out = stdout(&sesslint(&["show", "fixtures/demo"]));
    let forum = out.split("\npool ").find(|b| b.starts_with("forum ")).expect("pool forum");
    assert!(
        forum.contains("! this server refuses the session handler: it sends a password that is not the default user's to this server (`-WRONGPASS`)"),
        "{forum}"
    );
    let mut cases = common::rule_fixture_dirs();
    cases.retain(|d| d.starts_with("fixtures/rules/SL401"));
    assert!(cases.len() >= 4, "{cases:?}");
    for case in cases {
        let case = case.to_str().expect("utf-8");
        let check = stdout(&sesslint(&["check", "--format", "concise", "--select", "SL401", case]));
        let show = stdout(&sesslint(&["show", case]));
        let refused = show.lines().filter(|l| l.trim_start().starts_with("! ") && l.contains("refuses")).count();
        let found = check.lines().filter(|l| l.contains("[SL401]")).count();
        assert_eq!(refused > 0, found > 0, "{case}: check says\n{check}\nshow says\n{show}");
    }
}

/// `sesslint lsp --help` names every initializationOptions key the server reads (found in
/// its source as `.get("key")` and `("key", ...)` lookups), with the range the budget takes.
#[test]
fn lsp_help_names_the_settings_the_server_takes() {
    let help = stdout(&sesslint(&["lsp", "--help"]));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lsp");
    let mut keys = Vec::new();
    for f in ["server.rs", "workspace.rs"] {
        let src = std::fs::read_to_string(root.join(f)).expect("lsp source");
        for part in src.split("get(\"").skip(1).chain(src.split("[(\"").skip(1)) {
            let key: String = part.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            if key.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && part[key.len()..].starts_with('"') {
                keys.push(key);
            }
        }
    }
    keys.sort();
    keys.dedup();
    assert!(keys.len() >= 4, "settings found in the source: {keys:?}");
    for key in &keys {
        if key == "sesslint" {
            continue; // the section didChangeConfiguration's settings may sit under
        }
        assert!(help.contains(&format!("`{key}`")), "lsp --help does not name `{key}`:\n{help}");
    }
    assert!(help.contains(&format!("1..={}", sesslint::model::ParseBudget::MAX_MIB)), "{help}");
}

#[test]
fn rules_and_rule_docs() {
    let list = stdout(&sesslint(&["rules"]));
    for r in sesslint::rules::RULES {
        assert!(list.contains(r.code.as_str()) && list.contains(r.name()));
        let doc = stdout(&sesslint(&["rule", r.code.as_str()]));
        assert!(doc.contains("## What it does") && doc.contains("## Fix"), "{}", r.code);
        assert_eq!(stdout(&sesslint(&["rule", r.name()])), doc);
    }
    assert_eq!(sesslint(&["rule", "SL999"]).status.code(), Some(2));
    // A prefix or ALL selects rules elsewhere; `rule` explains one and says so.
    for several in ["SL1", "ALL"] {
        let o = sesslint(&["rule", several]);
        let said = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{said}");
        assert!(said.contains(&format!("`{several}` names several rules; `sesslint rule` explains one")), "{said}");
    }
    // A rule's former name still finds it (SL107 was `session-locking-disabled`).
    for (old, code) in sesslint::codes::RENAMED {
        let o = sesslint(&["rule", old]);
        let doc = stdout(&o);
        assert_eq!(doc, stdout(&sesslint(&["rule", code.as_str()])), "{old}");
        assert!(doc.starts_with(&format!("# {} {}", code.as_str(), code.name())), "{doc}");
        // ... and says it was renamed.
        let said = String::from_utf8_lossy(&o.stderr);
        assert!(said.contains(&format!("rule `{old}` is now named `{}`", code.name())), "{said}");
    }
    // A rule whose findings have more than one severity lists them all (SL405: errors for
    // broken chains, an info where it stops following).
    let sl405 = list.lines().find(|l| l.starts_with("SL405")).expect("SL405 listed");
    assert!(sl405.contains("error/info"), "{sl405}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&sesslint(&["rules", "--format", "json"]))).expect("json");
    assert_eq!(json.as_array().map(Vec::len), Some(sesslint::rules::RULES.len()));
}

#[test]
fn a_fifo_and_a_huge_file_are_reported_not_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let redis_dir = dir.path().join("etc/redis");
    std::fs::create_dir_all(&redis_dir).expect("mkdir");
    let fifo = redis_dir.join("redis.conf");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let pool_dir = dir.path().join("etc/php/8.2/fpm/pool.d");
    std::fs::create_dir_all(&pool_dir).expect("mkdir");
    let huge = std::fs::File::create(pool_dir.join("www.conf")).expect("create");
    huge.set_len(17 * 1024 * 1024).expect("sparse 17 MiB file");
    // Would hang forever if the FIFO were opened.
    let o = sesslint(&["--format", "json", dir.path().to_str().expect("utf-8 path")]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let sl002: Vec<_> = json.as_array().expect("array").iter().filter(|d| d["code"] == "SL002").collect();
    assert_eq!(sl002.len(), 2, "{json}");
    assert!(sl002.iter().any(|d| d["message"].as_str().is_some_and(|m| m.contains("not a regular file"))));
    assert!(sl002.iter().any(|d| d["message"].as_str().is_some_and(|m| m.contains("MiB"))));
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn unreadable_files_are_reported_when_not_root() {
    if unsafe_is_root() {
        common::skipped("running as root, which reads any file; permission denied cannot be produced");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("etc/redis");
    std::fs::create_dir_all(&p).expect("mkdir");
    let f = p.join("redis.conf");
    std::fs::write(&f, "bind 127.0.0.1\n").expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let out = stdout(&sesslint(&["--format", "concise", dir.path().to_str().expect("path")]));
    assert!(out.contains("SL002") && out.contains("permission denied"), "{out}");
}

fn unsafe_is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0")).unwrap_or(false)
}

#[test]
fn bad_bytes_give_diagnostics_not_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ini = dir.path().join("etc/php/8.2/fpm/conf.d");
    std::fs::create_dir_all(&ini).expect("mkdir");
    std::fs::write(
        ini.join("30-x.ini"),
        b"\xEF\xBB\xBFsession.save_path = \"\xff\xfe\"\r\nsession.save_handler = redis\r\n",
    )
    .expect("write");
    let env = dir.path().join("var/www/x/app/etc");
    std::fs::create_dir_all(&env).expect("mkdir");
    let mut deep = b"<?php return ".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 100_000));
    std::fs::write(env.join("env.php"), deep).expect("write");
    let o = sesslint(&["--format", "concise", dir.path().to_str().expect("path")]);
    assert!(o.status.code() == Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("SL001"));
}

#[test]
fn absolute_symlinks_resolve_below_the_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let etc = dir.path().join("etc/php/8.2");
    std::fs::create_dir_all(etc.join("cli/conf.d")).expect("mkdir");
    std::fs::create_dir_all(etc.join("mods-available")).expect("mkdir");
    std::fs::write(etc.join("cli/php.ini"), "session.save_handler = files\n").expect("write");
    std::fs::write(
        etc.join("mods-available/zz-sessions.ini"),
        "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379\"\n",
    )
    .expect("write");
    // As Debian's phpenmod would link it on the target machine: an absolute target.
    std::os::unix::fs::symlink("/etc/php/8.2/mods-available/zz-sessions.ini", etc.join("cli/conf.d/99-sessions.ini"))
        .expect("symlink");
    let model = sesslint::model::build(&[dir.path().to_path_buf()], &Default::default());
    let setup = model.php.iter().find(|s| s.sapi == Some(sesslint::model::Sapi::Cli)).expect("cli setup");
    assert_eq!(setup.get("session.save_handler").map(|v| v.value), Some("redis".to_owned()));
}

#[test]
fn a_second_build_over_an_unchanged_tree_parses_nothing_again() {
    let cache = sesslint::model::ParseCache::new();
    let paths = [std::path::PathBuf::from("fixtures/demo")];
    let overlay = sesslint::model::Overlay::new();
    let first = sesslint::model::build(
        &paths,
        &sesslint::model::BuildOptions { overlay: Some(&overlay), cache: Some(&cache), ..Default::default() },
    );
    assert_eq!(cache.hits(), 0);
    let second = sesslint::model::build(
        &paths,
        &sesslint::model::BuildOptions { overlay: Some(&overlay), cache: Some(&cache), ..Default::default() },
    );
    assert_eq!(cache.hits(), first.files.len(), "every file came from the cache");
    let check = |m: &sesslint::model::Model| sesslint::rules::check(m).len();
    assert_eq!(check(&first), check(&second));
    // An edited buffer is parsed again, the rest is not.
    let blog = std::path::PathBuf::from("fixtures/demo/etc/php/8.2/fpm/pool.d/blog.conf");
    let mut edited = sesslint::model::Overlay::new();
    edited.insert(blog, b"[blog]\nphp_value[session.save_handler] = files\n".to_vec());
    let third = sesslint::model::build(
        &paths,
        &sesslint::model::BuildOptions { overlay: Some(&edited), cache: Some(&cache), ..Default::default() },
    );
    assert_eq!(cache.hits(), 2 * first.files.len() - 1);
    assert!(third.endpoints.iter().any(|e| e.label.starts_with("pool blog") && e.handler.value == "files"));
}

#[test]
fn php_fpm_reads_the_pools_its_include_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fpm = dir.path().join("etc/php/8.2/fpm");
    std::fs::create_dir_all(fpm.join("sites")).expect("mkdir");
    std::fs::write(
        fpm.join("php-fpm.conf"),
        "[global]\npid = /run/php/php8.2-fpm.pid\ninclude=/etc/php/8.2/fpm/sites/*.conf\ninclude=/etc/php/8.2/fpm/extra.conf\n",
    )
    .expect("write");
    std::fs::write(
        fpm.join("sites/shop.conf"),
        "[shop]\nlisten = /run/php/shop.sock\nphp_admin_value[session.save_handler] = redis\nphp_admin_value[session.save_path] = \"tcp://127.0.0.1:6379\"\n",
    )
    .expect("write");
    let model = sesslint::model::build(&[dir.path().to_path_buf()], &Default::default());
    let shop = model.pools.iter().find(|p| p.name == "shop").expect("the included pool");
    assert_eq!(shop.effective("session.save_handler", &model.php).map(|v| v.value), Some("redis".to_owned()));
    let d = sesslint::rules::check(&model);
    assert!(d.iter().any(|d| d.code == "SL004" && d.message.contains("extra.conf")), "{d:?}");
}

/// A copy of fixtures/demo in `dir/demo`, so a sesslint.toml can sit beside it.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).expect("copy");
        }
    }
}

/// Every spelling of the root finds the demo's `include /etc/redis/redis.conf` below it:
/// relative or absolute `--root` with a relative path, `root = "."` and a `..` inside the
/// tree in sesslint.toml. `-v` names the root cleaned and where it was set.
#[test]
fn every_spelling_of_the_root_resolves_includes_below_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let demo = tmp.path().join("demo");
    copy_tree(&common::fixtures().join("demo"), &demo);
    let abs = demo.display().to_string();
    let run = |cwd: &std::path::Path, args: &[&str]| {
        let o = common::sesslint_cmd(args).current_dir(cwd).output().expect("run sesslint");
        (stdout(&o), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let cases: Vec<(&std::path::Path, Vec<&str>, &str)> = vec![
        (tmp.path(), vec!["check", "-v", "--root", "demo", "demo"], "root demo (--root demo)"),
        (tmp.path(), vec!["check", "-v", "--root", &abs, "demo"], "root demo (--root "),
        (tmp.path(), vec!["check", "-v", "--root", "demo/etc/..", "demo"], "root demo (--root demo/etc/..)"),
    ];
    for (cwd, args, said) in &cases {
        let (out, err) = run(cwd, args);
        assert!(!out.contains("SL004"), "{args:?}: the include is not found below the root:\n{out}");
        assert!(out.contains("SL201"), "{args:?}: the demo's findings are missing:\n{out}");
        assert!(err.contains(said), "{args:?}: -v should say {said:?}:\n{err}");
        // Walked and included files are one path each, not a relative and an absolute copy.
        assert_eq!(err.matches("sesslint: read ").count(), 19, "{args:?}: files read twice?\n{err}");
    }
    // An absolute root with absolute paths stays absolute, cleaned.
    let (out, err) = run(tmp.path(), &["check", "-v", "--root", &format!("{abs}/."), &abs]);
    assert!(!out.contains("SL004"), "{out}");
    assert!(err.contains(&format!("root {abs} (--root {abs}/.)")), "{err}");

    // sesslint.toml in the tree, run from inside it: `root = "."`.
    std::fs::write(demo.join("sesslint.toml"), "root = \".\"\n").expect("write");
    let (out, err) = run(&demo, &["check", "-v", "."]);
    assert!(!out.contains("SL004"), "root = \".\": {out}");
    assert!(err.contains("root . (root = \".\" in "), "{err}");
    // ... and from above it, with a `..` that stays inside the tree.
    std::fs::write(demo.join("sesslint.toml"), "root = \"etc/..\"\n").expect("write");
    let (out, err) = run(tmp.path(), &["check", "-v", "demo"]);
    assert!(!out.contains("SL004"), "root = \"etc/..\": {out}");
    assert!(err.contains("root demo (root = \"etc/..\" in "), "{err}");
    let (out, _) = run(&demo.join("etc"), &["check", "-v", ".."]);
    assert!(!out.contains("SL004"), "root = \"etc/..\" seen from etc/: {out}");
    assert!(out.contains("SL201"), "{out}");
}

/// Every option `sesslint --help` lists with a value means the same in `--opt N` and
/// `--opt=N`, with and without the word `check`: the value is never taken for a command.
#[test]
fn every_valued_option_of_help_works_in_both_spellings_with_and_without_check() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let demo = tmp.path().join("demo");
    copy_tree(&common::fixtures().join("demo"), &demo);
    std::fs::write(demo.join("sesslint.toml"), "").expect("write");
    std::fs::write(demo.join("hosts.ini"), "[web]\nlocalhost\n").expect("write");
    let help = common::sesslint_cmd(&["--help"]).output().expect("run sesslint");
    let help = stdout(&help);
    let value_for = |name: &str| match name {
        "root" => ".",
        "inventory" => "hosts.ini",
        "max-host-mib" => "64",
        "max-run-mib" => "100",
        "format" => "concise",
        "fail-on" => "error",
        "config" => "sesslint.toml",
        "select" | "ignore" => "SL201",
        "output-file" => "out.txt",
        "write-plan" | "apply-plan" => "plan.json",
        "stdin-filename" => "etc/php/8.2/fpm/php.ini",
        other => panic!("--{other}: no test value; add one"),
    };
    let mut tried = 0;
    for line in help.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(long) = words.iter().find(|w| w.starts_with("--")) else { continue };
        let long = long.trim_end_matches(',');
        if !words.last().is_some_and(|w| w.starts_with('<')) {
            continue;
        }
        let value = value_for(&long[2..]);
        let short = words.iter().find(|w| w.len() == 3 && w.starts_with('-') && !w.starts_with("--"));
        let joined = format!("{long}={value}");
        let mut spellings: Vec<Vec<&str>> = vec![vec![long, value], vec![&joined]];
        if let Some(s) = short {
            spellings.push(vec![s.trim_end_matches(','), value]);
        }
        let mut seen: Option<(Option<i32>, String)> = None;
        for spelling in &spellings {
            for with_check in [false, true] {
                let args: Vec<&str> =
                    with_check.then_some("check").into_iter().chain(spelling.iter().copied()).chain(["."]).collect();
                let o = common::sesslint_cmd(&args)
                    .current_dir(&demo)
                    .stdin(std::process::Stdio::null())
                    .output()
                    .expect("run sesslint");
                let err = String::from_utf8_lossy(&o.stderr);
                assert!(!err.contains("unknown command"), "{args:?}: {err}");
                let got = (o.status.code(), stdout(&o));
                match &seen {
                    None => seen = Some(got),
                    Some(first) => assert_eq!(first, &got, "{args:?} differs from {:?}: {err}", spellings[0]),
                }
            }
        }
        tried += 1;
    }
    assert!(tried >= 13, "only {tried} valued options found in --help:\n{help}");
}

/// However the root and the paths are spelled (`.`, `./etc`, `$PWD`, `etc/../etc`, a
/// symlink to `etc` named beside it or instead of it), each file is read once: the pools
/// php-fpm.conf's `include=` reaches and the redis.conf an `include` names are the ones
/// discovery found, not a second copy. `check`, `show` and
/// `migrate`'s summary count each pool once.
#[test]
fn every_spelling_of_root_and_paths_reads_each_file_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let demo = tmp.path().join("demo");
    copy_tree(&common::fixtures().join("demo"), &demo);
    std::os::unix::fs::symlink("etc", demo.join("etclink")).expect("symlink");
    let abs = demo.display().to_string();
    let abs_etc = format!("{abs}/etc");
    let run = |args: &[&str]| {
        let o = common::sesslint_cmd(args)
            .current_dir(&demo)
            .env("REDIS_PASSWORD", "demo-cache-password")
            .output()
            .expect("run sesslint");
        (stdout(&o), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let spellings: Vec<Vec<&str>> = vec![
        vec!["--root", ".", "etc", "var"],
        vec!["--root", &abs, "etc", "var"],
        vec!["--root", ".", "./etc", "var"],
        vec!["--root", ".", "etc/../etc", "var"],
        vec!["--root", ".", &abs_etc, "var"],
        vec!["--root", ".", "."],
        vec!["."],
        vec!["etc", "etclink", "var"],
        // The tree named through the symlink, the root spelled plainly: `include=` and
        // redis.conf's `include /etc/redis/redis.conf` name `etc/...`, the walk found
        // `etclink/...`: one file each, under the walk's name.
        vec!["--root", ".", "etclink", "var"],
        vec!["--root", &abs, "etclink", "var"],
    ];
    for args in &spellings {
        let check: Vec<&str> =
            ["check", "-v", "--format", "concise"].iter().copied().chain(args.iter().copied()).collect();
        let (out, err) = run(&check);
        let blog_reads =
            err.lines().filter(|l| l.starts_with("sesslint: read ") && l.contains("pool.d/blog.conf")).count();
        assert_eq!(blog_reads, 1, "{args:?}: blog.conf read {blog_reads} times:\n{err}");
        let redis_reads =
            err.lines().filter(|l| l.starts_with("sesslint: read ") && l.contains("redis/redis.conf ")).count();
        assert_eq!(redis_reads, 1, "{args:?}: redis.conf read {redis_reads} times:\n{err}");
        let sl109 = out.lines().filter(|l| l.contains("blog.conf:13") && l.contains("SL109")).count();
        assert_eq!(sl109, 1, "{args:?}: one SL109 at blog.conf:13 expected:\n{out}");
        let show: Vec<&str> = ["show"].iter().copied().chain(args.iter().copied()).collect();
        let (out, _) = run(&show);
        let pools = out.lines().filter(|l| l.trim_start().starts_with("pool ")).count();
        assert_eq!(pools, 4, "{args:?}: show lists {pools} pool blocks:\n{out}");
        let migrate: Vec<&str> = ["migrate", "--redis", "tcp://127.0.0.1:6379", "--password-env", "REDIS_PASSWORD"]
            .iter()
            .copied()
            .chain(args.iter().copied())
            .collect();
        let (out, err) = run(&migrate);
        let shop = out.lines().filter(|l| l.trim_start().starts_with("pool shop (")).count();
        assert_eq!(shop, 1, "{args:?}: migrate's Changes name pool shop {shop} times:\n{out}{err}");
    }
}

/// `show` on a server whose default user is `off`: protected mode has nothing to refuse,
/// and show says so instead of claiming the default user needs a password.
#[test]
fn show_says_protected_mode_is_moot_when_the_default_user_is_off() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("etc/redis");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("redis.conf"), "port 6379\nuser default off\nuser app on >Xy7pQ2sLmN4vB8cR ~* +@all\n")
        .expect("write");
    let out = stdout(&sesslint(&["show", tmp.path().to_str().expect("utf-8")]));
    assert!(out.contains("protected-mode: yes (moot: the default user is off"), "{out}");
    assert!(!out.contains("needs a password"), "{out}");
}

/// `parse` of a redis.conf from a copied tree reads its absolute include below the tree, as
/// `check` does: the tree the file is in (an `etc/` at its top) or `--root`, however spelled.
/// A file in no tree (its root this machine, reads confined to its directory) does not read
/// an absolute include elsewhere: said in sesslint's words (not redis-server's abort message)
/// with the way out named; the include is listed unexpanded, the file's own directives after
/// it still are, and the exit is 2 (values partial, verdict unknown), never 1 (redis-server
/// refuses the file).
#[test]
fn parse_takes_a_root_for_absolute_includes() {
    let conf = "fixtures/demo/etc/redis/redis-sessions.conf";
    let tmp = tempfile::tempdir().expect("tmp");
    let lone = tmp.path().join("redis-sessions.conf");
    std::fs::copy(conf, &lone).expect("copy");
    let lone = lone.to_str().expect("utf-8");
    let o = sesslint(&["parse", "--format", "json", lone]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("sesslint does not read the included '/etc/redis/redis.conf'"), "{err}");
    assert!(err.contains("--root DIR") && !err.contains("Fatal error"), "{err}");
    assert!(err.contains("its directives are not listed"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let listed: Vec<&str> = v.as_array().expect("array").iter().filter_map(|d| d["directive"].as_str()).collect();
    let own = ["include", "port", "bind", "requirepass", "maxmemory-policy"];
    assert!(own.iter().all(|d| listed.contains(d)), "{listed:?}");
    assert!(v.as_array().expect("array").iter().all(|d| d["file"] == lone), "only the file's own: {v}");
    let absolute = common::fixtures().join("demo").display().to_string();
    for args in [vec![], vec!["--root", "fixtures/demo"], vec!["--root", &absolute]] {
        let o = sesslint(&[&["parse", "--format", "json"], &args[..], &[conf]].concat());
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
        let from_include = v.as_array().expect("array").iter().filter(|d| d["file"] == "/etc/redis/redis.conf").count();
        assert!(from_include > 10, "{args:?}: the include was not read: {err}");
        assert!(!err.contains("does not read"), "{args:?}: {err}");
    }
    assert_eq!(sesslint(&["parse", "--root", "no/such/dir", conf]).status.code(), Some(2));
}

/// A directory given to `parse` is a usage error (exit 2, said), never `[]` and exit 0 as if
/// it set nothing: `parse` takes files, `check` directories.
#[test]
fn parse_refuses_a_directory() {
    for dir in ["fixtures/demo/etc/redis", "fixtures/demo/etc/php/8.2/fpm/pool.d"] {
        for args in [vec!["parse", dir], vec!["parse", "--format", "json", dir]] {
            let o = sesslint(&args);
            let err = String::from_utf8_lossy(&o.stderr).into_owned();
            assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
            assert!(o.stdout.is_empty(), "{args:?}: {}", stdout(&o));
            assert!(
                err.contains(&format!("sesslint: {dir}: is a directory: parse takes files (check takes directories)")),
                "{err}"
            );
        }
    }
    // Beside a file: the file's values are printed, and the exit is still 2.
    let o = sesslint(&["parse", "fixtures/demo/etc/redis", "fixtures/demo/etc/php/8.2/fpm/pool.d/www.conf"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("www"), "{}", stdout(&o));
}

/// `parse --root` on a copied tree: Debian's `dir /var/lib/redis` and `logfile` name
/// directories the copy lacks; that is a note naming the path and exit 0, as `check`
/// ignores such machine paths. Without `--root` a missing `dir` is redis-server's own
/// refusal (7.0: `'dir "..."'`, "No such file or directory", exit 1), named with its path.
#[test]
fn parse_notes_machine_directories_absent_from_a_copied_tree() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("copy");
    let conf = root.join("etc/redis/redis.conf");
    std::fs::create_dir_all(conf.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &conf,
        "port 6379\ndir /var/lib/redis-absent-in-copy\nlogfile /var/log/redis-absent/redis-server.log\n",
    )
    .expect("write");
    let o = sesslint(&["parse", "--root", root.to_str().expect("utf-8"), conf.to_str().expect("utf-8")]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains(":2:1: note: `dir /var/lib/redis-absent-in-copy`: No such file or directory"), "{err}");
    assert!(
        err.contains(":3:1: note: `logfile /var/log/redis-absent/redis-server.log`: its directory is absent"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"logfile\""), "read on after `dir`");

    let missing = tmp.path().join("missing");
    let here = tmp.path().join("redis-here.conf");
    std::fs::write(&here, format!("port 0\ndir {}\n", missing.display())).expect("write");
    let o = sesslint(&["parse", here.to_str().expect("utf-8")]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    // redis-server's words, then the directive with its path as redis-server echoes it.
    assert!(err.contains(":2:1: No such file or directory"), "{err}");
    assert!(err.contains(&format!(":2:1: note: the path is the one in `dir {}`", missing.display())), "{err}");
    if let Some(redis) = common::oracle("redis-server") {
        let out = std::process::Command::new(redis).arg(&here).output().expect("redis-server");
        let said = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{said}");
        assert!(said.contains("No such file or directory") && said.contains(&missing.display().to_string()), "{said}");
    }
}

/// A finding that lists the first few related places says how many there are, and `show`
/// says how many shadowed lines it did not name: six pools on one open, evicting Redis
/// server, and a save path written five times.
#[test]
fn lists_cut_short_say_how_many_were_left_out() {
    let dir = tempfile::tempdir().expect("tmp");
    let etc = dir.path().join("etc");
    let write = |p: &str, t: String| {
        let path = etc.join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, t).expect("write");
    };
    write("redis/redis.conf", "bind 127.0.0.1\nport 6379\nmaxmemory 100mb\nmaxmemory-policy allkeys-lru\n".into());
    let paths: String = (1..=5).map(|i| format!("session.save_path = /var/lib/php/s{i}\n")).collect();
    write("php/8.2/cli/php.ini", format!("session.save_handler = files\n{paths}"));
    for i in 1..=6 {
        write(
            &format!("php/8.2/fpm/pool.d/p{i}.conf"),
            format!("[p{i}]\nlisten = /run/p{i}.sock\nphp_admin_value[session.save_handler] = redis\nphp_admin_value[session.save_path] = \"tcp://127.0.0.1:6379?database={i}&timeout=2&read_timeout=2\"\n"),
        );
    }
    let root = dir.path().to_str().expect("utf-8");
    let json = stdout(&sesslint(&["check", "--format", "json", root]));
    let list: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
    for code in ["SL201", "SL206"] {
        let d = list.iter().find(|d| d["code"] == code).unwrap_or_else(|| panic!("no {code}: {json}"));
        let message = d["message"].as_str().unwrap_or_default();
        assert!(message.ends_with("(6 session endpoints use it; the first 5 are shown)"), "{code}: {message}");
    }
    let shown = stdout(&sesslint(&["show", root]));
    assert!(shown.contains("php.ini:3 and 1 earlier line(s)"), "{shown}");
}

/// `parse FILE...` reads each file once: the `${name}` a pool's save path names in php.ini
/// is found from the bytes it then prints (it read every file a second time to find them).
/// Counted with strace: each file opened once, its values still masked.
#[test]
fn parse_of_several_files_reads_each_once() {
    let Some(strace) = common::oracle("strace") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    std::fs::write(d.join("php.ini"), "[PHP]\npw = LeakOnce1\n").expect("write");
    std::fs::write(
        d.join("www.conf"),
        "[www]\nphp_value[session.save_handler] = redis\nphp_value[session.save_path] = \"tcp://127.0.0.1:6379?auth=${pw}\"\n",
    )
    .expect("write");
    let log = d.join("strace.log");
    let o = std::process::Command::new(strace)
        .args(["-f", "-e", "trace=open,openat", "-o"])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_sesslint"))
        .args(["parse", "php.ini", "www.conf"])
        .current_dir(d)
        .output()
        .expect("run strace");
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(!out.contains("LeakOnce1") && out.contains("********"), "{out}");
    let trace = std::fs::read_to_string(&log).expect("strace log");
    for name in ["php.ini", "www.conf"] {
        let opens = trace.lines().filter(|l| l.contains(&format!("{name}\"")) && !l.contains("= -1")).count();
        assert_eq!(opens, 1, "{name} opened {opens} times:\n{trace}");
    }
}
