//! Table tests for LSP position conversion: ASCII, CJK, emoji, combining marks, CRLF, lone CR,
//! and `u32::MAX`, in every encoding, in both directions.

use text::{
    Position,
    PositionEncoding::{self, Utf8, Utf16, Utf32},
    PositionError, Rope, char_to_position, position_to_char,
};

/// Each row: text, position, encoding, and the char index it names (or the error it is).
fn check(
    text: &str,
    line: u32,
    character: u32,
    encoding: PositionEncoding,
    want: Result<usize, &str>,
) {
    let rope = Rope::from_str(text);
    let got = position_to_char(&rope, Position::new(line, character), encoding);
    match (got, want) {
        (Ok(got), Ok(want)) => assert_eq!(
            got, want,
            "{text:?} {line}:{character} {encoding:?}: wanted char {want}, got {got}"
        ),
        (Err(err), Err(want)) => assert!(
            err.to_string().contains(want),
            "{text:?} {line}:{character} {encoding:?}: wanted an error containing {want:?}, got {err}"
        ),
        (got, want) => {
            panic!("{text:?} {line}:{character} {encoding:?}: wanted {want:?}, got {got:?}")
        }
    }
}

#[test]
fn ascii() {
    for enc in [Utf8, Utf16, Utf32] {
        check("hello\nworld", 0, 0, enc, Ok(0));
        check("hello\nworld", 0, 5, enc, Ok(5));
        check("hello\nworld", 1, 0, enc, Ok(6));
        check("hello\nworld", 1, 5, enc, Ok(11));
    }
}

#[test]
fn character_past_the_line_end_clamps_before_the_break() {
    for enc in [Utf8, Utf16, Utf32] {
        check("hello\nworld", 0, 99, enc, Ok(5));
        check("hello\r\nworld", 0, 6, enc, Ok(5));
        check("hello\rworld", 0, 6, enc, Ok(5));
        check("hello\nworld", 1, 99, enc, Ok(11));
        check("hello\nworld", 0, u32::MAX, enc, Ok(5));
        check("a😀\nb", 0, u32::MAX, enc, Ok(2));
    }
}

#[test]
fn line_past_the_end_is_an_error() {
    for enc in [Utf8, Utf16, Utf32] {
        check(
            "hello\nworld",
            2,
            0,
            enc,
            Err("line 2 is past the end of the document, which has 2 lines"),
        );
        check("hello\n", 1, 0, enc, Ok(6));
        check("hello\n", 2, 0, enc, Err("past the end"));
        check("", 0, 0, enc, Ok(0));
        check("", 1, 0, enc, Err("past the end"));
        check("x", u32::MAX, u32::MAX, enc, Err("past the end"));
    }
}

#[test]
fn cjk_counts_three_bytes_one_unit_one_char() {
    // "中文x": each CJK char is 3 utf-8 bytes, 1 utf-16 unit, 1 char.
    check("中文x", 0, 2, Utf16, Ok(2));
    check("中文x", 0, 2, Utf32, Ok(2));
    check("中文x", 0, 6, Utf8, Ok(2));
    check("中文x", 0, 3, Utf8, Ok(1));
    check(
        "中文x",
        0,
        1,
        Utf8,
        Err("inside a multi-byte utf-8 character"),
    );
}

#[test]
fn emoji_is_a_surrogate_pair_in_utf16() {
    // "a😀b": the emoji is 4 bytes, 2 utf-16 units, 1 char.
    check("a😀b", 0, 1, Utf16, Ok(1));
    check("a😀b", 0, 2, Utf16, Err("inside a utf-16 surrogate pair"));
    check("a😀b", 0, 3, Utf16, Ok(2));
    check("a😀b", 0, 4, Utf16, Ok(3));
    check("a😀b", 0, 2, Utf32, Ok(2));
    check("a😀b", 0, 5, Utf8, Ok(2));
    check(
        "a😀b",
        0,
        2,
        Utf8,
        Err("inside a multi-byte utf-8 character"),
    );
    // The regression other AI servers shipped: counting utf-16 units as chars puts an edit
    // after an emoji one char too far right.
    check("😀x", 0, 2, Utf16, Ok(1));
}

