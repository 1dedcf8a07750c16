//! Walking the trees we are asked to check: which files decide where PHP sessions go, and
//! which must be left alone (FIFOs, sockets, devices, huge files, vendored code).

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// Files larger than this are reported (SL002), never read.
pub use crate::confine::MAX_FILE_SIZE;
use crate::confine::{Confinement, Refusal, ResolvedDirs};
use crate::syntax::ConfByName;

mod unneeded;
pub use unneeded::leave_out_for_staged;

/// What a file is to sesslint, decided by its path (and, for a few, its content).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// `php.ini` (or `php-<sapi>.ini`) of one SAPI or of all of them.
    PhpIni,
    /// `*.ini` in a scan directory (`conf.d/`, `php.d/`).
    PhpScanIni,
    /// An ini file that PHP does not load by itself (`mods-available/`, `php.ini-production`).
    PhpIniTemplate,
    /// `php-fpm.conf`.
    FpmMain,
    /// A pool file (`pool.d/*.conf`, `php-fpm.d/*.conf`).
    FpmPool,
    /// `redis.conf`, `redis-*.conf`, `redis/*.conf`, `valkey.conf`.
    RedisConf,
    /// A Redis ACL file (`aclfile`): `users.acl`, `*.acl` in a redis/valkey directory.
    RedisAcl,
    /// Magento's `app/etc/env.php`.
    MagentoEnv,
    /// An stunnel configuration.
    Stunnel,
    /// A systemd unit or defaults file that starts spiped.
    Spiped,
    /// A PeerVPN configuration.
    PeerVpn,
    /// An Apache httpd file whose `php_value`/`php_admin_value` lines mod_php reads:
    /// `httpd.conf`, `apache2.conf` and `*.conf` in the directories the distributions'
    /// main config includes (`conf.d/`, `conf.modules.d/`, `conf-enabled/`,
    /// `sites-enabled/`, `mods-enabled/`) of an `httpd/` or `apache2/` tree.
    ApacheConf,
    /// A `.user.ini` (php-fpm and CGI read it for scripts in its directory and below).
    UserIni,
}

impl Role {
    /// Where this kind of file has comments (for `sesslint: ignore`).
    pub fn comment_style(self) -> crate::syntax::suppression::CommentStyle {
        use crate::syntax::suppression::CommentStyle;
        match self {
            Role::RedisConf => CommentStyle::RedisConf,
            Role::RedisAcl => CommentStyle::None,
            Role::MagentoEnv => CommentStyle::Php,
            Role::Stunnel | Role::PeerVpn | Role::Spiped => CommentStyle::Tunnel,
            Role::PhpIni | Role::PhpScanIni | Role::PhpIniTemplate | Role::FpmMain | Role::FpmPool | Role::UserIni => {
                CommentStyle::Ini
            }
            // As in redis.conf: `#` starts a comment only first on a line.
            Role::ApacheConf => CommentStyle::RedisConf,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PhpIni => "php.ini",
            Role::PhpScanIni => "php scan-dir ini",
            Role::PhpIniTemplate => "php ini template",
            Role::FpmMain => "php-fpm.conf",
            Role::FpmPool => "php-fpm pool",
            Role::RedisConf => "redis.conf",
            Role::RedisAcl => "redis ACL file",
            Role::MagentoEnv => "magento env.php",
            Role::Stunnel => "stunnel",
            Role::Spiped => "spiped",
            Role::PeerVpn => "peervpn",
            Role::ApacheConf => "apache config",
            Role::UserIni => ".user.ini",
        }
    }
}

/// A file found under one of the given paths.
#[derive(Clone, Debug)]
pub struct Found {
    /// Where it is in the tree (what reports show).
    pub path: PathBuf,
    /// What to read: differs from `path` for a symlink whose absolute target is resolved
    /// below the root (`/etc/php/8.2/mods-available/x.ini` in a copied tree).
    pub read_from: PathBuf,
    pub role: Role,
    /// Its size in bytes when discovery looked at it (at most [`MAX_FILE_SIZE`]): what the
    /// build's budget of bytes parsed counts before reading (`model::build`'s `ParseBudget`).
    pub size: u64,
    /// The file discovery's confinement check resolved and `lstat`ed, when it did: the read
    /// opens that one and takes it when it is still the same file
    /// ([`Confinement::read_checked_in`]), without resolving the path again.
    pub checked: Option<crate::confine::Checked>,
    /// Where the walk met it when `path` is spelled through a directory symlink that the
    /// tree's machine resolves below the root to another directory than this machine does
    /// (`etc/php/8.2/fpm -> /opt/fpmconf`: `opt/fpmconf/php.ini`); it is the same file as
    /// the one met there. `None`: met at `path`.
    pub met_at: Option<PathBuf>,
}

/// A path we were given or found but could not read.
#[derive(Clone, Debug)]
pub struct Unreadable {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Clone, Debug, Default)]
pub struct Discovery {
    pub files: Vec<Found>,
    pub unreadable: Vec<Unreadable>,
    /// Where absolute paths inside configs are resolved (`--root`; `/` when `/` is named;
    /// the tree a scanned path is in, [`tree_top`]; else `/`).
    pub root: PathBuf,
    /// Said in verbose output: how the root was chosen.
    pub root_reason: String,
    /// What may be read: the root and the checked paths (see [`Confinement`]), with the
    /// directories the walk resolved ([`Confinement::for_one_pass`]; a model keeps it
    /// [`Confinement::without_pass`]).
    pub confinement: Confinement,
    /// When a checked path is the machine's root (`sesslint /`, `--root DIR DIR`): what was
    /// walked below it and what was left out ([`crate::machine_scope::plan`]).
    pub scope: Option<crate::machine_scope::Scope>,
}

/// Directories that hold code or caches, never the configuration we look for (`.sesslint`:
/// the backups of `--fix` and `migrate --apply`).
const SKIPPED_DIRS: &[&str] = &[".git", ".sesslint", "node_modules", "vendor", "generated", ".hg", ".svn", "target"];

/// Find the configuration files under `paths`. A path that is itself a file is taken
/// whatever its name (with its role guessed from the name and content).
pub fn discover(paths: &[PathBuf], root: Option<&Path>) -> Discovery {
    discover_in(paths, root, None)
}

/// [`discover`] in a fleet: `fleet` is the directory whose children are host trees, and a
/// symlink's absolute target resolves in its own host's tree (`web/etc/php/8.2/fpm/conf.d/x.ini
/// -> /etc/php/8.2/mods-available/x.ini` reads `web/etc/php/8.2/mods-available/x.ini`),
/// never in the fleet directory nor on this machine.
pub fn discover_in(paths: &[PathBuf], root: Option<&Path>, fleet: Option<&Path>) -> Discovery {
    discover_observed(paths, root, fleet, &|_| {})
}

