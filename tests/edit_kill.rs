//! kill -9 during `check --fix` at random points: every file is its old or its new content,
//! never a mix, and `sesslint restore` brings back the old tree. The apply is slowed by the
//! debug-only hook `SESSLINT_TEST_SLOW_WRITE_MS` (src/edit/slow.rs) so kills land inside it.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How many times the apply is killed.
const RUNS: usize = 40;
const FILES: usize = 6;
const SLOW_MS: &str = "2";

/// A Debian-style fpm tree whose conf.d files each hold an unquoted save path with `=` in
/// it (SL001's quoting fix) after a block of comments, so each write takes many chunks.
fn make_tree(dir: &Path) {
    let fpm = dir.join("etc/php/8.2/fpm");
    std::fs::create_dir_all(fpm.join("conf.d")).expect("mkdir");
    std::fs::write(fpm.join("php.ini"), "[PHP]\nsession.save_handler = files\n").expect("write");
    for i in 0..FILES {
        let mut text = String::new();
        for n in 0..30 {
            text.push_str(&format!("; site {i}: note {n} about this file, long enough to take a few chunks\n"));
        }
        text.push_str(&format!("session.save_path = /var/lib/php/sessions/site{i}=x\n"));
        std::fs::write(fpm.join(format!("conf.d/3{i}-site.ini")), text).expect("write");
    }
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    common::files_below(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "ini"))
        // The backups (`.sesslint/backups/STAMP/...`) are no file of the tree PHP reads.
        .filter(|p| !p.strip_prefix(dir).expect("below").starts_with(".sesslint"))
        .map(|p| (p.strip_prefix(dir).expect("below").to_path_buf(), std::fs::read(&p).expect("read")))
        .collect()
}

fn fix(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sesslint"));
    cmd.args(["check", "--fix", "--quiet"])
        .arg(dir)
        .env("SESSLINT_TEST_SLOW_WRITE_MS", SLOW_MS)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd
}

/// xorshift64*: reproducible kill points from a printed seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn kill_9_at_random_points_leaves_old_or_new_files_and_restore_brings_the_old_tree_back() {
    let base = tempfile::tempdir().expect("tempdir");
    // The old and the new tree, and how long an unkilled run takes.
    let template = base.path().join("template");
    make_tree(&template);
    let old = snapshot(&template);
    let full = base.path().join("full");
    make_tree(&full);
    let started = Instant::now();
    let status = fix(&full).status().expect("run");
    let total = started.elapsed();
    let new = snapshot(&full);
    assert!(status.code().is_some());
    let changed = old.iter().filter(|(p, b)| new.get(*p) != Some(*b)).count();
    assert_eq!(changed, FILES, "every conf.d file is fixed by an unkilled run");

    let seed = std::env::var("SESSLINT_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1
    });
    println!("kill -9 test: {RUNS} runs, an unkilled run takes {total:?}, seed {seed} (SESSLINT_KILL_SEED)");
    let mut rng = Rng(seed);
    let (mut mixed, mut all_new, mut all_old, mut with_temp) = (0, 0, 0, 0);
    for run in 0..RUNS {
        let dir = base.path().join(format!("run{run}"));
        make_tree(&dir);
        let at = Duration::from_micros(rng.next() % (total.as_micros() as u64).max(1));
        let mut child = fix(&dir).spawn().expect("spawn");
        std::thread::sleep(at);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        let now = snapshot(&dir);
        let mut n_new = 0;
        for (path, bytes) in &now {
            if new.get(path) == Some(bytes) && old.get(path) != Some(bytes) {
                n_new += 1;
            } else {
                assert_eq!(
                    old.get(path),
                    Some(bytes),
                    "run {run} (killed at {at:?}, seed {seed}): {} is a mix",
                    path.display()
                );
            }
        }
        assert_eq!(now.len(), old.len(), "run {run}: a file appeared or vanished");
        match n_new {
            0 => all_old += 1,
            n if n == FILES => all_new += 1,
            _ => mixed += 1,
        }
        if common::files_below(&dir).iter().any(|p| p.to_string_lossy().contains("sesslint-tmp")) {
            with_temp += 1;
        }

        let restore = common::sesslint(&["restore", &dir.to_string_lossy()]);
        if !dir.join(".sesslint/restore.json").exists() {
            // Killed before the manifest: nothing was replaced yet.
            assert_eq!(n_new, 0, "run {run}: files replaced without a manifest");
            assert_eq!(restore.status.code(), Some(2));
        } else {
            assert!(restore.status.success(), "run {run}: {}", String::from_utf8_lossy(&restore.stderr));
        }
        assert_eq!(snapshot(&dir), old, "run {run} (killed at {at:?}, seed {seed}): restore");
        let leftovers: Vec<_> =
            common::files_below(&dir).into_iter().filter(|p| p.to_string_lossy().contains("sesslint-tmp")).collect();
        assert!(leftovers.is_empty() || !dir.join(".sesslint/restore.json").exists(), "run {run}: {leftovers:?}");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
    println!("kill -9 test: {all_old} runs killed before any file was replaced, {mixed} between files, {all_new} after the last; {with_temp} in the middle of writing a temporary file");
    assert!(mixed >= 1, "no kill landed between two files' renames (seed {seed}): slow the writes down");
}
