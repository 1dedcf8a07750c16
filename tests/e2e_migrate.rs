//! End to end: `sesslint migrate` on real distribution trees (fixtures/corpus, see its
//! SOURCES.md), then the real programs read the result: php stores its sessions in a real
//! redis-server on 127.0.0.1, `php -l` and `include` read env.php, redis-server starts with
//! the hardened redis.conf and refuses unauthenticated clients.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::redis::{command, pipeline, start, Outcome, Resp};
use sesslint::syntax::redis_conf::encode::argument;

/// A password with a character of every kind the three encoders must escape.
const PASSWORD: &str = "e2e p@ss$w0rd:&x=1;\"q'\\";

/// Copy `src` to `dst` (files writable by us, as an admin's /etc is to root). Symlinks stay
/// symlinks; so does a file that holds only a relative path to a file next to it, which is
/// how the corpus keeps Debian's `conf.d/20-redis.ini -> ../../mods-available/redis.ini`.
fn copy_tree(src: &Path, dst: &Path) {
    for entry in walkdir::WalkDir::new(src).into_iter().filter_map(Result::ok) {
        let rel = entry.path().strip_prefix(src).expect("below src");
        let to = dst.join(rel);
        let link_text = std::fs::read_link(entry.path()).ok().or_else(|| {
            let t = std::fs::read_to_string(entry.path()).ok()?;
            (t.starts_with("../") && !t.contains('\n') && entry.path().parent()?.join(&t).is_file())
                .then(|| PathBuf::from(t))
        });
        if let Some(target) = link_text.filter(|_| !entry.file_type().is_dir()) {
            std::os::unix::fs::symlink(target, &to).expect("symlink");
        } else if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &to).expect("copy");
            let mut perm = std::fs::metadata(&to).expect("stat").permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o644);
            std::fs::set_permissions(&to, perm).expect("chmod");
        }
    }
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    common::files_below(dir).into_iter().map(|p| (p.clone(), std::fs::read(&p).expect("read"))).collect()
}

fn migrate(cwd: &Path, args: &[&str]) -> Output {
    common::sesslint_cmd(&[&["migrate", "--password-env", "REDIS_PASSWORD"], args].concat())
        .current_dir(cwd)
        .env("REDIS_PASSWORD", PASSWORD)
        .output()
        .expect("run sesslint migrate")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The codes of `sesslint check DIR --format json`.
fn codes(cwd: &Path, dir: &str) -> Vec<String> {
    let out = common::sesslint_cmd(&["check", dir, "--format", "json"]).current_dir(cwd).output().expect("check");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let mut found = Vec::new();
    let mut stack = vec![&json];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(c)) = m.get("code") {
                    found.push(c.clone());
                }
                stack.extend(m.values());
            }
            serde_json::Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    found
}

/// The seed tutorials' counter: one session, a number that goes up at every run.
const COUNTER: &str = "<?php
session_id('e2emigrate4d1f0c9a7b3e');
session_start();
$_SESSION['count'] = ($_SESSION['count'] ?? 0) + 1;
echo $_SESSION['count'];
session_write_close();
";

/// Run the counter `times` times under the php.ini `ini` and scan dir `scan`; the last output.
fn run_counter(php: &Path, ini: &Path, scan: &Path, script: &Path, extra: &[&str], times: usize) -> String {
    let mut last = String::new();
    for _ in 0..times {
        let out = Command::new(php)
            .arg("-c")
            .arg(ini)
            .args(extra)
            .arg(script)
            .env("PHP_INI_SCAN_DIR", scan)
            .output()
            .expect("run php");
        assert!(out.status.success(), "php failed: {}{}", text(&out.stdout), text(&out.stderr));
        assert!(!text(&out.stdout).contains("Warning"), "php warned: {}", text(&out.stdout));
        last = text(&out.stdout);
    }
    last
}

fn redis_conf(tmp: &Path, port: u16) -> PathBuf {
    let conf = tmp.join("server.conf");
    std::fs::write(
        &conf,
        format!(
            "bind 127.0.0.1\nport {port}\nrequirepass {}\nsave \"\"\nappendonly no\n",
            argument(PASSWORD.as_bytes())
        ),
    )
    .expect("write server.conf");
    conf
}

#[test]
fn debian_tree_preview_writes_nothing_then_php_keeps_sessions_in_redis() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let Some(php) = common::php_with_phpredis("no session is written to Redis") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("tree");
    copy_tree(&common::fixtures().join("corpus/debian12-etc"), &tree.join("etc"));
    let cli = tree.join("etc/php/8.2/cli");
    let script = tmp.path().join("counter.php");
    std::fs::write(&script, COUNTER).expect("write script");

    // What the counter really leaves in a session after three runs, with the files handler.
    let files_dir = tmp.path().join("files-sessions");
    std::fs::create_dir(&files_dir).expect("mkdir");
    let sp = format!("session.save_path={}", files_dir.display());
    assert_eq!(run_counter(&php, &cli.join("php.ini"), &cli.join("conf.d"), &script, &["-d", &sp], 3), "3");
    let expected = std::fs::read(files_dir.join("sess_e2emigrate4d1f0c9a7b3e")).expect("files session");
    assert_eq!(expected, b"count|i:3;");

    let port = common::redis::free_port();
    let conf = redis_conf(tmp.path(), port);
    let Outcome::Running(_server) = start(&redis, &conf, tmp.path(), tmp.path(), &["--port", &port.to_string()]) else {
        panic!("redis-server did not start")
    };
    let url = format!("tcp://127.0.0.1:{port}");
    let args = ["--redis", url.as_str(), "--database", "3", "tree/etc"];

    let before = snapshot(&tree);
    let preview = migrate(tmp.path(), &args);
    assert!(preview.status.success(), "preview: {}", text(&preview.stderr));
    assert_eq!(snapshot(&tree), before, "the preview wrote a file");
    let shown = text(&preview.stdout);
    assert!(
        shown.contains("--- a/tree/etc/php/8.2/cli/php.ini") && shown.contains("+session.save_handler = redis"),
        "{shown}"
    );
    assert!(shown.contains("auth=********&database=3"), "{shown}");
    for secret in [PASSWORD, "p%40ss%24w0rd", "w0rd"] {
        assert!(!shown.contains(secret), "the preview shows the password: {shown}");
    }
    assert!(shown.contains("php8.2-fpm"), "no reload named: {shown}");
    // Debian's php.ini is 0644 and sesslint keeps a file's mode (php-fpm's master reads it
    // as root, the CLI as whoever runs it): the plan says the password becomes readable. It
    // cites no SL113: on a copy (its root is `tree`, not `/`) SL113 does not judge modes.
    assert!(
        shown.contains("Note: tree/etc/php/8.2/cli/php.ini gets the password and is readable by every local user (mode 0644): `chmod o-r` it"),
        "{shown}"
    );

    let applied = migrate(tmp.path(), &[&["--apply"], &args[..]].concat());
    assert!(applied.status.success(), "apply: {}{}", text(&applied.stdout), text(&applied.stderr));
    assert!(!text(&applied.stdout).contains("w0rd"), "{}", text(&applied.stdout));
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(cli.join("php.ini")).expect("stat").permissions());
    assert_eq!(mode & 0o777, 0o644, "the rewrite keeps the file's mode");

    // Real PHP with that SAPI's php.ini and scan dir, three runs, into the real server.
    assert_eq!(run_counter(&php, &cli.join("php.ini"), &cli.join("conf.d"), &script, &[], 3), "3");
    let sock = tmp.path().join("s.sock");
    let key = b"PHPREDIS_SESSION:e2emigrate4d1f0c9a7b3e".as_slice();
    let replies = pipeline(
        &sock,
        &[&[b"AUTH", PASSWORD.as_bytes()], &[b"SELECT", b"3"], &[b"GET", key], &[b"SELECT", b"0"], &[b"EXISTS", key]],
    )
    .expect("talk to redis");
    match &replies[2] {
        Resp::Bulk(Some(v)) => assert_eq!(v, &expected, "the Redis session differs from the files one"),
        other => panic!("no session in database 3: {other:?}"),
    }
    assert!(matches!(replies[4], Resp::Int(0)), "the session is also in database 0");

    // Idempotent: nothing left to do, no diff, no byte written.
    let after = snapshot(&tree);
    let again = migrate(tmp.path(), &args);
    assert!(again.status.success());
    assert!(
        text(&again.stdout).starts_with("Nothing to do") && !text(&again.stdout).contains("+++"),
        "{}",
        text(&again.stdout)
    );
    let again = migrate(tmp.path(), &[&["--apply"], &args[..]].concat());
    assert!(again.status.success());
    let mut now = snapshot(&tree);
    now.retain(|p, _| !p.to_string_lossy().contains(".sesslint-"));
    let mut after = after;
    after.retain(|p, _| !p.to_string_lossy().contains(".sesslint-"));
    assert_eq!(now, after, "a second --apply changed something");

    // What the migration was meant to cure is gone. (SL113, the readable password, is
    // checked only on a tree in place, where the modes are the deployed ones.)
    let left = codes(tmp.path(), "tree");
    for code in ["SL101", "SL102", "SL103", "SL105", "SL107", "SL108", "SL109", "SL303", "SL403"] {
        assert!(!left.contains(&code.to_string()), "{code} after the migration: {left:?}");
    }
}

