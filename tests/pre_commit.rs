//! pre-commit, for real: the hook from `.pre-commit-hooks.yaml` run by the `pre-commit`
//! program (PyPI) in a throwaway git repository. A commit with a bad redis.conf fails with the
//! finding; a clean one passes; staging only an env.php still sees the redis.conf it uses.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn git(repo: &Path, args: &[&str]) {
    let st = Command::new("git").args(args).current_dir(repo).output().expect("git");
    assert!(st.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&st.stderr));
}

fn pre_commit(repo: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new("pre-commit")
        .args(args)
        .current_dir(repo)
        .env("PRE_COMMIT_HOME", home)
        .env("NO_COLOR", "1")
        .output()
        .expect("pre-commit")
}

/// The manifest's hook as a local hook that runs the binary under test.
fn local_config() -> String {
    let manifest = std::fs::read_to_string(".pre-commit-hooks.yaml").expect("manifest");
    let bin = env!("CARGO_BIN_EXE_sesslint");
    let mut out = String::from("repos:\n  - repo: local\n    hooks:\n");
    for line in manifest.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let line = line
            .replace("entry: sesslint check", &format!("entry: {bin} check --format concise"))
            .replace("language: rust", "language: system");
        out.push_str("      ");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn the_hook_blocks_a_bad_commit_and_passes_a_clean_one() {
    let found = Command::new("pre-commit").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!("SESSLINT_REQUIRE_ORACLES=1 but pre-commit is not installed (pip install pre-commit)");
        }
        common::skipped("pre-commit is not installed (pip install pre-commit); the hook was not run");
        return;
    }
    let validated =
        Command::new("pre-commit").args(["validate-manifest", ".pre-commit-hooks.yaml"]).output().expect("validate");
    assert!(validated.status.success(), "{}", String::from_utf8_lossy(&validated.stdout));

    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("infra");
    let home = tmp.path().join("pre-commit-home");
    std::fs::create_dir_all(repo.join("etc/redis")).expect("mkdir");
    std::fs::create_dir_all(repo.join("var/www/shop/app/etc")).expect("mkdir");
    git(&repo, &["init", "-q"]);
    git(&repo, &["config", "user.email", "ops@example.invalid"]);
    git(&repo, &["config", "user.name", "ops"]);
    std::fs::write(repo.join(".pre-commit-config.yaml"), local_config()).expect("config");

    // 1. A redis.conf open to the network without a password: the commit is refused.
    std::fs::write(repo.join("etc/redis/redis.conf"), "bind 0.0.0.0\nport 6379\nprotected-mode no\n").expect("write");
    git(&repo, &["add", "-A"]);
    let o = pre_commit(&repo, &home, &["run"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "a bad redis.conf passed:\n{out}");
    assert!(out.contains("SL202") && out.contains("SL201") && out.contains("etc/redis/redis.conf"), "{out}");

    // 2. Fixed: loopback only, with a password. It passes.
    std::fs::write(
        repo.join("etc/redis/redis.conf"),
        "bind 127.0.0.1 -::1\nport 6379\nrequirepass \"s3cret-for-test-0123456789abcdefghij\"\n",
    )
    .expect("write");
    std::fs::write(repo.join("var/www/shop/app/etc/env.php"), "<?php\nreturn ['session' => ['save' => 'files']];\n")
        .expect("write");
    git(&repo, &["add", "-A"]);
    let o = pre_commit(&repo, &home, &["run"]);
    assert!(o.status.success(), "a clean commit failed:\n{}", String::from_utf8_lossy(&o.stdout));
    git(&repo, &["commit", "-q", "-m", "clean"]);

    // 3. Only env.php is staged: the hook still reads the committed redis.conf, and the
    //    session database that equals a cache database is found.
    std::fs::write(
        repo.join("var/www/shop/app/etc/env.php"),
        "<?php\nreturn [\n  'session' => ['save' => 'redis', 'redis' => ['host' => '127.0.0.1', 'port' => '6379', 'password' => 's3cret-for-test-0123456789abcdefghij', 'database' => '0', 'retries' => '2']],\n  'cache' => ['frontend' => ['default' => ['backend' => 'Cm_Cache_Backend_Redis', 'backend_options' => ['server' => '127.0.0.1', 'port' => '6379', 'password' => 's3cret-for-test-0123456789abcdefghij', 'database' => '0']]]],\n];\n",
    )
    .expect("write");
    git(&repo, &["add", "var/www/shop/app/etc/env.php"]);
    let o = pre_commit(&repo, &home, &["run"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success() && out.contains("SL303"), "{out}");
    assert!(!out.contains("s3cret-for-test-0123456789abcdefghij"), "the hook printed a password:\n{out}");
}

/// This repository as pre-commit fetches it: the tracked files as they are in the work
/// tree, committed in a throwaway repository without tags (none are published).
fn hook_repository(dir: &Path) -> std::path::PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    let clone = dir.join("sesslint");
    std::fs::create_dir_all(&clone).expect("mkdir");
    let listed = Command::new("git").args(["ls-files", "-z"]).current_dir(src).output().expect("git ls-files");
    assert!(listed.status.success());
    for name in listed.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let rel = Path::new(std::str::from_utf8(name).expect("UTF-8 file name"));
        let Ok(meta) = std::fs::symlink_metadata(src.join(rel)) else {
            continue; // deleted in the work tree, not yet committed
        };
        let to = clone.join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        if meta.file_type().is_symlink() {
            // The fixtures hold symlinks, some dangling on purpose.
            let target = std::fs::read_link(src.join(rel)).expect("readlink");
            std::os::unix::fs::symlink(target, &to).expect("symlink");
        } else {
            std::fs::copy(src.join(rel), &to).expect("copy");
        }
    }
    git(&clone, &["init", "-q"]);
    git(&clone, &["config", "user.email", "ops@example.invalid"]);
    git(&clone, &["config", "user.name", "ops"]);
    git(&clone, &["add", "-A"]);
    git(&clone, &["commit", "-q", "-m", "sesslint"]);
    // No tag: the README tells the reader to put their clone's commit id in `rev:`.
    clone
}

