//! # SL110 session-strict-mode-off
//!
//! ## What it does
//! Names each PHP SAPI and php-fpm pool (the CLI and phpdbg left out) where
//! `session.use_strict_mode` is off, as PHP ships it and Debian's and RHEL's php.ini keep it.
//! Information only.
//!
//! ## Why it matters
//! Without strict mode PHP accepts a session id it never issued: an attacker who plants a
//! cookie `PHPSESSID=chosen` in a victim's browser (a sibling subdomain, a network on the
//! path) knows the session id the victim logs in with, and takes the session over (session
//! fixation). php.net: "enabling session.use_strict_mode is mandatory for secure sessions".
//! The phpredis handler supports it (it checks the id with `EXISTS`).
//!
//! ## Example
//! ```ini
//! session.use_strict_mode = 0
//! ```
//!
//! ## Fix
//! ```ini
//! session.use_strict_mode = 1
//! ```

use super::{group_by_location, label, subjects, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::php::ini_bool;
use crate::model::{EndpointOwner, Model, Sapi};

pub static RULE: Rule = Rule {
    code: Code::SessionStrictModeOff,
    summary: "PHP accepts session ids it never issued (session.use_strict_mode off)",
    default_severity: Severity::Info,
    also: &[],
    source: include_str!("sl110_session_strict_mode_off.rs"),
    check,
};

/// What the finding says of the setting.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
enum Said {
    Off,
    Default,
    Unread,
}

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    let mut found = Vec::new();
    for ep in &model.endpoints {
        if matches!(ep.owner, EndpointOwner::Magento(_))
            || matches!(model.php_sapi_of(ep.owner), Some(Sapi::Cli | Sapi::Phpdbg))
            || model.repeats_base(ep.owner, &["session.use_strict_mode"])
        {
            continue;
        }
        let Some(v) = model.php_value(ep.owner, "session.use_strict_mode") else { continue };
        if ini_bool(&v.value) {
            continue;
        }
        // PHP's default counts where the tree shows a whole setup: a SAPI's tree or a pool;
        // a lone ini file (an editor's draft, an unknown layout) is judged by what it sets.
        let lone = !model.shows_whole_setup(ep.owner);
        // A line PHP never reads (past where it stops reading its file) is named as such,
        // never taken for a file that does not set the key.
        if let Some(unread) = model.php_unread_setting(ep.owner, "session.use_strict_mode", v.set_at) {
            found.push((unread, Said::Unread, ep.label.clone()));
            continue;
        }
        if v.set_at.is_none() && lone {
            continue;
        }
        let Some(at) = v.set_at.or_else(|| model.php_owner_at(ep.owner)) else { continue };
        found.push((at, if v.set_at.is_some() { Said::Off } else { Said::Default }, ep.label.clone()));
    }
    for (at, said, who) in group_by_location(found) {
        let what = match said {
            Said::Off => "session.use_strict_mode is off",
            Said::Default => "session.use_strict_mode is not set: PHP's default is off",
            Said::Unread => {
                "session.use_strict_mode is written on this line, past the point where PHP stops reading this file (SL001): PHP never sees it and leaves strict mode off"
            }
        };
        out.push(
            rule.diagnostic(
                Severity::Info,
                format!("{}: {what}, so PHP accepts session ids it never issued (session fixation)", subjects(&who)),
                label(model, at, "strict mode off"),
            )
            .with_help("set `session.use_strict_mode = 1`"),
        );
    }
}
