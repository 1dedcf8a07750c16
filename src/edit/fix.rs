//! `check --fix`: the rules' fixes applied in memory to a fixed point (ruff's
//! `fix/mod.rs::apply_fixes`), the model rebuilt from the edited texts through the overlay.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use super::change::{apply_edits, overlaps, ChangeError, ChangeSet, FileChange};
use crate::check::{Outcome, Request};
use crate::codes::Code;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::span::Span;

/// How many times the files are checked and fixed at most; ruff stops at 100, our fixes
/// settle in one or two.
pub const MAX_ITERATIONS: usize = 10;

/// Which fixes to apply.
#[derive(Clone, Copy, Debug, Default)]
pub struct FixOptions {
    /// Also the fixes that change behaviour (`--unsafe-fixes`); display-only ones never.
    pub unsafe_fixes: bool,
}

/// What fixing found and did.
pub struct FixOutcome {
    /// Per file, the original bytes (as the first check read them) to the fixed ones.
    pub changes: ChangeSet,
    /// The first check: the model the changes were made on, and its findings.
    pub before: Outcome,
    /// The last check, of the fixed texts (held in memory): the findings that remain.
    pub after: Outcome,
    /// Fixes applied, per code, in code order.
    pub fixed: Vec<(Code, usize)>,
    /// Fixes left out because they overlap a fix taken before them in the same round.
    pub skipped_overlapping: usize,
    /// Rounds that applied something.
    pub rounds: usize,
    /// False when fixes were still being offered after [`MAX_ITERATIONS`] rounds.
    pub converged: bool,
}

impl FixOutcome {
    /// How many fixes were applied in all.
    pub fn fixed_count(&self) -> usize {
        self.fixed.iter().map(|(_, n)| n).sum()
    }
}

/// Whether `fix` may be applied under `options`.
pub fn applicable(fix: &Fix, options: FixOptions) -> bool {
    match fix.applicability() {
        Applicability::Safe => !fix.edits().is_empty(),
        Applicability::Unsafe => options.unsafe_fixes && !fix.edits().is_empty(),
        Applicability::Display => false,
    }
}