/// [`discover_in`], calling `on_walk(n)` as it goes with `n` the directory entries looked
/// at so far (a whole machine holds hundreds of thousands), from any thread (a fleet's
/// hosts are walked over the threads).
pub fn discover_observed(
    paths: &[PathBuf],
    root: Option<&Path>,
    fleet: Option<&Path>,
    on_walk: &(dyn Fn(usize) + Sync),
) -> Discovery {
    let mut d = Discovery::default();
    let mut own_configuration = false;
    match root {
        Some(r) => {
            // `/tmp/d1/.` and `d1/../d1` are shown and compared as `/tmp/d1` and `d1`.
            d.root = same_spelling_as(&crate::confine::lexical_clean(r), paths);
            d.root_reason = format!("--root {}", crate::source::display_path(r));
        }
        None => {
            // Naming `/` names this machine: it is the root whatever else is named (a
            // copied tree named beside it must not make `/` a directory below that copy).
            let machine = paths.iter().any(|p| crate::confine::lexical_clean(p) == Path::new("/"));
            // Naming this machine's own configuration (`/etc`, `/usr/local/etc/php`) is
            // naming this machine, as `/` is.
            own_configuration = !machine && paths.iter().any(|p| crate::machine_scope::is_machine_configuration(p));
            // A copy of a machine's tree (`image/etc/...`), named at its top, at its `etc/`
            // or below (see [`tree_top`]).
            let top = if machine || own_configuration {
                None
            } else {
                paths.iter().filter(|p| !p.as_os_str().is_empty()).find_map(|p| Some((p, tree_top(p)?)))
            };
            match top {
                Some((p, top)) => {
                    let shown = |p: &Path| crate::source::display_path(p);
                    d.root_reason = if crate::confine::lexical_clean(p) == top {
                        format!("{} has an etc/ directory at its top", shown(&top))
                    } else {
                        format!("{} has an etc/ directory at its top, and {} is in that tree", shown(&top), shown(p))
                    };
                    d.root = top;
                }
                None => {
                    d.root = PathBuf::from("/");
                    d.root_reason = if machine {
                        "/ is this machine: its configs are checked where they live".into()
                    } else if own_configuration {
                        "a checked path is this machine's own configuration, an etc/ of /, /usr/local or /opt/*: \
                         its configs are checked where they live, links followed as its programs follow them"
                            .into()
                    } else {
                        "no --root, and no etc/ at the top of a scanned directory or of one above it in its project"
                            .into()
                    };
                }
            }
        }
    }
    // Each directory holding a file is resolved once for the whole walk, and the build
    // that reads the files goes on with the same directories (`Confinement::for_one_pass`).
    let confinement = if own_configuration {
        // As `--root /`: a link in /etc is read where this machine's programs read it
        // (`/usr/...`), not refused as leading out of the checked paths.
        Confinement::new(Path::new("/"), paths)
    } else if root.is_none() && d.root == Path::new("/") {
        Confinement::for_detected_root(paths)
    } else {
        Confinement::new(&d.root, paths)
    }
    .for_one_pass();
    // Counted over the threads a fleet's hosts are walked on.
    let looked_at = std::sync::atomic::AtomicUsize::new(0);
    let on_entry = || {
        let n = looked_at.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if n.is_multiple_of(64) {
            on_walk(n);
        }
    };
    let own_dirs = ResolvedDirs::new();
    let dirs = confinement.pass_dirs().unwrap_or(&own_dirs);
    for path in paths {
        let root = d.root.clone();
        // `sesslint /`, or `--root DIR DIR` on a copy of a machine (`etc/` and `usr/` at its
        // top): the machine itself, walked where its programs read configuration; a
        // directory named below it is walked whole, and so is a tree that is no machine
        // (the contents of an /etc given as its own root).
        let machine_copy =
            d.root_reason.starts_with("--root") && root.join("etc").is_dir() && root.join("usr").is_dir();
        let whole_machine = fleet.is_none()
            && (root == Path::new("/") || machine_copy)
            && crate::confine::lexical_absolute(path) == crate::confine::lexical_absolute(&root);
        if whole_machine {
            let scope = crate::machine_scope::plan(path);
            for w in &scope.walked {
                walk(&w.path, &root, fleet, (&confinement, dirs), &mut d, !w.recursive, &on_entry);
            }
            d.scope = Some(scope);
        } else {
            walk(path, &root, fleet, (&confinement, dirs), &mut d, false, &on_entry);
        }
    }
    on_walk(looked_at.into_inner());
    // `./etc/x` (walking `.`), `etc/x` (walking `etc`), `$PWD/etc/x` and `link/x` (`link`
    // a symlink to `etc`) are one directory entry, read once: the key is the entry's
    // directory as the walk resolved it (cached per directory) joined with its name, else
    // the path made absolute against the current directory asked once. A symlinked *file*
    // keeps its own entry: `conf.d/20-redis.ini` is not `mods-available/redis.ini`.
    let cwd = crate::confine::current_dir();
    let key = |p: &Path| {
        let entry = p.parent().zip(p.file_name()).and_then(|(dir, name)| {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            dirs.resolve_dir(dir).map(|d| d.join(name))
        });
        entry.unwrap_or_else(|| match &cwd {
            Some(c) if p.is_relative() => crate::confine::lexical_absolute(&c.join(p)),
            _ => crate::confine::lexical_absolute(p),
        })
    };
    let mut keyed: Vec<(PathBuf, Found)> =
        std::mem::take(&mut d.files).into_iter().map(|f| (key(f.met_at.as_ref().unwrap_or(&f.path)), f)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.dedup_by(|a, b| a.0 == b.0);
    d.files = keyed.into_iter().map(|(_, f)| f).collect();
    // Walking `.` meets `./etc/x`: it is kept as `etc/x`, the one spelling a config's
    // `include /etc/x` below the root `.` also gets ([`crate::confine::under_root`]), so
    // the two are one file. Done after the keys above, which find `./etc` among the
    // directories the walk resolved. A fleet's hosts are named below the fleet as given.
    if fleet.is_none() {
        for f in &mut d.files {
            if let Ok(rest) = f.path.strip_prefix(".") {
                if !rest.as_os_str().is_empty() {
                    f.path = rest.to_path_buf();
                }
            }
        }
    }
    d.confinement = confinement;
    d
}

/// The top of the copied tree `path` is part of, when no `--root` says where it is: `path`
/// itself when it is a directory with an `etc/` directory at its top, else the nearest of its
/// ancestors that has one (naming a tree's `etc/`, `etc/redis` or one of its files is
/// naming the tree, as naming the tree's top is). Spelled as `path` is: below a relative
/// `path` as written, above it as `.`, `..`, `../..` (so a run from inside the tree still
/// shows relative paths); no `..` is resolved through a symlink.
///
/// The walk up stops after a project's top (a directory holding `.git` or `sesslint.toml`:
/// a repository's trees are inside it) and at this machine's own configuration (an `etc/`
/// whose directory [`crate::machine_scope::is_machine_prefix`] says is `/`, `/usr/local`,
/// `/opt/*`, ...: `/etc/redis` and `/usr/local/etc/php/php.ini` are this machine's, whose
/// root is `/`). Magento's `app/etc` ([`magento_app`]) is never a tree's `etc/`. `None`:
/// no tree; the root is `/`. Cost: up to three `stat`s per directory walked up, and one
/// `realpath` for the directory found.
pub fn tree_top(path: &Path) -> Option<PathBuf> {
    let clean = crate::confine::lexical_clean(path);
    let mut at = if clean.is_dir() { clean } else { spelled_parent(&clean)? };
    loop {
        if at.join("etc").is_dir() && !magento_app(&at) {
            let real = crate::confine::realpath(&at).ok()?;
            return (!crate::machine_scope::is_machine_prefix(&real)).then_some(at);
        }
        if at.join(".git").exists() || at.join("sesslint.toml").is_file() {
            return None;
        }
        // `/` (and `..` as far up as it goes) has been asked: nothing above it.
        crate::confine::lexical_absolute(&at).parent()?;
        at = spelled_parent(&at)?;
    }
}

/// The directory above `p` spelled as `p` is: its parent as written, `.` for a relative
/// name, `..` above `.`, `../..` above `..`; `None` above `/`.
pub(crate) fn spelled_parent(p: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let only_up = p.components().all(|c| matches!(c, Component::ParentDir | Component::CurDir));
    if p.is_relative() && only_up {
        let ups = p.components().filter(|c| *c == Component::ParentDir).count();
        return Some((0..=ups).map(|_| "..").collect());
    }
    match p.parent() {
        Some(q) if q.as_os_str().is_empty() => Some(PathBuf::from(".")),
        q => q.map(Path::to_path_buf),
    }
}

/// Whether `dir/etc` is Magento's `app/etc` (`dir` is named `app` and its `etc/` holds
/// `env.php`, `config.php` or `di.xml`, the files Magento keeps there), never the `etc/` of
/// a machine's tree: a Magento checkout is neither a tree's top nor a fleet's host.
pub fn magento_app(dir: &Path) -> bool {
    let etc = dir.join("etc");
    // `.` and `..` are named by where they lead.
    let named_app = match dir.file_name() {
        Some(n) => n == "app",
        None => crate::confine::realpath(dir).ok().is_some_and(|r| r.file_name().is_some_and(|n| n == "app")),
    };
    named_app && ["env.php", "config.php", "di.xml"].iter().any(|f| etc.join(f).is_file())
}

/// The root spelled as the checked paths are (absolute, or relative to the current
/// directory), so that a file found by walking and the same file reached from a config
/// below the root (`include /etc/redis/redis.conf`) are one path, not two.
fn same_spelling_as(root: &Path, paths: &[PathBuf]) -> PathBuf {
    let relative = !paths.is_empty() && paths.iter().all(|p| p.is_relative());
    match (root.is_absolute(), relative) {
        (true, true) => {
            let cwd = crate::confine::current_dir().map(crate::confine::lexical_absolute);
            match cwd.and_then(|c| root.strip_prefix(c).ok().map(Path::to_path_buf)) {
                Some(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
                Some(rel) => rel,
                None => root.to_path_buf(),
            }
        }
        (false, false) => crate::confine::lexical_absolute(root),
        _ => root.to_path_buf(),
    }
}

/// Where the walked symlink `link` leads on the machine whose tree is `root`, as that
/// machine's kernel resolves it ([`crate::confine::resolve_under_root`]: a link among the
/// target's directories followed too, absolute targets below `root`, `..` never above it).
/// In the usual case (Debian's `conf.d/20-redis.ini -> ../../mods-available/redis.ini`) in
/// two `readlink`s, as before: one link whose directory and target's directory are reached
/// without a link (their real paths, from the walk's `dirs`, are `root`'s joined with them),
/// so its `..` is the parent as written and nothing else is followed.
fn resolve_under_root(link: &Path, root: &Path, dirs: &ResolvedDirs) -> PathBuf {
    resolve_under_root_lstated(link, root, dirs).0
}

/// [`resolve_under_root`], with the `lstat` of where it leads when a one-hop target was
/// looked at to see that it is no further link (no symlink there; `None` otherwise): the
/// walk checks and reads the target with it instead of asking again.
fn resolve_under_root_lstated(link: &Path, root: &Path, dirs: &ResolvedDirs) -> (PathBuf, Option<std::fs::Metadata>) {
    let root_real = std::cell::OnceCell::new();
    let plain = |d: &Path| -> Option<()> {
        let rel = match root.as_os_str() == "." {
            true => d,
            false => d.strip_prefix(root).ok()?,
        };
        // Below `root` as written (`./etc` walking `.`), no `..`.
        let mut below = PathBuf::new();
        for c in rel.components() {
            match c {
                std::path::Component::Normal(n) => below.push(n),
                std::path::Component::CurDir => {}
                _ => return None,
            }
        }
        let d = if d.as_os_str().is_empty() { Path::new(".") } else { d };
        let root_real = root_real.get_or_init(|| dirs.resolve_dir(root)).as_ref()?;
        (dirs.resolve_dir(d)?.strip_prefix(root_real).ok()? == below).then_some(())
    };
    let one_hop = || -> Option<(PathBuf, Option<std::fs::Metadata>)> {
        let target = std::fs::read_link(link).ok()?;
        let dir = link.parent()?;
        let cleaned = match target.is_absolute() {
            true => crate::confine::lexical_clean(&crate::confine::under_root(root, &target)),
            false => {
                plain(dir)?;
                // `..` is the parent as written (no link on the way); spelled as the walk
                // spells `dir`, so the read resolves it from the walk's directories.
                let mut p = dir.to_path_buf();
                for c in target.components() {
                    match c {
                        std::path::Component::ParentDir => p.pop().then_some(())?,
                        std::path::Component::Normal(n) => p.push(n),
                        _ => {}
                    }
                }
                p
            }
        };
        plain(cleaned.parent()?)?;
        // No further link: one `lstat` (kept for the caller), as a `readlink` would say.
        match std::fs::symlink_metadata(&cleaned) {
            Ok(m) if m.file_type().is_symlink() => None,
            Ok(m) => Some((cleaned, Some(m))),
            Err(_) => Some((cleaned, None)),
        }
    };
    one_hop().unwrap_or_else(|| {
        // A relative target climbing out of the tree as written is left so: in a fleet it
        // is said to lead out of its host's tree, rather than clamped at the host's `/`.
        let followed = crate::confine::follow_links_under(link, root);
        match crate::confine::relative_to_root(&crate::confine::lexical_clean(&followed), root) {
            Some(_) => (crate::confine::resolve_under_root(link, root), None),
            None => (followed, None),
        }
    })
}

/// The root a path's absolute symlink targets resolve under: in a fleet, its host's tree
/// (the fleet directory's child that holds it), else `root`. Constant time in the hosts.
fn root_for(path: &Path, root: &Path, fleet: Option<&Path>) -> PathBuf {
    let host = fleet.and_then(|f| {
        let mut rel = path.strip_prefix(f).ok()?.components();
        let first = rel.next()?;
        // A file directly in the fleet directory belongs to no host.
        rel.next()?;
        Some(f.join(first))
    });
    host.unwrap_or_else(|| root.to_path_buf())
}

/// Whether `target` (what a symlink of the host tree `host_root` leads to) stays in that
/// host's tree: a host's link into another host's tree reads a file that machine never sees.
fn stays_in_host(target: &Path, host_root: &Path, dirs: &ResolvedDirs) -> bool {
    // The host's directory from the walk's resolutions (no `lstat` per link met).
    match (dirs.canonicalize(target), dirs.resolve_dir(host_root)) {
        (Ok((t, _)), Some(h)) => t.starts_with(h),
        _ => true, // not found: said elsewhere
    }
}

/// What a walk found, in the order it met it: files to read, paths it could not read, and
/// directories it refused to enter (listed after the rest, at most [`MAX_REFUSED_LINKS`]).
#[derive(Default)]
struct Walked {
    files: Vec<Found>,
    unreadable: Vec<Unreadable>,
    refused: Vec<Unreadable>,
}

/// One walk's settings: what every entry is judged against.
struct Walk<'a> {
    /// The directory (or file) named: errors about it are always said.
    top: &'a Path,
    root: &'a Path,
    fleet: Option<&'a Path>,
    confinement: &'a Confinement,
    dirs: &'a ResolvedDirs,
    /// `top` is a file, taken whatever its name.
    given_file: bool,
    /// Directory symlinks walked below the root so far, per host root ([`MAX_RELINKED_DIRS`];
    /// a host's tree is walked on one thread, in order, so the bound cuts at the same link
    /// whatever the threads).
    relinked: std::sync::Mutex<std::collections::HashMap<PathBuf, usize>>,
}

/// Directory symlinks resolved below the root to another directory than this machine's
/// (walked by [`Walk::relinked_dir`]) one walk enters at most in a host's tree: a tree of links to links
/// (each directory two links to the next) would otherwise be walked 2^depth times.
const MAX_RELINKED_DIRS: usize = 256;

/// Walk `top` (only the files directly in it when `shallow`), calling `on_entry` per entry.
/// A fleet directory's hosts are walked over the threads ([`Walk::hosts_over_threads`]);
/// what is found is the same, in the same order, as one walk finds.
fn walk(
    top: &Path,
    root: &Path,
    fleet: Option<&Path>,
    (confinement, dirs): (&Confinement, &ResolvedDirs),
    d: &mut Discovery,
    shallow: bool,
    on_entry: &(dyn Fn() + Sync),
) {
    let given_file = std::fs::metadata(top).map(|m| !m.is_dir()).unwrap_or(false);
    let w = Walk { top, root, fleet, confinement, dirs, given_file, relinked: Default::default() };
    let mut out = Walked::default();
    if !shallow && fleet == Some(top) && !given_file {
        w.hosts_over_threads(&mut out, on_entry);
    } else {
        w.entries(top, 0, if shallow { 1 } else { usize::MAX }, &mut out, on_entry, &mut |_, _| {}, &[]);
    }
    d.files.extend(out.files);
    d.unreadable.extend(out.unreadable);
    // One note per refused link up to a bound: a tree of a thousand links out of it (a
    // hostile checkout, a mirror of /home) says so in one more line, not a thousand.
    let mut refused = out.refused;
    if refused.len() > MAX_REFUSED_LINKS {
        let more = refused.len() - MAX_REFUSED_LINKS;
        refused.truncate(MAX_REFUSED_LINKS);
        let reason = format!(
            "{more} more director{} below it lead out of the checked tree, to nothing in it or to where sesslint does not go; not entered (at most {MAX_REFUSED_LINKS} are listed)",
            if more == 1 { "y" } else { "ies" }
        );
        refused.push(Unreadable { path: top.to_path_buf(), reason });
    }
    d.unreadable.extend(refused);
}

impl Walk<'_> {
    /// A fleet directory walked as one walk would, each host's tree on one of the threads
    /// (a host's walk is independent of the others'): the fleet directory's own entries
    /// first (one level), then below each host directory met, from that directory down;
    /// the parts put back in the walk's order. walkdir takes a link to a directory the walk
    /// is in for a loop, with the directories above the walk's start counted in, so a
    /// host's walk meets the loops the whole walk meets; a host directory that is a symlink
    /// would have other directories above it, and the fleet is then walked in one.
    fn hosts_over_threads(&self, out: &mut Walked, on_entry: &(dyn Fn() + Sync)) {
        // (host directory, the lengths of `out`'s lists when it was met).
        let mut hosts: Vec<(PathBuf, [usize; 3])> = Vec::new();
        let mut linked_host = false;
        self.entries(
            self.top,
            0,
            1,
            out,
            on_entry,
            &mut |e, out| {
                linked_host |= e.path_is_symlink();
                hosts.push((e.path().to_path_buf(), [out.files.len(), out.unreadable.len(), out.refused.len()]));
            },
            &[],
        );
        if linked_host {
            *out = Walked::default();
            self.entries(self.top, 0, usize::MAX, out, on_entry, &mut |_, _| {}, &[]);
            return;
        }
        let below = crate::parallel::map(&hosts, 1, |(dir, _)| {
            let mut part = Walked::default();
            self.entries(dir, 1, usize::MAX, &mut part, on_entry, &mut |_, _| {}, &[]);
            part
        });
        // Splice each host's part in where its directory was met.
        let top = std::mem::take(out);
        let (mut files, mut unreadable, mut refused) =
            (top.files.into_iter(), top.unreadable.into_iter(), top.refused.into_iter());
        let mut taken = [0usize; 3];
        for ((_, at), part) in hosts.iter().zip(below) {
            out.files.extend(files.by_ref().take(at[0] - taken[0]));
            out.unreadable.extend(unreadable.by_ref().take(at[1] - taken[1]));
            out.refused.extend(refused.by_ref().take(at[2] - taken[2]));
            taken = *at;
            out.files.extend(part.files);
            out.unreadable.extend(part.unreadable);
            out.refused.extend(part.refused);
        }
        out.files.extend(files);
        out.unreadable.extend(unreadable);
        out.refused.extend(refused);
    }

    /// Walk `from` (at `depth` below the walk's top; the entries below it only when `depth`
    /// is 1, a host's part of a fleet walk) down to `max_depth` levels below `from`, adding
    /// what it finds to `out`; `on_dir(entry, out)` for each directory entered below `from`
    /// when `max_depth` is 1. `chain`: the real directories of the directory symlinks
    /// resolved below the root that led here ([`Walk::relinked_dir`]), with their links'.
    #[allow(clippy::too_many_arguments)]
    fn entries(
        &self,
        from: &Path,
        depth: usize,
        max_depth: usize,
        out: &mut Walked,
        on_entry: &(dyn Fn() + Sync),
        on_dir: &mut dyn FnMut(&walkdir::DirEntry, &Walked),
        chain: &[PathBuf],
    ) {
        let (top, root, fleet, confinement, dirs) = (self.top, self.root, self.fleet, self.confinement, self.dirs);
        let rooted = root != Path::new("/");
        let is_link = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
        let given_file = self.given_file;
        // Directories never entered: pseudo filesystems (/proc, /sys, /dev, cgroup, ...) by
        // their device, and symlinks that lead out of the checked tree.
        let refused = std::cell::RefCell::new(std::mem::take(&mut out.refused));
        // Directory symlinks the tree's machine resolves elsewhere than this one (an absolute
        // target, `/opt/fpmconf`, below the root): (link, where it leads below the root),
        // walked where they were met, not followed by walkdir.
        // (link, its depth below `from`, where it leads below the root).
        let relinked: std::cell::RefCell<Vec<(PathBuf, usize, PathBuf)>> = Default::default();
        // `None`: followed as this machine follows it; `Some(None)`: below the root it leads
        // to no directory; `Some(Some(target))`: to `target`, another directory.
        let relink = |link: &Path, at_depth: usize| -> Option<Option<PathBuf>> {
            // A fleet's host directory (its root) is no link of a host's tree.
            if !rooted || at_depth >= max_depth || (fleet.is_some() && at_depth + depth < 2) {
                return None;
            }
            let target = resolve_under_root(link, &root_for(link, root, fleet), dirs);
            // Climbing out of the checked tree as written: the tree's kernel stops at its
            // `/`, where nothing of this machine is, whatever this machine has there.
            let escapes = crate::confine::relative_to_root(&crate::confine::lexical_clean(&target), root).is_none();
            if escapes || !std::fs::metadata(&target).is_ok_and(|m| m.is_dir()) {
                return Some(None);
            }
            match dirs.resolve_dir(&target) {
                Some(under) if dirs.resolve_dir(link).as_ref() != Some(&under) => Some(Some(target)),
                Some(_) => None,
                None => Some(None),
            }
        };
        let walker = WalkDir::new(from)
            .follow_links(true)
            .min_depth(depth.min(1))
            .max_depth(max_depth)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if !e.file_type().is_dir() {
                    return true;
                }
                let at = e.depth() + depth;
                if at > 0 && SKIPPED_DIRS.iter().any(|s| e.file_name() == *s) {
                    return false;
                }
                if e.depth() > 0 && e.path_is_symlink() {
                    match relink(e.path(), e.depth()) {
                        None => {}
                        // Nothing there below the root; a link this machine resolves out of
                        // the checked tree is still said to (below), never entered.
                        // Nothing there below the root: said as a file link is when the
                        // directory would hold configuration, whatever this machine has there.
                        Some(None) => {
                            if may_hold_configuration(e.path()) {
                                let reason = link_to_nothing(e.path(), root_for(e.path(), root, fleet).as_path());
                                refused.borrow_mut().push(Unreadable { path: e.path().to_path_buf(), reason });
                            }
                            return false;
                        }
                        Some(Some(target)) => {
                            relinked.borrow_mut().push((e.path().to_path_buf(), e.depth(), target));
                            return false;
                        }
                    }
                }
                // A plain directory below one entered is on its parent's filesystem unless it
                // is a mount point: only then (or for a link, or the top) is it `stat`ed.
                // plain_dir_is_pseudo notes the directory as note_plain_dir (below) would.
                let mut noted = false;
                let pseudo = crate::confine::is_pseudo_dir(e.path())
                    || if e.depth() > 0 && !e.path_is_symlink() {
                        noted = true;
                        dirs.plain_dir_is_pseudo(e.path(), confinement)
                    } else {
                        e.metadata().is_ok_and(|m| confinement.is_pseudo_dev(&m))
                    };
                if pseudo && at > 0 {
                    return false; // `sesslint /`: /proc and /sys are not configuration, nothing to say
                }
                if at == 0 || e.path_is_symlink() || pseudo {
                    match confinement.may_enter(e.path()) {
                        // The files below resolve from their directory's resolution.
                        Ok(()) if e.depth() == 0 => {
                            dirs.resolve_dir(e.path());
                        }
                        Ok(()) => {}
                        // A link into /dev or /proc found on the way (`/var/run/shm`): nothing to say.
                        Err(Refusal::Pseudo { .. }) if at > 0 => return false,
                        Err(why) => {
                            refused
                                .borrow_mut()
                                .push(Unreadable { path: e.path().to_path_buf(), reason: why.to_string() });
                            return false;
                        }
                    }
                }
                if !e.path_is_symlink() && !noted {
                    // `readdir` said it is a directory, no link: known from its parent's.
                    dirs.note_plain_dir(e.path());
                }
                true
            });
        for entry in walker {
            for (link, at, target) in std::mem::take(&mut *relinked.borrow_mut()) {
                self.relinked_dir(&link, &target, (depth, at, max_depth), out, &refused, on_entry, chain);
            }
            on_entry();
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    // A symlink loop is walkdir's way of telling us it already went there.
                    // Other errors matter only for files we would have read (or the top itself).
                    let path = err.path().map(Path::to_path_buf).unwrap_or_else(|| top.to_path_buf());
                    // A link that dangles on this machine may well resolve below the root.
                    if err.depth() > 0 && is_link(&path) {
                        if let Some(Some(target)) = relink(&path, err.depth()) {
                            let at = (depth, err.depth(), max_depth);
                            self.relinked_dir(&path, &target, at, out, &refused, on_entry, chain);
                            continue;
                        }
                    }
                    if rooted && is_link(&path) {
                        let host_root = root_for(&path, root, fleet);
                        let target = resolve_under_root(&path, &host_root, self.dirs);
                        if let (Some(role), true, true) = (
                            classify(&path),
                            target.is_file(),
                            fleet.is_none() || stays_in_host(&target, &host_root, dirs),
                        ) {
                            let size = std::fs::metadata(&target).map_or(0, |m| m.len());
                            out.files.push(Found { path, read_from: target, role, size, checked: None, met_at: None });
                            continue;
                        }
                    }
                    // A link this machine has nothing at, leading out of the checked trees:
                    // refused in the words a link to a file or directory that is there gets,
                    // so what this machine holds outside the tree is never told.
                    if !rooted
                        && err.depth() > 0
                        && is_link(&path)
                        && (classify(&path).is_some() || may_hold_configuration(&path))
                    {
                        if let Err(why @ (Refusal::Outside { .. } | Refusal::Pseudo { .. })) =
                            confinement.resolve(&path)
                        {
                            refused.borrow_mut().push(Unreadable { path, reason: why.to_string() });
                            continue;
                        }
                    }
                    // A directory link dangling or looping (php-fpm fails there on ENOENT
                    // or ELOOP): the directory is not read, said as a file link is.
                    if err.depth() > 0
                        && err.loop_ancestor().is_none()
                        && is_link(&path)
                        && classify(&path).is_none()
                        && may_hold_configuration(&path)
                        && (!rooted || {
                            // Below the root: neither a directory nor a file there (a file
                            // link, `conf.d/auth.conf`, is read by the include naming it).
                            let host_root = root_for(&path, root, fleet);
                            relink(&path, err.depth()) == Some(None)
                                && !resolve_under_root(&path, &host_root, dirs).is_file()
                        })
                    {
                        let reason = link_to_nothing(&path, root_for(&path, root, fleet).as_path());
                        refused.borrow_mut().push(Unreadable { path, reason });
                        continue;
                    }
                    // A directory that cannot be listed matters where a file sesslint reads
                    // could be in it (`/etc/redis`, a web root), not `/etc/ssl/private`.
                    let unreadable_dir =
                        err.io_error().is_some_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
                            && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir())
                            && may_hold_what_is_read(&path);
                    if err.loop_ancestor().is_none() && (path == top || unreadable_dir || classify(&path).is_some()) {
                        let dangling = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
                        // Below the root the link may reach a FIFO or device: say so, never open it.
                        let special = || {
                            let target = resolve_under_root(&path, &root_for(&path, root, fleet), self.dirs);
                            std::fs::metadata(target).is_ok_and(|m| !m.is_file() && !m.is_dir())
                        };
                        let reason = if dangling && rooted && special() {
                            Refusal::NotRegular.to_string()
                        } else if dangling && rooted {
                            // Where this machine's walk found nothing, as where it found a file
                            // the tree does not have: the same words (see below), so what this
                            // machine holds at the link's target is never told.
                            LINK_TO_NOTHING_BELOW_ROOT.to_owned()
                        } else if dangling {
                            "a symlink to nothing (PHP and redis-server skip or refuse it)".to_owned()
                        } else {
                            err.io_error().map(describe_io).unwrap_or_else(|| err.to_string())
                        };
                        out.unreadable.push(Unreadable { path, reason });
                    }
                    continue;
                }
            };
            if entry.file_type().is_dir() {
                if max_depth == 1 && entry.depth() == 1 {
                    out.refused = std::mem::take(&mut *refused.borrow_mut());
                    on_dir(&entry, out);
                    *refused.borrow_mut() = std::mem::take(&mut out.refused);
                }
                continue;
            }
            let path = entry.path();
            // Never open what is not a regular file: a FIFO would block the run.
            if !entry.file_type().is_file() {
                if given_file || classify(path).is_some() {
                    out.unreadable
                        .push(Unreadable { path: path.to_path_buf(), reason: Refusal::NotRegular.to_string() });
                }
                continue;
            }
            let role =
                if given_file { classify_by_name(path).or_else(|| guess_from_content(path)) } else { classify(path) };
            let Some(role) = role else {
                // A file link under a name nothing reads, leading where the tree has no file
                // (out of it; below a root, where the tree's machine has nothing): said as a
                // dangling one is, so what this machine holds there is never told.
                if entry.depth() > 0 && entry.path_is_symlink() && may_hold_configuration(path) {
                    let reason = if rooted {
                        let host_root = root_for(path, root, fleet);
                        (!resolve_under_root(path, &host_root, dirs).exists())
                            .then(|| link_to_nothing(path, &host_root))
                    } else {
                        match confinement.resolve(path) {
                            Err(why @ (Refusal::Outside { .. } | Refusal::Pseudo { .. })) => Some(why.to_string()),
                            _ => None,
                        }
                    };
                    if let Some(reason) = reason {
                        refused.borrow_mut().push(Unreadable { path: path.to_path_buf(), reason });
                    }
                }
                continue;
            };
            // Only a symlink needs its host's root (a fleet walks thousands of plain files).
            let host_root = || root_for(path, root, fleet);
            // A link's target is `lstat`ed once, by resolve_under_root_lstated.
            let (read_from, lstated) = if rooted && entry.path_is_symlink() {
                resolve_under_root_lstated(path, &host_root(), self.dirs)
            } else {
                (path.to_path_buf(), None)
            };
            if read_from != path {
                let target = match &lstated {
                    Some(m) => Ok(m.clone()),
                    None => std::fs::metadata(&read_from),
                };
                if !target.as_ref().is_ok_and(|m| m.is_file()) {
                    // A FIFO or device is there: never opened, and said as what it is.
                    let reason = match target {
                        Ok(_) => Refusal::NotRegular.to_string(),
                        Err(_) => LINK_TO_NOTHING_BELOW_ROOT.into(),
                    };
                    out.unreadable.push(Unreadable { path: path.to_path_buf(), reason });
                    continue;
                }
            }
            if fleet.is_some() && entry.path_is_symlink() && !stays_in_host(&read_from, &host_root(), dirs) {
                let reason = format!(
                    "a symlink out of its host's tree ({}): that host never reads it; not read",
                    crate::source::display_path(&host_root())
                );
                out.unreadable.push(Unreadable { path: path.to_path_buf(), reason });
                continue;
            }
            let resolved = match lstated {
                Some(m) => confinement.resolve_lstated_in(&read_from, m, dirs),
                None => confinement.resolve_in(&read_from, dirs),
            };
            let (meta, checked) = match resolved {
                Ok((resolved, meta)) => {
                    let checked = meta.as_ref().and_then(|m| crate::confine::Checked::new(resolved, m));
                    (meta, checked)
                }
                Err(why) => {
                    out.unreadable.push(Unreadable { path: path.to_path_buf(), reason: why.to_string() });
                    continue;
                }
            };
            match meta.map_or_else(|| std::fs::metadata(&read_from), Ok) {
                Ok(m) if m.len() > MAX_FILE_SIZE => out
                    .unreadable
                    .push(Unreadable { path: path.to_path_buf(), reason: Refusal::TooLarge(m.len()).to_string() }),
                Ok(m) => out.files.push(Found {
                    path: path.to_path_buf(),
                    read_from,
                    role,
                    size: m.len(),
                    checked,
                    met_at: None,
                }),
                Err(err) => out.unreadable.push(Unreadable { path: path.to_path_buf(), reason: describe_io(&err) }),
            }
        }
        for (link, at, target) in std::mem::take(&mut *relinked.borrow_mut()) {
            self.relinked_dir(&link, &target, (depth, at, max_depth), out, &refused, on_entry, chain);
        }
        out.refused = refused.into_inner();
    }

    /// Walk the directory symlink `link`, met `link_depth` levels below `from` of a walk at
    /// `depth`, down to `max_depth`, where the tree's machine resolves it below the root:
    /// `target` ([`resolve_under_root`]), its files spelled through `link` as that machine
    /// spells them (`etc/php/8.2/fpm/php.ini`), read from `target`. Not entered: a link to a
    /// directory on the way to it (a loop, as walkdir skips one), one out of its host's tree
    /// or refused by the confinement (said), or one past [`MAX_RELINKED_DIRS`] (said).
    #[allow(clippy::too_many_arguments)]
    fn relinked_dir(
        &self,
        link: &Path,
        target: &Path,
        (depth, link_depth, max_depth): (usize, usize, usize),
        out: &mut Walked,
        refused: &std::cell::RefCell<Vec<Unreadable>>,
        on_entry: &(dyn Fn() + Sync),
        chain: &[PathBuf],
    ) {
        let dirs = self.dirs;
        let (Some(real), Some(real_parent)) =
            (dirs.resolve_dir(target), link.parent().and_then(|p| dirs.resolve_dir(p)))
        else {
            return;
        };
        if real_parent.starts_with(&real) || chain.iter().any(|c| c.starts_with(&real)) || chain.len() >= 80 {
            return;
        }
        let say = |reason: String| refused.borrow_mut().push(Unreadable { path: link.to_path_buf(), reason });
        let host_root = root_for(link, self.root, self.fleet);
        if self.fleet.is_some() && !stays_in_host(target, &host_root, dirs) {
            return say(format!(
                "a symlink out of its host's tree ({}): that host never reads it; not entered",
                crate::source::display_path(&host_root)
            ));
        }
        if let Err(why) = self.confinement.may_enter(target) {
            return say(why.to_string());
        }
        let walked = {
            let mut counts = self.relinked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let n = counts.entry(host_root.clone()).or_insert(0);
            *n += 1;
            *n - 1
        };
        if walked >= MAX_RELINKED_DIRS {
            return say(format!(
                "more than {MAX_RELINKED_DIRS} directory symlinks below the root in one walk; not entered"
            ));
        }
        let mut chain = chain.to_vec();
        chain.extend([real_parent, real]);
        let mut part = Walked::default();
        let below = max_depth.saturating_sub(link_depth);
        self.entries(target, depth + link_depth, below, &mut part, on_entry, &mut |_, _| {}, &chain);
        let respell = |p: &Path| p.strip_prefix(target).map_or_else(|_| p.to_path_buf(), |rest| link.join(rest));
        for mut f in part.files {
            let met = std::mem::replace(&mut f.path, PathBuf::new());
            f.path = respell(&met);
            f.met_at = Some(f.met_at.take().unwrap_or(met));
            out.files.push(f);
        }
        out.unreadable.extend(part.unreadable.into_iter().map(|u| Unreadable { path: respell(&u.path), ..u }));
        refused.borrow_mut().extend(part.refused.into_iter().map(|u| Unreadable { path: respell(&u.path), ..u }));
    }
}

