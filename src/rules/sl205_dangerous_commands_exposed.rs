//! # SL205 dangerous-commands-exposed
//!
//! ## What it does
//! Finds, on a Redis server reachable beyond loopback (protected mode not refusing other
//! hosts), the user that session clients log in as (the ACL user in their `auth[]`, else the
//! default user) still allowed FLUSHALL, FLUSHDB, CONFIG, DEBUG or KEYS, computed from its
//! ACL rules (`+@all`, `+@dangerous`, `-@admin`, `+keys`, ..., in the root selector or any
//! `(...)` selector) and `rename-command ... ""`. Key patterns do not matter: none of these
//! commands names a key, so `~app:*` does not stop FLUSHDB (checked live, 7.0.15).
//! DEBUG counts only where the version allows it (`enable-debug-command`, default `no` from
//! Redis 7.0). Also names `enable-debug-command yes`, `enable-module-command yes` and
//! `enable-protected-configs yes` on such a server. Information only: it narrows the damage
//! of a leaked password, it is not itself a hole.
//!
//! ## Why it matters
//! The session handler needs a handful of commands (phpredis: AUTH, SELECT, GET, SETEX,
//! EXPIRE, DEL, and SET NX plus EVALSHA for locking). A session password lives in every
//! PHP pool's config; with it, `FLUSHALL` logs every customer out, `CONFIG SET dir` plus
//! `CONFIG SET dbfilename` writes files as the redis user (the classic Redis-to-shell path),
//! and `KEYS *` blocks the server on a large keyspace.
//!
//! ## Example
//! ```text
//! bind 0.0.0.0
//! requirepass a-long-random-password-of-32-chars-or-more
//! ```
//!
//! ## Fix
//! Give sessions their own ACL user that can do only what the handler needs, and switch
//! the default user off for remote clients:
//! ```text
//! user sessions on >long-random-secret ~PHPREDIS_SESSION:* +get +set +setex +expire +exists +del +select +eval +evalsha +ping
//! ```
//! with `auth[]=sessions&auth[]=long-random-secret` in the save_path.

use super::{endpoint_at, label, setting_at, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::redis::commands::CommandAccess;
use crate::model::redis::{Reach, RedisServer};
use crate::model::{Model, ServerId};

pub static RULE: Rule = Rule {
    code: Code::DangerousCommandsExposed,
    summary: "FLUSHALL, CONFIG, DEBUG or KEYS allowed to the sessions' user on a server reachable beyond loopback",
    default_severity: Severity::Info,
    also: &[],
    source: include_str!("sl205_dangerous_commands_exposed.rs"),
    check,
};

const ACL_LINE: &str = "user sessions on >long-random-secret ~PHPREDIS_SESSION:* +get +set +setex +expire +exists +del +select +eval +evalsha +ping";

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for (si, s) in model.redis.iter().enumerate() {
        if !matches!(s.widest_reach(), Some(Reach::Public | Reach::Private | Reach::Unknown)) || !s.users_known() {
            continue;
        }
        // The users session clients log in as; without clients in the tree, the default user.
        let mut users: Vec<(String, Option<crate::model::Location>)> = Vec::new();
        // Sets and maps, not searches: a server may have a user per pool of a large pool.d.
        let mut seen = std::collections::HashSet::new();
        for (l, ep) in model.endpoints_of(ServerId(si)) {
            let name = ep.targets[l.target]
                .auth
                .as_ref()
                .and_then(|a| a.user.clone())
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| "default".to_owned());
            if seen.insert(name.clone()) {
                users.push((name, endpoint_at(ep)));
            }
        }
        if users.is_empty() {
            users.push(("default".to_owned(), None));
        }
        // The first enabled ACL user of each name, as a search in file order would find it.
        let mut enabled = std::collections::HashMap::new();
        for u in s.users.iter().filter(|u| u.enabled) {
            enabled.entry(u.name.as_str()).or_insert(u);
        }
        for (name, client_at) in users {
            // The root selector's commands and every `(...)` selector's: a command any of them
            // allows runs (FLUSHALL, FLUSHDB, CONFIG, DEBUG and KEYS name no key, so key
            // patterns never hold them back: checked live with redis-server 7.0.15).
            let (access, at): (Vec<CommandAccess>, _) = if name == "default" {
                if !s.default_user.enabled {
                    continue;
                }
                let u = &s.default_user;
                (std::iter::once(u.commands).chain(u.selectors.iter().map(|x| x.commands)).collect(), u.at)
            } else {
                match enabled.get(name.as_str()) {
                    Some(u) => (
                        std::iter::once(u.commands).chain(u.selectors.iter().map(|x| x.commands)).collect(),
                        Some(u.at),
                    ),
                    None => continue,
                }
            };
            let mut allowed: Vec<String> = Vec::new();
            for a in &access {
                for c in usable(s, a) {
                    if !allowed.contains(&c) {
                        allowed.push(c);
                    }
                }
            }
            if allowed.is_empty() {
                continue;
            }
            let holder = if name == "default" && s.default_user.is_open() {
                "any client that reaches it"
            } else {
                "anyone holding the session password"
            };
            let who = if name == "default" { "the default user".to_owned() } else { format!("ACL user `{name}`") };
            let at = at.unwrap_or(crate::model::Location { file: s.file, span: crate::span::Span::empty(0) });
            let mut d = rule.diagnostic(
                Severity::Info,
                format!(
                    "{who} of Redis server {}, reachable beyond loopback, may run {}: {holder} can wipe or reconfigure the server",
                    crate::source::display_path(model.path(s.file)),
                    allowed.join(", ")
                ),
                label(model, at, "this user's commands are decided here"),
            );
            if let Some(c) = client_at {
                d = d.with_related(label(model, c, "sessions log in as this user"));
            }
            out.push(d.with_help(format!("give sessions an ACL user limited to what the handler needs: `{ACL_LINE}`")));
        }
        for key in ["enable-debug-command", "enable-module-command", "enable-protected-configs"] {
            if s.settings.get(key).is_some_and(|(v, _)| v == "yes") {
                out.push(
                    rule.diagnostic(
                        Severity::Info,
                        format!("`{key} yes` on a Redis server reachable beyond loopback: remote clients may use it (`local` limits it to local connections)"),
                        label(model, setting_at(s, key), "enabled for every connection"),
                    )
                    .with_help(format!("set `{key} no` (or `local`)")),
                );
            }
        }
    }
}

/// The dangerous commands the user may run on this server: ACL rules, minus commands
/// renamed to "" and, from Redis 7.0, DEBUG unless `enable-debug-command yes`.
fn usable(s: &RedisServer, access: &CommandAccess) -> Vec<String> {
    let debug_on = s.version.major < 7 || s.settings.get("enable-debug-command").is_some_and(|(v, _)| v == "yes");
    access
        .allowed()
        .filter(|c| *c != "debug" || debug_on)
        .filter(|c| !s.renamed_commands.iter().any(|(from, to, _)| from.eq_ignore_ascii_case(c) && to.is_empty()))
        .map(str::to_ascii_uppercase)
        .collect()
}
