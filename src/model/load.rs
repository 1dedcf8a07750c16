//! Building the model: read every discovered file once, parse it with its format's parser,
//! and lower the trees into PHP setups, pools, Magento installs, Redis servers, tunnels,
//! session endpoints and the links between them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::endpoint::{parse_save_path, EndpointOwner, SessionEndpoint};
use super::php::{self, FpmTree, IniFile};
use super::redis::PlacedDirective;
use super::{
    magento, redis, tunnel, EffectiveValue, FileId, IncludeProblem, LoadedFile, Location, Model, SyntaxTree,
    UnknownDirective,
};
use crate::confine::Confinement;
use crate::discover::{self, Role};
use crate::source::Source;
use crate::span::Span;
use crate::syntax::env_php::{self, EnvPhp};
use crate::syntax::ini::{self, IniDocument, ScanMode};
use crate::syntax::redis_conf::{self, directives, LoadErrorKind, Loader};

/// Known `session.*` (PHP 8.2) and `redis.session.*` (phpredis 6.1) directives.
const PHP_SESSION_DIRECTIVES: &[&str] = &[
    "session.auto_start",
    "session.cache_expire",
    "session.cache_limiter",
    "session.cookie_domain",
    "session.cookie_httponly",
    "session.cookie_lifetime",
    "session.cookie_path",
    "session.cookie_samesite",
    "session.cookie_secure",
    "session.gc_divisor",
    "session.gc_maxlifetime",
    "session.gc_probability",
    "session.lazy_write",
    "session.name",
    "session.referer_check",
    "session.save_handler",
    "session.save_path",
    "session.serialize_handler",
    "session.sid_bits_per_character",
    "session.sid_length",
    "session.trans_sid_hosts",
    "session.trans_sid_tags",
    "session.upload_progress.cleanup",
    "session.upload_progress.enabled",
    "session.upload_progress.freq",
    "session.upload_progress.min_freq",
    "session.upload_progress.name",
    "session.upload_progress.prefix",
    "session.use_cookies",
    "session.use_only_cookies",
    "session.use_strict_mode",
    "session.use_trans_sid",
    "redis.session.locking_enabled",
    "redis.session.lock_expire",
    "redis.session.lock_wait_time",
    "redis.session.lock_retries",
    "redis.session.early_refresh",
    "redis.session.compression",
    "redis.session.compression_level",
];

/// The tree of each file, beside `Model::files` while the model is lowered (each file
/// also keeps its own, see [`LoadedFile::tree`]).
type Parsed = SyntaxTree;

/// File contents that replace what is on disk (an editor's unsaved buffers), by path as
/// discovery reports it.
pub type Overlay = std::collections::HashMap<PathBuf, Vec<u8>>;

/// How to build a model; every field is optional (`BuildOptions::default()`).
#[derive(Clone, Copy, Default)]
pub struct BuildOptions<'a> {
    /// Resolve absolute paths in configs below this directory; `None`: discovery picks the
    /// root (a scanned directory with `etc/` at its top, else `/`).
    pub root: Option<&'a Path>,
    /// Editor buffers read instead of the files on disk.
    pub overlay: Option<&'a Overlay>,
    /// Called with (files read and parsed, files found) as the work goes on, from any thread.
    pub on_file: Option<&'a (dyn Fn(usize, usize) + Sync)>,
    /// Parsed files kept between builds, to skip the unchanged ones.
    pub cache: Option<&'a ParseCache>,
    /// Extra directories whose stunnel/spiped/PeerVPN files count as tunnel evidence for
    /// every host in the tree (a config's `tunnel-paths`).
    pub tunnel_paths: &'a [PathBuf],
    /// The Redis release every server runs, as the user declared it (sesslint.toml
    /// `redis-version`): it wins over what the files suggest.
    pub redis_version: Option<&'a redis::RedisVersion>,
    /// Hosts the user declared (sesslint.toml `[hosts.NAME]`, an inventory): which
    /// children of a fleet directory are hosts, and the addresses they answer on.
    pub hosts: &'a [super::HostDecl],
}

/// Parsed files kept between builds (the language server rebuilds the model on every
/// edit): a file whose bytes and role are unchanged is not parsed again.
#[derive(Default)]
pub struct ParseCache {
    entries: std::sync::Mutex<std::collections::HashMap<PathBuf, (Role, LoadedFile, Parsed)>>,
    hits: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for ParseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParseCache").field("hits", &self.hits()).finish_non_exhaustive()
    }
}

impl ParseCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many parses the cache saved so far.
    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn get_or_parse(&self, source: Source, role: Role) -> (LoadedFile, Parsed) {
        let mut entries = match self.entries.lock() {
            Ok(e) => e,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some((r, file, parsed)) = entries.get(&source.path) {
            if *r == role && file.source.bytes == source.bytes {
                self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return (file.clone(), parsed.clone());
            }
        }
        let path = source.path.clone();
        let (file, parsed) = parse_file(source, role);
        entries.insert(path, (role, file.clone(), parsed.clone()));
        (file, parsed)
    }
}

