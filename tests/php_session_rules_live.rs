//! The PHP-side session rules against the real programs: for each mistake, real PHP 8.2 with
//! the real phpredis handler reads the very files sesslint checks (php.ini plus the scan
//! directory, as `php -c DIR` with `PHP_INI_SCAN_DIR`), talks to a real redis-server on
//! 127.0.0.1, and fails the way the rule says; and sesslint's rule fires on that tree.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::redis::{free_port, pipeline, start, Outcome, Resp};

const PASSWORD: &str = "live-pass";

/// php and redis-server with phpredis, or `None` (loudly) when they are missing.
fn oracles() -> Option<(PathBuf, PathBuf)> {
    let redis = common::oracle("redis-server")?;
    Some((common::php_with_phpredis("no rule is compared with phpredis")?, redis))
}

/// One mistake: the scan-dir files of an FPM tree (`{port}`, `{sock}` filled in), what PHP
/// prints when it starts a session with them, and the rule that must fire.
struct Case {
    name: &'static str,
    conf_d: &'static [(&'static str, &'static str)],
    /// PHP code run after the ini is loaded; `SESSION` starts and writes a session.
    script: &'static str,
    php_says: &'static str,
    code: &'static str,
}

const SESSION: &str = "ini_set('display_errors', '1'); error_reporting(E_ALL); \
     try { $ok = session_start(); $_SESSION['n'] = 1; $ok = session_write_close() && $ok; if ($ok) { echo 'SID=', session_id(), \"\\n\"; } } \
     catch (Throwable $e) { echo get_class($e), ': ', $e->getMessage(), \"\\n\"; }";
const EXT: (&str, &str) = ("20-igbinary.ini", "extension=igbinary.so\n");
const REDIS: (&str, &str) = ("20-redis.ini", "extension=redis.so\n");
const LOCKS: &str = "redis.session.locking_enabled = 1\nredis.session.lock_expire = 30\n\
     redis.session.lock_wait_time = 50000\nredis.session.lock_retries = 100\n";

const CASES: &[Case] = &[
    Case {
        name: "a handler no module registers (a typo)",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = rediss\nsession.save_path = \"tcp://127.0.0.1:{port}?auth=live-pass&timeout=2&read_timeout=2\"\n")],
        script: SESSION,
        php_says: "Cannot find session save handler \"rediss\"",
        code: "SL102",
    },
    Case {
        name: "Debian's redis.so loaded before igbinary",
        conf_d: &[("10-redis.ini", "extension=redis.so\n"), EXT, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:{port}?auth=live-pass&timeout=2&read_timeout=2\"\n")],
        script: SESSION,
        php_says: "undefined symbol: igbinary_serialize",
        code: "SL102",
    },
    Case {
        name: "redis:// is no stream transport",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"redis://127.0.0.1:{port}?auth=live-pass&timeout=2&read_timeout=2\"\n")],
        script: SESSION,
        php_says: "Redis not available",
        code: "SL103",
    },
    Case {
        name: "tcp:/// with an empty host",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"tcp://{sock}?auth=live-pass&timeout=2&read_timeout=2\"\n")],
        script: SESSION,
        php_says: "Failed to parse session.save_path",
        code: "SL103",
    },
    Case {
        name: "timeout=0",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:{port}?auth=live-pass&timeout=0&read_timeout=2\"\n")],
        script: SESSION,
        php_says: "Failed to initialize storage module: redis",
        code: "SL103",
    },
    Case {
        name: "the files handler's directory left as a redis save_path",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"/var/lib/php/sessions\"\n")],
        script: SESSION,
        php_says: "Failed to read session data: redis (path: /var/lib/php/sessions)",
        code: "SL103",
    },
    Case {
        name: "the files handler with a Redis URL",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = files\nsession.save_path = \"tcp://127.0.0.1:{port}?timeout=2\"\n")],
        script: SESSION,
        php_says: "Failed to read session data: files (path: tcp://",
        code: "SL103",
    },
    Case {
        name: "a cluster seed without a port",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = rediscluster\nsession.save_path = \"seed[]=127.0.0.1&auth=live-pass&timeout=2&read_timeout=2\"\n")],
        script: SESSION,
        php_says: "not in host:port format",
        code: "SL103",
    },
    Case {
        name: "a blank inside the password splits the host list",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:{port}?timeout=2&read_timeout=2&auth=live pass\"\n")],
        script: SESSION,
        php_says: "Failed to read session data: redis",
        code: "SL103",
    },
    Case {
        name: "an empty auth=",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:{port}?auth=&timeout=2&read_timeout=2\"\n")],
        script: SESSION,
        php_says: "Redis not available",
        code: "SL103",
    },
    Case {
        name: "password= is ignored",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:{port}?password=live-pass&timeout=2&read_timeout=2\"\n")],
        script: SESSION,
        php_says: "NOAUTH Authentication required",
        code: "SL104",
    },
    Case {
        name: "a password in the URL's user-info is ignored",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"tcp://:live-pass@127.0.0.1:{port}?timeout=2&read_timeout=2\"\n")],
        script: SESSION,
        php_says: "NOAUTH Authentication required",
        code: "SL104",
    },
    Case {
        name: "an unquoted ~ is an operator",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = files\nsession.save_path = ~/sessions\n")],
        script: "echo 'PATH=', ini_get('session.save_path'), \"\\n\";",
        php_says: "PATH=-1\n",
        code: "SL105",
    },
    Case {
        name: "an unquoted ; starts a comment",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = files\nsession.save_path = 2;/var/lib/php/sessions\n")],
        script: "echo 'PATH=', ini_get('session.save_path'), \"\\n\";",
        php_says: "PATH=2\n",
        code: "SL105",
    },
    Case {
        name: "a later conf.d file resets the handler to files",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:{port}?auth=live-pass&timeout=2&read_timeout=2\"\n"), ("99-local.ini", "session.save_handler = files\n")],
        script: SESSION,
        php_says: "Failed to read session data: files (path: tcp://",
        code: "SL106",
    },
    Case {
        name: "no auth against a server that wants one",
        conf_d: &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:{port}?timeout=2&read_timeout=2\"\n")],
        script: SESSION,
        php_says: "NOAUTH Authentication required",
        code: "SL109",
    },
];

