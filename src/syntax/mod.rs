//! The lossless parsers, one module per format. Each keeps every input byte in its tree
//! (printing an unedited tree gives the input back) and records syntax errors as nodes
//! with spans instead of stopping.

pub mod apache_conf;
pub mod env_php;
pub mod ini;
pub mod redis_acl;
pub mod redis_conf;
pub mod suppression;

use crate::span::Span;

/// A place where the real program would reject the input, with its message worded like the
/// real program's where that helps the user find it in their logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    /// What the program says. Borrowed when it is always the same words (a NUL byte's, most
    /// refusals): a file where every line is an error keeps no copy of them per line.
    pub message: std::borrow::Cow<'static, str>,
    /// The bytes of `message` that quote the input (PHP's `unexpected single-quoted string
    /// "..."`): masked when the error stands on a line that holds a secret
    /// (`crate::secrets::mask_quoted_tokens`).
    pub quoted: Option<std::ops::Range<usize>>,
}

impl SyntaxError {
    pub fn new(span: Span, message: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        SyntaxError { span, message: message.into(), quoted: None }
    }
}

/// Which dialect a file is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// php.ini, conf.d/*.ini, php-fpm.conf and pool files (PHP's ini scanner).
    Ini,
    /// redis.conf / valkey.conf.
    Redis,
    /// The ACL file `aclfile` names (`users.acl`): `user` lines only.
    RedisAcl,
    /// Magento's app/etc/env.php.
    Envphp,
}

impl FileKind {
    /// Guess the dialect from the file name, then from the first bytes. A Redis Sentinel
    /// file ([`ConfByName::Sentinel`]) is read as redis.conf here, whose syntax it shares;
    /// [`FileKind::guess`] says it has no dialect of its own.
    pub fn detect(path: &std::path::Path, bytes: &[u8]) -> FileKind {
        FileKind::guess(path, bytes).unwrap_or(FileKind::Redis)
    }

    /// [`FileKind::detect`], `None` for a file whose name says it is Redis Sentinel's
    /// (`sentinel.conf`, `redis-sentinel.conf`): no dialect sesslint reads. A `.conf` is
    /// redis.conf exactly when discovery reads it as one ([`conf_by_name`]).
    pub fn guess(path: &std::path::Path, bytes: &[u8]) -> Option<FileKind> {
        let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        let head = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let head = &head[head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len())..];
        if name.ends_with(".php") || head.starts_with(b"<?php") || head.starts_with(b"<?PHP") {
            return Some(FileKind::Envphp);
        }
        let parent = path.parent().and_then(|p| p.file_name()).map(|d| d.to_string_lossy()).unwrap_or_default();
        match conf_by_name(&name, &parent) {
            Some(ConfByName::Redis) => return Some(FileKind::Redis),
            Some(ConfByName::Sentinel) => return None,
            _ => {}
        }
        if name.ends_with(".acl") {
            return Some(FileKind::RedisAcl);
        }
        Some(FileKind::Ini)
    }
}

/// What a `.conf` file is by its name (any case) and its directory's name (as written):
/// the one test discovery (`discover::classify`) and `parse`'s guess ([`FileKind::guess`])
/// share, so that they never disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfByName {
    /// Redis Sentinel's: `sentinel.conf`, `sentinel-26379.conf`, or `sentinel` as a word
    /// after `-`, `_` or `.`, as in RHEL/EPEL's `/etc/redis-sentinel.conf` (their redis spec
    /// installs upstream's `sentinel.conf` under that name) and `valkey-sentinel.conf`.
    /// redis-server refuses its `sentinel` directives unless started with `--sentinel` (as
    /// `redis-sentinel`), so such a file is no redis.conf; `.pre-commit-hooks.yaml` says the same.
    Sentinel,
    /// stunnel's: `stunnel` in the name, or in an `stunnel/` directory (the directory says
    /// more than the name: `/etc/stunnel/redis.conf` is a tunnel).
    Stunnel,
    /// PeerVPN's: in a `peervpn/` directory or named `peervpn*`.
    PeerVpn,
    /// redis-server's or valkey-server's: `redis*`, `valkey*`, `*.redis.conf`,
    /// `*.valkey.conf`, or any `.conf` in a `redis/` or `valkey/` directory.
    Redis,
}

/// [`ConfByName`] of a file named `name` in a directory named `parent`; `None` for other
/// names and for a name that does not end in `.conf` (any case).
pub fn conf_by_name(name: &str, parent: &str) -> Option<ConfByName> {
    let lower = name.to_ascii_lowercase();
    if !lower.ends_with(".conf") {
        return None;
    }
    let sentinel =
        lower.starts_with("sentinel") || ["-sentinel", "_sentinel", ".sentinel"].iter().any(|w| lower.contains(w));
    if sentinel {
        Some(ConfByName::Sentinel)
    } else if lower.contains("stunnel") || parent == "stunnel" {
        Some(ConfByName::Stunnel)
    } else if parent == "peervpn" || lower.starts_with("peervpn") {
        Some(ConfByName::PeerVpn)
    } else if lower.starts_with("redis")
        || lower.starts_with("valkey")
        || lower.ends_with(".redis.conf")
        || lower.ends_with(".valkey.conf")
        || matches!(parent, "redis" | "valkey")
    {
        Some(ConfByName::Redis)
    } else {
        None
    }
}

/// `v` between two `quote` characters, with a `\` before each character in `escaped`: the
/// shape every encoder writes (PHP's single- and double-quoted literals, ini double quotes),
/// which differ only in which characters they escape.
pub(crate) fn backslash_quoted(v: &str, quote: char, escaped: &[char]) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push(quote);
    for c in v.chars() {
        if escaped.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(quote);
    out
}
