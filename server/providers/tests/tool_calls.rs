//! Tool calls read off each wire: the recorded and documented tool-use streams (whole and cut at
//! random points, straight into the decoder and over HTTP through the fake's replay), calls
//! whose arguments arrive in pieces or out of order, whole (non-streamed) answers with calls,
//! and arguments that are not JSON, which end in an error, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::*;
use providers::decode::{Delta, Finished, decode_events, decoder_for};
use providers::fake::{Reply, Scenario};
use providers::{
    CallContext, FinishReason, ProviderError, ProviderKind, Request, StreamEvent, ToolCall, Usage,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

/// A call as expected: `id` `None` means the wire sent none and the client must make one up.
struct Call {
    id: Option<&'static str>,
    name: &'static str,
    arguments: Value,
}

struct Expect {
    text: &'static str,
    calls: Vec<Call>,
    finish: FinishReason,
    usage: Usage,
}

fn usage(input: u64, output: u64) -> Usage {
    Usage {
        input,
        output,
        cached_input: 0,
        cache_write: 0,
    }
}

fn text_and_calls(deltas: &[Delta]) -> (String, Vec<ToolCall>) {
    let mut text = String::new();
    let mut calls = Vec::new();
    for d in deltas {
        match d {
            Delta::Text(t) => text.push_str(t),
            Delta::ToolCall(c) => calls.push(c.clone()),
        }
    }
    (text, calls)
}

fn check_calls(what: &str, got: &[ToolCall], expect: &[Call]) {
    assert_eq!(got.len(), expect.len(), "{what}: {got:?}");
    for (g, e) in got.iter().zip(expect) {
        match e.id {
            Some(id) => assert_eq!(g.id, id, "{what}"),
            None => assert!(!g.id.is_empty(), "{what}: a made-up id"),
        }
        assert_eq!(g.name, e.name, "{what}");
        assert_eq!(g.arguments, e.arguments, "{what}");
    }
}

fn check(what: &str, text: &str, calls: &[ToolCall], finished: &Finished, expect: &Expect) {
    assert_eq!(text, expect.text, "{what}");
    check_calls(what, calls, &expect.calls);
    assert_eq!(finished.finish_reason, expect.finish, "{what}");
    assert_eq!(finished.usage, expect.usage, "{what}");
}

/// A recorded stream, over HTTP (whole and cut into 100 pieces) and into the decoder cut at
/// random points 200 times: always the same text, calls, finish reason and usage.
async fn check_stream(kind: ProviderKind, file: &str, expect: Expect) {
    let bytes = std::fs::read(fixture(file)).unwrap();
    let mut rng = StdRng::seed_from_u64(bytes.len() as u64);
    for cuts in [Vec::new(), random_cuts(&mut rng, bytes.len(), 100)] {
        let mut reply = Reply::replaying_file(&fixture(file)).unwrap();
        reply.split_at = cuts;
        let mut scenario = Scenario::default();
        scenario.push(reply);
        let fake = fake_with(scenario).await;
        let run = run(&settings(kind, &fake), &model("m"), &Request::user("q")).await;
        let outcome = run.result.unwrap_or_else(|e| panic!("{file}: {e}"));
        let finished = Finished {
            finish_reason: outcome.finish_reason,
            usage: outcome.usage,
        };
        check(file, &run.text, &run.tool_calls, &finished, &expect);
    }
    for trial in 0..200 {
        let n = rng.random_range(1..20);
        let cuts = random_cuts(&mut rng, bytes.len(), n);
        let (deltas, finished) = decode_events(CallContext::new(kind, "m"), pieces(&bytes, &cuts))
            .unwrap_or_else(|e| panic!("{file} trial {trial} cuts {cuts:?}: {e}"));
        let (text, calls) = text_and_calls(&deltas);
        check(
            &format!("{file} cuts {cuts:?}"),
            &text,
            &calls,
            &finished,
            &expect,
        );
    }
}

#[tokio::test]
async fn openai_real_recording_gives_its_tool_call() {
    let expect = || Expect {
        text: "",
        calls: vec![Call {
            id: Some("call_4XzlGBLtUe9dy3GVNV4jhq7h"),
            name: "get_weather",
            arguments: json!({"city": "New York City"}),
        }],
        finish: FinishReason::ToolUse,
        usage: usage(44, 16),
    };
    let file = "openai-chat/real-stream-tool-calls.sse";
    check_stream(ProviderKind::OpenAi, file, expect()).await;
    check_stream(ProviderKind::OpenAiCompatible, file, expect()).await;
}

#[tokio::test]
async fn anthropic_documented_stream_gives_text_then_its_tool_call() {
    let expect = Expect {
        text: "Okay, let's check the weather for San Francisco, CA:",
        calls: vec![Call {
            id: Some("toolu_01T1x1fJ34qAmk2tNTrN7Up6"),
            name: "get_weather",
            arguments: json!({"location": "San Francisco, CA", "unit": "fahrenheit"}),
        }],
        finish: FinishReason::ToolUse,
        usage: usage(472, 89),
    };
    check_stream(
        ProviderKind::Anthropic,
        "anthropic/docs-stream-tool-use.sse",
        expect,
    )
    .await;
}

#[tokio::test]
async fn gemini_real_stream_gives_its_signed_call_and_stop_means_tool_use() {
    let file = "gemini/real-stream-thinking-function-call.sse";
    let expect = Expect {
        // The thought parts are not the answer.
        text: "",
        calls: vec![Call {
            id: None,
            name: "now",
            arguments: json!({}),
        }],
        finish: FinishReason::ToolUse,
        usage: usage(38, 6 + 168),
    };
    check_stream(ProviderKind::Gemini, file, expect).await;
    // The thought signature rides on the call, and made-up ids differ from answer to answer.
    let bytes = std::fs::read(fixture(file)).unwrap();
    let decode = || {
        let (deltas, _) =
            decode_events(CallContext::new(ProviderKind::Gemini, "m"), [&bytes[..]]).unwrap();
        text_and_calls(&deltas).1.remove(0)
    };
    let (a, b) = (decode(), decode());
    let signature = a.signature.as_deref().expect("a thought signature");
    assert!(signature.starts_with("CiIBVKhc7vB+vaaq") && signature.ends_with("MlLleEs0"));
    assert_ne!(a.id, b.id);
}

#[tokio::test]
async fn ollama_documented_stream_gives_its_call_and_stop_means_tool_use() {
    let expect = Expect {
        text: "celsius</think>",
        calls: vec![Call {
            id: None,
            name: "get_current_weather",
            arguments: json!({"format": "celsius", "location": "Toronto"}),
        }],
        finish: FinishReason::ToolUse,
        usage: usage(26, 282),
    };
    check_stream(
        ProviderKind::Ollama,
        "ollama/docs-stream-tool-call.ndjson",
        expect,
    )
    .await;
}

#[tokio::test]
async fn ollama_documented_whole_answer_gives_its_call() {
    let mut scenario = Scenario::default();
    scenario
        .push(Reply::replaying_file(&fixture("ollama/docs-chat-tools-nonstream.json")).unwrap());
    let fake = fake_with(scenario).await;
    let run = run(
        &settings(ProviderKind::Ollama, &fake),
        &model("m"),
        &Request::user("q"),
    )
    .await;
    let outcome = run.result.unwrap();
    assert_eq!(outcome.finish_reason, FinishReason::ToolUse);
    assert_eq!(outcome.usage, usage(122, 33));
    check_calls(
        "ollama whole",
        &run.tool_calls,
        &[Call {
            id: None,
            name: "get_current_weather",
            arguments: json!({"format": "celsius", "location": "Paris, FR"}),
        }],
    );
}

/// Decodes `body` whole and cut at every byte; every cut must give the same as the whole.
fn decode(kind: ProviderKind, body: &str) -> Result<(Vec<Delta>, Finished), ProviderError> {
    let whole = decode_events(CallContext::new(kind, "m"), [body.as_bytes()]);
    for cut in 1..body.len() {
        let (a, b) = body.as_bytes().split_at(cut);
        let split = decode_events(CallContext::new(kind, "m"), [a, b]);
        match (&whole, &split) {
            (Ok((w, wf)), Ok((s, sf))) => {
                // Made-up ids differ between runs; everything else must not.
                let strip = |ds: &[Delta]| {
                    let (t, cs) = text_and_calls(ds);
                    let cs: Vec<(String, Value)> =
                        cs.into_iter().map(|c| (c.name, c.arguments)).collect();
                    (t, cs)
                };
                assert_eq!(strip(w), strip(s), "cut at {cut}");
                assert_eq!(wf, sf, "cut at {cut}");
            }
            (Err(w), Err(s)) => assert_eq!(w.to_string(), s.to_string(), "cut at {cut}"),
            _ => panic!("cut at {cut}: {whole:?} vs {split:?}"),
        }
    }
    whole
}

fn calls_of(kind: ProviderKind, body: &str) -> Vec<ToolCall> {
    let (deltas, finished) = decode(kind, body).unwrap();
    assert_eq!(finished.finish_reason, FinishReason::ToolUse, "{kind}");
    text_and_calls(&deltas).1
}

#[test]
fn openai_parallel_calls_interleaved_come_out_whole_in_index_order() {
    let chunk = |tc: Value| {
        format!(
            "data: {}\n\n",
            json!({"choices": [{"delta": {"tool_calls": [tc]}}]})
        )
    };
    let body = [
        chunk(json!({"index": 0, "id": "call_a", "type": "function", "function": {"name": "grep", "arguments": ""}})),
        chunk(json!({"index": 1, "id": "call_b", "type": "function", "function": {"name": "read", "arguments": "{\"pa"}})),
        chunk(json!({"index": 0, "function": {"arguments": "{\"pattern\":"}})),
        chunk(json!({"index": 1, "function": {"arguments": "th\": \"src/é.rs\"}"}})),
        chunk(json!({"index": 0, "function": {"arguments": " \"retry\"}"}})),
        "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n".to_string(),
    ]
    .concat();
    let calls = calls_of(ProviderKind::OpenAi, &body);
    let got: Vec<(&str, &str, &Value)> = calls
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str(), &c.arguments))
        .collect();
    assert_eq!(
        got,
        vec![
            ("call_a", "grep", &json!({"pattern": "retry"})),
            ("call_b", "read", &json!({"path": "src/é.rs"})),
        ]
    );
}

