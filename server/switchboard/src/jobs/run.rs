//! `workspace/executeCommand`: checks the request, answers `{trace_id, role, model}` at once,
//! and runs the job in a spawned task — progress, cancellation, the result applied (edits,
//! diagnostics, a document) and `switchboard/finished` at the end.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use router::Role;
use serde::Deserialize;
use serde_json::{Value, json};
use tasks::context::OpenDocument;
use tasks::job::{JobDone, JobInput};
use tasks::outcome::{Ending, Fallback, Outcome};
use tasks::reply::FileRead;
use tasks::{CallError, CallEvent};
use tokio_util::sync::CancellationToken;
use tower_lsp_server::Client;
use tower_lsp_server::jsonrpc::{self, ErrorCode};
use tower_lsp_server::ls_types::notification::Notification;
use tower_lsp_server::ls_types::{MessageType, NumberOrString, ProgressToken, Uri};

use super::{PROGRESS_PREFIX, Selection, display_path, relative_to_roots};
use crate::files;
use crate::from_proto;
use crate::session::Session;
use crate::store::Snapshot;

/// The argument of every command: `[{uri, range, instruction?}]`.
#[derive(Debug, Clone, Deserialize)]
pub struct CommandArgs {
    pub uri: Uri,
    pub range: tower_lsp_server::ls_types::Range,
    #[serde(default)]
    pub instruction: Option<String>,
    /// `Implement plan`: the trace of the plan to hand to the implement role.
    #[serde(default)]
    pub plan_trace_id: Option<String>,
    /// `Describe image`: the workspace-relative image; found on the selected lines when absent.
    #[serde(default)]
    pub image: Option<String>,
    /// `Second opinion`: what the oracle judges besides the selection, `plan` (the document's
    /// last plan) or `edit` (the last AI edit applied to it).
    #[serde(default)]
    pub subject: Option<String>,
}

/// How often a running job's progress may say how much has streamed.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// The `switchboard/finished` notification.
enum Finished {}

impl Notification for Finished {
    type Params = Value;
    const METHOD: &'static str = "switchboard/finished";
}

/// A job that passed its checks, ready to run.
pub(super) struct Job {
    pub(super) trace_id: String,
    pub(super) role: Role,
    pub(super) uri: Uri,
    snapshot: Snapshot,
    selection: Selection,
    instruction: Option<String>,
    plan: Option<String>,
    image: Option<tasks::job::Image>,
}

fn failed(message: impl Into<String>) -> jsonrpc::Error {
    jsonrpc::Error {
        code: ErrorCode::ServerError(-32803),
        message: message.into().into(),
        data: None,
    }
}

