//! What the server knows between requests: the open documents, what was negotiated, and the
//! config in effect (swapped whole on reload).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use tasks::context::WorkspaceIndex;
use tasks::{Caller, LedgerHandle};
use text::PositionEncoding;

use dashmap::DashMap;
use tower_lsp_server::ls_types::Uri;

use crate::config::{self, Sources};
use crate::jobs::Jobs;
use crate::jobs::findings::FindingStore;
use crate::store::DocumentStore;

/// What the client said it can do, at `initialize`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientSupport {
    /// `workspace.workspaceEdit.documentChanges`: versioned edits.
    pub document_changes: bool,
    /// `workspace.workspaceEdit.changeAnnotationSupport`.
    pub change_annotations: bool,
    /// `window.showDocument.support`.
    pub show_document: bool,
    /// `window.workDoneProgress`.
    pub work_done_progress: bool,
    /// `workspace.workspaceEdit.resourceOperations` holds `create`: a `WorkspaceEdit` may
    /// create files.
    pub create_files: bool,
    /// `experimental.switchboard.showsResults`: the client tells the user how each job ended
    /// itself (the Neovim plugin, from `switchboard/finished`), so the server's closing
    /// message would say it twice.
    pub shows_results: bool,
    /// `textDocument.codeAction.disabledSupport`: the client shows a disabled action with its
    /// reason.
    pub disabled_actions: bool,
}

/// A plan answer, kept for the `Implement plan` action of its document.
#[derive(Debug, Clone)]
pub struct Plan {
    pub trace_id: String,
    pub markdown: String,
}

/// An AI edit that was applied: what the oracle is shown when asked about it.
#[derive(Debug, Clone)]
pub struct LastEdit {
    pub trace_id: String,
    pub model: String,
    /// The change as a unified diff.
    pub diff: String,
}

pub struct Session {
    state_dir: Option<PathBuf>,
    pub documents: DocumentStore,
    pub jobs: Jobs,
    pub findings: FindingStore,
    /// The last plan per document.
    pub plans: DashMap<Uri, Plan>,
    /// The last AI edit applied to each document, for a second opinion on it.
    pub last_edits: DashMap<Uri, LastEdit>,
    /// AI fixes applied per document, problem (the diagnostic's message) and its first line
    /// (1-based), for `[oracle] when = ["fix_failed_twice"]`.
    pub fixes: DashMap<(Uri, String, usize), u32>,
    client_support: OnceLock<ClientSupport>,
    /// The workspace symbol index for the folders and excludes in effect (see
    /// [`Session::workspace_index`]).
    workspace_index: Mutex<Option<Arc<WorkspaceIndex>>>,
    /// The last reason told with `window/showMessage` for actions that were disabled, to a
    /// client that cannot show them disabled: each reason is told once, not at every listing.
    pub disabled_told: Mutex<Option<String>>,
    /// Our own file watcher, when the client cannot watch files for us.
    watcher: Mutex<Option<notify::RecommendedWatcher>>,
    encoding: OnceLock<PositionEncoding>,
    shutdown_requested: AtomicBool,
    /// Where the config's layers come from; changed by the client's settings.
    sources: Mutex<Sources>,
    /// The config in effect, with a client per model. Readers clone the `Arc` and let go, so a
    /// reload never waits for a call and a call never sees half a config.
    caller: RwLock<Option<Arc<Caller>>>,
    ledger: Arc<LedgerHandle>,
    /// The client can register file watchers for us (`didChangeWatchedFiles` dynamic registration).
    can_watch_files: AtomicBool,
}

impl Default for Session {
    fn default() -> Self {
        Session::new(None)
    }
}

impl Session {
    /// A session keeping its ledger and answers in `state_dir` (default: SPEC §4's directory).
    pub fn new(state_dir: Option<PathBuf>) -> Self {
        Session {
            state_dir: state_dir.clone(),
            documents: DocumentStore::default(),
            jobs: Jobs::default(),
            findings: FindingStore::default(),
            plans: DashMap::new(),
            last_edits: DashMap::new(),
            fixes: DashMap::new(),
            client_support: OnceLock::new(),
            workspace_index: Mutex::new(None),
            watcher: Mutex::new(None),
            disabled_told: Mutex::new(None),
            encoding: OnceLock::new(),
            shutdown_requested: AtomicBool::new(false),
            sources: Mutex::new(Sources::default()),
            caller: RwLock::new(None),
            ledger: config::ledger(state_dir),
            can_watch_files: AtomicBool::new(false),
        }
    }

