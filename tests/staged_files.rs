//! What the pre-commit hook sees: `sesslint check FILE...` inside a git work tree reports
//! exactly the findings of the whole tree that touch the named files, and a named file
//! sesslint does not read is said to be unread on stderr, never passed over silently.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use sesslint::check::{check, Request};
use sesslint::config::Config;
use sesslint::model::Overlay;
use sesslint::report::{Format, ReportContext};

/// A copy of `tree` (symlinks kept) as the top of a git work tree.
fn work_tree(tree: &Path, tmp: &Path) -> PathBuf {
    // A directory of its own: two fixtures named alike (`clean`) are two trees, never one
    // copied into the other.
    let own = tempfile::tempdir_in(tmp).expect("tempdir").keep();
    let dir = own.join(tree.file_name().expect("named tree"));
    let st = Command::new("cp").arg("-a").arg(tree).arg(&dir).status().expect("cp");
    assert!(st.success(), "cp -a {}", tree.display());
    // What `project_root` looks for; no git program is needed for it.
    std::fs::create_dir_all(dir.join(".git")).expect("mkdir .git");
    dir
}

/// The trees to stage files from: the demo host, every rule fixture, the real-world corpus.
fn trees() -> Vec<PathBuf> {
    let f = common::fixtures();
    let mut out = vec![f.join("demo")];
    for parent in [f.join("rules"), f.join("corpus")] {
        let Ok(rules) = std::fs::read_dir(&parent) else { continue };
        for r in rules.flatten().filter(|e| e.path().is_dir()) {
            if parent.ends_with("corpus") {
                out.push(r.path());
                continue;
            }
            out.extend(
                std::fs::read_dir(r.path()).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_dir()),
            );
        }
    }
    out.sort();
    out
}

#[test]
fn one_staged_file_gets_the_whole_trees_findings_that_touch_it() {
    let config = Config::default();
    let overlay = Overlay::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mut files_compared, mut findings_compared) = (0, 0);
    // Runs that left a Redis server unbuilt (`model::build::staged_servers`): the comparison
    // below holds them to the whole tree's findings too.
    let mut servers_left_out = 0;
    let trees = trees();
    assert!(trees.len() > 200, "only {} fixture trees", trees.len());
    for tree in trees {
        let dir = work_tree(&tree, tmp.path());
        let outcome = check(&Request {
            paths: vec![dir.clone()],
            config: &config,
            overlay: &overlay,
            budget: Default::default(),
        });
        let (model, whole) = (outcome.model, outcome.diagnostics);
        for file in common::files_below(&dir).into_iter().filter(|p| !p.starts_with(dir.join(".git"))) {
            let hook = check(&Request {
                paths: vec![file.clone()],
                config: &config,
                overlay: &overlay,
                budget: Default::default(),
            });
            let staged = hook.diagnostics;
            if hook.model.redis.len() < model.redis.len() {
                servers_left_out += 1;
            }
            let expected = touching(&model, &whole, &file);
            assert_eq!(staged, expected, "{} staged alone", file.display());
            // Shown alike too: the hook locates the secrets of the files it quotes only when
            // it quotes them, the whole tree's run every file's while parsing.
            for format in [Format::Human, Format::Json] {
                assert_eq!(
                    render(format, &hook.model, &staged),
                    render(format, &model, &expected),
                    "{} staged alone, {format:?}",
                    file.display()
                );
            }
            files_compared += 1;
            findings_compared += expected.len();
        }
    }
    assert!(files_compared > 500 && findings_compared > 300, "{files_compared} files, {findings_compared} findings");
    assert!(servers_left_out > 20, "only {servers_left_out} runs left a Redis server unbuilt");
}

