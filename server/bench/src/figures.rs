//! The figures measured over stdio, as an editor drives a server: P1, P2, P4, P5 and P7, and
//! the sessions and round trips P3 (`load.rs`) is built from. Each figure gets a fresh server in
//! a sandbox (its own workspace, state and config directories, no API keys, no local Ollama), so
//! that one figure's leftovers (jobs, documents, memory) never weigh on the next.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use text::{PositionEncoding, TextDocument};

use crate::client::{Command, Server};
use crate::edits::CharEdit;
use crate::fake::switchboard_config;

/// What is being measured and how to start it.
#[derive(Debug, Clone)]
pub struct Target {
    /// The server command (for switchboard: the binary and `serve`).
    pub argv: Vec<String>,
    /// Whether it is switchboard: then it gets its config, and P3–P5 run.
    pub switchboard: bool,
    /// Bounds every wait for an answer.
    pub timeout: Duration,
    /// Pass the server's stderr through.
    pub stderr: bool,
}

/// A scratch directory with the workspace the server is pointed at and its private state.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// # Errors
    /// When the temporary directories cannot be made.
    pub fn new() -> anyhow::Result<Sandbox> {
        let dir = tempfile::Builder::new().prefix("lsp-bench-").tempdir()?;
        for sub in ["workspace", "state", "config"] {
            std::fs::create_dir_all(dir.path().join(sub))?;
        }
        Ok(Sandbox { dir })
    }

    pub fn workspace(&self) -> PathBuf {
        self.dir.path().join("workspace")
    }

    /// Writes a file into the workspace and returns its URI.
    ///
    /// # Errors
    /// When it cannot be written.
    pub fn write(&self, name: &str, text: &str) -> anyhow::Result<String> {
        let path = self.workspace().join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(file_uri(&path))
    }

    /// The command for `target`, with this sandbox's environment.
    pub fn command(&self, target: &Target) -> Command {
        let dir = self.dir.path();
        Command {
            argv: target.argv.clone(),
            cwd: Some(self.workspace()),
            env: vec![
                ("SWITCHBOARD_STATE_DIR".into(), dir.join("state").into()),
                ("XDG_CONFIG_HOME".into(), dir.join("config").into()),
                // Port 9 (discard) refuses at once: no local Ollama joins the config.
                ("OLLAMA_HOST".into(), "127.0.0.1:9".into()),
            ],
            env_remove: [
                "SWITCHBOARD_CONFIG",
                "ANTHROPIC_API_KEY",
                "OPENAI_API_KEY",
                "GEMINI_API_KEY",
                "GOOGLE_API_KEY",
            ]
            .map(String::from)
            .to_vec(),
            stderr: target.stderr,
        }
    }
}

/// A `file://` URI for an absolute path (percent-encoding what a URI path may not hold).
pub fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

fn initialize_params(workspace: &Path, offer: PositionEncoding, options: Option<&Value>) -> Value {
    let root = file_uri(workspace);
    let mut params = json!({
        "processId": std::process::id(),
        "clientInfo": { "name": "lsp-bench" },
        "rootUri": root,
        "workspaceFolders": [{ "uri": root, "name": "bench" }],
        "capabilities": {
            "general": { "positionEncodings": [offer.as_lsp_str()] },
            "window": { "workDoneProgress": true, "showDocument": { "support": true } },
            "workspace": {
                "workspaceEdit": { "documentChanges": true },
                "configuration": true,
                "workspaceFolders": true,
            },
            "textDocument": {
                "synchronization": { "dynamicRegistration": false },
                "codeAction": { "codeActionLiteralSupport": { "codeActionKind": {
                    "valueSet": ["", "quickfix", "refactor", "source"]
                } } },
            },
        },
    });
    if let (Some(options), Some(object)) = (options, params.as_object_mut()) {
        object.insert("initializationOptions".into(), options.clone());
    }
    params
}

/// A server with one open document, and the client's copy of that document.
pub struct Session {
    pub server: Server,
    /// What the server chose from what was offered.
    pub encoding: PositionEncoding,
    pub uri: String,
    pub doc: TextDocument,
    /// Time from spawn to the initialize answer.
    pub startup: Duration,
}

