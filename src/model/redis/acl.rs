//! Who may log in to a Redis server: ACL users as redis-server builds them from `user` lines
//! (redis.conf or the ACL file) and the default user every new connection is.

use super::commands::CommandAccess;
use super::fingerprints::Fingerprints;
use super::keys::{KeyAccess, KeyNeed};
use super::password::PasswordStrength;
use super::RedisServer;
use crate::model::Location;
use crate::span::Span;

/// An ACL user as redis-server builds it from a `user` line (redis.conf or ACL file).
/// Passwords are kept only as fingerprints, never as text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AclUser {
    pub name: String,
    pub enabled: bool,
    pub nopass: bool,
    /// How many passwords it accepts (`>pw` and `#hash`, minus `<pw` and `!hash`).
    pub passwords: usize,
    /// SHA-256 hex digests, as redis-server keeps them.
    #[serde(skip)]
    fingerprints: Fingerprints,
    /// How strong each password is, by fingerprint (judged while the line is applied).
    #[serde(skip)]
    strengths: Vec<(String, PasswordStrength)>,
    /// Which dangerous commands (FLUSHALL, CONFIG, ...) and session commands it may run
    /// (its root selector).
    pub commands: CommandAccess,
    /// Which keys its root selector may read and write.
    pub keys: KeyAccess,
    /// Its further selectors `(...)` (Redis 7.0+): a command passes when the root or any
    /// selector allows both it and its keys (acl.c ACLCheckAllUserCommandPerm).
    pub selectors: Vec<Selector>,
    pub at: Location,
}

/// One `(...)` selector of a user: its own commands and keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Selector {
    pub commands: CommandAccess,
    pub keys: KeyAccess,
}

impl Selector {
    fn from_rule(rule: &[u8]) -> Selector {
        let inner = rule.strip_prefix(b"(").unwrap_or(rule);
        let inner = inner.strip_suffix(b")").unwrap_or(inner);
        let mut s = Selector::default();
        for r in inner.split(|b| *b == b' ' || *b == b'\t').filter(|r| !r.is_empty()) {
            s.commands.apply(r);
            s.keys.apply(r);
        }
        s
    }
}

/// Whether a user with these selectors may run `command` on each of `keys` with the need
/// given: the root selector or one further selector must allow the command and every key
/// (redis@7.0.15:src/acl.c ACLCheckAllUserCommandPerm, ACLSelectorCheckCmd).
/// `command` `None` checks the keys alone (for a handler whose commands are not modelled).
pub fn permits(
    root: (&CommandAccess, &KeyAccess),
    selectors: &[Selector],
    command: Option<&str>,
    keys: &[(&[u8], KeyNeed)],
) -> bool {
    let one = |c: &CommandAccess, k: &KeyAccess| {
        command.is_none_or(|cmd| c.may_run(cmd)) && keys.iter().all(|(key, need)| k.permits(key, *need))
    };
    one(root.0, root.1) || selectors.iter().any(|s| one(&s.commands, &s.keys))
}

impl AclUser {
    /// A user as a `user NAME` line starts it: `reset` (acl.c ACLSetUser "reset":
    /// off, no password, not nopass).
    pub fn reset(name: &str, at: Location) -> Self {
        AclUser {
            name: name.to_owned(),
            enabled: false,
            nopass: false,
            passwords: 0,
            fingerprints: Fingerprints::default(),
            strengths: Vec::new(),
            commands: CommandAccess::default(),
            keys: KeyAccess::default(),
            selectors: Vec::new(),
            at,
        }
    }

