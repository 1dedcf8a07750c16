//! The token layer of the env.php parser: PHP's lexer reduced to what config files use.
//! Tokens cover every input byte in order, so the tree above them is lossless by construction.

use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while1};
use nom::character::complete::one_of;
use nom::combinator::{opt, recognize};
use nom::multi::many0_count;
use nom::sequence::{pair, tuple};
use nom::IResult;

use crate::span::Span;
use crate::syntax::SyntaxError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Text outside `<?php ... ?>`, echoed by PHP (a UTF-8 BOM is inline HTML too).
    InlineHtml,
    /// `<?php` plus the one whitespace character PHP folds into it, or the short `<?`.
    OpenTag,
    /// `<?=`
    OpenTagEcho,
    /// `?>` plus one newline, which PHP swallows.
    CloseTag,
    Whitespace,
    /// `// ...`, `# ...`, `/* ... */`
    Comment,
    /// `/** ... */`
    DocComment,
    SingleQuoted,
    DoubleQuoted,
    /// `<<<ID` ... `ID`, also `<<<"ID"`
    Heredoc,
    /// `<<<'ID'` ... `ID`
    Nowdoc,
    /// `` `...` ``: a shell command, never static.
    Backtick,
    /// `1`, `0x1F`, `0o17`, `017`, `0b1`, `1_000`
    Int,
    /// `1.5`, `.5`, `1.`, `1e3`
    Float,
    /// Identifiers, keywords and (qualified) names: `return`, `array`, `TRUE`, `\Foo\Bar`.
    Name,
    /// `$name`
    Variable,
    OpenBracket,
    CloseBracket,
    OpenParen,
    CloseParen,
    OpenBrace,
    CloseBrace,
    Comma,
    Semicolon,
    /// `=>`
    DoubleArrow,
    Plus,
    Minus,
    /// `...`
    Ellipsis,
    Ampersand,
    /// `#[`, the start of a PHP 8 attribute (not a comment).
    Attribute,
    /// Any other operator or punctuation.
    Operator,
    /// A byte PHP's lexer refuses ("unexpected character").
    Unknown,
}

impl TokenKind {
    pub fn is_trivia(self) -> bool {
        matches!(self, TokenKind::Whitespace | TokenKind::Comment | TokenKind::DocComment)
    }

    /// A token that is a whole operand by itself (used to spot two operands in a row).
    pub fn is_literal(self) -> bool {
        matches!(
            self,
            TokenKind::SingleQuoted
                | TokenKind::DoubleQuoted
                | TokenKind::Heredoc
                | TokenKind::Nowdoc
                | TokenKind::Backtick
                | TokenKind::Int
                | TokenKind::Float
        )
    }
}

/// A token: its kind and where it stands, as `u32` offsets (12 bytes, a fifth of what a
/// file of short entries costs). Offsets past 4 GiB saturate; sesslint reads at most 16 MiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    start: u32,
    end: u32,
}

impl Token {
    pub fn new(kind: TokenKind, span: Span) -> Token {
        let at = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        Token { kind, start: at(span.start), end: at(span.end) }
    }

    /// Its bytes in the file (byte offsets).
    pub fn span(&self) -> Span {
        Span::new(self.start as usize, self.end as usize)
    }
}

pub struct Lexed {
    pub tokens: Vec<Token>,
    pub errors: Vec<SyntaxError>,
    /// Indices (ascending) of the quoted-string tokens whose text between the quotes is
    /// not their value (a `\`, or a `$` between double quotes): the others need no
    /// second look for one.
    pub escaped: Vec<usize>,
}

/// Byte classes of PHP's `LABEL` (`[a-zA-Z_\x80-\xff][a-zA-Z0-9_\x80-\xff]*`): bit 0 may
/// start a label, bit 1 may continue one. One load per byte on the lexer's hottest loops.
const IDENT: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            t[b] = 3;
        } else if c.is_ascii_digit() {
            t[b] = 2;
        }
        b += 1;
    }
    t
};

pub fn is_ident_start(b: u8) -> bool {
    IDENT[b as usize] & 1 != 0
}

pub fn is_ident_char(b: u8) -> bool {
    IDENT[b as usize] & 2 != 0
}

