//! # SL106 session-setting-shadowed
//!
//! ## What it does
//! Finds a layer that silently takes sessions away from Redis:
//! - a later php.ini-layer line (a scan-dir file read after php.ini, or a later line of the
//!   same file) that sets `session.save_handler` or `session.save_path` back from a Redis
//!   value to something else;
//! - a php-fpm pool's `php_value`/`php_admin_value` that does the same over php.ini
//!   (RHEL's and Remi's `www.conf` ship `php_value[session.save_handler] = files` and
//!   `php_value[session.save_path] = /var/lib/php/session`);
//! - a second `php_value`/`php_admin_value` line for a `session.*` or `redis.session.*` key
//!   in one pool with another value: it is dead, because FPM keeps the **first** one
//!   (`fpm_conf.c` prepends each line to its list; php/php-src#8398), the opposite of php.ini.
//!
//! - for mod_php (the `apache2` SAPI), an Apache `php_value`/`php_admin_value`/`php_flag`
//!   line that does the same, server-wide or in a `<VirtualHost>`/`<Directory>` (Remi's and
//!   RHEL's `/etc/httpd/conf.d/php.conf` ship `php_value session.save_handler "files"` and
//!   `php_value session.save_path "/var/lib/php/session"`). httpd keeps the last line of a
//!   context, and an inner context's line wins unless it is a `php_value` over an outer
//!   `php_admin_value` (php-src sapi/apache2handler/apache_config.c); `none` is the empty
//!   value; lines inside `<IfModule mod_php7.c>` do not count when the tree loads PHP 8's
//!   `php_module`. Checked live against httpd 2.4 with Debian's mod_php 8.2
//!   (tests/e2e_mod_php.rs);
//! - for php-fpm pools and CGI, a `.user.ini` (PHP reads it per request in the script's
//!   directory and up to the document root; `user_ini.filename`) that does the same. It may
//!   set only PHP_INI_PERDIR/PHP_INI_USER entries (every `session.*` one), and loses to a
//!   pool's `php_admin_value` (FPM makes those PHP_INI_SYSTEM). Which `.user.ini` files
//!   count: those under a document root the tree names (Apache `DocumentRoot`, a pool's
//!   `chdir`), else every `.user.ini` in the tree; which pool serves which root is not
//!   known, so each counts for every pool of its machine. Checked live: php-cgi 8.2 and
//!   php-fpm 8.2 take a `.user.ini`'s handler over php.ini and `php_value`, not over
//!   `php_admin_value`, and none with `user_ini.filename =` (tests/e2e_php_layers.rs).
//!
//! - a `session.save_handler` or `session.save_path` line in a `[PATH=dir]` or `[HOST=name]`
//!   section of php.ini: php-cgi and php-fpm (CGI/FastCGI only, PHP docs "ini.sections") apply
//!   it to the requests for scripts below that directory or for that host, over everything
//!   else (checked live with php-cgi 8.2); sesslint does not follow these sections as
//!   endpoints, so it says where they are, for the CGI, FastCGI and all-SAPI setups.
//!
//! ## Why it matters
//! The admin edits php.ini, reloads, and sessions still land in `/var/lib/php/session`: the
//! layer that wins is one nobody looked at. When only the handler is reset, PHP's `files`
//! handler takes the Redis URL for a directory and every session fails (SL103). Appending a
//! corrected `php_value` line below the shipped one in a pool changes nothing.
//!
//! ## Example
//! ```ini
//! ; /etc/php.ini
//! session.save_handler = redis
//! ; /etc/php-fpm.d/www.conf
//! php_value[session.save_handler] = files
//! ```
//!
//! ## Fix
//! Change (or comment out) the line that wins, in place: the pool's `php_value` lines, or the
//! later conf.d file. In a pool, keep one line per key.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::Role;
use crate::model::php::{Sapi, HISTORY_KEYS};
use crate::model::Model;

pub static RULE: Rule = Rule {
    code: Code::SessionSettingShadowed,
    summary: "A later PHP layer that overrides the session handler or save_path",
    default_severity: Severity::Warning,
    also: &[],
    source: include_str!("sl106_session_setting_shadowed.rs"),
    check,
};

