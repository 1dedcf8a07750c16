//! sesslint diagnostics as LSP diagnostics: ranges in the client's encoding, related places
//! in other files, messages masked like every other output.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Range, TextEdit, Uri};

use super::convert::{path_to_uri, Encoding, LineIndex};
use crate::diagnostic::{Diagnostic, Edit, Label, Severity};
use crate::model::Model;
use crate::report::ReportContext;

/// Turns spans of the model's files into LSP ranges, one line index per file.
pub struct Ranges<'m> {
    model: &'m Model,
    enc: Encoding,
    indexes: HashMap<PathBuf, LineIndex<'m>>,
}

impl<'m> Ranges<'m> {
    pub fn new(model: &'m Model, enc: Encoding) -> Self {
        Ranges { model, enc, indexes: HashMap::new() }
    }

    pub fn index(&mut self, path: &Path) -> &LineIndex<'m> {
        let model = self.model;
        self.indexes.entry(path.to_path_buf()).or_insert_with(|| {
            let text = model.file_id(path).map(|id| &model.file(id).source.bytes[..]).unwrap_or(b"");
            LineIndex::new(text)
        })
    }

    pub fn range(&mut self, path: &Path, span: crate::Span) -> Range {
        let enc = self.enc;
        self.index(path).range(span, enc)
    }

    pub fn location(&mut self, label: &Label) -> Option<Location> {
        Some(Location { uri: path_to_uri(&label.path)?, range: self.range(&label.path, label.span) })
    }

    pub fn text_edit(&mut self, edit: &Edit) -> TextEdit {
        TextEdit { range: self.range(edit.path(), edit.span()), new_text: edit.content().to_owned() }
    }
}

pub fn to_lsp(d: &Diagnostic, ctx: &ReportContext<'_>, ranges: &mut Ranges<'_>) -> lsp_types::Diagnostic {
    let mut message = ctx.text(&d.message);
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(&ctx.text(help));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation { location: ranges.location(l)?, message: ctx.text(&l.message) })
        })
        .collect();
    lsp_types::Diagnostic {
        range: ranges.range(&d.primary.path, d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: None,
        source: Some("sesslint".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// Every diagnostic of the analysis, converted, by the file it is in.
pub fn by_file(
    diagnostics: &[Diagnostic],
    ctx: &ReportContext<'_>,
    ranges: &mut Ranges<'_>,
) -> HashMap<PathBuf, Vec<lsp_types::Diagnostic>> {
    let mut out: HashMap<PathBuf, Vec<lsp_types::Diagnostic>> = HashMap::new();
    for d in diagnostics {
        out.entry(d.primary.path.clone()).or_default().push(to_lsp(d, ctx, ranges));
    }
    out
}

/// What to send: `(uri, version, diagnostics)` for every open document, and for every
/// other file whose diagnostics differ from what was last published (cleared when gone).
pub fn plan(
    mut current: HashMap<PathBuf, Vec<lsp_types::Diagnostic>>,
    open: &[(PathBuf, Uri, i32)],
    published: &mut HashMap<PathBuf, Vec<lsp_types::Diagnostic>>,
) -> Vec<(Uri, Option<i32>, Vec<lsp_types::Diagnostic>)> {
    let mut out = Vec::new();
    for (path, uri, version) in open {
        let list = current.remove(path).unwrap_or_default();
        published.insert(path.clone(), list.clone());
        out.push((uri.clone(), Some(*version), list));
    }
    let open_paths: std::collections::HashSet<&PathBuf> = open.iter().map(|(o, _, _)| o).collect();
    let mut stale: Vec<PathBuf> =
        published.keys().filter(|p| !current.contains_key(*p) && !open_paths.contains(p)).cloned().collect();
    stale.sort();
    for path in stale {
        if published.get(&path).is_some_and(|l| !l.is_empty()) {
            if let Some(uri) = path_to_uri(&path) {
                out.push((uri, None, Vec::new()));
            }
        }
        published.remove(&path);
    }
    let mut rest: Vec<(PathBuf, Vec<lsp_types::Diagnostic>)> = current.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, list) in rest {
        if published.get(&path) != Some(&list) {
            if let Some(uri) = path_to_uri(&path) {
                out.push((uri, None, list.clone()));
            }
            published.insert(path, list);
        }
    }
    out
}
