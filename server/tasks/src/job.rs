//! One role's work, from a selection to a usable result: the context packet (secrets masked),
//! the prompt, the routed call, and the reply turned into file changes, findings or an answer.
//! The same pipeline serves the language server, `switchboard run` and `switchboard demo`.

use std::future::Future;
use std::ops::Range;

use futures::FutureExt;

use ropey::Rope;
use router::{OnSyntaxError, Role};
use syntax::{MarkerKind, SyntaxTree};

use crate::call::{Answer, CallError, CallEvent, CallSpec, Caller, Target};
use crate::context::{
    DiagnosticNote, OpenDocument, Packet, PacketInput, SectionKind, TemplateKind, WorkspaceIndex,
    build_packet, mask_secrets, render,
};
use crate::reply::{self, EditInput, FileChange, FileRead, Finding, ReplyError, SyntaxProblem};

/// What the packet may take at most, in tokens, whatever the model's window: context past this
/// costs more than it helps on an editor task.
const MAX_PACKET_TOKENS: u64 = 24_000;

/// Everything a job reads. Borrowed, so callers keep their snapshots.
pub struct JobInput<'a> {
    pub role: Role,
    /// The user's instruction; without one, a marked comment (`TODO`, `FIXME`, `AI:`) in or just
    /// above the selection, else the role's default.
    pub instruction: Option<String>,
    pub trace_id: String,
    /// Workspace-relative path of the document.
    pub path: &'a str,
    pub language_id: &'a str,
    pub rope: &'a Rope,
    pub tree: Option<&'a SyntaxTree>,
    /// Bytes of the selection (already grown to the enclosing scope when it was empty).
    pub selection: Range<usize>,
    pub diagnostics: &'a [DiagnosticNote],
    pub open_documents: &'a [OpenDocument<'a>],
    pub workspace: Option<&'a WorkspaceIndex>,
    pub plan: Option<&'a str>,
    /// For the vision role: the image, sent beside the prompt.
    pub image: Option<&'a Image>,
    /// The selection's complexity, when the caller has it already (the server measured it to
    /// route the command); measured here otherwise.
    pub complexity: Option<router::Complexity>,
}

/// An image for the vision role, already read (the caller checks it is in the workspace and not
/// excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Workspace-relative path, for the prompt.
    pub path: String,
    /// `image/png`, `image/jpeg`, `image/gif` or `image/webp`.
    pub media_type: String,
    pub data_base64: String,
}

/// What the reply turned into.
#[derive(Debug, Clone)]
pub enum JobResult {
    /// Implement and fix: the new text of each file.
    Edits(Vec<FileChange>),
    /// Review.
    Findings(Vec<Finding>),
    /// Search, explain, plan, librarian: markdown.
    Answer(String),
    /// Oracle: a second opinion in markdown, and its concerns about lines of the file.
    Opinion {
        markdown: String,
        concerns: Vec<Finding>,
    },
}

/// A finished call and what its reply gave (or why it gave nothing usable).
#[derive(Debug)]
pub struct JobDone {
    pub answer: Answer,
    pub packet: Packet,
    pub result: Result<JobResult, ReplyError>,
}

/// The instruction of a job: the user's, else a marked comment in or just above the selection.
pub fn instruction_for(input: &JobInput<'_>) -> Option<String> {
    if let Some(instruction) = input.instruction.as_ref().filter(|i| !i.trim().is_empty()) {
        return Some(instruction.clone());
    }
    let tree = input.tree?;
    let line = input.rope.byte_to_line(input.selection.start);
    // The line above the selection counts: a `// TODO: ...` usually sits there.
    let from = input.rope.line_to_byte(line.saturating_sub(1));
    tree.markers_in(input.rope, from..input.selection.end.max(from + 1))
        .into_iter()
        .find(|m| {
            matches!(
                m.kind,
                MarkerKind::Todo | MarkerKind::Fixme | MarkerKind::Ai
            )
        })
        .map(|m| m.text)
}

