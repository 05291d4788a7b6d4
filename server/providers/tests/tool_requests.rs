//! Tools on the request side and through the fake: each client puts the tools offered, the
//! model's earlier calls and their results on the wire in its provider's terms; the fake scripts
//! calls in every format, streamed in pieces, and a two-turn agent loop runs against it.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::*;
use providers::decode::{Delta, decode_events};
use providers::fake::{FakeProvider, RecordedRequest};
use providers::{
    CallContext, FinishReason, Message, ProviderError, ProviderKind, Request, StreamEvent, Tool,
    ToolCall, ToolResult,
};
use serde_json::{Value, json};

fn grep_tool() -> Tool {
    Tool::new(
        "grep",
        "Search the workspace for a regular expression.",
        json!({"type": "object", "properties": {"pattern": {"type": "string"}},
            "required": ["pattern"]}),
    )
}

/// A second turn: the question, the model's text and two calls (one with a Gemini thought
/// signature), then their results (the second a failure).
fn second_turn() -> Request {
    let mut signed = ToolCall::new("call_2", "grep", json!({"pattern": "backoff"}));
    signed.signature = Some("c2ln".into());
    Request {
        system: Some("You search code.".into()),
        messages: vec![
            Message::user("Where is the retry loop?"),
            Message::assistant_with_calls(
                "Let me search.",
                [
                    ToolCall::new("call_1", "grep", json!({"pattern": "retry"})),
                    signed,
                ],
            ),
            Message::tool_results([
                ToolResult::new("call_1", "src/client.rs:181"),
                ToolResult::error("call_2", "grep: bad pattern"),
            ]),
        ],
        tools: vec![grep_tool()],
        ..Request::default()
    }
}

async fn sent(kind: ProviderKind, request: &Request) -> RecordedRequest {
    let fake = fake("").await;
    run(&settings(kind, &fake), &model("m-1"), request)
        .await
        .result
        .unwrap();
    settled(&fake, 1).await.remove(0)
}

#[tokio::test]
async fn no_tools_means_no_tools_on_any_wire() {
    for kind in ProviderKind::ALL {
        let b = sent(kind, &Request::user("hi")).await.body;
        assert!(b.get("tools").is_none(), "{kind}: {b}");
    }
}

