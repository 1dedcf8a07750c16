//! `sesslint manpage`: the roff man page sesslint(1), made from the clap definition by
//! `clap_mangen`, on stdout (`sesslint manpage > sesslint.1; man ./sesslint.1`).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::Cli;

/// What clap does not know: the exit codes, the config file and where the rest is said.
const MORE: &str = r#".SH "EXIT STATUS"
.TP
.B 0
nothing at or above \fB\-\-fail\-on\fR (default \fBwarning\fR) was found
.TP
.B 1
something was (for \fBparse\fR: the real program would refuse a file)
.TP
.B 2
a usage error, a path that does not exist, or a report that could not be written
.SH FILES
.TP
.B sesslint.toml
the nearest one at or above the first checked path (or \fB\-\-config\fR): select, ignore,
fail\-on, root, tunnel\-paths, redis\-version, severities, per\-path ignores, hosts
.SH "SEE ALSO"
\fBsesslint rules\fR lists every rule; \fBsesslint rule\fR \fICODE\fR explains one.
README.md (in the Debian package: /usr/share/doc/sesslint/README.md) describes the output
formats, the pre\-commit hook and the language server.
"#;

/// sesslint(1) on stdout, or with `dir` that page and one per subcommand
/// (`sesslint-check.1`, ...: the pages sesslint(1) refers to) written into `dir`, created
/// (with its parents, as `mkdir -p`) when missing. Exit 2 when `dir` cannot be created or a
/// page cannot be written.
pub fn run(dir: Option<&Path>) -> ExitCode {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Gives each subcommand its display name (`sesslint-check`), as the page names it.
    cmd.build();
    let Some(dir) = dir else {
        return match page(&cmd, true) {
            Ok(text) => crate::cli::docs::print_doc(&String::from_utf8_lossy(&text)),
            Err(e) => failed(&e),
        };
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("sesslint manpage: cannot create the directory {}: {e}", sesslint::display_path(dir));
        return ExitCode::from(2);
    }
    let pages = std::iter::once((&cmd, true)).chain(cmd.get_subcommands().map(|s| (s, false)));
    for (c, top) in pages {
        let name = c.get_display_name().unwrap_or_else(|| c.get_name());
        let path = dir.join(format!("{name}.1"));
        if let Err(e) = page(c, top).and_then(|text| std::fs::write(&path, text)) {
            eprintln!("sesslint manpage: {}: {e}", sesslint::display_path(&path));
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

/// One page in roff: synopsis, description, options, subcommands; the top page also
/// has exit status, files and see also.
fn page(cmd: &clap::Command, top: bool) -> std::io::Result<Vec<u8>> {
    // The footer names the program and its version on every page.
    let page = clap_mangen::Man::new(cmd.clone()).source(format!("sesslint {}", env!("CARGO_PKG_VERSION")));
    let mut out = Vec::new();
    page.render_title(&mut out)?;
    page.render_name_section(&mut out)?;
    page.render_synopsis_section(&mut out)?;
    page.render_description_section(&mut out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        page.render_options_section(&mut out)?;
    }
    if cmd.has_subcommands() {
        page.render_subcommands_section(&mut out)?;
    }
    if top {
        out.write_all(MORE.as_bytes())?;
    }
    if cmd.get_version().is_some() {
        page.render_version_section(&mut out)?;
    }
    Ok(out)
}

fn failed(e: &std::io::Error) -> ExitCode {
    eprintln!("sesslint manpage: {e}");
    ExitCode::from(2)
}
