//! php-fpm's `include=`: the patterns php-fpm.conf names, resolved below the root, the pool
//! files they match (read in when discovery missed them), and the setup php-fpm reads.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::fpm_reading::Matches;
use super::read::parse_file;
use super::Parsed;
use crate::confine;
use crate::discover::{self, Role};
use crate::model::{php, FileId, IncludeProblem, Model};
use crate::source::Source;
use crate::span::Span;

/// One `include=` line of php-fpm.conf.
pub(super) struct FpmInclude {
    /// The value as sesslint can know it (`${VAR}` left as written), control characters escaped.
    shown: String,
    /// Where it points: absolute patterns below the root, relative ones against FPM's prefix
    /// (the parent of the directory holding php-fpm.conf, as with Docker's
    /// `include=etc/php-fpm.d/*.conf`), `..` stopping at the root (the host's `/`). `None`
    /// when it depends on the FPM master's environment.
    resolved: Option<PathBuf>,
    /// `${NAME}` references, which php-fpm takes from its own environment.
    env_names: String,
    span: Span,
}

/// The `include=` lines of file `f` of php-fpm.conf `m`'s tree. `${VAR}` is never taken from sesslint's own
/// environment (it is the FPM master's, unknown here; a CI job's would leak its tokens).
/// A pattern's directory is spelled as the walk spelled the same directory (`spellings`), so
/// its pools are the walk's files, never read a second time under another name.
/// `f` is the file holding the lines: php-fpm.conf `m` itself, or a file it includes (php-fpm
/// reads the `include=` lines of every file it reads, relative ones against the same prefix).
pub(super) fn fpm_include_patterns(
    model: &Model,
    parsed: &[Parsed],
    f: usize,
    m: usize,
    spellings: &crate::confine::Spellings,
) -> Vec<FpmInclude> {
    let Some(Parsed::Ini(doc)) = parsed.get(f) else { return Vec::new() };
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
        let prefix = main_dir.parent().unwrap_or(Path::new(""));
        // php-fpm globs `prefix/value` on its machine, where `/..` is `/`: a relative pattern
        // is made absolute on that machine (the host's tree for a fleet), then clamped there
        // like an absolute one, so no `..` leads into another host's files.
        let on_machine = if value.starts_with('/') {
            Some(PathBuf::from(&value))
        } else {
            path_on_machine(root, prefix).map(|p| p.join(&value))
        };
        let resolved = match on_machine {
            Some(p) => on_tree(root, &p),
            None => prefix.join(&value),
        };
        // A file named (no glob) that is a symlink to a pool file the walk found, or the
        // file a walked symlink leads to, is that pool: php-fpm reads the one file once.
        let resolved = match (resolved.parent(), resolved.file_name()) {
            (_, Some(name)) if !name.to_string_lossy().contains(['*', '?', '[']) => {
                spellings.respell(&resolved, root).unwrap_or(resolved)
            }
            (Some(dir), Some(name)) => spellings.spelled_dir(dir, root).map_or(resolved.clone(), |d| d.join(name)),
            _ => resolved,
        };
        let shown = crate::source::printable(&value).into_owned();
        out.push(FpmInclude { shown, resolved: Some(resolved), env_names, span: node.span });
    }
    out
}

/// The `include=` lines of each php-fpm.conf in `mains` ([`fpm_include_patterns`]), in
/// `mains`' order: worked out once, over the threads (each reads its own file's tree), for
/// both [`read_fpm_includes`] and [`fpm_includes`].
pub(super) fn fpm_include_patterns_of(
    model: &Model,
    parsed: &[Parsed],
    mains: &[usize],
    spellings: &crate::confine::Spellings,
) -> Vec<Vec<FpmInclude>> {
    crate::parallel::map(mains, 8, |&m| fpm_include_patterns(model, parsed, m, m, spellings))
}

