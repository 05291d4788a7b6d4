//! Definitions of what a selection uses: its uses read from the tree (locals left out), the
//! candidates of each name gathered from this file, the other open documents (they may hold
//! unsaved changes) and the workspace index, and for each use the one it clearly means
//! ([`rank`]), most relied on first.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use ropey::Rope;
use syntax::{OutlineItem, SymbolKind, SyntaxTree, grammar_for_language_id, grammar_for_path};

use super::definition::{Definition, is_definition_kind, shows_lines};
use super::packet::{OpenDocument, PacketInput};
use super::paths::excluded;
use super::rank::{self, FileFacts};
use super::receivers::{TypeFacts, bare_type, path_last_segment};
use super::uses::{self, NameUse, UseKind, Uses};

/// At most this many definitions in a packet, before the budget has its say.
pub(crate) const MAX_DEFINITIONS: usize = 40;
/// At most this many distinct identifiers are looked up.
const MAX_IDENTIFIERS: usize = 200;
/// How long parsing an open document without a tree may take.
const PARSE_LIMIT: Duration = Duration::from_millis(200);

static WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)[A-Za-z_][A-Za-z0-9_]*(?-u:\b)")
        .expect("the identifier pattern is a valid regex")
});

/// The distinct identifiers of `selection`, in order of first use, without one-letter names
/// (loop variables and generics, which would only find noise) and without `own` (the names
/// the selection defines itself).
///
/// With a tree: the named leaves whose kind is an identifier (`identifier`, `type_identifier`,
/// `field_identifier`, ...), so keywords, strings and comments are left out. Without one: every
/// word of the text.
pub(crate) fn identifiers(
    rope: &Rope,
    tree: Option<&SyntaxTree>,
    selection: Range<usize>,
    own: &HashSet<String>,
) -> Vec<String> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut names = Vec::new();
    // Whether to go on: false once enough names were found.
    let mut add = |name: String| {
        if name.len() >= 2 && !own.contains(&name) && seen.insert(name.clone()) {
            names.push(name);
        }
        names.len() < MAX_IDENTIFIERS
    };
    match tree {
        Some(tree) => {
            let root = tree.tree().root_node();
            let mut stack = vec![root];
            let mut cursor = root.walk();
            // An explicit stack: deeply nested code must not overflow the thread's stack.
            while let Some(node) = stack.pop() {
                if node.end_byte() <= selection.start || node.start_byte() >= selection.end {
                    continue;
                }
                if node.child_count() == 0 {
                    if node.is_named()
                        && node.kind().contains("identifier")
                        && selection.start <= node.start_byte()
                        && node.end_byte() <= selection.end
                        && !add(rope.byte_slice(node.byte_range()).to_string())
                    {
                        break;
                    }
                    continue;
                }
                let children: Vec<_> = node.children(&mut cursor).collect();
                stack.extend(children.into_iter().rev());
            }
        }
        None => {
            let text = rope.byte_slice(selection).to_string();
            for word in WORD.find_iter(&text) {
                if !add(word.as_str().to_owned()) {
                    break;
                }
            }
        }
    }
    names
}

/// `X as Y` in an import that brings in names (`from ._funcs import asdict as _asdict`,
/// `use a::Thing as Other;`): Y → X. A module's alias (`import typing as t`) names no
/// definition and is left out.
static IMPORT_ALIAS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z_][A-Za-z0-9_]*)\s+as\s+([A-Za-z_][A-Za-z0-9_]*)")
        .expect("the alias pattern compiles")
});

fn import_aliases(imports: &[String]) -> HashMap<String, String> {
    imports
        .iter()
        .filter(|import| !import.trim_start().starts_with("import "))
        .flat_map(|import| IMPORT_ALIAS.captures_iter(import))
        .filter(|captures| captures[1] != captures[2])
        .map(|captures| (captures[2].to_owned(), captures[1].to_owned()))
        .collect()
}

/// The uses with an imported alias read as the name it stands for (`_asdict(...)` is a use
/// of `asdict`), so that the definition is found under its own name.
fn renamed(uses: &Uses, aliases: &HashMap<String, String>) -> Uses {
    Uses {
        names: uses
            .names
            .iter()
            .map(|used| match aliases.get(&used.name) {
                Some(original) if used.receiver.is_none() && used.through.is_none() => NameUse {
                    name: original.clone(),
                    ..used.clone()
                },
                _ => used.clone(),
            })
            .collect(),
    }
}

