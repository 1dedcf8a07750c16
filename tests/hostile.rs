//! Given a repository written by an attacker (a pull request in CI, a folder an editor
//! opens), sesslint reads nothing outside it, prints none of its own environment, no
//! password and no control character, bounds its work, and keeps its language server up.
//!
//! `SESSLINT_UNDER_TEST=/path/to/sesslint` runs these against another build (to see them
//! fail on one without the protections).

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A value that must never appear in any output: set in sesslint's environment.
const CANARY: &str = "ghp_c4nary7oken0fTheCIjob";

const FORMATS: &[&str] = &["human", "concise", "json", "sarif", "github", "junit"];

fn bin() -> PathBuf {
    std::env::var_os("SESSLINT_UNDER_TEST").map(PathBuf::from).unwrap_or_else(|| env!("CARGO_BIN_EXE_sesslint").into())
}

fn sesslint_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("CI_SECRET_TOKEN", CANARY)
        .env("SESSLINT_CANARY", CANARY)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("run sesslint")
}

fn all_output(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn write(path: &Path, text: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Every check format over `dir` (as `.`), plus show and show --format json.
fn every_output(dir: &Path, extra: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in FORMATS {
        let mut args = vec!["check", "--format", f];
        args.extend_from_slice(extra);
        args.push(".");
        out.push((format!("check --format {f}"), all_output(&sesslint_in(dir, &args))));
    }
    out.push(("show".into(), all_output(&sesslint_in(dir, &["show", "."]))));
    out.push(("show --format json".into(), all_output(&sesslint_in(dir, &["show", "--format", "json", "."]))));
    out
}

/// Assert that no output of [`every_output`] shows any of `needles`.
fn shown_nowhere(dir: &Path, needles: &[&str]) {
    for (what, text) in every_output(dir, &[]) {
        for needle in needles {
            assert!(!text.contains(needle), "{what} shows {needle}:\n{text}");
        }
    }
}

#[test]
fn an_include_out_of_the_tree_is_refused_and_its_content_never_shown() {
    let outer = tempfile::tempdir().expect("tmp");
    let repo = outer.path().join("repo");
    // A file beside the checked tree, with text that would show in a code frame.
    write(&outer.path().join("private/secret.conf"), "leaked-directive-xyzzy value\n");
    write(
        &repo.join("etc/redis/redis.conf"),
        "port 6379\ninclude ../../../private/secret.conf\ninclude ../../../../../../../../../../proc/self/environ\n",
    );
    shown_nowhere(&repo, &["leaked-directive-xyzzy", CANARY]);
    let human = all_output(&sesslint_in(&repo, &["check", "--format", "concise", "."]));
    assert!(human.contains("outside the checked tree"), "{human}");
    assert!(human.contains("never configuration"), "{human}");
}

#[test]
fn with_the_root_at_slash_proc_is_still_never_read() {
    let repo = tempfile::tempdir().expect("tmp");
    // No etc/ at the top: the root is `/`, where real files may be read, but never /proc.
    write(&repo.path().join("redis.conf"), "port 6379\ninclude /proc/self/environ\n");
    // `dir` moves where relative includes resolve: into /proc, still never read.
    write(&repo.path().join("redis-dir.conf"), "port 6380\ndir /proc/self\ninclude environ\n");
    shown_nowhere(repo.path(), &[CANARY]);
    let out = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
    assert!(out.contains("SL004") && out.contains("/proc/"), "{out}");
}

#[test]
fn a_checkout_without_etc_reads_nothing_of_the_machine_beyond_it() {
    // The root is `/` (no etc/ at the top), but a git work tree is not the machine.
    let outer = tempfile::tempdir().expect("tmp");
    let secret = outer.path().join("runner/.ssh/id_rsa");
    write(&secret, "leaked-key-line-xyzzy AAAA\n");
    let repo = outer.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    write(&repo.join("redis/redis.conf"), format!("port 6379\ninclude {}\n", secret.display()));
    shown_nowhere(&repo, &["leaked-key-line-xyzzy"]);
    let out = all_output(&sesslint_in(&repo, &["check", "--format", "concise", "."]));
    assert!(out.contains("outside the checked tree"), "{out}");
    // The way to have it read: a wider directory or a copied tree's --root.
    assert!(out.contains("SL004") && out.contains("--root DIR"), "{out}");
}

#[test]
fn a_symlink_out_of_the_tree_is_reported_not_followed() {
    let outer = tempfile::tempdir().expect("tmp");
    let repo = outer.path().join("repo");
    write(&outer.path().join("private/redis.conf"), "leaked-directive-xyzzy value\n");
    write(&repo.join("etc/redis/redis.conf"), "port 6379\n");
    std::os::unix::fs::symlink(outer.path().join("private/redis.conf"), repo.join("etc/redis/redis-evil.conf"))
        .expect("symlink");
    std::os::unix::fs::symlink(outer.path().join("private"), repo.join("etc/valkey")).expect("symlink dir");
    let out = all_output(&sesslint_in(&repo, &["check", "--format", "concise", "."]));
    assert!(!out.contains("leaked-directive-xyzzy"), "{out}");
    assert!(out.contains("etc/redis/redis-evil.conf: a symlink to nothing below the root"), "{out}");
    // In the tree (its top holds etc/) the absolute target is nothing, whatever this machine has.
    assert!(out.contains("etc/valkey: a symlink to nothing in the tree"), "the symlinked directory is named: {out}");
}

#[test]
fn the_environment_is_never_substituted_into_fpm_includes() {
    let repo = tempfile::tempdir().expect("tmp");
    write(
        &repo.path().join("etc/php/8.2/fpm/php-fpm.conf"),
        "[global]\ninclude=/nonexistent/${CI_SECRET_TOKEN}.conf\n",
    );
    shown_nowhere(repo.path(), &[CANARY]);
    let out = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
    assert!(out.contains("FPM master's environment") && out.contains("${CI_SECRET_TOKEN}"), "{out}");
}

#[test]
fn the_environment_is_never_substituted_into_php_ini_values() {
    let repo = tempfile::tempdir().expect("tmp");
    let ini = repo.path().join("etc/php/8.2/cli/php.ini");
    write(&ini, "session.save_handler = redis\nsession.save_path = \"${SESSLINT_CANARY}\"\n");
    shown_nowhere(repo.path(), &[CANARY]);
    let show = all_output(&sesslint_in(repo.path(), &["show", "."]));
    assert!(show.contains("depends on PHP's environment") && show.contains("${SESSLINT_CANARY}"), "{show}");
    let parse = sesslint_in(repo.path(), &["parse", "--format", "json", ini.to_str().expect("utf-8")]);
    let text = all_output(&parse);
    assert!(!text.contains(CANARY), "{text}");
    assert!(text.contains("depends on PHP's environment"), "{text}");
    // Unknown is not empty: a password from the environment is still a password sent.
    write(&ini, "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?auth=${SESSLINT_CANARY}\"\n");
    let show = all_output(&sesslint_in(repo.path(), &["show", "."]));
    assert!(show.contains("[auth]") && !show.contains("empty auth") && !show.contains(CANARY), "{show}");
    write(&ini, "session.save_handler = redis\nsession.save_path = \"${SESSLINT_CANARY}\"\n");
    // Given explicitly, the value is used, exactly as PHP would with that environment.
    let given =
        sesslint_in(repo.path(), &["parse", "--env", "SESSLINT_CANARY=tcp://h:1", ini.to_str().expect("utf-8")]);
    assert!(String::from_utf8_lossy(&given.stdout).contains("tcp://h:1"));
}

#[test]
fn passwords_on_lines_that_do_not_parse_are_masked() {
    let repo = tempfile::tempdir().expect("tmp");
    write(
        &repo.path().join("etc/redis/redis.conf"),
        "bind 0.0.0.0\nrequirepass \"Zq8vBrokenQuote\nuser alice on \">AclBrokenPw ~* +@all\nport 6379\n",
    );
    write(
        &repo.path().join("var/www/shop/app/etc/env.php"),
        "<?php\nreturn [\n  'db' => ['connection' => ['default' => [\n    'password' => 'EnvBrokenPw\n]]]];\n",
    );
    write(
        &repo.path().join("etc/php/8.2/cli/php.ini"),
        "mysqli.default_pw = \"IniBrokenPw\nsession.save_handler = files\n",
    );
    shown_nowhere(repo.path(), &["Zq8vBrokenQuote", "AclBrokenPw", "EnvBrokenPw", "IniBrokenPw"]);
}

/// PHP reads a double- or single-quoted ini value across lines (`parse_ini_file` gives
/// "first\nSecondLinePw"): every line of it is masked, in other findings' code frames too,
/// and the lines after it keep their numbers.
#[test]
fn an_ini_password_quoted_across_lines_is_masked_on_every_line() {
    let repo = tempfile::tempdir().expect("tmp");
    write(
        &repo.path().join("etc/php/8.2/cli/php.ini"),
        "session.save_handler = redis\nmysqli.default_pw = \"FirstLinePw\nSecondLinePw\"\nldap.password = 'raw\nRawSecondPw'\nsession.save_path = \"tcp://127.0.0.1:6379\"\n",
    );
    shown_nowhere(repo.path(), &["FirstLinePw", "SecondLinePw", "RawSecondPw"]);
    let human = all_output(&sesslint_in(repo.path(), &["check", "--format", "human", "."]));
    assert!(human.contains("php.ini:6:1]"), "the save_path line keeps its number:\n{human}");
    assert!(human.contains(" 6 │ session.save_path"), "{human}");
}

/// `requirepass` and its password joined by a no-break space (copied from a web page), a
/// vertical tab or a form feed: redis-server 7.0 refuses the line as one unknown name
/// (`Bad directive`), and the password inside that name is masked in every output.
#[test]
fn a_password_glued_to_its_directive_by_an_odd_space_is_masked() {
    let repo = tempfile::tempdir().expect("tmp");
    let conf = repo.path().join("etc/redis/redis.conf");
    write(
        &conf,
        b"port 6379\nrequirepass\xc2\xa0NbspGluedPw\nmasterauth\x0cFormFeedGluedPw\nrequirepass\x0bVtGluedPw\n",
    );
    let needles = ["NbspGluedPw", "FormFeedGluedPw", "VtGluedPw", "nbspgluedpw", "formfeedgluedpw", "vtgluedpw"];
    shown_nowhere(repo.path(), &needles);
    let conf = conf.to_str().expect("utf-8 path");
    for args in [vec!["parse", conf], vec!["parse", "--format", "json", conf]] {
        let text = all_output(&sesslint_in(repo.path(), &args));
        assert!(text.contains("requirepass"), "{text}");
        for n in needles {
            assert!(!text.contains(n), "{args:?} shows {n}:\n{text}");
        }
    }
}

#[test]
fn a_message_that_names_a_password_rule_does_not_show_it() {
    let repo = tempfile::tempdir().expect("tmp");
    // redis-server: "Error in user declaration '>WordLeakPw': Syntax error".
    // Written with an escape, so that no search for the text as written finds the value.
    write(
        &repo.path().join("etc/redis/redis.conf"),
        "port 6379\nuser alice on \">Word\\x4ceakPw\" resetchannels badrule\n",
    );
    shown_nowhere(repo.path(), &["WordLeakPw"]);
    let out = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
    assert!(out.contains("Error in user declaration '>********': Syntax error"), "{out}");
}

#[test]
fn a_password_that_is_an_ordinary_word_garbles_nothing() {
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("etc/redis/redis.conf"), "bind 0.0.0.0\nport 6379\nrequirepass port\n");
    let out = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
    assert!(out.contains("plaintext port 6379"), "{out}");
    // The value is hidden where it stands, not every `port` in the output.
    let human = all_output(&sesslint_in(repo.path(), &["check", "."]));
    assert!(human.contains("Redis plaintext port 6379") && human.contains("2 │ port 6379"), "{human}");
    // Where the password line is shown (the weak-password finding), only its value is masked.
    assert!(!human.contains("2 │ ********"), "{human}");
    assert!(human.contains("3 │ requirepass ********"), "{human}");
}

#[test]
fn no_fragment_of_a_save_path_password_survives() {
    let cases = [
        ("tcp://127.0.0.1:6379?auth=FragOne,FragTwo&database=1", ["FragOne", "FragTwo"]),
        ("tcp://127.0.0.1:6379?%61uth=FragOne&database=1", ["FragOne", "FragOne"]),
        ("tcp://127.0.0.1:6379?auth=FragOne+FragTwo", ["FragOne", "FragTwo"]),
        ("tcp://:FragOne@127.0.0.1:6379?auth[]=u&auth[]=FragTwo", ["FragOne", "FragTwo"]),
        ("tcp://127.0.0.1:6379?auth=FragOne%2CFragTwo", ["FragOne", "FragTwo"]),
    ];
    for (save_path, fragments) in cases {
        let repo = tempfile::tempdir().expect("tmp");
        let ini = repo.path().join("etc/php/8.2/cli/php.ini");
        write(&ini, format!("session.save_handler = redis\nsession.save_path = \"{save_path}\"\n"));
        let mut outputs = every_output(repo.path(), &[]);
        let parse = sesslint_in(repo.path(), &["parse", "--format", "json", ini.to_str().expect("utf-8")]);
        outputs.push(("parse".into(), all_output(&parse)));
        for (what, text) in outputs {
            for f in fragments {
                assert!(!text.contains(f), "{what} on `{save_path}` shows {f}:\n{text}");
            }
        }
    }
}

#[test]
fn a_password_reached_through_a_variable_is_masked_where_it_is_set() {
    let repo = tempfile::tempdir().expect("tmp");
    write(
        &repo.path().join("etc/php/8.2/cli/php.ini"),
        "sess_tok = \"VarHeldPw\"\nsession.bogus = 1\nsession.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?auth=${sess_tok}\"\n",
    );
    shown_nowhere(repo.path(), &["VarHeldPw"]);

    // A key in capitals sets the lowercase name; so with more names spelled than are
    // compared in place (twelve `${}` in comments), the set's lookup finds it as well.
    for spelled in [0, 12] {
        let mut ini: String = (0..spelled).map(|i| format!("; ${{unused{i}}}\n")).collect();
        ini.push_str("SESS_TOK = \"VarHeldCaps\"\nsession.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?auth=${Sess_Tok}\"\n");
        write(&repo.path().join("etc/php/8.2/cli/php.ini"), ini);
        shown_nowhere(repo.path(), &["VarHeldCaps"]);
    }
}

#[test]
fn parse_masks_passwords_unless_asked() {
    let repo = tempfile::tempdir().expect("tmp");
    let conf = repo.path().join("redis.conf");
    write(&conf, "requirepass ParsePw1\nmasterauth ParsePw2\nuser bob on >ParsePw3 ~* +@all\n");
    let masked = all_output(&sesslint_in(repo.path(), &["parse", "--format", "json", "redis.conf"]));
    for pw in ["ParsePw1", "ParsePw2", "ParsePw3"] {
        assert!(!masked.contains(pw), "{masked}");
    }
    let shown = all_output(&sesslint_in(repo.path(), &["parse", "--show-secrets", "--format", "json", "redis.conf"]));
    assert!(shown.contains("ParsePw1") && shown.contains(">ParsePw3"), "{shown}");

    // Its includes stay in the file's directory or the current one.
    let outer = tempfile::tempdir().expect("tmp");
    write(&outer.path().join("private.txt"), "machine example.com password NetrcPw\n");
    let dir = outer.path().join("conf");
    write(&dir.join("redis.conf"), "port 6379\ninclude ../private.txt\n");
    let o = sesslint_in(&dir, &["parse", "--show-secrets", "redis.conf"]);
    assert!(!all_output(&o).contains("NetrcPw"), "{}", all_output(&o));
    assert!(all_output(&o).contains("outside the checked tree"), "{}", all_output(&o));
}

#[test]
fn a_doubling_ini_expansion_is_cut_and_reported() {
    let repo = tempfile::tempdir().expect("tmp");
    // 40 lines, each twice the one before: 2^41 bytes if expanded in full.
    let mut ini = String::from("a0 = \"xy\"\n");
    for i in 1..40 {
        ini.push_str(&format!("a{i} = \"${{a{}}}${{a{}}}\"\n", i - 1, i - 1));
    }
    // And a thousand lines that each refer to the cut value.
    ini.push_str(&"b = \"${a39}\"\n".repeat(1000));
    write(&repo.path().join("etc/php/8.2/cli/php.ini"), ini);
    let out = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
    assert!(out.contains("SL002") && out.contains("expansion"), "the cut is reported:\n{out}");
    // Once for the setup, with a count: not once per line.
    let cuts: Vec<&str> = out.lines().filter(|l| l.contains("expansion passes")).collect();
    assert_eq!(cuts.len(), 1, "{out}");
    assert!(cuts[0].contains("more line(s)"), "{out}");
}

#[test]
fn a_huge_directive_name_gives_a_short_finding() {
    let repo = tempfile::tempdir().expect("tmp");
    let name = "x".repeat(1 << 20);
    write(&repo.path().join("etc/redis/redis.conf"), format!("port 6379\n{name} 1\n"));
    for format in ["human", "concise", "json"] {
        let o = sesslint_in(repo.path(), &["check", "--format", format, "."]);
        assert!(all_output(&o).contains("SL003"), "{format}");
        assert!(o.stdout.len() < 64 << 10, "{format} prints {} bytes for one finding", o.stdout.len());
    }
}

#[test]
fn an_included_file_over_the_limit_is_not_read() {
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("etc/redis/redis.conf"), "port 6379\ninclude /etc/redis/big.data\n");
    // Sparse: 20 MiB on paper, nothing on disk.
    let big = std::fs::File::create(repo.path().join("etc/redis/big.data")).expect("create");
    big.set_len(20 << 20).expect("set_len");
    let out = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
    assert!(out.contains("big.data") && out.contains("16 MiB"), "{out}");
}

#[test]
fn include_repetition_is_bounded() {
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("etc/redis/a.data"), "maxmemory 1mb\n");
    let mut conf = String::from("port 6379\n");
    for _ in 0..12_000 {
        conf.push_str("include /etc/redis/a.data\n");
    }
    write(&repo.path().join("etc/redis/redis.conf"), conf);
    let out = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
    assert!(out.contains("more than 10000 included files"), "{}", &out[..out.len().min(2000)]);
}

#[test]
fn a_config_file_over_the_limit_is_not_read() {
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("etc/redis/redis.conf"), "port 6379\n");
    let toml = std::fs::File::create(repo.path().join("sesslint.toml")).expect("create");
    toml.set_len(20 << 20).expect("set_len");
    let o = sesslint_in(repo.path(), &["check", "."]);
    assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
    assert!(all_output(&o).contains("16 MiB"), "{}", all_output(&o));
}

#[test]
fn a_config_file_may_not_widen_the_root() {
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("etc/redis/redis.conf"), "port 6379\n");
    write(&repo.path().join("sesslint.toml"), "root = \"../../..\"\n");
    let o = sesslint_in(repo.path(), &["check", "."]);
    assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
    assert!(all_output(&o).contains("`root` must be"), "{}", all_output(&o));
}

#[test]
fn file_names_and_config_text_cannot_forge_workflow_commands_or_reach_the_terminal() {
    let repo = tempfile::tempdir().expect("tmp");
    let evil = "redis-x\n::warning file=README.md,line=1::FORGED\n.conf";
    write(&repo.path().join("etc/redis").join(evil), "port 6379\nbogus-directive 1\n");
    write(&repo.path().join("etc/redis/redis.conf"), "port 6379\n\x1b]52;c;QUFBQQ==\x07bogus 1\nbind 0.0.0.0\n");
    for (what, text) in every_output(repo.path(), &[]) {
        for line in text.lines() {
            assert!(!line.trim_start().starts_with("::warning file=README.md"), "{what} forges a command:\n{text}");
        }
        assert!(!text.contains('\x1b'), "{what} copies an ESC to the terminal:\n{text:?}");
        assert!(!text.contains('\x07'), "{what} copies a BEL to the terminal:\n{text:?}");
    }
}

#[test]
fn odd_trees_give_the_right_answer_or_a_clear_error() {
    // A relative glob include with a relative path argument.
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("etc/redis/redis.conf"), "port 6379\ninclude conf.d/*.conf\n");
    write(&repo.path().join("etc/redis/conf.d/net.conf"), "bind 0.0.0.0\nbogus-directive 1\n");
    let rel = sesslint_in(repo.path(), &["check", "--format", "concise", "."]);
    let abs = sesslint_in(repo.path(), &["check", "--format", "concise", repo.path().to_str().expect("utf-8")]);
    assert_eq!(rel.status.code(), Some(1), "{}", all_output(&rel));
    assert_eq!(rel.status.code(), abs.status.code());
    assert!(all_output(&rel).contains("SL003"), "{}", all_output(&rel));
    // The same without an `etc/` at the top (the root is then `/`).
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("redis/redis.conf"), "port 6379\ninclude conf.d/*.conf\n");
    write(&repo.path().join("redis/conf.d/net.conf"), "bogus-directive 1\n");
    let rel = sesslint_in(repo.path(), &["check", "--format", "concise", "."]);
    assert_eq!(rel.status.code(), Some(1), "{}", all_output(&rel));
    assert!(all_output(&rel).contains("SL003"), "{}", all_output(&rel));

    // A conf.d file whose name is not UTF-8: PHP loads it.
    let repo = tempfile::tempdir().expect("tmp");
    let conf_d = repo.path().join("etc/php/8.2/cli/conf.d");
    write(&repo.path().join("etc/php/8.2/cli/php.ini"), "session.save_handler = files\n");
    let name = std::ffi::OsStr::new(unsafe_name());
    write(&conf_d.join(name), "session.save_pth = 1\n");
    let out = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
    assert!(out.contains("SL003") && out.contains("session.save_pth"), "{out}");

    // An explicit FIFO argument.
    let repo = tempfile::tempdir().expect("tmp");
    let fifo = repo.path().join("redis.conf");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let o = sesslint_in(repo.path(), &["check", "redis.conf"]);
    assert_ne!(o.status.code(), Some(0), "{}", all_output(&o));
    assert!(all_output(&o).contains("not a regular file"), "{}", all_output(&o));
    let odd = repo.path().join("settings");
    assert!(Command::new("mkfifo").arg(&odd).status().expect("mkfifo").success());
    let o = sesslint_in(repo.path(), &["check", "settings"]);
    assert_ne!(o.status.code(), Some(0), "{}", all_output(&o));
    assert!(all_output(&o).contains("not a regular file"), "{}", all_output(&o));

    // A report to a full disk.
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("etc/redis/redis.conf"), "bind 0.0.0.0\nport 6379\n");
    for args in [&["show", "."][..], &["check", "."][..], &["check", "--output-file", "/dev/full", "."][..]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
        let o = Command::new(bin()).args(args).current_dir(repo.path()).stdout(full).output().expect("run");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", all_output(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("No space left on device") && !err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn a_redis_include_glob_reads_names_that_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let repo = tempfile::tempdir().expect("tmp");
    let main = repo.path().join("etc/redis/redis.conf");
    write(&main, "port 0\ninclude /etc/redis/conf.d/*.conf\n");
    write(&repo.path().join("etc/redis/conf.d").join(std::ffi::OsStr::from_bytes(b"\xff.conf")), "bogus-directive 1\n");
    let out = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
    assert!(out.contains("SL003") && out.contains("bogus-directive"), "{out}");
    // redis-server reads it too (the same tree with the include made absolute on this machine).
    if let Some(redis) = common::oracle("redis-server") {
        let real = repo.path().join("real.conf");
        write(&real, format!("port 0\ninclude {}/etc/redis/conf.d/*.conf\n", repo.path().display()));
        let o = Command::new(redis).arg(&real).output().expect("run redis-server");
        assert!(!o.status.success());
        assert!(all_output(&o).contains("bogus-directive"), "{}", all_output(&o));
    }
}

/// `conf.d/20-\xff.ini`.
fn unsafe_name() -> &'static std::ffi::OsStr {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(b"20-\xff.ini")
}

#[test]
fn an_unreadable_directory_is_reported() {
    // Permissions do not stop root: run as nobody where we can.
    let as_nobody = |cmd: &mut Command| {
        let root = std::env::var("USER").is_ok_and(|u| u == "root") || unsafe_is_root();
        if root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(bin());
            c.args(cmd.get_args());
            if let Some(d) = cmd.get_current_dir() {
                c.current_dir(d);
            }
            c.output().expect("setpriv")
        } else {
            cmd.output().expect("run")
        }
    };
    let repo = tempfile::tempdir().expect("tmp");
    std::fs::set_permissions(repo.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    write(&repo.path().join("etc/redis/redis.conf"), "port 6379\n");
    let locked = repo.path().join("etc/php");
    std::fs::create_dir_all(&locked).expect("mkdir");
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).expect("chmod");
    for p in [repo.path().join("etc"), repo.path().join("etc/redis")] {
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    }
    std::fs::set_permissions(
        repo.path().join("etc/redis/redis.conf"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .expect("chmod");
    let mut cmd = Command::new(bin());
    cmd.args(["check", "--format", "concise", "."]).current_dir(repo.path());
    let o = as_nobody(&mut cmd);
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod back");
    let out = all_output(&o);
    assert!(out.contains("SL002") && out.contains("etc/php") && out.contains("permission denied"), "{out}");
    assert_eq!(o.status.code(), Some(1), "{out}");
}

fn unsafe_is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

#[test]
fn pseudo_filesystems_are_never_walked() {
    // A tree with a way into /proc and /sys: a symlink.
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("etc/redis/redis.conf"), "port 6379\n");
    std::os::unix::fs::symlink("/proc/self", repo.path().join("etc/redis/proc")).expect("symlink");
    std::os::unix::fs::symlink("/sys/kernel", repo.path().join("etc/sys")).expect("symlink");
    let o = sesslint_in(repo.path(), &["-v", "check", "--root", "/", "--format", "concise", "."]);
    let out = all_output(&o);
    assert!(!out.contains(CANARY), "{out}");
    assert!(!out.lines().any(|l| l.contains("read") && (l.contains("/proc/") || l.contains("/sys/"))), "{out}");
    // Named explicitly, /proc is refused by its filesystem, not walked.
    let o = sesslint_in(repo.path(), &["check", "--format", "concise", "/proc/self"]);
    let out = all_output(&o);
    assert!(out.contains("never configuration"), "{out}");
}

