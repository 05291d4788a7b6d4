//! Google Gemini `streamGenerateContent?alt=sse`: request body (`contents`, `systemInstruction`,
//! `generationConfig` with `thinkingConfig`, `tools` with `functionCall` / `functionResponse`
//! parts) and the SSE answer decoder.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::decode::{self, Delta, Finished, SseEvents};
use crate::error::{CallContext, ProviderError};
use crate::request::{Effort, FinishReason, Part, Request, Role};
use crate::settings::ModelSettings;
use crate::tool::{self, IdMaker, MADE_UP_ID, ToolCall};
use crate::usage::Usage;

/// The model id without the `models/` prefix Google's own listings put on it.
fn model_id(name: &str) -> &str {
    name.strip_prefix("models/").unwrap_or(name)
}

pub(crate) fn path(model: &ModelSettings) -> String {
    format!(
        "/v1beta/models/{}:streamGenerateContent?alt=sse",
        model_id(&model.name)
    )
}

/// Gemini 3 takes a thinking level; 2.5 takes a token budget (and 3 only tolerates one).
fn thinking_config(model: &str, effort: Effort) -> Value {
    if model_id(model).starts_with("gemini-3") {
        let level = match effort {
            Effort::Low => "low",
            Effort::Medium | Effort::High => "high",
        };
        json!({"thinkingLevel": level})
    } else {
        json!({"thinkingBudget": effort.thinking_budget()})
    }
}

pub(crate) fn body(model: &ModelSettings, req: &Request) -> Value {
    let max_tokens = model.max_tokens(req);
    let contents: Vec<Value> = req
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "model",
            };
            let parts: Vec<Value> = m.parts.iter().map(|p| part(req, i, p)).collect();
            json!({"role": role, "parts": parts})
        })
        .collect();
    let mut config = json!({"maxOutputTokens": max_tokens});
    req.put_sampling(&mut config, true, "stopSequences");
    if let Some(effort) = model.reasoning {
        config["thinkingConfig"] = thinking_config(&model.name, effort);
    }
    let mut body = json!({"contents": contents, "generationConfig": config});
    if let Some(system) = &req.system {
        body["systemInstruction"] = json!({"parts": [{"text": system}]});
    }
    if !req.tools.is_empty() {
        let declarations: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                json!({"name": t.name, "description": t.description,
                "parameters": t.parameters})
            })
            .collect();
        body["tools"] = json!([{"functionDeclarations": declarations}]);
    }
    body
}

/// Part `p` of message `i`. A call goes back with its thought signature; a result is matched
/// to its call by the tool's name. Ids go back only where Gemini issued them: the ones the
/// client made up mean nothing to it.
fn part(req: &Request, i: usize, p: &Part) -> Value {
    let issued = |id: &str| !id.starts_with(MADE_UP_ID);
    match p {
        Part::Text(t) => json!({"text": t}),
        Part::Image {
            media_type,
            data_base64,
        } => json!({"inlineData": {"mimeType": media_type, "data": data_base64}}),
        Part::ToolCall(c) => {
            let mut call = json!({"name": c.name, "args": c.arguments});
            if issued(&c.id) {
                call["id"] = json!(c.id);
            }
            let mut part = json!({"functionCall": call});
            if let Some(sig) = &c.signature {
                part["thoughtSignature"] = json!(sig);
            }
            part
        }
        Part::ToolResult(r) => {
            let key = if r.is_error { "error" } else { "output" };
            let mut response = json!({"name": req.tool_name(i, &r.id),
                "response": {key: r.content}});
            if issued(&r.id) {
                response["id"] = json!(r.id);
            }
            json!({"functionResponse": response})
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Chunk<'a> {
    #[serde(borrow, default)]
    candidates: Vec<Candidate<'a>>,
    usage_metadata: Option<WireUsage>,
    prompt_feedback: Option<PromptFeedback>,
    error: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate<'a> {
    #[serde(borrow)]
    content: Option<Content<'a>>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Content<'a> {
    #[serde(borrow, default)]
    parts: Vec<WirePart<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePart<'a> {
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default)]
    thought: bool,
    /// A call comes whole, in one part.
    function_call: Option<FunctionCall>,
    thought_signature: Option<String>,
}

#[derive(Deserialize)]
struct FunctionCall {
    id: Option<String>,
    name: String,
    args: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
}

/// Gemini's counts: `promptTokenCount` includes cached tokens; thinking is counted apart from
/// `candidatesTokenCount`, and billed as output.
#[derive(Deserialize, Clone, Copy, Default)]
#[serde(rename_all = "camelCase")]
struct WireUsage {
    #[serde(default)]
    prompt_token_count: u64,
    #[serde(default)]
    candidates_token_count: u64,
    #[serde(default)]
    thoughts_token_count: u64,
    #[serde(default)]
    cached_content_token_count: u64,
}

impl WireUsage {
    fn normalise(self) -> Usage {
        Usage {
            input: self.prompt_token_count,
            output: self.candidates_token_count + self.thoughts_token_count,
            cached_input: self.cached_content_token_count,
            cache_write: 0,
        }
    }
}

fn finish_reason(reason: &str) -> FinishReason {
    match reason {
        "STOP" => FinishReason::Stop,
        "MAX_TOKENS" => FinishReason::Length,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            FinishReason::ContentFilter
        }
        other => FinishReason::Other(other.to_string()),
    }
}

