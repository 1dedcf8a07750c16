//! Session endpoints: where one PHP setup, pool or Magento install sends its sessions, and
//! the Redis addresses in that setting as phpredis (or Magento's Credis) reads them.

use super::{EffectiveValue, Location};
use crate::secrets::MASK;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Tls,
    Unix,
}

/// Whether credentials are sent, never the secret itself.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Auth {
    /// An ACL user name (`auth[]=user&auth[]=pass`), if any.
    pub user: Option<String>,
    pub password: bool,
    /// SHA-256 hex digest of the password exactly as the client sends it (after PHP's ini
    /// parsing and phpredis' URL decoding): compared with the server's, never shown.
    #[serde(skip)]
    pub digest: Option<String>,
}

impl Auth {
    /// Credentials for `password` (and an ACL user name), keeping only its digest.
    pub fn new(user: Option<String>, password: &[u8]) -> Auth {
        Auth { user, password: !password.is_empty(), digest: Some(crate::sha256::hex_digest(password)) }
    }
}

/// One Redis address in a session setting, with its connection parameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RedisTarget {
    pub transport: Transport,
    /// Host name or address (tcp/tls).
    pub host: Option<String>,
    pub port: u16,
    /// Socket path (unix).
    pub socket: Option<String>,
    /// `None`: no SELECT, database 0.
    pub database: Option<i64>,
    pub auth: Option<Auth>,
    pub prefix: Option<String>,
    pub timeout: Option<String>,
    pub read_timeout: Option<String>,
    pub persistent: bool,
    /// Magento's `retries` / `connect_retries`; phpredis has none.
    pub retries: Option<i64>,
    /// Query keys phpredis does not know (ignored silently by it).
    pub unknown_params: Vec<String>,
    /// `stream[verify_peer]=0`, `stream[cafile]=...`: the SSL context options phpredis hands
    /// to PHP's stream layer for `tls://` (redis_session.c, `stream` parameter), in order.
    /// Not serialised: `stream[passphrase]` is a secret.
    #[serde(skip)]
    pub stream: Vec<(String, String)>,
    /// Ways this address is not what its author meant (missing scheme, `redis://`, ...).
    pub problems: Vec<TargetProblem>,
}

/// A way a Redis address in a session setting is not what its author meant, as phpredis
/// 5.3/6.x (`redis_session.c`, `PS_OPEN_FUNC`) reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetProblem {
    /// `redis://` or `rediss://`: not a PHP stream transport.
    RedisScheme { scheme: String },
    /// Any other scheme PHP's stream layer does not know.
    UnknownScheme { scheme: String },
    /// `user:pass@host`: phpredis ignores URL credentials.
    CredentialsInUrl,
    /// `host:port?params` without `tcp://`: parse_url takes `host` for a scheme.
    NoSchemeWithParameters,
    /// A port that is not a number in 1..=65535.
    BadPort { port: String },
    /// A `rediscluster` seed without `:port`.
    SeedWithoutPort { seed: String },
    /// A `,` or whitespace inside `auth=`: phpredis splits the save path there.
    PasswordSplit,
    /// `?auth pw`, `?auth,pw`: a blank or comma where the credential key's `=` belongs;
    /// phpredis tries the password as another host (and sends `auth`'s empty value).
    PasswordAfterKeyWithoutEquals,
    /// `auth=` with nothing after it: phpredis still sends AUTH, which every server refuses.
    EmptyPassword,
    /// A password after a credential key outside any URL's query (`tcp://h password= pw`,
    /// libpq's `host=h password = pw`): phpredis reads the words as more hosts and sends no
    /// password.
    PasswordOutsideQuery,
    /// `tcp:///path.sock`: a scheme with an empty host; phpredis 5.3.7 refuses the whole
    /// save_path ("Failed to parse session.save_path (error at offset 0 ...)").
    EmptyHost,
    /// `timeout` or `weight` that is not > 0: phpredis refuses the whole save_path
    /// ("Failed to initialize storage module").
    NotPositive { param: &'static str, value: String },
    /// A raw `&` inside an `auth` value: the password ends there, the rest is dropped.
    PasswordSplitByAmpersand,
    /// `seed[]=h:7000?auth=pw`: phpredis reads a seed's port with `atoi`, so the seed is
    /// `h:7000` and the text after the port is dropped (no parameter of it is used).
    SeedTextAfterPort { port: u16, rest: String },
}

impl std::fmt::Display for TargetProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetProblem::RedisScheme { scheme } => write!(
                f,
                "`{scheme}://` is not a scheme the phpredis session handler knows (it uses PHP stream transports: tcp://, tls://, unix://); sessions fail with \"Redis not available\""
            ),
            TargetProblem::UnknownScheme { scheme } => {
                write!(f, "unknown scheme `{scheme}://`: phpredis hands it to PHP's stream layer, which refuses it")
            }
            TargetProblem::CredentialsInUrl => f.write_str("credentials in the URL (`user:pass@host`) are ignored by phpredis: use `?auth=` (or `auth[]=user&auth[]=pass`)"),
            TargetProblem::NoSchemeWithParameters => f.write_str("no scheme: with `?parameters` phpredis needs `tcp://` (PHP's parse_url reads `host:port?...` as a scheme), so this address never connects"),
            TargetProblem::BadPort { port } => write!(f, "port `{port}` is not a port number"),
            TargetProblem::PasswordSplit => f.write_str("the password contains a `,` or a space: phpredis splits the save path there, sends only the part before it, and tries the rest as another host"),
            TargetProblem::PasswordAfterKeyWithoutEquals => f.write_str("a blank or a comma where the `=` after `auth` belongs (`?auth pw`): phpredis splits the save path there and tries the password as another host (write `?auth=...`)"),
            TargetProblem::PasswordOutsideQuery => f.write_str("a password written outside a URL's query (`password= ...`, `host=h password = ...`): phpredis takes a password only from `?auth=`, so it sends none and tries these words as more hosts (write `tcp://host:port?auth=...`)"),
            TargetProblem::EmptyPassword => f.write_str("`auth` is empty: phpredis 5.3 still sends AUTH, which a server without a password refuses as well as one with a password; sessions fail with \"Redis not available\" (remove `auth=`, or give the password)"),
            TargetProblem::SeedWithoutPort { seed } => {
                write!(f, "seed `{seed}` has no port: phpredis ignores it (\"not in host:port format\")")
            }
            TargetProblem::EmptyHost => f.write_str("a scheme with an empty host (`tcp:///path`): phpredis refuses the save_path (\"Failed to parse session.save_path\"); a socket is `unix:///path`"),
            TargetProblem::PasswordSplitByAmpersand => f.write_str("a raw `&` inside the `auth` value ends the password there (phpredis decodes the save_path as a query string): percent-encode it as `%26`"),
            TargetProblem::SeedTextAfterPort { port, rest } => write!(
                f,
                "phpredis reads this seed's port as {port} and drops `{rest}` after it: a seed is only host:port (the cluster's parameters, `auth=` among them, go in the save path: `seed[]=host:port&auth=...`)"
            ),
            TargetProblem::NotPositive { param, value } => write!(
                f,
                "`{param}={value}` is not > 0: phpredis refuses the save_path (\"Failed to initialize storage module\")"
            ),
        }
    }
}

