//! End to end for the Magento rules: real php 8.2 with phpredis against a real redis-server
//! on 127.0.0.1 shows each failure an SL3xx rule predicts, and sesslint names it from the
//! same settings. Magento itself is not installed: what its clients do is reproduced with the
//! calls they make (Cm_Cache_Backend_Redis `clean()` is `FLUSHDB`, the session handler hands
//! `database` to `Redis::select()` uncast, Credis connects sentinels by `stream_socket_client`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::redis::{free_port, start, Outcome};
use sesslint::diagnostic::Diagnostic;

/// php and redis-server, and phpredis loaded in php; `None` (loudly) when missing.
fn oracles() -> Option<(PathBuf, PathBuf)> {
    let redis = common::oracle("redis-server")?;
    Some((common::php_with_phpredis("no Magento failure is reproduced")?, redis))
}

fn php_run(php: &Path, ini: &[&str], code: &str) -> Output {
    let mut cmd = Command::new(php);
    cmd.args(["-n", "-d", "extension=igbinary", "-d", "extension=redis"]);
    for i in ini {
        cmd.args(["-d", i]);
    }
    cmd.args(["-r", code]).output().expect("run php")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A redis-server on 127.0.0.1:`port` with no persistence; dropped with the tempdir.
fn redis_on(redis: &Path, tmp: &Path, port: u16) -> common::redis::Server {
    let conf = tmp.join("redis.conf");
    std::fs::write(&conf, "bind 127.0.0.1\nsave \"\"\nappendonly no\n").expect("write redis.conf");
    match start(redis, &conf, tmp, tmp, &["--port", &port.to_string()]) {
        Outcome::Running(s) => s,
        Outcome::Refused(log) => panic!("redis-server did not start: {log}"),
    }
}

fn write(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, body).expect("write");
}

fn check(tree: &Path) -> Vec<Diagnostic> {
    let model = sesslint::model::build(&[tree.to_path_buf()], &Default::default());
    sesslint::rules::check(&model)
}

fn env_php_with_cache_db(port: u16, db: u32) -> String {
    format!(
        "<?php\nreturn [\n    'session' => ['save' => 'files', 'save_path' => '/var/www/shop/var/session'],\n    'cache' => ['frontend' => ['default' => ['backend' => 'Cm_Cache_Backend_Redis',\n        'backend_options' => ['server' => '127.0.0.1', 'port' => '{port}', 'database' => '{db}']]]],\n];\n"
    )
}

/// SL303: PHP's own session store in a Magento cache database is wiped by a cache flush.
#[test]
fn a_cache_flush_takes_php_sessions_in_its_database_with_it() {
    let Some((php, redis)) = oracles() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let _server = redis_on(&redis, tmp.path(), port);

    // Two pools: `shop` keeps sessions in database 1 (the cache's), `blog` in database 2.
    let tree = tmp.path().join("tree");
    write(&tree.join("var/www/shop/app/etc/env.php"), &env_php_with_cache_db(port, 1));
    let mut sids = Vec::new();
    for (pool, db) in [("shop", 1), ("blog", 2)] {
        let save_path = format!("tcp://127.0.0.1:{port}?database={db}&timeout=2");
        write(
            &tree.join(format!("etc/php/8.2/fpm/pool.d/{pool}.conf")),
            &format!("[{pool}]\nlisten = /run/php/{pool}.sock\npm = static\npm.max_children = 2\nphp_admin_value[session.save_handler] = redis\nphp_admin_value[session.save_path] = \"{save_path}\"\n"),
        );
        let sp = format!("session.save_path=\"{save_path}\"");
        let out = php_run(
            &php,
            &["session.save_handler=redis", &sp],
            "session_start(); $_SESSION['cart'] = 3; echo session_id(); session_write_close();",
        );
        assert!(out.status.success(), "php wrote no session: {}", text(&out));
        sids.push((db, String::from_utf8_lossy(&out.stdout).trim().to_owned()));
    }

    // sesslint: the shop pool's sessions share the cache's database, the blog's do not.
    let found: Vec<_> = check(&tree).into_iter().filter(|d| d.code == "SL303").collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("pool shop") && found[0].message.contains("database 1"), "{}", found[0].message);

    // What `bin/magento cache:flush` does to the `default` frontend: FLUSHDB in its database.
    let flush = format!("$r = new Redis; $r->connect('127.0.0.1', {port}); $r->select(1); var_export($r->flushDb());");
    assert_eq!(php_run(&php, &[], &flush).stdout, b"true");
    for (db, sid) in &sids {
        let exists = format!(
            "$r = new Redis; $r->connect('127.0.0.1', {port}); $r->select({db}); echo $r->exists('PHPREDIS_SESSION:{sid}');"
        );
        let n = String::from_utf8_lossy(&php_run(&php, &[], &exists).stdout).trim().to_owned();
        assert_eq!(n, if *db == 1 { "0" } else { "1" }, "session in database {db} after flushing database 1");
    }
}

