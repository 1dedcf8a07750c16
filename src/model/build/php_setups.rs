//! Lowering ini files: PHP setups (php.ini and its scan directory per SAPI), and php-fpm's
//! trees (php-fpm.conf, the pool files it includes, the setup it reads) into pools.

use std::path::{Path, PathBuf};

use super::fpm_includes::{fpm_include_patterns_of, fpm_includes, fpm_setup, read_fpm_includes, Scanned, SetupIndex};
use super::fpm_reading;
use super::Parsed;
use crate::discover::{self, Role};
use crate::model::php::{self, FpmRead, FpmTree, IniFile};
use crate::model::{FileId, IncludeProblem, Model};

fn ini_file<'a>(model: &'a Model, parsed: &'a [Parsed], i: usize) -> Option<IniFile<'a>> {
    match &parsed[i] {
        Parsed::Ini(doc) => Some(IniFile { id: FileId(i), path: &model.files[i].source.path, doc }),
        _ => None,
    }
}

/// Where a setup or pool comes from, in the order one pass over every file lists them
/// ([`order_like_one_pass`]): setups with a php.ini, scan directories alone, Apache layers,
/// `.user.ini` layers; pools of a php-fpm.conf, pools without one, `.user.ini` layers.
pub(super) type Kind = u8;

