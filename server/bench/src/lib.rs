//! switchboard's performance harness as a library: sample texts and edits, the in-process floor,
//! a small LSP client over stdio, the P1–P7 measurements and their report. `lsp-bench` and the
//! criterion benchmarks both build on it, so they measure the same edits of the same text.

pub mod client;
pub mod context;
pub mod corpus;
pub mod edits;
pub mod fake;
pub mod figures;
pub mod floor;
pub mod load;
pub mod packets;
pub mod report;
pub mod run;
pub mod stats;
