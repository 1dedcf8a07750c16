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

/// The marker's searcher, built once: a `memmem::find` builds one per call (its rare-byte
/// and hash tables), once per file read.
static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(MARKER.as_bytes()));

/// The suppression comments of one file of the given role, in line order: one per line whose
/// first marker stands in a comment of the dialect.
pub fn scan(style: CommentStyle, bytes: &[u8]) -> Vec<IgnoreComment> {
    let mut out = Vec::new();
    // Most files have none: one vectorised search instead of a look at every line; then only
    // the lines holding a marker are looked at, counted from the last one.
    let mut line = 1;
    let mut counted_to = 0;
    let mut from = 0;
    while let Some(found) = FINDER.find(&bytes[from..]) {
        let at = from + found;
        let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i + 1);
        line += memchr::memchr_iter(b'\n', &bytes[counted_to..start]).count();
        counted_to = start;
        if in_comment(style, &bytes[start..at]) {
            let (codes, len) = parse_codes(&bytes[at + MARKER.len()..end]);
            out.push(IgnoreComment { line, span: Span::new(at, at + MARKER.len() + len), codes });
        }
        from = end;
    }
    out
}

/// Whether a marker after `before` (its line up to it) stands in a comment of the dialect.
fn in_comment(style: CommentStyle, before: &[u8]) -> bool {
    match style {
        CommentStyle::RedisConf => before.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'#'),
        CommentStyle::Php => {
            before.windows(2).any(|w| w == b"//") || before.contains(&b'#') || before.windows(2).any(|w| w == b"/*")
        }
        CommentStyle::Tunnel => before.contains(&b'#') || before.contains(&b';'),
        CommentStyle::Ini => before.contains(&b';'),
        CommentStyle::None => false,
    }
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

    /// The scan as it read every line: the first marker of each line, judged on its line.
    fn scan_line_by_line(style: CommentStyle, bytes: &[u8]) -> Vec<IgnoreComment> {
        let mut out = Vec::new();
        let mut offset = 0;
        for (n, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
            if let Some(s) = line.windows(MARKER.len()).position(|w| w == MARKER.as_bytes()) {
                if in_comment(style, &line[..s]) {
                    let (codes, len) = parse_codes(&line[s + MARKER.len()..]);
                    let span = Span::new(offset + s, offset + s + MARKER.len() + len);
                    out.push(IgnoreComment { line: n + 1, span, codes });
                }
            }
            offset += line.len();
        }
        out
    }

    #[test]
    fn markers_are_found_on_their_lines_as_a_line_by_line_read_finds_them() {
        let texts = [
            "",
            "sesslint: ignore",
            "; sesslint: ignore[SL101]",
            "x = 1\n; sesslint: ignore[SL101, SL102]\r\ny = 2 ; sesslint: ignore\n",
            "a = \"sesslint: ignore\" ; sesslint: ignore[SL1]\n\n\n# sesslint: ignore[SL2\n]\n",
            "  # sesslint: ignore[SL201] sesslint: ignore[SL202]\nrequirepass x # sesslint: ignore\n",
            "<?php // sesslint: ignore[SL301]\n/* sesslint: ignore */\n'a' => 1, # sesslint: ignore[,]",
            "\n\nsesslint: ignore; sesslint: ignore[SL1]\n\t# sesslint: ignoresesslint: ignore[x]\n",
        ];
        let styles =
            [CommentStyle::Ini, CommentStyle::RedisConf, CommentStyle::Php, CommentStyle::Tunnel, CommentStyle::None];
        for text in texts {
            for style in styles {
                assert_eq!(
                    scan(style, text.as_bytes()),
                    scan_line_by_line(style, text.as_bytes()),
                    "{style:?} {text:?}"
                );
            }
        }
        let found = scan(CommentStyle::Ini, texts[3].as_bytes());
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].line, found[0].codes.clone()), (2, vec!["SL101".to_owned(), "SL102".to_owned()]));
        assert_eq!((found[1].line, found[1].codes.len()), (3, 0));
    }

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
