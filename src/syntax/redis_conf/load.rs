//! Loading a redis.conf the way redis-server does: directives in order, `include` expanded
//! where it appears (globs sorted, no match skipped), `dir` changing where later relative
//! paths resolve. All file access goes through [`Loader::read`], which reads through the
//! run's [`Confinement`]: inside the checked tree, regular files only, 16 MiB.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::check::{Action, Checker};
use super::fgets::FgetsView;
use super::include_cache::{IncludeCache, Included};
use super::{parse, ArgBytes, LineKind, RedisConf};
use crate::confine::{Confinement, Refusal};
use crate::glob::{fnmatch, has_glob_chars};
use crate::source::Source;
use crate::span::Span;

/// Includes nested deeper than this are refused (redis-server has no limit and crashes on a
/// cycle; a legitimate config never gets near it).
const MAX_INCLUDE_DEPTH: usize = 64;

/// Bytes read through `include` for one top-level file, all includes together: a file
/// included a thousand times (`include a` repeated, or a glob over big files) would
/// otherwise multiply the 16 MiB per-file limit. Four times the per-file limit.
pub const MAX_INCLUDED_BYTES: usize = 4 * crate::confine::MAX_FILE_SIZE as usize;

/// Files read through `include` for one top-level file (glob matches counted one by one):
/// a line repeated a million times, or a glob over a huge directory, stops here.
pub const MAX_INCLUDED_FILES: usize = 10_000;

/// Reads config files. With `root`, absolute paths in the config are looked up below it
/// (`/etc/redis/x.conf` -> `<root>/etc/redis/x.conf`), for checking a copied /etc tree.
#[derive(Clone, Debug, Default)]
pub struct Loader {
    pub root: Option<PathBuf>,
    /// The directory relative paths resolve against at the start (redis-server's cwd).
    /// `None` = this process's current directory.
    pub cwd: Option<PathBuf>,
    /// Record a fatal error and read on (a linter wants every line), instead of stopping
    /// where redis-server stops.
    pub keep_going: bool,
    /// The files are a copy of a machine's tree (`--root DIR` other than `/`): a `dir` or
    /// `logfile` directory absent from the copy goes to [`LoadedConfig::notes`] and reading
    /// goes on, since the machine itself may have it (redis-server there would stop).
    pub tree_is_a_copy: bool,
    /// Where files may be read from (the checked tree; by default the machine without
    /// /proc, /sys and /dev).
    pub confinement: Confinement,
    /// Trees the caller already parsed from the files on disk, by physical path: an
    /// included file found among them is not read nor parsed a second time.
    pub parsed: std::sync::Arc<std::collections::HashMap<PathBuf, std::sync::Arc<RedisConf>>>,
    /// The run's includes, read and parsed once whichever server includes them (clones of
    /// this loader share it). A loader is for one run: files that change meanwhile are not
    /// read again.
    pub includes: Arc<IncludeCache>,
    /// The directories the walk spelled: a file an include or `aclfile` names in a directory
    /// the walk reached another way is the walk's file, not a second one.
    pub spellings: Option<Arc<crate::confine::Spellings>>,
    /// An `include` sesslint does not read by its own rules (outside the checked tree, not a
    /// regular file, too big: not redis-server's refusal) goes to [`LoadedConfig::unread`]
    /// and reading goes on past it, instead of being an error (`sesslint parse`: the file's
    /// own directives after it are still listed).
    pub read_past_unread_includes: bool,
}

/// One directive in load order, includes expanded. Kept small (a 16 MiB config has
/// millions): a name redis-server knows is its `'static` spelling, the file is shared by
/// every directive read from it. How each argument was written is in the file's tree
/// (the line at `span`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedDirective {
    /// Lowercased name as written (an alias stays an alias).
    pub name: Cow<'static, str>,
    /// The arguments after the name, unescaped as redis-server sees them (inline up to 22
    /// bytes).
    pub args: Vec<ArgBytes>,
    /// The file it came from, as the include line named it (the top file as given).
    pub file: Arc<Path>,
    /// 1-based line in that file.
    pub line: usize,
    /// From the name to the end of the last argument, in `file` (byte offsets).
    pub span: Span,
    /// The line redis-server reads is not the line as written: a NUL dropped text inside
    /// it (joining the next line), or a lone `\r` stands in it. Its words may carry another
    /// line's directive and password, so `parse` judges them as a line of their own.
    pub joined: bool,
}

/// Where loading stopped or what it refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub kind: LoadErrorKind,
    /// The directive refused, lowercased as redis-server looks it up (`logfile`); empty for
    /// a line that does not parse and for the checks after the last line.
    pub directive: String,
    pub file: PathBuf,
    pub line: usize,
    /// 1-based column of `span.start` (bytes).
    pub column: usize,
    pub span: Span,
    pub message: String,
}

/// Which step of redis-server's startup refused the config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadErrorKind {
    /// A line the tokenizer refuses (unbalanced quotes, a quote not followed by a blank).
    Syntax,
    /// A directive refused by its checks: unknown name, arity, value (config.c).
    Directive,
    /// An `include` that cannot be read, nests too deep, or includes itself.
    Include,
    /// `dir` names no directory of this machine.
    Dir,
    /// `logfile` cannot be opened after the config is read.
    LogFile,
    /// The sanity checks after the last line (`replicaof` in cluster mode, module configs
    /// without `loadmodule`).
    Sanity,
    /// A `loadmodule` file that does not exist.
    Module,
    /// A `user` rule naming an unknown command or category: accepted while reading, fatal
    /// when redis-server creates the users at startup.
    AclUnknown,
}

/// Notes kept per load ([`LoadedConfig::notes`]); the others are counted
/// ([`LoadedConfig::notes_left_out`]): a file of a million NUL lines is a million notes, and
/// no report lists more than a few hundred (`parse` lists 500 problems per file).
pub const MAX_NOTES: usize = 500;

