//! `sesslint show`: where each PHP setup, php-fpm pool and Magento install keeps its
//! sessions, which file and line decided it, and the Redis servers and tunnels around them.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::model::redis::{DefaultUserSource, Protection, RedisServer};
use crate::model::tunnel::{TunnelKind, TunnelSide};
use crate::model::{
    EffectiveValue, EndpointId, EndpointOwner, LinkCertainty, Location, MagentoInstall, Model, SessionEndpoint,
};
use crate::report::ReportContext;
use crate::source::display_path;

fn at(model: &Model, ctx: &ReportContext<'_>, loc: Location) -> String {
    let path = model.path(loc.file);
    let p = ctx.position(path, loc.span.start);
    format!("{}:{}", display_path(path), p.line)
}

/// The per-request layer a line belongs to, for the layers a path alone does not name.
fn layer_of(model: &Model, loc: Location) -> &'static str {
    match model.files[loc.file.0].role {
        crate::discover::Role::ApacheConf => " (Apache php_value, mod_php)",
        crate::discover::Role::UserIni => " (.user.ini, php-fpm and CGI)",
        _ => "",
    }
}

fn value_origin(model: &Model, ctx: &ReportContext<'_>, v: &EffectiveValue) -> String {
    let mut s = match v.set_at {
        Some(l) => format!("set at {}{}", at(model, ctx, l), layer_of(model, l)),
        None => "built-in default".to_owned(),
    };
    if !v.shadowed.is_empty() {
        let list: Vec<String> = v.shadowed.iter().rev().take(3).map(|l| at(model, ctx, *l)).collect();
        let _ = write!(s, ", shadowing {}", list.join(", "));
        if v.shadowed.len() > 3 {
            let _ = write!(s, " and {} earlier line(s)", v.shadowed.len() - 3);
        }
    }
    s
}

fn destination(ctx: &ReportContext<'_>, ep: &SessionEndpoint) -> String {
    // Apache's `php_value session.save_handler none` sets it empty; PHP then refuses
    // session_start() ("Cannot find session save handler \"\"", php 8.2).
    let handler = match ep.handler.value.as_str() {
        "" => "\"\" (no save handler: session_start() fails)".to_owned(),
        v => ctx.text(v),
    };
    let env_note = |v: &EffectiveValue| {
        v.depends_on_env
            .as_ref()
            .map(|names| format!(" (depends on PHP's environment: {names}, unknown here)"))
            .unwrap_or_default()
    };
    if ep.targets.is_empty() {
        let path = match ep.save_path.as_ref().filter(|p| !p.value.is_empty() || p.depends_on_env.is_some()) {
            Some(p) => format!("{}{}", ctx.setting("session.save_path", &p.value), env_note(p)),
            None => "PHP's built-in save_path (/var/lib/php/sessions on Debian builds, the system temp dir upstream)"
                .to_owned(),
        };
        return format!("{handler}{} -> {path}", env_note(&ep.handler));
    }
    let targets: Vec<String> = ep
        .targets
        .iter()
        .map(|t| {
            // `[auth]` only when a non-empty password is sent.
            let auth = match &t.auth {
                Some(a) if a.password && a.user.as_deref().is_some_and(|u| !u.is_empty()) => " [auth: ACL user]",
                Some(a) if a.password => " [auth]",
                Some(a) if a.user.as_deref().is_some_and(|u| !u.is_empty()) => " [ACL user, empty password]",
                Some(_) => " [empty auth: AUTH fails]",
                None => " [no auth]",
            };
            format!("{}{auth}", t.describe())
        })
        .collect();
    let sp_note = ep.save_path.as_ref().map(env_note).unwrap_or_default();
    format!("{handler} -> {}{sp_note}", targets.join(", "))
}

