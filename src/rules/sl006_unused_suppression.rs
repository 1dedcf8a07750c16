//! # SL006 unused-suppression
//!
//! ## What it does
//! Finds a rule in a `sesslint: ignore[...]` comment that suppressed nothing on its line or
//! the line below. A comment names rules as `--ignore` does (a code, a code prefix, a rule
//! name or `ALL`); a word that names no rule (a mistyped name) is said so.
//!
//! A code is judged only when every rule it names ran on that file: a rule the run leaves
//! out (by `--select`, `--ignore`, `select`/`ignore` or `per-path-ignores` in sesslint.toml)
//! could not have been suppressed, and the run that applies it may need the suppression.
//!
//! ## Why it matters
//! Suppressions rot: the finding was fixed, the line moved, or the code was mistyped
//! (`SL20` for `SL202`... which is a valid prefix, but `SL2O2` is not). A stale suppression
//! would hide the next real finding at that place.
//!
//! ## Example
//! ```ini
//! ; sesslint: ignore[SL001]
//! session.save_path = "tcp://127.0.0.1:6379?auth=..."
//! ```
//! (the value is quoted now; there is nothing to suppress; `ignore[syntax-error]`, by the
//! rule's name, the same)
//!
//! ## Fix
//! Remove the code or name from the comment, or the whole comment.

use super::Rule;
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::Model;

pub static RULE: Rule = Rule {
    code: Code::UnusedSuppression,
    summary: "A suppression that suppresses nothing",
    default_severity: Severity::Warning,
    also: &[],
    source: include_str!("sl006_unused_suppression.rs"),
    check,
};

/// Findings of this rule need every other finding: `check::run` emits them after it has
/// applied the suppressions (see `unused`).
fn check(_: &Rule, _: &Model, _: &mut Vec<crate::diagnostic::Diagnostic>) {}

/// One finding per code that suppressed nothing although every rule it names ran on its
/// file. `applied(code, file)`: whether the run applies the rule of `code` to `file` (its
/// findings there reach the suppression pass). A code naming no rule is always reported.
pub fn unused(
    model: &Model,
    sups: &[crate::suppress::Suppression],
    applied: &dyn Fn(Code, crate::model::FileId) -> bool,
) -> Vec<crate::diagnostic::Diagnostic> {
    let mut out = Vec::new();
    for s in sups {
        for (k, code) in s.codes.iter().enumerate() {
            // Findings about suppressions are never suppressed: whether SL005/SL006 ran
            // does not matter to a suppression naming them.
            let judged = code.selector.as_ref().is_none_or(|sel| {
                Code::ALL
                    .iter()
                    .filter(|c| !matches!(c, Code::BlanketSuppression | Code::UnusedSuppression) && sel.matches(**c))
                    .all(|c| applied(*c, s.file))
            });
            if !s.used[k] && judged {
                let at = crate::model::Location { file: s.file, span: s.span };
                let text = crate::source::capped(&crate::source::printable(&code.text)).into_owned();
                let message = match &code.selector {
                    None if code.text.is_empty() => "an empty code (a stray comma) names no rule, so it suppresses nothing: a rule is a code (SL201), a code prefix (SL2) or a rule name (redis-missing-auth); `sesslint rules` lists them".to_owned(),
                    Some(_) => format!("`{text}` suppresses nothing on this line or the next"),
                    // What a rule may be is said as `--ignore` says it, without the whole list.
                    None => format!(
                        "`{text}` names no rule, so it suppresses nothing: a rule is a code (SL201), a code prefix (SL2) or a rule name (redis-missing-auth); `sesslint rules` lists them"
                    ),
                };
                out.push(RULE.diagnostic(Severity::Warning, message, super::label(model, at, "unused")));
            }
        }
    }
    out
}
