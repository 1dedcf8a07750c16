//! The per-request layers PHP reads on top of php.ini, against the real programs: a
//! `.user.ini` as php-cgi 8.2 and php-fpm 8.2 (over FastCGI, with cgi-fcgi) apply it, and
//! mod_php's Apache `php_value` lines as sesslint reads Remi's/RHEL's shipped
//! `conf.d/php.conf` (a running httpd with mod_php: tests/e2e_mod_php.rs).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use sesslint::model::php::LayerKind;

fn write(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, body).expect("write");
}

/// What php-cgi says `session.save_handler` and `session.save_path` are for a script in
/// `docroot`, with the tree's php.ini and no scan directory.
fn php_cgi_reads(cgi: &Path, ini: &Path, docroot: &Path) -> String {
    let script = docroot.join("index.php");
    write(&script, "<?php echo ini_get('session.save_handler'), '|', ini_get('session.save_path');");
    let out = Command::new(cgi)
        .arg("-c")
        .arg(ini)
        .env("PHP_INI_SCAN_DIR", "")
        .env("SCRIPT_FILENAME", &script)
        .env("DOCUMENT_ROOT", docroot)
        .env("REDIRECT_STATUS", "1")
        .env("REQUEST_METHOD", "GET")
        .output()
        .expect("run php-cgi");
    let text = String::from_utf8_lossy(&out.stdout);
    // The body follows the CGI headers.
    text.split("\r\n\r\n").nth(1).unwrap_or(&text).trim().to_owned()
}

fn tree(php_ini_extra: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("tree");
    let ini = root.join("etc/php/8.2/cgi/php.ini");
    write(
        &ini,
        &format!("extension=igbinary\nextension=redis\nsession.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?timeout=2\"\n{php_ini_extra}"),
    );
    let docroot = root.join("var/www/shop");
    write(&docroot.join(".user.ini"), "session.save_handler = files\nsession.save_path = \"/var/lib/php/sessions\"\n");
    (tmp, root, docroot)
}

#[test]
fn a_user_ini_overrides_php_ini_for_cgi_as_php_cgi_reads_it() {
    let Some(cgi) = common::oracle("php-cgi") else { return };
    let (_tmp, root, docroot) = tree("");
    let real = php_cgi_reads(&cgi, &root.join("etc/php/8.2/cgi/php.ini"), &docroot);
    assert_eq!(real, "files|/var/lib/php/sessions", "php-cgi reads the .user.ini over php.ini");

    let model = sesslint::model::build(std::slice::from_ref(&root), &Default::default());
    let layered: Vec<_> =
        model.php.iter().filter(|s| s.layer.as_ref().is_some_and(|l| l.kind == LayerKind::UserIni)).collect();
    assert_eq!(layered.len(), 1, "one CGI setup seen through the .user.ini");
    let s = layered[0];
    let got = format!(
        "{}|{}",
        s.get("session.save_handler").expect("handler").value,
        s.get("session.save_path").expect("save_path").value
    );
    assert_eq!(got, real, "sesslint's effective values are php-cgi's");
    let at = s.get("session.save_handler").and_then(|v| v.set_at).expect("set in a file");
    assert!(model.path(at.file).ends_with("var/www/shop/.user.ini"));
    let ds = sesslint::rules::check(&model);
    let shadowed: Vec<_> = ds.iter().filter(|d| d.code == "SL106").collect();
    assert_eq!(shadowed.len(), 2, "handler and save_path: {ds:#?}");
    assert!(shadowed.iter().all(|d| d.primary.path.ends_with(".user.ini")), "{shadowed:#?}");
}

#[test]
fn an_empty_user_ini_filename_turns_the_layer_off_as_in_php_cgi() {
    let Some(cgi) = common::oracle("php-cgi") else { return };
    let (_tmp, root, docroot) = tree("user_ini.filename =\n");
    let real = php_cgi_reads(&cgi, &root.join("etc/php/8.2/cgi/php.ini"), &docroot);
    assert_eq!(real, "redis|tcp://127.0.0.1:6379?timeout=2", "php-cgi ignores the .user.ini");
    let model = sesslint::model::build(&[root], &Default::default());
    assert!(model.php.iter().all(|s| s.layer.is_none()), "no .user.ini layer");
    assert!(sesslint::rules::check(&model).iter().all(|d| d.code != "SL106"));
}

