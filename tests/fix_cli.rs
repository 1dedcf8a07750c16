//! `sesslint check --diff` / `--fix` / `--unsafe-fixes` / `restore` on copies of the rule
//! fixtures: the diff writes nothing, the fix writes what the diff showed, a second fix has
//! nothing to do, the real PHP reads the fixed value back, and restore brings the old tree.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let dest = to.join(entry.path().strip_prefix(from).expect("below"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

/// Every file below `dir` (but the restore manifest and backups) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    common::files_below(dir)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            !name.ends_with(".bak") && name != ".sesslint-restore.json"
        })
        .filter(|p| !p.strip_prefix(dir).is_ok_and(|r| r.starts_with(".sesslint")))
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read");
            (p, bytes)
        })
        .collect()
}

fn run(args: &[&str], dir: &Path) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    let d = dir.to_string_lossy().into_owned();
    all.push(&d);
    common::sesslint(&all)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `fixture` copied to a temporary tree: `--diff` (exit 1, nothing written, the password
/// masked), `--fix` (the diff's change written, a backup named), a second `--fix` and
/// `--diff` with nothing to do, then `restore` (the old tree). Returns the fixed tree's
/// directory (kept alive by the returned guard) and the changed files' new text.
fn diff_fix_fix_restore(
    fixture: &str,
    extra: &[&str],
    secret: Option<&str>,
) -> (tempfile::TempDir, Vec<(PathBuf, String)>) {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(&common::fixtures().join("rules").join(fixture), tmp.path());
    let dir = tmp.path();
    let before = snapshot(dir);

    let diff = run(&[&["check", "--diff"], extra].concat(), dir);
    assert_eq!(diff.status.code(), Some(1), "{fixture}: --diff exits 1 when it would change something");
    let shown = text(&diff.stdout);
    assert!(shown.contains("--- a/") && shown.contains("+++ b/") && shown.contains("\n@@ -"), "{fixture}: {shown}");
    assert!(!shown.contains('\x1b'), "no colour off a terminal");
    if let Some(pw) = secret {
        assert!(!shown.contains(pw), "{fixture}: the diff shows the password: {shown}");
        let revealed = run(&[&["check", "--diff", "--show-secrets"], extra].concat(), dir);
        assert!(text(&revealed.stdout).contains(pw), "{fixture}: --show-secrets shows it");
    }
    assert_eq!(snapshot(dir), before, "{fixture}: --diff wrote something");

    let fix = run(&[&["check", "--fix"], extra].concat(), dir);
    let said = text(&fix.stderr);
    let after = snapshot(dir);
    let changed: Vec<(PathBuf, String)> =
        after.iter().filter(|(p, b)| before.get(*p) != Some(*b)).map(|(p, b)| (p.clone(), text(b))).collect();
    assert!(!changed.is_empty(), "{fixture}: --fix changed nothing: {said}");
    for (path, new) in &changed {
        // Each changed file's backup is named in the output and holds the old bytes.
        // Below `.sesslint/backups/STAMP/` at the file's own path in the tree.
        let name = path.file_name().expect("name").to_string_lossy().into_owned();
        let rel = path.strip_prefix(dir).expect("below");
        let backup = common::files_below(&dir.join(".sesslint/backups"))
            .into_iter()
            .find(|p| p.ends_with(rel))
            .unwrap_or_else(|| panic!("{fixture}: no backup of {name}"));
        assert_eq!(std::fs::read(&backup).expect("backup"), before[path], "{fixture}: backup of {name}");
        let shown = backup.strip_prefix(dir).expect("below").to_string_lossy().into_owned();
        assert!(said.contains(&shown), "{fixture}: {shown} not in {said}");
        // What was written is what the diff showed: every added line is in the new file.
        for line in shown.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")) {
            if secret.is_none() {
                assert!(new.contains(&line[1..]), "{fixture}: `{line}` not in {}", path.display());
            }
        }
    }
    // The findings that remain are reported; the fixed ones are gone.
    assert!(said.contains("fixed ") && said.contains("sesslint restore"), "{fixture}: {said}");

    // Idempotent: nothing left to do.
    let again = run(&[&["check", "--fix"], extra].concat(), dir);
    let said_again = text(&again.stderr);
    assert!(
        said_again.contains("sesslint: no fixes to apply") && !said_again.contains("fixed 0"),
        "{fixture}: {said_again}"
    );
    assert_eq!(snapshot(dir), after, "{fixture}: a second --fix changed something");
    let diff = run(&[&["check", "--diff"], extra].concat(), dir);
    assert_eq!(diff.status.code(), Some(0), "{fixture}: --diff after --fix: {}", text(&diff.stdout));
    assert!(diff.stdout.is_empty());

    // restore puts the old bytes back, then the fixed tree is rebuilt for the caller.
    let restore = common::sesslint(&["restore", &dir.to_string_lossy()]);
    assert!(restore.status.success(), "{fixture}: {}", text(&restore.stderr));
    assert_eq!(snapshot(dir), before, "{fixture}: restore");
    let refix = run(&[&["check", "--fix", "--quiet"], extra].concat(), dir);
    assert!(refix.status.code().is_some());
    assert_eq!(snapshot(dir), after, "{fixture}: fixing again after restore");
    (tmp, changed)
}