#[test]
fn rhel_pool_line_that_forces_files_is_edited_in_place() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let Some(php) = common::php_with_phpredis("the RHEL php.ini is not run") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let etc = tmp.path().join("tree/etc");
    copy_tree(&common::fixtures().join("corpus/rhel9-etc"), &etc);
    let port = common::redis::free_port();
    let url = format!("tcp://127.0.0.1:{port}");
    let args = ["--redis", url.as_str(), "tree/etc"];

    // RHEL's php.d has no phpredis: sesslint installs nothing and says what is missing.
    let before = snapshot(&etc);
    let refused = migrate(tmp.path(), &[&["--apply"], &args[..]].concat());
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stdout));
    let why = text(&refused.stderr);
    assert!(why.contains("no `extension=redis`") && why.contains("php-pecl-redis5"), "{why}");
    assert_eq!(snapshot(&etc), before);

    // With the igbinary and redis ini files the Remi packages install (corpus remi-el7-etc).
    for f in ["40-igbinary.ini", "50-redis.ini"] {
        std::fs::copy(common::fixtures().join("corpus/remi-el7-etc/php.d").join(f), etc.join("php.d").join(f))
            .expect("copy");
    }
    let www = etc.join("php-fpm.d/www.conf");
    let old = std::fs::read_to_string(&www).expect("www.conf");
    let handler_line = old.lines().position(|l| l == "php_value[session.save_handler] = files").expect("RHEL's line");
    let applied = migrate(tmp.path(), &[&["--apply"], &args[..]].concat());
    assert!(applied.status.success(), "{}{}", text(&applied.stdout), text(&applied.stderr));
    let new = std::fs::read_to_string(&www).expect("www.conf");
    let lines: Vec<&str> = new.lines().collect();
    assert_eq!(lines[handler_line], "php_value[session.save_handler] = redis", "the pool line itself changes");
    assert!(
        lines[handler_line + 1].starts_with("php_value[session.save_path]    = \"tcp://127.0.0.1:"),
        "{}",
        lines[handler_line + 1]
    );
    assert_eq!(new.matches("php_value[session.save_handler]").count(), 1, "a second handler line was added");
    // Every line before the pool's session lines is as it was.
    assert_eq!(old.lines().take(handler_line).collect::<Vec<_>>(), lines[..handler_line].to_vec());

    // The model agrees: pool www now keeps sessions in Redis, on that port, with the password.
    let model = sesslint::model::build(&[tmp.path().join("tree")], &Default::default());
    let pool = model.endpoints.iter().find(|e| e.label.starts_with("pool www")).expect("pool www");
    assert_eq!(pool.handler.value, "redis");
    assert_eq!(pool.targets[0].port, port);
    assert!(pool.targets[0].auth.as_ref().is_some_and(|a| a.password));

    // And real PHP (RHEL's php.ini with its php.d) stores a session in a real server.
    let tmpdir = tmp.path();
    let conf = redis_conf(tmpdir, port);
    let Outcome::Running(_server) = start(&redis, &conf, tmpdir, tmpdir, &["--port", &port.to_string()]) else {
        panic!("redis-server did not start")
    };
    let script = tmpdir.join("counter.php");
    std::fs::write(&script, COUNTER).expect("write script");
    assert_eq!(run_counter(&php, &etc.join("php.ini"), &etc.join("php.d"), &script, &[], 1), "1");
    let db = model
        .endpoints
        .iter()
        .find(|e| e.label.starts_with("php, every SAPI but fpm"))
        .and_then(|e| e.targets.first())
        .and_then(|t| t.database)
        .expect("the CLI's database");
    let db = db.to_string();
    let replies = pipeline(
        &tmpdir.join("s.sock"),
        &[
            &[b"AUTH", PASSWORD.as_bytes()],
            &[b"SELECT", db.as_bytes()],
            &[b"GET", b"PHPREDIS_SESSION:e2emigrate4d1f0c9a7b3e"],
        ],
    )
    .expect("talk to redis");
    assert!(matches!(&replies[2], Resp::Bulk(Some(v)) if v == b"count|i:1;"), "{:?}", replies[2]);
}

/// Magento's 2.4 `PhpFormatter` (shared/facts magento-side 2.7, from magento/magento2's
/// `lib/internal/Magento/Framework/App/DeploymentConfig/Writer/PhpFormatter.php`): what
/// `bin/magento setup:config:set` would write for the same array.
const PHP_FORMATTER: &str = r#"
function varExportShort($var, int $depth = 0) {
    if (null === $var) { return 'null'; }
    elseif (!\is_array($var)) { return var_export($var, true); }
    $indexed = array_keys($var) === range(0, \count($var) - 1);
    $expanded = [];
    foreach ($var as $key => $value) {
        $expanded[] = str_repeat('    ', $depth)
            . ($indexed ? '' : varExportShort($key) . ' => ')
            . varExportShort($value, $depth + 1);
    }
    return sprintf("[\n%s\n%s]", implode(",\n", $expanded), str_repeat('    ', $depth - 1));
}
$data = include $argv[1];
echo "<?php\nreturn " . varExportShort($data, 1) . ";\n";
"#;

#[test]
fn magento_env_php_moves_to_redis_in_magentos_own_style() {
    let Some(php) = common::oracle("php") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("shop");
    copy_tree(&common::fixtures().join("corpus/magento-magento2-20-10"), &root);
    let env = root.join("app/etc/env.php");
    // The caches on the server the sessions move to (the original names a Docker host).
    let original = std::fs::read_to_string(&env).expect("env.php").replace("host.docker.internal", "127.0.0.1");
    std::fs::write(&env, &original).expect("write");
    let formatted = |file: &Path| {
        let out = Command::new(&php).args(["-n", "-r", PHP_FORMATTER, "--"]).arg(file).output().expect("php");
        assert!(out.status.success(), "{}", text(&out.stderr));
        out.stdout
    };
    assert_eq!(formatted(&env), original.as_bytes(), "the fixture is Magento-written");

    // A cache's database is refused; --user too (Magento cannot send a username).
    let taken = migrate(tmp.path(), &["--redis", "tcp://127.0.0.1:6406", "--database", "4", "shop"]);
    assert_eq!(taken.status.code(), Some(1));
    assert!(text(&taken.stderr).contains("cache"), "{}", text(&taken.stderr));
    let user = migrate(tmp.path(), &["--redis", "tcp://127.0.0.1:6406", "--user", "sessions", "shop"]);
    assert_eq!(user.status.code(), Some(1));
    assert!(text(&user.stderr).contains("cannot send a username"), "{}", text(&user.stderr));

    let applied = migrate(tmp.path(), &["--apply", "--redis", "tcp://127.0.0.1:6406", "shop"]);
    assert!(applied.status.success(), "{}{}", text(&applied.stdout), text(&applied.stderr));
    // env.php is read by the PHP worker's user, not as root: the note keeps it readable.
    assert!(text(&applied.stdout).contains("(Magento reads it as the PHP worker's user"), "{}", text(&applied.stdout));
    let lint = Command::new(&php).args(["-n", "-l"]).arg(&env).output().expect("php -l");
    assert!(lint.status.success(), "php -l: {}", text(&lint.stdout));
    let script = r#"$c = include $argv[1]; $s = $c['session'];
        echo $s['save'], "\n", $s['redis']['database'], "\n", $s['redis']['password'], "\n", $s['redis']['retries'], "\n";
        foreach ($c['cache']['frontend'] as $f) echo $f['backend_options']['database'] ?? '', "\n";"#;
    let out = Command::new(&php).args(["-n", "-r", script, "--"]).arg(&env).output().expect("include");
    let got = text(&out.stdout);
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines[0], "redis", "{got}");
    assert_eq!(lines[2], PASSWORD, "{got}");
    assert_eq!(lines[3], "2", "{got}");
    let caches: Vec<&str> = lines[4..].to_vec();
    assert_eq!(caches, ["4", "5"], "{got}");
    assert!(!caches.contains(&lines[1]), "sessions share a cache's database: {got}");
    // Magento would write the new file exactly as sesslint did.
    assert_eq!(text(&formatted(&env)), std::fs::read_to_string(&env).expect("env.php"), "not in Magento's style");

    let left = codes(tmp.path(), "shop");
    for code in ["SL301", "SL302", "SL303", "SL305"] {
        assert!(!left.contains(&code.to_string()), "{code} after the migration: {left:?}");
    }
    let again = migrate(tmp.path(), &["--redis", "tcp://127.0.0.1:6406", "shop"]);
    assert!(text(&again.stdout).starts_with("Nothing to do"), "{}", text(&again.stdout));
}

