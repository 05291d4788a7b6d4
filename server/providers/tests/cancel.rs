//! Dropping an answer stream aborts the HTTP request at once: the fake sees the connection
//! close, mid-stream and while the answer is stalled.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::time::Duration;

use common::*;
use futures::StreamExt;
use providers::{ProviderKind, Request, StreamEvent, client_for};

/// Reads two deltas, drops the stream, and returns how long after arrival the fake saw the
/// client go.
async fn drop_mid_answer(kind: ProviderKind, extra: &str) -> f64 {
    // 400 chunks 20 ms apart: eight seconds of answer if nobody hung up.
    let text = "ab".repeat(400);
    let toml = format!("[[reply]]\ntext = \"{text}\"\nchunk_chars = 2\ndelay_ms = 20\n{extra}\n");
    let fake = fake(&toml).await;
    let client = client_for(&settings(kind, &fake)).unwrap();
    let mut stream = client.stream(&model("m-1"), &Request::user("hello"));
    for _ in 0..2 {
        match stream.next().await {
            Some(Ok(StreamEvent::Text(t))) => assert_eq!(t, "ab"),
            other => panic!("{kind}: {other:?}"),
        }
    }
    drop(stream);
    let requests = fake
        .wait_for(Duration::from_secs(3), |rs| {
            rs.first().is_some_and(|r| r.ended_ms.is_some())
        })
        .await;
    let r = &requests[0];
    assert!(r.disconnected_early, "{kind}: {r:#?}");
    assert!(!r.completed, "{kind}");
    let after = r.ended_ms.unwrap() - r.at_ms;
    eprintln!("{kind}: the fake saw the client go {after:.1} ms after the request arrived");
    after
}

macro_rules! per_kind {
    ($($name:ident => $kind:expr),* $(,)?) => {$(
        mod $name {
            use super::*;

            #[tokio::test]
            async fn dropping_the_stream_mid_answer_closes_the_connection() {
                let after = drop_mid_answer($kind, "").await;
                assert!(after < 500.0, "seen {after:.0} ms after arrival");
            }

            #[tokio::test]
            async fn dropping_the_stream_while_stalled_closes_the_connection() {
                // The fake sends nothing for 10 s after the second chunk; it still notices.
                let after = drop_mid_answer($kind, "fault = \"slow-drip\"\nfault_after = 2\nstall_ms = 10000").await;
                assert!(after < 500.0, "seen {after:.0} ms after arrival");
            }
        }
    )*};
}

per_kind! {
    anthropic => ProviderKind::Anthropic,
    openai => ProviderKind::OpenAi,
    openai_compatible => ProviderKind::OpenAiCompatible,
    gemini => ProviderKind::Gemini,
    ollama => ProviderKind::Ollama,
}
