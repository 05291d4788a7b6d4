//! Corpus replies that answer with SEARCH/REPLACE blocks (or fail to).

use super::{Case, Expect, Kind, crlf, edit, refused};

/// `src/config.rs`, with `add` (lines 17-19) selected.
pub const CONFIG: &str = "use std::collections::HashMap;
use std::path::PathBuf;

pub struct Config {
    pub name: String,
    pub paths: Vec<PathBuf>,
}

impl Config {
    pub fn new(name: &str) -> Self {
        Config {
            name: name.to_string(),
            paths: Vec::new(),
        }
    }

⟦    pub fn add(&mut self, path: PathBuf) {
        self.paths.push(path);
    }
⟧
    pub fn len(&self) -> usize {
        self.paths.len()
    }
}
";

/// `CONFIG` with `add` skipping duplicates.
pub const CONFIG_DEDUP: &str = "use std::collections::HashMap;
use std::path::PathBuf;

pub struct Config {
    pub name: String,
    pub paths: Vec<PathBuf>,
}

impl Config {
    pub fn new(name: &str) -> Self {
        Config {
            name: name.to_string(),
            paths: Vec::new(),
        }
    }

    pub fn add(&mut self, path: PathBuf) {
        if !self.paths.contains(&path) {
            self.paths.push(path);
        }
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }
}
";

pub const DEDUP_BLOCK: &str = "<<<<<<< SEARCH
    pub fn add(&mut self, path: PathBuf) {
        self.paths.push(path);
    }
=======
    pub fn add(&mut self, path: PathBuf) {
        if !self.paths.contains(&path) {
            self.paths.push(path);
        }
    }
>>>>>>> REPLACE
";

const MAIN: &str = "mod config;

