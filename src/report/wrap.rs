//! The line breaks miette's graphical handler has textwrap make in a finding's message and
//! help, made here for plain ASCII text (a fifth of the hook's report was textwrap's).

/// `text` broken as `textwrap::fill` (0.16) breaks it for miette: words at ASCII spaces
/// (`WordSeparator::AsciiSpace`), a word split after a hyphen between letters or digits
/// (`HyphenSplitter`), a word wider than a line cut into lines (`break_words`), then first
/// fit; each line of `text` alone, every line at most `width` columns (the indent's columns
/// taken off, the same for the first line and the rest). Returns the lines without their
/// indent, joined by `\n`, for a handler that only indents them (`with_wrap_lines(false)`).
///
/// `None` (let textwrap do it) unless every byte is printable ASCII or `\n`, and every line
/// is non-empty without a leading or trailing space: there textwrap's output is that of
/// this loop (`tests::breaks_as_textwrap_does` compares them).
pub fn fill_ascii(text: &str, width: usize) -> Option<String> {
    if width == 0 || !text.bytes().all(|b| b == b'\n' || (b' '..=b'~').contains(&b)) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + text.len() / width.max(1) + 1);
    for (i, line) in text.split('\n').enumerate() {
        if line.is_empty() || line.starts_with(' ') || line.ends_with(' ') {
            return None;
        }
        if i > 0 {
            out.push('\n');
        }
        fill_line(line, width, &mut out);
    }
    Some(out)
}

/// One line of [`fill_ascii`]: fragments (word pieces with the spaces after them) placed
/// first fit, a line ended before the fragment that would pass `width`.
fn fill_line(line: &str, width: usize, out: &mut String) {
    let bytes = line.as_bytes();
    let mut fill = Fill { line, width, start: 0, filled: 0, end: 0, first_line: true };
    let mut at = 0;
    while at < bytes.len() {
        let word_end = memchr::memchr(b' ', &bytes[at..]).map_or(bytes.len(), |p| at + p);
        let mut next = word_end;
        while next < bytes.len() && bytes[next] == b' ' {
            next += 1;
        }
        // Pieces after each hyphen between letters or digits.
        let mut piece = at;
        let mut search = at + 1;
        while search < word_end {
            let Some(p) = memchr::memchr(b'-', &bytes[search..word_end]) else { break };
            let i = search + p;
            if i + 1 < word_end && bytes[i - 1].is_ascii_alphanumeric() && bytes[i + 1].is_ascii_alphanumeric() {
                fill.piece(piece, i + 1, 0, out);
                piece = i + 1;
            }
            search = i + 1;
        }
        fill.piece(piece, word_end, next - word_end, out);
        at = next;
    }
    if !fill.first_line {
        out.push('\n');
    }
    out.push_str(&line[fill.start..fill.end]);
}

/// The line [`fill_line`] is filling: where it starts in `line`, its width so far (spaces
/// after its fragments included), where its last fragment's word ends.
struct Fill<'a> {
    line: &'a str,
    width: usize,
    start: usize,
    filled: usize,
    end: usize,
    first_line: bool,
}

impl Fill<'_> {
    /// The piece `from..to` followed by `spaces` spaces: cut into lines of `width` bytes
    /// when wider (textwrap's `Word::break_apart` for ASCII, one column a byte).
    fn piece(&mut self, from: usize, to: usize, spaces: usize, out: &mut String) {
        let mut s = from;
        while to - s > self.width {
            self.place(s, s + self.width, 0, out);
            s += self.width;
        }
        self.place(s, to, spaces, out);
    }

    fn place(&mut self, from: usize, to: usize, spaces: usize, out: &mut String) {
        // textwrap puts a zero-width word first: a break comes before a fragment only when
        // the line holds another one.
        if self.filled + (to - from) > self.width && self.end > self.start {
            if !self.first_line {
                out.push('\n');
            }
            out.push_str(&self.line[self.start..self.end]);
            self.first_line = false;
            self.start = from;
            self.filled = 0;
        }
        self.filled += to - from + spaces;
        self.end = to;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What miette 7 gets from textwrap for a finding's message (after "  ⚠ ", "  │ ") and
    /// its help (after "  help: ", eight spaces), at sesslint's width of 110.
    fn textwrap(text: &str, initial: &str, rest: &str) -> String {
        let opts = textwrap::Options::new(108)
            .initial_indent(initial)
            .subsequent_indent(rest)
            .break_words(true)
            .word_separator(textwrap::WordSeparator::AsciiSpace);
        textwrap::fill(text, opts)
    }

    fn indented(lines: &str, initial: &str, rest: &str) -> String {
        let mut out = String::new();
        for (i, l) in lines.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(if i == 0 { initial } else { rest });
            out.push_str(l);
        }
        out
    }

    #[test]
    fn breaks_as_textwrap_does() {
        let words = [
            "a",
            "pool",
            "session.save_path",
            "php-fpm8.2",
            "--fix",
            "x-",
            "-y",
            "a-b-c",
            "tcp://127.0.0.1:6380",
            "auth[]=USER&auth[]=PASSWORD",
            "--",
            "9-9",
            "a--b",
            "(etc/php/8.2/fpm/pool.d/blog.conf),",
            "`%`,",
        ];
        let long = "z".repeat(150);
        let long_hyphen = format!("{}-{}", "q".repeat(60), "r".repeat(70));
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut compared = 0;
        for case in 0..4000 {
            let mut text = String::new();
            for w in 0..next(60) + 1 {
                if w > 0 {
                    text.push_str(match next(20) {
                        0 => "  ",
                        1 => "\n",
                        2 => "   ",
                        _ => " ",
                    });
                }
                match next(40) {
                    0 => text.push_str(&long),
                    1 => text.push_str(&long_hyphen),
                    2 => text.push_str(&"w".repeat(next(120) + 1)),
                    _ => text.push_str(words[next(words.len())]),
                }
            }
            // miette's indents, plain and as its colour themes style them.
            for (initial, rest, width) in [
                ("  ⚠ ", "  │ ", 104),
                ("  × ", "  │ ", 104),
                ("  ☞ ", "  │ ", 104),
                ("  help: ", "        ", 100),
                ("  \x1b[33;1m⚠\x1b[0m ", "  \x1b[33;1m│\x1b[0m ", 104),
                ("\x1b[36m  help: \x1b[0m", "        ", 100),
            ] {
                let Some(lines) = fill_ascii(&text, width) else { continue };
                assert_eq!(indented(&lines, initial, rest), textwrap(&text, initial, rest), "case {case}: {text:?}");
                compared += 1;
            }
        }
        assert!(compared > 10_000, "{compared}");
        // Not plain enough: textwrap does those.
        for text in ["", " a", "a ", "a\n\nb", "a\n", "é", "a\tb", "a\rb"] {
            assert!(fill_ascii(text, 100).is_none(), "{text:?}");
        }
    }
}
