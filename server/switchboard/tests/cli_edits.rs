//! Edits you can trust, through the real binary: `switchboard run implement --apply` writes
//! every file of a reply or none (with a JSON error object under `--json`), creates new files
//! and their directories, never "creates" a file that has content (latin-1, binary or UTF-8:
//! its bytes stay as they were), writes a 0-byte file, and refuses a range past the end with
//! the file's real line count.

mod support;

use providers::fake::{FakeProvider, Scenario};
use serde_json::Value;
use support::cli::{Run, Sandbox};

const CALC: &str = "def add(a, b):\n    return a - b\n\n\ndef main():\n    print(add(1, 2))\n";

/// Each reply answers the instruction that names its case.
const SCENARIO: &str = r#"
[auth]
required = false

[[reply]]
model = "m-coder"
contains = "case:two-files"
text = '''
calc.py
<<<<<<< SEARCH
    return a - b
=======
    return a + b
>>>>>>> REPLACE

pkg/util/helpers.py
<<<<<<< SEARCH
=======
def double(x):
    return 2 * x
>>>>>>> REPLACE
'''

[[reply]]
model = "m-coder"
contains = "case:second-fails"
text = '''
calc.py
<<<<<<< SEARCH
    return a - b
=======
    return a + b
>>>>>>> REPLACE

legacy.py
<<<<<<< SEARCH
caf = 1
=======
cafe = 1
>>>>>>> REPLACE
'''

[[reply]]
model = "m-coder"
contains = "case:create-latin1"
text = "legacy.py\n<<<<<<< SEARCH\n=======\nprint('new')\n>>>>>>> REPLACE\n"

[[reply]]
model = "m-coder"
contains = "case:create-binary"
text = "logo.png\n<<<<<<< SEARCH\n=======\nprint('new')\n>>>>>>> REPLACE\n"

[[reply]]
model = "m-coder"
contains = "case:create-utf8"
text = "notes.py\n<<<<<<< SEARCH\n=======\nprint('new')\n>>>>>>> REPLACE\n"

[[reply]]
model = "m-coder"
contains = "case:broken"
text = "```python\ndef add(a, b):\n    return (a + b\n```\n"

[[reply]]
model = "m-coder"
contains = "leaves a syntax error"
text = "```python\ndef add(a, b):\n    return (a + b\n```\n"

[[reply]]
model = "m-coder"
contains = "case:create-empty"
text = "pkg/__init__.py\n<<<<<<< SEARCH\n=======\nprint('new')\n>>>>>>> REPLACE\n"
"#;

const LATIN1: &[u8] = b"caf\xe9 = 1\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

async fn setup() -> (FakeProvider, Sandbox) {
    let scenario = Scenario::from_toml_str(SCENARIO).expect("a good scenario");
    let fake = FakeProvider::start("127.0.0.1:0".parse().expect("an address"), scenario)
        .await
        .expect("the fake starts");
    let sandbox = Sandbox::new();
    sandbox.write(
        ".switchboard.toml",
        &format!(
            "[providers.fake]\nkind = \"ollama\"\nbase_url = \"{}\"\nmax_retries = 0\n\n[models.coder]\nprovider = \"fake\"\nname = \"m-coder\"\nprice = {{ input = 1.0, output = 2.0 }}\n\n[roles]\nimplement = [\"coder\"]\n",
            fake.url()
        ),
    );
    sandbox.write("calc.py", CALC);
    std::fs::write(sandbox.path().join("legacy.py"), LATIN1).expect("writable");
    std::fs::write(sandbox.path().join("logo.png"), PNG).expect("writable");
    sandbox.write("notes.py", "print('old')\n");
    sandbox.write("pkg/__init__.py", "");
    (fake, sandbox)
}

fn run(sandbox: &Sandbox, case: &str, extra: &[&str]) -> Run {
    let instruction = format!("case:{case}");
    let mut args = vec![
        "run",
        "implement",
        "calc.py:1-2",
        "--instruction",
        &instruction,
    ];
    args.extend_from_slice(extra);
    tokio::task::block_in_place(|| sandbox.run(&args))
}

