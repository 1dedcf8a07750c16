//! The checking pipeline over a model: the enabled rules, severity overrides, per-path
//! ignores, then inline suppressions (and the findings about suppressions themselves).
//! The CLI, the language server and the pre-commit hook all call [`run`].

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::model::{BuildOptions, Model, Overlay};
use crate::rules;

mod silenced;
pub use silenced::{silenced_refusals, REFUSALS};

pub fn run(model: &Model, config: &Config) -> Vec<Diagnostic> {
    run_lines(model, config, true)
}

/// [`run`]; `index_lines`: build the line index of every file a finding points into over
/// the threads first. A run naming files (pre-commit) keeps the findings of a few files only:
/// it leaves each index to be built when a kept finding or a suppression first asks.
fn run_lines(model: &Model, config: &Config, index_lines: bool) -> Vec<Diagnostic> {
    let found = rules::check_selected(model, |r| config.enabled(r.code));
    let mut found = per_path_and_severity(config, found);
    if index_lines {
        self::index_lines(model, &found);
    }
    let mut sups = crate::suppress::collect(model);
    found = crate::suppress::apply(model, found, &mut sups);
    crate::suppress::name_silenced_codes(model, &mut found, &sups);
    if config.enabled(rules::sl006_unused_suppression::RULE.code) {
        // A suppression of a rule this run leaves out (anywhere, or in its file) is not judged.
        let applied = |code, file| {
            config.enabled(code) && (config.per_path_ignores.is_empty() || !config.ignored_in(code, model.path(file)))
        };
        // Made after the other findings were kept, so per-path ignores and severity apply here.
        let unused = rules::sl006_unused_suppression::unused(model, &sups, &applied);
        found.extend(per_path_and_severity(config, unused));
    }
    if model.fleet.is_some() {
        // Findings name the host whose files they point at.
        let host = |p: &Path| model.host_of_path(p).map(|h| model.host(h).name.clone());
        for d in &mut found {
            d.primary.host = host(&d.primary.path);
            for r in &mut d.related {
                r.host = host(&r.path);
            }
        }
    }
    found.sort_by(|a, b| {
        (&a.primary.path, a.primary.span.start, a.code).cmp(&(&b.primary.path, b.primary.span.start, b.code))
    });
    // Each rule's unmade findings counted once for every file, when the first file over its
    // cap asks (a fleet may hold thousands such files).
    let left_out = std::cell::RefCell::new(std::collections::HashMap::new());
    cap_per_rule_and_file(found, &|path, code| {
        let Some(file) = model.file_id(path) else { return 0 };
        let mut left_out = left_out.borrow_mut();
        let per_file = left_out.entry(code).or_insert_with(|| rules::bound::left_out(model, code));
        per_file.get(&file).copied().unwrap_or(0)
    })
}

/// `found` less what `per-path-ignores` drops, each with its rule's severity override.
fn per_path_and_severity(config: &Config, found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    found
        .into_iter()
        // Without per-path ignores nothing is asked per finding (each ask makes paths absolute).
        .filter(|d| config.per_path_ignores.is_empty() || !config.ignored_in(d.code, &d.primary.path))
        .map(|mut d| {
            if let Some(s) = config.severity.get(&d.code) {
                d.severity = *s;
            }
            d
        })
        .collect()
}

/// Build the line index of each file a finding points into, spread over the threads (in a
/// fleet, hundreds of 100 KB redis.conf): suppressions and every report ask for lines, and
/// would build them one after the other. Each file's index is built lazily once either way.
fn index_lines(model: &Model, found: &[Diagnostic]) {
    let mut files: Vec<crate::model::FileId> = found.iter().filter_map(|d| model.file_id(&d.primary.path)).collect();
    files.sort_unstable_by_key(|f| f.0);
    files.dedup();
    crate::parallel::map(&files, 16, |&f| model.file(f).source.line_of(0));
}

/// Findings kept per rule per file (defined by `rules::bound`, whose rules make one more).
pub use crate::rules::bound::MAX_PER_RULE_AND_FILE;

