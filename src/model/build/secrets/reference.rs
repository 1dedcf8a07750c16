//! The line-by-line secret passes the model's passes replaced, kept verbatim as their
//! reference: unit tests and the `secrets` fuzz target hold the passes to the same spans.

use super::*;
use crate::secrets::line_by_line_reference as plain;

/// `in_ini` line by line: every line's save path test by its own memmem search, the
/// line's verdict from the key's text each time, and the multi-line values of the tree
/// judged the same way.
#[cfg(test)]
pub(crate) fn plain_in_ini(bytes: &[u8]) -> Vec<Span> {
    plain_in_ini_with(&crate::syntax::ini::parse(bytes), bytes)
}

/// [`plain_in_ini`] of a tree in either scanner mode (a pool file's quote left open on a
/// password line masks the lines up to its close, as `in_ini` does).
pub(crate) fn plain_in_ini_with(doc: &IniDocument, bytes: &[u8]) -> Vec<Span> {
    let mut out = Vec::new();
    let save_path = memchr::memmem::Finder::new(b"save_path");
    let mut offset = 0;
    let equals = tree_equals(doc, bytes);
    let mut bare_secret = false;
    for line in bytes.split_inclusive(|&b| b == b'\n' || b == b'\r') {
        // The key is the parser's where it reads a statement on the line, not the text
        // before the line's first `=`.
        let eq = match equals.iter().find(|&&p| p >= offset && p < offset + line.len()) {
            Some(&p) => Some(p - offset),
            None => line.iter().position(|&b| b == b'=').map(|e| crate::secrets::ini_key_equals(line, e)),
        };
        // A save path's credentials, and a URL's or DSN's under any key after the line's own.
        // A trailing comment's key is a commented-out line's: no query key.
        let from = if save_path.find(line).is_some() { 0 } else { eq.map_or(0, |e| (e + 1).min(line.len())) };
        for r in crate::secrets::ini_line_credentials(line, from, eq) {
            out.push(Span::new(offset + r.start, offset + r.end));
        }
        if bare_secret {
            if let Some(r) = value_after_leading_equals(line) {
                out.push(Span::new(offset + r.start, offset + r.end));
            }
        }
        // A pool's save path quoted open on its line runs to the closing `"`.
        if let (ScanMode::PerLine, Some(eq), true) = (doc.mode, eq, save_path.find(line).is_some()) {
            let from = offset + (eq + 1).min(line.len());
            if let Some(until) = fpm_open_quote_runs_to(bytes, &bytes[from..offset + line.len()], offset + line.len()) {
                for r in crate::secrets::save_path_secret_ranges(&bytes[from..until]) {
                    out.push(Span::new(from + r.start, from + r.end));
                }
            }
        }
        bare_secret = eq.is_none() && plain_bare_secret_key(line);
        let by_lines = doc.mode == ScanMode::PerLine || !doc.errors.is_empty();
        if let Some(r) = plain::raw_line_secret_eq(line, false, eq) {
            out.push(Span::new(offset + r.start, offset + r.end));
            if doc.mode == ScanMode::PerLine {
                if let Some(until) = fpm_open_quote_runs_to(bytes, &line[r.start..], offset + line.len()) {
                    out.push(Span::new(offset + line.len(), until));
                }
            }
            if by_lines {
                if let Some(until) = open_secret_runs_to(bytes, line, offset + line.len(), eq, r, false) {
                    out.push(Span::new(offset + line.len(), until));
                }
            }
        }
        if let Some(e) = eq {
            crate::secrets::ini_trailing_comment_secrets(line, e, |r| {
                out.push(Span::new(offset + r.start, offset + r.end));
            });
        }
        // A secret quoted open on a broken file's (or a pool's) line runs to the next quote.
        if by_lines && save_path.find(line).is_some() {
            for r in crate::secrets::save_path_secret_ranges(line) {
                if let Some(until) = open_secret_runs_to(bytes, line, offset + line.len(), eq, r, true) {
                    out.push(Span::new(offset + line.len(), until));
                }
            }
            for until in open_value_runs_to(bytes, line, offset + line.len(), eq) {
                for r in crate::secrets::save_path_secret_ranges(&bytes[offset..until]) {
                    out.push(Span::new(offset + r.start, offset + r.end));
                }
            }
        }
        offset += line.len();
    }
    for node in &doc.nodes {
        let value_end = match &node.kind {
            NodeKind::Entry(e) => e.value.span.end,
            NodeKind::Error(..) => node.span.end,
            _ => continue,
        };
        let text = &bytes[node.span.start..value_end];
        let inner = text.len() - text.iter().rev().take_while(|&&b| b == b'\n' || b == b'\r').count();
        let Some(first_end) = text[..inner].iter().position(|&b| b == b'\n' || b == b'\r') else { continue };
        let first = &text[..first_end + 1];
        let eq = match equals.iter().find(|&&p| p >= node.span.start && p < node.span.start + first.len()) {
            Some(&p) => Some(p - node.span.start),
            None => first.iter().position(|&b| b == b'=').map(|e| crate::secrets::ini_key_equals(first, e)),
        };
        if let Some(r) = plain::raw_line_secret_eq(first, false, eq) {
            out.push(Span::new(node.span.start + r.start, node.span.start + inner));
        }
        if let (Some(eq), true) = (eq, save_path.find(first).is_some()) {
            for r in crate::secrets::save_path_secret_ranges(&text[eq + 1..inner]) {
                out.push(Span::new(node.span.start + eq + 1 + r.start, node.span.start + eq + 1 + r.end));
            }
        }
    }
    out
}

