//! # SL505 probe-server-info
//!
//! ## What it does
//! For every server the probe reaches and authenticates to, reports the version `INFO
//! server` gives (`redis_version`, and `valkey_version` for Valkey). Where the tree holds the
//! server's file and sesslint only guessed its version (a distribution default, no
//! `sesslint.toml redis-version`), it says whether the real version changes how protected
//! mode applies (before 7.0 any `bind` line switched protected mode off; from 7.0 only a
//! password does). It also says what the probe could not see: `INFO` or `CONFIG GET` refused
//! (an ACL user without `+info`/`+config`, a renamed command), or no file of that server in
//! the tree, so no drift could be compared.
//!
//! Reported by `sesslint probe` only.
//!
//! ## Why it matters
//! The version decides which rules apply to a server's file, and sesslint can only guess it
//! from files. A probe that could not compare a setting must say so rather than stay silent
//! as if all were well.
//!
//! ## Example
//! ```text
//! SL505 tcp://127.0.0.1:6379: Redis 7.0.15 (INFO server); /etc/redis/redis.conf was read as Redis 7.0 (assumed), so protected mode applies as guessed
//! ```
//!
//! ## Fix
//! Nothing to fix; pin the version in `sesslint.toml` (`redis-version = "7.0"`) so that
//! `check` uses it too. To let the probe compare settings, run it with credentials that may
//! run `INFO` and `CONFIG GET`.

use super::{live_only, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    code: Code::ProbeServerInfo,
    summary: "What the running server is: its version from INFO, and what the probe could see (live)",
    default_severity: Severity::Info,
    also: &[],
    source: include_str!("sl505_probe_server_info.rs"),
    check: live_only,
};
