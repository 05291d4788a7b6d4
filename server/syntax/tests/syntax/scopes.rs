//! The enclosing scope at the edges: a cursor on the first or last byte of an item, between
//! items, a selection over two items, inside a closure, and plain text without a grammar; and
//! the markers found in a range.

use ropey::Rope;
use std::time::Duration;
use syntax::grammar_for_language_id;

use crate::support::{parse, split_cursor};

fn scope_at(language_id: &str, fixture: &str) -> String {
    let (text, range) = split_cursor(fixture);
    let (rope, tree) = parse(language_id, &text);
    match tree.enclosing_scope(&rope, range) {
        Some(scope) => format!(
            "{} {}",
            scope.kind,
            scope.name.as_deref().unwrap_or("<anonymous>")
        ),
        None => "none".to_owned(),
    }
}

#[test]
fn scope_edges() {
    let source = "struct S;\n\nimpl S {\n    fn a(&self) {\n        let f = |x| x + 1;\n    }\n\n    fn b() {}\n}\n\nfn c() {}\n";
    // Each case marks a cursor (or a `$0...$0` range) in a snippet of the source. Both ends of an
    // item count as inside it, as an editor's cursor at the end of a line is.
    let cases = [
        ("$0struct S;", "struct S"),
        ("impl S {\n    $0fn a", "method a"),
        ("let f = |x| x $0+ 1", "method a"),
        ("fn b() {}$0", "method b"),
        ("fn b() {}\n$0}", "impl S"),
        ("\n$0\nfn c", "none"),
        ("$0fn c() {}$0", "function c"),
        ("fn b() {}$0\n}\n\n$0fn c", "none"),
        (
            "$0    fn a(&self) {\n        let f = |x| x + 1;\n    }\n\n    fn b() {}$0",
            "impl S",
        ),
    ];
    for (place, expected) in cases {
        let bare = place.replace("$0", "");
        let at = source
            .find(&bare)
            .unwrap_or_else(|| panic!("{bare:?} is not in the source"));
        let fixture = format!("{}{place}{}", &source[..at], &source[at + bare.len()..]);
        let got = scope_at("rust", &fixture);
        assert_eq!(got, expected, "{place:?}");
    }
}

#[test]
fn a_language_without_a_grammar_is_plain_text() {
    assert!(grammar_for_language_id("plaintext").is_none());
    // And a grammar without scopes answers none rather than failing.
    let grammar = grammar_for_language_id("json").expect("json has a grammar");
    let rope = Rope::from_str("{\"a\": 1}");
    let tree = syntax::SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
    assert_eq!(tree.enclosing_scope(&rope, 3..3), None);
    assert_eq!(tree.imports(&rope), Vec::new());
}

#[test]
fn markers_in_a_range_keep_their_continuation_lines_past_its_end() {
    let source = "// TODO: first\nfn a() {}\n\n// TODO: second, which\n// goes on here\nfn b() {}\n// FIXME: third\n";
    let (rope, tree) = parse("rust", source);
    let texts = |bytes: std::ops::Range<usize>| -> Vec<String> {
        tree.markers_in(&rope, bytes)
            .into_iter()
            .map(|marker| marker.text)
            .collect()
    };
    let second = source.find("// TODO: second").expect("in the source");
    // Only the second marker starts in its own first line; its next line is past the range.
    assert_eq!(texts(second..second + 5), ["second, which\ngoes on here"]);
    assert_eq!(
        texts(0..source.len()),
        tree.markers(&rope)
            .into_iter()
            .map(|marker| marker.text)
            .collect::<Vec<_>>()
    );
    assert_eq!(texts(0..source.len()).len(), 3);
    assert!(texts(source.find("fn a").expect("in the source")..second).is_empty());
}