#[test]
fn remi_php_conf_decides_mod_php_and_show_names_the_layer() {
    let dir = Path::new("fixtures/rules/SL106/trigger-apache-php-conf-over-php-ini");
    let model = sesslint::model::build(&[dir.to_path_buf()], &Default::default());
    let apache: Vec<_> =
        model.php.iter().filter(|s| s.layer.as_ref().is_some_and(|l| l.kind == LayerKind::Apache)).collect();
    assert_eq!(apache.len(), 1);
    assert_eq!(apache[0].sapi, Some(sesslint::model::Sapi::Apache2));
    assert_eq!(apache[0].get("session.save_handler").expect("handler").value, "files");
    assert_eq!(apache[0].get("session.save_path").expect("save_path").value, "/var/lib/php/session");
    // The php.ini every other SAPI reads keeps Redis.
    let plain = model.php.iter().find(|s| s.layer.is_none()).expect("php.ini setup");
    assert_eq!(plain.get("session.save_handler").expect("handler").value, "redis");
    let out = Command::new(env!("CARGO_BIN_EXE_sesslint")).arg("show").arg(dir).output().expect("run sesslint show");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("conf.d/php.conf:39 (Apache php_value, mod_php), shadowing"), "{text}");
}

/// The phpredis sesslint takes for a Debian 12 tree is the one Debian 12's package installs
/// (this machine's: `phpversion('redis')`), which SL107 relies on.
#[test]
fn the_phpredis_of_a_debian_12_tree_is_the_installed_package() {
    let Some(php) = common::php_with_phpredis("the installed phpredis cannot be asked its version") else { return };
    let debian = std::fs::read_to_string("/etc/debian_version").unwrap_or_default();
    if !debian.starts_with("12") {
        common::skipped(&format!(
            "this machine is not Debian 12 ({debian:?}), so its phpredis is not the package compared"
        ));
        return;
    }
    let out = Command::new(&php)
        .args(["-n", "-d", "extension=igbinary", "-d", "extension=redis", "-r", "echo phpversion('redis');"])
        .output()
        .expect("run php");
    let real = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("tree");
    write(&root.join("etc/debian_version"), &debian);
    write(&root.join("etc/php/8.2/fpm/php.ini"), "session.save_handler = redis\n");
    let model = sesslint::model::build(&[root], &Default::default());
    let found = model.php.first().and_then(|s| s.phpredis.as_ref()).expect("a phpredis release for Debian 12");
    assert_eq!(found.version, real, "{}", found.why);
}

/// What a request to `fpm_conf`'s pool says `session.save_handler|session.save_path` are,
/// for the script `docroot/index.php`: the real php-fpm, asked over FastCGI by cgi-fcgi.
fn php_fpm_reads(fpm: &Path, fcgi: &Path, ini: &Path, fpm_conf: &Path, sock: &Path, docroot: &Path) -> String {
    let script = docroot.join("index.php");
    write(&script, "<?php echo ini_get('session.save_handler'), '|', ini_get('session.save_path');");
    let mut cmd = Command::new(fpm);
    cmd.arg("-n").arg("-c").arg(ini).arg("-y").arg(fpm_conf).args(["-F", "-R"]);
    let _fpm = common::fpm::start(cmd, &[sock]);
    let out = Command::new(fcgi)
        .args(["-bind", "-connect"])
        .arg(sock)
        .env("SCRIPT_FILENAME", &script)
        .env("DOCUMENT_ROOT", docroot)
        .env("REQUEST_METHOD", "GET")
        .output()
        .expect("run cgi-fcgi");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split("\r\n\r\n").nth(1).unwrap_or(&text).trim().to_owned()
}

