//! `sesslint migrate`: move PHP and Magento sessions from `files` to Redis. Argument handling,
//! the password's source, output and exit codes; the plan is `sesslint::migrate`'s, the
//! preview, plan file and atomic apply the edit engine's.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use sesslint::edit::{self, ApplyOptions, ChangeSet, Style};
use sesslint::migrate::{DatabaseChoice, RedisUrl, Request, Secret};

use crate::cli::fix::manifest_dir;
use crate::{color, write_failed, CommonArgs};

#[derive(Args, Clone)]
pub struct MigrateArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The Redis server sessions move to: tcp://HOST:PORT, tls://HOST:PORT or unix:///PATH.
    #[arg(long, value_name = "URL", required_unless_present = "apply_plan")]
    redis: Option<String>,
    /// Read the password from this environment variable (it never goes on the command line).
    #[arg(long, value_name = "NAME", conflicts_with = "password_file")]
    password_env: Option<String>,
    /// Read the password from FILE: one line (a final line end is dropped; a second line is
    /// refused, so a file of another format is not half used).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Authenticate as this Redis ACL user (`auth[user]`/`auth[pass]`; with --harden-redis a
    /// `user` line). Refused for Magento, whose session config cannot send a username.
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// The Redis database for sessions: a number, or `auto` (the lowest that no session
    /// store or Magento cache on that server uses). In a fleet, the same pool configured
    /// alike on several hosts is one application and gets one database and prefix.
    #[arg(long, value_name = "N|auto", default_value = "auto")]
    database: String,
    /// Also edit the server's redis.conf: the password (requirepass, or the --user ACL
    /// user), protected-mode yes, bind kept to loopback and the addresses clients use.
    #[arg(long)]
    harden_redis: bool,
    /// Write the files (each replaced atomically, its original kept in .sesslint/backups/; `sesslint
    /// restore` undoes). Without it, only the diff and a summary are printed.
    #[arg(long, conflicts_with_all = ["write_plan", "apply_plan"])]
    apply: bool,
    /// Save the plan (each file's hash and edits, mode 0600: it holds the password) to FILE
    /// for review, instead of applying.
    #[arg(long, value_name = "FILE", conflicts_with = "apply_plan")]
    write_plan: Option<PathBuf>,
    /// Apply a plan saved by --write-plan; refused when a file changed since.
    #[arg(long, value_name = "FILE")]
    apply_plan: Option<PathBuf>,
    /// With --apply or --apply-plan: also copy the live session files of each PHP setup and
    /// pool switched to Redis into it, as phpredis stores them (the files stay). Magento's
    /// are not copied.
    #[arg(long)]
    copy_sessions: bool,
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("sesslint migrate: {}", sesslint::printable(message));
    ExitCode::from(code)
}

/// The password from --password-env or --password-file (one line; its line end dropped).
fn password(args: &MigrateArgs) -> Result<Secret, ExitCode> {
    let text = match (&args.password_env, &args.password_file) {
        (Some(name), _) => std::env::var(name)
            .map_err(|_| fail(2, &format!("--password-env {name}: the variable is not set (or not UTF-8)")))?,
        (None, Some(file)) => {
            let bytes = std::fs::read(file)
                .map_err(|e| fail(2, &format!("--password-file {}: {e}", sesslint::display_path(file))))?;
            let text = String::from_utf8(bytes).map_err(|_| fail(2, "--password-file: the password is not UTF-8"))?;
            let line = text.strip_suffix('\n').unwrap_or(&text);
            line.strip_suffix('\r').unwrap_or(line).to_owned()
        }
        (None, None) => {
            return Err(fail(
                2,
                "give the password with --password-env NAME or --password-file FILE (never on the command line)",
            ))
        }
    };
    Secret::new(text).map_err(|e| fail(2, &e.to_string()))
}

