//! Byte ranges into a source file: the one span type every parser, diagnostic and edit uses,
//! and a set of them asked in O(log n) whether one covers an offset or a span.

use serde::Serialize;

/// A half-open byte range `start..end` into one file's bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub const fn empty(at: usize) -> Self {
        Span { start: at, end: at }
    }

    /// Bytes covered; 0 for a span ending before it starts (never an overflow).
    pub const fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub const fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn slice<'a>(&self, bytes: &'a [u8]) -> &'a [u8] {
        &bytes[self.start.min(bytes.len())..self.end.min(bytes.len())]
    }

    pub fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }
}

/// Spans of one file sorted by start, with the furthest end reached so far: whether any of
/// them covers an offset or a whole span, in O(log n) however they overlap (a search per
/// question over a list would make a loop over n questions quadratic).
#[derive(Clone, Debug, Default)]
pub struct SpanCover {
    starts: Vec<usize>,
    /// `furthest[i]`: the largest `end` of the spans `..=i` in start order.
    furthest: Vec<usize>,
}

impl SpanCover {
    /// The cover of `spans` (any order, overlapping or not). O(n log n).
    pub fn new(spans: impl IntoIterator<Item = Span>) -> SpanCover {
        let mut all: Vec<Span> = spans.into_iter().collect();
        all.sort_unstable_by_key(|s| s.start);
        let starts = all.iter().map(|s| s.start).collect();
        let furthest = all
            .iter()
            .scan(0, |far, s| {
                *far = s.end.max(*far);
                Some(*far)
            })
            .collect();
        SpanCover { starts, furthest }
    }

    /// The largest end of the spans that start at or before `offset`.
    fn furthest_from(&self, offset: usize) -> Option<usize> {
        let n = self.starts.partition_point(|&s| s <= offset);
        n.checked_sub(1).and_then(|i| self.furthest.get(i).copied())
    }

    /// Whether a span holds byte `offset` (`start <= offset < end`).
    pub fn covers_offset(&self, offset: usize) -> bool {
        self.furthest_from(offset).is_some_and(|end| end > offset)
    }

    /// Whether one span holds all of `inner` (`start <= inner.start`, `inner.end <= end`).
    pub fn covers_span(&self, inner: Span) -> bool {
        self.furthest_from(inner.start).is_some_and(|end| end >= inner.end)
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cover_answers_as_a_search_over_every_span_does() {
        // Overlapping, nested, empty and repeated spans, in no order.
        let spans: Vec<Span> = [(5, 9), (0, 2), (3, 20), (4, 6), (12, 12), (25, 30), (25, 27), (31, 32)]
            .map(|(a, b)| Span::new(a, b))
            .to_vec();
        let cover = SpanCover::new(spans.iter().copied());
        for p in 0..40 {
            assert_eq!(cover.covers_offset(p), spans.iter().any(|s| s.contains(p)), "offset {p}");
            for q in p..40 {
                let inner = Span::new(p, q);
                let searched = spans.iter().any(|s| s.start <= inner.start && inner.end <= s.end);
                assert_eq!(cover.covers_span(inner), searched, "span {p}..{q}");
            }
        }
        assert!(!SpanCover::default().covers_offset(0));
        assert!(!SpanCover::default().covers_span(Span::empty(0)));
    }
}
