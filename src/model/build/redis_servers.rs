//! Lowering redis.conf files into servers: each top-level file loaded with its includes as
//! redis-server would, load errors sorted by the step that refused them, the ACL file
//! `aclfile` names, and the release whose rules apply.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::read::parse_file;
use super::{staged_servers, Parsed};
use crate::confine::Confinement;
use crate::discover::Role;
use crate::model::redis::{self, PlacedDirective};
use crate::model::{FileId, IncludeProblem, Location, Model, SyntaxTree};
use crate::source::Source;
use crate::span::Span;
use crate::syntax::redis_conf::{LoadErrorKind, LoadedConfig, Loader};

/// Lower the Redis servers of the files from `first` on (one group of hosts; the files
/// before it were lowered already), appending them to `model.redis`.
///
/// Loading and building each server are independent of the others and run over the
/// threads; what touches the model (placing each directive in its file, reading files the
/// discovery missed, the ACL file) runs here in the files' order, so the model is the one
/// a plain loop over the files makes. The files read here (included fragments discovery did
/// not find, ACL files) are charged to `parse_budget`, in that order. A file `overlay`
/// replaces (an editor's buffer) is included as it is on disk, never as the buffer.
///
/// With `named` (a run naming files), the servers [`staged_servers::deferrable`] picks are
/// neither loaded nor built: they are returned, for [`lower_deferred`] to build once the
/// model shows whether it must ([`staged_servers::can_leave_out`]).
pub(super) fn lower_redis(
    model: &mut Model,
    parsed: &[Parsed],
    loader: &Loader,
    first: usize,
    parse_budget: &mut super::budget::Spent,
    overlay: Option<&super::Overlay>,
    named: Option<&staged_servers::Named<'_>>,
) -> Vec<staged_servers::Deferred> {
    let mut tops: Vec<usize> = (first..model.files.len()).filter(|&i| model.files[i].role == Role::RedisConf).collect();
    // Main files first, so that a fragment another file includes is not taken for a server.
    tops.sort_by_key(|&i| (!is_main_file(&model.files[i].source.path), i));
    let mut included: BTreeSet<PathBuf> = BTreeSet::new();
    // The trees parsed with the files read from disk: an include of a discovered file
    // reuses its tree, without reading the file again (`Loader::parsed`).
    let trees: std::collections::HashMap<PathBuf, std::sync::Arc<crate::syntax::redis_conf::RedisConf>> = parsed
        .iter()
        .enumerate()
        .skip(first)
        .filter_map(|(i, p)| match p {
            Parsed::Redis(t) => Some((model.files.get(i)?.source.path.clone(), t.clone())),
            _ => None,
        })
        .filter(|(path, _)| overlay.is_none_or(|o| !o.contains_key(path)))
        .collect();
    let trees = std::sync::Arc::new(trees);
    // This group's servers share their includes' reads and trees; freed with the group.
    let includes = std::sync::Arc::new(crate::syntax::redis_conf::IncludeCache::default());
    let loader = &Loader { includes, ..loader.clone() };
    let tree_of = |i: usize| match parsed.get(i) {
        Some(Parsed::Redis(t)) => Some(t.as_ref()),
        _ => None,
    };
    // Decided before loading: a deferred server is neither loaded ahead nor below.
    let mut deferred: Vec<Option<staged_servers::Deferred>> = tops
        .iter()
        .map(|&i| match (named, parsed.get(i)) {
            (Some(named), Some(Parsed::Redis(t))) => {
                staged_servers::deferrable(model, i, t, || loader_for(model, loader, &trees, i), named)
            }
            _ => None,
        })
        .collect();
    // Every top file is loaded over the threads up front (one that turns out to be another's
    // fragment is loaded for nothing). A file without `include` costs its own lines; one
    // with includes may load a chain of fragments each time, so those are loaded ahead only
    // within a budget of twice the group's lines: past it they are loaded in turn below,
    // skipped when another server included them, and the work stays linear.
    let shapes: Vec<(bool, usize)> = tops
        .iter()
        .map(|&i| match tree_of(i) {
            Some(t) => t.directives().fold((false, 0), |(inc, n), (_, d)| {
                // As name_lowercase() == "include", without a String a directive.
                (inc || d.name.value.eq_ignore_ascii_case(b"include"), n + 1)
            }),
            None => (true, 0),
        })
        .collect();
    let budget = 2 * shapes.iter().map(|s| s.1).sum::<usize>() + 10_000;
    let spent = std::sync::atomic::AtomicUsize::new(0);
    let order: Vec<usize> = (0..tops.len()).collect();
    let mut preloaded: Vec<Option<(Loader, LoadedConfig)>> = crate::parallel::map(&order, 4, |&k| {
        let i = tops[k];
        if deferred[k].is_some() || shapes[k].0 && spent.load(std::sync::atomic::Ordering::Relaxed) > budget {
            return None;
        }
        let l = loader_for(model, loader, &trees, i);
        let cfg = l.load_parsed(&model.files[i].source, tree_of(i));
        if shapes[k].0 {
            spent.fetch_add(cfg.directives.len(), std::sync::atomic::Ordering::Relaxed);
        }
        Some((l, cfg))
    });
    let mut pending: Vec<Placed> = Vec::new();
    let mut pending_directives = 0;
    let mut left: Vec<staged_servers::Deferred> = Vec::new();
    for (k, &i) in tops.iter().enumerate() {
        let path = model.files[i].source.path.clone();
        if included.contains(&path) {
            continue; // a fragment of another server's config
        }
        if let Some(d) = deferred[k].take() {
            // One file, no include: placing it would have added nothing `included` holds.
            left.push(d);
            continue;
        }
        let (l, cfg) = match preloaded[k].take() {
            Some(done) => done,
            None => {
                let l = loader_for(model, loader, &trees, i);
                let cfg = l.load_parsed(&model.files[i].source, tree_of(i));
                (l, cfg)
            }
        };
        // Servers waiting to be built read or add files in their ACL step: done before this
        // one places its directives when it may read a file in (the ids follow that order),
        // and every million directives (what a batch holds in memory).
        if !pending.is_empty() && (reads_a_file_in(model, &l, &cfg, &path) || pending_directives > 1 << 20) {
            finish_servers(model, std::mem::take(&mut pending), parse_budget);
            pending_directives = 0;
        }
        pending_directives += cfg.directives.len();
        pending.push(place(model, i, path, l, cfg, &mut included, parse_budget));
    }
    finish_servers(model, pending, parse_budget);
    left
}

