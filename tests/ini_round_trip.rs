//! Never lose a byte: printing an unedited php.ini tree gives the input back, for every
//! input, valid or not, in both scan modes.

mod common;

use proptest::prelude::*;
use sesslint::syntax::ini::{self, NodeKind, ScanMode};

fn assert_round_trip(bytes: &[u8]) {
    for mode in [ScanMode::WholeFile, ScanMode::PerLine] {
        let doc = ini::parse_with(bytes, mode);
        assert_eq!(doc.print(), bytes, "round trip in {mode:?}");
        // The nodes tile the input: each starts where the previous one ended.
        let mut at = 0;
        for n in &doc.nodes {
            assert_eq!(n.span.start, at, "gap or overlap before {n:?}");
            at = n.span.end;
        }
        assert_eq!(at, bytes.len());
    }
}

/// Pieces that exercise every scanner state and its corners.
fn ini_piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"a".to_vec()),
        Just(b"key".to_vec()),
        Just(b" = ".to_vec()),
        Just(b"=".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b";c".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"'".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"${".to_vec()),
        Just(b"}".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b"$".to_vec()),
        Just(b"|".to_vec()),
        Just(b"&".to_vec()),
        Just(b"~".to_vec()),
        Just(b"!".to_vec()),
        Just(b"(".to_vec()),
        Just(b")".to_vec()),
        Just(b"^".to_vec()),
        Just(b"on".to_vec()),
        Just(b"null".to_vec()),
        Just(b"E_ALL".to_vec()),
        Just(b"12".to_vec()),
        Just(b"1.5".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\t".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\xff".to_vec()),
        Just(b"#".to_vec()),
        Just(b"tcp://h:6379?auth=x".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..4),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn generated_ini_round_trips(pieces in proptest::collection::vec(ini_piece(), 0..40)) {
        assert_round_trip(&pieces.concat());
    }

    #[test]
    fn arbitrary_bytes_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        assert_round_trip(&bytes);
    }
}

#[test]
fn every_fixture_and_corpus_file_round_trips() {
    // fixtures/ holds the corpus too (fixtures/corpus, SOURCES.md).
    let files = common::files_below(&common::fixtures());
    assert!(files.len() > 100);
    for f in files {
        let bytes = std::fs::read(&f).expect("read fixture");
        assert_round_trip(&bytes);
    }
}

#[test]
fn distribution_files_parse_without_errors() {
    for dir in ["corpus/debian12-etc/php", "corpus/rhel9-etc", "corpus/upstream-php"] {
        for f in common::files_below(&common::fixtures().join(dir)) {
            let doc = ini::parse(&std::fs::read(&f).expect("read"));
            assert!(doc.errors.is_empty(), "{}: {:?}", f.display(), doc.errors);
        }
    }
}

#[test]
fn a_one_megabyte_line_parses() {
    let mut line = b"session.save_path = \"".to_vec();
    line.extend(std::iter::repeat_n(b'x', 1 << 20));
    line.extend_from_slice(b"\"\n");
    let doc = ini::parse(&line);
    assert!(doc.errors.is_empty());
    let (_, entry) = doc.entries().next().expect("one entry");
    assert_eq!(doc.evaluate(&entry.value, &ini::OtherEnvironment::default()).len(), 1 << 20);
    assert_round_trip(&line);
}

#[test]
fn deeply_nested_parentheses_do_not_overflow() {
    let mut v = b"a = ".to_vec();
    v.extend(std::iter::repeat_n(b'(', 100_000));
    v.push(b'1');
    v.extend(std::iter::repeat_n(b')', 100_000));
    v.extend(std::iter::repeat_n(b'~', 100_000));
    let doc = ini::parse(&v);
    assert_round_trip(&v);
    assert!(!doc.errors.is_empty(), "a value ending in ~ is a syntax error");
}

#[test]
fn invalid_utf8_and_nul_are_kept_and_reported_precisely() {
    let bytes = b"a = \xff\xfe\nb = x\0y\n[sec\xc3]\n";
    assert_round_trip(bytes);
    let doc = ini::parse(bytes);
    assert!(doc.errors.is_empty());
    assert!(doc.nodes.iter().any(|n| matches!(n.kind, NodeKind::Section(_))));
}

#[test]
fn an_error_is_a_node_and_parsing_goes_on() {
    let bytes = b"a = 1\nb = x = y\nc = 3\n";
    let doc = ini::parse(bytes);
    assert_eq!(doc.errors.len(), 1);
    assert_eq!(&bytes[doc.errors[0].span.start..doc.errors[0].span.end], b"= ");
    let keys: Vec<_> = doc.entries().map(|(_, e)| (doc.text(e.key).to_vec(), e.applied)).collect();
    // PHP applies `a` and the part of line 2 before the second `=`, and stops there.
    assert_eq!(keys, vec![(b"a".to_vec(), true), (b"b".to_vec(), true), (b"c".to_vec(), false)]);
}