#[test]
fn hardened_redis_conf_starts_and_refuses_unauthenticated_clients() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let etc = tmp.path().join("tree/etc");
    copy_tree(&common::fixtures().join("corpus/debian12-etc/redis"), &etc.join("redis"));
    let conf = etc.join("redis/redis.conf");
    // Debian's file, opened up the way the seed tutorials find it.
    let open = std::fs::read_to_string(&conf)
        .expect("redis.conf")
        .replace("\nbind 127.0.0.1 -::1\n", "\nbind 0.0.0.0\n")
        .replace("\nprotected-mode yes\n", "\nprotected-mode no\n");
    assert!(open.contains("\nbind 0.0.0.0\n") && open.contains("\nprotected-mode no\n"));
    std::fs::write(&conf, &open).expect("write");
    let applied = migrate(tmp.path(), &["--apply", "--harden-redis", "--redis", "tcp://127.0.0.1:6379", "tree/etc"]);
    assert!(applied.status.success(), "{}{}", text(&applied.stdout), text(&applied.stderr));
    let hardened = std::fs::read_to_string(&conf).expect("redis.conf");
    assert!(hardened.contains("\nprotected-mode yes\n") && hardened.contains("\nbind 127.0.0.1 -::1\n"), "{hardened}");
    assert!(text(&applied.stdout).contains("redis-server"), "no restart named");
    // redis-server reads its config as the `redis` user, not as root: the note keeps it readable.
    assert!(
        text(&applied.stdout).contains("(redis-server reads it as the user its unit runs it as, `redis` on Debian and RHEL: keep it readable by that user"),
        "{}",
        text(&applied.stdout)
    );

    // redis-server starts with the result (paths the test cannot use are overridden).
    let port = common::redis::free_port();
    let run = tmp.path().join("run");
    std::fs::create_dir(&run).expect("mkdir");
    let Outcome::Running(_server) =
        start(&redis, &conf, &etc, &run, &["--port", &port.to_string(), "--logfile", "", "--supervised", "no"])
    else {
        panic!("redis-server refused the hardened redis.conf")
    };
    let sock = run.join("s.sock");
    assert!(
        matches!(command(&sock, None, &[b"PING"]), Ok(Resp::Error(e)) if e.starts_with("NOAUTH")),
        "an unauthenticated client was served"
    );
    assert!(matches!(command(&sock, Some(PASSWORD.as_bytes()), &[b"PING"]), Ok(Resp::Simple(p)) if p == "PONG"));
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    std::io::Write::write_all(&mut tcp, b"PING\r\n").expect("send");
    let mut reply = [0u8; 64];
    let n = std::io::Read::read(&mut tcp, &mut reply).expect("read");
    assert!(reply[..n].starts_with(b"-NOAUTH"), "{:?}", text(&reply[..n]));

    // A second run has nothing to do.
    let again = migrate(tmp.path(), &["--harden-redis", "--redis", "tcp://127.0.0.1:6379", "tree/etc"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(!text(&again.stdout).contains("+++"), "{}", text(&again.stdout));
}

#[test]
fn readme_shows_the_real_preview_of_the_demo_tree() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for d in ["etc", "var"] {
        copy_tree(&common::fixtures().join("demo").join(d), &tmp.path().join(d));
    }
    let out =
        common::sesslint_cmd(&["migrate", "--redis", "tcp://127.0.0.1:6379", "--password-env", "REDIS_PASSWORD", "."])
            .current_dir(tmp.path())
            .env("REDIS_PASSWORD", "demo-cache-password")
            .output()
            .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The tree's top names every file the demo's configs include: no note of one left out.
    assert!(!text(&out.stdout).contains("not read"), "{}", text(&out.stdout));
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README");
    let shown = format!(
        "$ sesslint migrate --redis tcp://127.0.0.1:6379 --password-env REDIS_PASSWORD .\n{}```",
        text(&out.stdout)
    );
    assert!(readme.contains(&shown), "README.md does not show the real preview:\n{shown}");
}

#[test]
fn acl_user_from_a_password_file_through_a_reviewed_plan() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let Some(php) = common::php_with_phpredis("no session is written as an ACL user") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let etc = tmp.path().join("tree/etc");
    let cli = etc.join("php/8.2/cli");
    std::fs::create_dir_all(&cli).expect("mkdir");
    std::fs::write(
        cli.join("php.ini"),
        "extension=igbinary\nextension=redis\n[Session]\nsession.save_handler = files\n",
    )
    .expect("write php.ini");
    let port = common::redis::free_port();
    std::fs::create_dir_all(etc.join("redis")).expect("mkdir");
    let conf = etc.join("redis/redis.conf");
    std::fs::write(&conf, format!("port {port}\nbind 127.0.0.1\n# requirepass foobared\nsave \"\"\nappendonly no\n"))
        .expect("write redis.conf");
    let secret_file = tmp.path().join("redis-password");
    std::fs::write(&secret_file, format!("{PASSWORD}\n")).expect("write");
    let plan = tmp.path().join("reviewed.plan");
    let url = format!("tcp://127.0.0.1:{port}");
    let args = ["--redis", url.as_str(), "--user", "sessions", "--harden-redis", "--password-file", "redis-password"];

    let before = snapshot(&etc);
    let out = common::sesslint_cmd(&[&["migrate"], &args[..], &["--write-plan", "reviewed.plan", "tree/etc"]].concat())
        .current_dir(tmp.path())
        .output()
        .expect("run");
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(snapshot(&etc), before, "--write-plan wrote a config file");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&plan).expect("plan").permissions());
    assert_eq!(mode & 0o777, 0o600, "the plan holds the password");
    assert!(!text(&out.stdout).contains("w0rd"));
    assert!(text(&out.stdout).contains("the default user still needs no password"), "{}", text(&out.stdout));

    let out = common::sesslint_cmd(&["migrate", "--apply-plan", "reviewed.plan", "tree/etc"])
        .current_dir(tmp.path())
        .output()
        .expect("run");
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let ini = std::fs::read_to_string(cli.join("php.ini")).expect("php.ini");
    assert!(ini.contains("auth[user]=sessions&auth[pass]="), "{ini}");

    // redis-server starts with the added ACL user, and real PHP logs in as it.
    let run = tmp.path().join("run");
    std::fs::create_dir(&run).expect("mkdir");
    let Outcome::Running(_server) = start(&redis, &conf, &etc, &run, &["--port", &port.to_string()]) else {
        panic!("redis-server refused the hardened redis.conf")
    };
    let script = tmp.path().join("counter.php");
    std::fs::write(&script, COUNTER).expect("write script");
    let scan = cli.join("conf.d");
    std::fs::create_dir_all(&scan).expect("mkdir");
    assert_eq!(run_counter(&php, &cli.join("php.ini"), &scan, &script, &[], 2), "2");
    let replies = pipeline(
        &run.join("s.sock"),
        &[&[b"AUTH", b"sessions", PASSWORD.as_bytes()], &[b"GET", b"PHPREDIS_SESSION:e2emigrate4d1f0c9a7b3e"]],
    )
    .expect("talk to redis");
    assert!(matches!(&replies[0], Resp::Simple(ok) if ok == "OK"), "{:?}", replies[0]);
    assert!(matches!(&replies[1], Resp::Bulk(Some(v)) if v == b"count|i:2;"), "{:?}", replies[1]);
    let left = codes(tmp.path(), "tree");
    for code in ["SL101", "SL107", "SL108", "SL109", "SL401", "SL406"] {
        assert!(!left.contains(&code.to_string()), "{code} after the migration: {left:?}");
    }
    // The default user is left open (other clients may use it), and the summary says so.
    assert!(left.contains(&"SL201".to_string()));
}

