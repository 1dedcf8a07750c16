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
    /// Guess the dialect from the file name, then from the first bytes.
    pub fn detect(path: &std::path::Path, bytes: &[u8]) -> FileKind {
        let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        let head = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let head = &head[head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len())..];
        if name.ends_with(".php") || head.starts_with(b"<?php") || head.starts_with(b"<?PHP") {
            return FileKind::Envphp;
        }
        let in_redis_dir = path
            .parent()
            .and_then(|p| p.file_name())
            .map(|d| {
                let d = d.to_string_lossy().to_ascii_lowercase();
                d == "redis" || d == "valkey"
            })
            .unwrap_or(false);
        // As discovery names them (`discover::classify`): `sessions.redis.conf` too.
        let redis_name = name.starts_with("redis")
            || name.starts_with("valkey")
            || name.ends_with(".redis.conf")
            || name.ends_with(".valkey.conf");
        if name.ends_with(".conf") && (redis_name || in_redis_dir) {
            return FileKind::Redis;
        }
        if name.ends_with(".acl") {
            return FileKind::RedisAcl;
        }
        FileKind::Ini
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