/// SL302: `save = files` with PHP's save_path a Redis URL: PHP's files handler fails.
#[test]
fn the_files_handler_fails_on_a_redis_save_path() {
    let Some((php, redis)) = oracles() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let _server = redis_on(&redis, tmp.path(), port);
    let save_path = format!("tcp://127.0.0.1:{port}?database=2");

    // What Magento's Native `files` handler gets: php.ini's save_path, handler files.
    let sp = format!("session.save_path=\"{save_path}\"");
    let out = php_run(&php, &["session.save_handler=files", &sp], "var_export(session_start());");
    let said = text(&out);
    assert!(said.contains(&format!("open({save_path}")) && said.contains("false"), "php said: {said}");
    let keys = format!("$r = new Redis; $r->connect('127.0.0.1', {port}); echo $r->dbSize();");
    assert_eq!(php_run(&php, &[], &keys).stdout, b"0", "nothing may reach Redis");

    let tree = tmp.path().join("tree");
    write(&tree.join("var/www/shop/app/etc/env.php"), "<?php\nreturn ['session' => ['save' => 'files']];\n");
    write(
        &tree.join("etc/php/8.2/fpm/php.ini"),
        &format!("session.save_handler = redis\nsession.save_path = \"{save_path}\"\n"),
    );
    let found: Vec<_> = check(&tree).into_iter().filter(|d| d.code == "SL302").collect();
    assert_eq!(found.len(), 1, "{found:#?}");
}

/// SL302: the session handler passes `database` uncast to `Redis::select()`; sesslint's
/// verdict on each text is phpredis' own. Ports and cache databases are `(int)` casts.
#[test]
fn database_and_port_texts_read_as_php_reads_them() {
    let Some((php, redis)) = oracles() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let _server = redis_on(&redis, tmp.path(), port);
    let texts = [
        "2",
        " 2",
        "2 ",
        "2.0",
        "2.9",
        "0t",
        "abc",
        "",
        " ",
        "3x",
        "1e1",
        "1e1x",
        "1e",
        ".5",
        "5.",
        ".",
        "+1",
        "-0",
        "-3.7",
        "\t7",
        "127.0.0.1:6380",
        "6379/0",
    ];
    for t in texts {
        let code = format!(
            "$r = new Redis; $r->connect('127.0.0.1', {port}); try {{ $r->select({t:?}); echo 'ok'; }} catch (TypeError $e) {{ echo 'TypeError'; }} echo ' ', (int) {t:?};"
        );
        let out = String::from_utf8_lossy(&php_run(&php, &["error_reporting=0"], &code).stdout).into_owned();
        let (verdict, cast) = out.split_once(' ').unwrap_or_else(|| panic!("php said {out:?}"));
        assert_eq!(
            sesslint::model::magento::php_int_param_accepts(t),
            verdict == "ok",
            "Redis::select({t:?}): phpredis says {verdict}"
        );
        assert_eq!(sesslint::model::magento::php_int_cast(t).to_string(), cast, "(int) {t:?}");
    }
}