/// The result of loading one top-level file.
#[derive(Clone, Debug, Default)]
pub struct LoadedConfig {
    pub directives: Vec<LoadedDirective>,
    /// The first fatal error (redis-server stops at it) followed by nothing; empty = accepted.
    pub errors: Vec<LoadError>,
    /// Files read, in order (the top file first).
    pub files: Vec<PathBuf>,
    /// With [`Loader::tree_is_a_copy`]: `dir`/`logfile` paths absent from the copy; and
    /// where a NUL byte cuts what redis-server reads. At most [`MAX_NOTES`] of them.
    pub notes: Vec<LoadError>,
    /// With [`Loader::read_past_unread_includes`]: the includes sesslint did not read; their
    /// directives are missing from `directives`. At most [`MAX_NOTES`] of them.
    pub unread: Vec<LoadError>,
    /// Notes past [`MAX_NOTES`], counted only.
    pub notes_left_out: usize,
    /// Unread includes past [`MAX_NOTES`], counted only.
    pub unread_left_out: usize,
}

impl LoadedConfig {
    /// Keeps `note` while fewer than [`MAX_NOTES`] are kept, else counts it.
    fn note(&mut self, note: LoadError) {
        if self.notes.len() < MAX_NOTES {
            self.notes.push(note);
        } else {
            self.notes_left_out += 1;
        }
    }
}

impl LoadedConfig {
    pub fn accepted(&self) -> bool {
        self.errors.is_empty()
    }
}

/// A chunk of text to parse: one file, or several glob matches concatenated (redis-server
/// concatenates them before splitting lines, so a missing final newline joins two files).
struct Chunk<'a> {
    /// The top file's bytes are borrowed from its `Source`, not copied.
    bytes: Cow<'a, [u8]>,
    /// (offset in `bytes`, path) of each part, ascending; the path is shared with every
    /// directive read from that part.
    parts: Vec<(usize, Arc<Path>)>,
}

struct State {
    checker: Checker,
    cwd: PathBuf,
    /// Canonical paths of the files being included right now (cycle detection).
    active: Vec<PathBuf>,
    out: LoadedConfig,
    logfile: Option<(Vec<u8>, LoadError)>,
    modules: Vec<(Vec<u8>, LoadError)>,
    acl_unknown: Option<LoadError>,
    /// Bytes read through `include` so far (bounded by [`MAX_INCLUDED_BYTES`]).
    included_bytes: usize,
    /// Files read through `include` so far (bounded by [`MAX_INCLUDED_FILES`]).
    included_files: usize,
}

struct Fatal;

impl Loader {
    pub fn new() -> Self {
        Loader::default()
    }

    /// Load a top-level file already read into `source`.
    pub fn load(&self, source: &Source) -> LoadedConfig {
        self.load_parsed(source, None)
    }

    /// Like [`load`](Self::load), with the top file's tree when the caller already parsed
    /// `source.bytes` (so it is not parsed twice).
    pub fn load_parsed(&self, source: &Source, tree: Option<&RedisConf>) -> LoadedConfig {
        let cwd = self.cwd.clone().or_else(|| std::env::current_dir().ok()).unwrap_or_else(|| PathBuf::from("/"));
        // Absolute from here on: a glob joins names to the directory it lists, and a
        // relative one (`sesslint .` gives `./redis`) would be joined to itself again.
        let cwd = std::path::absolute(&cwd).unwrap_or(cwd);
        let mut state = State {
            checker: Checker::new(),
            cwd,
            active: Vec::new(),
            out: LoadedConfig::default(),
            logfile: None,
            modules: Vec::new(),
            acl_unknown: None,
            included_bytes: 0,
            included_files: 0,
        };
        // The top file's path is a real path on this machine (not one below --root).
        if let Ok(canon) = self
            .confinement
            .canonical_path(&source.path)
            .or_else(|_| self.confinement.canonical_path(&self.physical(&state.cwd, &source.path)))
        {
            state.active.push(canon);
        }
        state.out.files.push(source.path.clone());
        let chunk =
            Chunk { bytes: Cow::Borrowed(&source.bytes[..]), parts: vec![(0, Arc::from(source.path.as_path()))] };
        let tree = tree.filter(|t| t.text() == &source.bytes[..]);
        if self.run(&mut state, &chunk, 0, tree).is_ok() {
            self.finish(&mut state);
        }
        state.out
    }

    /// The checks after the last line, in redis-server's order: logfile must open, sanity
    /// checks, modules exist, ACL users can be created.
    fn finish(&self, state: &mut State) {
        if let Some((path, at)) = state.logfile.take() {
            let p = self.on_disk(&self.physical(&state.cwd, Path::new(&*String::from_utf8_lossy(&path))));
            let ok = match p.parent().filter(|d| !d.as_os_str().is_empty()) {
                Some(dir) => dir.is_dir(),
                None => true,
            } && !p.is_dir();
            if !ok {
                let why = if p.is_dir() { "Is a directory" } else { "No such file or directory" };
                let shown = String::from_utf8_lossy(&path);
                let error = LoadError {
                    kind: LoadErrorKind::LogFile,
                    message: format!("Can't open the log file: {why}"),
                    ..at
                };
                if self.tree_is_a_copy && !p.is_dir() {
                    let message = format!("`logfile {shown}`: its directory is absent ({why})");
                    state.out.note(LoadError { message, ..error });
                } else {
                    state.out.errors.push(error);
                    return;
                }
            }
        }
        if let Some(message) = state.checker.finish().into_iter().next() {
            let file = state.out.files.first().cloned().unwrap_or_default();
            state.out.errors.push(LoadError {
                kind: LoadErrorKind::Sanity,
                directive: String::new(),
                file,
                line: 0,
                column: 0,
                span: Span::default(),
                message,
            });
            return;
        }
        for (path, at) in std::mem::take(&mut state.modules) {
            let p = self.on_disk(&self.physical(&state.cwd, Path::new(&*String::from_utf8_lossy(&path))));
            if !p.is_file() {
                state.out.errors.push(LoadError {
                    kind: LoadErrorKind::Module,
                    message: format!(
                        "Module {} failed to load: No such file or directory",
                        String::from_utf8_lossy(&path)
                    ),
                    ..at
                });
                return;
            }
        }
        if let Some(e) = state.acl_unknown.take() {
            state.out.errors.push(e);
        }
    }