/// Checks a command, answers `{trace_id, role, model}` and spawns its job.
///
/// # Errors
/// An unknown command or bad arguments (-32602), a document that is not open, out of sync or
/// excluded, or no model that may serve (-32803, `RequestFailed`), each saying what to do.
pub async fn start(
    session: Arc<Session>,
    client: Client,
    command: &str,
    arguments: Vec<Value>,
) -> jsonrpc::Result<Value> {
    let role = super::role_of_command(command).ok_or_else(|| jsonrpc::Error {
        code: ErrorCode::InvalidParams,
        message: format!(
            "unknown command {command}; switchboard runs {}",
            super::COMMANDS.join(", ")
        )
        .into(),
        data: None,
    })?;
    let args: CommandArgs = arguments
        .into_iter()
        .next()
        .ok_or_else(|| "no argument".to_string())
        .and_then(|a| serde_json::from_value(a).map_err(|e| e.to_string()))
        .map_err(|why| jsonrpc::Error {
            code: ErrorCode::InvalidParams,
            message: format!("{command} takes [{{uri, range, instruction?}}]: {why}").into(),
            data: None,
        })?;
    let caller = session
        .caller()
        .ok_or_else(|| failed("switchboard has no config yet"))?;
    let uri = args.uri.clone();
    let snapshot = {
        let session = session.clone();
        let uri = uri.clone();
        tokio::task::spawn_blocking(move || session.documents.settled_snapshot(&uri))
            .await
            .map_err(|err| failed(format!("reading the document failed: {err}")))?
    }
    .ok_or_else(|| failed(format!("{} is not open; open it first", uri.as_str())))?;
    if let Some(why) = &snapshot.out_of_sync {
        return Err(failed(format!(
            "switchboard lost track of this document ({why}); close and reopen it, then try again"
        )));
    }
    if let Some(why) = super::privacy_refusal(&session, &caller, &uri) {
        return Err(failed(why));
    }
    // A range that starts after the last line (or ends past the line after it, where a
    // whole-line selection ends) is not in the document: nothing is appended past its end.
    let count = text::line_count(&snapshot.rope);
    let (start, end) = (args.range.start.line as usize, args.range.end.line as usize);
    if (start >= count && count > 0) || end > count {
        return Err(jsonrpc::Error {
            code: ErrorCode::InvalidParams,
            message: format!(
                "lines {}-{} are not in {}, which has {count} line{}",
                start + 1,
                end + 1,
                display_path(&session, &uri),
                if count == 1 { "" } else { "s" }
            )
            .into(),
            data: None,
        });
    }
    let chars = text::range_to_chars(
        &snapshot.rope,
        from_proto::range(args.range),
        session.encoding(),
    )
    .map_err(|err| jsonrpc::Error {
        code: ErrorCode::InvalidParams,
        message: format!("the range is not in the document: {err}").into(),
        data: None,
    })?;
    let selection = Selection::around(&snapshot, chars);
    let role = role.unwrap_or_else(|| router::classify(args.instruction.as_deref().unwrap_or("")));
    let plan = match &args.plan_trace_id {
        Some(trace) => Some(
            session
                .plans
                .get(&uri)
                .filter(|plan| &plan.trace_id == trace)
                .map(|plan| plan.markdown.clone())
                .ok_or_else(|| failed("that plan is no longer kept; run Plan again"))?,
        ),
        None if role == Role::Oracle => oracle_subject(&session, &uri, args.subject.as_deref())?,
        None => None,
    };
    let instruction = args.instruction.or_else(|| {
        (role == Role::Oracle).then(|| oracle_instruction(args.subject.as_deref()).to_owned())
    });
    let image = if role == Role::Vision {
        let relative = args
            .image
            .clone()
            .or_else(|| super::image_on(&session, &caller, &uri, &snapshot, &selection))
            .ok_or_else(|| failed("no image path (png, jpeg, gif, webp) in a string or markdown link on the selected lines"))?;
        if tasks::context::excluded(&relative, &caller.config().privacy.exclude) {
            return Err(failed(format!(
                "{relative} is excluded by [privacy] exclude"
            )));
        }
        let root = root_of(&session, &uri).ok_or_else(|| {
            failed("describing an image needs the document in a workspace folder")
        })?;
        let path = root.join(&relative);
        if relative.split('/').any(|part| part == "..") || !path.is_file() {
            return Err(failed(format!("{relative} is not a file of the workspace")));
        }
        Some(super::image::read(&path, &relative).map_err(failed)?)
    } else {
        None
    };
    let trace_id = ledger::new_trace_id();
    let job = Arc::new(Job {
        trace_id: trace_id.clone(),
        role,
        uri,
        snapshot,
        selection,
        instruction,
        plan,
        image,
    });
    // Route once, on the real packet: the model named in the answer is the one the job calls
    // first (a rule on input tokens sees the packet, not the selection alone).
    let prepared = {
        let (on_session, on_job, caller) = (session.clone(), job.clone(), caller.clone());
        session
            .jobs
            .cpu_work(move || {
                with_input(&on_session, &on_job, |input| {
                    tasks::job::prepare(&caller, input)
                })
            })
            .await
            .map_err(|err| failed(format!("building the request failed: {err}")))?
    };
    let decision = caller
        .decide(&prepared.spec, jiff::Timestamp::now())
        .map_err(|err| failed(err.to_string()))?;
    let model = match decision.chosen() {
        Some(candidate) => candidate.alias.clone(),
        None => {
            return Err(failed(
                decision
                    .refusal_message()
                    .unwrap_or_else(|| "no model may serve this request".to_string()),
            ));
        }
    };
    let answer = json!({ "trace_id": trace_id, "role": role.as_str(), "model": model });
    let routed = Routed {
        prepared,
        decision,
        model,
    };
    tokio::spawn(run(session, client, job, routed));
    Ok(answer)
}

