//! What the code says of a receiver's type: `self` in its type, a typed parameter or local
//! (`work: &Work`, `let w = Walk::new()`, `let r = Arc::make_mut(&mut self.root)`), a field
//! of either (`self.visitor`), the base class `super()` means. `uses.rs` reads a selection's
//! names against it.

use std::collections::HashMap;
use std::ops::Range;

use ropey::Rope;
use syntax::{Node, SyntaxTree};

/// Smart pointers a method call sees through (`Box<dyn Visit>` calls `Visit`'s methods).
const SEE_THROUGH: [&str; 4] = ["Box", "Arc", "Rc", "Pin"];

/// What the file says about its types, which a selection's receivers are read against.
pub(crate) struct TypeFacts<'a> {
    /// What `self` and `Self` mean at the selection.
    pub(crate) enclosing_type: Option<&'a str>,
    /// The fields of the file's types, with their types where written: (type, field) → type.
    pub(crate) field_types: &'a HashMap<(String, String), Option<String>>,
    /// The base classes of the file's classes, for `super()`.
    pub(crate) bases: &'a HashMap<String, Vec<String>>,
}

/// What the code around a selection says about its names.
pub(crate) struct Reader<'a> {
    pub(crate) rope: &'a Rope,
    /// What `self` and `Self` mean.
    pub(crate) enclosing_type: Option<&'a str>,
    /// Locals whose type the code states.
    pub(crate) typed: HashMap<String, String>,
    /// The fields of the file's types, with their types where written: (type, field) → type.
    pub(crate) field_types: &'a HashMap<(String, String), Option<String>>,
    /// The base classes of the file's classes, for `super()`.
    pub(crate) bases: &'a HashMap<String, Vec<String>>,
    /// The types of the fields the selection reaches through (`self.table` is a
    /// `RawTableInner`): what it reads of them is in their definitions.
    pub(crate) fields_reached: std::cell::RefCell<Vec<String>>,
}

impl Reader<'_> {
    pub(crate) fn text(&self, node: Node<'_>) -> String {
        self.rope.byte_slice(node.byte_range()).to_string()
    }

    /// The type of a receiver, when the code says: `self`, a typed local, a field of either
    /// (`self.visitor`, `work.dent`).
    pub(crate) fn receiver_type(&self, receiver: Node<'_>) -> Option<String> {
        if matches!(
            receiver.kind(),
            "field_expression" | "attribute" | "member_expression"
        ) {
            let value = ["value", "object"]
                .iter()
                .find_map(|field| receiver.child_by_field_name(field))?;
            let field = ["field", "attribute", "property"]
                .iter()
                .find_map(|field| receiver.child_by_field_name(field))?;
            let base = self.receiver_type(value)?;
            let found = self.field_types.get(&(base, self.text(field))).cloned()??;
            self.fields_reached.borrow_mut().push(found.clone());
            return Some(found);
        }
        // `super().method()` is the first base class's.
        if receiver.kind() == "call"
            && receiver
                .child_by_field_name("function")
                .is_some_and(|function| self.text(function) == "super")
        {
            let own = self.enclosing_type?;
            return self.bases.get(own)?.first().cloned();
        }
        // `Arc::make_mut(&mut self.root).split(i)`, `Walk::new(p).next()`.
        if matches!(receiver.kind(), "call_expression" | "try_expression") {
            return self.constructor_type(receiver);
        }
        let written = self.text(receiver);
        match written.as_str() {
            "self" | "Self" | "this" | "cls" => self.enclosing_type.map(str::to_owned),
            _ if receiver.kind().contains("identifier") => self.typed.get(&written).cloned(),
            _ => None,
        }
    }
}

/// The last segment of a path (`Walk` of `crate::walk::Walk<T>`), generics left out.
pub(crate) fn path_last_segment(path: &str) -> String {
    let path = path.split('<').next().unwrap_or(path);
    path.rsplit("::")
        .next()
        .unwrap_or(path)
        .trim_start_matches(['&', '*'])
        .trim()
        .to_owned()
}

/// The bare type a written type names: `Work` for `&mut Work`, `Option<Work>` stays `Option`,
/// `crate::walk::Walk<T>` is `Walk`; `None` for what names no type (`impl Fn`, a tuple).
pub(crate) fn bare_type(written: &str) -> Option<String> {
    let written = written.trim();
    let mut words = written
        .split_whitespace()
        .map(|word| word.trim_start_matches(['&', '*']))
        .filter(|word| {
            !word.is_empty() && !word.starts_with('\'') && !matches!(*word, "mut" | "dyn" | "const")
        });
    let word = words.next()?;
    // `Box<dyn Visit>` is used as a `Visit`.
    if let Some((outer, inner)) = word.split_once('<')
        && SEE_THROUGH.contains(&path_last_segment(outer).as_str())
    {
        let rest = written.split_once('<').map_or(inner, |(_, rest)| rest);
        return bare_type(rest.trim_end_matches('>'));
    }
    let name = path_last_segment(word);
    name.starts_with(|c: char| c.is_alphabetic() || c == '_')
        .then_some(name)
        .filter(|name| name != "impl")
}

