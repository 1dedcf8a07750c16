//! One spelling per file: a path a config names (`include /etc/x.conf` below the root `.`,
//! so `etc/x.conf`) is spelled as the walk spelled the same file (`etclink/x.conf`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::Confinement;

/// The files the walk found (read, or left unparsed past the budget) and their directories,
/// by where they really are (realpath(3) on this machine, through the build's
/// [`Confinement::canonical_path`]), so that one file reached through a symlinked directory
/// or a symlink, and by the path a config names, is one path: read, parsed and reported
/// once. Indexed on the first lookup that needs it; for one build only.
#[derive(Debug)]
pub struct Spellings {
    /// The walk's files, as spelled.
    files: Vec<PathBuf>,
    confinement: Confinement,
    index: OnceLock<Index>,
}

#[derive(Debug)]
struct Index {
    files: HashSet<PathBuf>,
    dirs: HashSet<PathBuf>,
    /// Each real directory -> its first spelling among the files' directories: resolved
    /// only when a path is not spelled as walked (no system call otherwise).
    by_real: OnceLock<HashMap<PathBuf, PathBuf>>,
}

impl Spellings {
    /// The files the walk found (paths as it spelled them), resolved through `confinement`
    /// when first asked.
    pub fn new<'a>(files: impl IntoIterator<Item = &'a Path>, confinement: &Confinement) -> Self {
        let files = files.into_iter().map(Path::to_path_buf).collect();
        Spellings { files, confinement: confinement.clone(), index: OnceLock::new() }
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let files: HashSet<PathBuf> = self.files.iter().cloned().collect();
            let dirs: HashSet<PathBuf> = self.files.iter().map(|f| dir_of(f).to_path_buf()).collect();
            Index { files, dirs, by_real: OnceLock::new() }
        })
    }

    fn by_real(&self) -> &HashMap<PathBuf, PathBuf> {
        self.index().by_real.get_or_init(|| {
            let mut by_real = HashMap::new();
            let mut ordered: Vec<&Path> = self.files.iter().map(|f| dir_of(f)).collect();
            ordered.dedup();
            for d in ordered {
                if let Ok(real) = self.confinement.canonical_path(d) {
                    by_real.entry(real).or_insert_with(|| d.to_path_buf());
                }
            }
            by_real
        })
    }

    /// `path` (a file a config names, below `root`) as the walk spelled it, when that differs
    /// from how it is written: its directory as the walk spelled the same directory, and,
    /// when it is a symlink (its chain followed below `root`, as the tree's kernel does) to a
    /// file the walk found, that file. Never a spelling outside `root` (another host's tree
    /// of a fleet). `None`: as written.
    pub fn respell(&self, path: &Path, root: &Path) -> Option<PathBuf> {
        let index = self.index();
        if index.files.contains(path) {
            return None;
        }
        let spelled = self.respell_dir_of(path, root).unwrap_or_else(|| path.to_path_buf());
        if !index.files.contains(&spelled) && std::fs::symlink_metadata(&spelled).is_ok_and(|m| m.is_symlink()) {
            let target = super::follow_links_under(&spelled, root);
            let target = self.respell_dir_of(&target, root).unwrap_or(target);
            if index.files.contains(&target) && super::relative_to_root(&target, root).is_some() {
                return Some(target);
            }
        }
        (spelled != path).then_some(spelled)
    }

    /// `path` with its directory spelled as the walk spelled the same directory.
    fn respell_dir_of(&self, path: &Path, root: &Path) -> Option<PathBuf> {
        let name = path.file_name()?;
        let spelled = self.spelled_dir(dir_of(path), root)?;
        Some(super::join_below(spelled, Path::new(name)))
    }

    /// `dir` spelled as the walk spelled the same directory, when it is spelled otherwise
    /// and that spelling is below `root`.
    pub fn spelled_dir(&self, dir: &Path, root: &Path) -> Option<&Path> {
        if self.files.is_empty() || self.index().dirs.contains(dir) {
            return None;
        }
        let real = self.confinement.canonical_path(dir).ok()?;
        let found = self.by_real().get(&real)?;
        (found != dir && super::relative_to_root(found, root).is_some()).then_some(found.as_path())
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
    }
}
