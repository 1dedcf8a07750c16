//! A config file and inline suppressions change the results as the README says.

mod common;

use std::path::Path;

use common::sesslint;

fn copy_demo(to: &Path) {
    for entry in walkdir::WalkDir::new("fixtures/demo") {
        let entry = entry.expect("walk");
        let dest = to.join(entry.path().strip_prefix("fixtures/demo").expect("below"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

fn codes(dir: &Path, extra: &[&str]) -> (Vec<String>, Option<i32>) {
    let mut args = vec!["--format", "concise"];
    args.extend_from_slice(extra);
    let d = dir.to_str().expect("utf-8");
    args.push(d);
    let o = sesslint(&args);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut codes: Vec<String> =
        out.lines().filter_map(|l| l.split('[').nth(1).and_then(|r| r.split(']').next()).map(str::to_owned)).collect();
    codes.sort();
    (codes, o.status.code())
}

#[test]
fn select_ignore_severity_fail_on_and_per_path_ignores() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_demo(tmp.path());
    let (all, code) = codes(tmp.path(), &[]);
    assert_eq!(
        all,
        [
            "SL101", "SL107", "SL109", "SL110", "SL111", "SL201", "SL202", "SL204", "SL205", "SL302", "SL303", "SL305",
            "SL401"
        ]
    );
    assert_eq!(code, Some(1));

    std::fs::write(tmp.path().join("sesslint.toml"), "select = [\"SL2\", \"SL3\"]\nignore = [\"SL305\"]\n")
        .expect("write");
    assert_eq!(codes(tmp.path(), &[]).0, ["SL201", "SL202", "SL204", "SL205", "SL302", "SL303"]);
    // The command line: --select replaces, --ignore adds.
    assert_eq!(codes(tmp.path(), &["--select", "SL303,SL305"]).0, ["SL303"]);
    assert_eq!(codes(tmp.path(), &["--ignore", "SL202"]).0, ["SL201", "SL204", "SL205", "SL302", "SL303"]);

    std::fs::write(
        tmp.path().join("sesslint.toml"),
        "fail-on = \"error\"\n[severity]\nSL202 = \"warning\"\nSL303 = \"info\"\n[per-path-ignores]\n\"var/www/**\" = [\"SL3\"]\n\"etc/php/**\" = [\"SL401\"]\n",
    )
    .expect("write");
    let o = sesslint(&["--format", "json", tmp.path().to_str().expect("utf-8")]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let list = json.as_array().expect("array");
    assert!(list.iter().any(|d| d["code"] == "SL202" && d["severity"] == "warning"));
    assert!(!list.iter().any(|d| d["code"] == "SL303" || d["code"] == "SL305"), "per-path ignore of SL3 under var/www");
    assert_eq!(o.status.code(), Some(0), "only warnings remain and fail-on is error");
    assert_eq!(codes(tmp.path(), &["--fail-on", "warning"]).1, Some(1));
}

#[test]
fn config_mistakes_are_errors_with_their_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_demo(tmp.path());
    for (text, needle) in [
        ("select = [\"SL2\"]\nfial-on = \"error\"\n", "sesslint.toml:2:1: unknown key `fial-on`"),
        ("ignore = [\"SL999\"]\n", "sesslint.toml:1:11: unknown rule `SL999`"),
        ("[severity]\nSL201 = \"fatal\"\n", "sesslint.toml:2:9"),
        ("select = \n", "sesslint.toml:1"),
    ] {
        std::fs::write(tmp.path().join("sesslint.toml"), text).expect("write");
        let o = sesslint(&[tmp.path().to_str().expect("utf-8")]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(needle), "{text}: expected `{needle}` in {err}");
    }
    assert_eq!(sesslint(&["--select", "XX1", "fixtures/demo"]).status.code(), Some(2));
}

#[test]
fn inline_suppressions_hide_findings_and_unused_ones_are_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_demo(tmp.path());
    let redis = tmp.path().join("etc/redis/redis.conf");
    let text = std::fs::read_to_string(&redis).expect("read").replacen(
        "\nbind 0.0.0.0\n",
        "\n# sesslint: ignore[SL202] the app servers reach it over the storage VLAN\nbind 0.0.0.0\n",
        1,
    );
    std::fs::write(&redis, text).expect("write");
    let env = tmp.path().join("var/www/shop/app/etc/env.php");
    let text = std::fs::read_to_string(&env).expect("read").replacen(
        "'database' => '0',\n",
        "'database' => '0', // sesslint: ignore[SL303, SL201]\n",
        1,
    );
    std::fs::write(&env, text).expect("write");
    let (found, _) = codes(tmp.path(), &[]);
    assert_eq!(
        found,
        ["SL006", "SL101", "SL107", "SL109", "SL110", "SL111", "SL201", "SL204", "SL205", "SL302", "SL305", "SL401"],
        "SL202 and SL303 suppressed; SL201 in env.php is unused"
    );
}

/// The concise lines of a check of `dir`, the leading path cut off.
fn concise(dir: &Path) -> Vec<String> {
    let d = dir.to_str().expect("utf-8");
    let o = sesslint(&["--format", "concise", d]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    out.lines().filter_map(|l| l.split_once("php.ini:").map(|(_, r)| r.to_owned())).collect()
}

#[test]
fn a_suppression_counts_lines_as_findings_do_with_lone_cr_line_ends() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ini = tmp.path().join("etc/php/8.2/cli/php.ini");
    std::fs::create_dir_all(ini.parent().expect("dir")).expect("mkdir");
    let setting = "session.save_handler = redis\rsession.save_path = \"tcp://127.0.0.1:6379?auth=x\"\r";
    // Without a comment SL108 stands on line 3 (PHP and findings end a line at a lone `\r`).
    std::fs::write(&ini, format!("[PHP]\r{setting}; unrelated\r; more\n")).expect("write");
    let plain = concise(tmp.path());
    assert!(plain.iter().any(|l| l.starts_with("3:1: ") && l.contains("SL108")), "{plain:?}");
    // A comment on line 6 is three lines below it: it silences nothing there.
    std::fs::write(&ini, format!("[PHP]\r{setting}; unrelated\r; more\n; sesslint: ignore[SL108]\n")).expect("write");
    let far = concise(tmp.path());
    assert!(far.iter().any(|l| l.starts_with("3:1: ") && l.contains("SL108")), "{far:?}");
    assert!(far.iter().any(|l| l.starts_with("6:") && l.contains("SL006")), "{far:?}");
    // A comment after `; x\r` stands on its own line 3: it silences the setting below it
    // (and says nothing when that setting is one line further down).
    let near = |gap: &str| {
        let text = format!(
            "[PHP]\n; x\r; sesslint: ignore[SL108]\n{gap}session.save_path = \"tcp://127.0.0.1:6379?auth=x\"\nsession.save_handler = redis\n"
        );
        std::fs::write(&ini, text).expect("write");
        concise(tmp.path())
    };
    let covered = near("");
    assert!(!covered.iter().any(|l| l.contains("SL108") || l.contains("SL006")), "{covered:?}");
    let unused = near("x = 1\n");
    assert!(unused.iter().any(|l| l.starts_with("3:") && l.contains("SL006")), "{unused:?}");
    assert!(unused.iter().any(|l| l.starts_with("5:1: ") && l.contains("SL108")), "{unused:?}");
}

#[test]
fn redis_version_decides_protected_mode_in_check_and_show() {
    // `bind 0.0.0.0`, protected mode on, no password: Redis 7.0 refuses other hosts
    // (pinned live in tests/redis_live_model.rs); before 7.0 the bind line switched it off.
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("etc/redis")).expect("mkdir");
    std::fs::write(tmp.path().join("etc/redis/redis.conf"), "bind 0.0.0.0\nport 6379\nprotected-mode yes\n")
        .expect("write");
    let (codes_70, _) = codes(tmp.path(), &[]);
    assert_eq!(codes_70, ["SL201"]);
    std::fs::write(tmp.path().join("sesslint.toml"), "redis-version = \"6.2\"\n").expect("write");
    let (codes_62, _) = codes(tmp.path(), &[]);
    // Before 7.0 DEBUG is allowed too, and the open server is reachable: SL205 says so.
    assert_eq!(codes_62, ["SL201", "SL202", "SL205"]);
    let show = sesslint(&["show", tmp.path().to_str().expect("utf-8")]);
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(text.contains("version: Redis 6.2: `redis-version = \"6.2\"` in"), "{text}");
    std::fs::write(tmp.path().join("sesslint.toml"), "redis-version = \"seven\"\n").expect("write");
    let bad = sesslint(&["--format", "concise", tmp.path().to_str().expect("utf-8")]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`redis-version` is a release like"));
}

/// A TOML error toml_edit words on two lines reads as one line (`; `), not with a literal
/// `\n`; a missing `tunnel-paths` directory is named cleaned, with no line:col.
#[test]
fn config_errors_read_as_one_line_and_missing_tunnel_dirs_are_at_1_1() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d1 = tmp.path().join("d1");
    std::fs::create_dir_all(&d1).expect("mkdir");
    copy_demo(&d1);
    std::fs::write(d1.join("sesslint.toml"), "[severity]\nSL101 = \"error\"\n[severity]\n").expect("write");
    let o = sesslint(&[d1.to_str().expect("utf-8")]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("invalid table header; duplicate key `severity`"), "{err}");
    assert!(!err.contains("\\n"), "a literal backslash-n: {err}");

    std::fs::write(d1.join("sesslint.toml"), "tunnel-paths = [\"../network/tunnels\"]\n").expect("write");
    let o = sesslint(&["--format", "concise", d1.to_str().expect("utf-8")]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    // A file-level finding has the documented `path:line:col:` shape too, at 1:1 (ruff's
    // convention), as the github, json and junit formats give it.
    let tunnels = tmp.path().join("network/tunnels").display().to_string();
    let want = format!("{tunnels}:1:1: warning[SL002]");
    assert!(out.lines().any(|l| l.starts_with(&want)), "want {want}:\n{out}");
    assert!(!out.contains(".."), "{out}");
    let dir = d1.to_str().expect("utf-8");
    let out = String::from_utf8_lossy(&sesslint(&["--format", "github", dir]).stdout).into_owned();
    assert!(out.contains(&format!("file={tunnels},line=1,col=1,")), "{out}");
    let out = String::from_utf8_lossy(&sesslint(&["--format", "json", dir]).stdout).into_owned();
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    let f = json.as_array().expect("array").iter().find(|d| d["path"] == tunnels.as_str()).expect("SL002");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(1), Some(1)), "{f}");
    let out = String::from_utf8_lossy(&sesslint(&["--format", "junit", dir]).stdout).into_owned();
    assert!(out.contains(&format!("{tunnels}:1:1: warning[SL002]")), "{out}");
}

