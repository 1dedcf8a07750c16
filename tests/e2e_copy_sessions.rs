//! End to end: real PHP with the `files` handler creates sessions (`N;/path` levels),
//! `sesslint migrate --apply --copy-sessions` switches the tree to a real redis-server and
//! copies them, and real PHP with the redis handler reads the same ids and sees the same data.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use common::redis::{pipeline, start_as_configured, Outcome, Resp};

const PASSWORD: &str = "not-a-real-password-copy-9c2e";
/// Session ids: two share their first two characters, so share a directory two levels down.
const IDS: [&str; 3] = ["ab1copysessions0001", "ab2copysessions0002", "cd3copysessions0003"];
const EXPIRED: &str = "efexpiredsession0004";

/// Write a session under `id` (files or redis, as `ini` says) or print what it holds.
const SCRIPT: &str = r#"<?php
session_id($argv[1]);
session_start();
if ($argv[2] === 'write') {
    $_SESSION['user'] = $argv[1];
    $_SESSION['cart'] = ['sku' => 'A-1', 'qty' => 2, 'note' => "x\"|;\n"];
} else {
    echo json_encode($_SESSION);
}
session_write_close();
"#;

fn php_run(php: &Path, ini: &Path, scan: &Path, script: &Path, extra: &[&str], args: &[&str]) -> String {
    let out = Command::new(php)
        .arg("-c")
        .arg(ini)
        .args(extra)
        .arg(script)
        .args(args)
        .env("PHP_INI_SCAN_DIR", scan)
        .output()
        .expect("run php");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && !stdout.contains("Warning"),
        "php: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn file_sessions_are_copied_and_php_reads_them_from_redis() {
    copied_and_read_back(false);
}

/// The same through a reviewed plan: `--write-plan` then `--apply-plan FILE --copy-sessions`.
#[test]
fn a_reviewed_plan_applied_with_copy_sessions_copies_them_too() {
    copied_and_read_back(true);
}

/// `--copy-sessions` where nothing is written (a preview, `--write-plan`) is refused with a
/// message naming where it belongs, and writes nothing.
#[test]
fn copy_sessions_without_a_switch_written_is_refused_clearly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ini = tmp.path().join("tree/etc/php/8.2/cli/php.ini");
    std::fs::create_dir_all(ini.parent().expect("parent")).expect("mkdir");
    std::fs::write(&ini, "session.save_handler = files\n").expect("write php.ini");
    let base = ["migrate", "--password-env", "REDIS_PASSWORD", "--redis", "tcp://127.0.0.1:6379", "--copy-sessions"];
    for extra in [&["tree"][..], &["--write-plan", "p.plan", "tree"][..]] {
        let out = common::sesslint_cmd(&[&base[..], extra].concat())
            .current_dir(tmp.path())
            .env("REDIS_PASSWORD", PASSWORD)
            .output()
            .expect("run sesslint migrate");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains("--copy-sessions copies the sessions once the switch is written: give it with --apply, or with --apply-plan FILE"), "{stderr}");
        assert!(!tmp.path().join("p.plan").exists(), "a plan was written");
        assert_eq!(std::fs::read_to_string(&ini).expect("read"), "session.save_handler = files\n");
    }
}

