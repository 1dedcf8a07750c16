//! Where the secrets of a file are (passwords in save paths, `requirepass`, ACL passwords,
//! env.php passwords), by field in its tree and, for lines that do not parse, by the line's
//! name: every output masks these spans.

use std::collections::HashSet;

use crate::model::{php, Model};
use crate::span::Span;
use crate::syntax::env_php::{self, EnvPhp};
use crate::syntax::ini::{IniDocument, NodeKind, ScanMode};
use crate::syntax::redis_acl::AclFile;
use crate::syntax::redis_conf;

/// `session.save_path = "tcp://h?auth=${pw}"` with `pw = "..."` set earlier: the lines
/// that set `pw` (the last one and those it shadows) hold the password, so their values are
/// masked where they stand too. Each name is followed once per setup, however often the
/// credential names it: the work is the references plus the lines setting them.
pub(super) fn mask_referenced_passwords(model: &mut Model, setups: &[php::PhpSetup]) {
    // Spans pushed already (setups sharing a file see the same lines).
    let mut pushed: HashSet<(usize, Span)> = HashSet::new();
    for s in setups {
        let Some(sp) = s.values.get("session.save_path") else { continue };
        let (Some(at), Some(span)) = (sp.set_at, sp.value_span) else { continue };
        let raw = span.slice(&model.files[at.file.0].source.bytes).to_vec();
        let mut names: HashSet<&[u8]> = HashSet::new();
        for r in crate::secrets::save_path_secret_ranges(&raw) {
            names.extend(referenced_names(&raw[r]));
        }
        for name in names {
            let name = String::from_utf8_lossy(name);
            let Some(v) = s.values.get(name.as_ref()) else { continue };
            let mut push = |file: usize, span: Span| {
                if !span.is_empty() && pushed.insert((file, span)) {
                    model.files[file].push_secret(span);
                }
            };
            if let (Some(src), Some(value)) = (v.set_at, v.value_span) {
                push(src.file.0, value);
            }
            // PHP expands `${pw}` with the value set before the save path, which may be
            // one a later line shadows: every line that sets it is masked where its value
            // stands (a quoted `=` in its key, `env["A=B"]`, is no place to cut).
            for at in &v.shadowed_values {
                push(at.file.0, at.span);
            }
        }
    }
}

/// The offsets of each `${` in `bytes`, in order: a memchr for the `$` (rare in
/// configuration), where a memmem search would build its searcher per call.
fn dollar_braces(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'$', bytes).filter(move |&p| bytes.get(p + 1) == Some(&b'{'))
}

/// The names of the `${name}` in `secret`, in order (repeats included).
fn referenced_names(secret: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut i = 0;
    std::iter::from_fn(move || {
        let p = dollar_braces(&secret[i..]).next()?;
        let start = i + p + 2;
        let len = memchr::memchr(b'}', &secret[start..])?;
        i = start + len;
        Some(&secret[start..start + len])
    })
}

/// The names every `${` of `files` spells, each to the next `}` (trimmed, lowercase): a
/// superset of the names `${}` inside any of their secrets spell, found without locating
/// the secrets. `None` when some `${` has another `${` before its `}` (its name could hold
/// `${`, and would overlap the next one's): the caller then asks the secrets themselves.
/// Work: one pass over the bytes (names of different `${` do not overlap).
fn spelled_names<'a>(files: impl IntoIterator<Item = &'a [u8]>) -> Option<HashSet<Vec<u8>>> {
    let mut names = HashSet::new();
    for bytes in files {
        let mut opens = dollar_braces(bytes).peekable();
        while let Some(p) = opens.next() {
            let start = p + 2;
            let Some(len) = memchr::memchr(b'}', &bytes[start..]) else { break };
            if opens.peek().is_some_and(|&next| next < start + len) {
                return None;
            }
            let name = bytes[start..start + len].trim_ascii();
            if !name.is_empty() {
                names.insert(name.to_ascii_lowercase());
            }
        }
    }
    Some(names)
}

/// Spelled names compared with each key in place; past it, keys are lowercased and hashed.
const FEW_NAMES: usize = 8;

/// A `${name}` inside any secret of the files from `first` on (a save path's credential in
/// php.ini, a `[PATH=]`/`[HOST=]` section, a conf.d file, a pool, a `.user.ini`, an Apache
/// `php_value`, a line PHP refuses) names a value that is the password, or part of it:
/// every line of those files that sets `name` (an ini key, `php_value[name]`, an Apache
/// `Define name`) is masked where its value stands, on every line it spans, and a `${}`
/// inside that value is followed in turn. PHP expands `${name}` from its configuration
/// hash, then the environment (`zend_ini_get_var`); httpd from `Define` when it reads the
/// line. Whichever line wins, each may be the one the server sees, so all are masked.
/// Work: one pass over the bytes for the names a `${` spells; the trees' nodes are read, and
/// the files' secrets located, only when some line sets one of them (Debian's php.ini spells
/// `${foo}` in a comment, which no line sets).
pub(super) fn mask_named_referents(model: &mut Model, parsed: &[super::Parsed], first: usize) {
    use super::Parsed;
    let mut names: HashSet<Vec<u8>> = HashSet::new();
    let mut todo: Vec<Vec<u8>> = Vec::new();
    let note = |names: &mut HashSet<Vec<u8>>, todo: &mut Vec<Vec<u8>>, secret: &[u8]| {
        for n in referenced_names(secret) {
            let n = n.trim_ascii().to_ascii_lowercase();
            if !n.is_empty() && names.insert(n.clone()) {
                todo.push(n);
            }
        }
    };
    // Secrets are located (a file's are lazy) only when some line sets a name a `${` spells.
    // Each file's names are found over the threads (a fleet's group is hundreds of files),
    // then joined: `None` when any file's are.
    let files = &model.files[first..];
    let per_file = crate::parallel::map(files, 16, |f| spelled_names([&f.source.bytes[..]]));
    let spelled = per_file.into_iter().try_fold(HashSet::new(), |mut all, names| {
        all.extend(names?);
        Some(all)
    });
    if spelled.as_ref().is_some_and(HashSet::is_empty) {
        return;
    }
    // `key` (any case) is a spelled name: a few names (Debian's php.ini spells one, in a
    // comment) are compared in place, so that the keys of a file's lines cost no allocation;
    // more are looked up lowercased, so that the work stays linear.
    let wanted = |key: &[u8]| match &spelled {
        None => true,
        Some(s) if s.len() <= FEW_NAMES => s.iter().any(|n| n.eq_ignore_ascii_case(key)),
        Some(s) => s.contains(&key.to_ascii_lowercase()),
    };
    // The values setting each name, by file: found in one pass over each tree, the files
    // over the threads, in their order.
    let indices: Vec<usize> = (first..model.files.len().min(parsed.len())).collect();
    let setting_of = |&i: &usize| {
        let tree = &parsed[i];
        let bytes = &model.files[i].source.bytes;
        let mut setting: Vec<(usize, Vec<u8>, Span)> = Vec::new();
        let mut set = |key: &[u8], span: Span| {
            if wanted(key) {
                setting.push((i, key.to_ascii_lowercase(), span));
            }
        };
        match tree {
            Parsed::Ini(doc) => {
                for n in &doc.nodes {
                    match &n.kind {
                        NodeKind::Entry(e) => {
                            let key = doc.text(e.key);
                            let named = e.offset.as_ref().map(|o| trim_quotes(doc.text(o.span)));
                            set(key.trim_ascii(), e.value.span);
                            if let Some(o) = named {
                                set(o, e.value.span);
                            }
                        }
                        NodeKind::Error(_, Some(b)) => {
                            let key = b.key.slice(bytes);
                            let key = key.iter().rposition(|&c| c == b'=').map_or(key, |p| &key[..p]);
                            set(key.trim_ascii(), b.value);
                        }
                        _ => {}
                    }
                }
            }
            Parsed::Apache(conf) => {
                for n in &conf.nodes {
                    let crate::syntax::apache_conf::NodeKind::Directive { name, args } = &n.kind else { continue };
                    if !name.value.eq_ignore_ascii_case(b"define") || args.len() < 2 {
                        continue;
                    }
                    let value = Span::new(args[1].span.start, args[args.len() - 1].span.end);
                    set(&args[0].value, value);
                }
            }
            _ => {}
        }
        setting
    };
    let setting: Vec<(usize, Vec<u8>, Span)> =
        crate::parallel::map(&indices, 16, setting_of).into_iter().flatten().collect();
    if setting.is_empty() {
        return;
    }
    for file in &model.files[first..] {
        let bytes = &file.source.bytes;
        if dollar_braces(bytes).next().is_none() {
            continue;
        }
        for sp in file.secrets() {
            note(&mut names, &mut todo, sp.slice(bytes));
        }
    }
    if todo.is_empty() {
        return;
    }
    let mut by_name: std::collections::HashMap<&[u8], Vec<(usize, Span)>> = Default::default();
    for (i, key, span) in &setting {
        by_name.entry(key.as_slice()).or_default().push((*i, *span));
    }
    let mut pushed: HashSet<(usize, Span)> = HashSet::new();
    while let Some(name) = todo.pop() {
        let Some(at) = by_name.get(name.as_slice()) else { continue };
        for &(i, span) in at {
            if span.is_empty() || !pushed.insert((i, span)) {
                continue;
            }
            model.files[i].push_secret(span);
            let value = span.slice(&model.files[i].source.bytes).to_vec();
            note(&mut names, &mut todo, &value);
        }
    }
}