#[test]
fn openai_compatible_whole_calls_without_index_and_empty_arguments() {
    // As some compatible servers send them: whole, no index, a function with no arguments.
    let body = "data: {\"choices\":[{\"delta\":{\"tool_calls\":[\
        {\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"ls\",\"arguments\":\"\"}},\
        {\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"grep\",\"arguments\":\"{\\\"pattern\\\":\\\"x\\\"}\"}}]},\
        \"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n";
    let calls = calls_of(ProviderKind::OpenAiCompatible, body);
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(
        (calls[0].name.as_str(), &calls[0].arguments),
        ("ls", &json!({}))
    );
    assert_eq!(
        (calls[1].id.as_str(), &calls[1].arguments),
        ("c2", &json!({"pattern": "x"}))
    );
}

#[test]
fn anthropic_two_tool_blocks_after_thinking() {
    let ev = |name: &str, data: Value| format!("event: {name}\ndata: {data}\n\n");
    let body = [
        ev("message_start", json!({"type": "message_start", "message": {"usage": {"input_tokens": 5, "output_tokens": 1}}})),
        ev("content_block_start", json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}})),
        ev("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "{not json"}})),
        ev("content_block_stop", json!({"type": "content_block_stop", "index": 0})),
        ev("content_block_start", json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "grep", "input": {}}})),
        ev("content_block_delta", json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\"pattern\": \"a\\\"b"}})),
        ev("content_block_delta", json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "\"}"}})),
        ev("content_block_stop", json!({"type": "content_block_stop", "index": 1})),
        ev("content_block_start", json!({"type": "content_block_start", "index": 2, "content_block": {"type": "tool_use", "id": "toolu_2", "name": "ls", "input": {}}})),
        ev("content_block_stop", json!({"type": "content_block_stop", "index": 2})),
        ev("message_delta", json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 30}})),
        ev("message_stop", json!({"type": "message_stop"})),
    ]
    .concat();
    let calls = calls_of(ProviderKind::Anthropic, &body);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].arguments, json!({"pattern": "a\"b"}));
    assert_eq!(
        (calls[1].id.as_str(), &calls[1].arguments),
        ("toolu_2", &json!({}))
    );
}