/// What PHP reads as `session.save_path` with `dir`'s fpm php.ini and conf.d.
fn php_save_path(php: &Path, dir: &Path) -> String {
    let fpm = dir.join("etc/php/8.2/fpm");
    let out = std::process::Command::new(php)
        .arg("-c")
        .arg(fpm.join("php.ini"))
        .env("PHP_INI_SCAN_DIR", fpm.join("conf.d"))
        .args(["-r", "var_dump(ini_get('session.save_path'));"])
        .output()
        .expect("php");
    text(&out.stdout)
}

#[test]
fn unquoted_save_path_in_php_ini_is_quoted_and_php_reads_the_whole_value() {
    let (tmp, changed) = diff_fix_fix_restore("SL105/trigger-semicolon-truncates", &[], None);
    assert_eq!(changed.len(), 1);
    assert!(changed[0].1.contains("session.save_path = \"2;/var/lib/php/sessions\"\n"), "{}", changed[0].1);
    let Some(php) = common::oracle("php") else { return };
    // Before the fix PHP stopped at `;`: the fixed file gives the whole path.
    assert_eq!(php_save_path(&php, tmp.path()), "string(23) \"2;/var/lib/php/sessions\"\n");
}

#[test]
fn unquoted_save_path_with_a_password_is_quoted_and_the_diff_masks_it() {
    let pw = "not-a-real-password";
    let (tmp, changed) = diff_fix_fix_restore("SL001/trigger-unquoted-save-path", &[], Some(pw));
    assert_eq!(changed.len(), 1);
    let Some(php) = common::oracle("php") else { return };
    let want = format!("tcp://127.0.0.1:6379?auth={pw}&database=2");
    assert_eq!(php_save_path(&php, tmp.path()), format!("string({}) \"{want}\"\n", want.len()));
}

#[test]
fn a_pool_value_is_quoted_where_it_stands_and_its_comment_stays_a_comment() {
    let (_tmp, changed) = diff_fix_fix_restore("SL105/trigger-semicolon-in-pool", &[], None);
    let (path, new) = &changed[0];
    assert!(
        new.ends_with("php_admin_value[session.save_path] = \"unix:///run/redis/redis-server.sock;x\" ; the socket\n")
    );
    let Some(php) = common::oracle("php") else { return };
    // php-fpm reads pool files with PHP's ini parser (fpm_conf.c, zend_parse_ini_file).
    let out = std::process::Command::new(&php)
        .args(["-n", "-r", "var_dump(parse_ini_file($argv[1], true)['www']['php_admin_value']['session.save_path']);"])
        .arg(path)
        .output()
        .expect("php");
    assert_eq!(text(&out.stdout), "string(37) \"unix:///run/redis/redis-server.sock;x\"\n");
}

#[test]
fn magento_retries_are_set_and_php_includes_the_fixed_env_php() {
    let (_tmp, changed) = diff_fix_fix_restore("SL305/trigger-zero-retries", &[], None);
    let (path, _) = &changed[0];
    let Some(php) = common::oracle("php") else { return };
    let lint = std::process::Command::new(&php).args(["-n", "-l"]).arg(path).output().expect("php -l");
    assert!(lint.status.success(), "{}", text(&lint.stdout));
    let out = std::process::Command::new(&php)
        .args([
            "-n",
            "-r",
            "$c = include $argv[1]; echo $c['session']['redis']['retries'], ' ', $c['cache']['frontend']['default']['backend_options']['connect_retries'];",
        ])
        .arg(path)
        .output()
        .expect("php");
    assert_eq!(text(&out.stdout), "2 2");
}

