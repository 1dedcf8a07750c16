//! What sesslint says about a session save path is what phpredis 5.3.7 does with it, asked
//! live with real PHP against redis-server on 127.0.0.1:
//! - credentials: the session is stored exactly when sesslint sees nothing the linked server
//!   refuses (`auth=` with nothing after it still sends AUTH and fails against a server with
//!   or without a password; a password sent to a server whose default user has none fails;
//!   no password for a server that wants one fails), and `show` says `[auth]` only when a
//!   non-empty password is sent;
//! - `rediscluster` seeds written `tcp://host:port` reach the cluster, and sesslint links
//!   each seed to its node.

mod common;

use std::path::Path;
use std::process::Command;

use common::redis::{command_from, free_port, start_as_configured, Outcome, Resp, Server};
use sesslint::model::{TargetProblem, Transport};

/// php with phpredis, or `None` (loudly) when it is missing.
fn php() -> Option<std::path::PathBuf> {
    common::php_with_phpredis("no session is written to Redis")
}

/// Write `etc/php/8.2/cli/php.ini` in `tree` and start a session with it: whether PHP
/// stored it, and its stderr.
fn php_session(php: &Path, tree: &Path, handler: &str, save_path: &str) -> (bool, String) {
    let dir = tree.join("etc/php/8.2/cli");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let ini = dir.join("php.ini");
    std::fs::write(
        &ini,
        format!("extension=igbinary\nextension=redis\nsession.save_handler = {handler}\nsession.save_path = \"{save_path}\"\n"),
    )
    .expect("write php.ini");
    let out = Command::new(php)
        .args(["-n", "-c"])
        .arg(&ini)
        .args(["-r", "echo session_start() ? 'started' : 'failed'; $_SESSION['n'] = 1; session_write_close();"])
        .output()
        .expect("run php");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (String::from_utf8_lossy(&out.stdout).starts_with("started") && !text.contains("Redis not available"), text)
}

fn start_redis(redis: &Path, dir: &Path, conf: &str) -> Server {
    std::fs::create_dir_all(dir).expect("mkdir");
    let path = dir.join("redis.conf");
    std::fs::write(&path, conf).expect("write redis.conf");
    match start_as_configured(redis, &path, dir, &["--dir", &dir.to_string_lossy()]) {
        Outcome::Running(s) => s,
        Outcome::Refused(log) => panic!("redis-server refused {conf}:\n{log}"),
    }
}

#[test]
fn credentials_fail_exactly_when_sesslint_says_the_server_refuses_them() {
    let (Some(php), Some(redis)) = (php(), common::oracle("redis-server")) else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let (open_port, locked_port) = (free_port(), free_port());
    let open_conf = format!("bind 127.0.0.1\nport {open_port}\nsave \"\"\n");
    let locked_conf = format!("bind 127.0.0.1\nport {locked_port}\nsave \"\"\nrequirepass e2e-pass\n");
    let _open = start_redis(&redis, &tmp.path().join("open"), &open_conf);
    let _locked = start_redis(&redis, &tmp.path().join("locked"), &locked_conf);
    for (port, query) in [
        (open_port, ""),
        (locked_port, ""),
        (open_port, "?auth="),
        (locked_port, "?auth="),
        (open_port, "?auth[]=&auth[]="),
        (open_port, "?auth[user]=&auth[pass]="),
        (open_port, "?auth[]=default&auth[]="),
        (open_port, "?auth=e2e-pass"),
        (locked_port, "?auth=e2e-pass"),
        (locked_port, "?auth[]=default&auth[]=e2e-pass"),
    ] {
        let save_path = format!("tcp://127.0.0.1:{port}{query}");
        let tree = tempfile::tempdir().expect("tempdir");
        // The servers' files in the tree, so that sesslint links the target to its server.
        std::fs::create_dir_all(tree.path().join("etc/redis")).expect("mkdir");
        std::fs::write(tree.path().join("etc/redis/redis-open.conf"), &open_conf).expect("write");
        std::fs::write(tree.path().join("etc/redis/redis-locked.conf"), &locked_conf).expect("write");
        let (stored, said) = php_session(&php, tree.path(), "redis", &save_path);
        let model = sesslint::model::build(&[tree.path().to_path_buf()], &Default::default());
        let t = &model.endpoints[0].targets[0];
        let linked: Vec<_> = model.servers_of(sesslint::model::EndpointId(0), 0).collect();
        assert_eq!(linked.len(), 1, "{save_path}: linked to {} servers", linked.len());
        let refused = sesslint::model::link::auth_refused(t, linked[0].1);
        // The credentials are the only thing that can fail here (the passwords the cases
        // send are the right ones): phpredis stores the session exactly when sesslint sees
        // nothing the server refuses.
        assert_eq!(stored, refused.is_none(), "{save_path}: php says {said}; sesslint says {refused:?}");
        let empty = t.problems.contains(&TargetProblem::EmptyPassword);
        let ctx = sesslint::report::ReportContext::new(&model, false, false);
        let shown = sesslint::show::render_text(&model, &ctx);
        let says_auth = shown.contains("[auth]") || shown.contains("[auth: ");
        assert_eq!(says_auth, t.auth.as_ref().is_some_and(|a| a.password), "{save_path}:\n{shown}");
        if empty {
            assert!(!says_auth, "{save_path}: `show` calls an empty password auth:\n{shown}");
        }
    }
}