#[test]
fn gemini_parallel_calls_in_one_chunk_keep_a_given_id_and_make_up_the_rest() {
    let body = "data: {\"candidates\": [{\"content\": {\"parts\": [\
        {\"functionCall\": {\"name\": \"grep\", \"args\": {\"pattern\": \"x\"}}},\
        {\"functionCall\": {\"id\": \"g-7\", \"name\": \"grep\", \"args\": {\"pattern\": \"y\"}}},\
        {\"functionCall\": {\"name\": \"ls\"}}], \"role\": \"model\"}, \"finishReason\": \"STOP\"}]}\r\n\r\n";
    let calls = calls_of(ProviderKind::Gemini, body);
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[1].id, "g-7");
    assert_ne!(calls[0].id, calls[2].id);
    assert_eq!(calls[0].arguments, json!({"pattern": "x"}));
    assert_eq!(calls[2].arguments, json!({}));
}

#[test]
fn whole_answers_with_calls_parse_too() {
    // A server that ignored `stream: true` answers one JSON object.
    let whole = |kind: ProviderKind, body: Value| {
        let mut out = Vec::new();
        let f = decoder_for(CallContext::new(kind, "m"))
            .whole_body(body.to_string().as_bytes(), &mut out)
            .unwrap();
        (text_and_calls(&out), f.finish_reason)
    };
    let ((text, calls), reason) = whole(
        ProviderKind::OpenAi,
        json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": null,
            "tool_calls": [{"id": "call_abc123", "type": "function", "function": {
                "name": "get_current_weather", "arguments": "{\n\"location\": \"Boston, MA\"\n}"}}]},
            "finish_reason": "tool_calls"}], "usage": {"prompt_tokens": 82, "completion_tokens": 17}}),
    );
    assert_eq!((text.as_str(), reason), ("", FinishReason::ToolUse));
    assert_eq!(calls[0].id, "call_abc123");
    assert_eq!(calls[0].arguments, json!({"location": "Boston, MA"}));
    let ((text, calls), reason) = whole(
        ProviderKind::Anthropic,
        json!({"content": [{"type": "text", "text": "Let me look."},
            {"type": "tool_use", "id": "toolu_9", "name": "grep", "input": {"pattern": "retry"}}],
            "stop_reason": "tool_use", "usage": {"input_tokens": 3, "output_tokens": 4}}),
    );
    assert_eq!(
        (text.as_str(), reason),
        ("Let me look.", FinishReason::ToolUse)
    );
    assert_eq!(
        (calls[0].id.as_str(), &calls[0].arguments),
        ("toolu_9", &json!({"pattern": "retry"}))
    );
    let ((_, calls), reason) = whole(
        ProviderKind::Gemini,
        json!({"candidates": [{"content": {"parts": [{"functionCall": {"name": "ls", "args": {"dir": "."}}}],
            "role": "model"}, "finishReason": "STOP"}]}),
    );
    assert_eq!(
        (calls[0].name.as_str(), reason),
        ("ls", FinishReason::ToolUse)
    );
}