/// Whether a directory at `path` is one the programs read configuration from, judged by
/// its spelling only (a `php` directory or one below it, `pool.d`, `conf.d`, `redis`,
/// `apache2`, Magento's `app/etc`, ...): a symlink there leading nowhere hides files
/// PHP, php-fpm, redis-server or httpd would read, so it is said; other dangling
/// directory links of an image (`/etc/ssl/certs/...`) are not configuration, nor is what
/// [`not_configuration`] names (`/etc/alternatives/php`, a binary).
fn may_hold_configuration(path: &Path) -> bool {
    if not_configuration(path) {
        return false;
    }
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let own = name(path);
    let parent = path.parent().map(name).unwrap_or_default();
    matches!(own.as_str(), "pool.d" | "php-fpm.d" | "conf.d" | "php.d" | "mods-available")
        || (own == "etc" && parent == "app")
        || path.components().any(|c| {
            let c = c.as_os_str().to_string_lossy().to_ascii_lowercase();
            c.starts_with("php")
                || matches!(
                    c.as_str(),
                    "redis" | "valkey" | "apache2" | "httpd" | "stunnel" | "stunnel4" | "peervpn" | "spiped"
                )
        })
}

/// Whether `path`, a link with no [`Role`] of its own, is by its place or name something
/// other than configuration, whatever its spelling holds (`php`): an entry of
/// update-alternatives (`/etc/alternatives/php -> /usr/bin/php8.2`, `php.1.gz` -> a man
/// page), a systemd unit or its link (`multi-user.target.wants/php8.2-fpm.service`; the
/// spiped units sesslint reads have a role by their name), or a compressed file (a man page). A stock Debian
/// PHP host has each of these in `/etc`; none is read by PHP, php-fpm or redis-server.
fn not_configuration(path: &Path) -> bool {
    const UNIT_SUFFIXES: &[&str] =
        &[".service", ".timer", ".socket", ".target", ".path", ".mount", ".automount", ".slice", ".scope", ".swap"];
    // Below `etc/alternatives` or `etc/systemd` (this machine's or a copy's), never a web
    // root's directory of the same name.
    let in_etc = |d: &str| {
        let parts: Vec<_> = path.parent().into_iter().flat_map(Path::components).map(|c| c.as_os_str()).collect();
        parts.windows(2).any(|w| w[0] == "etc" && w[1] == d)
    };
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    // Man pages (`php.1.gz`) and other compressed files: no program here reads one.
    let compressed = [".gz", ".xz", ".bz2", ".zst"].iter().any(|s| name.ends_with(s));
    in_etc("alternatives") || in_etc("systemd") || UNIT_SUFFIXES.iter().any(|s| name.ends_with(s)) || compressed
}

