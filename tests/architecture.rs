//! Dependencies between the library's modules point one way, down the pipeline that
//! ARCHITECTURE.md draws: a module may name (`crate::x`) only modules of a lower layer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use its own items and those of lower layers;
/// modules of one layer do not know each other.
const LAYERS: &[&[&str]] = &[
    // Plain values and text utilities: know nothing else of sesslint.
    // (and the generated inputs of the unit tests, compiled for them only)
    // (the did-you-mean by edit distance first: rule codes use it for a mistyped name)
    &["suggest"],
    &["span", "glob", "php_constants", "php_value", "codes", "sha256", "parallel", "test_input"],
    &["source", "diagnostic"],
    // The one way a config file is opened: inside the checked tree, bounded.
    &["confine"],
    // read -> parse
    &["syntax"],
    // what a whole-machine check walks (`sesslint /`)
    &["machine_scope"],
    // what is a secret, by field (knows the redis directive table)
    &["discover", "secrets"],
    // -> model
    &["model"],
    // a live connection to a session target, as its client makes it (probe, session copy)
    &["live"],
    // copying the sessions of a files save path into Redis (migrate --copy-sessions)
    &["session_copy"],
    // -> rules (the suppression pass is read by SL006; config chooses rules); the migration's
    // edits read the model
    &["suppress", "migrate"],
    &["rules"],
    // the live checks of `sesslint probe` (SL5xx diagnostics); never called by check
    &["probe"],
    // which findings a run naming files (pre-commit) keeps
    &["config", "staged"],
    &["check"],
    // -> report, and the shells over the library
    &["report"],
    // -> edits: fixes and rewrites, their preview, atomic apply
    &["edit"],
    &["show", "parse_output"],
    &["lsp"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The library's top-level module a file under `src/` belongs to (`None`: lib.rs, and the
/// binary's own files, which may use anything).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main" | "progress" | "start" | "cli")).then(|| name.to_owned())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules a line of code names through `crate::`: `crate::model::Model`,
/// `use crate::{model, rules}`. Comments (doc links too) do not count.
fn named_modules(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        if code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue; // `foocrate::` is not the crate
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            out.extend(inner.split(',').filter_map(|p| p.trim().split("::").next()).map(str::to_owned));
        } else {
            out.push(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
        }
    }
    out.retain(|m| !m.is_empty() && m.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
    out
}

/// Every `crate::` use that points at the same or a higher layer: (file:line, from, to).
fn upward_imports(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    for file in files {
        let Some(from) = module_of(src, &file) else { continue };
        let from_layer = layer_of(&from).unwrap_or_else(|| panic!("module `{from}` has no layer: add it to LAYERS"));
        let text = std::fs::read_to_string(&file).expect("read");
        for (n, line) in text.lines().enumerate() {
            for to in named_modules(line) {
                if to == from {
                    continue;
                }
                match layer_of(&to) {
                    Some(l) if l < from_layer => {}
                    Some(_) => bad.push(format!("{}:{}: `{from}` uses `{to}`", file.display(), n + 1)),
                    None => {} // a crate-root item such as `crate::Span`
                }
            }
        }
    }
    bad
}

#[test]
fn modules_depend_only_on_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = upward_imports(&src);
    assert!(bad.is_empty(), "imports against the pipeline's direction:\n{}", bad.join("\n"));
}

#[test]
fn every_library_module_has_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).expect("lib.rs");
    let mut seen = BTreeMap::new();
    for line in lib.lines() {
        let decl = line.trim_start_matches("pub ").trim_start_matches("pub(crate) ");
        if let Some(name) = decl.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
            seen.insert(name.to_owned(), layer_of(name));
        }
    }
    let missing: Vec<_> = seen.iter().filter(|(_, l)| l.is_none()).map(|(m, _)| m.as_str()).collect();
    assert!(missing.is_empty(), "modules without a layer: {missing:?}");
    assert!(seen.len() >= 15, "lib.rs read: {seen:?}");
}

#[test]
fn the_scanner_sees_every_form_of_use() {
    assert_eq!(named_modules("use crate::model::{FileId, Model};"), ["model"]);
    assert_eq!(named_modules("use crate::{report, rules::Rule};"), ["report", "rules"]);
    assert_eq!(named_modules("    let x = crate::report::display_path(p); // crate::lsp"), ["report"]);
    assert_eq!(named_modules("//! Built from a [`Discovery`](crate::discover::Discovery)."), Vec::<String>::new());
    assert_eq!(named_modules("pub fn f(s: crate::Span)"), Vec::<String>::new());
}

/// Rules, reports and the language server read the model's trees and spans: none of them
/// parses a file again (`ini::parse`, `redis_conf::parse`, `env_php::parse`).
#[test]
fn only_the_model_parses() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in ["rules", "report", "lsp"] {
        rust_files(&src.join(dir), &mut files);
    }
    files.push(src.join("show.rs"));
    files.push(src.join("check.rs"));
    let calls = ["ini::parse", "redis_conf::parse", "env_php::parse", "parse_with("];
    let mut bad = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if calls.iter().any(|c| code.contains(c)) {
                bad.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(bad.is_empty(), "parsing outside the model:\n{}", bad.join("\n"));
}
