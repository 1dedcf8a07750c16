//! What sesslint believes about a Redis server is what redis-server 7.0 does with the same
//! files, asked live:
//! - the default user (`fixtures/live/default-user/*/`): an unauthenticated PING, `AUTH pw`
//!   and `AUTH default pw` against the model's default user (requirepass, `user default` in
//!   either order, `aclfile` and its ACL file, nopass/resetpass/reset/off, several passwords,
//!   `<pw`, `#hash`, `!hash`), and SL201 fires exactly when the server lets clients in;
//! - protected mode (`fixtures/live/protected-mode/*/`): a client from 127.0.0.2 is answered
//!   `DENIED` exactly when the model says protected mode refuses other hosts;
//! - startup (`fixtures/live/startup/*/`): redis-server exits at startup exactly when the
//!   model has a startup failure, and logs the message sesslint quotes.
//!
//! In each case file `{DIR}` is the directory the case was copied to, `{PORT}` a free port,
//! `{HIGHPORT}` a free port above 55535.

mod common;

use std::path::{Path, PathBuf};

use common::redis::{command, command_from, start, start_as_configured, Outcome, Resp};
use sesslint::model::redis::{Protection, RedisServer};

const PASSWORD: &[u8] = b"Xy7pQ2sLmN4vB8cR";

