//! redis.conf and ACL lines redis-server refuses that still carry a password after a masked
//! name (`; requirepass pw`, `config set requirepass pw`, `requirepass=pw`, `; user x on >pw`,
//! `requirepass\0pw`, `sentinel auth-pass=pw`, `user x on >a pw`): redis-server 7.0.15 refuses each (live, on a
//! unix socket; sentinel's in sentinel mode too), and no output shows the password. And lines
//! it reads otherwise than written, without the password (a NUL drops the rest of its read:
//! `user u on \0>pw`), or not at all (`# sentinel auth-pass=pw`): it starts, the user's
//! password is not the one written, and no output shows it either.

mod common;

use std::path::Path;

use common::redis::{self, Outcome};

/// One spelling family per line: the line, and the password no output may show.
const REDIS_LINES: &[(&str, &str)] = &[
    ("; requirepass LeakR01", "LeakR01"),
    ("-- requirepass LeakR02", "LeakR02"),
    (". requirepass LeakR03", "LeakR03"),
    ("* requirepass LeakR04", "LeakR04"),
    ("; masterauth LeakR05", "LeakR05"),
    ("; sentinel auth-pass m LeakR06", "LeakR06"),
    ("set requirepass LeakR07", "LeakR07"),
    ("config set requirepass LeakR08", "LeakR08"),
    ("requirepass=LeakR09", "LeakR09"),
    ("requirepass:LeakR10", "LeakR10"),
    ("requirepass,LeakR11", "LeakR11"),
    ("requirepass;LeakR12", "LeakR12"),
    ("masterauth=LeakR13", "LeakR13"),
    ("REQUIREPASS=LeakR14", "LeakR14"),
    ("requirepass-LeakR15", "LeakR15"),
    ("requirepass/LeakR16", "LeakR16"),
    ("requirepassLeakR17", "LeakR17"),
    ("masterauth\u{1}LeakR18", "LeakR18"),
    ("requirepass\u{1b}LeakR19", "LeakR19"),
    ("; requirepass#LeakR20", "LeakR20"),
    ("config:requirepass=LeakR21", "LeakR21"),
    ("user x on ->LeakR22", "LeakR22"),
    ("user x on +>LeakR23", "LeakR23"),
    ("requirepass\0LeakR24", "LeakR24"),
    ("masterauth\0LeakR25", "LeakR25"),
    ("sentinel auth-pass=LeakR26", "LeakR26"),
    ("sentinel auth-pass-LeakR27", "LeakR27"),
    ("sentinel auth-pass\0LeakR28", "LeakR28"),
    ("sentinel auth-passLeakR29", "LeakR29"),
    ("sentinel sentinel-pass=LeakR30", "LeakR30"),
    ("sentinel auth-pass m\0LeakR31", "LeakR31"),
    ("user x on \u{1}>LeakR32", "LeakR32"),
    ("user x on \u{a0}>LeakR33", "LeakR33"),
    ("user x on=>LeakR34", "LeakR34"),
    ("user x on>LeakR35", "LeakR35"),
    ("user x nopass\u{b}>LeakR36", "LeakR36"),
    // A password with a blank, unquoted: redis-server splits it and refuses the word after
    // it as a rule ("Error in user declaration ...: Syntax error").
    ("user x on >a LeakR37", "LeakR37"),
    ("user x on >a\tLeakR38 ~* +@all", "LeakR38"),
    ("user x on #0123 LeakR39", "LeakR39"),
    // A space redis-server does not split on inside an argument: it refuses the line
    // ("wrong number of arguments", "Syntax error"), but its writer meant two words.
    ("rename-command CONFIG\u{a0}LeakR40", "LeakR40"),
    ("user default on\u{2003}#1eaf41aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1eaf41"),
    ("user x on\u{a0}>LeakR42 ~* +@all", "LeakR42"),
    ("requirepass\u{a0}LeakR43", "LeakR43"),
    ("masterauth\u{2003}LeakR44", "LeakR44"),
    // A name glued to its value by a quote: "Unbalanced quotes".
    ("masterauth\"LeakR45", "LeakR45"),
    // An unknown name compounding `key` or `token` with a credential's kind ("Bad directive").
    ("apikey LeakR46", "LeakR46"),
    ("accesskey LeakR47", "LeakR47"),
    ("privatekey LeakR48", "LeakR48"),
    ("masterkey LeakR49", "LeakR49"),
    ("signingkey LeakR50", "LeakR50"),
    ("clientkey LeakR51", "LeakR51"),
    ("encryptionkey LeakR52", "LeakR52"),
    ("ApiToken LeakR53", "LeakR53"),
    ("s3accesskeys LeakR54", "LeakR54"),
];

