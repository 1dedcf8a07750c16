//! Building the model: discover the files, read and parse each once ([`read`]), then
//! lower the trees in order: PHP setups and pools, Redis servers, Magento installs,
//! tunnels, session endpoints, and the links between them.

mod apache_layers;
pub(crate) use apache_layers::tree_dir as apache_tree_dir;
mod budget;
mod endpoints;
mod fpm_includes;
mod fpm_reading;
mod php_setups;
mod read;
mod redis_servers;
mod same_bytes;
mod secrets;
mod staged_servers;
#[cfg(fuzzing)]
pub(crate) use secrets::reference::disagreement as secret_passes_disagree;
mod tunnels;
mod unknown_names;
mod user_ini;

use std::path::{Path, PathBuf};

pub use budget::ParseBudget;
pub use read::ParseCache;
pub(super) use read::{located_secrets, located_secrets_within, tree_for_secrets};

use super::{magento, redis, FileId, Model, SyntaxTree};
use crate::discover;
use crate::syntax::redis_conf::Loader;

/// The tree of each file, beside `Model::files` while the model is lowered (each file
/// also keeps its own, see [`LoadedFile::tree`]).
type Parsed = SyntaxTree;

/// File contents that replace what is on disk (an editor's unsaved buffers), by path as
/// discovery reports it.
pub type Overlay = std::collections::HashMap<PathBuf, Vec<u8>>;

/// How to build a model; every field is optional (`BuildOptions::default()`).
#[derive(Clone, Copy, Default)]
pub struct BuildOptions<'a> {
    /// Resolve absolute paths in configs below this directory; `None`: discovery picks the
    /// root (a scanned directory with `etc/` at its top, else `/`).
    pub root: Option<&'a Path>,
    /// Where `root` came from, said in verbose output (`root = "." in d/sesslint.toml`);
    /// `None`: `--root DIR`.
    pub root_origin: Option<&'a str>,
    /// Editor buffers read instead of the files on disk.
    pub overlay: Option<&'a Overlay>,
    /// Overlay buffers discovery does not find (a path that does not exist yet, a name it
    /// does not pick) are files of the tree too, when they lie below a scanned path and
    /// inside the confinement (`check --stdin-filename`). The editor leaves it off: a buffer
    /// never saved is not checked.
    pub overlay_adds_files: bool,
    /// Called with (files read and parsed, files found) as the work goes on, from any thread;
    /// while discovery walks the tree, with (directory entries looked at, 0).
    pub on_file: Option<&'a (dyn Fn(usize, usize) + Sync)>,
    /// Parsed files kept between builds, to skip the unchanged ones.
    pub cache: Option<&'a ParseCache>,
    /// Extra directories whose stunnel/spiped/PeerVPN files count as tunnel evidence for
    /// every host in the tree (a config's `tunnel-paths`).
    pub tunnel_paths: &'a [PathBuf],
    /// The Redis release every server runs, as the user declared it (sesslint.toml
    /// `redis-version`): it wins over what the files suggest.
    pub redis_version: Option<&'a redis::RedisVersion>,
    /// Hosts the user declared (sesslint.toml `[hosts.NAME]`, an inventory): which
    /// children of a fleet directory are hosts, and the addresses they answer on.
    pub hosts: &'a [super::HostDecl],
    /// Drop each group of hosts' syntax trees once it is lowered, as
    /// [`Model::release_trees`] does after the build: for a caller that only reports
    /// (`check` without `--fix`/`--diff`), so that a fleet never holds every tree at once.
    pub release_trees: bool,
    /// The files a run names (`check FILE...`, a pre-commit hook's staged files), as given:
    /// outside a fleet, discovery then leaves out the files no finding about them can
    /// depend on ([`discover::leave_out_for_staged`]). Empty: every file is read.
    pub staged: &'a [PathBuf],
    /// Leave each php.ini, pool, redis.conf and env.php file's secrets to be located when
    /// first asked ([`super::LoadedFile::secrets`]), its tree kept until then: for a run that
    /// reports (`check`, on a tree or on a few files) and quotes few of its files. Ignored in a fleet,
    /// where `release_trees` decides: a report-only run leaves those of its php.ini and
    /// php-fpm files for later too (most are quoted by no finding), a file asked is parsed again.
    pub lazy_secrets: bool,
    /// How many bytes of files one host and one run may parse; the files past it are not
    /// parsed and are reported ([`Model::over_budget`]). Default: [`ParseBudget::default`].
    pub budget: ParseBudget,
}