/// The one way to build a model: discover, read, parse and lower everything under `paths`.
pub fn build(paths: &[PathBuf], options: &BuildOptions<'_>) -> Model {
    let BuildOptions { root, overlay, on_file, cache, tunnel_paths, redis_version, hosts } = *options;
    // A fleet is checked below its own directory; each host's root is its tree.
    let fleet = super::host::detect_fleet(paths, root, hosts);
    let discovery = discover::discover(paths, root.or(fleet.as_ref().map(|f| f.dir.as_path())));
    let confinement = discovery.confinement.clone();
    let mut model = Model {
        root: discovery.root.clone(),
        root_reason: discovery.root_reason.clone(),
        unreadable: discovery.unreadable.clone(),
        confinement: confinement.clone(),
        ..Model::default()
    };
    if let Some(fleet) = fleet {
        model.root_reason = format!(
            "{} holds one tree per host ({}); each host's absolute paths resolve in its own tree",
            crate::source::display_path(&fleet.dir),
            fleet.hosts.iter().map(|h| h.name.as_str()).collect::<Vec<_>>().join(", ")
        );
        model.set_fleet(fleet);
    }
    let loader = Loader {
        root: (discovery.root != Path::new("/")).then(|| discovery.root.clone()),
        cwd: None,
        keep_going: true,
        confinement,
    };

    // Reading and parsing are independent per file: spread them over the cores, keep the order.
    let total = discovery.files.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let read_one = |found: &discover::Found| -> Result<(LoadedFile, Parsed), discover::Unreadable> {
        let source = match overlay.and_then(|o| o.get(&found.path)) {
            // An editor buffer is held to the same limit as a file.
            Some(b) if b.len() as u64 > crate::confine::MAX_FILE_SIZE => {
                let why = crate::confine::Refusal::TooLarge(b.len() as u64);
                return Err(discover::Unreadable { path: found.path.clone(), reason: why.to_string() });
            }
            Some(b) => Source::new(found.path.clone(), b.clone()),
            None => model
                .confinement
                .read(&found.read_from)
                .map(|b| Source::new(found.path.clone(), b))
                .map_err(|e| discover::Unreadable { path: found.path.clone(), reason: e.to_string() })?,
        };
        let mut out = match cache {
            Some(c) => c.get_or_parse(source, found.role),
            None => parse_file(source, found.role),
        };
        // The mode of the file read, through the same confinement as the read.
        out.0.mode = model.confinement.resolve(&found.read_from).ok().and_then(|p| file_mode(&p));
        let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if let Some(on_file) = on_file {
            on_file(done, total);
        }
        Ok(out)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let chunk = total.div_ceil(threads).max(64);
    let results: Vec<Result<(LoadedFile, Parsed), discover::Unreadable>> = if total <= chunk {
        discovery.files.iter().map(read_one).collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = discovery
                .files
                .chunks(chunk)
                .map(|part| scope.spawn(|| part.iter().map(read_one).collect::<Vec<_>>()))
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
        })
    };
    let mut parsed: Vec<Parsed> = Vec::with_capacity(total);
    for r in results {
        match r {
            Ok((file, p)) => {
                model.add_file(file);
                parsed.push(p);
            }
            Err(u) => model.unreadable.push(u),
        }
    }

    lower_php(&mut model, &mut parsed);
    lower_redis(&mut model, &parsed, &loader);
    if let Some(v) = redis_version {
        for s in &mut model.redis {
            s.version = v.clone();
        }
    }
    lower_magento(&mut model, &parsed);
    lower_tunnels(&mut model);
    build_endpoints(&mut model);
    let linking = super::link_index::link_all(&model, paths);
    (model.links, model.unlinked, model.chain_problems) = (linking.links, linking.unlinked, linking.chain_problems);
    if !tunnel_paths.is_empty() {
        add_tunnel_evidence(&mut model, tunnel_paths);
    }
    model
}

/// The permission bits of `path` (following symlinks, as the programs that read it do).
fn file_mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn parse_file(source: Source, role: Role) -> (LoadedFile, Parsed) {
    let mut file = LoadedFile {
        source,
        role,
        syntax_errors: Vec::new(),
        secrets: Vec::new(),
        unknown_directives: Vec::new(),
        include_problems: Vec::new(),
        ignore_comments: Vec::new(),
        tree: SyntaxTree::None,
        mode: None,
    };
    file.ignore_comments = crate::syntax::suppression::scan(role.comment_style(), &file.source.bytes);
    let parsed = match role {
        Role::PhpIni | Role::PhpScanIni | Role::PhpIniTemplate | Role::FpmMain | Role::FpmPool => {
            let mode =
                if matches!(role, Role::FpmMain | Role::FpmPool) { ScanMode::PerLine } else { ScanMode::WholeFile };
            let doc = ini::parse_with(&file.source.bytes, mode);
            file.syntax_errors = doc.errors.clone();
            ini_findings(&mut file, &doc);
            Parsed::Ini(Arc::new(doc))
        }
        Role::RedisConf => {
            let conf = redis_conf::parse(&file.source.bytes);
            file.syntax_errors = conf.errors().cloned().collect();
            redis_findings(&mut file, &conf);
            Parsed::Redis(Arc::new(conf))
        }
        Role::RedisAcl => {
            let acl = crate::syntax::redis_acl::parse(&file.source.bytes);
            file.syntax_errors = acl.errors.clone();
            file.secrets.extend(acl.users.iter().flat_map(|u| u.secrets.iter().copied()));
            // A line redis-server refuses may still hold a `>password`: mask it by its name.
            for e in &acl.errors {
                if let Some(from) = crate::secrets::redis_broken_line_secret(e.span.slice(&file.source.bytes)) {
                    file.secrets.push(Span::new(e.span.start + from, e.span.end));
                }
            }
            Parsed::Acl(Arc::new(acl))
        }
        Role::MagentoEnv => {
            let doc = env_php::parse(&file.source.bytes);
            file.syntax_errors = doc.errors.clone();
            envphp_secrets(&mut file, &doc);
            Parsed::EnvPhp(Arc::new(doc))
        }
        Role::PeerVpn => {
            let secrets = crate::secrets::peervpn_secret_ranges(&file.source.bytes);
            file.secrets.extend(secrets.into_iter().map(|r| Span::new(r.start, r.end)));
            Parsed::None
        }
        Role::Stunnel | Role::Spiped => Parsed::None,
    };
    file.tree = parsed.clone();
    (file, parsed)
}

