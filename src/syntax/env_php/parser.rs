//! Builds the env.php tree from tokens. Arrays nest through an explicit stack of frames,
//! never through recursion; everything the subset does not evaluate becomes an opaque node.

use super::lexer::{self, Token, TokenKind};
use super::literal::{self, Diagnostics};
use super::{
    ArrayId, ArrayNode, Entry, EntryKey, EnvPhp, Expr, ExprId, ExprKind, Item, ItemKind, OptSpan, ReturnStmt, Returned,
    Scalar, TreeStr,
};
use crate::php_value::{ArrayKey, PhpValue};
use crate::span::Span;
use crate::syntax::SyntaxError;

/// Bison's default `YYMAXDEPTH`: PHP's parser stack holds this many symbols, then gives
/// "memory exhausted".
const PHP_PARSER_STACK: usize = 10_000;
/// Parser-stack symbols below the first `[` of `<?php return [`.
const PHP_STACK_BASE: usize = 6;

pub fn parse(shared: std::sync::Arc<[u8]>) -> EnvPhp {
    let bytes: &[u8] = &shared;
    let lexed = lexer::lex(bytes);
    let mut p = Parser {
        src: bytes,
        toks: &lexed.tokens,
        pos: 0,
        items: Vec::new(),
        // At most one expression per two tokens in any array (`1,`), fewer elsewhere:
        // reserved once (pages not written stay unmapped), trimmed below.
        exprs: Vec::with_capacity(lexed.tokens.len() / 2 + 1),
        arrays: Vec::new(),
        pending: Vec::new(),
        diags: Diagnostics { errors: lexed.errors.clone(), warnings: Vec::new() },
        escaped: &lexed.escaped,
        escaped_at: 0,
        fatal: false,
    };
    let returned = p.file();
    let Parser { items, mut exprs, arrays, mut diags, .. } = p;
    exprs.shrink_to_fit();
    let mut env = EnvPhp {
        bytes: shared.clone(),
        tokens: lexed.tokens,
        items,
        exprs,
        arrays,
        returned,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    env.assign_keys(&mut diags);
    diags.errors.sort_by_key(|e| e.span.start);
    diags.warnings.sort_by_key(|e| e.span.start);
    env.errors = diags.errors;
    env.warnings = diags.warnings;
    env
}

struct Parser<'a> {
    src: &'a [u8],
    toks: &'a [Token],
    pos: usize,
    items: Vec<Item>,
    exprs: Vec<Expr>,
    arrays: Vec<ArrayNode>,
    /// The entries of every open array, innermost last: an array's entries are moved out
    /// when it closes, into a vector of their exact length (no growth copies, no slack).
    pending: Vec<Entry>,
    diags: Diagnostics,
    /// PHP stopped here (parser stack exhausted): the rest is not parsed.
    fatal: bool,
    /// `Lexed::escaped`: the quoted strings that need decoding.
    escaped: &'a [usize],
    /// Where [`Parser::is_escaped`] looks next in `escaped`.
    escaped_at: usize,
}

enum FrameState {
    /// Before an element, or after its first expression (no `=>` yet).
    Start,
    AfterArrow {
        key: ExprId,
        arrow: Span,
    },
}

struct Frame {
    array: ArrayId,
    closer: TokenKind,
    open: Span,
    /// Where this array's entries start in `Parser::pending`.
    first_entry: usize,
    state: FrameState,
    spread: bool,
    entry_start: usize,
    /// Parser-stack symbols PHP holds for everything outside this array.
    below: usize,
}

impl Frame {
    /// Parser-stack symbols PHP holds for this array when a nested one opens.
    /// `pending` is `Parser::pending` (this frame's entries are its tail).
    fn stack_cost(&self, long_form: bool, pending: usize) -> usize {
        let open = if long_form { 2 } else { 1 };
        let prior = if pending == self.first_entry { 0 } else { 2 };
        let arrow = if matches!(self.state, FrameState::AfterArrow { .. }) { 2 } else { 0 };
        open + prior + arrow + usize::from(self.spread)
    }
}

enum Want {
    Operand,
    ElementStart,
    AfterOperand(ExprId),
}

fn closer_text(k: TokenKind) -> &'static str {
    match k {
        TokenKind::CloseParen => ")",
        TokenKind::CloseBrace => "}",
        _ => "]",
    }
}

fn opener_text(closer: TokenKind) -> &'static str {
    match closer {
        TokenKind::CloseParen => "(",
        TokenKind::CloseBrace => "{",
        _ => "[",
    }
}

impl<'a> Parser<'a> {
    /// Whether token `i` is in `Lexed::escaped`. Literals come in token order: a cursor
    /// that moves on, not a search (a search only should one ever come back).
    fn is_escaped(&mut self, i: usize) -> bool {
        let e = self.escaped;
        if self.escaped_at > 0 && e[self.escaped_at - 1] >= i {
            return e.binary_search(&i).is_ok();
        }
        while self.escaped_at < e.len() && e[self.escaped_at] < i {
            self.escaped_at += 1;
        }
        e.get(self.escaped_at) == Some(&i)
    }

    fn kind(&self, i: usize) -> Option<TokenKind> {
        self.toks.get(i).map(|t| t.kind)
    }

