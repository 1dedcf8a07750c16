//! The `sesslint` command line: argument parsing and exit codes only.
// The entry is `start::run`, not std's start-up (see there); test builds keep the harness's.
#![cfg_attr(not(test), no_main)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sesslint::codes::Selector;
use sesslint::config::Config;
use sesslint::diagnostic::Severity;
use sesslint::model::BuildOptions;
use sesslint::parse_output::ParseOptions;
use sesslint::report::{Format, ReportContext};
use sesslint::syntax::FileKind;

mod cli;
mod progress;
#[cfg(not(test))]
mod start;

#[derive(Parser)]
#[command(
    name = "sesslint",
    version,
    about = "Where do my PHP sessions live, is that safe, and how do I move them to Redis?",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// `sesslint PATH...` is `sesslint check PATH...`.
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Check the configuration under PATH... (the default command).
    Check(CheckArgs),
    /// Show where each PHP setup, pool and Magento install keeps its sessions, and why.
    Show(ShowArgs),
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = DocFormat::Text)]
        format: DocFormat,
    },
    /// Explain one rule: what it does, why it matters, an example and the fix.
    Rule {
        /// A code (SL201) or a name (redis-missing-auth).
        code: String,
        #[arg(long, value_enum, default_value_t = DocFormat::Text)]
        format: DocFormat,
    },
    /// Print the values of config files as PHP or redis-server sees them.
    ///
    /// Exit 0 when the real program accepts every file, 1 when it would refuse one
    /// (the reason goes to stderr), 2 for usage errors, unreadable files and directories
    /// (check takes those), and a file whose values are partial: a redis.conf `include`
    /// sesslint does not read (outside the checked tree) is listed unexpanded, the lines
    /// after it still are, and stderr says so. With
    /// `--root DIR` (a copied tree, not `/`), a redis.conf `dir` or `logfile` whose
    /// directory the copy lacks is a note on stderr and no refusal, as `check` ignores
    /// such machine paths; without `--root` or with `--root /` it is redis-server's refusal.
    Parse {
        /// Output format: `json` prints one compact JSON document per file (one per line).
        #[arg(long, value_enum, default_value_t = ParseFormat::Text)]
        format: ParseFormat,
        /// The file's dialect; detected from its name and content when absent.
        #[arg(long, value_enum)]
        kind: Option<FileKind>,
        /// A value for `${NAME}` in ini files (repeatable). sesslint never uses its own
        /// environment: what PHP sees is PHP's environment.
        #[arg(long, value_name = "NAME=VALUE")]
        env: Vec<String>,
        /// Print passwords instead of `********`.
        #[arg(long)]
        show_secrets: bool,
        /// Resolve absolute paths in a redis.conf (`include /etc/redis/...`) below DIR, as
        /// `check --root` does; without it only the file's directory and the current one
        /// are read.
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// The files to print (php.ini or conf.d ini, php-fpm pool or php-fpm.conf, env.php,
        /// redis.conf or valkey.conf, an ACL file), each with the includes it reads.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run the language server (LSP over stdin/stdout) for editors.
    ///
    /// It takes no arguments; the editor passes settings as initializationOptions:
    /// `showSecrets` (bool: print passwords instead of `********`, default false), `root`
    /// (string: the directory absolute paths inside configs resolve under, as --root),
    /// `maxHostMib` and `maxRunMib` (whole MiB in 1..=1048576, as --max-host-mib and
    /// --max-run-mib; default 64 and 1024). `maxHostMib` and `maxRunMib` may also change
    /// later through workspace/didChangeConfiguration, at the top or under `sesslint`.
    Lsp,
    /// Put back the files the last `check --fix` (or `migrate --apply`) replaced, from
    /// its backups in PATH/.sesslint/backups/; files it created are removed.
    ///
    /// Reads the manifest `.sesslint/restore.json` the apply wrote in PATH (the directory
    /// given to it, or the directory of the file given; default: the current directory),
    /// or `.sesslint-restore.json` written by sesslint 0.1.0. Only the last apply is undone;
    /// the backups of the 9 applies before it stay for recovery by hand.
    /// Exit 1 when a file changed after the apply (nothing is restored then).
    Restore {
        /// The directory the apply was given, or a file in it (default: the current
        /// directory).
        path: Option<PathBuf>,
    },
    /// Move sessions from files to Redis: php.ini, php-fpm pools and Magento's env.php
    /// (and with --harden-redis the server's redis.conf).
    ///
    /// Prints a unified diff and a summary and writes nothing, unless --apply (or
    /// --write-plan / --apply-plan). The password comes from --password-env or
    /// --password-file and is masked in the preview. Exit 1 when the tree cannot be
    /// migrated as asked (the reason names what is missing), 2 for usage errors.
    Migrate(Box<cli::migrate::MigrateArgs>),
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page sesslint(1) in roff, or write it and one page per subcommand.
    Manpage {
        /// Write `sesslint.1` and `sesslint-SUBCOMMAND.1` into this directory instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Connect to the running Redis servers the configuration names, as the session
    /// clients do, and report what they answer (SL5xx). Never part of `check`.
    Probe(cli::probe::ProbeArgs),
}

#[derive(Args, Clone, Debug)]
struct CommonArgs {
    /// Files or directories to check (default: the current directory).
    paths: Vec<PathBuf>,
    /// Resolve absolute paths inside configs under this directory (like `augtool -r`).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Print passwords instead of `********`.
    #[arg(long)]
    show_secrets: bool,
    /// Say how the tree was read (the root, the files found).
    #[arg(long, short)]
    verbose: bool,
    /// An Ansible inventory naming the fleet's hosts and their addresses: the JSON of
    /// `ansible-inventory --list`, or an inventory file in YAML (`.yml`, `.yaml`) or INI;
    /// outside the checked trees its errors quote none of it, and an INI one's hosts
    /// without a tree are counted, not named.
    #[arg(long, value_name = "FILE")]
    inventory: Option<PathBuf>,
    /// Parse at most N MiB of config files per host of a fleet (per tree outside one);
    /// files past it are not parsed, each an SL002 error [default: 64].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_MIB))]
    max_host_mib: Option<u64>,
    /// Parse at most N MiB of config files in the whole run (a fleet of ~3,500 hosts of
    /// 300 KB fits the default); files past it are not parsed, each an SL002 error
    /// [default: 1024].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_MIB))]
    max_run_mib: Option<u64>,
}

/// The largest `--max-host-mib` / `--max-run-mib`: 1 TiB, far past any real fleet; a
/// larger number is a typo more likely than a need.
const MAX_MIB: u64 = sesslint::model::ParseBudget::MAX_MIB;

impl CommonArgs {
    /// The build's budget of bytes parsed: the defaults raised or lowered by
    /// `--max-host-mib` and `--max-run-mib` (MiB; 1..=[`MAX_MIB`], checked by clap).
    fn budget(&self) -> sesslint::model::ParseBudget {
        let d = sesslint::model::ParseBudget::default();
        sesslint::model::ParseBudget {
            host_bytes: self.max_host_mib.map_or(d.host_bytes, |n| n << 20),
            run_bytes: self.max_run_mib.map_or(d.run_bytes, |n| n << 20),
        }
    }
}

/// The hosts `--inventory` declares, or exit 2 saying why the file cannot be read.
fn inventory_hosts(common: &CommonArgs) -> Result<Vec<sesslint::model::HostDecl>, ExitCode> {
    match &common.inventory {
        None => Ok(Vec::new()),
        Some(p) => {
            let inside = named_file_inside(p, common);
            sesslint::model::inventory::load(p, inside).map_err(|e| {
                if inside {
                    eprintln!("sesslint: --inventory {}", sesslint::printable(&e));
                } else {
                    outside_file_unusable("--inventory", p, None);
                }
                ExitCode::from(2)
            })
        }
    }
}

#[derive(Args, Clone, Debug)]
struct CheckArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Exit 1 when a finding at or above this severity remains [default: warning, or the
    /// config's `fail-on`].
    #[arg(long, value_enum)]
    fail_on: Option<Severity>,
    /// The config file (default: the nearest sesslint.toml at or above the first path); outside
    /// the checked trees its errors quote none of it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Run only these codes, prefixes or rule names, or ALL (replaces the config's
    /// `select`), e.g. `SL2,SL303,redis-missing-auth`.
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Also skip these codes, prefixes or rule names, or ALL (added to the config's `ignore`).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Print how many findings each rule has (most first) instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// Print the findings and nothing else: no summary line, no progress display.
    #[arg(long, short, conflicts_with = "verbose")]
    quiet: bool,
    /// Apply the safe fixes (each file replaced atomically, its original kept in
    /// .sesslint/backups/; `sesslint restore` undoes), then report the findings that remain.
    #[arg(long)]
    fix: bool,
    /// With --fix or --diff: apply the fixes that change behaviour too.
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print the fixes as a unified diff and write nothing; exit 1 when something would
    /// change or a file was left out (SL002, named on stderr), 0 when nothing would.
    #[arg(long, conflicts_with = "fix")]
    diff: bool,
    /// Save the fixes (safe ones; with --unsafe-fixes all) as a plan file (JSON, mode 0600)
    /// and print their diff, writing nothing else; apply it later with --apply-plan.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff"])]
    write_plan: Option<PathBuf>,
    /// Apply a plan saved by --write-plan: refused whole, before any write, when a file no
    /// longer has the content the plan was made on; then report the findings.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff", "write_plan", "unsafe_fixes"])]
    apply_plan: Option<PathBuf>,
    /// Check standard input (the path `-`) as if it were the file PATH in its tree, which
    /// need not exist yet; only the findings that touch PATH are shown.
    /// (`--fix` and `--diff` write files and are not for standard input.)
    #[arg(long, value_name = "PATH", conflicts_with_all = ["fix", "diff"])]
    stdin_filename: Option<PathBuf>,
}

#[derive(Args, Clone)]
struct ShowArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[arg(long, value_enum, default_value_t = ParseFormat::Text)]
    format: ParseFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ParseFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum DocFormat {
    /// Drawn for a terminal (bold headings); plain markdown when not on a terminal.
    Text,
    /// One JSON document: code, name, severity (and the others it may have), summary, doc.
    Json,
    /// Markdown: for `rules`, the whole catalogue as in docs/rules.md.
    Markdown,
}

/// Subcommand names, for moving options written before them and for "unknown command".
const COMMANDS: &[&str] = &[
    "check",
    "show",
    "rules",
    "rule",
    "parse",
    "lsp",
    "restore",
    "migrate",
    "completions",
    "manpage",
    "probe",
    "help",
];

/// Options (of any command) that take a value, so that their value is not taken for a
/// command or a path. Kept by hand (building clap's whole command costs a staged file's
/// start-up); a test holds it equal to what clap's definitions take a value for.
const VALUED: &[&str] = &[
    "--root",
    "--format",
    "--fail-on",
    "--config",
    "--select",
    "--ignore",
    "--output-file",
    "-o",
    "--kind",
    "--write-plan",
    "--apply-plan",
    "--dir",
    "--stdin-filename",
    "--max-host-mib",
    "--max-run-mib",
    "--inventory",
    "--redis",
    "--password-env",
    "--password-file",
    "--user",
    "--database",
    "--env",
];

/// The command line as clap should see it: options written before the subcommand
/// (`sesslint -v check PATH`) move after it, and a first word that is neither a command nor
/// an existing path is an unknown command (exit 2 with a suggestion).
fn normalise_args(args: Vec<std::ffi::OsString>) -> Result<Vec<std::ffi::OsString>, ExitCode> {
    let mut i = 1;
    while i < args.len() {
        let a = args[i].to_string_lossy();
        if a == "--" {
            return Ok(args);
        }
        if a.starts_with('-') && a.len() > 1 {
            i += if VALUED.contains(&a.as_ref()) { 2 } else { 1 };
            continue;
        }
        break;
    }
    let Some(word) = args.get(i).map(|a| a.to_string_lossy().into_owned()) else { return Ok(args) };
    if word == "-" {
        return Ok(args); // standard input, for `--stdin-filename`
    }
    if COMMANDS.contains(&word.as_str()) {
        if i == 1 {
            return Ok(args);
        }
        let mut out = vec![args[0].clone(), args[i].clone()];
        out.extend(args[1..i].iter().cloned());
        out.extend(args[i + 1..].iter().cloned());
        return Ok(out);
    }
    let looks_like_word = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if looks_like_word && std::fs::symlink_metadata(&word).is_err() {
        let next = args.get(i + 1).map(|a| a.to_string_lossy().into_owned()).unwrap_or_default();
        let hint = if sesslint::rules::find(&next).is_some() {
            format!("; to explain a rule: `sesslint rule {next}`")
        } else if let Some(c) = closest_command(&word) {
            format!("; did you mean `sesslint {c}`?")
        } else {
            String::new()
        };
        eprintln!(
            "sesslint: unknown command `{word}`{hint} (commands: {}; a path to check must exist)",
            COMMANDS.join(", ")
        );
        return Err(ExitCode::from(2));
    }
    Ok(args)
}

/// The command a mistyped word is closest to (edit distance at most 2).
fn closest_command(word: &str) -> Option<&'static str> {
    let distance = |a: &str, b: &str| {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + usize::from(a[i - 1] != b[j - 1]));
            }
            prev = cur;
        }
        prev[b.len()]
    };
    COMMANDS.iter().map(|c| (distance(word, c), *c)).filter(|(d, _)| *d <= 2).min().map(|(_, c)| c)
}