/// Findings kept per file over all rules (each already capped per rule), then one finding
/// saying how many were left out: a file that trips every rule stays a few hundred lines.
pub const MAX_PER_FILE: usize = 500;

/// Related places kept per finding (a database shared by thousands of setups).
pub const MAX_RELATED: usize = 20;

/// `found` (sorted by path) with at most [`MAX_PER_RULE_AND_FILE`] findings of each code in
/// each file and [`MAX_PER_FILE`] in all per file, the first ones kept, one summary finding
/// at the first one left out by each cap, and at most [`MAX_RELATED`] related places each.
/// `unmade(path, code)`: the findings a rule did not make in a file, all after its last one
/// made (`rules::bound`), counted in the summary they would have gone to.
/// A file's findings are next to each other, so the counts are kept for one file at a time.
fn cap_per_rule_and_file(
    found: Vec<Diagnostic>,
    unmade: &dyn Fn(&Path, crate::codes::Code) -> usize,
) -> Vec<Diagnostic> {
    let mut out = Vec::with_capacity(found.len().min(1 << 16));
    // (index in out, what it left out by rule and severity, per file)
    type LeftOut = Vec<(crate::codes::Code, crate::diagnostic::Severity, usize)>;
    let mut summaries: Vec<(usize, LeftOut, bool)> = Vec::new();
    let add = |left: &mut LeftOut, code: crate::codes::Code, severity: crate::diagnostic::Severity, n: usize| match left
        .iter_mut()
        .find(|e| e.0 == code && e.1 == severity)
    {
        Some(e) => e.2 += n,
        None => left.push((code, severity, n)),
    };
    // The file being counted: per code, how many and where its summary is; in all, how many
    // and where the file's summary is.
    let mut file: Option<PathBuf> = None;
    // Per code: how many, where its summary is, the severity of its last finding (what its
    // unmade findings are counted as).
    let mut per_code: Vec<(crate::codes::Code, usize, Option<usize>, crate::diagnostic::Severity)> = Vec::new();
    let mut in_file = 0usize;
    let mut file_summary: Option<usize> = None;
    // A rule over its cap in the file just counted: its unmade findings join the summary
    // its findings past the cap went to (its own, or the file's when that was full first).
    let count_unmade = |file: &Option<PathBuf>,
                        per_code: &[(crate::codes::Code, usize, Option<usize>, crate::diagnostic::Severity)],
                        file_summary: Option<usize>,
                        summaries: &mut Vec<(usize, LeftOut, bool)>| {
        let Some(path) = file else { return };
        for &(code, _, summary, severity) in per_code.iter().filter(|c| c.1 > MAX_PER_RULE_AND_FILE) {
            if let Some(i) = summary.or(file_summary) {
                add(&mut summaries[i].1, code, severity, unmade(path, code));
            }
        }
    };
    for mut d in found {
        if file.as_deref() != Some(d.primary.path.as_path()) {
            count_unmade(&file, &per_code, file_summary, &mut summaries);
            file = Some(d.primary.path.clone());
            per_code.clear();
            in_file = 0;
            file_summary = None;
        }
        let at = match per_code.iter().position(|c| c.0 == d.code) {
            Some(i) => i,
            None => {
                per_code.push((d.code, 0, None, d.severity));
                per_code.len() - 1
            }
        };
        per_code[at].1 += 1;
        per_code[at].3 = d.severity;
        let over_rule = per_code[at].1 > MAX_PER_RULE_AND_FILE;
        if over_rule {
            if let Some(i) = per_code[at].2 {
                add(&mut summaries[i].1, d.code, d.severity, 1);
                continue;
            }
        }
        in_file += 1;
        if in_file > MAX_PER_FILE {
            match file_summary {
                Some(i) => add(&mut summaries[i].1, d.code, d.severity, 1),
                None => {
                    file_summary = Some(summaries.len());
                    summaries.push((out.len(), vec![(d.code, d.severity, 1)], true));
                    out.push(Diagnostic { related: Vec::new(), help: None, fix: None, ..d });
                }
            }
            continue;
        }
        if over_rule {
            per_code[at].2 = Some(summaries.len());
            summaries.push((out.len(), vec![(d.code, d.severity, 1)], false));
            out.push(Diagnostic { related: Vec::new(), help: None, fix: None, ..d });
            continue;
        }
        if d.related.len() > MAX_RELATED {
            let left_out = d.related.len() - MAX_RELATED;
            d.related.truncate(MAX_RELATED);
            d.message.push_str(&format!(" ({left_out} more related place(s) left out)"));
        }
        out.push(d);
    }
    count_unmade(&file, &per_code, file_summary, &mut summaries);
    for (i, left, per_file) in summaries {
        let d = &mut out[i];
        let left_out: usize = left.iter().map(|e| e.2).sum();
        d.left_out = left;
        d.message = if per_file {
            format!("{left_out} more finding(s) in this file are left out (at most {MAX_PER_FILE} per file)")
        } else {
            format!(
                "{left_out} more {} finding(s) in this file are left out (at most {MAX_PER_RULE_AND_FILE} per rule per file)",
                d.code
            )
        };
    }
    out
}

