//! `sesslint check --fix` / `--diff` / `--unsafe-fixes`: the edit engine's fixed point,
//! then a diff (written nowhere) or an atomic apply, then the findings that remain.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sesslint::config::Config;
use sesslint::edit::{self, ApplyOptions, FixOptions, Style};

use crate::{color, report_findings, write_failed, CheckArgs};

pub fn run(args: &CheckArgs, config: &Config) -> ExitCode {
    if let Some(plan) = &args.apply_plan {
        return apply_plan(args, config, plan);
    }
    if !args.fix && !args.diff && args.write_plan.is_none() {
        eprintln!("sesslint: --unsafe-fixes goes with --fix, --diff or --write-plan");
        return ExitCode::from(2);
    }
    let overlay = sesslint::model::Overlay::new();
    let req = sesslint::check::Request {
        paths: args.common.paths.clone(),
        config,
        overlay: &overlay,
        budget: args.common.budget(),
    };
    let outcome = match edit::fix::fix(&req, FixOptions { unsafe_fixes: args.unsafe_fixes }) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("sesslint: {}", sesslint::printable(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    if !outcome.converged {
        eprintln!(
            "sesslint: warning: fixes were still offered after {} rounds (findings per rule and file are capped, so each round fixes only some); {}",
            edit::fix::MAX_ITERATIONS,
            if args.fix { "what was fixed is written: run the same command again for the rest" } else { "the diff is not final" }
        );
    }
    let files = outcome.changes.files.len();
    let count = outcome.fixed_count();
    if args.diff || args.write_plan.is_some() {
        let style = Style { color: color(), show_secrets: args.common.show_secrets };
        let diff = match edit::diff_changes(&outcome.changes, &outcome.before.model, Some(&outcome.after.model), style)
        {
            Ok(d) => d,
            Err(e) => {
                eprintln!("sesslint: {}", sesslint::printable(&e.to_string()));
                return ExitCode::from(2);
            }
        };
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(diff.as_bytes()).and_then(|_| out.flush()) {
            return write_failed(&e, None);
        }
        if !args.quiet {
            eprintln!("sesslint: {}", would(count, files, &outcome, args.unsafe_fixes));
        }
        // Stdout stays a patch: the files the diff could not cover are said on stderr.
        let left_out = left_out(args, config, &outcome);
        crate::say_silenced_refusals(config, &outcome.after.model);
        if let Some(plan) = &args.write_plan {
            let meta = serde_json::json!({"command": "check", "unsafe_fixes": args.unsafe_fixes, "fixes": count});
            if let Err(e) = edit::write_plan(plan, &outcome.changes, &meta) {
                eprintln!("sesslint: --write-plan {}", sesslint::printable(&e.to_string()));
                return ExitCode::from(2);
            }
            if !args.quiet {
                eprintln!(
                    "sesslint: saved the plan in {} (mode 0600); apply it with `sesslint check --apply-plan {} ...`",
                    sesslint::display_path(plan),
                    sesslint::display_path(plan)
                );
            }
            return ExitCode::SUCCESS;
        }
        return if outcome.changes.is_empty() && !left_out { ExitCode::SUCCESS } else { ExitCode::from(1) };
    }
    let manifest_dir = manifest_dir(&args.common.paths);
    match edit::apply::apply(&outcome.changes, &ApplyOptions { manifest_dir: &manifest_dir }) {
        Ok(report) => {
            if !args.quiet {
                for f in &report.files {
                    eprintln!("sesslint: wrote {}", written(f));
                }
                if count == 0 {
                    eprintln!("sesslint: no fixes to apply{}", unsafe_left(&outcome, args.unsafe_fixes));
                } else {
                    eprintln!(
                        "sesslint: fixed {count} finding(s) in {files} file(s){}{}",
                        skipped(&outcome),
                        unsafe_left(&outcome, args.unsafe_fixes)
                    );
                }
                if let Some(m) = &report.manifest {
                    eprintln!(
                        "sesslint: to undo: sesslint restore {} (reads {})",
                        sesslint::display_path(&manifest_dir),
                        sesslint::display_path(m)
                    );
                }
            }
        }
        Err(e) => {
            eprintln!("sesslint: {}", sesslint::printable(&e.to_string()));
            return ExitCode::from(2);
        }
    }
    report_findings(args, config, &outcome.after.model, &outcome.after.diagnostics)
}

/// A file written, as the user named it: the path checked, the file its symlink (or a
/// symlinked directory on its path) leads to, and its backup (below the checked tree's
/// `.sesslint/backups/`, at the path of the file replaced).
pub fn written(f: &edit::AppliedFile) -> String {
    let link = is_link(&f.path);
    let mut out = sesslint::display_path(&f.path);
    if link {
        out.push_str(&format!(" (a symlink: its target {} was replaced)", shown(&f.target)));
    } else if f.path.ancestors().skip(1).any(is_link) {
        // Reached through a symlinked directory: the file replaced, and its backup, are
        // at the path it resolves to.
        out.push_str(&format!(" (through a symlink: {} was replaced)", shown(&f.target)));
    }
    match &f.backup {
        Some(b) => out.push_str(&format!(", backup {}", shown(b))),
        None => out.push_str(", a new file"),
    }
    out
}

/// `p` is a symlink itself (not followed); false for the empty path of a bare name.
fn is_link(p: &Path) -> bool {
    !p.as_os_str().is_empty() && std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// `check --apply-plan FILE`: the plan applied (nothing written when a file changed since),
/// then the tree checked again and its findings reported.
fn apply_plan(args: &CheckArgs, config: &Config, plan: &Path) -> ExitCode {
    let plan = match edit::read_plan(plan) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sesslint: --apply-plan {}", sesslint::printable(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let manifest_dir = manifest_dir(&args.common.paths);
    let overlay = sesslint::model::Overlay::new();
    let before = sesslint::check::check(&sesslint::check::Request {
        paths: args.common.paths.clone(),
        config,
        overlay: &overlay,
        budget: args.common.budget(),
    });
    let changes = match confine_plan(&plan.changes, &args.common.paths, &before.model) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sesslint: --apply-plan {}; nothing was written", sesslint::printable(&e));
            return ExitCode::from(2);
        }
    };
    match edit::apply::apply(&changes, &ApplyOptions { manifest_dir: &manifest_dir }) {
        Ok(report) if !args.quiet => {
            for f in &report.files {
                eprintln!("sesslint: wrote {}", written(f));
            }
            if report.manifest.is_some() {
                eprintln!("sesslint: to undo: sesslint restore {}", sesslint::display_path(&manifest_dir));
            }
        }
        Ok(_) => {}
        Err(e) => {
            eprintln!("sesslint: {}", sesslint::printable(&e.to_string()));
            return ExitCode::from(2);
        }
    }
    let outcome = sesslint::check::check(&sesslint::check::Request {
        paths: args.common.paths.clone(),
        config,
        overlay: &overlay,
        budget: args.common.budget(),
    });
    report_findings(args, config, &outcome.model, &outcome.diagnostics)
}

/// A plan read from disk, before it is applied: every file it writes below the paths
/// named on the command line (`.` when none) and one the model of that tree reads (or a
/// new file in a directory it reads), never in `.git`; paths and targets as the model has
/// them. Shared by `check --apply-plan` and `migrate --apply-plan`.
pub fn confine_plan(
    changes: &edit::ChangeSet,
    paths: &[PathBuf],
    model: &sesslint::model::Model,
) -> Result<edit::ChangeSet, String> {
    let checked = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
    let checked: Vec<PathBuf> =
        checked.iter().map(|p| if p.is_dir() { p.clone() } else { manifest_dir_of(p) }).collect();
    changes.confine_to(&checked).map_err(|e| e.to_string())?;
    changes.confine_to_model(model).map_err(|e| e.to_string())
}

/// The files the fixes could not cover (SL002 at or above `--fail-on`: not read, or not
/// parsed past the budget), one concise line each on stderr; true when there was one, which
/// makes `--diff` exit 1 as `check` would: an empty diff of a tree not all read is no pass.
fn left_out(args: &CheckArgs, config: &Config, outcome: &edit::FixOutcome) -> bool {
    let fail_on = config.fail_on.unwrap_or(sesslint::diagnostic::Severity::Warning);
    let ctx = sesslint::report::ReportContext::new(&outcome.after.model, args.common.show_secrets, false);
    let mut any = false;
    for d in &outcome.after.diagnostics {
        if d.code == sesslint::codes::Code::UnreadableFile && d.severity >= fail_on {
            eprintln!("sesslint: left out of the diff: {}", sesslint::report::concise::line(d, &ctx));
            any = true;
        }
    }
    any
}

/// `--diff`'s summary line.
fn would(count: usize, files: usize, outcome: &edit::FixOutcome, unsafe_fixes: bool) -> String {
    let left = unsafe_left(outcome, unsafe_fixes);
    if count == 0 {
        return format!("no fixes to apply{left}");
    }
    format!("would fix {count} finding(s) in {files} file(s){}{left}", skipped(outcome))
}

/// The unsafe fixes still offered after fixing without `--unsafe-fixes`, and the flag that
/// applies them: without it, `no fixes to apply` on a tree with unsafe fixes reads as if
/// there were none.
fn unsafe_left(outcome: &edit::FixOutcome, unsafe_fixes: bool) -> String {
    if unsafe_fixes {
        return String::new();
    }
    let n = outcome
        .after
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| f.applicability() == sesslint::diagnostic::Applicability::Unsafe && !f.edits().is_empty())
        .count();
    match n {
        0 => String::new(),
        n => format!("; {n} unsafe fix(es) not applied (review them, then add --unsafe-fixes)"),
    }
}

