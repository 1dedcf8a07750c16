//! # SL302 magento-session-config-invalid
//!
//! ## What it does
//! Finds a Magento session setup in `app/etc/env.php` that cannot do what it says:
//! - a `save` value that names no handler (`'rediss'`, `'redis '`), with a did-you-mean;
//! - `'save' => 'redis'` with no `session.redis` block, or one without `host`: Magento then
//!   connects to its default 127.0.0.1:6379, database 0;
//! - a `port` that is not a port number (Credis casts it: `'127.0.0.1:6380'` becomes port
//!   127), a `database` that is not a number or is negative;
//! - keys the session config never reads: cache option names (`server`, `persistent`,
//!   `connect_retries`, `db`, `force_standalone`, `username`, ...), typos (with a
//!   did-you-mean), and `fail_after`, which is a constant (15 s);
//! - an env.php that returns no array (`return 5;`, `return null;`, no `return`): Magento's
//!   `DeploymentConfig\Reader::load()` throws "Invalid configuration file" on every request;
//! - a `host` Credis' `convertHost()` refuses: after `tcp://` (or `tls://`) anything but
//!   `host[:port][/persistent_id]`, e.g. user-info (`tcp://bob:pw@127.0.0.1`): Credis
//!   throws "Invalid host format" and no session opens (the other rules then see no
//!   connection);
//! - a `session.save_path` next to `'save' => 'redis'` (Magento's Redis handler ignores it);
//! - `'save' => 'files'` while PHP's own `session.save_path` on the same machine is a Redis
//!   URL: Magento's files handler then uses `tcp://...` as a directory.
//!
//! ## Why it matters
//! Magento reads exactly the keys of `Magento\Framework\Session\SaveHandler\Redis\Config`
//! (magento2 2.4.8: `host`, `port`, `password`, `timeout`, `retries`, `persistent_identifier`,
//! `database`, `compression_threshold`, `compression_library`, `log_level`,
//! `max_concurrency`, `min_lifetime`, `disable_locking`, `bot_lifetime`,
//! `bot_first_lifetime`, `first_lifetime`, `break_after_<area>`, `sentinel_servers`,
//! `sentinel_master`, `sentinel_verify_master`, `sentinel_connect_retries`;
//! `max_lifetime` is read by the CLI only: `getMaxLifetime()` and `getFailAfter()` return
//! constants). Everything else is silently
//! dropped: `'server' => 'redis.internal'` leaves the handler on 127.0.0.1
//! (magento/magento2#24035); `'db' => '5'` leaves it on database 0, usually a cache's
//! database. The handler (colinmollenhour/php-redis-session-abstract `Handler.php`) passes
//! `database` uncast to phpredis' `Redis::select()`, which throws `TypeError` for `'0t'`,
//! `'abc'` (php 8.2 + phpredis 5.3.7). `open()` ignores the save path. A `save` value
//! Magento does not register (`SaveHandlerFactory`: `db`, `redis`) goes to PHP as a native
//! handler name; PHP 8.2 refuses an unknown one with "Session save handler "rediss" cannot
//! be found" and keeps php.ini's handler.
//! With `save = files` and no `session.save_path` in env.php, `Magento\Framework\Session\Config`
//! keeps php.ini's `session.save_path`; a `tcp://` URL there makes PHP's files handler fail
//! with `open(tcp://.../sess_...) failed: No such file or directory` (magento/magento2#7868).
//! Both failures, and which `database`/`port` texts phpredis and Credis accept, are shown
//! with php 8.2 + phpredis 5.3.7 against redis-server 7.0 in `tests/e2e_magento.rs`.
//!
//! ## Example
//! ```php
//! 'session' => ['save' => 'redis', 'redis' => ['server' => 'redis.internal', 'db' => '2']],
//! ```
//!
//! ## Fix
//! ```php
//! 'session' => ['save' => 'redis', 'redis' => ['host' => 'redis.internal', 'port' => '6379', 'database' => '2']],
//! ```
//! For `save = files` with a Redis save_path in php.ini: either `'save' => 'redis'` with a
//! `redis` block, or give Magento its own `'save_path' => '/var/www/shop/var/session'`.
//!
//! ## Fix safety
//! A cache option with a session equivalent (`server`, `db`, `persistent`,
//! `connect_retries`, ...) and a typo with a did-you-mean are renamed to the key Magento
//! reads, when that key is not set already. The fix is unsafe: it changes where sessions
//! go (another host or database: sessions in the old place are not carried over), and
//! `retries` needs Magento 2.4.8+. A `save` typo is replaced by the handler it most likely
//! means, also unsafe: sessions move to that handler.

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::model::link::host_of;
use crate::model::magento::credis_refuses_host;
use crate::model::magento::{
    php_int_cast, php_int_param_accepts, session_key, session_key_is_read, session_save_suggestion, MagentoValue,
    SessionKey, SESSION_SAVE_VALUES,
};
use crate::model::{EndpointOwner, MagentoInstall, Model};