    /// Apply the rules of a `user` line in order, as ACLSetUser does (only the rules that
    /// decide logging in; key, channel and command rules are checked by the loader).
    pub fn apply<R: AsRef<[u8]>>(&mut self, rules: &[R]) {
        // A selector `(+get ~k)` arrives split at its blanks: joined back as redis-server
        // joins it; one left open is dropped (the loader refuses the line).
        let (rules, _) = crate::syntax::redis_acl::merge_selectors(rules.iter().map(AsRef::as_ref));
        for rule in &rules {
            let rule: &[u8] = rule;
            // A selector: `(~k +get)`.
            if rule.first() == Some(&b'(') {
                self.selectors.push(Selector::from_rule(rule));
                continue;
            }
            match rule {
                r if r.eq_ignore_ascii_case(b"on") => self.enabled = true,
                r if r.eq_ignore_ascii_case(b"off") => self.enabled = false,
                r if r.eq_ignore_ascii_case(b"nopass") => {
                    self.nopass = true;
                    self.fingerprints.clear();
                }
                r if r.eq_ignore_ascii_case(b"resetpass") => {
                    self.nopass = false;
                    self.fingerprints.clear();
                }
                r if r.eq_ignore_ascii_case(b"reset") => {
                    *self = AclUser::reset(&self.name, self.at);
                }
                [b'>', pw @ ..] => {
                    let digest = crate::sha256::hex_digest(pw);
                    self.strengths.push((digest.clone(), PasswordStrength::of_password(pw)));
                    self.add(digest)
                }
                [b'#', hash @ ..] => {
                    let digest = String::from_utf8_lossy(hash).into_owned();
                    self.strengths.push((digest.clone(), PasswordStrength::of_digest(&digest)));
                    self.add(digest)
                }
                [b'<', pw @ ..] => self.fingerprints.remove(&crate::sha256::hex_digest(pw)),
                // Kept digests are text: bytes that are not UTF-8 match none of them.
                [b'!', hash @ ..] => {
                    if let Ok(hash) = std::str::from_utf8(hash) {
                        self.fingerprints.remove(hash)
                    }
                }
                r if r.eq_ignore_ascii_case(b"clearselectors") => self.selectors.clear(),
                other => {
                    self.commands.apply(other);
                    self.keys.apply(other);
                }
            }
            self.passwords = self.fingerprints.len();
        }
        // A vector's first push reserves 4 entries: a user with one password and one key
        // pattern kept ~300 bytes it never used (a file can define a million users).
        self.fingerprints.shrink_to_fit();
        self.strengths.shrink_to_fit();
        self.keys.patterns.shrink_to_fit();
        self.selectors.shrink_to_fit();
    }

    fn add(&mut self, f: String) {
        // A password clears `nopass` (ACLSetUser ">": "user->flags &= ~USER_FLAG_NOPASS").
        self.nopass = false;
        self.fingerprints.add(f);
    }

    /// The built-in default user: `on nopass ~* &* +@all` (acl.c ACLCreateDefaultUser).
    fn builtin_default(at: Location) -> Self {
        AclUser {
            enabled: true,
            nopass: true,
            commands: CommandAccess::all(),
            keys: KeyAccess::all(),
            ..AclUser::reset("default", at)
        }
    }

    /// How strong each password it accepts is (never the passwords).
    pub fn strengths(&self) -> impl Iterator<Item = &PasswordStrength> {
        current_strengths(&self.fingerprints, &self.strengths)
    }

    /// Whether `AUTH <name> <password>` succeeds, the password given as its SHA-256 hex
    /// digest (acl.c ACLCheckUserCredentials: off fails, nopass takes anything).
    pub fn accepts_digest(&self, digest: &str) -> bool {
        self.enabled && (self.nopass || self.fingerprints.accepts(digest))
    }

    /// Whether this user may run `command` on `keys` (see [`permits`]).
    pub fn permits(&self, command: Option<&str>, keys: &[(&[u8], KeyNeed)]) -> bool {
        permits((&self.commands, &self.keys), &self.selectors, command, keys)
    }
}