impl TargetProblem {
    /// The problem with every text it quotes from the save path replaced by [`MASK`].
    fn masked(self) -> TargetProblem {
        let mask = || MASK.to_owned();
        match self {
            TargetProblem::RedisScheme { .. } => TargetProblem::RedisScheme { scheme: mask() },
            TargetProblem::UnknownScheme { .. } => TargetProblem::UnknownScheme { scheme: mask() },
            TargetProblem::BadPort { .. } => TargetProblem::BadPort { port: mask() },
            TargetProblem::SeedWithoutPort { .. } => TargetProblem::SeedWithoutPort { seed: mask() },
            TargetProblem::NotPositive { param, .. } => TargetProblem::NotPositive { param, value: mask() },
            TargetProblem::SeedTextAfterPort { port, .. } => TargetProblem::SeedTextAfterPort { port, rest: mask() },
            other => other,
        }
    }
}

impl serde::Serialize for TargetProblem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl RedisTarget {
    fn new(transport: Transport) -> Self {
        RedisTarget {
            transport,
            host: None,
            port: 6379,
            socket: None,
            database: None,
            auth: None,
            prefix: None,
            timeout: None,
            read_timeout: None,
            persistent: false,
            retries: None,
            unknown_params: Vec::new(),
            stream: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub fn tcp(host: &str, port: u16) -> Self {
        let mut t = RedisTarget::new(Transport::Tcp);
        t.host = Some(host.to_owned());
        t.port = port;
        t
    }

    pub fn unix(path: &str) -> Self {
        let mut t = RedisTarget::new(Transport::Unix);
        t.socket = Some(path.to_owned());
        t
    }

    /// `tcp://127.0.0.1:6379 db 2` / `unix:/run/redis.sock db 0`, for messages.
    pub fn describe(&self) -> String {
        let db = self.database.unwrap_or(0);
        match self.transport {
            Transport::Unix => format!("unix:{} db {db}", self.socket.as_deref().unwrap_or("?")),
            t => {
                let scheme = if t == Transport::Tls { "tls" } else { "tcp" };
                let host = url_host(self.host.as_deref().unwrap_or("?"));
                format!("{scheme}://{host}:{} db {db}", self.port)
            }
        }
    }
}

/// `host` as it stands before `:port` in a URL PHP's stream layer reads: an IPv6 literal
/// (`::1`, `fe80::1%eth0`) in brackets, anything else as it is. PHP's parse_ip_address
/// splits a host without `[` at its last `:` (a seed `tcp://usr:pw@h:7000` is host
/// `usr:pw@h`, port 7000, as its "getaddrinfo for usr:pw@h failed" says), so only an
/// address needs the brackets.
pub fn url_host(host: &str) -> std::borrow::Cow<'_, str> {
    let address = host.split_once('%').map_or(host, |(a, _)| a);
    if address.parse::<std::net::Ipv6Addr>().is_ok() {
        format!("[{host}]").into()
    } else {
        host.into()
    }
}

/// Who owns an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "lowercase")]
pub enum EndpointOwner {
    /// A PHP setup (index into `Model::php`), when no pool overrides it.
    Php(usize),
    /// A php-fpm pool (index into `Model::pools`).
    Pool(usize),
    /// A Magento install (index into `Model::magento`).
    Magento(usize),
}

/// Where one owner's sessions go.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SessionEndpoint {
    pub owner: EndpointOwner,
    /// `files`, `redis`, `rediscluster`, `memcached`, `db`, ...
    pub handler: EffectiveValue,
    pub save_path: Option<EffectiveValue>,
    pub targets: Vec<RedisTarget>,
    /// What the owner is called in output: `pool www (/etc/php/8.2/fpm/pool.d/www.conf)`.
    pub label: String,
    /// The setting that decided the handler, for "decided at" output.
    pub decided_at: Option<Location>,
}

impl SessionEndpoint {
    pub fn uses_redis(&self) -> bool {
        !self.targets.is_empty()
    }
}

/// Parse a phpredis `session.save_path` for handler `redis` (or `rediscluster`).
pub fn parse_save_path(handler: &str, save_path: &str) -> Vec<RedisTarget> {
    parse_save_path_with_passwords(handler, save_path).into_iter().map(|(t, _)| t).collect()
}

/// The password each target of a save path sends (`None`: no `auth`), in
/// [`parse_save_path`]'s order. Read again from the setting when a live check needs it:
/// the model keeps only digests.
pub(crate) fn passwords_in_save_path(handler: &str, save_path: &str) -> Vec<Option<String>> {
    parse_save_path_with_passwords(handler, save_path).into_iter().map(|(_, p)| p).collect()
}