/// The demo with `blog.conf` staged (the hook of `scripts/bench-precommit.sh`): the 107 KB
/// `redis.conf` server on port 6379, which the blog pool does not use, is not built; staged
/// `forum.conf`, whose pool keeps its sessions there, builds it. Both report what the whole
/// tree reports about them.
#[test]
fn a_server_no_staged_pool_can_reach_is_left_unbuilt() {
    let config = Config::default();
    let overlay = Overlay::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = work_tree(&common::fixtures().join("demo"), tmp.path());
    let request =
        |paths: Vec<PathBuf>| Request { paths, config: &config, overlay: &overlay, budget: Default::default() };
    let whole = check(&request(vec![dir.clone()]));
    assert_eq!(whole.model.redis.len(), 2);
    for (pool, servers) in [("blog", 1), ("forum", 2)] {
        let file = dir.join(format!("etc/php/8.2/fpm/pool.d/{pool}.conf"));
        let hook = check(&request(vec![file.clone()]));
        assert_eq!(hook.model.redis.len(), servers, "{pool}.conf staged");
        assert_eq!(hook.diagnostics, touching(&whole.model, &whole.diagnostics, &file), "{pool}.conf staged");
    }
}

/// `found` as `format` prints it (masked, no colour).
fn render(format: Format, model: &sesslint::model::Model, found: &[sesslint::diagnostic::Diagnostic]) -> String {
    let mut out = Vec::new();
    format.write(found, &ReportContext::new(model, false, false), &mut out).expect("write to a Vec");
    String::from_utf8(out).expect("reports are UTF-8")
}

/// The findings of the whole tree (`model`, `whole`) that concern `file`: a place in it, or
/// a setting a pool declared in it inherits.
fn touching(
    model: &sesslint::model::Model,
    whole: &[sesslint::diagnostic::Diagnostic],
    file: &Path,
) -> Vec<sesslint::diagnostic::Diagnostic> {
    let same = |p: &Path| std::fs::canonicalize(p).ok() == std::fs::canonicalize(file).ok();
    let inherited = inherited_by_pools_in(model, &same);
    whole
        .iter()
        .filter(|d| {
            same(&d.primary.path)
                || d.related.iter().any(|r| same(&r.path))
                || inherited.contains(&(d.primary.path.clone(), d.primary.span))
        })
        .cloned()
        .collect()
}

/// The places of the php.ini (and scan-dir) settings that the pools declared in a file
/// `same` accepts run with and do not set themselves.
fn inherited_by_pools_in(
    model: &sesslint::model::Model,
    same: &dyn Fn(&Path) -> bool,
) -> Vec<(PathBuf, sesslint::Span)> {
    let mut out = Vec::new();
    for pool in model.pools.iter().filter(|p| same(model.path(p.declared_at.file))) {
        let Some(setup) = pool.setup.map(|i| &model.php[i]) else { continue };
        for (_, v) in setup.values.iter().filter(|(k, _)| !pool.overrides.contains_key(*k)) {
            if let Some(at) = v.set_at {
                out.push((model.path(at.file).to_path_buf(), at.span));
            }
        }
    }
    out
}

/// A finding at a php.ini line is about every pool that inherits the line: staging one of
/// those pools shows it (the pool can override the setting), staging a pool that sets the
/// value itself does not.
#[test]
fn a_staged_pool_shows_the_findings_at_the_php_ini_settings_it_inherits() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = work_tree(&common::fixtures().join("demo"), tmp.path());
    let run = |file: &str| {
        let out =
            common::sesslint_cmd(&["check", "--format", "concise", file]).current_dir(&dir).output().expect("sesslint");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let blog = run("etc/php/8.2/fpm/pool.d/blog.conf");
    // blog sets its own handler (redis): php.ini's `files` line (SL101) is not its concern.
    assert!(blog.contains("etc/php/8.2/fpm/php.ini:1383:1: info[SL110]"), "{blog}");
    assert!(blog.contains("etc/php/8.2/fpm/php.ini:1422:1: info[SL111]"), "{blog}");
    assert!(!blog.contains("[SL101]"), "{blog}");
    assert!(blog.contains("etc/php/8.2/fpm/pool.d/blog.conf:13:1: warning[SL109]"), "{blog}");
    // shop keeps php.ini's `files` handler: SL101 at that line names it.
    let shop = run("etc/php/8.2/fpm/pool.d/shop.conf");
    assert!(shop.contains("etc/php/8.2/fpm/php.ini:1345:1: info[SL101] pool shop"), "{shop}");
    // The CLI's php.ini is no pool's: staging a pool shows none of its findings.
    assert!(!blog.contains("cli/php.ini") && !shop.contains("cli/php.ini"), "{blog}{shop}");

    // The same buffer checked from standard input as that file gets the same findings.
    let path = "etc/php/8.2/fpm/pool.d/blog.conf";
    let mut child = common::sesslint_cmd(&["check", "--format", "concise", "--stdin-filename", path, "-"])
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sesslint");
    let bytes = std::fs::read(dir.join(path)).expect("read");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &bytes).expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(String::from_utf8_lossy(&out.stdout), blog);
}