/// A three-node cluster on 127.0.0.1, its nodes' config files in `tree/etc/redis/`.
fn start_cluster(redis: &Path, tree: &Path) -> Option<(Vec<Server>, Vec<u16>)> {
    let ports: Vec<u16> = (0..3).map(|_| common::redis::free_cluster_port()).collect();
    let mut servers = Vec::new();
    let conf_dir = tree.join("etc/redis");
    std::fs::create_dir_all(&conf_dir).expect("mkdir");
    for p in &ports {
        let data = tree.join(format!("data-{p}"));
        std::fs::create_dir_all(&data).expect("mkdir");
        let conf = conf_dir.join(format!("redis-{p}.conf"));
        std::fs::write(
            &conf,
            format!("bind 127.0.0.1\nport {p}\ncluster-enabled yes\ncluster-config-file nodes-{p}.conf\nsave \"\"\nappendonly no\n"),
        )
        .expect("write node config");
        match start_as_configured(redis, &conf, &data, &["--dir", &data.to_string_lossy()]) {
            Outcome::Running(s) => servers.push(s),
            Outcome::Refused(log) => panic!("cluster node {p} refused:\n{log}"),
        }
    }
    let cli = common::oracle("redis-cli")?;
    let nodes: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let out = Command::new(cli)
        .args(["--cluster", "create"])
        .args(&nodes)
        .args(["--cluster-yes"])
        .output()
        .expect("redis-cli --cluster create");
    assert!(out.status.success(), "cluster create: {}", String::from_utf8_lossy(&out.stdout));
    // Wait until every node agrees the slots are covered.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let ok = ports.iter().all(|p| {
            matches!(command_from("127.0.0.1".parse().expect("ip"), *p, &[b"CLUSTER", b"INFO"]),
                Ok(Resp::Bulk(Some(v))) if String::from_utf8_lossy(&v).contains("cluster_state:ok"))
        });
        if ok {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the cluster never reached cluster_state:ok");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Some((servers, ports))
}

#[test]
fn cluster_seeds_with_a_scheme_reach_the_cluster_and_are_linked() {
    let (Some(php), Some(redis)) = (php(), common::oracle("redis-server")) else { return };
    let tree = tempfile::tempdir().expect("tempdir");
    let Some((_servers, ports)) = start_cluster(&redis, tree.path()) else { return };
    let save_path = format!("seed[]=tcp://127.0.0.1:{}&seed[]=tcp://127.0.0.1:{}", ports[0], ports[1]);
    let (stored, said) = php_session(&php, tree.path(), "rediscluster", &save_path);
    assert!(stored, "phpredis refused tcp:// seeds: {said}");
    // The session key has the cluster handler's default prefix (SL303 compares prefixes).
    let keys: usize = ports
        .iter()
        .map(|p| match command_from("127.0.0.1".parse().expect("ip"), *p, &[b"DBSIZE"]) {
            Ok(Resp::Int(n)) => n as usize,
            other => panic!("DBSIZE on {p}: {other:?}"),
        })
        .sum();
    assert_eq!(keys, 1, "one session key in the cluster");
    let found = ports.iter().any(|p| {
        matches!(command_from("127.0.0.1".parse().expect("ip"), *p, &[b"SCAN", b"0", b"MATCH", b"PHPREDIS_CLUSTER_SESSION:*"]),
            Ok(Resp::Array(ref a)) if matches!(a.get(1), Some(Resp::Array(k)) if !k.is_empty()))
    });
    assert!(found, "the session key is PHPREDIS_CLUSTER_SESSION:<id>");

    let model = sesslint::model::build(&[tree.path().to_path_buf()], &Default::default());
    let ep = &model.endpoints[0];
    assert_eq!(ep.targets.len(), 2);
    for (ti, t) in ep.targets.iter().enumerate() {
        assert_eq!((t.transport, t.host.as_deref(), t.port), (Transport::Tcp, Some("127.0.0.1"), ports[ti]));
        assert!(t.problems.is_empty(), "{:?}", t.problems);
        let linked: Vec<u16> = model.servers_of(sesslint::model::EndpointId(0), ti).map(|(_, s)| s.port).collect();
        assert_eq!(linked, vec![ports[ti]], "seed {ti} linked to {linked:?}");
    }
    // The seeds' nodes are used by sessions: SL201 is no longer "no session endpoint uses it".
    let diagnostics = sesslint::check::run(&model, &sesslint::config::Config::default());
    for d in diagnostics.iter().filter(|d| d.code.as_str() == "SL201") {
        let seed = ports[..2].iter().any(|p| d.primary.path.to_string_lossy().contains(&p.to_string()));
        assert_eq!(seed, !d.message.contains("no session endpoint"), "{}", d.message);
    }
}

