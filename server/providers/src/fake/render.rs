//! The fake provider's answers in each wire format: streamed pieces for a scripted reply (its
//! text, then its tool calls, with its fault spliced in) and each service's own error bodies.

use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};

use super::scenario::{FakeToolCall, Fault, Format};

/// One write of the answer body, after a pause. `None` cuts the connection.
#[derive(Debug, Clone)]
pub(crate) struct Piece {
    pub delay: Duration,
    pub bytes: Option<Bytes>,
}

/// Token counts as the fake will report them; `output` includes `thinking`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    pub input: u64,
    pub output: u64,
    pub cached_input: u64,
    pub cache_write: u64,
    pub thinking: u64,
}

pub(crate) struct Plan<'a> {
    pub format: Format,
    pub model: &'a str,
    pub text: &'a str,
    pub tool_calls: &'a [FakeToolCall],
    pub thinking: Option<&'a str>,
    pub chunk_chars: usize,
    pub delay: Duration,
    pub length: bool,
    pub counts: Counts,
    /// OpenAI sends the usage chunk only when `stream_options.include_usage` asked for it.
    pub include_usage: bool,
    pub fault: Option<(Fault, usize, Duration)>,
}

pub(crate) fn content_type(format: Format) -> &'static str {
    match format {
        Format::Ollama => "application/x-ndjson",
        _ => "text/event-stream",
    }
}

