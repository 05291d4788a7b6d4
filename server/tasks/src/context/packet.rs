//! The context packet: what a model gets to see for one action — the selection, the code around
//! it, the file's map, the definitions it uses, diagnostics and a plan — sized to a token budget
//! in a fixed priority order, with a record of what was cut and why and what was masked.
//!
//! This is how context passes between models: a plan written by one model and the same packet
//! of code go to the next, and the trace shows exactly how big each part was and what was left
//! out, never a secret.
//!
//! **Priority** (who gets the budget first): instruction, selection, plan, enclosing scope,
//! diagnostics, imports, outline, definitions ([`PRIORITY`]). The instruction and the selection
//! are never cut: when they alone exceed the budget they are kept whole, the packet is marked
//! over budget and a zero-token [`Cut`] says so. Every other section is trimmed (its
//! lowest-ranked units go first: the plan's last lines, the scope's farthest context lines, the
//! least severe diagnostics, the last imports, the deepest and farthest outline items, the last
//! definitions) or dropped whole when not one unit fits. Two sections also have caps relative
//! to the code acted on: the outline takes at most as many tokens as the selection and its
//! scope, definitions half as many (each with a small floor), so that a packet stays a fraction
//! of its file whatever the budget.
//!
//! **Size.** The outline is signatures only (one line each, no fields or enum variants, test
//! modules the selection is not in folded), the enclosing scope is its signatures plus a few
//! lines either side of the selection, never the whole scope, and definitions are capped, so a
//! packet costs a fraction of its file (a test below checks the ratio stays under 0.3 over this
//! repository's sources).

use std::collections::HashSet;
use std::ops::Range;

use ropey::Rope;
use serde::{Deserialize, Serialize};
use syntax::SyntaxTree;

use super::definition::Definition;
use super::definitions;
use super::fit::{self, Draft};
use super::secrets::Redaction;
use super::sections::{self, Doc};
use super::workspace::WorkspaceIndex;

/// Who gets the budget first; see the module docs.
pub const PRIORITY: [SectionKind; 8] = [
    SectionKind::Instruction,
    SectionKind::Selection,
    SectionKind::Plan,
    SectionKind::EnclosingScope,
    SectionKind::Diagnostics,
    SectionKind::Imports,
    SectionKind::Outline,
    SectionKind::Definitions,
];

/// Definitions take at most half as many tokens as the code they explain (the selection and
/// its scope), or a few signatures' worth for a small selection: two dozen declarations around
/// a ten-line function would cost more than they help (and made packets 0.41 of their files).
const DEFINITIONS_CAP: fit::Cap = fit::Cap {
    kind: SectionKind::Definitions,
    of: &[SectionKind::Selection, SectionKind::EnclosingScope],
    percent: 200,
    floor: 500,
    why: "twice what the selection and its scope take",
};

/// The outline takes at most as many tokens as the selection and its scope, or a short file's
/// worth: past that, the signatures nearest the selection are kept (the outline's ranks) and
/// the far end of a long file is elided.
const OUTLINE_CAP: fit::Cap = fit::Cap {
    kind: SectionKind::Outline,
    of: &[SectionKind::Selection, SectionKind::EnclosingScope],
    percent: 100,
    floor: 250,
    why: "as many as the selection and its scope take",
};

/// The sections that are never trimmed or dropped.
pub const NEVER_CUT: [SectionKind; 2] = [SectionKind::Instruction, SectionKind::Selection];

/// A diagnostic the editor shows, as the packet needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosticNote {
    /// 1-based.
    pub line: u32,
    /// `error`, `warning`, `info` or `hint`.
    pub severity: String,
    /// What the diagnostic says.
    pub message: String,
    /// Who reported it (`rustc`, `pyright`).
    pub source: Option<String>,
}

/// Another document open in the editor, whose outline may define what the selection uses.
#[derive(Debug, Clone, Copy)]
pub struct OpenDocument<'a> {
    /// Workspace-relative.
    pub path: &'a str,
    /// The LSP `languageId` (picks the grammar when there is no tree).
    pub language_id: &'a str,
    /// Its text.
    pub rope: &'a Rope,
    /// Its settled tree, if it has a grammar; without one it is parsed when needed.
    pub tree: Option<&'a SyntaxTree>,
}

