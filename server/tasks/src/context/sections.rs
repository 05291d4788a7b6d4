//! Drafting each section of a packet from the document, its tree and the other inputs: which
//! lines and items go in, how they are numbered and ranked for trimming, and masking them.

use std::collections::{BTreeMap, HashSet};
use std::ops::{Range, RangeInclusive};

use ropey::Rope;
use syntax::{OutlineItem, SymbolKind, SyntaxTree};

use super::definition::Definition;
use super::fit::{Draft, Unit};
use super::packet::{DiagnosticNote, SectionKind};
use super::secrets::{Found, Redaction, find_secrets, mask_range, mask_secrets};

/// Lines of context shown on each side of the selection in the enclosing scope.
pub(crate) const CONTEXT_LINES: usize = 3;

/// The document a packet is about, with its secrets found once for every piece taken from it.
pub(crate) struct Doc<'a> {
    path: &'a str,
    rope: &'a Rope,
    /// The whole text and its secrets, when secrets are masked. Finding them over the whole
    /// text (not piece by piece) is what masks a key block that a piece only partly covers.
    masking: Option<(String, Vec<Found>)>,
}

impl<'a> Doc<'a> {
    pub(crate) fn new(path: &'a str, rope: &'a Rope, redact: bool) -> Doc<'a> {
        let masking = redact.then(|| {
            let text = rope.to_string();
            let found = find_secrets(&text);
            (text, found)
        });
        Doc {
            path,
            rope,
            masking,
        }
    }

    /// 0-based line of a byte.
    fn line_of(&self, byte: usize) -> usize {
        self.rope.byte_to_line(byte.min(self.rope.len_bytes()))
    }

    /// 1-based first and last lines of a byte range (a range ending just after a line break
    /// ends on that line).
    pub(crate) fn line_span(&self, bytes: &Range<usize>) -> (u32, u32) {
        let first = self.line_of(bytes.start);
        let last = if bytes.end > bytes.start {
            self.line_of(bytes.end - 1)
        } else {
            first
        };
        (to_u32(first + 1), to_u32(last + 1))
    }

    /// The text of `bytes` (clamped, on character boundaries), masked, and what was masked.
    fn piece(&self, bytes: Range<usize>) -> (String, Vec<Redaction>) {
        let start = snap(self.rope, bytes.start);
        let end = snap(self.rope, bytes.end).max(start);
        match &self.masking {
            Some((text, found)) => {
                let (masked, starts) = mask_range(text, start..end, found);
                let redactions = starts
                    .into_iter()
                    .map(|(at, kind)| Redaction {
                        kind,
                        line: to_u32(self.line_of(at) + 1),
                        section: None,
                        path: Some(self.path.to_owned()),
                    })
                    .collect();
                (masked, redactions)
            }
            None => (self.rope.byte_slice(start..end).to_string(), Vec::new()),
        }
    }

    /// A whole line (0-based), masked, without its line break.
    fn line(&self, line: usize) -> (String, Vec<Redaction>) {
        self.piece(line_bytes(self.rope, line))
    }
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The byte at or before `byte` that starts a character, within the rope.
fn snap(rope: &Rope, byte: usize) -> usize {
    rope.char_to_byte(rope.byte_to_char(byte.min(rope.len_bytes())))
}

/// The bytes of a line (0-based) without its line break.
fn line_bytes(rope: &Rope, line: usize) -> Range<usize> {
    if line >= rope.len_lines() {
        return rope.len_bytes()..rope.len_bytes();
    }
    let start = rope.line_to_byte(line);
    let mut end = rope.line_to_byte(line + 1);
    if end > start && rope.byte(end - 1) == b'\n' {
        end -= 1;
    }
    if end > start && rope.byte(end - 1) == b'\r' {
        end -= 1;
    }
    start..end
}

