//! The rule catalogue: one file per rule, each starting with its user documentation
//! (`sesslint rule CODE` prints it). This registry maps codes to rules; codes are never reused.

pub(crate) mod bound;
mod sl001_syntax_error;
mod sl002_unreadable_file;
mod sl003_unknown_directive;
mod sl004_include_problem;
mod sl005_blanket_suppression;
pub(crate) mod sl006_unused_suppression;
mod sl101_files_session_handler;
mod sl102_session_handler_unavailable;
mod sl103_save_path_invalid;
mod sl104_save_path_unknown_parameter;
mod sl105_save_path_unquoted;
mod sl106_session_setting_shadowed;
mod sl107_session_locking_unreliable;
mod sl108_session_timeouts_missing;
mod sl109_save_path_missing_auth;
mod sl110_session_strict_mode_off;
mod sl111_session_cookie_flags;
mod sl112_persistent_connections;
mod sl113_secret_world_readable;
mod sl201_redis_missing_auth;
mod sl202_redis_exposed_without_tunnel;
mod sl203_protected_mode_off;
mod sl204_weak_password;
mod sl205_dangerous_commands_exposed;
mod sl206_eviction_drops_sessions;
mod sl207_no_persistence;
mod sl208_unixsocket_permissive;
mod sl209_database_out_of_range;
mod sl301_magento_files_sessions;
mod sl302_magento_session_config_invalid;
mod sl303_non_unique_database;
mod sl304_caches_share_database;
mod sl305_connect_retries;
mod sl306_persistent_id_shared;
mod sl307_force_standalone;
mod sl308_max_concurrency_low;
mod sl309_sentinel_unusable;
mod sl401_auth_mismatch;
mod sl402_endpoint_unreachable;
mod sl403_sessions_shared_across_apps;
mod sl404_plaintext_to_remote;
mod sl405_tunnel_chain_broken;
mod sl406_session_acl_denied;
mod sl407_tunnel_without_authentication;
mod sl501_probe_unreachable;
mod sl502_probe_tls_failed;
mod sl503_probe_access_refused;
mod sl504_probe_select_refused;
mod sl505_probe_server_info;
mod sl506_probe_config_drift;
mod sl507_probe_write_test_failed;

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::{Location, Model};

/// A rule: its identity, its documentation and its check.
pub struct Rule {
    /// The code, and through it the name ([`Code::name`]).
    pub code: Code,
    /// One line: what the rule finds.
    pub summary: &'static str,
    pub default_severity: Severity,
    /// The other severities some of its findings have (SL405's chain followed past the
    /// hops sesslint follows is an info, its broken chains errors); empty for most rules.
    /// `tests/rules.rs` holds every finding of the fixtures and corpus to these.
    pub also: &'static [Severity],
    /// The rule's source file; its leading `//!` lines are the documentation.
    source: &'static str,
    check: fn(&Rule, &Model, &mut Vec<Diagnostic>),
}

pub static RULES: &[&Rule] = &[
    &sl001_syntax_error::RULE,
    &sl002_unreadable_file::RULE,
    &sl003_unknown_directive::RULE,
    &sl004_include_problem::RULE,
    &sl005_blanket_suppression::RULE,
    &sl006_unused_suppression::RULE,
    &sl101_files_session_handler::RULE,
    &sl102_session_handler_unavailable::RULE,
    &sl103_save_path_invalid::RULE,
    &sl104_save_path_unknown_parameter::RULE,
    &sl105_save_path_unquoted::RULE,
    &sl106_session_setting_shadowed::RULE,
    &sl107_session_locking_unreliable::RULE,
    &sl108_session_timeouts_missing::RULE,
    &sl109_save_path_missing_auth::RULE,
    &sl110_session_strict_mode_off::RULE,
    &sl111_session_cookie_flags::RULE,
    &sl112_persistent_connections::RULE,
    &sl113_secret_world_readable::RULE,
    &sl201_redis_missing_auth::RULE,
    &sl202_redis_exposed_without_tunnel::RULE,
    &sl203_protected_mode_off::RULE,
    &sl204_weak_password::RULE,
    &sl205_dangerous_commands_exposed::RULE,
    &sl206_eviction_drops_sessions::RULE,
    &sl207_no_persistence::RULE,
    &sl208_unixsocket_permissive::RULE,
    &sl209_database_out_of_range::RULE,
    &sl301_magento_files_sessions::RULE,
    &sl302_magento_session_config_invalid::RULE,
    &sl303_non_unique_database::RULE,
    &sl304_caches_share_database::RULE,
    &sl305_connect_retries::RULE,
    &sl306_persistent_id_shared::RULE,
    &sl307_force_standalone::RULE,
    &sl308_max_concurrency_low::RULE,
    &sl309_sentinel_unusable::RULE,
    &sl401_auth_mismatch::RULE,
    &sl402_endpoint_unreachable::RULE,
    &sl403_sessions_shared_across_apps::RULE,
    &sl404_plaintext_to_remote::RULE,
    &sl405_tunnel_chain_broken::RULE,
    &sl406_session_acl_denied::RULE,
    &sl407_tunnel_without_authentication::RULE,
    &sl501_probe_unreachable::RULE,
    &sl502_probe_tls_failed::RULE,
    &sl503_probe_access_refused::RULE,
    &sl504_probe_select_refused::RULE,
    &sl505_probe_server_info::RULE,
    &sl506_probe_config_drift::RULE,
    &sl507_probe_write_test_failed::RULE,
];

