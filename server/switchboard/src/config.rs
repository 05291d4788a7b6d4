//! The effective config: which layers are read, in which order (SPEC §2), the Ollama probe, the
//! ledger, and the one conversion from the router's config types to the providers' settings.
//!
//! Layers, later ones overriding earlier ones key by key: the built-in defaults (the catalog's
//! providers whose key variable is set, and a local Ollama if the probe found one); the user
//! file (`$XDG_CONFIG_HOME/switchboard/config.toml`, default `~/.config/...`); each workspace
//! root's `.switchboard.toml`; the LSP settings (`initializationOptions`,
//! `workspace/didChangeConfiguration`); the file named by `SWITCHBOARD_CONFIG`, which must exist.
//! `--config FILE` reads that file instead of the user, workspace and `SWITCHBOARD_CONFIG` files,
//! still on top of the defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ledger::Ledger;
use providers::{ApiKeySource, Effort, ModelSettings, Price, ProviderKind, ProviderSettings};
use router::{Config, ConfigError, Layer, ModelConfig, ProviderConfig, Reasoning};
use tasks::{Caller, LedgerHandle, ModelClient};

/// Where the layers come from.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// `--config FILE`.
    pub explicit: Option<PathBuf>,
    /// Workspace roots whose `.switchboard.toml` is read (the CLI's is the current directory).
    pub workspace_roots: Vec<PathBuf>,
    /// The client's settings: `initializationOptions` or `workspace/didChangeConfiguration`.
    pub lsp_settings: Option<serde_json::Value>,
    /// The models a local Ollama offered, if the probe found one.
    pub ollama_models: Option<Vec<String>>,
}

impl Sources {
    /// The command line's sources: the current directory as the workspace.
    pub fn cli(explicit: Option<&Path>, ollama_models: Option<Vec<String>>) -> Sources {
        Sources {
            explicit: explicit.map(Path::to_path_buf),
            workspace_roots: vec![cli_workspace_root()],
            lsp_settings: None,
            ollama_models,
        }
    }
}

/// The workspace of a command run from a terminal: the nearest directory at or above the
/// current one that holds `.git`, `.jj`, `.hg` or `.switchboard.toml` (as rust-analyzer and git
/// find theirs), else the current directory. So a command run from a subdirectory reads the
/// root's config, and its excludes apply.
pub fn cli_workspace_root() -> PathBuf {
    let Ok(cwd) = std::env::current_dir() else {
        return PathBuf::from(".");
    };
    cwd.ancestors()
        .find(|dir| {
            [".git", ".jj", ".hg", ".switchboard.toml"]
                .iter()
                .any(|marker| dir.join(marker).exists())
        })
        .unwrap_or(&cwd)
        .to_path_buf()
}

/// The config files to read, in layering order; `true` marks one that must exist.
fn config_files(sources: &Sources) -> Vec<(PathBuf, bool)> {
    if let Some(path) = &sources.explicit {
        return vec![(path.clone(), true)];
    }
    let mut files = Vec::new();
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")));
    if let Some(dir) = config_home {
        files.push((dir.join("switchboard").join("config.toml"), false));
    }
    for root in &sources.workspace_roots {
        files.push((root.join(".switchboard.toml"), false));
    }
    files
}

/// The file named by `SWITCHBOARD_CONFIG`, if set (it must exist).
fn env_config_file() -> Option<PathBuf> {
    std::env::var_os("SWITCHBOARD_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn read_layer(path: &Path, required: bool) -> Result<Option<Layer>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(Layer::new(path.display().to_string(), text))),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError {
            source_name: path.display().to_string(),
            line_col: None,
            message: format!("cannot read the config file: {e}; check the path"),
        }),
    }
}

/// The client's settings as a layer: the object itself, or its `switchboard` member (VS Code
/// sends its settings under the extension's section).
fn lsp_layer(settings: &serde_json::Value) -> Result<Option<Layer>, ConfigError> {
    let value = settings.get("switchboard").unwrap_or(settings);
    match value {
        serde_json::Value::Object(map) if !map.is_empty() => {
            Layer::from_json("LSP settings", value).map(Some)
        }
        _ => Ok(None),
    }
}

/// Reads and checks the effective config (see the module docs for the layers).
///
/// # Errors
/// A file that must exist and cannot be read, or the first problem in the config, with its
/// `file:line:col`.
pub fn load(sources: &Sources) -> Result<Config, ConfigError> {
    let env = |name: &str| std::env::var(name).ok();
    let mut layers = vec![router::default_layer(
        &env,
        sources.ollama_models.as_deref(),
    )];
    for (path, required) in config_files(sources) {
        layers.extend(read_layer(&path, required)?);
    }
    if let Some(settings) = &sources.lsp_settings {
        layers.extend(lsp_layer(settings)?);
    }
    if sources.explicit.is_none()
        && let Some(path) = env_config_file()
    {
        layers.extend(read_layer(&path, true)?);
    }
    let config = Config::from_layers(&layers)?;
    check_prompts(&config, &layers)?;
    Ok(config)
}