/// A job's request, ready to send: what [`prepare`] built.
#[derive(Debug)]
pub struct Prepared {
    pub packet: Packet,
    pub spec: CallSpec,
}

/// The CPU-bound first half of a job: the packet (secrets masked), the prompt, the token count
/// and the routing inputs; the packet is recorded in the trace. No network. The language server
/// runs it on a blocking thread, away from the threads that answer the editor.
pub fn prepare(caller: &Caller, input: &JobInput<'_>) -> Prepared {
    let prepared = request_spec(caller, input);
    record_context(caller, &input.trace_id, input.path, &prepared.packet);
    prepared
}

/// What [`prepare`] builds, without recording anything: the request a job would send, so that
/// a code action's title, `switchboard routes --explain` and the job route on the same count.
pub fn request_spec(caller: &Caller, input: &JobInput<'_>) -> Prepared {
    let instruction = instruction_for(input);
    let packet = build_packet(&PacketInput {
        role: input.role,
        path: input.path,
        language_id: input.language_id,
        rope: input.rope,
        tree: input.tree,
        selection: input.selection.clone(),
        diagnostics: input.diagnostics,
        open_documents: input.open_documents,
        workspace: input.workspace,
        plan: input.plan,
        instruction: instruction.as_deref(),
        token_budget: packet_budget(caller, input),
        redact_secrets: caller.config().privacy.redact_secrets,
    });
    let render_for = |packet: &Packet| {
        render(
            input.role,
            packet,
            instruction.as_deref().unwrap_or(""),
            input.path,
            input.language_id,
            caller.templates(),
        )
    };
    let mut request = render_for(&packet);
    let image_note = input
        .image
        .map(|image| format!("The image is {}.", image.path));
    if let (Some(image), Some(note), Some(message)) =
        (input.image, &image_note, request.messages.last_mut())
    {
        message.parts.push(providers::Part::Text(note.clone()));
        message.parts.push(providers::Part::Image {
            media_type: image.media_type.clone(),
            data_base64: image.data_base64.clone(),
        });
    }
    // The sections were counted as they were fitted: with a built-in template, which holds
    // `{{context}}` once, only the frame around them is counted here, not the whole request
    // again (counting was a fifth of a job's CPU time); the sum is within a token per section
    // of a count of the whole. A template from `[prompts]` may repeat the context: it is
    // counted whole.
    let overridden = caller
        .config()
        .prompts
        .contains_key(TemplateKind::from(input.role).as_str());
    let input_tokens = if overridden {
        request_tokens(&request)
    } else {
        request_tokens(&render_for(&packet.frame()))
            + image_note.as_deref().map_or(0, router::count_o200k)
            + packet
                .sections
                .iter()
                .filter(|section| section.kind != SectionKind::Instruction)
                .map(|section| section.tokens)
                .sum::<u64>()
    };
    let spec = CallSpec {
        target: Target::Role(input.role),
        trace_id: input.trace_id.clone(),
        input_tokens,
        request,
        language: Some(input.language_id.to_string()),
        lines: selection_lines(input),
        complexity: complexity(input),
    };
    Prepared { packet, spec }
}

/// Records what the packet held (sizes, cuts, redactions) in the trace.
fn record_context(caller: &Caller, trace_id: &str, path: &str, packet: &Packet) {
    let Ok(ledger) = caller.ledger() else {
        return;
    };
    let detail = serde_json::json!({
        "path": path,
        "tokens": packet.tokens,
        "sections": packet.sections.iter().map(|s| serde_json::json!({
            "kind": s.kind, "tokens": s.tokens,
        })).collect::<Vec<_>>(),
        "cut": packet.cut,
        "redactions": packet.redactions,
    });
    if let Err(err) =
        ledger.record_trace_detail(trace_id, "context", &detail, jiff::Timestamp::now())
    {
        tracing::warn!("cannot record the context in the trace: {err}");
    }
}

