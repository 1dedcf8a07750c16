//! The machines a model spans: a fleet directory's host trees, each its own root, and the
//! addresses a host is known by (its Redis `bind` list, its tunnels' ends, an inventory).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// Index of a host in [`Model::hosts`](super::Model::hosts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct HostId(pub usize);

/// A host the user declared: `[hosts.NAME] addresses = [...]` in sesslint.toml, or a host
/// of an Ansible inventory (`ansible_host` and the other address variables).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostDecl {
    /// The host's name: the directory of its tree in the fleet (`ansible -m fetch` names
    /// it after the inventory host).
    pub name: String,
    /// IP addresses or DNS names the host answers on, as written.
    pub addresses: Vec<String>,
    /// Where the declaration comes from (`sesslint.toml`, an inventory path), for messages.
    pub source: String,
    /// Declared in a file outside the checked trees (`--inventory ~/x`, a symlink leading
    /// out): its name and addresses are never printed, only counted.
    pub outside: bool,
}

/// One machine of the model: a tree whose absolute paths resolve below `root`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Host {
    /// The tree's directory name (`web` for `fleet/web/etc/...`).
    pub name: String,
    /// Absolute paths in this host's configs resolve below it.
    pub root: PathBuf,
    /// Addresses declared for it (sesslint.toml, inventory), with their source.
    pub declared: Vec<(String, String)>,
}

/// A directory whose children are host trees.
#[derive(Clone, Debug)]
pub struct Fleet {
    pub dir: PathBuf,
    pub hosts: Vec<Host>,
    /// Declared host names with no tree in the fleet: said, never linked.
    pub missing: Vec<HostDecl>,
}

/// The fleet `paths` name, if any: one scanned directory with no `etc/` of its own whose
/// children (directories, hidden ones aside) are all host trees: each has an `etc/`
/// directory that is not Magento's `app/etc` ([`crate::discover::magento_app`]) or is named
/// by a declaration. `None` when `--root` is given (the user said where the one root is).
pub fn detect_fleet(paths: &[PathBuf], root: Option<&Path>, declared: &[HostDecl]) -> Option<Fleet> {
    if root.is_some() {
        return None;
    }
    let [dir] = paths else { return None };
    // `dir/etc` resolves only through a directory `dir`: asked first, the usual host tree
    // (the hook's `.`) costs one `stat`.
    if (!dir.as_os_str().is_empty() && dir.join("etc").is_dir()) || !dir.is_dir() {
        return None;
    }
    // Top-level directories of this machine are never a fleet (`/usr` may hold `/usr/etc`).
    if std::fs::canonicalize(dir).is_ok_and(|c| c.parent().is_none_or(|q| q == Path::new("/"))) {
        return None;
    }
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| !n.starts_with('.'))
        .collect();
    // Every child is a host tree: a directory of assorted trees (a corpus) is no fleet.
    // Magento's `app/etc` is no host's `etc/` (a shop's directory holding only `app/`).
    let is_host = |n: &String| {
        let host = dir.join(n);
        (host.join("etc").is_dir() && !crate::discover::magento_app(&host)) || declared.iter().any(|d| &d.name == n)
    };
    if names.is_empty() || !names.iter().all(is_host) {
        return None;
    }
    names.sort();
    let hosts = names
        .into_iter()
        .map(|name| {
            let declared_here = declared
                .iter()
                .filter(|d| d.name == name)
                .flat_map(|d| d.addresses.iter().map(|a| (a.clone(), d.source.clone())))
                .collect();
            Host { root: dir.join(&name), name, declared: declared_here }
        })
        .collect::<Vec<_>>();
    let missing = declared.iter().filter(|d| !hosts.iter().any(|h| h.name == d.name)).cloned().collect();
    Some(Fleet { dir: dir.clone(), hosts, missing })
}

/// Which host a path belongs to: its first component below the fleet directory.
#[derive(Clone, Debug, Default)]
pub struct HostIndex {
    dir: PathBuf,
    /// foldhash: asked once per file read.
    by_name: HashMap<String, HostId, foldhash::fast::RandomState>,
}

impl HostIndex {
    pub fn new(fleet: &Fleet) -> Self {
        let by_name = fleet.hosts.iter().enumerate().map(|(i, h)| (h.name.clone(), HostId(i))).collect();
        HostIndex { dir: fleet.dir.clone(), by_name }
    }