struct Live {
    _server: common::redis::Server,
    port: u16,
    sock: PathBuf,
    tmp: tempfile::TempDir,
}

fn redis_with_password(redis: &Path) -> Live {
    let tmp = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let conf = tmp.path().join("redis.conf");
    std::fs::write(&conf, format!("bind 127.0.0.1\nrequirepass {PASSWORD}\nsave \"\"\nappendonly no\n"))
        .expect("write");
    let Outcome::Running(server) = start(redis, &conf, tmp.path(), tmp.path(), &["--port", &port.to_string()]) else {
        panic!("redis-server did not start")
    };
    let sock = tmp.path().join("s.sock");
    Live { _server: server, port, sock, tmp }
}

/// Write `case`'s FPM tree below `dir` (php.ini with safe session defaults, its conf.d).
fn write_tree(dir: &Path, live: &Live, conf_d: &[(&str, &str)]) -> PathBuf {
    let fpm = dir.join("etc/php/8.2/fpm");
    std::fs::create_dir_all(fpm.join("conf.d")).expect("mkdir");
    std::fs::write(
        fpm.join("php.ini"),
        "[PHP]\nmax_execution_time = 30\nsession.use_strict_mode = 1\nsession.cookie_httponly = 1\n",
    )
    .expect("write php.ini");
    for (name, text) in conf_d {
        let text = text.replace("{port}", &live.port.to_string()).replace("{sock}", &live.sock.display().to_string());
        std::fs::write(fpm.join("conf.d").join(name), text).expect("write conf.d file");
    }
    fpm
}

