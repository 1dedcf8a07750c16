//! # SL507 probe-write-test-failed
//!
//! ## What it does
//! With `sesslint probe --write-test`, writes one key under the client's session prefix
//! (`PHPREDIS_SESSION:` or its `prefix`; Magento's `sess_`) in its session database with a
//! 10 s expiry (`SET key value EX 10`), reads it back and deletes it, as the tutorial's test
//! script does with a real session. Reports a write, read or delete that fails: `READONLY`
//! (a replica), `OOM` (maxmemory with `noeviction`), `NOPERM` (an ACL user without write
//! access to the key pattern), or a value that does not read back.
//!
//! Reported by `sesslint probe --write-test` only: the default probe writes nothing.
//!
//! ## Why it matters
//! Connecting and authenticating is not yet storing a session: a replica, a full server or
//! an ACL key pattern that leaves out the session prefix all accept the connection and then
//! fail every session write.
//!
//! ## Example
//! ```ini
//! session.save_path = "tcp://127.0.0.1:6379?auth[]=sessions&auth[]=..."
//! ```
//! with `user sessions on >... ~cache:* +@all`:
//! ```text
//! SL507 pool www: writing a test key under PHPREDIS_SESSION: fails: NOPERM No permissions to access a key
//! ```
//!
//! ## Fix
//! Point sessions at the primary, give the server memory or an eviction policy that keeps
//! sessions, or let the ACL user write the session prefix (`~PHPREDIS_SESSION:*`).

use super::{live_only, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: Code::ProbeWriteTestFailed,
    summary: "Writing a test session key fails on the running server (live)",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl507_probe_write_test_failed.rs"),
    check: live_only,
};
