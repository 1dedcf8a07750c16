//! Credentials inside php.ini and pool values under any key, as PHP reads the value
//! (`parse_ini_string`, live): a URL without a scheme (`//user:pw@host/db`, whose password
//! PHP's `parse_url` gives), a libpq DSN with blanks around its `=` (`password = pw`) are
//! masked in every output; a `mailto:` address's local part (`parse_url` gives no password)
//! and a word one typo from `auth` outside a URL's query (`x = "auto=1"`) are not, nor
//! PHP's `highlight.keyword` colour (`key` inside a word names no credential).

mod common;

use std::path::Path;
use std::process::Command;

fn run(dir: &Path, args: &[&str]) -> String {
    let out = common::sesslint_cmd(args).current_dir(dir).output().expect("run sesslint");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

const INI: &str = "etc/php/8.2/cli/php.ini";
const POOL: &str = "etc/php/8.2/fpm/pool.d/www.conf";

/// Every output that shows these files' text or values.
fn outputs(dir: &Path, show_secrets: bool) -> Vec<(String, String)> {
    let extra: &[&str] = if show_secrets { &["--show-secrets"] } else { &[] };
    let mut runs: Vec<Vec<&str>> = ["human", "concise", "json", "sarif", "github", "junit"]
        .iter()
        .map(|f| [&["check", "--format", f][..], extra, &["."]].concat())
        .collect();
    runs.push([&["show"][..], extra, &["."]].concat());
    for f in [INI, POOL] {
        runs.push([&["parse"][..], extra, &[f]].concat());
        runs.push([&["parse", "--format", "json"][..], extra, &[f]].concat());
    }
    runs.into_iter().map(|args| (args.join(" "), run(dir, &args))).collect()
}

/// A tree whose php.ini sets `key = value` and whose pool sets it as `env[X]`.
fn tree(key: &str, value: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    let write = |rel: &str, text: &str| {
        let p = t.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("dir")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(INI, &format!("[PHP]\n{key} = {value}\n"));
    write("etc/php/8.2/fpm/php-fpm.conf", "[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n");
    write(POOL, &format!("[www]\nlisten = /run/php/www.sock\npm = static\npm.max_children = 1\nenv[X] = {value}\n"));
    t
}

/// What PHP reads as the value of `key = value` (`parse_ini_string`), `None` without php.
fn php_value(key: &str, value: &str) -> Option<serde_json::Value> {
    let php = common::oracle("php")?;
    let o = Command::new(php)
        .args(["-n", "-r", "echo json_encode(parse_ini_string($argv[1]));", &format!("{key} = {value}\n")])
        .output()
        .expect("run php");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    Some(v.get(key).cloned().unwrap_or(v))
}

/// What PHP's `parse_url` makes of `url`, `None` without php.
fn php_parse_url(url: &str) -> Option<serde_json::Value> {
    let php = common::oracle("php")?;
    let o =
        Command::new(php).args(["-n", "-r", "echo json_encode(parse_url($argv[1]));", url]).output().expect("run php");
    Some(serde_json::from_slice(&o.stdout).expect("json"))
}

/// (key, value as written, what PHP reads, the URL in it for `parse_url` or "", the secret)
const MASKED: &[(&str, &str, &str, &str, &str)] = &[
    ("x", "\"//user:LeakH1@db.example/app\"", "//user:LeakH1@db.example/app", "//user:LeakH1@db.example/app", "LeakH1"),
    ("x", "//user:LeakH2@db.example/app", "//user:LeakH2@db.example/app", "//user:LeakH2@db.example/app", "LeakH2"),
    ("x", "\"//:LeakH3@db.example\"", "//:LeakH3@db.example", "//:LeakH3@db.example", "LeakH3"),
    ("pgsql.dsn", "\"host=h password = LeakH4 dbname=x\"", "host=h password = LeakH4 dbname=x", "", "LeakH4"),
    ("x", "\"host=h password =LeakH5 dbname=x\"", "host=h password =LeakH5 dbname=x", "", "LeakH5"),
    ("x", "\"host=h  password  =  LeakH6\"", "host=h  password  =  LeakH6", "", "LeakH6"),
    ("x", "\"password = LeakH7\"", "password = LeakH7", "", "LeakH7"),
];

#[test]
fn credentials_in_a_value_under_any_key_are_masked() {
    for (key, value, php_reads, url, secret) in MASKED {
        if let Some(v) = php_value(key, value) {
            assert_eq!(v, *php_reads, "PHP reads {key} = {value} otherwise");
        }
        if !url.is_empty() {
            if let Some(u) = php_parse_url(url) {
                assert_eq!(u["pass"], *secret, "parse_url({url:?}) = {u}");
            }
        }
        let t = tree(key, value);
        for (args, text) in outputs(t.path(), false) {
            assert!(!text.contains(secret), "{value:?}: `sesslint {args}` shows it:\n{text}");
        }
        let shown = outputs(t.path(), true);
        assert!(shown.iter().any(|(_, text)| text.contains(secret)), "{value:?}: --show-secrets hides it too");
    }
}

/// (key, value as written, what PHP reads, text an output must show whole)
const SHOWN: &[(&str, &str, &str, &str)] = &[
    ("sendmail_from", "\"mailto:ops@example.com\"", "mailto:ops@example.com", "mailto:ops@example.com"),
    ("mail.force_extra_parameters", "mailto:ops@example.com", "mailto:ops@example.com", "mailto:ops@example.com"),
    ("x", "\"SIP:alice@example.com\"", "SIP:alice@example.com", "SIP:alice@example.com"),
    ("x", "\"auto=1\"", "auto=1", "auto=1"),
    ("highlight.keyword", "#007700", "#007700", "#007700"),
    ("x", "\"a auto=2 b ruth=3\"", "a auto=2 b ruth=3", "auto=2 b ruth=3"),
];

#[test]
fn an_address_or_an_ordinary_word_is_shown_whole() {
    for (key, value, php_reads, whole) in SHOWN {
        if let Some(v) = php_value(key, value) {
            assert_eq!(v, *php_reads, "PHP reads {key} = {value} otherwise");
        }
        if php_reads.contains('@') {
            if let Some(u) = php_parse_url(php_reads) {
                assert!(u.get("pass").is_none() && u.get("user").is_none(), "parse_url({php_reads:?}) = {u}");
            }
        }
        let t = tree(key, value);
        for f in [INI, POOL] {
            let text = run(t.path(), &["parse", f]);
            assert!(text.contains(whole), "{value:?}: `sesslint parse {f}` hides part of it:\n{text}");
        }
    }
    // Unquoted, PHP refuses the line; the frame that says so shows the value as written.
    let t = tree("x", "auto=1");
    let text = run(t.path(), &["check", "--format", "human", "."]);
    assert!(text.contains("x = auto=1"), "{text}");
    // In a URL's query, a typo of `auth` is still its writer's password (SL104).
    let t = tree("session.save_path", "\"tcp://127.0.0.1:6379?auto=LeakF1\"");
    for (args, text) in outputs(t.path(), false) {
        assert!(!text.contains("LeakF1"), "`sesslint {args}` shows it:\n{text}");
    }
}

/// A password key followed by a space PHP keeps in the name (it trims ASCII blanks only:
/// `parse_ini_string` gives the key `mysqli.default_pw<U+00A0>`, live) is still its writer's
/// password key, in php.ini and in a pool's `env[...]`.
#[test]
fn a_password_key_ending_in_a_no_break_space_is_masked() {
    if let Some(v) = php_value("mysqli.default_pw\u{a0}", "LeakN1") {
        assert_eq!(v, "LeakN1", "PHP keeps the no-break space in the key");
    }
    let t = tree("mysqli.default_pw\u{a0}", "LeakN1");
    std::fs::write(
        t.path().join(POOL),
        "[www]\nlisten = /run/php/www.sock\npm = static\npm.max_children = 1\nenv[REDIS_PW\u{2003}] = LeakN2\n",
    )
    .expect("write");
    for (args, text) in outputs(t.path(), false) {
        assert!(!text.contains("LeakN"), "`sesslint {args}` shows it:\n{text}");
    }
    let shown = outputs(t.path(), true);
    for secret in ["LeakN1", "LeakN2"] {
        assert!(shown.iter().any(|(_, text)| text.contains(secret)), "--show-secrets hides {secret} too");
    }
}

/// A php.ini or pool `env[...]` named for a credential by `key` as a word of its own or a
/// credential kind's compound with it (`API_KEY`, `APIKEY`, `ACCESSKEY`) is masked; `key`
/// inside another word (`MONKEY`, `xdebug.idekey`) is no credential: PHP reads each
/// (`parse_ini_string`, live) and `parse` shows the latter whole.
#[test]
fn key_names_a_credential_only_as_a_word_or_a_credential_kind_compound() {
    let ini = "[PHP]\nenv[MONKEY] = banana1\nenv[APIKEY] = LeakK1\nenv[API_KEY] = LeakK2\nxdebug.idekey = PHPSTORM1\n";
    if let Some(php) = common::oracle("php") {
        let o = Command::new(php)
            .args(["-n", "-r", "echo json_encode(parse_ini_string($argv[1]));", ini])
            .output()
            .expect("run php");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(v["env"]["MONKEY"], "banana1", "{v}");
        assert_eq!(v["env"]["APIKEY"], "LeakK1", "{v}");
        assert_eq!(v["xdebug.idekey"], "PHPSTORM1", "{v}");
    }
    let t = tree("x", "1");
    std::fs::write(t.path().join(INI), ini).expect("write");
    std::fs::write(
        t.path().join(POOL),
        "[www]\nlisten = /run/php/www.sock\npm = static\npm.max_children = 1\nenv[MONKEY] = banana2\n\
         env[ACCESSKEY] = LeakK3\nenv[SIGNING_KEY] = LeakK4\n",
    )
    .expect("write");
    for (args, text) in outputs(t.path(), false) {
        assert!(!text.contains("LeakK"), "`sesslint {args}` shows it:\n{text}");
    }
    let shown = outputs(t.path(), true);
    for secret in ["LeakK1", "LeakK2", "LeakK3", "LeakK4"] {
        assert!(shown.iter().any(|(_, text)| text.contains(secret)), "--show-secrets hides {secret} too");
    }
    for (f, whole) in [(INI, "banana1"), (INI, "PHPSTORM1"), (POOL, "banana2")] {
        for format in ["text", "json"] {
            let text = run(t.path(), &["parse", "--format", format, f]);
            assert!(text.contains(whole), "`sesslint parse --format {format} {f}` hides {whole}:\n{text}");
        }
    }
}

/// SL106 quotes the line that takes a Redis save path back (and a pool's `php_value` over
/// php.ini's, a pool's dead duplicate): the password in it is masked in the message as in
/// the frame, in every format.
#[test]
fn sl106_quotes_an_overriding_value_masked() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let fpm = dir.join("etc/php/8.2/fpm");
    std::fs::create_dir_all(fpm.join("conf.d")).expect("mkdir");
    std::fs::create_dir_all(fpm.join("pool.d")).expect("mkdir");
    std::fs::write(
        fpm.join("php.ini"),
        "[Session]\nsession.save_handler = redis\nsession.save_path = \"tcp://h:6379?auth=FIRSTSECRET\"\n",
    )
    .expect("write");
    std::fs::write(fpm.join("conf.d/99-x.ini"), "session.save_path = \"h:6379?password=LATERSECRET\"\n")
        .expect("write");
    std::fs::write(
        fpm.join("pool.d/www.conf"),
        "[www]\nuser = nobody\nlisten = 127.0.0.1:9979\npm = static\npm.max_children = 2\n\
         php_value[session.save_path] = \"h:6379?password=POOLSECRET\"\n",
    )
    .expect("write");
    for format in ["human", "concise", "json", "sarif", "github", "junit"] {
        let all = run(dir, &["check", "--format", format, "."]);
        assert!(all.contains("SL106"), "{format}: {all}");
        for secret in ["FIRSTSECRET", "LATERSECRET", "POOLSECRET"] {
            assert!(!all.contains(secret), "{format}: {secret} in {all}");
        }
    }
}
