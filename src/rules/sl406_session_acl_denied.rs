//! # SL406 session-acl-denied
//!
//! ## What it does
//! For every session client linked to a Redis server in the tree that logs in (the ACL user
//! of its `auth[]`, else the default user), checks that user's ACL against what the session
//! handler sends, as redis-server 7.0 checks it (the root selector or one `(...)` selector
//! must allow the command and each of its keys):
//! - commands: phpredis 5.3.7 sends GET on read, SETEX on write, EXPIRE when `lazy_write`
//!   finds the data unchanged, DEL on `session_destroy()`, EXISTS with
//!   `session.use_strict_mode`, SELECT when the save_path names a database, and with
//!   `redis.session.locking_enabled` `SET <key>_LOCK <secret> NX` and the release script by
//!   EVALSHA, then EVAL (seen with MONITOR; `redis_session.c`);
//! - keys: the session key is the prefix and the session id (`PHPREDIS_SESSION:<id>`, or
//!   the save_path's `prefix`), the lock key adds `_LOCK`; GET needs read (`%R~`), SETEX,
//!   EXPIRE, DEL and SET need write (`%W~`), EVAL needs both on the lock key, EXISTS any
//!   matching pattern; `~pattern` gives both, `allkeys` is `~*`, `resetkeys` drops them.
//!
//! Magento's handler (`php-redis-session-abstract`) keeps each session in a hash `sess_<id>`
//! and SELECTs its database before each operation: sesslint checks that its user may read
//! and write `sess_*` keys and run SELECT; the hash commands it sends are not checked.
//! A client whose login fails is SL401's; `rediscluster` is not checked.
//!
//! ## Why it matters
//! A least-privilege ACL user for sessions (what SL205 recommends) is easy to get wrong: a
//! key pattern for another prefix, `%R~` where writing is needed, `+@read +@write` without
//! `+@keyspace` (EXPIRE, DEL, EXISTS) or `+@scripting` (the lock release). Redis answers
//! `NOPERM this user has no permissions to access one of the keys used as arguments` (or
//! `NOPERM this user has no permissions to run the '<cmd>' command`), and phpredis 5.3.7
//! throws it as an uncaught `RedisException` out of `session_start()` or
//! `session_write_close()`: the request dies with a fatal error (a denied SELECT too; a
//! denied lock release leaves `<key>_LOCK` behind, so the next request waits for it).
//! Checked live with php 8.2, phpredis 5.3.7 and redis-server 7.0.15
//! (tests/e2e_cross_file.rs).
//!
//! ## Example
//! ```text
//! user sessions on >a-long-random-password-of-32-chars ~app:* +@read +@write
//! ```
//! ```ini
//! session.save_path = "tcp://127.0.0.1:6379?auth[]=sessions&auth[]=a-long-random-password-of-32-chars"
//! ```
//!
//! ## Fix
//! Give the user the session keys and the commands the handler needs:
//! ```text
//! user sessions on >... ~PHPREDIS_SESSION:* +get +setex +expire +exists +del +select +set +eval +evalsha
//! ```
//! or set the save_path's `prefix=` to a prefix its patterns cover.

