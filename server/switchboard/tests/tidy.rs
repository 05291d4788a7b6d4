//! Tidy checks over the whole workspace's Rust sources: each file opens with a `//!` line
//! saying what it is for, no file grows past 800 lines, and no test is skipped with the
//! ignore attribute.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n == "target" || n == "node_modules")
            {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn workspace_sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    rust_files(&root.join("server"), &mut files);
    assert!(files.len() > 10, "found the workspace's sources");
    files
}

#[test]
fn every_rust_file_says_what_it_is_for() {
    let missing: Vec<_> = workspace_sources()
        .into_iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading `//!` line: {missing:#?}"
    );
}

#[test]
fn no_file_is_too_long_to_live_in() {
    let long: Vec<_> = workspace_sources()
        .into_iter()
        .filter_map(|path| {
            let lines = std::fs::read_to_string(&path)
                .unwrap_or_default()
                .lines()
                .count();
            (lines > 800).then_some((path, lines))
        })
        .collect();
    assert!(long.is_empty(), "split these along the domain: {long:#?}");
}

#[test]
fn no_test_is_ignored() {
    let marker = concat!("#[", "ignore");
    let ignored: Vec<_> = workspace_sources()
        .into_iter()
        .filter(|path| {
            std::fs::read_to_string(path)
                .unwrap_or_default()
                .contains(marker)
        })
        .collect();
    assert!(
        ignored.is_empty(),
        "assert today's behaviour with a FIXME instead: {ignored:#?}"
    );
}
