//! The findings of a `review` reply: one fenced `json` block holding an array of
//! `{"line", "end_line"?, "severity", "message", "fix"?}`, lines 1-based in the file.
//!
//! The array must be strict json (a trailing comma is refused with serde's own position, rather
//! than repaired, so the model learns to send strict json). Each finding is then checked on its
//! own: a finding with a line outside the file, an `end_line` before its `line`, an unknown
//! severity or no message is dropped and reported, and the others are kept, because one bad
//! line number should not hide the rest of a review.

use serde_json::{Map, Value};

use super::ReplyError;
use super::doc::normalize_newlines;
use super::fence::fences;

/// How serious a finding is (the LSP diagnostic severities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Wrong: a bug, a crash, a security hole.
    Error,
    /// Probably wrong, or fragile.
    Warning,
    /// Worth knowing.
    Info,
    /// A suggestion (style, a simpler way).
    Hint,
}

impl Severity {
    /// As a reply and the outcome write it: `error`, `warning`, `info`, `hint`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }
}

/// One finding of a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// First line, 1-based, within the file.
    pub line: u32,
    /// Last line, 1-based, `>= line`, within the file.
    pub end_line: u32,
    /// How serious it is.
    pub severity: Severity,
    /// What is wrong, as the model wrote it (trimmed).
    pub message: String,
    /// The replacement text for the whole lines `line..=end_line`, when the model offers one.
    pub fix: Option<String>,
}

/// A finding that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedFinding {
    /// 1-based position in the reply's array.
    pub index: usize,
    /// Why, in words for the user or the model (e.g. "line 90 is outside the file's 40 lines").
    pub reason: String,
    /// The finding as the reply had it, as compact json (keys in sorted order).
    pub json: String,
}

/// The usable findings of a review, and the ones refused.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FindingsReport {
    /// The findings that can be shown, in the reply's order.
    pub findings: Vec<Finding>,
    /// The findings refused, with why.
    pub dropped: Vec<DroppedFinding>,
}

/// The usable findings of a `review` reply for a file of `line_count` lines, in the reply's
/// order. Refused findings are left out; [`parse_findings_report`] says which and why.
///
/// # Errors
/// As [`parse_findings_report`].
pub fn parse_findings(reply: &str, line_count: usize) -> Result<Vec<Finding>, ReplyError> {
    parse_findings_report(reply, line_count).map(|r| r.findings)
}

/// The findings of a `review` reply for a file of `line_count` lines, with the ones refused.
///
/// The array is the reply's one fenced block tagged `json` (`jsonc` and `json5` too, though
/// only strict json parses); failing that, its one untagged fence that holds an array; and when
/// the reply has no fence at all, the bare array in it.
///
/// # Errors
/// [`ReplyError::NoFindings`] without an array, [`ReplyError::SeveralFindingBlocks`] with more
/// than one, [`ReplyError::Truncated`] for an unclosed block, [`ReplyError::InvalidJson`] and
/// [`ReplyError::NotAnArray`] for a block that is not a json array, and
/// [`ReplyError::NoUsableFinding`] when the array is not empty but every finding is refused.
pub fn parse_findings_report(reply: &str, line_count: usize) -> Result<FindingsReport, ReplyError> {
    let reply = normalize_newlines(reply);
    let json = locate_array(&reply)?;
    let value: Value = serde_json::from_str(&json).map_err(|e| ReplyError::InvalidJson {
        detail: e.to_string(),
    })?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(_) => return Err(ReplyError::NotAnArray { found: "an object" }),
        Value::String(_) => return Err(ReplyError::NotAnArray { found: "a string" }),
        Value::Number(_) => return Err(ReplyError::NotAnArray { found: "a number" }),
        Value::Bool(_) => return Err(ReplyError::NotAnArray { found: "a boolean" }),
        Value::Null => return Err(ReplyError::NotAnArray { found: "null" }),
    };
    let mut report = FindingsReport::default();
    for (i, item) in items.iter().enumerate() {
        match finding(item, line_count) {
            Ok(f) => report.findings.push(f),
            Err(reason) => report.dropped.push(DroppedFinding {
                index: i + 1,
                reason,
                json: item.to_string(),
            }),
        }
    }
    if report.findings.is_empty() && !report.dropped.is_empty() {
        return Err(ReplyError::NoUsableFinding {
            dropped: report.dropped,
        });
    }
    Ok(report)
}

