//! The shared model: every file we read, what PHP, php-fpm, Magento and Redis make of it,
//! and how session endpoints reach Redis servers. Every value knows where it was set.
//!
//! Built once from a [`Discovery`](crate::discover::Discovery); rules only read it.

pub mod endpoint;
pub mod link;
mod load;
pub mod magento;
pub mod php;
pub mod redis;
pub mod tunnel;

use std::path::{Path, PathBuf};

pub use endpoint::{Auth, EndpointOwner, RedisTarget, SessionEndpoint, TargetProblem, Transport};
pub use link::{Link, LinkCertainty};
pub use load::{build, BuildOptions, Overlay, ParseCache};
pub use magento::MagentoInstall;
pub use php::{FpmPool, PhpSetup, PoolOverride, Sapi};
pub use redis::RedisServer;
pub use tunnel::Tunnel;

use crate::discover::{Role, Unreadable};
use crate::source::Source;
use crate::span::Span;
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
    pub value: String,
    /// `None`: the program's built-in default.
    pub set_at: Option<Location>,
    pub shadowed: Vec<Location>,
    /// `${NAME}` references that PHP (or the FPM master) takes from its own environment,
    /// as `${A}, ${B}`: unknown here, so `value` has them empty. sesslint never uses its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depends_on_env: Option<String>,
}

impl EffectiveValue {
    pub fn default_value(value: &str) -> Self {
        EffectiveValue { value: value.to_owned(), set_at: None, shadowed: Vec::new(), depends_on_env: None }
    }
}

/// A file as read, with what its parser said.
#[derive(Clone, Debug)]
pub struct LoadedFile {
    pub source: Source,
    pub role: Role,
    pub syntax_errors: Vec<SyntaxError>,
    /// Spans that hold secrets (passwords): masked in every output.
    pub secrets: Vec<Span>,
    /// Directive names the program does not know (with a did-you-mean, if any).
    pub unknown_directives: Vec<UnknownDirective>,
    /// `include` lines that point nowhere or loop.
    pub include_problems: Vec<IncludeProblem>,
    /// `sesslint: ignore[...]` comments.
    pub ignore_comments: Vec<crate::syntax::suppression::IgnoreComment>,
}

#[derive(Clone, Debug)]
pub struct UnknownDirective {
    pub span: Span,
    pub name: String,
    pub suggestion: Option<String>,
    /// redis-server refuses to start (true) or PHP silently ignores it (false).
    pub fatal: bool,
}

#[derive(Clone, Debug)]
pub struct IncludeProblem {
    pub span: Span,
    pub message: String,
    /// Error: the program refuses to start; warning: sesslint cannot tell.
    pub severity: crate::diagnostic::Severity,
}

#[derive(Debug, Default)]
pub struct Model {
    pub files: Vec<LoadedFile>,
    pub unreadable: Vec<Unreadable>,
    pub root: PathBuf,
    /// How the root was chosen (for verbose output).
    pub root_reason: String,
    /// What may be read while building the model (the root and the checked paths).
    pub confinement: crate::confine::Confinement,
    pub php: Vec<PhpSetup>,
    pub pools: Vec<FpmPool>,
    pub magento: Vec<MagentoInstall>,
    pub redis: Vec<RedisServer>,
    pub tunnels: Vec<Tunnel>,
    pub endpoints: Vec<SessionEndpoint>,
    pub links: Vec<Link>,
    /// Path -> index into `files`, kept by [`Model::add_file`].
    by_path: std::collections::HashMap<PathBuf, FileId>,
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

    /// Add a file read for the model; its id.
    pub fn add_file(&mut self, file: LoadedFile) -> FileId {
        let id = FileId(self.files.len());
        self.by_path.entry(file.source.path.clone()).or_insert(id);
        self.files.push(file);
        id
    }

    /// The servers an endpoint target is linked to.
    pub fn servers_of(&self, endpoint: EndpointId, target: usize) -> impl Iterator<Item = (&Link, &RedisServer)> {
        self.links
            .iter()
            .filter(move |l| l.endpoint == endpoint && l.target == target)
            .map(move |l| (l, self.server(l.server)))
    }

    /// The endpoints linked to a server.
    pub fn endpoints_of(&self, server: ServerId) -> impl Iterator<Item = (&Link, &SessionEndpoint)> {
        self.links.iter().filter(move |l| l.server == server).map(move |l| (l, self.endpoint(l.endpoint)))
    }

    pub fn server(&self, id: ServerId) -> &RedisServer {
        &self.redis[id.0]
    }

    pub fn endpoint(&self, id: EndpointId) -> &SessionEndpoint {
        &self.endpoints[id.0]
    }
}
