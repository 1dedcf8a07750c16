//! SL506: the running server's settings (`CONFIG GET`) against what its file says, for the
//! settings sessions depend on. `requirepass` is compared as set or not, never shown.

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Location, Model, RedisServer};
use crate::rules::{label, setting_at};

/// The settings compared, as `CONFIG GET` names them.
pub const SETTINGS: &[&str] = &["protected-mode", "requirepass", "databases", "maxmemory-policy", "bind", "port"];

/// What the comparison found.
#[derive(Clone, Debug, Default)]
pub struct Drift {
    /// One SL506 per setting that differs.
    pub diagnostics: Vec<Diagnostic>,
    /// `CONFIG GET` refused (`NOPERM`, a renamed command): nothing was compared.
    pub refused: Option<String>,
}

/// Compare the running server with its file `file` (nothing to compare without one).
pub fn compare(con: &mut redis::Connection, model: &Model, file: Option<&RedisServer>) -> Drift {
    let mut drift = Drift::default();
    let Some(s) = file else { return drift };
    for &name in SETTINGS {
        let reply: Result<Vec<String>, _> = redis::cmd("CONFIG").arg("GET").arg(name).query(con);
        let running = match reply {
            Ok(pair) => pair.get(1).cloned().unwrap_or_default(),
            Err(e) => {
                drift.refused = Some(crate::live::reply_text(&e));
                drift.diagnostics.clear();
                return drift;
            }
        };
        let (in_file, at) = file_value(s, name);
        let (running, in_file) = match name {
            // The value is a secret: only whether one is set is compared and shown.
            "requirepass" => (set_or_not(&running), set_or_not(&in_file)),
            "bind" => (words(&running), words(&in_file)),
            _ => (running.trim().to_ascii_lowercase(), in_file.trim().to_ascii_lowercase()),
        };
        if running == in_file {
            continue;
        }
        let said = if s.settings.contains_key(name) || (name == "requirepass" && s.requirepass_at.is_some()) {
            "its file says"
        } else {
            "its file leaves the default,"
        };
        drift.diagnostics.push(Diagnostic {
            code: Code::ProbeConfigDrift,
            name: Code::ProbeConfigDrift.name(),
            severity: Severity::Warning,
            message: format!("the running server has {name} {running}, {said} {in_file}"),
            primary: label(model, at, "the file says this"),
            related: Vec::new(),
            help: Some(
                "restart the server to apply its file, or write the running value into the file (CONFIG REWRITE) and check it again"
                    .to_owned(),
            ),
            fix: None,
            left_out: Vec::new(),
        });
    }
    drift
}

/// What the file says for `name`, as `CONFIG GET` would show it, and where (the built-in
/// default: the top of the file).
fn file_value(s: &RedisServer, name: &str) -> (String, Location) {
    let at = setting_at(s, name);
    let value = match name {
        "protected-mode" => if s.protected_mode { "yes" } else { "no" }.to_owned(),
        "requirepass" => {
            return (if s.requirepass_at.is_some() { "x" } else { "" }.to_owned(), s.requirepass_at.unwrap_or(at))
        }
        "databases" => s.databases.to_string(),
        "port" => s.port.to_string(),
        "bind" => s.binds.iter().map(|b| b.text.as_str()).collect::<Vec<_>>().join(" "),
        "maxmemory-policy" => s.settings.get(name).map_or_else(|| "noeviction".to_owned(), |(v, _)| v.clone()),
        _ => s.settings.get(name).map(|(v, _)| v.clone()).unwrap_or_default(),
    };
    (value, at)
}

fn set_or_not(v: &str) -> String {
    if v.is_empty() { "not set" } else { "set" }.to_owned()
}

/// `bind` as a list of addresses, order kept: `"127.0.0.1  -::1"` -> `127.0.0.1 -::1`.
fn words(v: &str) -> String {
    v.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}
