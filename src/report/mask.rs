//! Secret masking: a file's text (or a window of its lines) with every secret span replaced
//! by `********`, and the mapping of original offsets into the masked text for labels.

use crate::span::Span;

pub use crate::secrets::MASK;

pub struct Masked {
    /// The masked text of the window: of the whole file, or of the lines from `base` on.
    pub text: String,
    /// Byte offset in the file where `text` starts; offsets into the masked text (those
    /// [`Masked::offset`] gives, a code frame's) are `base` plus offsets into `text`.
    pub base: usize,
    /// Line breaks in the file before `base`.
    pub lines_before: usize,
    /// (original start, original end, masked start, masked length) of each replaced span,
    /// ascending; starts are offsets into the file and into the masked text.
    cuts: Vec<(usize, usize, usize, usize)>,
    /// Offsets into `text` of its `\n`s, found at the first ask: each frame's lines and line
    /// number by bisection, not by a scan from the text's start (a file of many frames made
    /// frames times its size). `u32`: a file is at most 16 MiB, its masked text 8 times that.
    newlines: std::sync::OnceLock<Vec<u32>>,
}

impl Masked {
    pub fn unmasked(bytes: &[u8]) -> Self {
        Masked::of(same_length_text(bytes.to_vec()), 0, 0, Vec::new())
    }

    pub fn new(bytes: &[u8], secrets: &[Span]) -> Self {
        Masked::window(bytes, secrets, 0..bytes.len(), 0)
    }

    /// The lines `within` of `bytes` (starting and ending where lines do, after a `\n`), with
    /// the parts of `secrets` inside them masked; `lines_before` is the number of line breaks
    /// before `within`. A secret running across the window's edge is masked up to it: a
    /// mask is per line, so the window's lines read as in the whole file's masked text.
    pub fn window(bytes: &[u8], secrets: &[Span], within: std::ops::Range<usize>, lines_before: usize) -> Self {
        let end = within.end.min(bytes.len());
        let base = within.start.min(end);
        // Overlapping secrets (a field and the raw line around it) are masked as one; a
        // secret reaching past the window is masked up to its edge.
        let ranges: Vec<std::ops::Range<usize>> = secrets
            .iter()
            .filter(|s| s.end <= bytes.len() && s.start < end && s.end > base)
            .map(|s| s.start.max(base)..s.end.min(end))
            .collect();
        let spans = crate::secrets::merge_ranges(&ranges);
        let mut out: Vec<u8> = Vec::with_capacity(end - base);
        let mut cuts = Vec::new();
        let mut at = base;
        for s in spans {
            out.extend_from_slice(&bytes[at..s.start]);
            let masked_start = base + out.len();
            push_mask(&mut out, &bytes[s.start..s.end]);
            cuts.push((s.start, s.end, masked_start, base + out.len() - masked_start));
            at = s.end;
        }
        out.extend_from_slice(&bytes[at..end]);
        Masked::of(same_length_text(out), base, lines_before, cuts)
    }

    fn of(text: String, base: usize, lines_before: usize, cuts: Vec<(usize, usize, usize, usize)>) -> Self {
        Masked { text, base, lines_before, cuts, newlines: std::sync::OnceLock::new() }
    }

    fn newlines(&self) -> &[u32] {
        self.newlines.get_or_init(|| memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|p| p as u32).collect())
    }

    /// Line breaks (`\n`) in `text` before `at` (an offset into `text`).
    pub fn breaks_before(&self, at: usize) -> usize {
        self.newlines().partition_point(|&p| (p as usize) < at)
    }

    /// Where the line holding `at` (an offset into `text`) starts: after the last `\n`
    /// before `at`, or 0.
    pub fn line_start(&self, at: usize) -> usize {
        match self.breaks_before(at) {
            0 => 0,
            k => self.newlines()[k - 1] as usize + 1,
        }
    }

    /// Where the line holding `at` (an offset into `text`) ends: its `\n` (the first at or
    /// after `at`), or the text's end.
    pub fn line_end(&self, at: usize) -> usize {
        self.newlines().get(self.breaks_before(at)).map_or(self.text.len(), |&p| p as usize)
    }

    /// Where an original offset lands in the masked text.
    pub fn offset(&self, original: usize) -> usize {
        let mut shift: isize = 0;
        for &(start, end, masked_start, masked_len) in &self.cuts {
            if original < start {
                break;
            }
            if original < end {
                return masked_start;
            }
            shift = (masked_start + masked_len) as isize - end as isize;
        }
        (original as isize + shift).max(0) as usize
    }

    pub fn span(&self, s: Span) -> Span {
        let start = self.offset(s.start);
        let end = self.offset(s.end).max(start);
        // A span ending inside a secret covers the whole mask.
        let inside = self.cuts.iter().find(|&&(a, b, _, _)| s.end > a && s.end < b);
        let end = inside.map_or(end, |&(_, _, _, len)| end + len);
        Span::new(start, end.min(self.base + self.text.len()))
    }
}

