//! PHP as configured: per SAPI, php.ini plus its scan directory in PHP's order, and per
//! php-fpm pool, the `php_value`/`php_admin_value` layer on top with FPM's precedence.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{EffectiveValue, FileId, IncludeProblem, Location};
use crate::span::Span;
use crate::syntax::ini::{IniDocument, IniEnv, NodeKind, MAX_EXPANDED_VALUE};

/// A PHP SAPI that Debian gives its own tree (`/etc/php/8.2/<sapi>/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sapi {
    Fpm,
    Cli,
    Apache2,
    Cgi,
    Embed,
    Phpdbg,
    Litespeed,
}

impl Sapi {
    const ALL: [Sapi; 7] = [Sapi::Fpm, Sapi::Cli, Sapi::Apache2, Sapi::Cgi, Sapi::Embed, Sapi::Phpdbg, Sapi::Litespeed];

    /// The directory name of its tree, which is also how PHP names it: `fpm`, `apache2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sapi::Fpm => "fpm",
            Sapi::Cli => "cli",
            Sapi::Apache2 => "apache2",
            Sapi::Cgi => "cgi",
            Sapi::Embed => "embed",
            Sapi::Phpdbg => "phpdbg",
            Sapi::Litespeed => "litespeed",
        }
    }

    /// The SAPI whose tree a directory named `name` is.
    pub fn from_dir_name(name: &str) -> Option<Sapi> {
        Sapi::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

fn serialize_sapi<S: serde::Serializer>(sapi: &Option<Sapi>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(sapi.map_or("all", Sapi::as_str))
}

/// One PHP configuration tree: a php.ini (or none: built-in defaults) and its scan dir.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PhpSetup {
    /// The SAPI whose tree this is; `None` when one php.ini serves every SAPI (RHEL's
    /// `/etc/php.ini`, Docker's `/usr/local/etc/php`).
    #[serde(serialize_with = "serialize_sapi")]
    pub sapi: Option<Sapi>,
    pub dir: PathBuf,
    pub php_ini: Option<FileId>,
    /// Scan-dir files in the order PHP reads them (byte order of their names).
    pub scan_files: Vec<FileId>,
    /// Every directive PHP keeps (later wins), `extension` lines excluded.
    pub values: BTreeMap<String, EffectiveValue>,
    /// `extension=` lines in load order (name without `.so`).
    pub extensions: Vec<(String, Location)>,
    /// Lines whose `${}` expansion sesslint stopped at a limit ([`MAX_EXPANDED_VALUE`] per
    /// value, [`MAX_EXPANSION_PER_SETUP`] in all): their values are cut, and reported.
    pub expansion_cut_at: Vec<Location>,
    /// Every line that set the session handler or save_path, in PHP's reading order, with
    /// the value it set (the last one is in effect).
    pub history: BTreeMap<String, Vec<(String, Location)>>,
    /// `session.save_path` lines written without double quotes that PHP reads differently.
    pub unquoted: Vec<UnquotedValue>,
    /// The per-request layer on top of the ini files that this setup stands for, if any:
    /// mod_php's Apache `php_value` lines (server-wide or of one `<VirtualHost>`/
    /// `<Directory>`), or a `.user.ini` read by CGI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<Layer>,
    /// The phpredis release this PHP loads, when the distribution the tree is says it (see
    /// [`distribution_phpredis`]); `None`: unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phpredis: Option<PhpredisRelease>,
    /// `session.save_handler`/`session.save_path` lines of php.ini's (or a scan file's)
    /// `[PATH=...]`/`[HOST=...]` sections, in reading order: php-cgi and php-fpm apply them
    /// to the requests of that directory or host only (checked live with php-cgi 8.2), on top
    /// of [`PhpSetup::values`]; sesslint does not follow them as endpoints.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub per_request_sections: Vec<PerRequestSection>,
}

/// A session line of a `[PATH=dir]` or `[HOST=name]` section of an ini file (PHP's
/// `php_ini_parser_cb`: a section whose name begins with `PATH` or `HOST`, any case).
#[derive(Clone, Debug, serde::Serialize)]
pub struct PerRequestSection {
    /// The section as written between the brackets, control characters escaped.
    pub section: String,
    /// `session.save_handler` or `session.save_path`.
    pub key: &'static str,
    /// The line.
    pub at: Location,
}

/// A phpredis release and why sesslint takes it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PhpredisRelease {
    /// `5.3.7`.
    pub version: String,
    /// `Debian 12.8's php8.2-redis package, by etc/debian_version`.
    pub why: String,
}

impl PhpredisRelease {
    /// Whether this release is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        let mut parts = self.version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let (a, b) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        (a, b) >= (major, minor)
    }
}

/// The phpredis a distribution ships for the PHP in `etc`, from `etc/debian_version`,
/// `etc/os-release` or Debian 12's PHP layout (`etc/php/8.2/`). Only what was measured:
/// Debian 12's php8.2-redis is 5.3.7+4.3.0-3 (phpredis 5.3.7, `phpversion('redis')` on
/// this machine, tests/phpredis_live_model.rs). `read` reads a file of `etc` by name.
pub fn distribution_phpredis(etc: &Path, read: impl Fn(&str) -> Option<String>) -> Option<PhpredisRelease> {
    let debian12 = |why: String| Some(PhpredisRelease { version: "5.3.7".into(), why });
    if let Some(v) = read("debian_version") {
        let v = v.trim().to_owned();
        return match v.split('.').next() {
            Some("12") | Some("bookworm/sid") => {
                debian12(format!("Debian {v}'s php8.2-redis package, by etc/debian_version"))
            }
            _ => None,
        };
    }
    if let Some(text) = read("os-release") {
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix('=')))
                .map(|v| v.trim_matches('"').to_owned())
        };
        return match (field("ID").as_deref(), field("VERSION_ID").as_deref()) {
            (Some("debian"), Some("12")) => debian12("Debian 12's php8.2-redis package, by etc/os-release".into()),
            _ => None,
        };
    }
    if etc.join("php/8.2").is_dir() && etc.join("php/8.2/mods-available/redis.ini").is_file() {
        return debian12("Debian 12's php8.2-redis package, by its PHP 8.2 layout etc/php/8.2/".into());
    }
    None
}