#[test]
fn a_staged_file_discovery_does_not_read_is_named_on_stderr() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = work_tree(&common::fixtures().join("demo"), tmp.path());
    std::fs::write(dir.join("etc/php/8.2/fpm/weird.ini"), "session.save_handler = files\n").expect("write");
    std::fs::create_dir_all(dir.join("vendor")).expect("mkdir");
    std::fs::copy(dir.join("etc/redis/redis-sessions.conf"), dir.join("vendor/redis.conf")).expect("copy");
    let staged = ["etc/php/8.2/fpm/weird.ini", "vendor/redis.conf", "etc/php/8.2/fpm/pool.d/blog.conf"];
    let out = common::sesslint_cmd(&["check", "--format", "concise"])
        .args(staged)
        .current_dir(&dir)
        .output()
        .expect("sesslint");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stderr.contains("note: etc/php/8.2/fpm/weird.ini is not read: PHP, php-fpm, Redis, Magento and the tunnels load no file of this name"),
        "{stderr}"
    );
    assert!(stderr.contains("note: vendor/redis.conf is not read: it lies below a `vendor` directory"), "{stderr}");
    // The file that is read gets its findings and no note.
    assert!(!stderr.contains("blog.conf"), "{stderr}");
    assert!(stdout.contains("etc/php/8.2/fpm/pool.d/blog.conf:13:1: warning[SL109]"), "{stdout}");

    // Every file that is read, and sesslint.toml when it is the config, gets no note.
    std::fs::write(dir.join("sesslint.toml"), "").expect("write");
    let out = common::sesslint_cmd(&["check", "--format", "concise", "sesslint.toml", "etc/redis/redis-sessions.conf"])
        .current_dir(&dir)
        .output()
        .expect("sesslint");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("is not read"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A staged pool's findings cannot depend on a CLI setup whose files set no save path and
/// no handler but `files`: the hook does not read it. A CLI setup that sends its sessions
/// to the pool's Redis is read, and the Redis server's finding names it.
#[test]
fn a_staged_pool_reads_the_cli_setup_only_when_its_sessions_can_reach_a_server() {
    let config = Config::default();
    let overlay = Overlay::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = work_tree(&common::fixtures().join("demo"), tmp.path());
    let cli = dir.join("etc/php/8.2/cli");
    let pool = dir.join("etc/php/8.2/fpm/pool.d/blog.conf");
    let run =
        |paths: Vec<PathBuf>| check(&Request { paths, config: &config, overlay: &overlay, budget: Default::default() });
    let reads_cli = |m: &sesslint::model::Model| m.files.iter().any(|f| f.source.path.starts_with(&cli));

    let hook = run(vec![pool.clone()]);
    assert!(!reads_cli(&hook.model), "the demo's CLI php.ini keeps `files`: not read");
    let whole = run(vec![dir.clone()]);
    assert!(reads_cli(&whole.model));
    assert_eq!(hook.diagnostics, touching(&whole.model, &whole.diagnostics, &pool));
    // Staging a file of the CLI setup, or the module ini its conf.d links to, reads it.
    for file in [cli.join("php.ini"), dir.join("etc/php/8.2/mods-available/redis.ini")] {
        assert!(reads_cli(&run(vec![file.clone()]).model), "{}", file.display());
    }

    // The CLI's sessions go to blog's Redis (port 6380, database 1): SL201 there names it.
    let ini = cli.join("php.ini");
    let text = std::fs::read_to_string(&ini).expect("read");
    let text = text.replace(
        "session.save_handler = files",
        "session.save_handler = redis\nsession.save_path = \"tcp://127.0.0.1:6380?database=1\"",
    );
    std::fs::write(&ini, text).expect("write");
    let hook = run(vec![pool.clone()]);
    assert!(reads_cli(&hook.model));
    let whole = run(vec![dir.clone()]);
    let expected = touching(&whole.model, &whole.diagnostics, &pool);
    assert_eq!(hook.diagnostics, expected);
    let sl201 = expected.iter().find(|d| d.code.as_str() == "SL201").expect("SL201 names blog");
    assert!(sl201.related.iter().any(|r| r.path.ends_with("cli/php.ini")), "{:?}", sl201.related);

    // The same with the save path in a conf.d file of the CLI only.
    let conf_d = cli.join("conf.d/30-sessions.ini");
    std::fs::write(&ini, std::fs::read(dir.join("etc/php/8.2/fpm/php.ini")).expect("read")).expect("write");
    std::fs::write(&conf_d, "session.save_handler=redis\nsession.save_path=\"tcp://127.0.0.1:6380?database=1\"\n")
        .expect("write");
    let hook = run(vec![pool.clone()]);
    assert!(reads_cli(&hook.model));
    let whole = run(vec![dir.clone()]);
    assert_eq!(hook.diagnostics, touching(&whole.model, &whole.diagnostics, &pool));
}

/// The hook locates a file's secrets only when a finding it keeps quotes the file: passwords
/// planted in every kind of file it reads, quoted or not, set across lines, reached through a
/// `${name}` or on a line that does not parse, appear in no output, whichever file is staged.
#[test]
fn the_hook_shows_no_password_of_the_files_it_reads_whichever_file_is_staged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = work_tree(&common::fixtures().join("demo"), tmp.path());
    let edit = |rel: &str, from: &str, to: &str| {
        let path = dir.join(rel);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains(from), "{rel} has no `{from}`");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    };
    let php_ini = "etc/php/8.2/fpm/php.ini";
    // Next to lines the hook quotes when a pool is staged (SL110, SL111 frames), and away.
    edit(php_ini, "session.use_strict_mode = 0", "mysqli.default_pw = LazyNextToQuoted\nsession.use_strict_mode = 0");
    edit(
        php_ini,
        "session.cookie_httponly =",
        "ldap.password = \"LazyFirstLine\nLazySecondLine\"\nsession.cookie_httponly =",
    );
    edit(php_ini, "[PHP]", "[PHP]\nsess_tok = \"LazyByName\"\nmysqli.default_pw = \"LazyFarAway\"");
    let pools = "etc/php/8.2/fpm/pool.d";
    edit(
        &format!("{pools}/forum.conf"),
        "[forum]",
        "[forum]\nphp_value[session.save_path] = \"tcp://127.0.0.1:6379?auth=LazyForumPool\"",
    );
    edit(&format!("{pools}/www.conf"), "[www]", "[www]\nenv[REDIS_PASSWORD] = LazyWwwEnv");
    let redis = "etc/redis/redis-sessions.conf";
    edit(redis, "requirepass \"\"", "requirepass \"\"\nmasterauth LazyRedisQuoted");
    for file in common::files_below(&dir.join("etc/redis")) {
        if file.extension().is_some_and(|e| e == "conf") && !file.ends_with(redis) {
            let mut text = std::fs::read_to_string(&file).expect("read");
            text.push_str("\nrequirepass LazyRedisElsewhere\nmasterauth \"LazyBroken\n");
            std::fs::write(&file, text).expect("write");
        }
    }
    for env in common::files_below(&dir.join("var")).into_iter().filter(|p| p.ends_with("app/etc/env.php")) {
        let text = std::fs::read_to_string(&env).expect("read");
        std::fs::write(&env, text.replacen("'password' => '", "'password' => 'LazyEnvPhp", 1)).expect("write");
    }
    let markers = [
        "LazyNextToQuoted",
        "LazyFirstLine",
        "LazySecondLine",
        "LazyByName",
        "LazyFarAway",
        "LazyForumPool",
        "LazyWwwEnv",
        "LazyRedisQuoted",
        "LazyRedisElsewhere",
        "LazyBroken",
        "LazyEnvPhp",
    ];
    let tree = std::fs::read_dir(&dir).expect("dir").count();
    assert!(tree > 1, "the demo tree is there");
    let mut framed = 0;
    for file in common::files_below(&dir).into_iter().filter(|p| !p.starts_with(dir.join(".git"))) {
        let rel = file.strip_prefix(&dir).expect("below").to_str().expect("utf-8").to_owned();
        for format in ["human", "concise", "json", "sarif", "github", "junit"] {
            let out = common::sesslint_cmd(&["check", "--format", format, &rel])
                .current_dir(&dir)
                .env_remove("NO_COLOR")
                .output()
                .expect("sesslint");
            let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            for m in markers {
                assert!(!text.contains(m), "check --format {format} {rel} shows {m}:\n{text}");
            }
            framed += usize::from(format == "human" && text.contains("mysqli.default_pw = ********"));
        }
    }
    // The planted lines are quoted masked, not left out: a frame shows the first one.
    assert!(framed >= 4, "{framed} staged files show the password line next to a quoted one");
}