#[test]
fn a_sapi_without_phpredis_stops_the_migration_naming_the_command() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(&common::fixtures().join("corpus/debian12-etc"), &tmp.path().join("tree/etc"));
    // Debian's php8.2-redis links mods-available/redis.ini into each SAPI's conf.d; here the
    // CLI's link is gone (as after `phpdismod -s cli redis`).
    std::fs::remove_file(tmp.path().join("tree/etc/php/8.2/cli/conf.d/20-redis.ini")).expect("rm");
    let before = snapshot(&tmp.path().join("tree"));
    let out = migrate(tmp.path(), &["--apply", "--redis", "tcp://127.0.0.1:6390", "tree/etc"]);
    assert_eq!(out.status.code(), Some(1));
    let why = text(&out.stderr);
    assert!(why.contains("php cli") && why.contains("phpenmod -v 8.2 -s cli redis"), "{why}");
    assert_eq!(snapshot(&tmp.path().join("tree")), before, "something was written");
}

#[test]
fn a_setup_without_php_ini_gets_a_new_scan_dir_file_php_reads() {
    let Some(php) = common::php_with_phpredis("the new ini file is not read by PHP") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let etc = tmp.path().join("etc");
    copy_tree(&common::fixtures().join("corpus/remi-el7-etc"), &etc);
    let out = migrate(tmp.path(), &["--apply", "--redis", "tcp://127.0.0.1:6390", "etc"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let new = etc.join("php.d/99-sessions-redis.ini");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&new).expect("created").permissions());
    assert_eq!(mode & 0o777, 0o640, "a new file holding the password");
    let got = Command::new(&php)
        .args(["-c", "/nonexistent", "-r", "echo ini_get('session.save_handler'), ' ', ini_get('session.save_path');"])
        .env("PHP_INI_SCAN_DIR", etc.join("php.d"))
        .output()
        .expect("php");
    let expected =
        "redis tcp://127.0.0.1:6390?auth=e2e%20p%40ss%24w0rd:%26x%3D1%3B%22q%27%5C&database=0&timeout=2&read_timeout=2";
    assert_eq!(text(&got.stdout), expected, "{}", text(&got.stderr));
}

