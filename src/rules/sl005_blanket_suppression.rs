//! # SL005 blanket-suppression
//!
//! ## What it does
//! Finds a `sesslint: ignore` comment that names no rules, and says which codes it
//! silences now (the ones to write in its brackets, or the rules' names).
//!
//! ## Why it matters
//! A bare suppression silences every rule on its line and the next, including findings
//! that do not exist yet: the day someone removes `requirepass` below it, nothing is said.
//! Naming the rules (codes or names, as `--ignore` takes them) keeps the suppression to
//! what was reviewed.
//!
//! ## Example
//! ```text
//! # sesslint: ignore
//! bind 0.0.0.0
//! ```
//!
//! ## Fix
//! ```text
//! # sesslint: ignore[SL202]  (behind the firewall of the sessions VLAN, ticket OPS-112)
//! bind 0.0.0.0
//! ```
//! or by the rule's name, `# sesslint: ignore[redis-exposed-without-tunnel]`.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::{FileId, Location, Model};

pub static RULE: Rule = Rule {
    code: Code::BlanketSuppression,
    summary: "A `sesslint: ignore` comment without rule codes",
    default_severity: Severity::Warning,
    also: &[],
    source: include_str!("sl005_blanket_suppression.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    let bare = model.files.iter().enumerate().flat_map(|(i, f)| {
        f.ignore_comments.iter().filter(|c| c.codes.is_empty()).map(move |c| Location { file: FileId(i), span: c.span })
    });
    for at in bare {
        out.push(
            rule.diagnostic(
                Severity::Warning,
                "`sesslint: ignore` without codes silences every rule on its line and the next: name the codes it is meant for",
                label(model, at, "no codes"),
            )
            .with_help("list the codes this line is reviewed for"),
        );
    }
}
