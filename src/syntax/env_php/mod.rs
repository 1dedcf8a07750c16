//! Magento's `app/etc/env.php`: a lossless tree of the PHP subset such files use
//! (`<?php return [...];`), with every key and value located and, where static, evaluated.
//!
//! Grammar: `grammars/php-array.ebnf`. The tree lives in flat arenas (no recursion when it
//! is built, dropped or printed), so any input — 100 000 nested `[` included — is safe.

pub mod encode;
mod lexer;
mod literal;
mod parser;

use std::ops::Range;

pub use lexer::{Token, TokenKind};

use crate::php_value::{ArrayKey, PhpArray, PhpValue};
use crate::span::Span;
use crate::syntax::SyntaxError;

/// Arrays nested deeper than this are not evaluated: `json_encode()` (default depth 512)
/// gives up on them, and building such values would only invite deep recursion.
pub const MAX_VALUE_DEPTH: usize = 512;

/// A parsed env.php file. Printing it ([`EnvPhp::print`]) gives the input back byte for byte.
#[derive(Debug, Clone)]
pub struct EnvPhp {
    /// The input, shared with the caller's copy when parsed by [`parse_shared`].
    bytes: std::sync::Arc<[u8]>,
    tokens: Vec<Token>,
    items: Vec<Item>,
    exprs: Vec<Expr>,
    arrays: Vec<ArrayNode>,
    returned: Returned,
    /// Places where PHP refuses the file (`php -l` fails), in source order.
    pub errors: Vec<SyntaxError>,
    /// Places where PHP compiles the file but warns (deprecations, octal overflow) or where
    /// the result depends on code this parser does not run.
    pub warnings: Vec<SyntaxError>,
}

/// Index of an expression node in [`EnvPhp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExprId(u32);

/// Index of an array node in [`EnvPhp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArrayId(u32);

/// A top-level piece of the file. Items partition the token list in order.
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: ItemKind,
    /// Indices into [`EnvPhp::tokens`].
    pub tokens: Range<usize>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    // grammar: inline-html
    InlineHtml,
    // grammar: open-tag
    OpenTag,
    // grammar: close-tag
    CloseTag,
    /// Whitespace and comments between statements.
    Trivia,
    // grammar: opaque-statement (`declare(strict_types=1);`, `use ...;`, anything not `return`)
    Statement,
    // grammar: return-statement
    Return(ReturnStmt),
    /// Tokens PHP never reaches because of an earlier fatal error (or `__halt_compiler`).
    Rest,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReturnStmt {
    /// The `return` keyword.
    pub keyword: Span,
    /// `None` for a bare `return;`.
    pub value: Option<ExprId>,
    /// The `;`, absent when `?>` ends the statement (or it is missing).
    pub semicolon: Option<Span>,
}

/// What `include 'env.php'` gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Returned {
    /// No top-level `return`: `include` gives `1`.
    NoReturn,
    /// `return;`: `null`.
    Void,
    Value(ExprId),
}

/// An expression node: its span (no surrounding trivia) and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A constant scalar other than a string: a number (with unary signs),
    /// `true`/`false`/`null`.
    Literal(Scalar),
    /// A string literal (quoted, heredoc, nowdoc) in value position, or a key PHP turns
    /// into an int or keeps although it reads like one (`'7'`, `'01'`): its bytes are
    /// [`EnvPhp::str_bytes`].
    Str(TreeStr),
    /// A string literal written as an array key that PHP keeps as a string (`'host' =>`):
    /// its value is entry `entry` of `array`'s [`Entry::effective_key`], kept there only.
    /// [`EnvPhp::string_value`] gives its bytes, [`EnvPhp::evaluate`] the string.
    KeyString {
        array: ArrayId,
        entry: u32,
    },
    // grammar: array-literal
    Array(ArrayId),
    // grammar: opaque-expression — `$_ENV['X']`, `getenv('X')`, `'a' . 'b'`, constants,
    // calls: valid PHP whose value is not statically known.
    Opaque,
    /// Tokens that are not valid PHP here (an error was recorded).
    Error,
}

