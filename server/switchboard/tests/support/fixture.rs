//! The core loop's fixture: a workspace folder, the fake provider with every role served by
//! its own model, and a server initialized against both; with helpers to run commands, answer
//! the server's requests as an editor does, and write scenarios.

use providers::fake::{FakeProvider, Scenario};
use serde_json::{Value, json};
use text::{ContentChange, PositionEncoding, TextDocument};
use tower_lsp_server::ls_types::Uri;

use super::TestServer;

/// A workspace folder with its own state directory, a fake provider and a server using both.
pub struct Fixture {
    pub server: TestServer,
    pub fake: FakeProvider,
    pub workspace: tempfile::TempDir,
    pub encoding: PositionEncoding,
}

/// Every role served by its own model at the fake (Ollama's native API needs no key).
pub fn config(fake: &FakeProvider) -> Value {
    let model = |name: &str| json!({ "provider": "fake", "name": name, "price": { "input": 1.0, "output": 2.0 }, "context_window": 100000, "max_output_tokens": 2000 });
    json!({
        "providers": { "fake": { "kind": "ollama", "base_url": fake.url(), "max_retries": 0 } },
        "models": {
            "coder": model("m-coder"),
            "reviewer": model("m-reviewer"),
            "searcher": model("m-searcher"),
            "planner": model("m-planner"),
            "viewer": model("m-viewer"),
        },
        "roles": {
            "implement": ["coder"],
            "review": ["reviewer"],
            "search": ["searcher"],
            "plan": ["planner"],
            "vision": ["viewer"],
        },
        "privacy": { "exclude": [".env", "secrets/**"] },
        "edits": { "retry_failed_blocks": true },
    })
}

/// How a fixture's client is set up.
pub struct ClientSetup {
    /// `workspace.workspaceEdit`.
    pub workspace_edit: Value,
    /// Whether it watches files for the server (`didChangeWatchedFiles` dynamic registration).
    pub watches_files: bool,
    /// Workspace folders after the fixture's own.
    pub extra_folders: Vec<std::path::PathBuf>,
    /// Called with the workspace folder before the server starts.
    pub prepare: Option<fn(&std::path::Path)>,
    /// Whether it tells the user how each job ended itself (as the Neovim plugin does), so
    /// the server sends no closing message. Most tests' clients do, to keep to their subject.
    pub shows_results: bool,
    /// `textDocument.codeAction.disabledSupport`.
    pub disabled_support: bool,
    /// `clientInfo.name`.
    pub name: &'static str,
    /// Changes the config (the initialization options) before the server starts.
    pub adjust: Option<fn(&mut Value)>,
}

impl Default for ClientSetup {
    fn default() -> Self {
        ClientSetup {
            workspace_edit: json!({ "documentChanges": true, "changeAnnotationSupport": {} }),
            watches_files: false,
            extra_folders: Vec::new(),
            prepare: None,
            shows_results: true,
            disabled_support: false,
            name: "test-client",
            adjust: None,
        }
    }
}

impl Fixture {
    pub async fn start(scenario: &str, encoding: PositionEncoding) -> Fixture {
        Fixture::start_setup(scenario, encoding, ClientSetup::default()).await
    }

    /// As [`Fixture::start`], with the client's `workspace.workspaceEdit` capabilities given.
    pub async fn start_with(
        scenario: &str,
        encoding: PositionEncoding,
        workspace_edit: Value,
    ) -> Fixture {
        let setup = ClientSetup {
            workspace_edit,
            ..ClientSetup::default()
        };
        Fixture::start_setup(scenario, encoding, setup).await
    }

