//! `switchboard ask` and `switchboard fake-provider` through the real binary, against the fake
//! provider started in process: one provider per wire format, usage and cost, and the errors a
//! user meets (unknown model, bad config, refused key), each with its exit code.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use providers::fake::{FakeProvider, Scenario};
use providers::{Price, Usage, cost_usd};
use serde_json::Value;

const KINDS: [&str; 5] = [
    "anthropic",
    "openai",
    "openai-compatible",
    "gemini",
    "ollama",
];

/// A fresh directory under the system temp dir, unique to this process and call; removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A config file in its own temp dir.
struct ConfigFile {
    _dir: TempDir,
    path: PathBuf,
}

fn temp_dir() -> TempDir {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "switchboard-cli-ask-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).expect("the temp dir is writable");
    TempDir(dir)
}

fn key() -> String {
    format!("test-key-{}", std::process::id())
}

fn key_env(kind: &str) -> String {
    format!(
        "SWITCHBOARD_TEST_KEY_{}",
        kind.to_uppercase().replace('-', "_")
    )
}

/// A config with one provider and one model (alias = the kind) per wire format, all at `fake`.
fn config_for(fake: &FakeProvider) -> String {
    let mut text = String::new();
    for kind in KINDS {
        let base_url = match kind {
            "openai" | "openai-compatible" => format!("{}/v1", fake.url()),
            _ => fake.url(),
        };
        text.push_str(&format!(
            "[providers.{kind}-fake]\nkind = \"{kind}\"\nbase_url = \"{base_url}\"\napi_key_env = \"{}\"\nmax_retries = 0\n\n\
             [models.{kind}]\nprovider = \"{kind}-fake\"\nname = \"m-{kind}\"\n\
             price = {{ input = 3.0, output = 15.0, cached_input = 0.3 }}\n\n",
            key_env(kind)
        ));
    }
    text
}

