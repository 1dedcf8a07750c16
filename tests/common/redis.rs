//! A real redis-server for tests: started on a unix socket in a temp dir, always killed
//! and reaped, and a tiny binary-safe RESP client.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A redis-server child that is killed and reaped however the test ends.
pub struct Server {
    pub child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub enum Outcome {
    /// Listening on the socket.
    Running(Server),
    /// Exited before listening; its stdout+stderr.
    Refused(String),
}

/// Start `redis` on `config` (run from `cwd`) listening on `tmp/s.sock` only, plus any
/// `extra` arguments (appended after the file, so they win). Wait until it answers or exits.
pub fn start(redis: &Path, config: &Path, cwd: &Path, tmp: &Path, extra: &[&str]) -> Outcome {
    let sock = tmp.join("s.sock");
    let mut cmd = Command::new(redis);
    cmd.current_dir(cwd)
        .arg(config)
        .args(["--port", "0", "--daemonize", "no", "--pidfile", ""])
        .arg("--unixsocket")
        .arg(&sock)
        .arg("--dir")
        .arg(tmp)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("spawn redis-server");
    let mut server = Server { child };
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(Some(_)) = server.child.try_wait() {
            let mut text = String::new();
            if let Some(mut out) = server.child.stdout.take() {
                let _ = out.read_to_string(&mut text);
            }
            if let Some(mut err) = server.child.stderr.take() {
                let _ = err.read_to_string(&mut text);
            }
            return Outcome::Refused(text);
        }
        if sock.exists() && ping(&sock) {
            // Drain the log pipes so a chatty server never blocks on a full pipe.
            for pipe in [
                server.child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
                server.child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
            ]
            .into_iter()
            .flatten()
            {
                std::thread::spawn(move || {
                    let mut sink = Vec::new();
                    let mut pipe = pipe;
                    let _ = pipe.read_to_end(&mut sink);
                });
            }
            return Outcome::Running(server);
        }
        if Instant::now() > deadline {
            return Outcome::Refused(format!("{}: redis-server neither started nor exited in time", config.display()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One RESP request over the unix socket: binary-safe, unlike parsing redis-cli's text.
/// With `password`, AUTH first on the same connection (its reply is skipped).
pub fn command(sock: &Path, password: Option<&[u8]>, args: &[&[u8]]) -> std::io::Result<Resp> {
    let mut stream = UnixStream::connect(sock)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut req = Vec::new();
    let mut encode = |args: &[&[u8]]| {
        req.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
        for a in args {
            req.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            req.extend_from_slice(a);
            req.extend_from_slice(b"\r\n");
        }
    };
    if let Some(p) = password {
        encode(&[b"AUTH", p]);
    }
    encode(args);
    stream.write_all(&req)?;
    let mut reader = BufReader::new(stream);
    if password.is_some() {
        read_resp(&mut reader)?;
    }
    read_resp(&mut reader)
}

#[derive(Debug)]
pub enum Resp {
    Simple(String),
    Error(String),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Resp>),
    Int(#[allow(dead_code)] i64),
}

pub fn read_resp(r: &mut impl BufRead) -> std::io::Result<Resp> {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)?;
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "bad RESP");
    let head = line.strip_suffix(b"\r\n").ok_or_else(bad)?;
    let (&kind, rest) = head.split_first().ok_or_else(bad)?;
    let text = String::from_utf8_lossy(rest).into_owned();
    Ok(match kind {
        b'+' => Resp::Simple(text),
        b'-' => Resp::Error(text),
        b':' => Resp::Int(text.parse().map_err(|_| bad())?),
        b'$' => {
            let n: i64 = text.parse().map_err(|_| bad())?;
            if n < 0 {
                Resp::Bulk(None)
            } else {
                let mut buf = vec![0; n as usize + 2];
                r.read_exact(&mut buf)?;
                buf.truncate(n as usize);
                Resp::Bulk(Some(buf))
            }
        }
        b'*' => {
            let n: i64 = text.parse().map_err(|_| bad())?;
            let mut items = Vec::new();
            for _ in 0..n.max(0) {
                items.push(read_resp(r)?);
            }
            Resp::Array(items)
        }
        _ => return Err(bad()),
    })
}

/// The server answers (PONG, or NOAUTH when the case sets a password).
pub fn ping(sock: &Path) -> bool {
    match command(sock, None, &[b"PING"]) {
        Ok(Resp::Simple(s)) => s == "PONG",
        Ok(Resp::Error(e)) => e.starts_with("NOAUTH"),
        _ => false,
    }
}

/// Several commands on one connection (e.g. AUTH, SELECT, then a read), replies in order.
pub fn pipeline(sock: &Path, commands: &[&[&[u8]]]) -> std::io::Result<Vec<Resp>> {
    let mut stream = UnixStream::connect(sock)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut req = Vec::new();
    for args in commands {
        req.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
        for a in *args {
            req.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            req.extend_from_slice(a);
            req.extend_from_slice(b"\r\n");
        }
    }
    stream.write_all(&req)?;
    let mut reader = BufReader::new(stream);
    commands.iter().map(|_| read_resp(&mut reader)).collect()
}

/// A port in `range` that nobody listens on at 127.0.0.1 now (tried from a point that differs
/// between processes, so parallel test binaries rarely pick the same one).
#[allow(dead_code)]
pub fn free_port_in(range: std::ops::RangeInclusive<u16>) -> u16 {
    let (lo, hi) = (*range.start() as u32, *range.end() as u32);
    let start = std::process::id() % (hi - lo + 1);
    (0..=hi - lo)
        .map(|i| (lo + (start + i) % (hi - lo + 1)) as u16)
        .find(|&p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok())
        .expect("a free port in the range")
}

/// A free TCP port on 127.0.0.1 for a test server, never the same twice in this process.
///
/// Taken below the kernel's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`,
/// 32768-60999 by default): a port from `bind(0)` is an ephemeral one, and between releasing it
/// and the server's own bind any outgoing connection of a parallel test (php to Redis, a test
/// client) may get it as its source port, so the server fails with "Address already in use".
/// Cargo runs test binaries one after another, so a counter per process keeps the tests of one
/// binary apart; the start differs by process id.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<u32>().ok()))
        .unwrap_or(32768);
    let (lo, hi) = (10000u32, ephemeral_start.clamp(12000, 65535));
    let span = hi - lo;
    let base = std::process::id().wrapping_mul(7919) % span;
    for _ in 0..span {
        let p = (lo + (base + NEXT.fetch_add(1, Ordering::Relaxed)) % span) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", p)).is_ok() {
            return p;
        }
    }
    panic!("no free port on 127.0.0.1 between {lo} and {hi}")
}

/// A [`free_port`] for a cluster node: redis-server also binds the cluster bus at port + 10000,
/// which must be free too and stay below the ephemeral range (a port there may be taken as a
/// client's source port between the check and the bind, as for `free_port`).
#[allow(dead_code)]
pub fn free_cluster_port() -> u16 {
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<u32>().ok()))
        .unwrap_or(32768);
    for _ in 0..65536 {
        let p = free_port();
        let bus = u32::from(p) + 10000;
        if bus < ephemeral_start && std::net::TcpListener::bind(("127.0.0.1", bus as u16)).is_ok() {
            return p;
        }
    }
    panic!("no port on 127.0.0.1 whose cluster bus port (+10000) is free and below {ephemeral_start}")
}