fn cases(kind: &str) -> Vec<PathBuf> {
    let dir = common::fixtures().join("live").join(kind);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// Copy a case to `tmp/etc/redis/`, filling in `{DIR}`, `{PORT}` and `{HIGHPORT}` (a free port
/// above 55535, where a cluster node's bus port would pass 65535); the config's path.
fn lay_out(case: &Path, tmp: &Path, port: u16) -> PathBuf {
    let dir = tmp.join("etc/redis");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for entry in std::fs::read_dir(case).expect("case dir").filter_map(Result::ok) {
        let text = std::fs::read_to_string(entry.path()).expect("case file");
        let text = text.replace("{DIR}", &dir.to_string_lossy()).replace("{PORT}", &port.to_string());
        let text = if text.contains("{HIGHPORT}") {
            text.replace("{HIGHPORT}", &common::redis::free_port_in(55536..=65535).to_string())
        } else {
            text
        };
        std::fs::write(dir.join(entry.file_name()), text).expect("write case file");
    }
    dir.join("redis.conf")
}

/// sesslint's model of the tree (absolute paths are this machine's: root `/`), its one
/// server, and the codes it reports.
fn model_of(tmp: &Path) -> (sesslint::model::Model, Vec<&'static str>) {
    let model = sesslint::model::build(
        &[tmp.to_path_buf()],
        &sesslint::model::BuildOptions { root: Some(Path::new("/")), ..Default::default() },
    );
    assert_eq!(model.redis.len(), 1, "one server in {}", tmp.display());
    let codes =
        sesslint::check::run(&model, &sesslint::config::Config::default()).iter().map(|d| d.code.as_str()).collect();
    (model, codes)
}

fn server(model: &sesslint::model::Model) -> &RedisServer {
    &model.redis[0]
}

fn ok(r: &std::io::Result<Resp>) -> bool {
    matches!(r, Ok(Resp::Simple(s)) if s == "OK" || s == "PONG")
}

#[test]
fn the_default_user_is_the_one_redis_server_builds() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let mut checked = 0;
    for case in cases("default-user") {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let tmp = tempfile::tempdir().expect("tempdir");
        let conf = lay_out(&case, tmp.path(), 0);
        let (model, codes) = model_of(tmp.path());
        let user = &server(&model).default_user;
        assert!(server(&model).startup_failures.is_empty(), "{name}: {:?}", server(&model).startup_failures);
        let run = tmp.path().join("run");
        std::fs::create_dir(&run).expect("mkdir");
        let s = match start(&redis, &conf, tmp.path(), &run, &[]) {
            Outcome::Running(s) => s,
            Outcome::Refused(log) => panic!("{name}: redis-server refused a case sesslint accepts:\n{log}"),
        };
        let sock = run.join("s.sock");
        let ping = command(&sock, None, &[b"PING"]);
        let auth = command(&sock, None, &[b"AUTH", PASSWORD]);
        let auth_default = command(&sock, None, &[b"AUTH", b"default", PASSWORD]);
        drop(s);
        assert_eq!(ok(&ping), user.is_open(), "{name}: unauthenticated PING -> {ping:?}, model {user:?}");
        assert_eq!(ok(&auth), user.auth_succeeds(PASSWORD), "{name}: AUTH pw -> {auth:?}, model {user:?}");
        assert_eq!(
            ok(&auth_default),
            user.auth_as_default_succeeds(PASSWORD),
            "{name}: AUTH default pw -> {auth_default:?}, model {user:?}"
        );
        assert_eq!(
            codes.contains(&"SL201"),
            ok(&ping),
            "{name}: SL201 iff clients get in without a password: {codes:?}"
        );
        // `decided-at`: the `file:line` that decided the default user, which SL201 points at.
        if let Ok(want) = std::fs::read_to_string(case.join("decided-at")) {
            let at = user.at.unwrap_or_else(|| panic!("{name}: the model says built in, {want}"));
            let pos = model.files[at.file.0].source.position(at.span.start);
            let file = model.path(at.file).file_name().and_then(|n| n.to_str()).unwrap_or_default();
            assert_eq!(format!("{file}:{}", pos.line), want.trim(), "{name}: the line that decided the default user");
            let sl201 = sesslint::check::run(&model, &sesslint::config::Config::default())
                .into_iter()
                .find(|d| d.code.as_str() == "SL201");
            if let Some(d) = sl201 {
                assert_eq!(d.primary.path, *model.path(at.file), "{name}: SL201 points elsewhere");
                assert!(!d.primary.message.contains("no requirepass"), "{name}: {}", d.primary.message);
            }
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} cases");
}

#[test]
fn protected_mode_refuses_other_hosts_exactly_when_the_model_says() {
    let Some(redis) = common::oracle("redis-server") else { return };
    for case in cases("protected-mode") {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let tmp = tempfile::tempdir().expect("tempdir");
        let port = common::redis::free_port();
        let conf = lay_out(&case, tmp.path(), port);
        let (model, codes) = model_of(tmp.path());
        let s = server(&model);
        // The model reads the file as written (`bind 0.0.0.0`); the live server listens on
        // 127.0.0.1 only, which on 7.0 changes nothing about protected mode (facts 2.3).
        let live = match start_as_configured(
            &redis,
            &conf,
            tmp.path(),
            &["--bind", "127.0.0.1", "--dir", &tmp.path().to_string_lossy()],
        ) {
            Outcome::Running(live) => live,
            Outcome::Refused(log) => panic!("{name}: redis-server refused:\n{log}"),
        };
        let remote = command_from("127.0.0.2".parse().expect("ip"), port, &[b"PING"]);
        let local = command_from("127.0.0.1".parse().expect("ip"), port, &[b"PING"]);
        drop(live);
        let denied = matches!(&remote, Ok(Resp::Error(e)) if e.starts_with("DENIED"));
        assert!(!matches!(&local, Ok(Resp::Error(e)) if e.starts_with("DENIED")), "{name}: local client denied");
        assert_eq!(
            denied,
            s.protection() == Protection::RemoteDenied,
            "{name}: client from 127.0.0.2 -> {remote:?}; model protected={} nopass={} version {}",
            s.protected_mode,
            s.default_user.nopass,
            s.version.name()
        );
        // Refused remote clients are no network exposure, and the finding says why.
        if denied {
            assert!(!codes.contains(&"SL202"), "{name}: SL202 for a server that refuses other hosts: {codes:?}");
        }
        assert_eq!(codes.contains(&"SL201"), s.default_user.is_open(), "{name}: {codes:?}");
    }
}

#[test]
fn redis_server_aborts_at_startup_exactly_when_sesslint_says() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let mut failing = 0;
    for case in cases("startup") {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let tmp = tempfile::tempdir().expect("tempdir");
        // Some cases start a cluster node, which binds a bus port at port + 10000 too.
        let port = common::redis::free_cluster_port();
        let conf = lay_out(&case, tmp.path(), port);
        let (model, codes) = model_of(tmp.path());
        let s = server(&model);
        let predicted: Vec<String> = s.startup_failures.iter().map(|f| f.message.clone()).collect();
        let acl_errors = model
            .files
            .iter()
            .filter(|f| f.role == sesslint::Role::RedisAcl)
            .flat_map(|f| f.syntax_errors.iter())
            .count();
        match start_as_configured(&redis, &conf, tmp.path(), &["--dir", &tmp.path().to_string_lossy()]) {
            Outcome::Running(_) => {
                assert!(
                    predicted.is_empty() && acl_errors == 0,
                    "{name}: redis-server starts, sesslint says {predicted:?} ({acl_errors} ACL file errors)"
                );
                assert!(!codes.contains(&"SL001"), "{name}: SL001 for a file redis-server starts with: {codes:?}");
            }
            Outcome::Refused(log) => {
                failing += 1;
                assert!(codes.contains(&"SL001"), "{name}: redis-server exits, sesslint says nothing:\n{log}");
                // The line redis-server logs is the one sesslint quotes (before its explanation).
                let quoted = predicted
                    .iter()
                    .map(|m| m.split(" (").next().unwrap_or(m).split(": ").next().unwrap_or(m).to_owned())
                    .chain((acl_errors > 0).then(|| "Aborting Redis startup because of ACL errors".to_owned()))
                    .collect::<Vec<_>>();
                assert!(
                    quoted.iter().any(|q| log.contains(q.as_str())),
                    "{name}: redis-server logged\n{log}\nsesslint says {predicted:?}"
                );
            }
        }
    }
    assert!(failing >= 10, "only {failing} failing cases");
}