/// What the selection uses: with a tree, each name with how it is used and through what
/// (see [`uses::uses`]), locals of the enclosing function left out; without one, its words.
pub(crate) fn selection_uses(
    input: &PacketInput<'_>,
    outline: &[OutlineItem],
    selection: &Range<usize>,
    own: &HashSet<String>,
) -> Uses {
    let Some(tree) = input.tree else {
        let names = identifiers(input.rope, None, selection.clone(), own);
        return Uses {
            names: names
                .into_iter()
                .map(|name| NameUse {
                    name,
                    kind: UseKind::Word,
                    receiver: None,
                    unknown_receiver: false,
                    through: None,
                    count: 1,
                })
                .collect(),
        };
    };
    let locals_range = tree
        .enclosing_scope(input.rope, selection.clone())
        .map_or(selection.clone(), |scope| {
            scope.bytes.start.min(selection.start)..scope.bytes.end.max(selection.end)
        });
    let enclosing_type = enclosing_type(outline, selection);
    uses::uses(
        input.rope,
        tree,
        selection.clone(),
        locals_range,
        own,
        &TypeFacts {
            enclosing_type: enclosing_type.as_deref(),
            field_types: &field_types(outline),
            bases: &class_bases(outline),
        },
    )
}

/// The base classes each class of the file names (`class HTTPAdapter(BaseAdapter):`), without
/// `object`, generics' parameters and keywords (`metaclass=...`).
pub(crate) fn class_bases(outline: &[OutlineItem]) -> HashMap<String, Vec<String>> {
    outline
        .iter()
        .filter(|item| item.kind == SymbolKind::Class)
        .filter_map(|item| {
            let name = item.name.clone()?;
            let header = item.signature.lines().rfind(|line| line.contains(&name))?;
            let (_, rest) = header.split_once('(')?;
            let inside = rest.rsplit_once(')').map_or(rest, |(inside, _)| inside);
            let bases: Vec<String> = inside
                .split(',')
                .filter(|base| !base.contains('='))
                .filter_map(|base| {
                    let base = base.split('[').next().unwrap_or(base).trim();
                    let last = base.rsplit('.').next().unwrap_or(base);
                    (!last.is_empty() && last != "object").then(|| last.to_owned())
                })
                .collect();
            Some((name, bases))
        })
        .collect()
}

/// The types of the fields the file declares, by (type, field): `Worker.visitor` is a
/// `ParallelVisitor` for `visitor: Box<dyn ParallelVisitor>`, so `self.visitor.visit()` is
/// that trait's `visit`.
fn field_types(outline: &[OutlineItem]) -> HashMap<(String, String), Option<String>> {
    outline
        .iter()
        .filter(|item| item.kind == SymbolKind::Field)
        .filter_map(|item| {
            let owner = item.container.as_deref()?;
            let name = item.name.clone()?;
            let type_name = item.signature.split_once(':').and_then(|(_, written)| {
                let written = written.split('=').next().unwrap_or(written);
                bare_type(written.trim().trim_end_matches(','))
            });
            Some(((path_last_segment(owner), name), type_name))
        })
        .collect()
}

/// What `self` and `Self` mean in the selection: the innermost class, struct, trait or impl
/// around it (an impl by its type's bare name).
fn enclosing_type(outline: &[OutlineItem], selection: &Range<usize>) -> Option<String> {
    outline
        .iter()
        .filter(|item| {
            matches!(
                item.kind,
                SymbolKind::Class
                    | SymbolKind::Struct
                    | SymbolKind::Enum
                    | SymbolKind::Interface
                    | SymbolKind::Trait
                    | SymbolKind::Impl
            ) && item.bytes.start <= selection.start
                && selection.end <= item.bytes.end
        })
        .max_by_key(|item| item.depth)
        .and_then(|item| item.name.as_deref())
        .and_then(bare_type)
}

/// How much a kind of use weighs when the budget must choose: what the selection calls and
/// the types it names matter more than a constant it reads.
fn weight(kind: UseKind) -> usize {
    match kind {
        UseKind::Call | UseKind::Member | UseKind::Type => 3,
        UseKind::Value => 2,
        UseKind::FieldOwner => 2,
        UseKind::Word | UseKind::OwnType => 1,
    }
}