/// Splits `text` into pieces of `n` characters.
fn chunks(text: &str, n: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (count, (i, _)) in text.char_indices().enumerate() {
        if count > 0 && count % n == 0 {
            out.push(&text[start..i]);
            start = i;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn sse(event: Option<&str>, data: &Value) -> Bytes {
    match event {
        Some(e) => Bytes::from(format!("event: {e}\ndata: {data}\n\n")),
        None => Bytes::from(format!("data: {data}\n\n")),
    }
}

/// Gemini separates events with CRLF CRLF, as the recordings show.
fn gemini_sse(data: &Value) -> Bytes {
    Bytes::from(format!("data: {data}\r\n\r\n"))
}

fn ndjson(data: &Value) -> Bytes {
    Bytes::from(format!("{data}\n"))
}

/// One event cut into pieces of `n` characters, for the wires (Gemini, Ollama) that send a
/// tool call whole: the client must put it back together across reads.
fn cut(event: &Bytes, n: usize) -> Vec<Bytes> {
    chunks(&String::from_utf8_lossy(event), n)
        .into_iter()
        .map(|piece| Bytes::from(piece.to_string()))
        .collect()
}

/// The pieces of a streamed answer: before the text, the text (then the tool calls), and
/// after it. Only the middle is paced, and a fault lands in it.
struct Parts {
    head: Vec<Bytes>,
    text: Vec<Bytes>,
    tail: Vec<Bytes>,
}

pub(crate) fn render(plan: &Plan<'_>) -> Vec<Piece> {
    let parts = match plan.format {
        Format::Anthropic => anthropic(plan),
        Format::OpenAi => openai(plan),
        Format::Gemini => gemini(plan),
        Format::Ollama => ollama(plan),
    };
    let mut bodies: Vec<(Duration, Option<Bytes>)> = Vec::new();
    let mut push = |delay: Duration, b: Option<Bytes>| bodies.push((delay, b));
    for b in parts.head {
        push(Duration::ZERO, Some(b));
    }
    let after = plan
        .fault
        .map_or(usize::MAX, |(_, n, _)| n.min(parts.text.len()));
    let mut text = parts.text.into_iter();
    for b in text.by_ref().take(after) {
        push(plan.delay, Some(b));
    }
    match plan.fault {
        None => {}
        Some((Fault::SlowDrip, _, stall)) => {
            let mut first = true;
            for b in text.by_ref() {
                push(if first { stall } else { plan.delay }, Some(b));
                first = false;
            }
            if first {
                // No text left to stall before: stall before the end instead.
                push(stall, Some(Bytes::new()));
            }
        }
        Some((fault, _, _)) => {
            match fault {
                Fault::MidStreamError => push(plan.delay, Some(mid_stream_error(plan.format))),
                Fault::MalformedJson => push(plan.delay, Some(malformed(plan.format))),
                Fault::Disconnect => push(plan.delay, None),
                Fault::Truncated | Fault::SlowDrip => {}
            }
            return finish(bodies);
        }
    }
    for b in text {
        push(plan.delay, Some(b));
    }
    for b in parts.tail {
        push(Duration::ZERO, Some(b));
    }
    finish(bodies)
}

fn finish(bodies: Vec<(Duration, Option<Bytes>)>) -> Vec<Piece> {
    bodies
        .into_iter()
        .map(|(delay, bytes)| Piece { delay, bytes })
        .collect()
}

fn anthropic(plan: &Plan<'_>) -> Parts {
    let c = plan.counts;
    let mut head = vec![sse(
        Some("message_start"),
        &json!({"type": "message_start", "message": {
        "id": "msg_fake", "type": "message", "role": "assistant", "model": plan.model,
        "content": [], "stop_reason": null, "stop_sequence": null,
        "usage": {
            "input_tokens": c.input.saturating_sub(c.cached_input + c.cache_write),
            "cache_creation_input_tokens": c.cache_write,
            "cache_read_input_tokens": c.cached_input,
            "output_tokens": 1,
        }}}),
    )];
    let mut index = 0;
    if let Some(thinking) = plan.thinking {
        head.push(sse(
            Some("content_block_start"),
            &json!({"type": "content_block_start",
            "index": index, "content_block": {"type": "thinking", "thinking": ""}}),
        ));
        for t in chunks(thinking, plan.chunk_chars) {
            head.push(sse(
                Some("content_block_delta"),
                &json!({"type": "content_block_delta",
                "index": index, "delta": {"type": "thinking_delta", "thinking": t}}),
            ));
        }
        head.push(sse(
            Some("content_block_delta"),
            &json!({"type": "content_block_delta",
            "index": index, "delta": {"type": "signature_delta", "signature": "c2lnbmF0dXJl"}}),
        ));
        head.push(sse(
            Some("content_block_stop"),
            &json!({"type": "content_block_stop", "index": index}),
        ));
        index += 1;
    }
    // A turn of calls alone has no text block, as the service sends it.
    let calls = plan.tool_calls;
    let with_text = !plan.text.is_empty() || calls.is_empty();
    if with_text {
        head.push(sse(
            Some("content_block_start"),
            &json!({"type": "content_block_start",
            "index": index, "content_block": {"type": "text", "text": ""}}),
        ));
    }
    head.push(sse(Some("ping"), &json!({"type": "ping"})));
    let mut text: Vec<Bytes> = chunks(plan.text, plan.chunk_chars)
        .into_iter()
        .map(|t| {
            sse(
                Some("content_block_delta"),
                &json!({"type": "content_block_delta",
            "index": index, "delta": {"type": "text_delta", "text": t}}),
            )
        })
        .collect();
    let block_stop = |index: usize| {
        sse(
            Some("content_block_stop"),
            &json!({"type": "content_block_stop", "index": index}),
        )
    };
    let mut tail = Vec::new();
    if calls.is_empty() {
        tail.push(block_stop(index));
    } else if with_text {
        text.push(block_stop(index));
        index += 1;
    }
    for (n, call) in calls.iter().enumerate() {
        let id = call
            .id
            .clone()
            .unwrap_or_else(|| format!("toolu_fake_{}", n + 1));
        text.push(sse(
            Some("content_block_start"),
            &json!({"type": "content_block_start", "index": index, "content_block": {
                "type": "tool_use", "id": id, "name": call.name, "input": {}}}),
        ));
        for piece in chunks(&call.arguments.to_string(), plan.chunk_chars) {
            text.push(sse(
                Some("content_block_delta"),
                &json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "input_json_delta", "partial_json": piece}}),
            ));
        }
        text.push(block_stop(index));
        index += 1;
    }
    let stop = match (plan.length, calls.is_empty()) {
        (true, _) => "max_tokens",
        (false, false) => "tool_use",
        (false, true) => "end_turn",
    };
    tail.extend([
        sse(
            Some("message_delta"),
            &json!({"type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": null},
            "usage": {"output_tokens": c.output}}),
        ),
        sse(Some("message_stop"), &json!({"type": "message_stop"})),
    ]);
    Parts { head, text, tail }
}

