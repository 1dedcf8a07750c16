//! `sesslint lsp` end to end with a real LSP client: pytest-lsp drives the binary over
//! stdio through the scenarios in `tests/lsp/test_lsp.py` (diagnostics, quick fix, hover,
//! a burst of edits, garbage input, masking, UTF-16 and UTF-8 positions).
//!
//! Without python3 and pytest-lsp the test prints SKIPPED and checks nothing; with
//! `SESSLINT_REQUIRE_ORACLES=1` (CI) that is a failure. `.ci/run` installs them.

mod common;

use std::path::Path;
use std::process::Command;

fn client_missing() -> Option<String> {
    match Command::new("python3").args(["-c", "import pytest, pytest_lsp"]).output() {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").to_owned()),
        Err(e) => Some(format!("python3: {e}")),
    }
}

#[test]
fn the_language_server_with_a_real_client() {
    if let Some(why) = client_missing() {
        if std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!(
                "SESSLINT_REQUIRE_ORACLES=1 but the LSP test client is missing ({why}); pip install pytest pytest-lsp"
            );
        }
        common::skipped(&format!(
            "the LSP end-to-end tests need python3 with pytest-lsp ({why}); pip install pytest pytest-lsp"
        ));
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/lsp"])
        .current_dir(root)
        .env("SESSLINT_BIN", env!("CARGO_BIN_EXE_sesslint"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run python3 -m pytest");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{report}");
    assert!(out.status.success(), "pytest-lsp scenarios failed:\n{report}");
}
