//! `sesslint probe` against real redis-server 7.0 on 127.0.0.1: plain, with a password,
//! with an ACL user, over TLS with certificates made here by `openssl`, a closed port, a
//! database out of range, drift after `CONFIG SET`, and `--write-test`.

mod common;

use std::path::{Path, PathBuf};

use common::redis::{free_port, start_as_configured, Outcome, Server};
use serde_json::Value;

const PASSWORD: &str = "not-a-real-password-7f3a";

/// A tree with one redis.conf (`port`, then `extra` lines) and one php.ini whose sessions go
/// to `save_path`; the server started on it, unless `start` is false.
struct Case {
    dir: tempfile::TempDir,
    port: u16,
    _server: Option<Server>,
}

fn case(redis_conf: &str, save_path: &str, start: bool) -> Option<Case> {
    let redis = common::oracle("redis-server")?;
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let conf_dir = dir.path().join("etc/redis");
    let ini_dir = dir.path().join("etc/php/8.2/fpm");
    std::fs::create_dir_all(&conf_dir).expect("mkdir");
    std::fs::create_dir_all(&ini_dir).expect("mkdir");
    let conf = conf_dir.join("redis.conf");
    let conf_text = redis_conf.replace("{port}", &port.to_string()).replace("{dir}", &dir.path().display().to_string());
    std::fs::write(&conf, format!("bind 127.0.0.1\nsave \"\"\nappendonly no\n{conf_text}")).expect("write conf");
    let save_path = save_path.replace("{port}", &port.to_string()).replace("{dir}", &dir.path().display().to_string());
    std::fs::write(
        ini_dir.join("php.ini"),
        format!("session.save_handler = redis\nsession.save_path = \"{save_path}\"\n"),
    )
    .expect("write ini");
    let server = if start {
        match start_as_configured(&redis, &conf, dir.path(), &[]) {
            Outcome::Running(s) => Some(s),
            Outcome::Refused(log) => panic!("redis-server refused {}:\n{log}", conf.display()),
        }
    } else {
        None
    };
    Some(Case { dir, port, _server: server })
}

/// `sesslint probe --format json DIR [args]`: (exit code, findings, stderr).
fn probe(dir: &Path, args: &[&str]) -> (i32, Vec<Value>, String) {
    let mut all = vec!["probe", "--format", "json"];
    all.extend_from_slice(args);
    let d = dir.display().to_string();
    all.push(&d);
    let out = common::sesslint(&all);
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD), "the password leaks:\n{stdout}\n{stderr}");
    let findings: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    (out.status.code().unwrap_or(-1), findings.as_array().cloned().unwrap_or_default(), stderr)
}

fn codes(findings: &[Value]) -> Vec<String> {
    findings.iter().map(|f| f["code"].as_str().unwrap_or_default().to_owned()).collect()
}