/// `sesslint check ARGS...` (what the pre-commit hook runs) parsed by a command that has
/// only `check`'s arguments: clap builds every subcommand's for [`Cli`], a third of a staged
/// file's start-up. `None` for any other command line and for one clap refuses here (help
/// included), which [`Cli`] then parses, or explains, as ever.
fn check_only(args: &[std::ffi::OsString]) -> Option<CheckArgs> {
    use clap::FromArgMatches;
    if args.get(1)? != "check" {
        return None;
    }
    if let Some(plain) = paths_only(&args[2..]) {
        return Some(plain);
    }
    let command = <CheckArgs as Args>::augment_args(clap::Command::new("check")).no_binary_name(true);
    let mut matches = command.try_get_matches_from(&args[2..]).ok()?;
    CheckArgs::from_arg_matches_mut(&mut matches).ok()
}

/// `check PATH...` with paths only (what the hook runs): the arguments clap would give,
/// without building its command (most of a staged file's start-up left). `None` when any
/// word is empty or starts with `-` (an option, `-`, `--`): clap parses those.
fn paths_only(words: &[std::ffi::OsString]) -> Option<CheckArgs> {
    if words.is_empty() || words.iter().any(|w| w.is_empty() || w.as_encoded_bytes().starts_with(b"-")) {
        return None;
    }
    Some(CheckArgs {
        common: CommonArgs {
            paths: words.iter().map(PathBuf::from).collect(),
            root: None,
            show_secrets: false,
            verbose: false,
            inventory: None,
            max_host_mib: None,
            max_run_mib: None,
        },
        format: Format::Human,
        fail_on: None,
        config: None,
        select: Vec::new(),
        ignore: Vec::new(),
        statistics: false,
        output_file: None,
        quiet: false,
        fix: false,
        unsafe_fixes: false,
        diff: false,
        write_plan: None,
        apply_plan: None,
        stdin_filename: None,
    })
}