/// One LSP message, framed.
fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[test]
fn the_language_server_survives_garbage() {
    let mut child = Command::new(bin())
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut input = Vec::new();
    input.extend(frame("{this is not json"));
    input.extend(b"Content-Length: 99999999999999\r\n\r\n{}");
    input.extend(b"Content-Length: twelve\r\n\r\n{}");
    input.extend(b"Content-Length: 4\r\n\r\n\xff\xfe{}");
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#;
    input.extend(frame(init));
    input.extend(frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#));
    input.extend(frame(r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#));
    input.extend(frame(r#"{"jsonrpc":"2.0","method":"exit"}"#));
    stdin.write_all(&input).expect("write");
    drop(stdin);
    let mut stdout = Vec::new();
    child.stdout.take().expect("stdout").read_to_end(&mut stdout).expect("read");
    let status = child.wait().expect("wait");
    let text = String::from_utf8_lossy(&stdout);
    assert!(text.contains("-32700"), "invalid JSON is answered with a parse error:\n{text}");
    assert!(text.contains(r#""id":1"#) && text.contains("capabilities"), "initialize is answered:\n{text}");
    assert!(text.contains(r#""id":2"#), "shutdown is answered:\n{text}");
    assert!(status.success(), "the server exits cleanly after shutdown/exit: {status:?}\n{text}");
}

#[test]
fn two_content_lengths_frame_nothing_and_a_second_initialize_is_an_invalid_request() {
    let mut child = Command::new(bin())
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut input = Vec::new();
    // Two lengths: neither is believed (the larger one would swallow the messages after it).
    input.extend(b"Content-Length: 2\r\nContent-Length: 5000\r\n\r\n{}");
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#;
    input.extend(frame(init));
    input.extend(frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#));
    input.extend(frame(r#"{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"capabilities":{}}}"#));
    input.extend(frame(r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#));
    input.extend(frame(r#"{"jsonrpc":"2.0","method":"exit"}"#));
    stdin.write_all(&input).expect("write");
    drop(stdin);
    let mut stdout = Vec::new();
    child.stdout.take().expect("stdout").read_to_end(&mut stdout).expect("read");
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("read");
    let status = child.wait().expect("wait");
    let text = String::from_utf8_lossy(&stdout);
    assert!(text.contains(r#""id":1"#) && text.contains("capabilities"), "initialize is answered:\n{text}");
    let second = text.split("Content-Length").find(|m| m.contains(r#""id":3"#)).unwrap_or_default();
    assert!(second.contains("-32600"), "a second initialize is an invalid request:\n{text}");
    assert!(stderr.contains("cannot frame"), "the dropped message is logged:\n{stderr}");
    assert!(status.success(), "{status:?}\n{text}\n{stderr}");
}

#[test]
fn a_tree_with_no_configuration_says_so() {
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("src/index.php"), "<?php echo 1;\n");
    for format in FORMATS {
        let o = sesslint_in(repo.path(), &["check", "--format", format, "."]);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", all_output(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("no configuration that decides PHP sessions") && err.contains("under ."),
            "{format}: {err}"
        );
        if matches!(*format, "json" | "sarif") {
            serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("stdout stays valid JSON");
        }
    }
    let text = all_output(&sesslint_in(repo.path(), &["show", "."]));
    assert!(text.contains("No PHP, php-fpm, Magento or Redis configuration found"), "{text}");
    let o = sesslint_in(repo.path(), &["show", "--format", "json", "."]);
    serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("stdout stays valid JSON");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no configuration that decides PHP sessions"),
        "{}",
        all_output(&o)
    );
}

/// A folder that is no git checkout and has no etc/ at its top (the root is `/`), with a
/// redis.conf that includes a file beside it.
fn plain_folder_with_an_outside_include(outer: &Path) -> PathBuf {
    write(&outer.join("outside/secret.conf"), "leaked-xyzzy yes\n");
    let repo = outer.join("repo");
    write(
        &repo.join("redis/redis.conf"),
        format!("port 6379\ninclude {}\n", outer.join("outside/secret.conf").display()),
    );
    repo
}

#[test]
fn a_folder_without_git_or_etc_is_confined_to_itself_unless_root_slash_is_given() {
    let outer = tempfile::tempdir().expect("tmp");
    let repo = plain_folder_with_an_outside_include(outer.path());
    shown_nowhere(&repo, &["leaked-xyzzy"]);
    let out = all_output(&sesslint_in(&repo, &["check", "--format", "concise", "."]));
    assert!(out.contains("outside the checked tree"), "{out}");
    // Asked for explicitly, the machine is what is checked.
    let out = all_output(&sesslint_in(&repo, &["check", "--format", "concise", "--root", "/", "."]));
    assert!(out.contains("leaked-xyzzy"), "--root / reads the machine:\n{out}");
}

#[test]
fn the_language_server_reads_nothing_beyond_its_workspace_folder() {
    let outer = tempfile::tempdir().expect("tmp");
    let repo = plain_folder_with_an_outside_include(outer.path());
    let uri = format!("file://{}", repo.display());
    let conf = repo.join("redis/redis.conf");
    let text = std::fs::read_to_string(&conf).expect("read");
    let mut child = Command::new(bin())
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut input = Vec::new();
    let init =
        serde_json::json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},"rootUri":uri}});
    input.extend(frame(&init.to_string()));
    input.extend(frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#));
    let open = serde_json::json!({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{
        "uri": format!("file://{}", conf.display()), "languageId":"redis", "version":1, "text": text}}});
    input.extend(frame(&open.to_string()));
    stdin.write_all(&input).expect("write");
    // Read frames until the diagnostics come (published once the queue is idle).
    let mut reader = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut out = String::new();
    while !out.contains("publishDiagnostics") {
        let mut header = String::new();
        let mut length = 0;
        loop {
            header.clear();
            if std::io::BufRead::read_line(&mut reader, &mut header).expect("read") == 0 {
                panic!("the server ended before publishing diagnostics:\n{out}");
            }
            match header.trim().strip_prefix("Content-Length:") {
                Some(n) => length = n.trim().parse().expect("length"),
                None if header.trim().is_empty() => break,
                None => {}
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        out.push_str(&String::from_utf8_lossy(&body));
    }
    stdin.write_all(&frame(r#"{"jsonrpc":"2.0","id":3,"method":"shutdown"}"#)).expect("write");
    stdin.write_all(&frame(r#"{"jsonrpc":"2.0","method":"exit"}"#)).expect("write");
    drop(stdin);
    child.wait().expect("wait");
    assert!(out.contains("publishDiagnostics"), "{out}");
    assert!(!out.contains("leaked-xyzzy"), "the server read a file beside its workspace:\n{out}");
    assert!(out.contains("outside the checked tree"), "{out}");
}

#[test]
fn absolute_paths_climbing_above_slash_stay_at_the_root_of_the_tree() {
    // On the target machine `/..` is `/`: these name <root>/opt/... and <root>/outside/...
    let outer = tempfile::tempdir().expect("tmp");
    let repo = outer.path().join("repo");
    write(
        &repo.join("etc/redis/redis.conf"),
        "port 6379\ninclude /../opt/x.conf\ninclude /etc/../../outside/y.conf\naclfile /../../opt/users.acl\n",
    );
    write(&repo.join("opt/x.conf"), "maxmemory 1mb\n");
    write(&repo.join("outside/y.conf"), "maxmemory-policy allkeys-lru\n");
    write(&repo.join("opt/users.acl"), "user default on nopass ~* +@all\n");
    write(&repo.join("etc/php/8.2/fpm/php-fpm.conf"), "[global]\ninclude=/../../opt/pools/*.conf\n");
    write(&repo.join("opt/pools/www.conf"), "[www]\nlisten = 127.0.0.1:9000\n");
    // Beside the tree, where a host-filesystem reading of `/etc/../../outside` might land.
    write(&outer.path().join("outside/y.conf"), "leaked-xyzzy yes\n");
    let o = sesslint_in(&repo, &["check", "-v", "--format", "concise", "."]);
    let out = all_output(&o);
    assert!(!out.contains("No such file") && !out.contains("outside the checked tree"), "{out}");
    assert!(!out.contains("leaked-xyzzy"), "{out}");
    for read in ["opt/x.conf", "outside/y.conf", "opt/users.acl", "opt/pools/www.conf"] {
        assert!(out.contains(read), "{read} is read below the root:\n{out}");
    }
}

/// A fleet host's name is a directory name: untrusted text, escaped like a path in `show`
/// (text and JSON) and in every check format.
#[test]
fn fleet_host_names_are_escaped_like_paths_everywhere() {
    let dir = tempfile::tempdir().expect("tmp");
    for h in ["web", "db\n::error file=README.md,line=1::FORGED\u{202e}"] {
        let host = dir.path().join("fleet").join(h);
        write(&host.join("etc/redis/redis.conf"), "bind 0.0.0.0\nport 6379\n");
        write(
            &host.join("etc/php/8.2/cli/php.ini"),
            "session.save_handler = redis\nsession.save_path = \"tcp://10.0.0.5:6379\"\n",
        );
    }
    let mut outputs = Vec::new();
    for f in FORMATS {
        outputs.push((
            format!("check --format {f}"),
            all_output(&sesslint_in(dir.path(), &["check", "--format", f, "fleet"])),
        ));
    }
    outputs.push(("show".into(), all_output(&sesslint_in(dir.path(), &["show", "fleet"]))));
    outputs.push((
        "show --format json".into(),
        all_output(&sesslint_in(dir.path(), &["show", "--format", "json", "fleet"])),
    ));
    for (what, out) in &outputs {
        assert!(out.contains("FORGED"), "{what}: the host is not named at all:\n{out}");
        assert!(
            !out.lines().any(|l| l.starts_with("::error file=README.md")),
            "{what}: a forged workflow command:\n{out}"
        );
        assert!(!out.contains('\u{202e}'), "{what}: a raw U+202E:\n{out}");
    }
}

/// Invisible format characters (Unicode Cf: the BOM, zero-width spaces and joiners, word
/// joiner) never reach the terminal raw through a code frame.
#[test]
fn invisible_format_characters_are_escaped_in_code_frames() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        &dir.path().join("etc/redis/redis.conf"),
        "port 6379\nbind 0.0.0.0 \u{feff}x\u{200b}\u{200d}\u{2060}\u{2063}\u{e0041}\u{e007f}\u{fe0f}\u{e0100}\nprotected-mode no\n",
    );
    let out = all_output(&sesslint_in(dir.path(), &["check", "--format", "human", "."]));
    assert!(out.contains("bind 0.0.0.0"), "no frame for the bind line:\n{out}");
    for c in
        ['\u{feff}', '\u{200b}', '\u{200d}', '\u{2060}', '\u{2063}', '\u{e0041}', '\u{e007f}', '\u{fe0f}', '\u{e0100}']
    {
        assert!(!out.contains(c), "U+{:04X} reached the output raw:\n{out}", c as u32);
    }
}

/// The 2,000-character cap of check messages also holds for `sesslint.toml` errors and for
/// `show` (text and JSON): a 1 MiB key or host prints a few kilobytes, cut with an ellipsis.
#[test]
fn config_errors_and_show_are_capped_like_messages() {
    let dir = tempfile::tempdir().expect("tmp");
    let conf = dir.path().join("conf");
    write(&conf.join("sesslint.toml"), format!("{} = 1\n", "k".repeat(1 << 20)));
    let out = all_output(&sesslint_in(&conf, &["check", "."]));
    assert!(out.contains("kkkk") && out.contains('…'), "the error is not shown cut:\n{}", &out[..out.len().min(3000)]);
    assert!(out.len() < 10_000, "sesslint.toml error: {} bytes", out.len());

    let tree = dir.path().join("tree");
    write(
        &tree.join("etc/php/8.2/cli/php.ini"),
        format!("session.save_handler = redis\nsession.save_path = \"tcp://{}:6379\"\n", "h".repeat(1 << 20)),
    );
    for args in [&["show", "."][..], &["show", "--format", "json", "."][..]] {
        let out = all_output(&sesslint_in(&tree, args));
        assert!(out.contains("hhhh") && out.contains('…'), "{args:?}: the host is not shown cut");
        assert!(out.len() < 50_000, "{args:?}: {} bytes", out.len());
        assert!(out.lines().all(|l| l.chars().count() < 2_100), "{args:?}: a line over the cap");
    }
}

/// Passwords where a parser cannot place them: a token PHP's message quotes on a
/// `password` line, Magento hosts with user-info or `?auth=`, a misspelled `requirepass`,
/// `sentinel auth-pass` missing its master name, an ACL line that does not parse, a
/// password given as an array. Masked by where they stand in every output.
#[test]
fn passwords_that_no_parser_places_are_masked_everywhere() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    write(
        &d.join("etc/redis/redis.conf"),
        "port 6379\nrequirepas TypoPw1\nsentinel auth-pass TwoArgPw2\naclfile /etc/redis/users.acl\n",
    );
    write(&d.join("etc/redis/users.acl"), "usr alice on >AclTypoPw3 #AclHashPw8 ~*\n");
    write(
        &d.join("var/www/s/app/etc/env.php"),
        "<?php\nreturn ['session' => ['save' => 'redis', 'redis' => ['host' => 'tcp://:HostPw4@127.0.0.1', 'password' => 'a' 'MsgPw5', 'database' => '2']],\n 'cache' => ['frontend' => ['default' => ['backend_options' => ['server' => 'tls://u:SrvPw6@127.0.0.1', 'password' => ['ArrPw7']]]]]];\n",
    );
    write(
        &d.join("var/www/t/app/etc/env.php"),
        "<?php\nreturn ['session' => ['save' => 'redis', 'redis' => [\n  'host' => 'tcp://127.0.0.1:6379?auth=QueryPw9',\n  'sentinel_servers' => 'tcp://:SentPw10@127.0.0.1:26379',\n  'sentinel_master' => 'm',\n  'password' => ['ArrPw11', 'x' => 'ArrPw12'],\n]]];\n",
    );
    let mut outputs = every_output(d, &[]);
    for f in ["etc/redis/redis.conf", "etc/redis/users.acl", "var/www/s/app/etc/env.php", "var/www/t/app/etc/env.php"] {
        outputs.push((format!("parse {f}"), all_output(&sesslint_in(d, &["parse", f]))));
    }
    let secrets = [
        "TypoPw1",
        "TwoArgPw2",
        "AclTypoPw3",
        "HostPw4",
        "MsgPw5",
        "SrvPw6",
        "ArrPw7",
        "AclHashPw8",
        "QueryPw9",
        "SentPw10",
        "ArrPw11",
        "ArrPw12",
    ];
    for (what, out) in &outputs {
        for s in secrets {
            assert!(!out.contains(s), "{what} shows {s}:\n{out}");
        }
    }
    // Still a useful report: the parser's message, the did-you-mean, the masked host.
    let human = &outputs[0].1;
    assert!(human.contains("unexpected single-quoted string \"********\""), "{human}");
    assert!(human.contains("requirepas ********"), "{human}");
    assert!(human.contains("did you mean `requirepass`"), "{human}");
    assert!(human.contains(">********"), "{human}");
}

/// A fix never carries a password, in clear or as `********` (a tool applying it would
/// write the mask into the config): the quoting fix is a `"` inserted on each side plus a
/// `\` before each byte that needs it, the same edits in JSON and SARIF. Applied from the
/// JSON, PHP reads back exactly what was written.
#[test]
fn fixes_carry_no_secret_and_php_reads_back_the_value() {
    let cases = [
        // SL105: `;` cuts the value; the password has nothing to escape.
        ("tcp://127.0.0.1:6379?auth=S3cr3tPw;x", "safe"),
        // SL001: `=` and `&` are refused unquoted; a `\` outside the password is escaped.
        (r"tcp://127.0.0.1:6379?prefix=a\b&auth=S3cr3tPw", "safe"),
        // An escape inside the password would tell where its `\` is: shown only.
        (r"tcp://127.0.0.1:6379?auth=S3cr\3tPw&database=2", "display"),
    ];
    for (value, applicability) in cases {
        let dir = tempfile::tempdir().expect("tmp");
        let ini = dir.path().join("etc/php/8.2/cli/php.ini");
        write(&ini, format!("session.save_handler = redis\nsession.save_path = {value}\n"));
        let json = sesslint_in(dir.path(), &["check", "--format", "json", "."]);
        let sarif = all_output(&sesslint_in(dir.path(), &["check", "--format", "sarif", "."]));
        let found: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
        let fix = found
            .as_array()
            .expect("array")
            .iter()
            .find_map(|d| d.get("fix").filter(|f| !f.is_null()))
            .unwrap_or_else(|| panic!("{value}: no fix in {found}"))
            .clone();
        let text = format!("{fix}{sarif}");
        assert!(!text.contains("S3cr") && !text.contains("3tPw") && !text.contains("********"), "{value}: {text}");
        assert_eq!(fix["applicability"], applicability, "{value}: {fix}");
        let edits = fix["edits"].as_array().expect("edits");
        for e in edits {
            assert_eq!(
                (e["line"].clone(), e["column"].clone()),
                (e["end_line"].clone(), e["end_column"].clone()),
                "not an insertion: {e}"
            );
            let r = e["replacement"].as_str().expect("replacement");
            assert!(r.chars().all(|c| c == '"' || c == '\\'), "{value}: an edit carries text: {e}");
        }
        // The SARIF fix has the same insertions.
        let sarif_v: serde_json::Value = serde_json::from_str(&sarif).expect("sarif");
        let inserted: Vec<String> = sarif_v
            .pointer("/runs/0/results")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
            .flat_map(|r| r["fixes"].as_array().cloned().unwrap_or_default())
            .flat_map(|f| f["artifactChanges"].as_array().cloned().unwrap_or_default())
            .flat_map(|c| c["replacements"].as_array().cloned().unwrap_or_default())
            .map(|r| r["insertedContent"]["text"].as_str().unwrap_or("").to_owned())
            .collect();
        if applicability == "safe" {
            let json_inserted: Vec<String> =
                edits.iter().map(|e| e["replacement"].as_str().unwrap_or("").to_owned()).collect();
            assert_eq!(inserted, json_inserted, "{value}: SARIF and JSON fixes differ:\n{sarif}");
            // Apply the JSON edits (1-based lines and columns, ASCII) back to front.
            let mut bytes = std::fs::read(&ini).expect("read");
            let starts: Vec<usize> = std::iter::once(0)
                .chain(bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1))
                .collect();
            for e in edits.iter().rev() {
                let at = starts[e["line"].as_u64().expect("line") as usize - 1]
                    + e["column"].as_u64().expect("col") as usize
                    - 1;
                bytes.splice(at..at, e["replacement"].as_str().expect("r").bytes());
            }
            std::fs::write(&ini, &bytes).expect("write");
            if let Some(php) = common::oracle("php") {
                let out = Command::new(php)
                    .args(["-n", "-r", "echo parse_ini_file($argv[1])['session.save_path'];"])
                    .arg(&ini)
                    .output()
                    .expect("php");
                assert_eq!(String::from_utf8_lossy(&out.stdout), value, "{}", String::from_utf8_lossy(&bytes));
            }
        }
    }
}

#[test]
fn a_deeply_nested_inventory_is_refused_before_parsing() {
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("fleet/web/etc/redis/redis.conf"), "port 6379\n");
    let n = 200_000;
    let deep = format!("all:\n  hosts:\n    web:\n      x: {}{}\n", "[".repeat(n), "]".repeat(n));
    write(&repo.path().join("inv.yml"), deep);
    let o = sesslint_in(repo.path(), &["check", "--inventory", "inv.yml", "fleet"]);
    assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
    assert!(all_output(&o).contains("more than 128"), "{}", all_output(&o));
    // An inventory over the read limit is refused like every other file.
    let big = std::fs::File::create(repo.path().join("big.yml")).expect("create");
    big.set_len(20 << 20).expect("set_len");
    let o = sesslint_in(repo.path(), &["check", "--inventory", "big.yml", "fleet"]);
    assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
    assert!(all_output(&o).contains("16 MiB"), "{}", all_output(&o));
}

/// `sesslint parse` quotes an expression it cannot evaluate; on a password's line the
/// quote is masked.
#[test]
fn parse_does_not_quote_a_password_expression() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        &dir.path().join("app/etc/env.php"),
        "<?php\nreturn ['session' => ['save' => 'redis', 'redis' => ['host' => '127.0.0.1', 'password' => getenv('X') . 'GetenvPw13']]];\n",
    );
    let out = all_output(&sesslint_in(dir.path(), &["parse", "app/etc/env.php"]));
    assert!(out.contains("not statically known"), "{out}");
    assert!(!out.contains("GetenvPw13"), "{out}");
}

#[test]
fn findings_are_capped_per_rule_and_file() {
    let repo = tempfile::tempdir().expect("tmp");
    let conf: String = (0..300).map(|i| format!("bogus-directive-{i} 1\n")).collect();
    write(&repo.path().join("etc/redis/redis.conf"), conf);
    let o = sesslint_in(repo.path(), &["check", "--format", "json", "."]);
    let found: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let list = found.as_array().cloned().unwrap_or_default();
    let mut per_code = std::collections::HashMap::<String, usize>::new();
    for d in &list {
        *per_code.entry(d["code"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
    }
    assert!(per_code.values().all(|&n| n <= 101), "{per_code:?}");
    assert!(
        list.iter()
            .any(|d| d["message"].as_str().is_some_and(|m| m.contains("left out (at most 100 per rule per file)"))),
        "{per_code:?}"
    );
}

#[test]
fn passwords_under_misspelt_or_unusual_names_are_masked() {
    // A misspelt key still holds the password its author meant: mask by what the name
    // looks like (`pasword`, `redis_password`, `AUTH=`, `aut=`, a TLS `passphrase`).
    let repo = tempfile::tempdir().expect("tmp");
    write(
        &repo.path().join("var/www/shop/app/etc/env.php"),
        "<?php\nreturn ['session'=>['save'=>'redis','redis'=>['host'=>'127.0.0.1','pasword'=>'OddKeyPwA','password '=>'OddKeyPwB','redis_password'=>'OddKeyPwC']]];\n",
    );
    write(
        &repo.path().join("etc/php/8.2/cli/php.ini"),
        "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?timeout=2&AUTH=OddKeyPwD&stream[passphrase]=OddKeyPwE&aut=OddKeyPwF\"\n",
    );
    shown_nowhere(repo.path(), &["OddKeyPwA", "OddKeyPwB", "OddKeyPwC", "OddKeyPwD", "OddKeyPwE", "OddKeyPwF"]);
}

/// PHP's parser quotes the token it stopped at (`unexpected single-quoted string "…"`,
/// identifier, integer). Wherever that token stands relative to a secret key (the line
/// after `'password' =>`, after a heredoc, behind a comment, with the arrow missing), it is
/// masked in `parse` and every format. `php -l` shows each case is one PHP refuses by
/// quoting exactly that token.
#[test]
fn php_parser_messages_never_quote_a_password_token_wherever_it_stands() {
    let cases: &[(&str, &str)] = &[
        ("'password' =>\n 'a' 'NextLinePw1'", "NextLinePw1"),
        ("'password' => 'a'\n 'NextLinePw2'", "NextLinePw2"),
        ("'password'\n => 'a' 'ArrowLinePw3'", "ArrowLinePw3"),
        ("'password' /* c */ => 'a' 'CommentPw4'", "CommentPw4"),
        ("'password' => <<<EOT\nabc\nEOT 'HeredocPw5'", "HeredocPw5"),
        ("'password' => <<<'EOT'\nabc\nEOT \"NowdocPw6\"", "NowdocPw6"),
        ("'password' 'NoArrowPw7'", "NoArrowPw7"),
        ("'password' =>\n FOO\n IdentPw8", "IdentPw8"),
        ("'password' =>\n 1\n 90817263", "90817263"),
    ];
    for (value, secret) in cases {
        let dir = tempfile::tempdir().expect("tmp");
        let env = dir.path().join("var/www/s/app/etc/env.php");
        write(
            &env,
            format!("<?php\nreturn ['session' => ['save' => 'redis', 'redis' => ['host' => '127.0.0.1', {value}, 'database' => '2']]];\n"),
        );
        if let Some(php) = common::oracle("php") {
            let out = Command::new(php).arg("-l").arg(&env).output().expect("php -l");
            let said = all_output(&out);
            assert!(said.contains(&format!("\"{secret}\"")), "php -l does not quote {secret}:\n{said}");
        }
        let mut outputs = every_output(dir.path(), &[]);
        outputs.push(("parse".into(), all_output(&sesslint_in(dir.path(), &["parse", "var/www/s/app/etc/env.php"]))));
        for (what, out) in &outputs {
            assert!(!out.contains(secret), "{what} shows {secret}:\n{out}");
        }
        let concise = &outputs[1].1;
        assert!(concise.contains("syntax error, unexpected") && concise.contains("\"********\""), "{concise}");
    }
}

/// An env.php key written with escapes (`"\x70assword"`, octal, `\u{70}`) or as a heredoc
/// or nowdoc is the key PHP stores (`include` gives `password`, checked live with php): its
/// value is masked in every format of `check` and `show`, judged by the decoded key.
#[test]
fn an_escaped_env_php_password_key_is_masked_by_its_decoded_name() {
    let keys = [
        (r#""\x70assword""#, "LeakEsc1"),
        (r#""pa\x73sword""#, "LeakEsc2"),
        (r#""\160assword""#, "LeakEsc3"),
        (r#""\u{70}assword""#, "LeakEsc4"),
        ("<<<EOT\npassword\nEOT", "LeakEsc5"),
        ("<<<'EOT'\npassword\nEOT", "LeakEsc6"),
        (r#""PASS\x57ORD""#, "LeakEsc7"),
    ];
    for (key, secret) in keys {
        let dir = tempfile::tempdir().expect("tmp");
        let env = dir.path().join("var/www/s/app/etc/env.php");
        write(
            &env,
            // The secret on the line SL305 frames (the `'redis'` key), after a multi-line key too.
            format!("<?php\nreturn ['session' => ['save' => 'redis', 'x' => [{key} => '{secret}'], 'redis' => ['host' => '127.0.0.1', 'database' => '2']]];\n"),
        );
        if let Some(php) = common::oracle("php") {
            let code = format!(
                "$a = include '{}'; foreach ($a['session']['x'] as $k => $v) echo strtolower($k), '=', $v;",
                env.display()
            );
            let out = Command::new(php).arg("-r").arg(code).output().expect("php -r");
            let want = format!("password={secret}");
            assert_eq!(String::from_utf8_lossy(&out.stdout), want, "PHP's key for {key}: {}", all_output(&out));
        }
        let outputs = every_output(dir.path(), &[]);
        for (what, out) in &outputs {
            assert!(!out.contains(secret), "{what} shows {secret} under {key}:\n{out}");
        }
        let human = &outputs[0].1;
        assert!(human.contains("=> ********], 'redis'"), "the line is framed, masked: {human}");
    }
}

/// redis.conf directives redis-server does not know, named for a credential however far
/// from a real one (`requirepassword`, `masterpass`, `auth`, `pass`, `api-key`, ...), and
/// sentinel's `sentinel-pass`: their arguments are masked in frames, `parse` and every
/// format, on lines that parse and lines that do not. redis-server refuses each line.
#[test]
fn unknown_redis_directives_named_for_a_credential_are_masked() {
    let lines = [
        ("requirepassword RpPw1", "RpPw1"),
        ("masterpass MpPw2", "MpPw2"),
        ("auth AuPw3", "AuPw3"),
        ("password PwPw4", "PwPw4"),
        ("pass PPw5", "PPw5"),
        ("my-api-key SkPw6", "SkPw6"),
        ("requirepassword \"BrPw7", "BrPw7"),
    ];
    let dir = tempfile::tempdir().expect("tmp");
    let conf = dir.path().join("etc/redis/redis.conf");
    let mut text = String::from("port 6379\n");
    for (line, _) in lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str("bind 0.0.0.0\n");
    write(&conf, &text);
    write(
        &dir.path().join("etc/redis/sentinel.conf"),
        "port 26379\nsentinel sentinel-pass SentPw8\nsentinel monitor m 127.0.0.1 6379 2\n",
    );
    if let Some(redis) = common::oracle("redis-server") {
        for (line, secret) in lines {
            let one = dir.path().join("one.conf");
            std::fs::write(&one, format!("{line}\n")).expect("write");
            let out = Command::new(&redis).arg(&one).output().expect("redis-server");
            let said = all_output(&out);
            assert!(
                said.contains("FATAL CONFIG FILE ERROR") && said.contains(secret),
                "redis-server accepts {line}:\n{said}"
            );
        }
    }
    let mut outputs = every_output(dir.path(), &[]);
    for f in ["etc/redis/redis.conf", "etc/redis/sentinel.conf"] {
        outputs.push((format!("parse {f}"), all_output(&sesslint_in(dir.path(), &["parse", f]))));
    }
    for (what, out) in &outputs {
        for secret in lines.iter().map(|(_, s)| *s).chain(["SentPw8"]) {
            assert!(!out.contains(secret), "{what} shows {secret}:\n{out}");
        }
    }
    let human = &outputs[0].1;
    assert!(human.contains("requirepassword ********"), "{human}");
}

/// A broken redis.conf line (an unbalanced quote) under a name redis-server does not know
/// keeps its ACL `>password` / `#hash` words masked, as a balanced one does; a module's
/// config named for a credential (`ldap.search_bind_passwd`, `mymod.password`,
/// `mymod.auth-token`) is masked on well-formed and broken lines. Every output: each check
/// format with and without `--diff`, `show`, `parse` text and json, the hook's `check FILE`.
#[test]
fn acl_words_of_broken_lines_and_module_configs_named_for_a_credential_are_masked() {
    let broken = [
        ("users bob on >LeakA1 \"", "LeakA1"),
        ("xyz >LeakB2 \"", "LeakB2"),
        ("acl-user bob >LeakE5 \"", "LeakE5"),
        ("usr bob on #LeakF6 \"", "LeakF6"),
        ("zz bob \">LeakG7", "LeakG7"),
        ("mymod.password \"LeakMod3", "LeakMod3"),
        ("mymod.rules on >LeakMod4 \"", "LeakMod4"),
    ];
    let module = [
        ("mymod.password LeakMod1", "LeakMod1"),
        ("mymod.auth-token LeakMod2", "LeakMod2"),
        ("ldap.search_bind_passwd LeakLdap", "LeakLdap"),
        ("mymod.acl >LeakMod5", "LeakMod5"),
    ];
    if let Some(redis) = common::oracle("redis-server") {
        let dir = tempfile::tempdir().expect("tmp");
        let one = dir.path().join("one.conf");
        for (line, secret) in broken.iter().filter(|(l, _)| !l.contains('.')) {
            std::fs::write(&one, format!("port 0\n{line}\n")).expect("write");
            let said = all_output(&Command::new(&redis).arg(&one).output().expect("redis-server"));
            assert!(
                said.contains("FATAL CONFIG FILE ERROR") && said.contains(secret),
                "redis-server accepts {line}:\n{said}"
            );
        }
        // A module's config is read as one (queued for the module): `port 0` then stops the
        // server before it listens or asks for the module.
        for (line, _) in module {
            std::fs::write(&one, format!("port 0\n{line}\n")).expect("write");
            let said = all_output(&Command::new(&redis).arg(&one).output().expect("redis-server"));
            assert!(
                said.contains("Configuration loaded") && !said.contains("FATAL CONFIG FILE ERROR"),
                "redis-server does not read {line} as a module config:\n{said}"
            );
        }
    } else {
        common::skipped("redis-server is not installed: its reading of the lines is not checked live");
    }
    let repo = tempfile::tempdir().expect("tmp");
    std::process::Command::new("git").args(["init", "-q"]).current_dir(repo.path()).status().expect("git init");
    let mut conf = String::from("port 6379\nbind 10.0.0.5\n");
    for (line, _) in module.iter().chain(&broken) {
        conf.push_str(line);
        conf.push('\n');
    }
    conf.push_str("loadmodule /usr/lib/redis/mymod.so\n");
    write(&repo.path().join("etc/redis/redis.conf"), &conf);
    let mut outputs = every_output(repo.path(), &[]);
    outputs.extend(every_output(repo.path(), &["--diff"]));
    for args in [
        vec!["parse", "etc/redis/redis.conf"],
        vec!["parse", "--format", "json", "etc/redis/redis.conf"],
        vec!["check", "etc/redis/redis.conf"],
        vec!["check", "--format", "json", "etc/redis/redis.conf"],
    ] {
        outputs.push((args.join(" "), all_output(&sesslint_in(repo.path(), &args))));
    }
    for (what, text) in &outputs {
        for (_, secret) in module.iter().chain(&broken) {
            assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
        }
    }
    // The frames still show the lines, masked where the secrets stood.
    let human = &outputs[0].1;
    assert!(human.contains("users bob on >********"), "{human}");
    assert!(human.contains("mymod.password ********"), "{human}");
}

/// Credentials written into a Magento host in any URL form: a `unix://` socket with
/// user-info, a socket path with `?auth=`, user-info without a scheme.
#[test]
fn magento_hosts_of_every_url_form_never_show_a_password() {
    let hosts = [
        ("unix://user:UxPw1@/var/run/redis.sock", "UxPw1"),
        ("unix://:UxPw2@/var/run/redis.sock", "UxPw2"),
        ("/var/run/redis.sock?auth=UxPw3", "UxPw3"),
        ("unix:///var/run/redis.sock?auth=UxPw4", "UxPw4"),
        ("user:NoSchemePw5@127.0.0.1", "NoSchemePw5"),
    ];
    for (host, secret) in hosts {
        let dir = tempfile::tempdir().expect("tmp");
        write(
            &dir.path().join("var/www/s/app/etc/env.php"),
            format!("<?php\nreturn ['session' => ['save' => 'redis', 'redis' => ['host' => '{host}', 'port' => '6379', 'database' => '2']]];\n"),
        );
        let mut outputs = every_output(dir.path(), &[]);
        outputs.push(("parse".into(), all_output(&sesslint_in(dir.path(), &["parse", "var/www/s/app/etc/env.php"]))));
        for (what, out) in &outputs {
            assert!(!out.contains(secret), "{what} shows {secret}:\n{out}");
        }
        assert!(outputs[6].1.contains("********"), "show names the endpoint:\n{}", outputs[6].1);
    }
}

/// Reads one framed message body from the language server, `None` at its end.
fn read_frame(reader: &mut impl std::io::BufRead) -> Option<String> {
    let mut length = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        match header.trim().strip_prefix("Content-Length:") {
            Some(n) => length = n.trim().parse().ok(),
            None if header.trim().is_empty() => break,
            None => {}
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    Some(String::from_utf8_lossy(&body).into_owned())
}

/// Everything the language server sends for a workspace `root` when each of `docs` is
/// opened and hovered at every column of every line, and quick fixes are asked for over
/// each whole document: diagnostics, hovers, code-action titles and edits, all of it.
fn lsp_transcript(root: &Path, docs: &[PathBuf]) -> Vec<String> {
    lsp_transcript_hovering(root, docs, usize::MAX)
}

/// [`lsp_transcript`], hovering on the first `hovered` lines of each document only.
fn lsp_transcript_hovering(root: &Path, docs: &[PathBuf], hovered: usize) -> Vec<String> {
    let mut child = Command::new(bin())
        .arg("lsp")
        .env("CI_SECRET_TOKEN", CANARY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let mut stdin = child.stdin.take().expect("stdin");
    let uri = |p: &Path| format!("file://{}", p.display());
    let mut input = Vec::new();
    let init = serde_json::json!({"jsonrpc":"2.0","id":0,"method":"initialize",
        "params":{"capabilities":{},"rootUri":uri(root)}});
    input.extend(frame(&init.to_string()));
    input.extend(frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#));
    let mut id = 0;
    for doc in docs {
        let text = std::fs::read_to_string(doc).expect("read");
        let open = serde_json::json!({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{
            "uri": uri(doc), "languageId":"ini", "version":1, "text": text}}});
        input.extend(frame(&open.to_string()));
        for (line, l) in text.lines().enumerate().take(hovered) {
            for character in 0..=l.chars().count() {
                id += 1;
                let hover = serde_json::json!({"jsonrpc":"2.0","id":id,"method":"textDocument/hover","params":{
                    "textDocument":{"uri":uri(doc)},"position":{"line":line,"character":character}}});
                input.extend(frame(&hover.to_string()));
            }
        }
        id += 1;
        let lines = text.lines().count() + 1;
        let actions = serde_json::json!({"jsonrpc":"2.0","id":id,"method":"textDocument/codeAction","params":{
            "textDocument":{"uri":uri(doc)},
            "range":{"start":{"line":0,"character":0},"end":{"line":lines,"character":0}},
            "context":{"diagnostics":[]}}});
        input.extend(frame(&actions.to_string()));
    }
    stdin.write_all(&input).expect("write");
    let mut reader = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut out = Vec::new();
    let mut answered = std::collections::BTreeSet::new();
    let mut published = std::collections::BTreeSet::new();
    while answered.len() < id as usize + 1 || published.len() < docs.len() {
        let Some(body) = read_frame(&mut reader) else { panic!("the server ended early:\n{}", out.join("\n")) };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json from the server");
        if let Some(n) = v.get("id").and_then(|i| i.as_i64()) {
            answered.insert(n);
        }
        if v["method"] == "textDocument/publishDiagnostics" {
            let u = v["params"]["uri"].as_str().unwrap_or_default().to_owned();
            if docs.iter().any(|d| uri(d) == u) {
                published.insert(u);
            }
        }
        out.push(body);
    }
    stdin.write_all(&frame(r#"{"jsonrpc":"2.0","id":999999,"method":"shutdown"}"#)).expect("write");
    stdin.write_all(&frame(r#"{"jsonrpc":"2.0","method":"exit"}"#)).expect("write");
    drop(stdin);
    while let Some(body) = read_frame(&mut reader) {
        out.push(body);
    }
    child.wait().expect("wait");
    out
}

/// Nothing the language server publishes (diagnostics with their related information,
/// hovers on every column, code-action titles and edits) carries a secret, on lines that
/// parse and lines that do not; a hover over a secret shows it masked.
#[test]
fn the_language_server_never_shows_a_secret() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let redis = d.join("etc/redis/redis.conf");
    write(
        &redis,
        "bind 0.0.0.0\nport 6379\nrequirepass ReqPw1\nmasterauth MastPw2\nuser alice on >AclPw3 ~* +@all\nrequirepas TypoPw4\nrequirepassword LongPw5\nmasterauth \"BrokenPw6\n",
    );
    let ini = d.join("etc/php/8.2/cli/php.ini");
    write(
        &ini,
        "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?auth=IniPw7&database=2\"\nmysqli.default_pw = IniPw8\nmysql.default_pass = IniPw9\nsession.name = \"BrokenLine\n",
    );
    let env = d.join("var/www/s/app/etc/env.php");
    write(
        &env,
        "<?php\nreturn ['session' => ['save' => 'redis', 'redis' => ['host' => 'tcp://:EnvPw10@127.0.0.1', 'password' =>\n 'a' 'EnvPw11', 'database' => '2']]];\n",
    );
    let out = lsp_transcript(d, &[redis, ini, env]);
    let all = out.join("\n");
    for n in 1..=11 {
        let secret =
            ["ReqPw", "MastPw", "AclPw", "TypoPw", "LongPw", "BrokenPw", "IniPw", "IniPw", "IniPw", "EnvPw", "EnvPw"]
                [n - 1];
        let secret = format!("{secret}{n}");
        assert!(!all.contains(&secret), "the language server sent {secret}:\n{all}");
    }
    assert!(!all.contains(CANARY), "{all}");
    let hovers: Vec<&String> = out.iter().filter(|m| m.contains("\"contents\"")).collect();
    assert!(hovers.iter().any(|h| h.contains("requirepass") && h.contains("********")), "{hovers:#?}");
    assert!(hovers.iter().any(|h| h.contains("auth=********")), "{hovers:#?}");
    assert!(all.contains("publishDiagnostics") && all.contains("SL001"), "{all}");
}

/// redis.conf and ACL lines redis-server refuses with a password after a masked name
/// (`; requirepass pw`, `requirepass=pw`, `config set requirepass pw`, `; user x on >pw`):
/// nothing the language server sends shows it; and a redis.conf and an ACL file of 20,000
/// `\0` lines (redis-server keeps nothing of them) are answered, diagnostics and a hover,
/// as any file is (their secrets pass once cost the square of the run).
#[test]
fn the_language_server_masks_refused_redis_lines_and_answers_nul_runs() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let redis = d.join("etc/redis/redis.conf");
    write(
        &redis,
        "bind 127.0.0.1\n; requirepass RefPw1\nrequirepass=RefPw2\nconfig set requirepass RefPw3\n-- masterauth RefPw4\nREQUIREPASS:RefPw5\naclfile /etc/redis/users.acl\n",
    );
    let acl = d.join("etc/redis/users.acl");
    write(&acl, "user default on nopass ~* +@all\n; user alice on >RefPw6 ~* +@all\nuser=bob on >RefPw7\n");
    let all = lsp_transcript(d, &[redis, acl]).join("\n");
    // Any case: SL003's message names a glued name lowercased.
    let lower = all.to_ascii_lowercase();
    for n in 1..=7 {
        assert!(!lower.contains(&format!("refpw{n}")), "the language server sent RefPw{n}:\n{all}");
    }
    assert!(all.contains("SL003") && all.contains("********"), "{all}");

    let nul = tempfile::tempdir().expect("tmp");
    let conf = nul.path().join("etc/redis/redis.conf");
    let acl = nul.path().join("etc/redis/users.acl");
    write(&conf, "\0\n".repeat(20_000) + "aclfile /etc/redis/users.acl\n");
    write(&acl, "\0\n".repeat(20_000));
    let out = lsp_transcript_hovering(nul.path(), &[conf, acl], 1);
    let published = out.iter().filter(|m| m.contains("publishDiagnostics")).count();
    assert!(published >= 2, "{out:#?}");
}

/// Files the real program refuses outright are never a silent exit 0: an stunnel file with
/// an unclosed `[service` (stunnel 5.68: `"[redis": No '=' found`, `Configuration failed`,
/// exit 1, checked live when stunnel is installed) and an env.php that PHP compiles but
/// that returns no array (`php -l` passes; Magento's deployment config reader throws
/// "Invalid configuration file").
#[test]
fn files_the_program_refuses_are_never_a_silent_pass() {
    let dir = tempfile::tempdir().expect("tmp");
    let conf = dir.path().join("etc/stunnel/redis.conf");
    write(&conf, "[redis\naccept = 127.0.0.1:6380\nconnect = 10.0.0.5:6379\n");
    if let Some(stunnel) = common::oracle("stunnel") {
        // `foreground`/`pid=` keep a (wrongly) accepted file from daemonising; stunnel stops
        // while reading this one, before it opens any socket.
        let probe = dir.path().join("probe.conf");
        std::fs::write(&probe, format!("foreground = yes\npid =\n{}", std::fs::read_to_string(&conf).expect("read")))
            .expect("write");
        let out = Command::new(stunnel).arg(&probe).stdin(Stdio::null()).output().expect("stunnel");
        let said = all_output(&out);
        assert_eq!(out.status.code(), Some(1), "{said}");
        assert!(said.contains("No '=' found") && said.contains("Configuration failed"), "{said}");
    }
    let o = sesslint_in(dir.path(), &["check", "--format", "concise", "."]);
    let out = all_output(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("SL001") && out.contains("No '=' found") && out.contains("stunnel"), "{out}");

    // spiped has no configuration file: its command line in a unit is what it refuses.
    let dir = tempfile::tempdir().expect("tmp");
    let unit = "[Service]\nExecStart=/usr/bin/spiped -F -d -s [0.0.0.0]:46379 -t [127.0.0.1]:6379\n";
    write(&dir.path().join("etc/systemd/system/spiped-redis.service"), unit);
    if let Some(spiped) = common::oracle("spiped") {
        // Loopback ports only; spiped stops at its usage before it binds anything.
        let out = Command::new(spiped)
            .args(["-F", "-d", "-s", "[127.0.0.1]:46379", "-t", "[127.0.0.1]:6379"])
            .stdin(Stdio::null())
            .output()
            .expect("spiped");
        assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
        assert!(all_output(&out).contains("usage: spiped"), "{}", all_output(&out));
    }
    let o = sesslint_in(dir.path(), &["check", "--format", "concise", "."]);
    let out = all_output(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("SL001") && out.contains("spiped without -k"), "{out}");

    let no_array = [
        "<?php return 5;\n",
        "<?php\n",
        "<?php return null;\n",
        "<?php return;\n",
        "<?php return 'x';\n",
        // Statements without any `return`: `include` gives int(1).
        "<?php\n$x = 1;\n",
        "<?php\ndeclare(strict_types=1);\n$db = ['host' => 'localhost'];\n",
        "<?php\n$x = 1;\nreturn null;\n",
    ];
    // Code that may return an array (php 8.2 gives one) or ends the request: no SL302.
    for body in [
        "<?php\nif (true) { return ['db' => []]; }\n",
        "<?php\n$c = ['db' => []];\nreturn $c;\n",
        "<?php\n$c = ['db' => []];\nreturn ['db' => []];\n",
    ] {
        let dir = tempfile::tempdir().expect("tmp");
        let env = dir.path().join("var/www/s/app/etc/env.php");
        write(&env, body);
        if let Some(php) = common::oracle("php") {
            let is_array = Command::new(&php)
                .arg("-r")
                .arg("echo is_array(include $argv[1]) ? 'array' : 'not';")
                .arg(&env)
                .output()
                .expect("php -r");
            assert_eq!(String::from_utf8_lossy(&is_array.stdout), "array", "{body:?}");
        }
        let out = all_output(&sesslint_in(dir.path(), &["check", "--format", "concise", "."]));
        assert!(!out.contains("not an array"), "{body:?}: {out}");
    }
    for body in no_array {
        let dir = tempfile::tempdir().expect("tmp");
        let env = dir.path().join("var/www/s/app/etc/env.php");
        write(&env, body);
        if let Some(php) = common::oracle("php") {
            let lint = Command::new(&php).arg("-l").arg(&env).output().expect("php -l");
            assert!(lint.status.success(), "php -l refuses {body:?}: {}", all_output(&lint));
            // What Magento's Reader::load() tests.
            let is_array = Command::new(&php)
                .arg("-r")
                .arg("echo is_array(include $argv[1]) ? 'array' : 'not';")
                .arg(&env)
                .output()
                .expect("php -r");
            assert_eq!(String::from_utf8_lossy(&is_array.stdout), "not", "{body:?}");
        }
        let o = sesslint_in(dir.path(), &["check", "--format", "concise", "."]);
        let out = all_output(&o);
        assert_eq!(o.status.code(), Some(1), "{body:?}: {out}");
        assert!(out.contains("SL302") && out.contains("not an array"), "{body:?}: {out}");
    }
}

/// A path argument with `..` names the same files as without: each is read and reported
/// once, under its clean name.
#[test]
fn path_arguments_with_dot_dot_are_cleaned() {
    let dir = tempfile::tempdir().expect("tmp");
    write(&dir.path().join("etc/redis/redis.conf"), "bind 0.0.0.0\nport 6379\nprotected-mode no\n");
    std::fs::create_dir_all(dir.path().join("sub")).expect("mkdir");
    for args in [&[".", "etc/../etc"][..], &["etc", "sub/../etc"][..], &["./etc/."][..]] {
        let mut all = vec!["check", "--format", "concise"];
        all.extend_from_slice(args);
        let out = all_output(&sesslint_in(dir.path(), &all));
        let sl203 = out.lines().filter(|l| l.contains("SL203")).count();
        assert_eq!(sl203, 1, "{args:?}:\n{out}");
        assert!(!out.contains(".."), "{args:?}:\n{out}");
        let mut show = vec!["show"];
        show.extend_from_slice(args);
        let out = all_output(&sesslint_in(dir.path(), &show));
        assert_eq!(out.lines().filter(|l| l.starts_with("Redis ")).count(), 1, "{args:?}:\n{out}");
    }
}

/// One tree named by two spellings, absolute and relative (`$PWD/etc .`, `etc ./etc`,
/// `$PWD/etc etc`): each file is read and reported once.
#[test]
fn absolute_and_relative_spellings_of_one_tree_report_each_file_once() {
    let dir = tempfile::tempdir().expect("tmp");
    write(&dir.path().join("etc/redis/redis.conf"), "bind 0.0.0.0\nport 6379\nprotected-mode no\n");
    write(&dir.path().join("etc/php/8.2/fpm/php.ini"), "session.save_handler = files\n");
    let abs = dir.path().join("etc").to_string_lossy().into_owned();
    for args in [&[abs.as_str(), "."][..], &["etc", "./etc"][..], &[abs.as_str(), "etc"][..], &[".", abs.as_str()][..]]
    {
        let mut all = vec!["check", "-v", "--format", "concise"];
        all.extend_from_slice(args);
        let out = all_output(&sesslint_in(dir.path(), &all));
        assert_eq!(out.lines().filter(|l| l.contains("SL203")).count(), 1, "{args:?}:\n{out}");
        let reads: Vec<&str> = out.lines().filter(|l| l.starts_with("sesslint: read ")).collect();
        assert_eq!(reads.len(), 2, "{args:?}: each file read once:\n{out}");
        let mut show = vec!["show"];
        show.extend_from_slice(args);
        let out = all_output(&sesslint_in(dir.path(), &show));
        assert_eq!(out.lines().filter(|l| l.starts_with("Redis ")).count(), 1, "{args:?}:\n{out}");
    }
}

/// Save-path parameters phpredis does not know but whose names say they hold a credential
/// (`auht`, a swap of two letters; `token`; `x-auth-key`) are masked like `auth`.
#[test]
fn save_path_parameters_named_for_a_credential_are_masked() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        &dir.path().join("etc/php/8.2/cli/php.ini"),
        "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?auht=SwapPw1&token=TokPw2&x-auth-key=KeyPw3&database=2\"\n",
    );
    let mut outputs = every_output(dir.path(), &[]);
    outputs.push(("parse".into(), all_output(&sesslint_in(dir.path(), &["parse", "etc/php/8.2/cli/php.ini"]))));
    for (what, out) in &outputs {
        for secret in ["SwapPw1", "TokPw2", "KeyPw3"] {
            assert!(!out.contains(secret), "{what} shows {secret}:\n{out}");
        }
    }
}

/// A directive commented out still holds a password (often the one before the current), and
/// a php-fpm line without `=` that php-fpm refuses (`#secret value`) is judged by its first
/// word: neither reaches a code frame, as the finding's line or as a context line.
#[test]
fn commented_out_and_refused_lines_hide_their_passwords() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        &dir.path().join("etc/redis/redis.conf"),
        "bind 0.0.0.0\n# requirepass OldPw1\n#masterauth OldPw2\n# user bob on >OldPw3 ~*\nprotected-mode no\nport 6379\n",
    );
    write(&dir.path().join("etc/php/8.2/fpm/php-fpm.conf"), "[global]\n");
    write(
        &dir.path().join("etc/php/8.2/fpm/pool.d/www.conf"),
        "[www]\nlisten = 127.0.0.1:9000\n#secret FpmPw4\n;env[REDIS_PASSWORD] FpmPw5\n",
    );
    let out = every_output(dir.path(), &[]);
    for (what, text) in &out {
        for secret in ["OldPw1", "OldPw2", "OldPw3", "FpmPw4", "FpmPw5"] {
            assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
        }
    }
    let human = &out[0].1;
    assert!(human.contains("# requirepass ********") && human.contains("#secret ********"), "{human}");
}

/// PHP's compile warning for an octal escape over `\377` quotes the escape: inside a
/// password, `parse` masks it (PHP itself prints `\401`).
#[test]
fn a_php_warning_inside_a_password_quotes_nothing_of_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let env = dir.path().join("app/etc/env.php");
    write(&env, "<?php\nreturn ['session' => ['save' => 'redis', 'redis' => ['password' => \"Ab\\401Cd\"]]];\n");
    if let Some(php) = common::oracle("php") {
        let out = all_output(&Command::new(php).arg("-l").arg(&env).output().expect("php -l"));
        assert!(out.contains("Octal escape sequence overflow \\401"), "{out}");
    }
    let out = all_output(&sesslint_in(dir.path(), &["parse", "app/etc/env.php"]));
    assert!(out.contains("Octal escape sequence overflow ********"), "{out}");
    assert!(!out.contains("\\401") && !out.contains("Ab") && !out.contains("Cd"), "{out}");
}

/// Twenty thousand broken entries on one line of env.php (every one a parser error that
/// quotes a token, half of them in a password): `parse` lists at most 500 problems and
/// counts the rest, `check` keeps its caps, and no token of a password is quoted. (The work
/// is bounded too: locating a problem or a suppression no longer rescans the line.)
#[test]
fn a_line_of_many_errors_gives_a_bounded_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let entries: String = (0..20_000).map(|i| format!("'password' => 'a' 'Pw{i}x', 'k{i}' => 'a' 'v{i}', ")).collect();
    write(&dir.path().join("app/etc/env.php"), format!("<?php return [{entries}];\n"));
    let o = sesslint_in(dir.path(), &["parse", "app/etc/env.php"]);
    let err = String::from_utf8_lossy(&o.stderr);
    let problems = err.lines().filter(|l| l.starts_with("app/etc/env.php:")).count();
    assert!(problems <= 501, "{problems} problems");
    assert!(
        err.contains("more problem(s) in this file left out (at most 500)"),
        "{}",
        &err[err.len().saturating_sub(500)..]
    );
    let check = sesslint_in(dir.path(), &["check", "--format", "concise", "."]);
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(out.lines().count() <= 502, "{} lines", out.lines().count());
    for text in [&*err, &*out] {
        assert!(!text.contains("Pw1x") && !text.contains("Pw19999x"), "a password token is quoted");
    }
}

/// Files that share a name with a config but live where no program reads them are not
/// checked: Debian's stunnel4 installs `/usr/lib/sysusers.d/stunnel4.conf` (`g stunnel4 -`,
/// `u stunnel4 ...`), redis-server a tmpfiles.d file, and `/usr/share/doc` holds example
/// copies. stunnel reads `/etc/stunnel/*.conf`, which stays checked; a sysusers file named
/// on the command line is still read.
#[test]
fn files_no_program_reads_are_not_taken_for_configs() {
    let dir = tempfile::tempdir().expect("tmp");
    let sysusers = "g stunnel4 -\nu stunnel4 -:stunnel4 \"stunnel service\" /var/run/stunnel4\n";
    write(&dir.path().join("usr/lib/sysusers.d/stunnel4.conf"), sysusers);
    write(&dir.path().join("usr/lib/tmpfiles.d/redis-server.conf"), "d /run/redis 2775 redis redis -\n");
    write(&dir.path().join("usr/share/doc/stunnel4/examples/stunnel.conf"), "[redis\naccept = 6380\n");
    write(&dir.path().join("usr/share/doc/redis/examples/redis.conf"), "bind 0.0.0.0\nprotected-mode no\n");
    let o = sesslint_in(dir.path(), &["check", "--format", "concise", "usr"]);
    let out = all_output(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(!out.contains("SL001") && !out.contains("sysusers") && !out.contains("share/doc"), "{out}");

    write(&dir.path().join("etc/stunnel/redis.conf"), "[redis\naccept = 127.0.0.1:6380\n");
    let out = all_output(&sesslint_in(dir.path(), &["check", "--format", "concise", "."]));
    assert!(out.contains("etc/stunnel/redis.conf:1:1: error[SL001]"), "{out}");
    assert!(!out.contains("sysusers") && !out.contains("share/doc"), "{out}");
}

/// A tracked symlink to a directory outside the work tree, `confdir -> ../out`, named on the
/// command line in any spelling: refused as a file symlink is, by every command that reads.
#[test]
fn a_symlinked_directory_named_on_the_command_line_does_not_widen_the_work_tree() {
    let outer = tempfile::tempdir().expect("tmp");
    let repo = outer.path().join("repo");
    let out_dir = outer.path().join("out");
    write(&out_dir.join("redis/redis.conf"), "port 6379\nleaked-outside-xyzzy 1\n");
    write(&out_dir.join("php/php.ini"), "session.save_handler = files\nsession.save_path = \"/var/lib/xyzzy\"\n");
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    write(&repo.join("etc/redis/redis.conf"), "port 6380\n");
    std::os::unix::fs::symlink("../out", repo.join("confdir")).expect("symlink dir");
    let abs = repo.join("confdir");
    let abs = abs.to_str().expect("utf-8 tmp path");
    for spelling in ["confdir", "confdir/", "confdir/redis", "confdir/redis/redis.conf", "confdir/php/php.ini", abs] {
        for args in [
            &["check", "--format", "concise"][..],
            &["check", "--format", "json"],
            &["check", "--fix"],
            &["show"],
            &["show", "--format", "json"],
        ] {
            let o = sesslint_in(&repo, &[args, &[spelling]].concat());
            let text = all_output(&o);
            assert!(!text.contains("xyzzy"), "{args:?} {spelling}: {text}");
            assert!(text.contains("outside the checked"), "{args:?} {spelling} is refused, loudly: {text}");
        }
        let o = sesslint_in(&repo, &["migrate", "--redis", "tcp://127.0.0.1:6379", spelling]);
        assert!(!all_output(&o).contains("xyzzy"), "migrate {spelling}: {}", all_output(&o));
    }
    for file in ["confdir/redis/redis.conf", "confdir/php/php.ini"] {
        let o = sesslint_in(&repo, &["parse", file]);
        let text = all_output(&o);
        assert!(!text.contains("xyzzy") && text.contains("outside the checked tree"), "parse {file}: {text}");
        assert_eq!(o.status.code(), Some(2), "parse {file}: {text}");
    }
    // Nothing outside was written by --fix.
    let redis = std::fs::read_to_string(out_dir.join("redis/redis.conf")).expect("read");
    assert_eq!(redis, "port 6379\nleaked-outside-xyzzy 1\n");

    // Still read: a plain directory, a symlink that stays in the work tree, and a symlinked
    // directory outside any work tree (the argument is the boundary).
    std::os::unix::fs::symlink("etc", repo.join("inside")).expect("symlink inside");
    for spelling in ["etc", "inside", "inside/redis/redis.conf"] {
        let text = all_output(&sesslint_in(&repo, &["check", "--format", "concise", spelling]));
        assert!(!text.contains("SL002") && text.contains("redis.conf"), "{spelling}: {text}");
    }
    // `--root confdir` is refused too: pre-commit's `args:` come from the repository.
    for args in [
        &["check", "--format", "concise", "--root", "confdir", "confdir"][..],
        &["parse", "--root", "confdir", "etc/redis/redis.conf"],
    ] {
        let o = sesslint_in(&repo, args);
        let text = all_output(&o);
        assert!(
            !text.contains("xyzzy") && text.contains("--root confdir: it leads outside the checked tree"),
            "{args:?}: {text}"
        );
        assert_eq!(o.status.code(), Some(2), "{args:?}: {text}");
    }
    let abs_out = out_dir.to_str().expect("utf-8 tmp path");
    let text = all_output(&sesslint_in(&repo, &["check", "--format", "concise", "--root", abs_out, abs_out]));
    assert!(text.contains("xyzzy"), "--root spelled outside the work tree names the tree to read: {text}");
    let plain = outer.path().join("plain");
    std::fs::create_dir_all(&plain).expect("mkdir");
    std::os::unix::fs::symlink("../out", plain.join("confdir")).expect("symlink");
    let text = all_output(&sesslint_in(&plain, &["check", "--format", "concise", "confdir"]));
    assert!(text.contains("xyzzy"), "outside any work tree the argument is its own boundary: {text}");
}

/// `--config FILE` and `--inventory FILE` (a pre-commit hook's `args:` come from the
/// repository) outside the checked trees: read (an Ansible run keeps its inventory beside
/// its reports, not in the fleet), but an error quotes none of the file (a TOML error names
/// a key, an inventory error quotes its line); inside, errors still say what is wrong.
#[test]
fn a_config_or_inventory_named_outside_the_checked_tree_is_never_quoted() {
    let outer = tempfile::tempdir().expect("tmp");
    let (repo, elsewhere) = (outer.path().join("repo"), outer.path().join("elsewhere"));
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    write(&repo.join("etc/redis/redis.conf"), "port 6379\n");
    let toml = "aws_secret_xyzzy = \"s3cr3t-xyzzy\"\n";
    let ini = "[web]\nhost-xyzzy ansible_host=10.0.0.1\n[[[range-xyzzy\n";
    let yaml = "all:\n  hosts:\n    web: {ansible_host: \"xyzzy\", x: [}\n";
    for dir in [&repo, &elsewhere] {
        write(&dir.join("cfg/conf.toml"), toml);
        write(&dir.join("cfg/hosts.ini"), ini);
        write(&dir.join("cfg/hosts.yml"), yaml);
        write(&dir.join("cfg/valid.toml"), "ignore = [\"SL201\"]\n");
        write(&dir.join("cfg/valid.ini"), "[redis]\nredis-host ansible_host=10.0.0.1\n");
    }
    let outside = |name: &str| elsewhere.join("cfg").join(name).to_str().expect("utf-8 tmp path").to_owned();
    std::os::unix::fs::symlink(outside("conf.toml"), repo.join("linked.toml")).expect("symlink");
    let cases = [
        ("--config", outside("conf.toml")),
        ("--config", "linked.toml".to_owned()),
        ("--inventory", outside("hosts.ini")),
        ("--inventory", outside("hosts.yml")),
    ];
    for (flag, file) in cases {
        let o = sesslint_in(&repo, &["check", flag, &file, "."]);
        let text = all_output(&o);
        assert!(!text.contains("xyzzy"), "{flag} {file}: {text}");
        assert!(text.contains("outside the checked trees"), "{flag} {file}: {text}");
        assert_eq!(o.status.code(), Some(2), "{flag} {file}: {text}");
    }
    // Inside the tree the errors say what is wrong, quoting the file.
    let text = all_output(&sesslint_in(&repo, &["check", "--config", "cfg/conf.toml", "."]));
    assert!(text.contains("unknown key `aws_secret_xyzzy`"), "{text}");
    let text = all_output(&sesslint_in(&repo, &["check", "--inventory", "cfg/hosts.ini", "."]));
    assert!(text.contains("range-xyzzy"), "{text}");
    // Valid files outside are used.
    let o = sesslint_in(&repo, &["check", "--format", "concise", "--config", &outside("valid.toml"), "."]);
    assert!(o.status.success() && !all_output(&o).contains("SL201"), "{}", all_output(&o));
    let o = sesslint_in(&repo, &["check", "--inventory", &outside("valid.ini"), "."]);
    assert!(o.status.code() != Some(2), "{}", all_output(&o));
}

/// An inventory outside the checked trees (named outside, or a symlink in the tree leading
/// out) never reaches the output: a file that is no INI inventory (a private key) is
/// refused quoting nothing, and the names and addresses of a valid INI one's hosts without
/// a tree (INI reads any bare word as a host) are counted, not printed, by `show` (human,
/// json) and `check`. JSON and YAML name hosts by structure (`ansible_example.rs`).
#[test]
fn an_inventory_outside_the_checked_trees_is_never_printed() {
    let outer = tempfile::tempdir().expect("tmp");
    let (repo, out) = (outer.path().join("repo"), outer.path().join("out"));
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    write(&repo.join("fleet/web/etc/php/8.2/cli/php.ini"), "session.save_handler = files\n");
    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQLeakKEY1\n-----END OPENSSH PRIVATE KEY-----\n";
    write(&out.join("id_fake"), key);
    write(&out.join("hosts"), "[web]\nweb ansible_host=10.0.0.4\nghost-LeakINV1 ansible_host=10.9.9.LeakINV2\n");
    std::os::unix::fs::symlink(out.join("id_fake"), repo.join("key.ini")).expect("symlink");
    std::os::unix::fs::symlink(out.join("hosts"), repo.join("hosts.ini")).expect("symlink");
    for args in [
        &["show", "--inventory", "key.ini", "fleet"][..],
        &["show", "--format", "json", "--inventory", "key.ini", "fleet"],
    ] {
        let o = sesslint_in(&repo, args);
        let text = all_output(&o);
        assert!(!text.contains("Leak") && !text.contains("OPENSSH"), "{args:?}: {text}");
        assert!(text.contains("outside the checked trees"), "{args:?}: {text}");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {text}");
    }
    let runs: [&[&str]; 4] = [
        &["show", "--inventory", "hosts.ini", "fleet"],
        &["show", "--format", "json", "--inventory", "hosts.ini", "fleet"],
        &["check", "--format", "concise", "--inventory", "hosts.ini", "fleet"],
        &["check", "--format", "json", "--inventory", "hosts.ini", "fleet"],
    ];
    for args in runs {
        let o = sesslint_in(&repo, args);
        let text = all_output(&o);
        assert!(!text.contains("Leak"), "{args:?}: {text}");
        assert!(o.status.code() != Some(2), "{args:?}: {text}");
        if args[0] == "show" {
            assert!(text.contains("1 host(s) of inventory hosts.ini have no tree in the fleet"), "{args:?}: {text}");
        }
    }
    // Inside the tree the same hosts are named, and a key is refused by line.
    std::fs::remove_file(repo.join("hosts.ini")).expect("rm");
    std::fs::copy(out.join("hosts"), repo.join("hosts.ini")).expect("cp");
    let text = all_output(&sesslint_in(&repo, &["show", "--inventory", "hosts.ini", "fleet"]));
    assert!(text.contains("host `ghost-LeakINV1`"), "{text}");
    std::fs::remove_file(repo.join("key.ini")).expect("rm");
    write(&repo.join("key.ini"), key);
    let o = sesslint_in(&repo, &["show", "--inventory", "key.ini", "fleet"]);
    let text = all_output(&o);
    assert!(text.contains("key.ini: line 1: words after the host name must be `key=value`"), "{text}");
    assert_eq!(o.status.code(), Some(2), "{text}");
}

/// A checkout with hundreds of directory symlinks out of it gives a bounded report: the
/// first links one by one, the rest counted in one more finding.
#[test]
fn symlinks_out_of_the_tree_are_listed_up_to_a_bound_then_counted() {
    let outer = tempfile::tempdir().expect("tmp");
    let (repo, out) = (outer.path().join("repo"), outer.path().join("out"));
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    write(&repo.join("etc/redis/redis.conf"), "port 6379\n");
    write(&out.join("redis.conf"), "leaked-xyzzy 1\n");
    for i in 0..300 {
        std::os::unix::fs::symlink(&out, repo.join(format!("etc/redis/link{i:03}"))).expect("symlink");
    }
    let o = sesslint_in(&repo, &["check", "--format", "concise", "."]);
    let text = all_output(&o);
    assert!(!text.contains("xyzzy"), "{text}");
    // The tree's top holds etc/: the absolute target is nothing in it, whatever this machine has.
    let listed = text.lines().filter(|l| l.contains("SL002") && l.contains("a symlink to nothing in the tree")).count();
    assert_eq!(listed, 20, "{text}");
    assert!(text.contains("280 more directories below it lead out of the checked tree, to nothing in it"), "{text}");
}

/// While `--fix` writes a file, its temporary file is in `.sesslint/tmp/`, never beside the
/// target, where stunnel's `include = dir` (and any program reading a whole directory)
/// would load it; the rename from there is atomic (same file system) and nothing is left.
#[test]
fn the_temporary_file_of_a_fix_is_never_beside_its_target() {
    let repo = tempfile::tempdir().expect("tmp");
    let repo = repo.path();
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    let ini = repo.join("etc/php/8.2/fpm/php.ini");
    let padding = "; padding so that the slowed write takes a while\n".repeat(80);
    write(
        &ini,
        format!("{padding}session.save_handler = redis\nsession.save_path = tcp://127.0.0.1:6379?auth=x&database=2\n"),
    );
    let mut child = Command::new(bin())
        .args(["check", "--fix", "--format", "concise", "."])
        .current_dir(repo)
        .env("SESSLINT_TEST_SLOW_WRITE_MS", "10")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let (mut beside, mut staged) = (Vec::new(), 0);
    let names = |d: &Path| -> Vec<String> {
        std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    while child.try_wait().expect("wait").is_none() {
        beside.extend(names(ini.parent().expect("dir")).into_iter().filter(|n| n.contains("sesslint-tmp")));
        staged += names(&repo.join(".sesslint/tmp")).iter().filter(|n| n.contains("sesslint-tmp")).count();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let out = child.wait_with_output().expect("output");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read_to_string(&ini).expect("read").contains("session.save_path = \"tcp://"), "not fixed: {text}");
    assert!(beside.is_empty(), "a temporary file beside the target: {beside:?}");
    assert!(staged > 0, "the temporary file was never seen in .sesslint/tmp: {text}");
    assert!(names(&repo.join(".sesslint/tmp")).is_empty(), "left behind in .sesslint/tmp");
}

/// sesslint 0.1.0 kept its backups beside the file (`NAME.sesslint-STAMP.bak`), where
/// redis-server's `include dir/*` loads them (tests/backups_unread.rs shows it with the real
/// program): a check says so on the backup, once, with what to do.
#[test]
fn an_old_backup_an_include_loads_is_reported() {
    let repo = tempfile::tempdir().expect("tmp");
    let repo = repo.path();
    write(
        &repo.join("etc/redis/redis.conf"),
        "port 6379\nrequirepass 0123456789abcdef0123456789abcdef\ninclude /etc/redis/conf.d/*\n",
    );
    write(&repo.join("etc/redis/conf.d/sessions.conf"), "maxmemory 100mb\n");
    write(&repo.join("etc/redis/conf.d/sessions.conf.sesslint-20260101T000000Z.bak"), "maxmemory 10mb\n");
    write(&repo.join("etc/redis/conf.d/notes.sesslint-draft.bak"), "maxmemory 20mb\n");
    let o = sesslint_in(repo, &["check", "--format", "concise", "."]);
    let text = all_output(&o);
    let found: Vec<&str> = text.lines().filter(|l| l.contains("SL004") && l.contains("sesslint 0.1.0")).collect();
    assert_eq!(found.len(), 1, "{text}");
    assert!(
        found[0].starts_with("etc/redis/conf.d/sessions.conf.sesslint-20260101T000000Z.bak:1:1: warning[SL004]"),
        "{text}"
    );
    assert!(found[0].contains("backup of `sessions.conf`") && found[0].contains(".sesslint/backups/"), "{text}");
}

/// Every output of `check` (each format, with and without `--diff`), `show` and `parse`
/// (text and json) of the php.ini at `ini` (relative to `dir`) shows none of `needles`.
fn ini_secrets_shown_nowhere(dir: &Path, ini: &str, needles: &[&str]) {
    let mut outputs = every_output(dir, &[]);
    outputs.extend(every_output(dir, &["--diff"]));
    for args in [vec!["parse", ini], vec!["parse", "--format", "json", ini]] {
        outputs.push((args.join(" "), all_output(&sesslint_in(dir, &args))));
    }
    for (what, text) in outputs {
        for needle in needles {
            assert!(!text.contains(needle), "{what} shows {needle}:\n{text}");
        }
    }
}

/// What PHP's own scanner reads from `ini` (`parse_ini_file`, as json: `false` for a file
/// it refuses), and `session.save_path` as PHP started with `-c ini` has it: `None`
/// without php.
fn php_reads(ini: &Path) -> Option<(serde_json::Value, String)> {
    let php = common::oracle("php")?;
    let run = |args: &[&str]| {
        let o = Command::new(&php).args(args).arg(ini).output().expect("run php");
        assert!(o.status.success(), "php {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).expect("utf-8")
    };
    let parsed = run(&["-n", "-d", "display_errors=stderr", "-r", "echo json_encode(parse_ini_file($argv[1]));"]);
    let ini_path = ini.to_str().expect("utf-8 path");
    let o = Command::new(&php)
        .args(["-n", "-c", ini_path, "-d", "display_errors=stderr", "-r", "echo ini_get('session.save_path');"])
        .output()
        .expect("run php");
    Some((serde_json::from_str(&parsed).expect("json"), String::from_utf8_lossy(&o.stdout).into_owned()))
}

/// A `;` comment holding an unclosed quote, or a value ending in `\"` (a Windows path:
/// PHP's scanner closes the string there), does not hide the passwords on the lines after
/// it: PHP reads them as values (compared live), and no output shows them.
#[test]
fn a_quote_php_does_not_leave_open_hides_no_later_password() {
    // (php.ini text, the (setting, password) pairs PHP reads, the save path's password)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            "session.save_handler = redis\n; e.g. redis.session.prefix = \"PHPREDIS_SESSION:  (the default)\nredis.session.password = LeakC1\nsession.save_path = \"tcp://10.0.0.5:6379?auth=LeakC2\"\n",
            &[("redis.session.password", "LeakC1")],
            "LeakC2",
        ),
        (
            "session.save_handler = redis\n; e.g. redis.session.prefix = \"PHPREDIS_SESSION:  (the default)\nredis.session.password = LeakC1\nsession.save_path = tcp://10.0.0.5:6379?auth=LeakC2;x\n",
            &[("redis.session.password", "LeakC1")],
            "LeakC2",
        ),
        (
            "session.save_handler = redis\nerror_log = \"C:\\logs\\\"\nmysqli.default_pw = LeakQ3\nsession.save_path = \"tcp://10.0.0.5:6379?auth=LeakQ4\"\n",
            &[("error_log", "C:\\logs\\"), ("mysqli.default_pw", "LeakQ3")],
            "LeakQ4",
        ),
    ];
    for (text, values, save_path_secret) in cases {
        let repo = tempfile::tempdir().expect("tmp");
        let ini = repo.path().join("etc/php/8.2/cli/php.ini");
        write(&ini, text);
        if let Some((parsed, save_path)) = php_reads(&ini) {
            if text.contains(";x\n") {
                // An unquoted `=` in the value: PHP refuses the file, the line still holds
                // the password its author meant.
                assert_eq!(parsed, serde_json::Value::Bool(false), "{text:?}");
                ini_secrets_shown_nowhere(repo.path(), "etc/php/8.2/cli/php.ini", &["LeakC1", save_path_secret]);
                continue;
            }
            for (key, value) in *values {
                assert_eq!(parsed[key], *value, "PHP's {key} in {text:?}: {parsed}");
            }
            assert!(save_path.ends_with(&format!("auth={save_path_secret}")), "{save_path:?}");
        }
        let mut needles: Vec<&str> = values.iter().map(|(_, v)| *v).filter(|v| v.starts_with("Leak")).collect();
        needles.push(save_path_secret);
        ini_secrets_shown_nowhere(repo.path(), "etc/php/8.2/cli/php.ini", &needles);
    }
}

/// A quote opened partway through a value (after text, after a closed string, after `${}`,
/// a single quote) makes PHP read the value across the line break (compared live): the
/// second line is masked in every output as the first.
#[test]
fn a_quote_opened_partway_through_a_value_is_masked_on_every_line() {
    let cases: &[(&str, &str, &str)] = &[
        ("mysqli.default_pw = abc\"def\nLeakD4\"\n", "mysqli.default_pw", "LeakD4"),
        ("ldap.password = \"x\" \"y\nLeakE5\"\n", "ldap.password", "LeakE5"),
        ("redis.pass = ${FOO}\"\nLeakF6\"\n", "redis.pass", "LeakF6"),
        ("redis.pass = x'y\nLeakI9'\n", "redis.pass", "LeakI9"),
        ("session.save_path = tcp://10.0.0.5:6379\"\n?a=1&auth=LeakFP5\"\n", "session.save_path", "LeakFP5"),
    ];
    for (entry, key, secret) in cases {
        let repo = tempfile::tempdir().expect("tmp");
        let ini = repo.path().join("etc/php/8.2/cli/php.ini");
        let text = format!("session.save_handler = redis\n{entry}session.name = PHPSESSID\n");
        write(&ini, &text);
        if let Some((parsed, _)) = php_reads(&ini) {
            let value = parsed[key].as_str().unwrap_or_default();
            assert!(value.contains('\n') && value.contains(secret), "PHP's {key} in {text:?}: {parsed}");
            assert_eq!(parsed["session.name"], "PHPSESSID", "{parsed}");
        }
        ini_secrets_shown_nowhere(repo.path(), "etc/php/8.2/cli/php.ini", &[secret]);
    }
}

/// phpredis splits a save path into hosts at blanks, tabs, commas and line breaks: an
/// `auth=` after one is a host of its own, named in SL109/SL404 and `show` without its
/// value, and masked where it stands.
#[test]
fn an_auth_after_a_host_separator_is_masked_in_every_output() {
    let cases = [
        ("\"tcp://10.0.0.5:6379?timeout=2, auth=LeakSEP\"", "LeakSEP"),
        ("\"tcp://10.0.0.5:6379?timeout=2,auth=LeakCOM\"", "LeakCOM"),
        ("\"tcp://10.0.0.5:6379?timeout=2\tauth=LeakTAB\"", "LeakTAB"),
        ("\"tcp://10.0.0.5:6379?timeout=2\nauth=LeakFP8\"", "LeakFP8"),
        ("\"tcp://10.0.0.5:6379?timeout=2 tcp://auth=LeakHST:6379\"", "LeakHST"),
    ];
    for (save_path, secret) in cases {
        let repo = tempfile::tempdir().expect("tmp");
        let text = format!("session.save_handler = redis\nsession.save_path = {save_path}\n");
        write(&repo.path().join("etc/php/8.2/cli/php.ini"), &text);
        let concise = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
        assert!(concise.contains("SL109") || concise.contains("SL404"), "a second host is reported:\n{concise}");
        ini_secrets_shown_nowhere(repo.path(), "etc/php/8.2/cli/php.ini", &[secret]);
    }
}

/// `parse` masks a value that a save path's `auth` reaches through `${name}`, as `check`
/// does where it is set.
#[test]
fn parse_masks_a_password_reached_through_a_variable() {
    let repo = tempfile::tempdir().expect("tmp");
    write(
        &repo.path().join("etc/php/8.2/cli/php.ini"),
        "myvar = \"LeakU1\"\nsession.save_handler = redis\nsession.save_path = \"tcp://10.0.0.5:6379?auth=${myvar}\"\n[s]\nmyvar = LeakU2\n",
    );
    ini_secrets_shown_nowhere(repo.path(), "etc/php/8.2/cli/php.ini", &["LeakU1", "LeakU2"]);
    let shown = all_output(&sesslint_in(repo.path(), &["parse", "--show-secrets", "etc/php/8.2/cli/php.ini"]));
    assert!(shown.contains("LeakU1"), "{shown}");
}

/// php-fpm scans a pool file one line at a time, so a password whose `"` is not closed on its
/// line is refused there and the rest its writer meant stands on the next lines, refused too:
/// those lines are masked up to the closing quote in every output, as on the first line.
#[test]
fn a_pool_password_quoted_across_lines_is_masked_on_every_line() {
    let cases = [
        ("php_value[redis.session.password] = \"abc\nLeakPL1\"\n", "LeakPL1"),
        ("php_admin_value[mysqli.default_pw] = \"x\nLeakPL2\nLeakPL3\"\n", "LeakPL3"),
        ("php_admin_value[ldap.password] = \"x\nLeakPL4\n", "LeakPL4"),
    ];
    for (entry, secret) in cases {
        let repo = tempfile::tempdir().expect("tmp");
        let pool = "etc/php/8.2/fpm/pool.d/www.conf";
        write(&repo.path().join(pool), format!("[www]\nlisten = /run/php/www.sock\n{entry}pm = static\n"));
        ini_secrets_shown_nowhere(repo.path(), pool, &[secret, "LeakPL2"]);
    }
}

/// A `rediscluster` save path whose seeds hold credentials (`user:pw@` in a seed, `?auth=`
/// after a seed's port, a seed under a key named for a password) names those seeds with
/// `********` in every output: findings in every format, with and without `--diff`, `show`
/// and `parse`. tests/phpredis_live_model.rs shows what phpredis does with each.
#[test]
fn cluster_seeds_holding_credentials_are_masked_in_every_output() {
    let cases = [
        ("seed[]=tcp://usr:LeakK1@10.0.0.1:7000&seed[]=10.0.0.2:7000", "LeakK1"),
        ("seed[]=tls://usr:LeakK2@10.0.0.1:7000", "LeakK2"),
        ("seed[]=usr:LeakK3@10.0.0.1:7000", "LeakK3"),
        ("seed[]=10.0.0.1:7000?auth=LeakK4", "LeakK4"),
        ("seed[]=10.0.0.1:7000,auth=LeakK5&timeout=2", "LeakK5"),
        ("seed[password]=LeakK6&seed[]=10.0.0.1:7000", "LeakK6"),
        ("seed[auth]=LeakK7:7000", "LeakK7"),
        ("seed[]=10.0.0.1:7000&auth[user]=u&auth[pass]=LeakK8", "LeakK8"),
    ];
    for (save_path, secret) in cases {
        let repo = tempfile::tempdir().expect("tmp");
        let text = format!("session.save_handler = rediscluster\nsession.save_path = \"{save_path}\"\n");
        write(&repo.path().join("etc/php/8.2/cli/php.ini"), &text);
        let show = all_output(&sesslint_in(repo.path(), &["show", "."]));
        assert!(show.contains("rediscluster"), "{save_path}: show names the handler:\n{show}");
        ini_secrets_shown_nowhere(repo.path(), "etc/php/8.2/cli/php.ini", &[secret]);
    }
}

/// php-fpm globs a relative `include=` at its prefix on its own machine, where `..` stops
/// at `/` (php-fpm 8.2 `-tt` finds a pool through more `..` than its prefix has). sesslint
/// resolves it the same way on the machine's root: `/` with `--root /`, and a host's own
/// tree in a fleet, so that no pool of one host includes another host's files.
#[test]
fn a_relative_fpm_include_climbs_no_higher_than_its_machines_root() {
    let tmp = tempfile::tempdir().expect("tmp");
    let machine = tmp.path().canonicalize().expect("canonical temp dir");
    let pool_dir = machine.join("etc/php/8.2/fpm/pool.d");
    let climb = "../".repeat(machine.components().count() + 8);
    let include = format!("{climb}{}/*.conf", pool_dir.strip_prefix("/").expect("absolute").display());
    let conf = machine.join("etc/php/8.2/fpm/php-fpm.conf");
    write(&conf, format!("[global]\nerror_log = {}/fpm.log\ninclude={include}\n", machine.display()));
    write(
        &pool_dir.join("c.conf"),
        "[climbed]\nuser = www-data\nlisten = 127.0.0.1:9999\npm = static\npm.max_children = 1\n",
    );
    if let Some(fpm) = common::oracle("php-fpm8.2") {
        let o = Command::new(fpm)
            .args(["-tt", "-n", "-p"])
            .arg(machine.join("etc/php/8.2"))
            .arg("-y")
            .arg(&conf)
            .output()
            .expect("run php-fpm");
        let said = all_output(&o);
        assert!(said.contains("[climbed]") && said.contains("test is successful"), "php-fpm -tt:\n{said}");
    }
    let at = machine.to_str().expect("utf-8 path");
    let shown = all_output(&sesslint_in(&machine, &["show", "--root", "/", at]));
    assert!(shown.contains("pool climbed"), "{shown}");

    // A fleet: web1's php-fpm.conf climbs towards web2's pools; on web1 that is `/web2/...`.
    let fleet = tempfile::tempdir().expect("tmp");
    for h in ["web1", "web2"] {
        write(&fleet.path().join(h).join("etc/php/8.2/fpm/php.ini"), "session.save_handler = files\n");
    }
    write(
        &fleet.path().join("web1/etc/php/8.2/fpm/php-fpm.conf"),
        "[global]\ninclude=../../../../web2/etc/php/8.2/fpm/other.d/*.conf\n",
    );
    write(
        &fleet.path().join("web2/etc/php/8.2/fpm/other.d/other.conf"),
        "[web2only]\nuser = www-data\nlisten = /run/php/o.sock\nphp_admin_value[session.save_handler] = redis\nphp_admin_value[session.save_path] = \"tcp://10.9.9.9:6379\"\n",
    );
    write(
        &fleet.path().join("web1/web2/etc/php/8.2/fpm/other.d/mine.conf"),
        "[clamped]\nuser = www-data\nlisten = /run/php/m.sock\n",
    );
    let shown = all_output(&sesslint_in(fleet.path(), &["show", "."]));
    assert!(shown.contains("Fleet"), "{shown}");
    assert!(shown.contains("web1: pool clamped"), "web1 reads its own /web2/...:\n{shown}");
    assert!(!shown.contains("web2only") && !shown.contains(".."), "web1 includes web2's pool:\n{shown}");
}

/// A password key whose quoted bracket holds `=` (`env["REDIS=1_PASSWORD"]`, key
/// `REDIS=1_PASSWORD` to PHP, checked live with `parse_ini_file`), and a secret key alone on
/// a line with `= value` on the next (PHP refuses the file), and a refused line whose key
/// holds `=` inside `${...}`: no such value shows in any
/// output of `check` (every format, with and without `--diff`), `show` or `parse`.
#[test]
fn a_password_after_an_equals_inside_its_key_or_on_the_next_line_is_masked() {
    let repo = tempfile::tempdir().expect("tmp");
    let ini = repo.path().join("etc/php/8.2/fpm/php.ini");
    write(
        &ini,
        "session.save_handler = redis\nsession.save_path = \"tcp://10.0.0.5:6379?timeout=2\"\nmyapp[\"db=main_password\"] = LeakOff3\nmyapp[\"a;b]=c\\\"_pw\"] = LeakOff4\n",
    );
    let pool = repo.path().join("etc/php/8.2/fpm/pool.d/www.conf");
    write(&pool, "[www]\nlisten = /run/php.sock\nenv[\"REDIS=1_PASSWORD\"] = LeakOff1\nphp_admin_value[\"x=y.password\"] = LeakOff2\n");
    let broken = repo.path().join("etc/php/8.2/cli/php.ini");
    write(&broken, "session.save_handler = files\nmysqli.default_pw\n= LeakX1\nenv[${X=Y}_PASSWORD] = LeakX2\n");
    if let Some(php) = common::oracle("php") {
        let read = |path: &Path| {
            let code = format!("var_export(@parse_ini_file({:?}, true, INI_SCANNER_RAW));", path.display().to_string());
            let o = Command::new(&php).args(["-n", "-r", &code]).output().expect("run php");
            String::from_utf8_lossy(&o.stdout).into_owned()
        };
        let keys = read(&ini);
        assert!(keys.contains("'db=main_password' => 'LeakOff3'"), "PHP reads the key whole:\n{keys}");
        assert_eq!(read(&broken), "false", "PHP refuses a `= value` line after a bare key");
    } else {
        common::skipped("php is not installed: PHP's reading of the keys is not checked live");
    }
    // php-fpm reads the pool's keys whole too.
    if let Some(fpm) = common::oracle("php-fpm8.2") {
        let conf = repo.path().join("fpm-test.conf");
        write(
            &conf,
            format!(
                "[global]\nerror_log = {}/fpm.log\n[www]\nuser = nobody\nlisten = 127.0.0.1:9999\npm = static\npm.max_children = 1\nenv[\"REDIS=1_PASSWORD\"] = LeakOff1\n",
                repo.path().display()
            ),
        );
        let o = Command::new(fpm).args(["-tt", "-n", "-y"]).arg(&conf).output().expect("run php-fpm");
        let said = all_output(&o);
        assert!(
            said.contains("env[REDIS=1_PASSWORD] = LeakOff1") && said.contains("test is successful"),
            "php-fpm -tt:\n{said}"
        );
        std::fs::remove_file(&conf).expect("rm");
        let _ = std::fs::remove_file(repo.path().join("fpm.log"));
    }
    let needles = ["LeakOff1", "LeakOff2", "LeakOff3", "LeakOff4", "LeakX1", "LeakX2"];
    let mut outputs = every_output(repo.path(), &[]);
    outputs.extend(every_output(repo.path(), &["--diff"]));
    for f in [&ini, &pool, &broken] {
        let path = f.to_string_lossy().into_owned();
        outputs.push((format!("parse {path}"), all_output(&sesslint_in(repo.path(), &["parse", &path]))));
    }
    for (what, text) in outputs {
        for needle in needles {
            assert!(!text.contains(needle), "{what} shows {needle}:\n{text}");
        }
    }
    // The frames still show the lines, masked where the value stood.
    let human = all_output(&sesslint_in(repo.path(), &["check", "--format", "human", "."]));
    assert!(human.contains("env[\"REDIS=1_PASSWORD\"] = ********"), "{human}");
    assert!(human.contains("myapp[\"db=main_password\"] = ********"), "{human}");
}

/// Refused pool lines whose key holds a `'`-quoted `]`, `}` or `=` inside its brackets
/// (PHP's scanner reads `'...'` in an offset as a raw string: `env['A]=B'_PASSWORD${}]` is
/// one key to it, and php-fpm 8.2 `-tt` refuses each line, checked live): the key is judged
/// whole, so no value shows in any output of `check` (every format, with and without
/// `--diff`), `show`, `parse` or the language server.
#[test]
fn a_refused_line_whose_key_quotes_an_equals_in_single_quotes_is_masked() {
    let lines = [
        "env['A]=B'_PASSWORD${}] = LeakSq1",
        "env['A]=B'_PASSWORD${X=Y}] = LeakSq2",
        "env['A]=B'_PASSWORD] = LeakSq3 ${",
        "env['A}=B'_PASSWORD${] = LeakSq4",
        "env['A]=B'_SECRET${}] = \"LeakSq5=x\"",
    ];
    let repo = tempfile::tempdir().expect("tmp");
    if let Some(fpm) = common::oracle("php-fpm8.2") {
        for (i, line) in lines.iter().enumerate() {
            let conf = repo.path().join(format!("fpm-test-{i}.conf"));
            write(
                &conf,
                format!(
                    "[global]\nerror_log = {}/fpm.log\n[www]\nuser = nobody\nlisten = 127.0.0.1:9999\npm = static\npm.max_children = 1\n{line}\n",
                    repo.path().display()
                ),
            );
            let o = Command::new(&fpm).args(["-tt", "-n", "-y"]).arg(&conf).output().expect("run php-fpm");
            let said = all_output(&o);
            assert!(!o.status.success() && said.contains("syntax error"), "php-fpm -tt accepts {line}:\n{said}");
            std::fs::remove_file(&conf).expect("rm");
        }
        let _ = std::fs::remove_file(repo.path().join("fpm.log"));
    } else {
        common::skipped("php-fpm8.2 is not installed: its refusal of the lines is not checked live");
    }
    let pool = repo.path().join("etc/php/8.2/fpm/pool.d/www.conf");
    write(
        &pool,
        format!("[www]\nlisten = /run/php.sock\n{}\nphp_admin_value[session.save_handler] = files\n", lines.join("\n")),
    );
    let mut outputs = every_output(repo.path(), &[]);
    outputs.extend(every_output(repo.path(), &["--diff"]));
    let path = pool.to_string_lossy().into_owned();
    for args in [vec!["parse", &path], vec!["parse", "--format", "json", &path]] {
        outputs.push((args.join(" "), all_output(&sesslint_in(repo.path(), &args))));
    }
    outputs.push(("lsp".into(), lsp_transcript(repo.path(), std::slice::from_ref(&pool)).join("\n")));
    for (what, text) in outputs {
        for n in 1..=lines.len() {
            assert!(!text.contains(&format!("LeakSq{n}")), "{what} shows LeakSq{n}:\n{text}");
        }
    }
    // The frames still show the keys, masked where the value stood.
    let human = all_output(&sesslint_in(repo.path(), &["check", "--format", "human", "."]));
    assert!(human.contains("env['A}=B'_PASSWORD${] = ********"), "{human}");
}

/// php-fpm reads every file its `include=` glob matches (1003 pools outside any pool
/// directory discovery knows: php-fpm 8.2 `-tt` lists the last one, checked live); sesslint
/// reads the first 1000 of them in php-fpm's order and says how many it left unread (SL002
/// at php-fpm.conf) instead of dropping them silently.
#[test]
fn fpm_include_files_past_the_bound_are_reported_not_dropped() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().canonicalize().expect("canonical temp dir");
    let conf = root.join("etc/php/8.2/fpm/php-fpm.conf");
    let pools = root.join("srv/fpm-pools");
    // Relative: php-fpm globs it at its prefix (`-p etc/php/8.2`), sesslint at the parent
    // of php-fpm.conf's directory.
    write(&conf, format!("[global]\nerror_log = {}/fpm.log\ninclude=../../../srv/fpm-pools/*.pool\n", root.display()));
    for i in 1..=1003 {
        write(
            &pools.join(format!("p{i:04}.pool")),
            format!("[p{i:04}]\nuser = www-data\nlisten = 127.0.0.1:{}\npm = static\npm.max_children = 1\n", 20000 + i),
        );
    }
    if let Some(fpm) = common::oracle("php-fpm8.2") {
        let o = Command::new(fpm)
            .args(["-tt", "-n", "-p"])
            .arg(root.join("etc/php/8.2"))
            .arg("-y")
            .arg(&conf)
            .output()
            .expect("run php-fpm");
        let said = all_output(&o);
        assert!(said.contains("[p1003]") && said.contains("test is successful"), "php-fpm -tt:\n{said}");
    } else {
        common::skipped("php-fpm8.2 is not installed: its reading of every included pool is not checked live");
    }
    let out = sesslint_in(&root, &["check", "--format", "concise", "."]);
    let text = all_output(&out);
    let said: Vec<&str> = text.lines().filter(|l| l.contains("[SL002]")).collect();
    assert_eq!(said.len(), 1, "{text}");
    assert!(
        said[0].contains("php-fpm.conf")
            && said[0].contains("3 of the 1003 further files php-fpm's `include=")
            && said[0].contains("the first 1000 of them"),
        "{}",
        said[0]
    );
    let shown = all_output(&sesslint_in(&root, &["show", "."]));
    assert!(
        shown.contains("pool p1000") && !shown.contains("pool p1001"),
        "the first 1000 in php-fpm's order:\n{shown}"
    );
}

/// Twenty files at the 16 MiB read limit would take tens of GB as trees: a host's files
/// past 64 MiB are not parsed, and each is named as an error (SL002), so that the run
/// fails even with `fail-on = "error"`, never passes on files it did not check.
#[test]
fn files_past_the_bytes_parsed_per_host_are_named_and_fail_the_run() {
    let repo = tempfile::tempdir().expect("tmp");
    // One comment line each, just under the read limit: cheap to parse, 16 MiB to count.
    let mut big = vec![b'x'; (16 << 20) - 2];
    big[0] = b';';
    big.push(b'\n');
    for i in 1..=5 {
        write(&repo.path().join(format!("etc/php/8.2/cli/conf.d/{i:02}-big.ini")), &big);
    }
    write(&repo.path().join("sesslint.toml"), "fail-on = \"error\"\n");
    let o = sesslint_in(repo.path(), &["check", "--format", "concise", "."]);
    let out = all_output(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let skipped: Vec<&str> = out.lines().filter(|l| l.contains("error[SL002]")).collect();
    assert_eq!(skipped.len(), 1, "only the fifth file is past 64 MiB:\n{out}");
    assert!(skipped[0].contains("not parsed: etc/php/8.2/cli/conf.d/05-big.ini: it holds 16.0 MiB and"), "{out}");
    assert!(skipped[0].contains("at most 64.0 MiB per tree"), "the budget is named: {out}");
}

#[test]
fn the_bytes_parsed_are_raised_or_lowered_from_the_command_line_only() {
    let repo = tempfile::tempdir().expect("tmp");
    // Two files of 0.9 MiB: past a budget of 1 MiB, within one of 2 MiB. The second one ends
    // in a syntax error, so a finding shows whether it was parsed.
    let mut big = vec![b'x'; 900 << 10];
    big[0] = b';';
    big.push(b'\n');
    write(&repo.path().join("etc/php/8.2/cli/conf.d/01-big.ini"), &big);
    big.extend_from_slice(b"session.save_path = \"unclosed\n");
    write(&repo.path().join("etc/php/8.2/cli/conf.d/02-big.ini"), &big);
    write(&repo.path().join("sesslint.toml"), "fail-on = \"error\"\n");
    let run = |args: &[&str]| {
        let o = sesslint_in(repo.path(), &[&["check", "--format", "concise"], args, &["."]].concat());
        (o.status.code(), all_output(&o))
    };
    let not_parsed = "not parsed: etc/php/8.2/cli/conf.d/02-big.ini: it holds 0.9 MiB and";
    let (code, out) = run(&["--max-host-mib", "1"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(not_parsed) && out.contains("at most 1.0 MiB per tree"), "{out}");
    assert!(out.contains("raise it with --max-host-mib"), "the option is named: {out}");
    let (_, out) = run(&["--max-run-mib", "1"]);
    assert!(out.contains(not_parsed) && out.contains("at most 1.0 MiB in one run"), "{out}");
    assert!(out.contains("raise it with --max-run-mib"), "the option is named: {out}");
    for raised in [&["--max-host-mib", "2"][..], &["--max-host-mib", "2", "--max-run-mib", "2"]] {
        let (_, out) = run(raised);
        assert!(!out.contains("SL002"), "{raised:?}: {out}");
        assert!(out.contains("02-big.ini:2:21: error[SL001]"), "{raised:?}: the file is parsed: {out}");
    }
    // 0 and absurd values are usage errors, on every command that builds a model.
    for command in ["check", "show", "migrate", "probe"] {
        for (flag, n) in [("--max-host-mib", "0"), ("--max-run-mib", "0"), ("--max-run-mib", "1048577")] {
            let o = sesslint_in(repo.path(), &[command, flag, n, "."]);
            let out = all_output(&o);
            assert_eq!(o.status.code(), Some(2), "{command} {flag} {n}: {out}");
            assert!(out.contains(&format!("invalid value '{n}' for '{flag} <N>'")), "{out}");
            assert!(out.contains("is not in 1..=1048576"), "{out}");
        }
    }
    // sesslint.toml has no such key: the checked tree would raise its own limit.
    write(&repo.path().join("sesslint.toml"), "fail-on = \"error\"\nmax-host-mib = 2\n");
    let o = sesslint_in(repo.path(), &["check", "--format", "concise", "."]);
    let out = all_output(&o);
    assert!(out.contains("unknown key `max-host-mib`"), "{out}");
    assert!(!out.contains("error[SL001]"), "{out}");
}

/// Every command that builds a model says on stdout what it left out and fails on it, as
/// `check` does with SL002: `show` lists it and exits 1, `probe` reports SL002, `migrate`
/// plans nothing past the budget and notes an unreadable file in its plan.
#[test]
fn no_command_exits_0_on_files_it_left_out_without_saying_so_on_stdout() {
    let repo = tempfile::tempdir().expect("tmp");
    let mut big = vec![b'x'; 900 << 10];
    big[0] = b';';
    big.push(b'\n');
    write(&repo.path().join("etc/php/8.2/cli/php.ini"), "extension=redis\nsession.save_handler = files\n");
    write(&repo.path().join("etc/php/8.2/cli/conf.d/01-big.ini"), &big);
    write(&repo.path().join("etc/php/8.2/cli/conf.d/02-big.ini"), &big);
    write(&repo.path().join("etc/php/8.2/cli/conf.d/02-more.ini"), &big);
    let run = |args: &[&str]| {
        let o = sesslint_in(repo.path(), args);
        (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned(), all_output(&o))
    };
    // Within the budget: nothing left out, exit 0.
    let (code, out, all) = run(&["show", "."]);
    assert_eq!(code, Some(0), "{all}");
    assert!(!out.contains("Left out"), "{out}");
    let (code, out, all) = run(&["show", "--max-host-mib", "1", "."]);
    assert_eq!(code, Some(1), "{all}");
    assert!(
        out.contains("Left out of this description")
            && out.contains("not parsed: etc/php/8.2/cli/conf.d/02-big.ini: it holds "),
        "on stdout: {out}"
    );
    // One word per file left out, on stdout and stderr alike.
    assert!(!all.contains("not read: etc/php/8.2/cli/conf.d/02-big.ini"), "{all}");
    let (code, out, all) = run(&["show", "--format", "json", "--max-host-mib", "1", "."]);
    assert_eq!(code, Some(1), "{all}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("show's JSON stays JSON");
    assert_eq!(v["not_read"][0]["path"], "etc/php/8.2/cli/conf.d/02-big.ini", "{v}");
    assert_eq!(v["not_read"][0]["past_budget"], true, "{v}");
    assert_eq!(v["not_read"][0]["left_out"], "not parsed", "{v}");
    let (code, out, all) = run(&["probe", "--format", "concise", "--max-host-mib", "1", "."]);
    assert_eq!(code, Some(1), "{all}");
    assert!(out.contains("error[SL002]") && out.contains("02-big.ini"), "{out}");
    let (code, out, all) = run(&[
        "migrate",
        "--redis",
        "tcp://127.0.0.1:6379",
        "--password-env",
        "SESSLINT_CANARY",
        "--max-host-mib",
        "1",
        ".",
    ]);
    assert_eq!(code, Some(1), "{all}");
    // Each file left unparsed is named on stdout, with its own size, not only the first.
    assert!(out.starts_with("No plan: these files were not parsed"), "on stdout: {out}");
    for f in ["02-big.ini", "02-more.ini"] {
        let line = format!("  not parsed: etc/php/8.2/cli/conf.d/{f}: it holds 0.9 MiB and ");
        assert!(out.contains(&line), "{line:?} on stdout: {out}");
    }
    assert!(all.contains("no plan: 2 file(s) not parsed"), "{all}");
    // A file that cannot be read (a FIFO is never opened): listed, and the run fails.
    std::fs::remove_file(repo.path().join("etc/php/8.2/cli/conf.d/02-big.ini")).expect("rm");
    std::fs::remove_file(repo.path().join("etc/php/8.2/cli/conf.d/02-more.ini")).expect("rm");
    let fifo = repo.path().join("etc/php/8.2/cli/conf.d/03-fifo.ini");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let (code, out, all) = run(&["show", "."]);
    assert_eq!(code, Some(1), "{all}");
    assert!(out.contains("not read: etc/php/8.2/cli/conf.d/03-fifo.ini: not a regular file"), "{out}");
    let (code, out, all) =
        run(&["migrate", "--redis", "tcp://127.0.0.1:6379", "--password-env", "SESSLINT_CANARY", "."]);
    assert_eq!(code, Some(1), "a preview of a plan that leaves a file out: {all}");
    assert!(out.contains("Note: not read: etc/php/8.2/cli/conf.d/03-fifo.ini: not a regular file"), "{out}");
    assert!(all.contains("1 file(s) not read"), "{all}");
}

/// php-fpm follows a pool.d symlink out of the tree and loads the pool there, whose
/// `php_admin_value[session.save_handler] = files` overrides the php.ini migrate switches:
/// a plan without it is not the migration asked for. Preview, --write-plan and --apply
/// fail (exit 1), name the path, and write nothing; `check --diff` fails on the same tree.
#[test]
fn migrate_fails_when_a_loaded_pool_is_left_out() {
    let dir = tempfile::tempdir().expect("tmp");
    let tree = dir.path().join("ma");
    let php_ini = "extension=igbinary\nextension=redis\n[Session]\nsession.save_handler = files\n";
    write(&tree.join("etc/php/8.2/fpm/php.ini"), php_ini);
    write(&tree.join("etc/redis/redis.conf"), "bind 127.0.0.1\nport 6379\n");
    write(
        &dir.path().join("maout/pool.d/www.conf"),
        "[www]\nuser = www-data\nlisten = /run/a.sock\npm = dynamic\nphp_admin_value[session.save_handler] = files\n",
    );
    symlink("../../../../maout/pool.d", tree.join("etc/php/8.2/fpm/pool.d")).expect("symlink");
    let migrate =
        ["migrate", "ma", "--redis", "tcp://127.0.0.1:6379", "--password-env", "SESSLINT_CANARY", "--harden-redis"];
    let named = "not read: ma/etc/php/8.2/fpm/pool.d: ";
    for extra in [&[][..], &["--apply"], &["--write-plan", "p.plan"]] {
        let o = sesslint_in(dir.path(), &[&migrate[..], extra].concat());
        let (out, all) = (String::from_utf8_lossy(&o.stdout), all_output(&o));
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {all}");
        assert!(out.contains(&format!("Note: {named}")), "{extra:?} names the path on stdout: {out}");
        assert!(all.contains("sesslint migrate: 1 file(s) not read"), "{extra:?}: {all}");
        assert_eq!(std::fs::read_to_string(tree.join("etc/php/8.2/fpm/php.ini")).expect("read"), php_ini, "{extra:?}");
        assert!(!tree.join(".sesslint").exists() && !dir.path().join("p.plan").exists(), "{extra:?} wrote: {all}");
    }
    let o = sesslint_in(dir.path(), &["check", "ma", "--diff"]);
    assert_eq!(o.status.code(), Some(1), "{}", all_output(&o));
}

/// Every file sesslint parses counts against the one budget: php-fpm's `include=` pool
/// files (read while lowering, not discovered) too. php-fpm itself reads them all; past the
/// budget sesslint names each unread one as an error (SL002), never passes over its pools.
#[test]
fn fpm_include_files_count_against_the_bytes_parsed() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).expect("mkdir .git");
    write(&root.join("etc/php/8.2/fpm/php.ini"), "session.save_handler = files\n");
    write(
        &root.join("etc/php/8.2/fpm/php-fpm.conf"),
        "[global]\npid = /run/php-fpm.pid\ninclude=/etc/php/8.2/fpm/extra/*.cnf\n",
    );
    for i in 1..=3 {
        write(
            &root.join(format!("etc/php/8.2/fpm/extra/p{i}.cnf")),
            format!("; {}\n[www{i}]\nlisten = /run/p{i}.sock\n", "y".repeat(300)),
        );
    }
    let size = |i: u32| std::fs::metadata(root.join(format!("etc/php/8.2/fpm/extra/p{i}.cnf"))).expect("stat").len();
    let discovered: u64 = ["php.ini", "php-fpm.conf"]
        .iter()
        .map(|f| std::fs::metadata(root.join("etc/php/8.2/fpm").join(f)).expect("stat").len())
        .sum();
    // Room for the discovered files and the first two included ones.
    let budget = sesslint::model::ParseBudget { host_bytes: discovered + size(1) + size(2), run_bytes: 1 << 30 };
    let options = sesslint::model::BuildOptions { budget, ..Default::default() };
    let model = sesslint::model::build(&[root.to_path_buf()], &options);
    let over: Vec<_> =
        model.over_budget.iter().map(|u| u.path.file_name().and_then(|n| n.to_str()).unwrap_or_default()).collect();
    assert_eq!(over, ["p3.cnf"], "{:?}", model.over_budget);
    assert!(model.over_budget[0].reason.contains("and the checked tree's files before it "), "{:?}", model.over_budget);
    let pools: Vec<&str> = model.pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(pools, ["www1", "www2"], "the third is not parsed");
    let found = sesslint::rules::check(&model);
    assert!(
        found.iter().any(|d| d.code.name() == "unreadable-file"
            && d.severity == sesslint::diagnostic::Severity::Error
            && d.primary.path.ends_with("extra/p3.cnf")),
        "an SL002 error names p3.cnf: {found:?}"
    );
}

/// A run naming files (the pre-commit hook) keeps the SL002 error of a file it left unparsed
/// past the budget: PHP reads conf.d/40-big.ini after the staged php.ini, so the handler is
/// redis, not the files the staged php.ini alone says; the hook must not pass on that.
#[test]
fn a_staged_file_keeps_the_error_of_a_file_left_unparsed() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).expect("mkdir .git");
    let fpm = root.join("etc/php/8.2/fpm");
    write(&fpm.join("php.ini"), "session.save_handler = files\n");
    // Comment lines of 300 KiB each: three fit in a budget of 1 MiB, not four.
    let line = format!("; {}\n", "x".repeat(100));
    let blob = line.repeat((300 << 10) / line.len());
    for i in 1..=4 {
        let tail =
            if i == 4 { "session.save_handler = redis\nsession.save_path = \"tcp://10.9.9.9:6379\"\n" } else { "" };
        write(&fpm.join(format!("conf.d/{i}0-big.ini")), format!("{blob}{tail}"));
    }
    if let Some(php) = common::oracle("php") {
        let o = Command::new(php)
            .arg("-c")
            .arg(fpm.join("php.ini"))
            .args(["-r", "echo ini_get('session.save_handler');"])
            .env("PHP_INI_SCAN_DIR", fpm.join("conf.d"))
            .output()
            .expect("run php");
        assert_eq!(String::from_utf8_lossy(&o.stdout), "redis", "PHP reads conf.d after php.ini: {}", all_output(&o));
    }
    let o = sesslint_in(root, &["check", "--max-host-mib", "1", "--format", "concise", "etc/php/8.2/fpm/php.ini"]);
    let out = all_output(&o);
    let unparsed: Vec<&str> = out.lines().filter(|l| l.contains("error[SL002]")).collect();
    assert_eq!(unparsed.len(), 1, "{out}");
    assert!(unparsed[0].contains("not parsed: etc/php/8.2/fpm/conf.d/40-big.ini: it holds "), "{out}");
    assert_eq!(o.status.code(), Some(1), "the run fails on the file it did not parse:\n{out}");
}

/// The ACL file `aclfile` names, read while lowering when discovery did not find it, counts
/// against the same budget: past it, an SL002 error names it instead of reading it.
#[test]
fn acl_files_count_against_the_bytes_parsed() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).expect("mkdir .git");
    let conf = "port 6379\naclfile /srv/acl/users.acl\n";
    write(&root.join("etc/redis/redis.conf"), conf);
    write(&root.join("srv/acl/users.acl"), "user default on >pw ~* +@all\n");
    let parse = |host_bytes: u64| {
        let budget = sesslint::model::ParseBudget { host_bytes, run_bytes: 1 << 30 };
        sesslint::model::build(&[root.to_path_buf()], &sesslint::model::BuildOptions { budget, ..Default::default() })
    };
    let fits = parse(1 << 20);
    assert!(fits.over_budget.is_empty(), "{:?}", fits.over_budget);
    assert!(fits.files.iter().any(|f| f.source.path.ends_with("srv/acl/users.acl")), "the ACL file is read");
    let model = parse(conf.len() as u64);
    let over: Vec<_> = model.over_budget.iter().map(|u| u.path.clone()).collect();
    assert_eq!(over.len(), 1, "{over:?}");
    assert!(over[0].ends_with("srv/acl/users.acl"), "{over:?}");
    assert!(!model.files.iter().any(|f| f.source.path.ends_with("srv/acl/users.acl")), "not read past the budget");
    // A second server naming the same file: it is left out once, not charged again.
    write(&root.join("etc/redis/second.conf"), conf);
    let model = parse(2 * conf.len() as u64);
    let over: Vec<_> = model.over_budget.iter().map(|u| u.path.clone()).collect();
    assert_eq!(over.len(), 1, "{over:?}");
    assert_eq!(model.redis.len(), 2);
}

/// A machine of many Redis servers and many session addresses none of them listens on: each
/// SL402 keeps and explains the first servers only (not targets x servers), and says how
/// many the machine has, in every format.
#[test]
fn an_unreached_address_keeps_the_first_servers_of_its_machine() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).expect("mkdir .git");
    for i in 0..40 {
        write(&root.join(format!("etc/redis/r{i:02}.conf")), format!("port {}\nbind 127.0.0.1\n", 7000 + i));
    }
    write(
        &root.join("etc/php/8.2/fpm/php.ini"),
        "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6000\"\n",
    );
    let model = sesslint::model::build(&[root.to_path_buf()], &Default::default());
    assert_eq!(model.redis.len(), 40);
    assert_eq!(model.unreached.len(), 1, "{:?}", model.unreached);
    let u = &model.unreached[0];
    assert_eq!((u.servers.len(), u.servers_total), (sesslint::model::UNREACHED_SERVERS_KEPT, 40));
    let said = "(40 servers of that machine; the first 5 are shown, the reasons are those of the first 16)";
    for format in FORMATS {
        let out = sesslint_in(root, &["--format", format, "."]);
        // The human report wraps its lines in a frame: compare words.
        let text = all_output(&out).split_whitespace().filter(|w| *w != "│").collect::<Vec<_>>().join(" ");
        assert!(text.contains("SL402") || text.contains("endpoint-unreachable"), "{format}: {text}");
        assert!(text.contains(said), "{format}: {text}");
        assert!(text.contains("and 11 other reasons"), "{format}: {text}");
    }
}

/// A fragment a redis.conf `include`s, read while loading and not discovered, counts against
/// the same budget: past it, its directives are left out of the server and an SL002 error
/// names it. A discovered file left unparsed past the budget stays unparsed when included.
#[test]
fn redis_includes_count_against_the_bytes_parsed() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).expect("mkdir .git");
    let conf = "port 6379\ninclude /srv/redis/extra.inc\ninclude /etc/redis/late.conf\n";
    write(&root.join("etc/redis/redis.conf"), conf);
    write(&root.join("srv/redis/extra.inc"), "port 7000\n");
    write(&root.join("etc/redis/late.conf"), format!("# {}\nmaxclients 77\n", "z".repeat(200)));
    let build = |host_bytes: u64| {
        let budget = sesslint::model::ParseBudget { host_bytes, run_bytes: 1 << 30 };
        sesslint::model::build(&[root.to_path_buf()], &sesslint::model::BuildOptions { budget, ..Default::default() })
    };
    let setting = |m: &sesslint::model::Model, k: &str| m.redis[0].settings.get(k).map(|(v, _)| v.clone());
    let fits = build(1 << 20);
    assert!(fits.over_budget.is_empty(), "{:?}", fits.over_budget);
    assert_eq!(setting(&fits, "port").as_deref(), Some("7000"), "the include is read within the budget");
    assert_eq!(setting(&fits, "maxclients").as_deref(), Some("77"));
    // Room for redis.conf only: late.conf (discovered) is past it, so is extra.inc.
    let model = build(conf.len() as u64);
    let mut over: Vec<String> = model.over_budget.iter().map(|u| u.path.display().to_string()).collect();
    over.sort();
    assert_eq!(over.len(), 2, "each named once: {over:?}");
    assert!(over[0].ends_with("etc/redis/late.conf") && over[1].ends_with("srv/redis/extra.inc"), "{over:?}");
    assert!(
        model.over_budget.iter().all(|u| u.reason.contains("raise it with --max-host-mib")),
        "{:?}",
        model.over_budget
    );
    assert_eq!(model.redis.len(), 1);
    assert_eq!(setting(&model, "port").as_deref(), Some("6379"), "extra.inc is left out");
    assert_eq!(setting(&model, "maxclients"), None, "late.conf is left out");
    for name in ["extra.inc", "late.conf"] {
        assert!(!model.files.iter().any(|f| f.source.path.ends_with(name)), "{name} is not kept");
    }
    let found = sesslint::rules::check(&model);
    let errors = found
        .iter()
        .filter(|d| d.code.name() == "unreadable-file" && d.severity == sesslint::diagnostic::Severity::Error)
        .count();
    assert_eq!(errors, 2, "{found:?}");
}

/// The key files both ends of a tunnel must share are read to compare them: they count
/// against the budget too, and one past it is named (SL002) and the keys said not compared.
#[test]
fn tunnel_key_files_count_against_the_bytes_parsed() {
    let fleet = common::fixtures().join("rules/SL405/clean-spiped");
    // The web host's discovered files; its key file comes after them.
    let mut web = 0;
    let mut stack = vec![fleet.join("web")];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).expect("read_dir").map(|e| e.expect("entry").path()));
        } else if p.extension().is_none_or(|e| e != "key") {
            web += std::fs::metadata(&p).expect("stat").len();
        }
    }
    let build = |host_bytes: u64| {
        let budget = sesslint::model::ParseBudget { host_bytes, run_bytes: 1 << 30 };
        sesslint::model::build(
            std::slice::from_ref(&fleet),
            &sesslint::model::BuildOptions { budget, ..Default::default() },
        )
    };
    let fits = build(web + 1024);
    assert!(fits.over_budget.is_empty(), "{:?}", fits.over_budget);
    assert!(fits.chain_problems.is_empty(), "{:?}", fits.chain_problems);
    let model = build(web);
    let over: Vec<_> = model.over_budget.iter().map(|u| u.path.clone()).collect();
    assert_eq!(over.len(), 1, "{over:?}");
    assert!(over[0].ends_with("web/etc/spiped/redis.key"), "{over:?}");
    assert_eq!(model.chain_problems.len(), 1, "{:?}", model.chain_problems);
    let said = &model.chain_problems[0].message;
    assert!(
        said.contains("cannot be compared") && said.contains("not parsed, past the bytes sesslint parses"),
        "{said}"
    );
    assert!(!said.contains("fixture key"), "the key text never reaches a message: {said}");
}

/// A save path's password quoted across lines is the password on every line it spans (PHP
/// keeps the line breaks in the value: compared live), so no output shows a later line,
/// in a small php.ini and in one over 16 KiB whose frames mask from the lines shown.
#[test]
fn a_save_path_password_quoted_across_lines_is_masked_on_every_line() {
    let value = "tcp://127.0.0.1:6379?timeout=1&auth=LeakML1\nLeakML2-second\nLeakML3\"";
    for padding in [0, 20_000] {
        let repo = tempfile::tempdir().expect("tmp");
        let ini = "etc/php/8.2/cli/php.ini";
        let pad = "; padding line of a large php.ini\n".repeat(padding / 34);
        write(
            &repo.path().join(ini),
            format!("[PHP]\n{pad}session.save_handler = redis\nsession.save_path = \"{value}\nsession.use_strict_mode = 0\n"),
        );
        if let Some((parsed, _)) = php_reads(&repo.path().join(ini)) {
            let got = parsed["session.save_path"].as_str().expect("a string");
            assert!(got.ends_with("LeakML1\nLeakML2-second\nLeakML3"), "php reads {got:?}");
        }
        ini_secrets_shown_nowhere(repo.path(), ini, &["LeakML1", "LeakML2", "LeakML3"]);
        // The file alone (a pre-commit hook's run): frames masked from their own lines.
        let o = all_output(&sesslint_in(repo.path(), &["check", ini]));
        assert!(!o.contains("LeakML2") && !o.contains("LeakML3"), "{o}");
    }
}

/// php-fpm expands a pool's `${pw}` from php.ini's `pw` (compared live with `php-fpm8.2
/// -tt`), so that php.ini line is the pool's Redis password: masked in every output, and
/// the password SL401 compares.
#[test]
fn a_pool_save_path_variable_masks_the_php_ini_line_it_names() {
    if let Some(fpm) = common::oracle("php-fpm8.2") {
        let dir = tempfile::tempdir().expect("tmp");
        let log = dir.path().join("err.log");
        write(&dir.path().join("php.ini"), "[PHP]\npw = LeakFP1\n");
        write(
            &dir.path().join("fpm.conf"),
            format!("[global]\nerror_log = {}\n[www]\nuser = nobody\nlisten = 127.0.0.1:9777\npm = static\npm.max_children = 1\nphp_value[session.save_path] = \"tcp://127.0.0.1:6379?auth=${{pw}}&timeout=1\"\n", log.display()),
        );
        let o = Command::new(fpm)
            .current_dir(dir.path())
            .args(["-c", "php.ini", "-y", "fpm.conf", "-tt"])
            .output()
            .expect("run php-fpm8.2");
        let text = all_output(&o);
        assert!(text.contains("auth=LeakFP1&timeout=1"), "php-fpm -tt: {text}");
    }
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("etc/php/8.2/fpm/php.ini"), "[PHP]\npw = LeakFP1\nsession.use_strict_mode = 0\n");
    write(&repo.path().join("etc/php/8.2/fpm/php-fpm.conf"), "[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n");
    write(
        &repo.path().join("etc/php/8.2/fpm/pool.d/www.conf"),
        "[www]\nlisten = 127.0.0.1:9000\nphp_value[session.save_handler] = redis\nphp_value[session.save_path] = \"tcp://127.0.0.1:6379?auth=${pw}&timeout=1&read_timeout=1\"\n",
    );
    shown_nowhere(repo.path(), &["LeakFP1"]);
    let diff = all_output(&sesslint_in(repo.path(), &["check", "--diff", "."]));
    assert!(!diff.contains("LeakFP1"), "{diff}");
    // The pool sends php.ini's value, as php-fpm expands it: right for the server whose
    // password it is, wrong for another.
    for (requirepass, refused) in [("LeakFP1", false), ("another-password-0123456789abcdef", true)] {
        write(
            &repo.path().join("etc/redis/redis.conf"),
            format!("bind 127.0.0.1\nport 6379\nrequirepass {requirepass}\n"),
        );
        let concise = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
        assert_eq!(concise.contains("SL401"), refused, "{concise}");
        assert!(!concise.contains("LeakFP1"), "{concise}");
    }
}

/// `${pw}` in a save path under `[PATH=]`, in a `.user.ini` and on a save-path line PHP
/// refuses names php.ini's `pw` (php-cgi expands the first two from it): its line is
/// masked in every output.
#[test]
fn a_section_user_ini_or_broken_save_path_variable_masks_the_line_it_names() {
    let path_section = tempfile::tempdir().expect("tmp");
    write(
        &path_section.path().join("etc/php/8.2/fpm/php.ini"),
        "[PHP]\nsession.save_handler = redis\npw = LeakPS1\nsession.use_strict_mode = 0\n[PATH=/var/www/shop]\nsession.save_path = \"tcp://127.0.0.1:6379?auth=${pw}&timeout=1&read_timeout=1\"\n",
    );
    shown_nowhere(path_section.path(), &["LeakPS1"]);

    let user_ini = tempfile::tempdir().expect("tmp");
    write(&user_ini.path().join("etc/php/8.2/fpm/php.ini"), "[PHP]\npw = LeakUI1\nsession.use_strict_mode = 0\n");
    write(
        &user_ini.path().join("var/www/shop/.user.ini"),
        "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?auth=${pw}&timeout=1&read_timeout=1\"\n",
    );
    shown_nowhere(user_ini.path(), &["LeakUI1"]);

    let broken = tempfile::tempdir().expect("tmp");
    let ini = "etc/php/8.2/cli/php.ini";
    write(
        &broken.path().join(ini),
        "[PHP]\nsession.save_handler = redis\npw = LeakBR1\nsession.save_path = tcp://127.0.0.1:6379?timeout=1&read_timeout=1&auth=${pw}\n",
    );
    ini_secrets_shown_nowhere(broken.path(), ini, &["LeakBR1"]);
}

/// httpd replaces `${pw}` from `Define pw ...` when it reads the line: the `Define` holds
/// the password (masked in every output), and sesslint, which does not expand it, says the
/// value is unknown instead of calling the password wrong (no SL401).
#[test]
fn an_apache_define_a_save_path_names_is_masked_and_not_judged() {
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("etc/php/8.2/apache2/php.ini"), "[PHP]\nsession.use_strict_mode = 0\n");
    write(&repo.path().join("etc/apache2/apache2.conf"), "IncludeOptional sites-enabled/*.conf\n");
    write(
        &repo.path().join("etc/apache2/sites-enabled/000.conf"),
        "<VirtualHost *:80>\nphp_value session.save_handler redis\nDefine pw LeakAD1\nphp_value session.save_path \"tcp://127.0.0.1:6379?auth=${pw}\"\n</VirtualHost>\n",
    );
    write(&repo.path().join("etc/redis/redis.conf"), "bind 127.0.0.1\nport 6379\nrequirepass LeakAD1\n");
    shown_nowhere(repo.path(), &["LeakAD1"]);
    let concise = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
    assert!(!concise.contains("SL401"), "{concise}");
    let show = all_output(&sesslint_in(repo.path(), &["show", "."]));
    assert!(show.contains("httpd's `Define`"), "{show}");
}

/// Confinement of what is sized and tested, not only of what is read: below a tree's root
/// an absolute symlink leads into the tree (`/srv/frag` is `ROOT/srv/frag`), so its file
/// is the one the model holds, counts against the budget, and is found by globs.
mod sized_where_read {
    use super::*;
    use std::os::unix::fs::symlink;

    fn code_of(o: &Output) -> i32 {
        o.status.code().unwrap_or(-1)
    }

    /// A redis.conf including `/etc/redis/frag.inc`, a link to `/srv/frag` (absent on this
    /// machine, `ROOT/srv/frag` in the tree): the fragment is the model's file, its
    /// findings on its lines, and no format panics.
    #[test]
    fn an_included_absolute_symlink_is_the_file_the_model_holds() {
        let repo = tempfile::tempdir().expect("tmp");
        let r = repo.path();
        write(&r.join("srv/frag"), "port 6379\nrequirepass x\n");
        write(&r.join("etc/redis/redis.conf"), "include /etc/redis/frag.inc\n");
        symlink("/srv/frag", r.join("etc/redis/frag.inc")).expect("symlink");
        for f in FORMATS {
            let o = sesslint_in(r, &["check", "--format", f, "."]);
            assert_eq!(code_of(&o), 1, "{f}: {}", all_output(&o));
        }
        let concise = all_output(&sesslint_in(r, &["check", "--format", "concise", "."]));
        assert!(concise.contains("etc/redis/frag.inc:2:1: warning[SL204]"), "{concise}");
        let human = all_output(&sesslint_in(r, &["check", "."]));
        assert!(human.contains("2 │ requirepass ********"), "{human}");
        assert_eq!(code_of(&sesslint_in(r, &[])), 1);
    }

    /// The same link to a 1.4 MB fragment under a 1 MiB budget: not parsed, SL002, exit 1
    /// (it was sized on this machine, where the link dangles: 0 bytes).
    #[test]
    fn an_included_absolute_symlink_is_charged_its_size() {
        let repo = tempfile::tempdir().expect("tmp");
        let r = repo.path();
        let frag: String = (0..50_000).map(|i| format!("set-max-intset-entries {i}\n")).collect();
        write(&r.join("srv/frag"), format!("{frag}requirepass \"x\"\n"));
        write(&r.join("etc/redis/redis.conf"), "bind 127.0.0.1\nport 6379\ninclude /etc/redis/frag.conf.inc\n");
        symlink("/srv/frag", r.join("etc/redis/frag.conf.inc")).expect("symlink");
        let o = sesslint_in(r, &["check", "--format", "concise", "--max-host-mib", "1", "."]);
        let out = all_output(&o);
        assert!(out.contains("frag.conf.inc:1:1: error[SL002]"), "{out}");
        assert_eq!(code_of(&o), 1, "{out}");
        let whole = all_output(&sesslint_in(r, &["check", "--format", "concise", "."]));
        assert!(whole.contains("frag.conf.inc:50001:1: warning[SL204]"), "{whole}");
    }

    /// php-fpm `include=/etc/fpmx/*.pool` matching a link to `/srv/a`: the pool is read
    /// (it was dropped silently: tested on this machine, where the link dangles).
    #[test]
    fn an_fpm_include_through_an_absolute_symlink_is_read() {
        let repo = tempfile::tempdir().expect("tmp");
        let r = repo.path();
        write(&r.join("etc/php/8.2/fpm/php-fpm.conf"), "[global]\ninclude=/etc/fpmx/*.pool\n");
        write(
            &r.join("srv/a"),
            "[www]\nlisten = 127.0.0.1:9000\nphp_value[session.save_handler] = redis\nphp_value[session.save_path] = \"tcp://127.0.0.1:6379?timeout=1&read_timeout=1\"\n",
        );
        std::fs::create_dir_all(r.join("etc/fpmx")).expect("mkdir");
        symlink("/srv/a", r.join("etc/fpmx/a.pool")).expect("symlink");
        let o = sesslint_in(r, &["check", "--format", "concise", "."]);
        let out = all_output(&o);
        assert!(out.contains("etc/fpmx/a.pool:4:1: warning[SL109]"), "{out}");
        // Under a budget it cannot fit in, it is an SL002 error, never a silent gap.
        let pool = std::fs::read_to_string(r.join("srv/a")).expect("read");
        write(&r.join("srv/a"), format!("{pool}{}", ";\n".repeat(600_000)));
        let o = sesslint_in(r, &["check", "--format", "concise", "--max-host-mib", "1", "."]);
        let out = all_output(&o);
        assert!(out.contains("a.pool:1:1: error[SL002]") && code_of(&o) == 1, "{out}");
    }

    /// spiped key files linked absolutely (`/keys/big`, 3 MB) under a 1 MiB budget: each an
    /// SL002 error and the keys not compared (they were read and compared, charged 0).
    #[test]
    fn tunnel_key_files_through_an_absolute_symlink_are_charged() {
        let repo = tempfile::tempdir().expect("tmp");
        let r = repo.path();
        common::copy_tree(&common::fixtures().join("rules/SL405/clean-spiped"), r);
        for host in ["web", "redis"] {
            write(&r.join(host).join("keys/big"), "k".repeat(3_000_000));
            let key = r.join(host).join("etc/spiped/redis.key");
            std::fs::remove_file(&key).expect("rm key");
            symlink("/keys/big", &key).expect("symlink");
        }
        let o = sesslint_in(r, &["check", "--format", "concise", "--max-host-mib", "1", "."]);
        let out = all_output(&o);
        for host in ["web", "redis"] {
            assert!(out.contains(&format!("{host}/etc/spiped/redis.key:1:1: error[SL002]")), "{out}");
        }
        assert!(out.contains("cannot be compared"), "{out}");
        assert_eq!(code_of(&o), 1, "{out}");
    }
}

/// `include /etc/redis/lnk/../y.conf.inc` with `lnk` a link to `../../deep/dir`:
/// redis-server fopen()s the path, and the kernel takes `..` after following `lnk` (into
/// `deep/`), not from `etc/redis/`. sesslint reads the file redis-server reads, checked
/// live against redis-server on 127.0.0.1, and a decoy at the lexical place is not it.
#[test]
fn an_include_through_a_link_then_dotdot_is_the_file_redis_server_opens() {
    use std::os::unix::fs::symlink;
    let Some(redis) = common::oracle("redis-server") else { return };
    let repo = tempfile::tempdir().expect("tmp");
    let r = repo.path();
    let (real, decoy) = (common::redis::free_port(), common::redis::free_port());
    std::fs::create_dir_all(r.join("deep/dir")).expect("mkdir");
    std::fs::create_dir_all(r.join("etc/redis")).expect("mkdir");
    symlink("../../deep/dir", r.join("etc/redis/lnk")).expect("symlink");
    write(&r.join("deep/y.conf.inc"), format!("port {real}\n"));
    write(&r.join("etc/redis/y.conf.inc"), format!("port {decoy}\n"));
    write(&r.join("etc/redis/redis.conf"), "bind 127.0.0.1\ninclude /etc/redis/lnk/../y.conf.inc\n");
    let shown = all_output(&sesslint_in(r, &["show", "."]));
    assert!(shown.contains(&format!("port {real} on 127.0.0.1")), "{shown}");
    // The same file as redis-server sees it, the include spelled with the tree's real path.
    let live_conf = r.join("live.conf");
    let include = r.join("etc/redis/lnk/../y.conf.inc");
    write(&live_conf, format!("bind 127.0.0.1\ninclude {}\n", include.display()));
    let live = match common::redis::start_as_configured(&redis, &live_conf, r, &["--dir", &r.to_string_lossy()]) {
        common::redis::Outcome::Running(s) => s,
        common::redis::Outcome::Refused(log) => panic!("redis-server refused {}: {log}", live_conf.display()),
    };
    let answers = |port: u16| {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok_and(|mut s| {
            let mut buf = [0u8; 7];
            s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
        })
    };
    assert!(answers(real), "redis-server is not on port {real}");
    assert!(!answers(decoy), "redis-server is on the decoy's port {decoy}");
    drop(live);
    // Without the decoy nothing is missing: redis-server reads `deep/y.conf.inc`.
    std::fs::remove_file(r.join("etc/redis/y.conf.inc")).expect("rm");
    let out = all_output(&sesslint_in(r, &["check", "--format", "concise", "."]));
    assert!(!out.contains("SL004"), "{out}");
}

/// php-fpm `include=/etc/php/8.2/fpm/lnk/../*.pool` with `lnk` a link to `deep/dir`: FPM's
/// glob() has the kernel take `..` after following `lnk`, so it reads `deep/*.pool`, not
/// the decoy beside php-fpm.conf's directory. Checked live with `php-fpm8.2 -tt`.
#[test]
fn an_fpm_include_through_a_link_then_dotdot_is_the_pool_php_fpm_reads() {
    use std::os::unix::fs::symlink;
    let repo = tempfile::tempdir().expect("tmp");
    let r = repo.path();
    std::fs::create_dir_all(r.join("etc/php/8.2/fpm")).expect("mkdir");
    std::fs::create_dir_all(r.join("deep/dir")).expect("mkdir");
    symlink("../../../../deep/dir", r.join("etc/php/8.2/fpm/lnk")).expect("symlink");
    let pool = |name: &str, port: u16| {
        format!(
            "[{name}]\nlisten = 127.0.0.1:{port}\nuser = nobody\npm = static\npm.max_children = 1\nphp_value[session.save_handler] = redis\nphp_value[session.save_path] = \"tcp://127.0.0.1:6379?timeout=1&read_timeout=1\"\n"
        )
    };
    write(&r.join("deep/a.pool"), pool("real", 9001));
    write(&r.join("etc/php/8.2/a.pool"), pool("decoy", 9002));
    write(&r.join("etc/php/8.2/fpm/php-fpm.conf"), "[global]\ninclude=/etc/php/8.2/fpm/lnk/../*.pool\n");
    let out = all_output(&sesslint_in(r, &["check", "--format", "concise", "."]));
    assert!(out.contains("pool real") && !out.contains("pool decoy"), "{out}");
    // The same include as php-fpm on this machine sees it (the tree's real path).
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let live = r.join("live.conf");
    let include = r.join("etc/php/8.2/fpm/lnk/../*.pool");
    write(&live, format!("[global]\nerror_log = {}\ninclude={}\n", r.join("fpm.log").display(), include.display()));
    let o = Command::new(fpm).arg("-n").arg("-y").arg(&live).arg("-tt").output().expect("run php-fpm");
    let said = all_output(&o);
    assert!(said.contains("[real]") && !said.contains("[decoy]"), "{said}");
}

/// A link whose relative target climbs above the tree's `/` (`etc/redis/out -> ../../..`):
/// the tree's kernel stops `..` at `/`, so `include /etc/redis/out/x.conf` is `/x.conf`
/// there (it was refused as outside, with a false "can't open config file"). Checked live:
/// redis-server on this machine, through a link that climbs past this machine's `/`, reads
/// the file and listens on its port.
#[test]
fn a_link_climbing_above_the_root_stops_there_as_the_kernel_does() {
    use std::os::unix::fs::symlink;
    let repo = tempfile::tempdir().expect("tmp");
    let r = repo.path();
    let port = common::redis::free_port();
    std::fs::create_dir_all(r.join("etc/redis")).expect("mkdir");
    symlink("../../..", r.join("etc/redis/out")).expect("symlink");
    write(&r.join("x.conf"), format!("port {port}\n"));
    write(&r.join("etc/redis/redis.conf"), "bind 127.0.0.1\ninclude /etc/redis/out/x.conf\n");
    let shown = all_output(&sesslint_in(r, &["show", "."]));
    assert!(shown.contains(&format!("port {port} on 127.0.0.1")), "{shown}");
    let out = all_output(&sesslint_in(r, &["check", "--format", "concise", "."]));
    assert!(!out.contains("SL004") && !out.contains("outside the checked tree"), "{out}");
    // A `..` written in a relative include that leaves the tree is not clamped into it.
    write(&r.join("etc/redis/redis.conf"), "bind 127.0.0.1\ninclude ../../../x.conf\n");
    let shown = all_output(&sesslint_in(r, &["show", "."]));
    assert!(!shown.contains(&format!("port {port}")), "{shown}");

    let Some(redis) = common::oracle("redis-server") else { return };
    // On this machine: a link with more `..` than the tree's path has components.
    let depth = r.components().count() + 3;
    symlink(vec![".."; depth].join("/"), r.join("machine_out")).expect("symlink");
    let below_slash = r.strip_prefix("/").expect("absolute tmp");
    let live_conf = r.join("live.conf");
    let include = r.join("machine_out").join(below_slash).join("x.conf");
    write(&live_conf, format!("bind 127.0.0.1\nport 0\ninclude {}\n", include.display()));
    let live = match common::redis::start_as_configured(&redis, &live_conf, r, &["--dir", &r.to_string_lossy()]) {
        common::redis::Outcome::Running(s) => s,
        common::redis::Outcome::Refused(log) => panic!("redis-server refused {}: {log}", live_conf.display()),
    };
    let pong = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok_and(|mut s| {
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    });
    assert!(pong, "redis-server is not on port {port}");
    drop(live);
}

/// php-fpm `include=/etc/fpmx/*.pool` matching a dangling link or a FIFO: FPM opens every
/// match ("Unable to include", or it blocks on the FIFO), so each is an SL004 error (they
/// were dropped silently, exit 0). Checked live: `php-fpm8.2 -t` refuses the dangling one.
#[test]
fn an_fpm_include_glob_matching_a_dangling_link_or_a_fifo_is_an_error() {
    use std::os::unix::fs::symlink;
    let repo = tempfile::tempdir().expect("tmp");
    let r = repo.path();
    std::fs::create_dir_all(r.join("etc/fpmx")).expect("mkdir");
    write(&r.join("etc/php/8.2/fpm/php-fpm.conf"), "[global]\ninclude=/etc/fpmx/*.pool\n");
    symlink("../none", r.join("etc/fpmx/a.pool")).expect("symlink");
    // A directory matching is skipped by FPM's glob() (GLOB_MARK): no finding for it.
    std::fs::create_dir_all(r.join("etc/fpmx/d.pool")).expect("mkdir");
    let o = sesslint_in(r, &["check", "--format", "concise", "."]);
    let out = all_output(&o);
    assert!(out.contains("php-fpm.conf:2:1: error[SL004]") && out.contains("a.pool"), "{out}");
    assert!(out.contains("symlink to nothing") && !out.contains("d.pool"), "{out}");
    assert_eq!(o.status.code(), Some(1), "{out}");
    std::fs::remove_file(r.join("etc/fpmx/a.pool")).expect("rm");
    assert!(Command::new("mkfifo").arg(r.join("etc/fpmx/b.pool")).status().expect("mkfifo").success());
    let o = sesslint_in(r, &["check", "--format", "concise", "."]);
    let out = all_output(&o);
    assert!(out.contains("error[SL004]") && out.contains("b.pool") && out.contains("not a regular file"), "{out}");
    assert_eq!(o.status.code(), Some(1), "{out}");
    std::fs::remove_file(r.join("etc/fpmx/b.pool")).expect("rm");

    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    symlink("../none", r.join("etc/fpmx/a.pool")).expect("symlink");
    let live = r.join("live.conf");
    let include = r.join("etc/fpmx/*.pool");
    write(&live, format!("[global]\nerror_log = {}\ninclude={}\n", r.join("fpm.log").display(), include.display()));
    let o = Command::new(fpm).arg("-n").arg("-y").arg(&live).arg("-t").output().expect("run php-fpm");
    let said = all_output(&o);
    assert!(!o.status.success() && said.contains("Unable to include"), "{said}");
}

/// An ACL file that is a link to a FIFO below the root (`etc/redis/users.acl -> /srv/fifo`,
/// absolute, so it dangles on this machine, and relative): never opened, and said as what it
/// is, not "a symlink to nothing".
#[test]
fn a_link_to_a_fifo_below_the_root_is_said_not_regular_and_never_opened() {
    use std::os::unix::fs::symlink;
    let repo = tempfile::tempdir().expect("tmp");
    let r = repo.path();
    std::fs::create_dir_all(r.join("srv")).expect("mkdir");
    write(&r.join("etc/redis/redis.conf"), "port 6379\naclfile /etc/redis/users.acl\n");
    assert!(Command::new("mkfifo").arg(r.join("srv/fifo")).status().expect("mkfifo").success());
    for target in ["/srv/fifo", "../../srv/fifo"] {
        let _ = std::fs::remove_file(r.join("etc/redis/users.acl"));
        symlink(target, r.join("etc/redis/users.acl")).expect("symlink");
        let o = sesslint_in(r, &["check", "--format", "concise", "."]);
        let out = all_output(&o);
        assert!(out.contains("users.acl:1:1: warning[SL002]") && out.contains("not a regular file"), "{target}: {out}");
        assert!(!out.contains("symlink to nothing"), "{target}: {out}");
        assert_eq!(o.status.code(), Some(1), "{target}: {out}");
    }
}

/// One php.ini reached by the walk (`srvx/php.ini`) and through an absolute link
/// (`etc/php/8.2/fpm/php.ini -> /srvx/php.ini`): the model holds it under both paths, but
/// `--diff` shows one patch, for the file itself (it showed two, the second not applying
/// after the first), and `--fix` writes it once.
#[test]
fn a_file_reached_by_the_walk_and_through_a_link_is_patched_once() {
    let repo = tempfile::tempdir().expect("tmp");
    let r = repo.path();
    let ini = "[PHP]\nsession.save_handler = files\nsession.use_strict_mode = 1\nsession.save_path = 2;/var/lib/php/sessions\n";
    write(&r.join("srvx/php.ini"), ini);
    std::fs::create_dir_all(r.join("etc/php/8.2/fpm")).expect("mkdir");
    std::os::unix::fs::symlink("/srvx/php.ini", r.join("etc/php/8.2/fpm/php.ini")).expect("symlink");
    let o = sesslint_in(r, &["check", "--diff", "."]);
    let diff = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(diff.matches("\n+++ ").count() + usize::from(diff.starts_with("+++ ")), 1, "{}", all_output(&o));
    assert!(diff.contains("+++ b/srvx/php.ini"), "kept under the file's own path: {diff}");
    assert!(all_output(&o).contains("in 1 file(s)"), "{}", all_output(&o));
    let o = sesslint_in(r, &["check", "--fix", "."]);
    assert!(o.status.code().is_some_and(|c| c != 2), "{}", all_output(&o));
    let fixed = std::fs::read_to_string(r.join("srvx/php.ini")).expect("read");
    assert!(fixed.contains("session.save_path = \"2;/var/lib/php/sessions\""), "{fixed}");
    assert!(std::fs::symlink_metadata(r.join("etc/php/8.2/fpm/php.ini")).expect("link").file_type().is_symlink());
}

/// `parse` given php.ini with a pool or a `.user.ini` whose save path sends `auth=${pw}`:
/// php.ini's `pw` is that Redis password (php-fpm -tt expands it, see
/// `a_pool_save_path_variable_masks_the_php_ini_line_it_names`), so no format of `parse`
/// prints it, in whichever order the files are named, a `${}` in `pw` followed in turn
/// (`pw = "${base}"`: `base` masked), a pool's `php_value[pw]` too; `--show-secrets` shows it.
#[test]
fn parse_masks_a_php_ini_value_a_save_path_among_the_files_given_names() {
    let repo = tempfile::tempdir().expect("tmp");
    let ini = "etc/php/8.2/fpm/php.ini";
    let pool = "etc/php/8.2/fpm/pool.d/www.conf";
    let user_ini = "var/www/shop/.user.ini";
    write(&repo.path().join(ini), "[PHP]\nPW = \"${base}-LeakPA2\"\nbase = LeakPA1\nsession.use_strict_mode = 0\n");
    write(
        &repo.path().join(pool),
        "[www]\nlisten = 127.0.0.1:9000\nphp_value[pw] = LeakPA3\nphp_value[session.save_handler] = redis\nphp_value[session.save_path] = \"tcp://127.0.0.1:6379?auth=${pw}&timeout=1&read_timeout=1\"\n",
    );
    write(
        &repo.path().join(user_ini),
        "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?auth=${pw}&timeout=1&read_timeout=1\"\n",
    );
    let leaks = ["LeakPA1", "LeakPA2", "LeakPA3"];
    for other in [pool, user_ini] {
        for files in [[ini, other], [other, ini]] {
            for format in ["text", "json"] {
                let mut args = vec!["parse", "--format", format];
                args.extend(files);
                let o = sesslint_in(repo.path(), &args);
                let text = all_output(&o);
                assert!(o.status.success(), "{args:?}: {text}");
                for leak in leaks.iter().filter(|l| other == pool || **l != "LeakPA3") {
                    assert!(!text.contains(leak), "{args:?} shows {leak}:\n{text}");
                }
                assert!(text.contains("********"), "{args:?}: {text}");
            }
        }
    }
    let shown = all_output(&sesslint_in(repo.path(), &["parse", "--show-secrets", "--format", "json", ini, pool]));
    assert!(leaks.iter().all(|l| shown.contains(l)), "{shown}");
}

/// A pool's save path whose password is quoted across lines: php-fpm reads a pool line by
/// line and refuses it (compared live with `php-fpm8.2 -t`), but the lines up to the
/// closing `"` are the password as written, so no output shows them (the human frames of
/// the refused lines included); what follows the credential's `&` stays readable.
#[test]
fn a_pool_save_path_password_quoted_across_lines_is_masked_on_every_line() {
    let pool_line = "php_value[session.save_path] = \"tcp://127.0.0.1:6379?timeout=1&auth=LeakPML1\nLeakPML2\nLeakPML3&read_timeout=7\"\n";
    if let Some(fpm) = common::oracle("php-fpm8.2") {
        let dir = tempfile::tempdir().expect("tmp");
        write(&dir.path().join("php.ini"), "[PHP]\n");
        write(
            &dir.path().join("fpm.conf"),
            format!("[global]\nerror_log = {}\n[www]\nuser = nobody\nlisten = 127.0.0.1:9777\npm = static\npm.max_children = 1\n{pool_line}", dir.path().join("err.log").display()),
        );
        let o = Command::new(fpm)
            .current_dir(dir.path())
            .args(["-c", "php.ini", "-y", "fpm.conf", "-t"])
            .output()
            .expect("run php-fpm8.2");
        assert!(!o.status.success() && all_output(&o).contains("syntax error"), "php-fpm -t: {}", all_output(&o));
    }
    let repo = tempfile::tempdir().expect("tmp");
    let pool = "etc/php/8.2/fpm/pool.d/www.conf";
    write(&repo.path().join("etc/php/8.2/fpm/php.ini"), "[PHP]\n");
    write(&repo.path().join("etc/php/8.2/fpm/php-fpm.conf"), "[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n");
    write(
        &repo.path().join(pool),
        format!("[www]\nlisten = 127.0.0.1:9000\nphp_value[session.save_handler] = redis\n{pool_line}"),
    );
    let leaks = ["LeakPML1", "LeakPML2", "LeakPML3"];
    shown_nowhere(repo.path(), &leaks);
    let human = all_output(&sesslint_in(repo.path(), &["check", "."]));
    assert!(human.contains("SL001") && human.contains("read_timeout=7"), "{human}");
    let mut more = vec![("check --diff", all_output(&sesslint_in(repo.path(), &["check", "--diff", "."])))];
    more.push(("check POOL", all_output(&sesslint_in(repo.path(), &["check", pool]))));
    for format in ["text", "json"] {
        more.push(("parse", all_output(&sesslint_in(repo.path(), &["parse", "--format", format, pool]))));
    }
    for (what, text) in more {
        for leak in leaks {
            assert!(!text.contains(leak), "{what} shows {leak}:\n{text}");
        }
    }
}

/// An ACL file past the budget that the walk finds both as itself (`srv/users.acl`) and as
/// the symlink `aclfile` names (`etc/redis/users.acl`, absolute or relative): one SL002, at
/// the file's own path, the link named in its reason (there were two, one per path).
#[test]
fn a_file_past_the_budget_reached_by_the_walk_and_through_a_link_is_one_sl002() {
    let acl: String = (0..60_000).map(|i| format!("user u{i} on >password{i:08} ~* +@all\n")).collect();
    for target in ["/srv/users.acl", "../../srv/users.acl"] {
        let repo = tempfile::tempdir().expect("tmp");
        let r = repo.path();
        write(&r.join("etc/redis/redis.conf"), "port 6379\naclfile /etc/redis/users.acl\n");
        write(&r.join("srv/users.acl"), &acl);
        std::os::unix::fs::symlink(target, r.join("etc/redis/users.acl")).expect("symlink");
        let o = sesslint_in(r, &["check", "--format", "concise", "--max-host-mib", "1", "."]);
        let out = all_output(&o);
        let sl002: Vec<&str> = out.lines().filter(|l| l.contains("[SL002]")).collect();
        assert_eq!(sl002.len(), 1, "{target}: {out}");
        assert!(sl002[0].starts_with("srv/users.acl:1:1: error[SL002]"), "{target}: {out}");
        assert!(sl002[0].contains("(also reached as etc/redis/users.acl, a symlink to it)"), "{target}: {out}");
        assert_eq!(o.status.code(), Some(1), "{target}: {out}");
    }
}

/// A file reached through a symlinked directory below the root (`pools -> /srv/pools`, an
/// absolute link as the machine resolves it): `--diff` and `--fix` change the file itself,
/// below the root (they refused it as outside, following only the last component's link),
/// and the link stays. A link that leads out of the root on this machine
/// (`pools -> ../../../../../outside`) is resolved as the tree's kernel does, `..` stopping
/// at the root: the file outside is never read nor written.
#[test]
fn a_fix_through_a_symlinked_directory_below_the_root_writes_the_file_there() {
    let fpm = "[global]\ninclude=/etc/php/8.2/fpm/pools/*.conf\n";
    let pool = "[www]\nlisten = 127.0.0.1:9000\nphp_value[session.save_path] = 2;/var/lib/php/sessions\n";
    let quoted = "php_value[session.save_path] = \"2;/var/lib/php/sessions\"";
    let tmp = tempfile::tempdir().expect("tmp");
    let r = tmp.path().join("tree");
    write(&r.join("etc/php/8.2/fpm/php-fpm.conf"), fpm);
    write(&r.join("etc/php/8.2/fpm/php.ini"), "[PHP]\nsession.use_strict_mode = 1\n");
    write(&r.join("srv/pools/www.conf"), pool);
    symlink("/srv/pools", r.join("etc/php/8.2/fpm/pools")).expect("symlink");
    let o = sesslint_in(&r, &["check", "--diff", "--root", ".", "."]);
    let diff = all_output(&o);
    assert!(diff.contains("+++ b/etc/php/8.2/fpm/pools/www.conf") && diff.contains(&format!("+{quoted}")), "{diff}");
    let o = sesslint_in(&r, &["check", "--fix", "--root", ".", "."]);
    assert!(o.status.code().is_some_and(|c| c != 2), "{}", all_output(&o));
    assert!(std::fs::read_to_string(r.join("srv/pools/www.conf")).expect("read").contains(quoted));
    assert!(std::fs::symlink_metadata(r.join("etc/php/8.2/fpm/pools")).expect("link").file_type().is_symlink());

    // Out of the root on this machine: nothing outside is read or written.
    write(&tmp.path().join("outside/www.conf"), pool);
    std::fs::remove_file(r.join("etc/php/8.2/fpm/pools")).expect("rm");
    symlink("../../../../../outside", r.join("etc/php/8.2/fpm/pools")).expect("symlink");
    for args in [&["check", "--fix", "--root", ".", "."][..], &["check", "--fix", "--root", ".", "etc"]] {
        let o = sesslint_in(&r, args);
        assert!(!all_output(&o).contains("2;/var/lib"), "{args:?}: {}", all_output(&o));
        assert_eq!(std::fs::read_to_string(tmp.path().join("outside/www.conf")).expect("read"), pool, "{args:?}");
    }
}

/// A symlink the walk finds whose target's directory is itself an absolute link below the
/// root (`conf.d/20-redis.ini -> /etc/php/8.2/mods-available/redis.ini`,
/// `mods-available -> /srv/mods`): read where the machine's kernel finds it (it was "a
/// symlink to nothing", the link on the way followed on this machine).
#[test]
fn a_walked_link_through_an_absolute_directory_link_is_read_below_the_root() {
    let repo = tempfile::tempdir().expect("tmp");
    let r = repo.path();
    write(&r.join("etc/php/8.2/fpm/php.ini"), "[PHP]\nsession.use_strict_mode = 1\n");
    write(
        &r.join("srv/mods/redis.ini"),
        "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379\"\n",
    );
    symlink("/srv/mods", r.join("etc/php/8.2/mods-available")).expect("symlink");
    std::fs::create_dir_all(r.join("etc/php/8.2/fpm/conf.d")).expect("mkdir");
    symlink("/etc/php/8.2/mods-available/redis.ini", r.join("etc/php/8.2/fpm/conf.d/20-redis.ini")).expect("symlink");
    let out = all_output(&sesslint_in(r, &["check", "--format", "concise", "--root", ".", "."]));
    assert!(!out.contains("symlink to nothing") && !out.contains("[SL002]"), "{out}");
    assert!(out.contains("etc/php/8.2/fpm/conf.d/20-redis.ini:2:1: warning[SL109]"), "{out}");
}

/// A password quoted across two lines, below a stray quote that makes the ini tree pair
/// the quotes otherwise than the lines read (`x = a"b`, an unclosed `mysqli.default_pw =
/// "abc`, the credential's own `auth="`): PHP refuses the file (compared live), and the
/// rest of the password stands on the next line, so no output shows it: every check format
/// (with `--diff`), `show`, `parse`, the file checked alone and the language server, in a
/// small php.ini, one over 16 KiB (frames masked from their own lines) and a `.user.ini`;
/// `'` quotes alike, and a pool's `auth="` spelling too.
#[test]
fn a_password_quoted_across_lines_below_a_stray_quote_is_masked_on_every_line() {
    let save_path =
        |q: &str| format!("session.save_path = {q}tcp://127.0.0.1:6379?auth=LeakSQ1\nLeakSQ2&timeout=1{q}\n");
    let cases = [
        format!("x = a\"b\n{}", save_path("\"")),
        format!("mysqli.default_pw = \"abc\n{}", save_path("\"")),
        "session.save_path = \"tcp://127.0.0.1:6379?auth=\"LeakSQ1\nLeakSQ2&timeout=1\"\n".to_string(),
        format!("x = it's\n{}", save_path("'")),
        "x = a\"b\nredis.session.password = \"LeakSQ1\nLeakSQ2\"\n".to_string(),
        "x = a\"b\nsession.save_path = \"tcp://usr:LeakSQ1\nLeakSQ2@127.0.0.1:6379?timeout=1\"\n".to_string(),
    ];
    for (i, case) in cases.iter().enumerate() {
        for padding in [0, 20_000] {
            let repo = tempfile::tempdir().expect("tmp");
            let ini = "etc/php/8.2/cli/php.ini";
            let pad = "; padding line of a large php.ini\n".repeat(padding / 34);
            write(&repo.path().join(ini), format!("[PHP]\n{pad}session.save_handler = redis\n{case}"));
            if let Some((parsed, _)) = php_reads(&repo.path().join(ini)) {
                assert_eq!(parsed, serde_json::Value::Bool(false), "case {i}: PHP reads {parsed}");
            }
            ini_secrets_shown_nowhere(repo.path(), ini, &["LeakSQ1", "LeakSQ2"]);
            let alone = all_output(&sesslint_in(repo.path(), &["check", ini]));
            assert!(alone.contains("SL001") && !alone.contains("LeakSQ"), "case {i}: {alone}");
            let lsp = lsp_transcript(repo.path(), &[repo.path().join(ini)]).join("\n");
            assert!(lsp.contains("SL001") && !lsp.contains("LeakSQ"), "case {i} lsp: {lsp}");
        }
        let user_ini = tempfile::tempdir().expect("tmp");
        write(&user_ini.path().join("etc/php/8.2/fpm/php.ini"), "[PHP]\n");
        write(&user_ini.path().join("var/www/shop/.user.ini"), format!("session.save_handler = redis\n{case}"));
        ini_secrets_shown_nowhere(user_ini.path(), "var/www/shop/.user.ini", &["LeakSQ1", "LeakSQ2"]);
    }
    // A pool: php-fpm reads it line by line; `auth="` opens the credential's own quote.
    let repo = tempfile::tempdir().expect("tmp");
    let pool = "etc/php/8.2/fpm/pool.d/www.conf";
    write(&repo.path().join("etc/php/8.2/fpm/php.ini"), "[PHP]\n");
    write(&repo.path().join("etc/php/8.2/fpm/php-fpm.conf"), "[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n");
    write(
        &repo.path().join(pool),
        "[www]\nlisten = 127.0.0.1:9000\nphp_value[session.save_handler] = redis\nphp_value[session.save_path] = \"tcp://127.0.0.1:6379?auth=\"LeakSQ1\nLeakSQ2&timeout=1\"\n",
    );
    ini_secrets_shown_nowhere(repo.path(), pool, &["LeakSQ1", "LeakSQ2"]);
    // What follows the credential's `&` stays readable.
    let human = all_output(&sesslint_in(repo.path(), &["check", "."]));
    assert!(human.contains("&timeout=1\""), "{human}");
}

/// A password quoted across lines in a file its server reads line by line and refuses
/// (redis.conf `requirepass`/`masterauth`: unbalanced quotes; an ACL file's `>pw`; an Apache
/// `php_value` whose next line is no command; an env.php PHP cannot compile, a stray quote
/// above): the rest of it stands on the next line, so no output shows it: every check
/// format (with `--diff`), `show`, `parse` text and json, the file checked alone and the
/// language server. redis-server's and PHP's refusals compared live.
#[test]
fn a_password_quoted_across_lines_in_a_refused_file_is_masked_on_every_line() {
    let conf =
        "port 6379\nbind 127.0.0.1\ndir \"a\"b\nrequirepass \"LeakRQ1\nLeakRQ2\"\nmasterauth 'LeakRQ3\nLeakRQ4'\n";
    let acl = "user alice on \">LeakRQ5\nLeakRQ6\" ~* +@all\n";
    let apache = "<VirtualHost *:80>\nphp_value session.save_handler redis\nphp_value session.save_path \"tcp://127.0.0.1:6379?auth=LeakRQ7\nLeakRQ8&timeout=1\"\nphp_value mysqli.default_pw \"LeakRQ9\nLeakRQ10\"\n</VirtualHost>\n";
    let env = "<?php\nreturn [\n    'x' => \"a\"b\",\n    'session' => ['save' => 'redis', 'redis' => ['host' => '127.0.0.1', 'password' => \"LeakRQ11\nLeakRQ12\", 'port' => '6379']],\n    'db' => ['connection' => ['default' => ['password' => 'LeakRQ13\nLeakRQ14']]],\n];\n";
    let tmp = tempfile::tempdir().expect("tmp");
    if let Some(redis) = common::oracle("redis-server") {
        for (i, (file, text)) in [("redis.conf", conf.to_string()), ("users.acl", acl.to_string())].iter().enumerate() {
            let path = tmp.path().join(file);
            write(&path, text);
            let config = if i == 0 {
                path.clone()
            } else {
                let c = tmp.path().join("acl.conf");
                write(&c, format!("aclfile {}\n", path.display()));
                c
            };
            match common::redis::start(&redis, &config, tmp.path(), tmp.path(), &[]) {
                common::redis::Outcome::Refused(said) => {
                    assert!(said.contains("Unbalanced quotes") || said.contains("ACL"), "{file}: {said}")
                }
                common::redis::Outcome::Running(_) => panic!("redis-server accepts {file}"),
            }
        }
    }
    if let Some(php) = common::oracle("php") {
        let path = tmp.path().join("env.php");
        write(&path, env);
        let o = Command::new(php).arg("-l").arg(&path).output().expect("php -l");
        assert!(!o.status.success() && all_output(&o).contains("syntax error"), "php -l: {}", all_output(&o));
    }
    let repo = tempfile::tempdir().expect("tmp");
    let files = [
        ("etc/redis/redis.conf", conf.to_string()),
        ("etc/redis/acl.conf", "port 6380\nbind 127.0.0.1\naclfile /etc/redis/users.acl\n".to_string()),
        ("etc/redis/users.acl", acl.to_string()),
        ("etc/apache2/sites-enabled/000-default.conf", apache.to_string()),
        ("var/www/shop/app/etc/env.php", env.to_string()),
    ];
    for (path, text) in &files {
        write(&repo.path().join(path), text);
    }
    let leaks: Vec<String> = (1..=14).map(|n| format!("LeakRQ{n}")).collect();
    let mut outputs = every_output(repo.path(), &[]);
    outputs.extend(every_output(repo.path(), &["--diff"]));
    for (path, _) in &files {
        for args in [vec!["parse", path], vec!["parse", "--format", "json", path], vec!["check", path]] {
            outputs.push((args.join(" "), all_output(&sesslint_in(repo.path(), &args))));
        }
    }
    let docs: Vec<PathBuf> = files.iter().map(|(p, _)| repo.path().join(p)).collect();
    let lsp = lsp_transcript(repo.path(), &docs).join("\n");
    // The server judged the refused files (their frames are what could leak).
    assert!(lsp.contains("Unbalanced quotes") && lsp.contains("unterminated"), "{lsp}");
    outputs.push(("lsp".into(), lsp));
    for (what, text) in &outputs {
        for leak in &leaks {
            // `LeakRQ1` is a prefix of `LeakRQ10`..: whole words only.
            let shown = text
                .match_indices(leak.as_str())
                .any(|(at, _)| !text[at + leak.len()..].starts_with(|c: char| c.is_ascii_digit()));
            assert!(!shown, "{what} shows {leak}:\n{text}");
        }
    }
    let human = &outputs[0].1;
    assert!(human.contains("SL001") && human.contains("requirepass ********"), "{human}");
}

/// A php-fpm `include=` naming a symlink to a pool file the walk found, or the file a walked
/// pool symlink leads to (named, or matched by a glob; the link relative or absolute below
/// the root), is that one pool file: one pool `www`, no SL403 between a pool and itself.
/// php-fpm 8.2 `-tt` on the same files (checked live) has one pool `[www]`.
#[test]
fn an_fpm_include_of_a_link_to_a_walked_pool_is_that_pool() {
    let pool = "[www]\nuser = nobody\nlisten = 127.0.0.1:9000\npm = static\npm.max_children = 1\nphp_value[session.save_handler] = redis\nphp_value[session.save_path] = \"tcp://127.0.0.1:6379?auth=PW&timeout=1&read_timeout=1\"\n";
    // (the pool file, a link to it and its target, the include line)
    let cases: &[(&str, &str, &str, &str)] = &[
        ("etc/php/8.2/fpm/pool.d/www.conf", "etc/php/lnk.conf", "8.2/fpm/pool.d/www.conf", "/etc/php/lnk.conf"),
        (
            "etc/php/8.2/fpm/pool.d/www.conf",
            "etc/php/lnk.conf",
            "/etc/php/8.2/fpm/pool.d/www.conf",
            "/etc/php/lnk.conf",
        ),
        (
            "etc/php/8.2/fpm/pool.d/www.conf",
            "etc/php/links/a.conf",
            "../8.2/fpm/pool.d/www.conf",
            "/etc/php/links/*.conf",
        ),
        (
            "etc/php/other/real.conf",
            "etc/php/8.2/fpm/pool.d/www.conf",
            "../../../other/real.conf",
            "/etc/php/other/real.conf",
        ),
        (
            "etc/php/other/real.conf",
            "etc/php/8.2/fpm/pool.d/www.conf",
            "/etc/php/other/real.conf",
            "/etc/php/other/*.conf",
        ),
    ];
    for (&(file, link, target, include), also_pool_d) in cases.iter().flat_map(|c| [(c, false), (c, true)]) {
        let tmp = tempfile::tempdir().expect("tmp");
        let root = tmp.path().canonicalize().expect("canonical temp dir");
        write(&root.join(file), pool);
        std::fs::create_dir_all(root.join(link).parent().expect("parent")).expect("mkdir");
        symlink(target, root.join(link)).expect("link");
        write(
            &root.join("etc/php/8.2/fpm/php-fpm.conf"),
            match also_pool_d {
                true => format!("[global]\ninclude={include}\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n"),
                false => format!("[global]\ninclude={include}\n"),
            },
        );
        let show = all_output(&sesslint_in(&root, &["show", "."]));
        let pools: Vec<&str> = show.lines().filter(|l| l.starts_with("pool www")).collect();
        assert_eq!(
            pools,
            ["pool www (etc/php/8.2/fpm/pool.d/www.conf)"],
            "{link} -> {target}, include={include}:\n{show}"
        );
        let check = all_output(&sesslint_in(&root, &["check", "--format", "concise", "."]));
        assert!(!check.contains("[SL403]"), "{link} -> {target}, include={include}:\n{check}");
        assert_eq!(check.matches("[SL107]").count(), 1, "{link} -> {target}, include={include}:\n{check}");
        // php-fpm, given the same files by their paths on this machine (a relative link only).
        if target.starts_with('/') {
            continue;
        }
        if let Some(fpm) = common::oracle("php-fpm8.2") {
            let conf = root.join("fpm-tt.conf");
            let on_host = |p: &str| format!("{}{p}", root.display());
            write(
                &conf,
                format!(
                    "[global]\nerror_log = {}\ninclude={}\n{}",
                    on_host("/fpm.log"),
                    on_host(include),
                    match also_pool_d {
                        true => format!("include={}\n", on_host("/etc/php/8.2/fpm/pool.d/*.conf")),
                        false => String::new(),
                    }
                ),
            );
            let o = Command::new(fpm).args(["-tt", "-n", "-y"]).arg(&conf).output().expect("run php-fpm");
            let said = all_output(&o);
            assert!(said.contains("test is successful"), "php-fpm -tt:\n{said}");
            assert_eq!(said.matches("NOTICE: [www]").count(), 1, "php-fpm -tt:\n{said}");
        } else {
            common::skipped("php-fpm8.2 is not installed: its one pool is not checked live");
        }
    }
}

/// A directory symlink below the root is followed as the tree's machine follows it, whatever
/// this machine has at its target: `etc/php/8.2/fpm -> /opt/fpmconf` (absolute, as in an
/// image), `-> ../../../opt/fpmconf`, or a chain through another link, is the tree's
/// `opt/fpmconf` spelled `etc/php/8.2/fpm`: one fpm setup, one pool, the findings of a
/// plain directory there, and `--fix` writes the file it reported. An absolute target that
/// exists on this machine (out of the tree) is never read there, and one that exists only
/// on this machine leads nowhere in the tree.
#[test]
fn directory_symlinks_below_the_root_are_followed_as_the_tree_s_machine_follows_them() {
    let ini = "[PHP]\nsession.save_handler = redis\nsession.save_path = tcp://127.0.0.1:6379?auth=Tr33Pw\n";
    let pool = "[www]\nlisten = 127.0.0.1:9000\n";
    let fpm_conf = "[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n";
    let lay_out = |root: &Path, dir: &str| {
        write(&root.join(dir).join("php.ini"), ini);
        write(&root.join(dir).join("php-fpm.conf"), fpm_conf);
        write(&root.join(dir).join("pool.d/www.conf"), pool);
    };
    let findings = |root: &Path| {
        let o = sesslint_in(root, &["check", "--format", "concise", "."]);
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.sort();
        (lines, o.status.code())
    };
    // The same tree with a plain directory: what each link must give.
    let plain = tempfile::tempdir().expect("tmp");
    lay_out(plain.path(), "etc/php/8.2/fpm");
    let (expected, expected_code) = findings(plain.path());
    let setups = |root: &Path| {
        let show = all_output(&sesslint_in(root, &["show", "."]));
        let lines: Vec<String> =
            show.lines().filter(|l| l.starts_with("pool ") || l.starts_with("php ")).map(str::to_owned).collect();
        (lines, show)
    };
    let (expected_setups, _) = setups(plain.path());
    assert_eq!(expected_setups, ["pool www (etc/php/8.2/fpm/pool.d/www.conf)"]);
    assert!(
        expected.iter().any(|l| l.starts_with("etc/php/8.2/fpm/php.ini:3:") && l.contains("[SL001]")),
        "{expected:?}"
    );
    // Outside the tree, at the path an absolute link names: never read.
    let outside = tempfile::tempdir().expect("tmp");
    let outside = outside.path().canonicalize().expect("canonical");
    write(&outside.join("fpm/php.ini"), format!("[PHP]\nsession.save_handler = files\n; {CANARY}\n"));
    let host_abs = outside.join("fpm").display().to_string();
    let nowhere = format!("/opt/sesslint-{}-fpmconf", std::process::id());
    assert!(!Path::new(&nowhere).exists());
    // (link target, extra links (path, target), where the files are in the tree)
    let in_tree = |abs: &str| abs.trim_start_matches('/').to_owned();
    type Case = (String, Vec<(String, String)>, String);
    let cases: Vec<Case> = vec![
        (nowhere.clone(), vec![], in_tree(&nowhere)),
        ("../../../opt/fpmconf".into(), vec![], "opt/fpmconf".into()),
        ("/srv/fpmlink".into(), vec![("srv/fpmlink".into(), nowhere.clone())], in_tree(&nowhere)),
        ("/srv/fpmlink".into(), vec![("srv/fpmlink".into(), "../opt/fpmconf".into())], "opt/fpmconf".into()),
        ("../../../srv/fpmlink".into(), vec![("srv/fpmlink".into(), nowhere.clone())], in_tree(&nowhere)),
        (host_abs.clone(), vec![], in_tree(&host_abs)),
    ];
    for (target, extra, files) in &cases {
        let tmp = tempfile::tempdir().expect("tmp");
        let root = tmp.path();
        lay_out(root, files);
        std::fs::create_dir_all(root.join("etc/php/8.2")).expect("mkdir");
        symlink(target, root.join("etc/php/8.2/fpm")).expect("link");
        for (path, to) in extra {
            std::fs::create_dir_all(root.join(path).parent().expect("parent")).expect("mkdir");
            symlink(to, root.join(path)).expect("link");
        }
        let what = format!("etc/php/8.2/fpm -> {target} {extra:?}");
        let (found, code) = findings(root);
        assert_eq!(found, expected, "{what}");
        assert_eq!(code, expected_code, "{what}");
        let (found_setups, show) = setups(root);
        assert_eq!(found_setups, expected_setups, "{what}:\n{show}");
        // The pools named through the link's target (`include=/opt/fpmconf/pool.d/*.conf`,
        // or the file) are the same pool, spelled through the link.
        let conf = root.join(files).join("php-fpm.conf");
        // A file symlink beside them, named through the directory link or its target.
        symlink("pool.d/www.conf", root.join(files).join("lnk.conf")).expect("link");
        for include in [
            format!("/{files}/pool.d/*.conf"),
            format!("/{files}/pool.d/www.conf"),
            "/etc/php/8.2/fpm/lnk.conf".to_owned(),
            format!("/{files}/lnk.conf"),
        ] {
            write(&conf, format!("[global]\ninclude={include}\n"));
            let (found_setups, show) = setups(root);
            assert_eq!(found_setups, expected_setups, "{what}, include={include}:\n{show}");
        }
        write(&conf, fpm_conf);
        for (name, text) in every_output(root, &[]) {
            assert!(!text.contains(CANARY) && !text.contains("[SL002]"), "{what}: {name}:\n{text}");
        }
        let fix = sesslint_in(root, &["check", "--fix", "--unsafe-fixes", "."]);
        assert_ne!(fix.status.code(), Some(2), "{what}: {}", all_output(&fix));
        let fixed = std::fs::read_to_string(root.join(files).join("php.ini")).expect("read");
        assert!(fixed.contains("session.save_path = \"tcp://127.0.0.1:6379?auth=Tr33Pw\""), "{what}:\n{fixed}");
    }
    // An absolute link to the tree as this machine spells it: on the tree's machine that path
    // is `<root><root>/realfpm`, which is not there; the files are php's of `realfpm` alone.
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().canonicalize().expect("canonical");
    lay_out(&root, "realfpm");
    std::fs::create_dir_all(root.join("etc/php/8.2")).expect("mkdir");
    symlink(root.join("realfpm"), root.join("etc/php/8.2/fpm")).expect("link");
    let show = all_output(&sesslint_in(&root, &["show", "."]));
    assert!(!show.contains("pool www (etc/php/8.2/fpm") && !show.contains("(etc/php/8.2/fpm)"), "{show}");
    assert!(show.contains("not read: etc/php/8.2/fpm: a symlink to nothing in the tree"), "{show}");
    let fix = sesslint_in(&root, &["check", "--fix", "--unsafe-fixes", "."]);
    assert_ne!(fix.status.code(), Some(2), "{}", all_output(&fix));
    let fixed = std::fs::read_to_string(root.join("realfpm/php.ini")).expect("read");
    assert!(fixed.contains("session.save_path = \"tcp://127.0.0.1:6379?auth=Tr33Pw\""), "{fixed}");
    assert_eq!(std::fs::read_to_string(outside.join("fpm/php.ini")).expect("read").matches(CANARY).count(), 1);
}

/// Directory symlinks below the root that loop (`etc/loop -> /etc`, two links to each other)
/// or fan out (each directory two absolute links to the next, 2^14 paths) are walked a
/// bounded number of times: loops not entered, past 256 such links one note, and the files
/// found once.
#[test]
fn looping_and_fanning_directory_symlinks_below_the_root_stay_bounded() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    write(&root.join("etc/redis/redis.conf"), "port 6379\nrequirepass Xy7pQ2sLmN4vB8cRt6Yh3Jk9Wq1Ze5Ua\n");
    symlink("/etc", root.join("etc/redis/loop")).expect("link");
    symlink("/srv/b", root.join("etc/a")).expect("link");
    std::fs::create_dir_all(root.join("srv")).expect("mkdir");
    symlink("/etc/a", root.join("srv/b")).expect("link");
    for i in 0..14 {
        let d = root.join(format!("fan/d{i}"));
        std::fs::create_dir_all(&d).expect("mkdir");
        symlink(format!("/fan/d{}", i + 1), d.join("x")).expect("link");
        symlink(format!("/fan/d{}", i + 1), d.join("y")).expect("link");
    }
    write(&root.join("fan/d14/redis.conf"), "port 6380\n");
    let o = sesslint_in(root, &["check", "--format", "concise", "."]);
    let text = all_output(&o);
    assert_ne!(o.status.code(), Some(2), "{text}");
    assert!(text.contains("more than 256 directory symlinks below the root in one walk"), "{text}");
    let show = all_output(&sesslint_in(root, &["show", "."]));
    assert_eq!(show.lines().filter(|l| l.starts_with("Redis ")).count(), 2, "{show}");
}

/// A save path's user-info password quoted across lines (`tcp://usr:pw1` + `pw2@host`, PHP
/// keeps the line break: compared live) is the password on both lines: no output shows it,
/// frames nor the model's names of the hosts phpredis would make of the two lines.
#[test]
fn a_user_info_password_quoted_across_lines_is_masked_on_every_line() {
    let repo = tempfile::tempdir().expect("tmp");
    let ini = "etc/php/8.2/cli/php.ini";
    write(
        &repo.path().join(ini),
        "[PHP]\nsession.save_handler = redis\nsession.save_path = \"tcp://usr:LeakUI1\nLeakUI2@127.0.0.1:6379?timeout=1\"\n",
    );
    if let Some((parsed, _)) = php_reads(&repo.path().join(ini)) {
        let got = parsed["session.save_path"].as_str().expect("a string");
        assert_eq!(got, "tcp://usr:LeakUI1\nLeakUI2@127.0.0.1:6379?timeout=1", "php reads {got:?}");
    }
    ini_secrets_shown_nowhere(repo.path(), ini, &["LeakUI1", "LeakUI2"]);
    let concise = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
    assert!(concise.contains("phpredis splits the save path there"), "{concise}");
}

/// `rename-command CONFIG <name>`: whoever knows the new name runs the command (asked live:
/// `CONFIG` is then unknown and `<name> GET port` answers), so the name is masked wherever a
/// redis.conf line is shown (frames, `parse`), commented out too; a command renamed to `""`
/// (disabled) stays shown, and `--show-secrets` shows the name.
#[test]
fn a_new_command_name_is_masked_as_a_password_is() {
    // Each line stands next to a finding's line (SL204 at `requirepass`, SL001 at the
    // refused line below), where a frame shows it.
    let head = "bind 127.0.0.1\nrename-command CONFIG LeakRC1\nrequirepass short\nrename-command FLUSHALL \"\"\n";
    let (commented, disabled) = ("# rename-command CONFIG LeakRC2\n", "# rename-command CONFIG \"\"\n");
    let conf = format!("{head}{commented}{disabled}");
    if let Some(server) = common::oracle("redis-server") {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("redis.conf");
        write(&path, &conf);
        let _running = match common::redis::start(&server, &path, tmp.path(), tmp.path(), &[]) {
            common::redis::Outcome::Running(s) => s,
            common::redis::Outcome::Refused(log) => panic!("redis-server refused {conf:?}: {log}"),
        };
        let sock = tmp.path().join("s.sock");
        let ask = |args: &[&[u8]]| common::redis::command(&sock, Some(b"short"), args).expect("redis answers");
        let old = ask(&[b"CONFIG", b"GET", b"port"]);
        assert!(matches!(&old, common::redis::Resp::Error(e) if e.contains("unknown command")), "CONFIG: {old:?}");
        let new = ask(&[b"LeakRC1", b"GET", b"port"]);
        assert!(matches!(new, common::redis::Resp::Array(_)), "LeakRC1 GET port: {new:?}");
        let flush = ask(&[b"FLUSHALL"]);
        assert!(
            matches!(&flush, common::redis::Resp::Error(e) if e.contains("unknown command")),
            "FLUSHALL: {flush:?}"
        );
    }
    let repo = tempfile::tempdir().expect("tmp");
    // A line redis-server refuses (three words after the name) is masked from the new name.
    write(
        &repo.path().join("etc/redis/redis.conf"),
        format!("{head}{commented}rename-command DEBUG LeakRC3 x\n{disabled}"),
    );
    let mut outputs = every_output(repo.path(), &[]);
    for args in [vec!["parse", "etc/redis/redis.conf"], vec!["parse", "--format", "json", "etc/redis/redis.conf"]] {
        outputs.push((args.join(" "), all_output(&sesslint_in(repo.path(), &args))));
    }
    for (what, text) in &outputs {
        for needle in ["LeakRC1", "LeakRC2", "LeakRC3"] {
            assert!(!text.contains(needle), "{what} shows {needle}:\n{text}");
        }
    }
    let human = all_output(&sesslint_in(repo.path(), &["check", "."]));
    for line in ["rename-command CONFIG ********", "rename-command FLUSHALL \"\"", "# rename-command CONFIG \"\""] {
        assert!(human.contains(line), "no {line:?} in a frame:\n{human}");
    }
    let shown = all_output(&sesslint_in(repo.path(), &["check", "--show-secrets", "."]));
    assert!(shown.contains("rename-command CONFIG LeakRC1"), "--show-secrets hides it:\n{shown}");
}

/// A save path's password split off right after its `auth` key by a blank or a comma
/// (`auth= pw`, `auth = pw`, `auth =pw`, `auth=,pw`): phpredis sends an empty AUTH and tries
/// the password as a host of its own (asked live: the session fails against the server
/// that wants that password, and PHP's warning names the word as the host it looked up,
/// while `auth=pw` stores the session). sesslint says the password was split there and no
/// output names that word, nor a host made of it, in a php.ini or a pool.
#[test]
fn a_password_split_off_right_after_its_auth_key_is_never_shown_as_a_host() {
    const PW: &str = "LeakSA7x";
    let live = common::php_with_phpredis("phpredis is not asked what it makes of the split")
        .zip(common::oracle("redis-server"));
    let tmp = tempfile::tempdir().expect("tmp");
    let port = common::redis::free_port();
    let _server = live.as_ref().map(|(_, redis)| {
        let conf = tmp.path().join("redis.conf");
        write(&conf, format!("bind 127.0.0.1\nport {port}\nsave \"\"\nrequirepass {PW}\n"));
        match common::redis::start_as_configured(redis, &conf, tmp.path(), &["--dir", &tmp.path().to_string_lossy()]) {
            common::redis::Outcome::Running(s) => s,
            common::redis::Outcome::Refused(log) => panic!("redis-server refused {}: {log}", conf.display()),
        }
    });
    // phpredis picks a session's host by its id's first 4 bytes modulo the hosts' weights:
    // ids starting `a` and `b` reach both hosts of a two-host save path.
    const STORE: &str = "$n = 0; foreach (['asesslint', 'bsesslint'] as $id) { session_id($id); \
        if (session_start()) { $_SESSION['n'] = 1; if (session_write_close()) { $n++; } } } echo \"stored $n\\n\";";
    // (the text after `auth`, the host phpredis looks up; `None`: the session is stored)
    for (query, host) in [
        (format!("={PW}"), None),
        (format!("= {PW}"), Some(PW.to_owned())),
        (format!(" = {PW}"), Some(PW.to_owned())),
        (format!(" ={PW}"), Some(format!("={PW}"))),
        (format!("=,{PW}"), Some(PW.to_owned())),
    ] {
        let save_path = format!("tcp://127.0.0.1:{port}?timeout=1&auth{query}");
        let repo = tempfile::tempdir().expect("tmp");
        let ini = "etc/php/8.2/cli/php.ini";
        write(
            &repo.path().join(ini),
            format!("extension=igbinary\nextension=redis\nsession.save_handler = redis\nsession.save_path = \"{save_path}\"\n"),
        );
        if let Some((php, _)) = &live {
            let o = Command::new(php)
                .args(["-n", "-c"])
                .arg(repo.path().join(ini))
                .args(["-d", "display_errors=stderr", "-r", STORE])
                .output()
                .expect("run php");
            let said = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
            let stored = if host.is_none() { "stored 2" } else { "stored 0" };
            assert!(said.starts_with(stored), "{save_path}: php says {said}");
            if let Some(host) = &host {
                assert!(said.contains(&format!("getaddrinfo for {host} failed")), "{save_path}: php says {said}");
            }
        }
        if host.is_none() {
            continue;
        }
        write(
            &repo.path().join("etc/php/8.2/fpm/pool.d/www.conf"),
            format!("[www]\nlisten = /run/php.sock\nphp_value[session.save_handler] = redis\nphp_value[session.save_path] = \"{save_path}\"\n"),
        );
        ini_secrets_shown_nowhere(repo.path(), ini, &[PW]);
        let concise = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
        assert_eq!(concise.matches("phpredis splits the save path there").count(), 2, "{save_path}:\n{concise}");
    }
}

/// A password after a credential key outside any URL's query (`tcp://h:1 password= pw`,
/// `pass= pw`, `auth= pw`, `, password=pw`, libpq's `host=h password = pw user=u`), in a
/// php.ini and a pool: phpredis sends no password (the server answers NOAUTH, asked live)
/// and tries the words as hosts ("getaddrinfo for password=pw failed"). Output masks the
/// password there, so no finding, `show`, format or LSP message names it or a host made of
/// it; SL103 says it stands outside the query and SL109 names only the URL's host.
#[test]
fn a_password_outside_a_save_paths_query_is_never_shown_as_a_host() {
    const PW: &str = "LeakF6x";
    let live = common::php_with_phpredis("phpredis is not asked what it sends").zip(common::oracle("redis-server"));
    let tmp = tempfile::tempdir().expect("tmp");
    let port = common::redis::free_port();
    let _server = live.as_ref().map(|(_, redis)| {
        let conf = tmp.path().join("redis.conf");
        write(&conf, format!("bind 127.0.0.1\nport {port}\nsave \"\"\nrequirepass {PW}\n"));
        match common::redis::start_as_configured(redis, &conf, tmp.path(), &["--dir", &tmp.path().to_string_lossy()]) {
            common::redis::Outcome::Running(s) => s,
            common::redis::Outcome::Refused(log) => panic!("redis-server refused {}: {log}", conf.display()),
        }
    });
    let url = format!("tcp://127.0.0.1:{port}?timeout=1");
    for (save_path, sl109) in [
        (format!("{url} password= {PW}"), Some(format!("tcp://127.0.0.1:{port} db 0:"))),
        (format!("{url} pass= {PW}"), Some(format!("tcp://127.0.0.1:{port} db 0:"))),
        (format!("{url} auth= {PW}"), Some(format!("tcp://127.0.0.1:{port} db 0:"))),
        (format!("{url}, password={PW}"), Some(format!("tcp://127.0.0.1:{port} db 0:"))),
        (format!("host=127.0.0.1 password = {PW} user=u"), None),
    ] {
        let repo = tempfile::tempdir().expect("tmp");
        let ini = "etc/php/8.2/cli/php.ini";
        write(
            &repo.path().join(ini),
            format!("extension=igbinary\nextension=redis\nsession.save_handler = redis\nsession.save_path = \"{save_path}\"\n"),
        );
        if let Some((php, _)) = &live {
            // One process per session id: phpredis picks a host by the id.
            let mut said = String::new();
            for id in ["asesslint", "bsesslint", "csesslint", "dsesslint"] {
                let code = format!(
                    "session_id('{id}'); try {{ if (session_start()) {{ $_SESSION['n'] = 1; echo session_write_close() ? 'stored' : 'not stored'; }} }} catch (Throwable $e) {{ echo $e->getMessage(); }}"
                );
                let o = Command::new(php)
                    .args(["-n", "-c"])
                    .arg(repo.path().join(ini))
                    .args(["-d", "display_errors=stderr", "-r", &code])
                    .output()
                    .expect("run php");
                said += &(String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr) + "\n");
            }
            assert!(!said.lines().any(|l| l == "stored"), "{save_path}: php says {said}");
            assert!(said.contains("getaddrinfo for") || said.contains("NOAUTH"), "{save_path}: php says {said}");
        }
        write(
            &repo.path().join("etc/php/8.2/fpm/pool.d/www.conf"),
            format!("[www]\nlisten = /run/php.sock\nphp_value[session.save_handler] = redis\nphp_value[session.save_path] = \"{save_path}\"\n"),
        );
        ini_secrets_shown_nowhere(repo.path(), ini, &[PW]);
        let lsp =
            lsp_transcript(repo.path(), &[repo.path().join(ini), repo.path().join("etc/php/8.2/fpm/pool.d/www.conf")])
                .join("\n");
        assert!(!lsp.contains(PW), "the language server shows {PW}:\n{lsp}");
        let concise = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
        assert_eq!(concise.matches("a password written outside a URL's query").count(), 2, "{save_path}:\n{concise}");
        if let Some(sl109) = sl109 {
            assert!(
                concise.contains(&format!("session.save_path sends no password to {sl109}")),
                "{save_path}:\n{concise}"
            );
            let show = all_output(&sesslint_in(repo.path(), &["show", "."]));
            assert!(show.contains(&format!("sessions: redis -> tcp://127.0.0.1:{port} db 0 [no auth]\n")), "{show}");
        }
    }
}

/// An env.php `'password' => '...'` line is masked by PHP's dialect in code frames, in
/// `check --diff`'s context lines and in `migrate`'s: the value alone, the `=>` and the other
/// entries of the line as written (not `'password' =********`, a line not in the file).
#[test]
fn an_env_php_password_line_is_framed_and_diffed_as_written_but_the_value() {
    let repo = tempfile::tempdir().expect("tmp");
    write(
        &repo.path().join("var/www/shop/app/etc/env.php"),
        "<?php\nreturn [\n    'session' => [\n        'save' => 'redis',\n        'redis' => [\n            'host' => '127.0.0.1',\n            'port' => '6379',\n            'password' => 'LeakN8a', 'timeout' => '2.5',\n            'connect_retries' => '2',\n            'database' => '2',\n        ],\n    ],\n];\n",
    );
    let want = "'password' => ********, 'timeout' => '2.5',";
    for args in [&["check", "."][..], &["check", "--diff", "--unsafe-fixes", "."], &["migrate", "."]] {
        let out = all_output(&sesslint_in(repo.path(), args));
        assert!(!out.contains("LeakN8a"), "{args:?} shows the password:\n{out}");
        if out.contains("'password'") {
            assert!(out.contains(want), "{args:?} does not show {want:?}:\n{out}");
            assert!(!out.contains("=*"), "{args:?}:\n{out}");
        }
    }
    let diff = all_output(&sesslint_in(repo.path(), &["check", "--diff", "--unsafe-fixes", "."]));
    assert!(diff.contains(&format!("\n             {want}\n")), "no context line {want:?}:\n{diff}");
    let human = all_output(&sesslint_in(repo.path(), &["check", "."]));
    assert!(human.contains(&format!("│             {want}\n")), "no frame line {want:?}:\n{human}");
}

/// `requirepass ""` and `masterauth ""` set no password (redis-server runs commands without
/// AUTH, asked live): `parse` shows the empty argument as written, in every format, not the
/// `********` a real password gets; a password beside them is still masked.
#[test]
fn an_empty_redis_password_is_parsed_as_written() {
    let tmp = tempfile::tempdir().expect("tmp");
    let conf = tmp.path().join("redis.conf");
    write(&conf, "requirepass \"\"\nmasterauth \"\"\n");
    if let Some(redis) = common::oracle("redis-server") {
        match common::redis::start(&redis, &conf, tmp.path(), tmp.path(), &[]) {
            common::redis::Outcome::Running(_server) => {
                let reply = common::redis::command(&tmp.path().join("s.sock"), None, &[b"SET", b"k", b"v"]);
                let reply = reply.expect("SET");
                assert!(matches!(&reply, common::redis::Resp::Simple(ok) if ok == "OK"), "AUTH needed: {reply:?}");
            }
            common::redis::Outcome::Refused(log) => panic!("redis-server refused {}: {log}", conf.display()),
        }
    }
    write(&tmp.path().join("other.conf"), "requirepass LeakN1\n");
    let json = all_output(&sesslint_in(tmp.path(), &["parse", "--format", "json", "--kind", "redis", "redis.conf"]));
    assert_eq!(
        json,
        "[{\"directive\":\"requirepass\",\"args\":[\"\"],\"file\":\"redis.conf\",\"line\":1},\
         {\"directive\":\"masterauth\",\"args\":[\"\"],\"file\":\"redis.conf\",\"line\":2}]\n"
    );
    let human = all_output(&sesslint_in(tmp.path(), &["parse", "--kind", "redis", "redis.conf"]));
    assert!(!human.contains("********") && human.matches("\"args\": [\n      \"\"\n    ]").count() == 2, "{human}");
    let other = all_output(&sesslint_in(tmp.path(), &["parse", "--format", "json", "--kind", "redis", "other.conf"]));
    assert_eq!(other, "[{\"directive\":\"requirepass\",\"args\":[\"********\"],\"file\":\"other.conf\",\"line\":1}]\n");
}

/// A user-info password holding a blank or a comma (PHP's `parse_url` reads it to the last
/// `@`, compared live), or a `/` or `?` (PHP refuses the URL, but the bytes are still the
/// password), is masked whole in a valid php.ini, a pool and env.php, in every output.
#[test]
fn a_user_info_password_with_a_blank_comma_slash_or_question_mark_is_masked() {
    for (sep, php_reads_it) in [(" ", true), (",", true), ("/", false), ("?", false)] {
        let pw = format!("tcp://usr:LeakSp1{sep}LeakSp2@127.0.0.1:6379");
        if let Some(php) = common::oracle("php") {
            let o = Command::new(&php)
                .args(["-n", "-r", "echo json_encode(parse_url($argv[1]));", &pw])
                .output()
                .expect("run php");
            let got = String::from_utf8_lossy(&o.stdout).into_owned();
            let pass = format!("\"pass\":\"LeakSp1{}LeakSp2\"", sep.replace('/', "\\/"));
            assert_eq!(got.contains(&pass), php_reads_it, "parse_url({pw:?}) = {got}");
        }
        let repo = tempfile::tempdir().expect("tmp");
        let ini = "etc/php/8.2/fpm/php.ini";
        write(&repo.path().join(ini), format!("[PHP]\nsession.save_handler = redis\nsession.save_path = \"{pw}\"\n"));
        write(
            &repo.path().join("etc/php/8.2/fpm/pool.d/www.conf"),
            format!("[www]\nlisten = /run/php.sock\nphp_value[session.save_path] = \"{pw}?timeout=1\"\n"),
        );
        write(
            &repo.path().join("var/www/m2/app/etc/env.php"),
            format!(
                "<?php\nreturn [\n  'session' => ['save' => 'redis', 'redis' => ['host' => '{pw}', 'port' => '6379', 'password' => 'LeakSp3']],\n];\n"
            ),
        );
        let mut outputs = every_output(repo.path(), &["-v"]);
        outputs.extend(every_output(repo.path(), &["--diff"]));
        for args in [vec!["parse", ini], vec!["parse", "--format", "json", ini]] {
            outputs.push((args.join(" "), all_output(&sesslint_in(repo.path(), &args))));
        }
        for (what, text) in outputs {
            for needle in ["LeakSp1", "LeakSp2", "LeakSp3"] {
                assert!(!text.contains(needle), "{sep:?}: {what} shows {needle}:\n{text}");
            }
        }
    }
}

/// A directory symlink below the root that leads nowhere in the tree (dangling there,
/// climbing out of it, or a loop) is said as a file link there is: SL002 on the link with
/// the reason, `check`, `check --diff` and `show` exit 1, and the words are the same
/// whether or not this machine has something at the target (the verdict is the tree's).
/// A dangling directory link where no program reads configuration stays unsaid.
#[test]
fn a_directory_symlink_leading_nowhere_in_the_tree_is_said_whatever_this_machine_has() {
    let outside = tempfile::tempdir().expect("tmp");
    let outside = outside.path().canonicalize().expect("canonical");
    write(&outside.join("fpm/php.ini"), format!("[PHP]\nsession.save_handler = files\n; {CANARY}\n"));
    let on_host = outside.join("fpm").display().to_string();
    let nowhere = format!("/nonexistent-sesslint-{}/fpm", std::process::id());
    assert!(!Path::new(&nowhere).exists());
    let escaping = format!("../../../../../../../../../..{on_host}");
    const NOTHING: &str = "a symlink to nothing in the tree";
    const LOOP: &str = "a symlink loop";
    // (fpm's target, extra links (path, target), the reason said)
    type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (on_host.clone(), vec![], NOTHING),
        (nowhere.clone(), vec![], NOTHING),
        (format!("/../../..{on_host}"), vec![], NOTHING),
        (escaping, vec![], NOTHING),
        ("/opt/l1".into(), vec![("opt/l1", "/opt/l2"), ("opt/l2", "/opt/l1")], LOOP),
        ("../../../opt/l1".into(), vec![("opt/l1", "l2"), ("opt/l2", "l1")], LOOP),
    ];
    let mut said = Vec::new();
    for (target, extra, reason) in &cases {
        let tmp = tempfile::tempdir().expect("tmp");
        let root = tmp.path();
        write(&root.join("etc/php/8.2/cli/php.ini"), "[PHP]\nsession.save_handler = files\n");
        symlink(target, root.join("etc/php/8.2/fpm")).expect("link");
        // Not a directory any program reads configuration from: nothing to say.
        std::fs::create_dir_all(root.join("etc/sslx")).expect("mkdir");
        symlink(&nowhere, root.join("etc/sslx/certs")).expect("link");
        for (path, to) in extra {
            std::fs::create_dir_all(root.join(path).parent().expect("parent")).expect("mkdir");
            symlink(to, root.join(path)).expect("link");
        }
        let what = format!("etc/php/8.2/fpm -> {target} {extra:?}");
        let check = sesslint_in(root, &["check", "--format", "concise", "--select", "SL002", "."]);
        let text = all_output(&check);
        assert_eq!(check.status.code(), Some(1), "{what}:\n{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{what}:\n{text}");
        assert!(
            lines[0].starts_with("etc/php/8.2/fpm:1:1: warning[SL002] could not read etc/php/8.2/fpm: ")
                && lines[0].contains(reason),
            "{what}:\n{text}"
        );
        said.push((reason, lines[0].to_owned()));
        let diff = sesslint_in(root, &["check", "--diff", "."]);
        assert_eq!(diff.status.code(), Some(1), "{what}:\n{}", all_output(&diff));
        let show = sesslint_in(root, &["show", "."]);
        let shown = all_output(&show);
        assert_eq!(show.status.code(), Some(1), "{what}:\n{shown}");
        assert!(shown.contains("not read: etc/php/8.2/fpm: ") && shown.contains(reason), "{what}:\n{shown}");
        for (name, text) in every_output(root, &[]) {
            assert!(!text.contains(CANARY) && !text.contains("etc/sslx"), "{what}: {name}:\n{text}");
        }
    }
    // The same words for the link whether this machine has its target or not.
    for (reason, line) in &said {
        assert_eq!(line, &said.iter().find(|(r, _)| r == reason).expect("one").1);
    }
}

/// An Apache `php_value session.save_path` quoted open on its line (httpd ends the directive
/// there; no `\`): the `auth=` value or the rest of a user-info password on the next line
/// is masked in every output, and the piece on the directive's line is quoted as no port.
#[test]
fn an_apache_save_path_quoted_open_across_lines_shows_no_credential() {
    for value in ["\"tcp://h:6379?x=1\n&auth=LeakAp1\"", "\"tcp://usr:LeakAp1\nLeakAp2@127.0.0.1:6379\""] {
        let repo = tempfile::tempdir().expect("tmp");
        write(&repo.path().join("etc/php/8.2/fpm/php.ini"), "[PHP]\nsession.save_handler = files\n");
        write(
            &repo.path().join("etc/apache2/sites-enabled/000-default.conf"),
            format!(
                "<VirtualHost *:80>\nphp_value x \"a\nphp_value session.save_handler redis\nphp_value session.save_path {value}\n</VirtualHost>\n"
            ),
        );
        let mut outputs = every_output(repo.path(), &["-v"]);
        outputs.extend(every_output(repo.path(), &["--diff"]));
        for (what, text) in outputs {
            for needle in ["LeakAp1", "LeakAp2"] {
                assert!(!text.contains(needle), "{value:?}: {what} shows {needle}:\n{text}");
            }
        }
    }
}

/// A conf.d link's target is looked at once (an `lstat` that also says it is no further
/// link) and that one look decides: a FIFO there is never opened, a link there is followed
/// (and refused when it leads out of the tree, its text unread), nothing there is said,
/// and a plain file is read through the link.
#[test]
fn a_conf_d_links_target_is_judged_by_the_one_look_at_it() {
    let top = tempfile::tempdir().expect("tmp");
    let r = top.path().join("tree");
    let mods = r.join("etc/php/8.2/mods-available");
    let conf_d = r.join("etc/php/8.2/fpm/conf.d");
    write(
        &r.join("etc/php/8.2/fpm/php.ini"),
        "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379\"\n",
    );
    std::fs::create_dir_all(&conf_d).expect("mkdir");
    std::fs::create_dir_all(&mods).expect("mkdir");
    write(&top.path().join("outside.ini"), "session.save_path = \"tcp://h:1?auth=OUTSIDE_SECRET\"\n");
    assert!(Command::new("mkfifo").arg(mods.join("fifo.ini")).status().expect("mkfifo").success());
    symlink("../../../../../outside.ini", mods.join("chain.ini")).expect("symlink");
    write(&mods.join("ok.ini"), "session.save_handler = files\n");
    for (link, target) in
        [("10-fifo.ini", "fifo"), ("20-chain.ini", "chain"), ("30-gone.ini", "gone"), ("40-ok.ini", "ok")]
    {
        symlink(format!("../../mods-available/{target}.ini"), conf_d.join(link)).expect("symlink");
    }
    let o = sesslint_in(&r, &["check", "--format", "concise", "."]);
    let out = all_output(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("conf.d/10-fifo.ini: not a regular file"), "{out}");
    assert!(out.contains("conf.d/20-chain.ini: it leads outside the checked tree"), "{out}");
    assert!(out.contains("conf.d/30-gone.ini: a symlink to nothing"), "{out}");
    assert!(!out.contains("OUTSIDE_SECRET"), "{out}");
    // ok.ini, read through its link, sets the handler back to files.
    assert!(out.contains("conf.d/40-ok.ini:1:1: warning[SL106] session.save_handler `files`"), "{out}");
}

#[test]
fn a_file_of_broken_lines_is_reported_up_to_the_cap_and_counted_past_it_suppressions_included() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // 3000 refused lines; a suppression far past the cap covers the one line under it.
    let ini = format!("{}; sesslint: ignore[SL001]\n{}", "=\n".repeat(2499), "=\n".repeat(501));
    write(&tmp.path().join("etc/php/8.2/cli/php.ini"), ini);
    write(&tmp.path().join("etc/redis/redis.conf"), "a\n".repeat(3000));
    let o = sesslint_in(tmp.path(), &["check", "--format", "concise", "."]);
    let out = String::from_utf8_lossy(&o.stdout);
    let lines = |file: &str, code: &str| out.lines().filter(|l| l.contains(file) && l.contains(code)).count();
    assert_eq!(lines("php.ini", "[SL001]"), 101, "{out}");
    assert!(out.contains("2899 more SL001 finding(s) in this file are left out"), "{out}");
    assert!(!out.contains("SL006"), "the suppression past the cap is used:\n{out}");
    assert_eq!(lines("redis.conf", "[SL003]"), 101, "{out}");
    assert!(out.contains("2900 more SL003 finding(s) in this file are left out"), "{out}");
}

