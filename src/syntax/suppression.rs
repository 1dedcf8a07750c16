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
/// first marker stands in a comment of the dialect. Lines are numbered as findings are
/// ([`crate::source::Source::line_of`]: `\n`, `\r\n` and a lone `\r` end a line, as PHP's
/// scanners count them), so a comment covers the lines its findings are reported on.
pub fn scan(style: CommentStyle, bytes: &[u8]) -> Vec<IgnoreComment> {
    let mut out = Vec::new();
    // Most files have none: one vectorised search instead of a look at every line; then only
    // the lines holding a marker are looked at, counted from the last one.
    let mut line = 1;
    let mut counted_to = 0;
    let mut from = 0;
    while let Some(found) = FINDER.find(&bytes[from..]) {
        let at = from + found;
        line += line_breaks(bytes, counted_to, at);
        counted_to = at;
        // The comment is judged on the dialect's own line: redis-server splits at `\n`
        // only (a `\r` inside is text), PHP and the tunnels' readers at a lone `\r` too.
        let (start, end) = match style {
            CommentStyle::RedisConf => (
                memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1),
                memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i + 1),
            ),
            _ => (
                memchr::memrchr2(b'\n', b'\r', &bytes[..at]).map_or(0, |i| i + 1),
                memchr::memchr2(b'\n', b'\r', &bytes[at..]).map_or(bytes.len(), |i| at + i + 1),
            ),
        };
        if in_comment(style, &bytes[start..at]) {
            let (codes, len) = parse_codes(&bytes[at + MARKER.len()..end]);
            out.push(IgnoreComment { line, span: Span::new(at, at + MARKER.len() + len), codes });
        }
        // One comment per (finding) line: the next marker is looked for past this line's end.
        from = next_line_start(bytes, at).max(at + MARKER.len());
    }
    out
}

/// Line ends in `bytes[from..to]` as findings count them: each `\n`, and each `\r` not
/// followed by a `\n` (one `\r\n` is one end, counted at its `\n`).
fn line_breaks(bytes: &[u8], from: usize, to: usize) -> usize {
    let part = &bytes[from..to];
    let newlines = memchr::memchr_iter(b'\n', part).count();
    let lone_crs = memchr::memchr_iter(b'\r', part).filter(|&i| bytes.get(from + i + 1) != Some(&b'\n')).count();
    newlines + lone_crs
}

/// Where the line holding `at` ends, past its line end (`\n`, `\r\n` or a lone `\r`).
fn next_line_start(bytes: &[u8], at: usize) -> usize {
    match memchr::memchr2(b'\n', b'\r', &bytes[at..]) {
        None => bytes.len(),
        Some(i) if bytes[at + i] == b'\r' && bytes.get(at + i + 1) == Some(&b'\n') => at + i + 2,
        Some(i) => at + i + 1,
    }
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

    /// The scan as it read every line (lines as findings count them): the first marker of
    /// each line, judged on the dialect's line (redis.conf's runs from the last `\n`).
    fn scan_line_by_line(style: CommentStyle, bytes: &[u8]) -> Vec<IgnoreComment> {
        let mut out = Vec::new();
        let mut lines = vec![0];
        for (i, &c) in bytes.iter().enumerate() {
            if c == b'\n' || (c == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                lines.push(i + 1);
            }
        }
        lines.push(bytes.len());
        for (n, w) in lines.windows(2).enumerate() {
            let (offset, line) = (w[0], &bytes[w[0]..w[1]]);
            if let Some(s) = line.windows(MARKER.len()).position(|w| w == MARKER.as_bytes()) {
                let start = match style {
                    CommentStyle::RedisConf => {
                        bytes[..offset + s].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
                    }
                    _ => offset,
                };
                if in_comment(style, &bytes[start..offset + s]) {
                    let rest = &line[s + MARKER.len()..];
                    let rest = match style {
                        CommentStyle::RedisConf => {
                            let after = &bytes[offset + s + MARKER.len()..];
                            &after[..after.iter().position(|&b| b == b'\n').map_or(after.len(), |i| i + 1)]
                        }
                        _ => rest,
                    };
                    let (codes, len) = parse_codes(rest);
                    let span = Span::new(offset + s, offset + s + MARKER.len() + len);
                    out.push(IgnoreComment { line: n + 1, span, codes });
                }
            }
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
            "[PHP]\rx = 1\r; a\r; b\n; sesslint: ignore[SL108]\n",
            "; x\r; sesslint: ignore[SL108]\nsession.save_path = 1\r\n; sesslint: ignore[SL1\r]\r\r",
            "# a\r# sesslint: ignore[A]\r# sesslint: ignore[B]\nrequirepass x\r# sesslint: ignore[C]\n\r",
            "x\r\r\n\n\r; sesslint: ignore\r\n; sesslint: ignore[SL2]",
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
        // A lone `\r` ends a line as it does for findings (and PHP): the comment after four
        // CR-ended lines and one `\n` stands on line 6, the one after `; x\r` on line 2.
        let lines =
            |text: &str| -> Vec<usize> { scan(CommentStyle::Ini, text.as_bytes()).iter().map(|c| c.line).collect() };
        assert_eq!(lines(texts[8]), [5]);
        assert_eq!(
            lines("[PHP]\rsession.save_handler = redis\rsession.save_path = 1\r; a\r; b\n; sesslint: ignore[SL108]\n"),
            [6]
        );
        assert_eq!(lines(texts[9]), [2, 4]);
        // The comment ends at the `\r`, as at a `\n`: `[SL1` unclosed there is no code list.
        assert!(scan(CommentStyle::Ini, texts[9].as_bytes())[1].codes.is_empty());
        // redis-server reads `\r` as text: the `#` after `requirepass x\r` is an argument.
        let redis: Vec<_> =
            scan(CommentStyle::RedisConf, texts[10].as_bytes()).iter().map(|c| (c.line, c.codes.clone())).collect();
        assert_eq!(redis, [(2, vec!["A".to_owned()]), (3, vec!["B".to_owned()])]);
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
