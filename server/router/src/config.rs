//! The config file of SPEC §2 as typed values: `[providers.NAME]` and `[models.ALIAS]`, with the
//! other sections (`roles`, `rules`, `budget`, `privacy`, `edits`) kept as raw TOML until the
//! router types them. Errors carry `file:line:col` and say what to do.
//!
//! Layers (user file, workspace file, ...) are merged key by key, recursively through tables.
//! Each layer is checked on its own for syntax, unknown keys, value types and negative prices,
//! so those errors point into the file that has them; what needs the merged whole (a model's
//! required keys, the provider it names) is checked after the merge and reported at the last
//! layer that set the key in question.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

/// The wire formats a provider can speak (the config spelling is the serde name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
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

/// How hard a model should think: `low`, `medium` or `high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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

/// A model's price in USD per million tokens. A missing `cached_input` or `cache_write` price
/// is charged at `input` (never assumed cheaper than it).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
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

/// The effective config.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub providers: BTreeMap<String, ProviderConfig>,
    pub models: BTreeMap<String, ModelConfig>,
    /// Raw until the router issue types them.
    pub roles: Option<toml::Table>,
    pub rules: Option<Vec<toml::Table>>,
    pub budget: Option<toml::Table>,
    pub privacy: Option<toml::Table>,
    pub edits: Option<toml::Table>,
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
}

const TOP_KEYS: &[&str] = &[
    "providers",
    "models",
    "roles",
    "rules",
    "budget",
    "privacy",
    "edits",
];
const PROVIDER_KEYS: &[&str] = &[
    "kind",
    "base_url",
    "api_key_env",
    "api_key_cmd",
    "timeout_s",
    "max_retries",
];
const MODEL_KEYS: &[&str] = &[
    "provider",
    "name",
    "price",
    "context_window",
    "max_output_tokens",
    "reasoning",
];
const PRICE_KEYS: &[&str] = &["input", "output", "cached_input", "cache_write"];