/// The C entry point glibc's `__libc_start_main` calls (std reads the arguments itself).
#[cfg(not(test))]
#[no_mangle]
extern "C" fn main(_argc: std::ffi::c_int, _argv: *const *const std::ffi::c_char) -> std::ffi::c_int {
    start::run(run_cli)
}

/// C's `pow` for its one caller in the binary, indicatif's rate and ETA estimates: defined
/// here, the linker binds that call in the binary and leaves libm.so.6 out, which every start
/// would otherwise map and relocate for this one function (9 page faults, 8 system calls).
#[cfg(not(test))]
#[no_mangle]
extern "C" fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// What `sesslint --version` prints: the name and version, as clap's `--version` does.
const VERSION_LINE: &str = concat!("sesslint ", env!("CARGO_PKG_VERSION"), "\n");

/// The command line run: what `main` is for std.
#[cfg_attr(test, allow(dead_code))]
fn run_cli() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let [_, flag] = &args[..] {
        if flag == "--version" || flag == "-V" {
            // clap's answer (`tests::the_version_line_is_claps`) without building every
            // subcommand's arguments first (0.29 M of 0.70 M instructions).
            // A full disk is said and exits 2 (as `check`); a closed pipe is no error.
            return cli::docs::print_doc(VERSION_LINE);
        }
    }
    let args = match normalise_args(args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if let Some(check) = check_only(&args) {
        return run_check(&check);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        // `--help` (and clap's `--version` after a subcommand) go to stdout: a write that
        // fails is said (clap's own exit drops the error and exits 0).
        Err(e) if !e.use_stderr() => {
            let mut out = std::io::stdout().lock();
            return match e.print().and_then(|()| out.flush()) {
                Err(w) if w.kind() != std::io::ErrorKind::BrokenPipe => write_failed(&w, None),
                _ => ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2)),
            };
        }
        Err(e) => e.exit(),
    };
    match cli.command {
        None => run_check(&cli.check),
        Some(Command::Check(args)) => run_check(&args),
        Some(Command::Show(args)) => run_show(&args),
        Some(Command::Rules { format }) => cli::docs::run_rules(format),
        Some(Command::Rule { code, format }) => cli::docs::run_rule(&code, format),
        Some(Command::Parse { format, kind, env, show_secrets, root, files }) => {
            if let Some(Err(code)) = root.as_deref().map(usable_root) {
                return code;
            }
            let mut options = ParseOptions { kind, show_secrets, env: Vec::new(), root, referenced: Vec::new() };
            for pair in env {
                match pair.split_once('=') {
                    Some((name, value)) if !name.is_empty() => {
                        options.env.push((name.as_bytes().to_vec(), value.as_bytes().to_vec()))
                    }
                    _ => {
                        eprintln!("sesslint: --env {pair}: expected NAME=VALUE");
                        return ExitCode::from(2);
                    }
                }
            }
            run_parse(format, &options, &files)
        }
        Some(Command::Restore { path }) => cli::fix::run_restore(path.as_deref()),
        Some(Command::Migrate(args)) => cli::migrate::run(&args),
        Some(Command::Completions { shell }) => cli::completions::run(shell),
        Some(Command::Manpage { dir }) => cli::manpage::run(dir.as_deref()),
        Some(Command::Probe(args)) => cli::probe::run(&args),
        Some(Command::Lsp) => match sesslint::lsp::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("sesslint lsp: {e}");
                ExitCode::from(1)
            }
        },
    }
}

fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The paths and `--root` exist, or exit 2 saying which does not.
fn paths_exist(common: &CommonArgs) -> Result<(), ExitCode> {
    for p in &common.paths {
        if std::fs::symlink_metadata(p).is_err() {
            eprintln!("sesslint: {}: no such file or directory", sesslint::display_path(p));
            return Err(ExitCode::from(2));
        }
    }
    if let Some(r) = &common.root {
        usable_root(r)?;
    }
    Ok(())
}

/// `--root DIR` is a directory and, named inside a git work tree (pre-commit's `args:` come
/// from the repository), does not lead out of it through a symlink; else exit 2.
fn usable_root(r: &std::path::Path) -> Result<(), ExitCode> {
    if !r.is_dir() {
        eprintln!("sesslint: --root {}: not a directory", sesslint::display_path(r));
        return Err(ExitCode::from(2));
    }
    if let Some(why) = sesslint::leaves_work_tree(r) {
        eprintln!("sesslint: --root {}: {why}", sesslint::display_path(r));
        return Err(ExitCode::from(2));
    }
    Ok(())
}

/// Whether a file named by `--config` or `--inventory` is inside the checked trees: the
/// work tree (or directory) of the current directory, of each checked path and of `--root`.
/// Outside them (a pre-commit hook's `args:` come from the repository and may name
/// `~/.aws/credentials`) it is still read, but its errors quote none of its text.
fn named_file_inside(file: &std::path::Path, common: &CommonArgs) -> bool {
    let trees: Vec<PathBuf> =
        std::iter::once(PathBuf::from(".")).chain(common.paths.iter().cloned()).chain(common.root.clone()).collect();
    !matches!(
        sesslint::Confinement::for_detected_root(&trees).resolve(file),
        Err(sesslint::Refusal::Outside { .. } | sesslint::Refusal::Pseudo { .. })
    )
}

/// What is said of a file outside the checked trees that `flag` names and that cannot be used.
fn outside_file_unusable(flag: &str, file: &std::path::Path, at: Option<(usize, usize)>) {
    let at = at.map_or(String::new(), |(line, column)| format!(":{line}:{column}"));
    eprintln!(
        "sesslint: {flag} {}{at}: not usable; the reason is not shown because it would quote the file, which is outside the checked trees (run sesslint where the file is to see it)",
        sesslint::display_path(file)
    );
}