/// Check `req`, apply every applicable fix that does not overlap one taken before it
/// (in order of file and position; a fix identical to one taken is the same fix offered by
/// two rules and is applied once), rebuild the model from the edited texts in memory, and
/// repeat until no fix applies or [`MAX_ITERATIONS`] rounds. Nothing is written: apply
/// [`FixOutcome::changes`] with [`super::apply::apply`]. Errors only when an edited file
/// cannot be placed in the checked tree ([`ChangeError::Outside`]).
pub fn fix(req: &Request<'_>, options: FixOptions) -> Result<FixOutcome, ChangeError> {
    let mut overlay = req.overlay.clone();
    let check = |overlay: &crate::model::Overlay| {
        crate::check::check(&Request { paths: req.paths.clone(), config: req.config, overlay, budget: req.budget })
    };
    let before = check(&overlay);
    // Per file: its bytes before the first fix, and the edits of each round.
    let mut originals: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    let mut rounds_of: HashMap<PathBuf, Vec<Vec<Edit>>> = HashMap::new();
    let mut fixed: BTreeMap<Code, usize> = BTreeMap::new();
    let mut skipped = 0;
    let mut rounds = 0;
    let mut last: Option<Outcome> = None;
    let mut converged = true;
    let mut names = Names::default();
    loop {
        let current = last.as_ref().unwrap_or(&before);
        let mut taken = take_fixes(&current.diagnostics, options, &mut skipped);
        // A file the program reads otherwise than written (a redis.conf NUL byte joins lines)
        // gets no edit: the edited line might be read as part of another.
        let misread = |path: &std::path::Path| {
            current.model.files.iter().any(|f| f.source.path == path && !f.syntax_warnings.is_empty())
        };
        taken.retain(|d| d.fix.as_ref().is_none_or(|f| !f.edits().iter().any(|e| misread(e.path()))));
        if taken.is_empty() {
            break;
        }
        if rounds == MAX_ITERATIONS {
            converged = false;
            break;
        }
        rounds += 1;
        let mut by_file: BTreeMap<PathBuf, Vec<Edit>> = BTreeMap::new();
        let edited = taken.iter().flat_map(|d| d.fix.as_ref().map_or(&[][..], |f| f.edits())).map(|e| e.path());
        names.claim(&before.model, edited);
        for d in &taken {
            *fixed.entry(d.code).or_default() += 1;
            for e in d.fix.as_ref().map_or(&[][..], |f| f.edits()) {
                // A file reached by several names (Debian's conf.d links into
                // mods-available) is edited under one ([`Names::claim`]): one text, one
                // history; the same fix found under each name is applied once.
                let name = names.name(&before.model, e.path());
                let e = match e.path() == name {
                    true => e.clone(),
                    false => Edit::replacement(name.clone(), e.span(), e.content()).with_secrets(e.secrets().to_vec()),
                };
                by_file.entry(name).or_default().push(e);
            }
        }
        for (path, edits) in by_file {
            let Some(file) = current.model.files.iter().find(|f| f.source.path == path) else { continue };
            let text: &[u8] = &file.source.bytes;
            originals.entry(path.clone()).or_insert_with(|| text.to_vec());
            let applied = apply_edits(text, &edits);
            // A name of the same file the overlay held (a buffer's) would keep the old text:
            // the build gives every other name the one name's text.
            let file_is = names.real(&before.model, &path);
            overlay.retain(|k, _| *k == path || names.real(&before.model, k) != file_is);
            overlay.insert(path.clone(), applied.text);
            rounds_of.entry(path).or_default().push(applied.edits);
        }
        last = Some(check(&overlay));
    }
    let mut files = Vec::with_capacity(originals.len());
    for (path, original) in originals {
        let Some(new) = overlay.get(&path) else { continue };
        let rounds = rounds_of.remove(&path).unwrap_or_default();
        // One round: the fixes' own edits (what the editor's quick fix sends too). More:
        // the edits of later rounds sit on earlier ones, so the file's edits are taken
        // from the difference of the original and the final text.
        let edits = match <[_; 1]>::try_from(rounds) {
            Ok([edits]) => edits,
            Err(rounds) => match edits_between(&path, &original, new) {
                Some(edits) => edits,
                // A later round changed a line that is not UTF-8: keep the first round's.
                None => {
                    converged = false;
                    rounds.into_iter().next().unwrap_or_default()
                }
            },
        };
        let mut change = FileChange::new(path.clone(), &original, edits)?;
        change.target = super::change::target_in(&before.model, &path, false)?;
        files.push(change);
    }
    let files = super::change::once_per_file(&before.model, files);
    let after = last.unwrap_or_else(|| check(&overlay));
    Ok(FixOutcome {
        changes: ChangeSet { files },
        before,
        after,
        fixed: fixed.into_iter().collect(),
        skipped_overlapping: skipped,
        rounds,
        converged,
    })
}

/// The one name each edited file is edited under, by the file it really is.
#[derive(Default)]
struct Names {
    /// A name's file as [`super::change::target_in`] places it, links resolved.
    real: HashMap<PathBuf, PathBuf>,
    /// A file's name, the first an edit gave it.
    name: HashMap<PathBuf, PathBuf>,
}

impl Names {
    /// The file `path` names (its own path when it cannot be placed: never merged).
    fn real(&mut self, model: &crate::model::Model, path: &std::path::Path) -> PathBuf {
        if let Some(r) = self.real.get(path) {
            return r.clone();
        }
        let r = super::change::target_in(model, path, false)
            .ok()
            .and_then(|t| std::fs::canonicalize(t).ok())
            .unwrap_or_else(|| path.to_path_buf());
        self.real.insert(path.to_path_buf(), r.clone());
        r
    }