/// The request a command built and the decision it answered with.
struct Routed {
    prepared: tasks::job::Prepared,
    decision: router::Decision,
    /// The model the answer named: the decision's first candidate.
    model: String,
}

/// The job, from progress to `switchboard/finished`. Never panics the server: a panic in the
/// pipeline is caught by tokio and reported as a failure.
async fn run(session: Arc<Session>, client: Client, job: Arc<Job>, routed: Routed) {
    let trace_id = job.trace_id.clone();
    let (role, model) = (job.role, routed.model.clone());
    let cancel = session.jobs.register(&trace_id);
    // What the progress says the call has cost so far: the input, and the output streamed.
    let input_tokens = routed
        .decision
        .candidates
        .first()
        .map_or(0, |candidate| candidate.input_tokens);
    let price_of = |alias: &str| {
        session
            .caller()
            .and_then(|caller| caller.config().models.get(alias).and_then(|m| m.price))
    };
    let token = ProgressToken::String(format!("{PROGRESS_PREFIX}{trace_id}"));
    let progress = if session.client_support().work_done_progress
        && client
            .create_work_done_progress(token.clone())
            .await
            .is_ok()
    {
        Some(
            client
                .progress(token, format!("{} with {model}", verb(role)))
                .with_cancel_button()
                .begin()
                .await,
        )
    } else {
        None
    };
    let streamed = Arc::new(AtomicU64::new(0));
    let ticker = progress.as_ref().map(|_| streamed.clone());
    let fallbacks = Arc::new(std::sync::Mutex::new(Vec::<Fallback>::new()));
    let steps = Arc::new(Steps::default());
    let work = {
        let session = session.clone();
        let streamed = streamed.clone();
        let fallbacks = fallbacks.clone();
        let steps = steps.clone();
        tokio::spawn(pipeline(
            session,
            job,
            routed,
            Heard {
                streamed,
                fallbacks,
                steps,
            },
            cancel.clone(),
        ))
    };
    let mut work = std::pin::pin!(work);
    let mut reported = None;
    let outcome = loop {
        tokio::select! {
            done = &mut work => break done,
            // Once a second, and only when the count moved: a hundred jobs in flight must not
            // flood the editor (or this server's output) with progress.
            () = tokio::time::sleep(PROGRESS_EVERY), if ticker.is_some() => {}
            // An agent's step as soon as it is taken: a handful per job, each worth seeing.
            () = steps.taken.notified(), if ticker.is_some() => {}
        }
        if let (Some(progress), Some(chars)) = (&progress, &ticker) {
            let tokens = chars.load(Ordering::Relaxed) / 4;
            // After a fallback, the model now at work is the last one fallen back to.
            let now_model = last_fallback(&fallbacks).unwrap_or_else(|| model.clone());
            // The search agent's last step, when it takes steps.
            let step = steps
                .list
                .lock()
                .ok()
                .and_then(|steps| steps.last().map(|step| format!("{step} · ")))
                .unwrap_or_default();
            if reported != Some((tokens, format!("{step}{now_model}"))) {
                let cost = price_of(&now_model).map_or_else(String::new, |price| {
                    let usd =
                        (input_tokens as f64 * price.input + tokens as f64 * price.output) / 1e6;
                    format!(", ~${usd:.4}")
                });
                let message = if now_model == model {
                    format!("{model}: {step}~{tokens} tokens{cost} so far")
                } else {
                    format!(
                        "{now_model} (fallback after {model} failed): {step}~{tokens} tokens{cost} so far"
                    )
                };
                reported = Some((tokens, format!("{step}{now_model}")));
                progress.report_with_message(message, Some(true)).await;
            }
        }
    };
    session.jobs.finish(&trace_id);
    if let Some(progress) = progress {
        progress.finish().await;
    }
    // A job that ends without its result may have paid for some calls (an agent's earlier
    // steps, the first call of a retry): what the ledger settled for its trace.
    let spent = || {
        session
            .caller()
            .map_or((0.0, 0), |caller| tasks::outcome::spent(&caller, &trace_id))
    };
    let (answered_by, (cost_usd, calls), ending) = match outcome {
        Ok(Ok(step)) => {
            let done = super::result::finish(&session, &client, &trace_id, role, step).await;
            (done.model, (done.cost_usd, done.calls), done.ending)
        }
        Ok(Err(CallError::Cancelled)) => (model.clone(), spent(), Ending::Cancelled),
        Ok(Err(err)) => {
            let message = format!("switchboard: {} failed: {err}", verb(role));
            client.show_message(MessageType::ERROR, &message).await;
            (model.clone(), spent(), Ending::Failed { message })
        }
        Err(panic) => {
            let message = format!(
                "switchboard: {} failed: {panic}. This is a bug; please report it with the server log.",
                verb(role)
            );
            client.show_message(MessageType::ERROR, &message).await;
            (model.clone(), spent(), Ending::Failed { message })
        }
    };
    // The model the command answered with, and every fallback from it, so that a bill from
    // another model is never a surprise.
    let outcome = Outcome {
        trace_id,
        role,
        model: answered_by,
        routed_model: model,
        fallbacks: fallbacks.lock().map(|f| f.clone()).unwrap_or_default(),
        cost_usd,
        calls,
        ending,
    };
    if !session.client_support().shows_results
        && let Some(summary) = outcome.summary()
    {
        client.show_message(MessageType::INFO, summary).await;
    }
    let params = serde_json::to_value(&outcome).unwrap_or_else(|err| {
        json!({ "trace_id": outcome.trace_id, "outcome": "failed", "message": err.to_string() })
    });
    client.send_notification::<Finished>(params).await;
}

