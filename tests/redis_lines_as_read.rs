//! redis.conf and ACL files whose lines redis-server reads otherwise than they are written
//! (a NUL drops the rest of its fgets() read and joins the next line; a lone `\r` ends no
//! line): no output shows the password such a line carries, and what redis-server 7.0.15
//! accepts and which password it sets (live, on a unix socket) is what sesslint says.

mod common;

use std::path::Path;

use common::redis::{self, Outcome, Resp};

/// One hostile file: its bytes, the markers no masked output may show, and for the live
/// comparison whether redis-server's password is read from a `requirepass` or a `user`.
struct Case {
    name: &'static str,
    conf: &'static [u8],
    markers: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case { name: "requirepass joined", conf: b"port 6379\nrequirepass\0\n LeakA1\n", markers: &["LeakA1"] },
    Case {
        name: "port joined to requirepass",
        conf: b"port 6379\nrequirepass\0\n LeakA1\nport 1\0\nrequirepass LeakB2\n",
        markers: &["LeakA1", "LeakB2"],
    },
    Case { name: "user joined", conf: b"user alice on\0\n >LeakZ1 ~* +@all\n", markers: &["LeakZ1"] },
    Case { name: "masterauth glued", conf: b"masterauth\0\nLeakZ2\n", markers: &["LeakZ2"] },
    Case { name: "quoted password glued", conf: b"requirepass\0\n\"LeakZ6\"\n", markers: &["LeakZ6"] },
    Case { name: "sentinel auth-pass joined", conf: b"sentinel auth-pass\0\n mymaster LeakZ7\n", markers: &["LeakZ7"] },
    Case { name: "second user password", conf: b"user bob on >a\0\n >LeakZ8 ~* +@all\n", markers: &["LeakZ8"] },
    Case { name: "password partly joined", conf: b"requirepass Leak\0\nZ3tail\n", markers: &["Z3tail"] },
    Case { name: "CR-only line ends", conf: b"bind 127.0.0.1\rrequirepass LeakW1\rport 6379\n", markers: &["LeakW1"] },
    // One line of three arguments to redis-server, which it refuses (the editor's hover
    // names it so, src/lsp/hover.rs).
    Case { name: "CR inside a line", conf: b"databases 16\rrequirepass LeakW2\n", markers: &["LeakW2"] },
    Case {
        name: "dropped text after a NUL",
        conf: b"port 6379\0 requirepass LeakD1\nrequirepass x\n",
        markers: &["LeakD1"],
    },
];

/// The ACL file of finding 6: redis-server starts with it and `alice` logs in with LeakACL3.
const ACL: &[u8] = b"user default on nopass ~* +@all\nuser alice on\0\n >LeakACL3 ~* +@all\n";

fn run(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = common::sesslint_cmd(args).current_dir(dir).output().expect("run sesslint");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Every output of every command that shows the tree's redis files.
fn outputs(dir: &Path, files: &[&str]) -> Vec<(String, String)> {
    let mut runs: Vec<Vec<&str>> = ["human", "concise", "json", "sarif", "github", "junit"]
        .iter()
        .map(|f| vec!["check", "--format", f, "."])
        .collect();
    runs.push(vec!["check", "--diff", "--unsafe-fixes", "."]);
    runs.push(vec!["show", "."]);
    runs.push(vec!["show", "--format", "json", "."]);
    for f in files {
        runs.push(vec!["parse", f]);
        runs.push(vec!["parse", "--format", "json", f]);
    }
    runs.into_iter().map(|args| (args.join(" "), run(dir, &args).1)).collect()
}

fn tree(conf: &[u8], acl: Option<&[u8]>) -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(t.path().join("etc/redis")).expect("mkdir");
    std::fs::write(t.path().join("etc/redis/redis.conf"), conf).expect("write");
    if let Some(acl) = acl {
        std::fs::write(t.path().join("etc/redis/users.acl"), acl).expect("write");
    }
    t
}

fn assert_masked(dir: &Path, files: &[&str], markers: &[&str], case: &str) {
    for (args, text) in outputs(dir, files) {
        // Any case: parse shows directive names lowercased.
        let lower = text.to_ascii_lowercase();
        for m in markers {
            assert!(!lower.contains(&m.to_ascii_lowercase()), "{case}: `sesslint {args}` shows {m}:\n{text}");
        }
    }
}

