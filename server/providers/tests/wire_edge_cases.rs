//! The stream rules the recordings do not all show, one small synthetic body each: Gemini's
//! STOP on every chunk, cumulative Anthropic usage, unknown events, multi-line data, comments,
//! EOF before the final event, a final event cut off by EOF, and bodies that are no stream.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use providers::decode::{Finished, decode_all};
use providers::{CallContext, FinishReason, ProviderError, ProviderKind, Usage};

fn decode(kind: ProviderKind, body: &str) -> Result<(String, Finished), ProviderError> {
    // Every cut point must give the same answer as the whole body.
    let whole = decode_all(CallContext::new(kind, "m"), [body.as_bytes()]);
    for cut in 1..body.len() {
        let (a, b) = body.as_bytes().split_at(cut);
        let split = decode_all(CallContext::new(kind, "m"), [a, b]);
        assert_eq!(format!("{split:?}"), format!("{whole:?}"), "cut at {cut}");
    }
    whole
}

#[test]
fn gemini_old_models_send_stop_on_every_chunk_so_only_eof_ends() {
    let chunk = |t: &str, out: u64| {
        format!(
            "data: {{\"candidates\": [{{\"content\": {{\"parts\": [{{\"text\": \"{t}\"}}]}}, \"finishReason\": \"STOP\"}}], \"usageMetadata\": {{\"promptTokenCount\": 5, \"candidatesTokenCount\": {out}}}}}\r\n\r\n"
        )
    };
    let body = [chunk("one ", 1), chunk("two ", 2), chunk("three", 3)].concat();
    let (text, f) = decode(ProviderKind::Gemini, &body).unwrap();
    assert_eq!(text, "one two three");
    assert_eq!(f.finish_reason, FinishReason::Stop);
    // Usage on every chunk: the last one is the total.
    assert_eq!(
        f.usage,
        Usage {
            input: 5,
            output: 3,
            cached_input: 0,
            cache_write: 0
        }
    );
}

#[test]
fn gemini_eof_without_a_finish_reason_is_truncated() {
    let body =
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"half\"}]}}]}\r\n\r\n";
    assert!(matches!(
        decode(ProviderKind::Gemini, body),
        Err(ProviderError::Truncated { .. })
    ));
}

#[test]
fn gemini_thought_parts_are_not_text() {
    let body = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"hmm\", \"thought\": true}, {\"text\": \"answer\"}]}, \"finishReason\": \"MAX_TOKENS\"}], \"usageMetadata\": {\"promptTokenCount\": 3, \"candidatesTokenCount\": 1, \"thoughtsTokenCount\": 7}}\n\n";
    let (text, f) = decode(ProviderKind::Gemini, body).unwrap();
    assert_eq!(text, "answer");
    assert_eq!(f.finish_reason, FinishReason::Length);
    assert_eq!(f.usage.output, 8);
}

const ANTHROPIC_START: &str = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":100,\"cache_creation_input_tokens\":20,\"output_tokens\":1}}}\n\n";

#[test]
fn anthropic_usage_in_message_delta_is_cumulative_and_cache_counts_are_added() {
    let body = format!(
        "{ANTHROPIC_START}\
         event: some_future_event\ndata: {{\"type\":\"some_future_event\",\"x\":1}}\n\n\
         event: content_block_start\ndata: {{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{{\"type\":\"thinking\",\"thinking\":\"\"}}}}\n\n\
         event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"thinking_delta\",\"thinking\":\"secret plan\"}}}}\n\n\
         event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{{\"type\":\"text_delta\",\"text\":\"Hi\"}}}}\n\n\
         event: message_delta\ndata: {{\"type\":\"message_delta\",\"delta\":{{\"stop_reason\":\"max_tokens\"}},\"usage\":{{\"output_tokens\":5}}}}\n\n\
         event: message_delta\ndata: {{\"type\":\"message_delta\",\"delta\":{{}},\"usage\":{{\"output_tokens\":9}}}}\n\n\
         event: message_stop\ndata: {{\"type\":\"message_stop\"}}\n\n"
    );
    let (text, f) = decode(ProviderKind::Anthropic, &body).unwrap();
    assert_eq!(text, "Hi");
    assert_eq!(f.finish_reason, FinishReason::Length);
    // The later count replaces the earlier (cumulative), never adds to it.
    assert_eq!(
        f.usage,
        Usage {
            input: 130,
            output: 9,
            cached_input: 100,
            cache_write: 20
        }
    );
}