    /// Where the ledger and answers live.
    ///
    /// # Errors
    /// When no state directory can be found.
    pub fn state_dir(&self) -> Result<PathBuf, String> {
        config::state_dir(self.state_dir.as_deref())
    }

    /// The negotiated position encoding; utf-16 until `initialize` says otherwise.
    pub fn encoding(&self) -> PositionEncoding {
        self.encoding.get().copied().unwrap_or_default()
    }

    pub fn set_encoding(&self, encoding: PositionEncoding) {
        // `initialize` comes once (tower-lsp refuses a second one), so a second set cannot happen.
        let _ = self.encoding.set(encoding);
    }

    pub fn request_shutdown(&self) {
        self.shutdown_requested.store(true, Ordering::SeqCst);
    }

    /// Whether `shutdown` came before the connection ended: LSP's exit code 0, else 1.
    pub fn shutdown_requested(&self) -> bool {
        self.shutdown_requested.load(Ordering::SeqCst)
    }

    /// A copy of the config's sources.
    pub fn sources(&self) -> Sources {
        self.sources
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn update_sources(&self, change: impl FnOnce(&mut Sources)) {
        change(&mut self.sources.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// The config in effect, `None` before `initialize`.
    pub fn caller(&self) -> Option<Arc<Caller>> {
        self.caller
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn has_caller(&self) -> bool {
        self.caller().is_some()
    }

    /// Puts a new config in effect, atomically.
    pub fn set_caller(&self, caller: Arc<Caller>) {
        *self.caller.write().unwrap_or_else(PoisonError::into_inner) = Some(caller);
    }

    pub fn set_can_watch_files(&self, can: bool) {
        self.can_watch_files.store(can, Ordering::SeqCst);
    }

    pub fn can_watch_files(&self) -> bool {
        self.can_watch_files.load(Ordering::SeqCst)
    }

    pub fn set_client_support(&self, support: ClientSupport) {
        let _ = self.client_support.set(support);
    }

    /// What the client can do (all off before `initialize`).
    pub fn client_support(&self) -> ClientSupport {
        self.client_support.get().copied().unwrap_or_default()
    }

    /// The workspace symbol index for the folders and excludes in effect. A new one (the
    /// first, or after a config change that changes them) is read on a thread of its own, from
    /// the index saved under the state directory where files are unchanged, so this never
    /// waits: a packet built meanwhile sees the files read so far.
    pub fn workspace_index(&self) -> Arc<WorkspaceIndex> {
        let roots = self.sources().workspace_roots;
        let exclude = self
            .caller()
            .map(|caller| caller.config().privacy.exclude.clone())
            .unwrap_or_default();
        let mut slot = self
            .workspace_index
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(index) = slot.as_ref()
            && index.serves(&roots, &exclude)
        {
            return index.clone();
        }
        let index = Arc::new(config::workspace_index(
            &roots,
            &exclude,
            self.state_dir.as_deref(),
        ));
        *slot = Some(index.clone());
        let refreshing = index.clone();
        let started = std::thread::Builder::new()
            .name("workspace-index".to_owned())
            .spawn(move || {
                let report = refreshing.refresh();
                tracing::info!(
                    files = report.files,
                    parsed = report.parsed,
                    reused = report.reused,
                    "workspace index ready"
                );
            });
        if let Err(err) = started {
            tracing::warn!(%err, "the workspace index could not be read in the background");
        }
        index
    }

    /// Saves what the workspace index read since it was last saved (at shutdown).
    pub fn save_index(&self) {
        let index = self
            .workspace_index
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(index) = index {
            index.save_updates();
        }
    }

    /// Keeps our own file watcher alive (see `watcher.rs`).
    pub fn set_watcher(&self, watcher: notify::RecommendedWatcher) {
        *self.watcher.lock().unwrap_or_else(PoisonError::into_inner) = Some(watcher);
    }

    /// The ledger, opened on first use.
    pub fn ledger(&self) -> Arc<LedgerHandle> {
        self.ledger.clone()
    }
}
