//! `parse_ini_file($f, true, INI_SCANNER_NORMAL)` as PHP computes it.

use std::borrow::Cow;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::mask::{self, Field};
use super::{ParseOutput, Problem, Values};
use crate::php_value::{ArrayKey, PhpArray, PhpValue};
use crate::source::Source;
use crate::syntax::ini::{self, IniDocument, NodeKind, OtherEnvironment};
use crate::syntax::{FileKind, SyntaxError};

/// `env`: the `${NAME}` values given on the command line; any other name is PHP's
/// environment, unknown here, and said so. `mask`: secrets shown as `********` when written.
pub(super) fn parse_output(source: &Source, env: &[(Vec<u8>, Vec<u8>)], mask: bool) -> ParseOutput {
    let doc = ini::parse_shared(source.bytes.clone(), ini::ScanMode::WholeFile);
    let mut problems: Vec<Problem> = super::problems_of(source, &doc.errors);
    let accepted = doc.accepted();
    // PHP returns false for a file with any syntax error.
    let array = if accepted {
        let env = OtherEnvironment { known: env.to_vec(), ..OtherEnvironment::default() };
        let array = with_sections(&doc, &env);
        if !env.unknown.borrow().is_empty() {
            let message = format!(
                "{} depends on PHP's environment, which sesslint does not know: taken as unset here (give a value with --env NAME=VALUE)",
                env.unknown_names()
            );
            problems.push(Problem::at(source, &SyntaxError::new(crate::span::Span::empty(0), message)));
        }
        if env.was_cut.get() {
            let message = format!(
                "a value is longer than {} MiB after `${{}}` expansion; sesslint cut it there",
                crate::syntax::ini::MAX_EXPANDED_VALUE >> 20
            );
            problems.push(Problem::at(source, &SyntaxError::new(crate::span::Span::empty(0), message)));
        }
        Some(array)
    } else {
        None
    };
    let array = array.map(|mut a| {
        if mask {
            mask_referenced_passwords(&doc, &mut a);
        }
        a
    });
    ParseOutput { kind: FileKind::Ini, value: Values::Ini { array, mask }, problems, accepted }
}

/// `myvar = "pw"` and `session.save_path = "tcp://h?auth=${myvar}"`: `myvar` holds the
/// password, so its value is masked (at the top and in every section), as `check` masks
/// the line that sets it (`model::build::secrets::mask_referenced_passwords`).
fn mask_referenced_passwords(doc: &IniDocument, array: &mut PhpArray) {
    let mut names: Vec<ArrayKey> = Vec::new();
    for (_, e) in doc.entries() {
        if memchr::memmem::find(doc.text(e.key), b"save_path").is_none() {
            continue;
        }
        let raw = doc.text(e.value.span);
        for r in crate::secrets::save_path_secret_ranges(raw) {
            let secret = &raw[r];
            let mut i = 0;
            while let Some(p) = memchr::memmem::find(&secret[i..], b"${") {
                let start = i + p + 2;
                let Some(len) = memchr::memchr(b'}', &secret[start..]) else { break };
                names.push(ArrayKey::from_bytes(&secret[start..start + len]));
                i = start + len;
            }
        }
    }
    if names.is_empty() {
        return;
    }
    let hide = |a: &mut PhpArray| {
        for name in &names {
            if let Some(v) = a.get_mut(name) {
                if !matches!(v, PhpValue::Array(_)) {
                    *v = PhpValue::str(crate::secrets::MASK);
                }
            }
        }
    };
    hide(array);
    for i in 0..array.len() {
        if let Some(PhpValue::Array(section)) = array.value_at_mut(i) {
            hide(section);
        }
    }
}

