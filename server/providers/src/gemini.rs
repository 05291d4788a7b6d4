//! Google Gemini `streamGenerateContent?alt=sse`: request body (`contents`, `systemInstruction`,
//! `generationConfig` with `thinkingConfig`) and the SSE answer decoder.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::decode::{self, Finished, SseEvents};
use crate::error::{CallContext, ProviderError};
use crate::request::{Effort, FinishReason, Part, Request, Role};
use crate::settings::ModelSettings;
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
        .map(|m| {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "model",
            };
            let parts: Vec<Value> = m
                .parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => json!({"text": t}),
                    Part::Image {
                        media_type,
                        data_base64,
                    } => json!({"inlineData": {"mimeType": media_type, "data": data_base64}}),
                })
                .collect();
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
    body
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
struct WirePart<'a> {
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default)]
    thought: bool,
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
}

impl Events {
    fn on_chunk(
        &mut self,
        cx: &CallContext,
        chunk: Chunk<'_>,
        out: &mut Vec<String>,
    ) -> Result<(), ProviderError> {
        if let Some(e) = chunk.error {
            return Err(decode::stream_error(cx, &e));
        }
        if let Some(c) = chunk.candidates.into_iter().next() {
            for part in c.content.map(|c| c.parts).unwrap_or_default() {
                if part.thought {
                    continue;
                }
                if let Some(t) = part.text.filter(|t| !t.is_empty()) {
                    out.push(t.into_owned());
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
        out: &mut Vec<String>,
    ) -> Result<(), ProviderError> {
        let chunk: Chunk<'_> = decode::parse_json(cx, data)?;
        self.on_chunk(cx, chunk, out)
    }

    fn finished(&self, cx: &CallContext) -> Result<Finished, ProviderError> {
        let finish_reason = match (&self.finish, &self.blocked) {
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
        out: &mut Vec<String>,
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
