//! Incremental line splitting and Server-Sent Events decoding over raw body bytes.
//!
//! We tried `eventsource-stream` 0.2.3 first (tests/eventsource_stream_comparison.rs runs it on
//! the recordings) and keep our own decoder because that crate:
//! - drops the last event of a body that ends without a blank line (the Anthropic SDK's
//!   `basic_response` fixture ends so; its `message_stop` would be lost and every such answer
//!   reported as truncated);
//! - never yields a lone-CR line end at EOF (it waits for a possible LF forever);
//! - hides lines that are not SSE fields, so a plain-JSON error body sent with HTTP 200 and no
//!   `data:` (Gemini's streaming endpoint does this) is silently empty instead of an error;
//! - rescans the whole pending buffer on every chunk and copies the rest of the buffer after
//!   each line, which is quadratic in a long line or a large chunk (see benches/stream_parse.rs).
//!
//! Everything else follows the HTML spec's event-stream rules: LF, CRLF and lone CR end lines
//! (a CRLF split across chunks counts once); `:` starts a comment; `data:` lines join with LF;
//! one space after the colon is dropped; an event with no data is not dispatched; no line
//! length cap. Lines are split on bytes, so a UTF-8 character split across chunks is whole again
//! before any text is decoded.

use std::borrow::Cow;

/// Splits a byte stream into lines at LF, CRLF or lone CR, across chunk boundaries.
#[derive(Debug, Default)]
pub struct LineSplitter {
    /// The start of a line whose end has not arrived yet.
    partial: Vec<u8>,
    /// The previous chunk ended in CR: an LF at the start of the next one belongs to it.
    skip_lf: bool,
}

impl LineSplitter {
    /// Calls `on_line` with each line completed by `chunk`, without its terminator. Amortised
    /// O(chunk): each byte is scanned once (memchr) and copied at most once.
    ///
    /// # Errors
    /// Stops at and returns the first error `on_line` returns.
    pub fn feed<E>(
        &mut self,
        mut chunk: &[u8],
        mut on_line: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.skip_lf && !chunk.is_empty() {
            self.skip_lf = false;
            if chunk[0] == b'\n' {
                chunk = &chunk[1..];
            }
        }
        while let Some(i) = memchr::memchr2(b'\n', b'\r', chunk) {
            let mut next = i + 1;
            if chunk[i] == b'\r' {
                match chunk.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.skip_lf = true,
                }
            }
            if self.partial.is_empty() {
                on_line(&chunk[..i])?;
            } else {
                self.partial.extend_from_slice(&chunk[..i]);
                let line = std::mem::take(&mut self.partial);
                let result = on_line(&line);
                // Keep the allocation for the next long line.
                self.partial = line;
                self.partial.clear();
                result?;
            }
            chunk = &chunk[next..];
        }
        self.partial.extend_from_slice(chunk);
        Ok(())
    }

    /// At end of stream: the last line if it had no terminator.
    ///
    /// # Errors
    /// Whatever `on_line` returns.
    pub fn finish<E>(&mut self, on_line: impl FnOnce(&[u8]) -> Result<(), E>) -> Result<(), E> {
        if self.partial.is_empty() {
            return Ok(());
        }
        let line = std::mem::take(&mut self.partial);
        on_line(&line)
    }
}

/// What the SSE decoder hands on.
#[derive(Debug, PartialEq, Eq)]
pub enum SseItem<'a> {
    /// A dispatched event; `event` is `message` when the stream named none.
    Event { event: &'a str, data: &'a str },
    /// A line that is no SSE field at all (not `data`, `event`, `id`, `retry` or a comment).
    /// The spec ignores it; callers keep it to recognise a plain JSON body sent as a stream.
    Stray(&'a str),
}

/// Decodes `text/event-stream` bytes into events, incrementally.
#[derive(Debug, Default)]
pub struct SseDecoder {
    lines: LineSplitter,
    pending: Pending,
}

/// The event being built from its field lines.
#[derive(Debug, Default)]
struct Pending {
    event: String,
    data: String,
    has_data: bool,
    started: bool,
}

impl SseDecoder {
    pub fn new() -> Self {
        SseDecoder::default()
    }