    fn text(&self, i: usize) -> &'a [u8] {
        self.toks.get(i).map(|t| t.span().slice(self.src)).unwrap_or(b"")
    }

    fn next_sig(&self, mut i: usize) -> usize {
        while i < self.toks.len() && self.toks[i].kind.is_trivia() {
            i += 1;
        }
        i
    }

    fn is_name(&self, i: usize, word: &str) -> bool {
        self.kind(i) == Some(TokenKind::Name) && self.text(i).eq_ignore_ascii_case(word.as_bytes())
    }

    /// Span of token `i`, or an empty span at the end of input.
    fn span(&self, i: usize) -> Span {
        self.toks.get(i).map(|t| t.span()).unwrap_or(Span::empty(self.src.len()))
    }

    /// How PHP names a token in "unexpected ..." messages: the words, and the token's text
    /// that PHP quotes after them.
    fn describe(&self, i: usize) -> (String, Option<String>) {
        let Some(tok) = self.toks.get(i) else { return ("end of file".into(), None) };
        let text = String::from_utf8_lossy(self.text(i)).into_owned();
        let inner = || text.get(1..text.len().saturating_sub(1)).unwrap_or("").to_owned();
        let (what, quoted) = match tok.kind {
            TokenKind::SingleQuoted => ("single-quoted string", inner()),
            TokenKind::DoubleQuoted => ("double-quoted string", inner()),
            TokenKind::Int => ("integer", text),
            TokenKind::Float => ("floating-point number", text),
            TokenKind::Variable => ("variable", text),
            TokenKind::Name if is_keyword(&text) => ("token", text.to_ascii_lowercase()),
            TokenKind::Name => ("identifier", text),
            TokenKind::CloseTag | TokenKind::InlineHtml => ("token", "?>".into()),
            _ => ("token", text),
        };
        (what.into(), Some(quoted))
    }

    fn error(&mut self, span: Span, message: impl Into<std::borrow::Cow<'static, str>>) {
        self.diags.error(span, message);
    }

    fn unexpected(&mut self, i: usize, expecting: Option<&str>) {
        let (what, quoted) = self.describe(i);
        let mut msg = format!("syntax error, unexpected {what}");
        let mut range = None;
        if let Some(q) = quoted {
            msg.push_str(" \"");
            range = Some(msg.len()..msg.len() + q.len());
            msg.push_str(&q);
            msg.push('"');
        }
        if let Some(e) = expecting {
            msg.push_str(&format!(", expecting \"{e}\""));
        }
        let span = self.span(i);
        self.diags.errors.push(SyntaxError { span, message: msg.into(), quoted: range });
    }

    fn push_item(&mut self, kind: ItemKind, start: usize, end: usize) {
        if end <= start {
            return;
        }
        let span = Span::new(self.toks[start].span().start, self.toks[end - 1].span().end);
        self.items.push(Item { kind, tokens: start..end, span });
    }

    fn add_expr(&mut self, span: Span, kind: ExprKind) -> ExprId {
        self.exprs.push(Expr { span, kind });
        ExprId((self.exprs.len() - 1) as u32)
    }

    // grammar: file
    fn file(&mut self) -> Returned {
        let n = self.toks.len();
        let mut returned = Returned::NoReturn;
        let mut seen_return = false;
        let mut seen_statement = false;
        while self.pos < n {
            let start = self.pos;
            if self.fatal {
                self.push_item(ItemKind::Rest, start, n);
                self.pos = n;
                break;
            }
            match self.toks[start].kind {
                TokenKind::InlineHtml => {
                    seen_statement = true;
                    self.pos += 1;
                    self.push_item(ItemKind::InlineHtml, start, self.pos);
                }
                TokenKind::OpenTag | TokenKind::OpenTagEcho => {
                    if self.toks[start].kind == TokenKind::OpenTagEcho {
                        seen_statement = true;
                    }
                    self.pos += 1;
                    self.push_item(ItemKind::OpenTag, start, self.pos);
                }
                TokenKind::CloseTag => {
                    self.pos += 1;
                    self.push_item(ItemKind::CloseTag, start, self.pos);
                }
                k if k.is_trivia() => {
                    self.pos = self.next_sig(start);
                    self.push_item(ItemKind::Trivia, start, self.pos);
                }
                TokenKind::Name if self.is_name(start, "return") => {
                    let stmt = self.return_statement();
                    if !seen_return {
                        seen_return = true;
                        returned = match stmt.value {
                            Some(v) => Returned::Value(v),
                            None => Returned::Void,
                        };
                    }
                    seen_statement = true;
                    self.push_item(ItemKind::Return(stmt), start, self.pos);
                }
                _ => {
                    let halt = self.is_name(start, "__halt_compiler");
                    self.statement(seen_statement, seen_return);
                    seen_statement = true;
                    self.push_item(ItemKind::Statement, start, self.pos);
                    if halt && self.pos < n {
                        self.push_item(ItemKind::Rest, self.pos, n);
                        self.pos = n;
                    }
                }
            }
        }
        returned
    }

    // grammar: opaque-statement
    fn statement(&mut self, seen_statement: bool, seen_return: bool) {
        let start = self.pos;
        let n = self.toks.len();
        let mut stack: Vec<(TokenKind, Span)> = Vec::new();
        let mut i = start;
        let mut has_return = false;
        let end = loop {
            let Some(tok) = self.toks.get(i).copied() else {
                if let Some((closer, open)) = stack.first() {
                    self.error(*open, format!("Unclosed '{}'", opener_text(*closer)));
                }
                break n;
            };
            match tok.kind {
                TokenKind::OpenBracket | TokenKind::Attribute => stack.push((TokenKind::CloseBracket, tok.span())),
                TokenKind::OpenParen => stack.push((TokenKind::CloseParen, tok.span())),
                TokenKind::OpenBrace => stack.push((TokenKind::CloseBrace, tok.span())),
                TokenKind::CloseBracket | TokenKind::CloseParen | TokenKind::CloseBrace => match stack.pop() {
                    None => {
                        self.unexpected(i, None);
                        break i + 1;
                    }
                    Some((want, open)) if want != tok.kind => {
                        let msg =
                            format!("Unclosed '{}' does not match '{}'", opener_text(want), closer_text(tok.kind));
                        self.error(open.to(tok.span()), msg);
                        break i + 1;
                    }
                    Some(_) => {
                        if tok.kind == TokenKind::CloseBrace && stack.is_empty() {
                            let j = self.next_sig(i + 1);
                            let continues = ["else", "elseif", "catch", "finally"].iter().any(|w| self.is_name(j, w));
                            if !continues {
                                break i + 1;
                            }
                        }
                    }
                },
                TokenKind::Semicolon if stack.is_empty() => break i + 1,
                TokenKind::CloseTag if stack.is_empty() => break i,
                TokenKind::Name if self.is_name(i, "return") => has_return = true,
                _ => {}
            }
            i += 1;
        };
        let end = end.max(start + 1).min(n);
        if self.kind(start) == Some(TokenKind::Attribute) {
            // grammar: attribute — only declarations may follow `#[...]`.
            let mut depth = 0usize;
            let mut k = start;
            while k < end {
                match self.kind(k) {
                    Some(TokenKind::OpenBracket | TokenKind::Attribute) => depth += 1,
                    Some(TokenKind::CloseBracket) => depth = depth.saturating_sub(1),
                    _ => {}
                }
                k += 1;
                if depth == 0 {
                    break;
                }
            }
            let next = self.next_sig(k);
            const DECLS: [&str; 10] =
                ["function", "fn", "class", "abstract", "final", "readonly", "enum", "interface", "trait", "static"];
            if next < end
                && !DECLS.iter().any(|w| self.is_name(next, w))
                && self.kind(next) != Some(TokenKind::Attribute)
            {
                self.unexpected(next, None);
            }
        }
        if self.is_name(start, "declare") && seen_statement && (start..end).any(|i| self.is_name(i, "strict_types")) {
            let span = self.span(start);
            self.error(span, "strict_types declaration must be the very first statement in the script");
        }
        if has_return && !seen_return {
            let span = Span::new(self.span(start).start, self.span(end - 1).end);
            self.diags
                .warning(span, "a `return` inside this statement may decide what the file returns; not evaluated");
        }
        self.pos = end;
    }

    // grammar: return-statement
    fn return_statement(&mut self) -> ReturnStmt {
        let keyword = self.span(self.pos);
        self.pos += 1;
        let j = self.next_sig(self.pos);
        match self.kind(j) {
            Some(TokenKind::Semicolon) => {
                self.pos = j + 1;
                return ReturnStmt { keyword, value: None, semicolon: Some(self.span(j)) };
            }
            Some(TokenKind::CloseTag) => {
                self.pos = j;
                return ReturnStmt { keyword, value: None, semicolon: None };
            }
            None => {
                self.unexpected(j, Some(";"));
                self.pos = j;
                return ReturnStmt { keyword, value: None, semicolon: None };
            }
            _ => {}
        }
        self.pos = j;
        let value = self.value_expr();
        if self.fatal {
            return ReturnStmt { keyword, value: Some(value), semicolon: None };
        }
        let k = self.next_sig(self.pos);
        let semicolon = match self.kind(k) {
            Some(TokenKind::Semicolon) => {
                self.pos = k + 1;
                Some(self.span(k))
            }
            Some(TokenKind::CloseTag) => {
                self.pos = k;
                None
            }
            _ => {
                self.unexpected(k, Some(";"));
                // Resynchronise after the next `;` (or before `?>`).
                let mut i = k;
                while let Some(kind) = self.kind(i) {
                    if kind == TokenKind::Semicolon {
                        i += 1;
                        break;
                    }
                    if kind == TokenKind::CloseTag {
                        break;
                    }
                    i += 1;
                }
                self.pos = i.max(k);
                None
            }
        };
        ReturnStmt { keyword, value: Some(value), semicolon }
    }

    /// An expression in value position: an array literal (parsed with an explicit stack of
    /// frames), a literal, or an opaque expression. Leaves `pos` on the token after it.
    fn value_expr(&mut self) -> ExprId {
        let mut stack: Vec<Frame> = Vec::new();
        let mut want = Want::Operand;
        loop {
            match want {
                Want::Operand => {
                    let j = self.next_sig(self.pos);
                    let long_form =
                        self.is_name(j, "array") && self.kind(self.next_sig(j + 1)) == Some(TokenKind::OpenParen);
                    if self.kind(j) == Some(TokenKind::OpenBracket) || long_form {
                        let below = match stack.last() {
                            Some(f) => f.below + f.stack_cost(long_form, self.pending.len()),
                            None => PHP_STACK_BASE,
                        };
                        let cost = if long_form { 2 } else { 1 };
                        if below + cost > PHP_PARSER_STACK {
                            let span = self.span(j);
                            self.error(span, "memory exhausted");
                            self.fatal = true;
                            self.pos = j;
                            return self.unwind(stack, None);
                        }
                        // grammar: array-literal
                        let (open_end, closer) = if long_form {
                            (self.next_sig(j + 1), TokenKind::CloseParen)
                        } else {
                            (j, TokenKind::CloseBracket)
                        };
                        let open = self.span(j).to(self.span(open_end));
                        let depth = stack.len() + 1;
                        self.arrays.push(ArrayNode {
                            span: open,
                            long_form,
                            open,
                            close: None,
                            entries: Vec::new(),
                            depth,
                        });
                        let array = ArrayId((self.arrays.len() - 1) as u32);
                        stack.push(Frame {
                            array,
                            closer,
                            open,
                            first_entry: self.pending.len(),
                            state: FrameState::Start,
                            spread: false,
                            entry_start: open.end,
                            below,
                        });
                        self.pos = open_end + 1;
                        want = Want::ElementStart;
                    } else {
                        {
                            // Parser-stack symbols below this value, as for an array in its place.
                            let below = stack
                                .last()
                                .map_or(PHP_STACK_BASE - 1, |f| f.below + f.stack_cost(false, self.pending.len()) - 1);
                            want = Want::AfterOperand(self.scalar_or_opaque(j, stack.last().map(|f| f.closer), below));
                        }
                    }
                }
                Want::ElementStart => {
                    let j = self.next_sig(self.pos);
                    let kind = self.kind(j);
                    let Some(frame) = stack.last_mut() else { return self.missing_frame() };
                    if kind == Some(frame.closer) {
                        let Some(frame) = stack.pop() else { return self.missing_frame() };
                        self.pos = j + 1;
                        let close = self.span(j);
                        want = Want::AfterOperand(self.close_frame(frame, Some(close)));
                        continue;
                    }
                    match kind {
                        Some(TokenKind::Comma) => {
                            let span = self.span(j);
                            self.error(span, "Cannot use empty array elements in arrays");
                            self.pos = j + 1;
                        }
                        Some(TokenKind::CloseBracket | TokenKind::CloseParen) => {
                            // The other closer: PHP stops; close this array on it to resynchronise.
                            let Some(frame) = stack.pop() else { return self.missing_frame() };
                            let msg = format!(
                                "Unclosed '{}' does not match '{}'",
                                opener_text(frame.closer),
                                closer_text(kind.unwrap_or(TokenKind::CloseBracket))
                            );
                            let span = self.span(j);
                            self.error(frame.open.to(span), msg);
                            self.pos = j + 1;
                            want = Want::AfterOperand(self.close_frame(frame, Some(span)));
                        }
                        None | Some(TokenKind::Semicolon | TokenKind::CloseBrace | TokenKind::CloseTag) => {
                            let open = frame.open;
                            let msg = format!("Unclosed '{}'", opener_text(frame.closer));
                            self.error(open, msg);
                            self.pos = j;
                            return self.unwind(stack, None);
                        }
                        Some(TokenKind::Ellipsis) => {
                            // grammar: spread-entry
                            frame.spread = true;
                            frame.entry_start = self.span(j).start;
                            self.pos = j + 1;
                            want = Want::Operand;
                        }
                        Some(_) => {
                            frame.entry_start = self.span(j).start;
                            self.pos = j;
                            want = Want::Operand;
                        }
                    }
                }
                Want::AfterOperand(id) => {
                    let mut id = id;
                    let j = self.next_sig(self.pos);
                    if matches!(self.exprs[id.0 as usize].kind, ExprKind::Array(_)) && !self.is_terminator(j) {
                        // `[...] + [...]`, `[...][0]`: the array is an operand of a larger expression.
                        id = self.extend_opaque(id, j, stack.last().map(|f| f.closer));
                    }
                    let Some(frame) = stack.last_mut() else { return id };
                    let j = self.next_sig(self.pos);
                    let kind = self.kind(j);
                    match (&frame.state, kind) {
                        (FrameState::Start, Some(TokenKind::DoubleArrow)) if !frame.spread => {
                            frame.state = FrameState::AfterArrow { key: id, arrow: self.span(j) };
                            self.pos = j + 1;
                            want = Want::Operand;
                        }
                        (_, Some(TokenKind::Comma)) => {
                            let comma = Some(self.span(j));
                            self.finish_entry(frame, id, comma);
                            self.pos = j + 1;
                            want = Want::ElementStart;
                        }
                        (_, k) if k == Some(frame.closer) => {
                            self.finish_entry(frame, id, None);
                            self.pos = j;
                            want = Want::ElementStart;
                        }
                        (_, Some(TokenKind::CloseBracket | TokenKind::CloseParen)) => {
                            self.finish_entry(frame, id, None);
                            self.pos = j;
                            want = Want::ElementStart; // reports the mismatch
                        }
                        (_, Some(TokenKind::DoubleArrow)) => {
                            let closer = closer_text(frame.closer);
                            self.unexpected(j, Some(closer));
                            self.finish_entry(frame, id, None);
                            // Skip the stray `=> value` up to the next `,` or closer.
                            let (end, _) = self.scan_extent(j + 1);
                            self.pos = end;
                            want = Want::ElementStart;
                        }
                        _ => {
                            // `;`, `}`, `?>` or the end of input inside an array.
                            self.finish_entry(frame, id, None);
                            self.pos = j;
                            want = Want::ElementStart; // reports the unclosed array
                        }
                    }
                }
            }
        }
    }

    /// The state machine only asks for a frame after pushing one; should that ever fail,
    /// answer with an error node rather than a panic.
    fn missing_frame(&mut self) -> ExprId {
        let at = self.span(self.pos).start;
        self.error(Span::empty(at), "internal: array state without an open array");
        self.add_expr(Span::empty(at), ExprKind::Error)
    }

    /// Close every open array (PHP stopped inside them) and return the outermost.
    fn unwind(&mut self, mut stack: Vec<Frame>, close: Option<Span>) -> ExprId {
        let mut last = None;
        while let Some(mut frame) = stack.pop() {
            if let Some(inner) = last.take() {
                self.finish_entry(&mut frame, inner, None);
            }
            last = Some(self.close_frame(frame, close));
        }
        match last {
            Some(id) => id,
            None => {
                let at = self.span(self.pos);
                self.add_expr(Span::empty(at.start), ExprKind::Error)
            }
        }
    }

    fn finish_entry(&mut self, frame: &mut Frame, value: ExprId, comma: Option<Span>) {
        let (key, arrow) = match std::mem::replace(&mut frame.state, FrameState::Start) {
            FrameState::AfterArrow { key, arrow } => (Some(key), Some(arrow)),
            FrameState::Start => (None, None),
        };
        let value_span = self.exprs[value.0 as usize].span;
        let start = key.map(|k| self.exprs[k.0 as usize].span.start).unwrap_or(value_span.start).min(frame.entry_start);
        self.pending.push(Entry {
            span: Span::new(start, value_span.end.max(start)),
            key,
            arrow: OptSpan::of(arrow),
            value,
            spread: std::mem::take(&mut frame.spread),
            comma: OptSpan::of(comma),
            effective_key: None,
        });
    }

    fn close_frame(&mut self, frame: Frame, close: Option<Span>) -> ExprId {
        let entries: Vec<Entry> = if frame.first_entry == 0 {
            // The outermost array (often the largest) takes the stack itself, trimmed in
            // place: a copy would hold its entries twice at the peak.
            let mut all = std::mem::take(&mut self.pending);
            all.shrink_to_fit();
            all
        } else {
            self.pending.drain(frame.first_entry.min(self.pending.len())..).collect()
        };
        let node = &mut self.arrays[frame.array.0 as usize];
        let end = close.map(|c| c.end).or_else(|| entries.last().map(|e| e.span.end)).unwrap_or(frame.open.end);
        node.close = close;
        node.span = Span::new(frame.open.start, end.max(frame.open.end));
        node.entries = entries;
        let span = node.span;
        self.add_expr(span, ExprKind::Array(frame.array))
    }

    /// Tokens that end an expression in an array or a return statement.
    fn is_terminator(&self, j: usize) -> bool {
        matches!(
            self.kind(j),
            None | Some(
                TokenKind::Comma
                    | TokenKind::CloseBracket
                    | TokenKind::CloseParen
                    | TokenKind::CloseBrace
                    | TokenKind::Semicolon
                    | TokenKind::DoubleArrow
                    | TokenKind::CloseTag
            )
        )
    }

    /// The token range of an expression starting at `j`: balanced over brackets, up to the
    /// next terminator at its level. Returns the end and whether it is broken.
    fn scan_extent(&mut self, j: usize) -> (usize, bool) {
        let mut stack: Vec<(TokenKind, Span)> = Vec::new();
        let mut i = j;
        loop {
            let Some(tok) = self.toks.get(i).copied() else {
                if let Some((closer, open)) = stack.first() {
                    self.error(*open, format!("Unclosed '{}'", opener_text(*closer)));
                    return (i, true);
                }
                return (i, false);
            };
            match tok.kind {
                TokenKind::OpenBracket | TokenKind::Attribute => stack.push((TokenKind::CloseBracket, tok.span())),
                TokenKind::OpenParen => stack.push((TokenKind::CloseParen, tok.span())),
                TokenKind::OpenBrace => stack.push((TokenKind::CloseBrace, tok.span())),
                TokenKind::CloseBracket | TokenKind::CloseParen | TokenKind::CloseBrace => match stack.pop() {
                    None => return (i, false),
                    Some((want, _)) if want == tok.kind => {}
                    Some((want, open)) => {
                        let msg =
                            format!("Unclosed '{}' does not match '{}'", opener_text(want), closer_text(tok.kind));
                        self.error(open.to(tok.span()), msg);
                        return (i, true);
                    }
                },
                TokenKind::Comma | TokenKind::DoubleArrow if stack.is_empty() => return (i, false),
                TokenKind::Semicolon | TokenKind::CloseTag => match stack.last() {
                    None => return (i, false),
                    Some((TokenKind::CloseBrace, _)) => {}
                    Some((closer, open)) => {
                        let msg = format!("Unclosed '{}'", opener_text(*closer));
                        let open = *open;
                        self.error(open, msg);
                        return (i, true);
                    }
                },
                _ => {}
            }
            i += 1;
        }
    }

    /// A literal (with unary signs), `true`/`false`/`null`, or an opaque expression.
    fn scalar_or_opaque(&mut self, j: usize, closer: Option<TokenKind>, below: usize) -> ExprId {
        // Most values are one literal token before a `,`, `=>` or closer: no scan, no list.
        if below + 1 < PHP_PARSER_STACK
            && self.kind(j).is_some_and(|k| k.is_literal() || k == TokenKind::Name)
            && self.is_terminator(self.next_sig(j + 1))
        {
            let end = self.next_sig(j + 1);
            self.pos = end;
            let span = self.span(j);
            // As below with `sig == [j]` (constant() may record diagnostics: called once).
            if let Some(kind) = self.constant(&[j]) {
                return self.add_expr(span, kind);
            }
            let kind = if self.check_opaque(&[j], end, closer) { ExprKind::Opaque } else { ExprKind::Error };
            return self.add_expr(span, kind);
        }
        let (end, broken) = self.scan_extent(j);
        self.pos = end;
        let sig: Vec<usize> = (j..end).filter(|&i| !self.toks[i].kind.is_trivia()).collect();
        if let Some(at) = self.exhausts_parser_stack(&sig, below) {
            let span = self.span(at);
            self.error(span, "memory exhausted");
            self.fatal = true;
            let whole = self.span(sig[0]).to(self.span(sig[sig.len() - 1]));
            return self.add_expr(whole, ExprKind::Error);
        }
        let (Some(&first), Some(&last)) = (sig.first(), sig.last()) else {
            // Nothing where a value must be: `[1 => ]`, `return ,`.
            let expecting = if self.kind(end).is_none() { closer.map(closer_text) } else { None };
            self.unexpected(end, expecting);
            let at = self.span(end).start;
            return self.add_expr(Span::empty(at), ExprKind::Error);
        };
        let span = self.span(first).to(self.span(last));
        if broken {
            return self.add_expr(span, ExprKind::Error);
        }
        if let Some(kind) = self.constant(&sig) {
            return self.add_expr(span, kind);
        }
        let kind = if self.check_opaque(&sig, end, closer) { ExprKind::Opaque } else { ExprKind::Error };
        self.add_expr(span, kind)
    }

    /// Where an expression nests deeper than PHP's parser stack holds (bison's `YYMAXDEPTH`,
    /// "memory exhausted"): each open `(` and each pending prefix operator (`!`, `~`, `@`,
    /// a sign, a cast) holds a symbol until its operand is reduced. Calibrated against
    /// `php -l` 8.2 (`tests/conformance_env_php.rs`): the limit for parentheses, `!` and casts
    /// is exact at every array depth tried (9,988 parentheses around a string in a two-level
    /// array pass, one more fails); for `(!` mixed it can be one level early.
    fn exhausts_parser_stack(&self, sig: &[usize], below: usize) -> Option<usize> {
        const CASTS: [&[u8]; 12] = [
            b"int", b"integer", b"bool", b"boolean", b"float", b"double", b"real", b"string", b"array", b"object",
            b"unset", b"binary",
        ];
        if sig.len() + below < PHP_PARSER_STACK {
            return None;
        }
        let mut levels: Vec<usize> = vec![0];
        let mut pending = 0usize;
        let mut parens = 0usize;
        let mut prev_operand = false;
        let mut k = 0;
        while k < sig.len() {
            let i = sig[k];
            let kind = self.kind(i);
            let is_cast = kind == Some(TokenKind::OpenParen)
                && sig.get(k + 2).is_some_and(|&c| self.kind(c) == Some(TokenKind::CloseParen))
                && sig.get(k + 1).is_some_and(|&n| {
                    self.kind(n) == Some(TokenKind::Name)
                        && CASTS.contains(&self.text(n).to_ascii_lowercase().as_slice())
                });
            match kind {
                Some(TokenKind::OpenParen) if is_cast => {
                    pending += 1;
                    *levels.last_mut()? += 1;
                    k += 2;
                    prev_operand = false;
                }
                Some(TokenKind::OpenParen) => {
                    parens += 1;
                    levels.push(0);
                    prev_operand = false;
                }
                Some(TokenKind::CloseParen) => {
                    parens = parens.saturating_sub(1);
                    if levels.len() > 1 {
                        pending -= levels.pop().unwrap_or(0);
                    }
                    prev_operand = true;
                }
                Some(TokenKind::Plus | TokenKind::Minus) if !prev_operand => {
                    pending += 1;
                    *levels.last_mut()? += 1;
                }
                Some(TokenKind::Operator) if !prev_operand && matches!(self.text(i), b"!" | b"~" | b"@") => {
                    pending += 1;
                    *levels.last_mut()? += 1;
                }
                Some(TokenKind::Operator | TokenKind::Plus | TokenKind::Minus) => {
                    // A binary operator: the prefix operators of its left operand are reduced.
                    pending -= std::mem::take(levels.last_mut()?);
                    prev_operand = false;
                }
                _ => prev_operand = true,
            }
            if below + parens + pending + usize::from(parens > 0) > PHP_PARSER_STACK {
                return Some(i);
            }
            k += 1;
        }
        None
    }

    /// The node of a constant scalar expression ([`ExprKind::Literal`] or
    /// [`ExprKind::Str`]), or `None` when it is anything else.
    fn constant(&mut self, sig: &[usize]) -> Option<ExprKind> {
        let (&last, signs) = sig.split_last()?;
        if !signs.iter().all(|&i| matches!(self.kind(i), Some(TokenKind::Plus | TokenKind::Minus))) {
            return None;
        }
        let tok = self.toks[last];
        if !signs.is_empty() && !matches!(tok.kind, TokenKind::Int | TokenKind::Float) {
            return None;
        }
        if tok.kind == TokenKind::Name {
            // grammar: constant-literal
            let t = self.text(last);
            let t = t.strip_prefix(b"\\").unwrap_or(t);
            // Compared in place: a lowercased copy was one allocation per `true`/`null`.
            let value = if t.eq_ignore_ascii_case(b"true") {
                Scalar::Bool(true)
            } else if t.eq_ignore_ascii_case(b"false") {
                Scalar::Bool(false)
            } else if t.eq_ignore_ascii_case(b"null") {
                Scalar::Null
            } else {
                return None;
            };
            return Some(ExprKind::Literal(value));
        }
        if signs.is_empty() && !matches!(tok.kind, TokenKind::Int | TokenKind::Float) {
            let escaped = self.is_escaped(last);
            return literal::token_string(self.src, tok, escaped, &mut self.diags).map(ExprKind::Str);
        }
        let mut value = Scalar::of(literal::token_value(self.src, tok)?)?;
        // grammar: signed-number
        for &i in signs.iter().rev() {
            if self.kind(i) == Some(TokenKind::Minus) {
                value = match value {
                    Scalar::Int(n) => n.checked_neg().map(Scalar::Int).unwrap_or(Scalar::Float(-(n as f64))),
                    Scalar::Float(f) => Scalar::Float(-f),
                    other => other,
                };
            }
        }
        Some(ExprKind::Literal(value))
    }

    /// Light checks on an opaque expression for the mistakes PHP's parser rejects most
    /// often in config files (a missing comma, a dangling operator). False when broken.
    fn check_opaque(&mut self, sig: &[usize], end: usize, closer: Option<TokenKind>) -> bool {
        let expecting = closer.map(closer_text);
        let operand = |k: TokenKind| k.is_literal() || k == TokenKind::Variable;
        let first = sig[0];
        let first_text = self.text(first);
        if self.kind(first) == Some(TokenKind::Operator) && is_binary_only(first_text) {
            self.unexpected(first, None);
            return false;
        }
        for w in sig.windows(2) {
            let (a, b) = (self.toks[w[0]].kind, self.toks[w[1]].kind);
            let a_text = self.text(w[0]);
            let bad = (operand(a) && operand(b))
                || (a.is_literal() && b == TokenKind::Name && !is_infix_word(self.text(w[1])))
                || (a == TokenKind::Name
                    && b == TokenKind::Name
                    && is_plain_name(a_text)
                    && is_plain_name(self.text(w[1])))
                || (a == TokenKind::CloseBracket && b.is_literal())
                || (a == TokenKind::Operator && (a_text == b"++" || a_text == b"--") && b.is_literal());
            if bad {
                self.unexpected(w[1], expecting);
                return false;
            }
        }
        let last = sig[sig.len() - 1];
        let dangling = match self.kind(last) {
            Some(TokenKind::Operator) => !matches!(self.text(last), b"++" | b"--"),
            Some(
                TokenKind::Plus | TokenKind::Minus | TokenKind::Ampersand | TokenKind::Ellipsis | TokenKind::Attribute,
            ) => true,
            _ => false,
        };
        if dangling {
            self.unexpected(end, None);
            return false;
        }
        true
    }

    /// An array literal followed by more expression: the whole becomes one opaque node.
    fn extend_opaque(&mut self, array_expr: ExprId, j: usize, closer: Option<TokenKind>) -> ExprId {
        let start = self.exprs[array_expr.0 as usize].span;
        let (end, broken) = self.scan_extent(j);
        self.pos = end;
        let sig: Vec<usize> = (j..end).filter(|&i| !self.toks[i].kind.is_trivia()).collect();
        let span = match sig.last() {
            Some(&l) => start.to(self.span(l)),
            None => start,
        };
        let mut ok = !broken;
        if ok && !sig.is_empty() {
            // The array acts as an operand: what follows must start with an operator.
            if self.kind(sig[0]).is_some_and(|k| k.is_literal() || k == TokenKind::Variable) {
                self.unexpected(sig[0], closer.map(closer_text));
                ok = false;
            } else {
                ok = self.check_opaque(&sig, end, closer);
            }
        }
        self.add_expr(span, if ok { ExprKind::Opaque } else { ExprKind::Error })
    }
}

