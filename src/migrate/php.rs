//! PHP SAPIs and php-fpm pools on `files`: the handler, a save path with the password, and
//! phpredis session locking, each written on the line where PHP decides it (a pool's
//! `php_value[...]` in place, since FPM keeps the first), new lines next to the handler's.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::application::{self, Application};
use super::database::Allocator;
use super::edits::{EditSet, Text};
use super::style::IniLineStyle;
use super::{services, MigrateError, Plan, Request};
use crate::model::{EffectiveValue, EndpointOwner, Location, Model, PhpSetup, SessionEndpoint};
use crate::span::Span;
use crate::syntax::ini::encode;

/// phpredis locking as SL107 asks for it: on, locks expire after 30 s, a request waits up to
/// 100 x 50 ms = 5 s (phpredis 5.3.x's own defaults give up after 20 ms and drop the write).
const LOCKING: [(&str, &str); 4] = [
    ("redis.session.locking_enabled", "1"),
    ("redis.session.lock_expire", "30"),
    ("redis.session.lock_wait_time", "50000"),
    ("redis.session.lock_retries", "100"),
];

/// The file created in a scan directory when a setup has no php.ini; `99-` sorts it after
/// the distribution's files, so it is read last.
const NEW_INI: &str = "99-sessions-redis.ini";

/// Whether a value already in effect does the job (so a second run leaves it alone).
fn satisfied(key: &str, current: &str, wanted: &str, all: &dyn Fn(&str) -> Option<String>) -> bool {
    let num = |v: &str| v.trim().parse::<f64>().ok();
    match key {
        "redis.session.locking_enabled" => crate::model::php::ini_bool(current),
        "redis.session.lock_expire" => num(current).is_some_and(|n| n > 0.0),
        "redis.session.lock_wait_time" | "redis.session.lock_retries" => {
            let wait = all("redis.session.lock_wait_time").and_then(|v| num(&v)).unwrap_or(0.0);
            let retries = all("redis.session.lock_retries").and_then(|v| num(&v)).unwrap_or(0.0);
            retries < 0.0 || wait * retries >= 500_000.0
        }
        _ => current == wanted,
    }
}

