//! `sesslint probe`: the live checks (SL5xx). Connects to every session target as its
//! client does and reports what the running server answers; `check` never calls this.

mod drift;
mod server_info;

use std::collections::BTreeMap;

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::live::{self, session_prefix, Failure, Timeouts};
use crate::model::credentials::password_sent;
use crate::model::magento::server_key;
use crate::model::{EndpointId, EndpointOwner, LinkCertainty, Location, Model, RedisServer, RedisTarget};
use crate::rules::{endpoint_at, label};
use crate::span::Span;

/// What a probe does.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub timeouts: Timeouts,
    /// Also write, read back and delete one key under the session prefix (SL507).
    pub write_test: bool,
}

/// The findings of one probe, and how many targets it tried.
#[derive(Debug, Default)]
pub struct Outcome {
    /// SL501-SL507, in path and position order.
    pub diagnostics: Vec<Diagnostic>,
    /// Session targets probed (an endpoint's address; one address used by several pools
    /// counts once per pool).
    pub targets: usize,
    /// Of those, the ones that connected, authenticated and selected their database.
    pub usable: usize,
}

/// The expiry of the `--write-test` key, in seconds: it disappears by itself if the
/// probe stops between writing and deleting it.
pub const WRITE_TEST_TTL_SECS: u64 = 10;

/// Probe every Redis session target of the model (tcp, tls, unix), as its client connects.
/// Server-wide findings (SL505, SL506) come once per server address; a failed connection
/// to an address is not retried for the next endpoint that uses it.
pub fn run(model: &Model, options: &Options) -> Outcome {
    let mut out = Outcome::default();
    let mut dead: BTreeMap<String, Failure> = BTreeMap::new();
    let mut seen_servers: Vec<String> = Vec::new();
    for (i, ep) in model.endpoints.iter().enumerate() {
        let id = EndpointId(i);
        for (n, t) in ep.targets.iter().enumerate() {
            if !t.problems.is_empty() {
                continue; // a save path phpredis refuses is `check`'s finding, not a server's
            }
            out.targets += 1;
            let at = endpoint_label(model, id);
            let key = server_key(t);
            let result = match dead.get(&key) {
                Some(f) => Err(f.clone()),
                None => live::connect(model, id, n, options.timeouts),
            };
            let secret = password_sent(model, id, n);
            let scrub = |text: &str| scrub(text, secret.as_ref().map(|p| p.expose()));
            let mut con = match result {
                Ok(con) => con,
                Err(f) => {
                    if matches!(f, Failure::Unreachable(_) | Failure::Tls(_)) {
                        dead.insert(key, f.clone());
                    }
                    out.diagnostics.push(failure(&f, &ep.label, t, at, &scrub));
                    continue;
                }
            };
            out.usable += 1;
            if !seen_servers.contains(&key) {
                seen_servers.push(key);
                let file = linked_server(model, id, n);
                let info = server_info::read(&mut con);
                let drift = drift::compare(&mut con, model, file);
                out.diagnostics.extend(drift.diagnostics.clone());
                out.diagnostics.push(server_info::diagnostic(model, t, file, &info, &drift, at.clone(), &scrub));
            }
            if options.write_test {
                if let Err(why) = write_test(&mut con, model, id, t) {
                    out.diagnostics.push(diagnostic(
                        Code::ProbeWriteTestFailed,
                        Severity::Error,
                        format!(
                            "{}: writing a test key under {} in {} fails: {}",
                            ep.label,
                            session_prefix(model, id, t),
                            t.describe(),
                            scrub(&why)
                        ),
                        at,
                    ));
                }
            }
        }
    }
    out.diagnostics.sort_by(|a, b| {
        (&a.primary.path, a.primary.span.start, a.code).cmp(&(&b.primary.path, b.primary.span.start, b.code))
    });
    out.diagnostics.dedup();
    out
}

