//! The plain definitions the secret scans replaced (one scan per key start, per secret key,
//! the did-you-mean over the whole table): the tests and the fuzzer compare the fast ones with these.

use std::ops::Range;

use super::{
    envphp_key_before, envphp_key_is_secret, find, percent_decode, unknown_acl_like, unknown_name_holds_a_secret,
};

/// What [`super::name_looks_like_a_password`] decides, by substring and edit distance.
pub fn password(lower: &str) -> bool {
    lower.contains("pass")
        || lower.contains("pwd")
        || lower.contains("secret")
        || (lower.len() <= 12 && crate::suggest::edit_distance(lower, "password") <= 2)
}

/// What [`super::unknown_name_holds_a_secret`] decides (a save path's query keys).
pub fn unknown(lower: &str) -> bool {
    password(lower) || ["auth", "key", "token", "cred"].iter().any(|w| lower.contains(w))
}

/// The words of a name that name a credential by `key`: `key`, or a credential kind's
/// compound with `key` or `keys` (`apikey`, `s3accesskeys`); not `monkey`, `keys`, `keyfile`.
fn key_word(w: &str) -> bool {
    let kinds = [
        "api",
        "access",
        "private",
        "priv",
        "secret",
        "master",
        "signing",
        "sign",
        "client",
        "shared",
        "encryption",
        "enc",
        "crypt",
        "license",
        "auth",
        "hmac",
    ];
    w == "key" || kinds.iter().any(|k| w.ends_with(&format!("{k}key")) || w.ends_with(&format!("{k}keys")))
}

/// What [`super::ini_key_is_secret`]'s and [`super::envphp_key_is_secret`]'s name test
/// decides: `auth`, `token`, `cred`, `pswd` anywhere, `key` as a [`key_word`] only, `psk`
/// as a word, `salt` and `pepper` (and their plurals) as the last word.
pub fn setting(lower: &str) -> bool {
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    password(lower)
        || ["auth", "token", "cred", "pswd"].iter().any(|w| lower.contains(w))
        || words.iter().any(|w| key_word(w) || *w == "psk")
        || words.last().is_some_and(|w| ["salt", "salts", "pepper", "peppers"].contains(w))
}

/// What [`super::redis_name_holds_a_secret`] decides: `token` and `cred` as a word's start,
/// `token` and `pw` as its end, `key` as a [`key_word`].
pub fn redis_unknown(lower: &str) -> bool {
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    password(lower)
        || lower.contains("auth")
        || words.iter().any(|w| {
            key_word(w)
                || ["token", "cred"].iter().any(|p| w.starts_with(p))
                || ["token", "tokens", "pw"].iter().any(|p| w.ends_with(p))
        })
}

/// What [`super::ini_key_is_secret`] decides.
pub fn ini_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let k_end = k.trim_end();
    let (named, bracket) = k_end.strip_suffix(']').map_or((k_end, false), |inner| (inner.trim_end(), true));
    let pw_word = named.strip_suffix("pw").is_some_and(|before| !before.ends_with(|c: char| c.is_ascii_alphanumeric()));
    k.contains("passwd") || pw_word || (bracket && named.ends_with("pw")) || setting(&k)
}

/// [`super::redis_secret_args`]' unknown-name branch with the did-you-mean over the whole table.
pub fn unknown_redis(name: &str, args: &[&[u8]]) -> Vec<(usize, Range<usize>)> {
    use crate::syntax::redis_conf::directives;
    let known = directives::DIRECTIVES.iter().map(|d| d.name).chain(["user", "sentinel", "rename-command"]);
    match crate::suggest::did_you_mean(name, known).as_deref() {
        Some(meant) if meant != name && meant != "sentinel" => {
            let meant_secrets = super::redis_secret_args(meant, args);
            if meant == "user" || !meant_secrets.is_empty() {
                return meant_secrets;
            }
            unknown_acl_like(args)
        }
        _ => unknown_acl_like(args),
    }
}

