//! Property test: random LSP edit sequences keep the rope equal to a plain `String` model, and
//! the syntax tree the server keeps (a `syntax::SyntaxTree` edited with our `InputEdit`s and
//! reparsed incrementally, as the document store does) equal to a fresh parse wherever the
//! server uses it, in utf-16, utf-8 and utf-32. Prints how many edits it applied.
//!
//! The `String` model converts positions on its own, by scanning lines and counting units, so
//! it checks the rope's conversion rather than repeating it. Every `InputEdit` is checked
//! against the model too (bytes and tree-sitter points), so the tree gets exact edits. The
//! reference tree is a fresh parse of the model `String` by a parser of the test's own.
//!
//! Trees: an incremental tree that `is_exact()` must equal the fresh parse, at every step, or the
//! test fails. An incremental tree with errors is not exact: tree-sitter's error recovery on an
//! edited tree sometimes settles on a different tree than a fresh parse (about one random
//! error-dense edit in 4,500; tree-sitter 0.25 and 0.27 alike; upstream tree-sitter#1645 and
//! #4001 describe the class). The server never hands such a tree on without `settle()`, which
//! parses afresh; the test checks that every divergent tree settles to the fresh parse, and
//! counts them. Like a user typing without a pause, the chain goes on from the unsettled tree,
//! settling only at random pauses.

use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::time::Duration;

use syntax::{Grammar, SyntaxTree};
use text::{ContentChange, Position, PositionEncoding, Range, TextDocument};
use tree_sitter::{Node, Parser, Tree};

/// Pieces the inserted text is made of: code, `\n` and `\r\n`, and characters that are more
/// than one unit in some encoding.
const PIECES: &[&str] = &[
    "a",
    "fn f() {",
    "}",
    "{",
    "\n",
    "\r\n",
    "😀",
    "中文",
    "e\u{301}",
    "\"",
    "//",
    " ",
    "(",
    ")",
    ";",
    "let x = 1;",
    "/*",
    "*/",
    "'",
    "\t",
];

/// The same, plus lone `\r`, which LSP counts as a line break and tree-sitter does not.
const PIECES_WITH_LONE_CR: &[&str] = &[
    "a", "fn f() {", "}", "\n", "\r\n", "\r", "\r", "😀", "中文", "//", " ", "(", ")", ";",
];

const SEEDS: &[&str] = &[
    "",
    "fn main() {\n    println!(\"hi 😀\");\n}\n",
    "struct 中文 { a: u8 }\r\nimpl 中文 {\r\n    fn new() -> Self { todo!() }\r\n}\r\n",
    "// e\u{301}\nfn a() {}\n\nfn b(x: &str) -> usize { x.len() }\n",
];

/// One random edit, resolved against the text when it is applied, so every step is valid.
#[derive(Debug, Clone)]
struct RandomEdit {
    start: (u32, u32),
    len: u32,
    text: String,
    /// Sometimes a column well past the line end, which must clamp.
    past_end: bool,
    /// Sometimes replace the whole document.
    full: bool,
}

fn random_edit(pieces: &'static [&'static str]) -> impl Strategy<Value = RandomEdit> {
    (
        (any::<u32>(), any::<u32>()),
        prop_oneof![4 => 0u32..3, 2 => 0u32..20, 1 => 0u32..200],
        prop::collection::vec(prop::sample::select(pieces), 0..6),
        prop::bool::weighted(0.05),
        prop::bool::weighted(0.005),
    )
        .prop_map(|(start, len, pieces, past_end, full)| RandomEdit {
            start,
            len,
            text: pieces.concat(),
            past_end,
            full,
        })
}

/// The oracle: the `String`'s lines (content, break) split by hand.
fn lines_of(text: &str) -> Vec<(usize, usize)> {
    // (content start byte, content end byte) per line.
    let mut lines = Vec::new();
    let bytes = text.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push((start, i));
                i += 1;
                start = i;
            }
            b'\r' => {
                lines.push((start, i));
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            _ => i += 1,
        }
    }
    lines.push((start, bytes.len()));
    lines
}

fn units(c: char, encoding: PositionEncoding) -> u32 {
    match encoding {
        PositionEncoding::Utf8 => c.len_utf8() as u32,
        PositionEncoding::Utf16 => c.len_utf16() as u32,
        PositionEncoding::Utf32 => 1,
    }
}

/// Picks a valid position on a char boundary (or a clamping one) from two random numbers,
/// returning it and the byte offset the oracle says it names.
fn pick_position(
    text: &str,
    (l, c): (u32, u32),
    past_end: bool,
    enc: PositionEncoding,
) -> (Position, usize) {
    let lines = lines_of(text);
    let line = l as usize % lines.len();
    let (start, end) = lines[line];
    let content = &text[start..end];
    let n_chars = content.chars().count();
    if past_end {
        let width: u32 = content.chars().map(|ch| units(ch, enc)).sum();
        return (Position::new(line as u32, width + 1 + c % 1000), end);
    }
    let k = c as usize % (n_chars + 1);
    let column: u32 = content.chars().take(k).map(|ch| units(ch, enc)).sum();
    let byte = start + content.chars().take(k).map(char::len_utf8).sum::<usize>();
    (Position::new(line as u32, column), byte)
}