/// Percent-encode everything but RFC 3986's unreserved characters and `:`: phpredis reads the query
/// like a GET string (`+` is a blank, `&` splits), shared/facts php-side 1.8 and 7.6.
pub fn pct(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The save path: `tcp://host:port?auth=PW&database=N&timeout=2&read_timeout=2[&prefix=P]`,
/// double-quoted for an ini file, with the password's bytes marked. Also the raw string PHP
/// reads (to compare with what is in effect).
pub fn save_path(request: &Request, database: i64, prefix: Option<&str>) -> Result<(Text, String), MigrateError> {
    let mut before = format!("{}?", request.redis.save_path_base());
    match &request.user {
        Some(user) => before.push_str(&format!("auth[user]={}&auth[pass]=", pct(user))),
        None => before.push_str("auth="),
    }
    let secret = pct(request.password.expose());
    let mut after = format!("&database={database}&timeout=2&read_timeout=2");
    if let Some(p) = prefix {
        after.push_str(&format!("&prefix={}", pct(p)));
    }
    let raw = format!("{before}{secret}{after}");
    let quoted = encode::double_quoted(&raw).map_err(|e| MigrateError::Unencodable(format!("the save path: {e}")))?;
    // The password is percent-encoded, so quoting changes nothing in it: its place in the
    // quoted text is the quote plus the escaped text before it.
    let escaped_before = encode::double_quoted(&before).map_err(|e| MigrateError::Unencodable(e.to_string()))?;
    let start = escaped_before.len() - 1;
    let mut text = Text::plain(quoted);
    text.secrets.push(crate::span::Span::new(start, start + secret.len()));
    Ok((text, raw))
}

/// The line an entry stands on: its start, and the offset after its line end (or the file's end).
fn line_bounds(src: &[u8], at: usize) -> (usize, usize) {
    let start = src[..at.min(src.len())].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let end = src[at.min(src.len())..].iter().position(|&b| b == b'\n').map_or(src.len(), |i| at + i + 1);
    (start, end)
}

/// The ini entry that `at` (a setting's `set_at`) designates, and its line style.
fn style_at(model: &Model, at: Location) -> Option<IniLineStyle> {
    let file = model.file(at.file);
    if file.role == crate::discover::Role::ApacheConf {
        // httpd reads no `key = value`: mod_php's lines are `php_value key value`.
        return Some(IniLineStyle::apache(&file.source.bytes, at.span.start));
    }
    let doc = file.tree.ini()?;
    let (_, entry) = doc
        .entries()
        .find(|(n, _)| n.span.start <= at.span.start && at.span.start < n.span.end.max(n.span.start + 1))?;
    IniLineStyle::of(doc, entry)
}

/// Where new lines for one owner go: after the line that decides its handler, in that
/// file's layout; or at the end of its php.ini when only the built-in default decides.
struct Anchor {
    path: PathBuf,
    at: usize,
    /// Text before the first inserted line (a line end when the file does not end with one).
    lead: String,
    style: IniLineStyle,
}

fn anchor(model: &Model, ep: &SessionEndpoint, setup: Option<&PhpSetup>) -> Result<Anchor, MigrateError> {
    // After the save_path line when it follows the handler's in the same file: the
    // session lines stay together.
    let save_path = ep.save_path.as_ref().and_then(|v| v.set_at);
    let line = match (ep.handler.set_at, save_path) {
        (Some(h), Some(s)) if h.file == s.file && s.span.start > h.span.start => Some(s),
        (h, _) => h,
    };
    if let Some(at) = line {
        let src = &model.file(at.file).source.bytes;
        let (_, end) = line_bounds(src, at.span.start);
        let style = style_at(model, at).unwrap_or_else(IniLineStyle::plain);
        let lead = if end == src.len() && !src.ends_with(b"\n") { style.eol().to_owned() } else { String::new() };
        return Ok(Anchor { path: model.path(at.file).to_path_buf(), at: end, lead, style });
    }
    let Some(ini) = setup.and_then(|s| s.php_ini) else {
        // No php.ini (Remi's php.d alone, the Docker images' conf.d): a new file in the scan
        // directory, read after the others (the edit engine creates it, 0640 since it holds
        // the password).
        let dir = setup.and_then(|s| s.scan_files.last()).and_then(|f| model.path(*f).parent()).ok_or_else(|| {
            MigrateError::Conflict(format!(
                "{}: no php.ini and no scan directory were found to write the session settings into",
                ep.label
            ))
        })?;
        return Ok(Anchor { path: dir.join(NEW_INI), at: 0, lead: String::new(), style: IniLineStyle::plain() });
    };
    let src = &model.file(ini).source.bytes;
    // Lines after a `[PATH=...]`/`[HOST=...]` section apply to that directory or host only
    // (CGI/FastCGI), never globally: the new lines go before the first such section.
    if let Some(at) = first_per_dir_section(src) {
        return Ok(Anchor {
            path: model.path(ini).to_path_buf(),
            at,
            lead: String::new(),
            style: IniLineStyle::plain(),
        });
    }
    let lead = if src.is_empty() || src.ends_with(b"\n") { String::new() } else { "\n".into() };
    Ok(Anchor { path: model.path(ini).to_path_buf(), at: src.len(), lead, style: IniLineStyle::plain() })
}

/// The offset of the first line opening a per-directory or per-host section. PHP's
/// `php_ini_parser_cb` (main/php_ini.c) treats every section whose name begins with `PATH`
/// or `HOST`, in any case, as one (`[pathfoo]` too: checked with `php -n -c`).
fn first_per_dir_section(src: &[u8]) -> Option<usize> {
    let mut at = 0;
    for line in src.split_inclusive(|b| *b == b'\n') {
        let body = &line[line.iter().take_while(|b| matches!(b, b' ' | b'\t')).count()..];
        if let Some(name) = body.strip_prefix(b"[") {
            if name.len() >= 4 && (name[..4].eq_ignore_ascii_case(b"PATH") || name[..4].eq_ignore_ascii_case(b"HOST")) {
                return Some(at);
            }
        }
        at += line.len();
    }
    None
}

/// The error naming what to install or enable when phpredis does not reach `setup`.
fn no_extension(model: &Model, setup: &PhpSetup) -> MigrateError {
    let version = setup.dir.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).filter(|v| v.contains('.'));
    let mods = setup.dir.parent().map(|p| p.join("mods-available/redis.ini"));
    let has_mods = mods.as_ref().is_some_and(|m| model.file_id(m).is_some() || m.is_file());
    let remedy = match (setup.sapi, version) {
        (Some(sapi), Some(v)) if has_mods => format!(
            "mods-available/redis.ini exists but {}/conf.d has no link to it: run `phpenmod -v {v} -s {} redis`",
            crate::source::display_path(&setup.dir),
            sapi.as_str()
        ),
        (Some(_), Some(v)) => format!("install the package php{v}-redis (it enables `extension=redis` for every SAPI)"),
        _ => format!(
            "install phpredis (php-pecl-redis5 or php-redis on RHEL and Remi, php-redis on Debian), or add `extension=redis` to an ini file of the scan directory of {}",
            crate::source::display_path(&setup.dir)
        ),
    };
    MigrateError::NoExtension { setup: format!("php {}", setup.label()), remedy }
}