/// Build the servers [`lower_redis`] deferred, as it would have built them (each is one
/// file: it reads nothing in), appending them to `model.redis`; the caller puts the servers
/// in order again ([`order_servers`]).
pub(super) fn lower_deferred(
    model: &mut Model,
    deferred: Vec<staged_servers::Deferred>,
    parse_budget: &mut super::budget::Spent,
) {
    let mut included = BTreeSet::new();
    let mut placed = Vec::with_capacity(deferred.len());
    for d in deferred {
        let cfg = d.loader.load_parsed(&model.files[d.top].source, Some(&d.tree));
        let path = model.files[d.top].source.path.clone();
        placed.push(place(model, d.top, path, d.loader, cfg, &mut included, parse_budget));
    }
    finish_servers(model, placed, parse_budget);
}

/// A loaded server config whose errors and directives were placed in the model's files,
/// waiting to be built.
struct Placed {
    /// The server's main file.
    top: usize,
    path: PathBuf,
    loader: Loader,
    cfg: LoadedConfig,
    /// The model file of `cfg.directives`, as runs: `(first directive, file)` where the file
    /// changes (a FileId a directive was 19 MB for a 2.4-million-line file).
    files: Vec<(usize, FileId)>,
    at_startup: Vec<redis::StartupFailure>,
}

/// Whether placing `cfg` (loaded from `top`) in the model may read a file in: a file other
/// than `top` whose place on this machine the model does not hold yet (see [`file_for`]).
fn reads_a_file_in(model: &Model, l: &Loader, cfg: &LoadedConfig, top: &Path) -> bool {
    let placed = cfg.files.iter().skip(1).chain(cfg.errors.iter().map(|e| &e.file));
    placed.into_iter().any(|f| f != top && model.file_id(&l.physical_of(f)).is_none())
}