/// The README's `.pre-commit-config.yaml`, its `repo:` pointing at `clone`, with hook `id`.
fn readme_config(clone: &Path, id: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README");
    let start = readme.find("```yaml\n# .pre-commit-config.yaml\n").expect("the README's pre-commit snippet");
    let block = &readme[start + "```yaml\n".len()..];
    let block = &block[..block.find("```").expect("end of the snippet")];
    // The snippet's `rev:` is a placeholder the reader replaces with `git rev-parse HEAD`
    // of their clone, as the comment on it says; that is what the test puts there.
    let placeholder = "    rev: 0123456789abcdef0123456789abcdef01234567   # your clone's `git rev-parse HEAD`";
    assert!(block.contains(placeholder) && block.contains("repo: /opt/src/sesslint "), "{block}");
    assert!(block.contains("- id: sesslint-system "), "{block}");
    let head = Command::new("git").args(["rev-parse", "HEAD"]).current_dir(clone).output().expect("git rev-parse");
    assert!(head.status.success());
    let head = String::from_utf8(head.stdout).expect("a commit id").trim().to_owned();
    block
        .replace("repo: /opt/src/sesslint ", &format!("repo: {} ", clone.display()))
        .replace("0123456789abcdef0123456789abcdef01234567", &head)
        .replace("- id: sesslint-system ", &format!("- id: {id} "))
}

/// A work tree whose staged redis.conf is open to the network without a password, with the
/// README's config for hook `id`.
fn infra_with_open_redis(dir: &Path, clone: &Path, id: &str) -> std::path::PathBuf {
    let repo = dir.join("infra");
    std::fs::create_dir_all(repo.join("etc/redis")).expect("mkdir");
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join(".pre-commit-config.yaml"), readme_config(clone, id)).expect("config");
    std::fs::write(repo.join("etc/redis/redis.conf"), "bind 0.0.0.0\nport 6379\nprotected-mode no\n").expect("write");
    git(&repo, &["add", "-A"]);
    repo
}