/// SL306: a persistent connection comes back from the pool in the database its last user
/// selected.
#[test]
fn a_shared_persistent_id_carries_the_database_over() {
    let Some((php, redis)) = oracles() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let _server = redis_on(&redis, tmp.path(), port);
    // The session handler selects database 2 and its request ends (the object goes away,
    // the socket stays in the pool); a cache client with the same id writes without SELECT.
    let code = format!(
        "$s = new Redis; $s->pconnect('127.0.0.1', {port}, 1, 'magento'); $s->select(2); $a = $s->client('id'); unset($s);
         $c = new Redis; $c->pconnect('127.0.0.1', {port}, 1, 'magento'); $b = $c->client('id'); $c->set('zc:k:cache', 'v');
         $o = new Redis; $o->connect('127.0.0.1', {port}); $o->select(2); echo $a === $b ? 'same' : 'other', ' ', $o->exists('zc:k:cache');"
    );
    let out = php_run(&php, &[], &code);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "same 1", "{}", text(&out));

    let tree = tmp.path().join("tree");
    write(
        &tree.join("var/www/shop/app/etc/env.php"),
        &format!("<?php\nreturn [\n    'session' => ['save' => 'redis', 'redis' => ['host' => '127.0.0.1', 'port' => '{port}', 'database' => '2', 'retries' => '1', 'persistent_identifier' => 'magento']],\n    'cache' => ['frontend' => ['default' => ['backend' => 'Cm_Cache_Backend_Redis', 'backend_options' => ['server' => '127.0.0.1', 'port' => '{port}', 'database' => '0', 'persistent' => 'magento']]]],\n];\n"),
    );
    let found: Vec<_> = check(&tree).into_iter().filter(|d| d.code == "SL306").collect();
    assert_eq!(found.len(), 1, "{found:#?}");
}

/// SL309: a sentinel entry on the Redis port reaches redis-server, which has no SENTINEL
/// command; one without a port is an address PHP cannot parse.
#[test]
fn sentinels_that_cannot_answer() {
    let Some((php, redis)) = oracles() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let _server = redis_on(&redis, tmp.path(), port);
    // Credis_Sentinel::getMasterClient() sends this through the sentinel client.
    let code = format!(
        "$r = new Redis; $r->connect('127.0.0.1', {port}); var_export($r->rawCommand('SENTINEL', 'get-master-addr-by-name', 'mymaster')); echo ' ', $r->getLastError();"
    );
    let out = String::from_utf8_lossy(&php_run(&php, &[], &code).stdout).into_owned();
    assert!(out.starts_with("false ERR unknown command 'SENTINEL'"), "redis-server said: {out}");
    // The session handler's sentinel client is standalone with port NULL: `tcp://host`.
    let out = php_run(&php, &[], "var_export(@stream_socket_client('tcp://127.0.0.1', $no, $err, 1)); echo ' ', $err;");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "false Failed to parse address \"127.0.0.1\"");

    let tree = tmp.path().join("tree");
    write(
        &tree.join("var/www/shop/app/etc/env.php"),
        &format!("<?php\nreturn ['session' => ['save' => 'redis', 'redis' => ['host' => '127.0.0.1', 'port' => '{port}', 'database' => '2', 'retries' => '1',\n    'sentinel_master' => 'mymaster', 'sentinel_servers' => 'tcp://127.0.0.1:{port},127.0.0.1']]];\n"),
    );
    let found: Vec<_> = check(&tree).into_iter().filter(|d| d.code == "SL309").collect();
    assert_eq!(found.len(), 2, "{found:#?}");
}