    /// As [`Fixture::start`], with a client set up as `setup` says.
    pub async fn start_setup(
        scenario: &str,
        encoding: PositionEncoding,
        setup: ClientSetup,
    ) -> Fixture {
        let workspace = tempfile::tempdir().expect("a temp dir");
        if let Some(prepare) = setup.prepare {
            prepare(workspace.path());
        }
        let scenario = Scenario::from_toml_str(scenario).expect("a good scenario");
        let fake = FakeProvider::start("127.0.0.1:0".parse().expect("an address"), scenario)
            .await
            .expect("the fake starts");
        let mut server = TestServer::start_with(switchboard::Options {
            state_dir: Some(workspace.path().join(".state")),
        });
        let root = Uri::from_file_path(workspace.path()).expect("a file URI");
        let encodings = match encoding {
            PositionEncoding::Utf8 => json!(["utf-8", "utf-16"]),
            _ => json!(["utf-16"]),
        };
        let mut options = config(&fake);
        if let Some(adjust) = setup.adjust {
            adjust(&mut options);
        }
        let mut folders = vec![json!({ "uri": root.as_str(), "name": "ws" })];
        for extra in &setup.extra_folders {
            let uri = Uri::from_file_path(extra).expect("a file URI");
            folders.push(json!({ "uri": uri.as_str(), "name": "extra" }));
        }
        server
            .request_ok(
                "initialize",
                json!({
                    "processId": null,
                    "clientInfo": { "name": setup.name },
                    "capabilities": {
                        "general": { "positionEncodings": encodings },
                        "textDocument": { "codeAction": { "disabledSupport": setup.disabled_support } },
                        "experimental": { "switchboard": { "showsResults": setup.shows_results } },
                        "workspace": {
                            "workspaceEdit": setup.workspace_edit,
                            "didChangeWatchedFiles": { "dynamicRegistration": setup.watches_files },
                        },
                        "window": { "workDoneProgress": true, "showDocument": { "support": true } }
                    },
                    "workspaceFolders": folders,
                    "initializationOptions": options,
                }),
            )
            .await;
        server.notify("initialized", json!({})).await;
        if setup.watches_files {
            let (id, _) = server.server_request("client/registerCapability").await;
            server.respond(id, Value::Null).await;
        }
        Fixture {
            server,
            fake,
            workspace,
            encoding,
        }
    }

    pub fn uri(&self, relative: &str) -> String {
        Uri::from_file_path(self.workspace.path().join(relative))
            .expect("a file URI")
            .as_str()
            .to_string()
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.workspace.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("writable");
        std::fs::write(path, text).expect("writable");
    }

    /// The code actions offered on `range` (0-based `(start line, start character, end line,
    /// end character)`) with `diagnostics` in the context.
    pub async fn code_actions(
        &mut self,
        uri: &str,
        range: (u32, u32, u32, u32),
        diagnostics: Value,
    ) -> Vec<Value> {
        let (sl, sc, el, ec) = range;
        let actions = self
            .server
            .request_ok(
                "textDocument/codeAction",
                json!({
                    "textDocument": { "uri": uri },
                    "range": { "start": { "line": sl, "character": sc }, "end": { "line": el, "character": ec } },
                    "context": { "diagnostics": diagnostics }
                }),
            )
            .await;
        actions.as_array().cloned().unwrap_or_default()
    }

    /// Runs a command on lines `first..=last` (0-based) and returns its immediate answer.
    pub async fn command(
        &mut self,
        command: &str,
        uri: &str,
        range: (u32, u32, u32, u32),
        instruction: Option<&str>,
    ) -> Value {
        let (sl, sc, el, ec) = range;
        let mut argument = json!({
            "uri": uri,
            "range": { "start": { "line": sl, "character": sc }, "end": { "line": el, "character": ec } },
        });
        if let Some(instruction) = instruction {
            argument["instruction"] = json!(instruction);
        }
        self.server
            .request_ok(
                "workspace/executeCommand",
                json!({ "command": command, "arguments": [argument] }),
            )
            .await
    }

    /// Accepts the progress the job creates.
    pub async fn accept_progress(&mut self) -> Value {
        let (id, params) = self
            .server
            .server_request("window/workDoneProgress/create")
            .await;
        self.server.respond(id, Value::Null).await;
        params["token"].clone()
    }

    /// Runs a command whose result is an answer document (explain, plan, a search question):
    /// accepts its progress, lets the editor open the answer, and returns its
    /// `switchboard/finished`.
    pub async fn answer(
        &mut self,
        command: &str,
        uri: &str,
        range: (u32, u32, u32, u32),
        instruction: Option<&str>,
    ) -> Value {
        self.command(command, uri, range, instruction).await;
        self.accept_progress().await;
        let (id, _) = self.server.server_request("window/showDocument").await;
        self.server.respond(id, json!({ "success": true })).await;
        self.finished().await
    }

