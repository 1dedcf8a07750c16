//! # SL307 force-standalone
//!
//! ## What it does
//! Reports a Magento Redis cache frontend with `force_standalone` on in its
//! `backend_options` (or `remote_backend_options` for L2).
//!
//! ## Why it matters
//! `force_standalone` makes Credis speak the Redis protocol in PHP over `stream_socket_client`
//! instead of using the phpredis extension (Cm_Cache_Backend_Redis `Redis.php`: a truthy
//! option calls `Credis_Client::forceStandalone()`). Parsing every reply in PHP costs CPU on
//! every cache hit; Cm's README recommends phpredis for speed. It is a leftover from the days
//! of broken phpredis builds, and it also changes behaviour: standalone persistent
//! connections do not work on unix sockets ("Persistent connections to UNIX sockets are not
//! supported", Credis `Client.php`). In the session block the key is not read at all (see
//! SL302).
//!
//! ## Example
//! ```php
//! 'backend_options' => ['server' => '127.0.0.1', 'database' => '0', 'force_standalone' => '1'],
//! ```
//!
//! ## Fix
//! Install the phpredis extension (`php-redis`) and set `'force_standalone' => '0'` (or drop it).
//!
//! ## Fix safety
//! The fix sets `'force_standalone' => '0'`. It is unsafe: without the phpredis extension
//! for the SAPIs that run Magento, Credis falls back to standalone anyway, and with it the
//! connection behaves differently (phpredis' persistent-connection pool, its timeouts).

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::magento::CacheBackend;
use crate::model::Model;

pub static RULE: Rule = Rule {
    code: Code::ForceStandalone,
    summary: "A Magento Redis cache forces Credis' pure-PHP client",
    default_severity: Severity::Info,
    also: &[],
    source: include_str!("sl307_force_standalone.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for m in &model.magento {
        for c in m.caches.iter().filter(|c| c.backend != CacheBackend::Other) {
            let Some(v) = c.options.as_ref().and_then(|o| o.values.get("force_standalone")) else { continue };
            if v.truthy() != Some(true) {
                continue;
            }
            out.push(
                rule.diagnostic(
                    Severity::Info,
                    format!("the `{}` cache forces Credis' standalone client: every Redis reply is parsed in PHP instead of by phpredis", c.name),
                    label(model, v.entry_at, "force_standalone"),
                )
                .with_help("install php-redis and set `'force_standalone' => '0'`")
                .with_fix(Fix::unsafe_edits(
                    "use phpredis",
                    [Edit::replacement(model.path(v.value_at.file), v.value_at.span, "'0'")],
                )),
            );
        }
    }
}
