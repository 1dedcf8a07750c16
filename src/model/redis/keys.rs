//! Which keys an ACL user (or one of its selectors) may read and write: the `~pattern`,
//! `%R~`/`%W~`/`%RW~`, `allkeys` and `resetkeys` rules, matched as redis-server matches them.

/// What a command needs of a key, as redis-server 7.0 derives it from the command's key
/// specs (acl.c ACLSelectorCheckKey): `ACCESS` needs read, `INSERT`/`DELETE`/`UPDATE`
/// need write, a key spec with neither (EXISTS) is satisfied by any pattern that matches.
/// Checked live with redis-server 7.0.15 (tests/e2e_cross_file.rs, SL406).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyNeed {
    Read,
    Write,
    ReadWrite,
    /// Any pattern that matches the key, whatever its permission.
    Any,
}

/// One key pattern with its permissions.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct KeyPattern {
    pub read: bool,
    pub write: bool,
    /// The glob as written after `~` (redis' `stringmatchlen` syntax).
    pub pattern: String,
}

/// The key patterns of a user or selector, in the order its rules added them.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct KeyAccess {
    pub patterns: Vec<KeyPattern>,
}

impl KeyAccess {
    /// `allkeys` (`~*`): the built-in default user and one set by `requirepass`.
    pub fn all() -> KeyAccess {
        let mut k = KeyAccess::default();
        k.apply(b"allkeys");
        k
    }

    /// Apply one ACL rule; rules that are not about keys are ignored
    /// (redis@7.0.15:src/acl.c ACLSetSelector `~`, `%`, `allkeys`, `resetkeys`).
    pub fn apply(&mut self, rule: &[u8]) {
        if rule.eq_ignore_ascii_case(b"allkeys") {
            self.patterns = vec![KeyPattern { read: true, write: true, pattern: "*".into() }];
        } else if rule.eq_ignore_ascii_case(b"resetkeys") {
            self.patterns.clear();
        } else if let Some(p) = rule.strip_prefix(b"~") {
            self.push(true, true, p);
        } else if let Some(rest) = rule.strip_prefix(b"%") {
            // `%R~`, `%W~`, `%RW~` (any order and case of R and W); anything else the
            // loader refuses (SL001), so it adds nothing here.
            let Some(tilde) = rest.iter().position(|&b| b == b'~') else { return };
            let flags = &rest[..tilde];
            if flags.is_empty() || !flags.iter().all(|b| matches!(b.to_ascii_uppercase(), b'R' | b'W')) {
                return;
            }
            let read = flags.iter().any(|b| b.eq_ignore_ascii_case(&b'R'));
            let write = flags.iter().any(|b| b.eq_ignore_ascii_case(&b'W'));
            self.push(read, write, &rest[tilde + 1..]);
        }
    }

    fn push(&mut self, read: bool, write: bool, pattern: &[u8]) {
        self.patterns.push(KeyPattern { read, write, pattern: String::from_utf8_lossy(pattern).into_owned() });
    }

    /// Whether a command needing `need` on `key` passes the key check.
    pub fn permits(&self, key: &[u8], need: KeyNeed) -> bool {
        let (r, w) = match need {
            KeyNeed::Read => (true, false),
            KeyNeed::Write => (false, true),
            KeyNeed::ReadWrite => (true, true),
            KeyNeed::Any => {
                return self.patterns.iter().any(|p| glob_match(p.pattern.as_bytes(), key));
            }
        };
        // Each permission may come from a different pattern (ACLSelectorCheckKey tests the
        // flags of one pattern against all the command needs; a key needing RW must match
        // a pattern that has both).
        self.patterns.iter().any(|p| (!r || p.read) && (!w || p.write) && glob_match(p.pattern.as_bytes(), key))
    }
}

