//! The lines of a file's masked text that a code frame shows, handed to miette as its source
//! with the whole file's offsets and line numbers: miette scans a source from its first byte
//! for every span it reads, which made each frame in a 70 KB php.ini cost a pass over it.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::mask::Masked;
use crate::span::Span;

/// Lines kept before the first and after the last span: miette reads one line of context on
/// each side, and needs the line break that ends a span's line plus one more to stop where
/// it would in the whole text, so three leave a margin.
const MARGIN_LINES: usize = 3;

/// A window of whole lines of a text (line breaks `\n` or `\r\n`, no lone `\r`: the masked
/// text's), read by miette exactly as the whole text would be for spans inside it.
#[derive(Debug)]
pub struct Excerpt {
    name: String,
    text: String,
    /// Byte offset of `text` in the whole text.
    offset: usize,
    /// Line breaks in the whole text before `offset`.
    lines_before: usize,
}

impl Excerpt {
    /// The lines of `whole` around `spans` (byte offsets into `whole`), named `name`.
    #[cfg(test)]
    pub fn around(name: String, whole: &str, spans: &[Span]) -> Excerpt {
        Excerpt::around_in(name, &Masked::unmasked(whole.as_bytes()), spans)
    }

    /// [`Excerpt::around`] in a masked text (of the whole file or a window of its lines):
    /// `spans` are offsets into the whole masked text, which the window starts at byte
    /// `masked.base` of, after `masked.lines_before` line breaks. The window holds more lines
    /// around the spans than the excerpt takes. Lines are found through the masked text's
    /// index of line breaks: a bisection each, whatever the offset.
    pub fn around_in(name: String, masked: &Masked, spans: &[Span]) -> Excerpt {
        let whole = masked.text.as_str();
        let len = whole.len();
        let local = |at: usize| at.saturating_sub(masked.base).min(len);
        let first = local(spans.iter().map(|s| s.start).min().unwrap_or(0));
        let last = local(spans.iter().map(|s| s.end).max().unwrap_or(0)).max(first);
        // Back to the start of the line MARGIN_LINES above the first span's line.
        let mut start = masked.line_start(first);
        for _ in 0..MARGIN_LINES {
            if start == 0 {
                break;
            }
            start = masked.line_start(start - 1);
        }
        // Forward past MARGIN_LINES + 1 line breaks after the last span.
        let mut end = last;
        for _ in 0..=MARGIN_LINES {
            match masked.line_end(end) {
                e if e < len => end = e + 1,
                _ => {
                    end = len;
                    break;
                }
            }
        }
        // `start` and `end` sit after a `\n` or at an end: both are character boundaries.
        Excerpt {
            name,
            text: whole.get(start..end).unwrap_or(whole).to_owned(),
            offset: masked.base + if whole.get(start..end).is_some() { start } else { 0 },
            lines_before: masked.lines_before + masked.breaks_before(start),
        }
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = span.offset().checked_sub(self.offset).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(inner.into(), span.len());
        let c = self.text.as_str().read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            SourceSpan::new((c.span().offset() + self.offset).into(), c.span().len()),
            c.line() + self.lines_before,
            c.column(),
            c.line_count() + self.lines_before,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every span of a text, read through excerpts around it, gives what the whole text gives.
    #[test]
    fn reads_as_the_whole_text() {
        let whole: String =
            (0..40).map(|i| if i % 7 == 3 { "\r\n".to_owned() } else { format!("line {i} é\n") }).collect();
        let whole = format!("\n{whole}last");
        for start in (0..whole.len()).filter(|&i| whole.is_char_boundary(i)) {
            for len in [0, 1, 5, 30] {
                let end = (start + len).min(whole.len());
                if !whole.is_char_boundary(end) {
                    continue;
                }
                let e = Excerpt::around("f".into(), &whole, &[Span::new(start, end)]);
                for ctx in [0, 1] {
                    let span = SourceSpan::new(start.into(), end - start);
                    let a = whole.as_str().read_span(&span, ctx, ctx).expect("whole");
                    let b = e.read_span(&span, ctx, ctx).expect("excerpt");
                    let got = (a.data(), a.span(), a.line(), a.column(), a.line_count());
                    assert_eq!(
                        got,
                        (b.data(), b.span(), b.line(), b.column(), b.line_count()),
                        "{start}+{len} ctx {ctx}"
                    );
                }
            }
        }
    }
}
