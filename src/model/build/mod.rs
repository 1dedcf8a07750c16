//! Building the model: discover the files, read and parse each once ([`read`]), then
//! lower the trees in order: PHP setups and pools, Redis servers, Magento installs,
//! tunnels, session endpoints, and the links between them.

mod apache_layers;
mod endpoints;
mod fpm_includes;
mod php_setups;
mod read;
mod redis_servers;
mod secrets;
mod tunnels;
mod unknown_names;
mod user_ini;

use std::path::{Path, PathBuf};

pub use read::ParseCache;

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
}

/// The one way to build a model: discover, read, parse and lower everything under `paths`.
pub fn build(paths: &[PathBuf], options: &BuildOptions<'_>) -> Model {
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
    let confinement = discovery.confinement.clone();
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

    let mut parsed: Vec<Parsed> = Vec::with_capacity(discovery.files.len());
    for r in read::read_all(&discovery.files, &model.confinement, overlay, cache, on_file) {
        match r {
            Ok(file) => {
                parsed.push(file.tree.clone());
                model.add_file(file);
            }
            Err(u) => model.unreadable.push(u),
        }
    }

    php_setups::lower_php(&mut model, &mut parsed);
    redis_servers::lower_redis(&mut model, &parsed, &loader);
    if let Some(v) = redis_version {
        for s in &mut model.redis {
            s.version = v.clone();
        }
    }
    lower_magento(&mut model, &parsed);
    tunnels::lower_tunnels(&mut model);
    endpoints::build_endpoints(&mut model);
    let linking = super::link_index::link_all(&model, paths);
    (model.links, model.unlinked, model.chain_problems) = (linking.links, linking.unlinked, linking.chain_problems);
    model.unreached = linking.unreached;
    if !tunnel_paths.is_empty() {
        tunnels::add_tunnel_evidence(&mut model, tunnel_paths);
    }
    model
}

fn lower_magento(model: &mut Model, parsed: &[Parsed]) {
    for (i, p) in parsed.iter().enumerate() {
        if let Parsed::EnvPhp(doc) = p {
            let path = &model.files[i].source.path;
            let root =
                path.parent().and_then(Path::parent).and_then(Path::parent).unwrap_or(Path::new("")).to_path_buf();
            model.magento.push(magento::build_install(FileId(i), root, doc));
        }
    }
}
