//! The process's entry in place of std's runtime start-up: what `lang_start` does for a
//! `fn main() -> ExitCode`, without the main thread's stack-guard look-up at every start.
//!
//! std finds the main thread's guard page with `pthread_getattr_np`, which reads and parses
//! `/proc/self/maps` (0.12 M instructions and about fifteen system calls, a twentieth of
//! checking one staged file). Deep inputs are bounded where they are parsed (env.php
//! nesting, includes, inventories), so that guard only ever names a bug; here every fatal
//! SIGSEGV/SIGBUS says so on stderr instead, and the process then dies of the signal.

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
    let status = match std::panic::catch_unwind(main) {
        Ok(code) => status_of(code),
        Err(_) => 101,
    };
    std::process::exit(status)
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
extern "C" fn on_fatal_signal(signal: c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
    let message: &[u8] = if signal == libc::SIGBUS {
        b"sesslint: fatal: SIGBUS, an invalid memory access (a bug in sesslint)\n"
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
