//! Which of the commands that can wipe or reconfigure a server an ACL user may run, as
//! redis-server 7.0 applies `+@category`, `-@category`, `+cmd`, `-cmd`, `allcommands`.

/// The commands that destroy sessions or the server's settings, with their ACL categories
/// as redis-server 7.0.15 reports them (`COMMAND INFO`, checked live).
pub const DANGEROUS: &[(&str, &[&str])] = &[
    ("flushall", &["keyspace", "write", "slow", "dangerous"]),
    ("flushdb", &["keyspace", "write", "slow", "dangerous"]),
    ("config", &["admin", "slow", "dangerous"]),
    ("debug", &["admin", "slow", "dangerous"]),
    ("keys", &["keyspace", "read", "slow", "dangerous"]),
];

/// For each of [`DANGEROUS`], whether the user may run it (a subcommand allowed counts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CommandAccess {
    allowed: [bool; 5],
}

impl CommandAccess {
    /// `+@all`: the built-in default user and one set by `requirepass`.
    pub fn all() -> CommandAccess {
        CommandAccess { allowed: [true; 5] }
    }

    /// Apply one ACL rule; rules that are not about commands are ignored
    /// (redis@7.0.15:src/acl.c ACLSetUser, ACLSetSelector).
    pub fn apply(&mut self, rule: &[u8]) {
        let r = String::from_utf8_lossy(rule).to_ascii_lowercase();
        match r.as_str() {
            "allcommands" | "+@all" => self.allowed = [true; 5],
            "nocommands" | "-@all" | "reset" => self.allowed = [false; 5],
            _ => {
                let (on, rest) = match r.split_at_checked(1) {
                    Some(("+", rest)) => (true, rest),
                    Some(("-", rest)) => (false, rest),
                    _ => return,
                };
                for (i, (name, cats)) in DANGEROUS.iter().enumerate() {
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
}
