//! Anthropic Messages API: request body (top-level `system`, required `max_tokens`, extended
//! thinking, `cache_control`, tools with `tool_use` / `tool_result` blocks) and the SSE answer
//! decoder.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::decode::{self, Delta, Ending, Finished, SseEvents};
use crate::error::{CallContext, ProviderError};
use crate::request::{FinishReason, Part, Request, Role};
use crate::settings::ModelSettings;
use crate::tool::{self, IdMaker, Partial, ToolCall};
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
            let mut parts: Vec<&Part> = m.parts.iter().collect();
            // The API wants a user turn's tool results before anything else in it.
            if m.role == Role::User {
                parts.sort_by_key(|p| !matches!(p, Part::ToolResult(_)));
            }
            let mut content: Vec<Value> = parts.into_iter().map(block).collect();
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
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                json!({"name": t.name, "description": t.description,
                "input_schema": t.parameters})
            })
            .collect();
        body["tools"] = json!(tools);
    }
    body
}

/// One part as a content block.
fn block(part: &Part) -> Value {
    match part {
        Part::Text(t) => json!({"type": "text", "text": t}),
        Part::Image {
            media_type,
            data_base64,
        } => json!({"type": "image", "source": {
            "type": "base64", "media_type": media_type, "data": data_base64}}),
        Part::ToolCall(c) => json!({"type": "tool_use", "id": c.id, "name": c.name,
            "input": c.arguments}),
        Part::ToolResult(r) => {
            let mut b = json!({"type": "tool_result", "tool_use_id": r.id, "content": r.content});
            if r.is_error {
                b["is_error"] = json!(true);
            }
            b
        }
    }
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    /// The content block an event is about.
    index: Option<usize>,
    message: Option<MessageStart>,
    #[serde(borrow)]
    content_block: Option<Block<'a>>,
    #[serde(borrow)]
    delta: Option<WireDelta<'a>>,
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
    /// A `tool_use` block's call.
    id: Option<String>,
    name: Option<String>,
    input: Option<Value>,
}

#[derive(Deserialize)]
struct WireDelta<'a> {
    #[serde(rename = "type", borrow, default)]
    ty: Option<Cow<'a, str>>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    /// An `input_json_delta`'s piece of a tool call's arguments.
    #[serde(borrow)]
    partial_json: Option<Cow<'a, str>>,
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
    /// Open `tool_use` blocks by index, their arguments still arriving.
    calls: BTreeMap<usize, Partial>,
    ids: IdMaker,
}

impl Events {
    /// A `tool_use` block has ended: its call is whole.
    fn close_call(
        &mut self,
        cx: &CallContext,
        index: usize,
        out: &mut Vec<Delta>,
    ) -> Result<(), ProviderError> {
        if let Some(partial) = self.calls.remove(&index) {
            out.push(Delta::ToolCall(partial.finish(cx, &mut self.ids)?));
        }
        Ok(())
    }
}

impl SseEvents for Events {
    fn on_event(
        &mut self,
        cx: &CallContext,
        data: &str,
        out: &mut Vec<Delta>,
    ) -> Result<(), ProviderError> {
        let ev: Event<'_> = decode::parse_json(cx, data)?;
        match ev.ty.as_ref() {
            "message_start" => {
                if let Some(u) = ev.message.and_then(|m| m.usage) {
                    self.usage.merge(u);
                }
            }
            "content_block_start" => match ev.content_block {
                Some(b) if b.ty == "text" => {
                    if let Some(t) = b.text.filter(|t| !t.is_empty()) {
                        out.push(Delta::Text(t.into_owned()));
                    }
                }
                Some(b) if b.ty == "tool_use" => {
                    // `input` opens as `{}` and the arguments follow as JSON text; should a
                    // block open with its input already there, that input is the text.
                    let arguments = match b.input {
                        Some(Value::Object(o)) if o.is_empty() => String::new(),
                        None | Some(Value::Null) => String::new(),
                        Some(v) => v.to_string(),
                    };
                    let partial = Partial {
                        id: b.id,
                        name: b.name.unwrap_or_default(),
                        arguments,
                    };
                    self.calls.insert(ev.index.unwrap_or(0), partial);
                }
                // Thinking, and server tools (web search) the API runs itself.
                _ => {}
            },
            "content_block_delta" => match ev.delta {
                Some(d) if d.ty.as_deref() == Some("text_delta") => {
                    if let Some(t) = d.text {
                        out.push(Delta::Text(t.into_owned()));
                    }
                }
                Some(d) if d.ty.as_deref() == Some("input_json_delta") => {
                    // Pieces of a server tool's input have no open call here, and are dropped.
                    if let (Some(p), Some(j)) =
                        (self.calls.get_mut(&ev.index.unwrap_or(0)), d.partial_json)
                    {
                        p.arguments.push_str(&j);
                    }
                }
                // Thinking and signature deltas are not the answer.
                _ => {}
            },
            "content_block_stop" => self.close_call(cx, ev.index.unwrap_or(0), out)?,
            "message_delta" => {
                if let Some(reason) = ev.delta.and_then(|d| d.stop_reason) {
                    self.end.reason = Some(reason);
                }
                if let Some(u) = ev.usage {
                    self.usage.merge(u);
                }
            }
            "message_stop" => {
                // A block never closed (a proxy that drops the stop event) ends with the message.
                let open: Vec<usize> = self.calls.keys().copied().collect();
                for index in open {
                    self.close_call(cx, index, out)?;
                }
                self.end.complete = true;
            }
            "error" => {
                return Err(decode::stream_error(
                    cx,
                    ev.error.as_ref().unwrap_or(&Value::Null),
                ));
            }
            // ping, and event types added after this was written.
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
        out: &mut Vec<Delta>,
    ) -> Result<Finished, ProviderError> {
        for block in v
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match block.get("type").and_then(Value::as_str) {
                Some("text") => {
                    if let Some(t) = block.get("text").and_then(Value::as_str) {
                        out.push(Delta::Text(t.to_string()));
                    }
                }
                Some("tool_use") => {
                    let str_of = |k: &str| block.get(k).and_then(Value::as_str).map(str::to_string);
                    let id = self.ids.id_or_new(str_of("id"));
                    let name = str_of("name").unwrap_or_default();
                    let arguments =
                        tool::arguments_value(cx, &id, &name, block.get("input").cloned())?;
                    out.push(Delta::ToolCall(ToolCall {
                        id,
                        name,
                        arguments,
                        signature: None,
                    }));
                }
                _ => {}
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