/// The Magento rule fixtures mean to PHP what the model says: every scalar of the session
/// block, `session.redis` and each cache's options, as `include` + `(string)` give them.
#[test]
fn magento_fixture_values_match_php() {
    let Some(php) = common::oracle("php") else { return };
    let dirs: Vec<PathBuf> = std::fs::read_dir("fixtures/rules")
        .expect("fixtures/rules")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("SL3")))
        .collect();
    let mut compared = 0;
    for dir in dirs {
        for file in common::files_below(&dir).into_iter().filter(|f| f.ends_with("app/etc/env.php")) {
            let code = format!(
                "$c = include {:?}; $s = function ($a) {{ $o = []; foreach ((array) $a as $k => $v) {{ if (is_scalar($v) || $v === null) $o[$k] = (string) $v; }} return $o; }};
                 $out = ['session' => $s($c['session'] ?? []), 'redis' => $s($c['session']['redis'] ?? [])];
                 foreach ($c['cache']['frontend'] ?? [] as $n => $f) $out['cache:' . $n] = $s($f['backend_options'] ?? []);
                 echo json_encode($out);",
                file.display().to_string()
            );
            let out = Command::new(&php).args(["-n", "-r", &code]).output().expect("run php");
            let want: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{}: {e}: {}", file.display(), text(&out)));
            let model = sesslint::model::build(std::slice::from_ref(&file), &Default::default());
            let m = model.magento.first().unwrap_or_else(|| panic!("{}: no install", file.display()));
            let got = |b: Option<&sesslint::model::magento::MagentoBlock>| -> serde_json::Value {
                let mut o = serde_json::Map::new();
                for (k, v) in b.map(|b| b.values.iter()).into_iter().flatten() {
                    if let Some(val) = &v.value {
                        o.insert(k.clone(), serde_json::Value::String(val.clone()));
                    }
                }
                serde_json::Value::Object(o)
            };
            let as_map = |v: &serde_json::Value| {
                if v.as_array().is_some_and(|a| a.is_empty()) {
                    serde_json::json!({})
                } else {
                    v.clone()
                }
            };
            assert_eq!(got(m.session.as_ref()), as_map(&want["session"]), "{} session", file.display());
            assert_eq!(got(m.session_redis.as_ref()), as_map(&want["redis"]), "{} session.redis", file.display());
            for c in &m.caches {
                if c.backend_name.contains("RemoteSynchronizedCache") {
                    continue; // for L2 the model keeps `remote_backend_options`, not `backend_options`
                }
                assert_eq!(
                    got(c.options.as_ref()),
                    as_map(&want[format!("cache:{}", c.name)]),
                    "{} cache {}",
                    file.display(),
                    c.name
                );
            }
            compared += 1;
        }
    }
    assert!(compared >= 20, "only {compared} env.php files compared");
}

/// SL302's renames, applied, give PHP the values under the keys Magento reads.
#[test]
fn renamed_session_keys_carry_their_values_to_php() {
    let Some(php) = common::oracle("php") else { return };
    let src = Path::new("fixtures/rules/SL302/trigger-cache-keys/var/www/shop/app/etc/env.php");
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("var/www/shop/app/etc/env.php");
    write(&file, &std::fs::read_to_string(src).expect("read fixture"));
    let mut edits: Vec<_> = check(tmp.path())
        .into_iter()
        .filter(|d| d.code == "SL302")
        .filter_map(|d| d.fix)
        .flat_map(|f| f.edits().to_vec())
        .collect();
    assert_eq!(edits.len(), 4, "server, db, persistent, connect_retries");
    edits.sort_by_key(|e| std::cmp::Reverse(e.span().start));
    let mut bytes = std::fs::read(&file).expect("read");
    for e in &edits {
        bytes.splice(e.span().start..e.span().end, e.content().bytes());
    }
    std::fs::write(&file, bytes).expect("write");
    let code = format!("echo json_encode((include {:?})['session']['redis']);", file.display().to_string());
    let out = Command::new(&php).args(["-n", "-r", &code]).output().expect("run php");
    let redis: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(redis["host"], "redis.internal");
    assert_eq!(redis["database"], "2");
    assert_eq!(redis["persistent_identifier"], "sess");
    assert_eq!(redis["retries"], "2");
    assert!(check(tmp.path())
        .iter()
        .all(|d| !(d.code == "SL302" && d.severity == sesslint::diagnostic::Severity::Error)));
}

