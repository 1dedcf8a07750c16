//! `--redis URL`: where sessions go, as phpredis writes it in a save path (`tcp://host:port`,
//! `tls://host:port`, `unix:///path`).

use crate::model::endpoint::RedisTarget;
use crate::model::Transport;

/// A Redis server address given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisUrl {
    pub transport: Transport,
    /// Host name or address (no brackets for IPv6); `None` for a unix socket.
    pub host: Option<String>,
    /// TCP port (6379 when absent); 0 for a unix socket.
    pub port: u16,
    /// Absolute socket path for `unix://`.
    pub socket: Option<String>,
}

/// Why `--redis` is not a URL sesslint can write.
#[derive(Debug, thiserror::Error)]
#[error("--redis {url}: {why} (expected tcp://HOST:PORT, tls://HOST:PORT or unix:///PATH)")]
pub struct UrlError {
    url: String,
    why: &'static str,
}

impl RedisUrl {
    /// Parse `tcp://127.0.0.1:6379`, `tls://[::1]:6380`, `unix:///run/redis/redis.sock`.
    /// Credentials and query strings are refused: the password never travels on the command
    /// line, and the other parameters are sesslint's to write.
    pub fn parse(url: &str) -> Result<RedisUrl, UrlError> {
        let err = |why| UrlError { url: crate::source::printable(url).into_owned(), why };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| err("no scheme"))?;
        if rest.contains(['?', '#', '@']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("credentials, parameters and blanks belong elsewhere"));
        }
        match scheme {
            "unix" => {
                if !rest.starts_with('/') || rest.len() < 2 {
                    return Err(err("a unix socket needs an absolute path"));
                }
                Ok(RedisUrl { transport: Transport::Unix, host: None, port: 0, socket: Some(rest.to_owned()) })
            }
            "tcp" | "tls" => {
                let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
                    let (h, after) = v6.split_once(']').ok_or_else(|| err("unclosed [ in the host"))?;
                    (h, after.strip_prefix(':'))
                } else {
                    match rest.rsplit_once(':') {
                        Some((h, p)) => (h, Some(p)),
                        None => (rest, None),
                    }
                };
                let host = host.trim_end_matches('/');
                if host.is_empty() || host.contains('/') {
                    return Err(err("no host"));
                }
                let port = match port {
                    None => 6379,
                    Some(p) => p
                        .trim_end_matches('/')
                        .parse::<u16>()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| err("the port is not 1-65535"))?,
                };
                let transport = if scheme == "tls" { Transport::Tls } else { Transport::Tcp };
                Ok(RedisUrl { transport, host: Some(host.to_owned()), port, socket: None })
            }
            _ => Err(err("the scheme is not tcp, tls or unix")),
        }
    }

    /// The URL as the first part of a phpredis save path: `tcp://127.0.0.1:6379`.
    pub fn save_path_base(&self) -> String {
        match self.transport {
            Transport::Unix => format!("unix://{}", self.socket.as_deref().unwrap_or("")),
            _ => {
                let scheme = if self.transport == Transport::Tls { "tls" } else { "tcp" };
                let host = crate::model::endpoint::url_host(self.host.as_deref().unwrap_or("127.0.0.1"));
                format!("{scheme}://{host}:{}", self.port)
            }
        }
    }

    /// The model's view of this address, to compare with the targets already in the tree.
    pub fn as_target(&self) -> RedisTarget {
        match self.transport {
            Transport::Unix => RedisTarget::unix(self.socket.as_deref().unwrap_or("")),
            t => {
                let mut target = RedisTarget::tcp(self.host.as_deref().unwrap_or("127.0.0.1"), self.port);
                target.transport = t;
                target
            }
        }
    }

    /// The server as [`crate::model::magento::server_key`] names it (`127.0.0.1:6379`).
    pub fn server_key(&self) -> String {
        crate::model::magento::server_key(&self.as_target())
    }

    /// Whether the host is this machine (loopback or a unix socket).
    pub fn is_local(&self) -> bool {
        match &self.host {
            None => true,
            Some(h) => h == "localhost" || h.starts_with("127.") || h == "::1",
        }
    }
}

impl std::fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.save_path_base())
    }
}

/// The servers of the tree that serve `url`: the same unix socket, or the same port (the
/// TLS port for `tls://`); `(index in Model::redis, server)`.
pub fn servers_for<'m>(model: &'m crate::model::Model, url: &RedisUrl) -> Vec<(usize, &'m crate::model::RedisServer)> {
    model
        .redis
        .iter()
        .enumerate()
        .filter(|(_, s)| match url.transport {
            Transport::Unix => s.unixsocket.is_some() && s.unixsocket == url.socket,
            Transport::Tls => s.tls_port == url.port,
            Transport::Tcp => s.port == url.port,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_schemes_and_refuses_credentials() {
        let u = RedisUrl::parse("tcp://127.0.0.1:6379").unwrap();
        assert_eq!((u.host.as_deref(), u.port, u.transport), (Some("127.0.0.1"), 6379, Transport::Tcp));
        assert_eq!(u.save_path_base(), "tcp://127.0.0.1:6379");
        assert_eq!(RedisUrl::parse("tls://[::1]:6380").unwrap().save_path_base(), "tls://[::1]:6380");
        assert_eq!(RedisUrl::parse("tcp://redis").unwrap().port, 6379);
        let s = RedisUrl::parse("unix:///run/redis/redis.sock").unwrap();
        assert_eq!(s.save_path_base(), "unix:///run/redis/redis.sock");
        for bad in ["tcp://:pw@h:1", "tcp://h:1?auth=x", "http://h", "tcp://h:0", "unix://rel", "h:6379"] {
            assert!(RedisUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
