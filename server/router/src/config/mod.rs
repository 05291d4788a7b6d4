//! The config file of SPEC §2 as typed values: `[providers.NAME]`, `[models.ALIAS]`,
//! `[roles]`, `[[rules]]`, `[budget]`, `[privacy]`, `[edits]`, `[prompts]` and `[routing]` (an extension of
//! the contract: cooldowns). Errors carry `file:line:col` and say what to do.
//!
//! Layers (built-in defaults, user file, workspace file, LSP settings, `SWITCHBOARD_CONFIG`)
//! are merged key by key, recursively through tables; an array (a role's models, `rules`,
//! `privacy.exclude`) is replaced whole by a later layer. Each layer is checked on its own for
//! syntax, unknown keys, value types and values wrong in themselves (`check`), so those errors
//! point into the file that has them; what needs the merged whole (a model's required keys, the
//! provider it names, the models roles and rules name) is checked after the merge (`complete`)
//! and reported at the last layer that set the key in question.

mod check;
mod complete;
pub(crate) mod sections;
pub(crate) mod spans;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use sections::{
    Agent, Budget, Edits, OnExceed, OnSyntaxError, Oracle, OracleWhen, Privacy, Review, Role,
    Routing, Rule, UnknownRole, When,
};
use sections::{
    PartialAgent, PartialBudget, PartialEdits, PartialOracle, PartialPrivacy, PartialReview,
    PartialRoles, PartialRouting, PartialRule,
};

/// The wire formats a provider can speak (the config spelling is the serde name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub enum ProviderKind {
    #[serde(rename = "anthropic")]
    Anthropic,
    #[serde(rename = "openai")]
    OpenAi,
    #[serde(rename = "openai-compatible")]
    OpenAiCompatible,
    #[serde(rename = "gemini")]
    Gemini,
    #[serde(rename = "ollama")]
    Ollama,
}

impl ProviderKind {
    /// The environment variable the vendor's own SDK reads for its key, if the service needs
    /// one (the providers crate reads the same one when `api_key_env` is not set).
    pub fn default_key_env(self) -> Option<&'static str> {
        match self {
            ProviderKind::Anthropic => Some("ANTHROPIC_API_KEY"),
            ProviderKind::OpenAi => Some("OPENAI_API_KEY"),
            ProviderKind::Gemini => Some("GEMINI_API_KEY"),
            ProviderKind::OpenAiCompatible | ProviderKind::Ollama => None,
        }
    }
}

/// How hard a model should think: `low`, `medium` or `high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reasoning {
    Low,
    Medium,
    High,
}

/// One `[providers.NAME]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
    /// An argv run without a shell, e.g. `["pass", "show", "anthropic"]`.
    pub api_key_cmd: Option<Vec<String>>,
    pub timeout_s: Option<u64>,
    pub max_retries: Option<u32>,
}

impl ProviderConfig {
    /// The environment variable the key comes from: `api_key_env`, else the kind's default;
    /// `None` when a command gives the key or the service needs none.
    pub fn key_env(&self) -> Option<&str> {
        if self.api_key_cmd.is_some() {
            return None;
        }
        self.api_key_env
            .as_deref()
            .or_else(|| self.kind.default_key_env())
    }
}

/// A model's price in USD per million tokens. A missing `cached_input` or `cache_write` price
/// is charged at `input` (never assumed cheaper than it).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    pub cached_input: Option<f64>,
    pub cache_write: Option<f64>,
}

/// One `[models.ALIAS]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    /// The name of a `[providers.NAME]` table (checked to exist).
    pub provider: String,
    /// The provider's id for the model, sent on the wire.
    pub name: String,
    /// `None`: the model has no known price, and calls to it are refused.
    pub price: Option<Price>,
    pub context_window: Option<u64>,
    pub max_output_tokens: Option<u32>,
    pub reasoning: Option<Reasoning>,
}

/// What a request may ask for when the model sets no `max_output_tokens` (the providers
/// crate's default); worst-case costs are computed on it.
pub const DEFAULT_MAX_OUTPUT_TOKENS: u32 = 4096;

impl ModelConfig {
    /// `max_output_tokens`, or the default every request asks for.
    pub fn max_output(&self) -> u32 {
        self.max_output_tokens.unwrap_or(DEFAULT_MAX_OUTPUT_TOKENS)
    }
}

/// The effective config.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub providers: BTreeMap<String, ProviderConfig>,
    pub models: BTreeMap<String, ModelConfig>,
    /// Each role's models in order of preference (checked to exist); a role missing here has
    /// no model.
    pub roles: BTreeMap<Role, Vec<String>>,
    /// In file order: the first that matches a request wins.
    pub rules: Vec<Rule>,
    pub budget: Budget,
    pub privacy: Privacy,
    pub edits: Edits,
    pub routing: Routing,
    pub agent: Agent,
    pub review: Review,
    pub oracle: Oracle,
    /// `[prompts]`: template texts by role (`implement`, `review`, ...) that replace the
    /// built-in ones; the tasks crate parses them.
    pub prompts: BTreeMap<String, String>,
}

/// A config error: where (`file:line:col`, 1-based, columns in characters) and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub source_name: String,
    /// `None` when the error has no place in one file.
    pub line_col: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_col {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.source_name, self.message),
            None => write!(f, "{}: {}", self.source_name, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// One config file's text and the name errors give it (usually its path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub source_name: String,
    pub text: String,
}

