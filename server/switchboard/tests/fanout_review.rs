//! Review by several models at once (`[review] fanout = 2`) through the language server: two
//! fake reviewers agree on one finding and only one reports another; the findings are merged by
//! line overlap and meaning, marked with their agreement and the highest severity, both calls
//! are in the trace and their costs summed; a budget that pays for one review but not two
//! refuses before either is sent.

mod support;

use serde_json::{Value, json};
use support::fixture::{ClientSetup, Fixture, reply};
use text::PositionEncoding;

const SOURCE: &str =
    "def ratio(a, b):\n    return a / b\n\n\ndef show(name, value):\n    print(value)\n";

/// The first reviewer: the division (a warning), and an unused parameter.
const FIRST: &str = "```json\n[{\"line\": 2, \"severity\": \"warning\", \"message\": \"Possible division by zero when `b` is 0\"}, {\"line\": 5, \"severity\": \"hint\", \"message\": \"The parameter `name` is never used\"}]\n```";
/// The second: the same division, worded its own way, as an error; nothing else.
const SECOND: &str = "```json\n[{\"line\": 2, \"severity\": \"error\", \"message\": \"`b` may be zero here, which divides by zero\"}]\n```";

fn two_reviewers(config: &mut Value) {
    config["models"]["reviewer2"] = json!({ "provider": "fake", "name": "m-reviewer2", "price": { "input": 1.0, "output": 2.0 }, "context_window": 100000, "max_output_tokens": 2000 });
    config["roles"]["review"] = json!(["reviewer", "reviewer2"]);
    config["review"] = json!({ "fanout": 2 });
}

fn two_reviewers_one_budget(config: &mut Value) {
    two_reviewers(config);
    // One review's worst case is under a cent; two are over it.
    config["budget"] = json!({ "per_day_usd": 0.006 });
}

fn scenario() -> String {
    format!(
        "{}{}",
        reply("m-reviewer", FIRST, ""),
        reply("m-reviewer2", SECOND, "")
    )
}

async fn start(adjust: fn(&mut Value)) -> Fixture {
    let setup = ClientSetup {
        adjust: Some(adjust),
        ..ClientSetup::default()
    };
    let f = Fixture::start_setup(&scenario(), PositionEncoding::Utf16, setup).await;
    f.write("ratio.py", SOURCE);
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reviewers_are_merged_by_agreement() {
    let mut f = start(two_reviewers).await;
    let uri = f.uri("ratio.py");
    f.server.open(&uri, "python", SOURCE).await;
    // The action names both models, and both costs together.
    let review = f
        .code_actions(&uri, (0, 0, 6, 0), json!([]))
        .await
        .iter()
        .filter_map(|a| a["title"].as_str())
        .find(|t| t.starts_with("Review with"))
        .unwrap_or_default()
        .to_owned();
    assert!(
        review.starts_with("Review with reviewer + reviewer2 (~$"),
        "{review}"
    );
    f.command("switchboard.review", &uri, (0, 0, 6, 0), None)
        .await;
    f.accept_progress().await;
    let published = f
        .server
        .notification("textDocument/publishDiagnostics")
        .await;
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "reviewed", "{finished}");

    // Both models were asked the same request, once each.
    let requests = f.fake.requests();
    assert_eq!(requests.len(), 2);
    let mut models: Vec<String> = requests
        .iter()
        .filter_map(|r| r.body["model"].as_str().map(str::to_owned))
        .collect();
    models.sort();
    assert_eq!(models, ["m-reviewer", "m-reviewer2"]);
    assert_eq!(requests[0].body["messages"], requests[1].body["messages"]);

    // The division: both, at the highest severity (error = 1) and in the words of the model
    // that rated it so; the unused name: one of two.
    let diagnostics = published["diagnostics"].as_array().expect("diagnostics");
    let shown: Vec<(u64, u64, &str)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["range"]["start"]["line"].as_u64().unwrap_or(99),
                d["severity"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (
                1,
                1,
                "`b` may be zero here, which divides by zero (2 of 2 models: reviewer, reviewer2)"
            ),
            (
                4,
                4,
                "The parameter `name` is never used (1 of 2 models: reviewer)"
            ),
        ],
        "{published}"
    );
    assert_eq!(finished["findings"].as_array().map(Vec::len), Some(2));
    assert_eq!(finished["findings"][0]["severity"], "error");
    assert_eq!(finished["model"], "reviewer + reviewer2");
    assert_eq!(finished["calls"], 2);

    // Both calls are in the trace, and the cost is theirs together.
    let ledger =
        ledger::Ledger::open(&f.workspace.path().join(".state/ledger.sqlite")).expect("the ledger");
    let trace_id = finished["trace_id"].as_str().expect("a trace id");
    let trace = ledger.trace(trace_id).expect("read").expect("a trace");
    let mut billed: Vec<&str> = trace.calls.iter().map(|c| c.model.as_str()).collect();
    billed.sort_unstable();
    assert_eq!(billed, ["reviewer", "reviewer2"]);
    let summed: f64 = trace.calls.iter().map(|c| c.cost_usd).sum();
    let cost = finished["cost_usd"].as_f64().expect("a cost");
    assert!(
        cost > 0.0 && (cost - summed).abs() < 1e-9,
        "{cost} vs {summed}"
    );
    assert!(
        trace.details.iter().any(|d| d.kind == "fanout"),
        "{:?}",
        trace.details
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_for_one_review_refuses_both_before_either_is_sent() {
    let mut f = start(two_reviewers_one_budget).await;
    let uri = f.uri("ratio.py");
    f.server.open(&uri, "python", SOURCE).await;
    let refused = f
        .server
        .request(
            "workspace/executeCommand",
            json!({ "command": "switchboard.review", "arguments": [{ "uri": uri, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 6, "character": 0 } } }] }),
        )
        .await;
    let finished = match refused.get("error") {
        // Refused when the command arrives: the route names the cap.
        Some(error) => error["message"].as_str().unwrap_or("").to_owned(),
        None => {
            f.accept_progress().await;
            let told = f.server.notification("window/showMessage").await;
            assert!(
                told["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("per_day_usd")),
                "{told}"
            );
            let finished = f.finished().await;
            assert_eq!(finished["outcome"], "failed", "{finished}");
            finished["message"].as_str().unwrap_or("").to_owned()
        }
    };
    assert!(finished.contains("per_day_usd"), "{finished}");
    assert_eq!(f.fake.requests().len(), 0, "nothing may be sent");
    f.shutdown().await;
}