/// The one way to build a model: discover, read, parse and lower everything under `paths`.
pub fn build(paths: &[PathBuf], options: &BuildOptions<'_>) -> Model {
    build_in_groups(paths, options, read::GROUP_FILES)
}

/// [`build`], a fleet's hosts read, parsed and lowered in groups of at least `group_files`
/// files (see [`read::groups`]).
fn build_in_groups(paths: &[PathBuf], options: &BuildOptions<'_>, group_files: usize) -> Model {
    let BuildOptions {
        root,
        root_origin,
        overlay,
        overlay_adds_files,
        on_file,
        cache,
        tunnel_paths,
        redis_version,
        hosts,
        release_trees,
        staged,
        lazy_secrets,
        budget,
    } = *options;
    // `etc/../etc` and `etc` are one tree: each file is read and reported once.
    let mut paths: Vec<PathBuf> = paths.iter().map(|p| crate::confine::clean_argument(p)).collect();
    // `$PWD/etc .`: one tree spelt absolute and relative; shown absolute, read once.
    if paths.iter().any(|p| p.is_absolute()) && paths.iter().any(|p| p.is_relative()) {
        paths = paths.iter().map(|p| crate::confine::lexical_absolute(p)).collect();
    }
    let paths = &paths[..];
    // A fleet is checked below its own directory; each host's root is its tree.
    let fleet = super::host::detect_fleet(paths, root, hosts);
    let fleet_dir = fleet.as_ref().map(|f| f.dir.as_path());
    // While walking, `on_file(entries looked at, 0)`: nothing is known to read yet.
    let on_walk = |n: usize| {
        if let Some(f) = on_file {
            f(n, 0);
        }
    };
    let mut discovery = discover::discover_observed(paths, root.or(fleet_dir), fleet_dir, &on_walk);
    if let (Some(overlay), true) = (overlay, overlay_adds_files) {
        for (path, bytes) in overlay {
            discover::add_buffer(&mut discovery, path, bytes, paths);
        }
    }
    // A buffer stands for its file under every name the walk met it by (a conf.d link and
    // its target in mods-available): one file, one text.
    let widened = overlay.and_then(|o| read::overlay_for_every_name(o, &discovery.files, &discovery.confinement));
    let overlay = widened.as_ref().or(overlay);
    if fleet.is_none() && !staged.is_empty() {
        discover::leave_out_for_staged(&mut discovery, staged, overlay);
    }
    // Reading and lowering (a host's release files, includes, ACL files) go on in the
    // directories the walk resolved: each directory resolved once for the whole build.
    let confinement = match discovery.confinement.pass_dirs() {
        Some(_) => discovery.confinement.clone(),
        None => discovery.confinement.for_one_pass(),
    };
    let mut model = Model {
        root: discovery.root.clone(),
        root_reason: discovery.root_reason.clone(),
        scope: discovery.scope.take(),
        unreadable: discovery.unreadable.clone(),
        confinement: confinement.clone(),
        ..Model::default()
    };
    if let (Some(_), Some(origin)) = (root, root_origin) {
        model.root_reason = origin.to_owned();
    }
    if let Some(fleet) = fleet {
        model.root_reason = format!(
            "{} holds one tree per host ({}); each host's absolute paths resolve in its own tree",
            crate::source::display_path(&fleet.dir),
            fleet.hosts.iter().map(|h| h.name.as_str()).collect::<Vec<_>>().join(", ")
        );
        model.set_fleet(fleet);
    }
    let loader = Loader {
        root: (discovery.root != Path::new("/")).then(|| discovery.root.clone()),
        cwd: None,
        keep_going: true,
        tree_is_a_copy: false,
        confinement,
        ..Loader::default()
    };

    // One group of hosts at a time: read and parse its files (over the threads), lower
    // them, then let go of its trees before the next group's are built. Lowering runs on
    // this thread while the other threads read and parse the next group.
    let files = read::by_host(std::mem::take(&mut discovery.files), &model);
    // What an editor buffer replaces counts with the buffer's length.
    let size_of = |f: &discover::Found| overlay.and_then(|o| o.get(&f.path)).map_or(f.size, |b| b.len() as u64);
    let mut spent = budget::Spent::new(budget);
    let (files, over_budget) = budget::apply(files, &model, &mut spent, size_of);
    model.over_budget = over_budget;
    let sizes: Vec<u64> = files.iter().map(size_of).collect();
    let groups = read::groups(&files, &sizes, &model, group_files, budget.host_bytes);

    let starts: Vec<usize> = groups.iter().scan(0, |n, g| Some(std::mem::replace(n, *n + g.len()))).collect();
    let reading = model.confinement.clone();
    // Equal files (a fleet's copies of one image) parsed once over every group.
    let same = same_bytes::SameBytes::new();
    let in_fleet = model.fleet.is_some();
    let lazy = match (in_fleet, release_trees, lazy_secrets) {
        (true, true, _) => read::LazySecrets::IniFiles,
        (false, _, true) => read::LazySecrets::Trees,
        _ => read::LazySecrets::Never,
    };
    let lazy_secrets = lazy != read::LazySecrets::Never;
    let read_group =
        |k: usize| read::read_all(lazy, groups[k], starts[k], files.len(), &reading, overlay, cache, &same, on_file);
    let read_group = &read_group;
    // The thread count is asked only when there is a second group (reading it costs a
    // few system calls: the cgroup's CPU quota).
    let overlap = groups.len() > 1 && crate::parallel::threads() > 1;
    // The next group is read ahead only when both groups' trees fit in the budget together.
    let group_bytes: Vec<u64> = groups.iter().zip(&starts).map(|(g, &s)| sizes[s..s + g.len()].iter().sum()).collect();
    let ahead_fits = |k: usize| group_bytes[k] + group_bytes[k + 1] <= budget.host_bytes;
    let mut parsed: Vec<Parsed> = Vec::new();
    let mut php_kinds = Default::default();
    // A run naming files may leave unbuilt the servers none of their findings can depend
    // on (`staged_servers`): one host, read in one group.
    let named = (!staged.is_empty() && !in_fleet && groups.len() == 1).then(|| staged_servers::Named::new(staged));
    let mut deferred = Vec::new();
    std::thread::scope(|scope| {
        let mut ahead: Option<std::thread::ScopedJoinHandle<'_, _>> = None;
        for k in 0..groups.len() {
            let read = match ahead.take() {
                Some(h) => h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => read_group(k),
            };
            if overlap && k + 1 < groups.len() && ahead_fits(k) {
                ahead = Some(crate::parallel::spawn_scoped(scope, move || read_group(k + 1)));
            }
            let first = model.files.len();
            parsed.resize(first, Parsed::None);
            for r in read {
                match r {
                    Ok(file) => {
                        parsed.push(file.tree.clone());
                        model.add_file(file);
                    }
                    Err(u) => model.unreadable.push(u),
                }
            }
            // A file a config names through another spelling of a directory the walk found
            // (`--root . etclink`: `include /etc/x`) is the walk's file, read once.
            let spellings = std::sync::Arc::new(crate::confine::Spellings::new(
                model.files[first..]
                    .iter()
                    .map(|f| f.source.path.as_path())
                    .chain(model.over_budget.iter().map(|u| u.path.as_path())),
                &model.confinement,
            ));
            php_setups::lower_php(&mut model, &mut parsed, first, &mut php_kinds, &mut spent, &spellings);
            let loader = Loader { spellings: Some(spellings), ..loader.clone() };
            deferred.extend(redis_servers::lower_redis(
                &mut model,
                &parsed,
                &loader,
                first,
                &mut spent,
                overlay,
                named.as_ref(),
            ));
            lower_magento(&mut model, &parsed, first);
            let mut done: Vec<Parsed> =
                parsed.iter_mut().skip(first).map(|p| std::mem::replace(p, Parsed::None)).collect();
            // Lazy secrets are located from the trees: kept, but in a fleet (where they are
            // located from the bytes parsed again, for the few files asked).
            if release_trees && (in_fleet || !lazy_secrets) {
                done.extend(model.take_trees_from(first));
            }
            // Freeing a group's trees is a tenth of lowering it: another thread does it.
            if overlap {
                crate::parallel::spawn_scoped(scope, move || drop(done));
            }
        }
    });
    php_setups::order_like_one_pass(&mut model, &php_kinds);
    redis_servers::order_servers(&mut model);
    if let Some(v) = redis_version {
        for s in &mut model.redis {
            s.version = v.clone();
        }
    }
    tunnels::lower_tunnels(&mut model);
    tunnels::charge_key_files(&mut model, &mut spent);
    endpoints::build_endpoints(&mut model);
    let mut linking = super::link_index::link_all(&model, paths);
    (model.links, model.unlinked, model.chain_problems) = (linking.links, linking.unlinked, linking.chain_problems);
    model.unreached = linking.unreached;
    if let Some(named) = named.as_ref().filter(|_| !deferred.is_empty()) {
        if !staged_servers::can_leave_out(&model, &deferred, named) {
            // Built after all, then linked again: the model a whole build makes.
            redis_servers::lower_deferred(&mut model, std::mem::take(&mut deferred), &mut spent);
            redis_servers::order_servers(&mut model);
            if let Some(v) = redis_version {
                for s in &mut model.redis {
                    s.version = v.clone();
                }
            }
            model.links_by_server = Default::default();
            linking = super::link_index::link_all(&model, paths);
            (model.links, model.unlinked, model.chain_problems) =
                (linking.links, linking.unlinked, linking.chain_problems);
            model.unreached = linking.unreached;
        }
    }
    if !tunnel_paths.is_empty() {
        tunnels::add_tunnel_evidence(&mut model, tunnel_paths, &mut spent);
    }
    // A model outlives its build (the language server, edits): its reads resolve afresh.
    model.confinement = model.confinement.without_pass();
    model
}

