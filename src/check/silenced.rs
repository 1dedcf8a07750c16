//! What a `sesslint.toml` keeps from failing a run. A repository's own config file decides
//! which rules run and at what severity, as ruff's `pyproject.toml` does; ruff still reports
//! a file it cannot parse whatever is selected. sesslint's rules stay configurable
//! (a suppression of SL001 on one line is a user's choice), but a broken or unread tree
//! must not pass without a word: the findings of the rules that say a file is not read as
//! the programs read it are counted here, for the caller to say.

use crate::codes::Code;
use crate::config::Config;
use crate::diagnostic::Severity;
use crate::model::Model;

/// The rules whose findings mean that a file is not read as PHP, php-fpm or redis-server
/// read it (SL001: a line the program refuses or stops at), or not read at all (SL002:
/// unreadable, refused, or left out by a bound).
pub const REFUSALS: [Code; 2] = [Code::SyntaxError, Code::UnreadableFile];

/// The findings of [`REFUSALS`] that fail a run with the default settings (severity
/// warning or above) and that `config` keeps from failing this one: rule not selected or
/// ignored, ignored for the file's path (`per-path-ignores`), or its severity or `fail-on`
/// set so that it no longer reaches `fail-on`. Counted per rule, in [`REFUSALS`]' order,
/// rules with none left out. Empty, and no rule run, when `config` came from no file (the
/// command line is the user's word for this run) or changes nothing for these rules.
/// Inline suppressions are not counted: they stand in the file, next to what they silence.
pub fn silenced_refusals(model: &Model, config: &Config) -> Vec<(Code, usize)> {
    if config.path.is_none() || !touches_refusals(config) {
        return Vec::new();
    }
    let fail_on = config.fail_on.unwrap_or(Severity::Warning);
    let found = crate::rules::check_selected(model, |r| REFUSALS.contains(&r.code));
    let mut counts = [0usize; REFUSALS.len()];
    for d in found.iter().filter(|d| d.severity >= Severity::Warning) {
        let severity = config.severity.get(&d.code).copied().unwrap_or(d.severity);
        let kept = config.enabled(d.code)
            && (config.per_path_ignores.is_empty() || !config.ignored_in(d.code, &d.primary.path))
            && severity >= fail_on;
        if !kept {
            if let Some(i) = REFUSALS.iter().position(|c| *c == d.code) {
                counts[i] += 1;
            }
        }
    }
    REFUSALS.iter().copied().zip(counts).filter(|(_, n)| *n > 0).collect()
}

/// Whether any setting of `config` can keep a refusal from failing the run: without one,
/// the rules need not run twice.
fn touches_refusals(config: &Config) -> bool {
    config.fail_on.is_some_and(|f| f > Severity::Warning)
        || REFUSALS.iter().any(|&code| {
            !config.enabled(code)
                || config.severity.get(&code).is_some_and(|s| *s < Severity::Error)
                || config.per_path_ignores.iter().any(|(_, codes)| codes.iter().any(|c| c.matches(code)))
        })
}
