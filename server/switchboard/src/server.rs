//! The tower-lsp backend: routes each LSP method to its handler and sends what it reports.
//!
//! Every handler runs inside [`guarded`], so a panic answers that one request with an internal
//! error (or logs, for a notification) and the server keeps serving.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::jsonrpc::{self, Result};
use tower_lsp_server::ls_types::{
    CodeActionParams, CodeActionResponse, DidChangeConfigurationParams,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, ExecuteCommandParams, InitializeParams,
    InitializeResult, InitializedParams, LSPAny, MessageType, Registration, Uri,
    WorkDoneProgressCancelParams,
};
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::config;
use crate::handlers::{
    code_action, configuration, costs, document_state, lifecycle, text_document,
};
use crate::jobs;
use crate::session::Session;
use crate::store::{Report, Snapshot};
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

/// What an embedder (or a test) may set for a server.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where the ledger and answers live, instead of SPEC §4's state directory.
    pub state_dir: Option<std::path::PathBuf>,
}

/// Serves LSP over a pair of byte streams until `exit` or the end of input.
pub async fn serve<I, O>(input: I, output: O) -> Ended
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    serve_with(input, output, Options::default()).await
}

/// [`serve`] with [`Options`].
pub async fn serve_with<I, O>(input: I, output: O, options: Options) -> Ended
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let session = Arc::new(Session::new(options.state_dir));
    let (service, socket) = LspService::build(|client| Backend {
        client,
        session: session.clone(),
    })
    .custom_method("switchboard/documentState", Backend::document_state)
    .custom_method("switchboard/routes", Backend::routes)
    .custom_method("switchboard/costs", Backend::costs)
    .custom_method("switchboard/workspaceIndex", Backend::workspace_index)
    .custom_method("window/workDoneProgress/cancel", Backend::progress_cancel)
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

