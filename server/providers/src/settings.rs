//! Plain settings structs the clients take; the config loader builds them (this crate reads no files).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::request::{Effort, Request};
use crate::retry::Backoff;
use crate::secret::ApiKeySource;
use crate::usage::Price;

/// The wire formats switchboard speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    pub const ALL: [ProviderKind; 5] = [
        ProviderKind::Anthropic,
        ProviderKind::OpenAi,
        ProviderKind::OpenAiCompatible,
        ProviderKind::Gemini,
        ProviderKind::Ollama,
    ];

    /// The config spelling: `anthropic`, `openai`, `openai-compatible`, `gemini`, `ollama`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::OpenAi => "openai",
            ProviderKind::OpenAiCompatible => "openai-compatible",
            ProviderKind::Gemini => "gemini",
            ProviderKind::Ollama => "ollama",
        }
    }

    pub fn parse(s: &str) -> Option<ProviderKind> {
        ProviderKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Where the real service lives. `openai-compatible` has no default: it defaults to a local
    /// Ollama's OpenAI endpoint, the most common compatible server on a developer machine.
    pub fn default_base_url(self) -> &'static str {
        match self {
            ProviderKind::Anthropic => "https://api.anthropic.com",
            ProviderKind::OpenAi => "https://api.openai.com/v1",
            ProviderKind::OpenAiCompatible => "http://localhost:11434/v1",
            ProviderKind::Gemini => "https://generativelanguage.googleapis.com",
            ProviderKind::Ollama => "http://localhost:11434",
        }
    }

    /// The environment variable the vendor's own SDK reads, if the service needs a key.
    pub fn default_key_env(self) -> Option<&'static str> {
        match self {
            ProviderKind::Anthropic => Some("ANTHROPIC_API_KEY"),
            ProviderKind::OpenAi => Some("OPENAI_API_KEY"),
            ProviderKind::Gemini => Some("GEMINI_API_KEY"),
            ProviderKind::OpenAiCompatible | ProviderKind::Ollama => None,
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One configured provider (a `[providers.NAME]` table).
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderSettings {
    /// The config's name for it, used in errors and logs (e.g. `anthropic`, `work-proxy`).
    pub name: String,
    pub kind: ProviderKind,
    /// `None` uses [`ProviderKind::default_base_url`]. For `openai` and `openai-compatible` it
    /// includes the `/v1` (as in the OpenAI SDK); for the others it is the host root.
    pub base_url: Option<String>,
    pub api_key: ApiKeySource,
    /// The longest wait to connect and receive the response headers.
    pub timeout: Duration,
    /// The longest silence between two pieces of a streamed answer.
    pub idle_timeout: Duration,
    /// Retries after the first attempt (the SDKs' default is 2).
    pub max_retries: u32,
    pub backoff: Backoff,
}

impl ProviderSettings {
    /// The defaults for `kind`: its usual base URL and key variable, 120 s timeout, 60 s idle
    /// timeout, 2 retries.
    pub fn new(kind: ProviderKind) -> Self {
        ProviderSettings {
            name: kind.as_str().to_string(),
            kind,
            base_url: None,
            api_key: kind
                .default_key_env()
                .map_or(ApiKeySource::None, |v| ApiKeySource::Env(v.to_string())),
            timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(60),
            max_retries: 2,
            backoff: Backoff::default(),
        }
    }

    /// The base URL in use, without a trailing slash.
    pub fn effective_base_url(&self) -> String {
        self.base_url
            .as_deref()
            .unwrap_or(self.kind.default_base_url())
            .trim_end_matches('/')
            .to_string()
    }
}

/// One configured model (a `[models.ALIAS]` table), as far as the wire is concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSettings {
    /// The provider's id for the model, sent on the wire (e.g. `claude-opus-4-5`).
    pub name: String,
    pub max_output_tokens: u32,
    pub reasoning: Option<Effort>,
    pub price: Option<Price>,
    /// Mark the stable leading part of the prompt for caching where the provider wants it
    /// marked (Anthropic `cache_control`); others cache on their own.
    pub prompt_cache: bool,
}

impl ModelSettings {
    pub fn new(name: impl Into<String>) -> Self {
        ModelSettings {
            name: name.into(),
            max_output_tokens: 4096,
            reasoning: None,
            price: None,
            prompt_cache: true,
        }
    }

    /// The answer's token cap for `req`: its own cap, never above the model's.
    pub(crate) fn max_tokens(&self, req: &Request) -> u32 {
        req.max_output_tokens
            .map_or(self.max_output_tokens, |m| m.min(self.max_output_tokens))
    }

    /// The most output tokens a call may be billed for, for worst-case cost estimates: on
    /// Anthropic the thinking budget is added to `max_tokens` (see `anthropic.rs`).
    pub fn worst_case_output_tokens(&self, kind: ProviderKind) -> u32 {
        match (kind, self.reasoning) {
            (ProviderKind::Anthropic, Some(effort)) => self
                .max_output_tokens
                .saturating_add(effort.thinking_budget()),
            _ => self.max_output_tokens,
        }
    }
}
