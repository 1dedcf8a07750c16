//! The values of PHP literal tokens (strings, heredocs, numbers) and PHP's array-key
//! conversion, with the compile-time errors and warnings PHP gives for them.

use std::borrow::Cow;

use super::lexer::{is_ident_char, is_ident_start, Token, TokenKind};
use super::TreeStr;
use crate::php_value::{ArrayKey, PhpValue};
use crate::span::Span;
use crate::syntax::SyntaxError;

/// Errors (PHP refuses the file) and warnings (PHP compiles it but says something).
#[derive(Default)]
pub struct Diagnostics {
    pub errors: Vec<SyntaxError>,
    pub warnings: Vec<SyntaxError>,
}

impl Diagnostics {
    pub fn error(&mut self, span: Span, message: impl Into<std::borrow::Cow<'static, str>>) {
        self.errors.push(SyntaxError::new(span, message));
    }
    pub fn warning(&mut self, span: Span, message: impl Into<std::borrow::Cow<'static, str>>) {
        self.warnings.push(SyntaxError::new(span, message));
    }
}

/// The value of a string literal token, or `None` when it is not static (interpolation)
/// or not a string. A quoted string without `\` (nor `$` between double quotes) is its
/// text between the quotes, kept as that span: no copy. `escaped`: the lexer saw one
/// (`Lexed::escaped`); when false the text is not searched again.
pub fn token_string(src: &[u8], tok: Token, escaped: bool, diags: &mut Diagnostics) -> Option<TreeStr> {
    let text = tok.span().slice(src);
    let at = tok.span().start;
    // The lexer ends a quoted token at its closing quote (or at the end of input, with
    // an error): the inner text is between the first byte and the last.
    let inner_span = || Span::new(at + 1, (at + text.len()).saturating_sub(1).max(at + 1));
    match tok.kind {
        // grammar: single-quoted-string
        TokenKind::SingleQuoted => {
            let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or(b"");
            if !escaped {
                return Some(TreeStr::Source(inner_span()));
            }
            Some(TreeStr::Decoded(unescape_single(inner)))
        }
        // grammar: double-quoted-string
        TokenKind::DoubleQuoted => {
            let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or(b"");
            if !escaped {
                return Some(TreeStr::Source(inner_span()));
            }
            unescape_double(inner, at + 1, false, diags).map(TreeStr::Decoded)
        }
        // grammar: heredoc, nowdoc
        TokenKind::Heredoc | TokenKind::Nowdoc => {
            match heredoc_value(text, at, tok.kind == TokenKind::Nowdoc, diags)? {
                PhpValue::Str(s) => Some(TreeStr::Decoded(s)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The value of a number literal token, or `None` for any other token.
pub fn token_value(src: &[u8], tok: Token) -> Option<PhpValue> {
    let text = tok.span().slice(src);
    match tok.kind {
        // grammar: int-literal
        TokenKind::Int => Some(int_value(text)),
        // grammar: float-literal
        TokenKind::Float => Some(PhpValue::Float(parse_float(text))),
        _ => None,
    }
}

fn unescape_single(inner: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        if inner[i] == b'\\' && matches!(inner.get(i + 1), Some(b'\\' | b'\'')) {
            out.push(inner[i + 1]);
            i += 2;
        } else {
            out.push(inner[i]);
            i += 1;
        }
    }
    out
}

/// Whether `s[i..]` starts an interpolation (`$name`, `{$`, `${`).
fn interpolation_at(s: &[u8], i: usize) -> bool {
    let next = s.get(i + 1).copied().unwrap_or(0);
    match s[i] {
        b'$' => is_ident_start(next) || next == b'{',
        b'{' => next == b'$',
        _ => false,
    }
}

/// PHP's double-quote escapes. `base` is the file offset of `inner[0]`; in a heredoc `\"`
/// is not an escape. `None` when the string interpolates variables.
pub fn unescape_double(inner: &[u8], base: usize, heredoc: bool, diags: &mut Diagnostics) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let c = inner[i];
        if c != b'\\' {
            if interpolation_at(inner, i) {
                return None;
            }
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = inner.get(i + 1) else {
            out.push(b'\\');
            break;
        };
        let simple = match e {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'v' => Some(0x0b),
            b'e' => Some(0x1b),
            b'f' => Some(0x0c),
            b'\\' => Some(b'\\'),
            b'$' => Some(b'$'),
            b'"' if !heredoc => Some(b'"'),
            _ => None,
        };
        if let Some(v) = simple {
            out.push(v);
            i += 2;
            continue;
        }
        match e {
            b'0'..=b'7' => {
                let digits = inner[i + 1..].iter().take(3).take_while(|d| (b'0'..=b'7').contains(d)).count();
                let v = inner[i + 1..i + 1 + digits].iter().fold(0u32, |a, d| a * 8 + u32::from(d - b'0'));
                if v > 0o377 {
                    let text = String::from_utf8_lossy(&inner[i..i + 1 + digits]).into_owned();
                    let message = format!("Octal escape sequence overflow {text} is greater than \\377");
                    // The escape is input (part of a password, maybe): masked like a quoted token.
                    let at = "Octal escape sequence overflow ".len();
                    diags.warnings.push(SyntaxError {
                        span: Span::new(base + i, base + i + 1 + digits),
                        quoted: Some(at..at + text.len()),
                        message: message.into(),
                    });
                }
                out.push((v & 0xff) as u8);
                i += 1 + digits;
            }
            b'x' if inner.get(i + 2).is_some_and(u8::is_ascii_hexdigit) => {
                let digits = inner[i + 2..].iter().take(2).take_while(|d| d.is_ascii_hexdigit()).count();
                let v = inner[i + 2..i + 2 + digits].iter().fold(0u32, |a, d| a * 16 + hex_digit(*d));
                out.push(v as u8);
                i += 2 + digits;
            }
            b'u' if inner.get(i + 2) == Some(&b'{') => {
                let start = i + 3;
                let digits = inner[start..].iter().take_while(|d| d.is_ascii_hexdigit()).count();
                let span = Span::new(base + i, base + start + digits + 1);
                if digits == 0 || inner.get(start + digits) != Some(&b'}') {
                    diags.error(span, "Invalid UTF-8 codepoint escape sequence");
                    i = start + digits;
                    continue;
                }
                let cp = inner[start..start + digits]
                    .iter()
                    .try_fold(0u32, |a, d| a.checked_mul(16).map(|a| a + hex_digit(*d)));
                match cp {
                    Some(cp) if cp <= 0x10FFFF => encode_utf8_lenient(cp, &mut out),
                    _ => diags.error(span, "Invalid UTF-8 codepoint escape sequence: Codepoint too large"),
                }
                i = start + digits + 1;
            }
            _ => {
                // Unknown escapes keep their backslash. `\{` must not start `{$`.
                out.push(b'\\');
                out.push(e);
                i += 2;
            }
        }
    }
    Some(out)
}

fn hex_digit(d: u8) -> u32 {
    (d as char).to_digit(16).unwrap_or(0)
}

/// UTF-8 as PHP writes it for `\u{...}`, surrogates included (which makes invalid UTF-8).
fn encode_utf8_lenient(cp: u32, out: &mut Vec<u8>) {
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.extend([0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]);
    } else if cp < 0x10000 {
        out.extend([0xE0 | (cp >> 12) as u8, 0x80 | ((cp >> 6) & 0x3F) as u8, 0x80 | (cp & 0x3F) as u8]);
    } else {
        out.extend([
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    }
}

/// Value of a whole heredoc/nowdoc token: PHP 7.3 closing-marker indentation is removed
/// from every body line, then (heredoc only) escapes are processed.
fn heredoc_value(text: &[u8], at: usize, nowdoc: bool, diags: &mut Diagnostics) -> Option<PhpValue> {
    // Header: `<<<` blanks [quote] LABEL [quote] newline.
    let header_nl = text.iter().position(|&c| c == b'\n' || c == b'\r')?;
    let body_start =
        header_nl + if text[header_nl] == b'\r' && text.get(header_nl + 1) == Some(&b'\n') { 2 } else { 1 };
    let label: Vec<u8> = {
        let h = &text[3..header_nl];
        let h = &h[h.iter().take_while(|&&c| matches!(c, b' ' | b'\t' | b'"' | b'\'')).count()..];
        h.iter().copied().take_while(|&c| is_ident_char(c)).collect()
    };
    if label.is_empty() || !text.ends_with(&label) {
        return None; // unterminated: already an error
    }
    let label_len = label.len();
    let marker_end = text.len() - label_len;
    let indent_len = text[..marker_end].iter().rev().take_while(|&&c| c == b' ' || c == b'\t').count();
    let closing_line = marker_end - indent_len;
    let indent = &text[closing_line..marker_end];
    if closing_line < body_start {
        return None; // unterminated: already an error
    }
    let marker_span = Span::new(at + closing_line, at + text.len());
    if indent.contains(&b' ') && indent.contains(&b'\t') {
        diags.error(marker_span, "Invalid indentation - tabs and spaces cannot be mixed");
        return None;
    }
    // The newline before the closing line belongs to the syntax, not the string.
    let body_end = if closing_line == body_start {
        body_start
    } else if closing_line >= 2 && &text[closing_line - 2..closing_line] == b"\r\n" {
        closing_line - 2
    } else {
        closing_line - 1
    };
    let body = &text[body_start..body_end.max(body_start)];
    let mut raw = Vec::with_capacity(body.len());
    let mut line_start = true;
    let mut i = 0;
    while i < body.len() {
        if line_start && !indent.is_empty() {
            let mut removed = 0;
            while removed < indent.len() && i < body.len() {
                let c = body[i];
                if c == b' ' || c == b'\t' {
                    if c != indent[0] {
                        diags.error(
                            Span::new(at + body_start + i, at + body_start + i + 1),
                            "Invalid indentation - tabs and spaces cannot be mixed",
                        );
                        return None;
                    }
                    removed += 1;
                    i += 1;
                } else if c == b'\n' || c == b'\r' {
                    break;
                } else {
                    diags.error(
                        Span::new(at + body_start + i, at + body_start + i + 1),
                        format!(
                            "Invalid body indentation level (expecting an indentation level of at least {})",
                            indent.len()
                        ),
                    );
                    return None;
                }
            }
        }
        line_start = false;
        if i >= body.len() {
            break;
        }
        let c = body[i];
        raw.push(c);
        i += 1;
        if c == b'\n' || (c == b'\r' && body.get(i) != Some(&b'\n')) {
            line_start = true;
        }
    }
    if nowdoc {
        Some(PhpValue::Str(raw))
    } else {
        unescape_double(&raw, at + body_start, true, diags).map(PhpValue::Str)
    }
}

/// The digits of a number literal (`1_000` -> `1000`), borrowed when it has no `_`.
fn strip_underscores(text: &[u8]) -> Cow<'_, [u8]> {
    if !text.contains(&b'_') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.iter().copied().filter(|&c| c != b'_').collect())
}

/// An integer literal; out-of-range values become floats, as PHP's lexer does.
pub fn int_value(text: &[u8]) -> PhpValue {
    let t = strip_underscores(text);
    let (digits, radix): (&[u8], u32) = match t.get(..2) {
        Some(p) if p.eq_ignore_ascii_case(b"0x") => (&t[2..], 16),
        Some(p) if p.eq_ignore_ascii_case(b"0b") => (&t[2..], 2),
        Some(p) if p.eq_ignore_ascii_case(b"0o") => (&t[2..], 8),
        _ if t.len() > 1 && t[0] == b'0' => (&t[1..], 8),
        _ => (&t[..], 10),
    };
    let mut acc: Option<i64> = Some(0);
    for &d in digits {
        let v = (d as char).to_digit(radix).unwrap_or(0) as i64;
        acc = acc.and_then(|a| a.checked_mul(radix as i64)).and_then(|a| a.checked_add(v));
    }
    match acc {
        Some(n) => PhpValue::Int(n),
        None if radix == 10 => PhpValue::Float(parse_float(digits)),
        // zend_oct_strtod / zend_bin_strtod compute `value * radix + c - '0'` left to right in
        // doubles (the character code is added before it is subtracted); zend_hex_strtod adds
        // the digit. Keep both roundings.
        None if radix == 16 => PhpValue::Float(digits.iter().fold(0f64, |a, &d| a * 16.0 + f64::from(hex_digit(d)))),
        None => PhpValue::Float(digits.iter().fold(0f64, |a, &d| a * radix as f64 + f64::from(d) - f64::from(b'0'))),
    }
}

pub fn parse_float(text: &[u8]) -> f64 {
    let t = strip_underscores(text);
    std::str::from_utf8(&t).ok().and_then(|s| s.parse().ok()).unwrap_or(0.0)
}

/// How PHP prints a float in messages (`precision=14`, `%.*G`): `1.7`, `1.0E+100`, `INF`.
pub fn php_float_text(f: f64) -> String {
    if f.is_nan() {
        return "NAN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "INF".into() } else { "-INF".into() };
    }
    let sci = format!("{:.13E}", f);
    let (mant, exp) = sci.split_once('E').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-5..15).contains(&exp) {
        let mant = mant.trim_end_matches('0');
        let mant = if mant.ends_with('.') { format!("{mant}0") } else { mant.to_owned() };
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}E{sign}{}", exp.abs())
    } else {
        let s = format!("{:.*}", (13 - exp).max(0) as usize, f);
        let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s };
        s
    }
}

