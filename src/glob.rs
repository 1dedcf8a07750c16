//! Glob matching, the one place for it: `sesslint.toml`'s path globs (`**`) for
//! `per-path-ignores` and php-fpm's `include=`, and fnmatch(3) per path component for
//! redis-server's `include` globs (glob(3) with flags 0).

/// Glob over `/`-separated paths: `*` (within a component), `**` (any components), `?`.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        // Iterative with backtracking points for `*` and `**`.
        let (mut pi, mut si) = (0, 0);
        let mut star: Option<(usize, usize, bool)> = None;
        while si < s.len() {
            if pi + 1 < p.len() && p[pi] == b'*' && p[pi + 1] == b'*' {
                let mut next = pi + 2;
                if p.get(next) == Some(&b'/') {
                    next += 1;
                }
                star = Some((next, si, true));
                pi = next;
            } else if pi < p.len() && p[pi] == b'*' {
                star = Some((pi + 1, si, false));
                pi += 1;
            } else if pi < p.len() && (p[pi] == b'?' && s[si] != b'/' || p[pi] == s[si]) {
                pi += 1;
                si += 1;
            } else if let Some((sp, ss, deep)) = star {
                if !deep && s[ss] == b'/' {
                    return false;
                }
                pi = sp;
                si = ss + 1;
                star = Some((sp, ss + 1, deep));
            } else {
                return false;
            }
        }
        while pi < p.len() && p[pi] == b'*' {
            pi += 1;
        }
        pi == p.len()
    }
    go(pattern.as_bytes(), path.as_bytes())
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
    while n < name.len() {
        let step = match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some(b'?') => Some(p + 1),
            Some(b'[') => match class_match(pattern, p, name[n]) {
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

/// `[...]` at `pattern[p]`: whether `c` is in the class, and the index after `]`.
fn class_match(pattern: &[u8], p: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = p + 1;
    let negate = matches!(pattern.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
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
        assert!(fnmatch(b"*a*b*c*", b"xxaxxbxxcxx"));
        assert!(!fnmatch(b"*a*b*c", b"xxaxxbxxcxx"));
    }
}