// Every key optional: a layer may set only part of a table that another layer completes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialConfig {
    #[serde(default)]
    providers: BTreeMap<String, PartialProvider>,
    #[serde(default)]
    models: BTreeMap<String, PartialModel>,
    roles: Option<toml::Table>,
    rules: Option<Vec<toml::Table>>,
    budget: Option<toml::Table>,
    privacy: Option<toml::Table>,
    edits: Option<toml::Table>,
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
    /// Parses and checks one config file. `source_name` is what errors call it (its path).
    ///
    /// # Errors
    /// The first problem found, at its `file:line:col`.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Config, ConfigError> {
        Config::from_layers(&[Layer::new(source_name, text)])
    }

    /// Merges `layers` (later ones override earlier ones key by key, recursively through
    /// tables) and checks the result. No layers is the empty config. O(total size).
    ///
    /// # Errors
    /// The first problem found, in the layer that has it.
    pub fn from_layers(layers: &[Layer]) -> Result<Config, ConfigError> {
        let mut merged = toml::Table::new();
        for layer in layers {
            merge(&mut merged, check_layer(layer)?);
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
        complete(whole, layers)
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

/// Syntax, unknown keys, types and prices of one layer; its raw table on success.
fn check_layer(layer: &Layer) -> Result<toml::Table, ConfigError> {
    let at = |span: Option<Range<usize>>, message: String| error_at(layer, span, message);
    let doc = DeTable::parse(&layer.text).map_err(|e| at(e.span(), e.message().to_string()))?;
    check_keys(layer, doc.get_ref())?;
    let partial: PartialConfig =
        toml::from_str(&layer.text).map_err(|e| at(e.span(), type_message(&e)))?;
    for (alias, model) in &partial.models {
        let Some(price) = &model.price else { continue };
        let fields = [
            ("input", price.input),
            ("output", price.output),
            ("cached_input", price.cached_input),
            ("cache_write", price.cache_write),
        ];
        for (field, value) in fields {
            if value.is_some_and(|v| v < 0.0 || !v.is_finite()) {
                let span = span_of(doc.get_ref(), &["models", alias, "price", field]);
                return Err(at(
                    span,
                    format!(
                        "models.{alias}.price.{field} must be a number of USD per million tokens, 0 or more"
                    ),
                ));
            }
        }
    }
    toml::from_str(&layer.text).map_err(|e| at(e.span(), e.message().to_string()))
}

/// Unknown keys at the top level, in providers, models and prices, each with the nearest valid key.
fn check_keys(layer: &Layer, doc: &DeTable<'_>) -> Result<(), ConfigError> {
    unknown_keys(layer, doc, TOP_KEYS, "at the top level")?;
    for (section, keys, what) in [
        ("providers", PROVIDER_KEYS, "providers"),
        ("models", MODEL_KEYS, "models"),
    ] {
        let Some(DeValue::Table(entries)) = doc.get(section).map(|v| v.get_ref()) else {
            continue;
        };
        for (name, entry) in entries.iter() {
            let DeValue::Table(table) = entry.get_ref() else {
                continue;
            };
            unknown_keys(
                layer,
                table,
                keys,
                &format!("in [{what}.{}]", name.get_ref()),
            )?;
            if section == "models"
                && let Some(DeValue::Table(price)) = table.get("price").map(|v| v.get_ref())
            {
                let place = format!("in the price of [models.{}]", name.get_ref());
                unknown_keys(layer, price, PRICE_KEYS, &place)?;
            }
        }
    }
    Ok(())
}

fn unknown_keys(
    layer: &Layer,
    table: &DeTable<'_>,
    valid: &[&str],
    place: &str,
) -> Result<(), ConfigError> {
    for (key, _) in table.iter() {
        let name: &str = key.get_ref();
        if valid.contains(&name) {
            continue;
        }
        let advice = match nearest(name, valid) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("valid keys: {}", valid.join(", ")),
        };
        return Err(error_at(
            layer,
            Some(key.span()),
            format!("unknown key `{name}` {place}; {advice}"),
        ));
    }
    Ok(())
}

/// The valid key closest to `name` by edit distance, if it is close enough to be a typo.
fn nearest<'a>(name: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid
        .iter()
        .map(|v| (edit_distance(name, v), *v))
        .min()
        .filter(|(d, v)| *d <= (v.chars().count() / 2).max(2))
        .map(|(_, v)| v)
}

/// Levenshtein distance over characters. O(|a|·|b|).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// serde's message, with a hint where a bare one leaves the user guessing.
fn type_message(e: &toml::de::Error) -> String {
    let message = e.message().trim_end().to_string();
    if message.contains("unknown variant") && message.contains("`low`") {
        format!("{message} (reasoning is low, medium or high)")
    } else {
        message
    }
}

