//! The checks one layer passes on its own: syntax, unknown keys (with the nearest valid key),
//! value types, and values that are wrong whatever the other layers say (negative prices and
//! budgets, a rule for no role, a rule whose `min_` is above its `max_`). Errors point into the
//! layer that has the problem.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::sections::{
    AGENT_KEYS, BUDGET_KEYS, EDITS_KEYS, ORACLE_KEYS, PRIVACY_KEYS, PROMPT_KEYS, REVIEW_KEYS,
    ROLE_KEYS, ROUTING_KEYS, RULE_KEYS, Role, WHEN_KEYS, unknown_role_advice,
};
use super::spans::{error_at, span_of, unknown_keys};
use super::{ConfigError, Layer, PartialConfig};

pub(crate) const TOP_KEYS: &[&str] = &[
    "providers",
    "models",
    "roles",
    "rules",
    "budget",
    "privacy",
    "edits",
    "routing",
    "prompts",
    "agent",
    "review",
    "oracle",
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

/// Syntax, unknown keys, types and one-layer meaning of `layer`; its raw table on success.
pub(crate) fn check_layer(layer: &Layer) -> Result<toml::Table, ConfigError> {
    let at = |span: Option<Range<usize>>, message: String| error_at(layer, span, message);
    let doc = DeTable::parse(&layer.text).map_err(|e| at(e.span(), e.message().to_string()))?;
    let doc = doc.get_ref();
    check_keys(layer, doc)?;
    check_rules_complete(layer, doc)?;
    let partial: PartialConfig =
        toml::from_str(&layer.text).map_err(|e| at(e.span(), type_message(&e)))?;
    check_values(layer, doc, &partial)?;
    toml::from_str(&layer.text).map_err(|e| at(e.span(), e.message().to_string()))
}

/// The table at `key` of `table`, if it is one.
fn table_at<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
    match table.get(key).map(|v| v.get_ref()) {
        Some(DeValue::Table(t)) => Some(t),
        _ => None,
    }
}