/// Build the model, or say why the paths cannot be looked at.
fn model(common: &CommonArgs) -> Result<sesslint::model::Model, ExitCode> {
    model_reading(common, false)
}

/// [`model`]; `as_check`: named files are read as `check` reads them
/// (`check::scan_for`: the tree they are part of), so that `show FILE` describes the model
/// `check FILE` judges.
fn model_reading(common: &CommonArgs, as_check: bool) -> Result<sesslint::model::Model, ExitCode> {
    paths_exist(common)?;
    let paths = if common.paths.is_empty() { vec![PathBuf::from(".")] } else { common.paths.clone() };
    // `redis-version` in sesslint.toml decides which Redis rules `show` describes.
    let found = Config::find(paths.first().map_or(std::path::Path::new("."), |p| p.as_path()));
    let config = found.and_then(|p| Config::load(&p).ok()).unwrap_or_default();
    let mut hosts = config.hosts.clone();
    hosts.extend(inventory_hosts(common)?);
    // --root wins over sesslint.toml's `root`, as in `check`.
    let (root, root_origin) = match &common.root {
        Some(r) => (Some(r.as_path()), None),
        None => (config.root.as_deref(), config.root_origin.as_deref()),
    };
    let progress = progress::Progress::for_check(false, common.verbose);
    let on_file = |done, total| progress.update(done, total);
    let options = BuildOptions {
        root,
        root_origin,
        redis_version: config.redis_version.as_ref(),
        hosts: &hosts,
        on_file: Some(&on_file),
        budget: common.budget(),
        ..Default::default()
    };
    let scan = match as_check {
        true => {
            let mut as_configured = config.clone();
            if common.root.is_some() {
                as_configured.root = common.root.clone();
            }
            sesslint::check::scan_for(&paths, &as_configured).0
        }
        false => paths,
    };
    let model = sesslint::model::build(&scan, &options);
    progress.finish();
    if common.verbose {
        say_files_read(&model);
    }
    Ok(model)
}

/// `--verbose`: the root, what a whole-machine check walked and skipped, and every file
/// read, with its role.
fn say_files_read(model: &sesslint::model::Model) {
    eprintln!("sesslint: root {} ({})", sesslint::display_path(&model.root), sesslint::printable(&model.root_reason));
    if let Some(scope) = &model.scope {
        for w in &scope.walked {
            let how = if w.recursive { "" } else { " (only the files directly in it)" };
            eprintln!("sesslint: walked {}{how}", sesslint::display_path(&w.path));
        }
        for s in &scope.skipped {
            // /proc, /sys and /dev are refused even when named: nothing to advise there.
            let pseudo = s.path.parent() == Some(scope.root.as_path())
                && s.path.file_name().is_some_and(|n| n == "proc" || n == "sys" || n == "dev");
            let advice = if pseudo { "never read" } else { "name it to check it" };
            eprintln!("sesslint: skipped {}: {}; {advice}", sesslint::display_path(&s.path), s.reason);
        }
    }
    for f in &model.files {
        eprintln!("sesslint: read {} as {}", sesslint::display_path(&f.source.path), f.role.as_str());
    }
}

/// The config file's settings with the command line's on top.
fn config(args: &CheckArgs) -> Result<Config, ExitCode> {
    let found = match &args.config {
        Some(p) => Some(p.clone()),
        // Standard input stands for --stdin-filename's file: its config is that file's.
        None => Config::find(
            args.stdin_filename.as_deref().or(args.common.paths.first().map(PathBuf::as_path)).unwrap_or(".".as_ref()),
        ),
    };
    let mut config = match &found {
        Some(p) => Config::load(p).map_err(|e| {
            // A sesslint.toml found above the work tree is no less outside than a --config.
            if named_file_inside(p, &args.common) {
                eprintln!("sesslint: {e}");
            } else {
                outside_file_unusable("config", p, Some((e.line, e.column)));
            }
            ExitCode::from(2)
        })?,
        None => Config::default(),
    };
    for note in &config.notes {
        eprintln!("sesslint: {note}");
    }
    // Codes, prefixes or rule names, as `sesslint rule` takes them; an old name is said.
    let selectors = |codes: &[String]| -> Result<Vec<Selector>, ExitCode> {
        let parsed = codes.iter().map(|c| Selector::parse(c)).collect::<Result<_, _>>().map_err(|e| {
            eprintln!("sesslint: {e}");
            ExitCode::from(2)
        })?;
        for note in codes.iter().filter_map(|c| sesslint::codes::Code::renamed_note(c)) {
            eprintln!("sesslint: {note}");
        }
        Ok(parsed)
    };
    let (select, ignore) = (selectors(&args.select)?, selectors(&args.ignore)?);
    if !select.is_empty() {
        config.select = select;
    }
    config.ignore.extend(ignore);
    if let Some(r) = &args.common.root {
        config.root = Some(r.clone());
        config.root_origin = None;
    }
    if let Some(f) = args.fail_on {
        config.fail_on = Some(f);
    }
    config.hosts.extend(inventory_hosts(&args.common)?);
    Ok(config)
}

