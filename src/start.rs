//! The process's entry in place of std's runtime start-up: what `lang_start` does for a
//! `fn main() -> ExitCode`, without the main thread's stack-guard look-up at every start.
//!
//! std finds the main thread's guard page with `pthread_getattr_np`, which reads and parses
//! `/proc/self/maps` (0.12 M instructions and about fifteen system calls, a twentieth of
//! checking one staged file). Deep inputs are bounded where they are parsed (env.php
//! nesting, includes, inventories), so that guard only ever names a bug; here every fatal
//! SIGSEGV/SIGBUS says so on stderr instead (a stack overflow as one, on any thread: the
//! threads sesslint starts have an alternate signal stack, `parallel::signal_stack`), and
//! the process then dies of the signal. A panic on the main thread is said to be on
//! `'main'`, as under std's start-up (without it std knows no name for that thread).

use std::ffi::c_int;
use std::process::ExitCode;

/// Runs `main` as std's start-up runs a `fn main() -> ExitCode`, and exits with its status
/// (101 after a panic, as std). Before it: file descriptors 0-2 opened on `/dev/null` when
/// closed (so no file this run opens becomes stdout), SIGPIPE ignored (a closed pipe is an
/// `EPIPE` write error, as under std), and [`fatal_signal_message`]. `std::process::exit`
/// flushes stdout as std's return from `main` does.
pub fn run(main: fn() -> ExitCode) -> ! {
    // SAFETY: called once, first thing on the only thread; libc calls on valid pointers.
    unsafe {
        standard_fds();
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        fatal_signal_message();
    }
    main_thread_panics_named();
    let status = match std::panic::catch_unwind(main) {
        Ok(code) => status_of(code),
        Err(_) => 101,
    };
    std::process::exit(status)
}

/// std's panic message names the thread it is on, and knows the main thread's name only
/// from its own start-up: here it would say `'<unnamed>'`. On the main thread (the only one
/// without a name: sesslint's threads are named, std names scoped threads by none either,
/// so the process id is the test) the message is std's with `'main'`; elsewhere std's own.
fn main_thread_panics_named() {
    let std_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // SAFETY: getpid(2) and gettid(2) take no arguments.
        let main = unsafe { libc::gettid() == libc::getpid() };
        if !main || std::thread::current().name().is_some() {
            return std_hook(info);
        }
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("Box<dyn Any>");
        let at = info.location().map(|l| format!(" at {l}")).unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::capture();
        let tail = match backtrace.status() {
            std::backtrace::BacktraceStatus::Captured => format!("stack backtrace:\n{backtrace}"),
            _ => "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n".to_owned(),
        };
        // One write, as std's hook makes it (a closed stderr is no second panic).
        let _ = std::io::Write::write_all(
            &mut std::io::stderr().lock(),
            format!("thread 'main' ({}) panicked{at}:\n{message}\n{tail}", std::process::id()).as_bytes(),
        );
    }));
}

/// The exit status `code` stands for (`ExitCode` has no stable getter; it compares).
fn status_of(code: ExitCode) -> i32 {
    (0..=u8::MAX).find(|&s| ExitCode::from(s) == code).map_or(1, i32::from)
}

/// std's `sanitize_standard_fds` on Linux: one `poll` tells which of 0-2 are closed, each
/// reopened on `/dev/null` (the lowest free descriptor is the closed one).
unsafe fn standard_fds() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd { fd, events: 0, revents: 0 });
    loop {
        if libc::poll(fds.as_mut_ptr(), 3, 0) != -1 {
            break;
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            // poll refused (RLIMIT_NOFILE 0, no memory): ask each descriptor, as std does.
            _ => {
                for fd in 0..3 {
                    if libc::fcntl(fd, libc::F_GETFD) == -1 && libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) == -1 {
                        libc::abort();
                    }
                }
                return;
            }
        }
    }
    for fd in fds {
        if fd.revents & libc::POLLNVAL != 0 && libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) == -1 {
            libc::abort();
        }
    }
}