/// The array `parse_ini_file()` builds with `process_sections = true`: entries before the
/// first section at the top, each `[section]` a nested array (a repeated header replaces
/// the earlier one).
pub fn with_sections(doc: &IniDocument, env: &OtherEnvironment) -> PhpArray {
    let mut result = PhpArray::new();
    // The active section's place in `result`: a section's entries are not looked up by name.
    let mut active: Option<usize> = None;
    for node in &doc.nodes {
        match &node.kind {
            NodeKind::Section(s) => {
                let key = ArrayKey::from_bytes(&doc.evaluate_section(&s.name, env));
                active = Some(result.insert_at(key, PhpValue::Array(PhpArray::new())));
            }
            NodeKind::Entry(e) if e.applied => {
                let target = match active {
                    Some(at) => match result.value_at_mut(at) {
                        Some(PhpValue::Array(a)) => a,
                        _ => continue,
                    },
                    None => &mut result,
                };
                let key = doc.text(e.key);
                let value = PhpValue::Str(doc.evaluate(&e.value, env));
                match &e.offset {
                    None => target.insert(ArrayKey::from_bytes(key), value),
                    Some(offset) => {
                        let key = pop_entry_key(key);
                        if !matches!(target.get(&key), Some(PhpValue::Array(_))) {
                            target.insert(key.clone(), PhpValue::Array(PhpArray::new()));
                        }
                        let Some(PhpValue::Array(list)) = target.get_mut(&key) else { continue };
                        let offset = doc.evaluate_offset(offset, env);
                        if offset.is_empty() {
                            list.push(value);
                        } else {
                            list.insert(ArrayKey::from_bytes(&offset), value);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    result
}

/// `key[...]` keys: PHP makes an integer key of anything `is_numeric_string()` calls an
/// integer that does not start with `0` (so " 5" and "5 " are 5, as is "+5").
fn pop_entry_key(key: &[u8]) -> ArrayKey {
    let trimmed_start = key.iter().position(|b| !b" \t\n\r\x0b\x0c".contains(b)).unwrap_or(key.len());
    let body = &key[trimmed_start..];
    let body_end = body.iter().rposition(|b| !b" \t\n\r\x0b\x0c".contains(b)).map_or(0, |p| p + 1);
    let body = &body[..body_end];
    let digits = body.strip_prefix(b"-").or_else(|| body.strip_prefix(b"+")).unwrap_or(body);
    let numeric = !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) && !(key.len() > 1 && key[0] == b'0');
    if numeric {
        if let Some(n) = std::str::from_utf8(body).ok().and_then(|s| s.trim_start_matches('+').parse::<i64>().ok()) {
            return ArrayKey::Int(n);
        }
    }
    ArrayKey::from_bytes(key)
}

/// A PHP value as `json_encode()` writes it, with the masking of `sesslint parse` (the same
/// strings as `mask::mask_tree` on the whole value): below a key [`mask::ini_field`] names,
/// every string is masked; arrays are objects unless PHP
/// calls them lists (keys 0, 1, 2, ...); invalid UTF-8 becomes U+FFFD.
pub(super) struct IniJson<'a> {
    value: &'a PhpValue,
    mode: Mode,
}

#[derive(Clone, Copy)]
enum Mode {
    /// `--show-secrets`: nothing masked.
    Plain,
    /// Keys decide; `save_paths`: how many `*save_path*` keys enclose the value (each masks
    /// the credentials of every string below it, after the keys below it had their say).
    Keys { save_paths: u32 },
    /// Below a password key: every string and number masked whole, then as many save-path
    /// masks as enclose that key.
    Whole { save_paths: u32 },
}

impl Mode {
    /// The mode of the value under `key` in an object.
    fn below(self, key: &str) -> Mode {
        match self {
            Mode::Keys { save_paths } => match mask::ini_field(key) {
                Some(Field::Whole) => Mode::Whole { save_paths },
                Some(Field::SavePath) => Mode::Keys { save_paths: save_paths.saturating_add(1) },
                None => Mode::Keys { save_paths },
            },
            other => other,
        }
    }

    /// A string as written in this mode.
    fn text<'s>(self, s: Cow<'s, str>) -> Cow<'s, str> {
        let (mut s, save_paths) = match self {
            Mode::Plain => return s,
            Mode::Keys { save_paths } => (s, save_paths),
            Mode::Whole { save_paths } => (mask::mask_str(&s, Field::Whole).map_or(s, Cow::Owned), save_paths),
        };
        for _ in 0..save_paths {
            if let Some(masked) = mask::mask_str(&s, Field::SavePath) {
                s = Cow::Owned(masked);
            }
        }
        s
    }
}

impl<'a> IniJson<'a> {
    pub(super) fn top(array: &'a PhpArray, masked: bool) -> IniArrayJson<'a> {
        IniArrayJson { array, mode: if masked { Mode::Keys { save_paths: 0 } } else { Mode::Plain } }
    }
}

pub(super) struct IniArrayJson<'a> {
    array: &'a PhpArray,
    mode: Mode,
}

impl Serialize for IniJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            // A number below a password key is the password (`'password' => 123456`).
            PhpValue::Int(_) | PhpValue::Float(_) if matches!(self.mode, Mode::Whole { .. }) => {
                serializer.serialize_str(&self.mode.text(Cow::Borrowed(crate::secrets::MASK)))
            }
            PhpValue::Null => serializer.serialize_unit(),
            PhpValue::Bool(b) => serializer.serialize_bool(*b),
            PhpValue::Int(n) => serializer.serialize_i64(*n),
            // json_encode fails on INF/NAN; written as 0, as `PhpValue::to_json` does.
            PhpValue::Float(f) if f.is_finite() => serializer.serialize_f64(*f),
            PhpValue::Float(_) => serializer.serialize_i64(0),
            PhpValue::Str(s) => serializer.serialize_str(&self.mode.text(String::from_utf8_lossy(s))),
            PhpValue::Array(a) => IniArrayJson { array: a, mode: self.mode }.serialize(serializer),
        }
    }
}