/// [`super::save_path_secret_ranges`] as a scan to the value's end from every key start
/// (quadratic on long lines: for comparison only).
pub fn save_path_secret_ranges(raw: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    // Query keys: start after `?`, `&`, a quote, a blank, a comma or a line break (phpredis
    // splits a save path into hosts at blanks, commas and line breaks).
    let mut i = 0;
    while i < raw.len() {
        let at_key =
            i == 0 || matches!(raw[i - 1], b'?' | b'&' | b'"' | b'\'' | b' ' | b'\t' | b',' | b'=' | b'\n' | b'\r');
        if at_key {
            let key_end = raw[i..].iter().position(|&b| matches!(b, b'=' | b'&' | b'?' | b'\n' | b'\r' | b'"' | b' '));
            // Blanks may stand before the `=` (libpq's `password = pw`).
            let equals = |k: usize| {
                let e = k + raw[k..].iter().take_while(|&&b| b == b' ').count();
                (raw.get(e) == Some(&b'=')).then_some((k, e))
            };
            if let Some((k, e)) = key_end.map(|k| i + k).and_then(equals) {
                let key = percent_decode(&raw[i..k]);
                // Also the names people mistake for `auth` in a query (phpredis ignores them; SL104).
                let key = key.to_ascii_lowercase();
                let lower = String::from_utf8_lossy(&key);
                // One typo from `auth`, a swap of two letters included (`auht`).
                let auth_like = super::in_query(raw, i) && key.len() <= 6 && strsim::osa_distance(&lower, "auth") <= 1;
                if auth_like || key.starts_with(b"auth[") || unknown_name_holds_a_secret(&lower) {
                    let vs = e + 1 + raw[e + 1..].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
                    // `auth=&ZQ`: an empty value, then a part with no `=` of its own is the password.
                    if raw.get(vs) == Some(&b'&') {
                        let ve = value_end(raw, vs + 1);
                        if ve > vs + 1 && !raw[vs + 1..ve].contains(&b'=') {
                            out.push(vs + 1..ve);
                            i = ve;
                            continue;
                        }
                    }
                    let ve = value_end(raw, vs);
                    if ve > vs {
                        out.push(vs..ve);
                    }
                    i = ve.max(vs);
                    continue;
                }
            }
            // A query key that names a credential with a blank, tab, comma, `:`, `+` or `%3D`
            // where its `=` belongs (`auth ZQ`): the word after it is the password.
            if super::in_query(raw, i) {
                let name_end = (i..raw.len())
                    .find(|&n| match raw[n] {
                        b'%' => super::is_encoded_equals(&raw[n..]),
                        b => matches!(
                            b,
                            b' ' | b'\t' | b',' | b':' | b'+' | b'=' | b'&' | b'?' | b'\n' | b'\r' | b'"' | b'\''
                        ),
                    })
                    .unwrap_or(raw.len());
                let sep = match raw.get(name_end) {
                    _ if name_end == i || name_end - i > 40 => 0,
                    Some(b' ' | b'\t') => raw[name_end..].iter().take_while(|&&b| b == b' ' || b == b'\t').count(),
                    Some(b',' | b':' | b'+') => 1,
                    Some(b'%') => 3,
                    _ => 0,
                };
                if sep > 0 && names_a_secret(raw, i, name_end) {
                    let after = name_end + sep;
                    let vs = after + raw[after..].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
                    let ve = value_end(raw, vs);
                    if ve > vs {
                        out.push(vs..ve);
                    }
                    i = ve.max(vs);
                    continue;
                }
            }
        }
        // A URL without a scheme (`//user:pw@host`).
        if at_key && raw[i..].starts_with(b"//") {
            if let Some(r) = super::userinfo_password(raw, i + 2) {
                out.push(r);
            }
            i += 2;
            continue;
        }
        // User-info without a scheme, as a value starts (`'host' => 'user:pw@h'`, which
        // Credis hands to PHP's URL parser): the `:` before `@` in one word; no `mailto:`.
        if at_key && !raw[i..].starts_with(b"://") {
            let stop = raw[i..]
                .iter()
                .position(|&b| matches!(b, b'/' | b'?' | b'"' | b'\'' | b' ' | b'\t' | b',' | b'\n' | b'\r'))
                .map_or(raw.len(), |p| i + p);
            let word = &raw[i..stop];
            if let (Some(colon), Some(at)) =
                (word.iter().position(|&b| b == b':'), word.iter().rposition(|&b| b == b'@'))
            {
                if colon + 1 < at && !word[..colon].contains(&b'=') && !super::is_address_scheme(&word[..colon]) {
                    out.push(i + colon + 1..i + at);
                    i = stop;
                    continue;
                }
            }
        }
        // User-info: `scheme://user:password@host`.
        if raw[i..].starts_with(b"://") {
            if let Some(r) = super::userinfo_password(raw, i + 3) {
                out.push(r);
            }
            i += 3;
            continue;
        }
        i += 1;
    }
    out
}

/// Whether the query key `raw[i..k]` names a credential (percent-decoded, any case): one
/// typo from `auth`, `auth[...]`, or [`unknown_name_holds_a_secret`].
fn names_a_secret(raw: &[u8], i: usize, k: usize) -> bool {
    let key = percent_decode(&raw[i..k]).to_ascii_lowercase();
    let lower = String::from_utf8_lossy(&key);
    let auth_like = super::in_query(raw, i) && key.len() <= 6 && strsim::osa_distance(&lower, "auth") <= 1;
    auth_like || key.starts_with(b"auth[") || unknown_name_holds_a_secret(&lower)
}