/// The locals in `range` whose type the code states: Rust `x: T` parameters and `let x: T`,
/// `let x = T::new(..)` or `T { .. }`; Python `x: T` parameters and `x = T(..)` for a
/// capitalized `T`; a TypeScript `x: T` parameter.
pub(crate) fn typed_locals(
    reader: &Reader<'_>,
    tree: &SyntaxTree,
    range: Range<usize>,
) -> HashMap<String, String> {
    let text = |node: Node<'_>| reader.text(node);
    let mut typed = HashMap::new();
    let root = tree.tree().root_node();
    let mut stack = vec![root];
    let mut cursor = root.walk();
    while let Some(node) = stack.pop() {
        if node.end_byte() <= range.start || node.start_byte() >= range.end {
            continue;
        }
        let binding = match node.kind() {
            "parameter" | "let_declaration" | "required_parameter" | "optional_parameter" => {
                node.child_by_field_name("pattern")
            }
            "typed_parameter" => node.named_child(0),
            "typed_default_parameter" | "default_parameter" => node.child_by_field_name("name"),
            "assignment" => node.child_by_field_name("left"),
            _ => None,
        };
        if let Some(binding) = binding.filter(|binding| binding.kind() == "identifier") {
            let stated = node
                .child_by_field_name("type")
                .and_then(|written| bare_type(text(written).trim_start_matches(':')));
            let constructed = || {
                let value = node
                    .child_by_field_name("value")
                    .or_else(|| node.child_by_field_name("right"))?;
                reader.constructor_type(value)
            };
            if let Some(type_name) = stated.or_else(constructed) {
                typed.insert(text(binding), type_name);
            }
        }
        if node.child_count() > 0 {
            let children: Vec<_> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
    }
    typed
}

impl Reader<'_> {
    /// The type a value constructs, when it says: `T::new(..)`, `T { .. }`, `T(..)` for a
    /// capitalized `T`, `&T::default()`, `T::new(..)?`, `T::open(..).unwrap()`; through a
    /// smart pointer, the pointee (`Arc::new(Node::new())`, `Arc::make_mut(&mut self.root)`);
    /// a `match` whose arms agree (`match r { Ok(d) => DirEntry::new(d), Err(e) => return }`).
    fn constructor_type(&self, value: Node<'_>) -> Option<String> {
        let value = unwrapped(value)?;
        let capitalized =
            |name: String| name.starts_with(|c: char| c.is_uppercase()).then_some(name);
        match value.kind() {
            "struct_expression" => capitalized(path_last_segment(
                &self.text(value.child_by_field_name("name")?),
            )),
            "call_expression" | "call" => {
                let callee = value.child_by_field_name("function")?;
                match callee.kind() {
                    "scoped_identifier" => {
                        let path =
                            path_last_segment(&self.text(callee.child_by_field_name("path")?));
                        if SEE_THROUGH.contains(&path.as_str()) {
                            let argument = value
                                .child_by_field_name("arguments")?
                                .named_child(0)
                                .and_then(unwrapped)?;
                            return self
                                .constructor_type(argument)
                                .or_else(|| self.receiver_type(argument));
                        }
                        capitalized(path)
                    }
                    "identifier" => capitalized(self.text(callee)),
                    // `x.unwrap()`, `x.expect("..")`, `x.clone()`: x's own type.
                    "field_expression" => {
                        let method = self.text(callee.child_by_field_name("field")?);
                        matches!(method.as_str(), "unwrap" | "expect" | "clone")
                            .then(|| callee.child_by_field_name("value"))
                            .flatten()
                            .and_then(|inner| self.constructor_type(inner))
                    }
                    _ => None,
                }
            }
            "match_expression" => {
                let arms = value.child_by_field_name("body")?;
                let mut cursor = arms.walk();
                let types: Vec<String> = arms
                    .named_children(&mut cursor)
                    .filter_map(|arm| arm.child_by_field_name("value"))
                    .filter_map(|arm_value| self.constructor_type(arm_value))
                    .collect();
                let first = types.first()?;
                types
                    .iter()
                    .all(|other| other == first)
                    .then(|| first.clone())
            }
            _ => None,
        }
    }
}

/// A value without what does not change its type: `&x`, `&mut x`, `x?`.
fn unwrapped(value: Node<'_>) -> Option<Node<'_>> {
    if matches!(value.kind(), "reference_expression" | "try_expression") {
        let inner = value.named_child(value.named_child_count().saturating_sub(1))?;
        return unwrapped(inner);
    }
    Some(value)
}
