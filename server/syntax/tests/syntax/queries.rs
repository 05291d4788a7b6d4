//! Every query file of every grammar compiles, uses only the captures its kind knows, and the
//! registry has the files each language should have.

use expect_test::expect;
use syntax::{QueryKind, grammars};

#[test]
fn every_query_of_every_grammar_compiles() {
    for grammar in grammars() {
        if let Err(err) = grammar.check_queries() {
            panic!("{err}");
        }
        for kind in QueryKind::ALL {
            assert_eq!(
                grammar.query(kind).is_some(),
                grammar.query_source(kind).is_some(),
                "{} {kind}: the lazily compiled query should exist exactly when the file does",
                grammar.name()
            );
        }
    }
}

#[test]
fn each_language_has_the_query_files_that_make_sense_for_it() {
    let table: String = grammars()
        .iter()
        .map(|grammar| {
            let files: Vec<&str> = QueryKind::ALL
                .into_iter()
                .filter(|kind| grammar.query_source(*kind).is_some())
                .map(QueryKind::file_name)
                .collect();
            format!("{:<10} {}\n", grammar.name(), files.join(" "))
        })
        .collect();
    expect![[r#"
        rust       scopes.scm outline.scm imports.scm markers.scm complexity.scm locals.scm
        python     scopes.scm outline.scm imports.scm markers.scm complexity.scm locals.scm
        javascript scopes.scm outline.scm imports.scm markers.scm complexity.scm locals.scm
        typescript scopes.scm outline.scm imports.scm markers.scm complexity.scm locals.scm
        tsx        scopes.scm outline.scm imports.scm markers.scm complexity.scm locals.scm
        go         scopes.scm outline.scm imports.scm markers.scm complexity.scm locals.scm
        c          scopes.scm outline.scm imports.scm markers.scm complexity.scm
        cpp        scopes.scm outline.scm imports.scm markers.scm complexity.scm
        java       scopes.scm outline.scm imports.scm markers.scm complexity.scm
        lua        scopes.scm outline.scm imports.scm markers.scm complexity.scm
        bash       scopes.scm outline.scm imports.scm markers.scm complexity.scm
        json       outline.scm markers.scm
        toml       scopes.scm outline.scm markers.scm
        markdown   scopes.scm outline.scm markers.scm
    "#]]
    .assert_eq(&table);
}

/// The repository root, two levels above this crate.
fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_readme_lists_each_grammar_crate_at_its_locked_version() {
    let lock =
        std::fs::read_to_string(repo_root().join("Cargo.lock")).expect("Cargo.lock is readable");
    let readme = std::fs::read_to_string(repo_root().join("grammars/README.md"))
        .expect("grammars/README.md is readable");
    let mut name: Option<&str> = None;
    let mut checked = 0;
    for line in lock.lines() {
        if let Some(value) = line.strip_prefix("name = ") {
            name = Some(value.trim_matches('"'));
        } else if let (Some(crate_name), Some(version)) = (name, line.strip_prefix("version = ")) {
            let version = version.trim_matches('"');
            if crate_name.starts_with("tree-sitter-") && crate_name != "tree-sitter-language" {
                let row = format!("`{crate_name}`");
                let listed = readme
                    .lines()
                    .any(|line| line.contains(&row) && line.contains(&format!(" {version} ")));
                assert!(
                    listed,
                    "grammars/README.md should list {crate_name} {version}"
                );
                checked += 1;
            }
            name = None;
        }
    }
    assert!(
        checked >= 13,
        "only {checked} grammar crates found in Cargo.lock"
    );
}

#[test]
fn tidy_every_file_says_what_it_is_for_and_stays_short() {
    let mut files = Vec::new();
    let mut dirs = vec![
        repo_root().join("server/syntax/src"),
        repo_root().join("server/syntax/tests"),
        repo_root().join("grammars"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 40, "found only {} files", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("a readable file");
        let opening = match path.extension().and_then(|ext| ext.to_str()) {
            Some("rs") => "//! ",
            Some("scm") => "; ",
            _ => continue,
        };
        assert!(
            text.starts_with(opening),
            "{} should open with a `{opening}` line saying what it is for",
            path.display()
        );
        assert!(
            text.lines().count() <= 600,
            "{} is over 600 lines: split it",
            path.display()
        );
    }
}
