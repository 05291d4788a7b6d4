//! The errors a call can end in, each naming what went wrong and what the user can do, and the
//! classification of HTTP error responses into them.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::retry;
use crate::secret::ApiKey;
use crate::settings::ProviderKind;

/// Why a call failed. Messages are lowercase sentences that end with what to do next; none
/// contains an API key (keys are redacted from provider messages before they get here).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    #[error("{provider}: no API key: {why}; {hint}")]
    MissingKey {
        provider: String,
        why: String,
        hint: String,
    },
    #[error("{provider} refused the API key (HTTP {status}: {message}); {hint}")]
    Auth {
        provider: String,
        status: u16,
        message: String,
        hint: String,
    },
    #[error("{provider} has no model `{model}` (HTTP 404: {message}); {hint}")]
    ModelNotFound {
        provider: String,
        model: String,
        message: String,
        hint: String,
    },
    #[error("{provider} rejected the request (HTTP {status}): {message}")]
    BadRequest {
        provider: String,
        status: u16,
        message: String,
    },
    #[error(
        "{provider}: billing or quota problem (HTTP {status}): {message}; check the account's plan and credits"
    )]
    Billing {
        provider: String,
        status: u16,
        message: String,
    },
    #[error(
        "{provider}: the prompt is too long for `{model}` (HTTP {status}): {message}; send a smaller selection or use a model with a larger context window"
    )]
    ContextTooLong {
        provider: String,
        model: String,
        status: u16,
        message: String,
    },
    #[error("{provider} rate-limited the request{}: {message}", wait_note(.retry_after))]
    RateLimited {
        provider: String,
        retry_after: Option<Duration>,
        message: String,
    },
    #[error(
        "{provider} is overloaded (HTTP {status}): {message}; try again shortly or use a fallback model"
    )]
    Overloaded {
        provider: String,
        status: u16,
        message: String,
    },
    #[error("{provider} had a server error (HTTP {status}): {message}; try again later")]
    Server {
        provider: String,
        status: u16,
        message: String,
    },
    #[error("{provider} answered HTTP {status}: {message}")]
    Http {
        provider: String,
        status: u16,
        message: String,
    },
    #[error("{provider}: {}; raise the provider's {} or check the server at {url}", phase_note(*.phase, *.after), phase_setting(*.phase))]
    Timeout {
        provider: String,
        phase: TimeoutPhase,
        after: Duration,
        url: String,
    },
    #[error(
        "{provider}: cannot connect to {url}: {message}; check that the server is running and the provider's base_url"
    )]
    Connect {
        provider: String,
        url: String,
        message: String,
    },
    #[error(
        "{provider} reported an error mid-answer ({kind}): {message}; the partial answer was discarded"
    )]
    MidStream {
        provider: String,
        kind: String,
        message: String,
        retryable: bool,
    },
    #[error(
        "{provider}: the connection was lost mid-answer ({message}); the partial answer was discarded"
    )]
    Disconnected { provider: String, message: String },
    #[error(
        "{provider}: truncated stream: the answer ended before its final event; the partial answer was discarded"
    )]
    Truncated { provider: String },
    #[error("{provider} sent a malformed stream: {message}")]
    Malformed { provider: String, message: String },
    /// The model called a tool with arguments that are not JSON (garbled, or cut short by the
    /// output token limit). Not retried: the same request tends to give the same arguments.
    #[error(
        "{provider}: the model called the tool `{tool}` (call {id}) with arguments that are not valid JSON: {message}"
    )]
    ToolArguments {
        provider: String,
        tool: String,
        id: String,
        message: String,
    },
    #[error("{provider}: {message}")]
    Config { provider: String, message: String },
}

/// Which wait ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutPhase {
    /// Opening the TCP (and TLS) connection.
    Connect,
    /// Waiting for the response headers after sending the request.
    Response,
    /// Waiting for the next piece of a streamed answer.
    Idle,
}

fn wait_note(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(" (it asks to wait {})", secs(*d)),
        None => String::new(),
    }
}

