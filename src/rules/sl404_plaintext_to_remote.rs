//! # SL404 plaintext-to-remote
//!
//! ## What it does
//! Finds a session address that sends sessions in plaintext (`tcp://`, or a bare host) to a
//! host that is not loopback (a routable or private address, or a host name other than
//! `localhost`), when nothing in the tree encrypts the way: the link to the server passes no
//! stunnel, spiped or PeerVPN, and the address is not the address of a PeerVPN with a
//! `psk`. Whether a stunnel client end checks who it talks to is SL407's. `tls://`, Unix
//! sockets and loopback (where a local tunnel end usually listens) are never flagged. A
//! single-label host name (`redis`, `redis-session`) is information only: it is almost
//! always a container service on a Docker network or an `/etc/hosts` alias, whose path the
//! files do not show.
//!
//! ## Why it matters
//! The Redis protocol is plaintext: the `AUTH` password, session ids and session contents
//! (often the user's id and roles) cross the network readable and modifiable by anyone on
//! the path. The server side of the same problem is SL202.
//!
//! ## Example
//! ```ini
//! session.save_path = "tcp://10.0.0.5:6379?auth=secret"
//! ```
//!
//! ## Fix
//! Use `tls://` to a Redis `tls-port`, or connect to a local stunnel/spiped client end
//! (`tcp://127.0.0.1:6380`) that forwards to the server.

use super::{endpoint_at, label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::php::HISTORY_KEYS;
use crate::model::redis::{classify_address, Reach};
use crate::model::tunnel::TunnelKind;
use crate::model::{EndpointId, Model, Transport};

pub static RULE: Rule = Rule {
    code: Code::PlaintextToRemote,
    summary: "Sessions sent in plaintext to a host that is not loopback",
    default_severity: Severity::Warning,
    also: &[Severity::Info],
    source: include_str!("sl404_plaintext_to_remote.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    // A PeerVPN without `psk` is no evidence of protection (as in SL202): nothing proves its peers.
    let vpn: std::collections::HashSet<&str> = model
        .tunnels
        .iter()
        .filter(|t| t.kind == TunnelKind::PeerVpn && t.authenticates)
        .filter_map(|t| t.listen.as_deref())
        .collect();
    let vpn_without_psk: std::collections::HashSet<&str> = model
        .tunnels
        .iter()
        .filter(|t| t.kind == TunnelKind::PeerVpn && !t.authenticates)
        .filter_map(|t| t.listen.as_deref())
        .collect();
    for (ei, ep) in model.endpoints.iter().enumerate() {
        if model.repeats_base(ep.owner, &HISTORY_KEYS) {
            continue;
        }
        for (ti, t) in ep.targets.iter().enumerate() {
            if t.transport != Transport::Tcp {
                continue;
            }
            let host = t.host.as_deref().unwrap_or("127.0.0.1");
            if host.is_empty() || classify_address(host).0 == Reach::Loopback || vpn.contains(host) {
                continue;
            }
            let links: Vec<_> = model.servers_of(EndpointId(ei), ti).collect();
            if !links.is_empty() && links.iter().all(|(l, _)| !l.via.is_empty()) {
                continue; // every way there passes a tunnel
            }
            let Some(at) = endpoint_at(ep) else { continue };
            let container_name = classify_address(host).0 == Reach::Unknown && !host.contains('.');
            let (severity, note) = if container_name {
                (Severity::Info, " (a single-label name, likely a container on a local network: it matters if that network crosses hosts)")
            } else {
                (Severity::Warning, "")
            };
            let secret = if t.auth.is_some() {
                "the Redis password, session ids and session data"
            } else {
                "session ids and session data"
            };
            out.push(
                rule.diagnostic(
                    severity,
                    format!(
                        "{} sends {secret} in plaintext to {host}:{} ({}){note}",
                        ep.label,
                        t.port,
                        match vpn_without_psk.contains(host) {
                            true => "no TLS; the PeerVPN with that address has no `psk`, and only one with a `psk` counts as protection",
                            false => "no TLS, no tunnel in the tree",
                        }
                    ),
                    label(model, at, "plaintext connection to another host"),
                )
                .with_help("use `tls://` to a Redis tls-port, or a local stunnel/spiped client end that forwards to the server"),
            );
        }
    }
}
