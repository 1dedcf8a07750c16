//! php.ini dialect: php.ini, conf.d/*.ini, php-fpm.conf and pool files, all read by PHP's
//! Zend ini scanner in NORMAL mode. Grammar: `grammars/php-ini.ebnf`.
//!
//! [`parse`] never fails: a statement PHP rejects becomes an [`NodeKind::Error`] node with
//! its diagnostic, and parsing goes on at the next line so that the rest of the file is
//! still checked. The nodes tile the input, so [`IniDocument::print`] gives it back.

pub mod encode;
mod eval;
pub mod fpm_entries;
mod lexer;

pub use eval::{IniEnv, OtherEnvironment, MAX_EXPANDED_VALUE};
pub use lexer::{Tok, Token, MAX_SCANNED};

use std::ops::Range;

use crate::span::Span;
use crate::syntax::SyntaxError;
use lexer::Lexer;

/// How the file is scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanMode {
    /// php.ini, conf.d files, `parse_ini_file()`: the whole file at once.
    WholeFile,
    /// php-fpm.conf and pool files: FPM hands the scanner one line at a time, so quoted
    /// strings cannot span lines and a BOM is skipped at the start of every line.
    PerLine,
}

#[derive(Clone, Debug)]
pub struct IniDocument {
    /// The input, shared with the caller's copy when parsed by [`parse_shared`].
    source: std::sync::Arc<[u8]>,
    pub nodes: Vec<Node>,
    /// The tokens of the values, sections names and offsets in `nodes` (what
    /// [`Value::tokens`] indexes); the rest of the token stream is not kept.
    pub tokens: Vec<Token>,
    pub errors: Vec<SyntaxError>,
    /// Where PHP reads the file otherwise than written and says nothing (asked live, PHP
    /// 8.2 and php-fpm 8.2, `display_startup_errors` on or off): a `'` that does not close
    /// after a value began (`o'brien`: the value ends at it; in php.ini and conf.d files PHP
    /// reads nothing more of the file, in php-fpm files nothing more of the line), and a NUL
    /// byte in a value (the value ends at it; php.ini reads the rest of the line as a
    /// statement of its own, php-fpm drops it). Each span runs from that byte to the end of
    /// its line. The file is still accepted ([`IniDocument::accepted`]).
    pub misread: Vec<Misread>,
    pub mode: ScanMode,
}

/// One place PHP reads otherwise than written ([`IniDocument::misread`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misread {
    /// From the `'` or NUL to the end of its line (line end excluded).
    pub span: Span,
    pub kind: MisreadKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MisreadKind {
    /// A `'` that does not close: PHP's scanner ends its input there (zend_ini_scanner.l has
    /// no rule for a lone `'` in a value, and `<*>[^]` returns end of input), after a complete
    /// statement, so no error. In [`ScanMode::WholeFile`] the rest of the file is unread: the
    /// nodes after this line are what the file means once the quote is fixed, their entries
    /// not applied.
    UnclosedQuote,
    /// A NUL byte in a value: the value ends there (`<ST_VALUE>[^]`; php-fpm reads each line
    /// as a C string).
    Nul,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// Blanks, empty lines, a BOM: all of them between two other nodes, as one node.
    Trivia,
    /// `;` comments with their line ends, and the blanks and empty lines around them: all
    /// of them between two other nodes, as one node (most of a php.ini is a few of these).
    /// `text` runs from the first `;` to the node's end.
    Comment { text: Span },
    /// `[name]`.
    Section(Section),
    /// `key = value` or `key[offset] = value`.
    Entry(Entry),
    /// A key without `=`: PHP ignores it in php.ini, php-fpm refuses it.
    BareKey { key: Span },
    /// A statement PHP rejects, up to the end of its line. PHP stops reading at the first
    /// one; later nodes are what the file would mean once it is fixed. The error is the
    /// document's `errors[i]` (held once: a file where every line is an error held each
    /// three times, the model's copy included).
    Error(usize, Option<BrokenEntry>),
    /// Bytes PHP's scanner never reads: it stopped early (end-of-file quirks).
    Unread,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// The text between the brackets.
    pub name: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key without surrounding blanks.
    pub key: Span,
    /// `key[offset]`: the offset value (`None` for a plain key; boxed, as it is rare).
    pub offset: Option<Box<Value>>,
    /// The value after `=`; its span is empty for `key =`.
    pub value: Value,
    /// Whether PHP applies this entry: false after the first syntax error in the scan.
    pub applied: bool,
}

/// A `key = value` line PHP refused inside its value (`a = x=y`, `b = p&q`): where the key
/// and the value text stand, for a fix that quotes the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrokenEntry {
    /// From the start of the line to the `=` (`name[offset]`, maybe with blanks; whatever
    /// stands before the key on its line too, so that a fix can tell it is not a plain key).
    pub key: Span,
    /// The rest of the line after `=`, without the blanks around it (a comment included:
    /// PHP never got far enough to see one).
    pub value: Span,
}

/// A value: its span and the tokens it consists of (indices into `IniDocument::tokens`,
/// `u32` to keep nodes small).
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub span: Span,
    pub tokens: Range<u32>,
}

/// Parse php.ini-dialect bytes. Never fails, never panics, linear in the input.
pub fn parse(bytes: &[u8]) -> IniDocument {
    parse_with(bytes, ScanMode::WholeFile)
}

/// [`parse`] in either scanner mode.
pub fn parse_with(bytes: &[u8], mode: ScanMode) -> IniDocument {
    parse_shared(bytes.into(), mode)
}

