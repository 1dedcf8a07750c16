//! How the pipeline's parallel stages share the cores: the thread count (`SESSLINT_THREADS`,
//! else the cores, at most 8) and the one ordered map they use, on a pool started once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

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

/// `f` of each item, in the items' order, computed on up to [`threads`] threads (the calling
/// one included) that take the next item as they finish one, so that a few large items do
/// not leave a thread idle. Runs on the calling thread alone when there are fewer than
/// `2 * min_per_thread` items (handing items over would cost more than it saves). The other
/// threads are the process's pool ([`Pool`]), started once: a fleet's build calls this
/// hundreds of times. A panic in `f` is raised again on the calling thread, as a
/// sequential map would raise it.
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
    let parts: Mutex<Vec<Vec<(usize, R)>>> = Mutex::new(Vec::with_capacity(workers));
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            done.push((i, f(item)));
        }
        parts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(done);
    };
    Pool::get().run(&work, workers - 1);
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (i, r) in parts.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).into_iter().flatten() {
        slots[i] = Some(r);
    }
    slots.into_iter().flatten().collect()
}

/// The threads that help [`map`]'s callers: `threads() - 1` of them, started on the first
/// map that wants help and kept for the process (idle ones wait on a condition variable).
/// A caller posts one ticket per helper it wants and works on its items itself; a helper
/// takes a ticket and runs the same work until the items run out. A map called inside a
/// map's work (a helper or the caller) posts tickets of its own and never waits for a
/// ticket no one took, so nesting cannot deadlock.
pub struct Pool {
    tickets: Mutex<std::collections::VecDeque<Arc<Job>>>,
    posted: Condvar,
}

/// One [`Pool::run`] call as the helpers see it: the caller's work with its lifetime erased,
/// valid while `open` (checked and counted under `state`'s lock). The caller closes the job
/// and waits for `running` to reach 0 before its borrow ends.
struct Job {
    work: *const (dyn Fn() + Sync + 'static),
    state: Mutex<JobState>,
    finished: Condvar,
}

struct JobState {
    open: bool,
    running: usize,
    panic: Option<Box<dyn std::any::Any + Send>>,
}

// SAFETY: `work` points to a `Sync` closure, called only while the job is open, and the
// caller keeps it alive until every helper that started it has finished (`Pool::run`).
unsafe impl Send for Job {}
// SAFETY: as above; the rest of `Job` is `Mutex` and `Condvar`.
unsafe impl Sync for Job {}

impl Pool {
    /// The process's pool; its threads start on the first call.
    fn get() -> &'static Pool {
        static POOL: OnceLock<&'static Pool> = OnceLock::new();
        POOL.get_or_init(|| {
            let pool: &'static Pool =
                Box::leak(Box::new(Pool { tickets: Mutex::new(Default::default()), posted: Condvar::new() }));
            for n in 1..threads() {
                let spawned = std::thread::Builder::new().name(format!("sesslint-{n}")).spawn(move || pool.help());
                // No thread: the callers do the work themselves.
                if spawned.is_err() {
                    break;
                }
            }
            pool
        })
    }

    /// `work` on the calling thread and on up to `helpers` idle pool threads at once,
    /// returning when every one of them has returned from it; a panic in any of them is
    /// raised again here, after the others finished.
    fn run(&self, work: &(dyn Fn() + Sync), helpers: usize) {
        // SAFETY: only the lifetime is erased. The pointer is called by helpers only while
        // the job is open, and this function closes it and waits for the helpers running
        // it before returning or unwinding (the caller's own panic is caught first).
        let erased: &(dyn Fn() + Sync + 'static) = unsafe { std::mem::transmute(work) };
        let job = Arc::new(Job {
            work: erased as *const _,
            state: Mutex::new(JobState { open: true, running: 0, panic: None }),
            finished: Condvar::new(),
        });
        {
            let mut tickets = self.lock_tickets();
            tickets.extend(std::iter::repeat_n(job.clone(), helpers));
        }
        self.posted.notify_all();
        let own = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        let mut state = job.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.open = false;
        while state.running > 0 {
            state = job.finished.wait(state).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        let helper_panic = state.panic.take();
        drop(state);
        // Tickets no helper took: dropped now rather than by the helpers one by one.
        self.lock_tickets().retain(|t| !Arc::ptr_eq(t, &job));
        if let Err(panic) = own {
            std::panic::resume_unwind(panic);
        }
        if let Some(panic) = helper_panic {
            std::panic::resume_unwind(panic);
        }
    }

    fn lock_tickets(&self) -> std::sync::MutexGuard<'_, std::collections::VecDeque<Arc<Job>>> {
        self.tickets.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A helper thread's loop: take a ticket, run its job if still open, forever.
    fn help(&self) {
        loop {
            let job = {
                let mut tickets = self.lock_tickets();
                loop {
                    if let Some(t) = tickets.pop_front() {
                        break t;
                    }
                    tickets = self.posted.wait(tickets).unwrap_or_else(std::sync::PoisonError::into_inner);
                }
            };
            {
                let mut state = job.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if !state.open {
                    continue;
                }
                state.running += 1;
            }
            // SAFETY: the job was open when `running` was counted up, and its caller waits
            // for `running` to come back to 0 before the closure's borrow ends.
            let work = unsafe { &*job.work };
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let mut state = job.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Err(panic) = result {
                state.panic.get_or_insert(panic);
            }
            state.running -= 1;
            if state.running == 0 {
                job.finished.notify_all();
            }
        }
    }
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
