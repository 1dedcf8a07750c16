//! The rules' fixes as quick fixes: one code action per fixable diagnostic at the cursor,
//! preferred when the fix is safe, with exactly the edits `check --fix` applies (the edit
//! engine's [`applicable`] decides which; display-only fixes are never offered).

use std::collections::HashMap;
use std::path::Path;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, TextEdit, Uri, WorkspaceEdit};

use super::convert::path_to_uri;
use super::diagnostics::{to_lsp, Ranges};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::edit::fix::{applicable, FixOptions};
use crate::report::ReportContext;
use crate::span::Span;

#[allow(clippy::mutable_key_type)] // lsp_types::Uri is hashed by its text
pub fn quick_fixes(
    diagnostics: &[Diagnostic],
    path: &Path,
    at: Span,
    ctx: &ReportContext<'_>,
    ranges: &mut Ranges<'_>,
) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    for d in diagnostics {
        let Some(fix) = &d.fix else { continue };
        // The user reviews a quick fix before taking it: unsafe ones are offered too.
        if d.primary.path != path || !applicable(fix, FixOptions { unsafe_fixes: true }) {
            continue;
        }
        // Touching, not only overlapping: a cursor right after the value still counts.
        if d.primary.span.start > at.end || at.start > d.primary.span.end {
            continue;
        }
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        let mut complete = true;
        for e in fix.edits() {
            match path_to_uri(e.path()) {
                Some(uri) => changes.entry(uri).or_default().push(ranges.text_edit(e)),
                None => complete = false,
            }
        }
        if !complete {
            continue;
        }
        let title = match fix.applicability() {
            Applicability::Unsafe => format!("{} ({}; review: changes behaviour)", ctx.text(fix.title()), d.code),
            _ => format!("{} ({})", ctx.text(fix.title()), d.code),
        };
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![to_lsp(d, ctx, ranges)]),
            edit: Some(WorkspaceEdit { changes: Some(changes), document_changes: None, change_annotations: None }),
            command: None,
            is_preferred: Some(fix.applicability() == Applicability::Safe),
            disabled: None,
            data: None,
        }));
    }
    out
}