/// `sesslint ARGS` in `dir` with `input` on standard input (`--stdin-filename`).
fn sesslint_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sesslint");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).expect("write stdin");
    drop(stdin);
    child.wait_with_output().expect("wait")
}

/// Every output of a tree holding `file` (every check format with and without `--diff`,
/// `show`, `parse`, the file checked alone as the hook does, and its text given through
/// `--stdin-filename`): none shows a needle, and the human frames show each line of
/// `masked` (the masked line as it should read).
fn ini_file_masked_everywhere(dir: &Path, file: &str, needles: &[&str], masked: &[String]) {
    ini_secrets_shown_nowhere(dir, file, needles);
    let text = std::fs::read_to_string(dir.join(file)).expect("read");
    let alone = all_output(&sesslint_in(dir, &["check", file]));
    let stdin = all_output(&sesslint_with_stdin(dir, &["check", "--stdin-filename", file, "-"], &text));
    let human = all_output(&sesslint_in(dir, &["check", "."]));
    for (what, out) in [("check FILE", &alone), ("--stdin-filename", &stdin), ("check .", &human)] {
        for needle in needles {
            assert!(!out.contains(needle), "{what} shows {needle}:\n{out}");
        }
        for line in masked {
            assert!(out.contains(line.as_str()), "{what} does not frame {line:?}:\n{out}");
        }
    }
}