/// Secrets in save_path values and under password-like keys, and `session.*` names PHP
/// does not know.
fn ini_findings(file: &mut LoadedFile, doc: &IniDocument) {
    // Found in the raw lines, so that a line that does not parse is masked too.
    let mut offset = 0;
    for line in doc.source().split_inclusive(|&b| b == b'\n' || b == b'\r') {
        if line.windows(9).any(|w| w == b"save_path") {
            for r in crate::secrets::save_path_secret_ranges(line) {
                file.secrets.push(Span::new(offset + r.start, offset + r.end));
            }
        }
        if let Some(r) = crate::secrets::raw_line_secret(line, false) {
            file.secrets.push(Span::new(offset + r.start, offset + r.end));
        }
        offset += line.len();
    }
    if matches!(file.role, Role::FpmMain | Role::FpmPool) {
        // php-fpm hands every line to its callback; a line without `=` (a `#` comment too)
        // has no value and FPM stops: "value is NULL for a ZEND_INI_PARSER_ENTRY".
        for n in &doc.nodes {
            if let ini::NodeKind::BareKey { key } = &n.kind {
                if !key.is_empty() {
                    let text = String::from_utf8_lossy(doc.text(*key)).into_owned();
                    let why =
                        if text.starts_with('#') { " (`#` is not a comment in php-fpm files; use `;`)" } else { "" };
                    file.syntax_errors.push(crate::syntax::SyntaxError::new(
                        *key,
                        format!("php-fpm refuses a line without `=`: value is NULL for a ZEND_INI_PARSER_ENTRY{why}"),
                    ));
                }
            }
        }
    }
    for (_, e) in doc.entries() {
        let key = doc.text(e.key);
        let name = match &e.offset {
            Some(off) => String::from_utf8_lossy(doc.text(off.span)).trim_matches(['"', '\'']).to_owned(),
            None => String::from_utf8_lossy(key).into_owned(),
        };
        let known = PHP_SESSION_DIRECTIVES.contains(&name.as_str());
        if (name.starts_with("session.") || name.starts_with("redis.session.")) && !known {
            let span = e.offset.as_ref().map_or(e.key, |o| o.span);
            file.unknown_directives.push(UnknownDirective {
                span,
                suggestion: did_you_mean(&name, PHP_SESSION_DIRECTIVES.iter().copied()),
                name,
                fatal: false,
            });
        }
    }
}

fn redis_findings(file: &mut LoadedFile, conf: &redis_conf::RedisConf) {
    for line in conf.lines() {
        // A line that does not parse may still hold a password: judge it by its name.
        if let redis_conf::LineKind::Error(_) = &line.kind {
            let text = line.content.slice(&file.source.bytes);
            if let Some(from) = crate::secrets::redis_broken_line_secret(text) {
                file.secrets.push(Span::new(line.content.start + from, line.content.end));
            }
        }
    }
    for (_, d) in conf.directives() {
        let name = d.name_lowercase();
        let args = d.args();
        if let directives::Lookup::Unknown = directives::lookup(&name) {
            file.unknown_directives.push(UnknownDirective {
                span: d.name.span,
                suggestion: did_you_mean(&name, directives::DIRECTIVES.iter().map(|d| d.name)),
                name: crate::source::printable(&short_name(&name)).into_owned(),
                fatal: true,
            });
        }
        let values: Vec<&[u8]> = args.iter().map(|a| a.value.as_slice()).collect();
        for (i, r) in crate::secrets::redis_secret_args(&name, &values) {
            let a = &args[i];
            let span =
                if r.start == 0 { a.span } else { Span::new((a.span.start + r.start).min(a.span.end), a.span.end) };
            file.secrets.push(span);
        }
    }
}

/// Longest directive name quoted in a message (characters); a longer one is cut with `…`.
const SHOWN_NAME: usize = 80;

fn short_name(name: &str) -> String {
    if name.chars().count() > SHOWN_NAME {
        format!("{}…", name.chars().take(SHOWN_NAME).collect::<String>())
    } else {
        name.to_owned()
    }
}

/// Values of password-like keys in env.php: by the parsed tree, and by the raw lines so that
/// a line the parser refuses (an unterminated string) is masked too.
fn envphp_secrets(file: &mut LoadedFile, doc: &EnvPhp) {
    let mut offset = 0;
    for line in file.source.bytes.split_inclusive(|&b| b == b'\n') {
        if let Some(r) = crate::secrets::raw_line_secret(line, true) {
            file.secrets.push(Span::new(offset + r.start, offset + r.end));
        }
        offset += line.len();
    }
    let mut stack: Vec<env_php::ArrayId> = doc.root_array().into_iter().collect();
    let mut seen = BTreeSet::new();
    while let Some(a) = stack.pop() {
        if !seen.insert(format!("{a:?}")) {
            continue;
        }
        for e in &doc.array(a).entries {
            let value = doc.expr(e.value);
            match value.kind {
                env_php::ExprKind::Array(inner) => stack.push(inner),
                _ => {
                    let key = e.key.map(|k| doc.text(doc.expr(k).span).to_ascii_lowercase()).unwrap_or_default();
                    let key = String::from_utf8_lossy(&key).trim_matches(['\'', '"']).to_owned();
                    if crate::secrets::envphp_key_is_secret(&key) {
                        file.secrets.push(value.span);
                    }
                }
            }
        }
    }
}

/// Names longer than this get no did-you-mean: no known name is within a typo of them,
/// and edit distance costs the product of the lengths (a 1 MB name took 9 s per line).
const MAX_SUGGESTED_NAME: usize = 64;

/// The closest known name, when it is close enough to be a typo.
pub fn did_you_mean<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    if name.len() > MAX_SUGGESTED_NAME {
        return None;
    }
    known
        .map(|k| (strsim_distance(name, k), k))
        .filter(|(d, k)| *d > 0 && *d <= 2.max(k.len() / 6))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_owned())
}

