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
        Progress::start(true)
    }

    /// The same bar saying what it does (`copying sessions`) and what it counts (`sessions`).
    pub fn start_labelled(wanted: bool, message: &str, unit: &str) -> Self {
        let mut p = Progress { bar: None, walking: AtomicBool::new(false), unit: unit.to_owned(), lines: None };
        if !wanted || !std::io::stderr().is_terminal() {
            return p;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(bar_style(unit));
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        p.bar = Some(bar);
        p
    }

    /// `done` of `total` files read and parsed; `total` 0: still walking, `done` directory
    /// entries looked at.
    pub fn update(&self, done: usize, total: usize) {
        if let Some(bar) = &self.bar {
            let walking = total == 0;
            if self.walking.swap(walking, Ordering::Relaxed) != walking {
                if walking {
                    let style = ProgressStyle::with_template(
                        "{spinner} sesslint: walking: {pos} files and directories looked at ({elapsed})",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
                    bar.set_style(style);
                } else {
                    bar.set_style(bar_style(&self.unit));
                }
            }
            if !walking {
                bar.set_length(total as u64);
            }
            bar.set_position(done as u64);
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

fn bar_style(unit: &str) -> ProgressStyle {
    let template = format!("{{spinner}} sesslint: {{msg}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{elapsed}})");
    ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar())
}