/// A password in a comment after a statement (`x = 1 ; password = PW`, after a quoted
/// value holding a `;`, `;password=PW`, a `#` comment PHP refuses, a pool's `listen`): PHP
/// reads the statement's value without the comment (compared live), and the comment is
/// masked as the same comment alone on its line is, in every output, in a small php.ini
/// and one over 16 KiB (frames masked from their own lines), and in a pool.
#[test]
fn a_password_in_a_comment_after_a_statement_is_masked() {
    // (line, its key, the value PHP reads, the password)
    let cases = [
        ("x = 1 ; password = LeakTC1", "x", "1", "LeakTC1"),
        ("y = \"a\" ; password = LeakTC2", "y", "a", "LeakTC2"),
        ("z = \"a;b\" ; password = LeakTC3", "z", "a;b", "LeakTC3"),
        ("w = 1 ;password=LeakTC4", "w", "1", "LeakTC4"),
        ("v = \"a\" ; redis_password = LeakTC5", "v", "a", "LeakTC5"),
        ("session.cookie_secure = 0 ; password = LeakTC6", "session.cookie_secure", "0", "LeakTC6"),
        ("q = 'a;b' ; password = LeakTC7", "q", "a;b", "LeakTC7"),
    ];
    let masked: Vec<String> = cases.iter().map(|(line, _, _, pw)| line.replace(pw, "********")).collect();
    let needles: Vec<&str> = cases.iter().map(|c| c.3).collect();
    let body: String = cases.iter().map(|(line, ..)| format!("; sesslint: ignore[SL999]\n{line}\n")).collect();
    for padding in [0, 20_000] {
        let repo = tempfile::tempdir().expect("tmp");
        let ini = "etc/php/8.2/cli/php.ini";
        let pad = "; padding line of a large php.ini\n".repeat(padding / 34);
        write(&repo.path().join(ini), format!("[PHP]\n{pad}{body}; sesslint: ignore[SL998]\n"));
        if let Some((parsed, _)) = php_reads(&repo.path().join(ini)) {
            for (_, key, value, _) in cases {
                assert_eq!(parsed[key], serde_json::json!(value), "PHP reads {key} as {parsed}");
            }
        }
        ini_file_masked_everywhere(repo.path(), ini, &needles, &masked);
    }
    // A `#` after a blank: PHP refuses the line (`#` starts no comment there), its writer
    // meant one.
    let repo = tempfile::tempdir().expect("tmp");
    let ini = "etc/php/8.2/cli/php.ini";
    write(&repo.path().join(ini), "[PHP]\n; sesslint: ignore[SL999]\nx = 1 # password = LeakTC8\n");
    if let Some((parsed, _)) = php_reads(&repo.path().join(ini)) {
        assert_eq!(parsed, serde_json::Value::Bool(false), "PHP reads {parsed}");
    }
    ini_file_masked_everywhere(repo.path(), ini, &["LeakTC8"], &["x = 1 # password = ********".to_string()]);
    // A pool (php-fpm's scanner is PHP's).
    let repo = tempfile::tempdir().expect("tmp");
    let pool = "etc/php/8.2/fpm/pool.d/www.conf";
    write(&repo.path().join("etc/php/8.2/fpm/php.ini"), "[PHP]\n");
    write(
        &repo.path().join(pool),
        "[www]\n; sesslint: ignore[SL999]\nlisten = /run/a.sock ; password = LeakTC9\n; sesslint: ignore[SL998]\n",
    );
    if let Some((parsed, _)) = php_reads(&repo.path().join(pool)) {
        assert_eq!(parsed["listen"], serde_json::json!("/run/a.sock"), "PHP reads {parsed}");
    }
    ini_file_masked_everywhere(repo.path(), pool, &["LeakTC9"], &["listen = /run/a.sock ; password = ********".into()]);
}