fn parse_save_path_with_passwords(handler: &str, save_path: &str) -> Vec<(RedisTarget, Option<String>)> {
    if handler == "rediscluster" {
        return parse_cluster(save_path);
    }
    // phpredis splits on whitespace and commas before parsing each URL. Which bytes are
    // passwords is judged once, on the whole value, as every output masks it
    // (`secrets::save_path_password_ranges`): a piece that starts inside a password, or that
    // is the credential key of one (`password= pw`, libpq's `password = pw`) or the `=` after
    // a query's key (`?auth = pw`), and is no address is never a host, though phpredis tries it as one. An address is a host
    // wherever it stands (`?auth=pw, tcp://h2`: phpredis connects there), named from its own
    // text with its own secrets masked.
    let secrets = crate::secrets::save_path_password_ranges(save_path);
    let mut out: Vec<(RedisTarget, Option<String>)> = Vec::new();
    // The last target's piece, and the problem of pieces skipped before any target.
    let mut last_piece: Option<(usize, &str)> = None;
    let mut pending: Option<TargetProblem> = None;
    let mut next_secret = 0;
    // For the password at `next_secret`: where its key starts, and whether in a query.
    let mut key_start: Option<(usize, Option<(usize, bool)>)> = None;
    let mut at = 0;
    for piece in save_path.split(|c: char| c.is_ascii_whitespace() || c == ',') {
        let start = at;
        at += piece.len() + 1;
        if piece.is_empty() {
            continue;
        }
        let end = start + piece.len();
        while secrets.get(next_secret).is_some_and(|r| r.end <= start) {
            next_secret += 1;
        }
        // The first password that ends after the piece starts.
        let secret = secrets.get(next_secret);
        let inside = secret.is_some_and(|r| r.start <= start);
        if is_address(piece) {
            let own = if inside {
                crate::secrets::save_path_password_ranges(piece)
            } else {
                secrets[next_secret..]
                    .iter()
                    .take_while(|r| r.start < end)
                    .map(|r| r.start - start..r.end.min(end) - start)
                    .collect()
            };
            if let Some(p) = pending.take() {
                let (mut t, password) = parse_piece(piece, &own);
                t.problems.insert(0, p);
                out.push((t, password));
            } else {
                out.push(parse_piece(piece, &own));
            }
            last_piece = Some((start, piece));
            continue;
        }
        let mut is_key = |r: &std::ops::Range<usize>| {
            let ks = match key_start {
                Some((i, ks)) if i == next_secret => ks,
                _ => {
                    let ks = key_of(save_path, r);
                    key_start = Some((next_secret, ks));
                    ks
                }
            };
            // A query's key stays in its URL's piece; the `=` pieces after it are no hosts.
            ks.is_some_and(|(ks, in_query)| end > ks && (!in_query || start > ks))
        };
        let password = secret.filter(|r| inside || is_key(r));
        let Some(r) = password else {
            let own: Vec<_> = secrets[next_secret..]
                .iter()
                .take_while(|r| r.start < end)
                .map(|r| r.start - start..r.end.min(end) - start)
                .collect();
            out.push(parse_piece(piece, &own));
            last_piece = Some((start, piece));
            continue;
        };
        // The password belongs to the last target when it starts in that target's piece or
        // follows the credential key that piece ends with (`tcp://h?auth= pw`); else it was
        // written outside any URL's query (`tcp://h password= pw`).
        // A key that lacks its `=` (`tcp://h?auth pw`) sent its empty value.
        let problem = match last_piece {
            Some((s, p)) if (s..s + p.len()).contains(&r.start) => TargetProblem::PasswordSplit,
            Some((s, p)) if crate::secrets::piece_ends_in_credential_key(p) => {
                // `?auth= pw`, `?auth = pw`: the `=` was written.
                if p.ends_with('=') || save_path.get(s + p.len()..r.start).is_none_or(|gap| gap.contains('=')) {
                    TargetProblem::PasswordSplit
                } else {
                    TargetProblem::PasswordAfterKeyWithoutEquals
                }
            }
            _ => TargetProblem::PasswordOutsideQuery,
        };
        match out.last_mut() {
            Some((prev, _)) => {
                if !prev.problems.contains(&problem) {
                    prev.problems.push(problem);
                }
            }
            None => pending = Some(problem),
        }
    }
    // Only passwords: phpredis tries them as hosts; named as the mask.
    if let Some(p) = pending {
        let mut t = RedisTarget::tcp(MASK, 6379);
        t.problems.push(p);
        out.push((t, None));
    }
    out
}

/// Whether a piece is an address in its own right (`scheme://`, a socket path, `unix:`).
fn is_address(piece: &str) -> bool {
    piece.contains("://") || piece.starts_with('/') || piece.starts_with("unix:")
}

/// Where the key whose value is the password `secret` starts in `save_path`, and whether it
/// is a URL query's (`?` or `&` right before it): `secret` follows a `=` (blanks around it,
/// libpq's `password = pw`) and the key runs back to a blank, comma, quote, `=` or line
/// break; `None` for a user-info password. Reads the blanks and the key before `secret` once.
fn key_of(save_path: &str, secret: &std::ops::Range<usize>) -> Option<(usize, bool)> {
    let b = save_path.as_bytes();
    let mut p = secret.start;
    while p > 0 && matches!(b[p - 1], b' ' | b'\t') {
        p -= 1;
    }
    if p == 0 || b[p - 1] != b'=' {
        return None; // a user-info password
    }
    p -= 1;
    while p > 0 && b[p - 1] == b' ' {
        p -= 1;
    }
    let key_end = p;
    while p > 0 && !matches!(b[p - 1], b'?' | b'&' | b'"' | b'\'' | b' ' | b'\t' | b',' | b'=' | b'\n' | b'\r') {
        p -= 1;
    }
    (p < key_end).then(|| (p, p > 0 && matches!(b[p - 1], b'?' | b'&')))
}

/// One host of a save path, named without its secrets: a piece holding a credential
/// (`auth=pw` after a blank or comma, which phpredis tries as a host of its own) gives
/// its host, port and problems from the piece with each secret replaced by [`MASK`]
/// (`auth=********`, whatever the secret's length, as every output masks), and only the
/// password (and stream options) from the piece as written.
fn parse_piece(piece: &str, secrets: &[std::ops::Range<usize>]) -> (RedisTarget, Option<String>) {
    let (t, password) = parse_url(piece);
    if secrets.is_empty() {
        return (t, password);
    }
    let (shown, _) = parse_url(&crate::secrets::mask_ranges(piece, secrets));
    (RedisTarget { auth: t.auth, stream: t.stream, ..shown }, password)
}

fn parse_url(url: &str) -> (RedisTarget, Option<String>) {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (url, None),
    };
    let mut t;
    let lower = main.to_ascii_lowercase();
    if let Some(path) =
        lower.strip_prefix("unix://").map(|_| &main[7..]).or_else(|| lower.strip_prefix("file://").map(|_| &main[7..]))
    {
        t = RedisTarget::unix(path);
    } else if lower.starts_with("unix:") {
        t = RedisTarget::unix(&main[5..]);
    } else if main.starts_with('/') {
        t = RedisTarget::unix(main);
    } else if let Some((scheme, rest)) = main.split_once("://") {
        let lower_scheme = scheme.to_ascii_lowercase();
        let transport = match lower_scheme.as_str() {
            "tls" | "ssl" | "tlsv1.0" | "tlsv1.1" | "tlsv1.2" | "tlsv1.3" | "sslv3" => Transport::Tls,
            _ => Transport::Tcp,
        };
        t = RedisTarget::new(transport);
        match lower_scheme.as_str() {
            "tcp" | "tls" | "ssl" | "tlsv1.0" | "tlsv1.1" | "tlsv1.2" | "tlsv1.3" | "sslv3" => {}
            "redis" | "rediss" => t.problems.push(TargetProblem::RedisScheme { scheme: scheme.to_owned() }),
            _ => t.problems.push(TargetProblem::UnknownScheme { scheme: scheme.to_owned() }),
        }
        let authority = rest.split('/').next().unwrap_or(rest);
        let hostport = match authority.rsplit_once('@') {
            Some((_userinfo, hp)) => {
                t.problems.push(TargetProblem::CredentialsInUrl);
                hp
            }
            None => authority,
        };
        set_host_port(&mut t, hostport);
    } else {
        t = RedisTarget::new(Transport::Tcp);
        if query.is_some() {
            t.problems.push(TargetProblem::NoSchemeWithParameters);
        }
        set_host_port(&mut t, main);
    }
    let password = query.and_then(|q| apply_query(&mut t, q, false));
    (t, password)
}

