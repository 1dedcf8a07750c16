//! Which Redis server in the tree a session endpoint reaches. A link is made only when an
//! address can reach a listener; when more than one could, that is said, never guessed.

use std::path::{Component, Path, PathBuf};

use super::endpoint::Transport;
use super::redis::{classify_address, Reach};
use super::tunnel::{split_address, TunnelSide};
use super::{EndpointId, Model, ServerId};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "reason", rename_all = "lowercase")]
pub enum LinkCertainty {
    Exact,
    Ambiguous(String),
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Link {
    pub endpoint: EndpointId,
    /// Index into the endpoint's targets.
    pub target: usize,
    pub server: ServerId,
    pub certainty: LinkCertainty,
}

/// The machine a file belongs to: the path before its first `etc`, `usr`, `var`, `srv`,
/// `opt`, `home` or `app` component, else the scanned path that holds it. Files of two
/// machines (a fleet of trees) are never linked.
pub fn host_of(path: &Path, tops: &[PathBuf]) -> PathBuf {
    let mut prefix = PathBuf::new();
    for c in path.components() {
        if let Component::Normal(n) = c {
            if matches!(n.to_str(), Some("etc" | "usr" | "var" | "srv" | "opt" | "home" | "app")) {
                return prefix;
            }
        }
        prefix.push(c.as_os_str());
    }
    tops.iter().filter(|t| path.starts_with(t)).max_by_key(|t| t.as_os_str().len()).cloned().unwrap_or_default()
}

pub fn link_all(model: &Model, tops: &[PathBuf]) -> Vec<super::Link> {
    let server_hosts: Vec<PathBuf> = model.redis.iter().map(|s| host_of(model.path(s.file), tops)).collect();
    let mut links = Vec::new();
    for (ei, ep) in model.endpoints.iter().enumerate() {
        let Some(at) = ep.decided_at.or(ep.save_path.as_ref().and_then(|s| s.set_at)) else { continue };
        let host = host_of(model.path(at.file), tops);
        for (ti, t) in ep.targets.iter().enumerate() {
            let mut found: Vec<(usize, Option<String>)> = Vec::new();
            for (si, s) in model.redis.iter().enumerate() {
                if server_hosts[si] != host {
                    continue;
                }
                match t.transport {
                    Transport::Unix => {
                        if s.unixsocket.is_some() && s.unixsocket == t.socket {
                            found.push((si, None));
                        }
                    }
                    Transport::Tcp | Transport::Tls => {
                        let port = if t.transport == Transport::Tls { s.tls_port } else { s.port };
                        if port == 0 || port != t.port || !s.listens_on_tcp() {
                            continue;
                        }
                        let h = t.host.as_deref().unwrap_or("127.0.0.1");
                        let (reach, _) = classify_address(h);
                        match reach {
                            Reach::Loopback => {
                                if s.binds.iter().any(|b| b.reach == Reach::Loopback || b.wildcard) {
                                    found.push((si, None));
                                }
                            }
                            Reach::Unknown => {
                                if s.binds.iter().any(|b| b.reach != Reach::Loopback) {
                                    found.push((
                                        si,
                                        Some(format!("`{h}` is a host name; it may or may not be this server")),
                                    ));
                                }
                            }
                            _ => {
                                if s.binds.iter().any(|b| b.text.trim_start_matches('-') == h) {
                                    found.push((si, None));
                                } else if s.binds.iter().any(|b| b.wildcard) {
                                    found.push((
                                        si,
                                        Some(format!(
                                            "the server listens on every interface; `{h}` may be one of this machine's"
                                        )),
                                    ));
                                }
                            }
                        }
                    }
                }
            }
            // A local client tunnel on that port means the far end is elsewhere.
            let tunnelled = model.tunnels.iter().any(|tn| {
                tn.side == TunnelSide::Client
                    && tn.listen.as_deref().and_then(|l| split_address(l, "0.0.0.0")).is_some_and(|(_, p)| p == t.port)
            });
            let n = found.len();
            for (si, reason) in found {
                let certainty = match (reason, n, tunnelled) {
                    (_, _, true) => {
                        LinkCertainty::Ambiguous(format!("a client tunnel also listens on port {}", t.port))
                    }
                    (Some(r), _, _) => LinkCertainty::Ambiguous(r),
                    (None, 1, _) => LinkCertainty::Exact,
                    (None, n, _) => LinkCertainty::Ambiguous(format!("{n} servers in the tree accept this address")),
                };
                links.push(super::Link { endpoint: EndpointId(ei), target: ti, server: ServerId(si), certainty });
            }
        }
    }
    links
}