/// Bytes below the interrupted stack pointer within which a fault is the stack running over
/// its end: a call's return address is written 8 bytes below it, a frame's stack probe
/// (rustc's `probestack`) a page at a time from it.
const OVERFLOW_REACH: usize = 64 * 1024;

/// Whether a SIGSEGV is a stack overflow: raised by the kernel for a fault (not sent with
/// kill(2)) at an address just below the interrupted thread's stack pointer. Unknown
/// (false) where the stack pointer is not read (other than x86-64 and AArch64 Linux).
#[allow(unused_variables)]
fn stack_overflow(info: *mut libc::siginfo_t, context: *mut libc::c_void) -> bool {
    if info.is_null() || context.is_null() {
        return false;
    }
    // SAFETY: the kernel's siginfo and ucontext for this signal, valid while it is handled.
    unsafe {
        if (*info).si_code <= 0 {
            return false;
        }
        let addr = (*info).si_addr() as usize;
        let context = context.cast::<libc::ucontext_t>();
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        let sp = (*context).uc_mcontext.gregs[libc::REG_RSP as usize] as usize;
        #[cfg(all(target_os = "linux", target_arch = "aarch64"))]
        let sp = (*context).uc_mcontext.sp as usize;
        #[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))))]
        return false;
        #[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
        return addr != 0 && addr <= sp.saturating_add(256) && sp - addr.min(sp) <= OVERFLOW_REACH;
    }
}

/// Bytes of the alternate signal stack (the handler only writes one message; AVX-512 signal
/// frames need under 4 KiB). Never touched unless a fatal signal arrives.
const ALT_STACK_BYTES: usize = 64 * 1024;

/// The alternate stack: in `.bss`, so it costs no page until a signal uses it.
static mut ALT_STACK: [u8; ALT_STACK_BYTES] = [0; ALT_STACK_BYTES];

/// SIGSEGV and SIGBUS (a stack overflow past the guard page, or a bug) print a line on stderr
/// from an alternate stack, then take their default action.
unsafe fn fatal_signal_message() {
    let stack =
        libc::stack_t { ss_sp: std::ptr::addr_of_mut!(ALT_STACK).cast(), ss_flags: 0, ss_size: ALT_STACK_BYTES };
    if libc::sigaltstack(&stack, std::ptr::null_mut()) != 0 {
        return;
    }
    let mut action: libc::sigaction = std::mem::zeroed();
    action.sa_sigaction = on_fatal_signal as extern "C" fn(c_int, *mut libc::siginfo_t, *mut libc::c_void) as usize;
    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
    libc::sigemptyset(&mut action.sa_mask);
    for signal in [libc::SIGSEGV, libc::SIGBUS] {
        libc::sigaction(signal, &action, std::ptr::null_mut());
    }
}

/// Writes the message (async-signal-safe: one `write`), puts the default action back and
/// returns: the faulting instruction runs again and the signal ends the process (exit status
/// 128 + signal, a core dump where enabled), as std's handler does for a fault it does not
/// place in a guard page.
extern "C" fn on_fatal_signal(signal: c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let message: &[u8] = if signal == libc::SIGBUS {
        b"sesslint: fatal: SIGBUS, an invalid memory access (a bug in sesslint)\n"
    } else if stack_overflow(info, context) {
        b"sesslint: fatal: SIGSEGV, a stack overflow: a thread ran past the end of its stack (a bug in sesslint: \
          input nesting is bounded where it is parsed)\n"
    } else {
        b"sesslint: fatal: SIGSEGV, a stack overflow or an invalid memory access (a bug in sesslint)\n"
    };
    // SAFETY: write(2) and signal(2) are async-signal-safe; the pointer and length are a
    // static byte string's.
    unsafe {
        libc::write(libc::STDERR_FILENO, message.as_ptr().cast(), message.len());
        libc::signal(signal, libc::SIG_DFL);
    }
}
