//! Rule codes: the one table of every code sesslint has given out, with its name. A code is
//! never reused: a retired rule's code stays in [`RETIRED`] so that old suppressions keep meaning.

use std::fmt;

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $name:literal;)*) => {
        /// A rule's code, as the table below gives it. Declared in code order, so that sorting
        /// by `Code` sorts by the text `SL001` < `SL002` < ...
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code in use, in code order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as users write it: `SL201`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// The rule's name: `redis-missing-auth`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }
        }
    };
}

codes! {
    SyntaxError = "SL001", "syntax-error";
    UnreadableFile = "SL002", "unreadable-file";
    UnknownDirective = "SL003", "unknown-directive";
    IncludeProblem = "SL004", "include-problem";
    BlanketSuppression = "SL005", "blanket-suppression";
    UnusedSuppression = "SL006", "unused-suppression";
    FilesSessionHandler = "SL101", "files-session-handler";
    SessionHandlerUnavailable = "SL102", "session-handler-unavailable";
    SavePathInvalid = "SL103", "save-path-invalid";
    SavePathUnknownParameter = "SL104", "save-path-unknown-parameter";
    SavePathUnquoted = "SL105", "save-path-unquoted";
    SessionSettingShadowed = "SL106", "session-setting-shadowed";
    SessionLockingUnreliable = "SL107", "session-locking-unreliable";
    SessionTimeoutsMissing = "SL108", "session-timeouts-missing";
    SavePathMissingAuth = "SL109", "save-path-missing-auth";
    SessionStrictModeOff = "SL110", "session-strict-mode-off";
    SessionCookieFlags = "SL111", "session-cookie-flags";
    PersistentConnections = "SL112", "persistent-connections";
    SecretWorldReadable = "SL113", "secret-world-readable";
    RedisMissingAuth = "SL201", "redis-missing-auth";
    RedisExposedWithoutTunnel = "SL202", "redis-exposed-without-tunnel";
    ProtectedModeOff = "SL203", "protected-mode-off";
    WeakPassword = "SL204", "weak-password";
    DangerousCommandsExposed = "SL205", "dangerous-commands-exposed";
    EvictionDropsSessions = "SL206", "eviction-drops-sessions";
    NoPersistence = "SL207", "no-persistence";
    UnixsocketPermissive = "SL208", "unixsocket-permissive";
    DatabaseOutOfRange = "SL209", "database-out-of-range";
    MagentoFilesSessions = "SL301", "magento-files-sessions";
    MagentoSessionConfigInvalid = "SL302", "magento-session-config-invalid";
    NonUniqueDatabase = "SL303", "non-unique-database";
    CachesShareDatabase = "SL304", "caches-share-database";
    ConnectRetries = "SL305", "connect-retries";
    PersistentIdShared = "SL306", "persistent-id-shared";
    ForceStandalone = "SL307", "force-standalone";
    MaxConcurrencyLow = "SL308", "max-concurrency-low";
    SentinelUnusable = "SL309", "sentinel-unusable";
    AuthMismatch = "SL401", "auth-mismatch";
    EndpointUnreachable = "SL402", "endpoint-unreachable";
    SessionsSharedAcrossApps = "SL403", "sessions-shared-across-apps";
    PlaintextToRemote = "SL404", "plaintext-to-remote";
    TunnelChainBroken = "SL405", "tunnel-chain-broken";
    SessionAclDenied = "SL406", "session-acl-denied";
    TunnelWithoutAuthentication = "SL407", "tunnel-without-authentication";
    ProbeUnreachable = "SL501", "probe-unreachable";
    ProbeTlsFailed = "SL502", "probe-tls-failed";
    ProbeAccessRefused = "SL503", "probe-access-refused";
    ProbeSelectRefused = "SL504", "probe-select-refused";
    ProbeServerInfo = "SL505", "probe-server-info";
    ProbeConfigDrift = "SL506", "probe-config-drift";
    ProbeWriteTestFailed = "SL507", "probe-write-test-failed";
}

