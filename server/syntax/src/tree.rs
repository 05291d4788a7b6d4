//! A document's syntax tree: parsing a rope without copying it, editing and reparsing
//! incrementally, and cheap snapshots for readers on other threads.

use std::cell::RefCell;
use std::fmt;
use std::time::{Duration, Instant};

use ropey::Rope;
use tree_sitter::{InputEdit, ParseOptions, ParseState, Parser, Point, Tree};

use crate::SyntaxError;
use crate::registry::Grammar;
use crate::rope_text::chunk_from;

thread_local! {
    /// One parser per thread, reused across calls. Measured on this project's 2-core machine
    /// (tree-sitter built at opt-level 2, an 8.6 KB Rust file, one inserted byte): incremental
    /// reparse took about 50 µs with a reused parser and about 56 µs with a fresh one. Creating
    /// the parser is only 0.35 µs; the rest is the allocations of its stacks and buffers, which a
    /// reused parser keeps. `set_language` on every call costs about 25 ns, so one parser serves
    /// all grammars. A `Parser` needs `&mut`, hence one per thread rather than one shared.
    static PARSER: RefCell<Parser> = RefCell::new(Parser::new());
}

/// The syntax tree of one document version, with the grammar that parsed it.
///
/// `Clone` is cheap (tree-sitter trees are reference counted and copy on write), so readers take
/// a snapshot and let the document go; the type is `Send + Sync`.
///
/// **Exactness.** A fresh parse is exact by definition. An incremental reparse that leaves an
/// error-free tree equals a fresh parse too (the property tests check that over a million random
/// edits). An incremental reparse that leaves errors may not: tree-sitter's error recovery on an
/// edited tree sometimes settles on a different (equally valid) tree than a fresh parse would,
/// about one random error-dense edit in 4,500. Such a tree is marked inexact, and
/// [`SyntaxTree::settle`] replaces it with a fresh parse; readers that hand the tree to anything
/// (context for a model, `switchboard/documentState`) settle first, so what leaves the server
/// always equals a fresh parse of the text.
#[derive(Clone)]
pub struct SyntaxTree {
    grammar: &'static Grammar,
    tree: Tree,
    exact: bool,
}

impl SyntaxTree {
    /// Parses the whole rope, reading its chunks in place (no `String` copy), giving up after
    /// `limit` (`Duration::MAX` for no limit).
    ///
    /// Linear in the size of the text for ordinary code. Some error-dense text drives
    /// tree-sitter's error recovery into parses of minutes and gigabytes; the limit is what keeps
    /// such text from taking the server with it. Never panics, whatever the text.
    ///
    /// # Errors
    ///
    /// [`SyntaxError::Language`] when the grammar does not fit the linked tree-sitter,
    /// [`SyntaxError::OverBudget`] when the parse ran past `limit`, and [`SyntaxError::Parse`]
    /// when tree-sitter gives up for another reason (it does not without a limit).
    pub fn parse(
        grammar: &'static Grammar,
        rope: &Rope,
        limit: Duration,
    ) -> Result<SyntaxTree, SyntaxError> {
        let tree = run_parser(grammar, rope, None, limit)?;
        Ok(SyntaxTree {
            grammar,
            tree,
            exact: true,
        })
    }

    /// Tells the tree about one edit of its text, so that the next [`SyntaxTree::reparse`] can
    /// reuse what the edit did not touch. Call it once per edit, in order, before reparsing.
    pub fn edit(&mut self, edit: &InputEdit) {
        self.tree.edit(edit);
        self.exact = false;
    }

    /// Reparses the rope incrementally from the edited tree; the rope must be the text after
    /// the edits given to [`SyntaxTree::edit`] since the last parse. The result is exact unless
    /// it holds errors (see the type's documentation).
    ///
    /// Proportional to the size of the edits and the nodes around them, not to the document.
    ///
    /// # Errors
    ///
    /// As [`SyntaxTree::parse`]; on error the tree is left as it was, edited but not reparsed,
    /// so it no longer describes the text: parse afresh.
    pub fn reparse(&mut self, rope: &Rope, limit: Duration) -> Result<(), SyntaxError> {
        self.tree = run_parser(self.grammar, rope, Some(&self.tree), limit)?;
        self.exact = !self.has_errors();
        Ok(())
    }

    /// Whether this tree is known to equal a fresh parse of its text.
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// Makes the tree exact: a fresh parse of `rope` (the text this tree was last parsed from)
    /// when it is not already. Returns whether it parsed.
    ///
    /// # Errors
    ///
    /// As [`SyntaxTree::parse`]; on error the tree is left as it was.
    pub fn settle(&mut self, rope: &Rope, limit: Duration) -> Result<bool, SyntaxError> {
        if self.exact {
            return Ok(false);
        }
        *self = SyntaxTree::parse(self.grammar, rope, limit)?;
        Ok(true)
    }

