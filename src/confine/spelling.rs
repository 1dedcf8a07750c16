//! One spelling per file: a path a config names (`include /etc/x.conf` below the root `.`,
//! so `etc/x.conf`) is spelled as the walk spelled the same file (`etclink/x.conf`).

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::Confinement;

/// Paths by their bytes (`Path`'s own hash walks its components).
type ByBytes = HashSet<OsString, foldhash::fast::RandomState>;

/// Each real directory -> its first spelling in the walk, for one root.
type ByReal = std::sync::Arc<HashMap<PathBuf, PathBuf>>;

/// The files the walk found (read, or left unparsed past the budget) and their directories,
/// by where they really are on the tree's machine (resolved below its root as its kernel
/// does, [`super::resolve_under_root`], then realpath(3) through the build's
/// [`Confinement::canonical_path`]), so that one file reached through a symlinked directory
/// or a symlink, and by the path a config names, is one path: read, parsed and reported
/// once. Each index is built on the first lookup that needs it; for one build only.
#[derive(Debug)]
pub struct Spellings {
    /// The walk's files, as spelled.
    files: Vec<PathBuf>,
    /// Their directories, as spelled (a directory's files are neighbours in the walk's order).
    dirs: Vec<PathBuf>,
    confinement: Confinement,
    file_set: OnceLock<ByBytes>,
    dir_set: OnceLock<ByBytes>,
    /// Per root: each real directory -> its first spelling in `dirs`, resolved only when a
    /// path is not spelled as walked (no system call otherwise).
    by_real: std::sync::Mutex<Vec<(PathBuf, ByReal)>>,
    /// The walk's files that are symlinks (one `lstat` each, on the first lookup of a path
    /// that is not one of them nor a link to one).
    links: OnceLock<Vec<PathBuf>>,
}

impl Spellings {
    /// The files the walk found (paths as it spelled them), resolved through `confinement`
    /// when first asked.
    pub fn new<'a>(files: impl IntoIterator<Item = &'a Path>, confinement: &Confinement) -> Self {
        let files: Vec<PathBuf> = files.into_iter().map(Path::to_path_buf).collect();
        let mut dirs: Vec<PathBuf> = Vec::new();
        for f in &files {
            let d = dir_of(f);
            if dirs.last().map(PathBuf::as_path) != Some(d) {
                dirs.push(d.to_path_buf());
            }
        }
        Spellings {
            files,
            dirs,
            confinement: confinement.clone(),
            file_set: OnceLock::new(),
            dir_set: OnceLock::new(),
            by_real: Default::default(),
            links: OnceLock::new(),
        }
    }

    fn is_walked_file(&self, path: &Path) -> bool {
        let set = self.file_set.get_or_init(|| self.files.iter().map(|f| f.as_os_str().to_owned()).collect());
        set.contains(path.as_os_str())
    }

    fn is_walked_dir(&self, dir: &Path) -> bool {
        let set = self.dir_set.get_or_init(|| self.dirs.iter().map(|d| d.as_os_str().to_owned()).collect());
        set.contains(dir.as_os_str())
    }

    /// Where directory `dir` really is on the machine whose tree is `root`.
    fn real_in_tree(&self, dir: &Path, root: &Path) -> Option<PathBuf> {
        match root == Path::new("/") {
            true => self.confinement.canonical_path(dir).ok(),
            false => self.confinement.canonical_path(&super::resolve_under_root(dir, root)).ok(),
        }
    }

    fn by_real(&self, root: &Path) -> ByReal {
        let mut roots = self.by_real.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, map)) = roots.iter().find(|(r, _)| r == root) {
            return map.clone();
        }
        let mut by_real = HashMap::new();
        for d in &self.dirs {
            if let Some(real) = self.real_in_tree(d, root) {
                by_real.entry(real).or_insert_with(|| d.clone());
            }
        }
        let map = std::sync::Arc::new(by_real);
        roots.push((root.to_path_buf(), map.clone()));
        map
    }

    /// `path` (a file a config names, below `root`) as the walk spelled it, when that differs
    /// from how it is written: its directory as the walk spelled the same directory; when it
    /// is a symlink (its chain followed below `root`, as the tree's kernel does) to a file the
    /// walk found, that file; when a file the walk found is a symlink to it (resolved below
    /// `root`, [`super::resolve_under_root`]), that file. Never a spelling outside `root`
    /// (another host's tree of a fleet). `None`: as written.
    pub fn respell(&self, path: &Path, root: &Path) -> Option<PathBuf> {
        if self.files.is_empty() || self.is_walked_file(path) {
            return None;
        }
        let spelled = self.respell_dir_of(path, root).unwrap_or_else(|| path.to_path_buf());
        if self.is_walked_file(&spelled) {
            return Some(spelled);
        }
        if let Some(link) = link_on_tree(&spelled, root) {
            let target = super::follow_links_under(&link, root);
            let target = self.respell_dir_of(&target, root).unwrap_or(target);
            if self.is_walked_file(&target) && super::relative_to_root(&target, root).is_some() {
                return Some(target);
            }
        }
        if let Some(link) = self.walked_link_to(&spelled, root) {
            return Some(link);
        }
        (spelled != path).then_some(spelled)
    }

    /// The first file the walk found, below `root`, that is a symlink leading (below `root`)
    /// where `path` leads, or that is spelled through a directory symlink this machine does
    /// not follow as the tree's does (discovery's walk below the root) and is `path` there.
    fn walked_link_to(&self, path: &Path, root: &Path) -> Option<PathBuf> {
        let links = self.links.get_or_init(|| {
            let is_link = |f: &&PathBuf| std::fs::symlink_metadata(f).map_or(true, |m| m.is_symlink());
            self.files.iter().filter(is_link).cloned().collect()
        });
        if links.is_empty() {
            return None;
        }
        let target = super::resolve_under_root(path, root);
        links
            .iter()
            .filter(|l| super::relative_to_root(l, root).is_some())
            .find(|l| super::resolve_under_root(l, root) == target)
            .cloned()
    }

    /// `path` with its directory spelled as the walk spelled the same directory.
    fn respell_dir_of(&self, path: &Path, root: &Path) -> Option<PathBuf> {
        let name = path.file_name()?;
        let spelled = self.spelled_dir(dir_of(path), root)?;
        Some(super::join_below(&spelled, Path::new(name)))
    }

    /// `dir` spelled as the walk spelled the same directory, when it is spelled otherwise
    /// and that spelling is below `root`.
    pub fn spelled_dir(&self, dir: &Path, root: &Path) -> Option<PathBuf> {
        if self.dirs.is_empty() || self.is_walked_dir(dir) {
            return None;
        }
        let real = self.real_in_tree(dir, root)?;
        let found = self.by_real(root).get(&real)?.clone();
        (found != dir && super::relative_to_root(&found, root).is_some()).then_some(found)
    }
}

