//! Every input the fuzzer once broke stays fixed: each file in
//! `fixtures/fuzz-regressions/<target>/` goes through the same checks as the fuzz target of
//! that name (no panic, byte-identical round trip, values computed). No files, no failures.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz-regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    let mut failed = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).expect("read regression input");
        if std::panic::catch_unwind(|| check(&bytes)).is_err() {
            failed.push(file.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target}: {} of {} inputs fail again: {failed:#?}", failed.len(), files.len());
}

#[test]
fn ini_inputs_that_once_failed() {
    replay("ini", checks::check_ini);
}

#[test]
fn redis_conf_inputs_that_once_failed() {
    replay("redis_conf", checks::check_redis_conf);
}

#[test]
fn env_php_inputs_that_once_failed() {
    replay("env_php", checks::check_env_php);
}