/// Credentials in a URL or DSN under a key not named for one (a pool's
/// `env[DATABASE_URL] = "mysql://u:PW@h/db"`, `env[REDIS_URL] = redis://:PW@h`, php.ini
/// `pdo.dsn = "mysql:...;password=PW"`, an ODBC `Pwd=`), a save path missing its `=` (PHP
/// reads key `session.save_path tcp://h?auth`, value the password: compared live) and a
/// value `password=PW` PHP refuses: masked in every output as env.php's are under any key,
/// the rest of the URL readable.
#[test]
fn credentials_in_a_url_or_dsn_under_any_ini_key_are_masked() {
    let repo = tempfile::tempdir().expect("tmp");
    let pool = "etc/php/8.2/fpm/pool.d/www.conf";
    write(&repo.path().join("etc/php/8.2/fpm/php.ini"), "[PHP]\n");
    let pool_text = "[www]\n; sesslint: ignore[SL999]\nenv[DATABASE_URL] = \"mysql://u:LeakURL1@h/db\"\nenv[REDIS_URL] = redis://:LeakURL2@h:6379\n; sesslint: ignore[SL998]\n";
    write(&repo.path().join(pool), pool_text);
    let ini = "etc/php/8.2/cli/php.ini";
    let ini_text = "[PHP]\n; sesslint: ignore[SL999]\npdo.dsn = \"mysql:host=h;dbname=d;user=u;password=LeakURL3\"\nodbc.dsn = \"Driver=x;Server=s;Uid=u;Pwd=LeakURL4\"\nsession.save_path tcp://h?auth=LeakURL5\n; sesslint: ignore[SL998]\n";
    write(&repo.path().join(ini), ini_text);
    if let Some((parsed, _)) = php_reads(&repo.path().join(pool)) {
        assert_eq!(parsed["env"]["DATABASE_URL"], serde_json::json!("mysql://u:LeakURL1@h/db"), "{parsed}");
        assert_eq!(parsed["env"]["REDIS_URL"], serde_json::json!("redis://:LeakURL2@h:6379"), "{parsed}");
    }
    if let Some((parsed, _)) = php_reads(&repo.path().join(ini)) {
        assert_eq!(parsed["session.save_path tcp://h?auth"], serde_json::json!("LeakURL5"), "{parsed}");
        assert_eq!(parsed["odbc.dsn"], serde_json::json!("Driver=x;Server=s;Uid=u;Pwd=LeakURL4"), "{parsed}");
    }
    let needles = ["LeakURL1", "LeakURL2", "LeakURL3", "LeakURL4", "LeakURL5"];
    ini_file_masked_everywhere(repo.path(), pool, &needles, &["\"mysql://u:********@h/db\"".into()]);
    ini_file_masked_everywhere(repo.path(), ini, &needles, &["user=u;password=********\"".into()]);
    let parsed = all_output(&sesslint_in(repo.path(), &["parse", "--format", "json", pool]));
    assert!(parsed.contains("redis://:********@h:6379"), "{parsed}");
    // `x = password=PW`: PHP refuses the `=`, its writer meant a password.
    let refused = tempfile::tempdir().expect("tmp");
    write(&refused.path().join(ini), "[PHP]\n; sesslint: ignore[SL999]\nx = password=LeakURL6\n");
    if let Some((parsed, _)) = php_reads(&refused.path().join(ini)) {
        assert_eq!(parsed, serde_json::Value::Bool(false), "PHP reads {parsed}");
    }
    ini_file_masked_everywhere(refused.path(), ini, &["LeakURL6"], &["x = password=********".into()]);
}

