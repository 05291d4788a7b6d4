//! Our own file watcher, for clients that cannot watch files for us (no dynamic registration of
//! `workspace/didChangeWatchedFiles`: Neovim on Linux, Helix): the workspace index and the
//! workspace config follow the disk all the same.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::MessageType;

use crate::handlers::configuration;
use crate::session::Session;
use crate::store::Report;

/// How long the disk must be quiet before a batch of events is read: an editor's save, or
/// `git checkout`, is many events, and a file read between its truncation and its write is
/// empty.
const QUIET: Duration = Duration::from_millis(200);

/// Watches every workspace folder; a changed `.switchboard.toml` reloads the config (a
/// message says what is wrong with it), any other change updates the workspace index. Events
/// are gathered until the disk is quiet, then read on a thread of their own, away from the
/// requests.
pub fn start(session: &Arc<Session>, client: &Client) {
    let roots = session.sources().workspace_roots;
    if roots.is_empty() {
        return;
    }
    let (events, batches) = mpsc::channel::<Vec<PathBuf>>();
    let handler = move |event: notify::Result<notify::Event>| match event {
        Ok(event) if !matches!(event.kind, EventKind::Access(_)) => {
            // The receiver is gone only when the session is: nothing left to tell.
            let _ = events.send(event.paths);
        }
        Ok(_) => {}
        Err(err) => tracing::debug!(%err, "file watcher"),
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(watcher) => watcher,
        Err(err) => {
            tracing::warn!(%err, "no file watcher: the index follows saves only");
            return;
        }
    };
    for root in &roots {
        if let Err(err) = watcher.watch(root, RecursiveMode::Recursive) {
            tracing::warn!(root = %root.display(), %err, "cannot watch a workspace folder");
        }
    }
    let runtime = tokio::runtime::Handle::current();
    let (session_for_batches, client) = (Arc::downgrade(session), client.clone());
    let reader = std::thread::Builder::new()
        .name("file-watcher".to_owned())
        .spawn(move || {
            while let Ok(first) = batches.recv() {
                let mut paths: BTreeSet<PathBuf> = first.into_iter().collect();
                while let Ok(more) = batches.recv_timeout(QUIET) {
                    paths.extend(more);
                }
                let Some(session) = session_for_batches.upgrade() else {
                    return;
                };
                changed(&session, &client, &runtime, paths);
            }
        });
    if let Err(err) = reader {
        tracing::warn!(%err, "no file watcher: the index follows saves only");
        return;
    }
    session.set_watcher(watcher);
}

/// One quiet batch of changed paths.
fn changed(
    session: &Session,
    client: &Client,
    runtime: &tokio::runtime::Handle,
    paths: BTreeSet<PathBuf>,
) {
    let (config, others): (Vec<PathBuf>, Vec<PathBuf>) = paths.into_iter().partition(|path| {
        path.file_name()
            .is_some_and(|name| name == configuration::WORKSPACE_FILE)
    });
    if !config.is_empty() {
        let reports = configuration::reload(session);
        let client = client.clone();
        runtime.spawn(async move {
            for report in reports {
                let (Report::Show(message) | Report::Warn(message)) = report;
                client.show_message(MessageType::WARNING, message).await;
            }
        });
    }
    if !others.is_empty() {
        let index = session.workspace_index();
        let reading = index.begin_update();
        let changed = index.update(&others);
        drop(reading);
        tracing::debug!(changed, "workspace index updated from the file watcher");
    }
}
