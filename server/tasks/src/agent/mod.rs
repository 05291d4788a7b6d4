//! The search role as a bounded agent: the model asks for tools over the workspace (`grep`,
//! `read`, `outline`, `definition`, `references`; see [`tools`]) step by step until it answers,
//! or a limit stops it (steps, dollars), and then what it found is the answer, marked partial.
//! Each step is one routed, budgeted call (reserved in the ledger like any other) and a detail
//! in the trace; a cancel stops the call in flight.

pub mod library;
pub mod tools;

use std::future::Future;
use std::sync::Arc;

use futures::FutureExt;
use providers::{Message, ToolCall, ToolResult};

use crate::call::{Answer, CallError, CallEvent, CallSpec, Caller};
use tools::{StepSummary, WorkspaceTools};

/// What the agent is told before the question.
pub const SYSTEM: &str = "You are the search model of switchboard, a language server. You answer a programmer's question about their workspace by looking at it with the tools you are given: grep to find where words and patterns are, read to read the lines around a hit, outline for a file's signatures, definition and references for a name. Look before you answer; a few well-aimed steps beat many. When you know, answer in markdown, short and exact, and cite every place you rely on as path:line or path:start-end (workspace-relative, as the tools show them).";

/// What the librarian is told before the question: the same agent, over the dependencies.
pub const LIBRARIAN: &str = "You are the librarian of switchboard, a language server. You answer a programmer's question about the libraries their workspace depends on by reading those libraries' sources with the tools you are given: libraries to list them (name@version), grep to find where words and patterns are, read to read the lines around a hit, outline for a file's signatures, definition and references for a name. Paths are name@version/path. Look before you answer; a few well-aimed steps beat many. When you know, answer in markdown, short and exact, with how to use what you found, and cite every place you rely on as name@version/path:line or name@version/path:start-end, as the tools show them.";

/// Where the tools run. A grep over a large workspace, or over every dependency, takes a while:
/// the language server runs them on a blocking thread, away from the threads that answer the
/// editor; `switchboard run` in place ([`InPlace`]).
pub trait RunTools {
    /// [`WorkspaceTools::run`] of `call`.
    fn run(
        &self,
        tools: &Arc<WorkspaceTools>,
        call: ToolCall,
    ) -> impl Future<Output = (ToolResult, StepSummary)> + Send;
}

/// Runs the tools where the agent runs.
pub struct InPlace;

impl RunTools for InPlace {
    fn run(
        &self,
        tools: &Arc<WorkspaceTools>,
        call: ToolCall,
    ) -> impl Future<Output = (ToolResult, StepSummary)> + Send {
        std::future::ready(tools.run(&call))
    }
}

/// When the agent stops without an answer of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Tool rounds at most (default 8).
    pub max_steps: usize,
    /// Dollars the calls may cost in all; `None`: only the budget caps of the config.
    pub max_usd: Option<f64>,
    /// Tokens (in and out, as the providers reported them) the calls may use in all.
    pub max_tokens: Option<u64>,
}

impl From<router::Agent> for Limits {
    /// The limits `[agent]` sets.
    fn from(agent: router::Agent) -> Limits {
        Limits {
            max_steps: usize::try_from(agent.max_steps).unwrap_or(usize::MAX),
            max_usd: agent.max_usd,
            max_tokens: agent.max_tokens,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 8,
            max_usd: None,
            max_tokens: None,
        }
    }
}

/// What the agent gave.
#[derive(Debug, Clone)]
pub struct AgentAnswer {
    /// The answer; when partial, what the steps found, marked as such.
    pub markdown: String,
    pub steps: Vec<StepSummary>,
    /// Why the agent stopped before the model answered (the step or dollar limit).
    pub partial: Option<String>,
    /// What every call cost.
    pub cost_usd: f64,
    /// The model of the last call.
    pub alias: String,
    pub calls: usize,
    /// The last call's answer, with every call's cost and attempts (see [`Answer::after`]).
    pub last: Option<Answer>,
}

