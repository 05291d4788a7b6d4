//! `switchboard demo`: offline, end to end. Starts the built-in fake provider and the real
//! server as a child over stdio, opens a bundled sample file in a scratch workspace, lists the
//! code actions, runs implement, review and search, applies the edit, and prints the routing
//! decisions, the diff, the findings, the answer and a cost table. Needs no key and no network.

use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use clap::Args;
use providers::fake::{FakeProvider, Scenario};
use serde_json::{Value, json};
use text::{ContentChange, PositionEncoding, TextDocument};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tower_lsp_server::ls_types::Uri;

use super::{FAILED, runtime};

const SAMPLE: &str = include_str!("../../demo/inventory.py");
const SCENARIO: &str = include_str!("../../demo/scenario.toml");
/// How long the demo waits for any one message before it gives up.
const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the scratch workspace (its path is printed) instead of removing it.
    #[arg(long)]
    keep: bool,
}

pub fn run(args: &DemoArgs) -> ExitCode {
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let scratch = std::env::temp_dir().join(format!("switchboard-demo-{}", std::process::id()));
    let result = runtime.block_on(demo(&scratch));
    // The demo keeps its own ledger, so that its calls never count against the user's budget;
    // its trace ids are found there, and only while it is kept.
    match (&result, args.keep) {
        (Ok(traces), true) => {
            outln!("\nworkspace kept at {}", scratch.display());
            if let Some(trace) = traces.first() {
                outln!(
                    "read a trace: SWITCHBOARD_STATE_DIR={} switchboard trace {trace}",
                    scratch.join("state").display()
                );
            }
        }
        (Ok(_), false) => {
            outln!(
                "\n(the demo's ledger goes with its scratch workspace: `switchboard demo --keep` keeps both, to read the traces with `switchboard trace`)"
            );
            let _ = std::fs::remove_dir_all(&scratch);
        }
        (Err(_), keep) => {
            if keep {
                outln!("\nworkspace kept at {}", scratch.display());
            } else {
                let _ = std::fs::remove_dir_all(&scratch);
            }
        }
    }
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("switchboard demo: {err}");
            ExitCode::from(FAILED)
        }
    }
}

/// Runs the demo in `scratch`; the trace ids of its jobs.
async fn demo(scratch: &Path) -> Result<Vec<String>, String> {
    let workspace = scratch.join("workspace");
    let state = scratch.join("state");
    std::fs::create_dir_all(&workspace)
        .map_err(|e| format!("cannot create {}: {e}", workspace.display()))?;
    let sample_path = workspace.join("inventory.py");
    std::fs::write(&sample_path, SAMPLE).map_err(|e| e.to_string())?;

    let scenario = Scenario::from_toml_str(SCENARIO).map_err(|e| e.to_string())?;
    let fake = FakeProvider::start("127.0.0.1:0".parse().map_err(|e| format!("{e}"))?, scenario)
        .await
        .map_err(|e| e.to_string())?;
    outln!("fake provider listening on {}", fake.url());

    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut command = tokio::process::Command::new(exe);
    command
        .arg("serve")
        .current_dir(&workspace)
        .env("SWITCHBOARD_STATE_DIR", &state)
        .env("XDG_CONFIG_HOME", scratch.join("config"))
        // Nothing of this machine's setup: no keys, no local Ollama, no config file.
        .env("OLLAMA_HOST", "127.0.0.1:9")
        .env_remove("SWITCHBOARD_CONFIG")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("OPENAI_API_KEY")
        .env_remove("GEMINI_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let child = command
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let mut client = Client::new(child)?;

    let root = Uri::from_file_path(&workspace).ok_or("the workspace is not an absolute path")?;
    let uri = Uri::from_file_path(&sample_path).ok_or("the sample is not an absolute path")?;
    let uri = uri.as_str().to_string();
    client
        .request(
            "initialize",
            json!({
                "processId": std::process::id(),
                "capabilities": {
                    "general": { "positionEncodings": ["utf-16"] },
                    "workspace": { "workspaceEdit": { "documentChanges": true, "changeAnnotationSupport": {} } },
                    "window": { "workDoneProgress": true }
                },
                "workspaceFolders": [{ "uri": root.as_str(), "name": "demo" }],
                "initializationOptions": config(&fake),
            }),
        )
        .await?;
    client.notify("initialized", json!({})).await?;
    client
        .notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "python", "version": 0, "text": SAMPLE } }),
        )
        .await?;
    let mut doc = TextDocument::new(SAMPLE, 0);

    outln!("\n== code actions on `add` (inventory.py:8-10)");
    let add = range(7, 0, 10, 0);
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": add, "context": { "diagnostics": [] } }),
        )
        .await?;
    for action in actions.as_array().into_iter().flatten() {
        outln!("  {}", action["title"].as_str().unwrap_or("?"));
    }

    outln!("\n== implement");
    let mut traces = Vec::new();
    let finished = client
        .command("switchboard.implement", &uri, add, &mut doc)
        .await?;
    print_finished(&finished);
    traces.extend(finished["trace_id"].as_str().map(str::to_string));
    out!("{}", finished["diff"].as_str().unwrap_or(""));

    outln!("\n== review of `remove`");
    let lines = doc.rope().len_lines() as u32;
    let finished = client
        .command(
            "switchboard.review",
            &uri,
            range(0, 0, lines - 1, 0),
            &mut doc,
        )
        .await?;
    print_finished(&finished);
    traces.extend(finished["trace_id"].as_str().map(str::to_string));
    for diagnostic in client
        .diagnostics
        .iter()
        .flat_map(|d| d["diagnostics"].as_array().cloned().unwrap_or_default())
    {
        outln!(
            "  inventory.py:{}: {}",
            diagnostic["range"]["start"]["line"].as_u64().unwrap_or(0) + 1,
            diagnostic["message"].as_str().unwrap_or("")
        );
    }

    outln!("\n== search: what does total() add up?");
    let finished = client
        .command(
            "switchboard.search",
            &uri,
            range(lines - 3, 0, lines - 1, 0),
            &mut doc,
        )
        .await?;
    print_finished(&finished);
    traces.extend(finished["trace_id"].as_str().map(str::to_string));
    outln!("{}", finished["markdown"].as_str().unwrap_or("").trim_end());
    for citation in finished["citations"].as_array().into_iter().flatten() {
        outln!(
            "  cites line {} to {}",
            citation["start_line"].as_u64().unwrap_or(0),
            citation["end_line"].as_u64().unwrap_or(0)
        );
    }

    client.request("shutdown", Value::Null).await?;
    client.notify("exit", Value::Null).await?;
    let status = tokio::time::timeout(PATIENCE, client.child.wait())
        .await
        .map_err(|_| "the server did not exit")?
        .map_err(|e| e.to_string())?;

    print_ledger(&state, &traces)?;
    if !status.success() {
        return Err(format!("the server exited with {status}"));
    }
    Ok(traces)
}

