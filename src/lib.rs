//! sesslint: where PHP sessions live, whether that is safe, and how to move them to Redis.
//!
//! The pipeline runs one way: read -> parse (lossless, [`syntax`]) -> model -> rules ->
//! report / rewrite (see ARCHITECTURE.md). The public surface is what the CLI, the
//! language server and the tests call: [`model::build`], [`check::run`] and
//! [`check::check`], [`report::Format::write`], [`show`], [`parse_output`], [`probe::run`]
//! (live checks, never part of `check`), the parsers in
//! [`syntax`], and the rule catalogue ([`rules::RULES`], [`codes::Code`]).

pub mod check;
pub mod codes;
pub mod config;
pub mod diagnostic;
pub mod edit;
pub mod live;
pub mod lsp;
pub mod migrate;
pub mod model;
pub mod parse_output;
pub mod probe;
pub mod report;
pub mod rules;
pub mod session_copy;
pub mod show;
pub mod syntax;

mod confine;
mod discover;
mod glob;
mod machine_scope;
mod parallel;
mod php_constants;
mod php_value;
mod secrets;
mod sha256;
mod source;
mod span;
mod staged;
mod suggest;
mod suppress;
#[cfg(test)]
mod test_input;

pub use confine::{leaves_work_tree, Confinement, Refusal, MAX_FILE_SIZE};
pub use discover::{classify, why_not_read, Role, Unreadable};
pub use php_value::{ArrayKey, PhpArray, PhpValue};
pub use source::{display_path, printable, Position, Source};
pub use span::Span;
pub use suppress::renamed_notes;

/// The fast secret scans against their plain definitions, and the model's secret passes
/// against their line-by-line references, for the `secrets` fuzz target (built only under
/// `cargo fuzz`, which sets `--cfg fuzzing`): where they disagree on `bytes`, if anywhere.
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn secret_scans_disagree(bytes: &[u8]) -> Option<String> {
    secrets::plain::disagreement(bytes).or_else(|| model::secret_passes_disagree(bytes))
}