/// Who gets in without a password, and what decided it.
fn auth_summary(model: &Model, ctx: &ReportContext<'_>, s: &RedisServer) -> String {
    let u = &s.default_user;
    if !s.users_known() {
        let place = s.aclfile_at.map(|l| format!(" at {}", at(model, ctx, l))).unwrap_or_default();
        let why = match s.default_user.source {
            DefaultUserSource::AclFileRefused => "redis-server refuses it and does not start",
            _ => "was not read",
        };
        return format!(
            "not known: the aclfile{place} {why}, so which users redis-server has, the default one included, is not known here"
        );
    }
    let state = if u.is_open() {
        "none: the default user is `on nopass`, every connection is logged in".to_owned()
    } else if u.accepts_password() {
        format!("default user password{}", if u.passwords > 1 { "s" } else { "" })
    } else if !u.enabled {
        "the default user is off: clients must AUTH as another user".to_owned()
    } else {
        "the default user has no password and no `nopass`: clients must AUTH as another user".to_owned()
    };
    let from = match (u.source, u.at) {
        (DefaultUserSource::BuiltIn, _) => "built-in default".to_owned(),
        (DefaultUserSource::Requirepass, Some(l)) => format!("requirepass at {}", at(model, ctx, l)),
        (DefaultUserSource::UserLine, Some(l)) => format!("`user default` at {}", at(model, ctx, l)),
        (DefaultUserSource::AclFile, Some(l)) => format!("ACL file `user default` at {}", at(model, ctx, l)),
        (DefaultUserSource::AclFileWithoutDefault, Some(l)) => {
            format!("aclfile at {} has no `default` line", at(model, ctx, l))
        }
        _ => String::new(),
    };
    let mut text = format!("{state} ({from})");
    if let Some(l) = u.requirepass_overridden {
        let _ = write!(text, "; requirepass at {} does not count", at(model, ctx, l));
    }
    let others = s.users.iter().filter(|x| x.name != "default").count();
    if others > 0 {
        let _ = write!(text, "; {others} other ACL user{}", if others > 1 { "s" } else { "" });
    }
    text
}

/// `[auth]`, `[no auth]`, ... as a target's credentials read.
fn auth_tag(t: &crate::model::RedisTarget) -> &'static str {
    match &t.auth {
        Some(a) if a.password && a.user.as_deref().is_some_and(|u| !u.is_empty()) => " [auth: ACL user]",
        Some(a) if a.password => " [auth]",
        Some(a) if a.user.as_deref().is_some_and(|u| !u.is_empty()) => " [ACL user, empty password]",
        Some(_) => " [empty auth: AUTH fails]",
        None => " [no auth]",
    }
}

/// An endpoint's owner in a few words: `pool www`, `php cli`, `magento var/www/shop`.
fn short_owner(model: &Model, ep: &SessionEndpoint) -> String {
    match ep.owner {
        EndpointOwner::Pool(i) => format!("pool {}", model.pools[i].name),
        EndpointOwner::Php(i) => format!("php {}", model.php[i].label()),
        EndpointOwner::Magento(i) => {
            let m = &model.magento[i];
            let root = model.host_of_file(m.file).map(|h| model.host(h).root.clone());
            let rel = root.as_deref().and_then(|r| m.root.strip_prefix(r).ok()).unwrap_or(&m.root);
            format!("magento /{}", rel.display())
        }
    }
}