fn openai_chunk(model: &str, choices: Value) -> Value {
    json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_700_000_000,
        "model": model, "choices": choices})
}

fn openai(plan: &Plan<'_>) -> Parts {
    let c = plan.counts;
    let head = vec![sse(
        None,
        &openai_chunk(
            plan.model,
            json!([{"index": 0,
        "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]),
        ),
    )];
    let delta = |delta: Value| {
        sse(
            None,
            &openai_chunk(
                plan.model,
                json!([{"index": 0, "delta": delta, "finish_reason": null}]),
            ),
        )
    };
    let mut text: Vec<Bytes> = chunks(plan.text, plan.chunk_chars)
        .into_iter()
        .map(|t| delta(json!({"content": t})))
        .collect();
    // Each call: its name and id first, then its arguments' JSON text in pieces.
    for (k, call) in plan.tool_calls.iter().enumerate() {
        let id = call
            .id
            .clone()
            .unwrap_or_else(|| format!("call_fake_{}", k + 1));
        text.push(delta(
            json!({"tool_calls": [{"index": k, "id": id, "type": "function",
            "function": {"name": call.name, "arguments": ""}}]}),
        ));
        for piece in chunks(&call.arguments.to_string(), plan.chunk_chars) {
            text.push(delta(
                json!({"tool_calls": [{"index": k, "function": {"arguments": piece}}]}),
            ));
        }
    }
    let reason = match (plan.length, plan.tool_calls.is_empty()) {
        (true, _) => "length",
        (false, false) => "tool_calls",
        (false, true) => "stop",
    };
    let mut tail = vec![sse(
        None,
        &openai_chunk(
            plan.model,
            json!([{"index": 0,
        "delta": {}, "finish_reason": reason}]),
        ),
    )];
    if plan.include_usage {
        let mut usage = openai_chunk(plan.model, json!([]));
        usage["usage"] = json!({"prompt_tokens": c.input, "completion_tokens": c.output,
            "total_tokens": c.input + c.output,
            "prompt_tokens_details": {"cached_tokens": c.cached_input},
            "completion_tokens_details": {"reasoning_tokens": c.thinking}});
        tail.push(sse(None, &usage));
    }
    tail.push(Bytes::from_static(b"data: [DONE]\n\n"));
    Parts { head, text, tail }
}

fn gemini(plan: &Plan<'_>) -> Parts {
    let c = plan.counts;
    let partial_usage = json!({"promptTokenCount": c.input, "totalTokenCount": c.input,
        "cachedContentTokenCount": c.cached_input});
    let chunk = |parts: Value, extra: Option<(&str, Value)>| {
        let mut v = json!({"candidates": [{"content": {"parts": parts, "role": "model"},
            "index": 0}], "usageMetadata": partial_usage, "modelVersion": plan.model});
        if let Some((k, val)) = extra {
            v[k] = val;
        }
        gemini_sse(&v)
    };
    let head = plan
        .thinking
        .map(|t| chunks(t, plan.chunk_chars))
        .unwrap_or_default()
        .into_iter()
        .map(|t| chunk(json!([{"text": t, "thought": true}]), None))
        .collect();
    let mut text: Vec<Bytes> = chunks(plan.text, plan.chunk_chars)
        .into_iter()
        .map(|t| chunk(json!([{"text": t}]), None))
        .collect();
    // Gemini sends each call whole (and, with thinking on, signed); the bytes go out in pieces.
    for (n, call) in plan.tool_calls.iter().enumerate() {
        let mut function_call = json!({"name": call.name, "args": call.arguments});
        if let Some(id) = &call.id {
            function_call["id"] = json!(id);
        }
        let mut part = json!({"functionCall": function_call});
        if plan.thinking.is_some() {
            part["thoughtSignature"] = json!(format!("ZmFrZS1zaWduYXR1cmU{}", n + 1));
        }
        text.extend(cut(&chunk(json!([part]), None), plan.chunk_chars));
    }
    // A turn of calls ends with STOP too.
    let reason = if plan.length { "MAX_TOKENS" } else { "STOP" };
    let last = json!({"candidates": [{"content": {"parts": [{"text": ""}], "role": "model"},
        "finishReason": reason, "index": 0}],
        "usageMetadata": {"promptTokenCount": c.input,
            "candidatesTokenCount": c.output - c.thinking.min(c.output),
            "thoughtsTokenCount": c.thinking, "cachedContentTokenCount": c.cached_input,
            "totalTokenCount": c.input + c.output},
        "modelVersion": plan.model});
    Parts {
        head,
        text,
        tail: vec![gemini_sse(&last)],
    }
}

fn ollama(plan: &Plan<'_>) -> Parts {
    let c = plan.counts;
    let line = |content: &str, thinking: Option<&str>| {
        let mut message = json!({"role": "assistant", "content": content});
        if let Some(t) = thinking {
            message["thinking"] = json!(t);
        }
        ndjson(
            &json!({"model": plan.model, "created_at": "2025-01-01T00:00:00Z",
            "message": message, "done": false}),
        )
    };
    let head = plan
        .thinking
        .map(|t| chunks(t, plan.chunk_chars))
        .unwrap_or_default()
        .into_iter()
        .map(|t| line("", Some(t)))
        .collect();
    let mut text: Vec<Bytes> = chunks(plan.text, plan.chunk_chars)
        .into_iter()
        .map(|t| line(t, None))
        .collect();
    // Ollama sends each call whole, its arguments an object; the bytes go out in pieces.
    for (n, call) in plan.tool_calls.iter().enumerate() {
        let mut wire = json!({"function": {"index": n, "name": call.name,
            "arguments": call.arguments}});
        if let Some(id) = &call.id {
            wire["id"] = json!(id);
        }
        let event = ndjson(
            &json!({"model": plan.model, "created_at": "2025-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": "", "tool_calls": [wire]},
            "done": false}),
        );
        text.extend(cut(&event, plan.chunk_chars));
    }
    // A turn of calls ends with `stop` too.
    let reason = if plan.length { "length" } else { "stop" };
    let last = ndjson(
        &json!({"model": plan.model, "created_at": "2025-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": ""}, "done": true, "done_reason": reason,
        "total_duration": 1000, "prompt_eval_count": c.input, "eval_count": c.output}),
    );
    Parts {
        head,
        text,
        tail: vec![last],
    }
}

/// Each service's error event inside a 200 stream.
fn mid_stream_error(format: Format) -> Bytes {
    match format {
        Format::Anthropic => sse(
            Some("error"),
            &json!({"type": "error",
            "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        ),
        Format::OpenAi => sse(
            None,
            &json!({"error": {"message":
            "The server had an error while processing your request. Sorry about that!",
            "type": "server_error", "param": null, "code": null}}),
        ),
        Format::Gemini => gemini_sse(&json!({"error": {"code": 500,
            "message": "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
            "status": "INTERNAL"}})),
        Format::Ollama => {
            ndjson(&json!({"error": "an error was encountered while running the model"}))
        }
    }
}

fn malformed(format: Format) -> Bytes {
    match format {
        Format::Anthropic => Bytes::from_static(
            b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"oops\n\n",
        ),
        Format::OpenAi => Bytes::from_static(b"data: {\"choices\":[{\"delta\":{\"content\":\"oops\"}\n\n"),
        Format::Gemini => Bytes::from_static(b"data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\r\n\r\n"),
        Format::Ollama => Bytes::from_static(b"{\"message\":{\"content\":\"oops\"\n"),
    }
}

/// The service's error body for `status`, in its own shape and words.
pub(crate) fn error_body(format: Format, status: u16, model: &str) -> String {
    let message = match status {
        400 => "invalid request".to_string(),
        401 => "invalid api key".to_string(),
        402 => "payment required: your credit balance is too low".to_string(),
        403 => "permission denied".to_string(),
        404 => match format {
            Format::Ollama => format!("model '{model}' not found"),
            Format::OpenAi => {
                format!("The model `{model}` does not exist or you do not have access to it.")
            }
            _ => format!("model: {model}"),
        },
        408 => "request timeout".to_string(),
        409 => "conflict".to_string(),
        413 => "Request exceeds the maximum size".to_string(),
        429 => "Number of request tokens has exceeded your per-minute rate limit".to_string(),
        529 => "Overloaded".to_string(),
        s if s >= 500 => "Internal server error".to_string(),
        _ => "error".to_string(),
    };
    let body = match format {
        Format::Anthropic => {
            let ty = match status {
                400 => "invalid_request_error",
                401 => "authentication_error",
                402 => "billing_error",
                403 => "permission_error",
                404 => "not_found_error",
                413 => "request_too_large",
                429 => "rate_limit_error",
                529 => "overloaded_error",
                _ => "api_error",
            };
            json!({"type": "error", "error": {"type": ty, "message": message},
                "request_id": "req_fake"})
        }
        Format::OpenAi => {
            let (ty, code) = match status {
                404 => ("invalid_request_error", json!("model_not_found")),
                429 => ("requests", json!("rate_limit_exceeded")),
                s if s >= 500 => ("server_error", Value::Null),
                _ => ("invalid_request_error", Value::Null),
            };
            json!({"error": {"message": message, "type": ty, "param": null, "code": code}})
        }
        Format::Gemini => {
            let st = match status {
                400 => "INVALID_ARGUMENT",
                403 => "PERMISSION_DENIED",
                404 => "NOT_FOUND",
                429 => "RESOURCE_EXHAUSTED",
                503 => "UNAVAILABLE",
                _ => "INTERNAL",
            };
            json!({"error": {"code": status, "message": message, "status": st}})
        }
        Format::Ollama => json!({"error": message}),
    };
    body.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_split_on_characters_not_bytes() {
        assert_eq!(chunks("héllo👍!", 2), vec!["hé", "ll", "o👍", "!"]);
        assert!(chunks("", 3).is_empty());
    }

    /// Each format's answer to a reply with one call, as the pieces it writes.
    fn pieces_of_a_call(format: Format) -> Vec<String> {
        let calls = [FakeToolCall {
            id: None,
            name: "grep".into(),
            arguments: json!({"pattern": "retry loop"}),
        }];
        let plan = Plan {
            format,
            model: "m",
            text: "",
            tool_calls: &calls,
            thinking: None,
            chunk_chars: 5,
            delay: Duration::from_millis(1),
            length: false,
            counts: Counts::default(),
            include_usage: false,
            fault: None,
        };
        render(&plan)
            .into_iter()
            .map(|p| String::from_utf8_lossy(&p.bytes.unwrap_or_default()).into_owned())
            .collect()
    }

    #[test]
    fn a_call_is_written_in_pieces_in_every_format() {
        let args = "{\"pattern\":\"retry loop\"}";
        for format in [
            Format::Anthropic,
            Format::OpenAi,
            Format::Gemini,
            Format::Ollama,
        ] {
            let pieces = pieces_of_a_call(format);
            // No single write holds the whole arguments text...
            assert!(
                !pieces.iter().any(|p| p.contains("retry loop")),
                "{format:?}: {pieces:?}"
            );
            // ...and the writes together hold it (as JSON text, or as a JSON object).
            let whole = pieces.concat();
            let carried = match format {
                Format::Anthropic | Format::OpenAi => chunks(args, 5)
                    .iter()
                    .all(|c| whole.contains(&c.replace('"', "\\\""))),
                Format::Gemini | Format::Ollama => whole.contains(args),
            };
            assert!(carried, "{format:?}: {whole}");
        }
    }
}
