//! The end-to-end harness: a `TestServer` that speaks raw, framed JSON-RPC to the real server
//! in process over `tokio::io::duplex` (typos-lsp's habit), shuts down through the protocol,
//! and fails when a message from the server was left unread (ruff's habit).

#![allow(dead_code)] // reason: each test binary uses its own part of the harness

pub mod cli;
pub mod fixture;

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{
    AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf,
};
use tokio::task::JoinHandle;

/// How long any one message may take to arrive before the test fails rather than hangs.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

pub struct TestServer {
    writer: WriteHalf<DuplexStream>,
    reader: BufReader<ReadHalf<DuplexStream>>,
    server: Option<JoinHandle<switchboard::Ended>>,
    next_id: i64,
    /// Messages from the server that arrived while waiting for something else.
    unread: VecDeque<Value>,
}

/// The capabilities a client offers in `initialize`; utf-16 only, like VS Code.
pub fn vscode_like() -> Value {
    json!({ "general": { "positionEncodings": ["utf-16"] } })
}

pub fn utf8_first() -> Value {
    json!({ "general": { "positionEncodings": ["utf-8", "utf-32", "utf-16"] } })
}

impl TestServer {
    /// A server that has not been initialized.
    pub fn start() -> Self {
        Self::start_with(switchboard::Options::default())
    }

    /// A server with [`switchboard::Options`] (e.g. its own state directory).
    pub fn start_with(options: switchboard::Options) -> Self {
        let (client_end, server_end) = tokio::io::duplex(1 << 16);
        let (server_read, server_write) = tokio::io::split(server_end);
        let server = tokio::spawn(switchboard::serve_with(server_read, server_write, options));
        let (read, write) = tokio::io::split(client_end);
        Self {
            writer: write,
            reader: BufReader::new(read),
            server: Some(server),
            next_id: 1,
            unread: VecDeque::new(),
        }
    }

    /// A server after `initialize` (with these client capabilities) and `initialized`.
    pub async fn initialized(capabilities: Value) -> (Self, Value) {
        let mut server = Self::start();
        let response = server
            .request(
                "initialize",
                json!({ "processId": null, "rootUri": null, "capabilities": capabilities }),
            )
            .await;
        server.notify("initialized", json!({})).await;
        (server, response)
    }

    /// Sends raw bytes with a correct `Content-Length` header.
    pub async fn send_raw(&mut self, body: &[u8]) {
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        self.writer
            .write_all(header.as_bytes())
            .await
            .expect("the server reads its input");
        self.writer
            .write_all(body)
            .await
            .expect("the server reads its input");
        self.writer
            .flush()
            .await
            .expect("the server reads its input");
    }

    pub async fn send(&mut self, message: &Value) {
        self.send_raw(message.to_string().as_bytes()).await;
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
            .await;
    }

