//! End to end, in process: initialize, document sync in each encoding, documentState, and
//! bursts of didChange applied in arrival order.

mod support;

use serde_json::json;
use support::{TestServer, utf8_first, vscode_like};

const URI: &str = "file:///ws/src/lib.rs";

#[tokio::test]
async fn initialize_negotiates_the_encoding_and_names_the_server() {
    let (server, response) = TestServer::initialized(utf8_first()).await;
    let result = &response["result"];
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(
        result["capabilities"]["textDocumentSync"]["change"], 2,
        "incremental sync"
    );
    assert_eq!(result["serverInfo"]["name"], "switchboard");
    assert_eq!(result["serverInfo"]["version"], env!("CARGO_PKG_VERSION"));
    server.shutdown().await;

    let (server, response) = TestServer::initialized(vscode_like()).await;
    assert_eq!(
        response["result"]["capabilities"]["positionEncoding"],
        "utf-16"
    );
    server.shutdown().await;

    let (server, response) = TestServer::initialized(json!({})).await;
    assert_eq!(
        response["result"]["capabilities"]["positionEncoding"],
        "utf-16"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn document_state_shows_text_and_tree() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    server.open(URI, "rust", "fn main() {}\n").await;
    let state = server.document_state(URI).await;
    assert_eq!(
        state,
        json!({
            "version": 0,
            "language": "rust",
            "grammar": "rust",
            "text": "fn main() {}\n",
            "syntax_tree": "(source_file (function_item name: (identifier) parameters: (parameters) body: (block)))",
            "syntax_error": null,
            "in_sync": true,
            "out_of_sync": null
        })
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_language_without_a_grammar_is_plain_text() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    server
        .open("file:///ws/notes.txt", "plaintext", "hello")
        .await;
    server
        .change("file:///ws/notes.txt", 1, (0, 5, 0, 5), " world")
        .await;
    let state = server.document_state("file:///ws/notes.txt").await;
    assert_eq!(state["text"], "hello world");
    assert_eq!(state["grammar"], json!(null));
    assert_eq!(state["syntax_tree"], json!(null));
    server.shutdown().await;
}

#[tokio::test]
async fn the_grammar_follows_the_extension_when_the_language_id_is_unknown() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    server
        .open("file:///ws/a.py", "some-editors-python", "x = 1\n")
        .await;
    assert_eq!(
        server.document_state("file:///ws/a.py").await["grammar"],
        "python"
    );
    server.shutdown().await;
}

/// The bug other AI servers shipped: counting utf-16 units as chars puts every edit after an
/// emoji one place too far right.
#[tokio::test]
async fn utf16_edits_after_an_emoji_land_where_the_editor_means() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    server.open(URI, "rust", "let s = \"😀\";\n").await;
    // utf-16: `let s = "` is 9 units, the emoji 2, so the closing quote starts at 11.
    server.change(URI, 1, (0, 11, 0, 11), "中").await;
    assert_eq!(
        server.document_state(URI).await["text"],
        "let s = \"😀中\";\n"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn utf8_edits_count_bytes() {
    let (mut server, _) = TestServer::initialized(utf8_first()).await;
    server
        .open(URI, "rust", "let s = \"😀\";\r\nlet t = 1;\n")
        .await;
    // utf-8: the emoji is 4 bytes, so the closing quote starts at byte 13.
    server.change(URI, 1, (0, 13, 0, 13), "中").await;
    server.change(URI, 2, (1, 4, 1, 5), "ü").await;
    let state = server.document_state(URI).await;
    assert_eq!(state["text"], "let s = \"😀中\";\r\nlet ü = 1;\n");
    assert_eq!(state["version"], 2);
    server.shutdown().await;
}

#[tokio::test]
async fn several_changes_in_one_notification_apply_in_order_and_reparse_once() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    server.open(URI, "rust", "fn a() {}\n").await;
    server
        .notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": URI, "version": 1 },
                "contentChanges": [
                    { "range": { "start": { "line": 0, "character": 3 }, "end": { "line": 0, "character": 4 } }, "text": "bee" },
                    { "range": { "start": { "line": 1, "character": 0 }, "end": { "line": 1, "character": 0 } }, "text": "fn c() {}\n" },
                    { "text": "fn whole() {}\n" },
                    { "range": { "start": { "line": 0, "character": 3 }, "end": { "line": 0, "character": 8 } }, "text": "w" }
                ]
            }),
        )
        .await;
    let state = server.document_state(URI).await;
    assert_eq!(state["text"], "fn w() {}\n");
    assert_eq!(
        state["syntax_tree"],
        "(source_file (function_item name: (identifier) parameters: (parameters) body: (block)))"
    );
    server.shutdown().await;
}

/// After an edit where tree-sitter's incremental error recovery differs from a fresh parse
/// (the regression case of the syntax crate's tests), documentState shows the fresh parse: the
/// server settles an inexact tree before handing it out.
#[tokio::test]
async fn document_state_shows_the_fresh_parse_after_error_recovery_differs() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    server.open(URI, "rust", "f//>n}( {\n  (a x = 1(}::").await;
    server.change(URI, 1, (1, 0, 1, 0), ")").await;
    let state = server.document_state(URI).await;
    assert_eq!(state["text"], "f//>n}( {\n)  (a x = 1(}::");
    assert_eq!(
        state["syntax_tree"],
        "(source_file (ERROR (identifier) (line_comment) (ERROR) (ERROR (identifier)) (identifier) (integer_literal) (ERROR)))"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn close_forgets_the_document() {
    let (mut server, _) = TestServer::initialized(vscode_like()).await;
    server.open(URI, "rust", "fn a() {}").await;
    server
        .notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": URI } }),
        )
        .await;
    let response = server
        .request("switchboard/documentState", json!({ "uri": URI }))
        .await;
    assert_eq!(response["error"]["code"], -32602);
    assert!(
        response["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("is not open: send textDocument/didOpen first")),
        "{response}"
    );
    server.shutdown().await;
}

/// tower-lsp runs up to four handlers at once; a didChange that awaited before applying its
/// change was seen applying a burst as 4,3,2,1. Each run sends a burst of single-character
/// inserts without waiting, then checks the text: 100 runs in a row must all be right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_of_did_change_apply_in_arrival_order() {
    const RUNS: usize = 100;
    const BURST: u32 = 64;
    for run in 0..RUNS {
        let (mut server, _) = TestServer::initialized(vscode_like()).await;
        server.open(URI, "rust", "fn main() {\n}\n").await;
        let mut expected = String::new();
        for i in 0..BURST {
            let ch = char::from(b'a' + (i % 26) as u8);
            // Each insert goes after the previous one: any reordering changes the text.
            server
                .change(URI, i as i32 + 1, (1, i, 1, i), &ch.to_string())
                .await;
            expected.push(ch);
        }
        // A few in-place replacements too, which reordering would also scramble.
        server
            .change(URI, BURST as i32 + 1, (1, 0, 1, 2), "XY")
            .await;
        server
            .change(URI, BURST as i32 + 2, (1, 1, 1, 3), "Z")
            .await;
        expected.replace_range(0..2, "XY");
        expected.replace_range(1..3, "Z");
        let state = server.document_state(URI).await;
        assert_eq!(
            state["text"],
            format!("fn main() {{\n{expected}}}\n"),
            "run {run}"
        );
        assert_eq!(state["version"], BURST + 2, "run {run}");
        assert_eq!(state["in_sync"], true, "run {run}");
        server.shutdown().await;
    }
    println!(
        "{RUNS} bursts of {} didChange notifications, all applied in arrival order",
        BURST + 2
    );
}
