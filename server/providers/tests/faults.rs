//! The fault matrix: every fault the fake can script, against every wire format, ends in the
//! right typed error or a successful retry, checked through the fake's request log (attempt
//! counts, and the waits between attempts).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::time::Duration;

use common::*;
use providers::fake::RecordedRequest;
use providers::{ProviderError, ProviderKind, ProviderSettings, Request, TimeoutPhase};

const TEXT: &str = "abcdefghijkl";

/// A scenario of one reply of TEXT in 3-character chunks, `delay` ms apart, plus `extra` TOML.
fn scenario(delay: u64, extra: &str) -> String {
    format!("[[reply]]\ntext = \"{TEXT}\"\nchunk_chars = 3\ndelay_ms = {delay}\n{extra}\n")
}

async fn run_with(
    kind: ProviderKind,
    toml: &str,
    tune: impl FnOnce(&mut ProviderSettings),
) -> (Run, Vec<RecordedRequest>) {
    let fake = fake(toml).await;
    let mut s = settings(kind, &fake);
    tune(&mut s);
    let run = run(&s, &model("m-1"), &Request::user("hello")).await;
    let requests = settled(&fake, 1).await;
    (run, requests)
}

fn assert_success(kind: ProviderKind, run: &Run, attempts: u32, requests: &[RecordedRequest]) {
    let outcome = run
        .result
        .as_ref()
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    assert_eq!(run.text, TEXT, "{kind}");
    assert_eq!(outcome.attempts, attempts, "{kind}");
    assert_eq!(requests.len() as u32, attempts, "{kind}: {requests:#?}");
}

/// Each gap between attempts lies in `[low, high + slack]` ms.
fn assert_gaps(kind: ProviderKind, requests: &[RecordedRequest], expected: &[(f64, f64)]) {
    let gaps = gaps(requests);
    assert_eq!(gaps.len(), expected.len(), "{kind}: {gaps:?}");
    for (gap, (low, high)) in gaps.iter().zip(expected) {
        assert!(
            *gap >= *low && *gap <= high + slack_ms(),
            "{kind}: gap {gap:.1} ms not in [{low}, {high}+slack]"
        );
    }
}

macro_rules! per_kind {
    ($($name:ident => $check:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test]
            async fn anthropic() { $check(ProviderKind::Anthropic).await }
            #[tokio::test]
            async fn openai() { $check(ProviderKind::OpenAi).await }
            #[tokio::test]
            async fn openai_compatible() { $check(ProviderKind::OpenAiCompatible).await }
            #[tokio::test]
            async fn gemini() { $check(ProviderKind::Gemini).await }
            #[tokio::test]
            async fn ollama() { $check(ProviderKind::Ollama).await }
        }
    )*};
}

per_kind! {
    rate_limit_waits_retry_after_ms_then_succeeds => rate_limit_retry_after_ms,
    unavailable_waits_fractional_retry_after => fractional_retry_after,
    overloaded_529_backs_off_then_succeeds => overloaded_backoff,
    rate_limit_every_time_exhausts_retries => rate_limit_exhausted,
    server_error_every_time_exhausts_retries => server_error_exhausted,
    no_retries_when_max_retries_is_zero => zero_retries,
    mid_stream_error_after_text_is_an_error => mid_stream_error_after_text,
    mid_stream_error_before_text => mid_stream_error_before_text,
    disconnect_after_text_is_an_error => disconnect_after_text,
    disconnect_before_text_is_retried => disconnect_before_text,
    malformed_json_is_an_error_never_retried => malformed_json,
    slow_drip_after_text_times_out => slow_drip_after_text,
    slow_drip_before_text_is_retried => slow_drip_before_text,
    truncated_after_text_is_an_error => truncated_after_text,
    truncated_before_text_is_retried => truncated_before_text,
    status_401_is_auth => status_401,
    status_404_names_model_and_provider => status_404,
    status_400_is_bad_request => status_400,
    status_402_is_billing => status_402,
    status_413_is_context_too_long => status_413,
    response_headers_late_is_a_timeout => headers_timeout,
    connection_refused_names_the_url => connection_refused,
}