/// `sentinel` lines glued to their password: refused in sentinel mode too (`Unrecognized
/// sentinel configuration statement`), where the same options unglued are read.
const SENTINEL_GLUED: &[&str] = &[
    "sentinel auth-pass=LeakR26",
    "sentinel auth-pass-LeakR27",
    "sentinel auth-pass\0LeakR28",
    "sentinel auth-passLeakR29",
    "sentinel sentinel-pass=LeakR30",
    "sentinel auth-pass m\0LeakR31",
];

/// ACL lines broken the same ways (redis-server refuses the whole file).
const ACL_LINES: &[(&str, &str)] = &[
    ("; user alice on >LeakA01 ~* +@all", "LeakA01"),
    ("-- user alice on >LeakA02 ~* +@all", "LeakA02"),
    ("user=alice on >LeakA03 ~* +@all", "LeakA03"),
    ("; requirepass LeakA04", "LeakA04"),
    ("requirepass=LeakA05", "LeakA05"),
    ("user alice on ->LeakA06 ~* +@all", "LeakA06"),
    ("requirepass\0LeakA07", "LeakA07"),
    ("sentinel auth-pass=LeakA08", "LeakA08"),
    ("user alice on \u{1}>LeakA09 ~* +@all", "LeakA09"),
    ("user alice on=>LeakA10 ~* +@all", "LeakA10"),
    ("user alice on\u{a0}>LeakA11 ~* +@all", "LeakA11"),
    ("user alice on\u{2003}#1eafa12aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1eafa12"),
    // Quotes are no quotes in an ACL file: split at the space, `">...` is a Syntax error.
    ("user alice on \">LeakA13 pass\" ~* +@all", "LeakA13"),
    ("user alice on \">a LeakA14\" ~* +@all", "LeakA14"),
    ("user alice on >a\"b LeakA15\" ~* +@all", "LeakA15"),
];

/// Lines redis-server starts with: a comment, or a `user` line a NUL cuts before or inside
/// the password (it reads `user u on`, `user u on >a`). The user named `u` and the password
/// written after the NUL: AUTH with it is refused.
const READ_WITHOUT_THE_PASSWORD: &[(&str, &str)] = &[
    ("user u on \0>LeakS01 ~* +@all", "LeakS01"),
    ("user u on >a\0LeakS02 ~* +@all", "LeakS02"),
    ("user u on \0#LeakS03", "LeakS03"),
    ("user u on\0>LeakS04", "LeakS04"),
    ("# sentinel auth-pass=LeakS05", "LeakS05"),
    ("# requirepass\0LeakS06", "LeakS06"),
    ("#requirepass\u{1}LeakS07", "LeakS07"),
    ("# masterauth=LeakS08", "LeakS08"),
    ("#requirepass=LeakS09", "LeakS09"),
    ("# rename-command CONFIG\u{a0}LeakS10", "LeakS10"),
    ("# user u on\u{2003}>LeakS11", "LeakS11"),
    ("# apikey LeakS12", "LeakS12"),
    ("# sharedkey LeakS13", "LeakS13"),
];

/// Names with `key` inside another word (`monkey`, `hotkey`, `Valkey`, `turnkey`) or a key
/// file's path (`keyfile`, `tls-key-file`) hold no credential: a refused line's frame and a
/// comment shown as context show them whole.
const SHOWN_WHOLE: &[&str] = &[
    "monkey banana1",
    "hotkey hot1",
    "hockey puck1",
    "keyspace ks1",
    "keyfile /etc/redis/keyfile1.pem",
    "tls-key-file /etc/redis/tls1.key",
    "# turnkey solution1",
    "# Valkey configuration1",
];

fn run(dir: &Path, args: &[&str]) -> String {
    let out = common::sesslint_cmd(args).current_dir(dir).output().expect("run sesslint");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

/// Every output of every command that shows the tree's redis files.
fn outputs(dir: &Path, files: &[&str]) -> Vec<(String, String)> {
    let mut runs: Vec<Vec<&str>> = ["human", "concise", "json", "sarif", "github", "junit"]
        .iter()
        .map(|f| vec!["check", "--format", f, "."])
        .collect();
    runs.push(vec!["show", "."]);
    runs.push(vec!["show", "--format", "json", "."]);
    for f in files {
        runs.push(vec!["parse", f]);
        runs.push(vec!["parse", "--format", "json", f]);
    }
    runs.into_iter().map(|args| (args.join(" "), run(dir, &args))).collect()
}

fn assert_masked(dir: &Path, files: &[&str], secret: &str, case: &str) {
    let secret = secret.to_ascii_lowercase();
    for (args, text) in outputs(dir, files) {
        // Any case: SL003's message and parse show a glued name lowercased.
        assert!(!text.to_ascii_lowercase().contains(&secret), "{case:?}: `sesslint {args}` shows it:\n{text}");
    }
    // The password is there to be found: a frame shows the line unmasked.
    let shown = run(dir, &["check", "--show-secrets", "."]).to_ascii_lowercase();
    assert!(shown.contains(&secret), "{case:?}: --show-secrets hides it too:\n{shown}");
}

fn tree(conf: &str, acl: Option<&str>) -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(t.path().join("etc/redis")).expect("mkdir");
    std::fs::write(t.path().join("etc/redis/redis.conf"), conf).expect("write");
    if let Some(acl) = acl {
        std::fs::write(t.path().join("etc/redis/users.acl"), acl).expect("write");
    }
    t
}