fn is_php_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// 1-based line of a byte offset, for PHP-worded messages ("starting line N").
pub fn line_of(bytes: &[u8], offset: usize) -> usize {
    let end = offset.min(bytes.len());
    1 + bytes[..end].iter().filter(|&&b| b == b'\n').count()
}

/// Split `bytes` into tokens. Never fails: bytes PHP refuses become `Unknown` tokens and
/// unterminated constructs run to the end of input, each with an error.
pub fn lex(bytes: &[u8]) -> Lexed {
    // About one token per four bytes in an env.php: reserved once (pages not written stay
    // unmapped) instead of grown by copies, trimmed after.
    let mut lx = Lexer {
        b: bytes,
        pos: 0,
        tokens: Vec::with_capacity(bytes.len() / 4 + 1),
        errors: Vec::new(),
        escaped: Vec::new(),
    };
    lx.run();
    lx.tokens.shrink_to_fit();
    Lexed { tokens: lx.tokens, errors: lx.errors, escaped: lx.escaped }
}

struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    errors: Vec<SyntaxError>,
    escaped: Vec<usize>,
}

impl<'a> Lexer<'a> {
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn push(&mut self, kind: TokenKind, end: usize) {
        let end = end.clamp(self.pos, self.b.len());
        if end > self.pos {
            self.tokens.push(Token::new(kind, Span::new(self.pos, end)));
        }
        self.pos = end;
    }

    fn error(&mut self, span: Span, message: impl Into<std::borrow::Cow<'static, str>>) {
        self.errors.push(SyntaxError::new(span, message));
    }

    fn run(&mut self) {
        // grammar: file = inline-html? { open-tag php-code [close-tag inline-html?] }
        let mut in_php = false;
        while self.pos < self.b.len() {
            if in_php {
                in_php = self.php_token();
            } else {
                self.inline_html();
                in_php = true;
            }
        }
    }

    /// Inline text up to and including the next open tag.
    fn inline_html(&mut self) {
        let start = self.pos;
        let mut i = start;
        while i < self.b.len() {
            if self.b[i] == b'<' && self.at(i + 1) == b'?' {
                break;
            }
            i += 1;
        }
        self.push(TokenKind::InlineHtml, i);
        if self.pos >= self.b.len() {
            return;
        }
        // grammar: open-tag
        let rest = &self.b[self.pos..];
        if rest.len() >= 5 && rest[2..5].eq_ignore_ascii_case(b"php") && (rest.len() == 5 || is_php_space(rest[5])) {
            let mut end = self.pos + 5;
            if end < self.b.len() {
                end += if self.b[end] == b'\r' && self.at(end + 1) == b'\n' { 2 } else { 1 };
            }
            self.push(TokenKind::OpenTag, end);
        } else if rest.get(2) == Some(&b'=') {
            self.push(TokenKind::OpenTagEcho, self.pos + 3);
        } else {
            // `php -n` runs with short_open_tag=On, so a bare `<?` opens PHP code.
            self.push(TokenKind::OpenTag, self.pos + 2);
        }
    }

