//! Names the real program does not know: `session.*`/`redis.session.*` ini names PHP
//! ignores (with the table of those it knows), redis.conf directives redis-server refuses;
//! each with a did-you-mean. SL003 reports them.

use crate::model::UnknownDirective;
use crate::span::Span;
use crate::suggest::did_you_mean;
use crate::syntax::ini::IniDocument;
use crate::syntax::redis_conf::{self, directives};

/// Known `session.*` (PHP 8.2) and `redis.session.*` (phpredis 6.1) directives.
const PHP_SESSION_DIRECTIVES: &[&str] = &[
    "session.auto_start",
    "session.cache_expire",
    "session.cache_limiter",
    "session.cookie_domain",
    "session.cookie_httponly",
    "session.cookie_lifetime",
    "session.cookie_path",
    "session.cookie_samesite",
    "session.cookie_secure",
    "session.gc_divisor",
    "session.gc_maxlifetime",
    "session.gc_probability",
    "session.lazy_write",
    "session.name",
    "session.referer_check",
    "session.save_handler",
    "session.save_path",
    "session.serialize_handler",
    "session.sid_bits_per_character",
    "session.sid_length",
    "session.trans_sid_hosts",
    "session.trans_sid_tags",
    "session.upload_progress.cleanup",
    "session.upload_progress.enabled",
    "session.upload_progress.freq",
    "session.upload_progress.min_freq",
    "session.upload_progress.name",
    "session.upload_progress.prefix",
    "session.use_cookies",
    "session.use_only_cookies",
    "session.use_strict_mode",
    "session.use_trans_sid",
    "redis.session.locking_enabled",
    "redis.session.lock_expire",
    "redis.session.lock_wait_time",
    "redis.session.lock_retries",
    "redis.session.early_refresh",
    "redis.session.compression",
    "redis.session.compression_level",
];

/// Longest directive name quoted in a message (characters); a longer one is cut with `…`.
const SHOWN_NAME: usize = 80;

fn short_name(name: &str) -> String {
    if name.chars().count() > SHOWN_NAME {
        format!("{}…", name.chars().take(SHOWN_NAME).collect::<String>())
    } else {
        name.to_owned()
    }
}

/// `session.*` and `redis.session.*` names PHP and phpredis do not know (PHP ignores them).
pub(super) fn in_ini(doc: &IniDocument) -> Vec<UnknownDirective> {
    let mut out = Vec::new();
    for (_, e) in doc.entries() {
        let key = doc.text(e.key);
        // The name's bytes as the String below holds them (quotes are ASCII, so are the
        // prefixes): most entries are no session name and cost no allocation.
        let raw = e.offset.as_ref().map_or(key, |off| trim_quote_chars(doc.text(off.span)));
        if !(raw.starts_with(b"session.") || raw.starts_with(b"redis.session.")) {
            continue;
        }
        let name = match &e.offset {
            Some(off) => String::from_utf8_lossy(doc.text(off.span)).trim_matches(['"', '\'']).to_owned(),
            None => String::from_utf8_lossy(key).into_owned(),
        };
        let known = PHP_SESSION_DIRECTIVES.contains(&name.as_str());
        if (name.starts_with("session.") || name.starts_with("redis.session.")) && !known {
            let span = e.offset.as_ref().map_or(e.key, |o| o.span);
            out.push(UnknownDirective {
                span,
                suggestion: did_you_mean(&name, PHP_SESSION_DIRECTIVES.iter().copied()),
                name,
                fatal: false,
            });
        }
    }
    out
}

/// `bytes` without the `"` and `'` at either end, as `str::trim_matches(['"', '\''])`.
fn trim_quote_chars(bytes: &[u8]) -> &[u8] {
    let quote = |b: &u8| matches!(b, b'"' | b'\'');
    let start = bytes.iter().position(|b| !quote(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !quote(b)).map_or(start, |p| p + 1);
    &bytes[start..end.max(start)]
}

/// Directive names redis-server does not know (it refuses to start).
pub(super) fn in_redis(conf: &redis_conf::RedisConf) -> Vec<UnknownDirective> {
    let mut out = Vec::new();
    for (_, d) in conf.directives() {
        let name = d.name_lowercase();
        if let directives::Lookup::Unknown = directives::lookup(&name) {
            out.push(UnknownDirective {
                span: d.name.span,
                suggestion: did_you_mean(&name, directives::DIRECTIVES.iter().map(|d| d.name)),
                name: crate::source::printable(&short_name(&name)).into_owned(),
                fatal: true,
            });
        }
    }
    out
}

/// A name that runs into a secret (`requirepass` and a password joined by a no-break space
/// are one word to redis-server) is shown up to where the secret starts, then `********`.
pub(super) fn hide_secrets(names: &mut [UnknownDirective], secrets: &[Span], bytes: &[u8]) {
    for u in names {
        let inside = secrets.iter().filter(|s| s.start < u.span.end && s.end > u.span.start).map(|s| s.start).min();
        if let Some(start) = inside {
            let shown = String::from_utf8_lossy(&bytes[u.span.start..start.max(u.span.start)]).to_lowercase();
            u.name = format!("{}{}", crate::source::printable(&short_name(&shown)), crate::secrets::MASK);
            u.suggestion = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte trim the prefilter uses cuts what `str::trim_matches` cuts.
    #[test]
    fn quotes_are_trimmed_as_the_string_trims_them() {
        for s in ["", "\"", "''", "\"session.x\"", "'session.x", "session.x\"'", "\"'\"a'\"", "a", "\"\"x\"\""] {
            assert_eq!(trim_quote_chars(s.as_bytes()), s.trim_matches(['"', '\'']).as_bytes(), "{s:?}");
        }
    }

    /// Only session names are judged: a file of other names reports none, a quoted
    /// `php_value['session.x']` offset and a bare key are both found.
    #[test]
    fn session_names_php_does_not_know_are_found_among_others() {
        let doc = crate::syntax::ini::parse(
            b"a = 1\nsession.save_handler = files\nsession.sav_path = x\nphp_value['session.nope'] = 1\nredis.session.lock_retrys = 2\n",
        );
        let names: Vec<String> = in_ini(&doc).into_iter().map(|u| u.name).collect();
        assert_eq!(names, ["session.sav_path", "session.nope", "redis.session.lock_retrys"]);
    }
}
