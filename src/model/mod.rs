//! The shared model: every file we read, what PHP, php-fpm, Magento and Redis make of it,
//! and how session endpoints reach Redis servers. Every value knows where it was set.
//!
//! Built once from a [`Discovery`](crate::discover::Discovery); rules only read it.

mod build;
pub(crate) use build::apache_tree_dir;
#[cfg(fuzzing)]
pub(crate) use build::secret_passes_disagree;
pub mod credentials;
pub mod endpoint;
pub mod fpm_integer;
pub mod host;
pub mod inventory;
pub mod link;
pub mod link_index;
pub mod magento;
pub mod php;
pub mod redis;
pub mod tunnel;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use build::{build, BuildOptions, Overlay, ParseBudget, ParseCache};
pub use endpoint::{Auth, EndpointOwner, RedisTarget, SessionEndpoint, TargetProblem, Transport};
pub use host::{Host, HostDecl, HostId};
pub use link::{ChainProblem, Link, LinkCertainty, Unlinked, Unreached, UNREACHED_SERVERS_KEPT};
pub use magento::MagentoInstall;
pub use php::{FpmPool, PhpSetup, PoolOverride, Sapi};
pub use redis::RedisServer;
pub use tunnel::Tunnel;

use crate::discover::{Role, Unreadable};
use crate::source::Source;
use crate::span::Span;
use crate::syntax::env_php::EnvPhp;
use crate::syntax::ini::IniDocument;
use crate::syntax::redis_acl::AclFile;
use crate::syntax::redis_conf::RedisConf;
use crate::syntax::SyntaxError;

/// Index of a file in [`Model::files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct FileId(pub usize);

/// Index of a session endpoint in [`Model::endpoints`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct EndpointId(pub usize);

/// Index of a Redis server in [`Model::redis`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ServerId(pub usize);

/// A place in a file we read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

/// A setting's value, where it was set, and the earlier settings it shadows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EffectiveValue {
    /// The value as the program sees it (unquoted, expanded).
    pub value: String,
    /// The whole line (ini entry, env.php `'key' => value`); `None`: the built-in default.
    pub set_at: Option<Location>,
    /// The value as written in `set_at`'s file, quotes included (an ini value's `"..."`, an
    /// env.php expression); `None` exactly when `set_at` is. Empty for `key =`.
    pub value_span: Option<Span>,
    pub shadowed: Vec<Location>,
    /// Where the values of the lines in `shadowed` are written (quotes included), for
    /// masking a password a shadowed line holds: recorded when a later line of a PHP setup
    /// (php.ini, conf.d, Apache, `.user.ini` layers) takes over; a pool's own shadowed
    /// lines are not listed.
    #[serde(skip)]
    pub shadowed_values: Vec<Location>,
    /// `${NAME}` references that PHP (or the FPM master) takes from its own environment,
    /// as `${A}, ${B}`: unknown here, so `value` keeps them as written. sesslint never uses
    /// its own environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depends_on_env: Option<String>,
}

impl EffectiveValue {
    pub fn default_value(value: &str) -> Self {
        EffectiveValue {
            value: value.to_owned(),
            set_at: None,
            value_span: None,
            shadowed: Vec::new(),
            shadowed_values: Vec::new(),
            depends_on_env: None,
        }
    }

    /// A value set at `line`, written at `value_span` of the same file.
    pub fn set(value: String, line: Location, value_span: Span) -> Self {
        EffectiveValue {
            value,
            set_at: Some(line),
            value_span: Some(value_span),
            shadowed: Vec::new(),
            shadowed_values: Vec::new(),
            depends_on_env: None,
        }
    }

    /// Where the value is written, quotes included.
    pub fn value_at(&self) -> Option<Location> {
        Some(Location { file: self.set_at?.file, span: self.value_span? })
    }
}

