//! `sesslint parse --kind redis`: the directives redis-server reads, in load order.
//!
//! value: `[{"directive", "args", "file", "line"}, ...]` with includes expanded in place.
//! The `include` line itself is listed (before the directives it brings in), so the list
//! shows where every file entered. Directives are listed up to and including the one
//! redis-server stops at. Arguments are the unescaped bytes (lossy UTF-8); secrets are not
//! masked here because this output is compared with `CONFIG GET`.

use serde_json::{json, Value};

use super::{ParseOutput, Problem};
use crate::source::Source;
use crate::syntax::redis_conf::Loader;
use crate::syntax::FileKind;

pub(super) fn parse_output(source: &Source) -> ParseOutput {
    // Includes are read from the file's directory or the current one (where redis-server
    // resolves relative names), never from elsewhere on the machine: a file handed to
    // `sesslint parse` must not print `/home/*/.netrc` as its directives.
    let dir = source.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let confinement = crate::confine::Confinement::new(dir, &[std::path::PathBuf::from(".")]);
    let loaded = Loader { confinement, ..Loader::new() }.load(source);
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
        .map(|e| Problem { path: e.file.clone(), line: e.line, column: e.column, message: e.message.clone() })
        .collect();
    ParseOutput { kind: FileKind::Redis, value, problems, accepted: loaded.accepted() }
}
