//! A small LSP client over a child's stdio, for driving any server: requests are matched to
//! answers by id on a reader task, the server's own requests are answered as an editor would
//! (progress accepted, edits declined, documents shown), and notifications are counted, with
//! the few a benchmark waits for handed over on a channel.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::{mpsc, oneshot};

/// Notifications handed to the benchmark; all others are only counted. `$/progress` and log
/// messages arrive by the hundred a second while jobs run, and nobody waits for them.
const FORWARDED: [&str; 2] = ["switchboard/finished", "window/showMessage"];

/// How to start a server.
#[derive(Debug, Clone)]
pub struct Command {
    /// The program and its arguments.
    pub argv: Vec<String>,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, OsString)>,
    pub env_remove: Vec<String>,
    /// Pass the server's stderr through (its logs); otherwise it is discarded.
    pub stderr: bool,
}

type Pending = Arc<Mutex<HashMap<i64, oneshot::Sender<Value>>>>;

/// A running server and the client side of its stdio.
pub struct Server {
    child: Child,
    writer: Arc<tokio::sync::Mutex<ChildStdin>>,
    pending: Pending,
    next_id: AtomicI64,
    notifications: mpsc::UnboundedReceiver<Value>,
    counted: Arc<AtomicU64>,
    reader: tokio::task::JoinHandle<()>,
    timeout: Duration,
}

impl Server {
    /// Spawns the server; `timeout` bounds every wait for an answer.
    ///
    /// # Errors
    /// When the program cannot be started.
    pub fn spawn(command: &Command, timeout: Duration) -> anyhow::Result<Server> {
        let (program, args) = command
            .argv
            .split_first()
            .context("an empty server command")?;
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if command.stderr {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true);
        if let Some(cwd) = &command.cwd {
            cmd.current_dir(cwd);
        }
        for name in &command.env_remove {
            cmd.env_remove(name);
        }
        for (name, value) in &command.env {
            cmd.env(name, value);
        }
        let mut child = cmd
            .spawn()
            .with_context(|| format!("cannot start {}", command.argv.join(" ")))?;
        let stdin = child.stdin.take().context("the server has no stdin")?;
        let stdout = child.stdout.take().context("the server has no stdout")?;
        let writer = Arc::new(tokio::sync::Mutex::new(stdin));
        let pending: Pending = Arc::default();
        let counted = Arc::new(AtomicU64::new(0));
        let (tx, notifications) = mpsc::unbounded_channel();
        let reader = tokio::spawn(read_loop(
            BufReader::new(stdout),
            writer.clone(),
            pending.clone(),
            tx,
            counted.clone(),
        ));
        Ok(Server {
            child,
            writer,
            pending,
            next_id: AtomicI64::new(1),
            notifications,
            counted,
            reader,
            timeout,
        })
    }

    /// The server's process id, for its memory.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// How many notifications the server has sent so far.
    pub fn notifications_seen(&self) -> u64 {
        self.counted.load(Ordering::Relaxed)
    }

    /// Sends a request and waits for its answer's `result`.
    ///
    /// # Errors
    /// An error answer, a server that stopped, or no answer within the timeout.
    pub async fn request(&self, method: &str, params: Value) -> anyhow::Result<Value> {
        let answer = self.answer(method, params).await?;
        if let Some(error) = answer.get("error") {
            bail!("{method} failed: {error}");
        }
        Ok(answer.get("result").cloned().unwrap_or(Value::Null))
    }

