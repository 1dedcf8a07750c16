//! # SL502 probe-tls-failed
//!
//! ## What it does
//! For a `tls://` session address, reports a TLS handshake that fails: a certificate signed
//! by no authority the client trusts, a certificate for another name, a `stream[cafile]` that
//! cannot be read, or a port that does not speak TLS. The certificate is checked as PHP's
//! stream layer does by default (`verify_peer` and `verify_peer_name` on, the system's
//! trust store or `stream[cafile]`); `stream[verify_peer]=0` or `stream[verify_peer_name]=0`
//! turns verification off, as in PHP (the probe then skips both checks).
//!
//! Reported by `sesslint probe` only.
//!
//! ## Why it matters
//! phpredis gives up on the connection and sessions fail on every request, with a PHP
//! warning about the certificate that only the PHP error log shows.
//!
//! ## Example
//! ```ini
//! session.save_path = "tls://127.0.0.1:6380?stream[cafile]=/etc/ssl/other-ca.pem"
//! ```
//! where the server's certificate was signed by another CA:
//! ```text
//! SL502 php fpm: TLS to tls://127.0.0.1:6380 db 0 fails: invalid peer certificate: UnknownIssuer
//! ```
//!
//! ## Fix
//! Give the client the CA that signed the server's certificate (`stream[cafile]=...`), or
//! a certificate whose subject names the host the client connects to.

use super::{live_only, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: Code::ProbeTlsFailed,
    summary: "A TLS session address whose handshake fails (live)",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl502_probe_tls_failed.rs"),
    check: live_only,
};