/// [`parse_with`] on bytes the caller keeps too (a `Source`'s): the tree shares them
/// instead of holding a copy. Bytes past [`MAX_SCANNED`] (4 GiB) are an
/// [`NodeKind::Unread`] node.
pub fn parse_shared(shared: std::sync::Arc<[u8]>, mode: ScanMode) -> IniDocument {
    parse_lines(shared, mode, true, true)
}

/// [`parse_shared`]; `short_lines`: in FPM's per-line mode, a comment line (`;` first) or
/// an empty line becomes its node without a scanner of its own (most of a pool file; a
/// scan per line cost about 500 instructions), the node the scan makes of it.
/// `runs`: comment and empty lines read a run at a time (false: a token each, as the rules
/// read them; the same document).
fn parse_lines(shared: std::sync::Arc<[u8]>, mode: ScanMode, short_lines: bool, runs: bool) -> IniDocument {
    let all: &[u8] = &shared;
    let bytes = &all[..all.len().min(MAX_SCANNED)];
    // Sized from the length instead of grown from nothing: with comment and blank lines one
    // node a run, a node per 64 bytes is above what php.ini files and pools use (a first
    // count of lines or `=` cost more than the growth it saved). Capacity past what is
    // used is never touched, and given back below.
    let (nodes, tokens) = (bytes.len() / 64 + 16, bytes.len() / 128 + 16);
    let mut doc = IniDocument {
        source: shared.clone(),
        nodes: Vec::with_capacity(nodes),
        tokens: Vec::with_capacity(tokens),
        errors: Vec::new(),
        misread: Vec::new(),
        mode,
    };
    let mut b = Builder {
        doc: &mut doc,
        toks: Vec::new(),
        cursor: 0,
        failed: false,
        limit: 0,
        open_entry: None,
        runs,
        stopped_at: None,
        unread: false,
    };
    match mode {
        ScanMode::WholeFile => {
            let mut lexer = Lexer::new(bytes);
            // PHP stops at an unclosed `'`; what follows is parsed from the next line on, as
            // the file would read with the quote fixed, and applies nothing.
            loop {
                b.scan(lexer, bytes.len());
                let Some(next) = b.stopped_at.take() else { break };
                if next >= bytes.len() {
                    break;
                }
                b.unread = true;
                b.failed = true;
                lexer = Lexer::window(bytes, next, bytes.len());
            }
        }
        ScanMode::PerLine => {
            // php-fpm reads a line, appends "\n" (to the last line too) and parses it as a
            // C string, so a NUL ends it early.
            let extended;
            let buf: &[u8] = if bytes.last().is_some_and(|&c| c != b'\n') {
                extended = [bytes, b"\n"].concat();
                &extended
            } else {
                bytes
            };
            // Most files hold no NUL: one search for the file, not one per line.
            let has_nul = memchr::memchr(0, bytes).is_some();
            let mut start = 0;
            while start < bytes.len() {
                let end = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i + 1);
                let nul = if has_nul { memchr::memchr(0, &buf[start..end]) } else { None };
                let limit = nul.map_or(end, |i| start + i);
                if let Some(at) = nul.map(|i| start + i) {
                    b.nul_misread(at, end.min(bytes.len()));
                }
                if !(short_lines && limit == end && end <= bytes.len() && b.short_line(start, end)) {
                    b.scan(Lexer::window(buf, start, limit), end.min(bytes.len()));
                }
                start = end;
            }
        }
    }
    if all.len() > bytes.len() {
        b.doc.nodes.push(Node { span: Span::new(bytes.len(), all.len()), kind: NodeKind::Unread });
    }
    // A tree may live as long as a model: not with the builder's growth slack (-18 MB of
    // 492 MB peak RSS on a 300-host fleet).
    doc.nodes.shrink_to_fit();
    doc.tokens.shrink_to_fit();
    doc
}

impl IniDocument {
    pub fn source(&self) -> &[u8] {
        &self.source
    }

    /// The input, byte for byte, rebuilt from the nodes.
    pub fn print(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.source.len());
        for n in &self.nodes {
            out.extend_from_slice(n.span.slice(&self.source));
        }
        out
    }

    /// Whether PHP accepts the file (`parse_ini_file()` does not return false).
    pub fn accepted(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn text(&self, span: Span) -> &[u8] {
        span.slice(&self.source)
    }

    pub fn entries(&self) -> impl Iterator<Item = (&Node, &Entry)> {
        self.nodes.iter().filter_map(|n| match &n.kind {
            NodeKind::Entry(e) => Some((n, e)),
            _ => None,
        })
    }

    pub fn value_tokens(&self, value: &Value) -> &[Token] {
        self.tokens.get(value.tokens.start as usize..value.tokens.end as usize).unwrap_or_default()
    }
}

/// Turns the token stream into nodes that tile the input.
struct Builder<'d> {
    doc: &'d mut IniDocument,
    /// The tokens of the line being read: statements never reach past a line end, so only
    /// the value tokens of each line are kept in the document.
    toks: Vec<Token>,
    /// Everything before this offset is covered by nodes.
    cursor: usize,
    /// A syntax error was seen: PHP applies nothing after it.
    failed: bool,
    /// Where the input of the current scan ends (one line in FPM's per-line mode).
    limit: usize,
    /// The last entry begun: (key up to `=`, offset after `=`). PHP may accept the start of
    /// a value and refuse the rest of its line (`a = x=y` is `a = x`, then an unexpected `=`).
    open_entry: Option<(Span, usize)>,
    /// Runs of comment and empty lines read by [`Lexer::comment_lines`], not a token each.
    runs: bool,
    /// The scan stopped at an unclosed `'` in [`ScanMode::WholeFile`]: where the next line
    /// starts.
    stopped_at: Option<usize>,
    /// Past such a stop: PHP reads none of it, so its errors are not PHP's (the first one
    /// ends the parse).
    unread: bool,
}

