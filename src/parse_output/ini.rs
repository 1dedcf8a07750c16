//! `parse_ini_file($f, true, INI_SCANNER_NORMAL)` as PHP computes it.

use super::{ParseOutput, Problem};
use crate::php_value::{ArrayKey, PhpArray, PhpValue};
use crate::source::Source;
use crate::syntax::ini::{self, IniDocument, NodeKind, OtherEnvironment};
use crate::syntax::{FileKind, SyntaxError};

/// `env`: the `${NAME}` values given on the command line; any other name is PHP's
/// environment, unknown here, and said so.
pub(super) fn parse_output(source: &Source, env: &[(Vec<u8>, Vec<u8>)]) -> ParseOutput {
    let doc = ini::parse_shared(source.bytes.clone(), ini::ScanMode::WholeFile);
    let mut problems: Vec<Problem> = super::problems_of(source, &doc.errors);
    let accepted = doc.accepted();
    // PHP returns false for a file with any syntax error.
    let value = if accepted {
        let env = OtherEnvironment { known: env.to_vec(), ..OtherEnvironment::default() };
        let value = PhpValue::Array(with_sections(&doc, &env)).to_json();
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
        value
    } else {
        serde_json::Value::Bool(false)
    };
    ParseOutput { kind: FileKind::Ini, value, problems, accepted }
}

/// The array `parse_ini_file()` builds with `process_sections = true`: entries before the
/// first section at the top, each `[section]` a nested array (a repeated header replaces
/// the earlier one).
pub fn with_sections(doc: &IniDocument, env: &OtherEnvironment) -> PhpArray {
    let mut result = PhpArray::new();
    let mut active: Option<ArrayKey> = None;
    for node in &doc.nodes {
        match &node.kind {
            NodeKind::Section(s) => {
                let key = ArrayKey::from_bytes(&doc.evaluate_section(&s.name, env));
                result.insert(key.clone(), PhpValue::Array(PhpArray::new()));
                active = Some(key);
            }
            NodeKind::Entry(e) if e.applied => {
                let target = match &active {
                    Some(k) => match result.get_mut(k) {
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
