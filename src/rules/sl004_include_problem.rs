//! # SL004 include-problem
//!
//! ## What it does
//! Reports an `include` in redis.conf (or valkey.conf) that names a file that does not
//! exist, cannot be read, or includes itself again through a chain of includes, and an
//! `include=` in php-fpm.conf that names a symlink to nothing (an error) or reads nothing:
//! a path that does not exist, a glob that matches nothing, a directory (warnings: php-fpm
//! starts, without those lines). An `include=` whose
//! path depends on the FPM master's environment (`${VAR}`) is a warning: sesslint never
//! substitutes its own environment, so it cannot tell which files FPM reads. A backup
//! sesslint 0.1.0 left beside a file (`NAME.sesslint-STAMP.bak`) that a redis.conf `include`
//! glob loads is a warning too: redis-server reads the old settings as configuration.
//!
//! php-fpm reads an included file's lines above its first `[section]` header in the
//! section the file read before it left open (fpm_conf.c keeps one `current_wp` across
//! files): `[global]` for the first file a php-fpm.conf `[global]` includes, else the last
//! pool read. A `php_value[...]` (any `name[key]` line) read in `[global]` is an error. A
//! line read in a section sesslint cannot know (a pool file no php-fpm.conf in the tree is
//! known to include, or the lines after an `include=` whose files depend on the FPM master's
//! environment) is a warning, once per file: sesslint sets it in no pool. php-fpm reads the
//! `include=` lines of the files it includes too, with at most five files open at once: an
//! `include=` that opens a sixth, or one in a file that is reading it (a loop), is an
//! error.
//!
//! ## Why it matters
//! redis-server exits at startup when a plain `include` is missing (`Fatal error, can't open
//! config file`), and it has no cycle detection: a file that includes itself crashes
//! redis-server 7.0 with a stack overflow. php-fpm refuses to start when it cannot open a
//! file its glob() matched (`Unable to include`: a symlink to nothing), but a path or glob
//! that matches nothing only warns ("Nothing matches the include pattern"), and a directory
//! is skipped without a word: php-fpm starts, and the pools meant there are missing. A
//! glob that matches nothing is fine for redis-server. php-fpm refuses an array in `[global]`
//! ("Array are not allowed in the global section"); a `php_value` atop `b.conf` lands in
//! the pool `a.conf` declared. Too deep an `include=`, or a loop, stops it: "failed to
//! include more than 5 files recursively".
//!
//! ## Example
//! ```text
//! include /etc/redis/conf.d/sessions.conf     # the file was never deployed
//! ```
//!
//! ## Fix
//! Deploy the file, remove the line, or use a glob (`include /etc/redis/conf.d/*.conf`) when
//! the file is optional. Break include cycles.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::{FileId, Location, Model};

pub static RULE: Rule = Rule {
    code: Code::IncludeProblem,
    summary: "An include that is missing or loops",
    default_severity: Severity::Error,
    also: &[Severity::Warning],
    source: include_str!("sl004_include_problem.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for (i, f) in model.files.iter().enumerate() {
        for p in &f.include_problems {
            let at = Location { file: FileId(i), span: p.span };
            out.push(rule.diagnostic(p.severity, p.message.clone(), label(model, at, p.label)));
        }
    }
}
