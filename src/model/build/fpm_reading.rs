//! php-fpm's reading order: php-fpm.conf up to each `include=` line, the files that line
//! reads, then the rest, as [`FpmRead`] stretches over which php-fpm carries its section.

use crate::model::php::FpmRead;
use crate::span::Span;
use crate::syntax::ini::{IniDocument, NodeKind};

/// Why the section is not known after an `include=` whose files sesslint does not know.
const INCLUDE_NOT_KNOWN: &str = "an `include=` before it reads files sesslint does not know";
/// Why the section is not known after an `include=` in a file php-fpm.conf includes.
const NESTED_INCLUDE: &str = "an `include=` before it, in a file php-fpm.conf includes, is not followed by sesslint";
/// Why the section is not known after a file another php-fpm.conf's tree holds.
const CHECKED_ELSEWHERE: &str = "a file read before it is checked with another php-fpm.conf";
/// Why the section is not known at the top of a pool file no `include=` is known to read.
pub(super) const NOT_INCLUDED: &str = "no `include=` of a php-fpm.conf in the checked tree is known to read this file";

/// Whether `e` is php-fpm's `include` (its name in that case only; fpm_conf.c compares it
/// with `zend_string_equals_literal`), which php-fpm takes in any section.
pub(super) fn is_include(doc: &IniDocument, e: &crate::syntax::ini::Entry) -> bool {
    e.applied && e.offset.is_none() && doc.text(e.key) == b"include"
}

/// php-fpm's reading of php-fpm.conf `main` (file indices are the caller's). `includes`: each
/// `include=` line of `main`, by its span, with the files it reads in glob order (`None` when
/// sesslint does not know them); `mine(f)`: whether file `f` is read in this tree (a file
/// another php-fpm.conf's tree holds, or one read a second time, is not, and the section
/// after it is not known); `doc(f)`: a file's tree. php-fpm reads an included file's own
/// `include=` lines in turn; sesslint does not follow those, and the section after one is
/// not known.
pub(super) fn reading_of_main<'a>(
    main: usize,
    includes: &[(Span, Option<Vec<usize>>)],
    mut mine: impl FnMut(usize) -> bool,
    doc: impl Fn(usize) -> Option<&'a IniDocument>,
) -> Vec<FpmRead> {
    let mut out = Vec::new();
    let Some(main_doc) = doc(main) else { return out };
    let mut from = 0;
    for (i, node) in main_doc.nodes.iter().enumerate() {
        let NodeKind::Entry(e) = &node.kind else { continue };
        if !is_include(main_doc, e) {
            continue;
        }
        let Some((_, files)) = includes.iter().find(|(at, _)| at.start == node.span.start) else { continue };
        out.push(FpmRead::Nodes { file: main, nodes: from..i + 1 });
        from = i + 1;
        let Some(files) = files else {
            out.push(FpmRead::Unknown { why: INCLUDE_NOT_KNOWN });
            continue;
        };
        for &f in files {
            if !mine(f) {
                out.push(FpmRead::Unknown { why: CHECKED_ELSEWHERE });
                continue;
            }
            out.extend(reading_of_included(f, doc(f)));
        }
    }
    out.push(FpmRead::Nodes { file: main, nodes: from..main_doc.nodes.len() });
    out
}

/// An included file `f` (its tree `doc`): its nodes, with the section not known after each
/// `include=` line of its own.
pub(super) fn reading_of_included(f: usize, doc: Option<&IniDocument>) -> Vec<FpmRead> {
    let Some(doc) = doc else { return Vec::new() };
    let mut out = Vec::new();
    let mut from = 0;
    for (i, node) in doc.nodes.iter().enumerate() {
        if let NodeKind::Entry(e) = &node.kind {
            if is_include(doc, e) {
                out.push(FpmRead::Nodes { file: f, nodes: from..i + 1 });
                out.push(FpmRead::Unknown { why: NESTED_INCLUDE });
                from = i + 1;
            }
        }
    }
    out.push(FpmRead::Nodes { file: f, nodes: from..doc.nodes.len() });
    out
}

/// The files a reading reads, each once, in the order first read.
pub(super) fn files_read(reading: &[FpmRead]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for r in reading {
        if let FpmRead::Nodes { file, .. } = r {
            if !out.contains(file) {
                out.push(*file);
            }
        }
    }
    out
}

/// `reading` with its file indices mapped through `to` (an index of `files`).
pub(super) fn renumbered(reading: Vec<FpmRead>, files: &[usize]) -> Vec<FpmRead> {
    reading
        .into_iter()
        .filter_map(|r| match r {
            FpmRead::Nodes { file, nodes } => {
                files.iter().position(|&f| f == file).map(|file| FpmRead::Nodes { file, nodes })
            }
            unknown => Some(unknown),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ini(text: &str) -> IniDocument {
        crate::syntax::ini::parse_with(text.as_bytes(), crate::syntax::ini::ScanMode::PerLine)
    }

    #[test]
    fn included_files_are_read_where_the_include_line_stands() {
        let main = ini("[global]\ninclude=/p/*.conf\nx = 1\n");
        let a = ini("[a]\n");
        let b = ini("y = 2\n[b]\ninclude=/q.conf\nz = 3\n");
        let docs = [&main, &a, &b];
        let include_at = main
            .nodes
            .iter()
            .find(|n| matches!(&n.kind, NodeKind::Entry(e) if is_include(&main, e)))
            .map(|n| n.span)
            .expect("include line");
        let reading = reading_of_main(0, &[(include_at, Some(vec![1, 2]))], |_| true, |f| docs.get(f).copied());
        let last_main = main.nodes.len();
        assert!(matches!(reading.first(), Some(FpmRead::Nodes { file: 0, nodes }) if nodes.start == 0));
        assert!(matches!(reading.last(), Some(FpmRead::Nodes { file: 0, nodes }) if nodes.end == last_main));
        let files: Vec<Option<usize>> = reading
            .iter()
            .map(|r| match r {
                FpmRead::Nodes { file, .. } => Some(*file),
                FpmRead::Unknown { .. } => None,
            })
            .collect();
        assert_eq!(files, vec![Some(0), Some(1), Some(2), None, Some(2), Some(0)]);
        assert_eq!(files_read(&reading), vec![0, 1, 2]);
        // Not knowing the files an include reads leaves the section after it unknown.
        let reading = reading_of_main(0, &[(include_at, None)], |_| true, |f| docs.get(f).copied());
        assert!(matches!(reading[1], FpmRead::Unknown { why: INCLUDE_NOT_KNOWN }));
    }
}
