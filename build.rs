//! Link options of the `sesslint` binary: its relative relocations packed (DT_RELR) where the
//! toolchain and the C library this build runs on take them, and the functions a check runs
//! placed next to each other where the linker takes a symbol ordering file; everything else
//! links as before.

use std::env;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    println!("cargo:rerun-if-env-changed=CC");
    if packed_relocs_work() {
        // About 11,000 relative relocations: 264 KB of `.rela.dyn` the dynamic loader reads
        // at each start become 3 KB of `.relr.dyn` (glibc 2.36+, GNU ld 2.38+ or lld 15+).
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    let order = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default()).join(ORDER_FILE);
    // The absolute path: a target directory shared by two checkouts (the package build and
    // pre-commit's clone in `.ci/run`) must not reuse a link argument naming the other's file.
    println!("cargo:rerun-if-changed={}", order.display());
    if let Some(arg) = symbol_ordering_arg(&order) {
        // A check touches about 1.4 MB of the 7 MB of code; packed, a pre-commit run faults
        // in fewer pages of it (each first touch costs a page fault).
        println!("cargo:rustc-link-arg-bins={arg}");
    }
}

/// The functions a check runs, one mangled symbol a line, as `scripts/symbol-order.sh` writes
/// them (relative to the package's directory).
const ORDER_FILE: &str = "link/symbol-order.txt";

/// The link argument that orders `.text` by `order` (lld's and mold's
/// `--symbol-ordering-file`; symbols the binary lacks are passed over quietly), when `rustc`
/// links a program with it for this target here: GNU ld and gold do not take it, and the
/// build links without it then.
fn symbol_ordering_arg(order: &std::path::Path) -> Option<String> {
    let path = order.to_str().filter(|p| order.is_file() && !p.contains(','))?;
    let arg = format!("-Wl,--symbol-ordering-file={path},--no-warn-symbol-ordering");
    let out = PathBuf::from(env::var_os("OUT_DIR")?);
    let source = out.join("order-probe.rs");
    std::fs::write(&source, "fn main() {}\n").ok()?;
    let mut rustc = Command::new(env::var_os("RUSTC")?);
    rustc.args(["--crate-type=bin", "--target"]).arg(env::var_os("TARGET")?);
    // The flags and linker this build's own crates are compiled and linked with.
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    rustc.args(flags.split('\x1f').filter(|f| !f.is_empty()));
    if let Some(linker) = env::var_os("RUSTC_LINKER") {
        rustc.arg("-C").arg(format!("linker={}", linker.to_string_lossy()));
    }
    let linked = rustc
        .arg("-C")
        .arg(format!("link-arg={arg}"))
        .arg("-o")
        .arg(out.join("order-probe"))
        .arg(&source)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    linked.then_some(arg)
}

/// A program with relative relocations to pack (pointers to its own data).
const PROBE: &str = "static int a, b;\nint *p[] = { &a, &b };\nint main(void) { return *p[0] + *p[1]; }\n";

/// Whether a program linked with `-z pack-relative-relocs` by this build's linker links
/// without a warning and runs here. Only for a native Linux glibc build: a cross build, or a
/// linker or C library that lacks DT_RELR (GNU ld before 2.38 only warns; glibc before 2.36
/// refuses to start such a binary), keeps the plain relocations.
fn packed_relocs_work() -> bool {
    let var = |k: &str| env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux" || var("CARGO_CFG_TARGET_ENV") != "gnu" || var("HOST") != var("TARGET") {
        return false;
    }
    let Some(out) = env::var_os("OUT_DIR").map(PathBuf::from) else { return false };
    let linker = env::var_os("RUSTC_LINKER").or_else(|| env::var_os("CC")).unwrap_or_else(|| "cc".into());
    let (source, probe) = (out.join("relr-probe.c"), out.join("relr-probe"));
    if std::fs::write(&source, PROBE).is_err() {
        return false;
    }
    let linked = Command::new(&linker)
        .args(["-pie", "-fPIE", "-Wl,-z,pack-relative-relocs", "-Wl,--fatal-warnings", "-o"])
        .arg(&probe)
        .arg(&source)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    linked && Command::new(&probe).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}