#[test]
fn unsafe_fixes_only_when_asked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(&common::fixtures().join("rules/SL302/trigger-typo"), tmp.path());
    let before = snapshot(tmp.path());
    // The key renames change what Magento reads: unsafe, so --diff and --fix leave them.
    let diff = run(&["check", "--diff"], tmp.path());
    assert_eq!(diff.status.code(), Some(0), "{}", text(&diff.stdout));
    run(&["check", "--fix"], tmp.path());
    assert_eq!(snapshot(tmp.path()), before);
    let diff = run(&["check", "--diff", "--unsafe-fixes"], tmp.path());
    assert_eq!(diff.status.code(), Some(1));
    let (_t, changed) = diff_fix_fix_restore("SL302/trigger-typo", &["--unsafe-fixes"], None);
    assert!(changed[0].1.contains("'database' => '2'") && changed[0].1.contains("'max_concurrency' => '20'"));
    // Alone, --unsafe-fixes is a usage error.
    assert_eq!(run(&["check", "--unsafe-fixes"], tmp.path()).status.code(), Some(2));
}

#[test]
fn after_fixing_the_findings_that_remain_are_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(&common::fixtures().join("rules/SL001/trigger-unquoted-save-path"), tmp.path());
    let codes = |out: &Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        v.as_array().expect("array").iter().map(|d| d["code"].as_str().unwrap_or("").to_owned()).collect()
    };
    let before = codes(&run(&["check", "--format", "json"], tmp.path()));
    let fixed = run(&["check", "--fix", "--format", "json"], tmp.path());
    let after = codes(&fixed);
    assert!(before.contains(&"SL001".to_owned()) && !after.contains(&"SL001".to_owned()), "{before:?} {after:?}");
    assert_eq!(after, codes(&run(&["check", "--format", "json"], tmp.path())), "the report is the fixed tree's");
    assert!(!after.is_empty() && fixed.status.code() == Some(1), "other findings remain and fail the run");
}

#[test]
fn a_plan_saved_by_check_is_applied_later_and_refused_when_a_file_changed() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("tree");
    copy_tree(&common::fixtures().join("rules/SL001/trigger-unquoted-save-path"), &tree);
    let before = snapshot(&tree);
    let plan = tmp.path().join("fixes.plan.json");
    let plan_arg = plan.to_string_lossy().into_owned();
    let saved = run(&["check", "--write-plan", &plan_arg], &tree);
    assert_eq!(saved.status.code(), Some(0), "{}", text(&saved.stderr));
    assert!(text(&saved.stdout).contains("+session.save_path = \"tcp://"), "the diff is printed");
    assert_eq!(snapshot(&tree), before, "--write-plan writes only the plan");
    assert_eq!(std::fs::metadata(&plan).expect("plan").permissions().mode() & 0o777, 0o600);

    // A file of the plan edited meanwhile: refused whole, nothing written.
    let ini = tree.join("etc/php/8.2/fpm/conf.d/30-sessions.ini");
    let original = std::fs::read(&ini).expect("read");
    std::fs::write(&ini, [original.as_slice(), b"; edited\n"].concat()).expect("write");
    let edited = snapshot(&tree);
    let refused = run(&["check", "--apply-plan", &plan_arg], &tree);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("changed since the plan was made"), "{}", text(&refused.stderr));
    assert_eq!(snapshot(&tree), edited);

    std::fs::write(&ini, &original).expect("write");
    // Applied to another tree than the one the plan was made for: refused.
    let other = tempfile::tempdir().expect("tempdir");
    let elsewhere = run(&["check", "--apply-plan", &plan_arg], other.path());
    assert_eq!(elsewhere.status.code(), Some(2));
    assert!(text(&elsewhere.stderr).contains("outside the checked paths"), "{}", text(&elsewhere.stderr));
    assert_eq!(snapshot(&tree), before);
    let applied = run(&["check", "--apply-plan", &plan_arg, "--format", "json"], &tree);
    assert!(text(&applied.stderr).contains("wrote "), "{}", text(&applied.stderr));
    let findings: serde_json::Value = serde_json::from_slice(&applied.stdout).expect("json");
    assert!(findings.as_array().expect("array").iter().all(|d| d["code"] != "SL001"), "{findings}");
    assert!(text(&std::fs::read(&ini).expect("read")).contains("session.save_path = \"tcp://"));
    assert!(common::sesslint(&["restore", &tree.to_string_lossy()]).status.success());
    assert_eq!(snapshot(&tree), before);
}

