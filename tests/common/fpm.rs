//! A real php-fpm master started by a test: on sockets in a temporary directory, in the
//! foreground, stopped with its workers when dropped.

use std::path::Path;
use std::process::Command;

/// A running php-fpm master; dropping it sends SIGTERM (the master stops its workers, which
/// SIGKILL would leave running) and waits for it.
pub struct Fpm(std::process::Child);

impl Drop for Fpm {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

/// Start `cmd` (php-fpm and its arguments; its output is discarded) and wait up to 10 s for
/// every socket in `socks` to appear, removing stale ones first. Whether they did is for the
/// caller to judge (`socks.iter().all(|s| s.exists())`): a test of what php-fpm refuses
/// expects none.
pub fn start(mut cmd: Command, socks: &[&Path]) -> Fpm {
    for s in socks {
        let _ = std::fs::remove_file(s);
    }
    let child =
        cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().expect("start php-fpm");
    let fpm = Fpm(child);
    for _ in 0..200 {
        if socks.iter().all(|s| s.exists()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    fpm
}