/// What the job's pipeline gives back to the runner.
pub(super) struct Step {
    pub(super) done: JobDone,
    /// What was asked: the instruction, or what the action does.
    pub(super) question: String,
    /// The selection's lines, 1-based, in `origin_path`.
    pub(super) lines: (usize, usize),
    pub(super) origin_path: String,
    pub(super) uri: Uri,
    pub(super) opening: u64,
    pub(super) revision: u64,
    pub(super) rope: text::Rope,
    /// Why the search agent stopped before the model answered, when it did.
    pub(super) partial: Option<String>,
    /// The search agent's steps.
    pub(super) steps: Vec<tasks::agent::tools::StepSummary>,
    /// The librarian's dependencies, against which its citations are checked.
    pub(super) libraries: Option<Vec<tasks::agent::library::Library>>,
}

/// What the runner hears of a job while it works, for its progress.
struct Heard {
    /// Characters of answer streamed so far.
    streamed: Arc<AtomicU64>,
    /// Each fallback from one model to the next.
    fallbacks: Arc<std::sync::Mutex<Vec<Fallback>>>,
    /// The search agent's steps.
    steps: Arc<Steps>,
}

/// An agent's steps as the progress tells them.
#[derive(Default)]
pub(super) struct Steps {
    /// In words: `step 1: grep "retry" → 14 hits`.
    pub(super) list: std::sync::Mutex<Vec<String>>,
    /// Told of each step as it is taken.
    pub(super) taken: tokio::sync::Notify,
}