/// A layer PHP applies per request on top of php.ini: Apache's `php_value` family for
/// mod_php (php-src sapi/apache2handler/apache_config.c) or a `.user.ini` for php-fpm and
/// CGI (main/php_ini.c php_parse_user_ini_file, sapi/fpm/fpm/fpm_main.c).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Layer {
    pub kind: LayerKind,
    /// Where it applies: `server`, `<VirtualHost *:80>`, `<Directory /var/www/shop>`, or the
    /// `.user.ini`'s directory.
    pub context: String,
    /// The file that opens the context (an Apache file, the `.user.ini`).
    pub file: FileId,
    /// The setup (index into `Model::php`) or pool (into `Model::pools`) this one is that
    /// one plus this layer: php.ini's setup under the server-wide Apache lines, the
    /// server-wide setup under a `<VirtualHost>`'s, the pool under a `.user.ini`. `None`
    /// when that is not in the model (Debian's apache2 tree, which the server-wide lines
    /// replace, or PHP's defaults).
    #[serde(skip)]
    pub base: Option<usize>,
    /// The ini keys whose value here is not the base's (this layer's lines decide them);
    /// every other key is the base's value from the base's line. Empty without a base.
    #[serde(skip)]
    pub decides: std::collections::BTreeSet<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayerKind {
    /// `php_value`/`php_admin_value`/`php_flag`/`php_admin_flag` in Apache's config.
    Apache,
    /// A `.user.ini` under a document root.
    UserIni,
}

impl Layer {
    /// A layer of `kind` at `context`, opened in `file`, on top of `base` (see
    /// [`Layer::base`]); what it decides is filled in once the values are merged.
    pub fn new(kind: LayerKind, context: String, file: FileId, base: Option<usize>) -> Layer {
        Layer { kind, context, file, base, decides: Default::default() }
    }

    /// The keys whose value in `layered` is not `base`'s, by value and the line that set it.
    pub fn decided_keys(
        base: &BTreeMap<String, EffectiveValue>,
        layered: &BTreeMap<String, EffectiveValue>,
    ) -> std::collections::BTreeSet<String> {
        let same = |a: &EffectiveValue, b: &EffectiveValue| a.value == b.value && a.set_at == b.set_at;
        let mut out: std::collections::BTreeSet<String> =
            layered.iter().filter(|(k, v)| !base.get(*k).is_some_and(|b| same(b, v))).map(|(k, _)| k.clone()).collect();
        out.extend(base.keys().filter(|k| !layered.contains_key(*k)).cloned());
        out
    }

    /// How output names it: `Apache php_value (server)`, `.user.ini /var/www/shop`.
    pub fn describe(&self) -> String {
        match self.kind {
            LayerKind::Apache => format!("Apache php_value ({})", self.context),
            LayerKind::UserIni => format!(".user.ini {}", self.context),
        }
    }
}

/// Keys whose every setting [`PhpSetup::history`] keeps.
pub const HISTORY_KEYS: [&str; 2] = ["session.save_handler", "session.save_path"];

/// A value written without double quotes that PHP's ini scanner (NORMAL mode, php.ini and
/// php-fpm files alike) reads otherwise than it is written: `=` is a syntax error that ends
/// the file, `;` starts a comment, `& | ^ ~ !` and parentheses are integer operators
/// (`x&y` is `0`). Source: `Zend/zend_ini_scanner.l`; measured in shared/facts php-side 1.5, 4.5.
#[derive(Clone, Debug, serde::Serialize)]
pub struct UnquotedValue {
    /// The directive, `session.save_path` (also for `php_value[session.save_path]`).
    pub key: String,
    /// The value as written: from after `=` to the end of the line, without a `;` comment
    /// that follows a blank.
    pub at: Location,
    /// The text the author wrote (may hold a password).
    pub written: String,
    /// The first character PHP does not take literally.
    pub hazard: char,
    /// What PHP makes of it; `None` when the line is a syntax error.
    pub php_reads: Option<String>,
}

/// The characters that make an unquoted ini value mean something else.
const INI_SPECIAL: &[char] = &['=', ';', '&', '|', '^', '~', '!', '(', ')'];

