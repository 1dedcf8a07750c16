//! `sesslint parse` for env.php: what `php -r 'echo json_encode(include $f);'` prints.

use serde_json::{Map, Value};

use super::env_php_tree::TreeJson;
use super::{ParseOutput, Problem, Values};
use crate::php_value::{ArrayKey, PhpValue};
use crate::source::Source;
use crate::span::Span;
use crate::syntax::env_php::{self, EnvPhp, ExprId, ExprKind, Returned, MAX_VALUE_DEPTH};
use crate::syntax::{FileKind, SyntaxError};

/// Longest expression text quoted in a "not statically known" problem.
const SHOWN_EXPRESSION: usize = 60;

/// `include $f` of an env.php, secrets masked when `mask`. A file whose values are all
/// static is serialised from its tree ([`TreeJson`]); any other takes [`value_output`].
pub(super) fn parse_output(source: &Source, mask: bool) -> ParseOutput {
    let env = env_php::parse_shared(source.bytes.clone());
    if !env.is_accepted() || !TreeJson::fits(&env) {
        return value_output(source, env, mask);
    }
    // A plain file has no unknown value to report.
    let (problems, _) = problems_and_secrets(source, &env, false);
    ParseOutput {
        kind: FileKind::Envphp,
        value: Values::EnvPhp(TreeJson::new(env, mask)),
        problems,
        accepted: true,
        complete: true,
    }
}

/// The problems of the tree's errors and warnings, tokens PHP's messages quote masked; with
/// `unknown_values` ("not statically known" messages to come) also the secrets located.
fn problems_and_secrets(source: &Source, env: &EnvPhp, unknown_values: bool) -> (Vec<Problem>, Vec<Span>) {
    // A token PHP's message quotes is masked on a line that holds a secret or in a secret's
    // value. Finding the secrets costs more than parsing, so only when a message quotes input.
    let quotes_input = env.errors.iter().chain(&env.warnings).any(|e| e.quoted.is_some()) || unknown_values;
    let secrets = if quotes_input {
        let mut secrets = crate::secrets::envphp_raw_secrets(&source.bytes);
        secrets.extend(crate::secrets::envphp_token_secrets(env.tokens(), &source.bytes));
        secrets
    } else {
        Vec::new()
    };
    let mut errors = env.errors.clone();
    crate::secrets::mask_quoted_tokens(&mut errors, &secrets, &source.bytes);
    let mut problems: Vec<Problem> = super::problems_of(source, &errors);
    let mut warnings = env.warnings.clone();
    crate::secrets::mask_quoted_tokens(&mut warnings, &secrets, &source.bytes);
    problems.extend(super::problems_of(source, &warnings));
    (problems, secrets)
}

/// The value path: `json_encode(include $f)` built as a `serde_json::Value`, then masked
/// (`mask::mask_envphp`) when `mask`. Unknown values are `null` and reported.
pub(super) fn value_output(source: &Source, env: EnvPhp, mask: bool) -> ParseOutput {
    let ev = if env.is_accepted() { Some(file_json(&env)) } else { None };
    let unknown_values = ev.as_ref().is_some_and(|ev| !ev.unknown.is_empty());
    let (mut problems, secrets) = problems_and_secrets(source, &env, unknown_values);
    let Some(ev) = ev else {
        // PHP stops at a parse error: include prints an error and returns nothing.
        return ParseOutput {
            kind: FileKind::Envphp,
            value: Values::Json(serde_json::Value::Null),
            problems,
            accepted: false,
            complete: true,
        };
    };
    for span in &ev.unknown {
        let message = format!("not statically known: {}", short_text(env.text(*span)));
        // The expression is input: on a secret's line it is masked (`'password' => getenv(..) . 'x'`).
        let quoted = "not statically known: ".len()..message.len();
        let mut e = [SyntaxError { span: *span, message: message.into(), quoted: Some(quoted) }];
        crate::secrets::mask_quoted_tokens(&mut e, &secrets, &source.bytes);
        problems.push(Problem::at(source, &e[0]));
    }
    let (json, exact) = (ev.value, ev.exact);
    let mut value = if ev.too_deep {
        let at = env.root_array().map(|a| env.array(a).span).unwrap_or_default();
        let message = format!("json_encode() fails: arrays nested deeper than {MAX_VALUE_DEPTH} levels");
        problems.push(Problem::at(source, &SyntaxError::new(at, message)));
        serde_json::Value::Null
    } else if !exact {
        let at = env.root_array().map(|a| env.array(a).span).unwrap_or_default();
        let message = "json_encode() fails: a string is not valid UTF-8 or a float is INF/NAN";
        problems.push(Problem::at(source, &SyntaxError::new(at, message)));
        serde_json::Value::Null
    } else {
        json
    };
    if mask {
        super::mask::mask_envphp(&mut value);
    }
    ParseOutput { kind: FileKind::Envphp, value: Values::Json(value), problems, accepted: true, complete: true }
}

