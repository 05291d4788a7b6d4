//! Fixtures for JSON, TOML and Markdown: outline, markers, and scope where there is one.

use expect_test::expect;

use crate::support::check;

#[test]
fn json() {
    check(
        "jsonc",
        r#"{
  // TODO: pin the versions
  "name": "switchboard",
  "version": "0.1.0",
  "scripts": {
    "build": "tsc",
    "test": "vitest $0"
  },
  "files": ["dist"],
  "contributes": {
    "configuration": { "title": "switchboard" }
  }
}
"#,
        expect![[r#"
            scope: none
            outline:
              key name L3: "name": "switchboard"
              key version L4: "version": "0.1.0"
              key scripts L5-8: "scripts":
              key files L9: "files": ["dist"]
              key contributes L10-12: "contributes":
                key configuration L11: "configuration":
            markers:
              Todo L2: "pin the versions"
        "#]],
    );
}

#[test]
fn toml() {
    check(
        "toml",
        r#"# FIXME: split the workspace
[workspace]
members = ["server/*"]

[workspace.dependencies]
ropey = "1.6"
tree-sitter = "0.25" $0

[[bin]]
name = "switchboard"

[profile."release"]
debug = true
"#,
        expect![[r#"
            scope: table workspace.dependencies L5-8
            outline:
              table workspace L2-4: [workspace]
              table workspace.dependencies L5-8: [workspace.dependencies]
              table bin L9-11: [[bin]]
              table profile."release" L12-13: [profile."release"]
            markers:
              Fixme L1: "split the workspace"
        "#]],
    );
}

#[test]
fn markdown() {
    check(
        "markdown",
        r#"# switchboard

One server, several models.

<!-- TODO: add a screenshot -->

## Install

Run `cargo install`.

### From source

Clone $0and build.

Usage
-----

```rust
fn main() {} // TODO: not a marker, this is code
```

## License
"#,
        expect![[r#"
            scope: section From source L11-21
            outline:
              section switchboard L1-22: # switchboard
                section Install L7-21: ## Install
                  section From source L11-21: ### From source
                    section Usage L15-16: Usage
                section License L22: ## License
            markers:
              Todo L5: "add a screenshot"
        "#]],
    );
}
