//! A redis.conf holding a NUL byte, as redis-server 7.0 reads it (fgets() drops the rest of
//! the read, often the newline, so the next line joins): `check` says so as a warning and
//! SL001 "refuses to start" only when the live server refuses; the tree marks the lines read
//! otherwise than written, and `migrate --harden-redis` plans no edit in such a file.
//! Cases: `fixtures/conformance/redis/*nul*.conf`, each started live on a unix socket.

mod common;

use std::path::{Path, PathBuf};

use common::redis::{start, Outcome};
use sesslint::diagnostic::Severity;
use sesslint::syntax::redis_conf::LineKind;

fn cases() -> Vec<PathBuf> {
    let dir = common::fixtures().join("conformance/redis");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains("nul") && n.ends_with(".conf")))
        .collect();
    out.sort();
    out
}

/// Copy `case` to `tmp/tree/etc/redis/redis.conf`; its path.
fn lay_out(case: &Path, tmp: &Path) -> PathBuf {
    let dir = tmp.join("tree/etc/redis");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let conf = dir.join("redis.conf");
    std::fs::copy(case, &conf).expect("copy case");
    conf
}

#[test]
fn check_reports_a_nul_byte_as_redis_server_reads_it() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let (mut started, mut refused) = (0, 0);
    for case in cases() {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let tmp = tempfile::tempdir().expect("tempdir");
        let conf = lay_out(&case, tmp.path());
        let model = sesslint::model::build(
            &[tmp.path().join("tree")],
            &sesslint::model::BuildOptions { root: Some(tmp.path().join("tree").as_path()), ..Default::default() },
        );
        let found = sesslint::check::run(&model, &sesslint::config::Config::default());
        let sl001 = |severity: Severity| {
            found
                .iter()
                .filter(move |d| d.code.as_str() == "SL001" && d.severity == severity)
                .map(|d| d.message.clone())
        };
        let errors: Vec<String> = sl001(Severity::Error).collect();
        let warnings: Vec<String> = sl001(Severity::Warning).collect();
        assert!(warnings.iter().any(|w| w.starts_with("NUL byte: redis-server drops")), "{name}: {warnings:?}");
        assert!(errors.iter().all(|e| !e.contains("NUL")), "{name}: a NUL byte called a refusal: {errors:?}");

        let run = tmp.path().join("run");
        std::fs::create_dir(&run).expect("mkdir");
        match start(&redis, &conf, conf.parent().expect("dir"), &run, &[]) {
            Outcome::Running(_server) => {
                started += 1;
                assert!(errors.is_empty(), "{name}: redis-server starts, sesslint says it refuses: {errors:?}");
            }
            Outcome::Refused(log) => {
                refused += 1;
                assert!(!errors.is_empty(), "{name}: redis-server refuses, sesslint says nothing:\n{log}");
            }
        }

        // Every line of a NUL's run is marked in the tree, none is a directive of it.
        let bytes = std::fs::read(&conf).expect("read");
        let tree = sesslint::syntax::redis_conf::parse(&bytes);
        for line in tree.lines() {
            let text = line.span.slice(&bytes);
            if text.contains(&0) {
                assert!(matches!(line.kind, LineKind::Misread(_)), "{name}: {:?}", String::from_utf8_lossy(text));
            }
        }
        assert_eq!(tree.print(), bytes, "{name}: the tree prints the file back");

        // No edit is planned in a file redis-server reads otherwise than written.
        let out = common::sesslint_cmd(&[
            "migrate",
            "--password-env",
            "REDIS_PASSWORD",
            "--harden-redis",
            "--redis",
            "tcp://127.0.0.1:6379",
            "tree/etc",
        ])
        .current_dir(tmp.path())
        .env("REDIS_PASSWORD", "Xy7pQ2sLmN4vB8cRXy7pQ2sLmN4vB8cR")
        .output()
        .expect("run sesslint migrate");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains("NUL byte"), "{name}: {stderr}");
        assert_eq!(std::fs::read(&conf).expect("read"), bytes, "{name}: the file was changed");
    }
    assert!(started >= 3 && refused >= 1, "{started} started, {refused} refused");
}

#[test]
fn the_line_a_nul_joins_is_marked_too() {
    let conf = sesslint::syntax::redis_conf::parse(b"# a comment\0 then\nmaxmemory 3mb\nport 7\n");
    let kinds: Vec<&LineKind> = conf.lines().iter().map(|l| &l.kind).collect();
    assert!(matches!(kinds[0], LineKind::Misread(_)));
    // redis-server reads `# a commentmaxmemory 3mb`: a comment, not a directive.
    assert!(matches!(kinds[1], LineKind::Misread(_)));
    let joined = conf.line_error(&conf.lines()[1]).expect("the joined line's error");
    assert!(joined.message.contains("joined to the end of line 1"), "{joined:?}");
    assert!(matches!(kinds[2], LineKind::Directive(_)));
    assert_eq!(conf.misread().count(), 2);
    assert_eq!(conf.errors().count(), 0);
}
