//! The ACL rule language of `user` lines: which rules redis-server refuses while it reads
//! a config (src/acl.c ACLSetUser / ACLSetSelector, redis@7.0.15) and which name an unknown
//! command or category (accepted while reading, fatal when the users are created).

use super::directives::{ACL_CATEGORIES_7_0, COMMANDS_7_0};

/// The rules of a `user` line with each selector `(...)` joined back into one rule (the
/// tokenizer split it at its blanks). `Err(j)`: the selector opened at rule `j` never closes.
/// A word that opens a selector while one is open starts it again, the words before it
/// dropped (acl.c ACLMergeSelectorArguments: `(~x (~y +get)` is the selector `(~y +get)`).
pub(super) fn merge_selectors(ops: &[super::ArgBytes]) -> Result<Vec<Vec<u8>>, usize> {
    let mut merged: Vec<Vec<u8>> = Vec::new();
    let mut open: Option<(usize, Vec<u8>)> = None;
    for (j, op) in ops.iter().enumerate() {
        if op.first() == Some(&b'(') && op.last() != Some(&b')') {
            open = Some((j, op.to_vec()));
            continue;
        }
        if let Some((_, sel)) = open.as_mut() {
            sel.push(b' ');
            sel.extend_from_slice(op);
            if op.last() == Some(&b')') {
                if let Some((_, sel)) = open.take() {
                    merged.push(sel);
                }
            }
            continue;
        }
        merged.push(op.to_vec());
    }
    match open {
        Some((j, _)) => Err(j),
        None => Ok(merged),
    }
}

/// The parts of a user that make ACL rules fail (src/acl.c ACLSetUser / ACLSetSelector).
#[derive(Default)]
pub(super) struct AclScratch<'a> {
    /// The user's passwords as [`hash_marker`] / [`check_hash`] give them. A set: redis-server
    /// keeps a list, but only whether one is there is observable while reading a config, and
    /// a line of n passwords stays n steps.
    passwords: super::check::NameSet,
    all_keys: bool,
    all_channels: bool,
    /// The top-level command names rules are looked up in; `None` in tests = the 7.0 table.
    commands: Option<&'a super::check::NameSet>,
}

pub(super) enum AclError {
    /// errno ENOENT: an unknown command or category.
    Unknown,
    Fatal(&'static str),
}

impl From<&'static str> for AclError {
    fn from(s: &'static str) -> Self {
        AclError::Fatal(s)
    }
}

const ACL_SYNTAX: &str = "Syntax error";

impl<'a> AclScratch<'a> {
    /// A scratch user whose command rules are checked against `commands`: redis-server's
    /// original names, whatever `rename-command` did (acl.c ACLLookupCommand looks in
    /// server.orig_commands: `+config` after `rename-command CONFIG x` is read, `+x` is
    /// "Unknown command", asked live).
    pub(super) fn new(commands: &'a super::check::NameSet) -> Self {
        AclScratch { commands: Some(commands), ..AclScratch::default() }
    }

    /// `ACLLookupCommand`: `name` or `container|sub`.
    fn command_exists(&self, name: &[u8]) -> bool {
        let lower = name.to_ascii_lowercase();
        if lower.contains(&b'|') {
            return COMMANDS_7_0.iter().any(|c| c.as_bytes() == lower.as_slice());
        }
        match self.commands {
            Some(set) => set.contains(&lower),
            None => COMMANDS_7_0.iter().any(|c| c.as_bytes() == lower.as_slice()),
        }
    }

    fn has_subcommands(name: &[u8]) -> bool {
        let mut prefix = name.to_ascii_lowercase();
        prefix.push(b'|');
        COMMANDS_7_0.iter().any(|c| c.as_bytes().starts_with(&prefix))
    }