/// A file of the setup or pool `ep` runs with that PHP does not read as written: it stops
/// reading at a syntax error or a `'` that does not close, or a NUL byte cuts a line (SL001).
/// An edit there could land where PHP never reads it, or join the unread rest; sesslint
/// edits no such file and says which line to fix first.
fn misread_file(model: &Model, ep: &SessionEndpoint, setup: Option<&PhpSetup>) -> Result<(), MigrateError> {
    let pool = match ep.owner {
        EndpointOwner::Pool(i) => Some(model.pools[i].declared_at.file),
        _ => None,
    };
    let files = setup.into_iter().flat_map(|s| s.php_ini.iter().chain(&s.scan_files)).copied().chain(pool);
    // mod_php's lines: httpd refuses a whole config (start and reload) for one line it does
    // not take, so every Apache file of the tree counts.
    let apache = setup
        .and_then(|s| s.layer.as_ref())
        .filter(|l| l.kind == crate::model::php::LayerKind::Apache)
        .map(|l| crate::model::apache_tree_dir(model.path(l.file)));
    if let Some(dir) = apache {
        let tree = model.files.iter().filter(|f| {
            f.role == crate::discover::Role::ApacheConf && crate::model::apache_tree_dir(&f.source.path) == dir
        });
        for f in tree {
            if let Some(e) = f.syntax_errors.iter().min_by_key(|e| e.span.start) {
                let line = f.source.line_of(e.span.start);
                return Err(MigrateError::Misread(format!(
                    "{}:{line}: httpd refuses this file as written at this line (SL001: `sesslint check` says how), so it starts or reloads with none of it; fix that line first: sesslint does not edit such a file",
                    crate::source::display_path(&f.source.path)
                )));
            }
        }
    }
    for id in files {
        let f = model.file(id);
        let first = f.syntax_errors.iter().chain(&f.syntax_warnings).min_by_key(|e| e.span.start);
        if let Some(e) = first {
            let line = f.source.line_of(e.span.start);
            return Err(MigrateError::Misread(format!(
                "{}:{line}: PHP does not read this file as written at this line (SL001: `sesslint check` says how); fix that line first: sesslint does not edit such a file",
                crate::source::display_path(&f.source.path)
            )));
        }
    }
    Ok(())
}

