//! The ACL file `aclfile` names: one `user NAME rule...` per line and nothing else, read by
//! redis-server at startup (redis@7.0.15:src/acl.c ACLLoadFromFile); what it refuses.
//!
//! The file has its own rules, unlike redis.conf's `user` lines: words split at single
//! spaces (no quotes: `">pw"` is a rule that starts with a quote), no comments, `user` in
//! lower case only, each user once, and an unknown command refused.

use std::borrow::Cow;

use crate::span::Span;
use crate::syntax::redis_conf;
use crate::syntax::redis_conf::fgets::FgetsView;
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

/// [`parse`] of the bytes redis-server keeps (no NUL in them). ACLLoadFromFile splits the
/// text at `\n`, trims each line of spaces, tabs and line ends, and splits it at each single
/// space: no quotes, no escapes, no other blank (redis.conf's `user` lines are split by
/// sdssplitargs instead). Two spaces make an empty word, a no-op rule; a tab or `\r` inside
/// a line stays in its word.
fn parse_read(bytes: &[u8]) -> AclFile {
    let mut out = AclFile::default();
    let checker = redis_conf::Checker::new();
    let mut seen: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    let mut line_start = 0;
    while line_start <= bytes.len() {
        let line_end = memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |i| line_start + i);
        let line = Span::new(line_start, line_end);
        line_start = line_end + 1;
        let content = trimmed(bytes, line, b" \t\r\n");
        if content.start == content.end {
            continue;
        }
        if let Some(e) = refused(bytes, content, &checker, &mut seen) {
            out.errors.push(SyntaxError::new(content, e));
            continue;
        }
        let words = split_words(bytes, content);
        // Passwords: a rule's text after its marker, once trimmed as the loader trims it.
        let secrets = words[2..]
            .iter()
            .map(|w| trimmed(bytes, *w, b"\t\r\n"))
            .filter(|w| w.end > w.start + 1 && matches!(bytes[w.start], b'>' | b'<' | b'#' | b'!'))
            .map(|w| Span::new(w.start + 1, w.end))
            .collect();
        let rules =
            merged_rules(bytes, &words[2..]).unwrap_or_default().into_iter().filter(|r| !r.is_empty()).collect();
        out.users.push(AclLine { name: words[1].slice(bytes).to_vec(), rules, span: content, secrets });
    }
    out
}

/// Why redis-server refuses the line `content` (trimmed, not empty), in the order it checks:
/// the keyword, the user name, a second line for a name, an unclosed selector, the rules.
fn refused(
    bytes: &[u8],
    content: Span,
    checker: &redis_conf::Checker,
    seen: &mut std::collections::HashSet<Vec<u8>>,
) -> Option<std::borrow::Cow<'static, str>> {
    let words = split_words(bytes, content);
    if words[0].slice(bytes) != b"user" || words.len() < 2 {
        return Some(
            "should start with user keyword followed by the username (an ACL file has only `user` lines: no comments, `user` in lower case, words split at single spaces)"
                .into(),
        );
    }
    let name = words[1].slice(bytes);
    // ACLStringHasSpaces: C isspace() (a tab, \v, \f, \r) or a NUL in the name.
    if name.iter().any(|&b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0)) {
        return Some(
            format!(
                "username '{}' contains invalid characters",
                crate::source::printable(&String::from_utf8_lossy(name))
            )
            .into(),
        );
    }
    if !seen.insert(name.to_vec()) {
        return Some(
            format!("Duplicate user '{}' found", crate::source::printable(&String::from_utf8_lossy(name))).into(),
        );
    }
    let Some(rules) = merged_rules(bytes, &words[2..]) else {
        // redis-server 7.0.15 says so when the selector is the first rule; after another
        // rule it crashes (SIGSEGV: the merge leaves a NULL list with a count), refused too.
        return Some("Unmatched parenthesis in selector definition".into());
    };
    checker.acl_file_rules(&rules).err().map(Into::into)
}

/// `content` without the bytes of `set` at either end.
fn trimmed(bytes: &[u8], content: Span, set: &[u8]) -> Span {
    let text = content.slice(bytes);
    let lead = text.iter().take_while(|b| set.contains(b)).count();
    let tail = text[lead..].iter().rev().take_while(|b| set.contains(b)).count();
    Span::new(content.start + lead, content.end - tail)
}

/// sdssplitlen(line, " "): the words between single spaces, empty ones included.
fn split_words(bytes: &[u8], content: Span) -> Vec<Span> {
    let mut words = Vec::new();
    let mut start = content.start;
    for space in memchr::memchr_iter(b' ', content.slice(bytes)).map(|i| content.start + i) {
        words.push(Span::new(start, space));
        start = space + 1;
    }
    words.push(Span::new(start, content.end));
    words
}