/// Whether an unreadable directory at `path` may hold a file discovery would read: one
/// [`may_hold_configuration`] names, a `systemd` directory (spiped's units), or one not below
/// an `etc` directory (a web root: `.user.ini` and Magento's `app/etc/env.php` can be
/// anywhere there).
fn may_hold_what_is_read(path: &Path) -> bool {
    may_hold_configuration(path)
        || path.components().any(|c| c.as_os_str() == "systemd")
        || !path.components().any(|c| c.as_os_str() == "etc")
}

/// Why a file symlink below a root other than `/` is not read when it leads nowhere in the
/// tree.
const LINK_TO_NOTHING_BELOW_ROOT: &str = "a symlink to nothing below the root";

/// Why the directory symlink `link`, resolved below `root` as the tree's machine resolves
/// it, leads to no directory: a loop (still a link after 40 hops, the kernel's ELOOP bound)
/// or nothing. Never this machine's own resolution, so the verdict is the tree's.
fn link_to_nothing(link: &Path, root: &Path) -> String {
    let end = crate::confine::follow_links_under(link, root);
    match std::fs::symlink_metadata(&end).is_ok_and(|m| m.file_type().is_symlink()) {
        true => "a symlink loop (the programs fail there with ELOOP); not read".into(),
        false => "a symlink to nothing in the tree (the programs skip it or fail there); not read".into(),
    }
}

