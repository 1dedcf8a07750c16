//! A progress bar on stderr while a check reads and parses a tree (files done of files
//! found), so a long run over a big /etc or a fleet of copies shows it is working; drawn only
//! on a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A spinner when `wanted` and stderr is a terminal; otherwise nothing is ever drawn.
    pub fn start(wanted: bool) -> Self {
        Progress::start_labelled(wanted, "reading and parsing", "files")
    }

    /// The same bar saying what it does (`copying sessions`) and what it counts (`sessions`).
    pub fn start_labelled(wanted: bool, message: &str, unit: &str) -> Self {
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let template = format!("{{spinner}} sesslint: {{msg}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{elapsed}})");
        let style = ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(Some(bar))
    }

    /// `done` of `total` files read and parsed.
    pub fn update(&self, done: usize, total: usize) {
        if let Some(bar) = &self.0 {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    }

    /// Take the bar off the screen before the report is printed.
    pub fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}
