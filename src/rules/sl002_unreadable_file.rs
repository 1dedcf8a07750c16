//! # SL002 unreadable-file
//!
//! ## What it does
//! Reports a configuration file (or directory) sesslint found but could not look at:
//! permission denied, larger than 16 MiB, not a regular file (a FIFO, socket or device), a
//! symlink that leads out of the checked tree or into /proc, /sys or /dev (or, in a
//! directory of one of the programs, to no file in the tree, under any name, whatever this
//! machine holds at its target; never a link that is no configuration by its place or name,
//! `php*` or not: update-alternatives' `/etc/alternatives/php` (a binary) and `php.1.gz` (a
//! man page), systemd's unit links, `multi-user.target.wants/php8.2-fpm.service`), a
//! redis.conf `aclfile` that leads out of it or is over the 16 MiB limit (sesslint's, not
//! redis-server's: its users, and whether redis-server starts, are then not known); a php.ini value
//! whose `${}` expansion sesslint cut at its limit (1 MiB per value, 16 MiB per setup); and
//! what a bound left unread, with how much: `rediscluster` seeds past the first 32 distinct
//! ones, files a php-fpm `include=` glob matches past the first 1000 discovery did not find.
//! As an error: a file left unparsed because the files before it already hold the bytes
//! sesslint parses at most (64 MiB per host, 1 GiB per run), which bound its memory: a
//! discovered file, a pool file php-fpm's `include=` names, a fragment a redis.conf
//! `include`s (its directives left out of the server), an ACL file, a tunnel's key file (the
//! two ends' keys then not compared) or a `tunnel-paths` file alike. A run naming files
//! (`check FILE...`) keeps these errors whichever file they are at.
//!
//! ## Why it matters
//! A check that silently skips a file gives a clean report for a configuration it never saw.
//! An `/etc/php/8.2/fpm/pool.d/www.conf` that only root can read may be the one that moves
//! sessions back to `files`. FIFOs are never opened: reading one would block forever. A file
//! outside the checked tree is never read, so a repository cannot make sesslint print the CI
//! machine's files (`ln -s ~/.ssh/id_rsa redis.conf`).
//!
//! A directory that cannot be listed is reported where a file sesslint reads could be in
//! it: the top of what is checked, a directory of PHP, php-fpm, Redis, Valkey, Apache,
//! stunnel, spiped or PeerVPN (`/etc/redis`, `/etc/php/8.2/fpm/pool.d`), Magento's
//! `app/etc`, or anywhere outside an `etc/` (a web root); not `/etc/ssl/private` or
//! `/etc/polkit-1/rules.d`, which hold nothing sesslint reads.
//!
//! ## Example
//! ```text
//! $ sesslint /etc        # as an unprivileged user
//! SL002(unreadable-file)
//!   ⚠ /etc/redis: could not read /etc/redis: permission denied
//! ```
//!
//! ## Fix
//! Run sesslint as a user that may read the configuration (often root, or the `redis` group
//! for redis.conf), or point it at a copy of the tree with `--root`.

use std::path::Path;

use super::Rule;
use crate::codes::Code;
use crate::diagnostic::{Label, Severity};
use crate::model::Model;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: Code::UnreadableFile,
    summary: "A configuration file that could not be read",
    default_severity: Severity::Warning,
    also: &[Severity::Error],
    source: include_str!("sl002_unreadable_file.rs"),
    check,
};

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    // Past the budget: an error, so that no `fail-on` lets a run pass on files it never read.
    let lists = [
        (&model.unreadable, Severity::Warning, "could not read "),
        // "not parsed", the words show, migrate and the JSON use for these files too.
        (&model.over_budget, Severity::Error, "not parsed: "),
    ];
    for (list, severity, verb) in lists {
        for u in list {
            let primary = Label::new(Path::new(&u.path), Span::empty(0), u.reason.clone());
            let message = format!("{verb}{}: {}", crate::source::display_path(&u.path), u.reason);
            out.push(rule.diagnostic(severity, message, primary));
        }
    }
    // An `aclfile` leading out of the checked tree, or over sesslint's read limit: not
    // read, and nothing claimed of it.
    for s in &model.redis {
        if let Some(f) = &s.acl_file_not_read {
            let message = format!("could not read {}", f.message);
            out.push(rule.diagnostic(Severity::Warning, message, super::label(model, f.at, "not read")));
        }
    }
}
