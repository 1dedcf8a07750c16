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
    /// Lines redis-server reads otherwise than written (a NUL byte drops text and joins
    /// lines, as in redis.conf: [`redis_conf::LineKind::Misread`]): warnings, not refusals.
    pub misread: Vec<SyntaxError>,
    /// With a NUL in the file: the file offset where each line redis-server counts starts
    /// (it numbers the lines of the text it kept, so a join takes one number away).
    read_line_starts: Vec<usize>,
}

impl AclFile {
    /// The 1-based line number redis-server gives the file offset `at` in its messages
    /// (`users.acl:3: Syntax error`): the file's own line number unless a NUL joined lines
    /// before it. `None` when the file has no NUL: the file's line, as any reader counts.
    pub fn line_as_read(&self, at: usize) -> Option<usize> {
        (!self.read_line_starts.is_empty()).then(|| self.read_line_starts.partition_point(|&s| s <= at).max(1))
    }
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
    // The lines of the kept text, where they start in the file (offsets ascend with the
    // kept text's). A kept text that ends in a newline starts no line after it.
    let kept = &view.kept;
    out.read_line_starts = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', kept).map(|i| i + 1).filter(|&i| i < kept.len()))
        .map(|k| if kept.is_empty() { 0 } else { view.file_span(Span::new(k, k + 1)).start })
        .collect();
    out.misread = redis_conf::parse(bytes).misread().cloned().collect();
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
        let content = line.content(bytes);
        let keyword_error = || {
            SyntaxError::new(
                content,
                "should start with user keyword followed by the username (an ACL file has only `user` lines: no comments, `user` in lower case)",
            )
        };
        let d = match line.kind {
            LineKind::Blank => continue,
            LineKind::Comment => {
                out.errors.push(keyword_error());
                continue;
            }
            // A NUL byte: refused as before (any error refuses the whole ACL file).
            LineKind::Error(_) | LineKind::Misread(_) => {
                out.errors.push(SyntaxError::new(content, "Syntax error"));
                continue;
            }
            LineKind::Directive(_) => match conf.directive(line) {
                Some(d) => d,
                None => continue,
            },
        };
        let args = d.args();
        if d.name.value != b"user" || args.is_empty() {
            out.errors.push(keyword_error());
            continue;
        }
        let name = args[0].value.to_vec();
        if seen.contains(&name) {
            out.errors
                .push(SyntaxError::new(content, format!("Duplicate user '{}' found", String::from_utf8_lossy(&name))));
            continue;
        }
        seen.insert(name.clone());
        let values: Vec<redis_conf::ArgBytes> = args.iter().map(|a| a.value.clone()).collect();
        match checker.directive("user", &values) {
            Err(message) | Ok(redis_conf::Action::AclUnknown(message)) => {
                out.errors.push(SyntaxError::new(content, as_acl_file_says(message)));
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
            span: content,
            secrets,
        });
    }
    out
}

/// A `user` line's message as redis-server gives it for an ACL file (ACLLoadFromFile prints
/// ACLSetUserStringError() alone, `users.acl:2: Syntax error.`), from the one it gives for a
/// `user` line of redis.conf (`Error in user declaration 'bob': Syntax error`). An unknown
/// command or category is fatal in an ACL file, and named as the operation that failed.
fn as_acl_file_says(message: String) -> String {
    if let Some(rest) = message.strip_prefix("Error in user declaration '") {
        if let Some((_, why)) = rest.split_once("': ") {
            return why.to_owned();
        }
    }
    if let Some(rest) = message.strip_prefix("Error loading ACL rule '") {
        if let Some((op, why)) = rest
            .split_once("' for the user named '")
            .and_then(|(op, rest)| rest.split_once("': ").map(|(_, why)| (op, why)))
        {
            return format!("Error in applying operation '{op}': {why}");
        }
    }
    message
}