/// A fleet as a map: one line per session target, from the host it starts on to the host
/// whose Redis takes it (`web: pool www -> redis: tcp://10.0.0.5:6379 db 2 [auth]`).
fn fleet_map(model: &Model, ctx: &ReportContext<'_>, out: &mut String) {
    let name =
        |f: crate::model::FileId| model.host_label(f).unwrap_or(std::borrow::Cow::Borrowed("(outside the hosts)"));
    let n = model.hosts.len();
    let _ = writeln!(
        out,
        "Fleet {}: {n} host{}",
        display_path(model.fleet.as_deref().unwrap_or(std::path::Path::new(""))),
        if n == 1 { "" } else { "s" }
    );
    // One block per endpoint, listed host by host.
    let mut blocks: Vec<(std::borrow::Cow<'_, str>, String)> = Vec::new();
    for (ei, ep) in model.endpoints.iter().enumerate() {
        let Some(at) = ep.decided_at.or(ep.save_path.as_ref().and_then(|s| s.set_at)) else { continue };
        let from = format!("{}: {}", name(at.file), short_owner(model, ep));
        let mut out = String::new();
        if ep.targets.is_empty() {
            let _ = writeln!(out, "  {from} -> {}", destination(ctx, ep));
            blocks.push((name(at.file), out));
            continue;
        }
        for (ti, t) in ep.targets.iter().enumerate() {
            let what = format!("{}{}", t.describe(), auth_tag(t));
            let servers: Vec<_> = model.servers_of(EndpointId(ei), ti).collect();
            if servers.is_empty() {
                let why = model
                    .unlinked_of(EndpointId(ei))
                    .iter()
                    .find(|u| u.target == ti)
                    .map_or("no Redis server in the fleet listens there".to_owned(), |u| u.reason.clone());
                let _ = writeln!(out, "  {from} -> ?: {what} ({why})");
            }
            for (link, s) in servers {
                let mut via: Vec<String> = Vec::new();
                for &v in &link.via {
                    let tn = &model.tunnels[v];
                    let kind = match tn.kind {
                        TunnelKind::Stunnel => "stunnel",
                        TunnelKind::Spiped => "spiped",
                        TunnelKind::PeerVpn => "PeerVPN",
                    };
                    let end = match tn.side {
                        TunnelSide::Client => format!("{kind} client on {}", name(tn.at.file)),
                        TunnelSide::Server => {
                            format!("{kind} server on {} {}", name(tn.at.file), tn.listen.as_deref().unwrap_or("?"))
                        }
                        TunnelSide::Network => {
                            format!("{kind} {} on {}", tn.listen.as_deref().unwrap_or("?"), name(tn.at.file))
                        }
                    };
                    via.push(end);
                }
                let via = if via.is_empty() { String::new() } else { format!(" via {}", via.join(" -> ")) };
                let how = match &link.certainty {
                    LinkCertainty::Exact => String::new(),
                    LinkCertainty::Ambiguous(r) => format!(" (maybe: {r})"),
                };
                let _ = writeln!(out, "  {from} -> {}: {what}{via}{how}", name(s.file));
                if let Some(why) = crate::model::link::auth_refused(t, s) {
                    // The config's path as the host sees it: `etc/redis/redis.conf`.
                    let conf = model.path(s.file);
                    let conf = model
                        .host_of_file(s.file)
                        .and_then(|h| conf.strip_prefix(&model.host(h).root).ok())
                        .unwrap_or(conf);
                    let _ = writeln!(
                        out,
                        "    ! the Redis server on host {} ({}) refuses it: {why}",
                        name(s.file),
                        display_path(conf)
                    );
                }
            }
        }
        blocks.push((name(at.file), out));
    }
    blocks.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, block) in blocks {
        out.push_str(&block);
    }
    for p in &model.chain_problems {
        let _ = writeln!(out, "  ! {}", ctx.text(&p.message));
    }
    for n in &model.fleet_notes {
        let _ = writeln!(out, "  ! {}", ctx.text(n));
    }
    out.push('\n');
}