/// The strength judged last for each current fingerprint (digests compared ignoring case),
/// in the fingerprints' order; one pass over each list.
fn current_strengths<'a>(
    fingerprints: &'a Fingerprints,
    strengths: &'a [(String, PasswordStrength)],
) -> impl Iterator<Item = &'a PasswordStrength> {
    let last: std::collections::HashMap<String, &PasswordStrength> =
        strengths.iter().map(|(d, s)| (d.to_ascii_lowercase(), s)).collect();
    fingerprints.iter().filter_map(move |f| last.get(&f.to_ascii_lowercase()).copied())
}

/// What decided the default user's login rules, in redis-server's order: the built-in user,
/// then `requirepass`, then a `user default` line (which starts from `reset`), or with
/// `aclfile` the ACL file alone (redis@7.0.15:src/acl.c ACLLoadUsersAtStartup,
/// ACLLoadConfiguredUsers, ACLLoadFromFile; server.c initServer applies requirepass first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DefaultUserSource {
    /// No requirepass, no `user default` line, no aclfile: `on nopass`.
    BuiltIn,
    /// `requirepass` (resetpass + `>pw`, or nopass when empty).
    Requirepass,
    /// A `user default ...` line in redis.conf.
    UserLine,
    /// A `user default ...` line in the ACL file.
    AclFile,
    /// An ACL file without a `default` line: redis-server re-creates the built-in one.
    AclFileWithoutDefault,
    /// `aclfile` names a file that was not read (outside the checked tree, missing, over the
    /// budget): which users redis-server has, the default one included, is not known. The
    /// fields stand for nothing; [`super::RedisServer::users_known`] says so to their readers.
    AclFileNotRead,
    /// `aclfile` names a file redis-server refuses ("Aborting Redis startup because of ACL
    /// errors"): it does not start, so it has no users; none are known here either, and the
    /// fields stand for nothing, as for [`DefaultUserSource::AclFileNotRead`].
    AclFileRefused,
}

/// The default user as the server runs with it: what every new connection is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DefaultUser {
    pub enabled: bool,
    pub nopass: bool,
    pub passwords: usize,
    pub source: DefaultUserSource,
    /// The line that decided it (`None`: the built-in user).
    pub at: Option<Location>,
    /// A non-empty `requirepass` that does not count: a `user default` line or an aclfile
    /// decides instead (`CONFIG GET requirepass` still shows it).
    pub requirepass_overridden: Option<Location>,
    #[serde(skip)]
    fingerprints: Fingerprints,
    #[serde(skip)]
    strengths: Vec<(String, PasswordStrength)>,
    /// Which dangerous commands (FLUSHALL, CONFIG, ...) and session commands it may run.
    pub commands: CommandAccess,
    /// Which keys it may read and write.
    pub keys: KeyAccess,
    /// Its further selectors (Redis 7.0+).
    pub selectors: Vec<Selector>,
}

impl DefaultUser {
    /// New connections are logged in without AUTH (`on nopass`); `AUTH <password>` is then
    /// refused with "called without any password configured for the default user".
    pub fn is_open(&self) -> bool {
        self.enabled && self.nopass
    }

    /// `AUTH <password>` (no user name) can succeed.
    pub fn accepts_password(&self) -> bool {
        self.enabled && !self.nopass && self.passwords > 0
    }

    /// Whether `AUTH <password>` succeeds (acl.c ACLCheckUserCredentials through
    /// authCommand: a `nopass` default user refuses the one-argument form).
    pub fn auth_succeeds(&self, password: &[u8]) -> bool {
        self.enabled && !self.nopass && self.fingerprints.contains(&crate::sha256::hex_digest(password))
    }

    /// How strong each password it accepts is (never the passwords).
    pub fn strengths(&self) -> impl Iterator<Item = &PasswordStrength> {
        current_strengths(&self.fingerprints, &self.strengths)
    }

    /// Whether `AUTH default <password>` succeeds, the password given as its SHA-256 hex
    /// digest (`nopass` takes any password).
    pub fn accepts_digest_as_default(&self, digest: &str) -> bool {
        self.enabled && (self.nopass || self.fingerprints.accepts(digest))
    }

