//! Minimal edits from two versions of a text: what an LSP `TextEdit` list should carry instead of
//! one whole-range replacement, so that the user's cursor, marks and undo history survive and
//! an edit moved over the user's typing touches as little as possible.
//!
//! Lines are diffed first (Myers, through `similar`), then each replaced group of lines is
//! trimmed to the characters that really differ. Offsets are in chars of the old text.

use std::ops::Range;

use similar::{DiffOp, TextDiff};

/// Replace `old[range]` (chars) with `new_text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharEdit {
    pub range: Range<usize>,
    pub new_text: String,
}

/// The edits that turn `old` into `new`, in order, not overlapping.
///
/// O((N + M) · D) in lines for D differing lines, plus the length of the changed lines.
pub fn minimal_edits(old: &str, new: &str) -> Vec<CharEdit> {
    let diff = TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .diff_lines(old, new);
    let old_lines: Vec<&str> = diff.old_slices().to_vec();
    let new_lines: Vec<&str> = diff.new_slices().to_vec();
    // Char offset where each old line starts.
    let mut starts = Vec::with_capacity(old_lines.len() + 1);
    let mut at = 0;
    for line in &old_lines {
        starts.push(at);
        at += line.chars().count();
    }
    starts.push(at);

    let mut edits = Vec::new();
    for op in diff.ops() {
        let (old_range, new_range) = match *op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete {
                old_index, old_len, ..
            } => (old_index..old_index + old_len, 0..0),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => (old_index..old_index, new_index..new_index + new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (
                old_index..old_index + old_len,
                new_index..new_index + new_len,
            ),
        };
        let removed: String = old_lines[old_range.clone()].concat();
        let added: String = new_lines[new_range].concat();
        let edit = trimmed(starts[old_range.start], &removed, &added);
        if !edit.range.is_empty() || !edit.new_text.is_empty() {
            edits.push(edit);
        }
    }
    edits
}

/// The edit replacing `removed` (starting at char `start`) with `added`, without the prefix and
/// suffix they share.
fn trimmed(start: usize, removed: &str, added: &str) -> CharEdit {
    let prefix: usize = removed
        .chars()
        .zip(added.chars())
        .take_while(|(a, b)| a == b)
        .count();
    let removed_rest: Vec<char> = removed.chars().skip(prefix).collect();
    let added_rest: Vec<char> = added.chars().skip(prefix).collect();
    let suffix = removed_rest
        .iter()
        .rev()
        .zip(added_rest.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let removed_len = removed_rest.len() - suffix;
    CharEdit {
        range: start + prefix..start + prefix + removed_len,
        new_text: added_rest[..added_rest.len() - suffix].iter().collect(),
    }
}

/// Applies edits made by [`minimal_edits`] (for tests and for checking).
pub fn apply_char_edits(old: &str, edits: &[CharEdit]) -> String {
    let chars: Vec<char> = old.chars().collect();
    let mut out = String::with_capacity(old.len());
    let mut at = 0;
    for edit in edits {
        out.extend(&chars[at..edit.range.start]);
        out.push_str(&edit.new_text);
        at = edit.range.end;
    }
    out.extend(&chars[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(old: &str, new: &str, expected: &[(Range<usize>, &str)]) {
        let edits = minimal_edits(old, new);
        assert_eq!(apply_char_edits(old, &edits), new);
        let got: Vec<(Range<usize>, &str)> = edits
            .iter()
            .map(|e| (e.range.clone(), e.new_text.as_str()))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn edits_touch_only_what_changed() {
        check("a\nb\nc\n", "a\nb\nc\n", &[]);
        check(
            "fn f() {\n    1\n}\n",
            "fn f() {\n    2\n}\n",
            &[(13..14, "2")],
        );
        check("a\nc\n", "a\nb\nc\n", &[(2..2, "b\n")]);
        check("a\nb\nc\n", "a\nc\n", &[(2..4, "")]);
        // Chars, not bytes: the emoji and the CJK count one each.
        check(
            "let 😀 = \"中文\";\n",
            "let 😀 = \"中文字\";\n",
            &[(11..11, "字")],
        );
        check("x\r\ny\r\n", "x\r\nz\r\n", &[(3..4, "z")]);
        check("", "new\n", &[(0..0, "new\n")]);
        check("old", "", &[(0..3, "")]);
        check("no newline", "no newline at end", &[(10..10, " at end")]);
    }

    #[test]
    fn several_hunks_stay_in_order() {
        let old = "one\ntwo\nthree\nfour\nfive\n";
        let new = "one\nTWO\nthree\nfour\nfive!\nsix\n";
        let edits = minimal_edits(old, new);
        assert_eq!(apply_char_edits(old, &edits), new);
        assert_eq!(edits.len(), 2);
        assert!(edits[0].range.end <= edits[1].range.start);
    }
}