fn copied_and_read_back(through_a_plan: bool) {
    let Some(redis) = common::oracle("redis-server") else { return };
    let Some(php) = common::php_with_phpredis("no session can be read back from Redis") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("tree");
    let cli = tree.join("etc/php/8.2/cli");
    let scan = cli.join("conf.d");
    std::fs::create_dir_all(&scan).expect("mkdir");
    let ini = cli.join("php.ini");
    std::fs::write(
        &ini,
        "extension=igbinary\nextension=redis\nsession.save_handler = files\nsession.save_path = \"2;/var/lib/php/sessions\"\nsession.gc_maxlifetime = 3600\nsession.use_strict_mode = 1\n",
    )
    .expect("write php.ini");
    // The tree's /var/lib/php/sessions, with the two directory levels PHP expects.
    let store = tree.join("var/lib/php/sessions");
    for id in IDS.iter().chain([&EXPIRED]) {
        std::fs::create_dir_all(store.join(&id[..1]).join(&id[1..2])).expect("mkdir levels");
    }
    let script = tmp.path().join("session.php");
    std::fs::write(&script, SCRIPT).expect("write script");
    // Quoted: in an ini value (and -d) a bare `;` starts a comment.
    let files_path = format!("session.save_path=\"2;{}\"", store.display());
    let mut expected = Vec::new();
    for id in IDS.iter().chain([&EXPIRED]) {
        // Strict mode would replace an id the store does not have yet.
        let write = ["-d", &files_path, "-d", "session.use_strict_mode=0"];
        php_run(&php, &ini, &scan, &script, &write, &[id, "write"]);
        expected.push(php_run(&php, &ini, &scan, &script, &["-d", &files_path], &[id, "read"]));
    }
    assert!(expected[0].contains("\"sku\":\"A-1\""), "{expected:?}");
    // One session PHP's garbage collection would already have removed: two hours old.
    let old = store.join("e/f").join(format!("sess_{EXPIRED}"));
    let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
    std::fs::File::options().write(true).open(&old).and_then(|f| f.set_modified(two_hours_ago)).expect("age");
    let files_before = common::files_below(&store);

    let conf = tmp.path().join("server.conf");
    let port = common::redis::free_port();
    std::fs::write(
        &conf,
        format!(
            "bind 127.0.0.1\nport {port}\nrequirepass {PASSWORD}\nsave \"\"\nappendonly no\nunixsocket {}/s.sock\n",
            tmp.path().display()
        ),
    )
    .expect("write server.conf");
    let Outcome::Running(_server) = start_as_configured(&redis, &conf, tmp.path(), &[]) else {
        panic!("redis-server did not start")
    };
    let url = format!("tcp://127.0.0.1:{port}");
    let run = |args: &[&str]| {
        common::sesslint_cmd(args)
            .current_dir(tmp.path())
            .env("REDIS_PASSWORD", PASSWORD)
            .output()
            .expect("run sesslint migrate")
    };
    let to = ["--password-env", "REDIS_PASSWORD", "--redis", &url, "--database", "2"];
    let out = if through_a_plan {
        let planned = run(&[&["migrate"], &to[..], &["--write-plan", "reviewed.plan", "tree"]].concat());
        assert!(planned.status.success(), "{}", String::from_utf8_lossy(&planned.stderr));
        run(&["migrate", "--apply-plan", "reviewed.plan", "--copy-sessions", "tree"])
    } else {
        run(&[&["migrate"], &to[..], &["--apply", "--copy-sessions", "tree"]].concat())
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "migrate: {stdout}{stderr}");
    println!("{stdout}");
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD), "the password leaks: {stdout}{stderr}");
    assert!(
        stdout.contains("copied 3 of 4 session files")
            && stdout.contains("1 expired after session.gc_maxlifetime 3600 s"),
        "{stdout}"
    );
    assert_eq!(common::files_below(&store), files_before, "the session files must stay");

    // PHP, now on the redis handler (strict mode: an id unknown to Redis would be replaced),
    // reads each copied session as it was.
    for (id, want) in IDS.iter().zip(&expected) {
        assert_eq!(&php_run(&php, &ini, &scan, &script, &[], &[id, "read"]), want, "session {id}");
    }
    // The TTL is what was left of the lifetime; the expired session is not in Redis.
    let sock = tmp.path().join("s.sock");
    let key = format!("PHPREDIS_SESSION:{}", IDS[2]);
    let gone = format!("PHPREDIS_SESSION:{EXPIRED}");
    let replies = pipeline(
        &sock,
        &[
            &[b"AUTH", PASSWORD.as_bytes()],
            &[b"SELECT", b"2"],
            &[b"TTL", key.as_bytes()],
            &[b"EXISTS", gone.as_bytes()],
        ],
    )
    .expect("talk to redis");
    match replies[2] {
        // PHP's read above refreshed the key's expiry to the full lifetime (phpredis
        // EXPIREs on read with lazy_write), so it is at most 3600 s.
        Resp::Int(ttl) => assert!((3000..=3600).contains(&ttl), "TTL {ttl}"),
        ref other => panic!("no TTL: {other:?}"),
    }
    assert!(matches!(replies[3], Resp::Int(0)), "the expired session was copied: {:?}", replies[3]);
}

