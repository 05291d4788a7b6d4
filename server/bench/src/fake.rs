//! The fake provider the switchboard figures run against, on a thread of its own, and the
//! config that points switchboard at it.
//!
//! The fake runs on its own thread and runtime, not on the client's: in P3 it streams a
//! hundred slow answers (about 500 chunks a second), and on the client's single thread that
//! work would sit between the server's answers and the clock that times them.

use std::time::Duration;

use anyhow::Context;
use providers::fake::{FakeProvider, RecordedRequest, Reply, Scenario};
use serde_json::{Value, json};

/// switchboard's config as `initializationOptions`: the implement role served by the fake
/// provider's model `wire_name`.
pub fn switchboard_config(fake_url: &str, wire_name: &str) -> Value {
    json!({
        "providers": { "fake": { "kind": "ollama", "base_url": fake_url, "max_retries": 0 } },
        "models": { "coder": {
            "provider": "fake", "name": wire_name, "price": { "input": 1.0, "output": 2.0 },
            // Room for the 500-line replacement of P4 (about 6,000 tokens).
            "context_window": 200000, "max_output_tokens": 16384,
        } },
        "roles": { "implement": ["coder"] },
    })
}

/// A fake provider serving on its own thread; dropping it stops the fake and the thread.
pub struct FakeHost {
    fake: Option<FakeProvider>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeHost {
    /// Starts a fake answering `wire_name` with `reply`, sent `chunk_chars` at a time with
    /// `delay_ms` before each chunk after the first.
    ///
    /// # Errors
    /// When the thread or its runtime cannot start, or loopback cannot be listened on.
    pub fn start(
        wire_name: &str,
        reply: String,
        chunk_chars: usize,
        delay_ms: u64,
    ) -> anyhow::Result<FakeHost> {
        let mut scenario = Scenario::default();
        scenario.auth.required = false;
        scenario.push(Reply {
            model: Some(wire_name.to_string()),
            text: Some(reply),
            chunk_chars: Some(chunk_chars),
            delay_ms: Some(delay_ms),
            headers_delay_ms: Some(0),
            ..Reply::default()
        });
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fake-provider".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(err) => {
                        let _ = started_tx.send(Err(anyhow::Error::from(err)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let started =
                        async { Ok(FakeProvider::start("127.0.0.1:0".parse()?, scenario).await?) };
                    let _ = started_tx.send(started.await);
                    // The fake's tasks run on this runtime until the host is dropped.
                    let _ = stopped.await;
                });
            })?;
        let fake = started_rx
            .recv()
            .context("the fake provider's thread ended before it started")??;
        Ok(FakeHost {
            fake: Some(fake),
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    fn fake(&self) -> &FakeProvider {
        self.fake
            .as_ref()
            .expect("the fake is only taken when the host is dropped")
    }

    /// The base URL to give switchboard's Ollama provider.
    pub fn url(&self) -> String {
        self.fake().url()
    }

    /// Every request so far (bodies included, so not cheap).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.fake().requests()
    }

    /// Waits up to `timeout` until `done` holds for the requests, then returns them.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        done: impl Fn(&[RecordedRequest]) -> bool,
    ) -> Vec<RecordedRequest> {
        self.fake().wait_for(timeout, done).await
    }
}

impl Drop for FakeHost {
    fn drop(&mut self) {
        // The fake stops accepting first, then its runtime and thread end.
        drop(self.fake.take());
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
