//! PHP's `files` session store as mod_files.c lays it out: `session.save_path` as
//! `[N;[MODE;]]/path`, `sess_<id>` files N directory levels down, their age by mtime.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A `files` handler's `session.save_path`, split as mod_files.c's PS_OPEN_FUNC(files) does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilesSavePath {
    /// The directory the levels start from.
    pub dir: PathBuf,
    /// `N`: how many one-character directory levels hold the files (0: the files are in `dir`).
    pub levels: usize,
}

impl FilesSavePath {
    /// `"/var/lib/php/sessions"`, `"2;/var/lib/php/sessions"`, `"2;0600;/path"`: at most
    /// three `;`-separated parts, the path last (it may hold further `;`). `None` for an
    /// empty path: PHP then uses its compiled-in default, which the files do not say.
    pub fn parse(value: &str) -> Option<FilesSavePath> {
        let mut parts: Vec<&str> = Vec::new();
        let mut rest = value;
        while parts.len() < 2 {
            match rest.split_once(';') {
                Some((head, tail)) => {
                    parts.push(head);
                    rest = tail;
                }
                None => break,
            }
        }
        // strtoul on the first part, as mod_files.c reads the depth.
        let levels = match parts.first() {
            Some(n) => n.trim_start().chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0),
            None => 0,
        };
        (!rest.is_empty()).then(|| FilesSavePath { dir: PathBuf::from(rest), levels })
    }
}

/// One session file: its id (the name after `sess_`), its data as PHP serialized it, and how
/// long ago it was last written.
#[derive(Clone, Debug)]
pub struct SessionFile {
    pub id: String,
    pub path: PathBuf,
    pub data: Vec<u8>,
    pub age: Duration,
    /// The file's owner: with `files` the user of the PHP process that created it
    /// (mod_files.c creates `sess_<id>` 0600 as the worker's user).
    pub uid: u32,
}

/// What a scan of a save path found, besides the sessions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanCounts {
    /// `sess_*` files whose name is no id PHP issues (`[a-zA-Z0-9,-]`): never read.
    pub not_an_id: usize,
    /// Files that could not be read (permissions, removed meanwhile).
    pub unreadable: usize,
}

/// Whether `id` is a session id PHP's files handler accepts (ps_files_valid_key).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b',' || b == b'-')
}

/// Every `sess_<id>` file `levels` directories below `dir` (PHP reads no other depth), with
/// its data and age at `now`. Files are read, never changed or removed.
pub fn scan(save: &FilesSavePath, dir: &Path, now: SystemTime) -> std::io::Result<(Vec<SessionFile>, ScanCounts)> {
    let mut out = Vec::new();
    let mut counts = ScanCounts::default();
    let walker = walkdir::WalkDir::new(dir).min_depth(save.levels + 1).max_depth(save.levels + 1).follow_links(false);
    std::fs::read_dir(dir)?; // a missing or unreadable save path is an error, not "no sessions"
    for entry in walker.into_iter().filter_map(Result::ok) {
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(id) = entry.file_name().to_str().and_then(|n| n.strip_prefix("sess_")) else { continue };
        if !valid_id(id) {
            counts.not_an_id += 1;
            continue;
        }
        let meta = entry.metadata().ok();
        let uid = meta.as_ref().map_or(u32::MAX, std::os::unix::fs::MetadataExt::uid);
        let read = meta.and_then(|m| m.modified().ok()).zip(std::fs::read(entry.path()).ok());
        match read {
            Some((modified, data)) => out.push(SessionFile {
                id: id.to_owned(),
                path: entry.path().to_path_buf(),
                data,
                age: now.duration_since(modified).unwrap_or_default(),
                uid,
            }),
            None => counts.unreadable += 1,
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok((out, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_path_forms_as_mod_files_splits_them() {
        let p = |s: &str| FilesSavePath::parse(s);
        assert_eq!(p("/var/lib/php/sessions"), Some(FilesSavePath { dir: "/var/lib/php/sessions".into(), levels: 0 }));
        assert_eq!(
            p("2;/var/lib/php/sessions"),
            Some(FilesSavePath { dir: "/var/lib/php/sessions".into(), levels: 2 })
        );
        assert_eq!(p("1;0600;/srv/s;x"), Some(FilesSavePath { dir: "/srv/s;x".into(), levels: 1 }));
        assert_eq!(p(""), None);
    }

    #[test]
    fn ids_are_what_php_issues() {
        assert!(valid_id("abc,DEF-123"));
        assert!(!valid_id("../x") && !valid_id("") && !valid_id("a b"));
    }
}
