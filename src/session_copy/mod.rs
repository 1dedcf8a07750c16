//! Copying the live sessions of a PHP setup or pool from its `files` save path into Redis in
//! phpredis' format, so that switching the handler logs nobody out. Files are never removed.

pub mod files_store;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::model::{EndpointId, EndpointOwner, Model};
pub use files_store::{FilesSavePath, ScanCounts, SessionFile};

/// Where one SAPI's or pool's file sessions are, and how long PHP keeps them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilesSource {
    /// The endpoint's label: `pool www (/etc/php/8.2/fpm/pool.d/www.conf)`.
    pub label: String,
    pub save_path: FilesSavePath,
    /// `save_path.dir` below the model's root (the same directory on a live machine).
    pub dir: PathBuf,
    /// `session.gc_maxlifetime`, seconds (PHP's default 1440).
    pub max_lifetime: u64,
    /// Why the directory is what it is when no `session.save_path` says it.
    pub assumed: Option<&'static str>,
}

/// Why an endpoint's sessions cannot be copied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotCopied {
    /// Magento's Redis handler (Cm\RedisSession) stores a session as a hash with its own
    /// fields, not phpredis' serialized string.
    #[error("{0}: Magento's sessions are not copied: its Redis session handler (colinmollenhour/php-redis-session-abstract) keeps each session as a Redis hash of its own layout, which sesslint does not write; Magento users log in again after the switch")]
    Magento(String),
    #[error("{0}: its sessions are not in files (handler `{1}`)")]
    NotFiles(String, String),
}

/// The files store of endpoint `id`, which must be a PHP setup or pool on `files`. An empty
/// `session.save_path` is PHP's compiled-in default: Debian's and Ubuntu's PHP use
/// `/var/lib/php/sessions` (a Debian-style `etc/php/X.Y/` tree), upstream PHP the system's
/// temporary directory (`/tmp`).
pub fn files_source(model: &Model, id: EndpointId) -> Result<FilesSource, NotCopied> {
    let ep = model.endpoint(id);
    if let EndpointOwner::Magento(_) = ep.owner {
        return Err(NotCopied::Magento(ep.label.clone()));
    }
    if ep.handler.value != "files" {
        return Err(NotCopied::NotFiles(ep.label.clone(), ep.handler.value.clone()));
    }
    let value = ep.save_path.as_ref().map(|v| v.value.clone()).unwrap_or_default();
    let lifetime = match ep.owner {
        EndpointOwner::Php(i) => model.php[i].get("session.gc_maxlifetime"),
        EndpointOwner::Pool(i) => model.pools[i].effective("session.gc_maxlifetime", &model.php),
        EndpointOwner::Magento(_) => None,
    };
    // PHP reads the ini integer with strtol: leading digits, anything else 0.
    let max_lifetime = lifetime
        .map(|v| v.value.trim().chars().take_while(char::is_ascii_digit).collect::<String>())
        .and_then(|d| d.parse().ok())
        .unwrap_or(1440);
    let (save_path, assumed) = match FilesSavePath::parse(&value) {
        Some(p) => (p, None),
        None => {
            let debian = setup_dir(model, id).is_some_and(|d| {
                d.components().any(|c| c.as_os_str() == "php")
                    && d.components().any(|c| {
                        c.as_os_str().to_str().is_some_and(|s| s.contains('.') && s.starts_with(char::is_numeric))
                    })
            });
            if debian {
                let p = FilesSavePath { dir: "/var/lib/php/sessions".into(), levels: 0 };
                (p, Some("session.save_path is empty: Debian's PHP keeps sessions in its compiled-in /var/lib/php/sessions"))
            } else {
                let p = FilesSavePath { dir: "/tmp".into(), levels: 0 };
                (p, Some("session.save_path is empty: PHP keeps sessions in the system's temporary directory, taken as /tmp"))
            }
        }
    };
    let dir = under_root(&model.root, &save_path.dir);
    Ok(FilesSource { label: ep.label.clone(), save_path, dir, max_lifetime, assumed })
}

fn setup_dir(model: &Model, id: EndpointId) -> Option<&Path> {
    match model.endpoint(id).owner {
        EndpointOwner::Php(i) => Some(&model.php[i].dir),
        EndpointOwner::Pool(i) => model.pools[i].setup.map(|s| model.php[s].dir.as_path()),
        EndpointOwner::Magento(_) => None,
    }
}

/// An absolute path of the configured machine, below the root the tree was read with.
fn under_root(root: &Path, path: &Path) -> PathBuf {
    crate::confine::under_root(root, path)
}

/// The users of the configured machine: `etc/passwd` below the model's root (the live
/// `/etc/passwd` when the root is `/`), name -> uid. Empty when the tree has none.
#[derive(Clone, Debug, Default)]
pub struct Users(std::collections::HashMap<String, u32>);

impl Users {
    /// Read through the model's confinement; an unreadable or missing file is no users.
    pub fn of(model: &Model) -> Users {
        let path = under_root(&model.root, Path::new("/etc/passwd"));
        let Ok(bytes) = model.confinement.read(&path) else { return Users::default() };
        let mut map = std::collections::HashMap::new();
        for line in String::from_utf8_lossy(&bytes).lines() {
            let mut f = line.split(':');
            if let (Some(name), Some(_), Some(uid)) = (f.next(), f.next(), f.next()) {
                if let Ok(uid) = uid.parse::<u32>() {
                    map.entry(name.to_owned()).or_insert(uid);
                }
            }
        }
        Users(map)
    }

