//! What a caller asks of a model (system prompt, messages with text, images, tool calls and
//! results, the tools offered, limits) and what comes back.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::tool::{Tool, ToolCall, ToolResult};
use crate::usage::Usage;

/// One call to a model. Provider-neutral: each client maps it onto its own wire format.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The system prompt (Anthropic `system`, OpenAI `system` message, Gemini `systemInstruction`).
    pub system: Option<String>,
    pub messages: Vec<Message>,
    /// Caps the answer below the model's `max_output_tokens`; `None` uses the model's.
    pub max_output_tokens: Option<u32>,
    pub temperature: Option<f32>,
    pub stop: Vec<String>,
    /// How many leading messages are the same from call to call (besides the system prompt), so
    /// a provider with explicit prompt caching (Anthropic) can mark the end of that prefix.
    pub stable_prefix: usize,
    /// Tools the model may call; none by default, and then no tool appears on the wire.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
}

impl Request {
    /// A request with one user message of plain text.
    pub fn user(text: impl Into<String>) -> Self {
        Request {
            messages: vec![Message::user(text)],
            ..Request::default()
        }
    }

    /// The text of the last user message (all its text parts joined), or "" if there is none.
    pub fn last_user_text(&self) -> String {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(Message::text)
            .unwrap_or_default()
    }

    /// Puts `temperature` (unless `with_temperature` is false) and the stop sequences, under
    /// the wire's own key `stop_key`, into `target`.
    pub(crate) fn put_sampling(&self, target: &mut Value, with_temperature: bool, stop_key: &str) {
        if with_temperature && let Some(t) = self.temperature {
            target["temperature"] = json!(t);
        }
        if !self.stop.is_empty() {
            target[stop_key] = json!(self.stop);
        }
    }

    /// Chat-style messages (OpenAI, Ollama): the system prompt as a leading `system` message,
    /// then each message as `message` builds it from its role name. Tool results come first,
    /// each as its own `role: "tool"` message built by `result` (given the called tool's name);
    /// the rest of a message follows, unless nothing is left of it.
    pub(crate) fn chat_messages(
        &self,
        mut message: impl FnMut(&'static str, &Message) -> Value,
        mut result: impl FnMut(&ToolResult, &str) -> Value,
    ) -> Vec<Value> {
        let mut messages = Vec::with_capacity(self.messages.len() + 1);
        if let Some(system) = &self.system {
            messages.push(json!({"role": "system", "content": system}));
        }
        for (i, m) in self.messages.iter().enumerate() {
            let (results, rest): (Vec<&Part>, Vec<&Part>) = m
                .parts
                .iter()
                .partition(|p| matches!(p, Part::ToolResult(_)));
            for p in results {
                if let Part::ToolResult(r) = p {
                    messages.push(result(r, self.tool_name(i, &r.id)));
                }
            }
            if !rest.is_empty() || m.parts.is_empty() {
                let rest = Message {
                    role: m.role,
                    parts: rest.into_iter().cloned().collect(),
                };
                messages.push(message(m.role.as_str(), &rest));
            }
        }
        messages
    }

    /// The name of the tool called as `id`, looked up in the calls before message `before`
    /// (the nearest first): Gemini and Ollama answer a call by the tool's name. An unknown id
    /// stands for itself.
    pub(crate) fn tool_name<'a>(&'a self, before: usize, id: &'a str) -> &'a str {
        self.messages[..before.min(self.messages.len())]
            .iter()
            .rev()
            .flat_map(|m| &m.parts)
            .find_map(|p| match p {
                Part::ToolCall(c) if c.id == id => Some(c.name.as_str()),
                _ => None,
            })
            .unwrap_or(id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    /// The role's name on the Anthropic, OpenAI and Ollama wires (Gemini calls the assistant
    /// `model`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub parts: Vec<Part>,
}

impl Message {
    pub fn user(text: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            parts: vec![Part::Text(text.into())],
        }
    }

    pub fn assistant(text: impl Into<String>) -> Self {
        Message {
            role: Role::Assistant,
            parts: vec![Part::Text(text.into())],
        }
    }

    /// The model's turn that called tools: its text (left out when empty), then the calls, as
    /// they came. It goes back in the next request, before the results.
    pub fn assistant_with_calls(
        text: impl Into<String>,
        calls: impl IntoIterator<Item = ToolCall>,
    ) -> Self {
        let text = text.into();
        let mut parts: Vec<Part> = Vec::new();
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        parts.extend(calls.into_iter().map(Part::ToolCall));
        Message {
            role: Role::Assistant,
            parts,
        }
    }

    /// The user's turn carrying the results of the calls the model made.
    pub fn tool_results(results: impl IntoIterator<Item = ToolResult>) -> Self {
        Message {
            role: Role::User,
            parts: results.into_iter().map(Part::ToolResult).collect(),
        }
    }

    /// The text parts joined with newlines; images, tool calls and results are left out.
    pub fn text(&self) -> String {
        let texts: Vec<&str> = self
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                Part::Image { .. } | Part::ToolCall(_) | Part::ToolResult(_) => None,
            })
            .collect();
        texts.join("\n")
    }

    /// The tool calls in this message, in order.
    pub fn calls(&self) -> impl Iterator<Item = &ToolCall> {
        self.parts.iter().filter_map(|p| match p {
            Part::ToolCall(c) => Some(c),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Part {
    Text(String),
    /// An image inline, already base64-encoded (standard alphabet, padded).
    Image {
        media_type: String,
        data_base64: String,
    },
    /// A call the model made (in an assistant message), sent back as it came.
    ToolCall(ToolCall),
    /// The result of a call (in a user message).
    ToolResult(ToolResult),
}

/// How hard a model should think before answering, mapped to each provider's own control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effort {
    Low,
    Medium,
    High,
}

impl Effort {
    pub fn as_str(self) -> &'static str {
        match self {
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
        }
    }

    /// The thinking-token budget used where a provider wants a number (Anthropic, Gemini 2.5).
    /// Anthropic's minimum is 1024.
    pub fn thinking_budget(self) -> u32 {
        match self {
            Effort::Low => 2048,
            Effort::Medium => 8192,
            Effort::High => 24576,
        }
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// It finished its answer.
    Stop,
    /// It hit the output token limit: the answer is cut short.
    Length,
    /// It produced one of the request's stop sequences.
    StopSequence,
    /// It called tools ([`StreamEvent::ToolCall`]) and waits for their results. Gemini and
    /// Ollama say `STOP`/`stop` here; their clients report `ToolUse` when calls were made.
    ToolUse,
    /// The provider's safety filter stopped it.
    ContentFilter,
    /// Anything else, with the provider's own word for it.
    Other(String),
}

/// One item of a model's answer stream.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// A piece of the answer's text, in order.
    Text(String),
    /// A tool call, once its arguments are whole (it may come before, after or between text).
    ToolCall(ToolCall),
    /// The last item: the answer is complete.
    Done(Outcome),
}

/// How a completed call ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub finish_reason: FinishReason,
    pub usage: Usage,
    /// HTTP attempts made, 1 when the first one succeeded.
    pub attempts: u32,
    /// `cost_usd(price, usage)` when the model has a price.
    pub cost_usd: Option<f64>,
}
