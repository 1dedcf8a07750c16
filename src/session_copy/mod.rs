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