#[test]
fn combining_marks_are_chars_of_their_own() {
    // "e\u{301}x": e, a combining acute accent (2 bytes, 1 unit), x.
    check("e\u{301}x", 0, 1, Utf16, Ok(1));
    check("e\u{301}x", 0, 2, Utf16, Ok(2));
    check("e\u{301}x", 0, 3, Utf8, Ok(2));
    check("e\u{301}x", 0, 2, Utf8, Err("inside"));
}

#[test]
fn crlf_and_lone_cr_are_line_breaks() {
    for enc in [Utf8, Utf16, Utf32] {
        check("a\r\nb", 1, 0, enc, Ok(3));
        check("a\rb", 1, 0, enc, Ok(2));
        check("a\r\rb", 2, 0, enc, Ok(3));
        check("a\n\rb", 2, 0, enc, Ok(3));
        check("a\r\n\r\nb", 2, 0, enc, Ok(5));
        check("a\r\n", 1, 0, enc, Ok(3));
    }
}

#[test]
fn unicode_line_separators_are_not_lsp_line_breaks() {
    // LSP breaks lines on \n, \r\n and \r only; U+2028 and U+0085 are ordinary characters.
    check("a\u{2028}b", 0, 2, Utf32, Ok(2));
    check("a\u{2028}b", 1, 0, Utf32, Err("past the end"));
    check("a\u{85}b", 0, 2, Utf16, Ok(2));
}

#[test]
fn char_to_position_inverts_position_to_char() {
    let text = "fn 😀() {\r\n  \"中文\"\re\u{301}\n}";
    let rope = Rope::from_str(text);
    for enc in [Utf8, Utf16, Utf32] {
        for char_idx in 0..=rope.len_chars() {
            let pos = char_to_position(&rope, char_idx, enc);
            let back = position_to_char(&rope, pos, enc).expect("a position we made converts back");
            // The chars of a line break all map to the end of the line's content.
            let is_break =
                char_idx < rope.len_chars() && matches!(rope.char(char_idx), '\n' | '\r');
            if !is_break {
                assert_eq!(
                    back, char_idx,
                    "{enc:?} char {char_idx} -> {pos:?} -> {back}"
                );
            }
        }
    }
}

#[test]
fn char_to_position_columns_per_encoding() {
    let rope = Rope::from_str("x\n😀中é");
    let end = rope.len_chars();
    assert_eq!(
        char_to_position(&rope, end, Utf8),
        Position::new(1, 4 + 3 + 2)
    );
    assert_eq!(
        char_to_position(&rope, end, Utf16),
        Position::new(1, 2 + 1 + 1)
    );
    assert_eq!(char_to_position(&rope, end, Utf32), Position::new(1, 3));
    assert_eq!(
        char_to_position(&rope, usize::MAX, Utf32),
        Position::new(1, 3)
    );
}

#[test]
fn negotiation_prefers_utf8_then_utf32_then_utf16() {
    assert_eq!(PositionEncoding::negotiate([Utf16, Utf8, Utf32]), Utf8);
    assert_eq!(PositionEncoding::negotiate([Utf16, Utf32]), Utf32);
    assert_eq!(PositionEncoding::negotiate([Utf16]), Utf16);
    assert_eq!(PositionEncoding::negotiate([]), Utf16);
}

#[test]
fn errors_are_values_not_panics() {
    let rope = Rope::from_str("a");
    let err = position_to_char(&rope, Position::new(u32::MAX, 0), Utf16).unwrap_err();
    assert_eq!(
        err,
        PositionError::LineOutOfRange {
            line: u32::MAX,
            line_count: 1
        }
    );
}
