//! # SL301 magento-files-sessions
//!
//! ## What it does
//! Reports a Magento install whose `app/etc/env.php` keeps sessions in files
//! (`'session' => ['save' => 'files']`) or in MySQL (`'save' => 'db'`).
//!
//! ## Why it matters
//! With `files`, sessions live in `var/session` (or in php.ini's `session.save_path` when it
//! is set) on the one web node that wrote them: a second node behind the load balancer does
//! not see them, and customers are logged out at random. With `db`, every page view reads and
//! writes the `session` table with row locks in MySQL, the busiest server of the shop.
//! Adobe recommends Redis for sessions (Commerce 2.4, "Use Redis for session storage").
//! Magento picks the handler from `session.save` (magento2 2.4 `SaveHandlerFactory`: `db` and
//! `redis` are Magento's own handlers, anything else is PHP's native handler of that name).
//!
//! ## Example
//! ```php
//! 'session' => ['save' => 'files'],
//! ```
//!
//! ## Fix
//! ```php
//! 'session' => ['save' => 'redis', 'redis' => ['host' => '127.0.0.1', 'port' => '6379',
//!     'database' => '2', 'retries' => '2', 'timeout' => '2.5']],
//! ```
//! or `bin/magento setup:config:set --session-save=redis --session-save-redis-db=2`. Use a
//! database no cache uses (see SL303), better a Redis instance of its own.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::Model;

pub static RULE: Rule = Rule {
    code: Code::MagentoFilesSessions,
    summary: "A Magento install keeps sessions in files or in MySQL",
    default_severity: Severity::Info,
    also: &[],
    source: include_str!("sl301_magento_files_sessions.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for m in &model.magento {
        let Some(save) = &m.session_save else { continue };
        let (what, why) = match save.value.as_deref() {
            Some("files") => (
                "files",
                "sessions stay on the web node that wrote them (`var/session` or php.ini's save_path): a second node logs the customer out",
            ),
            Some("db") => ("MySQL", "every request locks and rewrites a row of the `session` table in the shop's database"),
            _ => continue,
        };
        out.push(
            rule.diagnostic(
                Severity::Info,
                format!("Magento keeps sessions in {what}: {why}"),
                label(model, save.entry_at, format!("sessions in {what}")),
            )
            .with_help(
                "move sessions to Redis: `bin/magento setup:config:set --session-save=redis --session-save-redis-db=2`",
            ),
        );
    }
}
