//! The built-in defaults layer: the dated model catalog (`catalog.toml`, embedded) cut down to
//! the providers the caller found (a key in the environment, an Ollama answering), and the
//! text that says how to configure one when none is present.

use crate::config::{Config, Layer, Role};

/// The catalog, one data file with its prices' date in its header.
pub const CATALOG_TOML: &str = include_str!("../catalog.toml");

/// The month the catalog's list prices were taken (also in its header).
pub const CATALOG_DATE: &str = "2026-11";

/// The source name of the built-in layer in errors and explanations.
pub const BUILT_IN: &str = "<built-in defaults>";

/// The provider name Ollama's models get in the built-in layer.
pub const OLLAMA_PROVIDER: &str = "ollama";

/// The built-in defaults layer, first in the layering order.
///
/// Keeps the catalog's providers whose `api_key_env` variable is set and not empty (`env`
/// answers for the caller's environment), their models, and the roles' lists cut to those
/// models. `ollama_models` is what the caller's probe of localhost:11434 found, if it found
/// one: each becomes a model of provider `ollama` at price 0 (local models cost nothing, and
/// that is a known price, so they are never refused for `NoPrice`), appended as the last
/// fallback of every role but `vision` (whether a local model reads images is unknown).
/// With nothing present the layer has no providers; see [`Config::setup_hint`].
pub fn default_layer(
    env: &dyn Fn(&str) -> Option<String>,
    ollama_models: Option<&[String]>,
) -> Layer {
    let catalog: toml::Table = toml::from_str(CATALOG_TOML)
        .expect("the embedded catalog is valid TOML (a test parses it)");
    let section = |key: &str| {
        catalog
            .get(key)
            .and_then(toml::Value::as_table)
            .cloned()
            .unwrap_or_default()
    };
    let present = |provider: &toml::Value| {
        provider
            .get("api_key_env")
            .and_then(toml::Value::as_str)
            .and_then(env)
            .is_some_and(|v| !v.is_empty())
    };
    let mut providers = section("providers");
    providers.retain(|_, p| present(p));
    let mut models = section("models");
    models.retain(|_, m| {
        m.get("provider")
            .and_then(toml::Value::as_str)
            .is_some_and(|p| providers.contains_key(p))
    });
    let mut roles = toml::Table::new();
    for (role, list) in section("roles") {
        let kept: Vec<toml::Value> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter(|alias| alias.as_str().is_some_and(|a| models.contains_key(a)))
            .cloned()
            .collect();
        roles.insert(role, toml::Value::Array(kept));
    }
    if let Some(names) = ollama_models.filter(|names| !names.is_empty()) {
        add_ollama(&mut providers, &mut models, &mut roles, names);
    }
    roles.retain(|_, list| list.as_array().is_some_and(|l| !l.is_empty()));

    let mut layer = toml::Table::new();
    for (key, table) in [
        ("providers", providers),
        ("models", models),
        ("roles", roles),
    ] {
        if !table.is_empty() {
            layer.insert(key.to_string(), toml::Value::Table(table));
        }
    }
    layer.insert(
        "privacy".to_string(),
        toml::Value::Table(section("privacy")),
    );
    let text = toml::to_string(&layer).expect("a table of tables, arrays and strings is TOML");
    Layer::new(BUILT_IN, text)
}

fn add_ollama(
    providers: &mut toml::Table,
    models: &mut toml::Table,
    roles: &mut toml::Table,
    names: &[String],
) {
    let mut provider = toml::Table::new();
    provider.insert("kind".into(), "ollama".into());
    providers.insert(OLLAMA_PROVIDER.into(), toml::Value::Table(provider));
    for name in names {
        // A local model named like a catalog alias keeps the catalog's; its own gets a prefix.
        let alias = if models.contains_key(name) {
            format!("ollama/{name}")
        } else {
            name.clone()
        };
        let mut price = toml::Table::new();
        price.insert("input".into(), 0.0.into());
        price.insert("output".into(), 0.0.into());
        let mut model = toml::Table::new();
        model.insert("provider".into(), OLLAMA_PROVIDER.into());
        model.insert("name".into(), name.as_str().into());
        model.insert("price".into(), toml::Value::Table(price));
        models.insert(alias.clone(), toml::Value::Table(model));
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Vision) {
            let list = roles
                .entry(role.as_str())
                .or_insert_with(|| toml::Value::Array(Vec::new()));
            if let toml::Value::Array(list) = list {
                list.push(alias.as_str().into());
            }
        }
    }
}

