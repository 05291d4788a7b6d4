//! Nothing panics: every grammar and query over empty, hostile, huge and deeply nested text, and
//! ranges past the end or reversed.

use std::ops::Range;
use std::time::Duration;

use ropey::Rope;
use syntax::{SyntaxTree, grammars};

/// Runs every query of the tree over the whole text and over odd ranges.
fn exercise(tree: &SyntaxTree, rope: &Rope) {
    let len = rope.len_bytes();
    let _ = tree.outline(rope);
    let _ = tree.imports(rope);
    let _ = tree.markers(rope);
    for range in [
        0..0,
        0..len,
        len..len,
        len / 2..len / 2,
        // Reversed ranges are what a caller with a bug would pass: they must not panic either.
        Range { start: len, end: 0 },
        Range { start: 3, end: 1 },
        len + 10..len + 20,
        0..usize::MAX,
    ] {
        let _ = tree.enclosing_scope(rope, range.clone());
        let _ = tree.complexity(range);
    }
}

#[test]
fn every_grammar_takes_empty_and_hostile_text() {
    let texts = [
        String::new(),
        "\n".to_owned(),
        "\r\n\r\r\n".to_owned(),
        "\u{feff}BOM then text".to_owned(),
        "é😀日本\u{0}\u{7f}\u{200b}".repeat(50),
        "}{)(][><\"'`/*--[[#<!--".repeat(100),
        "fn def function class { if ( for".repeat(100),
        // Every grammar's comment leaders with markers, unterminated.
        "// TODO: a\n# FIXME b\n-- AI: c\n/* TODO\n<!-- AI: d\n--[[ FIXME".to_owned(),
    ];
    for grammar in grammars() {
        for text in &texts {
            let rope = Rope::from_str(text);
            let tree = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
            assert_eq!(
                tree.tree().root_node().end_byte(),
                text.len(),
                "{}",
                grammar.name()
            );
            exercise(&tree, &rope);
        }
    }
}

#[test]
fn deeply_nested_text_does_not_overflow_the_stack() {
    let cases = [
        ("json", "[".repeat(20_000)),
        (
            "rust",
            format!("fn f() {}{}", "{".repeat(50_000), "}".repeat(50_000)),
        ),
        (
            "python",
            format!("x = {}1{}", "(".repeat(20_000), ")".repeat(20_000)),
        ),
    ];
    for (name, text) in cases {
        let grammar = syntax::grammar_by_name(name).expect("a grammar");
        let rope = Rope::from_str(&text);
        let tree = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
        exercise(&tree, &rope);
        assert!(!tree.to_sexp().is_empty());
    }
}