#[test]
fn anthropic_eof_before_message_stop_is_truncated() {
    let body = format!(
        "{ANTHROPIC_START}event: message_delta\ndata: {{\"type\":\"message_delta\",\"delta\":{{\"stop_reason\":\"end_turn\"}}}}\n\n"
    );
    assert!(matches!(
        decode(ProviderKind::Anthropic, &body),
        Err(ProviderError::Truncated { .. })
    ));
}

#[test]
fn anthropic_error_event_is_an_error() {
    let body = format!(
        "{ANTHROPIC_START}event: error\ndata: {{\"type\": \"error\", \"error\": {{\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}}}\n\n"
    );
    match decode(ProviderKind::Anthropic, &body) {
        Err(ProviderError::MidStream {
            kind,
            message,
            retryable,
            ..
        }) => {
            assert_eq!(
                (kind.as_str(), message.as_str(), retryable),
                ("overloaded_error", "Overloaded", true)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn openai_multi_line_data_comments_and_padding() {
    let body = ": OPENROUTER PROCESSING\n\n\
                data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n\
                data: {\"choices\":[{\"delta\":\n\
                data: {\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}   \n\n\
                data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n\n\
                data: [DONE]\n\n";
    let (text, f) = decode(ProviderKind::OpenAi, body).unwrap();
    assert_eq!(text, "Hello");
    assert_eq!(
        f.usage,
        Usage {
            input: 9,
            output: 2,
            cached_input: 4,
            cache_write: 0
        }
    );
}

#[test]
fn openai_eof_before_done_is_truncated_even_after_a_finish_reason() {
    let body =
        "data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\n\n";
    assert!(matches!(
        decode(ProviderKind::OpenAi, body),
        Err(ProviderError::Truncated { .. })
    ));
}

#[test]
fn openai_error_chunks_in_both_shapes_are_errors() {
    let openai = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: {\"error\": {\"message\": \"The server had an error\", \"type\": \"server_error\"}}\n\n";
    assert!(matches!(
        decode(ProviderKind::OpenAi, openai),
        Err(ProviderError::MidStream {
            retryable: true,
            ..
        })
    ));
    let vllm = "data: {\"object\": \"error\", \"message\": \"too long\", \"type\": \"BadRequestError\", \"code\": 400}\n\n";
    match decode(ProviderKind::OpenAiCompatible, vllm) {
        Err(ProviderError::MidStream {
            message,
            retryable: false,
            ..
        }) => assert_eq!(message, "too long"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_final_event_cut_off_by_eof_is_truncated_not_malformed() {
    let body =
        "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: {\"choices\":[{\"del";
    assert!(matches!(
        decode(ProviderKind::OpenAi, body),
        Err(ProviderError::Truncated { .. })
    ));
    let body = "{\"message\":{\"content\":\"x\"},\"done\":false}\n{\"message\":{\"cont";
    assert!(matches!(
        decode(ProviderKind::Ollama, body),
        Err(ProviderError::Truncated { .. })
    ));
}

#[test]
fn a_broken_event_mid_stream_is_malformed() {
    let body = "data: {\"choices\":[{\"del\n\ndata: [DONE]\n\n";
    assert!(matches!(
        decode(ProviderKind::OpenAi, body),
        Err(ProviderError::Malformed { .. })
    ));
}

#[test]
fn ollama_eof_before_done_is_truncated_and_usage_has_no_cache() {
    let body = "{\"message\":{\"content\":\"a\"},\"done\":false}\n";
    assert!(matches!(
        decode(ProviderKind::Ollama, body),
        Err(ProviderError::Truncated { .. })
    ));
    let body = "{\"message\":{\"content\":\"a\",\"thinking\":\"hmm\"},\"done\":false}\r\n\r\n{\"message\":{\"content\":\"\"},\"done\":true,\"done_reason\":\"length\",\"prompt_eval_count\":3,\"eval_count\":4}\r\n";
    let (text, f) = decode(ProviderKind::Ollama, body).unwrap();
    assert_eq!(text, "a");
    assert_eq!(f.finish_reason, FinishReason::Length);
    assert_eq!(
        f.usage,
        Usage {
            input: 3,
            output: 4,
            cached_input: 0,
            cache_write: 0
        }
    );
}

#[test]
fn a_body_that_is_no_stream_says_so() {
    for kind in [
        ProviderKind::Anthropic,
        ProviderKind::OpenAi,
        ProviderKind::Gemini,
    ] {
        match decode(kind, "<html>\n<body>Proxy login required</body>\n</html>\n") {
            Err(e @ ProviderError::Malformed { .. }) => {
                assert!(
                    e.to_string()
                        .contains("not an event stream; it begins: <html>"),
                    "{e}"
                );
            }
            other => panic!("{kind}: {other:?}"),
        }
    }
}
