//! Given a stock Debian 12 PHP host's `/etc` (php8.2-cli/-fpm/-cgi, php-redis, redis-server,
//! apache2 + mod_php from Debian's packages), `check`, `show` and `migrate` read every
//! configuration and say nothing about the links there that are no configuration:
//! update-alternatives' `php` (a binary) and `php.1.gz` (a man page), systemd's unit links.
//! A link that leads out of the tree to something PHP would load is still said (SL002).

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Output;

/// The links Debian's packages leave in `/etc` (`ls -lR /etc/php /etc/redis /etc/alternatives
/// /etc/systemd /etc/apache2` on such a host): (link, target).
const DEBIAN_LINKS: &[(&str, &str)] = &[
    ("etc/alternatives/php", "/usr/bin/php.default"),
    ("etc/alternatives/php-cgi", "/usr/bin/php-cgi.default"),
    ("etc/alternatives/php-cgi-bin", "/usr/lib/cgi-bin/php.default"),
    ("etc/alternatives/php-cgi.1.gz", "/usr/share/man/man1/php-cgi.default.1.gz"),
    ("etc/alternatives/php.1.gz", "/usr/share/man/man1/php.default.1.gz"),
    ("etc/alternatives/php-fpm.8.gz", "/usr/share/man/man8/php-fpm8.2.8.gz"),
    ("etc/systemd/system/multi-user.target.wants/php8.2-fpm.service", "/lib/systemd/system/php8.2-fpm.service"),
    ("etc/systemd/system/multi-user.target.wants/redis-server.service", "/lib/systemd/system/redis-server.service"),
    ("etc/systemd/system/redis.service", "/lib/systemd/system/redis-server.service"),
    ("etc/systemd/system/timers.target.wants/phpsessionclean.timer", "/lib/systemd/system/phpsessionclean.timer"),
    ("etc/apache2/mods-enabled/php8.2.conf", "../mods-available/php8.2.conf"),
    ("etc/apache2/mods-enabled/php8.2.load", "../mods-available/php8.2.load"),
];

/// The modules php8.2-common, php8.2-opcache, php8.2-readline, php-igbinary and php-redis
/// enable, with their priority (each SAPI's `conf.d/PRIO-NAME.ini` links to
/// `/etc/php/8.2/mods-available/NAME.ini`).
const MODULES: &[(&str, &str)] = &[
    ("10", "opcache"),
    ("10", "pdo"),
    ("20", "calendar"),
    ("20", "ctype"),
    ("20", "exif"),
    ("20", "ffi"),
    ("20", "fileinfo"),
    ("20", "ftp"),
    ("20", "gettext"),
    ("20", "iconv"),
    ("20", "igbinary"),
    ("20", "phar"),
    ("20", "posix"),
    ("20", "readline"),
    ("20", "redis"),
    ("20", "shmop"),
    ("20", "sockets"),
    ("20", "sysvmsg"),
    ("20", "sysvsem"),
    ("20", "sysvshm"),
    ("20", "tokenizer"),
];

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn link(top: &Path, at: &str, target: &str) {
    let at = top.join(at);
    std::fs::create_dir_all(at.parent().expect("parent")).expect("mkdir");
    symlink(target, at).expect("symlink");
}