/// A php.ini that ends in a `[HOST=...]` section, without a final line end: the new lines go
/// before that section, where PHP reads them for every request (the real php says so), and
/// a second run has nothing to do.
#[test]
fn php_ini_ending_in_a_host_section_gets_its_lines_where_php_reads_them_globally() {
    let Some(php) = common::php_with_phpredis("where PHP reads the new lines cannot be checked") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let cli = tmp.path().join("etc/php/8.2/cli");
    std::fs::create_dir_all(cli.join("conf.d")).expect("mkdir");
    let ini = cli.join("php.ini");
    std::fs::write(
        &ini,
        "[PHP]\nengine = On\n[Session]\nsession.name = X\n[HOST=dev.example.com]\nsession.gc_maxlifetime = 5",
    )
    .expect("write");
    std::fs::write(cli.join("conf.d/20-igbinary.ini"), "extension=igbinary\n").expect("write");
    std::fs::write(cli.join("conf.d/25-redis.ini"), "extension=redis\n").expect("write");
    let out = migrate(tmp.path(), &["--apply", "--redis", "tcp://127.0.0.1:6390", "etc"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let after = std::fs::read_to_string(&ini).expect("read");
    assert!(after.ends_with("[HOST=dev.example.com]\nsession.gc_maxlifetime = 5"), "{after}");
    let got = Command::new(&php)
        .arg("-c")
        .arg(&ini)
        .args(["-r", "echo ini_get('session.save_handler'), ' ', ini_get('session.gc_maxlifetime');"])
        .env("PHP_INI_SCAN_DIR", cli.join("conf.d"))
        .output()
        .expect("php");
    // The per-host value stays per host: the CLI has no host, so the default 1440.
    assert_eq!(text(&got.stdout), "redis 1440", "{}\n{after}", text(&got.stderr));
    let again = migrate(tmp.path(), &["--apply", "--redis", "tcp://127.0.0.1:6390", "etc"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(std::fs::read_to_string(&ini).expect("read"), after, "a second run changes nothing");
}

/// `--user` with a space: redis-server refuses such a `user` line and does not start (checked
/// here with the real server), so migrate refuses the name before writing anything.
#[test]
fn an_acl_user_name_redis_server_would_refuse_is_refused() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    // The real server: "Spaces not allowed in ACL usernames", exit non-zero.
    for name in ["a b", "a\tb"] {
        let conf = tmp.path().join("acl.conf");
        let sock = tmp.path().join("acl.sock");
        std::fs::write(
            &conf,
            format!("port 0\nunixsocket {}\nuser {} on >pw ~* +@all\n", sock.display(), argument(name.as_bytes())),
        )
        .expect("write");
        let mut child = Command::new(&redis)
            .arg(&conf)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while child.try_wait().expect("wait").is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("redis-server started with the user {name:?}");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("wait");
        assert!(!out.status.success(), "redis-server accepted the user {name:?}");
        assert!(text(&out.stdout).contains("Spaces not allowed in ACL usernames"), "{}", text(&out.stdout));
    }
    let etc = tmp.path().join("tree/etc");
    copy_tree(&common::fixtures().join("corpus/debian12-etc/redis"), &etc.join("redis"));
    let before = snapshot(&etc);
    for name in ["a b", "a\tb", ""] {
        let out = migrate(
            tmp.path(),
            &["--apply", "--harden-redis", "--user", name, "--redis", "tcp://127.0.0.1:6379", "tree/etc"],
        );
        assert_eq!(out.status.code(), Some(1), "{name:?}: {}{}", text(&out.stdout), text(&out.stderr));
        assert!(text(&out.stderr).contains("ACL user name"), "{}", text(&out.stderr));
        assert_eq!(snapshot(&etc), before, "nothing written");
    }
}

/// A CRLF redis.conf stays CRLF: the lines --harden-redis adds end in CRLF too, and the real
/// redis-server starts with the result and asks for the password.
#[test]
fn hardening_a_crlf_redis_conf_adds_crlf_lines() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let etc = tmp.path().join("tree/etc");
    copy_tree(&common::fixtures().join("corpus/debian12-etc/redis"), &etc.join("redis"));
    let conf = etc.join("redis/redis.conf");
    let lf = std::fs::read_to_string(&conf).expect("redis.conf");
    std::fs::write(&conf, lf.replace('\n', "\r\n")).expect("write");
    let applied = migrate(tmp.path(), &["--apply", "--harden-redis", "--redis", "tcp://127.0.0.1:6379", "tree/etc"]);
    assert!(applied.status.success(), "{}{}", text(&applied.stdout), text(&applied.stderr));
    let hardened = std::fs::read(&conf).expect("redis.conf");
    let bare = hardened.iter().enumerate().filter(|(i, b)| **b == b'\n' && (*i == 0 || hardened[i - 1] != b'\r'));
    assert_eq!(bare.count(), 0, "a bare LF line: {}", text(&hardened));
    assert!(text(&hardened).contains("\r\nrequirepass "), "{}", text(&hardened));
    let port = common::redis::free_port();
    let run = tmp.path().join("run");
    std::fs::create_dir(&run).expect("mkdir");
    let Outcome::Running(_server) =
        start(&redis, &conf, &etc, &run, &["--port", &port.to_string(), "--logfile", "", "--supervised", "no"])
    else {
        panic!("redis-server refused the hardened CRLF redis.conf")
    };
    assert!(matches!(command(&run.join("s.sock"), None, &[b"PING"]), Ok(Resp::Error(e)) if e.starts_with("NOAUTH")));
}

/// An env.php whose `session.redis` is an empty array: the block is filled in one insertion,
/// and the real PHP reads the result.
#[test]
fn magento_empty_redis_array_is_filled() {
    let Some(php) = common::oracle("php") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let env = tmp.path().join("shop/app/etc/env.php");
    std::fs::create_dir_all(env.parent().expect("dir")).expect("mkdir");
    std::fs::write(
        &env,
        "<?php\nreturn [\n    'session' => [\n        'save' => 'files',\n        'redis' => []\n    ]\n];\n",
    )
    .expect("write");
    let applied = migrate(tmp.path(), &["--apply", "--redis", "tcp://127.0.0.1:6406", "shop"]);
    assert!(applied.status.success(), "{}{}", text(&applied.stdout), text(&applied.stderr));
    let read = Command::new(&php)
        .args(["-n", "-r", "$c = include $argv[1]; echo $c['session']['save'], ' ', $c['session']['redis']['port'], ' ', $c['session']['redis']['password'];", "--"])
        .arg(&env)
        .output()
        .expect("php");
    assert_eq!(text(&read.stdout), format!("redis 6406 {PASSWORD}"), "{}", text(&read.stderr));
}

/// Start the real php-fpm on the tree's FPM php.ini (phpredis loaded with `-d`, no scan
/// dir of this machine) with `fpm_conf`, and wait for `socks`.
fn start_fpm(fpm: &Path, ini: &Path, fpm_conf: &Path, socks: &[PathBuf]) -> common::fpm::Fpm {
    let mut cmd = Command::new(fpm);
    cmd.arg("-c")
        .arg(ini)
        .args(["-d", "extension=igbinary", "-d", "extension=redis", "-F", "-y"])
        .arg(fpm_conf)
        .env("PHP_INI_SCAN_DIR", "");
    let paths: Vec<&Path> = socks.iter().map(PathBuf::as_path).collect();
    let fpm = common::fpm::start(cmd, &paths);
    let log = fpm_conf.parent().map(|d| d.join("fpm.log")).and_then(|l| std::fs::read_to_string(l).ok());
    assert!(socks.iter().all(|s| s.exists()), "php-fpm did not open its sockets: {}", log.unwrap_or_default());
    fpm
}

/// One request to a pool over FastCGI (cgi-fcgi): the script's output, headers cut off.
fn fcgi(cgi_fcgi: &Path, sock: &Path, script: &Path, query: &str) -> String {
    let out = Command::new(cgi_fcgi)
        .args(["-bind", "-connect"])
        .arg(sock)
        .env("SCRIPT_FILENAME", script)
        .env("REQUEST_METHOD", "GET")
        .env("QUERY_STRING", query)
        .output()
        .expect("run cgi-fcgi");
    let t = text(&out.stdout);
    t.split("\r\n\r\n").nth(1).unwrap_or(&t).trim().to_owned()
}

/// The demo's pools shop (`user = shop`) and www (`user = www-data`) both take their save
/// path from php-fpm's php.ini. After `migrate --apply`, the real php-fpm with phpredis
/// keeps their sessions apart: a session id written in shop is an empty session in www,
/// each lands in its own database; and with the line migrate gave www removed, the same id
/// in www reads shop's session, which is what SL403 then reports.
#[test]
fn pools_of_two_users_on_one_php_ini_line_keep_their_sessions_apart_in_real_php_fpm() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let (Some(fpm), Some(cgi_fcgi)) = (common::oracle("php-fpm8.2"), common::oracle("cgi-fcgi")) else { return };
    if common::php_with_phpredis("php-fpm cannot store sessions in Redis").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    for d in ["etc", "var"] {
        copy_tree(&common::fixtures().join("demo").join(d), &tmp.path().join(d));
    }
    let port = common::redis::free_port();
    let conf = redis_conf(tmp.path(), port);
    let Outcome::Running(_server) = start(&redis, &conf, tmp.path(), tmp.path(), &["--port", &port.to_string()]) else {
        panic!("redis-server did not start")
    };
    let url = format!("tcp://127.0.0.1:{port}");
    let applied = migrate(tmp.path(), &["--redis", &url, "--apply", "."]);
    assert!(applied.status.success(), "apply: {}{}", text(&applied.stdout), text(&applied.stderr));
    let said = text(&applied.stdout);
    assert!(said.contains("Note: pools shop (user shop) and www (user www-data) read one session.save_path"), "{said}");
    assert!(!codes(tmp.path(), ".").contains(&"SL403".to_owned()), "SL403 after the migration");

    // Run the migrated pool files as they are, but on sockets of this test and as users
    // this machine has (the demo's `shop` may not exist): what is compared is where each
    // pool's sessions go, which the user lines do not change.
    let pool_d = tmp.path().join("etc/php/8.2/fpm/pool.d");
    let mut socks = Vec::new();
    for (pool, user) in [("shop", "nobody"), ("www", "www-data")] {
        let path = pool_d.join(format!("{pool}.conf"));
        let sock = tmp.path().join(format!("{pool}.sock"));
        let body = std::fs::read_to_string(&path).expect("pool file");
        let body: String = body
            .lines()
            .map(|l| match l.split('=').next().map(str::trim) {
                Some("listen") => format!("listen = {}", sock.display()),
                Some("user") => format!("user = {user}"),
                // No group line: FPM takes the user's own group.
                Some("group") | Some("listen.owner") | Some("listen.group") => String::new(),
                _ => l.to_owned(),
            })
            .map(|l| l + "\n")
            .collect();
        std::fs::write(tmp.path().join(format!("run-{pool}.conf")), body).expect("write pool copy");
        socks.push(sock);
    }
    let fpm_conf = tmp.path().join("php-fpm.conf");
    std::fs::write(
        &fpm_conf,
        format!(
            "[global]\npid = {0}/fpm.pid\nerror_log = {0}/fpm.log\ndaemonize = no\ninclude = {0}/run-*.conf\n",
            tmp.path().display()
        ),
    )
    .expect("write php-fpm.conf");
    let script = tmp.path().join("var/www/session.php");
    std::fs::write(
        &script,
        "<?php session_id('e2esharedid0123456789ab'); if (session_start() === false) { echo 'failed'; exit; }\nif (($_GET['who'] ?? '') !== '') { $_SESSION['who'] = $_GET['who']; }\necho $_SESSION['who'] ?? 'empty';\n",
    )
    .expect("write script");
    // php-fpm's workers are not root: they must read the tree.
    let _ = Command::new("chmod").arg("-R").arg("a+rX").arg(tmp.path()).status();
    let ini = tmp.path().join("etc/php/8.2/fpm/php.ini");
    {
        let _fpm = start_fpm(&fpm, &ini, &fpm_conf, &socks);
        assert_eq!(fcgi(&cgi_fcgi, &socks[0], &script, "who=shop"), "shop", "shop writes its session");
        assert_eq!(fcgi(&cgi_fcgi, &socks[1], &script, ""), "empty", "www sees shop's session");
        assert_eq!(fcgi(&cgi_fcgi, &socks[1], &script, "who=www"), "www");
        assert_eq!(fcgi(&cgi_fcgi, &socks[0], &script, ""), "shop", "www overwrote shop's session");
    }
    let sock = tmp.path().join("s.sock");
    let key = b"PHPREDIS_SESSION:e2esharedid0123456789ab".as_slice();
    let database = |pool: &str| {
        let line = said.lines().find(|l| l.starts_with(&format!("  pool {pool} "))).expect("the pool's change line");
        line.split("database ").nth(1).and_then(|r| r.split([',', ' ']).next()).expect("database").to_owned()
    };
    let (shop_db, www_db) = (database("shop"), database("www"));
    assert_ne!(shop_db, www_db, "{said}");
    let replies = pipeline(
        &sock,
        &[
            &[b"AUTH", PASSWORD.as_bytes()],
            &[b"SELECT", shop_db.as_bytes()],
            &[b"GET", key],
            &[b"SELECT", www_db.as_bytes()],
            &[b"GET", key],
        ],
    )
    .expect("talk to redis");
    assert!(matches!(&replies[2], Resp::Bulk(Some(v)) if v.as_slice() == b"who|s:4:\"shop\";"), "{replies:?}");
    assert!(matches!(&replies[4], Resp::Bulk(Some(v)) if v.as_slice() == b"who|s:3:\"www\";"), "{replies:?}");

    // Without www's own line both pools read php.ini's: one session for both, and SL403.
    let www = pool_d.join("www.conf");
    let body = std::fs::read_to_string(&www).expect("www.conf");
    let without: String =
        body.lines().filter(|l| !l.starts_with("php_value[session.save_path]")).map(|l| l.to_owned() + "\n").collect();
    assert_ne!(without, body, "migrate wrote no save path into www.conf");
    std::fs::write(&www, &without).expect("write www.conf");
    let run_www = tmp.path().join("run-www.conf");
    let run: String = std::fs::read_to_string(&run_www)
        .expect("run-www.conf")
        .lines()
        .filter(|l| !l.starts_with("php_value[session.save_path]"))
        .map(|l| l.to_owned() + "\n")
        .collect();
    std::fs::write(&run_www, run).expect("write run-www.conf");
    {
        let _fpm = start_fpm(&fpm, &ini, &fpm_conf, &socks);
        let got = fcgi(&cgi_fcgi, &socks[1], &script, "");
        let log = std::fs::read_to_string(tmp.path().join("fpm.log")).unwrap_or_default();
        assert_eq!(got, "shop", "one save path: www reads shop's session; php-fpm's log:\n{log}");
    }
    assert!(codes(tmp.path(), ".").contains(&"SL403".to_owned()), "no SL403 for two users on one save path");
}

/// A php.ini PHP stops reading at an unclosed `'` (silently) or at a syntax error: migrate
/// writes nothing (an edit would replace `/var/lib/php/o` and leave `'brien` behind, or land
/// where PHP never reads it), exits 1 and names the line to fix; `check --fix` leaves the
/// silently stopped file as it is.
#[test]
fn a_php_ini_php_stops_reading_is_not_migrated() {
    for (line, at) in
        [("session.save_path = /var/lib/php/o'brien", ":2:"), ("session.save_path = /var/lib/php/a=b", ":2:")]
    {
        let tmp = tempfile::tempdir().expect("tempdir");
        let fpm = tmp.path().join("etc/php/8.2/fpm");
        std::fs::create_dir_all(fpm.join("conf.d")).expect("mkdir");
        std::fs::write(fpm.join("conf.d/20-redis.ini"), "extension=redis.so\n").expect("write");
        std::fs::write(
            fpm.join("php.ini"),
            format!("session.save_handler = files\n{line}\nsession.use_strict_mode = 1\n"),
        )
        .expect("write");
        let before = snapshot(tmp.path());
        let out = migrate(tmp.path(), &["--apply", "--redis", "tcp://127.0.0.1:6390", "etc"]);
        assert_eq!(out.status.code(), Some(1), "{line}: {}", text(&out.stdout));
        let why = text(&out.stderr);
        assert!(why.contains(&format!("etc/php/8.2/fpm/php.ini{at}")) && why.contains("SL001"), "{line}: {why}");
        assert_eq!(snapshot(tmp.path()), before, "{line}: something was written");
        // The `=` line has SL001's own quoting fix; the silent stop has none, and no other
        // rule's fix edits the file.
        if line.contains('\'') {
            let fix = common::sesslint_cmd(&["check", "--fix", "etc"]).current_dir(tmp.path()).output().expect("run");
            assert_eq!(snapshot(tmp.path()), before, "{line}: check --fix wrote: {}", text(&fix.stdout));
        }
    }
}

/// An Apache vhost whose `php_value` lines put sessions on files: migrate writes mod_php's
/// own lines there (`php_value NAME VALUE`, `php_admin_value` next to an admin line, in the
/// neighbours' indent), a save path set by `php_admin_flag` (which makes any value on or off)
/// becomes a `php_admin_value` line, the save path php.ini sets for the server is left to it,
/// httpd takes the result (`apache2 -t`, asked live) and a second run changes nothing.
#[test]
fn an_apache_vhost_gets_php_value_lines_httpd_takes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("tree");
    copy_tree(&common::fixtures().join("rules/SL106/trigger-apache-vhost-over-php-ini"), &tree);
    let admin = tree.join("etc/apache2/sites-enabled/admin.conf");
    std::fs::write(
        &admin,
        "<VirtualHost 127.0.0.1:81>\n\tServerName admin.example\n\tphp_admin_value session.save_handler files\n\tphp_admin_flag session.save_path on\n</VirtualHost>\n",
    )
    .expect("write");
    let ini = tree.join("etc/php/8.2/apache2/php.ini");
    let ini_before = std::fs::read(&ini).expect("read");
    let applied = migrate(tmp.path(), &["--apply", "--redis", "tcp://127.0.0.1:6379", "tree"]);
    assert!(applied.status.success(), "{}{}", text(&applied.stdout), text(&applied.stderr));
    let shop = std::fs::read_to_string(tree.join("etc/apache2/sites-enabled/shop.conf")).expect("read");
    let admin_after = std::fs::read_to_string(&admin).expect("read");
    for line in ["    php_value session.save_handler redis\n", "    php_value redis.session.locking_enabled 1\n"] {
        assert!(shop.contains(line), "{line:?} in:\n{shop}");
    }
    assert!(shop.contains("    php_value session.save_path \"tcp://127.0.0.1:6379?auth="), "{shop}");
    assert!(admin_after.contains("\tphp_admin_value session.save_path \"tcp://127.0.0.1:6379?auth="), "{admin_after}");
    assert!(admin_after.contains("\tphp_admin_value redis.session.lock_retries 100\n"), "{admin_after}");
    assert!(!admin_after.contains("php_admin_flag") && !shop.contains(" = "), "{shop}{admin_after}");
    assert_eq!(std::fs::read(&ini).expect("read"), ini_before, "php.ini serves the server's own sessions");
    let live = tempfile::tempdir().expect("tmp");
    let body =
        format!("Include {}\nInclude {}", tree.join("etc/apache2/sites-enabled/shop.conf").display(), admin.display());
    if let Some((ok, log)) = common::apache_syntax(live.path(), &body) {
        assert!(ok, "apache2 -t on the migrated vhosts:\n{log}\n{shop}{admin_after}");
    }
    let after = snapshot(&tree);
    let again = migrate(tmp.path(), &["--apply", "--redis", "tcp://127.0.0.1:6379", "tree"]);
    assert!(again.status.success(), "{}{}", text(&again.stdout), text(&again.stderr));
    assert_eq!(snapshot(&tree), after, "a second --apply changed something");
}

