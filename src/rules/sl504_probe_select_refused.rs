//! # SL504 probe-select-refused
//!
//! ## What it does
//! After authenticating as the client does, sends `SELECT` of the session database the
//! client names (`database=N`, Magento's `database`) and reports the server's refusal,
//! usually `ERR DB index is out of range` when the server runs with fewer `databases` than
//! the client expects (its file may say otherwise: see SL506).
//!
//! Reported by `sesslint probe` only; `check` (SL209) compares the files.
//!
//! ## Why it matters
//! phpredis 5.3.7's session handler ignores the failed `SELECT` and stores the sessions in
//! database 0, among whatever else lives there; Magento fails the request.
//!
//! ## Example
//! ```ini
//! session.save_path = "tcp://127.0.0.1:6379?database=20"
//! ```
//! against a server running with `databases 16`:
//! ```text
//! SL504 pool www: SELECT 20 fails on tcp://127.0.0.1:6379 db 20: ERR DB index is out of range
//! ```
//!
//! ## Fix
//! Use a database below the server's `databases`, or raise `databases` (a restart is
//! needed: it cannot be changed with `CONFIG SET`).

use super::{live_only, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: Code::ProbeSelectRefused,
    summary: "The running server refuses SELECT of the session database (live)",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl504_probe_select_refused.rs"),
    check: live_only,
};
