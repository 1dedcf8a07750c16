//! # SL403 sessions-shared-across-apps
//!
//! ## What it does
//! Finds two applications (php-fpm pools, Magento installs, PHP setups of different SAPIs
//! other than the CLI) whose sessions go to the same Redis server, database and key prefix,
//! each from its own setting. The server is the one the tree links the address to; when the
//! tree holds no Redis config for it, two addresses that name the same server on one machine
//! (`localhost` and `127.0.0.1`, one socket path) count as one. The prefix is the one the handler really uses: phpredis'
//! `prefix` parameter, else `PHPREDIS_SESSION:`; Magento's session handler writes `sess_`.
//! Two setups that read one and the same php.ini line are one setting, not two apps (the
//! CLI and FPM of one site), and are not flagged, unless they are php-fpm pools that run as
//! different users (`user = shop`, `user = www-data`): with `files` each pool's session
//! files were its user's own (PHP creates `sess_<id>` 0600), so one save path for both is
//! a new sharing. Pools of one user reading one line are one app, as before.
//!
//! ## Why it matters
//! Session ids are the only thing that tells the apps' sessions apart: a session id from one
//! app is a valid session in the other (`PHPREDIS_SESSION:<id>` is the same key), so a login
//! on one site can be replayed on the other, and their session formats and lifetimes clash.
//! Checked live: a session written by one php.ini's settings is read back by another's.
//!
//! ## Example
//! ```ini
//! ; pool.d/shop.conf
//! php_value[session.save_path] = "tcp://127.0.0.1:6379?database=2"
//! ; pool.d/blog.conf
//! php_value[session.save_path] = "tcp://127.0.0.1:6379?database=2"
//! ```
//! or, with `session.save_path` in php-fpm's php.ini only:
//! ```ini
//! ; pool.d/shop.conf           ; pool.d/www.conf
//! [shop]                       [www]
//! user = shop                  user = www-data
//! ```
//!
//! ## Fix
//! Give each application its own database (`database=N`) or prefix (`prefix=blog:`); for
//! pools that read one php.ini line, a `php_value[session.save_path]` in each pool file
//! (`sesslint migrate` writes these when it moves such pools off `files`). They still
//! share the server's password: an ACL user per pool whose `~` key pattern is its prefix
//! keeps one pool's code out of the other's sessions.

use crate::model::php::HISTORY_KEYS;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::{endpoint_at, label, Rule};
use crate::codes::Code;
use crate::diagnostic::Severity;
use crate::model::link::host_of;
use crate::model::magento::server_key;
use crate::model::php::Sapi;
use crate::model::{EndpointId, EndpointOwner, LinkCertainty, Location, Model, ServerId};

pub static RULE: Rule = Rule {
    code: Code::SessionsSharedAcrossApps,
    summary: "Two applications' sessions in the same Redis server, database and prefix",
    default_severity: Severity::Error,
    also: &[],
    source: include_str!("sl403_sessions_shared_across_apps.rs"),
    check,
};

/// Where a target's sessions are: the server it is linked to exactly, else (no server of
/// the tree reached for sure) its normalised address on the client's machine.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Server(usize),
    Address(std::path::PathBuf, String),
}

/// What makes two session stores two applications' (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum App {
    /// A SAPI, a Magento install or a pool with no `user` line: the line (or env.php) that
    /// decides its save path.
    Setting(Location),
    /// A pool with a `user` line: the user, and the line that decides its save path.
    Pool { user: String, at: Location },
}

impl App {
    fn reads(&self, line: Location) -> bool {
        matches!(self, App::Pool { at, .. } if *at == line)
    }
}

fn app_of(model: &Model, ep: &crate::model::SessionEndpoint, at: Location) -> App {
    if let EndpointOwner::Pool(i) = ep.owner {
        if let Some(user) = model.pools[i].run_user() {
            return App::Pool { user: user.to_owned(), at };
        }
    }
    App::Setting(at)
}

