//! redis.conf / valkey.conf: a lossless line tree (every byte kept, every argument with its
//! span), the directive table, the load-time checks redis-server makes, and `include` expansion.
//!
//! Grammar: `grammars/redis-conf.ebnf`. The tokenizer follows `sdssplitargs()` of
//! redis@7.0.15:src/sds.c and the line loop of `loadServerConfigFromString()` in
//! redis@7.0.15:src/config.c.

mod acl;
mod arg_bytes;
mod c_numbers;
mod check;
mod config_get;
pub mod directives;
pub mod encode;
pub(crate) mod fgets;
mod include_cache;
mod load;
mod values;

use crate::span::Span;
use crate::syntax::SyntaxError;

pub use arg_bytes::ArgBytes;
pub use check::{Action, Checker};
pub(crate) use config_get::effective_rows;
pub use config_get::{effective_config, DirectiveName, EffectiveConfig};
pub use include_cache::IncludeCache;
pub use load::{LoadError, LoadErrorKind, LoadedConfig, LoadedDirective, Loader, MAX_NOTES};

/// One parsed file: the bytes it was parsed from and one [`Line`] per `\n`-terminated line.
/// The line spans tile the input, so [`RedisConf::print`] gives the input back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisConf {
    /// The input, shared with the caller's copy when parsed by [`parse_shared`].
    text: std::sync::Arc<[u8]>,
    lines: Vec<Line>,
    /// The directive of each [`LineKind::Directive`], indexed by it: held here, not boxed per
    /// line, so a directive costs its record and no allocation of its own.
    directives: Vec<Directive>,
    /// The error of each [`LineKind::Error`] and [`LineKind::Misread`], indexed by it. A
    /// directive or error a later misread mark replaced stays here, unreferenced.
    errors: Vec<SyntaxError>,
    /// The 0-based indices of the lines that are neither blank nor comments: most of a
    /// shipped redis.conf is comments, and the loader and the model walk only these.
    /// As a bit set, bit `i % 64` of word `i / 64` for line `i`: 1 bit a line, where a
    /// list of indices cost 8 bytes a directive (19 MB for 2.4 million).
    read: Vec<u64>,
}

/// One line: its full span (including the `\n`, if any) and what it holds. 32 bytes: most
/// lines of a shipped redis.conf are comments, so what only a directive or an error needs is
/// held in the tree's side vectors ([`RedisConf::directive`], [`RedisConf::line_error`]) and
/// the trimmed content is worked out when asked ([`Line::content`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The whole line including its line ending.
    pub span: Span,
    pub kind: LineKind,
}

/// What a line holds. The payload of `Directive`, `Error` and `Misread` is an index into the
/// tree that holds the line: read it with [`RedisConf::directive`] / [`RedisConf::line_error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Empty after trimming, or only `\v`/`\f` blanks (sdssplitargs yields no argument).
    Blank,
    /// `#` as the first byte after trimming.
    Comment,
    Directive(usize),
    /// A line redis-server refuses before looking at the directive name.
    Error(usize),
    /// A line redis-server does not read as written: it holds a NUL byte, or follows one
    /// whose read dropped the newline ([`fgets::misread_spans`]). Not refused: what it reads
    /// is the `Loader`'s (`FgetsView`); the error says why, and no edit may touch it.
    Misread(usize),
}

impl Line {
    /// The line after redis-server's trim of `" \t\r\n"` on both ends (`sdstrim`), as a
    /// span of `text`, the bytes the tree was parsed from ([`RedisConf::text`]).
    pub fn content(&self, text: &[u8]) -> Span {
        trim(text, self.span)
    }
}

/// `name arg...` as sdssplitargs splits it. The name is itself an argument (it may be quoted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub name: Arg,
    args: Vec<Arg>,
}

/// One argument as written (`span`, quotes included) and as redis-server sees it (`value`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    pub span: Span,
    /// Unescaped; inline when short (no allocation for most arguments).
    pub value: ArgBytes,
    pub quoting: Quoting,
}

/// How an argument was written; a rewriter keeps the style when it replaces a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quoting {
    /// No quote character anywhere in the token.
    Bare,
    /// Starts with `"` (or switches into `"` mid-token, e.g. `a"b c"`).
    Double,
    /// Starts with `'` (or switches into `'` mid-token).
    Single,
}

impl Directive {
    /// The arguments after the name.
    pub fn args(&self) -> &[Arg] {
        &self.args
    }