    /// The host whose tree holds `path` (`None`: outside every host tree). Constant time
    /// in the number of hosts.
    pub fn host_of(&self, path: &Path) -> Option<HostId> {
        // Asked for every file and finding: the directory's bytes, a `/` and a plain name
        // are what the walk spells, and need no walk over the components.
        if let Some(name) = self.first_name_below(path) {
            return self.by_name.get(name).copied();
        }
        let rel = path.strip_prefix(&self.dir).ok()?;
        match rel.components().next()? {
            Component::Normal(n) => self.by_name.get(n.to_str()?).copied(),
            _ => None,
        }
    }

    /// The name after `dir/` in `path` when `path`'s bytes start with the directory's and a
    /// `/` and that name is a plain UTF-8 component (not `.`, `..` or empty); then it is the
    /// first component of `path.strip_prefix(dir)`. `None`: ask the components.
    fn first_name_below<'p>(&self, path: &'p Path) -> Option<&'p str> {
        use std::os::unix::ffi::OsStrExt;
        let dir = self.dir.as_os_str().as_bytes();
        let rest = path.as_os_str().as_bytes().strip_prefix(dir)?.strip_prefix(b"/")?;
        let name = rest.split(|&c| c == b'/').next()?;
        if dir.is_empty() || name.is_empty() || name == b"." || name == b".." {
            return None;
        }
        std::str::from_utf8(name).ok()
    }

    /// The host named `name` (its tree's directory name).
    pub fn by_name(&self, name: &str) -> Option<HostId> {
        self.by_name.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_of_host_trees_is_a_fleet() {
        let dir = std::env::temp_dir().join(format!("sesslint-fleet-{}", std::process::id()));
        for h in ["web/etc/php", "redis/etc/redis", "db", ".git"] {
            std::fs::create_dir_all(dir.join(h)).unwrap();
        }
        let decl = HostDecl {
            name: "db".into(),
            addresses: vec!["10.0.0.9".into()],
            source: "sesslint.toml".into(),
            outside: false,
        };
        let fleet = detect_fleet(std::slice::from_ref(&dir), None, &[decl]).expect("a fleet");
        let names: Vec<&str> = fleet.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["db", "redis", "web"], "db has no etc/ but is declared");
        assert!(fleet.missing.is_empty());
        let index = HostIndex::new(&fleet);
        assert_eq!(index.host_of(&dir.join("web/etc/php/8.2/fpm/php.ini")), Some(HostId(2)));
        assert_eq!(index.host_of(&dir.join("elsewhere/x")), None);
        assert!(
            detect_fleet(std::slice::from_ref(&dir), None, &[]).is_none(),
            "db is no host tree: not every child is one"
        );
        assert!(detect_fleet(&[dir.join("web")], None, &[]).is_none(), "a host tree is not a fleet");
        assert!(detect_fleet(std::slice::from_ref(&dir), Some(Path::new("/")), &[]).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The byte shortcut of `host_of` answers what the components answer, however the
    /// fleet directory and the path are spelt.
    #[test]
    fn host_of_by_bytes_agrees_with_the_components() {
        let names = ["web", "db", ".", "..", "w\u{e9}b"];
        for dir in ["/f", "/f/", "f", "./f", ".", "/", "f/.", "/f//g"] {
            let index = HostIndex {
                dir: PathBuf::from(dir),
                by_name: names.iter().enumerate().map(|(i, n)| (n.to_string(), HostId(i))).collect(),
            };
            let slow = |p: &Path| {
                let rel = p.strip_prefix(&index.dir).ok()?;
                match rel.components().next()? {
                    Component::Normal(n) => index.by_name.get(n.to_str()?).copied(),
                    _ => None,
                }
            };
            for rest in ["web/etc/php.ini", "web", "web/", "/web/x", "./web/x", "../web", "db//x", "w\u{e9}b/x", "x"] {
                for sep in ["/", "", "//"] {
                    let p = PathBuf::from(format!("{dir}{sep}{rest}"));
                    assert_eq!(index.host_of(&p), slow(&p), "{p:?} in {dir:?}");
                }
            }
        }
    }
}