    fn run(&self, state: &mut State, chunk: &Chunk<'_>, depth: usize, tree: Option<&RedisConf>) -> Result<(), Fatal> {
        if memchr::memchr(0, &chunk.bytes).is_none() {
            return self.run_view(state, chunk, depth, tree, None);
        }
        // redis-server reads each file with fgets()+sdscat(): a NUL ends what one read keeps,
        // so the text after it and often the newline vanish. Read what it keeps, say where.
        let mut kept = Vec::with_capacity(chunk.bytes.len());
        let mut parts = Vec::with_capacity(chunk.parts.len());
        let mut views = Vec::with_capacity(chunk.parts.len());
        for (i, (start, path)) in chunk.parts.iter().enumerate() {
            let end = chunk.parts.get(i + 1).map_or(chunk.bytes.len(), |p| p.0);
            let file = &chunk.bytes[*start..end];
            let view = FgetsView::of(file);
            // Lines counted from the previous cut on (cuts ascend): a file of NUL lines costs
            // its length, not a count from the start for each.
            let (mut counted_to, mut line) = (0, 1);
            let room = MAX_NOTES.saturating_sub(state.out.notes.len());
            state.out.notes_left_out += view.cuts.len().saturating_sub(room);
            for &cut in view.cuts.iter().take(room) {
                let line_start =
                    memchr::memrchr(b'\n', &file[counted_to..cut]).map_or(counted_to, |i| counted_to + i + 1);
                line += memchr::memchr_iter(b'\n', &file[counted_to..line_start]).count();
                counted_to = line_start;
                state.out.notes.push(LoadError {
                    kind: LoadErrorKind::Syntax,
                    directive: String::new(),
                    file: path.to_path_buf(),
                    line,
                    column: cut - line_start + 1,
                    span: Span::new(cut, cut + 1),
                    message: "NUL byte: redis-server drops the text after it up to the end of the line (the newline \
                              too, so the next line joins this one), or of its 1024-byte read"
                        .into(),
                });
            }
            parts.push((kept.len(), path.clone()));
            kept.extend_from_slice(&view.kept);
            views.push(view);
        }
        let chunk = Chunk { bytes: Cow::Owned(kept), parts };
        self.run_view(state, &chunk, depth, None, Some(&views))
    }