pub fn run(args: &MigrateArgs) -> ExitCode {
    // The copy runs after the switch is written: a preview or a saved plan writes nothing.
    if args.copy_sessions && !args.apply && args.apply_plan.is_none() {
        return fail(
            2,
            "--copy-sessions copies the sessions once the switch is written: give it with --apply, or with --apply-plan FILE when the plan is applied (a plan file does not keep it)",
        );
    }
    if let Some(plan_file) = &args.apply_plan {
        return apply_plan(args, plan_file);
    }
    let url = match RedisUrl::parse(args.redis.as_deref().unwrap_or_default()) {
        Ok(u) => u,
        Err(e) => return fail(2, &e.to_string()),
    };
    let database = match args.database.as_str() {
        "auto" => DatabaseChoice::Auto,
        n => match n.parse::<i64>() {
            Ok(n) => DatabaseChoice::Fixed(n),
            Err(_) => return fail(2, &format!("--database {n}: a number or `auto`")),
        },
    };
    let password = match password(args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let model = match crate::model(&args.common) {
        Ok(m) => m,
        Err(code) => return code,
    };
    // A pool or php.ini left unparsed past the budget may keep its sessions in files: a plan
    // without it would move some sessions and say nothing of the rest.
    if !model.over_budget.is_empty() {
        let mut text = String::from(
            "No plan: these files were not parsed, and a plan without them could leave their sessions in files (check reports each as SL002):\n",
        );
        for u in &model.over_budget {
            let line = format!("not parsed: {}: {}", sesslint::display_path(&u.path), u.reason);
            text.push_str(&format!("  {}\n", sesslint::printable(&line)));
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            return write_failed(&e, None);
        }
        return fail(1, &format!("no plan: {} file(s) not parsed (listed on stdout)", model.over_budget.len()));
    }
    let request = Request { redis: url, password, user: args.user.clone(), database, harden_redis: args.harden_redis };
    let mut plan = match sesslint::migrate::plan(&model, &request) {
        Ok(p) => p,
        Err(e) => return fail(1, &e.to_string()),
    };
    // What the plan could not see is said with it (`check` reports each as SL002).
    for u in &model.unreadable {
        plan.notes.push(format!("not read: {}: {} (SL002)", sesslint::display_path(&u.path), u.reason));
    }
    // A file left unread may be a pool php-fpm loads whose own save handler overrides the
    // php.ini this plan switches: the plan is shown, but never passes as the whole migration.
    let unread = model.unreadable.len();
    let partial = |done: &str| {
        fail(
            1,
            &format!(
                "{unread} file(s) not read (each a `Note: not read:` line on stdout): the setups they hold may keep their sessions in files; {done}"
            ),
        )
    };
    let changes = match ChangeSet::from_model(&model, plan.edits.clone()) {
        Ok(c) => c,
        Err(e) => return fail(2, &e.to_string()),
    };
    let mut out = std::io::stdout().lock();
    if changes.is_empty() {
        let mut text = String::from("Nothing to do: no PHP setup, pool or Magento install keeps its sessions in files");
        text.push_str(if unread > 0 { " among the files read" } else { "" });
        text.push_str(if args.harden_redis { ", and the server is hardened.\n" } else { ".\n" });
        text.push_str(&summary(&plan, false));
        return match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            Ok(()) if unread > 0 => partial("nothing was written"),
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => write_failed(&e, None),
        };
    }
    // Writing (or saving for a later --apply-plan) a plan that leaves out a loaded file would
    // report a migration done that is not: refused, the plan printed for review.
    if unread > 0 && (args.apply || args.write_plan.is_some()) {
        let text = format!(
            "{}Nothing was written: make each file readable inside the checked tree, then run the command again.\n",
            summary(&plan, false)
        );
        return match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            Ok(()) => partial("nothing was written"),
            Err(e) => write_failed(&e, None),
        };
    }
    let style = Style { color: color(), show_secrets: args.common.show_secrets };
    if let Some(file) = &args.write_plan {
        let meta = serde_json::json!({
            "command": "migrate",
            "redis": request.redis.to_string(),
            "changes": plan.changes,
            "reload": plan.reloads,
        });
        if let Err(e) = edit::write_plan(file, &changes, &meta) {
            return fail(2, &e.to_string());
        }
        let text = format!(
            "{}Plan written to {} (mode 0600: it holds the password). Apply it with: sesslint migrate --apply-plan {}\n",
            summary(&plan, false),
            sesslint::display_path(file),
            sesslint::display_path(file)
        );
        return match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => write_failed(&e, None),
        };
    }
    if !args.apply {
        let diff = match edit::diff_changes(&changes, &model, None, style) {
            Ok(d) => d,
            Err(e) => return fail(2, &e.to_string()),
        };
        let text = format!(
            "{diff}\n{}Preview only: nothing was written. {}\n",
            summary(&plan, false),
            if unread > 0 {
                "--apply refuses while a file is not read: make each readable inside the checked tree first."
            } else {
                "Run the same command with --apply to write it."
            }
        );
        return match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            Ok(()) if unread > 0 => partial("--apply refuses this plan"),
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => write_failed(&e, None),
        };
    }
    let dir = manifest_dir(&args.common.paths);
    match edit::apply::apply(&changes, &ApplyOptions { manifest_dir: &dir }) {
        Ok(report) => applied(out, &report, &summary(&plan, true), &dir, args, &model),
        Err(e) => fail(2, &e.to_string()),
    }
}

