//! A file we read: its path, its exact bytes (shared with the file's syntax tree), and a
//! lazy line index for turning spans into 1-based line/column positions.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::span::Span;

/// One file's bytes as read from disk (or an editor buffer), never altered.
#[derive(Clone, Debug)]
pub struct Source {
    pub path: PathBuf,
    /// The bytes, shared (not copied) with the syntax tree parsed from them: a fleet holds
    /// each file's bytes once.
    pub bytes: Arc<[u8]>,
    /// The line index, built on first use: most files never need a position. Shared by the
    /// copies of one content ([`Source::copy_at`]; a clone shares it too: the bytes are
    /// shared and never altered, so the index stays theirs).
    line_starts: Arc<Lines>,
}

/// A file's line index: where each line starts, or for a file without `\r` asked a few
/// positions only (a report's findings), how many lines start before each block of
/// [`BLOCK`] bytes, counted without finding each line.
#[derive(Debug, Default)]
struct Lines {
    /// Byte offset of each line's start. `u32`: a file is at most `MAX_FILE_SIZE` (16 MiB),
    /// so half the size of `usize`.
    starts: std::sync::OnceLock<Vec<u32>>,
    /// Lines ended (`\n`s) before each block's first byte, one more entry than blocks;
    /// `None` for a file holding a `\r` (where a lone `\r` ends a line too).
    blocks: std::sync::OnceLock<Option<Vec<u32>>>,
    /// Positions asked by the blocks: past [`BLOCK_ASKS`], the starts are built.
    asked: std::sync::atomic::AtomicUsize,
}

/// Bytes per block of [`Lines::blocks`]: a position counts the `\n`s of at most one block
/// (about a quarter of an instruction a byte, [`count_byte`]).
const BLOCK: usize = 4096;

/// Positions a file's blocks answer before its line starts are built: each costs up to a
/// block's count, about 1,000 instructions, the starts some 47 a line and a bisection each.
const BLOCK_ASKS: usize = 64;

/// A 1-based line and column; the column counts characters (UTF-8 scalar values, or bytes
/// where the line is not valid UTF-8), as editors and SARIF expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Source {
    /// A file's `bytes` as read (a `Vec<u8>` or an already shared `Arc<[u8]>`).
    pub fn new(path: impl Into<PathBuf>, bytes: impl Into<Arc<[u8]>>) -> Self {
        Source { path: path.into(), bytes: bytes.into(), line_starts: Arc::default() }
    }

    /// The same bytes at another `path` (a fleet's copy of one file): the bytes and the line
    /// index are shared, so the index is built once for every copy.
    pub fn copy_at(&self, path: impl Into<PathBuf>) -> Self {
        Source { path: path.into(), bytes: Arc::clone(&self.bytes), line_starts: Arc::clone(&self.line_starts) }
    }

    /// Read a file as it is, with no limit and no confinement: for tests and trusted paths.
    /// Config files are read through `confine::Confinement::read`.
    pub fn read(path: &Path) -> std::io::Result<Self> {
        Ok(Source::new(path, std::fs::read(path)?))
    }

    fn starts(&self) -> &[u32] {
        self.line_starts.starts.get_or_init(|| line_starts(&self.bytes))
    }

    /// The 0-based line of `offset` (at most the length) and where that line starts, from
    /// the blocks while the starts are not built and few positions were asked; `None`: ask
    /// the starts.
    fn by_blocks(&self, offset: usize) -> Option<(usize, usize)> {
        let lines = &*self.line_starts;
        if lines.starts.get().is_some() || lines.asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= BLOCK_ASKS
        {
            return None;
        }
        let blocks = lines.blocks.get_or_init(|| line_blocks(&self.bytes)).as_deref()?;
        let k = offset / BLOCK;
        let before = *blocks.get(k)? as usize + count_byte(&self.bytes[k * BLOCK..offset], b'\n');
        let start = memchr::memrchr(b'\n', &self.bytes[..offset]).map_or(0, |p| p + 1);
        Some((before, start))
    }

    /// Line and column of a byte offset. `\n`, `\r\n` and a lone `\r` all end a line,
    /// as PHP's ini scanner counts them.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.bytes.len());
        let (line, start) = self.by_blocks(offset).unwrap_or_else(|| {
            let starts = self.starts();
            let line = starts.partition_point(|&s| s as usize <= offset) - 1;
            (line, starts[line] as usize)
        });
        let column = match std::str::from_utf8(&self.bytes[start..offset]) {
            Ok(s) => s.chars().count(),
            Err(_) => offset - start,
        } + 1;
        Position { line: line + 1, column }
    }

    /// The 1-based line of a byte offset, without the column (no scan of the line: a
    /// million findings on one long line cost a bisection each).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.bytes.len());
        match self.by_blocks(offset) {
            Some((line, _)) => line + 1,
            None => self.starts().partition_point(|&s| s as usize <= offset),
        }
    }

    pub fn span_positions(&self, span: Span) -> (Position, Position) {
        (self.position(span.start), self.position(span.end))
    }

    /// The text of a 1-based line without its line ending.
    pub fn line_text(&self, line: usize) -> &[u8] {
        let starts = self.starts();
        let Some(&start) = starts.get(line.wrapping_sub(1)) else { return b"" };
        let end = starts.get(line).map_or(self.bytes.len(), |&e| e as usize);
        let mut text = &self.bytes[start as usize..end];
        while let Some((&last, rest)) = text.split_last() {
            if last == b'\n' || last == b'\r' {
                text = rest;
            } else {
                break;
            }
        }
        text
    }

    /// Whether `self` and `other` share one line index (built once for both).
    #[cfg(test)]
    pub(crate) fn shares_lines_with(&self, other: &Source) -> bool {
        Arc::ptr_eq(&self.line_starts, &other.line_starts)
    }

    pub fn line_count(&self) -> usize {
        self.starts().len()
    }
}