/// Seeds holding a credential or text after the port: phpredis 5.3.7 stores the session
/// exactly when sesslint reads a seed it can use (`user:pw@` is part of the host name
/// phpredis resolves, `?auth=` after the port is dropped by `atoi`, a seed without `:port`
/// is ignored), and nothing sesslint says about the seed shows the password.
#[test]
fn cluster_seeds_holding_credentials_are_read_as_phpredis_reads_them_and_never_shown() {
    let (Some(php), Some(redis)) = (php(), common::oracle("redis-server")) else { return };
    let tree = tempfile::tempdir().expect("tempdir");
    let Some((_servers, ports)) = start_cluster(&redis, tree.path()) else { return };
    let p = ports[0];
    let cases = [
        (format!("seed[]=tcp://usr:LeakS1@127.0.0.1:{p}"), "LeakS1"),
        (format!("seed[]=usr:LeakS2@127.0.0.1:{p}"), "LeakS2"),
        (format!("seed[]=127.0.0.1:{p}?auth=LeakS3"), "LeakS3"),
        (format!("seed[]=127.0.0.1:{p},auth=LeakS4"), "LeakS4"),
        ("seed[password]=LeakS5".to_owned(), "LeakS5"),
    ];
    for (save_path, secret) in &cases {
        let (stored, said) = php_session(&php, tree.path(), "rediscluster", save_path);
        let model = sesslint::model::build(&[tree.path().to_path_buf()], &Default::default());
        let t = &model.endpoints[0].targets[0];
        let unusable = t.problems.iter().any(|q| {
            matches!(
                q,
                TargetProblem::CredentialsInUrl | TargetProblem::SeedWithoutPort { .. } | TargetProblem::BadPort { .. }
            )
        });
        assert_eq!(stored, !unusable, "{save_path}: php says {said}; sesslint reads {t:?}");
        if stored {
            assert_eq!((t.host.as_deref(), t.port), (Some("127.0.0.1"), p), "{save_path}");
            assert!(t.problems.iter().any(|q| matches!(q, TargetProblem::SeedTextAfterPort { .. })), "{t:?}");
            let linked: Vec<u16> = model.servers_of(sesslint::model::EndpointId(0), 0).map(|(_, s)| s.port).collect();
            assert_eq!(linked, vec![p], "{save_path}");
        }
        let ctx = sesslint::report::ReportContext::new(&model, false, false);
        let mut said_by_us = format!("{t:?}\n{}", sesslint::show::render_text(&model, &ctx));
        for d in sesslint::check::run(&model, &sesslint::config::Config::default()) {
            said_by_us.push_str(&d.message);
            said_by_us.push('\n');
        }
        assert!(!said_by_us.contains(secret), "{save_path}: sesslint shows {secret}:\n{said_by_us}");
        assert!(said_by_us.contains("********"), "{save_path}: the seed is named with the mask:\n{said_by_us}");
    }
}

