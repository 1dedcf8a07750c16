//! # SL102 session-handler-unavailable
//!
//! ## What it does
//! Finds a PHP SAPI or php-fpm pool whose effective `session.save_handler` no loaded module
//! provides: `redis`/`rediscluster` without an `extension=redis` line reaching that SAPI
//! (php.ini, its scan directory, or the pool's `php_value[extension]`), Debian's `redis.so`
//! loaded without (or before) `igbinary`, which it links against, and a name no module
//! registers at all (`rediss`, `memcache` without the extension).
//!
//! Only checked where the tree shows how the SAPI loads its extensions (a scan directory or
//! `extension=` lines); a pool whose php.ini is not in the tree is not judged.
//!
//! ## Why it matters
//! PHP accepts any handler name at startup, and php-fpm starts without a log line; the
//! failure comes on every `session_start()` (measured with PHP 8.2 and phpredis 5.3.7):
//! `Warning: session_start(): Cannot find session save handler "rediss" - session startup
//! failed`. Without igbinary first, Debian's phpredis does not load at all: `Unable to load
//! dynamic library 'redis' ... undefined symbol: igbinary_serialize`.
//!
//! ## Example
//! ```ini
//! ; /etc/php/8.2/fpm/conf.d/30-sessions.ini, with no 20-redis.ini next to it
//! session.save_handler = redis
//! ```
//!
//! ## Fix
//! Enable the module for that SAPI (Debian: `phpenmod -v 8.2 -s fpm redis`, which links
//! `conf.d/20-redis.ini` after `20-igbinary.ini`; RHEL: `dnf install php-pecl-redis5`;
//! Docker: `docker-php-ext-enable igbinary redis`), or correct the handler's name.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::php::HISTORY_KEYS;
use crate::model::{EndpointOwner, Model, PhpSetup};

pub static RULE: Rule = Rule {
    code: Code::SessionHandlerUnavailable,
    summary: "A session handler that no module loaded for that SAPI provides",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl102_session_handler_unavailable.rs"),
    check,
};

/// Save handlers and the module that registers each (`files` is built in).
const HANDLERS: &[(&str, Option<&str>)] = &[
    ("files", None),
    ("user", None),
    ("redis", Some("redis")),
    ("rediscluster", Some("redis")),
    ("memcached", Some("memcached")),
    ("memcache", Some("memcache")),
];

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    // Each setup's modules by name (first `extension=` line of each), made once per setup:
    // a setup serves many pools.
    let mut modules: std::collections::HashMap<*const PhpSetup, std::collections::HashMap<&str, usize>> =
        std::collections::HashMap::new();
    for ep in &model.endpoints {
        // A layer loads no module: its setup's modules are its base's.
        if matches!(ep.owner, EndpointOwner::Magento(_)) || model.repeats_base(ep.owner, &HISTORY_KEYS) {
            continue;
        }
        let handler = ep.handler.value.as_str();
        let Some(at) = ep.handler.set_at.or_else(|| model.php_owner_at(ep.owner)) else { continue };
        let Some(&(_, module)) = HANDLERS.iter().find(|(h, _)| *h == handler) else {
            let near = HANDLERS.iter().map(|(h, _)| *h).min_by_key(|h| crate::suggest::edit_distance(handler, h));
            let hint = near.map(|h| format!(" (did you mean `{h}`?)")).unwrap_or_default();
            if seen.insert((at, String::new())) {
                out.push(
                    rule.diagnostic(
                        Severity::Error,
                        format!("no PHP module provides the session save handler `{handler}`{hint}: every session_start() fails with \"Cannot find session save handler\""),
                        label(model, at, "unknown save handler"),
                    )
                    .with_help("the handlers are `files`, and `redis`/`rediscluster` with phpredis, `memcached` with php-memcached"),
                );
            }
            continue;
        };
        let Some(module) = module else { continue };
        let Some(setup) = model.php_setup_of(ep.owner) else { continue };
        let first = modules.entry(std::ptr::from_ref(setup)).or_insert_with(|| first_lines(setup));
        let loaded = |module: &str| first.get(module).copied();
        if setup.scan_files.is_empty() && setup.extensions.is_empty() {
            continue; // the tree does not show how this SAPI loads its modules
        }
        let pool_loads = match ep.owner {
            EndpointOwner::Pool(i) => model.pools[i]
                .overrides
                .get("extension")
                .is_some_and(|o| o.lines.iter().any(|(v, _, _)| crate::model::php::extension_name(v) == module)),
            _ => false,
        };
        let problem = match loaded(module) {
            None if pool_loads => None,
            None => Some(format!(
                "the session save handler `{handler}` needs the `{module}` module, and no `extension={module}` reaches {} ({}): every session_start() fails with \"Cannot find session save handler \\\"{handler}\\\"\"",
                setup.sapi_name(),
                crate::source::display_path(&setup.dir)
            )),
            Some(i) if module == "redis" && setup.sapi.is_some() => match loaded("igbinary") {
                // Debian's (and Ubuntu's) redis.so links against igbinary's symbols.
                None => Some(format!(
                    "`extension=redis` is loaded in {} without `igbinary`: Debian's redis.so then fails to load (\"undefined symbol: igbinary_serialize\") and the `{handler}` handler does not exist",
                    setup.sapi_name()
                )),
                Some(j) if j > i => Some(format!(
                    "`extension=redis` is loaded before `igbinary` in {}: Debian's redis.so then fails to load (\"undefined symbol: igbinary_serialize\") and the `{handler}` handler does not exist",
                    setup.sapi_name()
                )),
                _ => None,
            },
            Some(_) => None,
        };
        if let Some(message) = problem {
            if seen.insert((at, message.clone())) {
                let mut d =
                    rule.diagnostic(Severity::Error, message, label(model, at, format!("save handler `{handler}`")));
                if let Some(i) = loaded(module) {
                    d = d.with_related(label(model, setup.extensions[i].1, "loaded here"));
                }
                let help = if setup.sapi.is_some() {
                    let version = debian_php_version(&setup.dir).unwrap_or("<version>");
                    format!("enable it for this SAPI with `phpenmod -v {version} -s {} igbinary {module}` (it links conf.d/20-igbinary.ini and conf.d/20-{module}.ini, in that order)", setup.sapi_name())
                } else {
                    format!("install and enable the `{module}` extension for this PHP (RHEL: php-pecl-{module}; Docker: docker-php-ext-enable {module}), after igbinary when it is built with it")
                };
                out.push(d.with_help(help));
            }
        }
    }
}

/// Index of the first `extension=` line that loads each module, in load order.
fn first_lines(setup: &PhpSetup) -> std::collections::HashMap<&str, usize> {
    let mut first = std::collections::HashMap::new();
    for (i, (n, _)) in setup.extensions.iter().enumerate() {
        first.entry(n.as_str()).or_insert(i);
    }
    first
}

/// The PHP version Debian's layout names in a SAPI's directory (`etc/php/8.2/fpm`: `8.2`),
/// what `phpenmod -v` takes.
fn debian_php_version(dir: &std::path::Path) -> Option<&str> {
    let version = dir.parent()?;
    (version.parent()?.file_name()? == "php").then_some(())?;
    let v = version.file_name()?.to_str()?;
    (v.contains('.') && v.chars().all(|c| c.is_ascii_digit() || c == '.')).then_some(v)
}
