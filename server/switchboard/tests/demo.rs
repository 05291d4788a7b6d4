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
