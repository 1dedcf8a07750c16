//! What the server knows of the editor: the workspace folders and the open documents
//! (their unsaved text and version), and the model built from both.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::convert::{Encoding, LineIndex};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::model::{self, Model, Overlay};

/// A document the editor has open.
#[derive(Debug)]
pub struct Document {
    pub uri: Uri,
    pub version: i32,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Workspace {
    /// Absolute workspace folders; the model is built over all of them.
    pub roots: Vec<PathBuf>,
    /// `--root` for absolute paths inside configs (initializationOptions `root`).
    pub config_root: Option<PathBuf>,
    /// Open documents by path (the key discovery uses for the file).
    pub docs: BTreeMap<PathBuf, Document>,
    /// Parsed files from earlier analyses: an edit re-parses only the files that changed.
    pub cache: model::ParseCache,
    /// Bytes the build parses: the editor's user may raise it ([`budget_from`]); never
    /// `sesslint.toml`, which the checked folder controls.
    pub budget: model::ParseBudget,
}

/// The budget of bytes parsed `settings` ask for (initializationOptions, or the settings of
/// `workspace/didChangeConfiguration`, at the top or under `sesslint`): `maxHostMib` and
/// `maxRunMib` in MiB, 1..=[`model::ParseBudget::MAX_MIB`], as `--max-host-mib` and
/// `--max-run-mib`; a key absent keeps `current`'s. Also what was refused, for the log.
pub fn budget_from(
    settings: Option<&serde_json::Value>,
    current: model::ParseBudget,
) -> (model::ParseBudget, Vec<String>) {
    let mut budget = current;
    let mut refused = Vec::new();
    let Some(settings) = settings else { return (budget, refused) };
    let settings = settings.get("sesslint").filter(|s| s.is_object()).unwrap_or(settings);
    for (key, bytes) in [("maxHostMib", &mut budget.host_bytes), ("maxRunMib", &mut budget.run_bytes)] {
        match settings.get(key) {
            None | Some(serde_json::Value::Null) => {}
            Some(v) => match v.as_u64().filter(|n| (1..=model::ParseBudget::MAX_MIB).contains(n)) {
                Some(n) => *bytes = n << 20,
                None => refused.push(format!(
                    "sesslint: `{key}` must be a whole number of MiB in 1..={}, not {v}; kept {} MiB",
                    model::ParseBudget::MAX_MIB,
                    *bytes >> 20
                )),
            },
        }
    }
    (budget, refused)
}

/// The model of the workspace with the open buffers in it, and what the rules say.
pub struct Analysis {
    pub model: Model,
    pub diagnostics: Vec<Diagnostic>,
    /// What is wrong with `sesslint.toml`, if anything.
    pub config_problem: Option<String>,
}

impl Workspace {
    /// Apply a `didChange`'s edits in order; a change without a range replaces the text.
    pub fn apply_changes(doc: &mut Document, changes: Vec<TextDocumentContentChangeEvent>, enc: Encoding) {
        for change in changes {
            match change.range {
                None => doc.text = change.text,
                Some(range) => {
                    let span = LineIndex::new(doc.text.as_bytes()).span(range, enc);
                    // Offsets from LineIndex fall on character boundaries of valid UTF-8.
                    let (start, end) = (floor_char(&doc.text, span.start), floor_char(&doc.text, span.end));
                    doc.text.replace_range(start..end, &change.text);
                }
            }
        }
    }

    /// Discover, read and check the workspace, open buffers in place of their files.
    /// A panic anywhere in there (a parser or a rule) comes back as an error message.
    pub fn analyse(&self) -> Result<Analysis, String> {
        guarded(|| {
            let overlay: Overlay = self.docs.iter().map(|(p, d)| (p.clone(), d.text.clone().into_bytes())).collect();
            let under_a_root = |p: &Path| self.roots.iter().any(|r| p.starts_with(r));
            // Open files outside every folder are checked on their own.
            let mut paths: Vec<PathBuf> = self.roots.clone();
            paths.extend(self.docs.keys().filter(|p| !under_a_root(p) && checkable(p)).cloned());
            let (config, config_problem) = self.config();
            let root = self.config_root.clone().or_else(|| config.root.clone());
            let options = model::BuildOptions {
                root: root.as_deref(),
                overlay: Some(&overlay),
                cache: Some(&self.cache),
                tunnel_paths: &config.tunnel_paths,
                hosts: &config.hosts,
                budget: self.budget,
                ..Default::default()
            };
            let mut model = model::build(&paths, &options);
            // An open file discovery does not take by its name (`my-sessions.ini` at the
            // top of a folder) is still checked when it was opened: named, it is read.
            let missing: Vec<PathBuf> =
                self.docs.keys().filter(|p| checkable(p) && model.file_id(p).is_none()).cloned().collect();
            if !missing.is_empty() {
                paths.extend(missing);
                model = model::build(&paths, &options);
            }
            // The CLI's pipeline: selection, severities, per-path ignores, suppressions.
            let diagnostics = crate::check::run(&model, &config);
            Analysis { model, diagnostics, config_problem }
        })
    }

