//! Incremental reparse: after edits given to `SyntaxTree::edit` and one `reparse`, the tree
//! equals a fresh parse of the new text (the lead's property test does this at scale).

use ropey::Rope;
use std::time::Duration;
use syntax::{SyntaxTree, grammar_for_language_id};
use tree_sitter::{InputEdit, Point, Tree};

/// A point as tree-sitter counts it: rows end at `\n` only, columns are bytes.
fn point_at(rope: &Rope, byte: usize) -> Point {
    let before = rope.byte_slice(..byte).to_string();
    let row = before.matches('\n').count();
    let column = before.len() - before.rfind('\n').map_or(0, |newline| newline + 1);
    Point::new(row, column)
}

/// Replaces the first occurrence of `needle` by `replacement` in the rope and tells the tree.
fn replace(rope: &mut Rope, tree: &mut SyntaxTree, needle: &str, replacement: &str) {
    let start = rope
        .to_string()
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the text"));
    let old_end = start + needle.len();
    let (start_position, old_end_position) = (point_at(rope, start), point_at(rope, old_end));
    let (start_char, old_end_char) = (rope.byte_to_char(start), rope.byte_to_char(old_end));
    rope.remove(start_char..old_end_char);
    rope.insert(start_char, replacement);
    let new_end = start + replacement.len();
    tree.edit(&InputEdit {
        start_byte: start,
        old_end_byte: old_end,
        new_end_byte: new_end,
        start_position,
        old_end_position,
        new_end_position: point_at(rope, new_end),
    });
}

/// Every node with its kind and byte and point ranges, in document order.
fn dump(tree: &Tree) -> Vec<String> {
    let mut nodes = Vec::new();
    let mut cursor = tree.walk();
    'walk: loop {
        let node = cursor.node();
        nodes.push(format!(
            "{} {:?} {:?}-{:?}",
            node.kind(),
            node.byte_range(),
            node.start_position(),
            node.end_position()
        ));
        if cursor.goto_first_child() || cursor.goto_next_sibling() {
            continue;
        }
        loop {
            if !cursor.goto_parent() {
                break 'walk;
            }
            if cursor.goto_next_sibling() {
                break;
            }
        }
    }
    nodes
}

/// Applies each batch of edits, reparses once per batch, and compares with a fresh parse.
fn check_edits(language_id: &str, text: &str, batches: &[&[(&str, &str)]]) {
    let grammar = grammar_for_language_id(language_id).expect("a grammar");
    let mut rope = Rope::from_str(text);
    let mut tree = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
    for (index, batch) in batches.iter().enumerate() {
        for (needle, replacement) in *batch {
            replace(&mut rope, &mut tree, needle, replacement);
        }
        tree.reparse(&rope, Duration::MAX).expect("reparses");
        let fresh = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
        assert_eq!(
            tree.to_sexp(),
            fresh.to_sexp(),
            "{language_id}, after batch {index}: {batch:?}"
        );
        assert_eq!(
            dump(tree.tree()),
            dump(fresh.tree()),
            "{language_id}, after batch {index}: {batch:?}"
        );
    }
}

#[test]
fn rust_edits_that_break_and_mend_the_syntax() {
    check_edits(
        "rust",
        "fn a() {}\n\nfn b(x: u32) -> u32 {\n    x + 1\n}\n",
        &[
            &[("{}", "{ let y = 2; }")],
            &[("fn a", "pub fn a")],
            &[("{ let", "let")],
            &[("let", "{ let")],
            &[("x + 1", "match x { 0 => 1, _ => x }")],
            &[("fn b", "fn c"), ("u32 {", "u64 {"), ("pub ", "")],
            &[("fn a() { let y = 2; }\n\n", "")],
        ],
    );
}

#[test]
fn python_indentation_edits() {
    check_edits(
        "python",
        "class A:\n    def f(self):\n        return 1\n\n    def g(self):\n        pass\n",
        &[
            &[("    def g", "def g")],
            &[("def g", "    def g")],
            &[(
                "return 1",
                "if self:\n            return 1\n        return 2",
            )],
        ],
    );
}

#[test]
fn multi_byte_text_and_line_breaks() {
    check_edits(
        "json",
        "{\r\n  \"name\": \"é\",\r\n  \"list\": [1, 2]\r\n}\r\n",
        &[
            &[("é", "é😀 ünïcode")],
            &[("[1, 2]", "[1, \"日本\", {\"k\": null}]")],
            &[("😀", ""), ("\r\n}", "\n}")],
        ],
    );
}

#[test]
fn several_edits_before_one_reparse() {
    check_edits(
        "typescript",
        "export function f(a: number): number {\n  return a;\n}\n\nclass C {\n  m() {}\n}\n",
        &[
            &[
                ("a: number", "a: string, b?: number"),
                ("return a;", "return a.length;"),
                ("m() {}", "m(): void {}\n  n = 1;"),
            ],
            &[
                ("class C", "interface I { x: number }\nclass C"),
                ("export ", ""),
            ],
        ],
    );
}

#[test]
fn edits_in_a_rope_of_many_chunks() {
    let mut text = String::new();
    for index in 0..2000 {
        text.push_str(&format!(
            "def f{index}(x):\n    return x * {index}  # ünïcode ✓\n\n"
        ));
    }
    check_edits(
        "python",
        &text,
        &[
            &[
                ("def f1000(x)", "def f1000(x, y)"),
                ("x * 1999", "(x *\n 1999)"),
            ],
            &[("return x * 5 ", "return [x for x in range(5)] ")],
            &[("def f0(x):\n    return x * 0  # ünïcode ✓\n\n", "")],
        ],
    );
}

#[test]
fn markdown_heading_edits_move_sections() {
    check_edits(
        "markdown",
        "# A\n\ntext\n\n## B\n\nmore\n",
        &[
            &[("## B", "# B")],
            &[("text", "## C\n\ntext")],
            &[("# A\n\n", "")],
        ],
    );
}

#[test]
fn a_clone_is_a_snapshot_that_later_edits_do_not_touch() {
    let grammar = grammar_for_language_id("rust").expect("a grammar");
    let mut rope = Rope::from_str("fn a() {}\n");
    let mut tree = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
    let snapshot = tree.clone();
    let before = snapshot.to_sexp();
    replace(&mut rope, &mut tree, "fn a() {}", "struct S;");
    tree.reparse(&rope, Duration::MAX).expect("reparses");
    assert_eq!(snapshot.to_sexp(), before);
    assert_ne!(tree.to_sexp(), before);
    // Snapshots cross threads.
    let on_another_thread = std::thread::spawn(move || snapshot.to_sexp())
        .join()
        .expect("the thread ends");
    assert_eq!(on_another_thread, before);
}

#[test]
fn syntax_trees_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SyntaxTree>();
    assert_send_sync::<&'static syntax::Grammar>();
}