/// A path as the user gave it, for messages and labels: without a leading `./`, control
/// characters escaped ([`printable`]); the empty path (a tree's top relative to itself) as `.`.
pub fn display_path(p: &Path) -> String {
    let s = p.display().to_string();
    let s = s.strip_prefix("./").unwrap_or(&s);
    // The tree's own top, relative to itself, is the empty path: it is shown as `.`.
    if s.is_empty() {
        return ".".to_owned();
    }
    printable(s).into_owned()
}

/// Untrusted text (a file name, a directive name, a value) made safe to print anywhere:
/// C0 and C1 control characters, DEL, and Unicode's bidirectional and line separators become
/// `\n`, `\x1b`, `\u{202e}`... so a file name cannot start a new line (a forged GitHub
/// workflow command) and no escape sequence reaches the terminal. Tab stays.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    // Most text is printable ASCII: a byte test, without decoding characters (every finding's
    // message and path pass here).
    if s.bytes().all(|b| (0x20..0x7f).contains(&b) || b == b'\t') {
        return std::borrow::Cow::Borrowed(s);
    }
    if !s.chars().any(is_unprintable) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_unprintable(c) && (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_unprintable(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The most characters one message, label or printed line shows: config text quoted in a
/// message (a 1 MB directive name or host) never makes one line megabytes long.
pub const MAX_TEXT_CHARS: usize = 2000;

/// `text` cut to [`MAX_TEXT_CHARS`] characters, followed by `… (N more bytes not shown)`
/// when cut. Does not escape: apply to [`printable`] text.
pub fn capped(text: &str) -> std::borrow::Cow<'_, str> {
    // No more characters than bytes: short text needs no count.
    if text.len() <= MAX_TEXT_CHARS {
        return text.into();
    }
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((cut, _)) => format!("{}… ({} more bytes not shown)", &text[..cut], text.len() - cut).into(),
        None => text.into(),
    }
}