/// A frame in a large php.ini is masked from the secrets located in the lines around it
/// alone: passwords planted in those lines, above and below the frame, inside it, in a value
/// quoted across lines whose key stands far above the frame, and reached only through a
/// `${name}` in a save path never show, and the frames read as the whole tree's run (every
/// secret located) prints them. (A bare key over a `= value` line is a syntax error, which
/// has a file's secrets located while it is parsed: the windowed pass's unit tests hold it.)
#[test]
fn a_frame_in_a_large_php_ini_masks_what_the_whole_file_masks_in_its_lines() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = work_tree(&common::fixtures().join("demo"), tmp.path());
    let php_ini = dir.join("etc/php/8.2/fpm/php.ini");
    let text = std::fs::read_to_string(&php_ini).expect("read");
    let (frame, other) = ("session.use_strict_mode = 0", "session.cookie_httponly =");
    assert!(text.len() > 32 * 1024 && text.contains(frame) && text.contains(other), "a large php.ini");
    // SL110's frame shows the line above and below `frame`, SL111's those around `other`;
    // the window around each holds six lines more on each side.
    let mut above = vec!["mysqli.default_pw = WinFarAbove", "ldap.password = \"WinKeyFarAbove"];
    above.extend([""; 9]);
    above.push("WinQuotedInFrame\"");
    let below = ["ref_target = \"WinByReference\"", "mysqli.default_pw = WinTwoBelow", "", "", ""];
    let planted = [above.join("\n"), frame.to_owned(), below.join("\n"), "redis.session.auth = WinAtTheEdge".into()];
    let text = text
        .replacen(frame, &planted.join("\n"), 1)
        .replacen(other, &format!("mysqli.default_pw = WinAboveOther\n{other}"), 1)
        .replacen("[Session]", "[Session]\nsession.save_path = \"tcp://127.0.0.1:6399?auth=${ref_target}\"", 1);
    std::fs::write(&php_ini, text).expect("write");
    let markers = [
        "WinFarAbove",
        "WinKeyFarAbove",
        "WinQuotedInFrame",
        "WinByReference",
        "WinTwoBelow",
        "WinAtTheEdge",
        "WinAboveOther",
    ];
    let staged = "etc/php/8.2/fpm/pool.d/blog.conf";
    let out = common::sesslint_cmd(&["check", staged]).current_dir(&dir).output().expect("sesslint");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("session.use_strict_mode = 0"), "the SL110 frame is shown:\n{shown}");
    for line in ["│ ********\n", "│ ref_target = ********\n", "│ mysqli.default_pw = ********\n"] {
        assert!(shown.contains(line), "the lines around the frames are shown, masked ({line}):\n{shown}");
    }
    for m in markers {
        assert!(!shown.contains(m), "the hook shows {m}:\n{shown}");
    }
    // The same frames as the whole tree's run prints for the same findings.
    let (config, overlay) = (Config::default(), Overlay::new());
    let request =
        |paths: Vec<PathBuf>| Request { paths, config: &config, overlay: &overlay, budget: Default::default() };
    let whole = check(&request(vec![dir.clone()]));
    let hook = check(&request(vec![dir.join(staged)]));
    let ini = whole.model.files.iter().find(|f| f.source.path == php_ini).expect("php.ini read");
    assert!(ini.syntax_errors.is_empty(), "a php.ini without errors leaves its secrets for the report");
    let expected = touching(&whole.model, &whole.diagnostics, &dir.join(staged));
    assert_eq!(hook.diagnostics, expected);
    let (a, b) =
        (render(Format::Human, &hook.model, &hook.diagnostics), render(Format::Human, &whole.model, &expected));
    assert_eq!(a, b);
}