/// Every role served by the fake, each by its own model.
fn config(fake: &FakeProvider) -> Value {
    let model = |name: &str, input: f64, output: f64| json!({ "provider": "fake", "name": name, "price": { "input": input, "output": output }, "context_window": 200000, "max_output_tokens": 4096 });
    json!({
        "providers": { "fake": { "kind": "ollama", "base_url": fake.url(), "max_retries": 0 } },
        "models": {
            "coder": model("demo-coder", 3.0, 15.0),
            "reviewer": model("demo-reviewer", 1.25, 10.0),
            "searcher": model("demo-searcher", 0.3, 2.5),
        },
        "roles": {
            "implement": ["coder"],
            "review": ["reviewer"],
            "search": ["searcher"],
            "plan": ["coder"],
        },
    })
}

fn range(sl: u32, sc: u32, el: u32, ec: u32) -> Value {
    json!({ "start": { "line": sl, "character": sc }, "end": { "line": el, "character": ec } })
}

fn print_finished(finished: &Value) {
    outln!(
        "  {} by {}: {} (${:.6}, trace {})",
        finished["role"].as_str().unwrap_or("?"),
        finished["model"].as_str().unwrap_or("?"),
        finished["outcome"].as_str().unwrap_or("?"),
        finished["cost_usd"].as_f64().unwrap_or(0.0),
        finished["trace_id"].as_str().unwrap_or("?")
    );
}

/// The routing decisions and costs the server recorded.
fn print_ledger(state: &Path, traces: &[String]) -> Result<(), String> {
    let ledger =
        ledger::Ledger::open(&state.join(ledger::LEDGER_FILE_NAME)).map_err(|e| e.to_string())?;
    outln!("\n== routing decisions");
    for trace in traces {
        let Some(trace) = ledger.trace(trace).map_err(|e| e.to_string())? else {
            continue;
        };
        for decision in &trace.decisions {
            let d = &decision.decision;
            let chosen = d["candidates"][0]["alias"].as_str().unwrap_or("none");
            let rule = d["rule"]["description"]
                .as_str()
                .unwrap_or("no rule matched; the role's list");
            let tokens = d["input_tokens"].as_u64().unwrap_or(0);
            let worst = d["candidates"][0]["worst_case_usd"].as_f64().unwrap_or(0.0);
            outln!(
                "  {}: {chosen} ({rule}; {tokens} input tokens, worst case ${worst:.4})",
                decision.role
            );
        }
    }
    let summary = ledger
        .summary(None, ledger::GroupBy::Model)
        .map_err(|e| e.to_string())?;
    outln!("\n== costs");
    outln!(
        "{:<10} {:>6} {:>8} {:>8} {:>10}",
        "model",
        "calls",
        "input",
        "output",
        "cost"
    );
    for row in summary.rows.iter().chain(std::iter::once(&summary.totals)) {
        outln!(
            "{:<10} {:>6} {:>8} {:>8} {:>10}",
            row.key,
            row.calls,
            row.input_tokens,
            row.output_tokens,
            format!("${:.6}", row.cost_usd)
        );
    }
    Ok(())
}

/// A minimal LSP client over the child's stdio: answers the server's requests as an editor
/// would (progress accepted, edits applied to the document and sent back as `didChange`).
struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
    diagnostics: Vec<Value>,
    uri: Option<String>,
    version: i32,
}