/// A `rediscluster` save path with more distinct seeds than sesslint reads (40: the first
/// 39 closed ports, the last a cluster node): phpredis 5.3.7 tries each until one answers
/// and stores the session through the 40th, so sesslint says which seeds it did not read
/// (SL002, where the save path is set, with the counts) instead of dropping them silently.
#[test]
fn cluster_seeds_past_the_ones_sesslint_reads_are_reported_not_dropped() {
    let (Some(php), Some(redis)) = (php(), common::oracle("redis-server")) else { return };
    let tree = tempfile::tempdir().expect("tempdir");
    let Some((_servers, ports)) = start_cluster(&redis, tree.path()) else { return };
    let mut seeds: Vec<String> = (0..39).map(|_| format!("seed[]=127.0.0.1:{}", free_port())).collect();
    seeds.push(format!("seed[]=127.0.0.1:{}", ports[0]));
    // A repeated seed is one seed to phpredis (cluster_validate_args keys them by value).
    seeds.push(seeds[0].clone());
    let save_path = seeds.join("&");
    let (stored, said) = php_session(&php, tree.path(), "rediscluster", &save_path);
    assert!(stored, "phpredis did not reach the cluster through the 40th seed: {said}");
    let model = sesslint::model::build(&[tree.path().to_path_buf()], &Default::default());
    assert_eq!(model.endpoints[0].targets.len(), 32);
    let diagnostics = sesslint::check::run(&model, &sesslint::config::Config::default());
    let said: Vec<&str> =
        diagnostics.iter().filter(|d| d.code.as_str() == "SL002").map(|d| d.message.as_str()).collect();
    assert_eq!(said.len(), 1, "{said:#?}");
    assert!(
        said[0].contains("8 of the 40 distinct rediscluster seeds of `session.save_path` on line 4")
            && said[0].contains("php.ini"),
        "{}",
        said[0]
    );
}

/// A seed whose host holds `user:pw@` is, to PHP's stream layer, the host `usr:pw@h`
/// before the port (phpredis 5.3.7 warns "getaddrinfo for usr:pw@127.0.0.1 failed", asked
/// live): sesslint names it the same way, masked and without the brackets only an IPv6
/// address takes (`tcp://[::1]:p`).
#[test]
fn a_seed_host_holding_a_colon_is_named_as_php_reads_it() {
    let Some(php) = php() else { return };
    let tree = tempfile::tempdir().expect("tempdir");
    let (p, q) = (free_port(), free_port());
    let save_path = format!("seed[]=tcp://usr:LeakD1@127.0.0.1:{p}&seed[]=tcp://[::1]:{q}");
    let (stored, said) = php_session(&php, tree.path(), "rediscluster", &save_path);
    assert!(!stored && said.contains("getaddrinfo for usr:LeakD1@127.0.0.1 failed"), "php says {said}");
    let model = sesslint::model::build(&[tree.path().to_path_buf()], &Default::default());
    let named: Vec<String> = model.endpoints[0].targets.iter().map(|t| t.describe()).collect();
    assert_eq!(named, [format!("tcp://usr:********@127.0.0.1:{p} db 0"), format!("tcp://[::1]:{q} db 0")]);
}

/// One command to the server on 127.0.0.1:`port` after `AUTH password`: its reply.
fn authed(port: u16, password: &str, args: &[&[u8]]) -> Resp {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
    let mut req = Vec::new();
    for cmd in [&[&b"AUTH"[..], password.as_bytes()][..], args] {
        req.extend_from_slice(format!("*{}\r\n", cmd.len()).as_bytes());
        for a in cmd {
            req.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            req.extend_from_slice(a);
            req.extend_from_slice(b"\r\n");
        }
    }
    stream.write_all(&req).expect("send");
    let mut reader = std::io::BufReader::new(stream);
    let auth = common::redis::read_resp(&mut reader).expect("AUTH reply");
    assert!(matches!(auth, Resp::Simple(ref s) if s == "OK"), "AUTH: {auth:?}");
    common::redis::read_resp(&mut reader).expect("reply")
}

/// The user names of the failed AUTHs in the server's ACL LOG, newest first; the log is
/// emptied after.
fn failed_auth_users(port: u16, password: &str) -> Vec<String> {
    let Resp::Array(entries) = authed(port, password, &[b"ACL", b"LOG"]) else { panic!("ACL LOG") };
    authed(port, password, &[b"ACL", b"LOG", b"RESET"]);
    let mut users = Vec::new();
    for e in entries {
        let Resp::Array(fields) = e else { continue };
        let text = |r: &Resp| match r {
            Resp::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
            Resp::Simple(s) => s.clone(),
            _ => String::new(),
        };
        let field = |name: &str| fields.chunks(2).find(|kv| text(&kv[0]) == name).map(|kv| text(&kv[1]));
        if field("reason").as_deref() == Some("auth") {
            // ACL LOG groups repeats of one failure in one entry with a count.
            let count: usize = match fields.chunks(2).find(|kv| text(&kv[0]) == "count").map(|kv| &kv[1]) {
                Some(Resp::Int(n)) => *n as usize,
                _ => 1,
            };
            users.extend(std::iter::repeat_n(field("username").unwrap_or_default(), count));
        }
    }
    users
}