    /// Feeds body bytes; calls `on_item` for each complete event and stray line, in order.
    /// O(chunk) amortised.
    ///
    /// # Errors
    /// Stops at and returns the first error `on_item` returns.
    pub fn feed<E>(
        &mut self,
        chunk: &[u8],
        mut on_item: impl FnMut(SseItem<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let pending = &mut self.pending;
        self.lines
            .feed(chunk, |line| pending.handle_line(line, &mut on_item))
    }

    /// At end of stream: completes an unterminated last line and dispatches a pending event.
    ///
    /// The spec discards an event that is not followed by a blank line; we dispatch it, because
    /// real bodies end that way (the Anthropic SDK fixture ends in `data: {"type":"message_stop"}`
    /// with no newline at all) and a truncated JSON payload still fails to parse downstream.
    ///
    /// # Errors
    /// Whatever `on_item` returns.
    pub fn finish<E>(
        &mut self,
        mut on_item: impl FnMut(SseItem<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let pending = &mut self.pending;
        self.lines
            .finish(|line| pending.handle_line(line, &mut on_item))?;
        pending.dispatch(&mut on_item)
    }
}

impl Pending {
    fn handle_line<E>(
        &mut self,
        line: &[u8],
        on_item: &mut impl FnMut(SseItem<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut line = line;
        if !self.started {
            self.started = true;
            line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
        }
        if line.is_empty() {
            return self.dispatch(on_item);
        }
        if line[0] == b':' {
            return Ok(());
        }
        let (name, value) = match memchr::memchr(b':', line) {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &line[line.len()..]),
        };
        match name {
            b"data" => {
                self.data.push_str(&utf8(value));
                self.data.push('\n');
                self.has_data = true;
            }
            b"event" => {
                self.event.clear();
                self.event.push_str(&utf8(value));
            }
            b"id" | b"retry" => {}
            _ => on_item(SseItem::Stray(&utf8(line)))?,
        }
        Ok(())
    }

    fn dispatch<E>(
        &mut self,
        on_item: &mut impl FnMut(SseItem<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let result = if self.has_data {
            if self.data.ends_with('\n') {
                self.data.pop();
            }
            let name = if self.event.is_empty() {
                "message"
            } else {
                self.event.as_str()
            };
            on_item(SseItem::Event {
                event: name,
                data: &self.data,
            })
        } else {
            Ok(())
        };
        self.event.clear();
        self.data.clear();
        self.has_data = false;
        result
    }
}

/// Servers send UTF-8; a stray invalid byte becomes U+FFFD rather than failing the answer.
/// Borrows when valid, which is always in practice.
fn utf8(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(chunks: &[&[u8]]) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = SseDecoder::new();
        let mut push = |item: SseItem<'_>| -> Result<(), ()> {
            out.push(match item {
                SseItem::Event { event, data } => format!("{event}={data}"),
                SseItem::Stray(s) => format!("stray:{s}"),
            });
            Ok(())
        };
        for c in chunks {
            let _ = d.feed(c, &mut push);
        }
        let _ = d.finish(&mut push);
        out
    }

    #[test]
    fn line_ends_lf_crlf_and_lone_cr() {
        let expect = vec!["message=a".to_string(), "x=b".to_string()];
        assert_eq!(decode(&[b"data: a\n\nevent: x\ndata: b\n\n"]), expect);
        assert_eq!(
            decode(&[b"data: a\r\n\r\nevent: x\r\ndata: b\r\n\r\n"]),
            expect
        );
        assert_eq!(decode(&[b"data: a\r\revent: x\rdata: b\r\r"]), expect);
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line_end() {
        assert_eq!(
            decode(&[b"data: a\r", b"\n", b"\r", b"\ndata: b\r\n\r\n"]),
            vec!["message=a".to_string(), "message=b".to_string()]
        );
    }

    #[test]
    fn multi_line_data_comments_and_unknown_fields() {
        assert_eq!(
            decode(&[b": keep-alive\ndata:one\ndata:  two\nid: 7\nretry: 10\n\n"]),
            vec!["message=one\n two".to_string()]
        );
        assert_eq!(
            decode(&[b"{\n  \"error\": 1\n}\n"]),
            vec![
                "stray:{".to_string(),
                "stray:  \"error\": 1".to_string(),
                "stray:}".to_string()
            ]
        );
    }

    #[test]
    fn event_without_data_is_not_dispatched() {
        assert_eq!(
            decode(&[b"event: ping\n\ndata: x\n\n"]),
            vec!["message=x".to_string()]
        );
    }

    #[test]
    fn last_event_without_blank_line_is_dispatched_at_eof() {
        assert_eq!(
            decode(&[b"data: a\n\ndata: b"]),
            vec!["message=a", "message=b"]
        );
        assert_eq!(decode(&[b"data: a\r"]), vec!["message=a"]);
    }

    #[test]
    fn utf8_split_inside_a_character() {
        let text = "data: héllo 👍\n\n".as_bytes();
        for cut in 0..text.len() {
            assert_eq!(
                decode(&[&text[..cut], &text[cut..]]),
                vec!["message=héllo 👍"],
                "cut {cut}"
            );
        }
    }

    #[test]
    fn bom_is_dropped_and_long_lines_have_no_cap() {
        let long = "x".repeat(3_000_000);
        let body = format!("\u{feff}data: {long}\n\n");
        let chunks: Vec<&[u8]> = body.as_bytes().chunks(4096).collect();
        let out = decode(&chunks);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].len(), "message=".len() + long.len());
    }
}