/// A copy of a stock Debian 12 host's `/etc` at `top/etc`: the packages' own files (the
/// demo's php.ini, php-fpm.conf and www.conf are Debian's, byte for byte; its redis.conf is
/// Debian's but for `bind` and `requirepass`), and the links of [`DEBIAN_LINKS`] and
/// [`MODULES`].
fn debian_etc(top: &Path) {
    let demo = common::fixtures().join("demo/etc");
    let php = top.join("etc/php/8.2");
    for sapi in ["apache2", "cgi", "fpm"] {
        std::fs::create_dir_all(php.join(sapi)).expect("mkdir");
        std::fs::copy(demo.join("php/8.2/fpm/php.ini"), php.join(sapi).join("php.ini")).expect("copy");
    }
    std::fs::create_dir_all(php.join("cli")).expect("mkdir");
    std::fs::copy(demo.join("php/8.2/cli/php.ini"), php.join("cli/php.ini")).expect("copy");
    std::fs::copy(demo.join("php/8.2/fpm/php-fpm.conf"), php.join("fpm/php-fpm.conf")).expect("copy");
    std::fs::create_dir_all(php.join("fpm/pool.d")).expect("mkdir");
    std::fs::copy(demo.join("php/8.2/fpm/pool.d/www.conf"), php.join("fpm/pool.d/www.conf")).expect("copy");
    for (prio, name) in MODULES {
        write(
            &php.join(format!("mods-available/{name}.ini")),
            &format!("; configuration for php {name} module\n; priority={prio}\nextension={name}.so\n"),
        );
        for sapi in ["apache2", "cgi", "cli", "fpm"] {
            let at = format!("etc/php/8.2/{sapi}/conf.d/{prio}-{name}.ini");
            link(top, &at, &format!("/etc/php/8.2/mods-available/{name}.ini"));
        }
    }
    let redis = std::fs::read_to_string(demo.join("redis/redis.conf")).expect("read");
    let redis = redis.replace("\nbind 0.0.0.0\n", "\nbind 127.0.0.1 -::1\n");
    let redis: String = redis.lines().filter(|l| !l.starts_with("requirepass")).map(|l| format!("{l}\n")).collect();
    write(&top.join("etc/redis/redis.conf"), &redis);
    write(
        &top.join("etc/apache2/mods-available/php8.2.conf"),
        "<FilesMatch \".+\\.ph(?:ar|p|tml)$\">\n    SetHandler application/x-httpd-php\n</FilesMatch>\n",
    );
    write(
        &top.join("etc/apache2/mods-available/php8.2.load"),
        "LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so\n",
    );
    for (at, target) in DEBIAN_LINKS {
        link(top, at, target);
    }
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    common::sesslint_cmd(args).current_dir(dir).env("REDIS_PASSWORD", "pw").output().expect("run sesslint")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// `check`, `show` and `migrate`'s preview of `paths` (run in `dir`): no SL002, nothing left
/// out, the exit codes of a tree read whole (infos only: 0).
fn read_whole(dir: &Path, paths: &[&str]) {
    let check = run_in(dir, &[&["check", "--format", "concise"], paths].concat());
    assert!(!text(&check).contains("SL002"), "{}", text(&check));
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    assert!(text(&check).contains("pool www"), "{}", text(&check));
    let show = run_in(dir, &[&["show"], paths].concat());
    assert!(!text(&show).contains("not read"), "{}", text(&show));
    assert_eq!(show.status.code(), Some(0), "{}", text(&show));
    let migrate = ["migrate", "--harden-redis", "--redis", "tcp://127.0.0.1:6379", "--password-env", "REDIS_PASSWORD"];
    let migrate = run_in(dir, &[&migrate[..], paths].concat());
    let said = text(&migrate);
    assert!(!said.contains("not read") && !said.contains("refuses"), "{said}");
    assert!(said.contains("+session.save_handler = redis"), "{said}");
    assert_eq!(migrate.status.code(), Some(0), "{said}");
}

/// The copy checked at its top and at its `etc/`: every php.ini, pool and redis.conf is read,
/// and the alternatives, man pages and unit links are not candidates: nothing is said of
/// them, whatever this machine has at their targets.
#[test]
fn a_copy_of_a_stock_debian_etc_is_read_whole_without_a_word_on_its_other_links() {
    let tmp = tempfile::tempdir().expect("tmp");
    let top = tmp.path().join("host");
    debian_etc(&top);
    read_whole(tmp.path(), &["host"]);
    read_whole(tmp.path(), &["host/etc"]);
    read_whole(&top, &["."]);
    let show = run_in(tmp.path(), &["show", "host"]);
    for setup in ["php apache2", "php cgi", "php cli", "pool www", "Redis host/etc/redis/redis.conf"] {
        assert!(text(&show).contains(setup), "{setup}: {}", text(&show));
    }
}

/// A link whose own name PHP loads (a scan-dir `.ini`) leading out of the tree, or to
/// nothing in it, is still said, as a directory link where configuration lives is.
#[test]
fn a_config_link_out_of_the_debian_tree_is_still_said() {
    let tmp = tempfile::tempdir().expect("tmp");
    let top = tmp.path().join("host");
    debian_etc(&top);
    link(&top, "etc/php/8.2/fpm/conf.d/30-sessions.ini", "/usr/share/php-sessions/sessions.ini");
    link(&top, "etc/redis/conf.d", "/nowhere/redis.d");
    let check = run_in(tmp.path(), &["check", "--format", "concise", "host"]);
    let said = text(&check);
    assert!(said.contains("host/etc/php/8.2/fpm/conf.d/30-sessions.ini:1:1: warning[SL002]"), "{said}");
    assert!(said.contains("host/etc/redis/conf.d:1:1: warning[SL002]"), "{said}");
    assert_eq!(said.matches("SL002").count(), 2, "{said}");
    assert_eq!(check.status.code(), Some(1), "{said}");
}

/// This machine's own `/etc`, when it is a Debian host with php-fpm8.2 (the oracle: what
/// the packages really install): `sesslint /etc`, `show /etc` and the migrate preview read
/// it whole, with the root `/`. Skipped loudly elsewhere; required under `SESSLINT_REQUIRE_ORACLES=1`.
#[test]
fn this_debian_hosts_own_etc_is_read_whole() {
    let debian = Path::new("/etc/debian_version").is_file()
        && Path::new("/usr/sbin/php-fpm8.2").is_file()
        && Path::new("/etc/php/8.2/fpm/pool.d/www.conf").is_file()
        && Path::new("/etc/redis/redis.conf").is_file();
    if !debian {
        if std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!("SESSLINT_REQUIRE_ORACLES=1 but this is no Debian host with php8.2-fpm and redis-server");
        }
        common::skipped("this is no Debian host with php8.2-fpm and redis-server, so its own /etc is not checked");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let check = run_in(tmp.path(), &["check", "-v", "--format", "concise", "/etc"]);
    assert!(!text(&check).contains("SL002"), "{}", text(&check));
    // `/etc` keeps the root `/` and is read as this machine's (its links followed).
    assert!(text(&check).contains("sesslint: root / (a checked path is this machine's own configuration"));
    let show = run_in(tmp.path(), &["show", "/etc"]);
    assert!(!text(&show).contains("not read"), "{}", text(&show));
    assert!(text(&show).contains("pool www (/etc/php/8.2/fpm/pool.d/www.conf)"), "{}", text(&show));
    let migrate = ["migrate", "--harden-redis", "--redis", "tcp://127.0.0.1:6379", "--password-env", "REDIS_PASSWORD"];
    let migrate = run_in(tmp.path(), &[&migrate[..], &["/etc"]].concat());
    assert!(!text(&migrate).contains("not read"), "{}", text(&migrate));
}

/// A repository checked out where a machine's configuration could live (`/opt/NAME`, `/NAME`:
/// Docker builds use `/app`, `/src`) is a copy, not this machine: its `etc/` stays confined to
/// the work tree, and a conf.d link leading out of it is refused, its target never read.
/// Naming this machine's `/etc` reads it as the machine (above) only because no checkout
/// holds it.
#[test]
fn a_checkout_at_a_machine_prefix_stays_confined() {
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = outside.path().join("outside.ini");
    write(&secret, "outside_marker = \"OUTSIDE-TEXT\" =\n");
    for parent in ["/opt", "/"] {
        let top = Path::new(parent).join(format!("sesslint-checkout-{}", std::process::id()));
        if std::fs::create_dir_all(top.join("etc/php/8.2/cli/conf.d")).is_err() {
            common::skipped(&format!("{parent} is not writable here: a checkout there cannot be made"));
            continue;
        }
        std::fs::create_dir(top.join(".git")).expect("mkdir .git");
        write(&top.join("etc/php/8.2/cli/php.ini"), "session.save_handler = files\n");
        symlink(&secret, top.join("etc/php/8.2/cli/conf.d/99-x.ini")).expect("symlink");
        for named in ["etc", "etc/php/8.2/cli/conf.d/99-x.ini", "."] {
            let o = run_in(&top, &["check", named]);
            let out = text(&o);
            assert!(!out.contains("OUTSIDE-TEXT") && !out.contains("[SL001]"), "{parent}: check {named}: {out}");
            assert!(out.contains("SL002") && out.contains("leads outside"), "{parent}: check {named}: {out}");
            assert_eq!(o.status.code(), Some(1), "{out}");
        }
        std::fs::remove_dir_all(&top).expect("cleanup");
    }
}
