//! The innermost function, method, class or other item around a byte range (`scopes.scm`):
//! what a code action on an empty selection works on.

use std::ops::Range;

use ropey::Rope;

use crate::items;
use crate::queries::QueryKind;
use crate::rope_text::{clamp, text};
use crate::symbol::ScopeKind;
use crate::tree::SyntaxTree;

/// An item enclosing a range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub kind: ScopeKind,
    /// The item's name, whitespace collapsed; `None` for an anonymous item.
    pub name: Option<String>,
    /// The item's whole text (for Python and JS/TS, with decorators and `export`).
    pub bytes: Range<usize>,
}

impl SyntaxTree {
    /// The innermost item of `scopes.scm` containing `bytes` (both ends inclusive, so a cursor
    /// just before or after a function is still in it), or `None` at top level or for a grammar
    /// without scopes. Anonymous closures are not scopes: inside one, the named function around
    /// it is the answer.
    ///
    /// Runs the query only over the nodes that intersect the range: proportional to the depth of
    /// the tree there, not to the document.
    pub fn enclosing_scope(&self, rope: &Rope, bytes: Range<usize>) -> Option<Scope> {
        let query = self.grammar().compiled(QueryKind::Scopes)?;
        let range = clamp(rope, bytes);
        let root = self.tree().root_node();
        // Tree-sitter's range excludes nodes that only touch it (one starting where an empty range
        // is, one ending there); a byte more on each side lets them in, and the filter below
        // keeps the items that contain the range.
        let widened = range.start.saturating_sub(1)..range.end.saturating_add(1);
        let items = items::collect(query, root, rope, Some(widened));
        let item = items
            .iter()
            .filter(|item| {
                item.node.start_byte() <= range.start && range.end <= item.node.end_byte()
            })
            .max_by_key(|item| item.depth)?;
        Some(Scope {
            kind: item.kind,
            name: item
                .name
                .map(|name| collapse_whitespace(&text(rope, name.byte_range()))),
            bytes: item.node.byte_range(),
        })
    }
}

/// The text with each run of whitespace made one space, and trimmed.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