/// Runs the job: [`prepare`], then [`answer`] with its reply read in place. `on_event` hears the
/// call's events; `cancelled` aborts it. `switchboard run` and `switchboard demo` run this.
///
/// # Errors
/// A [`CallError`] when no model answered (refused, failed, cancelled); a reply that answered
/// but cannot be used is `Ok` with `result: Err`.
pub async fn run(
    caller: &Caller,
    input: &JobInput<'_>,
    read_other: &(dyn Fn(&str) -> FileRead + Sync),
    on_event: impl FnMut(CallEvent<'_>) + Send,
    cancelled: impl Future<Output = ()> + Send + 'static,
) -> Result<JobDone, CallError> {
    let Prepared { packet, spec } = prepare(caller, input);
    let reader = InPlace {
        caller,
        input,
        read_other,
    };
    let (answer, result) = answer(caller, &spec, None, &reader, on_event, cancelled).await?;
    Ok(JobDone {
        answer,
        packet,
        result,
    })
}

/// A reply read, or why it could not be (a cancel while it was read).
pub type Read = Result<Result<JobResult, ReplyError>, CallError>;

/// Where a job's reply is read (the CPU-bound second half: [`interpret`], and
/// [`retry_result`] after a retry). `switchboard run` reads in place ([`InPlace`]); the language
/// server on a blocking thread, with the job's input rebuilt there from its snapshot, so that
/// reading a long reply never holds up the threads that answer the editor.
pub trait ReadReply {
    /// [`interpret`] of `text`.
    fn interpret(&self, text: String) -> impl Future<Output = Read> + Send;
    /// [`retry_result`] of `resent`, for the reply that failed with `failed`.
    fn retry_result(&self, failed: ReplyError, resent: String)
    -> impl Future<Output = Read> + Send;
}

/// Reads a reply where the job runs, from its input.
pub struct InPlace<'a> {
    pub caller: &'a Caller,
    pub input: &'a JobInput<'a>,
    pub read_other: &'a (dyn Fn(&str) -> FileRead + Sync),
}

impl ReadReply for InPlace<'_> {
    fn interpret(&self, text: String) -> impl Future<Output = Read> + Send {
        std::future::ready(Ok(interpret(
            self.caller,
            self.input,
            &text,
            self.read_other,
        )))
    }

    fn retry_result(
        &self,
        failed: ReplyError,
        resent: String,
    ) -> impl Future<Output = Read> + Send {
        std::future::ready(Ok(retry_result(
            self.caller,
            self.input,
            &failed,
            &resent,
            self.read_other,
        )))
    }
}

