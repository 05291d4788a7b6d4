//! Documents as ropes: LSP positions in utf-8/16/32, incremental changes, mapping through edits.
//!
//! This crate knows nothing of LSP types, tokio or models: it is the exact bookkeeping of text
//! that everything else stands on. See ARCHITECTURE.md for its invariants.

mod diff;
mod document;
mod mapping;
mod position;

pub use diff::{CharEdit, apply_char_edits, minimal_edits};
pub use document::{AppliedChange, ChangeError, ContentChange, TextDocument};
pub use mapping::{Bias, Edit, Overlap, map_pos, map_range};
pub use position::{
    Position, PositionEncoding, PositionError, Range, byte_to_position, char_to_position,
    chars_to_range, line_count, line_end_char, position_to_byte, position_to_char, range_to_chars,
};
pub use ropey::Rope;