/// Plan every PHP SAPI and pool on `files`.
pub fn plan(
    model: &Model,
    request: &Request,
    dbs: &Allocator,
    edits: &mut EditSet,
    plan: &mut Plan,
) -> Result<(), MigrateError> {
    let mut todo: Vec<(&SessionEndpoint, Option<&PhpSetup>, Option<&str>)> = Vec::new();
    // Already on Redis: reported after the others, since a pool may inherit the locking
    // settings written for its SAPI.
    let mut on_redis: Vec<&SessionEndpoint> = Vec::new();
    for ep in &model.endpoints {
        let (setup, pool) = match ep.owner {
            EndpointOwner::Php(i) => (Some(&model.php[i]), None),
            EndpointOwner::Pool(i) => (model.pools[i].setup.map(|s| &model.php[s]), Some(model.pools[i].name.as_str())),
            EndpointOwner::Magento(_) => continue,
        };
        match ep.handler.value.as_str() {
            "files" => todo.push((ep, setup, pool)),
            "redis" | "rediscluster" => on_redis.push(ep),
            other => plan.unchanged.push(format!(
                "{}: sessions on `{}`, not files: left as they are",
                ep.label,
                crate::source::printable(other)
            )),
        }
    }
    for (ep, setup, _) in &todo {
        if let Some(s) = setup {
            if !s.loads_extension("redis") {
                return Err(no_extension(model, s));
            }
        }
        misread_file(model, ep, *setup)?;
    }
    // Each place a save path is decided is one setting; two settings on one server and
    // database would share sessions (SL403), so a pool's own line then gets its own prefix.
    let effective = |ep: &SessionEndpoint, key: &str| -> Option<EffectiveValue> {
        match ep.owner {
            EndpointOwner::Php(i) => model.php[i].get(key),
            EndpointOwner::Pool(i) => model.pools[i].effective(key, &model.php),
            EndpointOwner::Magento(_) => None,
        }
    };
    // The line a setting is written on: the one that decides it for this owner, unless that
    // is the base's line under an Apache context (php.ini, the server-wide lines), which
    // serves the base and every other context too: the context then gets a line of its own.
    let own_line_of = |ep: &SessionEndpoint, setup: Option<&PhpSetup>, key: &str| -> Option<EffectiveValue> {
        let v = effective(ep, key)?;
        let layer = setup.and_then(|s| s.layer.as_ref()).filter(|l| l.kind == crate::model::php::LayerKind::Apache);
        let in_apache = |p: &std::path::Path| {
            model.file_id(p).is_some_and(|f| model.file(f).role == crate::discover::Role::ApacheConf)
        };
        match layer {
            Some(l)
                if l.base.is_some()
                    && !l.decides.contains(key)
                    && anchor(model, ep, setup).is_ok_and(|a| in_apache(&a.path)) =>
            {
                None
            }
            _ => Some(v),
        }
    };
    let mut places: BTreeMap<(PathBuf, usize), Vec<usize>> = BTreeMap::new();
    for (n, (ep, setup, _)) in todo.iter().enumerate() {
        let place = match own_line_of(ep, *setup, "session.save_path").and_then(|v| v.value_at()) {
            Some(at) => (model.path(at.file).to_path_buf(), at.span.start),
            None => {
                let a = anchor(model, ep, *setup)?;
                (a.path, a.at)
            }
        };
        places.entry(place).or_default().push(n);
    }
    // One place read by pools of different users is not one application: with `files`
    // each pool's `sess_<id>` was 0600 and its user's own, and one save path would make a
    // session id of one pool a session of the other. The user with the most pools there
    // (the first on a tie) keeps the shared line; each other user's pools get their save
    // path in their own pool files, one store per user (pools of one user stay together:
    // they could read each other's session files before, and may be one app in pools).
    let mut own_line: Vec<bool> = vec![false; todo.len()];
    // (where the save path is decided, the owners it serves, the offset there: 0 for a line
    // of a pool's own).
    let mut groups: Vec<(PathBuf, Vec<usize>, usize)> = Vec::new();
    for ((path, offset), members) in places {
        let mut users = split_by_pool_user(model, &todo, &members);
        if users.len() < 2 {
            groups.push((path, members, offset));
            continue;
        }
        let todo = &todo;
        let names: Vec<String> = users
            .iter()
            .map(|(u, pools)| {
                let pools: Vec<&str> = pools.iter().map(|&n| todo[n].2.unwrap_or("?")).collect();
                let user = u.as_deref().map_or("no user line".to_owned(), |u| format!("user {u}"));
                crate::source::printable(&format!("{} ({user})", pools.join(", "))).into_owned()
            })
            .collect();
        let keep = (0..users.len()).fold(0, |best, i| if users[i].1.len() > users[best].1.len() { i } else { best });
        let kept = users.remove(keep).1;
        groups.push((
            path.clone(),
            members.iter().copied().filter(|n| !users.iter().any(|(_, p)| p.contains(n))).collect(),
            offset,
        ));
        plan.notes.push(format!(
            "pools {} read one session.save_path ({}) but run as different users, whose session files `files` kept apart: that line now serves {} only, the other pools get a save path and a store of their own in their pool files (SL403). All know one password, so a pool's own code could still read another's sessions on the server; only an ACL user per pool with a `prefix=` of its own and a `~<prefix>*` key pattern closes that (Redis ACLs do not limit databases)",
            names.join(" and "),
            crate::source::display_path(&path),
            kept.iter().map(|&n| crate::source::printable(todo[n].2.unwrap_or("?")).into_owned()).collect::<Vec<_>>().join(", ")
        ));
        for (_, pools) in users {
            for &n in &pools {
                own_line[n] = true;
            }
            let file = pool_of(todo[pools[0]].0).map(|i| model.path(model.pools[i].declared_at.file).to_path_buf());
            groups.push((file.unwrap_or(path.clone()), pools, 0));
        }
    }
    // With `auto` each application gets a database of its own; with `--database N` they
    // share N and every application after the first (and any next to a store already in N)
    // gets a prefix of its own. The replicas of one application on several hosts of a
    // fleet (`application`) get one store: a load balancer sends a user to any of them.
    let mut db_of: Vec<i64> = vec![0; todo.len()];
    let mut prefix_of: Vec<Option<String>> = vec![None; todo.len()];
    let mut shared_of: Vec<Option<String>> = vec![None; todo.len()];
    // The databases PHP session stores already use on that server, gathered once.
    let server = request.redis.server_key();
    let used_dbs: std::collections::HashSet<i64> = model
        .endpoints
        .iter()
        .filter(|e| !matches!(e.owner, EndpointOwner::Magento(_)))
        .flat_map(|e| &e.targets)
        .filter(|t| crate::model::magento::server_key(t) == server)
        .map(|t| t.database.unwrap_or(0))
        .collect();
    // Application -> (database, prefix, the groups that are its replicas), in group order.
    let mut apps: Vec<(Application, i64, Option<String>, Vec<usize>)> = Vec::new();
    let mut prefixes: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for (g, (path, members, offset)) in groups.iter().enumerate() {
        let app = application::identify(model, (path, *offset), members.iter().map(|&n| todo[n].0));
        if let Some(known) = apps.iter_mut().find(|a| a.0 == app) {
            known.3.push(g);
            continue;
        }
        let db = dbs.next()?;
        let in_pool_file = model.file_id(path).is_some_and(|f| model.file(f).role == crate::discover::Role::FpmPool);
        let name = match todo[members[0]] {
            (_, _, Some(pool)) if in_pool_file => pool.to_owned(),
            (_, Some(setup), _) => setup.sapi_name().to_owned(),
            (_, None, Some(pool)) => pool.to_owned(),
            (_, None, None) => "php".to_owned(),
        };
        let prefix = (dbs.fixed() && (!apps.is_empty() || used_dbs.contains(&db)))
            .then(|| unique_prefix(&name, application::host_name(model, path), &mut prefixes));
        apps.push((app, db, prefix, vec![g]));
    }
    for (_, db, prefix, replicas) in &apps {
        let hosts: Vec<&str> = replicas.iter().filter_map(|&g| application::host_name(model, &groups[g].0)).collect();
        let shared = (replicas.len() > 1).then(|| hosts.join(", "));
        for &g in replicas {
            for &n in &groups[g].1 {
                db_of[n] = *db;
                prefix_of[n].clone_from(prefix);
                shared_of[n].clone_from(&shared);
            }
        }
        if let Some(hosts) = shared {
            let first = &groups[replicas[0]];
            let owners: Vec<String> = first.1.iter().map(|&n| application::owner_name(model, todo[n].0)).collect();
            let place = application::below_host(model, &first.0);
            let store = match prefix {
                Some(p) => format!("database {db}, key prefix {p}"),
                None => format!("database {db}"),
            };
            plan.notes.push(format!(
                "{} on hosts {hosts} share one store ({store}): every one of these hosts decides the save path at the same place ({}) for the same owners with the same settings (session.*, doc_root, open_basedir, a pool's user, group and chdir), so they are one application behind a load balancer, and a user keeps the session whichever host serves the request",
                owners.join(", "),
                crate::source::display_path(place)
            ));
        }
    }
    for (n, (ep, setup, _)) in todo.iter().enumerate() {
        let prefix = prefix_of[n].as_deref();
        let (sp_text, sp_raw) = save_path(request, db_of[n], prefix)?;
        let anchor = anchor(model, ep, *setup)?;
        let get = |key: &str| effective(ep, key).map(|v| v.value);
        let mut wanted: Vec<(&str, String, Text)> = vec![
            ("session.save_handler", "redis".into(), Text::plain("redis")),
            ("session.save_path", sp_raw.clone(), sp_text),
        ];
        for (k, v) in LOCKING {
            let enc = encode::value(v).map_err(|e| MigrateError::Unencodable(e.to_string()))?;
            wanted.push((k, v.to_owned(), Text::plain(enc)));
        }
        let mut first_insert = true;
        for (key, raw, text) in wanted {
            let current = effective(ep, key);
            if current.as_ref().is_some_and(|c| c.set_at.is_some() && satisfied(key, &c.value, &raw, &get)) {
                continue;
            }
            if key == "session.save_path" && own_line[n] {
                let Some(pool) = pool_of(ep) else { continue };
                let a = pool_anchor(model, &model.pools[pool]);
                let mut line = Text::plain(a.lead.clone());
                line.append(&a.style.line(key, &text));
                edits.insert(&a.path, a.at, key, line)?;
                continue;
            }
            match own_line_of(ep, *setup, key).as_ref().and_then(|c| c.value_at()) {
                Some(at) => match current.as_ref().and_then(|c| apache_flag_line(model, c)) {
                    // `php_flag` makes any value on or off ("0" for a save path): the line
                    // becomes `php_value` (admin stays admin) with the value.
                    Some((name, directive)) => {
                        let src = &model.file(at.file).source.bytes;
                        let mut line = Text::plain(format!(
                            "{directive}{}",
                            String::from_utf8_lossy(&src[name.end..at.span.start])
                        ));
                        line.append(&text);
                        edits.replace(model.path(at.file), Span::new(name.start, at.span.end), line)?;
                    }
                    None => edits.replace(model.path(at.file), at.span, text)?,
                },
                None => {
                    let mut line = Text::plain(if first_insert { anchor.lead.clone() } else { String::new() });
                    line.append(&anchor.style.line(key, &text));
                    // The lead belongs to the first line only; the set joins lines in order.
                    edits.insert(&anchor.path, anchor.at, key, line)?;
                    first_insert = false;
                }
            }
        }
        let mut what = format!("{}: files -> redis at {}, database {}", ep.label, request.redis, db_of[n]);
        if let Some(p) = prefix {
            what.push_str(&format!(", key prefix {p}"));
        }
        if own_line[n] {
            what.push_str(" (a save path of its own in its pool file)");
        }
        if let Some(hosts) = &shared_of[n] {
            what.push_str(&format!(", shared by hosts {hosts}"));
        }
        what.push_str(", session locking on");
        plan.changes.push(what);
        match (ep.owner, setup) {
            (_, Some(s)) => {
                plan.reloads.extend(services::php(s).into_iter().map(|u| services::on_host(model, &s.dir, u)))
            }
            (EndpointOwner::Pool(i), None) => {
                let pool_file = model.path(model.pools[i].declared_at.file);
                plan.reloads.insert(services::on_host(model, pool_file, "php-fpm".into()));
            }
            _ => {}
        }
    }
    for ep in on_redis {
        let gained = inherited_locking(model, ep, &todo, &effective);
        let base = format!("{}: already on {} ({})", ep.label, ep.handler.value, targets(ep));
        if gained.is_empty() {
            plan.unchanged.push(base);
        } else {
            plan.changes
                .push(format!("{base}; inherits the session locking written for its SAPI: {}", gained.join(", ")));
        }
    }
    Ok(())
}

