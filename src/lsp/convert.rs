//! Between sesslint's byte spans and LSP's line/character positions (UTF-16 code units
//! unless the client agreed to UTF-8), and between `file:` URIs and paths.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};

use crate::span::Span;

/// How a position's `character` counts: the encoding negotiated in `initialize`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes of UTF-8 (the client offered `utf-8`).
    Utf8,
    /// UTF-16 code units: LSP's default, what every client must support.
    Utf16,
}

/// Line starts of one text, for turning offsets into positions and back.
///
/// `\n`, `\r\n` and a lone `\r` end a line, as in LSP (and in PHP's ini scanner). Bytes
/// that are not UTF-8 count one unit each: the client shows them as one replacement
/// character each.
pub struct LineIndex<'a> {
    text: &'a [u8],
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        let mut starts = vec![0];
        for (i, &b) in text.iter().enumerate() {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if text.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
        }
        LineIndex { text, starts }
    }

    /// The position of a byte offset; an offset inside a character moves to its start.
    pub fn position(&self, offset: usize, enc: Encoding) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let mut units = 0usize;
        let mut at = start;
        // The whole line, so that an offset inside a character is seen as such.
        let end = self.starts.get(line + 1).copied().unwrap_or(self.text.len());
        for (len, w) in units_of(&self.text[start..end], enc) {
            if at + len > offset {
                break;
            }
            at += len;
            units += w;
        }
        Position { line: saturate(line), character: saturate(units) }
    }

    /// The byte offset of a position. A character past the end of its line means the end
    /// of the line (LSP's rule); a line past the end means the end of the text.
    pub fn offset(&self, pos: Position, enc: Encoding) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else { return self.text.len() };
        let end = self.line_content_end(pos.line as usize);
        let want = pos.character as usize;
        let mut units = 0usize;
        let mut at = start;
        for (len, w) in units_of(&self.text[start..end], enc) {
            if units + w > want {
                break;
            }
            units += w;
            at += len;
        }
        at
    }

    pub fn range(&self, span: Span, enc: Encoding) -> Range {
        Range { start: self.position(span.start, enc), end: self.position(span.end.max(span.start), enc) }
    }

    pub fn span(&self, range: Range, enc: Encoding) -> Span {
        let start = self.offset(range.start, enc);
        let end = self.offset(range.end, enc);
        Span::new(start.min(end), end.max(start))
    }

    /// The end of a line's text, before its line ending.
    fn line_content_end(&self, line: usize) -> usize {
        let mut end = self.starts.get(line + 1).copied().unwrap_or(self.text.len());
        let start = self.starts[line];
        while end > start && matches!(self.text[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        end
    }
}

/// (bytes, units) of each character of `bytes` in the given encoding.
fn units_of(bytes: &[u8], enc: Encoding) -> impl Iterator<Item = (usize, usize)> + '_ {
    bytes.utf8_chunks().flat_map(move |chunk| {
        let valid = chunk.valid().chars().map(move |c| {
            let w = match enc {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
            (c.len_utf8(), w)
        });
        let invalid = chunk.invalid().iter().map(|_| (1, 1));
        valid.chain(invalid)
    })
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The path of a `file:` URI (`None` for other schemes). Percent escapes are decoded, then
/// `.` and `..` taken away as written (a `..` at `/` stays there), so that what is tested
/// for being inside a workspace folder is the file the path names: an encoded
/// `/ws/etc/..%2F..%2Fout/x` is `/out/x`, outside `/ws`. `file://localhost/p` and
/// `file:///p` are the same file.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    decoded_uri_path(uri).map(|p| lexically_clean(&p))
}

/// `path` without `.` components, each `..` taking away the component before it (none above
/// the root), without asking the file system.
pub(crate) fn lexically_clean(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn decoded_uri_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://").or_else(|| s.strip_prefix("FILE://"))?;
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(i) if rest[..i].eq_ignore_ascii_case("localhost") => &rest[i..],
        _ => return None, // a remote host
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let bytes = percent_decode(path.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }
    #[cfg(not(unix))]
    {
        String::from_utf8(bytes).ok().map(PathBuf::from)
    }
}

/// The `file:` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let absolute;
    let path = if path.is_absolute() {
        path
    } else {
        absolute = std::env::current_dir().ok()?.join(path);
        &absolute
    };
    let mut s = String::from("file://");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.parse().ok()
}

