//! Names the real program does not know: `session.*`/`redis.session.*` ini names PHP
//! ignores (with the table of those it knows), redis.conf directives redis-server refuses,
//! php-fpm entries php-fpm refuses (with its tables); each with a did-you-mean. SL003
//! reports them.

use super::fpm_reading;
use crate::model::php::FpmRead;
use crate::model::{FpmSection, UnknownDirective, UnknownTo};
use crate::span::Span;
use crate::suggest::did_you_mean;
use crate::syntax::ini::fpm_entries::{FPM_ARRAY_ENTRIES, FPM_GLOBAL_ENTRIES, FPM_POOL_ENTRIES};
use crate::syntax::ini::{IniDocument, NodeKind};
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

/// The pool arrays that hand a setting to PHP.
const FPM_PHP_ARRAYS: &[&str] = &["php_value", "php_admin_value", "php_flag", "php_admin_flag"];

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
/// In a php-fpm file (`fpm`) only the names of `php_value[...]` and its kin are PHP's: a
/// plain key is php-fpm's own ([`in_fpm`]).
pub(super) fn in_ini(doc: &IniDocument, fpm: bool) -> Vec<UnknownDirective> {
    let mut out = Vec::new();
    for (_, e) in doc.entries() {
        let key = doc.text(e.key);
        if fpm && (e.offset.is_none() || !FPM_PHP_ARRAYS.iter().any(|a| a.as_bytes() == key)) {
            continue;
        }
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
                reader: UnknownTo::Php,
            });
        }
    }
    out
}

/// Entries of php-fpm.conf (`main`) or a pool file that php-fpm refuses (`unknown entry`,
/// `unknown directive`: it then does not start). php-fpm reads a line in the section it is
/// in: `[global]` (any case) or a pool; php-fpm.conf starts in `[global]`, a pool file and
/// what follows an `include=` in the section php-fpm was in ([`FpmSection::Either`]; see
/// [`in_fpm_reading_order`]). `include` is php-fpm's own in any section, written in that
/// case only.
pub(super) fn in_fpm(doc: &IniDocument, main: bool) -> Vec<UnknownDirective> {
    let mut out = Vec::new();
    let mut section = if main { FpmSection::Global } else { FpmSection::Either };
    for node in &doc.nodes {
        let e = match &node.kind {
            NodeKind::Section(sec) => {
                let global = doc.text(sec.name.span).eq_ignore_ascii_case(b"global");
                section = if global { FpmSection::Global } else { FpmSection::Pool };
                continue;
            }
            NodeKind::Entry(e) if e.applied => e,
            _ => continue,
        };
        let key = doc.text(e.key);
        let name = String::from_utf8_lossy(key);
        let (reader, suggestion) = if e.offset.is_some() {
            // An array in `[global]` is refused whatever its name ("Array are not allowed
            // in the global section"), which the pools' reading reports.
            if section == FpmSection::Global || FPM_ARRAY_ENTRIES.iter().any(|a| a.as_bytes() == key) {
                continue;
            }
            (FpmSection::Array, other_case_or_typo(&name, FPM_ARRAY_ENTRIES.iter().copied()))
        } else {
            if key == b"include" {
                // The files it reads may leave another section open for the lines after it.
                section = FpmSection::Either;
                continue;
            }
            let known = |table: &[&str]| table.iter().any(|k| k.as_bytes().eq_ignore_ascii_case(key));
            let (global, pool) = (known(FPM_GLOBAL_ENTRIES), known(FPM_POOL_ENTRIES));
            let refused = match section {
                FpmSection::Global => !global,
                FpmSection::Pool => !pool,
                _ => !global && !pool,
            };
            if !refused {
                continue;
            }
            let suggestion = fpm_suggestion(&name, &section);
            (section.clone(), suggestion)
        };
        out.push(UnknownDirective {
            span: e.key,
            name: crate::source::printable(&short_name(&name)).into_owned(),
            suggestion,
            reader: UnknownTo::PhpFpm(reader),
        });
    }
    out
}