/// Each wire's stream of a call whose arguments are not JSON.
fn malformed(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Anthropic => concat!(
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"call_x\",\"name\":\"grep\",\"input\":{}}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"pattern\\\": \\\"ret\"}}\n\n",
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        ),
        ProviderKind::OpenAi | ProviderKind::OpenAiCompatible => concat!(
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_x\",\"function\":{\"name\":\"grep\",\"arguments\":\"{\\\"pattern\\\": \"}}]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n",
        ),
        ProviderKind::Gemini => {
            "data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"id\": \"call_x\", \"name\": \"grep\", \"args\": \"{pattern: 1\"}}]}, \"finishReason\": \"STOP\"}]}\r\n\r\n"
        }
        ProviderKind::Ollama => {
            "{\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"call_x\",\"function\":{\"name\":\"grep\",\"arguments\":\"{\\\"pattern\\\"\"}}]},\"done\":false}\n{\"message\":{\"content\":\"\"},\"done\":true}\n"
        }
    }
}

fn assert_bad_arguments(kind: ProviderKind, result: Result<impl std::fmt::Debug, ProviderError>) {
    match result {
        Err(e @ ProviderError::ToolArguments { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("`grep` (call call_x)") && text.contains("not valid JSON"),
                "{kind}: {text}"
            );
            assert!(!e.is_retryable(), "{kind}");
        }
        other => panic!("{kind}: {other:?}"),
    }
}

#[test]
fn arguments_that_are_not_json_are_an_error_in_every_wire() {
    for kind in ProviderKind::ALL {
        assert_bad_arguments(kind, decode(kind, malformed(kind)));
    }
}

#[tokio::test]
async fn arguments_that_are_not_json_reach_the_caller_as_an_error_not_a_call() {
    for kind in ProviderKind::ALL {
        let content_type = match kind {
            ProviderKind::Ollama => "application/x-ndjson",
            _ => "text/event-stream",
        };
        let mut scenario = Scenario::default();
        scenario.push(Reply::replaying(
            malformed(kind).as_bytes().to_vec(),
            content_type,
        ));
        let fake = fake_with(scenario).await;
        let run = run(&settings(kind, &fake), &model("m"), &Request::user("q")).await;
        assert!(
            !run.events
                .iter()
                .any(|e| matches!(e, StreamEvent::ToolCall(_))),
            "{kind}"
        );
        assert_bad_arguments(kind, run.result);
        // Not retried: the same request would give the same arguments.
        assert_eq!(settled(&fake, 1).await.len(), 1, "{kind}");
    }
}
