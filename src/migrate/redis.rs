//! `--harden-redis`: the server's redis.conf gets the password (`requirepass`, or an ACL
//! user with `--user`; with `aclfile`, in that file), `protected-mode yes`, and a bind kept to
//! loopback plus the addresses its clients use, each optional (`-addr`) so that redis-server
//! never refuses to start.

use std::path::Path;

use super::edits::{EditSet, Text};
use super::{services, MigrateError, Plan, Request};
use crate::model::redis::DefaultUserSource;
use crate::model::{Location, Model, RedisServer, ServerId, SyntaxTree};
use crate::syntax::redis_conf::encode::argument;
use crate::syntax::redis_conf::{Directive, LineKind, RedisConf};

/// The directive of the tree that `at` points into.
fn directive_at(model: &Model, at: Location) -> Option<&Directive> {
    let conf = model.file(at.file).tree.redis()?;
    conf.lines()
        .iter()
        .filter(|l| l.span.start <= at.span.start && at.span.start < l.span.end.max(l.span.start + 1))
        .find_map(|l| conf.directive(l))
}

/// An encoded argument with its inside (not the quotes) marked secret.
fn secret_argument(value: &[u8]) -> Text {
    let enc = argument(value);
    let mut t = Text::default();
    if enc.starts_with('"') {
        t.push("\"", false);
        t.push(&enc[1..enc.len() - 1], true);
        t.push("\"", false);
    } else {
        t.push(&enc, true);
    }
    t
}

/// Where a new directive line goes: after the commented example (`# requirepass foobared`)
/// when the file has one, else at its end. Returns the offset and a lead line end if needed.
fn new_line_place(conf: &RedisConf, example: &str) -> (usize, String, &'static str) {
    let text = conf.text();
    // A CRLF file gets CRLF lines (redis-server reads both; the file stays one style).
    let eol = if text.windows(2).any(|w| w == b"\r\n") { "\r\n" } else { "\n" };
    for l in conf.lines() {
        if matches!(l.kind, LineKind::Comment) {
            let c = String::from_utf8_lossy(l.content(text).slice(text));
            let body = c.trim_start_matches('#').trim_start();
            if body.starts_with(example) && (l.span.end > l.span.start) && text.get(l.span.end - 1) == Some(&b'\n') {
                return (l.span.end, String::new(), eol);
            }
        }
    }
    let lead = if text.is_empty() || text.ends_with(b"\n") { String::new() } else { eol.into() };
    (text.len(), lead, eol)
}

pub fn plan(model: &Model, request: &Request, edits: &mut EditSet, plan: &mut Plan) -> Result<(), MigrateError> {
    let found = super::target::servers_for(model, &request.redis);
    if found.is_empty() {
        return Err(MigrateError::Harden(format!(
            "--harden-redis: no redis.conf under the given paths serves {} (none has that port or unixsocket)",
            request.redis
        )));
    }
    for (id, s) in found {
        let path = model.path(s.file);
        let Some(conf) = model.file(s.file).tree.redis() else { continue };
        let label = crate::source::display_path(path);
        // redis-server reads a file with a NUL byte otherwise than written (fgets() drops the
        // rest of the read and joins the next line): an edit there may land in a joined line.
        let misread = std::iter::once(s.file)
            .chain(s.settings.get("requirepass").map(|(_, at)| at.file))
            .find_map(|f| Some((f, model.file(f).syntax_warnings.first()?)));
        if let Some((f, w)) = misread {
            let line = model.file(f).source.line_of(w.span.start);
            return Err(MigrateError::Harden(format!(
                "{}:{line}: redis-server reads this file otherwise than written (a NUL byte drops text and joins lines); remove the NUL byte first, sesslint does not edit such a file",
                crate::source::display_path(model.path(f))
            )));
        }
        let mut changed: Vec<String> = Vec::new();
        let password = request.password.expose().as_bytes();
        match &request.user {
            // With `aclfile`, redis-server takes its users from that file alone: a `user`
            // line in redis.conf makes it exit, and requirepass is ignored.
            _ if s.aclfile.is_some() => acl_file(model, request, s, &label, edits, &mut changed, plan)?,
            None => {
                let current = s.settings.get("requirepass").and_then(|(_, at)| directive_at(model, *at));
                match current.and_then(|d| Some((d, d.args().first()?))) {
                    Some((_, arg)) if arg.value == password => {}
                    Some((_, arg)) if !arg.value.is_empty() => {
                        // Other clients (Magento's caches, scripts) may send the password it
                        // has: replacing it would lock them out.
                        return Err(MigrateError::Harden(format!(
                            "{label}: requirepass is already set to another password, which other clients may use; give that password, or change it on every client first"
                        )));
                    }
                    Some((_, arg)) => {
                        let at = s.settings.get("requirepass").map(|(_, at)| at.file).unwrap_or(s.file);
                        edits.replace(model.path(at), arg.span, secret_argument(password))?;
                        changed.push("requirepass set".into());
                    }
                    None => {
                        let (at, lead, eol) = new_line_place(conf, "requirepass");
                        let mut t = Text::plain(format!("{lead}requirepass "));
                        t.append(&secret_argument(password));
                        t.push(eol, false);
                        edits.insert(path, at, "requirepass", t)?;
                        changed.push("requirepass added".into());
                    }
                }
            }
            Some(user) => {
                let rule = [b">".as_slice(), password].concat();
                let existing = s.users.get(user);
                match existing {
                    Some(u) => {
                        let same = directive_at(model, u.at).is_some_and(|d| d.args().iter().any(|a| a.value == rule));
                        if !same {
                            return Err(MigrateError::Harden(format!(
                                "{label}: the ACL user {user} already exists with other rules; give it the password yourself (`>password`)",
                                user = crate::source::printable(user)
                            )));
                        }
                    }
                    None => {
                        let (at, lead, eol) = new_line_place(conf, "user ");
                        let mut t = Text::plain(format!("{lead}user {} on ", argument(user.as_bytes())));
                        t.push("\"", false);
                        let enc = argument(&rule);
                        let inner = enc.strip_prefix('"').and_then(|e| e.strip_suffix('"')).unwrap_or(&enc);
                        // `>` is not the secret; the password after it is.
                        t.push(&inner[..1], false);
                        t.push(&inner[1..], true);
                        t.push("\" ~PHPREDIS_SESSION:* +@all -@dangerous", false);
                        t.push(eol, false);
                        edits.insert(path, at, "user", t)?;
                        let close = "add `requirepass` or `user default off`";
                        let open = s.default_user.is_open();
                        session_user_added(&mut changed, &mut plan.notes, &label, user, "", open, close);
                    }
                }
            }
        }
        if let Some((value, at)) = s.settings.get("protected-mode") {
            if value != "yes" {
                if let Some(arg) = directive_at(model, *at).and_then(|d| d.args().first()) {
                    edits.replace(model.path(at.file), arg.span, Text::plain("yes"))?;
                    changed.push("protected-mode yes".into());
                }
            }
        }
        if s.binds.iter().any(|b| b.wildcard) {
            bind(model, request, ServerId(id), s, conf, edits, &mut changed, plan)?;
        }
        if changed.is_empty() {
            plan.unchanged.push(format!(
                "{label}: already has the password, protected mode and a bind to its clients' addresses"
            ));
        } else {
            plan.changes.push(format!("{label}: {}", changed.join(", ")));
            let unit = services::on_host(model, Path::new(path), services::redis(Path::new(path)));
            plan.reloads.insert(format!("{unit} (restart: redis-server reads its config only at start)"));
        }
    }
    Ok(())
}

