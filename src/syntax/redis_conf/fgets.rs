//! The text redis-server keeps of a file holding a NUL byte: it reads with fgets() and
//! appends each read with sdscat(), so a NUL ends what that read keeps, newline included.

use crate::span::Span;

/// `CONFIG_READ_LEN` in redis 7.0 `config.c`: fgets() reads at most this many bytes at once.
const READ_LEN: usize = 1024;

/// What `loadServerConfig` (redis 7.0.15 `config.c`) appends of `bytes`: each fgets() read
/// (up to [`READ_LEN`] bytes, ending after a `\n`) up to its first NUL. The text after the
/// NUL, and the newline when it is in the same read, vanish: the next line joins this one.
pub struct FgetsView {
    /// The bytes kept, in order.
    pub kept: Vec<u8>,
    /// (offset in `kept`, offset in the file) where each run of kept bytes starts, ascending.
    segments: Vec<(usize, usize)>,
    /// Offsets in the file of the NUL bytes that cut a read (the first of each read).
    pub cuts: Vec<usize>,
}

impl FgetsView {
    /// The view of one file's bytes.
    pub fn of(bytes: &[u8]) -> FgetsView {
        let mut view = FgetsView { kept: Vec::with_capacity(bytes.len()), segments: Vec::new(), cuts: Vec::new() };
        let mut at = 0;
        while at < bytes.len() {
            let limit = (at + READ_LEN).min(bytes.len());
            let end = memchr::memchr(b'\n', &bytes[at..limit]).map_or(limit, |i| at + i + 1);
            let keep = match memchr::memchr(0, &bytes[at..end]) {
                Some(nul) => {
                    view.cuts.push(at + nul);
                    at + nul
                }
                None => end,
            };
            if keep > at {
                // Joined to the previous run when nothing was cut between them.
                let joined = view.segments.last().is_some_and(|&(k, f)| f + (view.kept.len() - k) == at);
                if !joined {
                    view.segments.push((view.kept.len(), at));
                }
                view.kept.extend_from_slice(&bytes[at..keep]);
            }
            at = end;
        }
        view
    }

    /// Offsets in [`FgetsView::kept`] where the kept text of a later read follows text that
    /// was dropped (a join: what stands before it and after it are one line to redis-server
    /// when the newline was dropped), ascending.
    pub fn joins(&self) -> Vec<usize> {
        self.segments.iter().skip(1).map(|&(k, _)| k).collect()
    }

    /// The spans of the file redis-server never reads: from each cutting NUL to where its
    /// read ended (the newline included when it was in that read), ascending and disjoint.
    /// A read ends where the next kept text or the next cut read starts (a read whose first
    /// byte is a NUL keeps nothing): so a run of `\0\n` lines is one span a line, not each
    /// one to the end of the file.
    pub fn dropped(&self, file_len: usize) -> Vec<Span> {
        let mut out = Vec::with_capacity(self.cuts.len());
        let mut next = self.segments.iter().map(|&(_, f)| f).peekable();
        for (i, &cut) in self.cuts.iter().enumerate() {
            while next.next_if(|&f| f <= cut).is_some() {}
            let next_cut = self.cuts.get(i + 1).copied().unwrap_or(file_len);
            out.push(Span::new(cut, next.peek().copied().unwrap_or(file_len).min(next_cut)));
        }
        out
    }

    /// The file offset of offset `at` of [`FgetsView::kept`] (`kept.len()` maps past the last
    /// kept byte).
    fn file_offset(&self, at: usize) -> usize {
        if at == 0 && self.kept.is_empty() {
            return 0;
        }
        if at >= self.kept.len() {
            return self.file_offset(self.kept.len() - 1) + 1 + (at - self.kept.len());
        }
        let i = self.segments.partition_point(|&(k, _)| k <= at) - 1;
        let (k, f) = self.segments[i];
        f + (at - k)
    }

    /// A span of [`FgetsView::kept`] as a span of the file: from its first byte to just after
    /// its last (a span across a cut covers the dropped text too).
    pub fn file_span(&self, span: Span) -> Span {
        let start = self.file_offset(span.start);
        let end = if span.end > span.start { self.file_offset(span.end - 1) + 1 } else { start };
        Span::new(start, end)
    }
}

