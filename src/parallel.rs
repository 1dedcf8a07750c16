//! How the pipeline's parallel stages share the cores: the thread count (`SESSLINT_THREADS`,
//! else the cores, at most 8) and the one ordered map they use (scoped threads).

use std::sync::atomic::{AtomicUsize, Ordering};

/// The most threads a stage uses, whatever the machine has: the stages are short and a
/// fleet's files are small, so more threads mostly add start-up cost and memory.
pub const MAX_THREADS: usize = 8;

/// Threads a parallel stage may use: `SESSLINT_THREADS` when it is a whole number >= 1
/// (`1`: every stage runs on the calling thread), else the cores this process may use
/// (`std::thread::available_parallelism`), at most [`MAX_THREADS`]. Read once per process,
/// before the first stage starts a thread, which is when [`limit_malloc_arenas`] runs.
pub fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
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

/// `f` of each item, in the items' order, computed on up to [`threads`] threads (the calling
/// one included) that take the next item as they finish one, so that a few large items do
/// not leave a thread idle. Runs on the calling thread alone when there are fewer than
/// `2 * min_per_thread` items (thread start-up would cost more than it saves). A panic in
/// `f` is raised again on the calling thread, as a sequential map would raise it.
pub fn map<T: Sync, R: Send>(items: &[T], min_per_thread: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    // Too few items for a second thread: the thread count (the cgroup's CPU quota read from
    // /sys, on its first ask) is not asked.
    if items.len() < min_per_thread.max(1).saturating_mul(2) {
        return items.iter().map(f).collect();
    }
    let workers = threads().min(items.len() / min_per_thread.max(1)).max(1);
    if workers == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            done.push((i, f(item)));
        }
        done
    };
    let parts: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
        let mut parts = vec![work()];
        for h in others {
            match h.join() {
                Ok(p) => parts.push(p),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        parts
    });
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (i, r) in parts.into_iter().flatten() {
        slots[i] = Some(r);
    }
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
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
}