    /// Sends a request without waiting; returns its id.
    pub async fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
            .await;
        id
    }

    /// Sends a request and returns the whole response message (`result` or `error`).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params).await;
        self.response(id).await
    }

    /// Sends a request and returns its `result`, failing the test on an error response.
    pub async fn request_ok(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params).await;
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// Waits for the response to request `id`, keeping other messages for later.
    pub async fn response(&mut self, id: i64) -> Value {
        if let Some(at) = self
            .unread
            .iter()
            .position(|m| m["id"] == json!(id) && m.get("method").is_none())
        {
            return self.unread.remove(at).expect("the index was just found");
        }
        loop {
            let message = self.read_message().await;
            if message["id"] == json!(id) && message.get("method").is_none() {
                return message;
            }
            self.unread.push_back(message);
        }
    }

    /// The next response with a null id (what a server answers to a message it cannot parse).
    pub async fn response_without_id(&mut self) -> Value {
        loop {
            let message = self.read_message().await;
            if message.get("id") == Some(&Value::Null) && message.get("method").is_none() {
                return message;
            }
            self.unread.push_back(message);
        }
    }

    /// Waits for a notification from the server and returns its params.
    pub async fn notification(&mut self, method: &str) -> Value {
        if let Some(at) = self.unread.iter().position(|m| m["method"] == method) {
            return self.unread.remove(at).expect("the index was just found")["params"].clone();
        }
        loop {
            let message = self.read_message().await;
            if message["method"] == method {
                return message["params"].clone();
            }
            self.unread.push_back(message);
        }
    }

    /// Waits for a request from the server (`workspace/applyEdit`, ...); its id and params.
    pub async fn server_request(&mut self, method: &str) -> (Value, Value) {
        let is_it = |m: &Value| m["method"] == method && m.get("id").is_some();
        if let Some(at) = self.unread.iter().position(is_it) {
            let message = self.unread.remove(at).expect("the index was just found");
            return (message["id"].clone(), message["params"].clone());
        }
        loop {
            let message = self.read_message().await;
            if is_it(&message) {
                return (message["id"].clone(), message["params"].clone());
            }
            self.unread.push_back(message);
        }
    }

    /// Answers a request from the server.
    pub async fn respond(&mut self, id: Value, result: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": result }))
            .await;
    }

    /// `switchboard/documentState` for a document.
    pub async fn document_state(&mut self, uri: &str) -> Value {
        self.request_ok("switchboard/documentState", json!({ "uri": uri }))
            .await
    }

    pub async fn open(&mut self, uri: &str, language_id: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language_id, "version": 0, "text": text } }),
        )
        .await;
    }

    /// Sends one incremental change: `(start line, start char, end line, end char)`.
    pub async fn change(
        &mut self,
        uri: &str,
        version: i32,
        range: (u32, u32, u32, u32),
        text: &str,
    ) {
        let (sl, sc, el, ec) = range;
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{
                    "range": { "start": { "line": sl, "character": sc }, "end": { "line": el, "character": ec } },
                    "text": text
                }]
            }),
        )
        .await;
    }

    async fn read_message(&mut self) -> Value {
        tokio::time::timeout(READ_TIMEOUT, read_frame(&mut self.reader))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "no message from the server within {READ_TIMEOUT:?}; unread so far: {:?}",
                    self.unread
                )
            })
    }

    /// `shutdown`, then `exit`; asserts exit code 0 and that no server message went unread.
    pub async fn shutdown(mut self) {
        let response = self.request("shutdown", Value::Null).await;
        assert_eq!(
            response["result"],
            Value::Null,
            "shutdown answered {response}"
        );
        self.notify("exit", Value::Null).await;
        let ended = self
            .server
            .take()
            .expect("shut down once")
            .await
            .expect("the server task ends cleanly");
        assert_eq!(ended.exit_code(), 0);
        // Anything the server said before exiting must have been looked at by the test.
        while let Ok(Some(message)) =
            tokio::time::timeout(Duration::from_millis(50), try_read_frame(&mut self.reader)).await
        {
            self.unread.push_back(message);
        }
        assert!(
            self.unread.is_empty(),
            "server messages left unread: {:#?}",
            self.unread
        );
    }

    /// Ends the connection with `exit` alone and returns the server's exit code.
    pub async fn exit_without_shutdown(mut self) -> i32 {
        self.notify("exit", Value::Null).await;
        let ended = self
            .server
            .take()
            .expect("exited once")
            .await
            .expect("the server task ends cleanly");
        ended.exit_code()
    }

    /// Takes the unread messages, for tests that look at what the server said on its own.
    pub fn take_unread(&mut self) -> Vec<Value> {
        self.unread.drain(..).collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if self.server.is_some() && !std::thread::panicking() {
            panic!("a TestServer must end through `shutdown()` or `exit_without_shutdown()`");
        }
    }
}

async fn read_frame<R: AsyncBufReadExt + AsyncReadExt + Unpin>(reader: &mut R) -> Value {
    try_read_frame(reader)
        .await
        .expect("the server closed its output")
}

/// Reads one `Content-Length` framed message, or `None` at the end of the stream.
async fn try_read_frame<R: AsyncBufReadExt + AsyncReadExt + Unpin>(
    reader: &mut R,
) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = Some(value.parse::<usize>().expect("a numeric Content-Length"));
        }
    }
    let mut body = vec![0; length.expect("every frame has a Content-Length")];
    reader.read_exact(&mut body).await.ok()?;
    Some(serde_json::from_slice(&body).expect("the server writes JSON"))
}
