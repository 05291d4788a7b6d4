//! The config in the server: loaded at `initialize` from the layers of SPEC §2 (the workspace
//! folders' `.switchboard.toml`, `initializationOptions`), and swapped atomically on
//! `workspace/didChangeConfiguration` and on a changed `.switchboard.toml`
//! (`workspace/didChangeWatchedFiles`). A new config with an error keeps the old one in place and
//! tells the user why, with the error's `file:line:col`. `switchboard/routes` shows what is in
//! effect.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{DidChangeWatchedFilesParams, InitializeParams};

use crate::config::{self, Sources};
use crate::session::Session;
use crate::store::Report;

/// The file name watched in every workspace folder.
pub const WORKSPACE_FILE: &str = ".switchboard.toml";

/// Takes the workspace folders and `initializationOptions` from `initialize`; the config is
/// loaded at `initialized` (see [`reload`]), when the client may hear about an error.
pub fn initialize(session: &Session, params: &InitializeParams) {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|folder| folder.uri.to_file_path().map(|p| p.into_owned()))
        .collect();
    // Clients without workspace folders still send `rootUri`, and some (Helix 25.01 in a plain
    // directory) only the older `rootPath`; without any, the server's working directory, which
    // the editor starts it in.
    #[allow(deprecated)]
    // reason: rootUri and rootPath are deprecated but still what some clients send
    if roots.is_empty() {
        let root = params
            .root_uri
            .as_ref()
            .and_then(|uri| uri.to_file_path().map(|p| p.into_owned()))
            .or_else(|| params.root_path.as_ref().map(PathBuf::from))
            .or_else(|| std::env::current_dir().ok());
        roots.extend(root);
    }
    session.update_sources(|sources| {
        sources.workspace_roots = roots;
        sources.lsp_settings = params.initialization_options.clone();
    });
}

/// `workspace/didChangeConfiguration`: the client's settings replace the LSP layer.
pub fn did_change_configuration(session: &Session, settings: Value) -> Vec<Report> {
    session.update_sources(|sources| {
        sources.lsp_settings = (!settings.is_null()).then_some(settings);
    });
    reload(session)
}

/// `workspace/didChangeWatchedFiles`: reloads when a `.switchboard.toml` changed.
pub fn did_change_watched_files(
    session: &Session,
    params: &DidChangeWatchedFilesParams,
) -> Vec<Report> {
    let relevant = params
        .changes
        .iter()
        .any(|change| change.uri.as_str().ends_with(WORKSPACE_FILE));
    if relevant {
        reload(session)
    } else {
        Vec::new()
    }
}

/// Loads the config from the current sources and swaps it in; on an error the old one stays.
pub fn reload(session: &Session) -> Vec<Report> {
    match config::load(&session.sources()) {
        Ok(config) => {
            // A config without models is no error here: each action explains how to add one
            // when the user asks for it (SPEC §2), rather than a message at every start.
            tracing::info!(models = config.models.len(), "config loaded");
            session.set_caller(Arc::new(config::caller(config, session.ledger())));
            Vec::new()
        }
        Err(err) => {
            let kept = if session.has_caller() {
                "the previous config stays in effect"
            } else {
                "the built-in defaults serve until it is mended"
            };
            if !session.has_caller() {
                let defaults = config::load(&Sources {
                    ollama_models: session.sources().ollama_models,
                    ..Sources::default()
                });
                if let Ok(config) = defaults {
                    session.set_caller(Arc::new(config::caller(config, session.ledger())));
                }
            }
            vec![Report::Show(format!(
                "switchboard: the config has an error, so {kept}: {err}"
            ))]
        }
    }
}

/// `switchboard/routes`: the routing table in effect, as `switchboard routes --json` prints it.
///
/// # Errors
/// Never in practice; the server always has a config once initialized.
pub fn routes(session: &Session) -> jsonrpc::Result<Value> {
    let caller = session.caller().ok_or_else(|| jsonrpc::Error {
        code: jsonrpc::ErrorCode::ServerError(-32002),
        message: "no config yet: send initialize first".into(),
        data: None,
    })?;
    let table = router::routing_table(caller.config());
    serde_json::to_value(&table).map_err(|err| jsonrpc::Error {
        code: jsonrpc::ErrorCode::InternalError,
        message: format!("cannot encode the routing table: {err}").into(),
        data: None,
    })
}