    /// Whether `AUTH <password>` (no user name) succeeds, by digest: a `nopass` default
    /// user refuses it ("called without any password configured").
    pub fn accepts_digest(&self, digest: &str) -> bool {
        self.enabled && !self.nopass && self.fingerprints.accepts(digest)
    }

    /// Whether the default user may run `command` on `keys` (see [`permits`]).
    pub fn permits(&self, command: Option<&str>, keys: &[(&[u8], KeyNeed)]) -> bool {
        permits((&self.commands, &self.keys), &self.selectors, command, keys)
    }

    /// Whether `AUTH default <password>` succeeds (`nopass` takes any password).
    pub fn auth_as_default_succeeds(&self, password: &[u8]) -> bool {
        self.enabled && (self.nopass || self.fingerprints.contains(&crate::sha256::hex_digest(password)))
    }
}

impl DefaultUser {
    /// The built-in default user before the server's settings are applied.
    pub(super) fn builtin() -> DefaultUser {
        DefaultUser {
            enabled: true,
            nopass: true,
            passwords: 0,
            source: DefaultUserSource::BuiltIn,
            at: None,
            requirepass_overridden: None,
            fingerprints: Fingerprints::default(),
            strengths: Vec::new(),
            commands: CommandAccess::all(),
            keys: KeyAccess::all(),
            selectors: Vec::new(),
        }
    }
}

/// The default user redis-server ends up with for this server's settings (`requirepass`:
/// the last requirepass line and its value, empty for `requirepass ""`, only while the
/// server is built; the value is not kept).
pub(super) fn effective_default(s: &RedisServer, requirepass: Option<(Location, &[u8])>) -> DefaultUser {
    let line = s.users.get("default");
    let (user, source) = match (&s.aclfile, line) {
        // Only the ACL file's users count, and it was not read (yet: its users are given with
        // `use_acl_file`).
        (Some(_), _) if s.acl_file.is_none() => (
            AclUser::builtin_default(s.aclfile_at.unwrap_or(Location { file: s.file, span: Span::empty(0) })),
            DefaultUserSource::AclFileNotRead,
        ),
        (Some(_), Some(u)) => (u.clone(), DefaultUserSource::AclFile),
        (Some(_), None) => (
            AclUser::builtin_default(s.aclfile_at.unwrap_or(Location { file: s.file, span: Span::empty(0) })),
            DefaultUserSource::AclFileWithoutDefault,
        ),
        (None, Some(u)) => (u.clone(), DefaultUserSource::UserLine),
        (None, None) => match requirepass {
            Some((at, pw)) if !pw.is_empty() => {
                // resetpass, then `>pw` (acl.c ACLUpdateDefaultUserPassword).
                let mut u = AclUser::builtin_default(at);
                u.nopass = false;
                u.apply(&[[b">", pw].concat()]);
                (u, DefaultUserSource::Requirepass)
            }
            // `requirepass ""`: resetpass + nopass, whatever an earlier (included) line set.
            Some((at, _)) => (AclUser::builtin_default(at), DefaultUserSource::Requirepass),
            None => {
                (AclUser::builtin_default(Location { file: s.file, span: Span::empty(0) }), DefaultUserSource::BuiltIn)
            }
        },
    };
    let decided_here = !matches!(source, DefaultUserSource::BuiltIn | DefaultUserSource::AclFileNotRead);
    DefaultUser {
        enabled: user.enabled,
        nopass: user.nopass,
        passwords: user.passwords,
        source,
        at: decided_here.then_some(user.at),
        requirepass_overridden: s.requirepass_at.filter(|_| source != DefaultUserSource::Requirepass),
        fingerprints: user.fingerprints,
        strengths: user.strengths,
        commands: user.commands,
        keys: user.keys,
        selectors: user.selectors,
    }
}