    /// One token of PHP code. Returns false after a close tag.
    fn php_token(&mut self) -> bool {
        let b = self.b;
        let p = self.pos;
        let c = b[p];
        let n = self.at(p + 1);
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                let end = p + b[p..].iter().take_while(|&&x| is_php_space(x)).count();
                self.push(TokenKind::Whitespace, end);
            }
            b'?' if n == b'>' => {
                let mut end = p + 2;
                if self.at(end) == b'\n' {
                    end += 1;
                } else if self.at(end) == b'\r' {
                    end += if self.at(end + 1) == b'\n' { 2 } else { 1 };
                }
                self.push(TokenKind::CloseTag, end);
                return false;
            }
            b'#' if n == b'[' => self.push(TokenKind::Attribute, p + 2),
            b'#' => self.line_comment(),
            b'/' if n == b'/' => self.line_comment(),
            b'/' if n == b'*' => self.block_comment(),
            b'\'' => self.single_quoted(),
            b'"' => self.interpolated(b'"', TokenKind::DoubleQuoted),
            b'`' => self.interpolated(b'`', TokenKind::Backtick),
            b'<' if n == b'<' && self.at(p + 2) == b'<' && self.heredoc() => {}
            b'$' if is_ident_start(n) => {
                let end = p + 1 + b[p + 1..].iter().take_while(|&&x| is_ident_char(x)).count();
                self.push(TokenKind::Variable, end);
            }
            b'0'..=b'9' => self.number(),
            b'.' if n.is_ascii_digit() => self.number(),
            _ if is_ident_start(c) || (c == b'\\' && is_ident_start(n)) => self.name(),
            _ => self.punct(),
        }
        true
    }

    fn line_comment(&mut self) {
        let mut i = self.pos;
        while i < self.b.len() {
            match self.b[i] {
                b'\n' | b'\r' => break,
                b'?' if self.at(i + 1) == b'>' => break,
                _ => i += 1,
            }
        }
        self.push(TokenKind::Comment, i);
    }

    fn block_comment(&mut self) {
        let p = self.pos;
        let doc = self.at(p + 2) == b'*' && is_php_space(self.at(p + 3));
        let kind = if doc { TokenKind::DocComment } else { TokenKind::Comment };
        match find(&self.b[p + 2..], b"*/") {
            Some(i) => self.push(kind, p + 2 + i + 2),
            None => {
                let line = line_of(self.b, p);
                self.error(Span::new(p, p + 2), format!("Unterminated comment starting line {line}"));
                self.push(kind, self.b.len());
            }
        }
    }

    fn single_quoted(&mut self) {
        let p = self.pos;
        let mut i = p + 1;
        let mut escaped = false;
        while let Some(k) = self.b.get(i..).and_then(|rest| memchr::memchr2(b'\\', b'\'', rest)) {
            i += k;
            if self.b[i] == b'\\' {
                if !escaped {
                    escaped = true;
                    self.escaped.push(self.tokens.len());
                }
                i += 2;
            } else {
                self.push(TokenKind::SingleQuoted, i + 1);
                return;
            }
        }
        self.error(Span::new(p, p + 1), "syntax error, unterminated single-quoted string");
        self.push(TokenKind::SingleQuoted, self.b.len());
    }

    /// A `"` or `` ` `` string, skipping `{$ ... }` / `${ ... }` code inside it with an
    /// explicit stack (such code can hold further strings with braces of their own).
    fn interpolated(&mut self, quote: u8, kind: TokenKind) {
        let p = self.pos;
        let b = self.b;
        // Most strings interpolate nothing: every `{$` and `${` holds a `$`, so up to the
        // first `$` the closing quote ends the token and only `\` needs a look.
        let mut i = p + 1;
        let mut escaped = false;
        while let Some(k) = b.get(i..).and_then(|rest| memchr::memchr3(quote, b'\\', b'$', rest)) {
            i += k;
            match b[i] {
                b'\\' => {
                    escaped = true;
                    i += 2;
                }
                b'$' => {
                    escaped = true;
                    break;
                }
                _ => break,
            }
        }
        if escaped || i >= b.len() {
            self.escaped.push(self.tokens.len());
        }
        if i < b.len() && b[i] == quote {
            self.push(kind, i + 1);
            return;
        }
        // Each entry: Some(quote) inside a string, None inside `{...}` code.
        let mut stack: Vec<Option<u8>> = vec![Some(quote)];
        let mut i = p + 1;
        while i < b.len() {
            match stack.last().copied().flatten() {
                Some(q) => match b[i] {
                    b'\\' => i += 2,
                    c if c == q => {
                        stack.pop();
                        i += 1;
                        if stack.is_empty() {
                            self.push(kind, i);
                            return;
                        }
                    }
                    b'{' if self.at(i + 1) == b'$' => {
                        stack.push(None);
                        i += 1;
                    }
                    b'$' if self.at(i + 1) == b'{' => {
                        stack.push(None);
                        i += 2;
                    }
                    _ => i += 1,
                },
                None => match b[i] {
                    b'{' => {
                        stack.push(None);
                        i += 1;
                    }
                    b'}' => {
                        stack.pop();
                        i += 1;
                    }
                    b'"' => {
                        stack.push(Some(b'"'));
                        i += 1;
                    }
                    b'\'' => {
                        i += 1;
                        while i < b.len() && b[i] != b'\'' {
                            i += if b[i] == b'\\' { 2 } else { 1 };
                        }
                        i += 1;
                    }
                    _ => i += 1,
                },
            }
        }
        let what = if quote == b'"' { "double-quoted string" } else { "backtick command" };
        self.error(Span::new(p, p + 1), format!("syntax error, unterminated {what}"));
        self.push(kind, b.len());
    }

    /// `<<<ID` / `<<<"ID"` / `<<<'ID'` up to its closing marker. Returns false (consuming
    /// nothing) when `<<<` does not start a heredoc.
    fn heredoc(&mut self) -> bool {
        let b = self.b;
        let p = self.pos;
        let mut i = p + 3;
        while matches!(self.at(i), b' ' | b'\t') {
            i += 1;
        }
        let quote = match self.at(i) {
            q @ (b'\'' | b'"') => {
                i += 1;
                Some(q)
            }
            _ => None,
        };
        if !is_ident_start(self.at(i)) || i >= b.len() {
            return false;
        }
        let label_start = i;
        while i < b.len() && is_ident_char(b[i]) {
            i += 1;
        }
        let label = &b[label_start..i];
        if let Some(q) = quote {
            if self.at(i) != q {
                return false;
            }
            i += 1;
        }
        match self.at(i) {
            b'\n' => i += 1,
            b'\r' => i += if self.at(i + 1) == b'\n' { 2 } else { 1 },
            _ => return false,
        }
        let kind = if quote == Some(b'\'') { TokenKind::Nowdoc } else { TokenKind::Heredoc };
        // grammar: heredoc-close: a line whose first non-blank text is the label, not
        // followed by an identifier character.
        let mut line = i;
        loop {
            let mut j = line;
            while matches!(self.at(j), b' ' | b'\t') {
                j += 1;
            }
            if b[j..].starts_with(label) && !is_ident_char(self.at(j + label.len())) {
                self.push(kind, j + label.len());
                return true;
            }
            match b[line..].iter().position(|&c| c == b'\n' || c == b'\r') {
                Some(k) => {
                    line += k + 1;
                    if b[line - 1] == b'\r' && self.at(line) == b'\n' {
                        line += 1;
                    }
                }
                None => break,
            }
        }
        self.error(Span::new(p, label_start + label.len()), "syntax error, unterminated heredoc/nowdoc");
        self.push(kind, b.len());
        true
    }

    fn number(&mut self) {
        let p = self.pos;
        let (len, kind) = number_literal(&self.b[p..]);
        let text = &self.b[p..p + len];
        if kind == TokenKind::Int
            && text.len() > 1
            && text[0] == b'0'
            && text[1].is_ascii_digit()
            && text.iter().any(|&c| c == b'8' || c == b'9')
        {
            self.error(Span::new(p, p + len), "Invalid numeric literal");
        }
        self.push(kind, p + len);
    }

    fn name(&mut self) {
        let b = self.b;
        let mut i = self.pos;
        if b[i] == b'\\' {
            i += 1;
        }
        loop {
            while i < b.len() && is_ident_char(b[i]) {
                i += 1;
            }
            if self.at(i) == b'\\' && is_ident_start(self.at(i + 1)) && i + 1 < b.len() {
                i += 1;
            } else {
                break;
            }
        }
        self.push(TokenKind::Name, i);
    }

    fn punct(&mut self) {
        const OPS: [&[u8]; 34] = [
            b"<<=", b">>=", b"**=", b"<=>", b"===", b"!==", b"??=", b"?->", b"<<", b">>", b"**", b"==", b"!=", b"<>",
            b"<=", b">=", b"&&", b"||", b"??", b"->", b"::", b"++", b"--", b"+=", b"-=", b"*=", b"/=", b".=", b"%=",
            b"&=", b"|=", b"^=", b"\\", b"@",
        ];
        let rest = &self.b[self.pos..];
        let p = self.pos;
        let simple = |k| (k, 1usize);
        // Brackets and commas, most of an env.php, start no longer operator: no search.
        let single = match rest[0] {
            b'[' => Some(TokenKind::OpenBracket),
            b']' => Some(TokenKind::CloseBracket),
            b'(' => Some(TokenKind::OpenParen),
            b')' => Some(TokenKind::CloseParen),
            b'{' => Some(TokenKind::OpenBrace),
            b'}' => Some(TokenKind::CloseBrace),
            b',' => Some(TokenKind::Comma),
            b';' => Some(TokenKind::Semicolon),
            _ => None,
        };
        let (kind, len) = if let Some(k) = single {
            simple(k)
        } else if rest.starts_with(b"...") {
            (TokenKind::Ellipsis, 3)
        } else if rest.starts_with(b"=>") {
            (TokenKind::DoubleArrow, 2)
        } else if let Some(op) = OPS.iter().find(|op| rest.starts_with(op)) {
            (TokenKind::Operator, op.len())
        } else {
            match rest[0] {
                b'[' => simple(TokenKind::OpenBracket),
                b']' => simple(TokenKind::CloseBracket),
                b'(' => simple(TokenKind::OpenParen),
                b')' => simple(TokenKind::CloseParen),
                b'{' => simple(TokenKind::OpenBrace),
                b'}' => simple(TokenKind::CloseBrace),
                b',' => simple(TokenKind::Comma),
                b';' => simple(TokenKind::Semicolon),
                b'+' => simple(TokenKind::Plus),
                b'-' => simple(TokenKind::Minus),
                b'&' => simple(TokenKind::Ampersand),
                b'.' | b'|' | b'^' | b'/' | b'*' | b'=' | b'%' | b'!' | b'~' | b'<' | b'>' | b'?' | b':' | b'$' => {
                    simple(TokenKind::Operator)
                }
                other => {
                    let shown = if other.is_ascii_graphic() {
                        format!("\"{}\"", other as char)
                    } else {
                        format!("0x{other:02X}")
                    };
                    let message = format!("syntax error, unexpected character {shown}");
                    // The character is input: masked like a quoted token on a secret's line.
                    let quoted = (message.len() - shown.len())..message.len();
                    self.errors.push(SyntaxError {
                        span: Span::new(p, p + 1),
                        message: message.into(),
                        quoted: Some(quoted),
                    });
                    simple(TokenKind::Unknown)
                }
            }
        };
        self.push(kind, p + len);
    }
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

