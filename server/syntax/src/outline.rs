//! A file's outline (`outline.scm`): its declarations as signatures with bodies elided, and its
//! imports (`imports.scm`). Together they are the map of a file a model gets besides the code
//! it works on.

use std::ops::Range;

use ropey::Rope;
use tree_sitter::Node;

use crate::items;
use crate::queries::{QueryKind, Role};
use crate::rope_text::{ByteChunks, text};
use crate::scope::collapse_whitespace;
use crate::symbol::SymbolKind;
use crate::tree::SyntaxTree;

/// One declaration of a file's outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutlineItem {
    pub kind: SymbolKind,
    /// The name, whitespace collapsed; `None` for an anonymous item.
    pub name: Option<String>,
    /// The declaration up to its body (`pub fn f(x: u32) -> u32`, `class A(B):`), or its first
    /// line when the query marks no body (a field, a constant, a TOML table header), with
    /// trailing whitespace trimmed. Multi-line signatures keep their line breaks.
    pub signature: String,
    /// The whole declaration.
    pub bytes: Range<usize>,
    /// The name's bytes (the LSP `selectionRange`); `None` when anonymous.
    pub name_bytes: Option<Range<usize>>,
    /// How many outline items enclose this one: 0 at top level, 1 for a method of a class...
    pub depth: usize,
    /// The name of the nearest named item enclosing this one: a method's class, impl type or
    /// trait (an impl's generics and path left out: `impl<T> a::Walk<T>` is `Walk`), a
    /// function's module. `None` at top level.
    pub container: Option<String>,
}

/// One import statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub bytes: Range<usize>,
    /// The statement's text as written.
    pub text: String,
}

/// How deep below the root an import may start: the top level, inside a module, a namespace,
/// an `#ifdef` or a `try:` (Rust's `mod m { use ... }` is 3 down, Lua's
/// `local x = require(...)` starts at 1, Python's import in a function body at 3). Deeper
/// ones (an `#include` in the `#else` of nested `#if`s, a `using` in nested namespaces) are
/// left out of the packet's imports section; the cost of finding them would be a walk of
/// every node of the file.
pub const IMPORT_DEPTH: u32 = 4;

impl SyntaxTree {
    /// The file's outline, in document order (outer items before the items they contain);
    /// empty for a grammar without `outline.scm`. Linear in the size of the tree.
    pub fn outline(&self, rope: &Rope) -> Vec<OutlineItem> {
        let Some(query) = self.grammar().compiled(QueryKind::Outline) else {
            return Vec::new();
        };
        // The named items enclosing the current one, innermost last: (bytes, name).
        let mut enclosing: Vec<(Range<usize>, String)> = Vec::new();
        items::collect(query, self.tree().root_node(), rope, None)
            .into_iter()
            .map(|item| {
                let bytes = item.node.byte_range();
                let signature = match item.body.map(signature_end) {
                    Some(end) if end > bytes.start => text(rope, bytes.start..end),
                    _ => first_line(rope, bytes.clone()),
                };
                let name = item
                    .name
                    .map(|name| collapse_whitespace(&text(rope, name.byte_range())));
                // Items of one node (`X, Y float64`) are siblings, not each other's container.
                while enclosing
                    .last()
                    .is_some_and(|(outer, _)| outer.end < bytes.end || *outer == bytes)
                {
                    enclosing.pop();
                }
                let container = enclosing.last().map(|(_, name)| name.clone());
                if let Some(name) = &name {
                    let own = if item.kind == SymbolKind::Impl {
                        type_name(name)
                    } else {
                        name.clone()
                    };
                    enclosing.push((bytes.clone(), own));
                }
                OutlineItem {
                    kind: item.kind,
                    name,
                    signature: signature.trim_end().to_owned(),
                    bytes,
                    name_bytes: item.name.map(|name| name.byte_range()),
                    depth: item.depth,
                    container,
                }
            })
            .collect()
    }

