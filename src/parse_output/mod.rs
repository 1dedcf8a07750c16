//! `sesslint parse`: the values of one file exactly as the real program computes them.
//! This output is a contract that the conformance tests compare with PHP and redis-server.

mod env_php;
mod env_php_tree;
mod ini;
mod mask;
mod redis;
mod redis_acl;

use std::path::{Path, PathBuf};

use crate::php_value::PhpArray;
use crate::source::Source;
use crate::syntax::redis_conf::LoadedDirective;
use crate::syntax::{FileKind, SyntaxError};

/// What the real program makes of a file.
#[derive(Debug)]
pub struct ParseOutput {
    pub kind: FileKind,
    /// ini: `parse_ini_file($f, true)`; env.php: `include $f`; redis.conf: the directive list.
    /// [`Values::write_json`] writes the JSON `sesslint parse` prints.
    pub value: Values,
    /// Why the real program would refuse the file (or, when accepted, what it silently did).
    pub problems: Vec<Problem>,
    /// Whether the real program accepts the file.
    pub accepted: bool,
    /// Whether `value` is all the program computes: `false` when a file it names was not
    /// read (a redis.conf `include` outside the checked tree), whose values are missing and
    /// whose verdict (`accepted`) is unknown; `problems` says which.
    pub complete: bool,
}

/// The values of a parsed file, written as JSON straight from what the parser computed
/// (its `Serialize` impl), secrets masked while writing unless `--show-secrets`. The JSON
/// is `json_encode()`'s shape: PHP lists as arrays, other arrays as objects in PHP's order,
/// invalid UTF-8 as U+FFFD.
#[derive(Debug)]
pub enum Values {
    /// An env.php whose values are all static, serialised from its tree (masked on the way).
    EnvPhp(env_php_tree::TreeJson),
    /// Any other env.php, built as a whole and already masked (unknown values `null`).
    Json(serde_json::Value),
    /// `parse_ini_file($f, true)`: the array, or `None` for PHP's `false`.
    Ini { array: Option<PhpArray>, mask: bool },
    /// redis.conf and ACL files: `{"directive", "args", "file", "line"}` per directive.
    Directives { list: Vec<LoadedDirective>, mask: bool },
}

impl serde::Serialize for Values {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Values::EnvPhp(tree) => tree.serialize(serializer),
            Values::Json(v) => v.serialize(serializer),
            Values::Ini { array: None, .. } => serializer.serialize_bool(false),
            Values::Ini { array: Some(a), mask } => ini::IniJson::top(a, *mask).serialize(serializer),
            Values::Directives { list, mask } => redis::DirectivesJson { list, mask: *mask }.serialize(serializer),
        }
    }
}

