//! The fake provider and the wire requests: each client puts the request and the per-model
//! options on the wire in its provider's terms; the fake checks keys, answers by default,
//! replays byte for byte, streams UTF-8 cut anywhere, and logs requests as JSON lines.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::*;
use providers::decode::decode_all;
use providers::fake::{FakeProvider, RecordedRequest, Reply, Scenario};
use providers::{
    ApiKeySource, CallContext, Effort, FinishReason, Message, Part, Price, ProviderError,
    ProviderKind, Request, Role, Usage, cost_usd,
};
use serde_json::Value;

fn rich_request() -> Request {
    Request {
        system: Some("You review code.".into()),
        messages: vec![
            Message::user("Here is the file."),
            Message::assistant("Noted."),
            Message {
                role: Role::User,
                parts: vec![
                    Part::Text("What is in this picture?".into()),
                    Part::Image {
                        media_type: "image/png".into(),
                        data_base64: "iVBORw0KGgo=".into(),
                    },
                ],
            },
        ],
        max_output_tokens: Some(1000),
        temperature: Some(0.2),
        stop: vec!["END".into()],
        stable_prefix: 1,
        tools: Vec::new(),
    }
}

async fn sent(kind: ProviderKind, model_name: &str, effort: Option<Effort>) -> RecordedRequest {
    let fake = fake("").await;
    let mut m = model(model_name);
    m.max_output_tokens = 4000;
    m.reasoning = effort;
    let run = run(&settings(kind, &fake), &m, &rich_request()).await;
    run.result.unwrap();
    settled(&fake, 1).await.remove(0)
}

#[tokio::test]
async fn anthropic_request_has_top_level_system_cache_control_and_thinking_budget() {
    let r = sent(ProviderKind::Anthropic, "claude-x", Some(Effort::Medium)).await;
    let b = &r.body;
    assert_eq!(r.path, "/v1/messages");
    assert_eq!(r.headers["anthropic-version"], "2023-06-01");
    assert_eq!(r.headers["x-api-key"], "***");
    assert_eq!(b["system"][0]["text"], "You review code.");
    assert_eq!(b["system"][0]["cache_control"]["type"], "ephemeral");
    // The stable prefix (one message) ends in a cache breakpoint; later messages do not.
    assert_eq!(
        b["messages"][0]["content"][0]["cache_control"]["type"],
        "ephemeral"
    );
    assert!(
        b["messages"][2]["content"][0]
            .get("cache_control")
            .is_none()
    );
    assert_eq!(
        b["messages"][2]["content"][1]["source"]["media_type"],
        "image/png"
    );
    assert_eq!(b["thinking"]["budget_tokens"], 8192);
    assert_eq!(b["max_tokens"], 1000 + 8192);
    assert!(
        b.get("temperature").is_none(),
        "thinking allows no temperature"
    );
    assert_eq!(b["stop_sequences"][0], "END");
    assert_eq!(b["stream"], true);

    let plain = sent(ProviderKind::Anthropic, "claude-x", None).await;
    assert_eq!(plain.body["max_tokens"], 1000);
    assert!((plain.body["temperature"].as_f64().unwrap() - 0.2).abs() < 1e-6);
}

#[tokio::test]
async fn openai_request_uses_max_completion_tokens_usage_option_and_reasoning_effort() {
    let r = sent(ProviderKind::OpenAi, "gpt-x", Some(Effort::High)).await;
    let b = &r.body;
    assert_eq!(r.path, "/v1/chat/completions");
    assert_eq!(r.headers["authorization"], "***");
    assert_eq!(b["stream_options"]["include_usage"], true);
    assert_eq!(b["max_completion_tokens"], 1000);
    assert!(b.get("max_tokens").is_none());
    assert_eq!(b["reasoning_effort"], "high");
    assert!(b.get("temperature").is_none());
    assert_eq!(b["messages"][0]["role"], "system");
    assert_eq!(b["messages"][1]["content"], "Here is the file.");
    assert_eq!(
        b["messages"][3]["content"][1]["image_url"]["url"],
        "data:image/png;base64,iVBORw0KGgo="
    );
    assert_eq!(b["stop"][0], "END");
}