/// Directories refused while walking one place (symlinks out of the checked tree) listed
/// one by one; the rest are counted in one more note.
const MAX_REFUSED_LINKS: usize = 20;

/// Why the project walk of a pre-commit run (only files named) does not read `path`, a
/// file that exists: the directory discovery skips, the other program's directory, or the
/// name no program loads from where it lies. Said on stderr, so that a named file is never
/// passed over silently.
pub fn why_not_read(path: &Path) -> String {
    let path = &crate::confine::lexical_clean(path);
    let skipped = path.parent().into_iter().flat_map(Path::components).find_map(|c| {
        let c = c.as_os_str();
        SKIPPED_DIRS.iter().find(|s| c == **s)
    });
    if let Some(dir) = skipped {
        return format!("it lies below a `{dir}` directory, which holds code or caches and is not walked");
    }
    if read_by_no_program(path) {
        return "it lies in another program's directory (sysusers.d, tmpfiles.d, logrotate.d, ...) or in \
                documentation (share/doc, share/man), which PHP, php-fpm, Redis and the tunnels never load"
            .to_owned();
    }
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let parent = path.parent().and_then(Path::file_name).map(|n| n.to_string_lossy()).unwrap_or_default();
    if crate::syntax::conf_by_name(&name, &parent) == Some(ConfByName::Sentinel) {
        return "its name says it is Redis Sentinel's (redis-server reads it only as `redis-server --sentinel`), \
                which sesslint does not check; `sesslint parse --kind redis` reads it as a redis.conf"
            .to_owned();
    }
    if classify_by_name(path).is_none() {
        return "PHP, php-fpm, Redis, Magento and the tunnels load no file of this name from where it lies \
                (PHP: php.ini, php-*.ini and *.ini in a conf.d or php.d scan directory; php-fpm: php-fpm*.conf \
                and *.conf in pool.d or php-fpm.d; redis*.conf, valkey*.conf, app/etc/env.php, stunnel and \
                spiped files); `sesslint parse` reads it as the format its content shows"
            .to_owned();
    }
    "it is not below the project's directory that was walked (the one with sesslint.toml or .git)".to_owned()
}

