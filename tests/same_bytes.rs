//! Files of equal role and bytes are parsed once per build and share their parse (a
//! fleet's copies of one image): the output is byte for byte what parsing each copy says
//! (`SESSLINT_SAME_BYTES=0` turns the sharing off), on a fleet of copies and on every
//! fixture tree, and the copies really share one allocation of their bytes and tree.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sesslint::model::SyntaxTree;

/// A fleet whose hosts are the demo and every fixture that is a machine's tree, three
/// times over (copies in different groups of the build), a few copies of the demo made
/// unlike the others by one comment line, and one whose php.ini is the demo's with a
/// different last byte (same length).
fn fleet_of_copies(dir: &Path) -> usize {
    let hosts: Vec<PathBuf> = common::fixture_trees().into_iter().filter(|d| d.join("etc").is_dir()).collect();
    let mut n = 0;
    for host in hosts.iter().chain(&hosts).chain(&hosts) {
        common::copy_tree(host, &dir.join(format!("h{n:03}")));
        n += 1;
    }
    for i in 0..3 {
        let host = dir.join(format!("h{n:03}"));
        common::copy_tree(Path::new("fixtures/demo"), &host);
        let ini = host.join("etc/php/8.2/fpm/php.ini");
        let mut text = std::fs::read(&ini).expect("php.ini");
        if i == 2 {
            let last = text.len() - 2;
            text[last] ^= 1;
        } else {
            text.extend_from_slice(format!("; host {i}\n").as_bytes());
        }
        std::fs::write(&ini, text).expect("write");
        n += 1;
    }
    n
}

/// Exit code, stdout and stderr of `sesslint ARGS DIR`, with the sharing on or off.
fn run(args: &[&str], dir: &Path, shared: bool) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let mut cmd = common::sesslint_cmd(args);
    cmd.arg(dir);
    if !shared {
        cmd.env("SESSLINT_SAME_BYTES", "0");
    }
    let out = cmd.output().expect("run sesslint");
    (out.status.code(), out.stdout, out.stderr)
}

#[test]
fn a_fleet_of_copies_says_the_same_bytes_with_and_without_sharing_equal_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let hosts = fleet_of_copies(tmp.path());
    assert!(hosts > 30, "{hosts} hosts");
    let mut compared = 0;
    let diffs: [&[&str]; 2] = [&["check", "--diff"], &["check", "--diff", "--unsafe-fixes"]];
    for args in common::EVERY_OUTPUT.into_iter().chain(diffs) {
        let with = run(args, tmp.path(), true);
        let without = run(args, tmp.path(), false);
        assert!(!with.1.is_empty(), "{args:?} printed nothing: {}", String::from_utf8_lossy(&with.2));
        assert!(with == without, "{args:?}: sharing equal files changed the output");
        compared += with.1.len();
    }
    assert!(compared > 1_000_000, "{compared} bytes compared");
}

#[test]
fn every_fixture_tree_says_the_same_bytes_with_and_without_sharing_equal_files() {
    let trees = common::fixture_trees();
    assert!(trees.len() > 200, "{} trees", trees.len());
    for dir in &trees {
        for args in [&["check", "--format", "json"][..], &["check", "--diff", "--unsafe-fixes"]] {
            let with = run(args, dir, true);
            let without = run(args, dir, false);
            assert!(with == without, "{}: {args:?} differs when equal files are shared", dir.display());
        }
    }
}

/// In the model, the copies met after the first two hold one allocation of the bytes and
/// one tree; every copy has its own path and the bytes of its own file.
#[test]
fn copies_share_one_allocation_of_their_bytes_and_tree() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fleet_of_copies(tmp.path());
    let model = sesslint::model::build(&[tmp.path().to_path_buf()], &Default::default());
    // Files by role and content: how many, and how many allocations of bytes and trees.
    let mut by_content: HashMap<(sesslint::Role, &[u8]), Vec<&sesslint::model::LoadedFile>> = HashMap::new();
    for f in &model.files {
        by_content.entry((f.role, &f.source.bytes[..])).or_default().push(f);
    }
    let tree_ptr = |t: &SyntaxTree| -> Option<usize> {
        match t {
            SyntaxTree::Ini(a) => Some(Arc::as_ptr(a) as *const u8 as usize),
            SyntaxTree::Redis(a) => Some(Arc::as_ptr(a) as *const u8 as usize),
            SyntaxTree::EnvPhp(a) => Some(Arc::as_ptr(a) as *const u8 as usize),
            SyntaxTree::Acl(a) => Some(Arc::as_ptr(a) as *const u8 as usize),
            SyntaxTree::Apache(a) => Some(Arc::as_ptr(a) as *const u8 as usize),
            SyntaxTree::None => None,
        }
    };
    let mut shared_copies = 0;
    for ((_, bytes), files) in &by_content {
        let mut allocations: Vec<*const u8> = files.iter().map(|f| f.source.bytes.as_ptr()).collect();
        allocations.sort();
        allocations.dedup();
        let mut trees: Vec<usize> = files.iter().filter_map(|f| tree_ptr(&f.tree)).collect();
        trees.sort();
        trees.dedup();
        let paths: std::collections::HashSet<&Path> = files.iter().map(|f| f.source.path.as_path()).collect();
        assert_eq!(paths.len(), files.len(), "each copy keeps its own path");
        if bytes.len() <= 1 << 20 {
            // The first copy met is parsed on its own, the second parsed and kept, the rest share it.
            assert!(allocations.len() <= 2, "{} copies, {} allocations", files.len(), allocations.len());
            assert!(trees.len() <= 2, "{} copies, {} trees", files.len(), trees.len());
        }
        shared_copies += files.len() - allocations.len();
    }
    assert!(shared_copies > 300, "{shared_copies} copies shared");
    // Every copy holds what its own file holds (the one a byte away from the demo's too).
    for f in &model.files {
        let on_disk = std::fs::read(&f.source.path).expect("read");
        assert!(on_disk == f.source.bytes[..], "{}", f.source.path.display());
    }
}