/// A redis.conf of 100,000 lines that each hold a NUL byte (redis-server's fgets() cuts
/// each): `parse` names the first 500 and counts the rest in one line, as its other problem
/// lists; `check` keeps its caps.
#[test]
fn a_redis_conf_of_nul_lines_gives_a_bounded_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let n = 100_000;
    write(&dir.path().join("etc/redis/redis.conf"), b"port 6\x00379\n".repeat(n));
    let o = sesslint_in(dir.path(), &["parse", "--kind", "redis", "etc/redis/redis.conf"]);
    let err = String::from_utf8_lossy(&o.stderr);
    let nul = err.lines().filter(|l| l.contains("warning: NUL byte")).count();
    assert_eq!(nul, 500, "{}", &err[err.len().saturating_sub(500)..]);
    assert!(
        err.contains(&format!("{} more warning(s) and note(s) left out (at most 500)", n - 500)),
        "{}",
        &err[err.len().saturating_sub(500)..]
    );
    assert!(err.lines().count() <= 502, "{} lines", err.lines().count());
    let check = sesslint_in(dir.path(), &["check", "--format", "concise", "."]);
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(out.lines().count() <= 502, "{} lines", out.lines().count());
}

/// A redis.conf of 2,000 includes of a file outside the checked tree (`parse` without
/// --root reads none of them): the first 500 are named, the rest counted in one line, and
/// the file's own directives are all still listed; the exit says the list is partial.
#[test]
fn a_redis_conf_of_unread_includes_gives_a_bounded_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let outside = tempfile::tempdir().expect("tmp");
    let part = outside.path().join("part.conf");
    write(&part, "maxclients 10\n");
    let n = 2_000;
    let text: String = (0..n).map(|i| format!("include {}\nport {}\n", part.display(), 1000 + i)).collect();
    // Not in a copied tree (no `etc/` at its top, where the include would resolve below it):
    // reads are confined to the file's directory, and the include is not read.
    write(&dir.path().join("redis.conf"), text);
    let o = sesslint_in(dir.path(), &["parse", "--kind", "redis", "--format", "json", "redis.conf"]);
    let err = String::from_utf8_lossy(&o.stderr);
    let tail = &err[err.len().saturating_sub(500)..];
    assert_eq!(o.status.code(), Some(2), "{tail}");
    let named = err.lines().filter(|l| l.contains("its directives are not listed")).count();
    assert_eq!(named, 500, "{tail}");
    assert!(err.contains(&format!("{} more include(s) not read left out (at most 500)", n - 500)), "{tail}");
    assert!(err.lines().count() <= 502, "{} lines", err.lines().count());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let ports = v.as_array().expect("array").iter().filter(|d| d["directive"] == "port").count();
    assert_eq!(ports, n, "every port line after an unread include is listed");
}

