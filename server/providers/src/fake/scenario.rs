//! The fake provider's script: which reply (text, tool calls, pacing, status, fault or
//! recording) answers which request, read from TOML.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use serde::Deserialize;

use super::FakeError;

/// A whole scenario. The first `[[reply]]` whose filters all match a request answers it;
/// with none matching, a short deterministic echo answers (so a demo needs no scenario).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub auth: Auth,
    #[serde(default)]
    pub defaults: Pacing,
    #[serde(default, rename = "reply")]
    pub replies: Vec<Reply>,
    /// Counts the requests each reply matched, for `times`.
    #[serde(skip)]
    pub(crate) hits: Vec<AtomicU32>,
}

/// How the fake checks keys, as the real services do.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// Without the provider's auth header: 401 (Gemini: 403, as Google answers). Ollama's
    /// native API never checks. Turn off to stand in for a keyless OpenAI-compatible server.
    #[serde(default = "yes")]
    pub required: bool,
    /// When not empty, only these keys are accepted; others get the service's bad-key answer
    /// (Gemini: 400 `API_KEY_INVALID`).
    #[serde(default)]
    pub keys: Vec<String>,
}

fn yes() -> bool {
    true
}

impl Default for Auth {
    fn default() -> Self {
        Auth {
            required: true,
            keys: Vec::new(),
        }
    }
}

/// How a reply is paced: text per chunk and the pause before each chunk.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pacing {
    /// Characters of text per streamed chunk (default 12).
    pub chunk_chars: Option<usize>,
    /// Pause before each chunk after the first, in ms (default 0).
    pub delay_ms: Option<u64>,
}

/// Wire formats, as the fake routes them (the OpenAI-compatible kind shares OpenAI's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Anthropic,
    OpenAi,
    Gemini,
    Ollama,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Anthropic => "anthropic",
            Format::OpenAi => "openai",
            Format::Gemini => "gemini",
            Format::Ollama => "ollama",
        }
    }
}

/// What goes wrong in a 200 answer, after `fault_after` text chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// The provider's own error event (Anthropic `overloaded_error`, OpenAI `server_error`,
    /// Gemini `INTERNAL`, Ollama's `{"error": ...}` line), then the body ends.
    MidStreamError,
    /// The connection is cut (no clean end of body).
    Disconnect,
    /// A chunk of broken JSON, then the body ends.
    MalformedJson,
    /// A long pause (`stall_ms`, default 30 s), then the rest.
    SlowDrip,
    /// The body ends cleanly but before the format's final event.
    Truncated,
}

/// Token counts the fake reports; unset ones are estimated from the text (4 chars a token).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FakeUsage {
    pub input: Option<u64>,
    /// All output, thinking included.
    pub output: Option<u64>,
    #[serde(default)]
    pub cached_input: u64,
    #[serde(default)]
    pub cache_write: u64,
    /// The part of `output` that was thinking.
    pub thinking: Option<u64>,
}

