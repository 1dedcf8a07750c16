//! A `check` made for a report (`check_observed`, what `sesslint check` runs) says exactly
//! what `check` (which keeps every tree for fixes) says: same findings, same fixes, same
//! secrets, on every rule fixture, on the fleets, and on a fleet of every fixture host. In a
//! fleet it drops the syntax trees no rule reads, a group of hosts at a time; outside one it
//! keeps them and locates a file's secrets only when asked.

mod common;

use std::path::{Path, PathBuf};

use sesslint::check::{check, check_observed, Request};
use sesslint::model::{Overlay, SyntaxTree};

#[test]
fn a_report_only_check_of_one_tree_keeps_its_trees_and_says_the_same() {
    let (released, kept) = same_findings_either_way(&common::fixture_trees());
    assert!(released > 10, "the fleets' trees are dropped: {released}");
    assert!(kept > 100, "outside a fleet every tree is kept (its secrets are located from it): {kept}");
}

/// A fleet whose hosts are the demo and every rule fixture that is a machine's tree (has
/// `etc/`), twice: more files than three groups, so its hosts are lowered and their trees dropped
/// a group at a time while the build goes on, with every kind of file the fixtures hold.
#[test]
fn a_fleet_lowered_a_group_at_a_time_says_what_it_says_with_every_tree_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let hosts: Vec<PathBuf> = common::fixture_trees().into_iter().filter(|d| d.join("etc").is_dir()).collect();
    // Twice over: hosts alike in different groups.
    for (i, host) in hosts.iter().chain(&hosts).enumerate() {
        common::copy_tree(host, &tmp.path().join(format!("h{i:03}")));
    }
    let model = sesslint::model::build(&[tmp.path().to_path_buf()], &Default::default());
    assert_eq!(model.hosts.len(), 2 * hosts.len(), "a fleet of every fixture host");
    assert!(model.files.len() > 600, "several groups of hosts: {} files", model.files.len());
    assert!(model.redis.len() > 50 && model.pools.len() > 50 && !model.magento.is_empty());
    let (released, kept_for_errors) = same_findings_either_way(&[tmp.path().to_path_buf()]);
    assert!(released > 500, "{released}");
    assert!(kept_for_errors > 3, "{kept_for_errors}");
}

/// `check` and `check_observed` of each tree: the same findings (fixes included), the same
/// files with the same secrets, and the report-only model of a fleet keeps exactly the trees
/// of files with syntax errors or places read otherwise than written (SL001's warnings);
/// outside a fleet it keeps every tree. The trees released and kept, counted.
fn same_findings_either_way(trees: &[PathBuf]) -> (usize, usize) {
    let config = sesslint::config::Config::default();
    let overlay = Overlay::new();
    let (mut released, mut kept_for_errors) = (0, 0);
    for dir in trees {
        let req = Request { paths: vec![dir.clone()], config: &config, overlay: &overlay, budget: Default::default() };
        let full = check(&req);
        let lean = check_observed(&req, &|_, _| {});
        assert_eq!(
            format!("{:?}", full.diagnostics),
            format!("{:?}", lean.diagnostics),
            "{}: the findings differ once the trees are dropped",
            dir.display()
        );
        assert_eq!(full.model.files.len(), lean.model.files.len(), "{}", dir.display());
        let in_fleet = lean.model.fleet.is_some();
        // Secrets located while building (no `lazy_secrets`), against those located when asked.
        let eager = sesslint::model::build(std::slice::from_ref(dir), &Default::default());
        assert_eq!(eager.files.len(), lean.model.files.len(), "{}", dir.display());
        for (e, g) in eager.files.iter().zip(&lean.model.files) {
            assert_eq!(e.source.path, g.source.path);
            assert_eq!(e.secrets(), g.secrets(), "{}: the secrets differ", show(&g.source.path));
        }
        for (f, g) in full.model.files.iter().zip(&lean.model.files) {
            assert_eq!(f.secrets(), g.secrets(), "{}: the secrets differ", show(&g.source.path));
            let had = !matches!(f.tree, SyntaxTree::None);
            let has = !matches!(g.tree, SyntaxTree::None);
            let misread = !g.syntax_errors.is_empty() || !g.syntax_warnings.is_empty();
            assert_eq!(has, had && (misread || !in_fleet), "{}", show(&g.source.path));
            released += usize::from(had && !has);
            kept_for_errors += usize::from(has);
        }
    }
    (released, kept_for_errors)
}

fn show(p: &Path) -> String {
    p.display().to_string()
}
