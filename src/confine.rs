//! The one way sesslint opens a configuration file: the path resolved (after `..` and
//! symlinks) inside the checked tree, never a pseudo filesystem, regular files only, 16 MiB.
//!
//! Every read of config text goes through [`Confinement::read`]: discovered files, redis
//! `include` (and its globs), `aclfile`, php-fpm `include=`, tunnel paths, `sesslint.toml`.
//! A refusal names the path and never carries the file's content.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

mod here;
mod spelling;
pub use here::{absolute, current_dir, realpath};
pub use spelling::Spellings;

/// Files larger than this are refused (SL002 / SL004), never read: 16 MiB.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Filesystem types that hold no configuration, only views of the kernel or of devices
/// (`/proc/self/mountinfo` field 9). Reading them can block, never end, or show secrets
/// (`/proc/self/environ`).
const PSEUDO_FS_TYPES: &[&str] = &[
    "proc",
    "sysfs",
    "devtmpfs",
    "devpts",
    "cgroup",
    "cgroup2",
    "debugfs",
    "tracefs",
    "securityfs",
    "pstore",
    "bpf",
    "configfs",
    "fusectl",
    "mqueue",
    "hugetlbfs",
    "binfmt_misc",
    "efivarfs",
    "selinuxfs",
    "rpc_pipefs",
    "nsfs",
    "autofs",
];

/// Directories of this machine that are never configuration, whatever is mounted there.
const PSEUDO_DIRS: &[&str] = &["/proc", "/sys", "/dev"];

/// Why a path was not read. Never holds any of the file's bytes.
#[derive(Debug)]
pub enum Refusal {
    /// After `..` and symlinks it is outside every checked tree.
    Outside {
        resolved: PathBuf,
    },
    /// It is in /proc, /sys, /dev or on a pseudo filesystem (proc, sysfs, devtmpfs, ...).
    Pseudo {
        resolved: PathBuf,
    },
    /// A FIFO, socket or device: opening it could block forever.
    NotRegular,
    /// Larger than [`MAX_FILE_SIZE`] (bytes).
    TooLarge(u64),
    Io(std::io::Error),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Where it leads is not said: a symlink's target outside the tree, or whether
            // that exists, is the machine's and not the checked tree's to tell.
            Refusal::Outside { .. } => f.write_str(
                "it leads outside the checked tree; not read (check a directory that holds it, or give a copied tree's top as --root DIR)",
            ),
            Refusal::Pseudo { .. } => {
                f.write_str("it leads into a kernel or device filesystem (/proc, /sys, /dev), never configuration; not read")
            }
            Refusal::NotRegular => f.write_str("not a regular file (FIFO, socket or device); not opened"),
            Refusal::TooLarge(n) => write!(f, "{n} bytes, over the {} MiB limit; not read", MAX_FILE_SIZE >> 20),
            Refusal::Io(e) => match e.kind() {
                std::io::ErrorKind::PermissionDenied => f.write_str("permission denied"),
                std::io::ErrorKind::NotFound => f.write_str("no such file or directory"),
                _ => write!(f, "{e}"),
            },
        }
    }
}

impl Refusal {
    /// Like redis-server's strerror() text where there is one, else the refusal.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Refusal::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

/// The trees sesslint may read: the root and the paths it was asked to check, as this
/// machine resolves them. With the root `/` (checking the machine itself) every real file
/// may be read, but never /proc, /sys, /dev or a pseudo filesystem.
#[derive(Clone, Debug)]
pub struct Confinement {
    /// Canonical directories (or files) inside which reads are allowed.
    allowed: Vec<PathBuf>,
    /// Device numbers (`st_dev`) of the pseudo filesystems mounted on this machine.
    pseudo_devs: &'static [u64],
    /// Directories resolved during one build ([`Confinement::for_one_pass`]); `None`: each
    /// path resolved whole. Clones share it.
    pass: Option<Arc<ResolvedDirs>>,
}

impl Default for Confinement {
    /// The whole machine, pseudo filesystems excluded.
    fn default() -> Self {
        Confinement::new(Path::new("/"), &[])
    }
}

/// Where `path` (below `root`) leads on the machine whose tree is `root`, resolved as that
/// machine's kernel would (path_resolution(7), chrooted at `root`): component by component,
/// a symlink's absolute target below `root`, a relative one against its directory, `..`
/// after the link it follows (`lnk/..` is the link target's parent) and never above `root`,
/// 40 links at most (ELOOP). Spelled as `root` is. From a missing or non-directory component
/// on, the rest is appended as written (the read then fails as the kernel's would). A path
/// not below `root` only has its last component's link chain followed. What a config's
/// `include`, `include=`, `aclfile` or key file names is read, sized and tested here.
pub fn resolve_under_root(path: &Path, root: &Path) -> PathBuf {
    match below_root(path, root) {
        Some(rel) => resolve_below(root, &rel, true),
        None => follow_links_under(path, root),
    }
}

/// [`resolve_under_root`] for a path about to be read, whose `..` was not clamped at the
/// tree's `/` already (a relative `include` against a directory of this machine): a `..` of
/// `path` as written above `root` leaves it, the rest appended as written, so the confinement
/// refuses it as outside the checked tree rather than reading another file. A `..` of a link
/// target found on the way stops at `root`, as the tree's kernel stops it at `/`.
fn resolve_for_read(path: &Path, root: &Path) -> PathBuf {
    match below_root(path, root) {
        Some(rel) => resolve_below(root, &rel, false),
        None => follow_links_under(path, root),
    }
}

/// `path`'s components after `root`'s, both made absolute without folding `..` (which a
/// symlink may change the meaning of); `None` when `path` is not below `root`.
fn below_root(path: &Path, root: &Path) -> Option<Vec<std::ffi::OsString>> {
    // Both relative (and not empty, which `absolute` refuses): the current directory both
    // would start with is left out (no `getcwd`); `..` is kept either way.
    let both_relative = |p: &Path, r: &Path| {
        p.is_relative() && r.is_relative() && !p.as_os_str().is_empty() && !r.as_os_str().is_empty()
    };
    let (path, root) = if both_relative(path, root) {
        (path.to_path_buf(), root.to_path_buf())
    } else {
        let abs = |p: &Path| absolute(p);
        (abs(path)?, abs(root)?)
    };
    let root: Vec<Component> = root.components().filter(|c| *c != Component::CurDir).collect();
    let mut rest = path.components().filter(|c| *c != Component::CurDir);
    for r in &root {
        if rest.next() != Some(*r) {
            return None;
        }
    }
    Some(rest.map(|c| c.as_os_str().to_owned()).collect())
}

/// The walk of [`resolve_under_root`] over `rel` (components below `root`); `clamp`: a `..`
/// of `rel` at `root` stays there (else it leaves `root`, see [`resolve_for_read`]); a `..`
/// of a link target always stays (the kernel's `/..` is `/`).
fn resolve_below(root: &Path, rel: &[std::ffi::OsString], clamp: bool) -> PathBuf {
    // (component, from a link target); popped from the end.
    let mut todo: Vec<(std::ffi::OsString, bool)> = rel.iter().rev().map(|c| (c.clone(), false)).collect();
    // Below `root`, resolved so far; spelled below it as discovery spells ([`join_below`]).
    let mut done = PathBuf::new();
    let rest = |done: &Path, todo: &[(std::ffi::OsString, bool)]| {
        let mut p = join_below(root, done);
        p.extend(todo.iter().rev().map(|(c, _)| c));
        p
    };
    let mut links = 0;
    while let Some((c, from_link)) = todo.pop() {
        if c == "." || c.is_empty() {
            continue;
        }
        if c == ".." {
            if !done.pop() && !clamp && !from_link {
                // Above the root as written: left so, for the confinement to refuse.
                todo.push((c, from_link));
                return rest(&done, &todo);
            }
            continue;
        }
        let next = done.join(&c);
        let meta = match std::fs::symlink_metadata(join_below(root, &next)) {
            Ok(m) => m,
            Err(_) => {
                todo.push((c, from_link));
                return rest(&done, &todo);
            }
        };
        if meta.file_type().is_symlink() && links < 40 {
            links += 1;
            let Ok(target) = std::fs::read_link(join_below(root, &next)) else {
                todo.push((c, from_link));
                return rest(&done, &todo);
            };
            if target.is_absolute() {
                done = PathBuf::new();
            }
            todo.extend(
                target
                    .components()
                    .filter(|c| *c != Component::RootDir)
                    .rev()
                    .map(|c| (c.as_os_str().to_owned(), true)),
            );
            continue;
        }
        done = next;
        if !meta.is_dir() && !todo.is_empty() {
            // ENOTDIR (or ELOOP past 40 links): the read fails on the path as it stands.
            return rest(&done, &todo);
        }
    }
    join_below(root, &done)
}

/// Follow `link`'s own symlink chain as the machine whose tree is `root` would: an absolute
/// target resolves below `root`, a relative one against the link's directory (40 links at
/// most, as Linux's ELOOP). A path that is no symlink is returned as it is. For a file the
/// walk found (its directories are the walk's); see [`resolve_under_root`] for a path a
/// config names.
pub fn follow_links_under(link: &Path, root: &Path) -> PathBuf {
    let mut p = link.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&p) {
            Ok(t) if t.is_absolute() => p = under_root(root, &t),
            Ok(t) => p = p.parent().unwrap_or(Path::new("")).join(t),
            Err(_) => break,
        }
    }
    p
}