/// A vhost httpd refuses (a `php_value` of three words: SL001) is not edited: httpd would
/// not start with it before or after, as a php.ini PHP stops reading is not.
#[test]
fn an_apache_file_httpd_refuses_is_not_migrated() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("tree");
    copy_tree(&common::fixtures().join("rules/SL106/trigger-apache-vhost-over-php-ini"), &tree);
    let shop = tree.join("etc/apache2/sites-enabled/shop.conf");
    let text_before = std::fs::read_to_string(&shop)
        .expect("read")
        .replace("</VirtualHost>", "    php_value session.name a b\n</VirtualHost>");
    std::fs::write(&shop, &text_before).expect("write");
    let before = snapshot(&tree);
    let out = migrate(tmp.path(), &["--apply", "--redis", "tcp://127.0.0.1:6379", "tree"]);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("shop.conf:5: httpd refuses this file"), "{}", text(&out.stderr));
    assert_eq!(snapshot(&tree), before);
}

/// A redis.conf with `aclfile`, as sesslint reads it (`/etc/redis/users.acl` below the tree)
/// and the path redis-server is given for it (`--aclfile`, which wins over the file's line).
fn aclfile_tree(tmp: &Path, acl: &str) -> (PathBuf, PathBuf, PathBuf) {
    let etc = tmp.join("tree/etc");
    std::fs::create_dir_all(etc.join("redis")).expect("mkdir");
    let conf = etc.join("redis/redis.conf");
    std::fs::write(
        &conf,
        "bind 127.0.0.1 -::1\nprotected-mode yes\naclfile /etc/redis/users.acl\nsave \"\"\nappendonly no\n",
    )
    .expect("write redis.conf");
    let users = etc.join("redis/users.acl");
    std::fs::write(&users, acl).expect("write users.acl");
    (etc, conf, users)
}

