//! mod_php's Apache layer against a running Apache httpd 2.4 with Debian's mod_php 8.2: a
//! server on 127.0.0.1 reads the tree's own apache2.conf, and each context's
//! `ini_get()` answer is what sesslint's model and `show` say for that context.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sesslint::model::php::LayerKind;

/// Debian's mod_php for PHP 8.2 (libapache2-mod-php8.2) and the modules the config loads.
const MODULES: &str = "/usr/lib/apache2/modules";

/// The keys each request prints, in this order.
const KEYS: [&str; 5] = [
    "session.save_handler",
    "session.save_path",
    "session.use_strict_mode",
    "session.cookie_httponly",
    "session.use_cookies",
];

/// A running `apache2 -X` (one process, in the foreground): killed and reaped when dropped,
/// so a failed assertion stops it too.
struct Httpd {
    child: Child,
    log: PathBuf,
}

impl Drop for Httpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Httpd {
    fn error_log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Wait until every port accepts, or panic with the error log when httpd exits first.
    fn wait_ready(&mut self, ports: &[u16]) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("apache2 exited ({status}) before listening:\n{}", self.error_log());
            }
            if ports.iter().all(|p| TcpStream::connect(("127.0.0.1", *p)).is_ok()) {
                return;
            }
            assert!(Instant::now() < deadline, "apache2 did not listen within 20 s:\n{}", self.error_log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The body of `GET path` on 127.0.0.1:`port` (HTTP/1.0, so the server closes), which must
/// answer 200.
fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to apache2");
    s.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n").expect("send request");
    let mut reply = String::new();
    s.read_to_string(&mut reply).expect("read reply");
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    assert!(head.starts_with("HTTP/1.1 200"), "GET :{port}{path}: {head}");
    body.to_owned()
}

fn write(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, body).expect("write");
}

/// Three distinct free ports.
fn ports() -> [u16; 3] {
    loop {
        let p = [common::redis::free_port(), common::redis::free_port(), common::redis::free_port()];
        if p[0] != p[1] && p[1] != p[2] && p[0] != p[2] {
            return p;
        }
    }
}

/// `apache2`, and mod_php's module file, or `None` with a loud SKIPPED line (a panic under
/// `SESSLINT_REQUIRE_ORACLES=1`).
fn apache_with_mod_php() -> Option<PathBuf> {
    let apache = common::oracle("apache2").or_else(|| {
        // Debian installs it in /usr/sbin, which a user's PATH may lack.
        Some(PathBuf::from("/usr/sbin/apache2")).filter(|p| p.is_file())
    });
    let module = Path::new(MODULES).join("libphp8.2.so");
    match apache {
        Some(a) if module.is_file() => Some(a),
        _ => {
            if std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() == Ok("1") {
                panic!("SESSLINT_REQUIRE_ORACLES=1 but apache2 with mod_php is not installed (apt-get install apache2 libapache2-mod-php8.2)");
            }
            common::skipped("apache2 or libapache2-mod-php8.2 is not installed, so mod_php's layer is not compared with a running Apache");
            None
        }
    }
}

/// The precedence cases of apache_config.c, each in a context of its own: Remi's
/// server-wide `php_value` lines over php.ini; an inner `php_value` over an outer one; an
/// outer `php_admin_value`/`php_admin_flag` over an inner `php_value`/`php_flag`, not over an
/// inner `php_admin_value`; the later line of one context, admin or not; `none`; flags;
/// `<IfModule>` sections for PHP 8's module, PHP 7's and none.
fn apache_conf(dir: &Path, ports: [u16; 3]) -> String {
    let d = dir.display();
    let [main, a, b] = ports;
    format!(
        r#"ServerRoot {d}
ServerName localhost
PidFile {d}/run/httpd.pid
ErrorLog {d}/run/error.log
LogLevel warn
User nobody
Group nogroup
LoadModule mpm_prefork_module {MODULES}/mod_mpm_prefork.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule php_module {MODULES}/libphp8.2.so
PHPINIDir {d}/etc/php/8.2/apache2
Listen 127.0.0.1:{main}
Listen 127.0.0.1:{a}
Listen 127.0.0.1:{b}
DocumentRoot {d}/www/main
<Directory {d}/www>
    Require all granted
</Directory>
<FilesMatch "\.php$">
    SetHandler application/x-httpd-php
</FilesMatch>
# Remi's and RHEL's conf.d/php.conf
php_value session.save_handler "files"
php_value session.save_path "/var/lib/php/session"
<IfModule mod_php.c>
    php_admin_value session.use_strict_mode 1
</IfModule>
# PHP 7's and no PHP's: httpd skips both with PHP 8's php_module loaded
<IfModule mod_php7.c>
    php_value session.save_path "/var/lib/php7/session"
</IfModule>
<IfModule !php_module>
    php_value session.use_cookies 0
</IfModule>
<VirtualHost 127.0.0.1:{a}>
    DocumentRoot {d}/www/a
    php_value session.save_handler redis
    php_value session.save_path "tcp://127.0.0.1:6380?timeout=2"
    php_value session.use_strict_mode 0
    php_flag session.cookie_httponly on
    <Directory {d}/www/a/sub>
        php_value session.save_handler none
        php_value session.save_path none
        php_admin_flag session.use_cookies off
    </Directory>
</VirtualHost>
<VirtualHost 127.0.0.1:{b}>
    DocumentRoot {d}/www/b
    php_admin_value session.save_path "/tmp/b-admin"
    php_value session.save_path "/tmp/b-later"
    php_admin_flag session.cookie_httponly on
    <Directory {d}/www/b/sub>
        php_value session.save_handler rediss
        php_flag session.cookie_httponly off
        php_admin_value session.use_strict_mode 0
        php_flag session.use_cookies 0
    </Directory>
</VirtualHost>
"#
    )
}