impl Values {
    /// The values as a `serde_json::Value` (tests, small files: the whole tree in memory).
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The JSON `sesslint parse` prints, written to `out` as it is computed (compact, or
    /// indented when `pretty`), every character a terminal does not show as itself escaped
    /// as `\uXXXX` ([`crate::source::is_unprintable`]: C0 and C1 controls, bidi controls,
    /// line separators, zero-width and other invisible characters): a section, key, value or
    /// file name never reorders or hides the printed line, and the JSON still decodes to the
    /// value as the program computes it.
    pub fn write_json<W: std::io::Write>(&self, out: W, pretty: bool) -> serde_json::Result<()> {
        use serde::Serialize;
        if pretty {
            self.serialize(&mut serde_json::Serializer::with_formatter(
                out,
                Escaping(serde_json::ser::PrettyFormatter::new()),
            ))
        } else {
            self.serialize(&mut serde_json::Serializer::with_formatter(
                out,
                Escaping(serde_json::ser::CompactFormatter),
            ))
        }
    }
}

/// A JSON formatter (`F`'s layout) that writes the characters [`crate::source::is_unprintable`]
/// names as `\uXXXX` escapes (a surrogate pair past U+FFFF); serde_json escapes only `"`,
/// `\` and C0 controls itself, and writes U+202E or U+0085 as they are.
struct Escaping<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(&mut self, w: &mut W, fragment: &str) -> std::io::Result<()> {
        // Printable ASCII (nearly every value) has none; C0 controls reach here escaped
        // already, but DEL (U+007F) is ASCII, unprintable and left to this formatter.
        if fragment.bytes().all(|b| b.is_ascii() && !crate::source::is_unprintable(char::from(b))) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if crate::source::is_unprintable(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// A problem located in a file, with 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Problem {
    pub fn at(source: &Source, error: &SyntaxError) -> Problem {
        let pos = source.position(error.span.start);
        Problem { path: source.path.clone(), line: pos.line, column: pos.column, message: error.message.to_string() }
    }
}

/// Problems listed per file by `parse`; the rest are counted in one last problem, so that a
/// file of a hundred thousand broken entries prints a bounded report (as `check` caps its
/// findings per file).
pub const MAX_PROBLEMS: usize = 500;

/// `errors` as problems, at most [`MAX_PROBLEMS`] of them located (a position is a scan of
/// its line), then one saying how many more there are.
pub fn problems_of(source: &Source, errors: &[SyntaxError]) -> Vec<Problem> {
    let mut out: Vec<Problem> = errors.iter().take(MAX_PROBLEMS).map(|e| Problem::at(source, e)).collect();
    if errors.len() > MAX_PROBLEMS {
        let last = &errors[MAX_PROBLEMS];
        let message =
            format!("{} more problem(s) in this file left out (at most {MAX_PROBLEMS})", errors.len() - MAX_PROBLEMS);
        out.push(Problem::at(source, &SyntaxError::new(last.span, message)));
    }
    out
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.path.display().to_string();
        let (path, message) = (crate::source::printable(&path), crate::source::printable(&self.message));
        write!(f, "{path}:{}:{}: {message}", self.line, self.column)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{}: {why}", crate::source::printable(&path.display().to_string()))]
    Refused { path: PathBuf, why: String },
}

/// How to compute a file's values.
#[derive(Clone, Debug, Default)]
pub struct ParseOptions {
    /// The file's dialect; detected from its name and content when `None`.
    pub kind: Option<FileKind>,
    /// `${NAME}` values for ini files (`--env NAME=VALUE`). sesslint's own environment is
    /// never used: the variables PHP sees are PHP's, and a CI job's would leak its tokens.
    pub env: Vec<(Vec<u8>, Vec<u8>)>,
    /// Print passwords as they are instead of `********`.
    pub show_secrets: bool,
    /// Read the file, and resolve a symlink's or a redis.conf `include`'s absolute path, below
    /// this directory (`--root DIR`, as for `check`); `None`: the tree `check` finds for
    /// the file (see `Tree::of`).
    pub root: Option<std::path::PathBuf>,
    /// Lowercase names whose values a save path in another file given to the same `parse`
    /// takes as its password (`auth=${pw}` in a pool, php.ini's `pw = ...`): masked in an
    /// ini file's values as its own save paths' are. See [`parse_files`].
    pub referenced: Vec<Vec<u8>>,
}

/// Read `path` (a regular file of at most 16 MiB, never /proc, /sys or /dev) and compute
/// what its program sees.
pub fn parse_file(path: &Path, options: &ParseOptions) -> Result<ParseOutput, ReadError> {
    is_a_file(path)?;
    has_a_dialect(path, options)?;
    let tree = Tree::of(path, options.root.as_deref());
    let bytes = read_confined(path, &tree)?;
    Ok(parse_in(&Source::new(path, bytes), options, Some(&tree)))
}

/// The tree `parse` reads a named file and the files it names (a redis.conf's `include`) in,
/// chosen as `check` chooses it for a file it is given ([`crate::check::check`]): `--root`,
/// else the copied tree the file is part of ([`crate::discover::tree_top`]: an `etc/` at its
/// top), else this machine with reads confined to the file's project (the directory of its
/// `sesslint.toml`, its git work tree, else its own directory). Nothing outside is opened: a
/// symlinked file or an `include` leading out of it is refused, as `check` refuses it.
pub(crate) struct Tree {
    /// Where absolute paths resolve (a symlink's target, an `include /etc/...`): `None` for
    /// this machine.
    pub root: Option<PathBuf>,
    /// Whether `root` is `--root` (a detected tree needs no hint to give one).
    pub given: bool,
    /// What may be read.
    pub confinement: crate::confine::Confinement,
}

impl Tree {
    pub fn of(path: &Path, root: Option<&Path>) -> Tree {
        let project = || {
            let mut config = crate::config::Config::default();
            config.path = crate::config::Config::find(path);
            crate::check::project_root(&[path.to_path_buf()], &config)
        };
        match root {
            // As `check --root R FILE`: the root and the file's project.
            Some(r) => Tree {
                root: Some(r.to_path_buf()),
                given: true,
                confinement: crate::confine::Confinement::new(r, &[project()]),
            },
            None => match crate::discover::tree_top(path) {
                Some(top) => {
                    let confinement = crate::confine::Confinement::new(&top, &[]);
                    Tree { root: Some(top), given: false, confinement }
                }
                None => Tree {
                    root: None,
                    given: false,
                    confinement: crate::confine::Confinement::for_detected_root(&[project()]),
                },
            },
        }
    }