/// What a statement turned out to be.
enum Parsed {
    Node(NodeKind, usize),
    Error(Span, std::borrow::Cow<'static, str>),
}

impl Builder<'_> {
    /// Add a node from the cursor to `end`; nodes always tile the input.
    fn push(&mut self, end: usize, kind: NodeKind) {
        let end = end.max(self.cursor);
        // Blanks and comments join the node before when it is blanks or comments too: a
        // node per line was most of a php.ini's tree (and of the pages it first touched).
        if let Some(last) = self.doc.nodes.last_mut() {
            let joined = match (&mut last.kind, &kind) {
                (NodeKind::Trivia, NodeKind::Trivia) => true,
                (NodeKind::Comment { text }, NodeKind::Trivia | NodeKind::Comment { .. }) => {
                    text.end = end;
                    true
                }
                (NodeKind::Trivia, NodeKind::Comment { text }) => {
                    last.kind = NodeKind::Comment { text: Span::new(text.start, end) };
                    true
                }
                _ => false,
            };
            if joined {
                last.span.end = end;
                self.cursor = end;
                return;
            }
        }
        self.doc.nodes.push(Node { span: Span::new(self.cursor, end), kind });
        self.cursor = end;
    }

    /// In FPM's per-line mode, the line `start..end` of the input (ending in `\n`, no NUL)
    /// when it is empty or a `;` comment whose only line break is its end (`\n` or
    /// `\r\n`): its node, as the scanner's one `END_OF_LINE` token gives it. False, and
    /// nothing done, for any other line.
    fn short_line(&mut self, start: usize, end: usize) -> bool {
        let line = &self.doc.source[start..end];
        let kind = match line {
            [b'\n'] => NodeKind::Trivia,
            [b';', body @ .., b'\n'] => {
                // A `\r` ends the comment where it stands, unless it is the `\r\n`'s.
                match memchr::memchr(b'\r', body) {
                    Some(p) if p + 1 != body.len() => return false,
                    _ => NodeKind::Comment { text: Span::new(start, end) },
                }
            }
            _ => return false,
        };
        self.trivia_to(start);
        self.push(end, kind);
        true
    }

    fn trivia_to(&mut self, at: usize) {
        if at > self.cursor {
            self.push(at, NodeKind::Trivia);
        }
    }

    fn scan(&mut self, mut lexer: Lexer<'_>, window_end: usize) {
        self.limit = lexer.limit().min(self.doc.source.len());
        // Spans never reach past the input (FPM's appended "\n" is not in it).
        let len = self.doc.source.len();
        let clamp = |t: Token| {
            let (span, text) = (t.span(), t.text());
            Token::new(
                t.tok,
                Span::new(span.start.min(len), span.end.min(len)),
                Span::new(text.start.min(len), text.end.min(len)),
            )
        };
        // Only FPM's appended "\n" lies past the input.
        let clamped = lexer.limit() > len;
        let mut next = lexer.next_token();
        while let Some(first) = next {
            let first = if clamped { clamp(first) } else { first };
            // A comment or blank line (most of a php.ini) is one token that ends its line:
            // its node directly, as `statements` would make it; and so are the comment and
            // empty lines after it, read as one run.
            if first.tok == Tok::EndOfLine && ends_line(self.doc.text(first.span())) {
                self.trivia_to(first.span().start);
                self.push(first.span().end, self.line_end_kind(first));
                if self.runs {
                    let (end, semicolon) = lexer.comment_lines();
                    let end = end.min(len);
                    if end > self.cursor {
                        let kind =
                            semicolon.map_or(NodeKind::Trivia, |s| NodeKind::Comment { text: Span::new(s, end) });
                        self.push(end, kind);
                    }
                }
                next = lexer.next_token();
                continue;
            }
            next = lexer.next_token();
            // One line at a time: up to a line end (or PHP's end of file). No statement reads
            // past one, so the line's tokens can be dropped once its nodes are built.
            self.toks.clear();
            self.toks.push(first);
            if first.tok != Tok::End {
                while let Some(t) = next {
                    let t = if clamped { clamp(t) } else { t };
                    self.toks.push(t);
                    next = lexer.next_token();
                    if t.tok == Tok::End || (t.tok == Tok::EndOfLine && ends_line(self.doc.text(t.span()))) {
                        break;
                    }
                }
            }
            if self.statements(next.is_none(), window_end) {
                return;
            }
        }
        self.finish(window_end);
    }