#[test]
fn php_fpm_applies_a_user_ini_over_php_value_and_not_over_php_admin_value() {
    let (Some(fpm), Some(fcgi)) = (common::oracle("php-fpm8.2"), common::oracle("cgi-fcgi")) else { return };
    for (kind, real_expected) in
        [("php_value", "files|/var/lib/php/sessions"), ("php_admin_value", "redis|/var/lib/php/sessions")]
    {
        let tmp = tempfile::tempdir().expect("tmp");
        let root = tmp.path().join("tree");
        let ini = root.join("etc/php/8.2/fpm/php.ini");
        write(&ini, "extension=igbinary\nextension=redis\nsession.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?timeout=2\"\n");
        let sock = tmp.path().join("fpm.sock");
        let conf = root.join("etc/php/8.2/fpm/php-fpm.conf");
        write(
            &conf,
            &format!(
                "[global]\npid = {}\nerror_log = {}\ndaemonize = no\n[www]\nlisten = {}\npm = static\npm.max_children = 1\n{kind}[session.save_handler] = redis\n",
                tmp.path().join("fpm.pid").display(),
                tmp.path().join("fpm.log").display(),
                sock.display()
            ),
        );
        let docroot = root.join("var/www/shop");
        write(
            &docroot.join(".user.ini"),
            "session.save_handler = files\nsession.save_path = \"/var/lib/php/sessions\"\n",
        );
        // Every user must be able to read the tree: php-fpm's worker is not root.
        let _ = Command::new("chmod").arg("-R").arg("a+rX").arg(tmp.path()).status();
        let real = php_fpm_reads(&fpm, &fcgi, &ini, &conf, &sock, &docroot);
        assert_eq!(real, real_expected, "{kind}: php-fpm's answer");

        let model = sesslint::model::build(&[root], &Default::default());
        let layered = model.pools.iter().find(|p| p.layer.is_some()).expect("the pool seen through the .user.ini");
        let got = format!(
            "{}|{}",
            layered.effective("session.save_handler", &model.php).expect("handler").value,
            layered.effective("session.save_path", &model.php).expect("save_path").value
        );
        assert_eq!(got, real, "{kind}: sesslint's effective values are php-fpm's");
        let ds = sesslint::rules::check(&model);
        let on_handler = ds.iter().any(|d| d.code == "SL106" && d.message.starts_with("session.save_handler"));
        assert_eq!(on_handler, kind == "php_value", "{kind}: SL106 on the handler line: {ds:#?}");
    }
}

/// A `<VirtualHost>` knows the server-wide setup it is layered on and what it decides;
/// the rules judge only what it decides, so its inherited findings are said once.
#[test]
fn a_virtual_host_repeats_only_what_it_does_not_decide() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let write = |rel: &str, body: &str| write(&root.join(rel), body);
    write(
        "etc/php/8.2/apache2/php.ini",
        "extension=igbinary\nextension=redis\nsession.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?auth=not-a-real-password-0123456789abcdef&timeout=2&read_timeout=2\"\n",
    );
    write(
        "etc/apache2/apache2.conf",
        "php_admin_value session.use_strict_mode 1\n\
         <VirtualHost 127.0.0.1:80>\n  php_value session.cookie_secure 0\n</VirtualHost>\n\
         <VirtualHost 127.0.0.1:81>\n  php_value session.save_path \"tcp://127.0.0.1:6380?auth=not-a-real-password-0123456789abcdef&timeout=2&read_timeout=2\"\n</VirtualHost>\n",
    );
    let model = sesslint::model::build(&[root.to_path_buf()], &Default::default());
    let layered: Vec<(usize, &sesslint::model::PhpSetup)> = model
        .php
        .iter()
        .enumerate()
        .filter(|(_, s)| s.layer.as_ref().is_some_and(|l| l.kind == LayerKind::Apache))
        .collect();
    assert_eq!(layered.len(), 3, "server, :80, :81");
    let (server, s) = layered[0];
    let layer = s.layer.as_ref().expect("layer");
    assert_eq!((layer.context.as_str(), layer.base), ("server", None), "it replaced Debian's apache2 setup");
    for (_, v) in &layered[1..] {
        assert_eq!(v.layer.as_ref().and_then(|l| l.base), Some(server), "{}", v.label());
    }
    let decides = |i: usize| layered[i].1.layer.as_ref().map(|l| l.decides.iter().cloned().collect::<Vec<_>>());
    assert_eq!(decides(1), Some(vec!["session.cookie_secure".to_owned()]));
    assert_eq!(decides(2), Some(vec!["session.save_path".to_owned()]));

    let ds = sesslint::rules::check(&model);
    let about = |code: &str, who: &str| ds.iter().filter(|d| d.code == code && d.message.contains(who)).count();
    // Locking is php.ini's everywhere: said for the server and for :81, which sends its
    // sessions elsewhere, not for :80, which inherits every value it reads.
    assert_eq!(about("SL107", "(server)"), 1, "{ds:#?}");
    assert_eq!(about("SL107", "<VirtualHost 127.0.0.1:80>"), 0, "{ds:#?}");
    assert_eq!(about("SL107", "<VirtualHost 127.0.0.1:81>"), 1, "{ds:#?}");
    // :80 decides a cookie flag: its cookie finding is its own.
    assert_eq!(about("SL111", "<VirtualHost 127.0.0.1:80>"), 1, "{ds:#?}");
    assert_eq!(about("SL111", "<VirtualHost 127.0.0.1:81>"), 0, "{ds:#?}");
}

