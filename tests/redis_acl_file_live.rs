//! An ACL file (`aclfile`) as redis-server 7.0.15 reads it at startup (acl.c
//! ACLLoadFromFile): lines split at single spaces, no quotes, no escapes, each line trimmed
//! of blanks and each rule of tabs and line ends; a refused line aborts the start. Given
//! each file, sesslint's parser accepts it exactly when the real redis-server starts with
//! it, the model knows the users exactly then, and they are the users redis-server has:
//! the same names, `on`/`off`, `nopass` and password hashes (its `ACL LIST`).

mod common;

use std::path::Path;

use common::redis::{self, Outcome, Resp};

const H64: &str = "94719754927f4de069c1e970d2caccabdf25d7afaa71e54e6af096d8048c6e7e";

/// ACL files: quotes and blanks in every place, and every refusal ACLLoadFromFile has.
fn cases() -> Vec<Vec<u8>> {
    let lines: &[&str] = &[
        // Read, otherwise than redis.conf would read them.
        "user bob on >pa\"ss\" ~* +@all",
        "user \"bob\" on nopass ~* +@all",
        "user \"bob on",
        "user bob  on  nopass ~* +@all",
        "\tuser bob on nopass\t\r",
        "user bob on\t nopass",
        "user bob on \t>pw ~* +@all",
        "user bob on >p\\x41 ~* +@all",
        "user bob on >'pw'",
        "user bob on (~x  +get)",
        "user bob on (~x\t+get)",
        "user bob on (~\"a)",
        "user bob on (~a\\x20b)",
        "user bob on >",
        "user bob off #94719754927f4de069c1e970d2caccabdf25d7afaa71e54e6af096d8048c6e7e",
        "user default on >pw1 >pw2 <pw1 ~* &* +@all",
        "user default off",
        // Refused.
        "user bob on \">pw\" ~* +@all",
        "user default on \"nopass\" ~* +@all",
        "user bob on 'nopass'",
        "user bob on ~\"a b\"",
        "user  bob on",
        "user\tbob on",
        "user bob\ton",
        "user bob\u{b}x on",
        "user bob on\tnopass",
        "user bob on\rnopass",
        "user bob on nopass\u{b}",
        "user bob on # comment",
        "# comment",
        "USER bob on",
        "user",
        "user bob (~x",
        "user bob on (~x",
        "user bob (~x +get)\t on",
        "user bob on +bogus",
        "user bob on #abc",
        "user bob on <nothere",
        "user bob on ~* ~x",
        "user bob on (~x \"\")",
        "user bob on (~\"a b\")",
        "requirepass pw",
    ];
    let mut out: Vec<Vec<u8>> = lines.iter().map(|l| format!("{l}\n").into_bytes()).collect();
    out.push(format!("\n   \n\t\nuser bob on #{H64}\n\nuser carol on nopass ~* +@all\n").into_bytes());
    out.push(b"user bob on\nuser bob off\n".to_vec());
    out.push(b"user bob on\r\nuser carol on >pw\r\n".to_vec());
    out
}

/// `ACL LIST`'s line of one user: its name, `on`, `nopass`, its password hashes.
struct Listed {
    name: String,
    on: bool,
    nopass: bool,
    hashes: Vec<String>,
}

/// The user every case ends with, to ask `ACL LIST` as (the default user may be off).
const ADMIN: &[u8] = b"user probe-admin on >probe ~* &* +@all\n";

fn acl_list(sock: &Path) -> Vec<Listed> {
    use std::io::Write;
    let mut stream = std::os::unix::net::UnixStream::connect(sock).expect("connect");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
    stream
        .write_all(b"*3\r\n$4\r\nAUTH\r\n$11\r\nprobe-admin\r\n$5\r\nprobe\r\n*2\r\n$3\r\nACL\r\n$4\r\nLIST\r\n")
        .expect("write");
    let mut reader = std::io::BufReader::new(stream);
    let auth = redis::read_resp(&mut reader);
    assert!(matches!(auth, Ok(Resp::Simple(_))), "AUTH probe-admin: {auth:?}");
    let Ok(Resp::Array(items)) = redis::read_resp(&mut reader) else {
        panic!("ACL LIST: no array");
    };
    items
        .into_iter()
        .map(|i| {
            let Resp::Bulk(Some(line)) = i else { panic!("ACL LIST: not a bulk string") };
            let line = String::from_utf8_lossy(&line).into_owned();
            let words: Vec<&str> = line.split(' ').collect();
            Listed {
                name: words[1].to_owned(),
                on: words.contains(&"on"),
                nopass: words.contains(&"nopass"),
                hashes: words.iter().filter_map(|w| w.strip_prefix('#')).map(str::to_owned).collect(),
            }
        })
        .collect()
}