/// One line of an expression's text for a message: whitespace collapsed, cut at a char.
fn short_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() > SHOWN_EXPRESSION {
        let cut: String = collapsed.chars().take(SHOWN_EXPRESSION).collect();
        format!("{cut}…")
    } else {
        collapsed
    }
}

/// `json_encode(include $f)` computed from the tree, as far as statically known.
struct JsonEvaluation {
    /// Unknown parts are `null`.
    value: Value,
    /// Every string valid UTF-8 and every float finite (else `json_encode()` fails and
    /// `value` means nothing).
    exact: bool,
    /// Spans of the expressions (or entries) not statically known, in evaluation order.
    unknown: Vec<Span>,
    /// Arrays nested deeper than [`MAX_VALUE_DEPTH`] were cut off.
    too_deep: bool,
}

/// [`EnvPhp::evaluate_file`] followed by [`PhpValue::to_json_checked`], in one pass that
/// builds no intermediate `PhpValue` tree (it cost more than the parse). A file with a
/// spread entry (`...[...]`), rare in env.php, takes the two-step path.
fn file_json(env: &EnvPhp) -> JsonEvaluation {
    let mut ev = JsonEvaluation { value: Value::Null, exact: true, unknown: Vec::new(), too_deep: false };
    match env.returned() {
        Returned::NoReturn => ev.value = Value::from(1),
        Returned::Void => {}
        Returned::Value(id) if has_spread(env) => {
            let e = env.evaluate(id);
            let (value, exact) = e.value.to_json_checked();
            ev = JsonEvaluation { value, exact, unknown: e.unknown, too_deep: e.too_deep };
        }
        Returned::Value(id) => ev.value = expr_json(env, id, 1, &mut ev),
    }
    ev
}

fn has_spread(env: &EnvPhp) -> bool {
    (0..env.array_count()).any(|a| env.array_at(a).entries.iter().any(|e| e.spread))
}

/// One expression as `json_encode()` prints its value; `depth` as in `EnvPhp::eval_inner`
/// (recursion bounded by [`MAX_VALUE_DEPTH`]).
fn expr_json(env: &EnvPhp, id: ExprId, depth: usize, ev: &mut JsonEvaluation) -> Value {
    let expr = env.expr(id);
    let array = match &expr.kind {
        ExprKind::Array(a) => *a,
        ExprKind::Literal(v) => return scalar_json(v.to_value(), &mut ev.exact),
        // Keys are read from `effective_key`, never as values.
        ExprKind::Str(_) | ExprKind::KeyString { .. } => {
            return match env.string_value(id) {
                Some(s) => Value::String(utf8(s.to_vec(), &mut ev.exact)),
                None => Value::Null,
            };
        }
        ExprKind::Opaque | ExprKind::Error => {
            ev.unknown.push(expr.span);
            return Value::Null;
        }
    };
    if depth > MAX_VALUE_DEPTH {
        ev.too_deep = true;
        return Value::Null;
    }
    let mut out = JsonArray::List(Vec::new());
    for i in 0..env.array(array).entries.len() {
        let (value, span) = {
            let e = &env.array(array).entries[i];
            (e.value, e.span)
        };
        let key = env.key(&env.array(array).entries[i]).map(|k| k.to_array_key());
        match key {
            Some(k) => {
                let v = expr_json(env, value, depth + 1, ev);
                out.insert(k, v, &mut ev.exact);
            }
            None => ev.unknown.push(span),
        }
    }
    out.into_value()
}

/// A literal's value (never an array: literals are scalars).
fn scalar_json(v: PhpValue, exact: &mut bool) -> Value {
    match v {
        PhpValue::Str(s) => Value::String(utf8(s, exact)),
        PhpValue::Int(n) => Value::from(n),
        PhpValue::Bool(b) => Value::Bool(b),
        PhpValue::Null => Value::Null,
        other => {
            let (value, ok) = other.to_json_checked();
            *exact &= ok;
            value
        }
    }
}

