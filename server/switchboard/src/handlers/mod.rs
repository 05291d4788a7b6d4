//! LSP handlers, a file per method family. Each is a plain function over the [`Session`]
//! (crate::session::Session) so that the document work is synchronous and testable; the
//! backend in `server.rs` sends what they report once that work is done.

pub mod code_action;
pub mod configuration;
pub mod costs;
pub mod document_state;
pub mod lifecycle;
pub mod text_document;