/// A file as read, with what its parser said.
#[derive(Clone, Debug)]
pub struct LoadedFile {
    pub source: Source,
    pub role: Role,
    pub syntax_errors: Vec<SyntaxError>,
    /// Lines the program reads, but otherwise than written (a redis.conf line a NUL byte
    /// cut or joined to the next): reported as warnings, never edited.
    pub syntax_warnings: Vec<SyntaxError>,
    /// Spans that hold secrets (passwords), read with [`LoadedFile::secrets`]: those
    /// located from the file, then those lowering adds ([`LoadedFile::push_secret`]). While
    /// `secrets_pending`, only the added ones: the located ones come at the first ask.
    secrets: Vec<Span>,
    /// The file's own secrets are not located yet (a build with `lazy_secrets`): they are
    /// located from `tree` when first asked, from the bytes parsed again once the tree is
    /// released (a fleet's report-only run).
    secrets_pending: bool,
    /// While `secrets_pending`: the located secrets, then `secrets`, made at the first ask.
    secrets_asked: std::sync::OnceLock<Vec<Span>>,
    /// Directive names the program does not know (with a did-you-mean, if any).
    pub unknown_directives: Vec<UnknownDirective>,
    /// `include` lines that point nowhere or loop.
    pub include_problems: Vec<IncludeProblem>,
    /// `sesslint: ignore[...]` comments.
    pub ignore_comments: Vec<crate::syntax::suppression::IgnoreComment>,
    /// The file's syntax tree, shared (not copied) with the parse cache: hover, fixes and
    /// rewrites find spans in it instead of parsing again.
    pub tree: SyntaxTree,
    /// Unix permission bits of the file on disk (`0o644`); `None` when unknown (an editor
    /// buffer, a platform without them).
    pub mode: Option<u32>,
}

/// A file's lossless syntax tree, by format.
#[derive(Clone, Debug, Default)]
pub enum SyntaxTree {
    Ini(Arc<IniDocument>),
    Redis(Arc<RedisConf>),
    EnvPhp(Arc<EnvPhp>),
    /// A Redis ACL file (`aclfile`).
    Acl(Arc<AclFile>),
    /// An Apache httpd file (mod_php's `php_value` lines).
    Apache(Arc<crate::syntax::apache_conf::ApacheConf>),
    /// Tunnel files (read line by line, no tree), and files not parsed.
    #[default]
    None,
}

impl LoadedFile {
    /// Spans (byte offsets into `source`) that hold secrets (passwords): masked in every
    /// output. In a build with `lazy_secrets` they are located here at the first ask (from
    /// the kept tree, the passes of `model::build::secrets`), so that a run reporting on a
    /// few files locates only the secrets of the files it quotes. A file whose tree was
    /// released meanwhile (a fleet's report-only run drops each group's trees) is parsed
    /// again for it: the tree is a function of the role and the bytes, so are its secrets.
    pub fn secrets(&self) -> &[Span] {
        if !self.secrets_pending {
            return &self.secrets;
        }
        self.secrets_asked.get_or_init(|| {
            let again;
            let tree = match &self.tree {
                SyntaxTree::None => {
                    again = build::tree_for_secrets(self.role, &self.source.bytes);
                    &again
                }
                kept => kept,
            };
            let mut all = build::located_secrets(self.role, tree, &self.source.bytes);
            all.extend_from_slice(&self.secrets);
            all
        })
    }

    /// The secrets masking the bytes of `within` (a code frame's lines; it starts and ends
    /// where lines do): inside `within` they mask exactly what [`LoadedFile::secrets`] masks
    /// there, and may stop short of or run past it. While the file's own secrets are not
    /// located yet, only the lines around `within` are searched (a php.ini's whole pass is
    /// most of a pre-commit run that quotes three of its lines); `None` when only
    /// [`LoadedFile::secrets`] can tell (a format without a windowed pass).
    pub fn secrets_within(&self, within: std::ops::Range<usize>) -> Option<Vec<Span>> {
        if !self.secrets_pending || self.secrets_asked.get().is_some() {
            return None;
        }
        let mut found = build::located_secrets_within(&self.tree, &self.source.bytes, within)?;
        found.extend_from_slice(&self.secrets);
        Some(found)
    }

