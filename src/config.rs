//! `sesslint.toml`: which rules run, at what severity, where, and what fails the run.
//! Read with toml_edit so that errors point at their line and the file can later be edited
//! without losing the user's comments. Unknown keys and codes are errors, never ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml_edit::{ImDocument, Item, Value};

use crate::codes::{Code, Selector};
use crate::diagnostic::Severity;
use crate::glob::glob_matches;

pub const FILE_NAME: &str = "sesslint.toml";

/// The settings, after the file and the command line.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Where the file was found; relative paths in it are relative to its directory.
    pub path: Option<PathBuf>,
    /// Codes or prefixes to run (empty: all).
    pub select: Vec<Selector>,
    /// Codes or prefixes not to run.
    pub ignore: Vec<Selector>,
    /// Glob (relative to the config's directory) -> codes or prefixes ignored in those files.
    pub per_path_ignores: Vec<(String, Vec<Selector>)>,
    pub severity: BTreeMap<Code, Severity>,
    pub fail_on: Option<Severity>,
    /// Resolve absolute paths in configs under this directory.
    pub root: Option<PathBuf>,
    /// Where `root` was set, for verbose output: `root = "." in d/sesslint.toml` or
    /// `--root DIR`.
    pub root_origin: Option<String>,
    /// The directory `per_path_ignores` globs are relative to, made absolute once when the
    /// file is read (empty without a file: paths are matched as given).
    ignores_base: PathBuf,
    /// Extra directories whose stunnel/spiped/PeerVPN files count as tunnel evidence.
    pub tunnel_paths: Vec<PathBuf>,
    /// The Redis release the servers run (`redis-version = "7.0"`), when the user says.
    pub redis_version: Option<crate::model::redis::RedisVersion>,
    /// `[hosts.NAME] addresses = [...]`: the addresses each host of a fleet answers on
    /// (and hosts an inventory adds).
    pub hosts: Vec<crate::model::HostDecl>,
    /// What the file says that still works but is worded as before: a rule's old name
    /// ("rule `OLD` is now named `NEW` (CODE)"), for the caller to print.
    pub notes: Vec<String>,
}

/// A mistake in the config file, located.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}:{column}: {}", crate::source::capped(&crate::source::display_path(path)), crate::source::capped(&crate::source::printable(message)))]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The keys a config file may have, for the error message.
const KEYS: &[&str] =
    &["select", "ignore", "per-path-ignores", "severity", "fail-on", "root", "tunnel-paths", "redis-version", "hosts"];