/// A line without `=` holding one word (after blanks, `;`, `#`) that names a secret.
fn plain_bare_secret_key(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end_matches(|c: char| c.is_ascii_whitespace());
    let word = text.trim_start_matches([' ', '\t', ';', '#']);
    !word.is_empty()
        && !word.contains(|c: char| c.is_ascii_whitespace())
        && plain::raw_line_secret_eq(format!("{text} x").as_bytes(), false, None).is_some()
}

/// `in_redis` as it was: every comment and broken line's name judged from its text.
pub(crate) fn plain_in_redis(conf: &redis_conf::RedisConf, bytes: &[u8]) -> Vec<Span> {
    let mut out = Vec::new();
    for line in conf.lines() {
        let content = line.content(bytes);
        let text = content.slice(bytes);
        let lead = text.iter().take_while(|&&b| b == b'#' || b == b' ' || b == b'\t').count();
        if let Some(from) = plain::redis_glued_name_secret(&text[lead..]) {
            out.push(Span::new(content.start + lead + from, content.end));
        }
        if let redis_conf::LineKind::Error(_) | redis_conf::LineKind::Misread(_) = &line.kind {
            // Refused: judged at every word (the rule of the first word is `plain`'s).
            if let Some(from) = crate::secrets::redis_refused_line_secret(content.slice(bytes)) {
                out.push(Span::new(content.start + from, content.end));
            }
            if let Some(from) = plain::redis_broken_line_acl_like(content.slice(bytes)) {
                out.push(Span::new(content.start + from, content.end));
            }
        }
        if let redis_conf::LineKind::Comment | redis_conf::LineKind::Misread(_) = &line.kind {
            let skip = text.iter().take_while(|&&b| b == b'#' || b == b' ' || b == b'\t').count();
            let start = content.start + skip;
            let directive = &text[skip..];
            if let Some(from) = plain::redis_comment_line_secret(directive) {
                out.push(Span::new(start + from, content.end));
            }
            if let Some(from) = crate::secrets::redis_comment_glued_secret(directive) {
                out.push(Span::new(start + from, content.end));
            }
            if directive.len() > 5 && directive[..5].eq_ignore_ascii_case(b"user ") {
                for r in crate::secrets::acl_rule_secret_words(directive) {
                    out.push(Span::new(start + r.start, start + r.end));
                }
            }
        }
    }
    for (i, d) in conf.directives() {
        if crate::secrets::redis_name_is_refused(&d.name_lowercase()) {
            let content = conf.lines()[i].content(bytes);
            if let Some(from) = crate::secrets::redis_refused_line_secret(content.slice(bytes)) {
                out.push(Span::new(content.start + from, content.end));
            }
        }
        let args = d.args();
        let values: Vec<&[u8]> = args.iter().map(|a| a.value.as_slice()).collect();
        if let Some(k) = crate::secrets::refused_user_password_from(&d.name_lowercase(), &values) {
            let from = crate::syntax::redis_acl::acl_rule_secret_from(values[k]).unwrap_or(0);
            out.push(Span::new(args[k].span.start + from, args[args.len() - 1].span.end));
        }
        for (i, r) in crate::secrets::redis_secret_args(&d.name_lowercase(), &values) {
            let a = &args[i];
            if a.value.is_empty() {
                continue;
            }
            let span =
                if r.start == 0 { a.span } else { Span::new((a.span.start + r.start).min(a.span.end), a.span.end) };
            out.push(span);
        }
    }
    out
}

