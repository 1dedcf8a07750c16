//! No noise on stock configs, real answers on real ones. The distribution trees in the
//! corpus produce no error and no warning; what sesslint says about the real projects'
//! files (Magento installs, tunnels) is pinned by snapshots and was checked by hand.

mod common;

use std::path::Path;

use sesslint::diagnostic::Severity;
use sesslint::report::{Format, ReportContext};

fn concise(dir: &Path) -> (Vec<sesslint::diagnostic::Diagnostic>, String) {
    // The tree is the root: these trees are the contents of /etc (no `etc/` in them), so
    // without it `include=/etc/php/8.2/fpm/pool.d/*.conf` would name the test machine's
    // own directory, and the result would depend on whether php-fpm is installed there.
    let options = sesslint::model::BuildOptions { root: Some(dir), ..Default::default() };
    let model = sesslint::model::build(&[dir.to_path_buf()], &options);
    let diagnostics = sesslint::rules::check(&model);
    let ctx = ReportContext::new(&model, false, false);
    let mut out = Vec::new();
    Format::Concise.write(&diagnostics, &ctx, &mut out).expect("report");
    (diagnostics, String::from_utf8(out).expect("utf-8"))
}

#[test]
fn distribution_configs_give_no_error_and_no_warning() {
    for dir in [
        "debian12-etc",
        "rhel9-etc",
        "remi-el7-etc",
        "upstream-php",
        "upstream-valkey",
        "docker-php70-fpm-usr-local-etc",
    ] {
        let (diagnostics, out) = concise(&Path::new("fixtures/corpus").join(dir));
        assert!(diagnostics.iter().all(|d| d.severity == Severity::Info), "{dir} is noisy:\n{out}");
    }
}

#[test]
fn real_project_files_say_what_they_should() {
    for dir in [
        "magento-alpine-swarm",
        "magento-cart-custom-theme",
        "magento-magento2-20-10",
        "magento-transbank-onepay",
        "stunnel-redis-stunnel-tls",
        "stunnel-ub-flight-central",
        "spiped-modbus2redis",
    ] {
        let (_, out) = concise(&Path::new("fixtures/corpus").join(dir));
        insta::assert_snapshot!(dir, out);
    }
}

/// The model resolves the corpus as a person reading the files would.
#[test]
fn the_corpus_model() {
    let model = sesslint::model::build(&[Path::new("fixtures/corpus").to_path_buf()], &Default::default());
    let ctx = ReportContext::new(&model, false, false);
    insta::assert_snapshot!("corpus_show", sesslint::show::render_text(&model, &ctx));
    // RHEL's www.conf forces files over php.ini, line 435 of the shipped file.
    let rhel = model.endpoints.iter().find(|e| e.label.contains("rhel9-etc/php-fpm.d/www.conf")).expect("RHEL pool");
    assert_eq!(rhel.handler.value, "files");
    assert!(rhel.handler.set_at.is_some_and(|l| model.path(l.file).ends_with("rhel9-etc/php-fpm.d/www.conf")));
    assert_eq!(rhel.save_path.as_ref().map(|v| v.value.as_str()), Some("/var/lib/php/session"));
}
