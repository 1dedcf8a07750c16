//! A path a checked tree names outside itself (an `include`, `aclfile` or `include=` that
//! climbs out, an absolute one where the root is `/`, a symlink in the walk) is refused with
//! the same words whether or not something is there on the machine running sesslint, and
//! where it leads is never printed: in CI on someone else's repository the messages would
//! otherwise tell what the runner's filesystem holds.

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// What `sesslint check --format concise ARGS` says in `repo` (made by `setup` next to an
/// `outside/` directory holding `x.conf` and `d/a.conf` when `exists`, nothing otherwise),
/// the temporary directory's path written as `TMP`.
fn said(exists: bool, args: &[&str], setup: &dyn Fn(&Path, &Path)) -> String {
    let tmp = tempfile::tempdir().expect("tmp");
    let top = tmp.path().canonicalize().expect("canonical");
    let (repo, outside) = (top.join("repo"), top.join("outside"));
    std::fs::create_dir_all(&repo).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    if exists {
        write(&outside.join("x.conf"), "port 6380\nrequirepass outside-xyzzy\n");
        write(&outside.join("d/a.conf"), "[leak]\nlisten = /run/leak-xyzzy.sock\n");
    }
    setup(&repo, &outside);
    let out = common::sesslint_cmd(&[&["check", "--format", "concise"], args].concat())
        .current_dir(&repo)
        .output()
        .expect("run sesslint");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains("xyzzy"), "{text}");
    text.replace(&top.display().to_string(), "TMP")
}

fn same_either_way(what: &str, args: &[&str], setup: &dyn Fn(&Path, &Path), expect: &str) {
    let (there, not_there) = (said(true, args, setup), said(false, args, setup));
    assert_eq!(there, not_there, "{what}: the messages tell whether the outside path exists");
    assert!(there.contains(expect), "{what}: {there}");
    // Only an include that names the path itself (absolute) shows it, as written.
    let shown = there.matches("TMP/outside").count();
    let written = there.matches("included 'TMP/outside").count() + there.matches("include=TMP/outside").count();
    assert_eq!(shown, written, "{what}: names where it leads: {there}");
}

const OUTSIDE: &str = "it leads outside the checked tree";

#[test]
fn redis_includes_and_aclfile_outside_the_tree_say_the_same_whether_or_not_they_exist() {
    same_either_way(
        "include ../ climbing out",
        &["."],
        &|repo, _| write(&repo.join("etc/redis/redis.conf"), "port 6379\ninclude ../../../outside/x.conf\n"),
        OUTSIDE,
    );
    same_either_way(
        "aclfile ../ climbing out",
        &["."],
        &|repo, _| write(&repo.join("etc/redis/redis.conf"), "port 6379\naclfile ../../../outside/x.conf\n"),
        OUTSIDE,
    );
    // No etc/ at the top: the root is `/`, and an absolute include is this machine's path.
    same_either_way(
        "absolute include, root /",
        &["conf"],
        &|repo, outside| {
            write(&repo.join("conf/redis.conf"), &format!("port 6379\ninclude {}/x.conf\n", outside.display()))
        },
        OUTSIDE,
    );
}

#[test]
fn fpm_includes_outside_the_tree_say_the_same_whether_or_not_they_exist() {
    // Below a tree's root a `..` stops at the tree's `/`, as the tree's kernel stops it.
    for (include, expect) in
        [("../../../../../outside/x.conf", "which does not exist"), ("../../../../../outside/d/*.conf", "")]
    {
        same_either_way(
            include,
            &["."],
            &|repo, _| {
                write(
                    &repo.join("etc/php/8.2/fpm/php-fpm.conf"),
                    &format!("[global]\nerror_log = /var/log/fpm.log\ninclude={include}\n"),
                )
            },
            expect,
        );
    }
    // No etc/ at the top: the root is `/`, and an absolute include= is this machine's path.
    for name in ["x.conf", "d/*.conf"] {
        same_either_way(
            name,
            &["conf"],
            &|repo, outside| {
                write(
                    &repo.join("conf/php-fpm.conf"),
                    &format!("[global]\nerror_log = /var/log/fpm.log\ninclude={}/{name}\n", outside.display()),
                )
            },
            "",
        );
    }
}