#[tokio::test]
async fn anthropic_request_has_tools_tool_use_and_tool_result_blocks() {
    let b = sent(ProviderKind::Anthropic, &second_turn()).await.body;
    assert_eq!(
        b["tools"],
        json!([{"name": "grep", "description": "Search the workspace for a regular expression.",
            "input_schema": grep_tool().parameters}])
    );
    let m = &b["messages"];
    assert_eq!(m[1]["role"], "assistant");
    assert_eq!(
        m[1]["content"][0],
        json!({"type": "text", "text": "Let me search."})
    );
    assert_eq!(
        m[1]["content"][1],
        json!({"type": "tool_use", "id": "call_1", "name": "grep", "input": {"pattern": "retry"}})
    );
    assert_eq!(m[2]["role"], "user");
    assert_eq!(
        m[2]["content"],
        json!([
            {"type": "tool_result", "tool_use_id": "call_1", "content": "src/client.rs:181"},
            {"type": "tool_result", "tool_use_id": "call_2", "content": "grep: bad pattern",
                "is_error": true},
        ])
    );
    // Results go before any text in their turn, whatever order the caller gave.
    let mut mixed = second_turn();
    mixed.messages[2]
        .parts
        .insert(0, providers::Part::Text("Also: be brief.".into()));
    let b = sent(ProviderKind::Anthropic, &mixed).await.body;
    let types: Vec<&str> = b["messages"][2]["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["tool_result", "tool_result", "text"]);
}

#[tokio::test]
async fn openai_requests_have_function_tools_tool_calls_and_tool_messages() {
    for kind in [ProviderKind::OpenAi, ProviderKind::OpenAiCompatible] {
        let b = sent(kind, &second_turn()).await.body;
        assert_eq!(
            b["tools"],
            json!([{"type": "function", "function": {"name": "grep",
                "description": "Search the workspace for a regular expression.",
                "parameters": grep_tool().parameters}}]),
            "{kind}"
        );
        let m = b["messages"].as_array().unwrap();
        let roles: Vec<&str> = m.iter().map(|x| x["role"].as_str().unwrap()).collect();
        assert_eq!(
            roles,
            ["system", "user", "assistant", "tool", "tool"],
            "{kind}"
        );
        assert_eq!(m[2]["content"], "Let me search.");
        let call = &m[2]["tool_calls"][0];
        assert_eq!(
            (&call["id"], &call["type"]),
            (&json!("call_1"), &json!("function"))
        );
        assert_eq!(call["function"]["name"], "grep");
        // The arguments travel as JSON text, which must read back as the same object.
        let args: Value =
            serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
        assert_eq!(args, json!({"pattern": "retry"}));
        assert_eq!(
            m[3],
            json!({"role": "tool", "tool_call_id": "call_1", "content": "src/client.rs:181"})
        );
        assert_eq!(m[4]["tool_call_id"], "call_2");
    }
}

#[tokio::test]
async fn gemini_request_has_function_declarations_calls_and_responses() {
    let mut turn = second_turn();
    // A call Gemini sent without an id gets one made up, which must not go back to it.
    let (deltas, _) = decode_events(
        CallContext::new(ProviderKind::Gemini, "m"),
        [&b"data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"name\": \"grep\", \"args\": {\"pattern\": \"x\"}}}]}, \"finishReason\": \"STOP\"}]}\n\n"[..]],
    )
    .unwrap();
    let Some(Delta::ToolCall(made_up)) = deltas.into_iter().next() else {
        panic!("no call")
    };
    turn.messages
        .push(Message::assistant_with_calls("", [made_up.clone()]));
    turn.messages.push(Message::tool_results([ToolResult::new(
        &made_up.id,
        "nothing",
    )]));
    let b = sent(ProviderKind::Gemini, &turn).await.body;
    assert_eq!(
        b["tools"],
        json!([{"functionDeclarations": [{"name": "grep",
            "description": "Search the workspace for a regular expression.",
            "parameters": grep_tool().parameters}]}])
    );
    let c = &b["contents"];
    assert_eq!(c[1]["role"], "model");
    assert_eq!(c[1]["parts"][0], json!({"text": "Let me search."}));
    assert_eq!(
        c[1]["parts"][1],
        json!({"functionCall": {"id": "call_1", "name": "grep", "args": {"pattern": "retry"}}})
    );
    assert_eq!(c[1]["parts"][2]["thoughtSignature"], "c2ln");
    assert_eq!(c[2]["role"], "user");
    assert_eq!(
        c[2]["parts"][0],
        json!({"functionResponse": {"id": "call_1", "name": "grep",
            "response": {"output": "src/client.rs:181"}}})
    );
    assert_eq!(
        c[2]["parts"][1]["functionResponse"]["response"],
        json!({"error": "grep: bad pattern"})
    );
    assert_eq!(
        c[3]["parts"][0],
        json!({"functionCall": {"name": "grep", "args": {"pattern": "x"}}})
    );
    assert_eq!(
        c[4]["parts"][0],
        json!({"functionResponse": {"name": "grep", "response": {"output": "nothing"}}})
    );
}

#[tokio::test]
async fn ollama_request_has_tools_object_arguments_and_named_tool_messages() {
    let b = sent(ProviderKind::Ollama, &second_turn()).await.body;
    assert_eq!(b["tools"][0]["function"]["name"], "grep");
    assert_eq!(b["tools"][0]["type"], "function");
    let m = &b["messages"];
    assert_eq!(m[2]["content"], "Let me search.");
    assert_eq!(
        m[2]["tool_calls"][0],
        json!({"id": "call_1", "type": "function", "function": {"index": 0, "name": "grep",
            "arguments": {"pattern": "retry"}}})
    );
    assert_eq!(
        m[3],
        json!({"role": "tool", "tool_name": "grep", "tool_call_id": "call_1",
            "content": "src/client.rs:181"})
    );
    assert_eq!(m[4]["tool_name"], "grep");
}

const AGENT: &str = r#"
# The last user text is the question, not the results after it.
[[reply]]
after_tools = true
contains = "retry loop"
text = "The retry loop is in src/client.rs."

[[reply]]
text = "Searching."
chunk_chars = 4
tool_calls = [
  { name = "grep", arguments = { pattern = "retry", paths = ["src", "tests"] } },
  { id = "my-id", name = "read", arguments = { path = "src/client.rs", note = "é👍" } },
]
"#;

fn expected_calls() -> [(&'static str, Value); 2] {
    [
        (
            "grep",
            json!({"pattern": "retry", "paths": ["src", "tests"]}),
        ),
        ("read", json!({"path": "src/client.rs", "note": "é👍"})),
    ]
}

/// The path each format is served on, for posting to the fake directly.
fn path(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Anthropic => "/v1/messages",
        ProviderKind::OpenAi | ProviderKind::OpenAiCompatible => "/v1/chat/completions",
        ProviderKind::Gemini => "/v1beta/models/m-1:streamGenerateContent?alt=sse",
        ProviderKind::Ollama => "/api/chat",
    }
}

/// The fake's answer to a request, read whole.
async fn raw_body(fake: &FakeProvider, kind: ProviderKind) -> Vec<u8> {
    reqwest::Client::new()
        .post(format!("{}{}", fake.url(), path(kind)))
        .header("x-api-key", KEY)
        .header("authorization", format!("Bearer {KEY}"))
        .header("x-goog-api-key", KEY)
        .json(&json!({"model": "m-1", "messages": [{"role": "user", "content": "q"}]}))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

#[tokio::test]
async fn scripted_calls_reach_the_client_whole_in_every_format() {
    let fake = fake(AGENT).await;
    for kind in ProviderKind::ALL {
        let r = run(&settings(kind, &fake), &model("m-1"), &Request::user("q")).await;
        let outcome = r.result.unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(outcome.finish_reason, FinishReason::ToolUse, "{kind}");
        assert_eq!(r.text, "Searching.", "{kind}");
        // The text comes before the calls, in order.
        assert!(
            matches!(r.events.last(), Some(StreamEvent::ToolCall(_))),
            "{kind}"
        );
        assert!(
            matches!(r.events.first(), Some(StreamEvent::Text(_))),
            "{kind}"
        );
        let got: Vec<(&str, &Value)> = r
            .tool_calls
            .iter()
            .map(|c| (c.name.as_str(), &c.arguments))
            .collect();
        let want = expected_calls();
        assert_eq!(
            got,
            want.iter().map(|(n, a)| (*n, a)).collect::<Vec<_>>(),
            "{kind}"
        );
        assert_eq!(r.tool_calls[1].id, "my-id", "{kind}");
        let first_id = &r.tool_calls[0].id;
        match kind {
            ProviderKind::Anthropic => assert_eq!(first_id, "toolu_fake_1"),
            ProviderKind::OpenAi | ProviderKind::OpenAiCompatible => {
                assert_eq!(first_id, "call_fake_1");
            }
            // Sent without an id, as these services do: the client made one up.
            ProviderKind::Gemini | ProviderKind::Ollama => {
                assert!(!first_id.is_empty() && first_id != "my-id", "{kind}");
            }
        }
    }
}

#[tokio::test]
async fn scripted_arguments_arrive_in_pieces_and_decode_cut_anywhere() {
    let fake = fake(AGENT).await;
    for kind in [
        ProviderKind::Anthropic,
        ProviderKind::OpenAi,
        ProviderKind::Gemini,
        ProviderKind::Ollama,
    ] {
        let body = raw_body(&fake, kind).await;
        let text = String::from_utf8(body.clone()).unwrap();
        // Where the wire streams arguments, their JSON text goes out in fragments of
        // `chunk_chars` characters (Gemini and Ollama send a call whole; the fake writes its
        // bytes in pieces, which src/fake/render.rs's own tests check).
        match kind {
            ProviderKind::Anthropic => {
                assert!(text.matches("input_json_delta").count() > 10, "{text}");
            }
            ProviderKind::OpenAi => {
                assert!(text.matches("\"arguments\":\"").count() > 10, "{text}");
            }
            _ => assert_eq!(
                text.matches("\"src/client.rs\"").count(),
                1,
                "{kind}: {text}"
            ),
        }
        // Cut anywhere, the body always decodes to the same calls.
        for cut in (1..body.len()).step_by(3) {
            let (deltas, finished) =
                decode_events(CallContext::new(kind, "m-1"), [&body[..cut], &body[cut..]])
                    .unwrap_or_else(|e| panic!("{kind} cut {cut}: {e}"));
            let calls: Vec<(String, Value)> = deltas
                .into_iter()
                .filter_map(|d| match d {
                    Delta::ToolCall(c) => Some((c.name, c.arguments)),
                    Delta::Text(_) => None,
                })
                .collect();
            let want: Vec<(String, Value)> = expected_calls()
                .into_iter()
                .map(|(n, a)| (n.to_string(), a))
                .collect();
            assert_eq!(calls, want, "{kind} cut {cut}");
            assert_eq!(finished.finish_reason, FinishReason::ToolUse);
        }
    }
}

#[tokio::test]
async fn a_two_turn_agent_loop_runs_in_every_format() {
    let fake = fake(AGENT).await;
    for kind in ProviderKind::ALL {
        let s = settings(kind, &fake);
        let mut request = Request::user("Where is the retry loop?");
        request.tools = vec![grep_tool()];
        let first = run(&s, &model("m-1"), &request).await;
        assert_eq!(first.result.unwrap().finish_reason, FinishReason::ToolUse);
        request.messages.push(Message::assistant_with_calls(
            first.text,
            first.tool_calls.clone(),
        ));
        request.messages.push(Message::tool_results(
            first
                .tool_calls
                .iter()
                .map(|c| ToolResult::new(&c.id, format!("{} ran", c.name))),
        ));
        // The fake sees the results in this wire's own shape, and answers the second reply.
        let second = run(&s, &model("m-1"), &request).await;
        let outcome = second.result.unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(second.text, "The retry loop is in src/client.rs.", "{kind}");
        assert!(second.tool_calls.is_empty());
        assert_eq!(outcome.finish_reason, FinishReason::Stop, "{kind}");
    }
    // Each first turn took the calls, each second the text after the results.
    let replies: Vec<Option<usize>> = fake.requests().iter().map(|r| r.reply).collect();
    assert_eq!(replies, [Some(1), Some(0)].repeat(ProviderKind::ALL.len()));
}

#[tokio::test]
async fn a_call_cut_off_by_a_fault_never_reaches_the_caller() {
    let fake = fake(
        r#"
        [[reply]]
        tool_calls = [{ name = "grep", arguments = { pattern = "a long pattern to cut" } }]
        chunk_chars = 3
        fault = "disconnect"
        fault_after = 3
        "#,
    )
    .await;
    for kind in ProviderKind::ALL {
        let mut s = settings(kind, &fake);
        s.max_retries = 0;
        let r = run(&s, &model("m-1"), &Request::user("q")).await;
        assert!(r.tool_calls.is_empty(), "{kind}: {:?}", r.tool_calls);
        assert!(
            matches!(r.result, Err(ProviderError::Disconnected { .. })),
            "{kind}: {:?}",
            r.result
        );
    }
}
