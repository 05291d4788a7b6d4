//! Tool use (function calling), provider-neutral: the tools a request offers, the calls a model
//! makes, the results sent back, and the pieces every wire's decoder shares to assemble a call.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{self, CallContext, ProviderError};

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    /// What the tool does and when to use it; the model reads this to decide.
    pub description: String,
    /// The arguments' JSON Schema (an `object` schema).
    pub parameters: Value,
}

impl Tool {
    pub fn new(name: impl Into<String>, description: impl Into<String>, parameters: Value) -> Self {
        Tool {
            name: name.into(),
            description: description.into(),
            parameters,
        }
    }
}

/// A model's request to run a tool, complete (its arguments whole and parsed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The provider's id for the call; a [`ToolResult`] names it. Gemini and Ollama may send
    /// none, and then the client makes one up (unique per call).
    pub id: String,
    pub name: String,
    pub arguments: Value,
    /// Gemini's `thoughtSignature` on the call, which must go back with it in the next request
    /// (Gemini 3 refuses a history without it). Other wires have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl ToolCall {
    pub fn new(id: impl Into<String>, name: impl Into<String>, arguments: Value) -> Self {
        ToolCall {
            id: id.into(),
            name: name.into(),
            arguments,
            signature: None,
        }
    }
}

/// The outcome of running a tool, sent back to the model in a user message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolResult {
    /// The [`ToolCall::id`] this answers.
    pub id: String,
    pub content: String,
    /// The tool failed and `content` says why. Anthropic (`is_error`) and Gemini (`error`) carry
    /// the flag; the chat wires (OpenAI, Ollama) have none, so there the content must say it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
}

impl ToolResult {
    pub fn new(id: impl Into<String>, content: impl Into<String>) -> Self {
        ToolResult {
            id: id.into(),
            content: content.into(),
            is_error: false,
        }
    }

    pub fn error(id: impl Into<String>, content: impl Into<String>) -> Self {
        ToolResult {
            is_error: true,
            ..ToolResult::new(id, content)
        }
    }
}

/// Ids the client made up for calls that came without one begin with this, so they are never
/// sent back to a wire (Gemini) as if the provider had issued them.
pub(crate) const MADE_UP_ID: &str = "switchboard-call-";

/// Makes up call ids for one answer: random per answer, so ids stay unique across the turns of
/// a conversation, and numbered within it.
pub(crate) struct IdMaker {
    answer: u32,
    next: u32,
}

impl Default for IdMaker {
    fn default() -> Self {
        IdMaker {
            answer: rand::random(),
            next: 0,
        }
    }
}

impl IdMaker {
    /// `id` if the wire gave a non-empty one, else a new made-up one.
    pub(crate) fn id_or_new(&mut self, id: Option<String>) -> String {
        match id.filter(|i| !i.is_empty()) {
            Some(id) => id,
            None => {
                self.next += 1;
                format!("{MADE_UP_ID}{:08x}-{}", self.answer, self.next)
            }
        }
    }
}

/// Parses a call's arguments sent as JSON text (OpenAI's string, Anthropic's `partial_json`
/// pieces joined). Empty text is no arguments: `{}`.
///
/// # Errors
/// [`ProviderError::ToolArguments`] when the text is not JSON (cut short or garbled).
pub(crate) fn parse_arguments(
    cx: &CallContext,
    id: &str,
    name: &str,
    text: &str,
) -> Result<Value, ProviderError> {
    if text.trim().is_empty() {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_str(text).map_err(|e| ProviderError::ToolArguments {
        provider: cx.provider.clone(),
        tool: name.to_string(),
        id: id.to_string(),
        message: format!("{e}; they begin: {}", error::truncate_message(text)),
    })
}

/// Arguments sent as a JSON value (Gemini, Ollama). Some servers put a JSON string there
/// instead of an object; it is parsed as OpenAI's would be. A missing value is `{}`.
///
/// # Errors
/// As [`parse_arguments`], for a string that is not JSON.
pub(crate) fn arguments_value(
    cx: &CallContext,
    id: &str,
    name: &str,
    value: Option<Value>,
) -> Result<Value, ProviderError> {
    match value {
        None | Some(Value::Null) => Ok(Value::Object(serde_json::Map::new())),
        Some(Value::String(text)) => parse_arguments(cx, id, name, &text),
        Some(v) => Ok(v),
    }
}

/// A call whose arguments are still arriving as JSON text in pieces.
#[derive(Debug, Default)]
pub(crate) struct Partial {
    pub id: Option<String>,
    pub name: String,
    pub arguments: String,
}

impl Partial {
    /// The whole call, once its last piece has come.
    ///
    /// # Errors
    /// As [`parse_arguments`].
    pub(crate) fn finish(
        self,
        cx: &CallContext,
        ids: &mut IdMaker,
    ) -> Result<ToolCall, ProviderError> {
        let id = ids.id_or_new(self.id);
        let arguments = parse_arguments(cx, &id, &self.name, &self.arguments)?;
        Ok(ToolCall {
            id,
            name: self.name,
            arguments,
            signature: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::ProviderKind;

    #[test]
    fn made_up_ids_are_unique_and_marked() {
        let mut a = IdMaker::default();
        let first = a.id_or_new(None);
        let second = a.id_or_new(Some(String::new()));
        assert!(first.starts_with(MADE_UP_ID) && second.starts_with(MADE_UP_ID));
        assert_ne!(first, second);
        assert_eq!(a.id_or_new(Some("call_1".into())), "call_1");
    }

    #[test]
    fn arguments_as_text_or_value() {
        let cx = CallContext::new(ProviderKind::OpenAi, "m");
        assert_eq!(
            parse_arguments(&cx, "c", "t", " ").ok(),
            Some(serde_json::json!({}))
        );
        assert_eq!(
            arguments_value(&cx, "c", "t", Some(Value::String("{\"a\":1}".into()))).ok(),
            Some(serde_json::json!({"a": 1}))
        );
        let e = parse_arguments(&cx, "call_9", "grep", "{\"pattern\": \"ret");
        match e {
            Err(ProviderError::ToolArguments {
                tool, id, message, ..
            }) => {
                assert_eq!((tool.as_str(), id.as_str()), ("grep", "call_9"));
                assert!(message.contains("{\"pattern\": \"ret"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