/// A redis.conf name glued to its value by a quote (`mod.auth-token"pw`, redis-server
/// refuses it: "Unbalanced quotes") keeps its name and masks the value, as when spaced.
#[test]
fn a_name_glued_to_its_value_by_a_quote_is_shown_with_the_value_masked() {
    for (line, frame) in [
        ("requirepass\"QzA1", " 2 │ requirepass\"********"),
        ("mod.auth-token\"QzA2", " 2 │ mod.auth-token\"********"),
        ("pasword\"QzA3", " 2 │ pasword\"********"),
    ] {
        let repo = tempfile::tempdir().expect("tmp");
        write(&repo.path().join("etc/redis/redis.conf"), format!("bind 127.0.0.1\n{line}\n"));
        let human = all_output(&sesslint_in(repo.path(), &["check", "--format", "human", "."]));
        assert!(human.contains(&format!("{frame}\n")), "{line}:\n{human}");
        let json = all_output(&sesslint_in(repo.path(), &["parse", "--format", "json", "etc/redis/redis.conf"]));
        assert!(json.contains("\"directive\":\"bind\""), "{line}:\n{json}");
        for text in [&human, &json] {
            assert!(!text.contains("QzA"), "{line}:\n{text}");
        }
    }
}

/// Consecutive redis.conf lines whose names are glued to their values by a quote
/// (`requirepass"pw`, refused live: tests/redis_refused_lines.rs) keep every later line's
/// name and the lines between them: the glue quote opens no value that runs on to the next
/// line's quote.
#[test]
fn consecutive_quote_glued_lines_keep_the_later_names() {
    let repo = tempfile::tempdir().expect("tmp");
    write(
        &repo.path().join("etc/redis/redis.conf"),
        "bind 127.0.0.1\nrequirepass\"QzB1\nmasterauth\"QzB2\nport 6379\nrequirepass\"QzB3\nmaxmemory 1mb\n",
    );
    let human = all_output(&sesslint_in(repo.path(), &["check", "--format", "human", "."]));
    for frame in
        [" 3 │ masterauth\"********\n", " 4 │ port 6379\n", " 5 │ requirepass\"********\n", " 6 │ maxmemory 1mb\n"]
    {
        assert!(human.contains(frame), "{frame:?}:\n{human}");
    }
    assert!(!human.contains("QzB"), "{human}");
}

