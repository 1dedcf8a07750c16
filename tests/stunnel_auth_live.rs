//! Whether a stunnel client end checks who it talks to, as stunnel 5.68 itself judges it at
//! startup: for each client service, the real stunnel4 logs `Service [NAME] needs
//! authentication to prevent MITM attacks` exactly when sesslint reports SL407 as a warning
//! for the same file, and `uses "verifyChain" without subject checks` exactly when it
//! reports SL407 as an info. Every case is one stunnel accepts ("Configuration successful").

mod common;

use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};

use sesslint::diagnostic::Severity;

const WARNING: &str = "needs authentication to prevent MITM attacks";
const NO_SUBJECT_CHECK: &str = "without subject checks";
const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Client service options after `client`, `accept` and `connect`; `{ca}` is a CA file.
const CASES: &[&str] = &[
    "",
    "verify = 0",
    "requireCert = yes",
    "verify = 1\nCAfile = {ca}",
    "verify = 2\nCAfile = {ca}",
    "verify = 3\nCAfile = {ca}",
    "verify = 4\nCAfile = {ca}",
    "verifyChain = yes\nCAfile = {ca}\ncheckHost = redis-host",
    "verifyChain = no\nverifyPeer = yes\nCAfile = {ca}",
    "PSKsecrets = {psk}",
    "verifyChain = yes\nCAfile = {ca}",
    "verifyChain = yes\nCAfile = {ca}\ncheckIP = 127.0.0.1",
    "verifyChain = yes\nCAfile = {ca}\ncheckEmail = redis@example.com",
    "verifyChain = yes\nCAfile = {ca}\nPSKsecrets = {psk}",
];

/// What stunnel logged while reading `config`, once it said how reading went.
fn stunnel_log(stunnel: &Path, dir: &Path, config: &Path, log: &Path) -> String {
    let mut child = Command::new(stunnel)
        .arg(config)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start stunnel4");
    // Bounded: at most 400 looks, 25 ms apart, until the log ends its configuration step or
    // stunnel has exited (a refused configuration goes to stderr).
    let mut exited = None;
    for _ in 0..400 {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains("Configuration successful") || text.contains("Configuration failed") {
            break;
        }
        if let Some(status) = child.try_wait().expect("wait for stunnel4") {
            exited = Some(status);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    if exited.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    format!("{}{stderr}", std::fs::read_to_string(log).unwrap_or_default())
}

#[test]
fn stunnel_warns_about_a_client_end_exactly_where_sesslint_reports_sl407() {
    let Some(stunnel) = common::oracle("stunnel4") else { return };
    let ca_known = Path::new(CA_BUNDLE).is_file();
    for (i, options) in CASES.iter().enumerate() {
        if options.contains("{ca}") && !ca_known {
            common::skipped(&format!("{CA_BUNDLE} is missing (ca-certificates), so `{options}` is not asked"));
            continue;
        }
        let tmp = tempfile::tempdir().expect("tempdir");
        let stunnel_dir = tmp.path().join("etc/stunnel");
        std::fs::create_dir_all(&stunnel_dir).expect("etc/stunnel");
        let psk = stunnel_dir.join("redis.psk");
        // stunnel wants a key of 16 bytes or more, in a file only its owner reads.
        std::fs::write(&psk, "web:0123456789abcdef0123456789abcdef\n").expect("psk file");
        std::fs::set_permissions(&psk, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("chmod psk");
        let log = tmp.path().join("stunnel.log");
        let port = common::redis::free_port();
        let options = options.replace("{ca}", CA_BUNDLE).replace("{psk}", &psk.display().to_string());
        let text = format!(
            "foreground = yes\npid =\ndebug = 5\noutput = {}\n[redis-client]\nclient = yes\naccept = 127.0.0.1:{port}\nconnect = 127.0.0.1:1\n{options}\n",
            log.display()
        );
        let config = stunnel_dir.join("redis-client.conf");
        std::fs::write(&config, &text).expect("stunnel config");

        let said = stunnel_log(&stunnel, tmp.path(), &config, &log);
        assert!(said.contains("Configuration successful"), "case {i}: stunnel refused\n{text}\n{said}");
        let warned = (said.contains(WARNING), said.contains(NO_SUBJECT_CHECK));

        let model = sesslint::model::build(&[tmp.path().to_path_buf()], &Default::default());
        let ds = sesslint::check::run(&model, &sesslint::config::Config::default());
        let sl407 = |s: Severity| ds.iter().any(|d| d.code == "SL407" && d.severity == s);
        let reported = (sl407(Severity::Warning), sl407(Severity::Info));
        assert_eq!(
            reported, warned,
            "case {i}: stunnel warned (no authentication, no subject check): {warned:?}, sesslint reported SL407 (warning, info): {reported:?}\n{text}"
        );
    }
}