impl Session {
    /// Starts the server, initializes it offering `offer`, and opens `name` with `text`.
    ///
    /// # Errors
    /// When the server does not start or answer.
    pub async fn start(
        target: &Target,
        sandbox: &Sandbox,
        offer: PositionEncoding,
        options: Option<&Value>,
        name: &str,
        text: &str,
    ) -> anyhow::Result<Session> {
        let uri = sandbox.write(name, text)?;
        let started = Instant::now();
        let server = Server::spawn(&sandbox.command(target), target.timeout)?;
        let answer = server
            .request(
                "initialize",
                initialize_params(&sandbox.workspace(), offer, options),
            )
            .await?;
        let startup = started.elapsed();
        // No positionEncoding in the answer means utf-16, LSP's default.
        let encoding = answer["capabilities"]["positionEncoding"]
            .as_str()
            .and_then(PositionEncoding::from_lsp_str)
            .unwrap_or(PositionEncoding::Utf16);
        server.notify("initialized", json!({})).await?;
        server
            .notify(
                "textDocument/didOpen",
                json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 0, "text": text } }),
            )
            .await?;
        Ok(Session {
            server,
            encoding,
            uri,
            doc: TextDocument::new(text, 0),
            startup,
        })
    }
}

impl Session {
    /// Closes the document and opens it again with `text`, so that the same edits can be
    /// replayed; the client's copy starts again too.
    ///
    /// # Errors
    /// When the server stopped reading.
    pub async fn reopen(&mut self, text: &str) -> anyhow::Result<()> {
        self.server
            .notify(
                "textDocument/didClose",
                json!({ "textDocument": { "uri": self.uri } }),
            )
            .await?;
        self.server
            .notify(
                "textDocument/didOpen",
                json!({ "textDocument": { "uri": self.uri, "languageId": "rust", "version": 0, "text": text } }),
            )
            .await?;
        self.doc = TextDocument::new(text, 0);
        Ok(())
    }
}

/// The request that follows each didChange in P1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// `textDocument/codeAction` on the cursor, with an empty context: cheap for switchboard.
    CodeAction,
    /// `switchboard/documentState`: answers the whole text and S-expression, so it measures
    /// serializing 20,000 lines as much as the change.
    DocumentState,
    /// Any method taking `{textDocument, position}` (hover, documentHighlight...).
    Method(String),
    /// A method no server has, answered at once with an error (-32601): didChange and the
    /// transport alone, to tell them apart from the request's own work.
    Unknown,
}

impl Probe {
    fn request(&self, uri: &str, cursor: text::Position) -> (&str, Value) {
        let position = json!({ "line": cursor.line, "character": cursor.character });
        match self {
            Probe::CodeAction => (
                "textDocument/codeAction",
                json!({
                    "textDocument": { "uri": uri },
                    "range": { "start": position, "end": position },
                    "context": { "diagnostics": [] },
                }),
            ),
            Probe::DocumentState => ("switchboard/documentState", json!({ "uri": uri })),
            Probe::Method(method) => (
                method,
                json!({ "textDocument": { "uri": uri }, "position": position }),
            ),
            Probe::Unknown => ("lsp-bench/noSuchMethod", json!({ "uri": uri })),
        }
    }
}

fn lsp_range(range: text::Range) -> Value {
    json!({
        "start": { "line": range.start.line, "character": range.start.character },
        "end": { "line": range.end.line, "character": range.end.character },
    })
}

/// P1's samples, and how many of the kept round trips were answered with an error (the
/// unknown method always is; another server may refuse a request at some places).
#[derive(Debug, Clone, Default)]
pub struct RoundTrips {
    pub samples: Vec<Duration>,
    pub errors: usize,
}

/// P1: for each edit, a didChange and then `probe` on the cursor, timed from sending the change
/// to the probe's answer (a result or an error). The first `warmup` edits are sent but not kept.
///
/// # Errors
/// A server that stops answering, or an edit the client's copy cannot apply.
pub async fn round_trips(
    session: &mut Session,
    edits: &[CharEdit],
    warmup: usize,
    probe: &Probe,
) -> anyhow::Result<RoundTrips> {
    round_trips_while(session, edits, warmup, probe, || true).await
}

