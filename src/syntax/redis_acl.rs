//! The ACL file `aclfile` names: one `user NAME rule...` per line and nothing else, read by
//! redis-server at startup (redis@7.0.15:src/acl.c ACLLoadFromFile); what it refuses.
//!
//! The words are split like redis.conf's ([`redis_conf::parse`]), but the file has its own
//! rules: no comments, `user` in lower case only, each user once.

use crate::span::Span;
use crate::syntax::redis_conf::fgets::FgetsView;
use crate::syntax::redis_conf::{self, LineKind};
use crate::syntax::SyntaxError;

/// One `user` line: the user name, its rules (as redis-server sees them) and the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclLine {
    pub name: Vec<u8>,
    pub rules: Vec<Vec<u8>>,
    /// The whole line, for locations.
    pub span: Span,
    /// The spans of `>password` / `<password` / `#hash` values (without their marker).
    pub secrets: Vec<Span>,
}

/// An ACL file as read: its `user` lines and the lines redis-server refuses. One refused
/// line makes redis-server abort at startup ("Aborting Redis startup because of ACL errors").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AclFile {
    pub users: Vec<AclLine>,
    pub errors: Vec<SyntaxError>,
}

/// Read an ACL file's bytes as redis-server does (redis@7.0.15:src/acl.c ACLLoadFromFile
/// appends fgets() reads with sdscat(): a NUL drops the rest of its read and the next line
/// may join, [`FgetsView`]). Messages are redis-server's (`<file>:<line>` left out); spans
/// are of the file (a line across a join covers the dropped text too).
pub fn parse(bytes: &[u8]) -> AclFile {
    if memchr::memchr(0, bytes).is_none() {
        return parse_read(bytes);
    }
    let view = FgetsView::of(bytes);
    let mut out = parse_read(&view.kept);
    for u in &mut out.users {
        u.span = view.file_span(u.span);
        for s in &mut u.secrets {
            *s = view.file_span(*s);
        }
    }
    for e in &mut out.errors {
        e.span = view.file_span(e.span);
    }
    out
}

/// [`parse`] of the bytes redis-server keeps.
fn parse_read(bytes: &[u8]) -> AclFile {
    let conf = redis_conf::parse(bytes);
    let mut out = AclFile::default();
    let mut checker = redis_conf::Checker::new();
    let mut seen: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    for line in conf.lines() {
        let keyword_error = || {
            SyntaxError::new(
                line.content,
                "should start with user keyword followed by the username (an ACL file has only `user` lines: no comments, `user` in lower case)",
            )
        };
        let d = match &line.kind {
            LineKind::Blank => continue,
            LineKind::Comment => {
                out.errors.push(keyword_error());
                continue;
            }
            // A NUL byte: refused as before (any error refuses the whole ACL file).
            LineKind::Error(_) | LineKind::Misread(_) => {
                out.errors.push(SyntaxError::new(line.content, "Syntax error"));
                continue;
            }
            LineKind::Directive(d) => d,
        };
        let args = d.args();
        if d.name.value != b"user" || args.is_empty() {
            out.errors.push(keyword_error());
            continue;
        }
        let name = args[0].value.to_vec();
        if seen.contains(&name) {
            out.errors.push(SyntaxError::new(
                line.content,
                format!("Duplicate user '{}' found", String::from_utf8_lossy(&name)),
            ));
            continue;
        }
        seen.insert(name.clone());
        let values: Vec<redis_conf::ArgBytes> = args.iter().map(|a| a.value.clone()).collect();
        match checker.directive("user", &values) {
            Err(message) | Ok(redis_conf::Action::AclUnknown(message)) => {
                out.errors.push(SyntaxError::new(line.content, message));
                continue;
            }
            Ok(_) => {}
        }
        let secrets = args
            .iter()
            .skip(1)
            .filter(|a| matches!(a.value.first(), Some(b'>' | b'<' | b'#' | b'!')) && a.value.len() > 1)
            .map(|a| Span::new(a.span.start + 1, a.span.end).to(Span::empty(a.span.end)))
            .collect();
        out.users.push(AclLine {
            name,
            rules: values[1..].iter().map(|v| v.to_vec()).collect(),
            span: line.content,
            secrets,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_joins_the_next_line_as_redis_server_reads_it() {
        let bytes = b"user default on nopass ~* +@all\nuser alice on\0\n >pw1 ~* +@all\n";
        let f = parse(bytes);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(f.users.len(), 2);
        assert_eq!(f.users[1].rules, [b"on".to_vec(), b">pw1".to_vec(), b"~*".to_vec(), b"+@all".to_vec()]);
        // The password's span is in the file, after the dropped NUL and newline.
        assert_eq!(f.users[1].secrets.iter().map(|s| s.slice(bytes)).collect::<Vec<_>>(), [b"pw1"]);
        // Joined into a bad rule: refused, as redis-server refuses it.
        let f = parse(b"user alice on\0\nuser bob on\n");
        assert_eq!(f.errors.len(), 1);
    }

    #[test]
    fn only_user_lines() {
        let f = parse(
            b"user default on >pw ~* +@all\n\n# no comments\nUSER x on\nuser\nuser a on bogus\nuser default off\n",
        );
        assert_eq!(f.users.len(), 1);
        let lines: Vec<&str> = f.errors.iter().map(|e| e.message.split(' ').next().unwrap_or("")).collect();
        assert_eq!(lines, ["should", "should", "should", "Error", "Duplicate"]);
    }
}
