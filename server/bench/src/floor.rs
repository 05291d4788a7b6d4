//! The floor of P1: what a didChange must cost at least, measured in process — one rope edit
//! (`TextDocument::apply_changes`, which converts the LSP range as the server does) plus one
//! incremental reparse (`SyntaxTree::edit` and `reparse`), with the server's time limit.

use std::time::{Duration, Instant};

use anyhow::Context;
use text::{ContentChange, PositionEncoding, TextDocument};

use crate::edits::CharEdit;

/// The server's limit for a parse that holds up `didOpen` / `didChange` (its `store.rs`).
pub const EDIT_PARSE_LIMIT: Duration = Duration::from_millis(200);

/// A document and its tree, edited as the server's store edits them.
pub struct Floor {
    doc: TextDocument,
    tree: syntax::SyntaxTree,
    encoding: PositionEncoding,
    version: i32,
}

impl Floor {
    /// Parses `text` as Rust, afresh and without a limit.
    ///
    /// # Errors
    /// When the Rust grammar is missing or cannot parse.
    pub fn new(text: &str, encoding: PositionEncoding) -> anyhow::Result<Floor> {
        let grammar = syntax::grammar_for_language_id("rust").context("no Rust grammar")?;
        let doc = TextDocument::new(text, 0);
        let tree = syntax::SyntaxTree::parse(grammar, doc.rope(), Duration::MAX)?;
        Ok(Floor {
            doc,
            tree,
            encoding,
            version: 0,
        })
    }

    pub fn doc(&self) -> &TextDocument {
        &self.doc
    }

    pub fn tree(&self) -> &syntax::SyntaxTree {
        &self.tree
    }

    /// The LSP range of `edit` in the current text: the client's work, not the server's.
    pub fn range(&self, edit: &CharEdit) -> text::Range {
        edit.range(self.doc.rope(), self.encoding)
    }

    /// Applies one change and reparses: the part of a didChange the server cannot skip.
    ///
    /// # Errors
    /// A range that does not convert, or a reparse that fails or runs out of time.
    pub fn step(&mut self, range: text::Range, text: &str) -> anyhow::Result<()> {
        self.version += 1;
        let change = ContentChange {
            range: Some(range),
            text,
        };
        let applied = self
            .doc
            .apply_changes(&[change], self.version, self.encoding)?;
        for change in &applied {
            self.tree.edit(&change.input_edit);
        }
        self.tree.reparse(self.doc.rope(), EDIT_PARSE_LIMIT)?;
        Ok(())
    }
}

/// Times [`Floor::step`] for each edit, in order, from `text`; the ranges are computed before
/// each clock starts, as a client computes them before it sends.
///
/// # Errors
/// As [`Floor::new`] and [`Floor::step`], and edits that leave syntax errors (the floor would
/// then include error recovery the round trips may not have had).
pub fn measure(
    text: &str,
    edits: &[CharEdit],
    encoding: PositionEncoding,
) -> anyhow::Result<Vec<Duration>> {
    let mut floor = Floor::new(text, encoding)?;
    let mut samples = Vec::with_capacity(edits.len());
    for edit in edits {
        let range = floor.range(edit);
        let started = Instant::now();
        floor.step(range, &edit.text)?;
        samples.push(started.elapsed());
    }
    anyhow::ensure!(
        !floor.tree.has_errors(),
        "the edits left syntax errors; the floor would not be comparable"
    );
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_tracks_the_edits() {
        let text = crate::corpus::rust_lines(500, 3);
        let edits = crate::edits::random_edits(&text, 200, 4);
        let mut expected = text::Rope::from_str(&text);
        for edit in &edits {
            edit.apply(&mut expected);
        }
        for encoding in [PositionEncoding::Utf16, PositionEncoding::Utf8] {
            let mut floor = Floor::new(&text, encoding).expect("parses");
            for edit in &edits {
                let range = floor.range(edit);
                floor.step(range, &edit.text).expect("applies");
            }
            assert_eq!(floor.doc().rope().to_string(), expected.to_string());
            assert!(!floor.tree().has_errors());
        }
    }
}