/// The lines of a text, split at `\n`, `\r\n` and lone `\r`; a final line break ends the last
/// line rather than starting an empty one.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\n' => {
                lines.push(&text[start..index]);
                start = index + 1;
            }
            b'\r' => {
                lines.push(&text[start..index]);
                if bytes.get(index + 1) == Some(&b'\n') {
                    index += 1;
                }
                start = index + 1;
            }
            _ => {}
        }
        index += 1;
    }
    if start < text.len() || lines.is_empty() {
        lines.push(&text[start..]);
    }
    lines
}

/// A line behind a gutter holding its 1-based number, right-aligned to `width`.
fn numbered(line: usize, text: &str, width: usize) -> String {
    if text.is_empty() {
        format!("{line:>width$} |")
    } else {
        format!("{line:>width$} | {text}")
    }
}

fn digits(number: usize) -> usize {
    number.max(1).ilog10() as usize + 1
}

/// The selection to work on: `selection` clamped to the rope and put on character boundaries;
/// an empty one becomes the innermost enclosing function or class (from the start of its first
/// line when only indentation comes before it), or without one (or without a tree) the line of
/// the cursor.
pub(crate) fn choose_selection(
    rope: &Rope,
    tree: Option<&SyntaxTree>,
    selection: Range<usize>,
) -> Range<usize> {
    let (a, b) = (snap(rope, selection.start), snap(rope, selection.end));
    let range = a.min(b)..a.max(b);
    if !range.is_empty() {
        return range;
    }
    if let Some(scope) = tree.and_then(|tree| tree.enclosing_scope(rope, range.clone())) {
        // From the start of its line when only indentation is before it, so the model sees
        // the indentation and a full replacement of the selection keeps it.
        let line_start = rope.line_to_byte(rope.byte_to_line(scope.bytes.start));
        let before = rope.byte_slice(line_start..scope.bytes.start);
        let start = if before.chars().all(|c| c == ' ' || c == '\t') {
            line_start
        } else {
            scope.bytes.start
        };
        return start..scope.bytes.end;
    }
    line_bytes(rope, rope.byte_to_line(range.start))
}

/// The instruction, whole.
pub(crate) fn instruction(text: &str, redact: bool) -> Draft {
    let (text, redactions) = masked_text(text, redact);
    Draft {
        kind: SectionKind::Instruction,
        title: "Instruction".to_owned(),
        fence: None,
        units: vec![Unit {
            redactions,
            ..Unit::new(text.trim_end().to_owned(), 0)
        }],
        unit_name: "lines",
    }
}

/// The plan handed over from the plan role, line by line (trimmed from its end).
pub(crate) fn plan(text: &str, redact: bool) -> Draft {
    let (text, redactions) = masked_text(text, redact);
    let mut units: Vec<Unit> = split_lines(text.trim_end())
        .into_iter()
        .enumerate()
        .map(|(index, line)| Unit::new(line.to_owned(), index as u64))
        .collect();
    for redaction in redactions {
        let index = (redaction.line as usize).saturating_sub(1);
        if let Some(unit) = units.get_mut(index) {
            unit.redactions.push(redaction);
        }
    }
    Draft {
        kind: SectionKind::Plan,
        title: "Plan".to_owned(),
        fence: None,
        units,
        unit_name: "lines",
    }
}

fn masked_text(text: &str, redact: bool) -> (String, Vec<Redaction>) {
    if redact {
        mask_secrets(text)
    } else {
        (text.to_owned(), Vec::new())
    }
}

/// The selection, numbered, in one unit (it is never cut).
pub(crate) fn selection(doc: &Doc<'_>, selection: &Range<usize>, language: &str) -> Draft {
    let (first, last) = doc.line_span(selection);
    let (text, redactions) = doc.piece(selection.clone());
    let width = digits(last as usize);
    let lines: Vec<String> = split_lines(&text)
        .into_iter()
        .enumerate()
        .map(|(index, line)| numbered(first as usize + index, line, width))
        .collect();
    let lines_label = if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    };
    Draft {
        kind: SectionKind::Selection,
        title: format!("Selection: {}:{lines_label}", doc.path),
        fence: Some(language.to_owned()),
        units: vec![Unit {
            redactions,
            ..Unit::new(lines.join("\n"), 0)
        }],
        unit_name: "lines",
    }
}

