//! Turning matches of `scopes.scm` / `outline.scm` into items: one per declaration, nested, with
//! methods told apart from functions. Shared by the enclosing scope and the outline.

use std::ops::Range;

use ropey::Rope;
use tree_sitter::Node;

use crate::queries::{CompiledQuery, Role};
use crate::symbol::SymbolKind;

/// One declaration found by a query.
pub(crate) struct Item<'t> {
    pub(crate) node: Node<'t>,
    pub(crate) kind: SymbolKind,
    pub(crate) name: Option<Node<'t>>,
    pub(crate) body: Option<Node<'t>>,
    /// How many items enclose this one.
    pub(crate) depth: usize,
    /// Index of the pattern that found it; the lowest wins when several find the same item.
    pattern: usize,
}

/// The items of `query` under `root` (only those intersecting `range`, when given), in document
/// order, outer before inner, with depths and methods resolved.
///
/// Two patterns may find one declaration: one for `export function f` and one for the bare
/// `function f`, or a decorated Python function and the function inside. They share the name
/// node (or, without a name, the item node), and the first pattern in the file wins.
pub(crate) fn collect<'t>(
    query: &CompiledQuery,
    root: Node<'t>,
    rope: &Rope,
    range: Option<Range<usize>>,
) -> Vec<Item<'t>> {
    let mut items: Vec<Item<'t>> = Vec::new();
    query.for_each_match(root, rope, range, None, |found| {
        let mut item: Option<(Node<'t>, SymbolKind)> = None;
        let (mut name, mut body) = (None, None);
        for capture in found.captures {
            match query.role(capture.index) {
                Role::Item(kind) => item = item.or(Some((capture.node, kind))),
                Role::Name => name = name.or(Some(capture.node)),
                Role::Body => body = body.or(Some(capture.node)),
                _ => {}
            }
        }
        if let Some((node, kind)) = item {
            items.push(Item {
                node,
                kind,
                name,
                body,
                depth: 0,
                pattern: found.pattern_index,
            });
        }
    });

    // Keep the first pattern's item for each declaration.
    let key = |item: &Item<'_>| item.name.unwrap_or(item.node).id();
    items.sort_by_key(|item| (key(item), item.pattern));
    items.dedup_by_key(|item| key(item));

    // Outer before inner; one node may hold several items (`X, Y float64`), in name order.
    items.sort_by_key(|item| {
        let name_start = item.name.map_or(0, |name| name.start_byte());
        (
            item.node.start_byte(),
            std::cmp::Reverse(item.node.end_byte()),
            item.pattern,
            name_start,
        )
    });
    nest(&mut items);
    items
}

/// Sets each item's depth, and makes a function whose nearest enclosing item holds methods
/// (a class, struct, trait, impl, ...) a method. Items must be sorted outer before inner.
fn nest(items: &mut [Item<'_>]) {
    // Indices of the items enclosing the current one, innermost last.
    let mut open: Vec<usize> = Vec::new();
    for index in 0..items.len() {
        let (start, end) = (items[index].node.start_byte(), items[index].node.end_byte());
        while let Some(&last) = open.last() {
            // Items of the same node are siblings, not parent and child.
            let same_node = items[last].node.id() == items[index].node.id();
            if !same_node
                && items[last].node.start_byte() <= start
                && end <= items[last].node.end_byte()
            {
                break;
            }
            open.pop();
        }
        if let Some(&parent) = open.last()
            && items[index].kind == SymbolKind::Function
            && items[parent].kind.holds_methods()
        {
            items[index].kind = SymbolKind::Method;
        }
        items[index].depth = open.len();
        open.push(index);
    }
}
