//! Random small edits, as a user types: a few letters inserted into a word, or one deleted.
//!
//! Every edit lands inside an identifier (or a word of a comment or string) and never makes or
//! breaks a keyword, so the text stays free of syntax errors. That keeps the measurement about
//! incremental parsing: an edit that leaves an error marks the server's tree inexact, and a
//! pause in typing then makes the server parse the whole file afresh in the background, which is
//! a different cost than the one P1 measures.

use std::ops::Range;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use text::{PositionEncoding, Rope};

/// One edit, in chars of the text as it is just before the edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharEdit {
    pub chars: Range<usize>,
    pub text: String,
}

impl CharEdit {
    /// The LSP range of this edit in `rope` (the text before the edit), in `encoding`.
    pub fn range(&self, rope: &Rope, encoding: PositionEncoding) -> text::Range {
        text::chars_to_range(rope, self.chars.clone(), encoding)
    }

    /// Where the cursor is after the edit, in chars of the edited text.
    pub fn cursor_after(&self) -> usize {
        self.chars.start + self.text.chars().count()
    }

    /// Applies the edit to `rope`.
    pub fn apply(&self, rope: &mut Rope) {
        rope.remove(self.chars.clone());
        rope.insert(self.chars.start, &self.text);
    }
}

/// Rust's keywords (strict and reserved ones that tree-sitter knows): never made or changed.
const KEYWORDS: [&str; 40] = [
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "union", "unsafe", "use", "where", "while",
];

fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word) || word == "macro_rules" || word == "yield"
}

/// `count` edits of `text`, each valid for the text the earlier ones left; the same `seed` gives
/// the same edits. Two in three insert one to three letters, one in three deletes a letter.
///
/// # Panics
/// If `text` has no word of two letters or more to edit, which the sample texts always have.
pub fn random_edits(text: &str, count: usize, seed: u64) -> Vec<CharEdit> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut rope = Rope::from_str(text);
    let mut edits = Vec::with_capacity(count);
    let mut misses = 0usize;
    while edits.len() < count {
        let line = rng.random_range(0..rope.len_lines());
        let Some(edit) = edit_in_line(&rope, line, &mut rng) else {
            misses += 1;
            assert!(
                misses < 1_000_000,
                "the text has no word left to edit; pass a sample text"
            );
            continue;
        };
        edit.apply(&mut rope);
        edits.push(edit);
    }
    edits
}

/// A random edit inside a random word of `line`, or `None` when the line has no word to edit.
fn edit_in_line(rope: &Rope, line: usize, rng: &mut StdRng) -> Option<CharEdit> {
    let chars: Vec<char> = rope.line(line).chars().collect();
    let words = words(&chars);
    if words.is_empty() {
        return None;
    }
    let word = words[rng.random_range(0..words.len())].clone();
    let spelled: String = chars[word.clone()].iter().collect();
    if is_keyword(&spelled) {
        return None;
    }
    let line_start = rope.line_to_char(line);
    // Inside the word, never before its first letter: a word must not start with a digit.
    let at = rng.random_range(1..word.len());
    let (chars_range, inserted, result) = if rng.random_range(0..3) < 2 {
        let letters: String = (0..rng.random_range(1..=3))
            .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
            .collect();
        let result = format!("{}{letters}{}", &spelled[..at], &spelled[at..]);
        (at..at, letters, result)
    } else {
        let result = format!("{}{}", &spelled[..at], &spelled[at + 1..]);
        (at..at + 1, String::new(), result)
    };
    if is_keyword(&result) {
        return None;
    }
    let base = line_start + word.start;
    Some(CharEdit {
        chars: base + chars_range.start..base + chars_range.end,
        text: inserted,
    })
}

/// The words of a line (runs of ASCII letters, digits and `_` that start with a letter or `_`
/// and are at least two long), as char ranges of the line. A run just after `'` is a lifetime
/// and is left out with the rest of its kind of token.
fn words(chars: &[char]) -> Vec<Range<usize>> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_word(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_word(chars[i]) {
            i += 1;
        }
        let starts_well = chars[start].is_ascii_alphabetic() || chars[start] == '_';
        let after_quote = start > 0 && chars[start - 1] == '\'';
        if starts_well && !after_quote && i - start >= 2 {
            words.push(start..i);
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn edits_keep_the_sample_free_of_errors() {
        let text = crate::corpus::rust_lines(2_000, 11);
        let edits = random_edits(&text, 2_000, 5);
        assert_eq!(edits, random_edits(&text, 2_000, 5), "deterministic");
        let mut rope = Rope::from_str(&text);
        for edit in &edits {
            assert!(edit.text.len() <= 3 && edit.chars.len() <= 1);
            edit.apply(&mut rope);
        }
        let grammar = syntax::grammar_for_language_id("rust").expect("a rust grammar");
        let tree = syntax::SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
        assert!(!tree.has_errors());
        assert_ne!(rope.to_string(), text);
    }

    #[test]
    fn words_skip_numbers_lifetimes_and_single_letters() {
        let chars: Vec<char> = "let x = 12u64 + f<'ab>(y_z, _q) ü".chars().collect();
        let found: Vec<String> = words(&chars)
            .into_iter()
            .map(|r| chars[r].iter().collect())
            .collect();
        assert_eq!(found, ["let", "y_z", "_q"]);
    }
}
