//! Tunnels that can stand in front of a Redis port: stunnel, spiped and PeerVPN. They are
//! the evidence that a Redis listening beyond loopback is reached through encryption.

use super::{FileId, Location};
use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelKind {
    Stunnel,
    Spiped,
    PeerVpn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelSide {
    /// Decrypts and forwards to a local service (stunnel without `client = yes`, `spiped -d`).
    Server,
    /// Accepts plaintext locally and encrypts towards a remote end.
    Client,
    /// A VPN: one network segment for all members.
    Network,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Tunnel {
    pub kind: TunnelKind,
    pub side: TunnelSide,
    pub at: Location,
    /// stunnel's `[service]` name, as its log names the service; `None` for the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// `accept` / `-s` / the VPN's own address.
    pub listen: Option<String>,
    /// `connect` / `-t`.
    pub target: Option<String>,
    /// Whether peers must prove who they are (spiped key, stunnel `verifyChain`,
    /// `verifyPeer`, `verify` >= 1 or `PSKsecrets`, PeerVPN psk).
    pub authenticates: bool,
    /// stunnel: the peer's certificate is checked against the CA file only (`verifyChain`
    /// or `verify` 1-2, without `verifyPeer`, `checkHost`, `checkIP`, `checkEmail` or
    /// `PSKsecrets`), so any certificate that CA file trusts is accepted; stunnel 5.68 warns
    /// `uses "verifyChain" without subject checks` (checked live). False for the others.
    #[serde(skip)]
    pub subject_unchecked: bool,
    /// Found under a configured `tunnel-paths` directory: evidence for every host.
    pub shared: bool,
    /// The key file both ends must share, as written (spiped `-k`, stunnel `PSKsecrets`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// stunnel `PSKidentity`: the identity a client end uses from its `PSKsecrets` (without
    /// it, the file's first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psk_identity: Option<String>,
    /// The line that sets `listen` (stunnel `accept`, spiped's command line, PeerVPN
    /// `ifconfig4`): where a finding about it points.
    #[serde(skip)]
    pub listen_at: Option<Location>,
    /// The line that sets `target` (stunnel `connect`, spiped's command line).
    #[serde(skip)]
    pub target_at: Option<Location>,
    /// The line that sets `key` (stunnel `PSKsecrets`, spiped's command line).
    #[serde(skip)]
    pub key_at: Option<Location>,
}

impl Tunnel {
    /// Where a finding about this end's `connect` points: its line, else the whole end.
    pub fn target_line(&self) -> Location {
        self.target_at.unwrap_or(self.at)
    }

    /// Where a finding about this end's `accept` points: its line, else the whole end.
    pub fn listen_line(&self) -> Location {
        self.listen_at.unwrap_or(self.at)
    }

    /// Where a finding about this end's key points: its line, else the whole end.
    pub fn key_line(&self) -> Location {
        self.key_at.unwrap_or(self.at)
    }

    /// Where this end's key file is on this machine: an absolute `key` below its host's
    /// root, a relative one beside the file that names it (how spiped and stunnel, started
    /// in that directory, open it). `None` without a key.
    pub fn key_file(&self, model: &super::Model) -> Option<std::path::PathBuf> {
        let key = self.key.as_deref()?;
        let file = self.at.file;
        Some(match key.starts_with('/') {
            true => crate::confine::under_root(model.root_of(file), std::path::Path::new(key)),
            false => model.path(file).parent().unwrap_or(std::path::Path::new("")).join(key),
        })
    }
}

/// (host, port) of `host:port`, `[v6]:port`, or a bare port (host = loopback for a
/// target, every interface for a listener).
pub fn split_address(addr: &str, bare_port_host: &str) -> Option<(String, u16)> {
    let a = addr.trim();
    if let Ok(p) = a.parse::<u16>() {
        return Some((bare_port_host.to_owned(), p));
    }
    let (h, p) = if let Some(rest) = a.strip_prefix('[') {
        let (h, p) = rest.split_once(']')?;
        (h, p.strip_prefix(':')?)
    } else {
        a.rsplit_once(':')?
    };
    Some((h.to_owned(), p.parse().ok()?))
}

/// A line's span without its line end: the one line a finding points at (a GitHub
/// annotation then ends on that line, not at the start of the next).
fn line_only(span: Span, text: &[u8]) -> Span {
    let bytes = span.slice(text);
    let trailing = bytes.iter().rev().take_while(|&&b| b == b'\n' || b == b'\r').count();
    Span::new(span.start, span.end - trailing)
}

/// Each line with its span (line end included) and its text without surrounding blanks.
fn trimmed_lines(text: &[u8]) -> impl Iterator<Item = (Span, String)> + '_ {
    let mut offset = 0;
    text.split_inclusive(|&b| b == b'\n').map(move |line| {
        let span = Span::new(offset, offset + line.len());
        offset += line.len();
        (span, String::from_utf8_lossy(line).trim().to_owned())
    })
}

/// The first line stunnel's configuration reader refuses (stunnel 5.68 `options.c`,
/// checked live): after trimming blanks (and a UTF-8 BOM), a line that is not empty, not
/// a `;` or `#` comment and not a whole `[service]` needs an `=`; otherwise stunnel logs
/// `"<line>": No '=' found`, `Configuration failed` and exits 1. An unclosed `[service` is
/// such a line. stunnel stops there, so at most one error; its span is the trimmed line.
pub fn stunnel_refused_line(text: &[u8]) -> Option<crate::syntax::SyntaxError> {
    let text_start = if text.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut offset = text_start;
    for line in text[text_start..].split_inclusive(|&b| b == b'\n') {
        let start = offset;
        offset += line.len();
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let trail = line[lead..].iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
        let t = &line[lead..line.len() - trail];
        let section = t.first() == Some(&b'[') && t.last() == Some(&b']');
        if t.is_empty() || matches!(t[0], b';' | b'#') || section || t.contains(&b'=') {
            continue;
        }
        let why = if t[0] == b'[' { "a `[service` without its `]`" } else { "not `option = value`" };
        // The line itself is not quoted: it may be anything, a secret pasted in included.
        return Some(crate::syntax::SyntaxError::new(
            Span::new(start + lead, start + lead + t.len()),
            format!("No '=' found ({why})"),
        ));
    }
    None
}

/// stunnel: `key = value` lines, `;` comments, `[service]` sections.
pub fn stunnel(file: FileId, text: &[u8]) -> Vec<Tunnel> {
    let mut out = Vec::new();
    let mut global_client = false;
    // A `[service]` section: its header and its options (name, value, line).
    type Section = (Span, String, Vec<(String, String, Span)>);
    let mut current: Option<Section> = None;
    let flush = |cur: Option<Section>, global_client: bool, out: &mut Vec<Tunnel>| {
        let Some((span, service, opts)) = cur else { return };
        // stunnel keeps an option's last value.
        let last = |k: &str| opts.iter().rev().find(|(n, _, _)| n.eq_ignore_ascii_case(k));
        let get = |k: &str| last(k).map(|(_, v, _)| v.clone());
        let line = |k: &str| last(k).map(|(_, _, sp)| Location { file, span: *sp });
        let client = get("client").map_or(global_client, |v| v.eq_ignore_ascii_case("yes"));
        // stunnel 5.68, checked live: `verify = 1` already turns on `verifyChain`;
        // `requireCert` alone verifies nothing (a client end without `verifyChain`,
        // `verifyPeer` or `PSKsecrets` logs "needs authentication to prevent MITM attacks").
        let yes = |k: &str| get(k).is_some_and(|v| v.eq_ignore_ascii_case("yes"));
        let level = get("verify").and_then(|v| v.trim().parse::<i32>().ok());
        // `verify` 1 and 2 turn on the chain, 3 the chain and the peer, 4 the peer alone.
        let chain = yes("verifychain") || level.is_some_and(|n| (1..=3).contains(&n));
        let peer = yes("verifypeer") || level.is_some_and(|n| n >= 3);
        let psk = get("pskSecrets").is_some();
        let verifies = chain || peer || psk;
        let subject_checked = ["checkHost", "checkIP", "checkEmail"].iter().any(|k| get(k).is_some());
        let subject_unchecked = chain && !peer && !psk && !subject_checked;
        if get("accept").is_some() || get("connect").is_some() {
            out.push(Tunnel {
                kind: TunnelKind::Stunnel,
                side: if client { TunnelSide::Client } else { TunnelSide::Server },
                at: Location { file, span },
                service: Some(service),
                listen: get("accept"),
                target: get("connect"),
                authenticates: verifies,
                subject_unchecked,
                shared: false,
                key: get("PSKsecrets"),
                psk_identity: get("PSKidentity"),
                listen_at: line("accept"),
                target_at: line("connect"),
                key_at: line("PSKsecrets"),
            });
        }
    };
    for (span, t) in trimmed_lines(text) {
        let t = t.as_str();
        if t.is_empty() || t.starts_with(';') || t.starts_with('#') {
            continue;
        }
        if t.starts_with('[') {
            flush(current.take(), global_client, &mut out);
            let name = t.trim_start_matches('[').trim_end_matches(']').trim().to_owned();
            current = Some((span, name, Vec::new()));
            continue;
        }
        if let Some((k, v)) = t.split_once('=') {
            let (k, v) = (k.trim().to_owned(), v.trim().to_owned());
            match &mut current {
                Some((sp, _, opts)) => {
                    *sp = sp.to(span);
                    opts.push((k, v, line_only(span, text)));
                }
                None if k.eq_ignore_ascii_case("client") => global_client = v.eq_ignore_ascii_case("yes"),
                None => {}
            }
        }
    }
    flush(current.take(), global_client, &mut out);
    out
}

/// The spiped invocations (`-d` or `-e`) that name no `-s`, `-t` or `-k`: spiped prints its
/// usage and exits 1 before opening anything (spiped 1.6, checked live), so no tunnel. A
/// line continued with `\` is not judged. Spans are the lines, the errors name the flags.
pub fn spiped_refused_lines(text: &[u8]) -> Vec<crate::syntax::SyntaxError> {
    spiped(FileId(0), text)
        .iter()
        .filter_map(|t| {
            let missing = spiped_missing_flags(t, text)?;
            Some(crate::syntax::SyntaxError::new(
                line_only(t.at.span, text),
                format!("spiped without {}: it prints its usage and exits 1", missing.join(", ")),
            ))
        })
        .collect()
}

/// The flags a spiped tunnel read from `text` lacks, when that makes spiped refuse to
/// start (see [`spiped_refused_lines`]); `None` when it starts or the line is continued.
pub fn spiped_missing_flags(t: &Tunnel, text: &[u8]) -> Option<Vec<&'static str>> {
    let missing: Vec<&str> = [("-s", &t.listen), ("-t", &t.target), ("-k", &t.key)]
        .into_iter()
        .filter(|(_, v)| v.is_none())
        .map(|(flag, _)| flag)
        .collect();
    let continued = t.at.span.slice(text).trim_ascii_end().ends_with(b"\\");
    (!missing.is_empty() && !continued).then_some(missing)
}