#[test]
fn a_running_apache_with_mod_php_reads_each_context_as_the_model_says() {
    let Some(apache) = apache_with_mod_php() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("tree");
    let ports = ports();
    write(
        &root.join("etc/php/8.2/apache2/php.ini"),
        "extension=igbinary\nextension=redis\nsession.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?timeout=2\"\nsession.cookie_httponly = 0\nsession.use_cookies = 1\n",
    );
    let conf = root.join("etc/apache2/apache2.conf");
    write(&conf, &apache_conf(&root, ports));
    let script = format!("<?php echo implode('|', array_map('ini_get', ['{}']));", KEYS.join("', '"));
    let www = root.join("www");
    for d in ["main", "a", "a/sub", "b", "b/sub"] {
        write(&www.join(d).join("i.php"), &script);
    }
    std::fs::create_dir_all(root.join("run")).expect("run dir");
    // httpd started as root serves as `nobody`, which must read the scripts.
    Command::new("chmod").arg("-R").arg("a+rX").arg(tmp.path()).status().expect("chmod");

    let child = Command::new(&apache)
        .arg("-f")
        .arg(&conf)
        .arg("-X")
        .env("PHP_INI_SCAN_DIR", "") // the tree's php.ini only, as the model reads it
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start apache2");
    let mut httpd = Httpd { child, log: root.join("run/error.log") };
    httpd.wait_ready(&ports);

    let [main, a, b] = ports;
    let d = root.display();
    let cases = [
        ("server".to_owned(), main, "/i.php"),
        (format!("<VirtualHost 127.0.0.1:{a}>"), a, "/i.php"),
        (format!("<Directory {d}/www/a/sub>"), a, "/sub/i.php"),
        (format!("<VirtualHost 127.0.0.1:{b}>"), b, "/i.php"),
        (format!("<Directory {d}/www/b/sub>"), b, "/sub/i.php"),
    ];
    let real: Vec<String> = cases.iter().map(|(_, port, path)| get(*port, path)).collect();
    drop(httpd);

    let model = sesslint::model::build(std::slice::from_ref(&root), &Default::default());
    let show = common::sesslint(&["show", root.to_str().expect("utf-8 path")]);
    let show = String::from_utf8_lossy(&show.stdout).into_owned();
    for ((context, port, path), real) in cases.iter().zip(&real) {
        let setup = model
            .php
            .iter()
            .find(|s| s.layer.as_ref().is_some_and(|l| l.kind == LayerKind::Apache && l.context == *context))
            .unwrap_or_else(|| panic!("no setup for {context}"));
        let said: Vec<String> =
            KEYS.iter().map(|k| setup.get(k).map(|v| v.value).unwrap_or_else(|| format!("<unset {k}>"))).collect();
        assert_eq!(said.join("|"), *real, "{context} (GET :{port}{path}): sesslint's values are mod_php's");
        assert!(show.contains(&format!("+ Apache php_value ({context})")), "show names {context}:\n{show}");
    }
    assert!(
        show.contains("sessions: \"\" (no save handler: session_start() fails) -> PHP's built-in save_path"),
        "{show}"
    );
    // The pinned answers, so that a change of httpd or PHP shows here first.
    assert_eq!(
        real,
        [
            "files|/var/lib/php/session|1|0|1",
            "redis|tcp://127.0.0.1:6380?timeout=2|1|1|1",
            "||1|1|0",
            "files|/tmp/b-later|1|1|1",
            "rediss|/tmp/b-later|0|1|0",
        ]
    );
}
