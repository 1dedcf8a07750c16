//! The line breaks miette's graphical handler has textwrap make in a finding's message and
//! help, made here for plain ASCII text (a fifth of the hook's report was textwrap's).

/// `text` broken as `textwrap::fill` (0.16) breaks it for miette: words at ASCII spaces
/// (`WordSeparator::AsciiSpace`), a word split after a hyphen between letters or digits
/// (`HyphenSplitter`), a word wider than a line cut into lines (`break_words`), then first
/// fit; each line of `text` alone, every line at most `width` columns (the indent's columns
/// taken off, the same for the first line and the rest). Returns the lines without their
/// indent, joined by `\n`, for a handler that only indents them (`with_wrap_lines(false)`).
///
/// `None` (let textwrap do it) unless every character is printable ASCII, `\n` or one of
/// Latin-1's one column wide (U+00A1..=U+00FF but the soft hyphen: `µs` in a help), and every
/// line is non-empty without a leading or trailing space: there textwrap's output is that of
/// this loop (`tests::breaks_as_textwrap_does` compares them).
pub fn fill_ascii(text: &str, width: usize) -> Option<String> {
    let plain =
        |c: char| c == '\n' || (' '..='~').contains(&c) || (('\u{a1}'..='\u{ff}').contains(&c) && c != '\u{ad}');
    if width == 0 || !(text.is_ascii() && text.bytes().all(|b| plain(char::from(b))) || text.chars().all(plain)) {
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
    let mut fill = Fill { line, ascii: line.is_ascii(), width, start: 0, filled: 0, end: 0, first_line: true };
    let mut at = 0;
    while at < bytes.len() {
        let word_end = memchr::memchr(b' ', &bytes[at..]).map_or(bytes.len(), |p| at + p);
        let mut next = word_end;
        while next < bytes.len() && bytes[next] == b' ' {
            next += 1;
        }
        // Pieces after each hyphen between letters or digits (`char::is_alphanumeric`, as
        // textwrap's HyphenSplitter asks).
        let alnum_before = |i: usize| line[..i].chars().next_back().is_some_and(char::is_alphanumeric);
        let alnum_after = |i: usize| line[i..].chars().next().is_some_and(char::is_alphanumeric);
        let mut piece = at;
        let mut search = at + 1;
        while search < word_end {
            let Some(p) = memchr::memchr(b'-', &bytes[search..word_end]) else { break };
            let i = search + p;
            if i + 1 < word_end && alnum_before(i) && alnum_after(i + 1) {
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
/// after its fragments included), where its last fragment's word ends. Offsets are bytes of
/// `line`, widths columns (one a character: see [`fill_ascii`]).
struct Fill<'a> {
    line: &'a str,
    /// One column a byte.
    ascii: bool,
    width: usize,
    start: usize,
    filled: usize,
    end: usize,
    first_line: bool,
}

impl Fill<'_> {
    /// Columns of `line[from..to]`.
    fn columns(&self, from: usize, to: usize) -> usize {
        if self.ascii {
            to - from
        } else {
            self.line[from..to].chars().count()
        }
    }

    /// The piece `from..to` followed by `spaces` spaces: cut into lines of `width` columns
    /// when wider (textwrap's `Word::break_apart`, one column a character).
    fn piece(&mut self, from: usize, to: usize, spaces: usize, out: &mut String) {
        let mut s = from;
        while self.columns(s, to) > self.width {
            let cut = if self.ascii {
                s + self.width
            } else {
                self.line[s..to].char_indices().nth(self.width).map_or(to, |(i, _)| s + i)
            };
            self.place(s, cut, 0, out);
            s = cut;
        }
        self.place(s, to, spaces, out);
    }

    fn place(&mut self, from: usize, to: usize, spaces: usize, out: &mut String) {
        let columns = self.columns(from, to);
        // textwrap puts a zero-width word first: a break comes before a fragment only when
        // the line holds another one.
        if self.filled + columns > self.width && self.end > self.start {
            if !self.first_line {
                out.push('\n');
            }
            out.push_str(&self.line[self.start..self.end]);
            self.first_line = false;
            self.start = from;
            self.filled = 0;
        }
        self.filled += columns + spaces;
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
            "(µs)",
            "µs",
            "café",
            "é-x",
            "x-é",
            "µ-µ",
            "«a»",
            "×-2",
        ];
        let long = "z".repeat(150);
        let long_hyphen = format!("{}-{}", "q".repeat(60), "r".repeat(70));
        let long_latin = format!("{}µ{}", "é".repeat(70), "ø".repeat(50));
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
                    3 => text.push_str(&long_latin),
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
        for text in ["", " a", "a ", "a\n\nb", "a\n", "a\tb", "a\rb", "a\u{ad}b", "—", "e\u{301}", "\u{a0}"] {
            assert!(fill_ascii(text, 100).is_none(), "{text:?}");
        }
    }
}
