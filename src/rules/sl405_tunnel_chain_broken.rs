//! # SL405 tunnel-chain-broken
//!
//! ## What it does
//! In a fleet (a directory with one tree per host), follows each stunnel, spiped and
//! PeerVPN path from the web host to the Redis host and reports where the two ends do not
//! meet: a client end that connects to an address and port where no server end of the same
//! kind accepts (a wrong port, a server end that is missing), a server end that forwards to
//! a port where no Redis of its host listens, spiped ends whose key files differ, a stunnel
//! client whose PSK the server end does not know, and a host that reaches another host's
//! PeerVPN address without being on that VPN itself. When the address a client end connects
//! to belongs to no host sesslint knows, the finding is an info: the server end may be on a
//! machine that is not in the fleet (declare its addresses with `[hosts.NAME] addresses` in
//! `sesslint.toml` or `--inventory`). A server end that forwards to a client end on its
//! own host (a relay) carries the chain on: that stage is checked as its own. Chains are
//! followed three tunnel hops deep; where a session address goes further, an info says so
//! at the client end where following stopped, and the address is left unlinked. A key file
//! left unparsed past the bytes sesslint parses (SL002) leaves the keys not compared.
//!
//! ## Why it matters
//! A broken tunnel does not fail at configuration time: stunnel and spiped start, accept the
//! PHP connection on loopback, and only then fail to reach the far end, so every session
//! start fails while every service looks healthy. spiped derives its key from the key file
//! (spiped(1): the SHA256 hash of the key file), so two key files that differ by one byte
//! never complete the handshake.
//!
//! ## Example
//! On the web host, `/etc/stunnel/redis-client.conf`:
//! ```text
//! [redis-client]
//! client = yes
//! accept = 127.0.0.1:8000
//! connect = 10.0.0.5:6380
//! ```
//! On the Redis host, `/etc/stunnel/redis-server.conf`:
//! ```text
//! [redis-server]
//! accept = 10.0.0.5:6381
//! connect = 127.0.0.1:6379
//! ```
//!
//! ## Fix
//! Make the client end's `connect` (spiped `-t`) the address and port the server end's
//! `accept` (spiped `-s`) listens on, the server end's `connect` (`-t`) the Redis port of its
//! host, and copy one key file to both hosts.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::Model;

pub static RULE: Rule = Rule {
    code: Code::TunnelChainBroken,
    summary: "A stunnel, spiped or PeerVPN path between two hosts whose ends do not meet",
    default_severity: Severity::Error,
    also: &[Severity::Info],
    source: include_str!("sl405_tunnel_chain_broken.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for p in &model.chain_problems {
        let severity = if p.certain { Severity::Error } else { Severity::Info };
        // The primary label is on the line that is wrong; the other end's line is related.
        let mut d = rule.diagnostic(severity, p.message.clone(), label(model, p.at, p.label));
        if let Some((at, text)) = p.related {
            d = d.with_related(label(model, at, text));
        }
        out.push(d.with_help(
            "point the client end at the address and port the server end accepts on, the server end at its host's Redis port, and give both ends the same key",
        ));
    }
}