fn write_config(text: &str) -> ConfigFile {
    let dir = temp_dir();
    let path = dir.0.join("config.toml");
    std::fs::write(&path, text).expect("the config is written");
    ConfigFile { _dir: dir, path }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

async fn ask(config: &ConfigFile, model: &str, json: bool, key: &str) -> Run {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command
        .arg("ask")
        .arg("--model")
        .arg(model)
        .arg("--config")
        .arg(&config.path)
        .env_remove("SWITCHBOARD_CONFIG")
        .env("SWITCHBOARD_LOG", "warn")
        .env("SWITCHBOARD_STATE_DIR", config._dir.0.join("state"))
        // A port nothing listens on: no local Ollama joins the built-in defaults.
        .env("OLLAMA_HOST", "127.0.0.1:9");
    for var in ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"] {
        command.env_remove(var);
    }
    if json {
        command.arg("--json");
    }
    command.arg("What is 2 + 2?");
    for kind in KINDS {
        command.env(key_env(kind), key);
    }
    let output = command.output().await.expect("the binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

async fn fake(scenario: &str) -> FakeProvider {
    let scenario = Scenario::from_toml_str(scenario).expect("a good scenario");
    FakeProvider::start("127.0.0.1:0".parse().expect("an address"), scenario)
        .await
        .expect("the fake starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_json_reports_text_usage_and_cost_for_every_kind() {
    let fake = fake(&format!(
        "[auth]\nkeys = [\"{}\"]\n\n[[reply]]\ntext = \"Four.\"\nusage = {{ input = 1000, output = 10, cached_input = 600 }}\n",
        key()
    ))
    .await;
    let config = write_config(&config_for(&fake));
    let price = Price {
        input: 3.0,
        output: 15.0,
        cached_input: Some(0.3),
        cache_write: None,
    };
    for kind in KINDS {
        let run = ask(&config, kind, true, &key()).await;
        assert_eq!(run.code, Some(0), "{kind}: {}", run.stderr);
        let answer: Value = serde_json::from_str(&run.stdout).expect("one JSON object");
        assert_eq!(answer["text"], "Four.", "{kind}");
        assert_eq!(answer["model"], kind);
        assert_eq!(answer["provider"], format!("{kind}-fake"));
        assert_eq!(answer["finish_reason"], "stop", "{kind}");
        assert_eq!(answer["attempts"], 1, "{kind}");
        let trace_id = answer["trace_id"].as_str().expect("a trace id");
        assert_eq!(trace_id.len(), 12, "{trace_id}");
        // Ollama's native API reports no cache reads.
        let cached = if kind == "ollama" { 0 } else { 600 };
        let usage = Usage {
            input: 1000,
            output: 10,
            cached_input: cached,
            cache_write: 0,
        };
        assert_eq!(
            answer["usage"],
            serde_json::json!({"input": 1000, "output": 10, "cached_input": cached}),
            "{kind}"
        );
        assert_eq!(
            answer["cost_usd"].as_f64(),
            Some(cost_usd(&price, &usage)),
            "{kind}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_streams_plain_text() {
    let fake = fake("[[reply]]\ntext = \"Four, as it always was.\"\nchunk_chars = 3\n").await;
    let config = write_config(&config_for(&fake));
    let run = ask(&config, "anthropic", false, &key()).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "Four, as it always was.\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_model_exits_2_naming_the_known_ones() {
    let fake = fake("").await;
    let config = write_config(&config_for(&fake));
    let run = ask(&config, "opus", true, &key()).await;
    assert_eq!(run.code, Some(2));
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains(
            "unknown model `opus`; configured models: anthropic, gemini, ollama, openai, openai-compatible"
        ),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_config_exits_2_with_file_line_col() {
    let fake = fake("").await;
    let text = config_for(&fake).replace("max_retries = 0", "max_retires = 0");
    let config = write_config(&text);
    let run = ask(&config, "openai", true, &key()).await;
    assert_eq!(run.code, Some(2));
    let expected = format!(
        "{}:5:1: unknown key `max_retires` in [providers.anthropic-fake]; did you mean `max_retries`?",
        config.path.display()
    );
    assert_eq!(run.stderr.trim_end(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_without_a_price_is_refused() {
    let fake = fake("").await;
    let text = config_for(&fake).replace(
        "price = { input = 3.0, output = 15.0, cached_input = 0.3 }\n",
        "",
    );
    let config = write_config(&text);
    let run = ask(&config, "gemini", true, &key()).await;
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("price = {"), "{}", run.stderr);
    assert!(fake.requests().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_exits_1_naming_the_variable() {
    let fake = fake(&format!("[auth]\nkeys = [\"{}\"]\n", key())).await;
    let config = write_config(&config_for(&fake));
    let run = ask(&config, "openai", true, &format!("wrong-{}", key())).await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert!(run.stderr.contains(&key_env("openai")), "{}", run.stderr);
}

#[test]
fn fake_provider_prints_where_it_listens_first() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["fake-provider", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let mut line = String::new();
    let read = BufReader::new(child.stdout.take().expect("stdout is piped")).read_line(&mut line);
    let _ = child.kill();
    let _ = child.wait();
    read.expect("a first line");
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
}

/// `ask --model none` in `cwd` with `env`: the stderr that lists the configured models.
fn known_models(cwd: &Path, env: &[(&str, &PathBuf)]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command
        .args(["ask", "--model", "none", "hi"])
        .current_dir(cwd)
        .env_remove("SWITCHBOARD_CONFIG")
        .env("SWITCHBOARD_LOG", "warn")
        .env("SWITCHBOARD_STATE_DIR", cwd.join("state"))
        .env("OLLAMA_HOST", "127.0.0.1:9");
    for var in ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"] {
        command.env_remove(var);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_user_workspace_and_switchboard_config_files_layer_in_that_order() {
    let home = temp_dir();
    let workspace = temp_dir();
    let user_dir = home.0.join("switchboard");
    std::fs::create_dir_all(&user_dir).expect("the user config dir is writable");
    let model = |alias: &str| {
        format!(
            "[providers.p]\nkind = \"ollama\"\n\n[models.{alias}]\nprovider = \"p\"\nname = \"{alias}\"\n"
        )
    };
    std::fs::write(user_dir.join("config.toml"), model("from-user")).expect("written");
    std::fs::write(
        workspace.0.join(".switchboard.toml"),
        model("from-workspace"),
    )
    .expect("written");
    let stderr = known_models(&workspace.0, &[("XDG_CONFIG_HOME", &home.0)]);
    assert!(
        stderr.contains("configured models: from-user, from-workspace"),
        "{stderr}"
    );
    // SPEC §2: the file named by SWITCHBOARD_CONFIG is the last layer, key by key.
    let last = write_config(&model("from-env"));
    let stderr = known_models(
        &workspace.0,
        &[
            ("XDG_CONFIG_HOME", &home.0),
            ("SWITCHBOARD_CONFIG", &last.path),
        ],
    );
    assert!(
        stderr.contains("configured models: from-env, from-user, from-workspace\n"),
        "{stderr}"
    );
}
