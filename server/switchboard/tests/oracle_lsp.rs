//! The oracle through the language server: "Second opinion" on a plan and on the last AI edit.
//! The plan, or the edit's diff, goes to the oracle's model with the packet; its answer opens
//! as a document and its concerns become diagnostics on the lines they name. Nothing is edited.

mod support;

use serde_json::{Value, json};
use support::fixture::{ClientSetup, Fixture, fence, reply};
use text::{PositionEncoding, TextDocument};

const SOURCE: &str = "def mean(values):\n    # TODO: average them\n    pass\n";

const PLAN: &str = "1. Sum the values and divide by their count (calc.py:1-3).";
const OPINION_ON_PLAN: &str = "The plan is unsound for an empty list: it divides by zero.\n\n```json\n[{\"line\": 1, \"severity\": \"warning\", \"message\": \"mean([]) divides by zero; decide what an empty list gives\"}]\n```";
const OPINION_ON_EDIT: &str = "The edit divides by `len(values)`, which is 0 for an empty list.\n\n```json\n[{\"line\": 2, \"end_line\": 2, \"severity\": \"error\", \"message\": \"ZeroDivisionError on an empty list\"}]\n```";

fn with_oracle(config: &mut Value) {
    config["models"]["oracle"] = json!({ "provider": "fake", "name": "m-oracle", "price": { "input": 5.0, "output": 25.0 }, "context_window": 100000, "max_output_tokens": 2000 });
    config["roles"]["oracle"] = json!(["oracle"]);
}

fn scenario() -> String {
    let edit = fence("def mean(values):\n    return sum(values) / len(values)\n");
    [
        reply("m-planner", PLAN, ""),
        reply("m-coder", &edit, ""),
        reply(
            "m-oracle",
            OPINION_ON_PLAN,
            "contains = \"The plan to judge\"",
        ),
        reply(
            "m-oracle",
            OPINION_ON_EDIT,
            "contains = \"The last AI edit to judge\"",
        ),
    ]
    .concat()
}

async fn start() -> (Fixture, String) {
    let setup = ClientSetup {
        adjust: Some(with_oracle),
        ..ClientSetup::default()
    };
    let mut f = Fixture::start_setup(&scenario(), PositionEncoding::Utf16, setup).await;
    f.write("calc.py", SOURCE);
    let uri = f.uri("calc.py");
    f.server.open(&uri, "python", SOURCE).await;
    (f, uri)
}

/// The titles of the second-opinion actions offered on the lines before `end`.
async fn second_opinions(f: &mut Fixture, uri: &str, end: u32) -> Vec<(String, Value)> {
    f.code_actions(uri, (0, 0, end, 0), json!([]))
        .await
        .into_iter()
        .filter(|a| {
            a["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Second opinion"))
        })
        .map(|a| {
            (
                a["title"].as_str().unwrap_or("").to_owned(),
                a["command"].clone(),
            )
        })
        .collect()
}