fn set_host_port(t: &mut RedisTarget, hostport: &str) {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, p)) => (h.to_owned(), p.strip_prefix(':')),
            None => (rest.to_owned(), None),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h.to_owned(), Some(p)),
            _ => (hostport.to_owned(), None),
        }
    };
    if host.is_empty() {
        t.problems.push(TargetProblem::EmptyHost);
    }
    t.host = Some(host);
    if let Some(p) = port {
        match p.parse::<u16>() {
            Ok(0) | Err(_) if !p.is_empty() => t.problems.push(TargetProblem::BadPort { port: p.to_owned() }),
            Ok(n) if n > 0 => t.port = n,
            _ => {}
        }
    }
}

/// Distinct seeds read from one `rediscluster` save path: each copies the save path's
/// parameters, so a hostile path of a hundred thousand seeds costs at most this many
/// copies (phpredis maps the cluster from the first seed that answers; real ones list a few).
pub const MAX_SEEDS: usize = 32;

/// How many distinct `seed[]` values of a `rediscluster` save path [`parse_save_path`] leaves
/// unread past [`MAX_SEEDS`] (0 for most paths): the model says so, phpredis tries them all.
pub fn cluster_seeds_not_read(save_path: &str) -> usize {
    let mut seen = std::collections::HashSet::new();
    for part in save_path.split('&') {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = url_decode(k);
        if !part.is_empty() && (k == "seed[]" || k.starts_with("seed[")) {
            seen.insert(url_decode(v));
        }
    }
    seen.len().saturating_sub(MAX_SEEDS)
}

/// `rediscluster`: the whole setting is a query string with `seed[]=host:port`. A seed
/// whose value holds a credential (`seed[]=tcp://user:pw@h:7000`, `seed[password]=pw`) is
/// read as phpredis reads it and named from the value with its secrets masked.
fn parse_cluster(save_path: &str) -> Vec<(RedisTarget, Option<String>)> {
    let mut template = RedisTarget::new(Transport::Tcp);
    let password = apply_query(&mut template, save_path, true);
    // Ascending and disjoint, so that each part looks only at the secrets from a cursor on.
    let secrets = crate::secrets::merge_ranges(&crate::secrets::save_path_secret_ranges(save_path.as_bytes()));
    let mut first_secret = 0;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    // The `&`-separated parts as query_pairs reads them, with where each value starts.
    let mut at = 0;
    for part in save_path.split('&') {
        let part_start = at;
        at += part.len() + 1;
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = url_decode(k);
        if part.is_empty() || !(k == "seed[]" || k.starts_with("seed[")) {
            continue;
        }
        // phpredis keeps each seed once (cluster_validate_args: the seeds are hash keys).
        let value = url_decode(v);
        if !seen.insert(value.clone()) {
            continue;
        }
        if out.len() == MAX_SEEDS {
            break;
        }
        let vs = part_start + (part.len() - v.len());
        let ve = part_start + part.len();
        while secrets.get(first_secret).is_some_and(|r| r.end <= vs) {
            first_secret += 1;
        }
        let hidden: Vec<std::ops::Range<usize>> = secrets[first_secret..]
            .iter()
            .take_while(|r| r.start < ve)
            .map(|r| r.start.max(vs) - vs..r.end.min(ve) - vs)
            .collect();
        let t = seed(&template, &value);
        let t = if hidden.is_empty() {
            t
        } else {
            named_from(t, seed(&template, &url_decode(&crate::secrets::mask_ranges(v, &hidden))))
        };
        out.push((t, password.clone()));
    }
    out
}

/// One `seed[]` value as phpredis uses it (phpredis 5.3.7 cluster_library.c
/// cluster_init_seeds): split at the last `:`, the port read with `atoi`, the host
/// (a `scheme://` included) handed to PHP's stream layer, which takes a `user:pw@` in
/// it for part of the host name.
fn seed(template: &RedisTarget, v: &str) -> RedisTarget {
    let mut t = template.clone();
    let Some((h, p)) = v.rsplit_once(':') else {
        t.host = Some(v.to_owned());
        t.problems.push(TargetProblem::SeedWithoutPort { seed: v.to_owned() });
        return t;
    };
    let (scheme, host) = match h.split_once("://") {
        Some((s, rest)) => (Some(s.to_ascii_lowercase()), rest),
        None => (None, h),
    };
    match scheme.as_deref() {
        None | Some("tcp") => {}
        Some("tls" | "ssl" | "tlsv1.0" | "tlsv1.1" | "tlsv1.2" | "tlsv1.3" | "sslv3") => t.transport = Transport::Tls,
        Some(other) => t.problems.push(TargetProblem::UnknownScheme { scheme: other.to_owned() }),
    }
    if host.contains('@') {
        t.problems.push(TargetProblem::CredentialsInUrl);
    }
    t.host = Some(host.trim_start_matches('[').trim_end_matches(']').to_owned());
    let digits = p.bytes().take_while(u8::is_ascii_digit).count();
    match p[..digits].parse::<u16>() {
        Ok(n) if n > 0 => {
            t.port = n;
            if digits < p.len() {
                t.problems.push(TargetProblem::SeedTextAfterPort { port: n, rest: p[digits..].to_owned() });
            }
        }
        _ => t.problems.push(TargetProblem::BadPort { port: p.to_owned() }),
    }
    t
}

/// `t` (a seed as phpredis reads it) named from `shown` (the same seed read with its
/// secrets masked): where the mask changed what the seed is (`seed[auth]=pw:7000`), its
/// host and every text its problems quote are only the mask.
fn named_from(t: RedisTarget, shown: RedisTarget) -> RedisTarget {
    let kinds = |t: &RedisTarget| t.problems.iter().map(std::mem::discriminant).collect::<Vec<_>>();
    if (t.transport, t.port) == (shown.transport, shown.port) && kinds(&t) == kinds(&shown) {
        return RedisTarget { host: shown.host, problems: shown.problems, ..t };
    }
    let problems = t.problems.into_iter().map(TargetProblem::masked).collect();
    RedisTarget { host: Some(MASK.to_owned()), problems, ..t }
}

