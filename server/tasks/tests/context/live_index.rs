//! The workspace index follows the disk: a new file, a new field and a deleted file are seen
//! after `update`, a directory's files with it; a saved index is read back so that an unchanged
//! workspace parses nothing; what `.gitignore`, excludes and hidden directories keep out stays
//! out of an update too.

use std::path::PathBuf;

use crate::support::*;

fn fields_of(index: &WorkspaceIndex, name: &str) -> String {
    index
        .lookup(name)
        .first()
        .map(|definition| definition.signature.clone())
        .unwrap_or_default()
}

#[test]
fn new_files_new_fields_and_deleted_files_are_seen_after_an_update() {
    let dir = workspace(&[
        ("src/widget.rs", "pub struct Widget {\n    pub a: u32,\n}\n"),
        ("src/old.rs", "pub fn retired() {}\n"),
    ]);
    let root = dir.path().to_path_buf();
    let index = WorkspaceIndex::build(std::slice::from_ref(&root), &[]);
    assert!(fields_of(&index, "Widget").contains("pub a: u32"));
    assert!(!fields_of(&index, "Widget").contains("pub b"));
    assert_eq!(index.lookup("retired").len(), 1);

    std::fs::write(
        root.join("src/widget.rs"),
        "pub struct Widget {\n    pub a: u32,\n    pub b: String,\n}\n",
    )
    .expect("writable");
    std::fs::write(root.join("src/extra.rs"), "pub fn brand_new() {}\n").expect("writable");
    std::fs::remove_file(root.join("src/old.rs")).expect("removable");
    let changed = index.update(&[
        root.join("src/widget.rs"),
        root.join("src/extra.rs"),
        root.join("src/old.rs"),
    ]);
    assert_eq!(changed, 3);
    assert!(
        fields_of(&index, "Widget").contains("pub b: String"),
        "{}",
        fields_of(&index, "Widget")
    );
    assert_eq!(index.lookup("brand_new")[0].path, "src/extra.rs");
    assert!(index.lookup("retired").is_empty());

    // A new directory arrives as one event; a deleted one takes its files with it.
    std::fs::create_dir_all(root.join("src/parts/deep")).expect("writable");
    std::fs::write(root.join("src/parts/deep/gear.rs"), "pub struct Gear;\n").expect("writable");
    assert_eq!(index.update(&[root.join("src/parts")]), 1);
    assert_eq!(index.lookup("Gear")[0].path, "src/parts/deep/gear.rs");
    std::fs::remove_dir_all(root.join("src/parts")).expect("removable");
    assert_eq!(index.update(&[root.join("src/parts")]), 1);
    assert!(index.lookup("Gear").is_empty());
}

#[test]
fn an_update_keeps_out_what_the_walk_keeps_out() {
    let dir = workspace(&[
        (".gitignore", "generated/\n"),
        ("src/lib.rs", "pub fn kept() {}\n"),
    ]);
    let root = dir.path().to_path_buf();
    let index = WorkspaceIndex::build(std::slice::from_ref(&root), &["private/**".to_owned()]);
    let files: Vec<(&str, &str)> = vec![
        ("generated/out.rs", "pub fn ignored_by_git() {}\n"),
        ("private/key.rs", "pub fn excluded_by_config() {}\n"),
        ("secrets/token.rs", "pub fn excluded_by_default() {}\n"),
        (".hidden/tool.rs", "pub fn in_a_hidden_dir() {}\n"),
        ("src/.dotfile.rs", "pub fn hidden_file() {}\n"),
    ];
    let mut paths: Vec<PathBuf> = Vec::new();
    for (path, text) in &files {
        let absolute = root.join(path);
        std::fs::create_dir_all(absolute.parent().expect("a parent")).expect("writable");
        std::fs::write(&absolute, text).expect("writable");
        paths.push(absolute);
    }
    assert_eq!(index.update(&paths), 0);
    for name in [
        "ignored_by_git",
        "excluded_by_config",
        "excluded_by_default",
        "in_a_hidden_dir",
        "hidden_file",
    ] {
        assert!(index.lookup(name).is_empty(), "{name} was indexed");
    }
    // A fresh walk agrees.
    let walked = WorkspaceIndex::build(std::slice::from_ref(&root), &["private/**".to_owned()]);
    assert_eq!(walked.file_count(), index.file_count());
}