/// A secret as the masked text shows it: `********` for each of its lines, its line breaks
/// kept, so that the lines after a secret quoted across lines keep their numbers.
fn push_mask(out: &mut Vec<u8>, secret: &[u8]) {
    let mut segment = false;
    for &b in secret {
        if b == b'\n' || b == b'\r' {
            if segment {
                out.extend_from_slice(MASK.as_bytes());
                segment = false;
            }
            out.push(b);
        } else {
            segment = true;
        }
    }
    if segment || secret.is_empty() {
        out.extend_from_slice(MASK.as_bytes());
    }
}

/// Text for a code frame with every byte where it was, so spans still point at the right
/// place: invalid UTF-8 and control characters become one `?` per byte (an ESC sequence or
/// a C1 control never reaches the terminal), a lone CR a line break (as PHP counts lines).
fn same_length_text(bytes: Vec<u8>) -> String {
    let plain = plain_ascii(&bytes);
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => e.into_bytes().into_iter().map(|b| if b.is_ascii() { b as char } else { '?' }).collect(),
    };
    if plain {
        return text;
    }
    if !text.chars().any(|c| c != '\n' && c != '\r' && crate::source::is_unprintable(c)) && !text.contains('\r') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\r' if chars.peek() == Some(&'\n') => out.push('\r'),
            '\r' => out.push('\n'),
            c if crate::source::is_unprintable(c) => out.extend(std::iter::repeat_n('?', c.len_utf8())),
            c => out.push(c),
        }
    }
    out
}

/// Whether `bytes` are printable ASCII, tabs and `\n` only: text a code frame shows as it is.
/// Most config files are; one pass a chunk at a time decides it, where the test per
/// character cost about 100 instructions a byte (a 100 KB redis.conf in every report).
fn plain_ascii(bytes: &[u8]) -> bool {
    bytes
        .chunks(64)
        .all(|c| c.iter().fold(true, |ok, &b| ok & ((0x20..0x7f).contains(&b) | (b == b'\t') | (b == b'\n'))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ascii_text_is_kept_as_the_per_character_test_keeps_it() {
        // Every byte value alone and beside plain text, at each place in a 64-byte chunk.
        for b in 0..=255u8 {
            for at in [0, 1, 63, 64, 100] {
                let mut bytes = vec![b'a'; 130];
                bytes[at] = b;
                let slow: String = {
                    let t = String::from_utf8_lossy(&bytes);
                    t.chars()
                        .map(|c| if c == '\n' || c == '\t' || !crate::source::is_unprintable(c) { c } else { '?' })
                        .collect()
                };
                if plain_ascii(&bytes) {
                    assert!(b.is_ascii() && b != b'\r', "{b:#x}");
                    assert_eq!(same_length_text(bytes.clone()), slow, "{b:#x}");
                } else {
                    assert!(!b.is_ascii() || b == b'\r' || crate::source::is_unprintable(b as char), "{b:#x}");
                }
            }
        }
        assert_eq!(same_length_text(b"port 6379\n\tbind 127.0.0.1\n".to_vec()), "port 6379\n\tbind 127.0.0.1\n");
    }

    #[test]
    fn a_secret_across_lines_keeps_its_line_breaks() {
        let src = b"a = \"first\nsecond\"\nb = 1\n";
        let start = 4;
        let end = src.iter().rposition(|&b| b == b'"').expect("quote") + 1;
        let m = Masked::new(src, &[Span::new(start, end)]);
        assert_eq!(m.text, "a = ********\n********\nb = 1\n");
        let b = src.iter().position(|&b| b == b'b').expect("b");
        assert_eq!(&m.text[m.offset(b)..m.offset(b) + 1], "b");
    }

    #[test]
    fn masks_and_maps_offsets() {
        let src = b"a = \"tcp://h?auth=s3cret&database=2\"\nb = 1\n";
        let start = src.windows(6).position(|w| w == b"s3cret").expect("secret");
        let m = Masked::new(src, &[Span::new(start, start + 6)]);
        assert_eq!(m.text, "a = \"tcp://h?auth=********&database=2\"\nb = 1\n");
        let b = src.iter().rposition(|&c| c == b'b').expect("b");
        assert_eq!(&m.text[m.offset(b)..m.offset(b + 1)], "b");
        assert_eq!(m.span(Span::new(start, start + 2)), Span::new(start, start + MASK.len()));
        assert!(!m.text.contains("s3cret"));
    }

    #[test]
    fn control_characters_never_reach_the_frame() {
        let src = "a = \"\x1b]52;c;AAAA\x07\u{9b}31m\u{202e}x\"\rb = 1\r\n".as_bytes();
        let m = Masked::unmasked(src);
        assert_eq!(m.text.len(), src.len());
        assert!(!m.text.chars().any(|c| c != '\n' && c != '\r' && crate::report::is_unprintable(c)), "{:?}", m.text);
        assert!(m.text.contains("\nb = 1\r\n"));
    }
}
