//! # SL202 redis-exposed-without-tunnel
//!
//! ## What it does
//! Finds a Redis server whose plaintext port takes clients from other hosts — a `bind`
//! with a routable or private address, `bind *`, `0.0.0.0`, `::`, or no `bind` at all —
//! while protected mode does not refuse them (it is off, the default user has a password,
//! or, before Redis 7.0, a `bind` line switched it off; a warning when it is on and the
//! default user is not known: an aclfile not read or refused), and nothing in the tree encrypts
//! that path: no
//! `tls-port` replacing the plaintext port, and no stunnel, spiped or PeerVPN configuration
//! pointing at it. Private-range addresses (an "isolated network") are a warning; public
//! addresses and every-interface binds are an error.
//!
//! ## Why it matters
//! The Redis protocol is plaintext: session ids, session contents and the `AUTH` password
//! cross the network readable by anyone on the path, and a password alone does not stop
//! someone who can sniff it. Redis's own advice is to keep it on trusted networks only; the
//! usual ways to cross an untrusted one are TLS (`tls-port`) or a tunnel (stunnel, spiped,
//! a VPN) with Redis itself bound to loopback or the VPN address.
//!
//! ## Example
//! ```text
//! bind 0.0.0.0
//! port 6379
//! requirepass s3cret
//! ```
//!
//! ## Fix
//! Bind Redis to loopback and put an authenticating tunnel in front of it:
//! ```text
//! bind 127.0.0.1 -::1
//! # spiped -d -s '[0.0.0.0]:6380' -t '[127.0.0.1]:6379' -k /etc/spiped/redis.key
//! ```
//! or use Redis TLS (`port 0`, `tls-port 6379`, `tls-cert-file`, `tls-key-file`,
//! `tls-ca-cert-file`) with `tls://` in the clients' save_path.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::endpoint::Transport;
use crate::model::link::host_of;
use crate::model::redis::{classify_address, Protection, Reach};
use crate::model::tunnel::{split_address, TunnelKind, TunnelSide};
use crate::model::{Location, Model};