    /// Give each file that `paths` (one round's edits) name and that has no name yet the
    /// first of them that is no symlink (the file's own path, as the backup and the
    /// `wrote` line name it), else the first.
    fn claim<'p>(&mut self, model: &crate::model::Model, paths: impl Iterator<Item = &'p std::path::Path>) {
        let is_link = |p: &std::path::Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
        let mut fresh: HashMap<PathBuf, PathBuf> = HashMap::new();
        for p in paths {
            let real = self.real(model, p);
            if self.name.contains_key(&real) {
                continue;
            }
            match fresh.get(&real) {
                Some(named) if !is_link(named) || is_link(p) => {}
                _ => {
                    fresh.insert(real, p.to_path_buf());
                }
            }
        }
        self.name.extend(fresh);
    }

    /// The name the file `path` names is edited under.
    fn name(&mut self, model: &crate::model::Model, path: &std::path::Path) -> PathBuf {
        let real = self.real(model, path);
        self.name.entry(real).or_insert_with(|| path.to_path_buf()).clone()
    }
}

/// The diagnostics whose fixes one round applies, in file and position order: applicable,
/// not identical to one taken, not overlapping one taken (those are counted in `skipped`).
fn take_fixes<'a>(diagnostics: &'a [Diagnostic], options: FixOptions, skipped: &mut usize) -> Vec<&'a Diagnostic> {
    let mut candidates: Vec<&Diagnostic> =
        diagnostics.iter().filter(|d| d.fix.as_ref().is_some_and(|f| applicable(f, options))).collect();
    let first =
        |d: &Diagnostic| d.fix.as_ref().and_then(|f| f.edits().first()).map(|e| (e.path().to_path_buf(), e.span()));
    candidates.sort_by_key(|d| (first(d), d.code));
    let mut taken: Vec<&Diagnostic> = Vec::new();
    let mut spans: HashMap<PathBuf, Vec<Span>> = HashMap::new();
    for d in candidates {
        let Some(fix) = &d.fix else { continue };
        if taken.iter().any(|t| t.fix.as_ref().is_some_and(|f| f.edits() == fix.edits())) {
            continue;
        }
        let clash =
            fix.edits().iter().any(|e| spans.get(e.path()).is_some_and(|s| s.iter().any(|t| overlaps(*t, e.span()))));
        if clash {
            *skipped += 1;
            continue;
        }
        for e in fix.edits() {
            spans.entry(e.path().to_path_buf()).or_default().push(e.span());
        }
        taken.push(d);
    }
    taken
}

/// Edits turning `old` into `new`, whole lines each: the runs of lines that differ (Myers,
/// bounded to a second; past it the runs are coarser, never wrong). `None` when a changed
/// line is not UTF-8 (an edit's content is text).
pub fn edits_between(path: &std::path::Path, old: &[u8], new: &[u8]) -> Option<Vec<Edit>> {
    let lines = |t: &[u8]| -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        for i in memchr::memchr_iter(b'\n', t) {
            out.push(start..i + 1);
            start = i + 1;
        }
        if start < t.len() {
            out.push(start..t.len());
        }
        out
    };
    let (ol, nl) = (lines(old), lines(new));
    let ot: Vec<&[u8]> = ol.iter().map(|r| &old[r.clone()]).collect();
    let nt: Vec<&[u8]> = nl.iter().map(|r| &new[r.clone()]).collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    let ops = super::diff_ops::line_ops(&ot, &nt, Some(deadline));
    // Line index ranges to byte ranges (an empty range sits where its index is).
    let bytes = |ranges: &[std::ops::Range<usize>], len: usize, r: std::ops::Range<usize>| {
        let at = |i: usize| ranges.get(i).map_or(len, |x| x.start);
        at(r.start)..at(r.end)
    };
    let mut out = Vec::new();
    let mut pending: Option<(std::ops::Range<usize>, std::ops::Range<usize>)> = None;
    let mut runs = Vec::new();
    for op in ops {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            runs.extend(pending.take());
            continue;
        }
        pending = Some(match pending.take() {
            Some((po, pn)) => (po.start..o.end, pn.start..n.end),
            None => (o, n),
        });
    }
    runs.extend(pending);
    for (o, n) in runs {
        let (o, n) = (bytes(&ol, old.len(), o), bytes(&nl, new.len(), n));
        let content = std::str::from_utf8(&new[n]).ok()?;
        out.push(Edit::replacement(path, Span::new(o.start, o.end), content));
    }
    Some(out)
}