fn skipped(outcome: &edit::FixOutcome) -> String {
    match outcome.skipped_overlapping {
        0 => String::new(),
        n => format!("; {n} overlapping fix(es) left for a next run"),
    }
}

/// Where an apply's restore manifest goes and `sesslint restore` looks: the first path
/// given when it is a directory, else the directory of the file; `.` without paths.
pub fn manifest_dir(paths: &[PathBuf]) -> PathBuf {
    let Some(first) = paths.first() else { return PathBuf::from(".") };
    if first.is_dir() {
        return first.clone();
    }
    manifest_dir_of(first)
}

/// The directory of a file path (`.` for a bare name).
fn manifest_dir_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// An absolute path from the manifest or the apply, relative to the current directory when
/// below it (compared as written and as resolved: backups are recorded at their resolved
/// paths), else as it is.
fn shown(p: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let resolved = std::fs::canonicalize(&cwd).unwrap_or_else(|_| cwd.clone());
    let rel = p.strip_prefix(&cwd).or_else(|_| p.strip_prefix(&resolved)).unwrap_or(p);
    sesslint::display_path(rel)
}

/// `sesslint restore [PATH]`: the last apply's backups put back.
pub fn run_restore(path: Option<&Path>) -> ExitCode {
    let dir = manifest_dir(&path.map(Path::to_path_buf).into_iter().collect::<Vec<_>>());
    match edit::restore::restore(&dir) {
        Ok(done) => {
            for r in done {
                match r {
                    edit::Restored::Restored { target, backup } => {
                        println!("sesslint: restored {} from {}", shown(&target), shown(&backup))
                    }
                    edit::Restored::Removed { target } => {
                        println!("sesslint: removed {} (sesslint created it)", shown(&target))
                    }
                    edit::Restored::Unchanged { target } => {
                        println!("sesslint: {} already holds its original content", shown(&target))
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Err(e @ edit::RestoreError::ChangedSince { .. }) => {
            eprintln!("sesslint restore: {}", sesslint::printable(&e.to_string()));
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("sesslint restore: {}", sesslint::printable(&e.to_string()));
            ExitCode::from(2)
        }
    }
}
