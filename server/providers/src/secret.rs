//! API keys: where they come from (an env var or a command) and a wrapper that never prints them.

use std::fmt;
use std::time::Duration;

use crate::error::ProviderError;

/// An API key. Debug and Display print `***`, so a key cannot leak through a log line or an
/// error message by accident; only [`ApiKey::expose`] gives the text, for the auth header.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    /// The key itself. Call it only to put the key on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced by `***`, for messages built from
    /// provider responses (Gemini echoes a rejected key in its error details).
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 {
            // A key this short would redact ordinary words; such a key is not a real key anyway.
            return text.to_string();
        }
        text.replace(&self.0, "***")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where a provider's key comes from. Never a file in the workspace, never the config itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiKeySource {
    /// Read the named environment variable at each call (so a changed variable takes effect).
    Env(String),
    /// Run this argv (no shell) once and use its trimmed stdout, e.g. `["pass", "show", "openai"]`.
    Command(Vec<String>),
    /// No key: local servers (Ollama, llama.cpp) need none.
    None,
}

impl ApiKeySource {
    /// What a user should do to supply a key, for error messages.
    pub fn hint(&self) -> String {
        match self {
            ApiKeySource::Env(name) => format!("set the environment variable {name}"),
            ApiKeySource::Command(argv) => {
                format!("check that the command `{}` prints the key", argv.join(" "))
            }
            ApiKeySource::None => {
                "configure a key with api_key_env or api_key_cmd for this provider".to_string()
            }
        }
    }
}

/// How long a key command may run: a password manager may prompt, but must not hang a call forever.
const KEY_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads the key from its source. `Ok(None)` only for [`ApiKeySource::None`].
///
/// # Errors
/// [`ProviderError::MissingKey`] when the variable is unset or empty, or the command fails,
/// times out or prints nothing. The command's output never appears in the error.
pub(crate) async fn resolve(
    provider: &str,
    source: &ApiKeySource,
) -> Result<Option<ApiKey>, ProviderError> {
    let missing = |why: String| ProviderError::MissingKey {
        provider: provider.to_string(),
        why,
        hint: source.hint(),
    };
    match source {
        ApiKeySource::None => Ok(None),
        ApiKeySource::Env(name) => match std::env::var(name) {
            Ok(v) if !v.trim().is_empty() => Ok(Some(ApiKey(v.trim().to_string()))),
            Ok(_) => Err(missing(format!("the environment variable {name} is empty"))),
            Err(_) => Err(missing(format!(
                "the environment variable {name} is not set"
            ))),
        },
        ApiKeySource::Command(argv) => {
            let Some((program, args)) = argv.split_first() else {
                return Err(missing("api_key_cmd is an empty list".to_string()));
            };
            let run = tokio::process::Command::new(program)
                .args(args)
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .kill_on_drop(true)
                .output();
            let output = match tokio::time::timeout(KEY_COMMAND_TIMEOUT, run).await {
                Err(_) => {
                    return Err(missing(format!(
                        "the key command `{program}` did not finish in {}s",
                        KEY_COMMAND_TIMEOUT.as_secs()
                    )));
                }
                Ok(Err(e)) => {
                    return Err(missing(format!(
                        "the key command `{program}` failed to start: {e}"
                    )));
                }
                Ok(Ok(o)) => o,
            };
            if !output.status.success() {
                return Err(missing(format!(
                    "the key command `{program}` exited with {}",
                    output.status
                )));
            }
            // Only the first line: `pass show` prints the secret first and metadata after it.
            let text = String::from_utf8_lossy(&output.stdout);
            let key = text.lines().next().unwrap_or("").trim().to_string();
            if key.is_empty() {
                return Err(missing(format!(
                    "the key command `{program}` printed nothing"
                )));
            }
            Ok(Some(ApiKey(key)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_never_prints() {
        let key = ApiKey::new("sk-very-secret");
        assert_eq!(format!("{key}"), "***");
        assert_eq!(format!("{key:?}"), "***");
        assert_eq!(format!("{:?}", Some(key.clone())), "Some(***)");
        assert_eq!(key.redact("bad key sk-very-secret!"), "bad key ***!");
    }

    #[tokio::test]
    async fn command_source_takes_first_line() {
        let source = ApiKeySource::Command(vec![
            "sh".into(),
            "-c".into(),
            "printf 'k-123\\nlogin: me\\n'".into(),
        ]);
        let key = resolve("p", &source).await.ok().flatten();
        assert_eq!(key.as_ref().map(ApiKey::expose), Some("k-123"));
    }

    #[tokio::test]
    async fn failing_command_is_a_missing_key() {
        let source = ApiKeySource::Command(vec!["sh".into(), "-c".into(), "exit 3".into()]);
        let err = resolve("p", &source).await.err().map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(err.contains("exited with"), "{err}");
        assert!(err.contains("sh -c exit 3"), "{err}");
    }

    #[tokio::test]
    async fn unset_env_names_the_variable() {
        let source = ApiKeySource::Env("SWITCHBOARD_TEST_SURELY_UNSET_VAR".into());
        let err = resolve("anthropic", &source)
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("set the environment variable SWITCHBOARD_TEST_SURELY_UNSET_VAR"),
            "{err}"
        );
    }
}