/// Whether a handler or save_path value sends sessions to Redis.
fn redis_valued(key: &str, value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    match key {
        "session.save_handler" => matches!(v.as_str(), "redis" | "rediscluster"),
        _ => v.contains("://") || v.starts_with("unix:") || v.contains("seed[]") || v.contains("?auth"),
    }
}

/// How a message names `value`, a setting's value; `shown` is the value as the message may
/// quote it ([`super::quoted_value`]: printable, masked as the frames mask it).
fn short(key: &str, value: &str, shown: String) -> String {
    if key == "session.save_handler" {
        format!("`{shown}`")
    } else if redis_valued(key, value) {
        "a Redis address".to_owned()
    } else if value.is_empty() {
        "the default".to_owned()
    } else {
        format!("`{shown}`")
    }
}

/// A pool line's value as a message may quote it.
fn shown_override(model: &Model, o: &crate::model::PoolOverride) -> String {
    super::quoted_value(model, o.set_at.file, o.value_span, &o.value)
}

/// An effective value as a message may quote it (a built-in default has no line to mask by).
fn shown_effective(model: &Model, v: &crate::model::EffectiveValue) -> String {
    match (v.set_at, v.value_span) {
        (Some(at), Some(written)) => super::quoted_value(model, at.file, written, &v.value),
        _ => crate::source::printable(&v.value).into_owned(),
    }
}

