//! Reading and parsing: every discovered file read once through the confinement (or taken
//! from the editor's overlay), parsed by its format's parser, in parallel with the order kept;
//! and the parse cache that lets the language server skip unchanged files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::same_bytes::SameBytes;
use super::{secrets, unknown_names, Overlay, Parsed};
use crate::confine::Confinement;
use crate::discover::{self, Role};
use crate::model::{LoadedFile, SyntaxTree};
use crate::source::Source;
use crate::syntax::ini::{self, ScanMode};
use crate::syntax::{env_php, redis_conf, SyntaxError};

/// Parsed files kept between builds (the language server rebuilds the model on every
/// edit): a file whose bytes and role are unchanged is not parsed again.
#[derive(Default)]
pub struct ParseCache {
    entries: std::sync::Mutex<std::collections::HashMap<PathBuf, (Role, LoadedFile)>>,
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

    /// The file at `path` from the previous build when its role and bytes are unchanged,
    /// else `parse(path, bytes, role)` (kept for the next build).
    fn get_or_parse(
        &self,
        path: PathBuf,
        bytes: Arc<[u8]>,
        role: Role,
        parse: impl FnOnce(PathBuf, Arc<[u8]>, Role) -> LoadedFile,
    ) -> LoadedFile {
        let mut entries = match self.entries.lock() {
            Ok(e) => e,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some((r, file)) = entries.get(&path) {
            if *r == role && file.source.bytes[..] == bytes[..] {
                self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return file.clone();
            }
        }
        let file = parse(path.clone(), bytes, role);
        entries.insert(path, (role, file.clone()));
        file
    }
}

/// The permission bits of `path` (following symlinks, as the programs that read it do).
pub(super) fn file_mode(path: &Path) -> Option<u32> {
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

/// Files in one group of hosts to read, parse and lower before the next group's trees are
/// built: enough to keep the threads busy (`parallel::map` wants 32 per thread), few
/// enough that a fleet's trees are never all alive at once.
pub(super) const GROUP_FILES: usize = 256;

/// `files` with each fleet host's files together, hosts in the fleet's (name) order and
/// each host's files in discovery order. Unchanged outside a fleet, or when a file lies
/// outside every host tree.
pub(super) fn by_host(files: Vec<discover::Found>, model: &crate::model::Model) -> Vec<discover::Found> {
    if model.hosts.is_empty() {
        return files;
    }
    let hosts: Option<Vec<usize>> = files.iter().map(|f| model.host_of_path(&f.path).map(|h| h.0)).collect();
    let Some(hosts) = hosts else { return files };
    let mut keyed: Vec<(usize, discover::Found)> = hosts.into_iter().zip(files).collect();
    // Stable: each host's files keep their order.
    keyed.sort_by_key(|(h, _)| *h);
    keyed.into_iter().map(|(_, f)| f).collect()
}

/// `files` (as [`by_host`] ordered them) cut into groups that are lowered one after the
/// other: whole hosts of at least `group_files` files or `group_bytes` bytes in all
/// ([`GROUP_FILES`]; `sizes[i]` is `files[i]`'s). One group holding every file outside a
/// fleet, or when a file lies outside every host tree (what one file includes may then be
/// anywhere).
pub(super) fn groups<'a>(
    files: &'a [discover::Found],
    sizes: &[u64],
    model: &crate::model::Model,
    group_files: usize,
    group_bytes: u64,
) -> Vec<&'a [discover::Found]> {
    let hosts: Option<Vec<usize>> = match model.hosts.is_empty() {
        true => None,
        false => files.iter().map(|f| model.host_of_path(&f.path).map(|h| h.0)).collect(),
    };
    let Some(hosts) = hosts else { return vec![files] };
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for i in 1..=files.len() {
        bytes += sizes.get(i - 1).copied().unwrap_or(0);
        let host_ends = i == files.len() || hosts[i] != hosts[i - 1];
        if host_ends && (i - start >= group_files || bytes >= group_bytes || i == files.len()) {
            out.push(&files[start..i]);
            (start, bytes) = (i, 0);
        }
    }
    if out.is_empty() {
        out.push(files);
    }
    out
}