/// `in_env_php` as it was: every line scanned for URL credentials, each key before a `=>`
/// copied out, each array remembered by its printed id.
pub(crate) fn plain_in_env_php(doc: &EnvPhp, bytes: &[u8]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        for r in crate::secrets::plain::envphp_line_secrets(line)
            .into_iter()
            .chain(crate::secrets::plain::save_path_secret_ranges(&crate::secrets::envphp_arrows_blanked(line)))
        {
            out.push(Span::new(offset + r.start, offset + r.end));
        }
        offset += line.len();
    }
    out.extend(crate::secrets::envphp_token_secrets(doc.tokens(), bytes));
    let mut stack: Vec<env_php::ArrayId> = doc.root_array().into_iter().collect();
    let mut seen = std::collections::BTreeSet::new();
    while let Some(a) = stack.pop() {
        if !seen.insert(format!("{a:?}")) {
            continue;
        }
        for e in &doc.array(a).entries {
            let value = doc.expr(e.value);
            let key = e.key.map(|k| doc.text(doc.expr(k).span).to_ascii_lowercase()).unwrap_or_default();
            let key = String::from_utf8_lossy(&key).trim_matches(['\'', '"']).to_owned();
            let decoded = match doc.key(e) {
                Some(env_php::KeyRef::Str(b)) => {
                    crate::secrets::envphp_key_is_secret(&String::from_utf8_lossy(&b.to_ascii_lowercase()))
                }
                _ => false,
            };
            if decoded || crate::secrets::envphp_key_is_secret(&key) {
                out.push(value.span);
            } else if let env_php::ExprKind::Array(inner) = value.kind {
                stack.push(inner);
            }
        }
    }
    let runs = envphp_open_quote_runs(doc, bytes, &out);
    out.extend(runs);
    out
}

fn sorted(mut v: Vec<Span>) -> Vec<Span> {
    v.sort_by_key(|s| (s.start, s.end));
    // A span found twice masks the same bytes as once.
    v.dedup();
    v
}

/// Where a model pass and its reference disagree on `bytes` read as each kind of file
/// (php.ini, a pool file, redis.conf, env.php), described for the fuzzer; `None` if nowhere.
pub fn disagreement(bytes: &[u8]) -> Option<String> {
    use crate::syntax::ini;
    for mode in [ScanMode::WholeFile, ScanMode::PerLine] {
        let doc = ini::parse_with(bytes, mode);
        let (fast, plain) = (sorted(in_ini(&doc, bytes)), sorted(plain_in_ini_with(&doc, bytes)));
        if fast != plain {
            return Some(format!("in_ini ({mode:?}) {fast:?} != line by line {plain:?}"));
        }
    }
    let conf = redis_conf::parse_shared(bytes.to_vec().into());
    let (fast, plain) = (sorted(in_redis_tree(&conf, bytes)), sorted(plain_in_redis(&conf, bytes)));
    if fast != plain {
        return Some(format!("in_redis {fast:?} != line by line {plain:?}"));
    }
    let doc = env_php::parse(bytes);
    let (fast, plain) = (sorted(in_env_php(&doc, bytes)), sorted(plain_in_env_php(&doc, bytes)));
    if fast != plain {
        return Some(format!("in_env_php {fast:?} != line by line {plain:?}"));
    }
    None
}