/// For a value set on an Apache `php_flag`/`php_admin_flag` line: the directive name's span
/// and the `php_value`/`php_admin_value` that replaces it.
fn apache_flag_line(model: &Model, v: &EffectiveValue) -> Option<(Span, &'static str)> {
    let at = v.set_at?;
    let file = model.file(at.file);
    if file.role != crate::discover::Role::ApacheConf {
        return None;
    }
    let src = &file.source.bytes;
    let from = at.span.start.min(src.len());
    let start = from + src[from..].iter().take_while(|b| b.is_ascii_whitespace()).count();
    let len = src[start..].iter().take_while(|b| !b.is_ascii_whitespace()).count();
    let name = &src[start..start + len];
    let directive = if name.eq_ignore_ascii_case(b"php_flag") {
        "php_value"
    } else if name.eq_ignore_ascii_case(b"php_admin_flag") {
        "php_admin_value"
    } else {
        return None;
    };
    Some((Span::new(start, start + len), directive))
}

/// `PHPREDIS_SESSION:<name>:`, unless another application took it: then with the host's name
/// (`PHPREDIS_SESSION:web2:fpm:`), or a number. Two applications in one database never share
/// a prefix, or one's session ids would be the other's sessions.
fn unique_prefix(name: &str, host: Option<&str>, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut candidates = vec![format!("PHPREDIS_SESSION:{name}:")];
    candidates.extend(host.map(|h| format!("PHPREDIS_SESSION:{h}:{name}:")));
    let prefix = candidates
        .into_iter()
        .chain((2..).map(|k| format!("PHPREDIS_SESSION:{name}{k}:")))
        .find(|p| !taken.contains(p))
        .expect("an endless list has a free name");
    taken.insert(prefix.clone());
    prefix
}