#[test]
fn the_diff_is_coloured_on_a_terminal_only() {
    let Some(script) = common::oracle("script") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(&common::fixtures().join("rules/SL105/trigger-semicolon-truncates"), tmp.path());
    // script(1) gives sesslint a terminal for its standard output.
    let cmd = format!("{} check --diff {}", env!("CARGO_BIN_EXE_sesslint"), tmp.path().display());
    let out = std::process::Command::new(script)
        .args(["-qec", &cmd, "/dev/null"])
        .env_remove("NO_COLOR")
        .output()
        .expect("script");
    let shown = text(&out.stdout);
    assert!(shown.contains("\x1b[31m-session.save_path") && shown.contains("\x1b[32m+session.save_path"), "{shown:?}");
    let piped = run(&["check", "--diff"], tmp.path());
    assert!(!text(&piped.stdout).contains('\x1b'));
}

#[test]
fn a_fix_that_only_appears_after_another_is_found_in_a_second_round_in_memory() {
    // `'retires'` is a typo of `retries` (SL302, unsafe: a rename); only once renamed does
    // SL305 see `retries` at 0 and offer `'2'`. Two rounds, no file written in between.
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(&common::fixtures().join("rules/SL305/trigger-zero-retries"), tmp.path());
    let env = tmp.path().join("var/www/shop/app/etc/env.php");
    let original = std::fs::read_to_string(&env).expect("read").replace("'retries' => '0'", "'retires' => '0'");
    std::fs::write(&env, &original).expect("write");
    let before = snapshot(tmp.path());
    let config = sesslint::config::Config::default();
    let overlay = sesslint::model::Overlay::new();
    let req = sesslint::check::Request {
        paths: vec![tmp.path().to_path_buf()],
        config: &config,
        overlay: &overlay,
        budget: Default::default(),
    };
    let outcome = sesslint::edit::fix::fix(&req, sesslint::edit::FixOptions { unsafe_fixes: true }).expect("fix");
    assert_eq!(snapshot(tmp.path()), before, "rounds run in memory");
    assert_eq!(outcome.rounds, 2);
    assert!(outcome.converged);
    let codes: Vec<String> = outcome.fixed.iter().map(|(c, n)| format!("{c}x{n}")).collect();
    assert_eq!(codes, ["SL302x1", "SL305x2"]);
    assert!(outcome.after.diagnostics.iter().all(|d| d.code.as_str() != "SL305" && d.code.as_str() != "SL302"));
    // The file's change, from the original bytes, is what the second round ends with.
    let change = &outcome.changes.files[0];
    let fixed = String::from_utf8(change.apply_to(Some(original.as_bytes())).expect("apply")).expect("utf-8");
    assert!(fixed.contains("'retries' => '2'") && fixed.contains("'connect_retries' => '2'"), "{fixed}");
    assert_eq!(fixed.len(), original.len(), "only the key and the two values changed");

    // Through the CLI, and read back by PHP.
    run(&["check", "--fix", "--unsafe-fixes"], tmp.path());
    assert_eq!(std::fs::read_to_string(&env).expect("read"), fixed);
    let Some(php) = common::oracle("php") else { return };
    let out = std::process::Command::new(&php)
        .args(["-n", "-r", "$c = include $argv[1]; var_export($c['session']['redis']['retries'] ?? null);"])
        .arg(&env)
        .output()
        .expect("php");
    assert_eq!(text(&out.stdout), "'2'");
}