/// `--select`/`--ignore`, sesslint.toml's `select`, `ignore`, `per-path-ignores` and
/// `[severity]`, and suppression comments take a rule's name as `sesslint rule` does, and
/// its old name, said on stderr as `rule` says it; an unknown one is refused (exit 2) with
/// what a rule may be and every rule's code and name.
#[test]
fn rules_are_named_by_code_or_name_everywhere() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_demo(tmp.path());
    let run = |extra: &[&str]| {
        let mut args = vec!["--format", "concise"];
        args.extend_from_slice(extra);
        args.push(tmp.path().to_str().expect("utf-8"));
        let o = sesslint(&args);
        (codes(tmp.path(), extra).0, String::from_utf8_lossy(&o.stderr).into_owned(), o.status.code())
    };
    let (by_code, _, _) = run(&["--ignore", "SL201,SL107"]);
    let (by_name, err, _) = run(&["--ignore", "redis-missing-auth,session-locking-unreliable"]);
    assert_eq!(by_code, by_name);
    assert!(!by_name.iter().any(|c| c == "SL201" || c == "SL107"), "{by_name:?}");
    assert!(err.is_empty(), "{err}");
    let (by_old, err, _) = run(&["--ignore", "redis-missing-auth,session-locking-disabled"]);
    assert_eq!(by_old, by_code);
    assert!(
        err.contains("sesslint: rule `session-locking-disabled` is now named `session-locking-unreliable` (SL107)"),
        "{err}"
    );
    let (selected, _, _) = run(&["--select", "redis-missing-auth"]);
    assert_eq!(selected, ["SL201"]);
    let (_, err, code) = run(&["--ignore", "redis-misisng-auth"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown rule `redis-misisng-auth`"), "{err}");
    assert!(err.contains("SL201 redis-missing-auth") && err.contains("SL107 session-locking-unreliable"), "{err}");

    std::fs::write(
        tmp.path().join("sesslint.toml"),
        "select = [\"SL2\", \"non-unique-database\"]\nignore = [\"session-locking-disabled\"]\n[severity]\nredis-missing-auth = \"error\"\n[per-path-ignores]\n\"etc/redis/redis.conf\" = [\"weak-password\"]\n",
    )
    .expect("write");
    let o = sesslint(&["--format", "json", tmp.path().to_str().expect("utf-8")]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(err.contains("rule `session-locking-disabled` is now named `session-locking-unreliable` (SL107)"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let found: Vec<(String, String)> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|d| {
            (d["code"].as_str().unwrap_or_default().to_owned(), d["severity"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    assert!(found.iter().all(|(c, _)| c.starts_with("SL2") || c == "SL303"), "{found:?}");
    assert!(found.iter().any(|(c, s)| c == "SL201" && s == "error"), "{found:?}");
    assert!(!found.iter().any(|(c, _)| c == "SL204"), "per-path ignore by name: {found:?}");
    std::fs::write(tmp.path().join("sesslint.toml"), "ignore = [\"no-such-rule\"]\n").expect("write");
    let o = sesslint(&[tmp.path().to_str().expect("utf-8")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("sesslint.toml:1:11: unknown rule `no-such-rule`") && err.contains("SL303 "), "{err}");
    std::fs::remove_file(tmp.path().join("sesslint.toml")).expect("rm");

    // A suppression comment naming the rule.
    let redis = tmp.path().join("etc/redis/redis.conf");
    let text = std::fs::read_to_string(&redis).expect("read").replacen(
        "\nbind 0.0.0.0\n",
        "\n# sesslint: ignore[redis-exposed-without-tunnel] behind the storage VLAN\nbind 0.0.0.0\n",
        1,
    );
    std::fs::write(&redis, text).expect("write");
    let (found, _) = codes(tmp.path(), &[]);
    assert!(!found.iter().any(|c| c == "SL202" || c == "SL006"), "{found:?}");
}

/// A suppression comment naming no rule is SL006, said as naming no rule (not only as
/// suppressing nothing); one naming a rule by its old name suppresses it.
#[test]
fn a_suppression_naming_no_rule_is_said_so_and_an_old_name_still_suppresses() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ini = tmp.path().join("etc/php/8.2/fpm/php.ini");
    std::fs::create_dir_all(ini.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &ini,
        "[PHP]\nextension=igbinary\nextension=redis\n; sesslint: ignore[session-locking-disabled, no-such-rule]\nsession.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?timeout=1&read_timeout=1&auth=Xy7pQ2sLmN4vB8cRt6Yh3Jk9Wq1Ze5Ua\"\n",
    )
    .expect("write");
    let o = sesslint(&["--format", "concise", tmp.path().to_str().expect("utf-8")]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains("[SL107]"), "suppressed by its old name: {out}");
    let sl006: Vec<&str> = out.lines().filter(|l| l.contains("[SL006]")).collect();
    assert_eq!(sl006.len(), 1, "{out}");
    assert!(sl006[0].contains("`no-such-rule` names no rule"), "{out}");
}

/// A rule's old name is said on stderr where it is used, as `--select` says it: in a
/// suppression comment (which still suppresses the rule) with the comment's file and line,
/// in sesslint.toml with the key's or the value's line and column, once per use.
#[test]
fn an_old_rule_name_is_said_where_it_is_used() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_demo(tmp.path());
    let blog = tmp.path().join("etc/php/8.2/fpm/pool.d/blog.conf");
    let text = std::fs::read_to_string(&blog).expect("read").replacen(
        "\nphp_value[redis.session.locking_enabled] = 1\n",
        "\n; sesslint: ignore[session-locking-disabled]\nphp_value[redis.session.locking_enabled] = 1\n",
        1,
    );
    let line = text.lines().position(|l| l.contains("ignore[session-locking-disabled]")).expect("comment") + 1;
    std::fs::write(&blog, &text).expect("write");
    let dir = tmp.path().to_str().expect("utf-8");
    let o = sesslint(&["--format", "concise", dir]);
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(!out.lines().any(|l| l.contains("blog.conf") && l.contains("[SL107]")), "still suppressed: {out}");
    let want = format!(
        "sesslint: {}:{line}: rule `session-locking-disabled` is now named `session-locking-unreliable` (SL107)",
        blog.display()
    );
    assert_eq!(err.lines().filter(|l| l.contains("is now named")).collect::<Vec<_>>(), [want.as_str()], "{err}");

    std::fs::write(
        tmp.path().join("sesslint.toml"),
        "select = [\"SL1\", \"session-locking-disabled\"]\n[severity]\nsession-locking-disabled = \"error\"\n",
    )
    .expect("write");
    let o = sesslint(&["--format", "concise", dir]);
    let err = String::from_utf8_lossy(&o.stderr);
    let toml = tmp.path().join("sesslint.toml").display().to_string();
    let said: Vec<&str> = err.lines().filter(|l| l.contains("is now named") && l.contains("sesslint.toml")).collect();
    assert_eq!(
        said,
        [
            format!("sesslint: {toml}:1:18: rule `session-locking-disabled` is now named `session-locking-unreliable` (SL107)"),
            format!("sesslint: {toml}:3:1: rule `session-locking-disabled` is now named `session-locking-unreliable` (SL107)"),
        ],
        "{err}"
    );
}

/// `[severity]` sets one rule's severity: a prefix or `ALL` there is refused with a message
/// that says so (not "unknown rule ... a rule is ... a code prefix"), located at the key.
#[test]
fn a_severity_key_names_one_rule_and_is_refused_at_the_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_demo(tmp.path());
    let toml = tmp.path().join("sesslint.toml");
    for (key, said) in [
        ("SL1", "`SL1` names several rules"),
        ("ALL", "`ALL` names several rules"),
        ("SL1070", "unknown rule `SL1070`"),
    ] {
        std::fs::write(&toml, format!("[severity]\n{key} = \"error\"\n")).expect("write");
        let o = sesslint(&[tmp.path().to_str().expect("utf-8")]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        let want =
            format!("{}:2:1: {said}: a `[severity]` key is one rule, its code (SL201) or its name", toml.display());
        assert!(err.contains(&want), "want {want}: {err}");
        assert!(!err.contains("prefix"), "{err}");
    }
}

/// An empty rule word (`--ignore SL305,`, `--ignore ""`, an unset `$VAR`, `ignore = [""]`)
/// or a prefix shorter than `SL` and a digit (`S`, `SL`) would be a prefix of every code:
/// refused as an unknown rule (exit 2), never taken as `ALL`; in a suppression comment it
/// is SL006 and silences nothing.
#[test]
fn an_empty_or_too_short_rule_selects_nothing_and_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_demo(tmp.path());
    let dir = tmp.path().to_str().expect("utf-8");
    let (all, _) = codes(tmp.path(), &[]);
    assert!(all.len() > 2, "{all:?}");
    for words in [
        &["--ignore", "SL305,"][..],
        &["--ignore", ""],
        &["--ignore", "S"],
        &["--ignore", "sl"],
        &["--select", ""],
        &["--select", "SL,SL2"],
    ] {
        let mut args = words.to_vec();
        args.push(dir);
        let o = sesslint(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{words:?}: {err}");
        assert!(err.contains("unknown rule `") && err.contains("SL201 redis-missing-auth"), "{words:?}: {err}");
        assert!(o.stdout.is_empty(), "{words:?}");
    }
    for list in ["[\"SL305\", \"\"]", "[\"SL\"]"] {
        std::fs::write(tmp.path().join("sesslint.toml"), format!("ignore = {list}\n")).expect("write");
        let o = sesslint(&[dir]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{list}: {err}");
        assert!(err.contains("sesslint.toml:1:") && err.contains("unknown rule `"), "{list}: {err}");
    }
    std::fs::remove_file(tmp.path().join("sesslint.toml")).expect("rm");
    // Suppression comments: `S` and an empty word silence nothing and are said to name no rule.
    let redis = tmp.path().join("etc/redis/redis.conf");
    let orig = std::fs::read_to_string(&redis).expect("read");
    assert!(all.iter().any(|c| c == "SL202"), "{all:?}");
    for comment in ["ignore[S]", "ignore[sl]", "ignore[,]"] {
        let text = orig.replacen("\nbind 0.0.0.0\n", &format!("\n# sesslint: {comment}\nbind 0.0.0.0\n"), 1);
        assert_ne!(text, orig);
        std::fs::write(&redis, text).expect("write");
        let (found, _) = codes(tmp.path(), &[]);
        assert!(found.iter().any(|c| c == "SL202") && found.iter().any(|c| c == "SL006"), "{comment}: {found:?}");
        assert!(!found.iter().any(|c| c == "SL005"), "{comment}: {found:?}");
    }
    let text = orig.replacen("\nbind 0.0.0.0\n", "\n# sesslint: ignore[SL202,]\nbind 0.0.0.0\n", 1);
    std::fs::write(&redis, text).expect("write");
    let o = sesslint(&["--format", "concise", dir]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains("[SL202]"), "{out}");
    assert!(
        out.lines().any(|l| l.contains("[SL006]") && l.contains("an empty code (a stray comma) names no rule")),
        "{out}"
    );
}

/// A pool that suppresses SL101 inline on the line its save handler is set.
fn pool_with_suppression(dir: &Path, value_line: &str) {
    let fpm = dir.join("etc/php/8.2/fpm");
    std::fs::create_dir_all(fpm.join("pool.d")).expect("mkdir");
    std::fs::write(fpm.join("php.ini"), "[PHP]\n[Session]\nsession.save_handler = files\n").expect("write");
    let pool = format!(
        "[a]\nuser = u\nlisten = /run/a.sock\npm = static\npm.max_children = 5\n; sesslint: ignore[SL101]\n{value_line}\n"
    );
    std::fs::write(fpm.join("pool.d/www.conf"), pool).expect("write");
}

/// A suppression naming a rule the run leaves out (by `--select`, `--ignore`, a prefix, the
/// config's `ignore` or `per-path-ignores`) is not judged: it may be what the run applying
/// that rule needs. SL006 only when the rule ran and found nothing there.
#[test]
fn a_suppression_of_a_rule_the_run_leaves_out_is_not_unused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    pool_with_suppression(tmp.path(), "php_admin_value[session.save_handler] = files");
    let toml = tmp.path().join("sesslint.toml");
    let (found, code) = codes(tmp.path(), &[]);
    assert!(!found.iter().any(|c| c == "SL101" || c == "SL006"), "the suppression is used: {found:?}");
    assert_eq!(code, Some(0));
    for args in [&["--ignore", "SL101"][..], &["--ignore", "SL1"], &["--select", "SL2"], &["--select", "SL2,SL006"]] {
        let (found, code) = codes(tmp.path(), args);
        assert!(!found.iter().any(|c| c == "SL006"), "{args:?}: {found:?}");
        assert_eq!(code, Some(0), "{args:?}: {found:?}");
    }
    for text in ["ignore = [\"SL101\"]\n", "[per-path-ignores]\n\"etc/php/**\" = [\"SL101\"]\n"] {
        std::fs::write(&toml, text).expect("write");
        let (found, code) = codes(tmp.path(), &[]);
        assert!(!found.iter().any(|c| c == "SL006"), "{text}: {found:?}");
        assert_eq!(code, Some(0), "{text}: {found:?}");
    }
    std::fs::remove_file(&toml).expect("rm");

    // The rule ran and found nothing on that line: the suppression is stale.
    pool_with_suppression(tmp.path(), "php_admin_value[session.name] = X");
    let (found, code) = codes(tmp.path(), &[]);
    assert!(found.iter().any(|c| c == "SL006"), "{found:?}");
    assert_eq!(code, Some(1));
    // Still so when another rule is left out, or SL101 is left out of another file only.
    let (found, _) = codes(tmp.path(), &["--ignore", "SL202"]);
    assert!(found.iter().any(|c| c == "SL006"), "{found:?}");
    std::fs::write(&toml, "[per-path-ignores]\n\"etc/redis/**\" = [\"SL101\"]\n").expect("write");
    assert!(codes(tmp.path(), &[]).0.iter().any(|c| c == "SL006"));
    // SL006 itself follows per-path-ignores and severity like every rule.
    std::fs::write(&toml, "[per-path-ignores]\n\"etc/php/**\" = [\"SL006\"]\n").expect("write");
    assert!(!codes(tmp.path(), &[]).0.iter().any(|c| c == "SL006"));
    std::fs::write(&toml, "[severity]\nSL006 = \"error\"\n").expect("write");
    let o = sesslint(&["--format", "json", tmp.path().to_str().expect("utf-8")]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let list = json.as_array().expect("array");
    assert!(list.iter().any(|d| d["code"] == "SL006" && d["severity"] == "error"), "{list:?}");
}

/// A checked repository's own `sesslint.toml` may turn every rule off, lower SL001's
/// severity or ignore SL002 for a path: the run then passes as configured, but never
/// without a word that it passes over lines PHP refuses or files sesslint did not read.
/// PHP itself says what it refuses in the broken php.ini here (its warning names the line).
#[test]
fn a_config_that_silences_refusals_says_so_on_stderr() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let conf_d = tmp.path().join("etc/php/8.2/cli/conf.d");
    std::fs::create_dir_all(&conf_d).expect("mkdir");
    let broken = conf_d.join("30-sessions.ini");
    std::fs::write(&broken, "session.save_handler = files\nsession.save_path = tcp://r:6379?a=b\n").expect("write");
    if let Some(php) = common::oracle("php") {
        let out = std::process::Command::new(php)
            .args(["-n", "-c"])
            .arg(&broken)
            .args(["-r", "echo ini_get('session.save_path');"])
            .output()
            .expect("php");
        let said = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("syntax error"), "PHP refuses the line: {said}");
    }
    let dir = tmp.path().to_str().expect("utf-8");
    let run = |config: Option<&str>, extra: &[&str]| {
        match config {
            Some(text) => std::fs::write(tmp.path().join("sesslint.toml"), text).expect("write"),
            None => {
                let _ = std::fs::remove_file(tmp.path().join("sesslint.toml"));
            }
        }
        let mut args = vec!["--format", "concise"];
        args.extend_from_slice(extra);
        args.push(dir);
        let o = sesslint(&args);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let (code, stderr, stdout) = run(None, &[]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("[SL001]"), "{stdout}");
    assert!(!stderr.contains("keeps"), "{stderr}");
    // On the command line the user asked for it in this run: nothing more is said.
    let (code, stderr, _) = run(None, &["--ignore", "ALL"]);
    assert_eq!((code, stderr.contains("keeps")), (Some(0), false), "{stderr}");
    for config in [
        "ignore = [\"ALL\"]\n",
        "select = [\"SL2\"]\n",
        "[severity]\nSL001 = \"info\"\n",
        "fail-on = \"error\"\n[severity]\nSL001 = \"warning\"\n",
        "[per-path-ignores]\n\"etc/**\" = [\"SL0\"]\n",
    ] {
        let (code, stderr, stdout) = run(Some(config), &["--ignore", "SL1,SL3,SL4"]);
        assert_eq!(code, Some(0), "{config}: {stdout}");
        assert!(!stdout.contains("[SL001] error"), "{config}: {stdout}");
        assert!(
            stderr.contains("sesslint.toml keeps 1 finding from failing this run that fail it with the default settings (1 SL001 syntax-error)"),
            "{config}: {stderr}"
        );
    }
    // A config that leaves the refusal failing the run says nothing more.
    let (code, stderr, _) = run(Some("ignore = [\"SL101\"]\n[severity]\nSL001 = \"error\"\n"), &[]);
    assert_eq!((code, stderr.contains("keeps")), (Some(1), false), "{stderr}");
    // Fixing says it too: --diff (and --write-plan) and --fix, whose remaining findings pass.
    let note = "sesslint.toml keeps 1 finding from failing this run";
    for mode in ["--diff", "--fix"] {
        let (code, stderr, stdout) = run(Some("ignore = [\"SL0\", \"SL1\"]\n"), &[mode]);
        assert_eq!(code, Some(0), "{mode}: {stdout}{stderr}");
        assert!(stderr.contains(note), "{mode}: {stderr}");
    }
}
