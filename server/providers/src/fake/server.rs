//! The fake provider's HTTP side: routes each wire format on its real path, checks auth as the
//! service does, picks the scripted reply and streams it, logging every request.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::log::{RecordedRequest, RequestLog, mask_headers, mask_query};
use super::render::{self, Counts, Piece, Plan};
use super::scenario::{Format, Reply, Scenario};

pub(crate) struct Shared {
    pub scenario: Scenario,
    pub log: Arc<RequestLog>,
}

/// The wire format a path belongs to, and Gemini's model (which rides in the path).
fn route(path: &str) -> Option<(Format, Option<String>)> {
    if path.ends_with("/v1/messages") {
        return Some((Format::Anthropic, None));
    }
    // OpenAI-compatible clients put any prefix before it (their base_url).
    if path.ends_with("/chat/completions") {
        return Some((Format::OpenAi, None));
    }
    if path.ends_with("/api/chat") {
        return Some((Format::Ollama, None));
    }
    let rest = path.strip_prefix("/v1beta/models/")?;
    let model = rest.strip_suffix(":streamGenerateContent")?;
    Some((Format::Gemini, Some(model.to_string())))
}

/// The messages of a request, in the format's own shape.
fn messages(format: Format, body: &Value) -> &[Value] {
    let list = match format {
        Format::Gemini => body.get("contents"),
        _ => body.get("messages"),
    };
    list.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// Whether a message carries tool results: a `role: "tool"` message (OpenAI, Ollama), or a
/// user turn with `tool_result` blocks (Anthropic) or `functionResponse` parts (Gemini).
fn has_tool_results(format: Format, message: &Value) -> bool {
    let any_part = |key: &str, is: &dyn Fn(&Value) -> bool| {
        message
            .get(key)
            .and_then(Value::as_array)
            .is_some_and(|ps| ps.iter().any(is))
    };
    match format {
        Format::Anthropic => any_part("content", &|b| {
            b.get("type").and_then(Value::as_str) == Some("tool_result")
        }),
        Format::Gemini => any_part("parts", &|p| p.get("functionResponse").is_some()),
        Format::OpenAi | Format::Ollama => {
            message.get("role").and_then(Value::as_str) == Some("tool")
        }
    }
}

/// The text of the last user message with text, in the format's own message shape: a turn of
/// tool results alone is skipped.
fn last_user_text(format: Format, body: &Value) -> String {
    let Some(last) = messages(format, body).iter().rev().find(|m| {
        m.get("role").and_then(Value::as_str) == Some("user") && !has_tool_results(format, m)
    }) else {
        return String::new();
    };
    let content = match format {
        Format::Gemini => last.get("parts"),
        _ => last.get("content"),
    };
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// What the service answers a request with a missing or refused key, if anything.
fn auth_failure(
    format: Format,
    headers: &HeaderMap,
    uri: &Uri,
    scenario: &Scenario,
) -> Option<(u16, String)> {
    let auth = &scenario.auth;
    if !auth.required || format == Format::Ollama {
        return None;
    }
    // OpenAI's own path checks the key; the same path under another prefix stands in for a
    // keyless OpenAI-compatible server (Ollama's `/v1`, llama.cpp, vLLM).
    if format == Format::OpenAi && uri.path() != "/v1/chat/completions" {
        return None;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let key = match format {
        Format::Anthropic => header("x-api-key"),
        Format::OpenAi => {
            header("authorization").and_then(|v| v.strip_prefix("Bearer ").map(str::to_string))
        }
        Format::Gemini => header("x-goog-api-key").or_else(|| {
            uri.query()?
                .split('&')
                .find_map(|kv| kv.strip_prefix("key=").map(str::to_string))
        }),
        Format::Ollama => None,
    };
    let refused = |key: &str| !auth.keys.is_empty() && !auth.keys.iter().any(|k| k == key);
    match (format, key) {
        (Format::Anthropic, None) => Some((401, json!({"type": "error", "error": {
            "type": "authentication_error", "message": "x-api-key header is required"}}).to_string())),
        (Format::Anthropic, Some(k)) if refused(&k) => Some((401, json!({"type": "error", "error": {
            "type": "authentication_error", "message": "invalid x-api-key"}}).to_string())),
        (Format::OpenAi, None) => Some((401, json!({"error": {"message":
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            "type": "invalid_request_error", "param": null, "code": null}}).to_string())),
        (Format::OpenAi, Some(k)) if refused(&k) => {
            // OpenAI quotes the refused key masked but for its last four characters.
            let tail: String = k.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
            Some((401, json!({"error": {"message": format!("Incorrect API key provided: sk-***{tail}. You can find your API key at https://platform.openai.com/account/api-keys."),
                "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}).to_string()))
        }
        (Format::Gemini, None) => Some((403, json!({"error": {"code": 403, "message":
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
            "status": "PERMISSION_DENIED"}}).to_string())),
        // Google's real answer, which quotes the key in its debug details.
        (Format::Gemini, Some(k)) if refused(&k) => Some((400, json!({"error": {"code": 400,
            "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                 "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}},
                {"@type": "type.googleapis.com/google.rpc.DebugInfo", "detail": format!("Invalid API key: {k}")}
            ]}}).to_string())),
        _ => None,
    }
}

fn estimate_tokens(chars: usize) -> u64 {
    chars.div_ceil(4) as u64
}

/// The default answer: short, deterministic, and naming what it answers.
fn default_text(format: Format, model: &str, body: &Value, last_user: &str) -> String {
    let role = match format {
        Format::Gemini => body.get("contents"),
        _ => body.get("messages"),
    }
    .and_then(Value::as_array)
    .and_then(|ms| ms.last())
    .and_then(|m| m.get("role"))
    .and_then(Value::as_str)
    .unwrap_or("user")
    .to_string();
    let first_line = last_user.lines().next().unwrap_or("");
    let excerpt: String = first_line.chars().take(60).collect();
    format!(
        "fake {} reply from {model} to the {role} message: \"{excerpt}\"",
        format.as_str()
    )
}

pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body_value: Value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    let mut record = RecordedRequest {
        seq: 0,
        at_ms: 0.0,
        unix_ms: 0,
        method: method.to_string(),
        path: mask_query(&uri.to_string()),
        format: None,
        model: None,
        headers: mask_headers(&headers),
        body: body_value.clone(),
        status: 200,
        reply: None,
        fault: None,
        completed: false,
        disconnected_early: false,
        ended_ms: None,
    };
    let log = Arc::clone(&shared.log);
    let scenario = &shared.scenario;

    let Some((format, path_model)) = route(uri.path()) else {
        record.status = 404;
        let seq = log.begin(record);
        log.end(seq, true, false);
        return plain(
            404,
            "application/json",
            json!({"error": {"message":
            format!("the fake provider has no route {}", uri.path()), "code": 404}})
            .to_string(),
            &Default::default(),
        );
    };
    record.format = Some(format);
    if method != Method::POST {
        record.status = 405;
        let seq = log.begin(record);
        log.end(seq, true, false);
        return plain(
            405,
            "text/plain",
            "method not allowed".to_string(),
            &Default::default(),
        );
    }
    let model = path_model
        .or_else(|| {
            body_value
                .get("model")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_default();
    record.model = Some(model.clone());

    if let Some((status, text)) = auth_failure(format, &headers, &uri, scenario) {
        record.status = status;
        let seq = log.begin(record);
        log.end(seq, true, false);
        return plain(status, "application/json", text, &Default::default());
    }

    let last_user = last_user_text(format, &body_value);
    let results = messages(format, &body_value)
        .last()
        .filter(|m| has_tool_results(format, m))
        .map(ToString::to_string);
    let picked = scenario.pick(format, &model, &last_user, results.as_deref());
    let fallback = Reply::default();
    let (reply, faulty) = match picked {
        Some((i, reply, faulty)) => {
            record.reply = Some(i);
            (reply, faulty)
        }
        None => (&fallback, false),
    };
    let error_status = reply.status.filter(|_| faulty);
    record.status = error_status.unwrap_or(200);
    let fault = if faulty && error_status.is_none() {
        reply.fault
    } else {
        None
    };
    record.fault = fault;

    // Logged on arrival, so a client that gives up while the headers are held back is seen.
    let seq = log.begin(record);
    let mut guard = EndGuard {
        log: Arc::clone(&log),
        seq,
        ended: false,
    };
    if let Some(ms) = reply.headers_delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    // An error status: the service's own error body, no stream.
    if let Some(status) = error_status {
        let text = reply
            .body
            .clone()
            .unwrap_or_else(|| render::error_body(format, status, &model));
        guard.end(true);
        return plain(status, "application/json", text, &reply.headers);
    }

    let delay = Duration::from_millis(reply.delay_ms(&scenario.defaults));
    if let Some(bytes) = &reply.replay_bytes {
        return replay(guard, reply, bytes, format, delay);
    }

    let text = match (&reply.text, reply.tool_calls.is_empty()) {
        (Some(t), _) => t.clone(),
        (None, false) => String::new(),
        (None, true) => default_text(format, &model, &body_value, &last_user),
    };
    let call_chars: usize = reply
        .tool_calls
        .iter()
        .map(|c| c.name.len() + c.arguments.to_string().len())
        .sum();
    let thinking = reply.thinking.as_deref();
    let usage = reply.usage.unwrap_or_default();
    let thinking_tokens = usage
        .thinking
        .unwrap_or_else(|| thinking.map_or(0, |t| estimate_tokens(t.chars().count())));
    let input = usage.input.unwrap_or_else(|| estimate_tokens(body.len()));
    let counts = Counts {
        input: input.max(usage.cached_input + usage.cache_write),
        output: usage.output.unwrap_or_else(|| {
            estimate_tokens(text.chars().count() + call_chars) + thinking_tokens
        }),
        cached_input: usage.cached_input,
        cache_write: usage.cache_write,
        thinking: thinking_tokens,
    };
    let plan = Plan {
        format,
        model: &model,
        text: &text,
        tool_calls: &reply.tool_calls,
        thinking,
        chunk_chars: reply.chunk_chars(&scenario.defaults),
        delay,
        length: reply.finish.as_deref() == Some("length"),
        counts,
        include_usage: body_value
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        fault: fault.map(|f| {
            (
                f,
                reply.fault_after.unwrap_or(1),
                Duration::from_millis(reply.stall_ms.unwrap_or(30_000)),
            )
        }),
    };
    let pieces = render::render(&plan);
    streamed(
        guard,
        200,
        render::content_type(format),
        pieces,
        &reply.headers,
    )
}

/// Serves a recording: a `.response.json` record (status, headers, body) or a raw body.
fn replay(
    mut guard: EndGuard,
    reply: &Reply,
    bytes: &[u8],
    format: Format,
    delay: Duration,
) -> Response {
    if let Ok(Value::Object(r)) = serde_json::from_slice::<Value>(bytes)
        && let (Some(status), Some(body)) =
            (r.get("status_code").and_then(Value::as_u64), r.get("body"))
    {
        let status = u16::try_from(status).unwrap_or(500);
        let mut headers = reply.headers.clone();
        for (k, v) in r
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            // Framing headers describe the original connection, not this one.
            if !matches!(
                k.as_str(),
                "content-length" | "connection" | "transfer-encoding" | "content-type"
            ) && let Some(v) = v.as_str()
            {
                headers.insert(k.clone(), v.to_string());
            }
        }
        guard.log.set_status(guard.seq, status);
        guard.end(true);
        return plain(status, "application/json", body.to_string(), &headers);
    }
    let content_type = reply.content_type.clone().unwrap_or_else(|| {
        let name = reply
            .replay
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".ndjson") {
            "application/x-ndjson".to_string()
        } else if name.ends_with(".json") {
            "application/json".to_string()
        } else if name.ends_with(".sse") {
            "text/event-stream".to_string()
        } else {
            render::content_type(format).to_string()
        }
    });
    let mut cuts: Vec<usize> = reply
        .split_at
        .iter()
        .copied()
        .filter(|&c| c > 0 && c < bytes.len())
        .collect();
    if let Some(n) = reply.chunk_bytes.filter(|&n| n > 0) {
        cuts.extend((n..bytes.len()).step_by(n));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for end in cuts.into_iter().chain(std::iter::once(bytes.len())) {
        pieces.push(Piece {
            delay: if start == 0 { Duration::ZERO } else { delay },
            bytes: Some(Bytes::copy_from_slice(&bytes[start..end])),
        });
        start = end;
    }
    streamed(guard, 200, &content_type, pieces, &reply.headers)
}

fn with_headers(
    mut builder: axum::http::response::Builder,
    extra: &std::collections::BTreeMap<String, String>,
) -> axum::http::response::Builder {
    for (k, v) in extra {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(k.as_str()),
            HeaderValue::try_from(v.as_str()),
        ) {
            builder = builder.header(name, value);
        }
    }
    builder
}

fn plain(
    status: u16,
    content_type: &str,
    body: String,
    extra: &std::collections::BTreeMap<String, String>,
) -> Response {
    let builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, content_type);
    with_headers(builder, extra)
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::from("fake provider: bad response")))
}

/// Notes in the log how the answer ended; dropped unfinished means the client went away.
struct EndGuard {
    log: Arc<RequestLog>,
    seq: u64,
    ended: bool,
}

impl EndGuard {
    fn end(&mut self, completed: bool) {
        if !self.ended {
            self.ended = true;
            self.log.end(self.seq, completed, false);
        }
    }
}

impl Drop for EndGuard {
    fn drop(&mut self) {
        if !self.ended {
            self.log.end(self.seq, false, true);
        }
    }
}

fn streamed(
    guard: EndGuard,
    status: u16,
    content_type: &str,
    pieces: Vec<Piece>,
    extra: &std::collections::BTreeMap<String, String>,
) -> Response {
    let pieces: VecDeque<Piece> = pieces.into();
    let stream = futures::stream::unfold((pieces, guard), |(mut pieces, mut guard)| async move {
        let Some(piece) = pieces.pop_front() else {
            guard.end(true);
            return None;
        };
        if !piece.delay.is_zero() {
            tokio::time::sleep(piece.delay).await;
        }
        match piece.bytes {
            Some(bytes) => {
                // Handed over whole: the rest is the connection's business.
                if pieces.is_empty() {
                    guard.end(true);
                }
                Some((Ok(bytes), (pieces, guard)))
            }
            None => {
                guard.end(false);
                Some((
                    Err(std::io::Error::other("fake provider: disconnect fault")),
                    (pieces, guard),
                ))
            }
        }
    });
    let builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-cache");
    with_headers(builder, extra)
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| Response::new(Body::from("fake provider: bad response")))
}
