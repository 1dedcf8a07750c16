//! Given a php-fpm.conf and a pool file, sesslint says php-fpm refuses an entry exactly when
//! php-fpm8.2 itself refuses it (`php-fpm8.2 -t`: `unknown entry`, `unknown directive`):
//! every name of sesslint's tables, each of them misspelt, in upper case, in `[global]` and
//! in a pool, the pool arrays and their misspellings.

mod common;

use std::path::Path;
use std::process::Command;

use sesslint::diagnostic::Severity;
use sesslint::syntax::ini::fpm_entries::{FPM_ARRAY_ENTRIES, FPM_GLOBAL_ENTRIES, FPM_POOL_ENTRIES};

/// The pool lines php-fpm needs to pass its test.
const POOL: &str = "[www]\nuser = nobody\nlisten = 127.0.0.1:9999\npm = static\npm.max_children = 1\n";

/// Writes `php-fpm.conf` and `pool.d/www.conf` into `dir`.
fn write(dir: &Path, main: &str, pool: &str) {
    std::fs::create_dir_all(dir.join("pool.d")).expect("mkdir");
    std::fs::write(dir.join("php-fpm.conf"), main).expect("write php-fpm.conf");
    std::fs::write(dir.join("pool.d/www.conf"), pool).expect("write www.conf");
}

/// What `php-fpm8.2 -t` says of `dir`'s files, and whether it refused a name it does not
/// know (its other complaints, a value it cannot parse, are not about names).
fn fpm_refuses_a_name(fpm: &Path, dir: &Path) -> (bool, String) {
    let out =
        Command::new(fpm).args(["-t", "-n", "-y"]).arg(dir.join("php-fpm.conf")).output().expect("run php-fpm8.2");
    let said = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    (said.contains("unknown entry '") || said.contains("unknown directive '"), said)
}

/// SL003's finding at byte `at` of `file`, as (severity, help).
fn sesslint_at(dir: &Path, file: &Path, at: usize) -> Option<(Severity, Option<String>)> {
    let model = sesslint::model::build(&[dir.to_path_buf()], &Default::default());
    let diagnostics = sesslint::rules::check(&model);
    let mine: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "SL003" && d.primary.path == file && d.primary.span.start == at)
        .collect();
    assert!(mine.len() <= 1, "{mine:?}");
    mine.first().map(|d| (d.severity, d.help.clone()))
}

/// One line in `[global]` or in a pool: php-fpm's verdict and sesslint's agree; a name
/// sesslint reports is an error, and a misspelling of `meant` is offered `meant`.
fn agree(fpm: &Path, dir: &Path, line: &str, in_pool: bool, meant: Option<&str>) -> bool {
    let log = dir.join("err.log");
    // The line comes first: a path it sets (error_log = ...) is set again to one in `dir`.
    let global = format!(
        "[global]\n{}error_log = {}\ninclude = {}/pool.d/*.conf\n",
        if in_pool { "" } else { line },
        log.display(),
        dir.display()
    );
    let pool = format!("{POOL}{}", if in_pool { line } else { "" });
    write(dir, &global, &pool);
    let (file, at) = if in_pool {
        (dir.join("pool.d/www.conf"), POOL.len())
    } else {
        (dir.join("php-fpm.conf"), "[global]\n".len())
    };
    let (refused, said) = fpm_refuses_a_name(fpm, dir);
    let ours = sesslint_at(dir, &file, at);
    let section = if in_pool { "a pool" } else { "[global]" };
    assert_eq!(ours.is_some(), refused, "{line:?} in {section}: php-fpm8.2 -t says {said}\nsesslint says {ours:?}");
    if let Some((severity, help)) = ours {
        assert_eq!(severity, Severity::Error, "{line:?}");
        if let Some(meant) = meant {
            assert_eq!(help, Some(format!("did you mean `{meant}`?")), "{line:?} in {section}");
        }
    }
    refused
}

#[test]
fn sesslint_reports_the_entries_php_fpm_refuses_and_only_those() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let value = dir.join("v");
    let value = value.display();
    let mut names: Vec<&str> = FPM_GLOBAL_ENTRIES.iter().chain(FPM_POOL_ENTRIES).copied().collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        for in_pool in [false, true] {
            let table = if in_pool { FPM_POOL_ENTRIES } else { FPM_GLOBAL_ENTRIES };
            let known = table.contains(&name);
            let refused = agree(&fpm, &dir, &format!("{name} = {value}\n"), in_pool, None);
            assert_eq!(refused, !known, "{name}: php-fpm8.2 and sesslint's table disagree");
            // php-fpm compares names without regard to case.
            agree(&fpm, &dir, &format!("{} = {value}\n", name.to_uppercase()), in_pool, None);
            let typo = format!("{name}x");
            let meant = known.then_some(name);
            assert!(agree(&fpm, &dir, &format!("{typo} = {value}\n"), in_pool, meant), "{typo} is accepted");
        }
    }
    // `include` is php-fpm's own, in that case only.
    assert!(agree(&fpm, &dir, &format!("Include = {}/none/*.conf\n", dir.display()), false, Some("include")));
    assert!(agree(&fpm, &dir, &format!("Include = {}/none/*.conf\n", dir.display()), true, Some("include")));
    // A PHP setting written as php-fpm's own: php-fpm refuses it, sesslint says how to hand
    // it to PHP.
    assert!(agree(&fpm, &dir, "session.save_handler = redis\n", true, Some("php_value[session.save_handler]")));
    assert!(agree(&fpm, &dir, "sesion.save_handler = redis\n", true, Some("php_value[session.save_handler]")));
}

