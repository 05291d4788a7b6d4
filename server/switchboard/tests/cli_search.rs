//! The search agent through the real binary (`switchboard run search --question`), against the
//! fake provider scripting tool calls: a question answered after grep → read steps, with its
//! citations checked; the step, dollar and token limits each stop it with a partial answer
//! marked as such; every step is in the trace.

mod support;

use providers::fake::FakeProvider;
use serde_json::Value;
use support::cli::{Run, Sandbox};

const CONF: &str = "\"\"\"Settings.\"\"\"\n\nRETRIES = 5\nTIMEOUT = 30\n";
const CLIENT: &str = "from conf import RETRIES\n\n\ndef fetch(url):\n    for attempt in range(RETRIES):\n        pass\n";

/// grep, then read what grep found, then the answer.
const SCENARIO: &str = r#"
[auth]
required = false

[[reply]]
model = "m-searcher"
after_tools = false
text = "Looking for it."
tool_calls = [{ name = "grep", arguments = { pattern = "RETRIES" } }]
usage = { input = 900, output = 30 }

[[reply]]
model = "m-searcher"
results_contain = "conf.py:3:"
tool_calls = [{ name = "read", arguments = { path = "conf.py", start = 1, end = 4 } }]
usage = { input = 1100, output = 20 }

[[reply]]
model = "m-searcher"
results_contain = "| RETRIES"
text = "Retries are configured in `conf.py:3` (`RETRIES = 5`) and used by `client.py:5`."
usage = { input = 1300, output = 40 }
"#;

async fn fake() -> FakeProvider {
    support::cli::fake(SCENARIO).await
}

fn sandbox(fake: &FakeProvider) -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".switchboard.toml",
        &format!(
            "[providers.fake]\nkind = \"ollama\"\nbase_url = \"{}\"\nmax_retries = 0\n\n[models.searcher]\nprovider = \"fake\"\nname = \"m-searcher\"\nprice = {{ input = 1.0, output = 2.0 }}\n\n[roles]\nsearch = [\"searcher\"]\n",
            fake.url()
        ),
    );
    sandbox.write("conf.py", CONF);
    sandbox.write("client.py", CLIENT);
    sandbox
}

fn ask(sandbox: &Sandbox, extra: &[&str]) -> Run {
    let mut args = vec![
        "run",
        "search",
        "--question",
        "where is the retry policy configured?",
    ];
    args.extend_from_slice(extra);
    tokio::task::block_in_place(|| sandbox.run(&args))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_is_answered_after_grep_and_read_with_checked_citations() {
    let fake = fake().await;
    let sandbox = sandbox(&fake);
    let run = ask(&sandbox, &["--json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(out["outcome"], "answered");
    assert_eq!(out["partial"], Value::Null, "{out}");
    assert_eq!(out["calls"], 3);
    let steps: Vec<String> = out["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            format!(
                "{} {} → {}",
                s["tool"].as_str().unwrap_or(""),
                s["call"].as_str().unwrap_or(""),
                s["result"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        steps,
        ["grep \"RETRIES\" → 3 hits", "read conf.py:1-4 → 4 lines"]
    );
    let cited: Vec<(String, u64)> = out["citations"]
        .as_array()
        .expect("citations")
        .iter()
        .map(|c| {
            (
                c["label"].as_str().unwrap_or("").to_owned(),
                c["start_line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        cited,
        [("conf.py".to_owned(), 3), ("client.py".to_owned(), 5)]
    );
    assert_eq!(out["invalid_citations"], serde_json::json!([]));
    // What the tools gave went back to the model: the read's numbered lines are in the last
    // request.
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[2].body.to_string().contains("    3 | RETRIES = 5"));
    // Each step is in the trace.
    let trace = out["trace_id"].as_str().expect("a trace");
    let shown = tokio::task::block_in_place(|| sandbox.run(&["trace", trace]));
    assert_eq!(shown.code, Some(0), "{}", shown.stderr);
    assert_eq!(
        shown.stdout.matches("agent_step").count(),
        2,
        "{}",
        shown.stdout
    );
    // Each step's request carries what the tools gave before it: its worst case, reserved
    // before it is sent, grows step by step.
    let reserved: Vec<f64> = shown
        .stdout
        .split("(worst case $")
        .skip(1)
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect();
    assert_eq!(reserved.len(), 3, "{}", shown.stdout);
    assert!(
        reserved.windows(2).all(|pair| pair[0] < pair[1]),
        "{reserved:?}"
    );
    // In words, as the progress said them.
    assert!(
        shown.stdout.contains("step 1: grep \"RETRIES\" → 3 hits"),
        "{}",
        shown.stdout
    );

    // Without --json, each step is said on stderr as it happens.
    let told = ask(&sandbox, &[]);
    assert_eq!(told.code, Some(0), "{}", told.stderr);
    assert!(
        told.stderr.contains("step 1: grep \"RETRIES\" → 3 hits"),
        "{}",
        told.stderr
    );
    assert!(
        told.stderr.contains("step 2: read conf.py:1-4 → 4 lines"),
        "{}",
        told.stderr
    );
    assert!(
        told.stdout
            .contains("Retries are configured in `conf.py:3`"),
        "{}",
        told.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_step_dollar_and_token_limits_stop_it_with_a_partial_answer() {
    let fake = fake().await;
    let sandbox = sandbox(&fake);
    let limited = ask(&sandbox, &["--json", "--max-steps", "1"]);
    assert_eq!(limited.code, Some(0), "{}", limited.stderr);
    let out: Value = serde_json::from_str(&limited.stdout).expect("json");
    assert_eq!(out["partial"], "its limit of 1 step was reached", "{out}");
    let answer = out["markdown"].as_str().unwrap_or("");
    assert!(answer.starts_with("**Partial answer**"), "{answer}");
    assert!(answer.contains("- grep \"RETRIES\" → 3 hits"), "{answer}");
    assert_eq!(out["calls"], 2);

    // The first call costs $0.00096: a limit below it stops the agent after its first step.
    let before = fake.requests().len();
    let poor = ask(&sandbox, &["--json", "--max-usd", "0.0005"]);
    assert_eq!(poor.code, Some(0), "{}", poor.stderr);
    let out: Value = serde_json::from_str(&poor.stdout).expect("json");
    assert_eq!(out["partial"], "its $0.0005 limit was reached", "{out}");
    assert_eq!(out["calls"], 1);
    assert_eq!(fake.requests().len(), before + 1);

    // The first two calls use 930 and 1,120 tokens: a limit of 2,000 lets the second go and
    // stops the third.
    let before = fake.requests().len();
    let short = ask(&sandbox, &["--json", "--max-tokens", "2000"]);
    assert_eq!(short.code, Some(0), "{}", short.stderr);
    let out: Value = serde_json::from_str(&short.stdout).expect("json");
    assert_eq!(
        out["partial"], "its limit of 2000 tokens was reached (2050 used)",
        "{out}"
    );
    assert_eq!(out["calls"], 2);
    assert_eq!(fake.requests().len(), before + 2);
}