/// An absolute pattern `p` of the machine as a path of the tree under `root`. A `..` in its
/// directory part is taken as FPM's glob() has the kernel take it, after following the link
/// before it (`lnk/..` is the link target's parent), never above the tree's `/`; without a
/// `..` (or with a glob before it) it is folded as written, `..` stopping at `/`.
fn on_tree(root: &Path, p: &Path) -> PathBuf {
    let below = |p: &Path| crate::confine::under_root(root, p);
    let (dir, name) = (p.parent(), p.file_name());
    let plain_dir = dir.is_some_and(|d| !d.to_string_lossy().contains(['*', '?', '[']));
    let has_dotdot = p.components().any(|c| c == Component::ParentDir);
    match (dir, name) {
        (Some(d), Some(n)) if plain_dir && has_dotdot => crate::confine::resolve_under_root(&below(d), root).join(n),
        _ => below(&crate::confine::lexical_clean(p)),
    }
}

/// `path` (a file of the tree under `root`) as the path it has on its machine, where `root`
/// is `/`: `fleet/web1/etc/php/8.2` -> `/etc/php/8.2`. `None` when it is not below `root`.
fn path_on_machine(root: &Path, path: &Path) -> Option<PathBuf> {
    let (root, path) = (crate::confine::lexical_clean(root), crate::confine::lexical_clean(path));
    let inside = if root == Path::new(".") {
        Some(path.as_path()).filter(|p| p.is_relative() && !p.starts_with(".."))
    } else {
        path.strip_prefix(&root).ok()
    }?;
    Some(Path::new("/").join(inside))
}

/// Files one php-fpm `include=` glob may add to the model: a glob over a directory of
/// thousands of files is not a pool directory.
const MAX_FPM_INCLUDE_FILES: usize = 1000;

