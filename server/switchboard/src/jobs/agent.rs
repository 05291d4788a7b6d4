//! A search command with a question runs the search agent (`tasks::agent`): the model looks at
//! the workspace with its tools, each step reported in the job's progress and recorded in its
//! trace, and its answer becomes the job's answer document.

use std::sync::Arc;

use router::Role;
use std::future::Future;
use tasks::agent::library::{Library, Places};

use providers::{ToolCall, ToolResult};
use tasks::agent::tools::{StepSummary, WorkspaceTools};
use tasks::agent::{AgentEvent, Limits, RunTools};
use tasks::{CallError, CallEvent, CallSpec, Caller};
use tokio_util::sync::CancellationToken;

use super::run::{Job, Steps, root_of};
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
    steps: &Steps,
    cancel: &CancellationToken,
    mut on_event: impl FnMut(CallEvent<'_>) + Send,
) -> Result<Found, CallError> {
    let root = root_of(session, &job.uri)
        .or_else(|| session.sources().workspace_roots.first().cloned())
        .ok_or_else(|| {
            CallError::NoRoute("a question needs a workspace folder to look in".to_owned())
        })?;
    // The librarian reads the dependencies' sources (those on this machine), never the
    // workspace's own files; finding them reads Cargo.lock and a few directories.
    let libraries = if job.role == Role::Librarian {
        let at = root.clone();
        let found = tokio::task::spawn_blocking(move || {
            tasks::agent::library::dependencies(&at, &Places::from_env())
        })
        .await
        .map_err(|err| CallError::Failed(format!("finding the dependencies failed: {err}")))?;
        if found.is_empty() {
            return Err(CallError::NoRoute(tasks::agent::library::none_found(&root)));
        }
        Some(found)
    } else {
        None
    };
    let tools = Arc::new(WorkspaceTools {
        root,
        exclude: caller.config().privacy.exclude.clone(),
        index: Some(session.workspace_index()),
        state_dir: session.state_dir().ok(),
        libraries,
    });
    let question = spec.request.last_user_text();
    let found = tasks::agent::search(
        caller,
        spec,
        &question,
        (&tools, &OnBlockingThread),
        &Limits::from(caller.config().agent),
        |event| match event {
            AgentEvent::Call(event) => on_event(event),
            AgentEvent::Step(number, step) => {
                if let Ok(mut list) = steps.list.lock() {
                    list.push(format!(
                        "step {number}: {} {} → {}",
                        step.tool, step.call, step.result
                    ));
                }
                steps.taken.notify_one();
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
        libraries: tools.libraries.clone(),
    })
}

/// Runs each tool on tokio's blocking pool: a grep over a large workspace, or over every
/// dependency, must not hold a thread that answers the editor.
struct OnBlockingThread;

impl RunTools for OnBlockingThread {
    fn run(
        &self,
        tools: &Arc<WorkspaceTools>,
        call: ToolCall,
    ) -> impl Future<Output = (ToolResult, StepSummary)> + Send {
        let tools = tools.clone();
        async move {
            let id = call.id.clone();
            let name = call.name.clone();
            tokio::task::spawn_blocking(move || tools.run(&call))
                .await
                .unwrap_or_else(|err| {
                    let why = format!("the tool failed: {err}");
                    (
                        ToolResult::error(id, why.clone()),
                        StepSummary {
                            tool: name,
                            call: String::new(),
                            result: format!("error: {why}"),
                        },
                    )
                })
        }
    }
}