impl Config {
    /// The nearest `sesslint.toml` at or above `start` (a file or a directory).
    pub fn find(start: &Path) -> Option<PathBuf> {
        let abs = std::path::absolute(start).ok()?;
        let mut dir = if abs.is_dir() { Some(abs.as_path()) } else { abs.parent() };
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Some(candidate);
            }
            dir = d.parent();
        }
        None
    }

    /// Read and check a config file: a regular file of at most 16 MiB (a FIFO or a 1 GB
    /// file is refused, never read), UTF-8.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let refused = |message: String| ConfigError { path: path.to_owned(), line: 1, column: 1, message };
        let bytes =
            crate::confine::Confinement::default().read(path).map_err(|e| refused(format!("cannot read: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| refused("cannot read: not UTF-8 text".into()))?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let source = crate::source::Source::new(path, text.as_bytes().to_vec());
        let err = |span: Option<std::ops::Range<usize>>, message: String| {
            let p = source.position(span.map_or(0, |s| s.start));
            ConfigError { path: path.to_owned(), line: p.line, column: p.column, message }
        };
        // toml_edit's message spans lines ("invalid table header\nduplicate key ..."): one
        // line, its parts joined by `; `, so printable() has no `\n` to escape.
        let one_line = |m: &str| m.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ");
        let doc = ImDocument::parse(text.to_owned()).map_err(|e| err(e.span(), one_line(e.message())))?;
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        // `sesslint.toml` named without a directory lives in the current one.
        let dir = if base.as_os_str().is_empty() { Path::new(".") } else { base.as_path() };
        let abs_base = std::path::absolute(dir).unwrap_or_else(|_| base.clone());
        let mut c = Config { path: Some(path.to_owned()), ignores_base: abs_base, ..Config::default() };
        let table = doc.as_table();
        for (name, _) in table.iter() {
            let Some((key, item)) = table.get_key_value(name) else { continue };
            match name {
                "select" => c.select = codes(item, &err, &mut c.notes)?,
                "ignore" => c.ignore = codes(item, &err, &mut c.notes)?,
                "fail-on" => c.fail_on = Some(severity(item, &err)?),
                "root" => {
                    // The file may come with the repository being checked: its root may narrow
                    // what is read, never widen it beyond the file's own directory.
                    let written = string(item, &err)?;
                    let root = base.join(&written);
                    let dir = if base.as_os_str().is_empty() { Path::new(".") } else { base.as_path() };
                    // After symlinks where they exist (`root = "link"` to `/`), else as written.
                    let real =
                        |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| crate::confine::lexical_absolute(p));
                    let inside = real(&root).starts_with(real(dir));
                    if !inside {
                        return Err(err(
                            item.span(),
                            "`root` must be the config file's directory or below it; use --root for another".into(),
                        ));
                    }
                    c.root = Some(crate::confine::lexical_clean(&root));
                    c.root_origin = Some(format!(
                        "root = {:?} in {}",
                        written,
                        crate::source::display_path(&crate::confine::lexical_clean(path))
                    ));
                }
                "redis-version" => {
                    let text = string(item, &err)?;
                    let why = format!("`redis-version = \"{text}\"` in {}", crate::source::display_path(path));
                    c.redis_version = Some(crate::model::redis::RedisVersion::parse(&text, &why).ok_or_else(|| {
                        err(
                            item.span(),
                            format!(
                                "`redis-version` is a release like \"7.0\", \"6.2\" or \"valkey 8.0\", not `{text}`"
                            ),
                        )
                    })?);
                }
                "hosts" => c.hosts = hosts(item, path, &err)?,
                "tunnel-paths" => {
                    let clean = |p: String| crate::confine::lexical_clean(&base.join(p));
                    c.tunnel_paths = strings(item, &err)?.into_iter().map(clean).collect();
                }
                "severity" => {
                    let t = item
                        .as_table_like()
                        .ok_or_else(|| err(item.span(), "`severity` is a table: CODE = \"error\"".into()))?;
                    for (code, v) in t.iter() {
                        // Located at the key, the rule named (the value has its own errors).
                        let at = t.get_key_value(code).and_then(|(k, _)| k.span()).or(item.span());
                        if let Some(note) = Code::renamed_note(code) {
                            c.notes.push(err(at.clone(), note).to_string());
                        }
                        let code = Code::from_code_or_name(code).ok_or_else(|| err(at, severity_key(code)))?;
                        c.severity.insert(code, severity(v, &err)?);
                    }
                }
                "per-path-ignores" => {
                    let t = item.as_table_like().ok_or_else(|| {
                        err(item.span(), "`per-path-ignores` is a table: \"glob\" = [\"CODE\"]".into())
                    })?;
                    for (glob, v) in t.iter() {
                        let codes = codes(v, &err, &mut c.notes)?;
                        c.per_path_ignores.push((glob.to_owned(), codes));
                    }
                }
                other => {
                    return Err(err(key.span(), format!("unknown key `{other}`; known keys: {}", KEYS.join(", "))));
                }
            }
        }
        Ok(c)
    }

    /// Whether the rule of `code` runs at all.
    pub fn enabled(&self, code: Code) -> bool {
        let selected = self.select.is_empty() || self.select.iter().any(|s| s.matches(code));
        selected && !self.ignore.iter().any(|s| s.matches(code))
    }

    /// Whether findings of `code` in `path` are ignored by `per-path-ignores`.
    /// `path` is made absolute (one `std::path::absolute`, no file system access) only when
    /// some glob names `code`; the base was made absolute when the file was read.
    pub fn ignored_in(&self, code: Code, path: &Path) -> bool {
        let mut globs =
            self.per_path_ignores.iter().filter(|(_, codes)| codes.iter().any(|c| c.matches(code))).peekable();
        if globs.peek().is_none() {
            return false;
        }
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let rel = abs.strip_prefix(&self.ignores_base).unwrap_or(&abs);
        let rel = rel.to_string_lossy();
        globs.any(|(glob, _)| glob_matches(glob, &rel))
    }
}

