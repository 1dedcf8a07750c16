//! Where a Redis server listens: bind addresses as redis-server opens them (inet_aton's
//! forms, wildcards, words it refuses) and how far each one reaches.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// How far an address reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    /// 127.0.0.0/8, ::1, localhost.
    Loopback,
    /// RFC 1918, CGNAT, link-local, ULA: an "isolated network" at best.
    Private,
    /// A routable address, or every interface (`*`, `0.0.0.0`, `::`).
    Public,
    /// A host name we cannot resolve statically.
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BindAddress {
    pub text: String,
    /// `-addr`: skipped silently when it is not available.
    pub optional: bool,
    pub reach: Reach,
    /// `*`, `0.0.0.0`, `::*`, `::`.
    pub wildcard: bool,
    /// Why redis-server cannot listen on it at all (`#`, `[::1]`, `127.0.0.1:6379`): such a
    /// word is no listener, and the server aborts at startup.
    pub not_an_address: Option<String>,
}

/// Classify a bind address the way redis-server would open it (IPv4 names resolve in the
/// IPv4 family; `127.1` and `0x7f000001` are 127.0.0.1).
pub fn classify_address(text: &str) -> (Reach, bool) {
    let t = text.trim_start_matches('-');
    match t {
        "*" | "0.0.0.0" | "::*" | "::" => return (Reach::Public, true),
        "localhost" | "localhost6" | "ip6-localhost" => return (Reach::Loopback, false),
        _ => {}
    }
    let ip = t.parse::<IpAddr>().ok().or_else(|| inet_aton(t).map(IpAddr::V4));
    match ip {
        Some(IpAddr::V4(a)) => (reach_v4(a), false),
        Some(IpAddr::V6(a)) => (reach_v6(a), false),
        None => (Reach::Unknown, false),
    }
}

fn reach_v4(a: Ipv4Addr) -> Reach {
    let o = a.octets();
    if o[0] == 127 {
        Reach::Loopback
    } else if a.is_private() || a.is_link_local() || (o[0] == 100 && (64..128).contains(&o[1])) {
        Reach::Private
    } else {
        Reach::Public
    }
}

fn reach_v6(a: Ipv6Addr) -> Reach {
    if a.is_loopback() {
        return Reach::Loopback;
    }
    if let Some(v4) = a.to_ipv4_mapped() {
        return reach_v4(v4);
    }
    let s = a.segments()[0];
    if (s & 0xfe00) == 0xfc00 || (s & 0xffc0) == 0xfe80 {
        Reach::Private
    } else {
        Reach::Public
    }
}

/// inet_aton's forms: `127.1`, `2130706433`, `0x7f000001`, octal parts.
fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let nums: Option<Vec<u64>> = parts
        .iter()
        .map(|p| {
            if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
                u64::from_str_radix(h, 16).ok()
            } else if p.len() > 1 && p.starts_with('0') {
                u64::from_str_radix(&p[1..], 8).ok()
            } else {
                p.parse().ok()
            }
        })
        .collect();
    let n = nums?;
    let v: u64 = match n.as_slice() {
        [a] => *a,
        [a, b] if *a < 256 && *b < (1 << 24) => (a << 24) | b,
        [a, b, c] if *a < 256 && *b < 256 && *c < (1 << 16) => (a << 24) | (b << 16) | c,
        [a, b, c, d] if [a, b, c, d].iter().all(|x| **x < 256) => (a << 24) | (b << 16) | (c << 8) | d,
        _ => return None,
    };
    u32::try_from(v).ok().map(Ipv4Addr::from)
}

/// Two bind addresses of one family where the second cannot get its own socket: the same
/// address twice (`127.1` is `127.0.0.1`), or an address next to that family's wildcard.
pub(super) fn overlapping_binds(binds: &[BindAddress]) -> Option<(&str, &str)> {
    let key = |b: &BindAddress| -> Option<(bool, Option<IpAddr>)> {
        let t = b.text.trim_start_matches('-');
        match t {
            "*" | "0.0.0.0" => Some((false, None)),
            "::*" | "::" => Some((true, None)),
            "localhost" => Some((false, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)))),
            _ => match t.parse::<IpAddr>().ok().or_else(|| inet_aton(t).map(IpAddr::V4))? {
                IpAddr::V4(a) => Some((false, Some(IpAddr::V4(a)))),
                IpAddr::V6(a) => Some((true, Some(IpAddr::V6(a)))),
            },
        }
    };
    let keyed: Vec<(&str, (bool, Option<IpAddr>))> =
        binds.iter().filter_map(|b| key(b).map(|k| (b.text.as_str(), k))).collect();
    for (i, (tb, (fb, ab))) in keyed.iter().enumerate() {
        for (ta, (fa, aa)) in &keyed[..i] {
            if fa == fb && (aa.is_none() || ab.is_none() || aa == ab) {
                return Some((ta, tb));
            }
        }
    }
    None
}

