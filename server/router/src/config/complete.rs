//! The checks that need the merged whole: a provider's and a model's required keys, and every
//! cross-reference (the provider a model names, the models roles and rules name). Each error
//! is reported at the last layer that set the key in question.

use std::collections::BTreeMap;

use super::sections::{Role, Rule};
use super::spans::{located, nearest};
use super::{Config, ConfigError, Layer, ModelConfig, PartialConfig, PartialPrice, Price};
use super::{Edits, ProviderConfig};

/// Required keys and cross-references of the merged config.
pub(super) fn complete(whole: PartialConfig, layers: &[Layer]) -> Result<Config, ConfigError> {
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
    let mut roles = BTreeMap::new();
    for (name, aliases) in whole.roles.unwrap_or_default() {
        // The per-layer check refused every other key, so this always finds the role.
        let Some(role) = Role::from_name(&name) else {
            continue;
        };
        for (i, alias) in aliases.iter().enumerate() {
            if !models.contains_key(alias) {
                return Err(missing(
                    &["roles", &name, &i.to_string()],
                    format!(
                        "[roles] {name} names model `{alias}`, which has no [models.{alias}] table; {}",
                        model_advice(alias, &models)
                    ),
                ));
            }
        }
        roles.insert(role, aliases);
    }
    let mut rules = Vec::new();
    for (i, rule) in whole.rules.unwrap_or_default().into_iter().enumerate() {
        let Some(role) = Role::from_name(&rule.role) else {
            continue;
        };
        for (j, alias) in rule.models.iter().enumerate() {
            if !models.contains_key(alias) {
                return Err(missing(
                    &["rules", &i.to_string(), "use", &j.to_string()],
                    format!(
                        "rule #{} uses model `{alias}`, which has no [models.{alias}] table; {}",
                        i + 1,
                        model_advice(alias, &models)
                    ),
                ));
            }
        }
        rules.push(Rule {
            role,
            when: rule.when.into_when(),
            models: rule.models,
        });
    }
    Ok(Config {
        providers,
        models,
        roles,
        rules,
        budget: whole.budget.map(|b| b.into_budget()).unwrap_or_default(),
        privacy: whole.privacy.map(|p| p.into_privacy()).unwrap_or_default(),
        edits: whole
            .edits
            .map(|e| Edits {
                confirm: e.confirm.unwrap_or_default(),
                retry_failed_blocks: e.retry_failed_blocks.unwrap_or_default(),
                on_syntax_error: e.on_syntax_error.unwrap_or_default(),
            })
            .unwrap_or_default(),
        routing: whole.routing.map(|r| r.into_routing()).unwrap_or_default(),
        agent: whole
            .agent
            .map(|a| {
                let default = super::Agent::default();
                super::Agent {
                    max_steps: a.max_steps.unwrap_or(default.max_steps),
                    max_usd: a.max_usd.or(default.max_usd),
                    max_tokens: a.max_tokens.or(default.max_tokens),
                }
            })
            .unwrap_or_default(),
        review: whole
            .review
            .map(|r| super::Review {
                fanout: r.fanout.unwrap_or(super::Review::default().fanout).max(1),
            })
            .unwrap_or_default(),
        oracle: super::Oracle {
            when: whole.oracle.and_then(|o| o.when).unwrap_or_default(),
        },
        prompts: whole.prompts.unwrap_or_default(),
    })
}

/// The nearest configured alias, or the list of them, or how to add one.
fn model_advice(alias: &str, models: &BTreeMap<String, ModelConfig>) -> String {
    let known: Vec<&str> = models.keys().map(String::as_str).collect();
    if let Some(near) = nearest(alias, &known) {
        return format!("did you mean `{near}`?");
    }
    if known.is_empty() {
        return "no model is configured; add a [models.ALIAS] table".to_string();
    }
    format!("configured: {}", known.join(", "))
}
