//! Output formats, one file each, behind [`Format::write`]. Every format masks secrets where
//! they stand (by span in code frames, by field in the model) and prints untrusted text
//! (paths, config text) through [`printable`], so no control character reaches a terminal or CI.

pub use crate::source::{is_unprintable, printable};

pub mod concise;
mod excerpt;
pub mod github;
mod human;
mod json;
mod junit;
pub mod mask;
pub mod rules_doc;
pub mod sarif;
pub mod statistics;
mod wrap;

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::model::{LoadedFile, Model};
use crate::source::{Position, Source};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Code frames with labels in every file involved (miette).
    Human,
    /// One line per diagnostic: `path:line:col: severity[CODE] message`.
    Concise,
    /// A JSON array of diagnostics.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, Azure DevOps) and SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...`): annotations on the lines.
    Github,
    /// JUnit XML: a test suite per file, a failing test case per finding.
    Junit,
}

/// A file as the report shows it: its source, the file with its secrets, its whole masked
/// text (made at its first frame that needs it), and whether it is valid UTF-8 without
/// `\r` (asked at its first frame).
type Shown<'a> = (&'a Source, &'a LoadedFile, std::sync::OnceLock<mask::Masked>, std::sync::OnceLock<bool>);

/// What the formats need besides the diagnostics: the files' text and their secrets.
pub struct ReportContext<'a> {
    /// Each file with its secrets and, made at its first frame, its masked text.
    /// By path, hashed with foldhash: asked several times per finding.
    sources: HashMap<&'a Path, Shown<'a>, foldhash::fast::RandomState>,
    pub show_secrets: bool,
    pub color: bool,
    /// Findings only: no summary line (`--quiet`).
    pub quiet: bool,
}

impl<'a> ReportContext<'a> {
    pub fn new(model: &'a Model, show_secrets: bool, color: bool) -> Self {
        let mut sources = HashMap::with_capacity_and_hasher(model.files.len(), Default::default());
        for f in &model.files {
            sources.insert(f.source.path.as_path(), (&f.source, f, Default::default(), Default::default()));
        }
        ReportContext { sources, show_secrets, color, quiet: false }
    }