/// What happens while the agent works, in order.
#[derive(Debug)]
pub enum AgentEvent<'a> {
    /// A call's own events.
    Call(CallEvent<'a>),
    /// A tool ran (1-based step number).
    Step(usize, &'a StepSummary),
}

/// Answers `question` with the workspace `tools` (run by `runner`), within `limits`. `base` is
/// the search request (its target, trace and routing inputs; its messages are replaced).
///
/// # Errors
/// A [`CallError`] when a call fails, is refused (budget) before any step ran, or on a cancel.
/// A budget refusal after some steps ends the agent with a partial answer instead.
pub async fn search(
    caller: &Caller,
    base: &CallSpec,
    question: &str,
    (tools, runner): (&Arc<WorkspaceTools>, &impl RunTools),
    limits: &Limits,
    mut on_event: impl FnMut(AgentEvent<'_>) + Send,
    cancelled: impl Future<Output = ()> + Send + 'static,
) -> Result<AgentAnswer, CallError> {
    let cancelled = cancelled.boxed().shared();
    let mut spec = base.clone();
    let system = if tools.libraries.is_some() {
        LIBRARIAN
    } else {
        SYSTEM
    };
    spec.request.system = Some(system.to_owned());
    spec.request.tools = tools.offer();
    spec.request.messages = vec![Message::user(question)];
    let mut steps = Vec::new();
    let (mut cost, mut calls, mut alias) = (0.0, 0usize, String::new());
    let mut tokens = 0u64;
    let mut last_text = String::new();
    let mut last: Option<Answer> = None;
    let stopped = loop {
        if let Some(max) = limits.max_usd
            && cost >= max
        {
            break format!("its ${max:.4} limit was reached");
        }
        if let Some(max) = limits.max_tokens
            && tokens >= max
        {
            break format!("its limit of {max} tokens was reached ({tokens} used)");
        }
        let answer = match caller
            .call(
                &spec,
                |event| on_event(AgentEvent::Call(event)),
                cancelled.clone(),
            )
            .await
        {
            Ok(answer) => answer,
            Err(CallError::Refused(why)) if !steps.is_empty() => {
                break format!("the next step was refused: {why}");
            }
            Err(err) => return Err(err),
        };
        calls += 1;
        cost += answer.cost_usd;
        tokens += answer.outcome.usage.input + answer.outcome.usage.output;
        alias.clone_from(&answer.alias);
        let answer = match last.take() {
            Some(before) => answer.after(before),
            None => answer,
        };
        if answer.tool_calls.is_empty() {
            return Ok(AgentAnswer {
                markdown: answer.text.clone(),
                steps,
                partial: None,
                cost_usd: cost,
                alias,
                calls,
                last: Some(answer),
            });
        }
        if !answer.text.trim().is_empty() {
            last_text.clone_from(&answer.text);
        }
        if steps.len() >= limits.max_steps {
            // Its cost is the agent's all the same.
            last = Some(answer);
            break format!(
                "its limit of {} step{} was reached",
                limits.max_steps,
                if limits.max_steps == 1 { "" } else { "s" }
            );
        }
        let mut results: Vec<ToolResult> = Vec::new();
        for call in &answer.tool_calls {
            // A cancel between tools stops before the next one (a grep over every dependency
            // takes a moment).
            if cancelled.clone().now_or_never().is_some() {
                return Err(CallError::Cancelled);
            }
            let (result, summary) = runner.run(tools, call.clone()).await;
            steps.push(summary);
            let summary = steps.last().expect("just pushed");
            on_event(AgentEvent::Step(steps.len(), summary));
            record_step(caller, &spec.trace_id, steps.len(), summary);
            results.push(result);
        }
        // The next request carries this answer and what the tools gave: it is counted, so that
        // the next step's worst case (reserved in the ledger, held to the caps) is its own.
        spec.input_tokens += router::count_o200k(&answer.text)
            + answer
                .tool_calls
                .iter()
                .map(|call| router::count_o200k(&call.arguments.to_string()))
                .sum::<u64>()
            + results
                .iter()
                .map(|result| router::count_o200k(&result.content))
                .sum::<u64>();
        spec.request.messages.push(Message::assistant_with_calls(
            answer.text.clone(),
            answer.tool_calls.clone(),
        ));
        spec.request.messages.push(Message::tool_results(results));
        last = Some(answer);
    };
    Ok(AgentAnswer {
        markdown: partial_answer(&stopped, &last_text, &steps),
        steps,
        partial: Some(stopped),
        cost_usd: cost,
        alias,
        calls,
        last,
    })
}

/// An answer made of what the steps found, marked partial, with why the agent stopped.
fn partial_answer(stopped: &str, last_text: &str, steps: &[StepSummary]) -> String {
    let mut out = format!(
        "**Partial answer**: the search stopped before the model answered ({stopped}).\n\n"
    );
    if !last_text.trim().is_empty() {
        out.push_str(last_text.trim());
        out.push_str("\n\n");
    }
    out.push_str("What the steps found:\n\n");
    for step in steps {
        out.push_str(&format!(
            "- {} {} → {}\n",
            step.tool, step.call, step.result
        ));
    }
    out
}

fn record_step(caller: &Caller, trace_id: &str, step: usize, summary: &StepSummary) {
    let Ok(ledger) = caller.ledger() else {
        return;
    };
    let detail = serde_json::json!({ "step": step, "tool": summary.tool, "call": summary.call, "result": summary.result });
    if let Err(err) =
        ledger.record_trace_detail(trace_id, "agent_step", &detail, jiff::Timestamp::now())
    {
        tracing::warn!("cannot record an agent step in the trace: {err}");
    }
}