/// The `[prompts]` templates parse (the router only knows they are strings); an error names
/// the last layer that set the template.
fn check_prompts(config: &Config, layers: &[Layer]) -> Result<(), ConfigError> {
    let Err(err) = tasks::context::Templates::from_config(&config.prompts) else {
        return Ok(());
    };
    let sets = |layer: &Layer, kind: &str| {
        toml::from_str::<toml::Table>(&layer.text)
            .ok()
            .and_then(|table| table.get("prompts")?.get(kind).cloned())
            .is_some()
    };
    let source_name = layers
        .iter()
        .rev()
        .find(|layer| sets(layer, err.kind.as_str()))
        .map_or_else(|| "config".to_string(), |layer| layer.source_name.clone());
    Err(ConfigError {
        source_name,
        line_col: None,
        message: format!("[prompts] {}: {err}", err.kind),
    })
}

/// Asks a local Ollama (`OLLAMA_HOST`, default `127.0.0.1:11434`) for its models, once and
/// briefly: `None` when nothing answers within half a second.
pub async fn probe_ollama() -> Option<Vec<String>> {
    let host = std::env::var("OLLAMA_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "127.0.0.1:11434".to_string());
    let base = if host.starts_with("http://") || host.starts_with("https://") {
        host
    } else {
        format!("http://{host}")
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .ok()?;
    let response = client
        .get(format!("{}/api/tags", base.trim_end_matches('/')))
        .send()
        .await
        .ok()?;
    let tags: serde_json::Value = response.error_for_status().ok()?.json().await.ok()?;
    let names = tags["models"]
        .as_array()?
        .iter()
        .filter_map(|m| m["name"].as_str().map(str::to_string))
        .collect();
    Some(names)
}

/// The state directory: `state_dir` when given (tests, embedders), else SPEC §4's
/// (`SWITCHBOARD_STATE_DIR`, else `$XDG_STATE_HOME/switchboard`, else `~/.local/state/switchboard`).
///
/// # Errors
/// When no directory can be found (no `HOME`), with what to set.
pub fn state_dir(state_dir: Option<&Path>) -> Result<PathBuf, String> {
    match state_dir {
        Some(dir) => Ok(dir.to_path_buf()),
        None => ledger::state_dir_from(|name| std::env::var_os(name)).map_err(|e| e.to_string()),
    }
}

/// A workspace index of `roots` saved in the state directory (see [`state_dir`]; not saved
/// when there is none), not yet read: call `refresh`, which parses only files changed since it
/// was last saved.
pub fn workspace_index(
    roots: &[PathBuf],
    exclude: &[String],
    state_dir_given: Option<&Path>,
) -> tasks::context::WorkspaceIndex {
    let index = tasks::context::WorkspaceIndex::new(roots, exclude);
    match state_dir(state_dir_given) {
        Ok(dir) => index.saved_in(&dir),
        Err(why) => {
            tracing::debug!(%why, "the workspace index is not saved");
            index
        }
    }
}

/// The ledger in the state directory (see [`state_dir`]), opened on first use.
pub fn ledger(dir: Option<PathBuf>) -> Arc<LedgerHandle> {
    Arc::new(LedgerHandle::lazy(move || {
        let dir = state_dir(dir.as_deref())?;
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create the state directory {}: {e}", dir.display()))?;
        Ledger::open(&dir.join(ledger::LEDGER_FILE_NAME))
            .map(Arc::new)
            .map_err(|err| err.to_string())
    }))
}

/// Everything a call needs for this config: a client per model (one per provider, shared), and
/// whether each provider has a key.
pub fn caller(config: Config, ledger: Arc<LedgerHandle>) -> Caller {
    let mut providers: BTreeMap<String, Arc<dyn providers::Provider>> = BTreeMap::new();
    let mut key_sources = BTreeMap::new();
    for (name, provider) in &config.providers {
        let settings = provider_settings(name, provider);
        key_sources.insert(name.clone(), settings.api_key.clone());
        match providers::client_for(&settings) {
            Ok(client) => {
                providers.insert(name.clone(), Arc::from(client));
            }
            Err(err) => tracing::warn!("provider {name} cannot be used: {err}"),
        }
    }
    let clients = config
        .models
        .iter()
        .filter_map(|(alias, model)| {
            let provider = providers.get(&model.provider)?.clone();
            let settings = model_settings(model);
            Some((alias.clone(), ModelClient { provider, settings }))
        })
        .collect();
    let has_key = move |provider: &str| match key_sources.get(provider) {
        Some(ApiKeySource::Env(var)) => std::env::var(var).is_ok_and(|v| !v.is_empty()),
        // A command is only run when a call needs the key; assume it gives one.
        Some(ApiKeySource::Command(_) | ApiKeySource::None) => true,
        None => false,
    };
    Caller::new(config, ledger, clients, Box::new(has_key))
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
        let files = config_files(&Sources::cli(Some(Path::new("x.toml")), None));
        assert_eq!(files, vec![(PathBuf::from("x.toml"), true)]);
    }

    #[test]
    fn lsp_settings_may_come_under_the_extension_section() {
        let flat = serde_json::json!({ "budget": { "per_day_usd": 1.0 } });
        let nested = serde_json::json!({ "switchboard": { "budget": { "per_day_usd": 1.0 } } });
        let a = lsp_layer(&flat).expect("valid").expect("a layer");
        let b = lsp_layer(&nested).expect("valid").expect("a layer");
        assert_eq!(a.text, b.text);
        assert!(lsp_layer(&serde_json::json!({})).expect("valid").is_none());
        assert!(
            lsp_layer(&serde_json::Value::Null)
                .expect("valid")
                .is_none()
        );
    }
}