/// Why a line read after another wins, by the layer it is in.
fn why_later(model: &Model, at: crate::model::Location) -> (&'static str, &'static str) {
    match model.files[at.file.0].role {
        Role::ApacheConf => (
            "mod_php applies Apache's php_value lines on top of php.ini for every request",
            "change or remove the Apache line (RHEL's and Remi's /etc/httpd/conf.d/php.conf ship it), or set the Redis value there",
        ),
        Role::UserIni => (
            "PHP reads .user.ini per request on top of php.ini and the pool's php_value",
            "change or remove the .user.ini line, or pin the value with php_admin_value in the pool",
        ),
        _ => (
            "PHP reads this line later, so it wins",
            "remove or change the later line; PHP reads php.ini first, then the scan directory in file-name order, and the last value wins",
        ),
    }
}

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    // php.ini layers (and mod_php's and CGI's per-request layers on top): a later line
    // takes a Redis value back. One finding per pair of lines, whichever setups share them.
    let mut seen = std::collections::HashSet::new();
    for s in &model.php {
        for key in HISTORY_KEYS {
            let Some(lines) = s.history.get(key) else { continue };
            let Some((last, last_at)) = lines.last() else { continue };
            if redis_valued(key, last) {
                continue;
            }
            if let Some((earlier, earlier_at)) = lines.iter().rev().skip(1).find(|(v, _)| redis_valued(key, v)) {
                if !seen.insert((*last_at, *earlier_at)) {
                    continue;
                }
                let (why, help) = why_later(model, *last_at);
                out.push(
                    rule.diagnostic(
                        Severity::Warning,
                        format!(
                            "{key} {} here overrides {} set earlier for {}: {why}",
                            // The history keeps lines, not values: a secret on the line masks all.
                            short(key, last, super::quoted_value(model, last_at.file, last_at.span, last)),
                            short(key, earlier, super::quoted_value(model, earlier_at.file, earlier_at.span, earlier)),
                            s.label()
                        ),
                        label(model, *last_at, "this wins"),
                    )
                    .with_related(label(model, *earlier_at, "shadowed"))
                    .with_help(help),
                );
            }
        }
    }
    // A `[PATH=]`/`[HOST=]` section's session line: php-cgi and php-fpm apply it to some
    // requests on top of what sesslint checks; said once per line, not followed.
    let mut sections = std::collections::HashSet::new();
    for s in &model.php {
        let per_request = matches!(s.sapi, None | Some(Sapi::Fpm) | Some(Sapi::Cgi));
        for p in s.per_request_sections.iter().filter(|_| per_request && s.layer.is_none()) {
            if !sections.insert(p.at) {
                continue;
            }
            let section = crate::source::capped(&p.section);
            let host = section.get(..4).is_some_and(|h| h.eq_ignore_ascii_case("HOST"));
            let (whose, help) = match host {
                true => (
                    "requests for that host",
                    "set it where sesslint checks it (the pool that serves that host: its php_value), or check this value by hand",
                ),
                false => (
                    "scripts under that directory",
                    "set it where sesslint checks it (the pool's php_value, or a .user.ini in that directory), or check this value by hand",
                ),
            };
            out.push(
                rule.diagnostic(
                    Severity::Warning,
                    format!(
                        "{} is set in the `[{section}]` section: php-cgi and php-fpm apply it to {whose} only, over the value checked for {}; sesslint does not follow per-directory or per-host sections, so where those requests keep their sessions is not checked",
                        p.key,
                        s.label()
                    ),
                    label(model, p.at, "for some requests only"),
                )
                .with_help(help),
            );
        }
    }
    // A .user.ini over a pool's Redis value (its php_value, or php.ini's).
    // Each pool's base by its header, looked up, not searched: every pool may have a layer.
    let mut bases = std::collections::HashMap::new();
    for b in model.pools.iter().filter(|b| b.layer.is_none()) {
        bases.entry(b.declared_at).or_insert(b);
    }
    for pool in model.pools.iter().filter(|p| p.layer.is_some()) {
        let Some(base) = bases.get(&pool.declared_at) else {
            continue;
        };
        for key in HISTORY_KEYS {
            let (Some(o), Some(b)) = (pool.overrides.get(key), base.effective(key, &model.php)) else { continue };
            if model.files[o.set_at.file.0].role != Role::UserIni
                || !redis_valued(key, &b.value)
                || redis_valued(key, &o.value)
            {
                continue;
            }
            let Some(b_at) = b.set_at else { continue };
            if !seen.insert((o.set_at, b_at)) {
                continue;
            }
            let (why, help) = why_later(model, o.set_at);
            out.push(
                rule.diagnostic(
                    Severity::Warning,
                    format!(
                        "{key} {} here overrides {} of pool {}: {why}",
                        short(key, &o.value, shown_override(model, o)),
                        short(key, &b.value, shown_effective(model, &b)),
                        base.name
                    ),
                    label(model, o.set_at, "this wins for scripts below this directory"),
                )
                .with_related(label(model, b_at, "shadowed"))
                .with_help(help),
            );
        }
    }
    for (i, pool) in model.pools.iter().enumerate().filter(|(_, p)| p.layer.is_none()) {
        let base = pool.setup.and_then(|s| model.php.get(s));
        // A pool line over a Redis value of php.ini.
        for key in HISTORY_KEYS {
            let (Some(o), Some(b)) = (pool.overrides.get(key), base.and_then(|s| s.values.get(key))) else { continue };
            if redis_valued(key, &b.value) && !redis_valued(key, &o.value) {
                if let Some(b_at) = b.set_at {
                    let kind = if o.admin { "php_admin_value" } else { "php_value" };
                    out.push(
                        rule.diagnostic(
                            Severity::Warning,
                            format!(
                                "pool {}: {kind}[{key}] = {} overrides {} of php.ini for every request of this pool",
                                pool.name,
                                short(key, &o.value, shown_override(model, o)),
                                short(key, &b.value, shown_effective(model, b))
                            ),
                            label(model, o.set_at, "the pool's value wins"),
                        )
                        .with_related(label(model, b_at, "shadowed for this pool"))
                        .with_help("change or comment out the pool's line (RHEL's and Remi's www.conf ship it)"),
                    );
                }
            }
        }
        // Dead duplicates inside the pool.
        for (key, o) in &pool.overrides {
            if !(key.starts_with("session.") || key.starts_with("redis.session.")) {
                continue;
            }
            for (value, admin, at) in &o.lines {
                if *at == o.set_at || *value == o.value {
                    continue;
                }
                let why = if *admin == o.admin {
                    "php-fpm keeps the FIRST line for a key (php/php-src#8398)"
                } else {
                    "a php_admin_value line beats any php_value line"
                };
                let shown = if key == "session.save_path" {
                    String::new()
                } else {
                    format!(" (`{}` wins)", shown_override(model, o))
                };
                out.push(
                    rule.diagnostic(
                        Severity::Warning,
                        format!("pool {}: this {key} line has no effect{shown}: {why}", model.pools[i].name),
                        label(model, *at, "dead line"),
                    )
                    .with_related(label(model, o.set_at, "this line wins"))
                    .with_help("keep one line per key in a pool: edit the line that wins, and delete this one"),
                );
            }
        }
    }
}
