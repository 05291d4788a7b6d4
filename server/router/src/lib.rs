//! switchboard's router: the config model (providers, models, roles, rules, budget, privacy,
//! edits, routing), the built-in defaults layer from the dated model catalog, token estimates
//! and worst-case costs, the cooldown policy, the `ask` classifier, and routing decisions with
//! every reason, as text and as serde values.
//!
//! Pure and synchronous: no IO, no async, no network, no environment, no clock. Callers read
//! files and hand in their text, and pass environment lookups, the time, the budget left and
//! the failures the ledger keeps.

pub mod catalog;
pub mod classify;
pub mod config;
pub mod cooldown;
pub mod explain;
pub mod route;
pub mod tokens;

pub use catalog::{BUILT_IN, CATALOG_DATE, CATALOG_TOML, default_layer};
pub use classify::classify;
pub use config::{
    Agent, Budget, Config, ConfigError, DEFAULT_MAX_OUTPUT_TOKENS, Edits, Layer, ModelConfig,
    OnExceed, OnSyntaxError, Oracle, OracleWhen, Price, Privacy, ProviderConfig, ProviderKind,
    Reasoning, Role, Routing, Rule, UnknownRole, When,
};
pub use cooldown::{CooldownPolicy, CooldownState, cooling_until};
pub use explain::{ModelRoute, RoleRoutes, RoutingTable, RuleRoute, routing_table};
pub use route::{
    Candidate, Complexity, Decision, MatchedRule, Refusal, RouteInput, Router, SkipReason, Skipped,
};
pub use tokens::{
    TokenFamily, count_o200k, estimate_input_tokens, estimate_tokens_from_len, scale_to_family,
    warm_tokenizer, worst_case_usd,
};
