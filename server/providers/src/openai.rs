//! OpenAI Chat Completions, and OpenAI-compatible servers on the same wire: request body
//! (`stream_options.include_usage`, `reasoning_effort`) and the SSE answer decoder.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::decode::{self, Finished, Stray, StreamDecoder};
use crate::error::{self, CallContext, ProviderError};
use crate::request::{FinishReason, Part, Request, Role};
use crate::settings::{ModelSettings, ProviderKind};
use crate::sse::{SseDecoder, SseItem};
use crate::usage::Usage;

/// Under the base URL, which carries the `/v1` as in the OpenAI SDK.
pub(crate) fn path() -> &'static str {
    "/chat/completions"
}

/// The JSON body. OpenAI itself takes `max_completion_tokens` (required by its reasoning
/// models); compatible servers get `max_tokens`, because Ollama's `/v1` and others ignore the
/// newer name. With reasoning on, `temperature` is left out: reasoning models reject it.
pub(crate) fn body(kind: ProviderKind, model: &ModelSettings, req: &Request) -> Value {
    let max_tokens = req
        .max_output_tokens
        .map_or(model.max_output_tokens, |m| m.min(model.max_output_tokens));
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if let Some(system) = &req.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    for m in &req.messages {
        let role = match m.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
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
        messages.push(json!({"role": role, "content": content}));
    }
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
    } else if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    if !req.stop.is_empty() {
        body["stop"] = json!(req.stop);
    }
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

pub(crate) struct Decoder {
    cx: CallContext,
    sse: SseDecoder,
    stray: Stray,
    usage: Option<WireUsage>,
    finish: Option<String>,
    done: bool,
    any_event: bool,
}

impl Decoder {
    pub(crate) fn new(cx: CallContext) -> Self {
        Decoder {
            cx,
            sse: SseDecoder::new(),
            stray: Stray::default(),
            usage: None,
            finish: None,
            done: false,
            any_event: false,
        }
    }

    fn on_event(&mut self, data: &str, out: &mut Vec<String>) -> Result<(), ProviderError> {
        self.any_event = true;
        if self.done {
            return Ok(());
        }
        if data.trim() == "[DONE]" {
            self.done = true;
            return Ok(());
        }
        let chunk: Chunk<'_> = decode::parse_json(&self.cx, data)?;
        if let Some(e) = chunk.error {
            return Err(error::mid_stream(
                &self.cx.provider,
                &error::error_from_value(&e),
            ));
        }
        if chunk.object.as_deref() == Some("error") {
            let whole: Value = decode::parse_json(&self.cx, data)?;
            return Err(error::mid_stream(
                &self.cx.provider,
                &error::error_from_value(&whole),
            ));
        }
        // The usage chunk comes last, with `choices: []`.
        for choice in chunk.choices {
            if let Some(t) = choice.delta.and_then(|d| d.content)
                && !t.is_empty()
            {
                out.push(t.into_owned());
            }
            if let Some(r) = choice.finish_reason {
                self.finish = Some(r.into_owned());
            }
        }
        if let Some(u) = chunk.usage {
            self.usage = Some(u);
        }
        Ok(())
    }

    fn finished(&self) -> Finished {
        Finished {
            finish_reason: self
                .finish
                .as_deref()
                .map_or(FinishReason::Other("none".to_string()), finish_reason),
            usage: self.usage.map(WireUsage::normalise).unwrap_or_default(),
        }
    }
}

impl StreamDecoder for Decoder {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<String>) -> Result<(), ProviderError> {
        let mut sse = std::mem::take(&mut self.sse);
        let result = sse.feed(chunk, |item| match item {
            SseItem::Event { data, .. } => self.on_event(data, out),
            SseItem::Stray(line) => {
                self.stray.push(line);
                Ok(())
            }
        });
        self.sse = sse;
        result
    }

    fn is_complete(&self) -> bool {
        self.done
    }

    fn finish(&mut self, out: &mut Vec<String>) -> Result<Finished, ProviderError> {
        let mut sse = std::mem::take(&mut self.sse);
        let result = sse.finish(|item| match item {
            SseItem::Event { data, .. } => self.on_event(data, out),
            SseItem::Stray(line) => {
                self.stray.push(line);
                Ok(())
            }
        });
        match result {
            Err(ProviderError::Malformed { .. }) => return Err(decode::truncated(&self.cx)),
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        if !self.any_event
            && let Some(e) = self.stray.error(&self.cx)
        {
            return Err(e);
        }
        if !self.done {
            return Err(decode::truncated(&self.cx));
        }
        Ok(self.finished())
    }

    fn whole_body(
        &mut self,
        body: &[u8],
        out: &mut Vec<String>,
    ) -> Result<Finished, ProviderError> {
        let text = String::from_utf8_lossy(body);
        let v: Value = decode::parse_json(&self.cx, &text)?;
        if let Some(e) = decode::whole_body_error(&self.cx, &v) {
            return Err(e);
        }
        if let Some(choice) = v.get("choices").and_then(|c| c.get(0)) {
            if let Some(t) = choice.pointer("/message/content").and_then(Value::as_str) {
                out.push(t.to_string());
            }
            self.finish = choice
                .get("finish_reason")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        self.usage = v
            .get("usage")
            .and_then(|u| serde_json::from_value(u.clone()).ok());
        self.done = true;
        Ok(self.finished())
    }
}
