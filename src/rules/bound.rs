//! The findings a rule makes from one file's list of records (syntax errors, unknown
//! directives): at most the report's cap of them, the rest only counted.

use std::collections::HashMap;

use crate::codes::Code;
use crate::model::{FileId, Location, Model};
use crate::span::Span;

/// Findings the report keeps per rule per file (`check`); the rest become one finding saying
/// how many were left out, so the output is bounded whatever the input (a million broken lines).
pub const MAX_PER_RULE_AND_FILE: usize = 100;

/// Records of one list a rule makes a finding of, per file, besides those a suppression
/// comment may cover: the report keeps [`MAX_PER_RULE_AND_FILE`] of a rule's findings per
/// file and puts its summary at the next one, so one more is made; the others (a file where
/// every line is an error: 1.1 KB of memory a line) are counted instead.
pub const MADE_PER_LIST: usize = MAX_PER_RULE_AND_FILE + 1;

/// Which records of `spans` (one file's list, in any order) a rule makes findings of:
/// `None` for all of them (the list is short); else one flag per record: the first
/// [`MADE_PER_LIST`] by position (then list order, as the report's stable sort orders
/// them) and every record on a line a `sesslint: ignore` comment of the file covers (the
/// suppression pass must see those). A record left out sorts after the last one made.
pub fn made(model: &Model, file: FileId, spans: &[Span]) -> Option<Vec<bool>> {
    if spans.len() <= MADE_PER_LIST {
        return None;
    }
    let f = model.file(file);
    let covered = |s: &Span| {
        !f.ignore_comments.is_empty() && {
            let line = f.source.line_of(s.start);
            f.ignore_comments.iter().any(|c| c.line == line || c.line + 1 == line)
        }
    };
    let mut made: Vec<bool> = spans.iter().map(covered).collect();
    let mut open: Vec<(usize, usize)> =
        spans.iter().enumerate().filter(|(i, _)| !made[*i]).map(|(i, s)| (s.start, i)).collect();
    if open.len() > MADE_PER_LIST {
        open.select_nth_unstable(MADE_PER_LIST - 1);
        open.truncate(MADE_PER_LIST);
    }
    for (_, i) in open {
        made[i] = true;
    }
    Some(made)
}

/// [`made`] for records in any files (a rule's places over the whole model, in any order):
/// one flag per place, each file's places chosen as [`made`] chooses them.
pub fn made_at(model: &Model, places: &[Location]) -> Vec<bool> {
    let mut flags = vec![true; places.len()];
    for (file, at) in by_file(places) {
        if let Some(m) = made(model, file, &at.iter().map(|&i| places[i].span).collect::<Vec<_>>()) {
            for (&i, keep) in at.iter().zip(m) {
                flags[i] = keep;
            }
        }
    }
    flags
}

/// The indices of `places` in each file, in list order, only of the files with more places
/// than [`MADE_PER_LIST`] (the others' are all made).
fn by_file(places: &[Location]) -> HashMap<FileId, Vec<usize>> {
    let mut count: HashMap<FileId, usize> = HashMap::new();
    for p in places {
        *count.entry(p.file).or_default() += 1;
    }
    let mut at: HashMap<FileId, Vec<usize>> = HashMap::new();
    for (i, p) in places.iter().enumerate() {
        if count[&p.file] > MADE_PER_LIST {
            at.entry(p.file).or_default().push(i);
        }
    }
    at
}

/// How many findings of `code` a rule left unmade ([`made`], [`made_at`]) in each file that
/// has any: the report counts them in the summary at its last one made. Empty for the rules
/// that make all of theirs. One pass over the rule's records for all files.
pub fn left_out(model: &Model, code: Code) -> HashMap<FileId, usize> {
    let lists = |f: &crate::model::LoadedFile| -> Vec<Vec<Span>> {
        match code {
            Code::SyntaxError => vec![
                f.syntax_errors.iter().map(|e| e.span).collect(),
                f.syntax_warnings.iter().map(|e| e.span).collect(),
            ],
            _ => vec![f.unknown_directives.iter().map(|u| u.span).collect()],
        }
    };
    let long = |f: &crate::model::LoadedFile| match code {
        Code::SyntaxError => f.syntax_errors.len().max(f.syntax_warnings.len()) > MADE_PER_LIST,
        _ => f.unknown_directives.len() > MADE_PER_LIST,
    };
    match code {
        Code::FilesSessionHandler => unmade_at(model, &super::sl101_files_session_handler::places(model)),
        Code::WeakPassword => unmade_at(model, &super::sl204_weak_password::places(model)),
        Code::MagentoSessionConfigInvalid => {
            unmade_at(model, &super::sl302_magento_session_config_invalid::places(model))
        }
        Code::SyntaxError | Code::UnknownDirective => {
            let mut out = HashMap::new();
            for (i, f) in model.files.iter().enumerate().filter(|(_, f)| long(f)) {
                let file = FileId(i);
                let n: usize = lists(f)
                    .iter()
                    .map(|spans| made(model, file, spans).map_or(0, |m| m.iter().filter(|k| !**k).count()))
                    .sum();
                out.insert(file, n);
            }
            out
        }
        _ => HashMap::new(),
    }
}

/// How many of `places` [`made_at`] leaves unmade, per file.
fn unmade_at(model: &Model, places: &[Location]) -> HashMap<FileId, usize> {
    let mut out = HashMap::new();
    for (place, keep) in places.iter().zip(made_at(model, places)) {
        if !keep {
            *out.entry(place.file).or_default() += 1;
        }
    }
    out
}