/// What changes, what stays, what to reload.
fn summary(plan: &sesslint::migrate::Plan, applied: bool) -> String {
    let mut s = String::new();
    if !plan.changes.is_empty() {
        s.push_str(if applied { "Changed:\n" } else { "Changes:\n" });
        for c in &plan.changes {
            s.push_str(&format!("  {}\n", sesslint::printable(c)));
        }
    }
    if !plan.unchanged.is_empty() {
        s.push_str("Stays as it is:\n");
        for c in &plan.unchanged {
            s.push_str(&format!("  {}\n", sesslint::printable(c)));
        }
    }
    for n in &plan.notes {
        s.push_str(&format!("Note: {}\n", sesslint::printable(n)));
    }
    if !plan.reloads.is_empty() && !plan.changes.is_empty() {
        s.push_str(if applied {
            "Reload these for the change to take effect (sesslint runs nothing):\n"
        } else {
            "After --apply, reload these for the change to take effect (sesslint runs nothing):\n"
        });
        for r in &plan.reloads {
            s.push_str(&format!("  {}\n", sesslint::printable(r)));
        }
    }
    s
}

/// `--apply-plan FILE`: the reviewed plan, applied when every file still has its hash.
fn apply_plan(args: &MigrateArgs, file: &std::path::Path) -> ExitCode {
    let plan = match edit::read_plan(file) {
        Ok(p) => p,
        Err(e) => return fail(2, &e.to_string()),
    };
    // Confined as check's: to the paths given (`.` when none), the manifest in the first.
    let dir = manifest_dir(&args.common.paths);
    let model = match crate::model(&args.common) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let changes = match crate::cli::fix::confine_plan(&plan.changes, &args.common.paths, &model) {
        Ok(c) => c,
        Err(e) => return fail(2, &format!("--apply-plan {e}; nothing was written")),
    };
    match edit::apply::apply(&changes, &ApplyOptions { manifest_dir: &dir }) {
        Ok(report) => {
            let mut reloads = String::new();
            if let Some(reload) = plan.meta.get("reload").and_then(|r| r.as_array()) {
                reloads.push_str("Reload these for the change to take effect (sesslint runs nothing):\n");
                for r in reload.iter().filter_map(|r| r.as_str()) {
                    reloads.push_str(&format!("  {}\n", sesslint::printable(r)));
                }
            }
            applied(std::io::stdout().lock(), &report, &reloads, &dir, args, &model)
        }
        Err(e) => fail(1, &e.to_string()),
    }
}

/// After `--apply` or `--apply-plan` wrote its files: what was written, `middle` (the summary or
/// the reloads), how to undo it, then the sessions copied when `--copy-sessions` asks. `model` is
/// the tree before the change was applied: which setups were on files.
fn applied(
    mut out: impl Write,
    report: &edit::apply::ApplyReport,
    middle: &str,
    dir: &std::path::Path,
    args: &MigrateArgs,
    model: &sesslint::model::Model,
) -> ExitCode {
    let mut text = String::new();
    for f in &report.files {
        text.push_str(&format!("wrote {}\n", crate::cli::fix::written(f)));
    }
    text.push_str(middle);
    text.push_str(&format!("To undo: sesslint restore {}\n", sesslint::display_path(dir)));
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        return write_failed(&e, None);
    }
    if args.copy_sessions {
        drop(out);
        return crate::cli::copy_sessions::run(model, &args.common);
    }
    ExitCode::SUCCESS
}
