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
