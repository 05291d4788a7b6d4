//! The per-wire-format answer decoders behind one trait: body bytes in, text deltas and a final
//! finish reason and usage out. Pure (no IO), so they are tested and benchmarked on recordings.

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error::{self, CallContext, ProviderError};
use crate::request::FinishReason;
use crate::settings::ProviderKind;
use crate::usage::Usage;
use crate::{anthropic, gemini, ollama, openai};

/// How a decoded answer ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub finish_reason: FinishReason,
    pub usage: Usage,
}

/// Turns one response body into text deltas and a [`Finished`].
pub trait StreamDecoder: Send + Sync {
    /// Feeds the next piece of a streamed body, cut anywhere; pushes any text deltas it
    /// completes onto `out`, in order.
    ///
    /// # Errors
    /// A provider error reported inside the stream, or malformed JSON.
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<String>) -> Result<(), ProviderError>;

    /// Whether the format's terminal event has arrived (`[DONE]`, `message_stop`, `done: true`),
    /// so the rest of the body need not be awaited. Gemini has none: it ends at EOF.
    fn is_complete(&self) -> bool;

    /// At end of body.
    ///
    /// # Errors
    /// [`ProviderError::Truncated`] when the terminal event never came; an error if the body
    /// was a plain JSON error object rather than a stream.
    fn finish(&mut self, out: &mut Vec<String>) -> Result<Finished, ProviderError>;

    /// A whole non-streamed JSON body (a server that ignored `stream: true`, or an error object
    /// sent with HTTP 200).
    ///
    /// # Errors
    /// The error object it holds, or malformed JSON.
    fn whole_body(&mut self, body: &[u8], out: &mut Vec<String>)
    -> Result<Finished, ProviderError>;
}

/// The decoder for `cx.kind`'s wire format.
pub fn decoder_for(cx: CallContext) -> Box<dyn StreamDecoder> {
    match cx.kind {
        ProviderKind::Anthropic => Box::new(anthropic::Decoder::new(cx)),
        ProviderKind::OpenAi | ProviderKind::OpenAiCompatible => Box::new(openai::Decoder::new(cx)),
        ProviderKind::Gemini => Box::new(gemini::Decoder::new(cx)),
        ProviderKind::Ollama => Box::new(ollama::Decoder::new(cx)),
    }
}

/// Decodes a whole body fed in the given pieces: the text, and how it ended.
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
    for piece in pieces {
        decoder.feed(piece, &mut out)?;
        out.drain(..).for_each(|t| text.push_str(&t));
    }
    let finished = decoder.finish(&mut out)?;
    out.drain(..).for_each(|t| text.push_str(&t));
    Ok((text, finished))
}

/// The lines of a body that were no SSE fields, kept (up to a cap) so that a plain JSON error
/// body sent as a stream can be read at EOF.
#[derive(Debug, Default)]
pub(crate) struct Stray {
    text: String,
}

/// A pretty-printed error object is a few hundred bytes; anything this big is not one.
const STRAY_CAP: usize = 1 << 20;

impl Stray {
    pub(crate) fn push(&mut self, line: &str) {
        if self.text.len() + line.len() < STRAY_CAP {
            self.text.push_str(line);
            self.text.push('\n');
        }
    }

    /// At EOF of a body that held no events at all: the error its stray lines spell (a JSON
    /// error object), or, if they are something else (an HTML page from a proxy), that.
    pub(crate) fn error(&self, cx: &CallContext) -> Option<ProviderError> {
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