    /// Add a secret found while lowering (a `${name}` a save path's password refers to):
    /// after the located ones, as one pass would have put it.
    pub(crate) fn push_secret(&mut self, span: Span) {
        self.secrets.push(span);
        self.secrets_asked.take();
    }
}

impl SyntaxTree {
    pub fn ini(&self) -> Option<&IniDocument> {
        match self {
            SyntaxTree::Ini(doc) => Some(doc),
            _ => None,
        }
    }

    pub fn redis(&self) -> Option<&RedisConf> {
        match self {
            SyntaxTree::Redis(conf) => Some(conf),
            _ => None,
        }
    }

    pub fn env_php(&self) -> Option<&EnvPhp> {
        match self {
            SyntaxTree::EnvPhp(doc) => Some(doc),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct UnknownDirective {
    pub span: Span,
    pub name: String,
    pub suggestion: Option<String>,
    /// What the program that reads the file does with the name.
    pub reader: UnknownTo,
}

/// The program a name is unknown to, which says what becomes of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnknownTo {
    /// PHP (php.ini, a pool's `php_value[...]`): the setting is ignored without a word.
    Php,
    /// redis-server: refuses to start (`Bad directive or wrong number of arguments`).
    RedisServer,
    /// php-fpm: refuses the file and does not start (`unknown entry`, `unknown directive`).
    PhpFpm(FpmSection),
}

/// Where an entry php-fpm refuses stands: php-fpm knows one list of names for `[global]`
/// and another for a pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FpmSection {
    Global,
    Pool,
    /// Before any section header of a pool file, or after an `include=`: the section
    /// php-fpm was in when it came to the line (`[global]`, or the pool the file read before
    /// left open), which one file does not tell. Only names neither list knows are
    /// reported there, until php-fpm's reading order tells ([`FpmSection::CarriedGlobal`],
    /// [`FpmSection::CarriedPool`]).
    Either,
    /// Such a line, which php-fpm reads in `[global]` (the first file php-fpm.conf includes
    /// from its `[global]`).
    CarriedGlobal,
    /// Such a line, which php-fpm reads in the pool (named) the files before it left open.
    CarriedPool(String),
    /// `name[key] = value`: php-fpm knows `env`, `php_value`, `php_admin_value`,
    /// `php_flag`, `php_admin_flag` and `access.suppress_path`, in that case only.
    Array,
}

#[derive(Clone, Debug)]
pub struct IncludeProblem {
    /// What the finding's place is, for its label (`this include`, or the line a section
    /// decides, `in a section not known`).
    pub label: &'static str,
    pub span: Span,
    pub message: String,
    /// Error: the program refuses to start; warning: sesslint cannot tell.
    pub severity: crate::diagnostic::Severity,
}

#[derive(Debug, Default)]
pub struct Model {
    pub files: Vec<LoadedFile>,
    pub unreadable: Vec<Unreadable>,
    /// Files found but not parsed: past the build's budget of bytes parsed
    /// (`BuildOptions::budget`), each with the reason. SL002 reports them as errors.
    pub over_budget: Vec<Unreadable>,
    pub root: PathBuf,
    /// How the root was chosen (for verbose output).
    pub root_reason: String,
    /// When the machine's root itself was checked (`sesslint /`): what was walked and what
    /// was left out.
    pub scope: Option<crate::machine_scope::Scope>,
    /// What may be read while building the model (the root and the checked paths).
    pub confinement: crate::confine::Confinement,
    pub php: Vec<PhpSetup>,
    pub pools: Vec<FpmPool>,
    pub magento: Vec<MagentoInstall>,
    pub redis: Vec<RedisServer>,
    pub tunnels: Vec<Tunnel>,
    pub endpoints: Vec<SessionEndpoint>,
    /// Sorted by (endpoint, target).
    pub links: Vec<Link>,
    /// Targets that could not be linked, with the reason (a name no fleet host has).
    pub unlinked: Vec<Unlinked>,
    /// Targets that match no listener of the servers the tree holds for their machine.
    pub unreached: Vec<Unreached>,
    /// Tunnels whose two ends do not meet.
    pub chain_problems: Vec<ChainProblem>,
    /// The fleet directory, when the checked directory holds one tree per host.
    pub fleet: Option<PathBuf>,
    /// The fleet's hosts, by name (empty outside fleets).
    pub hosts: Vec<Host>,
    /// What was said about the fleet that links nothing (a declared host without a tree).
    pub fleet_notes: Vec<String>,
    host_index: host::HostIndex,
    /// The host of each file, parallel to `files`.
    file_hosts: Vec<Option<HostId>>,
    /// Path -> index into `files`, kept by [`Model::add_file`]; foldhash, as SipHash was
    /// most of adding a file (the paths are the checked tree's, not chosen by a peer).
    by_path: std::collections::HashMap<PathBuf, FileId, foldhash::fast::RandomState>,
    /// The owners that have at least one endpoint, computed on first use (after the build):
    /// rules ask it once per layered setup, which a scan of `endpoints` made quadratic.
    endpoint_owners: std::sync::OnceLock<std::collections::HashSet<EndpointOwner>>,
    /// Per file, the sorted starts of save_path values PHP stopped reading at a syntax
    /// error; built on first use by the rules (see `Model::save_path_cut_by_syntax_error`).
    cut_save_paths: std::sync::OnceLock<std::collections::HashMap<FileId, Vec<usize>>>,
    /// Per server, the indices into `links` that end at it, in link order; built on first
    /// use by the rules (see `Model::endpoints_of`).
    links_by_server: std::sync::OnceLock<Vec<Vec<usize>>>,
}

impl Model {
    pub fn file(&self, id: FileId) -> &LoadedFile {
        &self.files[id.0]
    }

