//! The `sesslint` command line: argument parsing and exit codes only.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sesslint::parse_output::parse_file;
use sesslint::syntax::FileKind;

#[derive(Parser)]
#[command(name = "sesslint", version, about = "Where do my PHP sessions live, is that safe, and how do I move them to Redis?")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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

#[derive(Clone, Copy, ValueEnum)]
enum ParseFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Parse { format, kind, files } => run_parse(format, kind, &files),
    }
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