/// What a packet is built from.
#[derive(Debug, Clone)]
pub struct PacketInput<'a> {
    /// The role the packet is for (recorded in the packet for the trace).
    pub role: router::Role,
    /// Workspace-relative path of the document. The caller has checked it is not excluded.
    pub path: &'a str,
    /// The LSP `languageId`, the info string of the packet's code fences.
    pub language_id: &'a str,
    /// The document's text.
    pub rope: &'a Rope,
    /// The document's settled tree (see `SyntaxTree::settle`), if it has a grammar.
    pub tree: Option<&'a SyntaxTree>,
    /// Bytes of the selection; empty means the enclosing function or class (or, without one,
    /// the line of the cursor).
    pub selection: Range<usize>,
    /// The document's diagnostics; those on the selection's lines are sent.
    pub diagnostics: &'a [DiagnosticNote],
    /// The other open documents, searched for definitions before the workspace.
    pub open_documents: &'a [OpenDocument<'a>],
    /// The workspace index, searched for definitions.
    pub workspace: Option<&'a WorkspaceIndex>,
    /// A plan to implement, handed over from the plan role.
    pub plan: Option<&'a str>,
    /// What the user asked.
    pub instruction: Option<&'a str>,
    /// The most the packet may take, in o200k tokens.
    pub token_budget: u64,
    /// Mask secrets in every section (`[privacy] redact_secrets`).
    pub redact_secrets: bool,
}

/// What a section holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// What the user asked.
    Instruction,
    /// The code the action works on, with its line numbers.
    Selection,
    /// The signatures of the items around the selection and a few lines either side.
    EnclosingScope,
    /// The file's declarations, signatures only.
    Outline,
    /// The file's import statements.
    Imports,
    /// Diagnostics on the selection's lines.
    Diagnostics,
    /// Declarations of the names the selection uses, from elsewhere.
    Definitions,
    /// A plan handed over from the plan role.
    Plan,
}

/// One part of a packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// What the section holds.
    pub kind: SectionKind,
    /// Its heading (`Selection: src/lib.rs:12-20`).
    pub title: String,
    /// The text sent. Never serialized: a trace records sizes, not code that may hold secrets.
    #[serde(skip)]
    pub text: String,
    /// o200k tokens of the section as rendered (`## title`, then the text).
    pub tokens: u64,
    /// Bytes of `text`.
    pub bytes: usize,
}

impl Section {
    /// How a section is written into a prompt: a `##` heading and its text.
    pub fn render(&self) -> String {
        Section::render_block(&self.title, &self.text)
    }

    pub(crate) fn render_block(title: &str, text: &str) -> String {
        format!("## {title}\n{text}\n")
    }
}

/// A section trimmed or dropped to fit the budget, or kept over it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cut {
    /// The section cut.
    pub kind: SectionKind,
    /// Tokens left out: the whole section when dropped, 0 when kept over budget.
    pub dropped_tokens: u64,
    /// What happened and why, for the trace (`trimmed: kept 4 of 12 items to fit ...`).
    pub why: String,
}

/// The context for one action. Serializes without any section text (see [`Section::text`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packet {
    /// The role the packet is for.
    pub role: router::Role,
    /// The bytes used as the selection, after enlarging an empty one.
    pub selection: Range<usize>,
    /// 1-based first line of the selection.
    pub first_line: u32,
    /// 1-based last line of the selection (included).
    pub last_line: u32,
    /// The kept sections, in the order a prompt shows them.
    pub sections: Vec<Section>,
    /// What was trimmed or dropped, in priority order.
    pub cut: Vec<Cut>,
    /// The secrets masked in the kept sections (kinds and lines, never values).
    pub redactions: Vec<Redaction>,
    /// The sum of the sections' tokens.
    pub tokens: u64,
    /// The budget it was sized to.
    pub budget: u64,
    /// Whether the sections that are never cut alone exceeded the budget.
    pub over_budget: bool,
    /// Whether secrets were masked.
    pub redacted: bool,
    /// The definitions chosen for the packet, best first, before the budget trimmed the last
    /// (see [`Packet::definitions_sent`] for those kept). Not serialized, as sections are not.
    #[serde(skip)]
    pub definitions: Vec<Definition>,
}

impl Packet {
    /// The section of a kind, if kept.
    pub fn section(&self, kind: SectionKind) -> Option<&Section> {
        self.sections.iter().find(|section| section.kind == kind)
    }

    /// Every kept section but the instruction (which a template places on its own), rendered
    /// and joined by blank lines: the `{{context}}` of a prompt.
    pub fn context(&self) -> String {
        let mut context = self
            .sections
            .iter()
            .filter(|section| section.kind != SectionKind::Instruction)
            .map(Section::render)
            .collect::<Vec<_>>()
            .join("\n");
        context.truncate(context.trim_end().len());
        context
    }

    /// The packet without its sections: rendered, it is the prompt's frame (template and
    /// instruction), whose tokens add to the sections' already counted ones.
    pub fn frame(&self) -> Packet {
        Packet {
            role: self.role,
            selection: self.selection.clone(),
            first_line: self.first_line,
            last_line: self.last_line,
            sections: Vec::new(),
            cut: Vec::new(),
            redactions: Vec::new(),
            tokens: 0,
            budget: self.budget,
            over_budget: self.over_budget,
            redacted: self.redacted,
            definitions: Vec::new(),
        }
    }