/// A position `len` chars after `start_byte`, never past the end of its target line
/// (LSP cannot address the inside of a line break), with the byte it names.
fn pick_end(text: &str, start_byte: usize, len: u32, enc: PositionEncoding) -> (Position, usize) {
    // Walk `len` chars forward, then snap back out of a "\r\n" pair.
    let mut byte = start_byte;
    for ch in text[start_byte..].chars().take(len as usize) {
        byte += ch.len_utf8();
    }
    if byte > 0
        && byte < text.len()
        && text.as_bytes()[byte - 1] == b'\r'
        && text.as_bytes()[byte] == b'\n'
    {
        byte -= 1;
    }
    let lines = lines_of(text);
    let line = lines
        .iter()
        .rposition(|&(s, _)| s <= byte)
        .expect("the first line starts at 0");
    let (s, e) = lines[line];
    let byte = byte.min(e);
    let column: u32 = text[s..byte].chars().map(|ch| units(ch, enc)).sum();
    (Position::new(line as u32, column), byte)
}

/// Every node's kind and extent in bytes and points, depth first: what "the same tree" means.
fn shape(tree: &Tree) -> Vec<(u16, usize, usize, tree_sitter::Point, tree_sitter::Point)> {
    let mut out = Vec::new();
    let mut stack: Vec<Node<'_>> = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        out.push((
            node.kind_id(),
            node.start_byte(),
            node.end_byte(),
            node.start_position(),
            node.end_position(),
        ));
        let mut cursor = node.walk();
        let children: Vec<_> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// tree-sitter's point for a byte offset, counted the simple way: rows at `\n` only.
fn ts_point(text: &str, byte: usize) -> tree_sitter::Point {
    let before = &text.as_bytes()[..byte];
    let row = before.iter().filter(|b| **b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    tree_sitter::Point {
        row,
        column: byte - line_start,
    }
}

/// What one property run counted: tests run in parallel, so each run has its own.
#[derive(Default)]
struct Counts {
    edits: AtomicU64,
    /// Steps where the incremental tree had errors and differed from a fresh parse.
    tree_divergences: AtomicU64,
    /// Steps where the incremental tree had errors (and so was not trusted as exact).
    inexact: AtomicU64,
}

fn run_sequence(
    grammar: &'static Grammar,
    encoding: PositionEncoding,
    seed: &str,
    edits: &[RandomEdit],
    counts: &Counts,
) -> Result<(), TestCaseError> {
    let mut parser = Parser::new();
    parser
        .set_language(grammar.language())
        .expect("the grammar fits this tree-sitter");
    let mut model = seed.to_owned();
    let mut doc = TextDocument::new(seed, 0);
    let mut tree = SyntaxTree::parse(grammar, doc.rope(), Duration::MAX).expect("seeds parse");

    for (step, e) in edits.iter().enumerate() {
        let (range, start_byte, end_byte) = if e.full {
            (None, 0, model.len())
        } else {
            let (start, sb) = pick_position(&model, e.start, e.past_end, encoding);
            let (end, eb) = if e.past_end {
                (start, sb)
            } else {
                pick_end(&model, sb, e.len, encoding)
            };
            (Some(Range::new(start, end)), sb, eb)
        };
        let change = ContentChange {
            range,
            text: &e.text,
        };
        let (old_start_point, old_end_point) =
            (ts_point(&model, start_byte), ts_point(&model, end_byte));
        let applied = doc
            .apply_changes(&[change], step as i32 + 1, encoding)
            .map_err(|err| TestCaseError::fail(format!("step {step}: {err}")))?;
        model.replace_range(start_byte..end_byte, &e.text);
        counts.edits.fetch_add(1, Ordering::Relaxed);

        prop_assert_eq!(
            doc.rope().to_string(),
            model.as_str(),
            "text desync at step {}",
            step
        );
        let ie = applied[0].input_edit;
        let want = (
            start_byte,
            end_byte,
            start_byte + e.text.len(),
            old_start_point,
            old_end_point,
            ts_point(&model, start_byte + e.text.len()),
        );
        let got = (
            ie.start_byte,
            ie.old_end_byte,
            ie.new_end_byte,
            ie.start_position,
            ie.old_end_position,
            ie.new_end_position,
        );
        prop_assert_eq!(got, want, "input edit at step {}", step);

        // What the document store does with a change.
        if applied[0].replaced_all {
            tree = SyntaxTree::parse(grammar, doc.rope(), Duration::MAX).expect("parses");
        } else {
            tree.edit(&ie);
            tree.reparse(doc.rope(), Duration::MAX).expect("reparses");
        }
        let fresh = parser.parse(&model, None).expect("no timeout is set");
        let same = |tree: &SyntaxTree| {
            tree.tree().root_node().to_sexp() == fresh.root_node().to_sexp()
                && shape(tree.tree()) == shape(&fresh)
        };
        if tree.is_exact() {
            prop_assert!(
                same(&tree),
                "a tree taken as exact differs from a fresh parse at step {}:\nincremental {}\nfresh       {}",
                step,
                tree.to_sexp(),
                fresh.root_node().to_sexp()
            );
            continue;
        }
        counts.inexact.fetch_add(1, Ordering::Relaxed);
        prop_assert!(tree.has_errors(), "only trees with errors are inexact");
        let pause = e.start.0 % 16 == 0;
        if same(&tree) && !pause {
            continue;
        }
        if !same(&tree) {
            counts.tree_divergences.fetch_add(1, Ordering::Relaxed);
        }
        // What a reader of the store gets: the settled tree.
        let mut settled = tree.clone();
        prop_assert!(
            settled.settle(doc.rope(), Duration::MAX).expect("parses"),
            "an inexact tree is parsed afresh"
        );
        prop_assert!(
            settled.is_exact() && same(&settled),
            "a settled tree differs from a fresh parse at step {}",
            step
        );
        if pause {
            // The user paused: the background parse replaced the tree.
            tree = settled;
        }
    }
    Ok(())
}

impl Counts {
    /// Prints what the run counted (the issue asks for the count) and returns the edits.
    fn report(&self, label: &str) -> u64 {
        let n = self.edits.load(Ordering::Relaxed);
        let inexact = self.inexact.load(Ordering::Relaxed);
        let divergences = self.tree_divergences.load(Ordering::Relaxed);
        println!(
            "{label}: {n} random edits; 0 desyncs of text, 0 of trees in use (exact or settled); \
             {inexact} incremental trees had errors, {divergences} of them differed from a fresh \
             parse and were settled to it"
        );
        n
    }
}

struct Run {
    grammar: &'static str,
    encoding: PositionEncoding,
    pieces: &'static [&'static str],
    cases: u32,
    edits_per_case: usize,
}

