//! Atomic apply: every file's hash checked before anything is written, a backup of each
//! original under `.sesslint/backups/`, then per file a temporary file, fsync, rename, fsync of the directory.
//!
//! Steps, each durable before the next: (1) resolve every target (a symlink's target,
//! never the link, as Augeas' `transform_save` does) and check its bytes against the
//! change's SHA-256; refuse the whole set on any mismatch. (2) Back up each original as
//! `.sesslint/backups/YYYYMMDDTHHMMSSZ/REL` in the manifest's directory, `REL` its path below
//! that directory (a hard link to the old inode, so mode, owner and labels are the
//! original's; a copy where links fail): not beside it, where redis-server's
//! `include dir/*` and stunnel's `include = dir` would load it. (3) Write the restore
//! manifest ([`super::restore`]). (4) Per file: `.NAME.sesslint-tmp-PID` in
//! `.sesslint/tmp/` (the same directory when that is another file system, where a rename
//! cannot go; not beside the target, where stunnel's `include = dir` would load it while it
//! exists) with the original's mode, owner, group, `security.selinux` and POSIX ACL
//! xattrs, fsync, rename over the target, fsync the directory. Every target must be below
//! the manifest's directory (restore confines itself to it) and outside `.git`; its
//! directory is opened once in (1) and steps (2)-(4) are made relative to that descriptor
//! ([`super::at`]), so a component swapped for a symlink meanwhile cannot redirect a write.
//! A failure in (4) restores
//! the files already replaced. A kill at any point leaves each file old or new, never a
//! mix, and `sesslint restore` brings the old ones back.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::at::Dir;
use super::change::{ChangeError, ChangeSet, FileChange};
use super::restore::{Manifest, ManifestEntry, MANIFEST_NAME};

/// Mode of a file created to hold a password: owner read-write, group read.
pub const NEW_SECRET_FILE_MODE: u32 = 0o640;
/// Mode of any other created file.
pub const NEW_FILE_MODE: u32 = 0o644;

/// Where backups go, below the manifest's directory: one directory per apply, named by its
/// UTC time. A hidden directory: glob `*` (redis-server `include`, php-fpm `include=`,
/// Apache `IncludeOptional`) skips it, PHP scans no subdirectory and stunnel's
/// `include = DIR` reads only the regular files of DIR.
pub const BACKUP_DIR: &str = ".sesslint/backups";

/// How many applies keep their backups: the oldest directories beyond it are removed
/// after an apply (`sesslint restore` undoes the last apply; the others are for recovery
/// by hand).
pub const KEEP_APPLIES: usize = 10;

/// Where an apply keeps its restore manifest.
#[derive(Clone, Copy, Debug)]
pub struct ApplyOptions<'a> {
    /// The directory the manifest [`MANIFEST_NAME`] is written to: the checked tree (the
    /// directory given on the command line, or the directory of the file given), where
    /// `sesslint restore` looks for it.
    pub manifest_dir: &'a Path,
}

/// One file written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedFile {
    /// As in the change set.
    pub path: PathBuf,
    /// The file replaced: `path`, or the file its symlinks lead to.
    pub target: PathBuf,
    /// The original's copy; `None` when the file was created.
    pub backup: Option<PathBuf>,
}

/// What an apply did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// The files replaced or created, in the change set's order (unchanged files are left out).
    pub files: Vec<AppliedFile>,
    /// The restore manifest written; `None` when nothing changed.
    pub manifest: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Nothing was written.
    #[error("{0}; nothing was written")]
    Refused(#[from] ChangeError),
    /// Nothing was written: a file could not be read or is not a regular file.
    #[error("{path}: {reason}; nothing was written")]
    Unusable { path: String, reason: String },
    /// A write failed; every file already replaced was restored (`rolled_back`), or
    /// restoring failed too (the message says which file and where its backup is).
    #[error("{path}: {source}; {after}")]
    Write { path: String, source: std::io::Error, after: String },
}

/// A file about to be written.
struct Pending<'a> {
    change: &'a FileChange,
    target: PathBuf,
    /// The target's directory, opened when the file was checked: every later step is
    /// made relative to it, so the file replaced is the one checked.
    dir: Dir,
    name: std::ffi::OsString,
    new: Vec<u8>,
    /// The original's metadata; `None` for a created file.
    old: Option<std::fs::Metadata>,
}

