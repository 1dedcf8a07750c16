//! # SL107 session-locking-unreliable
//!
//! ## What it does
//! For each PHP SAPI and php-fpm pool whose sessions use the phpredis `redis` handler:
//! - `redis.session.locking_enabled` is not `1` (phpredis's default is off);
//! - with locking on, a lock without expiry: `redis.session.lock_expire` unset or `0` while
//!   `max_execution_time` is `0` (the lock is then taken with `SET ... NX` and no TTL);
//! - with locking on, a wait that gives up too soon: `lock_wait_time` x `lock_retries` under
//!   half a second, or both unset (phpredis 5.3.x's defaults wait 10 x 2 ms = 20 ms; 6.0 raised
//!   them to 100 x 20 ms = 2 s);
//! - settings the installed phpredis may not know: `redis.session.early_refresh` and
//!   `redis.session.compression` exist only from phpredis **6.1**. Where the tree says which
//!   phpredis its PHP loads (Debian 12's package is 5.3.7: `etc/debian_version`,
//!   `etc/os-release`, or its `etc/php/8.2/` layout with `mods-available/redis.ini`), a
//!   setting that release ignores is a warning; where it does not, information.
//!
//! The `rediscluster` handler does not lock at all (phpredis README, "Session locking").
//!
//! Named `session-locking-disabled` in 0.2.0; `sesslint rule` still takes that name and says
//! the new one (`--select`/`--ignore` take the code, SL107, which did not change).
//!
//! ## Why it matters
//! PHP's `files` handler locks each session with `flock()`: concurrent requests of one user
//! wait for each other. phpredis does not, unless told: two AJAX requests read the same
//! session, each writes its copy, and the last writer wins (lost cart items, flash messages,
//! CSRF tokens; phpredis#37, #339). With locking on, phpredis 5.3.7 gives up after ~20 ms,
//! notes `Acquire of session lock was not successful`, and then does not save the session.
//! A lock without TTL left by a crashed worker blocks that session until someone deletes it.
//!
//! ## Example
//! ```ini
//! session.save_handler = redis
//! session.save_path = "tcp://127.0.0.1:6379?auth=secret&timeout=2&read_timeout=2"
//! ```
//!
//! ## Fix
//! ```ini
//! redis.session.locking_enabled = 1
//! redis.session.lock_expire = 30        ; seconds, >= the longest request
//! redis.session.lock_wait_time = 50000  ; microseconds between tries
//! redis.session.lock_retries = 100      ; 100 x 50 ms = 5 s
//! ```
//! (Applications that lock on their own, such as Magento's Cm_RedisSession, do not use the
//! phpredis handler and are not checked here.)

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::php::ini_bool;
use crate::model::{EndpointOwner, Model, Sapi};

pub static RULE: Rule = Rule {
    code: Code::SessionLockingUnreliable,
    summary: "phpredis sessions without working session locks",
    default_severity: Severity::Warning,
    also: &[Severity::Info],
    source: include_str!("sl107_session_locking_unreliable.rs"),
    check,
};

/// The ini keys this rule reads.
const LOCK_KEYS: [&str; 9] = [
    "session.save_handler",
    "session.save_path",
    "redis.session.locking_enabled",
    "redis.session.lock_expire",
    "redis.session.lock_wait_time",
    "redis.session.lock_retries",
    "redis.session.early_refresh",
    "redis.session.compression",
    "max_execution_time",
];

