//! `switchboard run` through the real binary against the fake provider: the diff of an
//! implement, `--apply`, review findings, an answer, and `--json`; the same pipeline as the
//! editor's, from a terminal.

mod support;

use providers::fake::{FakeProvider, Scenario};
use serde_json::Value;
use support::cli::{Run, Sandbox};

const SOURCE: &str =
    "def add(a, b):\n    # TODO: add them\n    pass\n\n\ndef main():\n    print(add(1, 2))\n";

async fn fake() -> FakeProvider {
    let scenario = r#"
[auth]
required = false

[[reply]]
model = "m-coder"
text = "```python\ndef add(a, b):\n    return a + b\n```"

[[reply]]
model = "m-reviewer"
text = "```json\n[{\"line\": 6, \"end_line\": 6, \"severity\": \"info\", \"message\": \"print the sum with a label\"}]\n```"

[[reply]]
model = "m-searcher"
text = "`main` calls `add` (calc.py:1-3)."

[[reply]]
model = "m-viewer"
text = "A blue square logo."
"#;
    let scenario = Scenario::from_toml_str(scenario).expect("a good scenario");
    FakeProvider::start("127.0.0.1:0".parse().expect("an address"), scenario)
        .await
        .expect("the fake starts")
}

fn sandbox(fake: &FakeProvider) -> Sandbox {
    let sandbox = Sandbox::new();
    let model = |alias: &str| {
        format!(
            "[models.{alias}]\nprovider = \"fake\"\nname = \"m-{alias}\"\nprice = {{ input = 1.0, output = 2.0 }}\n\n"
        )
    };
    sandbox.write(
        ".switchboard.toml",
        &format!(
            "[providers.fake]\nkind = \"ollama\"\nbase_url = \"{}\"\nmax_retries = 0\n\n{}{}{}{}[roles]\nimplement = [\"coder\"]\nreview = [\"reviewer\"]\nsearch = [\"searcher\"]\nvision = [\"viewer\"]\n",
            fake.url(),
            model("coder"),
            model("reviewer"),
            model("searcher"),
            model("viewer")
        ),
    );
    sandbox.write("calc.py", SOURCE);
    sandbox
}