/// A tool call a reply makes, e.g. `{ name = "grep", arguments = { pattern = "retry" } }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FakeToolCall {
    /// Unset: `toolu_fake_N` (Anthropic), `call_fake_N` (OpenAI); Gemini and Ollama send none,
    /// as their services often do.
    pub id: Option<String>,
    pub name: String,
    /// The arguments object (default `{}`).
    #[serde(default = "empty_object")]
    pub arguments: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// One scripted reply.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    // --- which requests it answers ---
    /// The wire model id.
    pub model: Option<String>,
    /// A substring of the last user message with text (a turn of tool results alone is not
    /// one: it answers the model, not the user).
    pub contains: Option<String>,
    pub format: Option<Format>,
    /// `true`: only requests that end with tool results; `false`: only those that do not.
    /// Unset: either. How a script answers the first turn with calls and the next with text.
    pub after_tools: Option<bool>,
    /// A substring of the request's last message, as its JSON, when that message holds tool
    /// results: which tool answered, and with what, decides a script's next step.
    pub results_contain: Option<String>,

    // --- the answer ---
    /// With `tool_calls` and no `text`, the answer has no text.
    pub text: Option<String>,
    /// Calls made after the text, their arguments streamed in pieces of `chunk_chars`.
    #[serde(default)]
    pub tool_calls: Vec<FakeToolCall>,
    /// Thinking sent before the text in the format's own way (not part of the answer).
    pub thinking: Option<String>,
    /// `stop` (default; the format's tool-use reason when there are `tool_calls`) or `length`.
    pub finish: Option<String>,
    pub usage: Option<FakeUsage>,
    /// As in [`Pacing`]; unset takes the scenario's `[defaults]`.
    pub chunk_chars: Option<usize>,
    pub delay_ms: Option<u64>,

    // --- what goes wrong ---
    /// An HTTP error status, answered with the format's own error body (or `body`).
    pub status: Option<u16>,
    pub body: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub fault: Option<Fault>,
    /// Chunks (of text, then of tool calls) sent before the fault (default 1).
    pub fault_after: Option<usize>,
    pub stall_ms: Option<u64>,
    /// Status and fault apply to the first N requests this reply answers only; later ones
    /// get the plain answer (so retries can succeed). Unset: always.
    pub times: Option<u32>,
    /// Wait this long before sending the response headers.
    pub headers_delay_ms: Option<u64>,

    // --- or a recording, byte for byte ---
    /// A recorded body (`.sse`, `.ndjson`, `.json`) or response (`.response.json`:
    /// status, headers and body), relative to the scenario file.
    pub replay: Option<PathBuf>,
    /// Overrides the content type guessed from the extension.
    pub content_type: Option<String>,
    /// Cut the replayed body at these byte offsets, each piece sent on its own.
    #[serde(default)]
    pub split_at: Vec<usize>,
    /// Or cut it into pieces of this many bytes.
    pub chunk_bytes: Option<usize>,
    /// The recording itself: read from `replay` when the scenario loads, or given in code.
    #[serde(skip)]
    pub replay_bytes: Option<Vec<u8>>,
}

impl Scenario {
    /// Parses a scenario; relative `replay` paths are read from the current directory.
    ///
    /// # Errors
    /// [`FakeError::Scenario`] for bad TOML, [`FakeError::Replay`] for an unreadable recording.
    pub fn from_toml_str(text: &str) -> Result<Self, FakeError> {
        Self::parse(text, Path::new("."))
    }

    /// Reads a scenario file; relative `replay` paths are read from the file's directory.
    ///
    /// # Errors
    /// As [`Scenario::from_toml_str`], and [`FakeError::Io`] if the file cannot be read.
    pub fn from_file(path: &Path) -> Result<Self, FakeError> {
        let text = std::fs::read_to_string(path).map_err(|e| FakeError::Io {
            what: format!("cannot read the scenario {}", path.display()),
            source: e,
        })?;
        Self::parse(&text, path.parent().unwrap_or(Path::new(".")))
    }

    /// Adds a reply in code (tests); it is tried after those already there.
    pub fn push(&mut self, reply: Reply) {
        self.replies.push(reply);
        self.hits.push(AtomicU32::new(0));
    }

    fn parse(text: &str, base: &Path) -> Result<Self, FakeError> {
        let mut scenario: Scenario =
            toml::from_str(text).map_err(|e| FakeError::Scenario(e.to_string()))?;
        for reply in &mut scenario.replies {
            reply.load(base)?;
        }
        scenario.hits = scenario.replies.iter().map(|_| AtomicU32::new(0)).collect();
        Ok(scenario)
    }

    /// The first reply matching, its index, and whether its status and fault apply this time.
    /// `results`: the request's last message as JSON when it holds tool results (the request
    /// ends with tool results), else `None`.
    pub(crate) fn pick(
        &self,
        format: Format,
        model: &str,
        last_user: &str,
        results: Option<&str>,
    ) -> Option<(usize, &Reply, bool)> {
        let after_tools = results.is_some();
        let (i, reply) = self.replies.iter().enumerate().find(|(_, r)| {
            r.model.as_deref().is_none_or(|m| m == model || m == "*")
                && r.contains.as_deref().is_none_or(|c| last_user.contains(c))
                && r.format.is_none_or(|f| f == format)
                && r.after_tools.is_none_or(|a| a == after_tools)
                && r.results_contain
                    .as_deref()
                    .is_none_or(|c| results.is_some_and(|r| r.contains(c)))
        })?;
        let seen = self
            .hits
            .get(i)
            .map_or(0, |h| h.fetch_add(1, Ordering::SeqCst));
        let faulty = reply.times.is_none_or(|n| seen < n);
        Some((i, reply, faulty))
    }
}