/// Find an unquoted `written` value's hazard, if any: the author's text with its trailing
/// comment cut, and the first special character in it. `None` for quoted or plain values.
fn unquoted_hazard(line: &[u8]) -> Option<(usize, String, char)> {
    let text = std::str::from_utf8(line).ok()?;
    if text.contains(['"', '\'']) {
        return None; // quoted (wholly or in part): PHP reads what the quotes say
    }
    // `; comment` after a blank is a comment the author meant; `a;b` is a value cut short.
    let bytes = text.as_bytes();
    let cut = (0..bytes.len())
        .find(|&i| bytes[i] == b';' && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t'))
        .unwrap_or(bytes.len());
    let written = text[..cut].trim_end_matches([' ', '\t']);
    let hazard = written.chars().find(|c| INI_SPECIAL.contains(c))?;
    Some((written.len(), written.to_owned(), hazard))
}

/// The unquoted-value finding of one entry whose value starts at `start` in `doc`.
fn unquoted_value(
    doc: &IniDocument,
    file: FileId,
    key: &str,
    start: usize,
    php_reads: String,
) -> Option<UnquotedValue> {
    let src = doc.source();
    let end = src[start..].iter().position(|&b| b == b'\n' || b == b'\r').map_or(src.len(), |i| start + i);
    let (len, written, hazard) = unquoted_hazard(&src[start..end])?;
    let span = crate::span::Span::new(start, start + len);
    let broken = doc.errors.iter().any(|e| e.span.start >= start && e.span.start < end);
    Some(UnquotedValue {
        key: key.to_owned(),
        at: Location { file, span },
        written,
        hazard,
        php_reads: (!broken).then_some(php_reads),
    })
}

/// `v` as a double-quoted ini value PHP reads back as `v`: `\` doubled, `"` escaped. `$`
/// stays as written, so `${VAR}` still expands as it did unquoted. `None` for a value that
/// cannot be one line of a php-fpm file (a line end in it).
pub fn ini_double_quoted(v: &str) -> Option<String> {
    if v.contains(['\n', '\r', '\0']) {
        return None;
    }
    Some(format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
}

/// Bytes that `${}` references may copy in one PHP setup, all lines together (16 MiB):
/// 10,000 lines each naming a 1 MiB value would otherwise build 10 GB.
pub const MAX_EXPANSION_PER_SETUP: usize = 16 << 20;

/// Built-in defaults of the directives sesslint reasons about.
pub fn builtin_default(key: &str) -> Option<&'static str> {
    Some(match key {
        "session.save_handler" => "files",
        "session.save_path" => "",
        "session.gc_maxlifetime" => "1440",
        "session.use_strict_mode" => "0",
        "session.serialize_handler" => "php",
        "redis.session.locking_enabled" => "0",
        _ => return None,
    })
}

impl PhpSetup {
    /// A setup with no ini file in the tree: PHP's built-in defaults.
    pub fn defaults(dir: PathBuf) -> PhpSetup {
        setup(None, Vec::new(), dir)
    }

    /// The value PHP uses for `key`, with the built-in default when nothing sets it.
    pub fn get(&self, key: &str) -> Option<EffectiveValue> {
        self.values.get(key).cloned().or_else(|| builtin_default(key).map(EffectiveValue::default_value))
    }

    pub fn loads_extension(&self, name: &str) -> bool {
        self.extensions.iter().any(|(n, _)| n == name)
    }

    /// The SAPI as output names it: `fpm`, or `all`.
    pub fn sapi_name(&self) -> &'static str {
        self.sapi.map_or("all", Sapi::as_str)
    }

    /// A short name for output: `fpm (/etc/php/8.2/fpm)`, `apache2 (/etc) + Apache
    /// php_value (<VirtualHost *:80>)`.
    pub fn label(&self) -> String {
        let base = format!("{} ({})", self.sapi_name(), crate::source::display_path(&self.dir));
        match &self.layer {
            Some(l) => format!("{base} + {}", l.describe()),
            None => base,
        }
    }

    /// Set `key` as a later layer does (later wins; the handler and save_path keep their
    /// history for SL106).
    pub fn set_from_layer(&mut self, key: &str, value: String, at: Location, value_span: Span) {
        if HISTORY_KEYS.contains(&key) {
            self.history.entry(key.to_owned()).or_default().push((value.clone(), at));
        }
        set_later_wins(&mut self.values, key.into(), value, at, value_span, None);
    }
}

/// One php-fpm pool and its ini overrides.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FpmPool {
    pub name: String,
    /// The php setup of the FPM SAPI this pool runs on, if found.
    pub setup: Option<usize>,
    /// Its first `[name]` header.
    pub declared_at: Location,
    /// Effective override per ini key: `php_admin_*` beats `php_*`; within each, the FIRST
    /// line wins (FPM prepends to its list; php/php-src#8398).
    pub overrides: BTreeMap<String, PoolOverride>,
    /// Ordinary pool directives (`listen`, `pm.max_children`, ...), last wins.
    pub settings: BTreeMap<String, EffectiveValue>,
    /// `php_value[session.save_path]` lines written without double quotes that FPM reads
    /// differently.
    pub unquoted: Vec<UnquotedValue>,
    /// A `.user.ini` this pool applies on top (a pool entry of its own per document root
    /// with one), see [`Layer`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<Layer>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct PoolOverride {
    pub value: String,
    /// `${NAME}` references php-fpm takes from the FPM master's environment (see
    /// [`EffectiveValue::depends_on_env`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depends_on_env: Option<String>,
    pub admin: bool,
    pub set_at: Location,
    /// The value as written in `set_at`'s line, quotes included.
    pub value_span: Span,
    /// Other override lines for the same key that lose to this one.
    pub shadowed: Vec<Location>,
    /// Every line for this key in FPM's reading order: (value, admin, where).
    pub lines: Vec<(String, bool, Location)>,
}

impl FpmPool {
    /// The Unix user the pool's workers run as: its `user` line (the last one, as FPM reads
    /// it), or `None` when the pool sets none (then FPM runs it as the master's user). With
    /// the `files` handler this is what keeps pools apart: PHP creates each `sess_<id>` 0600,
    /// owned by the worker's user (ext/session/mod_files.c `VCWD_OPEN_MODE(..., 0600)`).
    pub fn run_user(&self) -> Option<&str> {
        self.settings.get("user").map(|v| v.value.as_str())
    }

