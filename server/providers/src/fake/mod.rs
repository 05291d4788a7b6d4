//! A local fake provider speaking all five wire formats on their real paths, scripted by a
//! TOML [`Scenario`] (text, tool calls, faults, recordings), logging every request; for tests,
//! the demo and trying a config offline.
//!
//! Paths: `/v1/messages` (Anthropic), `…/chat/completions` (OpenAI and OpenAI-compatible, under
//! any base URL prefix), `/v1beta/models/{model}:streamGenerateContent` (Gemini), `/api/chat`
//! (Ollama). Auth is checked as each service checks it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod log;
mod render;
mod scenario;
mod server;

pub use log::RecordedRequest;
pub use scenario::{Auth, FakeToolCall, FakeUsage, Fault, Format, Pacing, Reply, Scenario};

use crate::settings::ProviderKind;

/// Why the fake could not start.
#[derive(Debug, thiserror::Error)]
pub enum FakeError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("bad scenario: {0}")]
    Scenario(String),
    #[error("cannot read the recording {}: {source}", path.display())]
    Replay {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Format {
    /// The format a provider kind speaks (OpenAI-compatible speaks OpenAI's).
    pub fn of(kind: ProviderKind) -> Format {
        match kind {
            ProviderKind::Anthropic => Format::Anthropic,
            ProviderKind::OpenAi | ProviderKind::OpenAiCompatible => Format::OpenAi,
            ProviderKind::Gemini => Format::Gemini,
            ProviderKind::Ollama => Format::Ollama,
        }
    }
}

/// A running fake provider. Dropping it stops accepting connections.
pub struct FakeProvider {
    addr: SocketAddr,
    log: Arc<log::RequestLog>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl FakeProvider {
    /// Starts serving on `addr` (port 0 picks a free port; see [`FakeProvider::url`]).
    ///
    /// # Errors
    /// [`FakeError::Io`] if the address cannot be bound.
    pub async fn start(addr: SocketAddr, scenario: Scenario) -> Result<Self, FakeError> {
        Self::start_logged(addr, scenario, None).await
    }

    /// As [`FakeProvider::start`], also appending each request as a JSON line to `log_path`.
    ///
    /// # Errors
    /// [`FakeError::Io`] if the address cannot be bound or the log file created.
    pub async fn start_logged(
        addr: SocketAddr,
        scenario: Scenario,
        log_path: Option<&Path>,
    ) -> Result<Self, FakeError> {
        let log = Arc::new(log::RequestLog::new(log_path)?);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| FakeError::Io {
                what: format!("cannot listen on {addr}"),
                source: e,
            })?;
        let addr = listener.local_addr().map_err(|e| FakeError::Io {
            what: "cannot read the bound address".to_string(),
            source: e,
        })?;
        let mut scenario = scenario;
        // Replies pushed into the struct by hand have no hit counters yet.
        while scenario.hits.len() < scenario.replies.len() {
            scenario.hits.push(std::sync::atomic::AtomicU32::new(0));
        }
        let shared = Arc::new(server::Shared {
            scenario,
            log: Arc::clone(&log),
        });
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(shared);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "fake provider stopped");
            }
        });
        tracing::debug!(%addr, "fake provider listening");
        Ok(FakeProvider {
            addr,
            log,
            shutdown: Some(tx),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the base URL to give Anthropic, Gemini and Ollama clients (OpenAI ones
    /// take `{url}/v1`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.log.snapshot()
    }

    /// Waits (up to `timeout`) until `done` holds for the requests, then returns them.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        done: impl Fn(&[RecordedRequest]) -> bool,
    ) -> Vec<RecordedRequest> {
        self.log.wait_for(timeout, done).await
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Runs the fake until Ctrl-C, for `switchboard fake-provider`. Prints
/// `listening on http://ADDR` on stdout first, once bound.
///
/// # Errors
/// As [`Scenario::from_file`] and [`FakeProvider::start_logged`].
pub async fn serve(
    listen: SocketAddr,
    scenario_path: Option<&Path>,
    log_path: Option<&Path>,
) -> Result<(), FakeError> {
    let scenario = match scenario_path {
        Some(p) => Scenario::from_file(p)?,
        None => Scenario::default(),
    };
    let fake = FakeProvider::start_logged(listen, scenario, log_path).await?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", fake.url());
        let _ = out.flush();
    }
    let _ = tokio::signal::ctrl_c().await;
    drop(fake);
    Ok(())
}