impl Confinement {
    /// Reads allowed below `root` and below each of `checked`.
    pub fn new(root: &Path, checked: &[PathBuf]) -> Self {
        // A checked path that resolves out of the git work tree it is spelled in (a tracked
        // symlink to `..`) widens nothing: it is refused when it is walked or read.
        let kept = checked.iter().map(PathBuf::as_path).filter(|p| leaves_work_tree(p).is_none());
        let mut allowed: Vec<PathBuf> = std::iter::once(root).chain(kept).filter_map(canonical).collect();
        allowed.sort();
        allowed.dedup();
        Confinement { allowed, pseudo_devs: pseudo_devices(), pass: None }
    }

    /// The same trees, with directories resolved once for as long as it and its clones
    /// live ([`ResolvedDirs`]): for one build, whose lowering reads dozens of files per host
    /// in directories the build's reads resolved already. Never kept past the build (a
    /// model keeps [`Confinement::without_pass`]): a directory replaced by a symlink later
    /// would not be seen. Same answers as resolving each path whole.
    pub fn for_one_pass(&self) -> Self {
        Confinement { pass: Some(Arc::new(ResolvedDirs::new())), ..self.clone() }
    }

    /// The same trees, each path resolved whole again (see [`Confinement::for_one_pass`]).
    pub fn without_pass(&self) -> Self {
        Confinement { pass: None, ..self.clone() }
    }

    /// The directories this pass resolved so far, when it is one ([`Confinement::for_one_pass`]).
    pub fn pass_dirs(&self) -> Option<&ResolvedDirs> {
        self.pass.as_deref()
    }

    /// Where `path` really is, as `std::fs::canonicalize` says (no confinement check), from
    /// this pass's directories when it is one.
    pub fn canonical_path(&self, path: &Path) -> std::io::Result<PathBuf> {
        match &self.pass {
            Some(dirs) => dirs.canonicalize(path).map(|(p, _)| p),
            None => realpath(path),
        }
    }

    /// The trees for a run whose root is `/` only because nothing else was found (no
    /// `--root`, no `etc/` at the top): a checked path inside a git work tree (a CI checkout,
    /// a pre-commit run) is confined to that work tree, any other to itself (a file: its
    /// directory), so a checkout without `.git` or an editor's folder reads nothing of the
    /// machine beyond it. Checking the machine is `sesslint /` or `--root /`.
    pub fn for_detected_root(checked: &[PathBuf]) -> Self {
        let own_tree = |p: &PathBuf| {
            if let Some(tree) = spelled_work_tree(p) {
                // Spelled inside a work tree: that tree, or nothing when it resolves out of it.
                return leaves_work_tree(p).is_none().then(|| canonical(&tree)).flatten();
            }
            git_work_tree(p).or_else(|| {
                let c = canonical(p)?;
                if c.is_dir() {
                    Some(c)
                } else {
                    c.parent().map(Path::to_path_buf)
                }
            })
        };
        let trees: Vec<PathBuf> = checked.iter().filter_map(own_tree).collect();
        match trees.first() {
            Some(first) => Confinement::new(first, &trees),
            // Nothing checked exists: nothing to read either.
            None => Confinement::new(Path::new("/nonexistent-sesslint-root"), &[]),
        }
    }

    /// [`Confinement::read`] of a file a config names, inside the tree `root` (a host's, or
    /// `--root`): a symlink's absolute target resolves below `root`, not on this machine
    /// (Debian's `conf.d` links to `mods-available`). `None`: this machine's own tree.
    pub fn read_in(&self, path: &Path, root: Option<&Path>) -> Result<Vec<u8>, Refusal> {
        self.read(&Self::under(path, root))
    }

    /// The metadata of what [`Confinement::read_in`] would read for `path` (symlinks
    /// followed below `root`, the same confinement checks): what a file is sized and
    /// tested by, so that what is sized is what is read. Not read: only `stat`ed.
    pub fn metadata_in(&self, path: &Path, root: Option<&Path>) -> Result<std::fs::Metadata, Refusal> {
        let on_disk = Self::under(path, root);
        let resolved = self.resolve(&on_disk)?;
        std::fs::metadata(resolved).map_err(Refusal::Io)
    }

    /// `path` as this machine names what the tree's machine would open ([`resolve_under_root`]
    /// with a root other than `/`; this machine's own path otherwise).
    pub fn under(path: &Path, root: Option<&Path>) -> PathBuf {
        match root {
            Some(r) if r != Path::new("/") => resolve_for_read(path, r),
            _ => path.to_path_buf(),
        }
    }

    /// Where `path` really is (absolute, `..` and symlinks resolved), or why it may not be
    /// read. A path that does not exist is an `Io(NotFound)`.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, Refusal> {
        if let Some(dirs) = &self.pass {
            return self.resolve_in(path, dirs).map(|(p, _)| p);
        }
        let resolved = realpath(path).map_err(|e| self.unresolved(path, e))?;
        let meta = std::fs::metadata(&resolved).ok();
        self.admit(resolved, meta.as_ref())
    }

    /// Why `path`, which could not be resolved (`e`: missing, a dangling link, no
    /// permission on the way), may not be read: outside the checked trees (or a pseudo
    /// filesystem) when that is where it leads ([`resolve_missing`]), `e` otherwise. So a
    /// path outside is refused with the same words whether or not it exists there: a
    /// repository's `include /x` cannot ask what the machine running sesslint holds.
    fn unresolved(&self, path: &Path, e: std::io::Error) -> Refusal {
        match self.admit(resolve_missing(path), None) {
            Err(r @ (Refusal::Outside { .. } | Refusal::Pseudo { .. })) => r,
            _ => Refusal::Io(e),
        }
    }

    /// The checks of [`Confinement::resolve`] on a path already resolved (absolute, no
    /// symlink, no `..`) with its metadata if it could be read: `resolved` back, or why it
    /// may not be read.
    fn admit(&self, resolved: PathBuf, meta: Option<&std::fs::Metadata>) -> Result<PathBuf, Refusal> {
        // A resolved path is clean (checked once): its prefixes are compared as bytes.
        let clean = is_clean_absolute(&resolved);
        if PSEUDO_DIRS.iter().any(|d| starts_with_at(&resolved, clean, Path::new(d))) {
            return Err(Refusal::Pseudo { resolved });
        }
        if !self.allowed.iter().any(|a| starts_with_at(&resolved, clean, a)) {
            return Err(Refusal::Outside { resolved });
        }
        if meta.is_some_and(|m| self.is_pseudo_dev(m)) {
            return Err(Refusal::Pseudo { resolved });
        }
        Ok(resolved)
    }

    /// [`Confinement::resolve`] with the file's metadata (symlinks followed; `None` when it
    /// could not be read), the path resolved by `dirs` ([`ResolvedDirs::canonicalize`]): a
    /// fleet's files sit by the dozen in the same directories, and resolving each path whole
    /// costs one `readlink` per component. Same answers as `resolve`.
    pub fn resolve_in(
        &self,
        path: &Path,
        dirs: &ResolvedDirs,
    ) -> Result<(PathBuf, Option<std::fs::Metadata>), Refusal> {
        let (resolved, meta) = dirs.canonicalize(path).map_err(|e| self.unresolved(path, e))?;
        let resolved = self.admit(resolved, meta.as_ref())?;
        Ok((resolved, meta))
    }

    /// [`Confinement::resolve_in`] of a `path` already `lstat`ed (`lstat`, see
    /// [`ResolvedDirs::canonicalize_lstated`]): the same checks and answers, one `lstat` fewer.
    pub fn resolve_lstated_in(
        &self,
        path: &Path,
        lstat: std::fs::Metadata,
        dirs: &ResolvedDirs,
    ) -> Result<(PathBuf, Option<std::fs::Metadata>), Refusal> {
        let (resolved, meta) = dirs.canonicalize_lstated(path, lstat).map_err(|e| self.unresolved(path, e))?;
        let resolved = self.admit(resolved, meta.as_ref())?;
        Ok((resolved, meta))
    }

    /// [`Confinement::resolve`] for a path that may not exist yet (a buffer checked as a
    /// file that was never saved): its nearest existing ancestor is resolved and must be
    /// allowed, the rest is appended as written (after `.` and `..` are folded).
    pub fn resolve_new(&self, path: &Path) -> Result<PathBuf, Refusal> {
        if std::fs::symlink_metadata(path).is_ok() {
            return self.resolve(path);
        }
        let abs = lexical_absolute(path);
        let existing = abs.ancestors().find(|a| std::fs::symlink_metadata(a).is_ok()).unwrap_or(Path::new("/"));
        let resolved = self.resolve(existing)?;
        Ok(resolved.join(abs.strip_prefix(existing).unwrap_or(Path::new(""))))
    }

    /// Whether a directory may be walked into (discovery): inside the allowed trees and
    /// not a pseudo filesystem.
    pub fn may_enter(&self, dir: &Path) -> Result<(), Refusal> {
        self.resolve(dir).map(|_| ())
    }

    /// Whether metadata belongs to a pseudo filesystem.
    pub fn is_pseudo_dev(&self, m: &std::fs::Metadata) -> bool {
        use std::os::unix::fs::MetadataExt;
        self.pseudo_devs.contains(&m.dev())
    }

    /// A config file's bytes: resolved inside the allowed trees, a regular file, at most
    /// [`MAX_FILE_SIZE`]. A directory reads as empty (fopen()+fgets() on Linux do the same).
    pub fn read(&self, path: &Path) -> Result<Vec<u8>, Refusal> {
        self.read_with_mode(path).map(|(bytes, _)| bytes)
    }

    /// [`Confinement::read`], with the permission bits (`st_mode & 0o7777`) of the file read,
    /// symlinks followed: one resolution of the path for both (a fleet reads thousands).
    pub fn read_with_mode(&self, path: &Path) -> Result<(Vec<u8>, u32), Refusal> {
        if let Some(dirs) = &self.pass {
            return self.read_with_mode_in(path, dirs);
        }
        let resolved = self.resolve(path)?;
        let meta = std::fs::metadata(&resolved).map_err(Refusal::Io)?;
        Self::read_resolved(resolved, meta)
    }

    /// [`Confinement::read_with_mode`] with the directories resolved once per `dirs` (see
    /// [`Confinement::resolve_in`]).
    pub fn read_with_mode_in(&self, path: &Path, dirs: &ResolvedDirs) -> Result<(Vec<u8>, u32), Refusal> {
        let (resolved, meta) = self.resolve_in(path, dirs)?;
        let meta = match meta {
            Some(m) => m,
            None => std::fs::metadata(&resolved).map_err(Refusal::Io)?,
        };
        Self::read_resolved(resolved, meta)
    }

    /// [`Confinement::read_with_mode_in`] into the shared allocation a [`crate::source::Source`]
    /// keeps (no copy of the bytes from a `Vec`): the same checks, bytes and errors.
    pub fn read_shared_in(&self, path: &Path, dirs: &ResolvedDirs) -> Result<(Arc<[u8]>, u32), Refusal> {
        let (resolved, meta) = self.resolve_in(path, dirs)?;
        let meta = match meta {
            Some(m) => m,
            None => std::fs::metadata(&resolved).map_err(Refusal::Io)?,
        };
        let mode = Self::readable(&meta)?;
        if meta.is_dir() {
            return Ok((Arc::from(&[][..]), mode));
        }
        read_limited_shared(&resolved).map(|bytes| (bytes, mode))
    }

    /// [`Confinement::read_shared_in`] of a file discovery resolved and `lstat`ed already
    /// (`checked`): the file at `checked`'s path is opened without following a symlink there
    /// and without blocking, and read only when the open file is the very one that was
    /// checked (device and inode, a regular file) and passes this confinement's checks on
    /// that path; one `open` and one `fstat` instead of a `lstat` more. Anything else (the
    /// file replaced or moved since, a symlink or FIFO put there) is read as `path` is read
    /// afresh, with every check, by [`Confinement::read_shared_in`].
    pub fn read_checked_in(
        &self,
        path: &Path,
        checked: Option<&Checked>,
        dirs: &ResolvedDirs,
    ) -> Result<(Arc<[u8]>, u32), Refusal> {
        if let Some((c, (mut file, meta))) = checked.and_then(|c| Some((c, open_if_unchanged(c)?))) {
            self.admit(c.resolved.clone(), Some(&meta))?;
            let mode = Self::readable(&meta)?;
            return read_open_shared(&mut file, meta.len().min(MAX_FILE_SIZE) as usize).map(|b| (b, mode));
        }
        self.read_shared_in(path, dirs)
    }

    fn read_resolved(resolved: PathBuf, meta: std::fs::Metadata) -> Result<(Vec<u8>, u32), Refusal> {
        let mode = Self::readable(&meta)?;
        if meta.is_dir() {
            return Ok((Vec::new(), mode));
        }
        read_limited(&resolved).map(|bytes| (bytes, mode))
    }

    /// The permission bits of what `meta` describes, when it may be read: a directory (read
    /// as empty) or a regular file of at most [`MAX_FILE_SIZE`].
    fn readable(meta: &std::fs::Metadata) -> Result<u32, Refusal> {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if meta.is_dir() {
            return Ok(mode);
        }
        if !meta.is_file() {
            return Err(Refusal::NotRegular);
        }
        if meta.len() > MAX_FILE_SIZE {
            return Err(Refusal::TooLarge(meta.len()));
        }
        Ok(mode)
    }
}

