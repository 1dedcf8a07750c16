//! # SL113 secret-world-readable
//!
//! ## What it does
//! Finds a file that holds a Redis password (a save_path's `auth=`, a pool's
//! `php_value[session.save_path]`, a redis.conf `requirepass` or ACL `>password`) and that
//! every local user may read (mode `o+r`, such as Debian's and RHEL's `0644` for php.ini,
//! conf.d and pool files).
//!
//! Checked only when sesslint reads the files where they are used: a tree checked in place
//! (the root is `/`). In a copy (a repository, `--root DIR`, a tree with its own `etc/` at the
//! top) the modes are the copy's, not the deployed ones.
//!
//! ## Why it matters
//! Anyone with a shell on the host (another site's PHP code, a compromised service account)
//! reads the password and with it every session: reads them, forges them, or flushes them.
//! The password also travels further than the file: every phpredis warning prints the whole
//! save_path into the log, and `phpinfo()` shows it.
//!
//! ## Example
//! ```text
//! -rw-r--r-- root root /etc/php/8.2/fpm/conf.d/30-sessions.ini   (holds auth=...)
//! ```
//!
//! ## Fix
//! ```sh
//! chmod 640 /etc/php/8.2/fpm/conf.d/30-sessions.ini   # root-owned: php-fpm's master reads it as root
//! chown root:redis /etc/redis/redis.conf && chmod 640 /etc/redis/redis.conf
//! ```
//! Better still, give sessions their own ACL user that may only touch session keys.

use std::collections::HashMap;

use super::{label, Rule};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::Role;
use crate::model::{FileId, Location, Model};
use crate::span::{Span, SpanCover};

pub static RULE: Rule = Rule {
    code: Code::SecretWorldReadable,
    summary: "A file holding a Redis password that every local user can read",
    default_severity: Severity::Warning,
    also: &[],
    source: include_str!("sl113_secret_world_readable.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<Diagnostic>) {
    if model.root != std::path::Path::new("/") {
        return; // a copy of a tree: its modes are not the deployed ones
    }
    // The lines that hold Redis passwords: session.save_path lines PHP and php-fpm read
    // (other secrets of a php.ini, `mysqli.default_pw`, are not this rule's), requirepass,
    // and ACL users with a password.
    let password_lines =
        model
            .php
            .iter()
            .flat_map(|s| s.history.get("session.save_path").into_iter().flatten().map(|(_, at)| *at))
            .chain(model.pools.iter().flat_map(|p| {
                p.overrides.get("session.save_path").into_iter().flat_map(|o| o.lines.iter().map(|(_, _, at)| *at))
            }))
            // redis.conf and ACL files: the requirepass line and user lines with a password.
            .chain(model.redis.iter().flat_map(|r| {
                r.requirepass_at.into_iter().chain(r.users.iter().filter(|u| u.passwords > 0).map(|u| u.at))
            }))
            .fold(HashMap::new(), |mut by_file: HashMap<FileId, Vec<Span>>, at: Location| {
                by_file.entry(at.file).or_default().push(at.span);
                by_file
            });
    // By file, each secret asks in O(log n) whether a password line holds it.
    let password_lines: HashMap<FileId, SpanCover> =
        password_lines.into_iter().map(|(file, spans)| (file, SpanCover::new(spans))).collect();
    for (i, f) in model.files.iter().enumerate() {
        let Some(mode) = f.mode else { continue };
        if mode & 0o004 == 0 {
            continue;
        }
        let id = FileId(i);
        // A file without a password line holds no Redis password: its secrets are not asked
        // (in a fleet they are located only when asked, and most files have none of these).
        let Some(lines) = password_lines.get(&id) else { continue };
        if matches!(f.role, Role::MagentoEnv | Role::Stunnel | Role::Spiped | Role::PeerVpn) {
            continue;
        }
        let redis_password = |s: &&Span| !s.is_empty() && lines.covers_span(**s);
        let Some(first) = f.secrets().iter().find(redis_password) else { continue };
        out.push(
            rule.diagnostic(
                Severity::Warning,
                format!("this file holds a Redis password and is readable by every local user (mode {mode:04o})"),
                label(model, Location { file: id, span: *first }, "password"),
            )
            .with_help("`chmod 640` the file (owner root, group of the service that reads it), or move the password to a file only that service can read"),
        );
    }
}
