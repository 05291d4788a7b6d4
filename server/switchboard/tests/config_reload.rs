//! The config in a running server: layered from the workspace folder's `.switchboard.toml` and
//! `initializationOptions`, swapped on `workspace/didChangeConfiguration` and on a changed
//! `.switchboard.toml`, and kept when a new one has an error (the user hears why, with
//! `file:line:col`). `switchboard/routes` shows what is in effect.

mod support;

use serde_json::{Value, json};
use support::TestServer;
use tower_lsp_server::ls_types::Uri;

const MODELS: &str = "[providers.local]\nkind = \"ollama\"\nbase_url = \"http://127.0.0.1:9\"\n\n\
     [models.a]\nprovider = \"local\"\nname = \"m-a\"\nprice = { input = 0.0, output = 0.0 }\n\n\
     [models.b]\nprovider = \"local\"\nname = \"m-b\"\nprice = { input = 0.0, output = 0.0 }\n\n";

/// The aliases a role routes to, in order.
async fn role_models(server: &mut TestServer, role: &str) -> Vec<String> {
    let table = server.request_ok("switchboard/routes", Value::Null).await;
    table["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["role"] == role)
        .unwrap_or_else(|| panic!("no role {role} in {table}"))["models"]
        .as_array()
        .expect("models")
        .iter()
        .map(|m| m["alias"].as_str().expect("an alias").to_string())
        .collect()
}

#[tokio::test]
async fn good_configs_reload_and_bad_ones_are_refused_with_their_place() {
    let workspace = tempfile::tempdir().expect("a temp dir");
    let file = workspace.path().join(".switchboard.toml");
    std::fs::write(&file, format!("{MODELS}[roles]\nimplement = [\"a\"]\n")).expect("written");
    let root = Uri::from_file_path(workspace.path()).expect("a file URI");
    let file_uri = Uri::from_file_path(&file).expect("a file URI");

    let mut server = TestServer::start();
    server
        .request_ok(
            "initialize",
            json!({
                "processId": null,
                "capabilities": {
                    "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } }
                },
                "workspaceFolders": [{ "uri": root.as_str(), "name": "ws" }],
                "initializationOptions": { "roles": { "review": ["b", "a"] } }
            }),
        )
        .await;
    server.notify("initialized", json!({})).await;
    // A client that watches files is asked to watch the config, and every file for the
    // workspace index.
    let (id, registration) = server.server_request("client/registerCapability").await;
    let globs: Vec<&str> = registration["registrations"][0]["registerOptions"]["watchers"]
        .as_array()
        .expect("watchers")
        .iter()
        .filter_map(|watcher| watcher["globPattern"].as_str())
        .collect();
    assert_eq!(globs, ["**/.switchboard.toml", "**/*"]);
    server.respond(id, Value::Null).await;
    // Both layers: the workspace file's implement, the initialization options' review.
    assert_eq!(role_models(&mut server, "implement").await, ["a"]);
    assert_eq!(role_models(&mut server, "review").await, ["b", "a"]);

    // Settings changed in the editor (VS Code sends them under the extension's section).
    server
        .notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": { "switchboard": { "roles": { "implement": ["b"] } } } }),
        )
        .await;
    assert_eq!(role_models(&mut server, "implement").await, ["b"]);
    // The new settings replace the old LSP layer whole: review is the file's again (none).
    assert!(role_models(&mut server, "review").await.is_empty());

    // A setting naming an unknown model: refused, the user told where, the old config kept.
    server
        .notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": { "roles": { "implement": ["b", "nope"] } } }),
        )
        .await;
    let shown = server.notification("window/showMessage").await;
    let message = shown["message"].as_str().expect("a message");
    assert!(
        message.starts_with("switchboard: the config has an error, so the previous config stays in effect: LSP settings:2:"),
        "{message}"
    );
    assert!(message.contains("nope"), "{message}");
    assert_eq!(role_models(&mut server, "implement").await, ["b"]);

    // Good settings again, then the workspace file changes on disk.
    server
        .notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": { "roles": { "plan": ["a"] } } }),
        )
        .await;
    std::fs::write(
        &file,
        format!("{MODELS}[roles]\nimplement = [\"b\", \"a\"]\n"),
    )
    .expect("written");
    server
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": file_uri.as_str(), "type": 2 }] }),
        )
        .await;
    assert_eq!(role_models(&mut server, "implement").await, ["b", "a"]);
    assert_eq!(role_models(&mut server, "plan").await, ["a"]);

    // A broken file: refused with its own path, line and column; the config stays.
    std::fs::write(&file, format!("{MODELS}[roles]\nimplement = [\"a\"\n")).expect("written");
    server
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": file_uri.as_str(), "type": 2 }] }),
        )
        .await;
    let shown = server.notification("window/showMessage").await;
    let message = shown["message"].as_str().expect("a message");
    let place = format!("{}:16:17: unclosed array", file.display());
    assert!(message.contains(&place), "{message}");
    assert_eq!(role_models(&mut server, "implement").await, ["b", "a"]);
    server.shutdown().await;
}
