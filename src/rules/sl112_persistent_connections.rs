//! # SL112 persistent-connections
//!
//! ## What it does
//! Finds a php-fpm pool (or FPM SAPI) whose Redis session save_path has `persistent=1`, and
//! estimates the connections it holds: one per worker and Redis address, so up to
//! `pm.max_children` per web server, compared with the server's `maxclients` (default 10000)
//! when the tree holds that server's config. Information.
//!
//! ## Why it matters
//! A persistent connection stays open in each php-fpm worker between requests: connections =
//! workers x pools x web servers, and they stay open while idle. Near `maxclients` Redis
//! answers `max number of clients reached`, and every session fails. Persistent sockets also
//! go stale when Redis, a proxy or a firewall closes idle connections (phpredis issue #70,
//! "read error on connection"). For sessions, which send one GET and one SETEX per request,
//! a persistent connection saves little.
//!
//! ## Example
//! ```ini
//! php_admin_value[session.save_path] = "tcp://10.0.0.5:6379?auth=secret&persistent=1&timeout=2&read_timeout=2"
//! ```
//!
//! ## Fix
//! Drop `persistent=1`, or keep the sum of `pm.max_children` over every pool and web server
//! well below the server's `maxclients`, and set Redis `timeout 0` so it does not close idle
//! connections under the workers.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::php::HISTORY_KEYS;
use crate::model::{EndpointId, EndpointOwner, Model, Sapi};

pub static RULE: Rule = Rule {
    code: Code::PersistentConnections,
    summary: "Persistent Redis session connections under php-fpm",
    default_severity: Severity::Info,
    also: &[],
    source: include_str!("sl112_persistent_connections.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    for (ei, ep) in model.endpoints.iter().enumerate() {
        if model.repeats_base(ep.owner, &HISTORY_KEYS) {
            continue;
        }
        let workers = match ep.owner {
            EndpointOwner::Pool(i) => {
                crate::model::fpm_integer::max_children(&model.pools[i]).and_then(Result::ok).map(|n| n as u64)
            }
            EndpointOwner::Php(_) if model.php_sapi_of(ep.owner) == Some(Sapi::Fpm) => None,
            _ => continue,
        };
        let Some(at) = ep.save_path.as_ref().and_then(|v| v.set_at) else { continue };
        if model.save_path_cut_by_syntax_error(at) {
            continue;
        }
        let persistent: Vec<usize> =
            ep.targets.iter().enumerate().filter(|(_, t)| t.persistent).map(|(i, _)| i).collect();
        if persistent.is_empty() {
            continue;
        }
        let per_host = match workers {
            Some(n) => format!(
                "up to {} connections per web server (pm.max_children = {n} x {} address(es))",
                n * persistent.len() as u64,
                persistent.len()
            ),
            None => "one connection per php-fpm worker and address, on every web server".to_owned(),
        };
        let mut d = rule.diagnostic(
            Severity::Info,
            format!("{} keeps persistent Redis session connections: {per_host}, open while idle", ep.label),
            label(model, at, "persistent=1"),
        );
        for &ti in &persistent {
            for (_, server) in model.servers_of(EndpointId(ei), ti) {
                let max = server.settings.get("maxclients").and_then(|(v, _)| v.trim().parse::<u64>().ok());
                let max_text = match max {
                    Some(m) => format!("maxclients {m}"),
                    None => "maxclients 10000 (the default)".to_owned(),
                };
                let at = server
                    .settings
                    .get("maxclients")
                    .map(|(_, at)| *at)
                    .unwrap_or(crate::model::Location { file: server.file, span: crate::span::Span::empty(0) });
                let fits = match (workers, max) {
                    (Some(n), Some(m)) => {
                        format!("; {} web servers of this pool alone reach it", (m / n.max(1)).max(1))
                    }
                    (Some(n), None) => {
                        format!("; {} web servers of this pool alone reach it", (10000 / n.max(1)).max(1))
                    }
                    _ => String::new(),
                };
                d = d.with_related(label(
                    model,
                    at,
                    format!("{} allows {max_text}{fits}", crate::source::display_path(model.path(server.file))),
                ));
            }
        }
        out.push(d.with_help("drop `persistent=1` (sessions gain little from it), or keep workers x pools x web servers well below the server's maxclients"));
    }
}
