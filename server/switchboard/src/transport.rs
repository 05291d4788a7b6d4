//! A guard in front of tower-lsp's reader: checks every incoming frame and answers a bad one
//! itself, so that one broken message cannot end the session.
//!
//! tower-lsp decodes with tokio-util's `FramedRead`, whose stream ends for good after a decode
//! error: one body that is not JSON (or a frame without `Content-Length`) and the server
//! stopped reading. Here frames are parsed first; valid messages are passed on unchanged, and
//! a bad one is answered with JSON-RPC's parse error (-32700) or invalid request (-32600),
//! written between whole frames of the server's own output.

use bytes::{Buf, BytesMut};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc;

/// Where a frame's header ends.
const HEADER_END: &[u8] = b"\r\n\r\n";

/// Reads frames from `input`, passes valid messages to `server`, and sends an error response
/// for each bad one to `errors`. Returns at the end of `input` (dropping `server` then tells
/// the server the client is gone).
pub async fn pump_input<I, S>(mut input: I, mut server: S, errors: mpsc::UnboundedSender<Vec<u8>>)
where
    I: AsyncRead + Unpin,
    S: AsyncWrite + Unpin,
{
    let mut buffer = BytesMut::with_capacity(1 << 16);
    loop {
        while let Some(frame) = next_frame(&mut buffer) {
            match frame {
                Frame::Message(body) => {
                    let header = format!("Content-Length: {}\r\n\r\n", body.len());
                    let sent = async {
                        server.write_all(header.as_bytes()).await?;
                        server.write_all(&body).await?;
                        server.flush().await
                    };
                    if sent.await.is_err() {
                        // The server has stopped reading: it exited.
                        return;
                    }
                }
                Frame::Bad(response) => {
                    tracing::warn!("{}", response["error"]["message"]);
                    let _ = errors.send(frame_bytes(&response));
                }
            }
        }
        match input.read_buf(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Copies the server's output to `output` frame by frame, and writes the guard's error
/// responses between frames. Returns when the server's output ends.
pub async fn pump_output<S, O>(
    mut server: S,
    mut errors: mpsc::UnboundedReceiver<Vec<u8>>,
    mut output: O,
) where
    S: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let mut buffer = BytesMut::with_capacity(1 << 16);
    let mut server_open = true;
    loop {
        // Whole frames of the server's output go out first, then any error response.
        while let Some(len) = complete_frame_len(&buffer) {
            let frame = buffer.split_to(len);
            if output.write_all(&frame).await.is_err() {
                return;
            }
        }
        if output.flush().await.is_err() {
            return;
        }
        if !server_open {
            return;
        }
        tokio::select! {
            read = server.read_buf(&mut buffer) => {
                if matches!(read, Ok(0) | Err(_)) {
                    server_open = false;
                }
            }
            Some(response) = errors.recv() => {
                if output.write_all(&response).await.is_err() {
                    return;
                }
            }
        }
    }
}

enum Frame {
    Message(BytesMut),
    /// The error response to send back.
    Bad(Value),
}

/// Takes the next complete frame off `buffer`, or `None` when more input is needed.
fn next_frame(buffer: &mut BytesMut) -> Option<Frame> {
    let header_len = find(buffer, HEADER_END)? + HEADER_END.len();
    let Some(content_len) = content_length(&buffer[..header_len]) else {
        buffer.advance(header_len);
        return Some(Frame::Bad(error_response(
            Value::Null,
            jsonrpc::ErrorCode::ParseError,
            "a message arrived without a valid Content-Length header; it was skipped",
        )));
    };
    if buffer.len() < header_len + content_len {
        return None;
    }
    buffer.advance(header_len);
    let body = buffer.split_to(content_len);
    Some(check(body))
}

/// Whether a body is a message tower-lsp will take: a JSON-RPC request, notification or
/// response.
fn check(body: BytesMut) -> Frame {
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(err) => {
            return Frame::Bad(error_response(
                Value::Null,
                jsonrpc::ErrorCode::ParseError,
                &format!("a message was not valid JSON ({err}); it was skipped"),
            ));
        }
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    if serde_json::from_value::<jsonrpc::Request>(value.clone()).is_ok()
        || serde_json::from_value::<jsonrpc::Response>(value).is_ok()
    {
        return Frame::Message(body);
    }
    let id = if id.is_string() || id.is_number() {
        id
    } else {
        Value::Null
    };
    Frame::Bad(error_response(
        id,
        jsonrpc::ErrorCode::InvalidRequest,
        "a message was JSON but not a JSON-RPC 2.0 request, notification or response; it was skipped",
    ))
}

fn error_response(id: Value, code: jsonrpc::ErrorCode, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code.code(), "message": message } })
}

fn frame_bytes(message: &Value) -> Vec<u8> {
    let body = message.to_string();
    let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

/// The `Content-Length` of a header block (header names are case-insensitive).
fn content_length(header: &[u8]) -> Option<usize> {
    let header = std::str::from_utf8(header).ok()?;
    header.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}

/// The length of the first complete frame in the server's output, if it is all there.
fn complete_frame_len(buffer: &[u8]) -> Option<usize> {
    let header_len = find(buffer, HEADER_END)? + HEADER_END.len();
    // tower-lsp always writes a valid Content-Length; without one, pass the header through.
    let total = header_len + content_length(&buffer[..header_len]).unwrap_or(0);
    (buffer.len() >= total).then_some(total)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<String> {
        let mut buffer = BytesMut::from(input);
        std::iter::from_fn(|| next_frame(&mut buffer))
            .map(|frame| match frame {
                Frame::Message(body) => String::from_utf8_lossy(&body).into_owned(),
                Frame::Bad(response) => format!("error {}", response["error"]["code"]),
            })
            .collect()
    }

    #[test]
    fn valid_frames_pass_and_bad_ones_are_answered() {
        let ok = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = format!(
            "Content-Length: {}\r\n\r\n{ok}Content-Length: 3\r\n\r\n{{x}}content-length: {}\r\n\r\n{ok}X-Other: 1\r\n\r\nContent-Length: 2\r\n\r\n[]",
            ok.len(),
            ok.len()
        );
        assert_eq!(
            frames(input.as_bytes()),
            vec![
                ok.to_owned(),
                "error -32700".into(),
                ok.into(),
                "error -32700".into(),
                "error -32600".into()
            ]
        );
    }

    #[test]
    fn a_partial_frame_waits_for_more_input() {
        assert!(frames(b"Content-Length: 10\r\n\r\n{\"a\"").is_empty());
        assert!(frames(b"Content-Len").is_empty());
    }
}