/// Required keys and cross-references of the merged config.
fn complete(whole: PartialConfig, layers: &[Layer]) -> Result<Config, ConfigError> {
    let missing = |path: &[&str], message: String| located(layers, path, message);
    let mut providers = BTreeMap::new();
    for (name, p) in whole.providers {
        let Some(kind) = p.kind else {
            return Err(missing(
                &["providers", &name],
                format!(
                    "[providers.{name}] has no `kind`; add kind = \"anthropic\" (or openai, openai-compatible, gemini, ollama)"
                ),
            ));
        };
        if p.api_key_env.is_some() && p.api_key_cmd.is_some() {
            return Err(missing(
                &["providers", &name, "api_key_cmd"],
                format!("[providers.{name}] sets both api_key_env and api_key_cmd; keep one"),
            ));
        }
        if p.api_key_cmd.as_ref().is_some_and(Vec::is_empty) {
            return Err(missing(
                &["providers", &name, "api_key_cmd"],
                format!(
                    "[providers.{name}] api_key_cmd is empty; give the command as a list, e.g. [\"pass\", \"show\", \"{name}\"]"
                ),
            ));
        }
        let provider = ProviderConfig {
            kind,
            base_url: p.base_url,
            api_key_env: p.api_key_env,
            api_key_cmd: p.api_key_cmd,
            timeout_s: p.timeout_s,
            max_retries: p.max_retries,
        };
        providers.insert(name, provider);
    }
    let mut models = BTreeMap::new();
    for (alias, m) in whole.models {
        let Some(provider) = m.provider else {
            return Err(missing(
                &["models", &alias],
                format!(
                    "[models.{alias}] has no `provider`; add provider = \"NAME\" naming a [providers.NAME] table"
                ),
            ));
        };
        if !providers.contains_key(&provider) {
            let known: Vec<&str> = providers.keys().map(String::as_str).collect();
            let known = if known.is_empty() {
                "none is configured".to_string()
            } else {
                format!("configured: {}", known.join(", "))
            };
            return Err(missing(
                &["models", &alias, "provider"],
                format!(
                    "[models.{alias}] names provider `{provider}`, which has no [providers.{provider}] table ({known}); add one or fix the name"
                ),
            ));
        }
        let Some(name) = m.name else {
            return Err(missing(
                &["models", &alias],
                format!(
                    "[models.{alias}] has no `name`; add name = \"...\" with the provider's id for the model"
                ),
            ));
        };
        let price = match m.price {
            None => None,
            Some(PartialPrice {
                input: Some(input),
                output: Some(output),
                cached_input,
                cache_write,
            }) => Some(Price {
                input,
                output,
                cached_input,
                cache_write,
            }),
            Some(_) => {
                return Err(missing(
                    &["models", &alias, "price"],
                    format!(
                        "the price of [models.{alias}] needs both `input` and `output` (USD per million tokens)"
                    ),
                ));
            }
        };
        let model = ModelConfig {
            provider,
            name,
            price,
            context_window: m.context_window,
            max_output_tokens: m.max_output_tokens,
            reasoning: m.reasoning,
        };
        models.insert(alias, model);
    }
    Ok(Config {
        providers,
        models,
        roles: whole.roles,
        rules: whole.rules,
        budget: whole.budget,
        privacy: whole.privacy,
        edits: whole.edits,
    })
}

/// An error at `path` in the last layer that sets it (or the last layer, without a place).
fn located(layers: &[Layer], path: &[&str], message: String) -> ConfigError {
    for layer in layers.iter().rev() {
        let Ok(doc) = DeTable::parse(&layer.text) else {
            continue;
        };
        if let Some(span) = span_of(doc.get_ref(), path) {
            return error_at(layer, Some(span), message);
        }
    }
    ConfigError {
        source_name: layers
            .last()
            .map_or_else(|| "config".to_string(), |l| l.source_name.clone()),
        line_col: None,
        message,
    }
}

/// The span of the value at `path` (of its key, where the value is a table: a `[header]`'s
/// table spans nothing useful).
fn span_of(doc: &DeTable<'_>, path: &[&str]) -> Option<Range<usize>> {
    let (last, parents) = path.split_last()?;
    let mut table = doc;
    for key in parents {
        match table.get(*key).map(|v| v.get_ref()) {
            Some(DeValue::Table(t)) => table = t,
            _ => return None,
        }
    }
    let (key, value) = table.get_key_value(*last)?;
    Some(match value.get_ref() {
        DeValue::Table(_) => key.span(),
        _ => value.span(),
    })
}

fn error_at(layer: &Layer, span: Option<Range<usize>>, message: String) -> ConfigError {
    ConfigError {
        source_name: layer.source_name.clone(),
        line_col: span.map(|s| line_col(&layer.text, s.start)),
        message,
    }
}

/// 1-based line and column (in characters) of byte `offset`; an offset past the end or
/// inside a character counts as the nearest character boundary before it.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let text = "a = 1\nb = \"é\" x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, text.find('x').unwrap_or(0)), (2, 9));
        assert_eq!(line_col(text, 10_000), (3, 1));
    }

    #[test]
    fn nearest_suggests_typos_only() {
        assert_eq!(nearest("kidn", PROVIDER_KEYS), Some("kind"));
        assert_eq!(nearest("api_key_evn", PROVIDER_KEYS), Some("api_key_env"));
        assert_eq!(nearest("colour", PROVIDER_KEYS), None);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