/// The words of a `bind` value. A `#` is no comment in redis.conf: it and every word after it
/// are taken as addresses.
pub(super) fn bind_addresses(text: &str) -> Vec<BindAddress> {
    let mut after_hash = false;
    text.split_whitespace()
        .map(|w| {
            after_hash |= w.trim_start_matches('-').starts_with('#');
            let mut b = bind_address(w);
            if after_hash && b.not_an_address.is_none() {
                b.not_an_address = Some(
                    "Name or service not known (a word after `#`: redis.conf has no inline comments, so it is taken as an address)"
                        .into(),
                );
            }
            b
        })
        .collect()
}

pub(super) fn bind_address(text: &str) -> BindAddress {
    let (reach, wildcard) = classify_address(text);
    BindAddress {
        text: text.to_owned(),
        optional: text.starts_with('-'),
        reach,
        wildcard,
        not_an_address: not_an_address(text.trim_start_matches('-')),
    }
}

/// Why getaddrinfo (AI_PASSIVE, AF_INET6 when the word has a `:`, else AF_INET) and bind()
/// refuse a word, when that is certain without asking a resolver (anet.c _anetTcpServer).
fn not_an_address(t: &str) -> Option<String> {
    if t.starts_with('#') {
        return Some(
            "Name or service not known (`#` starts no comment after a directive in redis.conf: it and the words after it are taken as addresses)"
                .into(),
        );
    }
    if matches!(t, "*" | "::*") {
        return None;
    }
    if t.contains(':') {
        let host = t.split_once('%').map_or(t, |(h, _)| h);
        return match host.parse::<Ipv6Addr>() {
            Ok(a) if a.to_ipv4_mapped().is_some() && !a.is_loopback() => {
                Some("bind: Invalid argument (an IPv4-mapped address cannot be bound on an IPv6-only socket; write the IPv4 address)".into())
            }
            Ok(_) => None,
            Err(_) if t.starts_with('[') => {
                Some("Name or service not known (no brackets around IPv6 addresses in `bind`)".into())
            }
            Err(_) => Some("Name or service not known (no `:port` in `bind`; the port is the `port` directive)".into()),
        };
    }
    if inet_aton(t).is_some() {
        return None;
    }
    // A host name may resolve; only a word no resolver accepts is certain.
    let name_chars = t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    (t.is_empty() || !name_chars).then(|| "Name or service not known (not an address or a host name)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(classify_address("127.0.0.1").0, Reach::Loopback);
        assert_eq!(classify_address("-::1").0, Reach::Loopback);
        assert_eq!(classify_address("127.1").0, Reach::Loopback);
        assert_eq!(classify_address("0x7f000001").0, Reach::Loopback);
        assert_eq!(classify_address("10.0.0.5").0, Reach::Private);
        assert_eq!(classify_address("192.168.1.2").0, Reach::Private);
        assert_eq!(classify_address("fd00::1").0, Reach::Private);
        assert_eq!(classify_address("203.0.113.7").0, Reach::Public);
        assert_eq!(classify_address("*"), (Reach::Public, true));
        assert_eq!(classify_address("redis.internal").0, Reach::Unknown);
    }

    #[test]
    fn words_in_bind_that_are_no_address() {
        // Pinned live by tests/redis_live_model.rs; here the reasons.
        let words = |t: &str| bind_addresses(t).into_iter().map(|b| b.not_an_address.is_some()).collect::<Vec<_>>();
        assert_eq!(words("127.0.0.1 ::1 # listen on loopback"), [false, false, true, true, true, true]);
        assert_eq!(
            words("[::1] 127.0.0.1:6379 ::ffff:127.0.0.1 localhost redis.internal"),
            [true, true, true, false, false]
        );
        assert_eq!(words("* -::* fe80::1%eth0 0x7f000001"), [false, false, false, false]);
        let overlap = |t: &str| overlapping_binds(&bind_addresses(t)).map(|(a, b)| (a.to_owned(), b.to_owned()));
        assert_eq!(overlap("127.1 127.0.0.1"), Some(("127.1".into(), "127.0.0.1".into())));
        assert_eq!(overlap("* -::*"), None);
        assert_eq!(overlap("0.0.0.0 10.0.0.1"), Some(("0.0.0.0".into(), "10.0.0.1".into())));
        assert_eq!(overlap("127.0.0.2 127.0.0.1"), None);
    }
}