/// Record what loading the server of file `i` found in the model's files (the fragments it
/// included, backups it loaded, load errors) and the file of each directive. An included
/// file past the build's budget (`budget`) is left out of the server, SL002 naming it.
fn place(
    model: &mut Model,
    i: usize,
    path: PathBuf,
    l: Loader,
    mut cfg: LoadedConfig,
    included: &mut BTreeSet<PathBuf>,
    budget: &mut super::budget::Spent,
) -> Placed {
    let left_out = leave_out_past_budget(model, &l, &mut cfg, &path, budget);
    for f in cfg.files.iter().skip(1) {
        included.insert(f.clone());
        included.insert(l.physical_of(f));
        if left_out.contains(f.as_path()) {
            continue;
        }
        if let Some(original) = old_backup_of(f) {
            // sesslint 0.1.0 kept backups beside the file; `include dir/*` loads them.
            let fid = file_for(model, &l, f, &path, i);
            let problems = &mut model.files[fid.0].include_problems;
            if problems.iter().all(|p| p.span != crate::span::Span::empty(0)) {
                problems.push(IncludeProblem {
                    label: "this include",
                    span: crate::span::Span::empty(0),
                    message: format!(
                        "this is a backup of `{original}` sesslint 0.1.0 left beside it, and redis-server loads it as configuration through an `include`: move it out of the included directory (sesslint now keeps backups in `.sesslint/backups/`) or delete it"
                    ),
                    severity: crate::diagnostic::Severity::Warning,
                });
            }
        }
    }
    let mut at_startup = Vec::new();
    // Per file: the sorted starts of its unknown names and the starts of its syntax
    // errors, so that each load error is checked by lookup (a file may hold millions).
    let mut reported: std::collections::HashMap<FileId, (Vec<usize>, std::collections::HashSet<usize>)> =
        std::collections::HashMap::new();
    for e in &cfg.errors {
        let fid = file_for(model, &l, &e.file, &path, i);
        let file = &mut model.files[fid.0];
        let (unknown, errors) = reported.entry(fid).or_insert_with(|| {
            let mut unknown: Vec<usize> = file.unknown_directives.iter().map(|u| u.span.start).collect();
            unknown.sort_unstable();
            (unknown, file.syntax_errors.iter().map(|s| s.span.start).collect())
        });
        let unknown_in_error = {
            let first = unknown.partition_point(|&s| s < e.span.start);
            unknown.get(first).is_some_and(|&s| s < e.span.end.max(e.span.start + 1))
        };
        if e.kind == LoadErrorKind::AclUnknown {
            // Accepted while reading; the users are created, and refused, at startup.
            at_startup
                .push(redis::StartupFailure { at: Location { file: fid, span: e.span }, message: e.message.clone() });
        } else if e.kind == LoadErrorKind::Include {
            file.include_problems.push(IncludeProblem {
                label: "this include",
                span: e.span,
                message: e.message.clone(),
                severity: crate::diagnostic::Severity::Error,
            });
        } else if depends_on_machine(&e.directive) {
            // `dir`, `logfile`, `loadmodule` and friends name paths of the machine the
            // server runs on; a copied tree is not that machine.
        } else if unknown_in_error || errors.contains(&e.span.start) {
            // Already reported: an unknown name (SL003) or a line the parser refused.
        } else {
            errors.insert(e.span.start);
            file.syntax_errors.push(crate::syntax::SyntaxError::new(e.span, e.message.clone()));
        }
    }
    let mut files: Vec<(usize, FileId)> = Vec::new();
    let mut last_file: Option<(&Path, FileId)> = None;
    for (n, d) in cfg.directives.iter().enumerate() {
        let fid = match last_file {
            // The loader shares one path per file: comparing pointers is enough.
            Some((f, id)) if std::ptr::eq(f, &*d.file) || f == &*d.file => id,
            _ => file_for(model, &l, &d.file, &path, i),
        };
        last_file = Some((&*d.file, fid));
        if files.last().is_none_or(|&(_, last)| last != fid) {
            files.push((n, fid));
        }
    }
    Placed { top: i, path, loader: l, cfg, files, at_startup }
}

/// The file of each directive, in order, from [`Placed::files`]' runs.
fn file_of_each(runs: &[(usize, FileId)]) -> impl Iterator<Item = FileId> + '_ {
    runs.iter().enumerate().flat_map(move |(k, &(first, file))| {
        let end = runs.get(k + 1).map_or(usize::MAX, |&(next, _)| next);
        std::iter::repeat_n(file, end - first)
    })
}

