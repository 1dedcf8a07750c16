//! The process's current directory, asked of the kernel once, and the paths made absolute
//! or resolved against it: a relative path's realpath(3) would ask `getcwd` every time.
//!
//! sesslint never changes its directory (no `set_current_dir` anywhere), so the answer
//! of the first `getcwd` holds for the whole run.

use std::path::{Component, Path, PathBuf};

/// The current directory as `getcwd(3)` gave it the first time it was asked (absolute,
/// symlinks resolved by the kernel); `None` when it could not be read (removed, too deep).
pub fn current_dir() -> Option<&'static Path> {
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    CWD.get_or_init(|| std::env::current_dir().ok()).as_deref()
}

/// `path` made absolute as `std::path::absolute` does on Unix (`.` components dropped,
/// `..` kept), against [`current_dir`]; `None` when `path` is empty or relative while the
/// current directory is unknown.
pub fn absolute(path: &Path) -> Option<PathBuf> {
    if path.is_absolute() {
        return std::path::absolute(path).ok();
    }
    if path.as_os_str().is_empty() {
        return None;
    }
    let mut out = current_dir()?.to_path_buf();
    out.extend(path.components().filter(|c| *c != Component::CurDir));
    Some(out)
}

/// `std::fs::canonicalize(path)` (realpath(3)); the current directory itself (`.`, `./.`, or
/// spelled as `getcwd` gave it) is [`current_dir`] (what realpath's own `getcwd` gives). Any other relative
/// path is left to realpath, which resolves only its own components below the `getcwd`
/// answer (joined to the directory first, every component of the directory would be
/// `readlink`ed again). Errors are realpath's (`NotFound`, `NotADirectory`, ...).
pub fn realpath(path: &Path) -> std::io::Result<PathBuf> {
    let here = !path.as_os_str().is_empty() && path.components().all(|c| c == Component::CurDir);
    match current_dir() {
        // The directory spelled as `getcwd` gave it (a work tree's top found walking up
        // from it) is its own resolution too.
        Some(cwd) if here || path == cwd => Ok(cwd.to_path_buf()),
        _ => std::fs::canonicalize(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_as_the_kernel_resolves_them_from_here() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::os::unix::fs::symlink("a/b", dir.path().join("l")).unwrap();
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(current_dir(), Some(cwd.as_path()));
        // A path relative to the current directory, through `..`, a link and `.`.
        let rel = pathdiff(dir.path(), &cwd);
        for tail in [".", "l", "l/..", "a/./b", "a/b/../b", "nope", "l/nope"] {
            let p = rel.join(tail);
            let ours = realpath(&p).map_err(|e| e.kind());
            let std = std::fs::canonicalize(&p).map_err(|e| e.kind());
            assert_eq!(ours, std, "{}", p.display());
            assert_eq!(absolute(&p), std::path::absolute(&p).ok(), "{}", p.display());
        }
        assert_eq!(realpath(Path::new("")).map_err(|e| e.kind()), std::fs::canonicalize("").map_err(|e| e.kind()));
        assert_eq!(absolute(Path::new("")), None);
        assert_eq!(absolute(Path::new("./x/../y")), std::path::absolute("./x/../y").ok());
        assert_eq!(realpath(&cwd).unwrap(), std::fs::canonicalize(&cwd).unwrap());
        for here in [".", "./.", "./"] {
            assert_eq!(realpath(Path::new(here)).unwrap(), std::fs::canonicalize(here).unwrap());
        }
    }

    /// `to` spelled relative to `from` (both absolute), with `..` to step up.
    fn pathdiff(to: &Path, from: &Path) -> PathBuf {
        let (t, f): (Vec<_>, Vec<_>) = (to.components().collect(), from.components().collect());
        let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
        let mut out = PathBuf::new();
        for _ in common..f.len() {
            out.push("..");
        }
        out.extend(&t[common..]);
        out
    }
}