fn run(sandbox: &Sandbox, args: &[&str]) -> Run {
    tokio::task::block_in_place(|| sandbox.run(args))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_prints_a_diff_applies_reviews_and_answers() {
    let fake = fake().await;
    let sandbox = sandbox(&fake);

    let diff = run(&sandbox, &["run", "implement", "calc.py:1-3"]);
    assert_eq!(diff.code, Some(0), "{}", diff.stderr);
    assert_eq!(
        diff.stdout,
        "--- a/calc.py\n+++ b/calc.py\n@@ -1,6 +1,5 @@\n def add(a, b):\n-    # TODO: add them\n-    pass\n+    return a + b\n \n \n def main():\n"
    );
    // The TODO comment was the instruction.
    assert!(fake.requests()[0].body.to_string().contains("add them"));
    assert_eq!(
        std::fs::read_to_string(sandbox.path().join("calc.py")).expect("calc.py"),
        SOURCE
    );

    let applied = run(&sandbox, &["run", "implement", "calc.py:1-3", "--apply"]);
    assert_eq!(
        applied.code,
        Some(0),
        "{} ({} requests)",
        applied.stderr,
        fake.requests().len()
    );
    let after = std::fs::read_to_string(sandbox.path().join("calc.py")).expect("calc.py");
    assert!(
        after.starts_with("def add(a, b):\n    return a + b\n\n\ndef main():"),
        "{after}"
    );

    let review = run(&sandbox, &["run", "review", "calc.py", "--json"]);
    assert_eq!(review.code, Some(0), "{}", review.stderr);
    let review: Value = serde_json::from_str(&review.stdout).expect("json");
    assert_eq!(review["outcome"], "reviewed");
    assert_eq!(review["findings"][0]["line"], 6);
    assert_eq!(
        review["findings"][0]["message"],
        "print the sum with a label"
    );

    let answer = run(
        &sandbox,
        &[
            "run",
            "search",
            "calc.py:5-6",
            "--instruction",
            "who calls add?",
        ],
    );
    assert_eq!(answer.code, Some(0), "{}", answer.stderr);
    assert_eq!(answer.stdout, "`main` calls `add` (calc.py:1-3).\n");

    // Explain is the search role; its JSON lists the places the answer cites, each checked.
    let explained = run(
        &sandbox,
        &[
            "run",
            "explain",
            "calc.py:5-6",
            "--instruction",
            "who calls add?",
            "--json",
        ],
    );
    assert_eq!(explained.code, Some(0), "{}", explained.stderr);
    let explained: Value = serde_json::from_str(&explained.stdout).expect("json");
    assert_eq!(explained["role"], "search");
    assert_eq!(explained["model"], "searcher");
    assert_eq!(explained["citations"][0]["label"], "calc.py");
    assert_eq!(explained["citations"][0]["start_line"], 1);
    assert_eq!(explained["citations"][0]["end_line"], 3);
    assert!(
        explained["citations"][0]["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("file://") && u.ends_with("/calc.py")),
        "{explained}"
    );
    assert_eq!(explained["invalid_citations"], serde_json::json!([]));

    let bad = run(&sandbox, &["run", "implement", "calc.py:40-50"]);
    assert_eq!(bad.code, Some(2));
    assert!(
        bad.stderr.contains("lines 40-50 are not in calc.py"),
        "{}",
        bad.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_vision_sends_the_image_named_on_the_lines_or_given() {
    use base64::Engine;
    let fake = fake().await;
    let sandbox = sandbox(&fake);
    // Not a real picture: the bytes only have to arrive intact.
    let bytes: &[u8] = b"\x89PNG\r\n\x1a\nfake-pixels";
    std::fs::create_dir_all(sandbox.path().join("docs/img")).expect("writable");
    std::fs::write(sandbox.path().join("docs/img/logo.png"), bytes).expect("writable");
    sandbox.write("docs/README.md", "# Title\n\n![logo](img/logo.png)\n");
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);

    let described = run(&sandbox, &["run", "vision", "docs/README.md:3-3"]);
    assert_eq!(described.code, Some(0), "{}", described.stderr);
    assert_eq!(described.stdout, "A blue square logo.\n");
    let sent = fake.requests()[0].body.to_string();
    assert!(sent.contains(&encoded), "the image was not sent: {sent}");
    assert!(sent.contains("docs/img/logo.png"), "{sent}");

    let named = run(
        &sandbox,
        &["run", "vision", "calc.py", "--image", "docs/img/logo.png"],
    );
    assert_eq!(named.code, Some(0), "{}", named.stderr);
    assert!(fake.requests()[1].body.to_string().contains(&encoded));

    let none = run(&sandbox, &["run", "vision", "calc.py:1-2"]);
    assert_eq!(none.code, Some(2));
    assert!(none.stderr.contains("no image"), "{}", none.stderr);
    let outside = run(
        &sandbox,
        &["run", "vision", "calc.py", "--image", "../logo.png"],
    );
    assert_eq!(outside.code, Some(2));
    assert!(
        outside
            .stderr
            .contains("is not a file under the current directory"),
        "{}",
        outside.stderr
    );
    // A link inside the folder to a picture outside it, and a document outside it.
    let elsewhere = tempfile::tempdir().expect("a temp dir");
    std::fs::write(elsewhere.path().join("private.png"), bytes).expect("writable");
    std::os::unix::fs::symlink(
        elsewhere.path().join("private.png"),
        sandbox.path().join("docs/img/link.png"),
    )
    .expect("a symlink");
    std::fs::write(elsewhere.path().join("notes.md"), "![p](private.png)\n").expect("writable");
    let linked = run(
        &sandbox,
        &["run", "vision", "calc.py", "--image", "docs/img/link.png"],
    );
    assert_eq!(linked.code, Some(2), "{}", linked.stderr);
    let outside_document = format!("{}/notes.md", elsewhere.path().display());
    let beside = run(&sandbox, &["run", "vision", &outside_document]);
    assert_ne!(beside.code, Some(0), "{}", beside.stdout);
    assert_eq!(fake.requests().len(), 2, "refusals sent nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompts_in_the_config_replace_the_built_in_templates() {
    let fake = fake().await;
    let sandbox = sandbox(&fake);
    let config = std::fs::read_to_string(sandbox.path().join(".switchboard.toml")).expect("config");
    let custom = "[prompts]\nreview = '''\n<!-- system -->\nYou review like a lighthouse keeper.\n<!-- user -->\n{{context}}\n\nLook at {{path}}: {{instruction}}\n'''\n";
    sandbox.write(".switchboard.toml", &format!("{config}\n{custom}"));
    let review = run(&sandbox, &["run", "review", "calc.py"]);
    assert_eq!(review.code, Some(0), "{}", review.stderr);
    let sent = fake.requests()[0].body.to_string();
    assert!(
        sent.contains("You review like a lighthouse keeper."),
        "{sent}"
    );
    assert!(sent.contains("Look at calc.py: "), "{sent}");

    // A template without the code's place is refused where the config is checked.
    let broken = "[prompts]\nreview = '''\n<!-- user -->\nReview it.\n'''\n";
    sandbox.write(".switchboard.toml", &format!("{config}\n{broken}"));
    let check = run(&sandbox, &["check"]);
    assert_eq!(check.code, Some(2), "{}", check.stdout);
    assert!(
        check
            .stderr
            .contains(".switchboard.toml: [prompts] review: the review prompt template"),
        "{}",
        check.stderr
    );
    let refused = run(&sandbox, &["run", "review", "calc.py"]);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert_eq!(fake.requests().len(), 1, "a refused config sends nothing");
}

/// The first reply's second block searches for a line the file does not have; the resent one
/// is right.
const RETRY_SCENARIO: &str = r#"
[auth]
required = false

[[reply]]
model = "m-coder"
contains = "Resend only the blocks below"
text = '''
calc.py
<<<<<<< SEARCH
    print(add(1, 2))
=======
    print("sum:", add(1, 2))
>>>>>>> REPLACE
'''

[[reply]]
model = "m-coder"
text = '''
calc.py
<<<<<<< SEARCH
    pass
=======
    return a + b
>>>>>>> REPLACE

calc.py
<<<<<<< SEARCH
    print(add(1, 3))
=======
    print("sum:", add(1, 2))
>>>>>>> REPLACE
'''
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_search_blocks_are_asked_for_once_more_when_configured() {
    let scenario = Scenario::from_toml_str(RETRY_SCENARIO).expect("a good scenario");
    let fake = FakeProvider::start("127.0.0.1:0".parse().expect("an address"), scenario)
        .await
        .expect("the fake starts");
    let sandbox = sandbox(&fake);
    let config = std::fs::read_to_string(sandbox.path().join(".switchboard.toml")).expect("config");

    // Off by default: the reply is refused whole, naming the block, and nothing is written.
    let refused = run(&sandbox, &["run", "implement", "calc.py", "--apply"]);
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("block 2 (calc.py): its SEARCH matches nothing in the file"),
        "{}",
        refused.stderr
    );
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(
        std::fs::read_to_string(sandbox.path().join("calc.py")).expect("calc.py"),
        SOURCE
    );

    sandbox.write(
        ".switchboard.toml",
        &format!("{config}\n[edits]\nretry_failed_blocks = true\n"),
    );
    let applied = run(&sandbox, &["run", "implement", "calc.py", "--apply"]);
    assert_eq!(
        applied.code,
        Some(0),
        "{} ({} requests)",
        applied.stderr,
        fake.requests().len()
    );
    assert_eq!(
        std::fs::read_to_string(sandbox.path().join("calc.py")).expect("calc.py"),
        "def add(a, b):\n    # TODO: add them\n    return a + b\n\n\ndef main():\n    print(\"sum:\", add(1, 2))\n"
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 3, "the first call and one retry");
    let retry = requests[2].body.to_string();
    // The retry carries the first reply and says which block failed and that the other applied.
    assert!(
        retry.contains("1 of your 2 SEARCH/REPLACE blocks could not be applied"),
        "{retry}"
    );
    assert!(retry.contains("print(add(1, 3))"), "{retry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lines_quoted_in_a_retry_are_masked_like_the_packet() {
    // A fake key in a real key's shape, built from pieces so none stands in the source.
    let key = concat!("sk-", "proj-", "FAKEfake12FAKEfake34FAKEfake56FAKEfake78");
    // The model's SEARCH has the key with its last character lost: it matches nothing, and the
    // closest line of the file, which the request asking again quotes, holds the whole key.
    let scenario = format!(
        r#"
[auth]
required = false

[[reply]]
model = "m-coder"
text = '''
settings.py
<<<<<<< SEARCH
TOKEN = "{}"
=======
TOKEN = os.environ["TOKEN"]
>>>>>>> REPLACE
'''
"#,
        &key[..key.len() - 1]
    );
    let fake = FakeProvider::start(
        "127.0.0.1:0".parse().expect("an address"),
        Scenario::from_toml_str(&scenario).expect("a good scenario"),
    )
    .await
    .expect("the fake starts");
    let sandbox = sandbox(&fake);
    let config = std::fs::read_to_string(sandbox.path().join(".switchboard.toml")).expect("config");
    sandbox.write(
        ".switchboard.toml",
        &format!("{config}\n[edits]\nretry_failed_blocks = true\n"),
    );
    sandbox.write("settings.py", &format!("import os\n\nTOKEN = \"{key}\"\n"));
    let refused = run(&sandbox, &["run", "implement", "settings.py"]);
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    let requests = fake.requests();
    assert_eq!(requests.len(), 2, "the call and the retry");
    for request in &requests {
        assert!(!request.body.to_string().contains(key), "the key was sent");
    }
    assert!(
        requests[1].body.to_string().contains("could be applied"),
        "{}",
        requests[1].body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_from_a_subdirectory_reads_the_root_config_and_its_excludes() {
    let fake = fake().await;
    let sandbox = sandbox(&fake);
    let config = std::fs::read_to_string(sandbox.path().join(".switchboard.toml")).expect("config");
    sandbox.write(
        ".switchboard.toml",
        &format!("{config}\n[privacy]\nexclude = [\"secrets/**\"]\n"),
    );
    sandbox.write("secrets/token.py", "TOKEN = 'abc'\n");
    sandbox.write("src/util.py", "def util():\n    return 1\n");
    let from = |dir: &str, args: &[&str]| -> Run {
        let mut command = sandbox.command(args);
        command.current_dir(sandbox.path().join(dir));
        tokio::task::block_in_place(|| command.output().expect("the binary runs").into())
    };

    // Run from inside the excluded folder: the root's excludes hold, nothing is sent.
    let refused = from("secrets", &["run", "review", "token.py"]);
    assert_eq!(refused.code, Some(2), "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("secrets/token.py is excluded by [privacy] exclude"),
        "{}",
        refused.stderr
    );
    // Run from another subdirectory: the root's config routes it, paths are the root's.
    let review = from("src", &["run", "review", "../calc.py", "--json"]);
    assert_eq!(review.code, Some(0), "{}", review.stderr);
    let review: Value = serde_json::from_str(&review.stdout).expect("json");
    assert_eq!(review["model"], "reviewer");
    let outside = from("src", &["run", "review", "../../elsewhere.py"]);
    assert_eq!(outside.code, Some(2));
    assert!(
        outside.stderr.contains("is outside the workspace"),
        "{}",
        outside.stderr
    );
    assert_eq!(
        fake.requests().len(),
        1,
        "only the review inside the workspace was sent"
    );
}

/// A second `switchboard run` reads the index the first one saved: no file it has read before
/// is parsed again, and a file changed since is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_parses_only_what_changed_since_the_first() {
    let fake = fake().await;
    let sandbox = sandbox(&fake);
    for module in 0..150 {
        sandbox.write(
            &format!("pkg/module_{module}.py"),
            &format!("def helper_{module}(value):\n    return value + {module}\n"),
        );
    }
    let indexed = |args: &[&str]| -> String {
        let mut command = sandbox.command(args);
        command.env("SWITCHBOARD_LOG", "tasks::context::workspace=debug");
        let done: Run =
            tokio::task::block_in_place(|| command.output().expect("the binary runs").into());
        assert_eq!(done.code, Some(0), "{}", done.stderr);
        done.stderr
            .lines()
            .find(|line| line.contains("workspace index refreshed"))
            .unwrap_or_else(|| panic!("no index report in {}", done.stderr))
            .to_owned()
    };
    let first = indexed(&["run", "review", "calc.py", "--json"]);
    assert!(first.contains("files=151 parsed=151 reused=0"), "{first}");
    let second = indexed(&["run", "review", "calc.py", "--json"]);
    assert!(second.contains("files=151 parsed=0 reused=151"), "{second}");
    sandbox.write(
        "pkg/module_7.py",
        "def helper_seven(value):\n    return value\n",
    );
    let third = indexed(&["run", "review", "calc.py", "--json"]);
    assert!(third.contains("files=151 parsed=1 reused=150"), "{third}");
}

/// A per-request cap is judged on a realistic answer: a call far under it is served, asking
/// the model for no more output than the cap pays for; a cap below a usual answer refuses and
/// says which number to raise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_request_cap_asks_for_a_shorter_answer_rather_than_refusing() {
    let fake = fake().await;
    let sandbox = sandbox(&fake);
    let config = |cap: f64| {
        format!(
            "[providers.fake]\nkind = \"ollama\"\nbase_url = \"{}\"\nmax_retries = 0\n\n\
             [models.reviewer]\nprovider = \"fake\"\nname = \"m-reviewer\"\n\
             price = {{ input = 1.0, output = 10.0 }}\nmax_output_tokens = 8192\n\n\
             [roles]\nreview = [\"reviewer\"]\n\n[budget]\nper_request_usd = {cap}\n",
            fake.url()
        )
    };
    // 8,192 output tokens alone cost $0.082, over a 5-cent cap; a review's 1,024 cost $0.01.
    sandbox.write(".switchboard.toml", &config(0.05));
    let served = run(&sandbox, &["run", "review", "calc.py", "--json"]);
    assert_eq!(served.code, Some(0), "{}", served.stderr);
    let requests = fake.requests();
    let asked = requests[0].body["options"]["num_predict"]
        .as_u64()
        .expect("num_predict");
    assert!((1024..8192).contains(&asked), "asked for {asked} tokens");

    sandbox.write(".switchboard.toml", &config(0.005));
    let refused = run(&sandbox, &["run", "review", "calc.py"]);
    assert_ne!(refused.code, Some(0));
    assert!(
        refused
            .stderr
            .contains("raise [budget] per_request_usd to at least"),
        "{}",
        refused.stderr
    );
    assert_eq!(fake.requests().len(), 1);
}

/// A model that fails: `run --json` still prints the job's outcome, `failed`, with the trace to
/// read, the model routed to, and nothing spent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_that_fails_gives_a_failed_outcome_with_its_trace() {
    let scenario = "[auth]\nrequired = false\n\n[[reply]]\nmodel = \"m-coder\"\nstatus = 500\nbody = \"{\\\"error\\\": \\\"overloaded\\\"}\"\n";
    let fake = support::cli::fake(scenario).await;
    let sandbox = sandbox(&fake);
    let failed = run(&sandbox, &["run", "implement", "calc.py:1-3", "--json"]);
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    let out: Value = serde_json::from_str(&failed.stdout).expect("json");
    assert_eq!(out["outcome"], "failed", "{out}");
    assert_eq!(out["role"], "implement");
    assert_eq!(out["routed_model"], "coder");
    assert_eq!(out["calls"], 0);
    assert_eq!(out["cost_usd"], 0.0);
    assert!(
        out["message"].as_str().is_some_and(|m| m.contains("coder")),
        "{out}"
    );
    let trace = out["trace_id"].as_str().expect("a trace id");
    let shown = run(&sandbox, &["trace", trace]);
    assert_eq!(shown.code, Some(0), "{}", shown.stderr);
    assert!(shown.stdout.contains("coder"), "{}", shown.stdout);
}