    /// Waits for `switchboard/finished` and drops the progress notifications seen so far.
    pub async fn finished(&mut self) -> Value {
        let finished = self.server.notification("switchboard/finished").await;
        let rest: Vec<Value> = self
            .server
            .take_unread()
            .into_iter()
            .filter(|m| m["method"] != "$/progress")
            .collect();
        assert!(rest.is_empty(), "unexpected messages: {rest:#?}");
        finished
    }

    /// Applies a `workspace/applyEdit` the way an editor does: to the open document (then sent
    /// back as `didChange`) or to the file on disk. Answers `applied: true`.
    pub async fn apply_edit(&mut self, docs: &mut [(&str, &mut TextDocument)]) -> Value {
        let (id, params) = self.server.server_request("workspace/applyEdit").await;
        for change in params["edit"]["documentChanges"]
            .as_array()
            .expect("documentChanges")
        {
            let uri = change["textDocument"]["uri"].as_str().expect("a uri");
            let changes = edits_last_first(change);
            let contents: Vec<ContentChange<'_>> = changes
                .iter()
                .map(|(range, text)| ContentChange {
                    range: Some(*range),
                    text,
                })
                .collect();
            match docs.iter_mut().find(|(u, _)| *u == uri) {
                Some((_, doc)) => {
                    let version = change["textDocument"]["version"]
                        .as_i64()
                        .expect("a version") as i32;
                    assert_eq!(
                        version,
                        doc.version(),
                        "the edit names the document's version"
                    );
                    doc.apply_changes(&contents, version + 1, self.encoding)
                        .expect("the edit applies");
                    self.send_changes(uri, version + 1, &changes).await;
                }
                None => {
                    assert!(
                        change["textDocument"]["version"].is_null(),
                        "a closed file has no version"
                    );
                    let path = Uri::from_str_checked(uri)
                        .to_file_path()
                        .expect("a path")
                        .into_owned();
                    let mut disk =
                        TextDocument::new(&std::fs::read_to_string(&path).expect("on disk"), 0);
                    disk.apply_changes(&contents, 1, self.encoding)
                        .expect("the edit applies");
                    std::fs::write(&path, disk.rope().to_string()).expect("writable");
                }
            }
        }
        self.server.respond(id, json!({ "applied": true })).await;
        params
    }

    pub async fn send_changes(
        &mut self,
        uri: &str,
        version: i32,
        changes: &[(text::Range, String)],
    ) {
        let content: Vec<Value> = changes
            .iter()
            .map(|(r, text)| json!({
                "range": { "start": { "line": r.start.line, "character": r.start.character }, "end": { "line": r.end.line, "character": r.end.character } },
                "text": text,
            }))
            .collect();
        self.server
            .notify(
                "textDocument/didChange",
                json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": content }),
            )
            .await;
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

pub trait FromStrChecked {
    fn from_str_checked(s: &str) -> Uri;
}

impl FromStrChecked for Uri {
    fn from_str_checked(s: &str) -> Uri {
        s.parse().expect("a URI")
    }
}

/// A TextDocumentEdit's edits, last in the document first, so each applies to the text the
/// previous left (LSP's edits all refer to the text before any of them).
pub fn edits_last_first(change: &Value) -> Vec<(text::Range, String)> {
    let mut edits: Vec<(text::Range, String)> = change["edits"]
        .as_array()
        .expect("edits")
        .iter()
        .map(|e| {
            let r = &e["range"];
            let pos = |p: &Value| {
                text::Position::new(
                    p["line"].as_u64().expect("line") as u32,
                    p["character"].as_u64().expect("character") as u32,
                )
            };
            (
                text::Range::new(pos(&r["start"]), pos(&r["end"])),
                e["newText"].as_str().expect("newText").to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|(r, _)| std::cmp::Reverse((r.start.line, r.start.character)));
    edits
}

pub fn fence(code: &str) -> String {
    format!("Here is the new code:\n\n```rust\n{code}```\n\nIt keeps the greeting.")
}

/// A scenario replying `text` to `model`, as TOML.
pub fn reply(model: &str, text: &str, extra: &str) -> String {
    format!(
        "[[reply]]\nmodel = \"{model}\"\ntext = {}\n{extra}\n",
        toml_string(text)
    )
}

pub fn toml_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string")
}
