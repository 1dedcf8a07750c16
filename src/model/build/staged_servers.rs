//! Which Redis servers a run naming files (`check FILE...`, a pre-commit hook's staged files)
//! can leave unbuilt: those no finding about the named files can depend on. A Debian
//! redis.conf is ~2,300 lines; loading it and building its server is a tenth of the hook's
//! work when the staged pool keeps its sessions on another server.
//!
//! Two steps. [`deferrable`] picks, before loading, the servers whose whole configuration
//! is one file not named (no `include`, no `aclfile`, no line redis-server misreads or
//! refuses), with every port they may listen on known from their `port` and `tls-port`
//! lines. [`can_leave_out`] decides after the rest of the model is linked: it holds only
//! when no session endpoint whose findings can touch the named files (nor any endpoint
//! sharing a server with one) has a target on one of those ports, every such target
//! reached a server, no built server's configuration is in a named file, and there are no
//! tunnels and no fleet. Otherwise the deferred servers are built after all, and the model
//! is the one a whole build makes (`tests/staged_files.rs` holds the hook's findings to the
//! whole tree's on every fixture tree).

use std::cell::RefCell;
use std::collections::HashSet;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::model::endpoint::{EndpointOwner, Transport};
use crate::model::{FileId, Location, Model};
use crate::syntax::redis_conf::{Loader, RedisConf};

/// A server left unbuilt until [`can_leave_out`] decides: its main file, its tree and
/// loader (to build it late), and what it may listen on.
pub(super) struct Deferred {
    pub top: usize,
    pub tree: std::sync::Arc<RedisConf>,
    pub loader: Loader,
    /// Every TCP port it may accept on: 6379 (the default) and each value a `port` or
    /// `tls-port` line gives.
    ports: Vec<u16>,
    /// Whether any line sets `unixsocket`.
    unixsocket: bool,
}

/// The files a run names, as `staged::keep_touching` tells them: the same spelling
/// (without a leading `./`), else the same device and inode and the same resolved path.
pub(super) struct Named<'a> {
    named: Vec<&'a [u8]>,
    wanted: Vec<((u64, u64), &'a Path)>,
}

impl<'a> Named<'a> {
    pub fn new(files: &'a [PathBuf]) -> Self {
        let wanted = files.iter().filter_map(|p| Some((inode(p)?, p.as_path()))).collect();
        Named { named: files.iter().map(|p| spelling(p).as_os_str().as_bytes()).collect(), wanted }
    }

    /// Whether `path` (as the model spells it) is one of the named files. A spelling that
    /// differs only in how it is written (`a//b`) is found by its inode.
    pub fn touches(&self, path: &Path) -> bool {
        let spelt = spelling(path).as_os_str().as_bytes();
        if self.named.contains(&spelt) {
            return true;
        }
        inode(path).is_some_and(|i| {
            self.wanted.iter().any(|(w, _)| *w == i)
                && std::fs::canonicalize(path).is_ok_and(|c| {
                    self.wanted.iter().any(|(w, p)| *w == i && std::fs::canonicalize(p).is_ok_and(|pc| pc == c))
                })
        })
    }
}

