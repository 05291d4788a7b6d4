//! `initialize`: negotiates the position encoding and announces what the server does.

use text::PositionEncoding;
use tower_lsp_server::ls_types::{
    CodeActionProviderCapability, ExecuteCommandOptions, InitializeParams, InitializeResult,
    ResourceOperationKind, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
    WorkDoneProgressOptions,
};

use crate::handlers::configuration;
use crate::jobs;
use crate::session::{ClientSupport, Session};
use crate::to_proto;

pub fn initialize(session: &Session, params: &InitializeParams) -> InitializeResult {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|general| general.position_encodings.as_deref())
        .unwrap_or_default()
        .iter()
        .filter_map(|kind| PositionEncoding::from_lsp_str(kind.as_str()));
    let encoding = PositionEncoding::negotiate(offered);
    session.set_encoding(encoding);
    tracing::info!(encoding = encoding.as_lsp_str(), "initialized");
    configuration::initialize(session, params);
    let watch = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|w| w.dynamic_registration)
        .unwrap_or(false);
    session.set_can_watch_files(watch);
    let workspace = params.capabilities.workspace.as_ref();
    let edit = workspace.and_then(|w| w.workspace_edit.as_ref());
    let window = params.capabilities.window.as_ref();
    session.set_client_support(ClientSupport {
        document_changes: edit.and_then(|e| e.document_changes).unwrap_or(false),
        change_annotations: edit
            .and_then(|e| e.change_annotation_support.as_ref())
            .is_some(),
        show_document: window
            .and_then(|w| w.show_document.as_ref())
            .is_some_and(|s| s.support),
        work_done_progress: window.and_then(|w| w.work_done_progress).unwrap_or(false),
        create_files: edit
            .and_then(|e| e.resource_operations.as_ref())
            .is_some_and(|ops| ops.contains(&ResourceOperationKind::Create)),
        shows_results: params
            .capabilities
            .experimental
            .as_ref()
            .and_then(|experimental| experimental.pointer("/switchboard/showsResults"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        // Helix says it supports disabled actions but leaves them out of its menu (helix-term
        // drops every action with `disabled` set), so for Helix the reason is told otherwise.
        disabled_actions: params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|text| text.code_action.as_ref())
            .and_then(|action| action.disabled_support)
            .unwrap_or(false)
            && params
                .client_info
                .as_ref()
                .is_none_or(|client| !client.name.eq_ignore_ascii_case("helix")),
    });

    InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(to_proto::encoding(encoding)),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                        include_text: Some(false),
                    })),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: jobs::COMMANDS.iter().map(|c| c.to_string()).collect(),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            }),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo {
            name: "switchboard".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
        offset_encoding: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{
        ClientCapabilities, GeneralClientCapabilities, PositionEncodingKind,
    };

    fn negotiated(offered: Option<Vec<&'static str>>) -> Option<PositionEncodingKind> {
        let params = InitializeParams {
            capabilities: ClientCapabilities {
                general: Some(GeneralClientCapabilities {
                    position_encodings: offered
                        .map(|names| names.into_iter().map(PositionEncodingKind::new).collect()),
                    ..GeneralClientCapabilities::default()
                }),
                ..ClientCapabilities::default()
            },
            ..InitializeParams::default()
        };
        initialize(&Session::default(), &params)
            .capabilities
            .position_encoding
    }

    #[test]
    fn encoding_negotiation_follows_the_clients_offer() {
        assert_eq!(
            negotiated(Some(vec!["utf-16", "utf-32", "utf-8"])),
            Some(PositionEncodingKind::UTF8)
        );
        assert_eq!(
            negotiated(Some(vec!["utf-16", "utf-32"])),
            Some(PositionEncodingKind::UTF32)
        );
        assert_eq!(
            negotiated(Some(vec!["utf-16"])),
            Some(PositionEncodingKind::UTF16)
        );
        assert_eq!(
            negotiated(Some(vec!["latin-1"])),
            Some(PositionEncodingKind::UTF16)
        );
        assert_eq!(negotiated(None), Some(PositionEncodingKind::UTF16));
    }
}
