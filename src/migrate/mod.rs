//! The move from `files` to Redis sessions as text edits: for every PHP SAPI, php-fpm pool and
//! Magento install on `files`, and with `--harden-redis` the server's redis.conf, what to write.
//!
//! [`plan`] reads the model only and returns [`Edit`]s (spans of the files as read, never a
//! re-serialised file) with a summary; previewing and applying them is the edit engine's job.

mod application;
mod database;
mod edits;
mod magento;
mod php;
mod readers;
mod redis;
mod services;
pub mod style;
mod target;

use std::collections::BTreeSet;

pub use target::{RedisUrl, UrlError};

use crate::diagnostic::Edit;
use crate::model::Model;

/// The password the migration writes: never printed by `Debug`, never on a command line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A password for the save path, env.php and redis.conf. Errors: empty, or holding a
    /// line end or NUL (no config format sesslint writes can carry those on one line).
    pub fn new(password: String) -> Result<Secret, MigrateError> {
        if password.is_empty() {
            return Err(MigrateError::Password("the password is empty".into()));
        }
        if password.contains(['\n', '\r', '\0']) {
            return Err(MigrateError::Password("the password holds a line end or a NUL byte".into()));
        }
        Ok(Secret(password))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(********)")
    }
}

/// `--database`: a number, or the lowest one nothing else on that server uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseChoice {
    Auto,
    Fixed(i64),
}

/// What the user asked for.
#[derive(Clone, Debug)]
pub struct Request {
    pub redis: RedisUrl,
    pub password: Secret,
    /// An ACL user (phpredis `auth[user]`/`auth[pass]`, redis.conf `user` line).
    pub user: Option<String>,
    pub database: DatabaseChoice,
    /// Also edit the redis.conf of the server `redis` names.
    pub harden_redis: bool,
}

/// What the migration does, for the preview's summary.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Sorted by (path, position), none overlapping another.
    pub edits: Vec<Edit>,
    /// One line per owner changed: `pool www (...): files -> redis, database 2`.
    pub changes: Vec<String>,
    /// One line per owner left as it is, and why.
    pub unchanged: Vec<String>,
    /// Services to reload for the change to take effect (printed, never run).
    pub reloads: BTreeSet<String>,
    /// Things the user should know (a bind kept because clients use another address).
    pub notes: Vec<String>,
}

impl Plan {
    /// Nothing to write: a migrated tree gives an empty plan (the command is idempotent).
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }
}

/// Why no plan can be made. Nothing is written when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("{0}")]
    Password(String),
    /// phpredis is not loaded by a SAPI whose sessions would move: sesslint installs nothing.
    #[error("{setup}: no `extension=redis` reaches this SAPI, so PHP would fail with \"Cannot find save handler 'redis'\"; {remedy}")]
    NoExtension { setup: String, remedy: String },
    /// Magento's session config (`Magento\Framework\Session\SaveHandler\Redis\Config`) has no
    /// username: Cm_RedisSession can only send `AUTH <password>`.
    #[error("{install}: Magento's session config cannot send a username (Cm_RedisSession sends AUTH <password> only), so --user cannot be used for it; give the default user the password instead, or migrate the PHP side only by naming its paths")]
    MagentoUser { install: String },
    #[error("{0}")]
    Unencodable(String),
    /// Two owners need different text at the same place.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Database(String),
    /// The server in the tree would refuse the password or user.
    #[error("{0}")]
    Credentials(String),
    /// `--harden-redis` found no redis.conf for the server, or one it cannot safely edit.
    #[error("{0}")]
    Harden(String),
    /// An ini file of a setup or pool to migrate that PHP does not read as written (SL001).
    #[error("{0}")]
    Misread(String),
}

/// The migration of everything in `model` that keeps sessions in `files` to the server of
/// `request`, as edits. Reads the model only. Errors: [`MigrateError`]; then nothing should
/// be written.
pub fn plan(model: &Model, request: &Request) -> Result<Plan, MigrateError> {
    let mut plan = Plan::default();
    let mut edits = edits::EditSet::default();
    if let Some(user) = &request.user {
        check_user_name(user)?;
    }
    check_credentials(model, request)?;
    let databases = database::Allocator::new(model, request)?;
    php::plan(model, request, &databases, &mut edits, &mut plan)?;
    magento::plan(model, request, &databases, &mut edits, &mut plan)?;
    if request.harden_redis {
        redis::plan(model, request, &mut edits, &mut plan)?;
    }
    plan.edits = edits.finish()?;
    readable_secrets(model, &mut plan);
    Ok(plan)
}

/// Refuse an ACL user name redis-server would not load. Redis 7.0's `ACLSetUser` callers
/// (`ACLLoadConfiguredUsers`, `ACLLoadFromFile`, src/acl.c) reject a name for which
/// `ACLStringHasSpaces` holds (any `isspace` byte or NUL: "Spaces not allowed in ACL
/// usernames", the server exits); control bytes and an empty name are refused too, since
/// no client can send them sensibly. Checked live in tests/e2e_migrate.rs.
pub fn check_user_name(user: &str) -> Result<(), MigrateError> {
    if user.is_empty() {
        return Err(MigrateError::Unencodable("--user: the ACL user name is empty".into()));
    }
    if user.bytes().any(|b| b.is_ascii_whitespace() || b == 0x0b || b.is_ascii_control()) {
        return Err(MigrateError::Unencodable(format!(
            "--user {}: redis-server refuses ACL user names with spaces or control characters (\"Spaces not allowed in ACL usernames\") and would not start",
            crate::source::printable(user)
        )));
    }
    Ok(())
}

/// A note for each file that will hold the password and that every local user can read,
/// naming who must still read it (`readers`):
/// sesslint keeps a file's mode, so saying it is all it does. SL113 reports such a file only
/// where the modes are the deployed ones (the root is `/`), so the note names SL113 only there.
fn readable_secrets(model: &Model, plan: &mut Plan) {
    let mut seen = BTreeSet::new();
    let sl113 = if model.root == std::path::Path::new("/") { ", SL113" } else { "" };
    for e in plan.edits.iter().filter(|e| !e.secrets().is_empty()) {
        let Some(id) = model.file_id(e.path()) else { continue };
        let Some(mode) = model.file(id).mode.filter(|m| m & 0o004 != 0) else { continue };
        if seen.insert(e.path().to_path_buf()) {
            plan.notes.push(format!(
                "{} gets the password and is readable by every local user (mode {:04o}{sl113}): `chmod o-r` it once no other user needs to read it ({})",
                crate::source::display_path(e.path()),
                mode & 0o7777,
                readers::readers(model, id, e.path())
            ));
        }
    }
}

/// A server of the tree that serves `--redis` and would refuse the credentials (NOAUTH,
/// WRONGPASS) is an error, unless `--harden-redis` gives it the password: a migration that
/// loses every session at the first request is no migration.
fn check_credentials(model: &Model, request: &Request) -> Result<(), MigrateError> {
    if request.harden_redis {
        return Ok(());
    }
    let mut target = request.redis.as_target();
    target.auth = Some(crate::model::Auth::new(request.user.clone(), request.password.expose().as_bytes()));
    for (_, server) in target::servers_for(model, &request.redis) {
        if let Some(refusal) = crate::model::credentials::credentials_refused(&target, server) {
            return Err(MigrateError::Credentials(format!(
                "{}: the server would refuse these credentials: the session handler {} the server, which answers `{}`; give its password (or user), or add --harden-redis to set this one",
                crate::source::display_path(model.path(server.file)),
                refusal.why,
                refusal.reply
            )));
        }
    }
    Ok(())
}