/// The signatures of the items around the selection and [`CONTEXT_LINES`] lines either side of
/// it (within the innermost item), with a marker where the selection is. Signature lines rank
/// first; context lines rank by their distance from the selection.
pub(crate) fn enclosing_scope(
    doc: &Doc<'_>,
    tree: Option<&SyntaxTree>,
    outline: &[OutlineItem],
    selection: &Range<usize>,
    language: &str,
) -> Draft {
    let (first, last) = doc.line_span(selection);
    let (first, last) = (first as usize - 1, last as usize - 1);
    // Outline order is outer before inner, so the last container is the innermost.
    let containers: Vec<&OutlineItem> = outline
        .iter()
        .filter(|item| {
            item.bytes.start <= selection.start
                && selection.end <= item.bytes.end
                && item.bytes != *selection
        })
        .collect();
    let mut shown: BTreeMap<usize, u64> = BTreeMap::new();
    for item in &containers {
        let from = doc.line_of(item.bytes.start);
        let to = doc.line_of(item.bytes.start + item.signature.len());
        for line in from..=to {
            shown.insert(line, 0);
        }
    }
    // `scopes.scm` may know an item the outline does not list.
    if let Some(scope) = tree.and_then(|tree| tree.enclosing_scope(doc.rope, selection.clone()))
        && scope.bytes != *selection
        && !containers.iter().any(|item| item.bytes == scope.bytes)
    {
        shown.insert(doc.line_of(scope.bytes.start), 0);
    }
    let mut last_line = doc.rope.len_lines().saturating_sub(1);
    if last_line > 0 && line_bytes(doc.rope, last_line).is_empty() {
        last_line -= 1;
    }
    let bounds = containers.last().map_or(0..=last_line, |item| {
        doc.line_of(item.bytes.start)..=doc.line_of(item.bytes.end.saturating_sub(1))
    });
    for distance in 1..=CONTEXT_LINES {
        if let Some(line) = first.checked_sub(distance)
            && bounds.contains(&line)
        {
            shown.entry(line).or_insert(distance as u64);
        }
        if bounds.contains(&(last + distance)) {
            shown.entry(last + distance).or_insert(distance as u64);
        }
    }
    shown.retain(|line, _| !(first..=last).contains(line));
    let title = match containers.last() {
        Some(item) => format!(
            "Enclosing {} `{}` in {}",
            item.kind,
            item.name.as_deref().unwrap_or("(anonymous)"),
            doc.path
        ),
        None => format!("Lines around the selection in {}", doc.path),
    };
    let mut draft = Draft {
        kind: SectionKind::EnclosingScope,
        title,
        fence: Some(language.to_owned()),
        units: Vec::new(),
        unit_name: "lines",
    };
    if shown.is_empty() {
        return draft;
    }
    let width = digits(shown.keys().max().map_or(last, |max| *max.max(&last)) + 1);
    let marker_lines = if first == last {
        format!("line {}", first + 1)
    } else {
        format!("lines {}-{}", first + 1, last + 1)
    };
    // (first line, last line, unit); the marker stands for the selection's lines.
    let mut rows: Vec<(usize, usize, Unit)> = shown
        .into_iter()
        .map(|(line, rank)| {
            let (text, redactions) = doc.line(line);
            let unit = Unit {
                redactions,
                ..Unit::new(numbered(line + 1, &text, width), rank)
            };
            (line, line, unit)
        })
        .collect();
    let marker = format!("{:width$} | [the selection, {marker_lines}]", "");
    rows.push((first, last, Unit::new(marker, 0)));
    rows.sort_by_key(|(from, _, _)| *from);
    let mut previous_end: Option<usize> = None;
    for (from, to, mut unit) in rows {
        unit.gap_before = previous_end.is_some_and(|end| end + 1 != from);
        previous_end = Some(to);
        draft.units.push(unit);
    }
    draft
}