    /// [`Loader::run`] over `chunk`; with `views` (each part's [`FgetsView`]) the chunk is
    /// what redis-server kept and spans map back to the files.
    fn run_view(
        &self,
        state: &mut State,
        chunk: &Chunk<'_>,
        depth: usize,
        tree: Option<&RedisConf>,
        views: Option<&[FgetsView]>,
    ) -> Result<(), Fatal> {
        let parsed;
        let tree = match tree {
            Some(t) => t,
            None => {
                parsed = parse(&chunk.bytes);
                &parsed
            }
        };
        // Sized from the tree: grown by doubling, the list of a 16 MiB file of short lines
        // held up to twice its directives (and copied them on every step). Exact for the top
        // file; amortized for includes, which may be thousands of small files.
        let count = tree.directives().count();
        if state.out.directives.is_empty() {
            state.out.directives.reserve_exact(count);
        } else {
            state.out.directives.reserve(count);
        }
        // Line numbers restart in every part of a concatenated chunk: a line's number is
        // counted from the first line starting in its part. Most lines of a shipped
        // redis.conf are comments: not visited.
        let lines = tree.lines();
        let mut part = 0;
        let mut part_first_line = 0;
        let part_after = |part: usize| chunk.parts.get(part + 1).map_or(usize::MAX, |p| p.0);
        let mut next_part = part_after(part);
        for (index, line) in tree.lines_read() {
            while line.span.start >= next_part {
                part += 1;
                next_part = part_after(part);
                let part_start = chunk.parts[part].0;
                part_first_line = lines.partition_point(|l| l.span.start < part_start);
            }
            let line_in_part = index - part_first_line + 1;
            let file = &chunk.parts[part].1;
            let part_start = chunk.parts[part].0;
            // A span of the chunk as a span of its part's file.
            let in_file = |span: Span| {
                let in_part = Span::new(span.start - part_start, span.end - part_start);
                views.and_then(|v| v.get(part)).map_or(in_part, |view| view.file_span(in_part))
            };
            let at = |span: Span| LoadError {
                kind: LoadErrorKind::Directive,
                directive: String::new(),
                file: file.to_path_buf(),
                line: line_in_part,
                column: column(&chunk.bytes, line.span.start.max(part_start), span.start),
                span: in_file(span),
                message: String::new(),
            };
            let directive = match line.kind {
                // Never in a tree read here: a file with a NUL is read through its FgetsView.
                LineKind::Blank | LineKind::Comment | LineKind::Misread(_) => continue,
                LineKind::Error(_) => {
                    let Some(e) = tree.line_error(line) else { continue };
                    state.out.errors.push(LoadError {
                        kind: LoadErrorKind::Syntax,
                        message: e.message.to_string(),
                        ..at(e.span)
                    });
                    if self.keep_going {
                        continue;
                    }
                    return Err(Fatal);
                }
                LineKind::Directive(_) => match tree.directive(line) {
                    Some(d) => d,
                    None => continue,
                },
            };
            let (name, found) = loaded_name(&directive.name.value);
            let args: Vec<ArgBytes> = directive.args().iter().map(|a| a.value.clone()).collect();
            let span = directive.span();
            let file_span = in_file(span);
            let text = span.slice(&chunk.bytes);
            let joined = file_span.end - file_span.start != span.end - span.start
                || memchr::memchr(b'\r', text).is_some_and(|p| p + 1 < text.len());
            state.out.directives.push(LoadedDirective {
                name: name.clone(),
                args,
                file: file.clone(),
                line: line_in_part,
                span: file_span,
                joined,
            });
            let keep_going = self.keep_going;
            let name = &*name;
            let fail = |state: &mut State, kind: LoadErrorKind, message: String| {
                state.out.errors.push(LoadError { kind, message, directive: name.to_owned(), ..at(span) });
                if keep_going {
                    Ok(())
                } else {
                    Err(Fatal)
                }
            };
            let args = &state.out.directives[state.out.directives.len() - 1].args;
            match state.checker.looked_up(found, args) {
                Err(message) => {
                    fail(state, LoadErrorKind::Directive, message)?;
                    continue;
                }
                Ok(Action::None) => {}
                Ok(Action::LogFile(path)) => {
                    state.logfile = Some((path, LoadError { directive: name.to_owned(), ..at(span) }))
                }
                Ok(Action::LoadModule(path)) => {
                    state.modules.push((path, LoadError { directive: name.to_owned(), ..at(span) }))
                }
                Ok(Action::AclUnknown(message)) => {
                    if state.acl_unknown.is_none() {
                        state.acl_unknown = Some(LoadError {
                            kind: LoadErrorKind::AclUnknown,
                            message,
                            directive: name.to_owned(),
                            ..at(span)
                        });
                    }
                }
                Ok(Action::Dir(path)) => {
                    let target = self.on_disk(&self.physical(&state.cwd, Path::new(&*String::from_utf8_lossy(&path))));
                    match std::fs::metadata(&target) {
                        Ok(m) if m.is_dir() => {
                            state.cwd = self.logical(&state.cwd, Path::new(&*String::from_utf8_lossy(&path)))
                        }
                        Ok(_) => {
                            fail(state, LoadErrorKind::Dir, "Not a directory".into())?;
                            continue;
                        }
                        Err(e) if self.tree_is_a_copy && e.kind() == std::io::ErrorKind::NotFound => {
                            let shown = String::from_utf8_lossy(&path).into_owned();
                            state.out.note(LoadError {
                                kind: LoadErrorKind::Dir,
                                message: format!("`dir {shown}`: {}", strerror(&e)),
                                directive: name.to_owned(),
                                ..at(span)
                            });
                            continue;
                        }
                        Err(e) => {
                            fail(state, LoadErrorKind::Dir, strerror(&e))?;
                            continue;
                        }
                    }
                }
                Ok(Action::Include(path)) => {
                    if state.included_files >= MAX_INCLUDED_FILES {
                        fail(
                            state,
                            LoadErrorKind::Include,
                            format!(
                                "more than {MAX_INCLUDED_FILES} included files for this config; the rest is not read"
                            ),
                        )?;
                        continue;
                    }
                    if depth + 1 > MAX_INCLUDE_DEPTH {
                        fail(
                            state,
                            LoadErrorKind::Include,
                            format!("include nested deeper than {MAX_INCLUDE_DEPTH} files"),
                        )?;
                        continue;
                    }
                    let pattern = String::from_utf8_lossy(&path).into_owned();
                    let (parts, inner_tree) = match self.read_include(state, &pattern) {
                        Ok(Some((_, t))) if state.included_bytes + t.text().len() > MAX_INCLUDED_BYTES => {
                            fail(
                                state,
                                LoadErrorKind::Include,
                                format!(
                                    "includes of this file add up to more than {} MiB; the rest is not read",
                                    MAX_INCLUDED_BYTES >> 20
                                ),
                            )?;
                            continue;
                        }
                        Ok(Some(found)) => found,
                        Ok(None) => continue,
                        Err(message) if self.read_past_unread_includes && message.starts_with(NOT_READ) => {
                            let kind = LoadErrorKind::Include;
                            if state.out.unread.len() < MAX_NOTES {
                                let unread = LoadError { kind, message, directive: name.to_owned(), ..at(span) };
                                state.out.unread.push(unread);
                            } else {
                                state.out.unread_left_out += 1;
                            }
                            continue;
                        }
                        Err(message) => {
                            fail(state, LoadErrorKind::Include, message)?;
                            continue;
                        }
                    };
                    let inner = Chunk { bytes: Cow::Borrowed(inner_tree.text()), parts };
                    let canon: Vec<PathBuf> = inner
                        .parts
                        .iter()
                        .filter_map(|(_, p)| self.confinement.canonical_path(&self.physical(&state.cwd, p)).ok())
                        .collect();
                    if canon.iter().any(|c| state.active.contains(c)) {
                        fail(
                            state,
                            LoadErrorKind::Include,
                            format!("include cycle: '{pattern}' is already being read, so it includes itself (redis-server would crash)"),
                        )?;
                        continue;
                    }
                    state.included_bytes += inner.bytes.len();
                    state.included_files += inner.parts.len();
                    let before = state.active.len();
                    state.active.extend(canon);
                    for (_, p) in &inner.parts {
                        state.out.files.push(p.to_path_buf());
                    }
                    let result = self.run(state, &inner, depth + 1, Some(&inner_tree));
                    state.active.truncate(before);
                    result?;
                }
            }
        }
        Ok(())
    }

