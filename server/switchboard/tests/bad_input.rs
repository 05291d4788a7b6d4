//! Bad input never kills the server or desyncs it: each case gets a clear error (in the
//! response, or a log line for a notification), and the server answers correctly afterwards.

mod support;

use serde_json::{Value, json};
use support::{TestServer, vscode_like};

const URI: &str = "file:///ws/src/main.rs";

/// After whatever went before, the server still tracks a document exactly.
async fn still_serves(server: &mut TestServer) {
    let uri = "file:///ws/after.rs";
    server.open(uri, "rust", "fn a() {}\n").await;
    server.change(uri, 1, (0, 3, 0, 4), "b").await;
    let state = server.document_state(uri).await;
    assert_eq!(state["text"], "fn b() {}\n");
    assert_eq!(state["in_sync"], true);
}

fn message_of(params: &Value) -> &str {
    params["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_change_for_an_unknown_document_is_logged_and_ignored() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    server
        .change("file:///ws/never-opened.rs", 1, (0, 0, 0, 0), "x")
        .await;
    let log = server.notification("window/logMessage").await;
    assert_eq!(log["type"], 2, "a warning");
    assert!(
        message_of(&log).contains("never-opened.rs, which is not open"),
        "{log}"
    );
    still_serves(&mut server).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_version_going_backwards_is_logged_and_the_change_still_applies_in_order() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    server.open(URI, "rust", "fn a() {}\n").await;
    server.change(URI, 5, (0, 3, 0, 3), "x").await;
    server.change(URI, 2, (0, 4, 0, 4), "y").await;
    let log = server.notification("window/logMessage").await;
    assert!(
        message_of(&log).contains("goes from version 5 to 2, which is not newer"),
        "{log}"
    );
    let state = server.document_state(URI).await;
    // The client's text is what counts: the server keeps in step with it.
    assert_eq!(state["text"], "fn xya() {}\n");
    assert_eq!(state["version"], 2);
    still_serves(&mut server).await;
    server.shutdown().await;
}

/// A change the server cannot apply leaves the document as it was, marked out of sync and
/// told to the user; a whole-text change mends it.
async fn check_rejected_change(range: (u32, u32, u32, u32), want: &str) {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    server.open(URI, "rust", "let s = \"😀\";\n").await;
    server.change(URI, 1, range, "!").await;
    let shown = server.notification("window/showMessage").await;
    assert_eq!(shown["type"], 2, "a warning");
    assert!(message_of(&shown).contains(want), "{shown}");
    assert!(
        message_of(&shown).contains("close and reopen the file"),
        "{shown}"
    );

    let state = server.document_state(URI).await;
    assert_eq!(state["text"], "let s = \"😀\";\n", "nothing applied");
    assert_eq!(state["in_sync"], false);
    assert!(
        state["out_of_sync"]
            .as_str()
            .is_some_and(|r| r.contains(want)),
        "{state}"
    );

    server
        .notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": URI, "version": 2 }, "contentChanges": [{ "text": "fn fresh() {}\n" }] }),
        )
        .await;
    let state = server.document_state(URI).await;
    assert_eq!(state["text"], "fn fresh() {}\n");
    assert_eq!(state["in_sync"], true);
    still_serves(&mut server).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_range_past_the_end_is_rejected_whole() {
    check_rejected_change(
        (7, 0, 7, 1),
        "line 7 is past the end of the document, which has 2 lines",
    )
    .await;
}

#[tokio::test]
async fn a_position_inside_a_surrogate_pair_is_rejected_whole() {
    // utf-16: the emoji occupies units 9 and 10; 10 is its second half.
    check_rejected_change(
        (0, 10, 0, 10),
        "position 0:10 falls inside a utf-16 surrogate pair",
    )
    .await;
}

#[tokio::test]
async fn a_reversed_range_is_rejected_whole() {
    check_rejected_change((0, 5, 0, 2), "range end 0:2 comes before its start 0:5").await;
}

#[tokio::test]
async fn a_character_past_the_line_end_clamps() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    server.open(URI, "rust", "ab\ncd\n").await;
    server.change(URI, 1, (0, 99, 0, u32::MAX), "!").await;
    assert_eq!(server.document_state(URI).await["text"], "ab!\ncd\n");
    server.shutdown().await;
}

