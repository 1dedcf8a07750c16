//! Link options of the `sesslint` binary: its relative relocations packed (DT_RELR) where the
//! toolchain and the C library this build runs on take them; everything else links as before.

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
