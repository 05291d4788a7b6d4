//! A rough measure of how involved a piece of code is (`complexity.scm`): branches, loops and
//! nested functions. The router uses it to send hard code to a stronger model.

use std::ops::Range;

use tree_sitter::Node;

use crate::queries::{QueryKind, Role};
use crate::tree::SyntaxTree;

/// Counts of constructs inside a byte range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Complexity {
    /// Decision points: each `if` / `else if` / `elif`, each arm or case of a `match` / `switch`
    /// (default included), each ternary, each `catch` / `except`.
    pub branches: u32,
    /// `for`, `while`, `loop`, `do`, `repeat`, comprehension `for` clauses.
    pub loops: u32,
    /// Functions, methods, closures and lambdas inside the range, not counting the one the
    /// range is (a range that covers exactly one function counts what is nested in it).
    pub functions: u32,
}

impl SyntaxTree {
    /// The complexity of the code inside `bytes`: constructs whose node lies entirely inside the
    /// range. Zero for a grammar without `complexity.scm` (JSON, TOML, Markdown).
    ///
    /// Proportional to the number of nodes in the range.
    pub fn complexity(&self, bytes: Range<usize>) -> Complexity {
        let mut counts = Complexity::default();
        let Some(query) = self.grammar().compiled(QueryKind::Complexity) else {
            return counts;
        };
        let root = self.tree().root_node();
        let (start, end) = (
            bytes.start.min(root.end_byte()),
            bytes.end.min(root.end_byte()),
        );
        let range = start.min(end)..start.max(end);
        let Some(content) = content_extent(root, &range) else {
            return counts;
        };
        query.for_each_capture(root, range.clone(), |role, node| {
            if node.start_byte() < range.start || node.end_byte() > range.end {
                return;
            }
            match role {
                Role::Branch => counts.branches += 1,
                Role::Loop => counts.loops += 1,
                // The function that spans all the code of the range is the range itself.
                Role::Function
                    if !(node.start_byte() <= content.start && content.end <= node.end_byte()) =>
                {
                    counts.functions += 1;
                }
                _ => {}
            }
        });
        counts
    }
}

/// The bytes from the first to the last token lying inside `range`: the range without the
/// whitespace and partial tokens at its ends. `None` when no token lies inside.
fn content_extent(root: Node<'_>, range: &Range<usize>) -> Option<Range<usize>> {
    let first = leaf_inside(root, range, Direction::First)?;
    let last = leaf_inside(root, range, Direction::Last)?;
    Some(first.start_byte()..last.end_byte())
}

#[derive(Clone, Copy)]
enum Direction {
    First,
    Last,
}

/// The first (or last) leaf node of positive width lying entirely inside `range`. Descends only
/// into nodes that overlap the range, with an explicit stack: deeply nested code must not
/// overflow the thread's stack.
fn leaf_inside<'t>(root: Node<'t>, range: &Range<usize>, direction: Direction) -> Option<Node<'t>> {
    let mut stack = vec![root];
    let mut cursor = root.walk();
    while let Some(node) = stack.pop() {
        if node.end_byte() <= range.start || node.start_byte() >= range.end {
            continue;
        }
        if node.child_count() == 0 {
            if range.start <= node.start_byte() && node.end_byte() <= range.end {
                return Some(node);
            }
            continue;
        }
        let children = node.children(&mut cursor);
        // The stack pops last in first out, so push in the reverse of the visiting order.
        match direction {
            Direction::First => stack.extend(children.collect::<Vec<_>>().into_iter().rev()),
            Direction::Last => stack.extend(children),
        }
    }
    None
}