/// Read the files an include pattern matches that discovery did not find (a pool directory
/// with another name): FPM's globs name files in one directory. Reads go through the
/// model's confinement: nothing outside the checked tree, nothing from /proc. Each counts
/// against the build's budget (`spent`) as a discovered file does: past it, the file is not
/// read and is an SL002 error ([`Model::over_budget`]). `includes`: php-fpm.conf `m`'s
/// `include=` lines ([`fpm_include_patterns_of`]); a match the walk read by another spelling
/// (`spellings`) is not read again. `scanned`: the patterns listed before, kept by the
/// caller for the whole build: a pattern's directory is listed once, however many lines
/// or files name it (what cannot be included is still said at each line).
pub(super) fn read_fpm_includes(
    model: &mut Model,
    parsed: &mut Vec<Parsed>,
    m: usize,
    includes: &[FpmInclude],
    spent: &mut super::budget::Spent,
    spellings: &crate::confine::Spellings,
    scanned: &mut Scanned,
) {
    for inc in includes {
        let Some(resolved) = &inc.resolved else { continue };
        let (Some(dir), Some(name)) = (resolved.parent(), resolved.file_name().and_then(|n| n.to_str())) else {
            continue;
        };
        if let Some(listing) = scanned.get(resolved) {
            model.files[m].include_problems.extend(listing.problems(inc));
            continue;
        }
        scanned.insert(resolved.clone(), Listing::default());
        // Listed, tested and sized where the read opens them: below the host's root, an
        // absolute symlink (the directory's or a match's) leads into the tree, not to this
        // machine's file.
        let root = model.root_of(FileId(m)).to_path_buf();
        let on_disk = crate::confine::Confinement::under(dir, Some(&root));
        if let Err(why) = model.confinement.resolve(&on_disk) {
            if !why.is_not_found() {
                let path = model.files[m].source.path.clone();
                model
                    .unreadable
                    .push(discover::Unreadable { path, reason: format!("php-fpm `include={}`: {why}", inc.shown) });
            }
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&on_disk) else { continue };
        // FPM reads every match in sorted order (glob()): of those discovery did not read,
        // the first MAX_FPM_INCLUDE_FILES in that order are kept (a max-heap of them, so
        // memory stays bounded), the rest counted and reported.
        let mut kept = std::collections::BinaryHeap::with_capacity(MAX_FPM_INCLUDE_FILES + 1);
        let mut matched = 0usize;
        let (mut unusable_matches, mut first_unusable) = (0usize, None);
        // Names the pattern matches, of any kind: none is glob()'s GLOB_NOMATCH.
        let mut named = 0usize;
        for p in entries.filter_map(Result::ok).map(|e| dir.join(e.file_name())) {
            let matches = p
                .file_name()
                .is_some_and(|n| crate::glob::glob3_component_matches(name.as_bytes(), n.as_encoded_bytes()));
            named += usize::from(matches);
            if !matches || model.file_id(&p).is_some() {
                continue;
            }
            // A match that is (or is the target of) a symlink to a file the walk read is that
            // file, not another pool.
            if spellings.respell(&p, &root).is_some_and(|w| model.file_id(&w).is_some()) {
                continue;
            }
            // FPM's glob() skips directories (GLOB_MARK) and opens every other match: a
            // dangling link fails ("Unable to include"), a FIFO blocks the master.
            let unusable = match model.confinement.metadata_in(&p, Some(&root)) {
                Ok(meta) if meta.is_file() => None,
                Ok(meta) if meta.is_dir() => continue,
                Ok(_) => Some("not a regular file (FIFO, socket or device); FPM would block opening it"),
                Err(why) if why.is_not_found() => Some("no such file (a symlink to nothing; FPM refuses to start)"),
                Err(confine::Refusal::NotRegular) => {
                    Some("not a regular file (FIFO, socket or device); FPM would block opening it")
                }
                Err(why) => {
                    model.unreadable.push(discover::Unreadable { path: p, reason: why.to_string() });
                    continue;
                }
            };
            if let Some(why) = unusable {
                // One finding for the first such match in FPM's order (a directory of them
                // is one problem); a plain name is fpm_includes' "cannot include" finding.
                unusable_matches += 1;
                if first_unusable.as_ref().is_none_or(|(f, _): &(PathBuf, _)| p < *f) {
                    first_unusable = Some((p, why));
                }
                continue;
            }
            matched += 1;
            kept.push(p);
            if kept.len() > MAX_FPM_INCLUDE_FILES {
                kept.pop();
            }
        }
        let listing = Listing {
            nothing_matches: named == 0,
            unusable: first_unusable.map(|(first, why)| (first, why, unusable_matches)),
        };
        model.files[m].include_problems.extend(listing.problems(inc));
        scanned.insert(resolved.clone(), listing);
        if matched > MAX_FPM_INCLUDE_FILES {
            let path = model.files[m].source.path.clone();
            model.unreadable.push(discover::Unreadable {
                path,
                reason: format!(
                    "{} of the {matched} further files php-fpm's `include={}` matches (sesslint reads the first {MAX_FPM_INCLUDE_FILES} of them in php-fpm's order)",
                    matched - MAX_FPM_INCLUDE_FILES,
                    inc.shown
                ),
            });
        }
        for p in kept.into_sorted_vec() {
            // Counted at its size before reading, as discovery counts its files.
            let size = model.confinement.metadata_in(&p, Some(&root)).map_or(0, |m| m.len());
            if let Err(reason) = spent.charge(model, &p, size) {
                spent.refuse(model, p, reason);
                continue;
            }
            let bytes = match model.confinement.read_in(&p, Some(&root)) {
                Ok(b) => b,
                Err(why) => {
                    model.unreadable.push(discover::Unreadable { path: p, reason: why.to_string() });
                    continue;
                }
            };
            let mode = model.confinement.metadata_in(&p, Some(&root)).ok().map(|m| {
                use std::os::unix::fs::PermissionsExt;
                m.permissions().mode() & 0o7777
            });
            let (mut file, parsed_file) = parse_file(Source::new(p, bytes), Role::FpmPool);
            file.mode = mode;
            model.add_file(file);
            parsed.push(parsed_file);
        }
    }
}

/// The patterns [`read_fpm_includes`] listed, by their path below the root.
pub(super) type Scanned = HashMap<PathBuf, Listing>;