/// Apply `changes` atomically per file, as the module documentation says. Changes whose
/// new bytes equal the old ones are left out (no backup, no write).
pub fn apply(changes: &ChangeSet, options: &ApplyOptions<'_>) -> Result<ApplyReport, ApplyError> {
    let pending = prepare(changes, options.manifest_dir)?;
    if pending.is_empty() {
        return Ok(ApplyReport::default());
    }
    let root = std::fs::canonicalize(options.manifest_dir).map_err(|e| ApplyError::Unusable {
        path: crate::source::display_path(options.manifest_dir),
        reason: e.to_string(),
    })?;
    let backups = match pending.iter().any(|p| p.old.is_some()) {
        true => Some(backup_dir(&root).map_err(|(path, source)| ApplyError::Write {
            path,
            source,
            after: "nothing was replaced".to_owned(),
        })?),
        false => None,
    };
    let mut entries = Vec::with_capacity(pending.len());
    let mut report = ApplyReport::default();
    // Before any file is replaced, a failure takes back the backups made so far.
    let nothing_replaced = |_: &ApplyReport| {
        if let Some((parent, stamp)) = &backups {
            let _ = parent.remove_tree(stamp.name());
        }
        "nothing was replaced".to_owned()
    };
    for p in &pending {
        let backup = match (&p.old, &backups) {
            (Some(_), Some((_, stamp))) => match back_up(p, stamp, &root) {
                Ok(b) => Some(b),
                Err((path, source)) => {
                    return Err(ApplyError::Write { path, source, after: nothing_replaced(&report) })
                }
            },
            _ => None,
        };
        super::slow::pause("backup");
        entries.push(ManifestEntry {
            target: absolute(&p.target),
            backup: backup.as_deref().map(absolute),
            new_sha256: crate::sha256::hex_digest(&p.new),
            old_sha256: p.change.original_sha256.clone(),
        });
        report.files.push(AppliedFile { path: p.change.path.clone(), target: p.target.clone(), backup });
    }
    let manifest = options.manifest_dir.join(MANIFEST_NAME);
    // `.sesslint/` made (never through a symlink) also when no file had a backup to keep.
    let written = Dir::open(&root)
        .and_then(|d| d.subdir(std::ffi::OsStr::new(".sesslint"), true))
        .and_then(|_| Manifest { entries: entries.clone() }.write(&manifest));
    if let Err(source) = written {
        let after = nothing_replaced(&report);
        return Err(ApplyError::Write { path: crate::source::display_path(&manifest), source, after });
    }
    super::slow::pause("manifest");
    // Where the new files are written before their rename (absent: beside each target).
    let staging = Dir::open(&root)
        .and_then(|d| d.subdir(std::ffi::OsStr::new(".sesslint"), true))
        .and_then(|d| d.subdir(std::ffi::OsStr::new("tmp"), true))
        .ok();
    for (i, p) in pending.iter().enumerate() {
        if let Err(source) = replace(p, staging.as_ref()) {
            // This file too: its rename may have happened before the directory's fsync failed.
            let (after, restored) = roll_back(&entries[..=i]);
            if restored {
                // Every file is as before: the backups and the manifest would only mislead.
                nothing_replaced(&report);
                let _ = std::fs::remove_file(&manifest);
            }
            return Err(ApplyError::Write { path: crate::source::display_path(&p.target), source, after });
        }
        super::slow::pause("replaced");
    }
    report.manifest = Some(manifest);
    if let Some((parent, _)) = &backups {
        prune(parent);
    }
    Ok(report)
}

