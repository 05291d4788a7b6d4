//! A search command with a question runs the search agent (`tasks::agent`): the model looks at
//! the workspace with its tools, each step reported in the job's progress and recorded in its
//! trace, and its answer becomes the job's answer document.

use std::sync::{Arc, Mutex};

use router::Role;
use tasks::agent::library::{Library, Places};
use tasks::agent::{AgentEvent, Limits, tools::WorkspaceTools};
use tasks::{CallError, CallEvent, CallSpec, Caller};
use tokio_util::sync::CancellationToken;

use super::run::{Job, root_of};
use crate::session::Session;

/// What the agent gave the job.
pub(super) struct Found {
    /// The last call's answer, every call's cost in it.
    pub(super) answer: tasks::Answer,
    pub(super) markdown: String,
    pub(super) partial: Option<String>,
    pub(super) steps: Vec<tasks::agent::tools::StepSummary>,
    /// The librarian's dependencies, against which its citations are checked.
    pub(super) libraries: Option<Vec<Library>>,
}

/// Runs the agent on the job's question (the prompt `spec` holds: the question and the
/// selection's context).
///
/// # Errors
/// When no model answered, or on a cancel.
pub(super) async fn run(
    session: &Session,
    job: &Job,
    caller: &Arc<Caller>,
    spec: &CallSpec,
    steps: &Arc<Mutex<Vec<String>>>,
    cancel: &CancellationToken,
    mut on_event: impl FnMut(CallEvent<'_>) + Send,
) -> Result<Found, CallError> {
    let root = root_of(session, &job.uri)
        .or_else(|| session.sources().workspace_roots.first().cloned())
        .ok_or_else(|| {
            CallError::NoRoute("a question needs a workspace folder to look in".to_owned())
        })?;
    let index = session.workspace_index();
    // FIXME: the tools read files on the async thread; a grep of a very large workspace
    // would hold it for a moment.
    // The librarian reads the dependencies' sources (those on this machine), never the
    // workspace's own files.
    let libraries = (job.role == Role::Librarian)
        .then(|| tasks::agent::library::dependencies(&root, &Places::from_env()));
    let tools = WorkspaceTools {
        root,
        exclude: caller.config().privacy.exclude.clone(),
        index: Some(&index),
        state_dir: session.state_dir().ok(),
        libraries,
    };
    let question = spec.request.last_user_text();
    let found = tasks::agent::search(
        caller,
        spec,
        &question,
        &tools,
        &limits(caller),
        |event| match event {
            AgentEvent::Call(event) => on_event(event),
            AgentEvent::Step(number, step) => {
                if let Ok(mut steps) = steps.lock() {
                    steps.push(format!(
                        "step {number}: {} {} → {}",
                        step.tool, step.call, step.result
                    ));
                }
            }
        },
        cancel.clone().cancelled_owned(),
    )
    .await?;
    let answer = found.last.ok_or_else(|| {
        CallError::Failed(format!(
            "the search agent made no call (trace {})",
            job.trace_id
        ))
    })?;
    Ok(Found {
        answer,
        markdown: found.markdown,
        partial: found.partial,
        steps: found.steps,
        libraries: tools.libraries,
    })
}

/// The agent's limits from `[agent]`.
fn limits(caller: &Caller) -> Limits {
    let agent = caller.config().agent;
    Limits {
        max_steps: usize::try_from(agent.max_steps).unwrap_or(usize::MAX),
        max_usd: agent.max_usd,
    }
}
