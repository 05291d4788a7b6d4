//! The server tells the user what happened: a job ends with a message naming its outcome,
//! model, cost and trace id (unless the client shows that itself); an action that cannot run
//! now stays listed, disabled with its reason, where the client can show that, and is told
//! once with a message where it cannot (Helix hides disabled actions).

mod support;

use serde_json::{Value, json};
use support::fixture::{ClientSetup, Fixture, reply};
use text::PositionEncoding;

const CODE: &str = "def get(x):\n    return x.value\n";
const FINDINGS: &str = "```json\n[{\"line\": 2, \"end_line\": 2, \"severity\": \"warning\", \"message\": \"x may be None\"}]\n```";

async fn list(f: &mut Fixture, uri: &str) -> Value {
    f.server
        .request_ok(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri },
                "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 2, "character": 0 } },
                "context": { "diagnostics": [] }
            }),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_ends_with_a_message_naming_outcome_model_cost_and_trace() {
    let setup = ClientSetup {
        shows_results: false,
        ..ClientSetup::default()
    };
    let mut f = Fixture::start_setup(
        &reply("m-reviewer", FINDINGS, ""),
        PositionEncoding::Utf16,
        setup,
    )
    .await;
    let uri = f.uri("get.py");
    f.write("get.py", CODE);
    f.server.open(&uri, "python", CODE).await;
    let started = f
        .command("switchboard.review", &uri, (0, 0, 2, 0), None)
        .await;
    f.accept_progress().await;
    let told = f.server.notification("window/showMessage").await;
    let finished = f.server.notification("switchboard/finished").await;
    let trace = started["trace_id"].as_str().expect("a trace id");
    assert_eq!(finished["trace_id"], trace);
    assert_eq!(told["type"], 3, "an Info message: {told}");
    let cost = finished["cost_usd"].as_f64().expect("a cost");
    assert_eq!(
        told["message"],
        format!(
            "switchboard: review by reviewer: 1 finding, in the diagnostics · ${cost:.4} · trace {trace}"
        )
    );
    f.server.take_unread();
    f.shutdown().await;
}