/// `"pw"` or `'pw'` without its quotes; anything else as it stands.
fn trim_quotes(text: &[u8]) -> &[u8] {
    let t = text.trim_ascii();
    match t {
        [q @ (b'"' | b'\''), inner @ .., last] if q == last => inner,
        _ => t,
    }
}

/// Secrets of an ini file: credentials in save paths and values of password-like keys.
/// Each raw line is scanned (so that a line that does not parse, or a comment, is masked
/// too), and a value that PHP's scanner reads across lines (a quoted string opened anywhere
/// in it) is taken whole from `doc`, whose lexer knows where PHP opens and closes quotes.
pub(super) fn in_ini(doc: &IniDocument, bytes: &[u8]) -> Vec<Span> {
    let mut out = Vec::new();
    // The `=` of each statement as the parser reads it, in file order.
    let equals = tree_equals(doc, bytes);
    scan_lines(doc, bytes, 0..bytes.len(), &equals, &mut out);
    for node in &doc.nodes {
        if let Some(value_end) = statement_end(node) {
            multi_line_value(bytes, node, value_end, &mut out);
        }
    }
    out
}

/// How far above a window (bytes) [`in_ini_within`] looks for the quote a secret on a
/// line of a file PHP refuses may have left open; past it, ask [`in_ini`].
const OPEN_QUOTE_LOOKBACK: usize = 64 * 1024;

/// [`in_ini`] for the bytes of `within` only (the lines a code frame shows): inside `within`
/// the spans returned mask exactly the bytes `in_ini`'s do (outside it, some or none).
/// `within` starts and ends where a line does (after a `\n` or `\r`, or at an end of the
/// file). The line scan's spans stay on their line, and its one look back is at the line
/// before (a bare secret key there gives a `= value` line its value): it runs from the line
/// above `within` to its end. A value quoted across lines is taken whole from each
/// statement reaching into `within`, however far above it its key stands. In a file PHP
/// refuses (errors in `doc`), the scan starts at the line of the last quote above, where a
/// secret quoted open can start that runs into `within`. `None` for a php-fpm file (its scan
/// masks from a quote left open on one line to a later one, however far) and when that
/// quote is more than [`OPEN_QUOTE_LOOKBACK`] above: ask [`in_ini`].
pub(super) fn in_ini_within(doc: &IniDocument, bytes: &[u8], within: std::ops::Range<usize>) -> Option<Vec<Span>> {
    // A pool: a secret quoted open on its line is masked on the lines below it as far as
    // the next quote, however far (the whole file's pass, once).
    if doc.mode == ScanMode::PerLine {
        return None;
    }
    let end = within.end.min(bytes.len());
    let start = within.start.min(end);
    let reaching = |n: &&crate::syntax::ini::Node, from: usize| {
        n.span.start < end && statement_end(n).unwrap_or(n.span.end).max(n.span.end) > from
    };
    let line_start = |at: usize| memchr::memrchr2(b'\n', b'\r', &bytes[..at]).map_or(0, |p| p + 1);
    let from = line_start(start);
    let mut from = if from > 0 { line_start(from - 1) } else { 0 };
    // In a file PHP refuses, a secret quoted open on a line above runs on to the next quote
    // of its kind: the line holding the last quote above `from` is the first that can reach
    // it. Past [`OPEN_QUOTE_LOOKBACK`] above, the whole file's pass answers (once).
    if reads_by_lines(doc) {
        let quote = [b'"', b'\''].map(|q| memchr::memrchr(q, &bytes[..from]).unwrap_or(from));
        let above = line_start(quote[0].min(quote[1]));
        if from - above > OPEN_QUOTE_LOOKBACK {
            return None;
        }
        from = above;
    }
    let mut out = Vec::new();
    // Nodes stand in file order without overlapping, so their ends grow: the first one
    // reaching `from` is found by bisection, not by a pass over a large file's nodes.
    let reach = |n: &crate::syntax::ini::Node| statement_end(n).unwrap_or(n.span.end).max(n.span.end);
    let first = doc.nodes.partition_point(|n| reach(n) <= from);
    let nodes: Vec<&crate::syntax::ini::Node> =
        doc.nodes[first..].iter().take_while(|n| n.span.start < end).filter(|n| reaching(n, from)).collect();
    let equals: Vec<usize> = nodes.iter().filter_map(|n| statement_equals(n, bytes)).collect();
    scan_lines(doc, bytes, from..end, &equals, &mut out);
    for node in nodes {
        if let Some(value_end) = statement_end(node) {
            if value_end > start {
                multi_line_value(bytes, node, value_end, &mut out);
            }
        }
    }
    Some(out)
}

/// Where a statement's value ends (an entry's value, or the rest of a refused statement:
/// the tokens it swallowed); `None` for nodes that are no statement.
fn statement_end(node: &crate::syntax::ini::Node) -> Option<usize> {
    match &node.kind {
        NodeKind::Entry(e) => Some(e.value.span.end),
        NodeKind::Error(..) => Some(node.span.end),
        _ => None,
    }
}

/// The raw-line pass of [`in_ini`] over the lines starting in `lines` (whose start is a
/// line's), with `equals` the parser's `=` of the statements there, in file order. Each
/// line is scanned (so that a line that does not parse, or a comment, is masked too).
fn scan_lines(doc: &IniDocument, bytes: &[u8], lines: std::ops::Range<usize>, equals: &[usize], out: &mut Vec<Span>) {
    let mut offset = lines.start;
    // Where `save_path` stands, found in one memmem pass over the file (asked line by line,
    // the searcher's start-up cost most of a short line's): a line holds one when the next
    // match starts on it.
    let mut save_paths = memchr::memmem::find_iter(bytes.get(offset..).unwrap_or_default(), b"save_path").peekable();
    // The `@` of a URL's user-info, found the same way.
    let mut ats = memchr::memchr_iter(b'@', bytes.get(offset..).unwrap_or_default()).peekable();
    // The line before, when it held no `=`: a secret key alone there gives a `= value` line
    // its value (judged only when such a line comes, which is rare).
    let mut bare_before: Option<std::ops::Range<usize>> = None;
    let mut equals = equals.iter().copied().peekable();
    let by_lines = reads_by_lines(doc);
    // Lines as `split_inclusive` on `\n` or `\r` gives them, and the first `=` of each, by
    // one memchr3 from each line's start (a second search only on lines with a `=`).
    while offset < lines.end {
        let rest = &bytes[offset..];
        let (len, eq) = match memchr::memchr3(b'=', b'\n', b'\r', rest) {
            Some(p) if rest[p] == b'=' => {
                (memchr::memchr2(b'\n', b'\r', &rest[p + 1..]).map_or(rest.len(), |q| p + q + 2), Some(p))
            }
            Some(p) => (p + 1, None),
            None => (rest.len(), None),
        };
        let end = offset + len;
        let line = &rest[..len];
        let first_eq = eq;
        // On a line the tree reads as a statement, its `=` (a quoted key may hold one).
        while equals.next_if(|&p| p < offset).is_some() {}
        let eq = match equals.peek() {
            Some(&p) if p < end => Some(p - offset),
            _ => eq.map(|e| crate::secrets::ini_key_equals(line, e)),
        };
        if let Some(before) = std::mem::replace(&mut bare_before, eq.is_none().then_some(offset..end)) {
            if let Some(r) = value_after_leading_equals(line) {
                if crate::secrets::ini_bare_secret_key(&bytes[before]) {
                    out.push(Span::new(offset + r.start, offset + r.end));
                }
            }
        }
        // Matches are counted from `lines.start`.
        while save_paths.next_if(|&p| lines.start + p < offset).is_some() {}
        // `save_path` holds no line break: a match that starts on the line ends on it.
        let save_path_here = save_paths.peek().is_some_and(|&p| lines.start + p < end);
        while ats.next_if(|&p| lines.start + p < offset).is_some() {}
        let at_here = ats.peek().is_some_and(|&p| lines.start + p < end);
        if save_path_here {
            for r in crate::secrets::ini_line_credentials(line, 0, eq) {
                out.push(Span::new(offset + r.start, offset + r.end));
            }
            // A pool's save path quoted open on its line: php-fpm refuses it, and the
            // lines up to the closing `"` are the rest of the value its writer meant, so
            // the credential runs across them as in php.ini (to the next `&`).
            if let (ScanMode::PerLine, Some(eq)) = (doc.mode, eq) {
                if let Some(until) = fpm_open_quote_runs_to(bytes, &line[(eq + 1).min(len)..], end) {
                    let from = offset + (eq + 1).min(len);
                    for r in crate::secrets::save_path_secret_ranges(&bytes[from..until]) {
                        out.push(Span::new(from + r.start, from + r.end));
                    }
                }
            }
        }
        // Credentials in a URL or DSN under any key (`env[DATABASE_URL] = "mysql://u:pw@h"`,
        // `pdo.dsn = "mysql:...;password=pw"`), as env.php's are; most lines hold none. The
        // line's own key is no query key: the key test judges it (`env[MONKEY] = banana`).
        // A comment after the statement is a line commented out: its key is no query key.
        else if at_here || first_eq.is_some_and(|e| crate::secrets::ini_line_may_hold_query_credentials(line, e)) {
            let from = eq.map_or(0, |e| (e + 1).min(len));
            for r in crate::secrets::ini_line_credentials(line, from, eq) {
                out.push(Span::new(offset + r.start, offset + r.end));
            }
        }
        if let Some(r) = crate::secrets::ini_line_secret(line, eq) {
            out.push(Span::new(offset + r.start, offset + r.end));
            if doc.mode == ScanMode::PerLine {
                if let Some(until) = fpm_open_quote_runs_to(bytes, &line[r.start..], end) {
                    out.push(Span::new(end, until));
                }
            }
            if by_lines {
                if let Some(until) = open_secret_runs_to(bytes, line, end, eq, r, false) {
                    out.push(Span::new(end, until));
                }
            }
        }
        // A comment after the statement (`x = 1 ; password = P`) is a commented-out line.
        if let Some(e) = eq {
            crate::secrets::ini_trailing_comment_secrets(line, e, |r| {
                out.push(Span::new(offset + r.start, offset + r.end));
            });
        }
        if by_lines && save_path_here {
            for r in crate::secrets::save_path_secret_ranges(line) {
                if let Some(until) = open_secret_runs_to(bytes, line, end, eq, r, true) {
                    out.push(Span::new(end, until));
                }
            }
            // The save path read on to its closing quote: a credential the line alone
            // shows no part of (`tcp://usr:pw` + `rest@host`) is found across the lines.
            for until in open_value_runs_to(bytes, line, end, eq) {
                for r in crate::secrets::save_path_secret_ranges(&bytes[offset..until]) {
                    out.push(Span::new(offset + r.start, offset + r.end));
                }
            }
        }
        offset = end;
    }
}

