//! A whole replacement that repeats the file around the selection: the enclosing function sent
//! back for a selected body, the statement around a selected expression, the whole file for a
//! selected function. Splicing such a block in would duplicate those lines (a wrong edit that
//! still compiles often enough to slip through), so it is refused. These checks only refuse.
//!
//! A line counts as repeated only when it is distinctive: at least three letters or digits
//! (not a lone `}`) and not also a line of the selection (whose lines a replacement may keep).

use std::collections::HashSet;
use std::ops::Range;

use super::doc::is_blank;

/// A line of the file, outside the selection, that a replacement repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Echo {
    /// 1-based line of the file.
    pub line: usize,
    pub text: String,
}

/// Repeated lines in a row, beyond the nearest neighbours, that make a replacement an echo.
const RUN: usize = 3;

/// The first line of `text` outside `selection` that `body` (the replacement) repeats, if any.
pub(crate) fn echo(text: &str, selection: &Range<usize>, body: &[String]) -> Option<Echo> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let line_of = |offset: usize| text[..offset].matches('\n').count();
    let first = line_of(selection.start);
    let last = if selection.end > selection.start {
        line_of(selection.end - 1)
    } else {
        first
    };
    let selected: HashSet<&str> = text[selection.clone()].lines().map(str::trim).collect();
    let distinctive = |line: &str| {
        let t = line.trim();
        t.chars().filter(|c| c.is_alphanumeric()).count() >= 3 && !selected.contains(t)
    };
    let said: Vec<&str> = body
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    let (Some(&head), Some(&tail)) = (said.first(), said.last()) else {
        return None;
    };
    let found = |i: usize| {
        Some(Echo {
            line: i + 1,
            text: lines[i].trim().to_string(),
        })
    };

    // The selection starts or ends inside a line, and the replacement repeats the rest of it.
    let line_start = text[..selection.start].rfind('\n').map_or(0, |i| i + 1);
    let prefix = text[line_start..selection.start].trim();
    if distinctive(prefix) && head.starts_with(prefix) {
        return found(first);
    }
    if !text[..selection.end].ends_with('\n') && selection.end < text.len() {
        let rest = text[selection.end..].split('\n').next().unwrap_or_default();
        let suffix = rest.trim();
        if distinctive(suffix) && tail.ends_with(suffix) {
            return found(line_of(selection.end));
        }
    }

    // The replacement opens with the line just above the selection or closes with the one just
    // below it: a function's signature sent back with its selected body.
    let above = (0..first).rev().find(|&i| !is_blank(lines[i]));
    if let Some(i) = above.filter(|&i| distinctive(lines[i]) && lines[i].trim() == head) {
        return found(i);
    }
    let below = (last + 1..lines.len()).find(|&i| !is_blank(lines[i]));
    if let Some(i) = below.filter(|&i| distinctive(lines[i]) && lines[i].trim() == tail) {
        return found(i);
    }

    // A run of the file's lines from above or below the selection: an enclosing block, or the
    // whole file.
    let outside =
        |range: Range<usize>| -> Vec<usize> { range.filter(|&i| !is_blank(lines[i])).collect() };
    let below_start = (last + 1).min(lines.len());
    for side in [outside(0..first), outside(below_start..lines.len())] {
        if let Some(i) = longest_run(&side, &lines, &said, &distinctive) {
            return found(i);
        }
    }
    None
}

/// The first file line of a run of at least [`RUN`] distinctive lines that `side` (file line
/// indices, blank lines left out) and `said` share in the same order, without gaps.
fn longest_run(
    side: &[usize],
    lines: &[&str],
    said: &[&str],
    distinctive: &dyn Fn(&str) -> bool,
) -> Option<usize> {
    // counts[j]: distinctive lines in the shared run ending at side[i] and said[j].
    let mut counts = vec![0usize; said.len() + 1];
    for (k, &i) in side.iter().enumerate() {
        let line = lines[i].trim();
        let weight = usize::from(distinctive(line));
        let mut next = vec![0usize; said.len() + 1];
        for (j, s) in said.iter().enumerate() {
            if line == *s {
                next[j + 1] = counts[j] + weight;
                if next[j + 1] >= RUN {
                    // Walk back to where the run began, to name its first distinctive line.
                    let mut start = k;
                    let mut back = j;
                    while start > 0 && back > 0 && lines[side[start - 1]].trim() == said[back - 1] {
                        start -= 1;
                        back -= 1;
                    }
                    let begin = side[start..=k]
                        .iter()
                        .copied()
                        .find(|&i| distinctive(lines[i]))
                        .unwrap_or(side[start]);
                    return Some(begin);
                }
            }
        }
        counts = next;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    fn at(text: &str, selected: &str) -> Range<usize> {
        let start = text.find(selected).unwrap();
        start..start + selected.len()
    }

    #[test]
    fn signature_sent_back_with_the_body() {
        let text = "fn total(xs: &[u32]) -> u32 {\n    todo!()\n}\n";
        let sel = at(text, "    todo!()\n");
        let got = echo(
            text,
            &sel,
            &v("fn total(xs: &[u32]) -> u32 {\n    xs.iter().sum()\n}"),
        );
        assert_eq!(got.map(|e| e.line), Some(1));
        assert_eq!(echo(text, &sel, &v("    xs.iter().sum()")), None);
    }

    #[test]
    fn statement_sent_back_for_an_expression() {
        let text = "fn f() {\n    let total = a + b;\n}\n";
        let sel = at(text, "a + b");
        assert!(echo(text, &sel, &v("let total = a.saturating_add(b);")).is_some());
        assert_eq!(echo(text, &sel, &v("a.saturating_add(b)")), None);
    }

    #[test]
    fn enclosing_block_sent_back() {
        let text = "impl S {\n    fn new() -> S {\n        let s = S::default();\n        s.init();\n        s\n    }\n\n    fn get(&self) {}\n}\n";
        let sel = at(text, "    fn get(&self) {}\n");
        let body = v(
            "impl S {\n    fn new() -> S {\n        let s = S::default();\n        s.init();\n        s\n    }\n\n    fn get(&self) -> u32 { 1 }\n}",
        );
        assert_eq!(echo(text, &sel, &body).map(|e| e.line), Some(1));
    }
}