#[test]
fn the_copy_alone_honours_levels_expiry_and_existing_keys() {
    // The library without migrate: a save path two levels deep, one session already in
    // Redis (kept), one expired (skipped), one id PHP never issues (not read).
    let Some(redis) = common::oracle("redis-server") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("sessions");
    for (id, data) in [("aa1", "a|i:1;"), ("ab2", "b|i:2;"), ("cc3", "c|i:3;")] {
        let dir = store.join(&id[..1]).join(&id[1..2]);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join(format!("sess_{id}")), data).expect("write");
    }
    std::fs::write(store.join("a/a/sess_bad.id"), "x").expect("write");
    std::fs::write(store.join("sess_toplevel"), "ignored: PHP reads two levels down only").expect("write");
    let old = store.join("c/c/sess_cc3");
    std::fs::File::options()
        .write(true)
        .open(&old)
        .and_then(|f| f.set_modified(SystemTime::now() - Duration::from_secs(2000)))
        .expect("age");
    let save = sesslint::session_copy::FilesSavePath::parse(&format!("2;{}", store.display())).expect("save path");
    let source = sesslint::session_copy::FilesSource {
        label: "test".into(),
        dir: save.dir.clone(),
        save_path: save,
        max_lifetime: 1440,
        assumed: None,
    };
    let (sessions, scan) = sesslint::session_copy::read_sessions(&source, SystemTime::now()).expect("scan");
    assert_eq!(sessions.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["aa1", "ab2", "cc3"]);
    assert_eq!(scan.not_an_id, 1);

    let conf = tmp.path().join("r.conf");
    let port = common::redis::free_port();
    std::fs::write(&conf, format!("bind 127.0.0.1\nport {port}\nsave \"\"\nappendonly no\n")).expect("conf");
    let Outcome::Running(_server) = start_as_configured(&redis, &conf, tmp.path(), &[]) else { panic!("no redis") };
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).expect("client");
    let mut con = client.get_connection().expect("connect");
    let _: () = redis::cmd("SET").arg("P:ab2").arg("newer").query(&mut con).expect("set");
    let steps = std::cell::RefCell::new(Vec::new());
    let outcome =
        sesslint::session_copy::copy(&mut con, "P:", &sessions, 1440, &|d, t| steps.borrow_mut().push((d, t)));
    let c = &outcome.counts;
    assert_eq!((c.found, c.copied, c.already_in_redis, c.expired, c.failed), (3, 1, 1, 1, 0), "{c:?}");
    assert_eq!(*steps.borrow(), [(1, 3), (2, 3), (3, 3)]);
    let got: Option<String> = redis::cmd("GET").arg("P:aa1").query(&mut con).expect("get");
    assert_eq!(got.as_deref(), Some("a|i:1;"));
    let kept: String = redis::cmd("GET").arg("P:ab2").query(&mut con).expect("get");
    assert_eq!(kept, "newer");
    let ttl: i64 = redis::cmd("TTL").arg("P:aa1").query(&mut con).expect("ttl");
    assert!((1430..=1440).contains(&ttl), "{ttl}");
}

