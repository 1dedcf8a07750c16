//! # SL001 syntax-error
//!
//! ## What it does
//! Reports every line the real program rejects: PHP's ini scanner (php.ini, conf.d, php-fpm
//! pool files), redis-server's config loader, PHP's compiler for `app/etc/env.php`, and
//! stunnel's configuration reader. As a warning, every place a program reads otherwise than
//! written without a word: PHP's silent stops (below) and redis-server's NUL bytes.
//!
//! ## Why it matters
//! The programs react differently, and none of them well:
//! - **php.ini and conf.d files**: PHP prints `PHP: syntax error, unexpected '=' in
//!   /etc/php/8.2/fpm/conf.d/30-sess.ini on line 2` at startup, keeps the lines *before* the
//!   error (even half of the broken line: `tcp://h:6379?auth` without the password), and
//!   ignores the rest of the file. Sessions quietly go somewhere else.
//! - **php.ini and conf.d files, silently**: a `'` that does not close after a value began
//!   (`session.save_path = /var/lib/php/o'brien`) ends PHP's reading of the file with no
//!   message at all (PHP 8.2's CLI and php-fpm, `display_startup_errors` on or off, asked
//!   live): the save path is `/var/lib/php/o` and every setting after it is PHP's default.
//!   The warning names those settings; SL101, SL107, SL110 and SL111 say that a setting they
//!   miss is written past that point. A NUL byte in a value ends the value, and PHP reads
//!   the rest of the line as a line of its own.
//! - **php-fpm.conf and pool files**: FPM refuses to start or reload (`FPM initialization
//!   failed`). A `#` comment line is one of these errors in a pool file, and so is a pool's
//!   `pm.max_children` that is not a number php-fpm reads (`abc`, `5abc`, `+5`) or is below 1
//!   (the session rules count a pool's workers by it); a count taken from the FPM master's
//!   environment (`${FPM_MAX}`, as Docker images write it) is unknown here, said as info,
//!   never as a refusal. Silently, an unclosed
//!   `'` or a NUL byte ends the line there for php-fpm (`pm.max_requests = 500' ; x` is 500).
//! - **redis.conf**: redis-server exits with `FATAL CONFIG FILE ERROR`. Some lines it
//!   accepts while reading and only fails on at startup: a `bind` with a `#` "comment"
//!   (redis.conf has no inline comments, so the words are taken as addresses), `[::1]` or
//!   `127.0.0.1:6379` in `bind`, the same address twice, nowhere to listen, `tls-port`
//!   without a certificate or equal to `port`, a cluster node without a `bind` address or
//!   with a port above 55535, a Unix socket path of 108 bytes or more, `user` lines next to
//!   `aclfile`, an ACL file that is missing or has a line other than `user ...` (comments too).
//!   A NUL byte is no refusal: redis-server's fgets() drops the text after it up to the end
//!   of the line, and the newline too, so the next line joins that one (reported as a
//!   warning; sesslint plans no edit in such a file).
//! - **env.php**: every Magento request dies with a parse error.
//! - **stunnel**: a line that is not `option = value` nor a whole `[service]` (an unclosed
//!   `[redis`) stops it with `No '=' found` and `Configuration failed`: no tunnel at all.
//! - **spiped**: an invocation without `-s`, `-t` or `-k` prints its usage and exits 1.
//!
//! ## Example
//! ```ini
//! session.save_path = tcp://127.0.0.1:6379?auth=secret&database=2
//! ```
//! An unquoted `=` (and `&`, `;`, `|`) inside an ini value is an operator or a comment.
//!
//! ## Fix
//! ```ini
//! session.save_path = "tcp://127.0.0.1:6379?auth=secret&database=2"
//! ```
//! Double-quote ini values that contain `= & | ; ~ ! ( )` or a `'` (`"/var/lib/php/o'brien"`);
//! use `;` for comments in pool files; remove NUL bytes.
//!
//! ## Fix safety
//! For a refused `key = value` line of an ini file, the fix double-quotes the rest of the
//! line after `=` and escapes `\`, `"` and `$`, the three escapes PHP's scanner knows in
//! double quotes, so that PHP reads exactly the text that was written (checked against
//! `php` in the tests). The edits are insertions only (the two quotes and each `\`), so a
//! fix never carries the value or a password in it; when an escape would fall inside a
//! password the fix is shown, never applied. Otherwise it is marked safe: the value the
//! author wrote is what PHP then applies. On a line with a blank before a `;` (most likely a
//! trailing `; comment` PHP never got to), the fix quotes the comment with the value, so it
//! is marked unsafe: review it before applying. A place PHP reads otherwise than written
//! without a word gets no fix, and `check --fix` and `migrate` edit no such file (migrate
//! says which line to fix first): an edit could land where PHP never reads it.

