//! Edits you can trust, through the LSP against the fake provider: a new file is a `CreateFile`
//! followed by its edit where the editor offers resource operations, and nothing (with a
//! message saying why) where it does not; a result that does not parse is asked for once more
//! and refused when the second answer is broken too, the file unchanged; a range past the end
//! of the document is refused with its real line count.

mod support;

use serde_json::{Value, json};
use support::fixture::{Fixture, reply};
use text::PositionEncoding;

const CALC: &str = "def add(a, b):\n    return a - b\n\n\ndef main():\n    print(add(1, 2))\n";

/// A reply that fixes `add` and creates `pkg/util/helpers.py` in a new directory.
const WITH_NEW_FILE: &str = "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n\npkg/util/helpers.py\n<<<<<<< SEARCH\n=======\ndef double(x):\n    return 2 * x\n>>>>>>> REPLACE\n";

fn with_create() -> Value {
    json!({ "documentChanges": true, "changeAnnotationSupport": {}, "resourceOperations": ["create", "rename", "delete"] })
}

fn without_create() -> Value {
    json!({ "documentChanges": true, "changeAnnotationSupport": {} })
}

/// A fixture whose `calc.py` is open (and on disk), with an implement of `add` started and its
/// progress accepted.
async fn implement_add(scenario: &str, workspace_edit: Value) -> (Fixture, String) {
    let mut f = Fixture::start_with(scenario, PositionEncoding::Utf16, workspace_edit).await;
    let uri = f.uri("calc.py");
    f.write("calc.py", CALC);
    f.server.open(&uri, "python", CALC).await;
    f.command("switchboard.implement", &uri, (0, 0, 2, 0), None)
        .await;
    f.accept_progress().await;
    (f, uri)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_file_is_created_then_edited_where_the_editor_offers_it() {
    let (mut f, uri) = implement_add(&reply("m-coder", WITH_NEW_FILE, ""), with_create()).await;
    let (id, params) = f.server.server_request("workspace/applyEdit").await;
    let changes = params["edit"]["documentChanges"]
        .as_array()
        .expect("documentChanges")
        .clone();
    let new_uri = f.uri("pkg/util/helpers.py");
    // The edit of the open document, then the new file: created, then filled.
    assert_eq!(changes.len(), 3, "{changes:#?}");
    assert_eq!(changes[0]["textDocument"]["uri"], uri);
    assert_eq!(changes[1]["kind"], "create");
    assert_eq!(changes[1]["uri"], new_uri);
    assert_eq!(changes[1]["options"]["overwrite"], false);
    assert_eq!(changes[1]["options"]["ignoreIfExists"], false);
    assert_eq!(changes[2]["textDocument"]["uri"], new_uri);
    assert_eq!(changes[2]["textDocument"]["version"], Value::Null);
    let edits = changes[2]["edits"].as_array().expect("edits");
    assert_eq!(edits.len(), 1);
    assert_eq!(
        edits[0]["range"]["start"],
        json!({ "line": 0, "character": 0 })
    );
    assert_eq!(
        edits[0]["range"]["end"],
        json!({ "line": 0, "character": 0 })
    );
    assert_eq!(edits[0]["newText"], "def double(x):\n    return 2 * x\n");
    f.server.respond(id, json!({ "applied": true })).await;
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "applied", "{finished}");
    assert_eq!(finished["created"], json!(["pkg/util/helpers.py"]));
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_file_is_refused_with_a_reason_where_the_editor_cannot_create_it() {
    let (mut f, uri) = implement_add(&reply("m-coder", WITH_NEW_FILE, ""), without_create()).await;
    // No workspace/applyEdit: the message comes first, then the end of the job.
    let shown = f.server.notification("window/showMessage").await;
    let message = shown["message"].as_str().unwrap_or_default().to_string();
    assert!(
        message.contains("the reply creates pkg/util/helpers.py")
            && message.contains("resourceOperations")
            && message.contains("nothing was applied")
            && message.contains("switchboard run implement calc.py:LINES --apply"),
        "{message}"
    );
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "refused", "{finished}");
    assert_eq!(f.server.document_state(&uri).await["text"], CALC);
    assert!(!f.workspace.path().join("pkg").exists());
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_result_is_asked_for_once_more_then_refused() {
    // Both answers leave `add` without its closing parenthesis.
    let broken = "```python\ndef add(a, b):\n    return (a + b\n```\n";
    let scenario = format!(
        "{}{}",
        reply("m-coder", broken, "contains = \"leaves a syntax error\""),
        reply("m-coder", broken, "")
    );
    let (mut f, uri) = implement_add(&scenario, without_create()).await;
    let shown = f.server.notification("window/showMessage").await;
    let message = shown["message"].as_str().unwrap_or_default().to_string();
    assert!(
        message.contains("the edit leaves a syntax error in calc.py at line 2")
            && message.contains("nothing was applied"),
        "{message}"
    );
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "refused", "{finished}");
    let requests = f.fake.requests();
    assert_eq!(requests.len(), 2, "the call and one retry");
    let retry = requests[1].body.to_string();
    assert!(
        retry.contains("leaves a syntax error in calc.py at line 2"),
        "{retry}"
    );
    assert!(
        retry.contains("return (a + b"),
        "the retry quotes the line: {retry}"
    );
    assert_eq!(f.server.document_state(&uri).await["text"], CALC);
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_result_fixed_on_the_retry_is_applied() {
    let broken = "```python\ndef add(a, b):\n    return (a + b\n```\n";
    let fixed = "```python\ndef add(a, b):\n    return (a + b)\n```\n";
    let scenario = format!(
        "{}{}",
        reply("m-coder", fixed, "contains = \"leaves a syntax error\""),
        reply("m-coder", broken, "")
    );
    let (mut f, uri) = implement_add(&scenario, without_create()).await;
    let mut doc = text::TextDocument::new(CALC, 0);
    f.apply_edit(&mut [(&uri, &mut doc)]).await;
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "applied", "{finished}");
    assert!(
        doc.rope()
            .to_string()
            .starts_with("def add(a, b):\n    return (a + b)\n")
    );
    assert_eq!(f.fake.requests().len(), 2);
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_past_the_end_is_refused_with_the_real_line_count() {
    let mut f = Fixture::start("", PositionEncoding::Utf16).await;
    let uri = f.uri("calc.py");
    f.server.open(&uri, "python", CALC).await;
    // CALC has 6 lines; 0-based line 6 is the empty place after its final line break.
    let argument = json!({
        "uri": uri,
        "range": { "start": { "line": 6, "character": 0 }, "end": { "line": 6, "character": 0 } },
    });
    let response = f
        .server
        .request(
            "workspace/executeCommand",
            json!({ "command": "switchboard.implement", "arguments": [argument] }),
        )
        .await;
    let error = &response["error"];
    assert_eq!(error["code"], -32602, "{error}");
    assert_eq!(
        error["message"],
        "lines 7-7 are not in calc.py, which has 6 lines"
    );
    assert!(f.fake.requests().is_empty());
    f.shutdown().await;
}
