//! The librarian through the language server: `switchboard.librarian` with a question reads the
//! sources of a package in the workspace's virtual environment (`.venv`), not the workspace's
//! own files, and answers with citations `name@version/path:line` that open the package's file.
//! A question in an `# AI: ...?` comment is offered to the librarian as a code action.

mod support;

use serde_json::{Value, json};
use support::fixture::{ClientSetup, Fixture};
use text::PositionEncoding;

const CLIENT: &str = "import retrying\n\n\ndef fetch(url):\n    return retrying.call(url)\n";
const PACKAGE: &str = "\"\"\"Retry calls.\"\"\"\n\n\ndef call(f, attempts=3):\n    for _ in range(attempts):\n        try:\n            return f()\n        except Exception:\n            pass\n";

const SCENARIO: &str = r#"
[[reply]]
model = "m-librarian"
results_contain = "4 |"
text = "`retrying.call` tries three times by default: see `retrying@1.3.4/__init__.py:4-9`."

[[reply]]
model = "m-librarian"
results_contain = "retrying@1.3.4/__init__.py:4:"
tool_calls = [{ name = "read", arguments = { path = "retrying@1.3.4/__init__.py" } }]

[[reply]]
model = "m-librarian"
after_tools = false
tool_calls = [{ name = "grep", arguments = { pattern = 'call\(' } }]
"#;

fn with_librarian(config: &mut Value) {
    config["models"]["librarian"] = json!({ "provider": "fake", "name": "m-librarian", "price": { "input": 0.3, "output": 2.5 }, "context_window": 100000, "max_output_tokens": 2000 });
    config["roles"]["librarian"] = json!(["librarian"]);
}

/// A virtual environment in the workspace with one installed package.
fn venv(root: &std::path::Path) {
    let site = root.join(".venv/lib/python3.12/site-packages");
    let info = site.join("retrying-1.3.4.dist-info");
    std::fs::create_dir_all(&info).expect("dist-info");
    std::fs::write(
        info.join("METADATA"),
        "Metadata-Version: 2.1\nName: retrying\nVersion: 1.3.4\n",
    )
    .expect("METADATA");
    std::fs::write(info.join("top_level.txt"), "retrying\n").expect("top_level.txt");
    std::fs::create_dir_all(site.join("retrying")).expect("package");
    std::fs::write(site.join("retrying/__init__.py"), PACKAGE).expect("__init__.py");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_is_answered_from_a_package_in_the_virtual_environment() {
    let setup = ClientSetup {
        adjust: Some(with_librarian),
        prepare: Some(venv),
        ..ClientSetup::default()
    };
    let mut f = Fixture::start_setup(SCENARIO, PositionEncoding::Utf16, setup).await;
    f.write("client.py", CLIENT);
    let uri = f.uri("client.py");
    f.server.open(&uri, "python", CLIENT).await;
    let finished = f
        .answer(
            "switchboard.librarian",
            &uri,
            (3, 0, 5, 0),
            Some("how many times does retrying.call try?"),
        )
        .await;
    assert_eq!(finished["outcome"], "answered", "{finished}");
    assert_eq!(finished["role"], "librarian");
    let steps: Vec<&str> = finished["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["result"].as_str())
        .collect();
    // `call\(` matched the package's definition only: the workspace's own
    // `retrying.call(url)` is not the librarian's to read.
    assert_eq!(steps, ["1 hit", "9 lines"], "{finished}");
    let citation = &finished["citations"][0];
    assert_eq!(
        citation["label"], "retrying@1.3.4/__init__.py",
        "{finished}"
    );
    assert_eq!(citation["start_line"], 4);
    assert!(
        citation["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with(".venv/lib/python3.12/site-packages/retrying/__init__.py")),
        "{citation}"
    );
    assert_eq!(finished["invalid_citations"], json!([]));
    assert_eq!(f.fake.requests().len(), 3);
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ai_comment_that_asks_is_offered_to_the_librarian() {
    let setup = ClientSetup {
        adjust: Some(with_librarian),
        prepare: Some(venv),
        ..ClientSetup::default()
    };
    let mut f = Fixture::start_setup(SCENARIO, PositionEncoding::Utf16, setup).await;
    let asking = format!("# AI: how many times does retrying.call try?\n{CLIENT}");
    f.write("client.py", &asking);
    let uri = f.uri("client.py");
    f.server.open(&uri, "python", &asking).await;
    let actions = f.code_actions(&uri, (1, 0, 2, 0), json!([])).await;
    let ask = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Ask the librarian with librarian"))
        })
        .unwrap_or_else(|| panic!("no librarian action in {actions:?}"))
        .clone();
    assert_eq!(
        ask["command"]["arguments"][0]["instruction"],
        "how many times does retrying.call try?"
    );
    // Without a question, no librarian: a plain line offers none.
    let plain = f.code_actions(&uri, (5, 0, 6, 0), json!([])).await;
    assert!(
        !plain
            .iter()
            .any(|a| a["title"].to_string().contains("Ask the librarian")),
        "{plain:?}"
    );
    f.server
        .request_ok("workspace/executeCommand", ask["command"].clone())
        .await;
    f.accept_progress().await;
    let (id, _) = f.server.server_request("window/showDocument").await;
    f.server.respond(id, json!({ "success": true })).await;
    let finished = f.finished().await;
    assert_eq!(finished["outcome"], "answered", "{finished}");
    assert_eq!(
        finished["citations"][0]["label"],
        "retrying@1.3.4/__init__.py"
    );
    let first = f.fake.requests()[0].body.to_string();
    assert!(
        first.contains("how many times does retrying.call try?"),
        "{first}"
    );
    f.shutdown().await;
}
