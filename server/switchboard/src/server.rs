//! The tower-lsp backend: routes each LSP method to its handler and sends what it reports.
//!
//! Every handler runs inside [`guarded`], so a panic answers that one request with an internal
//! error (or logs, for a notification) and the server keeps serving.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::jsonrpc::{self, Result};
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, InitializeParams, InitializeResult, InitializedParams, MessageType,
};
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::handlers::{document_state, lifecycle, text_document};
use crate::session::Session;
use crate::store::Report;
use crate::transport;

/// How the connection ended, which decides the exit code (LSP: 0 after `shutdown`, else 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    AfterShutdown,
    WithoutShutdown,
}

impl Ended {
    pub fn exit_code(self) -> i32 {
        match self {
            Ended::AfterShutdown => 0,
            Ended::WithoutShutdown => 1,
        }
    }
}

/// Serves LSP over a pair of byte streams until `exit` or the end of input.
pub async fn serve<I, O>(input: I, output: O) -> Ended
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let session = Arc::new(Session::default());
    let (service, socket) = LspService::build(|client| Backend {
        client,
        session: session.clone(),
    })
    .custom_method("switchboard/documentState", Backend::document_state)
    .finish();

    // tower-lsp reads and writes through in-memory pipes, behind the transport guard.
    let (to_server, server_input) = tokio::io::duplex(1 << 20);
    let (server_output, from_server) = tokio::io::duplex(1 << 20);
    let (errors_tx, errors_rx) = tokio::sync::mpsc::unbounded_channel();
    let server = std::pin::pin!(Server::new(server_input, server_output, socket).serve(service));
    let input = std::pin::pin!(transport::pump_input(input, to_server, errors_tx));
    let server_then_input = async {
        // When the server exits, stop reading input (a client may keep stdin open); when
        // input ends first, the server sees the end and finishes on its own.
        if let futures::future::Either::Right(((), server)) =
            futures::future::select(server, input).await
        {
            server.await;
        }
    };
    futures::join!(
        server_then_input,
        transport::pump_output(from_server, errors_rx, output)
    );
    if session.shutdown_requested() {
        Ended::AfterShutdown
    } else {
        Ended::WithoutShutdown
    }
}

pub struct Backend {
    client: Client,
    session: Arc<Session>,
}

/// Runs a handler, turning a panic into an internal error for that request alone.
async fn guarded<T>(method: &'static str, work: impl Future<Output = Result<T>>) -> Result<T> {
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let what = panic_message(panic.as_ref());
            tracing::error!(
                method,
                panic = what,
                "handler panicked; the server carries on"
            );
            Err(jsonrpc::Error {
                code: jsonrpc::ErrorCode::InternalError,
                message: format!("switchboard failed on {method}: {what}. This is a bug; please report it with the server log.").into(),
                data: None,
            })
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

impl Backend {
    /// Runs a notification's synchronous document work, then sends what it reported.
    ///
    /// `work` runs to completion before anything here awaits: that is what keeps document
    /// changes in arrival order (DESIGN invariant 1).
    async fn notify(&self, method: &'static str, work: impl FnOnce(&Session) -> Vec<Report>) {
        let reports = match std::panic::catch_unwind(AssertUnwindSafe(|| work(&self.session))) {
            Ok(reports) => reports,
            Err(panic) => vec![Report::Warn(format!(
                "switchboard failed on {method}: {}. This is a bug; please report it with the server log.",
                panic_message(panic.as_ref())
            ))],
        };
        for report in reports {
            match report {
                Report::Warn(message) => {
                    tracing::warn!(method, "{message}");
                    self.client.log_message(MessageType::WARNING, message).await;
                }
                Report::Show(message) => {
                    tracing::warn!(method, "{message}");
                    self.client
                        .show_message(MessageType::WARNING, message)
                        .await;
                }
            }
        }
    }

    async fn document_state(
        &self,
        params: document_state::DocumentStateParams,
    ) -> Result<document_state::DocumentState> {
        guarded("switchboard/documentState", async {
            document_state::document_state(&self.session, params)
        })
        .await
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        guarded("initialize", async {
            Ok(lifecycle::initialize(&self.session, &params))
        })
        .await
    }

    async fn initialized(&self, _: InitializedParams) {
        tracing::debug!("client initialized");
    }

    async fn shutdown(&self) -> Result<()> {
        self.session.request_shutdown();
        tracing::info!("shutdown requested");
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        self.notify("textDocument/didOpen", |s| {
            text_document::did_open(s, params)
        })
        .await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        self.notify("textDocument/didChange", |s| {
            text_document::did_change(s, params)
        })
        .await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.notify("textDocument/didClose", |s| {
            text_document::did_close(s, params)
        })
        .await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.notify("textDocument/didSave", |s| {
            text_document::did_save(s, params)
        })
        .await;
    }
}
