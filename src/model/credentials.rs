//! Whether a Redis server accepts the credentials a session target sends, compared by
//! SHA-256 digest as redis-server does for `>password` rules: the password is never kept.

use super::endpoint::{Auth, RedisTarget};
use super::redis::RedisServer;

/// Why the server refuses a target's credentials, and what it answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// What the client does wrong, to be followed by the server's name: "sends no password to".
    pub why: String,
    /// The server's reply as redis-server 7.0 sends it (checked live in tests/e2e_cross_file.rs).
    pub reply: &'static str,
}

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled";

/// Whether `server` refuses what `target` sends: no AUTH where the default user needs one
/// (`NOAUTH`, server.c processCommand), `AUTH <password>` to a `nopass` default user, or a
/// password or ACL user that does not match (acl.c authCommand, ACLCheckUserCredentials).
/// `None` when it accepts, when the password is not known (no digest), and when the
/// server's users are not known (its `aclfile` was not read: [`RedisServer::users_known`]).
pub fn credentials_refused(target: &RedisTarget, server: &RedisServer) -> Option<Refusal> {
    if !server.users_known() {
        return None;
    }
    let d = &server.default_user;
    let refusal = |why: String, reply| Some(Refusal { why, reply });
    let Some(Auth { user, digest, .. }) = &target.auth else {
        if d.is_open() {
            return None;
        }
        let why = if d.enabled { "sends no password to" } else { "sends no credentials (the default user is off) to" };
        return refusal(why.to_owned(), "NOAUTH Authentication required");
    };
    let digest = digest.as_deref()?;
    match user.as_deref().filter(|u| !u.is_empty()) {
        None if d.nopass => refusal(
            "sends a password to".to_owned(),
            "ERR AUTH <password> called without any password configured for the default user",
        ),
        None if !d.accepts_digest(digest) => {
            refusal("sends a password that is not the default user's to".to_owned(), WRONGPASS)
        }
        None => None,
        Some("default") if !d.accepts_digest_as_default(digest) => {
            refusal("logs in as `default` with a password that user does not accept at".to_owned(), WRONGPASS)
        }
        Some("default") => None,
        Some(name) => match server.users.get(name) {
            Some(u) if u.accepts_digest(digest) => None,
            None => refusal(format!("logs in as ACL user `{name}`, which does not exist on"), WRONGPASS),
            Some(u) if !u.enabled => refusal(format!("logs in as ACL user `{name}`, which is off on"), WRONGPASS),
            Some(_) => refusal(format!("sends a password that ACL user `{name}` does not accept to"), WRONGPASS),
        },
    }
}

/// A password exactly as a client sends it, for a live connection (`sesslint probe`,
/// copying sessions). Read again from its setting on demand, never kept in the model;
/// `Debug` prints a mask so that it cannot reach output by accident.
pub struct Password(String);

impl Password {
    /// The bytes the client sends after `AUTH`.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("********")
    }
}

/// The password target `target` of `endpoint` sends: phpredis' `auth` as PHP's ini parsing
/// and phpredis' query decoding leave it (redis_session.c), or Magento's
/// `session.redis.password` (Cm\RedisSession, `AUTH` when not empty). `None`: no password.
pub fn password_sent(model: &super::Model, endpoint: super::EndpointId, target: usize) -> Option<Password> {
    let ep = model.endpoint(endpoint);
    ep.targets.get(target)?.auth.as_ref()?;
    match ep.owner {
        super::EndpointOwner::Magento(i) => {
            let block = model.magento.get(i)?.session_redis.as_ref()?;
            block.str("password").filter(|p| !p.is_empty()).map(|p| Password(p.to_owned()))
        }
        _ => {
            let save_path = ep.save_path.as_ref()?;
            let passwords = super::endpoint::passwords_in_save_path(&ep.handler.value, &save_path.value);
            passwords.into_iter().nth(target).flatten().map(Password)
        }
    }
}
