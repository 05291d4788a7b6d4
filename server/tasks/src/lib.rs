//! The work of a role, provider-agnostic: a routed call that is estimated, reserved against the
//! budget, sent, settled in the ledger, and handed to the next model of the list when it fails.
//! The context packet (with secrets masked), the prompts, reply parsing, and the job that runs
//! them in order, for the language server, `switchboard run` and `switchboard demo` alike.

pub mod agent;
pub mod call;
pub mod context;
pub mod fanout;
pub mod job;
pub mod outcome;
pub mod reply;

pub use call::{
    Answer, CallError, CallEvent, CallSpec, Caller, LedgerHandle, ModelClient, Target, error_kind,
};