/// Codes of rules that were removed: never given to a new rule.
pub const RETIRED: &[&str] = &[];

/// Names a rule had before, still accepted where a rule is named (`sesslint rule NAME`):
/// SL107 was `session-locking-disabled`, which read backwards on a line that turns locking
/// on but leaves it without expiry or with too short a wait.
pub const RENAMED: &[(&str, Code)] = &[("session-locking-disabled", Code::SessionLockingUnreliable)];

impl Code {
    /// The code `SL201` (any case) names.
    pub fn from_code(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(text))
    }

    /// The code of the rule named `redis-missing-auth`, or once so named ([`RENAMED`]).
    pub fn from_name(name: &str) -> Option<Code> {
        let old = RENAMED.iter().find(|(old, _)| *old == name).map(|&(_, c)| c);
        old.or_else(|| Code::ALL.iter().copied().find(|c| c.name() == name))
    }

    /// The code `SL201` (any case) or the rule name `redis-missing-auth` (or an old name,
    /// [`RENAMED`]) names, as `sesslint rule` takes it.
    pub fn from_code_or_name(text: &str) -> Option<Code> {
        Code::from_code(text).or_else(|| Code::from_name(text))
    }

    /// When `text` is a name a rule had before ([`RENAMED`]): the note `sesslint rule`
    /// prints, "rule `OLD` is now named `NEW` (CODE)".
    pub fn renamed_note(text: &str) -> Option<String> {
        let &(old, code) = RENAMED.iter().find(|(old, _)| *old == text)?;
        Some(format!("rule `{old}` is now named `{}` ({code})", code.name()))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Which codes a `select`, `ignore`, per-path ignore or suppression names: `ALL`, a whole
/// code, a prefix (`SL2` = SL201, SL202, ...) or a rule's name (also one it had before,
/// [`RENAMED`]), as `sesslint rule` takes it. Parsed only when it names some rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    /// Upper-cased; empty for `ALL`.
    prefix: String,
}

/// A selector that names no rule. Its message says what a selector may be and lists every
/// rule's code and name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", unknown_rule(.0))]
pub struct UnknownCode(pub String);

/// The message of [`UnknownCode`] for `text`: a did-you-mean first when a rule's name (or
/// an old name, or a code) is within a typo of it (`redis-missing-auht`), then every rule.
pub fn unknown_rule(text: &str) -> String {
    let list: Vec<String> = Code::ALL.iter().map(|c| format!("{c} {}", c.name())).collect();
    let names = Code::ALL.iter().map(|c| c.name()).chain(RENAMED.iter().map(|(old, _)| *old));
    // A code one keystroke off (`SL2011`, `SL21`): two would make any `SL9xx` some code.
    let upper = text.to_ascii_uppercase();
    let typo = crate::suggest::did_you_mean(&text.to_ascii_lowercase(), names).or_else(|| {
        let near = Code::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| upper.len() <= c.len() + 1 && crate::suggest::edit_distance(&upper, c) == 1);
        near.min().map(str::to_owned)
    });
    let typo = typo.map(|t| format!(" (did you mean `{t}`?)")).unwrap_or_default();
    format!(
        "unknown rule `{text}`{typo}: a rule is ALL, a code (SL201), a code prefix (SL2) or a rule name (redis-missing-auth); the rules: {}",
        list.join(", ")
    )
}

/// The shortest code prefix a selector may be: `SL` and a digit (`SL2`).
const MIN_PREFIX: usize = 3;

impl Selector {
    /// Every rule.
    pub fn all() -> Selector {
        Selector { prefix: String::new() }
    }