/// PHP reading the tree as the FPM SAPI would: that php.ini, that scan directory.
fn run_php(php: &Path, fpm: &Path, script: &str) -> String {
    let out = Command::new(php)
        .arg("-c")
        .arg(fpm)
        .env("PHP_INI_SCAN_DIR", fpm.join("conf.d"))
        .args(["-d", "display_startup_errors=1", "-r", script])
        .output()
        .expect("run php");
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn findings(tree: &Path) -> Vec<sesslint::diagnostic::Diagnostic> {
    let model = sesslint::model::build(&[tree.to_path_buf()], &Default::default());
    sesslint::rules::check(&model)
}

#[test]
fn each_rule_predicts_what_php_and_phpredis_really_do() {
    let Some((php, redis)) = oracles() else { return };
    let live = redis_with_password(&redis);
    for (i, case) in CASES.iter().enumerate() {
        let tree = live.tmp.path().join(format!("tree-{i}"));
        let fpm = write_tree(&tree, &live, case.conf_d);
        let said = run_php(&php, &fpm, case.script);
        assert!(
            said.contains(case.php_says),
            "{}: PHP was expected to say {:?}, said:\n{said}",
            case.name,
            case.php_says
        );
        assert!(!said.contains("SID="), "{}: the session was stored after all:\n{said}", case.name);
        let found = findings(&tree);
        assert!(
            found.iter().any(|d| d.code == case.code),
            "{}: {} does not fire; sesslint says {:?}",
            case.name,
            case.code,
            found.iter().map(|d| format!("{}: {}", d.code, d.message)).collect::<Vec<_>>()
        );
    }
}

/// The control: the same tree done right stores the session, and none of the rules that
/// predict a failure fires on it.
#[test]
fn the_tree_done_right_stores_the_session_and_is_clean() {
    let Some((php, redis)) = oracles() else { return };
    let live = redis_with_password(&redis);
    let tree = live.tmp.path().join("tree");
    let sessions = format!(
        "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:{{port}}?auth={PASSWORD}&database=2&timeout=2&read_timeout=2\"\n{LOCKS}"
    );
    let fpm = write_tree(&tree, &live, &[EXT, REDIS, ("30-sessions.ini", Box::leak(sessions.into_boxed_str()))]);
    let said = run_php(&php, &fpm, SESSION);
    assert!(said.contains("SID="), "PHP did not store the session:\n{said}");
    let failing: Vec<String> = findings(&tree)
        .iter()
        .filter(|d| ["SL102", "SL103", "SL104", "SL105", "SL106", "SL107", "SL108", "SL109"].contains(&d.code.as_str()))
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(failing.is_empty(), "{failing:?}");
}

/// phpredis ignores an unknown parameter silently: `databse=3` stores the session in
/// database 0, with no warning; SL104 says so.
#[test]
fn a_misspelled_database_stores_the_session_in_database_0() {
    let Some((php, redis)) = oracles() else { return };
    let live = redis_with_password(&redis);
    let tree = live.tmp.path().join("tree");
    let fpm = write_tree(
        &tree,
        &live,
        &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:{port}?auth=live-pass&databse=3&timeout=2&read_timeout=2\"\n")],
    );
    let said = run_php(&php, &fpm, SESSION);
    let sid = said.lines().find_map(|l| l.strip_prefix("SID=")).unwrap_or_else(|| panic!("no session:\n{said}"));
    assert!(!said.contains("Warning"), "phpredis warned after all:\n{said}");
    let key = format!("PHPREDIS_SESSION:{sid}");
    let replies = pipeline(
        &live.sock,
        &[
            &[b"AUTH", PASSWORD.as_bytes()],
            &[b"SELECT", b"0"],
            &[b"EXISTS", key.as_bytes()],
            &[b"SELECT", b"3"],
            &[b"EXISTS", key.as_bytes()],
        ],
    )
    .expect("talk to redis");
    assert!(matches!(replies[2], Resp::Int(1)), "not in database 0: {replies:?}");
    assert!(matches!(replies[4], Resp::Int(0)), "in database 3 after all: {replies:?}");
    let found = findings(&tree);
    assert!(found.iter().any(|d| d.code == "SL104" && d.message.contains("databse")), "{found:?}");
}

/// With locking on and phpredis 5.3.7's default wait (10 x 2 ms), a request that finds the
/// session locked gives up at once and its session is not saved; SL107 says so.
#[test]
fn the_default_lock_wait_gives_up_and_drops_the_write() {
    let Some((php, redis)) = oracles() else { return };
    let live = redis_with_password(&redis);
    let tree = live.tmp.path().join("tree");
    let fpm = write_tree(
        &tree,
        &live,
        &[EXT, REDIS, ("30-sessions.ini", "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:{port}?auth=live-pass&timeout=2&read_timeout=2\"\nredis.session.locking_enabled = 1\nredis.session.lock_expire = 30\n")],
    );
    // Another request holds the lock of this session.
    let lock = b"PHPREDIS_SESSION:livelocked_LOCK";
    pipeline(&live.sock, &[&[b"AUTH", PASSWORD.as_bytes()], &[b"SET", lock, b"other-request"]]).expect("set the lock");
    let started = std::time::Instant::now();
    let said = run_php(
        &php,
        &fpm,
        // Strict mode off for this request only: it would refuse the chosen id.
        "ini_set('display_errors', '1'); ini_set('session.use_strict_mode', '0'); session_id('livelocked'); \
         session_start(); $_SESSION['n'] = 1; session_write_close();",
    );
    assert!(said.contains("Acquire of session lock was not successful"), "{said}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "it waited: {:?}", started.elapsed());
    let replies =
        pipeline(&live.sock, &[&[b"AUTH", PASSWORD.as_bytes()], &[b"EXISTS", b"PHPREDIS_SESSION:livelocked"]])
            .expect("talk to redis");
    assert!(matches!(replies[1], Resp::Int(0)), "the session was written: {replies:?}");
    let found = findings(&tree);
    assert!(found.iter().any(|d| d.code == "SL107" && d.message.contains("20 ms")), "{found:?}");
}
