//! mod_php's layer: the `php_value` family in Apache's config, merged as httpd and PHP's
//! apache2handler do, on top of the PHP setup mod_php reads (one setup per context).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::Parsed;
use crate::discover::Role;
use crate::model::link::host_of;
use crate::model::php::{Layer, LayerKind, PhpSetup, Sapi};
use crate::model::{FileId, Location, Model};
use crate::span::Span;
use crate::syntax::apache_conf::{ApacheConf, NodeKind};

/// One `php_value` (or flag, admin) line as PHP stores it.
#[derive(Clone)]
struct Entry {
    key: String,
    /// After `none` -> "" and flag normalisation (apache_config.c real_value_hnd,
    /// real_flag_hnd).
    value: String,
    /// `php_admin_*`: PHP_INI_SYSTEM, which a nested `php_value` (PHP_INI_PERDIR) cannot
    /// replace (should_overwrite_per_dir_entry: the new entry wins when its status is >=).
    admin: bool,
    at: Location,
    value_span: Span,
    /// The enclosing sections that scope it (`<VirtualHost *:80>`, `<Directory /x>`),
    /// outermost first; `<IfModule>`/`<IfDefine>`/`<IfVersion>` are not scopes.
    scope: Vec<String>,
}

/// The directory of an Apache tree: the `httpd`/`apache2` ancestor of a file.
pub(crate) fn tree_dir(path: &Path) -> PathBuf {
    path.ancestors()
        .find(|a| a.file_name().and_then(|n| n.to_str()).is_some_and(|n| n == "httpd" || n == "apache2"))
        .unwrap_or_else(|| path.parent().unwrap_or(Path::new("")))
        .to_path_buf()
}

/// The order httpd reads a distribution's files in: the main config, then what it includes
/// (RHEL: conf.modules.d, then conf.d at its end; Debian: mods-enabled, conf-enabled,
/// sites-enabled), each directory in name order.
fn read_order(path: &Path) -> (u8, PathBuf) {
    let parent = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let rank = match (name, parent) {
        ("httpd.conf" | "apache2.conf", _) => 0,
        (_, "conf.modules.d" | "mods-enabled") => 1,
        (_, "conf-enabled") => 2,
        (_, "conf.d") => 3,
        _ => 4,
    };
    (rank, path.to_path_buf())
}

/// A PHP module as `<IfModule>` and `LoadModule` name it, reduced to one form: `php` for
/// PHP 8's `php_module`/`mod_php.c`, `php7` for `php7_module`/`mod_php7.c`; `None` for
/// other modules.
fn php_module(name: &str) -> Option<String> {
    let n = name.to_ascii_lowercase();
    let core = n.strip_suffix("_module").or_else(|| n.strip_prefix("mod_").and_then(|m| m.strip_suffix(".c")))?;
    core.starts_with("php").then(|| core.to_owned())
}

/// The PHP modules the tree's `LoadModule` lines load (see [`php_module`]); empty when
/// none is in the tree (Debian loads it from `mods-enabled/php8.2.load`).
fn loaded_php_modules(conf: &ApacheConf, out: &mut Vec<String>) {
    for node in &conf.nodes {
        if let NodeKind::Directive { name, args } = &node.kind {
            if name.value.eq_ignore_ascii_case(b"LoadModule") {
                if let Some(m) = args.first().and_then(|a| php_module(&String::from_utf8_lossy(&a.value))) {
                    out.push(m);
                }
            }
        }
    }
}

/// Whether httpd reads what an `<IfModule arg>` holds, as far as mod_php goes: a PHP module
/// counts as loaded when the tree loads it, or, when the tree shows no `LoadModule` for PHP,
/// as the one mod_php there is. httpd 2.4 with Debian's mod_php 8.2 skips `<IfModule
/// mod_php7.c>` (tests/e2e_mod_php.rs).
fn if_module_holds(arg: &str, loaded: &[String]) -> bool {
    let (negated, name) = match arg.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, arg),
    };
    let Some(module) = php_module(name) else { return true }; // not about PHP: assume it holds
    let present = loaded.is_empty() || loaded.contains(&module);
    present != negated
}

