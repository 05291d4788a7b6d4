//! Routing and the ledger through the real binary, against the fake provider: fallbacks on 500s,
//! 429s and 401s, cooldowns across processes (the fake's log shows no request to a resting
//! model), rules by language, size and complexity in `routes --explain`, and a day budget shared
//! by concurrent `switchboard ask` processes.

mod support;

use std::collections::BTreeMap;

use expect_test::expect;
use providers::fake::{FakeProvider, Scenario};
use serde_json::Value;
use support::cli::{Run, Sandbox};

const KEY: &str = "routing-test-key";
const KEY_ENV: &str = "SWITCHBOARD_TEST_ROUTING_KEY";
const WRONG_KEY_ENV: &str = "SWITCHBOARD_TEST_ROUTING_WRONG_KEY";

async fn fake(scenario: &str) -> FakeProvider {
    let scenario = format!("[auth]\nkeys = [\"{KEY}\"]\n\n{scenario}");
    let scenario = Scenario::from_toml_str(&scenario).expect("a good scenario");
    FakeProvider::start("127.0.0.1:0".parse().expect("an address"), scenario)
        .await
        .expect("the fake starts")
}

/// Two OpenAI-wire providers at the fake (one with a wrong key), and models `a`, `b`, `c`
/// (wire names `m-a`, ...), on top of which each test adds its roles, rules and budget.
fn config(fake: &FakeProvider, extra: &str) -> String {
    let url = format!("{}/v1", fake.url());
    let mut text = format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{url}\"\napi_key_env = \"{KEY_ENV}\"\nmax_retries = 1\n\n\
         [providers.badkey]\nkind = \"openai\"\nbase_url = \"{url}\"\napi_key_env = \"{WRONG_KEY_ENV}\"\nmax_retries = 1\n\n"
    );
    for (alias, provider) in [
        ("a", "fake"),
        ("b", "fake"),
        ("c", "fake"),
        ("wrong", "badkey"),
    ] {
        text.push_str(&format!(
            "[models.{alias}]\nprovider = \"{provider}\"\nname = \"m-{alias}\"\nprice = {{ input = 1.0, output = 2.0 }}\nmax_output_tokens = 1000\n\n"
        ));
    }
    text.push_str(extra);
    text
}

fn ask(sandbox: &Sandbox, role: &str, prompt: &str) -> Run {
    sandbox
        .command(&[
            "ask",
            "--role",
            role,
            "--json",
            "--config",
            "config.toml",
            prompt,
        ])
        .env(KEY_ENV, KEY)
        .env(WRONG_KEY_ENV, "not-the-key")
        .output()
        .expect("the binary runs")
        .into()
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: stdout {:?}, stderr {:?}", run.stdout, run.stderr))
}

/// How many requests the fake saw for each wire model name.
fn requests_per_model(fake: &FakeProvider) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in fake.requests() {
        *counts.entry(request.model.unwrap_or_default()).or_insert(0) += 1;
    }
    counts
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(m, n)| (m.to_string(), *n)).collect()
}