/// Lower the PHP setups and pools of the files from `first` on (one group of hosts; the
/// files before it were lowered already), appending them to `model.php` and `model.pools`
/// and the [`Kind`] of each to `kinds` (setups', pools'). The pool files php-fpm's
/// `include=` adds are charged to `spent`, the build's budget of bytes parsed; a pattern's
/// directory is spelled as the walk spelled it (`spellings`).
pub(super) fn lower_php(
    model: &mut Model,
    parsed: &mut Vec<Parsed>,
    first: usize,
    kinds: &mut (Vec<Kind>, Vec<Kind>),
    spent: &mut super::budget::Spent,
    spellings: &crate::confine::Spellings,
) {
    let by_role = |model: &Model, role: Role| -> Vec<usize> {
        (first..model.files.len()).filter(|&i| model.files[i].role == role).collect()
    };
    let setups = {
        let php_inis: Vec<_> =
            by_role(model, Role::PhpIni).into_iter().filter_map(|i| ini_file(model, parsed, i)).collect();
        let scan_inis: Vec<_> =
            by_role(model, Role::PhpScanIni).into_iter().filter_map(|i| ini_file(model, parsed, i)).collect();
        php::build_setups(&php_inis, &scan_inis)
    };

    let mains = by_role(model, Role::FpmMain);
    // Files an `include=` names outside the usual pool directories join the pools.
    let includes = fpm_include_patterns_of(model, parsed, &mains, spellings);
    let mut scanned = Scanned::new();
    for (&m, inc) in mains.iter().zip(&includes) {
        read_fpm_includes(model, parsed, m, inc, spent, spellings, &mut scanned);
    }
    let mut include_problems: Vec<(usize, IncludeProblem)> = Vec::new();
    let (pools, pools_by_dir, resolved) =
        resolve_includes(model, parsed, &mains, includes, spent, spellings, &mut scanned, &mut include_problems);
    let mut claimed = vec![false; model.files.len()];
    let setups_by_dir = SetupIndex::new(&setups);
    // Each tree: the files php-fpm reads (model indices), its reading order over them, and
    // its setup.
    let mut trees: Vec<(Vec<usize>, Vec<FpmRead>, Option<usize>)> = Vec::new();
    let doc = |f: usize| match parsed.get(f) {
        Some(Parsed::Ini(doc)) => Some(&**doc),
        _ => None,
    };
    for &m in &mains {
        let dir = model.files[m].source.path.parent().unwrap_or(Path::new("")).to_path_buf();
        // FPM reads what `include=` names, where it stands; without one we know of, the
        // distributions' convention: pool.d/ (Debian) or php-fpm.d/ (RHEL, Alpine, Docker),
        // each file in a section sesslint does not know.
        let reads_some = resolved
            .get(&m)
            .is_some_and(|lines| lines.iter().any(|(_, files)| files.as_ref().is_some_and(|f| !f.files.is_empty())));
        // A file another tree holds is not read again (the reader reads each file once).
        let mut mine = |f: usize| {
            if std::mem::replace(&mut claimed[f], true) {
                Err(fpm_reading::CHECKED_ELSEWHERE)
            } else {
                Ok(())
            }
        };
        let _ = mine(m);
        let mut reader = fpm_reading::Reader::new(&resolved, &doc, &mut mine);
        let mut reading = fpm_reading::reading_of_main(m, &mut reader);
        if !reads_some {
            for sub in ["pool.d", "php-fpm.d"] {
                for &p in pools_by_dir.get(&dir.join(sub)).into_iter().flatten() {
                    if reader.take(p).is_ok() {
                        reading.push(FpmRead::Unknown { why: fpm_reading::NOT_INCLUDED });
                        fpm_reading::read_file(p, &mut vec![m, p], &mut reader, &mut reading);
                    }
                }
            }
        }
        include_problems.append(&mut reader.problems);
        let files = fpm_reading::files_read(&reading);
        if files.is_empty() {
            reading.clear();
        }
        trees.push((files, reading, fpm_setup(&setups, &setups_by_dir, &dir)));
    }
    carried_sections(model, parsed, &trees);
    // Pool files without a php-fpm.conf next to them (an infrastructure repo's pool.d/): what
    // php-fpm read before each is not known.
    let mut orphans: std::collections::BTreeMap<PathBuf, Vec<usize>> = Default::default();
    for &p in &pools {
        if !claimed[p] {
            let d = model.files[p].source.path.parent().unwrap_or(Path::new("")).to_path_buf();
            orphans.entry(d).or_default().push(p);
        }
    }
    let fpm_trees = trees.len();
    for (dir, files) in orphans {
        let fpm_dir = dir.parent().unwrap_or(&dir).to_path_buf();
        let mut reading = Vec::new();
        let mut mine = |_| Ok(());
        // Each file once in this reading: a file the files before it included is not read
        // again from its top (nor again and again through every file including it).
        let mut reader = fpm_reading::Reader::new(&resolved, &doc, &mut mine);
        for &p in &files {
            if reader.take(p).is_ok() {
                reading.push(FpmRead::Unknown { why: fpm_reading::NOT_INCLUDED });
                fpm_reading::read_file(p, &mut vec![p], &mut reader, &mut reading);
            }
        }
        include_problems.append(&mut reader.problems);
        trees.push((files, reading, fpm_setup(&setups, &setups_by_dir, &fpm_dir)));
    }
    for (file, problem) in include_problems {
        model.files[file].include_problems.push(problem);
    }

    // Each php-fpm tree's pools come from its own files: built over the threads, in order.
    let built = crate::parallel::map(&trees, 4, |(files, reading, setup)| {
        // Files that are not ini trees are left out, and so are their stretches.
        let files: Vec<usize> = files.iter().copied().filter(|&i| ini_file(model, parsed, i).is_some()).collect();
        let reading = fpm_reading::renumbered(reading.clone(), &files);
        let tree = FpmTree {
            files: files.iter().filter_map(|&i| ini_file(model, parsed, i)).collect(),
            reading,
            setup: *setup,
        };
        let mut problems = Vec::new();
        let pools = php::build_pools(&tree, setup.map(|s| &setups[s].values), &mut problems);
        (pools, problems)
    });
    let mut problems = Vec::new();
    let mut all_pools = Vec::new();
    let mut pool_kinds = Vec::new();
    for (t, (pools, tree_problems)) in built.into_iter().enumerate() {
        all_pools.extend(pools);
        problems.extend(tree_problems);
        pool_kinds.resize(all_pools.len(), if t < fpm_trees { 0 } else { 1 });
    }
    for (file, p) in problems {
        model.files[file.0].include_problems.push(p);
    }
    // A value whose `${}` expansion was cut at a limit is reported, never silently used:
    // once per setup and file, at the first cut line with a count of the others (a million
    // lines referring to one doubled value are one finding, not a million).
    for s in &setups {
        let mut by_file: Vec<(usize, usize, usize)> = Vec::new(); // (file, first line, lines)
        let mut slot: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        for at in &s.expansion_cut_at {
            match slot.get(&at.file.0) {
                Some(&k) => by_file[k].2 += 1,
                None => {
                    slot.insert(at.file.0, by_file.len());
                    by_file.push((at.file.0, model.files[at.file.0].source.position(at.span.start).line, 1));
                }
            }
        }
        for (file, line, lines) in by_file {
            let more = match lines {
                1 => String::new(),
                n => format!(" (and {} more line(s) of this file in this setup)", n - 1),
            };
            model.unreadable.push(discover::Unreadable {
                path: model.files[file].source.path.clone(),
                reason: format!(
                    "line {line}{more}: the value's `${{}}` expansion passes {} MiB (or the setup's {} MiB in all); sesslint cut it there (PHP expands it in full at startup)",
                    crate::syntax::ini::MAX_EXPANDED_VALUE >> 20,
                    php::MAX_EXPANSION_PER_SETUP >> 20
                ),
            });
        }
    }
    let mut setups = setups;
    // A host's setups share its etc/: its release files are read once.
    let mut shipped: std::collections::HashMap<PathBuf, _> = Default::default();
    for s in setups.iter_mut() {
        let Some(etc) = s.dir.ancestors().find(|a| a.file_name().is_some_and(|n| n == "etc")) else { continue };
        let read = |name: &str| model.confinement.read(&etc.join(name)).ok().and_then(|b| String::from_utf8(b).ok());
        s.phpredis = shipped.entry(etc.to_path_buf()).or_insert_with(|| php::distribution_phpredis(etc, read)).clone();
    }
    let mut setup_kinds: Vec<Kind> = setups.iter().map(|s| if s.php_ini.is_some() { 0 } else { 1 }).collect();
    super::apache_layers::lower_apache(model, parsed, &mut setups, first);
    setup_kinds.resize(setups.len(), 2);
    super::user_ini::lower_user_ini(model, parsed, &mut setups, &mut all_pools, first);
    setup_kinds.resize(setups.len(), 3);
    pool_kinds.resize(all_pools.len(), 2);
    kinds.0.extend(setup_kinds);
    kinds.1.extend(pool_kinds);
    super::secrets::mask_referenced_passwords(model, &setups);
    super::secrets::mask_named_referents(model, parsed, first);
    // Indices between setups and pools were taken in this group's lists: shift them past
    // the groups lowered before.
    let (setups_before, pools_before) = (model.php.len(), model.pools.len());
    for s in &mut setups {
        if let Some(layer) = &mut s.layer {
            layer.base = layer.base.map(|b| b + setups_before);
        }
    }
    for p in &mut all_pools {
        p.setup = p.setup.map(|s| s + setups_before);
        if let Some(layer) = &mut p.layer {
            layer.base = layer.base.map(|b| b + pools_before);
        }
    }
    model.php.extend(setups);
    model.pools.extend(all_pools);
}