/// A regular file as a confinement check found it: its resolved path (absolute, no symlink,
/// no `..`) and the device and inode `lstat` gave, so that a later read can tell the file it
/// opens is that one ([`Confinement::read_checked_in`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub resolved: PathBuf,
    dev: u64,
    ino: u64,
}

impl Checked {
    /// What [`Confinement::resolve_in`] gave for a file: `None` unless `meta` says a
    /// regular file.
    pub fn new(resolved: PathBuf, meta: &std::fs::Metadata) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        meta.is_file().then(|| Checked { resolved, dev: meta.dev(), ino: meta.ino() })
    }

    /// The checked file's device and inode (`st_dev`, `st_ino` of the `lstat` that found it
    /// a regular file): what a `stat` of any spelling of it, links followed, gave then.
    pub fn identity(&self) -> (u64, u64) {
        (self.dev, self.ino)
    }
}

/// Directories' canonical paths (as `std::fs::canonicalize` gives them), each resolved once:
/// for one pass over the files (a walk, a build's reads), never kept longer, since a
/// directory swapped for a symlink afterwards would not be seen. Shared by threads.
#[derive(Debug, Default)]
pub struct ResolvedDirs {
    /// Keyed by the directory's bytes as spelled: `Path`'s own hash walks its components.
    dirs: std::sync::Mutex<std::collections::HashMap<std::ffi::OsString, PathBuf, foldhash::fast::RandomState>>,
}

impl ResolvedDirs {
    pub fn new() -> Self {
        Self::default()
    }

    /// What `std::fs::canonicalize(path)` gives (realpath(3): absolute, `..` and symlinks
    /// resolved), with the metadata of what it names (`None` when that cannot be read), in
    /// a `lstat` per link followed and per file, the directories resolved once: realpath of
    /// `dir/name` is realpath of `dir` joined with `name` when `name` is no symlink, and
    /// realpath of `dir/target` when it is one (`target` itself when absolute). A path that
    /// ends in no plain name (`x/.`, `x/..`, `/`), or 40 links deep, is resolved whole.
    pub fn canonicalize(&self, path: &Path) -> std::io::Result<(PathBuf, Option<std::fs::Metadata>)> {
        self.canonicalize_from(path, None)
    }

    /// [`ResolvedDirs::canonicalize`] of a `path` whose `lstat` the caller made already
    /// (`lstat`, of no symlink: a link's target discovery looked at): the same answer
    /// without asking the kernel about `path` again; its directory resolved as there.
    pub fn canonicalize_lstated(
        &self,
        path: &Path,
        lstat: std::fs::Metadata,
    ) -> std::io::Result<(PathBuf, Option<std::fs::Metadata>)> {
        self.canonicalize_from(path, Some(lstat).filter(|m| !m.file_type().is_symlink()))
    }

