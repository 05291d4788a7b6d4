//! The context benchmark (`context-bench`): how well a packet's definitions match what a
//! language tool's go-to-definition (Python, jedi) or a hand label (Rust) says a function
//! relies on, on code no one on this project wrote; and how big the packets are.
//!
//! - [`truth`]: the selections and their true definitions.
//! - [`score`]: the rule that says which were recalled, and which sent ones were right.
//! - [`run`]: builds the packets, scores them, and sums the figures per library.

pub mod run;
pub mod score;
pub mod truth;