    /// Apply one rule (a selector `(...)` as one rule), as ACLSetUser does.
    pub(super) fn apply(&mut self, op: &[u8]) -> Result<(), AclError> {
        if op.is_empty() {
            return Ok(());
        }
        let lower = op.to_ascii_lowercase();
        match lower.as_slice() {
            b"on" | b"off" | b"skip-sanitize-payload" | b"sanitize-payload" | b"clearselectors" => return Ok(()),
            b"nopass" | b"resetpass" => {
                self.passwords.clear();
                return Ok(());
            }
            b"reset" => {
                *self = AclScratch { commands: self.commands, ..AclScratch::default() };
                return Ok(());
            }
            _ => {}
        }
        match op[0] {
            b'>' | b'#' => {
                let pass = if op[0] == b'#' { check_hash(&op[1..])? } else { hash_marker(&op[1..]) };
                self.passwords.insert(pass);
                Ok(())
            }
            b'<' | b'!' => {
                let pass = if op[0] == b'!' { check_hash(&op[1..])? } else { hash_marker(&op[1..]) };
                if self.passwords.remove(&pass) {
                    Ok(())
                } else {
                    Err("The password you are trying to remove from the user does not exist".into())
                }
            }
            b'(' if op.last() == Some(&b')') => {
                // A selector: its rules, split by sdssplitargs (any blank, quotes), are
                // checked on a fresh selector (acl.c aclCreateSelectorFromOpSet). Unbalanced
                // quotes split into no rule at all: an empty selector, accepted.
                let inner = &op[1..op.len() - 1];
                let mut sel = AclScratch { commands: self.commands, ..AclScratch::default() };
                for part in super::split_value(inner).unwrap_or_default() {
                    if part.is_empty() {
                        return Err(ACL_SYNTAX.into());
                    }
                    sel.selector_op(&part)?;
                }
                Ok(())
            }
            _ => self.selector_op(op),
        }
    }

    fn selector_op(&mut self, op: &[u8]) -> Result<(), AclError> {
        let lower = op.to_ascii_lowercase();
        match lower.as_slice() {
            b"allkeys" | b"~*" => {
                self.all_keys = true;
                return Ok(());
            }
            b"resetkeys" => {
                self.all_keys = false;
                return Ok(());
            }
            b"allchannels" | b"&*" => {
                self.all_channels = true;
                return Ok(());
            }
            b"resetchannels" => {
                self.all_channels = false;
                return Ok(());
            }
            b"allcommands" | b"+@all" | b"nocommands" | b"-@all" => return Ok(()),
            _ => {}
        }
        match op[0] {
            b'~' | b'%' => {
                if self.all_keys {
                    return Err("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns".into());
                }
                let mut offset = 1;
                if op[0] == b'%' {
                    let (mut r, mut w) = (false, false);
                    loop {
                        match op.get(offset).map(u8::to_ascii_uppercase) {
                            Some(b'R') if !r => r = true,
                            Some(b'W') if !w => w = true,
                            Some(b'~') => {
                                offset += 1;
                                break;
                            }
                            None => break,
                            _ => return Err(ACL_SYNTAX.into()),
                        }
                        offset += 1;
                    }
                }
                if op[offset.min(op.len())..].iter().any(|&b| super::is_space(b)) {
                    return Err(ACL_SYNTAX.into());
                }
                Ok(())
            }
            b'&' => {
                if self.all_channels {
                    return Err("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels".into());
                }
                if op[1..].iter().any(|&b| super::is_space(b)) {
                    return Err(ACL_SYNTAX.into());
                }
                Ok(())
            }
            b'+' | b'-' if op.get(1) == Some(&b'@') => {
                let cat = op[2..].to_ascii_lowercase();
                if ACL_CATEGORIES_7_0.iter().any(|c| c.as_bytes() == cat.as_slice()) {
                    Ok(())
                } else {
                    Err(AclError::Unknown)
                }
            }
            b'-' => {
                if self.command_exists(&op[1..]) {
                    Ok(())
                } else {
                    Err(AclError::Unknown)
                }
            }
            b'+' => {
                let name = &op[1..];
                let Some(bar) = name.iter().rposition(|&b| b == b'|') else {
                    return if self.command_exists(name) { Ok(()) } else { Err(AclError::Unknown) };
                };
                let (container, sub) = (&name[..bar], &name[bar + 1..]);
                if !self.command_exists(container) {
                    return Err(AclError::Unknown);
                }
                if container.contains(&b'|') {
                    return Err("Allowing first-arg of a subcommand is not supported".into());
                }
                if sub.is_empty() {
                    return Err(ACL_SYNTAX.into());
                }
                if Self::has_subcommands(container) && !self.command_exists(name) {
                    return Err(AclError::Unknown);
                }
                Ok(())
            }
            _ => Err(ACL_SYNTAX.into()),
        }
    }
}