    /// The value a request in this pool sees for `key`.
    pub fn effective(&self, key: &str, setups: &[PhpSetup]) -> Option<EffectiveValue> {
        let base = match self.setup {
            Some(i) => setups[i].get(key),
            None => builtin_default(key).map(EffectiveValue::default_value),
        };
        match self.overrides.get(key) {
            Some(o) => {
                let mut shadowed: Vec<Location> = base.iter().filter_map(|b| b.set_at).collect();
                shadowed.extend(o.shadowed.iter().copied());
                Some(EffectiveValue {
                    value: o.value.clone(),
                    set_at: Some(o.set_at),
                    value_span: Some(o.value_span),
                    shadowed,
                    shadowed_values: base.iter().flat_map(|b| b.value_at()).collect(),
                    depends_on_env: o.depends_on_env.clone(),
                })
            }
            None => base,
        }
    }
}

/// Resolves `${name}` from directives read earlier; the environment of the running PHP
/// is not known statically (and sesslint's own is never used), so it resolves to nothing.
struct EarlierDirectives<'a> {
    values: &'a BTreeMap<String, EffectiveValue>,
    /// Bytes still allowed to be copied by `${}` in this setup.
    budget: &'a std::cell::Cell<usize>,
    cut: std::cell::Cell<bool>,
    /// Names not set by an earlier directive: the environment's, unknown here.
    from_env: crate::syntax::ini::OtherEnvironment,
}

impl<'a> EarlierDirectives<'a> {
    fn new(values: &'a BTreeMap<String, EffectiveValue>, budget: &'a std::cell::Cell<usize>) -> Self {
        EarlierDirectives { values, budget, cut: Default::default(), from_env: Default::default() }
    }

    /// `${A}, ${B}` when the value named variables of the environment.
    fn env_names(&self) -> Option<String> {
        // Most values name no variable: no message built for them.
        if self.from_env.unknown.borrow().is_empty() {
            return None;
        }
        Some(self.from_env.unknown_names()).filter(|n| !n.is_empty())
    }
}

impl IniEnv for EarlierDirectives<'_> {
    fn constant(&self, name: &[u8]) -> Option<Vec<u8>> {
        crate::php_constants::startup_constant(name).map(|v| v.as_bytes().to_vec())
    }

    fn variable(&self, name: &[u8]) -> Option<Vec<u8>> {
        let Some(value) = std::str::from_utf8(name).ok().and_then(|n| self.values.get(n)) else {
            // The environment's: unknown here. Kept as written, so that the model does not
            // claim an empty value (an `auth=${REDIS_PW}` does send a password).
            self.from_env.variable(name);
            let mut kept = b"${".to_vec();
            kept.extend_from_slice(name);
            kept.push(b'}');
            return Some(kept);
        };
        let value = &value.value;
        let n = value.len().min(MAX_EXPANDED_VALUE + 1);
        if n > self.budget.get() {
            self.cut.set(true);
            return None;
        }
        self.budget.set(self.budget.get() - n);
        Some(value.as_bytes()[..n].to_vec())
    }

    fn cut(&self) {
        self.cut.set(true);
    }
}

/// The ini files of one tree, as found by discovery.
pub struct IniFile<'a> {
    pub id: FileId,
    pub path: &'a Path,
    pub doc: &'a IniDocument,
}

/// Group php.ini and scan-dir files into setups.
pub fn build_setups(php_inis: &[IniFile<'_>], scan_inis: &[IniFile<'_>]) -> Vec<PhpSetup> {
    // Which files make each setup, in order; then the setups, each from its own files only.
    let mut setups: Vec<(Option<&IniFile<'_>>, Vec<&IniFile<'_>>, PathBuf)> = Vec::new();
    let mut claimed = vec![false; scan_inis.len()];
    let mut by_dir: BTreeMap<&Path, Vec<usize>> = BTreeMap::new();
    for (i, s) in scan_inis.iter().enumerate() {
        by_dir.entry(s.path.parent().unwrap_or(Path::new(""))).or_default().push(i);
    }
    for ini in php_inis {
        let dir = ini.path.parent().unwrap_or(Path::new("")).to_path_buf();
        // Debian: <dir>/conf.d; RHEL: /etc/php.ini with /etc/php.d; Alpine /etc/php82/conf.d.
        let mut scan: Vec<usize> = Vec::new();
        for sub in ["conf.d", "php.d"] {
            scan.extend(by_dir.get(dir.join(sub).as_path()).into_iter().flatten().copied());
        }
        for &i in &scan {
            claimed[i] = true;
        }
        setups.push((Some(ini), scan.iter().map(|&i| &scan_inis[i]).collect(), dir));
    }
    // Scan dirs without a php.ini (the Docker images ship none): built-in defaults + conf.d.
    let mut rest: BTreeMap<PathBuf, Vec<&IniFile<'_>>> = BTreeMap::new();
    for (i, s) in scan_inis.iter().enumerate() {
        if !claimed[i] {
            let scan_dir = s.path.parent().unwrap_or(Path::new(""));
            rest.entry(scan_dir.parent().unwrap_or(scan_dir).to_path_buf()).or_default().push(s);
        }
    }
    for (dir, files) in rest {
        setups.push((None, files, dir));
    }
    // A fleet has hundreds of setups: built over the threads, in the order above.
    crate::parallel::map(&setups, 8, |(ini, scan, dir)| setup(*ini, scan.clone(), dir.clone()))
}

fn setup(php_ini: Option<&IniFile<'_>>, mut scan: Vec<&IniFile<'_>>, dir: PathBuf) -> PhpSetup {
    // PHP sorts scan-dir names by raw bytes (C collation), whatever the locale.
    scan.sort_by(|a, b| {
        a.path.file_name().map(|n| n.as_encoded_bytes()).cmp(&b.path.file_name().map(|n| n.as_encoded_bytes()))
    });
    let sapi = dir.file_name().and_then(|n| n.to_str()).and_then(Sapi::from_dir_name);
    let mut s = PhpSetup {
        sapi,
        dir,
        php_ini: php_ini.map(|f| f.id),
        scan_files: scan.iter().map(|f| f.id).collect(),
        values: BTreeMap::new(),
        extensions: Vec::new(),
        expansion_cut_at: Vec::new(),
        history: BTreeMap::new(),
        unquoted: Vec::new(),
        layer: None,
        phpredis: None,
        per_request_sections: Vec::new(),
    };
    let budget = std::cell::Cell::new(MAX_EXPANSION_PER_SETUP);
    for f in php_ini.into_iter().chain(scan.iter().copied()) {
        apply_ini(&mut s, f, &budget);
    }
    s
}

