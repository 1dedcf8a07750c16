//! Given a redis.conf, `sesslint parse --kind redis` says what redis-server 7 says: the same
//! files are refused, and for the accepted ones `CONFIG GET` on a real server reports the
//! values sesslint derives from its directive list.
//!
//! Every `fixtures/conformance/redis/*.conf` is one case (files under `_include/` are only
//! included). Both programs run with the case directory as their working directory, because
//! redis-server resolves relative `include` paths against its cwd.

mod common;

use common::redis::{command, Outcome, Resp};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sesslint::syntax::redis_conf::effective_config;

/// Settings the harness overrides on the command line (appended after the file, so they win):
/// their values are not compared.
const OVERRIDDEN: &[&str] = &["port", "unixsocket", "daemonize", "dir", "pidfile"];

fn cases_dir() -> PathBuf {
    common::fixtures().join("conformance/redis")
}

fn cases() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("fixtures/conformance/redis")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "conf"))
        .collect();
    out.sort();
    out
}

fn start_redis(redis: &Path, case: &Path, tmp: &Path) -> Outcome {
    common::redis::start(redis, case, &cases_dir(), tmp, &[])
}

fn config_get(sock: &Path, password: Option<&[u8]>, name: &str) -> Option<String> {
    match command(sock, password, &[b"CONFIG", b"GET", name.as_bytes()]).ok()? {
        Resp::Array(items) if items.len() == 2 => match &items[1] {
            Resp::Bulk(Some(v)) => Some(String::from_utf8_lossy(v).into_owned()),
            _ => None,
        },
        _ => None,
    }
}

struct SesslintView {
    accepted: bool,
    problems: String,
    effective: sesslint::syntax::redis_conf::EffectiveConfig,
}

fn run_sesslint(case: &Path) -> SesslintView {
    let out = common::sesslint_cmd(&["parse", "--show-secrets", "--format", "json", "--kind", "redis"])
        .arg(case)
        .current_dir(cases_dir())
        .output()
        .expect("run sesslint");
    let code = out.status.code();
    assert!(
        matches!(code, Some(0) | Some(1)),
        "{}: sesslint exit {code:?}: {}",
        case.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sesslint prints JSON");
    let list = value.as_array().expect("a JSON array");
    let directives: Vec<(String, Vec<sesslint::syntax::redis_conf::ArgBytes>)> = list
        .iter()
        .map(|d| {
            let name = d["directive"].as_str().expect("directive").to_string();
            let args = d["args"]
                .as_array()
                .expect("args")
                .iter()
                .map(|a| a.as_str().expect("arg").as_bytes().into())
                .collect();
            assert!(d["file"].is_string() && d["line"].is_u64(), "{d}");
            (name, args)
        })
        .collect();
    let effective = effective_config(directives.iter().map(|(n, a)| (n.as_str(), a.as_slice())));
    SesslintView { accepted: code == Some(0), problems: String::from_utf8_lossy(&out.stderr).into_owned(), effective }
}

/// Compare one case; `Err` describes the disagreement.
fn check_case(redis: &Path, case: &Path) -> Result<(), String> {
    let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ours = run_sesslint(case);
    let tmp = tempfile::Builder::new().prefix("sl-redis").tempdir_in("/tmp").map_err(|e| e.to_string())?;
    match start_redis(redis, case, tmp.path()) {
        Outcome::Refused(log) => {
            if ours.accepted {
                return Err(format!("{name}: redis-server refused it, sesslint accepted it. redis said:\n{log}"));
            }
            // The reason sesslint gives is the one redis-server prints.
            let reason =
                ours.problems.lines().next().and_then(|l| l.splitn(4, ':').nth(3)).unwrap_or("").trim().to_string();
            if reason.is_empty() || !log.contains(&reason) {
                return Err(format!(
                    "{name}: both refuse, but redis-server's reason differs.\nsesslint: {}\nredis:\n{log}",
                    ours.problems
                ));
            }
            if !name.starts_with("refused-") {
                return Err(format!("{name}: refused by both, but the case name does not say `refused-`"));
            }
            Ok(())
        }
        Outcome::Running(server) => {
            let sock = tmp.path().join("s.sock");
            if !ours.accepted {
                drop(server);
                return Err(format!("{name}: redis-server runs with it, sesslint refused it:\n{}", ours.problems));
            }
            let password = ours.effective.get("requirepass").filter(|p| !p.is_empty()).map(|p| p.as_bytes());
            let mut diffs = Vec::new();
            for (key, want) in &ours.effective {
                if OVERRIDDEN.contains(&key.as_str()) {
                    continue;
                }
                let got = config_get(&sock, password, key);
                if got.as_deref() != Some(want.as_str()) {
                    diffs.push(format!("  {key}: sesslint {want:?}, redis {got:?}"));
                }
            }
            drop(server);
            if name.starts_with("refused-") {
                diffs.push("  the case name says `refused-` but both accept it".into());
            }
            if diffs.is_empty() {
                Ok(())
            } else {
                Err(format!("{name}:\n{}", diffs.join("\n")))
            }
        }
    }
}

#[test]
fn sesslint_agrees_with_redis_server() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                if let Err(e) = check_case(&redis, case) {
                    failures.lock().unwrap_or_else(|p| p.into_inner()).push(e);
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_else(|p| p.into_inner());
    assert!(failures.is_empty(), "{} of {} cases disagree:\n{}", failures.len(), cases.len(), failures.join("\n"));
    eprintln!("{} redis.conf cases agree with {}", cases.len(), redis.display());
}

/// Every name in the table that redis 7.0 has is accepted by the real server, and every name
/// `CONFIG GET *` lists is in the table.
#[test]
fn directive_table_matches_redis_server() {
    use sesslint::syntax::redis_conf::directives::{Since, DIRECTIVES};
    let Some(redis) = common::oracle("redis-server") else { return };
    let tmp = tempfile::Builder::new().prefix("sl-redis").tempdir_in("/tmp").expect("tempdir");
    let conf = tmp.path().join("empty.conf");
    std::fs::write(&conf, "").expect("write");
    let Outcome::Running(server) = start_redis(&redis, &conf, tmp.path()) else { panic!("an empty config must start") };
    let sock = tmp.path().join("s.sock");
    let Ok(Resp::Array(items)) = command(&sock, None, &[b"CONFIG", b"GET", b"*"]) else { panic!("CONFIG GET *") };
    drop(server);
    let listed: Vec<String> = items
        .iter()
        .step_by(2)
        .filter_map(|r| match r {
            Resp::Bulk(Some(v)) => Some(String::from_utf8_lossy(v).into_owned()),
            _ => None,
        })
        .collect();
    assert!(listed.len() > 150, "{listed:?}");
    let known = |n: &str| DIRECTIVES.iter().any(|d| d.name == n || d.alias == Some(n));
    let missing: Vec<&String> = listed.iter().filter(|n| !known(n)).collect();
    assert!(missing.is_empty(), "redis-server knows names the table lacks: {missing:?}");
    for d in DIRECTIVES.iter().filter(|d| d.since == Since::R70) {
        // In 7.0 the cpulist names were spelled with underscores (the alias in 7.4).
        let name = if d.name.ends_with("-cpulist") { d.alias.unwrap_or(d.name) } else { d.name };
        let hidden = [
            "use-exit-on-panic",
            "watchdog-period",
            "rdb-key-save-delay",
            "key-load-delay",
            "loading-process-events-interval-bytes",
        ];
        if !hidden.contains(&name) {
            assert!(listed.iter().any(|n| n == name), "{name} is not listed by CONFIG GET *");
        }
    }
}