fn check_hash(hash: &[u8]) -> Result<Vec<u8>, AclError> {
    if hash.len() == 64 && hash.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) {
        Ok(hash.to_vec())
    } else {
        Err("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters".into())
    }
}

/// The password `>clear` sets, as redis-server keeps it: the hex SHA-256 that `#hash` names
/// (acl.c ACLHashPassword), so that `!hash` removes `>clear` and `<clear` removes `#hash`.
fn hash_marker(clear: &[u8]) -> Vec<u8> {
    crate::sha256::hex_digest(clear).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// redis-server's own bookkeeping (src/acl.c ACLSetUser): a list searched per rule.
    fn by_list(ops: &[Vec<u8>]) -> Vec<Option<String>> {
        let mut list: Vec<Vec<u8>> = Vec::new();
        let mut out = Vec::new();
        for op in ops {
            let lower = op.to_ascii_lowercase();
            let r = match lower.as_slice() {
                b"nopass" | b"resetpass" | b"reset" => {
                    list.clear();
                    None
                }
                _ => {
                    let pass = hash_marker(&op[1..]);
                    let at = list.iter().position(|p| *p == pass);
                    match (op[0], at) {
                        (b'>', None) => {
                            list.push(pass);
                            None
                        }
                        (b'>', Some(_)) => None,
                        (_, Some(i)) => {
                            list.remove(i);
                            None
                        }
                        (_, None) => {
                            Some("The password you are trying to remove from the user does not exist".to_owned())
                        }
                    }
                }
            };
            out.push(r);
        }
        out
    }

    fn by_scratch(ops: &[Vec<u8>]) -> Vec<Option<String>> {
        let mut user = AclScratch::default();
        ops.iter()
            .map(|op| match user.apply(op) {
                Ok(()) => None,
                Err(AclError::Fatal(m)) => Some(m.to_owned()),
                Err(AclError::Unknown) => Some("unknown".to_owned()),
            })
            .collect()
    }

    #[test]
    fn passwords_added_and_removed_as_a_list_search_does() {
        // Generated lines: a small alphabet of passwords so that adds repeat and removes
        // both hit and miss; a reset now and then.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..200 {
            let len = 1 + next(60) as usize;
            let ops: Vec<Vec<u8>> = (0..len)
                .map(|_| match next(20) {
                    0 => b"nopass".to_vec(),
                    1 => b"resetpass".to_vec(),
                    2 => b"RESET".to_vec(),
                    k => {
                        let sign = if k % 2 == 0 { b'>' } else { b'<' };
                        format!("{}pw{}", sign as char, next(8)).into_bytes()
                    }
                })
                .collect();
            assert_eq!(
                by_scratch(&ops),
                by_list(&ops),
                "{:?}",
                ops.iter().map(|o| String::from_utf8_lossy(o)).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn a_password_is_removed_by_its_other_form() {
        let h = crate::sha256::hex_digest(b"p1");
        let ops = [b">p1".to_vec(), format!("!{h}").into_bytes(), format!("#{h}").into_bytes(), b"<p1".to_vec()];
        assert_eq!(by_scratch(&ops), [None, None, None, None]);
    }

    #[test]
    fn a_hashed_password_removes_the_same_hash_only() {
        let h = "a".repeat(64);
        let ops = [format!("#{h}").into_bytes(), format!("!{h}").into_bytes(), format!("!{h}").into_bytes()];
        let got = by_scratch(&ops);
        assert_eq!(got[..2], [None, None]);
        assert!(got[2].as_deref().is_some_and(|m| m.contains("does not exist")), "{got:?}");
    }
}