async fn pipeline(
    session: Arc<Session>,
    job: Arc<Job>,
    routed: Routed,
    heard: Heard,
    cancel: CancellationToken,
) -> Result<Step, CallError> {
    let Heard {
        streamed,
        fallbacks,
        steps,
    } = heard;
    let caller = session
        .caller()
        .ok_or_else(|| CallError::NoRoute("switchboard has no config".to_string()))?;
    let Routed {
        prepared, decision, ..
    } = routed;
    let on_event = |event: CallEvent<'_>| match event {
        CallEvent::Text(delta) => {
            streamed.fetch_add(delta.len() as u64, Ordering::Relaxed);
        }
        CallEvent::FallingBack { from, error, to } => {
            if let Ok(mut list) = fallbacks.lock() {
                list.push(Fallback {
                    from: from.to_owned(),
                    to: to.to_owned(),
                    error: error.to_string(),
                });
            }
        }
        _ => {}
    };
    // A question for the search role (the command's instruction, or an `AI:` comment) goes to
    // the search agent, which looks at the workspace with its tools.
    // The librarian always works as an agent, over the dependencies.
    let question = if job.role == Role::Librarian {
        true
    } else if job.role == Role::Search {
        let wants = job.instruction.is_some();
        let marked = !wants
            && on_input(&session, &job, &cancel, |input, _| {
                tasks::job::instruction_for(input).is_some()
            })
            .await?;
        wants || marked
    } else {
        false
    };
    if question {
        let found = super::agent::run(
            &session,
            &job,
            &caller,
            &prepared.spec,
            &steps,
            &cancel,
            on_event,
        )
        .await?;
        let result = Ok(tasks::job::JobResult::Answer(found.markdown));
        let mut step = step_of(&session, &job, found.answer, prepared.packet, result);
        step.partial = found.partial;
        step.steps = found.steps;
        step.libraries = found.libraries;
        return Ok(step);
    }
    let reader = OnBlockingThread {
        session: session.clone(),
        job: job.clone(),
        cancel: cancel.clone(),
        caller: caller.clone(),
    };
    let (answer, result) = tasks::job::answer(
        &caller,
        &prepared.spec,
        Some(decision),
        &reader,
        on_event,
        cancel.clone().cancelled_owned(),
    )
    .await?;
    Ok(step_of(&session, &job, answer, prepared.packet, result))
}

/// A finished job's step: its answer and result, and the document as the job saw it.
fn step_of(
    session: &Session,
    job: &Job,
    answer: tasks::Answer,
    packet: tasks::context::Packet,
    result: Result<tasks::job::JobResult, tasks::reply::ReplyError>,
) -> Step {
    Step {
        done: JobDone {
            answer,
            packet,
            result,
        },
        question: job
            .instruction
            .clone()
            .unwrap_or_else(|| format!("{} the selected lines", verb(job.role))),
        lines: {
            let (first, last) = tasks::job::line_span(&job.snapshot.rope, &job.selection.bytes);
            (first + 1, last + 1)
        },
        origin_path: display_path(session, &job.uri),
        uri: job.uri.clone(),
        opening: job.snapshot.opening,
        revision: job.snapshot.revision,
        rope: job.snapshot.rope.clone(),
        partial: None,
        steps: Vec::new(),
        libraries: None,
    }
}

/// Reads a job's reply on a blocking thread (see [`on_input`]), for [`tasks::job::answer`].
struct OnBlockingThread {
    session: Arc<Session>,
    job: Arc<Job>,
    cancel: CancellationToken,
    caller: Arc<tasks::Caller>,
}

impl tasks::job::ReadReply for OnBlockingThread {
    fn interpret(&self, text: String) -> impl Future<Output = tasks::job::Read> + Send {
        let caller = self.caller.clone();
        let (session, job, cancel) = (self.session.clone(), self.job.clone(), self.cancel.clone());
        async move {
            on_input(&session, &job, &cancel, move |input, read_other| {
                tasks::job::interpret(&caller, input, &text, read_other)
            })
            .await
        }
    }