/// redis-server's ACLMergeSelectorArguments (acl.c), for a `user` line of redis.conf or of
/// an ACL file: a word that opens a selector `(` without closing it is joined with a space to
/// the words up to one that ends in `)`; a word that opens one while one is open starts it
/// again. Returns the rules in order (a word as it is, a joined selector as one rule) and
/// whether a selector was left open at the end (redis-server: "Unmatched parenthesis in
/// selector definition"; its words are not among the rules).
pub fn merge_selectors<'a>(words: impl IntoIterator<Item = &'a [u8]>) -> (Vec<Cow<'a, [u8]>>, bool) {
    let mut merged: Vec<Cow<'a, [u8]>> = Vec::new();
    let mut open: Option<Vec<u8>> = None;
    for w in words {
        if w.first() == Some(&b'(') && w.last() != Some(&b')') {
            open = Some(w.to_vec());
            continue;
        }
        if let Some(sel) = open.as_mut() {
            sel.push(b' ');
            sel.extend_from_slice(w);
            if w.last() == Some(&b')') {
                merged.extend(open.take().map(Cow::Owned));
            }
            continue;
        }
        merged.push(Cow::Borrowed(w));
    }
    (merged, open.is_some())
}

/// [`merge_selectors`] for an ACL file's line, then each rule trimmed of tabs and line ends.
/// `None`: a selector never closed.
fn merged_rules(bytes: &[u8], words: &[Span]) -> Option<Vec<Vec<u8>>> {
    let (merged, open) = merge_selectors(words.iter().map(|w| w.slice(bytes)));
    if open {
        return None;
    }
    Some(merged.iter().map(|rule| trimmed(rule, Span::new(0, rule.len()), b"\t\r\n").slice(rule).to_vec()).collect())
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

    /// Each line as redis-server 7.0.15 reads it from an ACL file (asked live in
    /// tests/redis_acl_file_live.rs): `Some(rules)` when it starts with it, `None` when it
    /// refuses the file.
    #[test]
    fn words_split_at_single_spaces_without_quotes() {
        type Case<'a> = (&'a [u8], Option<&'a [&'a [u8]]>);
        let cases: &[Case] = &[
            (b"user bob on >pa\"ss\" ~*", Some(&[b"on", b">pa\"ss\"", b"~*"])),
            (b"user bob  on  nopass", Some(&[b"on", b"nopass"])),
            (b"\tuser bob on nopass\t\r", Some(&[b"on", b"nopass"])),
            (b"user bob on\t nopass", Some(&[b"on", b"nopass"])),
            (b"user bob on \t>pw", Some(&[b"on", b">pw"])),
            (b"user bob on (~x  +get)", Some(&[b"on", b"(~x  +get)"])),
            (b"user bob on >p\\x41", Some(&[b"on", b">p\\x41"])),
            (b"user bob on >", Some(&[b"on", b">"])),
            (b"user bob on \">pw\"", None),
            (b"user bob on 'nopass'", None),
            (b"user bob on ~\"a b\"", None),
            (b"user  bob on", None),
            (b"user\tbob on", None),
            (b"user bob\ton", None),
            (b"user bob\x0bx on", None),
            (b"user bob on\tnopass", None),
            (b"user bob on\rnopass", None),
            (b"user bob on nopass\x0b", None),
            (b"user bob on # c", None),
            (b"user bob (~x", None),
            (b"user bob on (~x", None),
            (b"user bob (~x +get)\t on", None),
            (b"user bob on +bogus", None),
        ];
        for (line, want) in cases {
            let f = parse(line);
            let got = f.errors.is_empty().then(|| f.users[0].rules.clone());
            let want = want.map(|w| w.iter().map(|r| r.to_vec()).collect::<Vec<_>>());
            assert_eq!(got, want, "{:?}: {:?}", String::from_utf8_lossy(line), f.errors);
        }
        // The name as written, quotes and all.
        let f = parse(b"user \"bob on\nuser \"carol\" on\n");
        let names: Vec<&[u8]> = f.users.iter().map(|u| u.name.as_slice()).collect();
        assert_eq!(names, [&b"\"bob"[..], b"\"carol\""]);
        // A password behind a tab is still a password, masked where it stands.
        let bytes = b"user bob on \t>pw\t nopass\n";
        let f = parse(bytes);
        assert_eq!(f.users[0].secrets.iter().map(|s| s.slice(bytes)).collect::<Vec<_>>(), [b"pw"]);
    }

    #[test]
    fn refusals_say_what_redis_server_says() {
        let first = |line: &[u8]| parse(line).errors.first().map(|e| e.message.to_string()).unwrap_or_default();
        assert_eq!(
            first(b"user bob on +bogus"),
            "Error in applying operation '+bogus': Unknown command or category name in ACL"
        );
        assert_eq!(first(b"user bob\ton"), "username 'bob\ton' contains invalid characters");
        assert_eq!(first(b"user bob (~x"), "Unmatched parenthesis in selector definition");
        assert_eq!(
            first(b"user bob on #abc"),
            "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
        );
        assert_eq!(first(b"user bob on\nuser bob off"), "Duplicate user 'bob' found");
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