/// The model as a person reads it.
pub fn render_text(model: &Model, ctx: &ReportContext<'_>) -> String {
    let mut out = String::new();
    if model.fleet.is_some() {
        fleet_map(model, ctx, &mut out);
    }
    for (ei, ep) in model.endpoints.iter().enumerate() {
        let _ = writeln!(out, "{}", ep.label);
        let _ = writeln!(out, "  sessions: {}", destination(ctx, ep));
        let _ = writeln!(out, "    handler {}", value_origin(model, ctx, &ep.handler));
        if let Some(sp) = &ep.save_path {
            if sp.set_at.is_some() {
                let _ = writeln!(out, "    save_path {}", value_origin(model, ctx, sp));
            }
        }
        for (ti, t) in ep.targets.iter().enumerate() {
            for p in &t.problems {
                let _ = writeln!(out, "    ! {}", ctx.text(&p.to_string()));
            }
            let servers: Vec<_> = model.servers_of(EndpointId(ei), ti).collect();
            if servers.is_empty() {
                match model.unlinked_of(EndpointId(ei)).iter().find(|u| u.target == ti) {
                    Some(u) => {
                        let _ = writeln!(out, "    {}: not linked: {}", t.describe(), u.reason);
                    }
                    None => {
                        let _ = writeln!(out, "    {}: no Redis server in the tree listens there", t.describe());
                    }
                }
            }
            for (link, s) in servers {
                let how = match &link.certainty {
                    LinkCertainty::Exact => String::new(),
                    LinkCertainty::Ambiguous(r) => format!(" (maybe: {r})"),
                };
                let _ = writeln!(out, "    {} -> Redis {}{how}", t.describe(), display_path(model.path(s.file)));
                if let Some(why) = crate::model::link::auth_refused(t, s) {
                    let _ = writeln!(out, "    ! this server refuses the session handler: {why}");
                }
            }
        }
        if let EndpointOwner::Magento(mi) = ep.owner {
            for c in &model.magento[mi].caches {
                match MagentoInstall::cache_target(c) {
                    Some(t) => {
                        let _ = writeln!(out, "  cache {}: {} ({})", c.name, t.describe(), c.backend_name);
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "  cache {}: {}",
                            c.name,
                            if c.backend_name.is_empty() { "files" } else { &c.backend_name }
                        );
                    }
                }
            }
        }
        out.push('\n');
    }
    for s in &model.redis {
        let _ = writeln!(out, "Redis {}", display_path(model.path(s.file)));
        // `-::1` is redis.conf's "bind this one if it is available" (redis 7.0+, config.c):
        // said in words, not as the marker.
        let binds: Vec<String> = s
            .binds
            .iter()
            .map(|b| match b.text.strip_prefix('-') {
                Some(addr) if b.optional => format!("{addr} (if available)"),
                _ => b.text.clone(),
            })
            .collect();
        let mut listen = Vec::new();
        if s.port != 0 {
            listen.push(format!(
                "port {} on {}",
                s.port,
                if s.bind_at.is_some() { binds.join(", ") } else { "every interface (no bind)".into() }
            ));
        }
        if s.tls_port != 0 {
            listen.push(format!("tls-port {}", s.tls_port));
        }
        if let Some(u) = &s.unixsocket {
            listen
                .push(format!("unix {u}{}", s.unixsocketperm.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()));
        }
        let _ = writeln!(out, "  listens: {}", if listen.is_empty() { "nowhere".into() } else { listen.join("; ") });
        for f in &s.startup_failures {
            let _ = writeln!(out, "  will not start ({}): {}", at(model, ctx, f.at), ctx.text(&f.message));
        }
        if let Some(f) = &s.acl_file_not_read {
            let _ = writeln!(out, "  not read ({}): {}", at(model, ctx, f.at), ctx.text(&f.message));
        }
        let v = &s.version;
        let _ = writeln!(out, "  version: {}{}: {}", v.name(), if v.assumed { ", assumed" } else { "" }, v.why);
        let _ = writeln!(out, "  auth: {}", auth_summary(model, ctx, s));
        let protection = match (s.protected_mode, s.protection()) {
            (false, _) => "no".to_owned(),
            // Whether it applies is the default user's to decide, and that user is not known.
            (true, Protection::Unknown) => format!(
                "yes (whether it refuses clients from other hosts depends on the default user, which is not known: {})",
                s.users_unknown_why().unwrap_or_default()
            ),
            (true, Protection::RemoteDenied) => {
                "yes (refuses clients from other hosts: the default user has no password)".to_owned()
            }
            (true, Protection::None) if s.default_user.nopass => {
                format!("yes, but a `bind` line switches it off before Redis 7.0 ({})", v.name())
            }
            // An `off` default user logs no one in: there is nothing for protected mode to refuse.
            (true, Protection::None) if !s.default_user.enabled => {
                "yes (moot: the default user is off, no client gets in as default)".to_owned()
            }
            (true, Protection::None) => "yes (inactive: the default user needs a password)".to_owned(),
        };
        let _ = writeln!(out, "  protected-mode: {protection}; databases {}", s.databases);
        out.push('\n');
    }
    for t in &model.tunnels {
        let kind = match t.kind {
            TunnelKind::Stunnel => "stunnel",
            TunnelKind::Spiped => "spiped",
            TunnelKind::PeerVpn => "PeerVPN",
        };
        let side = match t.side {
            TunnelSide::Server => "server side",
            TunnelSide::Client => "client side",
            TunnelSide::Network => "network",
        };
        let _ = writeln!(
            out,
            "Tunnel ({kind}, {side}) {}: {} -> {}{}",
            display_path(model.path(t.at.file)),
            t.listen.as_deref().unwrap_or("?"),
            t.target.as_deref().unwrap_or("?"),
            if t.authenticates { " (authenticates peers)" } else { "" }
        );
    }
    if out.is_empty() {
        out.push_str("No PHP, php-fpm, Magento or Redis configuration found.\n");
    }
    if let Some(scope) = &model.scope {
        scope_text(scope, &mut out);
    }
    not_read_text(model, &mut out);
    // Hosts, names and listen addresses come from config text: no control character
    // reaches the terminal, and no line is longer than a check message may be.
    out.lines().map(|l| crate::source::capped(&crate::source::printable(l)).into_owned() + "\n").collect()
}

fn loc_json(model: &Model, ctx: &ReportContext<'_>, l: Option<Location>) -> Value {
    match l {
        Some(l) => {
            let path = model.path(l.file);
            let p = ctx.position(path, l.span.start);
            json!({"path": display_path(path), "line": p.line, "column": p.column})
        }
        None => Value::Null,
    }
}

