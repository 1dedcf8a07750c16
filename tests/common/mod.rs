//! Helpers shared by the integration tests: finding the real programs (the oracles),
//! running the sesslint binary, and reading the corpus.
#![allow(dead_code)]

pub mod redis;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The path of a real program used as an oracle, or `None` (with a loud message) when it
/// is missing. With `SESSLINT_REQUIRE_ORACLES=1` (CI sets it) a missing oracle fails.
pub fn oracle(program: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(program)).find(|p| p.is_file()));
    if found.is_none() {
        if std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!("SESSLINT_REQUIRE_ORACLES=1 but `{program}` is not installed (apt-get install php-cli php-redis redis-server)");
        }
        eprintln!("SKIPPED: `{program}` is not installed, so this conformance test compares nothing. Install php-cli php-redis redis-server.");
    }
    found
}

/// Run the sesslint binary built for this test run.
pub fn sesslint(args: &[&str]) -> Output {
    sesslint_cmd(args).output().expect("run sesslint")
}

pub fn sesslint_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sesslint"));
    cmd.args(args);
    cmd
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `../shared/corpus` next to the project, when present.
pub fn shared_corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    p.is_dir().then_some(p)
}

/// Every regular file below `dir`, sorted, following no symlinks out of it.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}
