//! Which discovered files a run naming files (a pre-commit hook's staged files) can leave
//! unread: PHP CLI setups that no finding about the named files can depend on.

use std::collections::{BTreeMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{Discovery, Role};

/// Take out of `discovery.files` each PHP CLI setup (`<dir>/cli/php.ini` and the files of
/// `<dir>/cli/conf.d` and `<dir>/cli/php.d`, as `model::php::build_setups` groups them)
/// that cannot change a finding about `staged` (paths as given on the command line):
/// none of its files is a staged file (compared after symlinks are resolved, as
/// `staged::keep_touching` compares), no other discovered file lies below its directory
/// (an FPM there would read it), and PHP reading its files can set no session save path
/// and no session handler but `files` ([`sets_only_files_handler`]). Such a setup's
/// endpoint has no Redis target, so it is linked to no server and grouped with no other
/// endpoint (SL403, SL101, SL110 and SL111 pass over the CLI), and every finding of its
/// own is placed in its own files. `overlay` holds buffers that replace files on disk
/// (by path as discovery spells it). A file that cannot be read keeps its setup.
pub fn leave_out_for_staged(
    discovery: &mut Discovery,
    staged: &[PathBuf],
    overlay: Option<&std::collections::HashMap<PathBuf, Vec<u8>>>,
) {
    let mut setups: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (i, f) in discovery.files.iter().enumerate() {
        if let Some(dir) = cli_setup_dir(&f.path, f.role) {
            setups.entry(dir.to_path_buf()).or_default().push(i);
        }
    }
    if setups.is_empty() || staged.is_empty() {
        return;
    }
    // As `staged::keep_touching` tells a staged file: the same spelling, else the same
    // resolved path, looked for only when device and inode match (one `stat`, no `realpath`).
    let named: HashSet<&Path> = staged.iter().map(PathBuf::as_path).collect();
    let inode = |p: &Path| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    let inodes: Vec<(u64, u64)> = staged.iter().filter_map(|p| inode(p)).collect();
    // A discovered file's device and inode are the ones discovery's check saw (`checked`),
    // asked again only when it has none.
    let is_staged = |p: &Path, seen: Option<(u64, u64)>| {
        named.contains(p)
            || seen.or_else(|| inode(p)).is_some_and(|i| inodes.contains(&i))
                && crate::confine::realpath(p)
                    .is_ok_and(|c| staged.iter().any(|s| crate::confine::realpath(s).is_ok_and(|w| w == c)))
    };
    // The directories the walk resolved (the files' own are known already).
    let own_dirs = crate::confine::ResolvedDirs::new();
    let dirs = discovery.confinement.pass_dirs().unwrap_or(&own_dirs);
    let mut drop = vec![false; discovery.files.len()];
    for (dir, members) in &setups {
        let alone = discovery.files.iter().enumerate().all(|(i, f)| members.contains(&i) || !f.path.starts_with(dir));
        if !alone {
            continue;
        }
        let inert = members.iter().all(|&i| {
            let f = &discovery.files[i];
            let seen = f.checked.as_ref().map(crate::confine::Checked::identity);
            if is_staged(&f.path, seen) || is_staged(&f.read_from, seen) {
                return false;
            }
            match overlay.and_then(|o| o.get(&f.path)) {
                Some(b) => sets_only_files_handler(b),
                // Read as the build reads it: the checked file itself, else checked afresh.
                None => match discovery.confinement.read_checked_in(&f.read_from, f.checked.as_ref(), dirs) {
                    Ok((b, _)) => sets_only_files_handler(&b),
                    Err(_) => false,
                },
            }
        });
        if inert {
            for &i in members {
                drop[i] = true;
            }
        }
    }
    let mut i = 0;
    discovery.files.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
}

/// The directory of the CLI setup a file belongs to: a php.ini directly in a directory
/// named `cli`, or a scan-dir ini directly in its `conf.d` or `php.d`.
fn cli_setup_dir(path: &Path, role: Role) -> Option<&Path> {
    let parent = path.parent()?;
    let dir = match role {
        Role::PhpIni => parent,
        Role::PhpScanIni if parent.file_name().is_some_and(|n| n == "conf.d" || n == "php.d") => parent.parent()?,
        _ => return None,
    };
    dir.file_name().is_some_and(|n| n == "cli").then_some(dir)
}

/// Whether PHP reading `bytes` as an ini file can set no session save path and no session
/// handler but `files`: every line (cut at `\n` and at `\r`, finer than PHP's scanner
/// cuts, zend_ini_scanner.l) that does not start with a `;` comment and holds
/// `save_handler` or `save_path` is exactly `session.save_handler = files` (or `"files"`).
/// Names are compared case-sensitively, as PHP (and `model::php`) compare directive names:
/// `Session.Save_Path` sets nothing. A line of a value quoted across lines is judged as a
/// line too, which only ever answers no. A NUL byte answers no.
pub fn sets_only_files_handler(bytes: &[u8]) -> bool {
    if memchr::memchr(0, bytes).is_some() {
        return false;
    }
    // One pass for both names: each `save_` followed by `handler` or `path`.
    for at in memchr::memmem::find_iter(bytes, b"save_") {
        let rest = &bytes[at + 5..];
        if !(rest.starts_with(b"handler") || rest.starts_with(b"path")) {
            continue;
        }
        let start = memchr::memrchr2(b'\n', b'\r', &bytes[..at]).map_or(0, |p| p + 1);
        let end = memchr::memchr2(b'\n', b'\r', &bytes[at..]).map_or(bytes.len(), |p| at + p);
        let line = bytes[start..end].trim_ascii_start();
        if line.first() == Some(&b';') {
            continue;
        }
        if !is_files_handler_line(line) {
            return false;
        }
    }
    true
}

/// `session.save_handler = files`, blanks around `=` and at the end, `files` maybe quoted.
fn is_files_handler_line(line: &[u8]) -> bool {
    let blank = |b: &u8| matches!(b, b' ' | b'\t');
    let Some(rest) = line.strip_prefix(b"session.save_handler") else { return false };
    let rest = &rest[rest.iter().take_while(|b| blank(b)).count()..];
    let Some(value) = rest.strip_prefix(b"=") else { return false };
    let value = &value[value.iter().take_while(|b| blank(b)).count()..];
    let value = &value[..value.len() - value.iter().rev().take_while(|b| blank(b)).count()];
    value == b"files" || value == b"\"files\""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_files_handler_and_comments_make_an_inert_cli_setup() {
        let debian = b"[Session]\n; session.save_handler = redis\n;session.save_path = \"/var/lib/php/sessions\"\nsession.save_handler = files\nsession.use_strict_mode = 0\n";
        assert!(sets_only_files_handler(debian));
        assert!(sets_only_files_handler(b"session.save_handler=\"files\"  \r\n  ; save_path\r"));
        assert!(sets_only_files_handler(b"extension=redis.so\n"));
        // PHP knows no `Session.Save_Handler`: the line sets nothing.
        assert!(sets_only_files_handler(b"Session.Save_Handler = redis\n"));
        for no in [
            &b"session.save_handler = redis\n"[..],
            b"session.save_path = \"/tmp\"\n",
            b"session.save_handler = files ; trailing\n",
            b"session.save_handler = Files\n",
            b"session.save_handler = ${H}\n",
            b"x = \"a\nsession.save_handler = redis\n\"\n",
            b"redis.session.save_path = x\n",
            b"session.save_handler = files\0\n",
            b"a = 1\rsession.save_path = tcp://h:6379\n",
        ] {
            assert!(!sets_only_files_handler(no), "{}", String::from_utf8_lossy(no));
        }
    }

    #[test]
    fn a_cli_setup_is_a_php_ini_in_cli_or_a_scan_file_in_its_conf_d() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(cli_setup_dir(&p("etc/php/8.2/cli/php.ini"), Role::PhpIni), Some(Path::new("etc/php/8.2/cli")));
        assert_eq!(
            cli_setup_dir(&p("etc/php/8.2/cli/conf.d/20-redis.ini"), Role::PhpScanIni),
            Some(Path::new("etc/php/8.2/cli"))
        );
        assert_eq!(cli_setup_dir(&p("etc/php/8.2/fpm/php.ini"), Role::PhpIni), None);
        assert_eq!(cli_setup_dir(&p("etc/php/8.2/cli/conf.d/sub/x.ini"), Role::PhpScanIni), None);
        assert_eq!(cli_setup_dir(&p("etc/php/8.2/cli/pool.d/x.conf"), Role::FpmPool), None);
    }
}
