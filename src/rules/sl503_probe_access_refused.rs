//! # SL503 probe-access-refused
//!
//! ## What it does
//! Sends the credentials a session client really sends (phpredis: `AUTH` with the `auth`
//! parameter, an ACL user and password for `auth[]=user&auth[]=pass`; Magento:
//! `session.redis.password`), or nothing when it sends none, and reports the server's
//! refusal: `NOAUTH` (a password is needed and none is sent), `WRONGPASS` (the password or
//! user does not match), `ERR AUTH <password> called without any password configured` (a
//! password sent to a server that has none), `DENIED` (protected mode refuses a non-local
//! client) or `NOPERM` on `SELECT`. The password itself is never printed.
//!
//! Reported by `sesslint probe` only; `check` (SL401) compares the files.
//!
//! ## Why it matters
//! The running server decides, not its file: a `CONFIG SET requirepass` or `ACL SETUSER`
//! since the last restart, an ACL file edited but not loaded, or a password changed on one
//! side only. Every session read then fails.
//!
//! ## Example
//! ```ini
//! session.save_path = "tcp://127.0.0.1:6379?auth=old-password"
//! ```
//! after someone ran `CONFIG SET requirepass new-password`:
//! ```text
//! SL503 pool www: the server refuses AUTH: WRONGPASS invalid username-password pair or user is disabled.
//! ```
//!
//! ## Fix
//! Make the save path send the password (and ACL user) the server accepts now, and write
//! the server's live settings back to its file (`CONFIG REWRITE`) so the two agree.

use super::{live_only, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: Code::ProbeAccessRefused,
    summary: "The running server refuses the credentials the client sends (live)",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl503_probe_access_refused.rs"),
    check: live_only,
};