/// spiped: `ExecStart=` (or any line) with `spiped -d|-e -s SRC -t DST -k KEY`.
pub fn spiped(file: FileId, text: &[u8]) -> Vec<Tunnel> {
    let mut out = Vec::new();
    for (span, t) in trimmed_lines(text) {
        if t.starts_with('#') || !t.contains("spiped") {
            continue;
        }
        let words: Vec<String> = t.split_whitespace().map(|w| w.trim_matches(['\'', '"']).to_owned()).collect();
        let Some(start) = words.iter().position(|w| w.ends_with("spiped")) else { continue };
        let args = &words[start + 1..];
        let mut side = None;
        let (mut src, mut dst, mut key) = (None, None, None);
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            // Flags may be combined (`-dF`); -s/-t/-k take a value.
            if a.starts_with('-') && !a.starts_with("--") {
                for c in a[1..].chars() {
                    match c {
                        'd' => side = Some(TunnelSide::Server),
                        'e' => side = Some(TunnelSide::Client),
                        's' => src = args.get(i + 1).cloned(),
                        't' => dst = args.get(i + 1).cloned(),
                        'k' => key = args.get(i + 1).cloned(),
                        _ => {}
                    }
                }
                if a[1..].ends_with(['s', 't', 'k', 'n', 'o', 'p', 'r', 'u']) {
                    i += 1;
                }
            }
            i += 1;
        }
        if let Some(side) = side {
            out.push(Tunnel {
                kind: TunnelKind::Spiped,
                side,
                at: Location { file, span },
                service: None,
                listen: src,
                target: dst,
                authenticates: key.is_some(),
                subject_unchecked: false,
                shared: false,
                key,
                psk_identity: None,
                listen_at: Some(Location { file, span: line_only(span, text) }),
                target_at: Some(Location { file, span: line_only(span, text) }),
                key_at: Some(Location { file, span: line_only(span, text) }),
            });
        }
    }
    out
}

