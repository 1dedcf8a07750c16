//! A Redis server's ACL users and their index by name: one user per name, as redis-server
//! keeps them (acl.c `Users` rax), so that a client's login is a binary search, not a scan.

use super::acl::AclUser;

/// The users a server defines (redis.conf `user` lines or its ACL file), in the order of the
/// line that defines each, with an index by name built with them: the fields are private, so
/// the index is never out of date with the list.
///
/// A name appears once. redis-server refuses a second `user` line for a name at startup
/// ("Duplicate user found", acl.c ACLAppendUserForLoading; an ACL file's duplicate line is
/// refused by `syntax::redis_acl` and not given here); the model keeps the *last* line for
/// the name, at that line's place, as `build_server` always did.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AclUsers {
    list: Vec<AclUser>,
    /// Positions in `list`, sorted by name: 4 bytes a user, not a second copy of each name
    /// (a file can hold a million `user` lines).
    by_name: Vec<u32>,
}

impl AclUsers {
    /// The users of these `user` lines in load order; a name defined again keeps only its
    /// last line, placed where that line is. O(n log n) in the lines; a `Vec` given is
    /// reused, not copied.
    pub fn from_lines(lines: impl IntoIterator<Item = AclUser>) -> AclUsers {
        let mut list: Vec<AclUser> = lines.into_iter().collect();
        // More users than u32 positions cannot be read within the input budget; keep the
        // first ones rather than wrap.
        list.truncate(u32::MAX as usize);
        let mut by_name = sorted_positions(&list);
        // Equal names sit together, in line order (a stable sort): all but the last go.
        let redefined: Vec<u32> =
            by_name.windows(2).filter(|w| list[w[0] as usize].name == list[w[1] as usize].name).map(|w| w[0]).collect();
        if !redefined.is_empty() {
            let mut gone = vec![false; list.len()];
            for i in redefined {
                gone[i as usize] = true;
            }
            let mut at = 0;
            list.retain(|_| {
                at += 1;
                !gone[at - 1]
            });
            by_name = sorted_positions(&list);
        }
        list.shrink_to_fit();
        AclUsers { list, by_name }
    }

    /// The user called `name` (exact bytes as read, lossily decoded), in O(log n).
    pub fn get(&self, name: &str) -> Option<&AclUser> {
        let i = self.by_name.binary_search_by(|&i| self.list[i as usize].name.as_str().cmp(name)).ok()?;
        self.list.get(self.by_name[i] as usize)
    }

    /// Every user, in the order of the lines that define them.
    pub fn iter(&self) -> std::slice::Iter<'_, AclUser> {
        self.list.iter()
    }

    /// The user defined first (`None`: no `user` line).
    pub fn first(&self) -> Option<&AclUser> {
        self.list.first()
    }

    /// How many users (names) there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether no user is defined.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Positions of `list` sorted by name, equal names in list order.
fn sorted_positions(list: &[AclUser]) -> Vec<u32> {
    let mut by_name: Vec<u32> = (0..list.len()).filter_map(|i| u32::try_from(i).ok()).collect();
    by_name.sort_by(|&a, &b| list[a as usize].name.cmp(&list[b as usize].name));
    by_name
}

impl<'a> IntoIterator for &'a AclUsers {
    type Item = &'a AclUser;
    type IntoIter = std::slice::Iter<'a, AclUser>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

// Shown and serialised as the list it holds: the index is derived from it.
impl std::fmt::Debug for AclUsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.list).finish()
    }
}

impl serde::Serialize for AclUsers {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.list.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileId, Location};
    use crate::span::Span;

    fn user(name: &str, line: usize, rules: &[&str]) -> AclUser {
        let mut u = AclUser::reset(name, Location { file: FileId(0), span: Span::new(line, line + 1) });
        u.apply(&rules.iter().map(|r| r.as_bytes().to_vec()).collect::<Vec<_>>());
        u
    }

    #[test]
    fn a_name_defined_again_keeps_its_last_line_at_that_place() {
        let users = AclUsers::from_lines([
            user("a", 0, &["on"]),
            user("b", 1, &["on"]),
            user("a", 2, &["off"]),
            user("c", 3, &["on"]),
        ]);
        let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["b", "a", "c"]);
        assert_eq!(users.len(), 3);
        let a = users.get("a").expect("a is defined");
        assert_eq!(a.at.span.start, 2);
        assert!(!a.enabled, "the last line decides");
        assert_eq!(users.first().map(|u| u.name.as_str()), Some("b"));
        assert!(users.get("d").is_none());
    }

    #[test]
    fn every_user_is_found_by_its_name_and_no_other() {
        let users = AclUsers::from_lines((0..500).map(|i| user(&format!("u{}", i % 300), i, &["on"])));
        assert_eq!(users.len(), 300);
        for (i, u) in users.iter().enumerate() {
            let found = users.get(&u.name).expect("indexed");
            assert!(std::ptr::eq(found, u), "index of {} points at slot {i}", u.name);
        }
        // A name's last line wins: u0's is line 300.
        assert_eq!(users.get("u0").map(|u| u.at.span.start), Some(300));
        assert!(AclUsers::default().is_empty());
    }
}
