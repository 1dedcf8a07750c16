//! The language server, `sesslint lsp`: LSP over stdio (lsp-server, lsp-types) publishing
//! the same diagnostics as `sesslint check`, computed with the editor's unsaved buffers.
//!
//! One concept per file: the loop ([`server`]), positions and URIs ([`convert`]), open
//! documents and the model over them ([`workspace`]), diagnostics, quick fixes, hover, and
//! reading the editor's bytes defensively ([`framing`]).

mod actions;
mod convert;
mod diagnostics;
pub mod framing;
mod hover;
mod server;
mod workspace;

pub use server::{run, serve, ServerError};