/// Decode a query as PHP's treat_data(PARSE_STRING) does: `&`-separated, `+` and `%XX`.
fn query_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

/// Whether each `&`-separated part of `q` has an `=` (in [`query_pairs`] order).
fn query_has_value(q: &str) -> Vec<bool> {
    q.split('&').filter(|p| !p.is_empty()).map(|p| p.contains('=')).collect()
}

fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Apply a save path's query to `t`; the password it sends, if any (kept out of `t`).
fn apply_query(t: &mut RedisTarget, q: &str, cluster: bool) -> Option<String> {
    let mut auth: Option<AuthParam> = None;
    let mut after_auth = false;
    for ((k, v), has_value) in query_pairs(q).into_iter().zip(query_has_value(q)) {
        let k = php_query_key(&k);
        // `auth=pa&ss`: the part after a raw `&` in a password is no parameter at all.
        if std::mem::replace(&mut after_auth, k.starts_with("auth")) && !has_value {
            t.problems.push(TargetProblem::PasswordSplitByAmpersand);
            continue;
        }
        let base = k.split('[').next().unwrap_or(&k).to_owned();
        let array = k.len() > base.len();
        match (base.as_str(), cluster) {
            ("auth", _) => match k.strip_prefix("auth[").and_then(|r| r.split_once(']')) {
                Some((sub, rest)) => {
                    // `auth[pass][x]=v`: the entry is an array, which phpredis reads as the
                    // string "Array" (PHP warns "Array to string conversion").
                    let v = if rest.starts_with('[') { "Array".to_owned() } else { v };
                    match &mut auth {
                        Some(AuthParam::Array(entries)) => entries.set(sub, v),
                        // An array after a plain `auth=` replaces it, as a plain one does an array.
                        _ => {
                            let mut entries = PhpArray::default();
                            entries.set(sub, v);
                            auth = Some(AuthParam::Array(entries));
                        }
                    }
                }
                None => auth = Some(AuthParam::Plain(v)),
            },
            ("database", false) => t.database = v.trim().parse().ok().or(Some(0)),
            ("prefix", _) => t.prefix = Some(v),
            ("timeout", _) => {
                // The redis handler refuses a connect timeout <= 0; the cluster one only < 0.
                let n = leading_number(&v);
                if (!cluster && n <= 0.0) || n < 0.0 {
                    t.problems.push(TargetProblem::NotPositive { param: "timeout", value: v.clone() });
                }
                t.timeout = Some(v);
            }
            ("read_timeout", _) => t.read_timeout = Some(v),
            ("persistent", _) => t.persistent = matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"),
            ("weight", false) => {
                if leading_number(&v) < 1.0 {
                    t.problems.push(TargetProblem::NotPositive { param: "weight", value: v.clone() });
                }
            }
            ("persistent_id" | "retry_interval", false) | ("seed" | "failover", true) => {}
            ("stream", _) if array => {
                let sub = k.strip_prefix("stream[").and_then(|r| r.strip_suffix(']')).unwrap_or("");
                t.stream.push((sub.to_owned(), v));
            }
            _ => t.unknown_params.push(k.clone()),
        }
    }
    // The user and password phpredis takes from `auth` (`redis_extract_auth_info`): a plain
    // value is the password; an array of two, `user` or index 0 and `pass` or index 1; of one,
    // `pass` or index 0. Without a password (or another count: PHP warns "When passing an
    // array as auth it must have one or two elements!") no AUTH is sent.
    let (user, password) = match auth? {
        AuthParam::Plain(p) => (None, Some(p)),
        AuthParam::Array(a) => match a.entries.len() {
            2 => (a.get("user", 0), a.get("pass", 1)),
            1 => (None, a.get("pass", 0)),
            _ => (None, None),
        },
    };
    let password = password?;
    if password.is_empty() && user.as_deref().is_none_or(str::is_empty) {
        t.problems.push(TargetProblem::EmptyPassword);
    }
    t.auth = Some(Auth::new(user, password.as_bytes()));
    Some(password)
}

/// A save path's `auth` as PHP's query parser builds it: the last of `auth=` and
/// `auth[...]=` decides whether it is a plain value or an array.
enum AuthParam {
    Plain(String),
    Array(PhpArray),
}

/// A PHP array of strings as `auth[k]=v` parts build it: a key that is a canonical
/// integer (`1`, `-2`, not `01`) is an integer key, `[]` appends at the next integer,
/// a key written again keeps its place and takes the later value.
#[derive(Default)]
struct PhpArray {
    entries: Vec<(PhpKey, String)>,
    next: i64,
}

#[derive(PartialEq)]
enum PhpKey {
    Int(i64),
    Str(String),
}

impl PhpArray {
    fn set(&mut self, key: &str, value: String) {
        let key = if key.is_empty() {
            PhpKey::Int(self.next)
        } else {
            let digits = key.strip_prefix('-').unwrap_or(key);
            let canonical = !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'))
                && key != "-0";
            match key.parse::<i64>() {
                Ok(n) if canonical => PhpKey::Int(n),
                _ => PhpKey::Str(key.to_owned()),
            }
        };
        if let PhpKey::Int(n) = key {
            self.next = self.next.max(n.saturating_add(1));
        }
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.entries.push((key, value)),
        }
    }

    /// The value under the string key `name`, else under the integer `index`.
    fn get(&self, name: &str, index: i64) -> Option<String> {
        let find = |want: &PhpKey| self.entries.iter().find(|(k, _)| k == want).map(|(_, v)| v.clone());
        find(&PhpKey::Str(name.to_owned())).or_else(|| find(&PhpKey::Int(index)))
    }
}

/// The name PHP's query parser (`php_register_variable_ex`) registers for `key`: blanks and
/// dots in the name before `[` become `_`, and a `[` without its `]` becomes `_` too, so
/// `stream[verify_peer` is the plain parameter `stream_verify_peer`.
fn php_query_key(key: &str) -> String {
    let key = key.trim_start_matches(' ');
    let (base, rest) = match key.find('[') {
        Some(i) => key.split_at(i),
        None => (key, ""),
    };
    let base: String = base.chars().map(|c| if c == ' ' || c == '.' { '_' } else { c }).collect();
    if !rest.is_empty() && !rest.contains(']') {
        return format!("{base}_{}", &rest[1..]);
    }
    format!("{base}{rest}")
}