#[test]
fn symlinks_out_of_the_tree_say_the_same_whether_or_not_their_target_exists() {
    // Root `/` (no etc/ at the top): a file link and a directory link leading out.
    same_either_way(
        "file link, root /",
        &["conf"],
        &|repo, outside| {
            write(&repo.join("conf/redis.conf"), "port 6379\n");
            symlink(outside.join("x.conf"), repo.join("conf/redis-extra.conf")).expect("symlink");
        },
        OUTSIDE,
    );
    same_either_way(
        "directory link, root /",
        &["conf"],
        &|repo, outside| {
            write(&repo.join("conf/redis.conf"), "port 6379\n");
            std::fs::create_dir_all(repo.join("conf/php")).expect("mkdir");
            symlink(outside.join("d"), repo.join("conf/php/pool.d")).expect("symlink");
        },
        OUTSIDE,
    );
    // Below a tree's root the link's absolute target is the tree's path: nothing there.
    same_either_way(
        "file link, rooted",
        &["."],
        &|repo, outside| {
            write(&repo.join("etc/redis/redis.conf"), "port 6379\n");
            symlink(outside.join("x.conf"), repo.join("etc/redis/redis-extra.conf")).expect("symlink");
        },
        "a symlink to nothing below the root",
    );
    // A link under a name nothing reads: reported as the dangling one is, whatever its
    // target holds on this machine (an existing file was passed over, a missing one reported).
    same_either_way(
        "file link with another name, rooted",
        &["."],
        &|repo, outside| {
            write(&repo.join("etc/redis/redis.conf"), "port 6379\n");
            symlink(outside.join("x.conf"), repo.join("etc/redis/notes.txt")).expect("symlink");
        },
        "notes.txt: a symlink to nothing in the tree",
    );
    same_either_way(
        "file link with another name, root /",
        &["conf"],
        &|repo, outside| {
            write(&repo.join("conf/redis/redis.conf"), "port 6379\n");
            symlink(outside.join("x.conf"), repo.join("conf/redis/notes.txt")).expect("symlink");
        },
        OUTSIDE,
    );
}

/// An `aclfile` out of the tree is not read, and nothing is claimed of it: no "will not
/// start" (the file may well be there on the server), the same words either way.
#[test]
fn an_aclfile_outside_the_tree_claims_nothing_of_the_server() {
    let setup = |repo: &Path, _: &Path| {
        write(&repo.join("etc/redis/redis.conf"), "port 6379\naclfile ../../../outside/x.conf\n")
    };
    same_either_way("aclfile out, check", &["."], &setup, "warning[SL002] could not read the aclfile");
    let text = said(true, &["."], &setup);
    assert!(!text.contains("will not start") && !text.contains("SL001"), "{text}");
}

