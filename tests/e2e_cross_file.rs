//! End to end for the cross-file rules (SL401, SL402, SL403, SL406) and SL209: a real redis-server
//! 7.0 runs the tree's own redis.conf on 127.0.0.1, real php 8.2 with phpredis 5.3.7 loads
//! the tree's own php.ini, and what they do is what the rule predicts: the session fails
//! (with the server's own reply pinned) exactly when the rule fires, and works when it does
//! not. SL404 (plaintext to another host) has no live test: only 127.0.0.1 may be used.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::redis::{command, free_port, pipeline, start, Outcome, Resp, Server};
use sesslint::diagnostic::Diagnostic;

/// A password long enough that SL204 stays quiet.
const GOOD: &str = "e2e-server-password-0123456789abcdef";

/// php with phpredis, and redis-server; `None` (loudly) when missing.
fn oracles() -> Option<(PathBuf, PathBuf)> {
    let php = common::php_with_phpredis("no session is written to Redis")?;
    Some((php, common::oracle("redis-server")?))
}

fn write(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, body).expect("write");
}

/// A tree with `etc/redis/redis.conf` = `conf` (plus `port`), run by a real redis-server on
/// 127.0.0.1:`port` (and a test socket `tmp/s.sock` the tree does not mention).
struct Tree {
    tmp: tempfile::TempDir,
    port: u16,
    _server: Server,
}

impl Tree {
    fn new(redis: &Path, conf: &str) -> Tree {
        let tmp = tempfile::tempdir().expect("tmp");
        let port = free_port();
        let file = tmp.path().join("tree/etc/redis/redis.conf");
        write(&file, &format!("bind 127.0.0.1\nport {port}\nsave \"\"\nappendonly yes\nappendfsync no\n{conf}"));
        let server = match start(redis, &file, tmp.path(), tmp.path(), &["--port", &port.to_string()]) {
            Outcome::Running(s) => s,
            Outcome::Refused(log) => panic!("redis-server did not start: {log}"),
        };
        Tree { tmp, port, _server: server }
    }

    fn root(&self) -> PathBuf {
        self.tmp.path().join("tree")
    }

    fn sock(&self) -> PathBuf {
        self.tmp.path().join("s.sock")
    }

    /// Write a php.ini for `sapi` (its own path in the tree) with the redis handler.
    fn php_ini(&self, sapi: &str, save_path: &str) -> PathBuf {
        let ini = self.root().join(format!("etc/php/8.2/{sapi}/php.ini"));
        let save_path = save_path.replace("{port}", &self.port.to_string());
        write(
            &ini,
            &format!("extension=igbinary\nextension=redis\nsession.save_handler = redis\nsession.save_path = \"{save_path}\"\n"),
        );
        ini
    }

    fn check(&self) -> Vec<Diagnostic> {
        let model = sesslint::model::build(&[self.root()], &Default::default());
        sesslint::rules::check(&model)
    }
}

/// Run a session with this php.ini: write `n = 42` (into session `sid` if given).
fn php_session(php: &Path, ini: &Path, sid: Option<&str>) -> Output {
    let code = format!(
        "{} $ok = session_start(); echo $ok ? 'STARTED ' : 'FAILED '; echo 'N=', $_SESSION['n'] ?? 'none', ' '; $_SESSION['n'] = 42; echo 'SID=', session_id(), ' '; echo session_write_close() ? 'WRITTEN' : 'NOTWRITTEN';",
        sid.map(|s| format!("session_id('{s}');")).unwrap_or_default()
    );
    Command::new(php).args(["-n", "-c"]).arg(ini).args(["-r", &code]).output().expect("run php")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn fired<'a>(ds: &'a [Diagnostic], code: &str) -> Vec<&'a Diagnostic> {
    ds.iter().filter(|d| d.code == code).collect()
}

/// The server's own answer to `AUTH <password>` (over the test socket).
fn auth_reply(tree: &Tree, password: &str) -> String {
    match command(&tree.sock(), None, &[b"AUTH", password.as_bytes()]).expect("AUTH") {
        Resp::Error(e) => e,
        Resp::Simple(s) => s,
        other => format!("{other:?}"),
    }
}