    fn canonicalize_from(
        &self,
        path: &Path,
        mut lstat: Option<std::fs::Metadata>,
    ) -> std::io::Result<(PathBuf, Option<std::fs::Metadata>)> {
        use std::os::unix::ffi::OsStrExt;
        let parent_of =
            |p: &Path| p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        let mut p = path.to_path_buf();
        for _ in 0..40 {
            let bytes = p.as_os_str().as_bytes();
            // `x/` and `x/.` name `x` only if it is a directory; realpath sorts that out.
            let name = match p.components().next_back() {
                Some(Component::Normal(n)) if !bytes.ends_with(b"/.") && !bytes.ends_with(b"/") => n.to_owned(),
                _ => break,
            };
            // The caller's `lstat` of `path` stands for the first one only.
            let meta = match lstat.take() {
                Some(m) => m,
                None => std::fs::symlink_metadata(&p)?,
            };
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&p)?;
                p = if target.is_absolute() { target } else { parent_of(&p).join(target) };
                continue;
            }
            let Some(dir) = self.dir(&parent_of(&p)) else { break };
            return Ok((dir.join(name), Some(meta)));
        }
        let resolved = realpath(&p)?;
        let meta = std::fs::metadata(&resolved).ok();
        Ok((resolved, meta))
    }

    /// `dir`'s resolution (as [`ResolvedDirs::canonicalize`] gives it), kept for the files
    /// and directories below it; `None` when it cannot be resolved.
    pub fn resolve_dir(&self, dir: &Path) -> Option<PathBuf> {
        self.dir(dir)
    }

    /// What a walk's `readdir` said: `dir` (its parent's path joined with one name) is a
    /// directory and no symlink, so it resolves to its parent's resolution joined with that
    /// name, kept without a system call when the parent's is known (nothing is kept
    /// otherwise: it is resolved when asked).
    pub fn note_plain_dir(&self, dir: &Path) {
        use std::os::unix::ffi::OsStrExt;
        let bytes = dir.as_os_str().as_bytes();
        if bytes.ends_with(b"/.") || bytes.ends_with(b"/") {
            return;
        }
        let (Some(parent), Some(Component::Normal(name))) =
            (dir.parent().filter(|p| !p.as_os_str().is_empty()), dir.components().next_back())
        else {
            return;
        };
        let mut lock = self.dirs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if lock.contains_key(dir_key(dir)) {
            return;
        }
        if let Some(resolved) = lock.get(dir_key(parent)).map(|r| r.join(name)) {
            lock.insert(dir_key(dir).to_owned(), resolved);
        }
    }

    /// Whether the directory `dir` (a walk's entry that `readdir` says is a directory and no
    /// symlink, below a directory the walk entered) sits on a pseudo filesystem, asking the
    /// kernel only when it may not be on its parent's filesystem: its resolution (its
    /// parent's joined with its name, noted as [`ResolvedDirs::note_plain_dir`] does) is a
    /// mount point, or unknown, or the mount table could not be read. Otherwise its device
    /// is its parent's, which a walk enters only when it is no pseudo filesystem.
    pub fn plain_dir_is_pseudo(&self, dir: &Path, confinement: &Confinement) -> bool {
        self.note_plain_dir(dir);
        let on_parents_fs = {
            let lock = self.dirs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match (lock.get(dir_key(dir)), mount_points()) {
                (Some(resolved), Some(points)) => !points.contains(resolved),
                _ => false,
            }
        };
        !on_parents_fs && std::fs::metadata(dir).is_ok_and(|m| confinement.is_pseudo_dev(&m))
    }

    /// `dir` canonicalized, from the cache or now; `None` when it cannot be (nothing kept).
    /// A directory that is no symlink is its parent's resolution joined with its name, `x/..`
    /// is the parent of `x`'s resolution (the kernel steps up from where `x` leads) and a
    /// symlinked directory is its target's resolution, so a miss costs a `lstat` per
    /// directory not seen yet (and a `readlink` per link), up to one that was. A path
    /// ending in `/` or `/.`, the top (`/`, `.`) or a chain of more than 40 links is
    /// resolved by realpath(3) once.
    fn dir(&self, dir: &Path) -> Option<PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        /// What a spelled directory adds to the resolution of the one it is reached from.
        enum Step {
            Push(std::ffi::OsString),
            Up,
            Same,
        }
        let lock = || self.dirs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let parent_of =
            |p: &Path| p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        let mut below: Vec<(PathBuf, Step)> = Vec::new();
        let mut d = dir.to_path_buf();
        let mut links = 0;
        // Resolved without the lock held: another thread may do the same directory at the
        // same time, with the same answer.
        let mut resolved = loop {
            if let Some(c) = lock().get(dir_key(&d)) {
                break c.clone();
            }
            let bytes = d.as_os_str().as_bytes();
            let last = if bytes.ends_with(b"/.") || bytes.ends_with(b"/") { None } else { d.components().next_back() };
            match last {
                Some(Component::Normal(name)) => {
                    let name = name.to_owned();
                    let meta = std::fs::symlink_metadata(&d).ok()?;
                    if meta.is_dir() {
                        let parent = parent_of(&d);
                        below.push((std::mem::replace(&mut d, parent), Step::Push(name)));
                    } else if meta.file_type().is_symlink() && links < 40 {
                        links += 1;
                        let target = std::fs::read_link(&d).ok()?;
                        let next = if target.is_absolute() { target } else { parent_of(&d).join(target) };
                        below.push((std::mem::replace(&mut d, next), Step::Same));
                    } else {
                        // Not a directory (ENOTDIR) or too many links (ELOOP): the caller's
                        // realpath says which.
                        return None;
                    }
                }
                Some(Component::ParentDir) => {
                    let parent = parent_of(&d);
                    below.push((std::mem::replace(&mut d, parent), Step::Up));
                }
                _ => {
                    let c = realpath(&d).ok()?;
                    lock().insert(dir_key(&d).to_owned(), c.clone());
                    break c;
                }
            }
        };
        let mut lock = lock();
        for (d, step) in below.into_iter().rev() {
            match step {
                Step::Push(name) => resolved.push(name),
                Step::Up => {
                    resolved.pop();
                }
                Step::Same => {}
            }
            lock.insert(dir_key(&d).to_owned(), resolved.clone());
        }
        Some(resolved)
    }
}

/// A directory's key in [`ResolvedDirs`]: its bytes as spelled, without a leading `./`
/// (`./etc/php`, as a walk of `.` spells it, and `etc/php`, as the build spells it after
/// discovery, are one directory: both are relative to the one current directory).
fn dir_key(dir: &Path) -> &std::ffi::OsStr {
    use std::os::unix::ffi::OsStrExt;
    let mut b = dir.as_os_str().as_bytes();
    while let Some(rest) = b.strip_prefix(b"./") {
        b = rest;
        while let Some(r) = b.strip_prefix(b"/") {
            b = r;
        }
    }
    if b.is_empty() {
        dir.as_os_str()
    } else {
        std::ffi::OsStr::from_bytes(b)
    }
}

/// The file `c` names opened without following a symlink there and without blocking, with
/// its metadata, when it is the very file that was checked (device and inode, a regular
/// file); `None` otherwise (the file closed again).
fn open_if_unchanged(c: &Checked) -> Option<(std::fs::File, std::fs::Metadata)> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(&c.resolved)
        .ok()?;
    let meta = file.metadata().ok()?;
    (meta.is_file() && meta.dev() == c.dev && meta.ino() == c.ino).then_some((file, meta))
}

/// Open without blocking (a file swapped for a FIFO after the check above must not hang
/// the run), check again on the open file, and read at most the limit.
fn read_limited(path: &Path) -> Result<Vec<u8>, Refusal> {
    let (file, len) = open_limited(path)?;
    let mut bytes = Vec::with_capacity(len);
    read_rest(file, &mut bytes)?;
    Ok(bytes)
}

/// [`read_limited`] into an `Arc<[u8]>` of the size the open file says ([`read_open_shared`]).
fn read_limited_shared(path: &Path) -> Result<Arc<[u8]>, Refusal> {
    let (mut file, len) = open_limited(path)?;
    read_open_shared(&mut file, len)
}

/// An open file's bytes in an `Arc<[u8]>` of `len` bytes (the size it had when opened, at
/// most the limit), read in place with no copy and no zeroing first; a file that shrank
/// meanwhile is cut to what was read, one that grew is read on as [`read_limited`] reads
/// (one copy then, the limit the same). Each `read` asks for a few bytes past `len` too
/// (`readv` into a small probe): when it comes back short of them, the end of the file was
/// reached at `len` and no `read` more is needed to see it.
fn read_open_shared(file: &mut std::fs::File, len: usize) -> Result<Arc<[u8]>, Refusal> {
    use std::os::fd::AsRawFd;
    let mut shared = Arc::<[u8]>::new_uninit_slice(len);
    let Some(buf) = Arc::get_mut(&mut shared) else {
        // A fresh `Arc` is its only handle; never taken.
        return Err(Refusal::Io(std::io::Error::other("shared buffer")));
    };
    let mut probe = [0u8; 32];
    // Bytes past `len` the probe got; `None` until a read came back with the end seen.
    let mut past: Option<usize> = None;
    let mut filled = 0;
    while filled < len {
        let rest = &mut buf[filled..];
        let iov = [
            libc::iovec { iov_base: rest.as_mut_ptr().cast(), iov_len: rest.len() },
            libc::iovec { iov_base: probe.as_mut_ptr().cast(), iov_len: probe.len() },
        ];
        // SAFETY: readv(2) writes at most `rest.len()` bytes at `rest`'s start, then at most
        // `probe.len()` into `probe`: memory this function holds the only handles to.
        let n = unsafe { libc::readv(file.as_raw_fd(), iov.as_ptr(), 2) };
        match n {
            0 => break,
            n if n > 0 => {
                let n = n as usize;
                if n >= rest.len() {
                    // Filled; fewer than the probe asked: the end is at `len`.
                    past = Some(n - rest.len());
                    filled = len;
                } else {
                    filled += n;
                }
            }
            _ => {
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(Refusal::Io(e));
                }
            }
        }
    }
    if filled < len {
        // SAFETY: read(2) wrote the first `filled` bytes.
        let part = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), filled) };
        return Ok(Arc::from(part));
    }
    // SAFETY: read(2) wrote all `len` bytes.
    let shared = unsafe { shared.assume_init() };
    // At the size the file had when opened: what follows, if it grew, up to the limit
    // (a full probe may have more behind it; an empty file was never probed).
    let mut bytes = Vec::new();
    match past {
        Some(p) if p < probe.len() => bytes.extend_from_slice(&probe[..p]),
        _ => {
            bytes.extend_from_slice(&probe[..past.unwrap_or(0)]);
            let limit = (MAX_FILE_SIZE + 1).saturating_sub((len + bytes.len()) as u64);
            let mut more = Vec::new();
            (&mut *file).take(limit).read_to_end(&mut more).map_err(Refusal::Io)?;
            bytes.extend_from_slice(&more);
        }
    }
    if bytes.is_empty() {
        return Ok(shared);
    }
    let mut all = shared.to_vec();
    all.extend_from_slice(&bytes);
    if all.len() as u64 > MAX_FILE_SIZE {
        return Err(Refusal::TooLarge(all.len() as u64));
    }
    Ok(Arc::from(all))
}

/// The file opened without blocking, a regular file, and its size capped at the limit.
fn open_limited(path: &Path) -> Result<(std::fs::File, usize), Refusal> {
    use std::os::unix::fs::OpenOptionsExt;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const O_NONBLOCK: i32 = 0o4000;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const O_NONBLOCK: i32 = 0x0004;
    let file = std::fs::OpenOptions::new().read(true).custom_flags(O_NONBLOCK).open(path).map_err(Refusal::Io)?;
    let meta = file.metadata().map_err(Refusal::Io)?;
    if !meta.is_file() {
        return Err(Refusal::NotRegular);
    }
    Ok((file, meta.len().min(MAX_FILE_SIZE) as usize))
}