/// Characters [`printable`] escapes.
pub fn is_unprintable(c: char) -> bool {
    (c.is_control() && c != '\t')
        // Line separators and the invisible format characters (Unicode category Cf: bidi
        // controls, zero-width ones, the BOM U+FEFF, the TAG characters that can spell a
        // hidden text), which a terminal draws as nothing; and the variation selectors,
        // invisible too (used to smuggle bytes into text).
        || matches!(c, '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}' | '\u{180e}'
            | '\u{890}'..='\u{891}' | '\u{8e2}'
            | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}'
            | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}' | '\u{110cd}' | '\u{13430}'..='\u{1343f}' | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}' | '\u{e0001}' | '\u{e0020}'..='\u{e007f}' | '\u{e0100}'..='\u{e01ef}')
}

/// How many bytes of `bytes` are `byte` (the `\n`s before an offset: its 0-based line).
/// Counted in sixteen `u8` lanes the compiler vectorises, 240 bytes a round so no lane
/// overflows: about a quarter of an instruction a byte, where `memchr_iter(..).count()`
/// costs some 35 a match and a plain `filter().count()` about five a byte.
pub fn count_byte(bytes: &[u8], byte: u8) -> usize {
    let mut total = 0;
    let mut rounds = bytes.chunks_exact(16 * 15);
    for round in &mut rounds {
        let mut lanes = [0u8; 16];
        for block in round.chunks_exact(16) {
            for (lane, &b) in lanes.iter_mut().zip(block) {
                *lane += u8::from(b == byte);
            }
        }
        total += lanes.iter().map(|&n| usize::from(n)).sum::<usize>();
    }
    total + rounds.remainder().iter().filter(|&&b| b == byte).count()
}

/// [`Lines::blocks`] of `bytes`: `None` when they hold a `\r`.
fn line_blocks(bytes: &[u8]) -> Option<Vec<u32>> {
    if memchr::memchr(b'\r', bytes).is_some() {
        return None;
    }
    let at = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    let mut blocks = Vec::with_capacity(bytes.len() / BLOCK + 2);
    let mut ended = 0;
    blocks.push(0);
    for block in bytes.chunks(BLOCK) {
        ended += count_byte(block, b'\n');
        blocks.push(at(ended));
    }
    Some(blocks)
}

