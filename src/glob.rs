//! Glob matching, the one place for it: `sesslint.toml`'s path globs (`**`) for
//! `per-path-ignores` and php-fpm's `include=`, and fnmatch(3) per path component for
//! redis-server's `include` globs (glob(3) with flags 0).

/// `sesslint.toml`'s path globs over `/`-separated relative paths: `*` and `?` within a
/// component, `**` across components, `[...]` classes; the `glob` crate's matcher.
/// A pattern that does not compile matches nothing (config validation reports it).
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    glob::Pattern::new(pattern).is_ok_and(|p| p.matches_with(path, options))
}

/// glob(3) without flags, as php-fpm's `include=` calls it (fpm_conf.c): the pattern and the
/// path have the same number of `/`-separated components, each matched by [`fnmatch`], and a
/// name starting with `.` only by a component that starts with `.` too.
pub fn glob3_path_matches(pattern: &[u8], path: &[u8]) -> bool {
    let mut pattern = pattern.split(|&b| b == b'/');
    let mut path = path.split(|&b| b == b'/');
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return true,
            (Some(p), Some(n)) if glob3_component_matches(p, n) => {}
            _ => return false,
        }
    }
}

/// One component of a glob(3) pattern against one file name (see [`glob3_path_matches`]).
pub fn glob3_component_matches(pattern: &[u8], name: &[u8]) -> bool {
    (!name.starts_with(b".") || pattern.starts_with(b".")) && fnmatch(pattern, name)
}

/// Whether redis-server (and glob(3)) treats a path as a pattern: `*`, `?` or `[` anywhere.
pub fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// fnmatch(3) without flags on one path component: `*`, `?`, `[...]` with ranges and `!`/`^`
/// negation, `\` escapes. Iterative (backtracking only to the last `*`).
pub fn fnmatch(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    // A class is closed by the first `]` after its first member (a range never spans a
    // `]`): with the last `]` known, an unclosed `[` is told in one step, not by a scan to
    // the pattern's end at every name position.
    let last_close = pattern.iter().rposition(|&b| b == b']');
    while n < name.len() {
        let step = match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some(b'?') => Some(p + 1),
            Some(b'[') => match class_match(pattern, p, name[n], last_close) {
                Some((true, next)) => Some(next),
                Some((false, _)) => None,
                // An unterminated `[` matches itself.
                None => (name[n] == b'[').then_some(p + 1),
            },
            Some(b'\\') if p + 1 < pattern.len() => (pattern[p + 1] == name[n]).then_some(p + 2),
            Some(&c) => (c == name[n]).then_some(p + 1),
            None => None,
        };
        match step {
            Some(next) => {
                p = next;
                n += 1;
            }
            None => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

/// `[...]` at `pattern[p]`: whether `c` is in the class, and the index after `]`; `None`
/// when no `]` closes it (`last_close`: the index of the pattern's last `]`).
fn class_match(pattern: &[u8], p: usize, c: u8, last_close: Option<usize>) -> Option<(bool, usize)> {
    let mut i = p + 1;
    let negate = matches!(pattern.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    if last_close.is_none_or(|close| close <= i) {
        return None;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let lo = *pattern.get(i)?;
        if lo == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if pattern.get(i + 1) == Some(&b'-') && pattern.get(i + 2).is_some_and(|&b| b != b']') {
            let hi = pattern[i + 2];
            matched |= lo <= c && c <= hi;
            i += 3;
        } else {
            matched |= lo == c;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("etc/redis/*.conf", "etc/redis/redis.conf"));
        assert!(!glob_matches("etc/*.conf", "etc/redis/redis.conf"));
        assert!(glob_matches("**/pool.d/*.conf", "etc/php/8.2/fpm/pool.d/www.conf"));
        assert!(glob_matches("fixtures/**", "fixtures/a/b/c"));
        assert!(glob_matches("*", "x"));
        assert!(glob_matches("etc/redis/[rv]*.conf", "etc/redis/valkey.conf"));
    }

    #[test]
    fn glob3_like_php_fpm() {
        assert!(glob3_path_matches(b"/etc/php/8.2/fpm/pool.d/*.conf", b"/etc/php/8.2/fpm/pool.d/www.conf"));
        assert!(!glob3_path_matches(b"/etc/php/8.2/fpm/pool.d/*.conf", b"/etc/php/8.2/fpm/pool.d/.www.conf"));
        assert!(!glob3_path_matches(b"/etc/*.conf", b"/etc/php/a.conf"));
        assert!(glob3_path_matches(b"/etc/php/*/fpm/pool.d/[a-w]*.conf", b"/etc/php/8.2/fpm/pool.d/www.conf"));
    }

    #[test]
    fn fnmatch_like_c() {
        assert!(fnmatch(b"*.conf", b"a.conf"));
        assert!(!fnmatch(b"*.conf", b"a.conf.bak"));
        assert!(fnmatch(b"a?c", b"abc"));
        assert!(fnmatch(b"[a-c]x", b"bx"));
        assert!(!fnmatch(b"[!a-c]x", b"bx"));
        assert!(fnmatch(b"[]]", b"]"));
        assert!(fnmatch(b"a[", b"a["));
        assert!(fnmatch(b"*[[[", b"x[[["));
        assert!(fnmatch(b"[!]", b"[!]"));
        assert!(fnmatch(b"[]", b"[]"));
        assert!(fnmatch(b"[!]]", b"x"));
        assert!(fnmatch(b"[[]x[", b"[x["));
        assert!(fnmatch(b"[a-]]", b"-]"));
        assert!(fnmatch(b"*a*b*c*", b"xxaxxbxxcxx"));
        assert!(!fnmatch(b"*a*b*c", b"xxaxxbxxcxx"));
    }
}