    pub fn path(&self, id: FileId) -> &Path {
        &self.files[id.0].source.path
    }

    pub fn text(&self, at: Location) -> &[u8] {
        at.span.slice(&self.files[at.file.0].source.bytes)
    }

    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// Drop the syntax trees no rule reads ([`LoadedFile::tree`] becomes
    /// [`SyntaxTree::None`]): every file's but those with syntax errors (SL001 quotes a
    /// refused ini value from the tree). Sources, secrets' spans and all that was lowered
    /// stay. For a caller that reports and will neither hover, fix nor rewrite (`check`
    /// without `--fix`/`--diff`): the trees are most of a fleet's heap.
    pub fn release_trees(&mut self) {
        self.release_trees_from(0);
    }

    /// [`Model::release_trees`] for the files from index `first` on (the group of hosts
    /// just lowered, while the model is built).
    pub(crate) fn release_trees_from(&mut self, first: usize) {
        drop(self.take_trees_from(first));
    }

    /// [`Model::release_trees_from`], handing the trees to the caller (to free elsewhere).
    pub(crate) fn take_trees_from(&mut self, first: usize) -> Vec<SyntaxTree> {
        let files = self.files.iter_mut().skip(first);
        let released = files.filter(|f| f.syntax_errors.is_empty() && f.syntax_warnings.is_empty());
        released
            // Secrets not located yet are located at the first ask, from the bytes.
            .map(|f| std::mem::replace(&mut f.tree, SyntaxTree::None))
            .collect()
    }

    /// Add a file read for the model; its id.
    pub fn add_file(&mut self, file: LoadedFile) -> FileId {
        let id = FileId(self.files.len());
        self.by_path.entry(file.source.path.clone()).or_insert(id);
        self.file_hosts.push(self.host_index.host_of(&file.source.path));
        self.files.push(file);
        id
    }

    /// Make the model a fleet's: files added from now on belong to the host whose tree
    /// holds them.
    pub(crate) fn set_fleet(&mut self, fleet: host::Fleet) {
        self.host_index = host::HostIndex::new(&fleet);
        self.fleet = Some(fleet.dir);
        self.hosts = fleet.hosts;
        let mut unnamed: Vec<(String, usize)> = Vec::new();
        for d in fleet.missing {
            if d.outside {
                match unnamed.iter_mut().find(|(s, _)| *s == d.source) {
                    Some((_, n)) => *n += 1,
                    None => unnamed.push((d.source, 1)),
                }
                continue;
            }
            self.fleet_notes.push(format!(
                "host `{}` ({}) has no tree in the fleet: its addresses ({}) link to nothing",
                d.name,
                d.source,
                d.addresses.join(", ")
            ));
        }
        // A file outside the checked trees is never quoted: its hosts are only counted.
        for (source, n) in unnamed {
            self.fleet_notes.push(format!(
                "{n} host(s) of {source} have no tree in the fleet; their names and addresses are not shown because the file is outside the checked trees"
            ));
        }
    }