/// The pool `ep` belongs to, if it is a pool's.
fn pool_of(ep: &SessionEndpoint) -> Option<usize> {
    match ep.owner {
        EndpointOwner::Pool(i) => Some(i),
        _ => None,
    }
}

/// The pools among `members` (indexes into `todo`) grouped by the user their workers run as
/// (`None`: no `user` line, the master's user), groups in the order of their first pool.
fn split_by_pool_user(
    model: &Model,
    todo: &[(&SessionEndpoint, Option<&PhpSetup>, Option<&str>)],
    members: &[usize],
) -> Vec<(Option<String>, Vec<usize>)> {
    let mut out: Vec<(Option<String>, Vec<usize>)> = Vec::new();
    for &n in members {
        let Some(pool) = pool_of(todo[n].0) else { continue };
        let user = model.pools[pool].run_user().map(str::to_owned);
        match out.iter_mut().find(|(u, _)| *u == user) {
            Some((_, list)) => list.push(n),
            None => out.push((user, vec![n])),
        }
    }
    out
}

/// Where a pool's own `php_value[...]` line goes: after the last line of its section (its
/// first `[name]`), in the layout of that section's `php_value` lines if it has one.
fn pool_anchor(model: &Model, pool: &crate::model::FpmPool) -> Anchor {
    let file = pool.declared_at.file;
    let path = model.path(file).to_path_buf();
    let src = &model.file(file).source.bytes;
    let mut last = pool.declared_at.span;
    let mut like: Option<IniLineStyle> = None;
    let mut plain: Option<IniLineStyle> = None;
    if let Some(doc) = model.file(file).tree.ini() {
        for node in doc.nodes.iter().filter(|n| n.span.start > pool.declared_at.span.start) {
            match &node.kind {
                crate::syntax::ini::NodeKind::Section(_) => break,
                crate::syntax::ini::NodeKind::Entry(e) => {
                    last = node.span;
                    match e.offset {
                        Some(_) => like = IniLineStyle::of(doc, e).or(like),
                        None => plain = IniLineStyle::of(doc, e).or(plain),
                    }
                }
                _ => {}
            }
        }
    }
    // `php_value`, never `php_admin_value`: the app may still set its own save path, as
    // it could when php.ini decided it.
    let style = IniLineStyle::pool_value(like.as_ref().or(plain.as_ref()));
    let (_, end) = line_bounds(src, last.start);
    let lead = if end == src.len() && !src.ends_with(b"\n") { style.eol().to_owned() } else { String::new() };
    Anchor { path, at: end, lead, style }
}

