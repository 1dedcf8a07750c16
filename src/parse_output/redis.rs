//! `sesslint parse --kind redis`: the directives redis-server reads, in load order.
//!
//! value: `[{"directive", "args", "file", "line"}, ...]` with includes expanded in place.
//! The `include` line itself is listed (before the directives it brings in), so the list
//! shows where every file entered. Directives are listed up to and including the one
//! redis-server stops at. Arguments are the unescaped bytes (lossy UTF-8); secrets are not
//! masked here because this output is compared with `CONFIG GET`.

use std::path::Path;

use serde_json::{json, Value};

use super::{ParseOutput, Problem};
use crate::source::Source;
use crate::syntax::redis_conf::{LoadError, LoadErrorKind, Loader};
use crate::syntax::FileKind;

/// `root`: where absolute paths in the file resolve (`--root DIR`, as for `check`); the file
/// and its includes are read below it. Without it, only the file's directory and the
/// current one.
pub(super) fn parse_output(source: &Source, root: Option<&Path>) -> ParseOutput {
    // Includes are read from the file's directory or the current one (where redis-server
    // resolves relative names), or below --root, never from elsewhere on the machine: a file
    // handed to `sesslint parse` must not print `/home/*/.netrc` as its directives.
    let dir = source.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let loader = match root {
        Some(root) => {
            // The file's directory as redis-server would see it, below the root.
            let cwd = crate::confine::relative_to_root(dir, root).map(|rel| Path::new("/").join(rel));
            Loader {
                root: Some(root.to_path_buf()),
                cwd,
                confinement: crate::confine::Confinement::new(root, &[dir.to_path_buf()]),
                tree_is_a_copy: root.canonicalize().map_or(true, |r| r != Path::new("/")),
                ..Loader::new()
            }
        }
        None => Loader {
            confinement: crate::confine::Confinement::new(dir, &[std::path::PathBuf::from(".")]),
            ..Loader::new()
        },
    };
    let loaded = loader.load(source);
    let value = Value::Array(
        loaded
            .directives
            .iter()
            .map(|d| {
                let args: Vec<String> = d.args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
                json!({
                    "directive": d.name,
                    "args": args,
                    "file": d.file.display().to_string(),
                    "line": d.line,
                })
            })
            .collect(),
    );
    let problems = loaded
        .errors
        .iter()
        .map(|e| {
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
        .flatten()
        .chain(loaded.notes.iter().map(|n| Problem {
            path: n.file.clone(),
            line: n.line,
            column: n.column,
            message: match n.kind {
                LoadErrorKind::Syntax => format!("warning: {}", n.message),
                _ => format!(
                    "note: {}; absent in the tree below --root, so redis-server on the machine starts only if it exists there",
                    n.message
                ),
            },
        }))
        .collect();
    ParseOutput { kind: FileKind::Redis, value, problems, accepted: loaded.accepted() }
}

/// The text of the line an error is on, when it is in the top file (an included file's
/// line is not at hand here): `dir /var/lib/redis`.
fn loaded_line(source: &Source, e: &LoadError) -> String {
    let text = if e.file == source.path { source.bytes.get(e.span.start..e.span.end) } else { None };
    text.map(|t| String::from_utf8_lossy(t).trim().to_owned()).unwrap_or_else(|| e.directive.clone())
}