    /// The name as redis-server looks it up: unescaped and ASCII-lowercased (`sdstolower`).
    pub fn name_lowercase(&self) -> String {
        String::from_utf8_lossy(&self.name.value).to_ascii_lowercase()
    }

    /// The span from the name to the end of the last argument.
    pub fn span(&self) -> Span {
        match self.args.last() {
            Some(last) => self.name.span.to(last.span),
            None => self.name.span,
        }
    }
}

impl RedisConf {
    /// The bytes this tree was parsed from.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The directive `line` (one of this tree's [`lines`](Self::lines)) holds; `None` for
    /// any other kind of line.
    pub fn directive(&self, line: &Line) -> Option<&Directive> {
        match line.kind {
            LineKind::Directive(i) => self.directives.get(i),
            _ => None,
        }
    }

    /// Why redis-server refuses (`Error`) or misreads (`Misread`) `line`, one of this tree's
    /// [`lines`](Self::lines); `None` for any other kind of line.
    pub fn line_error(&self, line: &Line) -> Option<&SyntaxError> {
        match line.kind {
            LineKind::Error(i) | LineKind::Misread(i) => self.errors.get(i),
            _ => None,
        }
    }

    /// The lines that are neither [`LineKind::Blank`] nor [`LineKind::Comment`] (directives,
    /// refused and misread lines), in file order, with their 0-based line index. Costs what
    /// they are, not what the comments around them are.
    pub fn lines_read(&self) -> impl Iterator<Item = (usize, &Line)> {
        let set = self.read.iter().enumerate().flat_map(|(w, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(i)
            })
        });
        set.filter_map(|i| Some((i, self.lines.get(i)?)))
    }

    /// The directives in file order, with their 0-based line index.
    pub fn directives(&self) -> impl Iterator<Item = (usize, &Directive)> {
        self.lines_read().filter_map(|(i, l)| Some((i, self.directive(l)?)))
    }

    /// Lines redis-server refuses (unbalanced quotes), in file order.
    pub fn errors(&self) -> impl Iterator<Item = &SyntaxError> {
        self.lines_read().filter_map(|(_, l)| match l.kind {
            LineKind::Error(i) => self.errors.get(i),
            _ => None,
        })
    }

    /// Lines redis-server reads otherwise than written (a NUL byte, [`LineKind::Misread`]),
    /// in file order: warnings, not refusals.
    pub fn misread(&self) -> impl Iterator<Item = &SyntaxError> {
        self.lines_read().filter_map(|(_, l)| match l.kind {
            LineKind::Misread(i) => self.errors.get(i),
            _ => None,
        })
    }

    /// The text of the tree: the concatenation of every line's span, i.e. the input.
    pub fn print(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.text.len());
        for line in &self.lines {
            out.extend_from_slice(line.span.slice(&self.text));
        }
        out
    }
}

impl std::fmt::Display for RedisConf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.print()))
    }
}

/// Parse any bytes. Never fails: lines redis-server would refuse become [`LineKind::Error`].
/// Linear in the input; no recursion.
pub fn parse(bytes: &[u8]) -> RedisConf {
    parse_shared(bytes.into())
}

/// [`parse`] on bytes the caller keeps too (a `Source`'s): the tree shares them instead of
/// holding a copy.
pub fn parse_shared(text: std::sync::Arc<[u8]>) -> RedisConf {
    let bytes: &[u8] = &text;
    // Sized once: growing by doubling left up to half the largest allocation unused.
    let mut lines = Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count() + 1);
    let mut read = vec![0u64; lines.capacity().div_ceil(64)];
    let mut records = Records::default();
    let mut start = 0;
    let mut scratch = Scratch::default();
    // grammar: file = { line } ; lines are split on "\n" only (sdssplitlen(config, "\n")).
    // One search over the whole text (a search per line cost more to start than to run).
    let ends = memchr::memchr_iter(b'\n', bytes).map(|i| i + 1);
    let last = (bytes.last().is_some_and(|&b| b != b'\n')).then_some(bytes.len());
    for end in ends.chain(last) {
        let line = parse_line(bytes, Span::new(start, end), &mut scratch, &mut records);
        if !matches!(line.kind, LineKind::Blank | LineKind::Comment) {
            set_bit(&mut read, lines.len());
        }
        lines.push(line);
        start = end;
    }
    if mark_misread(bytes, &mut lines, &mut records.errors) {
        // A comment or blank line may have become misread.
        for (i, line) in lines.iter().enumerate() {
            if matches!(line.kind, LineKind::Misread(_)) {
                set_bit(&mut read, i);
            }
        }
    }
    // Grown by doubling: give back what the last growth left unused.
    records.directives.shrink_to_fit();
    RedisConf { text, lines, directives: records.directives, errors: records.errors, read }
}