/// `parse` reads a named file in the tree `check` reads it in: a copied tree (an `etc/` at its
/// top) or `--root`, whose symlinks' and includes' absolute paths resolve below it, or else
/// the file's git work tree (or its directory), out of which nothing is read. Run from the
/// directory that holds the outside files (the current directory widens nothing): a symlinked
/// file, an absolute include, a relative one and an include glob leading out are refused or
/// find nothing in the tree, never printed; where a link leads is not said, and the run fails
/// when a file is not read.
#[test]
fn parse_reads_nothing_outside_the_tree_check_reads() {
    let tmp = tempfile::tempdir().expect("tmp");
    let top = tmp.path().canonicalize().expect("canonical");
    let outside = |name: &str| top.join(name).display().to_string();
    write(&top.join("outside.txt"), "SECRETOUTSIDE = xyzzy1\nOUTSIDEKEY = xyzzy2\n");
    write(&top.join("outside2.conf"), "requirepass xyzzy3\nmaxmemory-policy xyzzy-policy\n");
    write(&top.join("pv.conf"), "networkname xyzzy-network\n");
    // A copied tree, no git.
    let copy = top.join("t14");
    write(&copy.join("etc/redis/r2.conf"), &format!("port 6379\ninclude {}\n", outside("outside2.conf")));
    write(&copy.join("etc/redis/r4.conf"), &format!("port 6379\ninclude {}/*.conf\n", top.display()));
    write(&copy.join("etc/redis/r5.conf"), "port 6379\ninclude ../../../outside2.conf\n");
    let pool = copy.join("etc/php/8.2/fpm/pool.d");
    std::fs::create_dir_all(&pool).expect("mkdir");
    symlink(top.join("outside.txt"), pool.join("evil.conf")).expect("symlink");
    symlink("../../../../../outside.txt", pool.join("evil2.conf")).expect("symlink");
    // A git work tree with no `etc/` at its top.
    let repo = top.join("t18");
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    write(&repo.join("conf/redis.conf"), &format!("port 6379\ninclude {}\n", outside("outside2.conf")));
    write(&repo.join("conf/redis-glob.conf"), &format!("port 6379\ninclude {}/*.conf\n", top.display()));
    symlink(top.join("outside.txt"), repo.join("conf/evil.ini")).expect("symlink");
    // A lone directory: neither tree nor repository.
    write(&top.join("lone/redis.conf"), "port 6379\ninclude outside2.conf\ninclude ../outside2.conf\n");

    let run = |args: &[&str]| {
        let out = common::sesslint_cmd(&[&["parse"], args].concat()).current_dir(&top).output().expect("sesslint");
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        for leaked in ["xyzzy", "SECRETOUTSIDE", "OUTSIDEKEY", "pv.conf", "outside.txt"] {
            assert!(!text.contains(leaked), "{args:?} shows {leaked}: {text}");
        }
        (out.status.code(), text)
    };
    let link_nowhere = "a symlink to nothing below the root";
    let not_read = "sesslint does not read the included";
    let cases: &[(&[&str], i32, &str)] = &[
        // Below the copy's root the include names a file the copy lacks: redis-server's refusal.
        (&["t14/etc/redis/r2.conf"], 1, "can't open config file"),
        (&["--root", "t14", "t14/etc/redis/r2.conf"], 1, "can't open config file"),
        // A relative include climbing above the copy's root leads out of it.
        (&["--format", "json", "t14/etc/redis/r5.conf"], 2, not_read),
        (&["t14/etc/php/8.2/fpm/pool.d/evil.conf"], 2, link_nowhere),
        (&["--root", "t14", "t14/etc/php/8.2/fpm/pool.d/evil.conf"], 2, link_nowhere),
        (&["--show-secrets", "t14/etc/php/8.2/fpm/pool.d/evil.conf"], 2, link_nowhere),
        (&["t14/etc/php/8.2/fpm/pool.d/evil2.conf"], 2, link_nowhere),
        (&["t18/conf/redis.conf"], 2, not_read),
        (&["--format", "json", "t18/conf/redis-glob.conf"], 2, not_read),
        (&["t18/conf/evil.ini"], 2, OUTSIDE),
        (&["lone/redis.conf"], 2, not_read),
        (&["lone/redis.conf", "t14/etc/php/8.2/fpm/pool.d/evil.conf"], 2, link_nowhere),
    ];
    for (args, code, said) in cases {
        let (got, text) = run(args);
        assert_eq!(got, Some(*code), "{args:?}: {text}");
        assert!(text.contains(said), "{args:?}: {text}");
    }
    // The glob matches no file below the copy's root: redis-server 7 loads such a config
    // (asked live below), and so does parse, listing the include and nothing from it.
    let (code, text) = run(&["--format", "json", "t14/etc/redis/r4.conf"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(r#""directive":"include""#) && !text.contains("networkname"), "{text}");
    if let Some(redis) = common::oracle("redis-server") {
        let conf = top.join("glob-nothing.conf");
        write(&conf, &format!("port 0\ninclude {}/*.conf\n", top.join("no-such-dir").display()));
        let out = std::process::Command::new(redis).arg(&conf).output().expect("redis-server");
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("Configuration loaded"), "{said}");
    }
    // `check` agrees: nothing outside is read on the same paths.
    for path in ["t14/etc/redis/r2.conf", "t14/etc/php/8.2/fpm/pool.d/evil.conf", "t18/conf/redis.conf"] {
        let out = common::sesslint_cmd(&["check", path]).current_dir(&top).output().expect("sesslint");
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(!text.contains("xyzzy") && out.status.code() == Some(1), "check {path}: {text}");
    }
}
