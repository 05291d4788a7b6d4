//! switchboard's language server: documents, handlers and the LSP backend.
//!
//! The binary (`main.rs`) is a thin command line over this library, which the end-to-end
//! tests drive in process.

pub mod config;
pub mod files;
mod from_proto;
mod handlers;
mod jobs;
pub mod logging;
mod server;
mod session;
mod store;
mod to_proto;
mod transport;
mod watcher;

/// The vision role's image lookup, shared by the server and `switchboard run vision`.
pub use jobs::answer::{Sources, check_citations};
pub use jobs::image;
pub use jobs::relative_to_roots;
pub use server::{Ended, Options, serve, serve_with};
