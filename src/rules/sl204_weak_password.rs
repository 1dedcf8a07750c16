//! # SL204 weak-password
//!
//! ## What it does
//! Finds a password the Redis server accepts (the default user's, from `requirepass`, a
//! `user default` line or the ACL file, and every ACL user's `>password`) that is shorter than
//! 32 characters (warning), or that is a published example such as redis.conf's `foobared`
//! or `yourverycomplexpasswordhere` (error; also recognised when written as `#<sha256>`).
//! A `requirepass` that a `user default` line or an aclfile overrides does not count. The
//! password itself is never printed, only its length.
//!
//! ## Why it matters
//! Redis does not rate-limit or delay `AUTH`: an attacker who reaches the port can try
//! hundreds of thousands of passwords a second over one pipelined connection. redis.conf
//! says so above `requirepass` and advises a long password (`ACL GENPASS` makes 64 hex
//! characters). Sample passwords are the first ones tried.
//!
//! ## Example
//! ```text
//! requirepass foobared
//! user sessions on >s3ss ~PHPREDIS_SESSION:* +@all
//! ```
//!
//! ## Fix
//! Generate one (`openssl rand -hex 32`, or `ACL GENPASS` on a running server), set it on the
//! server and in every client's `auth=`.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::redis::password::{PasswordStrength, MIN_CHARS};
use crate::model::redis::DefaultUserSource;
use crate::model::{Location, Model};

pub static RULE: Rule = Rule {
    code: Code::WeakPassword,
    summary: "A Redis password shorter than 32 characters, or a published example",
    default_severity: Severity::Warning,
    also: &[Severity::Error],
    source: include_str!("sl204_weak_password.rs"),
    check,
};

/// Who holds a weak password, named when its finding is made (a name is not copied for
/// each of 400,000 users).
#[derive(Clone, Copy)]
enum Who<'a> {
    Default(&'static str),
    User(&'a str),
}

/// The weak passwords, in the rule's order: who, where, how weak; each finding once (an ACL
/// file two servers load holds its users once).
fn weak(model: &Model) -> Vec<(Who<'_>, Location, &PasswordStrength)> {
    let mut found = Vec::new();
    for s in &model.redis {
        if let Some(at) = s.default_user.at {
            let who = match s.default_user.source {
                DefaultUserSource::Requirepass => "requirepass",
                _ => "the default user's password",
            };
            found.extend(s.default_user.strengths().filter(|st| st.is_weak()).map(|st| (Who::Default(who), at, st)));
        }
        // An ACL file redis-server refuses decides no default user, but its `user default`
        // line is still the password its writer meant: judged as written.
        for u in s.users.iter().filter(|u| u.name != "default" || !s.users_known()) {
            let who =
                if u.name == "default" { Who::Default("the default user's password") } else { Who::User(&u.name) };
            found.extend(u.strengths().filter(|st| st.is_weak()).map(|st| (who, u.at, st)));
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|(who, at, st)| {
        let name = match who {
            Who::Default(w) | Who::User(w) => *w,
        };
        seen.insert((name, *at, st.known_example, st.chars))
    });
    found
}

/// The places of the findings this rule makes (made or not, [`super::bound::made_at`]).
pub(super) fn places(model: &Model) -> Vec<Location> {
    weak(model).into_iter().map(|(_, at, _)| at).collect()
}

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    let found = weak(model);
    // 400,000 ACL users of a short password: a finding each is more than any report shows.
    let made = super::bound::made_at(model, &found.iter().map(|w| w.1).collect::<Vec<_>>());
    for ((who, at, st), _) in found.into_iter().zip(made).filter(|(_, made)| *made) {
        let who = match who {
            Who::Default(who) => who.to_owned(),
            Who::User(name) => format!("ACL user `{name}`'s password"),
        };
        let (severity, what) = if st.known_example {
            (Severity::Error, "is a published example password, the first one an attacker tries".to_owned())
        } else {
            let n = st.chars.unwrap_or(0);
            (
                Severity::Warning,
                format!(
                    "is {n} character{} long (fewer than {MIN_CHARS}), and Redis does not rate-limit AUTH",
                    if n == 1 { "" } else { "s" }
                ),
            )
        };
        out.push(
            rule.diagnostic(severity, format!("{who} {what}"), label(model, at, "weak password set here"))
                .with_help("use a random password of 32 characters or more (`openssl rand -hex 32`) on the server and in the clients"),
        );
    }
}
