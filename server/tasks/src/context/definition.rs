//! One declaration a packet may show for a name the selection uses: where it is, what it
//! belongs to, and the text that shows it (a function's signature; a type's header and its
//! fields, variants or members, without their doc comments).

use std::ops::Range;

use ropey::Rope;
use serde::{Deserialize, Serialize};
use syntax::{OutlineItem, SymbolKind};

/// How many leading lines of a constant or type alias a definition shows.
const DEFINITION_LINES: usize = 8;
/// How many member lines (fields, variants, methods' first lines) a type shows.
const MEMBER_LINES: usize = 12;

/// One declaration found in the workspace or an open document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    /// The declared name.
    pub name: String,
    /// The outline kind (`function`, `struct`, `class`, ...).
    pub kind: String,
    /// Workspace-relative, with `/` separators.
    pub path: String,
    /// 1-based.
    pub line: u32,
    /// The declaration up to its body; for a type (struct, enum, class, trait, interface) its
    /// header and member lines; for a constant or alias its first lines.
    pub signature: String,
    /// The named item it is declared in: a method's type, class or trait, a function's module.
    #[serde(default)]
    pub container: Option<String>,
    /// The 1-based line of each line of `signature` (a `…` line has none), so a reader knows
    /// exactly which lines of the file the packet shows.
    #[serde(default)]
    pub shown_lines: Vec<u32>,
}

impl Definition {
    /// The definition of an outline item of the document at `path`; `None` for an anonymous
    /// item.
    pub(crate) fn from_item(path: &str, rope: &Rope, item: &OutlineItem) -> Option<Definition> {
        let name = item.name.clone()?;
        let start = item.bytes.start.min(rope.len_bytes());
        let line = rope.byte_to_line(start);
        let (signature, shown) = if holds_members(item.kind) {
            members(rope, item)
        } else if shows_lines(item.kind) {
            leading_lines(rope, item.bytes.clone())
        } else {
            let count = item.signature.lines().count().max(1);
            (item.signature.clone(), (line..line + count).collect())
        };
        Some(Definition {
            name,
            kind: item.kind.as_str().to_owned(),
            path: path.to_owned(),
            line: one_based(line),
            signature,
            container: item.container.clone(),
            shown_lines: shown.into_iter().map(one_based).collect(),
        })
    }
}

fn one_based(line: usize) -> u32 {
    u32::try_from(line + 1).unwrap_or(u32::MAX)
}

/// Whether an outline item is a definition worth looking up. Fields and enum variants would
/// answer `x` or `name` from every struct, impls are named by a type defined elsewhere, and
/// Markdown sections, TOML tables and JSON keys are no code.
pub(crate) fn is_definition_kind(kind: SymbolKind) -> bool {
    !matches!(
        kind,
        SymbolKind::Field
            | SymbolKind::Impl
            | SymbolKind::Section
            | SymbolKind::Table
            | SymbolKind::Key
    )
}

/// Whether a definition of this kind shows more than its signature: a type its members, a
/// constant or alias its value.
pub(crate) fn shows_lines(kind: SymbolKind) -> bool {
    holds_members(kind) || matches!(kind, SymbolKind::Type | SymbolKind::Constant)
}

/// Whether a definition of this kind is shown as its header and member lines.
fn holds_members(kind: SymbolKind) -> bool {
    matches!(
        kind,
        SymbolKind::Struct
            | SymbolKind::Enum
            | SymbolKind::Class
            | SymbolKind::Interface
            | SymbolKind::Trait
    )
}

/// A 0-based line range of the rope covering `bytes`.
fn line_span(rope: &Rope, bytes: &Range<usize>) -> (usize, usize) {
    let end = bytes.end.min(rope.len_bytes());
    let start = bytes.start.min(end);
    let first = rope.byte_to_line(start);
    let last = rope.byte_to_line(end.saturating_sub(1).max(start));
    (first, last)
}

/// A line of the rope without its line break.
fn line_text(rope: &Rope, line: usize) -> String {
    let mut text = rope.line(line).to_string();
    text.truncate(text.trim_end_matches(['\n', '\r']).len());
    text
}

/// The first [`DEFINITION_LINES`] lines of `bytes`, with `…` when there is more, and the lines
/// shown.
fn leading_lines(rope: &Rope, bytes: Range<usize>) -> (String, Vec<usize>) {
    let (first, last) = line_span(rope, &bytes);
    let shown_last = last.min(first + DEFINITION_LINES - 1);
    let stop = if shown_last < last {
        rope.line_to_byte(shown_last + 1)
    } else {
        bytes.end.min(rope.len_bytes())
    };
    let start = bytes.start.min(stop);
    let mut text = rope.byte_slice(start..stop).to_string();
    text.truncate(text.trim_end().len());
    let shown = (first..first + text.lines().count().max(1)).collect();
    if shown_last < last {
        text.push_str("\n…");
    }
    (text, shown)
}

/// A line that says nothing about a type's shape: blank, a comment or doc comment, an
/// attribute or decorator, or one that starts with a closing bracket (the end of a member's
/// multi-line signature, `) -> None:`).
fn is_noise(trimmed: &str) -> bool {
    trimmed.is_empty()
        || ["//", "/*", "*", "#", "--", "@", ")", "]", "}", ">"]
            .iter()
            .any(|prefix| trimmed.starts_with(prefix))
}