#[test]
fn no_output_shows_a_password_on_a_line_as_redis_reads_it() {
    for c in CASES {
        let t = tree(c.conf, None);
        assert_masked(t.path(), &["etc/redis/redis.conf"], c.markers, c.name);
        // The marker is there to be found: unmasked, parse or the file shows it.
        let (_, shown) = run(t.path(), &["parse", "--show-secrets", "etc/redis/redis.conf"]);
        let in_file = String::from_utf8_lossy(c.conf);
        assert!(c.markers.iter().all(|m| in_file.contains(m)), "{}", c.name);
        if c.name != "dropped text after a NUL" {
            let shown = shown.to_ascii_lowercase();
            assert!(
                c.markers.iter().any(|m| shown.contains(&m.to_ascii_lowercase())),
                "{}: --show-secrets hides it too:\n{shown}",
                c.name
            );
        }
    }
}

#[test]
fn no_output_shows_the_password_of_an_acl_line_joined_by_a_nul() {
    let t = tree(b"port 6379\naclfile /etc/redis/users.acl\n", Some(ACL));
    assert_masked(t.path(), &["etc/redis/redis.conf", "etc/redis/users.acl"], &["LeakACL3"], "ACL");
    let (accepted, text) = run(t.path(), &["check", "--format", "concise", "."]);
    let _ = accepted;
    assert!(!text.contains("error[SL001]"), "redis-server starts with this ACL file:\n{text}");
    assert!(text.contains("warning[SL001]"), "the NUL line is read otherwise than written:\n{text}");
}

/// The passwords `parse --show-secrets` says a file sets: (user or "" for requirepass, pw).
fn passwords(dir: &Path, file: &str, kind: &str) -> (bool, Vec<(String, String)>) {
    let (accepted, text) = run(dir, &["parse", "--kind", kind, "--format", "json", "--show-secrets", file]);
    let json = text.lines().next().unwrap_or("[]");
    let list: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {text}"));
    let mut out = Vec::new();
    for d in list.as_array().into_iter().flatten() {
        let args: Vec<&str> = d["args"].as_array().into_iter().flatten().filter_map(|a| a.as_str()).collect();
        match d["directive"].as_str() {
            Some("requirepass") => {
                out.retain(|(u, _): &(String, String)| !u.is_empty());
                out.push((String::new(), args.first().unwrap_or(&"").to_string()));
            }
            Some("user") => {
                for pw in args.iter().filter_map(|a| a.strip_prefix('>')) {
                    out.push((args[0].to_string(), pw.to_string()));
                }
            }
            _ => {}
        }
    }
    (accepted, out)
}

/// redis-server's verdict and passwords against sesslint's for every case.
#[test]
fn redis_server_reads_these_lines_as_sesslint_does() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let mut compared = 0;
    for c in CASES {
        let t = tree(c.conf, None);
        let (accepted, pws) = passwords(t.path(), "etc/redis/redis.conf", "redis");
        let tmp = tempfile::tempdir().expect("tempdir");
        let conf = t.path().join("etc/redis/redis.conf");
        match redis::start(&redis, &conf, t.path(), tmp.path(), &[]) {
            Outcome::Refused(log) => {
                // A bind redis-server cannot resolve only fails with a TCP port; the test
                // listens on a unix socket only, so a refusal here is of the file itself.
                assert!(!accepted, "{}: redis-server refuses it, sesslint parse accepts it:\n{log}", c.name);
            }
            Outcome::Running(server) => {
                let sock = tmp.path().join("s.sock");
                if c.name != "CR-only line ends" {
                    assert!(accepted, "{}: redis-server starts with it, sesslint parse refuses it", c.name);
                }
                let requirepass = pws.iter().find(|(u, _)| u.is_empty()).map(|(_, p)| p.clone()).unwrap_or_default();
                let auth = (!requirepass.is_empty()).then_some(requirepass.as_bytes());
                match redis::command(&sock, auth, &[b"CONFIG", b"GET", b"requirepass"]) {
                    Ok(Resp::Array(v)) => match v.get(1) {
                        Some(Resp::Bulk(Some(got))) => {
                            assert_eq!(String::from_utf8_lossy(got), requirepass, "{}: requirepass", c.name)
                        }
                        other => panic!("{}: CONFIG GET answered {other:?}", c.name),
                    },
                    other => panic!("{}: CONFIG GET answered {other:?}", c.name),
                }
                for (user, pw) in pws.iter().filter(|(u, _)| !u.is_empty()) {
                    let r = redis::command(&sock, None, &[b"AUTH", user.as_bytes(), pw.as_bytes()]);
                    assert!(matches!(r, Ok(Resp::Simple(ref s)) if s == "OK"), "{}: AUTH {user}: {r:?}", c.name);
                }
                drop(server);
            }
        }
        compared += 1;
    }
    assert_eq!(compared, CASES.len());
}

