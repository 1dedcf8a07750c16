//! # SL003 unknown-directive
//!
//! ## What it does
//! Reports a redis.conf directive that redis-server (7.x) or Valkey does not know, an entry
//! of php-fpm.conf or a pool file that php-fpm (8.2) does not know in its section, and a
//! `session.*` or `redis.session.*` name that PHP or phpredis does not know, with the
//! closest known name.
//!
//! ## Why it matters
//! redis-server refuses to start on an unknown directive (`Bad directive or wrong number of
//! arguments`). php-fpm too: an entry it does not know (`unknown entry 'sesion.save_handler'`,
//! `unknown directive 'Env'`) makes it refuse the file, and it does not start (`FPM
//! initialization failed`); a reload keeps the old configuration. php-fpm knows one list of
//! names in `[global]` and another in a pool, in any case (`PM.Max_Children`), but the
//! arrays (`env[...]`, `php_value[...]`, `php_admin_flag[...]`, `access.suppress_path[]`)
//! and `include` only as written. A line before any section of a pool file is read in the
//! section php-fpm was in when it came to the file (`[global]` for the first file
//! php-fpm.conf's `include=` reads from `[global]`, the last pool of the file before for the
//! next), and so is a line of php-fpm.conf after `include=`: where php-fpm.conf has one
//! `include=`, the name is judged in that section; otherwise only a name neither list
//! knows is reported there. A PHP setting in a pool file is handed to PHP
//! as `php_value[session.save_handler] = redis`; written as php-fpm's own, it is refused.
//!
//! PHP is the opposite: a misspelled `session.save_hander = redis` in php.ini is accepted
//! without a word and does nothing, so sessions stay in files. Directive names are
//! case-sensitive in PHP (`Session.Save_Handler` is ignored too).
//!
//! ## Example
//! ```ini
//! ; php.ini
//! session.save_hander = redis
//! ; pool.d/www.conf
//! [www]
//! sesion.save_handler = redis
//! ```
//!
//! ## Fix
//! ```ini
//! ; php.ini
//! session.save_handler = redis
//! ; pool.d/www.conf
//! [www]
//! php_value[session.save_handler] = redis
//! ```

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::{FileId, FpmSection, Location, Model, UnknownTo};

pub static RULE: Rule = Rule {
    code: Code::UnknownDirective,
    summary: "A directive redis-server or php-fpm refuses, or PHP silently ignores",
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
            let (severity, message) = match &u.reader {
                UnknownTo::RedisServer => {
                    (Severity::Error, format!("unknown directive `{}`: redis-server refuses to start", u.name))
                }
                UnknownTo::PhpFpm(section) => {
                    let what = match section {
                        FpmSection::Global => format!("`{}` is not a [global] entry", u.name),
                        FpmSection::Pool => format!("`{}` is not a pool entry", u.name),
                        FpmSection::Either => format!("`{}` is neither a [global] nor a pool entry", u.name),
                        FpmSection::Array => format!("`{}[...]` is not an array php-fpm knows", u.name),
                        FpmSection::CarriedGlobal => format!(
                            "`{}` is read in [global], left open by what php-fpm read before it (no section header comes between), and [global] has no such entry",
                            u.name
                        ),
                        FpmSection::CarriedPool(pool) => format!(
                            "`{}` is read in pool [{pool}], left open by the file php-fpm read before it (no section header comes between), and a pool has no such entry",
                            u.name
                        ),
                    };
                    (Severity::Error, format!("{what}: php-fpm refuses the file and does not start"))
                }
                UnknownTo::Php => {
                    (Severity::Warning, format!("`{}` is not a directive PHP knows: it is silently ignored", u.name))
                }
            };
            let mut d = rule.diagnostic(severity, message, label(model, at, "unknown"));
            if let Some(s) = &u.suggestion {
                d = d.with_help(format!("did you mean `{s}`?"));
            } else if let UnknownTo::PhpFpm(FpmSection::CarriedGlobal) = u.reader {
                d = d.with_help("it is a pool's entry: put it below the pool's `[name]` header".to_owned());
            } else if let UnknownTo::PhpFpm(FpmSection::CarriedPool(_)) = u.reader {
                d = d.with_help("it is a [global] entry: put it below a `[global]` header".to_owned());
            }
            out.push(d);
        }
    }
}
