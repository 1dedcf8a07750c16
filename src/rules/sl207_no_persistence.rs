//! # SL207 no-persistence
//!
//! ## What it does
//! Finds a Redis server that holds sessions (a client in the tree links to it) and saves
//! nothing to disk: `save ""` (no RDB snapshots) and `appendonly` not `yes`. Without a
//! `save` line Redis 7 snapshots by its default (`3600 1 300 100 60 10000`), which is not
//! flagged. Information only: some sites accept losing sessions on restart.
//!
//! ## Why it matters
//! Every restart (a package upgrade, a reboot, the OOM killer) logs every user out and
//! empties every cart. People turn persistence off because it suits caches, and then move
//! sessions onto the same server.
//!
//! ## Example
//! ```text
//! save ""
//! appendonly no
//! ```
//!
//! ## Fix
//! Enable RDB snapshots (`save 3600 1 300 100 60 10000`) or the append-only file
//! (`appendonly yes`) on the server that holds sessions.

use super::{endpoint_at, label, setting_at, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::{Model, ServerId};

pub static RULE: Rule = Rule {
    code: Code::NoPersistence,
    summary: "A Redis server holding sessions keeps nothing on disk",
    default_severity: Severity::Info,
    also: &[],
    source: include_str!("sl207_no_persistence.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for (si, s) in model.redis.iter().enumerate() {
        let no_rdb = s.settings.get("save").is_some_and(|(v, _)| v.is_empty());
        let aof = s.settings.get("appendonly").is_some_and(|(v, _)| v == "yes");
        if !no_rdb || aof {
            continue;
        }
        let Some((_, ep)) = model.endpoints_of(ServerId(si)).next() else { continue };
        let mut d = rule.diagnostic(
            Severity::Info,
            format!(
                "Redis server {} holds sessions but saves nothing to disk (`save \"\"`, no appendonly): every restart logs every user out",
                crate::source::display_path(model.path(s.file))
            ),
            label(model, setting_at(s, "save"), "RDB snapshots switched off"),
        );
        if let Some(at) = endpoint_at(ep) {
            d = d.with_related(label(model, at, format!("{} keeps its sessions here", ep.label)));
        }
        out.push(
            d.with_help("enable `save 3600 1 300 100 60 10000` or `appendonly yes` on the server that holds sessions"),
        );
    }
}