/// The check of a rule the running server decides (SL5xx): `check` never runs it, the live
/// findings come from `sesslint probe` (the `probe` module), which needs the running server.
fn live_only(_: &Rule, _: &Model, _: &mut Vec<Diagnostic>) {}

impl Rule {
    /// The severities its findings have, the default first: `error` or `error/info`.
    pub fn severities(&self) -> String {
        std::iter::once(self.default_severity)
            .chain(self.also.iter().copied())
            .map(Severity::as_str)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Whether the rule is about the running server (SL5xx), reported by `sesslint probe`
    /// only and never by `check`.
    pub fn is_live(&self) -> bool {
        self.code.as_str().starts_with("SL5")
    }

    /// The rule's name: `redis-missing-auth`.
    pub fn name(&self) -> &'static str {
        self.code.name()
    }

    /// Whether the rule can attach a fix (it builds one somewhere in its file; the unit test
    /// below keeps this and the `## Fix safety` section in step).
    pub fn offers_fix(&self) -> bool {
        ["Fix::safe(", "Fix::unsafe_edits(", "Fix::display_only(", "Fix::new(", "double_quote_fix("]
            .iter()
            .any(|f| self.source.contains(f))
    }

    /// The documentation in markdown: the rule file's leading `//!` comment.
    pub fn doc(&self) -> String {
        let mut out = String::new();
        for line in self.source.lines() {
            let Some(rest) = line.strip_prefix("//!") else { break };
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        }
        out
    }

    pub fn check(&self, model: &Model, out: &mut Vec<Diagnostic>) {
        (self.check)(self, model, out)
    }

    /// A diagnostic of this rule at `primary`.
    pub fn diagnostic(&self, severity: Severity, message: impl Into<String>, primary: Label) -> Diagnostic {
        Diagnostic {
            code: self.code,
            name: self.code.name(),
            severity,
            message: message.into(),
            primary,
            related: Vec::new(),
            help: None,
            fix: None,
            left_out: Vec::new(),
        }
    }
}

/// Find a rule by code (`SL201`) or name (`redis-missing-auth`).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    let code = Code::from_code(code_or_name).or_else(|| Code::from_name(code_or_name))?;
    RULES.iter().copied().find(|r| r.code == code)
}

/// The rules a word that names none may have meant: those whose name holds it as a part
/// (`redis`: `redis-missing-auth`, ...), else the code or name within a typo of it.
pub fn suggest(word: &str) -> Vec<&'static Rule> {
    let lower = word.to_ascii_lowercase();
    let holding: Vec<&'static Rule> =
        RULES.iter().copied().filter(|r| !lower.is_empty() && r.name().split('-').any(|part| part == lower)).collect();
    if !holding.is_empty() {
        return holding;
    }
    let names = RULES.iter().flat_map(|r| [r.name(), r.code.as_str()]);
    crate::suggest::did_you_mean(&lower, names)
        .or_else(|| crate::suggest::did_you_mean(&word.to_ascii_uppercase(), RULES.iter().map(|r| r.code.as_str())))
        .and_then(|m| find(&m))
        .into_iter()
        .collect()
}

/// Run every rule over the model; diagnostics come back in path and position order.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    check_selected(model, |_| true)
}