    /// The tree-sitter tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The grammar that parsed this tree.
    pub fn grammar(&self) -> &'static Grammar {
        self.grammar
    }

    /// The tree as an S-expression of named nodes, with field names, in the format of
    /// tree-sitter's `Node::to_sexp` (the `syntax_tree` of `switchboard/documentState`).
    ///
    /// Written here, with a cursor, because tree-sitter's own recurses in C once per level and
    /// overflows a 2 MB thread stack on a few thousand nested blocks. One difference: an error
    /// leaf that tree-sitter prints as `(UNEXPECTED 'c')` is `(ERROR)` here, since the tree does
    /// not keep the character. Linear in the size of the tree.
    pub fn to_sexp(&self) -> String {
        let mut out = String::new();
        let mut cursor = self.tree.walk();
        // For each node entered above the cursor: whether it opened a parenthesis.
        let mut open: Vec<bool> = Vec::new();
        loop {
            let node = cursor.node();
            let is_root = open.is_empty();
            let printed = is_root || node.is_named() || node.is_missing();
            if printed {
                if !is_root {
                    out.push(' ');
                    if let Some(field) = cursor.field_name() {
                        out.push_str(field);
                        out.push_str(": ");
                    }
                }
                if node.is_missing() {
                    out.push_str("(MISSING ");
                    if node.is_named() {
                        out.push_str(node.kind());
                    } else {
                        out.push('"');
                        out.push_str(node.kind());
                        out.push('"');
                    }
                } else {
                    out.push('(');
                    out.push_str(node.kind());
                }
            }
            if cursor.goto_first_child() {
                open.push(printed);
                continue;
            }
            if printed {
                out.push(')');
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return out;
                }
                if open.pop() == Some(true) {
                    out.push(')');
                }
            }
        }
    }

    /// Whether the tree holds syntax errors or missing nodes.
    pub fn has_errors(&self) -> bool {
        self.tree.root_node().has_error()
    }

    /// Every syntax error of the tree, in document order: the outermost `ERROR` nodes (what
    /// the parser could not read) and the `MISSING` nodes (what it had to assume, like a `}`).
    ///
    /// O(size of the subtrees that hold errors): subtrees without one are skipped whole.
    pub fn errors(&self) -> Vec<ErrorSpot> {
        let mut out = Vec::new();
        let mut cursor = self.tree.walk();
        if !cursor.node().has_error() {
            return out;
        }
        loop {
            let node = cursor.node();
            let spot = if node.is_error() {
                Some(ErrorSpot {
                    bytes: node.byte_range(),
                    rows: node.start_position().row..=node.end_position().row,
                    missing: None,
                })
            } else if node.is_missing() {
                Some(ErrorSpot {
                    bytes: node.byte_range(),
                    rows: node.start_position().row..=node.start_position().row,
                    missing: Some(node.kind().to_string()),
                })
            } else {
                None
            };
            let descend = spot.is_none() && node.has_error();
            if let Some(spot) = spot {
                out.push(spot);
            }
            if descend && cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return out;
                }
            }
        }
    }
}

/// One syntax error of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorSpot {
    /// The bytes the error covers (empty for a missing node).
    pub bytes: std::ops::Range<usize>,
    /// The rows (0-based, as tree-sitter counts them: at `\n`) it covers.
    pub rows: std::ops::RangeInclusive<usize>,
    /// For a missing node, what is missing (`}`, `;`).
    pub missing: Option<String>,
}

impl fmt::Debug for SyntaxTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyntaxTree")
            .field("grammar", &self.grammar.name())
            .finish_non_exhaustive()
    }
}

/// Parses with this thread's parser, or a fresh one if it is somehow already in use.
fn run_parser(
    grammar: &'static Grammar,
    rope: &Rope,
    old: Option<&Tree>,
    limit: Duration,
) -> Result<Tree, SyntaxError> {
    PARSER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut parser) => parse_with(&mut parser, grammar, rope, old, limit),
        // Only reachable if a parse re-entered itself; a spare parser keeps that from panicking.
        Err(_) => parse_with(&mut Parser::new(), grammar, rope, old, limit),
    })
}

fn parse_with(
    parser: &mut Parser,
    grammar: &'static Grammar,
    rope: &Rope,
    old: Option<&Tree>,
    limit: Duration,
) -> Result<Tree, SyntaxError> {
    parser
        .set_language(grammar.language())
        .map_err(|source| SyntaxError::Language {
            grammar: grammar.name(),
            source,
        })?;
    let mut read = |offset: usize, _: Point| chunk_from(rope, offset);
    // tree-sitter calls this every few hundred operations; returning true cancels the parse.
    let deadline = Instant::now().checked_add(limit);
    let mut over_budget =
        |_: &ParseState| deadline.is_some_and(|deadline| Instant::now() >= deadline);
    let options = ParseOptions::new().progress_callback(&mut over_budget);
    let parsed = parser.parse_with_options(&mut read, old, Some(options));
    match parsed {
        Some(tree) => Ok(tree),
        None => {
            // A parse that stopped half way leaves state behind that the next one would resume.
            parser.reset();
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                Err(SyntaxError::OverBudget {
                    grammar: grammar.name(),
                    limit,
                })
            } else {
                Err(SyntaxError::Parse {
                    grammar: grammar.name(),
                })
            }
        }
    }
}