/// The files `cfg` included that the build's budget has no room for, their directives and
/// load errors taken out of `cfg`. A fragment discovery did not find is charged here (the
/// loader read it within its own bound, 64 MiB of includes a top file, but the model keeps
/// it); a discovered file left unparsed past the budget stays unparsed when included.
/// redis-server reads them all: what is left out is an SL002 error, never a silent gap.
fn leave_out_past_budget(
    model: &mut Model,
    l: &Loader,
    cfg: &mut LoadedConfig,
    top: &Path,
    budget: &mut super::budget::Spent,
) -> std::collections::HashSet<PathBuf> {
    let mut left_out = std::collections::HashSet::new();
    for f in cfg.files.iter().skip(1) {
        let physical = l.physical_of(f);
        if f == top || model.file_id(&physical).or_else(|| model.file_id(f)).is_some() {
            continue;
        }
        if !budget.admit(model, &physical) {
            left_out.insert(f.clone());
        }
    }
    if !left_out.is_empty() {
        cfg.directives.retain(|d| !left_out.contains(&*d.file));
        cfg.errors.retain(|e| !left_out.contains(&e.file));
    }
    left_out
}

/// Build the servers of `placed` over the threads, then, in order, give each its release
/// and its ACL file (charged to `budget` when read), and append it to `model.redis`.
fn finish_servers(model: &mut Model, placed: Vec<Placed>, budget: &mut super::budget::Spent) {
    let servers = crate::parallel::map(&placed, 2, |p| {
        // Borrowed from the loaded config, not copied (a 16 MiB file has millions of lines).
        let directives: Vec<PlacedDirective<'_>> = p
            .cfg
            .directives
            .iter()
            .zip(file_of_each(&p.files))
            .map(|(d, file)| PlacedDirective { name: &d.name, args: &d.args, at: Location { file, span: d.span } })
            .collect();
        redis::build_server(FileId(p.top), &directives)
    });
    // A host's servers share its etc/: its release files are read once (each read resolves
    // the path whole, a `readlink` per component).
    let mut releases: std::collections::HashMap<PathBuf, Option<redis::RedisVersion>> = Default::default();
    let mut spent = Vec::with_capacity(placed.len());
    for (p, mut server) in placed.into_iter().zip(servers) {
        server.startup_failures.extend(p.at_startup);
        if server.version.assumed {
            // The machine's etc/: above the first `etc` component, or (a copied /etc
            // checked on its own) the directory holding `redis/`.
            let path = &p.path;
            let machine_etc = crate::model::link::host_of(path, &[]).join("etc");
            let holder = path.parent().filter(|p| p.ends_with("redis") || p.ends_with("valkey")).and_then(Path::parent);
            let found = [Some(machine_etc.as_path()), holder].into_iter().flatten().find_map(|etc| {
                let known = releases.get(etc).cloned();
                known.unwrap_or_else(|| {
                    let found = distribution_redis(etc, &model.confinement);
                    releases.insert(etc.to_path_buf(), found.clone());
                    found
                })
            });
            if let Some(v) = found {
                server.version = v;
            }
        }
        if let Some(acl) = server.aclfile.clone() {
            use_acl_file(model, &p.loader, &mut server, &acl, budget);
        }
        model.redis.push(server);
        spent.push((p.loader, p.cfg));
    }
    // Freeing the loaded configs is a tenth of building the servers: another thread does
    // it (the batch is at most a million directives), when there are enough of them to be
    // worth starting one (a host's few hundred cost less to free than a thread to start).
    let directives: usize = spent.iter().map(|(_, cfg)| cfg.directives.len()).sum();
    if directives >= FREE_ELSEWHERE_DIRECTIVES && crate::parallel::threads() > 1 {
        crate::parallel::spawn(move || drop(spent));
    }
}

/// Loaded directives from which a batch's configs are freed on a thread of their own.
const FREE_ELSEWHERE_DIRECTIVES: usize = 20_000;

/// Whether `path` is named as a server's main config (`redis.conf`, `valkey.conf`): those
/// are loaded before the other top-level files, and listed first.
fn is_main_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "redis.conf" || n == "valkey.conf")
}

/// Put `model.redis` in the order one pass over every file gives (main configs first, then
/// by file), whatever group of hosts each server was lowered in. Before linking: nothing
/// holds a [`ServerId`](crate::model::ServerId) yet.
pub(super) fn order_servers(model: &mut Model) {
    let files = &model.files;
    model.redis.sort_by_key(|s| (!is_main_file(&files[s.file.0].source.path), s.file));
}

