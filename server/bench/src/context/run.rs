//! Builds each selection's packet as a code action on the function's name asks for it, scores
//! the definitions it sent, and sums the figures per library: recall, precision, P6 (packet
//! tokens over whole-file tokens) and the tokens of each kind of section.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Serialize;
use tasks::context::{PacketInput, SectionKind, WorkspaceIndex, build_packet};

use super::score::{Score, Shown, covers_truth, outline_covers, outline_entries, ratio, score};
use super::truth::{Cursor, Selection};
use crate::stats;

/// A job's packet budget when the model's window is large (`tasks::job`'s `MAX_PACKET_TOKENS`;
/// every model of the default catalog has room for it).
pub const PACKET_BUDGET: u64 = 24_000;
/// What a parse may take, as the server allows a document's first parse.
const PARSE_LIMIT: Duration = Duration::from_millis(500);

/// How packets are built.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub role: router::Role,
    pub token_budget: u64,
}

/// One selection's packet and score.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub library: String,
    pub file: String,
    pub function: String,
    pub line: u32,
    /// The lines the packet took as the selection.
    pub selected: String,
    pub packet_tokens: u64,
    pub file_tokens: u64,
    pub sections: BTreeMap<String, u64>,
    #[serde(flatten)]
    pub score: Score,
}

/// The figures of a group of selections.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub library: String,
    pub selections: usize,
    pub truth: usize,
    pub recalled: usize,
    pub sent: usize,
    pub relevant: usize,
    pub recalled_with_outline: usize,
    /// Summed over selections.
    pub recall: Option<f64>,
    /// Counting, besides the definitions, the file's outline (signatures of its own items).
    pub recall_with_outline: Option<f64>,
    pub precision: Option<f64>,
    /// Averaged over selections (with truth, with something sent).
    pub macro_recall: Option<f64>,
    pub macro_precision: Option<f64>,
    /// All packets' tokens over their files' tokens.
    pub p6: Option<f64>,
    /// The median of the per-packet ratio.
    pub p6_median: Option<f64>,
    /// Mean tokens per packet, by section kind.
    pub section_tokens: BTreeMap<String, f64>,
    /// Selections whose packet enlarged the cursor to something other than the function.
    pub not_the_function: usize,
}

fn kind_name(kind: SectionKind) -> String {
    format!("{kind:?}")
}

/// Builds and scores one packet per selection, the index of a root built once.
///
/// # Errors
/// When a file cannot be read or has no grammar, or a named function is not in its outline.
pub fn measure(selections: &[Selection], options: Options) -> anyhow::Result<Vec<Outcome>> {
    let mut indexes: BTreeMap<PathBuf, WorkspaceIndex> = BTreeMap::new();
    let mut outcomes = Vec::with_capacity(selections.len());
    let mut files: BTreeMap<PathBuf, (text::Rope, syntax::SyntaxTree, u64)> = BTreeMap::new();
    for selection in selections {
        let index: &WorkspaceIndex = indexes
            .entry(selection.root.clone())
            .or_insert_with(|| WorkspaceIndex::build(std::slice::from_ref(&selection.root), &[]));
        let path = selection.root.join(&selection.file);
        if !files.contains_key(&path) {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let grammar = syntax::grammar_for_path(&selection.file)
                .with_context(|| format!("no grammar for {}", selection.file))?;
            let rope = text::Rope::from_str(&text);
            let tree = syntax::SyntaxTree::parse(grammar, &rope, PARSE_LIMIT)
                .with_context(|| format!("cannot parse {}", path.display()))?;
            files.clear(); // one file at a time: selections come grouped by file
            files.insert(path.clone(), (rope, tree, router::count_o200k(&text)));
        }
        let (rope, tree, file_tokens) = &files[&path];
        let cursor = cursor_byte(selection, rope, tree)?;
        let packet = build_packet(&PacketInput {
            role: options.role,
            path: &selection.file,
            language_id: language_id(&selection.file),
            rope,
            tree: Some(tree),
            selection: cursor..cursor,
            diagnostics: &[],
            open_documents: &[],
            workspace: Some(index),
            plan: None,
            instruction: None,
            token_budget: options.token_budget,
            redact_secrets: true,
        });
        let sent: Vec<Shown> = packet.definitions_sent().iter().map(Shown::of).collect();
        let outline = packet
            .section(SectionKind::Outline)
            .map(|section| outline_entries(&section.text))
            .unwrap_or_default();
        let mut scored = score(&sent, &selection.truth);
        scored.recalled_with_outline = selection
            .truth
            .iter()
            .filter(|truth| {
                sent.iter().any(|shown| covers_truth(shown, truth))
                    || outline_covers(&outline, &selection.file, truth)
            })
            .count();
        let mut sections = BTreeMap::new();
        for section in &packet.sections {
            *sections.entry(kind_name(section.kind)).or_default() += section.tokens;
        }
        outcomes.push(Outcome {
            library: selection.library.clone(),
            file: selection.file.clone(),
            function: selection.function.clone(),
            line: selection.line,
            selected: packet.lines(),
            packet_tokens: packet.tokens,
            file_tokens: *file_tokens,
            sections,
            score: scored,
        });
    }
    Ok(outcomes)
}

