//! `sesslint parse` for env.php: what `php -r 'echo json_encode(include $f);'` prints.

use super::{ParseOutput, Problem};
use crate::source::Source;
use crate::syntax::env_php::{self, MAX_VALUE_DEPTH};
use crate::syntax::{FileKind, SyntaxError};

/// Longest expression text quoted in a "not statically known" problem.
const SHOWN_EXPRESSION: usize = 60;

pub(super) fn parse_output(source: &Source) -> ParseOutput {
    let env = env_php::parse(&source.bytes);
    let ev = if env.is_accepted() { Some(env.evaluate_file()) } else { None };
    // A token PHP's message quotes is masked on a line that holds a secret or in a secret's
    // value. Finding the secrets costs more than parsing, so only when a message quotes input.
    let quotes_input = env.errors.iter().chain(&env.warnings).any(|e| e.quoted.is_some())
        || ev.as_ref().is_some_and(|ev| !ev.unknown.is_empty());
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
    let Some(ev) = ev else {
        // PHP stops at a parse error: include prints an error and returns nothing.
        return ParseOutput { kind: FileKind::Envphp, value: serde_json::Value::Null, problems, accepted: false };
    };
    for span in &ev.unknown {
        let message = format!("not statically known: {}", short_text(env.text(*span)));
        // The expression is input: on a secret's line it is masked (`'password' => getenv(..) . 'x'`).
        let quoted = "not statically known: ".len()..message.len();
        let mut e = [SyntaxError { span: *span, message, quoted: Some(quoted) }];
        crate::secrets::mask_quoted_tokens(&mut e, &secrets, &source.bytes);
        problems.push(Problem::at(source, &e[0]));
    }
    let (json, exact) = ev.value.to_json_checked();
    let value = if ev.too_deep {
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
    ParseOutput { kind: FileKind::Envphp, value, problems, accepted: true }
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