/// redis-server's glob match (`stringmatchlen` in src/util.c, case-sensitive): `*`, `?`,
/// `[abc]`, `[^a-z]`, `\x`. Iterative with one backtrack point, so linear-ish in practice.
pub fn glob_match(pattern: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        let step = if p < pattern.len() { match_one(pattern, p, s[i]) } else { None };
        match step {
            Some(Step::Star) => {
                star = Some((p + 1, i));
                p += 1;
            }
            Some(Step::Matched(next)) => {
                p = next;
                i += 1;
            }
            None => match star {
                Some((sp, si)) => {
                    p = sp;
                    i = si + 1;
                    star = Some((sp, si + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&b| b == b'*')
}

enum Step {
    Star,
    /// The pattern element matched; the index after it.
    Matched(usize),
}

/// Whether the pattern element at `p` matches byte `c`.
fn match_one(pattern: &[u8], p: usize, c: u8) -> Option<Step> {
    match pattern[p] {
        b'*' => Some(Step::Star),
        b'?' => Some(Step::Matched(p + 1)),
        b'\\' if p + 1 < pattern.len() => (pattern[p + 1] == c).then_some(Step::Matched(p + 2)),
        b'[' => {
            let mut j = p + 1;
            let not = pattern.get(j) == Some(&b'^');
            if not {
                j += 1;
            }
            let mut hit = false;
            // As stringmatchlen: the class runs to `]` or the end of the pattern.
            while j < pattern.len() && pattern[j] != b']' {
                if pattern[j] == b'\\' && j + 1 < pattern.len() {
                    hit |= pattern[j + 1] == c;
                    j += 2;
                } else if j + 2 < pattern.len() && pattern[j + 1] == b'-' {
                    let (lo, hi) = (pattern[j].min(pattern[j + 2]), pattern[j].max(pattern[j + 2]));
                    hit |= lo <= c && c <= hi;
                    j += 3;
                } else {
                    hit |= pattern[j] == c;
                    j += 1;
                }
            }
            let next = if j < pattern.len() { j + 1 } else { j };
            (hit != not).then_some(Step::Matched(next))
        }
        other => (other == c).then_some(Step::Matched(p + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_as_redis_matches_them() {
        assert!(glob_match(b"*", b"PHPREDIS_SESSION:abc"));
        assert!(glob_match(b"PHPREDIS_SESSION:*", b"PHPREDIS_SESSION:abc_LOCK"));
        assert!(!glob_match(b"sess_*", b"PHPREDIS_SESSION:abc"));
        assert!(glob_match(b"PHPREDIS_?ESSION:*", b"PHPREDIS_SESSION:x"));
        assert!(glob_match(b"[A-P]HPREDIS*", b"PHPREDIS_SESSION:x"));
        assert!(!glob_match(b"[^P]HPREDIS*", b"PHPREDIS_SESSION:x"));
        assert!(glob_match(b"a\\*b", b"a*b") && !glob_match(b"a\\*b", b"axb"));
        assert!(glob_match(b"*:*:*", b"a:b:c") && !glob_match(b"*:*:*", b"a:b"));
        assert!(glob_match(b"", b"") && !glob_match(b"", b"x"));
    }

    #[test]
    fn permissions() {
        let mut k = KeyAccess::default();
        for r in ["%R~PHPREDIS_SESSION:*", "~other:*"] {
            k.apply(r.as_bytes());
        }
        assert!(k.permits(b"PHPREDIS_SESSION:a", KeyNeed::Read));
        assert!(!k.permits(b"PHPREDIS_SESSION:a", KeyNeed::Write));
        assert!(k.permits(b"PHPREDIS_SESSION:a", KeyNeed::Any));
        assert!(k.permits(b"other:a", KeyNeed::ReadWrite));
        k.apply(b"resetkeys");
        assert!(!k.permits(b"other:a", KeyNeed::Any));
        k.apply(b"allkeys");
        assert!(k.permits(b"x", KeyNeed::ReadWrite));
    }
}