/// The Magento installs of the files from `first` on, appended to `model.magento`: each
/// built from its own env.php alone, over the threads, in the files' order.
fn lower_magento(model: &mut Model, parsed: &[Parsed], first: usize) {
    let envs: Vec<(usize, &std::sync::Arc<crate::syntax::env_php::EnvPhp>)> = parsed
        .iter()
        .enumerate()
        .skip(first)
        .filter_map(|(i, p)| match p {
            Parsed::EnvPhp(doc) => Some((i, doc)),
            _ => None,
        })
        .collect();
    let files = &model.files;
    let installs = crate::parallel::map(&envs, 4, |&(i, doc)| {
        let path = &files[i].source.path;
        let root = path.parent().and_then(Path::parent).and_then(Path::parent).unwrap_or(Path::new("")).to_path_buf();
        magento::build_install(FileId(i), root, doc)
    });
    model.magento.extend(installs);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Copy `from` into `to`, symlinks as symlinks.
    fn copy_tree(from: &Path, to: &Path) {
        for e in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
            let dest = to.join(e.path().strip_prefix(from).expect("below from"));
            if e.path_is_symlink() {
                std::os::unix::fs::symlink(std::fs::read_link(e.path()).expect("readlink"), &dest).expect("symlink");
            } else if e.file_type().is_dir() {
                std::fs::create_dir_all(&dest).expect("mkdir");
            } else {
                std::fs::copy(e.path(), &dest).expect("copy");
            }
        }
    }

    /// What lowering made of the files, in a form two models compare by.
    fn lowered(m: &Model) -> Vec<String> {
        let files: Vec<_> = m
            .files
            .iter()
            .map(|f| {
                (&f.source.path, &f.syntax_errors, f.secrets(), &f.unknown_directives, &f.include_problems, f.mode)
            })
            .collect();
        [
            format!("{files:?}"),
            format!("{:?}", m.unreadable),
            format!("{:?}", m.php),
            format!("{:?}", m.pools),
            format!("{:?}", m.redis),
            format!("{:?}", m.magento),
            format!("{:?}", m.tunnels),
            format!("{:?}", m.endpoints),
            format!("{:?}", (&m.links, &m.unlinked, &m.unreached, &m.chain_problems)),
        ]
        .into()
    }

    /// Servers are built over the threads, but the files lowering reads in (an ACL file, an
    /// included file discovery did not pick) get their ids in the order a loop over the
    /// servers reads them: the first server's ACL file before the second one's include.
    #[test]
    fn files_read_while_lowering_servers_come_in_the_servers_order() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let redis = tmp.path().join("etc/redis");
        std::fs::create_dir_all(&redis).expect("mkdir");
        let write = |name: &str, text: &str| std::fs::write(redis.join(name), text).expect("write");
        write("redis.conf", "port 6379\naclfile /etc/redis/users.list\n");
        write("redis-b.conf", "port 6380\ninclude /etc/redis/extra.inc\n");
        write("extra.inc", "maxmemory 1mb\n");
        write("users.list", "user default on nopass ~* +@all\n");
        let model = build(&[tmp.path().to_path_buf()], &BuildOptions::default());
        let names: Vec<_> =
            model.files.iter().map(|f| f.source.path.file_name().expect("name").to_string_lossy()).collect();
        assert_eq!(names, ["redis-b.conf", "redis.conf", "users.list", "extra.inc"]);
        assert_eq!(model.redis.len(), 2);
        assert!(model.redis.iter().any(|s| s.acl_file.is_some()));
    }

    /// The demo tree and every rule fixture tree that holds an `etc/`, sorted: the machines
    /// the fleet tests copy into hosts.
    fn fixture_machines() -> Vec<PathBuf> {
        let mut machines = vec![PathBuf::from("fixtures/demo")];
        for code in std::fs::read_dir("fixtures/rules").expect("fixtures/rules").filter_map(Result::ok) {
            machines.extend(std::fs::read_dir(code.path()).expect("rule dir").filter_map(Result::ok).map(|e| e.path()));
        }
        machines.retain(|d| d.join("etc").is_dir());
        machines.sort();
        machines
    }

    /// A fleet's report-only build releases each group's trees before any file's secrets
    /// are located; a file asked later is parsed again from its bytes: every file's
    /// secrets (and all that was lowered) are those of the build that keeps its trees, on
    /// every machine among the fixtures, twice over (the second copies shared, located at
    /// once) and once with a byte changed in each php.ini and redis.conf (unshared).
    #[test]
    fn a_fleet_that_releases_its_trees_locates_the_same_secrets_when_asked() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let machines = fixture_machines();
        let mut n = 0;
        for m in machines.iter().chain(&machines) {
            copy_tree(m, &tmp.path().join(format!("h{n:03}")));
            n += 1;
        }
        for m in &machines {
            let host = tmp.path().join(format!("h{n:03}"));
            copy_tree(m, &host);
            for e in walkdir::WalkDir::new(&host).into_iter().filter_map(Result::ok) {
                let name = e.file_name().to_string_lossy();
                if e.file_type().is_file() && (name.ends_with(".ini") || name.ends_with(".conf")) {
                    let mut text = std::fs::read(e.path()).expect("read");
                    let comment = if e.path().to_string_lossy().contains("/redis/") { '#' } else { ';' };
                    text.extend_from_slice(format!("\n{comment} {n}\n").as_bytes());
                    std::fs::write(e.path(), text).expect("write");
                }
            }
            n += 1;
        }
        let paths = [tmp.path().to_path_buf()];
        let kept = build_in_groups(&paths, &BuildOptions::default(), 40);
        let released = build_in_groups(&paths, &BuildOptions { release_trees: true, ..BuildOptions::default() }, 40);
        let asked_later = released
            .files
            .iter()
            .filter(|f| f.secrets_pending && matches!(f.tree, SyntaxTree::None) && f.secrets_asked.get().is_none())
            .count();
        assert!(
            asked_later > released.files.len() / 4,
            "{asked_later} of {} files left for later",
            released.files.len()
        );
        assert!(kept.files.iter().all(|f| !f.secrets_pending), "a build keeping its trees locates them at once");
        let masked = released.files.iter().filter(|f| !f.secrets().is_empty()).count();
        assert!(masked > 100, "only {masked} files with a secret: the comparison proves little");
        for (got, want) in lowered(&released).iter().zip(&lowered(&kept)) {
            assert!(got == want, "{}", &got[..got.len().min(300)]);
        }
    }

    /// Lowering a fleet a group of hosts at a time (even one host at a time) makes the
    /// model one pass over every file makes: the same files, setups, pools, servers,
    /// installs, endpoints and links, in the same order, with the same indices between them.
    #[test]
    fn a_fleet_lowered_in_groups_is_the_fleet_lowered_at_once() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let machines = fixture_machines();
        for (i, m) in machines.iter().enumerate() {
            copy_tree(m, &tmp.path().join(format!("h{i:03}")));
        }
        let paths = [tmp.path().to_path_buf()];
        let options = BuildOptions::default();
        let at_once = build_in_groups(&paths, &options, usize::MAX);
        assert_eq!(at_once.hosts.len(), machines.len());
        assert!(at_once.php.iter().any(|s| s.layer.is_some()) && at_once.pools.iter().any(|p| p.layer.is_some()));
        let expected = lowered(&at_once);
        for group_files in [1, 40] {
            let grouped = build_in_groups(&paths, &options, group_files);
            for (got, want) in lowered(&grouped).iter().zip(&expected) {
                assert!(got == want, "groups of {group_files} files: {}", &got[..got.len().min(300)]);
            }
        }
    }
}