/// A `[PATH=dir]` section of php.ini setting the session handler and save path: php-cgi and
/// php-fpm (FastCGI, asked with cgi-fcgi) apply it to the scripts below that directory, over
/// php.ini's Redis values. sesslint does not follow it as an endpoint, and says so: SL106 at
/// each of its session lines for the CGI and FPM setups, none for the CLI (which ignores
/// such sections), the save path's password masked.
#[test]
fn a_path_section_is_applied_by_php_cgi_and_php_fpm_and_said_not_followed() {
    let (Some(cgi), Some(fpm), Some(fcgi)) =
        (common::oracle("php-cgi"), common::oracle("php-fpm8.2"), common::oracle("cgi-fcgi"))
    else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("tree");
    let docroot = root.join("var/www/shop");
    let ini_text = format!(
        "[PHP]\nextension=igbinary\nextension=redis\nsession.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6379?timeout=2\"\n[PATH={}]\nsession.save_handler = files\nsession.save_path = \"/var/lib/php/shop?auth=LeakPathSection\"\n",
        docroot.display()
    );
    for sapi in ["cgi", "fpm", "cli"] {
        write(&root.join(format!("etc/php/8.2/{sapi}/php.ini")), &ini_text);
    }
    write(&docroot.join("index.php"), "");
    let real = php_cgi_reads(&cgi, &root.join("etc/php/8.2/cgi/php.ini"), &docroot);
    assert_eq!(real, "files|/var/lib/php/shop?auth=LeakPathSection", "php-cgi applies the section");
    let sock = tmp.path().join("fpm.sock");
    let conf = tmp.path().join("php-fpm.conf");
    write(
        &conf,
        &format!(
            "[global]\npid = {}\nerror_log = {}\ndaemonize = no\n[www]\nlisten = {}\npm = static\npm.max_children = 1\n",
            tmp.path().join("fpm.pid").display(),
            tmp.path().join("fpm.log").display(),
            sock.display()
        ),
    );
    let _ = Command::new("chmod").arg("-R").arg("a+rX").arg(tmp.path()).status();
    let ini = root.join("etc/php/8.2/fpm/php.ini");
    let real = php_fpm_reads(&fpm, &fcgi, &ini, &conf, &sock, &docroot);
    assert_eq!(real, "files|/var/lib/php/shop?auth=LeakPathSection", "php-fpm applies the section");

    let model = sesslint::model::build(std::slice::from_ref(&root), &Default::default());
    let ds = sesslint::rules::check(&model);
    let notes: Vec<String> = ds
        .iter()
        .filter(|d| d.code == "SL106" && d.message.contains("[PATH="))
        .map(|d| format!("{}:{}", d.primary.path.display(), d.message))
        .collect();
    for sapi in ["cgi", "fpm"] {
        for key in ["session.save_handler", "session.save_path"] {
            let n = notes.iter().filter(|m| m.contains(&format!("{sapi}/php.ini:{key} is set in"))).count();
            assert_eq!(n, 1, "{sapi} {key}: {notes:#?}");
        }
    }
    assert!(!notes.iter().any(|m| m.contains("cli/php.ini")), "the CLI ignores the section: {notes:#?}");
    let o = common::sesslint(&["check", "--format", "concise", root.to_str().expect("utf-8")]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("sesslint does not follow per-directory or per-host sections"), "{out}");
    assert!(!out.contains("LeakPathSection"), "{out}");
    let human = common::sesslint(&["check", root.to_str().expect("utf-8")]);
    assert!(!String::from_utf8_lossy(&human.stdout).contains("LeakPathSection"));
}

/// SL106 on a `[HOST=]` section's session line offers what fits a host (the pool serving
/// it), not the `[PATH=]` help's ".user.ini in that directory": a host has no directory.
#[test]
fn a_host_section_is_helped_as_a_host_and_a_path_section_as_a_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        &tmp.path().join("etc/php/8.2/fpm/php.ini"),
        "[PHP]\nsession.save_handler = files\n[HOST=www.example.com]\nsession.save_path = \"/var/lib/php/www\"\n[PATH=/var/www/shop]\nsession.save_path = \"/var/lib/php/shop\"\n",
    );
    let model = sesslint::model::build(&[tmp.path().to_path_buf()], &Default::default());
    let helps: Vec<(String, String)> = sesslint::rules::check(&model)
        .into_iter()
        .filter(|d| d.code == "SL106")
        .map(|d| (d.message, d.help.unwrap_or_default()))
        .collect();
    let of = |section: &str| {
        helps.iter().find(|(m, _)| m.contains(section)).map(|(_, h)| h.clone()).unwrap_or_else(|| panic!("{helps:#?}"))
    };
    let host = of("[HOST=www.example.com]");
    assert!(host.contains("the pool that serves that host") && !host.contains("directory"), "{host}");
    assert!(of("[PATH=/var/www/shop]").contains("a .user.ini in that directory"), "{helps:#?}");
}
