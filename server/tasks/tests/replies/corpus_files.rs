//! Corpus replies about which file an edit is for, and what that file holds: every way a model
//! names a file (a block applied to the selection's file when the reply meant another is a
//! wrong edit), files that are not UTF-8, binary, excluded, empty or missing, new directories,
//! and results that do not parse.
//!
//! The selection is in `a.py`; `b.py` starts with the same line, `import os`, so a block for
//! `b.py` that landed in `a.py` would apply there, and be counted as the wrong edit it is.

use super::{Case, Expect, Kind, edit, refused};

const A_PY: &str = "import os


def greet(name):
⟦    return 'hi ' + name
⟧

def main():
    print(greet(os.getcwd()))
";

const B_PY: &str = "import os


def helper(x):
    return x * 2
";

const B_PY_SYS: &str = "import os
import sys


def helper(x):
    return x * 2
";

const BLOCK: &str = "<<<<<<< SEARCH
import os
=======
import os
import sys
>>>>>>> REPLACE
";

/// A reply that names `b.py` in one of the forms models use, around [`BLOCK`].
fn names_b(name: &'static str, reply: String) -> Case {
    Case::new(name, "a.py", A_PY, &reply, edit("b.py", B_PY_SYS)).with("b.py", B_PY)
}

fn naming_forms() -> Vec<Case> {
    vec![
        names_b("name as the fence's info", format!("```b.py\n{BLOCK}```\n")),
        names_b(
            "name after the fence's language",
            format!("Add the import:\n\n```python b.py\n{BLOCK}```\n"),
        ),
        names_b(
            "language:name as the fence's info",
            format!("```python:b.py\n{BLOCK}```\n"),
        ),
        names_b(
            "title attribute in the fence's info",
            format!("```py title=\"b.py\"\n{BLOCK}```\n"),
        ),
        names_b(
            "name after a source tag",
            format!("<source>b.py\n{BLOCK}</source>\n"),
        ),
        names_b(
            "name inside code tags",
            format!("<code>b.py</code>\n{BLOCK}"),
        ),
        names_b(
            "name above a source fence",
            format!("b.py\n<source>python\n{BLOCK}</source>\n"),
        ),
        names_b(
            "name in a fence of its own, then the block's fence",
            format!("```\nb.py\n```\n```python\n{BLOCK}```\n"),
        ),
        names_b(
            "In name: without backticks",
            format!("In b.py:\n```python\n{BLOCK}```\n"),
        ),
        names_b("slash comment with the name", format!("// b.py\n{BLOCK}")),
        names_b(
            "hash comment with the name inside the fence",
            format!("```python\n# b.py\n{BLOCK}```\n"),
        ),
        names_b("bold name", format!("**b.py**\n```python\n{BLOCK}```\n")),
        names_b("backticked name", format!("`b.py`\n{BLOCK}")),
        names_b(
            "name with a colon after a blank line",
            format!("Here is the change.\n\nb.py:\n\n```python\n{BLOCK}```\n"),
        ),
        names_b("heading with the name", format!("### b.py\n{BLOCK}")),
        names_b("File: label", format!("File: b.py\n{BLOCK}")),
        names_b(
            "sentence naming the file",
            format!("Update `b.py` as follows:\n\n{BLOCK}"),
        ),
        names_b("list item with the name", format!("- b.py\n{BLOCK}")),
        names_b(
            "html comment with the name",
            format!("<!-- b.py -->\n{BLOCK}"),
        ),
        Case::new(
            "a shorter path for the selection's own file",
            "pkg/a.py",
            A_PY,
            "a.py\n<<<<<<< SEARCH\n    return 'hi ' + name\n=======\n    return 'hello ' + name\n>>>>>>> REPLACE\n",
            edit(
                "pkg/a.py",
                &A_PY
                    .replace("⟦", "")
                    .replace("⟧", "")
                    .replace("'hi '", "'hello '"),
            ),
        ),
    ]
}

