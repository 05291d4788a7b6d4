//! What a selection uses, read from its tree: each name with how it is used (called, called as
//! a method, named as a type, read as a value), what it is reached through (`self`, a type in
//! `Walk::new`, a variable in `walker.next()`), how often, and the local variables whose type
//! the code states (`work: &Work`, `let w = Walk::new()`, `s = Session()`). Parameters and
//! locals are left out (`SyntaxTree::locals`): looking them up would only find namesakes.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use ropey::Rope;
use syntax::{Node, SyntaxTree};

use super::receivers::{Reader, TypeFacts, path_last_segment, typed_locals};

/// At most this many distinct names are looked up.
const MAX_USES: usize = 200;

/// How a name is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum UseKind {
    /// Called: `f(x)`, `Walk::new()`.
    Call,
    /// Called or read through a value: `walker.next()`, `self.send(r)`, `resp.ok` (a Python
    /// property is a method).
    Member,
    /// Named as a type: `Work`, `x: Config`.
    Type,
    /// Read as a value: a constant, a static, a function passed along, an enum variant.
    Value,
    /// A word of a document without a tree: anything of that name.
    Word,
    /// The type `self` is, when the selection uses `self`: its fields are what a method
    /// reads (a struct's; a class shows its methods, not the attributes `self.x` reads).
    OwnType,
    /// The type whose field the selection reads (`self.port`, `work.dent`): its definition
    /// shows the field.
    FieldOwner,
}

/// One name the selection uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameUse {
    pub(crate) name: String,
    pub(crate) kind: UseKind,
    /// The type it is reached through, when the code says: `Self`/`self` resolve to the
    /// enclosing type, `Walk` in `Walk::new`, a local's stated type in `work.is_dir()`.
    pub(crate) receiver: Option<String>,
    /// Whether it is reached through something whose type is not known (`x.y()` with `x`
    /// untyped, `a.b.c()`): a member of some type, but which cannot be told.
    pub(crate) unknown_receiver: bool,
    /// What it is reached through, as written (`walker`, `models`, `self`), when it is.
    pub(crate) through: Option<String>,
    /// How many times the selection uses it this way.
    pub(crate) count: usize,
}

/// The names a selection uses, in order of first use.
#[derive(Debug, Default)]
pub(crate) struct Uses {
    pub(crate) names: Vec<NameUse>,
}

impl Uses {
    /// The distinct names used, in order of first use.
    pub(crate) fn distinct_names(&self) -> Vec<String> {
        let mut seen = HashSet::new();
        self.names
            .iter()
            .filter(|used| seen.insert(used.name.as_str()))
            .map(|used| used.name.clone())
            .collect()
    }
}

/// Methods every string, list, map or option has (Python's and Rust's standard types): on a
/// value of unknown type, `x.join(...)` or `x.clone()` is far likelier the standard one than a
/// project's namesake.
const STANDARD_METHODS: [&str; 62] = [
    "join",
    "split",
    "strip",
    "rstrip",
    "lstrip",
    "startswith",
    "endswith",
    "replace",
    "format",
    "lower",
    "upper",
    "encode",
    "decode",
    "append",
    "extend",
    "insert",
    "pop",
    "remove",
    "sort",
    "copy",
    "items",
    "keys",
    "values",
    "get",
    "update",
    "setdefault",
    "add",
    "discard",
    "clear",
    "count",
    "index",
    "find",
    "read",
    "write",
    "close",
    "clone",
    "iter",
    "iter_mut",
    "into_iter",
    "map",
    "and_then",
    "unwrap",
    "unwrap_or",
    "expect",
    "ok",
    "err",
    "into",
    "as_ref",
    "as_mut",
    "to_string",
    "to_owned",
    "len",
    "is_empty",
    "push",
    "contains",
    "collect",
    "next",
    "as_str",
    "as_bytes",
    "borrow",
    "lock",
    "take",
];