async fn rate_limit_retry_after_ms(kind: ProviderKind) {
    let toml = scenario(
        0,
        "status = 429\ntimes = 1\nheaders = { \"retry-after-ms\" = \"150\" }",
    );
    let (run, requests) = run_with(kind, &toml, |_| {}).await;
    assert_success(kind, &run, 2, &requests);
    assert_eq!(requests[0].status, 429);
    assert_eq!(requests[1].status, 200);
    assert_gaps(kind, &requests, &[(150.0, 150.0)]);
}

async fn fractional_retry_after(kind: ProviderKind) {
    let toml = scenario(
        0,
        "status = 503\ntimes = 1\nheaders = { \"retry-after\" = \"0.2\" }",
    );
    let (run, requests) = run_with(kind, &toml, |_| {}).await;
    assert_success(kind, &run, 2, &requests);
    assert_gaps(kind, &requests, &[(200.0, 200.0)]);
}

async fn overloaded_backoff(kind: ProviderKind) {
    // No retry-after: 20 ms then 40 ms, each shortened by up to a quarter (jitter).
    let toml = scenario(0, "status = 529\ntimes = 2");
    let (run, requests) = run_with(kind, &toml, |_| {}).await;
    assert_success(kind, &run, 3, &requests);
    assert_gaps(kind, &requests, &[(15.0, 20.0), (30.0, 40.0)]);
}

async fn rate_limit_exhausted(kind: ProviderKind) {
    let toml = scenario(0, "status = 429\nheaders = { \"retry-after-ms\" = \"30\" }");
    let (run, requests) = run_with(kind, &toml, |_| {}).await;
    match &run.result {
        Err(e @ ProviderError::RateLimited { retry_after, .. }) => {
            assert_eq!(*retry_after, Some(Duration::from_millis(30)), "{kind}");
            assert!(e.to_string().contains("it asks to wait 0.03s"), "{e}");
            assert!(e.is_retryable());
        }
        other => panic!("{kind}: {other:?}"),
    }
    assert_eq!(requests.len(), 3, "{kind}");
    assert_gaps(kind, &requests, &[(30.0, 30.0), (30.0, 30.0)]);
}

async fn server_error_exhausted(kind: ProviderKind) {
    let toml = scenario(0, "status = 500");
    let (run, requests) = run_with(kind, &toml, |s| s.max_retries = 1).await;
    assert!(
        matches!(run.result, Err(ProviderError::Server { status: 500, .. })),
        "{kind}: {:?}",
        run.result
    );
    assert_eq!(requests.len(), 2, "{kind}");
}

async fn zero_retries(kind: ProviderKind) {
    let toml = scenario(0, "status = 429");
    let (run, requests) = run_with(kind, &toml, |s| s.max_retries = 0).await;
    assert!(
        matches!(run.result, Err(ProviderError::RateLimited { .. })),
        "{kind}: {:?}",
        run.result
    );
    assert_eq!(requests.len(), 1, "{kind}");
}

/// Faults after two chunks, 30 ms apart so the text reaches the caller before the fault does.
async fn after_text(kind: ProviderKind, fault: &str) -> (Run, Vec<RecordedRequest>) {
    let toml = scenario(
        30,
        &format!("fault = \"{fault}\"\nfault_after = 2\nstall_ms = 3000"),
    );
    let (run, requests) =
        run_with(kind, &toml, |s| s.idle_timeout = Duration::from_millis(300)).await;
    assert_eq!(
        run.text, "abcdef",
        "{kind} {fault}: text passed on before the fault"
    );
    assert_eq!(
        requests.len(),
        1,
        "{kind} {fault}: never retried once text was passed on"
    );
    (run, requests)
}