fn phase_note(phase: TimeoutPhase, after: Duration) -> String {
    match phase {
        TimeoutPhase::Connect => format!("connecting timed out after {}", secs(after)),
        TimeoutPhase::Response => format!("no response within {}", secs(after)),
        TimeoutPhase::Idle => format!("the answer stalled for {} (idle timeout)", secs(after)),
    }
}

fn phase_setting(phase: TimeoutPhase) -> &'static str {
    match phase {
        TimeoutPhase::Connect | TimeoutPhase::Response => "timeout_s",
        TimeoutPhase::Idle => "idle_timeout_s",
    }
}

/// A duration as seconds with at most three decimals, e.g. `2.5s`.
pub(crate) fn secs(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        let s = format!("{:.3}", d.as_secs_f64());
        format!("{}s", s.trim_end_matches('0'))
    }
}

impl ProviderError {
    /// Whether trying the same request again may succeed (the official SDKs' rule: 408, 409,
    /// 429, 5xx, connection trouble; plus failures mid-stream before any text was passed on,
    /// which the retry loop only retries in that case).
    pub fn is_retryable(&self) -> bool {
        match self {
            ProviderError::RateLimited { .. }
            | ProviderError::Overloaded { .. }
            | ProviderError::Server { .. }
            | ProviderError::Timeout { .. }
            | ProviderError::Connect { .. }
            | ProviderError::Disconnected { .. }
            | ProviderError::Truncated { .. } => true,
            ProviderError::Http { status, .. } => retry::status_is_retryable(*status),
            ProviderError::MidStream { retryable, .. } => *retryable,
            _ => false,
        }
    }

    /// The same error with every occurrence of `key` in its texts replaced by `***`: provider
    /// messages can quote the key (Gemini's details do), and this runs on every error a call
    /// returns.
    pub(crate) fn redacted(mut self, key: &ApiKey) -> Self {
        use ProviderError as E;
        let texts: Vec<&mut String> = match &mut self {
            E::MissingKey { why, hint, .. } => vec![why, hint],
            E::Auth { message, hint, .. } | E::ModelNotFound { message, hint, .. } => {
                vec![message, hint]
            }
            E::BadRequest { message, .. }
            | E::Billing { message, .. }
            | E::ContextTooLong { message, .. }
            | E::RateLimited { message, .. }
            | E::Overloaded { message, .. }
            | E::Server { message, .. }
            | E::Http { message, .. }
            | E::Connect { message, .. }
            | E::MidStream { message, .. }
            | E::Disconnected { message, .. }
            | E::Malformed { message, .. }
            | E::ToolArguments { message, .. }
            | E::Config { message, .. } => vec![message],
            E::Timeout { url, .. } => vec![url],
            E::Truncated { .. } => vec![],
        };
        for t in texts {
            *t = key.redact(t);
        }
        self
    }

    /// The provider's requested wait, for a rate limit.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// What the classifier needs to know about the call besides the response. Holds nothing secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallContext {
    /// The configured provider name.
    pub provider: String,
    pub kind: ProviderKind,
    /// The wire model id.
    pub model: String,
    /// What to do about a bad or missing key (see [`crate::ApiKeySource::hint`]).
    pub key_hint: String,
}

impl CallContext {
    /// A context for `kind` under its own name, with its default key variable in the hint.
    pub fn new(kind: ProviderKind, model: impl Into<String>) -> Self {
        let source = kind
            .default_key_env()
            .map_or(crate::ApiKeySource::None, |v| {
                crate::ApiKeySource::Env(v.to_string())
            });
        CallContext {
            provider: kind.as_str().to_string(),
            kind,
            model: model.into(),
            key_hint: source.hint(),
        }
    }
}

/// The useful parts of a provider's error body, whichever of the formats it came in:
/// `{"error": {"message", "type", "code", "status", "details": [{"reason"}]}}` (OpenAI, Anthropic,
/// Gemini) or `{"error": "text"}` (Ollama), or anything else as plain text.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct ErrorBody {
    pub message: String,
    /// `type`, else `status`, else `code` (whichever the provider uses to name the error).
    pub kind: String,
    pub code: Option<String>,
    pub reason: Option<String>,
    pub numeric_code: Option<u16>,
}