/// The locking settings (`key = value`) a pool already on Redis gains because the php.ini
/// of its SAPI, which is migrated, gets them and the pool does not set them itself (PHP
/// gives a pool its master's ini values unless `php_value`/`php_admin_value` overrides).
fn inherited_locking(
    model: &Model,
    ep: &SessionEndpoint,
    todo: &[(&SessionEndpoint, Option<&PhpSetup>, Option<&str>)],
    effective: &dyn Fn(&SessionEndpoint, &str) -> Option<EffectiveValue>,
) -> Vec<String> {
    let EndpointOwner::Pool(i) = ep.owner else { return Vec::new() };
    let Some(setup) = model.pools[i].setup else { return Vec::new() };
    let same_setup = |t: &SessionEndpoint| match t.owner {
        EndpointOwner::Php(s) => s == setup,
        EndpointOwner::Pool(p) => model.pools[p].setup == Some(setup),
        EndpointOwner::Magento(_) => false,
    };
    let in_a_pool_file = |path: &std::path::Path| {
        model.file_id(path).is_some_and(|f| model.file(f).role == crate::discover::Role::FpmPool)
    };
    // A key migrated for another owner of this SAPI lands in php.ini (or conf.d) when its
    // line there is edited or the new lines follow a handler decided there.
    let written_for_all = |key: &str| {
        todo.iter().filter(|(t, _, _)| same_setup(t)).any(|(t, s, _)| {
            let place = match effective(t, key).and_then(|v| v.value_at()) {
                Some(at) => Some(model.path(at.file).to_path_buf()),
                None => anchor(model, t, *s).ok().map(|a| a.path),
            };
            place.is_some_and(|p| !in_a_pool_file(&p))
        })
    };
    let get = |key: &str| effective(ep, key).map(|v| v.value);
    LOCKING
        .iter()
        .filter(|(key, _)| written_for_all(key))
        .filter(|(key, wanted)| {
            let current = effective(ep, key);
            let in_pool = current
                .as_ref()
                .and_then(|c| c.set_at)
                .is_some_and(|at| model.file(at.file).role == crate::discover::Role::FpmPool);
            let done = current.as_ref().is_some_and(|c| c.set_at.is_some() && satisfied(key, &c.value, wanted, &get));
            !in_pool && !done
        })
        .map(|(key, wanted)| format!("{key} = {wanted}"))
        .collect()
}

