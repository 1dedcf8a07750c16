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
    /// Built once the list outgrows [`INDEX_FROM`]: most users have a password or two, and
    /// two hash sets a user cost ~90 bytes inline and ~250 on the heap each.
    index: Option<Box<Index>>,
}

/// The lookups of a long list.
#[derive(Clone, Debug, Default)]
struct Index {
    exact: HashSet<String>,
    /// Lower-cased digest -> how many entries of `list` lower-case to it.
    lower: HashMap<String, usize>,
}

/// List length from which lookups go through an [`Index`]; below it a scan of at most this
/// many digests is as fast and allocates nothing.
const INDEX_FROM: usize = 8;

impl Index {
    fn add(&mut self, f: &str) {
        self.exact.insert(f.to_owned());
        *self.lower.entry(f.to_ascii_lowercase()).or_default() += 1;
    }

    fn remove(&mut self, f: &str) {
        self.exact.remove(f);
        let key = f.to_ascii_lowercase();
        if let Some(n) = self.lower.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                self.lower.remove(&key);
            }
        }
    }
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
        if self.contains(&f) {
            return;
        }
        match self.index.as_mut() {
            Some(index) => index.add(&f),
            None if self.list.len() + 1 >= INDEX_FROM => {
                let mut index = Index::default();
                for x in self.list.iter().chain(std::iter::once(&f)) {
                    index.add(x);
                }
                self.index = Some(Box::new(index));
            }
            None => {}
        }
        self.list.push(f);
    }

    /// Drop the entry with exactly this text, if any (`<pw`, `!hash`).
    pub(super) fn remove(&mut self, f: &str) {
        if self.contains(f) {
            self.list.retain(|x| x != f);
            if let Some(index) = self.index.as_mut() {
                index.remove(f);
            }
        }
    }

    /// Forget them all (`nopass`, `resetpass`).
    pub(super) fn clear(&mut self) {
        *self = Fingerprints::default();
    }

    /// Give back the list's unused capacity.
    pub(super) fn shrink_to_fit(&mut self) {
        self.list.shrink_to_fit();
    }

    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether an entry has exactly this text.
    pub(super) fn contains(&self, f: &str) -> bool {
        match &self.index {
            Some(index) => index.exact.contains(f),
            None => self.list.iter().any(|x| x == f),
        }
    }

    /// Whether an entry equals `digest` ignoring ASCII case. O(1) for a lower-case digest
    /// in a long list.
    pub(super) fn accepts(&self, digest: &str) -> bool {
        let Some(index) = &self.index else {
            return self.list.iter().any(|x| x.eq_ignore_ascii_case(digest));
        };
        if digest.bytes().any(|b| b.is_ascii_uppercase()) {
            return index.lower.contains_key(&digest.to_ascii_lowercase());
        }
        index.lower.contains_key(digest)
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

    #[test]
    fn a_long_list_answers_as_the_scan_does() {
        let mut f = Fingerprints::default();
        let mut list: Vec<String> = Vec::new();
        // Past INDEX_FROM and back: adds, re-adds, removes across the index's threshold.
        let digest = |i: usize| if i.is_multiple_of(3) { format!("D{i}") } else { format!("d{i}") };
        for step in 0..60usize {
            let d = digest(step % 23);
            if step % 5 == 4 {
                f.remove(&d);
                list.retain(|x| *x != d);
            } else {
                f.add(d.clone());
                if !list.contains(&d) {
                    list.push(d);
                }
            }
            assert_eq!(f.iter().cloned().collect::<Vec<_>>(), list);
            for i in 0..25 {
                let probe = digest(i);
                let upper = probe.to_ascii_uppercase();
                let lower = probe.to_ascii_lowercase();
                for p in [&probe, &upper, &lower] {
                    assert_eq!(f.accepts(p), list.iter().any(|x| x.eq_ignore_ascii_case(p)), "{p}");
                    assert_eq!(f.contains(p), list.contains(p), "{p}");
                }
            }
        }
        assert!(f.index.is_some(), "the list passed INDEX_FROM");
    }
}