/// Where the secret starts in one ACL rule word: after a leading `>`, `<` or `#`
/// (`>password`, `<password`, `#hash`), or after a `>` / `<` behind a run of other bytes
/// that are no letter or digit (punctuation, `->password`, `+>password`; a control byte or
/// a NUL, `\x01>password`; a no-break space), or after a `#` behind a run of such bytes
/// without punctuation (`\0#hash`), or after the first `>` or `<` of a word that is no key
/// or channel pattern nor selector (`on=>password`, `on>password`): no valid rule has one
/// there; redis-server 7.0.15 refuses
/// the rule (or, after a NUL, never reads it), its writer meant a password. `None` for a
/// word with nothing after it.
pub fn acl_rule_secret_from(word: &[u8]) -> Option<usize> {
    if matches!(word.first(), Some(b'>' | b'<' | b'#')) {
        return (word.len() > 1).then_some(1);
    }
    let lead = word.iter().take_while(|b| !b.is_ascii_alphanumeric() && !matches!(b, b'>' | b'<' | b'#')).count();
    let glue_only = || !word[..lead].iter().any(u8::is_ascii_punctuation);
    let marks = match word.get(lead) {
        Some(b'>' | b'<') => true,
        Some(b'#') => glue_only(),
        _ => false,
    };
    if lead > 0 && marks && word.len() > lead + 1 {
        return Some(lead + 1);
    }
    // A rule glued to the password after it by any byte (`on=>pw`, `on>pw`, `nopass\x0b>pw`):
    // no rule but a key or channel pattern (`~`, `%R~`, `&`) or a selector holds a `>` or `<`.
    if matches!(word.first(), Some(b'~' | b'%' | b'&' | b'(')) {
        return None;
    }
    let at = word.iter().position(|&b| b == b'>' || b == b'<')?;
    (word.len() > at + 1).then_some(at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rule's password behind glue of any kind but a letter or digit (redis-server 7.0.15
    /// refuses each word: `Syntax error`), its `#hash` behind glue that is no punctuation.
    #[test]
    fn a_password_behind_glue_is_a_secret() {
        let cases: &[(&[u8], Option<usize>)] = &[
            (b">pw", Some(1)),
            (b"->pw", Some(2)),
            (b"\x01>pw", Some(2)),
            (b"\0\0<pw", Some(3)),
            (b"\xc2\xa0>pw", Some(3)),
            (b"\0#hash", Some(2)),
            (b"~#key", None),
            (b"&#chan", None),
            (b"~key>x", None),
            (b"+@all", None),
            (b"\x01>", None),
            (b"on=>pw", Some(4)),
            (b"on>pw", Some(3)),
            (b"nopass\x0b>pw", Some(8)),
            (b"~a->b", None),
            (b"%R~a>b", None),
            (b"&c<d", None),
            (b"(~a >b", None),
        ];
        for (word, want) in cases {
            assert_eq!(acl_rule_secret_from(word), *want, "{:?}", String::from_utf8_lossy(word));
        }
    }

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
    fn lines_are_numbered_as_redis_server_numbers_them_and_the_nul_is_a_warning() {
        let bytes = b"user default on nopass ~* +@all\nuser alice on\0\n >pw ~* +@all\nuser bob on bogus\n";
        let f = parse(bytes);
        // redis-server 7.0.15: "users.acl:3: Syntax error" for bob, on the file's line 4.
        assert_eq!(f.errors.len(), 1);
        assert_eq!(f.line_as_read(f.errors[0].span.start), Some(3));
        let lines: Vec<_> = f.users.iter().map(|u| f.line_as_read(u.span.start)).collect();
        assert_eq!(lines, [Some(1), Some(2)]);
        // The NUL line and the line it joins, as redis.conf's LineKind::Misread.
        assert_eq!(f.misread.len(), 2);
        assert_eq!(f.misread[0].span.start, bytes.iter().position(|&b| b == 0).expect("nul"));
        let plain = parse(b"user default on nopass\nuser bob on bogus\n");
        assert!(plain.misread.is_empty());
        assert_eq!(plain.line_as_read(plain.errors[0].span.start), None);
    }

    #[test]
    fn only_user_lines() {
        let f = parse(
            b"user default on >pw ~* +@all\n\n# no comments\nUSER x on\nuser\nuser a on bogus\nuser default off\n",
        );
        assert_eq!(f.users.len(), 1);
        let lines: Vec<&str> = f.errors.iter().map(|e| e.message.split(' ').next().unwrap_or("")).collect();
        assert_eq!(lines, ["should", "should", "should", "Syntax", "Duplicate"]);
    }
}
