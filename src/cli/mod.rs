//! The binary's subcommands beyond check and show: one file each, a thin shell over the
//! library (argument handling, exit codes and output only).

pub mod completions;
pub mod copy_sessions;
pub mod docs;
pub mod fix;
pub mod manpage;
pub mod migrate;
pub mod probe;
