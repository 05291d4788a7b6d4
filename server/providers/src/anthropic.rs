//! Anthropic Messages API: request body (top-level `system`, required `max_tokens`, extended
//! thinking, `cache_control`) and the SSE answer decoder.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::decode::{self, Finished, Stray, StreamDecoder};
use crate::error::{self, CallContext, ProviderError};
use crate::request::{FinishReason, Part, Request, Role};
use crate::settings::ModelSettings;
use crate::sse::{SseDecoder, SseItem};
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
    let max_tokens = req
        .max_output_tokens
        .map_or(model.max_output_tokens, |m| m.min(model.max_output_tokens));
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
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            json!({"role": role, "content": content})
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
    } else if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    if !req.stop.is_empty() {
        body["stop_sequences"] = json!(req.stop);
    }
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

pub(crate) struct Decoder {
    cx: CallContext,
    sse: SseDecoder,
    stray: Stray,
    usage: WireUsage,
    stop_reason: Option<String>,
    complete: bool,
    any_event: bool,
}

impl Decoder {
    pub(crate) fn new(cx: CallContext) -> Self {
        Decoder {
            cx,
            sse: SseDecoder::new(),
            stray: Stray::default(),
            usage: WireUsage::default(),
            stop_reason: None,
            complete: false,
            any_event: false,
        }
    }

    fn on_event(&mut self, data: &str, out: &mut Vec<String>) -> Result<(), ProviderError> {
        self.any_event = true;
        if self.complete {
            return Ok(());
        }
        let ev: Event<'_> = decode::parse_json(&self.cx, data)?;
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
                    self.stop_reason = Some(reason);
                }
                if let Some(u) = ev.usage {
                    self.usage.merge(u);
                }
            }
            "message_stop" => self.complete = true,
            "error" => {
                let body = error::error_from_value(ev.error.as_ref().unwrap_or(&Value::Null));
                return Err(error::mid_stream(&self.cx.provider, &body));
            }
            // ping, content_block_stop, and event types added after this was written.
            _ => {}
        }
        Ok(())
    }

    fn finished(&self) -> Finished {
        Finished {
            finish_reason: self
                .stop_reason
                .as_deref()
                .map_or(FinishReason::Other("none".to_string()), finish_reason),
            usage: self.usage.normalise(),
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
        self.complete
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
            // An event cut off by EOF: the stream was truncated, not garbled.
            Err(ProviderError::Malformed { .. }) => return Err(decode::truncated(&self.cx)),
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        if !self.any_event
            && let Some(e) = self.stray.error(&self.cx)
        {
            return Err(e);
        }
        if !self.complete {
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
        self.stop_reason = v
            .get("stop_reason")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.complete = true;
        Ok(self.finished())
    }
}
