//! Registry lookups: by LSP language id, by path, and the plain-text fallback.

use syntax::{grammar_for_language_id, grammar_for_path};

#[test]
fn language_ids_pick_their_grammar() {
    let cases = [
        ("rust", Some("rust")),
        ("python", Some("python")),
        ("javascript", Some("javascript")),
        ("javascriptreact", Some("javascript")),
        ("typescript", Some("typescript")),
        ("typescriptreact", Some("tsx")),
        ("go", Some("go")),
        ("c", Some("c")),
        ("cpp", Some("cpp")),
        ("java", Some("java")),
        ("lua", Some("lua")),
        ("shellscript", Some("bash")),
        ("bash", Some("bash")),
        ("sh", Some("bash")),
        ("json", Some("json")),
        ("jsonc", Some("json")),
        ("toml", Some("toml")),
        ("markdown", Some("markdown")),
        ("Rust", Some("rust")),
        ("plaintext", None),
        ("haskell", None),
        ("", None),
    ];
    for (id, expected) in cases {
        assert_eq!(
            grammar_for_language_id(id).map(|grammar| grammar.name()),
            expected,
            "{id:?}"
        );
    }
}

#[test]
fn paths_pick_their_grammar_by_file_name_then_extension() {
    let cases = [
        ("src/main.rs", Some("rust")),
        ("a/b.py", Some("python")),
        ("types.pyi", Some("python")),
        ("index.js", Some("javascript")),
        ("index.mjs", Some("javascript")),
        ("App.jsx", Some("javascript")),
        ("src/a.ts", Some("typescript")),
        ("src/a.tsx", Some("tsx")),
        ("main.go", Some("go")),
        ("x.c", Some("c")),
        ("x.h", Some("c")),
        ("x.cpp", Some("cpp")),
        ("x.hpp", Some("cpp")),
        ("A.java", Some("java")),
        ("init.lua", Some("lua")),
        ("build.sh", Some("bash")),
        ("/home/u/.bashrc", Some("bash")),
        ("package.json", Some("json")),
        ("Cargo.toml", Some("toml")),
        ("Cargo.lock", Some("toml")),
        ("README.md", Some("markdown")),
        ("file:///ws/README.MD", Some("markdown")),
        (r"C:\src\lib.RS", Some("rust")),
        ("Makefile", None),
        (".gitignore", None),
        ("notes.txt", None),
        ("", None),
        ("dir.rs/", None),
    ];
    for (path, expected) in cases {
        assert_eq!(
            grammar_for_path(path).map(|grammar| grammar.name()),
            expected,
            "{path:?}"
        );
    }
}
