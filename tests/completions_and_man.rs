//! `sesslint completions SHELL` and `sesslint manpage`, run by the real programs: bash and
//! fish complete a partial command line with the scripts, zsh registers the function, and
//! man renders every page without a warning (the pages the Debian package ships).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// `program` on PATH, or `None` with a loud SKIPPED; a failure under `SESSLINT_REQUIRE_ORACLES=1`.
fn tool(program: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(program)).find(|p| p.is_file()));
    if found.is_none() {
        if std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!(
                "SESSLINT_REQUIRE_ORACLES=1 but `{program}` is not installed (apt-get install bash zsh fish man-db)"
            );
        }
        common::skipped(&format!("`{program}` is not installed, so its completion or page was not tried"));
    }
    found
}

/// The script `sesslint completions SHELL` prints, written to a file in `dir`.
fn script(shell: &str, dir: &Path) -> PathBuf {
    let out = common::sesslint(&["completions", shell]);
    assert!(out.status.success(), "completions {shell}: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!out.stdout.is_empty(), "completions {shell} printed nothing");
    let path = dir.join(format!("sesslint.{shell}"));
    std::fs::write(&path, &out.stdout).expect("write script");
    path
}

/// What bash offers for the last word of `words`, with the script sourced (what
/// bash-completion does when Tab is pressed after `sesslint`).
fn bash_complete(bash: &Path, file: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}' || exit 9; complete -p sesslint || exit 8; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; _sesslint sesslint '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new(bash).args(["--norc", "--noprofile", "-c", &program]).output().expect("bash");
    assert!(
        out.status.success(),
        "bash: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.starts_with("complete ")).map(str::to_owned).collect()
}

#[test]
fn bash_completes_commands_options_and_values() {
    let Some(bash) = tool("bash") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = script("bash", tmp.path());
    let commands = bash_complete(&bash, &file, &["sesslint", "c"]);
    assert!(commands.contains(&"check".to_owned()) && commands.contains(&"completions".to_owned()), "{commands:?}");
    let options = bash_complete(&bash, &file, &["sesslint", "check", "--fo"]);
    assert_eq!(options, ["--format"]);
    let formats = bash_complete(&bash, &file, &["sesslint", "check", "--format", ""]);
    for f in ["human", "concise", "json", "sarif", "github", "junit"] {
        assert!(formats.contains(&f.to_owned()), "{f} not offered: {formats:?}");
    }
    let shells = bash_complete(&bash, &file, &["sesslint", "completions", "z"]);
    assert_eq!(shells, ["zsh"]);
}

#[test]
fn fish_completes_commands_and_values() {
    let Some(fish) = tool("fish") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = script("fish", tmp.path());
    let complete = |line: &str| -> Vec<String> {
        let program = format!("source '{}'; complete -C '{line}'", file.display());
        let out = Command::new(&fish).args(["--no-config", "-c", &program]).output().expect("fish");
        assert!(out.status.success(), "fish: {}", String::from_utf8_lossy(&out.stderr));
        // Each line is the candidate, a tab, and its description.
        String::from_utf8_lossy(&out.stdout).lines().map(|l| l.split('\t').next().unwrap_or("").to_owned()).collect()
    };
    let commands = complete("sesslint sh");
    assert!(commands.contains(&"show".to_owned()), "{commands:?}");
    let formats = complete("sesslint check --format ");
    assert!(formats.contains(&"sarif".to_owned()) && formats.contains(&"junit".to_owned()), "{formats:?}");
}

#[test]
fn zsh_loads_the_completion_function() {
    let Some(zsh) = tool("zsh") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = script("zsh", tmp.path());
    // The file as installed: `_sesslint` in a directory of $fpath, found by compinit.
    std::fs::rename(&file, tmp.path().join("_sesslint")).expect("rename");
    let program = format!(
        "fpath=('{}' $fpath); autoload -U compinit; compinit -u -d '{}/zcompdump'; print -r -- $_comps[sesslint]",
        tmp.path().display(),
        tmp.path().display()
    );
    let out = Command::new(&zsh).args(["-f", "-c", &program]).output().expect("zsh");
    assert!(out.status.success(), "zsh: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "_sesslint");
    let syntax = Command::new(&zsh).arg("-n").arg(tmp.path().join("_sesslint")).output().expect("zsh -n");
    assert!(syntax.status.success(), "zsh -n: {}", String::from_utf8_lossy(&syntax.stderr));
}

#[test]
fn man_renders_every_page_without_a_warning() {
    let Some(man) = tool("man") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = common::sesslint(&["manpage", "--dir", &tmp.path().display().to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let render = |page: &Path| -> String {
        let out = Command::new(&man)
            .args(["--warnings", "-l"])
            .arg(page)
            .env("MANWIDTH", "100")
            .env("MANPAGER", "cat")
            .output()
            .expect("man");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}: {}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let top = render(&tmp.path().join("sesslint.1"));
    for heading in ["SYNOPSIS", "OPTIONS", "SUBCOMMANDS", "EXIT STATUS", "FILES", "VERSION"] {
        assert!(top.contains(heading), "no {heading} in sesslint(1):\n{top}");
    }
    assert!(top.contains("--fail-on") && top.contains(env!("CARGO_PKG_VERSION")), "{top}");
    // Every page sesslint(1) refers to is there, and renders.
    let mut referred = 0;
    for word in top.split_whitespace() {
        if let Some(name) = word.strip_prefix("sesslint-").and_then(|w| w.strip_suffix("(1)")) {
            referred += 1;
            let sub = render(&tmp.path().join(format!("sesslint-{name}.1")));
            // Justified text: compare with single spaces.
            let flat = sub.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.contains(&format!("NAME sesslint-{name} - ")), "{sub}");
        }
    }
    assert!(referred >= 8, "sesslint(1) names {referred} subcommand pages:\n{top}");
    // Without --dir, the top page goes to stdout, the same bytes.
    let stdout = common::sesslint(&["manpage"]);
    assert_eq!(stdout.stdout, std::fs::read(tmp.path().join("sesslint.1")).expect("read"));
}

/// `manpage --dir` on a directory that does not exist yet makes it (and its parents), as
/// `mkdir -p`; a path where a directory cannot be made is said as such.
#[test]
fn manpage_dir_is_created_when_missing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("share/man/man1");
    let out = common::sesslint(&["manpage", "--dir", &dir.display().to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let top = std::fs::read(dir.join("sesslint.1")).expect("sesslint.1 written");
    assert_eq!(top, common::sesslint(&["manpage"]).stdout);
    assert!(dir.join("sesslint-check.1").is_file());
    // A file in the way: exit 2 naming the directory that cannot be made.
    std::fs::write(tmp.path().join("file"), "x").expect("write");
    let blocked = tmp.path().join("file/man1");
    let out = common::sesslint(&["manpage", "--dir", &blocked.display().to_string()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot create the directory") && err.contains("file/man1"), "{err}");
}
