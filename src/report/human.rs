//! Code frames with miette: the primary span and related spans labelled in their own files,
//! colour only when asked (a terminal without NO_COLOR).

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::excerpt::Excerpt;
use super::{wrap, ReportContext};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::display_path;

#[derive(Debug)]
struct Frame {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Excerpt>,
    labels: Vec<LabeledSpan>,
    related: Vec<Frame>,
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Frame {}

impl miette::Diagnostic for Frame {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.as_ref().map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.source.is_none() || self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// Related places more than this many lines from the primary one get a frame of their own
/// (one frame spanning both would show every line between them).
const NEAR_LINES: usize = 4;

fn labeled(ctx: &ReportContext<'_>, masked: &super::mask::Masked, l: &Label, primary: bool) -> LabeledSpan {
    let s = masked.span(l.span);
    let text = Some(ctx.text(&l.message)).filter(|t| !t.is_empty());
    if primary {
        LabeledSpan::new_primary_with_span(text, (s.start, s.len()))
    } else {
        LabeledSpan::new_with_span(text, (s.start, s.len()))
    }
}

/// The file's masked text for a frame around `spans`, unless one of their lines is too long
/// to draw (a minified or hostile file): then the finding is printed without a frame.
fn source_of<'c>(
    ctx: &'c ReportContext<'_>,
    path: &Path,
    spans: &[crate::span::Span],
) -> Option<(Excerpt, super::Framed<'c>)> {
    // A span that does not fit in the text (the pipeline places such findings at 1:1; a
    // caller with its own diagnostics may not) is printed without a frame, never indexed.
    let len = ctx.source(path)?.bytes.len();
    if spans.iter().any(|s| s.start > s.end || s.end > len) {
        return None;
    }
    let masked = ctx.masked_around(path, spans)?;
    let text = masked.text.as_bytes();
    let local = |at: usize| at.saturating_sub(masked.base).min(text.len());
    // The label's line and the context lines miette draws around it.
    let too_long = spans.iter().any(|s| {
        let at = local(masked.offset(s.start));
        let start = masked.line_start(masked.line_start(at).saturating_sub(1));
        let end = masked.line_end((masked.line_end(local(masked.offset(s.end))) + 1).min(text.len()));
        let widest = text[start..end].split(|&b| b == b'\n').map(<[u8]>::len).max().unwrap_or(0);
        widest > super::MAX_FRAME_LINE || s.len() > super::MAX_FRAME_LINE * 4
    });
    if too_long {
        return None;
    }
    let shown: Vec<crate::span::Span> = spans.iter().map(|&s| masked.span(s)).collect();
    let excerpt = Excerpt::around_in(display_path(path), &masked, &shown);
    Some((excerpt, masked))
}

fn frame(d: &Diagnostic, ctx: &ReportContext<'_>) -> Frame {
    let severity = match d.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    };
    let line = |l: &Label| ctx.position(&l.path, l.span.start).line;
    let near = |r: &Label| r.path == d.primary.path && line(r).abs_diff(line(&d.primary)) <= NEAR_LINES;
    let here: Vec<crate::span::Span> =
        std::iter::once(&d.primary).chain(d.related.iter().filter(|r| near(r))).map(|l| l.span).collect();
    let (source, mut labels) = match source_of(ctx, &d.primary.path, &here) {
        Some((named, masked)) => {
            let mut labels = vec![labeled(ctx, &masked, &d.primary, true)];
            for r in d.related.iter().filter(|r| near(r)) {
                labels.push(labeled(ctx, &masked, r, false));
            }
            (Some(named), labels)
        }
        None => (None, Vec::new()),
    };
    labels.dedup_by(|a, b| a.offset() == b.offset() && a.len() == b.len());
    let mut related = Vec::new();
    for r in d.related.iter().filter(|r| !near(r)) {
        if let Some((named, masked)) = source_of(ctx, &r.path, &[r.span]) {
            // The message heads the frame; the underline needs no second copy of it.
            let mut place = labeled(ctx, &masked, r, true);
            place.set_label(None);
            related.push(Frame {
                message: ctx.text(&r.message),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: Some(named),
                labels: vec![place],
                related: Vec::new(),
            });
        }
    }
    let message = if source.is_none() {
        let at = match ctx.source(&d.primary.path) {
            Some(s) => {
                let p = s.position(d.primary.span.start);
                format!("{}:{}:{}", display_path(&d.primary.path), p.line, p.column)
            }
            None => display_path(&d.primary.path),
        };
        format!("{at}: {}", ctx.text(&d.message))
    } else {
        ctx.text(&d.message)
    };
    Frame {
        message,
        // In a fleet, the host the finding is on.
        code: Some(match &d.primary.host {
            Some(h) => format!("{}({}) on host {}", d.code, d.name, ctx.text(h)),
            None => format!("{}({})", d.code, d.name),
        }),
        severity,
        help: d.help.as_deref().map(|h| ctx.text(h)),
        source,
        labels,
        related,
    }
}

