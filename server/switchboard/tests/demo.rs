//! `switchboard demo` through the real binary: offline, exit 0, and every step shown — the code
//! actions, the applied diff, the review finding, the answer with its checked citations, the
//! routing decisions and the cost table.

mod support;

use support::cli::Sandbox;

#[test]
fn the_demo_runs_end_to_end_offline() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["demo"]);
    assert_eq!(
        run.code,
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    let out = &run.stdout;
    for expected in [
        "Implement with coder (~$",
        "implement by coder: applied",
        "+        if count < 0:",
        "review by reviewer: reviewed",
        "inventory.py:14: remove() lets a count go below zero",
        "search by searcher: answered",
        "cites line 16 to 17",
        "== routing decisions",
        "implement: coder",
        "total           3",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

/// The trace ids the demo prints are found by `switchboard trace`, in the demo's own ledger
/// (kept with `--keep`), and read as a timeline.
#[test]
fn a_kept_demo_says_how_to_read_its_traces() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["demo", "--keep"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let hint = run
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("read a trace: "))
        .unwrap_or_else(|| panic!("no hint in:\n{}", run.stdout));
    let (state, trace) = hint
        .strip_prefix("SWITCHBOARD_STATE_DIR=")
        .and_then(|rest| rest.split_once(" switchboard trace "))
        .unwrap_or_else(|| panic!("an unexpected hint: {hint}"));
    let read = sandbox
        .command(&["trace", trace])
        .env("SWITCHBOARD_STATE_DIR", state)
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&read.stdout);
    assert_eq!(read.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with(&format!("trace {trace}: implement by coder, $")),
        "{text}"
    );
    assert!(text.contains("1 call, 1 attempt"), "{text}");
    // Every event in time order, offsets from the first.
    let offsets: Vec<f64> = text
        .lines()
        .skip(1)
        .filter_map(|line| line.trim_start().strip_prefix('+'))
        .filter_map(|rest| rest.split_once('s'))
        .filter_map(|(offset, _)| offset.trim().parse().ok())
        .collect();
    assert!(offsets.len() >= 4, "{text}");
    assert!(offsets.windows(2).all(|pair| pair[0] <= pair[1]), "{text}");
    assert!(text.contains("routed    implement → coder"), "{text}");
    assert!(text.contains("settled   coder: "), "{text}");
    let kept = std::path::Path::new(state)
        .parent()
        .expect("the scratch workspace")
        .to_path_buf();
    std::fs::remove_dir_all(kept).expect("removable");
}
