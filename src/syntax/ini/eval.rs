//! What a value means to PHP: constants substituted, `${VAR}` expanded, quoted strings
//! unescaped, pieces concatenated and `| & ^ ~ !` applied (grammar: "Values").

use super::lexer::{Tok, Token};
use super::{IniDocument, Value};

/// The longest value sesslint builds by expanding `${}` (bytes). PHP itself has no limit:
/// its startup parser expands php.ini in full (php 8.2: 24 lines that each double the one
/// before make a 32 MiB value and 113 MB of memory before any script runs; 28 lines, 512 MiB).
/// A value cut here is reported, never silently used.
pub const MAX_EXPANDED_VALUE: usize = 1 << 20;

/// Where the names in a value come from.
pub trait IniEnv {
    /// A constant's value, when PHP defines it at the time the file is read.
    fn constant(&self, name: &[u8]) -> Option<Vec<u8>>;
    /// `${name}`: PHP looks for an earlier configuration directive, then the environment.
    fn variable(&self, name: &[u8]) -> Option<Vec<u8>>;
    /// Told when a value reached [`MAX_EXPANDED_VALUE`] and was cut there.
    fn cut(&self) {}
}

/// Names in a value as the program that reads the file sees them, except its environment,
/// which sesslint never knows: its own environment (a CI job's tokens) is never substituted.
/// `${NAME}` not given in `known` resolves to nothing and is recorded in `unknown`, so the
/// caller can say the value depends on the environment of PHP (or the FPM master).
#[derive(Default)]
pub struct OtherEnvironment {
    /// Variables the caller knows (`sesslint parse --env NAME=VALUE`).
    pub known: Vec<(Vec<u8>, Vec<u8>)>,
    /// Names looked up and not known, in order of first use.
    pub unknown: std::cell::RefCell<Vec<Vec<u8>>>,
    /// Whether a value was cut at [`MAX_EXPANDED_VALUE`].
    pub was_cut: std::cell::Cell<bool>,
}

impl OtherEnvironment {
    /// The unknown names as `${A}, ${B}` for a message (control characters escaped).
    pub fn unknown_names(&self) -> String {
        let names: Vec<String> = self
            .unknown
            .borrow()
            .iter()
            .map(|n| format!("${{{}}}", crate::source::printable(&String::from_utf8_lossy(n))))
            .collect();
        names.join(", ")
    }
}

impl IniEnv for OtherEnvironment {
    fn constant(&self, name: &[u8]) -> Option<Vec<u8>> {
        crate::php_constants::startup_constant(name).map(|v| v.as_bytes().to_vec())
    }

    fn variable(&self, name: &[u8]) -> Option<Vec<u8>> {
        // getenv() sees the name up to its first NUL.
        let name = name.split(|&b| b == 0).next().unwrap_or_default();
        if name.is_empty() || name.contains(&b'=') {
            return None;
        }
        if let Some((_, v)) = self.known.iter().find(|(k, _)| k == name) {
            return Some(v.clone());
        }
        let mut unknown = self.unknown.borrow_mut();
        if !unknown.iter().any(|u| u == name) {
            unknown.push(name.to_vec());
        }
        None
    }

    fn cut(&self) {
        self.was_cut.set(true);
    }
}

/// Where a value stands, which decides whether bare names are constants.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// After `=`, and inside `key[...]`: constants are substituted.
    Value,
    /// Inside `[...]` section headers: constants stay text.
    Section,
}

impl IniDocument {
    /// The string PHP stores for an entry's value.
    pub fn evaluate(&self, value: &Value, env: &dyn IniEnv) -> Vec<u8> {
        let toks = self.value_tokens(value);
        match toks {
            [t] if t.tok == Tok::BoolTrue => b"1".to_vec(),
            [t] if matches!(t.tok, Tok::BoolFalse | Tok::Null) => Vec::new(),
            _ => self.expr(toks, env),
        }
    }

    /// The text of a `key[offset]` offset.
    pub fn evaluate_offset(&self, value: &Value, env: &dyn IniEnv) -> Vec<u8> {
        self.concat(self.value_tokens(value), env, Context::Value)
    }

    /// The name of a `[section]`.
    pub fn evaluate_section(&self, value: &Value, env: &dyn IniEnv) -> Vec<u8> {
        self.concat(self.value_tokens(value), env, Context::Section)
    }

