//! # SL006 unused-suppression
//!
//! ## What it does
//! Finds a code in a `sesslint: ignore[...]` comment that suppressed nothing on its line or
//! the line below.
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
//! (the value is quoted now; there is nothing to suppress)
//!
//! ## Fix
//! Remove the code from the comment, or the whole comment.

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

/// One finding per code that suppressed nothing.
pub fn unused(model: &Model, sups: &[crate::suppress::Suppression]) -> Vec<crate::diagnostic::Diagnostic> {
    let mut out = Vec::new();
    for s in sups {
        for (k, code) in s.codes.iter().enumerate() {
            let code = &code.text;
            if !s.used[k] {
                let at = crate::model::Location { file: s.file, span: s.span };
                out.push(RULE.diagnostic(
                    Severity::Warning,
                    format!("`{code}` suppresses nothing on this line or the next"),
                    super::label(model, at, "unused"),
                ));
            }
        }
    }
    out
}