fn strsim_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn ini_file<'a>(model: &'a Model, parsed: &'a [Parsed], i: usize) -> Option<IniFile<'a>> {
    match &parsed[i] {
        Parsed::Ini(doc) => Some(IniFile { id: FileId(i), path: &model.files[i].source.path, doc }),
        _ => None,
    }
}

fn lower_php(model: &mut Model, parsed: &mut Vec<Parsed>) {
    let by_role = |model: &Model, role: Role| -> Vec<usize> {
        (0..model.files.len()).filter(|&i| model.files[i].role == role).collect()
    };
    let setups = {
        let php_inis: Vec<_> =
            by_role(model, Role::PhpIni).into_iter().filter_map(|i| ini_file(model, parsed, i)).collect();
        let scan_inis: Vec<_> =
            by_role(model, Role::PhpScanIni).into_iter().filter_map(|i| ini_file(model, parsed, i)).collect();
        php::build_setups(&php_inis, &scan_inis)
    };

    let mains = by_role(model, Role::FpmMain);
    // Files an `include=` names outside the usual pool directories join the pools.
    for &m in &mains {
        read_fpm_includes(model, parsed, m);
    }
    let pools = by_role(model, Role::FpmPool);
    let mut claimed = vec![false; model.files.len()];
    let mut trees: Vec<(Vec<usize>, Option<usize>)> = Vec::new();
    let mut pools_by_dir: std::collections::HashMap<PathBuf, Vec<usize>> = Default::default();
    for &p in &pools {
        pools_by_dir
            .entry(model.files[p].source.path.parent().unwrap_or(Path::new("")).to_path_buf())
            .or_default()
            .push(p);
    }
    let mut include_problems: Vec<(usize, IncludeProblem)> = Vec::new();
    for &m in &mains {
        let dir = model.files[m].source.path.parent().unwrap_or(Path::new("")).to_path_buf();
        let mut files = vec![m];
        // FPM reads what `include=` names, where it stands; without one we know of, the
        // distributions' convention: pool.d/ (Debian) or php-fpm.d/ (RHEL, Alpine, Docker).
        let included = fpm_includes(model, parsed, m, &pools, &mut include_problems);
        let candidates: Vec<usize> = if included.is_empty() {
            ["pool.d", "php-fpm.d"]
                .iter()
                .flat_map(|sub| pools_by_dir.get(&dir.join(sub)).into_iter().flatten().copied())
                .collect()
        } else {
            included
        };
        for p in candidates {
            if !claimed[p] {
                claimed[p] = true;
                files.push(p);
            }
        }
        trees.push((files, fpm_setup(&setups, &dir)));
    }
    for (file, problem) in include_problems {
        model.files[file].include_problems.push(problem);
    }
    // Pool files without a php-fpm.conf next to them (an infrastructure repo's pool.d/).
    let mut orphans: std::collections::BTreeMap<PathBuf, Vec<usize>> = Default::default();
    for &p in &pools {
        if !claimed[p] {
            let d = model.files[p].source.path.parent().unwrap_or(Path::new("")).to_path_buf();
            orphans.entry(d).or_default().push(p);
        }
    }
    for (dir, files) in orphans {
        let fpm_dir = dir.parent().unwrap_or(&dir).to_path_buf();
        trees.push((files, fpm_setup(&setups, &fpm_dir)));
    }

    let mut problems = Vec::new();
    let mut all_pools = Vec::new();
    for (files, setup) in trees {
        let tree = FpmTree { files: files.iter().filter_map(|&i| ini_file(model, parsed, i)).collect(), setup };
        all_pools.extend(php::build_pools(&tree, &mut problems));
    }
    for (file, p) in problems {
        model.files[file.0].include_problems.push(p);
    }
    // A value whose `${}` expansion was cut at a limit is reported, never silently used.
    for s in &setups {
        for at in &s.expansion_cut_at {
            let file = &model.files[at.file.0].source;
            let line = file.position(at.span.start).line;
            model.unreadable.push(discover::Unreadable {
                path: file.path.clone(),
                reason: format!(
                    "line {line}: the value's `${{}}` expansion passes {} MiB (or the setup's {} MiB in all); sesslint cut it there (PHP expands it in full at startup)",
                    crate::syntax::ini::MAX_EXPANDED_VALUE >> 20,
                    php::MAX_EXPANSION_PER_SETUP >> 20
                ),
            });
        }
    }
    mask_referenced_passwords(model, &setups);
    model.php = setups;
    model.pools = all_pools;
}

/// `session.save_path = "tcp://h?auth=${pw}"` with `pw = "..."` set earlier: the line
/// that sets `pw` holds the password, so its value is masked where it stands too.
fn mask_referenced_passwords(model: &mut Model, setups: &[php::PhpSetup]) {
    for s in setups {
        let Some(sp) = s.values.get("session.save_path") else { continue };
        let (Some(at), Some(span)) = (sp.set_at, sp.value_span) else { continue };
        let raw = span.slice(&model.files[at.file.0].source.bytes).to_vec();
        for r in crate::secrets::save_path_secret_ranges(&raw) {
            let secret = &raw[r];
            let mut i = 0;
            while let Some(p) = secret[i..].windows(2).position(|w| w == b"${") {
                let start = i + p + 2;
                let Some(len) = secret[start..].iter().position(|&b| b == b'}') else { break };
                let name = String::from_utf8_lossy(&secret[start..start + len]).into_owned();
                if let Some((Some(src), Some(value))) = s.values.get(&name).map(|v| (v.set_at, v.value_span)) {
                    model.files[src.file.0].secrets.push(value);
                }
                i = start + len;
            }
        }
    }
}