/// The file's outline as numbered one-line signatures, indented by depth, without the items
/// inside the selection and without fields and enum variants (a third of an outline in Rust;
/// the types the selection uses come with their fields as definitions). Outer items rank
/// before nested ones, and near ones before far ones.
pub(crate) fn outline(
    doc: &Doc<'_>,
    outline: &[OutlineItem],
    selection: &Range<usize>,
    language: &str,
) -> Draft {
    let (first, last) = doc.line_span(selection);
    let (first, last) = (first as usize - 1, last as usize - 1);
    // Test modules the selection is not in are folded to their first line: their test names
    // say little to work on the code they test, and they are a large part of a Rust outline.
    let folded: Vec<&Range<usize>> = outline
        .iter()
        .filter(|item| {
            item.kind == SymbolKind::Module
                && matches!(item.name.as_deref(), Some("tests" | "test"))
                && !(item.bytes.start <= selection.start && selection.end <= item.bytes.end)
        })
        .map(|item| &item.bytes)
        .collect();
    let inside = |outer: &Range<usize>, item: &OutlineItem| {
        outer.start <= item.bytes.start && item.bytes.end <= outer.end && item.bytes != *outer
    };
    let items: Vec<&OutlineItem> = outline
        .iter()
        .filter(|item| item.kind != SymbolKind::Field)
        .filter(|item| !(selection.start <= item.bytes.start && item.bytes.end <= selection.end))
        .filter(|item| !folded.iter().any(|module| inside(module, item)))
        .collect();
    let width = digits(
        items
            .iter()
            .map(|item| doc.line_of(item.bytes.start) + 1)
            .max()
            .unwrap_or(1),
    );
    let units = items
        .into_iter()
        .map(|item| {
            let line = doc.line_of(item.bytes.start);
            let (signature, redactions) =
                doc.piece(item.bytes.start..item.bytes.start + item.signature.len());
            // One line per item: a multi-line signature's line breaks and indentation cost
            // tokens and say nothing a map needs.
            let mut signature = signature.split_whitespace().collect::<Vec<_>>().join(" ");
            if folded.contains(&&item.bytes) {
                signature.push_str(" { … }");
            }
            let indent = "    ".repeat(item.depth);
            let text = numbered(line + 1, &format!("{indent}{signature}"), width);
            let distance = if line < first {
                first - line
            } else {
                line.saturating_sub(last)
            };
            let rank = (item.depth as u64) * 1_000_000 + (distance as u64).min(999_999);
            Unit {
                redactions,
                ..Unit::new(text, rank)
            }
        })
        .collect();
    Draft {
        kind: SectionKind::Outline,
        title: format!("Outline of {} (signatures only)", doc.path),
        fence: Some(language.to_owned()),
        units,
        unit_name: "items",
    }
}

/// The file's imports outside the selection that bring in a name it uses (or everything, as
/// a glob does), as written; the last ones are trimmed first. The rest of the import block
/// says nothing about the selection and could be a third of a packet.
pub(crate) fn imports(
    doc: &Doc<'_>,
    tree: &SyntaxTree,
    selection: &Range<usize>,
    language: &str,
    used: &HashSet<String>,
) -> Draft {
    let brings_in_a_used_name = |text: &str| {
        text.contains('*')
            || text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| used.contains(word))
    };
    let units = tree
        .imports(doc.rope)
        .into_iter()
        .filter(|import| {
            !(selection.start <= import.bytes.start && import.bytes.end <= selection.end)
        })
        .filter(|import| brings_in_a_used_name(&import.text))
        .enumerate()
        .map(|(index, import)| {
            let (text, redactions) = doc.piece(import.bytes);
            Unit {
                redactions,
                ..Unit::new(text, index as u64)
            }
        })
        .collect();
    Draft {
        kind: SectionKind::Imports,
        title: format!("Imports of {}", doc.path),
        fence: Some(language.to_owned()),
        units,
        unit_name: "imports",
    }
}