    /// The definitions the packet shows, in order, read back from its definitions section:
    /// what a model was actually given after the budget had its say (the context benchmark
    /// scores these against a language tool's go-to-definition).
    pub fn definitions_sent(&self) -> Vec<SentDefinition> {
        let Some(section) = self.section(SectionKind::Definitions) else {
            return Vec::new();
        };
        let mut sent = Vec::new();
        for line in section.text.lines() {
            // A definition's heading is `path:line (kind name)`; its lines are indented.
            let Some((place, _)) = line.rsplit_once(" (").filter(|_| !line.starts_with(' ')) else {
                continue;
            };
            let Some((path, number)) = place.rsplit_once(':') else {
                continue;
            };
            let Ok(number) = number.parse::<u32>() else {
                continue;
            };
            let Some(definition) = self
                .definitions
                .iter()
                .find(|definition| definition.path == path && definition.line == number)
            else {
                continue;
            };
            sent.push(SentDefinition {
                path: definition.path.clone(),
                line: definition.line,
                kind: definition.kind.clone(),
                name: definition.name.clone(),
                lines_shown: u32::try_from(definition.shown_lines.len()).unwrap_or(u32::MAX),
                shown: definition.shown_lines.clone(),
            });
        }
        sent
    }

    /// The selection's lines as a citation suffix: `12` or `12-20`.
    pub fn lines(&self) -> String {
        if self.first_line == self.last_line {
            self.first_line.to_string()
        } else {
            format!("{}-{}", self.first_line, self.last_line)
        }
    }
}

/// One definition as a packet shows it (see [`Packet::definitions_sent`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentDefinition {
    /// As labelled in the packet.
    pub path: String,
    /// 1-based line the definition starts on.
    pub line: u32,
    /// The outline kind (`function`, `struct`, ...).
    pub kind: String,
    /// The declared name.
    pub name: String,
    /// How many of its lines the packet shows.
    pub lines_shown: u32,
    /// The 1-based lines of its file the packet shows (a type's header and member lines need
    /// not be next to each other).
    pub shown: Vec<u32>,
}

