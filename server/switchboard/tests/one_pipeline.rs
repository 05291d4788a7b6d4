//! One pipeline: the same reply gives the same `Outcome` through the language server (its
//! `switchboard/finished`) and through `switchboard run --json` (both go through
//! `tasks::job::answer` and render `tasks::outcome::Outcome`): the same edit, the same findings,
//! the same model, calls and cost, and the same retry when a block fails.

mod support;

use serde_json::Value;
use support::cli::Sandbox;
use support::fixture::{Fixture, reply};
use text::{PositionEncoding, TextDocument};

const SOURCE: &str =
    "def add(a, b):\n    # TODO: add them\n    pass\n\n\ndef main():\n    print(add(1, 2))\n";

/// A reply whose first block matches nowhere: both paths ask once more and apply the resent
/// block on top of the one that matched.
const FIRST: &str = "calc.py\n<<<<<<< SEARCH\n    # TODO: add them\n    pass\n=======\n    return a + b\n>>>>>>> REPLACE\n\ncalc.py\n<<<<<<< SEARCH\n    print(add(1, 3))\n=======\n    print(add(2, 2))\n>>>>>>> REPLACE\n";
const RESENT: &str = "calc.py\n<<<<<<< SEARCH\n    print(add(1, 2))\n=======\n    print(add(2, 2))\n>>>>>>> REPLACE\n";
const EXPECTED: &str = "def add(a, b):\n    return a + b\n\n\ndef main():\n    print(add(2, 2))\n";

fn scenario() -> String {
    // The first request gets FIRST; the retry (its last message names the failed block) gets
    // RESENT.
    format!(
        "{}{}",
        reply("m-coder", RESENT, "contains = \"print(add(1, 3))\""),
        reply("m-coder", FIRST, "")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_and_run_give_the_same_edit_for_the_same_reply() {
    // Through the language server.
    let mut f = Fixture::start(&scenario(), PositionEncoding::Utf16).await;
    f.write("calc.py", SOURCE);
    let uri = f.uri("calc.py");
    f.server.open(&uri, "python", SOURCE).await;
    f.command("switchboard.implement", &uri, (0, 0, 3, 0), None)
        .await;
    f.accept_progress().await;
    let mut doc = TextDocument::new(SOURCE, 0);
    f.apply_edit(&mut [(&uri, &mut doc)]).await;
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "applied", "{finished}");
    assert_eq!(doc.rope().to_string(), EXPECTED);
    let server_requests = f.fake.requests().len();
    let server_cost = finished["cost_usd"].as_f64().expect("a cost");
    f.shutdown().await;

    // Through `switchboard run --apply`, against a fake with the same scenario.
    let fake = support::cli::fake(&format!("[auth]\nrequired = false\n\n{}", scenario())).await;
    let sandbox = Sandbox::new();
    sandbox.write(
        ".switchboard.toml",
        &format!(
            "[providers.fake]\nkind = \"ollama\"\nbase_url = \"{}\"\nmax_retries = 0\n\n[models.coder]\nprovider = \"fake\"\nname = \"m-coder\"\nprice = {{ input = 1.0, output = 2.0 }}\ncontext_window = 100000\nmax_output_tokens = 2000\n\n[roles]\nimplement = [\"coder\"]\n\n[edits]\nretry_failed_blocks = true\n",
            fake.url()
        ),
    );
    sandbox.write("calc.py", SOURCE);
    let run = tokio::task::block_in_place(|| {
        sandbox.run(&["run", "implement", "calc.py:1-3", "--apply", "--json"])
    });
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(out["outcome"], "applied", "{out}");
    assert_eq!(
        std::fs::read_to_string(sandbox.path().join("calc.py")).expect("calc.py"),
        EXPECTED
    );
    // The same calls (the first and the retry) and the same cost.
    assert_eq!(fake.requests().len(), server_requests);
    assert_eq!(server_requests, 2);
    let run_cost = out["cost_usd"].as_f64().expect("a cost");
    assert!(
        (run_cost - server_cost).abs() < 1e-12,
        "{run_cost} vs {server_cost}"
    );
    assert_eq!(out["model"], finished["model"]);
    // One Outcome: everything but the trace id is the same, field for field.
    assert_eq!(out["calls"], 2);
    assert_eq!(without_trace(out), without_trace(finished));
}

/// An outcome without its trace id, which differs from run to run.
fn without_trace(mut outcome: Value) -> Value {
    let id = outcome
        .as_object_mut()
        .and_then(|o| o.remove("trace_id"))
        .expect("a trace id");
    assert!(id.as_str().is_some_and(|id| !id.is_empty()), "{id}");
    outcome
}

const REVIEWED: &str = "def div(a, b):\n    return a / b\n";
const FINDINGS: &str = "```json\n[{\"line\": 2, \"severity\": \"warning\", \"message\": \"division by zero when b is 0\", \"fix\": \"    return a / b if b else 0\"}]\n```";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_and_run_give_the_same_outcome_for_the_same_review() {
    let scenario = reply("m-reviewer", FINDINGS, "");
    let mut f = Fixture::start(&scenario, PositionEncoding::Utf16).await;
    f.write("div.py", REVIEWED);
    let uri = f.uri("div.py");
    f.server.open(&uri, "python", REVIEWED).await;
    f.command("switchboard.review", &uri, (0, 0, 2, 0), None)
        .await;
    f.accept_progress().await;
    let published = f
        .server
        .notification("textDocument/publishDiagnostics")
        .await;
    assert_eq!(published["diagnostics"].as_array().map(Vec::len), Some(1));
    let finished = f.finished().await;
    f.shutdown().await;

    // The same config, as the file `run` reads, against a fake with the same scenario.
    let fake = support::cli::fake(&format!("[auth]\nrequired = false\n\n{scenario}")).await;
    let sandbox = Sandbox::new();
    sandbox.write(
        ".switchboard.toml",
        &toml::to_string(&support::fixture::config(&fake)).expect("the config as toml"),
    );
    sandbox.write("div.py", REVIEWED);
    let run =
        tokio::task::block_in_place(|| sandbox.run(&["run", "review", "div.py:1-2", "--json"]));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(out["outcome"], "reviewed", "{out}");
    assert_eq!(
        out["findings"][0]["message"],
        "division by zero when b is 0"
    );
    assert_eq!(without_trace(out), without_trace(finished));
}
