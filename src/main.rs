//! The `sesslint` command line: argument parsing and exit codes only.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sesslint::diagnostic::Severity;
use sesslint::parse_output::parse_file;
use sesslint::report::{Format, ReportContext};
use sesslint::syntax::FileKind;

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
    /// (the reason goes to stderr), 2 for usage errors and unreadable files.
    Parse {
        /// Output format: `json` prints one compact JSON document per file (one per line).
        #[arg(long, value_enum, default_value_t = ParseFormat::Text)]
        format: ParseFormat,
        /// The file's dialect; detected from its name and content when absent.
        #[arg(long, value_enum)]
        kind: Option<FileKind>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Args, Clone)]
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
}

#[derive(Args, Clone)]
struct CheckArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long, value_enum, default_value_t = Severity::Warning)]
    fail_on: Severity,
}

#[derive(Args, Clone)]
struct ShowArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[arg(long, value_enum, default_value_t = ParseFormat::Text)]
    format: ParseFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum ParseFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum DocFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => run_check(&cli.check),
        Some(Command::Check(args)) => run_check(&args),
        Some(Command::Show(args)) => run_show(&args),
        Some(Command::Rules { format }) => run_rules(format),
        Some(Command::Rule { code, format }) => run_rule(&code, format),
        Some(Command::Parse { format, kind, files }) => run_parse(format, kind, &files),
    }
}

fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").map_or(true, |v| v.is_empty())
}

/// Build the model, or say why the paths cannot be looked at.
fn model(common: &CommonArgs) -> Result<sesslint::model::Model, ExitCode> {
    let paths = if common.paths.is_empty() { vec![PathBuf::from(".")] } else { common.paths.clone() };
    for p in &paths {
        if std::fs::symlink_metadata(p).is_err() {
            eprintln!("sesslint: {}: no such file or directory", p.display());
            return Err(ExitCode::from(2));
        }
    }
    if let Some(r) = &common.root {
        if !r.is_dir() {
            eprintln!("sesslint: --root {}: not a directory", r.display());
            return Err(ExitCode::from(2));
        }
    }
    let model = sesslint::model::build(&paths, common.root.as_deref());
    if common.verbose {
        eprintln!("sesslint: root {} ({})", model.root.display(), model.root_reason);
        for f in &model.files {
            eprintln!("sesslint: read {} as {}", f.source.path.display(), f.role.as_str());
        }
    }
    Ok(model)
}

fn run_check(args: &CheckArgs) -> ExitCode {
    let model = match model(&args.common) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let diagnostics = sesslint::rules::check(&model);
    let ctx = ReportContext::new(&model, args.common.show_secrets, color() && args.format == Format::Human);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format.write(&diagnostics, &ctx, &mut out).and_then(|_| out.flush()).is_err() {
        return ExitCode::from(2);
    }
    if diagnostics.iter().any(|d| d.severity >= args.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_show(args: &ShowArgs) -> ExitCode {
    let model = match model(&args.common) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let ctx = ReportContext::new(&model, args.common.show_secrets, false);
    let text = match args.format {
        ParseFormat::Text => sesslint::show::render_text(&model, &ctx),
        ParseFormat::Json => {
            serde_json::to_string_pretty(&sesslint::show::to_json(&model, &ctx)).unwrap_or_default() + "\n"
        }
    };
    print!("{text}");
    ExitCode::SUCCESS
}

fn run_rules(format: DocFormat) -> ExitCode {
    match format {
        DocFormat::Text => {
            for r in sesslint::rules::RULES {
                println!("{:<6} {:<30} {:<8} {}", r.code, r.name, r.default_severity.as_str(), r.summary);
            }
        }
        DocFormat::Json => {
            let list: Vec<_> = sesslint::rules::RULES
                .iter()
                .map(|r| serde_json::json!({"code": r.code, "name": r.name, "severity": r.default_severity, "summary": r.summary, "doc": r.doc()}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&list).unwrap_or_default());
        }
    }
    ExitCode::SUCCESS
}

fn run_rule(code: &str, format: DocFormat) -> ExitCode {
    let Some(r) = sesslint::rules::find(code) else {
        eprintln!("sesslint: no rule {code}; `sesslint rules` lists them");
        return ExitCode::from(2);
    };
    match format {
        DocFormat::Text => print!("{}", r.doc()),
        DocFormat::Json => println!(
            "{}",
            serde_json::json!({"code": r.code, "name": r.name, "severity": r.default_severity, "summary": r.summary, "doc": r.doc()})
        ),
    }
    ExitCode::SUCCESS
}

fn run_parse(format: ParseFormat, kind: Option<FileKind>, files: &[PathBuf]) -> ExitCode {
    let mut code = 0u8;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in files {
        match parse_file(path, kind) {
            Err(e) => {
                eprintln!("sesslint: {e}");
                code = 2;
            }
            Ok(parsed) => {
                for p in &parsed.problems {
                    eprintln!("{p}");
                }
                let text = match format {
                    ParseFormat::Json => serde_json::to_string(&parsed.value),
                    ParseFormat::Text => serde_json::to_string_pretty(&parsed.value),
                };
                if let Ok(text) = text {
                    let _ = writeln!(out, "{text}");
                }
                if !parsed.accepted && code == 0 {
                    code = 1;
                }
            }
        }
    }
    ExitCode::from(code)
}
