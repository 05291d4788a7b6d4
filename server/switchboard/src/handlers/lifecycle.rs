//! `initialize`: negotiates the position encoding and announces what the server does.

use text::PositionEncoding;
use tower_lsp_server::ls_types::{
    InitializeParams, InitializeResult, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};

use crate::session::Session;
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
