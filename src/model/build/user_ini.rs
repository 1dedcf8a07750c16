//! The `.user.ini` layer: php-fpm and CGI read the file in a script's directory and above it
//! up to the document root, on top of php.ini and the pool's `php_value` lines.

use std::path::{Path, PathBuf};

use super::Parsed;
use crate::discover::Role;
use crate::model::link::host_of;
use crate::model::php::{FpmPool, Layer, LayerKind, PhpSetup, PoolOverride, Sapi};
use crate::model::{FileId, Location, Model};
use crate::syntax::apache_conf::NodeKind as ApacheNode;
use crate::syntax::ini::{IniDocument, NodeKind, OtherEnvironment};

/// Whether a `.user.ini` may set `key`: only PHP_INI_PERDIR and PHP_INI_USER entries
/// (php_ini.c php_ini_activate_config with PHP_INI_PERDIR). Every `session.*` entry is
/// PHP_INI_ALL or PHP_INI_PERDIR (ext/session/session.c), and phpredis' `redis.session.*`
/// PHP_INI_ALL (redis.c); other keys are not modelled here.
fn settable(key: &str) -> bool {
    key.starts_with("session.") || key.starts_with("redis.session.")
}

/// The document roots the tree names on a machine: Apache's `DocumentRoot` and php-fpm
/// pools' `chdir`, as absolute paths.
fn document_roots(model: &Model, parsed: &[Parsed], pools: &[FpmPool], host: &Path) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    for (i, f) in model.files.iter().enumerate() {
        let Some(Parsed::Apache(conf)) = parsed.get(i) else { continue };
        if host_of(&f.source.path, &[]) != host {
            continue;
        }
        for n in &conf.nodes {
            if let ApacheNode::Directive { name, args } = &n.kind {
                if name.value.eq_ignore_ascii_case(b"DocumentRoot") {
                    if let Some(a) = args.first() {
                        roots.push(PathBuf::from(String::from_utf8_lossy(&a.value).into_owned()));
                    }
                }
            }
        }
    }
    for p in pools {
        if host_of(model.path(p.declared_at.file), &[]) == host {
            if let Some(v) = p.settings.get("chdir") {
                roots.push(PathBuf::from(&v.value));
            }
        }
    }
    roots
}

/// The `.user.ini`'s directory as the machine sees it (`/var/www/shop`).
fn machine_dir(path: &Path, host: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new(""));
    Path::new("/").join(dir.strip_prefix(host).unwrap_or(dir))
}

/// The settable entries of a `.user.ini`, as PHP reads it (later wins within the file).
fn entries(doc: &IniDocument, file: FileId) -> Vec<(String, String, Location, crate::span::Span)> {
    let mut out = Vec::new();
    for node in &doc.nodes {
        if let NodeKind::Entry(e) = &node.kind {
            if !e.applied || e.offset.is_some() {
                continue;
            }
            let key = String::from_utf8_lossy(doc.text(e.key)).into_owned();
            if !settable(&key) {
                continue;
            }
            let value = String::from_utf8_lossy(&doc.evaluate(&e.value, &OtherEnvironment::default())).into_owned();
            out.push((key, value, Location { file, span: node.span }, e.value.span));
        }
    }
    out
}

/// Add the `.user.ini` layer: for every `.user.ini` under a document root the tree names
/// (every one in the tree when it names none), one more pool per php-fpm pool and one more
/// setup per CGI setup of that machine, with its values on top. A pool's `php_admin_value`
/// keeps its key (FPM makes it PHP_INI_SYSTEM: fpm_php.c fpm_php_zend_ini_alter_master);
/// `user_ini.filename` other than `.user.ini` (or empty) turns the file off.
pub(super) fn lower_user_ini(
    model: &Model,
    parsed: &[Parsed],
    setups: &mut Vec<PhpSetup>,
    pools: &mut Vec<FpmPool>,
    first: usize,
) {
    let files: Vec<usize> = (first..model.files.len()).filter(|&i| model.files[i].role == Role::UserIni).collect();
    for i in files {
        let Some(Parsed::Ini(doc)) = parsed.get(i) else { continue };
        let path = &model.files[i].source.path;
        let host = host_of(path, &[]);
        let dir = machine_dir(path, &host);
        let roots = document_roots(model, parsed, pools, &host);
        if !roots.is_empty() && !roots.iter().any(|r| dir.starts_with(r)) {
            continue;
        }
        let found = entries(doc, FileId(i));
        if found.is_empty() {
            continue;
        }
        let context = crate::source::display_path(&dir);
        let reads_it = |filename: Option<String>| filename.is_none_or(|f| f == ".user.ini");
        let base_pools: Vec<(usize, FpmPool)> = pools
            .iter()
            .enumerate()
            .filter(|(_, p)| p.layer.is_none() && host_of(model.path(p.declared_at.file), &[]) == host)
            .filter(|(_, p)| reads_it(p.effective("user_ini.filename", setups).map(|v| v.value)))
            .map(|(b, p)| (b, p.clone()))
            .collect();
        for (b, mut p) in base_pools {
            let mut layer = Layer::new(LayerKind::UserIni, context.clone(), FileId(i), Some(b));
            let mut applied = false;
            for (key, value, at, value_span) in &found {
                if p.overrides.get(key).is_some_and(|o| o.admin) {
                    continue;
                }
                // The pool's own line (and what it shadowed); php.ini's line is added by
                // `FpmPool::effective`.
                let shadowed: Vec<Location> = match p.overrides.get(key) {
                    Some(o) => o.shadowed.iter().copied().chain([o.set_at]).collect(),
                    None => Vec::new(),
                };
                let o = PoolOverride {
                    value: value.clone(),
                    depends_on_env: None,
                    admin: false,
                    set_at: *at,
                    value_span: *value_span,
                    shadowed,
                    lines: vec![(value.clone(), false, *at)],
                };
                p.overrides.insert(key.clone(), o);
                layer.decides.insert(key.clone());
                applied = true;
            }
            if !applied {
                continue; // every key pinned by php_admin_value: the pool is unchanged
            }
            // Only the winning line per key: the pool's own duplicates are judged once.
            for o in p.overrides.values_mut() {
                o.lines.retain(|(_, _, at)| *at == o.set_at);
            }
            p.unquoted.clear();
            p.layer = Some(layer);
            pools.push(p);
        }
        let cgi: Vec<(usize, PhpSetup)> = setups
            .iter()
            .enumerate()
            .filter(|(_, s)| s.layer.is_none() && s.sapi == Some(Sapi::Cgi) && host_of(&s.dir, &[]) == host)
            .filter(|(_, s)| reads_it(s.get("user_ini.filename").map(|v| v.value)))
            .map(|(b, s)| (b, s.clone()))
            .collect();
        for (b, mut s) in cgi {
            for (key, value, at, value_span) in &found {
                s.set_from_layer(key, value.clone(), *at, *value_span);
            }
            let mut layer = Layer::new(LayerKind::UserIni, context.clone(), FileId(i), Some(b));
            layer.decides = Layer::decided_keys(&setups[b].values, &s.values);
            s.layer = Some(layer);
            setups.push(s);
        }
    }
}