fn main() {
    let mut c = config::Config::new(\"demo\");
    c.add(\"a\".into());
}
";

/// `CONFIG` without the selection markers.
fn config() -> String {
    CONFIG.replace(['⟦', '⟧'], "")
}

pub fn cases() -> Vec<Case> {
    let mut cases = vec![
        Case::new(
            "single block without a path",
            "src/config.rs",
            CONFIG,
            &format!("Skip paths that are already there:\n\n{DEDUP_BLOCK}\nThat keeps `paths` free of duplicates."),
            edit("src/config.rs", CONFIG_DEDUP),
        ),
        Case::new(
            "block naming the selection's file",
            "src/config.rs",
            CONFIG,
            &format!("src/config.rs\n{DEDUP_BLOCK}"),
            edit("src/config.rs", CONFIG_DEDUP),
        ),
        Case::new(
            "aider style: path line, then a fenced block",
            "src/config.rs",
            CONFIG,
            &format!("I'll make `add` idempotent.\n\nsrc/config.rs\n```rust\n{DEDUP_BLOCK}```\n"),
            edit("src/config.rs", CONFIG_DEDUP),
        ),
        Case::new(
            "path in a sentence introducing the block",
            "src/config.rs",
            CONFIG,
            "Update `main` in `src/main.rs`:\n\n<<<<<<< SEARCH\nmod config;\n=======\nmod config;\nmod util;\n>>>>>>> REPLACE\n",
            edit("src/main.rs", &MAIN.replace("mod config;\n", "mod config;\nmod util;\n")),
        )
        .with("src/main.rs", MAIN),
        Case::new(
            "backslash path line",
            "src/config.rs",
            CONFIG,
            &format!(".\\src\\config.rs\n{DEDUP_BLOCK}"),
            edit("src/config.rs", CONFIG_DEDUP),
        ),
        Case::new(
            "old aider words ORIGINAL and UPDATED",
            "src/config.rs",
            CONFIG,
            &DEDUP_BLOCK
                .replace("<<<<<<< SEARCH", "<<<<<<< ORIGINAL")
                .replace(">>>>>>> REPLACE", ">>>>>>> UPDATED"),
            edit("src/config.rs", CONFIG_DEDUP),
        ),
        Case::new(
            "several blocks apply in order",
            "src/config.rs",
            CONFIG,
            "Two changes.\n\n<<<<<<< SEARCH\nuse std::collections::HashMap;\n=======\nuse std::collections::HashSet;\n>>>>>>> REPLACE\n\nThen, since the first block changed the import:\n\n<<<<<<< SEARCH\nuse std::collections::HashSet;\nuse std::path::PathBuf;\n=======\nuse std::collections::HashSet;\nuse std::path::{Path, PathBuf};\n>>>>>>> REPLACE\n",
            edit(
                "src/config.rs",
                &config().replace(
                    "use std::collections::HashMap;\nuse std::path::PathBuf;",
                    "use std::collections::HashSet;\nuse std::path::{Path, PathBuf};",
                ),
            ),
        ),
        Case::new(
            "an edit outside the selection (an import)",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\nuse std::path::PathBuf;\n=======\nuse std::path::PathBuf;\nuse std::sync::Arc;\n>>>>>>> REPLACE\n",
            edit(
                "src/config.rs",
                &config().replace("PathBuf;\n", "PathBuf;\nuse std::sync::Arc;\n"),
            ),
        ),
        Case::new(
            "two files, one read through read_other",
            "src/config.rs",
            CONFIG,
            &format!("src/config.rs\n{DEDUP_BLOCK}\nsrc/main.rs\n<<<<<<< SEARCH\n    c.add(\"a\".into());\n=======\n    c.add(\"a\".into());\n    c.add(\"a\".into());\n    assert_eq!(c.len(), 1);\n>>>>>>> REPLACE\n"),
            Expect::Edits(vec![
                ("src/config.rs", CONFIG_DEDUP.to_string()),
                (
                    "src/main.rs",
                    MAIN.replace("    c.add(\"a\".into());\n", "    c.add(\"a\".into());\n    c.add(\"a\".into());\n    assert_eq!(c.len(), 1);\n"),
                ),
            ]),
        )
        .with("src/main.rs", MAIN),
        Case::new(
            "a path named once covers the blocks after it",
            "src/config.rs",
            CONFIG,
            "In `main`:\n\n**`src/main.rs`**\n<<<<<<< SEARCH\nmod config;\n=======\nmod config;\nmod util;\n>>>>>>> REPLACE\n<<<<<<< SEARCH\n    c.add(\"a\".into());\n=======\n    c.add(\"a\".into());\n    util::report(&c);\n>>>>>>> REPLACE\n",
            edit(
                "src/main.rs",
                "mod config;\nmod util;\n\nfn main() {\n    let mut c = config::Config::new(\"demo\");\n    c.add(\"a\".into());\n    util::report(&c);\n}\n",
            ),
        )
        .with("src/main.rs", MAIN),
        Case::new(
            "a new file from an empty SEARCH",
            "src/config.rs",
            CONFIG,
            "Add a helper module:\n\nsrc/util.rs\n```rust\n<<<<<<< SEARCH\n=======\nuse crate::config::Config;\n\npub fn report(c: &Config) {\n    println!(\"{} paths\", c.len());\n}\n>>>>>>> REPLACE\n```\n",
            edit(
                "src/util.rs",
                "use crate::config::Config;\n\npub fn report(c: &Config) {\n    println!(\"{} paths\", c.len());\n}\n",
            ),
        ),
        Case::new(
            "indentation drift: SEARCH sent dedented",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\npub fn add(&mut self, path: PathBuf) {\n    self.paths.push(path);\n}\n=======\npub fn add(&mut self, path: PathBuf) {\n    if !self.paths.contains(&path) {\n        self.paths.push(path);\n    }\n}\n>>>>>>> REPLACE\n",
            edit("src/config.rs", CONFIG_DEDUP),
        ),
        Case::new(
            "indentation drift: SEARCH over-indented",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\n            pub fn add(&mut self, path: PathBuf) {\n                self.paths.push(path);\n            }\n=======\n            pub fn add(&mut self, path: PathBuf) {\n                if !self.paths.contains(&path) {\n                    self.paths.push(path);\n                }\n            }\n>>>>>>> REPLACE\n",
            edit("src/config.rs", CONFIG_DEDUP),
        ),
        Case::new(
            "indentation drift in a tab-indented go file",
            "cmd/serve.go",
            "package main\n\nfunc serve() {\n⟦\tif err := run(); err != nil {\n\t\tpanic(err)\n\t}\n⟧}\n",
            "```go\n<<<<<<< SEARCH\nif err := run(); err != nil {\n\tpanic(err)\n}\n=======\nif err := run(); err != nil {\n\tlog.Fatal(err)\n}\n>>>>>>> REPLACE\n```",
            edit(
                "cmd/serve.go",
                "package main\n\nfunc serve() {\n\tif err := run(); err != nil {\n\t\tlog.Fatal(err)\n\t}\n}\n",
            ),
        ),
        Case::new(
            "spaces where the file has tabs are not guessed at",
            "cmd/serve.go",
            "package main\n\nfunc serve() {\n⟦\tif err := run(); err != nil {\n\t\tpanic(err)\n\t}\n⟧}\n",
            "<<<<<<< SEARCH\n    if err := run(); err != nil {\n        panic(err)\n    }\n=======\n    if err := run(); err != nil {\n        log.Fatal(err)\n    }\n>>>>>>> REPLACE\n",
            refused(Kind::NotFound, &["closest lines are 4-6", "    4 | \tif err := run(); err != nil {"]),
        ),
        Case::new(
            "spurious blank line opening SEARCH",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\n\n        self.paths.push(path);\n=======\n\n        if !self.paths.contains(&path) {\n            self.paths.push(path);\n        }\n>>>>>>> REPLACE\n",
            edit("src/config.rs", CONFIG_DEDUP),
        ),
        Case::new(
            "spurious blank line closing SEARCH at the end of the file",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\n    pub fn len(&self) -> usize {\n        self.paths.len()\n    }\n}\n\n=======\n    pub fn len(&self) -> usize {\n        self.paths.len()\n    }\n\n    pub fn is_empty(&self) -> bool {\n        self.paths.is_empty()\n    }\n}\n\n>>>>>>> REPLACE\n",
            edit(
                "src/config.rs",
                &config().replace(
                    "        self.paths.len()\n    }\n}\n",
                    "        self.paths.len()\n    }\n\n    pub fn is_empty(&self) -> bool {\n        self.paths.is_empty()\n    }\n}\n",
                ),
            ),
        ),
        Case::new(
            "elision keeps the lines it stands for",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\nimpl Config {\n...\n    pub fn len(&self) -> usize {\n        self.paths.len()\n    }\n}\n=======\nimpl Config {\n...\n    pub fn len(&self) -> usize {\n        self.paths.len()\n    }\n\n    pub fn is_empty(&self) -> bool {\n        self.paths.is_empty()\n    }\n}\n>>>>>>> REPLACE\n",
            edit(
                "src/config.rs",
                &config().replace(
                    "        self.paths.len()\n    }\n}\n",
                    "        self.paths.len()\n    }\n\n    pub fn is_empty(&self) -> bool {\n        self.paths.is_empty()\n    }\n}\n",
                ),
            ),
        ),
        Case::new(
            "elision without its pair in REPLACE",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\nimpl Config {\n...\n}\n=======\nimpl Config {\n    pub fn clear(&mut self) {}\n}\n>>>>>>> REPLACE\n",
            refused(Kind::Malformed, &["block 1", "`...`"]),
        ),
        Case::new(
            "elision that fits three ways",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\n    pub fn new(name: &str) -> Self {\n...\n    }\n=======\n    pub fn new(name: impl Into<String>) -> Self {\n...\n    }\n>>>>>>> REPLACE\n",
            refused(Kind::Ambiguous, &["lines 15, 19 and 23"]),
        ),
        Case::new(
            "python stub whose `...` is code",
            "shapes.py",
            "from typing import Protocol\n\nclass Shape(Protocol):\n⟦    def area(self) -> float:\n        ...\n⟧",
            "<<<<<<< SEARCH\n    def area(self) -> float:\n        ...\n=======\n    def area(self) -> float:\n        \"\"\"The area, in square units.\"\"\"\n        ...\n>>>>>>> REPLACE\n",
            edit(
                "shapes.py",
                "from typing import Protocol\n\nclass Shape(Protocol):\n    def area(self) -> float:\n        \"\"\"The area, in square units.\"\"\"\n        ...\n",
            ),
        ),
        Case::new(
            "SEARCH that matches nothing",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\n    pub fn push(&mut self, path: PathBuf) {\n        self.paths.push(path);\n    }\n=======\n    pub fn push(&mut self, path: PathBuf) {\n        self.paths.push(path.canonicalize().unwrap_or(path));\n    }\n>>>>>>> REPLACE\n",
            refused(
                Kind::NotFound,
                &[
                    "block 1 (src/config.rs)",
                    "closest lines are 17-19",
                    "   17 |     pub fn add(&mut self, path: PathBuf) {",
                    "   19 |     }",
                    "copied exactly",
                ],
            ),
        ),
        Case::new(
            "SEARCH that matches two places",
            "src/parse.rs",
            "fn parse_a(s: &str) -> u32 {\n    s.trim().parse().unwrap_or(0)\n}\n\n⟦fn parse_b(s: &str) -> u32 {\n    s.trim().parse().unwrap_or(0)\n}\n⟧",
            "<<<<<<< SEARCH\n    s.trim().parse().unwrap_or(0)\n=======\n    s.trim().parse().unwrap_or(u32::MAX)\n>>>>>>> REPLACE\n",
            refused(Kind::Ambiguous, &["2 places", "lines 2 and 6", "surrounding lines"]),
        ),
        Case::new(
            "crlf file edited by blocks",
            "src/config.rs",
            &crlf(CONFIG),
            DEDUP_BLOCK,
            edit("src/config.rs", &crlf(CONFIG_DEDUP)),
        ),
        Case::new(
            "crlf blocks on an lf file",
            "src/config.rs",
            CONFIG,
            &crlf(&format!("src/config.rs\n{DEDUP_BLOCK}")),
            edit("src/config.rs", CONFIG_DEDUP),
        ),
        Case::new(
            "mixed line endings: untouched lines keep theirs",
            "src/config.rs",
            &CONFIG.replacen('\n', "\r\n", 2),
            DEDUP_BLOCK,
            edit("src/config.rs", &CONFIG_DEDUP.replacen('\n', "\r\n", 2)),
        ),
        Case::new(
            "trailing spaces in the file",
            "src/config.rs",
            &CONFIG.replace("push(path);\n", "push(path);   \n"),
            DEDUP_BLOCK,
            edit("src/config.rs", CONFIG_DEDUP),
        ),
        Case::new(
            "block on the last line of a file without a final newline",
            "src/config.rs",
            CONFIG.trim_end(),
            "<<<<<<< SEARCH\n        self.paths.len()\n    }\n}\n=======\n        self.paths.len()\n    }\n}\n\nimpl Default for Config {\n    fn default() -> Self {\n        Config::new(\"default\")\n    }\n}\n>>>>>>> REPLACE\n",
            edit(
                "src/config.rs",
                &format!(
                    "{}\n\nimpl Default for Config {{\n    fn default() -> Self {{\n        Config::new(\"default\")\n    }}\n}}",
                    config().trim_end()
                ),
            ),
        ),
        Case::new(
            "deleting lines with an empty REPLACE",
            "src/config.rs",
            CONFIG,
            "The import is unused:\n<<<<<<< SEARCH\nuse std::collections::HashMap;\n=======\n>>>>>>> REPLACE\n",
            edit("src/config.rs", &config().replace("use std::collections::HashMap;\n", "")),
        ),
        Case::new(
            "a block that changes nothing",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\nuse std::path::PathBuf;\n=======\nuse std::path::PathBuf;\n>>>>>>> REPLACE\n",
            Expect::Edits(Vec::new()),
        ),
        Case::new(
            "emoji and cjk in a block",
            "src/i18n.rs",
            "pub const HELLO: &str = \"héllo 👋\";\n⟦pub const BYE: &str = \"bye\";\n⟧",
            "翻译如下 ✅\n\n<<<<<<< SEARCH\npub const BYE: &str = \"bye\";\n=======\npub const BYE: &str = \"さようなら 👋\";\n>>>>>>> REPLACE\n",
            edit(
                "src/i18n.rs",
                "pub const HELLO: &str = \"héllo 👋\";\npub const BYE: &str = \"さようなら 👋\";\n",
            ),
        ),
        Case::new(
            "markdown file whose block holds fences",
            "docs/usage.md",
            "# Usage\n\n⟦```sh\nswitchboard --help\n```\n⟧",
            "docs/usage.md\n<<<<<<< SEARCH\n```sh\nswitchboard --help\n```\n=======\n```sh\nswitchboard serve --stdio\n```\n>>>>>>> REPLACE\n",
            edit("docs/usage.md", "# Usage\n\n```sh\nswitchboard serve --stdio\n```\n"),
        ),
    ];
    cases.extend(refusals());
    cases
}

