//! The parser benchmark inputs, about 1 MB each, built from the real files in
//! `fixtures/corpus` so that they look like what sesslint reads on real machines.
//! Shared by `benches/parsers.rs` and `examples/bench_parsers.rs` (which writes the same
//! inputs to disk for PHP to read), so both sides measure the same bytes.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Each input is the corpus material repeated until it is at least this long.
pub const TARGET_LEN: usize = 1_000_000;

pub struct Inputs {
    /// Every `php.ini*` and every `conf.d/*.ini` / `php.d/*.ini` in the corpus, one after
    /// the other, repeated.
    pub ini: Vec<u8>,
    /// valkey.conf (upstream) and Debian 12's redis.conf, one after the other, repeated.
    pub redis: Vec<u8>,
    /// One env.php returning `[0 => <corpus env.php array>, 1 => ..., ...]`, cycling
    /// through the corpus's Magento env.php arrays.
    pub env_php: Vec<u8>,
}

impl Inputs {
    pub fn build() -> Inputs {
        Inputs { ini: ini(), redis: redis(), env_php: env_php() }
    }
}

pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus")
}

pub fn ini() -> Vec<u8> {
    let files: Vec<PathBuf> = files_below(&corpus())
        .into_iter()
        .filter(|f| {
            let name = file_name(f);
            let dir = f.parent().map(file_name).unwrap_or_default();
            name.starts_with("php.ini") || ((dir == "conf.d" || dir == "php.d") && name.ends_with(".ini"))
        })
        .collect();
    assert!(files.len() > 40, "the ini corpus is missing: {} files", files.len());
    repeat_to_target(&concat_lines(&files))
}

pub fn redis() -> Vec<u8> {
    let c = corpus();
    repeat_to_target(&concat_lines(&[c.join("upstream-valkey/valkey.conf"), c.join("debian12-etc/redis/redis.conf")]))
}

pub fn env_php() -> Vec<u8> {
    use sesslint::syntax::env_php;
    let arrays: Vec<Vec<u8>> = files_below(&corpus())
        .into_iter()
        .filter(|f| file_name(f) == "env.php")
        .map(|f| {
            let bytes = read(&f);
            let env = env_php::parse(&bytes);
            let root = env.root_array().unwrap_or_else(|| panic!("{} returns no array", f.display()));
            assert!(env.is_accepted(), "{}: {:?}", f.display(), env.errors);
            env.text(env.array(root).span).to_vec()
        })
        .collect();
    assert!(arrays.len() >= 4, "the env.php corpus is missing");
    let mut out =
        b"<?php\n// The Magento env.php arrays of sesslint's corpus, nested under numbered keys.\nreturn [\n".to_vec();
    let mut key = 0;
    while out.len() < TARGET_LEN {
        for array in &arrays {
            out.extend_from_slice(format!("    {key} => ").as_bytes());
            out.extend_from_slice(array);
            out.extend_from_slice(b",\n");
            key += 1;
        }
    }
    out.extend_from_slice(b"];\n");
    out
}

fn concat_lines(files: &[PathBuf]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in files {
        out.extend_from_slice(&read(f));
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    out
}

fn repeat_to_target(unit: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(TARGET_LEN + unit.len());
    while out.len() < TARGET_LEN {
        out.extend_from_slice(unit);
    }
    out
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Regular files below `dir`, sorted, so the inputs are the same on every machine.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let entry = entry.expect("read_dir entry");
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() {
                todo.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    out
}