/// The loader for the server whose main file is `i`: its directory as redis-server would
/// see it, its host's tree as the root.
fn loader_for(model: &Model, loader: &Loader, trees: &Trees, i: usize) -> Loader {
    let path = &model.files[i].source.path;
    // redis-server resolves relative includes against its working directory, which we
    // cannot know; the config's own directory is the usual one.
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    // In a fleet, the server's host tree is its root.
    let root = match model.host_of_file(FileId(i)) {
        Some(h) => Some(model.host(h).root.clone()),
        None => loader.root.clone(),
    };
    // The loader wants the directory as redis-server would see it (below --root).
    let cwd = match &root {
        Some(root) => crate::confine::relative_to_root(&dir, root).map(|rel| Path::new("/").join(rel)).unwrap_or(dir),
        None => dir,
    };
    Loader { cwd: Some(cwd), root, parsed: trees.clone(), ..loader.clone() }
}

/// The trees parsed with the files, by path.
type Trees = std::sync::Arc<std::collections::HashMap<PathBuf, std::sync::Arc<crate::syntax::redis_conf::RedisConf>>>;

/// Read the ACL file `aclfile` names and give its users to the server. redis-server opens
/// it after reading the config, so a relative path is taken in `dir` (the loader's path
/// mapping puts absolute paths below the root). A file not discovered counts against the
/// build's budget of bytes parsed: past it, it is not read (SL002 error), the server left
/// without its users.
fn use_acl_file(
    model: &mut Model,
    l: &Loader,
    server: &mut redis::RedisServer,
    acl: &str,
    budget: &mut super::budget::Spent,
) {
    let named = Path::new(acl);
    let logical = match server.settings.get("dir") {
        Some((dir, _)) if named.is_relative() => Path::new(dir).join(named),
        _ => named.to_path_buf(),
    };
    let physical = l.physical_of(&logical);
    let at = server.aclfile_at.unwrap_or(Location { file: server.file, span: Span::empty(0) });
    let fid = match model.file_id(&physical) {
        Some(id) => id,
        None if budget.refused(&physical) => return,
        None => {
            let size = model.confinement.metadata_in(&physical, l.root.as_deref()).map_or(0, |m| m.len());
            if let Err(reason) = budget.charge(model, &physical, size) {
                budget.refuse(model, physical, reason);
                return;
            }
            // Through the loader's one confined read: inside the checked tree, never /proc.
            match l.read_named(&logical) {
                Ok(bytes) => {
                    let (file, _) = parse_file(Source::new(physical.clone(), bytes), Role::RedisAcl);
                    model.add_file(file)
                }
                // Outside the tree: what is there, and whether redis-server starts, is not
                // known here; said in the same words whether or not this machine has a file there.
                // Over sesslint's own read limit likewise: redis-server has none (7.0.15 starts
                // with a 48 MB ACL file), so this is no refusal.
                Err(
                    e @ (crate::confine::Refusal::Outside { .. }
                    | crate::confine::Refusal::Pseudo { .. }
                    | crate::confine::Refusal::TooLarge(_)),
                ) => {
                    let limit = match e {
                        crate::confine::Refusal::TooLarge(_) => " here (sesslint's limit, not redis-server's)",
                        _ => "",
                    };
                    server.acl_file_not_read = Some(redis::StartupFailure {
                        at,
                        message: format!(
                            "the aclfile '{}': {e}{limit}; which users redis-server has, and whether it starts, is not known here",
                            crate::source::printable(acl)
                        ),
                    });
                    return;
                }
                Err(e) => {
                    server.startup_failures.push(redis::StartupFailure {
                        at,
                        message: format!(
                            "Aborting Redis startup because of ACL errors: Error loading ACLs, opening file '{}': {e}",
                            crate::source::printable(acl)
                        ),
                    });
                    return;
                }
            }
        }
    };
    // The tree the file was read with (also when it was read just now); a file discovered
    // under another role is read as the ACL file it is named as.
    let tree = model.files[fid.0].tree.clone();
    let reparsed;
    let file = match &tree {
        SyntaxTree::Acl(f) => f.as_ref(),
        _ => {
            reparsed = crate::syntax::redis_acl::parse(&model.files[fid.0].source.bytes);
            &reparsed
        }
    };
    let users = redis::AclUsers::from_lines(file.users.iter().map(|u| {
        let mut user = redis::AclUser::reset(&String::from_utf8_lossy(&u.name), Location { file: fid, span: u.span });
        user.apply(&u.rules);
        user
    }));
    // redis-server aborts at startup on any line it refuses (SL001 says which).
    if file.errors.is_empty() {
        server.use_acl_file(fid, users);
    } else {
        server.refuse_acl_file(fid, users);
    }
}

