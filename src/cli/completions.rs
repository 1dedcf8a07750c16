//! `sesslint completions SHELL`: the shell's completion script for the command line clap
//! parses, on stdout (the Debian package ships bash, zsh and fish ones made by this).

use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::Cli;

/// Print the completion script of `shell` (`clap_complete`'s generator for bash, zsh,
/// fish, elvish or PowerShell) for the binary named `sesslint`.
pub fn run(shell: Shell) -> ExitCode {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "sesslint", &mut out);
    crate::cli::docs::print_doc(&String::from_utf8_lossy(&out))
}
