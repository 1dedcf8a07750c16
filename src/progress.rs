//! Progress on stderr while a check walks a tree (entries looked at) and then reads and parses
//! what it found (files done of files found): a bar on a terminal, lines every few seconds
//! with `-v`, nothing otherwise.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Seconds between two progress lines of `-v`.
const LINE_EVERY: Duration = Duration::from_secs(5);

pub struct Progress {
    bar: Option<ProgressBar>,
    /// The bar shows the walk (a spinner and a count), not yet the reading.
    walking: AtomicBool,
    /// What the bar says while reading (`reading and parsing`).
    label: String,
    unit: String,
    /// `-v`: when the last line was printed (and since when the work runs).
    lines: Option<Mutex<(Instant, Instant)>>,
}

impl Progress {
    /// A bar when `wanted` and stderr is a terminal; otherwise nothing is ever drawn.
    pub fn start(wanted: bool) -> Self {
        Progress::start_labelled(wanted, "reading and parsing", "files")
    }

    /// What `check` and `show` show: nothing when `quiet`; with `verbose` a line every 5 s
    /// (terminal or not, since verbose lines would break a bar); else a bar on a terminal.
    pub fn for_check(quiet: bool, verbose: bool) -> Self {
        if quiet {
            return Progress::start(false);
        }
        if verbose {
            let now = Instant::now();
            let mut p = Progress::start(false);
            p.lines = Some(Mutex::new((now, now)));
            return p;
        }
        // A check walks first: its first frame is the walk, not `0/0 files`.
        let p = Progress::prepared(true, "reading and parsing", "files");
        p.update(0, 0);
        p.show();
        p
    }

    /// The same bar saying what it does (`copying sessions`) and what it counts (`sessions`).
    pub fn start_labelled(wanted: bool, message: &str, unit: &str) -> Self {
        let p = Progress::prepared(wanted, message, unit);
        p.show();
        p
    }

    /// [`Progress::start_labelled`]'s bar, not drawn yet (see [`Progress::show`]).
    fn prepared(wanted: bool, message: &str, unit: &str) -> Self {
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress::on(None, message, unit);
        }
        Progress::on(Some(ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())), message, unit)
    }

    /// Start drawing the bar on stderr, ticking the spinner.
    fn show(&self) {
        if let Some(bar) = &self.bar {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    /// The progress drawn on `bar` (none: nothing drawn), reading `unit` under `message`.
    fn on(bar: Option<ProgressBar>, message: &str, unit: &str) -> Self {
        if let Some(bar) = &bar {
            bar.set_style(bar_style(unit));
            bar.set_message(message.to_owned());
        }
        Progress { bar, walking: AtomicBool::new(false), label: message.to_owned(), unit: unit.to_owned(), lines: None }
    }

    /// `done` of `total` files read and parsed; `total` 0: still walking, `done` directory
    /// entries looked at.
    pub fn update(&self, done: usize, total: usize) {
        if let Some(bar) = &self.bar {
            if total == 0 {
                // The walk's count is said in words: the bar's position and length are the
                // files read and found, never the entries walked.
                if !self.walking.swap(true, Ordering::Relaxed) {
                    bar.set_style(walk_style());
                }
                bar.set_message(format!("walking: {done} files and directories looked at"));
            } else {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
                // Position and length first: a tick between two calls never draws the walk's
                // count over the files' total.
                if self.walking.swap(false, Ordering::Relaxed) {
                    bar.set_message(self.label.clone());
                    bar.set_style(bar_style(&self.unit));
                }
            }
        }
        if let Some(lines) = &self.lines {
            let Ok(mut last) = lines.lock() else { return };
            let now = Instant::now();
            if now.duration_since(last.0) >= LINE_EVERY {
                last.0 = now;
                let secs = now.duration_since(last.1).as_secs();
                if total == 0 {
                    eprintln!("sesslint: walking: {done} files and directories looked at ({secs} s)");
                } else {
                    eprintln!("sesslint: read and parsed {done} of {total} {} ({secs} s)", self.unit);
                }
            }
        }
    }

    /// Take the bar off the screen before the report is printed.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A spinner and the walk's count (the message), while nothing is known to read yet.
fn walk_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} sesslint: {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bar_style(unit: &str) -> ProgressStyle {
    let template = format!("{{spinner}} sesslint: {{msg}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{elapsed}})");
    ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk's entries are counted in the message, the files read in the bar: the bar
    /// never shows `1608/130 files` (entries walked over files found).
    #[test]
    fn the_walk_is_counted_in_words_then_the_files_read_in_the_bar() {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let p = Progress::on(Some(bar.clone()), "reading and parsing", "files");
        p.update(64, 0);
        p.update(1608, 0);
        assert_eq!(bar.message(), "walking: 1608 files and directories looked at");
        assert_eq!((bar.position(), bar.length()), (0, None));
        p.update(1, 130);
        assert_eq!(bar.message(), "reading and parsing");
        assert_eq!((bar.position(), bar.length()), (1, Some(130)));
        p.update(130, 130);
        assert_eq!((bar.position(), bar.length()), (130, Some(130)));
        p.finish();
    }
}