    /// The files an include names, each part's offset and path as the line names it, and
    /// their text's tree: `Ok(None)` for a glob without matches. Read and parsed once per
    /// run ([`IncludeCache`]); the errors are replayed in redis-server's order for this
    /// file (a file that cannot be opened, or this top file's includes past
    /// [`MAX_INCLUDED_BYTES`], whichever comes first).
    #[allow(clippy::type_complexity)]
    fn read_include(
        &self,
        state: &State,
        pattern: &str,
    ) -> Result<Option<(Vec<(usize, Arc<Path>)>, Arc<RedisConf>)>, String> {
        let named: Vec<PathBuf> = if has_glob_chars(pattern) {
            // A directory outside the tree is sesslint's refusal (redis-server would list it):
            // worded as sesslint's, as a file outside is ([`cant_open`]).
            let matches = self
                .glob(&state.cwd, pattern)
                .map_err(|(dir, why)| format!("{NOT_READ} '{pattern}': its directory {}: {why}", dir.display()))?;
            if matches.is_empty() {
                return Ok(None);
            }
            if matches.len() > MAX_INCLUDED_FILES {
                return Err(format!("include '{pattern}' matches more than {MAX_INCLUDED_FILES} files; not read"));
            }
            matches
        } else {
            vec![PathBuf::from(pattern)]
        };
        let physical: Vec<PathBuf> = named.iter().map(|m| self.as_walked(self.physical(&state.cwd, m))).collect();
        let key = (self.root.clone(), physical.clone());
        let found = self.includes.get_or_read(key, || self.read_parts(&named, &physical));
        let too_big = || {
            format!("includes of this file add up to more than {} MiB; the rest is not read", MAX_INCLUDED_BYTES >> 20)
        };
        let mut parts = Vec::with_capacity(found.lens.len());
        let mut offset = 0;
        for (len, m) in found.lens.iter().zip(named) {
            // A glob's matches are counted as they are read, as before the cache.
            if has_glob_chars(pattern) && state.included_bytes + offset + len > MAX_INCLUDED_BYTES {
                return Err(too_big());
            }
            parts.push((offset, Arc::from(m)));
            offset += len;
        }
        if let Some(failure) = &found.failure {
            return Err(failure.clone());
        }
        match &found.tree {
            Some(tree) => Ok(Some((parts, tree.clone()))),
            None => Err(too_big()),
        }
    }

    /// Read `named` (physical paths `physical`) in order and parse their concatenation,
    /// stopping at a file that cannot be opened or past [`MAX_INCLUDED_BYTES`]. A single
    /// file the caller parsed already ([`Loader::parsed`]) is not read nor parsed again
    /// ([`Loader::parsed_as_read`]).
    fn read_parts(&self, named: &[PathBuf], physical: &[PathBuf]) -> Included {
        if let [p] = physical {
            if let Some(tree) = self.parsed_as_read(p) {
                return Included { lens: vec![tree.text().len()], failure: None, tree: Some(tree) };
            }
        }
        let mut lens = Vec::with_capacity(named.len());
        let mut all = Vec::new();
        for (m, p) in named.iter().zip(physical) {
            self.includes.count_read();
            let bytes = match self.confinement.read_in(p, self.root.as_deref()) {
                Ok(b) => b,
                Err(e) => return Included { lens, failure: Some(cant_open(m, &e)), tree: None },
            };
            lens.push(bytes.len());
            if all.len() + bytes.len() > MAX_INCLUDED_BYTES {
                return Included { lens, failure: None, tree: None };
            }
            all.extend_from_slice(&bytes);
        }
        let known = match physical {
            [p] => self.parsed.get(p).filter(|t| t.text() == &all[..]).cloned(),
            _ => None,
        };
        let tree = known.unwrap_or_else(|| Arc::new(super::parse_shared(all.into())));
        Included { lens, failure: None, tree: Some(tree) }
    }

    /// The tree the caller parsed of `physical` ([`Loader::parsed`]) when reading it through
    /// `include` would give the same bytes, so it is not read a second time (Debian's
    /// redis.conf is both a server of its own and every other server's include): the path
    /// is no symlink, the only step [`Confinement::read_in`] takes differently from the
    /// caller's read (it follows a last-component link below the root), and its size is the
    /// tree's. Directories on the way resolve alike for both reads; the file is assumed not
    /// to change during one run, as [`IncludeCache`] assumes. `None`: read it.
    fn parsed_as_read(&self, physical: &Path) -> Option<Arc<RedisConf>> {
        let tree = self.parsed.get(physical)?;
        let meta = std::fs::symlink_metadata(physical).ok()?;
        (meta.is_file() && meta.len() == tree.text().len() as u64).then(|| tree.clone())
    }

    /// The one place that reads a file a redis.conf names (`include`, `aclfile`): `path`
    /// as the config wrote it, relative ones against `cwd`, absolute ones below the root,
    /// then through the [`Confinement`]: after `..` and symlinks inside the checked tree,
    /// never /proc, /sys or /dev, regular files only (a FIFO could block), at most 16 MiB.
    /// A directory reads as empty, as fopen()+fgets() on Linux do.
    pub fn read(&self, cwd: &Path, path: &Path) -> Result<Vec<u8>, Refusal> {
        self.confinement.read_in(&self.physical(cwd, path), self.root.as_deref())
    }

    /// A file a loaded config names (`aclfile`), read through the confinement, relative
    /// names taken against the loader's starting directory.
    pub fn read_named(&self, path: &Path) -> Result<Vec<u8>, Refusal> {
        self.confinement.read_in(&self.physical_of(path), self.root.as_deref())
    }