/// Apply one file's entries as php.ini loading does: later wins, `extension=` collected,
/// bare keys and sections whose name begins with `PATH` or `HOST` left out, nothing after a syntax error.
fn apply_ini(s: &mut PhpSetup, f: &IniFile<'_>, budget: &std::cell::Cell<usize>) {
    let doc = f.doc;
    let mut per_dir_section = false; // reset per file
    let mut section_name: &[u8] = b"";
    for (_, e) in doc.entries() {
        // A line PHP never reads (past a silent stop or a syntax error) reads as nothing.
        if e.applied && e.offset.is_none() && doc.text(e.key) == b"session.save_path" {
            let reads =
                String::from_utf8_lossy(&doc.evaluate(&e.value, &crate::syntax::ini::OtherEnvironment::default()))
                    .into_owned();
            s.unquoted.extend(unquoted_value(doc, f.id, "session.save_path", e.value.span.start, reads));
        }
    }
    for node in &doc.nodes {
        match &node.kind {
            NodeKind::Section(sec) => {
                let name = doc.text(sec.name.span);
                // php_ini.c compares the first four bytes only: `[pathfoo]` is per directory.
                per_dir_section = starts_with_ci(name, b"PATH") || starts_with_ci(name, b"HOST");
                section_name = name;
            }
            NodeKind::Entry(e) if e.applied && per_dir_section && e.offset.is_none() => {
                let key = doc.text(e.key);
                if let Some(k) = HISTORY_KEYS.iter().find(|k| k.as_bytes() == key) {
                    s.per_request_sections.push(PerRequestSection {
                        section: crate::source::printable(&String::from_utf8_lossy(section_name)).into_owned(),
                        key: k,
                        at: Location { file: f.id, span: node.span },
                    });
                }
            }
            NodeKind::Entry(e) if e.applied && !per_dir_section && e.offset.is_none() => {
                // Borrowed: most keys are set before, and a new one is copied once, on insert.
                let key = String::from_utf8_lossy(doc.text(e.key));
                let at = Location { file: f.id, span: node.span };
                let (value, from_env) = {
                    let env = EarlierDirectives::new(&s.values, budget);
                    let v = lossy_string(doc.evaluate(&e.value, &env));
                    if env.cut.get() {
                        s.expansion_cut_at.push(at);
                    }
                    (v, env.env_names())
                };
                if key.eq_ignore_ascii_case("extension") || key.eq_ignore_ascii_case("zend_extension") {
                    s.extensions.push((extension_name(&value), at));
                    continue;
                }
                if HISTORY_KEYS.contains(&&*key) {
                    s.history.entry(key.to_string()).or_default().push((value.clone(), at));
                }
                set_later_wins(&mut s.values, key, value, at, e.value.span, from_env);
            }
            _ => {}
        }
    }
}

/// `bytes` as text, without a copy when they are UTF-8 (as `String::from_utf8_lossy`).
fn lossy_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn set_later_wins(
    map: &mut BTreeMap<String, EffectiveValue>,
    key: std::borrow::Cow<'_, str>,
    value: String,
    at: Location,
    value_span: Span,
    depends_on_env: Option<String>,
) {
    // Most keys are set once: one search (the entry) instead of a failed lookup, then an
    // insert; a key set again keeps its first String.
    let v = match map.entry(key.into_owned()) {
        std::collections::btree_map::Entry::Vacant(e) => {
            e.insert(EffectiveValue { depends_on_env, ..EffectiveValue::set(value, at, value_span) });
            return;
        }
        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
    };
    if let Some(prev) = v.set_at {
        v.shadowed.push(prev);
    }
    if let Some(prev) = v.value_at() {
        v.shadowed_values.push(prev);
    }
    v.value = value;
    v.set_at = Some(at);
    v.value_span = Some(value_span);
    v.depends_on_env = depends_on_env;
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// `redis.so`, `/usr/lib/php/20220829/redis.so`, `php_redis.dll` -> `redis`.
pub fn extension_name(value: &str) -> String {
    let base = value.rsplit(['/', '\\']).next().unwrap_or(value);
    let base = base.strip_suffix(".so").or_else(|| base.strip_suffix(".dll")).unwrap_or(base);
    base.strip_prefix("php_").unwrap_or(base).to_owned()
}

/// The pool-related files of one php-fpm installation and the order php-fpm reads them in.
pub struct FpmTree<'a> {
    /// php-fpm.conf first (when there is one), then the files its `include=` lines pull in.
    pub files: Vec<IniFile<'a>>,
    /// php-fpm's reading, stretch by stretch ([`FpmRead`]): php-fpm.conf up to an
    /// `include=` line, the files it reads, the rest of php-fpm.conf. The section php-fpm is
    /// in (its static `current_wp` in fpm_conf.c) is carried from one stretch to the next,
    /// across files: a file's lines above its first header are read in the section the file
    /// before it left open, php-fpm.conf's first lines in `[global]`.
    pub reading: Vec<FpmRead>,
    pub setup: Option<usize>,
}