#[test]
fn the_same_port_for_plain_and_tls_aborts_startup() {
    let Some(redis) = common::oracle("redis-server") else { return };
    // Needs a certificate redis-server can load: Debian's ssl-cert snakeoil pair.
    let (cert, key) = ("/etc/ssl/certs/ssl-cert-snakeoil.pem", "/etc/ssl/private/ssl-cert-snakeoil.key");
    if std::fs::read(cert).is_err() || std::fs::read(key).is_err() {
        common::skipped(
            "no readable ssl-cert snakeoil pair (apt-get install ssl-cert), so port = tls-port is not pinned live",
        );
        return;
    }
    for same in [true, false] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (port, tls) = (common::redis::free_port(), common::redis::free_port());
        let tls = if same { port } else { tls };
        let dir = tmp.path().join("etc/redis");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let conf = dir.join("redis.conf");
        std::fs::write(
            &conf,
            format!("bind 127.0.0.1\nport {port}\ntls-port {tls}\ntls-cert-file {cert}\ntls-key-file {key}\ntls-auth-clients no\n"),
        )
        .expect("write");
        let (model, _) = model_of(tmp.path());
        let predicted = !server(&model).startup_failures.is_empty();
        let refused = match start_as_configured(&redis, &conf, tmp.path(), &["--dir", &tmp.path().to_string_lossy()]) {
            Outcome::Running(_) => None,
            Outcome::Refused(log) => Some(log),
        };
        assert_eq!(
            predicted,
            refused.is_some(),
            "port {port}, tls-port {tls}: {refused:?} / {:?}",
            server(&model).startup_failures
        );
        if let Some(log) = refused {
            assert!(log.contains("Address already in use"), "{log}");
        }
    }
}