/// What to do when no provider is present, for every action to show.
const SETUP: &str = "no AI model is configured. Do one of these, then restart switchboard:
  - put an API key in the environment the editor starts switchboard from: ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY;
  - start Ollama (https://ollama.com) so it answers on localhost:11434, and pull a model (`ollama pull qwen2.5-coder`);
  - or add a provider and a model to ~/.config/switchboard/config.toml (or ./.switchboard.toml), e.g.
      [providers.work]
      kind = \"openai-compatible\"
      base_url = \"http://localhost:8080/v1\"
      api_key_env = \"WORK_API_KEY\"

      [models.coder]
      provider = \"work\"
      name = \"qwen3-coder\"
      price = { input = 0.0, output = 0.0 }   # USD per million tokens; a model without a price is refused

      [roles]
      implement = [\"coder\"]";

impl Config {
    /// How to configure a first model, when the config has none (`None` when it has one).
    pub fn setup_hint(&self) -> Option<String> {
        self.models.is_empty().then(|| SETUP.to_string())
    }

    /// Why `role` has no model and what to write, when it has none (`None` when it has one).
    pub fn role_hint(&self, role: Role) -> Option<String> {
        if self.roles.get(&role).is_some_and(|l| !l.is_empty()) {
            return None;
        }
        if let Some(setup) = self.setup_hint() {
            return Some(setup);
        }
        let aliases: Vec<&str> = self.models.keys().map(String::as_str).collect();
        Some(format!(
            "no model is configured for `{role}`; add to your config\n  [roles]\n  {role} = [\"{}\"]\nnaming models from: {}",
            aliases.first().copied().unwrap_or("ALIAS"),
            aliases.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(vars: &'static [&'static str]) -> impl Fn(&str) -> Option<String> {
        move |name| vars.contains(&name).then(|| "sk-test".to_string())
    }

    #[test]
    fn the_catalog_is_a_good_config_and_says_its_date() {
        let config = Config::from_toml_str(CATALOG_TOML, "catalog.toml").unwrap();
        assert_eq!(config.providers.len(), 3);
        assert!(config.models.values().all(|m| m.price.is_some()));
        assert!(CATALOG_TOML.contains(&format!("Prices taken {CATALOG_DATE}")));
        assert!(CATALOG_TOML.contains("LIST PRICES"));
        for role in Role::ALL {
            assert_eq!(config.roles[&role].len(), 3, "{role}");
        }
    }

    #[test]
    fn nothing_present_is_no_providers_and_a_hint() {
        let layer = default_layer(&|_| None, None);
        assert_eq!(layer.source_name, BUILT_IN);
        let config = Config::from_layers(&[layer]).unwrap();
        assert!(config.providers.is_empty());
        assert!(config.roles.is_empty());
        assert!(config.privacy.exclude.contains(&".env".to_string()));
        let hint = config.setup_hint().unwrap();
        assert!(hint.contains("ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY"));
        assert_eq!(config.role_hint(Role::Plan), Some(hint));
    }

    #[test]
    fn an_empty_variable_is_no_key() {
        let layer = default_layer(&|_| Some(String::new()), Some(&[]));
        let config = Config::from_layers(&[layer]).unwrap();
        assert!(config.providers.is_empty());
    }

    #[test]
    fn one_key_keeps_its_provider_and_cuts_the_roles() {
        let layer = default_layer(&env_with(&["ANTHROPIC_API_KEY"]), None);
        let config = Config::from_layers(&[layer]).unwrap();
        assert_eq!(config.providers.keys().collect::<Vec<_>>(), ["anthropic"]);
        assert_eq!(config.roles[&Role::Plan], ["opus"]);
        assert_eq!(config.roles[&Role::Search], ["haiku"]);
        assert_eq!(config.roles[&Role::Vision], ["sonnet"]);
        assert_eq!(config.setup_hint(), None);
    }

    #[test]
    fn ollama_models_are_free_last_fallbacks() {
        let names = ["qwen2.5-coder:7b".to_string(), "opus".to_string()];
        let layer = default_layer(&env_with(&["ANTHROPIC_API_KEY"]), Some(&names));
        let config = Config::from_layers(&[layer]).unwrap();
        assert_eq!(
            config.roles[&Role::Implement],
            ["sonnet", "qwen2.5-coder:7b", "ollama/opus"]
        );
        assert_eq!(config.roles[&Role::Vision], ["sonnet"]);
        let local = &config.models["qwen2.5-coder:7b"];
        assert_eq!(local.provider, "ollama");
        assert_eq!(local.price.map(|p| (p.input, p.output)), Some((0.0, 0.0)));
        assert_eq!(config.models["ollama/opus"].name, "opus");
    }

    #[test]
    fn a_user_layer_overrides_the_defaults_key_by_key() {
        let defaults = default_layer(&env_with(&["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]), None);
        let user = Layer::new(
            "user.toml",
            "[providers.anthropic]\napi_key_cmd = [\"pass\", \"show\", \"anthropic\"]\n\n[roles]\nplan = [\"sonnet\"]\n",
        );
        let config = Config::from_layers(&[defaults, user]).unwrap();
        let anthropic = &config.providers["anthropic"];
        assert_eq!(anthropic.api_key_env, None);
        assert!(anthropic.api_key_cmd.is_some());
        assert_eq!(config.roles[&Role::Plan], ["sonnet"]);
        assert_eq!(config.roles[&Role::Review], ["gpt-5.2", "opus"]);
    }

    #[test]
    fn a_role_without_models_names_the_models_to_use() {
        let layer = default_layer(&env_with(&["OPENAI_API_KEY"]), None);
        let mut config = Config::from_layers(&[layer]).unwrap();
        config.roles.remove(&Role::Vision);
        expect_test::expect![[r#"
            no model is configured for `vision`; add to your config
              [roles]
              vision = ["gpt-4.1-mini"]
            naming models from: gpt-4.1-mini, gpt-5-mini, gpt-5.2"#]]
        .assert_eq(&config.role_hint(Role::Vision).unwrap());
    }
}
