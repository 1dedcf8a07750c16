//! Writing a value so that PHP's ini scanner (NORMAL mode: php.ini, conf.d, php-fpm files)
//! reads back exactly that string: the encoder a rewrite uses, checked against [`super::parse`].

/// Why a value cannot be written as one ini value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unencodable {
    /// A line end: php-fpm reads its files one line at a time, so no quoting carries one.
    #[error("a line end cannot be written in a php-fpm or php.ini value")]
    LineEnd,
    /// PHP reads a NUL as the end of the string.
    #[error("a NUL byte cannot be written in an ini value")]
    Nul,
}

/// `v` as a double-quoted ini value that PHP reads back as `v`, literally: `\` -> `\\`,
/// `"` -> `\"`, `$` -> `\$` (so `${X}` is not expanded). Every other byte stands for itself
/// inside double quotes (`;`, `=`, `&`, `#`, `'` included). Source: `zend_ini_scanner.l`
/// (`zend_ini_escape_string`); fuzz-verified against `parse_ini_string` in shared/facts
/// php-side 1.8. Errors: [`Unencodable`] for a line end or NUL.
pub fn double_quoted(v: &str) -> Result<String, Unencodable> {
    if v.contains(['\n', '\r']) {
        return Err(Unencodable::LineEnd);
    }
    if v.contains('\0') {
        return Err(Unencodable::Nul);
    }
    Ok(crate::syntax::backslash_quoted(v, '"', &['\\', '"', '$']))
}

/// `v` written bare when PHP reads it back unchanged without quotes (lower-case letters,
/// digits and `. _ - / :`, so never a constant such as `E_ALL`, and not a keyword such as
/// `on`/`none`), else [`double_quoted`]. For the small
/// values a migration writes (`redis`, `1`, `50000`), in the style the file already uses.
pub fn value(v: &str) -> Result<String, Unencodable> {
    let plain = !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':'))
        && !matches!(v.to_ascii_lowercase().as_str(), "on" | "off" | "yes" | "no" | "true" | "false" | "none" | "null")
        && v.bytes().next().is_none_or(|b| b != b'-');
    if plain {
        Ok(v.to_owned())
    } else {
        double_quoted(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ini::{parse, parse_with, OtherEnvironment, ScanMode};
    use proptest::prelude::*;

    /// What our scanner (the port of PHP's) reads for `key = <encoded>`.
    fn read_back(encoded: &str, mode: ScanMode) -> Option<Vec<u8>> {
        let text = format!("key = {encoded}\n");
        let doc = parse_with(text.as_bytes(), mode);
        if !doc.accepted() {
            return None;
        }
        let (_, entry) = doc.entries().next()?;
        Some(doc.evaluate(&entry.value, &OtherEnvironment::default()))
    }

    #[test]
    fn escapes_what_php_would_interpret() {
        assert_eq!(double_quoted(r#"a"b\c$d"#).unwrap(), r#""a\"b\\c\$d""#);
        assert_eq!(double_quoted("${HOME}").unwrap(), r#""\${HOME}""#);
        assert_eq!(double_quoted("x\ny"), Err(Unencodable::LineEnd));
        assert_eq!(value("redis").unwrap(), "redis");
        assert_eq!(value("50000").unwrap(), "50000");
        assert_eq!(value("none").unwrap(), "\"none\"");
        assert_eq!(value("a b").unwrap(), "\"a b\"");
        let doc = parse(b"k = \"tcp://h:1?auth=p%26w;x\"\n");
        assert!(doc.accepted());
    }

    proptest! {
        #[test]
        fn our_scanner_reads_back_what_was_encoded(
            v in "[a-zA-Z0-9 \\\\\"$'{}=;#&|^~!()\\[\\]?%+,:/@\t.-]{0,40}"
        ) {
            let enc = double_quoted(&v).expect("single line");
            for mode in [ScanMode::WholeFile, ScanMode::PerLine] {
                prop_assert_eq!(read_back(&enc, mode), Some(v.as_bytes().to_vec()));
            }
            let plain = value(&v).expect("single line");
            prop_assert_eq!(read_back(&plain, ScanMode::WholeFile), Some(v.as_bytes().to_vec()));
        }
    }
}
