//! What a whole-machine check walks: below a machine's root (`/`, or a copied machine tree
//! named with `--root`), only the places programs read configuration from and PHP sites live.

use std::path::{Path, PathBuf};

/// A place walked in a whole-machine check.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Walked {
    /// The directory, spelt as the root is (`/etc`, `image/etc`).
    pub path: PathBuf,
    /// `false`: only the files directly in it (`/usr/local/lib`, where a PHP built with the
    /// default `--with-config-file-path=PREFIX/lib` looks for `php.ini`), not its subtrees.
    pub recursive: bool,
}

/// A directory of the machine left out of a whole-machine check, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: &'static str,
}

/// The walk of one machine root: what was walked and what was left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Scope {
    pub root: PathBuf,
    pub walked: Vec<Walked>,
    pub skipped: Vec<Skipped>,
}

/// What a top-level directory of a machine holds when it holds no configuration.
fn why_not(name: &str) -> &'static str {
    match name {
        "proc" | "sys" | "dev" => "kernel pseudo filesystem",
        "run" => "runtime state: sockets and pid files",
        "tmp" => "temporary files",
        "boot" => "kernel and boot loader",
        "snap" => "snap package images",
        "lost+found" => "filesystem repair",
        "media" | "mnt" => "other filesystems mounted here",
        "bin" | "sbin" | "lib" | "lib32" | "lib64" | "libx32" => "programs and libraries",
        "usr" => "programs, libraries and the defaults packages ship; only its etc-like places are walked",
        "opt" => "add-on packages; only their etc/ and lib/ php.ini are walked",
        _ => "not a place programs read configuration from or PHP sites live",
    }
}

/// [`why_not`] for `usr` and `opt` when none of their etc-like places exists.
fn why_not_none_walked(name: &str) -> &'static str {
    match name {
        "usr" => {
            "programs, libraries and the defaults packages ship; it has none of the etc-like places that are walked"
        }
        _ => "add-on packages; none of them has an etc/ or lib/ to walk",
    }
}

/// What a directory below `/var` holds, when it is not the web root `/var/www`.
fn why_not_var(name: &str) -> &'static str {
    match name {
        "lib" => "program state: databases, Redis dumps, PHP's session files",
        "cache" => "caches",
        "log" => "logs",
        "tmp" => "temporary files",
        "spool" | "mail" => "queued mail and jobs",
        "backups" => "package manager backups",
        _ => "program state, not configuration",
    }
}