/// A buffer checked as the file at `path` (`check --stdin-filename PATH -`), which need not
/// exist or have a name discovery picks, added to `d.files` when it lies below one of the
/// scanned `paths` (as they are spelled) and is not found already. Its role is the one its
/// name gives, else the one its content gives. What is there must be a regular file, and its
/// nearest existing ancestor must resolve inside the confinement; otherwise it is unreadable.
pub fn add_buffer(d: &mut Discovery, path: &Path, bytes: &[u8], paths: &[PathBuf]) {
    let known = d.files.iter().any(|f| f.path == path) || d.unreadable.iter().any(|u| u.path == path);
    // Below `.` is every relative path that does not climb out (`etc/x`, as walking `.`
    // spells it), not only `./etc/x`.
    let below =
        |p: &PathBuf| path.starts_with(p) || (p.as_os_str() == "." && path.is_relative() && !path.starts_with(".."));
    if known || !paths.iter().any(below) {
        return;
    }
    let refused = match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => Some(Refusal::NotRegular.to_string()),
        _ => d.confinement.resolve_new(path).err().map(|why| why.to_string()),
    };
    if let Some(reason) = refused {
        d.unreadable.push(Unreadable { path: path.to_path_buf(), reason });
        return;
    }
    // A Sentinel file by its name is read by no check, as in the walk.
    let Some(role) = classify(path).or_else(|| guess_from_head(path, &bytes[..bytes.len().min(4096)])) else {
        return;
    };
    d.files.push(Found {
        path: path.to_path_buf(),
        read_from: path.to_path_buf(),
        role,
        size: bytes.len() as u64,
        checked: None,
        met_at: None,
    });
    d.files.sort_by(|a, b| a.path.cmp(&b.path));
}

pub fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => e.to_string(),
    }
}

/// The role of a file from its path alone, `None` inside a directory none of the programs
/// reads (see [`read_by_no_program`]).
/// Names that are not UTF-8 are judged on their readable parts: PHP loads
/// `conf.d/\xff.ini` like any other `.ini`.
pub fn classify(path: &Path) -> Option<Role> {
    if read_by_no_program(path) {
        return None;
    }
    classify_by_name(path)
}

/// Directories whose `.conf` files belong to other programs or are documentation: systemd's
/// `sysusers.d`/`tmpfiles.d`/... (Debian's stunnel4 installs `/usr/lib/sysusers.d/stunnel4.conf`,
/// redis-server `/usr/lib/tmpfiles.d/redis-server.conf`: `u stunnel4 ...` lines, not stunnel's
/// `option = value`) and `/usr/share/doc` (examples no daemon loads). stunnel reads
/// `/etc/stunnel/*.conf` (Debian's init script, RHEL's `stunnel@.service`:
/// `/etc/stunnel/%i.conf`); redis-server and PHP the paths they are started with.
pub fn read_by_no_program(path: &Path) -> bool {
    const OTHER_PROGRAMS: &[&str] = &[
        "sysusers.d",
        "tmpfiles.d",
        "user-tmpfiles.d",
        "modules-load.d",
        "modprobe.d",
        "sysctl.d",
        "binfmt.d",
        "environment.d",
        "logrotate.d",
        "rsyslog.d",
        "apparmor.d",
    ];
    // Compared as bytes, without a string per component (called for every file walked).
    let mut after_share = false;
    for c in path.components() {
        let c = c.as_os_str();
        if OTHER_PROGRAMS.iter().any(|o| c == *o) || (after_share && (c == "doc" || c == "man" || c == "info")) {
            return true;
        }
        after_share = c == "share";
    }
    false
}

