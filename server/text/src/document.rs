//! One open document: its rope, its LSP version, and the edits applied to it, so that an
//! answer computed against an earlier revision can be moved over what the user typed since.

use std::collections::VecDeque;

use ropey::Rope;
use tree_sitter::{InputEdit, Point};

use crate::mapping::Edit;
use crate::position::{PositionEncoding, PositionError, Range, range_to_chars};

/// How many applied changes a document remembers for [`TextDocument::edits_since`]. A model
/// call lasts minutes at most; at a few changes a second this covers far more than that, and
/// an answer older than the history is refused rather than guessed at.
const HISTORY_LEN: usize = 100_000;

/// One content change as the client sends it: a range in the negotiated encoding, or none to
/// replace the whole document.
#[derive(Debug, Clone, Copy)]
pub struct ContentChange<'a> {
    pub range: Option<Range>,
    pub text: &'a str,
}

/// What applying one change did, in the terms the syntax tree and the position mapping need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppliedChange {
    /// The edit for `tree_sitter::Tree::edit`: real byte offsets, and points as tree-sitter
    /// counts them (rows at `\n` only, columns in bytes), which are not LSP lines when the
    /// text has a lone `\r`.
    pub input_edit: InputEdit,
    /// The same change in chars, for mapping positions.
    pub edit: Edit,
    /// The whole document was replaced: a fresh parse beats an incremental one.
    pub replaced_all: bool,
}

/// A document as the server tracks it.
///
/// Changes are applied through [`TextDocument::apply_changes`], which is atomic: either every
/// change of a notification applies, or none does and the document is as before.
#[derive(Debug, Clone)]
pub struct TextDocument {
    rope: Rope,
    version: i32,
    /// Counts applied change batches; unlike `version` it never goes backwards, whatever the
    /// client sends, so it is what answers are anchored to.
    revision: u64,
    /// Recent edits, oldest first, each with the revision it produced.
    history: VecDeque<(u64, Edit)>,
    /// Edits of this revision and earlier are no longer all in `history`.
    forgotten_up_to: u64,
    /// Whether the text has a `\r` not followed by `\n`. Almost never; while it is false, LSP
    /// lines are tree-sitter rows and points cost O(log n).
    lone_cr: bool,
}

impl TextDocument {
    pub fn new(text: &str, version: i32) -> Self {
        Self {
            rope: Rope::from_str(text),
            version,
            revision: 0,
            history: VecDeque::new(),
            forgotten_up_to: 0,
            lone_cr: has_lone_cr(text.as_bytes()),
        }
    }

    pub fn rope(&self) -> &Rope {
        &self.rope
    }

