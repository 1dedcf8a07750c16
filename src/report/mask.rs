//! Secret masking: a file's text with every secret span replaced by `********`, and the
//! mapping of original offsets into the masked text so labels still point at the right place.

use crate::span::Span;

pub const MASK: &str = "********";

pub struct Masked {
    pub text: String,
    /// (original start, original end, masked start) of each replaced span, ascending.
    cuts: Vec<(usize, usize, usize)>,
}

impl Masked {
    pub fn unmasked(bytes: &[u8]) -> Self {
        Masked { text: String::from_utf8_lossy(bytes).into_owned(), cuts: Vec::new() }
    }

    pub fn new(bytes: &[u8], secrets: &[Span]) -> Self {
        let mut spans: Vec<Span> = secrets.iter().copied().filter(|s| !s.is_empty() && s.end <= bytes.len()).collect();
        spans.sort();
        let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
        let mut cuts = Vec::new();
        let mut at = 0;
        for s in spans {
            if s.start < at {
                continue; // overlapping
            }
            out.extend_from_slice(&bytes[at..s.start]);
            cuts.push((s.start, s.end, out.len()));
            out.extend_from_slice(MASK.as_bytes());
            at = s.end;
        }
        out.extend_from_slice(&bytes[at..]);
        // Offsets must stay on the same bytes, so invalid UTF-8 becomes one '?' per byte.
        let text = match String::from_utf8(out) {
            Ok(t) => t,
            Err(e) => e.into_bytes().into_iter().map(|b| if b.is_ascii() { b as char } else { '?' }).collect(),
        };
        Masked { text, cuts }
    }

    /// Where an original offset lands in the masked text.
    pub fn offset(&self, original: usize) -> usize {
        let mut shift: isize = 0;
        for &(start, end, masked_start) in &self.cuts {
            if original < start {
                break;
            }
            if original < end {
                return masked_start;
            }
            shift = (masked_start + MASK.len()) as isize - end as isize;
        }
        (original as isize + shift).max(0) as usize
    }

    pub fn span(&self, s: Span) -> Span {
        let start = self.offset(s.start);
        let end = self.offset(s.end).max(start);
        // A span ending inside a secret covers the whole mask.
        let end = if self.cuts.iter().any(|&(a, b, _)| s.end > a && s.end < b) { end + MASK.len() } else { end };
        Span::new(start, end.min(self.text.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