/// A config whose day budget is spent before anything runs: every action is over budget.
fn broke(f: &Fixture) -> Value {
    let mut config = support::fixture::config(&f.fake);
    config["budget"] = json!({ "per_day_usd": 0.000001 });
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_over_budget_stays_listed_disabled_with_its_reason() {
    let setup = ClientSetup {
        disabled_support: true,
        ..ClientSetup::default()
    };
    let mut f = Fixture::start_setup("", PositionEncoding::Utf16, setup).await;
    let config = broke(&f);
    f.server
        .notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": config }),
        )
        .await;
    let uri = f.uri("get.py");
    f.server.open(&uri, "python", CODE).await;
    let listed = list(&mut f, &uri).await;
    let review = listed
        .as_array()
        .expect("actions")
        .iter()
        .find(|action| {
            action["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Review"))
        })
        .unwrap_or_else(|| panic!("Review is listed: {listed}"));
    let reason = review["disabled"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("over budget"), "{reason}");
    // The gist in the title too: some menus show the reason only on hover.
    assert_eq!(
        review["title"], "Review with switchboard (unavailable: over budget)",
        "{review}"
    );
    assert!(
        reason.contains("per_day_usd"),
        "says what to raise: {reason}"
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_cannot_show_a_disabled_action_is_told_why_once() {
    for name in ["test-client", "helix"] {
        // A client without disabledSupport, and Helix, which claims it but hides them.
        let setup = ClientSetup {
            disabled_support: name == "helix",
            name,
            ..ClientSetup::default()
        };
        let mut f = Fixture::start_setup("", PositionEncoding::Utf16, setup).await;
        let config = broke(&f);
        f.server
            .notify(
                "workspace/didChangeConfiguration",
                json!({ "settings": config }),
            )
            .await;
        let uri = f.uri("get.py");
        f.server.open(&uri, "python", CODE).await;
        let listed = list(&mut f, &uri).await;
        assert_eq!(listed, json!([]), "{name}: nothing it would run anyway");
        let told = f.server.notification("window/showMessage").await;
        let message = told["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("switchboard: unavailable here now: Implement: ")
                && message.contains("over budget"),
            "{name}: {message}"
        );
        // Listed again: not told again.
        assert_eq!(list(&mut f, &uri).await, json!([]));
        f.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_of_the_config_on_disk_disables_actions_without_a_restart() {
    // The client watches no files (Neovim on Linux): the server's own watcher reloads.
    let mut f = Fixture::start("", PositionEncoding::Utf16).await;
    let uri = f.uri("get.py");
    f.write("get.py", CODE);
    f.server.open(&uri, "python", CODE).await;
    assert_eq!(list(&mut f, &uri).await.as_array().map(Vec::len), Some(4));
    let config = "[budget]\nper_request_usd = 0.000001\n";
    f.write(".switchboard.toml", config);
    let start = std::time::Instant::now();
    loop {
        let listed = list(&mut f, &uri).await;
        if listed == json!([]) {
            break;
        }
        assert!(start.elapsed().as_secs() < 20, "still listed: {listed}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let told = f.server.notification("window/showMessage").await;
    let message = told["message"].as_str().unwrap_or_default();
    assert!(message.contains("per_request_usd"), "{message}");
    f.shutdown().await;
}

/// `switchboard.cancel` (what Helix runs with `:lsp-workspace-command`, Neovim with
/// `:SwitchboardCancel`) stops the running job: the call is dropped, nothing is applied, and
/// the user is told. Its progress named the model, the tokens and the dollars so far.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cancel_command_stops_a_running_job_and_says_so() {
    let long = "x = 1\n".repeat(200);
    let scenario = reply(
        "m-coder",
        &format!("```python\n{long}```"),
        "chunk_chars = 6\ndelay_ms = 30",
    );
    let setup = ClientSetup {
        shows_results: false,
        ..ClientSetup::default()
    };
    let mut f = Fixture::start_setup(&scenario, PositionEncoding::Utf16, setup).await;
    let uri = f.uri("get.py");
    f.write("get.py", CODE);
    f.server.open(&uri, "python", CODE).await;
    let started = f
        .command("switchboard.implement", &uri, (0, 0, 2, 0), None)
        .await;
    let trace = started["trace_id"].as_str().expect("a trace").to_owned();
    f.accept_progress().await;
    // Progress once the stream moved (reported once a second): model, tokens, dollars.
    let report = loop {
        let progress = f.server.notification("$/progress").await;
        if progress["value"]["kind"] == "report" {
            break progress["value"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
    };
    assert!(
        report.starts_with("coder: ~")
            && report.contains(" tokens, ~$")
            && report.ends_with(" so far"),
        "{report}"
    );
    let answer = f
        .server
        .request_ok(
            "workspace/executeCommand",
            json!({ "command": "switchboard.cancel", "arguments": [] }),
        )
        .await;
    assert_eq!(answer["cancelled"], json!([trace]));
    let told = f.server.notification("window/showMessage").await;
    assert_eq!(
        told["message"],
        format!(
            "switchboard: implement by coder: cancelled, nothing applied · $0.0000 · trace {trace}"
        )
    );
    let finished = f.server.notification("switchboard/finished").await;
    assert_eq!(finished["outcome"], "cancelled");
    assert_eq!(f.server.document_state(&uri).await["text"], CODE);
    // Nothing left to cancel.
    let again = f
        .server
        .request_ok(
            "workspace/executeCommand",
            json!({ "command": "switchboard.cancel", "arguments": [trace] }),
        )
        .await;
    assert_eq!(again["cancelled"], json!([]));
    f.server.take_unread();
    f.shutdown().await;
}