/// Read and parse `files` (the editor's `overlay` text where it has some), spreading the
/// work over the cores and keeping the order; `on_file(done, total)` after each file, with
/// `done_before` files of `total` read in earlier groups. A file unchanged since the last
/// build is taken from `cache`, one equal to a file met earlier in this build from `same`.
/// `lazy_secrets`: which files' secrets are left for later ([`parse_file_with`]).
#[allow(clippy::too_many_arguments)] // each is one per-build input the group's workers share
pub(super) fn read_all(
    lazy_secrets: LazySecrets,
    files: &[discover::Found],
    done_before: usize,
    total: usize,
    confinement: &Confinement,
    overlay: Option<&Overlay>,
    cache: Option<&ParseCache>,
    same: &SameBytes,
    on_file: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Vec<Result<LoadedFile, discover::Unreadable>> {
    // Reading and parsing are independent per file: spread over the cores, the order kept.
    let done = std::sync::atomic::AtomicUsize::new(done_before);
    // Each directory's path resolved once for all its files (confinement checks per file):
    // for the whole build when the confinement is one pass's.
    let own_dirs;
    let dirs = match confinement.pass_dirs() {
        Some(d) => d,
        None => {
            own_dirs = crate::confine::ResolvedDirs::new();
            &own_dirs
        }
    };
    // A file met under two names (`conf.d/20-redis.ini` and `mods-available/redis.ini`,
    // one checked file: same resolved path, device and inode) is read once for both.
    let shared_reads = SharedReads::of(files);
    let read_one = |found: &discover::Found| -> Result<LoadedFile, discover::Unreadable> {
        let read = || {
            confinement
                .read_checked_in(&found.read_from, found.checked.as_ref(), dirs)
                .map(|(b, mode)| (b, Some(mode)))
                .map_err(|e| discover::Unreadable { path: found.path.clone(), reason: e.to_string() })
        };
        let (bytes, mode) = match overlay.and_then(|o| o.get(&found.path)) {
            // An editor buffer is held to the same limit as a file.
            Some(b) if b.len() as u64 > crate::confine::MAX_FILE_SIZE => {
                let why = crate::confine::Refusal::TooLarge(b.len() as u64);
                return Err(discover::Unreadable { path: found.path.clone(), reason: why.to_string() });
            }
            Some(b) => (Arc::from(b.as_slice()), None),
            // Read straight into the allocation the file's `Source` and tree share.
            None => match shared_reads.cell(found) {
                Some(cell) => match cell.get_or_init(|| read().map_err(|u| u.reason)) {
                    Ok((b, mode)) => (Arc::clone(b), *mode),
                    Err(reason) => {
                        return Err(discover::Unreadable { path: found.path.clone(), reason: reason.clone() })
                    }
                },
                None => read()?,
            },
        };
        // A file equal to one parsed earlier in this build (a fleet's copies) is not parsed again.
        // A file kept for later copies locates its secrets now: each copy would again.
        let parse = |path, bytes, role| {
            same.parse(path, bytes, role, |s, r, kept| parse_file_with(s, r, lazy_secrets.applies(r) && !kept).0)
        };
        let mut out = match cache {
            Some(c) => c.get_or_parse(found.path.clone(), bytes, found.role, parse),
            None => parse(found.path.clone(), bytes, found.role),
        };
        // The mode of the file read (a buffer: of the file it stands for), through the same
        // confinement as the read.
        out.mode = mode.or_else(|| confinement.resolve(&found.read_from).ok().and_then(|p| file_mode(&p)));
        let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if let Some(on_file) = on_file {
            on_file(done, total);
        }
        Ok(out)
    };
    // Files differ in size by thousands of times: threads take the next file as they finish one.
    crate::parallel::map(files, 32, read_one)
}

/// The reads [`read_all`] shares: one cell per checked file that two or more of a group's
/// entries name (the same [`crate::confine::Checked`]: resolved path, device and inode), its
/// bytes and mode or the reason it could not be read. Entries without a check (a buffer's
/// file, an editor overlay) are read each on its own.
struct SharedReads<'a> {
    /// The shared files' checks, sorted, each with its cell.
    cells: Vec<(&'a crate::confine::Checked, SharedRead)>,
}

type SharedRead = std::sync::OnceLock<Result<(Arc<[u8]>, Option<u32>), String>>;

impl<'a> SharedReads<'a> {
    fn of(files: &'a [discover::Found]) -> Self {
        let mut checks: Vec<&crate::confine::Checked> = files.iter().filter_map(|f| f.checked.as_ref()).collect();
        checks.sort_unstable_by(|a, b| a.identity().cmp(&b.identity()).then_with(|| a.resolved.cmp(&b.resolved)));
        let mut cells: Vec<(&crate::confine::Checked, SharedRead)> = Vec::new();
        for pair in checks.windows(2) {
            if pair[0] == pair[1] && cells.last().is_none_or(|(c, _)| *c != pair[0]) {
                cells.push((pair[0], SharedRead::new()));
            }
        }
        SharedReads { cells }
    }

    /// The cell `found`'s read is shared through, when another entry names its file.
    fn cell(&self, found: &discover::Found) -> Option<&SharedRead> {
        let c = found.checked.as_ref()?;
        let at = self
            .cells
            .binary_search_by(|(k, _)| k.identity().cmp(&c.identity()).then_with(|| k.resolved.cmp(&c.resolved)))
            .ok()?;
        Some(&self.cells[at].1)
    }
}

/// Which files [`read_all`] leaves the secrets of to be located when first asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LazySecrets {
    /// None: every file's are located while it is parsed.
    Never,
    /// php.ini, php-fpm, redis.conf and env.php files' (a run naming files quotes few).
    Trees,
    /// php.ini and php-fpm files' only: a fleet's report-only run, whose trees are released
    /// and parsed again for a file asked. Its findings quote nearly every redis.conf and
    /// env.php (each would be parsed twice) and few of its php.ini files.
    IniFiles,
}

