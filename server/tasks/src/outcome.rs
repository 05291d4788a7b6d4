//! What a job came to, as one typed value: the language server sends it as
//! `switchboard/finished` and closes with its [`Outcome::summary`], `switchboard run --json`
//! prints it, and `switchboard run` renders it as text. Built the same way for both from the
//! reply ([`Ending::of`]); each then records what it did with it (applied, shown, written).

use std::path::PathBuf;

use router::Role;
use serde::Serialize;

use crate::agent::tools::StepSummary;
use crate::call::CallEvent;
use crate::job::JobResult;
use crate::reply::{FileChange, Finding, ReplyError};

/// How a job ended, and who did it for what.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub trace_id: String,
    pub role: Role,
    /// The model that answered; the routed one when none did.
    pub model: String,
    /// The model the routing picked first (the one a code action's title named).
    pub routed_model: String,
    /// Each fallback from one model to the next, so that a bill from another model is never a
    /// surprise.
    pub fallbacks: Vec<Fallback>,
    /// What every call of the job cost (a retry, each agent step, each model of a fan-out).
    pub cost_usd: f64,
    /// The calls that answered (a retry, each agent step and each model of a fan-out count).
    pub calls: u32,
    #[serde(flatten)]
    pub ending: Ending,
}

/// A fallback from a model that failed to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fallback {
    pub from: String,
    pub to: String,
    pub error: String,
}

/// What came of the reply. Serialized with its name as `outcome`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Ending {
    /// The edits were applied (by the editor, or written by `run --apply`).
    Applied(Edits),
    /// The edits, not applied (`run` without `--apply`).
    Diff(Edits),
    /// The model answered with the text as it already is.
    Unchanged {
        message: String,
    },
    Reviewed {
        findings: Vec<ReviewFinding>,
    },
    Answered(Answered),
    /// The reply could not be used, or the editor refused the edit; nothing was applied.
    Refused {
        message: String,
    },
    /// No model answered, or writing the result failed.
    Failed {
        message: String,
    },
    Cancelled,
}

/// A job's file changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edits {
    /// Every file changed, by its label.
    pub files: Vec<String>,
    /// The files the edit creates.
    pub created: Vec<String>,
    /// Syntax errors let through by `[edits] on_syntax_error = "apply"`.
    pub warnings: Vec<String>,
    /// The changes as one unified diff.
    pub diff: String,
}

/// A review finding as the outcome shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewFinding {
    pub line: u32,
    pub end_line: u32,
    /// `error`, `warning`, `info` or `hint`.
    pub severity: &'static str,
    pub message: String,
    pub fix: Option<String>,
}

/// An answer (search, explain, plan, vision, librarian, oracle).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answered {
    pub markdown: String,
    /// The places it cites that exist, checked.
    pub citations: Vec<Citation>,
    /// The places it cites that do not (no such file, lines past its end), as written.
    pub invalid_citations: Vec<String>,
    /// Why an agent stopped before the model answered; the answer is then what it found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<String>,
    /// The oracle's concerns about lines of the file (diagnostics in the editor).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub concerns: Vec<ReviewFinding>,
    /// An agent's steps, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepSummary>,
    /// Where the language server wrote it, and whether the editor opened it.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub document: Option<Document>,
}

/// A cited place that exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Citation {
    /// As the answer wrote it: `src/lib.rs`, `serde@1.0.210/src/de/mod.rs`.
    pub label: String,
    /// The file on disk.
    pub path: PathBuf,
    /// 1-based, inclusive.
    pub start_line: u32,
    pub end_line: u32,
    /// The file's `file://` URI.
    pub uri: String,
}

/// An answer written to disk by the language server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    pub path: PathBuf,
    pub uri: String,
    /// Whether the editor opened it (`window/showDocument`).
    pub opened: bool,
}

impl Ending {
    /// What a reply gave, before anything is done with it: edits as a [`Ending::Diff`], an
    /// answer without its citations checked (the caller checks them against its workspace).
    pub fn of(model: &str, result: &Result<JobResult, ReplyError>) -> Ending {
        match result {
            Err(err) => Ending::Refused {
                message: format!(
                    "{model}'s answer could not be used, so nothing was applied: {err}"
                ),
            },
            Ok(JobResult::Edits(changes)) if changes.is_empty() => Ending::Unchanged {
                message: format!(
                    "{model} answered with the text as it already is; nothing to apply"
                ),
            },
            Ok(JobResult::Edits(changes)) => Ending::Diff(Edits::of(changes)),
            Ok(JobResult::Findings(findings)) => Ending::Reviewed {
                findings: findings.iter().map(ReviewFinding::of).collect(),
            },
            Ok(JobResult::Answer(markdown)) => Ending::Answered(Answered::of(markdown, &[])),
            Ok(JobResult::Opinion { markdown, concerns }) => {
                Ending::Answered(Answered::of(markdown, concerns))
            }
        }
    }

    /// Its name, as serialized in `outcome`.
    pub fn name(&self) -> &'static str {
        match self {
            Ending::Applied(_) => "applied",
            Ending::Diff(_) => "diff",
            Ending::Unchanged { .. } => "unchanged",
            Ending::Reviewed { .. } => "reviewed",
            Ending::Answered(_) => "answered",
            Ending::Refused { .. } => "refused",
            Ending::Failed { .. } => "failed",
            Ending::Cancelled => "cancelled",
        }
    }
}