/// The one pipeline after the request is built: the routed call (on `decision` when the caller
/// already routed, as the language server does when a command arrives), the reply read by
/// `reader`, and, when it cannot be used as it stands, the one retry [`retry_spec`] allows,
/// read on top of it. Returns the answer (both calls' cost when there was a retry) and what the
/// reply gave. A review under `[review] fanout = N` asks N models at once and merges their
/// findings ([`crate::fanout`]).
///
/// # Errors
/// A [`CallError`] when no model answered, or on a cancel.
pub async fn answer(
    caller: &Caller,
    spec: &CallSpec,
    decision: Option<router::Decision>,
    reader: &impl ReadReply,
    mut on_event: impl FnMut(CallEvent<'_>) + Send,
    cancelled: impl Future<Output = ()> + Send + 'static,
) -> Result<(Answer, Result<JobResult, ReplyError>), CallError> {
    // Heard by the first call and by the retry, if there is one.
    let cancelled = cancelled.boxed().shared();
    let fanout = usize::try_from(caller.config().review.fanout).unwrap_or(1);
    if fanout > 1 && matches!(spec.target, Target::Role(Role::Review)) {
        return crate::fanout::review(caller, spec, decision, fanout, reader, on_event, cancelled)
            .await;
    }
    let answer = match decision {
        Some(decision) => {
            caller
                .call_decided(spec, decision, &mut on_event, cancelled.clone())
                .await?
        }
        None => caller.call(spec, &mut on_event, cancelled.clone()).await?,
    };
    let result = reader.interpret(answer.text.clone()).await?;
    // `[edits] retry_failed_blocks` and `on_syntax_error = "retry"`: asked once more, read on
    // top of what the first reply gave.
    let retry = result
        .as_ref()
        .err()
        .and_then(|failed| retry_spec(caller, spec, &answer, failed));
    match (retry, result) {
        (Some(again), Err(failed)) => {
            match call_again(caller, &again, &mut on_event, cancelled).await? {
                Some(second) => {
                    let result = reader.retry_result(failed, second.text.clone()).await?;
                    Ok((second.after(answer), result))
                }
                None => Ok((answer, Err(failed))),
            }
        }
        (_, result) => Ok((answer, result)),
    }
}

/// The request that asks the model that wrote `first_answer` once more, when its reply could
/// not be used as it stands: for the SEARCH/REPLACE blocks that failed (`[edits]
/// retry_failed_blocks`), naming each and why, or for an edit whose result does not parse
/// (`[edits] on_syntax_error = "retry"`, the default), quoting the error. The lines it quotes are
/// masked as the packet was. `None` when retrying is off or the failure is of another kind.
pub fn retry_spec(
    caller: &Caller,
    first: &CallSpec,
    first_answer: &Answer,
    failed: &ReplyError,
) -> Option<CallSpec> {
    let role = match &first.target {
        Target::Role(role) | Target::Model { role, .. } => *role,
    };
    if role != Role::Implement {
        return None;
    }
    let edits = caller.config().edits;
    let mut resend = match failed {
        ReplyError::Broken { problem, .. } if edits.on_syntax_error == OnSyntaxError::Retry => {
            broken_request(problem)
        }
        ReplyError::Broken { .. } => return None,
        _ if edits.retry_failed_blocks => failed.failed_blocks()?,
        _ => return None,
    };
    // The closest lines are quoted from the files, which the packet masked: so is this.
    if caller.config().privacy.redact_secrets {
        resend = mask_secrets(&resend).0;
    }
    let mut again = first.clone();
    // Routing again could pick a model that never wrote the edit it is told about.
    again.target = Target::Model {
        alias: first_answer.alias.clone(),
        role,
    };
    let messages = &mut again.request.messages;
    messages.push(providers::Message::assistant(&first_answer.text));
    messages.push(providers::Message::user(&resend));
    again.input_tokens += router::count_o200k(&first_answer.text) + router::count_o200k(&resend);
    Some(again)
}

/// What the model is told of an edit whose result does not parse.
fn broken_request(problem: &SyntaxProblem) -> String {
    format!(
        "Your edit was not applied: it leaves a syntax error in {} at line {} ({}):\n\n{:>5} | {}\n\n\
         Send the whole edit again, corrected, in the same form, against the file as it was \
         before your edit (none of it was applied).",
        problem.path, problem.line, problem.what, problem.line, problem.text
    )
}

/// Makes the call of a [`retry_spec`]. A retry that cannot be made (budget, provider down) is
/// `None`, so that the first answer's refusal, which says what failed, stands; a cancel is a
/// cancel.
///
/// # Errors
/// [`CallError::Cancelled`] only.
pub async fn call_again(
    caller: &Caller,
    again: &CallSpec,
    on_event: impl FnMut(CallEvent<'_>),
    cancelled: impl Future<Output = ()>,
) -> Result<Option<Answer>, CallError> {
    match caller.call(again, on_event, cancelled).await {
        Ok(second) => Ok(Some(second)),
        Err(CallError::Cancelled) => Err(CallError::Cancelled),
        Err(err) => {
            tracing::warn!("asking again for the failed blocks failed: {err}");
            Ok(None)
        }
    }
}

/// The edits of a reply whose blocks partly failed, with the failed ones taken from `resent`:
/// the blocks that applied first, then the resent blocks on top of them. Each change is from
/// the file as it was to its final text. A resent block that fails too refuses the whole, and
/// so does a resent answer without blocks (a whole replacement of the selection would land on
/// text the first blocks have already moved).
///
/// After an edit whose result did not parse, the resent answer is read afresh, against the
/// files as they were, and checked again: a second broken result is refused.
///
/// # Errors
/// What makes the resent blocks unusable; `failed` itself when it held no block failures.
pub fn retry_result(
    caller: &Caller,
    input: &JobInput<'_>,
    failed: &ReplyError,
    resent: &str,
    read_other: &dyn Fn(&str) -> FileRead,
) -> Result<JobResult, ReplyError> {
    if matches!(failed, ReplyError::Broken { .. }) {
        return interpret(caller, input, resent, read_other);
    }
    let Some(failures) = failed.block_failures() else {
        return Err(failed.clone());
    };
    if !resent.contains("<<<<<<< SEARCH") {
        return Err(ReplyError::Malformed {
            detail: "the blocks asked for again came back without SEARCH/REPLACE blocks, so \
                     nothing was applied: ask again for the failed blocks only"
                .to_string(),
        });
    }
    let applied = &failures.applied;
    let current = |path: &str| applied.iter().find(|change| change.path == path);
    let own = reply::normalize_path(input.path).unwrap_or_else(|| input.path.to_string());
    let file_text = match current(&own) {
        Some(change) => change.after.clone(),
        None => input.rope.to_string(),
    };
    let read_applied = |path: &str| match current(path) {
        Some(change) => FileRead::Text(change.after.clone()),
        None => read_other(path),
    };
    let edit = EditInput {
        path: input.path,
        file_text: &file_text,
        selection: input.selection.clone(),
    };
    let second = reply::apply_reply(resent, &edit, &read_applied)?;
    let mut changes: Vec<FileChange> = applied.clone();
    for change in second {
        match changes.iter_mut().find(|first| first.path == change.path) {
            Some(first) => first.after = change.after,
            None => changes.push(change),
        }
    }
    changes.retain(|change| change.before != change.after || change.created);
    checked(caller, &input.trace_id, changes).map(JobResult::Edits)
}

/// The changes, once each result is parsed: an edit that leaves a syntax error where the file
/// had none is refused, or let through with a warning under `[edits] on_syntax_error =
/// "apply"`. The outcome goes into the trace.
///
/// # Errors
/// [`ReplyError::Broken`] with the first new error.
pub fn checked(
    caller: &Caller,
    trace_id: &str,
    mut changes: Vec<FileChange>,
) -> Result<Vec<FileChange>, ReplyError> {
    let policy = caller.config().edits.on_syntax_error;
    let found: Vec<(usize, SyntaxProblem)> = changes
        .iter()
        .enumerate()
        .filter_map(|(i, change)| reply::syntax_problem(change).map(|problem| (i, problem)))
        .collect();
    let outcome = match (found.is_empty(), policy) {
        (true, _) => "parses",
        (false, OnSyntaxError::Apply) => "applied with a syntax error",
        (false, _) => "refused for a syntax error",
    };
    if let Ok(ledger) = caller.ledger() {
        let detail = serde_json::json!({
            "outcome": outcome,
            "files": changes.iter().map(|c| &c.path).collect::<Vec<_>>(),
            "errors": found.iter().map(|(_, p)| serde_json::json!({
                "path": p.path, "line": p.line, "what": p.what,
            })).collect::<Vec<_>>(),
        });
        if let Err(err) =
            ledger.record_trace_detail(trace_id, "syntax_check", &detail, jiff::Timestamp::now())
        {
            tracing::warn!("cannot record the syntax check in the trace: {err}");
        }
    }
    if policy == OnSyntaxError::Apply {
        for (i, problem) in found {
            changes[i].syntax_warning = Some(problem);
        }
        return Ok(changes);
    }
    match found.into_iter().next() {
        None => Ok(changes),
        Some((_, problem)) => Err(ReplyError::Broken { problem }),
    }
}

/// The reply as the role's result.
///
/// # Errors
/// What makes the reply unusable, from [`reply`].
pub fn interpret(
    caller: &Caller,
    input: &JobInput<'_>,
    text: &str,
    read_other: &dyn Fn(&str) -> FileRead,
) -> Result<JobResult, ReplyError> {
    match input.role {
        Role::Implement => {
            let file_text = input.rope.to_string();
            let edit = EditInput {
                path: input.path,
                file_text: &file_text,
                selection: input.selection.clone(),
            };
            let changes = reply::apply_reply(text, &edit, read_other)?;
            checked(caller, &input.trace_id, changes).map(JobResult::Edits)
        }
        Role::Review => {
            reply::parse_findings(text, file_lines(input.rope)).map(JobResult::Findings)
        }
        Role::Oracle => Ok(JobResult::Opinion {
            markdown: text.to_string(),
            // Concerns are optional: an opinion without its block is an opinion all the same.
            concerns: reply::parse_findings(text, file_lines(input.rope)).unwrap_or_default(),
        }),
        Role::Search | Role::Plan | Role::Vision | Role::Librarian => {
            Ok(JobResult::Answer(text.to_string()))
        }
    }
}

/// The lines of a file as findings count them: ropey counts the empty line after a final
/// newline, and a finding there is no line.
pub fn file_lines(rope: &Rope) -> usize {
    let mut lines = rope.len_lines();
    if rope.len_chars() > 0 && rope.char(rope.len_chars() - 1) == '\n' {
        lines -= 1;
    }
    lines
}

/// The packet's budget: what the role's first model can read besides its answer, at most
/// [`MAX_PACKET_TOKENS`].
fn packet_budget(caller: &Caller, input: &JobInput<'_>) -> u64 {
    let config = caller.config();
    config
        .roles
        .get(&input.role)
        .and_then(|list| list.first())
        .and_then(|alias| config.models.get(alias))
        .and_then(|model| {
            let window = model.context_window?;
            Some(window.saturating_sub(u64::from(model.max_output())))
        })
        .map_or(MAX_PACKET_TOKENS, |room| room.min(MAX_PACKET_TOKENS))
}

fn request_tokens(request: &providers::Request) -> u64 {
    let system = request.system.as_deref().map_or(0, router::count_o200k);
    system
        + request
            .messages
            .iter()
            .flat_map(|m| &m.parts)
            .map(|part| match part {
                providers::Part::Text(text) => router::count_o200k(text),
                _ => 0,
            })
            .sum::<u64>()
}

fn selection_lines(input: &JobInput<'_>) -> u32 {
    lines_of(input.rope, &input.selection)
}

/// How many lines the bytes `selection` of `rope` cover, as the router's rules count them: the
/// one count for a job and for a code action's title.
pub fn lines_of(rope: &Rope, selection: &Range<usize>) -> u32 {
    let (first, last) = line_span(rope, selection);
    u32::try_from(last - first + 1).unwrap_or(u32::MAX)
}

/// The first and last lines (0-based) that the bytes `selection` of `rope` cover.
pub fn line_span(rope: &Rope, selection: &Range<usize>) -> (usize, usize) {
    let first = rope.byte_to_line(selection.start.min(rope.len_bytes()));
    let mut last = rope.byte_to_line(selection.end.min(rope.len_bytes()));
    // A selection of whole lines ends at the start of the next one, which it does not hold.
    if last > first && rope.line_to_byte(last) == selection.end {
        last -= 1;
    }
    (first, last)
}

fn complexity(input: &JobInput<'_>) -> router::Complexity {
    if let Some(known) = input.complexity {
        return known;
    }
    input
        .tree
        .map(|tree| {
            let c = tree.complexity(input.selection.clone());
            router::Complexity {
                branches: c.branches,
                loops: c.loops,
                functions: c.functions,
            }
        })
        .unwrap_or_default()
}