/// Builds the packet for one action. See the module docs for what goes in and the order the
/// budget is spent in.
///
/// Proportional to the document (outline, imports, and a scan for secrets when masking), the
/// open documents without a tree (parsed for their outlines) and the selection; the workspace
/// index reads its files on its first lookup.
pub fn build_packet(input: &PacketInput<'_>) -> Packet {
    let selection = sections::choose_selection(input.rope, input.tree, input.selection.clone());
    let doc = Doc::new(input.path, input.rope, input.redact_secrets);
    let outline = input
        .tree
        .map(|tree| tree.outline(input.rope))
        .unwrap_or_default();
    let (first_line, last_line) = doc.line_span(&selection);

    // Names the selection defines itself are not looked up elsewhere.
    let own: HashSet<String> = outline
        .iter()
        .filter(|item| selection.start <= item.bytes.start && item.bytes.end <= selection.end)
        .filter_map(|item| item.name.clone())
        .collect();
    let uses = definitions::selection_uses(input, &outline, &selection, &own);
    let found = definitions::find(input, &outline, &selection, &uses);
    // Every name the selection mentions, locals and receivers too (`os` in `os.path`): an
    // import that brings one in is kept.
    let used: HashSet<String> = uses
        .names
        .iter()
        .flat_map(|used| [Some(&used.name), used.through.as_ref()])
        .flatten()
        .cloned()
        .chain(definitions::identifiers(
            input.rope,
            input.tree,
            selection.clone(),
            &HashSet::new(),
        ))
        .collect();

    // Display order: what the model reads first to what it acts on last.
    let drafts: Vec<Draft> = [
        input
            .instruction
            .map(|text| sections::instruction(text, input.redact_secrets)),
        input
            .plan
            .map(|plan| sections::plan(plan, input.redact_secrets)),
        input
            .tree
            .map(|tree| sections::imports(&doc, tree, &selection, input.language_id, &used)),
        Some(sections::outline(
            &doc,
            &outline,
            &selection,
            input.language_id,
        )),
        Some(sections::definitions(&found, input.redact_secrets)),
        Some(sections::enclosing_scope(
            &doc,
            input.tree,
            &outline,
            &selection,
            input.language_id,
        )),
        Some(sections::selection(&doc, &selection, input.language_id)),
        Some(sections::diagnostics(
            input.diagnostics,
            first_line..=last_line,
            input.redact_secrets,
        )),
    ]
    .into_iter()
    .flatten()
    .collect();

    let fitted = fit::fit(
        drafts,
        input.token_budget,
        &PRIORITY,
        &NEVER_CUT,
        &[OUTLINE_CAP, DEFINITIONS_CAP],
    );
    Packet {
        role: input.role,
        selection,
        first_line,
        last_line,
        tokens: fitted.sections.iter().map(|section| section.tokens).sum(),
        sections: fitted.sections,
        cut: fitted.cut,
        redactions: fitted.redactions,
        budget: input.token_budget,
        over_budget: fitted.over_budget,
        redacted: input.redact_secrets,
        definitions: found,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use expect_test::expect;
    use syntax::{SymbolKind, grammar_for_language_id};

    use super::*;

    /// A fresh parse of `rope` with the grammar of `language_id`.
    pub(crate) fn parse(language_id: &str, rope: &Rope) -> SyntaxTree {
        let grammar = grammar_for_language_id(language_id).expect("a grammar");
        SyntaxTree::parse(grammar, rope, Duration::MAX).expect("parses")
    }

    /// An input over one document with a generous budget and nothing else.
    pub(crate) fn input<'a>(
        path: &'a str,
        language_id: &'a str,
        rope: &'a Rope,
        tree: Option<&'a SyntaxTree>,
        selection: Range<usize>,
    ) -> PacketInput<'a> {
        PacketInput {
            role: router::Role::Implement,
            path,
            language_id,
            rope,
            tree,
            selection,
            diagnostics: &[],
            open_documents: &[],
            workspace: None,
            plan: None,
            instruction: None,
            token_budget: 100_000,
            redact_secrets: true,
        }
    }

    #[test]
    fn a_plain_text_document_gets_its_line_and_the_lines_around() {
        let text = "alpha\nbeta\ngamma\ndelta\nepsilon\nzeta\neta\ntheta\n";
        let rope = Rope::from_str(text);
        let cursor = text.find("delta").expect("in the text") + 2;
        let packet = build_packet(&input(
            "notes.txt",
            "plaintext",
            &rope,
            None,
            cursor..cursor,
        ));
        assert_eq!(
            (packet.selection.clone(), packet.lines()),
            (17..22, "4".to_owned())
        );
        let kinds: Vec<SectionKind> = packet.sections.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [SectionKind::EnclosingScope, SectionKind::Selection]);
        expect![[r#"
            ## Lines around the selection in notes.txt
            ```plaintext
            1 | alpha
            2 | beta
            3 | gamma
              | [the selection, line 4]
            5 | epsilon
            6 | zeta
            7 | eta
            ```

            ## Selection: notes.txt:4
            ```plaintext
            4 | delta
            ```"#]]
        .assert_eq(&packet.context());
    }

    /// Source files of this repository, as a sample workspace of real code.
    fn sample_files() -> Vec<PathBuf> {
        let server = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in [
            "syntax/src",
            "router/src",
            "router/src/config",
            "ledger/src",
            "text/src",
        ] {
            let Ok(entries) = std::fs::read_dir(server.join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|ext| ext == "rs") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    /// Performance issue P6: tokens sent per action over tokens of the whole file stay at or
    /// under 0.3 with the scope, outline and imports kept (and definitions, here of the file's
    /// own types). Each action is an empty selection in a function, as a code action on the
    /// cursor sends it; the ratio is over all actions of the sample.
    #[test]
    fn a_packet_costs_a_fraction_of_its_file() {
        let files = sample_files();
        assert!(
            files.len() >= 10,
            "the sample holds the repository's sources"
        );
        let (mut sent, mut whole, mut actions) = (0u64, 0u64, 0u64);
        for path in &files {
            let text = std::fs::read_to_string(path).expect("a source file");
            let rope = Rope::from_str(&text);
            let tree = parse("rust", &rope);
            let file_tokens = router::count_o200k(&text);
            for item in tree.outline(&rope) {
                if !matches!(item.kind, SymbolKind::Function | SymbolKind::Method) {
                    continue;
                }
                let cursor = item.name_bytes.expect("functions are named").start;
                let packet =
                    build_packet(&input("s.rs", "rust", &rope, Some(&tree), cursor..cursor));
                // Nothing is cut but what the caps cut: the outline's far end (never all of
                // it) and definitions.
                assert!(
                    packet.cut.iter().all(|cut| match cut.kind {
                        SectionKind::Outline => cut.why.starts_with("trimmed"),
                        kind => kind == SectionKind::Definitions,
                    }),
                    "{:?}",
                    packet.cut
                );
                for kind in [SectionKind::Selection, SectionKind::Outline] {
                    assert!(packet.section(kind).is_some(), "{kind:?}");
                }
                sent += packet.tokens;
                whole += file_tokens;
                actions += 1;
            }
        }
        let ratio = sent as f64 / whole as f64;
        assert!(actions >= 100, "{actions} actions");
        assert!(ratio <= 0.3, "{ratio:.3} over {actions} actions");
    }
}
