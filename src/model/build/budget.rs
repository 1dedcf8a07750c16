//! The build's budget of bytes parsed: how many bytes of config one host (or a tree that is
//! not a fleet) and one run may parse, and the files left unparsed past it, each reported.

use crate::discover::{Found, Unreadable};
use crate::model::Model;

/// How many bytes of files a build parses. A tree costs a multiple of its file's bytes (up
/// to ~50x for a file of one-word lines), and a group's trees live until it is lowered: the
/// budget bounds the peak memory whatever the input (twenty 16 MiB files in a hostile pull
/// request). A file past it is not parsed and is reported ([`Model::over_budget`], SL002 as
/// an error), never skipped silently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseBudget {
    /// Bytes one fleet host's files may hold, in discovery order; outside a fleet, the whole
    /// tree's. A group of hosts is also cut at this many bytes, so the trees alive at once
    /// hold at most this many bytes (two groups when both fit in it).
    pub host_bytes: u64,
    /// Bytes every file of the run may hold together (what the model keeps of them grows
    /// with it, trees or not).
    pub run_bytes: u64,
}

impl ParseBudget {
    /// 64 MiB per host: four files at the 16 MiB read limit. A real host holds well under
    /// 1 MiB of such configs.
    pub const HOST_BYTES: u64 = 64 << 20;
    /// 1 GiB per run: a fleet of about 3,500 hosts of 300 KB each.
    pub const RUN_BYTES: u64 = 1 << 30;
    /// The largest budget a user may ask for, in MiB (1 TiB): `--max-host-mib`,
    /// `--max-run-mib` and the language server's `maxHostMib`/`maxRunMib` take 1..=this.
    pub const MAX_MIB: u64 = 1 << 20;
}

impl Default for ParseBudget {
    fn default() -> Self {
        ParseBudget { host_bytes: Self::HOST_BYTES, run_bytes: Self::RUN_BYTES }
    }
}

/// The bytes a build has parsed so far, per host (per tree outside a fleet) and for the run:
/// discovered files are charged by [`apply`], files read while lowering (php-fpm's
/// `include=` pools, ACL files) by [`Spent::charge`], files a redis.conf `include`s and
/// tunnel key files by [`Spent::admit`], so that every file read counts once.
pub(super) struct Spent {
    budget: ParseBudget,
    run: u64,
    /// Bytes per host index (`None`: outside a fleet or outside every host).
    hosts: std::collections::HashMap<Option<usize>, u64>,
    /// Files asked for by [`Spent::admit`], and discovered files past the budget: whether
    /// each may be read (charged once, refused every time after the first refusal).
    decided: std::collections::HashMap<std::path::PathBuf, bool>,
}

impl Spent {
    pub(super) fn new(budget: ParseBudget) -> Self {
        Spent { budget, run: 0, hosts: Default::default(), decided: Default::default() }
    }

    /// Whether the file at `path` (read while lowering or linking, not discovered) may be
    /// kept: charged at its size on disk the first time it is asked for (the file a read
    /// under its tree's root opens: an absolute symlink leads below the root, not to this
    /// machine's file, [`crate::confine::Confinement::metadata_in`]); past the budget it
    /// is added to [`Model::over_budget`] (an SL002 error) and refused then and after. A
    /// discovered file past the budget is refused too. Deterministic as long as the caller
    /// asks in the files' order, never in the threads' order.
    pub(super) fn admit(&mut self, model: &mut Model, path: &std::path::Path) -> bool {
        if let Some(&ok) = self.decided.get(path) {
            return ok;
        }
        let size = model.confinement.metadata_in(path, Some(root_of_path(model, path))).map_or(0, |m| m.len());
        match self.charge(model, path, size) {
            Ok(()) => {
                self.decided.insert(path.to_path_buf(), true);
                true
            }
            Err(reason) => {
                self.refuse(model, path.to_path_buf(), reason);
                false
            }
        }
    }

