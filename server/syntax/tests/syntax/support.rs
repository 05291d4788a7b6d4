//! The fixture helper: parse a source with a `$0` cursor (or a `$0...$0` range) and render what
//! each query finds, for `expect!` snapshots.

use std::fmt::Write;
use std::ops::Range;
use std::time::Duration;

use expect_test::Expect;
use ropey::Rope;
use syntax::{SyntaxTree, grammar_for_language_id};

/// The text without its `$0` markers, and the range they mark (a cursor when there is one).
pub fn split_cursor(fixture: &str) -> (String, Range<usize>) {
    let first = fixture
        .find("$0")
        .expect("a fixture marks the cursor with $0");
    let text = fixture.replacen("$0", "", 1);
    match text.find("$0") {
        Some(second) => (text.replacen("$0", "", 1), first..second),
        None => (text, first..first),
    }
}

/// Parses a fixture with the grammar of `language_id`.
pub fn parse(language_id: &str, text: &str) -> (Rope, SyntaxTree) {
    let grammar =
        grammar_for_language_id(language_id).expect("the fixture's language has a grammar");
    let rope = Rope::from_str(text);
    let tree = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("fixtures parse");
    (rope, tree)
}

/// 1-based line of a byte offset.
fn line(rope: &Rope, byte: usize) -> usize {
    rope.byte_to_line(byte) + 1
}

fn lines(rope: &Rope, range: &Range<usize>) -> String {
    let (start, end) = (
        line(rope, range.start),
        line(rope, range.end.saturating_sub(1).max(range.start)),
    );
    if start == end {
        format!("L{start}")
    } else {
        format!("L{start}-{end}")
    }
}

/// Renders the enclosing scope at the cursor, the outline, the imports and the markers.
pub fn render(language_id: &str, fixture: &str) -> String {
    let (text, cursor) = split_cursor(fixture);
    let (rope, tree) = parse(language_id, &text);
    let mut out = String::new();
    assert!(
        !tree.has_errors(),
        "the fixture should parse cleanly: {}",
        tree.to_sexp()
    );
    match tree.enclosing_scope(&rope, cursor) {
        Some(scope) => {
            let name = scope.name.as_deref().unwrap_or("<anonymous>");
            writeln!(
                out,
                "scope: {} {name} {}",
                scope.kind,
                lines(&rope, &scope.bytes)
            )
            .ok();
        }
        None => writeln!(out, "scope: none").unwrap_or_default(),
    }
    let outline = tree.outline(&rope);
    writeln!(out, "outline:").ok();
    for item in &outline {
        let indent = "  ".repeat(item.depth + 1);
        let name = item.name.as_deref().unwrap_or("<anonymous>");
        let signature = item.signature.replace('\n', "⏎");
        writeln!(
            out,
            "{indent}{} {name} {}: {signature}",
            item.kind,
            lines(&rope, &item.bytes)
        )
        .ok();
        if let Some(name_bytes) = &item.name_bytes {
            assert_eq!(
                rope.byte_slice(name_bytes.clone())
                    .to_string()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                name
            );
        }
    }
    let imports = tree.imports(&rope);
    if !imports.is_empty() {
        writeln!(out, "imports:").ok();
        for import in &imports {
            writeln!(
                out,
                "  {} {}",
                lines(&rope, &import.bytes),
                import.text.replace('\n', "⏎")
            )
            .ok();
        }
    }
    let markers = tree.markers(&rope);
    if !markers.is_empty() {
        writeln!(out, "markers:").ok();
        for marker in &markers {
            writeln!(
                out,
                "  {:?} {}: {:?}",
                marker.kind,
                lines(&rope, &marker.bytes),
                marker.text
            )
            .ok();
        }
    }
    out
}

/// Checks a fixture's rendering against a snapshot.
pub fn check(language_id: &str, fixture: &str, expect: Expect) {
    expect.assert_eq(&render(language_id, fixture));
}