/// `php_value` lines httpd refuses (three words, a name glued to a quote, a `#` glued to a
/// quoted value) and ones commented out with `#` still hold what their writer meant as a
/// save path or a password: masked in every output, `--diff` and migrate's diff included. A
/// `\"` inside a quoted value (httpd reads it as a quote of the value) opens no value that
/// runs on: every frame stands on its own line. httpd's verdict on each line is asked live.
#[test]
fn apache_php_value_lines_httpd_refuses_or_comments_show_no_credential() {
    let cases: [(&str, bool); 9] = [
        ("php_value session.save_path \"tcp://127.0.0.1:6379?auth=LeakF1a\" extra", false),
        ("php_value mysqli.default_pw LeakF1b LeakF1c", false),
        ("# php_value session.save_path tcp://h?auth=LeakF1d", true),
        ("#PHP_ADMIN_VALUE mysqli.default_pw LeakF1e", true),
        ("php_value session.save_path\"tcp://127.0.0.1:6379?auth=LeakF1f\"", false),
        ("php_value session.save_path \"tcp://127.0.0.1:6379?auth=LeakF1g\"#comment", false),
        ("php_value mysqli.default_pw \"LeakF1h\\\" LeakF1i\"", true),
        ("php_admin_value session.save_path tcp://127.0.0.1:6379?auth=LeakF1j x", false),
        ("php_value session.gc_divisor 0 x", false),
    ];
    let live = tempfile::tempdir().expect("tmp");
    for (line, accepted) in cases {
        let Some((ok, log)) =
            common::apache_syntax(live.path(), &format!("<VirtualHost *:80>\n{line}\n</VirtualHost>"))
        else {
            break;
        };
        assert_eq!(ok, accepted, "apache2 -t on `{line}`:\n{log}");
    }
    let repo = tempfile::tempdir().expect("tmp");
    write(&repo.path().join("etc/php/8.2/apache2/php.ini"), "[PHP]\nsession.save_handler = files\nextension=redis\n");
    let mut vhost = "<VirtualHost 127.0.0.1:80>\n    php_value session.save_handler files\n".to_owned();
    for (line, _) in cases {
        vhost.push_str(&format!("    {line}\n    php_value session.cookie_httponly 0\n"));
    }
    vhost.push_str("</VirtualHost>\n");
    write(&repo.path().join("etc/apache2/sites-enabled/shop.conf"), &vhost);
    let mut outputs = every_output(repo.path(), &["-v"]);
    outputs.extend(every_output(repo.path(), &["--diff"]));
    let migrate = ["migrate", "--redis", "tcp://127.0.0.1:6379", "--password-env", "SESSLINT_CANARY", "."];
    outputs.push(("migrate".into(), all_output(&sesslint_in(repo.path(), &migrate))));
    for (what, text) in &outputs {
        for n in ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] {
            assert!(!text.contains(&format!("LeakF1{n}")), "{what} shows LeakF1{n}:\n{text}");
        }
    }
    // Each frame is headed by the line its finding names, as concise says.
    let concise = all_output(&sesslint_in(repo.path(), &["check", "--format", "concise", "."]));
    let human = all_output(&sesslint_in(repo.path(), &["check", "--format", "human", "."]));
    let said: Vec<&str> = concise.lines().filter(|l| l.contains(": ")).filter_map(|l| l.split(": ").next()).collect();
    let framed: Vec<&str> =
        human.lines().filter_map(|l| l.split_once("─[").map(|(_, r)| r.trim_end_matches(']'))).collect();
    assert!(said.len() >= 7, "{concise}");
    assert_eq!(framed, said, "{human}");
}

/// A tunnel's secrets are masked where they stand in every output: PeerVPN's `psk` (also on
/// lines peervpn cuts at `#` or `;`, refuses, `PSK x`, `psk=x`, or skips, `# psk x`),
/// stunnel's `ticketKeySecret`, an engine's `PIN:`, a PKCS#11 URI's `pin-value`, and a
/// `PSKsecrets` file's `IDENTITY:KEY` line in a `.conf` stunnel reads (it refuses the line
/// and echoes it, `"client1:...": No '=' found`, asked live): check's formats, frames and
/// `--diff`, the file alone, its text on stdin, show, the language server, and `parse` in
/// the dialect it is taken for (ini, where PHP reads `psk My=pw` as key `psk My`, value
/// `pw`: asked live) or any `--kind`. `--show-secrets` shows them.
#[test]
fn tunnel_secrets_are_masked_where_they_stand_in_every_output() {
    let repo = tempfile::tempdir().expect("tmp");
    let d = repo.path();
    write(&d.join("etc/redis/redis.conf"), "bind 127.0.0.1 10.8.0.1\nport 6379\nrequirepass LeakTunPw\n");
    // (line as written, as its frame shows it)
    let peervpn_lines = [
        ("psk My=LeakTunA", "psk ********"),
        ("psk x[y]=LeakTunB", "psk ********"),
        ("psk a#LeakTunC", "psk ********"),
        ("PSK LeakTunD", "PSK ********"),
        ("psk=LeakTunE", "psk=********"),
        ("# psk LeakTunF", "# psk ********"),
        ("psk a;LeakTunG", "psk ********"),
    ];
    let stunnel_lines = [
        ("ticketKeySecret = LeakTunH", "ticketKeySecret = ********"),
        ("engineCtrl = PIN:LeakTunI", "engineCtrl = PIN:********"),
        ("key = pkcs11:object=k;pin-value=LeakTunJ", "key = ********"),
    ];
    let mut peervpn = "networkname sessions\nifconfig4 10.8.0.1/24\n".to_owned();
    for (l, _) in peervpn_lines {
        peervpn.push_str(&format!("# sesslint: ignore[SL999]\n{l}\n"));
    }
    write(&d.join("etc/peervpn/net.conf"), &peervpn);
    // One PHP reads as ini: its values are what a parse of the file shows.
    write(&d.join("etc/peervpn/peervpn-second.conf"), "psk My=LeakTunK\npsk x[y]=LeakTunL\n");
    let mut stunnel = "[redis]\naccept = 0.0.0.0:6380\nconnect = 127.0.0.1:6379\n".to_owned();
    for (l, _) in stunnel_lines {
        stunnel.push_str(&format!("; sesslint: ignore[SL999]\n{l}\n"));
    }
    write(&d.join("etc/stunnel/redis.conf"), &stunnel);
    write(&d.join("etc/stunnel/psk.conf"), "client1:LeakTunM0123456789\n");
    if let Some(stunnel) = common::oracle("stunnel") {
        let probe = d.join("probe.conf");
        std::fs::write(
            &probe,
            "foreground = yes\npid =\n[redis]\naccept = 127.0.0.1:46380\nclient1:LeakTunM0123456789\n",
        )
        .expect("write");
        let out = Command::new(stunnel).arg(&probe).stdin(Stdio::null()).output().expect("stunnel");
        let said = all_output(&out);
        std::fs::remove_file(&probe).expect("rm");
        assert_eq!(out.status.code(), Some(1), "{said}");
        assert!(said.contains("\"client1:LeakTunM0123456789\": No '=' found"), "{said}");
    }
    if let Some((parsed, _)) = php_reads(&d.join("etc/peervpn/peervpn-second.conf")) {
        assert_eq!(parsed["psk My"], serde_json::json!("LeakTunK"), "{parsed}");
        assert_eq!(parsed["psk x"]["y"], serde_json::json!("LeakTunL"), "{parsed}");
    }
    let needles: Vec<String> = ('A'..='M').map(|c| format!("LeakTun{c}")).chain(["LeakTunPw".to_owned()]).collect();
    let mut outputs = every_output(d, &[]);
    outputs.extend(every_output(d, &["--diff"]));
    let files =
        ["etc/peervpn/net.conf", "etc/peervpn/peervpn-second.conf", "etc/stunnel/redis.conf", "etc/stunnel/psk.conf"];
    for file in files {
        let text = std::fs::read_to_string(d.join(file)).expect("read");
        outputs.push((format!("check {file}"), all_output(&sesslint_in(d, &["check", file]))));
        let stdin = sesslint_with_stdin(d, &["check", "--stdin-filename", file, "-"], &text);
        outputs.push((format!("--stdin-filename {file}"), all_output(&stdin)));
        for kind in [&[][..], &["--kind", "ini"], &["--kind", "redis"], &["--kind", "redis-acl"]] {
            for format in ["text", "json"] {
                let mut args = vec!["parse", "--format", format];
                args.extend_from_slice(kind);
                args.push(file);
                outputs.push((args.join(" "), all_output(&sesslint_in(d, &args))));
            }
        }
    }
    let docs: Vec<PathBuf> = files.iter().map(|f| d.join(f)).collect();
    outputs.push(("lsp".into(), lsp_transcript(d, &docs).join("\n")));
    for (what, text) in &outputs {
        for needle in &needles {
            assert!(!text.contains(needle.as_str()), "{what} shows {needle}:\n{text}");
        }
    }
    // The frames still show the lines, masked where the secrets stood.
    let human = all_output(&sesslint_in(d, &["check", "."]));
    for (_, framed) in peervpn_lines.iter().chain(&stunnel_lines).chain(&[("", "client1:********")]) {
        assert!(human.contains(&format!("│ {framed}\n")), "no frame shows {framed:?}:\n{human}");
    }
    let parsed = all_output(&sesslint_in(d, &["parse", "--format", "json", "etc/peervpn/peervpn-second.conf"]));
    assert!(parsed.contains(r#"{"psk ********":{"********":"********"}}"#), "{parsed}");
    let shown = all_output(&sesslint_in(d, &["parse", "--show-secrets", "etc/peervpn/peervpn-second.conf"]));
    assert!(shown.contains("LeakTunL"), "{shown}");
}

/// A pool's `env[SMTP_PSWD]`, `env[SALT]` and the other names of credentials (`psk` as a
/// word, `salt` and `pepper` as the last word, `privkey`) are masked in every output; names
/// that only hold those letters (`SALT_MASTER`, a SaltStack host; `UPSKILL`; `basalt`;
/// `pepperoni`) are shown. PHP reads each value as written (asked live).
#[test]
fn credentials_under_pswd_salt_psk_and_pepper_names_are_masked() {
    let repo = tempfile::tempdir().expect("tmp");
    let pool = "etc/php/8.2/fpm/pool.d/www.conf";
    write(&repo.path().join("etc/php/8.2/fpm/php.ini"), "[PHP]\n");
    let secret = [
        ("env[SMTP_PSWD]", "LeakWordA"),
        ("env[SALT]", "LeakWordB"),
        ("env[AUTH_SALT]", "LeakWordC"),
        ("env[VPN_PSK]", "LeakWordD"),
        ("env[PASSWORD_PEPPER]", "LeakWordE"),
        ("env[pepper]", "LeakWordF"),
        ("env[SSH_PRIVKEY]", "LeakWordG"),
    ];
    let shown = [
        ("env[SALT_MASTER]", "salt.example.com"),
        ("env[UPSKILL]", "lessons"),
        ("env[BASALT]", "rock"),
        ("env[PEPPERONI]", "pizza"),
        ("env[MONKEY]", "banana"),
    ];
    let mut text = "[www]\nlisten = /run/a.sock\n".to_owned();
    for (k, v) in secret.iter().chain(&shown) {
        text.push_str(&format!("; sesslint: ignore[SL999]\n{k} = {v}\n"));
    }
    write(&repo.path().join(pool), &text);
    if let Some((parsed, _)) = php_reads(&repo.path().join(pool)) {
        for (k, v) in secret.iter().chain(&shown) {
            let name = k.trim_start_matches("env[").trim_end_matches(']');
            assert_eq!(parsed["env"][name], serde_json::json!(v), "PHP reads {k} as {parsed}");
        }
    }
    let needles: Vec<&str> = secret.iter().map(|s| s.1).collect();
    let masked: Vec<String> = secret.iter().map(|(k, _)| format!("{k} = ********")).collect();
    ini_file_masked_everywhere(repo.path(), pool, &needles, &masked);
    let human = all_output(&sesslint_in(repo.path(), &["check", "."]));
    for (k, v) in shown {
        assert!(human.contains(&format!("│ {k} = {v}\n")), "{k} is masked:\n{human}");
    }
    let parsed = all_output(&sesslint_in(repo.path(), &["parse", "--format", "json", pool]));
    assert!(
        parsed.contains(r#""SALT_MASTER":"salt.example.com""#) && parsed.contains(r#""SALT":"********""#),
        "{parsed}"
    );
    let lsp = lsp_transcript(repo.path(), &[repo.path().join(pool)]).join("\n");
    for needle in &needles {
        assert!(!lsp.contains(needle), "the language server sent {needle}:\n{lsp}");
    }
}

/// A comment after an ini statement (`x = 1 ; monkey = banana`) is a line commented out: its
/// key is judged as a setting's name (`monkey` names no secret), not as a save path's query
/// key (where `key` anywhere in a name does), so it is shown as the same comment alone on its
/// line is; a credential's name there (`api_key`) and a query key in its value are still
/// masked. PHP reads the statements' values without their comments (asked live).
#[test]
fn a_comment_after_a_statement_is_judged_by_its_key_not_as_a_query_key() {
    let repo = tempfile::tempdir().expect("tmp");
    let ini = "etc/php/8.2/cli/php.ini";
    let lines = [
        ("x = 1 ; monkey = banana", "x = 1 ; monkey = banana"),
        ("y = 2 ; a = 3 ; hotkey = F5", "y = 2 ; a = 3 ; hotkey = F5"),
        ("session.save_path = \"/var/lib/php/sessions\" ; monkey = banana", "; monkey = banana"),
        ("z = 4 ; api_key = LeakCmtA", "z = 4 ; api_key = ********"),
        ("w = 5 ; dsn = host=h password = LeakCmtB", "w = 5 ; dsn = host=h password = ********"),
    ];
    let mut text = "[PHP]\n".to_owned();
    for (l, _) in lines {
        text.push_str(&format!("; sesslint: ignore[SL999]\n{l}\n"));
    }
    write(&repo.path().join(ini), &text);
    if let Some((parsed, _)) = php_reads(&repo.path().join(ini)) {
        for (key, value) in [("x", "1"), ("y", "2"), ("session.save_path", "/var/lib/php/sessions"), ("z", "4")] {
            assert_eq!(parsed[key], serde_json::json!(value), "PHP reads {key} as {parsed}");
        }
    }
    let masked: Vec<String> = lines.iter().map(|l| l.1.to_owned()).collect();
    ini_file_masked_everywhere(repo.path(), ini, &["LeakCmtA", "LeakCmtB"], &masked);
}