/// What listing a pattern's directory found that php-fpm says at each line naming it.
#[derive(Default)]
pub(super) struct Listing {
    /// No name matches (glob()'s GLOB_NOMATCH).
    nothing_matches: bool,
    /// The first match php-fpm cannot include in its order, why, and how many such
    /// matches there are.
    unusable: Option<(PathBuf, &'static str, usize)>,
}

impl Listing {
    /// The findings at include line `inc` (a glob; a plain name is [`fpm_includes`]'
    /// "cannot include" finding).
    fn problems(&self, inc: &FpmInclude) -> Vec<IncludeProblem> {
        let mut out = Vec::new();
        if !inc.shown.contains(['*', '?', '[']) {
            return out;
        }
        if self.nothing_matches {
            // php-fpm8.2 -t: "Nothing matches the include pattern", a warning; it starts.
            out.push(IncludeProblem {
                label: "this include",
                span: inc.span,
                message: format!(
                    "php-fpm includes `{}`, which matches no file: php-fpm warns \"Nothing matches the include pattern\" and starts without it",
                    inc.shown
                ),
                severity: crate::diagnostic::Severity::Warning,
            });
        }
        if let Some((first, why, count)) = &self.unusable {
            // One finding for the first such match in FPM's order (a directory of them is
            // one problem).
            let more = match count {
                1 => String::new(),
                n => format!(" ({} more such matches)", n - 1),
            };
            let first = crate::source::printable(&first.display().to_string()).into_owned();
            out.push(IncludeProblem {
                label: "this include",
                span: inc.span,
                message: format!(
                    "php-fpm cannot include `{first}`, which `include={}` matches: {why}{more}",
                    inc.shown
                ),
                severity: crate::diagnostic::Severity::Error,
            });
        }
        out
    }
}

/// The pool files each `include=` line of php-fpm.conf `m` names, in FPM's order: for each
/// line, where it stands and the files it reads, sorted as glob(3) sorts them (by their
/// bytes: php-fpm collates in the C locale), or `None` when the path depends on the FPM
/// master's environment. Absolute patterns resolve below the root; relative ones against
/// FPM's prefix (the parent of the directory holding php-fpm.conf, as with Docker's
/// `include=etc/php-fpm.d/*.conf`). `includes`: its `include=` lines
/// ([`fpm_include_patterns_of`]). `lists`: the files each pattern matched, kept by the
/// caller while `pools` stays the same, so that a pattern named by many lines or files is
/// matched once and its list shared.
pub(super) fn fpm_includes(
    model: &Model,
    m: usize,
    includes: &[FpmInclude],
    pools: &[usize],
    pools_by_dir: &HashMap<PathBuf, Vec<usize>>,
    lists: &mut HashMap<PathBuf, Arc<Matches>>,
    problems: &mut Vec<(usize, IncludeProblem)>,
) -> Vec<(Span, Option<Arc<Matches>>)> {
    let mut out = Vec::new();
    for inc in includes {
        let Some(resolved) = &inc.resolved else {
            problems.push((
                m,
                IncludeProblem {
                    label: "this include",
                    span: inc.span,
                    message: format!(
                        "php-fpm includes `{}`: the path depends on the FPM master's environment ({}), which sesslint does not know; the files it names are not checked",
                        inc.shown, inc.env_names
                    ),
                    severity: crate::diagnostic::Severity::Warning,
                },
            ));
            out.push((inc.span, None));
            continue;
        };
        let is_glob = inc.shown.contains(['*', '?', '[']);
        if let Some(list) = lists.get(resolved) {
            if !list.files.is_empty() || is_glob {
                out.push((inc.span, Some(Arc::clone(list))));
                continue;
            }
        }
        let pattern = resolved.to_string_lossy().into_owned();
        // FPM's patterns name files in one directory: only that directory's pools are tried,
        // not every pool of a fleet for every php-fpm.conf. A glob in the directory part
        // (`/etc/php/*/fpm/pool.d/*.conf`) tries them all.
        let plain = |d: &&Path| {
            !d.to_string_lossy().contains(['*', '?', '['])
                && d.components().all(|c| !matches!(c, Component::CurDir | Component::ParentDir))
        };
        let dir = resolved.parent().filter(plain);
        let candidates: &[usize] = match dir {
            Some(d) => pools_by_dir.get(d).map_or(&[], Vec::as_slice),
            None => pools,
        };
        let mut matched: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&p| {
                crate::glob::glob3_path_matches(
                    pattern.as_bytes(),
                    model.files[p].source.path.as_os_str().as_encoded_bytes(),
                )
            })
            .collect();
        // glob(3) sorts whole paths with strcoll, in php-fpm's C locale their bytes: with a
        // glob in the directory part, `8.2-x/` comes before `8.2/`, which `Path`'s
        // component order puts after.
        matched.sort_by(|a, b| {
            let bytes = |f: usize| model.files[f].source.path.as_os_str().as_encoded_bytes();
            bytes(*a).cmp(bytes(*b))
        });
        let matched = Arc::clone(lists.entry(resolved.clone()).or_insert_with(|| Matches::new(matched)));
        // Tested where FPM would open it (below the root); a file outside the checked tree
        // is not known to be missing. php-fpm8.2 -t (tests/fpm_includes_live.rs): glob()
        // finds no such name ("Nothing matches the include pattern", a warning, and FPM
        // starts) and skips a directory (GLOB_MARK) without a word; a symlink to nothing
        // matches, and FPM refuses to start ("Unable to include").
        let root = model.root_of(FileId(m));
        let missing = || {
            use crate::diagnostic::Severity::{Error, Warning};
            match model.confinement.metadata_in(resolved, Some(root)) {
                Ok(meta) if meta.is_dir() => Some((
                    Warning,
                    "is a directory: php-fpm skips it without a word and reads none of its files (include= takes files, as `DIR/*.conf`); they are not read",
                )),
                Ok(meta) if !meta.is_file() => {
                    Some((Error, "is not a regular file (FIFO, socket or device): FPM would block opening it"))
                }
                Err(why) if why.is_not_found() && is_dangling_link(model, resolved, root) => Some((
                    Error,
                    "is a symlink to nothing: php-fpm cannot open it (\"Unable to include\") and refuses to start",
                )),
                Err(why) if why.is_not_found() => Some((
                    Warning,
                    "does not exist: php-fpm warns \"Nothing matches the include pattern\" and starts without it; the lines meant there are not read",
                )),
                _ => None,
            }
        };
        if let Some((severity, why)) = (matched.files.is_empty() && !is_glob).then(missing).flatten() {
            problems.push((
                m,
                IncludeProblem {
                    label: "this include",
                    span: inc.span,
                    message: format!("php-fpm includes `{}`, which {why}", inc.shown),
                    severity,
                },
            ));
        }
        out.push((inc.span, Some(matched)));
    }
    out
}