fn value_json(model: &Model, ctx: &ReportContext<'_>, key: &str, v: &EffectiveValue) -> Value {
    json!({
        "value": ctx.setting(key, &v.value),
        "depends_on_environment": v.depends_on_env,
        "set_at": loc_json(model, ctx, v.set_at),
        "shadowed": v.shadowed.iter().map(|l| loc_json(model, ctx, Some(*l))).collect::<Vec<_>>(),
    })
}

/// The model as JSON, secrets masked.
/// The files this description leaves out: not read (SL002 warnings in `check`) or not
/// parsed past the budget of bytes parsed (SL002 errors). `show` exits 1 when there are any.
fn not_read_text(model: &Model, out: &mut String) {
    let mut first = true;
    for (u, verb) in not_read(model) {
        if std::mem::take(&mut first) {
            let _ = writeln!(out, "\nLeft out of this description (check reports each as SL002):");
        }
        let _ = writeln!(out, "  {verb}: {}: {}", display_path(&u.path), u.reason);
    }
}

/// Each file left out of the model with how (`not read` / `not parsed`), unreadable ones
/// first, as SL002 lists them.
fn not_read(model: &Model) -> impl Iterator<Item = (&crate::discover::Unreadable, &'static str)> {
    let unread = model.unreadable.iter().map(|u| (u, "not read"));
    unread.chain(model.over_budget.iter().map(|u| (u, "not parsed")))
}

/// Whether `show` describes less than the files hold: a file was not read, or not parsed
/// past the budget of bytes parsed. `show` then exits 1 (`check` would report SL002).
pub fn leaves_out_files(model: &Model) -> bool {
    !model.unreadable.is_empty() || !model.over_budget.is_empty()
}

/// What a whole-machine check walked and left out.
fn scope_text(scope: &crate::machine_scope::Scope, out: &mut String) {
    let walked: Vec<String> = scope
        .walked
        .iter()
        .map(|w| display_path(&w.path) + if w.recursive { "" } else { " (files directly in it)" })
        .collect();
    let _ = writeln!(out, "\nMachine {}: walked {}", display_path(&scope.root), walked.join(", "));
    for s in &scope.skipped {
        let _ = writeln!(out, "  skipped {}: {}", display_path(&s.path), s.reason);
    }
    if !scope.skipped.is_empty() {
        let _ =
            writeln!(out, "  (name a skipped directory to check it too: sesslint {} DIR)", display_path(&scope.root));
    }
}