/// How long after a change the background parse waits for the user to pause typing.
const SETTLE_DELAY: Duration = Duration::from_millis(150);

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
            let snapshot = self.settled_snapshot(params.uri.clone()).await;
            document_state::document_state(snapshot, params)
        })
        .await
    }

    async fn progress_cancel(&self, params: WorkDoneProgressCancelParams) {
        let cancelled = jobs::run::trace_of_token(&params.token)
            .is_some_and(|trace| self.session.jobs.cancel(trace));
        tracing::info!(?params.token, cancelled, "progress cancel");
    }

    async fn costs(&self) -> Result<serde_json::Value> {
        guarded("switchboard/costs", async { costs::costs(&self.session) }).await
    }

    /// `switchboard/workspaceIndex` `{name?}`: whether the index is ready, its size, and the
    /// definitions of `name` it holds (what a packet would find for it).
    async fn workspace_index(&self, params: serde_json::Value) -> Result<serde_json::Value> {
        guarded("switchboard/workspaceIndex", async {
            let session = self.session.clone();
            let answer = tokio::task::spawn_blocking(move || {
                let index = session.workspace_index();
                let name = params.get("name").and_then(serde_json::Value::as_str);
                serde_json::json!({
                    "ready": index.is_ready(),
                    "files": index.file_count(),
                    "definitions": index.definition_count(),
                    "found": name.map(|name| index.lookup(name)).unwrap_or_default(),
                })
            })
            .await;
            answer.map_err(|err| jsonrpc::Error {
                code: jsonrpc::ErrorCode::InternalError,
                message: format!("switchboard/workspaceIndex failed: {err}").into(),
                data: None,
            })
        })
        .await
    }

    async fn routes(&self) -> Result<serde_json::Value> {
        guarded("switchboard/routes", async {
            configuration::routes(&self.session)
        })
        .await
    }

    /// A snapshot whose tree equals a fresh parse of its text; the parse, when one is needed,
    /// runs on a blocking thread so the async threads keep serving.
    async fn settled_snapshot(&self, uri: Uri) -> Option<Snapshot> {
        let session = self.session.clone();
        match tokio::task::spawn_blocking(move || session.documents.settled_snapshot(&uri)).await {
            Ok(snapshot) => snapshot,
            Err(err) => std::panic::resume_unwind(err.into_panic()),
        }
    }

    /// Brings the workspace index up to date with files that changed on disk, on a blocking
    /// thread (it reads and parses them).
    fn index_later(&self, paths: Vec<std::path::PathBuf>) {
        if paths.is_empty() {
            return;
        }
        // Announced now, before the next request is read, so that a command right after a
        // save waits for the save to be read.
        let index = self.session.workspace_index();
        let reading = index.begin_update();
        tokio::task::spawn_blocking(move || {
            let changed = index.update(&paths);
            drop(reading);
            tracing::debug!(changed, "workspace index updated");
        });
    }

    /// After a change that left a document's tree missing or inexact, parses it afresh in the
    /// background once the user pauses, so that readers seldom wait for it.
    fn settle_later(&self, uri: Uri) {
        let Some(text_id) = self.session.documents.text_id(&uri) else {
            return;
        };
        if !self.session.documents.needs_settling(&uri) {
            return;
        }
        let session = self.session.clone();
        tokio::spawn(async move {
            tokio::time::sleep(SETTLE_DELAY).await;
            // Typed meanwhile: the task that change scheduled settles the newer text.
            if session.documents.text_id(&uri) != Some(text_id) {
                return;
            }
            let settled =
                tokio::task::spawn_blocking(move || session.documents.settled_snapshot(&uri));
            if let Err(err) = settled.await {
                tracing::error!("background parse failed: {err}; the server carries on");
            }
        });
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
        self.notify("initialized", configuration::reload).await;
        // The workspace index walks every folder (seconds on a large workspace, unless it was
        // saved): read now, in the background; a command meanwhile sees what is read so far.
        self.session.workspace_index();
        if self.session.can_watch_files() {
            // The config, and every file for the index (the index filters them as its walk
            // does).
            let watchers = serde_json::json!({
                "watchers": [
                    { "globPattern": format!("**/{}", configuration::WORKSPACE_FILE) },
                    { "globPattern": "**/*" },
                ]
            });
            let registration = Registration {
                id: "switchboard-watch".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: Some(watchers),
            };
            if let Err(err) = self.client.register_capability(vec![registration]).await {
                tracing::warn!("the client did not watch files: {err}; watching them here");
                crate::watcher::start(&self.session, &self.client);
            }
        } else {
            crate::watcher::start(&self.session, &self.client);
        }
        // A local Ollama joins the defaults if one answers; the probe is brief and off the
        // request path.
        let session = self.session.clone();
        let client = self.client.clone();
        tokio::spawn(async move {
            if let Some(models) = config::probe_ollama().await {
                tracing::info!(count = models.len(), "found a local Ollama");
                session.update_sources(|sources| sources.ollama_models = Some(models));
                for report in configuration::reload(&session) {
                    let (Report::Show(message) | Report::Warn(message)) = report;
                    client.show_message(MessageType::WARNING, message).await;
                }
            }
        });
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.notify("workspace/didChangeConfiguration", |s| {
            configuration::did_change_configuration(s, params.settings)
        })
        .await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        self.notify("workspace/didChangeWatchedFiles", |s| {
            configuration::did_change_watched_files(s, &params)
        })
        .await;
        let paths = params
            .changes
            .iter()
            .filter_map(|change| change.uri.to_file_path())
            .map(|path| path.into_owned())
            .collect();
        self.index_later(paths);
    }

    async fn shutdown(&self) -> Result<()> {
        self.session.request_shutdown();
        let session = self.session.clone();
        if let Err(err) = tokio::task::spawn_blocking(move || session.save_index()).await {
            tracing::warn!("saving the workspace index failed: {err}");
        }
        tracing::info!("shutdown requested");
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let uri = params.text_document.uri.clone();
        self.notify("textDocument/didOpen", |s| {
            text_document::did_open(s, params)
        })
        .await;
        self.settle_later(uri);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri.clone();
        self.notify("textDocument/didChange", |s| {
            text_document::did_change(s, params)
        })
        .await;
        self.settle_later(uri.clone());
        if self.session.findings.has(&uri) {
            // Review findings move with the text, and go when their lines are rewritten.
            jobs::publish_findings(&self.session, &self.client, &uri).await;
        }
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        guarded("textDocument/codeAction", async {
            let (actions, message) = code_action::code_actions(&self.session, &params);
            if let Some(message) = message {
                self.client
                    .show_message(MessageType::WARNING, message)
                    .await;
            }
            Ok(actions)
        })
        .await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        guarded("workspace/executeCommand", async {
            if params.command == jobs::CANCEL_COMMAND {
                return Ok(Some(self.session.jobs.cancel_command(&params.arguments)));
            }
            jobs::start(
                self.session.clone(),
                self.client.clone(),
                &params.command,
                params.arguments,
            )
            .await
            .map(Some)
        })
        .await
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.notify("textDocument/didClose", |s| {
            text_document::did_close(s, params)
        })
        .await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let saved = params
            .text_document
            .uri
            .to_file_path()
            .map(|path| path.into_owned());
        self.notify("textDocument/didSave", |s| {
            text_document::did_save(s, params)
        })
        .await;
        self.index_later(saved.into_iter().collect());
    }
}