/// Node kinds of literals: a member of one is a method of a standard type.
const LITERALS: [&str; 14] = [
    "string",
    "string_literal",
    "raw_string_literal",
    "concatenated_string",
    "template_string",
    "list",
    "dictionary",
    "set",
    "tuple",
    "integer",
    "float",
    "array_expression",
    "list_comprehension",
    "integer_literal",
];

/// The names `selection` uses, without `own` (what the selection defines itself), the locals
/// bound in `locals_range` (the enclosing function), one-letter names but capitals, macros, and standard
/// methods on values of unknown type. `facts` says what `self` and `Self` mean there and the
/// types of the file's fields; the enclosing type is itself a use when the selection uses
/// `self`.
pub(crate) fn uses(
    rope: &Rope,
    tree: &SyntaxTree,
    selection: Range<usize>,
    locals_range: Range<usize>,
    own: &HashSet<String>,
    facts: &TypeFacts<'_>,
) -> Uses {
    let locals = tree.locals(rope, locals_range.clone());
    let enclosing_type = facts.enclosing_type;
    let mut reader = Reader {
        rope,
        enclosing_type,
        typed: HashMap::new(),
        field_types: facts.field_types,
        bases: facts.bases,
        fields_reached: std::cell::RefCell::new(Vec::new()),
    };
    // The locals' types are read with what the reader knows of fields (`Arc::make_mut(&mut
    // self.root)` is the field's type).
    reader.typed = typed_locals(&reader, tree, locals_range);
    // One use per name, kind and receiver: `LiteralStrategy::new` and `ExtensionStrategy::new`
    // are two uses.
    let mut index: HashMap<(String, UseKind, Option<String>), usize> = HashMap::new();
    let mut found = Uses::default();
    let mut add = |found: &mut Uses, name: String, classified: Classified| {
        let key = (name.clone(), classified.kind, classified.receiver.clone());
        match index.get(&key) {
            Some(&at) => found.names[at].count += 1,
            None if index.len() >= MAX_USES => {}
            None => {
                index.insert(key, found.names.len());
                found.names.push(NameUse {
                    name,
                    kind: classified.kind,
                    receiver: classified.receiver,
                    unknown_receiver: classified.unknown_receiver,
                    through: classified.through,
                    count: 1,
                });
            }
        }
    };
    let mut uses_self = false;
    let root = tree.tree().root_node();
    let mut stack = vec![root];
    let mut cursor = root.walk();
    while let Some(node) = stack.pop() {
        if node.end_byte() <= selection.start || node.start_byte() >= selection.end {
            continue;
        }
        if node.child_count() > 0 {
            let children: Vec<_> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
            continue;
        }
        if !(selection.start <= node.start_byte() && node.end_byte() <= selection.end) {
            continue;
        }
        let name = reader.text(node);
        if matches!(name.as_str(), "self" | "Self" | "this") {
            uses_self = true;
        }
        // A Python annotation in quotes (`ctx: "Context"`, `t.Optional["Context"]`) names its
        // types all the same.
        if node.kind() == "string_content" && in_annotation(node) {
            for word in name.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if word.len() >= 2 && word.starts_with(|c: char| c.is_alphabetic()) {
                    add(&mut found, word.to_owned(), plain(UseKind::Type));
                }
            }
            continue;
        }
        if !(node.is_named() && node.kind().contains("identifier")) {
            continue;
        }
        // One-letter names are loop counters and closures' arguments, except a capital: a
        // Python `TypeVar` (`V = t.TypeVar("V")`) or a constant, which a definition explains.
        if name.len() < 2 && !name.starts_with(|c: char| c.is_ascii_uppercase()) {
            continue;
        }
        let Some(classified) = classify(node, &reader) else {
            continue;
        };
        // What the selection defines is not looked up, unless reached through something:
        // `super().to_info_dict()` inside `to_info_dict` is the base class's.
        if own.contains(&name) && classified.through.is_none() {
            continue;
        }
        // A local is looked up only when reached through something (`self.ctx` is a member).
        if classified.receiver.is_none() && !classified.unknown_receiver && locals.contains(&name) {
            continue;
        }
        if classified.unknown_receiver && STANDARD_METHODS.contains(&name.as_str()) {
            continue;
        }
        // A field read stands for the type that declares it.
        let name = match (&classified.kind, &classified.through) {
            (UseKind::FieldOwner, Some(owner)) => owner.clone(),
            _ => name,
        };
        add(&mut found, name, classified);
    }
    if let Some(own_type) = enclosing_type.filter(|_| uses_self) {
        add(&mut found, own_type.to_owned(), plain(UseKind::OwnType));
    }
    for reached in reader.fields_reached.take() {
        add(&mut found, reached, plain(UseKind::OwnType));
    }
    found
}