#[test]
fn redis_server_starts_with_the_acl_file_and_alice_logs_in_as_sesslint_says() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let t = tree(b"", Some(ACL));
    let acl = t.path().join("etc/redis/users.acl");
    std::fs::write(t.path().join("etc/redis/redis.conf"), format!("aclfile {}\n", acl.display())).expect("write");
    let (accepted, pws) = passwords(t.path(), "etc/redis/users.acl", "redis-acl");
    assert!(accepted, "sesslint parse refuses the ACL file");
    assert_eq!(pws, [("alice".to_string(), "LeakACL3".to_string())]);
    let tmp = tempfile::tempdir().expect("tempdir");
    match redis::start(&redis, &t.path().join("etc/redis/redis.conf"), t.path(), tmp.path(), &[]) {
        Outcome::Refused(log) => panic!("redis-server refuses the ACL file:\n{log}"),
        Outcome::Running(_server) => {
            let r = redis::command(&tmp.path().join("s.sock"), None, &[b"AUTH", b"alice", b"LeakACL3"]);
            assert!(matches!(r, Ok(Resp::Simple(ref s)) if s == "OK"), "AUTH alice: {r:?}");
        }
    }
    // A file redis-server refuses is refused by sesslint too: the join makes `user alice on`
    // + `user bob` one line with a bad rule.
    let bad = b"user default on nopass ~* +@all\nuser alice on\0\nuser bob on\n";
    std::fs::write(&acl, bad).expect("write");
    let (accepted, _) = passwords(t.path(), "etc/redis/users.acl", "redis-acl");
    let tmp = tempfile::tempdir().expect("tempdir");
    let live = redis::start(&redis, &t.path().join("etc/redis/redis.conf"), t.path(), tmp.path(), &[]);
    assert_eq!(accepted, matches!(live, Outcome::Running(_)), "sesslint and redis-server disagree on {bad:?}");
}

/// ACL files with a NUL in each place that matters: redis-server starts with exactly those
/// that sesslint's `parse --kind redis-acl` accepts and `check` gives no SL001 error for,
/// and each user sesslint reads logs in with the password it reads.
#[test]
fn acl_files_with_a_nul_start_redis_server_when_sesslint_says_so() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let default = "user default on nopass ~* +@all\n";
    let long = format!("{default}user alice on ~a\0{} >pw ~* +@all\n", "x".repeat(1100));
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("joined", format!("{default}user alice on\0\n >pw ~* +@all\n").into_bytes()),
        ("dropped text", format!("{default}user alice on\0junk >no\n >pw ~* +@all\n").into_bytes()),
        ("joined into a bad rule", format!("{default}user alice on\0\nuser bob on\n").into_bytes()),
        ("first read dropped", format!("\0{default}user alice on >pw ~* +@all\n").into_bytes()),
        ("word split", format!("{default}user alice o\0\nn >pw ~* +@all\n").into_bytes()),
        ("CRLF", "user default on nopass ~* +@all\r\nuser alice on\0\r\n >pw ~* +@all\r\n".to_string().into_bytes()),
        ("1024-byte reads", long.into_bytes()),
        ("duplicate by a join", format!("{default}user alice on >pw\0\n\nuser alice on\n").into_bytes()),
    ];
    for (name, acl) in files {
        let t = tree(b"port 6379\naclfile /etc/redis/users.acl\n", Some(&acl));
        let (accepted, pws) = passwords(t.path(), "etc/redis/users.acl", "redis-acl");
        let (_, check) = run(t.path(), &["check", "--format", "concise", "."]);
        let refused_in_check = check.lines().any(|l| l.contains("users.acl") && l.contains("error[SL001]"));
        assert_eq!(accepted, !refused_in_check, "{name}: parse and check disagree:\n{check}");
        // The live server reads the same bytes at an absolute path of this machine.
        let live_conf = t.path().join("live.conf");
        let acl_path = t.path().join("etc/redis/users.acl");
        std::fs::write(&live_conf, format!("aclfile {}\n", acl_path.display())).expect("write");
        let tmp = tempfile::tempdir().expect("tempdir");
        match redis::start(&redis, &live_conf, t.path(), tmp.path(), &[]) {
            Outcome::Refused(log) => assert!(!accepted, "{name}: redis-server refuses it, sesslint accepts it:\n{log}"),
            Outcome::Running(_server) => {
                assert!(accepted, "{name}: redis-server starts with it, sesslint says it refuses:\n{check}");
                for (user, pw) in pws.iter().filter(|(u, _)| u != "default") {
                    let r =
                        redis::command(&tmp.path().join("s.sock"), None, &[b"AUTH", user.as_bytes(), pw.as_bytes()]);
                    assert!(matches!(r, Ok(Resp::Simple(ref s)) if s == "OK"), "{name}: AUTH {user}: {r:?}");
                }
            }
        }
    }
}

