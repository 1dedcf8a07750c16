//! # SL003 unknown-directive
//!
//! ## What it does
//! Reports a redis.conf directive that redis-server (7.x) or Valkey does not know, and a
//! `session.*` or `redis.session.*` name that PHP or phpredis does not know, with the
//! closest known name.
//!
//! ## Why it matters
//! redis-server refuses to start on an unknown directive (`Bad directive or wrong number of
//! arguments`). PHP is the opposite: a misspelled `session.save_hander = redis` is accepted
//! without a word and does nothing, so sessions stay in files. Directive names are
//! case-sensitive in PHP (`Session.Save_Handler` is ignored too).
//!
//! ## Example
//! ```ini
//! session.save_hander = redis
//! ```
//!
//! ## Fix
//! ```ini
//! session.save_handler = redis
//! ```

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::{FileId, Location, Model};

pub static RULE: Rule = Rule {
    code: Code::UnknownDirective,
    summary: "A directive redis-server refuses or PHP silently ignores",
    default_severity: Severity::Warning,
    also: &[Severity::Error],
    source: include_str!("sl003_unknown_directive.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for (i, f) in model.files.iter().enumerate() {
        // A file of nothing but unknown lines: the findings the report keeps, the rest counted.
        let spans: Vec<crate::span::Span> = f.unknown_directives.iter().map(|u| u.span).collect();
        let made = super::bound::made(model, FileId(i), &spans);
        for (k, u) in f.unknown_directives.iter().enumerate() {
            if made.as_ref().is_some_and(|m| !m[k]) {
                continue;
            }
            let at = Location { file: FileId(i), span: u.span };
            let (severity, message) = if u.fatal {
                (Severity::Error, format!("unknown directive `{}`: redis-server refuses to start", u.name))
            } else {
                (Severity::Warning, format!("`{}` is not a directive PHP knows: it is silently ignored", u.name))
            };
            let mut d = rule.diagnostic(severity, message, label(model, at, "unknown"));
            if let Some(s) = &u.suggestion {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            out.push(d);
        }
    }
}