/// One stretch of php-fpm's reading of its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FpmRead {
    /// The nodes `nodes` of `FpmTree::files[file]`, in order.
    Nodes { file: usize, nodes: std::ops::Range<usize> },
    /// php-fpm reads what sesslint does not see here (an `include=` whose files it does not
    /// know, or a file no php-fpm.conf in the tree is known to include): the section the
    /// lines after it are read in is not known until the next header. `why` ends "…: the
    /// section php-fpm reads this line in is not known (why)".
    Unknown { why: &'static str },
}

/// The section php-fpm is in while it reads ([`FpmTree::reading`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Current {
    Global,
    /// The pool of that index in the pools built so far.
    Pool(usize),
    /// Not known ([`FpmRead::Unknown`]).
    Unknown(&'static str),
}

/// Pools and their overrides from FPM's files, read in FPM's order (`tree.reading`). `ini` is
/// the configuration php-fpm read before its own files (the values of the setup of
/// `tree.setup`): a `${name}` in a pool file is taken from it, then from the FPM master's
/// environment (`zend_ini_get_var`; FPM parses its files after php_module_startup, so
/// `php-fpm8.2 -tt` shows php.ini's value there). A line read in a section sesslint does not
/// know is set in no pool, and said once per file (a warning in `problems`).
pub fn build_pools(
    tree: &FpmTree<'_>,
    ini: Option<&BTreeMap<String, EffectiveValue>>,
    problems: &mut Vec<(FileId, IncludeProblem)>,
) -> Vec<FpmPool> {
    let no_values = BTreeMap::new();
    let ini = ini.unwrap_or(&no_values);
    let mut pools: Vec<FpmPool> = Vec::new();
    // Pool index by ASCII-lowercased name: re-opening a pool merges into it.
    let mut by_name: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    // Collected lines per pool: (key, value, admin, line, value span, env names), in file order.
    #[allow(clippy::type_complexity)]
    let mut lines: Vec<Vec<(String, String, bool, Location, Span, Option<String>)>> = Vec::new();
    // php-fpm.conf's first lines are read in [global] (`current_wp` starts NULL).
    let mut current = Current::Global;
    // The files whose lines read in an unknown section were said already.
    let mut unknown_said: Vec<FileId> = Vec::new();
    for read in &tree.reading {
        let (f, nodes) = match read {
            FpmRead::Nodes { file, nodes } => match tree.files.get(*file) {
                Some(f) => (f, f.doc.nodes.get(nodes.clone()).unwrap_or(&[])),
                None => continue,
            },
            FpmRead::Unknown { why } => {
                current = Current::Unknown(why);
                continue;
            }
        };
        let doc = f.doc;
        for node in nodes {
            match &node.kind {
                NodeKind::Section(sec) => {
                    let name = String::from_utf8_lossy(doc.text(sec.name.span)).into_owned();
                    if name.eq_ignore_ascii_case("global") {
                        current = Current::Global;
                        continue;
                    }
                    // Re-opening a pool (names compare case-insensitively) merges into it.
                    let i = match by_name.get(&name.to_ascii_lowercase()) {
                        Some(&i) => i,
                        None => {
                            by_name.insert(name.to_ascii_lowercase(), pools.len());
                            pools.push(FpmPool {
                                name,
                                setup: tree.setup,
                                declared_at: Location { file: f.id, span: node.span },
                                overrides: BTreeMap::new(),
                                settings: BTreeMap::new(),
                                unquoted: Vec::new(),
                                layer: None,
                            });
                            lines.push(Vec::new());
                            pools.len() - 1
                        }
                    };
                    current = Current::Pool(i);
                }
                // php-fpm's own, in any section: the reading order places what it reads.
                NodeKind::Entry(e) if e.applied && e.offset.is_none() && doc.text(e.key) == b"include" => {}
                NodeKind::Entry(e) if e.applied => {
                    // Borrowed: copied once, when a setting is first set.
                    let key = String::from_utf8_lossy(doc.text(e.key));
                    let at = Location { file: f.id, span: node.span };
                    let pool = match current {
                        Current::Pool(pool) => pool,
                        Current::Global => {
                            if e.offset.is_some() {
                                problems.push((f.id, IncludeProblem { label: "an array php-fpm refuses here", span: node.span, message: "php-fpm refuses arrays in the global section (\"Array are not allowed in the global section\"); put this line below a [pool] header".into(), severity: crate::diagnostic::Severity::Error }));
                            }
                            continue;
                        }
                        Current::Unknown(why) => {
                            if !unknown_said.contains(&f.id) {
                                unknown_said.push(f.id);
                                let message = format!("php-fpm reads this line in the section left open by what it read before (a pool, or [global]); that section is not known ({why}), so the line is set in no pool sesslint checks");
                                problems.push((
                                    f.id,
                                    IncludeProblem {
                                        label: "in a section not known",
                                        span: node.span,
                                        message,
                                        severity: crate::diagnostic::Severity::Warning,
                                    },
                                ));
                            }
                            continue;
                        }
                    };
                    let budget = std::cell::Cell::new(MAX_EXPANSION_PER_SETUP);
                    let env = EarlierDirectives::new(ini, &budget);
                    let raw = lossy_string(doc.evaluate(&e.value, &env));
                    // FPM's `$pool`: most values hold none, and are kept as evaluated.
                    let value = if raw.contains("$pool") { raw.replace("$pool", &pools[pool].name) } else { raw };
                    match (&e.offset, &*key) {
                        (Some(off), "php_value" | "php_admin_value" | "php_flag" | "php_admin_flag") => {
                            let name = lossy_string(doc.evaluate_offset(off, &env));
                            if name == "session.save_path" {
                                let found = unquoted_value(doc, f.id, &name, e.value.span.start, value.clone());
                                pools[pool].unquoted.extend(found);
                            }
                            let flag = key.ends_with("_flag");
                            let value = if flag { normalize_flag(&value) } else { value };
                            lines[pool].push((
                                name,
                                value,
                                key.starts_with("php_admin"),
                                at,
                                e.value.span,
                                env.env_names(),
                            ));
                        }
                        (None, _) => {
                            set_later_wins(&mut pools[pool].settings, key, value, at, e.value.span, env.env_names())
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
    for (pool, lines) in pools.iter_mut().zip(lines) {
        for (name, value, admin, at, value_span, depends_on_env) in lines {
            if let Some(o) = pool.overrides.get_mut(&name) {
                o.lines.push((value.clone(), admin, at));
            }
            match pool.overrides.get_mut(&name) {
                // FIRST wins within a kind; an admin line beats any plain one.
                Some(o) if o.admin || !admin => o.shadowed.push(at),
                Some(o) => {
                    let mut shadowed = std::mem::take(&mut o.shadowed);
                    shadowed.push(o.set_at);
                    let lines = std::mem::take(&mut o.lines);
                    *o = PoolOverride { value, depends_on_env, admin, set_at: at, value_span, shadowed, lines };
                }
                None => {
                    let lines = vec![(value.clone(), admin, at)];
                    let o = PoolOverride {
                        value,
                        depends_on_env,
                        admin,
                        set_at: at,
                        value_span,
                        shadowed: Vec::new(),
                        lines,
                    };
                    pool.overrides.insert(name, o);
                }
            }
        }
    }
    pools
}

/// php-fpm turns flag values into "1" or "0" (the scanner already made on/off "1"/"").
fn normalize_flag(v: &str) -> String {
    match v.to_ascii_lowercase().as_str() {
        "1" | "on" | "yes" | "true" => "1".into(),
        _ => "0".into(),
    }
}

impl super::Model {
    /// Whether the tree shows the whole setup `owner` runs with, so that PHP's built-in
    /// defaults count for what it does not set: a SAPI's tree, or a pool whose php.ini is in
    /// the tree. A lone ini file (an editor's draft, an unknown layout) or a Magento install
    /// is judged only by what it sets.
    pub fn shows_whole_setup(&self, owner: super::EndpointOwner) -> bool {
        match owner {
            super::EndpointOwner::Php(_) => self.php_sapi_of(owner).is_some(),
            super::EndpointOwner::Pool(_) => self.php_setup_of(owner).is_some(),
            super::EndpointOwner::Magento(_) => false,
        }
    }

    /// The PHP setup that serves a PHP or pool endpoint owner (`None` for Magento, or a pool
    /// whose php.ini is not in the tree).
    pub fn php_setup_of(&self, owner: super::EndpointOwner) -> Option<&PhpSetup> {
        match owner {
            super::EndpointOwner::Php(i) => self.php.get(i),
            super::EndpointOwner::Pool(i) => self.pools.get(i).and_then(|p| p.setup).and_then(|s| self.php.get(s)),
            super::EndpointOwner::Magento(_) => None,
        }
    }

    /// The value of ini `key` that a request served by `owner` sees: the setup's value
    /// (built-in default when unset) under the pool's `php_value`/`php_admin_value`.
    pub fn php_value(&self, owner: super::EndpointOwner, key: &str) -> Option<EffectiveValue> {
        match owner {
            super::EndpointOwner::Php(i) => self.php.get(i).and_then(|s| s.get(key)),
            super::EndpointOwner::Pool(i) => self.pools.get(i).and_then(|p| p.effective(key, &self.php)),
            super::EndpointOwner::Magento(_) => None,
        }
    }

    /// Where a PHP or pool owner is declared: the pool's `[name]` header, or the setup's
    /// php.ini (its first scan-dir file when it has none), for findings about defaults.
    pub fn php_owner_at(&self, owner: super::EndpointOwner) -> Option<Location> {
        match owner {
            super::EndpointOwner::Pool(i) => self.pools.get(i).map(|p| p.declared_at),
            super::EndpointOwner::Php(i) => {
                let s = self.php.get(i)?;
                let file = s.php_ini.or_else(|| s.scan_files.first().copied())?;
                Some(Location { file, span: crate::span::Span::empty(0) })
            }
            super::EndpointOwner::Magento(_) => None,
        }
    }

    /// The SAPI serving an owner: a pool runs under FPM.
    pub fn php_sapi_of(&self, owner: super::EndpointOwner) -> Option<Sapi> {
        match owner {
            super::EndpointOwner::Pool(_) => Some(Sapi::Fpm),
            super::EndpointOwner::Php(i) => self.php.get(i).and_then(|s| s.sapi),
            super::EndpointOwner::Magento(_) => None,
        }
    }
}

/// Whether PHP reads an ini boolean as on (`1`, `on`, `yes`, `true`, any case; the scanner
/// already turned bare `On` into `1`).
pub fn ini_bool(v: &str) -> bool {
    let v = v.trim().to_ascii_lowercase();
    let digits: String = v.chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
    matches!(v.as_str(), "on" | "yes" | "true") || digits.parse::<i64>().is_ok_and(|n| n != 0)
}

impl super::Model {
    /// Whether the session.save_path in effect at `set_at` (a setting line) is the remains
    /// of a line PHP stopped reading at a syntax error (`tcp://h?auth` of
    /// `tcp://h?auth=secret`): not what its author wrote, so rules leave it to SL001.
    pub fn save_path_cut_by_syntax_error(&self, set_at: Location) -> bool {
        // An index, not a scan: every pool's endpoint asks, and a pool.d can hold thousands.
        let index = self.cut_save_paths.get_or_init(|| {
            let mut index: std::collections::HashMap<FileId, Vec<usize>> = std::collections::HashMap::new();
            let unquoted = self.php.iter().flat_map(|s| &s.unquoted).chain(self.pools.iter().flat_map(|p| &p.unquoted));
            for u in unquoted.filter(|u| u.php_reads.is_none()) {
                index.entry(u.at.file).or_default().push(u.at.span.start);
            }
            index.values_mut().for_each(|starts| starts.sort_unstable());
            index
        });
        let Some(starts) = index.get(&set_at.file) else { return false };
        let first = starts.partition_point(|&s| s < set_at.span.start);
        starts.get(first).is_some_and(|&s| s <= set_at.span.end)
    }

    /// The PHP (not Magento) session endpoints on a Redis handler whose save_path line parsed
    /// whole, each with the place its save_path was set: what the save_path rules judge
    /// (a layered setup's only when its layer decides the handler or save_path).
    pub fn php_redis_save_paths(&self) -> impl Iterator<Item = (&super::SessionEndpoint, super::Location)> {
        self.endpoints
            .iter()
            .filter(|ep| !matches!(ep.owner, super::EndpointOwner::Magento(_)) && ep.uses_redis())
            .filter(|ep| !self.repeats_base(ep.owner, &HISTORY_KEYS))
            .filter(|ep| !self.endpoint_save_path_cut(ep))
            .filter_map(|ep| Some((ep, ep.save_path.as_ref()?.set_at?)))
    }

    /// Whether a finding about `owner` that reads only the ini `keys` (for where sessions
    /// go, [`HISTORY_KEYS`]) is its base's finding again: `owner` is a setup or pool seen
    /// through a layer ([`Layer::base`]), the layer decides none of `keys`, and the base has
    /// a session endpoint of its own on the same SAPI, whose finding says it once.
    pub fn repeats_base(&self, owner: super::EndpointOwner, keys: &[&str]) -> bool {
        use super::EndpointOwner::{Php, Pool};
        let (layer, base) = match owner {
            Php(i) => {
                let l = self.php.get(i).and_then(|s| s.layer.as_ref());
                (l, l.and_then(|l| l.base).map(Php))
            }
            Pool(i) => {
                let l = self.pools.get(i).and_then(|p| p.layer.as_ref());
                (l, l.and_then(|l| l.base).map(Pool))
            }
            super::EndpointOwner::Magento(_) => (None, None),
        };
        let (Some(layer), Some(base)) = (layer, base) else { return false };
        // mod_php over the php.ini every SAPI reads is another SAPI: rules judge it anew.
        !keys.iter().any(|k| layer.decides.contains(*k))
            && self.php_sapi_of(owner) == self.php_sapi_of(base)
            && self.has_endpoint(base)
    }

    /// The places (file, span) of the setup values that pools declared in a file
    /// `declared_in` accepts run with and do not override: a pool-level `php_value` wins, so
    /// only the others are the pool's by inheritance. A set of a few hundred places.
    pub fn settings_inherited_by_pools(
        &self,
        mut declared_in: impl FnMut(FileId) -> bool,
    ) -> std::collections::HashSet<(FileId, Span), foldhash::fast::RandomState> {
        // Every setting of every such pool's setup goes in (hundreds): a fast hasher.
        let mut out = std::collections::HashSet::default();
        for pool in &self.pools {
            let Some(setup) = pool.setup.and_then(|i| self.php.get(i)) else { continue };
            if !declared_in(pool.declared_at.file) {
                continue;
            }
            for (key, v) in &setup.values {
                if pool.overrides.contains_key(key) {
                    continue;
                }
                if let Some(Location { file, span }) = v.set_at {
                    out.insert((file, span));
                }
            }
        }
        out
    }

    /// Where ini `key` is written in a file of the PHP setup `owner` runs with (its php.ini
    /// and scan-dir files) past the point where PHP stops reading that file (a syntax error,
    /// or a `'` that does not close: SL001): a line PHP never applies, so a finding that
    /// says the key is unset or off names it instead of claiming the file does not set it.
    /// The last such line read after `in_effect` (the line that set the value in effect, if
    /// any; a line outside the setup's files, a pool's, decides alone); `None` for every file
    /// PHP reads to its end.
    pub fn php_unread_setting(
        &self,
        owner: super::EndpointOwner,
        key: &str,
        in_effect: Option<Location>,
    ) -> Option<Location> {
        let setup = self.php_setup_of(owner)?;
        let files: Vec<FileId> = setup.php_ini.iter().chain(&setup.scan_files).copied().collect();
        let order = |at: Location| files.iter().position(|&f| f == at.file).map(|i| (i, at.span.start));
        let after = match in_effect {
            None => None,
            Some(at) => Some(order(at)?),
        };
        let mut found = None;
        for &id in &files {
            let f = self.file(id);
            // Only a file PHP stops reading holds entries it does not apply.
            if f.syntax_errors.is_empty() && f.syntax_warnings.is_empty() {
                continue;
            }
            let Some(doc) = f.tree.ini() else { continue };
            for (_, e) in doc.entries() {
                if !e.applied && e.offset.is_none() && doc.text(e.key) == key.as_bytes() {
                    let end = e.value.span.end.max(e.key.end);
                    let at = Location { file: id, span: Span::new(e.key.start, end) };
                    if after.is_none_or(|a| order(at).is_some_and(|o| o > a)) {
                        found = Some(at);
                    }
                }
            }
        }
        found
    }

    /// Whether an endpoint's save_path is such remains (see [`Self::save_path_cut_by_syntax_error`]).
    pub fn endpoint_save_path_cut(&self, ep: &super::SessionEndpoint) -> bool {
        ep.save_path.as_ref().and_then(|v| v.set_at).is_some_and(|at| self.save_path_cut_by_syntax_error(at))
    }
}
