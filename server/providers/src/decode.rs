//! The per-wire-format answer decoders behind one trait: body bytes in, text deltas, whole tool
//! calls and a final finish reason and usage out. Pure (no IO), so they are tested and
//! benchmarked on recordings.

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error::{self, CallContext, ProviderError};
use crate::request::{FinishReason, StreamEvent};
use crate::settings::ProviderKind;
use crate::sse::{LineSplitter, SseDecoder, SseItem};
use crate::tool::ToolCall;
use crate::usage::Usage;
use crate::{anthropic, gemini, ollama, openai};

/// One piece of a decoded answer, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Delta {
    Text(String),
    /// A tool call, whole: its arguments have all arrived and parsed.
    ToolCall(ToolCall),
}

impl From<Delta> for StreamEvent {
    fn from(d: Delta) -> Self {
        match d {
            Delta::Text(t) => StreamEvent::Text(t),
            Delta::ToolCall(c) => StreamEvent::ToolCall(c),
        }
    }
}

/// How a decoded answer ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub finish_reason: FinishReason,
    pub usage: Usage,
}

/// Turns one response body into [`Delta`]s and a [`Finished`].
pub trait StreamDecoder: Send + Sync {
    /// Feeds the next piece of a streamed body, cut anywhere; pushes any text deltas and tool
    /// calls it completes onto `out`, in order.
    ///
    /// # Errors
    /// A provider error reported inside the stream, malformed JSON, or a tool call whose
    /// arguments are not JSON ([`ProviderError::ToolArguments`]).
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<Delta>) -> Result<(), ProviderError>;

    /// Whether the format's terminal event has arrived (`[DONE]`, `message_stop`, `done: true`),
    /// so the rest of the body need not be awaited. Gemini has none: it ends at EOF.
    fn is_complete(&self) -> bool;

    /// At end of body.
    ///
    /// # Errors
    /// [`ProviderError::Truncated`] when the terminal event never came; an error if the body
    /// was a plain JSON error object rather than a stream.
    fn finish(&mut self, out: &mut Vec<Delta>) -> Result<Finished, ProviderError>;

    /// A whole non-streamed JSON body (a server that ignored `stream: true`, or an error object
    /// sent with HTTP 200).
    ///
    /// # Errors
    /// The error object it holds, or malformed JSON.
    fn whole_body(&mut self, body: &[u8], out: &mut Vec<Delta>) -> Result<Finished, ProviderError>;
}

/// The decoder for `cx.kind`'s wire format.
pub fn decoder_for(cx: CallContext) -> Box<dyn StreamDecoder> {
    match cx.kind {
        ProviderKind::Anthropic => sse(cx, anthropic::Events::default()),
        ProviderKind::OpenAi | ProviderKind::OpenAiCompatible => sse(cx, openai::Events::default()),
        ProviderKind::Gemini => sse(cx, gemini::Events::default()),
        ProviderKind::Ollama => Box::new(Framed::new(cx, ollama::Lines::default())),
    }
}

fn sse(cx: CallContext, events: impl SseEvents + 'static) -> Box<dyn StreamDecoder> {
    Box::new(Framed::new(cx, Sse::new(events)))
}

/// Decodes a whole body fed in the given pieces: the text (tool calls left out; see
/// [`decode_events`]), and how it ended.
///
/// # Errors
/// As [`StreamDecoder::feed`] and [`StreamDecoder::finish`].
pub fn decode_all<'a>(
    cx: CallContext,
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> Result<(String, Finished), ProviderError> {
    let mut decoder = decoder_for(cx);
    let mut out = Vec::new();
    let mut text = String::new();
    let mut take = |out: &mut Vec<Delta>| {
        for d in out.drain(..) {
            if let Delta::Text(t) = d {
                text.push_str(&t);
            }
        }
    };
    for piece in pieces {
        decoder.feed(piece, &mut out)?;
        take(&mut out);
    }
    let finished = decoder.finish(&mut out)?;
    take(&mut out);
    Ok((text, finished))
}

/// Decodes a whole body fed in the given pieces: every [`Delta`] in order, and how it ended.
///
/// # Errors
/// As [`StreamDecoder::feed`] and [`StreamDecoder::finish`].
pub fn decode_events<'a>(
    cx: CallContext,
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> Result<(Vec<Delta>, Finished), ProviderError> {
    let mut decoder = decoder_for(cx);
    let mut out = Vec::new();
    for piece in pieces {
        decoder.feed(piece, &mut out)?;
    }
    let finished = decoder.finish(&mut out)?;
    Ok((out, finished))
}

/// One SSE wire format's own event handling; [`Sse`] does the SSE splitting, stray lines and
/// end-of-body checks shared by every such format.
pub(crate) trait SseEvents: Send + Sync {
    /// One event's `data`. Not called once [`SseEvents::is_complete`] holds: whatever follows
    /// the terminal event is ignored.
    fn on_event(
        &mut self,
        cx: &CallContext,
        data: &str,
        out: &mut Vec<Delta>,
    ) -> Result<(), ProviderError>;