/// Debian's one `/var/lib/php/sessions` serves the CLI and every pool. Each session file
/// real PHP wrote there goes to the store of the pool whose user owns it (the tree's
/// etc/passwd names the users), the CLI's store gets none, and a file no pool's user owns
/// goes nowhere.
#[test]
fn a_shared_session_directory_is_shared_out_by_the_files_owners() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let Some(php) = common::php_with_phpredis("no session file is written by PHP") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("tree");
    let write = |rel: &str, body: &str| {
        let p = tree.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, body).expect("write");
    };
    let ini = "extension=igbinary\nextension=redis\nsession.save_handler = files\nsession.gc_maxlifetime = 3600\n";
    write("etc/php/8.2/cli/php.ini", ini);
    write("etc/php/8.2/fpm/php.ini", ini);
    write("etc/php/8.2/fpm/php-fpm.conf", "[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n");
    write(
        "etc/php/8.2/fpm/pool.d/shop.conf",
        "[shop]\nuser = shop\nlisten = /run/php/shop.sock\npm = ondemand\npm.max_children = 2\n",
    );
    write(
        "etc/php/8.2/fpm/pool.d/www.conf",
        "[www]\nuser = www-data\nlisten = /run/php/www.sock\npm = ondemand\npm.max_children = 2\n",
    );
    write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nshop:x:1001:1001::/var/www/shop:/usr/sbin/nologin\n");
    let store = tree.join("var/lib/php/sessions");
    std::fs::create_dir_all(&store).expect("mkdir");
    let script = tmp.path().join("session.php");
    std::fs::write(&script, SCRIPT).expect("write script");
    let files_path = format!("session.save_path={}", store.display());
    let owned =
        [("shopsession0001", 1001), ("shopsession0002", 1001), ("wwwsession0003", 33), ("orphansession0004", 4242)];
    for (id, uid) in owned {
        let args = ["-d", files_path.as_str(), "-d", "session.use_strict_mode=0"];
        php_run(&php, &tree.join("etc/php/8.2/cli/php.ini"), &store, &script, &args, &[id, "write"]);
        std::os::unix::fs::chown(store.join(format!("sess_{id}")), Some(uid), None)
            .expect("chown (the test runs as root)");
    }

    let conf = tmp.path().join("server.conf");
    let port = common::redis::free_port();
    std::fs::write(
        &conf,
        format!(
            "bind 127.0.0.1\nport {port}\nrequirepass {PASSWORD}\nsave \"\"\nappendonly no\nunixsocket {}/s.sock\n",
            tmp.path().display()
        ),
    )
    .expect("write server.conf");
    let Outcome::Running(_server) = start_as_configured(&redis, &conf, tmp.path(), &[]) else {
        panic!("redis-server did not start")
    };
    let url = format!("tcp://127.0.0.1:{port}");
    let out = common::sesslint_cmd(&[
        "migrate",
        "--password-env",
        "REDIS_PASSWORD",
        "--redis",
        &url,
        "--apply",
        "--copy-sessions",
        "tree",
    ])
    .current_dir(tmp.path())
    .env("REDIS_PASSWORD", PASSWORD)
    .output()
    .expect("run sesslint migrate");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "migrate: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("the CLI and other SAPIs get none; 1 of 4 belong to no one pool's user"), "{stdout}");
    let database = |who: &str| -> String {
        let line = stdout.lines().find(|l| l.starts_with(&format!("  {who} "))).expect("a change line");
        line.split("database ").nth(1).and_then(|r| r.split([',', ' ']).next()).expect("database").to_owned()
    };
    let sock = tmp.path().join("s.sock");
    let keys = |db: &str| -> Vec<String> {
        let replies =
            pipeline(&sock, &[&[b"AUTH", PASSWORD.as_bytes()], &[b"SELECT", db.as_bytes()], &[b"KEYS", b"*"]])
                .expect("talk to redis");
        let Resp::Array(items) = &replies[2] else { panic!("KEYS: {replies:?}") };
        let mut names: Vec<String> = items
            .iter()
            .map(|k| match k {
                Resp::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
                other => panic!("{other:?}"),
            })
            .collect();
        names.sort();
        names
    };
    assert_eq!(keys(&database("pool shop")), ["PHPREDIS_SESSION:shopsession0001", "PHPREDIS_SESSION:shopsession0002"]);
    assert_eq!(keys(&database("pool www")), ["PHPREDIS_SESSION:wwwsession0003"]);
    assert!(keys(&database("php cli")).is_empty(), "the CLI got the pools' sessions");
}