    pub fn version(&self) -> i32 {
        self.version
    }

    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Applies a notification's changes in order and sets the new version.
    ///
    /// O(k log n) for k changes, plus the size of the inserted text.
    ///
    /// # Errors
    /// The first change whose range cannot be converted; then nothing was applied.
    pub fn apply_changes(
        &mut self,
        changes: &[ContentChange<'_>],
        version: i32,
        encoding: PositionEncoding,
    ) -> Result<Vec<AppliedChange>, ChangeError> {
        // Ropes clone in O(1) and share their nodes, so working on a copy and swapping it in
        // makes the batch atomic at no real cost.
        let mut rope = self.rope.clone();
        let mut lone_cr = self.lone_cr;
        let mut applied = Vec::with_capacity(changes.len());
        for (index, change) in changes.iter().enumerate() {
            let one = apply_change(&mut rope, &mut lone_cr, change, encoding)
                .map_err(|source| ChangeError { index, source })?;
            applied.push(one);
        }
        self.rope = rope;
        self.lone_cr = lone_cr;
        self.version = version;
        self.revision += 1;
        for change in &applied {
            if self.history.len() == HISTORY_LEN
                && let Some((forgotten, _)) = self.history.pop_front()
            {
                self.forgotten_up_to = forgotten;
            }
            self.history.push_back((self.revision, change.edit));
        }
        Ok(applied)
    }

    /// The edits applied after the document was at `revision`, oldest first, or `None` when
    /// they are no longer all remembered (or `revision` is in the future).
    pub fn edits_since(&self, revision: u64) -> Option<Vec<Edit>> {
        if revision > self.revision || revision < self.forgotten_up_to {
            return None;
        }
        Some(
            self.history
                .iter()
                .filter(|(r, _)| *r > revision)
                .map(|(_, e)| *e)
                .collect(),
        )
    }
}

/// A change of a batch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("change {index} of the batch: {source}")]
pub struct ChangeError {
    pub index: usize,
    #[source]
    pub source: PositionError,
}

/// Applies one change to `rope` and describes it. `lone_cr` says whether the text has a lone
/// `\r`, before and after.
///
/// # Errors
/// The change's range does not convert (see [`range_to_chars`]); `rope` is then untouched.
fn apply_change(
    rope: &mut Rope,
    lone_cr: &mut bool,
    change: &ContentChange<'_>,
    encoding: PositionEncoding,
) -> Result<AppliedChange, PositionError> {
    let (chars, replaced_all) = match change.range {
        Some(range) => (range_to_chars(rope, range, encoding)?, false),
        None => (0..rope.len_chars(), true),
    };
    let start_byte = rope.char_to_byte(chars.start);
    let old_end_byte = rope.char_to_byte(chars.end);
    let start_position = point_at(rope, *lone_cr, start_byte);
    let old_end_position = point_at(rope, *lone_cr, old_end_byte);

    // A lone `\r` can only appear where a `\r` is inserted, or where the edit ends right after
    // one (deleting or inserting text between a `\r` and a `\n`); only then is a scan needed.
    let cr_before = chars.start > 0 && rope.char(chars.start - 1) == '\r';
    rope.remove(chars.clone());
    rope.insert(chars.start, change.text);
    if replaced_all {
        *lone_cr = has_lone_cr(change.text.as_bytes());
    } else if *lone_cr || cr_before || change.text.contains('\r') {
        // Ropey never splits a "\r\n" pair across chunks, so chunks can be checked alone.
        *lone_cr = rope.chunks().any(|chunk| has_lone_cr(chunk.as_bytes()));
    }

    let inserted_chars = change.text.chars().count();
    let new_end_byte = start_byte + change.text.len();
    Ok(AppliedChange {
        input_edit: InputEdit {
            start_byte,
            old_end_byte,
            new_end_byte,
            start_position,
            old_end_position,
            new_end_position: point_at(rope, *lone_cr, new_end_byte),
        },
        edit: Edit {
            start: chars.start,
            old_end: chars.end,
            new_end: chars.start + inserted_chars,
        },
        replaced_all,
    })
}

/// The tree-sitter point of a byte offset: the row counts `\n` only, and the column is in bytes
/// from the last `\n`.
///
/// O(log n) when the text has no lone `\r` (LSP lines are then the same rows); O(n) otherwise.
fn point_at(rope: &Rope, lone_cr: bool, byte: usize) -> Point {
    if !lone_cr {
        let row = rope.byte_to_line(byte);
        return Point {
            row,
            column: byte - rope.line_to_byte(row),
        };
    }
    let (mut row, mut line_start, mut offset) = (0, 0, 0);
    for chunk in rope.chunks() {
        let bytes = chunk.as_bytes();
        let bytes = &bytes[..bytes.len().min(byte - offset)];
        for (i, _) in bytes.iter().enumerate().filter(|(_, b)| **b == b'\n') {
            row += 1;
            line_start = offset + i + 1;
        }
        offset += bytes.len();
        if offset >= byte {
            break;
        }
    }
    Point {
        row,
        column: byte - line_start,
    }
}

/// Whether `bytes` holds a `\r` that is not followed by `\n` (a `\r` at the very end counts).
fn has_lone_cr(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}