#[test]
fn sl401_a_wrong_password_fails_the_session_and_is_found_without_printing_it() {
    let Some((php, redis)) = oracles() else { return };
    let tree = Tree::new(&redis, &format!("requirepass {GOOD}\n"));
    let wrong = "e2e-old-password-0123456789abcdef-x";
    let ini = tree.php_ini("fpm", &format!("tcp://127.0.0.1:{{port}}?auth={wrong}"));
    let out = php_session(&php, &ini, None);
    assert!(text(&out).contains("FAILED"), "phpredis should fail with a wrong password:\n{}", text(&out));
    assert!(auth_reply(&tree, wrong).starts_with("WRONGPASS"), "{}", auth_reply(&tree, wrong));
    let ds = tree.check();
    let found = fired(&ds, "SL401");
    assert_eq!(found.len(), 1, "{ds:#?}");
    assert!(found[0].message.contains("WRONGPASS"), "{}", found[0].message);
    assert!(!format!("{ds:?}").contains(wrong) && !format!("{ds:?}").contains(GOOD), "a password in a finding");

    // The right password: the session works and SL401 is silent.
    let ini = tree.php_ini("fpm", &format!("tcp://127.0.0.1:{{port}}?auth={GOOD}"));
    let out = php_session(&php, &ini, None);
    assert!(text(&out).contains("STARTED") && text(&out).contains("WRITTEN"), "{}", text(&out));
    assert!(fired(&tree.check(), "SL401").is_empty());
}

#[test]
fn sl401_a_password_sent_to_a_server_without_one_fails_the_session() {
    let Some((php, redis)) = oracles() else { return };
    let tree = Tree::new(&redis, "");
    let ini = tree.php_ini("fpm", &format!("tcp://127.0.0.1:{{port}}?auth={GOOD}"));
    let out = php_session(&php, &ini, None);
    assert!(text(&out).contains("FAILED"), "phpredis should fail:\n{}", text(&out));
    let reply = auth_reply(&tree, GOOD);
    assert!(reply.starts_with("ERR AUTH <password> called without any password configured"), "{reply}");
    let ds = tree.check();
    let found = fired(&ds, "SL401");
    assert_eq!(found.len(), 1, "{ds:#?}");
    assert!(found[0].message.contains("called without any password configured"), "{}", found[0].message);

    // Without auth= it works (SL201 speaks of the open server; SL401 has nothing to say).
    let ini = tree.php_ini("fpm", "tcp://127.0.0.1:{port}");
    assert!(text(&php_session(&php, &ini, None)).contains("STARTED"));
    assert!(fired(&tree.check(), "SL401").is_empty());
}

#[test]
fn sl401_no_password_where_one_is_required_fails_with_noauth() {
    let Some((php, redis)) = oracles() else { return };
    let tree = Tree::new(&redis, &format!("requirepass {GOOD}\n"));
    let ini = tree.php_ini("fpm", "tcp://127.0.0.1:{port}?database=1");
    let out = php_session(&php, &ini, None);
    assert!(!text(&out).contains("WRITTEN") && text(&out).contains("NOAUTH"), "{}", text(&out));
    let ds = tree.check();
    let found = fired(&ds, "SL401");
    assert_eq!(found.len(), 1, "{ds:#?}");
    assert!(found[0].message.contains("NOAUTH"), "{}", found[0].message);
}

#[test]
fn sl401_plus_in_a_save_path_is_a_space_for_phpredis_and_for_sesslint() {
    let Some((php, redis)) = oracles() else { return };
    // The server's password has a space; `+` in the URL decodes to it.
    let tree = Tree::new(&redis, "requirepass \"e2e password with spaces 0123456789\"\n");
    let ini = tree.php_ini("fpm", "tcp://127.0.0.1:{port}?auth=e2e+password+with+spaces+0123456789");
    assert!(text(&php_session(&php, &ini, None)).contains("WRITTEN"), "`+` should decode to a space");
    assert!(fired(&tree.check(), "SL401").is_empty());
    // A server whose password has a literal `+`: the same save path now fails, and `%2B` works.
    let tree = Tree::new(&redis, "requirepass \"e2e+password+with+plus+0123456789\"\n");
    let ini = tree.php_ini("fpm", "tcp://127.0.0.1:{port}?auth=e2e+password+with+plus+0123456789");
    assert!(text(&php_session(&php, &ini, None)).contains("FAILED"));
    assert_eq!(fired(&tree.check(), "SL401").len(), 1);
    let ini = tree.php_ini("fpm", "tcp://127.0.0.1:{port}?auth=e2e%2Bpassword%2Bwith%2Bplus%2B0123456789");
    assert!(text(&php_session(&php, &ini, None)).contains("WRITTEN"));
    assert!(fired(&tree.check(), "SL401").is_empty());
}