/// Appends what `from` gives to `bytes`, refused when the whole passes [`MAX_FILE_SIZE`]
/// (`from` reads at most one byte past it).
fn read_rest(from: impl Read, bytes: &mut Vec<u8>) -> Result<(), Refusal> {
    from.take(MAX_FILE_SIZE + 1).read_to_end(bytes).map_err(Refusal::Io)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(Refusal::TooLarge(bytes.len() as u64));
    }
    Ok(())
}

/// The top of the git work tree `p` is in (the nearest ancestor with a `.git`).
fn git_work_tree(p: &Path) -> Option<PathBuf> {
    let abs = canonical(p)?;
    abs.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf)
}

/// The top of the git work tree `p` is spelled in: the nearest ancestor of `p` made
/// absolute (`..` folded, symlinks not followed) that has a `.git`.
pub(crate) fn spelled_work_tree(p: &Path) -> Option<PathBuf> {
    work_tree_at_or_above(&lexical_absolute(p))
}

/// The nearest of `dir` and its ancestors (absolute, `..` folded) that has a `.git` (a
/// directory, or the file a linked worktree or submodule has): one `stat` a directory.
pub(crate) fn work_tree_at_or_above(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf)
}

/// When `p` is spelled inside a git work tree (see [`spelled_work_tree`]) but resolves, after
/// symlinks, outside it (`confdir -> ../elsewhere`): the refusal naming where it leads.
/// `None` when it stays inside, does not exist, or is in no work tree.
pub fn leaves_work_tree(p: &Path) -> Option<Refusal> {
    leaves_given_work_tree(p, &spelled_work_tree(p)?)
}

/// [`leaves_work_tree`] for a `p` whose spelled work tree a walk up found already (`tree`,
/// as [`spelled_work_tree`] answers it).
pub(crate) fn leaves_given_work_tree(p: &Path, tree: &Path) -> Option<Refusal> {
    let tree = canonical(tree)?;
    let resolved = canonical(p)?;
    (!resolved.starts_with(&tree)).then_some(Refusal::Outside { resolved })
}

fn canonical(p: &Path) -> Option<PathBuf> {
    realpath(p).ok()
}

/// `/proc`, `/sys`, `/dev` or below, on this machine.
pub fn is_pseudo_dir(resolved: &Path) -> bool {
    PSEUDO_DIRS.iter().any(|d| resolved.starts_with(d))
}

/// This process's mount table (`/proc/self/mountinfo`), read once for both of its uses
/// below; `None` when it cannot be read. One `read` of a page-sized buffer takes a usual
/// table whole (the kernel hands a seq file out a page at a time), where `std::fs::read`
/// asked 32, 32, 64, ... bytes (a size-0 file).
fn mount_table() -> Option<&'static [u8]> {
    static TABLE: std::sync::OnceLock<Option<Vec<u8>>> = std::sync::OnceLock::new();
    TABLE
        .get_or_init(|| {
            let mut file = std::fs::File::open("/proc/self/mountinfo").ok()?;
            let mut table = Vec::with_capacity(16 * 1024);
            file.read_to_end(&mut table).ok()?;
            Some(table)
        })
        .as_deref()
}

/// Every mount point in this process's mount table (`/proc/self/mountinfo`'s fifth field,
/// its `\ooo` escapes decoded); `None` when the table cannot be read. A directory that is
/// none of them is on its parent's filesystem (`st_dev` changes only where one is mounted).
fn mount_points() -> Option<&'static MountPoints> {
    static POINTS: std::sync::OnceLock<Option<MountPoints>> = std::sync::OnceLock::new();
    POINTS
        .get_or_init(|| {
            let table = mount_table()?;
            let mut points = Vec::new();
            for line in table.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                // id parent major:minor root mountpoint options ...
                let field = line.split(|&b| b == b' ').nth(4)?;
                points.push(unescape_mountinfo(field).into_boxed_slice());
            }
            points.sort_unstable();
            points.dedup();
            Some(MountPoints(points))
        })
        .as_ref()
}

/// The mount table's mount points as the kernel spells them (absolute, clean), sorted by
/// their bytes: a lookup is a binary search over byte strings, no hashing of components.
#[derive(Debug)]
struct MountPoints(Vec<Box<[u8]>>);

impl MountPoints {
    /// Whether `dir`, a clean absolute path (a resolution: realpath's or one joined below
    /// it), is spelled as one of the mount points.
    fn contains(&self, dir: &Path) -> bool {
        use std::os::unix::ffi::OsStrExt;
        self.0.binary_search_by(|p| (**p).cmp(dir.as_os_str().as_bytes())).is_ok()
    }
}

/// A mountinfo field with its octal escapes (`\040` a space, `\011`, `\012`, `\134`) decoded.
fn unescape_mountinfo(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let octal =
            field.get(i + 1..i + 4).filter(|d| field[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(d) => {
                out.push(d.iter().fold(0u8, |n, c| n.wrapping_mul(8).wrapping_add(c - b'0')));
                i += 4;
            }
            None => {
                out.push(field[i]);
                i += 1;
            }
        }
    }
    out
}

/// The device numbers of the pseudo filesystems in this process's mount table.
fn pseudo_devices() -> &'static [u64] {
    static DEVS: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    DEVS.get_or_init(|| {
        let Some(table) = mount_table() else { return Vec::new() };
        // Fields are split at spaces as bytes: a mount point's own spaces are `\040`.
        let text = String::from_utf8_lossy(table);
        text.lines()
            .filter_map(|line| {
                // id parent major:minor root mountpoint options [optional...] - fstype source super
                let fields: Vec<&str> = line.split(' ').collect();
                let dash = fields.iter().position(|f| *f == "-")?;
                let fstype = fields.get(dash + 1)?;
                if !PSEUDO_FS_TYPES.contains(fstype) {
                    return None;
                }
                let (major, minor) = fields.get(2)?.split_once(':')?;
                Some(makedev(major.parse().ok()?, minor.parse().ok()?))
            })
            .collect()
    })
}

/// glibc's `makedev()`: how Linux packs major and minor into `st_dev`.
fn makedev(major: u64, minor: u64) -> u64 {
    ((major & 0xffff_f000) << 32) | ((major & 0x0000_0fff) << 8) | ((minor & 0xffff_ff00) << 12) | (minor & 0x0000_00ff)
}

/// `path` made absolute against the current directory with `.` and `..` removed, without
/// touching the filesystem (for messages about paths that do not exist).
pub fn lexical_absolute(path: &Path) -> PathBuf {
    // Most paths (every file a walk finds below a clean absolute top) are already that:
    // one scan of the bytes instead of a walk over the components.
    if is_clean_absolute(path) {
        return path.to_path_buf();
    }
    lexical_absolute_by_components(path)
}

/// Where `path` leads when it cannot be resolved whole: its components are resolved as the
/// kernel does (`..` of a real directory, symlinks followed, 40 links at most) up to the
/// first that does not exist or cannot be looked at; the rest is appended as written, `..`
/// folded. What the confinement judges a missing path by.
fn resolve_missing(path: &Path) -> PathBuf {
    let mut todo: Vec<std::ffi::OsString> = Vec::new();
    let abs = absolute(path).unwrap_or_else(|| path.to_path_buf());
    for c in abs.components().rev() {
        match c {
            Component::RootDir | Component::Prefix(_) => {}
            c => todo.push(c.as_os_str().to_owned()),
        }
    }
    let mut cur = PathBuf::from("/");
    let mut links = 0;
    let mut missing = false;
    while let Some(c) = todo.pop() {
        if c == "." {
            continue;
        }
        if c == ".." {
            cur.pop();
            continue;
        }
        if missing {
            cur.push(&c);
            continue;
        }
        let next = cur.join(&c);
        match std::fs::symlink_metadata(&next) {
            Ok(m) if m.file_type().is_symlink() && links < 40 => {
                links += 1;
                let Ok(target) = std::fs::read_link(&next) else {
                    missing = true;
                    cur = next;
                    continue;
                };
                if target.is_absolute() {
                    cur = PathBuf::from("/");
                }
                for t in target.components().rev() {
                    match t {
                        Component::RootDir | Component::Prefix(_) => {}
                        t => todo.push(t.as_os_str().to_owned()),
                    }
                }
            }
            Ok(_) => cur = next,
            Err(_) => {
                missing = true;
                cur = next;
            }
        }
    }
    cur
}