/// Run the rules `enabled` accepts, spread over the threads of [`crate::parallel`] (rules
/// only read the model); diagnostics come back in path and position order, duplicates dropped.
pub fn check_selected(model: &Model, enabled: impl Fn(&Rule) -> bool) -> Vec<Diagnostic> {
    let rules: Vec<&Rule> = RULES.iter().copied().filter(|r| enabled(r)).collect();
    // Each rule's findings apart, then joined in the table's order: the sort below is stable,
    // so equal keys keep the order a sequential run gives them.
    // A small tree's rules take less time than starting a thread.
    let per_thread = if model.files.len() < 64 { usize::MAX } else { 1 };
    let found = crate::parallel::map(&rules, per_thread, |rule| {
        let mut out = Vec::new();
        rule.check(model, &mut out);
        out
    });
    let mut out: Vec<Diagnostic> = found.into_iter().flatten().collect();
    for d in &mut out {
        place_in_text(model, d);
    }
    out.sort_by(|a, b| {
        (&a.primary.path, a.primary.span.start, a.code).cmp(&(&b.primary.path, b.primary.span.start, b.code))
    });
    out.dedup();
    out
}

/// A finding whose place does not fit in its file's text (a span past its end, or ending
/// before it starts: the file could not be read as the model read it) placed at 1:1, the
/// message saying so, so that no format or reporter indexes past the text. Related places
/// that do not fit move to 1:1 as well.
fn place_in_text(model: &Model, d: &mut Diagnostic) {
    let fits = |l: &Label| {
        let len = model.file_id(&l.path).map(|id| model.files[id.0].source.bytes.len());
        // A label on a path that is no model file (a directory, a file not read) has no text
        // to index: the reporters place it by name only.
        len.is_none_or(|len| l.span.start <= l.span.end && l.span.end <= len)
    };
    if !fits(&d.primary) {
        d.message.push_str(&format!(
            " (sesslint could not place this in the file's text: it points at bytes {}..{} of a text of {} bytes; shown at 1:1)",
            d.primary.span.start,
            d.primary.span.end,
            model.file_id(&d.primary.path).map_or(0, |id| model.files[id.0].source.bytes.len())
        ));
        d.primary.span = crate::span::Span::empty(0);
    }
    for r in &mut d.related {
        if !fits(r) {
            r.span = crate::span::Span::empty(0);
        }
    }
}

/// Endpoint labels grouped by the place that decides for them, in first-seen order: one
/// finding per php.ini line instead of one per pool that inherits it.
pub(crate) fn group_by_location<T: Eq + std::hash::Hash + Clone>(
    items: impl IntoIterator<Item = (Location, T, String)>,
) -> Vec<(Location, T, Vec<String>)> {
    // An index, not a scan of the groups so far: a pool.d can hold a group per pool.
    let mut index: std::collections::HashMap<(Location, T), usize> = std::collections::HashMap::new();
    let mut out: Vec<(Location, T, Vec<String>)> = Vec::new();
    for (at, key, who) in items {
        match index.entry((at, key)) {
            std::collections::hash_map::Entry::Occupied(e) => out[*e.get()].2.push(who),
            std::collections::hash_map::Entry::Vacant(e) => {
                let (at, key) = e.key().clone();
                e.insert(out.len());
                out.push((at, key, vec![who]));
            }
        }
    }
    out
}

/// `pool www (...)` / `pools www and shop` style subject for grouped endpoint labels.
pub(crate) fn subjects(labels: &[String]) -> String {
    match labels {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    }
}

/// Where a server's setting is written, else the top of its file (a built-in default).
pub fn setting_at(server: &crate::model::RedisServer, name: &str) -> Location {
    server
        .settings
        .get(name)
        .map(|(_, at)| *at)
        .unwrap_or(Location { file: server.file, span: crate::span::Span::empty(0) })
}

/// Where an endpoint's Redis address is set (its save_path line, else what decided it).
pub fn endpoint_at(ep: &crate::model::SessionEndpoint) -> Option<Location> {
    ep.save_path.as_ref().and_then(|v| v.set_at).or(ep.decided_at)
}