#[test]
fn sl401_acl_user_forms() {
    let Some((php, redis)) = oracles() else { return };
    let tree = Tree::new(&redis, &format!("user default off\nuser sessions on >{GOOD} ~* +@all\n"));
    let ini = tree.php_ini("fpm", &format!("tcp://127.0.0.1:{{port}}?auth[user]=sessions&auth[pass]={GOOD}"));
    assert!(text(&php_session(&php, &ini, None)).contains("WRITTEN"));
    assert!(fired(&tree.check(), "SL401").is_empty());
    let ini = tree.php_ini("fpm", &format!("tcp://127.0.0.1:{{port}}?auth[]=sesions&auth[]={GOOD}"));
    assert!(text(&php_session(&php, &ini, None)).contains("FAILED"));
    let ds = tree.check();
    assert!(fired(&ds, "SL401").iter().any(|d| d.message.contains("does not exist")), "{ds:#?}");
}

#[test]
fn sl209_a_database_out_of_range_lands_in_database_0() {
    let Some((php, redis)) = oracles() else { return };
    let tree = Tree::new(&redis, &format!("requirepass {GOOD}\ndatabases 4\n"));
    let ini = tree.php_ini("fpm", &format!("tcp://127.0.0.1:{{port}}?auth={GOOD}&database=6"));
    let out = php_session(&php, &ini, None);
    let t = text(&out);
    assert!(t.contains("STARTED") && t.contains("WRITTEN"), "phpredis 5.3.7 ignores the failed SELECT:\n{t}");
    let sid = t.split("SID=").nth(1).and_then(|r| r.split_whitespace().next()).expect("session id").to_owned();
    let key = format!("PHPREDIS_SESSION:{sid}");
    let replies = pipeline(
        &tree.sock(),
        &[&[b"AUTH", GOOD.as_bytes()], &[b"SELECT", b"6"], &[b"SELECT", b"0"], &[b"EXISTS", key.as_bytes()]],
    )
    .expect("talk to redis");
    assert!(matches!(&replies[1], Resp::Error(e) if e.contains("out of range")), "{:?}", replies[1]);
    assert!(matches!(replies[3], Resp::Int(1)), "the session is in database 0: {:?}", replies[3]);
    let ds = tree.check();
    assert_eq!(fired(&ds, "SL209").len(), 1, "{ds:#?}");
    // Database 3 exists: no finding.
    tree.php_ini("fpm", &format!("tcp://127.0.0.1:{{port}}?auth={GOOD}&database=3"));
    assert!(fired(&tree.check(), "SL209").is_empty());
}

#[test]
fn sl402_a_port_no_server_of_the_tree_listens_on_fails_the_session() {
    let Some((php, redis)) = oracles() else { return };
    let tree = Tree::new(&redis, &format!("requirepass {GOOD}\n"));
    let closed = free_port();
    assert!(std::net::TcpStream::connect(("127.0.0.1", closed)).is_err(), "port {closed} should be closed");
    let ini = tree.php_ini("fpm", &format!("tcp://127.0.0.1:{closed}?auth={GOOD}&timeout=2"));
    let out = php_session(&php, &ini, None);
    let t = text(&out);
    assert!(t.contains("FAILED") && t.contains("Redis not available"), "{t}");
    let ds = tree.check();
    let found = fired(&ds, "SL402");
    assert_eq!(found.len(), 1, "{ds:#?}");
    assert!(found[0].message.contains(&format!("listens on port {}, not {closed}", tree.port)), "{}", found[0].message);
    // The server's own port: works, no finding.
    let ini = tree.php_ini("fpm", &format!("tcp://127.0.0.1:{{port}}?auth={GOOD}&timeout=2"));
    assert!(text(&php_session(&php, &ini, None)).contains("WRITTEN"));
    assert!(fired(&tree.check(), "SL402").is_empty());
}

