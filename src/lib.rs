//! sesslint: where PHP sessions live, whether that is safe, and how to move them to Redis.
//!
//! The pipeline runs one way: read -> parse (lossless, [`syntax`]) -> model -> rules ->
//! report / rewrite. The CLI is a thin shell over these calls.

pub mod check;
pub mod codes;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod glob;
pub mod lsp;
pub mod model;
pub mod parse_output;
pub mod php_constants;
pub mod php_value;
pub mod report;
pub mod rules;
pub mod show;
pub mod source;
pub mod span;
pub mod suppress;
pub mod syntax;

pub use source::Source;
pub use span::Span;