/// Put `model.php` and `model.pools` (lowered a group of hosts at a time; `kinds` as
/// [`lower_php`] gave them) in the order one pass over every file gives: each kind in
/// turn, in the order lowered, with the indices between them renumbered.
pub(super) fn order_like_one_pass(model: &mut Model, kinds: &(Vec<Kind>, Vec<Kind>)) {
    // New position of each item, from a stable sort by kind.
    let renumber = |kinds: &[Kind]| -> Vec<usize> {
        let mut order: Vec<usize> = (0..kinds.len()).collect();
        order.sort_by_key(|&i| kinds[i]);
        let mut new = vec![0; kinds.len()];
        for (to, &from) in order.iter().enumerate() {
            new[from] = to;
        }
        new
    };
    let (setup_at, pool_at) = (renumber(&kinds.0), renumber(&kinds.1));
    fn place<T>(items: Vec<T>, at: &[usize]) -> Vec<T> {
        let mut slots: Vec<Option<T>> = std::iter::repeat_with(|| None).take(items.len()).collect();
        for (item, &to) in items.into_iter().zip(at) {
            slots[to] = Some(item);
        }
        slots.into_iter().flatten().collect()
    }
    let mut setups = place(std::mem::take(&mut model.php), &setup_at);
    let mut pools = place(std::mem::take(&mut model.pools), &pool_at);
    for s in &mut setups {
        if let Some(layer) = &mut s.layer {
            layer.base = layer.base.and_then(|b| setup_at.get(b).copied());
        }
    }
    for p in &mut pools {
        p.setup = p.setup.and_then(|s| setup_at.get(s).copied());
        if let Some(layer) = &mut p.layer {
            layer.base = layer.base.and_then(|b| pool_at.get(b).copied());
        }
    }
    model.php = setups;
    model.pools = pools;
}