/// Block replies that must be refused.
fn refusals() -> Vec<Case> {
    vec![
        Case::new(
            "unknown file",
            "src/config.rs",
            CONFIG,
            "src/missing.rs\n<<<<<<< SEARCH\nfn old() {}\n=======\nfn new() {}\n>>>>>>> REPLACE\n",
            refused(
                Kind::UnknownFile,
                &["block 1 (src/missing.rs)", "does not exist"],
            ),
        ),
        Case::new(
            "path outside the workspace",
            "src/config.rs",
            CONFIG,
            "../secrets/.env.local\n<<<<<<< SEARCH\nKEY=old\n=======\nKEY=new\n>>>>>>> REPLACE\n",
            refused(
                Kind::UnknownFile,
                &["../secrets/.env.local", "not inside the workspace"],
            ),
        ),
        Case::new(
            "empty SEARCH on a file that exists",
            "src/config.rs",
            CONFIG,
            "src/main.rs\n<<<<<<< SEARCH\n=======\nfn helper() {}\n>>>>>>> REPLACE\n",
            refused(
                Kind::Ambiguous,
                &["block 1 (src/main.rs)", "SEARCH is empty"],
            ),
        )
        .with("src/main.rs", MAIN),
        Case::new(
            "cut off inside a block",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\n    pub fn add(&mut self, path: PathBuf) {\n        self.paths.push(path);\n    }\n=======\n    pub fn add(&mut self, path: PathBuf) {\n        if !self.paths",
            refused(Kind::Truncated, &["SEARCH/REPLACE block 1", "cut off"]),
        ),
        Case::new(
            "a heading underline that looks like the divider",
            "docs/index.rst",
            "Intro\n=======\n\n⟦Welcome.\n⟧",
            "<<<<<<< SEARCH\nIntro\n=======\n=======\nIntroduction\n============\n>>>>>>> REPLACE\n",
            refused(Kind::Malformed, &["two `=======` lines"]),
        ),
        Case::new(
            "REPLACE that leaves code out",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\n    pub fn add(&mut self, path: PathBuf) {\n        self.paths.push(path);\n    }\n\n    pub fn len(&self) -> usize {\n        self.paths.len()\n    }\n=======\n    // ... existing methods ...\n\n    pub fn is_empty(&self) -> bool {\n        self.paths.is_empty()\n    }\n>>>>>>> REPLACE\n",
            refused(
                Kind::Malformed,
                &["block 1 (src/config.rs)", "`// ... existing methods ...`"],
            ),
        ),
        Case::new(
            "SEARCH copied with the prompt's line numbers",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\n17     pub fn add(&mut self, path: PathBuf) {\n18         self.paths.push(path);\n19     }\n=======\n    pub fn add(&mut self, path: PathBuf) {\n        self.paths.dedup();\n        self.paths.push(path);\n    }\n>>>>>>> REPLACE\n",
            refused(Kind::NotFound, &["closest lines are 17-19"]),
        ),
        Case::new(
            "block without its divider",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\n    pub fn len(&self) -> usize {\n>>>>>>> REPLACE\n",
            refused(Kind::Malformed, &["`=======`"]),
        ),
        Case::new(
            "one of three blocks matches nothing",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\nuse std::collections::HashMap;\n=======\nuse std::collections::BTreeMap;\n>>>>>>> REPLACE\n\n<<<<<<< SEARCH\n    pub fn length(&self) -> usize {\n        self.paths.len()\n    }\n=======\n    pub fn count(&self) -> usize {\n        self.paths.len()\n    }\n>>>>>>> REPLACE\n\n<<<<<<< SEARCH\npub struct Config {\n=======\n#[derive(Debug)]\npub struct Config {\n>>>>>>> REPLACE\n",
            refused(
                Kind::NotFound,
                &[
                    "1 of the 3 SEARCH/REPLACE blocks cannot be applied, so none is",
                    "block 2 (src/config.rs)",
                    "   21 |     pub fn len(&self) -> usize {",
                ],
            ),
        ),
        Case::new(
            "two blocks fail in different ways",
            "src/config.rs",
            CONFIG,
            "<<<<<<< SEARCH\n    }\n=======\n    } // end\n>>>>>>> REPLACE\nsrc/gone.rs\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n",
            refused(
                Kind::Ambiguous,
                &[
                    "2 of the 2",
                    "lines 15, 19 and 23",
                    "block 2 (src/gone.rs): the file does not exist",
                ],
            ),
        ),
    ]
}
