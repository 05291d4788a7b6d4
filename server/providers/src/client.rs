//! The one HTTP driver behind every wire format: builds the request, sends it with retries,
//! reads the streamed body with an idle timeout, and hands text deltas, tool calls and the
//! outcome on.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

use crate::decode::{Delta, Finished, StreamDecoder, decoder_for};
use crate::error::{self, CallContext, ProviderError, TimeoutPhase};
use crate::request::{Outcome, Request, StreamEvent};
use crate::retry;
use crate::secret::{self, ApiKey, ApiKeySource};
use crate::settings::{ModelSettings, ProviderKind, ProviderSettings};
use crate::usage::cost_usd;
use crate::{ChatStream, Provider, anthropic, gemini, ollama, openai};

/// A whole (non-streamed) JSON answer larger than this is not an answer.
const MAX_WHOLE_BODY: usize = 16 << 20;
/// Enough of an error body to read its message; the rest is not read.
const MAX_ERROR_BODY: usize = 64 << 10;

/// Builds the client for `settings.kind`.
///
/// # Errors
/// [`ProviderError::Config`] if the HTTP client cannot be built (no TLS roots on the system).
pub fn client_for(settings: &ProviderSettings) -> Result<Box<dyn Provider>, ProviderError> {
    Ok(Box::new(HttpProvider::new(settings.clone())?))
}

/// A provider reached over HTTP, speaking `settings.kind`'s wire format.
pub struct HttpProvider {
    inner: Arc<Inner>,
}

struct Inner {
    settings: ProviderSettings,
    base_url: String,
    http: reqwest::Client,
    /// A key command runs once per client: it may be slow (a password manager) or prompt.
    command_key: tokio::sync::Mutex<Option<ApiKey>>,
}

impl HttpProvider {
    /// # Errors
    /// [`ProviderError::Config`] if the HTTP client cannot be built.
    pub fn new(settings: ProviderSettings) -> Result<Self, ProviderError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(settings.timeout.min(Duration::from_secs(30)))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| ProviderError::Config {
                provider: settings.name.clone(),
                message: format!("cannot build the HTTP client: {}", error_chain(&e)),
            })?;
        Ok(HttpProvider {
            inner: Arc::new(Inner {
                base_url: settings.effective_base_url(),
                settings,
                http,
                command_key: tokio::sync::Mutex::new(None),
            }),
        })
    }
}

impl Provider for HttpProvider {
    fn settings(&self) -> &ProviderSettings {
        &self.inner.settings
    }

    fn stream(&self, model: &ModelSettings, request: &Request) -> ChatStream {
        let settings = &self.inner.settings;
        let kind = settings.kind;
        let (path, body) = match kind {
            ProviderKind::Anthropic => (
                anthropic::path().to_string(),
                anthropic::body(model, request),
            ),
            ProviderKind::OpenAi | ProviderKind::OpenAiCompatible => (
                openai::path().to_string(),
                openai::body(kind, model, request),
            ),
            ProviderKind::Gemini => (gemini::path(model), gemini::body(model, request)),
            ProviderKind::Ollama => (ollama::path().to_string(), ollama::body(model, request)),
        };
        let call = Call {
            inner: Arc::clone(&self.inner),
            cx: CallContext {
                provider: settings.name.clone(),
                kind,
                model: model.name.clone(),
                key_hint: settings.api_key.hint(),
            },
            url: format!("{}{}", self.inner.base_url, path),
            body: Bytes::from(body.to_string()),
            price: model.price,
            key: None,
            key_resolved: false,
            attempts: 0,
            passed_on: false,
            pending: VecDeque::new(),
            state: State::Start,
        };
        Box::pin(futures::stream::unfold(call, |mut call| async move {
            let item = call.next().await?;
            Some((item, call))
        }))
    }
}

/// One call in progress. Dropping it (with the stream) drops the response, which closes the
/// connection at once: hyper does not keep a connection whose body was not read to the end.
struct Call {
    inner: Arc<Inner>,
    cx: CallContext,
    url: String,
    body: Bytes,
    price: Option<crate::Price>,
    key: Option<ApiKey>,
    key_resolved: bool,
    attempts: u32,
    /// Some text or a tool call has reached the caller: from now on a failure is final, never
    /// retried.
    passed_on: bool,
    pending: VecDeque<Delta>,
    state: State,
}

enum State {
    Start,
    Streaming(Box<Body>),
    /// Finished: the outcome goes out once the pending text has.
    Done(Outcome),
    Over,
}

struct Body {
    response: reqwest::Response,
    decoder: Box<dyn StreamDecoder>,
    /// A plain JSON body (a server that ignored `stream: true`), gathered whole.
    whole: Option<Vec<u8>>,
}

enum Progress {
    More,
    Finished(Finished),
}

