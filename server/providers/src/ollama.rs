//! Ollama's native `/api/chat`: request body (`options.num_predict`) and the NDJSON answer decoder.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::decode::{self, Finished, StreamDecoder};
use crate::error::{self, CallContext, ProviderError};
use crate::request::{FinishReason, Part, Request, Role};
use crate::settings::ModelSettings;
use crate::sse::LineSplitter;
use crate::usage::Usage;

pub(crate) fn path() -> &'static str {
    "/api/chat"
}

/// The JSON body. Images ride beside the text as bare base64 (Ollama's `images`). Reasoning
/// is `think: true`: every Ollama thinking model accepts the boolean, while the effort strings
/// only some (gpt-oss) understand.
pub(crate) fn body(model: &ModelSettings, req: &Request) -> Value {
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
        let mut msg = json!({"role": role, "content": m.text()});
        let images: Vec<&str> = m
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Image { data_base64, .. } => Some(data_base64.as_str()),
                Part::Text(_) => None,
            })
            .collect();
        if !images.is_empty() {
            msg["images"] = json!(images);
        }
        messages.push(msg);
    }
    let mut options = json!({"num_predict": max_tokens});
    if let Some(t) = req.temperature {
        options["temperature"] = json!(t);
    }
    if !req.stop.is_empty() {
        options["stop"] = json!(req.stop);
    }
    let mut body = json!({
        "model": model.name,
        "messages": messages,
        "stream": true,
        "options": options,
    });
    if model.reasoning.is_some() {
        body["think"] = json!(true);
    }
    body
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    message: Option<Msg<'a>>,
    /// `/api/generate` puts the text here instead; accepted so its recordings decode too.
    #[serde(borrow)]
    response: Option<Cow<'a, str>>,
    #[serde(default)]
    done: bool,
    done_reason: Option<String>,
    prompt_eval_count: Option<u64>,
    eval_count: Option<u64>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Msg<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
}

fn finish_reason(reason: Option<&str>) -> FinishReason {
    match reason {
        None | Some("stop") => FinishReason::Stop,
        Some("length") => FinishReason::Length,
        Some(other) => FinishReason::Other(other.to_string()),
    }
}

pub(crate) struct Decoder {
    cx: CallContext,
    lines: LineSplitter,
    finished: Option<Finished>,
}

impl Decoder {
    pub(crate) fn new(cx: CallContext) -> Self {
        Decoder {
            cx,
            lines: LineSplitter::default(),
            finished: None,
        }
    }

    fn on_line(&mut self, line: &[u8], out: &mut Vec<String>) -> Result<(), ProviderError> {
        if self.finished.is_some() || line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let text = String::from_utf8_lossy(line);
        let parsed: Line<'_> = decode::parse_json(&self.cx, &text)?;
        self.on_value(parsed, out)
    }

    fn on_value(&mut self, line: Line<'_>, out: &mut Vec<String>) -> Result<(), ProviderError> {
        if let Some(e) = line.error {
            return Err(error::mid_stream(
                &self.cx.provider,
                &error::error_from_value(&e),
            ));
        }
        // `message.thinking` is skipped: it is not the answer.
        let text = line.message.and_then(|m| m.content).or(line.response);
        if let Some(t) = text.filter(|t| !t.is_empty()) {
            out.push(t.into_owned());
        }
        if line.done {
            // Ollama has no prompt cache counts.
            self.finished = Some(Finished {
                finish_reason: finish_reason(line.done_reason.as_deref()),
                usage: Usage {
                    input: line.prompt_eval_count.unwrap_or(0),
                    output: line.eval_count.unwrap_or(0),
                    cached_input: 0,
                    cache_write: 0,
                },
            });
        }
        Ok(())
    }
}

impl StreamDecoder for Decoder {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<String>) -> Result<(), ProviderError> {
        let mut lines = std::mem::take(&mut self.lines);
        let result = lines.feed(chunk, |line| self.on_line(line, out));
        self.lines = lines;
        result
    }

    fn is_complete(&self) -> bool {
        self.finished.is_some()
    }

    fn finish(&mut self, out: &mut Vec<String>) -> Result<Finished, ProviderError> {
        let mut lines = std::mem::take(&mut self.lines);
        match lines.finish(|line| self.on_line(line, out)) {
            Err(ProviderError::Malformed { .. }) => return Err(decode::truncated(&self.cx)),
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        self.finished
            .clone()
            .ok_or_else(|| decode::truncated(&self.cx))
    }

    fn whole_body(
        &mut self,
        body: &[u8],
        out: &mut Vec<String>,
    ) -> Result<Finished, ProviderError> {
        let text = String::from_utf8_lossy(body);
        let parsed: Line<'_> = decode::parse_json(&self.cx, &text)?;
        self.on_value(parsed, out)?;
        self.finished
            .clone()
            .ok_or_else(|| decode::truncated(&self.cx))
    }
}