/// A parse past its limit stops with `OverBudget` instead of running on (some error-dense text
/// keeps tree-sitter's error recovery busy for minutes), and the thread's parser is clean for the
/// next parse afterwards.
#[test]
fn a_parse_past_its_limit_stops_and_the_parser_stays_usable() {
    let unit = "pub fn f(x: u32) -> u32 { if x > 0 { x - 1 } else { 0 } }\n";
    let big = Rope::from_str(&unit.repeat(4 * 1024 * 1024 / unit.len()));
    let grammar = syntax::grammar_by_name("rust").expect("a grammar");
    let started = std::time::Instant::now();
    let err = SyntaxTree::parse(grammar, &big, Duration::from_millis(1))
        .expect_err("4 MB cannot parse in a millisecond");
    assert!(
        matches!(err, syntax::SyntaxError::OverBudget { .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "parsing this rust text took longer than 1ms, so it was stopped"
    );
    // Stopped near the limit, not after a whole parse (generous: tree-sitter checks the clock
    // every few hundred operations, and the machine may be busy).
    assert!(started.elapsed() < Duration::from_secs(5));

    // The same thread's parser serves the next parse, whole and exact.
    let small = Rope::from_str(unit);
    let tree = SyntaxTree::parse(grammar, &small, Duration::MAX).expect("parses");
    assert!(!tree.has_errors());
    assert_eq!(tree.tree().root_node().end_byte(), unit.len());

    // An incremental reparse past its limit leaves the tree marked inexact, and settling
    // afterwards gives the fresh parse.
    let mut edited = SyntaxTree::parse(grammar, &big, Duration::MAX).expect("parses");
    let mut text = big.to_string();
    text.insert_str(0, "fn (");
    edited.edit(&tree_sitter::InputEdit {
        start_byte: 0,
        old_end_byte: 0,
        new_end_byte: 4,
        start_position: tree_sitter::Point::new(0, 0),
        old_end_position: tree_sitter::Point::new(0, 0),
        new_end_position: tree_sitter::Point::new(0, 4),
    });
    let rope = Rope::from_str(&text);
    assert!(!edited.is_exact());
    // Whether a small reparse beats a 1 µs limit depends on the machine; either way the tree
    // must not claim to be exact while it is not, and settling must mend it.
    let _ = edited.reparse(&rope, Duration::from_micros(1));
    edited
        .settle(&rope, Duration::MAX)
        .expect("a fresh parse without limit");
    assert!(edited.is_exact());
    let fresh = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
    assert_eq!(edited.to_sexp(), fresh.to_sexp());
}

/// An incremental reparse that leaves errors is not trusted as exact; one without errors is.
#[test]
fn only_error_free_incremental_trees_count_as_exact() {
    let grammar = syntax::grammar_by_name("rust").expect("a grammar");
    let before = "fn a() {}\n";
    let mut tree =
        SyntaxTree::parse(grammar, &Rope::from_str(before), Duration::MAX).expect("parses");
    assert!(tree.is_exact());
    // "fn a() {}\n" -> "fn a( {}\n": an error.
    let broken = "fn a( {}\n";
    tree.edit(&tree_sitter::InputEdit {
        start_byte: 5,
        old_end_byte: 6,
        new_end_byte: 5,
        start_position: tree_sitter::Point::new(0, 5),
        old_end_position: tree_sitter::Point::new(0, 6),
        new_end_position: tree_sitter::Point::new(0, 5),
    });
    tree.reparse(&Rope::from_str(broken), Duration::MAX)
        .expect("reparses");
    assert!(tree.has_errors());
    assert!(!tree.is_exact());
    assert!(
        tree.settle(&Rope::from_str(broken), Duration::MAX)
            .expect("parses")
    );
    assert!(tree.is_exact());
    assert!(
        !tree
            .settle(&Rope::from_str(broken), Duration::MAX)
            .expect("no work")
    );
    // And back: the repaired text reparses incrementally into an exact tree.
    tree.edit(&tree_sitter::InputEdit {
        start_byte: 5,
        old_end_byte: 5,
        new_end_byte: 6,
        start_position: tree_sitter::Point::new(0, 5),
        old_end_position: tree_sitter::Point::new(0, 5),
        new_end_position: tree_sitter::Point::new(0, 6),
    });
    tree.reparse(&Rope::from_str(before), Duration::MAX)
        .expect("reparses");
    assert!(tree.is_exact());
}

/// A regression case found by random edits: one inserted `)` after an exact tree, and
/// tree-sitter's incremental error recovery keeps one ERROR node fewer than a fresh parse. This
/// asserts today's tree-sitter behaviour (FIXME upstream: tree-sitter#1645, #4001) and that the
/// tree is therefore not taken as exact, and settles to the fresh parse.
#[test]
fn incremental_error_recovery_that_differs_from_a_fresh_parse_is_settled() {
    let grammar = syntax::grammar_by_name("rust").expect("a grammar");
    let before = "f//>n}( {\n  (a x = 1(}::";
    let after = "f//>n}( {\n)  (a x = 1(}::";
    let mut tree =
        SyntaxTree::parse(grammar, &Rope::from_str(before), Duration::MAX).expect("parses");
    tree.edit(&tree_sitter::InputEdit {
        start_byte: 10,
        old_end_byte: 10,
        new_end_byte: 11,
        start_position: tree_sitter::Point::new(1, 0),
        old_end_position: tree_sitter::Point::new(1, 0),
        new_end_position: tree_sitter::Point::new(1, 1),
    });
    let rope = Rope::from_str(after);
    tree.reparse(&rope, Duration::MAX).expect("reparses");
    let fresh = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
    let fresh_sexp = "(source_file (ERROR (identifier) (line_comment) (ERROR) (ERROR (identifier)) (identifier) (integer_literal) (ERROR)))";
    assert_eq!(fresh.to_sexp(), fresh_sexp);
    // Today's tree-sitter: the incremental tree differs. If this starts failing, tree-sitter's
    // recovery became deterministic; the settling stays correct either way.
    assert_eq!(
        tree.to_sexp(),
        "(source_file (ERROR (identifier) (line_comment) (ERROR (identifier)) (identifier) (integer_literal) (ERROR)))"
    );
    assert!(!tree.is_exact());
    assert!(tree.settle(&rope, Duration::MAX).expect("parses"));
    assert_eq!(tree.to_sexp(), fresh_sexp);
}

#[test]
fn a_ten_megabyte_file_parses() {
    let unit = "/// TODO: é\npub fn f(x: u32) -> u32 { if x > 0 { x - 1 } else { 0 } } // 😀\n";
    let text = unit.repeat(10 * 1024 * 1024 / unit.len() + 1);
    let rope = Rope::from_str(&text);
    let grammar = syntax::grammar_by_name("rust").expect("a grammar");
    let tree = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
    assert_eq!(tree.tree().root_node().end_byte(), text.len());
    assert!(!tree.has_errors());
    let inside = text.len() / 2
        + text[text.len() / 2..]
            .find("if x")
            .expect("the unit repeats");
    let scope = tree
        .enclosing_scope(&rope, inside..inside + 1)
        .expect("a function around the if");
    assert_eq!(scope.name.as_deref(), Some("f"));
}

#[test]
fn the_s_expression_is_tree_sitters_own() {
    let cases = [
        (
            "rust",
            "fn f<T>(x: T) -> Option<T> where T: Clone { /* c */ Some(x) }\nstruct S { a: u32 }\n",
        ),
        ("rust", "fn f( { let = ; }"),
        ("python", "def f(:\n  return\nclass"),
        ("typescript", "let x: = <T>(a) => { a. }"),
        ("tsx", "const a = <div className={x}>{/* c */}</div>;"),
        ("markdown", "# h\n\n> q\n\n- a\n- b\n\n```\ncode\n"),
        ("json", "{\"a\": [1, , 2"),
        ("toml", "[a]\nb = \nc = [1,"),
        ("cpp", "template <class T> class A { int f() const; };"),
        ("bash", "if [ x ]; then\n  echo ${a:-b}\nfi\ncase"),
        ("lua", "local t = { a = 1, [2] = function() end"),
    ];
    let mut compared = 0;
    for (name, text) in cases {
        let grammar = syntax::grammar_by_name(name).expect("a grammar");
        let rope = Rope::from_str(text);
        let tree = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
        let native = tree.tree().root_node().to_sexp();
        if native.contains("UNEXPECTED") {
            // The one documented difference.
            continue;
        }
        assert_eq!(tree.to_sexp(), native, "{name}: {text:?}");
        compared += 1;
    }
    assert!(
        compared >= 8,
        "only {compared} cases compared: pick inputs without UNEXPECTED leaves"
    );
}

#[test]
fn inconsistent_edits_do_not_crash() {
    use tree_sitter::{InputEdit, Point};
    let grammar = syntax::grammar_by_name("rust").expect("a grammar");
    let rope = Rope::from_str("fn a() {}\nfn b() {}\n");
    let point = |column| Point::new(0, column);
    let edits = [
        (5, 2, 9),
        (100, 200, 300),
        (0, usize::MAX / 2, 3),
        (7, 7, 7),
    ];
    for (start, old_end, new_end) in edits {
        let mut tree = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
        tree.edit(&InputEdit {
            start_byte: start,
            old_end_byte: old_end,
            new_end_byte: new_end,
            start_position: point(start),
            old_end_position: point(old_end),
            new_end_position: point(new_end),
        });
        tree.reparse(&rope, Duration::MAX).expect("reparses");
        exercise(&tree, &rope);
    }
}