impl Layer {
    pub fn new(source_name: impl Into<String>, text: impl Into<String>) -> Self {
        Layer {
            source_name: source_name.into(),
            text: text.into(),
        }
    }

    /// A layer from a value of the config's structure, e.g. LSP `initializationOptions` as a
    /// `serde_json::Value` (any `Serialize` works, so this crate needs no JSON dependency).
    /// The value is written as TOML text, which becomes the layer's `text`: error positions
    /// point into that text, and the messages name the keys.
    ///
    /// # Errors
    /// A value TOML cannot hold (a `null`, a top level that is not an object), without a place.
    pub fn from_json<T: Serialize + ?Sized>(
        source_name: impl Into<String>,
        value: &T,
    ) -> Result<Layer, ConfigError> {
        let source_name = source_name.into();
        match toml::to_string(value) {
            Ok(text) => Ok(Layer { source_name, text }),
            Err(e) => Err(ConfigError {
                source_name,
                line_col: None,
                message: format!(
                    "cannot be read as config: {e}; give an object of the config file's structure, without nulls"
                ),
            }),
        }
    }
}

// Every key optional: a layer may set only part of a table that another layer completes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialConfig {
    #[serde(default)]
    providers: BTreeMap<String, PartialProvider>,
    #[serde(default)]
    models: BTreeMap<String, PartialModel>,
    roles: Option<PartialRoles>,
    rules: Option<Vec<PartialRule>>,
    budget: Option<PartialBudget>,
    privacy: Option<PartialPrivacy>,
    edits: Option<PartialEdits>,
    routing: Option<PartialRouting>,
    agent: Option<PartialAgent>,
    review: Option<PartialReview>,
    oracle: Option<PartialOracle>,
    prompts: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialProvider {
    kind: Option<ProviderKind>,
    base_url: Option<String>,
    api_key_env: Option<String>,
    api_key_cmd: Option<Vec<String>>,
    timeout_s: Option<u64>,
    max_retries: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialModel {
    provider: Option<String>,
    name: Option<String>,
    price: Option<PartialPrice>,
    context_window: Option<u64>,
    max_output_tokens: Option<u32>,
    reasoning: Option<Reasoning>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialPrice {
    input: Option<f64>,
    output: Option<f64>,
    cached_input: Option<f64>,
    cache_write: Option<f64>,
}

impl Config {
    /// Whether any `[[rules]]` condition reads the selection's complexity: measuring it walks
    /// the selection's syntax tree, which a code-action listing skips when nothing reads it.
    /// Whether any rule reads the request's input tokens (so a listing must count the packet,
    /// as the job will, for its title to name the model the job calls).
    pub fn rules_use_input_tokens(&self) -> bool {
        self.rules.iter().any(|rule| {
            rule.when.min_input_tokens.is_some() || rule.when.max_input_tokens.is_some()
        })
    }

    /// Whether any rule reads the selection's complexity (so a listing must measure it).
    pub fn rules_use_complexity(&self) -> bool {
        self.rules
            .iter()
            .any(|rule| rule.when.min_complexity.is_some() || rule.when.max_complexity.is_some())
    }

    /// Parses and checks one config file. `source_name` is what errors call it (its path).
    ///
    /// # Errors
    /// The first problem found, at its `file:line:col`.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Config, ConfigError> {
        Config::from_layers(&[Layer::new(source_name, text)])
    }

    /// Merges `layers` (later ones override earlier ones key by key, recursively through
    /// tables; arrays are replaced whole) and checks the result. No layers is the empty
    /// config. O(total size).
    ///
    /// # Errors
    /// The first problem found, in the layer that has it.
    pub fn from_layers(layers: &[Layer]) -> Result<Config, ConfigError> {
        let mut merged = toml::Table::new();
        for layer in layers {
            let table = check::check_layer(layer)?;
            forget_replaced_key_sources(&mut merged, &table);
            merge(&mut merged, table);
        }
        let whole: PartialConfig =
            toml::Value::Table(merged)
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError {
                    source_name: layers
                        .last()
                        .map_or_else(|| "config".to_string(), |l| l.source_name.clone()),
                    line_col: None,
                    message: e.message().to_string(),
                })?;
        complete::complete(whole, layers)
    }
}

/// Copies `over` into `base`: tables merge key by key, anything else replaces.
pub fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(old)), toml::Value::Table(new)) => merge(old, new),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// `api_key_env` and `api_key_cmd` are two spellings of one setting: a layer that sets one
/// replaces the other from earlier layers (the built-in defaults' `ANTHROPIC_API_KEY` must not
/// clash with a user's `api_key_cmd`). Only one layer setting both is an error.
fn forget_replaced_key_sources(merged: &mut toml::Table, layer: &toml::Table) {
    let (Some(toml::Value::Table(new)), Some(toml::Value::Table(old))) =
        (layer.get("providers"), merged.get_mut("providers"))
    else {
        return;
    };
    for (name, provider) in new {
        let (toml::Value::Table(new), Some(toml::Value::Table(old))) =
            (provider, old.get_mut(name))
        else {
            continue;
        };
        for (set, other) in [
            ("api_key_env", "api_key_cmd"),
            ("api_key_cmd", "api_key_env"),
        ] {
            if new.contains_key(set) {
                old.remove(other);
            }
        }
    }
}