/// One `include=` line of php-fpm.conf.
struct FpmInclude {
    /// The value as sesslint can know it (`${VAR}` left as written), control characters escaped.
    shown: String,
    /// Where it points: absolute patterns below the root, relative ones against FPM's prefix
    /// (the parent of the directory holding php-fpm.conf, as with Docker's
    /// `include=etc/php-fpm.d/*.conf`). `None` when it depends on the FPM master's environment.
    resolved: Option<PathBuf>,
    /// `${NAME}` references, which php-fpm takes from its own environment.
    env_names: String,
    span: Span,
}

/// The `include=` lines of php-fpm.conf `m`. `${VAR}` is never taken from sesslint's own
/// environment (it is the FPM master's, unknown here; a CI job's would leak its tokens).
fn fpm_include_patterns(model: &Model, parsed: &[Parsed], m: usize) -> Vec<FpmInclude> {
    let Parsed::Ini(doc) = &parsed[m] else { return Vec::new() };
    let main_dir = model.files[m].source.path.parent().unwrap_or(Path::new(""));
    let mut out = Vec::new();
    for (node, e) in doc.entries() {
        if doc.text(e.key) != b"include" || e.offset.is_some() || !e.applied {
            continue;
        }
        let env = crate::syntax::ini::OtherEnvironment::default();
        let value = String::from_utf8_lossy(&doc.evaluate(&e.value, &env)).into_owned();
        let env_names = env.unknown_names();
        if !env_names.is_empty() {
            let raw = String::from_utf8_lossy(doc.text(e.value.span)).trim().trim_matches('"').to_owned();
            let shown = crate::source::printable(&raw).into_owned();
            out.push(FpmInclude { shown, resolved: None, env_names, span: node.span });
            continue;
        }
        let root = model.root_of(FileId(m));
        let resolved = match value.strip_prefix('/') {
            Some(rel) if root != Path::new("/") => root.join(rel),
            Some(_) => PathBuf::from(&value),
            None => main_dir.parent().unwrap_or(Path::new("")).join(&value),
        };
        let shown = crate::source::printable(&value).into_owned();
        out.push(FpmInclude { shown, resolved: Some(resolved), env_names, span: node.span });
    }
    out
}

/// Files one php-fpm `include=` glob may add to the model: a glob over a directory of
/// thousands of files is not a pool directory.
const MAX_FPM_INCLUDE_FILES: usize = 1000;

/// Read the files an include pattern matches that discovery did not find (a pool directory
/// with another name): FPM's globs name files in one directory. Reads go through the
/// model's confinement: nothing outside the checked tree, nothing from /proc.
fn read_fpm_includes(model: &mut Model, parsed: &mut Vec<Parsed>, m: usize) {
    for inc in fpm_include_patterns(model, parsed, m) {
        let Some(resolved) = inc.resolved else { continue };
        let (Some(dir), Some(name)) = (resolved.parent(), resolved.file_name().and_then(|n| n.to_str())) else {
            continue;
        };
        if let Err(why) = model.confinement.resolve(dir) {
            if !why.is_not_found() {
                let path = model.files[m].source.path.clone();
                model
                    .unreadable
                    .push(discover::Unreadable { path, reason: format!("php-fpm `include={}`: {why}", inc.shown) });
            }
            continue;
        }
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| crate::glob::glob_matches(name, n)))
            .filter(|p| p.is_file())
            .take(MAX_FPM_INCLUDE_FILES)
            .collect();
        paths.sort();
        for p in paths {
            if model.file_id(&p).is_some() {
                continue;
            }
            let bytes = match model.confinement.read(&p) {
                Ok(b) => b,
                Err(why) => {
                    model.unreadable.push(discover::Unreadable { path: p, reason: why.to_string() });
                    continue;
                }
            };
            let mode = model.confinement.resolve(&p).ok().and_then(|r| file_mode(&r));
            let (mut file, parsed_file) = parse_file(Source::new(p, bytes), Role::FpmPool);
            file.mode = mode;
            model.add_file(file);
            parsed.push(parsed_file);
        }
    }
}

/// The pool files an `include=` line of php-fpm.conf `m` names, in FPM's order. Absolute
/// patterns resolve below the root; relative ones against FPM's prefix (the parent of the
/// directory holding php-fpm.conf, as with Docker's `include=etc/php-fpm.d/*.conf`).
fn fpm_includes(
    model: &Model,
    parsed: &[Parsed],
    m: usize,
    pools: &[usize],
    problems: &mut Vec<(usize, IncludeProblem)>,
) -> Vec<usize> {
    let mut out = Vec::new();
    for inc in fpm_include_patterns(model, parsed, m) {
        let Some(resolved) = inc.resolved else {
            problems.push((
                m,
                IncludeProblem {
                    span: inc.span,
                    message: format!(
                        "php-fpm includes `{}`: the path depends on the FPM master's environment ({}), which sesslint does not know; the files it names are not checked",
                        inc.shown, inc.env_names
                    ),
                    severity: crate::diagnostic::Severity::Warning,
                },
            ));
            continue;
        };
        let pattern = resolved.to_string_lossy().into_owned();
        let mut matched: Vec<usize> = pools
            .iter()
            .copied()
            .filter(|&p| crate::glob::glob_matches(&pattern, &model.files[p].source.path.to_string_lossy()))
            .collect();
        matched.sort_by(|a, b| model.files[*a].source.path.cmp(&model.files[*b].source.path));
        let is_glob = inc.shown.contains(['*', '?', '[']);
        if matched.is_empty() && !is_glob && !resolved.is_file() {
            problems.push((
                m,
                IncludeProblem {
                    span: inc.span,
                    message: format!("php-fpm cannot include `{}`: no such file (FPM refuses to start)", inc.shown),
                    severity: crate::diagnostic::Severity::Error,
                },
            ));
        }
        out.extend(matched);
    }
    out
}

