//! The workspace index lives: a definition added on disk (a new file, a new field) is in the
//! next packet without a restart, whether the editor reports the change
//! (`didChangeWatchedFiles`, `didSave`) or the server's own watcher sees it; and with several
//! workspace folders, every file has one label that packets and citations share, so a citation
//! into the second folder is a valid location. The first command after start does not wait for
//! the index.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::fixture::{ClientSetup, Fixture, reply};
use text::PositionEncoding;

const WIDGET: &str = "pub struct Widget {\n    pub a: u32,\n}\n";
const WIDGET_GROWN: &str = "pub struct Widget {\n    pub a: u32,\n    pub b: String,\n}\n";
const MAIN: &str = "use crate::widget::Widget;\n\nfn build() -> Widget {\n    let w = Widget::default();\n    brand_new(&w);\n    w\n}\n";
const EXTRA: &str = "pub fn brand_new(widget: &Widget) {}\n";

/// Runs Explain on `build` and returns the text the model was sent.
async fn explain_sends(f: &mut Fixture, uri: &str) -> String {
    let before = f.fake.requests().len();
    let finished = f
        .answer(
            "switchboard.search",
            uri,
            (2, 0, 7, 0),
            Some("What does build do?"),
        )
        .await;
    assert_eq!(finished["outcome"], "answered");
    let requests = f.fake.requests();
    assert_eq!(requests.len(), before + 1);
    requests[before].body.to_string()
}

fn answers(count: usize) -> String {
    (0..count)
        .map(|_| reply("m-searcher", "It builds a widget.", ""))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_the_editor_reports_are_in_the_next_packet() {
    let setup = ClientSetup {
        watches_files: true,
        ..ClientSetup::default()
    };
    let mut f = Fixture::start_setup(&answers(3), PositionEncoding::Utf16, setup).await;
    f.write("src/widget.rs", WIDGET);
    f.write("src/main.rs", MAIN);
    let uri = f.uri("src/main.rs");
    f.server.open(&uri, "rust", MAIN).await;
    // The files were written after the index was started: the editor reports them.
    f.server
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [
                { "uri": f.uri("src/widget.rs"), "type": 1 },
                { "uri": f.uri("src/main.rs"), "type": 1 },
            ] }),
        )
        .await;
    let sent = explain_sends(&mut f, &uri).await;
    assert!(sent.contains("pub a: u32"), "{sent}");
    assert!(!sent.contains("pub b: String"), "{sent}");
    assert!(!sent.contains("fn brand_new"), "{sent}");

    // A new field and a new file, reported: the very next packet has them.
    f.write("src/widget.rs", WIDGET_GROWN);
    f.write("src/extra.rs", EXTRA);
    f.server
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [
                { "uri": f.uri("src/widget.rs"), "type": 2 },
                { "uri": f.uri("src/extra.rs"), "type": 1 },
            ] }),
        )
        .await;
    let sent = explain_sends(&mut f, &uri).await;
    assert!(sent.contains("pub b: String"), "{sent}");
    assert!(sent.contains("pub fn brand_new(widget: &Widget)"), "{sent}");

    // A save alone is enough too.
    f.write(
        "src/extra.rs",
        "pub fn brand_new(widget: &Widget, saved: bool) {}\n",
    );
    f.server
        .notify(
            "textDocument/didSave",
            json!({ "textDocument": { "uri": f.uri("src/extra.rs") } }),
        )
        .await;
    let sent = explain_sends(&mut f, &uri).await;
    assert!(sent.contains("saved: bool"), "{sent}");
    f.shutdown().await;
}