#[test]
fn no_output_shows_the_password_of_a_refused_redis_line() {
    for (line, secret) in REDIS_LINES {
        let t = tree(&format!("bind 127.0.0.1\n{line}\n"), None);
        assert_masked(t.path(), &["etc/redis/redis.conf"], secret, line);
        let concise = run(t.path(), &["check", "--format", "concise", "."]);
        assert!(concise.contains("error[SL003]") || concise.contains("error[SL001]"), "{line:?} accepted:\n{concise}");
    }
}

#[test]
fn a_name_with_key_inside_another_word_is_shown_whole() {
    for line in SHOWN_WHOLE {
        let t = tree(&format!("bind 127.0.0.1\n{line}\n"), None);
        let text = run(t.path(), &["check", "--format", "human", "."]);
        assert!(text.contains(line.trim_start_matches("# ")), "{line:?} is masked:\n{text}");
    }
}

#[test]
fn no_output_shows_the_password_of_a_refused_acl_line() {
    for (line, secret) in ACL_LINES {
        let t = tree("aclfile /etc/redis/users.acl\n", Some(&format!("user default on nopass ~* +@all\n{line}\n")));
        assert_masked(t.path(), &["etc/redis/redis.conf", "etc/redis/users.acl"], secret, line);
    }
}

/// The masking claims refused lines only: redis-server 7.0.15 refuses to start on each.
#[test]
fn redis_server_refuses_every_such_line() {
    let Some(server) = common::oracle("redis-server") else { return };
    let refuses = |conf: &Path, cwd: &Path, what: &str| {
        let tmp = tempfile::tempdir().expect("tempdir");
        match redis::start(&server, conf, cwd, tmp.path(), &[]) {
            Outcome::Refused(log) => assert!(!log.is_empty(), "{what:?}: refused without a word"),
            Outcome::Running(_server) => panic!("{what:?}: redis-server starts with it"),
        }
    };
    for (line, _) in REDIS_LINES {
        let t = tree(&format!("{line}\n"), None);
        refuses(&t.path().join("etc/redis/redis.conf"), t.path(), line);
    }
    for (line, _) in ACL_LINES {
        let t = tree("", Some(&format!("user default on nopass ~* +@all\n{line}\n")));
        let acl = t.path().join("etc/redis/users.acl");
        let conf = t.path().join("etc/redis/redis.conf");
        std::fs::write(&conf, format!("aclfile {}\n", acl.display())).expect("write");
        refuses(&conf, t.path(), line);
    }
}

#[test]
fn no_output_shows_the_password_redis_server_reads_no_part_of() {
    for (line, secret) in READ_WITHOUT_THE_PASSWORD {
        let t = tree(&format!("bind 127.0.0.1\n{line}\n"), None);
        assert_masked(t.path(), &["etc/redis/redis.conf"], secret, line);
        if line.starts_with("user") {
            let acl = format!("user default on nopass ~* +@all\n{line}\n");
            let t = tree("aclfile /etc/redis/users.acl\n", Some(&acl));
            assert_masked(t.path(), &["etc/redis/redis.conf", "etc/redis/users.acl"], secret, line);
        }
    }
}