// grammar: number-literal (PHP's LNUM, DNUM, EXPONENT_DNUM, HNUM, ONUM, BNUM)
fn sep_digits<'a>(is_digit: fn(u8) -> bool) -> impl FnMut(&'a [u8]) -> IResult<&'a [u8], &'a [u8]> {
    move |i| recognize(pair(take_while1(is_digit), many0_count(pair(tag("_"), take_while1(is_digit)))))(i)
}

fn lnum(i: &[u8]) -> IResult<&[u8], &[u8]> {
    sep_digits(|c| c.is_ascii_digit())(i)
}

fn dnum(i: &[u8]) -> IResult<&[u8], &[u8]> {
    alt((recognize(tuple((opt(lnum), tag("."), lnum))), recognize(pair(lnum, pair(tag("."), opt(lnum))))))(i)
}

fn exponent_dnum(i: &[u8]) -> IResult<&[u8], &[u8]> {
    recognize(tuple((alt((dnum, lnum)), one_of("eE"), opt(one_of("+-")), lnum)))(i)
}

fn prefixed<'a>(prefix: &'static str, is_digit: fn(u8) -> bool) -> impl FnMut(&'a [u8]) -> IResult<&'a [u8], &'a [u8]> {
    move |i| recognize(pair(tag_no_case(prefix), sep_digits(is_digit)))(i)
}

