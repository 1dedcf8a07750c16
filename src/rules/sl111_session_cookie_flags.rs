//! # SL111 session-cookie-flags
//!
//! ## What it does
//! Names each PHP SAPI and php-fpm pool (the CLI and phpdbg left out) whose session cookie
//! lacks a protective attribute: `session.cookie_httponly`, `session.cookie_samesite`,
//! `session.cookie_secure`. Information only: each depends on the site.
//!
//! ## Why it matters
//! - `cookie_httponly = 1`: scripts cannot read the cookie, so one XSS hole does not hand
//!   out every visitor's session id. Almost never a reason to leave it off.
//! - `cookie_samesite = Lax` (or `Strict`, PHP 7.3+): the browser does not send the cookie
//!   with cross-site POSTs and subrequests, which blunts CSRF. `Strict` also drops it on
//!   links from other sites.
//! - `cookie_secure = 1`: the cookie only travels over HTTPS, so it never leaks on a plain
//!   HTTP request. Only for sites served wholly over HTTPS: otherwise logins break.
//!
//! Debian and RHEL ship all three empty (off). Applications may set them at run time
//! (`session_set_cookie_params`, Magento's own cookie settings); sesslint sees only the ini.
//!
//! ## Example
//! ```ini
//! session.cookie_httponly =
//! session.cookie_samesite =
//! ```
//!
//! ## Fix
//! ```ini
//! session.cookie_httponly = 1
//! session.cookie_samesite = "Lax"
//! session.cookie_secure = 1
//! ```

use super::{group_by_location, label, subjects, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::php::ini_bool;
use crate::model::{EndpointOwner, Model, Sapi};

pub static RULE: Rule = Rule {
    code: Code::SessionCookieFlags,
    summary: "A session cookie without HttpOnly, SameSite or Secure",
    default_severity: Severity::Info,
    also: &[],
    source: include_str!("sl111_session_cookie_flags.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    let mut found = Vec::new();
    for ep in &model.endpoints {
        if matches!(ep.owner, EndpointOwner::Magento(_))
            || matches!(model.php_sapi_of(ep.owner), Some(Sapi::Cli | Sapi::Phpdbg))
            || model.repeats_base(
                ep.owner,
                &["session.cookie_httponly", "session.cookie_samesite", "session.cookie_secure"],
            )
        {
            continue;
        }
        let get = |k: &str| model.php_value(ep.owner, k);
        // PHP's defaults count where the tree shows a whole setup (a SAPI's tree, a pool); a
        // lone ini file (an editor's draft, an unknown layout) is judged by what it sets.
        let lone = !model.shows_whole_setup(ep.owner);
        let mut missing = Vec::new();
        let mut unread_keys: Vec<&str> = Vec::new();
        let mut at = None;
        for (key, why) in [
            ("session.cookie_httponly", "HttpOnly (scripts can read the session cookie: one XSS steals sessions)"),
            ("session.cookie_samesite", "SameSite (the cookie goes along with cross-site requests: CSRF)"),
            ("session.cookie_secure", "Secure (the cookie may travel over plain HTTP)"),
        ] {
            let v = get(key);
            let on = match key {
                "session.cookie_samesite" => {
                    v.as_ref().is_some_and(|v| matches!(v.value.trim().to_ascii_lowercase().as_str(), "lax" | "strict"))
                }
                _ => v.as_ref().is_some_and(|v| ini_bool(&v.value)),
            };
            // A line PHP never reads (past where it stops reading its file) is named as such,
            // never taken for a file that does not set the key.
            let set_at = v.as_ref().and_then(|v| v.set_at);
            let unread = if on { None } else { model.php_unread_setting(ep.owner, key, set_at) };
            // A lone file is judged by what it sets, not by PHP's defaults.
            let judged = !lone || set_at.is_some() || unread.is_some();
            if !on && judged {
                missing.push(why);
                if unread.is_some() {
                    unread_keys.push(key);
                }
                at = at.or(unread).or(set_at);
            }
        }
        if missing.is_empty() {
            continue;
        }
        let Some(at) = at.or_else(|| model.php_owner_at(ep.owner)) else { continue };
        let mut missing = missing.join("; ");
        match unread_keys.as_slice() {
            [] => {}
            [key] => missing.push_str(&format!(
                " ({key} is written past the point where PHP stops reading its file, SL001: PHP never sees it)"
            )),
            keys => missing.push_str(&format!(
                " ({} are written past the point where PHP stops reading their file, SL001: PHP never sees them)",
                keys.join(", ")
            )),
        }
        found.push((at, missing, ep.label.clone()));
    }
    for (at, missing, who) in group_by_location(found) {
        out.push(
            rule.diagnostic(
                Severity::Info,
                format!("{}: the session cookie lacks {missing}", subjects(&who)),
                label(model, at, "session cookie attributes"),
            )
            .with_help("set `session.cookie_httponly = 1` and `session.cookie_samesite = \"Lax\"`, and `session.cookie_secure = 1` on a site served only over HTTPS"),
        );
    }
}
