//! examples/ansible/fetch-and-lint.yml run by the real `ansible-playbook` (ansible-core from
//! PyPI) against three inventory hosts on this machine (`ansible_connection: local`), each
//! host's files served from its own directory: the fetched fleet layout, the inventory's
//! addresses and the cross-host findings, for real.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// `ansible-playbook`, or `None` with a loud message; with SESSLINT_REQUIRE_ORACLES=1 a
/// missing ansible fails the test.
fn ansible_playbook() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join("ansible-playbook")).find(|p| p.is_file()));
    // A pyenv shim exists even where no ansible is installed behind it.
    let works =
        found.as_ref().is_some_and(|p| Command::new(p).arg("--version").output().is_ok_and(|o| o.status.success()));
    if !works {
        if std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!("SESSLINT_REQUIRE_ORACLES=1 but `ansible-playbook` is not installed (python3 -m pip install ansible-core)");
        }
        common::skipped("`ansible-playbook` is not installed, so the Ansible example is not run. Install it: python3 -m pip install ansible-core");
        return None;
    }
    found
}

fn python3() -> String {
    let out = Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().expect("python3");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn the_playbook_fetches_the_fleet_and_lints_it_across_hosts() {
    let Some(playbook_bin) = ansible_playbook() else { return };
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ansible");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (dest, reports, empty) = (tmp.path().join("fleet"), tmp.path().join("reports"), tmp.path().join("spare-root"));
    std::fs::create_dir_all(&empty).expect("mkdir");
    let python = python3();
    let host = |name: &str, address: &str, root: &Path| {
        format!(
            "    {name}:\n      ansible_connection: local\n      ansible_host: {address}\n      ansible_python_interpreter: {python}\n      sesslint_source_root: {}\n",
            root.display()
        )
    };
    // Three hosts: web and redis with their files, and a spare host with none (declared,
    // but it has no tree in the fleet).
    let inventory = format!(
        "all:\n  hosts:\n{}{}{}",
        host("web", "10.0.0.4", &example.join("hosts/web")),
        host("redis", "10.0.0.5", &example.join("hosts/redis")),
        host("spare", "10.0.0.6", &empty),
    );
    let inventory_path = tmp.path().join("inventory.yml");
    std::fs::write(&inventory_path, inventory).expect("write inventory");
    let out = Command::new(playbook_bin)
        .arg("-i")
        .arg(&inventory_path)
        .arg(example.join("fetch-and-lint.yml"))
        .arg("-e")
        .arg(format!("sesslint_bin={}", env!("CARGO_BIN_EXE_sesslint")))
        .arg("-e")
        .arg(format!("sesslint_dest={}", dest.display()))
        .arg("-e")
        .arg(format!("sesslint_reports={}", reports.display()))
        .env("ANSIBLE_HOME", tmp.path().join("ansible-home"))
        .env("ANSIBLE_LOCAL_TEMP", tmp.path().join("ansible-tmp"))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_PYTHON_INTERPRETER", &python)
        .output()
        .expect("run ansible-playbook");
    let log = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "ansible-playbook failed:\n{log}");

    // The layout `ansible -m fetch` makes: <dest>/<inventory host>/etc/... (regular files
    // here; the conf.d links are checked below).
    let fetched: Vec<String> = common::files_below(&dest)
        .iter()
        .map(|p| p.strip_prefix(&dest).expect("below dest").display().to_string())
        .collect();
    assert_eq!(
        fetched,
        [
            "redis/etc/redis/redis.conf",
            "redis/etc/stunnel/redis-server.conf",
            "web/etc/php/8.2/fpm/php-fpm.conf",
            "web/etc/php/8.2/fpm/php.ini",
            "web/etc/php/8.2/fpm/pool.d/shop.conf",
            "web/etc/php/8.2/fpm/pool.d/www.conf",
            "web/etc/php/8.2/mods-available/igbinary.ini",
            "web/etc/php/8.2/mods-available/redis.ini",
            "web/etc/stunnel/redis-client.conf",
        ],
        "{log}"
    );

    // Debian's conf.d links come over as links to the same (absolute) targets, with the
    // mods-available files they point to, so sesslint reads the same files in the fetched
    // fleet as in the hosts' own trees.
    for (link, target) in [
        ("web/etc/php/8.2/fpm/conf.d/20-igbinary.ini", "/etc/php/8.2/mods-available/igbinary.ini"),
        ("web/etc/php/8.2/fpm/conf.d/25-redis.ini", "/etc/php/8.2/mods-available/redis.ini"),
    ] {
        assert_eq!(std::fs::read_link(dest.join(link)).ok(), Some(PathBuf::from(target)), "{link}\n{log}");
        let fetched_target = dest.join("web").join(target.trim_start_matches('/'));
        assert!(fetched_target.is_file(), "{} not fetched\n{log}", fetched_target.display());
    }
    let files_read = |dir: &Path| -> Vec<String> {
        let model = sesslint::model::build(&[dir.to_path_buf()], &Default::default());
        assert!(model.unreadable.is_empty(), "{:?}", model.unreadable);
        let mut files: Vec<String> = model
            .files
            .iter()
            .map(|f| f.source.path.strip_prefix(dir).expect("below the fleet").display().to_string())
            .collect();
        files.sort();
        files
    };
    let read_here = files_read(&dest);
    assert!(read_here.contains(&"web/etc/php/8.2/fpm/conf.d/25-redis.ini".to_owned()), "{read_here:?}");
    assert_eq!(read_here, files_read(&example.join("hosts")), "the fetched fleet reads as the hosts' trees do");

    // JSON: the findings name their hosts. SL405 needs the inventory: only `ansible_host`
    // says that 10.0.0.5 is the Redis host, whose stunnel accepts on every interface.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("sesslint.json")).expect("JSON report")).expect("JSON");
    let found: Vec<(String, String)> = json
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| (d["code"].as_str().unwrap_or("").to_owned(), d["host"].as_str().unwrap_or("").to_owned()))
        .collect();
    // Other rules may have their say too; each finding is on one of the two hosts.
    assert!(found.iter().all(|(_, h)| h == "web" || h == "redis"), "{found:?}");
    for want in [("SL202", "redis"), ("SL405", "web")] {
        assert!(found.contains(&(want.0.to_owned(), want.1.to_owned())), "{want:?} not in {found:?}");
    }
    let sl203 = json.as_array().and_then(|a| a.iter().find(|d| d["code"] == "SL405")).expect("SL405");
    assert_eq!(
        sl203["message"],
        "the stunnel client end on web connects to 10.0.0.5:6381, where no stunnel server end accepts: the stunnel server ends on host redis accept 6380"
    );
    assert_eq!(sl203["severity"], "error", "certain: the inventory names the host of 10.0.0.5");

    // SARIF carries the hosts too.
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("sesslint.sarif")).expect("SARIF report")).expect("SARIF");
    let hosts: Vec<(&str, &str)> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| (r["ruleId"].as_str().unwrap_or(""), r["properties"]["host"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(hosts.len(), found.len());
    assert!(hosts.contains(&("SL202", "redis")) && hosts.contains(&("SL405", "web")), "{hosts:?}");

    // The map: the direct pool reaches the Redis host by the inventory's address and is
    // refused (no password); the tunnelled one breaks at the wrong port; the spare host
    // has no tree.
    let map = std::fs::read_to_string(reports.join("fleet-map.txt")).expect("map");
    for line in [
        "  web: pool www -> redis: tcp://10.0.0.5:6379 db 2 [no auth]\n",
        "    ! the Redis server on host redis (etc/redis/redis.conf) refuses it: it sends no password and this server requires one (`-NOAUTH`)\n",
        "  web: pool shop -> ?: tcp://127.0.0.1:8000 db 3 [auth] (the stunnel client end on web that accepts 127.0.0.1:8000 reaches no Redis (SL405 says where the chain breaks))\n",
        "has no tree in the fleet: its addresses (10.0.0.6) link to nothing\n",
    ] {
        assert!(map.contains(line), "missing {line:?} in:\n{map}");
    }
    assert!(!map.contains("not-a-real-password") && !log.contains("not-a-real-password"));
}
