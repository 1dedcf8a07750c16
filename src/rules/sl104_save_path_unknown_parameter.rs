//! # SL104 save-path-unknown-parameter
//!
//! ## What it does
//! Finds parameters in a `redis` or `rediscluster` save_path that phpredis does not read
//! (`password=`, `db=`, `user=`, `verify_peer` outside `stream[...]`, a `stream[...]` key
//! without its `]`, a misspelling such as `databse=`, `database` for `rediscluster`), and a
//! password in the URL's user-info (`tcp://:secret@host:6379`), with the parameter it most
//! likely meant.
//!
//! Parameters as phpredis 5.3.7 and 6.x read them (`redis_session.c`): `redis` knows
//! `weight`, `timeout`, `read_timeout`, `persistent`, `persistent_id`, `retry_interval`,
//! `database`, `prefix`, `auth`, `stream[...]` (6.0+); `rediscluster` knows `seed[]`,
//! `timeout`, `read_timeout`, `persistent`, `prefix`, `auth`, `failover`, `stream[...]`. Names
//! are case-sensitive and decoded as PHP decodes a query string (`stream[verify_peer` becomes
//! `stream_verify_peer`).
//!
//! ## Why it matters
//! phpredis ignores what it does not know, silently. Measured with phpredis 5.3.7 against a
//! redis-server with `requirepass`: `?password=...` sends no password and `session_start()`
//! throws `RedisException: NOAUTH Authentication required.`; `?databse=2` stores the sessions
//! in database 0, next to whatever else lives there; `tcp://:secret@host` is the same as no
//! password. A `rediscluster` seed `tcp://user:secret@host:7000` is worse: phpredis hands
//! `user:secret@host` to the resolver as the host name, and the seed never connects.
//!
//! ## Example
//! ```ini
//! session.save_path = "tcp://127.0.0.1:6379?password=secret&db=2"
//! ```
//!
//! ## Fix
//! ```ini
//! session.save_path = "tcp://127.0.0.1:6379?auth=secret&database=2"
//! ```
//! An ACL user: `auth[]=user&auth[]=secret`. TLS options: `stream[verify_peer]=1&stream[cafile]=/etc/ssl/redis-ca.pem`
//! (phpredis 6.0+ for the `redis` handler).

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::endpoint::suggest_param;
use crate::model::{Model, TargetProblem};

pub static RULE: Rule = Rule {
    code: Code::SavePathUnknownParameter,
    summary: "A save_path parameter that phpredis silently ignores",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl104_save_path_unknown_parameter.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    for (ep, at) in model.php_redis_save_paths() {
        let cluster = ep.handler.value == "rediscluster";
        let mut messages = Vec::new();
        for t in &ep.targets {
            for name in &t.unknown_params {
                let hint = match suggest_param(name, cluster) {
                    Some(s) => format!(" (did you mean `{s}`?)"),
                    None => String::new(),
                };
                let consequence = match name.to_ascii_lowercase().as_str() {
                    "password" | "pass" | "passwd" | "pwd" | "requirepass" | "secret" => {
                        ": no password is sent, and a server that wants one answers NOAUTH"
                    }
                    "db" | "select" | "dbindex" | "database" => ": the sessions go to database 0",
                    _ => "",
                };
                messages.push(format!(
                    "phpredis does not know the save_path parameter `{name}` and ignores it{consequence}{hint}"
                ));
            }
            if t.problems.contains(&TargetProblem::CredentialsInUrl) {
                if cluster {
                    messages.push(format!("phpredis takes the user-info of the seed `{}:{}` for part of its host name, which never resolves (\"getaddrinfo ... failed\"): no session reaches the cluster through this seed and no password is sent (did you mean `&auth=...`, or `&auth[]=user&auth[]=pass` for an ACL user?)", t.host.as_deref().unwrap_or(""), t.port));
                } else {
                    messages.push("a password in the URL's user-info (`user:pass@host`) is ignored by phpredis: no password is sent (did you mean `?auth=...`, or `?auth[]=user&auth[]=pass` for an ACL user?)".to_owned());
                }
            }
        }
        for message in messages {
            if seen.insert((at, message.clone())) {
                out.push(rule.diagnostic(Severity::Error, message, label(model, at, "session.save_path")).with_help(
                    format!("phpredis reads only: {}", crate::model::endpoint::known_params(cluster).join(", ")),
                ));
            }
        }
    }
}
