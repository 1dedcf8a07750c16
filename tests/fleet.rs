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