fn inode(p: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

fn spelling(path: &Path) -> &Path {
    path.strip_prefix(".").unwrap_or(path)
}

/// The server whose main file is `top` (tree `tree`) as a [`Deferred`], when its whole
/// configuration is that one file, the file is not named, and its listening ports are
/// plain numbers; `None` when it must be built now.
pub(super) fn deferrable(
    model: &Model,
    top: usize,
    tree: &std::sync::Arc<RedisConf>,
    loader: impl FnOnce() -> Loader,
    named: &Named<'_>,
) -> Option<Deferred> {
    if named.touches(&model.files[top].source.path) {
        return None;
    }
    // A misread line (NUL byte) is read by redis-server joined to others: what it sets is
    // the loader's to say. A refused line stops nothing here, but is not looked into either.
    if tree.misread().next().is_some() || tree.errors().next().is_some() {
        return None;
    }
    let mut ports = vec![6379];
    let mut unixsocket = false;
    for (_, d) in tree.directives() {
        let is = |name: &str| d.name.value.eq_ignore_ascii_case(name.as_bytes());
        if is("include") || is("aclfile") {
            // Other files: their lines and ids would be the server's build's to add.
            return None;
        } else if is("port") || is("tls-port") {
            // One plain number, as redis-server reads it; anything else: built now.
            let [arg] = d.args() else { return None };
            let digits: &[u8] = &arg.value;
            if digits.is_empty() || digits.len() > 5 || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let n: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
            // Past 65535 redis-server refuses the line: it sets no port.
            if let Ok(p) = u16::try_from(n) {
                ports.push(p);
            }
        } else if is("unixsocket") {
            unixsocket = true;
        }
    }
    Some(Deferred { top, tree: tree.clone(), loader: loader(), ports, unixsocket })
}

/// Whether every server of `deferred` can stay unbuilt: `model` (built and linked without
/// them) then gives every finding about the `named` files that the whole model gives.
///
/// Why that holds when this answers yes. A deferred server's findings are placed in its own
/// file, which is not named, and next to the endpoints linked to it; an endpoint is linked
/// to it only through a target on one of its ports. The endpoints whose findings can touch
/// a named file (`relevant`: a location of theirs in a named file or at a setting a named
/// pool inherits, or their owner's file named) and every endpoint sharing a server with
/// them (`close`) have no target on those ports, so their links, which servers they reach
/// and how certainly, are the same with the deferred servers built; each of their targets
/// reached a server, so none is said unreached (with a list of the servers that would grow).
/// A built server's findings name its users: the same. No built server reads a named file,
/// so a finding placed at a server, or listing the servers an unreachable endpoint does not
/// reach, touches a named file only through an endpoint above. Tunnels and fleets, whose
/// links follow other paths, are not looked into: there, everything is built.
pub(super) fn can_leave_out(model: &Model, deferred: &[Deferred], named: &Named<'_>) -> bool {
    if model.fleet.is_some() || !model.tunnels.is_empty() || !model.hosts.is_empty() || !model.chain_problems.is_empty()
    {
        return false;
    }
    // Each file asked once (a server's settings name its file a hundred times).
    let asked: RefCell<Vec<Option<bool>>> = RefCell::new(vec![None; model.files.len()]);
    let touched = |f: FileId| {
        if let Some(&Some(t)) = asked.borrow().get(f.0) {
            return t;
        }
        let t = named.touches(model.path(f));
        if let Some(slot) = asked.borrow_mut().get_mut(f.0) {
            *slot = Some(t);
        }
        t
    };
    // A built server any of whose lines is in a named file: its findings are kept whatever
    // they list, so everything is built.
    for s in &model.redis {
        let mut places = [Some(s.file), s.acl_file].into_iter().flatten().chain(
            [s.bind_at, s.requirepass_at, s.aclfile_at, s.default_user.at, s.default_user.requirepass_overridden]
                .into_iter()
                .flatten()
                .chain(s.settings.values().map(|(_, at)| *at))
                .chain(s.users.iter().map(|u| u.at))
                .chain(s.renamed_commands.iter().map(|(_, _, at)| *at))
                .chain(s.startup_failures.iter().chain(&s.acl_file_not_read).map(|f| f.at))
                .map(|at| at.file),
        );
        if places.any(touched) {
            return false;
        }
    }
    let inherited = model.settings_inherited_by_pools(&touched);
    let place_named =
        |at: Option<Location>| at.is_some_and(|at| inherited.contains(&(at.file, at.span)) || touched(at.file));
    let relevant: Vec<bool> = model
        .endpoints
        .iter()
        .map(|ep| {
            let owner = match ep.owner {
                EndpointOwner::Pool(i) => model.pools.get(i).is_none_or(|p| {
                    touched(p.declared_at.file) || p.overrides.values().any(|o| touched(o.set_at.file))
                }),
                EndpointOwner::Magento(i) => model.magento.get(i).is_none_or(|m| touched(m.file)),
                EndpointOwner::Php(i) => model.php.get(i).is_none_or(|s| {
                    s.php_ini.into_iter().chain(s.scan_files.iter().copied()).any(touched)
                        || s.values.values().any(|v| place_named(v.set_at))
                }),
            };
            owner
                || place_named(ep.handler.set_at)
                || place_named(ep.save_path.as_ref().and_then(|v| v.set_at))
                || place_named(ep.decided_at)
        })
        .collect();
    // The servers the relevant endpoints reach, then every endpoint reaching one of them.
    let reached: HashSet<usize> = model.links.iter().filter(|l| relevant[l.endpoint.0]).map(|l| l.server.0).collect();
    let mut close = relevant;
    for l in &model.links {
        if reached.contains(&l.server.0) {
            close[l.endpoint.0] = true;
        }
    }
    let mut ports: HashSet<u16> = HashSet::new();
    let mut unix = false;
    for (ei, ep) in model.endpoints.iter().enumerate().filter(|(ei, _)| close[*ei]) {
        for (ti, t) in ep.targets.iter().enumerate() {
            if model.servers_of(crate::model::EndpointId(ei), ti).next().is_none() {
                return false; // unreached, or not linked: which servers it lists would change
            }
            match t.transport {
                Transport::Unix => unix = true,
                Transport::Tcp | Transport::Tls => {
                    ports.insert(t.port);
                }
            }
        }
    }
    deferred.iter().all(|d| !(d.unixsocket && unix) && d.ports.iter().all(|p| !ports.contains(p)))
}