/// PeerVPN: `keyword value` lines; `#` or `;` anywhere ends the line.
pub fn peervpn(file: FileId, text: &[u8]) -> Vec<Tunnel> {
    let mut addr = None;
    let mut listen_at = None;
    let mut psk = false;
    // The VPN address's line, else the whole file.
    let mut span = Span::new(0, text.len());
    for (line_span, line) in trimmed_lines(text) {
        let line = line.split(['#', ';']).next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("ifconfig4"), Some(a)) => {
                addr = Some(a.split('/').next().unwrap_or(a).to_owned());
                span = line_span;
                listen_at = Some(Location { file, span: line_only(line_span, text) });
            }
            (Some("psk"), Some(_)) => psk = true,
            (Some("endconfig"), _) => break,
            _ => {}
        }
    }
    vec![Tunnel {
        kind: TunnelKind::PeerVpn,
        side: TunnelSide::Network,
        at: Location { file, span },
        service: None,
        listen: addr,
        target: None,
        authenticates: psk,
        subject_unchecked: false,
        shared: false,
        key: None,
        psk_identity: None,
        listen_at,
        target_at: None,
        key_at: None,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stunnel_sections() {
        let t = stunnel(
            FileId(0),
            b"client = yes\n[redis]\naccept = 127.0.0.1:6380\nconnect = r.example:6379\nverifyChain = yes\n",
        );
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].side, t[0].authenticates), (TunnelSide::Client, true));
        let s = stunnel(FileId(0), b"[redis]\naccept = 6371\nconnect = localhost:6379\n");
        assert_eq!((s[0].side, s[0].authenticates), (TunnelSide::Server, false));
        // stunnel 5.68 (tests/stunnel_auth_live.rs): `verify = 1` verifies, `requireCert`
        // alone does not.
        let v = stunnel(FileId(0), b"[r]\nclient = yes\naccept = 6379\nverify = 1\n");
        assert_eq!((v[0].service.as_deref(), v[0].authenticates), (Some("r"), true));
        let r = stunnel(FileId(0), b"[r]\nclient = yes\naccept = 6379\nverify = 0\nrequireCert = yes\n");
        assert!(!r[0].authenticates);
        let c = stunnel(FileId(0), b"[r]\nclient = yes\naccept = 6379\nverifyChain = yes\n");
        assert!(c[0].authenticates && c[0].subject_unchecked);
        let h = stunnel(FileId(0), b"[r]\nclient = yes\naccept = 6379\nverify = 2\ncheckHost = r\n");
        assert!(h[0].authenticates && !h[0].subject_unchecked);
    }

    #[test]
    fn spiped_exec_start() {
        let t = spiped(
            FileId(0),
            b"ExecStart=/usr/bin/spiped -F -d -s [0.0.0.0]:46379 -t [127.0.0.1]:6379 -k /etc/spiped/redis.key\n",
        );
        assert_eq!(t[0].side, TunnelSide::Server);
        assert_eq!(t[0].target.as_deref(), Some("[127.0.0.1]:6379"));
        assert!(t[0].authenticates);
        assert_eq!(split_address("[127.0.0.1]:6379", "0.0.0.0"), Some(("127.0.0.1".into(), 6379)));
        assert_eq!(split_address("6371", "127.0.0.1"), Some(("127.0.0.1".into(), 6371)));
    }
}