fn language_id(file: &str) -> &'static str {
    if file.ends_with(".py") {
        "python"
    } else if file.ends_with(".rs") {
        "rust"
    } else {
        "plaintext"
    }
}

/// The byte the cursor goes on: the one given (snapped back to a char boundary), or the name of
/// the function the outline declares on the selection's line.
fn cursor_byte(
    selection: &Selection,
    rope: &text::Rope,
    tree: &syntax::SyntaxTree,
) -> anyhow::Result<usize> {
    match &selection.cursor {
        Cursor::Byte(byte) => {
            let mut byte = (*byte).min(rope.len_bytes());
            while byte > 0 && rope.try_byte_to_char(byte).is_err() {
                byte -= 1;
            }
            Ok(byte)
        }
        Cursor::Named { name, line } => {
            let found = tree.outline(rope).into_iter().find_map(|item| {
                let at = item.name_bytes.clone()?;
                let on_line = rope.byte_to_line(at.start) + 1 == *line as usize;
                (on_line && item.name.as_deref() == Some(name.as_str())).then_some(at.start)
            });
            match found {
                Some(byte) => Ok(byte),
                None => bail!(
                    "{} of {} declares no {name} on line {line}",
                    selection.file,
                    selection.root.display()
                ),
            }
        }
    }
}

/// The figures of `outcomes`, one group per library (in first-seen order) and, when there
/// is more than one, `overall`.
pub fn summarize(outcomes: &[Outcome], overall: &str) -> Vec<Summary> {
    let mut order: Vec<String> = Vec::new();
    for outcome in outcomes {
        if !order.contains(&outcome.library) {
            order.push(outcome.library.clone());
        }
    }
    let mut summaries: Vec<Summary> = order
        .iter()
        .map(|library| {
            let group: Vec<&Outcome> = outcomes
                .iter()
                .filter(|outcome| &outcome.library == library)
                .collect();
            summary(library, &group)
        })
        .collect();
    if order.len() > 1 {
        summaries.push(summary(overall, &outcomes.iter().collect::<Vec<_>>()));
    }
    summaries
}