fn is_keyword(text: &str) -> bool {
    const KEYWORDS: [&str; 12] =
        ["return", "array", "declare", "function", "fn", "new", "static", "list", "isset", "empty", "echo", "print"];
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(text))
}

fn is_binary_only(op: &[u8]) -> bool {
    matches!(
        op,
        b"*" | b"/"
            | b"."
            | b"%"
            | b"|"
            | b"^"
            | b"="
            | b"=="
            | b"==="
            | b"!="
            | b"!=="
            | b"<>"
            | b"<"
            | b">"
            | b"<="
            | b">="
            | b"<=>"
            | b"&&"
            | b"||"
            | b"??"
            | b"?"
            | b":"
            | b"->"
            | b"?->"
            | b"::"
            | b"**"
            | b"<<"
            | b">>"
    ) || (op.len() >= 2 && op.ends_with(b"=") && !matches!(op, b"!=" | b"=="))
}

/// A name that is no PHP keyword (a constant, class or function name): two in a row have no
/// operator between them, which PHP's parser rejects (`FOO BAR`: unexpected identifier).
fn is_plain_name(text: &[u8]) -> bool {
    const KEYWORDS: &[&str] = &[
        "abstract",
        "and",
        "array",
        "as",
        "break",
        "callable",
        "case",
        "catch",
        "class",
        "clone",
        "const",
        "continue",
        "declare",
        "default",
        "do",
        "echo",
        "else",
        "elseif",
        "empty",
        "enddeclare",
        "endfor",
        "endforeach",
        "endif",
        "endswitch",
        "endwhile",
        "enum",
        "eval",
        "exit",
        "die",
        "extends",
        "final",
        "finally",
        "fn",
        "for",
        "foreach",
        "function",
        "global",
        "goto",
        "if",
        "implements",
        "include",
        "include_once",
        "instanceof",
        "insteadof",
        "interface",
        "isset",
        "list",
        "match",
        "namespace",
        "new",
        "or",
        "print",
        "private",
        "protected",
        "public",
        "readonly",
        "require",
        "require_once",
        "return",
        "static",
        "switch",
        "throw",
        "trait",
        "try",
        "unset",
        "use",
        "var",
        "while",
        "xor",
        "yield",
        "from",
    ];
    !KEYWORDS.iter().any(|k| text.eq_ignore_ascii_case(k.as_bytes()))
}

