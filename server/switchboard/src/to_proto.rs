//! Our types to LSP types. With `from_proto`, the only place that converts between them.

use text::PositionEncoding;
use tower_lsp_server::ls_types::PositionEncodingKind;

pub fn encoding(encoding: PositionEncoding) -> PositionEncodingKind {
    match encoding {
        PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 => PositionEncodingKind::UTF16,
        PositionEncoding::Utf32 => PositionEncodingKind::UTF32,
    }
}

pub fn position(pos: text::Position) -> tower_lsp_server::ls_types::Position {
    tower_lsp_server::ls_types::Position::new(pos.line, pos.character)
}

pub fn range(range: text::Range) -> tower_lsp_server::ls_types::Range {
    tower_lsp_server::ls_types::Range::new(position(range.start), position(range.end))
}