fn check(rule: &Rule, model: &Model, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    // Each group keeps its apps in first-seen order, with sets to ask "seen?" in O(1): one
    // Redis can serve every pool of a large pool.d.
    type Apps = (Vec<(EndpointId, Location)>, HashSet<EndpointId>, HashSet<App>);
    let mut groups: BTreeMap<(Place, i64, String), Apps> = BTreeMap::new();
    // The links of each (endpoint, target): whether any, and the first exact one's server.
    let mut linked: HashMap<(EndpointId, usize), Option<ServerId>> = HashMap::new();
    for l in &model.links {
        let exact = linked.entry((l.endpoint, l.target)).or_insert(None);
        if exact.is_none() && l.certainty == LinkCertainty::Exact {
            *exact = Some(l.server);
        }
    }
    for (ei, ep) in model.endpoints.iter().enumerate() {
        let id = EndpointId(ei);
        if model.repeats_base(ep.owner, &HISTORY_KEYS) {
            continue; // the base's app, under the same setting
        }
        if let EndpointOwner::Php(i) = ep.owner {
            if model.php[i].sapi == Some(Sapi::Cli) {
                continue; // the CLI runs the same app's scripts
            }
        }
        let Some(at) = endpoint_at(ep) else { continue };
        for (ti, t) in ep.targets.iter().enumerate() {
            let place = match linked.get(&(id, ti)) {
                Some(Some(server)) => Place::Server(server.0),
                Some(None) => continue,
                None => Place::Address(host_of(model.path(at.file), &[]), server_key(t)),
            };
            let prefix = t.prefix.clone().unwrap_or_else(|| match ep.owner {
                EndpointOwner::Magento(_) => "sess_".to_owned(),
                // phpredis' defaults (redis_session.c); the cluster one measured with 5.3.7
                // (tests/phpredis_live_model.rs stores a session under it).
                _ if ep.handler.value == "rediscluster" => "PHPREDIS_CLUSTER_SESSION:".to_owned(),
                _ => "PHPREDIS_SESSION:".to_owned(),
            });
            let (list, ids, apps) = groups.entry((place, t.database.unwrap_or(0), prefix)).or_default();
            let app = app_of(model, ep, at);
            // One setting read by several setups is one app, unless they are pools of
            // different users; a SAPI reading a line pools read is one of their apps.
            let known = match &app {
                App::Setting(at) => apps.contains(&App::Setting(*at)) || apps.iter().any(|a| a.reads(*at)),
                App::Pool { .. } => apps.contains(&app),
            };
            if !ids.contains(&id) && !known {
                if let App::Pool { at, .. } = &app {
                    // A SAPI taken for this line first gives its place to the pools.
                    if let Some(k) = list.iter().position(|(_, l)| l == at) {
                        if apps.remove(&App::Setting(*at)) {
                            ids.remove(&list[k].0);
                            list.remove(k);
                        }
                    }
                }
                list.push((id, at));
                ids.insert(id);
                apps.insert(app);
            }
        }
    }
    for ((place, db, prefix), (list, _, _)) in groups {
        if list.len() < 2 {
            continue;
        }
        let server = match &place {
            Place::Server(s) => {
                format!("Redis server {}", crate::source::display_path(model.path(model.server(ServerId(*s)).file)))
            }
            Place::Address(_, key) => format!("Redis at {key}"),
        };
        let names: Vec<&str> = list.iter().map(|(e, _)| model.endpoint(*e).label.as_str()).collect();
        let (first, rest) = (&list[0], &list[1..]);
        let mut d = rule.diagnostic(
            Severity::Error,
            format!(
                "{} keep their sessions in the same place: {server}, database {db}, prefix `{prefix}`; a session id of one is a session of the other",
                names.join(" and "),
            ),
            label(model, first.1, "sessions of one application"),
        );
        for (_, at) in rest {
            d = d.with_related(label(model, *at, "the same server, database and prefix"));
        }
        out.push(d.with_help("give each application its own `database=` or `prefix=`"));
    }
}
