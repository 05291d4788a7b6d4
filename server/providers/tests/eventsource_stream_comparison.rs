//! Why src/sse.rs exists: `eventsource-stream` (the well-kept crate) run on the same
//! recordings. It agrees with our decoder on most of them and fails where sse.rs says.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::convert::Infallible;

use common::fixture;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use providers::sse::{SseDecoder, SseItem};

/// (event, data) pairs from eventsource-stream, fed in `chunk`-byte pieces.
async fn theirs(bytes: &[u8], chunk: usize) -> Vec<(String, String)> {
    let pieces: Vec<Result<Vec<u8>, Infallible>> =
        bytes.chunks(chunk).map(|c| Ok(c.to_vec())).collect();
    futures::stream::iter(pieces)
        .eventsource()
        .map(|e| {
            let e = e.unwrap();
            (e.event, e.data)
        })
        .collect()
        .await
}

fn ours(bytes: &[u8], chunk: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut d = SseDecoder::new();
    let mut push = |item: SseItem<'_>| -> Result<(), Infallible> {
        if let SseItem::Event { event, data } = item {
            out.push((event.to_string(), data.to_string()));
        }
        Ok(())
    };
    for c in bytes.chunks(chunk) {
        d.feed(c, &mut push).unwrap();
    }
    d.finish(&mut push).unwrap();
    out
}

#[tokio::test]
async fn agrees_on_well_terminated_recordings() {
    for file in [
        "openai-chat/real-stream-text-with-usage.sse",
        "openai-chat/real-stream-finish-length.sse",
        "openai-chat/real-stream-tool-calls.sse",
        "anthropic/real-stream-padded-json.sse",
        "gemini/real-stream-basic-reply-short.sse",
        "openai-responses/thirdparty-real-stream-text.sse",
        "openai-responses/thirdparty-real-stream-error-insufficient-quota.sse",
    ] {
        let bytes = std::fs::read(fixture(file)).unwrap();
        for chunk in [bytes.len(), 7, 1] {
            assert_eq!(
                theirs(&bytes, chunk).await,
                ours(&bytes, chunk),
                "{file} in {chunk}-byte chunks"
            );
        }
    }
}

#[tokio::test]
async fn drops_the_last_event_when_the_body_ends_without_a_blank_line() {
    let bytes = std::fs::read(fixture("anthropic/sdk-fixture-basic_response.sse")).unwrap();
    let (t, o) = (theirs(&bytes, bytes.len()).await, ours(&bytes, bytes.len()));
    assert_eq!(o.len(), 9);
    assert_eq!(o.last().unwrap().0, "message_stop");
    // message_stop is lost: every such answer would look truncated.
    assert_eq!(t.len(), 8);
    assert_eq!(t[..], o[..8]);
}

#[tokio::test]
async fn never_ends_a_lone_cr_line_at_eof() {
    let bytes = b"data: a\r\rdata: b\r";
    assert_eq!(
        ours(bytes, 64),
        [
            ("message".into(), "a".into()),
            ("message".into(), "b".into())
        ]
    );
    assert_eq!(
        theirs(bytes, 64).await,
        [("message".to_string(), "a".to_string())]
    );
}

#[tokio::test]
async fn hides_a_plain_json_error_body() {
    let bytes =
        std::fs::read(fixture("gemini/real-stream-endpoint-error-plain-json.json")).unwrap();
    // No events either way, but only ours reports the lines, so the client can read the error.
    assert!(theirs(&bytes, bytes.len()).await.is_empty());
    let mut stray = Vec::new();
    let mut d = SseDecoder::new();
    d.feed(&bytes, |item| -> Result<(), Infallible> {
        if let SseItem::Stray(s) = item {
            stray.push(s.to_string());
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(stray.first().map(String::as_str), Some("{"));
    assert!(
        stray
            .iter()
            .any(|l| l.contains("Request contains an invalid argument."))
    );
}