fn percent_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hex = std::str::from_utf8(s.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn utf16_counts_surrogate_pairs_and_utf8_counts_bytes() {
        // "é" is 2 bytes / 1 unit; "𝄞" is 4 bytes / 2 UTF-16 units.
        let text = "a = é𝄞x\r\nb\rc\n".as_bytes();
        let idx = LineIndex::new(text);
        let x = text.iter().position(|&b| b == b'x').expect("x");
        assert_eq!(idx.position(x, Encoding::Utf16), pos(0, 7));
        assert_eq!(idx.position(x, Encoding::Utf8), pos(0, 10));
        assert_eq!(idx.offset(pos(0, 7), Encoding::Utf16), x);
        assert_eq!(idx.offset(pos(0, 10), Encoding::Utf8), x);
        // Inside a surrogate pair or a UTF-8 sequence: the character's start.
        assert_eq!(idx.offset(pos(0, 6), Encoding::Utf16), x - 4);
        assert_eq!(idx.position(x - 2, Encoding::Utf16), pos(0, 5));
        // Every line ending counts; past the end of a line is its end.
        assert_eq!(idx.position(text.len() - 2, Encoding::Utf16), pos(2, 0));
        assert_eq!(idx.offset(pos(1, 99), Encoding::Utf16), x + 4);
        assert_eq!(idx.offset(pos(9, 0), Encoding::Utf16), text.len());
    }

    #[test]
    fn bytes_that_are_not_utf8_count_one_each() {
        let idx = LineIndex::new(b"\xff\xfe=x");
        assert_eq!(idx.position(3, Encoding::Utf16), pos(0, 3));
        assert_eq!(idx.offset(pos(0, 2), Encoding::Utf16), 2);
    }

    #[test]
    fn file_uris_round_trip() {
        let p = Path::new("/tmp/a b/etc/php/8.2/fpm/conf.d/30-sessions.ini");
        let uri = path_to_uri(p).expect("uri");
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/etc/php/8.2/fpm/conf.d/30-sessions.ini");
        assert_eq!(uri_to_path(&uri).as_deref(), Some(p));
        let local: Uri = "file://localhost/etc/redis/redis.conf".parse().expect("uri");
        assert_eq!(uri_to_path(&local).as_deref(), Some(Path::new("/etc/redis/redis.conf")));
        let other: Uri = "untitled:Untitled-1".parse().expect("uri");
        assert_eq!(uri_to_path(&other), None);
    }

    /// A `..` written or percent-encoded (`%2F` a `/`) is taken away before the path is
    /// compared with a workspace folder: the path is the file it names.
    #[test]
    fn dot_dot_in_a_uri_is_resolved_as_written() {
        for (uri, path) in [
            ("file:///ws/etc/redis/..%2F..%2F..%2Fout7/secret.conf", "/out7/secret.conf"),
            ("file:///ws/etc/redis/../../../out7/secret.conf", "/out7/secret.conf"),
            ("file:///ws/etc/%2E%2E/%2e%2e/x", "/x"),
            ("file:///ws/a/./b/../c.conf", "/ws/a/c.conf"),
            ("file:///..%2F..%2Fetc/passwd", "/etc/passwd"),
        ] {
            let uri: Uri = uri.parse().expect("uri");
            assert_eq!(uri_to_path(&uri).as_deref(), Some(Path::new(path)), "{}", uri.as_str());
        }
    }
}