/// Runs an offered action's command to its end: its `switchboard/finished`, the diagnostics
/// it published, and the text of the last request the provider got.
async fn run(f: &mut Fixture, command: Value) -> (Value, Value, String) {
    f.server
        .request_ok("workspace/executeCommand", command)
        .await;
    f.accept_progress().await;
    let published = f
        .server
        .notification("textDocument/publishDiagnostics")
        .await;
    let (id, shown) = f.server.server_request("window/showDocument").await;
    f.server.respond(id, json!({ "success": true })).await;
    assert!(
        shown["uri"].as_str().is_some_and(|u| u.ends_with(".md")),
        "{shown}"
    );
    let finished = f.finished().await;
    let asked = f
        .fake
        .requests()
        .last()
        .expect("a request")
        .body
        .to_string();
    (finished, published, asked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_opinion_on_a_plan() {
    let (mut f, uri) = start().await;
    assert_eq!(
        second_opinions(&mut f, &uri, 3).await.len(),
        1,
        "only the selection before a plan or an edit"
    );
    let planned = f.answer("switchboard.plan", &uri, (0, 0, 3, 0), None).await;
    assert_eq!(planned["outcome"], "answered", "{planned}");

    let offered = second_opinions(&mut f, &uri, 3).await;
    let titles: Vec<&str> = offered.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(
        titles[1].starts_with("Second opinion on the plan with oracle"),
        "{titles:?}"
    );
    let (finished, published, request) = run(&mut f, offered[1].1.clone()).await;
    assert_eq!(finished["outcome"], "answered", "{finished}");
    assert_eq!(finished["role"], "oracle");
    assert_eq!(finished["model"], "oracle");
    assert!(
        finished["markdown"]
            .as_str()
            .is_some_and(|m| m.starts_with("The plan is unsound")),
        "{finished}"
    );
    // The plan went to the oracle with the packet.
    assert!(request.contains("The plan to judge"), "{request}");
    assert!(request.contains("Sum the values and divide"), "{request}");
    // Its concern is a diagnostic on line 1, naming the oracle.
    assert_eq!(
        published["diagnostics"][0]["message"],
        "mean([]) divides by zero; decide what an empty list gives (oracle)"
    );
    assert_eq!(published["diagnostics"][0]["range"]["start"]["line"], 0);
    assert_eq!(finished["concerns"].as_array().map(Vec::len), Some(1));
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_opinion_on_the_last_ai_edit() {
    let (mut f, uri) = start().await;
    f.command(
        "switchboard.implement",
        &uri,
        (0, 0, 3, 0),
        Some("average them"),
    )
    .await;
    f.accept_progress().await;
    let mut doc = TextDocument::new(SOURCE, 0);
    f.apply_edit(&mut [(&uri, &mut doc)]).await;
    assert_eq!(f.finished().await["outcome"], "applied");
    // The fixture sent the edit back as `didChange`, as an editor does.
    let edited = doc.rope().to_string();

    let offered = second_opinions(&mut f, &uri, 2).await;
    let on_edit = offered
        .iter()
        .find(|(title, _)| title.starts_with("Second opinion on the last AI edit with oracle"))
        .unwrap_or_else(|| panic!("{offered:?}"));
    let (finished, published, request) = run(&mut f, on_edit.1.clone()).await;
    assert_eq!(finished["outcome"], "answered", "{finished}");
    // The edit's diff went to the oracle.
    assert!(
        request.contains("The last AI edit to judge (implement by coder"),
        "{request}"
    );
    assert!(
        request.contains("+    return sum(values) / len(values)"),
        "{request}"
    );
    assert_eq!(
        published["diagnostics"][0]["message"],
        "ZeroDivisionError on an empty list (oracle)"
    );
    assert_eq!(published["diagnostics"][0]["severity"], 1);
    // Read-only: the document is as the edit left it, and no edit was asked for.
    assert_eq!(doc.rope().to_string(), edited);
    f.shutdown().await;
}

const RATIO: &str = "def ratio(a, b):\n    return a / b\n";
const WHY: &str = "Both fixes hide a zero `b` instead of refusing it, so the checker still sees a division that can fail.\n\n```json\n[{\"line\": 2, \"severity\": \"error\", \"message\": \"a zero b is the caller's error: raise ValueError\"}]\n```";

fn with_oracle_after_two_fixes(config: &mut Value) {
    with_oracle(config);
    config["oracle"] = json!({ "when": ["fix_failed_twice"] });
}

/// The quick fixes offered for `diagnostic` on line 2.
async fn quickfixes(f: &mut Fixture, uri: &str, diagnostic: &Value) -> Vec<Value> {
    // The diagnostic's range: line 2, whole.
    f.code_actions(uri, (1, 0, 2, 0), json!([diagnostic]))
        .await
        .into_iter()
        .filter(|a| a["kind"] == "quickfix")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_problem_that_survives_two_fixes_goes_to_the_oracle() {
    let scenario = [
        reply("m-oracle", WHY, "contains = \"survived two AI fixes\""),
        reply(
            "m-coder",
            &fence("    return a / max(b, 1)\n"),
            "contains = \"(b or 1)\"",
        ),
        reply("m-coder", &fence("    return a / (b or 1)\n"), ""),
    ]
    .concat();
    let setup = ClientSetup {
        adjust: Some(with_oracle_after_two_fixes),
        ..ClientSetup::default()
    };
    let mut f = Fixture::start_setup(&scenario, PositionEncoding::Utf16, setup).await;
    f.write("ratio.py", RATIO);
    let uri = f.uri("ratio.py");
    f.server.open(&uri, "python", RATIO).await;
    // A checker's diagnostic that no fix makes go away.
    let diagnostic = json!({
        "range": { "start": { "line": 1, "character": 0 }, "end": { "line": 2, "character": 0 } },
        "severity": 2,
        "source": "checker",
        "message": "possible division by zero"
    });
    let mut doc = TextDocument::new(RATIO, 0);
    for round in 1..=2 {
        let fixes = quickfixes(&mut f, &uri, &diagnostic).await;
        assert_eq!(fixes.len(), 1, "round {round}: {fixes:?}");
        assert!(
            fixes[0]["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Fix with coder")),
            "round {round}: {}",
            fixes[0]["title"]
        );
        f.server
            .request_ok("workspace/executeCommand", fixes[0]["command"].clone())
            .await;
        f.accept_progress().await;
        f.apply_edit(&mut [(&uri, &mut doc)]).await;
        assert_eq!(f.finished().await["outcome"], "applied", "round {round}");
    }
    assert!(doc.rope().to_string().contains("max(b, 1)"));

    // Still reported after two fixes: the quick fix asks the oracle why, naming its model.
    let fixes = quickfixes(&mut f, &uri, &diagnostic).await;
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    let title = fixes[0]["title"].as_str().unwrap_or("");
    assert!(
        title.starts_with("Second opinion on a fix that failed twice with oracle"),
        "{title}"
    );
    let (finished, published, asked) = run(&mut f, fixes[0]["command"].clone()).await;
    assert_eq!(finished["role"], "oracle", "{finished}");
    assert_eq!(finished["outcome"], "answered", "{finished}");
    assert!(asked.contains("possible division by zero"), "{asked}");
    assert!(asked.contains("The last AI edit to judge"), "{asked}");
    assert_eq!(
        published["diagnostics"][0]["message"],
        "a zero b is the caller's error: raise ValueError (oracle)"
    );
    // Three calls in all: two fixes and the oracle; no third fix.
    assert_eq!(f.fake.requests().len(), 3);
    f.shutdown().await;
}
