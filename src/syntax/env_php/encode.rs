//! Writing a PHP value as the literal PHP reads back exactly, in the form Magento's own
//! writer uses (`var_export`): the encoder a rewrite of env.php uses.

/// `v` as a single-quoted PHP string literal, as `var_export` writes it: `\` -> `\\` and
/// `'` -> `\'`, every other byte (`$`, `"`, a line end) literal. Source: PHP's
/// `zend_language_scanner.l` (single-quoted strings know only those two escapes) and
/// `ext/standard/var.c` `php_var_export_ex`. `None` for a NUL byte, which `var_export` would
/// write as a concatenation (`'a' . "\0" . 'b'`) that is no longer a plain literal.
pub fn string_literal(v: &str) -> Option<String> {
    if v.contains('\0') {
        return None;
    }
    Some(crate::syntax::backslash_quoted(v, '\'', &['\\', '\'']))
}

/// `v` as a double-quoted PHP string literal: `\\`, `"` and `$` escaped (so nothing is
/// interpolated), every other byte literal. For files whose author writes `"..."`. Source:
/// PHP's `zend_language_scanner.l` (`\\`, `\"`, `\$` are escapes; an unknown `\c` stays
/// two bytes, which never occurs here since every `\` is doubled). `None` for a NUL byte.
pub fn double_quoted_literal(v: &str) -> Option<String> {
    if v.contains('\0') {
        return None;
    }
    Some(crate::syntax::backslash_quoted(v, '"', &['\\', '"', '$']))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::env_php::parse;
    use proptest::prelude::*;

    fn read_back(literal: &str) -> Option<Vec<u8>> {
        let doc = parse(format!("<?php\nreturn ['k' => {literal}];\n").as_bytes());
        if !doc.errors.is_empty() {
            return None;
        }
        let entry = doc.lookup(&["k"])?;
        doc.string_value(entry.value).map(<[u8]>::to_vec)
    }

    #[test]
    fn escapes_like_var_export() {
        assert_eq!(string_literal(r"it's a \ test").unwrap(), r"'it\'s a \\ test'");
        assert_eq!(string_literal("p$ss\"w").unwrap(), "'p$ss\"w'");
        assert_eq!(string_literal("a\0b"), None);
    }

    proptest! {
        #[test]
        fn our_parser_reads_back_what_was_encoded(v in "[^\\x00]{0,40}") {
            let lit = string_literal(&v).expect("no NUL");
            prop_assert_eq!(read_back(&lit), Some(v.as_bytes().to_vec()));
            let dq = double_quoted_literal(&v).expect("no NUL");
            prop_assert_eq!(read_back(&dq), Some(v.as_bytes().to_vec()));
        }
    }
}