impl LazySecrets {
    fn applies(self, role: Role) -> bool {
        match self {
            LazySecrets::Never => false,
            LazySecrets::Trees => true,
            LazySecrets::IniFiles => ini_role(role).is_some(),
        }
    }
}

/// Parse one file by its role, with what the parser and the passes over its tree find:
/// syntax errors, secrets, unknown names, suppression comments.
pub(super) fn parse_file(source: Source, role: Role) -> (LoadedFile, Parsed) {
    parse_file_with(source, role, false)
}

/// [`parse_file`]; `lazy`: leave the secrets of a php.ini, pool, redis.conf or env.php file
/// to be located when first asked ([`LoadedFile::secrets`]), unless what the parser said
/// already needs them (a message quoting a token, a redis.conf name running into a secret).
pub(super) fn parse_file_with(source: Source, role: Role, lazy: bool) -> (LoadedFile, Parsed) {
    let mut file = LoadedFile {
        source,
        role,
        syntax_errors: Vec::new(),
        syntax_warnings: Vec::new(),
        secrets: Vec::new(),
        secrets_pending: false,
        secrets_asked: std::sync::OnceLock::new(),
        unknown_directives: Vec::new(),
        include_problems: Vec::new(),
        ignore_comments: Vec::new(),
        tree: SyntaxTree::None,
        mode: None,
    };
    file.ignore_comments = crate::syntax::suppression::scan(role.comment_style(), &file.source.bytes);
    let parsed = match role {
        Role::PhpIni | Role::PhpScanIni | Role::PhpIniTemplate | Role::FpmMain | Role::FpmPool | Role::UserIni => {
            let doc = ini::parse_shared(file.source.bytes.clone(), ini_role(role).unwrap_or(ScanMode::WholeFile));
            file.syntax_errors = doc.errors.clone();
            if matches!(role, Role::FpmMain | Role::FpmPool) {
                file.syntax_errors.extend(fpm_refused_lines(&doc));
            }
            file.syntax_warnings = ini_misread_lines(&doc, role);
            let fpm = matches!(role, Role::FpmMain | Role::FpmPool);
            file.unknown_directives = unknown_names::in_ini(&doc, fpm);
            if fpm {
                file.unknown_directives.extend(unknown_names::in_fpm(&doc, role == Role::FpmMain));
                file.unknown_directives.sort_by_key(|u| u.span.start);
            }
            Parsed::Ini(Arc::new(doc))
        }
        Role::RedisConf => {
            let conf = redis_conf::parse_shared(file.source.bytes.clone());
            file.syntax_errors = conf.errors().cloned().collect();
            file.syntax_warnings = conf.misread().cloned().collect();
            file.unknown_directives = unknown_names::in_redis(&conf);
            Parsed::Redis(Arc::new(conf))
        }
        Role::RedisAcl => {
            let acl = crate::syntax::redis_acl::parse(&file.source.bytes);
            file.syntax_errors = acl.errors.clone();
            file.syntax_warnings = acl.misread.clone();
            Parsed::Acl(Arc::new(acl))
        }
        Role::MagentoEnv => {
            let doc = env_php::parse_shared(file.source.bytes.clone());
            file.syntax_errors = doc.errors.clone();
            Parsed::EnvPhp(Arc::new(doc))
        }
        Role::PeerVpn => Parsed::None,
        Role::Stunnel => {
            file.syntax_errors.extend(crate::model::tunnel::stunnel_refused_line(&file.source.bytes));
            Parsed::None
        }
        Role::Spiped => {
            file.syntax_errors.extend(crate::model::tunnel::spiped_refused_lines(&file.source.bytes));
            Parsed::None
        }
        Role::ApacheConf => {
            let conf = crate::syntax::apache_conf::parse(&file.source.bytes);
            file.syntax_errors = conf.errors.clone();
            Parsed::Apache(Arc::new(conf))
        }
    };
    // Only the big trees' passes are worth leaving for later; what the parser said may
    // quote a secret (masked below), a redis.conf or php-fpm name may run into one (a pool
    // line after a save path's quote left open).
    let names_quoted = matches!(role, Role::RedisConf | Role::FpmMain | Role::FpmPool);
    let later = lazy
        && matches!(parsed, Parsed::Ini(_) | Parsed::Redis(_) | Parsed::EnvPhp(_))
        && file.syntax_errors.is_empty()
        && file.syntax_warnings.is_empty()
        && (!names_quoted || file.unknown_directives.is_empty());
    if later {
        file.secrets_pending = true;
    } else {
        file.secrets = located_secrets(role, &parsed, &file.source.bytes);
        if names_quoted {
            unknown_names::hide_secrets(&mut file.unknown_directives, &file.secrets, &file.source.bytes);
        }
    }
    // A parser message that quotes a token on a line holding a secret quotes it masked.
    crate::secrets::mask_quoted_tokens(&mut file.syntax_errors, &file.secrets, &file.source.bytes);
    crate::secrets::mask_quoted_tokens(&mut file.syntax_warnings, &file.secrets, &file.source.bytes);
    file.tree = parsed.clone();
    (file, parsed)
}

