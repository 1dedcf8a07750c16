//! Which session stores of a fleet are one application: the same pool or SAPI, configured
//! alike, on several hosts behind a load balancer. Such replicas must share one database and
//! one key prefix, or a user loses the session whenever the balancer switches host.

use std::path::{Path, PathBuf};

use crate::model::{EndpointOwner, Model, SessionEndpoint};

/// Settings a pool directive file gives that decide whose sessions a store holds: the
/// worker's user (the one that owned the `sess_<id>` files) and the directory scripts run in.
const POOL_SETTINGS: [&str; 3] = ["user", "group", "chdir"];

/// ini keys outside `session.*` that decide which scripts (which document root) a store serves.
const SCRIPT_KEYS: [&str; 2] = ["doc_root", "open_basedir"];

/// What a session store is, with the host's name taken out: two stores with equal
/// `Application`s on different hosts of a fleet are replicas of one application.
///
/// The rule (README, "migrate"): the same place decides the save path (a file's path below
/// its host's root, with the same offset), it serves the same owners (`php cli`, `pool
/// www`), each with the same pool `user`, `group` and `chdir` and the same effective
/// `session.*` (save handler and path aside: those are what the migration replaces),
/// `doc_root` and `open_basedir`. Outside a fleet the path is the whole path, so no two
/// stores of one tree are ever the same application.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Application {
    place: PathBuf,
    offset: usize,
    /// Per owner, in the group's order: its name and its `(key, value)` settings, sorted.
    owners: Vec<(String, Vec<(String, String)>)>,
}

/// The application of the store that `place` (path, offset of the deciding line) gives to
/// `owners`.
pub fn identify<'m>(
    model: &'m Model,
    place: (&Path, usize),
    owners: impl Iterator<Item = &'m SessionEndpoint>,
) -> Application {
    let (path, offset) = place;
    let below_host = below_host(model, path).to_path_buf();
    let owners = owners.map(|ep| (owner_name(model, ep), settings(model, ep))).collect();
    Application { place: below_host, offset, owners }
}

/// `path` below the root of the fleet host that holds it, or `path` outside fleets.
pub fn below_host<'p>(model: &Model, path: &'p Path) -> &'p Path {
    model.host_of_path(path).and_then(|h| path.strip_prefix(&model.host(h).root).ok()).unwrap_or(path)
}

/// `php cli`, `pool www`, `magento var/www/shop`: the owner's name as every host of a fleet
/// spells it (a Magento install by its root below the host's).
pub fn owner_name(model: &Model, ep: &SessionEndpoint) -> String {
    match ep.owner {
        EndpointOwner::Php(i) => format!("php {}", model.php[i].sapi_name()),
        EndpointOwner::Pool(i) => format!("pool {}", model.pools[i].name),
        EndpointOwner::Magento(i) => format!("magento {}", below_host(model, &model.magento[i].root).display()),
    }
}

/// The owner's settings that decide which application it is, sorted by key.
fn settings(model: &Model, ep: &SessionEndpoint) -> Vec<(String, String)> {
    let relevant = |k: &str| {
        (k.starts_with("session.") && k != "session.save_handler" && k != "session.save_path")
            || SCRIPT_KEYS.contains(&k)
    };
    let mut out: Vec<(String, String)> = Vec::new();
    match ep.owner {
        EndpointOwner::Php(i) => {
            let setup = &model.php[i];
            out.extend(setup.values.iter().filter(|(k, _)| relevant(k)).map(|(k, v)| (k.clone(), v.value.clone())));
        }
        EndpointOwner::Pool(i) => {
            let pool = &model.pools[i];
            let mut keys: std::collections::BTreeSet<&str> = pool.overrides.keys().map(String::as_str).collect();
            if let Some(s) = pool.setup {
                keys.extend(model.php[s].values.keys().map(String::as_str));
            }
            for k in keys.into_iter().filter(|k| relevant(k)) {
                if let Some(v) = pool.effective(k, &model.php) {
                    out.push((k.to_owned(), v.value));
                }
            }
            for k in POOL_SETTINGS {
                if let Some(v) = pool.settings.get(k) {
                    out.push((format!("pool {k}"), v.value.clone()));
                }
            }
        }
        EndpointOwner::Magento(_) => {}
    }
    out.sort();
    out
}

/// The fleet host whose tree holds `path`, by name (`None` outside fleets).
pub fn host_name<'m>(model: &'m Model, path: &Path) -> Option<&'m str> {
    model.host_of_path(path).map(|h| model.host(h).name.as_str())
}

/// What makes Magento installs on several hosts of a fleet one shop: env.php at the same
/// path below each host's root, the same `crypt` `key` (Magento encrypts with it; each
/// install generates its own, so two shops that happen to sit at the same path, say
/// `/var/www/html`, differ in it, and their sessions must never mix: a session id from one
/// would be read by the other), and the same database (`db` `connection` `default` `host` and
/// `dbname`: a staging copy often keeps production's crypt key).
#[derive(PartialEq)]
pub struct Shop {
    /// env.php's path below its host's root.
    pub place: PathBuf,
    /// The key's SHA-256 in hex, not the key: compared only, never shown.
    crypt_key: String,
    database: (Option<Vec<u8>>, Option<Vec<u8>>),
}

impl Shop {
    /// The shop of the env.php `doc` at `path`; `None` outside a fleet, or when the crypt key
    /// is not known: no literal non-empty key, or an entry of the returned array or of
    /// `crypt` whose key is not known or a spread (`...$x`, `$k => ...`), which may replace
    /// it. Such an install gets a database of its own.
    pub fn of(model: &Model, doc: &crate::syntax::env_php::EnvPhp, path: &Path) -> Option<Shop> {
        use crate::syntax::env_php::ExprKind;
        model.host_of_path(path)?;
        let all_known = |array| doc.array(array).entries.iter().all(|e| !e.spread && doc.key(e).is_some());
        let root = doc.root_array()?;
        let crypt = match doc.expr(doc.lookup(&["crypt"])?.value).kind {
            ExprKind::Array(a) => a,
            _ => return None,
        };
        if !all_known(root) || !all_known(crypt) {
            return None;
        }
        let key = doc.lookup(&["crypt", "key"]).and_then(|e| doc.string_value(e.value)).filter(|k| !k.is_empty())?;
        let db = |k: &str| {
            doc.lookup(&["db", "connection", "default", k]).and_then(|e| doc.string_value(e.value)).map(<[u8]>::to_vec)
        };
        Some(Shop {
            place: below_host(model, path).to_path_buf(),
            crypt_key: crate::sha256::hex_digest(key),
            database: (db("host"), db("dbname")),
        })
    }
}
