//! # SL103 save-path-invalid
//!
//! ## What it does
//! Checks the effective `session.save_path` of each PHP SAPI and php-fpm pool against what its
//! handler accepts. For `redis` and `rediscluster` (phpredis): an empty save_path, a
//! `rediscluster` setting without `seed[]`, a directory left over from `files` (phpredis takes
//! a path for a unix socket), a scheme phpredis does not know (`redis://`, `rediss://`: it
//! speaks PHP stream transports), `tcp:///path.sock` (an empty host), `?parameters` without
//! `tcp://`, a bad port, a `timeout` or `weight` that is not > 0, a cluster seed without a
//! port, a host list split by a comma or blank inside a password, an empty `auth=`. For
//! `files`: a save_path that is a URL.
//!
//! ## Why it matters
//! Each of these fails every session, and none is reported before a request runs. Measured
//! with PHP 8.2 and phpredis 5.3.7 against redis-server 7.0 on 127.0.0.1:
//! - empty save_path, `timeout=0`, `weight=0`: `Failed to initialize storage module: redis`;
//! - `tcp:///tmp/r.sock`: `Failed to parse session.save_path (error at offset 0 ...)`;
//! - `redis://...`, a files directory, `auth=` empty, `auth=pa ss` (split at the blank):
//!   `Redis not available while creating session_id`, then `Failed to read session data`;
//! - `seed[]=127.0.0.1`: `Seed '127.0.0.1' not in host:port format, ignoring`, `No valid
//!   seeds detected`;
//! - handler `files` with `tcp://127.0.0.1:6379`: `open(tcp://127.0.0.1:6379/sess_..., O_RDWR)
//!   failed: No such file or directory`.
//!
//! Every one of these warnings prints the whole save_path, password included, to the log.
//!
//! ## Example
//! ```ini
//! session.save_handler = redis
//! session.save_path = "redis://10.0.0.5:6379?auth=secret"
//! ```
//!
//! ## Fix
//! ```ini
//! session.save_path = "tcp://10.0.0.5:6379?auth=secret&timeout=2&read_timeout=2"
//! ```
//! (`tls://` for TLS; `unix:///run/redis/redis-server.sock?auth=...` for a socket;
//! `seed[]=host:port&seed[]=host2:port` for `rediscluster`; percent-encode `,`, blanks, `&`,
//! `+` and `%` in a password.)

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::php::HISTORY_KEYS;
use crate::model::{EndpointOwner, Location, Model, TargetProblem, Transport};

pub static RULE: Rule = Rule {
    code: Code::SavePathInvalid,
    summary: "A session save_path that the handler cannot use",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl103_save_path_invalid.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    for ep in &model.endpoints {
        if matches!(ep.owner, EndpointOwner::Magento(_))
            || model.endpoint_save_path_cut(ep)
            || model.repeats_base(ep.owner, &HISTORY_KEYS)
        {
            continue;
        }
        let handler = ep.handler.value.as_str();
        let path = ep.save_path.as_ref().map_or("", |v| v.value.as_str());
        let Some(at) =
            ep.save_path.as_ref().and_then(|v| v.set_at).or(ep.handler.set_at).or_else(|| model.php_owner_at(ep.owner))
        else {
            continue;
        };
        let mut problems: Vec<String> = Vec::new();
        match handler {
            "redis" | "rediscluster" => {
                if path.trim().is_empty() {
                    problems.push(format!("the `{handler}` handler has no save_path: session_start() fails with \"Failed to initialize storage module\""));
                } else if handler == "rediscluster" && ep.targets.is_empty() {
                    problems.push("a `rediscluster` save_path without `seed[]=host:port`: session_start() fails with \"Failed to initialize storage module\"".to_owned());
                }
                for t in &ep.targets {
                    for p in &t.problems {
                        if *p != TargetProblem::CredentialsInUrl {
                            problems.push(p.to_string()); // SL104 reports credentials in URLs
                        }
                    }
                    if t.transport == Transport::Unix {
                        let sock = t.socket.as_deref().unwrap_or("");
                        if looks_like_session_directory(sock) {
                            problems.push(format!("`{sock}` looks like the `files` handler's directory, but phpredis takes a path for a unix socket: sessions fail with \"Redis not available\""));
                        }
                    }
                }
            }
            "files" => {
                let lower = path.to_ascii_lowercase();
                if lower.contains("://") || lower.starts_with("unix:") || lower.contains("seed[]") {
                    problems.push("the `files` handler takes its save_path for a directory, and this is a Redis URL: session_start() fails with \"open(tcp://.../sess_..., O_RDWR) failed: No such file or directory\"".to_owned());
                }
            }
            _ => {}
        }
        for message in problems {
            if !seen.insert((at, message.clone())) {
                continue;
            }
            out.push(with_handler(
                model,
                rule.diagnostic(
                    Severity::Error,
                    format!("session.save_path: {message}"),
                    label(model, at, format!("save_path for `{handler}`")),
                ),
                ep.handler.set_at,
                at,
                handler,
            ));
        }
    }
}

fn with_handler(model: &Model, d: Diagnostic, handler_at: Option<Location>, at: Location, handler: &str) -> Diagnostic {
    match handler_at {
        Some(h) if h != at => d.with_related(label(model, h, format!("handler `{handler}` set here"))),
        _ => d,
    }
}

/// A path that is the `files` handler's directory rather than a socket: Debian's and RHEL's
/// session directories, `/tmp`, or the `N;/dir` form.
fn looks_like_session_directory(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    if path.contains(';') {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    !name.contains("sock") && (name.starts_with("session") || path == "/tmp" || path == "/var/tmp")
}
