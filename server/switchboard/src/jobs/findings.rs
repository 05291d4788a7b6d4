//! Review findings as diagnostics (source `switchboard`, the model named in the message), kept
//! per document so that they move with later edits and go away when their lines are rewritten,
//! and whose fixes are offered as quickfixes without another model call.

use std::collections::HashMap;
use std::ops::Range;

use dashmap::DashMap;
use tasks::reply::{Finding, Severity};
use tower_lsp_server::ls_types::{
    self, CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic, DiagnosticSeverity,
    TextEdit, Uri, WorkspaceEdit,
};

use crate::session::Session;
use crate::to_proto;

/// One finding, with its lines as chars of the text at `revision`.
#[derive(Debug, Clone)]
struct Stored {
    chars: Range<usize>,
    severity: Severity,
    message: String,
    fix: Option<String>,
    /// Its whole lines, line break included, in the current text: what its fix replaces.
    range: ls_types::Range,
    /// The same lines without the last line break, as the diagnostic shows them: a finding on
    /// line 8 ends on line 8, not at the start of line 9 (where editors would show it, and
    /// offer its fix, on line 9 too).
    shown: ls_types::Range,
}

#[derive(Debug, Clone)]
struct DocumentFindings {
    opening: u64,
    revision: u64,
    model: String,
    findings: Vec<Stored>,
}

/// Findings by document.
#[derive(Debug, Default)]
pub struct FindingStore {
    by_uri: DashMap<Uri, DocumentFindings>,
}

impl FindingStore {
    /// Replaces a document's findings with a review's, made against the text at
    /// (`opening`, `revision`) whose rope is `rope`.
    pub fn set(
        &self,
        uri: &Uri,
        opening: u64,
        revision: u64,
        rope: &text::Rope,
        model: &str,
        findings: &[Finding],
    ) {
        let stored = findings
            .iter()
            .filter_map(|f| {
                let first = usize::try_from(f.line).ok()?.checked_sub(1)?;
                let last = usize::try_from(f.end_line).ok()?.min(rope.len_lines());
                if first >= rope.len_lines() {
                    return None;
                }
                let chars = rope.line_to_char(first)..rope.line_to_char(last);
                Some(Stored {
                    chars,
                    severity: f.severity,
                    message: f.message.clone(),
                    fix: f.fix.clone(),
                    range: ls_types::Range::default(),
                    shown: ls_types::Range::default(),
                })
            })
            .collect();
        self.by_uri.insert(
            uri.clone(),
            DocumentFindings {
                opening,
                revision,
                model: model.to_string(),
                findings: stored,
            },
        );
    }

    /// Whether a document has findings (and so needs [`FindingStore::refresh`] after a change).
    pub fn has(&self, uri: &Uri) -> bool {
        self.by_uri.contains_key(uri)
    }

    /// Moves a document's findings over the edits since they were made, drops those whose
    /// lines were edited, and returns the diagnostics to publish with the document's version.
    pub fn refresh(&self, session: &Session, uri: &Uri) -> Option<(Vec<Diagnostic>, i32)> {
        let mut entry = self.by_uri.get_mut(uri)?;
        let Some((typed, now)) = session
            .documents
            .edits_since(uri, entry.opening, entry.revision)
        else {
            // Closed, reopened or too old: the findings no longer apply.
            drop(entry);
            self.by_uri.remove(uri);
            return Some((Vec::new(), 0));
        };
        let encoding = session.encoding();
        let mut kept = Vec::new();
        for mut finding in std::mem::take(&mut entry.findings) {
            let Ok(moved) = text::map_range(&typed, finding.chars.clone()) else {
                continue;
            };
            finding.chars = moved.clone();
            let shown = without_last_break(&now.rope, moved.clone());
            finding.range = to_proto::range(text::chars_to_range(&now.rope, moved, encoding));
            finding.shown = to_proto::range(text::chars_to_range(&now.rope, shown, encoding));
            kept.push(finding);
        }
        entry.findings = kept;
        entry.revision = now.revision;
        let model = entry.model.clone();
        let diagnostics = entry
            .findings
            .iter()
            .map(|f| Diagnostic {
                range: f.shown,
                severity: Some(severity(f.severity)),
                source: Some("switchboard".to_string()),
                // Merged findings of a fan-out name their models in the message already.
                message: if tasks::fanout::is_joined(&model) {
                    f.message.clone()
                } else {
                    format!("{} ({model})", f.message)
                },
                ..Diagnostic::default()
            })
            .collect();
        Some((diagnostics, now.version))
    }

    /// The fixes of the findings that touch `range`, as quickfixes that need no model call.
    pub fn quickfixes(&self, uri: &Uri, range: ls_types::Range) -> Vec<CodeActionOrCommand> {
        let Some(entry) = self.by_uri.get(uri) else {
            return Vec::new();
        };
        entry
            .findings
            .iter()
            .filter(|f| {
                f.shown.start.line <= range.end.line && range.start.line <= f.shown.end.line
            })
            .filter_map(|f| {
                let fix = f.fix.as_ref()?;
                let mut new_text = fix.clone();
                if !new_text.is_empty() && !new_text.ends_with('\n') && f.range.end.character == 0 {
                    new_text.push('\n');
                }
                let edit = WorkspaceEdit {
                    changes: Some(HashMap::from([(
                        uri.clone(),
                        vec![TextEdit {
                            range: f.range,
                            new_text,
                        }],
                    )])),
                    ..WorkspaceEdit::default()
                };
                Some(CodeActionOrCommand::CodeAction(CodeAction {
                    title: if tasks::fanout::is_joined(&entry.model) {
                        format!("Apply the reviewers' fix: {}", f.message)
                    } else {
                        format!("Apply {}'s fix: {}", entry.model, f.message)
                    },
                    kind: Some(CodeActionKind::QUICKFIX),
                    edit: Some(edit),
                    is_preferred: Some(true),
                    ..CodeAction::default()
                }))
            })
            .collect()
    }
}

/// `chars` without the line break it ends with (`\n`, `\r\n` or a lone `\r`), if any.
fn without_last_break(rope: &text::Rope, chars: Range<usize>) -> Range<usize> {
    let mut end = chars.end.min(rope.len_chars());
    if end > chars.start && rope.char(end - 1) == '\n' {
        end -= 1;
    }
    if end > chars.start && rope.char(end - 1) == '\r' {
        end -= 1;
    }
    chars.start..end
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}