/// The PHP setup php-fpm reads: the one in php-fpm.conf's directory (Debian), or in a
/// `php/` subdirectory (Docker's /usr/local/etc), or a lone all-SAPI one (RHEL /etc).
fn fpm_setup(setups: &[php::PhpSetup], dir: &Path) -> Option<usize> {
    setups
        .iter()
        .position(|s| s.dir == dir)
        .or_else(|| setups.iter().position(|s| s.dir == dir.join("php")))
        .or_else(|| setups.iter().position(|s| s.sapi.is_none() && s.dir.starts_with(dir)))
}

fn lower_redis(model: &mut Model, parsed: &[Parsed], loader: &Loader) {
    let mut tops: Vec<usize> = (0..model.files.len()).filter(|&i| model.files[i].role == Role::RedisConf).collect();
    // Main files first, so that a fragment another file includes is not taken for a server.
    tops.sort_by_key(|&i| {
        let name = model.files[i].source.path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned();
        (!matches!(name.as_str(), "redis.conf" | "valkey.conf"), i)
    });
    let mut included: BTreeSet<PathBuf> = BTreeSet::new();
    for i in tops {
        let path = model.files[i].source.path.clone();
        if included.contains(&path) {
            continue; // a fragment of another server's config
        }
        // redis-server resolves relative includes against its working directory, which we
        // cannot know; the config's own directory is the usual one.
        let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        // In a fleet, the server's host tree is its root.
        let root = match model.host_of_file(FileId(i)) {
            Some(h) => Some(model.host(h).root.clone()),
            None => loader.root.clone(),
        };
        // The loader wants the directory as redis-server would see it (below --root).
        let cwd = match &root {
            Some(root) => dir.strip_prefix(root).map(|rel| Path::new("/").join(rel)).unwrap_or(dir),
            None => dir,
        };
        let l = Loader { cwd: Some(cwd), root, ..loader.clone() };
        let tree = match parsed.get(i) {
            Some(Parsed::Redis(t)) => Some(t.as_ref()),
            _ => None,
        };
        let cfg = l.load_parsed(&model.files[i].source, tree);
        for f in cfg.files.iter().skip(1) {
            included.insert(f.clone());
            included.insert(l.physical_of(f));
        }
        let mut at_startup = Vec::new();
        for e in &cfg.errors {
            let fid = file_for(model, &l, &e.file, &path, i);
            let file = &mut model.files[fid.0];
            if e.kind == LoadErrorKind::AclUnknown {
                // Accepted while reading; the users are created, and refused, at startup.
                at_startup.push(redis::StartupFailure {
                    at: Location { file: fid, span: e.span },
                    message: e.message.clone(),
                });
            } else if e.kind == LoadErrorKind::Include {
                file.include_problems.push(IncludeProblem {
                    span: e.span,
                    message: e.message.clone(),
                    severity: crate::diagnostic::Severity::Error,
                });
            } else if depends_on_machine(&e.directive) {
                // `dir`, `logfile`, `loadmodule` and friends name paths of the machine the
                // server runs on; a copied tree is not that machine.
            } else if file
                .unknown_directives
                .iter()
                .any(|u| u.span.start >= e.span.start && u.span.start < e.span.end.max(e.span.start + 1))
                || file.syntax_errors.iter().any(|s| s.span.start == e.span.start)
            {
                // Already reported: an unknown name (SL003) or a line the parser refused.
            } else {
                file.syntax_errors.push(crate::syntax::SyntaxError::new(e.span, e.message.clone()));
            }
        }
        let mut placed = Vec::new();
        for d in &cfg.directives {
            let fid = file_for(model, &l, &d.file, &path, i);
            placed.push((d.name.clone(), d.args.clone(), Location { file: fid, span: d.span }));
        }
        let directives: Vec<PlacedDirective<'_>> =
            placed.iter().map(|(n, a, at)| PlacedDirective { name: n, args: a, at: *at }).collect();
        let mut server = redis::build_server(FileId(i), &directives);
        server.startup_failures.extend(at_startup);
        if server.version.assumed {
            // The machine's etc/: above the first `etc` component, or (a copied /etc
            // checked on its own) the directory holding `redis/`.
            let machine_etc = super::link::host_of(&path, &[]).join("etc");
            let holder = path.parent().filter(|p| p.ends_with("redis") || p.ends_with("valkey")).and_then(Path::parent);
            let found = [Some(machine_etc.as_path()), holder]
                .into_iter()
                .flatten()
                .find_map(|etc| distribution_redis(etc, &model.confinement));
            if let Some(v) = found {
                server.version = v;
            }
        }
        if let Some(acl) = server.aclfile.clone() {
            use_acl_file(model, parsed, &l, &mut server, &acl);
        }
        model.redis.push(server);
    }
}

