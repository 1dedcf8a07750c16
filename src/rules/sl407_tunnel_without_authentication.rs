//! # SL407 tunnel-without-authentication
//!
//! ## What it does
//! Finds a stunnel client end (`client = yes`) that does not check who it is talking to:
//! no `verifyChain = yes`, no `verifyPeer = yes`, no `verify` of 1 or more, and no
//! `PSKsecrets`. `verify = 0` and `requireCert = yes` alone verify nothing. stunnel starts
//! such a service all the same and logs `Service [NAME] needs authentication to prevent
//! MITM attacks` (stunnel 5.68). When a session address in the tree connects to the end's
//! `accept` port, the finding says so and points at it. A client end that checks the
//! certificate's chain but not whose it is (`verifyChain` without `verifyPeer`, `checkHost`,
//! `checkIP` or `checkEmail`) is an info: stunnel warns `uses "verifyChain" without subject
//! checks`, and any certificate its CA file trusts is accepted, which is safe only when that
//! file holds a CA of your own. spiped is never flagged (it refuses
//! to start without `-k`, and the key authenticates both ends), nor are stunnel server ends
//! (a Redis password still guards what they forward to).
//!
//! ## Why it matters
//! The tunnel encrypts, but towards whoever answers at `connect`: anyone who can redirect
//! that connection (a spoofed DNS answer, ARP on the local network, a hijacked route) gets
//! the TLS handshake, the Redis `AUTH` password, session ids and session contents, and can
//! hand back sessions of their choosing. SL404 counts the path as encrypted because it is;
//! this rule says the encryption is to an unknown party.
//!
//! ## Example
//! ```text
//! client = yes
//! [redis-client]
//! accept = 127.0.0.1:6379
//! connect = redis-host:6380
//! verify = 0
//! ```
//!
//! ## Fix
//! Verify the server's certificate against the CA that issued it, and its name:
//! ```text
//! [redis-client]
//! client = yes
//! accept = 127.0.0.1:6379
//! connect = redis-host:6380
//! verifyChain = yes
//! CAfile = /etc/stunnel/redis-ca.pem
//! checkHost = redis-host
//! ```
//! or give both ends the same `PSKsecrets` file. Without `checkHost` or `checkIP`, stunnel
//! accepts any certificate the CA file trusts (it warns `uses "verifyChain" without subject
//! checks`), so a CA file of public CAs trusts any site's certificate.
//!
//! sesslint offers no fix: which CA signed the server's certificate, and which name it
//! carries, are not in the files. stunnel refuses to start a client end with `verifyChain` or
//! `verifyPeer` and no `CAfile`, `CApath` or `CAengine` ("Configuration failed").

use super::{endpoint_at, label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::link::host_of;
use crate::model::redis::{classify_address, Reach};
use crate::model::tunnel::{split_address, TunnelKind, TunnelSide};
use crate::model::{FileId, Model, Transport};

pub static RULE: Rule = Rule {
    code: Code::TunnelWithoutAuthentication,
    summary: "A stunnel client end that verifies no certificate and has no PSK",
    default_severity: Severity::Warning,
    also: &[Severity::Info],
    source: include_str!("sl407_tunnel_without_authentication.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    use std::collections::{BTreeSet, HashMap};
    let open: Vec<usize> = (0..model.tunnels.len())
        .filter(|&ti| {
            let t = &model.tunnels[ti];
            t.kind == TunnelKind::Stunnel && t.side == TunnelSide::Client && (!t.authenticates || t.subject_unchecked)
        })
        .collect();
    if open.is_empty() {
        return;
    }
    // The machine a file is on: its fleet host, else the tree's directory for it.
    let machine = |f: FileId| (model.host_of_file(f), host_of(model.path(f), &[]));
    // Endpoints by the tunnels their links pass, and by the loopback TCP port they use
    // (for an end whose far side is not in the tree, so no link passes it).
    let mut via: HashMap<usize, BTreeSet<usize>> = HashMap::new();
    for l in &model.links {
        for &ti in &l.via {
            via.entry(ti).or_default().insert(l.endpoint.0);
        }
    }
    let mut on_port: HashMap<u16, Vec<usize>> = HashMap::new();
    for (ei, ep) in model.endpoints.iter().enumerate() {
        for target in &ep.targets {
            let host = target.host.as_deref().unwrap_or("127.0.0.1");
            if target.transport == Transport::Tcp && classify_address(host).0 == Reach::Loopback {
                on_port.entry(target.port).or_default().push(ei);
            }
        }
    }
    for ti in open {
        let t = &model.tunnels[ti];
        let port = t.listen.as_deref().and_then(|l| split_address(l, "0.0.0.0")).map(|(_, p)| p);
        let tm = machine(t.at.file);
        let mut through: BTreeSet<usize> = via.get(&ti).cloned().unwrap_or_default();
        for &ei in port.and_then(|p| on_port.get(&p)).map_or(&[][..], Vec::as_slice) {
            if t.shared || endpoint_at(&model.endpoints[ei]).is_some_and(|at| machine(at.file) == tm) {
                through.insert(ei);
            }
        }
        let sessions: Vec<_> = through
            .iter()
            .filter_map(|&ei| endpoint_at(&model.endpoints[ei]).map(|at| (&model.endpoints[ei].label, at)))
            .collect();
        let service = t.service.as_deref().unwrap_or("");
        let connect = t.target.as_deref().unwrap_or("its `connect` address");
        let carried = match sessions.as_slice() {
            [] => String::new(),
            [(one, _)] => format!("; {one} sends its sessions through it"),
            many => format!("; {} session addresses send their sessions through it", many.len()),
        };
        let mut d = match t.authenticates {
            false => rule.diagnostic(
                Severity::Warning,
                format!(
                    "stunnel client end [{service}] checks no certificate and has no PSK: whoever answers at {connect} gets the TLS connection, any Redis password and the sessions (stunnel warns \"needs authentication to prevent MITM attacks\"){carried}"
                ),
                label(model, t.target_line(), "connects without verifying the server"),
            ),
            true => rule.diagnostic(
                Severity::Info,
                format!(
                    "stunnel client end [{service}] checks the certificate at {connect} against its CA file but not whose it is (no `checkHost`, `checkIP` or `verifyPeer`): any certificate that CA file trusts is accepted, which is safe only when it holds a CA of your own (stunnel warns \"uses verifyChain without subject checks\"){carried}"
                ),
                label(model, t.target_line(), "accepts any certificate its CA file trusts"),
            ),
        };
        for (_, at) in sessions {
            d = d.with_related(label(model, at, "session traffic enters the tunnel here"));
        }
        out.push(d.with_help(
            "add `verifyChain = yes`, a `CAfile` with the CA that signed the server's certificate and `checkHost` with its name, or `PSKsecrets` shared with the server end",
        ));
    }
}
