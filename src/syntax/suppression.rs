//! Inline suppression comments as each format writes them: the `sesslint: ignore[...]`
//! marker found where the file's dialect has a comment, with its codes as written.

use crate::span::Span;

pub const MARKER: &str = "sesslint: ignore";

/// Where a dialect's comments may carry the marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentStyle {
    /// php.ini, conf.d, php-fpm: after a `;`.
    Ini,
    /// redis.conf: on a line that starts with `#` (a `#` after a directive is an argument).
    RedisConf,
    /// env.php: after `//`, `#` or `/*`.
    Php,
    /// stunnel, spiped, PeerVPN: after `#` or `;`.
    Tunnel,
    /// A Redis ACL file: no comments at all (redis-server refuses any line but `user ...`).
    None,
}

/// A `sesslint: ignore[...]` comment in one file, found when the file is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreComment {
    /// 1-based line of the comment.
    pub line: usize,
    pub span: Span,
    pub codes: Vec<String>,
}

/// The suppression comments of one file of the given role.
pub fn scan(style: CommentStyle, bytes: &[u8]) -> Vec<IgnoreComment> {
    let mut out = Vec::new();
    // Most files have none: one vectorised search instead of a look at every line.
    if memchr::memmem::find(bytes, MARKER.as_bytes()).is_none() {
        return out;
    }
    let mut offset = 0;
    for (n, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        if let Some(s) = in_comment(style, line) {
            let (codes, len) = parse_codes(&line[s + MARKER.len()..]);
            out.push(IgnoreComment {
                line: n + 1,
                span: Span::new(offset + s, offset + s + MARKER.len() + len),
                codes,
            });
        }
        offset += line.len();
    }
    out
}

/// The offset of the marker in `line` when it stands in a comment of the file's dialect.
fn in_comment(style: CommentStyle, line: &[u8]) -> Option<usize> {
    let at = line.windows(MARKER.len()).position(|w| w == MARKER.as_bytes())?;
    let before = &line[..at];
    let trimmed: Vec<u8> = before.iter().copied().skip_while(|b| b.is_ascii_whitespace()).collect();
    let ok = match style {
        CommentStyle::RedisConf => trimmed.first() == Some(&b'#'),
        CommentStyle::Php => {
            before.windows(2).any(|w| w == b"//") || before.contains(&b'#') || before.windows(2).any(|w| w == b"/*")
        }
        CommentStyle::Tunnel => before.contains(&b'#') || before.contains(&b';'),
        CommentStyle::Ini => before.contains(&b';'),
        CommentStyle::None => false,
    };
    ok.then_some(at)
}

/// `[SL201, SL3]` after the marker: the codes and how many bytes they took. Words are
/// separated by commas or blanks; an empty word between commas (`[SL201,]`, `[,]`) is kept
/// once, as `""`, so that it is said to name no rule instead of vanishing (`[,]` is no bare
/// `ignore`); `[]` names none.
fn parse_codes(rest: &[u8]) -> (Vec<String>, usize) {
    if rest.first() != Some(&b'[') {
        return (Vec::new(), 0);
    }
    let Some(close) = rest.iter().position(|&b| b == b']') else { return (Vec::new(), 0) };
    let inner = String::from_utf8_lossy(&rest[1..close]);
    let mut codes: Vec<String> = Vec::new();
    if inner.trim().is_empty() {
        return (codes, close + 1);
    }
    let mut empty = false;
    for piece in inner.split(',') {
        let before = codes.len();
        codes.extend(piece.split_whitespace().map(str::to_owned));
        empty |= codes.len() == before;
    }
    if empty {
        codes.push(String::new());
    }
    (codes, close + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_words_and_an_empty_one_is_kept_once() {
        let codes = |s: &str| parse_codes(s.as_bytes()).0;
        assert_eq!(codes("[SL201, SL3 redis-missing-auth]"), ["SL201", "SL3", "redis-missing-auth"]);
        assert_eq!(codes("[SL204,]"), ["SL204", ""]);
        assert_eq!(codes("[,]"), [""]);
        assert_eq!(codes("[ , ,SL1]"), ["SL1", ""]);
        assert!(codes("[]").is_empty() && codes("[  ]").is_empty() && codes("").is_empty());
    }
}