/// [`classify`] without the directories no program reads: for a file named on the command
/// line, which is checked wherever it lives.
fn classify_by_name(path: &Path) -> Option<Role> {
    let name = &*path.file_name()?.to_string_lossy();
    let parent = &*path.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy()).unwrap_or_default();
    let grandparent = &*path
        .parent()
        .and_then(Path::parent)
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();

    if name == "env.php" && parent == "etc" && grandparent == "app" {
        return Some(Role::MagentoEnv);
    }
    if name == ".user.ini" {
        return Some(Role::UserIni);
    }
    if apache_file(path, name, parent, grandparent) {
        return Some(Role::ApacheConf);
    }
    if name == "php.ini" || (name.starts_with("php-") && name.ends_with(".ini") && !name.contains("fpm.conf")) {
        return Some(Role::PhpIni);
    }
    if name.starts_with("php.ini-") {
        return Some(Role::PhpIniTemplate);
    }
    // PHP loads a scan-dir file only when the text after its last '.' is exactly "ini".
    if name.rsplit_once('.').is_some_and(|(_, ext)| ext == "ini") {
        return match parent {
            "conf.d" | "php.d" => Some(Role::PhpScanIni),
            "mods-available" => Some(Role::PhpIniTemplate),
            _ => None,
        };
    }
    if name == "php-fpm.conf" || (name.starts_with("php-fpm") && name.ends_with(".conf") && parent != "php-fpm.d") {
        return Some(Role::FpmMain);
    }
    if name.ends_with(".conf") && matches!(parent, "pool.d" | "php-fpm.d") {
        return Some(Role::FpmPool);
    }
    match crate::syntax::conf_by_name(name, parent) {
        Some(ConfByName::Stunnel) => return Some(Role::Stunnel),
        Some(ConfByName::PeerVpn) => return Some(Role::PeerVpn),
        Some(ConfByName::Redis) => return Some(Role::RedisConf),
        Some(ConfByName::Sentinel) | None => {}
    }
    if lower.ends_with(".acl") && (lower.starts_with("users") || matches!(parent, "redis" | "valkey")) {
        return Some(Role::RedisAcl);
    }
    if lower.contains("spiped") && (lower.ends_with(".service") || parent == "default" || lower.ends_with(".conf")) {
        return Some(Role::Spiped);
    }
    None
}

/// Whether `path` is an Apache file httpd reads as the distributions ship it: the main
/// config, or a `.conf` in a directory it includes, in an `httpd/` or `apache2/` tree
/// (RHEL `/etc/httpd/conf/httpd.conf` + `conf.d/`, Debian `/etc/apache2/apache2.conf` +
/// `*-enabled/`). `*-available/` files count only through their `*-enabled/` links.
fn apache_file(path: &Path, name: &str, parent: &str, grandparent: &str) -> bool {
    let in_tree = |dir: &str| matches!(dir, "httpd" | "apache2");
    if name == "httpd.conf" || name == "apache2.conf" {
        return in_tree(parent) || (parent == "conf" && in_tree(grandparent));
    }
    let _ = path;
    name.ends_with(".conf")
        && in_tree(grandparent)
        && matches!(parent, "conf.d" | "conf.modules.d" | "conf-enabled" | "sites-enabled" | "mods-enabled")
}

/// A file named on the command line with a name we do not know: look at its first bytes.
fn guess_from_content(path: &Path) -> Option<Role> {
    guess_from_head(path, &read_head(path))
}

/// The role of a file whose name says nothing, from its first bytes; `None` for a file
/// whose name says it is Redis Sentinel's ([`ConfByName::Sentinel`]), which nothing checks.
fn guess_from_head(path: &Path, head: &[u8]) -> Option<Role> {
    Some(match crate::syntax::FileKind::guess(path, head)? {
        crate::syntax::FileKind::Envphp => Role::MagentoEnv,
        crate::syntax::FileKind::Redis => Role::RedisConf,
        crate::syntax::FileKind::RedisAcl => Role::RedisAcl,
        crate::syntax::FileKind::Ini => {
            if head.windows(9).any(|w| w == b"php_value" || w == b"pm.max_ch")
                || head.windows(6).any(|w| w == b"listen")
            {
                Role::FpmPool
            } else {
                Role::PhpIni
            }
        }
    })
}