    /// Where a file a loaded config names (a `LoadedDirective::file`) is on this machine,
    /// relative names taken against the loader's starting directory.
    pub fn physical_of(&self, path: &Path) -> PathBuf {
        let cwd = self.cwd.clone().or_else(|| std::env::current_dir().ok()).unwrap_or_else(|| PathBuf::from("/"));
        self.as_walked(self.physical(&cwd, path))
    }

    /// `physical` as the walk spelled its directory ([`Loader::spellings`]), so the file a
    /// config names and the file the walk found are one path.
    fn as_walked(&self, physical: PathBuf) -> PathBuf {
        match &self.spellings {
            Some(s) if !self.parsed.contains_key(&physical) => {
                s.respell(&physical, self.root.as_deref().unwrap_or(Path::new("/"))).unwrap_or(physical)
            }
            _ => physical,
        }
    }

    /// Where a path from the config is on this machine: relative paths against `cwd`,
    /// absolute ones below `root` when set.
    fn physical(&self, cwd: &Path, path: &Path) -> PathBuf {
        let logical = self.logical(cwd, path);
        let below_root = match &self.root {
            Some(root) if logical.is_absolute() && !cwd_is_physical(cwd, root) => {
                Some((root.as_path(), crate::confine::under_root(root, &logical)))
            }
            _ => None,
        };
        if !path.is_absolute() || !logical.components().any(|c| c == Component::ParentDir) {
            return below_root.map_or(logical, |(_, p)| p);
        }
        // redis-server fopen()s the path: the kernel takes `lnk/..` after following `lnk`
        // (not the directory holding it), and `/..` is `/`. The directory part is resolved
        // so (below the root), the name kept, so a file found by the walk is the same path.
        let (root, p) = below_root.unwrap_or((Path::new("/"), logical));
        match (p.parent(), p.file_name()) {
            (Some(dir), Some(name)) if !p.ends_with("..") => crate::confine::resolve_under_root(dir, root).join(name),
            _ => crate::confine::resolve_under_root(&p, root),
        }
    }

    /// `physical` (a path [`Loader::physical`] gave) where the read opens it: below the
    /// root, its symlinks followed there ([`crate::confine::Confinement::under`]).
    fn on_disk(&self, physical: &Path) -> PathBuf {
        crate::confine::Confinement::under(physical, self.root.as_deref())
    }

    fn logical(&self, cwd: &Path, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            cwd.join(path)
        }
    }

    /// `glob(3)` with flags 0: matches sorted, hidden files only when the pattern names them.
    /// A directory outside the checked tree is not listed: `Err((dir, why))`.
    fn glob(&self, cwd: &Path, pattern: &str) -> Result<Vec<PathBuf>, (PathBuf, Refusal)> {
        use std::os::unix::ffi::{OsStrExt, OsStringExt};
        let absolute = pattern.starts_with('/');
        let components: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
        // Each candidate: (path as glob(3) would print it, as bytes: names need not be UTF-8;
        // logical path).
        let start_print = if absolute { b"/".to_vec() } else { Vec::new() };
        let start_logical = if absolute { PathBuf::from("/") } else { cwd.to_path_buf() };
        let mut frontier: Vec<(Vec<u8>, PathBuf)> = vec![(start_print, start_logical)];
        for (i, comp) in components.iter().enumerate() {
            let last = i + 1 == components.len();
            let mut next = Vec::new();
            for (printed, logical) in &frontier {
                let join = |name: &[u8]| {
                    let mut p = printed.clone();
                    if !(p.is_empty() || p.ends_with(b"/")) {
                        p.push(b'/');
                    }
                    p.extend_from_slice(name);
                    (p, logical.join(std::ffi::OsStr::from_bytes(name)))
                };
                if !has_glob_chars(comp) {
                    let (p, l) = join(comp.as_bytes());
                    // Tested where the read opens it, not on this machine.
                    let phys = self.on_disk(&self.physical(cwd, &l));
                    if (last && phys.exists()) || (!last && phys.is_dir()) {
                        next.push((p, l));
                    }
                    continue;
                }
                let dir = self.on_disk(&self.physical(cwd, logical));
                if let Err(why @ (Refusal::Outside { .. } | Refusal::Pseudo { .. })) = self.confinement.resolve(&dir) {
                    return Err((logical.clone(), why));
                }
                let Ok(entries) = std::fs::read_dir(&dir) else { continue };
                let mut names: Vec<Vec<u8>> =
                    entries.filter_map(Result::ok).map(|e| e.file_name().into_vec()).collect();
                // glob(3) sorts with strcoll(); redis-server runs in the C locale: bytes.
                names.sort();
                for name in names {
                    if name.starts_with(b".") && !comp.starts_with('.') {
                        continue;
                    }
                    if fnmatch(comp.as_bytes(), &name) {
                        let (p, l) = join(&name);
                        if last || self.on_disk(&self.physical(cwd, &l)).is_dir() {
                            next.push((p, l));
                        }
                    }
                }
            }
            // A pattern over a huge tree (`/*/*/*/*`) stops growing here; the caller refuses it.
            next.truncate(MAX_INCLUDED_FILES + 1);
            frontier = next;
        }
        let mut out: Vec<Vec<u8>> = frontier.into_iter().map(|(p, _)| p).collect();
        out.sort();
        out.dedup();
        Ok(out.into_iter().map(|p| PathBuf::from(std::ffi::OsString::from_vec(p))).collect())
    }
}

/// Whether `cwd` is a directory of this machine below the root (not one as redis-server
/// would see it): compared as absolute paths, whatever spelling each came in.
fn cwd_is_physical(cwd: &Path, root: &Path) -> bool {
    crate::confine::relative_to_root(cwd, root).is_some()
}