/// Read the ACL file `aclfile` names and give its users to the server. redis-server opens
/// it after reading the config, so a relative path is taken in `dir` (the loader's path
/// mapping puts absolute paths below the root).
fn use_acl_file(model: &mut Model, parsed: &[Parsed], l: &Loader, server: &mut redis::RedisServer, acl: &str) {
    let named = Path::new(acl);
    let logical = match server.settings.get("dir") {
        Some((dir, _)) if named.is_relative() => Path::new(dir).join(named),
        _ => named.to_path_buf(),
    };
    let physical = l.physical_of(&logical);
    let at = server.aclfile_at.unwrap_or(Location { file: server.file, span: Span::empty(0) });
    let fid = match model.file_id(&physical) {
        Some(id) => id,
        // Through the loader's one confined read: inside the checked tree, never /proc.
        None => match l.read_named(&logical) {
            Ok(bytes) => {
                let (file, _) = parse_file(Source::new(physical.clone(), bytes), Role::RedisAcl);
                model.add_file(file)
            }
            Err(e) => {
                server.startup_failures.push(redis::StartupFailure {
                    at,
                    message: format!(
                        "Aborting Redis startup because of ACL errors: Error loading ACLs, opening file '{}': {e}",
                        crate::source::printable(acl)
                    ),
                });
                return;
            }
        },
    };
    let reparsed;
    let file = match parsed.get(fid.0) {
        Some(Parsed::Acl(f)) => f.as_ref(),
        _ => {
            reparsed = crate::syntax::redis_acl::parse(&model.files[fid.0].source.bytes);
            &reparsed
        }
    };
    let users = file
        .users
        .iter()
        .map(|u| {
            let mut user =
                redis::AclUser::reset(&String::from_utf8_lossy(&u.name), Location { file: fid, span: u.span });
            user.apply(&u.rules);
            user
        })
        .collect();
    server.use_acl_file(fid, users);
}

/// The Redis a distribution ships, from an etc directory's `debian_version`, `os-release`
/// or, failing those, its PHP layout (`etc/php/8.2/` is Debian 12's PHP). Packages:
/// Debian 11 redis 6.0.16, Debian 12 7.0.15, Ubuntu 22.04 6.0.16, Ubuntu 24.04 7.0.15,
/// RHEL 9 6.2 (AppStream).
fn distribution_redis(etc: &Path, confinement: &Confinement) -> Option<redis::RedisVersion> {
    let read = |name: &str| confinement.read(&etc.join(name)).ok().and_then(|b| String::from_utf8(b).ok());
    let pick = |major: u8, minor: u8, why: String| {
        Some(redis::RedisVersion { major, minor, valkey: false, why, assumed: true })
    };
    let debian = |v: &str, why: String| match v.split('.').next().unwrap_or("") {
        "11" | "bullseye/sid" => pick(6, 0, why),
        "12" | "bookworm/sid" => pick(7, 0, why),
        _ => None,
    };
    if let Some(v) = read("debian_version") {
        let v = v.trim();
        if let Some(found) = debian(v, format!("the package of Debian {v} (etc/debian_version)")) {
            return Some(found);
        }
    }
    if let Some(text) = read("os-release") {
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix('=')))
                .map(|v| v.trim_matches('"').to_owned())
        };
        let (id, version) = (field("ID").unwrap_or_default(), field("VERSION_ID").unwrap_or_default());
        let why = format!("the package of {id} {version} (etc/os-release)");
        let major = version.split('.').next().unwrap_or("");
        let found = match (id.as_str(), version.as_str()) {
            ("debian", v) => debian(v, why),
            ("ubuntu", "22.04") => pick(6, 0, why),
            ("ubuntu", "24.04") => pick(7, 0, why),
            ("rhel" | "rocky" | "almalinux" | "centos" | "ol", _) if major == "9" => pick(6, 2, why),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    if etc.join("php/8.2").is_dir() {
        return pick(7, 0, "the package of Debian 12, whose PHP is 8.2 (etc/php/8.2/)".into());
    }
    None
}

/// Directives whose load-time check looks at the running machine's filesystem.
fn depends_on_machine(directive: &str) -> bool {
    matches!(directive, "dir" | "logfile" | "loadmodule" | "aclfile" | "unixsocket" | "pidfile")
}

/// The model file of an included path, reading it in when discovery did not find it.
fn file_for(model: &mut Model, loader: &Loader, named: &Path, top: &Path, top_id: usize) -> FileId {
    if named == top {
        return FileId(top_id);
    }
    let physical = loader.physical_of(named);
    if let Some(id) = model.file_id(&physical).or_else(|| model.file_id(named)) {
        return id;
    }
    // The loader read it already, through the same confinement; a refusal is its error.
    let bytes = model.confinement.read(&physical).unwrap_or_default();
    let (file, _) = parse_file(Source::new(physical.clone(), bytes), Role::RedisConf);
    model.add_file(file)
}

fn lower_magento(model: &mut Model, parsed: &[Parsed]) {
    for (i, p) in parsed.iter().enumerate() {
        if let Parsed::EnvPhp(doc) = p {
            let path = &model.files[i].source.path;
            let root =
                path.parent().and_then(Path::parent).and_then(Path::parent).unwrap_or(Path::new("")).to_path_buf();
            model.magento.push(magento::build_install(FileId(i), root, doc));
        }
    }
}

/// Read stunnel/spiped/PeerVPN files under `paths` (a config's `tunnel-paths`) as tunnel
/// evidence that holds for every host in the tree.
fn add_tunnel_evidence(model: &mut Model, paths: &[PathBuf]) {
    // Tunnel paths come from sesslint.toml, which the checked repository may have written:
    // they are read through the same confinement as everything else.
    let mut found = discover::Discovery::default();
    for p in paths {
        match model.confinement.resolve(p) {
            Ok(_) => {
                let d = discover::discover(std::slice::from_ref(p), Some(&model.root));
                found.files.extend(d.files);
                found.unreadable.extend(d.unreadable);
            }
            Err(why) => found.unreadable.push(discover::Unreadable { path: p.clone(), reason: why.to_string() }),
        }
    }
    model.unreadable.extend(found.unreadable.iter().cloned());
    for f in found.files.iter().filter(|f| matches!(f.role, Role::Stunnel | Role::Spiped | Role::PeerVpn)) {
        if model.file_id(&f.path).is_some() {
            continue;
        }
        let source = match model.confinement.read(&f.read_from) {
            Ok(bytes) => Source::new(f.path.clone(), bytes),
            Err(why) => {
                model.unreadable.push(discover::Unreadable { path: f.path.clone(), reason: why.to_string() });
                continue;
            }
        };
        let (file, _) = parse_file(source, f.role);
        let id = model.add_file(file);
        let mut found = tunnels_of(id, &model.files[id.0]);
        for t in &mut found {
            t.shared = true;
        }
        model.tunnels.extend(found);
    }
}

