//! What a finished job's result becomes: edits applied through `workspace/applyEdit`, review
//! findings published as diagnostics, an answer written and shown; and the fields of
//! `switchboard/finished` that say what happened.

use router::Role;
use tasks::job::JobResult;
use tasks::outcome::{Answered, Document, Ending};
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{MessageType, ShowDocumentParams, Uri};

use super::answer;
use super::apply::{Origin, workspace_edit};
use super::run::{Step, read_workspace_file, root_of};
use crate::session::{LastEdit, Plan, Session};

/// What a finished job did: the model that answered, what every call cost, and the ending.
pub(super) struct Finish {
    pub(super) model: String,
    pub(super) cost_usd: f64,
    pub(super) calls: u32,
    pub(super) ending: Ending,
}

/// Applies a finished job's result and says what happened, for `switchboard/finished`.
pub(super) async fn finish(
    session: &Session,
    client: &Client,
    trace_id: &str,
    role: Role,
    step: Step,
) -> Finish {
    let answer = &step.done.answer;
    let model = answer.alias.clone();
    let ending = ending(session, client, trace_id, role, &step).await;
    Finish {
        model,
        cost_usd: answer.cost_usd,
        calls: answer.calls,
        ending,
    }
}

async fn ending(
    session: &Session,
    client: &Client,
    trace_id: &str,
    role: Role,
    step: &Step,
) -> Ending {
    let answer = &step.done.answer;
    let model = answer.alias.clone();
    let told = |message: &str| format!("switchboard: {message}");
    match (Ending::of(&model, &step.done.result), &step.done.result) {
        (Ending::Diff(edits), Ok(JobResult::Edits(changes))) => {
            let origin = Origin {
                uri: &step.uri,
                path: &step.origin_path,
                opening: step.opening,
                revision: step.revision,
            };
            let label = format!("{} by {model}", role.as_str());
            let edit = match workspace_edit(session, &origin, changes, &label) {
                Ok(edit) => edit,
                Err(why) => {
                    let message = told(&why);
                    client.show_message(MessageType::WARNING, &message).await;
                    return Ending::Refused { message };
                }
            };
            match client.apply_edit(edit).await {
                Ok(response) if response.applied => {
                    warn_syntax(session, client, &step.uri, &model, changes).await;
                    if let Some(problem) = step.question.strip_prefix(super::FIX_PREFIX) {
                        *session
                            .fixes
                            .entry((step.uri.clone(), problem.to_owned(), step.lines.0))
                            .or_insert(0) += 1;
                    }
                    session.last_edits.insert(
                        step.uri.clone(),
                        LastEdit {
                            trace_id: trace_id.to_owned(),
                            model: model.clone(),
                            diff: edits.diff.clone(),
                        },
                    );
                    Ending::Applied(edits)
                }
                Ok(response) => {
                    let why = response
                        .failure_reason
                        .unwrap_or_else(|| "the editor refused it".to_string());
                    let message = told(&format!("the edit from {model} was not applied: {why}"));
                    client.show_message(MessageType::WARNING, &message).await;
                    Ending::Refused { message }
                }
                Err(err) => Ending::Failed {
                    message: err.to_string(),
                },
            }
        }
        (Ending::Reviewed { findings }, Ok(JobResult::Findings(found))) => {
            show_findings(session, client, step, &model, found).await;
            Ending::Reviewed { findings }
        }
        (
            Ending::Answered(answered),
            Ok(JobResult::Answer(markdown) | JobResult::Opinion { markdown, .. }),
        ) => {
            // An oracle's concerns about lines of the file become diagnostics, beside its
            // answer.
            // FIXME: they replace the document's review findings (one set per document).
            if let Ok(JobResult::Opinion { concerns, .. }) = &step.done.result
                && !concerns.is_empty()
            {
                show_findings(session, client, step, &model, concerns).await;
            }
            let header = header(role, step, &model, answer.cost_usd, trace_id);
            match write_answer(session, step, &header, markdown) {
                Ok(written) => {
                    if role == Role::Plan {
                        session.plans.insert(
                            step.uri.clone(),
                            Plan {
                                trace_id: trace_id.to_string(),
                                markdown: markdown.clone(),
                            },
                        );
                    }
                    let opened = show(session, client, &written).await;
                    Ending::Answered(Answered {
                        citations: written.citations,
                        invalid_citations: written.invalid,
                        partial: step.partial.clone(),
                        steps: step.steps.clone(),
                        document: Some(Document {
                            path: written.path,
                            uri: written.uri.as_str().to_owned(),
                            opened,
                        }),
                        ..answered
                    })
                }
                Err(why) => {
                    client.show_message(MessageType::ERROR, &why).await;
                    Ending::Failed { message: why }
                }
            }
        }
        (Ending::Refused { message } | Ending::Unchanged { message }, _) => {
            let unchanged = step.done.result.is_ok();
            let message = told(&message);
            let kind = if unchanged {
                MessageType::INFO
            } else {
                MessageType::WARNING
            };
            client.show_message(kind, &message).await;
            if unchanged {
                Ending::Unchanged { message }
            } else {
                Ending::Refused { message }
            }
        }
        (other, _) => other,
    }
}

