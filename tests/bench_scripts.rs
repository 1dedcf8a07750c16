//! The benchmark scripts README "Performance" names, run for what they promise without
//! measuring anything: `bench-scaling.py --only` takes only the dimensions it has.

use std::path::Path;
use std::process::Command;

/// The dimension names of `scripts/bench-scaling.py`, read from its `DIMENSIONS` table
/// (each row starts `("NAME", gen_`).
fn dimensions(script: &str) -> Vec<String> {
    script
        .lines()
        .filter_map(|l| l.trim().strip_prefix("(\""))
        .filter_map(|l| l.split_once("\", gen_").map(|(name, _)| name.to_owned()))
        .collect()
}

/// `--help` lists every dimension `--only` takes; an unknown name is refused (exit 2) with
/// that list, before any tree is built or binary run, never read as a pass
/// (`worst 4x/1x: 0.00`).
#[test]
fn bench_scaling_only_takes_the_dimensions_it_lists() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench-scaling.py");
    let names = dimensions(&std::fs::read_to_string(&script).expect("read"));
    assert!(names.len() >= 19 && names.iter().any(|n| n == "referents"), "{names:?}");
    let run = |args: &[&str]| {
        Command::new("python3").arg(&script).args(args).output().expect("python3 runs (apt install python3)")
    };
    let help = run(&["--help"]);
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    for n in &names {
        assert!(help.contains(n.as_str()), "--help does not name {n}: {help}");
    }
    // `/bin/false` as the binary: were the name taken, a run would be tried and fail otherwise.
    let typo = run(&["--bin", "/bin/false", "--only", "referent"]);
    let err = String::from_utf8_lossy(&typo.stderr);
    assert_eq!(typo.status.code(), Some(2), "{err}");
    assert!(err.contains("invalid choice: 'referent'") && err.contains("'shared-address'"), "{err}");
    assert!(!String::from_utf8_lossy(&typo.stdout).contains("worst"), "{}", String::from_utf8_lossy(&typo.stdout));
}