/// `path` when it is a symlink on the machine whose tree is `root`: as this machine spells it
/// or, when this machine finds nothing there (a directory symlink on the way that only the
/// tree's machine resolves), with its directory resolved below `root`. One `lstat` when
/// this machine has the path.
fn link_on_tree(path: &Path, root: &Path) -> Option<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(m) => m.is_symlink().then(|| path.to_path_buf()),
        Err(_) if root != Path::new("/") => {
            let on_tree = super::resolve_under_root(dir_of(path), root).join(path.file_name()?);
            std::fs::symlink_metadata(&on_tree).is_ok_and(|m| m.is_symlink()).then_some(on_tree)
        }
        Err(_) => None,
    }
}

/// The directory `path` is in, `.` for a bare name.
fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_named_through_a_symlink_is_spelled_as_the_walk_spelled_it() {
        let t = tempfile::tempdir().expect("tempdir");
        let d = t.path();
        std::fs::create_dir_all(d.join("etc/redis")).expect("mkdir");
        std::fs::create_dir_all(d.join("other")).expect("mkdir");
        std::os::unix::fs::symlink("etc", d.join("etclink")).expect("symlink");
        let walked = [d.join("etclink/redis/redis.conf"), d.join("other/x.conf")];
        let s = Spellings::new(walked.iter().map(PathBuf::as_path), &Confinement::new(d, &[]));
        assert_eq!(s.respell(&d.join("etc/redis/redis.conf"), d), Some(d.join("etclink/redis/redis.conf")));
        // Spelled as walked already, or a directory the walk found nothing in: as written.
        assert_eq!(s.respell(&d.join("etclink/redis/redis.conf"), d), None);
        assert_eq!(s.respell(&d.join("etc/x.conf"), d), None);
        // Never to a spelling outside the tree the path belongs to.
        assert_eq!(s.respell(&d.join("etc/redis/redis.conf"), &d.join("etc")), None);
        // A symlink (an absolute target below the root) to a file the walk found is that file.
        std::fs::create_dir_all(d.join("srv")).expect("mkdir");
        std::os::unix::fs::symlink("/srv/users.acl", d.join("etc/redis/users.acl")).expect("symlink");
        let walked = [d.join("etc/redis/redis.conf"), d.join("srv/users.acl")];
        let s = Spellings::new(walked.iter().map(PathBuf::as_path), &Confinement::new(d, &[]));
        assert_eq!(s.respell(&d.join("etc/redis/users.acl"), d), Some(d.join("srv/users.acl")));
        assert_eq!(s.respell(&d.join("etclink/redis/users.acl"), d), Some(d.join("srv/users.acl")));
        // The other way round: the walk found the link, the config names where it leads.
        let walked = [d.join("etc/redis/redis.conf"), d.join("etc/redis/users.acl")];
        let s = Spellings::new(walked.iter().map(PathBuf::as_path), &Confinement::new(d, &[]));
        assert_eq!(s.respell(&d.join("srv/users.acl"), d), Some(d.join("etc/redis/users.acl")));
        assert_eq!(s.respell(&d.join("srv/other.acl"), d), None);
        // Never to a link of another tree.
        assert_eq!(s.respell(&d.join("srv/users.acl"), &d.join("srv")), None);
    }
}
