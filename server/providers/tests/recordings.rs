//! Every recording in tests/fixtures parses to the right text, finish reason and usage through
//! the real client over loopback (the fake replays it byte for byte), whole and cut at 200
//! random points; error and non-streamed bodies parse to the right error or answer.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::*;
use providers::decode::decode_all;
use providers::fake::{Reply, Scenario};
use providers::{CallContext, FinishReason, ProviderError, ProviderKind, Request, Usage};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

struct Expect {
    text: &'static str,
    finish: FinishReason,
    usage: Usage,
}

fn usage(input: u64, output: u64, cached_input: u64, cache_write: u64) -> Usage {
    Usage {
        input,
        output,
        cached_input,
        cache_write,
    }
}

/// A seed per file, so each file gets its own but repeatable cuts.
fn seed(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

async fn replay_run(
    kind: ProviderKind,
    file: &str,
    cuts: Vec<usize>,
    max_retries: u32,
) -> (Run, usize) {
    let mut reply = Reply::replaying_file(&fixture(file)).expect("fixture");
    reply.split_at = cuts;
    reply.delay_ms = Some(if reply.split_at.is_empty() { 0 } else { 1 });
    let mut scenario = Scenario::default();
    scenario.push(reply);
    let fake = fake_with(scenario).await;
    let mut s = settings(kind, &fake);
    s.max_retries = max_retries;
    let run = run(&s, &model("recorded-model"), &Request::user("hi")).await;
    let requests = settled(&fake, 1).await;
    (run, requests.len())
}

/// The full check for a streamed recording: whole over HTTP, 200 random cuts over HTTP, and
/// 200 random cut sets straight into the decoder.
async fn check_stream(kind: ProviderKind, file: &str, expect: Expect) {
    let check = |what: &str, run: &Run| {
        let outcome = run
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{file} ({what}): {e}"));
        assert_eq!(run.text, expect.text, "{file} ({what})");
        assert_eq!(outcome.finish_reason, expect.finish, "{file} ({what})");
        assert_eq!(outcome.usage, expect.usage, "{file} ({what})");
        assert_eq!(outcome.attempts, 1, "{file} ({what})");
    };
    let (whole, _) = replay_run(kind, file, Vec::new(), 0).await;
    check("whole", &whole);

    let bytes = std::fs::read(fixture(file)).unwrap();
    let mut rng = StdRng::seed_from_u64(seed(file));
    let cuts = random_cuts(&mut rng, bytes.len(), 200);
    let (split, _) = replay_run(kind, file, cuts, 0).await;
    check("200 cuts over HTTP", &split);

    for trial in 0..200 {
        let n = rng.random_range(1..12);
        let cuts = random_cuts(&mut rng, bytes.len(), n);
        let (text, finished) = decode_all(CallContext::new(kind, "m"), pieces(&bytes, &cuts))
            .unwrap_or_else(|e| panic!("{file} trial {trial} cuts {cuts:?}: {e}"));
        assert_eq!(text, expect.text, "{file} trial {trial} cuts {cuts:?}");
        assert_eq!(
            finished.finish_reason, expect.finish,
            "{file} trial {trial}"
        );
        assert_eq!(finished.usage, expect.usage, "{file} trial {trial}");
    }
}

/// One `#[tokio::test]` per recording, each named as given:
/// `name: check(kind, file) => text, finish reason, usage;`.
macro_rules! recordings {
    ($($(#[$attr:meta])* $name:ident: $check:ident($kind:ident, $file:literal)
        => $text:expr, $finish:ident, $usage:expr;)*) => {$(
        $(#[$attr])*
        #[tokio::test]
        async fn $name() {
            let expect = Expect { text: $text, finish: FinishReason::$finish, usage: $usage };
            $check(ProviderKind::$kind, $file, expect).await;
        }
    )*};
}

recordings! {
    openai_chat_real_stream_text_with_usage: check_stream(OpenAi, "openai-chat/real-stream-text-with-usage.sse")
        => "I'm unable to provide real-time weather updates. To get the current weather in San Francisco, I recommend checking a reliable weather website or a weather app.",
        Stop, usage(14, 30, 0, 0);
    openai_chat_real_stream_finish_length: check_stream(OpenAi, "openai-chat/real-stream-finish-length.sse")
        => "{\"", Length, usage(79, 1, 0, 0);
    openai_chat_real_stream_tool_calls: check_stream(OpenAi, "openai-chat/real-stream-tool-calls.sse")
        => "", ToolUse, usage(44, 16, 0, 0);
    openai_compatible_parses_the_same_recording: check_stream(OpenAiCompatible, "openai-chat/real-stream-finish-length.sse")
        => "{\"", Length, usage(79, 1, 0, 0);
    anthropic_real_stream_padded_json: check_stream(Anthropic, "anthropic/real-stream-padded-json.sse")
        => "[12345,67890]", Stop, usage(135, 10, 0, 0);
    anthropic_sdk_fixture_without_final_blank_line: check_stream(Anthropic, "anthropic/sdk-fixture-basic_response.sse")
        => "Hello there!", Stop, usage(11, 6, 0, 0);
    gemini_real_stream_crlf_usage_on_every_chunk: check_stream(Gemini, "gemini/real-stream-basic-reply-short.sse")
        => "The capital of Wyoming is **Cheyenne**.\n", Stop, usage(7, 10, 0, 0);
    ollama_docs_generate_stream: check_stream(Ollama, "ollama/docs-generate-stream.ndjson")
        => "That's a fantastic question!", Stop, usage(0, 0, 0, 0);
}

/// The check for a non-streamed JSON answer (a server that ignored `stream: true`).
async fn check_whole(kind: ProviderKind, file: &str, expect: Expect) {
    let (run, _) = replay_run(kind, file, Vec::new(), 0).await;
    let outcome = run.result.unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(run.text, expect.text, "{file}");
    assert_eq!(outcome.finish_reason, expect.finish, "{file}");
    assert_eq!(outcome.usage, expect.usage, "{file}");
}

recordings! {
    openai_chat_docs_nonstream: check_whole(OpenAi, "openai-chat/docs-nonstream.json")
        => "Hello! How can I assist you today?", Stop, usage(19, 10, 0, 0);
    anthropic_real_nonstream_response: check_whole(Anthropic, "anthropic/real-nonstream.response.json")
        => r#"{"product_name": "Green Tea", "price": 5.50, "quantity": 2}"#, Stop, usage(249, 26, 0, 0);
    gemini_real_nonstream: check_whole(Gemini, "gemini/real-nonstream-basic-reply-short.json")
        => "Google's headquarters, also known as the Googleplex, is located in **Mountain View, California**.\n",
        Stop, usage(7, 22, 0, 0);
    /// promptTokenCount includes the cached tokens; thoughts (73) are billed as output.
    gemini_vertex_implicit_caching_counts_cached_and_thinking: check_whole(Gemini, "gemini/real-vertex-nonstream-implicit-caching.json")
        => "Red Riding Hood is looking for **directions** in the forest.", Stop, usage(12013, 15 + 73, 11243, 0);
    ollama_docs_chat_nonstream: check_whole(Ollama, "ollama/docs-chat-nonstream.json")
        => "Hello! How are you today?", Stop, usage(26, 298, 0, 0);
}

#[tokio::test]
async fn ollama_docs_midstream_error_is_an_error() {
    let file = "ollama/docs-midstream-error.ndjson";
    let (run, requests) = replay_run(ProviderKind::Ollama, file, Vec::new(), 2).await;
    match &run.result {
        Err(ProviderError::MidStream { message, .. }) => {
            assert_eq!(message, "an error was encountered while running the model");
        }
        other => panic!("{other:?}"),
    }
    // The body arrives in one piece, so the text before the error never reaches the caller;
    // Ollama's error names no transient condition, so it is not retried either.
    assert_eq!(run.text, "");
    assert_eq!(requests, 1);
    let bytes = std::fs::read(fixture(file)).unwrap();
    let mut rng = StdRng::seed_from_u64(seed(file));
    for _ in 0..200 {
        let n = rng.random_range(1..12);
        let cuts = random_cuts(&mut rng, bytes.len(), n);
        let r = decode_all(
            CallContext::new(ProviderKind::Ollama, "m"),
            pieces(&bytes, &cuts),
        );
        assert!(
            matches!(r, Err(ProviderError::MidStream { .. })),
            "{cuts:?}: {r:?}"
        );
    }
}

#[tokio::test]
async fn anthropic_real_429_is_retried_as_told_then_rate_limited() {
    // The record carries `x-should-retry: true` and no retry-after: backoff, then give up.
    let (run, requests) = replay_run(
        ProviderKind::Anthropic,
        "anthropic/real-429-rate-limit.response.json",
        Vec::new(),
        1,
    )
    .await;
    match &run.result {
        Err(e @ ProviderError::RateLimited { message, .. }) => {
            assert!(
                message.contains("rate limit of 20,000,000 prompt bytes per hour"),
                "{message}"
            );
            assert!(
                e.to_string()
                    .starts_with("anthropic rate-limited the request"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(requests, 2);
}

#[tokio::test]
async fn anthropic_real_400_is_a_bad_request_not_retried() {
    let (run, requests) = replay_run(
        ProviderKind::Anthropic,
        "anthropic/real-400-invalid-request.response.json",
        Vec::new(),
        2,
    )
    .await;
    match &run.result {
        Err(ProviderError::BadRequest {
            status: 400,
            message,
            ..
        }) => {
            assert!(message.contains("unexpected `tool_use_id` found in `tool_result` blocks"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(requests, 1);
}

async fn gemini_error_run(reply: Reply, key: &str) -> Run {
    let mut scenario = Scenario::default();
    scenario.push(reply);
    let fake = fake_with(scenario).await;
    let mut s = settings(ProviderKind::Gemini, &fake);
    s.api_key = key_command(key);
    run(&s, &model("gemini-2.0-flash"), &Request::user("hi")).await
}

#[tokio::test]
async fn gemini_real_400_api_key_invalid_is_auth_and_hides_the_key() {
    let body = std::fs::read_to_string(fixture("gemini/real-400-api-key-invalid.json")).unwrap();
    // As an HTTP 400, the way the endpoint answers it.
    let reply = Reply {
        status: Some(400),
        body: Some(body),
        ..Reply::default()
    };
    let run = gemini_error_run(reply, "key1234").await;
    match &run.result {
        Err(
            e @ ProviderError::Auth {
                status: 400,
                message,
                hint,
                ..
            },
        ) => {
            assert_eq!(message, "API key not valid. Please pass a valid API key.");
            assert!(hint.contains("check that the command"), "{hint}");
            // Google quotes the key in its debug details; it must not reach the user.
            assert!(!format!("{e} {e:?}").contains("key1234"), "{e:?}");
        }
        other => panic!("{other:?}"),
    }
    // And as a JSON body on HTTP 200 (the recording as stored).
    let reply = Reply::replaying_file(&fixture("gemini/real-400-api-key-invalid.json")).unwrap();
    let run = gemini_error_run(reply, "key1234").await;
    assert!(
        matches!(run.result, Err(ProviderError::Auth { .. })),
        "{:?}",
        run.result
    );
}

#[tokio::test]
async fn gemini_plain_json_error_on_a_stream_is_an_error() {
    let file = fixture("gemini/real-stream-endpoint-error-plain-json.json");
    for content_type in ["text/event-stream", "application/json"] {
        let mut reply = Reply::replaying_file(&file).unwrap();
        reply.content_type = Some(content_type.to_string());
        let run = gemini_error_run(reply, KEY).await;
        match &run.result {
            Err(ProviderError::BadRequest {
                status: 400,
                message,
                ..
            }) => {
                assert_eq!(
                    message, "Request contains an invalid argument.",
                    "{content_type}"
                );
            }
            other => panic!("{content_type}: {other:?}"),
        }
    }
}

/// The Responses API is not a format switchboard speaks; its recordings still check the SSE
/// decoder: event names in order, the vendor's "..." elision as a stray line.
#[test]
fn openai_responses_recordings_decode_as_sse() {
    use providers::sse::{SseDecoder, SseItem};
    let names = |file: &str| {
        let bytes = std::fs::read(fixture(file)).unwrap();
        let mut out = Vec::new();
        let mut d = SseDecoder::new();
        let mut push = |item: SseItem<'_>| -> Result<(), ()> {
            out.push(match item {
                SseItem::Event { event, data } => {
                    let v: serde_json::Value = serde_json::from_str(data).unwrap();
                    assert_eq!(v["type"].as_str(), Some(event));
                    event.to_string()
                }
                SseItem::Stray(s) => format!("stray:{s}"),
            });
            Ok(())
        };
        d.feed(&bytes, &mut push).unwrap();
        d.finish(&mut push).unwrap();
        out
    };
    let elided = names("openai-responses/docs-stream-ELIDED.sse");
    assert_eq!(elided.len(), 10);
    assert_eq!(elided[5], "stray:...");
    assert_eq!(elided[9], "response.completed");
    let text = names("openai-responses/thirdparty-real-stream-text.sse");
    assert_eq!(text.len(), 14);
    assert_eq!(
        text.iter()
            .filter(|n| *n == "response.output_text.delta")
            .count(),
        4
    );
    let quota = names("openai-responses/thirdparty-real-stream-error-insufficient-quota.sse");
    assert_eq!(
        quota,
        [
            "response.created",
            "response.in_progress",
            "error",
            "response.failed"
        ]
    );
    let nonstream = std::fs::read(fixture("openai-responses/real-nonstream.json")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&nonstream).unwrap();
    assert_eq!(v["usage"]["input_tokens"], 14);
}