/// An ACL file with a NUL: `check` warns (SL001) at the lines redis-server reads otherwise
/// than written, as it does for redis.conf, and `parse` numbers a refused line as
/// redis-server 7.0.15 does in its log (`users.acl:3: Syntax error.`): it counts the lines
/// of the text it kept, so each join takes one number away.
#[test]
fn an_acl_file_with_a_nul_is_warned_about_and_numbered_as_redis_server_numbers_it() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let default = "user default on nopass ~* +@all\n";
    let files = [
        format!("{default}user alice on\0\n >pw ~* +@all\n\nuser bob on bogus\n"),
        format!("{default}user alice on\0\n >pw\0\n ~* +@all\nuser carol on nope\nuser dave on\0\nuser erin on\n"),
        format!("\0{default}user bob on bogus\n"),
    ];
    for acl in files {
        let t = tree(b"port 6379\naclfile /etc/redis/users.acl\n", Some(acl.as_bytes()));
        let (_, check) = run(t.path(), &["check", "--format", "concise", "."]);
        let nul_line = 1 + acl[..acl.find('\0').expect("nul")].matches('\n').count();
        let warned = format!("etc/redis/users.acl:{nul_line}:");
        assert!(
            check.lines().any(|l| l.starts_with(&warned) && l.contains("warning[SL001]")),
            "{acl:?}: no SL001 warning at the NUL:\n{check}"
        );
        let (accepted, parse) = run(t.path(), &["parse", "--kind", "redis-acl", "etc/redis/users.acl"]);
        let line_numbers = |text: &str, marker: &str| -> Vec<usize> {
            let mut out: Vec<usize> = text
                .split(marker)
                .skip(1)
                .filter_map(|rest| rest.split(':').next().and_then(|n| n.parse().ok()))
                .collect();
            out.sort();
            out
        };
        let ours: Vec<usize> = line_numbers(
            &parse.lines().filter(|l| !l.contains(": warning: ")).collect::<Vec<_>>().join("\n"),
            "etc/redis/users.acl:",
        );
        let live_conf = t.path().join("live.conf");
        let acl_path = t.path().join("etc/redis/users.acl");
        std::fs::write(&live_conf, format!("aclfile {}\n", acl_path.display())).expect("write");
        let tmp = tempfile::tempdir().expect("tempdir");
        match redis::start(&redis, &live_conf, t.path(), tmp.path(), &[]) {
            Outcome::Refused(log) => {
                assert!(!accepted, "{acl:?}: redis-server refuses it, sesslint accepts it:\n{log}");
                let theirs = line_numbers(&log, "users.acl:");
                assert!(!theirs.is_empty(), "{acl:?}: no line in redis-server's log:\n{log}");
                assert_eq!(ours, theirs, "{acl:?}: sesslint parse says\n{parse}\nredis-server says\n{log}");
            }
            Outcome::Running(_server) => panic!("{acl:?}: redis-server starts with a bad rule"),
        }
    }
}

/// A refused ACL line: `parse` says what redis-server 7.0.15 logs for it
/// (`users.acl:2: Syntax error.`: ACLSetUserStringError() alone), not the longer message it
/// gives for the same `user` line in redis.conf.
#[test]
fn a_refused_acl_line_has_the_message_redis_server_gives_it() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let bodies = [
        "user bob on bogusrule",
        "user bob on +bogus",
        "user bob on <nohash",
        "user bob on #abc",
        "user bob on %Z~x",
        "user bob on >pw \"unbalanced",
    ];
    for body in bodies {
        let acl = format!("user default on nopass ~* +@all\n{body}\n");
        let t = tree(b"port 6379\naclfile /etc/redis/users.acl\n", Some(acl.as_bytes()));
        let (accepted, parse) = run(t.path(), &["parse", "--kind", "redis-acl", "etc/redis/users.acl"]);
        assert!(!accepted, "{body}: parse accepts it:\n{parse}");
        let ours: Vec<&str> = parse.lines().filter_map(|l| l.strip_prefix("etc/redis/users.acl:2:1: ")).collect();
        let live_conf = t.path().join("live.conf");
        let acl_path = t.path().join("etc/redis/users.acl");
        std::fs::write(&live_conf, format!("aclfile {}\n", acl_path.display())).expect("write");
        let tmp = tempfile::tempdir().expect("tempdir");
        match redis::start(&redis, &live_conf, t.path(), tmp.path(), &[]) {
            Outcome::Refused(log) => {
                let theirs = log
                    .split_once("users.acl:2: ")
                    .and_then(|(_, rest)| rest.split_once(". WARNING"))
                    .map(|(message, _)| message)
                    .unwrap_or_else(|| panic!("{body}: no message for line 2 in redis-server's log:\n{log}"));
                assert_eq!(ours, [theirs], "{body}: sesslint parse says\n{parse}");
            }
            Outcome::Running(_server) => panic!("{body}: redis-server starts with it"),
        }
    }
}
