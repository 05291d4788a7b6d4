//! `switchboard/documentState`: what the server holds for a document, for tests and for users
//! who wonder whether it is in step with their editor (SPEC §3).

use serde::{Deserialize, Serialize};
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::Uri;

use crate::store::Snapshot;

#[derive(Debug, Deserialize)]
pub struct DocumentStateParams {
    pub uri: Uri,
}

#[derive(Debug, Serialize)]
pub struct DocumentState {
    pub version: i32,
    /// The LSP `languageId` the client opened the document with.
    pub language: String,
    /// The tree-sitter grammar serving it, or `None` for plain text.
    pub grammar: Option<&'static str>,
    pub text: String,
    /// The tree-sitter S-expression of the current tree (always equal to a fresh parse of
    /// `text`), `None` without a grammar or when parsing ran out of time.
    pub syntax_tree: Option<String>,
    /// Why there is no tree although there is a grammar (a parse that ran out of time).
    pub syntax_error: Option<String>,
    /// `false` after a change could not be applied; `out_of_sync` then says why.
    pub in_sync: bool,
    pub out_of_sync: Option<String>,
}

/// Answers from a settled snapshot of the document (`None`: it is not open).
///
/// # Errors
/// `InvalidParams` when the document is not open.
pub fn document_state(
    snapshot: Option<Snapshot>,
    params: DocumentStateParams,
) -> jsonrpc::Result<DocumentState> {
    let Some(doc) = snapshot else {
        return Err(jsonrpc::Error {
            code: jsonrpc::ErrorCode::InvalidParams,
            message: format!(
                "{} is not open: send textDocument/didOpen first",
                params.uri.as_str()
            )
            .into(),
            data: None,
        });
    };
    Ok(DocumentState {
        version: doc.version,
        language: doc.language_id,
        grammar: doc.grammar.map(syntax::Grammar::name),
        text: doc.rope.to_string(),
        syntax_tree: doc.syntax.as_ref().map(syntax::SyntaxTree::to_sexp),
        syntax_error: doc.syntax_error,
        in_sync: doc.out_of_sync.is_none(),
        out_of_sync: doc.out_of_sync,
    })
}