/// The shapes of the edit-block replies in aider's own test suite, on this corpus's files.
fn aider_shapes() -> Vec<Case> {
    let b_pkg = |name: &'static str, reply: String| {
        Case::new(name, "a.py", A_PY, &reply, edit("pkg/b.py", B_PY_SYS)).with("pkg/b.py", B_PY)
    };
    vec![
        names_b(
            "name inside the fence, prose around",
            format!("Here's the change:\n\n```text\nb.py\n{BLOCK}```\n\nHope you like it!\n"),
        ),
        names_b(
            "name above the fence, prose around",
            format!("Here's the change:\n\nb.py\n```text\n{BLOCK}```\n\nHope you like it!\n"),
        ),
        names_b(
            "indented fence holding only the name, then the block's fence",
            format!("Here's the change:\n\n ```python\nb.py\n```\n```python\n{BLOCK}```\n"),
        ),
        names_b(
            "no final newline after the block",
            format!("b.py\n{}", BLOCK.trim_end()),
        ),
        b_pkg(
            "a windows path",
            format!("pkg\\b.py\n{BLOCK}"),
        ),
        Case::new(
            "second block after an ellipsis keeps the file",
            "a.py",
            A_PY,
            &format!(
                "Here's the change:\n\n```text\nb.py\n{BLOCK}\n...\n\n<<<<<<< SEARCH\n    return x * 2\n=======\n    return x * 3\n>>>>>>> REPLACE\n```\n"
            ),
            edit("b.py", &B_PY_SYS.replace("x * 2", "x * 3")),
        )
        .with("b.py", B_PY),
        Case::new(
            "a new file beside an edited one",
            "a.py",
            A_PY,
            &format!(
                "Here's the change:\n\npkg/new.py\n```python\n{EMPTY_SEARCH}```\n\nanother change\n\npkg/b.py\n```python\n{BLOCK}```\n"
            ),
            Expect::Edits(vec![
                ("pkg/new.py", "print('new')\n".to_string()),
                ("pkg/b.py", B_PY_SYS.to_string()),
            ]),
        )
        .with("pkg/b.py", B_PY),
        Case::new(
            "a block with no name at all is the selection's file",
            "a.py",
            A_PY,
            "Here's the change:\n\n```text\n<<<<<<< SEARCH\n    return 'hi ' + name\n=======\n    return 'hey ' + name\n>>>>>>> REPLACE\n```\n",
            edit(
                "a.py",
                &A_PY.replace("⟦", "").replace("⟧", "").replace("'hi '", "'hey '"),
            ),
        ),
    ]
}

fn unclear_files() -> Vec<Case> {
    vec![
        Case::new(
            "prose names another file, the block has no path line",
            "a.py",
            A_PY,
            &format!("I'll add the import to b.py, which needs `sys`.\n\n```python\n{BLOCK}```\n"),
            refused(
                Kind::WrongFile,
                &["block 1 (a.py)", "names b.py", "which file it edits is unclear"],
            ),
        )
        .with("b.py", B_PY),
        Case::new(
            "second block after prose naming a third file",
            "a.py",
            A_PY,
            &format!(
                "b.py\n{BLOCK}\nThen c.py needs it too, in the same way.\n\n<<<<<<< SEARCH\nimport os\n=======\nimport os\nimport sys\n>>>>>>> REPLACE\n"
            ),
            refused(Kind::WrongFile, &["block 2 (b.py)", "names c.py"]),
        )
        .with("b.py", B_PY)
        .with("c.py", B_PY),
        Case::new(
            "second block introduced by a sentence naming its file",
            "a.py",
            A_PY,
            &format!(
                "b.py\n{BLOCK}\nThen c.py needs it too, in the same way:\n\n<<<<<<< SEARCH\nimport os\n=======\nimport os\nimport sys\n>>>>>>> REPLACE\n"
            ),
            Expect::Edits(vec![
                ("b.py", B_PY_SYS.to_string()),
                ("c.py", B_PY_SYS.to_string()),
            ]),
        )
        .with("b.py", B_PY)
        .with("c.py", B_PY),
        Case::new(
            "whole replacement whose fence names another file",
            "a.py",
            A_PY,
            "```python b.py\n    return x * 3\n```\n",
            refused(Kind::Malformed, &["names b.py in its opening line", "wrong file"]),
        )
        .with("b.py", B_PY),
        Case::new(
            "whole replacement labelled with another file",
            "a.py",
            A_PY,
            "```python\n# b.py\n    return x * 3\n```\n",
            refused(Kind::Malformed, &["names b.py in a comment on its first line"]),
        )
        .with("b.py", B_PY),
        Case::new(
            "whole replacement introduced for another file",
            "a.py",
            A_PY,
            "In b.py:\n\n```python\n    return x * 3\n```\n",
            refused(Kind::Malformed, &["names b.py on the line above it"]),
        )
        .with("b.py", B_PY),
        Case::new(
            "whole replacement after two lines of prose, the first naming another file",
            "a.py",
            A_PY,
            "In b.py:\nHere is the code.\n\n```python\n    return x * 3\n```\n",
            refused(Kind::Malformed, &["the text before the code block at line 4 names b.py"]),
        )
        .with("b.py", B_PY),
        Case::new(
            "whole replacement after a sentence naming another file without a colon",
            "a.py",
            A_PY,
            "Here is the updated b.py\n\n```python\n    return x * 3\n```\n",
            refused(Kind::Malformed, &["names b.py"]),
        )
        .with("b.py", B_PY),
        Case::new(
            "a directory named in prose is not a file",
            "a.py",
            A_PY,
            "This keeps the tests passing.\n\n<<<<<<< SEARCH\n    return 'hi ' + name\n=======\n    return 'hey ' + name\n>>>>>>> REPLACE\n",
            edit(
                "a.py",
                &A_PY.replace("⟦", "").replace("⟧", "").replace("'hi '", "'hey '"),
            ),
        )
        .with_dir("tests"),
        Case::new(
            "a block for a directory",
            "a.py",
            A_PY,
            "tests/\n<<<<<<< SEARCH\n=======\nx = 1\n>>>>>>> REPLACE\n",
            refused(Kind::WrongFile, &["block 1 (tests): the file is a directory"]),
        )
        .with_dir("tests"),
        Case::new(
            "whole replacement introduced for its own file",
            "a.py",
            A_PY,
            "Here is the new `a.py` code:\n\n```python\n    return 'hello ' + name\n```\n",
            edit(
                "a.py",
                &A_PY
                    .replace("⟦", "")
                    .replace("⟧", "")
                    .replace("'hi '", "'hello '"),
            ),
        ),
        Case::new(
            "a block for a path outside the workspace",
            "a.py",
            A_PY,
            &format!("../b.py\n{BLOCK}"),
            refused(Kind::UnknownFile, &["../b.py", "not inside the workspace"]),
        ),
    ]
}