/// The number C's `strtod` reads at the start of `v` (0 when there is none), as phpredis
/// reads `timeout` and (through `zval_get_long`) `weight`.
fn leading_number(v: &str) -> f64 {
    let v = v.trim_start();
    let end = v
        .char_indices()
        .take_while(|&(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+')))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    v[..end].parse().unwrap_or(0.0)
}

/// The parameters phpredis reads from a save_path (`redis_session.c`, 5.3.7 and 6.x).
pub fn known_params(cluster: bool) -> &'static [&'static str] {
    if cluster {
        &["seed[]", "timeout", "read_timeout", "persistent", "prefix", "auth", "failover", "stream[...]"]
    } else {
        &[
            "weight",
            "timeout",
            "read_timeout",
            "persistent",
            "persistent_id",
            "retry_interval",
            "database",
            "prefix",
            "auth",
            "stream[...]",
        ]
    }
}

/// What an author who wrote the unknown parameter `name` most likely meant: a known
/// parameter (`password` -> `auth`, `db` -> `database`, `verify_peer` -> `stream[verify_peer]`)
/// or the nearest known name by spelling.
pub fn suggest_param(name: &str, cluster: bool) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let meant = match lower.as_str() {
        "password" | "pass" | "passwd" | "pwd" | "requirepass" | "secret" => "auth",
        "user" | "username" | "login" => "auth[]=user&auth[]=password",
        "db" | "select" | "dbindex" | "db_index" | "database_id" | "index" if !cluster => "database",
        "connect_timeout" | "connection_timeout" => "timeout",
        "readtimeout" | "socket_timeout" => "read_timeout",
        "ssl" | "tls" | "scheme" => "a tls:// URL",
        "host" | "port" if !cluster => "the host:port part of the URL",
        "ttl" | "lifetime" | "expire" => "session.gc_maxlifetime",
        _ if lower.starts_with("stream_") => return Some(format!("stream[{}]", &name[7..])),
        _ if [
            "verify_peer",
            "verify_peer_name",
            "cafile",
            "capath",
            "local_cert",
            "local_pk",
            "allow_self_signed",
            "peer_name",
            "ciphers",
        ]
        .contains(&lower.as_str()) =>
        {
            return Some(format!("stream[{name}]"))
        }
        _ => {
            let best = known_params(cluster)
                .iter()
                .map(|k| k.trim_end_matches("[]").trim_end_matches("[...]"))
                .map(|k| (crate::suggest::edit_distance(&lower, k), k))
                .min()?;
            return (best.0 <= 2 && best.0 < lower.len()).then(|| best.1.to_owned());
        }
    };
    Some(meant.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tcp://usr:pw1` + line break + `pw2@host`: one target, its port masked, the rest of
    /// the password never a host of its own.
    #[test]
    fn a_user_info_password_split_before_its_at_is_never_named() {
        let targets = parse_save_path("redis", "tcp://usr:LeakS1\nLeakS2@10.0.0.1:6379?timeout=1");
        assert_eq!(targets.len(), 1, "{targets:?}");
        assert!(targets[0].problems.contains(&TargetProblem::PasswordSplit), "{targets:?}");
        assert!(!format!("{targets:?}").contains("Leak"), "{targets:?}");
        // Split over three pieces, the `@` in the last: all of it is the password.
        let targets = parse_save_path("redis", "tcp://usr:LeakS1 LeakS2 LeakS3@10.0.0.1:6379");
        assert_eq!(targets.len(), 1, "{targets:?}");
        assert!(!format!("{targets:?}").contains("Leak"), "{targets:?}");
    }

    #[test]
    fn phpredis_urls() {
        let t = &parse_save_path("redis", "tcp://127.0.0.1:6380?auth=s%65cret&database=2&prefix=app:")[0];
        assert_eq!((t.host.as_deref(), t.port, t.database), (Some("127.0.0.1"), 6380, Some(2)));
        assert_eq!(t.auth, Some(Auth::new(None, b"secret")));
        assert_eq!(t.prefix.as_deref(), Some("app:"));

        let list = parse_save_path("redis", "tcp://a:1?weight=1, tcp://b?auth[]=sess&auth[]=pw");
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].port, 6379);
        assert_eq!(list[1].auth, Some(Auth::new(Some("sess".into()), b"pw")));

        let u = &parse_save_path("redis", "unix:///run/redis/redis.sock?database=1")[0];
        assert_eq!((u.transport, u.socket.as_deref()), (Transport::Unix, Some("/run/redis/redis.sock")));
        assert_eq!(parse_save_path("redis", "/var/run/r.sock")[0].transport, Transport::Unix);

        assert!(!parse_save_path("redis", "127.0.0.1:6379?auth=x")[0].problems.is_empty());
        assert!(!parse_save_path("redis", "redis://h:6379")[0].problems.is_empty());
        assert!(!parse_save_path("redis", "tcp://:pw@h:6379")[0].problems.is_empty());
        assert_eq!(parse_save_path("redis", "tls://[::1]:6390")[0].host.as_deref(), Some("::1"));
        assert_eq!(parse_save_path("redis", "tcp://h?databse=2")[0].unknown_params, vec!["databse".to_string()]);
    }

    #[test]
    fn a_password_split_by_a_comma_is_not_a_host() {
        let list = parse_save_path("redis", "tcp://h:6379?auth=ab,cd");
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].problems, [TargetProblem::PasswordSplit]);
        assert!(!format!("{list:?}").contains("cd"));
    }

    #[test]
    fn a_password_split_off_right_after_its_key_is_not_a_host() {
        // phpredis sends an empty AUTH to `h` and tries the word after as a host (PHP warns
        // "getaddrinfo for SEC failed"): that word is the password all the same.
        for sp in [
            "tcp://h?auth= SEC30",
            "tcp://h?auth = SEC31",
            "tcp://h?auth =SEC12",
            "tcp://h?timeout=1&auth=,SEC32",
            "tcp://h?auth[]=u&auth[]= SEC33",
            "tcp://h?auht= SEC34",
            "tcp://h?password = SEC35",
            "tcp://h?auth=\nSEC36",
        ] {
            let list = parse_save_path("redis", sp);
            assert_eq!(list.len(), 1, "{sp:?}: {list:?}");
            assert_eq!(list[0].host.as_deref(), Some("h"));
            assert!(list[0].problems.contains(&TargetProblem::PasswordSplit), "{sp:?}: {list:?}");
            assert!(!format!("{list:?}").contains("SEC"), "{sp:?}: {list:?}");
        }
        // An address after it is a host; a word after an empty key that is no credential,
        // or after a credential that is not last, is one too.
        let hosts = |sp: &str| parse_save_path("redis", sp).into_iter().map(|t| t.host).collect::<Vec<_>>();
        assert_eq!(hosts("tcp://h?auth= tcp://h2:6379"), [Some("h".into()), Some("h2".into())]);
        assert_eq!(hosts("tcp://h?prefix= h2"), [Some("h".into()), Some("h2".into())]);
        assert_eq!(hosts("tcp://h?auth=&timeout=1 h2"), [Some("h".into()), Some("h2".into())]);
    }

    /// `auth` with a blank, tab or comma where its `=` belongs: phpredis sends `auth`'s empty
    /// value to `h` and tries the password as a host (asked live in phpredis_live_model.rs);
    /// the model names no host after it. With `:`, `+` or `%3D` the password is part of a
    /// parameter's name phpredis ignores: no AUTH is sent, and the name is shown masked.
    #[test]
    fn the_word_after_an_auth_without_its_equals_sign_is_no_host() {
        for sp in [
            "tcp://h?timeout=2&auth SEC13",
            "tcp://h?auth\tSEC18",
            "tcp://h?auth  SEC23",
            "tcp://h?timeout=2&auth,SEC19",
        ] {
            let list = parse_save_path("redis", sp);
            assert_eq!(list.len(), 1, "{sp:?}: {list:?}");
            assert_eq!(list[0].host.as_deref(), Some("h"));
            assert_eq!(
                list[0].problems,
                [TargetProblem::EmptyPassword, TargetProblem::PasswordAfterKeyWithoutEquals],
                "{sp:?}"
            );
            assert!(!format!("{list:?}").contains("SEC"), "{sp:?}: {list:?}");
        }
        for (sp, name) in [
            ("tcp://h?auth:SEC20", "auth:********"),
            ("tcp://h?auth+SEC25", "auth_********"),
            ("tcp://h?auth%3DSEC08", "auth=********"),
            ("tcp://h?auth=&SEC26", "********"),
        ] {
            let list = parse_save_path("redis", sp);
            assert_eq!(list.len(), 1, "{sp:?}: {list:?}");
            assert_eq!(list[0].host.as_deref(), Some("h"));
            assert!(!format!("{list:?}").contains("SEC"), "{sp:?}: {list:?}");
            if sp.contains("=&") {
                assert!(list[0].problems.contains(&TargetProblem::PasswordSplitByAmpersand), "{list:?}");
            } else {
                assert_eq!(list[0].unknown_params, [name], "{sp:?}");
                assert_eq!(list[0].auth, None, "{sp:?}");
            }
        }
    }

    /// The array PHP builds of several `auth` parts and what phpredis takes from it (asked
    /// live in phpredis_live_model.rs): (user, password), or no AUTH at all.
    #[test]
    fn several_auth_parts_are_read_as_phpredis_reads_them() {
        let creds = |q: &str| {
            let sp = format!("tcp://h?{q}");
            let t = parse_save_path("redis", &sp).remove(0);
            let password = passwords_in_save_path("redis", &sp).remove(0);
            t.auth.map(|a| (a.user, password.unwrap_or_default()))
        };
        let some = |u: Option<&str>, p: &str| Some((u.map(str::to_owned), p.to_owned()));
        assert_eq!(creds("auth[pass]=A&auth[pass]=B"), some(None, "B"));
        assert_eq!(creds("auth[pass]=A&auth[]=B"), some(Some("B"), "A"));
        assert_eq!(creds("auth=A&auth[pass]=B"), some(None, "B"));
        assert_eq!(creds("auth[]=A&auth=B"), some(None, "B"));
        assert_eq!(creds("auth[]=A&auth[pass]=B"), some(Some("A"), "B"));
        assert_eq!(creds("auth[1]=P&auth[0]=U"), some(Some("U"), "P"));
        assert_eq!(creds("auth[0]=A&auth[0]=B&auth[1]=P"), some(Some("B"), "P"));
        assert_eq!(creds("auth[x]=A&auth[pass]=B"), some(None, "B"));
        assert_eq!(creds("auth[user]=U&auth[pass][x]=P"), some(Some("U"), "Array"));
        assert_eq!(creds("auth[01]=U&auth[1]=P"), some(None, "P"));
        for q in
            ["auth[]=A&auth[]=B&auth[]=C", "auth[user]=U", "auth[5]=A&auth[]=B", "auth[1]=A", "auth[user]=U&auth[x]=B"]
        {
            assert_eq!(creds(q), None, "{q}");
        }
    }

    /// A password after a credential key outside any URL's query is judged where output
    /// masks it (`secrets::save_path_password_ranges`): no word of it, nor its key, is a host.
    #[test]
    fn a_password_outside_a_query_is_never_a_host() {
        let hosts = |sp: &str| parse_save_path("redis", sp).into_iter().map(|t| t.host).collect::<Vec<_>>();
        for sp in [
            "tcp://h:1 password= LeakF6",
            "tcp://h:1 pass= LeakG2",
            "tcp://h:1 auth= LeakG3",
            "tcp://h:1, password=LeakG1",
            "tcp://h:1 password =LeakG4",
            "tcp://h:1 password = LeakG5 more",
            "tcp://h:1 password=\nLeakG7",
        ] {
            let list = parse_save_path("redis", sp);
            assert_eq!(hosts(sp), [Some("h".to_owned())], "{sp:?}: {list:?}");
            assert_eq!(list[0].problems, [TargetProblem::PasswordOutsideQuery], "{sp:?}");
            assert_eq!(list[0].auth, None, "{sp:?}");
            assert!(!format!("{list:?}").contains("Leak"), "{sp:?}: {list:?}");
        }
        // libpq's DSN: `host=h` is what phpredis tries as a host; the password (to the end,
        // as masked) is not.
        let list = parse_save_path("redis", "host=h password = LeakD1 user=u");
        assert_eq!(hosts("host=h password = LeakD1 user=u"), [Some("host=h".to_owned())]);
        assert_eq!(list[0].problems, [TargetProblem::PasswordOutsideQuery]);
        // Nothing but a password: one host, named as the mask.
        let list = parse_save_path("redis", "password= LeakH1");
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].describe(), "tcp://********:6379 db 0");
        assert!(!format!("{list:?}").contains("Leak"), "{list:?}");
        // A password before the first address: that address carries the problem.
        let list = parse_save_path("redis", "password=LeakH2 tcp://h:1");
        assert_eq!(hosts("password=LeakH2 tcp://h:1"), [Some("h".to_owned())]);
        assert_eq!(list[0].problems, [TargetProblem::PasswordOutsideQuery]);
        // Words that are no credential key stay hosts; a query's `auth` stays a split.
        assert_eq!(hosts("tcp://h:1 h2 x=1"), [Some("h".into()), Some("h2".into()), Some("x=1".into())]);
        assert_eq!(hosts("h?password= LeakH3"), [Some("h".into())]);
        assert_eq!(
            parse_save_path("redis", "tcp://h?x=1&password= LeakH4")[0].problems,
            [TargetProblem::PasswordSplit]
        );
        // An address after the password is a host (phpredis connects there).
        assert_eq!(hosts("tcp://h:1 password= LeakH5 tcp://h2:2"), [Some("h".into()), Some("h2".into())]);
    }

    /// Every piece's start in a save path of many pieces is judged once against the password
    /// ranges: no quadratic scan back over blanks or keys.
    #[test]
    fn many_pieces_before_a_password_outside_a_query() {
        let sp = format!("{}password={}LeakH6", "= ".repeat(50_000), " ".repeat(50_000));
        let list = parse_save_path("redis", &sp);
        assert!(!format!("{list:?}").contains("Leak"));
    }

    #[test]
    fn cluster_seeds() {
        let s = parse_save_path("rediscluster", "seed[]=10.0.0.1:7000&seed[]=10.0.0.2:7001&auth=pw&timeout=2");
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].port, 7001);
        assert!(s[0].auth.is_some());
    }

    #[test]
    fn cluster_seeds_as_phpredis_reads_them_named_without_their_secrets() {
        let one = |sp: &str| parse_save_path("rediscluster", sp).remove(0);
        // `atoi` reads the port; what follows it is dropped.
        let t = one("seed[]=10.0.0.1:7000?auth=LeakE1&timeout=2");
        assert_eq!((t.host.as_deref(), t.port), (Some("10.0.0.1"), 7000));
        assert_eq!(t.problems, [TargetProblem::SeedTextAfterPort { port: 7000, rest: "?auth=********".into() }]);
        // User-info is part of the host name phpredis resolves.
        let t = one("seed[]=tls://usr:LeakE2@10.0.0.1:7000");
        assert_eq!((t.transport, t.host.as_deref(), t.port), (Transport::Tls, Some("usr:********@10.0.0.1"), 7000));
        assert_eq!(t.problems, [TargetProblem::CredentialsInUrl]);
        let t = one("seed[password]=LeakE3");
        assert_eq!(t.problems, [TargetProblem::SeedWithoutPort { seed: "********".into() }]);
        // Masking turns `pw:7000` into a seed without a port: phpredis still tries port 7000.
        let t = one("seed[auth]=LeakE4:7000");
        assert_eq!((t.host.as_deref(), t.port, t.problems.is_empty()), (Some("********"), 7000, true));
        assert!(!format!("{t:?}").contains("LeakE"));
        // The cluster's own password is kept out of the targets, its digest in.
        let t = one("seed[]=h:7000&auth[user]=u&auth[pass]=LeakE5");
        assert_eq!(t.auth, Some(Auth::new(Some("u".into()), b"LeakE5")));
        assert_eq!(passwords_in_save_path("rediscluster", "seed[]=h:7000&auth=LeakE6"), [Some("LeakE6".to_owned())]);
    }

    #[test]
    fn seeds_are_read_once_each_and_at_most_max_seeds_of_them() {
        let s = parse_save_path("rediscluster", "seed[]=a:1&seed[]=b:2&seed[]=a:1&auth=pw");
        assert_eq!(s.iter().map(|t| t.host.as_deref().unwrap_or("")).collect::<Vec<_>>(), ["a", "b"]);
        // A hostile path: many seeds, each of which would copy many parameters.
        let params: Vec<String> = (0..5000).map(|i| format!("x{i}=1")).collect();
        let seeds: Vec<String> = (0..5000).map(|i| format!("seed[]=h{i}:7000&auth=p{i}")).collect();
        let path = format!("{}&{}", params.join("&"), seeds.join("&"));
        let s = parse_save_path("rediscluster", &path);
        assert_eq!(s.len(), MAX_SEEDS);
        assert_eq!(s[MAX_SEEDS - 1].host.as_deref(), Some(format!("h{}", MAX_SEEDS - 1).as_str()));
    }

    #[test]
    fn a_host_named_from_a_piece_holding_a_secret_shows_the_fixed_mask() {
        // `tcp://auth=pw:6379` after a blank: phpredis tries it as a host of its own.
        let list = parse_save_path("redis", "tcp://10.0.0.5:6379?timeout=2 tcp://auth=LeakE7x:6379");
        assert_eq!(list[1].host.as_deref(), Some("auth=********"));
        let list = parse_save_path("redis", "tcp://10.0.0.5:6379?timeout=2 tcp://auth=L:6379");
        assert_eq!(list[1].host.as_deref(), Some("auth=********"), "the mask does not tell the length");
    }

    #[test]
    fn what_phpredis_refuses_or_ignores() {
        let p = |sp: &str| parse_save_path("redis", sp).into_iter().map(|t| t.problems).collect::<Vec<_>>();
        assert_eq!(p("tcp:///run/r.sock"), vec![vec![TargetProblem::EmptyHost]]);
        assert_eq!(p("tcp://h?auth="), vec![vec![TargetProblem::EmptyPassword]]);
        assert_eq!(p("tcp://h?timeout=0")[0], vec![TargetProblem::NotPositive { param: "timeout", value: "0".into() }]);
        assert_eq!(p("tcp://h?weight=x")[0], vec![TargetProblem::NotPositive { param: "weight", value: "x".into() }]);
        assert!(p("tcp://h?timeout=2.5&weight=2")[0].is_empty());
        // A blank or comma inside a password: the rest is no host of its own.
        assert_eq!(p("tcp://h?timeout=1&auth=pa ss"), vec![vec![TargetProblem::PasswordSplit]]);
        assert_eq!(p("tcp://a?weight=1, b:6379"), vec![vec![], vec![]]);
        assert_eq!(p("tcp://h?auth=pa&ss"), vec![vec![TargetProblem::PasswordSplitByAmpersand]]);
        // PHP's query decoding: an unclosed `[` becomes `_`; `database` is not a cluster key.
        let t = &parse_save_path("redis", "tcp://h?stream[verify_peer=0&stream[cafile]=/x&password=p")[0];
        assert_eq!(t.unknown_params, vec!["stream_verify_peer".to_string(), "password".to_string()]);
        let c = &parse_save_path("rediscluster", "seed[]=h:7000&database=2&failover=error")[0];
        assert_eq!(c.unknown_params, vec!["database".to_string()]);
        assert_eq!(suggest_param("stream_verify_peer", false).as_deref(), Some("stream[verify_peer]"));
        assert_eq!(suggest_param("databse", false).as_deref(), Some("database"));
        assert_eq!(suggest_param("password", true).as_deref(), Some("auth"));
        assert_eq!(suggest_param("zzz", false), None);
    }
}
