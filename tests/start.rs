//! The process start-up `src/start.rs` makes in place of std's: closed standard descriptors,
//! a closed pipe, a fatal signal's message, exit statuses.

mod common;

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Stdio;

use common::sesslint_cmd;

/// With stdout closed, the output goes to `/dev/null` (fd 1 reopened there), never into a
/// file the run opens, and printing it is no error.
#[test]
fn a_closed_stdout_is_reopened_on_dev_null() {
    for args in [&["--version"][..], &["check", "--format", "concise", "fixtures/demo"]] {
        let mut cmd = sesslint_cmd(args);
        cmd.current_dir(env!("CARGO_MANIFEST_DIR")).stderr(Stdio::piped());
        // SAFETY: close(2) only, between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::close(1);
                Ok(())
            });
        }
        let o = cmd.output().expect("run sesslint");
        let expected = if args[0] == "--version" { 0 } else { 1 };
        assert_eq!(o.status.code(), Some(expected), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(o.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
}

/// A reader that stops early (`| head`) ends the run quietly: SIGPIPE is ignored, the write
/// fails with EPIPE and sesslint says nothing about it.
#[test]
fn a_closed_pipe_ends_the_run_without_a_signal() {
    let mut child = sesslint_cmd(&["rules"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let mut first = [0u8; 16];
    child.stdout.take().expect("stdout").read_exact(&mut first).expect("read");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.signal(), None, "killed by a signal: {:?}", o.status);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A SIGSEGV (here sent, as a stack overflow past the guard page would raise it) is named on
/// stderr from the alternate stack; the handler then puts the default action back.
#[test]
fn a_fatal_signal_is_named_on_stderr() {
    let mut child = sesslint_cmd(&["lsp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sesslint lsp");
    let mut stdin = child.stdin.take().expect("stdin");
    // An answer to `initialize` shows the server past its start-up, handler installed.
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#;
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
    stdin.flush().expect("flush");
    let mut answer = [0u8; 15];
    child.stdout.take().expect("stdout").read_exact(&mut answer).expect("an answer to initialize");
    assert_eq!(&answer, b"Content-Length:");
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: kill(2) on our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGSEGV) }, 0);
    // The message is one write(2): read up to its line break (or the end of stderr).
    let mut err = Vec::new();
    let mut stderr = child.stderr.take().expect("stderr");
    let mut buf = [0u8; 256];
    while !err.contains(&b'\n') {
        match stderr.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => err.extend_from_slice(&buf[..n]),
        }
    }
    drop(stdin);
    let status = child.wait().expect("wait");
    let err = String::from_utf8_lossy(&err);
    assert!(
        err.starts_with("sesslint: fatal: SIGSEGV, a stack overflow or an invalid memory access"),
        "{status:?}: {err}"
    );
}

/// A body of JSON arrays nested `depth` deep, framed as a language-server message.
fn nested_json_message(depth: usize) -> Vec<u8> {
    let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// A stack overflow on a thread sesslint started (here the language server's reader, given
/// the smallest stack std starts a thread with, `RUST_MIN_STACK`, parsing JSON nested 120
/// deep) is named on stderr: the thread has an alternate signal stack for the handler to run
/// on (without one the process died of a bare SIGSEGV). It still dies of the signal.
#[test]
fn a_stack_overflow_on_a_worker_thread_is_named() {
    let mut child = sesslint_cmd(&["lsp"])
        .env("RUST_MIN_STACK", "16384")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sesslint lsp");
    let mut stdin = child.stdin.take().expect("stdin");
    // The write fails once the process is gone: what it died of is the test.
    let _ = stdin.write_all(&nested_json_message(120));
    drop(stdin);
    let o = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.signal(), Some(libc::SIGSEGV), "{:?}: {err}", o.status);
    assert!(
        err.contains("sesslint: fatal: SIGSEGV, a stack overflow: a thread ran past the end of its stack"),
        "{err}"
    );
}

/// A stack overflow on the main thread (a 128 KiB stack limit, an env.php whose arrays nest
/// 9,000 deep written as JSON) is named as one.
#[test]
fn a_stack_overflow_on_the_main_thread_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = dir.path().join("env.php");
    let n = 9000;
    std::fs::write(&env, format!("<?php return {}1{};\n", "[".repeat(n), "]".repeat(n))).expect("write env.php");
    let mut cmd = sesslint_cmd(&["parse", "--format", "json", env.to_str().expect("utf-8 path")]);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    // SAFETY: setrlimit(2) only, between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: 128 << 10, rlim_max: libc::RLIM_INFINITY };
            if libc::setrlimit(libc::RLIMIT_STACK, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = cmd.output().expect("run sesslint");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.signal(), Some(libc::SIGSEGV), "{:?}: {err}", o.status);
    assert!(
        err.contains("sesslint: fatal: SIGSEGV, a stack overflow: a thread ran past the end of its stack"),
        "{err}"
    );
}

/// A panic on the main thread (here: the language server cannot start its reader thread,
/// `RUST_MIN_STACK` asking for a 64 TiB stack) names the thread `'main'`, as std's start-up
/// would, and exits 101.
#[test]
fn a_panic_on_the_main_thread_names_it_main() {
    let o = sesslint_cmd(&["lsp"])
        .env("RUST_MIN_STACK", (1u64 << 46).to_string())
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run sesslint lsp");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(101), "{:?}: {err}", o.status);
    assert!(err.starts_with("thread 'main' ("), "{err}");
    assert!(err.contains(") panicked at ") && err.contains("failed to spawn thread"), "{err}");
    assert!(err.contains("note: run with `RUST_BACKTRACE=1`"), "{err}");
    assert!(!err.contains("<unnamed>"), "{err}");
}
