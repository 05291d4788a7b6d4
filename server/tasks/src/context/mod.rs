//! Context for a model: the packet of code and facts sent with a selection, secrets masked in
//! it, the workspace index its definitions come from (and the privacy globs that keep files out
//! of it), and the prompt templates that turn it into a request.
//!
//! - [`packet`]: [`build_packet`] sizes the selection, its enclosing scope, the file's outline
//!   and imports, diagnostics, definitions and a plan to a token budget, recording cuts.
//! - [`secrets`]: [`mask_secrets`] replaces keys, tokens, private keys and passwords with
//!   `«redacted KIND»`, recording kinds and lines, never values.
//! - [`workspace`]: [`WorkspaceIndex`] (name → definitions), kept current and saved.
//! - [`paths`]: [`excluded`] (the privacy globs) and [`path_label`] / [`resolve_label`], the
//!   one label of a file across workspace folders.
//! - [`prompt`]: [`Templates`] and [`render`], one template per role in `server/tasks/prompts/`.

mod definition;
mod definitions;
mod fit;
pub mod packet;
pub mod paths;
pub mod prompt;
mod rank;
mod receivers;
pub mod secrets;
mod sections;
mod uses;
pub mod workspace;

pub use definition::Definition;
pub use packet::{
    Cut, DiagnosticNote, NEVER_CUT, OpenDocument, PRIORITY, Packet, PacketInput, Section,
    SectionKind, SentDefinition, build_packet,
};
pub use paths::{DEFAULT_EXCLUDES, excluded, path_label, resolve_label};
pub use prompt::{PLACEHOLDERS, TemplateError, TemplateKind, Templates, render};
pub use secrets::{Redaction, SecretKind, mask_secrets};
pub use workspace::{MAX_FILE_BYTES, MAX_FILES, PendingUpdate, RefreshReport, WorkspaceIndex};
