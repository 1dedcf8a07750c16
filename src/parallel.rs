//! How the pipeline's parallel stages share the cores: the thread count (`SESSLINT_THREADS`,
//! else the cores, at most 8) and the one ordered map they use, on a rayon pool started once.

use std::sync::OnceLock;

/// The most threads a stage uses, whatever the machine has: the stages are short and a
/// fleet's files are small, so more threads mostly add start-up cost and memory.
pub const MAX_THREADS: usize = 8;

/// Threads a parallel stage may use: `SESSLINT_THREADS` when it is a whole number >= 1
/// (`1`: every stage runs on the calling thread), else the cores this process may use
/// (`std::thread::available_parallelism`), at most [`MAX_THREADS`]. Read once per process,
/// before the first stage starts a thread, which is when [`limit_malloc_arenas`] runs.
pub fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        let asked = std::env::var("SESSLINT_THREADS").ok().and_then(|v| v.trim().parse::<usize>().ok());
        let n = match asked {
            Some(n) if n >= 1 => n.min(MAX_THREADS),
            _ => std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS),
        };
        limit_malloc_arenas(n);
        n
    })
}

/// glibc's malloc gives each new thread an arena of its own (up to 8 per core), and memory
/// freed in one arena never serves another: the parse threads, started afresh for each
/// group of a fleet, left a 300-host fleet's peak RSS 20 MB (12 %) above one thread's. At
/// most `n` arenas, one per thread a stage runs. Other C libraries: nothing to do.
fn limit_malloc_arenas(n: usize) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let n = libc::c_int::try_from(n).unwrap_or(1);
        // SAFETY: mallopt only sets a malloc parameter; M_ARENA_MAX takes any positive count.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, n);
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = n;
}

/// `f` of each item, in the items' order, computed on up to [`threads`] threads that split
/// the items as they go (work stealing), so that a few large items do not leave a thread
/// idle; no piece is smaller than `min_per_thread` items. Runs on the calling thread alone
/// when there are fewer than `2 * min_per_thread` items (handing items over would cost
/// more than it saves). The threads are one pool started once per process ([`pool`]): a
/// fleet's build calls this hundreds of times. A panic in `f` is raised again on the
/// calling thread, as a sequential map would raise it.
pub fn map<T: Sync, R: Send>(items: &[T], min_per_thread: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use rayon::prelude::*;
    // Too few items for a second thread: the thread count (the cgroup's CPU quota read from
    // /sys, on its first ask) is not asked.
    let min = min_per_thread.max(1);
    if items.len() < min.saturating_mul(2) {
        return items.iter().map(f).collect();
    }
    let Some(pool) = pool() else {
        return items.iter().map(f).collect();
    };
    // A reference: `Sync` makes it `Send`, which the pool's threads need.
    let f = &f;
    pool.install(|| items.par_iter().with_min_len(min).map(f).collect())
}

/// The process's threads for [`map`]: [`threads`] of them, started on the first map that
/// wants more than one; `None` when one thread is all there is (or none could be started:
/// the calling thread then does the work).
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let n = threads();
        if n < 2 {
            return None;
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("sesslint-{i}"))
            .start_handler(|_| signal_stack())
            .build()
            .ok()
    })
    .as_ref()
}

/// `std::thread::spawn` for a thread that first gets an alternate signal stack
/// ([`signal_stack`]). Every thread sesslint starts is started here, by [`spawn_scoped`],
/// or in [`map`]'s pool (a test holds the source to it).
pub fn spawn<F, T>(f: F) -> std::thread::JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    std::thread::spawn(move || {
        signal_stack();
        f()
    })
}

/// `scope.spawn` for a thread that first gets an alternate signal stack ([`signal_stack`]).
pub fn spawn_scoped<'scope, 'env, F, T>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    f: F,
) -> std::thread::ScopedJoinHandle<'scope, T>
where
    F: FnOnce() -> T + Send + 'scope,
    T: Send + 'scope,
{
    scope.spawn(move || {
        signal_stack();
        f()
    })
}

/// Gives the calling thread an alternate signal stack for as long as it runs (freed when it
/// ends), as std gives the threads it starts when its own start-up installed its SIGSEGV
/// handler: without one, a stack overflow on the thread leaves the kernel no stack to run
/// the binary's fatal-signal handler on, and the process dies of a bare SIGSEGV with no
/// message. Every thread sesslint starts gets one ([`spawn`], [`spawn_scoped`], the pool's
/// start handler). Two system calls, once a thread; the stack's pages cost nothing until a
/// signal uses them.
pub fn signal_stack() {
    ALT_STACK.with(|_| ());
}

/// Bytes of a thread's alternate signal stack: the fatal-signal handler writes one message
/// (a signal frame with AVX-512 state needs under 4 KiB).
const SIGNAL_STACK_BYTES: usize = 64 * 1024;

