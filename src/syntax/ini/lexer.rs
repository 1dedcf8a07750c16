//! The token scanner of PHP's ini language (grammar: `grammars/php-ini.ebnf`, "Tokens").
//!
//! It mirrors the states of `Zend/zend_ini_scanner.l` (PHP 8.2, NORMAL mode): at each
//! position every rule of the current state is tried, the longest match wins, and on a
//! tie the rule listed first in PHP's scanner wins. One quirk is kept on purpose: where
//! PHP's scanner would have to read past the end of the input (an unterminated `'...'`,
//! a `;` comment or a bare key on the last line without a newline), it stops with
//! "end of file", and so do we.

use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    /// `[` starting a section header.
    SectionOpen,
    /// `]` ending a section header, with trailing blanks and one line end.
    SectionClose,
    /// A key; `text` is the key without surrounding blanks.
    Label,
    /// A key followed by `[`; `text` is the key.
    Offset,
    /// `]` ending an offset, with leading blanks.
    OffsetClose,
    /// `=` with blanks around it.
    Eq,
    BoolTrue,
    BoolFalse,
    Null,
    /// `'raw'`; `text` is the inside.
    Raw,
    Constant,
    Number,
    Str,
    Whitespace,
    /// `${`
    DollarCurly,
    VarName,
    /// `}` closing `${`.
    VarClose,
    /// `"` opening a quoted string (with blanks before it).
    DqOpen,
    /// `"` closing a quoted string (with blanks after it).
    DqClose,
    /// Contents of a quoted string up to `"` or `${`; still escaped.
    Quoted,
    /// One of `| & ^ ~ ! ( )` in a value, with blanks after it.
    Op(u8),
    /// End of a line or value: a line end, a `;` comment with its line end, or nothing.
    EndOfLine,
    /// A character that may not start a statement (`&`, `=`, `"`, ...).
    Punct(u8),
    /// PHP's scanner stops here ("end of file"), whether or not input remains.
    End,
}

/// One token: 20 bytes, byte offsets kept as `u32` (the scanner reads at most
/// [`MAX_SCANNED`] bytes); [`Token::span`] and [`Token::text`] give them back as [`Span`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    start: u32,
    end: u32,
    text_start: u32,
    text_end: u32,
}

/// The most bytes the scanner reads of one input (offsets fit in `u32`); the parser leaves
/// the rest unread. Far above the 16 MiB sesslint reads of any file.
pub const MAX_SCANNED: usize = u32::MAX as usize;

impl Token {
    /// `span` and `text` end at most at [`MAX_SCANNED`].
    pub(super) fn new(tok: Tok, span: Span, text: Span) -> Token {
        let at = |x: usize| x.min(MAX_SCANNED) as u32;
        Token { tok, start: at(span.start), end: at(span.end), text_start: at(text.start), text_end: at(text.end) }
    }

    /// Every byte the token consumed (byte offsets into the input).
    pub fn span(&self) -> Span {
        Span::new(self.start as usize, self.end as usize)
    }

    /// The meaningful part (key without blanks, string without quotes, ...), byte offsets.
    pub fn text(&self) -> Span {
        Span::new(self.text_start as usize, self.text_end as usize)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Initial,
    Value,
    SectionValue,
    Offset,
    DoubleQuotes,
    VarName,
}

pub struct Lexer<'a> {
    src: &'a [u8],
    /// Where this scan's input ends (FPM scans each line separately).
    limit: usize,
    pos: usize,
    start: usize,
    state: State,
    stack: Vec<State>,
    done: bool,
    /// Whether the most common first bytes go straight to the one rule that can win there
    /// (false: every rule of the state is tried; the same tokens, for the tests).
    dispatch: bool,
}

/// Byte classes, one table lookup per test instead of a comparison chain or a search of a
/// byte list (the scanner's inner loops run once per input byte).
const BLANK: u8 = 1;
/// `LABEL` characters of PHP 8.2: `[^=\n\r\t;&|^$~(){}!"\[]`.
const LABEL: u8 = 2;
/// `VALUE_CHARS` minus the `$` forms: `[^$= \t\n\r;&|^~()!"'\000]`.
const PLAIN_VALUE: u8 = 4;
/// Bytes INITIAL reads as a lone `Punct` (`[]"'()&|^$!~{}=:,.+-/*%<>?@`).
const PUNCT: u8 = 8;
/// Operators in a value: `& | ^ ~ ( ) !`.
const OP: u8 = 16;
/// `[a-zA-Z_]`: a constant's first byte.
const CONSTANT_START: u8 = 32;
/// `[a-zA-Z0-9_]`.
const CONSTANT_CHAR: u8 = 64;
/// `[tTfFoOyYnN]`: the first bytes of the keywords (`true`, `off`, `yes`, `none`, ...).
const KEYWORD_START: u8 = 128;