fn number(v: Option<&crate::model::EffectiveValue>) -> Option<f64> {
    v.and_then(|v| v.value.trim().parse::<f64>().ok())
}

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    for ep in &model.endpoints {
        if matches!(ep.owner, EndpointOwner::Magento(_))
            || ep.handler.value != "redis"
            || !ep.uses_redis()
            || model.endpoint_save_path_cut(ep)
            || model.repeats_base(ep.owner, &LOCK_KEYS)
        {
            continue;
        }
        let get = |k: &str| model.php_value(ep.owner, k);
        let Some(anchor) = ep.handler.set_at.or_else(|| model.php_owner_at(ep.owner)) else { continue };
        let mut found: Vec<(Severity, crate::model::Location, String, &str)> = Vec::new();
        let locking = get("redis.session.locking_enabled");
        if !locking.as_ref().is_some_and(|v| ini_bool(&v.value)) {
            let set_at = locking.as_ref().and_then(|v| v.set_at);
            // A line PHP never reads (past where it stops reading its file) is named as such.
            let unread = model.php_unread_setting(ep.owner, "redis.session.locking_enabled", set_at);
            let at = unread.or(set_at).unwrap_or(anchor);
            let why = match unread {
                Some(_) => "redis.session.locking_enabled is written past the point where PHP stops reading its file (SL001), so PHP never sees it",
                None => "redis.session.locking_enabled defaults to 0",
            };
            found.push((
                Severity::Warning,
                at,
                format!("{}: phpredis session locking is off ({why}): concurrent requests of one user overwrite each other's session writes", ep.label),
                "set `redis.session.locking_enabled = 1`, with `lock_expire`, `lock_wait_time` and `lock_retries` (see `sesslint rule SL107`)",
            ));
        } else {
            let lock_at = locking.as_ref().and_then(|v| v.set_at).unwrap_or(anchor);
            let expire = number(get("redis.session.lock_expire").as_ref()).unwrap_or(0.0);
            let cli = model.php_sapi_of(ep.owner) == Some(Sapi::Cli);
            let max_exec = number(get("max_execution_time").as_ref()).unwrap_or(if cli { 0.0 } else { 30.0 });
            if expire <= 0.0 && max_exec <= 0.0 {
                found.push((
                    Severity::Warning,
                    lock_at,
                    format!("{}: session locks never expire: redis.session.lock_expire is 0 and max_execution_time is 0, so a crashed request leaves its session locked", ep.label),
                    "set `redis.session.lock_expire = 30` (seconds)",
                ));
            }
            let wait = get("redis.session.lock_wait_time");
            let retries = get("redis.session.lock_retries");
            match (number(wait.as_ref()), number(retries.as_ref())) {
                (None, None) => found.push((
                    Severity::Warning,
                    lock_at,
                    format!("{}: the lock wait is phpredis's default: 10 x 2 ms (20 ms) on phpredis 5.3.x (Debian 12), after which the request runs without the lock and its session is not saved; 6.0+ waits 2 s", ep.label),
                    "set `redis.session.lock_wait_time = 50000` (µs) and `redis.session.lock_retries = 100`",
                )),
                (w, r) => {
                    // 0 means "the default" for both; -1 retries means forever.
                    let r = r.unwrap_or(0.0);
                    let w = w.filter(|w| *w > 0.0).unwrap_or(2000.0);
                    if r >= 0.0 {
                        let r = if r == 0.0 { 10.0 } else { r };
                        let total = w * r / 1_000_000.0;
                        if total < 0.5 {
                            let at = retries.as_ref().and_then(|v| v.set_at).or(wait.as_ref().and_then(|v| v.set_at)).unwrap_or(lock_at);
                            found.push((
                                Severity::Warning,
                                at,
                                format!("{}: a request waits only {:.0} ms for a session lock (lock_wait_time x lock_retries), then runs without it and its session is not saved", ep.label, total * 1000.0),
                                "wait a few seconds: `redis.session.lock_wait_time = 50000` (µs) and `redis.session.lock_retries = 100`",
                            ));
                        }
                    }
                }
            }
        }
        let release = model.php_setup_of(ep.owner).and_then(|s| s.phpredis.as_ref());
        for key in ["redis.session.early_refresh", "redis.session.compression"] {
            if let Some(at) = get(key).and_then(|v| v.set_at) {
                match release {
                    Some(r) if r.at_least(6, 1) => {}
                    // The release is known: it ignores the setting for sure.
                    Some(r) => found.push((
                        Severity::Warning,
                        at,
                        format!("{key} exists only from phpredis 6.1, and this PHP loads phpredis {} ({}), which ignores it silently", r.version, r.why),
                        "drop the line, or install phpredis 6.1+ for this SAPI",
                    )),
                    None => found.push((
                        Severity::Info,
                        at,
                        format!("{key} exists only from phpredis 6.1; older versions (Debian 12 ships 5.3.7) ignore it silently"),
                        "check `php -r 'echo phpversion(\"redis\");'` for the SAPI that serves sessions",
                    )),
                }
            }
        }
        for (severity, at, message, help) in found {
            if seen.insert((at, message.clone())) {
                out.push(rule.diagnostic(severity, message, label(model, at, "session locking")).with_help(help));
            }
        }
    }
}