#[tokio::test]
async fn a_message_that_is_not_json_gets_a_parse_error() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    server.send_raw(b"{ this is not json").await;
    let response = server.response_without_id().await;
    assert_eq!(response["error"]["code"], -32700, "{response}");
    server
        .send_raw(br#"[1, 2, "JSON, but no JSON-RPC message"]"#)
        .await;
    let response = server.response_without_id().await;
    assert_eq!(response["error"]["code"], -32600, "{response}");
    still_serves(&mut server).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_request_with_wrong_params_gets_invalid_params() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    let response = server
        .request("switchboard/documentState", json!({ "uri": 42 }))
        .await;
    assert_eq!(response["error"]["code"], -32602, "{response}");
    let response = server
        .request("textDocument/codeAction", json!("nonsense"))
        .await;
    assert!(response.get("error").is_some(), "{response}");
    // A notification with wrong params cannot be answered; it must not stop the server.
    server
        .notify("textDocument/didChange", json!({ "textDocument": 7 }))
        .await;
    still_serves(&mut server).await;
    server.shutdown().await;
}

#[tokio::test]
async fn an_unknown_method_gets_method_not_found() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    let response = server.request("switchboard/noSuchThing", json!({})).await;
    assert_eq!(response["error"]["code"], -32601, "{response}");
    let response = server
        .request(
            "textDocument/hover",
            json!({
                "textDocument": { "uri": URI }, "position": { "line": 0, "character": 0 }
            }),
        )
        .await;
    assert_eq!(
        response["error"]["code"], -32601,
        "an unsupported LSP method: {response}"
    );
    // An unknown notification is ignored, as LSP says ($/ ones in particular).
    server.notify("$/somethingNew", json!({})).await;
    still_serves(&mut server).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_ten_megabyte_document_opens_changes_and_answers() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    let line = "The quick brown fox jumps over the lazy dog, 😀 中文 again and again.\n";
    let text = line.repeat(10 * 1024 * 1024 / line.len() + 1);
    assert!(text.len() >= 10 * 1024 * 1024);
    let last_line = (text.len() / line.len()) as u32;
    server.open("file:///ws/big.txt", "plaintext", &text).await;
    server
        .change(
            "file:///ws/big.txt",
            1,
            (last_line, 0, last_line, 0),
            "the end",
        )
        .await;
    let state = server.document_state("file:///ws/big.txt").await;
    let got = state["text"].as_str().expect("text");
    assert_eq!(got.len(), text.len() + "the end".len());
    assert!(got.ends_with("again and again.\nthe end"));
    still_serves(&mut server).await;
    server.shutdown().await;
}

#[tokio::test]
async fn messages_before_initialize_are_refused_and_the_server_then_initializes() {
    let mut server = TestServer::start();
    // A notification before initialize is dropped, as LSP says...
    server.open(URI, "rust", "fn early() {}").await;
    // ...and a request gets "server not initialized".
    let response = server
        .request("switchboard/documentState", json!({ "uri": URI }))
        .await;
    assert_eq!(response["error"]["code"], -32002, "{response}");
    let response = server
        .request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": {} }),
        )
        .await;
    assert_eq!(response["result"]["serverInfo"]["name"], "switchboard");
    server.notify("initialized", json!({})).await;
    let response = server
        .request("switchboard/documentState", json!({ "uri": URI }))
        .await;
    assert_eq!(
        response["error"]["code"], -32602,
        "the early didOpen was not applied: {response}"
    );
    still_serves(&mut server).await;
    server.shutdown().await;
}

#[tokio::test]
async fn exit_without_shutdown_ends_with_code_1() {
    let (server, _) = TestServer::initialized(vscode_like()).await;
    assert_eq!(server.exit_without_shutdown().await, 1);
}