    /// Record that the file at `path` is not parsed past the budget (`reason` from
    /// [`Spent::charge`]): added to [`Model::over_budget`] and refused after.
    pub(super) fn refuse(&mut self, model: &mut Model, path: std::path::PathBuf, reason: String) {
        self.decided.insert(path.clone(), false);
        model.over_budget.push(Unreadable { path, reason });
    }

    /// Whether the file at `path` was left out past the budget (is in
    /// [`Model::over_budget`]): one lookup, however many files were left out.
    pub(super) fn refused(&self, path: &std::path::Path) -> bool {
        self.decided.get(path) == Some(&false)
    }

    /// Count `size` bytes (clamped to the 16 MiB read limit) of the file at `path` when they
    /// fit in both budgets; `Err(reason)` (nothing counted) when they do not, the reason
    /// naming the budget, for an SL002 error at that file.
    pub(super) fn charge(&mut self, model: &Model, path: &std::path::Path, size: u64) -> Result<(), String> {
        let own = size;
        let size = size.min(crate::confine::MAX_FILE_SIZE);
        let h = model.host_of_path(path).map(|h| h.0);
        let host = self.hosts.get(&h).copied().unwrap_or(0);
        if host + size > self.budget.host_bytes {
            let (whose, per) = match (&h, model.hosts.is_empty()) {
                (Some(i), false) => (format!("host {}'s files", model.hosts[*i].name), "per host"),
                _ => ("the checked tree's files".to_owned(), "per tree (per host in a fleet)"),
            };
            return Err(format!(
                "it holds {} and {whose} before it {}, and sesslint parses at most {} {per}, which bounds its memory; raise it with --max-host-mib",
                mib(own),
                mib(host),
                mib(self.budget.host_bytes)
            ));
        }
        if self.run + size > self.budget.run_bytes {
            return Err(format!(
                "it holds {} and the files before it {}, and sesslint parses at most {} in one run, which bounds its memory; raise it with --max-run-mib or check fewer hosts at once",
                mib(own),
                mib(self.run),
                mib(self.budget.run_bytes)
            ));
        }
        self.hosts.insert(h, host + size);
        self.run += size;
        Ok(())
    }
}

/// `files` (each host's files together, in [`super::read::by_host`]'s order) split into
/// those parsed and those past the budget of `spent`, each of the latter with the reason,
/// the former charged to `spent`. A file counts with `size_of` (its size at discovery, an
/// editor buffer's length); the first file of a host always fits (a file is at most 16 MiB).
/// Deterministic: a function of the order and sizes only, never of the threads.
pub(super) fn apply(
    files: Vec<Found>,
    model: &Model,
    spent: &mut Spent,
    size_of: impl Fn(&Found) -> u64,
) -> (Vec<Found>, Vec<Unreadable>) {
    let mut kept = Vec::with_capacity(files.len());
    let mut over = Vec::new();
    for f in files {
        match spent.charge(model, &f.path, size_of(&f)) {
            Err(reason) => {
                spent.decided.insert(f.path.clone(), false);
                if f.read_from != f.path {
                    spent.decided.insert(f.read_from.clone(), false);
                }
                over.push((Unreadable { path: f.path, reason }, f.read_from))
            }
            Ok(()) => kept.push(f),
        }
    }
    (kept, once_per_file(model, over))
}