const EMPTY_SEARCH: &str = "<<<<<<< SEARCH
=======
print('new')
>>>>>>> REPLACE
";

fn file_states() -> Vec<Case> {
    let latin1: &[u8] = b"caf\xe9 = 1\n";
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    vec![
        Case::new(
            "empty SEARCH on a latin-1 file",
            "a.py",
            A_PY,
            &format!("legacy.py\n{EMPTY_SEARCH}"),
            refused(
                Kind::WrongFile,
                &[
                    "block 1 (legacy.py): the file is not UTF-8 text",
                    "edit that file by hand",
                ],
            ),
        )
        .with_bytes("legacy.py", latin1),
        Case::new(
            "ordinary block on a latin-1 file",
            "a.py",
            A_PY,
            "legacy.py\n<<<<<<< SEARCH\ncaf = 1\n=======\ncafe = 1\n>>>>>>> REPLACE\n",
            refused(Kind::WrongFile, &["the file is not UTF-8 text"]),
        )
        .with_bytes("legacy.py", latin1),
        Case::new(
            "empty SEARCH on a binary file",
            "a.py",
            A_PY,
            &format!("logo.png\n{EMPTY_SEARCH}"),
            refused(Kind::WrongFile, &["block 1 (logo.png): the file is binary"]),
        )
        .with_bytes("logo.png", png),
        Case::new(
            "empty SEARCH on a file with text",
            "a.py",
            A_PY,
            &format!("b.py\n{EMPTY_SEARCH}"),
            refused(
                Kind::Ambiguous,
                &["block 1 (b.py)", "the file exists and is not empty"],
            ),
        )
        .with("b.py", B_PY),
        Case::new(
            "empty SEARCH on an excluded file",
            "a.py",
            A_PY,
            "config/.env\n<<<<<<< SEARCH\n=======\nTOKEN=x\n>>>>>>> REPLACE\n",
            refused(
                Kind::WrongFile,
                &["the file is excluded by [privacy] exclude"],
            ),
        )
        .with_not_editable(
            "config/.env",
            "is excluded by [privacy] exclude, so switchboard neither reads nor edits it",
        ),
        Case::new(
            "empty SEARCH on a 0-byte file",
            "a.py",
            A_PY,
            &format!("pkg/__init__.py\n{EMPTY_SEARCH}"),
            edit("pkg/__init__.py", "print('new')\n"),
        )
        .with("pkg/__init__.py", ""),
        Case::new(
            "empty SEARCH on a file of blank lines",
            "a.py",
            A_PY,
            &format!("blank.py\n{EMPTY_SEARCH}"),
            edit("blank.py", "print('new')\n"),
        )
        .with("blank.py", "\n\n"),
        Case::new(
            "empty SEARCH on the empty selected file",
            "new.py",
            "⟦⟧",
            EMPTY_SEARCH,
            edit("new.py", "print('new')\n"),
        ),
        Case::new(
            "a new file in a new directory",
            "a.py",
            A_PY,
            &format!("pkg/sub/new.py\n```python\n{EMPTY_SEARCH}```\n"),
            edit("pkg/sub/new.py", "print('new')\n"),
        ),
        Case::new(
            "an edit and a new file in one reply",
            "a.py",
            A_PY,
            &format!("b.py\n{BLOCK}\ntools/run.py\n{EMPTY_SEARCH}"),
            Expect::Edits(vec![
                ("b.py", B_PY_SYS.to_string()),
                ("tools/run.py", "print('new')\n".to_string()),
            ]),
        )
        .with("b.py", B_PY),
        Case::new(
            "a new file then a block on it",
            "a.py",
            A_PY,
            &format!(
                "tools/run.py\n{EMPTY_SEARCH}\ntools/run.py\n<<<<<<< SEARCH\nprint('new')\n=======\nprint('newer')\n>>>>>>> REPLACE\n"
            ),
            edit("tools/run.py", "print('newer')\n"),
        ),
        Case::new(
            "a second empty SEARCH on a file the reply created",
            "a.py",
            A_PY,
            &format!("tools/run.py\n{EMPTY_SEARCH}\ntools/run.py\n{EMPTY_SEARCH}"),
            refused(Kind::Ambiguous, &["block 2 (tools/run.py)"]),
        ),
    ]
}