thread_local! {
    static ALT_STACK: AltStack = AltStack::install();
}

/// A thread's alternate signal stack: mapped and installed when made, uninstalled and
/// unmapped when the thread ends.
struct AltStack {
    /// The mapping, `None` when none was made or another alternate stack was already set.
    map: Option<*mut libc::c_void>,
}

impl AltStack {
    fn install() -> AltStack {
        // SAFETY: sigaltstack(2) and mmap(2) on valid arguments; the stack is this thread's
        // own mapping, uninstalled before it is unmapped.
        unsafe {
            let mut current: libc::stack_t = std::mem::zeroed();
            if libc::sigaltstack(std::ptr::null(), &mut current) != 0 || current.ss_flags & libc::SS_DISABLE == 0 {
                return AltStack { map: None };
            }
            let map = libc::mmap(
                std::ptr::null_mut(),
                SIGNAL_STACK_BYTES,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            );
            if map == libc::MAP_FAILED {
                return AltStack { map: None };
            }
            let stack = libc::stack_t { ss_sp: map, ss_flags: 0, ss_size: SIGNAL_STACK_BYTES };
            if libc::sigaltstack(&stack, std::ptr::null_mut()) != 0 {
                libc::munmap(map, SIGNAL_STACK_BYTES);
                return AltStack { map: None };
            }
            AltStack { map: Some(map) }
        }
    }
}

impl Drop for AltStack {
    fn drop(&mut self) {
        if let Some(map) = self.map {
            // SAFETY: this thread's own alternate stack, not in use (no handler runs here).
            unsafe {
                let off = libc::stack_t { ss_sp: std::ptr::null_mut(), ss_flags: libc::SS_DISABLE, ss_size: 0 };
                libc::sigaltstack(&off, std::ptr::null_mut());
                libc::munmap(map, SIGNAL_STACK_BYTES);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// No thread is started but through [`spawn`], [`spawn_scoped`] or the pool, which give
    /// it an alternate signal stack: no `spawn(` in sesslint's own code (tests aside)
    /// outside this file.
    #[test]
    fn every_thread_is_started_with_a_signal_stack() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = 0;
        for entry in walkdir::WalkDir::new(&src) {
            let entry = entry.expect("walk src");
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("parallel.rs") {
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(path).expect("read");
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (i, _) in code.match_indices("spawn(") {
                let before = &code[..i];
                assert!(
                    before.ends_with("parallel::") || before.ends_with("fn "),
                    "{}: a thread started without a signal stack: {:?}",
                    path.display(),
                    &code[before.rfind('\n').map_or(0, |n| n + 1)..(i + 6).min(code.len())]
                );
            }
        }
        assert!(files > 50, "{files} source files read");
    }

    use super::*;

    #[test]
    fn results_come_back_in_the_items_order_whatever_thread_computed_them() {
        let items: Vec<u64> = (0..10_000).collect();
        // Uneven work, so threads finish out of order.
        let out = map(&items, 1, |&n| (0..(n % 97) * 50).fold(n, |a, b| a.wrapping_mul(31).wrapping_add(b)));
        let expected: Vec<u64> =
            items.iter().map(|&n| (0..(n % 97) * 50).fold(n, |a, b| a.wrapping_mul(31).wrapping_add(b))).collect();
        assert_eq!(out, expected);
        assert!(map(&[] as &[u8], 1, |&b| b).is_empty());
    }

    #[test]
    fn a_panic_in_one_item_reaches_the_caller() {
        let items: Vec<u32> = (0..1000).collect();
        let r = std::panic::catch_unwind(|| map(&items, 1, |&n| if n == 777 { panic!("item {n}") } else { n }));
        assert!(r.is_err());
    }

    #[test]
    fn a_map_inside_a_map_item_gives_each_its_results_and_does_not_wait_forever() {
        let outer: Vec<u64> = (0..64).collect();
        let out = map(&outer, 1, |&n| {
            let inner: Vec<u64> = (0..200).map(|k| k * n).collect();
            map(&inner, 1, |&k| k + 1).into_iter().sum::<u64>()
        });
        let expected: Vec<u64> = outer.iter().map(|&n| (0..200).map(|k| k * n + 1).sum()).collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn maps_run_one_after_another_reuse_the_same_helpers() {
        // Thousands of maps in turn (a fleet's build makes hundreds): each result complete,
        // borrowed data released before the next one.
        for round in 0..2_000u32 {
            let items: Vec<u32> = (0..16).map(|k| k + round).collect();
            let out = map(&items, 1, |&k| k * 2);
            assert_eq!(out, items.iter().map(|&k| k * 2).collect::<Vec<_>>());
        }
    }
}