fn message(findings: &[Value], code: &str) -> String {
    findings
        .iter()
        .find(|f| f["code"] == code)
        .map(|f| f["message"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_else(|| panic!("no {code} in {findings:#?}"))
}

/// The running server's answer to one command over TCP (the test's own view, not sesslint's).
fn redis_cli(port: u16, args: &[&str]) -> String {
    let out = std::process::Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "--no-auth-warning"])
        .args(args)
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn a_plain_server_answers_with_its_version_and_no_drift() {
    let Some(c) = case("port {port}\n", "tcp://127.0.0.1:{port}", true) else { return };
    let (code, findings, stderr) = probe(c.dir.path(), &[]);
    assert_eq!(codes(&findings), ["SL505"], "{findings:#?}");
    let version = redis_cli(c.port, &["INFO", "server"]);
    let version = version.lines().find_map(|l| l.strip_prefix("redis_version:")).expect("redis_version").trim();
    let info = message(&findings, "SL505");
    assert!(info.contains(&format!("Redis {version} (INFO server)")), "{info}");
    assert!(info.contains("no drift"), "{info}");
    assert_eq!(code, 0);
    assert!(stderr.contains("1 session target(s), 1 usable"), "{stderr}");
}

#[test]
fn a_closed_port_is_unreachable_within_the_timeout() {
    let Some(c) = case("port {port}\n", "tcp://127.0.0.1:{port}", false) else { return };
    let started = std::time::Instant::now();
    let (code, findings, _) = probe(c.dir.path(), &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(codes(&findings), ["SL501"], "{findings:#?}");
    assert!(message(&findings, "SL501").contains("Connection refused"), "{findings:#?}");
    assert_eq!(code, 1);
}

#[test]
fn a_missing_socket_is_unreachable() {
    let Some(c) = case("port {port}\n", "unix:///{dir}/no-such.sock", false) else { return };
    let (_, findings, _) = probe(c.dir.path(), &[]);
    assert_eq!(codes(&findings), ["SL501"], "{findings:#?}");
}

#[test]
fn passwords_the_server_refuses_are_reported_with_its_reply() {
    let conf = format!("port {{port}}\nrequirepass {PASSWORD}\n");
    // No password sent to a server that needs one.
    let Some(c) = case(&conf, "tcp://127.0.0.1:{port}", true) else { return };
    let (code, findings, _) = probe(c.dir.path(), &[]);
    assert_eq!(codes(&findings), ["SL503"], "{findings:#?}");
    assert!(message(&findings, "SL503").contains("NOAUTH Authentication required"), "{findings:#?}");
    assert_eq!(code, 1);
    // A wrong one.
    let Some(c) = case(&conf, "tcp://127.0.0.1:{port}?auth=wrong-one", true) else { return };
    let (_, findings, _) = probe(c.dir.path(), &[]);
    assert!(message(&findings, "SL503").contains("WRONGPASS"), "{findings:#?}");
    // The right one, over the unix socket too, with --write-test.
    let conf_sock = format!("{conf}unixsocket {{dir}}/r.sock\nunixsocketperm 700\n");
    let Some(c) = case(&conf_sock, &format!("unix://{{dir}}/r.sock?auth={PASSWORD}&database=3"), true) else { return };
    let (code, findings, _) = probe(c.dir.path(), &["--write-test"]);
    assert_eq!(codes(&findings), ["SL505"], "{findings:#?}");
    assert_eq!(code, 0);
    // The test key is gone again.
    assert_eq!(redis_cli(c.port, &["-a", PASSWORD, "-n", "3", "DBSIZE"]), "0");
}

#[test]
fn a_password_sent_to_a_server_without_one_is_refused() {
    let Some(c) = case("port {port}\n", &format!("tcp://127.0.0.1:{{port}}?auth={PASSWORD}"), true) else { return };
    let (_, findings, _) = probe(c.dir.path(), &[]);
    assert_eq!(codes(&findings), ["SL503"], "{findings:#?}");
    // redis-server 7.0.15's own words (acl.c authCommand).
    assert!(
        message(&findings, "SL503")
            .contains("AUTH <password> called without any password configured for the default user"),
        "{findings:#?}"
    );
}

#[test]
fn an_acl_user_is_probed_as_phpredis_sends_it_and_its_limits_show() {
    // The user may read and write sessions but not run CONFIG: drift cannot be compared,
    // and the finding says so; a key pattern without the session prefix fails the write.
    let conf = format!(
        "port {{port}}\nuser default off\nuser sessions on >{PASSWORD} ~PHPREDIS_SESSION:* +@all -@admin\nuser cacheonly on >{PASSWORD} ~cache:* +@all -@admin\n"
    );
    let Some(c) = case(&conf, &format!("tcp://127.0.0.1:{{port}}?auth[]=sessions&auth[]={PASSWORD}"), true) else {
        return;
    };
    let (code, findings, _) = probe(c.dir.path(), &["--write-test"]);
    assert_eq!(codes(&findings), ["SL505"], "{findings:#?}");
    let info = message(&findings, "SL505");
    assert!(info.contains("drift not compared: CONFIG GET refused (NOPERM"), "{info}");
    assert_eq!(code, 0);
    let ini = c.dir.path().join("etc/php/8.2/fpm/php.ini");
    let text = std::fs::read_to_string(&ini).expect("ini").replace("auth[]=sessions", "auth[]=cacheonly");
    std::fs::write(&ini, text).expect("ini");
    let (code, findings, _) = probe(c.dir.path(), &["--write-test"]);
    assert!(message(&findings, "SL507").contains("NOPERM"), "{findings:#?}");
    assert_eq!(code, 1);
    // An unknown user.
    let text = std::fs::read_to_string(&ini).expect("ini").replace("auth[]=cacheonly", "auth[]=nobody");
    std::fs::write(&ini, text).expect("ini");
    let (_, findings, _) = probe(c.dir.path(), &[]);
    assert!(message(&findings, "SL503").contains("WRONGPASS"), "{findings:#?}");
}

#[test]
fn a_database_the_server_lacks_is_refused() {
    let Some(c) = case("port {port}\ndatabases 4\n", "tcp://127.0.0.1:{port}?database=9", true) else { return };
    let (_, findings, _) = probe(c.dir.path(), &[]);
    assert!(message(&findings, "SL504").contains("ERR DB index is out of range"), "{findings:#?}");
}

#[test]
fn drift_after_config_set_is_reported_at_the_files_line() {
    let conf = format!("port {{port}}\nprotected-mode yes\nrequirepass {PASSWORD}\n");
    let Some(c) = case(&conf, &format!("tcp://127.0.0.1:{{port}}?auth={PASSWORD}"), true) else { return };
    let (_, findings, _) = probe(c.dir.path(), &[]);
    assert_eq!(codes(&findings), ["SL505"], "no drift before CONFIG SET: {findings:#?}");
    assert_eq!(redis_cli(c.port, &["-a", PASSWORD, "CONFIG", "SET", "protected-mode", "no"]), "OK");
    assert_eq!(redis_cli(c.port, &["-a", PASSWORD, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]), "OK");
    let (code, findings, _) = probe(c.dir.path(), &[]);
    let drift: Vec<&Value> = findings.iter().filter(|f| f["code"] == "SL506").collect();
    assert_eq!(drift.len(), 2, "{findings:#?}");
    let pm = drift
        .iter()
        .find(|f| f["message"].as_str().is_some_and(|m| m.contains("protected-mode")))
        .expect("protected-mode");
    assert_eq!(pm["message"], "the running server has protected-mode no, its file says yes");
    assert_eq!(pm["path"].as_str().map(|p| p.ends_with("etc/redis/redis.conf")), Some(true));
    assert_eq!(pm["line"], 5, "the protected-mode line (after the 3 lines the test writes first)");
    assert!(message(&findings, "SL505").contains("2 differences (SL506)"));
    assert_eq!(code, 1, "drift is a warning, and probe fails on warnings like check");
    // requirepass cleared by hand: phpredis' AUTH is now what fails (so the drift itself
    // is not reached: the client cannot log in to read it).
    assert_eq!(redis_cli(c.port, &["-a", PASSWORD, "CONFIG", "SET", "requirepass", ""]), "OK");
    let (_, findings, _) = probe(c.dir.path(), &[]);
    assert_eq!(codes(&findings), ["SL503"], "{findings:#?}");
    assert!(message(&findings, "SL503").contains("without any password configured"), "{findings:#?}");
}

#[test]
fn requirepass_drift_is_set_or_not_never_the_value() {
    // The file's default user has a password by an ACL line, not requirepass; someone then
    // set requirepass to that same password at run time: login works, the setting differs.
    let conf = format!("port {{port}}\nuser default on >{PASSWORD} ~* &* +@all\n");
    let Some(c) = case(&conf, &format!("tcp://127.0.0.1:{{port}}?auth={PASSWORD}"), true) else { return };
    assert_eq!(redis_cli(c.port, &["-a", PASSWORD, "CONFIG", "SET", "requirepass", PASSWORD]), "OK");
    let (_, findings, _) = probe(c.dir.path(), &[]);
    assert!(
        findings
            .iter()
            .any(|f| f["message"] == "the running server has requirepass set, its file leaves the default, not set"),
        "{findings:#?}"
    );
}

/// A CA and a server certificate for 127.0.0.1 made with `openssl`, in `dir`.
fn certificates(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let openssl = common::oracle("openssl")?;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(&openssl).current_dir(dir).args(args).output().expect("openssl");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=sesslint test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").expect("ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    Some((dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key")))
}

#[test]
fn tls_with_the_clients_cafile_works_and_without_it_fails() {
    let Some(certs_dir) = tempfile::tempdir().ok() else { return };
    let Some((ca, cert, key)) = certificates(certs_dir.path()) else { return };
    let conf = format!(
        "port 0\ntls-port {{port}}\ntls-cert-file {}\ntls-key-file {}\ntls-ca-cert-file {}\ntls-auth-clients no\nrequirepass {PASSWORD}\n",
        cert.display(),
        key.display(),
        ca.display()
    );
    let trusted = format!("tls://127.0.0.1:{{port}}?auth={PASSWORD}&stream[cafile]={}", ca.display());
    let Some(c) = case(&conf, &trusted, true) else { return };
    let (code, findings, _) = probe(c.dir.path(), &["--write-test"]);
    assert_eq!(codes(&findings), ["SL505"], "{findings:#?}");
    assert!(message(&findings, "SL505").contains("no drift"), "{findings:#?}");
    assert_eq!(code, 0);
    // The system's trust store does not know the test CA.
    let ini = c.dir.path().join("etc/php/8.2/fpm/php.ini");
    let text = std::fs::read_to_string(&ini).expect("ini");
    let cut = text.find("&stream[cafile]").expect("cafile");
    std::fs::write(&ini, format!("{}\"\n", &text[..cut])).expect("ini");
    let (code, findings, _) = probe(c.dir.path(), &[]);
    assert_eq!(codes(&findings), ["SL502"], "{findings:#?}");
    assert!(message(&findings, "SL502").contains("UnknownIssuer"), "{findings:#?}");
    assert_eq!(code, 1);
    // stream[verify_peer]=0, as PHP, turns verification off.
    std::fs::write(&ini, format!("{}&stream[verify_peer]=0\"\n", &text[..cut])).expect("ini");
    let (_, findings, _) = probe(c.dir.path(), &[]);
    assert_eq!(codes(&findings), ["SL505"], "{findings:#?}");
    // Plaintext to the TLS-only port: no answer within the timeout.
    std::fs::write(
        &ini,
        format!("session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:{}?auth={PASSWORD}\"\n", c.port),
    )
    .expect("ini");
    let (_, findings, _) = probe(c.dir.path(), &[]);
    assert_eq!(codes(&findings), ["SL501"], "{findings:#?}");
}

#[test]
fn check_never_probes() {
    // A live-only code never comes out of `check`, even against a closed port.
    let Some(c) = case("port {port}\n", "tcp://127.0.0.1:{port}", false) else { return };
    let out = common::sesslint(&["check", "--format", "json", &c.dir.path().display().to_string()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("\"SL5"), "{text}");
}

#[test]
fn the_running_version_decides_protected_mode_over_the_configured_guess() {
    // sesslint.toml says 6.2, where a `bind` line switched protected mode off; the server
    // runs 7.0, where only a password does: SL505 says the judgement changes.
    let Some(c) = case("port {port}\nprotected-mode yes\n", "tcp://127.0.0.1:{port}", true) else { return };
    std::fs::write(c.dir.path().join("sesslint.toml"), "redis-version = \"6.2\"\n").expect("toml");
    let (_, findings, _) = probe(c.dir.path(), &[]);
    let info = message(&findings, "SL505");
    assert!(info.contains("was read as Redis 6.2, but by Redis 7.0 protected mode refuses remote clients"), "{info}");
    // Without the toml (7.0 assumed), the judgement stands.
    std::fs::remove_file(c.dir.path().join("sesslint.toml")).expect("rm");
    let (_, findings, _) = probe(c.dir.path(), &[]);
    assert!(
        message(&findings, "SL505").contains("(assumed); protected mode applies as it was judged"),
        "{findings:#?}"
    );
}