/// A directive's name lowercased as redis-server looks it up (`sdstolower`), lowercased on
/// the stack: a name redis-server knows is its `'static` spelling, only others allocate.
/// With what [`super::directives::lookup`] says of it, found in the same probe.
fn loaded_name(written: &[u8]) -> (Cow<'static, str>, super::directives::Lookup) {
    let mut buf = [0u8; 64];
    if let Some(lower) = buf.get_mut(..written.len()) {
        lower.copy_from_slice(written);
        lower.make_ascii_lowercase();
        if let Some((known, found)) = std::str::from_utf8(lower).ok().and_then(super::directives::known) {
            return (Cow::Borrowed(known), found);
        }
    }
    let name = String::from_utf8_lossy(written).to_ascii_lowercase();
    let found = super::directives::lookup(&name);
    (Cow::Owned(name), found)
}

fn column(bytes: &[u8], line_start: usize, at: usize) -> usize {
    let prefix = &bytes[line_start.min(bytes.len())..at.min(bytes.len())];
    match std::str::from_utf8(prefix) {
        Ok(s) => s.chars().count() + 1,
        Err(_) => prefix.len() + 1,
    }
}

fn strerror(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".into(),
        _ => {
            let s = e.to_string();
            // "Not a directory (os error 20)" -> "Not a directory"
            s.split(" (os error").next().unwrap_or(&s).to_string()
        }
    }
}

/// How the message of an include sesslint does not read by its own rules begins.
pub const NOT_READ: &str = "sesslint does not read the included";

