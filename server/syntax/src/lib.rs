//! tree-sitter for switchboard: grammar registry, incremental parsing and queries.
//!
//! [`grammar_for_language_id`] and [`grammar_for_path`] pick a [`Grammar`] (or `None`: the
//! document is plain text and everything still works without a tree). [`SyntaxTree::parse`]
//! reads a `ropey::Rope` in place; after each change the server calls [`SyntaxTree::edit`] with
//! the `InputEdit` and [`SyntaxTree::reparse`]. The queries in `grammars/<lang>/*.scm` answer
//! what the tasks need around a selection: the enclosing scope, the file's outline, its imports,
//! TODO / FIXME / `AI:` markers, and a rough complexity for the router.
//!
//! All offsets are bytes into the rope's UTF-8 text; converting to LSP positions is the `text`
//! crate's job.

mod complexity;
mod items;
mod locals;
mod markers;
mod outline;
mod queries;
mod registry;
mod rope_text;
mod scope;
mod symbol;
mod tree;

pub use complexity::Complexity;
pub use markers::{Marker, MarkerKind};
pub use outline::{Import, OutlineItem};
pub use queries::QueryKind;
pub use registry::{Grammar, grammar_by_name, grammar_for_language_id, grammar_for_path, grammars};
pub use scope::Scope;
pub use symbol::{ScopeKind, SymbolKind};
pub use tree::{ErrorSpot, SyntaxTree};
/// Tree-sitter's node, for callers that walk a [`SyntaxTree`] themselves (the same version the
/// trees are built with).
pub use tree_sitter::Node;

/// Why parsing or a query failed.
#[derive(Debug, thiserror::Error)]
pub enum SyntaxError {
    /// The grammar was built for a tree-sitter ABI this build cannot load.
    #[error("the {grammar} grammar does not fit this tree-sitter: {source}")]
    Language {
        grammar: &'static str,
        #[source]
        source: tree_sitter::LanguageError,
    },
    /// Tree-sitter returned no tree.
    #[error("tree-sitter gave up parsing {grammar} text")]
    Parse { grammar: &'static str },
    /// The parse ran past its time limit and was stopped.
    #[error("parsing this {grammar} text took longer than {limit:?}, so it was stopped")]
    OverBudget {
        grammar: &'static str,
        limit: std::time::Duration,
    },
    /// A query file does not compile, or uses captures or predicates it should not.
    #[error("query grammars/{grammar}/{file} is invalid: {message}")]
    Query {
        grammar: &'static str,
        file: &'static str,
        message: String,
    },
}