/// Marks line `i` in a [`RedisConf::read`] bit set sized for it.
fn set_bit(set: &mut [u64], i: usize) {
    if let Some(word) = set.get_mut(i / 64) {
        *word |= 1 << (i % 64);
    }
}

/// The side vectors a parse fills ([`RedisConf::directives`], [`RedisConf::errors`]).
#[derive(Default)]
struct Records {
    directives: Vec<Directive>,
    errors: Vec<SyntaxError>,
}

/// Lines redis-server's fgets() reads otherwise than written become [`LineKind::Misread`]:
/// the line with the NUL, and each line its read joined to it. Whether any line was marked.
fn mark_misread(bytes: &[u8], lines: &mut [Line], errors: &mut Vec<SyntaxError>) -> bool {
    let mut marked = false;
    for run in fgets::misread_spans(bytes) {
        let first = lines.partition_point(|l| l.span.end <= run.start);
        let mut i = first;
        while i < lines.len() && lines[i].span.start < run.end {
            let line = &mut lines[i];
            let content = line.content(bytes);
            let text = content.slice(bytes);
            let error = match text.iter().position(|&b| b == 0) {
                Some(nul) => SyntaxError::new(
                    Span::new(content.start + nul, content.start + nul + 1),
                    "NUL byte: redis-server drops the text after it up to the end of the line (the newline too, \
                     so the next line joins this one), or of its 1024-byte read",
                ),
                None => SyntaxError::new(
                    if content.is_empty() { line.span } else { content },
                    format!(
                        "redis-server reads this line joined to the end of line {} (a NUL byte there dropped the \
                         newline), not as written",
                        first + 1
                    ),
                ),
            };
            line.kind = LineKind::Misread(errors.len());
            errors.push(error);
            marked = true;
            i += 1;
        }
    }
    marked
}

/// Buffers reused from line to line, so that splitting a line allocates only what the tree
/// keeps (its arguments after the name, and values too long to be inline).
#[derive(Default)]
struct Scratch {
    args: Vec<Arg>,
    value: Vec<u8>,
}

/// grammar: line, trim-set, blank, comment, directive
fn parse_line(bytes: &[u8], span: Span, scratch: &mut Scratch, records: &mut Records) -> Line {
    // Most lines of a shipped redis.conf are comments from their first byte: no trim.
    if bytes.get(span.start) == Some(&b'#') {
        return Line { span, kind: LineKind::Comment };
    }
    let content = trim(bytes, span);
    let text = content.slice(bytes);
    let kind = if text.is_empty() {
        LineKind::Blank
    } else if text[0] == b'#' {
        // grammar: comment — only when `#` is the first non-blank byte.
        LineKind::Comment
    } else {
        scratch.args.clear();
        match split_args_into(bytes, content, &mut scratch.args, &mut scratch.value) {
            Ok(()) => {
                let mut args = scratch.args.drain(..);
                match args.next() {
                    None => LineKind::Blank,
                    // Collected from an exact-size iterator: one allocation of the exact
                    // size, none for a line with no argument after the name.
                    Some(name) => {
                        records.directives.push(Directive { name, args: args.collect() });
                        LineKind::Directive(records.directives.len() - 1)
                    }
                }
            }
            Err(at) => {
                records
                    .errors
                    .push(SyntaxError::new(Span::new(at, content.end), "Unbalanced quotes in configuration line"));
                LineKind::Error(records.errors.len() - 1)
            }
        }
    };
    Line { span, kind }
}

/// `sdstrim(line, " \t\r\n")`.
/// A span outside `bytes` trims to nothing. Over the line's slice, not indexing `bytes` per
/// byte: the secrets pass asks every line of every file.
fn trim(bytes: &[u8], span: Span) -> Span {
    let is_trim = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let Some(line) = bytes.get(span.start..span.end) else { return Span::new(span.start, span.start) };
    let s = line.iter().position(|&b| !is_trim(b)).unwrap_or(line.len());
    let e = line.iter().rposition(|&b| !is_trim(b)).map_or(s, |p| p + 1);
    Span::new(span.start + s, span.start + e)
}