#[test]
fn a_saved_index_is_read_back_and_only_changed_files_are_parsed() {
    let dir = workspace(&[
        ("a.py", "def alpha():\n    pass\n"),
        ("b.py", "def beta():\n    pass\n"),
        ("c.py", "def gamma():\n    pass\n"),
    ]);
    let state = tempfile::tempdir().expect("a temp dir");
    let roots = [dir.path().to_path_buf()];

    let first = WorkspaceIndex::new(&roots, &[]).saved_in(state.path());
    let report = first.refresh();
    assert_eq!((report.files, report.parsed, report.reused), (3, 3, 0));

    // Another process, nothing changed: nothing parsed.
    let second = WorkspaceIndex::new(&roots, &[]).saved_in(state.path());
    let report = second.refresh();
    assert_eq!((report.files, report.parsed, report.reused), (3, 0, 3));
    assert_eq!(second.lookup("beta")[0].path, "b.py");

    // One file changed (its size too, so the stamp differs whatever the clock), one gone.
    std::fs::write(dir.path().join("b.py"), "def beta_two():\n    pass\n").expect("writable");
    std::fs::remove_file(dir.path().join("c.py")).expect("removable");
    let third = WorkspaceIndex::new(&roots, &[]).saved_in(state.path());
    let report = third.refresh();
    assert_eq!((report.files, report.parsed, report.reused), (2, 1, 1));
    assert!(third.lookup("beta").is_empty());
    assert_eq!(third.lookup("beta_two")[0].path, "b.py");
    assert!(third.lookup("gamma").is_empty());

    // A saved index that is not JSON is read afresh, not trusted.
    let saved: Vec<PathBuf> = std::fs::read_dir(state.path().join("index"))
        .expect("the index is saved")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    std::fs::write(&saved[0], "not json").expect("writable");
    let fourth = WorkspaceIndex::new(&roots, &[]).saved_in(state.path());
    assert_eq!(fourth.refresh().parsed, 2);
}

#[test]
fn several_roots_label_each_file_by_its_folder() {
    let api = workspace(&[("src/lib.rs", "pub fn serve() {}\n")]);
    let web = workspace(&[("src/lib.rs", "pub fn render() {}\n")]);
    let roots = [api.path().to_path_buf(), web.path().to_path_buf()];
    let index = WorkspaceIndex::build(&roots, &[]);
    let name = |dir: &tempfile::TempDir| {
        dir.path()
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned()
    };
    let label = format!("{}/src/lib.rs", name(&web));
    assert_eq!(index.lookup("render")[0].path, label);
    assert_eq!(
        path_label(&roots, &web.path().join("src/lib.rs")).as_deref(),
        Some(label.as_str())
    );
    // The label leads back to the file; a label without a folder's name is the default
    // folder's; `..` leads nowhere.
    assert_eq!(
        resolve_label(&roots, None, &label),
        Some((web.path().to_path_buf(), "src/lib.rs".to_owned()))
    );
    assert_eq!(
        resolve_label(&roots, Some(api.path()), "src/lib.rs"),
        Some((api.path().to_path_buf(), "src/lib.rs".to_owned()))
    );
    assert_eq!(
        resolve_label(&roots, Some(api.path()), "../etc/passwd"),
        None
    );
    // One folder: the plain path.
    assert_eq!(
        path_label(&roots[..1], &api.path().join("src/lib.rs")).as_deref(),
        Some("src/lib.rs")
    );
}

#[test]
fn updates_are_saved_when_asked_not_at_every_change() {
    let dir = workspace(&[
        ("a.py", "def alpha():\n    pass\n"),
        ("b.py", "def beta():\n    pass\n"),
    ]);
    let state = tempfile::tempdir().expect("a temp dir");
    let roots = [dir.path().to_path_buf()];
    let index = WorkspaceIndex::new(&roots, &[]).saved_in(state.path());
    index.refresh();
    std::fs::write(dir.path().join("b.py"), "def beta_two():\n    pass\n").expect("writable");
    assert_eq!(index.update(&[dir.path().join("b.py")]), 1);
    // Not saved yet: another process reads b.py again.
    let other = WorkspaceIndex::new(&roots, &[]).saved_in(state.path());
    assert_eq!(other.refresh().parsed, 1);
    // Saved: nothing to read again (`other` saved its own refresh too, so start over).
    std::fs::write(dir.path().join("a.py"), "def alpha_two():\n    pass\n").expect("writable");
    assert_eq!(index.update(&[dir.path().join("a.py")]), 1);
    index.save_updates();
    let third = WorkspaceIndex::new(&roots, &[]).saved_in(state.path());
    let report = third.refresh();
    assert_eq!((report.parsed, report.reused), (0, 2));
    assert_eq!(third.lookup("alpha_two")[0].path, "a.py");
}