/// Sorted names of the directories in `dir` (symlinks to directories included); empty when
/// it cannot be read.
fn subdirs(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// The places to walk below the machine root `root` and the top-level directories left out.
/// Walked, when they exist: `etc`; the web roots `var/www`, `srv` and `home` (Magento
/// installs, `.user.ini`); `usr/local/etc` (the official Docker `php` image,
/// FreeBSD-style builds), `usr/local/*/etc` (`/usr/local/redis/etc`, a PHP built with
/// `--prefix=/usr/local/php`), `opt/*/etc` and `opt/*/*/etc` (`/opt/bitnami/php/etc`);
/// the files directly in `usr/local/lib`, `usr/local/*/lib`, `opt/*/lib` and `opt/*/*/lib`
/// (PHP's default `--with-config-file-path` is `PREFIX/lib`). Everything else is skipped
/// with a reason; the directories of `/proc`, `/sys`, `/dev` and `/run` are never entered.
/// Cost: one `read_dir` of the root, `/var`, `/usr/local` and `/opt` (two levels).
pub fn plan(root: &Path) -> Scope {
    let mut walked = Vec::new();
    let mut skipped = Vec::new();
    let walk = |walked: &mut Vec<Walked>, path: PathBuf, recursive: bool| {
        if path.is_dir() {
            walked.push(Walked { path, recursive });
        }
    };
    for name in subdirs(root) {
        let here = root.join(&name);
        match name.as_str() {
            "etc" | "srv" | "home" => walk(&mut walked, here.clone(), true),
            "var" => {
                for sub in subdirs(&here) {
                    if sub == "www" {
                        walk(&mut walked, here.join(sub), true);
                    } else {
                        skipped.push(Skipped { path: here.join(&sub), reason: why_not_var(&sub) });
                    }
                }
            }
            "usr" => {
                let local = here.join("local");
                walk(&mut walked, local.join("etc"), true);
                walk(&mut walked, local.join("lib"), false);
                for sub in subdirs(&local) {
                    if !matches!(sub.as_str(), "etc" | "lib" | "share" | "bin" | "sbin" | "include" | "src") {
                        walk(&mut walked, local.join(&sub).join("etc"), true);
                        walk(&mut walked, local.join(&sub).join("lib"), false);
                    }
                }
            }
            "opt" => {
                for sub in subdirs(&here) {
                    let package = here.join(&sub);
                    walk(&mut walked, package.join("etc"), true);
                    walk(&mut walked, package.join("lib"), false);
                    for inner in subdirs(&package) {
                        if !matches!(inner.as_str(), "etc" | "lib") {
                            walk(&mut walked, package.join(&inner).join("etc"), true);
                            walk(&mut walked, package.join(&inner).join("lib"), false);
                        }
                    }
                }
            }
            _ => {}
        }
        if !matches!(name.as_str(), "etc" | "srv" | "home" | "var") {
            // Say so when none of the places walked below it exists, so that `-v` does not
            // read as both walked and skipped.
            let none_walked =
                matches!(name.as_str(), "usr" | "opt") && !walked.iter().any(|w| w.path.starts_with(&here));
            let reason = if none_walked { why_not_none_walked(&name) } else { why_not(&name) };
            skipped.push(Skipped { path: here, reason });
        }
    }
    Scope { root: root.to_path_buf(), walked, skipped }
}

/// Whether `dir`, a resolved absolute path of this machine, is one whose `etc/` is this
/// machine's own configuration: `/`, a top-level directory (`/usr` may hold a `/usr/etc`),
/// or a prefix whose `etc/` [`plan`] walks in a check of `/` (`/usr/local`, `/usr/local/*`,
/// `/opt/*`, `/opt/*/*`). A tree found above a path there is this machine, never a copy
/// (`/usr/local/etc/php/php.ini` resolves its absolute paths from `/`, not `/usr/local`).
pub fn is_machine_prefix(dir: &Path) -> bool {
    let mut parts = dir.components().filter_map(|c| match c {
        std::path::Component::Normal(n) => Some(n.to_str().unwrap_or("")),
        _ => None,
    });
    let (first, second, third, more) = (parts.next(), parts.next(), parts.next(), parts.next().is_some());
    matches!(
        (first, second, third, more),
        (None, ..) | (Some(_), None, ..) | (Some("usr"), Some("local"), _, false) | (Some("opt"), Some(_), _, false)
    )
}

/// Whether `path` is this machine's own configuration: where it leads (`realpath`) is
/// `/etc`, `/usr/local/etc` or `/opt/NAME/etc`, or below one (`/etc/php/8.2`,
/// `/usr/local/etc/php`, `/opt/bitnami/etc`), no project holds that `etc` (a `.git` or a
/// `sesslint.toml` above it), and a `.git` in it is a directory (etckeeper's `/etc/.git`, not
/// a submodule's `.git` file). Naming it is checking this machine, as naming
/// `/` is. An `etc/` of a repository checked out anywhere (`/opt/app/etc` with
/// `/opt/app/.git`, `/src/etc`) is a copy, confined to its tree: a link there leading out is
/// never read. `false` for what does not exist. Cost: one `realpath`, a `stat` per ancestor.
pub fn is_machine_configuration(path: &Path) -> bool {
    let Ok(real) = crate::confine::realpath(path) else {
        return false;
    };
    let Some(etc) = real.ancestors().find(|a| a.file_name().is_some_and(|n| n == "etc")) else {
        return false;
    };
    let parent = etc.parent().unwrap_or(Path::new("/"));
    let mut parts = parent.components().filter_map(|c| match c {
        std::path::Component::Normal(n) => Some(n.to_str().unwrap_or("")),
        _ => None,
    });
    let prefix = matches!(
        (parts.next(), parts.next(), parts.next()),
        (None, ..) | (Some("usr"), Some("local"), None) | (Some("opt"), Some(_), None)
    );
    // A project's marks above it (`.git`, a file or a directory, `sesslint.toml`) make it a
    // checkout; on it, only etckeeper's own repository, a `.git` directory (a submodule's
    // `.git` is a file).
    // (`sesslint.toml` by name: `config` is a layer above this one.)
    let project_above = parent.ancestors().any(|d| d.join(".git").exists() || d.join("sesslint.toml").is_file());
    let own_git = etc.join(".git");
    prefix && !project_above && (!own_git.exists() || own_git.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefixes_whose_etc_is_this_machines_configuration() {
        for d in ["/", "/usr", "/home", "/usr/local", "/usr/local/redis", "/opt/bitnami", "/opt/bitnami/php"] {
            assert!(is_machine_prefix(Path::new(d)), "{d}");
        }
        for d in ["/tmp/copy", "/home/alice", "/srv/infra/web1", "/usr/local/redis/x", "/opt/a/b/c", "/usr/share"] {
            assert!(!is_machine_prefix(Path::new(d)), "{d}");
        }
    }

    #[test]
    fn this_machines_configuration_is_its_etc_and_below() {
        for d in ["/etc", "/etc/alternatives", "/etc/."] {
            assert!(is_machine_configuration(Path::new(d)), "{d}");
        }
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("copy/etc/php")).expect("mkdir");
        for d in [dir.path().join("copy/etc/php"), dir.path().join("copy/etc"), "/".into(), "/nonexistent/etc".into()] {
            assert!(!is_machine_configuration(&d), "{}", d.display());
        }
        // A checkout's etc/ is a copy wherever it is, also at a machine prefix's place.
        let top = std::path::PathBuf::from("/opt").join(format!("sesslint-test-{}", std::process::id()));
        if std::fs::create_dir_all(top.join("etc/php")).is_ok() {
            assert!(is_machine_configuration(&top.join("etc/php")), "/opt/NAME/etc is a machine's");
            std::fs::create_dir(top.join(".git")).expect("mkdir .git");
            assert!(!is_machine_configuration(&top.join("etc/php")), "a checkout at /opt/NAME");
            assert!(!is_machine_configuration(&top.join("etc")));
            std::fs::remove_dir(top.join(".git")).expect("rmdir");
            // etckeeper: a work tree whose top is the etc directory itself.
            std::fs::create_dir(top.join("etc/.git")).expect("mkdir etc/.git");
            assert!(is_machine_configuration(&top.join("etc/php")), "etckeeper's etc/.git");
            // A submodule's `.git` file is no etckeeper, nor a project's sesslint.toml above.
            std::fs::remove_dir(top.join("etc/.git")).expect("rmdir");
            std::fs::write(top.join("etc/.git"), "gitdir: ../.git/modules/etc\n").expect("write");
            assert!(!is_machine_configuration(&top.join("etc/php")), "a submodule");
            std::fs::remove_file(top.join("etc/.git")).expect("rm");
            std::fs::write(top.join("sesslint.toml"), "").expect("write");
            assert!(!is_machine_configuration(&top.join("etc/php")), "a project's sesslint.toml");
            let _ = std::fs::remove_dir_all(&top);
        }
    }

    #[test]
    fn a_machine_tree_is_walked_where_configuration_lives() {
        let dir = tempfile::tempdir().expect("tmp");
        let r = dir.path();
        for d in [
            "etc/php/8.2/fpm",
            "var/www/shop/app/etc",
            "var/lib/php/sessions",
            "var/log",
            "usr/local/etc/php",
            "usr/local/lib",
            "usr/local/redis/etc",
            "usr/share/doc",
            "opt/bitnami/php/etc",
            "opt/app/etc",
            "proc",
            "tmp",
            "home/alice",
            "work",
        ] {
            std::fs::create_dir_all(r.join(d)).expect("mkdir");
        }
        let scope = plan(r);
        let walked: Vec<(String, bool)> = scope
            .walked
            .iter()
            .map(|w| (w.path.strip_prefix(r).expect("below").display().to_string(), w.recursive))
            .collect();
        let expect = [
            ("etc", true),
            ("home", true),
            ("opt/app/etc", true),
            ("opt/bitnami/php/etc", true),
            ("usr/local/etc", true),
            ("usr/local/lib", false),
            ("usr/local/redis/etc", true),
            ("var/www", true),
        ];
        let mut sorted = walked.clone();
        sorted.sort();
        assert_eq!(sorted, expect.map(|(p, r)| (p.to_owned(), r)).to_vec());
        let skipped: Vec<String> =
            scope.skipped.iter().map(|s| s.path.strip_prefix(r).expect("below").display().to_string()).collect();
        for s in ["opt", "proc", "tmp", "usr", "var/lib", "var/log", "work"] {
            assert!(skipped.contains(&s.to_owned()), "{s} not in {skipped:?}");
        }
    }

    #[test]
    fn usr_and_opt_without_a_place_to_walk_say_so() {
        let dir = tempfile::tempdir().expect("tmp");
        let r = dir.path();
        for d in ["etc", "opt/vendor/bin", "usr/share/doc"] {
            std::fs::create_dir_all(r.join(d)).expect("mkdir");
        }
        let scope = plan(r);
        let reason = |name: &str| scope.skipped.iter().find(|s| s.path == r.join(name)).map(|s| s.reason);
        assert_eq!(reason("opt"), Some("add-on packages; none of them has an etc/ or lib/ to walk"));
        assert!(reason("usr").is_some_and(|why| why.contains("none of the etc-like places")));
        std::fs::create_dir_all(r.join("opt/vendor/etc")).expect("mkdir");
        let scope = plan(r);
        let opt = scope.skipped.iter().find(|s| s.path == r.join("opt")).map(|s| s.reason);
        assert_eq!(opt, Some("add-on packages; only their etc/ and lib/ php.ini are walked"));
    }
}
