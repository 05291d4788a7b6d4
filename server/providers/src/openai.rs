//! OpenAI Chat Completions, and OpenAI-compatible servers on the same wire: request body
//! (`stream_options.include_usage`, `reasoning_effort`, `tools`, assistant `tool_calls`,
//! `role: "tool"` results) and the SSE answer decoder.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::decode::{self, Delta, Ending, Finished, SseEvents};
use crate::error::{CallContext, ProviderError};
use crate::request::{FinishReason, Message, Part, Request};
use crate::settings::{ModelSettings, ProviderKind};
use crate::tool::{IdMaker, Partial};
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
    let messages = req.chat_messages(
        message,
        |r, _| json!({"role": "tool", "tool_call_id": r.id, "content": r.content}),
    );
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
    if let Some(tools) = tools(req) {
        body["tools"] = tools;
    }
    body
}

/// `tools` as the OpenAI wire (and Ollama's, which copies it) declares them; `None` for none.
pub(crate) fn tools(req: &Request) -> Option<Value> {
    if req.tools.is_empty() {
        return None;
    }
    let tools: Vec<Value> = req
        .tools
        .iter()
        .map(|t| {
            json!({"type": "function", "function": {
            "name": t.name, "description": t.description, "parameters": t.parameters}})
        })
        .collect();
    Some(json!(tools))
}

/// One message (its tool results already split off as `role: "tool"` messages).
fn message(role: &str, m: &Message) -> Value {
    let calls: Vec<Value> = m
        .calls()
        .map(|c| {
            json!({"id": c.id, "type": "function", "function": {
            "name": c.name, "arguments": c.arguments.to_string()}})
        })
        .collect();
    let content_parts: Vec<&Part> = m
        .parts
        .iter()
        .filter(|p| !matches!(p, Part::ToolCall(_)))
        .collect();
    let content = match content_parts.as_slice() {
        // Plain string content is what every compatible server understands; an assistant turn
        // of calls alone gets "" (some compatible servers refuse a null content).
        [] => json!(""),
        [Part::Text(t)] => json!(t),
        parts => Value::Array(
            parts
                .iter()
                .filter_map(|p| match p {
                    Part::Text(t) => Some(json!({"type": "text", "text": t})),
                    Part::Image {
                        media_type,
                        data_base64,
                    } => Some(json!({"type": "image_url", "image_url": {
                        "url": format!("data:{media_type};base64,{data_base64}")}})),
                    Part::ToolCall(_) | Part::ToolResult(_) => None,
                })
                .collect(),
        ),
    };
    let mut msg = json!({"role": role, "content": content});
    if !calls.is_empty() {
        msg["tool_calls"] = json!(calls);
    }
    msg
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
    delta: Option<WireDelta<'a>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct WireDelta<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
    tool_calls: Option<Vec<CallDelta>>,
}

/// A piece of a tool call: the first names it, the rest carry pieces of its arguments' JSON
/// text, matched by `index`.
#[derive(Deserialize)]
struct CallDelta {
    index: Option<usize>,
    id: Option<String>,
    function: Option<FunctionDelta>,
}

#[derive(Deserialize)]
struct FunctionDelta {
    name: Option<String>,
    arguments: Option<String>,
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
    /// Calls whose arguments are still arriving, by `index`.
    calls: BTreeMap<usize, Partial>,
    ids: IdMaker,
}

impl Events {
    fn on_call_delta(
        &mut self,
        cx: &CallContext,
        position: usize,
        d: CallDelta,
        out: &mut Vec<Delta>,
    ) -> Result<(), ProviderError> {
        // Servers that send each call whole may leave out `index`: its place in the list.
        let index = d.index.unwrap_or(position);
        let function = d.function.unwrap_or(FunctionDelta {
            name: None,
            arguments: None,
        });
        // A new id at a known index is a new call (some compatible servers reuse index 0).
        if let (Some(new), Some(old)) = (&d.id, self.calls.get(&index).and_then(|p| p.id.as_ref()))
            && !new.is_empty()
            && new != old
            && let Some(done) = self.calls.remove(&index)
        {
            out.push(Delta::ToolCall(done.finish(cx, &mut self.ids)?));
        }
        let partial = self.calls.entry(index).or_default();
        if let Some(id) = d.id.filter(|i| !i.is_empty()) {
            partial.id = Some(id);
        }
        if let Some(name) = function.name.filter(|n| !n.is_empty()) {
            partial.name = name;
        }
        if let Some(a) = function.arguments {
            partial.arguments.push_str(&a);
        }
        Ok(())
    }

    /// The calls are whole once the choice finishes (or the stream ends): out in index order.
    fn flush_calls(&mut self, cx: &CallContext, out: &mut Vec<Delta>) -> Result<(), ProviderError> {
        for (_, partial) in std::mem::take(&mut self.calls) {
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
        if data.trim() == "[DONE]" {
            self.flush_calls(cx, out)?;
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
            if let Some(delta) = choice.delta {
                if let Some(t) = delta.content
                    && !t.is_empty()
                {
                    out.push(Delta::Text(t.into_owned()));
                }
                for (position, d) in delta.tool_calls.into_iter().flatten().enumerate() {
                    self.on_call_delta(cx, position, d, out)?;
                }
            }
            if let Some(r) = choice.finish_reason {
                self.flush_calls(cx, out)?;
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
        out: &mut Vec<Delta>,
    ) -> Result<Finished, ProviderError> {
        if let Some(choice) = v.get("choices").and_then(|c| c.get(0)) {
            if let Some(t) = choice.pointer("/message/content").and_then(Value::as_str) {
                out.push(Delta::Text(t.to_string()));
            }
            let calls = choice
                .pointer("/message/tool_calls")
                .and_then(Value::as_array);
            for c in calls.into_iter().flatten() {
                let str_at = |ptr: &str| c.pointer(ptr).and_then(Value::as_str).map(str::to_string);
                let partial = Partial {
                    id: str_at("/id"),
                    name: str_at("/function/name").unwrap_or_default(),
                    arguments: str_at("/function/arguments").unwrap_or_default(),
                };
                out.push(Delta::ToolCall(partial.finish(cx, &mut self.ids)?));
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