    /// `ALL`, `SL2`, `sl201` (case-insensitive); an error when no code in use starts with it,
    /// and for a prefix shorter than `SL` and a digit: an empty word (`--ignore SL305,`, an
    /// unset `$VAR`) or `S`/`SL` would select every rule, which only `ALL` says.
    pub fn parse(text: &str) -> Result<Selector, UnknownCode> {
        if text.eq_ignore_ascii_case("ALL") {
            return Ok(Selector::all());
        }
        let prefix = text.to_ascii_uppercase();
        if prefix.len() >= MIN_PREFIX && Code::ALL.iter().any(|c| c.as_str().starts_with(&prefix)) {
            return Ok(Selector { prefix });
        }
        // A name selects its rule's code alone (codes are all of one length).
        match Code::from_name(text) {
            Some(code) => Ok(Selector { prefix: code.as_str().to_owned() }),
            None => Err(UnknownCode(text.to_owned())),
        }
    }

    pub fn matches(&self, code: Code) -> bool {
        code.as_str().starts_with(&self.prefix)
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(if self.prefix.is_empty() { "ALL" } else { &self.prefix })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_table_each_code_once_in_order_never_reused() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{c} given twice");
            assert!(!RETIRED.contains(&c.as_str()), "{c} was retired and is used again");
            assert_eq!(Code::from_code(&c.as_str().to_ascii_lowercase()), Some(*c));
            assert_eq!(Code::from_name(c.name()), Some(*c));
        }
        let texts: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(texts, sorted, "declare codes in code order: sorting diagnostics relies on it");
    }

    #[test]
    fn a_selector_is_a_code_a_prefix_or_a_name_and_an_unknown_one_lists_the_rules() {
        let by_name = Selector::parse("redis-missing-auth").expect("name");
        assert_eq!(by_name, Selector::parse("SL201").expect("code"));
        assert!(by_name.matches(Code::RedisMissingAuth) && !by_name.matches(Code::SessionLockingUnreliable));
        for &(old, code) in RENAMED {
            let s = Selector::parse(old).expect("old name");
            assert!(s.matches(code));
            assert_eq!(Code::renamed_note(old), Some(format!("rule `{old}` is now named `{}` ({code})", code.name())));
        }
        assert_eq!(Code::renamed_note("redis-missing-auth"), None);
        let typo = Selector::parse("redis-missing-auht").expect_err("typo").to_string();
        assert!(typo.starts_with("unknown rule `redis-missing-auht` (did you mean `redis-missing-auth`?): "), "{typo}");
        let typo = Selector::parse("SL2011").expect_err("typo").to_string();
        assert!(typo.starts_with("unknown rule `SL2011` (did you mean `SL201`?): "), "{typo}");
        let err = Selector::parse("redis-missing").expect_err("unknown").to_string();
        assert!(Code::ALL.iter().all(|c| err.contains(&format!("{c} {}", c.name()))), "{err}");
        assert!(err.len() <= 2000, "the list fits an error line uncut ({} bytes)", err.len());
    }

    #[test]
    fn an_old_name_still_finds_its_rule_and_is_no_rule_s_name_now() {
        for &(old, code) in RENAMED {
            assert_eq!(Code::from_name(old), Some(code), "{old}");
            assert!(Code::ALL.iter().all(|c| c.name() != old), "{old} is a name in use");
        }
        assert_eq!(Code::from_name("session-locking-disabled"), Some(Code::SessionLockingUnreliable));
        assert_eq!(Code::SessionLockingUnreliable.name(), "session-locking-unreliable");
    }

    #[test]
    fn selectors() {
        let sl2 = Selector::parse("sl2").expect("a prefix");
        assert!(sl2.matches(Code::RedisMissingAuth) && !sl2.matches(Code::NonUniqueDatabase));
        assert!(Selector::parse("ALL").expect("all").matches(Code::SyntaxError));
        assert_eq!(Selector::parse("SL2O2"), Err(UnknownCode("SL2O2".into())));
        // Every code starts with these, but only `ALL` says every rule.
        for short in ["", "s", "S", "sl", "SL"] {
            assert_eq!(Selector::parse(short), Err(UnknownCode(short.into())), "{short:?}");
        }
        assert!(Selector::parse("SL0").is_ok() && Selector::parse("all").is_ok());
        assert!(Selector::parse("SL999").is_err());
    }
}