/// `SET key value EX 10`, `GET`, `DEL` under the session prefix; why it failed.
fn write_test(con: &mut redis::Connection, model: &Model, endpoint: EndpointId, t: &RedisTarget) -> Result<(), String> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let key = format!("{}sesslint-probe-{}-{nanos}", session_prefix(model, endpoint, t), std::process::id());
    let value = b"sesslint probe write test";
    let step = |what: &str, e: redis::RedisError| format!("{what}: {}", live::reply_text(&e));
    redis::cmd("SET")
        .arg(&key)
        .arg(&value[..])
        .arg("EX")
        .arg(WRITE_TEST_TTL_SECS)
        .query::<()>(con)
        .map_err(|e| step("SET", e))?;
    let back: Option<Vec<u8>> = redis::cmd("GET").arg(&key).query(con).map_err(|e| step("GET", e))?;
    let deleted: i64 = redis::cmd("DEL").arg(&key).query(con).map_err(|e| step("DEL", e))?;
    if back.as_deref() != Some(&value[..]) {
        return Err("the key read back is not the value written".to_owned());
    }
    if deleted != 1 {
        return Err(format!("DEL removed {deleted} keys, not 1"));
    }
    Ok(())
}

/// The finding for a connection that did not reach a usable session database.
fn failure(f: &Failure, who: &str, t: &RedisTarget, at: Label, scrub: &dyn Fn(&str) -> String) -> Diagnostic {
    let target = t.describe();
    let (code, message, help) = match f {
        Failure::Unreachable(why) => (
            Code::ProbeUnreachable,
            format!("{who} connects to {target}, which does not answer: {}", scrub(why)),
            "start the server, or point the save path at the address it listens on",
        ),
        Failure::Tls(why) => (
            Code::ProbeTlsFailed,
            format!("{who}: TLS to {target} fails: {}", scrub(why)),
            "give the client the CA that signed the server's certificate (`stream[cafile]=...`)",
        ),
        Failure::Refused { command, reply } => (
            Code::ProbeAccessRefused,
            format!(
                "{who}: {target} refuses {}: {}",
                if *command == "PING" { "a client that sends no password" } else { command },
                scrub(reply)
            ),
            "send the password (and ACL user) the running server accepts",
        ),
        Failure::Database { database, reply } => (
            Code::ProbeSelectRefused,
            format!("{who}: SELECT {database} fails on {target}: {}", scrub(reply)),
            "use a database below the server's `databases`",
        ),
    };
    diagnostic(code, Severity::Error, message, at).with_help(help)
}

fn diagnostic(code: Code, severity: Severity, message: String, primary: Label) -> Diagnostic {
    Diagnostic {
        code,
        name: code.name(),
        severity,
        message,
        primary,
        related: Vec::new(),
        help: None,
        fix: None,
        left_out: Vec::new(),
    }
}

/// Where the endpoint's address is set (its save_path line), else the top of its file.
fn endpoint_label(model: &Model, id: EndpointId) -> Label {
    let ep = model.endpoint(id);
    let at = endpoint_at(ep).unwrap_or_else(|| match ep.owner {
        EndpointOwner::Magento(i) => Location { file: model.magento[i].file, span: Span::empty(0) },
        EndpointOwner::Php(i) => {
            let s = &model.php[i];
            let file = s.php_ini.or(s.scan_files.first().copied()).unwrap_or(crate::model::FileId(0));
            Location { file, span: Span::empty(0) }
        }
        EndpointOwner::Pool(i) => model.pools[i].declared_at,
    });
    label(model, at, "sessions go here")
}

/// The one server of the tree the target certainly reaches.
fn linked_server(model: &Model, id: EndpointId, target: usize) -> Option<&RedisServer> {
    let mut exact = model.servers_of(id, target).filter(|(l, _)| l.certainty == LinkCertainty::Exact);
    let first = exact.next().map(|(_, s)| s);
    if exact.next().is_some() {
        return None;
    }
    first
}

/// A server's text with the password the client sends masked, and the arguments an
/// "unknown command" reply quotes cut (redis-server 7 quotes them: they may be the password).
fn scrub(text: &str, password: Option<&[u8]>) -> String {
    let mut text = match text.find("with args beginning with:") {
        Some(i) => format!("{}with args beginning with: [not shown]", &text[..i]),
        None => text.to_owned(),
    };
    if let Some(pw) = password.and_then(|p| std::str::from_utf8(p).ok()).filter(|p| !p.is_empty()) {
        text = text.replace(pw, "********");
    }
    crate::source::printable(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn scrub_masks_the_password_and_quoted_arguments() {
        assert_eq!(scrub("ERR bad s3cret here", Some(b"s3cret")), "ERR bad ******** here");
        assert_eq!(
            scrub("ERR unknown command 'AUTH', with args beginning with: 'x' ", None),
            "ERR unknown command 'AUTH', with args beginning with: [not shown]"
        );
        assert_eq!(scrub("NOAUTH Authentication required.", Some(b"")), "NOAUTH Authentication required.");
    }
}
