//! php-fpm's reading order: php-fpm.conf up to each `include=` line, the files that line
//! reads, then the rest, as [`FpmRead`] stretches over which php-fpm carries its section.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::model::php::FpmRead;
use crate::span::Span;
use crate::syntax::ini::{IniDocument, NodeKind};

/// Why the section is not known after an `include=` whose files sesslint does not know.
const INCLUDE_NOT_KNOWN: &str = "an `include=` before it reads files sesslint does not know";
/// Why the section is not known after an `include=` sesslint did not resolve.
const INCLUDE_NOT_FOLLOWED: &str =
    "an `include=` before it, in a file no php-fpm.conf's `include=` is known to read, is not followed";
/// Why the section is not known after a file another php-fpm.conf's tree holds.
pub(super) const CHECKED_ELSEWHERE: &str = "a file read before it is checked with another php-fpm.conf";
/// Why the section is not known after a file php-fpm reads a second time.
pub(super) const READ_AGAIN: &str =
    "php-fpm reads a file before it a second time, and sesslint checks each file in its first reading only";
/// Why the section is not known after an `include=` php-fpm fails on.
const INCLUDE_FAILS: &str = "php-fpm fails on an `include=` before it";
/// Why the section is not known at the top of a pool file no `include=` is known to read.
pub(super) const NOT_INCLUDED: &str = "no `include=` of a php-fpm.conf in the checked tree is known to read this file";

/// Files php-fpm has open at once at most: php-fpm.conf and four levels of `include=`
/// (fpm_conf_load_ini_file: `ini_recursion++ > 4` fails with "failed to include more than 5
/// files recursively", asked of php-fpm8.2).
pub(super) const MAX_OPEN: usize = 5;

/// The files one `include=` pattern reads, in glob order: one list shared by every line
/// naming the pattern (10,000 lines naming `pool.d/*.conf` hold one list, not 10,000).
pub(super) struct Matches {
    /// The files, in glob order (model indices).
    pub files: Vec<usize>,
    /// Each file's place in `files`.
    at: HashMap<usize, usize>,
}

impl Matches {
    /// The list of `files` (in glob order), shareable between lines.
    pub(super) fn new(files: Vec<usize>) -> Arc<Matches> {
        let at = files.iter().enumerate().map(|(k, &f)| (f, k)).collect();
        Arc::new(Matches { files, at })
    }
}

/// Each file's `include=` lines, in the order they stand (by span start), with the files
/// each reads in glob order (`None`: sesslint does not know them).
pub(super) type Resolved = HashMap<usize, Vec<(Span, Option<Arc<Matches>>)>>;

/// Whether `e` is php-fpm's `include` (its name in that case only; fpm_conf.c compares it
/// with `zend_string_equals_literal`), which php-fpm takes in any section.
pub(super) fn is_include(doc: &IniDocument, e: &crate::syntax::ini::Entry) -> bool {
    e.applied && e.offset.is_none() && doc.text(e.key) == b"include"
}

/// What a reading needs to know of the files (indices are the caller's), and what it has
/// read so far: each file is read once per reading, a second time being [`READ_AGAIN`].
pub(super) struct Reader<'r, 'a> {
    /// Each file's `include=` lines resolved ([`Resolved`]).
    pub resolved: &'r Resolved,
    /// A file's tree.
    pub doc: &'r dyn Fn(usize) -> Option<&'a IniDocument>,
    /// Whether file `f`, not read before in this reading, is read in it: `Err(why)` for a
    /// file another php-fpm.conf's tree holds ([`CHECKED_ELSEWHERE`]), after which the
    /// section is not known.
    pub mine: &'r mut dyn FnMut(usize) -> Result<(), &'static str>,
    /// What php-fpm refuses on the way (an include loop, too deep a nesting), by file.
    pub problems: Vec<(usize, crate::model::IncludeProblem)>,
    /// The files taken so far ([`Reader::take`]).
    seen: HashSet<usize>,
    /// For each list of matches met, how many of its first files are taken: a line whose
    /// list is taken already reads nothing new, and is judged in steps as few as the files
    /// open, not one per match (a file of N lines each including N files costs N, not N²).
    taken_prefix: HashMap<*const Matches, usize>,
}