    /// The `sesslint.toml` at or above the first folder (its unsaved text when it is open),
    /// or the defaults and what is wrong with the file.
    fn config(&self) -> (Config, Option<String>) {
        let start = self.roots.first().or_else(|| self.docs.keys().next());
        let Some(path) = start.and_then(|s| Config::find(s)) else { return (Config::default(), None) };
        let read = match self.docs.get(&path) {
            Some(doc) => Config::parse(&path, &doc.text),
            None => Config::load(&path),
        };
        match read {
            Ok(config) => (config, None),
            Err(e) => (Config::default(), Some(format!("{e}; checking with the default settings"))),
        }
    }
}

/// An open file worth checking by itself although discovery would not pick it by its
/// path: an `.ini`, a `.conf` or an `env.php` on disk (not `sesslint.toml`, not a README).
fn checkable(p: &Path) -> bool {
    let named =
        p.extension().is_some_and(|e| e == "ini" || e == "conf") || p.file_name().is_some_and(|n| n == "env.php");
    named && p.is_file()
}

/// Run `f`, turning a panic into its message.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned())
    })
}

fn floor_char(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    #[test]
    fn incremental_changes_apply_in_order_in_utf16() {
        let uri: Uri = "file:///x/php.ini".parse().expect("uri");
        let mut doc = Document { uri, version: 1, text: "a = é𝄞\nb = 2\n".to_owned() };
        let at = |line, character| Position { line, character };
        let changes = vec![
            TextDocumentContentChangeEvent {
                range: Some(Range { start: at(0, 4), end: at(0, 7) }),
                range_length: None,
                text: "\"x\"".into(),
            },
            TextDocumentContentChangeEvent {
                range: Some(Range { start: at(1, 4), end: at(1, 5) }),
                range_length: None,
                text: "3".into(),
            },
        ];
        Workspace::apply_changes(&mut doc, changes, Encoding::Utf16);
        assert_eq!(doc.text, "a = \"x\"\nb = 3\n");
    }

    /// A folder opened at a copied tree's `etc/` (or below it) is checked in that tree, as
    /// `sesslint check` does: the tree's absolute includes resolve in it (no SL004).
    #[test]
    fn a_folder_below_a_trees_top_is_checked_in_that_tree() {
        let tmp = tempfile::tempdir().expect("tmp");
        let tree = tmp.path().join("copy");
        std::fs::create_dir_all(tree.join("etc/redis")).expect("mkdir");
        std::fs::write(tree.join("etc/redis/redis.conf"), "port 6379\n").expect("write");
        std::fs::write(tree.join("etc/redis/redis-sessions.conf"), "include /etc/redis/redis.conf\nport 6380\n")
            .expect("write");
        for folder in [tree.join("etc"), tree.join("etc/redis")] {
            let ws = Workspace { roots: vec![folder.clone()], ..Default::default() };
            let analysis = ws.analyse().expect("no panic");
            assert_eq!(analysis.model.root, tree, "{}", folder.display());
            let codes: Vec<_> = analysis.diagnostics.iter().map(|d| d.code.as_str()).collect();
            assert!(!codes.contains(&"SL004") && !codes.contains(&"SL002"), "{}: {codes:?}", folder.display());
        }
    }

    /// A document whose URI climbs out of the folder with an encoded `..` (`..%2F`) is the
    /// file it names, outside the folder: analysed as that file's plain URI is (an open file
    /// outside every folder, on its own), not as a file of the folder whose directory
    /// outside is then read as part of it.
    #[test]
    fn an_encoded_dot_dot_does_not_open_a_file_outside_the_folder() {
        let tmp = tempfile::tempdir().expect("tmp");
        let ws_dir = tmp.path().join("ws");
        std::fs::create_dir_all(ws_dir.join("etc/redis")).expect("mkdir");
        std::fs::write(ws_dir.join("etc/redis/redis.conf"), "port 6379\n").expect("write");
        std::fs::create_dir_all(tmp.path().join("out7")).expect("mkdir");
        let outside = tmp.path().join("out7/secret.conf");
        std::fs::write(&outside, "requirepass OUTSIDE_SECRET_1\n").expect("write");
        std::fs::write(tmp.path().join("out7/php.ini"), "session.save_handler = files\n").expect("write");
        let files = |uri: String| {
            let uri: Uri = uri.parse().expect("uri");
            let path = crate::lsp::convert::uri_to_path(&uri).expect("path");
            assert_eq!(path, outside, "{}", uri.as_str());
            let mut ws = Workspace { roots: vec![ws_dir.clone()], ..Default::default() };
            ws.docs.insert(path, Document { uri, version: 1, text: "port 1\n".into() });
            let model = ws.analyse().expect("no panic").model;
            let mut paths: Vec<PathBuf> =
                (0..model.files.len()).map(|i| model.path(crate::model::FileId(i)).to_path_buf()).collect();
            paths.sort();
            paths
        };
        let plain = files(format!("file://{}", outside.display()));
        let climbing = files(format!("file://{}/etc/redis/..%2F..%2F..%2Fout7/secret.conf", ws_dir.display()));
        assert_eq!(climbing, plain);
    }

    #[test]
    fn a_panic_becomes_a_message() {
        let r: Result<(), String> = guarded(|| panic!("rule exploded"));
        assert_eq!(r, Err("rule exploded".to_owned()));
    }
}