/// Faults before any text on the first attempt only.
async fn before_text(kind: ProviderKind, fault: &str) -> (Run, Vec<RecordedRequest>) {
    let toml = scenario(
        0,
        &format!("fault = \"{fault}\"\nfault_after = 0\ntimes = 1\nstall_ms = 3000"),
    );
    run_with(kind, &toml, |s| s.idle_timeout = Duration::from_millis(300)).await
}

async fn mid_stream_error_after_text(kind: ProviderKind) {
    let (run, _) = after_text(kind, "mid-stream-error").await;
    match &run.result {
        Err(e @ ProviderError::MidStream { .. }) => {
            assert!(
                e.to_string().contains("the partial answer was discarded"),
                "{e}"
            );
        }
        other => panic!("{kind}: {other:?}"),
    }
}

async fn mid_stream_error_before_text(kind: ProviderKind) {
    let (run, requests) = before_text(kind, "mid-stream-error").await;
    if kind == ProviderKind::Ollama {
        // Ollama's error line is bare text naming no transient condition: not retried.
        assert!(
            matches!(
                run.result,
                Err(ProviderError::MidStream {
                    retryable: false,
                    ..
                })
            ),
            "{:?}",
            run.result
        );
        assert_eq!(requests.len(), 1);
    } else {
        // Overloaded, server_error, INTERNAL: transient, and nothing was passed on yet.
        assert_success(kind, &run, 2, &requests);
    }
}

async fn disconnect_after_text(kind: ProviderKind) {
    let (run, _) = after_text(kind, "disconnect").await;
    assert!(
        matches!(run.result, Err(ProviderError::Disconnected { .. })),
        "{kind}: {:?}",
        run.result
    );
}

async fn disconnect_before_text(kind: ProviderKind) {
    let (run, requests) = before_text(kind, "disconnect").await;
    assert_success(kind, &run, 2, &requests);
}

async fn malformed_json(kind: ProviderKind) {
    let (run, _) = after_text(kind, "malformed-json").await;
    assert!(
        matches!(run.result, Err(ProviderError::Malformed { .. })),
        "{kind}: {:?}",
        run.result
    );
    let (run, requests) = before_text(kind, "malformed-json").await;
    assert!(
        matches!(run.result, Err(ProviderError::Malformed { .. })),
        "{kind}: {:?}",
        run.result
    );
    assert_eq!(requests.len(), 1);
}

async fn slow_drip_after_text(kind: ProviderKind) {
    let (run, requests) = after_text(kind, "slow-drip").await;
    match &run.result {
        Err(
            e @ ProviderError::Timeout {
                phase: TimeoutPhase::Idle,
                after,
                ..
            },
        ) => {
            assert_eq!(*after, Duration::from_millis(300));
            assert!(e.to_string().contains("idle_timeout_s"), "{e}");
        }
        other => panic!("{kind}: {other:?}"),
    }
    assert!(
        requests[0].disconnected_early,
        "{kind}: the client hung up on the stalled answer"
    );
}

async fn slow_drip_before_text(kind: ProviderKind) {
    let (run, requests) = before_text(kind, "slow-drip").await;
    assert_success(kind, &run, 2, &requests);
    // The second attempt starts after the idle timeout and a backoff of at most 20 ms.
    assert_gaps(kind, &requests, &[(300.0, 320.0)]);
}

async fn truncated_after_text(kind: ProviderKind) {
    let (run, _) = after_text(kind, "truncated").await;
    match &run.result {
        Err(e @ ProviderError::Truncated { .. }) => {
            assert!(e.to_string().contains("truncated stream"))
        }
        other => panic!("{kind}: {other:?}"),
    }
}

async fn truncated_before_text(kind: ProviderKind) {
    let (run, requests) = before_text(kind, "truncated").await;
    assert_success(kind, &run, 2, &requests);
}

