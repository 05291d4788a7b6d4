//! Checked results: before an edit is applied, its result is parsed with tree-sitter, and an
//! edit that leaves a syntax error where the file had none (an unbalanced brace, a cut-off
//! statement) is caught. What happens then is the caller's `[edits] on_syntax_error` policy.
//!
//! "Where the file had none": an error of the result that the text before the edit had too, at
//! the same place of an unchanged stretch, is the user's, not the model's; and when the lines
//! the edit replaces already held an error (code being written), nothing is judged.

use std::fmt;
use std::ops::{Range, RangeInclusive};
use std::time::Duration;

use ropey::Rope;
use syntax::{ErrorSpot, SyntaxTree};

use super::edits::FileChange;

/// How long a check may parse one text: an edit is not held up for a pathological file.
const PARSE_LIMIT: Duration = Duration::from_secs(2);

/// A syntax error an edit would leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxProblem {
    /// The file, workspace-relative.
    pub path: String,
    /// 1-based line of the error in the edited text.
    pub line: usize,
    /// What is wrong: "a `}` is missing", "`else {` cannot be parsed".
    pub what: String,
    /// The line itself, as the edited text has it.
    pub text: String,
}

impl fmt::Display for SyntaxProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the edit leaves a syntax error in {} at line {} ({}): `{}`",
            self.path, self.line, self.what, self.text
        )
    }
}

/// The first syntax error `change` adds, or `None` when its result parses as well as the text
/// before it did (or its language has no grammar, or a parse ran out of time).
pub fn syntax_problem(change: &FileChange) -> Option<SyntaxProblem> {
    let grammar = syntax::grammar_for_path(&change.path)?;
    let after_rope = Rope::from_str(&change.after);
    let after = SyntaxTree::parse(grammar, &after_rope, PARSE_LIMIT).ok()?;
    if !after.has_errors() {
        return None;
    }
    let before = SyntaxTree::parse(grammar, &Rope::from_str(&change.before), PARSE_LIMIT).ok()?;
    let before_errors = before.errors();
    let diff = similar::TextDiff::from_lines(&change.before, &change.after);
    let ops = diff.ops();
    // The lines the edit replaced, widened by one: an error on the line next to the edit is
    // part of the same unfinished code.
    let replaced: Vec<Range<usize>> = ops
        .iter()
        .filter(|op| op.tag() != similar::DiffTag::Equal)
        .map(|op| {
            let old = op.old_range();
            old.start.saturating_sub(1)..old.end + 1
        })
        .collect();
    let touches = |rows: &RangeInclusive<usize>| {
        replaced
            .iter()
            .any(|r| *rows.start() < r.end && r.start <= *rows.end())
    };
    if before_errors.iter().any(|e| touches(&e.rows)) {
        return None;
    }
    // An error of the result counts as the user's when it lies in an unchanged stretch at a
    // place where the text before had one.
    let old_row = |new_row: usize| {
        ops.iter().find_map(|op| {
            let new = op.new_range();
            (op.tag() == similar::DiffTag::Equal && new.contains(&new_row))
                .then(|| op.old_range().start + (new_row - new.start))
        })
    };
    let inherited = |spot: &ErrorSpot| {
        let (Some(start), Some(end)) = (old_row(*spot.rows.start()), old_row(*spot.rows.end()))
        else {
            return false;
        };
        before_errors
            .iter()
            .any(|e| *e.rows.start() == start && *e.rows.end() == end)
    };
    let spot = after.errors().into_iter().find(|spot| !inherited(spot))?;
    // Rows as tree-sitter counts them: at `\n` only (ropey also breaks at a lone `\r`).
    let row = *spot.rows.start();
    let line_text = change.after.split('\n').nth(row).unwrap_or_default();
    let what = match &spot.missing {
        Some(kind) => format!("a `{kind}` is missing"),
        None => {
            let text: String = change
                .after
                .get(spot.bytes.clone())
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or_default()
                .chars()
                .take(40)
                .collect();
            if text.is_empty() {
                "the code cannot be parsed".to_string()
            } else {
                format!("`{text}` cannot be parsed")
            }
        }
    };
    Some(SyntaxProblem {
        path: change.path.clone(),
        line: row + 1,
        what,
        text: line_text.trim_end().chars().take(120).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(path: &str, before: &str, after: &str) -> FileChange {
        FileChange::edit(path.to_string(), before.to_string(), after.to_string())
    }

    #[test]
    fn an_unbalanced_brace_is_caught_at_its_line() {
        let before = "fn a() {\n    x();\n}\n\nfn b() {}\n";
        let after = "fn a() {\n    if y {\n        x();\n}\n\nfn b() {}\n";
        let problem = syntax_problem(&change("src/a.rs", before, after)).expect("broken");
        assert_eq!(problem.path, "src/a.rs");
        assert_eq!(problem.line, 1, "{problem}");
        assert!(
            problem
                .to_string()
                .starts_with("the edit leaves a syntax error in src/a.rs at line")
        );
    }

    #[test]
    fn good_edits_and_old_errors_pass() {
        let before = "def f():\n    return 1\n";
        let good = "def f():\n    return 2\n";
        assert_eq!(syntax_problem(&change("a.py", before, good)), None);
        // The file was broken far from the edit, and stays so: not the model's doing.
        let broken = "def f(:\n    return 1\n\n\n\ndef g():\n    return 3\n";
        let edited = "def f(:\n    return 1\n\n\n\ndef g():\n    return 4\n";
        assert_eq!(syntax_problem(&change("a.py", broken, edited)), None);
        // The edited lines were already broken: code being written is not judged.
        let writing = "def f():\n    return (1\n";
        let still = "def f():\n    return (2\n";
        assert_eq!(syntax_problem(&change("a.py", writing, still)), None);
        // No grammar, no check.
        assert_eq!(syntax_problem(&change("notes.txt", "a", "b {")), None);
    }

    #[test]
    fn a_new_file_that_does_not_parse_is_caught() {
        let mut new = change("pkg/new.py", "", "def f(:\n    pass\n");
        new.created = true;
        let problem = syntax_problem(&new).expect("broken");
        assert_eq!(problem.line, 1);
        assert_eq!(problem.text, "def f(:");
    }
}