/// The tables of the array at `key`, each with its index (other elements are serde's to refuse).
fn tables_in<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Vec<(usize, &'a DeTable<'i>)> {
    match table.get(key).map(|v| v.get_ref()) {
        Some(DeValue::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item.get_ref() {
                DeValue::Table(t) => Some((i, t)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Unknown keys everywhere a key is fixed, each with the nearest valid key.
fn check_keys(layer: &Layer, doc: &DeTable<'_>) -> Result<(), ConfigError> {
    unknown_keys(layer, doc, TOP_KEYS, "at the top level")?;
    for (section, keys) in [("providers", PROVIDER_KEYS), ("models", MODEL_KEYS)] {
        let Some(entries) = table_at(doc, section) else {
            continue;
        };
        for (name, entry) in entries.iter() {
            let DeValue::Table(table) = entry.get_ref() else {
                continue;
            };
            let name = name.get_ref();
            unknown_keys(layer, table, keys, &format!("in [{section}.{name}]"))?;
            if let Some(price) = table_at(table, "price") {
                let place = format!("in the price of [models.{name}]");
                unknown_keys(layer, price, PRICE_KEYS, &place)?;
            }
        }
    }
    if let Some(roles) = table_at(doc, "roles") {
        for (key, _) in roles.iter() {
            let name: &str = key.get_ref();
            if !ROLE_KEYS.contains(&name) {
                let advice = unknown_role_advice(name);
                let message = format!("unknown key `{name}` in [roles]: {advice}");
                return Err(error_at(layer, Some(key.span()), message));
            }
        }
    }
    for (i, rule) in tables_in(doc, "rules") {
        let n = i + 1;
        unknown_keys(layer, rule, RULE_KEYS, &format!("in rule #{n}"))?;
        if let Some(when) = table_at(rule, "when") {
            unknown_keys(
                layer,
                when,
                WHEN_KEYS,
                &format!("in the `when` of rule #{n}"),
            )?;
        }
    }
    for (section, keys) in [
        ("budget", BUDGET_KEYS),
        ("privacy", PRIVACY_KEYS),
        ("edits", EDITS_KEYS),
        ("routing", ROUTING_KEYS),
        ("prompts", PROMPT_KEYS),
        ("agent", AGENT_KEYS),
        ("review", REVIEW_KEYS),
        ("oracle", ORACLE_KEYS),
    ] {
        if let Some(table) = table_at(doc, section) {
            unknown_keys(layer, table, keys, &format!("in [{section}]"))?;
        }
    }
    Ok(())
}

/// A rule without `role` or `use` (serde would only say "missing field").
fn check_rules_complete(layer: &Layer, doc: &DeTable<'_>) -> Result<(), ConfigError> {
    for (i, rule) in tables_in(doc, "rules") {
        let n = i + 1;
        let span = span_of(doc, &["rules", &i.to_string()]);
        if rule.get("role").is_none() {
            let message = format!(
                "rule #{n} has no `role`; add role = \"implement\" (or plan, review, search, vision)"
            );
            return Err(error_at(layer, span, message));
        }
        if rule.get("use").is_none() {
            let message = format!(
                "rule #{n} has no `use`; add use = [\"MODEL\", ...] naming the models to try when it matches"
            );
            return Err(error_at(layer, span, message));
        }
    }
    Ok(())
}

/// Values wrong whatever the other layers say.
fn check_values(
    layer: &Layer,
    doc: &DeTable<'_>,
    partial: &PartialConfig,
) -> Result<(), ConfigError> {
    let at = |path: &[&str], message: String| error_at(layer, span_of(doc, path), message);
    let bad_usd = |v: Option<f64>| v.is_some_and(|v| v < 0.0 || !v.is_finite());
    for (alias, model) in &partial.models {
        let Some(price) = &model.price else { continue };
        let fields = [
            ("input", price.input),
            ("output", price.output),
            ("cached_input", price.cached_input),
            ("cache_write", price.cache_write),
        ];
        for (field, value) in fields {
            if bad_usd(value) {
                return Err(at(
                    &["models", alias, "price", field],
                    format!(
                        "models.{alias}.price.{field} must be a number of USD per million tokens, 0 or more"
                    ),
                ));
            }
        }
    }
    if let Some(budget) = &partial.budget {
        let fields = [
            ("per_request_usd", budget.per_request_usd),
            ("per_day_usd", budget.per_day_usd),
            ("per_month_usd", budget.per_month_usd),
        ];
        for (field, value) in fields {
            if bad_usd(value) {
                return Err(at(
                    &["budget", field],
                    format!("budget.{field} must be a number of USD, 0 or more"),
                ));
            }
        }
    }
    if let Some(agent) = &partial.agent
        && bad_usd(agent.max_usd)
    {
        return Err(at(
            &["agent", "max_usd"],
            "agent.max_usd must be a number of USD, 0 or more".to_owned(),
        ));
    }
    for (i, rule) in partial.rules.iter().flatten().enumerate() {
        let n = i + 1;
        let index = i.to_string();
        let path = |key: &'static str| ["rules", index.as_str(), "when", key];
        if Role::from_name(&rule.role).is_none() {
            let advice = unknown_role_advice(&rule.role);
            return Err(at(
                &["rules", &index, "role"],
                format!("rule #{n} is for no role: {advice}"),
            ));
        }
        if rule.models.is_empty() {
            return Err(at(
                &["rules", &index, "use"],
                format!(
                    "rule #{n} has an empty `use` list; name at least one model, or delete the rule"
                ),
            ));
        }
        let w = &rule.when;
        if w.languages.as_ref().is_some_and(Vec::is_empty) {
            return Err(at(
                &path("languages"),
                format!(
                    "rule #{n}: `languages` is empty, so the rule can never match; name LSP languageIds such as \"python\", or drop the key"
                ),
            ));
        }
        for (key, value) in [
            ("min_budget_left_usd", w.min_budget_left_usd),
            ("max_budget_left_usd", w.max_budget_left_usd),
        ] {
            if bad_usd(value) {
                return Err(at(
                    &path(key),
                    format!("rule #{n}: {key} must be a number of USD, 0 or more"),
                ));
            }
        }
        let ranges: [(&'static str, &'static str, Option<f64>, Option<f64>); 4] = [
            (
                "min_input_tokens",
                "max_input_tokens",
                w.min_input_tokens.map(|v| v as f64),
                w.max_input_tokens.map(|v| v as f64),
            ),
            (
                "min_lines",
                "max_lines",
                w.min_lines.map(f64::from),
                w.max_lines.map(f64::from),
            ),
            (
                "min_complexity",
                "max_complexity",
                w.min_complexity.map(f64::from),
                w.max_complexity.map(f64::from),
            ),
            (
                "min_budget_left_usd",
                "max_budget_left_usd",
                w.min_budget_left_usd,
                w.max_budget_left_usd,
            ),
        ];
        for (min_key, max_key, min, max) in ranges {
            if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                return Err(at(
                    &path(min_key),
                    format!(
                        "rule #{n}: {min_key} = {min} is more than {max_key} = {max}, so the rule can never match; swap them or drop one"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// serde's message, with a hint where a bare one leaves the user guessing.
fn type_message(e: &toml::de::Error) -> String {
    let message = e.message().trim_end().to_string();
    if message.contains("unknown variant") && message.contains("`low`") {
        format!("{message} (reasoning is low, medium or high)")
    } else if message.contains("unknown variant") && message.contains("`downgrade`") {
        format!(
            "{message} (on_exceed is \"refuse\": say no; or \"downgrade\": take the cheapest model that fits)"
        )
    } else if message.contains("unknown variant") && message.contains("`retry`") {
        format!(
            "{message} (on_syntax_error is \"retry\": ask the model once more; \"refuse\"; or \"apply\": apply with a warning)"
        )
    } else {
        message
    }
}