async fn status(kind: ProviderKind, status: u16) -> (Run, Vec<RecordedRequest>) {
    let toml = scenario(0, &format!("status = {status}"));
    run_with(kind, &toml, |_| {}).await
}

async fn status_401(kind: ProviderKind) {
    let (run, requests) = status(kind, 401).await;
    match &run.result {
        Err(e @ ProviderError::Auth { hint, .. }) => {
            let expected = match kind {
                ProviderKind::OpenAiCompatible | ProviderKind::Ollama => "configure a key",
                _ => "check that the command `printf %s",
            };
            assert!(hint.contains(expected), "{kind}: {e}");
        }
        other => panic!("{kind}: {other:?}"),
    }
    assert_eq!(requests.len(), 1, "{kind}: auth errors are not retried");
}

async fn status_404(kind: ProviderKind) {
    let (run, requests) = status(kind, 404).await;
    match &run.result {
        Err(
            e @ ProviderError::ModelNotFound {
                model, provider, ..
            },
        ) => {
            assert_eq!(model, "m-1");
            assert_eq!(provider, kind.as_str());
            let text = e.to_string();
            assert!(
                text.contains("`m-1`") && text.starts_with(kind.as_str()),
                "{text}"
            );
            if kind == ProviderKind::Ollama {
                assert!(text.contains("ollama pull m-1"), "{text}");
            }
        }
        other => panic!("{kind}: {other:?}"),
    }
    assert_eq!(requests.len(), 1);
}

async fn status_400(kind: ProviderKind) {
    let (run, requests) = status(kind, 400).await;
    assert!(
        matches!(
            run.result,
            Err(ProviderError::BadRequest { status: 400, .. })
        ),
        "{kind}: {:?}",
        run.result
    );
    assert_eq!(requests.len(), 1);
}

async fn status_402(kind: ProviderKind) {
    let (run, requests) = status(kind, 402).await;
    assert!(
        matches!(run.result, Err(ProviderError::Billing { status: 402, .. })),
        "{kind}: {:?}",
        run.result
    );
    assert_eq!(requests.len(), 1);
}

async fn status_413(kind: ProviderKind) {
    let (run, requests) = status(kind, 413).await;
    match &run.result {
        Err(e @ ProviderError::ContextTooLong { .. }) => {
            assert!(e.to_string().contains("larger context window"), "{e}");
        }
        other => panic!("{kind}: {other:?}"),
    }
    assert_eq!(requests.len(), 1);
}

async fn headers_timeout(kind: ProviderKind) {
    let toml = scenario(0, "headers_delay_ms = 1500");
    let (run, requests) = run_with(kind, &toml, |s| {
        s.timeout = Duration::from_millis(200);
        s.max_retries = 1;
    })
    .await;
    assert!(
        matches!(
            run.result,
            Err(ProviderError::Timeout {
                phase: TimeoutPhase::Response,
                ..
            })
        ),
        "{kind}: {:?}",
        run.result
    );
    // A timeout is retried like any transient failure.
    assert_eq!(requests.len(), 2, "{kind}");
}

async fn connection_refused(kind: ProviderKind) {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind(loopback()).unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let fake = fake("").await;
    let mut s = settings(kind, &fake);
    let base = match kind {
        ProviderKind::OpenAi | ProviderKind::OpenAiCompatible => format!("http://{addr}/v1"),
        _ => format!("http://{addr}"),
    };
    s.base_url = Some(base.clone());
    s.max_retries = 1;
    let run = run(&s, &model("m-1"), &Request::user("hello")).await;
    match &run.result {
        Err(e @ ProviderError::Connect { url, .. }) => {
            assert!(url.starts_with(&base), "{url}");
            let text = e.to_string();
            assert!(text.contains(&base) && text.contains("base_url"), "{text}");
        }
        other => panic!("{kind}: {other:?}"),
    }
}