/// Where PHP's scanner reads the `=` of each entry (after its key and `[offset]`, so not the
/// first `=` of `env["A=B_PASSWORD"] = pw`) and of each refused `key = value`, as byte
/// offsets into the file in file order.
pub(super) fn tree_equals(doc: &IniDocument, bytes: &[u8]) -> Vec<usize> {
    doc.nodes.iter().filter_map(|n| statement_equals(n, bytes)).collect()
}

/// [`tree_equals`] of one node: `None` for nodes without a key and `=`.
fn statement_equals(node: &crate::syntax::ini::Node, bytes: &[u8]) -> Option<usize> {
    let after_key = match &node.kind {
        NodeKind::Entry(e) => e.offset.as_ref().map_or(e.key.end, |o| o.span.end),
        NodeKind::Error(_, Some(b)) => b.key.end,
        _ => return None,
    };
    let end = node.span.end.min(bytes.len());
    memchr::memchr(b'=', bytes.get(after_key..end)?).map(|p| after_key + p)
}

/// The value of a line that starts (after blanks) with `=`, trimmed: empty values give `None`.
pub(super) fn value_after_leading_equals(line: &[u8]) -> Option<std::ops::Range<usize>> {
    let lead = line.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    if line.get(lead) != Some(&b'=') {
        return None;
    }
    let start = lead + 1 + line[lead + 1..].iter().take_while(|b| b.is_ascii_whitespace()).count();
    let end = line.len() - line.iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
    (end > start).then_some(start..end)
}

/// php-fpm hands its scanner one line at a time, so a password value whose `"` is not closed
/// on its line is refused there, and what its writer meant as the rest of it stands on the
/// next lines as refused lines of their own: those are masked up to the line holding the
/// closing `"` (or the end of the file), where `end` is where the value's line ends.
fn fpm_open_quote_runs_to(bytes: &[u8], value: &[u8], end: usize) -> Option<usize> {
    if memchr::memchr_iter(b'"', value).count().is_multiple_of(2) {
        return None;
    }
    Some(memchr::memchr(b'"', &bytes[end..]).map_or(bytes.len(), |q| end + q + 1))
}

/// Whether a secret left open at its line's end is masked on the lines after it as they
/// read, not only as the tree pairs the quotes: a pool (php-fpm reads it line by line) and a
/// file PHP refuses (its quotes paired no way PHP reads, so none is trusted).
fn reads_by_lines(doc: &IniDocument) -> bool {
    doc.mode == ScanMode::PerLine || !doc.errors.is_empty()
}

/// Where a secret `r` of `line` (which ends at `end` in `bytes`; `eq` its `=` as
/// [`scan_lines`] reads it) runs on to when it reaches the line's end with a quote open at
/// it by some reading of the line: an odd number of `"` (or `'`) from the line's start, from
/// its `=`, or from the byte before the secret (`auth="pw` opens its own). What its writer
/// meant as the rest of it stands on the next lines, up to the closing quote (for a save
/// path's credential, a `&` before it): erring on masking more. `None` if it ends on its line.
/// Work: a count of the line's quotes, and one search forward to the next quote (or `&`).
fn open_secret_runs_to(
    bytes: &[u8],
    line: &[u8],
    end: usize,
    eq: Option<usize>,
    r: std::ops::Range<usize>,
    save_path: bool,
) -> Option<usize> {
    let content = line.len() - line.iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
    if r.end < content || end >= bytes.len() {
        return None;
    }
    let odd = |q: u8, from: usize| memchr::memchr_iter(q, &line[from.min(line.len())..]).count() % 2 == 1;
    let mut until = None;
    for q in [b'"', b'\''] {
        if [0, eq.map_or(0, |e| e + 1), r.start.saturating_sub(1)].into_iter().any(|from| odd(q, from)) {
            let rest = &bytes[end..];
            let stop = if save_path { memchr::memchr2(q, b'&', rest) } else { memchr::memchr(q, rest) };
            let to = stop.map_or(bytes.len(), |p| end + p);
            until = Some(until.map_or(to, |u: usize| u.max(to)));
        }
    }
    until.filter(|&u| u > end)
}

/// Where a value quoted open on `line` (which ends at `end` in `bytes`; `eq` its `=`)
/// runs on to, one end per kind of quote (`"`, `'`) left open by the line's reading from its
/// start or from its `=`: the next quote of that kind (or the end of the file). Work: one
/// count of the line's quotes; a search forward only where one is open, which stops at the
/// next line holding that quote (so all lines' searches together cross the file once a kind).
fn open_value_runs_to<'a>(
    bytes: &'a [u8],
    line: &'a [u8],
    end: usize,
    eq: Option<usize>,
) -> impl Iterator<Item = usize> + 'a {
    let odd = move |q: u8, from: usize| memchr::memchr_iter(q, &line[from.min(line.len())..]).count() % 2 == 1;
    let rest = &bytes[end.min(bytes.len())..];
    [b'"', b'\'']
        .into_iter()
        .filter(move |&q| odd(q, 0) || odd(q, eq.map_or(0, |e| e + 1)))
        .map(move |q| memchr::memchr(q, rest).map_or(bytes.len(), |p| end + p))
        .filter(move |&u| u > end)
}

/// The secrets of a statement (`node`) whose value ends at `value_end` when a
/// line break stands inside it: the key's verdict is the one its first line gets from the
/// line scan, and it covers the value to its end; a save path is scanned whole.
fn multi_line_value(bytes: &[u8], node: &crate::syntax::ini::Node, value_end: usize, out: &mut Vec<Span>) {
    let start = node.span.start;
    let text = &bytes[start..value_end];
    // A trailing line end is the statement's, not the value's.
    let inner = text.len() - text.iter().rev().take_while(|&&b| b == b'\n' || b == b'\r').count();
    let Some(first_end) = memchr::memchr2(b'\n', b'\r', &text[..inner]) else { return };
    let first = &text[..first_end + 1];
    // The parser's `=` when it stands on the first line, else the line's first one.
    let eq = statement_equals(node, bytes)
        .and_then(|p| p.checked_sub(start))
        .filter(|&p| p < first.len())
        .or_else(|| memchr::memchr(b'=', first).map(|e| crate::secrets::ini_key_equals(first, e)));
    if let Some(r) = crate::secrets::ini_line_secret(first, eq) {
        out.push(Span::new(start + r.start, start + inner));
    }
    if let Some(eq) = eq {
        if memchr::memmem::find(first, b"save_path").is_some() {
            for r in crate::secrets::save_path_secret_ranges(&text[eq + 1..inner]) {
                out.push(Span::new(start + eq + 1 + r.start, start + eq + 1 + r.end));
            }
        }
    }
}

