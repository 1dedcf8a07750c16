//! # SL209 database-out-of-range
//!
//! ## What it does
//! Finds a session endpoint whose `database` is not one the Redis server it reaches has:
//! equal to or above the server's `databases` (16 by default), or anything but 0 on a server
//! with `cluster-enabled yes` (Redis Cluster has database 0 only).
//!
//! ## Why it matters
//! `SELECT 20` fails with `ERR DB index is out of range`, and phpredis 5.3.7's session
//! handler ignores that failure: it keeps the connection and stores the session in database
//! 0 (checked live with redis-server 7.0.15). Sessions then share database 0 with whatever
//! else lives there, a cache flush there logs everyone out, and the separation the setting
//! promised does not exist. Magento (Credis) fails the request instead.
//!
//! ## Example
//! ```ini
//! session.save_path = "tcp://127.0.0.1:6379?database=20"
//! ```
//! with a redis.conf that keeps the default `databases 16`.
//!
//! ## Fix
//! Use a database below `databases` (or raise `databases` on the server); on a cluster, use
//! key prefixes instead of databases.

use super::{endpoint_at, label, setting_at, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::php::HISTORY_KEYS;
use crate::model::{LinkCertainty, Model};

pub static RULE: Rule = Rule {
    code: Code::DatabaseOutOfRange,
    summary: "A session database the Redis server does not have",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl209_database_out_of_range.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for l in &model.links {
        if l.certainty != LinkCertainty::Exact || model.repeats_base(model.endpoint(l.endpoint).owner, &HISTORY_KEYS) {
            continue;
        }
        let ep = model.endpoint(l.endpoint);
        let t = &ep.targets[l.target];
        let Some(db) = t.database else { continue };
        let s = model.server(l.server);
        let why = if s.cluster_enabled && db != 0 {
            "the server runs Redis Cluster (`cluster-enabled yes`), which has database 0 only".to_owned()
        } else if db >= s.databases || db < 0 {
            format!("the server has databases 0 to {} (`databases {}`)", s.databases - 1, s.databases)
        } else {
            continue;
        };
        let Some(at) = endpoint_at(ep) else { continue };
        let server_at = if s.cluster_enabled { setting_at(s, "cluster-enabled") } else { setting_at(s, "databases") };
        out.push(
            rule.diagnostic(
                Severity::Error,
                format!(
                    "{} stores sessions in database {db} of {}, but {why}: SELECT fails and phpredis silently uses database 0",
                    ep.label,
                    crate::source::display_path(model.path(s.file))
                ),
                label(model, at, format!("database {db}")),
            )
            .with_related(label(model, server_at, "the databases this server has"))
            .with_help("pick a database the server has, or raise `databases` in redis.conf"),
        );
    }
}