#[test]
fn sesslint_reads_an_acl_file_as_redis_server_does() {
    let Some(server) = common::oracle("redis-server") else { return };
    let (mut started, mut refused) = (0, 0);
    for mut acl in cases() {
        acl.extend_from_slice(ADMIN);
        let shown = String::from_utf8_lossy(&acl).into_owned();
        let tmp = tempfile::tempdir().expect("tempdir");
        let tree = tmp.path().join("tree");
        std::fs::create_dir_all(tree.join("etc/redis")).expect("mkdir");
        std::fs::write(tree.join("etc/redis/redis.conf"), "aclfile /etc/redis/users.acl\n").expect("write");
        std::fs::write(tree.join("etc/redis/users.acl"), &acl).expect("write");
        let model = sesslint::model::build(
            std::slice::from_ref(&tree),
            &sesslint::model::BuildOptions { root: Some(tree.as_path()), ..Default::default() },
        );
        let s = &model.redis[0];
        let parsed = sesslint::syntax::redis_acl::parse(&acl);

        let run = tmp.path().join("run");
        std::fs::create_dir_all(&run).expect("mkdir");
        let conf = tmp.path().join("run.conf");
        std::fs::write(&conf, format!("aclfile {}\n", tree.join("etc/redis/users.acl").display())).expect("write");
        match redis::start(&server, &conf, tmp.path(), &run, &[]) {
            Outcome::Refused(log) => {
                refused += 1;
                // Refused in words, or (a selector left open after a rule) a crash.
                assert!(
                    log.contains("Aborting Redis startup because of ACL errors") || log.contains("crashed by signal"),
                    "{shown:?}: {log}"
                );
                assert!(!parsed.errors.is_empty(), "{shown:?}: sesslint accepts what redis-server refuses: {log}");
                assert!(!s.users_known(), "{shown:?}: users known of a refused ACL file");
            }
            Outcome::Running(_server) => {
                started += 1;
                assert!(parsed.errors.is_empty(), "{shown:?}: sesslint refuses it: {:?}", parsed.errors);
                assert!(s.users_known(), "{shown:?}");
                let listed = acl_list(&run.join("s.sock"));
                let names = |mut v: Vec<String>| {
                    v.sort();
                    v
                };
                let mut model_names: Vec<String> = s.users.iter().map(|u| u.name.clone()).collect();
                if s.users.get("default").is_none() {
                    model_names.push("default".into());
                }
                assert_eq!(names(model_names), names(listed.iter().map(|l| l.name.clone()).collect()), "{shown:?}");
                for l in &listed {
                    let (on, nopass, passwords, accepts): UserAnswer<'_> = match s.users.get(&l.name) {
                        Some(u) if l.name != "default" => {
                            (u.enabled, u.nopass, u.passwords, Box::new(|h: &str| u.accepts_digest(h)))
                        }
                        _ => {
                            let d = &s.default_user;
                            (d.enabled, d.nopass, d.passwords, Box::new(|h: &str| d.accepts_digest_as_default(h)))
                        }
                    };
                    assert_eq!((on, nopass, passwords), (l.on, l.nopass, l.hashes.len()), "{shown:?}: {}", l.name);
                    if on {
                        for h in &l.hashes {
                            assert!(accepts(h), "{shown:?}: {} has another password", l.name);
                        }
                    }
                }
            }
        }
    }
    assert!(started > 10 && refused > 20, "started {started}, refused {refused}");
}

/// An ACL file over sesslint's 16 MiB read limit is not read here, and that is sesslint's
/// limit, not redis-server's (7.0.15 starts with a 48 MB ACL file): SL002 says it was not
/// read and that the users are not known; SL001 does not call it a refusal.
#[test]
fn an_acl_file_over_sesslint_s_limit_is_not_a_refusal() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    std::fs::create_dir_all(dir.join("etc/redis")).expect("mkdir");
    std::fs::write(dir.join("etc/redis/redis.conf"), "port 6379\naclfile /etc/redis/users.acl\n").expect("write");
    // Sparse: sized, never read.
    let acl = std::fs::File::create(dir.join("etc/redis/users.acl")).expect("create");
    acl.set_len(17 << 20).expect("size");
    let model = sesslint::model::build(std::slice::from_ref(&dir), &Default::default());
    let server = model.redis.iter().find(|s| s.aclfile.is_some()).expect("the server");
    assert!(!server.users_known(), "users of an ACL file not read");
    let found = sesslint::rules::check(&model);
    let said = |code: &str| -> Vec<&str> {
        found.iter().filter(|d| d.code.as_str() == code).map(|d| d.message.as_str()).collect()
    };
    assert!(said("SL001").iter().all(|m| !m.contains("users.acl")), "{:?}", said("SL001"));
    let sl002 = said("SL002");
    assert!(
        sl002.iter().any(|m| m.contains("users.acl") && m.contains("sesslint's limit") && m.contains("not known")),
        "{sl002:?}"
    );
    assert!(found.iter().all(|d| !d.message.contains("will not start")), "{found:?}");
}

/// A user as the model and redis-server answer: on, nopass, how many passwords, and
/// whether a password logs in.
type UserAnswer<'a> = (bool, bool, usize, Box<dyn Fn(&str) -> bool + 'a>);
