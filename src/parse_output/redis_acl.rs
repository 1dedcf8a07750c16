//! `sesslint parse --kind redis-acl`: the `user` lines of an ACL file as redis-server reads
//! them at startup, in the shape of `--kind redis` (`[{"directive": "user", "args", "file",
//! "line"}]`); any refused line makes redis-server abort, so the file is not accepted.
//! Lines are numbered as redis-server numbers them (after a NUL join, one less per join).

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use super::{ParseOutput, Problem, Values};
use crate::source::Source;
use crate::syntax::redis_conf::LoadedDirective;
use crate::syntax::{redis_acl, FileKind};

/// `mask`: secret arguments shown as `********` when written.
pub(super) fn parse_output(source: &Source, mask: bool) -> ParseOutput {
    let acl = redis_acl::parse(&source.bytes);
    let file: Arc<Path> = Arc::from(source.path.as_path());
    let list = acl
        .users
        .iter()
        .map(|u| LoadedDirective {
            name: Cow::Borrowed("user"),
            args: std::iter::once(&u.name).chain(&u.rules).map(|a| a.as_slice().into()).collect(),
            file: file.clone(),
            line: acl.line_as_read(u.span.start).unwrap_or_else(|| source.position(u.span.start).line),
            span: u.span,
            // The file was read as redis-server reads it: the rules are its words already.
            joined: false,
        })
        .collect();
    let value = Values::Directives { list, mask };
    let mut problems: Vec<Problem> = super::problems_of(source, &acl.errors);
    for (p, e) in problems.iter_mut().zip(&acl.errors) {
        p.line = acl.line_as_read(e.span.start).unwrap_or(p.line);
    }
    let accepted = problems.is_empty();
    // The NUL bytes themselves, where they stand in the file (as `--kind redis` says them).
    problems.extend(super::problems_of(source, &acl.misread).into_iter().map(|mut p| {
        p.message = format!("warning: {}", p.message);
        p
    }));
    ParseOutput { kind: FileKind::RedisAcl, value, accepted, problems, complete: true }
}
