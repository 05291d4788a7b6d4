//! The core loop through the LSP, in process, against the fake provider over loopback: code
//! actions, commands that answer at once, progress, edits applied exactly (emoji and CJK, utf-16
//! and utf-8), edits moved over the user's typing or refused, a failed SEARCH block asked for
//! once more, cancellation, review findings as diagnostics with quickfixes, answers with checked
//! citations, plan → implement, edits over two files, secrets masked and excluded files never
//! read.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::fixture::{Fixture, fence, reply};
use text::{ContentChange, PositionEncoding, TextDocument};

const GREET: &str = "fn greet() -> &'static str {\n    \"héllo 😀\"\n}\n// 中文 ok\n";

async fn implement_exactly(encoding: PositionEncoding) {
    let replacement = "    \"こんにちは 😀🎉, 世界\"\n";
    let mut f = Fixture::start(&reply("m-coder", &fence(replacement), ""), encoding).await;
    let uri = f.uri("src/greet.rs");
    f.server.open(&uri, "rust", GREET).await;
    let mut doc = TextDocument::new(GREET, 0);
    // Line 1, whole: in utf-16 the emoji is 2 units, in utf-8 4 bytes; the end is line 2 col 0.
    let started = f
        .command("switchboard.implement", &uri, (1, 0, 2, 0), None)
        .await;
    assert_eq!(started["role"], "implement");
    assert_eq!(started["model"], "coder");
    assert_eq!(started["trace_id"].as_str().map(str::len), Some(12));
    f.accept_progress().await;
    let params = f.apply_edit(&mut [(&uri, &mut doc)]).await;
    assert_eq!(params["label"], Value::Null);
    let expected = "fn greet() -> &'static str {\n    \"こんにちは 😀🎉, 世界\"\n}\n// 中文 ok\n";
    assert_eq!(doc.rope().to_string(), expected);
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "applied", "{finished}");
    assert_eq!(f.server.document_state(&uri).await["text"], expected);
    // The status bar's figures: what the ledger settled.
    let costs = f.server.request_ok("switchboard/costs", Value::Null).await;
    assert_eq!(costs["spent_today"].as_f64(), finished["cost_usd"].as_f64());
    assert!(
        costs["spent_today"].as_f64().is_some_and(|c| c > 0.0),
        "{costs}"
    );
    assert_eq!(costs["running"], 0);
    // The edit is minimal: it does not rewrite the unchanged lines.
    let edits = &params["edit"]["documentChanges"][0]["edits"];
    assert_eq!(edits.as_array().map(Vec::len), Some(1), "{edits}");
    assert_eq!(edits[0]["range"]["start"]["line"], 1);
    assert_eq!(edits[0]["annotationId"], "switchboard");
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implement_applies_exactly_in_utf16() {
    implement_exactly(PositionEncoding::Utf16).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implement_applies_exactly_in_utf8() {
    implement_exactly(PositionEncoding::Utf8).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_actions_name_the_model_and_cost_and_never_call_it() {
    let mut f = Fixture::start("", PositionEncoding::Utf16).await;
    let uri = f.uri("src/greet.rs");
    f.server.open(&uri, "rust", GREET).await;
    let actions = f
        .server
        .request_ok(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri },
                "range": { "start": { "line": 1, "character": 4 }, "end": { "line": 1, "character": 4 } },
                "context": { "diagnostics": [{
                    "range": { "start": { "line": 1, "character": 4 }, "end": { "line": 1, "character": 9 } },
                    "message": "mismatched types", "source": "rustc"
                }] }
            }),
        )
        .await;
    let titles: Vec<String> = actions
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a["title"].as_str().expect("a title").to_string())
        .collect();
    assert!(
        titles[0].starts_with("Implement with coder (~$0.0"),
        "{titles:?}"
    );
    assert!(
        titles[1].starts_with("Review with reviewer (~$"),
        "{titles:?}"
    );
    assert!(
        titles[2].starts_with("Explain with searcher (~$"),
        "{titles:?}"
    );
    assert!(titles[3].starts_with("Plan with planner (~$"), "{titles:?}");
    assert!(titles[4].starts_with("Fix with coder (~$"), "{titles:?}");
    assert_eq!(actions[4]["kind"], "quickfix");
    assert!(f.fake.requests().is_empty(), "listing called a model");
    // An excluded file offers nothing it would run (and says why) and refuses commands.
    let secret = f.uri(".env");
    f.server.open(&secret, "plaintext", "TOKEN=abc\n").await;
    let none = f
        .server
        .request_ok(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": secret }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 3 } }, "context": { "diagnostics": [] } }),
        )
        .await;
    assert_eq!(none, json!([]));
    let told = f.server.notification("window/showMessage").await;
    assert!(
        told["message"]
            .as_str()
            .is_some_and(|m| m.contains(".env is excluded by [privacy] exclude")),
        "{told}"
    );
    let refused = f
        .server
        .request(
            "workspace/executeCommand",
            json!({ "command": "switchboard.implement", "arguments": [{ "uri": secret, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 3 } } }] }),
        )
        .await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("excluded")),
        "{refused}"
    );
    assert!(f.fake.requests().is_empty());
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_above_moves_the_edit_and_typing_inside_refuses_it() {
    // Slow replies: the user types while the model streams.
    let slow = "chunk_chars = 4\ndelay_ms = 60";
    let scenario = format!(
        "{}{}",
        reply(
            "m-coder",
            &fence("    \"bye\"\n"),
            &format!("contains = \"say bye\"\n{slow}")
        ),
        reply(
            "m-coder",
            &fence("fn renamed() -> &'static str {\n"),
            &format!("contains = \"rename it\"\n{slow}")
        ),
    );
    let mut f = Fixture::start(&scenario, PositionEncoding::Utf16).await;
    let uri = f.uri("src/greet.rs");
    f.server.open(&uri, "rust", GREET).await;
    let mut doc = TextDocument::new(GREET, 0);
    f.command("switchboard.implement", &uri, (1, 0, 2, 0), Some("say bye"))
        .await;
    f.accept_progress().await;
    // Above the selection: a new first line.
    let typed = vec![(
        text::Range::new(text::Position::new(0, 0), text::Position::new(0, 0)),
        "// hi\n".to_string(),
    )];
    doc.apply_changes(
        &[ContentChange {
            range: Some(typed[0].0),
            text: &typed[0].1,
        }],
        1,
        PositionEncoding::Utf16,
    )
    .expect("applies");
    f.send_changes(&uri, 1, &typed).await;
    f.apply_edit(&mut [(&uri, &mut doc)]).await;
    let expected = "// hi\nfn greet() -> &'static str {\n    \"bye\"\n}\n// 中文 ok\n";
    assert_eq!(doc.rope().to_string(), expected);
    assert_eq!(f.finished().await["outcome"], "applied");

    // Inside the selection: refused, the user told why, nothing applied.
    f.command(
        "switchboard.implement",
        &uri,
        (1, 0, 2, 0),
        Some("rename it"),
    )
    .await;
    f.accept_progress().await;
    let inside = vec![(
        text::Range::new(text::Position::new(1, 3), text::Position::new(1, 8)),
        "hello".to_string(),
    )];
    f.send_changes(&uri, 3, &inside).await;
    let shown = f.server.notification("window/showMessage").await;
    assert!(
        shown["message"]
            .as_str()
            .is_some_and(|m| m.contains("you edited src/greet.rs near line 2")),
        "{shown}"
    );
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "refused");
    assert_eq!(
        f.server.document_state(&uri).await["text"],
        "// hi\nfn hello() -> &'static str {\n    \"bye\"\n}\n// 中文 ok\n"
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_aborts_the_call_and_applies_nothing() {
    let long = "x".repeat(400);
    let scenario = reply(
        "m-coder",
        &fence(&format!("    \"{long}\"\n")),
        "chunk_chars = 4\ndelay_ms = 50",
    );
    let mut f = Fixture::start(&scenario, PositionEncoding::Utf16).await;
    let uri = f.uri("src/greet.rs");
    f.server.open(&uri, "rust", GREET).await;
    f.command("switchboard.implement", &uri, (1, 0, 2, 0), None)
        .await;
    let token = f.accept_progress().await;
    // Let the stream start, then cancel from the progress's button.
    f.fake
        .wait_for(std::time::Duration::from_secs(10), |r| !r.is_empty())
        .await;
    f.server
        .notify("window/workDoneProgress/cancel", json!({ "token": token }))
        .await;
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "cancelled", "{finished}");
    // The fake saw the client go away before the answer was whole.
    let requests = f
        .fake
        .wait_for(std::time::Duration::from_secs(10), |r| {
            r[0].ended_ms.is_some()
        })
        .await;
    assert!(requests[0].disconnected_early, "{:?}", requests[0]);
    assert!(!requests[0].completed, "{:?}", requests[0]);
    assert_eq!(f.server.document_state(&uri).await["text"], GREET);
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_findings_become_diagnostics_that_move_and_offer_their_fix() {
    let source = "fn get(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n";
    let findings = "```json\n[{\"line\": 2, \"end_line\": 2, \"severity\": \"warning\", \"message\": \"unwrap may panic\", \"fix\": \"    x.unwrap_or(0)\"}]\n```";
    let mut f = Fixture::start(&reply("m-reviewer", findings, ""), PositionEncoding::Utf16).await;
    let uri = f.uri("src/get.rs");
    f.server.open(&uri, "rust", source).await;
    f.command("switchboard.review", &uri, (0, 0, 3, 0), None)
        .await;
    f.accept_progress().await;
    let published = f
        .server
        .notification("textDocument/publishDiagnostics")
        .await;
    let diagnostic = &published["diagnostics"][0];
    assert_eq!(diagnostic["source"], "switchboard");
    assert_eq!(diagnostic["message"], "unwrap may panic (reviewer)");
    // Line 2 (0-based 1) from its start to its end, not into line 3.
    assert_eq!(
        diagnostic["range"],
        json!({ "start": { "line": 1, "character": 0 }, "end": { "line": 1, "character": 14 } })
    );
    assert_eq!(f.finished().await["outcome"], "reviewed");
    // On the next line, the fix is not offered.
    let below = f
        .server
        .request_ok(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 2, "character": 0 }, "end": { "line": 2, "character": 0 } }, "context": { "diagnostics": [] } }),
        )
        .await;
    assert!(
        !below.to_string().contains("Apply reviewer's fix"),
        "{below}"
    );
    // The fix is a quickfix with its edit: no second model call.
    let actions = f
        .server
        .request_ok(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 1, "character": 6 }, "end": { "line": 1, "character": 6 } }, "context": { "diagnostics": [] } }),
        )
        .await;
    let fix = actions
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["title"] == "Apply reviewer's fix: unwrap may panic")
        .expect("the finding's fix");
    assert_eq!(
        fix["edit"]["changes"][&uri][0]["newText"],
        "    x.unwrap_or(0)\n"
    );
    assert_eq!(f.fake.requests().len(), 1);
    // A line typed above moves it; rewriting its line removes it.
    f.server.change(&uri, 1, (0, 0, 0, 0), "// note\n").await;
    let moved = f
        .server
        .notification("textDocument/publishDiagnostics")
        .await;
    assert_eq!(moved["diagnostics"][0]["range"]["start"]["line"], 2);
    f.server
        .change(&uri, 2, (2, 4, 2, 14), "x.expect(\"set\")")
        .await;
    let gone = f
        .server
        .notification("textDocument/publishDiagnostics")
        .await;
    assert_eq!(gone["diagnostics"], json!([]));
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_open_as_documents_with_checked_citations_and_plans_hand_off() {
    let answer = "The greeting is built in `src/greet.rs:1-3`; the tests are in src/missing.rs:4.";
    let plan = "1. Rename greet to hello (src/greet.rs:1).\n2. Keep the emoji. PLAN-MARKER";
    let scenario = format!(
        "{}{}{}",
        reply("m-searcher", answer, ""),
        reply("m-planner", plan, ""),
        reply(
            "m-coder",
            &fence("fn hello() -> &'static str {\n    \"héllo 😀\"\n}\n"),
            ""
        ),
    );
    let mut f = Fixture::start(&scenario, PositionEncoding::Utf16).await;
    f.write("src/greet.rs", GREET);
    let uri = f.uri("src/greet.rs");
    f.server.open(&uri, "rust", GREET).await;
    f.command(
        "switchboard.search",
        &uri,
        (0, 0, 3, 0),
        Some("Where is the greeting built?"),
    )
    .await;
    f.accept_progress().await;
    let (id, shown) = f.server.server_request("window/showDocument").await;
    f.server.respond(id, json!({ "success": true })).await;
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "answered");
    assert_eq!(finished["uri"], shown["uri"]);
    assert_eq!(
        finished["citations"].as_array().map(Vec::len),
        Some(1),
        "{finished}"
    );
    assert_eq!(finished["citations"][0]["uri"], uri);
    assert_eq!(finished["invalid_citations"], json!(["src/missing.rs:4"]));
    let path = finished["path"].as_str().expect("a path");
    assert!(
        Path::new(path).starts_with(f.workspace.path().join(".state")),
        "{path}"
    );
    // A document to read: what was asked, of which lines, by whom, at what cost, its trace;
    // then the answer; then the places it cites as links to the source at the line, with the
    // absolute path (which `gf` opens; a relative one would be read from the answers folder).
    let document = std::fs::read_to_string(path).expect("the answer is written");
    let trace = finished["trace_id"].as_str().expect("a trace");
    let cost = finished["cost_usd"].as_f64().expect("a cost");
    let source = f.workspace.path().join("src/greet.rs");
    let expected_top = format!(
        "# Explain: src/greet.rs:1-3\n\n> Where is the greeting built?\n\n*searcher · ${cost:.4} · trace `{trace}` (`switchboard trace {trace}`)*\n\n---\n\n{answer}\n"
    );
    assert!(document.starts_with(&expected_top), "{document}");
    let link = format!("- [src/greet.rs:1-3]({uri}#L1) `{}:1`\n", source.display());
    assert!(document.contains(&link), "{document}");
    assert!(
        document.contains("could not find these cited places in the workspace: src/missing.rs:4"),
        "{document}"
    );

    // Plan, then Implement plan: the plan reaches the implementing model.
    f.command("switchboard.plan", &uri, (0, 0, 3, 0), Some("Rename greet"))
        .await;
    f.accept_progress().await;
    let (id, _) = f.server.server_request("window/showDocument").await;
    f.server.respond(id, json!({ "success": true })).await;
    assert_eq!(f.finished().await["outcome"], "answered");
    let actions = f
        .server
        .request_ok(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 3, "character": 0 } }, "context": { "diagnostics": [] } }),
        )
        .await;
    let implement_plan = actions
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Implement plan with coder"))
        })
        .expect("an Implement plan action")
        .clone();
    let command = &implement_plan["command"];
    f.server
        .request_ok(
            "workspace/executeCommand",
            json!({ "command": command["command"], "arguments": command["arguments"] }),
        )
        .await;
    f.accept_progress().await;
    let mut doc = TextDocument::new(GREET, 0);
    f.apply_edit(&mut [(&uri, &mut doc)]).await;
    assert_eq!(f.finished().await["outcome"], "applied");
    assert!(doc.rope().to_string().starts_with("fn hello()"));
    let coder_request = f
        .fake
        .requests()
        .into_iter()
        .find(|r| r.model.as_deref() == Some("m-coder"))
        .expect("the coder was asked");
    assert!(
        coder_request.body.to_string().contains("PLAN-MARKER"),
        "the plan was not handed over"
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_replace_blocks_edit_two_files_one_not_open() {
    let a = "pub fn a() -> u8 {\n    1\n}\n";
    let b = "pub fn b() -> u8 {\n    2\n}\n";
    let blocks = "Two changes:\n\nsrc/a.rs\n<<<<<<< SEARCH\n    1\n=======\n    10\n>>>>>>> REPLACE\n\nsrc/b.rs\n<<<<<<< SEARCH\n    2\n=======\n    20\n>>>>>>> REPLACE\n";
    let mut f = Fixture::start(&reply("m-coder", blocks, ""), PositionEncoding::Utf16).await;
    f.write("src/a.rs", a);
    f.write("src/b.rs", b);
    let uri = f.uri("src/a.rs");
    f.server.open(&uri, "rust", a).await;
    let mut doc = TextDocument::new(a, 0);
    f.command(
        "switchboard.implement",
        &uri,
        (0, 0, 3, 0),
        Some("Multiply by ten"),
    )
    .await;
    f.accept_progress().await;
    let params = f.apply_edit(&mut [(&uri, &mut doc)]).await;
    assert_eq!(
        params["edit"]["documentChanges"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(doc.rope().to_string(), "pub fn a() -> u8 {\n    10\n}\n");
    let on_disk = std::fs::read_to_string(f.workspace.path().join("src/b.rs")).expect("b");
    assert_eq!(on_disk, "pub fn b() -> u8 {\n    20\n}\n");
    assert_eq!(f.finished().await["outcome"], "applied");
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_search_block_is_asked_for_once_more_and_applied_with_the_others() {
    let a = "pub fn a() -> u8 {\n    1\n}\n\npub fn b() -> u8 {\n    2\n}\n";
    // The second block's SEARCH has a line the file does not have; the resent one is right.
    let first = "src/a.rs\n<<<<<<< SEARCH\n    1\n=======\n    10\n>>>>>>> REPLACE\n\nsrc/a.rs\n<<<<<<< SEARCH\n    3\n=======\n    30\n>>>>>>> REPLACE\n";
    let resent = "src/a.rs\n<<<<<<< SEARCH\n    2\n=======\n    20\n>>>>>>> REPLACE\n";
    let scenario = format!(
        "{}{}",
        reply(
            "m-coder",
            resent,
            "contains = \"Resend only the blocks below\""
        ),
        reply("m-coder", first, "")
    );
    let mut f = Fixture::start(&scenario, PositionEncoding::Utf16).await;
    let uri = f.uri("src/a.rs");
    f.server.open(&uri, "rust", a).await;
    let mut doc = TextDocument::new(a, 0);
    f.command(
        "switchboard.implement",
        &uri,
        (0, 0, 7, 0),
        Some("Times ten"),
    )
    .await;
    f.accept_progress().await;
    f.apply_edit(&mut [(&uri, &mut doc)]).await;
    assert_eq!(
        doc.rope().to_string(),
        "pub fn a() -> u8 {\n    10\n}\n\npub fn b() -> u8 {\n    20\n}\n"
    );
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "applied");
    let requests = f.fake.requests();
    assert_eq!(requests.len(), 2, "one call and one retry");
    assert!(
        requests[1]
            .body
            .to_string()
            .contains("1 of your 2 SEARCH/REPLACE blocks could not be applied"),
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_in_a_selection_never_reach_the_provider() {
    // Fake secrets in real keys' shapes, built from pieces so none stands in the source.
    const FAKE_AWS_ID: &str = concat!("AKIA", "IOSFODNN7EXAMPLE");
    const FAKE_GITHUB: &str = concat!("ghp_", "FAKEfakeFAKEfakeFAKEfake0123456789");
    let source = format!(
        "fn connect() {{\n    let key = \"{FAKE_AWS_ID}\";\n    let password = \"hunter2-very-secret\";\n    let gh = \"{FAKE_GITHUB}\";\n}}\n"
    );
    let mut f = Fixture::start(
        &reply("m-reviewer", "```json\n[]\n```", ""),
        PositionEncoding::Utf16,
    )
    .await;
    let uri = f.uri("src/connect.rs");
    f.server.open(&uri, "rust", &source).await;
    f.command("switchboard.review", &uri, (0, 0, 5, 0), None)
        .await;
    f.accept_progress().await;
    f.server
        .notification("textDocument/publishDiagnostics")
        .await;
    assert_eq!(f.finished().await["outcome"], "reviewed");
    let sent: String = f
        .fake
        .requests()
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    assert!(sent.contains("fn connect"), "the selection was sent");
    for secret in [FAKE_AWS_ID, "hunter2-very-secret", FAKE_GITHUB] {
        assert!(!sent.contains(secret), "{secret} reached the provider");
    }
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_image_sends_the_image_from_a_markdown_link() {
    let mut f = Fixture::start(
        &reply("m-viewer", "A blue square logo.", ""),
        PositionEncoding::Utf16,
    )
    .await;
    // Not a real picture: the bytes only have to arrive intact.
    let bytes: Vec<u8> = b"\x89PNG\r\n\x1a\nfake-pixels".to_vec();
    std::fs::create_dir_all(f.workspace.path().join("docs/img")).expect("writable");
    std::fs::write(f.workspace.path().join("docs/img/logo.png"), &bytes).expect("writable");
    let readme = "# Title\n\n![logo](img/logo.png)\n";
    f.write("docs/README.md", readme);
    let uri = f.uri("docs/README.md");
    f.server.open(&uri, "markdown", readme).await;
    let actions = f
        .server
        .request_ok(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 2, "character": 3 }, "end": { "line": 2, "character": 3 } }, "context": { "diagnostics": [] } }),
        )
        .await;
    let describe = actions
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Describe image with viewer"))
        })
        .expect("a Describe image action")
        .clone();
    assert_eq!(
        describe["command"]["arguments"][0]["image"],
        "docs/img/logo.png"
    );
    f.server
        .request_ok(
            "workspace/executeCommand",
            json!({ "command": describe["command"]["command"], "arguments": describe["command"]["arguments"] }),
        )
        .await;
    f.accept_progress().await;
    let (id, _) = f.server.server_request("window/showDocument").await;
    f.server.respond(id, json!({ "success": true })).await;
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "answered");
    assert_eq!(finished["markdown"], "A blue square logo.");
    use base64::Engine;
    let sent = f.fake.requests()[0].body.to_string();
    assert!(
        sent.contains(&base64::engine::general_purpose::STANDARD.encode(&bytes)),
        "{sent}"
    );
    f.shutdown().await;
}