const LIB_RS: &str = "pub fn add(a: i32, b: i32) -> i32 {
⟦    a + b
⟧}

pub fn sub(a: i32, b: i32) -> i32 {
    a - b
}
";

fn broken_results() -> Vec<Case> {
    vec![
        Case::new(
            "whole replacement with an unbalanced brace",
            "src/lib.rs",
            LIB_RS,
            "```rust\n    if a > 0 {\n        a + b\n```\n",
            refused(Kind::Broken, &["syntax error in src/lib.rs at line", "nothing was applied"]),
        ),
        Case::new(
            "block that drops a closing brace",
            "src/lib.rs",
            LIB_RS,
            "src/lib.rs\n<<<<<<< SEARCH\n    a - b\n}\n=======\n    a - b\n>>>>>>> REPLACE\n",
            refused(Kind::Broken, &["syntax error in src/lib.rs at line 5"]),
        ),
        Case::new(
            "whole replacement with an unclosed paren",
            "a.py",
            A_PY,
            "```python\n    return ('hi ' + name\n```\n",
            refused(Kind::Broken, &["syntax error in a.py at line"]),
        ),
        Case::new(
            "a new file that does not parse",
            "a.py",
            A_PY,
            "tools/run.py\n<<<<<<< SEARCH\n=======\ndef run(:\n    pass\n>>>>>>> REPLACE\n",
            refused(Kind::Broken, &["syntax error in tools/run.py at line 1", "`def run(:`"]),
        ),
        Case::new(
            "a good edit in a file broken elsewhere",
            "a.py",
            "def broken(:\n    pass\n\n\n\ndef greet(name):\n⟦    return 'hi ' + name\n⟧",
            "```python\n    return 'hello ' + name\n```\n",
            edit(
                "a.py",
                "def broken(:\n    pass\n\n\n\ndef greet(name):\n    return 'hello ' + name\n",
            ),
        ),
        Case::new(
            "a json file left without its closing bracket",
            "a.py",
            A_PY,
            "package.json\n<<<<<<< SEARCH\n  \"name\": \"x\"\n}\n=======\n  \"name\": \"x\",\n  \"private\": true\n>>>>>>> REPLACE\n",
            refused(Kind::Broken, &["syntax error in package.json"]),
        )
        .with("package.json", "{\n  \"name\": \"x\"\n}\n"),
    ]
}

pub fn cases() -> Vec<Case> {
    naming_forms()
        .into_iter()
        .chain(aider_shapes())
        .chain(unclear_files())
        .chain(file_states())
        .chain(broken_results())
        .collect()
}