/// One apply's backups: `BACKUP_DIR/STAMP` below `root` (`STAMP-N` when two applies fall
/// in one second), created 0700, every component opened without following a symlink.
/// Returns the opened `BACKUP_DIR` and the new directory.
fn backup_dir(root: &Path) -> Result<(Dir, StampDir), (String, std::io::Error)> {
    let fail = |e: std::io::Error| (crate::source::display_path(&root.join(BACKUP_DIR)), e);
    let mut dir = Dir::open(root).map_err(fail)?;
    for part in Path::new(BACKUP_DIR).components() {
        dir = dir.subdir(part.as_os_str(), true).map_err(fail)?;
    }
    let stamp = timestamp();
    for n in 0..1000 {
        let name = std::ffi::OsString::from(if n == 0 { stamp.clone() } else { format!("{stamp}-{n}") });
        match dir.make_dir(&name) {
            Ok(()) => {
                let opened = dir.subdir(&name, false).map_err(fail)?;
                return Ok((dir, StampDir { dir: opened, name }));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(fail(e)),
        }
    }
    Err(fail(std::io::Error::other("no free backup directory name")))
}

/// The directory of one apply's backups.
struct StampDir {
    dir: Dir,
    name: std::ffi::OsString,
}

impl StampDir {
    fn name(&self) -> &std::ffi::OsStr {
        &self.name
    }
}

/// Keep the backups of the last [`KEEP_APPLIES`] applies (names sort by time); failures
/// to remove older ones are not worth failing an apply that succeeded.
fn prune(backups: &Dir) {
    let Ok(mut names) = backups.names() else { return };
    names.retain(|n| n.to_str().is_some_and(|s| s.len() >= 16 && s.as_bytes()[..8].iter().all(u8::is_ascii_digit)));
    names.sort();
    let excess = names.len().saturating_sub(KEEP_APPLIES);
    for old in &names[..excess] {
        let _ = backups.remove_tree(old);
    }
}

/// Step 1: every target resolved and read, its hash checked, its new bytes computed; each
/// target below `inside` (the manifest's directory, where `sesslint restore` confines itself).
fn prepare<'a>(changes: &'a ChangeSet, inside: &Path) -> Result<Vec<Pending<'a>>, ApplyError> {
    let unusable =
        |path: &Path, reason: String| ApplyError::Unusable { path: crate::source::display_path(path), reason };
    let root = std::fs::canonicalize(inside).map_err(|e| unusable(inside, e.to_string()))?;
    let mut out: Vec<Pending<'_>> = Vec::new();
    for change in &changes.files {
        if change.edits.is_empty() {
            continue;
        }
        let link = std::fs::symlink_metadata(&change.target);
        let target = match link {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && change.creates() => {
                let (dir, name) =
                    super::at::split(&change.target).map_err(|e| unusable(&change.target, e.to_string()))?;
                let dir = std::fs::canonicalize(dir).map_err(|e| unusable(&change.target, e.to_string()))?;
                dir.join(name)
            }
            Err(e) => return Err(unusable(&change.target, e.to_string())),
            // A symlink's target is replaced, never the link (Debian's conf.d links
            // into mods-available).
            Ok(_) => std::fs::canonicalize(&change.target)
                .map_err(|e| unusable(&change.target, format!("its symlink leads nowhere ({e})")))?,
        };
        if !target.starts_with(&root) {
            return Err(unusable(
                &change.path,
                format!(
                    "{} is outside {}, where the restore manifest goes (name a directory that holds every file changed)",
                    crate::source::display_path(&target),
                    crate::source::display_path(&root)
                ),
            ));
        }
        if target.strip_prefix(&root).is_ok_and(|r| r.components().any(|c| c.as_os_str() == ".git")) {
            return Err(unusable(&change.path, "sesslint never writes inside .git".to_owned()));
        }
        let (dir, name) = super::at::split(&target).map_err(|e| unusable(&target, e.to_string()))?;
        let name = name.to_os_string();
        let dir = Dir::open(dir).map_err(|e| unusable(&target, e.to_string()))?;
        if !dir.path().starts_with(&root) {
            return Err(unusable(&target, "its directory moved outside the tree".to_owned()));
        }
        let (current, old) = match dir.open_file(&name) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && change.creates() => (None, None),
            Err(e) => return Err(unusable(&target, e.to_string())),
            Ok(mut file) => {
                let meta = file.metadata().map_err(|e| unusable(&target, e.to_string()))?;
                if !meta.is_file() {
                    return Err(unusable(&target, "not a regular file".to_owned()));
                }
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut file, &mut bytes).map_err(|e| unusable(&target, e.to_string()))?;
                (Some(bytes), Some(meta))
            }
        };
        let new = change.apply_to(current.as_deref())?;
        if current.as_deref() == Some(new.as_slice()) {
            continue;
        }
        // A symlink and its target both changed: the same change once, different ones refused.
        if let Some(same) = out.iter().find(|p| p.target == target) {
            if same.new == new {
                continue;
            }
            return Err(unusable(
                &change.path,
                "two different changes lead to this one file (a symlink and its target)".to_owned(),
            ));
        }
        out.push(Pending { change, target, dir, name, new, old });
    }
    Ok(out)
}

