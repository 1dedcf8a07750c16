//! Throughput of the three parsers on ~1 MB inputs built from the corpus (see
//! `benches/inputs/mod.rs`). `parse` builds the lossless tree only; `values` is what
//! `sesslint parse` computes: the tree plus the values the real program would see (for
//! php.ini the array `parse_ini_string()` returns); `json` adds the JSON text it writes.
//!
//! Run: `cargo bench --bench parsers`. Figures and the comparison with PHP's own parsers:
//! `benches/RESULTS.md` and `scripts/bench-parsers-vs-php.sh`.

mod inputs;

use std::sync::LazyLock;

use divan::counter::BytesCount;
use divan::{black_box, Bencher};
use sesslint::parse_output::parse_source;
use sesslint::syntax::{self, FileKind};
use sesslint::Source;

static INPUTS: LazyLock<inputs::Inputs> = LazyLock::new(inputs::Inputs::build);

fn main() {
    divan::main();
}

fn values(bencher: Bencher, name: &str, bytes: &[u8], kind: FileKind) {
    let source = Source::new(name, bytes.to_vec());
    assert!(parse_source(&source, Some(kind)).accepted, "the {kind:?} benchmark input must be accepted");
    bencher.counter(BytesCount::of_slice(bytes)).bench(|| parse_source(black_box(&source), Some(kind)));
}

fn json(bencher: Bencher, name: &str, bytes: &[u8], kind: FileKind) {
    let source = Source::new(name, bytes.to_vec());
    bencher.counter(BytesCount::of_slice(bytes)).bench(|| {
        let out = parse_source(black_box(&source), Some(kind));
        let mut text = Vec::with_capacity(bytes.len());
        let _ = serde_json::to_writer(&mut text, &out.value);
        text
    });
}

mod php_ini {
    use super::*;

    #[divan::bench]
    fn parse(bencher: Bencher) {
        let bytes = &INPUTS.ini;
        bencher.counter(BytesCount::of_slice(bytes)).bench(|| syntax::ini::parse(black_box(bytes)));
    }

    /// The php-fpm.conf mode: each line scanned on its own.
    #[divan::bench]
    fn parse_per_line(bencher: Bencher) {
        let bytes = &INPUTS.ini;
        bencher
            .counter(BytesCount::of_slice(bytes))
            .bench(|| syntax::ini::parse_with(black_box(bytes), syntax::ini::ScanMode::PerLine));
    }

    /// `parse_ini_file($f, true, INI_SCANNER_NORMAL)` as JSON.
    #[divan::bench]
    fn values(bencher: Bencher) {
        super::values(bencher, "php.ini", &INPUTS.ini, FileKind::Ini);
    }

    /// `json_encode(parse_ini_file($f, true, INI_SCANNER_NORMAL))`, masked.
    #[divan::bench]
    fn json(bencher: Bencher) {
        super::json(bencher, "php.ini", &INPUTS.ini, FileKind::Ini);
    }
}

mod redis_conf {
    use super::*;

    #[divan::bench]
    fn parse(bencher: Bencher) {
        let bytes = &INPUTS.redis;
        bencher.counter(BytesCount::of_slice(bytes)).bench(|| syntax::redis_conf::parse(black_box(bytes)));
    }

    /// The directive list redis-server loads, after its load-time checks. The input has no
    /// `include`; its `dir ./` makes one `stat()` per repetition.
    #[divan::bench]
    fn values(bencher: Bencher) {
        super::values(bencher, "redis.conf", &INPUTS.redis, FileKind::Redis);
    }

    /// What the model reads from the directives: the values `CONFIG GET` would report
    /// (`effective_config`), after parsing.
    #[divan::bench]
    fn effective_config(bencher: Bencher) {
        let bytes = &INPUTS.redis;
        bencher.counter(BytesCount::of_slice(bytes)).bench(|| {
            let tree = syntax::redis_conf::parse(black_box(bytes));
            let directives: Vec<(String, Vec<syntax::redis_conf::ArgBytes>)> = tree
                .directives()
                .map(|(_, d)| (d.name_lowercase(), d.args().iter().map(|a| a.value.clone()).collect()))
                .collect();
            syntax::redis_conf::effective_config(directives.iter().map(|(n, a)| (n.as_str(), a.as_slice())))
        });
    }
}

mod env_php {
    use super::*;

    #[divan::bench]
    fn parse(bencher: Bencher) {
        let bytes = &INPUTS.env_php;
        bencher.counter(BytesCount::of_slice(bytes)).bench(|| syntax::env_php::parse(black_box(bytes)));
    }

    /// `include 'env.php'` as JSON.
    #[divan::bench]
    fn values(bencher: Bencher) {
        super::values(bencher, "env.php", &INPUTS.env_php, FileKind::Envphp);
    }
}