impl<'r, 'a> Reader<'r, 'a> {
    /// A reading over `resolved` and `doc`, asking `mine` of each file once.
    pub(super) fn new(
        resolved: &'r Resolved,
        doc: &'r dyn Fn(usize) -> Option<&'a IniDocument>,
        mine: &'r mut dyn FnMut(usize) -> Result<(), &'static str>,
    ) -> Self {
        Reader { resolved, doc, mine, problems: Vec::new(), seen: HashSet::new(), taken_prefix: HashMap::new() }
    }

    /// Whether file `f` is read here: [`READ_AGAIN`] when this reading took it before,
    /// else what `mine` says.
    pub(super) fn take(&mut self, f: usize) -> Result<(), &'static str> {
        if !self.seen.insert(f) {
            return Err(READ_AGAIN);
        }
        (self.mine)(f)
    }

    /// How many of `list`'s first files are taken, counted on from where it was.
    fn taken_of(&mut self, list: &Matches) -> usize {
        let k = self.taken_prefix.entry(list as *const Matches).or_insert(0);
        while list.files.get(*k).is_some_and(|f| self.seen.contains(f)) {
            *k += 1;
        }
        *k
    }
}

/// php-fpm's reading of php-fpm.conf `main`: its nodes up to each `include=` line, then the
/// files that line reads (each read the same way in turn), then the rest.
pub(super) fn reading_of_main(main: usize, reader: &mut Reader<'_, '_>) -> Vec<FpmRead> {
    let mut out = Vec::new();
    reader.seen.insert(main);
    read_file(main, &mut vec![main], reader, &mut out);
    out
}

/// `why` the section is not known from here: after another such stretch only the last
/// says (it sets the section), so a run of them is kept as one.
fn push_unknown(out: &mut Vec<FpmRead>, why: &'static str) {
    match out.last_mut() {
        Some(FpmRead::Unknown { why: last }) => *last = why,
        _ => out.push(FpmRead::Unknown { why }),
    }
}

/// What php-fpm says when the `include=` standing with the files `open` reads `g`, or
/// `None` when it reads it.
fn refusal(g: usize, open: &[usize]) -> Option<&'static str> {
    if open.contains(&g) {
        Some("this `include=` reads again a file that is reading it (an include loop): php-fpm follows it until \"failed to include more than 5 files recursively\" and refuses to start")
    } else if open.len() >= MAX_OPEN {
        Some("this `include=` opens a sixth file at once (php-fpm.conf and the files including this one count): php-fpm says \"failed to include more than 5 files recursively\" and refuses to start")
    } else {
        None
    }
}

