//! Fleets: a directory of host trees is one model whose hosts are each their own root, and
//! whose session targets link across hosts by address, never by loopback or unix socket.

mod common;

use std::path::{Path, PathBuf};

use sesslint::report::{Format, ReportContext};

fn fleet(name: &str) -> PathBuf {
    common::fixtures().join("fleets").join(name)
}

fn build(dir: &Path) -> sesslint::model::Model {
    sesslint::model::build(&[dir.to_path_buf()], &Default::default())
}

fn show(dir: &Path) -> String {
    let out = common::sesslint(&["show", dir.to_str().expect("utf-8 path")]);
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn the_web_host_reaches_the_redis_host_over_the_private_network() {
    let dir = fleet("isolated");
    let model = build(&dir);
    let names: Vec<&str> = model.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["redis", "web"]);
    assert_eq!(model.links.len(), 1, "{:?}", model.links);
    let link = &model.links[0];
    assert!(link.cross_host);
    assert_eq!(link.address, "10.0.0.5:6379");
    assert_eq!(link.certainty, sesslint::model::LinkCertainty::Exact);
    assert_eq!(model.host(link.host.expect("a host")).name, "redis");
    // `include /etc/redis/conf.d/*.conf` resolved in the Redis host's own tree.
    let server = model.server(link.server);
    assert!(server.has_auth(), "requirepass comes from redis/etc/redis/conf.d/auth.conf");
    let ep = model.endpoint(link.endpoint);
    assert_eq!(model.host_name(ep.decided_at.expect("set").file), Some("web"));

    let text = show(&dir);
    assert!(text.contains("  web: pool www -> redis: tcp://10.0.0.5:6379 db 2 [auth]\n"), "{text}");
    assert!(!text.contains("not-a-real-password"), "{text}");
}

#[test]
fn loopback_never_crosses_hosts() {
    let dir = fleet("loopback-stays-home");
    let model = build(&dir);
    assert!(model.links.is_empty(), "{:?}", model.links);
    let text = show(&dir);
    assert!(
        text.contains("web: pool www -> ?: tcp://127.0.0.1:6379 db 2 [auth] (no Redis and no tunnel on web listens on 127.0.0.1:6379; loopback never reaches another host)"),
        "{text}"
    );
}

#[test]
fn findings_name_their_host_in_json_and_sarif() {
    let dir = fleet("isolated");
    let model = build(&dir);
    let diagnostics = sesslint::check::run(&model, &sesslint::config::Config::default());
    let sl202 = diagnostics.iter().find(|d| d.code == "SL202").expect("the private-network bind is SL202");
    assert_eq!(sl202.primary.host.as_deref(), Some("redis"));
    let ctx = ReportContext::new(&model, false, false);
    let render = |format: Format| {
        let mut out = Vec::new();
        format.write(&diagnostics, &ctx, &mut out).expect("write");
        serde_json::from_slice::<serde_json::Value>(&out).expect("json")
    };
    let json = render(Format::Json);
    let item = json.as_array().and_then(|a| a.iter().find(|d| d["code"] == "SL202")).expect("SL202 in JSON");
    assert_eq!(item["host"], "redis");
    let sarif = render(Format::Sarif);
    let result = &sarif["runs"][0]["results"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["ruleId"] == "SL202"))
        .expect("SL202 in SARIF")
        .clone();
    assert_eq!(result["properties"]["host"], "redis");
    assert_eq!(result["locations"][0]["logicalLocations"][0]["name"], "redis");
    assert_eq!(result["locations"][0]["logicalLocations"][0]["kind"], "host");
}

#[test]
fn a_tree_with_its_own_etc_is_no_fleet() {
    let model = build(&fleet("isolated").join("web"));
    assert!(model.fleet.is_none() && model.hosts.is_empty());
    assert!(model.links.is_empty());
}

fn sl203(name: &str) -> PathBuf {
    common::fixtures().join("rules/SL405").join(name)
}

/// The tunnels a link passes, as (kind, side, host).
fn chain(model: &sesslint::model::Model, link: &sesslint::model::Link) -> Vec<String> {
    link.via
        .iter()
        .map(|&t| {
            let tn = &model.tunnels[t];
            format!("{:?} {:?} on {}", tn.kind, tn.side, model.host_name(tn.at.file).unwrap_or("?"))
        })
        .collect()
}