pub static RULE: Rule = Rule {
    code: Code::RedisExposedWithoutTunnel,
    summary: "A Redis plaintext port reachable beyond loopback with no TLS or tunnel",
    default_severity: Severity::Error,
    also: &[Severity::Warning],
    source: include_str!("sl202_redis_exposed_without_tunnel.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    // Tunnels by machine (a shared one, from sesslint.toml, applies to every machine), each
    // looked up per server instead of scanning every tunnel for every server.
    let mut machine: std::collections::HashMap<std::path::PathBuf, usize> = std::collections::HashMap::new();
    let mut machine_of = |path: &std::path::Path| {
        let next = machine.len();
        *machine.entry(host_of(path, &[])).or_insert(next)
    };
    const SHARED: usize = usize::MAX;
    // (machine, VPN address) of authenticating PeerVPN tunnels.
    let mut vpn_addrs: std::collections::HashSet<(usize, &str)> = std::collections::HashSet::new();
    // (machine, port) -> server-side tunnels forwarding to that loopback port, in model order.
    let mut forwarding: std::collections::HashMap<(usize, u16), Vec<usize>> = std::collections::HashMap::new();
    for (ti, t) in model.tunnels.iter().enumerate() {
        let m = if t.shared { SHARED } else { machine_of(model.path(t.at.file)) };
        if t.kind == TunnelKind::PeerVpn && t.authenticates {
            if let Some(listen) = t.listen.as_deref() {
                vpn_addrs.insert((m, listen));
            }
        }
        if t.side != TunnelSide::Server {
            continue;
        }
        let loopback_port = t
            .target
            .as_deref()
            .and_then(|a| split_address(a, "127.0.0.1"))
            .filter(|(h, _)| matches!(h.as_str(), "127.0.0.1" | "localhost" | "::1"))
            .map(|(_, p)| p);
        if let Some(port) = loopback_port {
            forwarding.entry((m, port)).or_default().push(ti);
        }
    }
    let none: Vec<usize> = Vec::new();
    for (si, s) in model.redis.iter().enumerate() {
        if s.port == 0 || !s.listens_on_tcp() {
            continue; // no plaintext TCP listener
        }
        // Protected mode refuses every client from another host (the version decides when).
        if s.protection() == Protection::RemoteDenied {
            continue;
        }
        let m = machine_of(model.path(s.file));
        // A VPN whose own address is the only non-loopback bind covers it.
        let on_vpn = |a: &str| vpn_addrs.contains(&(SHARED, a)) || vpn_addrs.contains(&(m, a));
        let exposed: Vec<_> =
            s.listeners().filter(|b| b.reach != Reach::Loopback && !on_vpn(b.text.trim_start_matches('-'))).collect();
        if exposed.is_empty() {
            continue;
        }
        let mut tunnel_ids: Vec<usize> =
            [SHARED, m].iter().flat_map(|&k| forwarding.get(&(k, s.port)).unwrap_or(&none)).copied().collect();
        tunnel_ids.sort_unstable();
        let tunnels: Vec<&crate::model::Tunnel> = tunnel_ids.iter().map(|&i| &model.tunnels[i]).collect();
        let public = exposed.iter().any(|b| b.reach != Reach::Private);
        // Protected mode on, the default user not known: it may refuse them all.
        let unknown = (s.protection() == Protection::Unknown).then(|| s.users_unknown_why().unwrap_or_default());
        let severity = if public && unknown.is_none() { Severity::Error } else { Severity::Warning };
        let addrs: Vec<&str> = exposed.iter().map(|b| b.text.as_str()).collect();
        let where_ = if s.bind_at.is_none() { "every interface (no `bind` line)".to_owned() } else { addrs.join(", ") };
        // What crosses the network: a password only when one is set (any password, when
        // its users are not known: an aclfile not read).
        let open = s.users_known() && !s.has_auth();
        let secrets = match (open, s.users_known()) {
            (true, _) => "sessions",
            (false, true) => "sessions and the password",
            (false, false) => "sessions and any password",
        };
        let clients: Vec<_> = model.endpoints_of(crate::model::ServerId(si)).collect();
        let all_loopback = !clients.is_empty()
            && clients.iter().all(|(l, ep)| {
                let t = &ep.targets[l.target];
                t.transport == Transport::Unix
                    || t.host.as_deref().is_none_or(|h| classify_address(h).0 == Reach::Loopback)
            });
        let message = if !tunnels.is_empty() {
            format!(
                "a tunnel forwards to Redis port {}, but Redis itself also listens on {where_}, so clients can bypass the tunnel",
                s.port
            )
        } else if all_loopback {
            format!(
                "Redis plaintext port {} listens on {where_} with no TLS and no tunnel in front of it: its session clients in this tree connect over loopback, but any client elsewhere would send {secrets} in clear text{}",
                s.port,
                if open { ", and needs no password" } else { "" }
            )
        } else if !open {
            format!(
                "Redis plaintext port {} listens on {where_} with no TLS and no tunnel in front of it: {secrets} cross the network in clear text",
                s.port
            )
        } else {
            format!(
                "Redis plaintext port {} listens on {where_} with no TLS and no tunnel in front of it: {secrets} cross the network in clear text, and no password is needed",
                s.port
            )
        };
        let message = match unknown {
            Some(why) => format!("{message}; unless protected mode refuses clients from other hosts, which it does only when the default user has no password, and that is not known here ({why})"),
            None => message,
        };
        let at = s.bind_at.unwrap_or(Location { file: s.file, span: crate::span::Span::empty(0) });
        let mut d = rule.diagnostic(severity, message, label(model, at, "listens beyond loopback"));
        for t in tunnels {
            d = d.with_related(label(model, t.at, "tunnel to this Redis"));
        }
        out.push(d.with_help("bind Redis to 127.0.0.1 (and a VPN address at most) and reach it through stunnel/spiped, or switch to `tls-port` with `port 0`"));
    }
}
