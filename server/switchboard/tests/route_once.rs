//! The model shown is the model used: with a rule whose token threshold lies between the
//! selection's size and the packet's, the code action's title, the executeCommand answer,
//! `switchboard/finished`, the provider's first request and `switchboard routes --explain`
//! all name the same model (the packet decides, not the selection alone).

mod support;

use serde_json::{Value, json};
use support::cli::Sandbox;
use support::fixture::{Fixture, fence, reply};
use text::PositionEncoding;

const GREET: &str = "fn greet() -> &'static str {\n    \"hello\"\n}\n\nfn main() {\n    println!(\"{}\", greet());\n}\n";

/// Under this many input tokens, `cheap` serves implement. The selection (line 2) is a few
/// tokens; the packet, with the prompt and the file's context, several hundred.
const THRESHOLD: u64 = 150;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn title_answer_finished_request_and_explain_name_the_same_model() {
    let mut f = Fixture::start(
        &reply("m-coder", &fence("    \"hi\"\n"), ""),
        PositionEncoding::Utf16,
    )
    .await;
    let mut config = support::fixture::config(&f.fake);
    config["models"]["cheap"] = json!({ "provider": "fake", "name": "m-cheap", "price": { "input": 0.1, "output": 0.2 }, "context_window": 100000, "max_output_tokens": 2000 });
    config["rules"] = json!([{ "role": "implement", "when": { "max_input_tokens": THRESHOLD }, "use": ["cheap"] }]);
    f.server
        .notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": config }),
        )
        .await;
    let uri = f.uri("src/greet.rs");
    f.write("src/greet.rs", GREET);
    f.server.open(&uri, "rust", GREET).await;

    let actions = f
        .server
        .request_ok(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri },
                "range": { "start": { "line": 1, "character": 0 }, "end": { "line": 2, "character": 0 } },
                "context": { "diagnostics": [] }
            }),
        )
        .await;
    let title = actions[0]["title"].as_str().unwrap_or_default().to_string();
    assert!(title.starts_with("Implement with coder"), "{title}");

    let started = f
        .command("switchboard.implement", &uri, (1, 0, 2, 0), None)
        .await;
    assert_eq!(started["model"], "coder", "{started}");
    f.accept_progress().await;
    let mut doc = text::TextDocument::new(GREET, 0);
    f.apply_edit(&mut [(&uri, &mut doc)]).await;
    let finished = f.finished().await;
    assert_eq!(finished["model"], "coder", "{finished}");
    assert_eq!(finished["routed_model"], "coder");
    assert_eq!(finished["fallbacks"], json!([]));
    let requests = f.fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body["model"], "m-coder");

    // The same file, lines and rule from a terminal.
    let sandbox = Sandbox::new();
    sandbox.write(
        ".switchboard.toml",
        &format!(
            "[providers.fake]\nkind = \"ollama\"\nbase_url = \"{}\"\n\n[models.coder]\nprovider = \"fake\"\nname = \"m-coder\"\nprice = {{ input = 1.0, output = 2.0 }}\ncontext_window = 100000\nmax_output_tokens = 2000\n\n[models.cheap]\nprovider = \"fake\"\nname = \"m-cheap\"\nprice = {{ input = 0.1, output = 0.2 }}\ncontext_window = 100000\nmax_output_tokens = 2000\n\n[roles]\nimplement = [\"coder\"]\n\n[[rules]]\nrole = \"implement\"\nwhen = {{ max_input_tokens = {THRESHOLD} }}\nuse = [\"cheap\"]\n",
            f.fake.url()
        ),
    );
    sandbox.write("src/greet.rs", GREET);
    let explained = tokio::task::block_in_place(|| {
        sandbox.run(&[
            "routes",
            "--explain",
            "implement",
            "src/greet.rs:2-2",
            "--json",
        ])
    });
    assert_eq!(explained.code, Some(0), "{}", explained.stderr);
    let decision: Value = serde_json::from_str(&explained.stdout).expect("json");
    assert_eq!(decision["candidates"][0]["alias"], "coder", "{decision}");
    assert!(
        decision["input_tokens"]
            .as_u64()
            .is_some_and(|t| t > THRESHOLD),
        "{decision}"
    );
    assert!(
        decision["reason"].as_str().is_some_and(
            |r| r.starts_with("coder serves implement") && r.contains("no rule matched")
        ),
        "{decision}"
    );
    f.shutdown().await;
}
