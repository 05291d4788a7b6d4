//! Anthropic Messages API: request body (top-level `system`, required `max_tokens`, extended
//! thinking, `cache_control`) and the SSE answer decoder.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::decode::{self, Ending, Finished, SseEvents};
use crate::error::{CallContext, ProviderError};
use crate::request::{FinishReason, Part, Request};
use crate::settings::ModelSettings;
use crate::usage::Usage;

/// The API version every request names; this decoder follows its event shapes.
pub(crate) const VERSION: &str = "2023-06-01";

pub(crate) fn path() -> &'static str {
    "/v1/messages"
}

/// The JSON body. With reasoning on, the thinking budget is added to `max_tokens` (which
/// Anthropic counts thinking against) so the visible answer keeps its full allowance, and
/// `temperature` is left out (the API rejects any but 1 with thinking).
pub(crate) fn body(model: &ModelSettings, req: &Request) -> Value {
    let max_tokens = model.max_tokens(req);
    let cache = model.prompt_cache;
    let messages: Vec<Value> = req
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut content: Vec<Value> = m
                .parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => json!({"type": "text", "text": t}),
                    Part::Image {
                        media_type,
                        data_base64,
                    } => json!({"type": "image", "source": {
                        "type": "base64", "media_type": media_type, "data": data_base64}}),
                })
                .collect();
            // The end of the stable prefix is a cache breakpoint: everything before it is
            // written to the cache once and read back at a tenth of the price afterwards.
            if cache
                && req.stable_prefix > 0
                && i + 1 == req.stable_prefix
                && let Some(Value::Object(last)) = content.last_mut()
            {
                last.insert("cache_control".into(), json!({"type": "ephemeral"}));
            }
            json!({"role": m.role.as_str(), "content": content})
        })
        .collect();
    let mut body = json!({
        "model": model.name,
        "max_tokens": max_tokens,
        "messages": messages,
        "stream": true,
    });
    if let Some(system) = &req.system {
        let mut block = json!({"type": "text", "text": system});
        if cache {
            block["cache_control"] = json!({"type": "ephemeral"});
        }
        body["system"] = json!([block]);
    }
    if let Some(effort) = model.reasoning {
        let budget = effort.thinking_budget();
        body["max_tokens"] = json!(max_tokens.saturating_add(budget));
        body["thinking"] = json!({"type": "enabled", "budget_tokens": budget});
    }
    req.put_sampling(&mut body, model.reasoning.is_none(), "stop_sequences");
    body
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    message: Option<MessageStart>,
    #[serde(borrow)]
    content_block: Option<Block<'a>>,
    #[serde(borrow)]
    delta: Option<Delta<'a>>,
    usage: Option<WireUsage>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct MessageStart {
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct Block<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(rename = "type", borrow, default)]
    ty: Option<Cow<'a, str>>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    stop_reason: Option<String>,
}

/// Anthropic's counts: `input_tokens` excludes cache reads and writes.
#[derive(Deserialize, Default, Clone, Copy)]
struct WireUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
}

impl WireUsage {
    /// Later counts win field by field: `message_delta` usage is cumulative and may omit fields.
    fn merge(&mut self, later: WireUsage) {
        self.input_tokens = later.input_tokens.or(self.input_tokens);
        self.output_tokens = later.output_tokens.or(self.output_tokens);
        self.cache_creation_input_tokens = later
            .cache_creation_input_tokens
            .or(self.cache_creation_input_tokens);
        self.cache_read_input_tokens = later
            .cache_read_input_tokens
            .or(self.cache_read_input_tokens);
    }

    fn normalise(self) -> Usage {
        let read = self.cache_read_input_tokens.unwrap_or(0);
        let write = self.cache_creation_input_tokens.unwrap_or(0);
        Usage {
            input: self.input_tokens.unwrap_or(0) + read + write,
            output: self.output_tokens.unwrap_or(0),
            cached_input: read,
            cache_write: write,
        }
    }
}

fn finish_reason(stop: &str) -> FinishReason {
    match stop {
        "end_turn" => FinishReason::Stop,
        "max_tokens" => FinishReason::Length,
        "stop_sequence" => FinishReason::StopSequence,
        "tool_use" => FinishReason::ToolUse,
        "refusal" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_string()),
    }
}

/// Anthropic's events; the SSE around them is [`decode::Sse`]'s.
#[derive(Default)]
pub(crate) struct Events {
    usage: WireUsage,
    end: Ending,
}

impl SseEvents for Events {
    fn on_event(
        &mut self,
        cx: &CallContext,
        data: &str,
        out: &mut Vec<String>,
    ) -> Result<(), ProviderError> {
        let ev: Event<'_> = decode::parse_json(cx, data)?;
        match ev.ty.as_ref() {
            "message_start" => {
                if let Some(u) = ev.message.and_then(|m| m.usage) {
                    self.usage.merge(u);
                }
            }
            "content_block_start" => {
                if let Some(b) = ev.content_block
                    && b.ty == "text"
                    && let Some(t) = b.text.filter(|t| !t.is_empty())
                {
                    out.push(t.into_owned());
                }
            }
            "content_block_delta" => {
                // Only text: thinking, signature and tool-input deltas are not the answer.
                if let Some(d) = ev.delta
                    && d.ty.as_deref() == Some("text_delta")
                    && let Some(t) = d.text
                {
                    out.push(t.into_owned());
                }
            }
            "message_delta" => {
                if let Some(reason) = ev.delta.and_then(|d| d.stop_reason) {
                    self.end.reason = Some(reason);
                }
                if let Some(u) = ev.usage {
                    self.usage.merge(u);
                }
            }
            "message_stop" => self.end.complete = true,
            "error" => {
                return Err(decode::stream_error(
                    cx,
                    ev.error.as_ref().unwrap_or(&Value::Null),
                ));
            }
            // ping, content_block_stop, and event types added after this was written.
            _ => {}
        }
        Ok(())
    }

    fn is_complete(&self) -> bool {
        self.end.complete
    }

    fn finished(&self, cx: &CallContext) -> Result<Finished, ProviderError> {
        self.end.finished(cx, finish_reason, self.usage.normalise())
    }

    fn whole_body(
        &mut self,
        cx: &CallContext,
        v: Value,
        out: &mut Vec<String>,
    ) -> Result<Finished, ProviderError> {
        for block in v
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if block.get("type").and_then(Value::as_str) == Some("text")
                && let Some(t) = block.get("text").and_then(Value::as_str)
            {
                out.push(t.to_string());
            }
        }
        if let Some(u) = v.get("usage")
            && let Ok(u) = serde_json::from_value::<WireUsage>(u.clone())
        {
            self.usage.merge(u);
        }
        self.end.reason = v
            .get("stop_reason")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.end.complete = true;
        self.finished(cx)
    }
}