const fn one_of(b: u8, set: &[u8]) -> bool {
    let mut k = 0;
    while k < set.len() {
        if set[k] == b {
            return true;
        }
        k += 1;
    }
    false
}

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if one_of(b, b" \t") {
            c |= BLANK;
        }
        if !one_of(b, b"=\n\r\t;&|^$~(){}!\"[") {
            c |= LABEL;
        }
        if !one_of(b, b"$= \t\n\r;&|^~()!\"'\0") {
            c |= PLAIN_VALUE;
        }
        if one_of(b, b"[]\"'()&|^$!~{}=:,.+-/*%<>?@") {
            c |= PUNCT;
        }
        if one_of(b, b"&|^~()!") {
            c |= OP;
        }
        if b.is_ascii_alphabetic() || b == b'_' {
            c |= CONSTANT_START | CONSTANT_CHAR;
        }
        if b.is_ascii_digit() {
            c |= CONSTANT_CHAR;
        }
        if one_of(b, b"tTfFoOyYnN") {
            c |= KEYWORD_START;
        }
        t[i] = c;
        i += 1;
    }
    t
};

#[inline(always)]
fn is(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

fn is_blank(b: u8) -> bool {
    is(b, BLANK)
}

fn is_label_char(b: u8) -> bool {
    is(b, LABEL)
}

fn is_constant_start(b: u8) -> bool {
    is(b, CONSTANT_START)
}

fn is_constant_char(b: u8) -> bool {
    is(b, CONSTANT_CHAR)
}

fn is_plain_value_char(b: u8) -> bool {
    is(b, PLAIN_VALUE)
}

/// Outcome of trying one rule: how far it matched, or that it needs bytes past the end.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Match {
    No,
    Len(usize),
    PastEnd,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a [u8]) -> Self {
        Self::window(src, 0, src.len())
    }

    /// Scan only `src[start..limit]`, as if it were the whole input.
    pub fn window(src: &'a [u8], start: usize, limit: usize) -> Self {
        Lexer { src, limit, pos: start, start, state: State::Initial, stack: Vec::new(), done: false, dispatch: true }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Byte at `i`, with PHP's terminating NUL at `limit` and `None` past it.
    fn at(&self, i: usize) -> Option<u8> {
        if i < self.limit {
            Some(self.src[i])
        } else if i == self.limit {
            Some(0)
        } else {
            None
        }
    }

    fn blanks_from(&self, mut i: usize) -> usize {
        while i < self.limit && is_blank(self.src[i]) {
            i += 1;
        }
        i
    }

    /// `NEWLINE` at `i`: its length.
    fn newline_at(&self, i: usize) -> Option<usize> {
        match self.at(i) {
            Some(b'\n') => Some(1),
            Some(b'\r') if self.at(i + 1) == Some(b'\n') => Some(2),
            Some(b'\r') => Some(1),
            _ => None,
        }
    }

    fn tok(&mut self, tok: Tok, len: usize, text: Span) -> Token {
        let span = Span::new(self.pos, (self.pos + len).min(self.limit));
        self.pos = span.end;
        Token::new(tok, span, text)
    }

    fn simple(&mut self, tok: Tok, len: usize) -> Token {
        let text = Span::new(self.pos, (self.pos + len).min(self.limit));
        self.tok(tok, len, text)
    }

    fn end(&mut self) -> Token {
        self.done = true;
        let span = Span::new(self.pos, self.limit);
        self.pos = self.limit;
        Token::new(Tok::End, span, Span::empty(span.start))
    }

    // ---- rules shared by several states -------------------------------------------------

    /// `{TABS_AND_SPACES}*[;][^\r\n]*{NEWLINE}`: a comment needs its line end.
    fn comment_len(&self) -> Match {
        let i = self.blanks_from(self.pos);
        if self.at(i) != Some(b';') {
            return Match::No;
        }
        let j = memchr::memchr2(b'\n', b'\r', &self.src[i + 1..self.limit]).map_or(self.limit, |k| i + 1 + k);
        match self.newline_at(j) {
            Some(n) if j < self.limit => Match::Len(j + n - self.pos),
            _ => Match::PastEnd,
        }
    }

    /// The comment rule where its `;` is at `pos` (no blanks to skip): one `memchr2` for the
    /// line end instead of the byte-by-byte checks of [`comment_len`](Self::comment_len),
    /// the same token or the same "end of file".
    #[inline(always)]
    fn comment_here(&mut self) -> Token {
        let from = self.pos + 1;
        let Some(k) = memchr::memchr2(b'\n', b'\r', &self.src[from..self.limit]) else { return self.end() };
        let j = from + k;
        let crlf = self.src[j] == b'\r' && j + 1 < self.limit && self.src[j + 1] == b'\n';
        self.simple(Tok::EndOfLine, j + 1 + crlf as usize - self.pos)
    }

    /// `{NEWLINE}` where its first byte is at `pos`.
    #[inline(always)]
    fn newline_here(&mut self) -> Token {
        let crlf = self.src[self.pos] == b'\r' && self.pos + 1 < self.limit && self.src[self.pos + 1] == b'\n';
        self.simple(Tok::EndOfLine, 1 + crlf as usize)
    }

    /// `{TABS_AND_SPACES}*{NEWLINE}`.
    fn blank_newline_len(&self) -> Option<usize> {
        let i = self.blanks_from(self.pos);
        if i < self.limit {
            self.newline_at(i).map(|n| i + n - self.pos)
        } else {
            None
        }
    }

    /// `("true"|"on"|"yes"|...){TABS_AND_SPACES}*`, case-insensitive; the longest word.
    fn keyword(&self) -> Option<(Tok, usize)> {
        const WORDS: [(&[u8], Tok); 8] = [
            (b"true", Tok::BoolTrue),
            (b"on", Tok::BoolTrue),
            (b"yes", Tok::BoolTrue),
            (b"false", Tok::BoolFalse),
            (b"off", Tok::BoolFalse),
            (b"none", Tok::BoolFalse),
            (b"no", Tok::BoolFalse),
            (b"null", Tok::Null),
        ];
        let rest = &self.src[self.pos..self.limit];
        // Every keyword starts with one of t, o, y, f, n (either case).
        if !matches!(rest.first().map(u8::to_ascii_lowercase), Some(b't' | b'o' | b'y' | b'f' | b'n')) {
            return None;
        }
        let mut best: Option<(Tok, usize)> = None;
        for (word, tok) in WORDS {
            if rest.len() >= word.len()
                && rest[..word.len()].eq_ignore_ascii_case(word)
                && best.is_none_or(|(_, l)| word.len() > l)
            {
                best = Some((tok, word.len()));
            }
        }
        best.map(|(tok, l)| (tok, self.blanks_from(self.pos + l) - self.pos))
    }

    fn label_len(&self) -> Match {
        let mut i = self.pos;
        while i < self.limit && is_label_char(self.src[i]) {
            i += 1;
        }
        if i == self.limit && i > self.pos {
            // The terminating NUL is a label character too: PHP reads past the end.
            return Match::PastEnd;
        }
        if i > self.pos {
            Match::Len(i - self.pos)
        } else {
            Match::No
        }
    }

    /// `'{SINGLE_QUOTED_CHARS}+'`.
    fn raw_len(&self) -> Match {
        if self.at(self.pos) != Some(b'\'') {
            return Match::No;
        }
        match self.src[self.pos + 1..self.limit].iter().position(|&b| b == b'\'') {
            Some(0) => Match::No,
            Some(n) => Match::Len(n + 2),
            None => Match::PastEnd,
        }
    }

    fn constant_len(&self) -> usize {
        match self.at(self.pos) {
            Some(b) if is_constant_start(b) => {
                let mut i = self.pos + 1;
                while i < self.limit && is_constant_char(self.src[i]) {
                    i += 1;
                }
                i - self.pos
            }
            _ => 0,
        }
    }

    /// `NUMBER = [-]?{LNUM} | {DNUM}`.
    fn number_len(&self) -> usize {
        let digits = |mut i: usize| {
            while i < self.limit && self.src[i].is_ascii_digit() {
                i += 1;
            }
            i
        };
        let p = self.pos;
        let signed = if self.at(p) == Some(b'-') { p + 1 } else { p };
        let lnum = digits(signed);
        let lnum_len = if lnum > signed { lnum - p } else { 0 };
        // DNUM: [0-9]*\.[0-9]+ | [0-9]+\.[0-9]*
        let int_end = digits(p);
        let dnum_len = if self.at(int_end) == Some(b'.') {
            let frac_end = digits(int_end + 1);
            if frac_end > int_end + 1 || int_end > p {
                frac_end - p
            } else {
                0
            }
        } else {
            0
        };
        lnum_len.max(dnum_len)
    }

    /// `LITERAL_DOLLAR` at `i`: `$` not followed by `{` or NUL, or `$\` + any char.
    fn literal_dollar_len(&self, i: usize) -> Match {
        match self.at(i + 1) {
            Some(b'\\') => match self.at(i + 2) {
                Some(_) if i + 2 < self.limit => Match::Len(3),
                _ => Match::PastEnd,
            },
            Some(b'{') | Some(0) | None => Match::No,
            Some(_) => Match::Len(2),
        }
    }

    /// `{VALUE_CHARS}+`.
    fn value_chars_len(&self) -> Match {
        self.chars_len(is_plain_value_char, false)
    }

    /// `{SECTION_VALUE_CHARS}+`: `[^$\n\r;"'\]\\]`, `\` + any char, or a literal `$`.
    fn section_chars_len(&self) -> Match {
        self.chars_len(|b| !matches!(b, b'\n' | b'\r' | b';' | b'"' | b'\'' | b']' | b'\\'), true)
    }

    /// A run of `plain` bytes and literal dollars (and, with `escapes`, `\` + any byte).
    fn chars_len(&self, plain: fn(u8) -> bool, escapes: bool) -> Match {
        let mut i = self.pos;
        loop {
            match self.at(i) {
                Some(b'$') => match self.literal_dollar_len(i) {
                    Match::Len(n) => i += n,
                    Match::PastEnd => return Match::PastEnd,
                    Match::No => break,
                },
                Some(b'\\') if escapes => {
                    if i + 1 >= self.limit {
                        return Match::PastEnd;
                    }
                    i += 2;
                }
                Some(b) if i < self.limit && plain(b) => i += 1,
                _ => break,
            }
        }
        if i > self.pos {
            Match::Len(i - self.pos)
        } else {
            Match::No
        }
    }

    /// `{TABS_AND_SPACES}*["]`.
    fn dq_open_len(&self) -> Option<usize> {
        let i = self.blanks_from(self.pos);
        (self.at(i) == Some(b'"') && i < self.limit).then(|| i + 1 - self.pos)
    }

    fn whitespace_len(&self) -> usize {
        self.blanks_from(self.pos) - self.pos
    }

    // ---- the states -----------------------------------------------------------------

    #[inline]
    pub fn next_token(&mut self) -> Option<Token> {
        // Comment and blank lines, most of a php.ini: at `;` or a line end in INITIAL or
        // VALUE only the comment or the newline rule can match (a BOM starts with 0xEF).
        // Kept apart from the other rules so that these tokens skip their setup.
        if !self.done && self.pos < self.limit && matches!(self.state, State::Initial | State::Value) {
            let t = match self.src[self.pos] {
                b';' => self.comment_here(),
                b'\n' | b'\r' => self.newline_here(),
                _ => return self.next_token_slow(),
            };
            self.state = State::Initial;
            return Some(t);
        }
        self.next_token_slow()
    }

    /// Right after a line end (state INITIAL, not at the input's start): consumes the whole
    /// lines that follow which are empty or a `;` comment (blanks before either allowed),
    /// each of which the rules read as one `EndOfLine` token ending its line. Returns where
    /// the run ends (the next line's start; `pos` when none) and the offset of its first
    /// `;`. A comment without its line end (PHP's "end of file") is left to the rules.
    pub fn comment_lines(&mut self) -> (usize, Option<usize>) {
        let mut i = self.pos;
        let mut first_semicolon = None;
        if self.done || self.state != State::Initial || i == self.start {
            return (i, None);
        }
        let newline = LineEnds::new();
        while i < self.limit {
            // Blanks first are the same line's (a run of only blanks to the end is not).
            let at = self.blanks_from(i);
            let Some(&b) = self.src.get(at).filter(|_| at < self.limit) else { break };
            let end = match b {
                b'\n' => at + 1,
                b'\r' => at + 1 + (at + 1 < self.limit && self.src[at + 1] == b'\n') as usize,
                b';' => {
                    let Some(k) = newline.find(&self.src[at + 1..self.limit]) else { break };
                    let j = at + 1 + k;
                    first_semicolon.get_or_insert(at);
                    j + 1 + (self.src[j] == b'\r' && j + 1 < self.limit && self.src[j + 1] == b'\n') as usize
                }
                _ => break,
            };
            i = end;
        }
        self.pos = i;
        (i, first_semicolon)
    }

    /// [`next_token`](Self::next_token) by trying the rules of the current state.
    #[inline(never)]
    fn next_token_slow(&mut self) -> Option<Token> {
        if self.done {
            return None;
        }
        loop {
            if self.pos >= self.limit {
                if self.state == State::Value {
                    self.state = State::Initial;
                    return Some(self.simple(Tok::EndOfLine, 0));
                }
                self.done = true;
                return None;
            }
            // A UTF-8 BOM is skipped only at the very start, and only in inputs over 3 bytes.
            if self.pos == self.start
                && self.limit - self.start > 3
                && self.src[self.pos..].starts_with(b"\xEF\xBB\xBF")
            {
                self.pos += 3;
                continue;
            }
            let t = match self.state {
                State::Initial => self.initial(),
                State::Value => self.value(),
                State::SectionValue | State::Offset => self.section_or_offset(),
                State::DoubleQuotes => self.double_quotes(),
                State::VarName => self.var_name(),
            };
            match t {
                Some(t) => return Some(t),
                None => continue, // eaten whitespace
            }
        }
    }

    /// Picks the longest candidate; candidates are listed in PHP's rule order.
    fn longest(cands: &[(Match, u8)]) -> Option<(u8, usize)> {
        let mut best: Option<(u8, usize)> = None;
        for &(m, id) in cands {
            match m {
                Match::Len(l) if best.is_none_or(|(_, b)| l > b) => best = Some((id, l)),
                _ => {}
            }
        }
        best
    }

    // grammar: state INITIAL (TC_SECTION, TC_OFFSET, TC_LABEL, EQ, PUNCT, EOL)
    fn initial(&mut self) -> Option<Token> {
        let b = self.src[self.pos];
        // A key's first byte, no blank, where no keyword starts: of the rules that match
        // there (offset, label, punct), the offset is longer than the label, and the label
        // at least as long as a punct and listed before it.
        if self.dispatch && is(b, LABEL) && !is(b, BLANK) && (!is(b, KEYWORD_START) || self.keyword().is_none()) {
            return Some(match self.label_len() {
                Match::Len(l) if self.at(self.pos + l) == Some(b'[') && self.pos + l < self.limit => {
                    let len = self.blanks_from(self.pos + l + 1) - self.pos;
                    let text = trim_span(self.src, Span::new(self.pos, self.pos + len), Some(b'['));
                    self.state = State::Offset;
                    self.tok(Tok::Offset, len, text)
                }
                Match::Len(len) => {
                    let text = trim_span(self.src, Span::new(self.pos, self.pos + len), None);
                    self.tok(Tok::Label, len, text)
                }
                Match::No | Match::PastEnd => self.end(),
            });
        }
        self.initial_rules()
    }

    /// [`initial`](Self::initial) by every rule of the state.
    fn initial_rules(&mut self) -> Option<Token> {
        let b = self.src[self.pos];
        // Rules that cannot match at this first byte are not tried (same outcome, less work).
        let blank_first = is_blank(b);
        let kw = self.keyword();
        let label = if is_label_char(b) { self.label_len() } else { Match::No };
        let offset = match label {
            Match::Len(l) if self.at(self.pos + l) == Some(b'[') && self.pos + l < self.limit => {
                Match::Len(self.blanks_from(self.pos + l + 1) - self.pos)
            }
            _ => Match::No,
        };
        let eq = if blank_first || b == b'=' {
            let i = self.blanks_from(self.pos);
            if self.at(i) == Some(b'=') && i < self.limit {
                Match::Len(self.blanks_from(i + 1) - self.pos)
            } else {
                Match::No
            }
        } else {
            Match::No
        };
        let ws = if blank_first { self.whitespace_len() } else { 0 };
        let newline_first = blank_first || b == b'\n' || b == b'\r';
        let cands = [
            (if b == b'[' { Match::Len(1) } else { Match::No }, 0u8),
            (offset, 1),
            (kw.map_or(Match::No, |(_, l)| Match::Len(l)), 2),
            (label, 3),
            (eq, 4),
            (if is(b, PUNCT) { Match::Len(1) } else { Match::No }, 5),
            (if ws > 0 { Match::Len(ws) } else { Match::No }, 6),
            (if newline_first { self.blank_newline_len().map_or(Match::No, Match::Len) } else { Match::No }, 7),
            (if blank_first || b == b';' { self.comment_len() } else { Match::No }, 8),
        ];
        let best = Self::longest(&cands);
        if cands.iter().any(|(m, _)| *m == Match::PastEnd) {
            return Some(self.end());
        }
        let Some((id, len)) = best else { return Some(self.end()) };
        Some(match id {
            0 => {
                self.state = State::SectionValue;
                self.simple(Tok::SectionOpen, 1)
            }
            1 => {
                let text = trim_span(self.src, Span::new(self.pos, self.pos + len), Some(b'['));
                self.state = State::Offset;
                self.tok(Tok::Offset, len, text)
            }
            2 => {
                let tok = kw.map(|(t, _)| t).unwrap_or(Tok::BoolTrue);
                self.simple(tok, len)
            }
            3 => {
                let text = trim_span(self.src, Span::new(self.pos, self.pos + len), None);
                self.tok(Tok::Label, len, text)
            }
            4 => {
                self.state = State::Value;
                self.simple(Tok::Eq, len)
            }
            5 => self.simple(Tok::Punct(b), 1),
            6 => {
                self.pos += len;
                return None;
            }
            _ => self.simple(Tok::EndOfLine, len),
        })
    }

    // grammar: state VALUE (value-token, value-end)
    fn value(&mut self) -> Option<Token> {
        let b = self.src[self.pos];
        // A plain value byte: of the rules that match there only a keyword, the value
        // characters, a constant or a number can; the value characters take in the last two
        // (their bytes are value characters), which are listed after the keyword and before
        // them, and the first listed wins a tie.
        if self.dispatch && is(b, PLAIN_VALUE) {
            let Match::Len(len) = self.value_chars_len() else { return Some(self.end()) };
            if let Some((tok, kw)) = if is(b, KEYWORD_START) { self.keyword() } else { None } {
                if kw >= len {
                    return Some(self.simple(tok, kw));
                }
            }
            let tok = if is_constant_start(b) && self.constant_len() == len {
                Tok::Constant
            } else if (b.is_ascii_digit() || b == b'-' || b == b'.') && self.number_len() == len {
                Tok::Number
            } else {
                Tok::Str
            };
            return Some(self.simple(tok, len));
        }
        self.value_rules()
    }

    /// [`value`](Self::value) by every rule of the state.
    fn value_rules(&mut self) -> Option<Token> {
        let b = self.src[self.pos];
        // Rules that cannot match at this first byte are not tried (same outcome, less work).
        let blank_first = is_blank(b);
        let kw = self.keyword();
        let raw = if b == b'\'' { self.raw_len() } else { Match::No };
        let dollar_curly = b == b'$' && self.at(self.pos + 1) == Some(b'{') && self.pos + 1 < self.limit;
        let op = if is(b, OP) { Match::Len(self.blanks_from(self.pos + 1) - self.pos) } else { Match::No };
        let ws = if blank_first { self.whitespace_len() } else { 0 };
        let length = |l: usize| if l == 0 { Match::No } else { Match::Len(l) };
        let cands = [
            (raw, 0u8),
            (if dollar_curly { Match::Len(2) } else { Match::No }, 1),
            (kw.map_or(Match::No, |(_, l)| Match::Len(l)), 2),
            (
                if blank_first || b == b'\n' || b == b'\r' {
                    self.blank_newline_len().map_or(Match::No, Match::Len)
                } else {
                    Match::No
                },
                3,
            ),
            (if is_constant_start(b) { length(self.constant_len()) } else { Match::No }, 4),
            (if b.is_ascii_digit() || b == b'-' || b == b'.' { length(self.number_len()) } else { Match::No }, 5),
            (op, 6),
            (if b == b'=' { Match::Len(1) } else { Match::No }, 7),
            (if is_plain_value_char(b) || b == b'$' { self.value_chars_len() } else { Match::No }, 8),
            (if blank_first || b == b'"' { self.dq_open_len().map_or(Match::No, Match::Len) } else { Match::No }, 9),
            (if ws > 0 { Match::Len(ws) } else { Match::No }, 10),
            (if blank_first || b == b';' { self.comment_len() } else { Match::No }, 11),
        ];
        if cands.iter().any(|(m, _)| *m == Match::PastEnd) {
            return Some(self.end());
        }
        let Some((id, len)) = Self::longest(&cands) else {
            // `<ST_VALUE>[^]`: any other byte ends the value and is consumed.
            self.state = State::Initial;
            return Some(self.simple(Tok::EndOfLine, 1));
        };
        Some(match id {
            0 => {
                let text = Span::new(self.pos + 1, self.pos + len - 1);
                self.tok(Tok::Raw, len, text)
            }
            1 => {
                self.stack.push(State::Value);
                self.state = State::VarName;
                self.simple(Tok::DollarCurly, 2)
            }
            2 => self.simple(kw.map(|(t, _)| t).unwrap_or(Tok::BoolTrue), len),
            3 | 11 => {
                self.state = State::Initial;
                self.simple(Tok::EndOfLine, len)
            }
            4 => self.simple(Tok::Constant, len),
            5 => self.simple(Tok::Number, len),
            6 => {
                let text = Span::new(self.pos, self.pos + 1);
                self.tok(Tok::Op(b), len, text)
            }
            7 => {
                // `=` inside a value ends it without being consumed; the statement that
                // follows starts with `=`, a syntax error.
                self.state = State::Initial;
                self.simple(Tok::EndOfLine, 0)
            }
            8 => self.simple(Tok::Str, len),
            9 => {
                self.stack.push(State::Value);
                self.state = State::DoubleQuotes;
                self.simple(Tok::DqOpen, len)
            }
            _ => self.simple(Tok::Whitespace, len),
        })
    }

    // grammar: states SECTION and OFFSET (section-token, SECTION-CLOSE, OFFSET-CLOSE)
    fn section_or_offset(&mut self) -> Option<Token> {
        let b = self.src[self.pos];
        let in_section = self.state == State::SectionValue;
        let close = if in_section {
            if b == b']' {
                let i = self.blanks_from(self.pos + 1);
                let nl = if i < self.limit { self.newline_at(i).unwrap_or(0) } else { 0 };
                Match::Len(i + nl - self.pos)
            } else {
                Match::No
            }
        } else {
            let i = self.blanks_from(self.pos);
            if self.at(i) == Some(b']') && i < self.limit {
                Match::Len(i + 1 - self.pos)
            } else {
                Match::No
            }
        };
        let dollar_curly = b == b'$' && self.at(self.pos + 1) == Some(b'{') && self.pos + 1 < self.limit;
        let ws = self.whitespace_len();
        let cands = [
            (self.raw_len(), 0u8),
            (close, 1),
            (if dollar_curly { Match::Len(2) } else { Match::No }, 2),
            (
                match self.constant_len() {
                    0 => Match::No,
                    l => Match::Len(l),
                },
                3,
            ),
            (
                match self.number_len() {
                    0 => Match::No,
                    l => Match::Len(l),
                },
                4,
            ),
            (self.section_chars_len(), 5),
            (self.dq_open_len().map_or(Match::No, Match::Len), 6),
            (if ws > 0 { Match::Len(ws) } else { Match::No }, 7),
        ];
        if cands.iter().any(|(m, _)| *m == Match::PastEnd) {
            return Some(self.end());
        }
        let Some((id, len)) = Self::longest(&cands) else { return Some(self.end()) };
        let here = self.state;
        Some(match id {
            0 => {
                let text = Span::new(self.pos + 1, self.pos + len - 1);
                self.tok(Tok::Raw, len, text)
            }
            1 => {
                self.state = State::Initial;
                let text = Span::new(self.pos, self.pos + len);
                self.tok(if in_section { Tok::SectionClose } else { Tok::OffsetClose }, len, text)
            }
            2 => {
                self.stack.push(here);
                self.state = State::VarName;
                self.simple(Tok::DollarCurly, 2)
            }
            3 => self.simple(Tok::Constant, len),
            4 => self.simple(Tok::Number, len),
            5 => self.simple(Tok::Str, len),
            6 => {
                self.stack.push(here);
                self.state = State::DoubleQuotes;
                self.simple(Tok::DqOpen, len)
            }
            _ => self.simple(Tok::Whitespace, len),
        })
    }

    // grammar: state DOUBLE-QUOTES (quoted-chars, DQ-CLOSE)
    fn double_quotes(&mut self) -> Option<Token> {
        let b = self.src[self.pos];
        if b == b'"' {
            let len = self.blanks_from(self.pos + 1) - self.pos;
            self.state = self.stack.pop().unwrap_or(State::Value);
            let text = Span::new(self.pos, self.pos + 1);
            return Some(self.tok(Tok::DqClose, len, text));
        }
        if b == b'$' && self.at(self.pos + 1) == Some(b'{') && self.pos + 1 < self.limit {
            self.stack.push(State::DoubleQuotes);
            self.state = State::VarName;
            return Some(self.simple(Tok::DollarCurly, 2));
        }
        // Scan to the closing quote or `${`, as PHP's hand-written loop does.
        let mut s = self.pos;
        while s < self.limit {
            let c = self.src[s];
            s += 1;
            match c {
                b'"' => {
                    s -= 1;
                    break;
                }
                b'$' if s < self.limit && self.src[s] == b'{' => {
                    s -= 1;
                    break;
                }
                b'\\' if s < self.limit => {
                    let escaped = self.src[s];
                    s += 1;
                    // `"C:\path\"`: a `\"` right before a line end closes the string.
                    if escaped == b'"' && (s >= self.limit || self.src[s] == b'\n' || self.src[s] == b'\r') {
                        s -= 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        let len = s - self.pos;
        Some(self.simple(Tok::Quoted, len))
    }

    // grammar: state VARNAME (TC_VARNAME, VAR-CLOSE)
    fn var_name(&mut self) -> Option<Token> {
        let b = self.src[self.pos];
        if b == b'}' {
            self.state = self.stack.pop().unwrap_or(State::Value);
            return Some(self.simple(Tok::VarClose, 1));
        }
        match self.label_len() {
            Match::Len(l) => {
                let text = trim_span(self.src, Span::new(self.pos, self.pos + l), None);
                Some(self.tok(Tok::VarName, l, text))
            }
            _ => Some(self.end()),
        }
    }
}

/// `EAT_LEADING_WHITESPACE` + `EAT_TRAILING_WHITESPACE_EX(extra)`.
fn trim_span(src: &[u8], span: Span, extra: Option<u8>) -> Span {
    let (mut s, mut e) = (span.start, span.end);
    while s < e && is_blank(src[s]) {
        s += 1;
    }
    while e > s && (matches!(src[e - 1], b' ' | b'\t' | b'\n' | b'\r') || extra == Some(src[e - 1])) {
        e -= 1;
    }
    Span::new(s, e)
}

impl Iterator for Lexer<'_> {
    type Item = Token;
    fn next(&mut self) -> Option<Token> {
        self.next_token()
    }
}

/// The search for a line's end (`\n` or `\r`) in [`Lexer::comment_lines`]: SSE2's, which
/// every x86_64 has, called directly (a comment line is short: `memchr2`'s run-time choice
/// and its AVX2 set-up cost more than the search), else `memchr2`.
struct LineEnds {
    #[cfg(target_arch = "x86_64")]
    sse2: Option<memchr::arch::x86_64::sse2::memchr::Two>,
}

impl LineEnds {
    fn new() -> Self {
        LineEnds {
            #[cfg(target_arch = "x86_64")]
            sse2: memchr::arch::x86_64::sse2::memchr::Two::new(b'\n', b'\r'),
        }
    }

    /// The offset in `hay` of its first `\n` or `\r`.
    #[inline]
    fn find(&self, hay: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(two) = &self.sse2 {
            return two.find(hay);
        }
        memchr::memchr2(b'\n', b'\r', hay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every token, by `next_token` (with its short path) or by the rules alone.
    fn tokens(src: &[u8], short_path: bool) -> Vec<Token> {
        let mut lexer = Lexer::new(src);
        let mut out = Vec::new();
        while let Some(t) = if short_path { lexer.next_token() } else { lexer.next_token_slow() } {
            out.push(t);
        }
        out
    }

    #[test]
    fn the_short_path_reads_comments_and_line_ends_as_the_rules_do() {
        let cases: [&[u8]; 12] = [
            b";c\n",
            b";c\r\n",
            b";c\r",
            b";c",
            b";\rx = 1",
            b"a = 1 ;c\r\nb = 2\n",
            b"a = 1;c",
            b"\r\n\n\r\r\r\n",
            b"a = ;\n",
            b"a =\n;\n\n[s]\n; x = \"y\n",
            b"a = \"x\n;y\"\n",
            b"\xEF\xBB\xBF;bom\n",
        ];
        for src in cases {
            assert_eq!(tokens(src, true), tokens(src, false), "{:?}", String::from_utf8_lossy(src));
        }
        let production =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/corpus/upstream-php/php.ini-production"))
                .expect("the corpus's php.ini-production");
        assert_eq!(tokens(&production, true), tokens(&production, false));
    }

    /// Every token, with the first-byte dispatch or by every rule of each state.
    fn tokens_dispatched(src: &[u8], dispatch: bool) -> Vec<Token> {
        let mut lexer = Lexer::new(src);
        lexer.dispatch = dispatch;
        std::iter::from_fn(|| lexer.next_token()).collect()
    }

    #[test]
    fn the_first_byte_dispatch_gives_the_tokens_of_every_rule() {
        let files = crate::test_input::fixture_files();
        assert!(files.len() > 500, "only {} files", files.len());
        for (p, bytes) in &files {
            assert_eq!(tokens_dispatched(bytes, true), tokens_dispatched(bytes, false), "{}", p.display());
        }
        let pieces: [&[u8]; 24] = [
            b"a", b"on", b"Off", b"nonE", b"t", b"E_ALL", b"_x", b"12", b"-3", b".5", b"1.", b"-", b".", b" ", b"\t",
            b"=", b"\n", b"[", b"]", b"$", b"$\\", b"${", b"'", b"\"",
        ];
        for bytes in crate::test_input::joined_pieces(0xd15, 20_000, (1, 16), &pieces) {
            assert_eq!(
                tokens_dispatched(&bytes, true),
                tokens_dispatched(&bytes, false),
                "{:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    #[test]
    fn byte_classes_are_the_character_classes_of_php_scanner() {
        for b in 0..=255u8 {
            let label = !matches!(
                b,
                b'=' | b'\n'
                    | b'\r'
                    | b'\t'
                    | b';'
                    | b'&'
                    | b'|'
                    | b'^'
                    | b'$'
                    | b'~'
                    | b'('
                    | b')'
                    | b'{'
                    | b'}'
                    | b'!'
                    | b'"'
                    | b'['
            );
            assert_eq!(is_label_char(b), label, "LABEL {b:#x}");
            let plain = !matches!(
                b,
                b'$' | b'='
                    | b' '
                    | b'\t'
                    | b'\n'
                    | b'\r'
                    | b';'
                    | b'&'
                    | b'|'
                    | b'^'
                    | b'~'
                    | b'('
                    | b')'
                    | b'!'
                    | b'"'
                    | b'\''
                    | 0
            );
            assert_eq!(is_plain_value_char(b), plain, "VALUE_CHARS {b:#x}");
            assert_eq!(is_blank(b), b == b' ' || b == b'\t');
            assert_eq!(is_constant_start(b), b.is_ascii_alphabetic() || b == b'_');
            assert_eq!(is_constant_char(b), b.is_ascii_alphanumeric() || b == b'_');
            assert_eq!(is(b, OP), b"&|^~()!".contains(&b));
            assert_eq!(is(b, PUNCT), b"[]\"'()&|^$!~{}=:,.+-/*%<>?@".contains(&b));
            assert_eq!(is(b, KEYWORD_START), b"tTfFoOyYnN".contains(&b));
        }
    }
}