/// Without `--unsafe-fixes`, `--diff` and `--fix` on the demo tree (which offers unsafe
/// fixes only) say how many unsafe fixes were left and which flag applies them, not a bare
/// "no fixes to apply"; with the flag, nothing is said about them.
#[test]
fn unsafe_fixes_left_out_are_counted_with_the_flag() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(&common::fixtures().join("demo"), tmp.path());
    let before = snapshot(tmp.path());
    let o = run(&["check", "--diff"], tmp.path());
    let err = text(&o.stderr);
    let line = err.lines().find(|l| l.contains("unsafe fix(es) not applied")).unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains("--unsafe-fixes"), "{err}");
    let n: usize = line
        .split("; ")
        .find_map(|p| p.strip_suffix(" unsafe fix(es) not applied (review them, then add --unsafe-fixes)"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(n > 0, "{err}");
    assert_eq!(snapshot(tmp.path()), before, "--diff wrote something");
    let o = run(&["check", "--diff", "--unsafe-fixes"], tmp.path());
    assert!(!text(&o.stderr).contains("not applied"), "{}", text(&o.stderr));
}

/// `fixtures/rules/SL001/trigger-unquoted-save-path` with its fpm `conf.d` moved to
/// `shared/conf.d` beside the tree and a symlink in its place; returns the directory that
/// holds `etc` and `shared`.
fn tree_with_linked_conf_d() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(&common::fixtures().join("rules/SL001/trigger-unquoted-save-path"), tmp.path());
    let fpm = tmp.path().join("etc/php/8.2/fpm");
    std::fs::create_dir_all(tmp.path().join("shared")).expect("mkdir");
    std::fs::rename(fpm.join("conf.d"), tmp.path().join("shared/conf.d")).expect("mv");
    std::os::unix::fs::symlink("../../../../shared/conf.d", fpm.join("conf.d")).expect("ln");
    tmp
}

/// README "Exit codes" for `--diff` and `--fix` on a tree `check` cannot read whole (its
/// conf.d links outside `etc`, checked as its own root: SL002, exit 1): `--diff` exits 1 too and names
/// the file it could not cover on stderr, its stdout an empty patch; with SL002 ignored it
/// exits 0. `--fix` says "no fixes to apply" (never "fixed 0 finding(s)") and exits as
/// `check` does.
#[test]
fn diff_and_fix_on_a_tree_not_all_read_exit_as_check() {
    let tmp = tree_with_linked_conf_d();
    let etc = tmp.path().join("etc");
    // `etc` as its own root (named alone, `etc` would be checked in its tree, `shared/` in it).
    let root = etc.display().to_string();
    let check = run(&["check", "--root", &root, "--format", "concise"], &etc);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stdout));
    assert!(text(&check.stdout).contains("warning[SL002]"), "{}", text(&check.stdout));

    let diff = run(&["check", "--root", &root, "--diff"], &etc);
    let err = text(&diff.stderr);
    assert_eq!(diff.status.code(), Some(1), "--diff passes a tree it could not read: {err}");
    assert!(diff.stdout.is_empty(), "{}", text(&diff.stdout));
    assert!(err.contains("no fixes to apply"), "{err}");
    let left =
        err.lines().find(|l| l.starts_with("sesslint: left out of the diff: ")).unwrap_or_else(|| panic!("{err}"));
    // Below the root `etc`, the link's `../../../../shared` stops at the root: nothing there.
    assert!(left.contains("conf.d:1:1: warning[SL002]") && left.contains("a symlink to nothing in the tree"), "{err}");

    let ignored = run(&["check", "--root", &root, "--diff", "--ignore", "SL002"], &etc);
    assert_eq!(ignored.status.code(), Some(0), "{}", text(&ignored.stderr));
    assert!(!text(&ignored.stderr).contains("left out"), "{}", text(&ignored.stderr));

    let fix = run(&["check", "--root", &root, "--fix", "--format", "concise"], &etc);
    let err = text(&fix.stderr);
    assert_eq!(fix.status.code(), Some(1), "{err}");
    assert!(err.contains("sesslint: no fixes to apply") && !err.contains("fixed 0"), "{err}");
    assert!(text(&fix.stdout).contains("warning[SL002]"), "{}", text(&fix.stdout));
    assert!(!etc.join(".sesslint").exists(), "nothing to apply, nothing written");
}