/// Whether a node is inside a Python type annotation.
fn in_annotation(node: Node<'_>) -> bool {
    let mut current = node.parent();
    for _ in 0..6 {
        let Some(ancestor) = current else {
            return false;
        };
        if ancestor.kind() == "type" {
            return true;
        }
        current = ancestor.parent();
    }
    false
}

/// How one identifier leaf is used (see [`NameUse`]).
struct Classified {
    kind: UseKind,
    receiver: Option<String>,
    unknown_receiver: bool,
    through: Option<String>,
}

/// A use through nothing.
fn plain(kind: UseKind) -> Classified {
    Classified {
        kind,
        receiver: None,
        unknown_receiver: false,
        through: None,
    }
}

/// A use through a receiver, of known type or not.
fn member(reader: &Reader<'_>, kind: UseKind, receiver: Node<'_>) -> Classified {
    let known = reader.receiver_type(receiver);
    Classified {
        kind,
        unknown_receiver: known.is_none(),
        receiver: known,
        through: Some(reader.text(receiver)),
    }
}

/// How an identifier leaf is used: its kind, the receiver's type when known, and whether it
/// is reached through something of unknown type. `None` for a name that is not looked up (a
/// module in a path, a field of a struct literal, a keyword argument, a macro, a member of a
/// literal).
fn classify(node: Node<'_>, reader: &Reader<'_>) -> Option<Classified> {
    let Some(parent) = node.parent() else {
        return Some(plain(UseKind::Value));
    };
    let is = |field: &str| parent.child_by_field_name(field) == Some(node);
    let called = |callee: Node<'_>| {
        callee.parent().is_some_and(|call| {
            matches!(call.kind(), "call_expression" | "call")
                && call.child_by_field_name("function") == Some(callee)
        })
    };
    // The name a declaration declares (`fn visit`, `class Session`) is no use of it.
    let declares = ["_item", "_definition", "_declaration", "_signature_item"]
        .iter()
        .any(|suffix| parent.kind().ends_with(suffix));
    if declares && is("name") {
        return None;
    }
    match parent.kind() {
        // `x.name`, `x.name()` in Rust, Python, JavaScript and Go.
        "field_expression" | "attribute" | "member_expression" | "selector_expression"
            if is("field") || is("attribute") || is("property") =>
        {
            let receiver = ["value", "object", "operand"]
                .iter()
                .find_map(|field| parent.child_by_field_name(field))?;
            if LITERALS.contains(&receiver.kind()) {
                return None;
            }
            let classified = member(reader, UseKind::Member, receiver);
            // A field the receiver's type declares (`self.port`) is shown by the type's
            // definition.
            if let Some(owner) = &classified.receiver
                && !called(parent)
                && reader
                    .field_types
                    .contains_key(&(owner.clone(), reader.text(node)))
            {
                return Some(Classified {
                    through: Some(owner.clone()),
                    ..plain(UseKind::FieldOwner)
                });
            }
            // A Rust field read (`self.states[i]`, not `self.states()`) is a field, which the
            // type's definition shows; a method of the same name is not what it means.
            if parent.kind() == "field_expression" && !called(parent) {
                return None;
            }
            Some(classified)
        }
        // `Type::name`, `module::name`, `D::Error`.
        "scoped_identifier" | "scoped_type_identifier" if is("name") => {
            let path = parent.child_by_field_name("path");
            let kind = if node.kind().contains("type_identifier") {
                UseKind::Type
            } else if called(parent) {
                UseKind::Call
            } else {
                UseKind::Value
            };
            let receiver = path.and_then(|path| {
                let last = path_last_segment(&reader.text(path));
                match last.as_str() {
                    "Self" => reader.receiver_type(path),
                    // A module path (`crate::walk::f`, `io::stdout`) names no type.
                    _ if last.starts_with(|c: char| c.is_uppercase()) => Some(last),
                    _ => None,
                }
            });
            Some(Classified {
                kind,
                receiver,
                unknown_receiver: false,
                through: path.map(|path| reader.text(path)),
            })
        }
        // The path of `Walk::new` is a type, the path of `walk::f` a module.
        "scoped_identifier" | "scoped_type_identifier" if is("path") => {
            let name = reader.text(node);
            name.starts_with(|c: char| c.is_uppercase())
                .then(|| plain(UseKind::Type))
        }
        _ if node.kind().contains("type_identifier") => Some(plain(UseKind::Type)),
        // A macro's definition shows only `macro_rules! name`, which says nothing.
        "macro_invocation" => None,
        "token_tree" => in_token_tree(node, reader),
        // `S { field: value }`, `f(key=value)`: the field's and keyword's names are no lookups.
        "field_initializer" | "keyword_argument" if is("field") || is("name") => None,
        _ if called(node) => Some(plain(UseKind::Call)),
        // A Python annotation (`x: Config`) names a type.
        "type" => Some(plain(UseKind::Type)),
        _ => Some(plain(UseKind::Value)),
    }
}