/// Length and kind of the longest number literal at the start of `input`, as PHP's lexer
/// (longest match) takes it. `input` starts with a digit or `.digit`.
pub fn number_literal(input: &[u8]) -> (usize, TokenKind) {
    // Most numbers are plain digits followed by a byte no longer literal could continue
    // with: that is the longest match, without trying every form.
    let digits = input.iter().take_while(|c| c.is_ascii_digit()).count();
    let next = input.get(digits).copied().unwrap_or(b' ');
    if digits > 0 && !matches!(next, b'.' | b'e' | b'E' | b'_' | b'x' | b'X' | b'o' | b'O' | b'b' | b'B') {
        return (digits, TokenKind::Int);
    }
    let len = |r: IResult<&[u8], &[u8]>| r.map(|(_, m)| m.len()).unwrap_or(0);
    let candidates = [
        (len(exponent_dnum(input)), TokenKind::Float),
        (len(dnum(input)), TokenKind::Float),
        (len(prefixed("0x", |c| c.is_ascii_hexdigit())(input)), TokenKind::Int),
        (len(prefixed("0o", |c| (b'0'..=b'7').contains(&c))(input)), TokenKind::Int),
        (len(prefixed("0b", |c| c == b'0' || c == b'1')(input)), TokenKind::Int),
        (len(lnum(input)), TokenKind::Int),
    ];
    let mut best = (0, TokenKind::Int);
    for c in candidates {
        if c.0 > best.0 {
            best = c;
        }
    }
    if best.0 == 0 {
        // Unreachable for callers that check the first byte; keep the lexer moving anyway.
        return (1, TokenKind::Unknown);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, String)> {
        let l = lex(src.as_bytes());
        l.tokens
            .iter()
            .map(|t| (t.kind, String::from_utf8_lossy(t.span().slice(src.as_bytes())).into_owned()))
            .collect()
    }

    #[test]
    fn numbers_take_the_longest_match() {
        for (s, len, k) in [
            ("1_000.5,", 7, TokenKind::Float),
            ("0x1F ", 4, TokenKind::Int),
            ("0x ", 1, TokenKind::Int),
            ("1e ", 1, TokenKind::Int),
            ("1.e3]", 4, TokenKind::Float),
            (".5]", 2, TokenKind::Float),
            ("1__0", 1, TokenKind::Int),
            ("0b102", 4, TokenKind::Int),
            ("0o17", 4, TokenKind::Int),
            ("1234,", 4, TokenKind::Int),
            ("0", 1, TokenKind::Int),
            ("07]", 2, TokenKind::Int),
            ("12E3 ", 4, TokenKind::Float),
            ("0B11", 4, TokenKind::Int),
            ("0X", 1, TokenKind::Int),
        ] {
            assert_eq!(number_literal(s.as_bytes()), (len, k), "{s}");
        }
    }

    #[test]
    fn close_tag_swallows_one_newline_and_comments_stop_at_it() {
        let k = kinds("<?php # c ?>\n\nx");
        assert_eq!(k[0], (TokenKind::OpenTag, "<?php ".into()));
        assert_eq!(k[1], (TokenKind::Comment, "# c ".into()));
        assert_eq!(k[2], (TokenKind::CloseTag, "?>\n".into()));
        assert_eq!(k[3], (TokenKind::InlineHtml, "\nx".into()));
    }

    #[test]
    fn interpolation_code_may_hold_quotes_and_braces() {
        let k = kinds(r#"<?php "a{$x["}"]}b" ;"#);
        assert_eq!(k[1], (TokenKind::DoubleQuoted, r#""a{$x["}"]}b""#.into()));
    }

    #[test]
    fn heredoc_closes_at_indented_marker_not_prefix() {
        let src = "<?php <<<EOT\n  a\n  EOTX\n  EOT, 1";
        let k = kinds(src);
        assert_eq!(k[1], (TokenKind::Heredoc, "<<<EOT\n  a\n  EOTX\n  EOT".into()));
        assert_eq!(k[2].0, TokenKind::Comma);
    }

    #[test]
    fn quoted_strings_that_need_decoding_are_listed() {
        let src = br#"<?php ['a', 'b\'c', "d", "e\n", "f$g", "h{", 'i$', "j"#;
        let l = lex(src);
        let listed: Vec<&[u8]> = l.escaped.iter().map(|&i| l.tokens[i].span().slice(src)).collect();
        // `"j` runs to the end unterminated (an error): nothing in it to decode either.
        assert_eq!(listed, [&br"'b\'c'"[..], br#""e\n""#, br#""f$g""#]);
    }

    #[test]
    fn tokens_cover_every_byte() {
        let src = b"x<?php /* a */ return ['\\'', \"\\\"\", <<<'N'\nq\nN, 0x1, \x00 #[ \xff ?>\r\nrest<?=";
        let l = lex(src);
        let mut at = 0;
        for t in &l.tokens {
            assert_eq!(t.span().start, at);
            at = t.span().end;
        }
        assert_eq!(at, src.len());
        assert!(l.errors.iter().any(|e| e.message.contains("0x00")));
    }
}
