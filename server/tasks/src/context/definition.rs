//! One declaration a packet may show for a name the selection uses: where it is and the text
//! that shows it (a function's signature, a type's first lines).

use ropey::Rope;
use serde::{Deserialize, Serialize};
use syntax::{OutlineItem, SymbolKind};

/// How many leading lines of a type-like declaration a definition shows.
const DEFINITION_LINES: usize = 8;

/// One declaration found in the workspace or an open document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    /// The declared name.
    pub name: String,
    /// The outline kind (`function`, `struct`, `class`, ...).
    pub kind: String,
    /// Workspace-relative, with `/` separators.
    pub path: String,
    /// 1-based.
    pub line: u32,
    /// The declaration up to its body; for a type (struct, enum, class, trait, interface,
    /// alias, constant) its first lines, since its fields or value are what a caller needs.
    pub signature: String,
}

impl Definition {
    /// The definition of an outline item of the document at `path`; `None` for an anonymous
    /// item.
    pub(crate) fn from_item(path: &str, rope: &Rope, item: &OutlineItem) -> Option<Definition> {
        let name = item.name.clone()?;
        let start = item.bytes.start.min(rope.len_bytes());
        let line = rope.byte_to_line(start);
        let signature = if shows_lines(item.kind) {
            leading_lines(rope, item.bytes.clone())
        } else {
            item.signature.clone()
        };
        Some(Definition {
            name,
            kind: item.kind.as_str().to_owned(),
            path: path.to_owned(),
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            signature,
        })
    }
}

/// Whether an outline item is a definition worth looking up. Fields and enum variants would
/// answer `x` or `name` from every struct, impls are named by a type defined elsewhere, and
/// Markdown sections, TOML tables and JSON keys are no code.
pub(crate) fn is_definition_kind(kind: SymbolKind) -> bool {
    !matches!(
        kind,
        SymbolKind::Field
            | SymbolKind::Impl
            | SymbolKind::Section
            | SymbolKind::Table
            | SymbolKind::Key
    )
}

/// Whether a definition of this kind shows its first lines rather than its signature.
pub(crate) fn shows_lines(kind: SymbolKind) -> bool {
    matches!(
        kind,
        SymbolKind::Struct
            | SymbolKind::Enum
            | SymbolKind::Class
            | SymbolKind::Interface
            | SymbolKind::Trait
            | SymbolKind::Type
            | SymbolKind::Constant
    )
}

/// The first [`DEFINITION_LINES`] lines of `bytes`, with `…` when there is more.
fn leading_lines(rope: &Rope, bytes: std::ops::Range<usize>) -> String {
    let end = bytes.end.min(rope.len_bytes());
    let start = bytes.start.min(end);
    let first = rope.byte_to_line(start);
    let last = rope.byte_to_line(end.saturating_sub(1).max(start));
    let shown_last = last.min(first + DEFINITION_LINES - 1);
    let stop = if shown_last < last {
        rope.line_to_byte(shown_last + 1)
    } else {
        end
    };
    let mut text = rope.byte_slice(start..stop).to_string();
    text.truncate(text.trim_end().len());
    if shown_last < last {
        text.push_str("\n…");
    }
    text
}
