//! One pipeline: the same reply gives the same result through the language server and through
//! `switchboard run` (both go through `tasks::job::answer`): the same edit, the same findings,
//! the same model and cost, and the same retry when a block fails.

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
}