/// [`lexical_absolute`] without its shortcut (its tests compare the two).
fn lexical_absolute_by_components(path: &Path) -> PathBuf {
    let abs = absolute(path).unwrap_or_else(|| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// `path.starts_with(prefix)` (whole components), compared as bytes when `path` is clean
/// (`clean`: [`is_clean_absolute`] says so) and `prefix` is too: their components are then
/// exactly their `/`-separated parts, so `prefix` leads `path` when its bytes do, up to a
/// `/` or the end. `Path::starts_with` parses both component by component otherwise.
fn starts_with_at(path: &Path, clean: bool, prefix: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    if !clean || !is_clean_absolute(prefix) {
        return path.starts_with(prefix);
    }
    let (p, q) = (path.as_os_str().as_bytes(), prefix.as_os_str().as_bytes());
    p.starts_with(q) && (p.len() == q.len() || p[q.len()] == b'/')
}

/// Whether `path` is absolute and has no `.` or `..` component, no empty one (`//`) and no
/// trailing `/`: what [`lexical_absolute`] makes of it is itself.
pub(crate) fn is_clean_absolute(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let b = path.as_os_str().as_bytes();
    b.len() > 1
        && b[0] == b'/'
        && b[1..].split(|&c| c == b'/').all(|part| !part.is_empty() && part != b"." && part != b"..")
}

/// Where `path`, absolute on the machine whose tree is `root`, is in that tree: `/etc/x`
/// below `image` is `image/etc/x`, below `.` it is `etc/x` (not `./etc/x`, a second spelling
/// of what discovery found walking `etc`), below `/` it is itself. A relative `path` is
/// returned as it is.
pub fn under_root(root: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix("/") {
        Ok(rel) => join_below(root, rel),
        Err(_) => path.to_path_buf(),
    }
}

/// `rel` (relative) below the directory `dir` as discovery spells it: `dir/rel`, but `rel`
/// itself when `dir` is `.` (walking `.` finds `etc/x`, never `./etc/x`).
pub fn join_below(dir: &Path, rel: &Path) -> PathBuf {
    if dir.as_os_str() == "." || dir.as_os_str().is_empty() {
        return if rel.as_os_str().is_empty() { PathBuf::from(".") } else { rel.to_path_buf() };
    }
    dir.join(rel)
}

/// `path` relative to `root`, both compared after [`lexical_absolute`], so a relative path
/// and an absolute root (`--root $PWD/x x/etc`) or the reverse still match; `None` when
/// `path` is not below `root`.
pub fn relative_to_root(path: &Path, root: &Path) -> Option<PathBuf> {
    // Both relative, neither stepping above the current directory: the current directory
    // both would be made absolute against leads both, and is left out (no `getcwd`).
    if let (Some(p), Some(r)) = (fold_relative(path), fold_relative(root)) {
        return p.strip_prefix(r).ok().map(Path::to_path_buf);
    }
    lexical_absolute(path).strip_prefix(lexical_absolute(root)).ok().map(Path::to_path_buf)
}

/// A relative, non-empty `path` with `.` dropped and each `..` folded into the name before
/// it, as [`lexical_absolute`] folds it after the current directory; `None` for an absolute
/// or empty path, or one whose `..` would step above where it starts.
fn fold_relative(path: &Path) -> Option<PathBuf> {
    if path.as_os_str().is_empty() || !path.is_relative() {
        return None;
    }
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// `path` with `.` components and trailing `/.` removed, and `..` folded into the component
/// before it where there is one, without making it absolute: `/tmp/d1/.` -> `/tmp/d1`,
/// `d1/../net` -> `net`. For paths shown to the user.
pub fn lexical_clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(".."),
            },
            c => out.push(c),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// A path argument as it is walked and shown: [`lexical_clean`] when that names the same
/// file (`etc/../etc` -> `etc`, `./x/.` -> `x`), so that one file named twice is read and
/// reported once; as given when a symlink makes `..` mean something else or it does not
/// exist.
pub fn clean_argument(path: &Path) -> PathBuf {
    let clean = lexical_clean(path);
    if clean == path {
        return clean;
    }
    match (realpath(path), realpath(&clean)) {
        (Ok(a), Ok(b)) if a == b => clean,
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Links resolved as the tree's kernel would, chrooted at the root: an absolute link in
    /// a directory part, `lnk/..` after the link, `..` stopping at the root, a loop ending.
    #[test]
    fn links_below_a_root_resolve_as_the_kernel_does_there() {
        use std::os::unix::fs::symlink;
        let t = tempfile::tempdir().expect("tmp");
        let r = t.path();
        std::fs::create_dir_all(r.join("deep/dir")).expect("mkdir");
        std::fs::create_dir_all(r.join("etc/redis")).expect("mkdir");
        std::fs::create_dir_all(r.join("srv/conf")).expect("mkdir");
        std::fs::write(r.join("deep/y"), "").expect("write");
        std::fs::write(r.join("srv/conf/x"), "").expect("write");
        symlink("../../deep/dir", r.join("etc/redis/lnk")).expect("symlink");
        symlink("/srv/conf", r.join("etc/confdir")).expect("symlink");
        symlink("/etc/confdir/x", r.join("etc/x")).expect("symlink");
        symlink("loop", r.join("etc/loop")).expect("symlink");
        assert_eq!(resolve_under_root(&r.join("etc/redis/lnk/../y"), r), r.join("deep/y"));
        assert_eq!(resolve_under_root(&r.join("etc/confdir/x"), r), r.join("srv/conf/x"));
        assert_eq!(resolve_under_root(&r.join("etc/x"), r), r.join("srv/conf/x"));
        assert_eq!(resolve_under_root(&r.join("etc/../../../deep/y"), r), r.join("deep/y"));
        assert_eq!(resolve_under_root(&r.join("etc/redis/missing/../y"), r), r.join("etc/redis/missing/../y"));
        assert!(resolve_under_root(&r.join("etc/loop"), r).starts_with(r));
        // About to be read: a `..` above the root leaves it (refused as outside), not clamped.
        assert_eq!(resolve_for_read(&r.join("etc/../../x"), r), r.join("../x"));
        assert_eq!(resolve_for_read(&r.join("etc/redis/lnk/../y"), r), r.join("deep/y"));
        // A link target's `..` stops at the root there too, as the tree's kernel stops it at `/`.
        symlink("../../../..", r.join("etc/redis/up")).expect("symlink");
        assert_eq!(resolve_for_read(&r.join("etc/redis/up/deep/y"), r), r.join("deep/y"));
        assert_eq!(resolve_under_root(&r.join("etc/redis/up/deep/y"), r), r.join("deep/y"));
        // A path not below the root: only its own link chain (none here) is followed.
        let outside = Path::new("/nonexistent-sesslint-test/a");
        assert_eq!(resolve_under_root(outside, r), outside);
    }

    #[test]
    fn lexical_absolute_of_a_clean_path_is_what_its_components_make() {
        for p in [
            "/",
            "//",
            "/a",
            "/a/",
            "/a//b",
            "/a/./b",
            "/a/../b",
            "/a/b/.",
            "/a/b/..",
            "/.",
            "/..",
            "/a.b/c..d/.e",
            "a",
            "./a",
            "a/../b",
            "",
            ".",
            "/a/b/c.conf",
        ] {
            let p = Path::new(p);
            assert_eq!(lexical_absolute(p), lexical_absolute_by_components(p), "{p:?}");
        }
        assert!(is_clean_absolute(Path::new("/tmp/f/host1/etc/php.ini")));
        assert!(!is_clean_absolute(Path::new("/tmp/f/../etc")));
    }

    #[test]
    fn a_shared_read_gives_the_bytes_of_a_plain_one() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0usize, 1, 4095, 4096, 70_001] {
            let p = dir.path().join(format!("f{len}"));
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            std::fs::write(&p, &bytes).unwrap();
            assert_eq!(&read_limited_shared(&p).unwrap()[..], &read_limited(&p).unwrap()[..], "{len}");
            assert_eq!(read_limited(&p).unwrap(), bytes);
        }
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        assert!(matches!(read_limited_shared(&fifo), Err(Refusal::NotRegular)));
        // A file that grew (by less than the probe, by exactly it, by more) or shrank after
        // it was opened is read as it is at the read, whole.
        for (len, now) in [(100usize, 110usize), (100, 132), (100, 133), (100, 9000), (0, 5), (4096, 10), (100, 0)] {
            let p = dir.path().join(format!("g{len}-{now}"));
            let bytes = |n: usize| -> Vec<u8> { (0..n).map(|i| (i * 13 % 241) as u8).collect() };
            std::fs::write(&p, bytes(len)).unwrap();
            let (mut file, opened) = open_limited(&p).unwrap();
            assert_eq!(opened, len);
            std::fs::write(&p, bytes(now)).unwrap();
            assert_eq!(&read_open_shared(&mut file, opened).unwrap()[..], &bytes(now)[..], "{len} -> {now}");
        }
    }

    #[test]
    fn a_plain_directory_is_on_a_pseudo_filesystem_as_its_device_says() {
        assert_eq!(unescape_mountinfo(br"/mnt/a\040b\134c\011"), b"/mnt/a b\\c\t");
        assert_eq!(unescape_mountinfo(br"/x\04"), br"/x\04");
        let points = mount_points().expect("mountinfo");
        assert!(points.contains(Path::new("/proc")), "{points:?}");
        let machine = Confinement::default();
        let dirs = ResolvedDirs::new();
        dirs.resolve_dir(Path::new("/"));
        // Every directory at the top of this machine, judged both ways.
        for e in std::fs::read_dir("/").unwrap().flatten() {
            if !e.file_type().unwrap().is_dir() {
                continue;
            }
            let by_device = std::fs::metadata(e.path()).is_ok_and(|m| machine.is_pseudo_dev(&m));
            assert_eq!(dirs.plain_dir_is_pseudo(&e.path(), &machine), by_device, "{:?}", e.path());
        }
        assert!(dirs.plain_dir_is_pseudo(Path::new("/proc"), &machine));
        // Below a plain directory, no mount point: not pseudo, and known without a `stat`.
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("a/b")).unwrap();
        dirs.resolve_dir(tmp.path());
        assert!(!dirs.plain_dir_is_pseudo(&tmp.path().join("a"), &machine));
        assert!(!dirs.plain_dir_is_pseudo(&tmp.path().join("a/b"), &machine));
    }

    #[test]
    fn relative_paths_compare_below_a_root_as_made_absolute() {
        let paths = [
            ".", "./", "a", "a/", "./a", "a/b", "a/./b", "a//b", "a/b/..", "a/../b", "..", "../a", "a/../..", "b", "/",
            "/a", "/a/b", "",
        ];
        let cwd = std::env::current_dir().unwrap();
        for p in paths {
            for r in paths {
                let (p, r) = (Path::new(p), Path::new(r));
                let slow = lexical_absolute(p).strip_prefix(lexical_absolute(r)).ok().map(Path::to_path_buf);
                assert_eq!(relative_to_root(p, r), slow, "{p:?} {r:?}");
                let abs = |x: &Path| std::path::absolute(x).ok();
                let slow = abs(p).zip(abs(r)).and_then(|(ap, ar)| {
                    let ar: Vec<Component> = ar.components().filter(|c| *c != Component::CurDir).collect();
                    let mut rest = ap.components().filter(|c| *c != Component::CurDir);
                    ar.iter().all(|c| rest.next() == Some(*c)).then(|| rest.map(|c| c.as_os_str().to_owned()).collect())
                });
                assert_eq!(below_root(p, r), slow, "{p:?} {r:?} in {cwd:?}");
            }
        }
    }

    #[test]
    fn a_prefix_compared_as_bytes_is_one_compared_by_components() {
        let paths = [
            "/", "/a", "/a/", "/a/b", "/a/bc", "/ab", "/a/b/c", "/a//b", "/a/./b", "/a/../b", "a/b", "", ".", "/proc",
            "/proc/1", "/procx", "/sys/fs", "/dev", "/a/b/", "//a/b", "/a/b/.",
        ];
        for p in paths {
            for q in paths {
                let (p, q) = (Path::new(p), Path::new(q));
                assert_eq!(starts_with_at(p, is_clean_absolute(p), q), p.starts_with(q), "{p:?} {q:?}");
            }
        }
    }

    #[test]
    fn a_file_swapped_after_discovery_checked_it_is_read_with_every_check_again() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        std::fs::create_dir(&tree).unwrap();
        std::fs::write(dir.path().join("secret"), "requirepass outside\n").unwrap();
        let c = Confinement::new(&tree, &[]).for_one_pass();
        let dirs = c.pass_dirs().unwrap();
        let path = tree.join("redis.conf");
        let checked_now = || {
            let (resolved, meta) = c.resolve_in(&path, dirs).unwrap();
            Checked::new(resolved, meta.as_ref().unwrap()).unwrap()
        };
        let read = |checked: &Checked| c.read_checked_in(&path, Some(checked), dirs).map(|(b, _)| b.to_vec());
        // Unchanged: the checked file's bytes, as a read of the path gives them.
        std::fs::write(&path, "port 1\n").unwrap();
        let checked = checked_now();
        assert_eq!(read(&checked).unwrap(), b"port 1\n");
        assert_eq!(read(&checked).unwrap(), c.read_shared_in(&path, dirs).unwrap().0.to_vec());
        // Rewritten in place (same inode): what it holds now.
        std::fs::write(&path, "port 2\n").unwrap();
        assert_eq!(read(&checked).unwrap(), b"port 2\n");
        // Replaced by a symlink out of the tree: refused, never read.
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), &path).unwrap();
        assert!(matches!(read(&checked), Err(Refusal::Outside { .. })));
        // Replaced by a FIFO: refused without blocking.
        std::fs::remove_file(&path).unwrap();
        assert!(std::process::Command::new("mkfifo").arg(&path).status().unwrap().success());
        assert!(matches!(read(&checked), Err(Refusal::NotRegular)));
        // Replaced by another file (a rename over it): that file, read through the path.
        std::fs::remove_file(&path).unwrap();
        std::fs::write(tree.join("new"), "port 3\n").unwrap();
        std::fs::rename(tree.join("new"), &path).unwrap();
        assert_eq!(read(&checked).unwrap(), b"port 3\n");
        // Gone: not found.
        std::fs::remove_file(&path).unwrap();
        assert!(read(&checked).is_err_and(|e| e.is_not_found()));
        // The checked path's directory swapped for a link out of the tree, a file of the same
        // name there: another inode, so the path is resolved again and refused.
        let sub = tree.join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("x.conf"), "port 4\n").unwrap();
        let path = sub.join("x.conf");
        let (resolved, meta) = c.resolve_in(&path, dirs).unwrap();
        let checked = Checked::new(resolved, meta.as_ref().unwrap()).unwrap();
        std::fs::rename(&sub, dir.path().join("was-sub")).unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        std::fs::write(dir.path().join("out/x.conf"), "requirepass outside\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("out"), &sub).unwrap();
        let fresh = Confinement::new(&tree, &[]).for_one_pass();
        let got = fresh.read_checked_in(&path, Some(&checked), fresh.pass_dirs().unwrap());
        assert!(matches!(got, Err(Refusal::Outside { .. })), "{got:?}");
        // A confinement that does not allow the checked file refuses it, checked or not.
        std::fs::write(tree.join("a.conf"), "port 5\n").unwrap();
        let (resolved, meta) = c.resolve_in(&tree.join("a.conf"), dirs).unwrap();
        let checked = Checked::new(resolved, meta.as_ref().unwrap()).unwrap();
        let other = Confinement::new(&dir.path().join("out"), &[]).for_one_pass();
        let got = other.read_checked_in(&tree.join("a.conf"), Some(&checked), other.pass_dirs().unwrap());
        assert!(matches!(got, Err(Refusal::Outside { .. })), "{got:?}");
    }

    #[test]
    fn reads_inside_refuses_outside_and_kernel_files() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("tree");
        std::fs::create_dir(&inside).unwrap();
        std::fs::write(inside.join("a.conf"), "port 1\n").unwrap();
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), inside.join("link.conf")).unwrap();
        let c = Confinement::new(&inside, &[]);
        assert_eq!(c.read(&inside.join("a.conf")).unwrap(), b"port 1\n");
        assert!(matches!(c.read(&inside.join("../secret")), Err(Refusal::Outside { .. })));
        assert!(matches!(c.read(&inside.join("link.conf")), Err(Refusal::Outside { .. })));
        let machine = Confinement::default();
        assert!(matches!(machine.read(Path::new("/proc/self/environ")), Err(Refusal::Pseudo { .. })));
        assert!(matches!(machine.read(Path::new("/dev/null")), Err(Refusal::Pseudo { .. })));
        assert_eq!(makedev(0, 21), 21);
        // A checkout: only its own work tree, though the root is `/`.
        std::fs::create_dir(inside.join(".git")).unwrap();
        let repo = Confinement::for_detected_root(std::slice::from_ref(&inside));
        assert!(repo.read(&inside.join("a.conf")).is_ok());
        assert!(matches!(repo.read(&dir.path().join("secret")), Err(Refusal::Outside { .. })));
        assert_eq!(makedev(254, 0), 254 << 8);
        // Not a checkout either: only the checked directory.
        std::fs::remove_dir(inside.join(".git")).unwrap();
        let plain = Confinement::for_detected_root(std::slice::from_ref(&inside));
        assert!(plain.read(&inside.join("a.conf")).is_ok());
        assert!(matches!(plain.read(&dir.path().join("secret")), Err(Refusal::Outside { .. })));
        assert!(Confinement::for_detected_root(&[PathBuf::from("/")]).resolve(Path::new("/etc")).is_ok());
        // A symlinked directory named inside a work tree, leading out of it: allows nothing.
        std::fs::create_dir(inside.join(".git")).unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        std::fs::write(dir.path().join("out/x.conf"), "port 2\n").unwrap();
        std::os::unix::fs::symlink("../out", inside.join("confdir")).unwrap();
        let link = inside.join("confdir");
        assert!(matches!(leaves_work_tree(&link), Some(Refusal::Outside { .. })));
        assert!(leaves_work_tree(&inside.join("a.conf")).is_none());
        for c in [
            Confinement::for_detected_root(std::slice::from_ref(&link)),
            Confinement::new(&inside, std::slice::from_ref(&link)),
        ] {
            assert!(matches!(c.read(&link.join("x.conf")), Err(Refusal::Outside { .. })));
        }
    }

    #[test]
    fn resolving_with_directories_resolved_once_gives_what_resolving_each_path_gives() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("tree");
        std::fs::create_dir_all(inside.join("etc/php/conf.d")).unwrap();
        std::fs::create_dir_all(inside.join("etc/php/mods")).unwrap();
        std::fs::create_dir_all(dir.path().join("out")).unwrap();
        std::fs::write(inside.join("etc/php/conf.d/a.ini"), "a=1\n").unwrap();
        std::fs::write(inside.join("etc/php/mods/b.ini"), "b=1\n").unwrap();
        std::fs::write(dir.path().join("out/s.ini"), "s=1\n").unwrap();
        std::os::unix::fs::symlink("../mods/b.ini", inside.join("etc/php/conf.d/b.ini")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("out"), inside.join("etc/php/outdir")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("out/s.ini"), inside.join("etc/php/conf.d/s.ini")).unwrap();
        std::os::unix::fs::symlink("nowhere.ini", inside.join("etc/php/conf.d/gone.ini")).unwrap();
        std::os::unix::fs::symlink("mods", inside.join("etc/php/modlink")).unwrap();
        // A chain of links (one absolute), and a loop.
        std::os::unix::fs::symlink("../modlink/b.ini", inside.join("etc/php/conf.d/c.ini")).unwrap();
        std::os::unix::fs::symlink(inside.join("etc/php/conf.d/c.ini"), inside.join("etc/php/d.ini")).unwrap();
        std::os::unix::fs::symlink("loop2.ini", inside.join("etc/php/loop1.ini")).unwrap();
        std::os::unix::fs::symlink("loop1.ini", inside.join("etc/php/loop2.ini")).unwrap();
        // Directory links: a chain (relative, then absolute), a loop, one to itself, and a
        // file spelled as a directory.
        std::os::unix::fs::symlink("modlink", inside.join("etc/php/modlink2")).unwrap();
        std::os::unix::fs::symlink(inside.join("etc/php/modlink2"), inside.join("etc/php/absmods")).unwrap();
        std::os::unix::fs::symlink("dl2", inside.join("etc/php/dl1")).unwrap();
        std::os::unix::fs::symlink("dl1", inside.join("etc/php/dl2")).unwrap();
        std::os::unix::fs::symlink("self", inside.join("etc/php/self")).unwrap();
        // A link whose target climbs out through `..` of a linked directory.
        std::os::unix::fs::symlink("../outdir/../out/s.ini", inside.join("etc/php/conf.d/climb.ini")).unwrap();
        let c = Confinement::new(&inside, &[]);
        let pass = c.for_one_pass();
        let dirs = ResolvedDirs::new();
        let cwd = std::env::current_dir().unwrap();
        // The same tree spelled relative to the current directory, through `..`.
        let up = "../".repeat(cwd.components().count() - 1);
        let relative = PathBuf::from(format!("{up}{}", inside.strip_prefix("/").unwrap().display()));
        assert!(relative.is_relative() && relative.exists());
        // And spelled from `./`, as a walk of `.` spells it: one directory with the above.
        let dotted = Path::new(".").join(&relative);
        let paths = [
            "etc/php/conf.d/a.ini",
            "etc/php/conf.d/b.ini",
            "etc/php/conf.d/s.ini",
            "etc/php/conf.d/gone.ini",
            "etc/php/conf.d/missing.ini",
            "etc/php/outdir/s.ini",
            "etc/php/modlink/b.ini",
            "etc/php/conf.d/../mods/b.ini",
            "etc/php/conf.d/.",
            "etc/php/conf.d/",
            "etc/php/conf.d/a.ini/x",
            "etc/php/outdir",
            "../out/s.ini",
            "etc/php/conf.d/c.ini",
            "etc/php/d.ini",
            "etc/php/loop1.ini",
            "etc/php/outdir/../tree/etc/php/mods/b.ini",
            "etc/php/modlink2/b.ini",
            "etc/php/absmods/b.ini",
            "etc/php/absmods/../conf.d/a.ini",
            "etc/php/modlink/../conf.d/../mods/b.ini",
            "etc/php/outdir/../out/s.ini",
            "etc/php/outdir/../tree/etc/php/conf.d/a.ini",
            "etc/php/conf.d/climb.ini",
            "etc/php/dl1/x.ini",
            "etc/php/dl2/../conf.d/a.ini",
            "etc/php/self/x.ini",
            "etc/php/conf.d/a.ini/../a.ini",
            "etc/php/conf.d/../../php/conf.d/../mods/b.ini",
            "etc/php/missing/../conf.d/a.ini",
        ];
        // Twice each: the second time from the resolved directories.
        for top in [&inside, &relative, &dotted, &inside, &relative, &dotted] {
            for p in paths {
                let p = PathBuf::from(format!("{}/{p}", top.display()));
                let plain = c.resolve(&p);
                let once = c.resolve_in(&p, &dirs);
                // A pass's confinement: the same answers, from its own directories.
                assert_eq!(format!("{:?}", pass.resolve(&p)), format!("{plain:?}"), "{}", p.display());
                assert_eq!(
                    pass.read_with_mode(&p).map_err(|e| e.to_string()),
                    c.read_with_mode(&p).map_err(|e| e.to_string()),
                    "{}",
                    p.display()
                );
                assert_eq!(
                    pass.canonical_path(&p).map_err(|e| e.kind()),
                    std::fs::canonicalize(&p).map_err(|e| e.kind()),
                    "{}",
                    p.display()
                );
                let real = std::fs::canonicalize(&p).map_err(|e| e.kind());
                assert_eq!(dirs.canonicalize(&p).map(|r| r.0).map_err(|e| e.kind()), real, "{}", p.display());
                // Given the `lstat` a caller made (a link's too): the same answer.
                if let Ok(lstat) = std::fs::symlink_metadata(&p) {
                    let given = c.resolve_lstated_in(&p, lstat, &dirs);
                    assert_eq!(format!("{:?}", given.map(|r| r.0)), format!("{plain:?}"), "{}", p.display());
                }
                match (&plain, &once) {
                    (Ok(a), Ok((b, meta))) => {
                        assert_eq!(a, b, "{}", p.display());
                        let m = std::fs::metadata(a).unwrap();
                        assert_eq!(meta.as_ref().map(|m| (m.len(), m.is_dir())), Some((m.len(), m.is_dir())));
                        assert_eq!(c.read_with_mode(&p).ok(), c.read_with_mode_in(&p, &dirs).ok(), "{}", p.display());
                        let shared = c.read_shared_in(&p, &dirs).ok().map(|(b, m)| (b.to_vec(), m));
                        assert_eq!(c.read_with_mode(&p).ok(), shared, "{}", p.display());
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{}", p.display()),
                    _ => panic!("{}: {plain:?} against {once:?}", p.display()),
                }
            }
        }
        assert!(c.resolve_in(&inside.join("etc/php/conf.d/a.ini"), &dirs).is_ok());
        assert!(matches!(c.resolve_in(&inside.join("etc/php/outdir/s.ini"), &dirs), Err(Refusal::Outside { .. })));
        assert!(matches!(pass.resolve(&inside.join("etc/php/conf.d/climb.ini")), Err(Refusal::Outside { .. })));
        assert!(matches!(pass.resolve(&inside.join("etc/php/outdir/../out/s.ini")), Err(Refusal::Outside { .. })));
        assert!(pass.resolve(&inside.join("etc/php/absmods/../conf.d/a.ini")).is_ok());
        assert!(pass.resolve(&inside.join("etc/php/dl1/x.ini")).is_err());
        assert!(pass.without_pass().pass_dirs().is_none() && pass.pass_dirs().is_some());
    }

    #[test]
    fn directories_a_walk_notes_resolve_from_their_parents_as_realpath_says() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().join("host1");
        std::fs::create_dir_all(top.join("etc/php/conf.d")).unwrap();
        std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
        std::fs::write(top.join("etc/php/conf.d/a.ini"), "a=1\n").unwrap();
        std::fs::write(dir.path().join("elsewhere/b.ini"), "b=1\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), top.join("etc/linked")).unwrap();
        // The top spelled through a link: its resolution is where the link leads.
        std::os::unix::fs::symlink(&top, dir.path().join("toplink")).unwrap();
        for t in [top.clone(), dir.path().join("toplink")] {
            let dirs = ResolvedDirs::new();
            assert_eq!(dirs.resolve_dir(&t), std::fs::canonicalize(&t).ok());
            for d in ["etc", "etc/php", "etc/php/conf.d"] {
                dirs.note_plain_dir(&t.join(d));
            }
            // A directory whose parent was never resolved is not kept.
            dirs.note_plain_dir(Path::new("/nonexistent-sesslint/x"));
            for f in ["etc/php/conf.d/a.ini", "etc/linked/b.ini", "etc/php/conf.d/../conf.d/a.ini"] {
                let p = t.join(f);
                assert_eq!(dirs.canonicalize(&p).unwrap().0, std::fs::canonicalize(&p).unwrap(), "{}", p.display());
            }
            let map = dirs.dirs.lock().unwrap();
            assert_eq!(
                map.get(t.join("etc/php").as_os_str()),
                Some(&std::fs::canonicalize(top.join("etc/php")).unwrap())
            );
            assert!(!map.contains_key(std::ffi::OsStr::new("/nonexistent-sesslint/x")));
        }
    }

    #[test]
    fn a_path_not_created_yet_resolves_through_its_existing_ancestor() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("tree");
        std::fs::create_dir_all(inside.join("etc")).unwrap();
        std::os::unix::fs::symlink(dir.path(), inside.join("out")).unwrap();
        let c = Confinement::new(&inside, &[]);
        let real = std::fs::canonicalize(&inside).unwrap();
        // Two missing levels below an existing directory; `..` folded first.
        assert_eq!(c.resolve_new(&inside.join("etc/redis/new.conf")).unwrap(), real.join("etc/redis/new.conf"));
        assert_eq!(c.resolve_new(&inside.join("etc/x/../new.ini")).unwrap(), real.join("etc/new.ini"));
        // Through a symlink out of the tree, or `..` above it: refused.
        assert!(matches!(c.resolve_new(&inside.join("out/new.conf")), Err(Refusal::Outside { .. })));
        assert!(matches!(c.resolve_new(&inside.join("../new.conf")), Err(Refusal::Outside { .. })));
    }
}