#[test]
fn pool_arrays_are_known_in_their_own_case_only() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    for &name in FPM_ARRAY_ENTRIES {
        // access.suppress_path takes no key (php-fpm says so, not that it does not know it).
        let line =
            if name == "access.suppress_path" { format!("{name}[] = /ping\n") } else { format!("{name}[K] = 1\n") };
        assert!(!agree(&fpm, &dir, &line, true, None), "{line:?} is refused");
        for other in [name.to_uppercase(), format!("{name}s")] {
            let line = format!("{other}[K] = 1\n");
            assert!(agree(&fpm, &dir, &line, true, Some(name)), "{line:?} is accepted");
        }
    }
    assert!(agree(&fpm, &dir, "foo[K] = 1\n", true, None));
}

/// A line with no section header of its own above it is read in the section php-fpm was in
/// when it came to it: `[global]` for the first lines of the first file php-fpm.conf's
/// `include=` reads from `[global]`, the previous file's last pool for the next file's, and
/// that pool for php-fpm.conf's lines after `include=`. sesslint follows php-fpm's reading
/// order; with the pool file alone, it reports only a name neither section knows.
#[test]
fn a_line_before_any_section_is_judged_in_the_section_php_fpm_is_in() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let main = format!("[global]\nerror_log = {}/err.log\ninclude = {}/pool.d/*.conf\n", dir.display(), dir.display());
    let www = dir.join("pool.d/www.conf");
    let second = "[w2]\nuser = nobody\nlisten = 127.0.0.1:9998\npm = static\npm.max_children = 1\n";
    for (line, known_somewhere) in
        [("pm.max_requests = 5\n", true), ("pid = /tmp/none.pid\n", true), ("pm.max_request = 5\n", false)]
    {
        // The first pool file: read in [global].
        write(&dir, &main, &format!("{line}{POOL}"));
        let (refused, said) = fpm_refuses_a_name(&fpm, &dir);
        assert_eq!(sesslint_at(&dir, &www, 0).is_some(), refused, "{line:?} first: {said}");
        // The pool file alone: its section is not known.
        let alone = sesslint_at(&dir.join("pool.d"), &www, 0).is_some();
        assert_eq!(alone, !known_somewhere, "{line:?} alone");
        // The second pool file: read in the first one's pool.
        let zz = dir.join("pool.d/zz.conf");
        std::fs::write(&zz, format!("{line}{second}")).expect("write zz.conf");
        write(&dir, &main, POOL);
        let (refused, said) = fpm_refuses_a_name(&fpm, &dir);
        assert_eq!(sesslint_at(&dir, &zz, 0).is_some(), refused, "{line:?} second: {said}");
        std::fs::remove_file(&zz).expect("rm zz.conf");
        // php-fpm.conf after its include=: read in the last pool.
        let after = format!("{main}{line}");
        write(&dir, &after, POOL);
        let (refused, said) = fpm_refuses_a_name(&fpm, &dir);
        assert_eq!(
            sesslint_at(&dir, &dir.join("php-fpm.conf"), main.len()).is_some(),
            refused,
            "{line:?} after include: {said}"
        );
    }
}

/// The rule's fixtures ask php-fpm too: each pool file of `trigger-fpm-*` makes php-fpm
/// refuse to start, each of `clean-fpm-*` (Debian's shipped www.conf among them) passes.
#[test]
fn the_fixture_pools_are_what_php_fpm_says() {
    let Some(fpm) = common::oracle("php-fpm8.2") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().canonicalize().expect("tmp path");
    let main = format!("[global]\nerror_log = {}/err.log\ninclude = {}/pool.d/*.conf\n", dir.display(), dir.display());
    let mut seen = 0;
    for case in common::rule_fixture_dirs().into_iter().filter(|d| d.starts_with("fixtures/rules/SL003")) {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let Some(trigger) =
            name.strip_prefix("trigger-fpm").map(|_| true).or(name.strip_prefix("clean-fpm").map(|_| false))
        else {
            continue;
        };
        for pool in common::files_below(&case).into_iter().filter(|p| p.parent().is_some_and(|d| d.ends_with("pool.d")))
        {
            let text = std::fs::read_to_string(&pool).expect("read fixture");
            write(&dir, &main, &text);
            let (refused, said) = fpm_refuses_a_name(&fpm, &dir);
            assert_eq!(refused, trigger, "{}: php-fpm8.2 -t says {said}", pool.display());
            seen += 1;
        }
    }
    assert!(seen >= 2, "the SL003 php-fpm fixtures are missing");
}