fn run_check(args: &CheckArgs) -> ExitCode {
    let stdin = match stdin_request(args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let config = match config(args) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if stdin.is_none() {
        if let Err(code) = paths_exist(&args.common) {
            return code;
        }
    }
    if args.fix || args.diff || args.unsafe_fixes || args.write_plan.is_some() || args.apply_plan.is_some() {
        if stdin.is_some() {
            eprintln!("sesslint: --stdin-filename checks a buffer; fixes and plans are for files");
            return ExitCode::from(2);
        }
        return cli::fix::run(args, &config);
    }
    let stdin_given_none = stdin.is_none();
    let progress = progress::Progress::for_check(args.quiet, args.common.verbose);
    let on_file = |done, total| progress.update(done, total);
    let outcome = match stdin {
        Some((path, bytes)) => {
            match sesslint::check::check_buffer(&path, bytes, &config, args.common.budget(), &on_file) {
                Ok(o) => o,
                Err(e) => {
                    progress.finish();
                    eprintln!("sesslint: --stdin-filename {e}");
                    return ExitCode::from(2);
                }
            }
        }
        None => {
            let overlay = sesslint::model::Overlay::new();
            sesslint::check::check_observed(
                &sesslint::check::Request {
                    paths: args.common.paths.clone(),
                    config: &config,
                    overlay: &overlay,
                    budget: args.common.budget(),
                },
                &on_file,
            )
        }
    };
    progress.finish();
    let (model, diagnostics) = (outcome.model, outcome.diagnostics);
    if stdin_given_none {
        say_named_files_not_read(&args.common.paths, &config, &model);
    }
    if args.common.verbose {
        say_files_read(&model);
        if let Some(p) = &config.path {
            eprintln!("sesslint: config {}", sesslint::display_path(p));
        }
    }
    let code = report_findings(args, &config, &model, &diagnostics);
    // The process ends here: freeing a fleet's model (millions of small allocations, a
    // tenth of a second) would only delay the exit. Everything is written by now.
    std::mem::forget(model);
    std::mem::forget(diagnostics);
    code
}

/// A `sesslint.toml` (the checked repository's own, perhaps) that keeps files not read as
/// the programs read them from failing the run says so on stderr, once: a broken tree never
/// passes without a word (`check::silenced_refusals`).
pub(crate) fn say_silenced_refusals(config: &Config, model: &sesslint::model::Model) {
    let (Some(path), silenced) = (&config.path, sesslint::check::silenced_refusals(model, config)) else { return };
    if silenced.is_empty() {
        return;
    }
    let total: usize = silenced.iter().map(|s| s.1).sum();
    let list: Vec<String> = silenced.iter().map(|(code, n)| format!("{n} {code} {}", code.name())).collect();
    eprintln!(
        "sesslint: note: {} keeps {total} finding{} from failing this run that fail it with the default settings ({}): lines PHP, php-fpm or redis-server refuse, or files sesslint did not read",
        sesslint::display_path(path),
        if total == 1 { "" } else { "s" },
        list.join(", ")
    );
}

/// When only files are named (a pre-commit run), one note on stderr for each that the
/// model does not hold and none of its unreadable files names: discovery passed it over
/// (`weird.ini`), and a hook that prints nothing about the file it was given would pass it
/// silently. The config file in use is read as such and needs no note.
fn say_named_files_not_read(paths: &[PathBuf], config: &Config, model: &sesslint::model::Model) {
    let files_only = !paths.is_empty() && paths.iter().all(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()));
    if !files_only {
        return;
    }
    let read = || {
        let files = model.files.iter().map(|f| f.source.path.as_path());
        let unread = model.unreadable.iter().chain(&model.over_budget).map(|u| u.path.as_path());
        files.chain(unread).chain(config.path.as_deref())
    };
    // A file named as the model spells it (pre-commit runs at the work tree's top, where the
    // model spells `./etc/x` what the hook names `etc/x`) is read: only the others need every
    // file of the tree resolved, a `realpath` each.
    fn spelling(p: &std::path::Path) -> &std::path::Path {
        p.strip_prefix(".").unwrap_or(p)
    }
    let spelled: std::collections::HashSet<&std::path::Path> = read().map(spelling).collect();
    let pending: Vec<&PathBuf> = paths.iter().filter(|p| !spelled.contains(spelling(p.as_path()))).collect();
    if pending.is_empty() {
        return;
    }
    let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let seen: std::collections::HashSet<PathBuf> = read().map(canonical).collect();
    for p in pending {
        if !seen.contains(&canonical(p)) {
            eprintln!("sesslint: note: {} is not read: {}", sesslint::display_path(p), sesslint::why_not_read(p));
        }
    }
}