/// Whether `path` (as FPM names it on the tree's machine below `root`) is a symlink whose
/// target does not exist: its directory resolved through the confinement, the name itself
/// `lstat`ed there, never followed.
fn is_dangling_link(model: &Model, path: &Path, root: &Path) -> bool {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return false };
    let Ok(dir) = model.confinement.resolve(&crate::confine::Confinement::under(dir, Some(root))) else {
        return false;
    };
    std::fs::symlink_metadata(dir.join(name)).is_ok_and(|m| m.file_type().is_symlink())
}

/// The first PHP setup of each directory, so that finding a php-fpm.conf's setup is a
/// lookup, not a scan of every setup of a fleet.
pub(super) struct SetupIndex(HashMap<PathBuf, usize>);

impl SetupIndex {
    pub(super) fn new(setups: &[php::PhpSetup]) -> Self {
        let mut first = HashMap::new();
        for (i, s) in setups.iter().enumerate() {
            first.entry(s.dir.clone()).or_insert(i);
        }
        SetupIndex(first)
    }
}

/// The PHP setup php-fpm reads: the one in php-fpm.conf's directory (Debian), or in a
/// `php/` subdirectory (Docker's /usr/local/etc), or a lone all-SAPI one (RHEL /etc).
pub(super) fn fpm_setup(setups: &[php::PhpSetup], index: &SetupIndex, dir: &Path) -> Option<usize> {
    index
        .0
        .get(dir)
        .or_else(|| index.0.get(&dir.join("php")))
        .copied()
        .or_else(|| setups.iter().position(|s| s.sapi.is_none() && s.dir.starts_with(dir)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_of_the_tree_as_its_machine_names_it() {
        let on = |root: &str, p: &str| path_on_machine(Path::new(root), Path::new(p));
        assert_eq!(on("fleet/web1", "fleet/web1/etc/php/8.2"), Some(PathBuf::from("/etc/php/8.2")));
        assert_eq!(on("./fleet/web1", "fleet/web1/./etc"), Some(PathBuf::from("/etc")));
        assert_eq!(on(".", "etc/php/8.2"), Some(PathBuf::from("/etc/php/8.2")));
        assert_eq!(on("/", "/etc/php/8.2"), Some(PathBuf::from("/etc/php/8.2")));
        assert_eq!(on("fleet/web1", "fleet/web2/etc"), None);
        assert_eq!(on(".", "../etc"), None);
    }
}