fn read(sandbox: &Sandbox, path: &str) -> Vec<u8> {
    std::fs::read(sandbox.path().join(path)).expect("the file is there")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_writes_every_file_of_a_reply_or_none() {
    let (_fake, sandbox) = setup().await;

    // The second file may not be edited: nothing is written, and --json says why.
    let refused = run(&sandbox, "second-fails", &["--apply", "--json"]);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    let error: Value = serde_json::from_str(&refused.stdout).expect("a JSON error object");
    assert_eq!(error["outcome"], "refused");
    assert_eq!(error["model"], "coder");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("block 2 (legacy.py): the file is not UTF-8 text")),
        "{error}"
    );
    assert_eq!(
        read(&sandbox, "calc.py"),
        CALC.as_bytes(),
        "the first file stays"
    );
    assert_eq!(read(&sandbox, "legacy.py"), LATIN1);

    // An edit and a new file in a new directory: both written.
    let applied = run(&sandbox, "two-files", &["--apply", "--json"]);
    assert_eq!(applied.code, Some(0), "{}", applied.stderr);
    let out: Value = serde_json::from_str(&applied.stdout).expect("json");
    assert_eq!(out["outcome"], "applied");
    assert_eq!(out["created"], serde_json::json!(["pkg/util/helpers.py"]));
    assert!(String::from_utf8_lossy(&read(&sandbox, "calc.py")).contains("return a + b"));
    assert_eq!(
        read(&sandbox, "pkg/util/helpers.py"),
        b"def double(x):\n    return 2 * x\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_search_never_overwrites_a_file_that_has_content() {
    let (fake, sandbox) = setup().await;
    for (case, path, bytes, why) in [
        (
            "create-latin1",
            "legacy.py",
            LATIN1,
            "the file is not UTF-8 text",
        ),
        ("create-binary", "logo.png", PNG, "the file is binary"),
        (
            "create-utf8",
            "notes.py",
            b"print('old')\n".as_slice(),
            "the file exists and is not empty",
        ),
    ] {
        let refused = run(&sandbox, case, &["--apply"]);
        assert_eq!(refused.code, Some(1), "{case}: {}", refused.stderr);
        assert!(refused.stderr.contains(why), "{case}: {}", refused.stderr);
        assert!(
            !refused.stderr.contains("does not exist"),
            "{case}: {}",
            refused.stderr
        );
        assert_eq!(
            read(&sandbox, path),
            bytes,
            "{case}: the bytes are unchanged"
        );
    }
    // A 0-byte file is written.
    let written = run(&sandbox, "create-empty", &["--apply"]);
    assert_eq!(written.code, Some(0), "{}", written.stderr);
    assert_eq!(read(&sandbox, "pkg/__init__.py"), b"print('new')\n");
    assert_eq!(
        fake.requests().len(),
        4,
        "no retry for files that cannot be edited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_past_the_end_is_refused_with_the_real_line_count() {
    let (fake, sandbox) = setup().await;
    for (place, want) in [
        (
            "calc.py:7-7",
            "lines 7-7 are not in calc.py, which has 6 lines",
        ),
        (
            "calc.py:6-9",
            "lines 6-9 are not in calc.py, which has 6 lines",
        ),
    ] {
        let past = tokio::task::block_in_place(|| sandbox.run(&["run", "implement", place]));
        assert_eq!(past.code, Some(2), "{place}: {}", past.stdout);
        assert!(past.stderr.contains(want), "{place}: {}", past.stderr);
    }
    let json =
        tokio::task::block_in_place(|| sandbox.run(&["run", "implement", "calc.py:7-7", "--json"]));
    assert_eq!(json.code, Some(2));
    let error: Value = serde_json::from_str(&json.stdout).expect("a JSON error object");
    assert_eq!(error["outcome"], "failed");
    assert_eq!(
        error["message"],
        "lines 7-7 are not in calc.py, which has 6 lines"
    );
    // The last line itself is in the file.
    let last = tokio::task::block_in_place(|| {
        sandbox.run(&[
            "run",
            "implement",
            "calc.py:6-6",
            "--instruction",
            "case:create-empty",
        ])
    });
    assert_eq!(last.code, Some(0), "{}", last.stderr);
    assert_eq!(fake.requests().len(), 1, "refused ranges sent nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_that_does_not_parse_follows_on_syntax_error() {
    let (fake, sandbox) = setup().await;
    let config = std::fs::read_to_string(sandbox.path().join(".switchboard.toml")).expect("config");
    let policy = |value: &str| {
        sandbox.write(
            ".switchboard.toml",
            &format!("{config}\n[edits]\non_syntax_error = \"{value}\"\n"),
        );
    };

    // The default asks once more (the same broken answer comes back), then refuses.
    let retried = run(&sandbox, "broken", &["--apply", "--json"]);
    assert_eq!(retried.code, Some(1), "{}", retried.stderr);
    let out: Value = serde_json::from_str(&retried.stdout).expect("json");
    assert_eq!(out["outcome"], "refused");
    assert!(
        out["message"]
            .as_str()
            .is_some_and(|m| m.contains("syntax error in calc.py at line 2")),
        "{out}"
    );
    assert_eq!(fake.requests().len(), 2, "the call and one retry");
    assert_eq!(read(&sandbox, "calc.py"), CALC.as_bytes());
    let trace_id = out["trace_id"].as_str().expect("a trace id").to_string();
    let trace = tokio::task::block_in_place(|| sandbox.run(&["trace", &trace_id]));
    assert!(
        trace.stdout.contains("syntax_check")
            && trace.stdout.contains("refused for a syntax error"),
        "{}",
        trace.stdout
    );

    policy("refuse");
    let refused = run(&sandbox, "broken", &["--apply"]);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    assert_eq!(fake.requests().len(), 3, "no retry");
    assert_eq!(read(&sandbox, "calc.py"), CALC.as_bytes());

    policy("apply");
    let applied = run(&sandbox, "broken", &["--apply"]);
    assert_eq!(applied.code, Some(0), "{}", applied.stderr);
    assert!(
        applied
            .stderr
            .contains("warning: the edit leaves a syntax error in calc.py at line 2"),
        "{}",
        applied.stderr
    );
    assert!(String::from_utf8_lossy(&read(&sandbox, "calc.py")).contains("return (a + b\n"));

    policy("maybe");
    let bad = tokio::task::block_in_place(|| sandbox.run(&["check"]));
    assert_eq!(bad.code, Some(2));
    assert!(
        bad.stderr.contains("on_syntax_error is \"retry\""),
        "{}",
        bad.stderr
    );
}
