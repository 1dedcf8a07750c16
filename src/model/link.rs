//! Which Redis server in the tree a session endpoint reaches. A link is made only when an
//! address can reach a listener; when more than one could, that is said, never guessed.

use std::path::{Component, Path, PathBuf};

use super::endpoint::RedisTarget;
use super::host::HostId;
use super::redis::RedisServer;
use super::{EndpointId, Location, ServerId};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "reason", rename_all = "lowercase")]
pub enum LinkCertainty {
    Exact,
    Ambiguous(String),
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Link {
    pub endpoint: EndpointId,
    /// Index into the endpoint's targets.
    pub target: usize,
    pub server: ServerId,
    pub certainty: LinkCertainty,
    /// The server's host, in a fleet (`None` outside fleets).
    pub host: Option<HostId>,
    /// The endpoint and the server are on two hosts of a fleet.
    pub cross_host: bool,
    /// What the connection reaches the server by last: `10.0.0.5:6379`, `127.0.0.1:6379`
    /// on the server's host behind a tunnel, `unix:/run/redis.sock`.
    pub address: String,
    /// The tunnels the connection passes, client end first (indices into
    /// [`Model::tunnels`](super::Model::tunnels)); a PeerVPN network appears once per host.
    pub via: Vec<usize>,
}

/// A session target sesslint could not link, and why (a host name no fleet host has).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Unlinked {
    pub endpoint: EndpointId,
    pub target: usize,
    pub reason: String,
}

/// A session target that reaches no server although the tree holds the Redis configs of
/// the machine its address designates (its own, for loopback and Unix sockets; in a fleet,
/// the host that owns the address): every listener there is known, and none matches.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Unreached {
    pub endpoint: EndpointId,
    pub target: usize,
    /// The first [`UNREACHED_SERVERS_KEPT`] servers of that machine (in the model's order),
    /// none of which accepts the address: enough to say why, and a target keeps no list as
    /// long as the machine's (targets x servers).
    pub servers: Vec<ServerId>,
    /// How many servers that machine has (`servers` holds the first of them).
    pub servers_total: usize,
    /// The machine, as output names it (a fleet host, or the tree's directory).
    pub machine: String,
}

/// How many of the destination's servers an [`Unreached`] keeps (SL402 says why for those
/// and how many it left out).
pub const UNREACHED_SERVERS_KEPT: usize = 16;

/// A tunnel whose two ends do not meet: a client end with no server end where it connects,
/// a server end that forwards to no Redis, two ends with different keys.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChainProblem {
    /// The end the problem is seen from (index into [`Model::tunnels`](super::Model::tunnels)).
    pub tunnel: usize,
    /// The other end, when one was found.
    pub other: Option<usize>,
    pub message: String,
    /// Certain from the files (false: it depends on something sesslint cannot see).
    pub certain: bool,
    /// The line that is wrong (a client's `connect`, a server end's `connect`, a key line),
    /// and what to call it.
    #[serde(skip)]
    pub at: Location,
    #[serde(skip)]
    pub label: &'static str,
    /// The other end's line the wrong one is measured against, and what to call it.
    #[serde(skip)]
    pub related: Option<(Location, &'static str)>,
}

/// The machine a file belongs to: the path before its first `etc`, `usr`, `var`, `srv`,
/// `opt`, `home` or `app` component, else the scanned path that holds it. Files of two
/// machines (a fleet of trees) are never linked.
pub fn host_of(path: &Path, tops: &[PathBuf]) -> PathBuf {
    // A clean absolute path (what a walk finds) is cut at the byte before the component:
    // no walk over the components, one allocation.
    if crate::confine::is_clean_absolute(path) {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        let mut start = 1;
        for part in bytes[1..].split(|&b| b == b'/') {
            if matches!(part, b"etc" | b"usr" | b"var" | b"srv" | b"opt" | b"home" | b"app") {
                let prefix = if start == 1 { &bytes[..1] } else { &bytes[..start - 1] };
                return PathBuf::from(std::ffi::OsStr::from_bytes(prefix));
            }
            start += part.len() + 1;
        }
    }
    host_of_by_components(path, tops)
}

/// [`host_of`] without its shortcut (its tests compare the two).
fn host_of_by_components(path: &Path, tops: &[PathBuf]) -> PathBuf {
    let mut prefix = PathBuf::new();
    for c in path.components() {
        if let Component::Normal(n) = c {
            if matches!(n.to_str(), Some("etc" | "usr" | "var" | "srv" | "opt" | "home" | "app")) {
                return prefix;
            }
        }
        prefix.push(c.as_os_str());
    }
    tops.iter().filter(|t| path.starts_with(t)).max_by_key(|t| t.as_os_str().len()).cloned().unwrap_or_default()
}

/// Why a server refuses the credentials a session target sends, when that is certain from
/// the files (passwords are compared by digest, never printed). phpredis 5.3 sends `AUTH`
/// whenever `auth` is given, even empty, and the session fails on any error
/// (redis_session.c); redis-server answers as authCommand does (acl.c, networking.c). A
/// wrong password or an unknown or disabled ACL user (`-WRONGPASS`) is judged by
/// [`super::credentials::credentials_refused`], SL401's test, so that `show` and `check`
/// agree.
pub fn auth_refused(target: &RedisTarget, server: &RedisServer) -> Option<std::borrow::Cow<'static, str>> {
    use std::borrow::Cow;
    let user = &server.default_user;
    match &target.auth {
        Some(a) if !a.password && a.user.as_deref().is_none_or(str::is_empty) => {
            Some(Cow::Borrowed("its `auth` is empty, and phpredis still sends AUTH, which fails"))
        }
        // Its users are not known (the aclfile was not read): nothing else is certain.
        _ if !server.users_known() => None,
        None if !user.is_open() => Some(Cow::Borrowed("it sends no password and this server requires one (`-NOAUTH`)")),
        None => None,
        Some(a) if a.password && a.user.is_none() && user.nopass => Some(Cow::Borrowed(
            "it sends a password, and this server's default user has none: `AUTH <password>` fails (\"called without any password configured for the default user\")",
        )),
        Some(_) => super::credentials::credentials_refused(target, server).map(|r| {
            let code = r.reply.split(' ').next().unwrap_or(r.reply);
            Cow::Owned(format!("it {} this server (`-{code}`)", r.why))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte shortcut of `host_of` cuts where the components cut.
    #[test]
    fn host_of_by_bytes_agrees_with_the_components() {
        let tops = [PathBuf::from("/t"), PathBuf::from("/t/a")];
        for p in [
            "/etc/php.ini",
            "/t/a/etc/x",
            "/t/a/b/usr/etc",
            "/t/etcetera/x",
            "/t/a/app",
            "/t/a/x",
            "/t",
            "/",
            "/t//a/etc",
            "/t/./a/etc/x",
            "/t/../a/etc",
            "t/a/etc/x",
            "./a/var/x",
            "/t/a/etc/",
        ] {
            let p = Path::new(p);
            assert_eq!(host_of(p, &tops), host_of_by_components(p, &tops), "{p:?}");
        }
    }
}