    /// The root a file's absolute paths resolve below, when it is not this machine's `/`.
    fn copy_root(&self) -> Option<&Path> {
        self.root.as_deref().filter(|r| crate::confine::lexical_absolute(r) != Path::new("/"))
    }
}

/// Bytes of the files given to one [`parse_files`] held between finding the names their save
/// paths reference and printing their values (four files at the 16 MiB read limit): past
/// it, a file is read again when its values are computed, so memory stays bounded however
/// many files are named.
pub const HELD_BYTES: usize = 64 << 20;

/// [`parse_file`] for each of `paths` in order, handing each result to `each` (which may
/// stop the run with its error), each file read once (up to [`HELD_BYTES`] held). With
/// several files and secrets masked, an ini file's values that a save path among the
/// files spells as `${name}` are masked ([`ParseOptions::referenced`], see
/// [`referenced_names`]), found before the first file's values are given.
pub fn parse_files<E>(
    paths: &[PathBuf],
    options: &ParseOptions,
    mut each: impl FnMut(&Path, Result<ParseOutput, ReadError>) -> Result<(), E>,
) -> Result<(), E> {
    if options.show_secrets || paths.len() < 2 {
        for path in paths {
            each(path, parse_file(path, options))?;
        }
        return Ok(());
    }
    let mut held: Vec<Option<Result<std::sync::Arc<[u8]>, ReadError>>> = Vec::with_capacity(paths.len());
    let mut held_bytes = 0usize;
    let mut all = ini::References::default();
    for path in paths {
        let read = is_a_file(path)
            .and_then(|()| has_a_dialect(path, options))
            .and_then(|()| read_confined(path, &Tree::of(path, options.root.as_deref())))
            .map(std::sync::Arc::<[u8]>::from);
        if let Ok(bytes) = &read {
            all.extend(references_of(path, bytes, options));
        }
        let size = read.as_ref().map_or(0, |b| b.len());
        if held_bytes + size <= HELD_BYTES {
            held_bytes += size;
            held.push(Some(read));
        } else {
            held.push(None);
        }
    }
    let options = ParseOptions { referenced: all.closure(), ..options.clone() };
    for (path, read) in paths.iter().zip(held) {
        let parsed = match read {
            Some(read) => read.map(|bytes| parse_source_with(&Source::new(path, bytes), &options)),
            None => parse_file(path, &options),
        };
        each(path, parsed)?;
    }
    Ok(())
}

/// A directory is refused: `parse` prints a file's values (the confinement reads a
/// directory as empty, which would print `[]` as if it set nothing).
fn is_a_file(path: &Path) -> Result<(), ReadError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(ReadError::Refused {
            path: path.to_owned(),
            why: "is a directory: parse takes files (check takes directories)".into(),
        }),
        _ => Ok(()),
    }
}

/// Without `--kind`, a file whose name says it is Redis Sentinel's is refused: discovery
/// reads no such file, and redis-server refuses its `sentinel` lines outside sentinel mode,
/// so its values as a redis.conf would be what no program sees (its name alone decides, as
/// discovery's does: [`FileKind::guess`]).
fn has_a_dialect(path: &Path, options: &ParseOptions) -> Result<(), ReadError> {
    if options.kind.is_some() || FileKind::guess(path, b"").is_some() {
        return Ok(());
    }
    Err(ReadError::Refused {
        path: path.to_owned(),
        why: "its name says it is Redis Sentinel's (redis-server reads it only as `redis-server --sentinel`), \
              which parse has no dialect for; `--kind redis` reads it as a redis.conf"
            .into(),
    })
}

/// `path` read as [`parse_file`] reads it: inside its [`Tree`] (and inside the git work tree
/// it is named in), a symlink's absolute target below the tree's root, a regular file of at
/// most 16 MiB, never /proc, /sys or /dev.
fn read_confined(path: &Path, tree: &Tree) -> Result<Vec<u8>, ReadError> {
    let refused = |why: String| ReadError::Refused { path: path.to_owned(), why };
    // Named inside a git work tree, it must stay in it (a tracked `confdir -> ..` link).
    if let Some(why) = crate::confine::leaves_work_tree(path) {
        return Err(refused(why.to_string()));
    }
    let root = tree.copy_root();
    tree.confinement.read_in(path, root).map_err(|why| {
        let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if root.is_some() && link && why.is_not_found() {
            // `check`'s words: where the link leads on this machine is never told.
            refused("a symlink to nothing below the root".into())
        } else {
            refused(why.to_string())
        }
    })
}