/// Runs the property and returns what it counted.
fn run(r: Run) -> Counts {
    let counts = Counts::default();
    let grammar = syntax::grammar_by_name(r.grammar).expect("a grammar");
    // A fixed seed: the same million edits every run. With a fresh seed each run, some seeds
    // drive tree-sitter's error recovery into parses that take minutes and gigabytes (FIXME:
    // the server needs a parse budget for that; see ARCHITECTURE.md), which made CI's time
    // depend on luck.
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: r.cases,
            failure_persistence: None,
            // Cases are long; a few hundred shrink steps find a short sequence without taking minutes.
            max_shrink_iters: 500,
            ..Config::default()
        },
        rng,
    );
    let strategy = (
        prop::sample::select(SEEDS),
        prop::collection::vec(random_edit(r.pieces), r.edits_per_case..=r.edits_per_case),
    );
    let result = runner.run(&strategy, |(seed, edits)| {
        run_sequence(grammar, r.encoding, seed, &edits, &counts)
    });
    if let Err(failure) = result {
        panic!("{:?}: {failure}", r.encoding);
    }
    counts
}

// The issue asks for at least 1,000,000 random edits in total across utf-16 and utf-8, with zero
// desyncs of text or tree; each test prints its own count so the run shows it. Short cases keep
// documents small, so a million edits take a couple of minutes rather than ten.

#[test]
fn random_edits_utf16_rust() {
    let counts = run(Run {
        grammar: "rust",
        encoding: PositionEncoding::Utf16,
        pieces: PIECES,
        cases: 2_500,
        edits_per_case: 200,
    });
    assert_eq!(counts.report("utf-16, rust grammar"), 500_000);
}

#[test]
fn random_edits_utf8_rust() {
    let counts = run(Run {
        grammar: "rust",
        encoding: PositionEncoding::Utf8,
        pieces: PIECES,
        cases: 2_500,
        edits_per_case: 200,
    });
    assert_eq!(counts.report("utf-8, rust grammar"), 500_000);
}

#[test]
fn random_edits_utf32_python() {
    let counts = run(Run {
        grammar: "python",
        encoding: PositionEncoding::Utf32,
        pieces: PIECES,
        cases: 250,
        edits_per_case: 200,
    });
    assert_eq!(counts.report("utf-32, python grammar"), 50_000);
}

/// Lone `\r`: LSP counts it as a line break and tree-sitter's rows do not.
#[test]
fn random_edits_with_lone_cr_keep_text_and_edits_exact() {
    let counts = run(Run {
        grammar: "rust",
        encoding: PositionEncoding::Utf16,
        pieces: PIECES_WITH_LONE_CR,
        cases: 250,
        edits_per_case: 200,
    });
    assert_eq!(counts.report("utf-16 with lone \\r"), 50_000);
}
