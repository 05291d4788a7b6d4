//! Tests of the syntax crate, one binary: registry, queries, fixtures per language, incremental
//! reparse and complexity. `UPDATE_EXPECT=1 cargo test -p switchboard-syntax` refreshes snapshots.

mod complexity;
mod fixtures_c_family;
mod fixtures_data;
mod fixtures_scripting;
mod fixtures_web;
mod incremental;
mod queries;
mod registry;
mod robustness;
mod scopes;
mod support;