/// Print `diagnostics` of `model` as `args` asks; the exit code says whether one reaches
/// `fail-on`.
fn report_findings(
    args: &CheckArgs,
    config: &Config,
    model: &sesslint::model::Model,
    diagnostics: &[sesslint::diagnostic::Diagnostic],
) -> ExitCode {
    if model.files.is_empty() && model.unreadable.is_empty() && model.over_budget.is_empty() && diagnostics.is_empty() {
        // A wrong path in CI would otherwise pass as "0 errors": say so on stderr (stdout
        // stays valid JSON/SARIF); exit 0, as README "Running on untrusted repositories" says.
        let under: Vec<String> = args.common.paths.iter().map(|p| sesslint::display_path(p)).collect();
        let under = if under.is_empty() { ".".to_string() } else { under.join(", ") };
        eprintln!(
            "sesslint: note: no configuration that decides PHP sessions (php.ini, php-fpm, env.php, redis.conf, tunnels) was found under {under}"
        );
    }
    say_renamed_in_suppressions(model);
    say_silenced_refusals(config, model);
    let fail_on = config.fail_on.unwrap_or(Severity::Warning);
    let to_terminal = args.output_file.is_none() && color();
    let mut ctx = ReportContext::new(model, args.common.show_secrets, to_terminal && args.format == Format::Human);
    ctx.quiet = args.quiet;
    let mut out: Box<dyn Write> = match &args.output_file {
        None => Box::new(std::io::stdout().lock()),
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("sesslint: --output-file {}: {e}", sesslint::display_path(path));
                return ExitCode::from(2);
            }
        },
    };
    let written = match (args.statistics, args.format) {
        (true, Format::Json) => sesslint::report::statistics::write_json(diagnostics, &mut out),
        (true, Format::Human | Format::Concise) => sesslint::report::statistics::write_text(diagnostics, &mut out),
        (true, other) => {
            eprintln!(
                "sesslint: --statistics prints a table (human, concise) or JSON (--format json); --format {} has no statistics form",
                format!("{other:?}").to_lowercase()
            );
            return ExitCode::from(2);
        }
        (false, format) => format.write(diagnostics, &ctx, &mut out),
    };
    if let Err(e) = written.and_then(|_| out.flush()) {
        return write_failed(&e, args.output_file.as_deref());
    }
    if diagnostics.iter().flat_map(|d| d.counted()).any(|c| c.1 >= fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A rule's old name in a suppression comment, said on stderr as `--select` says it.
fn say_renamed_in_suppressions(model: &sesslint::model::Model) {
    for note in sesslint::renamed_notes(model) {
        eprintln!("sesslint: {}", sesslint::printable(&note));
    }
}

/// `--stdin-filename PATH` with the path `-` (or no path): PATH and standard input, read up
/// to the 16 MiB a file may have. `-` without `--stdin-filename`, or beside other paths, is a
/// usage error (exit 2), as is more input than that.
fn stdin_request(args: &CheckArgs) -> Result<Option<(PathBuf, Vec<u8>)>, ExitCode> {
    let dash = |p: &PathBuf| p.as_os_str() == "-";
    let paths = &args.common.paths;
    let Some(name) = &args.stdin_filename else {
        if paths.iter().any(dash) {
            eprintln!("sesslint: `-` reads standard input and needs --stdin-filename PATH, the file it stands for");
            return Err(ExitCode::from(2));
        }
        return Ok(None);
    };
    if !paths.iter().all(dash) {
        eprintln!("sesslint: --stdin-filename checks standard input only: give `-` as the only path");
        return Err(ExitCode::from(2));
    }
    let limit = sesslint::MAX_FILE_SIZE;
    let mut bytes = Vec::new();
    if let Err(e) = std::io::Read::read_to_end(&mut std::io::Read::take(std::io::stdin().lock(), limit + 1), &mut bytes)
    {
        eprintln!("sesslint: reading standard input: {e}");
        return Err(ExitCode::from(2));
    }
    if bytes.len() as u64 > limit {
        eprintln!("sesslint: standard input is over the {} MiB a file may have; not checked", limit >> 20);
        return Err(ExitCode::from(2));
    }
    Ok(Some((name.clone(), bytes)))
}

fn run_show(args: &ShowArgs) -> ExitCode {
    let model = match model_reading(&args.common, true) {
        Ok(m) => m,
        Err(code) => return code,
    };
    // What was refused (a symlink out of the work tree, a FIFO) is said, never shown.
    for u in &model.unreadable {
        eprintln!("sesslint: not read: {}: {}", sesslint::display_path(&u.path), u.reason);
    }
    for u in &model.over_budget {
        eprintln!("sesslint: not parsed: {}: {}", sesslint::display_path(&u.path), u.reason);
    }
    let ctx = ReportContext::new(&model, args.common.show_secrets, false);
    let text = match args.format {
        ParseFormat::Text => sesslint::show::render_text(&model, &ctx),
        ParseFormat::Json => {
            if model.files.is_empty() && model.unreadable.is_empty() {
                // The text form says so on stdout; JSON stays JSON, the note goes to stderr.
                eprintln!("sesslint: note: no configuration that decides PHP sessions was found");
            }
            serde_json::to_string_pretty(&sesslint::show::to_json(&model, &ctx)).unwrap_or_default() + "\n"
        }
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        // A description that leaves files out fails, as `check` would on their SL002.
        Ok(()) if sesslint::show::leaves_out_files(&model) => ExitCode::from(1),
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => write_failed(&e, None),
    }
}

/// The report could not be written (a full disk, a closed pipe): say so, exit 2. A reader
/// that stopped early (`| head`) is not worth a message.
fn write_failed(e: &std::io::Error, file: Option<&std::path::Path>) -> ExitCode {
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        match file {
            Some(path) => eprintln!("sesslint: --output-file {}: {e}", sesslint::display_path(path)),
            None => eprintln!("sesslint: writing the output failed: {e}"),
        }
    }
    ExitCode::from(2)
}