/// How a name inside a macro's arguments is used, read from the tokens around it (a token
/// tree has no expressions): `.name` is a member of what precedes the dot, `Type::name` is
/// reached through the type, `name(` is a call.
fn in_token_tree(node: Node<'_>, reader: &Reader<'_>) -> Option<Classified> {
    let before = node.prev_sibling();
    let after = node.next_sibling();
    let call =
        after.is_some_and(|next| next.kind() == "token_tree" && reader.text(next).starts_with('('));
    let kind = if call { UseKind::Call } else { UseKind::Value };
    match before.map(|before| before.kind()) {
        Some(".") => {
            let receiver = before.and_then(|dot| dot.prev_sibling());
            Some(match receiver {
                Some(receiver) => member(reader, UseKind::Member, receiver),
                None => Classified {
                    unknown_receiver: true,
                    ..plain(UseKind::Member)
                },
            })
        }
        Some("::") => {
            let path = before.and_then(|colons| colons.prev_sibling());
            let receiver =
                path.map(|path| reader.text(path))
                    .and_then(|last| match last.as_str() {
                        "Self" => reader.enclosing_type.map(str::to_owned),
                        _ if last.starts_with(|c: char| c.is_uppercase()) => Some(last),
                        _ => None,
                    });
            Some(Classified {
                receiver,
                ..plain(kind)
            })
        }
        _ => Some(plain(kind)),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn uses_of(language: &str, source: &str, enclosing: Option<&str>) -> Vec<String> {
        let rope = Rope::from_str(source);
        let grammar = syntax::grammar_for_language_id(language).expect("a grammar");
        let tree = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
        let all = 0..source.len();
        let fields = HashMap::from([(
            ("Worker".to_owned(), "visitor".to_owned()),
            Some("ParallelVisitor".to_owned()),
        )]);
        let bases = HashMap::new();
        uses(
            &rope,
            &tree,
            all.clone(),
            all,
            &HashSet::new(),
            &TypeFacts {
                enclosing_type: enclosing,
                field_types: &fields,
                bases: &bases,
            },
        )
        .names
        .into_iter()
        .map(|used| {
            let through = match (&used.receiver, used.unknown_receiver) {
                (Some(receiver), _) => format!(" on {receiver}"),
                (None, true) => " on ?".to_owned(),
                (None, false) => String::new(),
            };
            format!("{:?} {}{through} x{}", used.kind, used.name, used.count)
        })
        .collect()
    }

    #[test]
    fn rust_uses_know_their_receivers_and_skip_locals() {
        let source = "fn visit(&self, work: &Work, depth: usize) -> Result<(), Error> {\n\
            let walker = Walk::new(self.root.clone());\n\
            if work.is_dir() && self.is_quit() { return Ok(()); }\n\
            walker.next(); other.push(depth); helper(MAX_DEPTH);\n\
            let s = State { quit: true }; bail!(\"no\");\n\
            self.visitor.visit(work); tri!(self.parse_ws()); \"\".join(parts);\n}\n";
        assert_eq!(
            uses_of("rust", source, Some("Worker")),
            [
                "Type Work x1",
                "Type Result x1",
                "Type Error x1",
                "Type Walk x1",
                "Call new on Walk x1",
                "Member is_dir on Work x1",
                "Member is_quit on Worker x1",
                "Call Ok x1",
                "Member next on Walk x1",
                "Value other x1",
                "Call helper x1",
                "Value MAX_DEPTH x1",
                "Type State x1",
                "FieldOwner Worker x1",
                "Member visit on ParallelVisitor x1",
                "Member parse_ws on Worker x1",
                "Value parts x1",
                "OwnType Worker x1",
                "OwnType ParallelVisitor x1",
            ]
        );
    }

    #[test]
    fn python_uses_know_self_typed_parameters_and_constructed_locals() {
        let source = "def send(self, request: PreparedRequest, ctx: \"Context\", **kwargs):\n\
            \x20   adapter = self.get_adapter(url=request.url)\n\
            \x20   hooks = Hooks()\n\
            \x20   hooks.dispatch(request)\n\
            \x20   r = adapter.send(request, timeout=DEFAULT_TIMEOUT)\n\
            \x20   return models.Response(r)\n";
        assert_eq!(
            uses_of("python", source, Some("Session")),
            [
                "Type PreparedRequest x1",
                "Type Context x1",
                "Member get_adapter on Session x1",
                "Member url on PreparedRequest x1",
                "Call Hooks x1",
                "Member dispatch on Hooks x1",
                "Member send on ? x1",
                "Value DEFAULT_TIMEOUT x1",
                "Value models x1",
                "Member Response on ? x1",
                "OwnType Session x1",
            ]
        );
    }

    #[test]
    fn constructed_values_and_smart_pointers_type_their_locals() {
        // The field `root` is an `Arc<Node>` (the test's field types give `Worker.visitor`
        // only, so `self.root` is typed through `Arc::new`'s argument here).
        let source = "fn step(&mut self, raw: Raw) {\n\
            let mut dent = match DirEntryRaw::from_entry(raw) {\n\
            \x20   Ok(d) => DirEntry::new_raw(d, None),\n\
            \x20   Err(err) => return,\n\
            };\n\
            dent.path();\n\
            let root = Arc::new(Node::new());\n\
            root.text_info();\n\
            let file = File::open(p).unwrap();\n\
            file.sync();\n\
            Arc::make_mut(&mut self.visitor).visit(V);\n}\n";
        let found = uses_of("rust", source, Some("Worker"));
        for expected in [
            "Member path on DirEntry x1",
            "Member text_info on Node x1",
            "Member sync on File x1",
            "Member visit on ParallelVisitor x1",
            "Value V x1",
        ] {
            assert!(
                found.iter().any(|used| used == expected),
                "{expected} in {found:#?}"
            );
        }
    }
}