/// What to check, as the CLI, the pre-commit hook or the editor asks for it.
pub struct Request<'a> {
    /// Files or directories. When every one is a file (a pre-commit run passes only the
    /// staged files), the whole project is read so that the related files are in the model,
    /// and only findings that concern the given files are kept ([`crate::staged`]).
    pub paths: Vec<PathBuf>,
    pub config: &'a Config,
    pub overlay: &'a Overlay,
    /// The bytes the build may parse (`--max-host-mib`, `--max-run-mib`; never from the
    /// checked tree's config); `ParseBudget::default()` otherwise.
    pub budget: crate::model::ParseBudget,
}

pub struct Outcome {
    pub model: Model,
    pub diagnostics: Vec<Diagnostic>,
}

/// The project a set of files belongs to: the directory of `sesslint.toml`, else the
/// enclosing git work tree, else the first file's directory.
pub fn project_root(files: &[PathBuf], config: &Config) -> PathBuf {
    project_root_given(files, config, None)
}

/// [`project_root`], given the git work tree above the first file's directory when a walk up
/// asked the same directories already (`Some(None)`: it is in none).
fn project_root_given(files: &[PathBuf], config: &Config, first_tree: Option<Option<&Path>>) -> PathBuf {
    if let Some(dir) = config.path.as_deref().and_then(Path::parent) {
        return if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir.to_path_buf() };
    }
    let first = files.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let tree = match first_tree {
        Some(tree) => tree.map(Path::to_path_buf),
        None => {
            let abs = crate::confine::absolute(&first).unwrap_or(first.clone());
            abs.parent().and_then(|d| d.ancestors().find(|d| d.join(".git").exists())).map(Path::to_path_buf)
        }
    };
    if let Some(d) = tree {
        // Run from the work tree's top (as pre-commit does): keep paths relative.
        if crate::confine::current_dir().is_some_and(|cwd| cwd == d) {
            return PathBuf::from(".");
        }
        return d;
    }
    first.parent().map(Path::to_path_buf).filter(|p| !p.as_os_str().is_empty()).unwrap_or_else(|| PathBuf::from("."))
}

/// The directory a run naming `files` (none a directory) reads when no root is configured:
/// the tree they are part of ([`crate::discover::tree_top`]: the nearest directory at or
/// above each with an `etc/` at its top, within its project), or the fleet holding that
/// tree (its parent, when that is a fleet and the tree is not a project's top), when every
/// file is in the same one; else `None` (the project, [`project_root`], is read).
fn tree_of_files(files: &[PathBuf], config: &Config) -> Option<PathBuf> {
    if config.root.is_some() {
        return None;
    }
    // Staged files share their directories: one walk up per directory.
    let mut asked: std::collections::HashMap<PathBuf, Option<PathBuf>> = std::collections::HashMap::new();
    let mut found: Option<PathBuf> = None;
    for f in files {
        let dir = f.parent().map(Path::to_path_buf).unwrap_or_default();
        let tree = asked.entry(dir).or_insert_with(|| crate::discover::tree_top(f).map(|t| fleet_or_tree(t, config)));
        match (&found, tree) {
            (_, None) => return None,
            (None, Some(t)) => found = Some(t.clone()),
            (Some(a), Some(b)) if crate::confine::lexical_absolute(a) == crate::confine::lexical_absolute(b) => {}
            (Some(_), Some(_)) => return None,
        }
    }
    found.map(|t| spelled_from_here(&t))
}