/// The tunnels a stunnel, spiped or PeerVPN file sets up (none for other files).
fn tunnels_of(id: FileId, f: &LoadedFile) -> Vec<tunnel::Tunnel> {
    match f.role {
        Role::Stunnel => tunnel::stunnel(id, &f.source.bytes),
        Role::Spiped => tunnel::spiped(id, &f.source.bytes),
        Role::PeerVpn => tunnel::peervpn(id, &f.source.bytes),
        _ => Vec::new(),
    }
}

fn lower_tunnels(model: &mut Model) {
    let found: Vec<_> = model.files.iter().enumerate().flat_map(|(i, f)| tunnels_of(FileId(i), f)).collect();
    model.tunnels.extend(found);
}

fn build_endpoints(model: &mut Model) {
    let mut eps = Vec::new();
    let fpm_setups_with_pools: BTreeSet<usize> = model.pools.iter().filter_map(|p| p.setup).collect();
    for (i, s) in model.php.iter().enumerate() {
        // An FPM setup's pools say where its sessions go; one ini for every SAPI (RHEL's
        // /etc/php.ini) still serves the CLI and any other SAPI.
        let shared = s.sapi.is_none() && fpm_setups_with_pools.contains(&i);
        if fpm_setups_with_pools.contains(&i) && !shared {
            continue;
        }
        let label = if shared {
            format!("php cli ({}, the php.ini every SAPI reads)", crate::source::display_path(&s.dir))
        } else {
            match s.sapi {
                Some(_) => format!("php {}", s.label()),
                None => format!("php, every SAPI ({})", crate::source::display_path(&s.dir)),
            }
        };
        if let (Some(h), sp) = (s.get("session.save_handler"), s.get("session.save_path")) {
            eps.push(endpoint(EndpointOwner::Php(i), h, sp, label));
        }
    }
    for (i, p) in model.pools.iter().enumerate() {
        let label = format!("pool {} ({})", p.name, crate::source::display_path(model.path(p.declared_at.file)));
        if let Some(h) = p.effective("session.save_handler", &model.php) {
            let sp = p.effective("session.save_path", &model.php);
            eps.push(endpoint(EndpointOwner::Pool(i), h, sp, label));
        }
    }
    for (i, m) in model.magento.iter().enumerate() {
        let label = format!("magento {}", crate::source::display_path(model.path(m.file)));
        let handler = match &m.session_save {
            Some(v) => EffectiveValue::set(v.value.clone().unwrap_or_default(), v.entry_at, v.value_at.span),
            None => EffectiveValue::default_value("files"),
        };
        let targets = m.session_target().into_iter().collect();
        let decided_at = handler.set_at;
        let save_path = (handler.value == "files").then(|| magento_files_path(model, m));
        eps.push(SessionEndpoint {
            owner: EndpointOwner::Magento(i),
            handler,
            save_path,
            targets,
            label,
            decided_at: decided_at.or(Some(Location { file: m.file, span: Span::empty(0) })),
        });
    }
    model.endpoints = eps;
}

/// Where Magento's `files` handler writes: env.php `session.save_path`, else PHP's
/// `session.save_path` when it is not empty, else `<magento>/var/session`
/// (Magento\Framework\Session\Config::__construct). Which php-fpm pool serves the shop is
/// not in the files: when the pools (or, without pools, the PHP setups) disagree, the value
/// says so and has no place.
fn magento_files_path(model: &Model, m: &magento::MagentoInstall) -> EffectiveValue {
    if let Some(v) = m.session.as_ref().and_then(|b| b.values.get("save_path")) {
        if let Some(value) = v.value.clone().filter(|v| !v.is_empty()) {
            return EffectiveValue {
                value,
                set_at: Some(v.entry_at),
                value_span: Some(v.value_at.span),
                shadowed: Vec::new(),
                depends_on_env: None,
            };
        }
    }
    // Only PHP on the same machine as the shop.
    let host = super::link::host_of(model.path(m.file), &[]);
    let here = |path: &Path| super::link::host_of(path, &[]) == host;
    let pools: Vec<_> = model.pools.iter().filter(|p| here(model.path(p.declared_at.file))).collect();
    let from_php: Vec<EffectiveValue> = if pools.is_empty() {
        model.php.iter().filter(|s| here(&s.dir.join("php.ini"))).filter_map(|s| s.get("session.save_path")).collect()
    } else {
        pools.iter().filter_map(|p| p.effective("session.save_path", &model.php)).collect()
    };
    let mut set: Vec<EffectiveValue> = from_php.into_iter().filter(|v| !v.value.is_empty()).collect();
    set.dedup_by(|a, b| a.value == b.value);
    match set.len() {
        0 => EffectiveValue::default_value(&m.root.join("var/session").to_string_lossy()),
        1 => set.remove(0),
        _ => EffectiveValue::default_value(&format!(
            "PHP's session.save_path of the pool that runs Magento ({})",
            set.iter().map(|v| v.value.as_str()).collect::<Vec<_>>().join(" or ")
        )),
    }
}

fn endpoint(
    owner: EndpointOwner,
    handler: EffectiveValue,
    save_path: Option<EffectiveValue>,
    label: String,
) -> SessionEndpoint {
    let targets = match handler.value.as_str() {
        "redis" | "rediscluster" => {
            save_path.as_ref().map(|sp| parse_save_path(&handler.value, &sp.value)).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let decided_at = handler.set_at;
    SessionEndpoint { owner, handler, save_path, targets, label, decided_at }
}
