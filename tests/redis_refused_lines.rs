//! redis.conf and ACL lines redis-server refuses that still carry a password after a masked
//! name (`; requirepass pw`, `config set requirepass pw`, `requirepass=pw`, `; user x on >pw`):
//! redis-server 7.0.15 refuses each (live, on a unix socket), and no output shows the password.

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
];

/// ACL lines broken the same ways (redis-server refuses the whole file).
const ACL_LINES: &[(&str, &str)] = &[
    ("; user alice on >LeakA01 ~* +@all", "LeakA01"),
    ("-- user alice on >LeakA02 ~* +@all", "LeakA02"),
    ("user=alice on >LeakA03 ~* +@all", "LeakA03"),
    ("; requirepass LeakA04", "LeakA04"),
    ("requirepass=LeakA05", "LeakA05"),
    ("user alice on ->LeakA06 ~* +@all", "LeakA06"),
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