/// The fleet directory holding the tree `tree` when there is one (see
/// [`crate::model::host::detect_fleet`]), else `tree`. A project's top is never a host.
fn fleet_or_tree(tree: PathBuf, config: &Config) -> PathBuf {
    if tree.join(".git").exists() || tree.join(crate::config::FILE_NAME).is_file() {
        return tree;
    }
    let Some(parent) = crate::discover::spelled_parent(&tree) else { return tree };
    match crate::model::host::detect_fleet(std::slice::from_ref(&parent), None, &config.hosts) {
        Some(_) => parent,
        None => tree,
    }
}

/// An absolute `dir` at or below the current directory spelled relative to it (`.`,
/// `infra/web1`), as the paths a run from there shows; any other as it is.
fn spelled_from_here(dir: &Path) -> PathBuf {
    if dir.is_relative() {
        return dir.to_path_buf();
    }
    match crate::confine::current_dir()
        .and_then(|cwd| crate::confine::lexical_absolute(dir).strip_prefix(cwd).ok().map(Path::to_path_buf))
    {
        Some(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Some(rel) => rel,
        None => dir.to_path_buf(),
    }
}

/// The git work tree each of `files` (none a directory) is spelled in, as
/// [`crate::confine::spelled_work_tree`] answers it, with one walk up per file from its
/// directory (a file has no `.git` below it); `shared`: the first file has no `..`, so the
/// walk asks the directories [`project_root`]'s asks, and its answer serves both.
fn named_files_work_trees(files: &[PathBuf]) -> (Vec<Option<PathBuf>>, bool) {
    let plain = |p: &Path| !p.components().any(|c| c == std::path::Component::ParentDir);
    let trees = files
        .iter()
        .map(|p| {
            if !plain(p) {
                return crate::confine::spelled_work_tree(p);
            }
            let abs = crate::confine::lexical_absolute(p);
            abs.parent().and_then(crate::confine::work_tree_at_or_above)
        })
        .collect();
    (trees, files.first().is_some_and(|p| plain(p)))
}

/// The model keeps every file's syntax tree, for fixes and plans.
pub fn check(req: &Request<'_>) -> Outcome {
    check_with(req, &|_, _| {}, false)
}

/// Like [`check`], calling `on_file(done, total)` while the files are read and parsed.
/// The model it returns is for a report. In a fleet it keeps the syntax trees of files with
/// syntax errors only ([`Model::release_trees`], dropped before the rules ran); outside one
/// it keeps them all and locates a file's secrets only when a finding quotes it (most files
/// are quoted by none). Use [`check`] for fixes, hover and plans.
pub fn check_observed(req: &Request<'_>, on_file: &(dyn Fn(usize, usize) + Sync)) -> Outcome {
    check_with(req, on_file, true)
}

/// What a run naming `paths` reads: `(scan, files_only)`. Directories are read as named;
/// when every path is a file (a pre-commit run, an editor, `show FILE`), the tree they are
/// part of ([`tree_of_files`], else [`project_root`]) and, beside it, any named file that is
/// not a regular file or resolves out of its git work tree (so that its refusal is said).
/// `paths` empty: the current directory. `check` and `show` read the same files for the same
/// paths through this one function.
pub fn scan_for(paths: &[PathBuf], config: &Config) -> (Vec<PathBuf>, bool) {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
    // One `stat` a path: whether it is a directory and whether it is a regular file.
    let kinds: Vec<Option<std::fs::FileType>> =
        paths.iter().map(|p| std::fs::metadata(p).ok().map(|m| m.file_type())).collect();
    let files_only = kinds.iter().all(|k| k.is_some_and(|t| !t.is_dir()));
    if !files_only {
        return (paths, false);
    }
    let (trees, shared) = named_files_work_trees(&paths);
    let first_tree = shared.then(|| trees.first().and_then(|t| t.as_deref()));
    let mut scan =
        vec![tree_of_files(&paths, config).unwrap_or_else(|| project_root_given(&paths, config, first_tree))];
    {
        // A FIFO, socket or device named on the command line is said to be one (SL002), even
        // when its name is not one the project walk picks up.
        let irregular = paths
            .iter()
            .zip(&kinds)
            .filter(|(p, k)| k.is_some_and(|t| !t.is_file()) && crate::discover::classify(p).is_none());
        scan.extend(irregular.map(|(p, _)| p.clone()));
        // So is one that resolves out of its git work tree (through a symlinked directory).
        let leaves = |(p, tree): &(&PathBuf, &Option<PathBuf>)| {
            tree.as_deref().is_some_and(|t| crate::confine::leaves_given_work_tree(p, t).is_some())
        };
        scan.extend(paths.iter().zip(&trees).filter(leaves).map(|(p, _)| p.clone()));
    }
    (scan, true)
}

fn check_with(req: &Request<'_>, on_file: &(dyn Fn(usize, usize) + Sync), release_trees: bool) -> Outcome {
    let paths = if req.paths.is_empty() { vec![PathBuf::from(".")] } else { req.paths.clone() };
    let (scan, files_only) = scan_for(&paths, req.config);
    let options = BuildOptions {
        root: req.config.root.as_deref(),
        root_origin: req.config.root_origin.as_deref(),
        overlay: Some(req.overlay),
        overlay_adds_files: false,
        on_file: Some(on_file),
        cache: None,
        tunnel_paths: &req.config.tunnel_paths,
        redis_version: req.config.redis_version.as_ref(),
        hosts: &req.config.hosts,
        // Outside a fleet, a run keeps the trees, to locate the secrets of the few files its
        // findings quote only ([`crate::model::LoadedFile::secrets`]): most are quoted by none.
        release_trees,
        staged: if files_only { &paths } else { &[] },
        lazy_secrets: true,
        budget: req.budget,
    };
    let mut model = crate::model::build(&scan, &options);
    if release_trees && model.fleet.is_some() {
        model.release_trees();
    }
    let mut diagnostics = run_lines(&model, req.config, !files_only);
    if files_only {
        crate::staged::keep_touching(&model, &mut diagnostics, &paths);
    }
    Outcome { model, diagnostics }
}

/// Why a buffer cannot be checked as the file it names.
#[derive(Debug)]
pub enum BufferRefusal {
    /// The named path (as this machine resolves it) is not inside the checked tree.
    Outside { path: PathBuf, tree: PathBuf },
    /// Something that is not a regular file is at the named path (a directory, a FIFO).
    NotAFile(PathBuf),
    /// The buffer is larger than [`crate::confine::MAX_FILE_SIZE`] (bytes), like a file.
    TooLarge(u64),
}

impl std::fmt::Display for BufferRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |p: &Path| crate::source::display_path(p);
        match self {
            BufferRefusal::Outside { path, tree } => {
                write!(f, "{} is outside the checked tree (the directory {})", show(path), show(tree))
            }
            BufferRefusal::NotAFile(path) => write!(f, "{} is not a regular file", show(path)),
            BufferRefusal::TooLarge(n) => write!(f, "{}", crate::confine::Refusal::TooLarge(*n)),
        }
    }
}

