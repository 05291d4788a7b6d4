//! The effective config for the command line: which files are read, in which order, and the one
//! conversion from the router's config types to the providers' settings.
//!
//! `--config FILE` alone if given; else, layered key by key as SPEC §2 orders them, the user
//! file (`$XDG_CONFIG_HOME/switchboard/config.toml`, default `~/.config/...`) and the workspace
//! file (`./.switchboard.toml`), each only if it exists, then the file named by
//! `SWITCHBOARD_CONFIG`, which must exist. (SPEC §2 also layers built-in defaults and LSP
//! settings; those come with the router issue.)

use std::path::{Path, PathBuf};
use std::time::Duration;

use providers::{ApiKeySource, Effort, ModelSettings, Price, ProviderKind, ProviderSettings};
use router::{Config, ConfigError, Layer, ModelConfig, ProviderConfig, Reasoning};

/// The config files to read, in layering order; `true` marks one that must exist.
fn config_files(explicit: Option<&Path>) -> Vec<(PathBuf, bool)> {
    if let Some(path) = explicit {
        return vec![(path.to_path_buf(), true)];
    }
    let mut files = Vec::new();
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")));
    if let Some(dir) = config_home {
        files.push((dir.join("switchboard").join("config.toml"), false));
    }
    files.push((PathBuf::from(".switchboard.toml"), false));
    if let Some(path) = std::env::var_os("SWITCHBOARD_CONFIG").filter(|v| !v.is_empty()) {
        files.push((PathBuf::from(path), true));
    }
    files
}

/// Reads and checks the effective config (see the module docs for the files).
///
/// # Errors
/// A file that must exist and cannot be read, or the first problem in the config, with its
/// `file:line:col`.
pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let mut layers = Vec::new();
    for (path, required) in config_files(explicit) {
        match std::fs::read_to_string(&path) {
            Ok(text) => layers.push(Layer::new(path.display().to_string(), text)),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(ConfigError {
                    source_name: path.display().to_string(),
                    line_col: None,
                    message: format!("cannot read the config file: {e}; check the path"),
                });
            }
        }
    }
    Config::from_layers(&layers)
}

/// `[providers.NAME]` as the providers crate takes it; unset keys keep the kind's defaults.
pub fn provider_settings(name: &str, config: &ProviderConfig) -> ProviderSettings {
    let kind = match config.kind {
        router::ProviderKind::Anthropic => ProviderKind::Anthropic,
        router::ProviderKind::OpenAi => ProviderKind::OpenAi,
        router::ProviderKind::OpenAiCompatible => ProviderKind::OpenAiCompatible,
        router::ProviderKind::Gemini => ProviderKind::Gemini,
        router::ProviderKind::Ollama => ProviderKind::Ollama,
    };
    let mut settings = ProviderSettings::new(kind);
    settings.name = name.to_string();
    settings.base_url.clone_from(&config.base_url);
    if let Some(argv) = &config.api_key_cmd {
        settings.api_key = ApiKeySource::Command(argv.clone());
    } else if let Some(var) = &config.api_key_env {
        settings.api_key = ApiKeySource::Env(var.clone());
    }
    if let Some(secs) = config.timeout_s {
        settings.timeout = Duration::from_secs(secs);
    }
    if let Some(retries) = config.max_retries {
        settings.max_retries = retries;
    }
    settings
}

/// `[models.ALIAS]` as the providers crate takes it; unset keys keep its defaults.
pub fn model_settings(config: &ModelConfig) -> ModelSettings {
    let mut settings = ModelSettings::new(config.name.clone());
    if let Some(max) = config.max_output_tokens {
        settings.max_output_tokens = max;
    }
    settings.reasoning = config.reasoning.map(|r| match r {
        Reasoning::Low => Effort::Low,
        Reasoning::Medium => Effort::Medium,
        Reasoning::High => Effort::High,
    });
    settings.price = config.price.map(|p| Price {
        input: p.input,
        output: p.output,
        cached_input: p.cached_input,
        cache_write: p.cache_write,
    });
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_keeps_defaults_where_the_config_is_silent() {
        let config = Config::from_toml_str(
            "[providers.work]\nkind = \"anthropic\"\ntimeout_s = 30\n\n[models.m]\nprovider = \"work\"\nname = \"claude\"\nreasoning = \"high\"\nprice = { input = 1.0, output = 2.0 }\n",
            "test.toml",
        )
        .expect("a good config");
        let p = provider_settings("work", &config.providers["work"]);
        assert_eq!(p.name, "work");
        assert_eq!(p.kind, ProviderKind::Anthropic);
        assert_eq!(p.api_key, ApiKeySource::Env("ANTHROPIC_API_KEY".into()));
        assert_eq!(p.timeout, Duration::from_secs(30));
        assert_eq!(p.max_retries, 2);
        let m = model_settings(&config.models["m"]);
        assert_eq!(m.name, "claude");
        assert_eq!(m.max_output_tokens, 4096);
        assert_eq!(m.reasoning, Some(Effort::High));
        assert_eq!(m.price.map(|p| p.output), Some(2.0));
    }

    #[test]
    fn an_explicit_file_is_the_only_one_read() {
        let files = config_files(Some(Path::new("x.toml")));
        assert_eq!(files, vec![(PathBuf::from("x.toml"), true)]);
    }
}