    /// The fleet host a file belongs to (`None` outside fleets, or outside every host tree).
    pub fn host_of_file(&self, id: FileId) -> Option<HostId> {
        self.file_hosts.get(id.0).copied().flatten()
    }

    /// The host a path belongs to, by its place in the fleet.
    pub fn host_of_path(&self, path: &Path) -> Option<HostId> {
        self.host_index.host_of(path)
    }

    pub fn host(&self, id: HostId) -> &Host {
        &self.hosts[id.0]
    }

    /// The name of the fleet host a file belongs to, as the directory is named.
    pub fn host_name(&self, id: FileId) -> Option<&str> {
        self.host_of_file(id).map(|h| self.hosts[h.0].name.as_str())
    }

    /// [`Model::host_name`] escaped for printing like a path (`crate::source::printable`:
    /// a directory name is untrusted text).
    pub fn host_label(&self, id: FileId) -> Option<std::borrow::Cow<'_, str>> {
        self.host_name(id).map(crate::source::printable)
    }

    /// Where absolute paths in a file's configs resolve: its host's root in a fleet, else
    /// the model's root.
    pub fn root_of(&self, id: FileId) -> &Path {
        match self.host_of_file(id) {
            Some(h) => &self.hosts[h.0].root,
            None => &self.root,
        }
    }

    /// The servers an endpoint target is linked to. Links are kept in (endpoint, target)
    /// order, so this is a binary search, not a scan (a fleet has thousands).
    pub fn servers_of(&self, endpoint: EndpointId, target: usize) -> impl Iterator<Item = (&Link, &RedisServer)> {
        let start = self.links.partition_point(|l| (l.endpoint, l.target) < (endpoint, target));
        self.links[start..]
            .iter()
            .take_while(move |l| l.endpoint == endpoint && l.target == target)
            .map(move |l| (l, self.server(l.server)))
    }

    /// Why the targets of `endpoint` that were not linked were not: a slice of
    /// [`Model::unlinked`] (made in (endpoint, target) order), found in O(log n).
    pub fn unlinked_of(&self, endpoint: EndpointId) -> &[Unlinked] {
        let start = self.unlinked.partition_point(|u| u.endpoint < endpoint);
        let end = start + self.unlinked[start..].partition_point(|u| u.endpoint == endpoint);
        &self.unlinked[start..end]
    }

    /// Whether `owner` (a setup, pool or Magento install) has a session endpoint; O(1)
    /// after the first call.
    pub fn has_endpoint(&self, owner: EndpointOwner) -> bool {
        self.endpoint_owners.get_or_init(|| self.endpoints.iter().map(|e| e.owner).collect()).contains(&owner)
    }

    /// The endpoints linked to a server.
    pub fn endpoints_of(&self, server: ServerId) -> impl Iterator<Item = (&Link, &SessionEndpoint)> {
        // An index, not a scan: rules ask once per server, and a fleet has thousands.
        let index = self.links_by_server.get_or_init(|| {
            let servers = self.links.iter().map(|l| l.server.0 + 1).max().unwrap_or(0);
            let mut index = vec![Vec::new(); servers];
            for (i, l) in self.links.iter().enumerate() {
                index[l.server.0].push(i);
            }
            index
        });
        index.get(server.0).into_iter().flatten().map(move |&i| {
            let l = &self.links[i];
            (l, self.endpoint(l.endpoint))
        })
    }

    pub fn server(&self, id: ServerId) -> &RedisServer {
        &self.redis[id.0]
    }

    pub fn endpoint(&self, id: EndpointId) -> &SessionEndpoint {
        &self.endpoints[id.0]
    }
}
