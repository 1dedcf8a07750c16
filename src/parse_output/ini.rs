//! `parse_ini_file($f, true, INI_SCANNER_NORMAL)` as PHP computes it.

use std::borrow::Cow;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::mask::{self, Field};
use super::{ParseOutput, Problem, Values};
use crate::php_value::{ArrayKey, PhpArray, PhpValue};
use crate::source::Source;
use crate::span::Span;
use crate::syntax::ini::{self, IniDocument, NodeKind, OtherEnvironment};
use crate::syntax::{FileKind, SyntaxError};

/// `env`: the `${NAME}` values given on the command line; any other name is PHP's
/// environment, unknown here, and said so. `mask`: secrets shown as `********` when written.
/// `referenced`: lowercase names a save path among the other files given spells as `${name}`
/// in its password ([`references`]); their values are masked too. `secrets`: spans of the
/// file that are secrets where they stand whatever PHP makes of them (a tunnel's key read
/// as ini, [`super::tunnel_secrets`]): a section, key or offset is shown with them masked,
/// a value holding one is masked whole, and so is a token a problem quotes from them.
pub(super) fn parse_output(
    source: &Source,
    env: &[(Vec<u8>, Vec<u8>)],
    mask: bool,
    referenced: &[Vec<u8>],
    secrets: &[Span],
) -> ParseOutput {
    let doc = ini::parse_shared(source.bytes.clone(), ini::ScanMode::WholeFile);
    let mut problems: Vec<Problem> = if secrets.is_empty() {
        super::problems_of(source, &doc.errors)
    } else {
        let mut errors = doc.errors.clone();
        crate::secrets::mask_quoted_tokens(&mut errors, secrets, &source.bytes);
        super::problems_of(source, &errors)
    };
    let accepted = doc.accepted();
    // PHP returns false for a file with any syntax error.
    let array = if accepted {
        let env = OtherEnvironment { known: env.to_vec(), ..OtherEnvironment::default() };
        let array = with_sections(&doc, &env, secrets);
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
            let mut names = references(&doc).closure();
            names.extend(referenced.iter().cloned());
            hide_names(&names, &mut a);
        }
        a
    });
    ParseOutput { kind: FileKind::Ini, value: Values::Ini { array, mask }, problems, accepted, complete: true }
}

/// What the `${name}` of a file spell: the names inside its save paths' passwords (a
/// `session.save_path` key, a pool's `php_value[session.save_path]`, in any section), and
/// for every entry, the names its value spells (`pw = "${a}${b}"`: `pw` spells `a`, `b`).
/// Names lowercase, as `check` takes them (`model::build::secrets::mask_named_referents`).
#[derive(Debug, Default)]
pub struct References {
    /// Names a save path's password spells.
    pub secrets: Vec<Vec<u8>>,
    /// (entry name, a name its value spells); `key[name]` counts as `name` too.
    pub values: Vec<(Vec<u8>, Vec<u8>)>,
}

impl References {
    /// Add `other`'s references (another file given to the same `parse`).
    pub fn extend(&mut self, other: References) {
        self.secrets.extend(other.secrets);
        self.values.extend(other.values);
    }

    /// Every name whose value is (part of) a password: those the secrets spell, and those
    /// their values spell in turn. Work: each (entry, name) pair followed once.
    pub fn closure(&self) -> Vec<Vec<u8>> {
        let mut seen: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
        let mut todo: Vec<&[u8]> = self.secrets.iter().map(Vec::as_slice).filter(|n| seen.insert(n)).collect();
        let mut by_name: std::collections::HashMap<&[u8], Vec<&[u8]>> = Default::default();
        for (key, name) in &self.values {
            by_name.entry(key.as_slice()).or_default().push(name.as_slice());
        }
        while let Some(n) = todo.pop() {
            for &next in by_name.get(n).into_iter().flatten() {
                if seen.insert(next) {
                    todo.push(next);
                }
            }
        }
        seen.into_iter().map(<[u8]>::to_vec).collect()
    }
}

/// The names each `${` of `text` spells, to its `}`, trimmed and lowercase.
fn spelled(text: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || loop {
        let p = memchr::memmem::find(&text[i..], b"${")?;
        let start = i + p + 2;
        let len = memchr::memchr(b'}', &text[start..])?;
        i = start + len;
        let name = text[start..start + len].trim_ascii();
        if !name.is_empty() {
            return Some(name.to_ascii_lowercase());
        }
    })
}

/// The `${}` references of `doc` (see [`References`]); empty without a `${` in the file.
pub fn references(doc: &IniDocument) -> References {
    let mut out = References::default();
    if memchr::memmem::find(doc.source(), b"${").is_none() {
        return out;
    }
    for (_, e) in doc.entries() {
        let key = doc.text(e.key);
        let offset = e.offset.as_ref().map(|o| doc.text(o.span));
        let raw = doc.text(e.value.span);
        if memchr::memmem::find(raw, b"${").is_none() {
            continue;
        }
        let is_save_path = |t: &[u8]| memchr::memmem::find(t, b"save_path").is_some();
        if is_save_path(key) || offset.is_some_and(is_save_path) {
            for r in crate::secrets::save_path_secret_ranges(raw) {
                out.secrets.extend(spelled(&raw[r]));
            }
        }
        let key = key.trim_ascii().to_ascii_lowercase();
        let named = offset.map(|o| trim_quotes(o).to_ascii_lowercase());
        for n in spelled(raw) {
            if let Some(o) = &named {
                out.values.push((o.clone(), n.clone()));
            }
            out.values.push((key.clone(), n));
        }
    }
    out
}

