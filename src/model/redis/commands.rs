//! Which of the commands that can wipe or reconfigure a server, and of those the session
//! handler needs, an ACL user may run, as redis-server 7.0 applies `+@category`,
//! `-@category`, `+cmd`, `-cmd`, `allcommands`.

/// The commands that destroy sessions or the server's settings, with their ACL categories
/// as redis-server 7.0.15 reports them (`COMMAND INFO`, checked live).
pub const DANGEROUS: &[(&str, &[&str])] = &[
    ("flushall", &["keyspace", "write", "slow", "dangerous"]),
    ("flushdb", &["keyspace", "write", "slow", "dangerous"]),
    ("config", &["admin", "slow", "dangerous"]),
    ("debug", &["admin", "slow", "dangerous"]),
    ("keys", &["keyspace", "read", "slow", "dangerous"]),
];

/// The commands phpredis 5.3.7's session handler sends (besides AUTH, which every user may
/// run), with their ACL categories as redis-server 7.0.15 reports them (`COMMAND INFO`,
/// checked live). Seen with MONITOR: SELECT when the save_path names a database, GET on
/// read, SETEX on write, EXPIRE when lazy_write finds the data unchanged, EXISTS with
/// `session.use_strict_mode`, DEL on destroy; with locking, `SET <key>_LOCK .. NX` and the
/// release script by EVALSHA, then EVAL (redis_session.c lock_acquire / lock_release).
pub const SESSION: &[(&str, &[&str])] = &[
    ("select", &["fast", "connection"]),
    ("get", &["read", "string", "fast"]),
    ("setex", &["write", "string", "slow"]),
    ("expire", &["keyspace", "write", "fast"]),
    ("exists", &["keyspace", "read", "fast"]),
    ("del", &["keyspace", "write", "slow"]),
    ("set", &["write", "string", "slow"]),
    ("evalsha", &["slow", "scripting"]),
    ("eval", &["slow", "scripting"]),
];

const TRACKED: usize = 5 + 9;

fn tracked() -> impl Iterator<Item = &'static (&'static str, &'static [&'static str])> {
    DANGEROUS.iter().chain(SESSION)
}

/// For each of [`DANGEROUS`] and [`SESSION`], whether the user may run it (a subcommand
/// allowed counts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CommandAccess {
    allowed: [bool; TRACKED],
}

impl CommandAccess {
    /// `+@all`: the built-in default user and one set by `requirepass`.
    pub fn all() -> CommandAccess {
        CommandAccess { allowed: [true; TRACKED] }
    }

    /// Apply one ACL rule; rules that are not about commands are ignored
    /// (redis@7.0.15:src/acl.c ACLSetUser, ACLSetSelector).
    pub fn apply(&mut self, rule: &[u8]) {
        let r = String::from_utf8_lossy(rule).to_ascii_lowercase();
        match r.as_str() {
            "allcommands" | "+@all" => self.allowed = [true; TRACKED],
            "nocommands" | "-@all" | "reset" => self.allowed = [false; TRACKED],
            _ => {
                let (on, rest) = match r.split_at_checked(1) {
                    Some(("+", rest)) => (true, rest),
                    Some(("-", rest)) => (false, rest),
                    _ => return,
                };
                for (i, (name, cats)) in tracked().enumerate() {
                    let hit = match rest.strip_prefix('@') {
                        Some(cat) => cats.contains(&cat),
                        // `+config|get` allows part of CONFIG; `-config|set` leaves the rest.
                        None => rest == *name || (on && rest.split('|').next() == Some(name)),
                    };
                    if hit {
                        self.allowed[i] = on;
                    }
                }
            }
        }
    }

    /// The dangerous commands allowed, by name.
    pub fn allowed(&self) -> impl Iterator<Item = &'static str> + '_ {
        DANGEROUS.iter().zip(self.allowed).filter(|(_, a)| *a).map(|((n, _), _)| *n)
    }

    /// Whether the user may run `name`, one of [`DANGEROUS`] or [`SESSION`] (lower case);
    /// `false` for any other name.
    pub fn may_run(&self, name: &str) -> bool {
        tracked().zip(self.allowed).any(|((n, _), a)| *n == name && a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(rules: &str) -> Vec<&'static str> {
        let mut a = CommandAccess::default();
        for r in rules.split_whitespace() {
            a.apply(r.as_bytes());
        }
        a.allowed().collect()
    }

    #[test]
    fn categories_and_commands() {
        assert_eq!(access("+@all -@dangerous"), Vec::<&str>::new());
        assert_eq!(access("+@all -@dangerous +keys"), ["keys"]);
        assert_eq!(access("+@admin"), ["config", "debug"]);
        assert_eq!(access("+@write"), ["flushall", "flushdb"]);
        assert_eq!(access("+get +setex +config|get"), ["config"]);
        assert_eq!(access("allcommands -flushall -FLUSHDB -config -debug -keys"), Vec::<&str>::new());
    }

    #[test]
    fn session_commands() {
        let mut a = CommandAccess::default();
        for r in ["+@read", "+@write", "-@keyspace"] {
            a.apply(r.as_bytes());
        }
        assert!(a.may_run("get") && a.may_run("setex") && a.may_run("set"));
        assert!(!a.may_run("del") && !a.may_run("exists") && !a.may_run("expire") && !a.may_run("eval"));
        assert!(!a.may_run("hget"), "untracked commands are never claimed");
    }
}