/// The trace of an answer, as `switchboard trace ID --json` prints it.
fn trace(sandbox: &Sandbox, answer: &Value) -> Value {
    let id = answer["trace_id"].as_str().expect("a trace id");
    let run = sandbox.run(&["trace", id, "--json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    json(&run)
}

fn failed_attempts(trace: &Value) -> Vec<(String, String, Value)> {
    trace["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| {
            (
                a["model"].as_str().unwrap_or_default().to_string(),
                a["kind"]
                    .as_str()
                    .or(a["outcome"].as_str())
                    .unwrap_or_default()
                    .to_string(),
                a["http_status"].clone(),
            )
        })
        .collect()
}

/// Model `a` answers with `failure` (a scenario reply's settings), `b` serves: one
/// `ask --role implement` over roles `[a, b]`; the fake, the sandbox and the run.
async fn fall_back_from_a(failure: &str) -> (FakeProvider, Sandbox, Run) {
    let fake = fake(&format!(
        "[[reply]]\nmodel = \"m-a\"\n{failure}\n\n[[reply]]\nmodel = \"m-b\"\ntext = \"from b\"\n"
    ))
    .await;
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        &config(&fake, "[roles]\nimplement = [\"a\", \"b\"]\n"),
    );
    let run = tokio::task::block_in_place(|| ask(&sandbox, "implement", "Implement a parser"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(json(&run)["model"], "b");
    assert_eq!(json(&run)["text"], "from b");
    // a: the first try and its provider's one retry; then b once.
    assert_eq!(requests_per_model(&fake), counts(&[("m-a", 2), ("m-b", 1)]));
    (fake, sandbox, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_500s_fall_back_to_the_next_model() {
    let (_fake, sandbox, run) = fall_back_from_a("status = 500").await;
    let trace = tokio::task::block_in_place(|| trace(&sandbox, &json(&run)));
    assert_eq!(
        failed_attempts(&trace),
        vec![
            ("a".into(), "server_error".into(), Value::from(500)),
            ("b".into(), "ok".into(), Value::Null),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_past_the_retries_falls_back_to_the_next_model() {
    let (_fake, sandbox, run) =
        fall_back_from_a("status = 429\nheaders = { \"retry-after\" = \"0\" }").await;
    assert!(run.stderr.contains("a failed"), "{}", run.stderr);
    let trace = tokio::task::block_in_place(|| trace(&sandbox, &json(&run)));
    assert_eq!(
        failed_attempts(&trace)[0],
        ("a".into(), "rate_limited".into(), Value::from(429))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_falls_back_at_once() {
    let fake = fake("[[reply]]\ntext = \"served\"\n").await;
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        &config(&fake, "[roles]\nimplement = [\"wrong\", \"b\"]\n"),
    );
    let run = tokio::task::block_in_place(|| ask(&sandbox, "implement", "Implement a parser"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let answer = json(&run);
    assert_eq!(answer["model"], "b");
    // A refused key is not retried.
    assert_eq!(
        requests_per_model(&fake),
        counts(&[("m-b", 1), ("m-wrong", 1)])
    );
    let trace = tokio::task::block_in_place(|| trace(&sandbox, &answer));
    assert_eq!(
        failed_attempts(&trace)[0],
        ("wrong".into(), "auth".into(), Value::from(401))
    );
    assert!(run.stderr.contains(WRONG_KEY_ENV), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_that_keeps_failing_cools_down_and_gets_no_request() {
    let fake = fake(
        "[[reply]]\nmodel = \"m-a\"\nstatus = 500\n\n[[reply]]\nmodel = \"m-b\"\ntext = \"from b\"\n",
    )
    .await;
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        &config(
            &fake,
            "[roles]\nimplement = [\"a\", \"b\"]\n\n[routing]\ncooldown_after_failures = 2\nfailure_window_s = 600\ncooldown_s = 600\n",
        ),
    );
    // Two processes, each failing on a once (two HTTP tries, one failed attempt) and served by b.
    for _ in 0..2 {
        let run = tokio::task::block_in_place(|| ask(&sandbox, "implement", "Implement it"));
        assert_eq!(json(&run)["model"], "b", "{}", run.stderr);
    }
    assert_eq!(requests_per_model(&fake), counts(&[("m-a", 4), ("m-b", 2)]));
    // A third process sees a's two failures in the shared ledger and does not call it.
    let run = tokio::task::block_in_place(|| ask(&sandbox, "implement", "Implement it"));
    assert_eq!(json(&run)["model"], "b", "{}", run.stderr);
    assert_eq!(requests_per_model(&fake), counts(&[("m-a", 4), ("m-b", 3)]));
    sandbox.write("sel.rs", "fn f() {}\n");
    let explain = tokio::task::block_in_place(|| {
        let output = sandbox
            .command(&[
                "routes",
                "--config",
                "config.toml",
                "--explain",
                "implement",
                "sel.rs",
            ])
            .env(KEY_ENV, KEY)
            .output()
            .expect("the binary runs");
        Run::from(output)
    });
    assert!(
        explain
            .stdout
            .contains("a: resting after repeated failures; tried again in "),
        "{}",
        explain.stdout
    );
}

/// Rules pick models by language, by size and by complexity; the explanation says which rule
/// matched and why each other model was passed over.
#[test]
fn rules_route_by_language_size_and_complexity() {
    let sandbox = Sandbox::new();
    let mut rt = tokio::runtime::Runtime::new().expect("a runtime");
    let fake = rt_fake(&mut rt);
    sandbox.write(
        "config.toml",
        &config(
            &fake,
            "[roles]\nimplement = [\"a\", \"b\"]\n\n\
             [[rules]]\nrole = \"implement\"\nwhen = { languages = [\"python\"] }\nuse = [\"c\"]\n\n\
             [[rules]]\nrole = \"implement\"\nwhen = { min_complexity = 4 }\nuse = [\"b\", \"a\"]\n\n\
             [[rules]]\nrole = \"implement\"\nwhen = { max_input_tokens = 420 }\nuse = [\"wrong\", \"c\"]\n",
        ),
    );
    sandbox.write("tool.py", "def main():\n    return 1\n");
    sandbox.write("small.rs", "fn f() -> u8 { 1 }\n");
    sandbox.write(
        "busy.rs",
        "fn busy(xs: &[u32]) -> u32 {\n    let mut n = 0;\n    for x in xs {\n        if *x > 3 { n += 1; } else if *x == 0 { n += 2; }\n        while n > 100 { n -= 1; }\n    }\n    n\n}\n",
    );
    let plain = "pub const NAMES: [&str; 8] = [\"alpha\", \"beta\", \"gamma\", \"delta\", \"epsilon\", \"zeta\", \"eta\", \"theta\"];\n".repeat(3);
    sandbox.write("plain.rs", &plain);

    let explain = |place: &str| {
        let run = sandbox
            .command(&[
                "routes",
                "--config",
                "config.toml",
                "--explain",
                "implement",
                place,
            ])
            .env(KEY_ENV, KEY)
            .output()
            .expect("the binary runs");
        let run = Run::from(run);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        run.stdout
    };
    expect![[r#"
        tool.py: 2 lines from line 1, language python, complexity 0 (branches 0, loops 0, functions 0)
        implement: c (fake/m-c) would serve
          rule: rule #1 (role = "implement", languages = [python])
          request: 381 input tokens (o200k), language python; budget left: no cap; per-request cap: none
          candidates (the first serves, the rest are fallbacks):
            1. c  fake/m-c: ~381 input + 1,000 output tokens, worst case $0.0024
    "#]]
    .assert_eq(&explain("tool.py"));
    expect![[r#"
        busy.rs: 8 lines from line 1, language rust, complexity 4 (branches 2, loops 2, functions 0)
        implement: b (fake/m-b) would serve
          rule: rule #2 (role = "implement", min_complexity = 4)
          request: 458 input tokens (o200k), language rust; budget left: no cap; per-request cap: none
          candidates (the first serves, the rest are fallbacks):
            1. b  fake/m-b: ~458 input + 1,000 output tokens, worst case $0.0025
            2. a  fake/m-a: ~458 input + 1,000 output tokens, worst case $0.0025
    "#]]
    .assert_eq(&explain("busy.rs"));
    // Small: the size rule, whose first model has no key (the variable is not set here).
    expect![[r#"
        small.rs: 1 line from line 1, language rust, complexity 0 (branches 0, loops 0, functions 0)
        implement: c (fake/m-c) would serve
          rule: rule #3 (role = "implement", max_input_tokens = 420)
          request: 377 input tokens (o200k), language rust; budget left: no cap; per-request cap: none
          candidates (the first serves, the rest are fallbacks):
            1. c  fake/m-c: ~377 input + 1,000 output tokens, worst case $0.0024
          skipped:
            - wrong: no key for provider `badkey`: set SWITCHBOARD_TEST_ROUTING_WRONG_KEY
    "#]]
    .assert_eq(&explain("small.rs"));
    // Big and plain: no rule, the role's list.
    expect![[r#"
        plain.rs:1-3: 3 lines from line 1, language rust, complexity 0 (branches 0, loops 0, functions 0)
        implement: a (fake/m-a) would serve
          rule: none matched; the role's list applies
          request: 486 input tokens (o200k), language rust; budget left: no cap; per-request cap: none
          candidates (the first serves, the rest are fallbacks):
            1. a  fake/m-a: ~486 input + 1,000 output tokens, worst case $0.0025
            2. b  fake/m-b: ~486 input + 1,000 output tokens, worst case $0.0025
    "#]]
    .assert_eq(&explain("plain.rs:1-3"));
    drop(fake);
}

fn rt_fake(rt: &mut tokio::runtime::Runtime) -> FakeProvider {
    rt.block_on(fake(""))
}

/// Eight processes at once against a day budget that affords exactly four worst-case calls.
/// Each call really costs its worst case (the fake reports the full output), so no fifth call
/// fits whatever the timing; the ledger's total is the sum of the settled calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_processes_share_one_day_budget() {
    // Output price 10/M and 100,000 output tokens: $1.00 a call; input is free.
    let fake = fake(
        "[[reply]]\ntext = \"done\"\nheaders_delay_ms = 300\nusage = { input = 5, output = 100000 }\n",
    )
    .await;
    let url = format!("{}/v1", fake.url());
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        &format!(
            "[providers.fake]\nkind = \"openai\"\nbase_url = \"{url}\"\napi_key_env = \"{KEY_ENV}\"\nmax_retries = 0\n\n\
             [models.dear]\nprovider = \"fake\"\nname = \"m-dear\"\nprice = {{ input = 0.0, output = 10.0 }}\nmax_output_tokens = 100000\n\n\
             [roles]\nimplement = [\"dear\"]\n\n[budget]\nper_day_usd = 4.5\n"
        ),
    );
    let children: Vec<_> = (0..8)
        .map(|i| {
            sandbox
                .command(&[
                    "ask",
                    "--role",
                    "implement",
                    "--json",
                    "--config",
                    "config.toml",
                    &format!("Implement part {i}"),
                ])
                .env(KEY_ENV, KEY)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("the binary starts")
        })
        .collect();
    let runs: Vec<Run> = tokio::task::block_in_place(|| {
        children
            .into_iter()
            .map(|child| child.wait_with_output().expect("the binary ends").into())
            .collect()
    });
    let served: Vec<&Run> = runs.iter().filter(|r| r.code == Some(0)).collect();
    let refused: Vec<&Run> = runs.iter().filter(|r| r.code != Some(0)).collect();
    assert_eq!(served.len(), 4, "{runs:#?}");
    for run in &refused {
        assert_eq!(run.code, Some(1), "{run:#?}");
        assert!(run.stderr.contains("budget"), "{}", run.stderr);
    }
    assert_eq!(fake.requests().len(), 4);
    let settled: f64 = served
        .iter()
        .map(|r| json(r)["cost_usd"].as_f64().expect("a cost"))
        .sum();
    assert!((settled - 4.0).abs() < 1e-9, "{settled}");
    let costs = tokio::task::block_in_place(|| {
        sandbox.run(&["costs", "--json", "--config", "config.toml"])
    });
    assert_eq!(costs.code, Some(0), "{}", costs.stderr);
    let costs = json(&costs);
    assert_eq!(costs["summary"]["totals"]["calls"], 4);
    assert_eq!(
        costs["summary"]["totals"]["cost_usd"].as_f64(),
        Some(settled)
    );
    assert_eq!(costs["budget"]["spent_today"].as_f64(), Some(settled));
}