/// Step 2: the original kept as `STAMP/REL` (its path below `root`), durable, and checked
/// to hold the bytes the change was planned against.
fn back_up(p: &Pending<'_>, stamp: &StampDir, root: &Path) -> Result<PathBuf, (String, std::io::Error)> {
    let fail = |path: &Path, e: std::io::Error| (crate::source::display_path(path), e);
    let rel = p
        .dir
        .path()
        .strip_prefix(root)
        .map_err(|_| fail(&p.target, std::io::Error::other("outside the directory of the restore manifest")))?;
    let mut dir = stamp.dir.try_clone();
    for part in rel.components() {
        dir = dir.and_then(|d| d.subdir(part.as_os_str(), true));
    }
    let dir = dir.map_err(|e| fail(stamp.dir.path(), e))?;
    let backup_path = dir.path().join(&p.name);
    if p.dir.link_into(&p.name, &dir, &p.name).is_err() {
        // No hard links here (another filesystem): a copy with the original's mode.
        let old = p.old.as_ref().map_or(0o600, |m| m.permissions().mode() & 0o7777);
        let copy = (|| {
            let mut from = p.dir.open_file(&p.name)?;
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut from, &mut bytes)?;
            let mut to = dir.create(&p.name, 0o600)?;
            fill(&mut to, &bytes, old, p.old.as_ref(), Some(&from))
        })();
        copy.map_err(|e| fail(&backup_path, e))?;
    }
    dir.sync().map_err(|e| fail(dir.path(), e))?;
    stamp.dir.sync().map_err(|e| fail(stamp.dir.path(), e))?;
    // The bytes backed up are the ones the change was computed against (not a write
    // that came in since the check).
    let kept = dir
        .open_file(&p.name)
        .and_then(|mut f| {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut b).map(|_| b)
        })
        .map_err(|e| fail(&backup_path, e))?;
    if p.change.original_sha256.as_deref() != Some(crate::sha256::hex_digest(&kept).as_str()) {
        let _ = dir.remove(&p.name);
        return Err(fail(&p.target, std::io::Error::other("the file changed while it was being backed up")));
    }
    Ok(backup_path)
}

/// Step 4 for one file: a temporary file in `staging` (`.sesslint/tmp/`, when on the
/// target's file system) or else beside the target, with the new bytes and the original's
/// metadata, fsync, rename over the target, fsync the directory; all relative to the
/// directory opened when the file was checked.
fn replace(p: &Pending<'_>, staging: Option<&Dir>) -> std::io::Result<()> {
    let mode = match &p.old {
        Some(m) => m.permissions().mode() & 0o7777,
        None if p.change.writes_secret() => NEW_SECRET_FILE_MODE,
        None => NEW_FILE_MODE,
    };
    let labels = match &p.old {
        Some(_) => Some(p.dir.open_file(&p.name)?),
        None => None,
    };
    let same_fs = |s: &&Dir| matches!((s.device(), p.dir.device()), (Ok(a), Ok(b)) if a == b);
    let write_in = |dir: &Dir| -> std::io::Result<std::ffi::OsString> {
        let tmp = temp_file_name(&p.name);
        let _ = dir.remove(&tmp); // a leftover of a killed run with this pid
        let written = dir
            .create(&tmp, 0o600)
            .and_then(|mut f| fill(&mut f, &p.new, mode, p.old.as_ref(), labels.as_ref()))
            .and_then(|_| super::slow::fail_point(&p.target));
        if let Err(e) = written {
            let _ = dir.remove(&tmp);
            return Err(e);
        }
        super::slow::pause("before rename");
        Ok(tmp)
    };
    if let Some(stage) = staging.filter(same_fs) {
        let tmp = write_in(stage)?;
        match stage.rename_into(&tmp, &p.dir, &p.name) {
            Ok(()) => return p.dir.sync(),
            // The same device through another mount (a bind mount): rename refuses to cross
            // it, so the file is written beside the target after all.
            Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
                let _ = stage.remove(&tmp);
            }
            Err(e) => {
                let _ = stage.remove(&tmp);
                return Err(e);
            }
        }
    }
    let tmp = write_in(&p.dir)?;
    if let Err(e) = p.dir.rename(&tmp, &p.name) {
        let _ = p.dir.remove(&tmp);
        return Err(e);
    }
    p.dir.sync()
}

