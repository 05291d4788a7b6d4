//! Google Gemini `streamGenerateContent?alt=sse`: request body (`contents`, `systemInstruction`,
//! `generationConfig` with `thinkingConfig`) and the SSE answer decoder.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::decode::{self, Finished, Stray, StreamDecoder};
use crate::error::{self, CallContext, ProviderError};
use crate::request::{Effort, FinishReason, Part, Request, Role};
use crate::settings::ModelSettings;
use crate::sse::{SseDecoder, SseItem};
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
    let max_tokens = req
        .max_output_tokens
        .map_or(model.max_output_tokens, |m| m.min(model.max_output_tokens));
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
    if let Some(t) = req.temperature {
        config["temperature"] = json!(t);
    }
    if !req.stop.is_empty() {
        config["stopSequences"] = json!(req.stop);
    }
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

pub(crate) struct Decoder {
    cx: CallContext,
    sse: SseDecoder,
    stray: Stray,
    usage: Option<WireUsage>,
    finish: Option<String>,
    blocked: Option<String>,
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
            blocked: None,
            any_event: false,
        }
    }

    fn on_chunk(&mut self, chunk: Chunk<'_>, out: &mut Vec<String>) -> Result<(), ProviderError> {
        if let Some(e) = chunk.error {
            return Err(error::mid_stream(
                &self.cx.provider,
                &error::error_from_value(&e),
            ));
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

    fn on_event(&mut self, data: &str, out: &mut Vec<String>) -> Result<(), ProviderError> {
        self.any_event = true;
        let chunk: Chunk<'_> = decode::parse_json(&self.cx, data)?;
        self.on_chunk(chunk, out)
    }

    fn finished(&self) -> Result<Finished, ProviderError> {
        let finish_reason = match (&self.finish, &self.blocked) {
            (Some(r), _) => finish_reason(r),
            (None, Some(_)) => FinishReason::ContentFilter,
            (None, None) => return Err(decode::truncated(&self.cx)),
        };
        Ok(Finished {
            finish_reason,
            usage: self.usage.map(WireUsage::normalise).unwrap_or_default(),
        })
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
        false
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
        // The streaming endpoint sends some errors as plain pretty-printed JSON, no `data:`.
        if !self.any_event
            && let Some(e) = self.stray.error(&self.cx)
        {
            return Err(e);
        }
        self.finished()
    }

    fn whole_body(
        &mut self,
        body: &[u8],
        out: &mut Vec<String>,
    ) -> Result<Finished, ProviderError> {
        let text = String::from_utf8_lossy(body);
        let v: Value = decode::parse_json(&self.cx, &text)?;
        // Without `alt=sse` the endpoint answers a JSON array of chunks; generateContent one.
        let items = match v {
            Value::Array(items) => items,
            other => vec![other],
        };
        for item in &items {
            if let Some(e) = decode::whole_body_error(&self.cx, item) {
                return Err(e);
            }
            let chunk: Chunk<'_> =
                Chunk::deserialize(item).map_err(|e| ProviderError::Malformed {
                    provider: self.cx.provider.clone(),
                    message: format!("unexpected JSON: {e}"),
                })?;
            self.on_chunk(chunk, out)?;
        }
        self.finished()
    }
}