/// How a file of `role` is scanned, when it is an ini file: php-fpm's every line handed to
/// the scanner alone, PHP's whole.
fn ini_role(role: Role) -> Option<ScanMode> {
    match role {
        Role::FpmMain | Role::FpmPool => Some(ScanMode::PerLine),
        Role::PhpIni | Role::PhpScanIni | Role::PhpIniTemplate | Role::UserIni => Some(ScanMode::WholeFile),
        _ => None,
    }
}

/// The tree [`parse_file_with`] builds for a file of `role` with `bytes`, for the formats
/// whose secrets it may leave for later (php.ini and php-fpm files, redis.conf, env.php;
/// `Parsed::None` for the others): the same parser calls, so the same tree, for a file
/// whose tree was released before its secrets were asked ([`LoadedFile::secrets`]).
pub(crate) fn tree_for_secrets(role: Role, bytes: &Arc<[u8]>) -> Parsed {
    if let Some(mode) = ini_role(role) {
        return Parsed::Ini(Arc::new(ini::parse_shared(Arc::clone(bytes), mode)));
    }
    match role {
        Role::RedisConf => Parsed::Redis(Arc::new(redis_conf::parse_shared(Arc::clone(bytes)))),
        Role::MagentoEnv => Parsed::EnvPhp(Arc::new(env_php::parse_shared(Arc::clone(bytes)))),
        _ => Parsed::None,
    }
}

/// The secrets of a file of `role` with this tree and these bytes, by the pass for its
/// format (`model::build::secrets`). A tree that is missing where the format has one (never
/// when the file was parsed by [`parse_file`]) masks the whole file: nothing is shown unmasked
/// for want of a tree.
pub(crate) fn located_secrets(role: Role, tree: &Parsed, bytes: &[u8]) -> Vec<crate::span::Span> {
    match (role, tree) {
        (_, Parsed::Ini(doc)) => secrets::in_ini(doc, bytes),
        (_, Parsed::Redis(conf)) => secrets::in_redis(conf, bytes),
        (_, Parsed::Acl(acl)) => secrets::in_acl(acl, bytes),
        (_, Parsed::EnvPhp(doc)) => secrets::in_env_php(doc, bytes),
        (_, Parsed::Apache(conf)) => secrets::in_apache(conf),
        (Role::PeerVpn, _) => secrets::in_peervpn(bytes),
        (Role::Stunnel, _) => secrets::in_stunnel(bytes),
        (Role::Spiped, _) => Vec::new(),
        (_, Parsed::None) => vec![crate::span::Span::new(0, bytes.len())],
    }
}