/// The value of an [`ExprKind::Literal`]: 16 bytes, where a `PhpValue` (which may be an
/// array) takes 80 and made every expression node as large.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl Scalar {
    /// As a PHP value.
    pub fn to_value(self) -> PhpValue {
        match self {
            Scalar::Null => PhpValue::Null,
            Scalar::Bool(b) => PhpValue::Bool(b),
            Scalar::Int(n) => PhpValue::Int(n),
            Scalar::Float(f) => PhpValue::Float(f),
        }
    }

    /// `value` when it is a scalar other than a string.
    pub fn of(value: PhpValue) -> Option<Scalar> {
        match value {
            PhpValue::Null => Some(Scalar::Null),
            PhpValue::Bool(b) => Some(Scalar::Bool(b)),
            PhpValue::Int(n) => Some(Scalar::Int(n)),
            PhpValue::Float(f) => Some(Scalar::Float(f)),
            PhpValue::Str(_) | PhpValue::Array(_) => None,
        }
    }
}

/// `[ ... ]` or `array( ... )`.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayNode {
    /// From `[`/`array` to the closer (or to where the unclosed array stops).
    pub span: Span,
    /// `array(...)` rather than `[...]`.
    pub long_form: bool,
    /// `[`, or `array (` including the trivia between the keyword and `(`.
    pub open: Span,
    /// `]` or `)`; `None` when the array is unclosed.
    pub close: Option<Span>,
    pub entries: Vec<Entry>,
    /// 1 for the returned array, 2 for arrays inside it, ...
    pub depth: usize,
}

/// A string the tree holds. A literal whose value is the text between its quotes (no
/// escape, no interpolation: most of them) is kept as that span of the file, never
/// copied; any other (escapes, heredoc, nowdoc) is decoded once. Two `TreeStr`s compare
/// by representation: compare [`EnvPhp::str_bytes`] for their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeStr {
    /// Bytes `span` of the file (byte offsets, the quotes excluded).
    Source(Span),
    Decoded(Vec<u8>),
}

/// The key PHP stores an entry under (`ArrayKey`'s normalisation: a canonical decimal
/// string is an int), with a string key kept as a [`TreeStr`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKey {
    Int(i64),
    Str(TreeStr),
}

/// An [`EntryKey`] with its bytes: equal and hashed by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyRef<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl KeyRef<'_> {
    /// The key as a `php_value` key (a string key copied).
    pub fn to_array_key(self) -> ArrayKey {
        match self {
            KeyRef::Int(n) => ArrayKey::Int(n),
            KeyRef::Str(s) => ArrayKey::Str(s.to_vec()),
        }
    }

    /// Whether this is `key` (both normalised as PHP does).
    pub fn is(self, key: &ArrayKey) -> bool {
        match (self, key) {
            (KeyRef::Int(a), ArrayKey::Int(b)) => a == *b,
            (KeyRef::Str(a), ArrayKey::Str(b)) => a == b.as_slice(),
            _ => false,
        }
    }
}

// grammar: array-entry
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// From the key (or value) to the end of the value, without the comma.
    pub span: Span,
    pub key: Option<ExprId>,
    /// The `=>` ([`Entry::arrow`]).
    arrow: OptSpan,
    pub value: ExprId,
    /// `...$x` / `...[...]`
    pub spread: bool,
    /// The `,` after this entry ([`Entry::comma`]).
    comma: OptSpan,
    /// The key PHP stores this entry under, after normalisation (`'7'` → 7, `true` → 1, an
    /// implicit key → the next index). `None` when not statically known, or for spreads.
    /// Read it with [`EnvPhp::key`] (a string key's bytes may be in the file).
    pub effective_key: Option<EntryKey>,
}

impl Entry {
    /// The `=>`, when the entry has a key.
    pub fn arrow(&self) -> Option<Span> {
        self.arrow.get()
    }

    /// The `,` after this entry, when there is one.
    pub fn comma(&self) -> Option<Span> {
        self.comma.get()
    }
}

