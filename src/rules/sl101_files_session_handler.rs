//! # SL101 files-session-handler
//!
//! ## What it does
//! Names each PHP SAPI and php-fpm pool whose effective `session.save_handler` is `files`:
//! the value a request really sees after php.ini, the scan directory and the pool's
//! `php_value`/`php_admin_value` lines. The CLI and phpdbg are left out: they serve no web
//! sessions. Information only.
//!
//! ## Why it matters
//! `files` keeps sessions on the local disk of one web server: a second server behind the
//! load balancer does not see them, and a redeploy of a container loses them. That is fine on
//! one host; it is the thing to change before scaling out. On Debian the files are cleaned by
//! a cron job (`session.gc_probability = 0`), which also stops mattering once Redis keeps them
//! (Redis expires each session with its TTL, `session.gc_maxlifetime`).
//!
//! ## Example
//! ```ini
//! ; /etc/php/8.2/fpm/php.ini (Debian's default)
//! session.save_handler = files
//! ;session.save_path = "/var/lib/php/sessions"
//! ```
//!
//! ## Fix
//! Set the handler where it is decided for that SAPI or pool (a pool's `php_value` wins over
//! php.ini), always with a quoted save_path, a password and timeouts:
//! ```ini
//! session.save_handler = redis
//! session.save_path = "tcp://127.0.0.1:6379?auth=long-random-secret&timeout=2&read_timeout=2"
//! redis.session.locking_enabled = 1
//! ```

use super::{group_by_location, label, subjects, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::php::HISTORY_KEYS;
use crate::model::{EndpointOwner, Location, Model, Sapi};

pub static RULE: Rule = Rule {
    code: Code::FilesSessionHandler,
    summary: "A PHP SAPI or php-fpm pool that keeps sessions in files",
    default_severity: Severity::Info,
    also: &[],
    source: include_str!("sl101_files_session_handler.rs"),
    check,
};

/// The places of the findings this rule makes (made or not, [`super::bound::made_at`]), in
/// its order: one per group of endpoints decided at one place.
pub(super) fn places(model: &Model) -> Vec<Location> {
    group_by_location(found(model)).into_iter().map(|(at, ..)| at).collect()
}

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    let groups = group_by_location(found(model));
    // A pool file of 200,000 `[name]` pools: a finding each is more than any report shows.
    let made = super::bound::made_at(model, &groups.iter().map(|g| g.0).collect::<Vec<_>>());
    for ((at, (dir, what), who), _) in groups.into_iter().zip(made).filter(|(_, made)| *made) {
        out.push(
            rule.diagnostic(
                Severity::Info,
                format!("{} keep{} sessions in files ({dir}): they live on this host only", subjects(&who), if who.len() == 1 { "s" } else { "" }),
                label(model, at, what),
            )
            .with_help("to share sessions between web servers, set `session.save_handler = redis` and a quoted `session.save_path = \"tcp://HOST:6379?auth=...&timeout=2&read_timeout=2\"` where this SAPI or pool decides it"),
        );
    }
}

/// What the rule finds, per endpoint: where its files handler is decided, the directory and
/// what the line says of the handler (names it, is PHP's default, is never read), and the
/// endpoint.
fn found(model: &Model) -> Vec<(Location, (String, &'static str), String)> {
    let mut found = Vec::new();
    for ep in &model.endpoints {
        if matches!(ep.owner, EndpointOwner::Magento(_))
            || ep.handler.value != "files"
            || model.repeats_base(ep.owner, &HISTORY_KEYS)
        {
            continue;
        }
        if matches!(model.php_sapi_of(ep.owner), Some(Sapi::Cli | Sapi::Phpdbg)) {
            continue;
        }
        // A handler line PHP never reads (past where it stops reading its file) is named as
        // such, never taken for a file that does not set one.
        let unread = model.php_unread_setting(ep.owner, "session.save_handler", ep.handler.set_at);
        let Some(at) = unread.or(ep.handler.set_at).or_else(|| model.php_owner_at(ep.owner)) else { continue };
        let dir = match ep.save_path.as_ref().map(|v| v.value.as_str()) {
            Some(p) if !p.is_empty() && !p.contains('?') => format!("`{p}`"),
            Some(p) if !p.is_empty() => "its save_path".to_owned(),
            _ => "PHP's built-in save_path".to_owned(),
        };
        let what = match (unread, ep.handler.set_at) {
            (Some(_), _) => "written past the point where PHP stops reading this file (SL001): PHP never sees it",
            (None, Some(_)) => "session.save_handler = files",
            (None, None) => "no session.save_handler: PHP's default is files",
        };
        found.push((at, (dir, what), ep.label.clone()));
    }
    found
}