fn locate_array(reply: &str) -> Result<String, ReplyError> {
    let all = fences(reply);
    if let Some(open) = all.iter().find(|f| !f.closed) {
        return Err(ReplyError::Truncated {
            what: format!("the code block opened at line {}", open.line),
        });
    }
    let tagged: Vec<_> = all
        .iter()
        .filter(|f| matches!(f.lang.as_str(), "json" | "jsonc" | "json5"))
        .collect();
    let chosen = if tagged.is_empty() {
        all.iter()
            .filter(|f| f.lang.is_empty() && f.body.trim_start().starts_with('['))
            .collect()
    } else {
        tagged
    };
    match chosen.as_slice() {
        [one] => return Ok(one.body.clone()),
        [] => {}
        several => {
            return Err(ReplyError::SeveralFindingBlocks {
                count: several.len(),
            });
        }
    }
    if !all.is_empty() {
        return Err(ReplyError::NoFindings);
    }
    // No fence at all: the array runs from the first line that opens with `[` to the last line
    // that closes with `]`.
    let lines: Vec<&str> = reply.lines().collect();
    let start = lines.iter().position(|l| l.trim_start().starts_with('['));
    let end = lines.iter().rposition(|l| l.trim_end().ends_with(']'));
    match (start, end) {
        (Some(s), Some(e)) if s <= e => Ok(lines[s..=e].join("\n")),
        _ => Err(ReplyError::NoFindings),
    }
}

fn line_number(obj: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("`{key}` is {v}, not a line number")),
    }
}

fn finding(item: &Value, line_count: usize) -> Result<Finding, String> {
    let Value::Object(obj) = item else {
        return Err("it is not an object".to_string());
    };
    let line = line_number(obj, "line")?.ok_or("it has no `line`")?;
    let end_line = line_number(obj, "end_line")?.unwrap_or(line);
    let lines = line_count as u64;
    let outside = |n: u64| n == 0 || n > lines;
    if outside(line) {
        return Err(format!(
            "line {line} is outside the file's {line_count} lines"
        ));
    }
    if end_line < line {
        return Err(format!("end_line {end_line} is before line {line}"));
    }
    if outside(end_line) {
        return Err(format!(
            "end_line {end_line} is outside the file's {line_count} lines"
        ));
    }
    let severity = match obj.get("severity").and_then(Value::as_str) {
        Some(s) if s.eq_ignore_ascii_case("error") => Severity::Error,
        Some(s) if s.eq_ignore_ascii_case("warning") => Severity::Warning,
        Some(s) if s.eq_ignore_ascii_case("info") => Severity::Info,
        Some(s) if s.eq_ignore_ascii_case("hint") => Severity::Hint,
        Some(s) => {
            return Err(format!(
                "severity \"{s}\" is not one of error, warning, info, hint"
            ));
        }
        None => return Err("it has no `severity` string".to_string()),
    };
    let message = match obj.get("message").and_then(Value::as_str).map(str::trim) {
        Some(m) if !m.is_empty() => m.to_string(),
        _ => return Err("it has no `message`".to_string()),
    };
    let fix = match obj.get("fix") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(format!("`fix` is {other}, not a string")),
    };
    let as_u32 = |n: u64| u32::try_from(n).map_err(|_| format!("line {n} is too large"));
    Ok(Finding {
        line: as_u32(line)?,
        end_line: as_u32(end_line)?,
        severity,
        message,
        fix,
    })
}