/// The bytes as a string without copying them when they are UTF-8.
fn utf8(s: Vec<u8>, exact: &mut bool) -> String {
    String::from_utf8(s).unwrap_or_else(|e| {
        *exact = false;
        String::from_utf8_lossy(e.as_bytes()).into_owned()
    })
}

/// A PHP array on its way to JSON: a list while its keys are 0, 1, 2, ... in order (what
/// `json_encode()` prints as `[...]`), an object from the first other key on.
enum JsonArray {
    List(Vec<Value>),
    Object(Map<String, Value>),
}

impl JsonArray {
    /// PHP's `$a[$k] = $v`: a key already there keeps its position. Distinct keys give
    /// distinct JSON names (`ArrayKey` is normalised: no string key reads as a canonical
    /// int), except invalid UTF-8 made lossy, which clears `exact` anyway.
    fn insert(&mut self, key: ArrayKey, value: Value, exact: &mut bool) {
        if let JsonArray::List(items) = self {
            match key {
                ArrayKey::Int(n) if n >= 0 && (n as u64) < items.len() as u64 => {
                    items[n as usize] = value;
                    return;
                }
                ArrayKey::Int(n) if n >= 0 && n as u64 == items.len() as u64 => {
                    items.push(value);
                    return;
                }
                _ => {
                    let items = std::mem::take(items);
                    let mut map = Map::with_capacity(items.len() + 1);
                    for (i, v) in items.into_iter().enumerate() {
                        map.insert(i.to_string(), v);
                    }
                    *self = JsonArray::Object(map);
                }
            }
        }
        if let JsonArray::Object(map) = self {
            let name = match key {
                ArrayKey::Int(n) => n.to_string(),
                ArrayKey::Str(s) => utf8(s, exact),
            };
            map.insert(name, value);
        }
    }

    fn into_value(self) -> Value {
        match self {
            JsonArray::List(items) => Value::Array(items),
            JsonArray::Object(map) => Value::Object(map),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass JSON equals evaluating to PHP values and encoding those.
    fn same_as_two_steps(src: &str) {
        let env = env_php::parse(src.as_bytes());
        let two = env.evaluate_file();
        let direct = file_json(&env);
        let (value, exact) = two.value.to_json_checked();
        assert_eq!(direct.exact, exact, "{src}");
        assert_eq!(direct.too_deep, two.too_deep, "{src}");
        assert_eq!(direct.unknown, two.unknown, "{src}");
        if exact {
            assert_eq!(direct.value.to_string(), value.to_string(), "{src}");
        }
    }

    #[test]
    fn one_pass_json_matches_php_values() {
        for src in [
            "<?php return [];",
            "<?php return ['a' => 1, 'b' => [1, 2, 3], 'a' => 2];",
            "<?php return [1 => 'x', 0 => 'y'];",
            "<?php return [0 => 'x', 1 => 'y', 0 => 'z', 2 => null];",
            "<?php return [0 => 'x', 2 => 'y'];",
            "<?php return ['0' => 'a', '1' => 'b', '01' => 'c', -1 => 'd'];",
            "<?php return [5 => 'a', 'b', 'c' => true, 'd', 1.5 => 'e'];",
            "<?php return [-5 => 'a', 'b'];",
            "<?php return ['x' => getenv('X'), 'y' => [FOO => 1, 2], 3.0];",
            "<?php return [null => 1, false => 2, true => 3, 1.0e300 => 4];",
            "<?php return ['k' => \"\\xff\", 'l' => 1];",
            "<?php return [\"\\xff\" => 1];",
            "<?php return ['a' => 1.5, 'b' => -0.0, 'c' => 1e400];",
            "<?php return 'just a string';",
            "<?php return;",
            "<?php $x = 1;",
            "<?php return [...[1, 2], 'a' => 3, ...['a' => 4]];",
            "<?php return [[[[['deep']]]]];",
        ] {
            same_as_two_steps(src);
        }
        let deep = format!("<?php return {}1{};", "[".repeat(600), "]".repeat(600));
        same_as_two_steps(&deep);
    }

    #[test]
    fn one_pass_json_matches_php_values_on_every_fixture() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut seen = 0;
        for entry in walkdir::WalkDir::new(root).into_iter().filter_map(Result::ok) {
            if entry.path().extension().is_some_and(|e| e == "php") {
                let bytes = std::fs::read(entry.path()).expect("fixture is readable");
                same_as_two_steps(&String::from_utf8_lossy(&bytes));
                seen += 1;
            }
        }
        assert!(seen > 50, "only {seen} env.php fixtures found");
    }
}
