//! The librarian through the real binary (`switchboard run librarian --question`): the search
//! agent over the sources of the workspace's dependencies — here a crate of `Cargo.lock`
//! unpacked in a cargo registry of the sandbox — read-only, its citations `name@version/path:line`
//! checked against those sources. Without any dependency sources it says what to do.

mod support;

use providers::fake::FakeProvider;
use serde_json::Value;
use support::cli::{Run, Sandbox};

const LOCK: &str = r#"version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["tinyretry"]

[[package]]
name = "tinyretry"
version = "0.3.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "0000000000000000000000000000000000000000000000000000000000000000"

[[package]]
name = "notfetched"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

const LIB: &str = "//! Retries with backoff.\n\nmod policy;\npub use policy::Backoff;\n\n/// Calls `f` until it succeeds or `policy` gives up.\npub fn retry<T, E>(policy: &Backoff, mut f: impl FnMut() -> Result<T, E>) -> Result<T, E> {\n    let mut attempt = 0;\n    loop {\n        match f() {\n            Ok(value) => return Ok(value),\n            Err(err) if attempt + 1 >= policy.max_attempts => return Err(err),\n            Err(_) => attempt += 1,\n        }\n    }\n}\n";
const POLICY: &str = "/// How often and how long to wait.\npub struct Backoff {\n    pub max_attempts: u32,\n    pub base_ms: u64,\n}\n";

/// libraries, grep, read, then the answer. The fake answers with the first reply whose
/// condition holds, so the later steps come first.
const SCENARIO: &str = r#"
[auth]
required = false

[[reply]]
model = "m-librarian"
results_contain = "max_attempts: u32"
text = "Call `tinyretry::retry(&Backoff { max_attempts: 3, base_ms: 100 }, || ...)`: it is defined at `tinyretry@0.3.1/src/lib.rs:7-16` and the policy at `tinyretry@0.3.1/src/policy.rs:2-5`. (Not `tinyretry@0.3.1/src/lib.rs:99`.)"
usage = { input = 1000, output = 60 }

[[reply]]
model = "m-librarian"
results_contain = "tinyretry@0.3.1/src/lib.rs:7:"
tool_calls = [{ name = "read", arguments = { path = "tinyretry@0.3.1/src/policy.rs" } }]
usage = { input = 900, output = 20 }

[[reply]]
model = "m-librarian"
results_contain = "tinyretry@0.3.1"
tool_calls = [{ name = "grep", arguments = { pattern = "pub fn retry", path = "tinyretry" } }]
usage = { input = 800, output = 20 }

[[reply]]
model = "m-librarian"
after_tools = false
tool_calls = [{ name = "libraries", arguments = { name = "retry" } }]
usage = { input = 700, output = 20 }
"#;

fn sandbox(fake: &FakeProvider, with_registry: bool) -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".switchboard.toml",
        &format!(
            "[providers.fake]\nkind = \"ollama\"\nbase_url = \"{}\"\nmax_retries = 0\n\n[models.librarian]\nprovider = \"fake\"\nname = \"m-librarian\"\nprice = {{ input = 1.0, output = 2.0 }}\n\n[roles]\nlibrarian = [\"librarian\"]\n",
            fake.url()
        ),
    );
    sandbox.write("Cargo.lock", LOCK);
    sandbox.write("src/main.rs", "fn main() {}\n");
    if with_registry {
        let unpacked = "cargo-home/registry/src/index.crates.io-1949cf8c6b5b557f/tinyretry-0.3.1";
        sandbox.write(&format!("{unpacked}/src/lib.rs"), LIB);
        sandbox.write(&format!("{unpacked}/src/policy.rs"), POLICY);
        sandbox.write(
            &format!("{unpacked}/Cargo.toml"),
            "[package]\nname = \"tinyretry\"\nversion = \"0.3.1\"\n",
        );
    }
    sandbox
}

fn ask(sandbox: &Sandbox) -> Run {
    let mut command = sandbox.command(&[
        "run",
        "librarian",
        "--question",
        "how do I retry a call with tinyretry?",
        "--json",
    ]);
    command
        .env("CARGO_HOME", sandbox.path().join("cargo-home"))
        .env_remove("VIRTUAL_ENV");
    tokio::task::block_in_place(|| command.output().expect("the binary runs").into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_is_answered_from_a_dependency_in_the_cargo_registry() {
    let fake = support::cli::fake(SCENARIO).await;
    let sandbox = sandbox(&fake, true);
    let run = ask(&sandbox);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(out["outcome"], "answered", "{out}");
    assert_eq!(out["role"], "librarian");
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
        [
            "libraries retry → 1 libraries",
            "grep \"pub fn retry\" → 1 hit",
            "read tinyretry@0.3.1/src/policy.rs:1-… → 5 lines",
        ]
    );
    // The citations are the dependency's files, checked; the one past the file's end is not.
    let cited: Vec<(String, u64, u64, bool)> = out["citations"]
        .as_array()
        .expect("citations")
        .iter()
        .map(|c| {
            (
                c["label"].as_str().unwrap_or("").to_owned(),
                c["start_line"].as_u64().unwrap_or(0),
                c["end_line"].as_u64().unwrap_or(0),
                c["path"].as_str().is_some_and(|p| {
                    p.contains("registry/src") && std::path::Path::new(p).is_file()
                }),
            )
        })
        .collect();
    assert_eq!(
        cited,
        [
            ("tinyretry@0.3.1/src/lib.rs".to_owned(), 7, 16, true),
            ("tinyretry@0.3.1/src/policy.rs".to_owned(), 2, 5, true),
        ]
    );
    assert_eq!(
        out["invalid_citations"],
        serde_json::json!(["tinyretry@0.3.1/src/lib.rs:99"])
    );
    // The librarian's own prompt and tools went out, and four calls were billed.
    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    let first = &requests[0].body;
    assert!(
        first["messages"][0]["content"]
            .as_str()
            .is_some_and(|s| s.starts_with("You are the librarian")),
        "{first}"
    );
    let tools: Vec<&str> = first["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["function"]["name"].as_str())
        .collect();
    assert!(tools.contains(&"libraries"), "{tools:?}");
    assert_eq!(out["calls"], 4);
    // Read-only: the dependency's sources are as they were.
    let lib = sandbox.path().join(
        "cargo-home/registry/src/index.crates.io-1949cf8c6b5b557f/tinyretry-0.3.1/src/lib.rs",
    );
    assert_eq!(std::fs::read_to_string(lib).expect("lib.rs"), LIB);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_dependency_sources_it_says_what_to_do() {
    let fake = support::cli::fake(SCENARIO).await;
    let sandbox = sandbox(&fake, false);
    let run = ask(&sandbox);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.stdout.contains("cargo fetch"), "{}", run.stdout);
    assert_eq!(fake.requests().len(), 0);
}
