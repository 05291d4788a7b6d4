//! Turning a model's reply into something the server can use: edits for `implement` and `fix`,
//! findings for `review`, cited places for `search`, `explain` and `plan`.
//!
//! Everything here is a pure function of the reply and of the texts it applies to (no IO, no
//! clock, no logging), so that a corpus of real replies pins the behaviour down exactly
//! (`tests/replies.rs`). The rule throughout: a reply is used exactly as the contract below says,
//! or refused with a [`ReplyError`] that tells the model (or the user) what to send instead.
//! Nothing is guessed: a wrong edit costs the user more than a second request does.
//!
//! # The contract (what the prompts ask models to answer)
//!
//! - `implement`, `fix`: either exactly one fenced code block holding the full replacement of the
//!   selection, or one or more SEARCH/REPLACE blocks, each optionally preceded by a line holding
//!   a workspace-relative path:
//!
//!   ```text
//!   src/lib.rs
//!   <<<<<<< SEARCH
//!   old lines
//!   =======
//!   new lines
//!   >>>>>>> REPLACE
//!   ```
//!
//!   Prose around the blocks is ignored. A SEARCH that matches nowhere, or in two places, is
//!   refused, quoting the closest lines or naming the places. See [`edits`]. Which file a block
//!   edits is read from every common way a model names one (`naming`); a block whose file is
//!   unclear is refused, never applied to the selection's file. Before anything is applied,
//!   [`check`] parses each result and says when an edit leaves a syntax error it did not find.
//! - `review`: one fenced `json` block holding an array of findings. See [`findings`].
//! - `search`, `explain`, `plan`: markdown citing places as `path:line` or `path:start-end`.
//!   See [`mod@citations`].

pub mod agreement;
mod blocks;
pub mod check;
pub mod citations;
mod doc;
mod echo;
pub mod edits;
mod error;
mod fence;
mod files;
pub mod findings;
mod habits;
mod matching;
mod naming;

pub use agreement::{Agreed, Review, merge, same_issue};
pub use check::{SyntaxProblem, syntax_problem};
pub use citations::{Citation, citations};
pub(crate) use edits::normalize_path;
pub use edits::{EditInput, FileChange, apply_reply};
pub use error::{BlockFailures, BlockProblem, FailedBlock, ReplyError};
pub use files::FileRead;
pub use findings::{
    DroppedFinding, Finding, FindingsReport, Severity, parse_findings, parse_findings_report,
};