    /// Whether the terminal event has arrived. Formats without one end at EOF.
    fn is_complete(&self) -> bool {
        false
    }

    /// How the answer ended, at EOF or after a whole body; truncated if it has not.
    fn finished(&self, cx: &CallContext) -> Result<Finished, ProviderError>;

    /// A whole non-streamed JSON body, already checked for a top-level error object.
    fn whole_body(
        &mut self,
        cx: &CallContext,
        body: Value,
        out: &mut Vec<Delta>,
    ) -> Result<Finished, ProviderError>;
}

/// Cuts a body into the pieces a format reads: SSE events and stray lines, or NDJSON lines.
pub(crate) trait Splitter: Default + Send + Sync {
    type Item<'a>;

    fn split(
        &mut self,
        chunk: &[u8],
        on_item: impl FnMut(Self::Item<'_>) -> Result<(), ProviderError>,
    ) -> Result<(), ProviderError>;

    /// At EOF: the piece left unterminated, if any.
    fn split_eof(
        &mut self,
        on_item: impl FnMut(Self::Item<'_>) -> Result<(), ProviderError>,
    ) -> Result<(), ProviderError>;
}

impl Splitter for LineSplitter {
    type Item<'a> = &'a [u8];

    fn split(
        &mut self,
        chunk: &[u8],
        on_item: impl FnMut(&[u8]) -> Result<(), ProviderError>,
    ) -> Result<(), ProviderError> {
        self.feed(chunk, on_item)
    }

    fn split_eof(
        &mut self,
        on_item: impl FnMut(&[u8]) -> Result<(), ProviderError>,
    ) -> Result<(), ProviderError> {
        self.finish(on_item)
    }
}

impl Splitter for SseDecoder {
    type Item<'a> = SseItem<'a>;

    fn split(
        &mut self,
        chunk: &[u8],
        on_item: impl FnMut(SseItem<'_>) -> Result<(), ProviderError>,
    ) -> Result<(), ProviderError> {
        self.feed(chunk, on_item)
    }

    fn split_eof(
        &mut self,
        on_item: impl FnMut(SseItem<'_>) -> Result<(), ProviderError>,
    ) -> Result<(), ProviderError> {
        self.finish(on_item)
    }
}

/// One wire format's reading of the pieces its [`Splitter`] cuts; [`Framed`] drives it.
pub(crate) trait Format: Send + Sync {
    type Splitter: Splitter;

    fn on_item(
        &mut self,
        cx: &CallContext,
        item: <Self::Splitter as Splitter>::Item<'_>,
        out: &mut Vec<Delta>,
    ) -> Result<(), ProviderError>;

    /// As [`StreamDecoder::is_complete`].
    fn is_complete(&self) -> bool;

    /// At EOF, after the last piece.
    fn finish(&mut self, cx: &CallContext) -> Result<Finished, ProviderError>;

    /// As [`StreamDecoder::whole_body`], the body as text.
    fn whole_body(
        &mut self,
        cx: &CallContext,
        text: &str,
        out: &mut Vec<Delta>,
    ) -> Result<Finished, ProviderError>;
}

/// The one [`StreamDecoder`]: a [`Format`] fed by its [`Splitter`].
pub(crate) struct Framed<F: Format> {
    cx: CallContext,
    splitter: F::Splitter,
    format: F,
}

impl<F: Format> Framed<F> {
    pub(crate) fn new(cx: CallContext, format: F) -> Self {
        Framed {
            cx,
            splitter: F::Splitter::default(),
            format,
        }
    }
}

impl<F: Format> StreamDecoder for Framed<F> {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<Delta>) -> Result<(), ProviderError> {
        let Framed {
            cx,
            splitter,
            format,
        } = self;
        splitter.split(chunk, |item| format.on_item(cx, item, out))
    }

    fn is_complete(&self) -> bool {
        self.format.is_complete()
    }

    fn finish(&mut self, out: &mut Vec<Delta>) -> Result<Finished, ProviderError> {
        let Framed {
            cx,
            splitter,
            format,
        } = self;
        match splitter.split_eof(|item| format.on_item(cx, item, out)) {
            // A piece cut off by EOF: the stream was truncated, not garbled.
            Err(ProviderError::Malformed { .. }) => Err(truncated(cx)),
            Err(e) => Err(e),
            Ok(()) => format.finish(cx),
        }
    }

    fn whole_body(&mut self, body: &[u8], out: &mut Vec<Delta>) -> Result<Finished, ProviderError> {
        let text = String::from_utf8_lossy(body);
        self.format.whole_body(&self.cx, &text, out)
    }
}

/// The [`Format`] of every SSE wire: events go to `E`, and stray lines are kept to report a
/// plain JSON error body sent as a stream.
pub(crate) struct Sse<E> {
    stray: Stray,
    any_event: bool,
    events: E,
}

impl<E: SseEvents> Sse<E> {
    pub(crate) fn new(events: E) -> Self {
        Sse {
            stray: Stray::default(),
            any_event: false,
            events,
        }
    }
}

impl<E: SseEvents> Format for Sse<E> {
    type Splitter = SseDecoder;

    fn on_item(
        &mut self,
        cx: &CallContext,
        item: SseItem<'_>,
        out: &mut Vec<Delta>,
    ) -> Result<(), ProviderError> {
        match item {
            SseItem::Event { data, .. } => {
                self.any_event = true;
                if self.events.is_complete() {
                    return Ok(());
                }
                self.events.on_event(cx, data, out)
            }
            SseItem::Stray(line) => {
                self.stray.push(line);
                Ok(())
            }
        }
    }

    fn is_complete(&self) -> bool {
        self.events.is_complete()
    }

    fn finish(&mut self, cx: &CallContext) -> Result<Finished, ProviderError> {
        // Some endpoints (Gemini's streaming one) send errors as plain pretty-printed JSON,
        // no `data:`.
        if !self.any_event
            && let Some(e) = self.stray.error(cx)
        {
            return Err(e);
        }
        self.events.finished(cx)
    }

    fn whole_body(
        &mut self,
        cx: &CallContext,
        text: &str,
        out: &mut Vec<Delta>,
    ) -> Result<Finished, ProviderError> {
        let v: Value = parse_json(cx, text)?;
        if let Some(e) = whole_body_error(cx, &v) {
            return Err(e);
        }
        self.events.whole_body(cx, v, out)
    }
}

/// How an answer ends on a wire with a terminal event (`message_stop`, `[DONE]`): whether it
/// came, and the finish reason named before it.
#[derive(Default)]
pub(crate) struct Ending {
    pub(crate) complete: bool,
    pub(crate) reason: Option<String>,
}

impl Ending {
    /// Truncated if the terminal event never came; `Other("none")` if no reason was named.
    pub(crate) fn finished(
        &self,
        cx: &CallContext,
        map: fn(&str) -> FinishReason,
        usage: Usage,
    ) -> Result<Finished, ProviderError> {
        if !self.complete {
            return Err(truncated(cx));
        }
        Ok(Finished {
            finish_reason: self
                .reason
                .as_deref()
                .map_or(FinishReason::Other("none".to_string()), map),
            usage,
        })
    }
}

/// The lines of a body that were no SSE fields, kept (up to a cap) so that a plain JSON error
/// body sent as a stream can be read at EOF.
#[derive(Debug, Default)]
struct Stray {
    text: String,
}

/// A pretty-printed error object is a few hundred bytes; anything this big is not one.
const STRAY_CAP: usize = 1 << 20;

impl Stray {
    fn push(&mut self, line: &str) {
        if self.text.len() + line.len() < STRAY_CAP {
            self.text.push_str(line);
            self.text.push('\n');
        }
    }

    /// At EOF of a body that held no events at all: the error its stray lines spell (a JSON
    /// error object), or, if they are something else (an HTML page from a proxy), that.
    fn error(&self, cx: &CallContext) -> Option<ProviderError> {
        if self.text.trim().is_empty() {
            return None;
        }
        if let Ok(value) = serde_json::from_str::<Value>(&self.text)
            && let Some(e) = whole_body_error(cx, &value)
        {
            return Some(e);
        }
        let first = self
            .text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        Some(ProviderError::Malformed {
            provider: cx.provider.clone(),
            message: format!(
                "the answer is not an event stream; it begins: {}",
                error::truncate_message(first)
            ),
        })
    }
}

/// An error object delivered as a whole body (HTTP 200, no stream). Its own numeric `code`
/// (Gemini) stands in for the HTTP status, so it is classified as that status would be.
pub(crate) fn whole_body_error(cx: &CallContext, value: &Value) -> Option<ProviderError> {
    let error = value.get("error")?;
    let body = error::error_from_value(error);
    Some(match body.numeric_code {
        Some(code) if code >= 400 => error::classify_error_body(cx, code, &HeaderMap::new(), body),
        _ => error::mid_stream(&cx.provider, &body),
    })
}

/// An error object sent inside a stream (HTTP 200).
pub(crate) fn stream_error(cx: &CallContext, value: &Value) -> ProviderError {
    error::mid_stream(&cx.provider, &error::error_from_value(value))
}

/// Parses one JSON payload of a stream.
pub(crate) fn parse_json<'a, T: serde::Deserialize<'a>>(
    cx: &CallContext,
    payload: &'a str,
) -> Result<T, ProviderError> {
    serde_json::from_str(payload).map_err(|e| ProviderError::Malformed {
        provider: cx.provider.clone(),
        message: format!(
            "invalid JSON in the stream ({e}): {}",
            error::truncate_message(payload)
        ),
    })
}

pub(crate) fn truncated(cx: &CallContext) -> ProviderError {
    ProviderError::Truncated {
        provider: cx.provider.clone(),
    }
}