/// Secrets of an Apache file: credentials in `php_value session.save_path` values, and the
/// value of a `php_value` whose ini key is password-like.
pub(super) fn in_apache(conf: &crate::syntax::apache_conf::ApacheConf) -> Vec<Span> {
    use crate::syntax::apache_conf::NodeKind;
    let bytes = conf.source();
    let mut out = Vec::new();
    let mut runs = Vec::new();
    for n in &conf.nodes {
        let (name, args) = match &n.kind {
            NodeKind::Directive { name, args } => (name, args),
            NodeKind::Trivia => {
                if let Some(after) = commented_php_directive(conf.text(n.span)) {
                    php_line_secrets(bytes, n.span.start + after, n.span.end, &mut out);
                }
                continue;
            }
            _ => continue,
        };
        let found = out.len();
        // The line's end (after its line break), and where a value quoted open there runs on
        // to: httpd ends the directive at the line break, but its writer's value goes on to
        // the closing quote.
        let end =
            memchr::memchr(b'\n', &bytes[n.span.end.min(bytes.len())..]).map_or(bytes.len(), |p| n.span.end + p + 1);
        let until = open_quote(bytes, args)
            .map(|q| memchr::memchr(q, &bytes[end..]).map_or(bytes.len(), |p| end + p))
            .filter(|&u| u > end);
        let [key, value] = args.as_slice() else {
            // A `php_value` line httpd refuses (one word, three, a name glued to a quote)
            // still holds what its writer meant as a save path or a password.
            if is_php_directive(&name.value) {
                php_line_secrets(bytes, name.span.end, n.span.end, &mut out);
            }
            if let (Some(until), Some(last)) = (until, args.last()) {
                if out[found..].iter().any(|s| s.end >= last.span.end) {
                    runs.push(Span::new(end, until));
                }
            }
            continue;
        };
        let key = String::from_utf8_lossy(&key.value).to_ascii_lowercase();
        if key.contains("save_path") {
            let vstart = value.span.start;
            // Its credentials on the next lines (`&auth=pw"`, `rest@host"`) are read as
            // php.ini's would be.
            let vend = until.unwrap_or(value.span.end);
            for r in crate::secrets::save_path_secret_ranges(&bytes[vstart..vend]) {
                // One span a line: the piece on the directive's line is what the model's
                // value holds, and a message naming it is masked by it.
                let first = vstart + r.start;
                let mut s = first;
                for p in memchr::memchr_iter(b'\n', &bytes[first..vstart + r.end]) {
                    out.push(Span::new(s, first + p));
                    s = first + p + 1;
                }
                out.push(Span::new(s, vstart + r.end));
            }
        } else if crate::secrets::ini_key_is_secret(&key) && !value.value.is_empty() {
            out.push(value.span);
            if let Some(until) = until {
                runs.push(Span::new(end, until));
            }
        }
    }
    out.extend(runs);
    out
}

/// The quote the last word of a directive (`args`) leaves open at its line's end, as httpd
/// reads it (`ap_getword_conf`: a word opened by a quote runs to the same quote not escaped
/// by `\\`): `"pw\" rest"` closes, `"pw` and `"pw\"` do not, and a quote inside an unquoted
/// word (`auth=a"b`) opens nothing.
fn open_quote(src: &[u8], args: &[crate::syntax::apache_conf::Word]) -> Option<u8> {
    let w = args.last()?;
    let q = *src.get(w.span.start).filter(|b| matches!(b, b'"' | b'\''))?;
    let end = w.span.end.min(src.len());
    let mut i = w.span.start + 1;
    while i < end {
        if src[i] == q {
            return None;
        }
        i += if src[i] == b'\\' && i + 1 < end && (src[i + 1] == q || src[i + 1] == b'\\') { 2 } else { 1 };
    }
    Some(q)
}

/// Whether `name` is one of mod_php's directives, in any case as httpd matches them.
fn is_php_directive(name: &[u8]) -> bool {
    crate::syntax::apache_conf::PHP_DIRECTIVES.iter().any(|d| d.as_bytes().eq_ignore_ascii_case(name))
}

/// Where the ini key starts after a `php_value` (or flag, admin) commented out with `#`
/// (`# php_value session.save_path tcp://h?auth=pw`): `None` for other comments.
fn commented_php_directive(line: &[u8]) -> Option<usize> {
    let blank = |b: &u8| matches!(b, b' ' | b'\t');
    let lead = line.iter().take_while(|b| blank(b)).count();
    if line.get(lead) != Some(&b'#') {
        return None;
    }
    let at = lead + line[lead..].iter().take_while(|&&b| b == b'#' || blank(&b)).count();
    let len = line[at..].iter().take_while(|b| !b.is_ascii_whitespace()).count();
    is_php_directive(&line[at..at + len]).then_some(at + len)
}

/// The secrets of a `php_value` line httpd does not read as one (refused, commented out),
/// from `from` (after the directive's name) to `end`: its first word is the ini key (quotes
/// stripped; a quote glued to it ends it), the rest its value as its writer meant it: a
/// save path's credentials, or the whole rest when the key names a password.
fn php_line_secrets(bytes: &[u8], from: usize, end: usize, out: &mut Vec<Span>) {
    let end = end.min(bytes.len());
    let text = &bytes[from.min(end)..end];
    let lead = text.iter().take_while(|b| b.is_ascii_whitespace() || **b == b'\\').count();
    let rest = &text[lead..];
    let (key, after) = match rest.first() {
        Some(&q @ (b'"' | b'\'')) => {
            let len = memchr::memchr(q, &rest[1..]).unwrap_or(rest.len() - 1);
            (&rest[1..1 + len], (1 + len + 1).min(rest.len()))
        }
        _ => {
            let len = rest.iter().take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'"' | b'\'')).count();
            (&rest[..len], len)
        }
    };
    let vstart = from + lead + after;
    let value = &bytes[vstart..end];
    let key = String::from_utf8_lossy(key).to_ascii_lowercase();
    if key.contains("save_path") {
        for r in crate::secrets::save_path_secret_ranges(value) {
            out.push(Span::new(vstart + r.start, vstart + r.end));
        }
    } else if crate::secrets::ini_key_is_secret(&key) {
        let lead = value.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let trail = value.iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
        if lead + trail < value.len() {
            out.push(Span::new(vstart + lead, end - trail));
        }
    }
}

/// Secrets of a redis.conf: the arguments of sensitive directives and ACL passwords, and on
/// a line that does not parse or a directive commented out, what follows a sensitive name.
pub(super) fn in_redis(conf: &redis_conf::RedisConf, bytes: &[u8]) -> Vec<Span> {
    let mut out = in_redis_tree(conf, bytes);
    out.extend(as_read(bytes));
    let refused = conf
        .lines()
        .iter()
        .filter(|l| matches!(l.kind, redis_conf::LineKind::Error(_) | redis_conf::LineKind::Misread(_)))
        .map(|l| l.span);
    let runs = open_quote_runs(bytes, refused, &out, true);
    out.extend(runs);
    out
}

