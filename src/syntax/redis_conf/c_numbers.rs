//! Ports of the C number parsers redis-server uses on config values (`string2ll`,
//! `memtoull`, `strtoll`/`strtol`, `string2d`; redis@7.0.15:src/util.c and libc), with their
//! quirks: what they accept, where they saturate, and what they refuse.

/// `string2ll`: strict decimal, optional `-`, no leading zeros, at most 20 bytes.
pub(super) fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s.strip_prefix(b"-") {
        Some(d) => (true, d),
        None => (false, s),
    };
    if digits.is_empty() || !(b'1'..=b'9').contains(&digits[0]) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// `memtoull`: digits then an optional unit. Like the C code, an empty digit string is 0 and
/// an overflow wraps.
pub(super) fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let ndigits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = s[ndigits..].to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if ndigits >= 128 {
        return None;
    }
    // strtoull saturates at ULLONG_MAX on overflow (errno ERANGE is not checked).
    let mut v: u64 = 0;
    for &d in &s[..ndigits] {
        v = v.checked_mul(10).and_then(|v| v.checked_add((d - b'0') as u64)).unwrap_or(u64::MAX);
    }
    Some(v.wrapping_mul(mul))
}

/// `strtoll(s, &end, radix)` over the whole string (`*end == '\0'`; leading blanks and a
/// sign allowed; empty = 0): the value clamped to i64 and whether it overflowed (`ERANGE`).
fn strtoll_whole(s: &[u8], radix: u8) -> Option<(i64, bool)> {
    let mut p = 0;
    while p < s.len() && super::is_space(s[p]) {
        p += 1;
    }
    let neg = match s.get(p) {
        Some(b'-') => {
            p += 1;
            true
        }
        Some(b'+') => {
            p += 1;
            false
        }
        _ => false,
    };
    let digits_start = p;
    let limit = i64::MAX as i128 + 1;
    let mut v: i128 = 0;
    let mut overflow = false;
    while p < s.len() && s[p].is_ascii_digit() && s[p] - b'0' < radix {
        v = v * radix as i128 + (s[p] - b'0') as i128;
        if v > limit {
            overflow = true;
            v = limit;
        }
        p += 1;
    }
    if p == digits_start {
        // No digits: strtoll returns 0 with end = s; accepted only when s is all consumed,
        // i.e. when s is empty (blanks and a sign alone leave *end != '\0').
        return s.is_empty().then_some((0, false));
    }
    if p != s.len() {
        return None;
    }
    let v = if neg { -v } else { v };
    let overflow = overflow || v > i64::MAX as i128;
    Some((v.clamp(i64::MIN as i128, i64::MAX as i128) as i64, overflow))
}

/// `strtoll(s, &end, 8)` with `errno == 0 && *end == '\0'`.
pub(super) fn strtoll_octal(s: &[u8]) -> Option<i64> {
    strtoll_whole(s, 8).filter(|&(_, overflow)| !overflow).map(|(v, _)| v)
}

/// `strtol(s, &end, 10)` with `*end == '\0'` (no errno check: an overflow saturates).
pub(super) fn strtol(s: &[u8]) -> Option<i64> {
    strtoll_whole(s, 10).map(|(v, _)| v)
}

/// `string2d` (strtod on the whole string, no blanks, not NaN).
pub(super) fn string2d(s: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(s).ok()?;
    if text.is_empty() || text.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let v: f64 = text.parse().ok()?;
    (!v.is_nan()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_integer_parsing() {
        assert_eq!(strtol(b" -42"), Some(-42));
        assert_eq!(strtol(b""), Some(0));
        assert_eq!(strtol(b"12x"), None);
        assert_eq!(strtol(b"99999999999999999999"), Some(i64::MAX));
        assert_eq!(strtoll_octal(b"0777"), Some(511));
        assert_eq!(strtoll_octal(b"8"), None);
        assert_eq!(strtoll_octal(b"-1000000000000000000000"), Some(i64::MIN));
        assert_eq!(strtoll_octal(b"1000000000000000000000"), None);
    }

    #[test]
    fn numbers_like_c() {
        assert_eq!(memtoull(b"1kb"), Some(1024));
        assert_eq!(memtoull(b"1K"), Some(1000));
        assert_eq!(memtoull(b"mb"), Some(0));
        assert_eq!(memtoull(b"-1"), None);
        assert_eq!(memtoull(b"1 mb"), None);
        assert_eq!(string2ll(b"-0"), None);
        assert_eq!(string2ll(b"+1"), None);
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(strtoll_octal(b"0755"), Some(0o755));
        assert_eq!(strtol(b" 12"), Some(12));
        assert_eq!(strtol(b"12x"), None);
    }
}