/// The lines [`in_fpm`] judged in either section (a pool file's lines above its first
/// header, a file's lines after an `include=` and before the next header), judged in the one
/// php-fpm reads them in, now that its reading order is known (`reading`, over files whose
/// trees `doc` gives; `is_main(f)`: file `f` is a php-fpm.conf, whose first lines
/// [`in_fpm`] judged in `[global]`). What is found, by file: names that section does not know
/// and the other does (those neither knows are found already). A line read in a section
/// sesslint does not know ([`FpmRead::Unknown`]) is not judged again.
pub(super) fn in_fpm_reading_order<'a>(
    reading: &[FpmRead],
    is_main: impl Fn(usize) -> bool,
    doc: impl Fn(usize) -> Option<&'a IniDocument>,
) -> Vec<(usize, Vec<UnknownDirective>)> {
    let mut out: Vec<(usize, Vec<UnknownDirective>)> = Vec::new();
    // php-fpm.conf's first lines are read in [global]; `None`: a section not known.
    let mut section = Some(FpmSection::CarriedGlobal);
    // The files whose lines are, at this point, below no header of their own since the
    // file's top (a pool file) or its last `include=`.
    let mut carried: std::collections::HashSet<usize> = Default::default();
    let mut started: std::collections::HashSet<usize> = Default::default();
    for read in reading {
        let (f, nodes) = match read {
            FpmRead::Nodes { file, nodes } => (*file, nodes.clone()),
            FpmRead::Unknown { .. } => {
                section = None;
                continue;
            }
        };
        let Some(d) = doc(f) else { continue };
        if started.insert(f) && !is_main(f) {
            carried.insert(f);
        }
        for node in d.nodes.get(nodes).unwrap_or(&[]) {
            match &node.kind {
                NodeKind::Section(sec) => {
                    let name = d.text(sec.name.span);
                    section = Some(if name.eq_ignore_ascii_case(b"global") {
                        FpmSection::CarriedGlobal
                    } else {
                        FpmSection::CarriedPool(crate::source::printable(&String::from_utf8_lossy(name)).into_owned())
                    });
                    carried.remove(&f);
                }
                NodeKind::Entry(e) if fpm_reading::is_include(d, e) => {
                    carried.insert(f);
                }
                NodeKind::Entry(e) if e.applied && carried.contains(&f) => {
                    let Some(found) = section.as_ref().and_then(|s| carried_unknown(d, e, s)) else { continue };
                    match out.iter_mut().find(|(g, _)| *g == f) {
                        Some((_, names)) => names.push(found),
                        None => out.push((f, vec![found])),
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Entry `e`, read in `section`, when that section does not know it and the other does.
fn carried_unknown(doc: &IniDocument, e: &crate::syntax::ini::Entry, section: &FpmSection) -> Option<UnknownDirective> {
    let key = doc.text(e.key);
    if e.offset.is_some() || key == b"include" {
        return None;
    }
    let known = |table: &[&str]| table.iter().any(|k| k.as_bytes().eq_ignore_ascii_case(key));
    let (global, pool) = (known(FPM_GLOBAL_ENTRIES), known(FPM_POOL_ENTRIES));
    let refused = match section {
        FpmSection::CarriedGlobal => pool && !global,
        _ => global && !pool,
    };
    refused.then(|| UnknownDirective {
        span: e.key,
        name: crate::source::printable(&short_name(&String::from_utf8_lossy(key))).into_owned(),
        suggestion: None,
        reader: UnknownTo::PhpFpm(section.clone()),
    })
}

/// The entry of `section` closest to `name`, with `include` (`Include` is refused); else,
/// for a PHP session setting written as php-fpm's own (`session.save_handler = redis`, or
/// a typo of one), the pool line that hands it to PHP.
fn fpm_suggestion(name: &str, section: &FpmSection) -> Option<String> {
    let tables: &[&[&str]] = match section {
        FpmSection::Global => &[FPM_GLOBAL_ENTRIES, &["include"]],
        FpmSection::Pool => &[FPM_POOL_ENTRIES, &["include"]],
        _ => &[FPM_GLOBAL_ENTRIES, FPM_POOL_ENTRIES, &["include"]],
    };
    if let Some(s) = other_case_or_typo(name, tables.iter().flat_map(|t| t.iter().copied())) {
        return Some(s);
    }
    if *section == FpmSection::Global {
        return None;
    }
    let php = if PHP_SESSION_DIRECTIVES.contains(&name) {
        Some(name.to_owned())
    } else {
        did_you_mean(name, PHP_SESSION_DIRECTIVES.iter().copied())
    };
    php.map(|p| format!("php_value[{p}]"))
}

/// The known name `name` spells in another case (`Include`, `ENV`: php-fpm compares these
/// byte for byte), else the closest one ([`did_you_mean`], without regard to case).
fn other_case_or_typo<'a>(name: &str, known: impl Iterator<Item = &'a str> + Clone) -> Option<String> {
    if let Some(k) = known.clone().find(|k| k.eq_ignore_ascii_case(name)) {
        return Some(k.to_owned());
    }
    did_you_mean(&name.to_ascii_lowercase(), known)
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
                reader: UnknownTo::RedisServer,
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
        let names: Vec<String> = in_ini(&doc, false).into_iter().map(|u| u.name).collect();
        assert_eq!(names, ["session.sav_path", "session.nope", "redis.session.lock_retrys"]);
    }
}