/// An optional span in 8 bytes (`u32` offsets, `u32::MAX` for none) where an
/// `Option<Span>` takes 24: an entry of a file of short entries is most of its tree.
/// sesslint parses at most 16 MiB of a file, far below 4 GiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OptSpan {
    start: u32,
    end: u32,
}

impl OptSpan {
    const NONE: OptSpan = OptSpan { start: u32::MAX, end: u32::MAX };

    fn of(span: Option<Span>) -> OptSpan {
        match span.map(|s| (u32::try_from(s.start), u32::try_from(s.end))) {
            Some((Ok(start), Ok(end))) if end < u32::MAX => OptSpan { start, end },
            _ => OptSpan::NONE,
        }
    }

    fn get(self) -> Option<Span> {
        (self != OptSpan::NONE).then(|| Span::new(self.start as usize, self.end as usize))
    }
}

/// The value of an expression as far as it is statically known.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Unknown parts are `null` here.
    pub value: PhpValue,
    /// Spans of the expressions (or keys) that are not statically known.
    pub unknown: Vec<Span>,
    /// Arrays nested deeper than [`MAX_VALUE_DEPTH`] were cut off (json_encode fails).
    pub too_deep: bool,
}

impl Evaluation {
    pub fn is_static(&self) -> bool {
        self.unknown.is_empty() && !self.too_deep
    }
}

/// Parse any bytes. Never panics; syntax errors end up in [`EnvPhp::errors`].
pub fn parse(bytes: &[u8]) -> EnvPhp {
    parser::parse(bytes.into())
}

/// [`parse`] on bytes the caller keeps too (a `Source`'s): the tree shares them instead of
/// holding a copy.
pub fn parse_shared(bytes: std::sync::Arc<[u8]>) -> EnvPhp {
    parser::parse(bytes)
}