fn entries(conf: &ApacheConf, file: FileId, loaded: &[String], out: &mut Vec<Entry>) {
    // (section name, its label when it scopes, whether it excludes mod_php)
    let mut stack: Vec<(String, Option<String>, bool)> = Vec::new();
    for node in &conf.nodes {
        match &node.kind {
            NodeKind::Open { name, args } => {
                let n = String::from_utf8_lossy(&name.value).to_ascii_lowercase();
                let arg_text: Vec<String> =
                    args.iter().map(|a| String::from_utf8_lossy(&a.value).into_owned()).collect();
                let conditional = n.starts_with("if");
                // `<IfModule !mod_php.c>` holds what applies when mod_php is NOT loaded, and
                // `<IfModule mod_php7.c>` what applies to PHP 7's.
                let excludes = n == "ifmodule" && arg_text.first().is_some_and(|a| !if_module_holds(a, loaded));
                let label = (!conditional).then(|| {
                    format!("<{} {}>", String::from_utf8_lossy(&name.value), arg_text.join(" ")).replace(" >", ">")
                });
                stack.push((n, label, excludes));
            }
            NodeKind::Close { .. } => {
                stack.pop();
            }
            NodeKind::Directive { name, args } => {
                let d = String::from_utf8_lossy(&name.value).to_ascii_lowercase();
                if !matches!(d.as_str(), "php_value" | "php_flag" | "php_admin_value" | "php_admin_flag") {
                    continue;
                }
                let [key, value] = args.as_slice() else { continue }; // httpd refuses it: SL001
                if stack.iter().any(|(_, _, excludes)| *excludes) {
                    continue;
                }
                let raw = String::from_utf8_lossy(&value.value).into_owned();
                let value_text = if d.ends_with("_flag") {
                    if raw.eq_ignore_ascii_case("on") || raw == "1" { "1" } else { "0" }.to_owned()
                } else if raw.eq_ignore_ascii_case("none") {
                    String::new()
                } else {
                    raw
                };
                out.push(Entry {
                    key: String::from_utf8_lossy(&key.value).into_owned(),
                    value: value_text,
                    admin: d.starts_with("php_admin"),
                    at: Location { file, span: node.span },
                    value_span: value.span,
                    scope: stack.iter().filter_map(|(_, l, _)| l.clone()).collect(),
                });
            }
            NodeKind::Trivia => {}
        }
    }
}

/// Merge the entries that reach `scope` (its own and its ancestors'), outermost first:
/// within one context the later line wins; an inner one wins unless it is `php_value` over
/// an outer `php_admin_value`.
fn merged<'a>(by_scope: &HashMap<&[String], Vec<&'a Entry>>, scope: &[String]) -> BTreeMap<&'a str, &'a Entry> {
    let mut out: BTreeMap<&str, &Entry> = BTreeMap::new();
    for depth in 0..=scope.len() {
        for &e in by_scope.get(&scope[..depth]).into_iter().flatten() {
            match out.get(e.key.as_str()) {
                Some(prev) if prev.scope.len() < depth && prev.admin && !e.admin => {}
                _ => {
                    out.insert(&e.key, e);
                }
            }
        }
    }
    out
}

/// `${A}, ${B} (httpd's `Define` or environment)` for the `${NAME}` in a `php_value`'s
/// value, `None` when it names none.
fn httpd_variables(value: &str) -> Option<String> {
    let mut names = Vec::new();
    let mut rest = value;
    while let Some(p) = rest.find("${") {
        let Some(len) = rest[p + 2..].find('}') else { break };
        let name = &rest[p..p + 2 + len + 1];
        if !names.contains(&name) {
            names.push(name);
        }
        rest = &rest[p + 2 + len + 1..];
    }
    (!names.is_empty()).then(|| format!("{} (httpd's `Define` or environment)", names.join(", ")))
}

