//! Times sesslint's parsers on the benchmark inputs, for `scripts/bench-parsers-vs-php.sh`,
//! which times PHP's own parsers on the same files.
//!
//! ```text
//! bench_parsers write-inputs DIR       write DIR/php.ini, DIR/redis.conf, DIR/env.php
//! bench_parsers time DIR ITERATIONS    time each parser ITERATIONS times on those files
//! ```
//!
//! `time` prints one line per measurement: `sesslint <format> <variant> <bytes> <iterations>
//! <seconds> <MB/s>` (MB = 10^6 bytes). `parse` is the lossless tree; `values` is what
//! `sesslint parse` computes (tree, values, JSON). One untimed run comes first.

#[path = "../benches/inputs/mod.rs"]
mod inputs;

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use sesslint::parse_output::parse_source;
use sesslint::syntax::{self, FileKind};
use sesslint::Source;

const FILES: [(&str, FileKind); 3] =
    [("php.ini", FileKind::Ini), ("redis.conf", FileKind::Redis), ("env.php", FileKind::Envphp)];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["write-inputs", dir] => write_inputs(Path::new(dir)),
        ["time", dir, n] => match n.parse::<u32>() {
            Ok(n) if n > 0 => time(Path::new(dir), n),
            _ => usage(),
        },
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: bench_parsers write-inputs DIR | bench_parsers time DIR ITERATIONS");
    ExitCode::from(2)
}

fn write_inputs(dir: &Path) -> ExitCode {
    let inputs = inputs::Inputs::build();
    for (name, bytes) in [("php.ini", &inputs.ini), ("redis.conf", &inputs.redis), ("env.php", &inputs.env_php)] {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, bytes) {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn time(dir: &Path, iterations: u32) -> ExitCode {
    for (name, kind) in FILES {
        let path = dir.join(name);
        let source = match Source::read(&path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        };
        let out = parse_source(&source, Some(kind));
        if !out.accepted {
            eprintln!("{}: not accepted, the figures would not mean much: {:?}", path.display(), out.problems.first());
            return ExitCode::FAILURE;
        }
        let format = name.replace('.', "_");
        let bytes = &source.bytes;
        report(&format, "parse", bytes.len(), iterations, || match kind {
            FileKind::Ini => drop(std::hint::black_box(syntax::ini::parse(std::hint::black_box(bytes)))),
            FileKind::Redis => drop(std::hint::black_box(syntax::redis_conf::parse(std::hint::black_box(bytes)))),
            FileKind::Envphp => drop(std::hint::black_box(syntax::env_php::parse(std::hint::black_box(bytes)))),
        });
        report(&format, "values", bytes.len(), iterations, || {
            drop(std::hint::black_box(parse_source(std::hint::black_box(&source), Some(kind))))
        });
    }
    ExitCode::SUCCESS
}

fn report(format: &str, variant: &str, len: usize, iterations: u32, mut run: impl FnMut()) {
    run();
    let start = Instant::now();
    for _ in 0..iterations {
        run();
    }
    let seconds = start.elapsed().as_secs_f64();
    let mb_per_s = len as f64 * f64::from(iterations) / seconds / 1e6;
    println!("sesslint {format} {variant} {len} {iterations} {seconds:.6} {mb_per_s:.2}");
}