#[test]
fn sl403_two_apps_with_one_database_and_prefix_read_each_others_sessions() {
    let Some((php, redis)) = oracles() else { return };
    let tree = Tree::new(&redis, &format!("requirepass {GOOD}\n"));
    let shop = tree.php_ini("fpm", &format!("tcp://127.0.0.1:{{port}}?auth={GOOD}&database=2"));
    let blog = tree.php_ini("apache2", &format!("tcp://localhost:{{port}}?auth={GOOD}&database=2"));
    let t = text(&php_session(&php, &shop, None));
    let sid = t.split("SID=").nth(1).and_then(|r| r.split_whitespace().next()).expect("session id").to_owned();
    // The other app, given the shop's session id, is handed the shop's session.
    let t = text(&php_session(&php, &blog, Some(&sid)));
    assert!(t.contains("N=42"), "the second app should read the first one's session:\n{t}");
    let ds = tree.check();
    assert_eq!(fired(&ds, "SL403").len(), 1, "{ds:#?}");
    assert!(fired(&ds, "SL303").is_empty(), "one fact, one finding (SL403's): {ds:#?}");

    // Its own prefix keeps them apart, and SL403 is silent.
    let blog = tree.php_ini("apache2", &format!("tcp://localhost:{{port}}?auth={GOOD}&database=2&prefix=blog:"));
    let t = text(&php_session(&php, &blog, Some(&sid)));
    assert!(t.contains("N=none"), "{t}");
    assert!(fired(&tree.check(), "SL403").is_empty());
}

/// A php.ini like [`Tree::php_ini`]'s with session locking on.
fn php_ini_locking(tree: &Tree, save_path: &str) -> PathBuf {
    let ini = tree.php_ini("fpm", save_path);
    let body = std::fs::read_to_string(&ini).expect("read php.ini");
    write(&ini, &format!("{body}redis.session.locking_enabled = 1\n"));
    ini
}

#[test]
fn sl406_an_acl_user_without_the_session_keys_or_commands_gets_noperm() {
    let Some((php, redis)) = oracles() else { return };
    let auth = format!("tcp://127.0.0.1:{{port}}?auth[]=sessions&auth[]={GOOD}");
    // (the user's rules, a save_path suffix, locking, what real phpredis says)
    let cases: [(&str, &str, bool, &str); 4] = [
        ("~app:* +@all", "", false, "NOPERM this user has no permissions to access one of the keys"),
        ("%R~PHPREDIS_SESSION:* +@all", "", false, "NOPERM this user has no permissions to access one of the keys"),
        (
            "~PHPREDIS_SESSION:* +@read +@write",
            "",
            true,
            "NOPERM this user has no permissions to run the 'evalsha' command",
        ),
        (
            "~PHPREDIS_SESSION:* +get +setex +expire +del +set +eval +evalsha",
            "&database=2",
            true,
            "NOPERM this user has no permissions to run the 'select' command",
        ),
    ];
    for (rules, extra, locking, noperm) in cases {
        let tree = Tree::new(&redis, &format!("user default off\nuser sessions on >{GOOD} {rules}\n"));
        let save_path = format!("{auth}{extra}");
        let ini = if locking { php_ini_locking(&tree, &save_path) } else { tree.php_ini("fpm", &save_path) };
        let t = text(&php_session(&php, &ini, None));
        assert!(t.contains("RedisException") && t.contains(noperm), "{rules}: real phpredis should get {noperm}:\n{t}");
        let ds = tree.check();
        assert_eq!(fired(&ds, "SL406").len(), 1, "{rules}: {ds:#?}");
        assert!(fired(&ds, "SL401").is_empty(), "{rules}: the login itself works: {ds:#?}");
    }
    // What the rule's help suggests: every request works, and SL406 is silent.
    let rules = "~PHPREDIS_SESSION:* +get +setex +expire +exists +del +select +set +eval +evalsha";
    let tree = Tree::new(&redis, &format!("user default off\nuser sessions on >{GOOD} {rules}\n"));
    let ini = php_ini_locking(&tree, &format!("{auth}&database=2"));
    let t = text(&php_session(&php, &ini, None));
    assert!(t.contains("STARTED") && t.contains("WRITTEN") && !t.contains("NOTWRITTEN"), "{t}");
    let sid = t.split("SID=").nth(1).and_then(|r| r.split_whitespace().next()).expect("session id").to_owned();
    let t = text(&php_session(&php, &ini, Some(&sid)));
    assert!(t.contains("N=42") && t.contains("WRITTEN"), "the session is read back: {t}");
    assert!(fired(&tree.check(), "SL406").is_empty(), "{:#?}", tree.check());
}