/// The reading of file `f`, read while the files on `open` (php-fpm.conf first, `f` last)
/// are open, `f` taken already: php-fpm reads what each `include=` line of `f` reads where
/// it stands.
pub(super) fn read_file(f: usize, open: &mut Vec<usize>, reader: &mut Reader<'_, '_>, out: &mut Vec<FpmRead>) {
    let Some(doc) = (reader.doc)(f) else { return };
    reader.seen.insert(f);
    let mut from = 0;
    for (i, node) in doc.nodes.iter().enumerate() {
        let NodeKind::Entry(e) = &node.kind else { continue };
        if !is_include(doc, e) {
            continue;
        }
        out.push(FpmRead::Nodes { file: f, nodes: from..i + 1 });
        from = i + 1;
        let line = reader.resolved.get(&f).and_then(|lines| {
            let k = lines.binary_search_by_key(&node.span.start, |(at, _)| at.start).ok()?;
            lines.get(k)
        });
        let list = match line {
            None => {
                push_unknown(out, INCLUDE_NOT_FOLLOWED);
                continue;
            }
            Some((_, None)) => {
                push_unknown(out, INCLUDE_NOT_KNOWN);
                continue;
            }
            Some((_, Some(list))) => Arc::clone(list),
        };
        let refuse = |reader: &mut Reader<'_, '_>, out: &mut Vec<FpmRead>, message: &str| {
            let problem = crate::model::IncludeProblem {
                label: "this include",
                span: node.span,
                message: message.to_owned(),
                severity: crate::diagnostic::Severity::Error,
            };
            reader.problems.push((f, problem));
            push_unknown(out, INCLUDE_FAILS);
        };
        // The files this reading took already are each read again (READ_AGAIN), unless
        // php-fpm stops at one first: the first that is open, or the first of all when a
        // sixth file would open.
        let taken = reader.taken_of(&list);
        if taken > 0 {
            let stop = if open.len() >= MAX_OPEN {
                Some(0)
            } else {
                open.iter().filter_map(|o| list.at.get(o).copied()).filter(|&k| k < taken).min()
            };
            if stop != Some(0) {
                push_unknown(out, READ_AGAIN);
            }
            if let Some(k) = stop {
                refuse(reader, out, refusal(list.files[k], open).unwrap_or_default());
                continue;
            }
        }
        for &g in &list.files[taken..] {
            if let Some(message) = refusal(g, open) {
                refuse(reader, out, message);
                break;
            }
            match reader.take(g) {
                Ok(()) => {
                    open.push(g);
                    read_file(g, open, reader, out);
                    open.pop();
                }
                Err(why) => push_unknown(out, why),
            }
        }
    }
    out.push(FpmRead::Nodes { file: f, nodes: from..doc.nodes.len() });
}

/// The files a reading reads, each once, in the order first read.
pub(super) fn files_read(reading: &[FpmRead]) -> Vec<usize> {
    let mut seen = HashSet::new();
    let mut out: Vec<usize> = Vec::new();
    for r in reading {
        if let FpmRead::Nodes { file, .. } = r {
            if seen.insert(*file) {
                out.push(*file);
            }
        }
    }
    out
}

