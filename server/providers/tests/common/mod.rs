//! Helpers shared by the integration tests: a fake provider per test, client settings pointing
//! at it, and running a call to its end.
#![allow(
    dead_code,
    reason = "each test binary uses its own subset of the helpers"
)]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use providers::fake::{FakeProvider, RecordedRequest, Scenario};
use providers::{
    ApiKeySource, Backoff, ModelSettings, ProviderError, ProviderKind, ProviderSettings, Request,
    StreamEvent, ToolCall, client_for,
};

/// The key every test client sends (through a key command, since tests cannot set env vars).
pub const KEY: &str = "sk-test-0123456789abcdef";

pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub async fn fake(toml: &str) -> FakeProvider {
    let scenario = Scenario::from_toml_str(toml).expect("scenario");
    FakeProvider::start(loopback(), scenario)
        .await
        .expect("fake starts")
}

pub async fn fake_with(scenario: Scenario) -> FakeProvider {
    FakeProvider::start(loopback(), scenario)
        .await
        .expect("fake starts")
}

pub fn key_command(key: &str) -> ApiKeySource {
    ApiKeySource::Command(vec!["printf".into(), "%s".into(), key.into()])
}

/// Settings for `kind` against the fake: short timeouts and backoff so faults resolve fast.
pub fn settings(kind: ProviderKind, fake: &FakeProvider) -> ProviderSettings {
    let mut s = ProviderSettings::new(kind);
    s.base_url = Some(match kind {
        ProviderKind::OpenAi => format!("{}/v1", fake.url()),
        // A keyless compatible server, as the fake stands one in under a prefix.
        ProviderKind::OpenAiCompatible => format!("{}/compat/v1", fake.url()),
        _ => fake.url(),
    });
    s.api_key = match kind {
        ProviderKind::OpenAiCompatible | ProviderKind::Ollama => ApiKeySource::None,
        _ => key_command(KEY),
    };
    s.timeout = Duration::from_secs(5);
    s.idle_timeout = Duration::from_secs(3);
    s.max_retries = 2;
    s.backoff = Backoff {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(200),
    };
    s
}

pub fn model(name: &str) -> ModelSettings {
    ModelSettings::new(name)
}

/// What a call produced: the text and tool calls passed on before the end, and the end.
#[derive(Debug)]
pub struct Run {
    pub text: String,
    pub deltas: usize,
    pub tool_calls: Vec<ToolCall>,
    /// Every event but the last, in order (text deltas and tool calls interleaved).
    pub events: Vec<StreamEvent>,
    pub result: Result<providers::Outcome, ProviderError>,
}

pub async fn run(settings: &ProviderSettings, model: &ModelSettings, request: &Request) -> Run {
    let client = client_for(settings).expect("client");
    let mut stream = client.stream(model, request);
    let mut text = String::new();
    let mut deltas = 0;
    let mut tool_calls = Vec::new();
    let mut events = Vec::new();
    while let Some(item) = stream.next().await {
        let result = match item {
            Ok(StreamEvent::Text(t)) => {
                deltas += 1;
                text.push_str(&t);
                events.push(StreamEvent::Text(t));
                continue;
            }
            Ok(StreamEvent::ToolCall(call)) => {
                tool_calls.push(call.clone());
                events.push(StreamEvent::ToolCall(call));
                continue;
            }
            Ok(StreamEvent::Done(outcome)) => {
                assert!(stream.next().await.is_none(), "nothing after Done");
                Ok(outcome)
            }
            Err(e) => {
                assert!(stream.next().await.is_none(), "nothing after an error");
                Err(e)
            }
        };
        return Run {
            text,
            deltas,
            tool_calls,
            events,
            result,
        };
    }
    panic!("stream ended without Done or an error");
}

/// Extra time allowed above an expected wait: the machine may be slow, never fast.
pub fn slack_ms() -> f64 {
    std::env::var("SWITCHBOARD_TEST_SLACK_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50.0)
}

/// Gaps in ms between consecutive requests' arrivals.
pub fn gaps(requests: &[RecordedRequest]) -> Vec<f64> {
    requests
        .windows(2)
        .map(|w| w[1].at_ms - w[0].at_ms)
        .collect()
}

/// The requests, once every one of them has ended (the client may still be closing).
pub async fn settled(fake: &FakeProvider, count: usize) -> Vec<RecordedRequest> {
    fake.wait_for(Duration::from_secs(5), |rs| {
        rs.len() >= count && rs.iter().all(|r| r.ended_ms.is_some())
    })
    .await
}

/// `n` random cut offsets strictly inside `len`, sorted and distinct: where a stream is split
/// into network reads in the tests that replay recordings.
pub fn random_cuts(rng: &mut rand::rngs::StdRng, len: usize, n: usize) -> Vec<usize> {
    use rand::RngExt;
    let mut cuts: Vec<usize> = (0..n).map(|_| rng.random_range(1..len)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// `bytes` split at `cuts`.
pub fn pieces<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for &c in cuts.iter().chain(std::iter::once(&bytes.len())) {
        out.push(&bytes[start..c]);
        start = c;
    }
    out
}
