//! Writing an argument so that redis-server's config loader (`sdssplitargs`, `config.c`)
//! reads back exactly those bytes: the encoder a rewrite uses, checked against [`super::parse`].

/// `value` as one redis.conf argument: bare when it is non-empty printable ASCII without
/// quotes or backslashes, else double-quoted with `\\`, `\"`, `\n`, `\r`, `\t` and `\xHH`
/// for every other byte outside printable ASCII. Source: `sdssplitargs` in redis `sds.c`
/// (a closing quote must be followed by a blank or the end of the line, which a whole
/// argument always is). Any byte string can be written; a NUL becomes `\x00`.
pub fn argument(value: &[u8]) -> String {
    let bare = !value.is_empty() && value.iter().all(|&b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\'));
    if bare {
        return String::from_utf8_lossy(value).into_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for &b in value {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b' ' => out.push(' '),
            _ if b.is_ascii_graphic() => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::redis_conf::parse;
    use proptest::prelude::*;

    fn read_back(line: &str) -> Option<Vec<Vec<u8>>> {
        let conf = parse(line.as_bytes());
        let d = conf.directive(conf.lines().first()?)?;
        Some(d.args().iter().map(|a| a.value.to_vec()).collect())
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(argument(b"s3cret"), "s3cret");
        assert_eq!(argument(b"a b"), "\"a b\"");
        assert_eq!(argument(b""), "\"\"");
        assert_eq!(argument(b"it's \"x\" \\"), r#""it's \"x\" \\""#);
        assert_eq!(argument(b"\x00\x7f\xff"), r#""\x00\x7f\xff""#);
        assert_eq!(
            read_back(&format!("user s on {} ~*", argument(b">p w#"))),
            Some(vec![b"s".to_vec(), b"on".to_vec(), b">p w#".to_vec(), b"~*".to_vec()])
        );
    }

    proptest! {
        #[test]
        fn sdssplitargs_reads_back_what_was_encoded(v in proptest::collection::vec(any::<u8>(), 0..40)) {
            let line = format!("requirepass {} # not a comment\n", argument(&v));
            let args = read_back(&line).expect("a directive");
            prop_assert_eq!(args.first(), Some(&v));
        }
    }
}
