//! Privacy through the LSP: a document outside every workspace folder gets no actions and its
//! commands are refused (unless `[privacy] allow_outside_workspace`), and excludes match its
//! absolute path, so `**/private/**` holds however the file was opened. Nothing is sent.

mod support;

use serde_json::{Value, json};
use support::fixture::{Fixture, reply};
use text::PositionEncoding;
use tower_lsp_server::ls_types::Uri;

const CODE: &str = "def token():\n    return 'abc'\n";

async fn actions(f: &mut Fixture, uri: &str) -> Value {
    f.server
        .request_ok(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri },
                "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 1, "character": 0 } },
                "context": { "diagnostics": [] }
            }),
        )
        .await
}

async fn implement(f: &mut Fixture, uri: &str) -> Value {
    let argument = json!({
        "uri": uri,
        "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 1, "character": 0 } },
    });
    f.server
        .request(
            "workspace/executeCommand",
            json!({ "command": "switchboard.implement", "arguments": [argument] }),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_outside_every_folder_is_never_sent() {
    let mut f = Fixture::start(
        &reply("m-coder", "```python\nx\n```", ""),
        PositionEncoding::Utf16,
    )
    .await;
    let elsewhere = tempfile::tempdir().expect("a temp dir");
    let path = elsewhere.path().join("private").join("key.py");
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("writable");
    std::fs::write(&path, CODE).expect("writable");
    let uri = Uri::from_file_path(&path)
        .expect("a file URI")
        .as_str()
        .to_string();
    f.server.open(&uri, "python", CODE).await;

    // No action that would send it; the one action there says why (this client cannot show
    // it disabled, so the reason comes as a message instead, once).
    assert_eq!(actions(&mut f, &uri).await, json!([]));
    let told = f.server.notification("window/showMessage").await;
    let told = told["message"].as_str().unwrap_or_default();
    assert!(told.contains("is outside every workspace folder"), "{told}");
    assert_eq!(actions(&mut f, &uri).await, json!([]));
    let refused = implement(&mut f, &uri).await;
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("is outside every workspace folder")
            && message.contains("allow_outside_workspace = true"),
        "{refused}"
    );

    // Allowed outside the folders, the excludes still match the absolute path.
    let mut config = support::fixture::config(&f.fake);
    config["privacy"]["allow_outside_workspace"] = json!(true);
    config["privacy"]["exclude"] = json!(["**/private/**"]);
    f.server
        .notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": config }),
        )
        .await;
    let excluded = implement(&mut f, &uri).await;
    assert!(
        excluded["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("is excluded by [privacy] exclude")),
        "{excluded}"
    );
    assert_eq!(actions(&mut f, &uri).await, json!([]));
    let told = f.server.notification("window/showMessage").await;
    let told = told["message"].as_str().unwrap_or_default();
    assert!(told.contains("is excluded by [privacy] exclude"), "{told}");

    // A file outside the folders that no exclude covers may be acted on once allowed.
    let notes = elsewhere.path().join("notes.py");
    std::fs::write(&notes, CODE).expect("writable");
    let notes = Uri::from_file_path(&notes)
        .expect("a file URI")
        .as_str()
        .to_string();
    f.server.open(&notes, "python", CODE).await;
    let listed = actions(&mut f, &notes).await;
    assert!(listed.as_array().is_some_and(|a| !a.is_empty()), "{listed}");
    assert!(f.fake.requests().is_empty(), "nothing was sent");
    f.server.take_unread();
    f.shutdown().await;
}
