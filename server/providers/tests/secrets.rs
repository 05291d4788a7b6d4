//! API keys never reach logs, errors or the fake's request log: every kind of call runs with
//! tracing at TRACE (log records from reqwest included) and two known keys, and all the
//! captured text is searched for them.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use providers::fake::{FakeProvider, Scenario};
use providers::{ApiKey, ApiKeySource, ProviderKind, Request};

const GOOD: &str = "sk-good-KEY-4242-do-not-print";
const BAD: &str = "sk-bad-KEY-7777-do-not-print";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_never_appear_in_logs_errors_or_the_request_log() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("the only subscriber in this test binary");

    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("secrets-test");
    std::fs::create_dir_all(&dir).unwrap();
    // Keys come from a command that reads a file, so the argv (shown in hints) holds no key.
    let key_source = |name: &str, key: &str| {
        let path = dir.join(name);
        std::fs::write(&path, key).unwrap();
        ApiKeySource::Command(vec!["cat".into(), path.to_string_lossy().into_owned()])
    };
    let good = key_source("good.txt", GOOD);
    let bad = key_source("bad.txt", BAD);
    let log_path = dir.join("requests.jsonl");

    let scenario = Scenario::from_toml_str(&format!(
        r#"
        [auth]
        keys = ["{GOOD}"]
        [[reply]]
        contains = "retry"
        status = 429
        times = 1
        headers = {{ "retry-after-ms" = "10" }}
        [[reply]]
        contains = "fail mid-answer"
        text = "some text"
        chunk_chars = 2
        delay_ms = 5
        fault = "mid-stream-error"
        fault_after = 2
        "#
    ))
    .unwrap();
    let fake = FakeProvider::start_logged(loopback(), scenario, Some(&log_path))
        .await
        .unwrap();

    let mut seen = Vec::new();
    for kind in ProviderKind::ALL {
        let mut s = settings(kind, &fake);
        s.api_key = good.clone();
        for prompt in ["hello", "please retry", "fail mid-answer"] {
            let run = run(&s, &model("m-1"), &Request::user(prompt)).await;
            seen.push(format!("{:?}", run.result));
            if let Err(e) = &run.result {
                seen.push(e.to_string());
            }
        }
        s.api_key = bad.clone();
        let run = run(&s, &model("m-1"), &Request::user("hello")).await;
        if matches!(
            kind,
            ProviderKind::Anthropic | ProviderKind::OpenAi | ProviderKind::Gemini
        ) {
            // Gemini's answer quotes the refused key in full; the client must mask it.
            assert!(
                matches!(run.result, Err(providers::ProviderError::Auth { .. })),
                "{kind}: {:?}",
                run.result
            );
        }
        seen.push(format!("{:?}", run.result));
        if let Err(e) = &run.result {
            seen.push(e.to_string());
        }
    }
    seen.push(format!("{:?} {}", ApiKey::new(GOOD), ApiKey::new(GOOD)));
    let requests = settled(&fake, 21).await;
    // 5 kinds x 4 calls, and one retry: `times = 1` counts across kinds.
    assert_eq!(requests.len(), 21);
    seen.push(serde_json::to_string(&requests).unwrap());
    drop(fake);
    seen.push(std::fs::read_to_string(&log_path).unwrap());

    let logs = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    assert!(
        logs.contains("sending request"),
        "tracing captured nothing?"
    );
    assert!(logs.contains("retrying"), "the retry was logged");
    for key in [GOOD, BAD] {
        assert!(!logs.contains(key), "a key in the logs");
        for text in &seen {
            assert!(!text.contains(key), "a key in: {text}");
        }
    }
    // The request log still shows that a key was sent, masked.
    assert!(
        requests
            .iter()
            .any(|r| r.headers.get("x-api-key").is_some_and(|v| v == "***"))
    );
    assert!(
        requests
            .iter()
            .any(|r| r.headers.get("authorization").is_some_and(|v| v == "***"))
    );
    assert!(
        requests
            .iter()
            .any(|r| r.headers.get("x-goog-api-key").is_some_and(|v| v == "***"))
    );
}