/// As [`round_trips`], stopping early once `keep_going` says no (it is asked before each
/// edit).
///
/// # Errors
/// As [`round_trips`].
pub async fn round_trips_while(
    session: &mut Session,
    edits: &[CharEdit],
    warmup: usize,
    probe: &Probe,
    mut keep_going: impl FnMut() -> bool,
) -> anyhow::Result<RoundTrips> {
    let mut samples = Vec::with_capacity(edits.len().saturating_sub(warmup));
    let mut errors = 0;
    for (i, edit) in edits.iter().enumerate() {
        if !keep_going() {
            break;
        }
        let (elapsed, failed) = round_trip(session, edit, probe).await?;
        if i >= warmup {
            samples.push(elapsed);
            errors += usize::from(failed);
        }
    }
    Ok(RoundTrips { samples, errors })
}

/// One didChange with `edit` and then `probe` on the cursor: the time from sending the change
/// to the probe's answer, and whether that answer was an error.
///
/// # Errors
/// A server that stops answering, or an edit the client's copy cannot apply.
pub async fn round_trip(
    session: &mut Session,
    edit: &CharEdit,
    probe: &Probe,
) -> anyhow::Result<(Duration, bool)> {
    // The client's work happens before the clock starts: the change in the negotiated
    // encoding, the copy kept in step, the request's params.
    let range = edit.range(session.doc.rope(), session.encoding);
    let version = session.doc.version() + 1;
    let change = text::ContentChange {
        range: Some(range),
        text: &edit.text,
    };
    session
        .doc
        .apply_changes(&[change], version, session.encoding)?;
    let cursor = text::char_to_position(session.doc.rope(), edit.cursor_after(), session.encoding);
    let did_change = json!({
        "textDocument": { "uri": session.uri, "version": version },
        "contentChanges": [{ "range": lsp_range(range), "text": edit.text }],
    });
    let (method, params) = probe.request(&session.uri, cursor);
    let started = Instant::now();
    session
        .server
        .notify("textDocument/didChange", did_change)
        .await?;
    let answer = session.server.answer(method, params).await?;
    Ok((started.elapsed(), answer.get("error").is_some()))
}

/// P2: `textDocument/codeAction` with an empty selection at `count` random places.
///
/// # Errors
/// A server that stops answering.
pub async fn code_actions(
    session: &Session,
    count: usize,
    seed: u64,
) -> anyhow::Result<RoundTrips> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut samples, mut errors) = (Vec::with_capacity(count), 0);
    for _ in 0..count {
        let char_idx = rng.random_range(0..session.doc.rope().len_chars());
        let cursor = text::char_to_position(session.doc.rope(), char_idx, session.encoding);
        let (method, params) = Probe::CodeAction.request(&session.uri, cursor);
        let started = Instant::now();
        let answer = session.server.answer(method, params).await?;
        samples.push(started.elapsed());
        errors += usize::from(answer.get("error").is_some());
    }
    Ok(RoundTrips { samples, errors })
}

/// Sends `count` implement commands on random 20-line ranges of the session's document and
/// returns their trace ids.
///
/// # Errors
/// A command the server refuses.
pub async fn start_implements(
    session: &Session,
    count: usize,
    seed: u64,
) -> anyhow::Result<Vec<String>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let lines = u32::try_from(session.doc.rope().len_lines())?;
    let mut traces = Vec::with_capacity(count);
    for _ in 0..count {
        let first = rng.random_range(0..lines.saturating_sub(21).max(1));
        let range = text::Range::new(
            text::Position::new(first, 0),
            text::Position::new(first + 20, 0),
        );
        let answer = implement(session, range).await?;
        traces.push(answer);
    }
    Ok(traces)
}

/// Runs `switchboard.implement` on `range`; returns the trace id it answers with.
async fn implement(session: &Session, range: text::Range) -> anyhow::Result<String> {
    let answer = session
        .server
        .request(
            "workspace/executeCommand",
            json!({
                "command": "switchboard.implement",
                "arguments": [{ "uri": session.uri, "range": lsp_range(range) }],
            }),
        )
        .await?;
    answer["trace_id"]
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("executeCommand answered {answer} without a trace id"))
}