    pub fn source(&self, path: &Path) -> Option<&'a Source> {
        self.sources.get(path).map(|(s, ..)| *s)
    }

    pub fn position(&self, path: &Path, offset: usize) -> Position {
        self.source(path).map(|s| s.position(offset)).unwrap_or(Position { line: 1, column: 1 })
    }

    /// A file's text with its secrets replaced, and a way to move spans into it: made once
    /// per file, however many frames show it.
    pub fn masked(&self, path: &Path) -> Option<&mask::Masked> {
        let (source, file, masked, _) = self.sources.get(path)?;
        Some(masked.get_or_init(|| {
            if self.show_secrets {
                mask::Masked::unmasked(&source.bytes)
            } else {
                // Asked here, not before: a run naming files locates only the quoted files'.
                mask::Masked::new(&source.bytes, file.secrets())
            }
        }))
    }

    /// The masked text a code frame around `spans` (offsets into the file at `path`) reads:
    /// in a large file whose secrets are not located yet, the lines around the spans alone,
    /// with the secrets located in those lines only ([`LoadedFile::secrets_within`]); else
    /// the whole file's ([`ReportContext::masked`]). A window is taken only from a file of
    /// valid UTF-8 without `\r`, whose masked text keeps every line where it was.
    pub fn masked_around(&self, path: &Path, spans: &[crate::span::Span]) -> Option<Framed<'_>> {
        let (source, file, whole, plain) = self.sources.get(path)?;
        let bytes = &source.bytes[..];
        if self.show_secrets || whole.get().is_some() || bytes.len() < WINDOW_MIN_BYTES || spans.is_empty() {
            return self.masked(path).map(Framed::Whole);
        }
        let first = spans.iter().map(|s| s.start).min().unwrap_or(0).min(bytes.len());
        let last = spans.iter().map(|s| s.end).max().unwrap_or(0).clamp(first, bytes.len());
        let line_start = |at: usize| memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |p| p + 1);
        let mut start = line_start(first);
        for _ in 0..WINDOW_LINES {
            if start == 0 {
                break;
            }
            start = line_start(start - 1);
        }
        let mut end = last;
        for _ in 0..=WINDOW_LINES {
            match memchr::memchr(b'\n', &bytes[end..]) {
                Some(p) => end += p + 1,
                None => {
                    end = bytes.len();
                    break;
                }
            }
        }
        // Most configs are ASCII: `is_ascii` answers them in wide words before the UTF-8 check.
        let plain = || {
            *plain.get_or_init(|| {
                memchr::memchr(b'\r', bytes).is_none() && (bytes.is_ascii() || std::str::from_utf8(bytes).is_ok())
            })
        };
        match file.secrets_within(start..end) {
            Some(secrets) if plain() => {
                // No `\r` in the file: its line breaks are its `\n`s, and `start` begins a
                // line (the source's line index: a few blocks counted, then bisections).
                let lines_before = source.line_of(start) - 1;
                Some(Framed::Window(mask::Masked::window(bytes, &secrets, start..end, lines_before)))
            }
            _ => self.masked(path).map(Framed::Whole),
        }
    }

    /// A setting's value for output, masked by its field: a save path's credentials, the
    /// whole value of a password key (`key` is the ini directive, offset included).
    pub fn setting(&self, key: &str, value: &str) -> String {
        if self.show_secrets {
            return printable(value).into_owned();
        }
        if key.contains("save_path") {
            printable(&crate::secrets::mask_save_path(value)).into_owned()
        } else if crate::secrets::ini_key_is_secret(key) && !value.is_empty() {
            crate::secrets::MASK.to_owned()
        } else {
            printable(value).into_owned()
        }
    }

    /// A redis.conf setting's value for output, masked when the directive is a secret.
    pub fn redis_setting(&self, name: &str, value: &str) -> String {
        if !self.show_secrets && !crate::secrets::redis_secret_args(name, &[value.as_bytes()]).is_empty() {
            return crate::secrets::MASK.to_owned();
        }
        printable(value).into_owned()
    }

    /// `` `value` `` of an effective ini value, masked by field, with a note when it depends
    /// on the environment of PHP (never sesslint's own, which is not substituted).
    pub fn effective(&self, key: &str, v: &crate::model::EffectiveValue) -> String {
        let shown = format!("`{}`", self.setting(key, &v.value));
        match &v.depends_on_env {
            Some(names) => format!("{shown} (depends on PHP's environment: {names}, unknown here)"),
            None => shown,
        }
    }

    /// A fix's replacement text as a report shows it: its secrets masked by position.
    pub fn replacement(&self, edit: &crate::diagnostic::Edit) -> String {
        if self.show_secrets {
            return edit.content().to_owned();
        }
        let ranges: Vec<std::ops::Range<usize>> = edit.secrets().iter().map(|s| s.start..s.end).collect();
        crate::secrets::mask_ranges(edit.content(), &ranges)
    }

    /// A message, label or other text for output, with control characters escaped.
    /// Secrets never get here: messages are built from masked fields (see
    /// [`mask`]), never cleaned up by searching for a secret's text.
    /// At most [`MAX_MESSAGE_CHARS`] characters: config text quoted in a message (a 1 MB
    /// directive name) never makes one finding megabytes long.
    pub fn text(&self, text: &str) -> String {
        crate::source::capped(&printable(text)).into_owned()
    }
}

