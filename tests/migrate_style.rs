//! Style inference of `sesslint migrate`: what it inserts into env.php and ini files looks
//! like the neighbours, checked against PHP itself: the file still compiles (`php -l`),
//! `include` gives the values, and a file that one of Magento's writers produced is exactly
//! what that writer would produce for the new array.

mod common;

use std::path::Path;
use std::process::Command;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Write `env` as `shop/app/etc/env.php`, migrate it, and return the new text.
fn migrate_env(tmp: &Path, env: &str) -> String {
    let file = tmp.join("shop/app/etc/env.php");
    std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
    std::fs::write(&file, env).expect("write");
    let out = common::sesslint_cmd(&[
        "migrate",
        "--apply",
        "--redis",
        "tcp://127.0.0.1:6406",
        "--password-env",
        "REDIS_PASSWORD",
        "shop",
    ])
    .current_dir(tmp)
    .env("REDIS_PASSWORD", "it's \\ $x")
    .output()
    .expect("run");
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    std::fs::read_to_string(&file).expect("read")
}

/// `php -l` and the session values `include` gives: save, host, password, database.
fn php_reads(php: &Path, tmp: &Path) -> Vec<String> {
    let file = tmp.join("shop/app/etc/env.php");
    let lint = Command::new(php).args(["-n", "-l"]).arg(&file).output().expect("php -l");
    assert!(lint.status.success(), "php -l: {}", text(&lint.stdout));
    let script = r#"$s = (include $argv[1])['session'];
        echo $s['save'], "\n", $s['redis']['host'], "\n", $s['redis']['password'], "\n", $s['redis']['database'], "\n";"#;
    let out = Command::new(php).args(["-n", "-r", script, "--"]).arg(&file).output().expect("php");
    text(&out.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn magento_2_0_var_export_files_stay_var_export() {
    let Some(php) = common::oracle("php") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    // Magento 2.0/2.1 wrote `"<?php\nreturn " . var_export($data, true) . ";\n"`
    // (PhpFormatter@00569e42): make such a file with PHP itself.
    let make = r#"echo "<?php\nreturn " . var_export(['backend' => ['frontName' => 'admin'],
        'session' => ['save' => 'files'], 'cache_types' => ['config' => 1]], true) . ";\n";"#;
    let made = Command::new(&php).args(["-n", "-r", make]).output().expect("php");
    let original = text(&made.stdout);
    assert!(original.contains("'session' => \n  array (\n    'save' => 'files',\n  ),"), "{original}");
    let new = migrate_env(tmp.path(), &original);
    assert_eq!(php_reads(&php, tmp.path()), ["redis", "127.0.0.1", "it's \\ $x", "0"]);
    let again = r#"echo "<?php\nreturn " . var_export(include $argv[1], true) . ";\n";"#;
    let out = Command::new(&php)
        .args(["-n", "-r", again, "--"])
        .arg(tmp.path().join("shop/app/etc/env.php"))
        .output()
        .expect("php");
    assert_eq!(text(&out.stdout), new, "not what var_export writes");
}

#[test]
fn hand_written_files_keep_their_indent_quotes_and_commas() {
    let Some(php) = common::oracle("php") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let original = "<?php\r\n// deployed by ansible\r\nreturn [\r\n  \"session\" => [\r\n    \"save\" => \"files\", // was NFS\r\n  ],\r\n  \"x\" => getenv('X'),\r\n];\r\n";
    let new = migrate_env(tmp.path(), original);
    assert_eq!(php_reads(&php, tmp.path()), ["redis", "127.0.0.1", "it's \\ $x", "0"]);
    let expected_head = "<?php\r\n// deployed by ansible\r\nreturn [\r\n  \"session\" => [\r\n    \"save\" => \"redis\", // was NFS\r\n    \"redis\" => [\r\n      \"host\" => \"127.0.0.1\",\r\n      \"port\" => \"6406\",\r\n      \"password\" => \"it's \\\\ \\$x\",\r\n";
    assert!(new.starts_with(expected_head), "{new}");
    assert!(
        new.contains("      \"max_lifetime\" => \"2592000\",\r\n    ],\r\n  ],\r\n  \"x\" => getenv('X'),\r\n];\r\n"),
        "{new}"
    );
}

