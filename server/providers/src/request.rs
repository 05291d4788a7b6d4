//! What a caller asks of a model (system prompt, messages with text and images, limits) and what comes back.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

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
    /// then each message as `message` builds it from its role name.
    pub(crate) fn chat_messages(
        &self,
        mut message: impl FnMut(&'static str, &Message) -> Value,
    ) -> Vec<Value> {
        let mut messages = Vec::with_capacity(self.messages.len() + 1);
        if let Some(system) = &self.system {
            messages.push(json!({"role": "system", "content": system}));
        }
        messages.extend(self.messages.iter().map(|m| message(m.role.as_str(), m)));
        messages
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

    /// The text parts joined with newlines; images are left out.
    pub fn text(&self) -> String {
        let texts: Vec<&str> = self
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                Part::Image { .. } => None,
            })
            .collect();
        texts.join("\n")
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
    /// It wants to call a tool (switchboard sends no tools, but a proxy may add some).
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