fn pre_commit_installed() -> bool {
    let found = Command::new("pre-commit").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!("SESSLINT_REQUIRE_ORACLES=1 but pre-commit is not installed (pip install pre-commit)");
        }
        common::skipped("pre-commit is not installed (pip install pre-commit); the hook was not run");
    }
    found
}

#[test]
fn the_readme_config_with_the_system_hook_runs_the_sesslint_on_path() {
    if !pre_commit_installed() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let clone = hook_repository(tmp.path());
    let repo = infra_with_open_redis(tmp.path(), &clone, "sesslint-system");
    // The binary under test first on PATH, as an installed one would be.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_sesslint")).parent().expect("bin dir");
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let o = Command::new("pre-commit")
        .arg("run")
        .current_dir(&repo)
        .env("PRE_COMMIT_HOME", tmp.path().join("home"))
        .env("PATH", path)
        .output()
        .expect("pre-commit");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "a bad redis.conf passed:\n{out}");
    assert!(
        out.contains("sesslint (installed)") && out.contains("SL202") && out.contains("etc/redis/redis.conf"),
        "{out}"
    );
}

/// `language: rust`: pre-commit runs `cargo install` on its copy of the repository. That is a
/// build of sesslint and its dependencies, so it runs where `.ci/run` asks for it
/// (`SESSLINT_TEST_PRE_COMMIT_RUST=1`, with the target directory it shares with the package
/// build in `SESSLINT_PACKAGE_TARGET_DIR`), and says so loudly elsewhere.
#[test]
fn the_readme_config_with_the_rust_hook_builds_sesslint_with_cargo() {
    if std::env::var("SESSLINT_TEST_PRE_COMMIT_RUST").as_deref() != Ok("1") {
        common::skipped("the language: rust hook builds sesslint with cargo install; .ci/run runs it (SESSLINT_TEST_PRE_COMMIT_RUST=1)");
        return;
    }
    if !pre_commit_installed() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let clone = hook_repository(tmp.path());
    let repo = infra_with_open_redis(tmp.path(), &clone, "sesslint");
    let target = std::env::var_os("SESSLINT_PACKAGE_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/package"));
    let home = tmp.path().join("home");
    let o = Command::new("pre-commit")
        .arg("run")
        .current_dir(&repo)
        .env("PRE_COMMIT_HOME", &home)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("pre-commit");
    let out = String::from_utf8_lossy(&o.stdout);
    let log = std::fs::read_to_string(home.join("pre-commit.log")).unwrap_or_default();
    assert!(!o.status.success(), "a bad redis.conf passed:\n{out}\n{log}");
    assert!(out.contains("SL202") && out.contains("etc/redis/redis.conf"), "{out}\n{log}");
    // The binary pre-commit runs is the one it installed in its own environment.
    let installed = walkdir::WalkDir::new(&home)
        .into_iter()
        .filter_map(Result::ok)
        .any(|e| e.file_name() == "sesslint" && e.path().parent().is_some_and(|p| p.ends_with("bin")));
    assert!(installed, "no sesslint installed under {}", home.display());
}