/// `[hosts.web] addresses = ["10.0.0.4"]`: one table per host, named like its tree in the
/// fleet; `addresses` is its only key.
fn hosts(item: &Item, path: &Path, err: &ErrFn<'_>) -> Result<Vec<crate::model::HostDecl>, ConfigError> {
    let t = item.as_table_like().ok_or_else(|| {
        err(item.span(), "`hosts` is a table of hosts: [hosts.web] addresses = [\"10.0.0.4\"]".into())
    })?;
    let mut out = Vec::new();
    for (name, v) in t.iter() {
        let host = v.as_table_like().ok_or_else(|| {
            err(v.span(), format!("`hosts.{name}` is a table: [hosts.{name}] addresses = [\"10.0.0.4\"]"))
        })?;
        let mut decl = crate::model::HostDecl {
            name: name.to_owned(),
            addresses: Vec::new(),
            source: crate::source::display_path(path),
            outside: false,
        };
        for (key, value) in host.iter() {
            match key {
                "addresses" => decl.addresses = strings(value, err)?,
                other => {
                    return Err(err(
                        host.get(other).and_then(Item::span).or(v.span()),
                        format!("unknown key `{other}` in `hosts.{name}`; the known key is `addresses`"),
                    ))
                }
            }
        }
        out.push(decl);
    }
    Ok(out)
}

fn unknown_code(code: &str) -> String {
    crate::codes::unknown_rule(code)
}

/// A `[severity]` key that names no one rule: it takes a code or a rule name, never `ALL` or
/// a prefix (a severity is one rule's), so the message says that and not what a selector is.
fn severity_key(key: &str) -> String {
    let list: Vec<String> = Code::ALL.iter().map(|c| format!("{c} {}", c.name())).collect();
    let what = match Selector::parse(key) {
        Ok(_) => format!("`{key}` names several rules"),
        Err(_) => format!("unknown rule `{key}`"),
    };
    format!(
        "{what}: a `[severity]` key is one rule, its code (SL201) or its name (redis-missing-auth); the rules: {}",
        list.join(", ")
    )
}

type ErrFn<'a> = dyn Fn(Option<std::ops::Range<usize>>, String) -> ConfigError + 'a;

fn string(item: &Item, err: &ErrFn<'_>) -> Result<String, ConfigError> {
    item.as_str().map(str::to_owned).ok_or_else(|| err(item.span(), "expected a string".into()))
}

fn strings(item: &Item, err: &ErrFn<'_>) -> Result<Vec<String>, ConfigError> {
    let arr = item.as_array().ok_or_else(|| err(item.span(), "expected an array of strings".into()))?;
    arr.iter()
        .map(|v: &Value| v.as_str().map(str::to_owned).ok_or_else(|| err(v.span(), "expected a string".into())))
        .collect()
}

/// An array of codes, prefixes or rule names, each of which must name at least one rule; a
/// rule's old name ([`crate::codes::RENAMED`]) is taken and a note added to `notes`.
fn codes(item: &Item, err: &ErrFn<'_>, notes: &mut Vec<String>) -> Result<Vec<Selector>, ConfigError> {
    let arr = item
        .as_array()
        .ok_or_else(|| err(item.span(), "expected an array of rule codes, e.g. [\"SL201\", \"SL3\"]".into()))?;
    let mut out = Vec::new();
    for v in arr.iter() {
        let s = v.as_str().ok_or_else(|| err(v.span(), "expected a rule code or name".into()))?;
        out.push(Selector::parse(s).map_err(|_| err(v.span(), unknown_code(s)))?);
        if let Some(note) = Code::renamed_note(s) {
            notes.push(err(v.span(), note).to_string());
        }
    }
    Ok(out)
}