/// PHP's conversion of a constant to an array key. `Err` is "Illegal offset type".
pub fn array_key(value: &PhpValue, span: Span, diags: &mut Diagnostics) -> Result<ArrayKey, ()> {
    match value {
        PhpValue::Int(n) => Ok(ArrayKey::Int(*n)),
        PhpValue::Str(s) => Ok(ArrayKey::from_bytes(s)),
        PhpValue::Bool(b) => Ok(ArrayKey::Int(i64::from(*b))),
        PhpValue::Null => Ok(ArrayKey::Str(Vec::new())),
        PhpValue::Float(f) => {
            let fits = f.is_finite() && *f >= i64::MIN as f64 && *f < -(i64::MIN as f64);
            let n = if fits { f.trunc() as i64 } else { 0 };
            if !fits || f.fract() != 0.0 {
                diags.warning(
                    span,
                    format!("Deprecated: Implicit conversion from float {} to int loses precision", php_float_text(*f)),
                );
            }
            Ok(ArrayKey::Int(n))
        }
        PhpValue::Array(_) => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dq(s: &str) -> Option<Vec<u8>> {
        unescape_double(s.as_bytes(), 0, false, &mut Diagnostics::default())
    }

    #[test]
    fn double_quote_escapes_follow_php() {
        assert_eq!(dq(r"a\0b\08\1234").as_deref(), Some(&b"a\0b\x008S4"[..]));
        assert_eq!(dq(r"\x4g\u{41}\q\{").as_deref(), Some(&b"\x04gA\\q\\{"[..]));
        assert_eq!(dq(r#"\e\v\f\$\""#).as_deref(), Some(&b"\x1b\x0b\x0c$\""[..]));
        assert_eq!(dq("$ a$ { $ $1").as_deref(), Some(&b"$ a$ { $ $1"[..]));
        assert_eq!(dq("a $b"), None);
        assert_eq!(dq("a {$b}"), None);
        assert_eq!(dq(r"\{$b}"), None);
    }

    #[test]
    fn octal_overflow_wraps_with_a_warning() {
        let mut d = Diagnostics::default();
        assert_eq!(unescape_double(br"\400", 0, false, &mut d), Some(vec![0]));
        assert_eq!(d.warnings.len(), 1);
    }

    #[test]
    fn integers_overflow_to_float() {
        assert_eq!(int_value(b"9223372036854775807"), PhpValue::Int(i64::MAX));
        assert_eq!(int_value(b"9223372036854775808"), PhpValue::Float(9.223_372_036_854_776e18));
        assert_eq!(int_value(b"0xFFFFFFFFFFFFFFFF"), PhpValue::Float(1.8446744073709552e19));
        assert_eq!(int_value(b"0_17"), PhpValue::Int(15));
        // 65 binary ones: PHP gives 3.68934881474191e+19, not 2^65.
        assert_eq!(int_value(&[&b"0b"[..], &[b'1'; 65]].concat()), PhpValue::Float(3.68934881474191e19));
        assert_eq!(int_value(b"0o1_7"), PhpValue::Int(15));
        assert_eq!(int_value(b"0b101"), PhpValue::Int(5));
    }

    #[test]
    fn float_texts_match_php_messages() {
        assert_eq!(php_float_text(1.7), "1.7");
        assert_eq!(php_float_text(1e100), "1.0E+100");
        assert_eq!(php_float_text(-1.5), "-1.5");
        assert_eq!(php_float_text(f64::INFINITY), "INF");
    }

    #[test]
    fn heredoc_indentation_is_removed() {
        let mut d = Diagnostics::default();
        let v = heredoc_value(b"<<<EOT\n  a\n    b\n\n  EOT", 0, false, &mut d);
        assert_eq!(v, Some(PhpValue::str("a\n  b\n")));
        let v = heredoc_value(b"<<<EOT\n  a\n b\n  EOT", 0, false, &mut d);
        assert_eq!(v, None);
        assert!(d.errors[0].message.contains("at least 2"));
    }
}
