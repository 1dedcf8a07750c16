//! The password digests a Redis user accepts, in the order its rules added them, with an
//! index so that adding, removing and checking a client's digest are lookups, not searches.

use std::collections::{HashMap, HashSet};

/// SHA-256 hex digests as a user's `>pw` / `#hash` rules leave them (acl.c `user->passwords`,
/// a list redis-server searches per rule). Exact text is kept (a `#` rule's case as written);
/// a client's digest matches case-insensitively, as [`AclUser::accepts_digest`](super::AclUser::accepts_digest)
/// always compared. Equality is the list's.
#[derive(Clone, Debug, Default)]
pub(super) struct Fingerprints {
    list: Vec<String>,
    exact: HashSet<String>,
    /// Lower-cased digest -> how many entries of `list` lower-case to it.
    lower: HashMap<String, usize>,
}

impl PartialEq for Fingerprints {
    fn eq(&self, other: &Self) -> bool {
        self.list == other.list
    }
}

impl Eq for Fingerprints {}

impl Fingerprints {
    /// Add `f` unless the same text is there (ACLSetUser `>`: listSearchKey, then add).
    pub(super) fn add(&mut self, f: String) {
        if self.exact.insert(f.clone()) {
            *self.lower.entry(f.to_ascii_lowercase()).or_default() += 1;
            self.list.push(f);
        }
    }

    /// Drop the entry with exactly this text, if any (`<pw`, `!hash`).
    pub(super) fn remove(&mut self, f: &str) {
        if self.exact.remove(f) {
            self.list.retain(|x| x != f);
            let key = f.to_ascii_lowercase();
            if let Some(n) = self.lower.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    self.lower.remove(&key);
                }
            }
        }
    }

    /// Forget them all (`nopass`, `resetpass`).
    pub(super) fn clear(&mut self) {
        *self = Fingerprints::default();
    }

    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether an entry has exactly this text.
    pub(super) fn contains(&self, f: &str) -> bool {
        self.exact.contains(f)
    }

    /// Whether an entry equals `digest` ignoring ASCII case. O(1) for a lower-case digest.
    pub(super) fn accepts(&self, digest: &str) -> bool {
        if digest.bytes().any(|b| b.is_ascii_uppercase()) {
            return self.lower.contains_key(&digest.to_ascii_lowercase());
        }
        self.lower.contains_key(digest)
    }

    /// The entries in the order they were added.
    pub(super) fn iter(&self) -> std::slice::Iter<'_, String> {
        self.list.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_as_the_list_searched_in_order_would() {
        let mut f = Fingerprints::default();
        let mut list: Vec<String> = Vec::new();
        let ops: &[(&str, &str)] = &[
            ("+", "ab"),
            ("+", "AB"),
            ("+", "cd"),
            ("+", "ab"),
            ("-", "ab"),
            ("+", "ef"),
            ("-", "zz"),
            ("-", "AB"),
            ("+", "ab"),
        ];
        for (op, d) in ops {
            match *op {
                "+" => {
                    f.add((*d).to_owned());
                    if !list.iter().any(|x| x == d) {
                        list.push((*d).to_owned());
                    }
                }
                _ => {
                    f.remove(d);
                    list.retain(|x| x != d);
                }
            }
            assert_eq!(f.iter().cloned().collect::<Vec<_>>(), list);
            assert_eq!(f.len(), list.len());
            for probe in ["ab", "AB", "Ab", "cd", "CD", "ef", "zz"] {
                assert_eq!(f.accepts(probe), list.iter().any(|x| x.eq_ignore_ascii_case(probe)), "{probe}");
                assert_eq!(f.contains(probe), list.iter().any(|x| x == probe), "{probe}");
            }
        }
        f.clear();
        assert_eq!(f.len(), 0);
        assert!(!f.accepts("cd"));
    }
}