fn summary(library: &str, group: &[&Outcome]) -> Summary {
    let mut summary = Summary {
        library: library.to_owned(),
        selections: group.len(),
        ..Summary::default()
    };
    let (mut recalls, mut precisions, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let (mut packet_tokens, mut file_tokens) = (0u64, 0u64);
    let mut sections: BTreeMap<String, u64> = BTreeMap::new();
    for outcome in group {
        let score = &outcome.score;
        summary.truth += score.truth;
        summary.recalled += score.recalled;
        summary.recalled_with_outline += score.recalled_with_outline;
        summary.sent += score.sent;
        summary.relevant += score.relevant;
        recalls.extend(score.recall());
        precisions.extend(score.precision());
        packet_tokens += outcome.packet_tokens;
        file_tokens += outcome.file_tokens;
        if outcome.file_tokens > 0 {
            ratios.push(outcome.packet_tokens as f64 / outcome.file_tokens as f64);
        }
        for (kind, tokens) in &outcome.sections {
            *sections.entry(kind.clone()).or_default() += tokens;
        }
        let first = outcome.selected.split('-').next().unwrap_or_default();
        // A decorated function's selection may start at its decorators, a few lines above.
        let starts_near = first
            .parse::<u32>()
            .is_ok_and(|first| first <= outcome.line && outcome.line - first <= 8);
        summary.not_the_function += usize::from(!starts_near);
    }
    summary.recall = ratio(summary.recalled, summary.truth);
    summary.recall_with_outline = ratio(summary.recalled_with_outline, summary.truth);
    summary.precision = ratio(summary.relevant, summary.sent);
    summary.macro_recall = mean(&recalls);
    summary.macro_precision = mean(&precisions);
    summary.p6 = (file_tokens > 0).then(|| packet_tokens as f64 / file_tokens as f64);
    summary.p6_median = stats::quantiles(&ratios).map(|(median, _)| median);
    let count = group.len().max(1) as f64;
    summary.section_tokens = sections
        .into_iter()
        .map(|(kind, tokens)| (kind, tokens as f64 / count))
        .collect();
    summary
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The kinds of section in the order a packet shows them, for the table's columns.
pub const SECTION_ORDER: [&str; 8] = [
    "Instruction",
    "Selection",
    "EnclosingScope",
    "Outline",
    "Imports",
    "Diagnostics",
    "Definitions",
    "Plan",
];

/// The figures as a plain-text table (Markdown, so BENCHMARKS.md can take it as printed).
pub fn table(title: &str, summaries: &[Summary]) -> String {
    let figure = |value: Option<f64>| value.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"));
    let mut out = format!(
        "### {title}\n\n| library | selections | truth | sent | recall | precision | \
         macro recall | macro precision | recall with outline | P6 | P6 median |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n"
    );
    for s in summaries {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            s.library,
            s.selections,
            s.truth,
            s.sent,
            figure(s.recall),
            figure(s.precision),
            figure(s.macro_recall),
            figure(s.macro_precision),
            figure(s.recall_with_outline),
            figure(s.p6),
            figure(s.p6_median),
        ));
    }
    let kinds: Vec<&str> = SECTION_ORDER
        .iter()
        .copied()
        .filter(|kind| {
            summaries
                .iter()
                .any(|s| s.section_tokens.contains_key(*kind))
        })
        .collect();
    out.push_str(&format!(
        "\nMean tokens per packet by section:\n\n| library | {} | total |\n|---|{}--:|\n",
        kinds.join(" | "),
        "--:|".repeat(kinds.len())
    ));
    for s in summaries {
        let cells: Vec<String> = kinds
            .iter()
            .map(|kind| format!("{:.0}", s.section_tokens.get(*kind).copied().unwrap_or(0.0)))
            .collect();
        let total: f64 = s.section_tokens.values().sum();
        out.push_str(&format!(
            "| {} | {} | {total:.0} |\n",
            s.library,
            cells.join(" | ")
        ));
    }
    out
}

/// Things counted, most frequent first.
pub type Counted = Vec<(String, usize)>;

/// The names most often missed and most often sent wrongly, with counts, `limit` of each.
pub fn frequent(outcomes: &[Outcome], limit: usize) -> (Counted, Counted) {
    let count = |pick: &dyn Fn(&Outcome) -> &[String]| {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for outcome in outcomes {
            for item in pick(outcome) {
                *counts
                    .entry(format!("{}: {item}", outcome.library))
                    .or_default() += 1;
            }
        }
        let mut sorted: Vec<_> = counts.into_iter().collect();
        sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        sorted.truncate(limit);
        sorted
    };
    (
        count(&|outcome| &outcome.score.missed),
        count(&|outcome| &outcome.score.wrong),
    )
}