/// The columns a report is drawn in.
const WIDTH: usize = 110;
/// The columns miette leaves a finding's message: two of the width, then "  ⚠ " (or × ☞),
/// "  │ " on the lines after.
const MESSAGE_COLUMNS: usize = WIDTH - 2 - 4;
/// The columns miette leaves the help: two of the width, then "  help: " and eight spaces.
const HELP_COLUMNS: usize = WIDTH - 2 - 8;

/// `f` drawn into `out` as `wrapping` draws it: its message and help broken by
/// [`wrap::fill_ascii`] and drawn by `indenting` when both are plain enough for it (the same
/// bytes, without textwrap's cost), else by `wrapping` itself.
fn render(
    wrapping: &GraphicalReportHandler,
    indenting: &GraphicalReportHandler,
    f: &mut Frame,
    out: &mut String,
) -> fmt::Result {
    let broken = wrap::fill_ascii(&f.message, MESSAGE_COLUMNS).and_then(|message| match &f.help {
        None => Some((message, None)),
        Some(h) => wrap::fill_ascii(h, HELP_COLUMNS).map(|help| (message, Some(help))),
    });
    let Some((message, help)) = broken else { return wrapping.render_report(out, f) };
    let kept = (std::mem::replace(&mut f.message, message), std::mem::replace(&mut f.help, help));
    let drawn = indenting.render_report(out, f);
    (f.message, f.help) = kept;
    drawn
}

pub fn write(diagnostics: &[Diagnostic], ctx: &ReportContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let theme = if ctx.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    // Lines break at spaces only: a path stays whole on one line (Unicode line breaking
    // split `pool.d/` from `blog.conf`), and finding the breaks was a third of the report.
    let wrapping = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace);
    // For a message and help broken beforehand by `wrap::fill_ascii`: only indented.
    let indenting = wrapping.clone().with_wrap_lines(false);
    for d in diagnostics {
        let mut f = frame(d, ctx);
        let mut s = String::new();
        if render(&wrapping, &indenting, &mut f, &mut s).is_err() {
            s = format!("{}[{}]: {}\n", d.severity.as_str(), d.code, f.message);
        }
        // Related places as frames of their own under the finding (miette's own `related`
        // heads each with "Advice:").
        for r in &mut f.related {
            let mut part = String::new();
            if render(&wrapping, &indenting, r, &mut part).is_ok() {
                s.push_str(&part);
            }
        }
        out.write_all(s.as_bytes())?;
        writeln!(out)?;
    }
    if ctx.quiet {
        return Ok(());
    }
    // Every finding, those the report's caps left out included.
    let count =
        |s: Severity| -> usize { diagnostics.iter().flat_map(|d| d.counted()).filter(|c| c.1 == s).map(|c| c.2).sum() };
    writeln!(
        out,
        "{} error(s), {} warning(s), {} info",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    )
}
