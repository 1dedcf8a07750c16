//! A directory opened once and every file operation of an apply or restore made relative
//! to it (`openat`, `linkat`, `renameat`, `unlinkat`), so a path swapped for a symlink
//! after the check cannot redirect a write: the file replaced is the one checked.

use std::ffi::{CString, OsStr};
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// An open directory (`O_DIRECTORY|O_NOFOLLOW`) and the canonical path it had when opened.
#[derive(Debug)]
pub struct Dir {
    file: File,
    path: PathBuf,
}

fn c_name(name: &OsStr) -> std::io::Result<CString> {
    // A name is one path component: never `..`, `.`, empty or with a `/`.
    if name.is_empty() || name == ".." || name == "." || name.as_bytes().contains(&b'/') {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"));
    }
    CString::new(name.as_bytes()).map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in name"))
}

fn check(r: libc::c_int) -> std::io::Result<libc::c_int> {
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

impl Dir {
    /// Open `path` (symlinks and `..` resolved first) as a directory; on Linux the open
    /// descriptor is checked (`/proc/self/fd`) to be that canonical path, so a component
    /// swapped for a symlink between the two steps is refused rather than followed.
    pub fn open(path: &Path) -> std::io::Result<Dir> {
        let canonical = std::fs::canonicalize(path)?;
        let c = CString::new(canonical.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in path"))?;
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: a NUL-terminated path; the fd returned is owned by the File below.
        let fd = check(unsafe { libc::open(c.as_ptr(), flags) })?;
        // SAFETY: `fd` was just opened and is owned by nothing else.
        let file = unsafe { File::from_raw_fd(fd) };
        if let Ok(now) = std::fs::read_link(format!("/proc/self/fd/{fd}")) {
            if now != canonical {
                return Err(std::io::Error::other(format!(
                    "{} changed while it was being opened (now {})",
                    crate::source::display_path(&canonical),
                    crate::source::display_path(&now)
                )));
            }
        }
        Ok(Dir { file, path: canonical })
    }

    /// The canonical path the directory had when opened.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Open the file `name` of this directory for reading, never through a symlink
    /// (`ELOOP`) and never blocking on a FIFO.
    pub fn open_file(&self, name: &OsStr) -> std::io::Result<File> {
        let c = c_name(name)?;
        let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC;
        // SAFETY: valid dir fd and NUL-terminated name; the fd is owned by the File.
        let fd = check(unsafe { libc::openat(self.file.as_raw_fd(), c.as_ptr(), flags) })?;
        // SAFETY: as above.
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    /// Create the new file `name` (`O_EXCL|O_NOFOLLOW`: never an existing file or a
    /// symlink's target) with mode `mode` (before the umask), open for writing.
    pub fn create(&self, name: &OsStr, mode: u32) -> std::io::Result<File> {
        let c = c_name(name)?;
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: valid dir fd and NUL-terminated name; the fd is owned by the File.
        let fd = check(unsafe { libc::openat(self.file.as_raw_fd(), c.as_ptr(), flags, mode as libc::c_uint) })?;
        // SAFETY: as above.
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    /// `renameat(from, to)` inside this directory.
    pub fn rename(&self, from: &OsStr, to: &OsStr) -> std::io::Result<()> {
        let (f, t) = (c_name(from)?, c_name(to)?);
        let fd = self.file.as_raw_fd();
        // SAFETY: valid dir fd and NUL-terminated names.
        check(unsafe { libc::renameat(fd, f.as_ptr(), fd, t.as_ptr()) }).map(|_| ())
    }

    /// `renameat(from, to_dir/to)`: the file `from` of this directory moved into another open
    /// directory of the same file system (`EXDEV` otherwise; atomic like [`Dir::rename`]).
    pub fn rename_into(&self, from: &OsStr, to_dir: &Dir, to: &OsStr) -> std::io::Result<()> {
        let (f, t) = (c_name(from)?, c_name(to)?);
        // SAFETY: valid dir fds and NUL-terminated names.
        check(unsafe { libc::renameat(self.file.as_raw_fd(), f.as_ptr(), to_dir.file.as_raw_fd(), t.as_ptr()) })
            .map(|_| ())
    }

    /// The device (`st_dev`) the directory is on.
    pub fn device(&self) -> std::io::Result<u64> {
        use std::os::unix::fs::MetadataExt;
        Ok(self.file.metadata()?.dev())
    }

    /// The same directory through a second descriptor.
    pub fn try_clone(&self) -> std::io::Result<Dir> {
        Ok(Dir { file: self.file.try_clone()?, path: self.path.clone() })
    }

    /// The subdirectory `name`, created (mode 0700) when `create` and absent; opened
    /// `O_NOFOLLOW`, so a symlink there is refused, never followed.
    pub fn subdir(&self, name: &OsStr, create: bool) -> std::io::Result<Dir> {
        let c = c_name(name)?;
        if create {
            // SAFETY: valid dir fd and NUL-terminated name.
            let r = unsafe { libc::mkdirat(self.file.as_raw_fd(), c.as_ptr(), 0o700) };
            if r < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::AlreadyExists {
                    return Err(e);
                }
            }
        }
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: valid dir fd and NUL-terminated name; the fd is owned by the File.
        let fd = check(unsafe { libc::openat(self.file.as_raw_fd(), c.as_ptr(), flags) })?;
        // SAFETY: as above.
        Ok(Dir { file: unsafe { File::from_raw_fd(fd) }, path: self.path.join(name) })
    }

    /// `mkdirat(name, 0700)`, failing with `AlreadyExists` when something is there.
    pub fn make_dir(&self, name: &OsStr) -> std::io::Result<()> {
        let c = c_name(name)?;
        // SAFETY: valid dir fd and NUL-terminated name.
        check(unsafe { libc::mkdirat(self.file.as_raw_fd(), c.as_ptr(), 0o700) }).map(|_| ())
    }

    /// `linkat(from, to_dir/to)`: the file `from` of this directory hard-linked into
    /// another open directory (a symlink `from` is linked, not followed).
    pub fn link_into(&self, from: &OsStr, to_dir: &Dir, to: &OsStr) -> std::io::Result<()> {
        let (f, t) = (c_name(from)?, c_name(to)?);
        // SAFETY: valid dir fds and NUL-terminated names.
        check(unsafe { libc::linkat(self.file.as_raw_fd(), f.as_ptr(), to_dir.file.as_raw_fd(), t.as_ptr(), 0) })
            .map(|_| ())
    }

    /// The names in this directory (read through the open descriptor).
    pub fn names(&self) -> std::io::Result<Vec<std::ffi::OsString>> {
        let listed = std::fs::read_dir(format!("/proc/self/fd/{}", self.file.as_raw_fd()))
            .or_else(|_| std::fs::read_dir(&self.path))?;
        Ok(listed.filter_map(Result::ok).map(|e| e.file_name()).collect())
    }

    /// The subdirectory `name` and everything in it removed, every step relative to an
    /// open descriptor, never through a symlink (a symlink inside is removed, not followed).
    pub fn remove_tree(&self, name: &OsStr) -> std::io::Result<()> {
        let c = c_name(name)?;
        let sub = self.subdir(name, false)?;
        for entry in sub.names()? {
            let ce = c_name(&entry)?;
            // SAFETY: valid dir fd and NUL-terminated name.
            if unsafe { libc::unlinkat(sub.file.as_raw_fd(), ce.as_ptr(), 0) } < 0 {
                sub.remove_tree(&entry)?;
            }
        }
        // SAFETY: valid dir fd and NUL-terminated name.
        check(unsafe { libc::unlinkat(self.file.as_raw_fd(), c.as_ptr(), libc::AT_REMOVEDIR) }).map(|_| ())
    }

    /// `unlinkat(name)`: the directory entry removed (a symlink itself, never its target).
    pub fn remove(&self, name: &OsStr) -> std::io::Result<()> {
        let c = c_name(name)?;
        // SAFETY: valid dir fd and NUL-terminated name.
        check(unsafe { libc::unlinkat(self.file.as_raw_fd(), c.as_ptr(), 0) }).map(|_| ())
    }

    /// fsync the directory (makes renames, links and removals in it durable).
    pub fn sync(&self) -> std::io::Result<()> {
        self.file.sync_all()
    }
}

/// `path`'s directory and file name.
pub fn split(path: &Path) -> std::io::Result<(&Path, &OsStr)> {
    let name = path.file_name().ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"))?;
    Ok((super::apply::parent(path), name))
}
