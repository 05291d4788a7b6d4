//! OpenAI Chat Completions, and OpenAI-compatible servers on the same wire: request body
//! (`stream_options.include_usage`, `reasoning_effort`) and the SSE answer decoder.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::decode::{self, Ending, Finished, SseEvents};
use crate::error::{CallContext, ProviderError};
use crate::request::{FinishReason, Part, Request};
use crate::settings::{ModelSettings, ProviderKind};
use crate::usage::Usage;

/// Under the base URL, which carries the `/v1` as in the OpenAI SDK.
pub(crate) fn path() -> &'static str {
    "/chat/completions"
}

/// The JSON body. OpenAI itself takes `max_completion_tokens` (required by its reasoning
/// models); compatible servers get `max_tokens`, because Ollama's `/v1` and others ignore the
/// newer name. With reasoning on, `temperature` is left out: reasoning models reject it.
pub(crate) fn body(kind: ProviderKind, model: &ModelSettings, req: &Request) -> Value {
    let max_tokens = model.max_tokens(req);
    let messages = req.chat_messages(|role, m| {
        let content = match m.parts.as_slice() {
            // Plain string content is what every compatible server understands.
            [Part::Text(t)] => json!(t),
            parts => Value::Array(
                parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => json!({"type": "text", "text": t}),
                        Part::Image {
                            media_type,
                            data_base64,
                        } => json!({"type": "image_url", "image_url": {
                            "url": format!("data:{media_type};base64,{data_base64}")}}),
                    })
                    .collect(),
            ),
        };
        json!({"role": role, "content": content})
    });
    let mut body = json!({
        "model": model.name,
        "messages": messages,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    let max_key = match kind {
        ProviderKind::OpenAi => "max_completion_tokens",
        _ => "max_tokens",
    };
    body[max_key] = json!(max_tokens);
    if let Some(effort) = model.reasoning {
        body["reasoning_effort"] = json!(effort.as_str());
    }
    req.put_sampling(&mut body, model.reasoning.is_none(), "stop");
    body
}

#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(borrow, default)]
    choices: Vec<Choice<'a>>,
    usage: Option<WireUsage>,
    error: Option<Value>,
    /// vLLM reports errors as a whole object `{"object": "error", "message", "type", "code"}`.
    #[serde(borrow)]
    object: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Choice<'a> {
    #[serde(borrow)]
    delta: Option<Delta<'a>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
}

/// OpenAI's counts: `prompt_tokens` includes cached tokens, `completion_tokens` includes
/// reasoning tokens.
#[derive(Deserialize, Clone, Copy)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    prompt_tokens_details: Option<PromptDetails>,
}

#[derive(Deserialize, Clone, Copy)]
struct PromptDetails {
    cached_tokens: Option<u64>,
}

impl WireUsage {
    fn normalise(self) -> Usage {
        Usage {
            input: self.prompt_tokens,
            output: self.completion_tokens,
            cached_input: self
                .prompt_tokens_details
                .and_then(|d| d.cached_tokens)
                .unwrap_or(0),
            cache_write: 0,
        }
    }
}

fn finish_reason(reason: &str) -> FinishReason {
    match reason {
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        "tool_calls" | "function_call" => FinishReason::ToolUse,
        "content_filter" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_string()),
    }
}

/// OpenAI's chunks; the SSE around them is [`decode::Sse`]'s.
#[derive(Default)]
pub(crate) struct Events {
    usage: Option<WireUsage>,
    end: Ending,
}

impl SseEvents for Events {
    fn on_event(
        &mut self,
        cx: &CallContext,
        data: &str,
        out: &mut Vec<String>,
    ) -> Result<(), ProviderError> {
        if data.trim() == "[DONE]" {
            self.end.complete = true;
            return Ok(());
        }
        let chunk: Chunk<'_> = decode::parse_json(cx, data)?;
        if let Some(e) = chunk.error {
            return Err(decode::stream_error(cx, &e));
        }
        if chunk.object.as_deref() == Some("error") {
            let whole: Value = decode::parse_json(cx, data)?;
            return Err(decode::stream_error(cx, &whole));
        }
        // The usage chunk comes last, with `choices: []`.
        for choice in chunk.choices {
            if let Some(t) = choice.delta.and_then(|d| d.content)
                && !t.is_empty()
            {
                out.push(t.into_owned());
            }
            if let Some(r) = choice.finish_reason {
                self.end.reason = Some(r.into_owned());
            }
        }
        if let Some(u) = chunk.usage {
            self.usage = Some(u);
        }
        Ok(())
    }

    fn is_complete(&self) -> bool {
        self.end.complete
    }

    fn finished(&self, cx: &CallContext) -> Result<Finished, ProviderError> {
        let usage = self.usage.map(WireUsage::normalise).unwrap_or_default();
        self.end.finished(cx, finish_reason, usage)
    }

    fn whole_body(
        &mut self,
        cx: &CallContext,
        v: Value,
        out: &mut Vec<String>,
    ) -> Result<Finished, ProviderError> {
        if let Some(choice) = v.get("choices").and_then(|c| c.get(0)) {
            if let Some(t) = choice.pointer("/message/content").and_then(Value::as_str) {
                out.push(t.to_string());
            }
            self.end.reason = choice
                .get("finish_reason")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        self.usage = v
            .get("usage")
            .and_then(|u| serde_json::from_value(u.clone()).ok());
        self.end.complete = true;
        self.finished(cx)
    }
}