/// The outcome of an implement, as `switchboard/finished` says it.
#[derive(Debug, Clone)]
pub struct Finished {
    pub outcome: String,
    pub message: String,
}

/// P4: implement on `range`, timed from sending executeCommand to its `switchboard/finished`.
///
/// # Errors
/// A refused command, or no `switchboard/finished` within the timeout.
pub async fn implement_end_to_end(
    session: &mut Session,
    range: text::Range,
) -> anyhow::Result<(Duration, Finished)> {
    let started = Instant::now();
    let trace = implement(session, range).await?;
    loop {
        let message = session.server.next_notification().await?;
        if message["method"] == "switchboard/finished" && message["params"]["trace_id"] == trace {
            let elapsed = started.elapsed();
            let params = &message["params"];
            let text = |key: &str| params[key].as_str().unwrap_or_default().to_string();
            return Ok((
                elapsed,
                Finished {
                    outcome: text("outcome"),
                    message: text("message"),
                },
            ));
        }
    }
}

/// Resident memory of a process, from `/proc/PID/status` (`VmRSS`), in bytes.
///
/// # Errors
/// When the file cannot be read (the process is gone, or this is not Linux).
pub fn rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .context("no VmRSS line")?;
    let kb: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?;
    Ok(kb * 1024)
}

/// P5's readings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Memory {
    pub empty: u64,
    pub open: u64,
    pub documents: usize,
    pub document_bytes: usize,
}

impl Memory {
    /// Resident bytes added per byte of open text (MB per MB).
    pub fn per_byte(&self) -> f64 {
        self.open.saturating_sub(self.empty) as f64
            / (self.documents as f64 * self.document_bytes as f64)
    }
}

/// P5: resident memory with no document open, then with `documents` documents of
/// `document_bytes` each (different texts, so nothing can be shared).
///
/// # Errors
/// When the server fails or its memory cannot be read.
pub async fn memory(
    target: &Target,
    documents: usize,
    document_bytes: usize,
) -> anyhow::Result<Memory> {
    let sandbox = Sandbox::new()?;
    let texts: Vec<String> = (0..documents)
        .map(|i| crate::corpus::rust_bytes(document_bytes, 1_000 + i as u64))
        .collect();
    let session = Session::start(
        target,
        &sandbox,
        PositionEncoding::Utf16,
        Some(&switchboard_config("http://127.0.0.1:9", "unused")),
        "empty.rs",
        "",
    )
    .await?;
    let pid = session.server.pid().context("the server has exited")?;
    // A round trip, then a pause: start-up work (config, the Ollama probe) is done.
    let (method, params) = Probe::CodeAction.request(&session.uri, text::Position::new(0, 0));
    session.server.request(method, params).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let empty = rss_bytes(pid)?;
    let mut last = String::new();
    for (i, text) in texts.iter().enumerate() {
        last = sandbox.write(&format!("big{i}.rs"), text)?;
        session
            .server
            .notify(
                "textDocument/didOpen",
                json!({ "textDocument": { "uri": last, "languageId": "rust", "version": 0, "text": text } }),
            )
            .await?;
    }
    let (method, params) = Probe::CodeAction.request(&last, text::Position::new(0, 0));
    session.server.request(method, params).await?;
    // Parses that ran out of time at didOpen finish in the background 150 ms later.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let open = rss_bytes(pid)?;
    session.server.stop().await;
    Ok(Memory {
        empty,
        open,
        documents,
        document_bytes: texts.iter().map(String::len).sum::<usize>() / documents.max(1),
    })
}

/// P7: spawn to the initialize answer, `count` times.
///
/// # Errors
/// When the server does not start or answer.
pub async fn startups(target: &Target, count: usize) -> anyhow::Result<Vec<Duration>> {
    let sandbox = Sandbox::new()?;
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        let server = Server::spawn(&sandbox.command(target), target.timeout)?;
        server
            .request(
                "initialize",
                initialize_params(&sandbox.workspace(), PositionEncoding::Utf16, None),
            )
            .await?;
        samples.push(started.elapsed());
        server.notify("initialized", json!({})).await?;
        server.stop().await;
    }
    Ok(samples)
}