/// Where a value starting at `vs` ends: at the next `&`, or before the closing quote and the
/// blanks and line ends before the end of `raw` (not the secret).
fn value_end(raw: &[u8], vs: usize) -> usize {
    let end = raw.len();
    let mut ve = raw[vs..end].iter().position(|&b| b == b'&').map_or(end, |p| vs + p);
    if ve == end {
        while ve > vs && matches!(raw[ve - 1], b' ' | b'\t' | b'\n' | b'\r') {
            ve -= 1;
        }
        if ve > vs && matches!(raw[ve - 1], b'"' | b'\'') {
            ve -= 1;
        }
    }
    ve
}

/// [`super::envphp_line_secrets`] as one scan per secret key (quadratic: for comparison only).
pub fn envphp_line_secrets(line: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = find(&line[from..], b"=>").map(|p| from + p) {
        from = p + 2;
        if !envphp_key_is_secret(&envphp_key_before(&line[..p])) {
            continue;
        }
        let mut start = p + 2;
        while start < line.len() && line[start].is_ascii_whitespace() {
            start += 1;
        }
        let (mut depth, mut quote, mut end) = (0usize, None::<u8>, start);
        while end < line.len() {
            let b = line[end];
            match quote {
                Some(_) if b == b'\\' => end += 1,
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None => match b {
                    b'\'' | b'"' => quote = Some(b),
                    b'[' | b'(' => depth += 1,
                    b']' | b')' if depth == 0 => break,
                    b']' | b')' => depth -= 1,
                    b',' | b';' if depth == 0 => break,
                    b'\n' | b'\r' => break,
                    _ => {}
                },
            }
            end += 1;
        }
        let mut e = end.min(line.len());
        while e > start && line[e - 1].is_ascii_whitespace() {
            e -= 1;
        }
        if e > start {
            out.push(start..e);
        }
    }
    out
}

/// Where a fast scan and its plain definition disagree on `bytes` (the whole input and each
/// of its lines; each word as a key name), described for the fuzzer's report; `None` if nowhere.
pub fn disagreement(bytes: &[u8]) -> Option<String> {
    use crate::syntax::redis_conf::directives;
    let pieces = std::iter::once(bytes).chain(bytes.split(|&b| b == b'\n'));
    for piece in pieces {
        let (fast, plain) = (super::save_path_secret_ranges(piece), save_path_secret_ranges(piece));
        if fast != plain {
            return Some(format!("save_path_secret_ranges {fast:?} != plain {plain:?}"));
        }
        let (fast, plain) = (super::envphp_line_secrets(piece), envphp_line_secrets(piece));
        if fast != plain {
            return Some(format!("envphp_line_secrets {fast:?} != plain {plain:?}"));
        }
    }
    let text = String::from_utf8_lossy(bytes);
    let args: [&[u8]; 3] = [b">pw", b"x", b"#h"];
    for w in text.split(|c: char| c.is_whitespace() || "=;#'\"".contains(c)).take(64) {
        let lower = w.to_ascii_lowercase();
        let agree = super::name_looks_like_a_password(&lower) == password(&lower)
            && super::unknown_name_holds_a_secret(&lower) == unknown(&lower)
            && super::ini_key_is_secret(w) == ini_key(w)
            && super::envphp_key_is_secret(w) == setting(&w.trim().to_ascii_lowercase())
            && super::redis_name_holds_a_secret(&lower) == redis_unknown(&lower);
        if !agree {
            return Some(format!("the name tests disagree with the plain ones on {w:?}"));
        }
        if matches!(directives::lookup(&lower), directives::Lookup::Unknown)
            && !redis_unknown(&lower)
            && super::redis_secret_args(&lower, &args) != unknown_redis(&lower, &args)
        {
            return Some(format!("redis_secret_args disagrees with the plain one on {w:?}"));
        }
        if matches!(directives::lookup(&lower), directives::Lookup::ModuleConfig) {
            let setting = lower.split_once('.').map_or(&*lower, |(_, s)| s);
            let plain = if redis_unknown(setting) {
                args.iter().enumerate().map(|(i, a)| (i, 0..a.len())).collect()
            } else {
                unknown_acl_like(&args)
            };
            if super::redis_secret_args(&lower, &args) != plain {
                return Some(format!("redis_secret_args disagrees with the plain one on module config {w:?}"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    /// What the `secrets` fuzz target once found stays fixed (`fixtures/fuzz-regressions/secrets/`).
    #[test]
    fn the_inputs_that_once_disagreed_agree() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz-regressions/secrets");
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            assert_eq!(super::disagreement(&bytes), None, "{}", entry.path().display());
        }
    }

    #[test]
    fn a_line_of_secrets_agrees() {
        let line = b"session.save_path = \"tcp://h:6379?auth=pw&x=1\" 'password' => 'p', 'key' => \"k\"\nrequirepas x";
        assert_eq!(super::disagreement(line), None);
    }
}