/// The pool files of the model (`Role::FpmPool`, those `include=` read in among them), by
/// directory, and every `include=` line php-fpm reads resolved: php-fpm.conf's (`mains`,
/// whose lines are `includes`), then, level by level as deep as php-fpm opens files
/// ([`fpm_reading::MAX_OPEN`]), those of the files they read, relative patterns against
/// the php-fpm.conf's prefix. Files a pattern matches that discovery missed are read in,
/// charged to `spent`; what cannot be included is said in `problems`.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn resolve_includes(
    model: &mut Model,
    parsed: &mut Vec<Parsed>,
    mains: &[usize],
    includes: Vec<Vec<super::fpm_includes::FpmInclude>>,
    spent: &mut super::budget::Spent,
    spellings: &crate::confine::Spellings,
    scanned: &mut Scanned,
    problems: &mut Vec<(usize, IncludeProblem)>,
) -> (Vec<usize>, std::collections::HashMap<PathBuf, Vec<usize>>, fpm_reading::Resolved) {
    let pools_of = |model: &Model| {
        let pools: Vec<usize> = (0..model.files.len()).filter(|&i| model.files[i].role == Role::FpmPool).collect();
        let mut by_dir: std::collections::HashMap<PathBuf, Vec<usize>> = Default::default();
        for &p in &pools {
            by_dir
                .entry(model.files[p].source.path.parent().unwrap_or(Path::new("")).to_path_buf())
                .or_default()
                .push(p);
        }
        (pools, by_dir)
    };
    let (mut pools, mut by_dir) = pools_of(model);
    let mut resolved = fpm_reading::Resolved::new();
    // (file, its php-fpm.conf, its include= lines) of one level.
    let mut level: Vec<(usize, usize, Vec<super::fpm_includes::FpmInclude>)> =
        mains.iter().zip(includes).map(|(&m, inc)| (m, m, inc)).collect();
    // Each list of matches, and each file, is looked at once: a pattern that ten thousand
    // lines or files name costs one glob, not one per line.
    let mut lists_seen: std::collections::HashSet<*const fpm_reading::Matches> = Default::default();
    let mut considered: std::collections::HashSet<usize> = mains.iter().copied().collect();
    for depth in 0..fpm_reading::MAX_OPEN {
        let mut next = Vec::new();
        let mut lists = std::collections::HashMap::new();
        for (f, m, inc) in &level {
            let lines = fpm_includes(model, *f, inc, &pools, &by_dir, &mut lists, problems);
            for list in lines.iter().filter_map(|(_, files)| files.as_ref()) {
                if !lists_seen.insert(std::sync::Arc::as_ptr(list)) {
                    continue;
                }
                for &g in &list.files {
                    let has_include = || {
                        matches!(parsed.get(g), Some(Parsed::Ini(doc))
                            if doc.entries().any(|(_, e)| fpm_reading::is_include(doc, e)))
                    };
                    if !resolved.contains_key(&g) && considered.insert(g) && has_include() {
                        next.push((g, *m));
                    }
                }
            }
            resolved.insert(*f, lines);
        }
        if next.is_empty() || depth + 1 == fpm_reading::MAX_OPEN {
            break;
        }
        level = next
            .into_iter()
            .map(|(g, m)| (g, m, super::fpm_includes::fpm_include_patterns(model, parsed, g, m, spellings)))
            .collect();
        for (g, _, inc) in &level {
            read_fpm_includes(model, parsed, *g, inc, spent, spellings, scanned);
        }
        (pools, by_dir) = pools_of(model);
    }
    (pools, by_dir, resolved)
}

/// The php-fpm entries refused in the section php-fpm carries to a line with no header of its
/// own above it (a pool file's first lines, a file's lines after `include=`), for each
/// php-fpm tree (`trees`: its files and php-fpm's reading of them).
fn carried_sections(model: &mut Model, parsed: &[Parsed], trees: &[(Vec<usize>, Vec<FpmRead>, Option<usize>)]) {
    for (files, reading, _) in trees {
        let doc = |f: usize| match parsed.get(f) {
            Some(Parsed::Ini(doc)) => Some(&**doc),
            _ => None,
        };
        let mains: Vec<usize> = files.iter().copied().filter(|&f| model.files[f].role == Role::FpmMain).collect();
        let found = super::unknown_names::in_fpm_reading_order(reading, |f| mains.contains(&f), doc);
        for (f, mut names) in found {
            let file = &model.files[f];
            let secrets = file.secrets().to_vec();
            super::unknown_names::hide_secrets(&mut names, &secrets, &file.source.bytes);
            let file = &mut model.files[f];
            file.unknown_directives.extend(names);
            file.unknown_directives.sort_by_key(|u| u.span.start);
        }
    }
}
