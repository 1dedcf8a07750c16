//! # SL105 save-path-unquoted
//!
//! ## What it does
//! Finds a `session.save_path` (in php.ini, a scan-dir file, or a pool's
//! `php_value[session.save_path]`) written without double quotes that holds a character
//! PHP's ini scanner does not take literally, so that PHP reads another value than the one
//! written: `;`, `&`, `|`, `^`, `~`. An unquoted `=` (or `(`, `!` where PHP cannot parse
//! them) makes the line a syntax error: SL001 reports that, with the same quoting fix, and the
//! session rules leave the cut value alone until it is fixed.
//!
//! ## Why it matters
//! php.ini and php-fpm files are read by the same scanner (`Zend/zend_ini_scanner.l`, NORMAL
//! mode), which gives these characters a meaning in an unquoted value, and nothing says so:
//! - `;` starts a comment: `tcp://h:6379?timeout=2;x` and Debian's `2;/var/lib/php/sessions`
//!   are cut at the `;`.
//! - `& | ^ ~ !` are integer operators on `atoi()` of each side: `tcp://h:6379?a&b` becomes
//!   `0`, `~/sessions` becomes `-1`.
//!
//! Measured with PHP 8.2 (`parse_ini_string`, `php -n -c`) and `php-fpm8.2 -tt`.
//!
//! ## Example
//! ```ini
//! session.save_path = 2;/var/lib/php/sessions
//! php_value[session.save_path] = ~/sessions
//! ```
//!
//! ## Fix
//! ```ini
//! session.save_path = "2;/var/lib/php/sessions"
//! php_value[session.save_path] = "~/sessions"
//! ```
//!
//! ## Fix safety
//! Safe: the fix inserts a `"` before and after the text that was written and a `\` before
//! each `\` and `"` in it, as the scanner unescapes them (`$` is left alone, so `${VAR}` still
//! expands as it did; a `;` comment after a blank stays a comment). The edits are these
//! insertions only, so no fix ever carries the value (or a password in it); when an escape
//! would fall inside a password the fix is shown, never applied. PHP then reads the value its author
//! meant instead of a cut or computed one; that is a change of behaviour only in the sense
//! that the setting starts to work. Reload PHP-FPM afterwards.

use super::{double_quote_fix, label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::php::UnquotedValue;
use crate::model::{FileId, Model};
use crate::span::SpanCover;

pub static RULE: Rule = Rule {
    code: Code::SavePathUnquoted,
    summary: "A session save_path with ; & | ~ ^ that PHP reads otherwise because it is not double-quoted",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl105_save_path_unquoted.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    // Each file's secrets, made searchable once (a file may hold a value per pool).
    let mut secrets: std::collections::HashMap<FileId, SpanCover> = std::collections::HashMap::new();
    let found = model.php.iter().flat_map(|s| &s.unquoted).chain(model.pools.iter().flat_map(|p| &p.unquoted));
    for u in found {
        // A value PHP cannot parse at all (`=`, a stray `(`) is SL001's, with the same fix.
        if u.php_reads.is_none() || !seen.insert(u.at) {
            continue;
        }
        let mut d =
            rule.diagnostic(Severity::Error, message(u), label(model, u.at, format!("unquoted `{}`", u.hazard)));
        let cover =
            secrets.entry(u.at.file).or_insert_with(|| SpanCover::new(model.file(u.at.file).secrets().iter().copied()));
        if let Some(fix) =
            double_quote_fix(model, u.at, cover, "Double-quote the save_path", |b| b == b'\\' || b == b'"')
        {
            d = d.with_help("double-quote the value").with_fix(fix);
        }
        out.push(d);
    }
}

fn message(u: &UnquotedValue) -> String {
    let reads = match &u.php_reads {
        // What PHP read may hold the start of a password: say it only when it is a number.
        Some(r) if r.trim().parse::<i64>().is_ok() => format!(" PHP reads `{}`", r.trim()),
        Some(_) => " PHP reads a different value".to_owned(),
        None => String::new(),
    };
    match u.hazard {
        ';' => format!("{} is not double-quoted, and `;` starts a comment:{reads}, cut at the `;`", u.key),
        '(' | ')' | '!' => format!("{} is not double-quoted, and an unquoted `{}` is an operator or a syntax error", u.key, u.hazard),
        c => format!("{} is not double-quoted, and `{c}` is an integer operator in an unquoted ini value:{reads} instead of the text", u.key),
    }
}