/// The definitions the selection relies on, most relied on first, at most [`MAX_DEFINITIONS`]:
/// for each use, the one declaration it clearly means ([`rank::choose`]) among those of that
/// name in this file (outside the selection and the items around it), the other open
/// documents (excluded ones are never read) and the workspace index (whose copy of an open
/// document gives way to the open one).
pub(crate) fn find(
    input: &PacketInput<'_>,
    outline: &[OutlineItem],
    selection: &Range<usize>,
    uses: &Uses,
) -> Vec<Definition> {
    if uses.names.is_empty() {
        return Vec::new();
    }
    let imports: Vec<String> = input
        .tree
        .map(|tree| {
            tree.imports(input.rope)
                .into_iter()
                .map(|import| import.text)
                .collect()
        })
        .unwrap_or_default();
    let uses = &renamed(uses, &import_aliases(&imports));
    let names = uses.distinct_names();
    let wanted: HashSet<&str> = names.iter().map(String::as_str).collect();
    let is_excluded = |path: &str| match input.workspace {
        Some(workspace) => workspace.is_excluded(path),
        None => excluded(path, &[]),
    };
    let mut candidates: HashMap<String, Vec<Definition>> = HashMap::new();
    let own_file = outline
        .iter()
        .filter(|item| is_definition_kind(item.kind))
        .filter(|item| {
            let inside = selection.start <= item.bytes.start && item.bytes.end <= selection.end;
            // The function around the selection is what it works on, not what it uses; the
            // type around it is what `self` is.
            let around = item.bytes.start <= selection.start
                && selection.end <= item.bytes.end
                && !shows_lines(item.kind);
            !inside && !around
        })
        .filter(|item| {
            item.name
                .as_deref()
                .is_some_and(|name| wanted.contains(name))
        })
        .filter_map(|item| Definition::from_item(input.path, input.rope, item));
    for definition in own_file {
        candidates
            .entry(definition.name.clone())
            .or_default()
            .push(definition);
    }
    for document in input.open_documents {
        if document.path == input.path || is_excluded(document.path) {
            continue;
        }
        for definition in open_definitions(document, &wanted) {
            candidates
                .entry(definition.name.clone())
                .or_default()
                .push(definition);
        }
    }
    if let Some(workspace) = input.workspace {
        let fresher = |path: &str| {
            path == input.path
                || input
                    .open_documents
                    .iter()
                    .any(|document| document.path == path)
        };
        for name in &names {
            let from_index = workspace
                .lookup(name)
                .into_iter()
                .filter(|definition| !fresher(&definition.path));
            candidates
                .entry(name.clone())
                .or_default()
                .extend(from_index);
        }
    }
    let mut facts = FileFacts::new(input.path, imports.iter().map(String::as_str));
    facts.bases = class_bases(outline);

    // (reliance, score, order of first use, definition), one per declaration.
    let mut chosen: Vec<(usize, i32, usize, Definition)> = Vec::new();
    for (order, used) in uses.names.iter().enumerate() {
        let Some(of_name) = candidates.get(&used.name) else {
            continue;
        };
        let Some((definition, score)) = rank::choose(of_name, used, &facts) else {
            continue;
        };
        let reliance = used.count * weight(used.kind);
        match chosen
            .iter_mut()
            .find(|(.., seen)| seen.path == definition.path && seen.line == definition.line)
        {
            Some(seen) => seen.0 += reliance,
            None => chosen.push((reliance, score, order, definition.clone())),
        }
    }
    chosen.sort_by_key(|(reliance, score, order, _)| {
        (
            std::cmp::Reverse(*reliance),
            std::cmp::Reverse(*score),
            *order,
        )
    });
    let ranked: Vec<Definition> = chosen
        .into_iter()
        .map(|(.., definition)| definition)
        .collect();
    let mut found = without_repeats(ranked);
    found.truncate(MAX_DEFINITIONS);
    found
}

/// The definitions without those another one already shows (a method whose signature is one
/// of its class's member lines): the one shown in full takes the better rank of the two.
fn without_repeats(ranked: Vec<Definition>) -> Vec<Definition> {
    let same = |a: &Definition, b: &Definition| a.path == b.path && a.line == b.line;
    let mut kept: Vec<Definition> = Vec::with_capacity(ranked.len());
    for definition in &ranked {
        let cover = ranked.iter().find(|other| {
            other.path == definition.path
                && other.line != definition.line
                && !definition.shown_lines.is_empty()
                && definition
                    .shown_lines
                    .iter()
                    .all(|line| other.shown_lines.contains(line))
        });
        let keep = cover.unwrap_or(definition);
        if !kept.iter().any(|seen| same(seen, keep)) {
            kept.push(keep.clone());
        }
    }
    kept
}