impl Call {
    async fn next(&mut self) -> Option<Result<StreamEvent, ProviderError>> {
        loop {
            if let Some(delta) = self.pending.pop_front() {
                self.passed_on = true;
                return Some(Ok(StreamEvent::from(delta)));
            }
            match std::mem::replace(&mut self.state, State::Over) {
                State::Over => return None,
                State::Done(outcome) => return Some(Ok(StreamEvent::Done(outcome))),
                State::Start => match self.open().await {
                    Ok(body) => self.state = State::Streaming(body),
                    Err(e) => return Some(Err(self.fail(e))),
                },
                State::Streaming(mut body) => match self.pump(&mut body).await {
                    Ok(Progress::More) => self.state = State::Streaming(body),
                    Ok(Progress::Finished(f)) => {
                        tracing::debug!(provider = %self.cx.provider, model = %self.cx.model,
                            attempts = self.attempts, usage = ?f.usage, "answer complete");
                        self.state = State::Done(Outcome {
                            finish_reason: f.finish_reason,
                            usage: f.usage,
                            attempts: self.attempts,
                            cost_usd: self.price.map(|p| cost_usd(&p, &f.usage)),
                        });
                    }
                    Err(e) => {
                        // Closes this connection before any retry opens the next.
                        drop(body);
                        self.pending.clear();
                        if !self.passed_on
                            && e.is_retryable()
                            && self.attempts <= self.max_retries()
                        {
                            let wait = self.backoff(None);
                            tracing::warn!(provider = %self.cx.provider, model = %self.cx.model,
                                attempt = self.attempts, wait_ms = wait.as_millis() as u64,
                                error = %self.redact(&e), "answer failed before any text; retrying");
                            tokio::time::sleep(wait).await;
                            self.state = State::Start;
                            continue;
                        }
                        return Some(Err(self.fail(e)));
                    }
                },
            }
        }
    }

    fn max_retries(&self) -> u32 {
        self.inner.settings.max_retries
    }

    fn backoff(&self, headers: Option<&HeaderMap>) -> Duration {
        let retry = self.attempts.saturating_sub(1);
        retry::wait_before_retry(&self.inner.settings.backoff, retry, headers, rand::random())
    }

    fn redact(&self, e: &ProviderError) -> String {
        let text = e.to_string();
        match &self.key {
            Some(k) => k.redact(&text),
            None => text,
        }
    }

    fn fail(&mut self, e: ProviderError) -> ProviderError {
        self.state = State::Over;
        let e = match &self.key {
            Some(k) => e.redacted(k),
            None => e,
        };
        tracing::debug!(provider = %self.cx.provider, model = %self.cx.model,
            attempts = self.attempts, error = %e, "call failed");
        e
    }

    async fn resolve_key(&mut self) -> Result<(), ProviderError> {
        if self.key_resolved {
            return Ok(());
        }
        let source = &self.inner.settings.api_key;
        self.key = match source {
            ApiKeySource::Command(_) => {
                let mut cached = self.inner.command_key.lock().await;
                if cached.is_none() {
                    *cached = secret::resolve(&self.cx.provider, source).await?;
                }
                cached.clone()
            }
            _ => secret::resolve(&self.cx.provider, source).await?,
        };
        self.key_resolved = true;
        Ok(())
    }

    fn headers(&self) -> Result<HeaderMap, ProviderError> {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let secret_value = |value: String| -> Result<HeaderValue, ProviderError> {
            let mut v = HeaderValue::from_str(&value).map_err(|_| ProviderError::Config {
                provider: self.cx.provider.clone(),
                message: format!(
                    "the API key holds characters an HTTP header cannot carry; {}",
                    self.cx.key_hint
                ),
            })?;
            // Sensitive values print as "Sensitive" in any Debug output of the headers.
            v.set_sensitive(true);
            Ok(v)
        };
        let key = self.key.as_ref().map(|k| k.expose().to_string());
        match self.cx.kind {
            ProviderKind::Anthropic => {
                h.insert(
                    HeaderName::from_static("anthropic-version"),
                    HeaderValue::from_static(anthropic::VERSION),
                );
                if let Some(k) = key {
                    h.insert(HeaderName::from_static("x-api-key"), secret_value(k)?);
                }
            }
            ProviderKind::Gemini => {
                if let Some(k) = key {
                    h.insert(HeaderName::from_static("x-goog-api-key"), secret_value(k)?);
                }
            }
            ProviderKind::OpenAi | ProviderKind::OpenAiCompatible | ProviderKind::Ollama => {
                if let Some(k) = key {
                    h.insert(
                        reqwest::header::AUTHORIZATION,
                        secret_value(format!("Bearer {k}"))?,
                    );
                }
            }
        }
        Ok(h)
    }