pub static RULE: Rule = Rule {
    code: Code::MagentoSessionConfigInvalid,
    summary: "A Magento session config that cannot work as written",
    default_severity: Severity::Error,
    also: &[Severity::Warning, Severity::Info],
    source: include_str!("sl302_magento_session_config_invalid.rs"),
    check,
};

/// The session Redis block of an install whose `save` is `redis` (or `valkey`): the one
/// whose keys this rule judges.
fn redis_block_of(m: &MagentoInstall) -> Option<&crate::model::magento::MagentoBlock> {
    let save = m.session_save.as_ref()?;
    matches!(save.value.as_deref(), Some("redis" | "valkey")).then_some(m.session_redis.as_ref()).flatten()
}

/// The places of the findings this rule makes of a session block's keys Magento does not
/// read (made or not, [`super::bound::made_at`]): an env.php of 700,000 such keys gets the
/// report's hundred findings, the rest counted, not a finding (and a did-you-mean) each.
pub(super) fn places(model: &Model) -> Vec<crate::model::Location> {
    let blocks = model.magento.iter().filter_map(redis_block_of);
    blocks.flat_map(|b| b.values.iter().filter(|(k, _)| !session_key_is_read(k)).map(|(_, v)| v.key_at)).collect()
}

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    let places = places(model);
    let made: std::collections::HashSet<crate::model::Location> =
        places.iter().zip(super::bound::made_at(model, &places)).filter_map(|(at, keep)| keep.then_some(*at)).collect();
    // PHP's save_path URLs by machine, found once: not every endpoint of a fleet for every
    // install.
    let mut urls_by_machine: std::collections::HashMap<std::path::PathBuf, Vec<&crate::model::SessionEndpoint>> =
        Default::default();
    for ep in &model.endpoints {
        if matches!(ep.owner, EndpointOwner::Magento(_)) {
            continue;
        }
        let Some(at) = ep.save_path.as_ref().filter(|sp| sp.value.contains("://")).and_then(|sp| sp.set_at) else {
            continue;
        };
        urls_by_machine.entry(host_of(model.path(at.file), &[])).or_default().push(ep);
    }
    for m in &model.magento {
        if let Some((at, what)) = m.returns_no_array {
            out.push(rule.diagnostic(
                Severity::Error,
                format!("env.php returns {what}, not an array: Magento's deployment config reader throws \"Invalid configuration file\" and every request fails"),
                label(model, at, "not an array"),
            ).with_help("end env.php with `return [ ... ];` holding the deployment configuration"));
        }
        let Some(save) = &m.session_save else { continue };
        match save.value.as_deref() {
            Some("redis" | "valkey") => redis_block(rule, model, m, save, &made, out),
            Some("files") => files_with_url(rule, model, &urls_by_machine, m, save, out),
            Some(other) if !SESSION_SAVE_VALUES.contains(&other) => {
                let mean =
                    session_save_suggestion(other).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
                let mut d = rule
                    .diagnostic(
                        Severity::Error,
                        format!("`'save' => '{other}'` names no session handler{mean}: Magento hands it to PHP, whose `ini_set()` refuses it (\"Session save handler \"{other}\" cannot be found\"), and sessions silently stay where php.ini puts them"),
                        label(model, save.value_at, "no such handler"),
                    )
                    .with_help("use `files`, `db` or `redis`");
                if let Some(s) = session_save_suggestion(other) {
                    let edit = Edit::replacement(model.path(save.value_at.file), save.value_at.span, format!("'{s}'"));
                    d = d.with_fix(Fix::unsafe_edits(format!("use `{s}`"), [edit]));
                }
                out.push(d);
            }
            _ => {}
        }
    }
}