fn read_head(path: &Path) -> Vec<u8> {
    let mut bytes = Confinement::default().read(path).unwrap_or_default();
    bytes.truncate(4096);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fleet's hosts walked over the threads find what one walk of the fleet finds, in the
    /// same order: files, unreadable paths with their reasons, refused links and their cap,
    /// with links out of a host, into another host, dangling, looping back to the fleet
    /// directory or above it, skipped directories and files directly in the fleet directory.
    /// A host directory that is a symlink makes it one walk.
    #[test]
    fn a_fleet_walked_host_by_host_over_the_threads_is_the_fleet_walked_at_once() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().expect("tempdir");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::fs::write(outside.join("redis.conf"), "port 1\n").expect("write");
        let fleet = tmp.path().join("fleet");
        for h in 0..12 {
            let host = fleet.join(format!("h{h:02}"));
            let etc = host.join("etc");
            for d in ["php/8.2/fpm/pool.d", "php/8.2/fpm/conf.d", "php/8.2/mods-available", "redis", "vendor/redis"] {
                std::fs::create_dir_all(etc.join(d)).expect("mkdir");
            }
            std::fs::write(etc.join("php/8.2/fpm/php.ini"), "session.save_handler = files\n").expect("write");
            std::fs::write(etc.join("php/8.2/fpm/pool.d/www.conf"), "[www]\n").expect("write");
            std::fs::write(etc.join("php/8.2/mods-available/s.ini"), "x = 1\n").expect("write");
            std::fs::write(etc.join("redis/redis.conf"), "port 6379\n").expect("write");
            std::fs::write(etc.join("vendor/redis/redis.conf"), "port 2\n").expect("write");
            // Debian's absolute conf.d link, read in its own host's tree.
            symlink("/etc/php/8.2/mods-available/s.ini", etc.join("php/8.2/fpm/conf.d/20-s.ini")).expect("link");
            symlink("/etc/nowhere.ini", etc.join("php/8.2/fpm/conf.d/30-dangling.ini")).expect("link");
            // Links out of the checked tree (refused; more than the cap over the fleet).
            for k in 0..3 {
                symlink(&outside, etc.join(format!("redis/out{k}"))).expect("link");
            }
            // Into the next host's tree, to the fleet directory and above it (loops).
            let next = format!("../../../h{:02}/etc/redis", (h + 1) % 12);
            symlink(format!("{next}/redis.conf"), etc.join("redis/redis-other.conf")).expect("link");
            if h % 2 == 0 {
                symlink(&next, etc.join("redis/other-dir")).expect("link");
            }
            symlink(&fleet, etc.join("loop")).expect("link");
            symlink("../../..", etc.join("redis/up.conf")).expect("link");
        }
        std::fs::write(fleet.join("redis.conf"), "port 3\n").expect("write");
        // Beside the hosts, before and after them: a link out (refused), a dangling config.
        symlink(&outside, fleet.join("a-out")).expect("link");
        symlink(&outside, fleet.join("z-out")).expect("link");
        symlink("nowhere", fleet.join("redis-dangling.conf")).expect("link");
        std::fs::create_dir_all(fleet.join(".git/redis")).expect("mkdir");
        std::fs::write(fleet.join(".git/redis/redis.conf"), "port 4\n").expect("write");
        let dirs = ResolvedDirs::new();
        let run = |fleet: &Path| {
            let confinement = Confinement::new(fleet, &[fleet.to_path_buf()]);
            let w = Walk {
                top: fleet,
                root: fleet,
                fleet: Some(fleet),
                confinement: &confinement,
                dirs: &dirs,
                given_file: false,
                relinked: Default::default(),
            };
            let (mut split, mut whole) = (Walked::default(), Walked::default());
            w.hosts_over_threads(&mut split, &|| {});
            w.entries(fleet, 0, usize::MAX, &mut whole, &|| {}, &mut |_, _| {}, &[]);
            let show = |w: &Walked| {
                let lines = w.files.iter().map(|f| format!("{f:?}"));
                let lines = lines.chain(w.unreadable.iter().map(|u| format!("unreadable {u:?}")));
                lines.chain(w.refused.iter().map(|u| format!("refused {u:?}"))).collect::<Vec<_>>()
            };
            (show(&split), show(&whole), whole)
        };
        let same = |split: &[String], whole: &[String]| {
            let first = split.iter().zip(whole).position(|(a, b)| a != b);
            let (a, b) = (first.map(|i| &split[i]), first.map(|i| &whole[i]));
            assert!(
                split.len() == whole.len() && first.is_none(),
                "{} / {} lines: {a:?} / {b:?}",
                split.len(),
                whole.len()
            );
        };
        let (split, whole, walked) = run(&fleet);
        same(&split, &whole);
        assert!(walked.files.len() >= 12 * 5, "{}", walked.files.len());
        assert!(walked.refused.len() > MAX_REFUSED_LINKS, "{}", walked.refused.len());
        assert!(walked.unreadable.iter().any(|u| u.reason.contains("out of its host's tree")), "{whole:?}");
        assert!(walked.unreadable.iter().any(|u| u.reason.contains("to nothing")), "{whole:?}");
        // A host that is a symlink to a tree elsewhere: one walk, the same answer.
        symlink(fleet.join("h00"), fleet.join("h99")).expect("link");
        let (split, whole, _) = run(&fleet);
        same(&split, &whole);
    }

    #[test]
    fn roles_by_path() {
        let cases = [
            ("/etc/php/8.2/fpm/php.ini", Some(Role::PhpIni)),
            ("/etc/php/8.2/fpm/conf.d/20-redis.ini", Some(Role::PhpScanIni)),
            ("/etc/php.d/50-redis.ini", Some(Role::PhpScanIni)),
            ("/etc/php/8.2/mods-available/redis.ini", Some(Role::PhpIniTemplate)),
            ("/etc/php/8.2/fpm/conf.d/20-redis.ini.dpkg-old", None),
            ("/etc/php/8.2/fpm/php-fpm.conf", Some(Role::FpmMain)),
            ("/etc/php-fpm.conf", Some(Role::FpmMain)),
            ("/etc/php-fpm.d/www.conf", Some(Role::FpmPool)),
            ("/etc/php/8.2/fpm/pool.d/www.conf", Some(Role::FpmPool)),
            ("/etc/redis/redis.conf", Some(Role::RedisConf)),
            ("/etc/redis/sentinel.conf", None),
            ("/etc/redis-sentinel.conf", None),
            ("/etc/redis/redis-sentinel.conf", None),
            ("/etc/redis/sentinel-26379.conf", None),
            ("/etc/valkey/valkey-sentinel.conf", None),
            ("/etc/redis/redis_sentinel_26379.conf", None),
            ("/etc/redis-6380.conf", Some(Role::RedisConf)),
            ("/etc/valkey/valkey.conf", Some(Role::RedisConf)),
            ("/srv/conf/sessions.redis.conf", Some(Role::RedisConf)),
            ("/srv/conf/cache.Valkey.conf", Some(Role::RedisConf)),
            ("/etc/stunnel/sessions.redis.conf", Some(Role::Stunnel)),
            ("/srv/shop/app/etc/env.php", Some(Role::MagentoEnv)),
            ("/srv/shop/app/etc/config.php", None),
            ("/etc/stunnel/redis.conf", Some(Role::Stunnel)),
            ("/etc/stunnel/tunnel.conf", Some(Role::Stunnel)),
            ("/etc/systemd/system/spiped-receive.service", Some(Role::Spiped)),
            ("/etc/peervpn/net.conf", Some(Role::PeerVpn)),
            ("/etc/nginx/nginx.conf", None),
            // Other programs' files and documentation with the same names.
            ("/usr/lib/sysusers.d/stunnel4.conf", None),
            ("/usr/lib/tmpfiles.d/redis-server.conf", None),
            ("/usr/lib/tmpfiles.d/php8.2-fpm.conf", None),
            ("/etc/logrotate.d/redis-server.conf", None),
            ("/usr/share/doc/stunnel4/examples/stunnel.conf", None),
            ("/usr/share/doc/redis-tools/examples/redis.conf", None),
            ("/usr/share/doc/php8.2-fpm/examples/php-fpm.d/www.conf", None),
        ];
        for (p, role) in cases {
            assert_eq!(classify(Path::new(p)), role, "{p}");
        }
    }

    /// `parse` without `--kind` reads a file as redis.conf exactly when discovery gives it
    /// that role (a tunnel's or sentinel's `.conf` aside, which `parse` has no dialect for).
    /// An unreadable directory is said where a file discovery reads could be in it.
    #[test]
    fn unreadable_directories_matter_where_configuration_or_a_web_root_can_be() {
        for p in [
            "/etc/redis",
            "/etc/php/8.2/fpm/pool.d",
            "/etc/systemd/system",
            "/var/www/shop",
            "/srv/x",
            "/home/alice",
            "copy/etc/stunnel",
        ] {
            assert!(may_hold_what_is_read(Path::new(p)), "{p}");
        }
        for p in ["/etc/ssl/private", "/etc/polkit-1/rules.d", "copy/etc/sudoers.d"] {
            assert!(!may_hold_what_is_read(Path::new(p)), "{p}");
        }
    }

    /// A stock Debian PHP host's `/etc` links named `php*` that are no configuration (a
    /// binary, a man page, systemd units) are not where configuration lives; directories
    /// named so elsewhere still are.
    #[test]
    fn alternatives_man_pages_and_units_hold_no_configuration() {
        for p in [
            "/etc/alternatives/php",
            "/etc/alternatives/php-cgi-bin",
            "/etc/alternatives/php.1.gz",
            "copy/etc/alternatives/php-fpm",
            "/etc/systemd/system/multi-user.target.wants/php8.2-fpm.service",
            "/etc/systemd/system/timers.target.wants/phpsessionclean.timer",
            "/etc/systemd/system/php8.2-fpm.service.d",
            "/srv/php/php.8.gz",
        ] {
            assert!(!may_hold_configuration(Path::new(p)), "{p}");
        }
        for p in [
            "/etc/php",
            "/etc/php/8.2",
            "/etc/php/8.2/fpm/conf.d",
            "/etc/redis",
            "/var/www/alternatives/app/etc",
            "/srv/systemd/php",
        ] {
            assert!(may_hold_configuration(Path::new(p)), "{p}");
        }
        assert!(may_hold_what_is_read(Path::new("/etc/systemd/system")));
    }

    /// Naming this machine's `/etc` is checking this machine, as naming `/` is: the root is
    /// `/` and a link there is read where its programs read it (`/usr/...`), not refused as
    /// leading out of `/etc`. A copy's `etc/` keeps its tree confined.
    #[test]
    fn this_machines_etc_is_checked_as_the_machine() {
        let d = discover(&[PathBuf::from("/etc/php-sesslint-none"), PathBuf::from("/etc")], None);
        assert_eq!(d.root, Path::new("/"));
        assert!(d.root_reason.contains("this machine's own configuration"), "{}", d.root_reason);
        assert!(d.confinement.resolve(Path::new("/usr")).is_ok());
        let tmp = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(tmp.path().join("copy/etc")).expect("mkdir");
        let d = discover(&[tmp.path().join("copy/etc")], None);
        assert_eq!(d.root, tmp.path().join("copy"));
        assert!(matches!(d.confinement.resolve(Path::new("/usr")), Err(Refusal::Outside { .. })));
    }

    #[test]
    fn parse_detects_redis_conf_where_discovery_does() {
        use crate::syntax::FileKind;
        let names = [
            "redis.conf",
            "redis-6380.conf",
            "Redis.conf",
            "valkey.conf",
            "sessions.redis.conf",
            "sessions.valkey.conf",
            "cache.REDIS.conf",
            "6379.conf",
            "redis.conf.bak",
            "notredis.conf",
            "my-redis.conf",
            "php.ini",
            "redis.ini",
            "sessions.redis.ini",
            "redis-sentinel.conf",
            "Redis-Sentinel.conf",
            "sentinel.conf",
            "sentinel-26379.conf",
            "valkey-sentinel.conf",
            "redis_sentinel_26379.conf",
            "redis.sentinel.conf",
            "redis-stunnel.conf",
            "peervpn-redis.conf",
        ];
        for dir in ["/srv/conf", "/etc/redis", "/etc/valkey", "/etc/stunnel", "/etc/peervpn"] {
            for name in names {
                let p = Path::new(dir).join(name);
                let discovered = classify_by_name(&p) == Some(Role::RedisConf);
                let detected = FileKind::guess(&p, b"port 6379\n") == Some(FileKind::Redis);
                assert_eq!(discovered, detected, "{}", p.display());
                // A Sentinel file is read by neither, and parse says it has no dialect.
                if name.to_ascii_lowercase().contains("sentinel") {
                    assert_eq!((classify_by_name(&p), FileKind::guess(&p, b"")), (None, None), "{}", p.display());
                }
            }
        }
    }
}