/// Add mod_php's layer to the setups: for each Apache tree, the setup mod_php reads on the
/// same machine (Debian's `apache2` SAPI tree, else the php.ini every SAPI reads, else
/// PHP's defaults) with the server-wide lines, and one more setup per section that sets
/// its own values.
pub(super) fn lower_apache(model: &Model, parsed: &[Parsed], setups: &mut Vec<PhpSetup>, first: usize) {
    let mut trees: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (i, f) in model.files.iter().enumerate().skip(first) {
        if f.role == Role::ApacheConf {
            trees.entry(tree_dir(&f.source.path)).or_default().push(i);
        }
    }
    for (dir, mut files) in trees {
        files.sort_by_key(|&i| read_order(&model.files[i].source.path));
        let mut loaded = Vec::new();
        for &i in &files {
            if let Some(Parsed::Apache(conf)) = parsed.get(i) {
                loaded_php_modules(conf, &mut loaded);
            }
        }
        let mut all = Vec::new();
        for &i in &files {
            if let Some(Parsed::Apache(conf)) = parsed.get(i) {
                entries(conf, FileId(i), &loaded, &mut all);
            }
        }
        if all.is_empty() {
            continue;
        }
        let host = host_of(&dir, &[]);
        let same_host = |s: &PhpSetup| host_of(&s.dir, &[]) == host && s.layer.is_none();
        let base = setups
            .iter()
            .position(|s| same_host(s) && s.sapi == Some(Sapi::Apache2))
            .or_else(|| setups.iter().position(|s| same_host(s) && s.sapi.is_none()));
        // Each section's own entries in file order, and the sections in order of first
        // mention (a section's enclosing ones first), each found by a lookup, not a search.
        let mut by_scope: HashMap<&[String], Vec<&Entry>> = HashMap::new();
        let mut scopes: Vec<Vec<String>> = vec![Vec::new()];
        let mut known: HashSet<&[String]> = HashSet::from([&[][..]]);
        for e in &all {
            by_scope.entry(&e.scope[..]).or_default().push(e);
            for depth in 1..=e.scope.len() {
                if known.insert(&e.scope[..depth]) {
                    scopes.push(e.scope[..depth].to_vec());
                }
            }
        }
        let first_file = FileId(files[0]);
        let base_setup = base.map(|b| setups[b].clone());
        // The setup each context became, so an inner one knows the one it is layered on.
        let mut made: HashMap<Vec<String>, usize> = HashMap::new();
        for scope in scopes {
            let values = merged(&by_scope, &scope);
            let own = by_scope.get(&scope[..]).map_or(&[][..], |v| &v[..]);
            // Only a context that sets something of sessions is a setup of its own.
            if !own.iter().any(|e| e.key.starts_with("session.") || e.key.starts_with("redis.")) {
                continue;
            }
            let mut s = base_setup.clone().unwrap_or_else(|| PhpSetup::defaults(dir.clone()));
            s.sapi = Some(Sapi::Apache2);
            let file = own.first().map_or(first_file, |e| e.at.file);
            let context = scope.last().cloned().unwrap_or_else(|| "server".to_owned());
            for e in values.values() {
                s.set_from_layer(&e.key, e.value.clone(), e.at, e.value_span);
                // httpd replaces `${NAME}` when it reads the line, from a `Define` or its own
                // environment (`ap_resolve_env`; Debian's envvars): sesslint does not expand
                // it, so the value is unknown, not wrong (SL401 does not compare it).
                if let Some(names) = httpd_variables(&e.value) {
                    if let Some(v) = s.values.get_mut(e.key.as_str()) {
                        v.depends_on_env = Some(names);
                    }
                }
            }
            // Debian's apache2 tree serves mod_php alone: its server-wide layer replaces it.
            let replaces = base.filter(|&b| scope.is_empty() && setups[b].sapi == Some(Sapi::Apache2));
            let parent = (0..scope.len())
                .rev()
                .find_map(|d| made.get(&scope[..d]).copied())
                .or(base)
                .filter(|_| replaces.is_none());
            let mut layer = Layer::new(LayerKind::Apache, context, file, parent);
            if let Some(p) = parent {
                layer.decides = Layer::decided_keys(&setups[p].values, &s.values);
            }
            s.layer = Some(layer);
            let index = match replaces {
                Some(b) => {
                    setups[b] = s;
                    b
                }
                None => {
                    setups.push(s);
                    setups.len() - 1
                }
            };
            made.insert(scope, index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{if_module_holds, php_module};

    #[test]
    fn if_module_names_php_8s_module_and_not_php_7s() {
        assert_eq!(php_module("mod_php.c").as_deref(), Some("php"));
        assert_eq!(php_module("php7_module").as_deref(), Some("php7"));
        assert_eq!(php_module("mod_rewrite.c"), None);
        let php8 = ["php".to_owned()];
        assert!(if_module_holds("mod_php.c", &php8) && if_module_holds("php_module", &php8));
        assert!(!if_module_holds("mod_php7.c", &php8) && !if_module_holds("!php_module", &php8));
        assert!(if_module_holds("!mod_php5.c", &php8) && if_module_holds("mod_rewrite.c", &php8));
        // No LoadModule in the tree: the mod_php there is, whichever it is.
        assert!(if_module_holds("mod_php7.c", &[]) && !if_module_holds("!mod_php.c", &[]));
    }
}