/// Definitions of what the selection uses, each as `path:line (kind name)` and its indented
/// signature; the last ones are trimmed first.
pub(crate) fn definitions(found: &[Definition], redact: bool) -> Draft {
    let units = found
        .iter()
        .enumerate()
        .map(|(index, definition)| {
            let (signature, redactions) = masked_text(&definition.signature, redact);
            let mut text = format!(
                "{}:{} ({} {})",
                definition.path, definition.line, definition.kind, definition.name
            );
            for line in split_lines(&signature) {
                text.push('\n');
                if !line.is_empty() {
                    text.push_str("    ");
                    text.push_str(line);
                }
            }
            let redactions = redactions
                .into_iter()
                .map(|redaction| Redaction {
                    line: definition.line.saturating_add(redaction.line - 1),
                    path: Some(definition.path.clone()),
                    ..redaction
                })
                .collect();
            Unit {
                redactions,
                ..Unit::new(text, index as u64)
            }
        })
        .collect();
    Draft {
        kind: SectionKind::Definitions,
        title: "Definitions the selection uses".to_owned(),
        fence: None,
        units,
        unit_name: "definitions",
    }
}

/// The diagnostics on the selection's lines, in line order; the least severe are trimmed first.
pub(crate) fn diagnostics(
    notes: &[DiagnosticNote],
    lines: RangeInclusive<u32>,
    redact: bool,
) -> Draft {
    let mut notes: Vec<&DiagnosticNote> = notes
        .iter()
        .filter(|note| lines.contains(&note.line))
        .collect();
    notes.sort_by_key(|note| note.line);
    let units = notes
        .into_iter()
        .map(|note| {
            let source = note
                .source
                .as_deref()
                .map_or(String::new(), |source| format!(" ({source})"));
            let (message, redactions) = masked_text(&note.message, redact);
            let message = split_lines(message.trim_end()).join("\n  ");
            let text = format!("line {}, {}{source}: {message}", note.line, note.severity);
            let redactions = redactions
                .into_iter()
                .map(|redaction| Redaction {
                    line: note.line,
                    ..redaction
                })
                .collect();
            Unit {
                redactions,
                ..Unit::new(text, severity_rank(&note.severity))
            }
        })
        .collect();
    Draft {
        kind: SectionKind::Diagnostics,
        title: "Diagnostics on the selection".to_owned(),
        fence: None,
        units,
        unit_name: "diagnostics",
    }
}

fn severity_rank(severity: &str) -> u64 {
    match severity.to_ascii_lowercase().as_str() {
        "error" => 0,
        "warning" => 1,
        "info" | "information" => 2,
        "hint" => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_as_lsp_counts_them() {
        assert_eq!(split_lines("a\nb\r\nc\rd"), ["a", "b", "c", "d"]);
        assert_eq!(split_lines("a\n"), ["a"]);
        assert_eq!(split_lines("a\n\n"), ["a", ""]);
        assert_eq!(split_lines(""), [""]);
    }

    #[test]
    fn line_bytes_leave_the_break_out() {
        let rope = Rope::from_str("ab\r\ncd\n\nef");
        assert_eq!(line_bytes(&rope, 0), 0..2);
        assert_eq!(line_bytes(&rope, 1), 4..6);
        assert_eq!(line_bytes(&rope, 2), 7..7);
        assert_eq!(line_bytes(&rope, 3), 8..10);
        assert_eq!(line_bytes(&rope, 9), 10..10);
    }

    #[test]
    fn an_empty_selection_without_a_tree_is_its_line() {
        let rope = Rope::from_str("first\nsecond line\nthird");
        assert_eq!(choose_selection(&rope, None, 9..9), 6..17);
        // Clamped and ordered.
        let reversed = std::ops::Range { start: 100, end: 3 };
        assert_eq!(choose_selection(&rope, None, reversed), 3..23);
    }
}
