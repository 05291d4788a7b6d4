//! The command line's output as a terminal user meets it: a closed pipe ends a command quietly
//! (`switchboard costs --json | head -c 10` once panicked with exit 101).

mod support;

use std::process::Stdio;

use support::cli::Sandbox;

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let sandbox = Sandbox::new();
    for args in [
        &["costs", "--json"][..],
        &["costs"],
        &["routes"],
        &["routes", "--json"],
    ] {
        let mut child = sandbox
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        // The reader goes away before the command writes anything, as `head` does once it
        // has what it wants.
        drop(child.stdout.take());
        let done = child.wait_with_output().expect("it ends");
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

async fn fake_coder() -> providers::fake::FakeProvider {
    // Paced, so that a spinner has time to draw: 12 characters every 40 ms.
    let scenario = "[auth]\nrequired = false\n\n[[reply]]\nmodel = \"m-coder\"\ntext = \"```python\\ndef add(a, b):\\n    return a + b\\n```\"\ndelay_ms = 40\n";
    support::cli::fake(scenario).await
}

fn workspace(fake: &providers::fake::FakeProvider) -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".switchboard.toml",
        &format!(
            "[providers.fake]\nkind = \"ollama\"\nbase_url = \"{}\"\nmax_retries = 0\n\n[models.coder]\nprovider = \"fake\"\nname = \"m-coder\"\nprice = {{ input = 1.0, output = 2.0 }}\n\n[roles]\nimplement = [\"coder\"]\n",
            fake.url()
        ),
    );
    sandbox.write("calc.py", "def add(a, b):\n    pass\n");
    sandbox
}

/// A diff in colour on a terminal (forced here with `CLICOLOR_FORCE`, as `git` honours it),
/// plain text into a pipe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diff_is_coloured_for_a_terminal_and_plain_into_a_pipe() {
    let fake = fake_coder().await;
    let sandbox = workspace(&fake);
    let plain = tokio::task::block_in_place(|| sandbox.run(&["run", "implement", "calc.py:1-2"]));
    assert_eq!(plain.code, Some(0), "{}", plain.stderr);
    assert!(
        plain.stdout.contains("+    return a + b"),
        "{}",
        plain.stdout
    );
    assert!(!plain.stdout.contains('\x1b'), "{:?}", plain.stdout);
    let coloured = tokio::task::block_in_place(|| {
        sandbox
            .command(&["run", "implement", "calc.py:1-2"])
            .env("CLICOLOR_FORCE", "1")
            .output()
            .expect("the binary runs")
    });
    let stdout = String::from_utf8_lossy(&coloured.stdout);
    assert!(
        stdout.contains("\x1b[32m+    return a + b\x1b[0m"),
        "{stdout:?}"
    );
    assert!(stdout.contains("\x1b[31m-    pass\x1b[0m"), "{stdout:?}");
    assert!(stdout.contains("\x1b[36m@@"), "{stdout:?}");
}

/// On a terminal, a spinner on stderr names the role and model while the model works, and
/// is cleared before the diff; into a pipe, there is none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spinner_shows_on_a_terminal_while_the_model_works() {
    let fake = fake_coder().await;
    let sandbox = workspace(&fake);
    let piped = tokio::task::block_in_place(|| sandbox.run(&["run", "implement", "calc.py:1-2"]));
    assert!(
        !piped.stderr.contains("tokens so far") && !piped.stderr.contains('\x1b'),
        "no spinner into a pipe: {:?}",
        piped.stderr
    );
    // `script` runs the command on a pseudo-terminal and copies what it draws.
    let command = format!(
        "{} run implement calc.py:1-2",
        env!("CARGO_BIN_EXE_switchboard")
    );
    let on_terminal = tokio::task::block_in_place(|| {
        let mut script = std::process::Command::new("script");
        script.args(["-qec", &command, "/dev/null"]);
        let template = sandbox.command(&[]);
        for (key, value) in template.get_envs() {
            match value {
                Some(value) => script.env(key, value),
                None => script.env_remove(key),
            };
        }
        script
            .current_dir(sandbox.path())
            .env("TERM", "xterm")
            .output()
            .expect("script runs")
    });
    let drawn = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(
        drawn.contains("implement with coder: ~"),
        "no spinner in {drawn:?}"
    );
    assert!(drawn.contains("return a + b"), "{drawn:?}");
}

/// `costs` shows the spend per day as a bar chart, today last, and the last calls with the
/// trace ids that `switchboard trace` takes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costs_chart_the_days_and_list_the_last_traces() {
    let fake = fake_coder().await;
    let sandbox = workspace(&fake);
    let run = tokio::task::block_in_place(|| sandbox.run(&["run", "implement", "calc.py:1-2"]));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let trace = run
        .stderr
        .split("(trace ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no trace id in {}", run.stderr))
        .to_owned();
    let costs = tokio::task::block_in_place(|| sandbox.run(&["costs"]));
    assert_eq!(costs.code, Some(0), "{}", costs.stderr);
    let out = &costs.stdout;
    assert!(out.contains("spend per day, the last 14 days:"), "{out}");
    let days: Vec<&str> = out
        .lines()
        .skip_while(|line| !line.starts_with("spend per day"))
        .skip(1)
        .take_while(|line| !line.is_empty())
        .collect();
    assert_eq!(days.len(), 14, "{out}");
    let today = days.last().expect("today");
    assert!(today.contains('█'), "today has the only spend: {today}");
    assert!(days[..13].iter().all(|day| !day.contains('█')), "{out}");
    assert!(
        out.contains("last calls (`switchboard trace ID` shows one):"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|line| line.trim_start().starts_with(&trace) && line.contains("implement")),
        "{out}"
    );
}