use super::{endpoint_at, label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::credentials::credentials_refused;
use crate::model::php::ini_bool;
use crate::model::redis::keys::KeyNeed;
use crate::model::{EndpointOwner, LinkCertainty, Location, Model, RedisTarget};

pub static RULE: Rule = Rule {
    code: Code::SessionAclDenied,
    summary: "The ACL user a session client logs in as may not run what the session handler sends",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl406_session_acl_denied.rs"),
    check,
};

/// A stand-in session id: 26 characters of PHP 8.2's default alphabet
/// (`session.sid_bits_per_character = 5` in php.ini-production, `0-9a-v`).
const SAMPLE_ID: &str = "0123456789abcdefghijklmnop";

/// One request the handler makes: the command (`None`: any, keys only) and the keys it
/// names with what it needs.
struct Op {
    command: Option<&'static str>,
    keys: Vec<(Vec<u8>, KeyNeed)>,
}

fn op(command: &'static str, keys: &[(&[u8], KeyNeed)]) -> Op {
    Op { command: Some(command), keys: keys.iter().map(|(k, n)| (k.to_vec(), *n)).collect() }
}

/// What the handler of `owner` sends for target `t`.
fn handler_ops(model: &Model, owner: EndpointOwner, t: &RedisTarget) -> (String, Vec<Op>) {
    if let EndpointOwner::Magento(_) = owner {
        let prefix = t.prefix.clone().unwrap_or_else(|| "sess_".to_owned());
        let key = format!("{prefix}{SAMPLE_ID}").into_bytes();
        // Which hash commands it sends is not checked: any command that passes the user's
        // command rules still needs the key, read and written.
        let ops = vec![op("select", &[]), Op { command: None, keys: vec![(key, KeyNeed::ReadWrite)] }];
        return (prefix, ops);
    }
    let prefix = t.prefix.clone().unwrap_or_else(|| "PHPREDIS_SESSION:".to_owned());
    let key = format!("{prefix}{SAMPLE_ID}").into_bytes();
    let lock = format!("{prefix}{SAMPLE_ID}_LOCK").into_bytes();
    let on = |k: &str| model.php_value(owner, k).is_some_and(|v| ini_bool(&v.value));
    let lazy_write = model.php_value(owner, "session.lazy_write").is_none_or(|v| ini_bool(&v.value));
    let mut ops = Vec::new();
    if t.database.is_some() {
        ops.push(op("select", &[]));
    }
    ops.push(op("get", &[(&key, KeyNeed::Read)]));
    ops.push(op("setex", &[(&key, KeyNeed::Write)]));
    if lazy_write {
        ops.push(op("expire", &[(&key, KeyNeed::Write)]));
    }
    ops.push(op("del", &[(&key, KeyNeed::Write)]));
    if on("session.use_strict_mode") {
        ops.push(op("exists", &[(&key, KeyNeed::Any)]));
    }
    if on("redis.session.locking_enabled") {
        ops.push(op("set", &[(&lock, KeyNeed::Write)]));
        ops.push(op("evalsha", &[(&lock, KeyNeed::ReadWrite)]));
        ops.push(op("eval", &[(&lock, KeyNeed::ReadWrite)]));
    }
    (prefix, ops)
}

/// The ini keys that decide what the handler sends (see `handler_ops`).
const READS: [&str; 5] = [
    "session.save_handler",
    "session.save_path",
    "session.lazy_write",
    "session.use_strict_mode",
    "redis.session.locking_enabled",
];

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for l in &model.links {
        if l.certainty != LinkCertainty::Exact || model.repeats_base(model.endpoint(l.endpoint).owner, &READS) {
            continue;
        }
        let ep = model.endpoint(l.endpoint);
        let t = &ep.targets[l.target];
        if ep.handler.value == "rediscluster" || !t.problems.is_empty() {
            continue;
        }
        let s = model.server(l.server);
        if !s.users_known() {
            continue; // an aclfile not read: what its users may run is not known
        }
        if credentials_refused(t, s).is_some() {
            continue; // the login fails first: SL401
        }
        let user_name = t.auth.as_ref().and_then(|a| a.user.clone()).filter(|u| !u.is_empty());
        let (prefix, ops) = handler_ops(model, ep.owner, t);
        let (denied, user_at): (Vec<&Op>, Location) = match user_name.as_deref() {
            None | Some("default") => {
                let u = &s.default_user;
                let at = u.at.unwrap_or(Location { file: s.file, span: crate::span::Span::empty(0) });
                (ops.iter().filter(|o| !permitted(o, |c, k| u.permits(c, k))).collect(), at)
            }
            Some(name) => {
                let Some(u) = s.users.get(name) else { continue };
                (ops.iter().filter(|o| !permitted(o, |c, k| u.permits(c, k))).collect(), u.at)
            }
        };
        if denied.is_empty() {
            continue;
        }
        let Some(at) = endpoint_at(ep) else { continue };
        let who = match &user_name {
            Some(n) if n != "default" => format!("ACL user `{n}`"),
            _ => "the default user".to_owned(),
        };
        let cmds: Vec<String> = denied.iter().filter_map(|o| o.command).map(str::to_ascii_uppercase).collect();
        let what = match (cmds.is_empty(), denied.iter().any(|o| o.command.is_none())) {
            (false, false) => format!("is refused {} (session keys `{prefix}<id>`)", cmds.join(", ")),
            (false, true) => {
                format!("may not read and write its session keys `{prefix}<id>` and is refused {}", cmds.join(", "))
            }
            _ => format!("may not read and write its session keys `{prefix}<id>`"),
        };
        let effect = match ep.owner {
            EndpointOwner::Magento(_) => "Redis answers NOPERM to Magento's session handler",
            _ => "Redis answers NOPERM and phpredis throws it: the request dies with a fatal RedisException",
        };
        out.push(
            rule.diagnostic(
                Severity::Error,
                format!(
                    "{} logs in to Redis server {} as {who}, which {what}: {effect}",
                    ep.label,
                    crate::source::display_path(model.path(s.file)),
                ),
                label(model, at, "sessions sent from here"),
            )
            .with_related(label(model, user_at, "this user's permissions are decided here"))
            .with_help(format!(
                "let the user run the handler's commands on `{prefix}*`: `~{prefix}* +get +setex +expire +exists +del +select +set +eval +evalsha`, or use a `prefix=` its key patterns cover"
            )),
        );
    }
}

/// Whether an operation passes the user's ACL.
fn permitted(o: &Op, permits: impl Fn(Option<&str>, &[(&[u8], KeyNeed)]) -> bool) -> bool {
    let keys: Vec<(&[u8], KeyNeed)> = o.keys.iter().map(|(k, n)| (k.as_slice(), *n)).collect();
    permits(o.command, &keys)
}
