//! The one conversion point between LSP positions and rope offsets, for utf-8, utf-16 and utf-32.
//!
//! LSP counts `character` in the negotiated encoding and lines by `\n`, `\r\n` and lone `\r`
//! (the rope is built with ropey's `cr_lines`, so its lines are exactly LSP's). A `character`
//! past the end of its line clamps to the line end, as the specification says; a line past the
//! end of the document, or a column that splits a character, is an error and never a panic.

use ropey::Rope;

/// A position as LSP sends it: zero-based line and a column counted in the negotiated encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

impl Position {
    pub const fn new(line: u32, character: u32) -> Self {
        Self { line, character }
    }
}

/// A half-open range of positions, `start` inclusive and `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

impl Range {
    pub const fn new(start: Position, end: Position) -> Self {
        Self { start, end }
    }
}

/// How `character` is counted. The order is the server's preference, lowest first, so that
/// negotiation is `max()` over what the client offers (ruff's habit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum PositionEncoding {
    /// UTF-16 code units: LSP's default, and the only one every client supports.
    #[default]
    Utf16,
    /// Unicode scalar values (chars).
    Utf32,
    /// Bytes: the cheapest for us, since ropes and tree-sitter index bytes.
    Utf8,
}

impl PositionEncoding {
    /// Picks the best encoding among those a client offers: utf-8, then utf-32, then utf-16,
    /// which every client supports and which is chosen when it offers nothing we know.
    pub fn negotiate(offered: impl IntoIterator<Item = PositionEncoding>) -> PositionEncoding {
        offered.into_iter().max().unwrap_or_default()
    }

    /// The name LSP uses for this encoding in `positionEncoding`.
    pub const fn as_lsp_str(self) -> &'static str {
        match self {
            PositionEncoding::Utf8 => "utf-8",
            PositionEncoding::Utf16 => "utf-16",
            PositionEncoding::Utf32 => "utf-32",
        }
    }

    /// Parses LSP's name for an encoding; unknown names give `None`.
    pub fn from_lsp_str(name: &str) -> Option<PositionEncoding> {
        match name {
            "utf-8" => Some(PositionEncoding::Utf8),
            "utf-16" => Some(PositionEncoding::Utf16),
            "utf-32" => Some(PositionEncoding::Utf32),
            _ => None,
        }
    }
}

/// Why a position could not be converted. Messages are lowercase and say what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PositionError {
    #[error("line {line} is past the end of the document, which has {line_count} lines")]
    LineOutOfRange { line: u32, line_count: usize },
    #[error("position {line}:{character} falls inside a utf-16 surrogate pair")]
    InsideSurrogatePair { line: u32, character: u32 },
    #[error("position {line}:{character} falls inside a multi-byte utf-8 character")]
    InsideUtf8Character { line: u32, character: u32 },
    #[error(
        "range end {}:{} comes before its start {}:{}",
        end.line, end.character, start.line, start.character
    )]
    ReversedRange { start: Position, end: Position },
}

/// The number of lines of `rope` as an editor shows them and a user counts them: a final line
/// break ends the last line rather than starting another (ropey, like LSP, counts an empty
/// line after it). An empty text has no lines.
///
/// O(1).
pub fn line_count(rope: &Rope) -> usize {
    let len = rope.len_chars();
    if len == 0 {
        return 0;
    }
    match rope.char(len - 1) {
        '\n' | '\r' => rope.len_lines() - 1,
        _ => rope.len_lines(),
    }
}

/// The char index where `line`'s content ends, before its line break.
///
/// O(log n). `line` must be a valid line index of `rope`.
pub fn line_end_char(rope: &Rope, line: usize) -> usize {
    if line + 1 >= rope.len_lines() {
        // The last line never has a line break after it.
        return rope.len_chars();
    }
    let next = rope.line_to_char(line + 1);
    // Every line but the last ends with exactly one break: "\n", "\r\n" or "\r".
    match rope.char(next - 1) {
        '\n' if next >= 2 && rope.char(next - 2) == '\r' => next - 2,
        _ => next - 1,
    }
}