/// The files left out, one [`Unreadable`] per file however many walked paths reach it (a
/// symlink the walk found beside its target): named at the path that is no symlink (else
/// the first), the others said in its reason. Each is `(left out, the path read_from)`;
/// only these few are resolved (realpath, through the build's directories).
fn once_per_file(model: &Model, over: Vec<(Unreadable, std::path::PathBuf)>) -> Vec<Unreadable> {
    if over.len() < 2 {
        return over.into_iter().map(|(u, _)| u).collect();
    }
    // Each left-out file's group: the entries whose read resolves to the same file.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of_key: std::collections::HashMap<std::path::PathBuf, usize> = Default::default();
    let mut group_of = vec![0; over.len()];
    for (i, (_, from)) in over.iter().enumerate() {
        let g = match model.confinement.canonical_path(from) {
            Ok(key) => *group_of_key.entry(key).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            }),
            Err(_) => {
                groups.push(Vec::new());
                groups.len() - 1
            }
        };
        groups[g].push(i);
        group_of[i] = g;
    }
    let is_link = |k: usize| std::fs::symlink_metadata(&over[k].0.path).is_ok_and(|m| m.is_symlink());
    let reported: Vec<usize> = groups
        .iter()
        .map(|g| if g.len() == 1 { g[0] } else { g.iter().copied().find(|&k| !is_link(k)).unwrap_or(g[0]) })
        .collect();
    let also: Vec<String> = groups
        .iter()
        .zip(&reported)
        .map(|(g, &r)| {
            let others: Vec<String> =
                g.iter().filter(|&&k| k != r).map(|&k| crate::source::display_path(&over[k].0.path)).collect();
            match others.len() {
                0 => String::new(),
                _ => format!(" (also reached as {}, a symlink to it)", others.join(", ")),
            }
        })
        .collect();
    over.into_iter()
        .enumerate()
        .filter(|&(i, _)| reported[group_of[i]] == i)
        .map(|(i, (mut u, _))| {
            u.reason.push_str(&also[group_of[i]]);
            u
        })
        .collect()
}

/// The root the tree holding `path` resolves absolute symlinks under: its fleet host's tree,
/// else the model's root.
pub(super) fn root_of_path<'m>(model: &'m Model, path: &std::path::Path) -> &'m std::path::Path {
    model.host_of_path(path).map_or(model.root.as_path(), |h| model.host(h).root.as_path())
}

/// `n` bytes in MiB, one decimal (`16.0 MiB`).
fn mib(n: u64) -> String {
    format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn found(path: &str, size: u64) -> Found {
        Found {
            path: PathBuf::from(path),
            read_from: PathBuf::from(path),
            role: crate::discover::Role::PhpIni,
            size,
            checked: None,
            met_at: None,
        }
    }

    #[test]
    fn files_past_the_host_budget_are_named_and_the_next_host_starts_afresh() {
        let mut model = Model::default();
        let host = |n: &str| crate::model::host::Host {
            name: n.to_owned(),
            root: PathBuf::from("/f").join(n),
            declared: Vec::new(),
        };
        model.set_fleet(crate::model::host::Fleet {
            dir: PathBuf::from("/f"),
            hosts: vec![host("a"), host("b")],
            missing: Vec::new(),
        });
        let files = vec![found("/f/a/1", 6), found("/f/a/2", 6), found("/f/a/3", 4), found("/f/b/1", 10)];
        let budget = ParseBudget { host_bytes: 10, run_bytes: 100 };
        let (kept, over) = apply(files, &model, &mut Spent::new(budget), |f| f.size);
        let kept: Vec<_> = kept.iter().map(|f| f.path.to_str().unwrap_or_default()).collect();
        assert_eq!(kept, ["/f/a/1", "/f/a/3", "/f/b/1"], "a file that still fits is parsed");
        assert_eq!(over.len(), 1);
        assert_eq!(over[0].path, PathBuf::from("/f/a/2"));
        assert!(over[0].reason.contains("and host a's files before it 0.0 MiB"), "{}", over[0].reason);
        assert!(over[0].reason.ends_with("raise it with --max-host-mib"), "{}", over[0].reason);
    }

    #[test]
    fn files_past_the_run_budget_are_named() {
        let files = vec![found("/t/1", 6), found("/t/2", 6), found("/t/3", 1)];
        let budget = ParseBudget { host_bytes: 100, run_bytes: 7 };
        let (kept, over) = apply(files, &Model::default(), &mut Spent::new(budget), |f| f.size);
        assert_eq!(kept.len(), 2);
        assert_eq!(over[0].path, PathBuf::from("/t/2"));
        assert!(over[0].reason.contains("in one run"), "{}", over[0].reason);
        assert!(over[0].reason.contains("raise it with --max-run-mib"), "{}", over[0].reason);
    }
}
