//! The search agent through the language server: a search command with a question looks at the
//! workspace with tools (the fake provider scripts grep, then read) and answers with checked
//! citations; a cancel while it works closes the call in flight and applies nothing.

mod support;

use serde_json::json;
use support::fixture::Fixture;
use text::PositionEncoding;

const CONF: &str = "\"\"\"Settings.\"\"\"\n\nRETRIES = 5\nTIMEOUT = 30\n";
const CLIENT: &str = "from conf import RETRIES\n\n\ndef fetch(url):\n    for attempt in range(RETRIES):\n        pass\n";

const SCENARIO: &str = r#"
[[reply]]
model = "m-searcher"
after_tools = false
tool_calls = [{ name = "grep", arguments = { pattern = "RETRIES" } }]

[[reply]]
model = "m-searcher"
results_contain = "conf.py:3:"
tool_calls = [{ name = "read", arguments = { path = "conf.py", start = 1, end = 4 } }]

[[reply]]
model = "m-searcher"
results_contain = "| RETRIES"
text = "Retries are configured in `conf.py:3` and used by `client.py:5`."
"#;

/// A fixture answering as `scenario`, with `conf.py` on disk and `client.py` open; its URI.
async fn start(scenario: &str) -> (Fixture, String) {
    let mut f = Fixture::start(scenario, PositionEncoding::Utf16).await;
    f.write("conf.py", CONF);
    f.write("client.py", CLIENT);
    let uri = f.uri("client.py");
    f.server.open(&uri, "python", CLIENT).await;
    (f, uri)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_progress_names_each_step_as_it_is_taken() {
    // The read and the answer come half a second late, time for each step's report.
    let slow = SCENARIO
        .replace(
            "results_contain = \"conf.py:3:\"",
            "results_contain = \"conf.py:3:\"\nheaders_delay_ms = 500",
        )
        .replace(
            "results_contain = \"| RETRIES\"",
            "results_contain = \"| RETRIES\"\nheaders_delay_ms = 500",
        );
    let (mut f, uri) = start(&slow).await;
    f.command(
        "switchboard.search",
        &uri,
        (3, 0, 6, 0),
        Some("where is the retry policy configured?"),
    )
    .await;
    f.accept_progress().await;
    let (id, _) = f.server.server_request("window/showDocument").await;
    f.server.respond(id, json!({ "success": true })).await;
    let finished = f.server.notification("switchboard/finished").await;
    assert_eq!(finished["outcome"], "answered", "{finished}");
    let reports: Vec<String> = f
        .server
        .take_unread()
        .iter()
        .filter(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "report")
        .filter_map(|m| m["params"]["value"]["message"].as_str().map(str::to_owned))
        .collect();
    for step in [
        "step 1: grep \"RETRIES\" → 3 hits",
        "step 2: read conf.py:1-4 → 4 lines",
    ] {
        assert!(
            reports
                .iter()
                .any(|r| r.starts_with(&format!("searcher: {step} · "))),
            "no report of {step:?} in {reports:#?}"
        );
    }
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_is_answered_by_the_agent_with_checked_citations() {
    let (mut f, uri) = start(SCENARIO).await;
    let finished = f
        .answer(
            "switchboard.search",
            &uri,
            (3, 0, 6, 0),
            Some("where is the retry policy configured?"),
        )
        .await;
    assert_eq!(finished["outcome"], "answered", "{finished}");
    let located: Vec<(String, u64)> = finished["citations"]
        .as_array()
        .expect("citations")
        .iter()
        .map(|l| {
            (
                l["uri"]
                    .as_str()
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_owned(),
                l["start_line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        located,
        [("conf.py".to_owned(), 3), ("client.py".to_owned(), 5)]
    );
    let requests = f.fake.requests();
    assert_eq!(requests.len(), 3, "grep, read, answer");
    // The first request offers the tools and carries the question with its context.
    let first = requests[0].body.to_string();
    assert!(first.contains("\"name\":\"grep\""), "{first}");
    assert!(
        first.contains("where is the retry policy configured?"),
        "{first}"
    );
    assert!(requests[2].body.to_string().contains("    3 | RETRIES = 5"));
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_mid_agent_closes_the_call_and_applies_nothing() {
    let slow = format!(
        "{SCENARIO}\n[[reply]]\nmodel = \"m-searcher\"\nresults_contain = \"RETRIES\"\ntext = \"x\"\n"
    )
    .replace(
        "after_tools = false\n",
        "after_tools = false\ntext = \"Looking, slowly, at every file of the workspace before calling a tool.\"\nchunk_chars = 2\ndelay_ms = 100\n",
    );
    let (mut f, uri) = start(&slow).await;
    f.command(
        "switchboard.search",
        &uri,
        (3, 0, 6, 0),
        Some("where are retries?"),
    )
    .await;
    f.accept_progress().await;
    f.fake
        .wait_for(std::time::Duration::from_secs(10), |r| !r.is_empty())
        .await;
    let cancelled = f
        .server
        .request_ok(
            "workspace/executeCommand",
            json!({ "command": "switchboard.cancel", "arguments": [] }),
        )
        .await;
    assert_eq!(cancelled["cancelled"].as_array().map(Vec::len), Some(1));
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "cancelled", "{finished}");
    let requests = f
        .fake
        .wait_for(std::time::Duration::from_secs(10), |r| {
            r[0].ended_ms.is_some()
        })
        .await;
    assert_eq!(requests.len(), 1, "no step after the cancel");
    assert!(requests[0].disconnected_early, "{:?}", requests[0]);
    f.shutdown().await;
}

/// Runs a search question with `config` in effect and returns the answer document and the
/// number of requests the fake saw.
async fn ask_with(scenario: &str, config: impl FnOnce(&mut serde_json::Value)) -> (String, usize) {
    let mut f = Fixture::start(scenario, PositionEncoding::Utf16).await;
    let mut settings = support::fixture::config(&f.fake);
    config(&mut settings);
    f.server
        .notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": settings }),
        )
        .await;
    f.write("conf.py", CONF);
    f.write("client.py", CLIENT);
    let uri = f.uri("client.py");
    f.server.open(&uri, "python", CLIENT).await;
    let finished = f
        .answer(
            "switchboard.search",
            &uri,
            (3, 0, 6, 0),
            Some("where are retries?"),
        )
        .await;
    assert_eq!(finished["outcome"], "answered", "{finished}");
    let path = finished["path"].as_str().expect("a path").to_owned();
    let document = std::fs::read_to_string(path).expect("the answer is written");
    let requests = f.fake.requests().len();
    f.shutdown().await;
    (document, requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_step_limit_stops_the_agent_with_a_partial_answer() {
    let (document, requests) = ask_with(SCENARIO, |config| {
        config["agent"] = json!({ "max_steps": 1 });
    })
    .await;
    assert!(
        document.contains("**Partial answer**: the search stopped before the model answered (its limit of 1 step was reached)"),
        "{document}"
    );
    assert!(
        document.contains("- grep \"RETRIES\" → 3 hits"),
        "{document}"
    );
    assert_eq!(
        requests, 2,
        "the step's call, then the one the limit stopped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_stops_the_agent_with_a_partial_answer() {
    // The first step costs $0.0032 of a $0.006 day: the next step's worst case does not fit.
    let costly = SCENARIO.replacen(
        "tool_calls = [{ name = \"grep\", arguments = { pattern = \"RETRIES\" } }]",
        "tool_calls = [{ name = \"grep\", arguments = { pattern = \"RETRIES\" } }]\nusage = { input = 3000, output = 100 }",
        1,
    );
    let (document, requests) = ask_with(&costly, |config| {
        config["budget"] = json!({ "per_day_usd": 0.006 });
    })
    .await;
    assert!(
        document.contains("**Partial answer**: the search stopped before the model answered (the next step was refused:"),
        "{document}"
    );
    assert!(
        document.contains("per_day_usd"),
        "says which cap: {document}"
    );
    assert_eq!(requests, 1, "the refused step never reached the provider");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ai_comment_that_asks_is_the_question() {
    let mut f = Fixture::start(SCENARIO, PositionEncoding::Utf16).await;
    f.write("conf.py", CONF);
    let asking = format!("# AI: where is the retry policy configured?\n{CLIENT}");
    f.write("client.py", &asking);
    let uri = f.uri("client.py");
    f.server.open(&uri, "python", &asking).await;
    // Explain with no instruction: the comment above the lines is the question.
    let finished = f
        .answer("switchboard.search", &uri, (1, 0, 2, 0), None)
        .await;
    assert_eq!(finished["outcome"], "answered", "{finished}");
    assert_eq!(
        finished["steps"].as_array().map(Vec::len),
        Some(2),
        "{finished}"
    );
    let requests = f.fake.requests();
    assert_eq!(requests.len(), 3, "grep, read, answer");
    assert!(
        requests[0]
            .body
            .to_string()
            .contains("where is the retry policy configured?")
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_after_a_paid_step_reports_what_was_spent() {
    // The second step's answer never comes in time: the cancel lands while it is asked.
    let slow = SCENARIO.replace(
        "results_contain = \"conf.py:3:\"",
        "results_contain = \"conf.py:3:\"\nheaders_delay_ms = 30000",
    );
    let (mut f, uri) = start(&slow).await;
    f.command(
        "switchboard.search",
        &uri,
        (3, 0, 6, 0),
        Some("where are retries?"),
    )
    .await;
    f.accept_progress().await;
    f.fake
        .wait_for(std::time::Duration::from_secs(10), |r| r.len() == 2)
        .await;
    f.server
        .request_ok(
            "workspace/executeCommand",
            json!({ "command": "switchboard.cancel", "arguments": [] }),
        )
        .await;
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "cancelled", "{finished}");
    // The first step was paid for; the cancelled one is not.
    assert_eq!(finished["calls"], 1, "{finished}");
    assert!(
        finished["cost_usd"].as_f64().is_some_and(|cost| cost > 0.0),
        "{finished}"
    );
    f.shutdown().await;
}
