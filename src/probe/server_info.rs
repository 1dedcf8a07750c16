//! SL505: the running server's version from `INFO server`, what it means for protected
//! mode where sesslint only guessed the version, and what the probe could not see.

use super::drift::Drift;
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::redis::RedisVersion;
use crate::model::{Model, RedisServer, RedisTarget};

/// What `INFO server` said: `Ok((name, version))` as `("Redis", "7.0.15")`, or the refusal.
pub type Info = Result<(String, String), String>;

/// `INFO server`: `redis_version`, and `valkey_version` for Valkey (which also reports a
/// `redis_version` of 7.2.4 for compatibility).
pub fn read(con: &mut redis::Connection) -> Info {
    let text: String = redis::cmd("INFO").arg("server").query(con).map_err(|e| crate::live::reply_text(&e))?;
    let field = |name: &str| {
        text.lines().find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':'))).map(|v| v.trim().to_owned())
    };
    match (field("valkey_version"), field("redis_version")) {
        (Some(v), _) => Ok(("Valkey".to_owned(), v)),
        (None, Some(v)) => Ok(("Redis".to_owned(), v)),
        (None, None) => Err("INFO server has no redis_version".to_owned()),
    }
}

/// The SL505 finding for one server: version, protected mode by that version, and which
/// comparisons could not be made.
pub fn diagnostic(
    model: &Model,
    t: &RedisTarget,
    file: Option<&RedisServer>,
    info: &Info,
    drift: &Drift,
    endpoint: Label,
    scrub: &dyn Fn(&str) -> String,
) -> Diagnostic {
    let address = t.describe();
    let address = address.rsplit_once(" db ").map_or(address.as_str(), |(a, _)| a);
    let mut parts = Vec::new();
    match info {
        Ok((name, version)) => {
            parts.push(format!("{name} {version} (INFO server)"));
            if let Some(s) = file {
                parts.push(protected_mode_note(model, s, name, version));
            }
        }
        Err(why) => parts.push(format!("version unknown: INFO refused ({})", scrub(why))),
    }
    parts.push(match (&drift.refused, file) {
        (_, None) => "no config file of this server in the tree, so drift is not compared".to_owned(),
        (Some(why), Some(_)) => format!("drift not compared: CONFIG GET refused ({})", scrub(why)),
        (None, Some(s)) => format!(
            "compared {} with {}: {}",
            super::drift::SETTINGS.join(", "),
            crate::source::display_path(model.path(s.file)),
            match drift.diagnostics.len() {
                0 => "no drift".to_owned(),
                1 => "1 difference (SL506)".to_owned(),
                n => format!("{n} differences (SL506)"),
            }
        ),
    });
    let primary = match file {
        Some(s) => crate::rules::label(
            model,
            crate::model::Location { file: s.file, span: crate::span::Span::empty(0) },
            "the running server's file",
        ),
        None => endpoint,
    };
    Diagnostic {
        code: Code::ProbeServerInfo,
        name: Code::ProbeServerInfo.name(),
        severity: Severity::Info,
        message: format!("{address}: {}", parts.join("; ")),
        primary,
        related: Vec::new(),
        help: None,
        fix: None,
        left_out: Vec::new(),
    }
}

/// Whether the real version changes how protected mode applies to the server's file.
fn protected_mode_note(model: &Model, s: &RedisServer, name: &str, version: &str) -> String {
    let file = crate::source::display_path(model.path(s.file));
    let mut nums = version.split('.').map(|p| p.parse::<u8>().ok());
    let (Some(Some(major)), Some(Some(minor))) = (nums.next(), nums.next()) else {
        return format!("{file} was read as {}", s.version.name());
    };
    let real = RedisVersion { major, minor, valkey: name == "Valkey", why: "INFO server".to_owned(), assumed: false };
    let mut as_running = s.clone();
    as_running.version = real.clone();
    let read_as =
        format!("{file} was read as {}{}", s.version.name(), if s.version.assumed { " (assumed)" } else { "" });
    if as_running.protection() == s.protection() {
        format!("{read_as}; protected mode applies as it was judged")
    } else {
        format!(
            "{read_as}, but by {} protected mode {}: pin `redis-version = \"{major}.{minor}\"` in sesslint.toml",
            real.name(),
            match as_running.protection() {
                crate::model::redis::Protection::RemoteDenied => "refuses remote clients",
                crate::model::redis::Protection::None => "is off",
                crate::model::redis::Protection::Unknown => {
                    "refuses remote clients if the default user has no password (its users are not known here)"
                }
            }
        )
    }
}
