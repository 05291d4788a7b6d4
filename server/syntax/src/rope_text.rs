//! Reading a `Rope` by byte ranges, for the parser's input callback and for query text predicates.
//!
//! Tree-sitter asks for text at byte offsets that may fall inside a multi-byte character (a rope
//! chunk boundary can split one), so everything here slices bytes, never `str`.

use std::ops::Range;

use ropey::Rope;

/// The bytes of `rope` from `offset` to the end of the chunk holding it; empty at or past the end.
///
/// This is the parser's input callback: tree-sitter accepts slices of any length and asks again.
pub(crate) fn chunk_from(rope: &Rope, offset: usize) -> &[u8] {
    match rope.get_chunk_at_byte(offset) {
        Some((chunk, chunk_start, _, _)) => chunk
            .as_bytes()
            .get(offset - chunk_start..)
            .unwrap_or_default(),
        None => &[],
    }
}

/// Clamps a byte range to the rope, puts its ends in order, and keeps it non-decreasing.
pub(crate) fn clamp(rope: &Rope, range: Range<usize>) -> Range<usize> {
    let len = rope.len_bytes();
    let (a, b) = (range.start.min(len), range.end.min(len));
    a.min(b)..a.max(b)
}

/// Iterator over the byte slices of a rope that cover a byte range, cut at exact byte offsets.
pub(crate) struct ByteChunks<'a> {
    chunks: ropey::iter::Chunks<'a>,
    /// Byte offset in the rope of the next chunk the iterator will yield.
    chunk_start: usize,
    range: Range<usize>,
}

impl<'a> ByteChunks<'a> {
    /// The bytes of `range` (clamped to the rope) as a sequence of slices.
    pub(crate) fn new(rope: &'a Rope, range: Range<usize>) -> ByteChunks<'a> {
        let range = clamp(rope, range);
        // `chunks_at_byte` accepts any offset up to the length, so the clamp makes this total.
        let (chunks, chunk_start, _, _) = rope.chunks_at_byte(range.start);
        ByteChunks {
            chunks,
            chunk_start,
            range,
        }
    }
}

impl<'a> Iterator for ByteChunks<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        while self.chunk_start < self.range.end {
            let chunk = self.chunks.next()?.as_bytes();
            let start = self.chunk_start;
            self.chunk_start += chunk.len();
            let from = self.range.start.saturating_sub(start);
            let to = (self.range.end - start).min(chunk.len());
            if from < to {
                return chunk.get(from..to);
            }
        }
        None
    }
}

/// The text of a byte range of the rope (clamped). A range that cuts a character gets U+FFFD
/// in its place rather than a panic; ranges taken from syntax nodes never cut one.
pub(crate) fn text(rope: &Rope, range: Range<usize>) -> String {
    let mut bytes = Vec::with_capacity(range.len());
    for chunk in ByteChunks::new(rope, range) {
        bytes.extend_from_slice(chunk);
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_chunks_cut_anywhere_even_inside_a_character() {
        // Many small inserts make a rope with many chunks.
        let mut rope = Rope::new();
        for i in 0..2000 {
            rope.insert(rope.len_chars(), if i % 3 == 0 { "é" } else { "ab" });
        }
        let whole: Vec<u8> = rope.to_string().into_bytes();
        assert!(
            rope.chunks().count() > 1,
            "the test needs a rope of several chunks"
        );
        for (start, end) in [
            (0, 0),
            (0, 1),
            (1, 2),
            (3, 4000),
            (999, 1003),
            (0, whole.len()),
            (5, 1_000_000),
        ] {
            let got: Vec<u8> = ByteChunks::new(&rope, start..end)
                .flatten()
                .copied()
                .collect();
            let end = end.min(whole.len());
            assert_eq!(got, whole[start..end], "{start}..{end}");
        }
        // The parser may ask at any byte, inside a character too: the answer is always the bytes
        // from there on, up to the end of a chunk.
        for offset in 0..whole.len() {
            let chunk = chunk_from(&rope, offset);
            assert!(!chunk.is_empty(), "{offset}");
            assert_eq!(chunk, &whole[offset..offset + chunk.len()], "{offset}");
        }
        assert_eq!(chunk_from(&rope, whole.len()), b"");
        assert_eq!(chunk_from(&rope, whole.len() + 10), b"");
        assert_eq!(text(&rope, 1..3), "\u{fffd}a");
    }
}