/// Why an include was not read: redis-server's own abort message when the file cannot be
/// opened, sesslint's policy (outside the checked tree, /proc, not a regular file, too big)
/// worded as sesslint's, since redis-server would have tried it.
fn cant_open(path: &Path, e: &Refusal) -> String {
    match e {
        Refusal::Io(e) => format!("Fatal error, can't open config file '{}': {}", path.display(), strerror(e)),
        other => format!("{NOT_READ} '{}': {other}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_globs_and_cycles() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("main.conf"), "port 1\ninclude conf.d/*.conf\ninclude none/*.conf\nport 2\n").unwrap();
        std::fs::create_dir(d.join("conf.d")).unwrap();
        std::fs::write(d.join("conf.d/b.conf"), "maxmemory 2mb\n").unwrap();
        std::fs::write(d.join("conf.d/a.conf"), "maxmemory 1mb").unwrap();
        let loader = Loader { cwd: Some(d.to_path_buf()), ..Loader::default() };
        let src = Source::read(&d.join("main.conf")).unwrap();
        let loaded = loader.load(&src);
        // a.conf has no final newline: its line joins b.conf's first line, as in redis-server.
        assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
        assert_eq!(loaded.errors[0].message, "wrong number of arguments");
        assert!(loaded.errors[0].file.ends_with("conf.d/a.conf"));

        std::fs::write(d.join("conf.d/a.conf"), "maxmemory 1mb\n").unwrap();
        // A loader reads each include once: files changed since, a new run, a new loader.
        let loader = Loader { cwd: Some(d.to_path_buf()), ..Loader::default() };
        let loaded = loader.load(&src);
        assert!(loaded.accepted(), "{:?}", loaded.errors);
        let names: Vec<(&str, usize)> = loaded.directives.iter().map(|d| (&*d.name, d.line)).collect();
        assert_eq!(
            names,
            [("port", 1), ("include", 2), ("maxmemory", 1), ("maxmemory", 1), ("include", 3), ("port", 4)]
        );

        std::fs::write(d.join("self.conf"), "include self.conf\n").unwrap();
        let loaded = loader.load(&Source::read(&d.join("self.conf")).unwrap());
        assert!(loaded.errors[0].message.contains("cycle"));

        std::fs::write(d.join("missing.conf"), "include nothere.conf\n").unwrap();
        let loaded = loader.load(&Source::read(&d.join("missing.conf")).unwrap());
        assert_eq!(
            loaded.errors[0].message,
            "Fatal error, can't open config file 'nothere.conf': No such file or directory"
        );
        assert_eq!(loaded.errors[0].kind, LoadErrorKind::Include);
    }

    #[test]
    fn each_directive_keeps_its_span_in_its_own_file_and_shares_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("top.conf"), "port \"6380\"\ninclude b.conf\n").unwrap();
        std::fs::write(d.join("b.conf"), "# b\n  maxmemory '1mb'\nMaxMemory-Policy noeviction\nmy.mod 1\n").unwrap();
        let loader = Loader { cwd: Some(d.to_path_buf()), keep_going: true, ..Loader::default() };
        let loaded = loader.load(&Source::read(&d.join("top.conf")).unwrap());
        let written: Vec<(String, String)> = loaded
            .directives
            .iter()
            .map(|ld| {
                let bytes = std::fs::read(d.join(&ld.file)).unwrap();
                (ld.name.to_string(), String::from_utf8_lossy(ld.span.slice(&bytes)).into_owned())
            })
            .collect();
        let expected = [
            ("port", "port \"6380\""),
            ("include", "include b.conf"),
            ("maxmemory", "maxmemory '1mb'"),
            ("maxmemory-policy", "MaxMemory-Policy noeviction"),
            ("my.mod", "my.mod 1"),
        ];
        let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(written, expected);
        // Known names are the table's own strings; the three lines of b.conf share one path.
        assert!(matches!(loaded.directives[3].name, Cow::Borrowed(_)));
        assert!(matches!(loaded.directives[4].name, Cow::Owned(_)));
        assert!(Arc::ptr_eq(&loaded.directives[2].file, &loaded.directives[4].file));
        assert_eq!(loaded.directives[0].args, [ArgBytes::from(&b"6380"[..])]);
    }

    #[test]
    fn an_include_shared_by_servers_is_read_once_per_run() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("x")).unwrap();
        std::fs::write(d.join("x/p1.inc"), "maxmemory 1mb\n").unwrap();
        std::fs::write(d.join("x/p2.inc"), "maxmemory-policy noeviction\n").unwrap();
        std::fs::write(d.join("one.inc"), "port 7000\n").unwrap();
        let loader = Loader { cwd: Some(d.to_path_buf()), keep_going: true, ..Loader::default() };
        let mut seen = Vec::new();
        for i in 0..5 {
            // Spelled relative or absolute, the same files are the same read.
            let glob = if i % 2 == 0 { "x/*.inc".to_owned() } else { format!("{}/x/*.inc", d.display()) };
            std::fs::write(d.join(format!("r{i}.conf")), format!("include {glob}\ninclude one.inc\n")).unwrap();
            let loaded = loader.load(&Source::read(&d.join(format!("r{i}.conf"))).unwrap());
            assert!(loaded.accepted(), "{:?}", loaded.errors);
            let names: Vec<(&str, usize)> = loaded.directives.iter().map(|d| (&*d.name, d.line)).collect();
            assert_eq!(names, [("include", 1), ("maxmemory", 1), ("maxmemory-policy", 1), ("include", 2), ("port", 1)]);
            seen.push(loaded.directives[2].file.to_path_buf());
        }
        // Two glob matches and one file: three reads for five servers, not fifteen.
        assert_eq!(loader.includes.reads(), 3);
        // Each server still names the file as its own include line spelled it.
        assert!(seen[0].starts_with("x/") && seen[1].starts_with(d), "{seen:?}");

        // A file that cannot be opened is reported to every server that includes it.
        std::fs::write(d.join("bad.conf"), "include nothere.conf\n").unwrap();
        for _ in 0..2 {
            let loaded = loader.load(&Source::read(&d.join("bad.conf")).unwrap());
            assert_eq!(
                loaded.errors[0].message,
                "Fatal error, can't open config file 'nothere.conf': No such file or directory"
            );
        }
        assert_eq!(loader.includes.reads(), 4);
    }

    #[test]
    fn an_include_the_caller_parsed_is_not_read_again_unless_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("redis.conf"), "port 7000\nmaxmemory 1mb\n").unwrap();
        std::fs::write(d.join("top.conf"), "include redis.conf\nport 7001\n").unwrap();
        std::os::unix::fs::symlink(d.join("redis.conf"), d.join("link.conf")).unwrap();
        std::fs::write(d.join("via-link.conf"), "include link.conf\n").unwrap();
        let shared = Arc::new(super::super::parse_shared(std::fs::read(d.join("redis.conf")).unwrap().into()));
        // The caller's tree of link.conf holds other bytes: only a read says what the link gives.
        let other = Arc::new(super::super::parse_shared(b"port 1\n".to_vec().into()));
        let parsed = [(d.join("redis.conf"), shared.clone()), (d.join("link.conf"), other)].into_iter().collect();
        let loader =
            Loader { cwd: Some(d.to_path_buf()), keep_going: true, parsed: Arc::new(parsed), ..Loader::default() };
        let plain = Loader { cwd: Some(d.to_path_buf()), keep_going: true, ..Loader::default() };
        let top = Source::read(&d.join("top.conf")).unwrap();
        let (with_tree, read) = (loader.load(&top), plain.load(&top));
        // No read, the caller's tree, and what reading it gives: directives, files, lines, spans.
        assert_eq!(loader.includes.reads(), 0);
        assert_eq!(plain.includes.reads(), 1);
        assert_eq!(with_tree.directives, read.directives);
        assert_eq!(with_tree.files, read.files);
        assert_eq!(with_tree.directives[1].line, 1);
        assert!(with_tree.directives[1].file.ends_with("redis.conf"));
        let linked = loader.load(&Source::read(&d.join("via-link.conf")).unwrap());
        assert_eq!(loader.includes.reads(), 1);
        let args: Vec<&ArgBytes> = linked.directives.iter().flat_map(|d| &d.args).collect();
        assert_eq!(args[1], &ArgBytes::from(&b"7000"[..]), "{:?}", linked.directives);
    }

    #[test]
    fn errors_say_which_step_refused_not_by_their_wording() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let loader = Loader { cwd: Some(d.to_path_buf()), keep_going: true, ..Loader::default() };
        // A user named `include` is no include problem, whatever the message says.
        let text = "user include on +nosuch\nport 1 2\ndir /nonexistent-dir\n\"open\n";
        std::fs::write(d.join("r.conf"), text).unwrap();
        let loaded = loader.load(&Source::read(&d.join("r.conf")).unwrap());
        let kinds: Vec<LoadErrorKind> = loaded.errors.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [LoadErrorKind::Directive, LoadErrorKind::Dir, LoadErrorKind::Syntax, LoadErrorKind::AclUnknown],
            "{:?}",
            loaded.errors
        );
        assert!(loaded.errors[3].message.contains("named 'include'"));
        let names: Vec<&str> = loaded.errors.iter().map(|e| e.directive.as_str()).collect();
        assert_eq!(names, ["port", "dir", "", "user"]);
    }

    #[test]
    fn each_nul_is_noted_on_its_own_line() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let loader = Loader { cwd: Some(d.to_path_buf()), keep_going: true, ..Loader::default() };
        // Two NULs of one long line (two reads), NUL-first lines, a NUL after text.
        let mut text = b"port 1\n\0".to_vec();
        text.extend(vec![b'y'; 1100]);
        text.extend(b"\0\n\0\n\0\nport 2\nb\0c\n");
        std::fs::write(d.join("r.conf"), &text).unwrap();
        let loaded = loader.load(&Source::read(&d.join("r.conf")).unwrap());
        let at: Vec<(usize, usize)> = loaded.notes.iter().map(|n| (n.line, n.column)).collect();
        assert_eq!(at, [(2, 1), (2, 1102), (3, 1), (4, 1), (6, 2)], "{:?}", loaded.notes);
    }
}