/// Gemini's chunks; the SSE around them is [`decode::Sse`]'s.
#[derive(Default)]
pub(crate) struct Events {
    usage: Option<WireUsage>,
    finish: Option<String>,
    blocked: Option<String>,
    /// Gemini ends a turn of calls with `STOP`; having seen one makes it [`FinishReason::ToolUse`].
    called: bool,
    ids: IdMaker,
}

impl Events {
    fn on_chunk(
        &mut self,
        cx: &CallContext,
        chunk: Chunk<'_>,
        out: &mut Vec<Delta>,
    ) -> Result<(), ProviderError> {
        if let Some(e) = chunk.error {
            return Err(decode::stream_error(cx, &e));
        }
        if let Some(c) = chunk.candidates.into_iter().next() {
            for part in c.content.map(|c| c.parts).unwrap_or_default() {
                if let Some(f) = part.function_call {
                    let id = self.ids.id_or_new(f.id);
                    let arguments = tool::arguments_value(cx, &id, &f.name, f.args)?;
                    out.push(Delta::ToolCall(ToolCall {
                        id,
                        name: f.name,
                        arguments,
                        signature: part.thought_signature,
                    }));
                    self.called = true;
                    continue;
                }
                if part.thought {
                    continue;
                }
                if let Some(t) = part.text.filter(|t| !t.is_empty()) {
                    out.push(Delta::Text(t.into_owned()));
                }
            }
            // Older models put STOP on every chunk, so a finish reason does not end the
            // stream: only EOF does. The last one seen wins.
            if let Some(r) = c.finish_reason {
                self.finish = Some(r);
            }
        }
        // Usage comes on every chunk, growing; the last is the total.
        if let Some(u) = chunk.usage_metadata {
            self.usage = Some(u);
        }
        if let Some(b) = chunk.prompt_feedback.and_then(|f| f.block_reason) {
            self.blocked = Some(b);
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
        let chunk: Chunk<'_> = decode::parse_json(cx, data)?;
        self.on_chunk(cx, chunk, out)
    }

    fn finished(&self, cx: &CallContext) -> Result<Finished, ProviderError> {
        let finish_reason = match (&self.finish, &self.blocked) {
            (Some(r), _) if r == "STOP" && self.called => FinishReason::ToolUse,
            (Some(r), _) => finish_reason(r),
            (None, Some(_)) => FinishReason::ContentFilter,
            (None, None) => return Err(decode::truncated(cx)),
        };
        Ok(Finished {
            finish_reason,
            usage: self.usage.map(WireUsage::normalise).unwrap_or_default(),
        })
    }

    fn whole_body(
        &mut self,
        cx: &CallContext,
        v: Value,
        out: &mut Vec<Delta>,
    ) -> Result<Finished, ProviderError> {
        // Without `alt=sse` the endpoint answers a JSON array of chunks; generateContent one.
        let items = match v {
            Value::Array(items) => items,
            other => vec![other],
        };
        for item in &items {
            if let Some(e) = decode::whole_body_error(cx, item) {
                return Err(e);
            }
            let chunk: Chunk<'_> =
                Chunk::deserialize(item).map_err(|e| ProviderError::Malformed {
                    provider: cx.provider.clone(),
                    message: format!("unexpected JSON: {e}"),
                })?;
            self.on_chunk(cx, chunk, out)?;
        }
        self.finished(cx)
    }
}