/// The hook's `files`/`exclude` regexes select the files discovery reads (`classify`), on a
/// list of paths as pre-commit passes them (relative to the repository). Matched with
/// Python's `re.search`, which is what pre-commit itself uses.
#[test]
fn the_hook_regex_and_discovery_agree() {
    let Some(python) = common::oracle("python3") else {
        common::skipped("python3 is not installed; the hook's regex was not compared with discovery");
        return;
    };
    let manifest = std::fs::read_to_string(".pre-commit-hooks.yaml").expect("manifest");
    let field = |key: &str| -> Vec<String> {
        manifest.lines().filter_map(|l| l.trim().strip_prefix(key)).map(|v| v.trim().to_owned()).collect()
    };
    let (files, exclude) = (field("files:"), field("exclude:"));
    assert_eq!(files.len(), 2, "one `files` per hook");
    assert!(files[0] == files[1] && exclude.len() == 2 && exclude[0] == exclude[1], "the two hooks differ");
    let paths = [
        "etc/php/8.2/fpm/php.ini",
        "etc/php/8.2/cli/php.ini",
        "etc/php-8.2.ini",
        "etc/php/8.2/fpm/php.ini-production",
        "etc/php/8.2/fpm/conf.d/20-redis.ini",
        "etc/php.d/50-redis.ini",
        "etc/php/8.2/mods-available/redis.ini",
        "etc/php/8.2/fpm/conf.d/20-redis.ini.dpkg-old",
        "var/www/shop/pub/.user.ini",
        "etc/php/8.2/fpm/php-fpm.conf",
        "etc/php-fpm.conf",
        "etc/php-fpm.d/www.conf",
        "etc/php/8.2/fpm/pool.d/www.conf",
        "etc/redis/redis.conf",
        "etc/redis/sentinel.conf",
        "etc/redis-sentinel.conf",
        "etc/redis/redis-sentinel.conf",
        "etc/redis/sentinel-26379.conf",
        "etc/valkey/valkey-sentinel.conf",
        "etc/redis-6380.conf",
        "etc/valkey/valkey.conf",
        "etc/redis/users.acl",
        "etc/valkey/ops.acl",
        "users.acl",
        "etc/stunnel/redis.conf",
        "deploy/redis-stunnel.conf",
        "etc/peervpn/net.conf",
        "etc/systemd/system/spiped-receive.service",
        "etc/default/spiped",
        "etc/apache2/apache2.conf",
        "etc/apache2/sites-enabled/shop.conf",
        "etc/apache2/sites-available/shop.conf",
        "etc/httpd/conf/httpd.conf",
        "etc/httpd/conf.d/php.conf",
        "var/www/shop/app/etc/env.php",
        "var/www/shop/app/etc/config.php",
        "usr/lib/sysusers.d/stunnel4.conf",
        "usr/lib/tmpfiles.d/redis-server.conf",
        "usr/share/doc/stunnel4/examples/stunnel.conf",
        "usr/share/doc/redis/examples/redis.conf",
        "etc/nginx/nginx.conf",
        "README.md",
        // Discovery ignores case in these names (and in `.conf`), not in PHP's nor in
        // directories' names; a Sentinel name is no redis.conf, but a pool or php-fpm file.
        "etc/Redis.conf",
        "etc/REDIS-6380.CONF",
        "srv/sessions.redis.conf",
        "srv/cache.Valkey.conf",
        "etc/redis/Sentinel.conf",
        "etc/Redis-Sentinel.conf",
        "etc/redis/Users.ACL",
        "USERS.acl",
        "etc/Stunnel-redis.conf",
        "etc/stunnel/Redis.CONF",
        "etc/stunnel/sentinel.conf",
        "etc/Peervpn.conf",
        "etc/systemd/system/Spiped-receive.service",
        "etc/default/SPIPED",
        "etc/spiped-sentinel.conf",
        "etc/php/8.2/fpm/pool.d/sentinel.conf",
        "etc/php-fpm-sentinel.conf",
        "etc/httpd/conf.d/sentinel.conf",
        "etc/PHP.INI",
        "etc/php/8.2/fpm/conf.d/20-redis.INI",
        "etc/Redis/redis.conf",
        "etc/Redis/cache.conf",
        "etc/php/8.2/fpm/conf.d/.ini",
    ];
    let script = "import re,sys\nf=re.compile(sys.argv[1]); x=re.compile(sys.argv[2])\nfor p in sys.argv[3:]: print('1' if f.search(p) and not x.search(p) else '0')";
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(&files[0])
        .arg(&exclude[0])
        .args(paths)
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    let hook: Vec<bool> = said.lines().map(|l| l == "1").collect();
    assert_eq!(hook.len(), paths.len(), "{said}");
    for (p, by_hook) in paths.iter().zip(hook) {
        let read = sesslint::classify(Path::new(p)).is_some();
        assert_eq!(by_hook, read, "{p}: the hook says {by_hook}, discovery {read}");
    }
    // The project's own settings are read too, though they have no role.
    assert!(files[0].contains(r"sesslint\.toml"));
}