/// With `aclfile`, redis-server takes its users from that file alone: a `user` line in
/// redis.conf makes it exit, and requirepass is ignored (asked live here). --harden-redis
/// writes the user, or the default user's password, into the ACL file; the real redis-server
/// starts with the result and logs the user in; a second run has nothing to do.
#[test]
fn hardening_a_server_with_an_aclfile_writes_its_users_there() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let (etc, conf, users) = aclfile_tree(tmp.path(), "user default on nopass ~* &* +@all\n");
    let port = common::redis::free_port().to_string();
    let run = tmp.path().join("run");
    std::fs::create_dir(&run).expect("mkdir");
    let acl_arg = users.to_str().expect("utf-8 path");
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut a = vec!["--aclfile".to_owned(), acl_arg.to_owned(), "--port".to_owned(), port.clone()];
        a.extend(extra.iter().map(|s| (*s).to_owned()));
        a.extend(["--logfile", "", "--supervised", "no"].map(str::to_owned));
        a
    };
    let start_with = |conf: &Path, extra: &[&'static str]| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        start(&redis, conf, &etc, &run, &a)
    };

    // What the old plan wrote: a `user` line next to `aclfile`. redis-server exits.
    let both = tmp.path().join("both.conf");
    let conf_text = std::fs::read_to_string(&conf).expect("redis.conf");
    std::fs::write(&both, format!("{conf_text}user sessions on >pw ~PHPREDIS_SESSION:* +@all\n")).expect("write");
    match start_with(&both, &[]) {
        Outcome::Refused(log) => assert!(
            log.contains("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid"),
            "{log}"
        ),
        Outcome::Running(_) => panic!("redis-server started with a `user` line and an aclfile"),
    }
    // requirepass next to `aclfile` guards nothing: clients are served without a password.
    let with_requirepass = tmp.path().join("requirepass.conf");
    std::fs::write(&with_requirepass, format!("{conf_text}requirepass {}\n", argument(PASSWORD.as_bytes())))
        .expect("write");
    {
        let Outcome::Running(_server) = start_with(&with_requirepass, &[]) else { panic!("redis-server refused") };
        let sock = run.join("s.sock");
        assert!(matches!(command(&sock, None, &[b"PING"]), Ok(Resp::Simple(p)) if p == "PONG"));
        assert!(
            matches!(command(&sock, None, &[b"AUTH", PASSWORD.as_bytes()]), Ok(Resp::Error(e)) if e.contains("without any password configured")),
        );
    }

    // An ACL user for sessions goes into the ACL file; redis.conf is left as it is.
    // The file has no `port` line (6379); the test's server gets a free one.
    let url = "tcp://127.0.0.1:6379".to_owned();
    let with_user = ["--apply", "--harden-redis", "--user", "sessions", "--redis", url.as_str(), "tree/etc"];
    let applied = migrate(tmp.path(), &with_user);
    assert!(applied.status.success(), "{}{}", text(&applied.stdout), text(&applied.stderr));
    assert_eq!(std::fs::read_to_string(&conf).expect("redis.conf"), conf_text);
    let acl = std::fs::read_to_string(&users).expect("users.acl");
    assert!(!acl.contains("w0rd"), "the password is written as its hash: {acl}");
    {
        let Outcome::Running(_server) = start_with(&conf, &[]) else {
            panic!("redis-server refused the ACL file:\n{acl}")
        };
        let replies = pipeline(
            &run.join("s.sock"),
            &[
                &[b"AUTH", b"sessions", PASSWORD.as_bytes()],
                &[b"SET", b"PHPREDIS_SESSION:x", b"1"],
                &[b"SET", b"other", b"1"],
            ],
        )
        .expect("talk to redis");
        assert!(matches!(&replies[0], Resp::Simple(ok) if ok == "OK"), "{:?}", replies[0]);
        assert!(matches!(&replies[1], Resp::Simple(ok) if ok == "OK"), "{:?}", replies[1]);
        assert!(matches!(&replies[2], Resp::Error(e) if e.starts_with("NOPERM")), "{:?}", replies[2]);
    }
    let again = migrate(tmp.path(), &with_user[1..]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(!text(&again.stdout).contains("+++"), "{}", text(&again.stdout));

    // Without --user the default user gets the password, in the ACL file too.
    let default = ["--apply", "--harden-redis", "--redis", url.as_str(), "tree/etc"];
    let applied = migrate(tmp.path(), &default);
    assert!(applied.status.success(), "{}{}", text(&applied.stdout), text(&applied.stderr));
    assert_eq!(std::fs::read_to_string(&conf).expect("redis.conf"), conf_text);
    {
        let Outcome::Running(_server) = start_with(&conf, &[]) else { panic!("redis-server refused the ACL file") };
        let sock = run.join("s.sock");
        assert!(matches!(command(&sock, None, &[b"PING"]), Ok(Resp::Error(e)) if e.starts_with("NOAUTH")));
        assert!(matches!(command(&sock, Some(PASSWORD.as_bytes()), &[b"PING"]), Ok(Resp::Simple(p)) if p == "PONG"));
        let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().expect("port"))).expect("connect");
        std::io::Write::write_all(&mut tcp, b"PING\r\n").expect("send");
        let mut reply = [0u8; 64];
        let n = std::io::Read::read(&mut tcp, &mut reply).expect("read");
        assert!(reply[..n].starts_with(b"-NOAUTH"), "{:?}", text(&reply[..n]));
    }
    let again = migrate(tmp.path(), &default[1..]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(!text(&again.stdout).contains("+++"), "{}", text(&again.stdout));

    // An ACL file without a `default` line gets one (the built-in user with the password).
    std::fs::write(&users, "user ops on >ops-password ~* +@all").expect("write users.acl");
    let applied = migrate(tmp.path(), &default);
    assert!(applied.status.success(), "{}{}", text(&applied.stdout), text(&applied.stderr));
    let Outcome::Running(_server) = start_with(&conf, &[]) else { panic!("redis-server refused the ACL file") };
    let sock = run.join("s.sock");
    assert!(matches!(command(&sock, None, &[b"PING"]), Ok(Resp::Error(e)) if e.starts_with("NOAUTH")));
    assert!(matches!(command(&sock, Some(PASSWORD.as_bytes()), &[b"PING"]), Ok(Resp::Simple(p)) if p == "PONG"));
}

/// An aclfile outside the checked tree was not read: which users it has is not known, so
/// --harden-redis refuses to write a user or password anywhere and names the reason.
#[test]
fn hardening_a_server_whose_aclfile_was_not_read_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (etc, conf, users) = aclfile_tree(tmp.path(), "user default on nopass ~* &* +@all\n");
    std::fs::remove_file(&users).expect("rm");
    let outside = std::fs::read_to_string(&conf).expect("conf").replace("/etc/redis/users.acl", "/srv/acl/users.acl");
    std::fs::write(&conf, outside).expect("write");
    let before = snapshot(&etc);
    for user in [&["--user", "sessions"][..], &[]] {
        let args =
            [&["--apply", "--harden-redis", "--redis", "tcp://127.0.0.1:6379"][..], user, &["tree/etc"]].concat();
        let out = migrate(tmp.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            text(&out.stderr)
                .contains("users are kept in the ACL file /srv/acl/users.acl (aclfile), which was not read"),
            "{}",
            text(&out.stderr)
        );
        assert_eq!(snapshot(&etc), before, "nothing written");
    }
}

/// A fleet of two identical Debian PHP 8.2 hosts behind a load balancer (`web1`, `web2`)
/// and a Redis host: migrate gives pool www on both hosts one database and one prefix (and
/// the CLI likewise), says so, and in the real php-fpm a session written through web1's
/// pool is read through web2's. With `--database N` both hosts' stores get the same prefix.
/// A second run has nothing to do.
#[test]
fn replicas_of_one_pool_on_a_fleet_share_one_store_in_real_php_fpm() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let (Some(fpm), Some(cgi_fcgi)) = (common::oracle("php-fpm8.2"), common::oracle("cgi-fcgi")) else { return };
    if common::php_with_phpredis("php-fpm cannot store sessions in Redis").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let fleet = tmp.path().join("fleet");
    for host in ["web1", "web2"] {
        copy_tree(&common::fixtures().join("corpus/debian12-etc"), &fleet.join(host).join("etc"));
        std::fs::remove_dir_all(fleet.join(host).join("etc/redis")).expect("rm redis");
    }
    let port = common::redis::free_port();
    std::fs::create_dir_all(fleet.join("redis/etc/redis")).expect("mkdir");
    let conf = fleet.join("redis/etc/redis/redis.conf");
    std::fs::write(
        &conf,
        format!(
            "bind 127.0.0.1\nport {port}\nrequirepass {}\nsave \"\"\nappendonly no\n",
            argument(PASSWORD.as_bytes())
        ),
    )
    .expect("write redis.conf");
    let url = format!("tcp://127.0.0.1:{port}");

    let fixed = migrate(tmp.path(), &["--redis", &url, "--database", "2", "fleet"]);
    assert!(fixed.status.success(), "preview: {}{}", text(&fixed.stdout), text(&fixed.stderr));
    let said = text(&fixed.stdout);
    let store = |said: &str, owner: &str, host: &str| {
        let line = said
            .lines()
            .find(|l| l.starts_with(&format!("  {owner} (fleet/{host}/")))
            .unwrap_or_else(|| panic!("no change line for {owner} on {host}: {said}"));
        line.split("redis at ").nth(1).and_then(|r| r.split(", shared").next()).expect("store").to_owned()
    };
    for owner in ["pool www", "php cli"] {
        assert_eq!(store(&said, owner, "web1"), store(&said, owner, "web2"), "{said}");
    }
    assert_ne!(store(&said, "pool www", "web1"), store(&said, "php cli", "web1"), "{said}");

    let applied = migrate(tmp.path(), &["--redis", &url, "--apply", "fleet"]);
    assert!(applied.status.success(), "apply: {}{}", text(&applied.stdout), text(&applied.stderr));
    let said = text(&applied.stdout);
    assert_eq!(store(&said, "pool www", "web1"), store(&said, "pool www", "web2"), "{said}");
    assert!(said.contains("Note: pool www on hosts web1, web2 share one store"), "{said}");
    assert!(said.contains("  php8.2-fpm on web1\n") && said.contains("  php8.2-fpm on web2\n"), "{said}");
    let again = migrate(tmp.path(), &["--redis", &url, "fleet"]);
    assert!(text(&again.stdout).starts_with("Nothing to do"), "second run: {}", text(&again.stdout));

    let Outcome::Running(_server) = start(&redis, &conf, tmp.path(), tmp.path(), &["--port", &port.to_string()]) else {
        panic!("redis-server did not start")
    };
    // Each host's migrated www.conf as it is, on a socket of this test, in a php-fpm of its
    // own on that host's migrated php.ini.
    let script = tmp.path().join("session.php");
    std::fs::write(
        &script,
        "<?php session_id('e2efleetid0123456789abc'); if (session_start() === false) { echo 'failed'; exit; }\nif (($_GET['who'] ?? '') !== '') { $_SESSION['who'] = $_GET['who']; }\necho $_SESSION['who'] ?? 'empty';\n",
    )
    .expect("write script");
    let _ = Command::new("chmod").arg("-R").arg("a+rX").arg(tmp.path()).status();
    let mut running = Vec::new();
    let mut socks = Vec::new();
    for host in ["web1", "web2"] {
        let run = tmp.path().join(format!("run-{host}"));
        std::fs::create_dir(&run).expect("mkdir");
        let sock = run.join("www.sock");
        let pool = std::fs::read_to_string(fleet.join(host).join("etc/php/8.2/fpm/pool.d/www.conf")).expect("www.conf");
        let pool: String = pool
            .lines()
            .map(|l| match l.split('=').next().map(str::trim) {
                Some("listen") => format!("listen = {}", sock.display()),
                Some("group") | Some("listen.owner") | Some("listen.group") => String::new(),
                _ => l.to_owned(),
            })
            .map(|l| l + "\n")
            .collect();
        std::fs::write(run.join("www.conf"), pool).expect("write pool copy");
        let fpm_conf = run.join("php-fpm.conf");
        std::fs::write(
            &fpm_conf,
            format!(
                "[global]\npid = {0}/fpm.pid\nerror_log = {0}/fpm.log\ndaemonize = no\ninclude = {0}/www.conf\n",
                run.display()
            ),
        )
        .expect("write php-fpm.conf");
        let ini = fleet.join(host).join("etc/php/8.2/fpm/php.ini");
        running.push(start_fpm(&fpm, &ini, &fpm_conf, std::slice::from_ref(&sock)));
        socks.push(sock);
    }
    assert_eq!(fcgi(&cgi_fcgi, &socks[0], &script, "who=alice"), "alice", "web1 writes the session");
    assert_eq!(fcgi(&cgi_fcgi, &socks[1], &script, ""), "alice", "web2 reads web1's session");
    assert_eq!(fcgi(&cgi_fcgi, &socks[1], &script, "who=bob"), "bob");
    assert_eq!(fcgi(&cgi_fcgi, &socks[0], &script, ""), "bob", "web1 reads web2's session");
}

