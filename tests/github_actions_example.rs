//! examples/github-actions.yml, run as far as it runs here: its `run:` steps after the
//! install, in GitHub's shell (`bash --noprofile --norc -eo pipefail`), on a copy of the
//! demo tree, with the binary under test on PATH; then the SARIF file its upload step names.

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn the_workflow_steps_annotate_and_write_the_sarif_the_upload_step_reads() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/github-actions.yml"))
        .expect("examples/github-actions.yml");
    let workflow: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("valid YAML");
    let steps = workflow["jobs"]["sesslint"]["steps"].as_sequence().expect("steps").clone();
    let upload = steps
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@")))
        .expect("an upload-sarif step");
    let sarif_file = upload["with"]["sarif_file"].as_str().expect("sarif_file");

    // A checkout (with `.git`) and a plain copy of it: the repository's top is the tree's.
    for checkout in [true, false] {
        let tree = tempfile::tempdir().expect("tempdir");
        let demo = common::fixtures().join("demo");
        for file in common::files_below(&demo) {
            let to = tree.path().join(file.strip_prefix(&demo).expect("below"));
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(&file, &to).expect("copy");
        }
        if checkout {
            // What `actions/checkout` leaves; sesslint looks for the directory only.
            std::fs::create_dir(tree.path().join(".git")).expect("mkdir .git");
        }
        run_steps(&steps, tree.path(), sarif_file, checkout);
    }
}

/// The workflow's `run:` steps after the install, in `tree`; then what they printed and wrote.
fn run_steps(steps: &[serde_yaml_ng::Value], tree: &Path, sarif_file: &str, checkout: bool) {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_sesslint")).parent().expect("bin dir");
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let mut ran = Vec::new();
    for step in steps {
        let (Some(name), Some(run)) = (step["name"].as_str(), step["run"].as_str()) else { continue };
        if run.contains("dpkg -i") {
            continue; // the install: a download of the package, not done here
        }
        let o = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", run])
            .current_dir(tree)
            .env("PATH", &path)
            .output()
            .expect("bash");
        ran.push((name.to_owned(), o));
    }
    let [(annotate, a), (sarif, s)] = &ran[..] else { panic!("expected two steps after the install: {:?}", ran.len()) };
    // Findings: the annotation step fails the job (exit 1) with a workflow command per finding.
    let out = String::from_utf8_lossy(&a.stdout);
    assert_eq!(a.status.code(), Some(1), "{annotate} (checkout: {checkout}): {out}");
    assert!(out.lines().any(|l| l.starts_with("::error file=etc/redis/redis.conf,")), "{annotate}: {out}");
    // The tree's top is the checkout's: its absolute includes resolve in the tree (no SL004,
    // no SL002 for `include=/etc/php/8.2/fpm/pool.d/*.conf`), and the checkout's file modes
    // are git's, never judged (no SL113).
    for code in ["SL002", "SL004", "SL113"] {
        assert!(!out.contains(&format!(",title={code} ")), "{annotate} (checkout: {checkout}) gives {code}: {out}");
    }
    // Every annotation is one that checking the whole checkout gives too.
    let whole = common::sesslint_cmd(&["--format", "github", "."]).current_dir(tree).output().expect("sesslint");
    let whole = String::from_utf8_lossy(&whole.stdout);
    for line in out.lines() {
        assert!(whole.lines().any(|w| w == line), "{annotate}: {line}\nnot in the check of `.`:\n{whole}");
    }
    // The SARIF step passes with findings, and writes the file the upload step reads.
    assert!(s.status.success(), "{sarif}: {}", String::from_utf8_lossy(&s.stderr));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tree.join(sarif_file)).expect("the SARIF file")).expect("JSON");
    assert_eq!(report["version"], "2.1.0");
    assert!(report["runs"][0]["results"].as_array().is_some_and(|r| !r.is_empty()));
}
