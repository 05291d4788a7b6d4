//! What a finished job's result becomes: edits applied through `workspace/applyEdit`, review
//! findings published as diagnostics, an answer written and shown; and the fields of
//! `switchboard/finished` that say what happened.

use router::Role;
use serde_json::{Value, json};
use tasks::job::JobResult;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{MessageType, ShowDocumentParams, Uri};

use super::answer;
use super::apply::{Origin, workspace_edit};
use super::run::{Step, read_workspace_file, root_of};
use crate::session::{Plan, Session};

/// Applies a finished job's result and says what happened, for `switchboard/finished`.
pub(super) async fn finish(
    session: &Session,
    client: &Client,
    trace_id: &str,
    role: Role,
    step: Step,
) -> Value {
    let answer = &step.done.answer;
    let mut out = json!({ "model": answer.alias, "cost_usd": answer.cost_usd });
    let model = answer.alias.clone();
    let result = match &step.done.result {
        Ok(result) => result,
        Err(err) => {
            let message = format!(
                "switchboard: {model}'s answer could not be used, so nothing was applied: {err}"
            );
            client.show_message(MessageType::WARNING, &message).await;
            extend(
                &mut out,
                json!({ "outcome": "refused", "message": message }),
            );
            return out;
        }
    };
    match result {
        JobResult::Edits(changes) if changes.is_empty() => {
            let message = format!(
                "switchboard: {model} answered with the text as it already is; nothing to apply"
            );
            client.show_message(MessageType::INFO, &message).await;
            extend(
                &mut out,
                json!({ "outcome": "unchanged", "message": message }),
            );
        }
        JobResult::Edits(changes) => {
            let origin = Origin {
                uri: &step.uri,
                path: &step.origin_path,
                opening: step.opening,
                revision: step.revision,
            };
            let label = format!("{} by {model}", role.as_str());
            match workspace_edit(session, &origin, changes, &label) {
                Ok(edit) => match client.apply_edit(edit).await {
                    Ok(response) if response.applied => {
                        let warnings =
                            warn_syntax(session, client, &step.uri, &model, changes).await;
                        extend(
                            &mut out,
                            json!({
                                "outcome": "applied",
                                "files": changes.iter().map(|c| &c.path).collect::<Vec<_>>(),
                                "created": changes.iter().filter(|c| c.created).map(|c| &c.path).collect::<Vec<_>>(),
                                "warnings": warnings,
                            }),
                        );
                    }
                    Ok(response) => {
                        let why = response
                            .failure_reason
                            .unwrap_or_else(|| "the editor refused it".to_string());
                        let message =
                            format!("switchboard: the edit from {model} was not applied: {why}");
                        client.show_message(MessageType::WARNING, &message).await;
                        extend(
                            &mut out,
                            json!({ "outcome": "refused", "message": message }),
                        );
                    }
                    Err(err) => {
                        extend(
                            &mut out,
                            json!({ "outcome": "failed", "message": err.to_string() }),
                        );
                    }
                },
                Err(why) => {
                    let message = format!("switchboard: {why}");
                    client.show_message(MessageType::WARNING, &message).await;
                    extend(
                        &mut out,
                        json!({ "outcome": "refused", "message": message }),
                    );
                }
            }
        }
        JobResult::Findings(findings) => {
            session.findings.set(
                &step.uri,
                step.opening,
                step.revision,
                &step.rope,
                &model,
                findings,
            );
            publish_findings(session, client, &step.uri).await;
            extend(
                &mut out,
                json!({ "outcome": "reviewed", "findings": findings.len() }),
            );
        }
        JobResult::Answer(markdown) => {
            let root = root_of(session, &step.uri);
            let roots = session.sources().workspace_roots;
            let read =
                |relative: &str| read_workspace_file(session, root.as_deref(), relative).text();
            let locate = |label: &str| {
                let root = root.as_deref()?;
                super::locate(&roots, Some(root), label).map(|(path, _, _)| path)
            };
            let (first, last) = step.lines;
            let header = answer::Header {
                verb: match role {
                    Role::Search => "Explain".to_owned(),
                    Role::Plan => "Plan".to_owned(),
                    other => other.as_str().to_owned(),
                },
                question: step.question.clone(),
                place: if first == last {
                    format!("{}:{first}", step.origin_path)
                } else {
                    format!("{}:{first}-{last}", step.origin_path)
                },
                model: model.clone(),
                cost_usd: answer.cost_usd,
                trace_id: trace_id.to_owned(),
            };
            let written = session
                .state_dir()
                .and_then(|dir| answer::write(&dir, &header, markdown, &locate, &read));
            match written {
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
                    extend(
                        &mut out,
                        json!({
                            "outcome": "answered",
                            "opened": opened,
                            "path": written.path,
                            "uri": written.uri,
                            "locations": written.locations,
                            "invalid_citations": written.invalid,
                            "markdown": markdown,
                        }),
                    );
                }
                Err(why) => {
                    client.show_message(MessageType::ERROR, &why).await;
                    extend(&mut out, json!({ "outcome": "failed", "message": why }));
                }
            }
        }
    }
    out
}

/// Under `[edits] on_syntax_error = "apply"`: a warning diagnostic at each syntax error an
/// applied edit left, in the file it is in. Returns the warnings, for `switchboard/finished`.
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
) -> Vec<String> {
    let root = root_of(session, origin);
    let roots = session.sources().workspace_roots;
    let mut warnings = Vec::new();
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
        warnings.push(message);
    }
    warnings
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
/// did. Where it cannot, the job's closing message names the file (see [`summary`]); a client
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

fn extend(out: &mut Value, more: Value) {
    if let (Some(out), Value::Object(more)) = (out.as_object_mut(), more) {
        out.extend(more);
    }
}

/// The line that tells the user how a job ended, from its `switchboard/finished` fields: what
/// happened, by which model, what it cost, and the trace id that `switchboard trace` takes.
/// `None` for outcomes already told with a message of their own (refused, failed, unchanged).
pub(super) fn summary(finished: &Value) -> Option<String> {
    let text = |key: &str| finished[key].as_str().unwrap_or("?").to_owned();
    let what = match finished["outcome"].as_str()? {
        "applied" => {
            let files: Vec<&str> = finished["files"]
                .as_array()
                .map(|files| files.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            format!("applied to {}", files.join(", "))
        }
        "reviewed" => match finished["findings"].as_u64().unwrap_or(0) {
            0 => "no findings".to_owned(),
            1 => "1 finding, in the diagnostics".to_owned(),
            n => format!("{n} findings, in the diagnostics"),
        },
        "answered" => {
            let places = finished["locations"].as_array().map_or(0, Vec::len);
            match finished["path"].as_str() {
                // The path early: a status line shows the start of a long message.
                Some(path) if finished["opened"] == false => {
                    format!("answered in {path} ({places} cited place(s))")
                }
                _ => format!("answered, {places} cited place(s)"),
            }
        }
        "cancelled" => "cancelled, nothing applied".to_owned(),
        _ => return None,
    };
    let cost = finished["cost_usd"].as_f64().unwrap_or(0.0);
    let model = match finished["fallbacks"].as_array().and_then(|f| f.last()) {
        Some(fallback) => format!(
            "{} (fallback from {})",
            fallback["to"].as_str().unwrap_or("?"),
            text("routed_model")
        ),
        None => text("model"),
    };
    Some(format!(
        "switchboard: {} by {model}: {what} · ${cost:.4} · trace {}",
        text("role"),
        text("trace_id")
    ))
}
