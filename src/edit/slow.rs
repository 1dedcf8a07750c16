//! Test-only hooks, compiled into debug and test builds only (`cfg(debug_assertions)`; in a
//! release build the variables do nothing). `SESSLINT_TEST_SLOW_WRITE_MS=N`: files are
//! written in 64-byte chunks with N ms pauses, and N ms pass between the steps of an apply,
//! so a test can kill the process at random points. `SESSLINT_TEST_FAIL_WRITE=NAME`: the
//! write of the file named NAME fails after its temporary file is written (rollback tests).

use std::io::Write;

/// Chunk size while slowed down (bytes).
#[cfg(debug_assertions)]
const CHUNK: usize = 64;

#[cfg(debug_assertions)]
fn delay() -> Option<std::time::Duration> {
    let ms: u64 = std::env::var("SESSLINT_TEST_SLOW_WRITE_MS").ok()?.parse().ok()?;
    (ms > 0).then(|| std::time::Duration::from_millis(ms.min(10_000)))
}

/// Pause between two steps of an apply (`_step` names it, for reading the code).
pub fn pause(_step: &str) {
    #[cfg(debug_assertions)]
    if let Some(d) = delay() {
        std::thread::sleep(d);
    }
}

/// `file.write_all(bytes)`, slowed down in debug builds when the hook is set.
pub fn write_all(file: &mut std::fs::File, bytes: &[u8]) -> std::io::Result<()> {
    #[cfg(debug_assertions)]
    if let Some(d) = delay() {
        for chunk in bytes.chunks(CHUNK) {
            file.write_all(chunk)?;
            file.flush()?;
            std::thread::sleep(d);
        }
        return Ok(());
    }
    file.write_all(bytes)
}

/// Fails when `SESSLINT_TEST_FAIL_WRITE` names `target`'s file name (debug builds only).
pub fn fail_point(_target: &std::path::Path) -> std::io::Result<()> {
    #[cfg(debug_assertions)]
    if let Some(name) = std::env::var_os("SESSLINT_TEST_FAIL_WRITE") {
        if _target.file_name() == Some(name.as_os_str()) {
            return Err(std::io::Error::other("write failed (SESSLINT_TEST_FAIL_WRITE)"));
        }
    }
    Ok(())
}