    /// Concatenate `var_string_list` pieces, at most [`MAX_EXPANDED_VALUE`] bytes.
    fn concat(&self, toks: &[Token], env: &dyn IniEnv, ctx: Context) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            if out.len() > MAX_EXPANDED_VALUE {
                out.truncate(MAX_EXPANDED_VALUE);
                env.cut();
                break;
            }
            let t = toks[i];
            match t.tok {
                Tok::Constant => {
                    let name = self.text(t.text());
                    match (ctx, env.constant(name)) {
                        (Context::Value, Some(v)) if !name.contains(&b':') => out.extend_from_slice(&v),
                        _ => out.extend_from_slice(name),
                    }
                }
                Tok::Raw | Tok::Number | Tok::Str | Tok::Whitespace => out.extend_from_slice(self.text(t.text())),
                Tok::Quoted => unescape_quoted(self.text(t.text()), &mut out),
                Tok::VarName => {
                    if let Some(v) = env.variable(self.text(t.text())) {
                        out.extend_from_slice(&v);
                    }
                }
                _ => {} // `${`, `}`, quotes: structure only
            }
            i += 1;
        }
        if out.len() > MAX_EXPANDED_VALUE {
            out.truncate(MAX_EXPANDED_VALUE);
            env.cut();
        }
        out
    }

    /// `expr`: operands are concatenations; operators work on `atoi()` of them.
    fn expr(&self, toks: &[Token], env: &dyn IniEnv) -> Vec<u8> {
        if !toks.iter().any(|t| matches!(t.tok, Tok::Op(_))) {
            return self.concat(toks, env, Context::Value);
        }
        enum Op {
            Open,
            Prefix(u8),
            Binary(u8),
        }
        let mut operands: Vec<Vec<u8>> = Vec::new();
        let mut ops: Vec<Op> = Vec::new();
        let apply_binary = |operands: &mut Vec<Vec<u8>>, op: u8| {
            let b = operands.pop().unwrap_or_default();
            let a = operands.pop().unwrap_or_default();
            let (a, b) = (atoi(&a), atoi(&b));
            let r = match op {
                b'|' => a | b,
                b'&' => a & b,
                _ => a ^ b,
            };
            operands.push(r.to_string().into_bytes());
        };
        let apply_prefixes = |operands: &mut Vec<Vec<u8>>, ops: &mut Vec<Op>| {
            while let Some(Op::Prefix(p)) = ops.last() {
                let p = *p;
                ops.pop();
                let v = atoi(&operands.pop().unwrap_or_default());
                let r = if p == b'~' { !v } else { (v == 0) as i32 };
                operands.push(r.to_string().into_bytes());
            }
        };
        let mut i = 0;
        while i < toks.len() {
            match toks[i].tok {
                Tok::Op(b'(') => ops.push(Op::Open),
                Tok::Op(c @ (b'~' | b'!')) => ops.push(Op::Prefix(c)),
                Tok::Op(b')') => {
                    while let Some(op) = ops.pop() {
                        match op {
                            Op::Binary(c) => apply_binary(&mut operands, c),
                            Op::Open => break,
                            Op::Prefix(_) => {}
                        }
                    }
                    apply_prefixes(&mut operands, &mut ops);
                }
                Tok::Op(c) => {
                    while let Some(Op::Binary(prev)) = ops.last() {
                        let prev = *prev;
                        ops.pop();
                        apply_binary(&mut operands, prev);
                    }
                    ops.push(Op::Binary(c));
                }
                _ => {
                    let start = i;
                    while i + 1 < toks.len() && !matches!(toks[i + 1].tok, Tok::Op(_)) {
                        i += 1;
                    }
                    operands.push(self.concat(&toks[start..=i], env, Context::Value));
                    apply_prefixes(&mut operands, &mut ops);
                }
            }
            i += 1;
        }
        while let Some(op) = ops.pop() {
            if let Op::Binary(c) = op {
                apply_binary(&mut operands, c);
            }
        }
        operands.pop().unwrap_or_default()
    }
}

/// C's `atoi()` as glibc implements it: `(int) strtol(s, NULL, 10)`.
fn atoi(s: &[u8]) -> i32 {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).filter(|c| c.is_ascii_digit()) {
        match v.checked_mul(10).and_then(|x| x.checked_add((d - b'0') as i64)) {
            Some(x) => v = x,
            None => overflow = true,
        }
        i += 1;
    }
    let long = match (neg, overflow) {
        (false, true) => i64::MAX,
        (true, true) => i64::MIN,
        (true, false) => -v,
        (false, false) => v,
    };
    long as i32
}

/// `zend_ini_escape_string` for double quotes: `\"`, `\\` and `\$` lose their backslash,
/// every other backslash stays.
fn unescape_quoted(s: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' {
            match s.get(i + 1) {
                None => out.push(b'\\'),
                Some(&c @ (b'"' | b'\\' | b'$')) => {
                    out.push(c);
                    i += 1;
                }
                Some(&c) => {
                    out.push(b'\\');
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(s[i]);
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_matches_c() {
        assert_eq!(atoi(b"  42abc"), 42);
        assert_eq!(atoi(b"-7"), -7);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(atoi(b"99999999999999999999"), -1);
        assert_eq!(atoi(b"4294967297"), 1);
    }

    #[test]
    fn quoted_escapes() {
        let mut out = Vec::new();
        unescape_quoted(br#"x\"y \\ \$ \n z\"#, &mut out);
        assert_eq!(out, br#"x"y \ $ \n z\"#);
    }
}