/// The fix that double-quotes an ini value as separate small edits: a `"` inserted before
/// and after `value`, and a `\` inserted before each byte `needs_escape` names. No edit
/// carries the value's text, so a password in it is never printed in a fix (nor `********`
/// written into a config by a tool applying one). An escape that lands inside one of the
/// file's secrets (`secrets`: the cover of `at.file`'s [`secrets`](crate::model::LoadedFile::secrets),
/// made once per file by the caller) would tell where the password has a `"` or `\`: then
/// the fix is shown only, never applied. `None` for a value that cannot be one
/// double-quoted line (a line end or NUL in it).
pub fn double_quote_fix(
    model: &Model,
    at: Location,
    secrets: &crate::span::SpanCover,
    title: &str,
    needs_escape: impl Fn(u8) -> bool,
) -> Option<crate::diagnostic::Fix> {
    use crate::diagnostic::{Edit, Fix};
    let file = model.file(at.file);
    let value = at.span.slice(&file.source.bytes);
    if value.is_empty() || value.iter().any(|b| matches!(b, b'\n' | b'\r' | 0)) {
        return None;
    }
    let path = model.path(at.file);
    let mut edits = Vec::new();
    let mut touches_secret = false;
    let mut opening = String::from("\"");
    for (i, &b) in value.iter().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        let p = at.span.start + i;
        touches_secret |= secrets.covers_offset(p);
        if i == 0 {
            // One insertion per position: editors differ on the order of two.
            opening.push('\\');
        } else {
            edits.push(Edit::insertion(path, p, "\\"));
        }
    }
    edits.push(Edit::insertion(path, at.span.start, opening));
    edits.push(Edit::insertion(path, at.span.end, "\""));
    Some(if touches_secret { Fix::display_only(title, edits) } else { Fix::safe(title, edits) })
}

/// A label at a model location.
pub fn label(model: &Model, at: Location, message: impl Into<String>) -> Label {
    Label::new(model.path(at.file), at.span, message)
}

/// A config value as a message may quote it: `value` (as the program reads it) through
/// [`printable`](crate::source::printable), with the bytes the file's code frames mask
/// (its [`secrets`](crate::model::LoadedFile::secrets) within `written`, the value as
/// written in `file`, quotes included) masked here too. When the read value is not the
/// written text (escapes, expansion) and a secret touches it, the whole value is masked:
/// a message never shows what its frame hides.
pub fn quoted_value(model: &Model, file: crate::model::FileId, written: crate::span::Span, value: &str) -> String {
    let f = model.file(file);
    let inside: Vec<std::ops::Range<usize>> = f
        .secrets()
        .iter()
        .filter(|s| s.start < written.end && written.start < s.end)
        .map(|s| s.start.max(written.start)..s.end.min(written.end))
        .collect();
    if inside.is_empty() {
        return crate::source::printable(value).into_owned();
    }
    let bytes = written.slice(&f.source.bytes);
    // Where `value` stands in the written text: itself, or inside one pair of quotes.
    let from = match bytes.strip_prefix(b"\"").or_else(|| bytes.strip_prefix(b"'")) {
        Some(rest) if rest.len() > value.len() && rest.starts_with(value.as_bytes()) => 1,
        _ if bytes == value.as_bytes() => 0,
        _ => return crate::secrets::MASK.to_owned(),
    };
    let base = written.start + from;
    let at = |o: usize| o.saturating_sub(base).min(value.len());
    let ranges: Vec<std::ops::Range<usize>> = inside.iter().map(|r| at(r.start)..at(r.end)).collect();
    crate::source::printable(&crate::secrets::mask_ranges(value, &ranges)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_by_location_keeps_first_seen_order_and_joins_apart_items() {
        use crate::model::FileId;
        use crate::span::Span;
        let at = |f: usize, s: usize| Location { file: FileId(f), span: Span { start: s, end: s + 1 } };
        let items = vec![
            (at(0, 5), 1, "a".to_owned()),
            (at(1, 0), 1, "b".to_owned()),
            (at(0, 5), 2, "c".to_owned()),
            (at(0, 5), 1, "d".to_owned()),
            (at(1, 0), 1, "e".to_owned()),
        ];
        let got = group_by_location(items);
        assert_eq!(
            got,
            vec![
                (at(0, 5), 1, vec!["a".to_owned(), "d".to_owned()]),
                (at(1, 0), 1, vec!["b".to_owned(), "e".to_owned()]),
                (at(0, 5), 2, vec!["c".to_owned()]),
            ]
        );
    }

    #[test]
    fn every_code_has_one_rule_documented_in_the_four_sections() {
        let codes: Vec<Code> = RULES.iter().map(|r| r.code).collect();
        assert_eq!(codes, Code::ALL, "one rule per code, in the table's order");
        for r in RULES {
            let doc = r.doc();
            for section in ["## What it does", "## Why it matters", "## Example", "## Fix"] {
                assert!(doc.contains(section), "{} lacks {section}", r.code);
            }
            // A rule that builds a fix says how safe it is, in its documentation.
            assert_eq!(
                r.offers_fix(),
                doc.contains("## Fix safety"),
                "{}: a `## Fix safety` section iff it offers a fix",
                r.code
            );
        }
    }
}