#[tokio::test]
async fn openai_compatible_request_uses_max_tokens_and_no_key() {
    let r = sent(ProviderKind::OpenAiCompatible, "llama3.2", None).await;
    assert_eq!(r.path, "/compat/v1/chat/completions");
    assert!(!r.headers.contains_key("authorization"));
    assert_eq!(r.body["max_tokens"], 1000);
    assert!(r.body.get("max_completion_tokens").is_none());
    assert_eq!(r.body["stream_options"]["include_usage"], true);
}

#[tokio::test]
async fn gemini_request_has_contents_system_instruction_and_thinking_config() {
    let r = sent(ProviderKind::Gemini, "gemini-2.5-flash", Some(Effort::Low)).await;
    let b = &r.body;
    assert_eq!(
        r.path,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(r.headers["x-goog-api-key"], "***");
    assert_eq!(
        b["systemInstruction"]["parts"][0]["text"],
        "You review code."
    );
    assert_eq!(b["contents"][1]["role"], "model");
    assert_eq!(
        b["contents"][2]["parts"][1]["inlineData"]["mimeType"],
        "image/png"
    );
    assert_eq!(b["generationConfig"]["maxOutputTokens"], 1000);
    assert_eq!(b["generationConfig"]["stopSequences"][0], "END");
    assert_eq!(
        b["generationConfig"]["thinkingConfig"]["thinkingBudget"],
        2048
    );
    let g3 = sent(
        ProviderKind::Gemini,
        "gemini-3-pro-preview",
        Some(Effort::High),
    )
    .await;
    assert_eq!(
        g3.body["generationConfig"]["thinkingConfig"]["thinkingLevel"],
        "high"
    );
}

#[tokio::test]
async fn ollama_request_has_num_predict_images_and_think() {
    let r = sent(ProviderKind::Ollama, "qwen3", Some(Effort::Medium)).await;
    let b = &r.body;
    assert_eq!(r.path, "/api/chat");
    assert_eq!(b["options"]["num_predict"], 1000);
    assert_eq!(b["options"]["stop"][0], "END");
    assert_eq!(b["think"], true);
    assert_eq!(b["messages"][3]["images"][0], "iVBORw0KGgo=");
    assert_eq!(b["messages"][3]["content"], "What is in this picture?");
}

#[tokio::test]
async fn default_reply_echoes_without_a_scenario() {
    let fake = FakeProvider::start(loopback(), Scenario::default())
        .await
        .unwrap();
    for kind in ProviderKind::ALL {
        let run = run(
            &settings(kind, &fake),
            &model("m-1"),
            &Request::user("Explain this\nplease"),
        )
        .await;
        let outcome = run.result.unwrap();
        let format = providers::fake::Format::of(kind).as_str();
        assert_eq!(
            run.text,
            format!("fake {format} reply from m-1 to the user message: \"Explain this\"")
        );
        assert_eq!(outcome.finish_reason, FinishReason::Stop);
        assert!(
            outcome.usage.input > 0 && outcome.usage.output > 0,
            "{kind}"
        );
    }
}

#[tokio::test]
async fn thinking_is_not_text_but_is_counted_as_output() {
    let fake = fake(
        r#"
        [[reply]]
        text = "The answer."
        thinking = "Let me think about this carefully."
        usage = { input = 100, output = 50, thinking = 20 }
        "#,
    )
    .await;
    for kind in ProviderKind::ALL {
        let run = run(&settings(kind, &fake), &model("m-1"), &Request::user("q")).await;
        let outcome = run.result.unwrap();
        assert_eq!(run.text, "The answer.", "{kind}");
        assert_eq!(outcome.usage.output, 50, "{kind}");
        assert_eq!(outcome.usage.input, 100, "{kind}");
    }
}

#[tokio::test]
async fn cache_counts_are_normalised_and_priced_by_the_one_cost_function() {
    let fake = fake(
        r#"
        [[reply]]
        text = "cached"
        usage = { input = 1000, output = 10, cached_input = 600, cache_write = 300 }
        "#,
    )
    .await;
    let price = Price {
        input: 3.0,
        output: 15.0,
        cached_input: Some(0.3),
        cache_write: Some(3.75),
    };
    for kind in ProviderKind::ALL {
        let mut m = model("m-1");
        m.price = Some(price);
        let outcome = run(&settings(kind, &fake), &m, &Request::user("q"))
            .await
            .result
            .unwrap();
        let expected = match kind {
            // Anthropic reports input without cache reads and writes; the client adds them back.
            ProviderKind::Anthropic => Usage {
                input: 1000,
                output: 10,
                cached_input: 600,
                cache_write: 300,
            },
            ProviderKind::OpenAi | ProviderKind::OpenAiCompatible | ProviderKind::Gemini => Usage {
                input: 1000,
                output: 10,
                cached_input: 600,
                cache_write: 0,
            },
            ProviderKind::Ollama => Usage {
                input: 1000,
                output: 10,
                cached_input: 0,
                cache_write: 0,
            },
        };
        assert_eq!(outcome.usage, expected, "{kind}");
        assert_eq!(
            outcome.cost_usd,
            Some(cost_usd(&price, &expected)),
            "{kind}"
        );
    }
}

#[tokio::test]
async fn missing_and_refused_keys_are_auth_errors_naming_the_fix() {
    let fake = fake("[auth]\nkeys = [\"sk-the-right-one\"]\n").await;
    for kind in [
        ProviderKind::Anthropic,
        ProviderKind::OpenAi,
        ProviderKind::Gemini,
    ] {
        let mut s = settings(kind, &fake);
        s.api_key = ApiKeySource::None;
        let result = run(&s, &model("m-1"), &Request::user("q")).await;
        match &result.result {
            Err(ProviderError::Auth { status, hint, .. }) => {
                assert_eq!(
                    *status,
                    if kind == ProviderKind::Gemini {
                        403
                    } else {
                        401
                    }
                );
                assert!(hint.contains("api_key_env"), "{hint}");
            }
            other => panic!("{kind}: {other:?}"),
        }
        // PATH is always set, and is surely not the right key.
        s.api_key = ApiKeySource::Env("PATH".into());
        let result = run(&s, &model("m-1"), &Request::user("q")).await;
        match &result.result {
            Err(e @ ProviderError::Auth { .. }) => {
                assert!(
                    e.to_string().ends_with("set the environment variable PATH"),
                    "{e}"
                );
            }
            other => panic!("{kind}: {other:?}"),
        }
        s.api_key = ApiKeySource::Env("SWITCHBOARD_SURELY_UNSET_KEY_VAR".into());
        let result = run(&s, &model("m-1"), &Request::user("q")).await;
        assert!(
            matches!(result.result, Err(ProviderError::MissingKey { .. })),
            "{kind}"
        );
        s.api_key = key_command("sk-the-right-one");
        run(&s, &model("m-1"), &Request::user("q"))
            .await
            .result
            .unwrap();
    }
}

/// Posts to the fake directly and returns the raw body.
async fn raw_body(fake: &FakeProvider, path: &str, body: Value) -> (u16, Vec<u8>) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", fake.url()))
        .header("x-api-key", KEY)
        .header("authorization", format!("Bearer {KEY}"))
        .header("x-goog-api-key", KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn replays_a_recording_byte_for_byte() {
    for file in [
        "gemini/real-stream-basic-reply-short.sse",
        "anthropic/sdk-fixture-basic_response.sse",
    ] {
        let mut reply = Reply::replaying_file(&fixture(file)).unwrap();
        reply.split_at = vec![1, 2, 3, 100, 101];
        let mut scenario = Scenario::default();
        scenario.push(reply);
        let fake = fake_with(scenario).await;
        let (status, body) =
            raw_body(&fake, "/v1/messages", serde_json::json!({"model": "m"})).await;
        assert_eq!(status, 200);
        assert_eq!(body, std::fs::read(fixture(file)).unwrap(), "{file}");
    }
}

const UTF8_TEXT: &str = "Grüße, 世界! 👍🏽 ok";

/// Each format's stream of a UTF-8-heavy answer, one character per chunk, cut at every byte.
#[tokio::test]
async fn utf8_streams_decode_when_cut_at_every_byte() {
    let fake = fake(&format!(
        "[[reply]]\ntext = \"{UTF8_TEXT}\"\nchunk_chars = 1\n"
    ))
    .await;
    for kind in ProviderKind::ALL {
        // Through the client first.
        let run = run(&settings(kind, &fake), &model("m-1"), &Request::user("q")).await;
        assert_eq!(run.text, UTF8_TEXT, "{kind}");
        // Then the raw body, cut at each byte, straight into the decoder.
        let path = match kind {
            ProviderKind::Anthropic => "/v1/messages",
            ProviderKind::OpenAi | ProviderKind::OpenAiCompatible => "/v1/chat/completions",
            ProviderKind::Gemini => "/v1beta/models/m-1:streamGenerateContent?alt=sse",
            ProviderKind::Ollama => "/api/chat",
        };
        let body = serde_json::json!({"model": "m-1", "stream_options": {"include_usage": true}});
        let (_, bytes) = raw_body(&fake, path, body).await;
        for cut in 1..bytes.len() {
            let (text, finished) = decode_all(
                CallContext::new(kind, "m-1"),
                [&bytes[..cut], &bytes[cut..]],
            )
            .unwrap();
            assert_eq!(text, UTF8_TEXT, "{kind} cut at {cut}");
            assert_eq!(finished.finish_reason, FinishReason::Stop);
        }
        // And every byte on its own.
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        let (text, _) = decode_all(CallContext::new(kind, "m-1"), singles).unwrap();
        assert_eq!(text, UTF8_TEXT, "{kind} byte by byte");
    }
}

#[tokio::test]
async fn request_log_is_written_as_json_lines() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fake-log-test");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("requests.jsonl");
    let fake = FakeProvider::start_logged(loopback(), Scenario::default(), Some(&path))
        .await
        .unwrap();
    let s = settings(ProviderKind::Anthropic, &fake);
    run(&s, &model("m-1"), &Request::user("one"))
        .await
        .result
        .unwrap();
    run(&s, &model("m-2"), &Request::user("two"))
        .await
        .result
        .unwrap();
    let (status, _) = raw_body(&fake, "/nowhere", Value::Null).await;
    assert_eq!(status, 404);
    let in_memory = settled(&fake, 3).await;
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<RecordedRequest> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for (line, mem) in lines.iter().zip(&in_memory) {
        // Times go through decimal text: equal to well under a microsecond.
        assert!((line.at_ms - mem.at_ms).abs() < 1e-6);
        let same_times = RecordedRequest {
            at_ms: mem.at_ms,
            ended_ms: mem.ended_ms,
            ..line.clone()
        };
        assert_eq!(&same_times, mem);
    }
    assert_eq!(lines[1].model.as_deref(), Some("m-2"));
    assert_eq!(lines[1].body["messages"][0]["content"][0]["text"], "two");
    assert!(lines[0].completed && !lines[0].disconnected_early);
    assert_eq!(lines[2].status, 404);
}

#[tokio::test]
async fn scenario_file_reads_recordings_relative_to_itself() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scenario-file-test");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        fixture("ollama/docs-generate-stream.ndjson"),
        dir.join("rec.ndjson"),
    )
    .unwrap();
    std::fs::write(
        dir.join("scenario.toml"),
        "[[reply]]\nmodel = \"gemma4\"\nreplay = \"rec.ndjson\"\n",
    )
    .unwrap();
    let scenario = Scenario::from_file(&dir.join("scenario.toml")).unwrap();
    let fake = fake_with(scenario).await;
    let run = run(
        &settings(ProviderKind::Ollama, &fake),
        &model("gemma4"),
        &Request::user("q"),
    )
    .await;
    assert_eq!(run.text, "That's a fantastic question!");
    let missing = Scenario::from_toml_str("[[reply]]\nreplay = \"/surely/not/here.sse\"\n");
    assert!(
        missing
            .unwrap_err()
            .to_string()
            .contains("/surely/not/here.sse")
    );
}