/// Check `bytes` as if they were the file at `path` in its tree (ruff's
/// `--stdin-filename`): the tree is the config's `root` (`--root`) when set, else the project
/// of `path` (see [`project_root`]); the buffer replaces the file there, or is added when no
/// such file exists yet; the findings kept are those that concern `path` (see
/// [`crate::staged::keep_touching`]), shown at `path` as the tree spells it. `path` must resolve inside the tree, and the buffer is held to the size
/// limit of a file (16 MiB). `budget` bounds the bytes the tree's build parses, as in
/// [`Request::budget`].
pub fn check_buffer(
    path: &Path,
    bytes: Vec<u8>,
    config: &Config,
    budget: crate::model::ParseBudget,
    on_file: &(dyn Fn(usize, usize) + Sync),
) -> Result<Outcome, BufferRefusal> {
    if bytes.len() as u64 > crate::confine::MAX_FILE_SIZE {
        return Err(BufferRefusal::TooLarge(bytes.len() as u64));
    }
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(BufferRefusal::NotAFile(path.to_path_buf()));
    }
    let tree = match &config.root {
        Some(r) => r.clone(),
        None => tree_of_files(std::slice::from_ref(&path.to_path_buf()), config)
            .unwrap_or_else(|| project_root(&[path.to_path_buf()], config)),
    };
    // Spelled as the model builder walks it, so that the buffer's path is the file's.
    let tree = crate::confine::clean_argument(&tree);
    let confinement = crate::confine::Confinement::new(&tree, &[]);
    let outside = || BufferRefusal::Outside { path: path.to_path_buf(), tree: tree.clone() };
    let (resolved, tree_resolved) = match (confinement.resolve_new(path), crate::confine::realpath(&tree)) {
        (Ok(p), Ok(t)) => (p, t),
        _ => return Err(outside()),
    };
    // The path as discovery spells the file when it walks the tree, so the buffer takes its
    // place: the tree joined with the path below it (as written, else as resolved).
    let below = crate::confine::relative_to_root(path, &tree)
        .or_else(|| resolved.strip_prefix(&tree_resolved).ok().map(Path::to_path_buf))
        .ok_or_else(outside)?;
    let key = crate::confine::join_below(&tree, &below);
    let overlay: Overlay = std::iter::once((key.clone(), bytes)).collect();
    let options = BuildOptions {
        root: config.root.as_deref(),
        root_origin: config.root_origin.as_deref(),
        overlay: Some(&overlay),
        overlay_adds_files: true,
        on_file: Some(on_file),
        cache: None,
        tunnel_paths: &config.tunnel_paths,
        redis_version: config.redis_version.as_ref(),
        hosts: &config.hosts,
        release_trees: false,
        staged: &[],
        lazy_secrets: false,
        budget,
    };
    let model = crate::model::build(std::slice::from_ref(&tree), &options);
    let mut diagnostics = run(&model, config);
    let mut touches = |p: &Path| p == key || confinement.resolve_new(p).is_ok_and(|r| r == resolved);
    crate::staged::keep_concerning(&model, &mut diagnostics, &mut touches);
    Ok(Outcome { model, diagnostics })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool file of 300 pools keeping sessions in files, a redis.conf of 300 ACL users of a
    /// short password and an env.php of 300 session keys Magento does not read: SL101, SL204
    /// and SL302 make at most [`crate::rules::bound::MADE_PER_LIST`] findings per file
    /// and those a suppression comment covers, the report keeps 100 of each and counts the
    /// other 200 in its summary; the suppressed one is silenced, so its comment is used.
    #[test]
    fn a_finding_per_pool_or_acl_user_is_made_up_to_the_cap_and_the_rest_counted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let put = |rel: &str, text: String| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().expect("dir")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        };
        let n = 300;
        let pools: String = (0..n)
            .map(|i| {
                let ignore = if i == 250 { "; sesslint: ignore[SL101]\n" } else { "" };
                format!("{ignore}[p{i}]\nlisten = /run/p{i}.sock\n")
            })
            .collect();
        put("etc/php/8.2/fpm/pool.d/www.conf", pools);
        let users: String = (0..n)
            .map(|i| {
                let ignore = if i == 250 { "# sesslint: ignore[SL204]\n" } else { "" };
                format!("{ignore}user u{i} on >short{i} ~* +@all\n")
            })
            .collect();
        put("etc/redis/redis.conf", format!("requirepass {}\n{users}", "x".repeat(40)));
        // A Magento session block of 300 keys its session config does not read (SL302).
        let keys: String = (0..n)
            .map(|i| {
                let ignore = if i == 250 { "// sesslint: ignore[SL302]\n" } else { "" };
                format!("{ignore}'option_{i:03}' => '1',\n")
            })
            .collect();
        put(
            "var/www/shop/app/etc/env.php",
            format!(
                "<?php\nreturn ['session' => ['save' => 'redis', 'redis' => [\n'host' => '127.0.0.1', 'port' => '6379', 'database' => '2',\n{keys}]]];\n"
            ),
        );
        let model = crate::model::build(&[dir.path().to_path_buf()], &Default::default());
        let found = crate::rules::check(&model);
        let capped = [Code::FilesSessionHandler, Code::WeakPassword, Code::MagentoSessionConfigInvalid];
        for code in capped {
            let made = found.iter().filter(|d| d.code == code).count();
            assert_eq!(
                made,
                crate::rules::bound::MADE_PER_LIST + 1,
                "{code}: the first {} and the suppressed one",
                crate::rules::bound::MADE_PER_LIST
            );
            let unmade: usize = crate::rules::bound::left_out(&model, code).values().sum();
            assert_eq!(unmade, n - crate::rules::bound::MADE_PER_LIST - 1, "{code}");
        }
        let reported = run(&model, &Default::default());
        for code in capped {
            let of: Vec<&crate::diagnostic::Diagnostic> = reported.iter().filter(|d| d.code == code).collect();
            assert_eq!(of.len(), MAX_PER_RULE_AND_FILE + 1, "{code}");
            let summary = &of[MAX_PER_RULE_AND_FILE].message;
            // 300 findings, one suppressed: 100 shown, 199 counted.
            assert!(
                summary.starts_with(&format!("{} more {code} finding(s)", n - 1 - MAX_PER_RULE_AND_FILE)),
                "{summary}"
            );
        }
        assert!(!reported.iter().any(|d| d.code == crate::codes::Code::UnusedSuppression), "{reported:#?}");
    }

    use crate::codes::Code;
    use crate::diagnostic::{Label, Severity};
    use crate::span::Span;

    fn finding(code: Code, at: usize, related: usize) -> Diagnostic {
        let label = |n: usize| Label::new("etc/redis/redis.conf", Span::new(n, n + 1), "here");
        Diagnostic {
            code,
            name: code.name(),
            severity: Severity::Warning,
            message: "m".into(),
            primary: label(at),
            related: (0..related).map(label).collect(),
            help: None,
            fix: None,
            left_out: Vec::new(),
        }
    }

    #[test]
    fn findings_a_rule_did_not_make_are_counted_as_if_made() {
        // SL001 `errors` times from offset `from` on, after `others` findings of five rules:
        // made all, or only the first `MADE_PER_LIST` and the rest counted, the report is one.
        let sort = |v: &mut Vec<Diagnostic>| v.sort_by_key(|d| (d.primary.span.start, d.code));
        for (others, from, errors) in
            [(0, 0, 150), (0, 0, 101), (10, 5, 3000), (100, 0, 400), (120, 2000, 250), (120, 0, 250)]
        {
            let mut all = Vec::new();
            for (i, &code) in [
                Code::UnknownDirective,
                Code::WeakPassword,
                Code::NoPersistence,
                Code::ProtectedModeOff,
                Code::SessionLockingUnreliable,
            ]
            .iter()
            .enumerate()
            {
                all.extend((0..others).map(|n| finding(code, n * 7 + i, 0)));
            }
            all.extend((0..errors).map(|n| finding(Code::SyntaxError, from + n * 3, 0)));
            sort(&mut all);
            let made_only: Vec<Diagnostic> = {
                let mut seen = 0;
                all.iter()
                    .filter(|d| {
                        d.code != Code::SyntaxError || {
                            seen += 1;
                            seen <= crate::rules::bound::MADE_PER_LIST
                        }
                    })
                    .cloned()
                    .collect()
            };
            let unmade = errors.saturating_sub(crate::rules::bound::MADE_PER_LIST);
            let want = cap_per_rule_and_file(all, &|_, _| 0);
            let got = cap_per_rule_and_file(made_only, &|_, code| if code == Code::SyntaxError { unmade } else { 0 });
            let show = |v: &[Diagnostic]| {
                v.iter().map(|d| format!("{} {} {}", d.code, d.primary.span.start, d.message)).collect::<Vec<_>>()
            };
            assert_eq!(show(&got), show(&want), "{others} {from} {errors}");
            assert!(want.iter().any(|d| d.message.contains("left out")), "{others} {from} {errors}");
        }
    }

    /// `--statistics`, the summary line and the exit code count every finding, those the
    /// caps left out (made or counted unmade) included: a capped report counts as the whole.
    #[test]
    fn a_capped_report_counts_every_finding() {
        // By rule and by severity, as `--statistics` and the summary line count
        // (report::statistics::counts adds up Diagnostic::counted the same way; check may
        // not use report).
        let by_rule = |v: &[Diagnostic]| {
            let mut n: std::collections::BTreeMap<Code, usize> = Default::default();
            for (code, _, k) in v.iter().flat_map(|d| d.counted()) {
                *n.entry(code).or_default() += k;
            }
            n
        };
        let by_severity = |v: &[Diagnostic]| {
            let mut n = [0usize; 3];
            for (_, s, k) in v.iter().flat_map(|d| d.counted()) {
                n[s as usize] += k;
            }
            n
        };
        let mut all = Vec::new();
        for (i, &code) in Code::ALL.iter().enumerate() {
            for n in 0..(40 + i * 13) {
                let mut d = finding(code, i * 10_000 + n, 0);
                d.severity = [Severity::Info, Severity::Warning, Severity::Error][(i + n / 7) % 3];
                all.push(d);
            }
        }
        let kept = cap_per_rule_and_file(all.clone(), &|_, _| 0);
        assert!(kept.len() < all.len() / 2, "{} of {}", kept.len(), all.len());
        assert_eq!(by_rule(&kept), by_rule(&all));
        assert_eq!(by_severity(&kept), by_severity(&all));
        // 2,000 findings of which the rule made the first MADE_PER_LIST.
        let made = crate::rules::bound::MADE_PER_LIST;
        let some: Vec<Diagnostic> = (0..made).map(|n| finding(Code::SyntaxError, n, 0)).collect();
        let kept = cap_per_rule_and_file(some, &|_, _| 2000 - made);
        let c = by_rule(&kept);
        assert_eq!(c.into_iter().collect::<Vec<_>>(), [(Code::SyntaxError, 2000)]);
        assert_eq!(by_severity(&kept).iter().sum::<usize>(), 2000);
    }

    #[test]
    fn findings_are_capped_per_rule_per_file_and_related_places_per_finding() {
        // Every rule 150 times in one file: 100 kept per rule until the file holds 500.
        let mut found = Vec::new();
        for (i, &code) in Code::ALL.iter().enumerate() {
            for n in 0..150 {
                found.push(finding(code, i * 1000 + n, 30));
            }
        }
        let total = found.len();
        let kept = cap_per_rule_and_file(found, &|_, _| 0);
        assert!(kept.len() <= MAX_PER_FILE + Code::ALL.len() + 1, "{} of {total}", kept.len());
        let per_file: Vec<&Diagnostic> =
            kept.iter().filter(|d| d.message.contains(&format!("at most {MAX_PER_FILE} per file)"))).collect();
        assert_eq!(per_file.len(), 1);
        let said: usize = kept
            .iter()
            .filter(|d| d.message.contains("left out (at most"))
            .filter_map(|d| d.message.split(' ').next()?.parse::<usize>().ok())
            .sum();
        let real = kept.iter().filter(|d| !d.message.contains("left out (at most")).count();
        assert_eq!(real + said, total, "every finding is kept or counted");
        assert!(kept.iter().all(|d| d.related.len() <= MAX_RELATED));
        assert!(kept[0].message.contains("10 more related place(s) left out"), "{}", kept[0].message);
    }
}
