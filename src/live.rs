//! A live connection to one session target, made as its client makes it: the address,
//! TLS, `AUTH` with the password it sends and `SELECT` of its database, with bounded waits.

use std::time::Duration;

use crate::model::credentials::password_sent;
use crate::model::{EndpointId, Model, RedisTarget, Transport};

/// How long a live check waits. Bounded so that a dead address costs seconds, not the
/// phpredis session default of 86,400 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect to one resolved address (name resolution itself is the system
    /// resolver's and is not bounded here).
    pub connect: Duration,
    /// Each read and each write of a command, the TLS handshake included.
    pub io: Duration,
}

impl Default for Timeouts {
    /// 2 s to connect, 2 s per read or write.
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(2), io: Duration::from_secs(2) }
    }
}

/// Why a connection as the client makes it did not reach a usable session database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No connection: refused, timed out, no such socket, a name that does not resolve.
    Unreachable(String),
    /// The TLS handshake failed: an untrusted or mismatched certificate, no TLS there.
    Tls(String),
    /// The server refused the client's credentials (or, without any, its first command):
    /// `NOAUTH`, `WRONGPASS`, `AUTH` to a server without a password, protected mode's `DENIED`.
    Refused { command: &'static str, reply: String },
    /// `SELECT` of the client's database failed (`ERR DB index is out of range`).
    Database { database: i64, reply: String },
}

impl std::fmt::Display for Failure {
    /// What went wrong, with the arguments an "unknown command" reply quotes cut (they may be
    /// the password).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            Failure::Unreachable(w) | Failure::Tls(w) => w.clone(),
            Failure::Refused { command, reply } => format!("{command} refused: {reply}"),
            Failure::Database { database, reply } => format!("SELECT {database} refused: {reply}"),
        };
        match text.find("with args beginning with:") {
            Some(i) => write!(f, "{}with args beginning with: [not shown]", &text[..i]),
            None => f.write_str(&text),
        }
    }
}

/// The key prefix the client's session handler writes under: phpredis' `prefix` (default
/// `PHPREDIS_SESSION:`, redis_session.c), Magento's `sess_` (Cm\RedisSession\Handler).
pub fn session_prefix(model: &Model, endpoint: EndpointId, t: &RedisTarget) -> String {
    match model.endpoint(endpoint).owner {
        crate::model::EndpointOwner::Magento(_) => "sess_".to_owned(),
        _ => t.prefix.clone().unwrap_or_else(|| "PHPREDIS_SESSION:".to_owned()),
    }
}

/// A server's error reply as it sent it: `WRONGPASS invalid username-password pair ...`.
pub fn reply_text(e: &redis::RedisError) -> String {
    match (e.code(), e.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        (Some(code), None) => code.to_owned(),
        _ => e.to_string(),
    }
}

/// Whether `e` is an error reply from the server (not an I/O or client failure).
pub fn is_server_reply(e: &redis::RedisError) -> bool {
    matches!(e.kind(), redis::ErrorKind::Server(_) | redis::ErrorKind::Extension)
}

