//! `Ledger::open_in_state_dir` against the real environment. Changing the environment of the
//! test process would leak into other tests, so each case re-executes this test binary with the
//! variables set: with `LEDGER_STATE_DIR_CHILD` set, `state_dir_child` opens the ledger and
//! prints where it landed.

use std::path::{Path, PathBuf};
use std::process::Command;

const CHILD_ENV: &str = "LEDGER_STATE_DIR_CHILD";

#[test]
fn state_dir_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return; // Not a child: the ordinary test run.
    }
    match ledger::Ledger::open_in_state_dir() {
        Ok(ledger) => println!("state-dir-child opened {}", ledger.path().display()),
        Err(err) => println!("state-dir-child error {err}"),
    }
}

/// Runs the child with exactly these state variables and returns its report.
fn open_with(vars: &[(&str, &Path)]) -> String {
    let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
    command
        .args([
            "state_dir_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .env_remove("SWITCHBOARD_STATE_DIR")
        .env_remove("XDG_STATE_HOME")
        .env_remove("HOME");
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().expect("run the child");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}");
    stdout
        .lines()
        // The harness prints "test state_dir_child ... " on the same line, before the report.
        .find_map(|line| {
            line.split_once("state-dir-child ")
                .map(|(_, report)| report.to_owned())
        })
        .unwrap_or_else(|| panic!("no report from child: {stdout}"))
}

#[test]
fn the_override_then_xdg_then_home_is_used_and_created() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();

    let custom = root.join("custom").join("nested");
    let report = open_with(&[
        ("SWITCHBOARD_STATE_DIR", &custom),
        ("XDG_STATE_HOME", &root.join("xdg")),
    ]);
    let expected: PathBuf = custom.join("ledger.sqlite");
    assert_eq!(report, format!("opened {}", expected.display()));
    assert!(expected.is_file());

    let report = open_with(&[
        ("XDG_STATE_HOME", &root.join("xdg")),
        ("HOME", &root.join("home")),
    ]);
    let expected = root.join("xdg/switchboard/ledger.sqlite");
    assert_eq!(report, format!("opened {}", expected.display()));
    assert!(expected.is_file());

    let report = open_with(&[("HOME", &root.join("home"))]);
    let expected = root.join("home/.local/state/switchboard/ledger.sqlite");
    assert_eq!(report, format!("opened {}", expected.display()));
    assert!(expected.is_file());
}

#[test]
fn an_uncreatable_state_dir_is_a_clear_error() {
    let temp = tempfile::tempdir().unwrap();
    let blocker = temp.path().join("a-file");
    std::fs::write(&blocker, b"").unwrap();
    let report = open_with(&[("SWITCHBOARD_STATE_DIR", &blocker.join("state"))]);
    assert!(
        report.starts_with(&format!(
            "error cannot create the ledger's directory {}",
            blocker.join("state").display()
        )),
        "{report}"
    );
    assert!(report.contains("set SWITCHBOARD_STATE_DIR"), "{report}");

    let report = open_with(&[]);
    assert!(
        report.starts_with("error cannot find a state directory"),
        "{report}"
    );
}