fn severity(item: &Item, err: &ErrFn<'_>) -> Result<Severity, ConfigError> {
    match item.as_str() {
        Some("error") => Ok(Severity::Error),
        Some("warning") => Ok(Severity::Warning),
        Some("info") => Ok(Severity::Info),
        _ => Err(err(item.span(), "expected \"error\", \"warning\" or \"info\"".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_and_its_errors() {
        let c = Config::parse(
            Path::new("/x/sesslint.toml"),
            "# comment\nselect = [\"SL2\", \"SL303\"]\nignore = [\"SL201\"]\nfail-on = \"error\"\n[severity]\nSL202 = \"warning\"\n[per-path-ignores]\n\"staging/**\" = [\"SL202\"]\n",
        )
        .expect("valid");
        assert_eq!(c.select, [Selector::parse("SL2"), Selector::parse("SL303")].map(Result::unwrap));
        assert_eq!(c.fail_on, Some(Severity::Error));
        assert_eq!(c.severity.get(&Code::RedisExposedWithoutTunnel), Some(&Severity::Warning));
        let e =
            Config::parse(Path::new("s.toml"), "select = [\"SL2\"]\nfial-on = \"error\"\n").expect_err("unknown key");
        assert_eq!((e.line, e.column), (2, 1));
        assert!(e.message.contains("fial-on"));
        let e = Config::parse(Path::new("s.toml"), "ignore = [\"SL999\"]\n").expect_err("unknown code");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("SL999"));
        let e = Config::parse(Path::new("s.toml"), "[severity]\nSL201 = \"fatal\"\n").expect_err("bad severity");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn per_path_ignores_are_relative_to_the_files_directory() {
        let text = "[per-path-ignores]\n\"staging/**\" = [\"SL2\"]\n";
        let c = Config::parse(Path::new("/x/sesslint.toml"), text).expect("valid");
        let code = Code::RedisExposedWithoutTunnel;
        assert!(c.ignored_in(code, Path::new("/x/staging/etc/redis.conf")));
        assert!(!c.ignored_in(code, Path::new("/y/staging/etc/redis.conf")));
        assert!(!c.ignored_in(Code::from_code("SL101").expect("code"), Path::new("/x/staging/etc/redis.conf")));
        // A file named without a directory: globs and relative paths both start at the
        // current directory.
        let c = Config::parse(Path::new("sesslint.toml"), text).expect("valid");
        assert!(c.ignored_in(code, Path::new("staging/etc/redis.conf")));
        let cwd = std::env::current_dir().expect("cwd");
        assert!(c.ignored_in(code, &cwd.join("staging/etc/redis.conf")));
        assert!(!c.ignored_in(code, Path::new("etc/staging/redis.conf")));
    }

    #[test]
    fn hosts_and_their_addresses() {
        let c = Config::parse(
            Path::new("s.toml"),
            "[hosts.web]\naddresses = [\"10.0.0.4\"]\n[hosts.redis]\naddresses = [\"10.0.0.5\", \"redis.internal\"]\n",
        )
        .expect("valid");
        let got: Vec<(&str, Vec<&str>)> =
            c.hosts.iter().map(|h| (h.name.as_str(), h.addresses.iter().map(String::as_str).collect())).collect();
        assert_eq!(got, [("web", vec!["10.0.0.4"]), ("redis", vec!["10.0.0.5", "redis.internal"])]);
        let e = Config::parse(Path::new("s.toml"), "[hosts.web]\naddress = [\"10.0.0.4\"]\n").expect_err("typo");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("addresses"), "{}", e.message);
    }
}
