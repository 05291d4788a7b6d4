//! The librarian's dependencies never lead out of where dependencies live: a `top_level.txt`
//! or a `Cargo.lock` naming a path, and a `node_modules` entry that links into the workspace
//! (an npm workspace member, `npm link`), give no library, so nothing of the workspace is read
//! around its excludes.

use std::fs;
use std::path::Path;

use tasks::agent::library::{Places, dependencies, resolve};

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("a parent")).expect("a directory");
    fs::write(path, text).expect("a file");
}

#[test]
fn a_top_level_name_that_is_a_path_gives_no_library() {
    let temp = tempfile::tempdir().expect("a temp dir");
    let ws = temp.path().join("ws");
    let site = ws.join(".venv/lib/python3.12/site-packages");
    write(&ws.join(".env"), "TOKEN=secret\n");
    for (dist, top) in [
        ("evil-1.0", "/"),
        ("worse-1.0", "../../../.."),
        ("good-1.0", "good"),
    ] {
        write(
            &site.join(format!("{dist}.dist-info/top_level.txt")),
            &format!("{top}\n"),
        );
    }
    write(&site.join("good/__init__.py"), "");
    let found = dependencies(&ws, &Places::default());
    let labels: Vec<String> = found.iter().map(|l| l.label()).collect();
    assert_eq!(labels, ["good@1.0"]);
    assert!(resolve(&found, "evil@1.0/.env").is_none());
    assert!(resolve(&found, "worse@1.0/ws/.env").is_none());
}

#[test]
fn a_lockfile_name_that_is_a_path_gives_no_library() {
    let temp = tempfile::tempdir().expect("a temp dir");
    let ws = temp.path().join("ws");
    let cargo = temp.path().join("cargo");
    write(
        &ws.join("Cargo.lock"),
        "[[package]]\nname = \"../x\"\nversion = \"y\"\nsource = \"registry+https://example.com\"\n\n[[package]]\nname = \"ok\"\nversion = \"1.0.0\"\nsource = \"registry+https://example.com\"\n",
    );
    write(&cargo.join("registry/src/index-1/ok-1.0.0/src/lib.rs"), "");
    // `../x` `y` would name `registry/src/x-y`, a directory beside the indexes.
    write(&cargo.join("registry/src/x-y/secret.rs"), "");
    let places = Places {
        cargo_home: Some(cargo),
        virtual_env: None,
    };
    let labels: Vec<String> = dependencies(&ws, &places)
        .iter()
        .map(|l| l.label())
        .collect();
    assert_eq!(labels, ["ok@1.0.0"]);
}

#[cfg(unix)]
#[test]
fn a_node_package_linked_into_the_workspace_is_not_a_dependency() {
    let temp = tempfile::tempdir().expect("a temp dir");
    let ws = temp.path().join("ws");
    // An npm workspace member: node_modules/@me/app links to packages/app.
    write(
        &ws.join("packages/app/package.json"),
        r#"{"name": "@me/app", "version": "1.0.0"}"#,
    );
    write(&ws.join("packages/app/.env"), "TOKEN=secret\n");
    write(
        &ws.join("node_modules/left-pad/package.json"),
        r#"{"name": "left-pad", "version": "1.3.0"}"#,
    );
    fs::create_dir_all(ws.join("node_modules/@me")).expect("a scope");
    std::os::unix::fs::symlink(ws.join("packages/app"), ws.join("node_modules/@me/app"))
        .expect("a link");
    std::os::unix::fs::symlink(ws.join("packages/app"), ws.join("node_modules/linked"))
        .expect("a link");
    let found = dependencies(&ws, &Places::default());
    let labels: Vec<String> = found.iter().map(|l| l.label()).collect();
    assert_eq!(labels, ["left-pad@1.3.0"]);
    assert!(resolve(&found, "@me/app@1.0.0/.env").is_none());
}