fn is_infix_word(text: &[u8]) -> bool {
    ["and", "or", "xor", "instanceof", "as", "insteadof"].iter().any(|w| text.eq_ignore_ascii_case(w.as_bytes()))
}

impl EnvPhp {
    /// PHP's key for every entry, in a pass over finished arrays (innermost first, so a
    /// spread `...[...]` can be evaluated). Reports "Illegal offset type" and float-key
    /// deprecations.
    /// A string key that stays a string is moved out of its literal (which becomes
    /// [`ExprKind::KeyString`]) instead of copied.
    pub(super) fn assign_keys(&mut self, diags: &mut Diagnostics) {
        // Reused from array to array.
        let mut keys: Vec<Option<EntryKey>> = Vec::new();
        // (entry index, key literal) of the string keys to move once the entries are read.
        let mut moved: Vec<(usize, ExprId)> = Vec::new();
        for a in (0..self.arrays.len()).rev() {
            let mut next: Option<i64> = None;
            let mut known = true;
            keys.clear();
            moved.clear();
            // The next index saturates at PHP_INT_MAX; once that key is taken, PHP's
            // zend_hash_next_index_insert fails and `include` throws.
            let mut max_taken = false;
            const OCCUPIED: &str = "Cannot add element to the array as the next element is already occupied";
            let bump = |next: &mut Option<i64>, n: i64| {
                if next.is_none_or(|x| n >= x) {
                    *next = Some(n.saturating_add(1));
                }
            };
            for e in &self.arrays[a].entries {
                if e.spread {
                    let ev = self.evaluate(e.value);
                    match (&ev.value, ev.is_static()) {
                        (PhpValue::Array(inner), true) => {
                            for (k, _) in inner.iter() {
                                if let ArrayKey::Int(_) = k {
                                    let n = next.unwrap_or(0);
                                    if n == i64::MAX && max_taken {
                                        diags.error(e.span, OCCUPIED);
                                        break;
                                    }
                                    max_taken |= n == i64::MAX;
                                    bump(&mut next, n);
                                }
                            }
                        }
                        _ => known = false,
                    }
                    keys.push(None);
                    continue;
                }
                let key = match e.key {
                    None if known => {
                        let n = next.unwrap_or(0);
                        if n == i64::MAX && max_taken {
                            diags.error(e.span, OCCUPIED);
                            keys.push(None);
                            continue;
                        }
                        max_taken |= n == i64::MAX;
                        bump(&mut next, n);
                        Some(EntryKey::Int(n))
                    }
                    None => None,
                    Some(k) => {
                        let expr = &self.exprs[k.0 as usize];
                        match &expr.kind {
                            ExprKind::Str(s) => {
                                let bytes = match s {
                                    TreeStr::Source(span) => span.slice(&self.bytes),
                                    TreeStr::Decoded(v) => v.as_slice(),
                                };
                                // Only a string starting with a digit or `-` can be an int key.
                                if !bytes.first().is_some_and(|&c| c.is_ascii_digit() || c == b'-') {
                                    moved.push((keys.len(), k));
                                    None
                                } else {
                                    match ArrayKey::from_bytes(bytes) {
                                        ArrayKey::Int(n) => {
                                            max_taken |= n == i64::MAX;
                                            bump(&mut next, n);
                                            Some(EntryKey::Int(n))
                                        }
                                        ArrayKey::Str(_) => Some(EntryKey::Str(s.clone())),
                                    }
                                }
                            }
                            ExprKind::Literal(v) => match literal::array_key(&v.to_value(), expr.span, diags) {
                                Ok(ArrayKey::Int(n)) => {
                                    max_taken |= n == i64::MAX;
                                    bump(&mut next, n);
                                    Some(EntryKey::Int(n))
                                }
                                Ok(ArrayKey::Str(v)) => Some(EntryKey::Str(TreeStr::Decoded(v))),
                                Err(()) => {
                                    diags.error(expr.span, "Illegal offset type");
                                    None
                                }
                            },
                            ExprKind::Array(_) => {
                                diags.error(expr.span, "Illegal offset type");
                                None
                            }
                            // Not made before this pass; as the string it holds.
                            ExprKind::KeyString { .. } => None,
                            ExprKind::Opaque | ExprKind::Error => {
                                known = false;
                                None
                            }
                        }
                    }
                };
                keys.push(key);
            }
            let array = ArrayId(a as u32);
            for &(i, k) in &moved {
                let entry = u32::try_from(i).unwrap_or(u32::MAX);
                let literal =
                    std::mem::replace(&mut self.exprs[k.0 as usize].kind, ExprKind::KeyString { array, entry });
                if let (ExprKind::Str(s), Some(slot)) = (literal, keys.get_mut(i)) {
                    *slot = Some(EntryKey::Str(s));
                }
            }
            for (e, k) in self.arrays[a].entries.iter_mut().zip(keys.drain(..)) {
                e.effective_key = k;
            }
        }
    }
}
