//! switchboard's router: the config model (providers, models; roles, rules, budget, privacy and
//! edits kept raw for now) and, later, the routing decisions with their reasons.
//!
//! Pure and synchronous: no IO, no async, no network. Callers read files and hand in their text.

pub mod config;

pub use config::{
    Config, ConfigError, Layer, ModelConfig, Price, ProviderConfig, ProviderKind, Reasoning,
};