/// `auth` with a blank, tab, comma, `:`, `+` or `%3D` where its `=` belongs, or `auth=&`
/// before a word: what phpredis 5.3.7 does, asked live against a server with a password
/// (ACL LOG for the AUTHs it sends, PHP's warnings for the hosts it tries). After a blank,
/// tab or comma it sends AUTH with `auth`'s empty value and tries the word as another host;
/// after `:`, `+` or `%3D` the word is part of a parameter's name, no AUTH is sent
/// (NOAUTH); `auth=&word` sends the empty AUTH. sesslint says so (an empty password, or
/// none) and never names the word, in its model or in any output format.
#[test]
fn the_word_after_an_auth_without_its_equals_sign_is_what_phpredis_does_with_it_and_never_shown() {
    let (Some(php), Some(redis)) = (php(), common::oracle("redis-server")) else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let conf = format!("bind 127.0.0.1\nport {port}\nsave \"\"\nrequirepass e2e-pass\n");
    let _server = start_redis(&redis, &tmp.path().join("locked"), &conf);
    // (separator, phpredis tries the word as a host, phpredis sends AUTH)
    for (sep, tried, sends_auth) in [
        (" ", true, true),
        ("\t", true, true),
        ("  ", true, true),
        (",", true, true),
        (":", false, false),
        ("+", false, false),
        ("%3D", false, false),
        ("=&", false, true),
    ] {
        let word = "LeakW1x";
        let save_path = format!("tcp://127.0.0.1:{port}?timeout=2&auth{sep}{word}");
        let tree = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(tree.path().join("etc/redis")).expect("mkdir");
        std::fs::write(tree.path().join("etc/redis/redis.conf"), &conf).expect("write");
        failed_auth_users(port, "e2e-pass");
        // phpredis picks a host per session id: a few sessions reach both.
        let (mut said_all, mut users) = (String::new(), Vec::new());
        for _ in 0..16 {
            let (stored, said) = php_session(&php, tree.path(), "redis", &save_path);
            assert!(!stored, "{sep:?}: stored without the password");
            said_all += &said;
            users.extend(failed_auth_users(port, "e2e-pass"));
            let host_tried = said_all.contains(&format!("getaddrinfo for {word} failed"));
            if !tried || host_tried && !users.is_empty() {
                break;
            }
        }
        assert_eq!(!users.is_empty(), sends_auth, "{sep:?}: AUTH as {users:?}; php says {said_all}");
        assert!(users.iter().all(|u| u == "default"), "{sep:?}: {users:?}");
        assert_eq!(said_all.contains(&format!("getaddrinfo for {word}")), tried, "{sep:?}: php says {said_all}");
        if !sends_auth {
            assert!(said_all.contains("NOAUTH"), "{sep:?}: php says {said_all}");
        }

        let model = sesslint::model::build(&[tree.path().to_path_buf()], &Default::default());
        let targets = &model.endpoints[0].targets;
        assert_eq!(targets.len(), 1, "{sep:?}: {targets:?}");
        let t = &targets[0];
        assert_eq!(t.auth.is_some(), sends_auth, "{sep:?}: {t:?}");
        assert_eq!(t.problems.contains(&TargetProblem::EmptyPassword), sends_auth, "{sep:?}: {t:?}");
        assert_eq!(t.problems.contains(&TargetProblem::PasswordAfterKeyWithoutEquals), tried, "{sep:?}: {t:?}");
        assert!(!format!("{targets:?}").contains(word), "{sep:?}: {targets:?}");
        let diagnostics = sesslint::check::run(&model, &sesslint::config::Config::default());
        assert!(!diagnostics.is_empty());
        let ctx = sesslint::report::ReportContext::new(&model, false, false);
        let shown = sesslint::show::render_text(&model, &ctx);
        assert!(!shown.contains(word), "{sep:?}:\n{shown}");
        let out = Command::new(env!("CARGO_BIN_EXE_sesslint"))
            .args(["check", "--format", "json"])
            .arg(tree.path())
            .output()
            .expect("run sesslint");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("save_path") && !text.contains(word), "{sep:?}: {text}");
        let out = Command::new(env!("CARGO_BIN_EXE_sesslint")).arg("check").arg(tree.path()).output().expect("run");
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(text.contains("auth") && !text.contains(word), "{sep:?}: {text}");
    }
}

