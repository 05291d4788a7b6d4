//! LSP types to ours. With `to_proto`, the only place that converts between them.

use tower_lsp_server::ls_types;

pub fn position(pos: ls_types::Position) -> text::Position {
    text::Position::new(pos.line, pos.character)
}

pub fn range(range: ls_types::Range) -> text::Range {
    text::Range::new(position(range.start), position(range.end))
}

pub fn content_change(
    change: &ls_types::TextDocumentContentChangeEvent,
) -> text::ContentChange<'_> {
    text::ContentChange {
        range: change.range.map(range),
        text: &change.text,
    }
}