/// [`located_secrets`] for the bytes of `within` only (a code frame's lines, starting and
/// ending where lines do): inside `within` they mask exactly what [`located_secrets`]' spans
/// mask there. `None` where only the whole file's pass is right (a php-fpm file, every format
/// but php.ini's): the caller asks [`located_secrets`].
pub(crate) fn located_secrets_within(
    tree: &Parsed,
    bytes: &[u8],
    within: std::ops::Range<usize>,
) -> Option<Vec<crate::span::Span>> {
    match tree {
        Parsed::Ini(doc) => secrets::in_ini_within(doc, bytes, within),
        _ => None,
    }
}

/// php-fpm hands every line to its callback; a line without `=` (a `#` comment too) has no
/// value and FPM stops: "value is NULL for a ZEND_INI_PARSER_ENTRY".
fn fpm_refused_lines(doc: &ini::IniDocument) -> Vec<SyntaxError> {
    let mut out = Vec::new();
    for n in &doc.nodes {
        if let ini::NodeKind::BareKey { key } = &n.kind {
            if !key.is_empty() {
                let text = String::from_utf8_lossy(doc.text(*key)).into_owned();
                let why = if text.starts_with('#') { " (`#` is not a comment in php-fpm files; use `;`)" } else { "" };
                out.push(SyntaxError::new(
                    *key,
                    format!("php-fpm refuses a line without `=`: value is NULL for a ZEND_INI_PARSER_ENTRY{why}"),
                ));
            }
        }
    }
    out
}

/// `overlay` reaching every name of the files it holds: a buffer of
/// `mods-available/redis.ini` is also the text of each `conf.d/20-redis.ini` that links to
/// it, and the other way round (Debian's every conf.d entry is such a link): one file has
/// one text, whatever name it is reached by. Two names are one file when discovery's check
/// found the same device and inode ([`crate::confine::Checked`]), or, for a file it did not
/// check (a link resolved below the root), when `confinement` resolves where it is read
/// from to a file of that device and inode. A name the overlay holds keeps its own text; a
/// name it lacks takes the text of its file's first name (in path order) the overlay holds.
/// `None` when no name is added.
pub(super) fn overlay_for_every_name(
    overlay: &Overlay,
    files: &[discover::Found],
    confinement: &Confinement,
) -> Option<Overlay> {
    use std::collections::HashMap;
    use std::os::unix::fs::MetadataExt;
    if overlay.is_empty() {
        return None;
    }
    let identity = |f: &discover::Found| match &f.checked {
        Some(c) => Some(c.identity()),
        None => {
            let resolved = confinement.resolve(&f.read_from).ok()?;
            std::fs::metadata(resolved).ok().filter(|m| m.is_file()).map(|m| (m.dev(), m.ino()))
        }
    };
    // Only the files of a name the overlay holds need an identity to compare with (a
    // `stat` each for those discovery did not check).
    let mut held: Vec<&Path> = files.iter().map(|f| f.path.as_path()).filter(|p| overlay.contains_key(*p)).collect();
    held.sort_unstable();
    held.dedup();
    let mut text_of: HashMap<(u64, u64), &Vec<u8>> = HashMap::new();
    for path in held {
        let Some(found) = files.iter().find(|f| f.path == path) else { continue };
        if let (Some(id), Some(text)) = (identity(found), overlay.get(path)) {
            text_of.entry(id).or_insert(text);
        }
    }
    if text_of.is_empty() {
        return None;
    }
    let mut widened: Option<Overlay> = None;
    for f in files.iter().filter(|f| !overlay.contains_key(&f.path)) {
        let Some(text) = identity(f).and_then(|id| text_of.get(&id)) else { continue };
        widened.get_or_insert_with(|| overlay.clone()).insert(f.path.clone(), (*text).clone());
    }
    widened
}

/// The most setting names a silent stop's message lists (the rest are counted).
const MAX_NAMED_UNREAD: usize = 8;
/// The longest setting name (characters, offset included) a silent stop's message quotes
/// whole; a longer one is cut with `…`.
const MAX_UNREAD_NAME: usize = 64;