/// What migrate's `chmod o-r` note for a CLI php.ini says: the real PHP CLI run by a user
/// who cannot read its php.ini runs on the built-in defaults, without a warning, exit 0.
#[test]
fn the_cli_run_by_a_user_who_cannot_read_php_ini_silently_runs_without_it() {
    let Some(php) = common::oracle("php") else { return };
    let Some(setpriv) = common::oracle("setpriv") else { return };
    // Only root can run PHP as another user; anyone else has nothing to compare.
    if !Command::new("id").arg("-u").output().is_ok_and(|o| text(&o.stdout).trim() == "0") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let _ = Command::new("chmod").arg("755").arg(tmp.path()).status();
    let ini = tmp.path().join("php.ini");
    std::fs::write(&ini, "session.save_handler = redis\nmemory_limit = 77M\n").expect("write php.ini");
    let mut perm = std::fs::metadata(&ini).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o640);
    std::fs::set_permissions(&ini, perm).expect("chmod");
    let code = "echo var_export(php_ini_loaded_file(), true), ' ', ini_get('memory_limit');";
    let out = Command::new(&setpriv)
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg(&php)
        .arg("-n")
        .arg("-c")
        .arg(&ini)
        .args(["-r", code])
        .output()
        .expect("run php as nobody");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "false 128M", "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "php warned: {}", text(&out.stderr));
    let root = Command::new(&php).arg("-n").arg("-c").arg(&ini).args(["-r", code]).output().expect("run php");
    assert_eq!(text(&root.stdout), format!("'{}' 77M", ini.display()));
}

/// Two hosts whose pool www differs in a session setting (`session.name`) run two
/// applications: each gets a store of its own, and with `--database N` a prefix of its own
/// (both used to get `PHPREDIS_SESSION:fpm:`, one store for two applications).
#[test]
fn pools_that_differ_between_hosts_get_stores_of_their_own() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fleet = tmp.path().join("fleet");
    for host in ["web1", "web2"] {
        copy_tree(&common::fixtures().join("corpus/debian12-etc"), &fleet.join(host).join("etc"));
        std::fs::remove_dir_all(fleet.join(host).join("etc/redis")).expect("rm redis");
    }
    let ini = fleet.join("web2/etc/php/8.2/fpm/php.ini");
    let body = std::fs::read_to_string(&ini).expect("php.ini");
    assert!(body.contains("\nsession.name = PHPSESSID\n"));
    std::fs::write(&ini, body.replace("\nsession.name = PHPSESSID\n", "\nsession.name = WEB2SESS\n")).expect("write");
    for (args, www1, www2) in [
        (&[][..], "database 1,", "database 2,"),
        (&["--database", "3"][..], "key prefix PHPREDIS_SESSION:fpm:,", "key prefix PHPREDIS_SESSION:web2:fpm:,"),
    ] {
        let out = migrate(tmp.path(), &[&["--redis", "tcp://127.0.0.1:6379"], args, &["fleet"]].concat());
        let said = text(&out.stdout);
        assert!(out.status.success(), "{said}{}", text(&out.stderr));
        let line = |host: &str| {
            said.lines().find(|l| l.starts_with(&format!("  pool www (fleet/{host}/"))).expect("change line").to_owned()
        };
        assert!(line("web1").contains(www1) && !line("web1").contains("shared"), "{said}");
        assert!(line("web2").contains(www2) && !line("web2").contains("shared"), "{said}");
        assert!(said.contains("Note: php cli on hosts web1, web2 share one store"), "{said}");
        assert!(!said.contains("Note: pool www on hosts"), "{said}");
    }
}

/// Magento on several hosts of a fleet: env.php at the same place below each host with the
/// same crypt key is one shop behind a load balancer, so its sessions go to one database
/// (two databases split every customer's session between the hosts); two shops that only
/// sit at the same path (`var/www/shop` on both, crypt keys of their own) keep a database
/// each, or a session id of one shop would be read by the other.
#[test]
fn magento_replicas_share_one_database_and_other_shops_do_not() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fleet = tmp.path().join("fleet");
    let env = |host: &str, key: &str| {
        let dir = fleet.join(host).join("var/www/shop/app/etc");
        std::fs::create_dir_all(&dir).expect("mkdir");
        // `key|DB` gives the shop's database name; `key,$k` an entry whose key is not known.
        let (key, db) = key.split_once('|').unwrap_or((key, "shop"));
        let (key, more) = key.split_once(',').map_or((key, String::new()), |(k, m)| (k, format!(", {m} => 'x'")));
        std::fs::write(
            dir.join("env.php"),
            format!("<?php\nreturn [\n    'crypt' => ['key' => '{key}'{more}],\n    'db' => ['connection' => ['default' => ['host' => 'db', 'dbname' => '{db}']]],\n    'session' => [\n        'save' => 'files',\n    ],\n];\n"),
        )
        .expect("write env.php");
        std::fs::create_dir_all(fleet.join(host).join("etc/php/8.2/fpm")).expect("mkdir etc");
    };
    std::fs::create_dir_all(fleet.join("redis/etc/redis")).expect("mkdir");
    std::fs::write(
        fleet.join("redis/etc/redis/redis.conf"),
        format!("bind 10.0.0.5\nport 6379\nrequirepass {}\n", argument(PASSWORD.as_bytes())),
    )
    .expect("write redis.conf");
    let databases = |out: &Output| -> Vec<String> {
        text(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("+") && l.contains("'database'"))
            .map(str::to_owned)
            .collect()
    };
    // Not one shop: another crypt key; the same key on another database (a staging copy);
    // a `crypt` entry whose key is not known, which may replace the key.
    for (keys, shared) in [
        (["a1b2", "a1b2"], true),
        (["a1b2", "c3d4"], false),
        (["a1b2", "a1b2|staging"], false),
        (["a1b2,$k", "a1b2,$k"], false),
    ] {
        env("web1", keys[0]);
        env("web2", keys[1]);
        let out = migrate(tmp.path(), &["--redis", "tcp://10.0.0.5:6379", "fleet"]);
        assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
        let dbs = databases(&out);
        assert_eq!(dbs.len(), 2, "{}", text(&out.stdout));
        assert_eq!(dbs[0] == dbs[1], shared, "{keys:?}: {dbs:?}");
        let note = "Magento var/www/shop/app/etc/env.php on hosts web1, web2 shares database";
        assert_eq!(
            text(&out.stdout).contains(note) || text(&out.stderr).contains(note),
            shared,
            "{}",
            text(&out.stdout)
        );
    }
}