/// `made`: the keys' places ([`places`]) this rule makes a finding of.
fn redis_block(
    rule: &Rule,
    model: &Model,
    m: &MagentoInstall,
    save: &MagentoValue,
    made: &std::collections::HashSet<crate::model::Location>,
    out: &mut Vec<Diagnostic>,
) {
    let save_name = save.value.as_deref().unwrap_or("redis").trim();
    if let Some(sp) = m.session.as_ref().and_then(|s| s.values.get("save_path")) {
        out.push(
            rule.diagnostic(
                Severity::Error,
                format!("`session.save_path` is ignored with `'save' => '{save_name}'`: Magento's Redis handler reads only the `session.{save_name}` block"),
                label(model, sp.entry_at, "ignored"),
            )
            .with_related(label(model, save.entry_at, "Magento's Redis handler"))
            .with_help(format!("move the address into `session.{save_name}` (`host`, `port`, `database`) and drop `save_path`")),
        );
    }
    let Some(block) = &m.session_redis else {
        out.push(
            rule.diagnostic(
                Severity::Error,
                format!("`'save' => '{save_name}'` without a `session.{save_name}` block: Magento connects to its default 127.0.0.1:6379, database 0"),
                label(model, save.entry_at, "no Redis settings"),
            )
            .with_help(format!("add `'{save_name}' => ['host' => ..., 'port' => '6379', 'database' => '2']` to the session block")),
        );
        return;
    };
    // `?:` in Handler.php: '' and '0' fall back to the defaults.
    let set = |k: &str| block.values.get(k).filter(|v| v.truthy() != Some(false));
    if set("host").is_none() && !block.values.contains_key("server") {
        out.push(
            rule.diagnostic(
                Severity::Error,
                format!("`session.{save_name}` has no `host`: Magento connects to its default 127.0.0.1"),
                label(model, block.at, "no host"),
            )
            .with_help("add `'host' => '<redis host>'` (or a unix socket path)"),
        );
    }
    if let Some(host) = set("host") {
        let text = host.value.as_deref().unwrap_or_default();
        if credis_refuses_host(text) {
            let shown = crate::secrets::mask_save_path(text);
            out.push(
                rule.diagnostic(
                    Severity::Error,
                    format!("`host` `{shown}` is refused by Credis (\"Invalid host format; expected tcp://host[:port][/persistence_identifier]\"): no session can be opened, and user-info in it is never sent"),
                    label(model, host.value_at, "not host[:port][/id]"),
                )
                .with_help("write only the host (`tcp://127.0.0.1`) and put the password in `'password' => ...`"),
            );
        }
    }
    if let Some(port) = set("port") {
        if let Some(text) = port.value.as_deref() {
            let n = php_int_cast(text);
            if !text.trim().parse::<u16>().is_ok_and(|p| p > 0) {
                // phpredis connects to 6379 when Credis hands it port 0.
                let reached = if n <= 0 { 6379 } else { n };
                out.push(
                    rule.diagnostic(
                        Severity::Error,
                        format!("session `port` `{text}` is not a port number: Credis casts it to {n}, so the handler connects to port {reached}"),
                        label(model, port.value_at, "not a port"),
                    )
                    .with_help("write the port as digits, e.g. `'port' => '6379'`; the host goes in `host`"),
                );
            }
        }
    }
    if let Some(db) = set("database") {
        if let Some(text) = db.value.as_deref() {
            let msg = if !php_int_param_accepts(text) {
                Some(format!("session `database` `{text}` is not a number: phpredis' `Redis::select()` throws TypeError on every session read"))
            } else if text.trim().starts_with('-') {
                Some(format!("session `database` `{text}` is negative: Redis answers \"ERR DB index is out of range\""))
            } else {
                None
            };
            if let Some(msg) = msg {
                out.push(
                    rule.diagnostic(Severity::Error, msg, label(model, db.value_at, "not a database number"))
                        .with_help("use a database number, e.g. `'database' => '2'`"),
                );
            }
        }
    }
    for (key, v) in block.values.iter().filter(|(k, v)| !session_key_is_read(k) && made.contains(&v.key_at)) {
        let rename = |to: &str| format!("rename it to `{to}`");
        let (severity, message, help) = match session_key(key) {
            SessionKey::Read => continue,
            SessionKey::Ignored { why } => (
                Severity::Info,
                format!("`{key}` in `session.{save_name}` has no effect: {why} (Magento 2.4 `Session/SaveHandler/Redis/Config.php`)"),
                "remove it".to_owned(),
            ),
            // An empty or `0` value asks for the session default anyway: nothing is lost.
            SessionKey::CacheOption { session_key: Some(real), note }
                if block.values.contains_key(real) || v.truthy() == Some(false) =>
            (
                Severity::Info,
                format!("`{key}` is a cache option the session config never reads ({note}); it has no effect here"),
                "remove it".to_owned(),
            ),
            SessionKey::CacheOption { session_key: Some(real), note } => (
                Severity::Error,
                format!("`{key}` is a cache option the session config never reads: {note}, so this value is lost and Magento uses its default"),
                rename(real),
            ),
            SessionKey::CacheOption { session_key: None, note } => {
                // Without the ACL user, AUTH fails and Magento silently falls back to files.
                let lost = matches!(key.as_str(), "username" | "user" | "cluster") && v.truthy() == Some(true);
                (
                    if lost { Severity::Error } else { Severity::Info },
                    format!("`{key}` is a cache option the session config never reads: {note}"),
                    "remove it".to_owned(),
                )
            }
            SessionKey::Unknown { suggestion: Some(s) } => (
                Severity::Error,
                format!("Magento's session config does not read `{key}`: did you mean `{s}`? The value is lost and Magento uses its default"),
                rename(&s),
            ),
            SessionKey::Unknown { suggestion: None } => (
                Severity::Warning,
                format!("Magento's session config does not read `{key}`; it has no effect"),
                "remove it".to_owned(),
            ),
        };
        let mut d = rule.diagnostic(severity, message, label(model, v.key_at, "not read")).with_help(help);
        // Renaming to the key Magento reads: only when that key is not set already.
        let rename_to = match session_key(key) {
            SessionKey::CacheOption { session_key: Some(real), .. } if severity == Severity::Error => {
                Some(real.to_owned())
            }
            SessionKey::Unknown { suggestion: Some(s) } if !block.values.contains_key(&s) => Some(s),
            _ => None,
        };
        if let Some(real) = rename_to {
            let edit = Edit::replacement(model.path(v.key_at.file), v.key_at.span, format!("'{real}'"));
            d = d.with_fix(Fix::unsafe_edits(format!("rename `{key}` to `{real}`"), [edit]));
        }
        out.push(d);
    }
}