impl EnvPhp {
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }

    pub fn array(&self, id: ArrayId) -> &ArrayNode {
        &self.arrays[id.0 as usize]
    }

    /// How many array literals the file has: ids `0..array_count()` for [`EnvPhp::array_at`].
    pub fn array_count(&self) -> usize {
        self.arrays.len()
    }

    /// The array literal with index `i` (source order of their openers), `i < array_count()`.
    pub fn array_at(&self, i: usize) -> &ArrayNode {
        &self.arrays[i]
    }

    /// The bytes of a string the tree holds.
    pub fn str_bytes<'a>(&'a self, s: &'a TreeStr) -> &'a [u8] {
        match s {
            TreeStr::Source(span) => span.slice(&self.bytes),
            TreeStr::Decoded(v) => v,
        }
    }

    /// Entry `e`'s effective key with its bytes; `None` when not statically known.
    pub fn key<'a>(&'a self, e: &'a Entry) -> Option<KeyRef<'a>> {
        match e.effective_key.as_ref()? {
            EntryKey::Int(n) => Some(KeyRef::Int(*n)),
            EntryKey::Str(s) => Some(KeyRef::Str(self.str_bytes(s))),
        }
    }

    /// The string value of expression `id`: a string literal, or a string key's literal.
    pub fn string_value(&self, id: ExprId) -> Option<&[u8]> {
        match &self.expr(id).kind {
            ExprKind::Str(s) => Some(self.str_bytes(s)),
            ExprKind::KeyString { array, entry } => {
                match self.array(*array).entries.get(*entry as usize).and_then(|e| self.key(e)) {
                    Some(KeyRef::Str(s)) => Some(s),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The value of a scalar literal (a string copied), `None` for anything else.
    pub fn literal_value(&self, id: ExprId) -> Option<PhpValue> {
        match &self.expr(id).kind {
            ExprKind::Literal(v) => Some(v.to_value()),
            _ => self.string_value(id).map(|s| PhpValue::Str(s.to_vec())),
        }
    }

    /// The text of a span.
    pub fn text(&self, span: Span) -> &[u8] {
        span.slice(&self.bytes)
    }

    pub fn is_accepted(&self) -> bool {
        self.errors.is_empty()
    }

    /// The file again, from its tree: items, then their tokens.
    pub fn print(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes.len());
        for item in &self.items {
            for tok in &self.tokens[item.tokens.clone()] {
                out.extend_from_slice(tok.span().slice(&self.bytes));
            }
        }
        out
    }

    pub fn returned(&self) -> Returned {
        self.returned
    }

    /// The array literal the file returns, if it returns one.
    pub fn root_array(&self) -> Option<ArrayId> {
        match self.returned {
            Returned::Value(id) => match self.expr(id).kind {
                ExprKind::Array(a) => Some(a),
                _ => None,
            },
            _ => None,
        }
    }

    /// The entry PHP keeps for `key` (the last one written wins).
    pub fn entry(&self, array: ArrayId, key: &ArrayKey) -> Option<&Entry> {
        self.array(array).entries.iter().rev().find(|e| self.key(e).is_some_and(|k| k.is(key)))
    }

    /// The entry at a path of keys below the returned array, e.g.
    /// `["session", "redis", "database"]`. Keys are normalised as PHP does (`"0"` is 0).
    pub fn lookup(&self, path: &[&str]) -> Option<&Entry> {
        let mut array = self.root_array()?;
        let mut found = None;
        for (i, seg) in path.iter().enumerate() {
            let entry = self.entry(array, &ArrayKey::from_bytes(seg.as_bytes()))?;
            if i + 1 < path.len() {
                match self.expr(entry.value).kind {
                    ExprKind::Array(a) => array = a,
                    _ => return None,
                }
            }
            found = Some(entry);
        }
        found
    }

    /// What `include` gives for this file, as far as statically known.
    pub fn evaluate_file(&self) -> Evaluation {
        match self.returned {
            Returned::NoReturn => Evaluation { value: PhpValue::Int(1), unknown: vec![], too_deep: false },
            Returned::Void => Evaluation { value: PhpValue::Null, unknown: vec![], too_deep: false },
            Returned::Value(id) => self.evaluate(id),
        }
    }

    /// The value of one expression node (recursion bounded by [`MAX_VALUE_DEPTH`]).
    pub fn evaluate(&self, id: ExprId) -> Evaluation {
        let mut ev = Evaluation { value: PhpValue::Null, unknown: vec![], too_deep: false };
        ev.value = self.eval_inner(id, 1, &mut ev);
        ev
    }

    fn eval_inner(&self, id: ExprId, depth: usize, ev: &mut Evaluation) -> PhpValue {
        let expr = self.expr(id);
        match &expr.kind {
            ExprKind::Literal(v) => v.to_value(),
            ExprKind::Str(_) | ExprKind::KeyString { .. } => {
                self.string_value(id).map_or(PhpValue::Null, |s| PhpValue::Str(s.to_vec()))
            }
            ExprKind::Opaque | ExprKind::Error => {
                ev.unknown.push(expr.span);
                PhpValue::Null
            }
            ExprKind::Array(a) => {
                if depth > MAX_VALUE_DEPTH {
                    ev.too_deep = true;
                    return PhpValue::Null;
                }
                let mut out = PhpArray::new();
                for entry in &self.array(*a).entries {
                    if entry.spread {
                        match self.eval_inner(entry.value, depth + 1, ev) {
                            PhpValue::Array(inner) => {
                                for (k, v) in inner.iter() {
                                    match k {
                                        ArrayKey::Int(_) => {
                                            out.push(v.clone());
                                        }
                                        ArrayKey::Str(_) => out.insert(k.clone(), v.clone()),
                                    }
                                }
                            }
                            _ => ev.unknown.push(entry.span),
                        }
                        continue;
                    }
                    match self.key(entry) {
                        Some(k) => {
                            let v = self.eval_inner(entry.value, depth + 1, ev);
                            out.insert(k.to_array_key(), v);
                        }
                        None => ev.unknown.push(entry.span),
                    }
                }
                PhpValue::Array(out)
            }
        }
    }
}

#[cfg(test)]
mod tests;