#[test]
fn a_file_without_session_gets_one_in_its_style() {
    let Some(php) = common::oracle("php") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let original = "<?php\nreturn [\n    'backend' => [\n        'frontName' => 'admin'\n    ]\n];\n";
    let new = migrate_env(tmp.path(), original);
    assert_eq!(php_reads(&php, tmp.path()), ["redis", "127.0.0.1", "it's \\ $x", "0"]);
    assert!(new.starts_with("<?php\nreturn [\n    'backend' => [\n        'frontName' => 'admin'\n    ],\n    'session' => [\n        'save' => 'redis',\n        'redis' => [\n            'host' => '127.0.0.1',\n"), "{new}");
    assert!(new.ends_with("            'max_lifetime' => '2592000'\n        ]\n    ]\n];\n"), "{new}");
}

#[test]
fn an_ini_line_copies_the_spacing_and_pool_form_of_its_neighbour() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pool = tmp.path().join("etc/php/8.2/fpm/pool.d/app.conf");
    std::fs::create_dir_all(pool.parent().expect("dir")).expect("mkdir");
    std::fs::write(tmp.path().join("etc/php/8.2/fpm/php.ini"), "extension=redis\n").expect("write");
    std::fs::write(&pool, "[app]\nlisten = /run/app.sock\n\tphp_admin_value[session.save_handler]=files ; NFS\n")
        .expect("write");
    let out = common::sesslint_cmd(&[
        "migrate",
        "--apply",
        "--redis",
        "unix:///run/redis/redis.sock",
        "--password-env",
        "P",
        "etc",
    ])
    .current_dir(tmp.path())
    .env("P", "pw")
    .output()
    .expect("run");
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let new = std::fs::read_to_string(&pool).expect("read");
    assert_eq!(
        new,
        "[app]\nlisten = /run/app.sock\n\tphp_admin_value[session.save_handler]=redis ; NFS\n\
         \tphp_admin_value[session.save_path]=\"unix:///run/redis/redis.sock?auth=pw&database=0&timeout=2&read_timeout=2\"\n\
         \tphp_admin_value[redis.session.locking_enabled]=1\n\
         \tphp_admin_value[redis.session.lock_expire]=30\n\
         \tphp_admin_value[redis.session.lock_wait_time]=50000\n\
         \tphp_admin_value[redis.session.lock_retries]=100\n"
    );
}

#[test]
fn pools_sharing_a_fixed_database_get_prefixes_of_their_own() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fpm = tmp.path().join("etc/php/8.2/fpm");
    std::fs::create_dir_all(fpm.join("pool.d")).expect("mkdir");
    std::fs::write(fpm.join("php.ini"), "extension=redis\n").expect("write");
    for name in ["alpha", "beta"] {
        std::fs::write(
            fpm.join("pool.d").join(format!("{name}.conf")),
            format!("[{name}]\nlisten = /run/{name}.sock\nphp_value[session.save_handler] = files\n"),
        )
        .expect("write");
    }
    let run = |extra: &[&str]| {
        common::sesslint_cmd(
            &[&["migrate", "--redis", "tcp://127.0.0.1:6379", "--password-env", "P"], extra, &["etc"]].concat(),
        )
        .current_dir(tmp.path())
        .env("P", "pw")
        .output()
        .expect("run")
    };
    let out = run(&["--database", "5", "--apply"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let alpha = std::fs::read_to_string(fpm.join("pool.d/alpha.conf")).expect("read");
    let beta = std::fs::read_to_string(fpm.join("pool.d/beta.conf")).expect("read");
    assert!(alpha.contains("&database=5&timeout=2&read_timeout=2\"\n"), "{alpha}");
    assert!(beta.contains("&database=5&timeout=2&read_timeout=2&prefix=PHPREDIS_SESSION:beta:\"\n"), "{beta}");
    let check =
        common::sesslint_cmd(&["check", "etc", "--format", "concise"]).current_dir(tmp.path()).output().expect("check");
    let findings = text(&check.stdout);
    assert!(!findings.contains("SL403") && !findings.contains("SL303"), "{findings}");
}