/// Converts an LSP position to a char index of `rope`.
///
/// O(log n).
///
/// # Errors
/// A line past the last one, or a column that falls inside a character (a surrogate pair in
/// utf-16, a multi-byte sequence in utf-8). A column past the line's end is not an error: it
/// clamps to the end of the line's content.
pub fn position_to_char(
    rope: &Rope,
    pos: Position,
    encoding: PositionEncoding,
) -> Result<usize, PositionError> {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return Err(PositionError::LineOutOfRange {
            line: pos.line,
            line_count: rope.len_lines(),
        });
    }
    let line_start = rope.line_to_char(line);
    let line_end = line_end_char(rope, line);
    let column = pos.character as usize;
    match encoding {
        PositionEncoding::Utf32 => Ok(line_start.saturating_add(column).min(line_end)),
        PositionEncoding::Utf16 => {
            let start = rope.char_to_utf16_cu(line_start);
            let target = start.saturating_add(column);
            if target >= rope.char_to_utf16_cu(line_end) {
                return Ok(line_end);
            }
            let char_idx = rope.utf16_cu_to_char(target);
            if rope.char_to_utf16_cu(char_idx) != target {
                return Err(PositionError::InsideSurrogatePair {
                    line: pos.line,
                    character: pos.character,
                });
            }
            Ok(char_idx)
        }
        PositionEncoding::Utf8 => {
            let start = rope.char_to_byte(line_start);
            let target = start.saturating_add(column);
            if target >= rope.char_to_byte(line_end) {
                return Ok(line_end);
            }
            let char_idx = rope.byte_to_char(target);
            if rope.char_to_byte(char_idx) != target {
                return Err(PositionError::InsideUtf8Character {
                    line: pos.line,
                    character: pos.character,
                });
            }
            Ok(char_idx)
        }
    }
}

/// Converts an LSP position to a byte offset of `rope`; see [`position_to_char`].
///
/// # Errors
/// As [`position_to_char`].
pub fn position_to_byte(
    rope: &Rope,
    pos: Position,
    encoding: PositionEncoding,
) -> Result<usize, PositionError> {
    position_to_char(rope, pos, encoding).map(|c| rope.char_to_byte(c))
}

/// Converts an LSP range to a char range of `rope`.
///
/// # Errors
/// As [`position_to_char`] for either end, or an end before the start.
pub fn range_to_chars(
    rope: &Rope,
    range: Range,
    encoding: PositionEncoding,
) -> Result<std::ops::Range<usize>, PositionError> {
    let start = position_to_char(rope, range.start, encoding)?;
    let end = position_to_char(rope, range.end, encoding)?;
    if end < start {
        return Err(PositionError::ReversedRange {
            start: range.start,
            end: range.end,
        });
    }
    Ok(start..end)
}

/// Converts a char index of `rope` to an LSP position. An index past the end is clamped to
/// the end of the document.
///
/// O(log n).
pub fn char_to_position(rope: &Rope, char_idx: usize, encoding: PositionEncoding) -> Position {
    let char_idx = char_idx.min(rope.len_chars());
    let line = rope.char_to_line(char_idx);
    let line_start = rope.line_to_char(line);
    let column = match encoding {
        PositionEncoding::Utf32 => char_idx - line_start,
        PositionEncoding::Utf16 => {
            rope.char_to_utf16_cu(char_idx) - rope.char_to_utf16_cu(line_start)
        }
        PositionEncoding::Utf8 => rope.char_to_byte(char_idx) - rope.char_to_byte(line_start),
    };
    Position {
        line: saturating_u32(line),
        character: saturating_u32(column),
    }
}

/// Converts a byte offset of `rope` to an LSP position; an offset inside a character counts
/// from that character's start, and one past the end is clamped to the end.
pub fn byte_to_position(rope: &Rope, byte: usize, encoding: PositionEncoding) -> Position {
    let byte = byte.min(rope.len_bytes());
    char_to_position(rope, rope.byte_to_char(byte), encoding)
}

/// Converts a char range of `rope` to an LSP range.
pub fn chars_to_range(
    rope: &Rope,
    chars: std::ops::Range<usize>,
    encoding: PositionEncoding,
) -> Range {
    Range {
        start: char_to_position(rope, chars.start, encoding),
        end: char_to_position(rope, chars.end, encoding),
    }
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
