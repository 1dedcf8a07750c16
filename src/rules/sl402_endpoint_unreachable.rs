//! # SL402 endpoint-unreachable
//!
//! ## What it does
//! Finds a session address that no listener of the Redis servers in the tree accepts, when
//! the tree holds the Redis configs of the machine that address designates: the client's
//! own machine for `127.0.0.1`, `localhost` and Unix sockets (unless a client tunnel listens
//! on that port), an address one of that machine's servers binds, and in a fleet the host
//! that owns the address. It says why for each server there (for the first 16 of a machine
//! with more, saying how many there are): another port, a `bind` that
//! excludes the address, another socket path or no `unixsocket` at all (commented out),
//! `tls://` to a server without `tls-port`, plaintext to a TLS-only port. A remote host
//! whose configs are not in the tree is never guessed about.
//!
//! ## Why it matters
//! phpredis then fails to connect on every request ("Redis not available while creating
//! session_id", then "Failed to read session data: redis"; checked live with php 8.2 and
//! phpredis 5.3.7 against a closed port on 127.0.0.1),
//! and without `timeout` each request first waits for the connect to time out. Magento
//! falls back to file sessions. It happens after a port or socket path changes on one side
//! only.
//!
//! ## Example
//! ```text
//! # /etc/redis/redis.conf
//! port 6380
//! ```
//! ```ini
//! session.save_path = "tcp://127.0.0.1:6379"
//! ```
//!
//! ## Fix
//! Point the client at an address the server listens on (its `port`, `tls-port`, a `bind`
//! address, or its `unixsocket` path), or make the server listen where the client connects.

use super::{endpoint_at, label, setting_at, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::php::HISTORY_KEYS;
use crate::model::redis::{classify_address, Reach};
use crate::model::{Model, RedisServer, RedisTarget, Transport};

pub static RULE: Rule = Rule {
    code: Code::EndpointUnreachable,
    summary: "A session address no Redis server of that machine listens on",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl402_endpoint_unreachable.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for u in &model.unreached {
        let ep = model.endpoint(u.endpoint);
        if model.repeats_base(ep.owner, &HISTORY_KEYS) {
            continue;
        }
        let t = &ep.targets[u.target];
        if !t.problems.is_empty() {
            continue; // a malformed address is the save-path rules' finding
        }
        let Some(at) = endpoint_at(ep) else { continue };
        let reasons = distinct_reasons(u.servers.iter().map(|&s| why_not(model.server(s), t)));
        let mut d = rule.diagnostic(
            Severity::Error,
            format!(
                "{} connects to {}, where no Redis server of {} listens: {}",
                ep.label,
                address(t),
                if u.machine.is_empty() { "this machine" } else { &u.machine },
                reasons
            ),
            label(model, at, "sessions go here"),
        );
        for &s in u.servers.iter().take(5) {
            let server = model.server(s);
            let key = match t.transport {
                Transport::Unix => "unixsocket",
                Transport::Tls => "tls-port",
                Transport::Tcp if server.port != t.port => "port",
                Transport::Tcp => "bind",
            };
            d = d.with_related(label(model, setting_at(server, key), "this server listens here"));
        }
        if u.servers_total > u.servers.len() {
            d.message.push_str(&format!(
                " ({} servers of that machine; the first 5 are shown, the reasons are those of the first {})",
                u.servers_total,
                u.servers.len()
            ));
        } else if u.servers_total > 5 {
            d.message.push_str(&format!(" ({} servers of that machine; the first 5 are shown)", u.servers_total));
        }
        out.push(
            d.with_help("point the save_path at an address the server listens on, or make the server listen there"),
        );
    }
}

/// The reasons, each said once with how many servers share it: a tree of many servers
/// without a `unixsocket` gives one sentence, not one per server. At most five kinds.
fn distinct_reasons(reasons: impl Iterator<Item = String>) -> String {
    let mut counted: Vec<(String, usize)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for r in reasons {
        match index.get(&r) {
            Some(&i) => counted[i].1 += 1,
            None => {
                index.insert(r.clone(), counted.len());
                counted.push((r, 1));
            }
        }
    }
    let kinds = counted.len();
    let mut parts: Vec<String> =
        counted.into_iter().take(5).map(|(r, n)| if n == 1 { r } else { format!("{r} ({n} servers)") }).collect();
    if kinds > 5 {
        parts.push(format!("and {} other reasons", kinds - 5));
    }
    parts.join("; ")
}

fn address(t: &RedisTarget) -> String {
    match t.transport {
        Transport::Unix => format!("unix:{}", t.socket.as_deref().unwrap_or("")),
        Transport::Tls => format!("tls://{}:{}", t.host.as_deref().unwrap_or(""), t.port),
        Transport::Tcp => format!("tcp://{}:{}", t.host.as_deref().unwrap_or(""), t.port),
    }
}

/// Why one server does not accept the target, in its own terms.
fn why_not(s: &RedisServer, t: &RedisTarget) -> String {
    match t.transport {
        Transport::Unix => match &s.unixsocket {
            Some(p) => format!("the server's socket is {p}"),
            None => "the server has no `unixsocket` (it is missing or commented out)".to_owned(),
        },
        Transport::Tls if s.tls_port == 0 => "the server has no `tls-port`, so it speaks no TLS".to_owned(),
        Transport::Tcp if s.port == 0 && s.tls_port == t.port => {
            format!("port {} is the server's TLS port (`port 0`, `tls-port {}`): use `tls://`", t.port, s.tls_port)
        }
        tr => {
            let port = if tr == Transport::Tls { s.tls_port } else { s.port };
            if port == 0 {
                return "the server has `port 0` (no plaintext TCP)".to_owned();
            }
            if port != t.port {
                return format!("the server listens on port {port}, not {}", t.port);
            }
            let binds: Vec<&str> = s.listeners().map(|b| b.text.as_str()).collect();
            let host = t.host.as_deref().unwrap_or("127.0.0.1");
            if classify_address(host).0 == Reach::Loopback {
                format!("its `bind {}` has no loopback address", binds.join(" "))
            } else {
                format!("its `bind {}` does not include {host}", binds.join(" "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::distinct_reasons;

    #[test]
    fn a_reason_many_servers_share_is_said_once_with_their_count() {
        let many = std::iter::repeat_n("no unixsocket".to_owned(), 40);
        assert_eq!(distinct_reasons(many.chain(["port 6380".to_owned()])), "no unixsocket (40 servers); port 6380");
        let kinds = (0..8).map(|i| format!("port {i}"));
        assert_eq!(distinct_reasons(kinds), "port 0; port 1; port 2; port 3; port 4; and 3 other reasons");
    }
}