/// `save = files` while PHP's save_path on this machine is a URL, and env.php gives none.
fn files_with_url(
    rule: &Rule,
    model: &Model,
    urls_by_machine: &std::collections::HashMap<std::path::PathBuf, Vec<&crate::model::SessionEndpoint>>,
    m: &MagentoInstall,
    save: &MagentoValue,
    out: &mut Vec<Diagnostic>,
) {
    if m.session.as_ref().is_some_and(|s| s.values.contains_key("save_path")) {
        return;
    }
    let host = host_of(model.path(m.file), &[]);
    for ep in urls_by_machine.get(&host).into_iter().flatten() {
        let Some(sp) = &ep.save_path else { continue };
        let Some(at) = sp.set_at else { continue };
        out.push(
            rule.diagnostic(
                Severity::Error,
                format!(
                    "Magento keeps sessions in files, and with no `save_path` in env.php it uses PHP's `session.save_path` of {}, a Redis URL: PHP's files handler fails with \"open(tcp://...) failed\"",
                    ep.label
                ),
                label(model, save.entry_at, "files handler"),
            )
            .with_related(label(model, at, "a URL, not a directory"))
            .with_help("switch Magento to `'save' => 'redis'` with a `redis` block, or give it `'save_path' => '<magento>/var/session'`"),
        );
    }
}
