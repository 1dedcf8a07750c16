//! A test-only slow-write hook: with `SESSLINT_TEST_SLOW_WRITE_MS=N` in the environment, a
//! debug or test build writes files in small chunks and pauses N ms between chunks and
//! between the steps of an apply, so that a test can kill the process at random points.
//! Release builds compile it out (`cfg(debug_assertions)`): the variable does nothing there.

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