/// The spans of the file redis-server does not read as written: from the start of each line
/// holding a NUL through the end of the line its kept text runs into (the first newline a
/// read keeps), in file order. Empty when the file has no NUL. Same reads as [`FgetsView::of`].
pub fn misread_spans(bytes: &[u8]) -> Vec<Span> {
    let mut out = Vec::new();
    if memchr::memchr(0, bytes).is_none() {
        return out;
    }
    let (mut at, mut line_start) = (0, 0);
    // Start of the misread run being read, if a NUL cut a read since the last kept newline.
    let mut open: Option<usize> = None;
    while at < bytes.len() {
        let limit = (at + READ_LEN).min(bytes.len());
        let end = memchr::memchr(b'\n', &bytes[at..limit]).map_or(limit, |i| at + i + 1);
        let cut = memchr::memchr(0, &bytes[at..end]).is_some();
        if cut && open.is_none() {
            open = Some(line_start);
        }
        let ends_line = bytes[end - 1] == b'\n';
        if ends_line && !cut {
            if let Some(s) = open.take() {
                out.push(Span::new(s, end));
            }
        }
        if ends_line {
            line_start = end;
        }
        at = end;
    }
    if let Some(s) = open {
        out.push(Span::new(s, bytes.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_misread_lines_run_from_the_nul_to_the_next_kept_newline() {
        let bytes = b"port 0\nrequirepass abc\0def\nmaxmemory 1mb\nsave \"\"\n# c\0\n";
        // `requirepass` joins `maxmemory`; the last comment runs to the end of the file.
        assert_eq!(misread_spans(bytes), [Span::new(7, 41), Span::new(49, 54)]);
        assert!(misread_spans(b"port 0\n").is_empty());
        // A NUL in the first read of a long line: its later reads keep the newline.
        let mut long = b"a\0".to_vec();
        long.extend(vec![b'b'; 2000]);
        long.extend(b"\nport 1\n");
        assert_eq!(misread_spans(&long), [Span::new(0, 2003)]);
    }

    #[test]
    fn a_nul_drops_the_rest_of_its_line_and_the_newline() {
        let bytes = b"port 0\nrequirepass abc\0def ghi\nmaxmemory 1mb\0x\nsave \"\"\n";
        let view = FgetsView::of(bytes);
        assert_eq!(view.kept, b"port 0\nrequirepass abcmaxmemory 1mbsave \"\"\n");
        assert_eq!(view.cuts, [22, 44]);
        // `maxmemory` in the view is where it is in the file.
        let m = view.kept.windows(9).position(|w| w == b"maxmemory").expect("kept");
        assert_eq!(view.file_span(Span::new(m, m + 9)), Span::new(31, 40));
        assert_eq!(&bytes[31..40], b"maxmemory");
        // Across the cut: from `abc` to `max`.
        let a = view.kept.windows(3).position(|w| w == b"abc").expect("kept");
        assert_eq!(view.file_span(Span::new(a, a + 6)), Span::new(19, 34));
        assert_eq!(view.file_span(Span::new(view.kept.len(), view.kept.len())), Span::new(bytes.len(), bytes.len()));
    }

    #[test]
    fn a_read_stops_after_1024_bytes_so_a_long_line_keeps_its_later_reads() {
        // The NUL is in the first read of a 2000-byte line: the second read, and the newline,
        // are kept.
        let mut bytes = b"# ".to_vec();
        bytes.extend([b'a'; 10]);
        bytes.push(0);
        bytes.extend(vec![b'b'; 2000]);
        bytes.extend(b"\nport 1\n");
        let view = FgetsView::of(&bytes);
        let mut want = b"# ".to_vec();
        want.extend([b'a'; 10]);
        want.extend(vec![b'b'; 2013 - 1024]);
        want.extend(b"\nport 1\n");
        assert_eq!(view.kept, want);
        assert_eq!(view.cuts, [12]);
    }

    #[test]
    fn joins_and_dropped_text() {
        let bytes = b"requirepass\0x\n pw\nport 1\n";
        let view = FgetsView::of(bytes);
        assert_eq!(view.kept, b"requirepass pw\nport 1\n");
        assert_eq!(view.joins(), [11]);
        assert_eq!(view.dropped(bytes.len()), [Span::new(11, 14)]);
        assert_eq!(&bytes[11..14], b"\0x\n");
    }

    #[test]
    fn without_a_nul_the_view_is_the_file() {
        let bytes = b"port 0\nbind 127.0.0.1\n";
        let view = FgetsView::of(bytes);
        assert_eq!(view.kept, bytes);
        assert!(view.cuts.is_empty());
        assert_eq!(view.file_span(Span::new(7, 11)), Span::new(7, 11));
    }

    #[test]
    fn the_dropped_texts_of_nul_first_lines_are_one_read_each() {
        // Each `\0\n` read keeps nothing: its dropped text is that read, not the rest of the
        // file (which made judging them all cost the square of the run).
        for line in [&b"\0\n"[..], b"\0\0\n", b"\0x\n"] {
            let bytes = line.repeat(5000);
            let view = FgetsView::of(&bytes);
            assert!(view.kept.is_empty());
            let dropped = view.dropped(bytes.len());
            assert_eq!(dropped.len(), 5000);
            assert!(dropped.windows(2).all(|w| w[0].end <= w[1].start), "{line:?}: overlapping");
            assert_eq!(dropped.iter().map(|s| s.end - s.start).sum::<usize>(), bytes.len(), "{line:?}");
        }
        // Kept text between two cuts still ends the first.
        let bytes = b"a\0b\n\0c\nport 1\n\0d";
        assert_eq!(FgetsView::of(bytes).dropped(bytes.len()), [Span::new(1, 4), Span::new(4, 7), Span::new(14, 16)]);
    }
}
