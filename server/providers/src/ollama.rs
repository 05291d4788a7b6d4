//! Ollama's native `/api/chat`: request body (`options.num_predict`, `tools`, assistant
//! `tool_calls`, `role: "tool"` results) and the NDJSON answer decoder.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::decode::{self, Delta, Finished, Format};
use crate::error::{CallContext, ProviderError};
use crate::openai;
use crate::request::{FinishReason, Part, Request};
use crate::settings::ModelSettings;
use crate::sse::LineSplitter;
use crate::tool::{self, IdMaker, ToolCall};
use crate::usage::Usage;

pub(crate) fn path() -> &'static str {
    "/api/chat"
}

/// The JSON body. Images ride beside the text as bare base64 (Ollama's `images`). Reasoning
/// is `think: true`: every Ollama thinking model accepts the boolean, while the effort strings
/// only some (gpt-oss) understand. Tools are declared as OpenAI declares them; a call's
/// arguments go back as an object, and a result names its tool (`tool_name`, as Ollama's docs
/// do) besides the call's id (`tool_call_id`, which newer versions read).
pub(crate) fn body(model: &ModelSettings, req: &Request) -> Value {
    let max_tokens = model.max_tokens(req);
    let message = |role: &str, m: &crate::request::Message| {
        let mut msg = json!({"role": role, "content": m.text()});
        let images: Vec<&str> = m
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Image { data_base64, .. } => Some(data_base64.as_str()),
                _ => None,
            })
            .collect();
        if !images.is_empty() {
            msg["images"] = json!(images);
        }
        let calls: Vec<Value> = m
            .calls()
            .enumerate()
            .map(|(index, c)| {
                json!({"id": c.id, "type": "function", "function": {
                "index": index, "name": c.name, "arguments": c.arguments}})
            })
            .collect();
        if !calls.is_empty() {
            msg["tool_calls"] = json!(calls);
        }
        msg
    };
    let messages = req.chat_messages(message, |r, name| {
        json!({"role": "tool", "tool_name": name, "tool_call_id": r.id, "content": r.content})
    });
    let mut options = json!({"num_predict": max_tokens});
    req.put_sampling(&mut options, true, "stop");
    let mut body = json!({
        "model": model.name,
        "messages": messages,
        "stream": true,
        "options": options,
    });
    if model.reasoning.is_some() {
        body["think"] = json!(true);
    }
    if let Some(tools) = openai::tools(req) {
        body["tools"] = tools;
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
    /// Each call comes whole, its arguments an object.
    tool_calls: Option<Vec<WireCall>>,
}

#[derive(Deserialize)]
struct WireCall {
    id: Option<String>,
    function: WireFunction,
}

#[derive(Deserialize)]
struct WireFunction {
    name: String,
    arguments: Option<Value>,
}

fn finish_reason(reason: Option<&str>) -> FinishReason {
    match reason {
        None | Some("stop") => FinishReason::Stop,
        Some("length") => FinishReason::Length,
        Some(other) => FinishReason::Other(other.to_string()),
    }
}

/// Ollama's NDJSON lines; [`decode::Framed`] splits them.
#[derive(Default)]
pub(crate) struct Lines {
    finished: Option<Finished>,
    /// Ollama ends a turn of calls with `stop`; having seen one makes it
    /// [`FinishReason::ToolUse`].
    called: bool,
    ids: IdMaker,
}

impl Lines {
    fn on_value(
        &mut self,
        cx: &CallContext,
        line: Line<'_>,
        out: &mut Vec<Delta>,
    ) -> Result<(), ProviderError> {
        if let Some(e) = line.error {
            return Err(decode::stream_error(cx, &e));
        }
        // `message.thinking` is skipped: it is not the answer.
        let (content, calls) = match line.message {
            Some(m) => (m.content, m.tool_calls.unwrap_or_default()),
            None => (None, Vec::new()),
        };
        if let Some(t) = content.or(line.response).filter(|t| !t.is_empty()) {
            out.push(Delta::Text(t.into_owned()));
        }
        for c in calls {
            let id = self.ids.id_or_new(c.id);
            let arguments = tool::arguments_value(cx, &id, &c.function.name, c.function.arguments)?;
            out.push(Delta::ToolCall(ToolCall {
                id,
                name: c.function.name,
                arguments,
                signature: None,
            }));
            self.called = true;
        }
        if line.done {
            let finish_reason = match finish_reason(line.done_reason.as_deref()) {
                FinishReason::Stop if self.called => FinishReason::ToolUse,
                other => other,
            };
            // Ollama has no prompt cache counts.
            self.finished = Some(Finished {
                finish_reason,
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

    fn finished(&self, cx: &CallContext) -> Result<Finished, ProviderError> {
        self.finished.clone().ok_or_else(|| decode::truncated(cx))
    }
}

impl Format for Lines {
    type Splitter = LineSplitter;

    fn on_item(
        &mut self,
        cx: &CallContext,
        line: &[u8],
        out: &mut Vec<Delta>,
    ) -> Result<(), ProviderError> {
        if self.finished.is_some() || line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let text = String::from_utf8_lossy(line);
        let parsed: Line<'_> = decode::parse_json(cx, &text)?;
        self.on_value(cx, parsed, out)
    }

    fn is_complete(&self) -> bool {
        self.finished.is_some()
    }

    fn finish(&mut self, cx: &CallContext) -> Result<Finished, ProviderError> {
        self.finished(cx)
    }

    fn whole_body(
        &mut self,
        cx: &CallContext,
        text: &str,
        out: &mut Vec<Delta>,
    ) -> Result<Finished, ProviderError> {
        let parsed: Line<'_> = decode::parse_json(cx, text)?;
        self.on_value(cx, parsed, out)?;
        self.finished(cx)
    }
}