#[test]
fn stunnel_and_spiped_chains_link_end_to_end_across_hosts() {
    for (fleet, kind) in [("clean-stunnel", "Stunnel"), ("clean-spiped", "Spiped")] {
        let model = build(&sl203(fleet));
        assert_eq!(model.links.len(), 1, "{fleet}: {:?}", model.links);
        let link = &model.links[0];
        // tcp://127.0.0.1:8000 on web reaches the Redis on the redis host.
        assert!(link.cross_host, "{fleet}");
        assert_eq!(model.host(link.host.expect("host")).name, "redis");
        assert_eq!(link.address, "127.0.0.1:6379", "{fleet}: the server end's connect, on the redis host");
        assert_eq!(chain(&model, link), [format!("{kind} Client on web"), format!("{kind} Server on redis")]);
        assert!(model.chain_problems.is_empty(), "{fleet}: {:?}", model.chain_problems);
    }
}

#[test]
fn a_peervpn_address_links_over_the_vpn_of_both_hosts() {
    let model = build(&sl203("clean-peervpn"));
    assert_eq!(model.links.len(), 1);
    assert_eq!(chain(&model, &model.links[0]), ["PeerVpn Network on web", "PeerVpn Network on redis"]);
    let lonely = build(&sl203("trigger-peervpn-web-not-a-member"));
    assert_eq!(lonely.links.len(), 1, "the address still reaches the server");
    assert!(lonely.links[0].via.is_empty());
    assert_eq!(lonely.chain_problems.len(), 1);
}

#[test]
fn broken_chains_are_said_and_leave_the_target_unlinked() {
    let model = build(&sl203("trigger-stunnel-wrong-port"));
    assert!(model.links.is_empty());
    assert_eq!(model.unlinked.len(), 1);
    assert!(model.unlinked[0].reason.contains("stunnel client end on web that accepts 127.0.0.1:8000"));
    let text = show(&sl203("trigger-stunnel-wrong-port"));
    assert!(
        text.contains("! the stunnel client end on web connects to 10.0.0.5:6380, where no stunnel server end accepts: the stunnel server ends on host redis accept 10.0.0.5:6381"),
        "{text}"
    );
    let keys = build(&sl203("trigger-spiped-different-keys"));
    assert_eq!(keys.chain_problems.len(), 1);
    assert!(keys.chain_problems[0].message.contains("use different keys"));
    // The key text never reaches a message.
    assert!(!keys.chain_problems[0].message.contains("fixture key"));
}

#[test]
fn show_reads_like_a_map_of_the_tunnelled_fleet() {
    let text = show(&sl203("clean-stunnel"));
    assert!(
        text.contains("  web: pool www -> redis: tcp://127.0.0.1:8000 db 2 [auth] via stunnel client on web -> stunnel server on redis 10.0.0.5:6380\n"),
        "{text}"
    );
}

#[test]
fn an_inventory_says_which_host_an_address_belongs_to() {
    let dir = fleet("every-interface");
    let line = "web: pool www -> redis: tcp://10.0.0.5:6379 db 2 [auth]\n";
    // Redis binds 0.0.0.0: without an inventory nothing says 10.0.0.5 is the Redis host's.
    let bare = show(&dir);
    assert!(bare.contains("web: pool www -> ?: tcp://10.0.0.5:6379 db 2 [auth] (`10.0.0.5` is no known address of the fleet's hosts (redis, web)"), "{bare}");
    for inventory in ["inventory.ini", "inventory.yml"] {
        let inv = dir.join(inventory);
        let out =
            common::sesslint(&["show", "--inventory", inv.to_str().expect("utf-8"), dir.to_str().expect("utf-8")]);
        let text = String::from_utf8(out.stdout).expect("utf-8");
        assert!(text.contains(line), "{inventory}: {text}");
        // A host's directory name is its name on the network too; a name no host has stays unlinked.
        assert!(text.contains("web: pool shop -> redis: tcp://redis:6379 db 2 [auth]\n"), "{text}");
        assert!(text.contains("web: pool legacy -> ?: tcp://cache.internal:6379 db 2 [auth] (`cache.internal` names no host of the fleet (redis, web)"), "{text}");
    }
}