/// The definitions among `wanted` in an open document's outline, parsing it when the editor
/// gave no tree.
fn open_definitions(document: &OpenDocument<'_>, wanted: &HashSet<&str>) -> Vec<Definition> {
    let parsed;
    let tree = match document.tree {
        Some(tree) => tree,
        None => {
            let Some(grammar) = grammar_for_language_id(document.language_id)
                .or_else(|| grammar_for_path(document.path))
            else {
                return Vec::new();
            };
            match SyntaxTree::parse(grammar, document.rope, PARSE_LIMIT) {
                Ok(tree) => {
                    parsed = tree;
                    &parsed
                }
                Err(err) => {
                    tracing::debug!(path = document.path, %err, "no outline for an open document");
                    return Vec::new();
                }
            }
        }
    };
    tree.outline(document.rope)
        .iter()
        .filter(|item| is_definition_kind(item.kind))
        .filter(|item| {
            item.name
                .as_deref()
                .is_some_and(|name| wanted.contains(name))
        })
        .filter_map(|item| Definition::from_item(document.path, document.rope, item))
        .collect()
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;
    use crate::context::packet::tests::{input, parse};
    use crate::context::{SectionKind, build_packet};

    #[test]
    fn an_imported_alias_is_looked_up_by_its_own_name() {
        let imports = [
            "from ._funcs import asdict as _asdict, astuple".to_owned(),
            "import typing as t".to_owned(),
            "use crate::walk::{Walk as Walker, WalkState};".to_owned(),
        ];
        let aliases = import_aliases(&imports);
        assert_eq!(aliases.get("_asdict").map(String::as_str), Some("asdict"));
        assert_eq!(aliases.get("Walker").map(String::as_str), Some("Walk"));
        assert!(!aliases.contains_key("t"));
        let used = |name: &str, through: Option<&str>| NameUse {
            name: name.to_owned(),
            kind: UseKind::Call,
            receiver: None,
            unknown_receiver: through.is_some(),
            through: through.map(str::to_owned),
            count: 1,
        };
        let uses = Uses {
            names: vec![used("_asdict", None), used("_asdict", Some("other"))],
        };
        let names: Vec<String> = renamed(&uses, &aliases)
            .names
            .into_iter()
            .map(|used| used.name)
            .collect();
        // A member of something else named like the alias is not the alias.
        assert_eq!(names, ["asdict", "_asdict"]);
    }

    #[test]
    fn an_open_document_without_a_tree_is_parsed_for_its_definitions() {
        let models = "class Invoice:\n    total: float\n    def add(self, amount: float) -> None:\n        self.total += amount\n";
        let models = Rope::from_str(models);
        let open = [OpenDocument {
            path: "billing/models.py",
            language_id: "python",
            rope: &models,
            tree: None,
        }];
        let source = "def bill(invoice: Invoice) -> None:\n    invoice.add(3.5)\n";
        let rope = Rope::from_str(source);
        let tree = parse("python", &rope);
        let packet = build_packet(&PacketInput {
            open_documents: &open,
            ..input(
                "billing/run.py",
                "python",
                &rope,
                Some(&tree),
                0..source.len(),
            )
        });
        let definitions = packet
            .section(SectionKind::Definitions)
            .expect("definitions");
        expect![[r#"
            billing/models.py:1 (class Invoice)
                class Invoice:
                    total: float
                    def add(self, amount: float) -> None:"#]]
        .assert_eq(&definitions.text);
        let sent: Vec<(String, u32, String, String, Vec<u32>)> = packet
            .definitions_sent()
            .into_iter()
            .map(|d| (d.path, d.line, d.kind, d.name, d.shown))
            .collect();
        // `add` is one of the class's member lines, so the class alone is sent.
        assert_eq!(
            sent,
            [(
                "billing/models.py".to_owned(),
                1,
                "class".into(),
                "Invoice".into(),
                vec![1, 2, 3]
            )]
        );
    }

    #[test]
    fn identifiers_skip_keywords_strings_and_one_letter_names() {
        let source = "fn f(x: Point) -> u32 { let label = \"Other\"; helper(x.total, label) }";
        let rope = Rope::from_str(source);
        let tree = parse("rust", &rope);
        let own = HashSet::from(["f".to_owned()]);
        let names = identifiers(&rope, Some(&tree), 0..source.len(), &own);
        assert_eq!(names, ["Point", "label", "helper", "total"]);
        let names = identifiers(&rope, None, 0..source.len(), &own);
        assert_eq!(
            names,
            [
                "fn", "Point", "u32", "let", "label", "Other", "helper", "total"
            ]
        );
    }
}
