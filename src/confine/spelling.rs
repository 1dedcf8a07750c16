//! One spelling per directory: a path a config names (`include /etc/x.conf` below the root
//! `.`, so `etc/x.conf`) is spelled as the walk spelled the same directory (`etclink/x.conf`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::Confinement;

/// The directories the walk found files in, by where they really are (realpath(3) on this
/// machine, through the build's [`Confinement::canonical_path`]), so that one file reached
/// through a symlinked directory and by the path a config names is one path, read, parsed
/// and reported once. Built on the first lookup that needs it; for one build only.
#[derive(Debug)]
pub struct Spellings {
    /// The walk's files' directories, as spelled.
    dirs: Vec<PathBuf>,
    confinement: Confinement,
    /// (`dirs` as a set, each real directory -> its first spelling in `dirs`).
    index: OnceLock<(HashSet<PathBuf>, HashMap<PathBuf, PathBuf>)>,
}

impl Spellings {
    /// The directories of `files` (paths as the walk spelled them), resolved through
    /// `confinement` when first asked.
    pub fn new<'a>(files: impl IntoIterator<Item = &'a Path>, confinement: &Confinement) -> Self {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for f in files {
            let d = dir_of(f);
            if dirs.last().map(PathBuf::as_path) != Some(d) {
                dirs.push(d.to_path_buf());
            }
        }
        Spellings { dirs, confinement: confinement.clone(), index: OnceLock::new() }
    }

    /// `path` spelled as the walk spelled its directory, when that differs from how it is
    /// written (the same directory reached another way) and stays below `root` (never
    /// another host's tree of a fleet); `None` otherwise. Only the directory is compared: a
    /// file that is itself a symlink keeps its own name, as the walk keeps it.
    pub fn respell(&self, path: &Path, root: &Path) -> Option<PathBuf> {
        let name = path.file_name()?;
        let spelled = self.spelled_dir(dir_of(path), root)?;
        Some(super::join_below(spelled, Path::new(name)))
    }

    /// `dir` spelled as the walk spelled the same directory (see [`Spellings::respell`]).
    pub fn spelled_dir(&self, dir: &Path, root: &Path) -> Option<&Path> {
        let (spelled, by_real) = self.index.get_or_init(|| {
            let spelled: HashSet<PathBuf> = self.dirs.iter().cloned().collect();
            let mut by_real = HashMap::new();
            for d in &self.dirs {
                if let Ok(real) = self.confinement.canonical_path(d) {
                    by_real.entry(real).or_insert_with(|| d.clone());
                }
            }
            (spelled, by_real)
        });
        if by_real.is_empty() || spelled.contains(dir) {
            return None;
        }
        let real = self.confinement.canonical_path(dir).ok()?;
        let found = by_real.get(&real)?;
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
    }
}
