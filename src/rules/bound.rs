//! The findings a rule makes from one file's list of records (syntax errors, unknown
//! directives): at most the report's cap of them, the rest only counted.

use crate::codes::Code;
use crate::model::{FileId, Model};
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

/// How many findings of `code` a rule left unmade in `file` ([`made`]): the report counts
/// them in the summary at its last one made. 0 for the rules that make all of theirs.
pub fn left_out(model: &Model, file: FileId, code: Code) -> usize {
    let f = model.file(file);
    let unmade = |spans: &[Span]| made(model, file, spans).map_or(0, |m| m.iter().filter(|k| !**k).count());
    let spans = |list: &mut dyn Iterator<Item = Span>| list.collect::<Vec<Span>>();
    match code {
        Code::SyntaxError => {
            unmade(&spans(&mut f.syntax_errors.iter().map(|e| e.span)))
                + unmade(&spans(&mut f.syntax_warnings.iter().map(|e| e.span)))
        }
        Code::UnknownDirective => unmade(&spans(&mut f.unknown_directives.iter().map(|u| u.span))),
        _ => 0,
    }
}