impl Reply {
    /// Reads the recording now, so a missing file is an error at start, not mid-test.
    fn load(&mut self, base: &Path) -> Result<(), FakeError> {
        if let Some(path) = &self.replay {
            let full = if path.is_absolute() {
                path.clone()
            } else {
                base.join(path)
            };
            let bytes = std::fs::read(&full).map_err(|e| FakeError::Replay {
                path: full.clone(),
                source: e,
            })?;
            self.replay_bytes = Some(bytes);
        }
        Ok(())
    }

    /// A reply that replays `bytes` (already in memory) as a body of `content_type`.
    pub fn replaying(bytes: Vec<u8>, content_type: &str) -> Self {
        Reply {
            replay_bytes: Some(bytes),
            content_type: Some(content_type.to_string()),
            ..Reply::default()
        }
    }

    /// A reply that replays the file at `path`, read now.
    ///
    /// # Errors
    /// [`FakeError::Replay`] if it cannot be read.
    pub fn replaying_file(path: &Path) -> Result<Self, FakeError> {
        let mut reply = Reply {
            replay: Some(path.to_path_buf()),
            ..Reply::default()
        };
        reply.load(Path::new("."))?;
        Ok(reply)
    }

    pub(crate) fn chunk_chars(&self, defaults: &Pacing) -> usize {
        self.chunk_chars
            .or(defaults.chunk_chars)
            .unwrap_or(12)
            .max(1)
    }

    pub(crate) fn delay_ms(&self, defaults: &Pacing) -> u64 {
        self.delay_ms.or(defaults.delay_ms).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_by_model_substring_and_counts_times() {
        let s = Scenario::from_toml_str(
            r#"
            [[reply]]
            model = "m1"
            contains = "retry"
            status = 429
            times = 1
            [[reply]]
            text = "anything"
            "#,
        );
        let s = match s {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let first = s.pick(Format::OpenAi, "m1", "please retry this", None);
        assert!(matches!(first, Some((0, _, true))));
        let second = s.pick(Format::OpenAi, "m1", "please retry this", None);
        assert!(matches!(second, Some((0, _, false))));
        assert!(matches!(
            s.pick(Format::OpenAi, "m2", "retry", None),
            Some((1, _, true))
        ));
    }

    #[test]
    fn tool_calls_and_after_tools_script_an_agent_turn() {
        let s = Scenario::from_toml_str(
            r#"
            [[reply]]
            after_tools = true
            text = "found it"
            [[reply]]
            tool_calls = [{ name = "grep", arguments = { pattern = "retry", max = 3 } }, { name = "ls" }]
            "#,
        );
        let s = match s {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let first = s.pick(Format::Gemini, "m", "q", None);
        let calls = match first {
            Some((1, reply, _)) => &reply.tool_calls,
            other => panic!("{other:?}"),
        };
        assert_eq!(calls[0].name, "grep");
        assert_eq!(
            calls[0].arguments,
            serde_json::json!({"pattern": "retry", "max": 3})
        );
        assert_eq!(
            (calls[1].name.as_str(), &calls[1].arguments),
            ("ls", &empty_object())
        );
        assert!(matches!(
            s.pick(Format::Gemini, "m", "q", Some("[]")),
            Some((0, _, _))
        ));
        let typo = Scenario::from_toml_str("[[reply]]\ntool_calls = [{ nmae = \"grep\" }]\n");
        assert!(matches!(typo, Err(FakeError::Scenario(_))));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = Scenario::from_toml_str("[[reply]]\ntxet = 'typo'\n");
        assert!(matches!(e, Err(FakeError::Scenario(_))));
    }
}