fn targets(ep: &SessionEndpoint) -> String {
    let list: Vec<String> = ep.targets.iter().map(|t| t.describe()).collect();
    if list.is_empty() {
        "no usable save path".into()
    } else {
        list.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::{DatabaseChoice, RedisUrl, Secret};

    fn request(user: Option<&str>) -> Request {
        Request {
            redis: RedisUrl::parse("tcp://127.0.0.1:6379").expect("url"),
            password: Secret::new("a&b c$\"%".into()).expect("password"),
            user: user.map(str::to_owned),
            database: DatabaseChoice::Auto,
            harden_redis: false,
        }
    }

    #[test]
    fn the_save_path_marks_exactly_the_encoded_password() {
        let (text, raw) = save_path(&request(None), 2, Some("PHPREDIS_SESSION:www:")).expect("encodable");
        assert_eq!(raw, "tcp://127.0.0.1:6379?auth=a%26b%20c%24%22%25&database=2&timeout=2&read_timeout=2&prefix=PHPREDIS_SESSION:www:");
        assert_eq!(text.secrets.len(), 1);
        assert_eq!(&text.text[text.secrets[0].start..text.secrets[0].end], "a%26b%20c%24%22%25");
        let (text, raw) = save_path(&request(Some("sess user")), 0, None).expect("encodable");
        assert!(raw.contains("auth[user]=sess%20user&auth[pass]=a%26b"), "{raw}");
        assert_eq!(&text.text[text.secrets[0].start..text.secrets[0].end], "a%26b%20c%24%22%25");
    }
}
