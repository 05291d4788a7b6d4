//! The names a function binds for itself (`locals.scm`): parameters, `let` and assignment
//! targets, loop and `as` variables. A selection's use of such a name needs no definition from
//! elsewhere: looking `ctx` or `request` up in the workspace only finds namesakes.

use std::collections::HashSet;
use std::ops::Range;

use ropey::Rope;
use tree_sitter::Node;

use crate::queries::{QueryKind, Role};
use crate::rope_text::{clamp, text};
use crate::tree::SyntaxTree;

/// Fields of a pattern that hold no binding: a tuple-struct pattern's `type` (`Some` in
/// `Some(x)`), a field pattern's `name` (`a` in `S { a: b }` binds `b`), a parameter's type,
/// an attribute's name and a default value (JavaScript's `a = b` binds `a`).
const NOT_BINDING_FIELDS: [&str; 4] = ["type", "name", "attribute", "right"];

/// Node kinds whose leaves bind nothing even inside a pattern: a scoped path (`E::A`), an
/// attribute (`self.x`) or a subscript (`d[k]`) as an assignment target, a default value.
const NOT_BINDING_KINDS: [&str; 6] = [
    "scoped_identifier",
    "attribute",
    "subscript",
    "member_expression",
    "subscript_expression",
    "selector_expression",
];

impl SyntaxTree {
    /// The local names bound by patterns of `locals.scm` that start inside `bytes`; empty for a
    /// grammar without locals. For Rust, names starting with a capital are left out: in a
    /// pattern they are variants and constants, not bindings.
    pub fn locals(&self, rope: &Rope, bytes: Range<usize>) -> HashSet<String> {
        let mut names = HashSet::new();
        let Some(query) = self.grammar().compiled(QueryKind::Locals) else {
            return names;
        };
        let range = clamp(rope, bytes);
        let capitals_bind = self.grammar().name() != "rust";
        query.for_each_capture(self.tree().root_node(), range.clone(), |role, node| {
            if role == Role::Local && range.start <= node.start_byte() {
                bound_names(node, rope, capitals_bind, &mut names);
            }
        });
        names
    }
}

/// Adds the names a pattern binds: its identifier leaves, outside the fields and kinds that
/// bind nothing. An explicit stack: patterns can nest deeply.
fn bound_names(pattern: Node<'_>, rope: &Rope, capitals_bind: bool, names: &mut HashSet<String>) {
    let mut stack = vec![pattern];
    while let Some(node) = stack.pop() {
        if NOT_BINDING_KINDS.contains(&node.kind()) {
            continue;
        }
        if node.child_count() == 0 {
            if matches!(
                node.kind(),
                "identifier"
                    | "shorthand_field_identifier"
                    | "shorthand_property_identifier_pattern"
            ) {
                let name = text(rope, node.byte_range());
                if capitals_bind || !name.starts_with(|c: char| c.is_uppercase()) {
                    names.insert(name);
                }
            }
            continue;
        }
        let mut cursor = node.walk();
        for (index, child) in node.children(&mut cursor).enumerate() {
            let field = u32::try_from(index)
                .ok()
                .and_then(|index| node.field_name_for_child(index));
            // A field pattern's name binds only when it is shorthand (`S { a }`).
            if field.is_some_and(|field| NOT_BINDING_FIELDS.contains(&field))
                && child.kind() != "shorthand_field_identifier"
            {
                continue;
            }
            stack.push(child);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::grammar_for_language_id;

    fn locals_of(language: &str, source: &str) -> Vec<String> {
        let rope = Rope::from_str(source);
        let grammar = grammar_for_language_id(language).expect("a grammar");
        let tree = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
        let mut names: Vec<String> = tree.locals(&rope, 0..source.len()).into_iter().collect();
        names.sort();
        names
    }

    #[test]
    fn rust_parameters_lets_loops_closures_and_match_arms() {
        let source = "fn f(ctx: &Ctx, (a, b): (u8, u8), S { x, y: z }: S) {\n\
            let mut total = 0; let Some(found) = look(ctx) else { return };\n\
            for (i, item) in items.iter().enumerate() { total += i; }\n\
            let add = |n: u8, m| n + m;\n\
            match value { Kind::One(inner) | Kind::Two(inner) => {}, None => {}, other if other.ok() => {} }\n\
            if let Ok(v) = r {}\n\
            self.count = Item::new(MAX);\n}\n";
        assert_eq!(
            locals_of("rust", source),
            [
                "a", "add", "b", "ctx", "found", "i", "inner", "item", "m", "n", "other", "total",
                "v", "x", "z"
            ]
        );
    }

    #[test]
    fn python_parameters_targets_and_aliases_but_not_attributes() {
        let source = "def f(self, request, *args, timeout: float = 1.0, **kw):\n\
            \x20   self.x = 1\n\
            \x20   d[key] = 2\n\
            \x20   a, (b, c) = pair\n\
            \x20   total += 1\n\
            \x20   for i, item in enumerate(items):\n\
            \x20       pass\n\
            \x20   with open(p) as handle:\n\
            \x20       pass\n\
            \x20   try:\n\
            \x20       pass\n\
            \x20   except OSError as err:\n\
            \x20       pass\n\
            \x20   squares = [n * n for n in range(3)]\n\
            \x20   if (m := match(x)):\n\
            \x20       pass\n\
            \x20   key_of = lambda row: row[0]\n";
        assert_eq!(
            locals_of("python", source),
            [
                "a", "args", "b", "c", "err", "handle", "i", "item", "key_of", "kw", "m", "n",
                "request", "row", "self", "squares", "timeout", "total"
            ]
        );
    }

    #[test]
    fn javascript_typescript_and_go_bind_their_parameters_and_declarations() {
        assert_eq!(
            locals_of(
                "javascript",
                "function f(a, {b, c: d}, ...rest, q = dflt) { const [e, g] = h; let x = y => y; for (const k of ks) {} }"
            ),
            ["a", "b", "d", "e", "g", "k", "q", "rest", "x", "y"]
        );
        assert_eq!(
            locals_of(
                "typescript",
                "function f(a: Config, b?: number) { const c: T = a; }"
            ),
            ["a", "b", "c"]
        );
        assert_eq!(
            locals_of(
                "go",
                "package p\nfunc f(a int, b ...string) (n int) { c, d := g(); var e T; for i, v := range xs {} }"
            ),
            ["a", "b", "c", "d", "e", "i", "n", "v"]
        );
    }
}