/// Fill a newly created `file` with `bytes`, `mode`, the owner and group of `like` and
/// the labels of the open file `labels_from`, then fsync it.
pub(super) fn fill(
    file: &mut File,
    bytes: &[u8],
    mode: u32,
    like: Option<&std::fs::Metadata>,
    labels_from: Option<&File>,
) -> std::io::Result<()> {
    super::slow::write_all(file, bytes)?;
    if let Some(m) = like {
        let here = file.metadata()?;
        if here.uid() != m.uid() || here.gid() != m.gid() {
            std::os::unix::fs::fchown(&*file, Some(m.uid()), Some(m.gid())).map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot give the new file the original's owner and group {}:{} ({e})", m.uid(), m.gid()),
                )
            })?;
        }
    }
    if let Some(from) = labels_from {
        copy_labels(from, file)?;
    }
    // After chown, which clears set-id bits.
    file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    file.sync_all()
}

/// The extended attributes that decide who may read the file: the SELinux label (RHEL's
/// `httpd_config_t`, `redis_conf_t`) and POSIX ACLs. Absent ones, and filesystems without
/// xattrs, are fine; a label that cannot be set is an error (a file the service could no
/// longer read is worse than no change).
fn copy_labels(from: &File, to: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    for name in [c"security.selinux", c"system.posix_acl_access"] {
        let mut buf = vec![0u8; 4096];
        // SAFETY: the fd is open, the name NUL-terminated, the buffer as long as said.
        let n = unsafe { libc::fgetxattr(from.as_raw_fd(), name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::ENODATA) | Some(libc::ENOTSUP) => continue,
                _ => return Err(e),
            }
        }
        buf.truncate(n as usize);
        // SAFETY: the fd is open for the call's duration; the buffer holds `buf.len()` bytes.
        let r = unsafe { libc::fsetxattr(to.as_raw_fd(), name.as_ptr(), buf.as_ptr().cast(), buf.len(), 0) };
        if r != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Put back the files of `entries` (already replaced): each backup's bytes over its target,
/// each created file removed. Returns what to tell the user, and whether every file is back.
fn roll_back(entries: &[ManifestEntry]) -> (String, bool) {
    let mut failed = Vec::new();
    for e in entries.iter().rev() {
        if let Err(err) = super::restore::restore_entry(e) {
            failed.push(format!("{} ({err})", crate::source::display_path(&e.target)));
        }
    }
    if failed.is_empty() {
        ("the files already replaced were restored (backups and manifest removed)".to_owned(), true)
    } else {
        (format!("restoring failed for {}; run `sesslint restore`", failed.join(", ")), false)
    }
}

pub(super) fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `.NAME.sesslint-tmp-PID`: the temporary file beside `NAME`.
pub(super) fn temp_file_name(name: &std::ffi::OsStr) -> std::ffi::OsString {
    std::ffi::OsString::from(format!(".{}.sesslint-tmp-{}", name.to_string_lossy(), std::process::id()))
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Now in UTC as `YYYYMMDDTHHMMSSZ` (backup names sort by time).
fn timestamp() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Write a whole file (the restore manifest, a plan): a new temporary file beside it
/// (`O_EXCL|O_NOFOLLOW`, `mode`), fsync, rename over `path` (a symlink there is replaced,
/// never followed), fsync the directory.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let (dir, name) = super::at::split(path)?;
    let dir = Dir::open(dir)?;
    let tmp = temp_file_name(name);
    let _ = dir.remove(&tmp);
    let written = dir.create(&tmp, 0o600).and_then(|mut file| {
        file.write_all(bytes)?;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        file.sync_all()
    });
    let written = written.and_then(|_| dir.rename(&tmp, name));
    if written.is_err() {
        let _ = dir.remove(&tmp);
    }
    written?;
    dir.sync()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_civil_dates() {
        let t = timestamp();
        assert_eq!(t.len(), 16, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z') && t.as_bytes()[8] == b'T', "{t}");
    }
}