/// The lines after each of `lines` (spans of lines a server reads one at a time: a refused
/// redis.conf or ACL line, an Apache directive) whose secret among `spans` runs to the
/// line's end with a quote open at it ([`open_secret_runs_to`]): `requirepass "pw` +
/// `rest"` is refused by redis-server (`sdssplitargs`: unbalanced quotes) and httpd
/// (`rest"` is no command), and what its writer meant as the rest of the password stands
/// on the next lines, to the closing quote. `glue`: the lines are redis.conf's or an ACL
/// file's, where a quote that glues a name to its value (`requirepass"pw`,
/// [`crate::secrets::redis_glue_quote`]) opens nothing: it was taken for an open quote, and
/// consecutive such lines masked the next lines' names (`masterauth` of `masterauth"pw2`, a
/// whole `port 6379` between them) to the next one's quote. Work: the spans hashed by end
/// once, then one quote count per line and a search forward where one is open.
fn open_quote_runs(bytes: &[u8], lines: impl Iterator<Item = Span>, spans: &[Span], glue: bool) -> Vec<Span> {
    let mut out = Vec::new();
    let mut lines = lines.peekable();
    if lines.peek().is_none() || spans.is_empty() {
        return out;
    }
    // The first start of the spans ending at each offset.
    let mut by_end: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for s in spans {
        let start = by_end.entry(s.end).or_insert(s.start);
        *start = (*start).min(s.start);
    }
    for line in lines {
        let end = line.end.min(bytes.len());
        let start = line.start.min(end);
        // The line with its line end (a span may stop before it).
        let end = if end > start && bytes[end - 1] == b'\n' {
            end
        } else {
            memchr::memchr(b'\n', &bytes[end..]).map_or(bytes.len(), |p| end + p + 1)
        };
        let text = &bytes[start..end];
        let content = start + text.len() - text.iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
        let secret = (content..=end).filter_map(|e| by_end.get(&e).map(|&s| (s, e))).find(|&(s, _)| s >= start);
        if let Some((s, e)) = secret {
            // The glue quote blanked: only the quotes after it count.
            let unglued;
            let text = match crate::secrets::redis_glue_quote(text).filter(|_| glue) {
                Some(g) => {
                    unglued = [&text[..g], b" ", &text[g + 1..]].concat();
                    &unglued[..]
                }
                None => text,
            };
            if let Some(until) = open_secret_runs_to(bytes, text, end, None, s - start..e - start, false) {
                out.push(Span::new(end, until));
            }
        }
    }
    out
}