/// Whether a Python docstring opens on this line, and if so its quote and whether it closes on
/// the same line.
fn docstring_quote(trimmed: &str) -> Option<(&'static str, bool)> {
    let body = trimmed.trim_start_matches(['r', 'R', 'u', 'U', 'b', 'B']);
    let quote = ["\"\"\"", "'''"]
        .into_iter()
        .find(|quote| body.starts_with(quote))?;
    Some((quote, body[quote.len()..].contains(quote)))
}

/// A type as its header (the signature's lines) and its member lines: the lines of its body at
/// the first member's indentation (fields, variants, method signatures, class attributes), not
/// doc comments, attributes, docstrings or anything nested deeper; then its closing line. At
/// most [`MEMBER_LINES`] members, then `…`.
fn members(rope: &Rope, item: &OutlineItem) -> (String, Vec<usize>) {
    let (first, last) = line_span(rope, &item.bytes);
    let header_lines = item.signature.lines().count().max(1);
    let header_last = (first + header_lines - 1).min(last);
    let mut lines: Vec<usize> = (first..=header_last).collect();
    let mut member_indent: Option<usize> = None;
    let mut more = false;
    let mut in_docstring: Option<&'static str> = None;
    let mut line = header_last + 1;
    while line <= last {
        let text = line_text(rope, line);
        let trimmed = text.trim();
        let indent = text.len() - text.trim_start().len();
        if let Some(quote) = in_docstring {
            if trimmed.contains(quote) {
                in_docstring = None;
            }
            line += 1;
            continue;
        }
        if let Some((quote, closed)) = docstring_quote(trimmed) {
            // A docstring that does not close on its own line goes on to the closing quote.
            if !closed {
                in_docstring = Some(quote);
            }
            line += 1;
            continue;
        }
        if line == last && indent <= member_indent.unwrap_or(usize::MAX) && !trimmed.is_empty() {
            // The closing line (`}`), shown so the type reads as whole.
            if trimmed.chars().all(|c| matches!(c, '}' | ')' | ']' | ';')) {
                lines.push(line);
                break;
            }
        }
        if !is_noise(trimmed) {
            let wanted = *member_indent.get_or_insert(indent);
            if indent == wanted {
                if lines.len() - header_lines >= MEMBER_LINES {
                    more = true;
                    break;
                }
                lines.push(line);
            }
        }
        line += 1;
    }
    let mut text = lines
        .iter()
        .map(|line| line_text(rope, *line))
        .collect::<Vec<_>>()
        .join("\n");
    if more {
        text.push_str("\n…");
    }
    (text, lines)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn definitions(language: &str, source: &str) -> Vec<Definition> {
        let rope = Rope::from_str(source);
        let grammar = syntax::grammar_for_language_id(language).expect("a grammar");
        let tree = syntax::SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
        tree.outline(&rope)
            .iter()
            .filter(|item| is_definition_kind(item.kind))
            .filter_map(|item| Definition::from_item("f", &rope, item))
            .collect()
    }

    #[test]
    fn a_struct_shows_its_fields_without_their_doc_comments() {
        let source = "/// A walk.\n#[derive(Debug)]\npub struct Work<T> {\n    /// The path.\n    /// More.\n    #[serde(skip)]\n    pub dent: DirEntry,\n    ignore: Ignore,\n    nested: Vec<\n        T,\n    >,\n}\n";
        let work = &definitions("rust", source)[0];
        assert_eq!(
            work.signature,
            "pub struct Work<T> {\n    pub dent: DirEntry,\n    ignore: Ignore,\n    nested: Vec<\n}"
        );
        assert_eq!(work.shown_lines, [3, 7, 8, 9, 12]);
    }

    #[test]
    fn a_python_class_shows_its_attributes_and_method_signatures() {
        let source = "class Session(Base):\n    \"\"\"A session.\n\n    Keeps cookies.\n    \"\"\"\n\n    trust_env = True\n\n    @property\n    def proxies(self):\n        return self._proxies\n\n    def send(self, request,\n             **kwargs):\n        \"\"\"Send it.\"\"\"\n        pass\n";
        let all = definitions("python", source);
        let session = &all[0];
        assert_eq!(
            session.signature,
            "class Session(Base):\n    trust_env = True\n    def proxies(self):\n    def send(self, request,"
        );
        assert_eq!(session.shown_lines, [1, 7, 10, 13]);
        let send = all.iter().find(|d| d.name == "send").expect("send");
        assert_eq!(send.container.as_deref(), Some("Session"));
        assert_eq!(send.shown_lines, [13, 14]);
    }

    #[test]
    fn a_long_enum_shows_its_first_variants() {
        let variants: String = (0..30).map(|n| format!("    V{n},\n")).collect();
        let source = format!("enum E {{\n{variants}}}\n");
        let e = &definitions("rust", &source)[0];
        assert_eq!(e.signature.lines().count(), 1 + MEMBER_LINES + 1);
        assert!(e.signature.ends_with("    V11,\n…"), "{}", e.signature);
        assert_eq!(e.shown_lines.len(), 1 + MEMBER_LINES);
    }
}
