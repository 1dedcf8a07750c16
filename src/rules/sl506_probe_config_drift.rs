//! # SL506 probe-config-drift
//!
//! ## What it does
//! Where both the running server and its file are known (the session address links to a
//! redis.conf in the tree, and the client's credentials may run `CONFIG GET`), compares what
//! the server runs with what its file says for `protected-mode`, `requirepass` (set or not:
//! the value is never fetched into output), `databases`, `maxmemory-policy`, `bind` and
//! `port`, and reports each difference at the file's line (or its top, for a built-in
//! default).
//!
//! It cannot see settings the client may not read (`CONFIG` refused: SL505 says so), a
//! server whose file is not in the tree, or settings other than these six.
//!
//! Reported by `sesslint probe` only.
//!
//! ## Why it matters
//! `check` judges the file, but the server runs what it was started with plus every
//! `CONFIG SET` since: `CONFIG SET protected-mode no` on a server reachable from the network,
//! a `requirepass` cleared by hand, a file edited and never restarted. Then both the findings
//! of `check` and their absence describe a server that does not exist.
//!
//! ## Example
//! ```text
//! # /etc/redis/redis.conf
//! protected-mode yes
//! ```
//! after `CONFIG SET protected-mode no`:
//! ```text
//! SL506 /etc/redis/redis.conf: the running server has protected-mode no, its file says yes
//! ```
//!
//! ## Fix
//! Decide which is right. Restart the server to apply its file, or write the running
//! settings into the file (`CONFIG REWRITE`, then review the diff) and run `sesslint check`
//! on it.

use super::{live_only, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: Code::ProbeConfigDrift,
    summary: "The running server differs from its file (live)",
    default_severity: Severity::Warning,
    also: &[],
    source: include_str!("sl506_probe_config_drift.rs"),
    check: live_only,
};
