//! Document sync: `didOpen`, `didChange`, `didClose`, `didSave`.
//!
//! Each runs to completion synchronously, so the backend calls it before its first `.await`
//! and notifications are applied in arrival order even though tower-lsp runs handlers
//! concurrently (tower-lsp issue 284).

use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams,
};

use crate::from_proto;
use crate::session::Session;
use crate::store::Report;

pub fn did_open(session: &Session, params: DidOpenTextDocumentParams) -> Vec<Report> {
    let doc = params.text_document;
    tracing::debug!(
        uri = doc.uri.as_str(),
        version = doc.version,
        bytes = doc.text.len(),
        "didOpen"
    );
    session
        .documents
        .open(doc.uri, doc.language_id, &doc.text, doc.version)
}

pub fn did_change(session: &Session, params: DidChangeTextDocumentParams) -> Vec<Report> {
    let changes: Vec<_> = params
        .content_changes
        .iter()
        .map(from_proto::content_change)
        .collect();
    let doc = params.text_document;
    session
        .documents
        .change(&doc.uri, doc.version, &changes, session.encoding())
}

pub fn did_close(session: &Session, params: DidCloseTextDocumentParams) -> Vec<Report> {
    session.documents.close(&params.text_document.uri)
}

pub fn did_save(_session: &Session, params: DidSaveTextDocumentParams) -> Vec<Report> {
    // The text already arrived through didChange; the server reads the saved file into the
    // workspace index after this (off the async threads).
    tracing::debug!(uri = params.text_document.uri.as_str(), "didSave");
    Vec::new()
}