fn line_starts(bytes: &[u8]) -> Vec<u32> {
    let mut starts = vec![0];
    // Past u32 (only a buffer over 4 GiB, never a file read under the 16 MiB limit) the
    // offsets saturate: positions there are wrong, never a panic.
    let at = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    // memchr finds the breaks (a byte-by-byte loop cost a tenth of a pre-commit run); most
    // files hold no `\r`, and one search for it lets their lines be found by the one-byte
    // search, cheaper per line than the two-byte one.
    if memchr::memchr(b'\r', bytes).is_none() {
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| at(i + 1)));
    } else {
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                starts.push(at(i + 1));
            }
        }
    }
    starts.shrink_to_fit();
    starts
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_empty_path_is_shown_as_the_current_directory() {
        assert_eq!(display_path(std::path::Path::new("")), ".");
        assert_eq!(display_path(std::path::Path::new("./")), ".");
        assert_eq!(display_path(std::path::Path::new("./var/www/shop")), "var/www/shop");
    }

    use super::*;

    #[test]
    fn count_byte_counts_as_the_plain_loop_does() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in (0..600).chain([65_536, 74_000]) {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // Mostly text, every fifth byte or so a line break; some runs of them.
                    if state.is_multiple_of(5) || (len > 300 && state % 97 < 3) {
                        b'\n'
                    } else {
                        b'a' + (state % 26) as u8
                    }
                })
                .collect();
            let all_breaks = vec![b'\n'; len];
            for b in [&bytes, &all_breaks] {
                assert_eq!(count_byte(b, b'\n'), b.iter().filter(|&&c| c == b'\n').count(), "len {len}");
            }
        }
    }

    #[test]
    fn printable_ascii_passes_unchanged_and_every_ascii_control_but_tab_is_escaped() {
        for b in 0u8..0x80 {
            let s = format!("a{}b", b as char);
            let shown = printable(&s);
            let expect_escaped = is_unprintable(b as char);
            assert_eq!(matches!(shown, std::borrow::Cow::Owned(_)), expect_escaped, "byte {b:#x}");
            assert_eq!(shown == s, !expect_escaped, "byte {b:#x}");
        }
        assert_eq!(printable("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(printable("caf\u{e9}"), "caf\u{e9}");
        let long = "é".repeat(MAX_TEXT_CHARS);
        assert_eq!(capped(&long), long, "2000 characters in 4000 bytes are not cut");
        assert!(capped(&format!("{long}x")).ends_with("(1 more bytes not shown)"));
        assert_eq!(capped("short"), "short");
    }

    #[test]
    fn positions_count_every_line_ending() {
        let s = Source::new("x", b"a\r\nb\rc\nd\xffe".to_vec());
        assert_eq!(s.position(0), Position { line: 1, column: 1 });
        assert_eq!(s.position(3), Position { line: 2, column: 1 });
        assert_eq!(s.position(5), Position { line: 3, column: 1 });
        assert_eq!(s.position(9), Position { line: 4, column: 3 });
        assert_eq!(s.line_text(1), b"a");
        assert_eq!(s.line_text(4), b"d\xffe");
    }

    /// Positions and lines answered from the blocks (the first [`BLOCK_ASKS`] of a file
    /// without `\r`) are those of the line starts, at every offset of files spanning several
    /// blocks, lines long and short, and past the asks; with a `\r` the starts answer.
    #[test]
    fn positions_by_blocks_are_those_of_the_line_starts() {
        let mut seed = 11u32;
        let mut next = move || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            seed >> 16
        };
        let mut by_blocks = 0;
        for case in 0..24 {
            let len = [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 7][case % 6];
            let every = [1, 3, 40, 5000][case % 4];
            let bytes: Vec<u8> = (0..len)
                .map(|_| match next() % every {
                    0 => b'\n',
                    1 if case % 5 == 4 => b'\r',
                    2 => 0xc3,
                    _ => b'a',
                })
                .collect();
            let whole = Source::new("x", bytes.clone());
            let starts = line_starts(&bytes);
            whole.starts();
            let mut offsets: Vec<usize> = (0..200).map(|_| next() as usize % (len + 1)).collect();
            offsets.extend([0, len, len.saturating_sub(1), BLOCK.min(len), (BLOCK - 1).min(len)]);
            let mut s = Source::new("x", bytes.clone());
            for (i, &at) in offsets.iter().enumerate() {
                if i % 100 == 0 {
                    s = Source::new("x", bytes.clone()); // fresh asks, then past BLOCK_ASKS
                }
                by_blocks += usize::from(s.line_starts.starts.get().is_none());
                assert_eq!(s.position(at), whole.position(at), "{at} of {len}, case {case}");
                assert_eq!(s.line_of(at), whole.line_of(at), "{at} of {len}, case {case}");
                assert_eq!(s.line_of(at), starts.partition_point(|&p| p as usize <= at));
            }
        }
        assert!(by_blocks > 1000, "only {by_blocks} positions asked of the blocks");
    }

    /// The index of a file without `\r` (found by the one-byte search) is the one the
    /// two-byte search gives, and a `\r` anywhere takes the two-byte one.
    #[test]
    fn line_starts_are_those_of_every_break() {
        let by_breaks = |b: &[u8]| {
            let mut v = vec![0u32];
            for (i, &c) in b.iter().enumerate() {
                if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
                    v.push(i as u32 + 1);
                }
            }
            v
        };
        let mut seed = 7u32;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    match (seed >> 16) % 7 {
                        0 => b'\n',
                        1 if len % 3 == 0 => b'\r',
                        _ => b'a',
                    }
                })
                .collect();
            assert_eq!(line_starts(&bytes), by_breaks(&bytes), "{bytes:?}");
        }
        assert_eq!(line_starts(b"a\nb\n"), [0, 2, 4]);
        assert_eq!(line_starts(b"a\r\nb\rc\n"), [0, 3, 5, 7]);
    }
}