/// Asks `switchboard/workspaceIndex` for `name` until `found` says so, for up to 20 s.
async fn until_indexed(f: &mut Fixture, name: &str, found: impl Fn(&Value) -> bool) {
    let start = Instant::now();
    loop {
        let answer = f
            .server
            .request_ok("switchboard/workspaceIndex", json!({ "name": name }))
            .await;
        if answer["ready"] == true && found(&answer["found"]) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the index never showed {name}: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_own_watcher_follows_the_disk_when_the_editor_cannot() {
    // The client does not watch files (Neovim on Linux, Helix): the server watches itself.
    let mut f = Fixture::start(&answers(2), PositionEncoding::Utf16).await;
    f.write("src/widget.rs", WIDGET);
    f.write("src/main.rs", MAIN);
    let uri = f.uri("src/main.rs");
    f.server.open(&uri, "rust", MAIN).await;
    until_indexed(&mut f, "Widget", |found| {
        found.as_array().is_some_and(|list| !list.is_empty())
    })
    .await;
    let sent = explain_sends(&mut f, &uri).await;
    assert!(sent.contains("pub a: u32"), "{sent}");

    f.write("src/widget.rs", WIDGET_GROWN);
    f.write("src/extra.rs", EXTRA);
    until_indexed(&mut f, "Widget", |found| {
        found.to_string().contains("pub b: String")
    })
    .await;
    until_indexed(&mut f, "brand_new", |found| {
        found.as_array().is_some_and(|list| !list.is_empty())
    })
    .await;
    let sent = explain_sends(&mut f, &uri).await;
    assert!(sent.contains("pub b: String"), "{sent}");
    assert!(sent.contains("pub fn brand_new(widget: &Widget)"), "{sent}");
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citation_into_a_second_folder_is_a_valid_location() {
    let second = tempfile::tempdir().expect("a temp dir");
    let second_name = second
        .path()
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    std::fs::create_dir_all(second.path().join("src")).expect("writable");
    std::fs::write(second.path().join("src/extra.rs"), EXTRA).expect("writable");
    let answer =
        format!("build calls `{second_name}/src/extra.rs:1`; the widget is in src/widget.rs:1.");
    let setup = ClientSetup {
        extra_folders: vec![second.path().to_path_buf()],
        ..ClientSetup::default()
    };
    let scenario = reply("m-searcher", &answer, "");
    let mut f = Fixture::start_setup(&scenario, PositionEncoding::Utf16, setup).await;
    f.write("src/widget.rs", WIDGET);
    f.write("src/main.rs", MAIN);
    let own_name = f
        .workspace
        .path()
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    let uri = f.uri("src/main.rs");
    f.server.open(&uri, "rust", MAIN).await;
    until_indexed(&mut f, "brand_new", |found| {
        found.as_array().is_some_and(|list| !list.is_empty())
    })
    .await;
    let before = f.fake.requests().len();
    let finished = f
        .answer("switchboard.search", &uri, (2, 0, 7, 0), Some("Where?"))
        .await;
    // The packet calls both folders' files by the same kind of label.
    let sent = f.fake.requests()[before].body.to_string();
    assert!(sent.contains(&format!("{own_name}/src/main.rs")), "{sent}");
    assert!(
        sent.contains(&format!("{second_name}/src/extra.rs")),
        "{sent}"
    );
    // Both citations are locations: the second folder's, and the selection's folder's without
    // its name.
    let second_uri =
        tower_lsp_server::ls_types::Uri::from_file_path(second.path().join("src/extra.rs"))
            .expect("a file URI");
    let locations = finished["citations"].as_array().expect("citations");
    assert_eq!(locations.len(), 2, "{finished}");
    assert_eq!(locations[0]["uri"], second_uri.as_str());
    assert_eq!(locations[1]["uri"], f.uri("src/widget.rs"));
    assert_eq!(finished["invalid_citations"], json!([]));
    f.shutdown().await;
}

/// Where the fixture's server saves its index.
fn saved_index(workspace: &std::path::Path) -> std::path::PathBuf {
    tasks::context::WorkspaceIndex::saved_file(
        &workspace.join(".state"),
        &[workspace.to_path_buf()],
    )
}

/// The saved index is a named pipe nothing writes to: the server's first refresh blocks
/// reading it, as a slow first walk of a large workspace would hold it.
fn block_the_saved_index(workspace: &std::path::Path) {
    let saved = saved_index(workspace);
    std::fs::create_dir_all(saved.parent().expect("a parent")).expect("writable");
    let made = std::process::Command::new("mkfifo")
        .arg(&saved)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_command_does_not_wait_for_the_index() {
    let setup = ClientSetup {
        prepare: Some(block_the_saved_index),
        ..ClientSetup::default()
    };
    let mut f = Fixture::start_setup(&answers(1), PositionEncoding::Utf16, setup).await;
    f.write("src/widget.rs", WIDGET);
    f.write("src/main.rs", MAIN);
    let uri = f.uri("src/main.rs");
    f.server.open(&uri, "rust", MAIN).await;
    let status = f
        .server
        .request_ok("switchboard/workspaceIndex", json!({ "name": "Widget" }))
        .await;
    assert_eq!(status["ready"], false, "{status}");

    // The command is answered with what the index holds so far: nothing.
    let sent = explain_sends(&mut f, &uri).await;
    assert!(!sent.contains("pub a: u32"), "{sent}");

    // Let the refresh go on (what the pipe gives is no saved index: it indexes afresh).
    let saved = saved_index(f.workspace.path());
    tokio::task::block_in_place(|| std::fs::write(&saved, "not json")).expect("the pipe opens");
    until_indexed(&mut f, "Widget", |found| {
        found.to_string().contains("pub a: u32")
    })
    .await;
    f.shutdown().await;
}