/// redis-server 7.0.15 starts with each line, in redis.conf and (a `user` line) in an ACL
/// file, and the password written after the NUL is not the user's.
#[test]
fn redis_server_reads_no_part_of_those_passwords() {
    let Some(server) = common::oracle("redis-server") else { return };
    let starts = |conf: &Path, cwd: &Path, line: &str, secret: &str| {
        let tmp = tempfile::tempdir().expect("tempdir");
        match redis::start(&server, conf, cwd, tmp.path(), &[]) {
            Outcome::Refused(log) => panic!("{line:?}: redis-server refuses it: {log}"),
            Outcome::Running(_server) if line.starts_with("user") => {
                let auth = redis::command(&tmp.path().join("s.sock"), None, &[b"AUTH", b"u", secret.as_bytes()]);
                assert!(matches!(auth, Ok(redis::Resp::Error(_))), "{line:?}: AUTH u {secret}: {auth:?}");
            }
            Outcome::Running(_server) => {}
        }
    };
    for (line, secret) in READ_WITHOUT_THE_PASSWORD {
        let t = tree(&format!("{line}\n"), None);
        starts(&t.path().join("etc/redis/redis.conf"), t.path(), line, secret);
        if line.starts_with("user") {
            let t = tree("", Some(&format!("user default on nopass ~* +@all\n{line}\n")));
            let acl = t.path().join("etc/redis/users.acl");
            let conf = t.path().join("etc/redis/redis.conf");
            std::fs::write(&conf, format!("aclfile {}\n", acl.display())).expect("write");
            starts(&conf, t.path(), line, secret);
        }
    }
}

/// In sentinel mode redis-server reads `sentinel auth-pass <master> <password>` and
/// `sentinel sentinel-pass <password>`, and refuses each option glued to its value.
#[test]
fn redis_sentinel_refuses_a_glued_password_option() {
    let Some(server) = common::oracle("redis-server") else { return };
    let run = |text: &str| {
        let t = tree(text, None);
        let tmp = tempfile::tempdir().expect("tempdir");
        redis::start(&server, &t.path().join("etc/redis/redis.conf"), t.path(), tmp.path(), &["--sentinel"])
    };
    let read = "sentinel monitor m 127.0.0.1 6379 2\nsentinel auth-pass m pw\nsentinel sentinel-pass pw\n";
    if let Outcome::Refused(log) = run(read) {
        panic!("sentinel mode refuses the options unglued: {log}");
    }
    for line in SENTINEL_GLUED {
        match run(&format!("sentinel monitor m 127.0.0.1 6379 2\n{line}\n")) {
            Outcome::Refused(log) => {
                assert!(log.contains("Unrecognized sentinel configuration statement"), "{line:?}: {log}")
            }
            Outcome::Running(_server) => panic!("{line:?}: sentinel mode reads it"),
        }
    }
}

/// RHEL/EPEL's `/etc/redis-sentinel.conf` (fixtures/rules/SL001/clean-redis-sentinel-conf):
/// redis-server refuses it ("sentinel directive while not in sentinel mode"), started with
/// `--sentinel` it reads it, so sesslint reads it as no redis.conf and reports no SL001.
#[test]
fn a_redis_sentinel_conf_is_sentinel_s_file_not_a_redis_conf() {
    let fixture = common::fixtures().join("rules/SL001/clean-redis-sentinel-conf");
    let out =
        common::sesslint_cmd(&["-v", "check", "--format", "concise", "."]).current_dir(&fixture).output().expect("run");
    let (said, found) = (String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    assert!(!found.contains("SL001") && !said.contains("redis-sentinel.conf as"), "{said}{found}");
    assert_eq!(out.status.code(), Some(0), "{said}{found}");
    // `parse` guesses as discovery reads: no dialect, unless `--kind redis` names one.
    let parse = |args: &[&str]| common::sesslint_cmd(args).current_dir(&fixture).output().expect("run parse");
    let guessed = parse(&["parse", "etc/redis-sentinel.conf"]);
    let said = String::from_utf8_lossy(&guessed.stderr);
    assert!(guessed.stdout.is_empty() && said.contains("Redis Sentinel's"), "{said}");
    assert_eq!(guessed.status.code(), Some(2), "{said}");
    let named = parse(&["parse", "--kind", "redis", "etc/redis-sentinel.conf"]);
    assert!(String::from_utf8_lossy(&named.stdout).contains("\"sentinel\""), "{named:?}");
    let Some(server) = common::oracle("redis-server") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    // Sentinel rewrites its file: a copy.
    let conf = tmp.path().join("redis-sentinel.conf");
    std::fs::copy(fixture.join("etc/redis-sentinel.conf"), &conf).expect("copy");
    let run = |extra: &[&str]| {
        let dir = tempfile::tempdir().expect("tempdir");
        let outcome = redis::start(&server, &conf, tmp.path(), dir.path(), extra);
        (outcome, dir)
    };
    match run(&[]) {
        (Outcome::Refused(log), _) => assert!(log.contains("sentinel directive while not in sentinel mode"), "{log}"),
        (Outcome::Running(_server), _) => panic!("redis-server reads a Sentinel file without --sentinel"),
    }
    if let (Outcome::Refused(log), _) = run(&["--sentinel"]) {
        panic!("redis-server --sentinel refuses the file: {log}");
    }
}
