//! `sesslint parse --kind redis`: the directives redis-server reads, in load order.
//!
//! value: `[{"directive", "args", "file", "line"}, ...]` with includes expanded in place.
//! The `include` line itself is listed (before the directives it brings in), so the list
//! shows where every file entered. Directives are listed up to and including the one
//! redis-server stops at. An include sesslint does not read (outside the tree `check` reads
//! for the file, see [`super::Tree`]) is listed unexpanded, the directives after it still
//! are, and the output is not complete. Arguments are the unescaped bytes (lossy UTF-8);
//! secrets are masked unless `--show-secrets` (which the comparison with `CONFIG GET` passes).

use std::path::Path;

use std::borrow::Cow;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::{ParseOutput, Problem, Values};
use crate::source::Source;
use crate::syntax::redis_conf::{LoadError, LoadErrorKind, LoadedDirective, Loader};
use crate::syntax::FileKind;

/// `tree`: where the file's absolute paths resolve and what may be read ([`super::Tree`], as
/// `check` reads the file's tree): includes outside it are listed unexpanded, never read.
/// `mask`: secret arguments shown as `********` when written.
pub(super) fn parse_output(source: &Source, tree: &super::Tree, mask: bool) -> ParseOutput {
    // Relative includes resolve against the current directory (redis-server's), below the
    // root the file's directory; either way read only inside the tree: a file handed to
    // `sesslint parse` must not print `/home/*/.netrc` or a host directory's `*.conf` as
    // its directives.
    let dir = source.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let root = tree.root.as_deref();
    let loader = match root {
        Some(root) => {
            // The file's directory as redis-server would see it, below the root.
            let cwd = crate::confine::relative_to_root(dir, root).map(|rel| Path::new("/").join(rel));
            Loader {
                root: Some(root.to_path_buf()),
                cwd,
                confinement: tree.confinement.clone(),
                tree_is_a_copy: root.canonicalize().map_or(true, |r| r != Path::new("/")),
                ..Loader::new()
            }
        }
        None => Loader { confinement: tree.confinement.clone(), ..Loader::new() },
    };
    // An include sesslint does not read is not redis-server's refusal: the file's own
    // directives after it are still listed, and the run says what is missing.
    let loader = Loader { read_past_unread_includes: true, ..loader };
    let mut loaded = loader.load(source);
    let unread: Vec<Problem> = loaded
        .unread
        .iter()
        .map(|e| {
            let hint = if root.is_none() && !e.message.contains("--root") {
                "; to read the file's absolute includes from a copied tree, give that tree's top as --root DIR"
            } else {
                ""
            };
            Problem {
                path: e.file.clone(),
                line: e.line,
                column: e.column,
                message: format!(
                    "{}{hint}; its directives are not listed, and whether redis-server accepts the whole is not known",
                    e.message
                ),
            }
        })
        .collect();
    let mut problems: Vec<Problem> = loaded
        .errors
        .iter()
        .flat_map(|e| {
            let mut message = e.message.clone();
            if root.is_none() && e.message.starts_with("sesslint does not read") && !e.message.contains("--root") {
                message.push_str(
                    "; to read the file's absolute includes from a copied tree, give that tree's top as --root DIR",
                );
            }
            let mut out = vec![Problem { path: e.file.clone(), line: e.line, column: e.column, message }];
            // redis-server's message names no path (its log echoes the line): say which.
            if matches!(e.kind, LoadErrorKind::Dir | LoadErrorKind::LogFile) && !e.directive.is_empty() {
                let line = loaded_line(source, e);
                out.push(Problem {
                    path: e.file.clone(),
                    line: e.line,
                    column: e.column,
                    message: format!("note: the path is the one in `{line}`"),
                });
            }
            out
        })
        .chain(loaded.notes.iter().map(|n| Problem {
            path: n.file.clone(),
            line: n.line,
            column: n.column,
            message: match n.kind {
                LoadErrorKind::Syntax => format!("warning: {}", n.message),
                _ => format!(
                    "note: {}; absent in the tree below {}, so redis-server on the machine starts only if it exists there",
                    n.message,
                    if tree.given { "--root" } else { "the root" }
                ),
            },
        }))
        .collect();
    let complete = unread.is_empty();
    problems.splice(0..0, unread);
    // Past MAX_NOTES each list is counted, not listed: a file of a million NUL lines or
    // unread includes prints 500 and a count, not a line each.
    let left_out = |n: usize, what: &str, last: Option<&LoadError>| {
        let (path, line, column) = last.map_or((source.path.clone(), 1, 1), |e| (e.file.clone(), e.line, e.column));
        let message = format!("{n} more {what} left out (at most {})", crate::syntax::redis_conf::MAX_NOTES);
        Problem { path, line, column, message }
    };
    if loaded.unread_left_out > 0 {
        let at = left_out(loaded.unread_left_out, "include(s) not read", loaded.unread.last());
        problems.insert(loaded.unread.len(), at);
    }
    if loaded.notes_left_out > 0 {
        problems.push(left_out(loaded.notes_left_out, "warning(s) and note(s)", loaded.notes.last()));
    }
    let accepted = loaded.accepted();
    let value = Values::Directives { list: std::mem::take(&mut loaded.directives), mask };
    ParseOutput { kind: FileKind::Redis, value, problems, accepted, complete }
}

/// The directive list as JSON, written from the loaded directives one at a time (a 16 MiB
/// file has 2.4 million of them: no `serde_json::Value` of them all).
pub(super) struct DirectivesJson<'a> {
    pub list: &'a [LoadedDirective],
    pub mask: bool,
}

impl Serialize for DirectivesJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.list.len()))?;
        for d in self.list {
            seq.serialize_element(&DirectiveJson { d, mask: self.mask })?;
        }
        seq.end()
    }
}

struct DirectiveJson<'a> {
    d: &'a LoadedDirective,
    mask: bool,
}

impl Serialize for DirectiveJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let d = self.d;
        let mut args: Vec<Cow<'_, str>> = d.args.iter().map(|a| String::from_utf8_lossy(a)).collect();
        let name = if self.mask {
            super::mask::redis_directive(&d.name, &mut args, d.joined)
        } else {
            Cow::Borrowed(&*d.name)
        };
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("directive", &name)?;
        map.serialize_entry("args", &args)?;
        map.serialize_entry("file", &d.file.display().to_string())?;
        map.serialize_entry("line", &d.line)?;
        map.end()
    }
}

/// The text of the line an error is on, when it is in the top file (an included file's
/// line is not at hand here): `dir /var/lib/redis`.
fn loaded_line(source: &Source, e: &LoadError) -> String {
    let text = if e.file == source.path { source.bytes.get(e.span.start..e.span.end) } else { None };
    text.map(|t| String::from_utf8_lossy(t).trim().to_owned()).unwrap_or_else(|| e.directive.clone())
}
