//! # SL501 probe-unreachable
//!
//! ## What it does
//! Connects to every Redis address a PHP setup, pool or Magento install sends its sessions
//! to (tcp, tls and unix), as its client would, and reports the ones where no connection is
//! made within the probe's timeouts (2 s to connect, 2 s per read or write): connection
//! refused, no such socket, a time-out, a name that does not resolve, or a connection that
//! never answers (plaintext to a TLS-only port).
//!
//! Reported by `sesslint probe` only, never by `check`: it needs the running server.
//!
//! ## Why it matters
//! The files can agree and the server still not be there: it is stopped, listens on
//! another port since a restart with other arguments, or a firewall drops the packets.
//! phpredis then fails every request that opens a session ("Failed to read session data"),
//! and without its own `timeout` parameter waits up to 86,400 s for the connect.
//!
//! ## Example
//! ```ini
//! session.save_path = "tcp://127.0.0.1:6379"
//! ```
//! with no redis-server listening on port 6379:
//! ```text
//! SL501 pool www connects to tcp://127.0.0.1:6379 db 0: Connection refused (os error 111)
//! ```
//!
//! ## Fix
//! Start the server (`systemctl start redis-server`), or point the save path at the address
//! it listens on; `sesslint check` (SL402) compares the addresses in the files.

use super::{live_only, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: Code::ProbeUnreachable,
    summary: "A session address the running server does not answer on (live)",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl501_probe_unreachable.rs"),
    check: live_only,
};
