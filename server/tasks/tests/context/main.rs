//! Context packets end to end: Rust and Python fixtures, enlarging an empty selection, budget
//! trimming and its record, definitions from open documents and the workspace index, secrets
//! masked everywhere, and excluded files never read. (The size of a packet against its file,
//! plain text and prompt rendering are tested beside the code, in `src/context/`.)

mod definitions;
mod live_index;
mod packets;
mod privacy;
mod support;