    /// The file's import statements in document order; an import inside another (a `require`
    /// call inside a `local x = require(...)`) is reported once, as the outer one. Empty for a
    /// grammar without `imports.scm`. Only imports within [`IMPORT_DEPTH`] levels of the top
    /// are found, so the cost follows the file's top levels, not its every node.
    pub fn imports(&self, rope: &Rope) -> Vec<Import> {
        let Some(query) = self.grammar().compiled(QueryKind::Imports) else {
            return Vec::new();
        };
        let mut ranges: Vec<Range<usize>> = Vec::new();
        let root = self.tree().root_node();
        query.for_each_match(root, rope, None, Some(IMPORT_DEPTH), |found| {
            for capture in found.captures {
                if query.role(capture.index) == Role::Import {
                    ranges.push(capture.node.byte_range());
                }
            }
        });
        ranges.sort_by_key(|range| (range.start, std::cmp::Reverse(range.end)));
        let mut imports: Vec<Import> = Vec::with_capacity(ranges.len());
        for range in ranges {
            if imports
                .last()
                .is_some_and(|outer| range.end <= outer.bytes.end)
            {
                continue;
            }
            // Some grammars end a statement node after its line break (`#include`): trim it.
            let mut text = text(rope, range.clone());
            text.truncate(text.trim_end().len());
            imports.push(Import {
                bytes: range.start..range.start + text.len(),
                text,
            });
        }
        imports
    }
}

/// The bare name of a type as an impl names it: `Walk` for `a::Walk<T>`, `&'a mut Walk` or
/// `dyn Walk + Send`.
fn type_name(written: &str) -> String {
    let mut name = written.split('<').next().unwrap_or(written);
    name = name.split('+').next().unwrap_or(name);
    let name = name.rsplit("::").next().unwrap_or(name);
    let name = name
        .split_whitespace()
        .rfind(|word| !word.starts_with('\'') && !matches!(*word, "&" | "mut" | "dyn"))
        .unwrap_or(name);
    name.trim_start_matches('&').to_owned()
}

/// Where a signature ends: after the last token before the body that is not a comment, so a
/// comment between `def f():` and its first statement stays out of it.
fn signature_end(body: Node<'_>) -> usize {
    let mut before = body.prev_sibling();
    while let Some(node) = before {
        if !node.is_extra() {
            return node.end_byte();
        }
        before = node.prev_sibling();
    }
    body.start_byte()
}

/// The first line of a byte range, read only as far as its first line break (a Markdown section
/// can be most of a file).
fn first_line(rope: &Rope, range: Range<usize>) -> String {
    let start = range.start;
    let mut end = start;
    for chunk in ByteChunks::new(rope, range) {
        if let Some(line_break) = chunk.iter().position(|byte| matches!(byte, b'\n' | b'\r')) {
            return text(rope, start..end + line_break);
        }
        end += chunk.len();
    }
    text(rope, start..end)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::grammar_for_language_id;

    fn containers(language: &str, source: &str) -> Vec<(String, Option<String>)> {
        let rope = Rope::from_str(source);
        let grammar = grammar_for_language_id(language).expect("a grammar");
        let tree = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
        tree.outline(&rope)
            .into_iter()
            .map(|item| (item.name.unwrap_or_default(), item.container))
            .collect()
    }

    #[test]
    fn an_item_knows_the_named_item_it_is_in() {
        let rust = "struct Walk { depth: usize }\n\
            impl<'a, T: Clone> crate::walk::Walk<T> { fn is_dir(&self) -> bool { true } }\n\
            trait Visit { fn visit(&mut self); }\n\
            mod tests { fn helper() {} }\n\
            fn free() {}\n";
        let some = |name: &str| Some(name.to_owned());
        assert_eq!(
            containers("rust", rust),
            [
                ("Walk".to_owned(), None),
                ("depth".to_owned(), some("Walk")),
                ("crate::walk::Walk<T>".to_owned(), None),
                ("is_dir".to_owned(), some("Walk")),
                ("Visit".to_owned(), None),
                ("visit".to_owned(), some("Visit")),
                ("tests".to_owned(), None),
                ("helper".to_owned(), some("tests")),
                ("free".to_owned(), None),
            ]
        );
        let python = "LIMIT = 3\nclass Session:\n    def send(self):\n        def inner():\n            pass\n";
        assert_eq!(
            containers("python", python),
            [
                ("LIMIT".to_owned(), None),
                ("Session".to_owned(), None),
                ("send".to_owned(), some("Session")),
                ("inner".to_owned(), some("send")),
            ]
        );
        assert_eq!(type_name("&'a mut dyn Walk<T> + Send"), "Walk");
    }
}
