//! switchboard's model providers: one streaming trait, one client per wire format (Anthropic,
//! OpenAI, OpenAI-compatible, Gemini, Ollama), retries, usage and cost, and a fake provider.
//!
//! A call is [`Provider::stream`]: text deltas and whole tool calls (when the request offers
//! [`Tool`]s), then one [`StreamEvent::Done`] with the finish reason, [`Usage`] and attempt count. A failure anywhere, including mid-stream on HTTP 200, is
//! a [`ProviderError`]; a partial answer is never a success. Dropping the stream aborts the
//! HTTP request at once. Nothing here knows LSP or documents.

use std::pin::Pin;

use futures::{Stream, StreamExt};

mod anthropic;
mod client;
pub mod decode;
mod error;
pub mod fake;
mod gemini;
mod ollama;
mod openai;
mod request;
pub mod retry;
mod secret;
mod settings;
pub mod sse;
mod tool;
mod usage;

pub use client::{HttpProvider, client_for};
pub use error::{CallContext, ProviderError, TimeoutPhase};
pub use request::{Effort, FinishReason, Message, Outcome, Part, Request, Role, StreamEvent};
pub use retry::Backoff;
pub use secret::{ApiKey, ApiKeySource};
pub use settings::{ModelSettings, ProviderKind, ProviderSettings};
pub use tool::{Tool, ToolCall, ToolResult};
pub use usage::{Price, Usage, cost_usd};

/// An answer in progress: [`StreamEvent::Text`] deltas and [`StreamEvent::ToolCall`]s, then
/// exactly one [`StreamEvent::Done`], or an error (after which the stream ends). Drop it to
/// cancel the call.
pub type ChatStream = Pin<Box<dyn Stream<Item = Result<StreamEvent, ProviderError>> + Send>>;

/// A model provider behind one wire format.
pub trait Provider: Send + Sync {
    fn settings(&self) -> &ProviderSettings;

    /// Starts a call. Nothing is sent until the stream is first polled.
    fn stream(&self, model: &ModelSettings, request: &Request) -> ChatStream;
}

/// A whole answer: its text, the tools it called, and how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub outcome: Outcome,
}

/// Runs a stream to its end: the whole text and the outcome (tool calls, if any, are left
/// out; see [`collect_answer`]).
///
/// # Errors
/// The stream's error; the text received before it is dropped.
pub async fn collect(stream: ChatStream) -> Result<(String, Outcome), ProviderError> {
    let answer = collect_answer(stream).await?;
    Ok((answer.text, answer.outcome))
}

/// Runs a stream to its end: the whole text, the tool calls in order, and the outcome.
///
/// # Errors
/// The stream's error; what was received before it is dropped.
pub async fn collect_answer(mut stream: ChatStream) -> Result<Answer, ProviderError> {
    let mut text = String::new();
    let mut tool_calls = Vec::new();
    while let Some(item) = stream.next().await {
        match item? {
            StreamEvent::Text(t) => text.push_str(&t),
            StreamEvent::ToolCall(call) => tool_calls.push(call),
            StreamEvent::Done(outcome) => {
                return Ok(Answer {
                    text,
                    tool_calls,
                    outcome,
                });
            }
        }
    }
    // The client always ends with Done or an error; a stream that does not is a bug upstream.
    Err(ProviderError::Truncated {
        provider: "unknown".to_string(),
    })
}