/// The places PHP reads an ini file otherwise than written without a word
/// ([`ini::IniDocument::misread`]), as warnings; a stop in php.ini or a conf.d file names the
/// settings written after it, which PHP never sees.
fn ini_misread_lines(doc: &ini::IniDocument, role: Role) -> Vec<SyntaxError> {
    let fpm = doc.mode == ScanMode::PerLine;
    let reader = match role {
        Role::UserIni => "PHP (.user.ini)",
        _ if fpm => "php-fpm",
        _ => "PHP",
    };
    doc.misread
        .iter()
        .map(|m| {
            let message = match (m.kind, fpm) {
                (ini::MisreadKind::UnclosedQuote, false) => {
                    let mut names: Vec<String> = Vec::new();
                    let mut more = 0usize;
                    let after = doc.entries().filter(|(n, e)| n.span.start >= m.span.end && !e.applied);
                    for (_, e) in after {
                        // A bracketed key by its offset as written (`env[A]`, `php_value[session.name]`):
                        // `env[...]` stood for every one of them, and which settings PHP
                        // misses was not said.
                        let key = doc.text(e.key);
                        let name = match &e.offset {
                            Some(o) => [key, b"[", doc.text(o.span), b"]"].concat(),
                            None => key.to_vec(),
                        };
                        let name = String::from_utf8_lossy(&name);
                        // A credential in it (`env["redis://:pw@h"]`) is masked where it stands.
                        let secret = crate::secrets::save_path_secret_ranges(name.as_bytes());
                        let name = crate::secrets::mask_ranges(&name, &secret);
                        let name = match name.char_indices().nth(MAX_UNREAD_NAME) {
                            Some((cut, _)) => format!("{}…", &name[..cut]),
                            None => name,
                        };
                        let name = crate::source::printable(&name).into_owned();
                        if names.contains(&name) {
                            continue;
                        }
                        if names.len() < MAX_NAMED_UNREAD {
                            names.push(name);
                        } else {
                            more += 1;
                        }
                    }
                    let unseen = match (names.is_empty(), more) {
                        (true, _) => "the rest of the file is ignored".to_owned(),
                        (false, 0) => format!("{reader} never sees the settings after it ({})", names.join(", ")),
                        (false, _) => {
                            format!("{reader} never sees the settings after it ({} and {more} more)", names.join(", "))
                        }
                    };
                    format!(
                        "{reader} stops reading this file at this `'`, which does not close, without a word: the value ends before it, and {unseen}"
                    )
                }
                (ini::MisreadKind::UnclosedQuote, true) => format!(
                    "{reader} ends the value at this `'`, which does not close, and ignores the rest of the line without a word"
                ),
                (ini::MisreadKind::Nul, false) => format!(
                    "{reader} ends the value at this NUL byte without a word and reads the rest of the line as a line of its own"
                ),
                (ini::MisreadKind::Nul, true) => {
                    format!("{reader} ends the line at this NUL byte and ignores the rest of it without a word")
                }
            };
            SyntaxError::new(m.span, message)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::host::{Fleet, Host};
    use crate::model::Model;

    fn found(path: &str) -> discover::Found {
        discover::Found {
            path: PathBuf::from(path),
            read_from: PathBuf::from(path),
            role: Role::PhpIni,
            size: 1,
            checked: None,
            met_at: None,
        }
    }

    fn fleet_model(names: &[&str]) -> Model {
        let hosts = names
            .iter()
            .map(|n| Host { name: (*n).to_owned(), root: Path::new("/f").join(n), declared: Vec::new() })
            .collect();
        let mut model = Model::default();
        model.set_fleet(Fleet { dir: PathBuf::from("/f"), hosts, missing: Vec::new() });
        model
    }

    #[test]
    fn a_file_met_under_two_names_is_read_once_for_both() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        std::fs::create_dir_all(top.join("mods")).unwrap();
        std::fs::create_dir_all(top.join("conf.d")).unwrap();
        std::fs::write(top.join("mods/redis.ini"), "extension=redis.so\n").unwrap();
        std::fs::write(top.join("mods/other.ini"), "extension=igbinary.so\n").unwrap();
        std::os::unix::fs::symlink("../mods/redis.ini", top.join("conf.d/20-redis.ini")).unwrap();
        let confinement = Confinement::new(top, &[]).for_one_pass();
        let dirs = confinement.pass_dirs().unwrap();
        let entry = |path: &str, from: &str, role| {
            let (resolved, meta) = confinement.resolve_in(&top.join(from), dirs).unwrap();
            let checked = crate::confine::Checked::new(resolved, meta.as_ref().unwrap());
            discover::Found { role, checked, read_from: top.join(from), ..found(path) }
        };
        // Two roles: equal bytes of one role would share their allocation anyway (SameBytes).
        let files = [
            entry("conf.d/20-redis.ini", "mods/redis.ini", Role::PhpScanIni),
            entry("mods/other.ini", "mods/other.ini", Role::PhpScanIni),
            entry("mods/redis.ini", "mods/redis.ini", Role::PhpIni),
        ];
        let shared = SharedReads::of(&files);
        assert_eq!(shared.cells.len(), 1);
        assert!(std::ptr::eq(shared.cell(&files[0]).unwrap(), shared.cell(&files[2]).unwrap()));
        assert!(shared.cell(&files[1]).is_none() && shared.cell(&found("x.ini")).is_none());
        let same = SameBytes::new();
        let read = read_all(LazySecrets::Never, &files, 0, 3, &confinement, None, None, &same, None);
        let bytes: Vec<Arc<[u8]>> = read.iter().map(|r| Arc::clone(&r.as_ref().unwrap().source.bytes)).collect();
        // One allocation: read once.
        assert!(Arc::ptr_eq(&bytes[0], &bytes[2]) && !Arc::ptr_eq(&bytes[0], &bytes[1]));
        assert_eq!(&bytes[0][..], b"extension=redis.so\n");
        assert_eq!(&bytes[1][..], b"extension=igbinary.so\n");
    }

    #[test]
    fn groups_hold_whole_hosts_of_enough_files_in_the_fleets_order() {
        let model = fleet_model(&["a", "b", "c"]);
        let mut files: Vec<discover::Found> = Vec::new();
        // Discovery's order, hosts interleaved: c first, then a, b and a again.
        files.extend((0..10).map(|i| found(&format!("/f/c/etc/{i}.ini"))));
        files.extend((0..GROUP_FILES - 5).map(|i| found(&format!("/f/a/etc/{i}.ini"))));
        files.extend((0..100).map(|i| found(&format!("/f/b/etc/{i}.ini"))));
        files.extend((0..5).map(|i| found(&format!("/f/a/etc/late{i}.ini"))));
        let files = by_host(files, &model);
        assert!(files[..GROUP_FILES].iter().all(|f| f.path.starts_with("/f/a")), "a's files together, first");
        assert_eq!(files[GROUP_FILES - 1].path, Path::new("/f/a/etc/late4.ini"), "in discovery order");
        let groups = groups(&files, &[1; 400], &model, GROUP_FILES, u64::MAX);
        let sizes: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        assert_eq!(sizes, [GROUP_FILES, 110], "a alone is enough; b and c end the fleet");
    }

    #[test]
    fn a_group_ends_at_the_host_that_reaches_its_bytes() {
        let model = fleet_model(&["a", "b", "c"]);
        let files: Vec<discover::Found> = ["/f/a/1", "/f/a/2", "/f/b/1", "/f/c/1"].iter().map(|p| found(p)).collect();
        let sizes = [5, 6, 1, 20];
        let cut: Vec<usize> = groups(&files, &sizes, &model, GROUP_FILES, 10).iter().map(|g| g.len()).collect();
        assert_eq!(cut, [2, 2], "a's 11 bytes end a group, whole hosts each");
    }

    #[test]
    fn one_group_outside_a_fleet_or_with_a_file_outside_every_host() {
        let files: Vec<discover::Found> = (0..3 * GROUP_FILES).map(|i| found(&format!("/f/a/{i}.ini"))).collect();
        assert_eq!(groups(&files, &[], &Model::default(), GROUP_FILES, 1).len(), 1);
        let model = fleet_model(&["a"]);
        let mut files = files;
        files.push(found("/elsewhere/php.ini"));
        assert_eq!(by_host(files.clone(), &model)[3 * GROUP_FILES].path, Path::new("/elsewhere/php.ini"));
        assert_eq!(groups(&files, &[], &model, 1, 1).len(), 1);
    }
}