/// The Redis a distribution ships, from an etc directory's `debian_version`, `os-release`
/// or, failing those, its PHP layout (`etc/php/8.2/` is Debian 12's PHP). Packages:
/// Debian 11 redis 6.0.16, Debian 12 7.0.15, Ubuntu 22.04 6.0.16, Ubuntu 24.04 7.0.15,
/// RHEL 9 6.2 (AppStream).
fn distribution_redis(etc: &Path, confinement: &Confinement) -> Option<redis::RedisVersion> {
    let read = |name: &str| confinement.read(&etc.join(name)).ok().and_then(|b| String::from_utf8(b).ok());
    let pick = |major: u8, minor: u8, why: String| {
        Some(redis::RedisVersion { major, minor, valkey: false, why, assumed: true })
    };
    let debian = |v: &str, why: String| match v.split('.').next().unwrap_or("") {
        "11" | "bullseye/sid" => pick(6, 0, why),
        "12" | "bookworm/sid" => pick(7, 0, why),
        _ => None,
    };
    if let Some(v) = read("debian_version") {
        let v = v.trim();
        if let Some(found) = debian(v, format!("the package of Debian {v} (etc/debian_version)")) {
            return Some(found);
        }
    }
    if let Some(text) = read("os-release") {
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix('=')))
                .map(|v| v.trim_matches('"').to_owned())
        };
        let (id, version) = (field("ID").unwrap_or_default(), field("VERSION_ID").unwrap_or_default());
        let why = format!("the package of {id} {version} (etc/os-release)");
        let major = version.split('.').next().unwrap_or("");
        let found = match (id.as_str(), version.as_str()) {
            ("debian", v) => debian(v, why),
            ("ubuntu", "22.04") => pick(6, 0, why),
            ("ubuntu", "24.04") => pick(7, 0, why),
            ("rhel" | "rocky" | "almalinux" | "centos" | "ol", _) if major == "9" => pick(6, 2, why),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    if etc.join("php/8.2").is_dir() {
        return pick(7, 0, "the package of Debian 12, whose PHP is 8.2 (etc/php/8.2/)".into());
    }
    None
}

/// Directives whose load-time check looks at the running machine's filesystem.
fn depends_on_machine(directive: &str) -> bool {
    matches!(directive, "dir" | "logfile" | "loadmodule" | "aclfile" | "unixsocket" | "pidfile")
}

/// The model file of an included path, reading it in when discovery did not find it.
fn file_for(model: &mut Model, loader: &Loader, named: &Path, top: &Path, top_id: usize) -> FileId {
    if named == top {
        return FileId(top_id);
    }
    let physical = loader.physical_of(named);
    if let Some(id) = model.file_id(&physical).or_else(|| model.file_id(named)) {
        return id;
    }
    // The loader read it already, through the same confinement and under the same root (an
    // absolute symlink leads below it); a refusal is the loader's error, reported there.
    let bytes = model.confinement.read_in(&physical, loader.root.as_deref()).unwrap_or_default();
    let (file, _) = parse_file(Source::new(physical.clone(), bytes), Role::RedisConf);
    model.add_file(file)
}

/// The name of the file `path` is a sesslint 0.1.0 backup of (`NAME.sesslint-STAMP.bak`,
/// STAMP `YYYYMMDDTHHMMSSZ`, kept beside NAME), or `None`.
fn old_backup_of(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let (original, stamp) = name.strip_suffix(".bak")?.rsplit_once(".sesslint-")?;
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let s = stamp.as_bytes();
    let stamp_ok = s.len() >= 16
        && digits(&s[..8])
        && s[8] == b'T'
        && digits(&s[9..15])
        && s[15] == b'Z'
        && (s.len() == 16 || (s[16] == b'-' && digits(&s[17..])));
    (stamp_ok && !original.is_empty()).then(|| original.to_owned())
}