use std::collections::HashMap;

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Fix, Severity};
use crate::discover::Role;
use crate::model::{FileId, Location, Model};
use crate::span::{Span, SpanCover};
use crate::syntax::ini::{BrokenEntry, NodeKind};

pub static RULE: Rule = Rule {
    code: Code::SyntaxError,
    summary: "A line PHP, php-fpm or redis-server rejects, when reading it or at startup",
    default_severity: Severity::Error,
    also: &[Severity::Warning],
    source: include_str!("sl001_syntax_error.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for (i, f) in model.files.iter().enumerate() {
        let consequence = match f.role {
            Role::PhpIni | Role::PhpScanIni => "PHP stops reading this file here; the lines after it are ignored",
            Role::FpmMain | Role::FpmPool => "php-fpm refuses to start or reload with this file",
            Role::RedisConf => "redis-server refuses to start (FATAL CONFIG FILE ERROR)",
            Role::RedisAcl => "redis-server refuses to start (Aborting Redis startup because of ACL errors)",
            Role::MagentoEnv => "PHP cannot compile env.php: every Magento request fails",
            Role::Stunnel => "stunnel refuses to start (Configuration failed): no tunnel, so Redis traffic has no TLS",
            Role::Spiped => "no tunnel, so Redis traffic is not encrypted",
            Role::ApacheConf => "httpd refuses to start or reload (Syntax error in the config)",
            Role::UserIni => "PHP stops reading this .user.ini here, on every request it applies to",
            _ => "the program rejects this file",
        };
        let ini = matches!(f.role, Role::PhpIni | Role::PhpScanIni | Role::FpmMain | Role::FpmPool | Role::UserIni);
        // Each refused entry by its error's span (the first node with one), found once per
        // file rather than by a search over the nodes per error.
        let broken: HashMap<Span, BrokenEntry> = match f.tree.ini() {
            Some(tree) if ini && !f.syntax_errors.is_empty() => {
                let mut by_span = HashMap::new();
                for n in &tree.nodes {
                    if let NodeKind::Error(e, Some(b)) = &n.kind {
                        if let Some(e) = tree.errors.get(*e) {
                            by_span.entry(e.span).or_insert(*b);
                        }
                    }
                }
                by_span
            }
            _ => HashMap::new(),
        };
        let mut secrets = None;
        // A file of nothing but broken lines: the findings the report keeps, the rest counted.
        let spans = |list: &[crate::syntax::SyntaxError]| list.iter().map(|e| e.span).collect::<Vec<Span>>();
        let made = super::bound::made(model, FileId(i), &spans(&f.syntax_errors));
        for (k, e) in f.syntax_errors.iter().enumerate() {
            if made.as_ref().is_some_and(|m| !m[k]) {
                continue;
            }
            let at = Location { file: FileId(i), span: e.span };
            let mut d = rule.diagnostic(
                Severity::Error,
                format!("{}: {consequence}", e.message),
                label(model, at, e.message.clone()),
            );
            let fix = broken.get(&at.span).and_then(|b| {
                let secrets = secrets.get_or_insert_with(|| SpanCover::new(f.secrets().iter().copied()));
                quote_value_fix(model, at.file, *b, secrets)
            });
            if let Some(fix) = fix {
                d = d.with_help("double-quote the value").with_fix(fix);
            }
            out.push(d);
        }
        let made = super::bound::made(model, FileId(i), &spans(&f.syntax_warnings));
        for (k, e) in f.syntax_warnings.iter().enumerate() {
            if made.as_ref().is_some_and(|m| !m[k]) {
                continue;
            }
            let at = Location { file: FileId(i), span: e.span };
            let (message, short) = if ini {
                (e.message.to_string(), "PHP reads this otherwise than written".to_owned())
            } else {
                (
                    format!("{}: what redis-server reads here is not what the file says", e.message),
                    e.message.to_string(),
                )
            };
            out.push(rule.diagnostic(Severity::Warning, message, label(model, at, short)));
        }
    }
    // Files redis-server loads without complaint and then aborts with at startup.
    for s in &model.redis {
        for f in &s.startup_failures {
            out.push(rule.diagnostic(
                Severity::Error,
                format!("redis-server loads this file but will not start: {}", f.message),
                label(model, f.at, "redis-server aborts at startup here"),
            ));
        }
    }
    // A pool's worker count php-fpm will not start with (the session rules count workers).
    for pool in model.pools.iter().filter(|p| p.layer.is_none()) {
        let (Some(Err(why)), Some(v)) =
            (crate::model::fpm_integer::max_children(pool), pool.settings.get("pm.max_children"))
        else {
            continue;
        };
        let (Some(at), Some(written)) = (v.set_at, v.value_span) else { continue };
        // `${FPM_MAX}` is the FPM master's to fill in (Docker images do this): php-fpm
        // starts when it holds a count, so this is unknown here, never a refusal.
        if let Some(names) = &v.depends_on_env {
            out.push(rule.diagnostic(
                Severity::Info,
                format!(
                    "pool {}'s `pm.max_children` depends on the FPM master's environment ({}), which sesslint does not know: php-fpm starts only if it holds a whole number of 1 or more; the pool's worker count is not checked",
                    crate::source::printable(&pool.name),
                    crate::source::printable(names)
                ),
                label(model, at, "set from the environment"),
            ));
            continue;
        }
        out.push(rule.diagnostic(
            Severity::Error,
            format!(
                "pool {}'s `pm.max_children = {}`: php-fpm says \"{why}\" and refuses to start or reload with this file",
                crate::source::printable(&pool.name),
                super::quoted_value(model, at.file, written, &v.value)
            ),
            label(model, at, "php-fpm refuses this value"),
        ));
    }
}