/// The users of a server with `aclfile` go into that file, which redis-server reads alone
/// (redis@7.0.15:src/acl.c ACLLoadUsersAtStartup): a `user` line in redis.conf next to it makes
/// it exit ("Configuring Redis with users defined in redis.conf and at the same setting an ACL
/// file path is invalid"), and requirepass is ignored (`AUTH <password>` fails, clients are
/// served without one). The ACL file splits its words on spaces, without quotes (a quoted
/// `">pw x"` is a Syntax error), so the password is written as its `#sha256`, which any
/// password has. An ACL file not read (outside the checked tree, missing) is refused: which
/// users it holds, and where a line would go, is not known here.
fn acl_file(
    model: &Model,
    request: &Request,
    s: &RedisServer,
    label: &str,
    edits: &mut EditSet,
    changed: &mut Vec<String>,
    plan: &mut Plan,
) -> Result<(), MigrateError> {
    let named = crate::source::printable(s.aclfile.as_deref().unwrap_or_default());
    let file = match s.acl_file {
        // Read: a file redis-server refuses (users not known) is refused below, with its line.
        Some(f) => f,
        _ => {
            return Err(MigrateError::Harden(format!(
                "{label}: users are kept in the ACL file {named} (aclfile), which was not read (outside the checked tree, or missing): which users it has is not known here, so sesslint writes no user or password; add them to that file yourself (redis-server ignores requirepass with an aclfile and exits on a `user` line in redis.conf), or check the tree that holds it"
            )))
        }
    };
    let path = model.path(file);
    let shown = crate::source::display_path(path);
    let loaded = model.file(file);
    // A file discovered under another role is read as the ACL file it is named as.
    let reparsed;
    let acl = match &loaded.tree {
        SyntaxTree::Acl(f) => f.as_ref(),
        _ => {
            reparsed = crate::syntax::redis_acl::parse(&loaded.source.bytes);
            &reparsed
        }
    };
    if let Some(e) = acl.misread.first().or(acl.errors.first()) {
        let line = loaded.source.line_of(e.span.start);
        return Err(MigrateError::Harden(format!(
            "{shown}:{line}: redis-server does not load this ACL file as written ({}); fix it first, sesslint does not edit it",
            e.message
        )));
    }
    let text: &[u8] = &loaded.source.bytes;
    let eol = if text.windows(2).any(|w| w == b"\r\n") { "\r\n" } else { "\n" };
    let lead = if text.is_empty() || text.ends_with(b"\n") { "" } else { eol };
    let digest = crate::sha256::hex_digest(request.password.expose().as_bytes());
    let line = |name: &str, rules: &str| {
        let mut t = Text::plain(format!("{lead}user {name} on #"));
        t.push(&digest, true);
        t.push(&format!(" {rules}{eol}"), false);
        t
    };
    match &request.user {
        Some(user) => match s.users.get(user) {
            Some(u) if u.accepts_digest(&digest) => {}
            Some(_) => {
                return Err(MigrateError::Harden(format!(
                "{shown}: the ACL user {} already exists with other rules; give it the password yourself (`>password`)",
                crate::source::printable(user)
            )))
            }
            None => {
                edits.insert(path, text.len(), "user", line(user, "~PHPREDIS_SESSION:* +@all -@dangerous"))?;
                let close = format!("give the `user default` line of {shown} a password or `off`");
                let open = s.default_user.is_open();
                session_user_added(changed, &mut plan.notes, label, user, &format!(" to {shown}"), open, &close);
            }
        },
        None => {
            let d = &s.default_user;
            match d.source {
                _ if d.auth_succeeds(request.password.expose().as_bytes()) => {}
                DefaultUserSource::AclFile if !d.enabled => {
                    return Err(MigrateError::Harden(format!(
                        "{shown}: the default user is `off`, so a password alone cannot log in; give --user to add a user for sessions"
                    )))
                }
                DefaultUserSource::AclFile if d.passwords > 0 => {
                    return Err(MigrateError::Harden(format!(
                        "{shown}: the default user already has another password, which other clients may use; give that password, or change it on every client first"
                    )))
                }
                DefaultUserSource::AclFile => {
                    // `#hash` after `nopass` clears it (acl.c ACLSetUser), as requirepass would.
                    let Some(at) = d.at.filter(|at| at.file == file) else { return Ok(()) };
                    let mut t = Text::plain(" #");
                    t.push(&digest, true);
                    edits.insert(path, at.span.end, "user default", t)?;
                    changed.push(format!("password of the default user set in {shown}"));
                }
                // No `default` line: redis-server re-creates the built-in `on nopass ~* &* +@all`.
                _ => {
                    edits.insert(path, text.len(), "user default", line("default", "~* &* +@all"))?;
                    changed.push(format!("default user with the password added to {shown}"));
                }
            }
        }
    }
    Ok(())
}