impl Serialize for IniArrayJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mode = self.mode;
        let is_list = self.array.iter().enumerate().all(|(i, (k, _))| *k == ArrayKey::Int(i as i64));
        if is_list {
            let mut seq = serializer.serialize_seq(Some(self.array.len()))?;
            for (_, v) in self.array.iter() {
                seq.serialize_element(&IniJson { value: v, mode })?;
            }
            return seq.end();
        }
        let child = |key: &str| mode.below(key);
        let lossy = self.array.iter().any(|(k, _)| matches!(k, ArrayKey::Str(s) if std::str::from_utf8(s).is_err()));
        if lossy {
            // Two keys that differ only in invalid bytes are one JSON key: the first place,
            // the last value (a JSON object cannot hold the same key twice).
            let mut entries: Vec<(Cow<'_, str>, &PhpValue)> = Vec::new();
            let mut at: std::collections::HashMap<Cow<'_, str>, usize> = std::collections::HashMap::new();
            for (k, v) in self.array.iter() {
                let key = json_key(k);
                match at.get(&key) {
                    Some(&i) => entries[i].1 = v,
                    None => {
                        at.insert(key.clone(), entries.len());
                        entries.push((key, v));
                    }
                }
            }
            let mut map = serializer.serialize_map(Some(entries.len()))?;
            for (k, v) in &entries {
                map.serialize_entry(k, &IniJson { value: v, mode: child(k) })?;
            }
            return map.end();
        }
        let mut map = serializer.serialize_map(Some(self.array.len()))?;
        for (k, v) in self.array.iter() {
            let key = json_key(k);
            map.serialize_entry(&key, &IniJson { value: v, mode: child(&key) })?;
        }
        map.end()
    }
}

/// An array key as a JSON object key: integers in decimal, strings lossy UTF-8.
fn json_key(key: &ArrayKey) -> Cow<'_, str> {
    match key {
        ArrayKey::Int(n) => Cow::Owned(n.to_string()),
        ArrayKey::Str(s) => String::from_utf8_lossy(s),
    }
}