impl Client {
    fn new(mut child: Child) -> Result<Client, String> {
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(Client {
            child,
            stdin,
            stdout,
            next_id: 1,
            diagnostics: Vec::new(),
            uri: None,
            version: 0,
        })
    }

    async fn send(&mut self, message: &Value) -> Result<(), String> {
        let body = message.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.stdin
            .write_all(frame.as_bytes())
            .await
            .map_err(|e| format!("the server stopped reading: {e}"))?;
        self.stdin.flush().await.map_err(|e| e.to_string())
    }

    async fn read(&mut self) -> Result<Value, String> {
        let read = async {
            let mut length = None;
            loop {
                let mut line = String::new();
                if self
                    .stdout
                    .read_line(&mut line)
                    .await
                    .map_err(|e| e.to_string())?
                    == 0
                {
                    return Err("the server closed its output".to_string());
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(value) = line.strip_prefix("Content-Length: ") {
                    length = value.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; length.ok_or("a frame without Content-Length")?];
            self.stdout
                .read_exact(&mut body)
                .await
                .map_err(|e| e.to_string())?;
            serde_json::from_slice(&body).map_err(|e| e.to_string())
        };
        tokio::time::timeout(PATIENCE, read)
            .await
            .map_err(|_| "the server did not answer in time".to_string())?
    }

    async fn notify(&mut self, method: &str, params: Value) -> Result<(), String> {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
            .await
    }

    async fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
            .await?;
        loop {
            let message = self.read().await?;
            if message["id"] == id && message.get("method").is_none() {
                if let Some(error) = message.get("error") {
                    return Err(format!("{method} failed: {}", error["message"]));
                }
                return Ok(message["result"].clone());
            }
            self.handle(message, None).await?;
        }
    }

    /// Runs a command and serves the server until its `switchboard/finished`.
    async fn command(
        &mut self,
        command: &str,
        uri: &str,
        range: Value,
        doc: &mut TextDocument,
    ) -> Result<Value, String> {
        self.uri = Some(uri.to_string());
        self.request(
            "workspace/executeCommand",
            json!({ "command": command, "arguments": [{ "uri": uri, "range": range }] }),
        )
        .await?;
        loop {
            let message = self.read().await?;
            if message["method"] == "switchboard/finished" {
                return Ok(message["params"].clone());
            }
            self.handle(message, Some(doc)).await?;
        }
    }

    /// Answers a request from the server, or keeps what a notification says.
    async fn handle(
        &mut self,
        message: Value,
        doc: Option<&mut TextDocument>,
    ) -> Result<(), String> {
        let method = message["method"].as_str().unwrap_or_default().to_string();
        match (method.as_str(), message.get("id")) {
            ("workspace/applyEdit", Some(id)) => {
                let id = id.clone();
                let applied = match doc {
                    Some(doc) => self.apply(&message["params"]["edit"], doc).await?,
                    None => false,
                };
                self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": { "applied": applied } }))
                    .await
            }
            (_, Some(id)) if !method.is_empty() => {
                let id = id.clone();
                self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": null }))
                    .await
            }
            ("textDocument/publishDiagnostics", None) => {
                self.diagnostics.push(message["params"].clone());
                Ok(())
            }
            ("window/showMessage", None) => {
                outln!(
                    "  (server) {}",
                    message["params"]["message"].as_str().unwrap_or("")
                );
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Applies the edits for our document, last first, and tells the server.
    async fn apply(&mut self, edit: &Value, doc: &mut TextDocument) -> Result<bool, String> {
        let Some(uri) = self.uri.clone() else {
            return Ok(false);
        };
        let mut changes: Vec<(text::Range, String)> = Vec::new();
        for document in edit["documentChanges"].as_array().into_iter().flatten() {
            if document["textDocument"]["uri"] != uri.as_str() {
                continue;
            }
            for e in document["edits"].as_array().into_iter().flatten() {
                let position = |p: &Value| {
                    text::Position::new(
                        p["line"].as_u64().unwrap_or(0) as u32,
                        p["character"].as_u64().unwrap_or(0) as u32,
                    )
                };
                changes.push((
                    text::Range::new(position(&e["range"]["start"]), position(&e["range"]["end"])),
                    e["newText"].as_str().unwrap_or_default().to_string(),
                ));
            }
        }
        changes.sort_by_key(|(r, _)| std::cmp::Reverse((r.start.line, r.start.character)));
        let content: Vec<ContentChange<'_>> = changes
            .iter()
            .map(|(range, text)| ContentChange {
                range: Some(*range),
                text,
            })
            .collect();
        self.version += 1;
        doc.apply_changes(&content, self.version, PositionEncoding::Utf16)
            .map_err(|e| format!("the edit does not apply: {e}"))?;
        let events: Vec<Value> = changes
            .iter()
            .map(|(r, text)| json!({ "range": range(r.start.line, r.start.character, r.end.line, r.end.character), "text": text }))
            .collect();
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": self.version }, "contentChanges": events }),
        )
        .await?;
        Ok(true)
    }
}
