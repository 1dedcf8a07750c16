//! A `check` made for a report (`check_observed`, what `sesslint check` runs) drops the
//! syntax trees no rule reads before the rules run, and says exactly what `check` (which
//! keeps every tree for fixes) says: same findings, same fixes, on every rule fixture.

mod common;

use std::path::{Path, PathBuf};

use sesslint::check::{check, check_observed, Request};
use sesslint::model::{Overlay, SyntaxTree};

fn trees() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from("fixtures/demo")];
    out.extend(common::rule_fixture_dirs());
    out
}

#[test]
fn a_report_only_check_keeps_trees_of_refused_files_only_and_says_the_same() {
    let config = sesslint::config::Config::default();
    let overlay = Overlay::new();
    let (mut released, mut kept_for_errors) = (0, 0);
    for dir in trees() {
        let req = Request { paths: vec![dir.clone()], config: &config, overlay: &overlay };
        let full = check(&req);
        let lean = check_observed(&req, &|_, _| {});
        assert_eq!(
            format!("{:?}", full.diagnostics),
            format!("{:?}", lean.diagnostics),
            "{}: the findings differ once the trees are dropped",
            dir.display()
        );
        assert_eq!(full.model.files.len(), lean.model.files.len(), "{}", dir.display());
        for (f, g) in full.model.files.iter().zip(&lean.model.files) {
            let had = !matches!(f.tree, SyntaxTree::None);
            let has = !matches!(g.tree, SyntaxTree::None);
            assert_eq!(has, had && !g.syntax_errors.is_empty(), "{}", show(&g.source.path));
            released += usize::from(had && !has);
            kept_for_errors += usize::from(has);
        }
    }
    assert!(released > 100, "the fixtures have many parsed files: {released}");
    assert!(kept_for_errors > 3, "SL001's triggers keep their trees: {kept_for_errors}");
}

fn show(p: &Path) -> String {
    p.display().to_string()
}
