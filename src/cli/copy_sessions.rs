//! `sesslint migrate --apply --copy-sessions` (or `--apply-plan FILE --copy-sessions`): after the switch, each PHP setup's and pool's
//! session files copied into the Redis target it now uses, with a progress bar and counts.

use std::process::ExitCode;

use sesslint::live::{self, Timeouts};
use sesslint::model::{EndpointId, Model};
use sesslint::session_copy::{self, NotCopied};

use crate::CommonArgs;

/// Copy the sessions of every endpoint that was on `files` in `before` and uses Redis in the
/// tree as it is now. Exit 1 when a copy failed (the files are untouched either way).
pub fn run(before: &Model, common: &CommonArgs) -> ExitCode {
    let after = match crate::model(common) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let mut failed = false;
    for (i, ep) in before.endpoints.iter().enumerate() {
        let source = match session_copy::files_source(before, EndpointId(i)) {
            Ok(s) => s,
            Err(NotCopied::NotFiles(..)) => continue,
            Err(e @ NotCopied::Magento(_)) => {
                if after.endpoints.iter().any(|a| a.label == ep.label && a.uses_redis()) {
                    println!("Not copied: {}", sesslint::printable(&e.to_string()));
                }
                continue;
            }
        };
        let Some(now_id) = after.endpoints.iter().position(|a| a.label == ep.label && a.uses_redis()).map(EndpointId)
        else {
            continue; // left on files by the migration
        };
        let target = &after.endpoint(now_id).targets[0];
        let label = sesslint::printable(&source.label).into_owned();
        let dir = sesslint::display_path(&source.dir);
        if let Some(why) = source.assumed {
            println!("{label}: {why}");
        }
        let sessions = match session_copy::read_sessions(&source, std::time::SystemTime::now()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("sesslint migrate: {label}: cannot read the session files in {dir}: {e}");
                failed = true;
                continue;
            }
        };
        let mut con = match live::connect(&after, now_id, 0, Timeouts::default()) {
            Ok(c) => c,
            Err(f) => {
                eprintln!(
                    "sesslint migrate: {label}: no session copied: {} does not take the client's connection ({f}); the files stay in {dir}",
                    target.describe()
                );
                failed = true;
                continue;
            }
        };
        let prefix = live::session_prefix(&after, now_id, target);
        let bar = crate::progress::Progress::start_labelled(true, "copying sessions", "sessions");
        let outcome = session_copy::copy(&mut con, &prefix, &sessions.0, source.max_lifetime, &|d, t| bar.update(d, t));
        bar.finish();
        let c = &outcome.counts;
        println!(
            "{label}: copied {} of {} session files from {dir} to {} as {prefix}<id> ({} expired after session.gc_maxlifetime {} s, {} already in Redis, {} failed, {} not a PHP session id, {} unreadable); the files stay",
            c.copied,
            c.found,
            target.describe(),
            c.expired,
            source.max_lifetime,
            c.already_in_redis,
            c.failed,
            sessions.1.not_an_id,
            sessions.1.unreadable,
        );
        if let Some(e) = &outcome.first_error {
            eprintln!("sesslint migrate: {label}: the server refused a session write: {}", sesslint::printable(e));
            failed = true;
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