/// `reading` with its file indices mapped through `to` (an index of `files`).
pub(super) fn renumbered(reading: Vec<FpmRead>, files: &[usize]) -> Vec<FpmRead> {
    let at: HashMap<usize, usize> = files.iter().enumerate().rev().map(|(k, &f)| (f, k)).collect();
    reading
        .into_iter()
        .filter_map(|r| match r {
            FpmRead::Nodes { file, nodes } => at.get(&file).map(|&file| FpmRead::Nodes { file, nodes }),
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

    fn include_at(doc: &IniDocument, nth: usize) -> Span {
        doc.nodes
            .iter()
            .filter(|n| matches!(&n.kind, NodeKind::Entry(e) if is_include(doc, e)))
            .nth(nth)
            .map(|n| n.span)
            .expect("include line")
    }

    /// The files of each stretch (`None`: not known) and the problems, for `docs[0]` read
    /// as php-fpm.conf with the include lines `resolved`.
    fn read(docs: &[&IniDocument], resolved: &Resolved) -> (Vec<Option<usize>>, Vec<usize>) {
        let doc = |f: usize| docs.get(f).copied();
        let mut seen = vec![false; docs.len()];
        let mut mine = |f: usize| if std::mem::replace(&mut seen[f], true) { Err(READ_AGAIN) } else { Ok(()) };
        let mut reader = Reader::new(resolved, &doc, &mut mine);
        let reading = reading_of_main(0, &mut reader);
        let files = reading
            .iter()
            .map(|r| match r {
                FpmRead::Nodes { file, .. } => Some(*file),
                FpmRead::Unknown { .. } => None,
            })
            .collect();
        (files, reader.problems.iter().map(|(f, _)| *f).collect())
    }

    #[test]
    fn included_files_are_read_where_the_include_line_stands() {
        let main = ini("[global]\ninclude=/p/*.conf\nx = 1\n");
        let a = ini("[a]\n");
        let b = ini("y = 2\n[b]\ninclude=/q.conf\nz = 3\n");
        let q = ini("w = 4\n");
        let docs = [&main, &a, &b, &q];
        let mut resolved = Resolved::new();
        resolved.insert(0, vec![(include_at(&main, 0), Some(Matches::new(vec![1, 2])))]);
        // b.conf's own include= not resolved: the section after it is not known.
        assert_eq!(read(&docs, &resolved).0, vec![Some(0), Some(1), Some(2), None, Some(2), Some(0)]);
        // Resolved: q.conf is read where b.conf's line stands.
        resolved.insert(2, vec![(include_at(&b, 0), Some(Matches::new(vec![3])))]);
        let (files, problems) = read(&docs, &resolved);
        assert_eq!(files, vec![Some(0), Some(1), Some(2), Some(3), Some(2), Some(0)]);
        assert!(problems.is_empty());
        let reading = {
            let doc = |f: usize| docs.get(f).copied();
            let mut mine = |_| Ok(());
            reading_of_main(0, &mut Reader::new(&resolved, &doc, &mut mine))
        };
        assert_eq!(files_read(&reading), vec![0, 1, 2, 3]);
        // Not knowing the files an include reads leaves the section after it unknown.
        resolved.insert(0, vec![(include_at(&main, 0), None)]);
        assert_eq!(read(&docs, &resolved).0, vec![Some(0), None, Some(0)]);
    }

    #[test]
    fn a_loop_or_a_sixth_open_file_is_refused_where_the_include_stands() {
        let main = ini("include=/1.conf\n");
        let chain: Vec<IniDocument> = (0..6).map(|_| ini("include=/next.conf\n")).collect();
        let mut docs = vec![&main];
        docs.extend(chain.iter());
        let mut resolved = Resolved::new();
        resolved.insert(0, vec![(include_at(&main, 0), Some(Matches::new(vec![1])))]);
        for (f, doc) in docs.iter().enumerate().take(6).skip(1) {
            resolved.insert(f, vec![(include_at(doc, 0), Some(Matches::new(vec![f + 1])))]);
        }
        // php-fpm.conf and 1..=4 open: 4's include= would open a sixth file.
        let (files, problems) = read(&docs, &resolved);
        assert_eq!(problems, vec![4]);
        assert_eq!(files.iter().flatten().max(), Some(&4));
        // 2 includes 1, which is reading it.
        resolved.insert(2, vec![(include_at(docs[2], 0), Some(Matches::new(vec![1])))]);
        assert_eq!(read(&docs, &resolved).1, vec![2]);
    }

    #[test]
    fn each_file_is_read_once_and_a_list_read_before_is_one_step() {
        // php-fpm.conf includes x1..x3, each including y1..y3 (one list): the y files are read
        // under x1; x2's and x3's lines read them again, one stretch not known each.
        let main = ini("include=/x/*.conf\n");
        let x = ini("[x]\ninclude=/y/*.conf\n");
        let y = ini("[y]\n");
        let docs = [&main, &x, &x, &x, &y, &y, &y];
        let (xs, ys) = (Matches::new(vec![1, 2, 3]), Matches::new(vec![4, 5, 6]));
        let mut resolved = Resolved::new();
        resolved.insert(0, vec![(include_at(&main, 0), Some(Arc::clone(&xs)))]);
        for f in 1..4 {
            resolved.insert(f, vec![(include_at(&x, 0), Some(Arc::clone(&ys)))]);
        }
        let (files, problems) = read(&docs, &resolved);
        let (k, u) = (Some, None);
        assert_eq!(files, vec![k(0), k(1), k(4), k(5), k(6), k(1), k(2), u, k(2), k(3), u, k(3), k(0)]);
        assert!(problems.is_empty());
        // Each x includes x/*.conf, the list that reads it: a loop at each, as php-fpm meets it
        // after reading again the files before it in the list.
        for f in 1..4 {
            resolved.insert(f, vec![(include_at(&x, 0), Some(Arc::clone(&xs)))]);
        }
        let (files, problems) = read(&docs, &resolved);
        assert_eq!(problems, vec![1, 2, 3]);
        assert_eq!(files, vec![k(0), k(1), u, k(1), k(2), u, k(2), k(3), u, k(3), k(0)]);
    }
}
