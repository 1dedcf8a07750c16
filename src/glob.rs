//! Glob matching over `/`-separated paths, the one matcher for `per-path-ignores` in
//! `sesslint.toml` and for php-fpm's `include=` patterns.

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
}