/// Longest provider message kept in an error, so an HTML error page does not flood the editor.
const MAX_MESSAGE: usize = 600;

pub(crate) fn truncate_message(text: &str) -> String {
    let text = text.trim();
    if text.len() <= MAX_MESSAGE {
        return text.to_string();
    }
    let mut end = MAX_MESSAGE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Reads an error object (the value of `"error"`, or the whole body) into an [`ErrorBody`].
pub(crate) fn error_from_value(error: &Value) -> ErrorBody {
    if let Some(text) = error.as_str() {
        return ErrorBody {
            message: truncate_message(text),
            ..ErrorBody::default()
        };
    }
    let str_of = |k: &str| error.get(k).and_then(Value::as_str).map(str::to_string);
    let code = match error.get("code") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let numeric_code = error
        .get("code")
        .and_then(Value::as_u64)
        .and_then(|c| u16::try_from(c).ok());
    let reason = error
        .get("details")
        .and_then(Value::as_array)
        .and_then(|ds| ds.iter().find_map(|d| d.get("reason")?.as_str()))
        .map(str::to_string);
    ErrorBody {
        message: truncate_message(&str_of("message").unwrap_or_default()),
        kind: str_of("type")
            .or_else(|| str_of("status"))
            .or_else(|| code.clone())
            .unwrap_or_default(),
        code,
        reason,
        numeric_code,
    }
}

/// Parses an HTTP error body. Never fails: an unreadable body becomes its own text.
pub(crate) fn parse_error_body(body: &[u8]) -> ErrorBody {
    let text = String::from_utf8_lossy(body);
    match serde_json::from_str::<Value>(&text) {
        Ok(v) => match v.get("error") {
            Some(e) => error_from_value(e),
            None => ErrorBody {
                message: truncate_message(&text),
                ..ErrorBody::default()
            },
        },
        Err(_) => ErrorBody {
            message: truncate_message(&text),
            ..ErrorBody::default()
        },
    }
}

fn looks_like_context_overflow(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "context length",
        "context_length",
        "context window",
        "prompt is too long",
        "too many tokens",
        "maximum number of tokens",
        "exceeds the maximum",
        "input is too long",
        "request too large",
    ]
    .iter()
    .any(|p| m.contains(p))
}