/// C `isspace()` in the C locale.
fn is_space(b: u8) -> bool {
    BYTE_CLASS[usize::from(b)] & SPACE != 0
}

/// [`BYTE_CLASS`] bit: C `isspace()` in the C locale (space, `\t \n \v \f \r`).
const SPACE: u8 = 1;
/// [`BYTE_CLASS`] bit: ends a bare run of `sdssplitargs` (space, `\t \r \n`, NUL) or
/// starts a quoted part (`"`, `'`).
const BARE_STOP: u8 = 2;

/// One table lookup per byte instead of a chain of compares.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b' ' as usize] = SPACE | BARE_STOP;
    t[b'\t' as usize] = SPACE | BARE_STOP;
    t[b'\n' as usize] = SPACE | BARE_STOP;
    t[b'\r' as usize] = SPACE | BARE_STOP;
    t[0x0b] = SPACE;
    t[0x0c] = SPACE;
    t[0] = BARE_STOP;
    t[b'"' as usize] = BARE_STOP;
    t[b'\'' as usize] = BARE_STOP;
    t
};

/// `sdssplitargs()` over `bytes[content]`. On unbalanced quotes returns the offset of the
/// argument that failed. grammar: args, arg
pub(crate) fn split_args(bytes: &[u8], content: Span) -> Result<Vec<Arg>, usize> {
    let mut args = Vec::new();
    split_args_into(bytes, content, &mut args, &mut Vec::new())?;
    Ok(args)
}

/// [`split_args`] appending to `args`, with `value` as the buffer a quoted argument is
/// unescaped into (reused: only values too long to be inline allocate).
fn split_args_into(bytes: &[u8], content: Span, args: &mut Vec<Arg>, value: &mut Vec<u8>) -> Result<(), usize> {
    let end = content.end;
    // The C code reads a NUL-terminated string: past the end is '\0'.
    let at = |i: usize| if i < end { bytes[i] } else { 0 };
    let mut p = content.start;
    loop {
        // grammar: blanks — isspace(), which includes \v and \f.
        while p < end && is_space(bytes[p]) {
            p += 1;
        }
        if p >= end {
            return Ok(());
        }
        let token_start = p;
        // Most arguments are one bare run: its value is the bytes as written.
        while p < end && BYTE_CLASS[usize::from(bytes[p])] & BARE_STOP == 0 {
            p += 1;
        }
        if p >= end || !matches!(bytes[p], b'"' | b'\'') {
            args.push(Arg {
                span: Span::new(token_start, p),
                value: ArgBytes::from(&bytes[token_start..p]),
                quoting: Quoting::Bare,
            });
            if p < end && bytes[p] == 0 {
                // The end of the C string (a caller cuts there; never loop on it).
                return Ok(());
            }
            continue;
        }
        // A quote at or after the start of the token: unescape from here.
        value.clear();
        value.extend_from_slice(&bytes[token_start..p]);
        let mut quoting = Quoting::Bare;
        let mut in_double = false;
        let mut in_single = false;
        loop {
            let c = at(p);
            if in_double {
                // grammar: double-quoted, dq-escape
                if c == b'\\' && at(p + 1) == b'x' && at(p + 2).is_ascii_hexdigit() && at(p + 3).is_ascii_hexdigit() {
                    value.push(hex(at(p + 2)) * 16 + hex(at(p + 3)));
                    p += 3;
                } else if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    value.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    // grammar: the closing quote must be followed by a blank or the end.
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return Err(token_start);
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return Err(token_start);
                } else {
                    value.push(c);
                }
            } else if in_single {
                // grammar: single-quoted
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    value.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return Err(token_start);
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return Err(token_start);
                } else {
                    value.push(c);
                }
            } else {
                // grammar: bare-byte — a bare run ends at space, \t, \r, \n (not \v \f) or the end.
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' => {
                        in_double = true;
                        if quoting == Quoting::Bare {
                            quoting = Quoting::Double;
                        }
                    }
                    b'\'' => {
                        in_single = true;
                        if quoting == Quoting::Bare {
                            quoting = Quoting::Single;
                        }
                    }
                    _ => value.push(c),
                }
            }
            p += 1;
        }
        args.push(Arg { span: Span::new(token_start, p.min(end)), value: ArgBytes::from(value.as_slice()), quoting });
    }
}

fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// sdssplitargs over a value already unescaped (the MULTI_ARG re-split of a single argument).
/// `None` = unbalanced quotes.
pub fn split_value(value: &[u8]) -> Option<Vec<ArgBytes>> {
    // A NUL inside the value ends the C string there.
    let cut = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    split_args(value, Span::new(0, cut)).ok().map(|args| args.into_iter().map(|a| a.value).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(line: &str) -> Result<Vec<String>, usize> {
        let b = line.as_bytes();
        split_args(b, Span::new(0, b.len()))
            .map(|v| v.into_iter().map(|a| String::from_utf8_lossy(&a.value).into_owned()).collect())
    }

    #[test]
    fn splits_like_sdssplitargs() {
        assert_eq!(values("save 900 1").unwrap(), ["save", "900", "1"]);
        assert_eq!(values(r#"requirepass "a b""#).unwrap(), ["requirepass", "a b"]);
        assert_eq!(values(r#"x "\x41\n\t\\\"" 'it\'s'"#).unwrap(), ["x", "A\n\t\\\"", "it's"]);
        assert_eq!(values(r#"x 'a\nb'"#).unwrap(), ["x", "a\\nb"]);
        assert_eq!(values(r#"x a"b c""#).unwrap(), ["x", "ab c"]);
        assert_eq!(values(r#"x """#).unwrap(), ["x", ""]);
        assert_eq!(values("x \x0bq").unwrap(), ["x", "q"]);
        assert_eq!(values("x a\x0bb").unwrap(), ["x", "a\x0bb"]);
        assert_eq!(values(r#"x "\xZZ""#).unwrap(), ["x", "xZZ"]);
    }

    #[test]
    fn unbalanced_quotes() {
        assert_eq!(values(r#"x "abc"#), Err(2));
        assert_eq!(values(r#"x "abc"d"#), Err(2));
        assert_eq!(values(r#"x 'abc'd"#), Err(2));
        assert_eq!(values(r#"x "abc\"#), Err(2));
        assert!(values("x \"abc\"\x0b").is_ok());
    }

    #[test]
    fn lines_and_spans() {
        let text = b"# c\r\n\n  port 6380 \r\nbind \"1 2\"\nbad \"q\n\x0b\nlast";
        let conf = parse(text);
        assert_eq!(conf.print(), text);
        let kinds: Vec<&str> = conf
            .lines()
            .iter()
            .map(|l| match l.kind {
                LineKind::Blank => "blank",
                LineKind::Comment => "comment",
                LineKind::Directive(_) => "directive",
                LineKind::Error(_) => "error",
                LineKind::Misread(_) => "misread",
            })
            .collect();
        assert_eq!(kinds, ["comment", "blank", "directive", "directive", "error", "blank", "directive"]);
        let (_, port) = conf.directives().next().unwrap();
        assert_eq!(port.name_lowercase(), "port");
        assert_eq!(port.args()[0].span.slice(text), b"6380");
        let (_, bind) = conf.directives().nth(1).unwrap();
        assert_eq!(bind.args()[0].span.slice(text), b"\"1 2\"");
        assert_eq!(bind.args()[0].quoting, Quoting::Double);
    }

    #[test]
    fn hash_after_first_token_is_an_argument() {
        let conf = parse(b"maxmemory-policy noeviction # comment\n");
        let (_, d) = conf.directives().next().unwrap();
        assert_eq!(d.args().len(), 3);
    }

    #[test]
    fn nul_and_invalid_utf8_do_not_panic() {
        let text = b"port \x00 1\n\xff\xfe \"\xc3\x28\"\n";
        let conf = parse(text);
        assert_eq!(conf.print(), text);
        // The NUL's read drops the newline: redis-server reads `port \xff\xfe "\xc3("`.
        assert_eq!(conf.errors().count(), 0);
        assert_eq!(conf.misread().count(), 2);
    }

    #[test]
    fn bare_arguments_are_their_bytes_and_a_nul_ends_the_string() {
        let conf = parse(b"maxmemory-policy allkeys-lru x\"y z\"\n");
        let (_, d) = conf.directives().next().unwrap();
        assert_eq!(d.args()[0].value, b"allkeys-lru");
        assert_eq!(d.args()[0].quoting, Quoting::Bare);
        assert_eq!(d.args()[1].value, b"xy z");
        assert_eq!(d.args()[1].quoting, Quoting::Double);
        assert_eq!(split_value(b"a b\0c d").unwrap(), [ArgBytes::from(&b"a"[..]), ArgBytes::from(&b"b"[..])]);
        // A comment or blank line's memory is its 32-byte `Line`; a directive adds its record
        // in the tree's side vector (no allocation of its own) and, with arguments after the
        // name, one exact allocation; values up to 22 bytes are inline.
        assert!(std::mem::size_of::<Line>() <= 32);
        assert_eq!(std::mem::size_of::<Directive>(), 72);
        assert_eq!(std::mem::size_of::<Arg>(), 48);
    }

    /// The lines read are every line but the blank and comment ones, also when a NUL makes a
    /// comment line misread.
    #[test]
    fn lines_read_are_the_lines_not_blank_nor_comments() {
        for text in [&b"# c\n\nport 1\n  # d\nbad \"q\nlast"[..], b"# a\x00b\n# joined\nport 2\n", b"", b"\n\n# x"] {
            let conf = parse(text);
            let all: Vec<usize> = (0..conf.lines().len())
                .filter(|&i| !matches!(conf.lines()[i].kind, LineKind::Blank | LineKind::Comment))
                .collect();
            let read: Vec<usize> = conf.lines_read().map(|(i, _)| i).collect();
            assert_eq!(read, all, "{:?}", String::from_utf8_lossy(text));
        }
        assert_eq!(parse(b"# a\x00b\n# joined\nport 2\n").lines_read().count(), 3);
        // Past one 64-line word of the bit set, its first and last bits included.
        let long: String =
            (0..200).map(|i| if i % 3 == 0 || i == 63 || i == 64 { "port 1\n" } else { "# c\n" }).collect();
        let conf = parse(long.as_bytes());
        let read: Vec<usize> = conf.lines_read().map(|(i, _)| i).collect();
        let expected: Vec<usize> = (0..200).filter(|i| i % 3 == 0 || *i == 63 || *i == 64).collect();
        assert_eq!(read, expected);
    }

    /// A line's record is the one parsed from it, also when a NUL marks a directive or a
    /// refused line misread after it was parsed (its old record stays, unreferenced).
    #[test]
    fn each_line_reads_its_own_record() {
        let text = b"port 1\nbad \"q\nbind a\0b\nmaxmemory 2\nx \"y\n";
        let conf = parse(text);
        let lines = conf.lines();
        let name = |i: usize| conf.directive(&lines[i]).map(|d| d.name.span.slice(text).to_vec());
        assert_eq!(name(0).as_deref(), Some(&b"port"[..]));
        assert_eq!(conf.line_error(&lines[0]), None);
        assert!(matches!(lines[1].kind, LineKind::Error(_)));
        assert_eq!(conf.line_error(&lines[1]).map(|e| e.span.slice(text)), Some(&b"\"q"[..]));
        assert_eq!(name(1), None);
        // `bind a\0b` and the line its read joins are misread, not directives.
        assert!(matches!(lines[2].kind, LineKind::Misread(_)) && matches!(lines[3].kind, LineKind::Misread(_)));
        assert_eq!((name(2), name(3)), (None, None));
        assert!(conf.line_error(&lines[3]).is_some_and(|e| e.message.contains("line 3")));
        assert!(matches!(lines[4].kind, LineKind::Error(_)));
        assert_eq!(conf.line_error(&lines[4]).map(|e| e.span.slice(text)), Some(&b"\"y"[..]));
        let names: Vec<&[u8]> = conf.directives().map(|(_, d)| d.name.span.slice(text)).collect();
        assert_eq!(names, [&b"port"[..]]);
        assert_eq!((conf.errors().count(), conf.misread().count()), (2, 2));
    }

    /// `sdstrim(" \t\r\n")` on both ends, as a span; a blank line trims to its end.
    #[test]
    fn content_is_the_line_trimmed() {
        let text = b"  port 1 \t\r\n \t\r\n\x0bx\x0c\n#c\nlast";
        let conf = parse(text);
        let contents: Vec<(usize, usize)> =
            conf.lines().iter().map(|l| l.content(text)).map(|c| (c.start, c.end)).collect();
        assert_eq!(contents, [(2, 8), (16, 16), (16, 19), (20, 22), (23, 27)]);
        assert_eq!(conf.lines()[0].content(b"short"), Span::new(0, 0));
    }

    #[test]
    fn resplit_of_one_value() {
        assert_eq!(split_value(b"900 1 300 10").unwrap().len(), 4);
        assert_eq!(split_value(b"\"a").map(|v| v.len()), None);
    }
}