    /// Whether no user was read (the tree has no readable `etc/passwd`).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The uid of a pool's `user` value: a name of the machine, or a number (php-fpm takes
    /// either, fpm_unix.c `fpm_unix_resolve_user`).
    pub fn uid(&self, user: &str) -> Option<u32> {
        user.parse().ok().or_else(|| self.0.get(user).copied())
    }
}

/// The uid whose session files are endpoint `id`'s when several setups share one files
/// directory: a pool's `user`, resolved with `users`. `None` for the CLI, another SAPI, a
/// pool without `user` or with a user the machine does not have: whose files those are is
/// not known.
pub fn owner_uid(model: &Model, id: EndpointId, users: &Users) -> Option<u32> {
    match model.endpoint(id).owner {
        EndpointOwner::Pool(i) => model.pools[i].run_user().and_then(|u| users.uid(u)),
        _ => None,
    }
}

/// For one files directory that several setups read (Debian's `/var/lib/php/sessions`
/// serves every SAPI and pool), which reader each session goes to: `readers` gives each
/// reader's owner uid ([`owner_uid`]) and the store (server, database, prefix) it now
/// writes. A file goes to the readers whose uid owns it when they all write one store
/// (the first of them is returned); otherwise (no reader's user owns it, or readers of
/// different stores share that user) it is `None`: copying it into any store could hand
/// one application's session to another.
pub fn owners<K: PartialEq>(sessions: &[SessionFile], readers: &[(Option<u32>, K)]) -> Vec<Option<usize>> {
    sessions
        .iter()
        .map(|s| {
            let mut mine = readers.iter().enumerate().filter(|(_, (uid, _))| *uid == Some(s.uid));
            let (first, (_, store)) = mine.next()?;
            mine.all(|(_, (_, other))| other == store).then_some(first)
        })
        .collect()
}

/// What a copy did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Session files read.
    pub found: usize,
    /// Written to Redis.
    pub copied: usize,
    /// Older than `session.gc_maxlifetime`: PHP would have deleted them; not copied.
    pub expired: usize,
    /// The key existed in Redis already (a session started there since): left as it is.
    pub already_in_redis: usize,
    /// Writes the server refused; the first reply is in [`Outcome::first_error`].
    pub failed: usize,
}

/// Counts and the first refusal.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub counts: Counts,
    pub first_error: Option<String>,
}

/// Read the sessions of `source` as they are at `now`.
pub fn read_sessions(source: &FilesSource, now: SystemTime) -> std::io::Result<(Vec<SessionFile>, ScanCounts)> {
    files_store::scan(&source.save_path, &source.dir, now)
}

/// Write each session as phpredis stores it: key `prefix + id`, the serialized data as is
/// (phpredis writes what PHP's serializer produced, redis_session.c PS_WRITE_FUNC), expiring
/// after `max_lifetime` minus the file's age (phpredis sets `session.gc_maxlifetime` on each
/// write). `SET ... EX ttl NX`: a key already in Redis is newer and is kept. `progress` gets
/// (done, total) after each session.
pub fn copy(
    con: &mut redis::Connection,
    prefix: &str,
    sessions: &[SessionFile],
    max_lifetime: u64,
    progress: &dyn Fn(usize, usize),
) -> Outcome {
    let mut out = Outcome::default();
    out.counts.found = sessions.len();
    for (n, s) in sessions.iter().enumerate() {
        let age = s.age.as_secs();
        if age >= max_lifetime {
            out.counts.expired += 1;
        } else {
            let key = format!("{prefix}{}", s.id);
            let reply: redis::RedisResult<Option<String>> =
                redis::cmd("SET").arg(&key).arg(&s.data[..]).arg("EX").arg(max_lifetime - age).arg("NX").query(con);
            match reply {
                Ok(Some(_)) => out.counts.copied += 1,
                Ok(None) => out.counts.already_in_redis += 1,
                Err(e) => {
                    out.counts.failed += 1;
                    out.first_error.get_or_insert_with(|| crate::live::reply_text(&e));
                }
            }
        }
        progress(n + 1, sessions.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(id: &str, uid: u32) -> SessionFile {
        SessionFile { id: id.into(), path: PathBuf::from(id), data: Vec::new(), age: Default::default(), uid }
    }

    #[test]
    fn a_shared_directory_gives_each_file_to_the_store_of_the_user_who_owns_it() {
        let files = [file("a", 1001), file("b", 33), file("c", 0), file("d", 1002)];
        // CLI (no uid), pool shop (1001, db 3), pool www (33, db 5), pool admin (1002, db 6),
        // pool admin2 (1002, db 7): the same user in two stores is ambiguous.
        let readers = [(None, 2), (Some(1001), 3), (Some(33), 5), (Some(1002), 6), (Some(1002), 7)];
        assert_eq!(owners(&files, &readers), vec![Some(1), Some(2), None, None]);
        // Two pools of one user writing one store: the file goes once, to the first.
        let readers = [(Some(1001), 3), (Some(1001), 3)];
        assert_eq!(owners(&files[..1], &readers), vec![Some(0)]);
    }

    #[test]
    fn pool_users_are_names_of_the_machine_or_numbers() {
        let users = Users([("shop".to_owned(), 1001)].into_iter().collect());
        assert_eq!(users.uid("shop"), Some(1001));
        assert_eq!(users.uid("33"), Some(33));
        assert_eq!(users.uid("nobody-here"), None);
    }
}