/// Turns a non-success HTTP response into the error the user can act on. O(body).
pub(crate) fn classify_status(
    cx: &CallContext,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> ProviderError {
    classify_error_body(cx, status, headers, parse_error_body(body))
}

/// [`classify_status`] for an error body already parsed (also used for an error object that
/// arrives as a whole JSON body on HTTP 200, with its own `code` standing in for the status).
pub(crate) fn classify_error_body(
    cx: &CallContext,
    status: u16,
    headers: &HeaderMap,
    parsed: ErrorBody,
) -> ProviderError {
    let mut message = parsed.message.clone();
    if message.is_empty() {
        message = format!("HTTP {status} with an empty body");
    }
    let provider = cx.provider.clone();
    let kind = parsed.kind.to_ascii_lowercase();
    let code = parsed.code.as_deref().unwrap_or("");

    // Gemini answers a bad key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID.
    let key_invalid = parsed.reason.as_deref() == Some("API_KEY_INVALID")
        || kind.contains("authentication")
        || code == "invalid_api_key";
    if status == 401 || status == 403 || key_invalid {
        return ProviderError::Auth {
            provider,
            status,
            message,
            hint: cx.key_hint.clone(),
        };
    }
    let billing = status == 402
        || code == "insufficient_quota"
        || kind == "insufficient_quota"
        || kind == "billing_error"
        || message.contains("credit balance is too low");
    if billing {
        return ProviderError::Billing {
            provider,
            status,
            message,
        };
    }
    if status == 404 {
        let hint = match cx.kind {
            ProviderKind::Ollama => format!("pull it with `ollama pull {}`", cx.model),
            _ => "check the model's `name` in the config and the provider's base_url".to_string(),
        };
        return ProviderError::ModelNotFound {
            provider,
            model: cx.model.clone(),
            message,
            hint,
        };
    }
    if status == 413
        || kind == "request_too_large"
        || ((status == 400 || status == 422) && looks_like_context_overflow(&message))
    {
        return ProviderError::ContextTooLong {
            provider,
            model: cx.model.clone(),
            status,
            message,
        };
    }
    if status == 429 {
        return ProviderError::RateLimited {
            provider,
            retry_after: retry::retry_after(headers, std::time::SystemTime::now()),
            message,
        };
    }
    if status == 529 || kind == "overloaded_error" {
        return ProviderError::Overloaded {
            provider,
            status,
            message,
        };
    }
    if status >= 500 {
        return ProviderError::Server {
            provider,
            status,
            message,
        };
    }
    if status == 400 || status == 422 {
        return ProviderError::BadRequest {
            provider,
            status,
            message,
        };
    }
    ProviderError::Http {
        provider,
        status,
        message,
    }
}

/// An error object that arrived inside a 200 stream. Retryable when it names a transient
/// condition (overload, server fault, rate limit), as an HTTP status would.
pub(crate) fn mid_stream(provider: &str, body: &ErrorBody) -> ProviderError {
    let kind = if !body.kind.is_empty() {
        body.kind.clone()
    } else if let Some(c) = body.numeric_code {
        c.to_string()
    } else {
        "error".to_string()
    };
    let k = kind.to_ascii_lowercase();
    let transient = [
        "overloaded",
        "api_error",
        "server_error",
        "internal",
        "unavailable",
        "rate_limit",
        "resource_exhausted",
    ]
    .iter()
    .any(|w| k.contains(w))
        || body.numeric_code.is_some_and(|c| c == 429 || c >= 500);
    let message = body.message.clone();
    ProviderError::MidStream {
        provider: provider.to_string(),
        kind,
        message: if message.is_empty() {
            "no message".to_string()
        } else {
            message
        },
        retryable: transient,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(kind: ProviderKind) -> CallContext {
        CallContext {
            provider: "p".to_string(),
            kind,
            model: "m-1".to_string(),
            key_hint: "set the environment variable P_KEY".to_string(),
        }
    }

    #[test]
    fn durations_print_as_seconds() {
        assert_eq!(secs(Duration::from_millis(2500)), "2.5s");
        assert_eq!(secs(Duration::from_secs(3)), "3s");
        assert_eq!(secs(Duration::from_millis(125)), "0.125s");
    }

    #[test]
    fn context_overflow_is_recognised_in_a_400() {
        let body = br#"{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}"#;
        let e = classify_status(&cx(ProviderKind::OpenAi), 400, &HeaderMap::new(), body);
        assert!(matches!(e, ProviderError::ContextTooLong { .. }), "{e:?}");
    }

    #[test]
    fn insufficient_quota_429_is_billing_not_rate_limit() {
        let body = br#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#;
        let e = classify_status(&cx(ProviderKind::OpenAi), 429, &HeaderMap::new(), body);
        assert!(matches!(e, ProviderError::Billing { .. }), "{e:?}");
        assert!(!e.is_retryable());
    }

    #[test]
    fn ollama_404_says_to_pull() {
        let body = br#"{"error":"model 'm-1' not found"}"#;
        let e = classify_status(&cx(ProviderKind::Ollama), 404, &HeaderMap::new(), body);
        assert!(e.to_string().contains("ollama pull m-1"), "{e}");
    }

    #[test]
    fn html_bodies_become_short_messages() {
        let body = "<html>".repeat(1000);
        let e = classify_status(
            &cx(ProviderKind::OpenAi),
            502,
            &HeaderMap::new(),
            body.as_bytes(),
        );
        assert!(matches!(e, ProviderError::Server { status: 502, .. }));
        assert!(e.to_string().len() < 800);
    }
}