/// What an answer document says at its top.
fn header(role: Role, step: &Step, model: &str, cost_usd: f64, trace_id: &str) -> answer::Header {
    let (first, last) = step.lines;
    answer::Header {
        verb: match role {
            Role::Search => "Explain".to_owned(),
            Role::Plan => "Plan".to_owned(),
            Role::Oracle => "Second opinion".to_owned(),
            Role::Librarian => "Librarian".to_owned(),
            other => other.as_str().to_owned(),
        },
        question: step.question.clone(),
        place: if first == last {
            format!("{}:{first}", step.origin_path)
        } else {
            format!("{}:{first}-{last}", step.origin_path)
        },
        model: model.to_owned(),
        cost_usd,
        trace_id: trace_id.to_owned(),
    }
}

/// Writes the answer under the state directory, its citations checked against the workspace.
fn write_answer(
    session: &Session,
    step: &Step,
    header: &answer::Header,
    markdown: &str,
) -> Result<answer::Written, String> {
    let root = root_of(session, &step.uri);
    let roots = session.sources().workspace_roots;
    let read = |label: &str| read_workspace_file(session, root.as_deref(), label).text();
    let locate = |label: &str| {
        let root = root.as_deref()?;
        super::locate(&roots, Some(root), label).map(|(path, _, _)| path)
    };
    let sources = answer::Sources {
        locate: &locate,
        read: &read,
        libraries: step.libraries.as_deref().unwrap_or_default(),
    };
    session
        .state_dir()
        .and_then(|dir| answer::write(&dir, header, markdown, &sources))
}

/// Under `[edits] on_syntax_error = "apply"`: a warning diagnostic at each syntax error an
/// applied edit left, in the file it is in (the outcome lists them as `warnings`).
///
/// FIXME: the warning is published on its own, so it replaces the file's review findings until
/// they are next refreshed, and it does not move with later typing; it belongs in the
/// findings store beside them.
async fn warn_syntax(
    session: &Session,
    client: &Client,
    origin: &Uri,
    model: &str,
    changes: &[tasks::reply::FileChange],
) {
    let root = root_of(session, origin);
    let roots = session.sources().workspace_roots;
    for (change, problem) in changes
        .iter()
        .filter_map(|c| c.syntax_warning.as_ref().map(|p| (c, p)))
    {
        let message = format!("{problem}; applied anyway ([edits] on_syntax_error = \"apply\")");
        let uri = root
            .as_ref()
            .and_then(|root| super::locate(&roots, Some(root), &change.path))
            .and_then(|(path, _, _)| Uri::from_file_path(path));
        if let Some(uri) = uri {
            let line = u32::try_from(problem.line.saturating_sub(1)).unwrap_or(u32::MAX);
            let at = tower_lsp_server::ls_types::Position::new(line, 0);
            let diagnostic = tower_lsp_server::ls_types::Diagnostic {
                range: tower_lsp_server::ls_types::Range::new(at, at),
                severity: Some(tower_lsp_server::ls_types::DiagnosticSeverity::WARNING),
                source: Some("switchboard".to_string()),
                message: format!(
                    "the edit by {model} leaves a syntax error here ({})",
                    problem.what
                ),
                ..Default::default()
            };
            client
                .publish_diagnostics(uri, vec![diagnostic], None)
                .await;
        }
        client
            .show_message(MessageType::WARNING, format!("switchboard: {message}"))
            .await;
    }
}

/// Keeps `findings` by `model` for the job's document, as the job saw it, and publishes them.
async fn show_findings(
    session: &Session,
    client: &Client,
    step: &Step,
    model: &str,
    findings: &[tasks::reply::Finding],
) {
    session.findings.set(
        &step.uri,
        step.opening,
        step.revision,
        &step.rope,
        model,
        findings,
    );
    publish_findings(session, client, &step.uri).await;
}

/// Publishes a document's review findings where they are now.
pub async fn publish_findings(session: &Session, client: &Client, uri: &Uri) {
    if let Some((diagnostics, version)) = session.findings.refresh(session, uri) {
        client
            .publish_diagnostics(uri.clone(), diagnostics, (version != 0).then_some(version))
            .await;
    }
}

/// Opens the answer in the editor where it can (`window/showDocument`); returns whether it
/// did. Where it cannot, the job's closing message names the file (`Outcome::summary`); a client
/// that shows results itself is told here.
async fn show(session: &Session, client: &Client, written: &answer::Written) -> bool {
    if session.client_support().show_document {
        let params = ShowDocumentParams {
            uri: written.uri.clone(),
            external: Some(false),
            take_focus: Some(true),
            selection: None,
        };
        if client.show_document(params).await.unwrap_or(false) {
            return true;
        }
    }
    if session.client_support().shows_results {
        client
            .show_message(
                MessageType::INFO,
                format!("switchboard: the answer is in {}", written.path.display()),
            )
            .await;
    }
    false
}
