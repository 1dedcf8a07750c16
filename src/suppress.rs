//! The suppression pass: the `sesslint: ignore[...]` comments the model keeps for each file
//! (found by [`crate::syntax::suppression`]) drop the findings on their line and the next.

use crate::codes::{Code, Selector};
use crate::diagnostic::Diagnostic;
use crate::model::{FileId, Model};
use crate::span::Span;

/// One suppression comment, with which of its codes suppressed something.
#[derive(Clone, Debug)]
pub struct Suppression {
    pub file: FileId,
    /// 1-based line of the comment.
    pub line: usize,
    /// The `sesslint: ignore[...]` text.
    pub span: Span,
    /// The codes or prefixes as written; empty for a bare `ignore` (which covers every code).
    pub codes: Vec<SuppressedCode>,
    /// Which of `codes` suppressed something (for a bare one: index 0 = anything).
    pub used: Vec<bool>,
    /// For a bare one: the codes of the findings it silenced, in order, once each.
    pub silenced: Vec<Code>,
}

/// A code in a suppression: as written, and what it selects (`None`: it names no rule, so it
/// suppresses nothing and SL006 says so).
#[derive(Clone, Debug)]
pub struct SuppressedCode {
    pub text: String,
    pub selector: Option<Selector>,
}

impl Suppression {
    pub fn is_bare(&self) -> bool {
        self.codes.is_empty()
    }
}

/// Every suppression in the model's files, none used yet.
pub fn collect(model: &Model) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (i, f) in model.files.iter().enumerate() {
        for c in &f.ignore_comments {
            let used = vec![false; c.codes.len().max(1)];
            let codes =
                c.codes.iter().map(|t| SuppressedCode { text: t.clone(), selector: Selector::parse(t).ok() }).collect();
            out.push(Suppression { file: FileId(i), line: c.line, span: c.span, codes, used, silenced: Vec::new() });
        }
    }
    out
}

/// The note `--select` prints for a rule's old name ([`crate::codes::RENAMED`]), once per
/// suppression comment that uses one, as `PATH:LINE: rule `OLD` is now named `NEW` (CODE)`
/// (the comment still suppresses that rule). In file order.
pub fn renamed_notes(model: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for f in &model.files {
        for c in &f.ignore_comments {
            for note in c.codes.iter().filter_map(|t| Code::renamed_note(t)) {
                let path = crate::source::display_path(&f.source.path);
                out.push(format!("{path}:{}: {note}", c.line));
            }
        }
    }
    out
}

/// Say in each SL005 finding what its bare suppression silences now, so that the codes to
/// write are the ones it is really used for.
pub fn name_silenced_codes(model: &Model, diagnostics: &mut [Diagnostic], sups: &[Suppression]) {
    for d in diagnostics.iter_mut().filter(|d| d.code == Code::BlanketSuppression) {
        let Some(s) = sups.iter().find(|s| model.path(s.file) == d.primary.path && s.span == d.primary.span) else {
            continue;
        };
        let codes: Vec<&str> = s.silenced.iter().map(|c| c.as_str()).collect();
        d.message = if codes.is_empty() {
            "`sesslint: ignore` without codes silences every rule on its line and the next (nothing yet): name the codes it is meant for".to_owned()
        } else {
            format!(
                "`sesslint: ignore` without codes silences every rule on its line and the next (now {}): write `sesslint: ignore[{}]`",
                codes.join(", "),
                codes.join(", ")
            )
        };
    }
}

/// Drop the findings a suppression covers; mark which suppressions were used.
pub fn apply(model: &Model, diagnostics: Vec<Diagnostic>, sups: &mut [Suppression]) -> Vec<Diagnostic> {
    // A file without suppressions needs no line of its findings (nor its line index).
    let with_sups: std::collections::HashSet<FileId> = sups.iter().map(|s| s.file).collect();
    let line_of = |path: &std::path::Path, offset: usize| -> Option<(FileId, usize)> {
        let id = model.file_id(path).filter(|id| with_sups.contains(id))?;
        Some((id, model.file(id).source.line_of(offset)))
    };
    diagnostics
        .into_iter()
        .filter(|d| {
            // Findings about suppressions cannot be suppressed by the suppression itself.
            if matches!(d.code, Code::BlanketSuppression | Code::UnusedSuppression) {
                return true;
            }
            let Some((file, line)) = line_of(&d.primary.path, d.primary.span.start) else { return true };
            let mut suppressed = false;
            for s in sups.iter_mut().filter(|s| s.file == file && (s.line == line || s.line + 1 == line)) {
                if s.is_bare() {
                    s.used[0] = true;
                    suppressed = true;
                    if !s.silenced.contains(&d.code) {
                        s.silenced.push(d.code);
                    }
                }
                for (k, c) in s.codes.iter().enumerate() {
                    if c.selector.as_ref().is_some_and(|sel| sel.matches(d.code)) {
                        s.used[k] = true;
                        suppressed = true;
                    }
                }
            }
            !suppressed
        })
        .collect()
}
