//! End to end: real PHP with the real phpredis session handler writes a session into a real
//! redis-server on 127.0.0.1, and the key lands exactly where sesslint's model says the
//! endpoint points (server, database, key prefix, credentials).

mod common;

use std::path::Path;
use std::process::Command;

use common::redis::{free_port, pipeline, start, Outcome, Resp};
use sesslint::model::{EndpointOwner, Transport};

struct Case {
    name: &'static str,
    /// `{port}` and `{sock}` are filled in.
    save_path: &'static str,
    handler: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "tcp-auth-db-prefix",
        save_path: "tcp://127.0.0.1:{port}?auth=e2e-pass&database=3&prefix=e2e:",
        handler: "redis",
    },
    Case { name: "unix-socket-default-prefix", save_path: "unix://{sock}?auth=e2e-pass&database=5", handler: "redis" },
    Case {
        name: "acl-user-array-auth",
        save_path: "tcp://127.0.0.1:{port}?auth[]=sessions&auth[]=sess-pass&database=2&timeout=2",
        handler: "redis",
    },
    Case {
        name: "percent-encoded-password-no-db",
        save_path: "tcp://127.0.0.1:{port}?auth=e2e%2Dpass&prefix=pct:",
        handler: "redis",
    },
];

#[test]
fn php_sessions_land_where_the_model_says() {
    let Some(redis) = common::oracle("redis-server") else { return };
    let Some(php) = common::php_with_phpredis("no session is written to Redis") else { return };
    for case in CASES {
        run_case(&php, &redis, case);
    }
}

fn run_case(php: &Path, redis: &Path, case: &Case) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let sock = tmp.path().join("s.sock");
    let conf = tmp.path().join("redis.conf");
    std::fs::write(
        &conf,
        "bind 127.0.0.1\nrequirepass e2e-pass\nuser sessions on >sess-pass ~* +@all\nsave \"\"\nappendonly no\n",
    )
    .expect("write redis.conf");
    let Outcome::Running(_server) = start(redis, &conf, tmp.path(), tmp.path(), &["--port", &port.to_string()]) else {
        panic!("{}: redis-server did not start", case.name)
    };

    // The tree sesslint reads, and the php.ini PHP loads: the same file.
    let ini_dir = tmp.path().join("tree/etc/php/8.2/cli");
    std::fs::create_dir_all(&ini_dir).expect("mkdir");
    let save_path = case.save_path.replace("{port}", &port.to_string()).replace("{sock}", &sock.display().to_string());
    let ini = ini_dir.join("php.ini");
    std::fs::write(
        &ini,
        format!(
            "extension=igbinary\nextension=redis\nsession.save_handler = {}\nsession.save_path = \"{save_path}\"\n",
            case.handler
        ),
    )
    .expect("write php.ini");

    let out = Command::new(php)
        .args(["-n", "-c"])
        .arg(&ini)
        .args(["-r", "session_start(); $_SESSION['n'] = 42; echo session_id(); session_write_close();"])
        .output()
        .expect("run php");
    let sid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        out.status.success() && !sid.is_empty(),
        "{}: php failed: {}",
        case.name,
        String::from_utf8_lossy(&out.stderr)
    );

    let model = sesslint::model::build(&[tmp.path().join("tree")], &Default::default());
    let ep = model
        .endpoints
        .iter()
        .find(|e| matches!(e.owner, EndpointOwner::Php(_)))
        .unwrap_or_else(|| panic!("{}: no endpoint in the model", case.name));
    assert_eq!(ep.handler.value, case.handler);
    assert_eq!(ep.targets.len(), 1, "{}", case.name);
    let t = &ep.targets[0];
    match t.transport {
        Transport::Unix => assert_eq!(t.socket.as_deref(), Some(sock.to_str().expect("utf-8"))),
        _ => assert_eq!((t.host.as_deref(), t.port), (Some("127.0.0.1"), port), "{}", case.name),
    }
    let auth = t.auth.as_ref().unwrap_or_else(|| panic!("{}: model sees no credentials", case.name));
    assert!(auth.password);
    let db = t.database.unwrap_or(0);
    let key = format!("{}{sid}", t.prefix.as_deref().unwrap_or("PHPREDIS_SESSION:"));

    // Ask Redis where the session really is: in the model's database, and only there.
    let db_text = db.to_string();
    let other = if db == 0 { "1" } else { "0" };
    let replies = pipeline(
        &sock,
        &[
            &[b"AUTH", b"e2e-pass"],
            &[b"SELECT", db_text.as_bytes()],
            &[b"GET", key.as_bytes()],
            &[b"SELECT", other.as_bytes()],
            &[b"EXISTS", key.as_bytes()],
        ],
    )
    .expect("talk to redis");
    match &replies[2] {
        Resp::Bulk(Some(v)) => {
            assert!(String::from_utf8_lossy(v).contains("n|i:42"), "{}: session data {v:?}", case.name)
        }
        other => panic!("{}: {key} is not in database {db}: {other:?}", case.name),
    }
    assert!(matches!(replies[4], Resp::Int(0)), "{}: the key is also in database {other}", case.name);
}