/// `key = value with = & ; ...` -> `key = "value with = & ; ..."`, escaping `\`, `"` and `$`
/// as PHP's scanner unescapes them (the only three escapes it knows in double quotes). The
/// key and value spans come from the file's ini tree in the model (the refused entry).
fn quote_value_fix(model: &Model, in_file: FileId, broken: BrokenEntry, secrets: &SpanCover) -> Option<Fix> {
    let file = model.file(in_file);
    let text = |span: Span| std::str::from_utf8(span.slice(&file.source.bytes)).ok();
    let key = text(broken.key)?.trim();
    // Only a plain `key =` or `key[offset] =` line; never touch a section or a comment.
    if key.is_empty()
        || key.starts_with([';', '[', '#'])
        || key.contains(['"', '\'', '$', '&', '|', '(', ')', '!', '~', '^'])
    {
        return None;
    }
    let value = text(broken.value)?;
    if value.is_empty() || value.starts_with(['"', '\'']) {
        return None;
    }
    let fix = super::double_quote_fix(
        model,
        Location { file: in_file, span: broken.value },
        secrets,
        "Double-quote the value",
        |b| matches!(b, b'\\' | b'"' | b'$'),
    )?;
    // ` ;` or `\t;` is most likely the start of a comment PHP never reached: quoting it into
    // the value changes what the author meant, so the fix needs a review.
    let comment_like = value.as_bytes().windows(2).any(|w| matches!(w, [b' ' | b'\t', b';']));
    Some(if comment_like { fix.unless_reviewed() } else { fix })
}
