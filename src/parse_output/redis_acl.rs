//! `sesslint parse --kind redis-acl`: the `user` lines of an ACL file as redis-server reads
//! them at startup, in the shape of `--kind redis` (`[{"directive": "user", "args", "file",
//! "line"}]`); any refused line makes redis-server abort, so the file is not accepted.

use serde_json::{json, Value};

use super::{ParseOutput, Problem};
use crate::source::Source;
use crate::syntax::{redis_acl, FileKind};

pub(super) fn parse_output(source: &Source) -> ParseOutput {
    let acl = redis_acl::parse(&source.bytes);
    let value = Value::Array(
        acl.users
            .iter()
            .map(|u| {
                let args: Vec<String> =
                    std::iter::once(&u.name).chain(&u.rules).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
                json!({
                    "directive": "user",
                    "args": args,
                    "file": source.path.display().to_string(),
                    "line": source.position(u.span.start).line,
                })
            })
            .collect(),
    );
    let problems: Vec<Problem> = super::problems_of(source, &acl.errors);
    ParseOutput { kind: FileKind::RedisAcl, value, accepted: problems.is_empty(), problems }
}