#[test]
fn an_address_two_hosts_claim_is_ambiguous_and_a_host_without_a_tree_is_said() {
    let decl = |name: &str, a: &str| sesslint::model::HostDecl {
        name: name.into(),
        addresses: vec![a.into()],
        source: "sesslint.toml".into(),
        outside: false,
    };
    let hosts = [decl("redis", "10.0.0.5"), decl("web", "10.0.0.5"), decl("db", "10.0.0.9")];
    let options = sesslint::model::BuildOptions { hosts: &hosts, ..Default::default() };
    let model = sesslint::model::build(&[fleet("every-interface")], &options);
    let www: Vec<_> = model.links.iter().filter(|l| model.endpoint(l.endpoint).label.starts_with("pool www")).collect();
    assert_eq!(www.len(), 1);
    match &www[0].certainty {
        sesslint::model::LinkCertainty::Ambiguous(why) => assert_eq!(why, "`10.0.0.5` is an address of redis and web"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        model.fleet_notes,
        ["host `db` (sesslint.toml) has no tree in the fleet: its addresses (10.0.0.9) link to nothing"]
    );
}

#[test]
fn an_unreadable_inventory_stops_the_run() {
    let dir = fleet("every-interface");
    let out = common::sesslint(&["check", "--inventory", "/nonexistent/hosts.yml", dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--inventory /nonexistent/hosts.yml"));
}

/// A fleet of `pairs` Redis hosts and `pairs` web hosts, half of them joined by stunnel.
fn synthetic_fleet(dir: &Path, pairs: usize) {
    let write = |path: PathBuf, text: String| {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    for i in 0..pairs {
        let addr = format!("10.{}.{}.5", i / 250, i % 250);
        let redis = dir.join(format!("redis{i:04}"));
        let web = dir.join(format!("web{i:04}"));
        write(redis.join("etc/redis/redis.conf"), format!("bind 127.0.0.1 {addr}\nport 6379\nrequirepass x\n"));
        let target = if i % 2 == 0 {
            write(redis.join("etc/stunnel/s.conf"), format!("[r]\naccept = {addr}:6380\nconnect = 127.0.0.1:6379\n"));
            write(
                web.join("etc/stunnel/c.conf"),
                format!("[r]\nclient = yes\naccept = 127.0.0.1:8000\nconnect = {addr}:6380\n"),
            );
            "127.0.0.1:8000".to_owned()
        } else {
            format!("{addr}:6379")
        };
        write(
            web.join("etc/php/8.2/fpm/pool.d/www.conf"),
            format!("[www]\nphp_value[session.save_handler] = redis\nphp_value[session.save_path] = \"tcp://{target}?auth=x\"\n"),
        );
    }
}

/// Linking a fleet takes time linear in its hosts: one address index, no host pairs.
/// Prints the figures; run with `cargo test --test fleet -- --ignored --nocapture`.
#[test]
#[ignore = "a timing sanity check, run by hand"]
fn linking_scales_linearly_with_the_hosts() {
    let mut times = Vec::new();
    // SESSLINT_FLEET_PAIRS=1000 times one size only (for a profiler).
    let sizes: Vec<usize> = match std::env::var("SESSLINT_FLEET_PAIRS").ok().and_then(|v| v.parse().ok()) {
        Some(n) => vec![n],
        None => vec![250, 500, 1000],
    };
    for &pairs in &sizes {
        let tmp = tempfile::tempdir().expect("tempdir");
        synthetic_fleet(tmp.path(), pairs);
        let paths = [tmp.path().to_path_buf()];
        let started = std::time::Instant::now();
        let model = sesslint::model::build(&paths, &Default::default());
        let build = started.elapsed();
        assert_eq!(model.hosts.len(), 2 * pairs);
        assert_eq!(model.links.iter().filter(|l| l.cross_host).count(), pairs);
        let link = (0..std::env::var("SESSLINT_FLEET_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(20))
            .map(|_| {
                let t = std::time::Instant::now();
                let linking = sesslint::model::link_index::link_all(&model, &paths);
                assert_eq!(linking.links.len(), pairs);
                t.elapsed()
            })
            .min()
            .expect("runs");
        println!(
            "hosts {:5}: build {:8.1} ms, link {:7.2} ms",
            2 * pairs,
            build.as_secs_f64() * 1e3,
            link.as_secs_f64() * 1e3
        );
        times.push(link.as_secs_f64());
    }
    if let [small, _, large] = times[..] {
        // 4x the hosts: well under 16x the time (a pairwise scan would be 16x).
        assert!(large < small * 8.0, "{times:?}");
    }
}

#[test]
fn the_human_report_and_show_json_name_the_hosts() {
    let dir = sl203("trigger-stunnel-wrong-port");
    let out = common::sesslint(&["check", "--format", "human", dir.to_str().expect("utf-8")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SL405(tunnel-chain-broken) on host web"), "{text}");
    let out = common::sesslint(&["show", "--format", "json", dir.to_str().expect("utf-8")]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let hosts: Vec<&str> =
        v["fleet"]["hosts"].as_array().expect("hosts").iter().filter_map(|h| h["name"].as_str()).collect();
    assert_eq!(hosts, ["redis", "web"]);
    assert_eq!(v["endpoints"][0]["host"], "web");
    assert_eq!(
        v["endpoints"][0]["targets"][0]["not_linked"],
        "the stunnel client end on web that accepts 127.0.0.1:8000 reaches no Redis (SL405 says where the chain breaks)"
    );
    assert_eq!(v["fleet"]["chain_problems"][0]["certain"], true);
    let tunnels: Vec<&str> =
        v["tunnels"].as_array().expect("tunnels").iter().filter_map(|t| t["host"].as_str()).collect();
    assert_eq!(tunnels, ["redis", "web"]);
}

#[test]
fn debian_conf_d_symlinks_resolve_in_their_own_host_tree() {
    // web/etc/php/8.2/fpm/conf.d/30-sessions.ini -> /etc/php/8.2/mods-available/sessions.ini
    // and redis/etc/redis/conf.d/auth.conf -> /etc/redis/secrets/auth.conf: each absolute
    // target is read in its host's tree, as PHP and redis-server on that host would.
    let dir = fleet("debian-conf-d");
    let model = build(&dir);
    assert!(model.unreadable.is_empty(), "{:?}", model.unreadable);
    assert_eq!(model.links.len(), 1, "{:?}", model.links);
    let link = &model.links[0];
    assert_eq!(model.host(link.host.expect("a host")).name, "redis");
    assert!(model.server(link.server).has_auth(), "requirepass from the linked auth.conf");
    let text = show(&dir);
    assert!(text.contains("  web: pool www -> redis: tcp://10.0.0.5:6379 db 2 [auth]\n"), "{text}");
    // The same host tree checked alone says the same of its pool.
    let alone = show(&dir.join("web"));
    assert!(alone.contains("sessions: redis -> tcp://10.0.0.5:6379 db 2 [auth]"), "{alone}");
    let out = common::sesslint(&[dir.to_str().expect("utf-8 path"), "--format", "concise"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(!report.contains("SL002") && !report.contains("SL102"), "{report}");
}

#[test]
fn sl405_points_at_the_line_that_is_wrong() {
    // The server end on the Redis host forwards to 127.0.0.1:6390, where no Redis listens:
    // the finding is on that `connect` line, the client end's `connect` is related.
    let dir = sl203("trigger-stunnel-forwards-to-no-redis");
    let model = build(&dir);
    let diagnostics = sesslint::check::run(&model, &sesslint::config::Config::default());
    let d = diagnostics.iter().find(|d| d.code == "SL405").expect("SL405");
    let line_of = |l: &sesslint::diagnostic::Label| {
        let text = std::fs::read_to_string(&l.path).expect("fixture");
        let line = text[..l.span.start].matches('\n').count() + 1;
        (line, text[l.span.start..l.span.end].to_owned())
    };
    assert!(d.primary.path.ends_with("redis/etc/stunnel/redis-server.conf"), "{:?}", d.primary.path);
    assert_eq!(line_of(&d.primary), (4, "connect = 127.0.0.1:6390".to_owned()));
    assert_eq!(d.primary.host.as_deref(), Some("redis"));
    let related = d.related.first().expect("the client end");
    assert!(related.path.ends_with("web/etc/stunnel/redis-client.conf"), "{:?}", related.path);
    assert_eq!(line_of(related), (5, "connect = 10.0.0.5:6380".to_owned()));
    assert!(d.message.contains("where no Redis server on host redis listens"), "{}", d.message);

    let out = common::sesslint(&[dir.to_str().expect("utf-8 path"), "--format", "github", "--select", "SL405"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("redis/etc/stunnel/redis-server.conf,line=4,col=1,endLine=4,endColumn=25,"),
        "the annotation lands on the faulty line: {text}"
    );

    // A client end that connects to the wrong port: its own `connect` line, with the one
    // server end's `accept` related.
    let dir = sl203("trigger-stunnel-wrong-port");
    let model = build(&dir);
    let diagnostics = sesslint::check::run(&model, &sesslint::config::Config::default());
    let d = diagnostics.iter().find(|d| d.code == "SL405").expect("SL405");
    assert!(d.primary.path.ends_with("web/etc/stunnel/redis-client.conf"), "{:?}", d.primary.path);
    assert!(line_of(&d.primary).1.starts_with("connect = 10.0.0.5:6380"), "{:?}", line_of(&d.primary));
    let related = d.related.first().expect("the server end");
    assert!(line_of(related).1.starts_with("accept = 10.0.0.5:6381"), "{:?}", line_of(related));
}

/// Every stage that runs on several threads (reading and parsing, loading the Redis
/// servers, the rules, the line indexes) gives the output one thread gives, byte for byte,
/// in every format: `SESSLINT_THREADS=1` against 4 threads (more than this machine may
/// have, so that the threads interleave) on a fleet large enough for each stage to split.
#[test]
fn a_fleet_reports_the_same_bytes_on_one_thread_and_on_four() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let demo = common::fixtures().join("demo");
    for i in 0..8 {
        let host = tmp.path().join(format!("host{i:02}"));
        common::copy_tree(&demo.join("etc"), &host.join("etc"));
        common::copy_tree(&demo.join("var/www/shop"), &host.join("var/www/shop"));
        // Hosts that differ, so that their findings do not all say the same thing.
        std::fs::write(
            host.join("etc/php/8.2/fpm/pool.d/extra.conf"),
            format!(
                "[extra{i}]\nphp_value[session.save_handler] = redis\nphp_value[session.save_path] = \"tcp://127.0.0.1:{}?database={}\"\n",
                6379 + i % 3,
                i % 20
            ),
        )
        .expect("write");
    }
    synthetic_fleet(tmp.path(), 8);
    let dir = tmp.path().to_str().expect("utf-8 path");
    let run = |threads: &str, args: &[&str]| {
        let out = common::sesslint_cmd(args).arg(dir).env("SESSLINT_THREADS", threads).output().expect("run");
        (out.status.code(), out.stdout, out.stderr)
    };
    let mut checked = 0;
    for args in common::EVERY_OUTPUT {
        let one = run("1", args);
        let four = run("4", args);
        assert!(!one.1.is_empty(), "{args:?} printed nothing: {}", String::from_utf8_lossy(&one.2));
        assert!(one == four, "{args:?}: 1 thread and 4 threads differ");
        checked += one.1.len();
    }
    // The fleet is big enough for the stages to split (each needs a few dozen items).
    let model = build(tmp.path());
    assert!(model.files.len() >= 150 && model.redis.len() >= 20, "{} files", model.files.len());
    assert!(checked > 100_000, "{checked} bytes compared");
}

/// A fleet whose web host reaches Redis through `relays` stunnel relays (each host `relayN`
/// decrypts at 10.0.1.N:6380 and re-encrypts from 127.0.0.1:7000 to the next), built from the
/// clean stunnel fixture. Returns the temporary directory holding it.
fn relayed(relays: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    common::copy_tree(&sl203("clean-stunnel"), dir.path());
    let next = |n: usize| if n > relays { "10.0.0.5:6380".to_owned() } else { format!("10.0.1.{n}:6380") };
    let client = dir.path().join("web/etc/stunnel/redis-client.conf");
    let text = std::fs::read_to_string(&client).expect("read");
    std::fs::write(&client, text.replace("connect = 10.0.0.5:6380", &format!("connect = {}", next(1)))).expect("write");
    for n in 1..=relays {
        let conf = dir.path().join(format!("relay{n}/etc/stunnel/relay.conf"));
        std::fs::create_dir_all(conf.parent().expect("parent")).expect("mkdir");
        let text = format!(
            "[relay-in]\naccept = 10.0.1.{n}:6380\nconnect = 127.0.0.1:7000\ncert = /etc/stunnel/relay.pem\nkey = /etc/stunnel/relay.key\n\n[relay-out]\nclient = yes\naccept = 127.0.0.1:7000\nconnect = {}\nverifyChain = yes\nCAfile = /etc/stunnel/ca.pem\n",
            next(n + 1)
        );
        std::fs::write(conf, text).expect("write");
    }
    dir
}

/// A relay's server end forwards to a client end on its own host: the chain goes on there,
/// and that stage is checked as its own (no false "no Redis listens" at the relay).
#[test]
fn a_chain_through_relays_links_and_no_stage_is_called_broken() {
    for relays in 1..=2 {
        let dir = relayed(relays);
        let model = build(dir.path());
        assert_eq!(model.links.len(), 1, "{relays}: {:?}", model.unlinked);
        assert_eq!(model.host(model.links[0].host.expect("host")).name, "redis");
        assert_eq!(model.links[0].via.len(), 2 * (relays + 1), "{relays}");
        assert!(model.chain_problems.is_empty(), "{relays}: {:?}", model.chain_problems);
    }
}

/// Past the tunnel hops sesslint follows, the chain is not resolved, and that is said: the
/// target's reason in `show`, an SL405 note at the client end where following stopped.
#[test]
fn a_chain_longer_than_sesslint_follows_is_said_not_dropped() {
    let dir = relayed(3);
    let model = build(dir.path());
    assert!(model.links.is_empty(), "{:?}", model.links);
    assert_eq!(model.unlinked.len(), 1);
    assert!(
        model.unlinked[0].reason.contains("the chain goes on through the stunnel client end on relay3")
            && model.unlinked[0].reason.contains("past the 3 tunnel hops sesslint follows"),
        "{}",
        model.unlinked[0].reason
    );
    assert_eq!(model.chain_problems.len(), 1, "{:?}", model.chain_problems);
    let p = &model.chain_problems[0];
    assert!(!p.certain, "a note, not an error: the chain may well be right");
    assert_eq!(model.host_name(model.tunnels[p.tunnel].at.file), Some("relay3"));
    assert!(p.message.contains("sesslint follows at most 3"), "{}", p.message);
    let text = show(dir.path());
    assert!(text.contains("past the 3 tunnel hops sesslint follows"), "{text}");
}

/// An address every host of a fleet claims: each link names the first five owners and counts
/// the others (a link's reason stays short however many hosts share the address).
#[test]
fn an_address_many_hosts_claim_names_the_first_owners_and_counts_the_rest() {
    let tmp = tempfile::tempdir().expect("tmp");
    let web = tmp.path().join("web/etc/php/8.2/fpm/php.ini");
    std::fs::create_dir_all(web.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &web,
        "session.save_handler = redis\nsession.save_path = \"tcp://10.0.0.5:6379?auth=not-a-real-password\"\n",
    )
    .expect("write");
    let mut hosts = Vec::new();
    for i in 0..8 {
        let conf = tmp.path().join(format!("r{i}/etc/redis/redis.conf"));
        std::fs::create_dir_all(conf.parent().expect("parent")).expect("mkdir");
        std::fs::write(&conf, "bind 0.0.0.0\nport 6379\nrequirepass not-a-real-password\n").expect("write");
        hosts.push(sesslint::model::HostDecl {
            name: format!("r{i}"),
            addresses: vec!["10.0.0.5".into()],
            source: "sesslint.toml".into(),
            outside: false,
        });
    }
    let options = sesslint::model::BuildOptions { hosts: &hosts, ..Default::default() };
    let model = sesslint::model::build(&[tmp.path().to_path_buf()], &options);
    assert_eq!(model.links.len(), 8, "{:?}", model.links);
    for l in &model.links {
        match &l.certainty {
            sesslint::model::LinkCertainty::Ambiguous(why) => {
                assert_eq!(why, "`10.0.0.5` is an address of r0 and r1 and r2 and r3 and r4 and 3 other hosts")
            }
            other => panic!("{other:?}"),
        }
    }
}