/// [`in_redis`] by the tree's lines alone.
fn in_redis_tree(conf: &redis_conf::RedisConf, bytes: &[u8]) -> Vec<Span> {
    let mut out = Vec::new();
    for line in conf.lines() {
        let content = line.content(bytes);
        let text = content.slice(bytes);
        let lead = text.iter().take_while(|&&b| b == b'#' || b == b' ' || b == b'\t').count();
        let directive = &text[lead..];
        // A first word of printable ASCII holds no glue, and one whose letters name nothing
        // sensitive makes no commented-out directive: most comment lines end here.
        let first = crate::secrets::redis_ordinary_first_word(directive);
        if first.is_none() {
            if let Some(from) = crate::secrets::redis_glued_name_secret(directive) {
                out.push(Span::new(content.start + lead + from, content.end));
            }
        }
        // A line that does not parse may still hold a password: judge it by its name.
        if let redis_conf::LineKind::Error(_) | redis_conf::LineKind::Misread(_) = &line.kind {
            if let Some(from) = crate::secrets::redis_refused_line_secret(content.slice(bytes)) {
                out.push(Span::new(content.start + from, content.end));
            }
            if let Some(from) = crate::secrets::redis_broken_line_acl_like(content.slice(bytes)) {
                out.push(Span::new(content.start + from, content.end));
            }
        }
        // A directive commented out (`# requirepass <the old password>`) is still a password.
        let comment = matches!(&line.kind, redis_conf::LineKind::Comment | redis_conf::LineKind::Misread(_));
        if comment && first != Some(true) {
            let start = content.start + lead;
            if let Some(from) = crate::secrets::redis_comment_line_secret(directive) {
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
        // A name redis-server does not know makes it refuse the line (`; requirepass pw`,
        // `requirepass=pw`, `config set requirepass pw`): what follows a masked name in it is
        // what its writer meant as a password.
        let name = d.name_lowercase();
        if crate::secrets::redis_name_is_refused(&name) {
            if let Some(content) = conf.lines().get(i).map(|l| l.content(bytes)) {
                if let Some(from) = crate::secrets::redis_refused_line_secret(content.slice(bytes)) {
                    out.push(Span::new(content.start + from, content.end));
                }
            }
        }
        let args = d.args();
        let values: Vec<&[u8]> = args.iter().map(|a| a.value.as_slice()).collect();
        // A `user` line redis-server refuses with words after a password (`user u on >a Qz`:
        // a password with a blank, unquoted): those words are that password's rest.
        if let Some(k) = crate::secrets::refused_user_password_from(&name, &values) {
            let from = crate::syntax::redis_acl::acl_rule_secret_from(values[k]).unwrap_or(0);
            out.push(Span::new(args[k].span.start + from, args[args.len() - 1].span.end));
        }
        for (i, r) in crate::secrets::redis_secret_args(&name, &values) {
            let a = &args[i];
            if a.value.is_empty() {
                continue; // `requirepass ""` hides nothing, and `********` would hide that it is empty
            }
            let span =
                if r.start == 0 { a.span } else { Span::new((a.span.start + r.start).min(a.span.end), a.span.end) };
            out.push(span);
        }
    }
    out
}

#[cfg(test)]
thread_local! {
    /// Bytes [`as_read`] has judged as lines, for the test that it grows linearly.
    static JUDGED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Secrets on the lines as redis-server reads a redis.conf or ACL file (redis 7.0.15
/// `loadServerConfig` and `ACLLoadFromFile`: fgets() reads appended with sdscat(), split on
/// `\n` only) where they are not the tree's lines: a NUL drops the rest of its read and
/// joins the next line, a lone `\r` ends no line. On each such line, what follows a
/// sensitive name at any word and every ACL `>password` word, as file spans (a span across
/// a join covers the dropped text too); and the dropped text itself judged as a line, since
/// frames show it. Files with neither a NUL nor a lone `\r` cost two memchr passes.
fn as_read(bytes: &[u8]) -> Vec<Span> {
    let has_nul = memchr::memchr(0, bytes).is_some();
    let lone_cr = |p: usize| bytes.get(p + 1) != Some(&b'\n');
    if !has_nul && !memchr::memchr_iter(b'\r', bytes).any(lone_cr) {
        return Vec::new();
    }
    let view = redis_conf::fgets::FgetsView::of(bytes);
    let joins = view.joins();
    let kept = &view.kept;
    let mut out = Vec::new();
    let mut judge = |line: &[u8], joins: &[usize], to_file: &dyn Fn(Span) -> Span| {
        #[cfg(test)]
        JUDGED.with(|j| j.set(j.get() + line.len()));
        if let Some(from) = crate::secrets::redis_read_line_secret(line, joins) {
            out.push(to_file(Span::new(from, line.len())));
        }
        for r in crate::secrets::acl_rule_secret_words(line) {
            out.push(to_file(Span::new(r.start, r.end)));
        }
    };
    let mut start = 0;
    let mut next_join = 0;
    let ends = memchr::memchr_iter(b'\n', kept).chain((kept.last() != Some(&b'\n')).then_some(kept.len()));
    for end in ends {
        let line = &kept[start..end];
        while next_join < joins.len() && joins[next_join] <= start {
            next_join += 1;
        }
        let first = next_join;
        while next_join < joins.len() && joins[next_join] < end {
            next_join += 1;
        }
        // Only the lines redis-server reads otherwise than the tree: the others are judged
        // by their tree line already.
        let joined = next_join > first;
        let cr = memchr::memchr(b'\r', line).is_some_and(|p| p + 1 < line.len());
        if joined || cr {
            let line_joins: Vec<usize> = joins[first..next_join].iter().map(|j| j - start).collect();
            judge(line, &line_joins, &|s: Span| view.file_span(Span::new(start + s.start, start + s.end)));
        }
        start = end + 1;
    }
    // The text after a NUL, which frames show though redis-server never reads it, judged
    // on the line as written with each NUL taken for a blank: its writer glued a name or a
    // rule to its value with it (`requirepass\0pw`, `user u on \0>pw`). Each written line
    // is judged once, however many NULs it holds.
    let dropped = view.dropped(bytes.len());
    let mut judged_to = 0;
    for gap in &dropped {
        if gap.start < judged_to {
            continue;
        }
        let start = memchr::memrchr(b'\n', &bytes[..gap.start]).map_or(0, |p| p + 1);
        let end = memchr::memchr(b'\n', &bytes[gap.start..]).map_or(bytes.len(), |p| gap.start + p);
        let written: Vec<u8> = bytes[start..end].iter().map(|&b| if b == 0 { b' ' } else { b }).collect();
        judge(&written, &[], &|s: Span| Span::new(start + s.start, start + s.end));
        judged_to = end;
    }
    // A secret that runs up to a NUL (`>pw\0rest`) runs on through the text redis-server
    // drops after it: its writer's bytes, shown in frames.
    let ends: HashSet<usize> = out.iter().map(|s| s.end).collect();
    for gap in &dropped {
        if ends.contains(&gap.start) && gap.end > gap.start + 1 {
            out.push(Span::new(gap.start + 1, gap.end));
        }
    }
    out
}

/// Secrets of an ACL file: its users' passwords, and on a line redis-server refuses, what
/// follows a `>password`-like word.
pub(super) fn in_acl(acl: &AclFile, bytes: &[u8]) -> Vec<Span> {
    let mut out: Vec<Span> = acl.users.iter().flat_map(|u| u.secrets.iter().copied()).collect();
    out.extend(as_read(bytes));
    for e in &acl.errors {
        // The line redis-server refuses (`usr alice on >pw`), whatever its first word.
        let line = e.span.slice(bytes);
        if let Some(from) = crate::secrets::redis_refused_line_secret(line) {
            out.push(Span::new(e.span.start + from, e.span.end));
        }
        for r in crate::secrets::acl_rule_secret_words(line) {
            out.push(Span::new(e.span.start + r.start, e.span.start + r.end));
        }
    }
    let runs = open_quote_runs(bytes, acl.errors.iter().map(|e| e.span), &out, true);
    out.extend(runs);
    out
}

/// Secrets of a PeerVPN configuration (its `psk`, see [`crate::secrets::peervpn_secret_ranges`]).
pub(super) fn in_peervpn(bytes: &[u8]) -> Vec<Span> {
    crate::secrets::peervpn_secret_ranges(bytes).into_iter().map(|r| Span::new(r.start, r.end)).collect()
}

/// Secrets of an stunnel configuration (see [`crate::secrets::stunnel_secret_ranges`]).
pub(super) fn in_stunnel(bytes: &[u8]) -> Vec<Span> {
    crate::secrets::stunnel_secret_ranges(bytes).into_iter().map(|r| Span::new(r.start, r.end)).collect()
}

/// Values of password-like keys in env.php: by the parsed tree, by PHP's tokens (a value the
/// parser could not place, on any line) and by the raw lines so that a line the parser
/// refuses (an unterminated string) is masked too.
pub(super) fn in_env_php(doc: &EnvPhp, bytes: &[u8]) -> Vec<Span> {
    let mut out = crate::secrets::envphp_raw_secrets(bytes);
    out.extend(crate::secrets::envphp_token_secrets(doc.tokens(), bytes));
    let mut stack: Vec<env_php::ArrayId> = doc.root_array().into_iter().collect();
    let mut seen: HashSet<env_php::ArrayId, foldhash::fast::RandomState> = HashSet::default();
    while let Some(a) = stack.pop() {
        if !seen.insert(a) {
            continue;
        }
        for e in &doc.array(a).entries {
            let value = doc.expr(e.value);
            // The verdicts ignore ASCII case: the key is judged as written, without a copy.
            let key = e.key.map_or(&b""[..], |k| doc.text(doc.expr(k).span));
            // The key PHP stores (`"\x70assword"`, a heredoc) as well as its text, each
            // decoded only when its letters may name a secret (most keys' do not).
            let decoded = match doc.key(e) {
                Some(env_php::KeyRef::Str(b)) => {
                    crate::secrets::may_name_a_secret(b)
                        && crate::secrets::envphp_key_is_secret(&String::from_utf8_lossy(b))
                }
                _ => false,
            };
            let written = || {
                crate::secrets::may_name_a_secret(key)
                    && crate::secrets::envphp_key_is_secret(String::from_utf8_lossy(key).trim_matches(['\'', '"']))
            };
            if decoded || written() {
                // A password given as an array is masked whole, every string in it.
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

/// In an env.php PHP refuses, whose tokens pair the quotes no way PHP compiles, a secret
/// quoted open at its line's end runs on to the closing quote ([`open_quote_runs`] over
/// every line); nothing in a file PHP compiles.
pub(super) fn envphp_open_quote_runs(doc: &EnvPhp, bytes: &[u8], spans: &[Span]) -> Vec<Span> {
    if doc.errors.is_empty() {
        return Vec::new();
    }
    let mut start = 0;
    let lines = bytes.split_inclusive(|&b| b == b'\n').map(|line| {
        start += line.len();
        Span::new(start - line.len(), start)
    });
    open_quote_runs(bytes, lines, spans, false)
}

#[cfg(any(test, fuzzing))]
pub(crate) mod reference;

/// The secret passes against the line-by-line scans they replaced (kept in
/// `crate::secrets::line_by_line_reference` and here): the same spans on every fixture,
/// corpus and fuzz-corpus file, and on generated hostile files, each judged twice so that
/// remembered verdicts are compared as well as fresh ones.
#[cfg(test)]
mod same_as_line_by_line {
    #[test]
    fn spelled_names_hold_every_name_a_secret_inside_could_spell() {
        let files: [&[u8]; 3] = [
            b"; previously set variable or directive (e.g. ${foo})\n",
            b"session.save_path = \"tcp://h:6379?auth=${ PW }&x=${a}\"\n${unclosed",
            b"",
        ];
        let names = spelled_names(files).unwrap();
        let mut want: Vec<&[u8]> = vec![b"foo", b"pw", b"a"];
        want.sort();
        let mut got: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
        got.sort();
        assert_eq!(got, want);
        // Every name referenced_names finds in any slice of the files is among them.
        for bytes in files {
            for start in 0..bytes.len() {
                for end in start..=bytes.len() {
                    for n in referenced_names(&bytes[start..end]) {
                        let n = n.trim_ascii().to_ascii_lowercase();
                        assert!(n.is_empty() || names.contains(&n), "{:?}", String::from_utf8_lossy(&n));
                    }
                }
            }
        }
        // A `${` before another's `}`: its name could hold `${`; the secrets are asked.
        assert!(spelled_names([&b"x = ${a ${pw}"[..]]).is_none());
        assert!(spelled_names([&b"${a}${b}"[..]]).unwrap().len() == 2);
    }

    use super::reference::{plain_in_env_php, plain_in_ini, plain_in_redis};
    use super::*;

    /// Files of the pieces that matter to the passes, from a fixed-seed generator: quotes
    /// left open, NUL, NBSP / `\v` / `\f` glued names, `requirepass` in any case and
    /// misspelt, `${pw}` references, multi-line quoted ini values, ACL rules.
    fn generated_files() -> Vec<Vec<u8>> {
        let pieces: [&[u8]; 68] = [
            b"\n",
            b"\r\n",
            b"\r",
            b" ",
            b"\t",
            b"=",
            b" = ",
            b"\"",
            b"'",
            b"\\",
            b";",
            b"# ",
            b"\0",
            "\u{a0}".as_bytes(),
            b"\x0b",
            b"\x0c",
            b"\xc3",
            b"password",
            b"PassWord",
            b"pasword",
            b"mysqli.default_pw",
            b"env[DB_PW]",
            b"php_admin_value[ldap.password]",
            b"session.save_path",
            b"session.save_path = \"tcp://h:6379?auth=",
            b"tcp://u:pw@h",
            b"${pw}",
            b"pw",
            b"requirepass",
            b"REQUIREPASS",
            b"RequirePass",
            b"requirepas",
            b"masterauth",
            b"user",
            b"user alice on >pw #ab <x",
            b"sentinel auth-pass m ",
            b"sentinel sentinel-pass ",
            b"'password' => [",
            b"api_key",
            b"x",
            b"By default",
            b"[",
            b"]",
            b"include",
            b"<?php return [",
            b"\"\\x70assword\" => ",
            b"'db' => ['password' => '",
            b"=>",
            b" => ",
            b"@",
            b"?auth=",
            b"'host' => 'tcp://u:",
            b"env[\"REDIS=1_PASSWORD\"]",
            b"myapp['db=main;x]_password'] ",
            b"\n= ",
            b"env[${X=Y}_PASSWORD]",
            b"users bob on >",
            b"usr ",
            b"xyz \">",
            b"acl-user bob #",
            b"mymod.password ",
            b"ldap.search_bind_passwd ",
            b"mymod.auth-token ",
            // URL and DSN credentials under any key.
            b"pdo.dsn = \"mysql:host=h;Pwd=",
            b"%70ass=",
            b"auto=",
            b"&auht=",
            b"env[DATABASE_URL] = mysql://u:",
        ];
        crate::test_input::joined_pieces(0x5ec7e75, 6_000, (4, 60), &pieces)
    }

    fn inputs() -> Vec<Vec<u8>> {
        let mut files: Vec<Vec<u8>> = crate::test_input::fixture_files().into_iter().map(|(_, b)| b).collect();
        assert!(files.len() > 500, "only {} fixture and fuzz-corpus files", files.len());
        files.extend(generated_files());
        files
    }

    fn sorted(mut v: Vec<Span>) -> Vec<Span> {
        v.sort_by_key(|s| (s.start, s.end));
        // A span found twice masks the same bytes as once.
        v.dedup();
        v
    }

    #[test]
    fn ini_secrets_are_those_of_the_line_scan() {
        let mut nonempty = 0;
        for bytes in inputs() {
            let want = sorted(plain_in_ini(&bytes));
            nonempty += usize::from(!want.is_empty());
            let doc = crate::syntax::ini::parse(&bytes);
            for _ in 0..2 {
                assert_eq!(sorted(in_ini(&doc, &bytes)), want, "{:?}", String::from_utf8_lossy(&bytes));
            }
        }
        assert!(nonempty > 1000, "only {nonempty} inputs with a secret: the comparison proves little");
    }

    /// The text `as_read` judges grows with the file, not its square: a run of lines that
    /// start with a NUL (redis-server keeps nothing of them) once made each dropped read
    /// run to the file's end.
    #[test]
    fn the_lines_as_read_are_judged_in_linear_work() {
        let judged = |bytes: &[u8]| {
            JUDGED.with(|j| j.set(0));
            as_read(bytes);
            JUDGED.with(|j| j.get())
        };
        let units: [&[u8]; 6] = [b"\0\n", b"\0\0\n", b"\0x\n", b"x\0\n", b"a\rb ", b"requirepass\0\n"];
        for unit in units {
            let (small, big) = (judged(&unit.repeat(4000)), judged(&unit.repeat(8000)));
            assert!(small > 0, "{unit:?}: nothing judged");
            // Twice the input: at most twice the text, far from the four times of a square.
            assert!(big <= 2 * small + 64, "{unit:?}: {small} bytes judged for 4000, {big} for 8000");
            assert!(big <= 2 * 8000 * unit.len(), "{unit:?}: {big} bytes judged of {}", 8000 * unit.len());
        }
        // What is judged is still found: a password after a NUL-first run.
        let mut bytes = b"\0\n".repeat(3000);
        bytes.extend_from_slice(b"\0requirepass LeakN1\n");
        let spans = as_read(&bytes);
        assert!(spans.iter().any(|s| s.slice(&bytes).starts_with(b"LeakN1")), "{spans:?}");
    }

    /// The upstream redis.conf and valkey.conf as shipped: only the lines of the directives
    /// whose values redis-server hides (commented out) are masked, no line of prose
    /// (`# Valkey configuration file example.`, `# ... the key ...` named nothing secret).
    #[test]
    fn upstream_redis_conf_prose_is_not_masked() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
        let secret = [
            "requirepass",
            "masterauth",
            "primaryauth",
            "masteruser",
            "primaryuser",
            "user",
            "sentinel",
            "rename-command",
        ];
        let mut wrong = Vec::new();
        for file in ["upstream-valkey/valkey.conf", "debian12-etc/redis/redis.conf"] {
            let bytes = std::fs::read(root.join(file)).expect("corpus file");
            let conf = redis_conf::parse_shared(bytes.clone().into());
            for span in in_redis(&conf, &bytes) {
                let start = memchr::memrchr(b'\n', &bytes[..span.start]).map_or(0, |p| p + 1);
                let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |p| start + p);
                let line = String::from_utf8_lossy(&bytes[start..end]);
                let first = line.trim_start_matches(['#', ' ', '\t']).split_whitespace().next().unwrap_or("");
                let first = first.to_ascii_lowercase();
                if !(secret.contains(&first.as_str()) || first.ends_with("-pass")) {
                    wrong.push(format!("{file}: {line:?} {:?}", String::from_utf8_lossy(span.slice(&bytes))));
                }
            }
        }
        assert!(wrong.is_empty(), "masked for no reason:\n{}", wrong.join("\n"));
        // A name that merely ends in `key` holds no secret; `key` as a word of its own does.
        let bytes =
            b"# Valkey configuration file key notes\n# monkey x\nhotkey v\napi-key LeakK1\n# auth_token LeakK2\n";
        let conf = redis_conf::parse_shared(bytes.to_vec().into());
        let mut masked: Vec<&[u8]> = sorted(in_redis(&conf, bytes)).iter().map(|s| s.slice(bytes)).collect();
        masked.dedup();
        assert_eq!(masked, [&b"LeakK1"[..], b"LeakK2"], "{masked:?}");
    }

    /// A name compounding `key` with a credential's kind (`apikey`, `accesskey`) holds one,
    /// on a line redis-server refuses and in a comment, as `api-key` does; `key` glued to
    /// anything else (`monkey`, `hotkey`, `turnkey`) does not, nor a key file's path (the
    /// known `tls-key-file`, an unknown `keyfile`). In php.ini and env.php the same: `env[MONKEY]`,
    /// Magento's `preload_keys` show their values, `env[APIKEY]`, `env[API_KEY]` do not.
    #[test]
    fn key_compounds_hold_a_secret_only_for_a_credential_kind() {
        let bytes = b"apikey LeakC1\n# accesskey LeakC2\nprivatekey LeakC3\n# masterkey LeakC4\n\
signingkey LeakC5\nclientkey LeakC6\nencryptionkey LeakC7\nsharedkey LeakC8\nlicensekey LeakC9\n\
s3accesskeys LeakC10\napitoken LeakC11\n# bearertoken LeakC12\nmonkey banana\nhotkey hot\n# turnkey solution\n\
hockey puck\nkeyspace ks\nkeyfile /etc/redis/k.pem\ntls-key-file /etc/redis/tls.key\nkeys k\n";
        let conf = redis_conf::parse_shared(bytes.to_vec().into());
        let mut masked: Vec<String> = sorted(in_redis(&conf, bytes))
            .iter()
            .map(|s| String::from_utf8_lossy(s.slice(bytes)).into_owned())
            .collect();
        masked.dedup();
        let want: Vec<String> = (1..=12).map(|i| format!("LeakC{i}")).collect();
        assert_eq!(masked, want);
        assert_eq!(sorted(in_redis_tree(&conf, bytes)), sorted(plain_in_redis(&conf, bytes)));

        let ini = b"env[MONKEY] = banana\nenv[APIKEY] = LeakI1\nenv[API_KEY] = LeakI2\nxdebug.idekey = PHPSTORM\n\
env[KEYS] = a,b\nenv[SIGNING_KEY] = LeakI3\nhighlight.keyword = #007700\n";
        let doc = crate::syntax::ini::parse(ini);
        let mut masked: Vec<&[u8]> = sorted(in_ini(&doc, ini)).iter().map(|s| s.slice(ini)).collect();
        masked.dedup();
        assert_eq!(masked, [&b"LeakI1"[..], b"LeakI2", b"LeakI3"]);
        assert_eq!(sorted(in_ini(&doc, ini)), sorted(plain_in_ini(ini)));

        let php = b"<?php return ['crypt' => ['key' => 'LeakE1'], 'x' => ['preload_keys' => ['a:b'], \
'monkey' => 'banana', 'apiKey' => 'LeakE2']];";
        let doc = env_php::parse(php);
        let mut masked: Vec<&[u8]> = sorted(in_env_php(&doc, php)).iter().map(|s| s.slice(php)).collect();
        masked.dedup();
        assert_eq!(masked, [&b"'LeakE1'"[..], b"'LeakE2'"]);
        assert_eq!(sorted(in_env_php(&doc, php)), sorted(plain_in_env_php(&doc, php)));
    }

    #[test]
    fn redis_secrets_are_those_of_the_line_scan() {
        let mut nonempty = 0;
        for bytes in inputs() {
            let conf = redis_conf::parse_shared(bytes.clone().into());
            let want = sorted(plain_in_redis(&conf, &bytes));
            nonempty += usize::from(!want.is_empty());
            for _ in 0..2 {
                assert_eq!(sorted(in_redis_tree(&conf, &bytes)), want, "{:?}", String::from_utf8_lossy(&bytes));
            }
        }
        assert!(nonempty > 1000, "only {nonempty} inputs with a secret: the comparison proves little");
    }

    /// Comment lines whose first word `redis_ordinary_first_word` judges in one pass: every
    /// directive redis-server would take once the `#` is gone (any case, a typo, an alias,
    /// glued by `\v` or a no-break space, ended by a lone `\r`, `user` and `sentinel`) keeps
    /// its password masked, as the line-by-line scan masks it; prose is passed over there.
    #[test]
    fn commented_out_directives_keep_their_secrets_whatever_their_first_word() {
        let lines: [&[u8]; 24] = [
            b"# requirepass Pw1",
            b"#requirepass Pw1",
            b"##\t REQUIREPASS Pw1",
            b"# RequirePass \"Pw1",
            b"# requirepas Pw1",
            b"# masterauth Pw1",
            b"#masterath Pw1",
            b"# primaryauth Pw1",
            b"# PrimaryAuth 'Pw1",
            b"# tls-key-file-pass Pw1",
            b"# tls-client-key-file-pass Pw1",
            b"# user alice on >Pw1 ~*",
            b"#USER alice on >Pw1",
            b"# sentinel auth-pass mymaster Pw1",
            b"# Sentinel sentinel-pass Pw1",
            b"# requirepass\x0bPw1",
            b"# requirepass\x0cPw1",
            "# requirepass\u{a0}Pw1".as_bytes(),
            b"# requirepass\rPw1",
            b"#requirepass\tPw1",
            b"# mypassword Pw1",
            b"# api_key Pw1",
            b"# auth-token Pw1",
            b"# db_pwd Pw1",
        ];
        for line in lines {
            let bytes = [&b"port 6379\n"[..], line, b"\n"].concat();
            let conf = redis_conf::parse_shared(bytes.clone().into());
            let got = sorted(in_redis_tree(&conf, &bytes));
            assert_eq!(got, sorted(plain_in_redis(&conf, &bytes)), "{:?}", String::from_utf8_lossy(line));
            let pw = bytes.windows(3).position(|w| w == b"Pw1").unwrap_or(0);
            let on = covered(&got, pw..pw + 3);
            assert!(on.iter().all(|&b| b), "{:?}: {got:?}", String::from_utf8_lossy(line));
        }
        // Prose is judged by its first word's letters alone.
        for line in [&b"By default Redis does not run as a daemon."[..], b"Note: this is", b"", b"1) the port"] {
            let first = crate::secrets::redis_ordinary_first_word(line);
            assert_eq!(first, Some(true), "{:?}", String::from_utf8_lossy(line));
        }
        // And generated comment lines of those pieces agree with the line-by-line scan.
        let pieces: [&[u8]; 30] = [
            b"\n#",
            b"\n# ",
            b"#",
            b" ",
            b"\t",
            b"\x0b",
            b"\x0c",
            b"\r",
            "\u{a0}".as_bytes(),
            b"\xc3",
            b"\0",
            b"\"",
            b"requirepass",
            b"REQUIREPASS",
            b"requirepas",
            b"masterauth",
            b"masterath",
            b"primaryauth",
            b"tls-key-file-pass",
            b"user",
            b"USER ",
            b"sentinel",
            b"auth-pass",
            b">pw",
            b"pw",
            b"mypassword",
            b"x",
            b"-",
            b"By",
            b"default",
        ];
        let mut nonempty = 0;
        for bytes in crate::test_input::joined_pieces(0xc0de, 4_000, (4, 40), &pieces) {
            let conf = redis_conf::parse_shared(bytes.clone().into());
            let want = sorted(plain_in_redis(&conf, &bytes));
            nonempty += usize::from(!want.is_empty());
            assert_eq!(sorted(in_redis_tree(&conf, &bytes)), want, "{:?}", String::from_utf8_lossy(&bytes));
        }
        assert!(nonempty > 1000, "only {nonempty} generated files with a secret");
    }

    #[test]
    fn envphp_secrets_are_those_of_the_line_scan() {
        let mut nonempty = 0;
        for bytes in inputs() {
            let doc = env_php::parse(&bytes);
            let want = sorted(plain_in_env_php(&doc, &bytes));
            nonempty += usize::from(!want.is_empty());
            assert_eq!(sorted(in_env_php(&doc, &bytes)), want, "{:?}", String::from_utf8_lossy(&bytes));
        }
        assert!(nonempty > 1000, "only {nonempty} inputs with a secret: the comparison proves little");
    }

    /// The bytes of `within` that `spans` cover.
    fn covered(spans: &[Span], within: std::ops::Range<usize>) -> Vec<bool> {
        let mut on = vec![false; within.len()];
        for s in spans {
            for b in s.start.max(within.start)..s.end.min(within.end) {
                on[b - within.start] = true;
            }
        }
        on
    }

    /// A frame's lines masked from the secrets located around them alone cover what the
    /// whole file's secrets cover there: every window of one to four lines of a small file
    /// (about forty spread over a large one), on every input, in php.ini mode.
    #[test]
    fn ini_secrets_within_lines_are_the_whole_files_there() {
        let (mut windows, mut masked, mut refused) = (0usize, 0usize, 0usize);
        // Values quoted across more lines than a window holds, their keys above it.
        let mut files = inputs();
        files.push(b"a = 1\ndb.password = \"one\ntwo\nthree\nfour\nfive\nsix\"\nb = 2\n".to_vec());
        files.push(b"x = 1\nsession.save_path = \"tcp://h:6379?\n\n\n\n\n&auth=pw&x=1\"\n\ny = 2\n".to_vec());
        files.push(b"pw = \"a\n\n\n\n\nb\"\nsession.save_path = \"tcp://h?auth=${pw}\"\n".to_vec());
        // Files PHP refuses: a secret quoted open below a stray quote, its rest lines below,
        // the last quote above a window near and (past the look-back) far.
        let open = "session.save_path = \"tcp://h?auth=ONE\n\n\n\n\nTWO&timeout=1\"\nx_pw = 'a\n\n\n\nb'\n";
        for pad in [0, 3, 70_000 / 17] {
            files.push(format!("x = a\"b\n{}{open}auth=\"p\nq\n", "; padding line 17\n".repeat(pad)).into_bytes());
        }
        for bytes in files {
            let doc = crate::syntax::ini::parse(&bytes);
            let whole = in_ini(&doc, &bytes);
            let mut starts: Vec<usize> = vec![0];
            starts.extend(memchr::memchr2_iter(b'\n', b'\r', &bytes).map(|p| p + 1));
            if starts.last() != Some(&bytes.len()) {
                starts.push(bytes.len());
            }
            let step = (starts.len() / 40).max(1);
            for i in (0..starts.len()).step_by(step) {
                for j in i + 1..(i + 5).min(starts.len()) {
                    let within = starts[i]..starts[j];
                    let Some(near) = in_ini_within(&doc, &bytes, within.clone()) else {
                        assert!(!doc.errors.is_empty(), "None for a php.ini PHP reads: {within:?}");
                        refused += 1;
                        continue;
                    };
                    let want = covered(&whole, within.clone());
                    windows += 1;
                    masked += usize::from(want.contains(&true));
                    assert_eq!(
                        covered(&near, within.clone()),
                        want,
                        "{within:?} of {:?}",
                        String::from_utf8_lossy(&bytes)
                    );
                }
            }
        }
        eprintln!("{windows} windows compared, {masked} with a secret; {refused} of files PHP refuses left whole");
        assert!(masked > 1000, "{masked} of {windows} windows hold a secret: the comparison proves little");
    }

    #[test]
    fn pool_files_are_never_scanned_by_window() {
        let bytes = b"[w]\nenv[DB_PASSWORD] = \"a\nb\"\n";
        let doc = crate::syntax::ini::parse_shared(bytes.to_vec().into(), ScanMode::PerLine);
        assert_eq!(in_ini_within(&doc, bytes, 0..4), None);
    }

    /// A php.ini PHP refuses: a password quoted open below a stray quote (the tree pairs
    /// that quote with the password's) runs to the closing quote on the next line, and
    /// what follows a save path credential's `&` stays readable.
    #[test]
    fn a_refused_php_ini_masks_an_open_quote_on_the_next_line() {
        let bytes = b"x = a\"b\nsession.save_path = \"tcp://h?auth=ONE\nTWO&timeout=1\"\nmysqli.default_pw = 'p\nQQ'\n";
        let doc = crate::syntax::ini::parse(bytes);
        assert!(!doc.errors.is_empty());
        let spans = in_ini(&doc, bytes);
        let masked = covered(&spans, 0..bytes.len());
        for word in [&b"ONE"[..], b"TWO", b"QQ"] {
            let at = memchr::memmem::find(bytes, word).expect("in the input");
            assert!(
                masked[at..at + word.len()].iter().all(|&m| m),
                "{:?} unmasked: {spans:?}",
                String::from_utf8_lossy(word)
            );
        }
        let at = memchr::memmem::find(bytes, b"timeout").expect("in the input");
        assert!(!masked[at], "what follows the credential's & stays readable");
    }

    /// What the `secrets` fuzz target asks of each input (every pass, php.ini and pool
    /// modes), on the inputs here.
    #[test]
    fn the_fuzz_check_agrees_on_every_input() {
        for bytes in inputs() {
            assert_eq!(super::reference::disagreement(&bytes), None, "{:?}", String::from_utf8_lossy(&bytes));
        }
    }

    /// More distinct names than a thread remembers: the verdicts stay right after it forgets.
    #[test]
    fn forgetting_verdicts_changes_none() {
        let mut lines: Vec<Vec<u8>> = (0..10_000).map(|i| format!("# word{i} x y\n").into_bytes()).collect();
        lines.extend((0..10_000).map(|i| format!("; key{i}pass = v{i}\n").into_bytes()));
        lines.extend(
            (0..3).flat_map(|_| [b"# requirepass foobared\n".to_vec(), b"; mysqli.default_pw = pw\n".to_vec()]),
        );
        for _ in 0..2 {
            for line in &lines {
                let conf = redis_conf::parse_shared(line.clone().into());
                assert_eq!(sorted(in_redis_tree(&conf, line)), sorted(plain_in_redis(&conf, line)));
                assert_eq!(sorted(in_ini(&crate::syntax::ini::parse(line), line)), sorted(plain_in_ini(line)));
            }
        }
    }
}