/// Start `redis` on `config` as the file says (its own `port`, `bind`, `unixsocket`), with
/// only `--daemonize no --pidfile "" --logfile ""` and `extra` appended. Returns the server
/// once it logs "Ready to accept connections", or `Refused` with its log when it exits.
pub fn start_as_configured(redis: &Path, config: &Path, cwd: &Path, extra: &[&str]) -> Outcome {
    let mut cmd = Command::new(redis);
    cmd.current_dir(cwd)
        .arg(config)
        .args(["--daemonize", "no", "--pidfile", "", "--logfile", ""])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn redis-server");
    let (tx, rx) = std::sync::mpsc::channel::<Option<String>>();
    for pipe in [
        child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
        child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let _ = tx.send(Some(line));
            }
            let _ = tx.send(None);
        });
    }
    drop(tx);
    let server = Server { child };
    let mut log = String::new();
    let mut closed = 0;
    let deadline = Instant::now() + Duration::from_secs(15);
    while closed < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Some(line)) => {
                if line.contains("eady to accept connections") {
                    return Outcome::Running(server);
                }
                log.push_str(&line);
                log.push('\n');
            }
            Ok(None) => closed += 1,
            Err(_) => break,
        }
    }
    Outcome::Refused(log)
}

/// One command over TCP from a chosen source address (`127.0.0.2` stands in for another
/// host: Redis 7.0 counts only 127.0.0.1 and ::1 as local). The first reply.
pub fn command_from(source: std::net::Ipv4Addr, port: u16, args: &[&[u8]]) -> std::io::Result<Resp> {
    use std::os::fd::FromRawFd;
    let sockaddr = |ip: std::net::Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr { s_addr: u32::from(ip).to_be() },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: plain socket calls on a descriptor this function owns until TcpStream does.
    let stream = unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let stream = std::net::TcpStream::from_raw_fd(fd);
        let local = sockaddr(source, 0);
        if libc::bind(fd, &local as *const libc::sockaddr_in as *const libc::sockaddr, len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let remote = sockaddr(std::net::Ipv4Addr::LOCALHOST, port);
        if libc::connect(fd, &remote as *const libc::sockaddr_in as *const libc::sockaddr, len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        stream
    };
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut req = Vec::new();
    req.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        req.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        req.extend_from_slice(a);
        req.extend_from_slice(b"\r\n");
    }
    (&stream).write_all(&req)?;
    read_resp(&mut BufReader::new(stream))
}