    /// Sends the request, retrying what the SDKs retry, until a 2xx response arrives.
    async fn open(&mut self) -> Result<Box<Body>, ProviderError> {
        self.resolve_key().await?;
        let headers = self.headers()?;
        loop {
            self.attempts += 1;
            tracing::debug!(provider = %self.cx.provider, model = %self.cx.model,
                attempt = self.attempts, url = %self.url, "sending request");
            let (err, response_headers) = match self.send_once(headers.clone()).await {
                Ok(response) => {
                    let json = response
                        .headers()
                        .get(CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|ct| ct.starts_with("application/json"));
                    return Ok(Box::new(Body {
                        response,
                        decoder: decoder_for(self.cx.clone()),
                        whole: json.then(Vec::new),
                    }));
                }
                Err(failure) => failure,
            };
            let retryable = response_headers
                .as_ref()
                .and_then(retry::should_retry_header)
                .unwrap_or_else(|| err.is_retryable());
            if !retryable || self.attempts > self.max_retries() {
                return Err(err);
            }
            let wait = self.backoff(response_headers.as_ref());
            tracing::warn!(provider = %self.cx.provider, model = %self.cx.model,
                attempt = self.attempts, wait_ms = wait.as_millis() as u64,
                error = %self.redact(&err), "request failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt. An error comes with the response headers when there was a response.
    async fn send_once(
        &self,
        headers: HeaderMap,
    ) -> Result<reqwest::Response, (ProviderError, Option<HeaderMap>)> {
        let timeout = self.inner.settings.timeout;
        let send = self
            .inner
            .http
            .post(&self.url)
            .headers(headers)
            .body(self.body.clone())
            .send();
        let response = match tokio::time::timeout(timeout, send).await {
            Err(_) => return Err((self.timeout(TimeoutPhase::Response, timeout), None)),
            Ok(Err(e)) => return Err((self.transport_error(&e), None)),
            Ok(Ok(r)) => r,
        };
        let status = response.status().as_u16();
        if response.status().is_success() {
            return Ok(response);
        }
        let headers = response.headers().clone();
        let body = read_capped(response, MAX_ERROR_BODY, self.inner.settings.idle_timeout).await;
        let err = error::classify_status(&self.cx, status, &headers, &body);
        Err((err, Some(headers)))
    }

    /// Reads the next piece of the body, or finishes it at EOF.
    async fn pump(&mut self, body: &mut Body) -> Result<Progress, ProviderError> {
        let idle = self.inner.settings.idle_timeout;
        let chunk = match tokio::time::timeout(idle, body.response.chunk()).await {
            Err(_) => return Err(self.timeout(TimeoutPhase::Idle, idle)),
            Ok(Err(e)) if e.is_timeout() => return Err(self.timeout(TimeoutPhase::Idle, idle)),
            Ok(Err(e)) => {
                return Err(ProviderError::Disconnected {
                    provider: self.cx.provider.clone(),
                    message: error_chain(&e),
                });
            }
            Ok(Ok(chunk)) => chunk,
        };
        let mut out = Vec::new();
        let progress = match (chunk, &mut body.whole) {
            (Some(bytes), Some(whole)) => {
                if whole.len() + bytes.len() > MAX_WHOLE_BODY {
                    return Err(ProviderError::Malformed {
                        provider: self.cx.provider.clone(),
                        message: format!("a JSON answer larger than {MAX_WHOLE_BODY} bytes"),
                    });
                }
                whole.extend_from_slice(&bytes);
                Progress::More
            }
            (Some(bytes), None) => {
                body.decoder.feed(&bytes, &mut out)?;
                if body.decoder.is_complete() {
                    Progress::Finished(body.decoder.finish(&mut out)?)
                } else {
                    Progress::More
                }
            }
            (None, Some(whole)) => Progress::Finished(body.decoder.whole_body(whole, &mut out)?),
            (None, None) => Progress::Finished(body.decoder.finish(&mut out)?),
        };
        self.pending.extend(out);
        Ok(progress)
    }

    fn timeout(&self, phase: TimeoutPhase, after: Duration) -> ProviderError {
        ProviderError::Timeout {
            provider: self.cx.provider.clone(),
            phase,
            after,
            url: self.url.clone(),
        }
    }

    fn transport_error(&self, e: &reqwest::Error) -> ProviderError {
        if e.is_connect() {
            if e.is_timeout() {
                return self.timeout(TimeoutPhase::Connect, self.inner.settings.timeout);
            }
            return ProviderError::Connect {
                provider: self.cx.provider.clone(),
                url: self.url.clone(),
                message: error_chain(e),
            };
        }
        if e.is_timeout() {
            return self.timeout(TimeoutPhase::Response, self.inner.settings.timeout);
        }
        ProviderError::Disconnected {
            provider: self.cx.provider.clone(),
            message: error_chain(e),
        }
    }
}

/// Reads at most `cap` bytes of a body, giving up quietly on a stall: it is only for a message.
async fn read_capped(mut response: reqwest::Response, cap: usize, idle: Duration) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < cap {
        match tokio::time::timeout(idle, response.chunk()).await {
            Ok(Ok(Some(bytes))) => body.extend_from_slice(&bytes),
            _ => break,
        }
    }
    body.truncate(cap);
    body
}

/// An error and its sources, innermost last: reqwest's own message only says "error sending
/// request"; the cause ("Connection refused") is further down.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
