//! # SL401 auth-mismatch
//!
//! ## What it does
//! For every session endpoint linked to a Redis server in the tree, compares the
//! credentials the client really sends with what the server accepts, as redis-server
//! computes it (requirepass, `user` lines, the ACL file). The client's password is taken
//! after PHP's ini parsing and phpredis' URL decoding (`+` is a space, `%xx` decodes,
//! `auth[]=user&auth[]=pass` and `auth[user]=..&auth[pass]=..` name an ACL user), and for
//! Magento from env.php. It fires when:
//! - the client sends no password and the server requires one (`NOAUTH Authentication
//!   required`);
//! - the client sends a password and the server has none (`ERR AUTH <password> called
//!   without any password configured for the default user`);
//! - the password or ACL user is not one the server accepts (`WRONGPASS`).
//!
//! Passwords are compared by SHA-256 digest and never printed. A password taken from the
//! environment (`${REDIS_PW}`) is not compared, nor a save path that is malformed (an empty
//! `auth=`, a password split at a comma: the save-path rules say so). Only exact links
//! count (an address that more than one server may answer is left alone).
//!
//! ## Why it matters
//! Every one of these makes session storage fail, and the failure is quiet: phpredis logs
//! "Failed to read session data: redis" and PHP carries on with an empty session, so users
//! are logged out on every request; Magento falls back to file sessions. Checked live with
//! php 8.2, phpredis 5.3.7 and redis-server 7.0.15.
//!
//! ## Example
//! ```text
//! # /etc/redis/redis.conf
//! requirepass the-server-password
//! ```
//! ```ini
//! ; /etc/php/8.2/fpm/pool.d/www.conf
//! php_value[session.save_path] = "tcp://127.0.0.1:6379?auth=an-old-password"
//! ```
//!
//! ## Fix
//! Give the client the password (and ACL user) the server accepts, URL-encoded in the save
//! path (`%2B` for `+`, `%26` for `&`, `%2C` for `,`); or remove `auth` where the server
//! has no password.

use super::{endpoint_at, label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::credentials::{credentials_refused, Refusal};
use crate::model::php::HISTORY_KEYS;
use crate::model::{LinkCertainty, Location, Model};

pub static RULE: Rule = Rule {
    code: Code::AuthMismatch,
    summary: "A session client's credentials that the Redis server it reaches refuses",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl401_auth_mismatch.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    for l in &model.links {
        if l.certainty != LinkCertainty::Exact || model.repeats_base(model.endpoint(l.endpoint).owner, &HISTORY_KEYS) {
            continue;
        }
        let ep = model.endpoint(l.endpoint);
        if ep.save_path.as_ref().is_some_and(|v| v.depends_on_env.is_some()) {
            continue; // the password is in the environment, not in the files
        }
        let t = &ep.targets[l.target];
        if !t.problems.is_empty() {
            continue; // a malformed address (an empty or split `auth`) is the save-path rules' finding
        }
        let s = model.server(l.server);
        let Some(Refusal { why: problem, reply }) = credentials_refused(t, s) else { continue };
        let Some(at) = endpoint_at(ep) else { continue };
        let server_at = s.default_user.at.unwrap_or(Location { file: s.file, span: crate::span::Span::empty(0) });
        let d = rule
            .diagnostic(
                Severity::Error,
                format!(
                    "{} {problem} Redis server {} (via {}); it answers `{reply}` and the session is lost",
                    ep.label,
                    crate::source::display_path(model.path(s.file)),
                    l.address
                ),
                label(model, at, "credentials sent from here"),
            )
            .with_related(label(model, server_at, "what the server accepts is decided here"));
        out.push(d.with_help("make the client's `auth` match the server's password or ACL user (URL-encode `+`, `&`, `,` and `%`), or drop `auth` where the server has none"));
    }
}