/// Replace a wildcard bind by loopback plus the addresses the tree's clients connect to.
#[allow(clippy::too_many_arguments)]
fn bind(
    model: &Model,
    request: &Request,
    id: ServerId,
    s: &RedisServer,
    conf: &RedisConf,
    edits: &mut EditSet,
    changed: &mut Vec<String>,
    plan: &mut Plan,
) -> Result<(), MigrateError> {
    let mut hosts: Vec<String> = model
        .endpoints_of(id)
        .flat_map(|(link, ep)| ep.targets.get(link.target).and_then(|t| t.host.clone()))
        .collect();
    if let Some(h) = &request.redis.host {
        hosts.push(h.clone());
    }
    let mut addresses: Vec<String> = Vec::new();
    for h in hosts {
        let local = h == "localhost" || h.starts_with("127.") || h == "::1";
        if local || h.contains('*') {
            continue;
        }
        if h.parse::<std::net::IpAddr>().is_err() {
            plan.notes.push(format!(
                "{}: kept `bind` as it is: a client connects by the name {}, and only addresses can be bound",
                crate::source::display_path(model.path(s.file)),
                crate::source::printable(&h)
            ));
            return Ok(());
        }
        if !addresses.contains(&h) {
            addresses.push(h);
        }
    }
    let mut words = vec!["127.0.0.1".to_owned(), "-::1".to_owned()];
    words.extend(addresses.iter().map(|a| format!("-{a}")));
    let new = words.join(" ");
    match s.bind_at.and_then(|at| Some((at, directive_at(model, at)?))) {
        Some((at, d)) => {
            let (Some(first), Some(last)) = (d.args().first(), d.args().last()) else { return Ok(()) };
            edits.replace(model.path(at.file), first.span.to(last.span), Text::plain(new.clone()))?;
        }
        None => {
            let (at, lead, eol) = new_line_place(conf, "bind 127.0.0.1");
            edits.insert(model.path(s.file), at, "bind", Text::plain(format!("{lead}bind {new}{eol}")))?;
        }
    }
    changed.push(format!("bind {new} (was every interface)"));
    Ok(())
}

/// What a plan says of the sessions' ACL user it adds (`added_to`: where, as ` to FILE`, or
/// empty for the server's redis.conf), and, while the default user still needs no password,
/// the note that sesslint leaves it open and how to `close` it once no client relies on it.
fn session_user_added(
    changed: &mut Vec<String>,
    notes: &mut Vec<String>,
    label: &str,
    user: &str,
    added_to: &str,
    default_open: bool,
    close: &str,
) {
    changed.push(format!(
        "ACL user {} for sessions added{added_to} (keys PHPREDIS_SESSION:*)",
        crate::source::printable(user)
    ));
    if default_open {
        notes.push(format!(
            "{label}: the default user still needs no password (SL201); other clients may rely on it, so sesslint leaves it: once none does, {close}"
        ));
    }
}