impl Answered {
    /// An answer with its citations not checked yet.
    pub fn of(markdown: &str, concerns: &[Finding]) -> Answered {
        Answered {
            markdown: markdown.to_owned(),
            citations: Vec::new(),
            invalid_citations: Vec::new(),
            partial: None,
            concerns: concerns.iter().map(ReviewFinding::of).collect(),
            steps: Vec::new(),
            document: None,
        }
    }
}

impl Edits {
    pub fn of(changes: &[FileChange]) -> Edits {
        let paths = |keep: fn(&FileChange) -> bool| {
            changes
                .iter()
                .filter(|change| keep(change))
                .map(|change| change.path.clone())
                .collect()
        };
        Edits {
            files: paths(|_| true),
            created: paths(|change| change.created),
            warnings: changes
                .iter()
                .filter_map(|change| change.syntax_warning.as_ref())
                .map(|problem| {
                    format!("{problem}; applied anyway ([edits] on_syntax_error = \"apply\")")
                })
                .collect(),
            diff: unified_diff(changes),
        }
    }
}

impl ReviewFinding {
    pub fn of(finding: &Finding) -> ReviewFinding {
        ReviewFinding {
            line: finding.line,
            end_line: finding.end_line,
            severity: finding.severity.as_str(),
            message: finding.message.clone(),
            fix: finding.fix.clone(),
        }
    }
}

impl Outcome {
    /// The line that tells the user how a job ended: what happened, by which model, what it
    /// cost, and the trace id that `switchboard trace` takes. `None` for endings already told
    /// with a message of their own (refused, failed, unchanged).
    pub fn summary(&self) -> Option<String> {
        let what = match &self.ending {
            Ending::Applied(edits) => format!("applied to {}", edits.files.join(", ")),
            Ending::Diff(edits) => format!("an edit of {}", edits.files.join(", ")),
            Ending::Reviewed { findings } => match findings.len() {
                0 => "no findings".to_owned(),
                1 => "1 finding, in the diagnostics".to_owned(),
                n => format!("{n} findings, in the diagnostics"),
            },
            Ending::Answered(answered) => {
                let places = answered.citations.len();
                match &answered.document {
                    // The path early: a status line shows the start of a long message.
                    Some(document) if !document.opened => format!(
                        "answered in {} ({places} cited place(s))",
                        document.path.display()
                    ),
                    _ => format!("answered, {places} cited place(s)"),
                }
            }
            Ending::Cancelled => "cancelled, nothing applied".to_owned(),
            Ending::Unchanged { .. } | Ending::Refused { .. } | Ending::Failed { .. } => {
                return None;
            }
        };
        let model = match self.fallbacks.last() {
            Some(fallback) => format!("{} (fallback from {})", fallback.to, self.routed_model),
            None => self.model.clone(),
        };
        Some(format!(
            "switchboard: {} by {model}: {what} · ${:.4} · trace {}",
            self.role.as_str(),
            self.cost_usd,
            self.trace_id
        ))
    }
}

/// What a job's calls say of its routing, gathered from their events: the model routed to
/// first, and each fallback.
#[derive(Debug, Clone, Default)]
pub struct Routing {
    pub routed_model: Option<String>,
    pub fallbacks: Vec<Fallback>,
}

impl Routing {
    pub fn hear(&mut self, event: &CallEvent<'_>) {
        match event {
            CallEvent::Routed(decision) if self.routed_model.is_none() => {
                self.routed_model = decision.candidates.first().map(|c| c.alias.clone());
            }
            CallEvent::FallingBack { from, error, to } => self.fallbacks.push(Fallback {
                from: (*from).to_owned(),
                to: (*to).to_owned(),
                error: error.to_string(),
            }),
            _ => {}
        }
    }
}

/// What a job's trace has settled so far, in dollars and calls: the cost of a job that failed
/// or was cancelled after some of its calls were paid (an agent's earlier steps, the first
/// call of a retry). Nothing when the ledger cannot be read.
pub fn spent(caller: &crate::Caller, trace_id: &str) -> (f64, u32) {
    let trace = caller
        .ledger()
        .ok()
        .and_then(|ledger| ledger.trace(trace_id).ok().flatten());
    trace.map_or((0.0, 0), |trace| {
        // Calls that answered, as `calls` counts them elsewhere; a failed call may have cost
        // something all the same.
        let answered = trace
            .calls
            .iter()
            .filter(|call| call.outcome == ledger::CallOutcome::Ok)
            .count();
        // From +0.0: an empty f64 sum is -0.0, which prints as "$-0.0000".
        let cost = trace
            .calls
            .iter()
            .fold(0.0, |sum, call| sum + call.cost_usd);
        (cost, u32::try_from(answered).unwrap_or(u32::MAX))
    })
}

/// The changes as one unified diff, `a/` and `b/` prefixes as git writes them.
pub fn unified_diff(changes: &[FileChange]) -> String {
    let mut out = String::new();
    for change in changes {
        let diff = similar::TextDiff::from_lines(&change.before, &change.after);
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{}", change.path), &format!("b/{}", change.path))
                .to_string(),
        );
    }
    out
}