/// The named file's work tree is found by one walk up, shared by the project root and the
/// out-of-tree check: a `.git` file (a linked worktree) is a work tree's top, a symlinked
/// top keeps its spelling, a directory symlinked out of the tree is still refused, and a
/// `sesslint.toml` above the work tree is still the config.
#[test]
fn the_named_files_work_tree_is_found_as_a_git_file_a_symlinked_top_and_an_outer_config_say() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    let st = Command::new("cp").arg("-a").arg(common::fixtures().join("demo")).arg(&repo).status().expect("cp");
    assert!(st.success());
    std::fs::write(repo.join(".git"), "gitdir: /nowhere/.git/worktrees/repo\n").expect("write .git");
    std::os::unix::fs::symlink("repo", tmp.path().join("link")).expect("symlink");
    let pool = "etc/php/8.2/fpm/pool.d";
    std::fs::create_dir(tmp.path().join("outside")).expect("mkdir");
    std::fs::copy(repo.join(pool).join("blog.conf"), tmp.path().join("outside/blog.conf")).expect("copy");
    std::os::unix::fs::symlink("../../../../../../outside", repo.join(pool).join("sub")).expect("symlink");
    let run = |cwd: &Path, file: &str| {
        let out = common::sesslint_cmd(&["check", "--verbose", "--format", "concise", file])
            .current_dir(cwd)
            .output()
            .expect("sesslint");
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };

    // At the top of a worktree whose .git is a file: the root is ".", paths stay relative.
    let (stdout, stderr) = run(&repo, &format!("{pool}/blog.conf"));
    assert!(stderr.contains("sesslint: root . ("), "{stderr}");
    assert!(stdout.contains(&format!("{pool}/blog.conf:13:1: warning[SL109]")), "{stdout}");
    assert!(!stdout.contains("SL002"), "{stdout}");

    // Named through a symlink to the top, from outside: the root is the link, as spelled
    // (relative, as the file was named).
    let (stdout, stderr) = run(tmp.path(), &format!("link/{pool}/blog.conf"));
    assert!(stderr.contains("sesslint: root link ("), "{stderr}");
    let at = format!("link/{pool}/blog.conf:13:1: warning[SL109]");
    assert!(stdout.lines().any(|l| l.starts_with(&at)), "{stdout}");
    assert!(!stdout.contains("SL002"), "{stdout}");

    // Spelled inside the tree, resolved out of it through a symlinked directory: refused.
    let (stdout, _) = run(&repo, &format!("{pool}/sub/blog.conf"));
    // Where it leads is not said: that is this machine's, not the tree's.
    let outside = tmp.path().join("outside/blog.conf").canonicalize().expect("canonical");
    assert!(
        stdout.contains(&format!("{pool}/sub/blog.conf:1:1: warning[SL002] could not read {pool}/sub/blog.conf: it leads outside the checked tree")),
        "{stdout}"
    );
    assert!(!stdout.contains(&outside.display().to_string()), "{stdout}");
    assert!(!stdout.contains("SL109"), "{stdout}");

    // A sesslint.toml above the work tree is found and applied.
    std::fs::write(tmp.path().join("sesslint.toml"), "ignore = [\"SL109\"]\n").expect("write");
    let (stdout, stderr) = run(&repo, &format!("{pool}/blog.conf"));
    assert!(stderr.contains(&format!("sesslint: config {}", tmp.path().join("sesslint.toml").display())), "{stderr}");
    assert!(stdout.contains("blog.conf:14:1: warning[SL107]"), "{stdout}");
    assert!(!stdout.contains("SL109"), "{stdout}");
}
