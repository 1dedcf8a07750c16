//! `sesslint probe [PATH...]`: the live checks (SL5xx) against the running Redis servers the
//! configuration names; a thin shell over `sesslint::probe::run`.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use sesslint::diagnostic::Severity;
use sesslint::report::{Format, ReportContext};

use crate::{color, model, write_failed, CommonArgs};

#[derive(Args, Clone)]
pub struct ProbeArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Also write, read back and delete one key (10 s expiry) under each target's session
    /// prefix in its session database.
    #[arg(long)]
    write_test: bool,
    /// Print the findings and nothing else (no summary line on stderr).
    #[arg(long, short, conflicts_with = "verbose")]
    quiet: bool,
}

pub fn run(args: &ProbeArgs) -> ExitCode {
    let model = match model(&args.common) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let options = sesslint::probe::Options { write_test: args.write_test, ..Default::default() };
    let mut outcome = sesslint::probe::run(&model, &options);
    // A file not read may hold a session target that was not probed: said as `check` says
    // it (SL002), so that the run fails rather than passes on what it never saw.
    if let Some(rule) = sesslint::rules::find("SL002") {
        let mut unread = Vec::new();
        rule.check(&model, &mut unread);
        outcome.diagnostics.splice(0..0, unread);
    }
    let ctx = ReportContext::new(&model, args.common.show_secrets, color() && args.format == Format::Human);
    let mut out = std::io::stdout().lock();
    if let Err(e) = args.format.write(&outcome.diagnostics, &ctx, &mut out).and_then(|_| out.flush()) {
        return write_failed(&e, None);
    }
    if !args.quiet {
        if outcome.targets == 0 {
            eprintln!("sesslint probe: no Redis session target in the configuration read; nothing was probed");
        } else {
            let t = options.timeouts;
            eprintln!(
                "sesslint probe: {} session target(s), {} usable (timeouts: {} s to connect, {} s per read or write)",
                outcome.targets,
                outcome.usable,
                t.connect.as_secs_f64(),
                t.io.as_secs_f64()
            );
        }
    }
    if outcome.diagnostics.iter().any(|d| d.severity >= Severity::Warning) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
