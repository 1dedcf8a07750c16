//! Times sesslint's parsers on the benchmark inputs, for `scripts/bench-parsers-vs-php.sh`,
//! which times PHP's own parsers on the same files.
//!
//! ```text
//! bench_parsers write-inputs DIR                  write DIR/php.ini, DIR/redis.conf, DIR/env.php
//! bench_parsers time DIR ITERATIONS [ROUNDS]      time each parser on those files
//! bench_parsers run FILE KIND VARIANT ITERATIONS   run one measurement, untimed (for callgrind)
//! ```
//!
//! `time` runs every measurement once untimed, then ROUNDS rounds (default 5) in which each
//! measurement loops ITERATIONS times; whichever runs first in a process pays for warming
//! the allocator, so rounds interleave the measurements and the median round is reported.
//! One line per measurement: `sesslint <format> <variant> <bytes> <iterations> <seconds>
//! <MB/s>` (seconds of the median round, MB = 10^6 bytes). `parse` is the lossless tree;
//! `values` is what `sesslint parse` computes before it writes anything (the tree, then the
//! values: for php.ini the array `parse_ini_string()` returns, as a `PhpArray`; problems
//! located); `json` is `values` plus the JSON text `sesslint parse --format json` writes
//! (masked), into a buffer.

#[path = "../benches/inputs/mod.rs"]
mod inputs;

use std::hint::black_box;
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
        ["time", dir, n] => time(Path::new(dir), n, "5"),
        ["time", dir, n, rounds] => time(Path::new(dir), n, rounds),
        ["run", file, kind, variant, n] => run(Path::new(file), kind, variant, n),
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: bench_parsers write-inputs DIR | bench_parsers time DIR ITERATIONS [ROUNDS] | bench_parsers run FILE ini|redis|envphp parse|values|json ITERATIONS"
    );
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

/// One timed loop: which file, which variant, and the seconds each round took.
struct Measurement {
    format: String,
    variant: &'static str,
    source: Source,
    kind: FileKind,
    rounds: Vec<f64>,
}

impl Measurement {
    fn run(&self) {
        once(&self.source, self.kind, self.variant);
    }
}

/// One iteration of a measurement (a symbol of its own, for `callgrind --toggle-collect`).
#[inline(never)]
fn once(source: &Source, kind: FileKind, variant: &str) {
    let bytes = &source.bytes;
    match (variant, kind) {
        ("parse", FileKind::Ini) => drop(black_box(syntax::ini::parse(black_box(bytes)))),
        ("parse", FileKind::Redis) => drop(black_box(syntax::redis_conf::parse(black_box(bytes)))),
        ("parse", FileKind::Envphp) => drop(black_box(syntax::env_php::parse(black_box(bytes)))),
        ("json", _) => {
            let out = parse_source(black_box(source), Some(kind));
            let mut text = Vec::with_capacity(bytes.len());
            let _ = serde_json::to_writer(&mut text, &out.value);
            drop(black_box(text));
        }
        _ => drop(black_box(parse_source(black_box(source), Some(kind)))),
    }
}

fn run(file: &Path, kind: &str, variant: &str, iterations: &str) -> ExitCode {
    let kind = match kind {
        "ini" => FileKind::Ini,
        "redis" => FileKind::Redis,
        "envphp" => FileKind::Envphp,
        _ => return usage(),
    };
    let (Ok(iterations @ 1..), "parse" | "values" | "json") = (iterations.parse::<u32>(), variant) else {
        return usage();
    };
    let source = match Source::read(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return ExitCode::FAILURE;
        }
    };
    for _ in 0..iterations {
        once(&source, kind, variant);
    }
    ExitCode::SUCCESS
}

fn time(dir: &Path, iterations: &str, rounds: &str) -> ExitCode {
    let (Ok(iterations @ 1..), Ok(rounds @ 1..)) = (iterations.parse::<u32>(), rounds.parse::<usize>()) else {
        return usage();
    };
    let mut measurements = Vec::new();
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
        for variant in ["parse", "values", "json"] {
            let format = name.replace('.', "_");
            measurements.push(Measurement { format, variant, source: source.clone(), kind, rounds: Vec::new() });
        }
    }
    for m in &measurements {
        m.run();
    }
    for _ in 0..rounds {
        for m in &mut measurements {
            let start = Instant::now();
            for _ in 0..iterations {
                m.run();
            }
            m.rounds.push(start.elapsed().as_secs_f64());
        }
    }
    for m in &mut measurements {
        m.rounds.sort_by(f64::total_cmp);
        let seconds = m.rounds[m.rounds.len() / 2];
        let len = m.source.bytes.len();
        let mb_per_s = len as f64 * f64::from(iterations) / seconds / 1e6;
        println!("sesslint {} {} {len} {iterations} {seconds:.6} {mb_per_s:.2}", m.format, m.variant);
    }
    ExitCode::SUCCESS
}
