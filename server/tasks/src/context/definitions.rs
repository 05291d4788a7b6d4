//! Definitions of the identifiers a selection uses: identifiers found with tree-sitter (or a
//! regex for plain text), looked up in the outlines of the other open documents first (they
//! may hold unsaved changes) and then in the workspace index.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use ropey::Rope;
use syntax::{OutlineItem, SyntaxTree, grammar_for_language_id, grammar_for_path};

use super::definition::{Definition, is_definition_kind, shows_lines};
use super::packet::{OpenDocument, PacketInput};
use super::workspace::excluded;

/// At most this many definitions of one name: `new` or `run` may be defined in every module,
/// and a few of them say as much as all.
pub(crate) const MAX_PER_NAME: usize = 3;
/// At most this many definitions in a packet, before the budget has its say.
pub(crate) const MAX_DEFINITIONS: usize = 24;
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

/// The definitions of `names`, in the order of the names, at most [`MAX_PER_NAME`] each and
/// [`MAX_DEFINITIONS`] in all: the current document's types (its outline shows their
/// signatures, not their fields), then the other open documents' declarations, then the
/// workspace index's, unless the index declares the name more than [`MAX_PER_NAME`] times. Excluded open documents are never read, and the index's copy of an open
/// document gives way to the open one.
pub(crate) fn find(
    input: &PacketInput<'_>,
    outline: &[OutlineItem],
    names: &[String],
) -> Vec<Definition> {
    if names.is_empty() {
        return Vec::new();
    }
    let wanted: HashSet<&str> = names.iter().map(String::as_str).collect();
    let is_excluded = |path: &str| match input.workspace {
        Some(workspace) => workspace.is_excluded(path),
        None => excluded(path, &[]),
    };
    let mut open: HashMap<String, Vec<Definition>> = HashMap::new();
    let own_types = outline
        .iter()
        .filter(|item| shows_lines(item.kind))
        .filter(|item| {
            item.name
                .as_deref()
                .is_some_and(|name| wanted.contains(name))
        })
        .filter_map(|item| Definition::from_item(input.path, input.rope, item));
    for definition in own_types {
        open.entry(definition.name.clone())
            .or_default()
            .push(definition);
    }
    for document in input.open_documents {
        if document.path == input.path || is_excluded(document.path) {
            continue;
        }
        for definition in open_definitions(document, &wanted) {
            open.entry(definition.name.clone())
                .or_default()
                .push(definition);
        }
    }
    let mut found = Vec::new();
    for name in names {
        let mut of_name = open.remove(name).unwrap_or_default();
        of_name.truncate(MAX_PER_NAME);
        if let Some(workspace) = input.workspace {
            let fresher = |path: &str| {
                path == input.path
                    || input
                        .open_documents
                        .iter()
                        .any(|document| document.path == path)
            };
            let from_index: Vec<Definition> = workspace
                .lookup(name)
                .into_iter()
                .filter(|definition| !fresher(&definition.path))
                .collect();
            // A name declared in more files than a packet shows (`new`, `run`, `Error`) cannot
            // be told apart without types: whichever few were sent would likely be the wrong
            // ones, and they cost as much as the selection itself.
            if from_index.len() <= MAX_PER_NAME {
                of_name.extend(from_index.into_iter().take(MAX_PER_NAME - of_name.len()));
            }
        }
        found.extend(of_name);
        if found.len() >= MAX_DEFINITIONS {
            break;
        }
    }
    found.truncate(MAX_DEFINITIONS);
    found
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
                    def add(self, amount: float) -> None:
                        self.total += amount
            billing/models.py:3 (method add)
                def add(self, amount: float) -> None:"#]]
        .assert_eq(&definitions.text);
        let sent: Vec<(String, u32, String, String, u32)> = packet
            .definitions_sent()
            .into_iter()
            .map(|d| (d.path, d.line, d.kind, d.name, d.lines_shown))
            .collect();
        let models = "billing/models.py".to_owned();
        assert_eq!(
            sent,
            [
                (models.clone(), 1, "class".into(), "Invoice".into(), 4),
                (models, 3, "method".into(), "add".into(), 1),
            ]
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
