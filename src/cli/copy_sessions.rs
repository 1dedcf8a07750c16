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
    // Every setup switched from files, with the store it now writes.
    let mut copies: Vec<(EndpointId, session_copy::FilesSource, EndpointId)> = Vec::new();
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
        copies.push((EndpointId(i), source, now_id));
    }
    // One directory read by several setups (Debian's /var/lib/php/sessions serves every
    // SAPI and pool) is shared out by the files' owners.
    let users = session_copy::Users::of(before);
    let mut done: Vec<usize> = Vec::new();
    for k in 0..copies.len() {
        if done.contains(&k) {
            continue;
        }
        let (dir, levels) = (&copies[k].1.dir, copies[k].1.save_path.levels);
        let group: Vec<usize> =
            (k..copies.len()).filter(|&j| copies[j].1.dir == *dir && copies[j].1.save_path.levels == levels).collect();
        done.extend(&group);
        let first = &copies[group[0]].1;
        let label = sesslint::printable(&first.label).into_owned();
        let shown_dir = sesslint::display_path(&first.dir);
        for &j in &group {
            if let Some(why) = copies[j].1.assumed {
                println!("{}: {why}", sesslint::printable(&copies[j].1.label));
            }
        }
        let (sessions, scan) = match session_copy::read_sessions(first, std::time::SystemTime::now()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("sesslint migrate: {label}: cannot read the session files in {shown_dir}: {e}");
                failed = true;
                continue;
            }
        };
        let stores: Vec<(Option<u32>, String)> = group
            .iter()
            .map(|&j| {
                let (_, _, now_id) = &copies[j];
                let t = &after.endpoint(*now_id).targets[0];
                let uid = if group.len() == 1 { None } else { session_copy::owner_uid(before, copies[j].0, &users) };
                (uid, format!("{}|{}", t.describe(), live::session_prefix(&after, *now_id, t)))
            })
            .collect();
        let to: Vec<Option<usize>> =
            if group.len() == 1 { vec![Some(0); sessions.len()] } else { session_copy::owners(&sessions, &stores) };
        if group.len() > 1 {
            let names: Vec<String> =
                group.iter().map(|&j| sesslint::printable(&copies[j].1.label).into_owned()).collect();
            let unowned = to.iter().filter(|t| t.is_none()).count();
            println!(
                "{shown_dir} holds the session files of {}: each file is copied only for the pool whose user owns it (PHP creates them 0600 as that user); the CLI and other SAPIs get none; {unowned} of {} belong to no one pool's user{} and are not copied (those users log in again)",
                names.join(", "),
                sessions.len(),
                match (users_missing(&stores), users.is_empty()) {
                    (false, _) => "",
                    (true, true) => " (the tree has no etc/passwd to look the pools' `user` names up in: copy the server's into it)",
                    (true, false) => " (no pool's `user` is a name or uid of the tree's etc/passwd)",
                },
            );
        }
        for (n, &j) in group.iter().enumerate() {
            let mine: Vec<session_copy::SessionFile> =
                sessions.iter().zip(&to).filter(|(_, t)| **t == Some(n)).map(|(s, _)| s.clone()).collect();
            if group.len() > 1 && stores[n].0.is_none() {
                continue; // said above: the CLI, a SAPI or a pool whose user is unknown
            }
            failed |= copy_one(&after, &copies[j].1, copies[j].2, &mine, &scan, group.len() > 1);
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn users_missing(stores: &[(Option<u32>, String)]) -> bool {
    stores.iter().all(|(uid, _)| uid.is_none())
}

/// Copy `sessions` of `source` into the store of `now_id`; true when something failed.
fn copy_one(
    after: &Model,
    source: &session_copy::FilesSource,
    now_id: EndpointId,
    sessions: &[session_copy::SessionFile],
    scan: &session_copy::ScanCounts,
    shared: bool,
) -> bool {
    let target = &after.endpoint(now_id).targets[0];
    let label = sesslint::printable(&source.label).into_owned();
    let dir = sesslint::display_path(&source.dir);
    let mut con = match live::connect(after, now_id, 0, Timeouts::default()) {
        Ok(c) => c,
        Err(f) => {
            eprintln!(
                "sesslint migrate: {label}: no session copied: {} does not take the client's connection ({f}); the files stay in {dir}",
                target.describe()
            );
            return true;
        }
    };
    let prefix = live::session_prefix(after, now_id, target);
    let bar = crate::progress::Progress::start_labelled(true, "copying sessions", "sessions");
    let outcome = session_copy::copy(&mut con, &prefix, sessions, source.max_lifetime, &|d, t| bar.update(d, t));
    bar.finish();
    let c = &outcome.counts;
    let whose = if shared { " its user owns" } else { "" };
    println!(
        "{label}: copied {} of {} session files{whose} from {dir} to {} as {prefix}<id> ({} expired after session.gc_maxlifetime {} s, {} already in Redis, {} failed, {} not a PHP session id, {} unreadable); the files stay",
        c.copied,
        c.found,
        target.describe(),
        c.expired,
        source.max_lifetime,
        c.already_in_redis,
        c.failed,
        scan.not_an_id,
        scan.unreadable,
    );
    if let Some(e) = &outcome.first_error {
        eprintln!("sesslint migrate: {label}: the server refused a session write: {}", sesslint::printable(e));
        return true;
    }
    false
}