/// `--fix` through a symlinked directory below the checked tree writes the file the link
/// leads to and keeps the link; its `wrote` line names that file, and the backup is at that
/// same path below `.sesslint/backups/STAMP/` (README "Fixing"); `restore` names it the same
/// way, with the `sesslint: ` prefix of every other message, and brings the old bytes back.
#[test]
fn a_fix_through_a_symlinked_directory_names_the_file_replaced_as_its_backup_does() {
    let tmp = tree_with_linked_conf_d();
    let dir = tmp.path();
    let shared = dir.join("shared/conf.d/30-sessions.ini");
    let before = std::fs::read(&shared).expect("read");
    let fix = common::sesslint_cmd(&["check", "--fix", "."]).current_dir(dir).output().expect("run");
    let said = text(&fix.stderr);
    assert_ne!(std::fs::read(&shared).expect("read"), before, "{said}");
    assert!(std::fs::symlink_metadata(dir.join("etc/php/8.2/fpm/conf.d")).expect("lstat").file_type().is_symlink());
    let wrote = said.lines().find(|l| l.starts_with("sesslint: wrote ")).unwrap_or_else(|| panic!("{said}"));
    let backups = common::files_below(&dir.join(".sesslint/backups"));
    assert_eq!(backups.len(), 1, "{backups:?}");
    let backup = backups[0].strip_prefix(dir).expect("below").to_string_lossy().into_owned();
    assert!(backup.ends_with("/shared/conf.d/30-sessions.ini"), "{backup}");
    assert_eq!(
        wrote,
        format!(
            "sesslint: wrote etc/php/8.2/fpm/conf.d/30-sessions.ini (through a symlink: shared/conf.d/30-sessions.ini was replaced), backup {backup}"
        ),
        "{said}"
    );
    let restore = common::sesslint_cmd(&["restore", "."]).current_dir(dir).output().expect("run");
    assert!(restore.status.success(), "{}", text(&restore.stderr));
    assert_eq!(text(&restore.stdout), format!("sesslint: restored shared/conf.d/30-sessions.ini from {backup}\n"));
    assert_eq!(std::fs::read(&shared).expect("read"), before);
}

/// The demo tree copied with its Debian `conf.d` links (each a link into `mods-available`),
/// in a git work tree, `mods-available/redis.ini` given an unquoted save path (SL001 under
/// each of its three names).
fn demo_with_unquoted_linked_ini() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    common::copy_tree(&common::fixtures().join("demo"), tmp.path());
    let git = std::process::Command::new("git").args(["init", "-q"]).current_dir(tmp.path()).output().expect("git");
    assert!(git.status.success());
    let ini = tmp.path().join("etc/php/8.2/mods-available/redis.ini");
    let mut text = std::fs::read(&ini).expect("read");
    text.extend_from_slice(b"session.save_path = tcp://127.0.0.1:6379?auth=pw&database=9\n");
    std::fs::write(&ini, text).expect("write");
    tmp
}

/// README "`--fix` exits as `check` does on the findings that remain", on Debian's layout:
/// the fix of a file reached through `conf.d` links is written once, to the target, and the
/// findings that remain are those a plain `check` of the fixed tree makes: none of them the
/// SL001 just fixed, under any of the file's names (the re-check used to replace the text
/// under the link names only, keeping `mods-available/redis.ini`'s old text).
#[test]
fn a_fix_through_debian_conf_d_links_leaves_no_finding_it_fixed() {
    let tmp = demo_with_unquoted_linked_ini();
    let dir = tmp.path();
    let ini = dir.join("etc/php/8.2/mods-available/redis.ini");
    let sl001 = common::sesslint_cmd(&["check", "--select", "SL001", "--format", "concise", "."])
        .current_dir(dir)
        .output()
        .expect("run");
    let found = text(&sl001.stdout);
    for name in ["cli/conf.d/20-redis.ini", "fpm/conf.d/20-redis.ini", "mods-available/redis.ini"] {
        assert!(found.contains(&format!("etc/php/8.2/{name}:2:")), "{name}: {found}");
    }
    let fix =
        common::sesslint_cmd(&["check", "--fix", "--format", "concise", "."]).current_dir(dir).output().expect("run");
    let (left, said) = (text(&fix.stdout), text(&fix.stderr));
    assert!(!left.contains("SL001"), "{left}{said}");
    assert_eq!(said.lines().filter(|l| l.starts_with("sesslint: wrote ")).count(), 1, "{said}");
    assert_eq!(
        text(&std::fs::read(&ini).expect("read")),
        "extension=redis.so\nsession.save_path = \"tcp://127.0.0.1:6379?auth=pw&database=9\"\n"
    );
    for sapi in ["cli", "fpm"] {
        let link = dir.join(format!("etc/php/8.2/{sapi}/conf.d/20-redis.ini"));
        assert!(std::fs::symlink_metadata(&link).expect("lstat").file_type().is_symlink(), "{sapi}");
    }
    let after = common::sesslint_cmd(&["check", "--format", "concise", "."]).current_dir(dir).output().expect("run");
    assert_eq!(left, text(&after.stdout), "--fix's remaining findings are not check's");
    assert_eq!(fix.status.code(), after.status.code(), "{said}");
    let again =
        common::sesslint_cmd(&["check", "--fix", "--select", "SL001", "."]).current_dir(dir).output().expect("run");
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
}