impl Format {
    /// Write `diagnostics` in this format to `out`, through a buffer (stdout is line
    /// buffered: one write per line was thousands of system calls for a fleet).
    pub fn write(self, diagnostics: &[Diagnostic], ctx: &ReportContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut buffered = io::BufWriter::with_capacity(1 << 16, out);
        let out: &mut dyn Write = &mut buffered;
        match self {
            Format::Human => human::write(diagnostics, ctx, out),
            Format::Concise => concise::write(diagnostics, ctx, out),
            Format::Json => json::write(diagnostics, ctx, out),
            Format::Sarif => sarif::write(diagnostics, ctx, out),
            Format::Github => github::write(diagnostics, ctx, out),
            Format::Junit => junit::write(diagnostics, ctx, out),
        }?;
        buffered.flush()
    }
}

/// A file's masked text for a code frame: the whole file's, made once per file, or a
/// window of its lines made for one frame ([`ReportContext::masked_around`]).
pub enum Framed<'c> {
    Whole(&'c mask::Masked),
    Window(mask::Masked),
}

impl std::ops::Deref for Framed<'_> {
    type Target = mask::Masked;
    fn deref(&self) -> &mask::Masked {
        match self {
            Framed::Whole(m) => m,
            Framed::Window(m) => m,
        }
    }
}

/// Files smaller than this (bytes) are masked whole, once for all their frames: a window
/// saves little there.
const WINDOW_MIN_BYTES: usize = 16 * 1024;

/// Lines a frame's window holds above its first span's line and below its last span's:
/// more than the excerpt takes (`excerpt::MARGIN_LINES`, one more below) and the one line
/// on each side the test for lines too long to draw reads.
const WINDOW_LINES: usize = 6;

/// The longest message, label or help a report prints for one finding (characters).
pub const MAX_MESSAGE_CHARS: usize = crate::source::MAX_TEXT_CHARS;

/// Lines longer than this (bytes) are not drawn in a code frame; the finding is printed
/// with its position instead.
pub const MAX_FRAME_LINE: usize = 1000;

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding whose file holds less text than the finding points into (the model's text
    /// missing) is at 1:1 with a message saying so, and every format writes it; a
    /// diagnostic built past its file's end by hand panics no reporter either.
    #[test]
    fn a_finding_that_does_not_fit_its_text_is_placed_at_1_1_and_reported_everywhere() {
        use crate::codes::Code;
        use crate::diagnostic::Label;
        use crate::rules::check;
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("etc/redis/redis.conf");
        std::fs::create_dir_all(conf.parent().expect("dir")).expect("mkdir");
        std::fs::write(&conf, "bind 127.0.0.1\nport 6379\nrequirepass x\n").expect("write");
        let mut model = crate::model::build(&[dir.path().to_path_buf()], &Default::default());
        let id = model.file_id(&conf).expect("read");
        // The text as an unreadable stand-in would have it: nothing.
        model.files[id.0].source = crate::source::Source::new(conf.clone(), Vec::new());
        let found = check(&model);
        let weak = found.iter().find(|d| d.code == Code::from_code("SL204").expect("code")).expect("SL204");
        assert_eq!(weak.primary.span, crate::span::Span::empty(0));
        assert!(weak.message.contains("could not place this in the file's text"), "{}", weak.message);
        let mut by_hand = weak.clone();
        by_hand.primary.span = crate::span::Span::new(10, 3);
        by_hand.related.push(Label::new(conf.clone(), crate::span::Span::new(5, 40), "past the end"));
        let ctx = ReportContext::new(&model, false, false);
        for format in [Format::Human, Format::Concise, Format::Json, Format::Sarif, Format::Github, Format::Junit] {
            for ds in [&found[..], std::slice::from_ref(&by_hand)] {
                let mut out = Vec::new();
                format.write(ds, &ctx, &mut out).expect("write");
                assert!(!out.is_empty());
            }
            let mut out = Vec::new();
            format.write(&found, &ctx, &mut out).expect("write");
            let text = String::from_utf8_lossy(&out);
            // Human output wraps lines (and draws a margin): compare the words.
            let words: Vec<&str> = text.split_whitespace().filter(|w| *w != "│").collect();
            assert!(words.join(" ").contains("could not place"), "{format:?}: {text}");
        }
    }
}