/// Two or more `auth` values in one save path: the user and password phpredis 5.3.7 sends
/// are those of the array PHP's query parser builds (the last of `auth=` and `auth[...]=`
/// decides, a key written twice keeps the later value, `[]` appends), `user` or index 0 and
/// `pass` or index 1 of two entries, `pass` or index 0 of one, nothing of three. Asked live
/// (the session stored, the user of each refused AUTH in ACL LOG): sesslint's model sends
/// the same, and no value sent as the password is ever shown as a user.
#[test]
fn two_auth_values_are_the_user_and_password_phpredis_sends_and_the_password_is_never_shown() {
    let (Some(php), Some(redis)) = (php(), common::oracle("redis-server")) else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let conf =
        format!("bind 127.0.0.1\nport {port}\nsave \"\"\nrequirepass e2e-pass\nuser sessu on >sessp ~* &* +@all\n");
    let _server = start_redis(&redis, &tmp.path().join("acl"), &conf);
    for query in [
        "auth[pass]=sessp&auth[]=sessu",
        "auth[1]=sessp&auth[0]=sessu",
        "auth[pass]=ZQ1a&auth[pass]=e2e-pass",
        "auth=ZQ2a&auth[pass]=e2e-pass",
        "auth[pass]=e2e-pass&auth=ZQ3a",
        "auth[0]=ZQ4a&auth[0]=sessu&auth[1]=sessp",
        "auth[pass]=sessp&auth[0]=sessu",
        "auth[pass]=ZQ5a&auth[]=ZQ5b",
        "auth[]=ZQ6a&auth[pass]=ZQ6b",
        "auth[]=ZQ7a&auth[]=ZQ7b&auth[]=ZQ7c",
        "auth[user]=sessu",
        "auth[user]=sessu&auth[pass][x]=ZQ8a",
        "auth[5]=ZQ9a&auth[]=ZQ9b",
        "auth[user]=ZQ10a&auth[pass]=sessp&auth[user]=sessu",
    ] {
        let save_path = format!("tcp://127.0.0.1:{port}?timeout=2&{query}");
        let tree = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(tree.path().join("etc/redis")).expect("mkdir");
        std::fs::write(tree.path().join("etc/redis/redis.conf"), &conf).expect("write");
        failed_auth_users(port, "e2e-pass");
        let (stored, said) = php_session(&php, tree.path(), "redis", &save_path);
        let users = failed_auth_users(port, "e2e-pass");

        let model = sesslint::model::build(&[tree.path().to_path_buf()], &Default::default());
        let t = &model.endpoints[0].targets[0];
        let linked: Vec<_> = model.servers_of(sesslint::model::EndpointId(0), 0).collect();
        assert_eq!(linked.len(), 1, "{query}: linked to {} servers", linked.len());
        let refused = sesslint::model::link::auth_refused(t, linked[0].1);
        assert_eq!(stored, refused.is_none(), "{query}: php says {said}; sesslint says {refused:?}");
        // No AUTH sent: the server answers NOAUTH, and the model has no credentials.
        assert_eq!(t.auth.is_none(), said.contains("NOAUTH"), "{query}: {t:?}; php says {said}");
        let user = t.auth.as_ref().and_then(|a| a.user.clone()).unwrap_or_else(|| "default".to_owned());
        assert!(users.iter().all(|u| *u == user), "{query}: phpredis logged in as {users:?}, sesslint says {user}");

        let out = Command::new(env!("CARGO_BIN_EXE_sesslint"))
            .args(["check", "--format", "json"])
            .arg(tree.path())
            .output()
            .expect("run sesslint");
        let text = String::from_utf8_lossy(&out.stdout);
        let ctx = sesslint::report::ReportContext::new(&model, false, false);
        let shown = sesslint::show::render_text(&model, &ctx);
        for word in query.split(['&', '=']).filter(|w| w.starts_with("ZQ") && *w != user) {
            assert!(!text.contains(word) && !shown.contains(word), "{query}: {word} shown:\n{text}\n{shown}");
        }
    }
}
