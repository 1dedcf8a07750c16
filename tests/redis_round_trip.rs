//! Whatever bytes a redis.conf holds, parsing and printing it gives the same bytes back, and
//! the parser never panics.

mod common;

use proptest::prelude::*;
use sesslint::syntax::redis_conf::parse;

fn assert_round_trip(bytes: &[u8]) {
    let tree = parse(bytes);
    assert_eq!(tree.print(), bytes);
    // The line spans tile the input.
    let mut at = 0;
    for line in tree.lines() {
        let content = line.content(bytes);
        assert_eq!(line.span.start, at);
        assert!(content.start >= line.span.start && content.end <= line.span.end);
        if let Some(d) = tree.directive(line) {
            let mut prev = d.name.span.end;
            assert!(d.name.span.start >= content.start);
            for arg in d.args() {
                assert!(arg.span.start > prev && arg.span.end <= content.end, "{arg:?}");
                prev = arg.span.end;
            }
        }
        at = line.span.end;
    }
    assert_eq!(at, bytes.len());
}

fn redisish_line() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"save".to_vec()),
        Just(b"bind".to_vec()),
        Just(b"requirepass".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\t".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\x0b".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"'".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"\\x4".to_vec()),
        Just(b"\\'".to_vec()),
        Just(b"#".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"900".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just(b"\xc3\xa9".to_vec()),
        any::<u8>().prop_map(|b| vec![b]),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn generated_files_round_trip(lines in prop::collection::vec(redisish_line(), 0..8), crlf in any::<bool>(), final_newline in any::<bool>()) {
        let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let mut text = lines.join(eol);
        if final_newline {
            text.extend_from_slice(eol);
        }
        assert_round_trip(&text);
    }

    #[test]
    fn arbitrary_bytes_round_trip(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        assert_round_trip(&bytes);
    }
}

#[test]
fn every_fixture_and_corpus_file_round_trips() {
    // fixtures/ holds the corpus too (fixtures/corpus, SOURCES.md).
    let mut n = 0;
    for file in common::files_below(&common::fixtures()) {
        let bytes = std::fs::read(&file).expect("read fixture");
        assert_round_trip(&bytes);
        n += 1;
    }
    assert!(n > 0);
}

#[test]
fn upstream_config_files_parse_without_errors() {
    let corpus = common::fixtures().join("corpus");
    let mut seen = 0;
    for file in common::files_below(&corpus) {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name != "redis.conf" && name != "valkey.conf" {
            continue;
        }
        seen += 1;
        let bytes = std::fs::read(&file).expect("read");
        let tree = parse(&bytes);
        assert_eq!(tree.errors().count(), 0, "{}", file.display());
        assert!(tree.directives().count() > 0, "{}", file.display());
        // Every directive name in the upstream files is one redis-server or valkey knows.
        for (_, d) in tree.directives() {
            let name = d.name_lowercase();
            assert!(
                !matches!(
                    sesslint::syntax::redis_conf::directives::lookup(&name),
                    sesslint::syntax::redis_conf::directives::Lookup::Unknown
                ),
                "{}: {name}",
                file.display()
            );
        }
    }
    // upstream-valkey's valkey.conf and Debian 12's redis.conf.
    assert!(seen >= 2, "only {seen} redis.conf/valkey.conf files below {}", corpus.display());
}

#[test]
fn pathological_inputs_do_not_panic() {
    let mut huge = b"requirepass ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 1 << 20));
    huge.push(b'\n');
    assert_round_trip(&huge);
    let tree = parse(&huge);
    assert_eq!(tree.directives().count(), 1);

    let mut quotes = b"x \"".to_vec();
    quotes.extend(std::iter::repeat_n(b'\\', 1 << 20));
    assert_round_trip(&quotes);
    assert_eq!(parse(&quotes).errors().count(), 1);

    let many_lines = b"\n".repeat(1 << 20);
    assert_round_trip(&many_lines);

    for bytes in [&b"port \xff\xfe\n"[..], b"port 1\0\n", b"\0", b"\"", b"'\\", b"\r\r\r", b"\xef\xbb\xbfport 1\n"] {
        assert_round_trip(bytes);
    }
    // redis-server keeps `port 1` (fgets() stops at the NUL): misread, not refused.
    assert_eq!(parse(b"port 1\0\n").errors().count(), 0);
    assert_eq!(parse(b"port 1\0\n").misread().count(), 1);
}

#[test]
fn sesslint_parse_reports_nul_and_bad_utf8_without_crashing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let nul = dir.path().join("nul.conf");
    std::fs::write(&nul, b"port 1\0\n").expect("write");
    let out = common::sesslint(&["parse", "--format", "json", "--kind", "redis", nul.to_str().expect("utf-8 path")]);
    // redis-server keeps `port 1` (fgets() stops at the NUL) and starts: accepted, with a
    // warning (fixtures/conformance/redis/nul-*.conf compare this with the program).
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: NUL byte"));

    let bad = dir.path().join("bad.conf");
    std::fs::write(&bad, b"requirepass \xff\xfe\n").expect("write");
    let out = common::sesslint(&["parse", "--format", "json", "--kind", "redis", bad.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0));
}