fn run_parse(format: ParseFormat, options: &ParseOptions, files: &[PathBuf]) -> ExitCode {
    let mut code = 0u8;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Each file read once; a pool's or .user.ini's `auth=${pw}` is php.ini's `pw`: masked
    // in every file given.
    let done = sesslint::parse_output::parse_files(files, options, |_, parsed| {
        match parsed {
            Err(e) => {
                eprintln!("sesslint: {e}");
                code = 2;
            }
            Ok(parsed) => {
                for p in &parsed.problems {
                    eprintln!("{p}");
                }
                // Written as it is computed: the values of a 16 MiB file are never held as text.
                let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut out);
                let written = parsed.value.write_json(&mut buffered, format == ParseFormat::Text);
                let written = written
                    .map_err(std::io::Error::from)
                    .and_then(|_| writeln!(buffered))
                    .and_then(|_| buffered.flush());
                drop(buffered);
                written.and_then(|_| out.flush())?;
                // 2: a file it names was not read, so the values are partial and the
                // program's verdict unknown; 1: the program refuses the file.
                let this = if !parsed.complete {
                    2
                } else if !parsed.accepted {
                    1
                } else {
                    0
                };
                code = code.max(this);
            }
        }
        Ok::<(), std::io::Error>(())
    });
    match done {
        Ok(()) => ExitCode::from(code),
        Err(e) => write_failed(&e, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `--version` short cut prints what clap prints for `--version` and `-V`.
    #[test]
    fn the_version_line_is_claps() {
        use clap::CommandFactory;
        assert_eq!(Cli::command().render_version(), VERSION_LINE);
        for flag in ["--version", "-V"] {
            let e = Cli::command().try_get_matches_from(["sesslint", flag]).expect_err("clap answers with the version");
            assert_eq!(e.kind(), clap::error::ErrorKind::DisplayVersion);
            assert_eq!(e.to_string(), VERSION_LINE);
        }
    }

    /// Every option of every command that takes a value is in [`VALUED`], and nothing else
    /// is: `sesslint --max-host-mib 64 .` must not take `64` for a command.
    #[test]
    fn valued_lists_every_option_that_takes_a_value() {
        use clap::CommandFactory;
        fn collect(c: &clap::Command, out: &mut std::collections::BTreeSet<String>) {
            for a in c.get_arguments() {
                let takes = a.get_num_args().is_some_and(|n| n.takes_values()) && !a.is_positional();
                if takes {
                    out.extend(a.get_long().map(|l| format!("--{l}")));
                    out.extend(a.get_short().map(|s| format!("-{s}")));
                }
            }
            for s in c.get_subcommands() {
                collect(s, out);
            }
        }
        let mut from_clap = std::collections::BTreeSet::new();
        let mut cli = Cli::command();
        cli.build();
        collect(&cli, &mut from_clap);
        let listed: std::collections::BTreeSet<String> = VALUED.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(listed, from_clap, "VALUED differs from the options clap takes a value for");
    }

    /// What the whole command line parser makes of `sesslint ARGS`, as `check_only` would
    /// give it: `None` when it is no `check` or clap refuses it.
    fn by_cli(args: &[&str]) -> Option<String> {
        let args = std::iter::once("sesslint").chain(args.iter().copied());
        match Cli::try_parse_from(args).ok()?.command? {
            Command::Check(c) => Some(format!("{c:?}")),
            _ => None,
        }
    }

    #[test]
    fn check_alone_parses_as_the_whole_command_line_does() {
        let lines: &[&[&str]] = &[
            &["check", "etc/php/8.2/fpm/pool.d/blog.conf"],
            &["check", "a.ini", "b.conf", "--format", "json", "--select", "SL1,SL2", "--ignore=SL101"],
            &["check", "-q", "--fail-on", "error", "--root", "r", "x", "--show-secrets", "-o", "out"],
            &["check", "--stdin-filename", "etc/redis/redis.conf", "-"],
            &["check", "--", "-dash.ini", "--format"],
            &["check"],
            &["check", "a b.ini", "etc/redis", "./x/../y.conf", "\u{e9}t\u{e9}.ini", "check", "help"],
            &["check", "x", ""],
            &["check", "--fix", "--unsafe-fixes", "--config", "c.toml", "--inventory", "i.yml", "--statistics"],
            // Refused by clap: left to the whole parser, which explains.
            &["check", "--format", "yaml", "x"],
            &["check", "--fix", "--diff", "x"],
            &["check", "--quiet", "--verbose"],
            &["check", "--help"],
            &["check", "--version"],
            &["check", "--no-such-flag"],
            &["show", "x"],
            &["--verbose", "x"],
        ];
        for line in lines {
            let os: Vec<std::ffi::OsString> =
                std::iter::once("sesslint").chain(line.iter().copied()).map(Into::into).collect();
            let quick = check_only(&os).map(|c| format!("{c:?}"));
            if quick.is_some() {
                assert_eq!(quick, by_cli(line), "{line:?}");
            } else {
                assert!(by_cli(line).is_none() || line.first() != Some(&"check"), "{line:?} parses but not alone");
            }
        }
        assert!(check_only(&["sesslint".into(), "check".into(), "f".into()]).is_some());
        // The hook's line takes the quick way, an option clap's.
        assert!(paths_only(&["etc/php/8.2/fpm/pool.d/blog.conf".into()]).is_some());
        assert!(paths_only(&["x".into(), "-q".into()]).is_none());
        assert!(paths_only(&[]).is_none());
    }
}