    fn retry_result(
        &self,
        failed: tasks::reply::ReplyError,
        resent: String,
    ) -> impl Future<Output = tasks::job::Read> + Send {
        let caller = self.caller.clone();
        let (session, job, cancel) = (self.session.clone(), self.job.clone(), self.cancel.clone());
        async move {
            on_input(&session, &job, &cancel, move |input, read_other| {
                tasks::job::retry_result(&caller, input, &failed, &resent, read_other)
            })
            .await
        }
    }
}

/// Runs `f` on the job's input and a reader of the workspace's other files, on a blocking
/// thread when its turn comes: the packet, the prompt, its tokens and the reply's diff are CPU
/// work over whole files, and the editor's requests must never queue behind a hundred jobs
/// starting or finishing. A job cancelled while it waits for its turn ends at once.
async fn on_input<T: Send + 'static>(
    session: &Arc<Session>,
    job: &Arc<Job>,
    cancel: &CancellationToken,
    f: impl FnOnce(&JobInput<'_>, &dyn Fn(&str) -> FileRead) -> T + Send + 'static,
) -> Result<T, CallError> {
    let (on_session, job) = (session.clone(), job.clone());
    let work = session.jobs.cpu_work(move || {
        let session = on_session;
        let root = root_of(&session, &job.uri);
        let read_other = |relative: &str| read_workspace_file(&session, root.as_deref(), relative);
        with_input(&session, &job, |input| f(input, &read_other))
    });
    tokio::select! {
        done = work => done.map_err(CallError::Failed),
        () = cancel.cancelled() => Err(CallError::Cancelled),
    }
}

/// The request a command on `selection` would send, counted as the job counts it: what a code
/// action's title routes on when a rule reads input tokens, so that it names the model the job
/// will call. CPU work over the whole file (tens of milliseconds); the workspace index is built
/// on first use.
#[allow(clippy::too_many_arguments)] // reason: the parts of a command, each named, as a listing has them
pub fn request_for(
    session: &Session,
    caller: &tasks::Caller,
    uri: &Uri,
    snapshot: &Snapshot,
    selection: &Selection,
    role: Role,
    instruction: Option<String>,
    plan: Option<String>,
) -> tasks::CallSpec {
    let job = Job {
        trace_id: String::new(),
        role,
        uri: uri.clone(),
        snapshot: snapshot.clone(),
        selection: Selection::of(selection.bytes.clone()),
        instruction,
        plan,
        image: None,
    };
    with_input(session, &job, |input| {
        tasks::job::request_spec(caller, input).spec
    })
}