/// The `${name}` references of one file's save paths (none unless it is an ini file holding
/// a `${`): the names a `${name}` in a save path's credential spells (php.ini, its
/// `[PATH=]`/`[HOST=]` sections, a pool's `php_value[session.save_path]`, a `.user.ini`),
/// and the names each entry's value spells, so that across the files given the names their
/// values spell in turn are found too: PHP takes `${pw}` from the configuration it has read
/// (php-fpm -tt shows a pool's `auth=${pw}` as php.ini's `pw`).
fn references_of(path: &Path, bytes: &std::sync::Arc<[u8]>, options: &ParseOptions) -> ini::References {
    let mut refs = ini::References::default();
    if memchr::memmem::find(bytes, b"${").is_none() {
        return refs;
    }
    if options.kind.unwrap_or_else(|| FileKind::detect(path, bytes)) != FileKind::Ini {
        return refs;
    }
    let doc = crate::syntax::ini::parse_shared(bytes.clone(), crate::syntax::ini::ScanMode::WholeFile);
    refs.extend(ini::references(&doc));
    refs
}

/// Like [`parse_file`] for bytes already in memory (an editor buffer, a test case), secrets
/// masked and no environment. redis.conf `include`s are still read from disk.
pub fn parse_source(source: &Source, kind: Option<FileKind>) -> ParseOutput {
    parse_source_with(source, &ParseOptions { kind, ..ParseOptions::default() })
}

/// [`parse_source`] with every option.
pub fn parse_source_with(source: &Source, options: &ParseOptions) -> ParseOutput {
    parse_in(source, options, None)
}

/// [`parse_source_with`] in `tree` when the caller found it already (else the source's own,
/// [`Tree::of`], for a redis.conf: the only kind that reads other files).
fn parse_in(source: &Source, options: &ParseOptions, tree: Option<&Tree>) -> ParseOutput {
    let kind = options.kind.unwrap_or_else(|| FileKind::detect(&source.path, &source.bytes));
    let mask = !options.show_secrets;
    let secrets = if mask { tunnel_secrets(source) } else { Vec::new() };
    let mut out = match kind {
        FileKind::Ini => ini::parse_output(source, &options.env, mask, &options.referenced, &secrets),
        FileKind::Redis => match tree {
            Some(tree) => redis::parse_output(source, tree, mask),
            None => redis::parse_output(source, &Tree::of(&source.path, options.root.as_deref()), mask),
        },
        FileKind::RedisAcl => redis_acl::parse_output(source, mask),
        FileKind::Envphp => env_php::parse_output(source, mask),
    };
    if let Values::Directives { list, .. } = &mut out.value {
        hide_directives_at(list, source, &secrets);
    }
    out
}

/// The secrets of a tunnel's configuration by where they stand, whatever dialect `parse`
/// reads it in (`--kind`, or the ini a `.conf` not redis-server's is taken for): its name
/// says whose it is ([`crate::syntax::conf_by_name`], as discovery's does), PeerVPN's `psk`
/// ([`crate::secrets::peervpn_secret_ranges`]) or stunnel's credentials
/// ([`crate::secrets::stunnel_secret_ranges`]), as `check` masks them in its code frames.
/// Empty for any other file.
fn tunnel_secrets(source: &Source) -> Vec<crate::span::Span> {
    use crate::syntax::ConfByName;
    let name = source.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let parent = source.path.parent().and_then(|p| p.file_name()).map(|d| d.to_string_lossy()).unwrap_or_default();
    let ranges = match crate::syntax::conf_by_name(&name, &parent) {
        Some(ConfByName::PeerVpn) => crate::secrets::peervpn_secret_ranges(&source.bytes),
        Some(ConfByName::Stunnel) => crate::secrets::stunnel_secret_ranges(&source.bytes),
        _ => Vec::new(),
    };
    ranges.into_iter().map(|r| crate::span::Span::new(r.start, r.end)).collect()
}

/// A directive of `source` (read as redis.conf or an ACL file) standing on one of `secrets`:
/// its arguments masked whole, and its name from where a secret starts in it (an stunnel
/// `IDENTITY:KEY` line is one word).
fn hide_directives_at(list: &mut [LoadedDirective], source: &Source, secrets: &[crate::span::Span]) {
    if secrets.is_empty() {
        return;
    }
    let mask = crate::secrets::MASK;
    for d in list.iter_mut().filter(|d| *d.file == *source.path) {
        let Some(s) = secrets.iter().find(|s| s.start < d.span.end && d.span.start < s.end) else { continue };
        for a in d.args.iter_mut() {
            *a = mask.as_bytes().into();
        }
        let in_name = s.start.saturating_sub(d.span.start);
        if in_name < d.name.len() {
            let kept = d.name.get(..in_name).unwrap_or("");
            d.name = std::borrow::Cow::Owned(format!("{kept}{mask}"));
        }
    }
}

#[cfg(test)]
mod reference_tests;
