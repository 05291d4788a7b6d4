//! What the server knows between requests: the open documents and what was negotiated.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use text::PositionEncoding;

use crate::store::DocumentStore;

#[derive(Debug, Default)]
pub struct Session {
    pub documents: DocumentStore,
    encoding: OnceLock<PositionEncoding>,
    shutdown_requested: AtomicBool,
}

impl Session {
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
}