/// Calls `f` with the job's [`JobInput`]: its document as the job saw it, the other open
/// documents as they are now, and the workspace index (built on first use, which walks the
/// workspace: call this on a blocking thread).
fn with_input<T>(session: &Session, job: &Job, f: impl FnOnce(&JobInput<'_>) -> T) -> T {
    let path = display_path(session, &job.uri);
    let workspace = session.workspace_index();
    let others: Vec<(String, Snapshot)> = session
        .documents
        .uris()
        .into_iter()
        .filter(|uri| uri != &job.uri)
        .filter_map(|uri| {
            Some((
                display_path(session, &uri),
                session.documents.snapshot(&uri)?,
            ))
        })
        .collect();
    let open_documents: Vec<OpenDocument<'_>> = others
        .iter()
        .map(|(path, snapshot)| OpenDocument {
            path,
            language_id: &snapshot.language_id,
            rope: &snapshot.rope,
            tree: snapshot.syntax.as_ref(),
        })
        .collect();
    f(&JobInput {
        role: job.role,
        instruction: job.instruction.clone(),
        trace_id: job.trace_id.clone(),
        path: &path,
        language_id: &job.snapshot.language_id,
        rope: &job.snapshot.rope,
        tree: job.snapshot.syntax.as_ref(),
        selection: job.selection.bytes.clone(),
        diagnostics: &[],
        open_documents: &open_documents,
        workspace: Some(&workspace),
        plan: job.plan.as_deref(),
        image: job.image.as_ref(),
        complexity: Some(job.selection.complexity(&job.snapshot)),
    })
}

/// The model the last fallback went to, if the call fell back.
fn last_fallback(fallbacks: &std::sync::Mutex<Vec<Fallback>>) -> Option<String> {
    let list = fallbacks.lock().ok()?;
    list.last().map(|fallback| fallback.to.clone())
}

/// The workspace folder a document is in.
pub(super) fn root_of(session: &Session, uri: &Uri) -> Option<PathBuf> {
    let path = uri.to_file_path()?;
    relative_to_roots(&session.sources().workspace_roots, &path).map(|(root, _)| root)
}

/// What the workspace holds at another path: the text the editor has if the file is open, else
/// what is on disk (see [`files::read`]); never a file outside the folder or excluded by
/// `[privacy]`.
pub fn read_workspace_file(session: &Session, root: Option<&Path>, label: &str) -> FileRead {
    // Without a folder nothing is there to read; an edit of another file is refused where it
    // would be applied ("no workspace folder is open"). Answering "not editable" here would
    // make every word of a reply read as the name of an existing file.
    let Some(root) = root else {
        return FileRead::Missing;
    };
    let Some((_, root, relative)) =
        super::locate(&session.sources().workspace_roots, Some(root), label)
    else {
        return FileRead::Missing;
    };
    let (root, relative) = (root.as_path(), relative.as_str());
    let exclude = session
        .caller()
        .map(|caller| caller.config().privacy.exclude.clone())
        .unwrap_or_default();
    if let Some(uri) = Uri::from_file_path(root.join(relative))
        && !tasks::context::excluded(relative, &exclude)
        && !relative.split('/').any(|part| part == "..")
        && let Some(open) = session.documents.snapshot(&uri)
    {
        return FileRead::Text(open.rope.to_string());
    }
    files::read(root, relative, &exclude)
}

fn verb(role: Role) -> &'static str {
    match role {
        Role::Implement => "Implement",
        Role::Review => "Review",
        Role::Search => "Explain",
        Role::Plan => "Plan",
        Role::Vision => "Describe image",
        Role::Librarian => "Ask the librarian",
        Role::Oracle => "Second opinion",
    }
}

/// What the oracle is asked when the action says nothing more.
pub(crate) fn oracle_instruction(subject: Option<&str>) -> &'static str {
    match subject {
        Some("plan") => "Judge the plan in the context: will it work, and what does it miss?",
        Some("edit") => {
            "Judge the last AI edit, whose diff is in the context: is it correct, and what does it break?"
        }
        _ => "Judge this code: is it correct, and what is risky?",
    }
}

/// What a second opinion judges besides the selection: the document's plan, or its last AI
/// edit, as the text the packet's plan section holds.
pub(crate) fn oracle_subject(
    session: &Session,
    uri: &Uri,
    subject: Option<&str>,
) -> jsonrpc::Result<Option<String>> {
    match subject {
        None | Some("selection") => Ok(None),
        Some("plan") => session
            .plans
            .get(uri)
            .map(|plan| Some(format!("The plan to judge (trace {}):\n\n{}", plan.trace_id, plan.markdown)))
            .ok_or_else(|| failed("this document has no plan to judge; run Plan first")),
        Some("edit") => session
            .last_edits
            .get(uri)
            .map(|edit| {
                Some(format!(
                    "The last AI edit to judge (implement by {}, trace {}), as a diff:\n\n```diff\n{}```",
                    edit.model, edit.trace_id, edit.diff
                ))
            })
            .ok_or_else(|| failed("no AI edit was applied to this document yet")),
        Some(other) => Err(jsonrpc::Error {
            code: ErrorCode::InvalidParams,
            message: format!("a second opinion is on the selection, `plan` or `edit`, not {other:?}").into(),
            data: None,
        }),
    }
}

/// A progress token's trace id, for `window/workDoneProgress/cancel`.
pub fn trace_of_token(token: &ProgressToken) -> Option<&str> {
    match token {
        NumberOrString::String(s) => s.strip_prefix(PROGRESS_PREFIX),
        NumberOrString::Number(_) => None,
    }
}
