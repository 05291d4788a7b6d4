//! Corpus replies that answer with one fenced block replacing the selection (or fail to).

use super::{Case, Kind, crlf, edit, refused};

const ADD: &str = "use std::fmt;

⟦fn add(a: i32, b: i32) -> i32 {
    todo!()
}
⟧
fn main() {}
";

const ADD_DONE: &str = "use std::fmt;

fn add(a: i32, b: i32) -> i32 {
    a + b
}

fn main() {}
";

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "fence with prose around it",
            "src/math.rs",
            ADD,
            "Here's the implementation:\n\n```rust\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n```\n\nIt simply adds the two numbers.",
            edit("src/math.rs", ADD_DONE),
        ),
        Case::new(
            "fence without a language",
            "src/math.rs",
            ADD,
            "```\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n```",
            edit("src/math.rs", ADD_DONE),
        ),
        Case::new(
            "fence with the wrong language",
            "src/math.rs",
            ADD,
            "Sure!\n```python\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n```\n",
            edit("src/math.rs", ADD_DONE),
        ),
        Case::new(
            "tilde fence",
            "src/math.rs",
            ADD,
            "~~~rust\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n~~~\n",
            edit("src/math.rs", ADD_DONE),
        ),
        Case::new(
            "crlf reply on an lf file",
            "src/math.rs",
            ADD,
            &crlf("Done:\n```rust\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n```\n"),
            edit("src/math.rs", ADD_DONE),
        ),
        Case::new(
            "lf reply on a crlf file",
            "src/math.rs",
            &crlf(ADD),
            "```rust\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n```",
            edit("src/math.rs", &crlf(ADD_DONE)),
        ),
        Case::new(
            "crlf reply on a crlf file",
            "src/math.rs",
            &crlf(ADD),
            &crlf("```rust\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n```\n"),
            edit("src/math.rs", &crlf(ADD_DONE)),
        ),
        Case::new(
            "expression selected mid-line, no newline kept",
            "src/sum.rs",
            "fn total(a: u64, b: u64) -> u64 {\n    let s = ⟦a + b⟧;\n    s\n}\n",
            "Use a saturating add so it cannot overflow:\n\n```rust\na.saturating_add(b)\n```\n",
            edit(
                "src/sum.rs",
                "fn total(a: u64, b: u64) -> u64 {\n    let s = a.saturating_add(b);\n    s\n}\n",
            ),
        ),
        Case::new(
            "dedented python reply re-indented to the method body",
            "app/models.py",
            "class Cart:\n    def total(self):\n⟦        return 0\n⟧\n    def clear(self):\n        self.items = []\n",
            "```python\ntotal = 0\nfor item in self.items:\n    total += item.price * item.qty\nreturn total\n```",
            edit(
                "app/models.py",
                "class Cart:\n    def total(self):\n        total = 0\n        for item in self.items:\n            total += item.price * item.qty\n        return total\n\n    def clear(self):\n        self.items = []\n",
            ),
        ),
        Case::new(
            "selection after indentation, reply in the selection's own shape",
            "src/lib.rs",
            "impl S {\n    ⟦fn get(&self) -> u32 {\n        self.x\n    }⟧\n}\n",
            "```rust\nfn get(&self) -> u32 {\n        self.x.min(100)\n    }\n```",
            edit(
                "src/lib.rs",
                "impl S {\n    fn get(&self) -> u32 {\n        self.x.min(100)\n    }\n}\n",
            ),
        ),
        Case::new(
            "selection after indentation, reply written as whole lines",
            "src/lib.rs",
            "impl S {\n    ⟦fn get(&self) -> u32 {\n        self.x\n    }⟧\n}\n",
            "```rust\n    fn get(&self) -> u32 {\n        self.x.min(100)\n    }\n```",
            edit(
                "src/lib.rs",
                "impl S {\n    fn get(&self) -> u32 {\n        self.x.min(100)\n    }\n}\n",
            ),
        ),
        Case::new(
            "emoji and cjk text",
            "src/i18n.rs",
            "pub const HELLO: &str = \"héllo 👋\";\n⟦pub const BYE: &str = \"bye\";\n⟧pub const END: &str = \"終\";\n",
            "把字符串翻译成中文 🇨🇳:\n\n```rust\npub const BYE: &str = \"再见 👋\";\n```\n",
            edit(
                "src/i18n.rs",
                "pub const HELLO: &str = \"héllo 👋\";\npub const BYE: &str = \"再见 👋\";\npub const END: &str = \"終\";\n",
            ),
        ),
        Case::new(
            "a sentence that mentions fences is not one",
            "src/math.rs",
            ADD,
            "Answers come in ```rust``` fences, so here it is:\n```rust\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n```\n",
            edit("src/math.rs", ADD_DONE),
        ),
        Case::new(
            "fence inside a list item",
            "src/math.rs",
            ADD,
            "1. Replace the body:\n\n   ```rust\n   fn add(a: i32, b: i32) -> i32 {\n       a + b\n   }\n   ```\n2. Run the tests.\n",
            edit("src/math.rs", ADD_DONE),
        ),
        Case::new(
            "markdown replacement holding its own fence",
            "README.md",
            "# Demo\n\n⟦Run it.\n⟧",
            "````markdown\nRun it:\n\n```sh\ncargo run\n```\n````\n",
            edit("README.md", "# Demo\n\nRun it:\n\n```sh\ncargo run\n```\n"),
        ),
        Case::new(
            "last line of a file without a final newline",
            "src/main.rs",
            "fn main() {\n⟦    println!(\"hi\");\n}⟧",
            "```rust\n    println!(\"hello, world\");\n}\n```",
            edit(
                "src/main.rs",
                "fn main() {\n    println!(\"hello, world\");\n}",
            ),
        ),
        Case::new(
            "a comment naming the file heads the fence",
            "src/math.rs",
            ADD,
            "```rust\n// filepath: src/math.rs\n\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n```",
            edit("src/math.rs", ADD_DONE),
        ),
        Case::new(
            "existing code left out with a comment",
            "src/config.rs",
            &format!(
                "{}⟧",
                super::corpus_blocks::CONFIG
                    .replace(['⟦', '⟧'], "")
                    .replace("impl Config {", "⟦impl Config {")
            ),
            "```rust\nimpl Config {\n    // ... existing code ...\n\n    pub fn is_empty(&self) -> bool {\n        self.paths.is_empty()\n    }\n}\n```",
            refused(
                Kind::Malformed,
                &["leaves code out (`// ... existing code ...`)"],
            ),
        ),
        Case::new(
            "prose only",
            "src/math.rs",
            ADD,
            "I think the function is fine as it is; `todo!()` is intentional here.",
            refused(Kind::NoEdit, &["no code block"]),
        ),
        Case::new(
            "before and after blocks",
            "src/math.rs",
            ADD,
            "Before:\n```rust\nfn add(a: i32, b: i32) -> i32 {\n    todo!()\n}\n```\nAfter:\n```rust\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n```\n",
            refused(
                Kind::SeveralFences,
                &["2 code blocks", "lines 2 and 8", "exactly one"],
            ),
        ),
        Case::new(
            "code plus a shell command",
            "src/math.rs",
            ADD,
            "```rust\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n```\nThen run:\n```sh\ncargo test\n```\n",
            refused(Kind::SeveralFences, &["lines 1 and 7"]),
        ),
        Case::new(
            "cut off inside the fence",
            "src/math.rs",
            ADD,
            "```rust\nfn add(a: i32, b: i32) -> i32 {\n    a +",
            refused(Kind::Truncated, &["code block opened at line 1", "cut off"]),
        ),
        Case::new(
            "a diff instead of code",
            "src/math.rs",
            ADD,
            "```diff\n--- a/src/math.rs\n+++ b/src/math.rs\n@@ -3,3 +3,3 @@\n fn add(a: i32, b: i32) -> i32 {\n-    todo!()\n+    a + b\n }\n```\n",
            refused(Kind::Malformed, &["holds a diff"]),
        ),
        Case::new(
            "an empty fence",
            "src/math.rs",
            ADD,
            "Nothing to change:\n```rust\n```\n",
            refused(Kind::Malformed, &["is empty"]),
        ),
        Case::new(
            "conflict markers in a fence without a SEARCH line",
            "src/math.rs",
            ADD,
            "```rust\n=======\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n>>>>>>> REPLACE\n```\n",
            refused(Kind::Malformed, &["never opened"]),
        ),
        Case::new(
            "whole file sent back for a selected function",
            "src/math.rs",
            ADD,
            "Here is the complete file:\n\n```rust\nuse std::fmt;\n\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n\nfn main() {}\n```\n",
            refused(
                Kind::Malformed,
                &["repeats line 1 of the file (`use std::fmt;`)"],
            ),
        ),
        Case::new(
            "signature sent back with the selected body",
            "src/sum.rs",
            "pub fn total(xs: &[u32]) -> u32 {\n⟦    todo!()\n⟧}\n",
            "```rust\npub fn total(xs: &[u32]) -> u32 {\n    xs.iter().sum()\n}\n```",
            refused(
                Kind::Malformed,
                &["repeats line 1 of the file", "outside the selection"],
            ),
        ),
        Case::new(
            "statement sent back for a selected expression",
            "src/sum.rs",
            "fn total(a: u64, b: u64) -> u64 {\n    let s = ⟦a + b⟧;\n    s\n}\n",
            "```rust\nlet s = a.saturating_add(b);\n```",
            refused(
                Kind::Malformed,
                &["repeats line 2 of the file (`let s = a + b;`)"],
            ),
        ),
        Case::new(
            "enclosing impl sent back for a method",
            "src/config.rs",
            super::corpus_blocks::CONFIG,
            "```rust\nimpl Config {\n    pub fn new(name: &str) -> Self {\n        Config {\n            name: name.to_string(),\n            paths: Vec::new(),\n        }\n    }\n\n    pub fn add(&mut self, path: PathBuf) {\n        if !self.paths.contains(&path) {\n            self.paths.push(path);\n        }\n    }\n}\n```\n",
            refused(
                Kind::Malformed,
                &["repeats line 9 of the file (`impl Config {`)"],
            ),
        ),
        Case::new(
            "a near twin of other code in the file is not an echo",
            "src/parse.rs",
            "fn parse_a(s: &str) -> u32 {\n    s.trim().parse().unwrap_or(0)\n}\n\n⟦fn parse_b(s: &str) -> u32 {\n    s.trim().parse().unwrap_or(0)\n}\n⟧",
            "```rust\nfn parse_b(s: &str) -> u32 {\n    s.trim().parse().unwrap_or(u32::MAX)\n}\n```",
            edit(
                "src/parse.rs",
                "fn parse_a(s: &str) -> u32 {\n    s.trim().parse().unwrap_or(0)\n}\n\nfn parse_b(s: &str) -> u32 {\n    s.trim().parse().unwrap_or(u32::MAX)\n}\n",
            ),
        ),
    ]
}