pub fn to_json(model: &Model, ctx: &ReportContext<'_>) -> Value {
    let endpoints: Vec<Value> = model
        .endpoints
        .iter()
        .enumerate()
        .map(|(ei, ep)| {
            let targets: Vec<Value> = ep
                .targets
                .iter()
                .enumerate()
                .map(|(ti, t)| {
                    let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
                    if let Some(p) = v.get_mut("problems") {
                        *p = json!(t.problems.iter().map(|p| ctx.text(&p.to_string())).collect::<Vec<_>>());
                    }
                    v["servers"] = json!(model
                        .servers_of(EndpointId(ei), ti)
                        .map(|(l, s)| {
                            let mut v = json!({"path": display_path(model.path(s.file)), "certainty": l.certainty});
                            if model.fleet.is_some() {
                                v["host"] = json!(model.host_label(s.file));
                                v["address"] = json!(l.address);
                                v["cross_host"] = json!(l.cross_host);
                                v["via"] = json!(l
                                    .via
                                    .iter()
                                    .map(|&t| display_path(model.path(model.tunnels[t].at.file)))
                                    .collect::<Vec<_>>());
                            }
                            v
                        })
                        .collect::<Vec<_>>());
                    v
                })
                .collect();
            json!({
                "owner": ep.label,
                "handler": value_json(model, ctx, "session.save_handler", &ep.handler),
                "save_path": ep.save_path.as_ref().map(|v| value_json(model, ctx, "session.save_path", v)),
                "targets": targets,
            })
        })
        .collect();
    let servers: Vec<Value> = model
        .redis
        .iter()
        .map(|s| {
            json!({
                "path": display_path(model.path(s.file)),
                "binds": s.binds,
                "bind_default": s.bind_at.is_none(),
                "port": s.port,
                "tls_port": s.tls_port,
                "unixsocket": s.unixsocket,
                "protected_mode": s.protected_mode,
                "protected_mode_active": match s.protection() { Protection::RemoteDenied => json!(true), Protection::None => json!(false), Protection::Unknown => Value::Null },
                "auth": if s.users_known() { json!(s.has_auth()) } else { Value::Null },
                "users_known": s.users_known(),
                "default_user": if !s.users_known() { Value::Null } else { json!({
                    "open": s.default_user.is_open(),
                    "enabled": s.default_user.enabled,
                    "nopass": s.default_user.nopass,
                    "passwords": s.default_user.passwords,
                    "decided_by": s.default_user.source,
                    "at": loc_json(model, ctx, s.default_user.at),
                    "requirepass_ignored_at": s.default_user.requirepass_overridden.map_or(Value::Null, |l| loc_json(model, ctx, Some(l))),
                }) },
                "version": s.version,
                "startup_failures": s.startup_failures.iter().map(|f| &f.message).collect::<Vec<_>>(),
                "acl_file_not_read": s.acl_file_not_read.as_ref().map(|f| &f.message),
                "databases": s.databases,
            })
        })
        .collect();
    let tunnels: Vec<Value> = model
        .tunnels
        .iter()
        .map(|t| json!({"kind": t.kind, "side": t.side, "path": display_path(model.path(t.at.file)), "listen": t.listen, "target": t.target, "authenticates": t.authenticates}))
        .collect();
    let mut v = json!({"endpoints": endpoints, "redis_servers": servers, "tunnels": tunnels});
    if model.fleet.is_some() {
        add_fleet_json(model, ctx, &mut v);
    }
    if let Some(scope) = &model.scope {
        v["machine"] = json!({
            "root": display_path(&scope.root),
            "walked": scope.walked.iter().map(|w| json!({"path": display_path(&w.path), "recursive": w.recursive})).collect::<Vec<_>>(),
            "skipped": scope.skipped.iter().map(|s| json!({"path": display_path(&s.path), "reason": s.reason})).collect::<Vec<_>>(),
        });
    }
    if leaves_out_files(model) {
        v["not_read"] = json!(not_read(model)
            .map(|(u, verb)| json!({"path": display_path(&u.path), "reason": u.reason, "past_budget": verb == "not parsed", "left_out": verb}))
            .collect::<Vec<_>>());
    }
    shown_strings(&mut v);
    v
}

/// Every string of `show --format json` escaped and capped as printed text is (tunnel
/// addresses, hosts and values come from config text).
fn shown_strings(v: &mut Value) {
    match v {
        Value::String(s) => {
            let shown = crate::source::capped(&crate::source::printable(s)).into_owned();
            if shown != *s {
                *s = shown;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(shown_strings),
        Value::Object(o) => o.values_mut().for_each(shown_strings),
        _ => {}
    }
}

/// In a fleet: the hosts, each endpoint's, server's and tunnel's host, why a target is not
/// linked, and the tunnel chains that break.
fn add_fleet_json(model: &Model, ctx: &ReportContext<'_>, v: &mut Value) {
    let host_at = |l: Option<Location>| l.and_then(|l| model.host_label(l.file));
    for (ei, ep) in model.endpoints.iter().enumerate() {
        let e = &mut v["endpoints"][ei];
        e["host"] = json!(host_at(ep.decided_at.or(ep.save_path.as_ref().and_then(|s| s.set_at))));
        for u in model.unlinked_of(EndpointId(ei)) {
            e["targets"][u.target]["not_linked"] = json!(ctx.text(&u.reason));
        }
    }
    for (si, s) in model.redis.iter().enumerate() {
        v["redis_servers"][si]["host"] = json!(model.host_label(s.file));
    }
    for (ti, t) in model.tunnels.iter().enumerate() {
        v["tunnels"][ti]["host"] = json!(model.host_label(t.at.file));
    }
    let hosts: Vec<Value> = model
        .hosts
        .iter()
        .map(|h| {
            json!({
                "name": ctx.text(&h.name),
                "root": display_path(&h.root),
                "declared_addresses": h.declared.iter().map(|(a, from)| json!({"address": ctx.text(a), "from": ctx.text(from)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    v["fleet"] = json!({
        "dir": model.fleet.as_deref().map(display_path),
        "hosts": hosts,
        "chain_problems": model.chain_problems.iter().map(|p| json!({
            "message": ctx.text(&p.message),
            "certain": p.certain,
            "at": display_path(model.path(model.tunnels[p.tunnel].at.file)),
        })).collect::<Vec<_>>(),
        "notes": model.fleet_notes.iter().map(|n| ctx.text(n)).collect::<Vec<_>>(),
    });
}