    /// Sends a request and waits for its whole answer, `result` or `error`.
    ///
    /// # Errors
    /// A server that stopped, or no answer within the timeout.
    pub async fn answer(&self, method: &str, params: Value) -> anyhow::Result<Value> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .map_err(|_| anyhow!("the reader task panicked"))?
            .insert(id, tx);
        let message = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        write_message(&self.writer, &message).await?;
        tokio::time::timeout(self.timeout, rx)
            .await
            .map_err(|_| anyhow!("no answer to {method} within {:?}", self.timeout))?
            .map_err(|_| anyhow!("the server stopped before answering {method}"))
    }

    /// Sends a notification.
    ///
    /// # Errors
    /// When the server stopped reading.
    pub async fn notify(&self, method: &str, params: Value) -> anyhow::Result<()> {
        let message = json!({ "jsonrpc": "2.0", "method": method, "params": params });
        write_message(&self.writer, &message).await
    }

    /// Waits for the next forwarded notification (`switchboard/finished`, `window/showMessage`).
    ///
    /// # Errors
    /// None within the timeout, or the server stopped.
    pub async fn next_notification(&mut self) -> anyhow::Result<Value> {
        tokio::time::timeout(self.timeout, self.notifications.recv())
            .await
            .map_err(|_| anyhow!("no notification within {:?}", self.timeout))?
            .context("the server closed its output")
    }

    /// A forwarded notification that has already arrived, if any.
    pub fn try_notification(&mut self) -> Option<Value> {
        self.notifications.try_recv().ok()
    }

    /// `shutdown` and `exit`, then waits (up to the timeout: a server under valgrind writes its
    /// profile as it exits) for the process; kills it if it lingers.
    pub async fn stop(mut self) {
        let polite = async {
            self.request("shutdown", Value::Null).await?;
            self.notify("exit", Value::Null).await?;
            tokio::time::timeout(self.timeout, self.child.wait()).await??;
            anyhow::Ok(())
        };
        if polite.await.is_err() {
            // The process is ours and lingers: end it by its own handle, nothing broader.
            let _ = self.child.kill().await;
        }
        self.reader.abort();
    }
}

async fn write_message(
    writer: &tokio::sync::Mutex<ChildStdin>,
    message: &Value,
) -> anyhow::Result<()> {
    let body = serde_json::to_vec(message)?;
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(&body);
    let mut writer = writer.lock().await;
    writer
        .write_all(&frame)
        .await
        .context("the server stopped reading")?;
    writer.flush().await.context("the server stopped reading")
}

/// Reads frames until the server closes its output, dispatching each.
async fn read_loop(
    mut stdout: BufReader<ChildStdout>,
    writer: Arc<tokio::sync::Mutex<ChildStdin>>,
    pending: Pending,
    notifications: mpsc::UnboundedSender<Value>,
    counted: Arc<AtomicU64>,
) {
    while let Ok(Some(message)) = read_message(&mut stdout).await {
        let method = message.get("method").and_then(Value::as_str);
        match (method, message.get("id")) {
            (Some(method), Some(id)) => {
                let answer =
                    json!({ "jsonrpc": "2.0", "id": id, "result": answer_to(method, &message) });
                if write_message(&writer, &answer).await.is_err() {
                    break;
                }
            }
            (Some(method), None) => {
                counted.fetch_add(1, Ordering::Relaxed);
                if FORWARDED.contains(&method) {
                    let _ = notifications.send(message);
                }
            }
            (None, Some(id)) => {
                let waiter = id.as_i64().and_then(|id| {
                    pending
                        .lock()
                        .ok()
                        .and_then(|mut pending| pending.remove(&id))
                });
                if let Some(waiter) = waiter {
                    let _ = waiter.send(message);
                }
            }
            (None, None) => {}
        }
    }
    // Dropping the waiters tells every pending request that the server is gone.
    if let Ok(mut pending) = pending.lock() {
        pending.clear();
    }
}

/// What an editor answers to the server's requests. Edits are declined: a benchmark must see
/// the same text every time, and declining costs the server the same round trip as applying.
fn answer_to(method: &str, message: &Value) -> Value {
    match method {
        "workspace/applyEdit" => {
            json!({ "applied": false, "failureReason": "lsp-bench does not apply edits" })
        }
        "window/showDocument" => json!({ "success": true }),
        "workspace/configuration" => {
            let items = message["params"]["items"].as_array().map_or(0, Vec::len);
            Value::Array(vec![Value::Null; items])
        }
        // window/workDoneProgress/create, client/registerCapability, showMessageRequest...
        _ => Value::Null,
    }
}

/// One frame's JSON, or `None` at the end of the output.
async fn read_message(stdout: &mut BufReader<ChildStdout>) -> anyhow::Result<Option<Value>> {
    let mut length = None;
    let mut line = String::new();
    loop {
        line.clear();
        if stdout.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let header = line.trim_end();
        if header.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = Some(value.trim().parse::<usize>()?);
        }
    }
    let mut body = vec![0; length.unwrap_or_default()];
    stdout.read_exact(&mut body).await?;
    Ok(Some(serde_json::from_slice(&body)?))
}