/// SL302: a `save` value no handler answers to is refused by PHP, which keeps its own.
#[test]
fn php_refuses_a_save_handler_it_does_not_have() {
    let Some((php, _)) = oracles() else { return };
    for name in ["rediss", "redis "] {
        let code = format!(
            "var_export(ini_set('session.save_handler', {name:?})); echo ' ', ini_get('session.save_handler');"
        );
        let out = php_run(&php, &["session.save_handler=files"], &code);
        let said = text(&out);
        assert!(said.contains(&format!("Session save handler \"{name}\" cannot be found")), "php said: {said}");
        assert!(String::from_utf8_lossy(&out.stdout).ends_with("false files"), "php said: {said}");
    }
    let found: Vec<_> =
        check(Path::new("fixtures/rules/SL302/trigger-save-typo")).into_iter().filter(|d| d.code == "SL302").collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("did you mean `redis`"), "{}", found[0].message);
}

/// Which session `host` values Credis' constructor refuses: its `convertHost()` regexes
/// (credis 1.17 `Client.php`), run by PHP's own PCRE, against sesslint's model. A host
/// with user-info (`tcp://bob:pw@127.0.0.1`) is refused, so SL302 reports it and SL404
/// no longer takes `bob:...@127.0.0.1` for a host.
#[test]
fn credis_host_format_matches_php_pcre() {
    let hosts = [
        "tcp://bob:pw@127.0.0.1",
        "tcp://:pw@127.0.0.1",
        "tcp://bob:123@127.0.0.1",
        "tcp://bob@127.0.0.1",
        "tcp://127.0.0.1",
        "tcp://127.0.0.1:6380",
        "tcp://127.0.0.1:6380/sess",
        "tcp://127.0.0.1:6380/",
        "tcp://127.0.0.1:x",
        "tcp://h/x:1",
        "tls://redis.internal:6380",
        "tlsv1.2://redis.internal:6380",
        "ssl://u:p@redis.internal",
        "unix:///run/redis.sock",
        "/run/redis.sock",
        "127.0.0.1",
        "bob:pw@127.0.0.1",
    ];
    if let Some(php) = common::oracle("php") {
        let code = r#"foreach (array_slice($argv, 1) as $h) {
            $bad = false;
            if (preg_match('#^(tcp|tls|ssl|tlsv\d(?:\.\d)?|unix)://(.+)$#', $h, $m) && $m[1] !== 'unix') {
                $bad = !preg_match('#^([^:]+)(:([0-9]+))?(/(.+))?$#', $m[2]);
            }
            echo $bad ? "1\n" : "0\n";
        }"#;
        let out = Command::new(php).arg("-r").arg(code).arg("--").args(hosts).output().expect("php");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        let php_says: Vec<bool> = said.lines().map(|l| l == "1").collect();
        assert_eq!(php_says.len(), hosts.len(), "{said}");
        for (h, refused) in hosts.iter().zip(php_says) {
            assert_eq!(sesslint::model::magento::credis_refuses_host(h), refused, "{h}");
        }
    }
    let dir = tempfile::tempdir().expect("tmp");
    let env = dir.path().join("var/www/shop/app/etc/env.php");
    std::fs::create_dir_all(env.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &env,
        "<?php\nreturn ['session' => ['save' => 'redis', 'redis' => ['host' => 'tcp://bob:pw@127.0.0.1', 'port' => '6379', 'database' => '2']]];\n",
    )
    .expect("write");
    let o = common::sesslint(&["check", "--format", "concise", dir.path().to_str().expect("utf-8")]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("error[SL302]") && out.contains("refused by Credis"), "{out}");
    assert!(!out.contains("SL404") && !out.contains(":pw@"), "{out}");
}