/// Connect to target `target` of `endpoint` as its client does: `AUTH [user] password` when
/// it sends one (phpredis 5.3 sends `AUTH` for any `auth`, even empty; Credis when the
/// password is not empty), else a `PING` that meets `NOAUTH` where a password is needed;
/// then `SELECT` of its database when it names one. TLS verifies the certificate as PHP's
/// stream layer does by default, with `stream[cafile]` as the trust store when given and
/// no verification for `stream[verify_peer]=0` or `stream[verify_peer_name]=0`.
pub fn connect(
    model: &Model,
    endpoint: EndpointId,
    target: usize,
    timeouts: Timeouts,
) -> Result<redis::Connection, Failure> {
    let t = &model.endpoint(endpoint).targets[target];
    let mut con = open(t, timeouts)?;
    let tls = t.transport == Transport::Tls;
    let first = match (&t.auth, password_sent(model, endpoint, target)) {
        (Some(auth), password) => {
            let mut cmd = redis::cmd("AUTH");
            if let Some(user) = auth.user.as_deref().filter(|u| !u.is_empty()) {
                cmd.arg(user);
            }
            cmd.arg(password.as_ref().map_or(&b""[..], |p| p.expose()));
            ("AUTH", cmd.query::<redis::Value>(&mut con))
        }
        (None, _) => ("PING", redis::cmd("PING").query::<redis::Value>(&mut con)),
    };
    match first {
        (_, Ok(_)) => {}
        (command, Err(e)) if is_server_reply(&e) => return Err(Failure::Refused { command, reply: reply_text(&e) }),
        (_, Err(e)) if tls && !e.is_timeout() => return Err(Failure::Tls(e.to_string())),
        (_, Err(e)) if e.is_timeout() => {
            return Err(Failure::Unreachable(format!(
                "connected, but no reply within {} s{}",
                timeouts.io.as_secs_f64(),
                if tls { "" } else { " (a TLS-only port answers nothing to plaintext)" }
            )))
        }
        (_, Err(e)) => return Err(Failure::Unreachable(format!("connected, then {e}"))),
    }
    if let Some(database) = t.database {
        if let Err(e) = redis::cmd("SELECT").arg(database).query::<redis::Value>(&mut con) {
            return Err(if is_server_reply(&e) {
                if e.code() == Some("NOPERM") || e.code() == Some("NOAUTH") {
                    Failure::Refused { command: "SELECT", reply: reply_text(&e) }
                } else {
                    Failure::Database { database, reply: reply_text(&e) }
                }
            } else {
                Failure::Unreachable(format!("SELECT {database}: {e}"))
            });
        }
    }
    Ok(con)
}

/// The TCP, TLS or Unix socket connection with the I/O timeouts set, nothing sent yet.
fn open(t: &RedisTarget, timeouts: Timeouts) -> Result<redis::Connection, Failure> {
    let stream = |name: &str| t.stream.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let off = |v: Option<&str>| {
        v.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "0" | "" | "false" | "no" | "off"))
    };
    let host = || t.host.clone().unwrap_or_else(|| "127.0.0.1".to_owned());
    let addr = match t.transport {
        Transport::Unix => redis::ConnectionAddr::Unix(t.socket.clone().unwrap_or_default().into()),
        Transport::Tcp => redis::ConnectionAddr::Tcp(host(), t.port),
        Transport::Tls => redis::ConnectionAddr::TcpTls {
            host: host(),
            port: t.port,
            insecure: off(stream("verify_peer")) || off(stream("verify_peer_name")),
            tls_params: None,
        },
    };
    let info = redis::IntoConnectionInfo::into_connection_info(addr)
        .map_err(|e| Failure::Unreachable(e.to_string()))?
        .set_redis_settings(redis::RedisConnectionInfo::default().set_skip_set_lib_name());
    let client = match stream("cafile").filter(|_| t.transport == Transport::Tls) {
        Some(cafile) => {
            let pem = std::fs::read(cafile).map_err(|e| {
                Failure::Tls(format!("stream[cafile] {}: {e}", crate::source::display_path(cafile.as_ref())))
            })?;
            redis::Client::build_with_tls(info, redis::TlsCertificates { client_tls: None, root_cert: Some(pem) })
        }
        None => redis::Client::open(info),
    }
    .map_err(|e| {
        if t.transport == Transport::Tls {
            Failure::Tls(e.to_string())
        } else {
            Failure::Unreachable(e.to_string())
        }
    })?;
    let con = client.get_connection_with_timeout(timeouts.connect).map_err(|e| {
        Failure::Unreachable(if e.is_timeout() {
            format!("no connection within {} s", timeouts.connect.as_secs_f64())
        } else {
            e.to_string()
        })
    })?;
    con.set_read_timeout(Some(timeouts.io)).map_err(|e| Failure::Unreachable(e.to_string()))?;
    con.set_write_timeout(Some(timeouts.io)).map_err(|e| Failure::Unreachable(e.to_string()))?;
    Ok(con)
}