    /// The nodes of the tokens in `self.toks`; `last`: no tokens follow in this scan.
    /// True when PHP's scanner stopped ("end of file"): the scan is finished.
    fn statements(&mut self, last: bool, window_end: usize) -> bool {
        let mut i = 0;
        let n = self.toks.len();
        while i < n {
            let t = self.toks[i];
            self.trivia_to(t.span().start);
            if t.tok == Tok::End {
                let mut unread_to = window_end;
                if let Some(quote) = self.unclosed_quote(t.span(), window_end) {
                    let line_end = memchr::memchr2(b'\n', b'\r', &self.doc.source[quote..window_end])
                        .map_or(window_end, |p| quote + p);
                    if !self.unread && !self.failed {
                        self.doc
                            .misread
                            .push(Misread { span: Span::new(quote, line_end), kind: MisreadKind::UnclosedQuote });
                    }
                    if self.doc.mode == ScanMode::WholeFile {
                        if let Some(next) = self.next_line(line_end, window_end) {
                            unread_to = next;
                            self.stopped_at = Some(next);
                        }
                    }
                }
                if t.span().start < unread_to {
                    self.doc.nodes.push(Node { span: Span::new(t.span().start, unread_to), kind: NodeKind::Unread });
                    self.cursor = unread_to;
                }
                self.finish(unread_to);
                return true;
            }
            let stmt_start = i;
            let kept = self.doc.tokens.len();
            match self.statement(&mut i, n) {
                Parsed::Node(kind, end) => {
                    let start = self.toks[stmt_start].span().start;
                    self.trivia_to(start);
                    self.push(end, kind);
                }
                Parsed::Error(at, message) => {
                    self.doc.tokens.truncate(kept);
                    let start = self.toks[stmt_start].span().start;
                    self.trivia_to(start);
                    // Past a stop, the first error ends what is parsed: the rest is one node,
                    // not an error per broken line (a file of them stays one tree's worth).
                    if self.unread {
                        self.doc.nodes.push(Node { span: Span::new(start, window_end), kind: NodeKind::Unread });
                        self.cursor = window_end;
                        return true;
                    }
                    // Recover at the next line end.
                    let mut end = at.end.max(start);
                    let mut scanner_stop = None;
                    while i < n {
                        let t = self.toks[i];
                        i += 1;
                        end = t.span().end;
                        if t.tok == Tok::End {
                            scanner_stop = Some(t.span().start);
                            break;
                        }
                        if t.tok == Tok::EndOfLine
                            && t.span().end > t.span().start
                            && ends_line(self.doc.text(t.span()))
                        {
                            break;
                        }
                    }
                    let to_the_end = i >= n && last;
                    if to_the_end {
                        end = end.max(window_end);
                    }
                    // The scanner stopped within the file (`key = 'x`, `${X`) or a token ran to
                    // its end (`key = "x`): what follows the line is parsed from the next line
                    // on, as after a silent stop, applying nothing.
                    if self.doc.mode == ScanMode::WholeFile && (scanner_stop.is_some() || to_the_end) {
                        let from = scanner_stop.map_or(at.start, |stop| at.start.min(stop));
                        if let Some(next) = self.next_line(from, window_end) {
                            end = next;
                            self.stopped_at = Some(next);
                        }
                    }
                    let error = SyntaxError::new(at, message);
                    let broken = self.open_entry.and_then(|(key, value_start)| self.broken_value(key, value_start, at));
                    self.failed = true;
                    self.doc.errors.push(error);
                    self.push(end, NodeKind::Error(self.doc.errors.len() - 1, broken));
                    if self.stopped_at.is_some() {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Where the `'` stands when PHP's scanner stopped at `end` (the `End` token's span, up
    /// to `window_end`) because of a `'` that does not close, after a complete statement (an
    /// error otherwise, which [`Self::statements`] reports).
    fn unclosed_quote(&self, end: Span, window_end: usize) -> Option<usize> {
        let src = &self.doc.source[..window_end.min(self.doc.source.len())];
        let at = end.start + src.get(end.start..)?.iter().position(|&c| c != b' ' && c != b'\t')?;
        (src[at] == b'\'').then_some(at)
    }

    /// Where the line after the one at `from` starts (after `\n`, `\r\n` or a lone `\r`, as
    /// PHP's `NEWLINE`), when it starts before `limit`.
    fn next_line(&self, from: usize, limit: usize) -> Option<usize> {
        let src = &self.doc.source[..limit.min(self.doc.source.len())];
        let p = from.min(src.len()) + memchr::memchr2(b'\n', b'\r', src.get(from..)?)?;
        let next = p + 1 + (src[p] == b'\r' && src.get(p + 1) == Some(&b'\n')) as usize;
        (next < src.len()).then_some(next)
    }

    /// A NUL byte at `at` in FPM's per-line mode ends the line there (`line_end`: the line's
    /// end, its line break included): a misread when anything but blanks and the line break
    /// is cut off. (In a comment it cuts nothing PHP reads.)
    fn nul_misread(&mut self, at: usize, line_end: usize) {
        if self.failed {
            return;
        }
        let src = &self.doc.source;
        let line_start = src[..at].iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
        let before = &src[line_start..at];
        let first = before.iter().position(|&c| !matches!(c, b' ' | b'\t'));
        if first.is_none_or(|p| before[p] == b';') {
            return;
        }
        let text_end = src[at..line_end].iter().rposition(|&c| !matches!(c, b'\n' | b'\r')).map_or(at, |p| at + p + 1);
        if !cuts_text(&src[at..text_end]) {
            return;
        }
        self.doc.misread.push(Misread { span: Span::new(at, text_end), kind: MisreadKind::Nul });
    }

    fn finish(&mut self, window_end: usize) {
        self.trivia_to(window_end);
    }

    /// The value text of an entry refused at `at`: after `=` and blanks, up to the line's
    /// end and the blanks before it. `None` when the refusal is on a later line.
    fn broken_value(&self, key: Span, value_start: usize, at: Span) -> Option<BrokenEntry> {
        let src = &self.doc.source;
        let eol = |c: &u8| *c == b'\n' || *c == b'\r';
        let line_end = src[value_start..].iter().position(eol).map_or(src.len(), |p| value_start + p);
        if at.start > line_end {
            return None;
        }
        let blank = |c: &u8| *c == b' ' || *c == b'\t';
        let start = src[value_start..line_end].iter().position(|c| !blank(c)).map_or(line_end, |p| value_start + p);
        let end = src[start..line_end].iter().rposition(|c| !blank(c)).map_or(start, |p| start + p + 1);
        let line_start = src[..key.start].iter().rposition(eol).map_or(0, |p| p + 1);
        Some(BrokenEntry { key: Span::new(line_start, key.end), value: Span::new(start, end) })
    }

    /// One `statement` of the grammar, starting at token `*i`.
    // grammar: statement, section, entry, offset-entry, bare-key
    fn statement(&mut self, i: &mut usize, n: usize) -> Parsed {
        let t = self.toks[*i];
        *i += 1;
        match t.tok {
            Tok::EndOfLine => {
                if self.doc.text(t.span()) == b"\0" && !self.unread && !self.failed {
                    let src = &self.doc.source;
                    let end =
                        memchr::memchr2(b'\n', b'\r', &src[t.span().start..]).map_or(src.len(), |p| t.span().start + p);
                    if cuts_text(&src[t.span().start..end]) {
                        self.doc.misread.push(Misread { span: Span::new(t.span().start, end), kind: MisreadKind::Nul });
                    }
                }
                Parsed::Node(self.line_end_kind(t), t.span().end)
            }
            Tok::SectionOpen => {
                let start = *i;
                if let Err(e) = self.pieces(i, n, false) {
                    return e;
                }
                let name = self.value_of(start, *i, t.span().end);
                match self.peek(*i, n) {
                    Some(c) if c.tok == Tok::SectionClose => {
                        *i += 1;
                        Parsed::Node(NodeKind::Section(Section { name }), c.span().end)
                    }
                    other => self.unexpected(other, "expecting ']'"),
                }
            }
            Tok::Label => match self.peek(*i, n) {
                Some(eq) if eq.tok == Tok::Eq => {
                    *i += 1;
                    self.open_entry = Some((Span::new(t.span().start, eq.span().start), eq.span().end));
                    self.entry(t.text(), None, eq.span().end, i, n)
                }
                _ => Parsed::Node(NodeKind::BareKey { key: t.text() }, t.span().end),
            },
            Tok::Offset => {
                let start = *i;
                if let Err(e) = self.pieces(i, n, true) {
                    return e;
                }
                let offset = self.value_of(start, *i, t.span().end);
                match self.peek(*i, n) {
                    Some(c) if c.tok == Tok::OffsetClose => *i += 1,
                    other => return self.unexpected(other, "expecting ']'"),
                }
                match self.peek(*i, n) {
                    Some(eq) if eq.tok == Tok::Eq => {
                        *i += 1;
                        self.open_entry = Some((Span::new(t.span().start, eq.span().start), eq.span().end));
                        self.entry(t.text(), Some(Box::new(offset)), eq.span().end, i, n)
                    }
                    other => self.unexpected(other, "expecting '='"),
                }
            }
            _ => self.unexpected(Some(t), ""),
        }
    }

    /// The node of an `EndOfLine` token read as a statement: a comment from its `;`, or
    /// blanks.
    fn line_end_kind(&self, t: Token) -> NodeKind {
        // The `;` is nearly always the first byte: no vector search.
        match self.doc.text(t.span()).iter().position(|&c| c == b';') {
            Some(p) => NodeKind::Comment { text: Span::new(t.span().start + p, t.span().end) },
            None => NodeKind::Trivia,
        }
    }

    // grammar: string-or-value
    fn entry(&mut self, key: Span, offset: Option<Box<Value>>, value_start: usize, i: &mut usize, n: usize) -> Parsed {
        let start = *i;
        match self.peek(*i, n).map(|t| t.tok) {
            Some(Tok::BoolTrue | Tok::BoolFalse | Tok::Null) => *i += 1,
            Some(Tok::EndOfLine) | None => {}
            Some(Tok::End) => {
                let t = self.peek(*i, n);
                return self.unexpected(t, "");
            }
            _ => {
                if let Err(e) = self.expr(i, n) {
                    return e;
                }
            }
        }
        let value = self.value_of(start, *i, value_start);
        // The value must be followed by the end of its line (or of the input).
        match self.peek(*i, n) {
            None => {}
            Some(t) if matches!(t.tok, Tok::EndOfLine | Tok::End) => {}
            other => return self.unexpected(other, ""),
        }
        let end = value.span.end.max(value_start);
        Parsed::Node(NodeKind::Entry(Entry { key, offset, value, applied: !self.failed }), end)
    }

    /// The line's tokens `from..to` as a value, kept in the document; an empty value sits
    /// at `empty_at`.
    fn value_of(&mut self, from: usize, to: usize, empty_at: usize) -> Value {
        let at = self.doc.tokens.len() as u32;
        if from == to {
            return Value { span: Span::empty(empty_at), tokens: at..at };
        }
        let first = self.toks[from].span().start;
        let last = self.toks[to - 1].span().end;
        self.doc.tokens.extend_from_slice(&self.toks[from..to]);
        Value { span: Span::new(first, last), tokens: at..self.doc.tokens.len() as u32 }
    }

    fn peek(&self, i: usize, n: usize) -> Option<Token> {
        (i < n).then(|| self.toks[i])
    }

    // grammar: var-string-list, var-ref, section-name
    /// `var_string_list` pieces (or `section_string_or_value` with `expand = false`): whether
    /// any was read, or the error PHP's parser gives for a `${...}` or `"..."` that does not
    /// close, located at its `${` or `"`.
    fn pieces(&mut self, i: &mut usize, n: usize, _expand: bool) -> Result<bool, Parsed> {
        let mut any = false;
        while let Some(t) = self.peek(*i, n) {
            match t.tok {
                Tok::Constant | Tok::Raw | Tok::Number | Tok::Str | Tok::Whitespace => *i += 1,
                Tok::DollarCurly => *i = self.var_ref(*i, n)?,
                Tok::DqOpen => {
                    let mut j = *i + 1;
                    loop {
                        match self.peek(j, n).map(|t| t.tok) {
                            Some(Tok::Quoted) => j += 1,
                            Some(Tok::DollarCurly) => j = self.var_ref(j, n)?,
                            Some(Tok::DqClose) => break,
                            // ST_DOUBLE_QUOTES reads to the closing quote or the end of the
                            // input (or line, in FPM files): only the end is left.
                            other => {
                                let found = self.peek(j, n).filter(|_| other != Some(Tok::End));
                                return Err(self.unexpected_at(
                                    t.span(),
                                    found,
                                    "expecting TC_DOLLAR_CURLY or TC_QUOTED_STRING or '\"'",
                                ));
                            }
                        }
                    }
                    *i = j + 1;
                }
                _ => return Ok(any),
            }
            any = true;
        }
        Ok(any)
    }

    /// The `${NAME}` at token `k`: the index after its `}`, or PHP's error for it at its `${`
    /// (zend_ini_scanner.l `ST_VARNAME` reads a label or `}`; any other byte ends the input
    /// for the parser, "unexpected end of file").
    fn var_ref(&self, k: usize, n: usize) -> Result<usize, Parsed> {
        let at = self.toks[k].span();
        let tok = |j: usize| self.peek(j, n).filter(|t| t.tok != Tok::End);
        match tok(k + 1).map(|t| t.tok) {
            Some(Tok::VarName) => match tok(k + 2).map(|t| t.tok) {
                Some(Tok::VarClose) => Ok(k + 3),
                _ => Err(self.unexpected_at(at, tok(k + 2), "expecting '}'")),
            },
            _ => Err(self.unexpected_at(at, tok(k + 1), "expecting TC_VARNAME")),
        }
    }

    // grammar: expr
    /// `expr` with PHP's operators; returns the error if the tokens do not form one.
    fn expr(&mut self, i: &mut usize, n: usize) -> Result<(), Parsed> {
        // Iterative: operands and operators alternate; prefix `~ !` and `(` may nest deeply.
        let mut depth = 0usize;
        loop {
            // operand position
            loop {
                match self.peek(*i, n).map(|t| t.tok) {
                    Some(Tok::Op(b'~' | b'!')) => *i += 1,
                    Some(Tok::Op(b'(')) => {
                        depth += 1;
                        *i += 1;
                    }
                    _ => break,
                }
            }
            if !self.pieces(i, n, true)? {
                let t = self.peek(*i, n);
                return Err(self.unexpected_in_expr(t));
            }
            // operator position
            loop {
                match self.peek(*i, n).map(|t| t.tok) {
                    Some(Tok::Op(b')')) if depth > 0 => {
                        depth -= 1;
                        *i += 1;
                    }
                    Some(Tok::Op(b'|' | b'&' | b'^')) => {
                        *i += 1;
                        break;
                    }
                    _ if depth > 0 => {
                        let t = self.peek(*i, n);
                        return Err(self.unexpected(t, "expecting '^' or '|' or '&' or ')'"));
                    }
                    _ => return Ok(()),
                }
            }
        }
    }

    fn unexpected_in_expr(&self, t: Option<Token>) -> Parsed {
        self.unexpected(t, "")
    }

    fn unexpected(&self, t: Option<Token>, expecting: &str) -> Parsed {
        let span = t.map_or(Span::empty(self.limit), |t| t.span());
        self.unexpected_at(span, t, expecting)
    }

    /// [`Self::unexpected`] of token `t` (`None`: the end of the input), located at `span`.
    fn unexpected_at(&self, span: Span, t: Option<Token>, expecting: &str) -> Parsed {
        if expecting.is_empty() {
            if let Some(message) = unexpected_token(t.map_or(Tok::End, |t| t.tok)) {
                return Parsed::Error(span, message.into());
            }
        }
        let name = t.map_or_else(|| "end of file".to_owned(), |t| token_name(t.tok));
        let mut message = format!("syntax error, unexpected {name}");
        if !expecting.is_empty() {
            message.push_str(", ");
            message.push_str(expecting);
        }
        Parsed::Error(span, message.into())
    }
}

/// Whether a line's rest from a NUL byte on holds more than blanks and NULs: text PHP does
/// not read as written.
fn cuts_text(rest: &[u8]) -> bool {
    rest.iter().any(|&c| !matches!(c, b' ' | b'\t' | b'\0' | b'\r' | b'\n'))
}

fn ends_line(text: &[u8]) -> bool {
    text.last().is_some_and(|&c| c == b'\n' || c == b'\r')
}

/// [`token_name`]'s "syntax error, unexpected ..." message, written out for the tokens of
/// one name (not `'c'` of an operator or punctuation), so that a file of refused lines holds
/// no copy of the words per line.
fn unexpected_token(t: Tok) -> Option<&'static str> {
    Some(match t {
        Tok::SectionOpen => "syntax error, unexpected TC_SECTION",
        Tok::SectionClose | Tok::OffsetClose => "syntax error, unexpected ']'",
        Tok::Label => "syntax error, unexpected TC_LABEL",
        Tok::Offset => "syntax error, unexpected TC_OFFSET",
        Tok::Eq => "syntax error, unexpected '='",
        Tok::BoolTrue => "syntax error, unexpected BOOL_TRUE",
        Tok::BoolFalse => "syntax error, unexpected BOOL_FALSE",
        Tok::Null => "syntax error, unexpected NULL_NULL",
        Tok::Raw => "syntax error, unexpected TC_RAW",
        Tok::Constant => "syntax error, unexpected TC_CONSTANT",
        Tok::Number => "syntax error, unexpected TC_NUMBER",
        Tok::Str => "syntax error, unexpected TC_STRING",
        Tok::Whitespace => "syntax error, unexpected TC_WHITESPACE",
        Tok::DollarCurly => "syntax error, unexpected TC_DOLLAR_CURLY",
        Tok::VarName => "syntax error, unexpected TC_VARNAME",
        Tok::VarClose => "syntax error, unexpected '}'",
        Tok::DqOpen | Tok::DqClose => "syntax error, unexpected '\"'",
        Tok::Quoted => "syntax error, unexpected TC_QUOTED_STRING",
        Tok::Op(_) | Tok::Punct(_) => return None,
        Tok::EndOfLine => "syntax error, unexpected END_OF_LINE",
        Tok::End => "syntax error, unexpected end of file",
    })
}

/// Token names as PHP's parser prints them in "syntax error, unexpected ...".
fn token_name(t: Tok) -> String {
    match t {
        Tok::SectionOpen => "TC_SECTION".into(),
        Tok::SectionClose | Tok::OffsetClose => "']'".into(),
        Tok::Label => "TC_LABEL".into(),
        Tok::Offset => "TC_OFFSET".into(),
        Tok::Eq => "'='".into(),
        Tok::BoolTrue => "BOOL_TRUE".into(),
        Tok::BoolFalse => "BOOL_FALSE".into(),
        Tok::Null => "NULL_NULL".into(),
        Tok::Raw => "TC_RAW".into(),
        Tok::Constant => "TC_CONSTANT".into(),
        Tok::Number => "TC_NUMBER".into(),
        Tok::Str => "TC_STRING".into(),
        Tok::Whitespace => "TC_WHITESPACE".into(),
        Tok::DollarCurly => "TC_DOLLAR_CURLY".into(),
        Tok::VarName => "TC_VARNAME".into(),
        Tok::VarClose => "'}'".into(),
        Tok::DqOpen | Tok::DqClose => "'\"'".into(),
        Tok::Quoted => "TC_QUOTED_STRING".into(),
        Tok::Op(c) | Tok::Punct(c) => format!("'{}'", c as char),
        Tok::EndOfLine => "END_OF_LINE".into(),
        Tok::End => "end of file".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The written-out messages are [`token_name`]'s words.
    #[test]
    fn the_unexpected_token_messages_name_the_token_as_php_does() {
        let toks = [
            Tok::SectionOpen,
            Tok::SectionClose,
            Tok::OffsetClose,
            Tok::Label,
            Tok::Offset,
            Tok::Eq,
            Tok::BoolTrue,
            Tok::BoolFalse,
            Tok::Null,
            Tok::Raw,
            Tok::Constant,
            Tok::Number,
            Tok::Str,
            Tok::Whitespace,
            Tok::DollarCurly,
            Tok::VarName,
            Tok::VarClose,
            Tok::DqOpen,
            Tok::DqClose,
            Tok::Quoted,
            Tok::EndOfLine,
            Tok::End,
            Tok::Op(b'|'),
            Tok::Punct(b'('),
        ];
        for t in toks {
            match unexpected_token(t) {
                Some(m) => assert_eq!(m, format!("syntax error, unexpected {}", token_name(t)), "{t:?}"),
                None => assert!(matches!(t, Tok::Op(_) | Tok::Punct(_)), "{t:?}"),
            }
        }
    }

    fn broken(text: &str) -> Vec<(String, String)> {
        let doc = parse(text.as_bytes());
        let s = |span: Span| String::from_utf8_lossy(doc.text(span)).into_owned();
        doc.nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Error(_, Some(b)) => Some((s(b.key), s(b.value))),
                _ => None,
            })
            .collect()
    }

    /// (misread kinds and texts, keys of the entries not applied).
    fn misread(text: &[u8], mode: ScanMode) -> (Vec<(MisreadKind, String)>, Vec<String>) {
        let doc = parse_with(text, mode);
        assert_eq!(doc.print(), text);
        let s = |span: Span| String::from_utf8_lossy(doc.text(span)).into_owned();
        let kinds = doc.misread.iter().map(|m| (m.kind, s(m.span))).collect();
        let unread = doc.entries().filter(|(_, e)| !e.applied).map(|(_, e)| s(e.key)).collect();
        (kinds, unread)
    }

    #[test]
    fn silent_stops_are_misreads_and_what_follows_is_parsed_unapplied() {
        use MisreadKind::*;
        let q = |t: &str| (UnclosedQuote, t.to_owned());
        let file = b"a = o'brien\r\nb = 1\n[s]\nc = 2\n";
        assert_eq!(misread(file, ScanMode::WholeFile), (vec![q("'brien")], vec!["b".to_owned(), "c".to_owned()]));
        assert!(parse(file).accepted());
        // php-fpm drops the rest of the line only.
        assert_eq!(misread(file, ScanMode::PerLine), (vec![q("'brien")], vec![]));
        // A `'` first is PHP's syntax error; the lines after it are parsed, not applied.
        let doc = parse(b"a = 'x\nb = 1\n");
        assert_eq!((doc.errors.len(), doc.misread.len()), (1, 0));
        assert_eq!(misread(b"a = 'x\nb = 1\n", ScanMode::WholeFile).1, ["b"]);
        assert_eq!(misread(b"a = \"x\nb = 1\n", ScanMode::WholeFile).1, ["b"]);
        // A NUL in a value cuts the rest of its line; with nothing after it, nothing.
        assert_eq!(misread(b"a = x\0b = 2\n", ScanMode::WholeFile).0, [(Nul, "\0b = 2".to_owned())]);
        assert_eq!(misread(b"a = x\0b = 2\n", ScanMode::PerLine).0, [(Nul, "\0b = 2".to_owned())]);
        assert_eq!(misread(b"a = x\0 \n", ScanMode::WholeFile).0, []);
        assert_eq!(misread(b"; c\0x\n", ScanMode::PerLine).0, []);
        // A `'` past a stop or a syntax error is not PHP's: it never gets there.
        assert_eq!(misread(b"a = x=y\nb = o'c\n", ScanMode::WholeFile).0, []);
        assert_eq!(misread(b"a = x'y\nb = o'c\n", ScanMode::WholeFile).0, []);
        assert_eq!(misread(b"a = x'\nb = o'c\nd = 1\n", ScanMode::WholeFile), (vec![], vec![]));
        // The tail's first error ends the parse: one node, not one per broken line.
        let doc = parse(&b"a = x'y\n".iter().chain(b"[x\n".repeat(1000).iter()).copied().collect::<Vec<u8>>());
        assert!(doc.nodes.len() < 5 && doc.errors.is_empty(), "{:?}", doc.nodes);
    }

    #[test]
    fn a_refused_entry_knows_its_key_and_raw_value() {
        // PHP keeps `a = x` and refuses the `=`: the broken entry is the whole line's.
        assert_eq!(broken("a = x=y  \n"), [("a ".to_owned(), "x=y".to_owned())]);
        assert_eq!(broken("p[k] =\tv=w ; c\r\n"), [("p[k]".to_owned(), "v=w ; c".to_owned())]);
        // An error on a later line is not the earlier entry's.
        assert_eq!(broken("a = 1\n= 2\n"), Vec::<(String, String)>::new());
        assert_eq!(broken("[sect\n"), Vec::<(String, String)>::new());
    }
}

/// The per-line mode's comment and empty lines made without a scan: the same document as
/// the scan of every line gives, on every fixture and corpus file and on generated lines
/// (`;` comments with `\r`, `\r\n`, NUL, BOM, blanks before the `;`, no final line end).
#[cfg(test)]
mod short_lines_tests {
    use super::*;

    fn same(bytes: &[u8]) {
        let fast = parse_lines(bytes.into(), ScanMode::PerLine, true, true);
        let scanned = parse_lines(bytes.into(), ScanMode::PerLine, false, true);
        let shown = String::from_utf8_lossy(bytes);
        assert_eq!(fast.nodes, scanned.nodes, "{shown:?}");
        assert_eq!(fast.tokens, scanned.tokens, "{shown:?}");
        assert_eq!(fast.errors, scanned.errors, "{shown:?}");
        assert_eq!(fast.print(), bytes);
        // Comment and empty lines read a run at a time: the tree the rules give, a token a line.
        for mode in [ScanMode::WholeFile, ScanMode::PerLine] {
            let runs = parse_lines(bytes.into(), mode, true, true);
            let tokens = parse_lines(bytes.into(), mode, true, false);
            assert_eq!(runs.nodes, tokens.nodes, "{mode:?} {shown:?}");
            assert_eq!(runs.tokens, tokens.tokens, "{mode:?} {shown:?}");
            assert_eq!(runs.errors, tokens.errors, "{mode:?} {shown:?}");
            // No two blank-or-comment nodes stand side by side.
            let loose = |k: &NodeKind| matches!(k, NodeKind::Trivia | NodeKind::Comment { .. });
            assert!(!runs.nodes.windows(2).any(|w| loose(&w[0].kind) && loose(&w[1].kind)), "{shown:?}");
        }
    }

    #[test]
    fn short_lines_are_the_nodes_a_scan_makes() {
        let files = crate::test_input::fixture_files();
        assert!(files.len() > 500, "only {} files", files.len());
        for (_, bytes) in &files {
            same(bytes);
        }
        let pieces: [&[u8]; 21] = [
            b";",
            b"a = x ;c\r\n",
            b"'",
            b"  ; c\n",
            b" \t\r\n",
            b"\n;\n",
            b"; c",
            b"\n",
            b"\r",
            b"\r\n",
            b"\0",
            b"\xef\xbb\xbf",
            b" ",
            b"\t",
            b"a = 1",
            b"[s]",
            b"\"",
            b"=",
            b"b = \"x",
            b"pm = static",
            b";;\r;",
        ];
        for bytes in crate::test_input::joined_pieces(0x11e5, 20_000, (2, 24), &pieces) {
            same(&bytes);
        }
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn tokens_and_nodes_stay_small() {
        // A php.ini of `a = 1` lines is two nodes and one kept token per 6 bytes.
        assert!(std::mem::size_of::<Token>() <= 20);
        assert!(std::mem::size_of::<Node>() <= 72);
    }
}