/// `"pw"` or `'pw'` without its quotes; anything else as it stands.
fn trim_quotes(text: &[u8]) -> &[u8] {
    let t = text.trim_ascii();
    match t {
        [q @ (b'"' | b'\''), inner @ .., last] if q == last => inner,
        _ => t,
    }
}

/// `myvar = "pw"` and `session.save_path = "tcp://h?auth=${myvar}"`: `myvar` holds the
/// password, so its value is masked (at the top, in every section, and as `key[myvar]`
/// there, a pool's `php_value[myvar]`), as `check` masks the lines that set it
/// (`model::build::secrets::mask_named_referents`). `names`: lowercase; keys match
/// whatever their case.
fn hide_names(names: &[Vec<u8>], array: &mut PhpArray) {
    if names.is_empty() {
        return;
    }
    let named = |k: &ArrayKey| match k {
        ArrayKey::Str(s) => names.iter().any(|n| n.eq_ignore_ascii_case(s)),
        ArrayKey::Int(i) => names.iter().any(|n| n.as_slice() == i.to_string().as_bytes()),
    };
    // Top level, sections, and one array below either (`php_value[pw]`).
    fn walk(a: &mut PhpArray, depth: u8, named: &dyn Fn(&ArrayKey) -> bool) {
        for i in 0..a.len() {
            let Some((key, v)) = a.entry_at_mut(i) else { continue };
            match v {
                PhpValue::Array(inner) if depth < 2 => walk(inner, depth + 1, named),
                PhpValue::Array(_) => {}
                v if named(key) => *v = PhpValue::str(crate::secrets::MASK),
                _ => {}
            }
        }
    }
    walk(array, 0, &named);
}

/// `bytes` (the text at `span` of the file) with each part inside one of `secrets` as
/// `********`; borrowed when none is.
fn masked_at<'b>(bytes: &'b [u8], span: Span, secrets: &[Span]) -> Cow<'b, [u8]> {
    let inside: Vec<std::ops::Range<usize>> = secrets
        .iter()
        .filter(|s| s.start < span.end && span.start < s.end)
        .map(|s| s.start.max(span.start) - span.start..s.end.min(span.end) - span.start)
        .collect();
    if inside.is_empty() {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for r in crate::secrets::merge_ranges(&inside) {
        let r = r.start.min(bytes.len())..r.end.min(bytes.len());
        out.extend_from_slice(&bytes[at.min(r.start)..r.start]);
        out.extend_from_slice(crate::secrets::MASK.as_bytes());
        at = r.end;
    }
    out.extend_from_slice(&bytes[at.min(bytes.len())..]);
    Cow::Owned(out)
}

/// The array `parse_ini_file()` builds with `process_sections = true`: entries before the
/// first section at the top, each `[section]` a nested array (a repeated header replaces
/// the earlier one); the parts of the file inside `secrets` masked where they stand (see
/// [`parse_output`]).
fn with_sections(doc: &IniDocument, env: &OtherEnvironment, secrets: &[Span]) -> PhpArray {
    let overlaps = |span: Span| secrets.iter().any(|s| s.start < span.end && span.start < s.end);
    let mut result = PhpArray::new();
    // The active section's place in `result`: a section's entries are not looked up by name.
    let mut active: Option<usize> = None;
    for node in &doc.nodes {
        match &node.kind {
            NodeKind::Section(s) => {
                let name = match overlaps(s.name.span) {
                    true => masked_at(doc.text(s.name.span), s.name.span, secrets).into_owned(),
                    false => doc.evaluate_section(&s.name, env),
                };
                let key = ArrayKey::from_bytes(&name);
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
                let key = masked_at(doc.text(e.key), e.key, secrets);
                let key = &*key;
                let value = match overlaps(e.value.span) {
                    true => PhpValue::str(crate::secrets::MASK),
                    false => PhpValue::Str(doc.evaluate(&e.value, env)),
                };
                match &e.offset {
                    None => target.insert(ArrayKey::from_bytes(key), value),
                    Some(offset) => {
                        let key = pop_entry_key(key);
                        if !matches!(target.get(&key), Some(PhpValue::Array(_))) {
                            target.insert(key.clone(), PhpValue::Array(PhpArray::new()));
                        }
                        let Some(PhpValue::Array(list)) = target.get_mut(&key) else { continue };
                        let offset = match overlaps(offset.span) {
                            true => crate::secrets::MASK.as_bytes().to_vec(),
                            false => doc.evaluate_offset(offset, env),
                        };
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
    /// Keys decide; `save_paths`: 1 (any string's URL credentials) plus how many
    /// `*save_path*` keys enclose the value (each masks
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
        // Every string's URL credentials are masked, under any key (`env[DATABASE_URL]`).
        IniArrayJson { array, mode: if masked { Mode::Keys { save_paths: 1 } } else { Mode::Plain } }
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
