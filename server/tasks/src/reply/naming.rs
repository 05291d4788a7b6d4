//! How a reply names the file an edit is for. Models write the name in many ways (these are
//! the forms seen in real replies; aider's `find_filename` reads most of them too):
//!
//! - a line of its own: `src/b.py`, `**b.py**`, `` `b.py` ``, `### b.py`, `b.py:`, `- b.py`,
//!   `File: b.py`, a comment `// b.py` / `# b.py` / `<!-- b.py -->`, or tags `<path>b.py</path>`;
//! - a sentence that ends in a colon and names one file: `In b.py:`, ``Update `b.py` as follows:``;
//! - a fence's info string: ```` ```b.py ````, ```` ```python b.py ````, ```` ```python:b.py ````,
//!   ```` ```py title="b.py" ````, `<source>b.py`, `<code lang="py" file="b.py">`;
//! - the name in a fence of its own, followed by the fence of the block.
//!
//! A name that none of these finds must not quietly become the selection's file: the words of
//! the prose before a block are also read ([`mentioned`]), so that a block whose file is unclear
//! can be refused instead of guessed.

use super::habits::comment_text;

/// Extensions that make a word in a sentence read as a file name. A line that is only a path
/// needs no list (any extension counts there); a word inside prose does, or `e.g.` and
/// `self.paths` would read as files.
const KNOWN_EXTENSIONS: &[&str] = &[
    "rs", "py", "pyi", "js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts", "go", "c", "h", "cc",
    "cpp", "cxx", "hpp", "hh", "hxx", "java", "kt", "kts", "scala", "lua", "sh", "bash", "zsh",
    "fish", "json", "jsonc", "toml", "yaml", "yml", "md", "markdown", "txt", "rst", "cfg", "ini",
    "conf", "html", "htm", "css", "scss", "sass", "less", "vue", "svelte", "sql", "rb", "php",
    "swift", "cs", "fs", "ex", "exs", "erl", "hs", "ml", "mli", "el", "vim", "nix", "proto", "xml",
    "gradle", "cmake", "mk", "lock", "env", "dart", "zig", "jl", "r", "pl", "pm", "tf", "graphql",
];

/// Tags some models (and aider's other fence styles) use around code or a file name.
const TAGS: &[&str] = &[
    "source",
    "code",
    "pre",
    "codeblock",
    "file",
    "path",
    "filename",
    "filepath",
];

/// Whether `token` reads as a file path when it stands alone on a line: one word holding a `/`
/// or an extension (`.rs`). Names without either (`Makefile`) count only when `exists` says the
/// file is there, because a one-word line before a block is as often prose ("Change:") as a path.
pub(crate) fn looks_like_path(token: &str, exists: &dyn Fn(&str) -> bool) -> bool {
    if token.is_empty()
        || token.contains("://")
        || token
            .chars()
            .any(|c| c.is_whitespace() || "<>|\"'`*".contains(c))
    {
        return false;
    }
    if token.contains('/') || token.contains('\\') {
        return true;
    }
    let has_extension = token.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=10).contains(&ext.len())
            && ext.chars().all(|c| c.is_ascii_alphanumeric())
            && ext.chars().any(|c| c.is_ascii_alphabetic())
    });
    has_extension || exists(token)
}

/// Whether a word inside a sentence names a file: one the workspace has, or one with a known
/// extension.
fn mentions_path(token: &str, exists: &dyn Fn(&str) -> bool) -> bool {
    if !looks_like_path(token, exists) {
        return false;
    }
    if exists(token) {
        return true;
    }
    let name = token.rsplit(['/', '\\']).next().unwrap_or(token);
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && KNOWN_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
            && stem
                .chars()
                .all(|c| c.is_alphanumeric() || "_-.".contains(c))
    })
}

/// A word of prose without the punctuation and markdown around it.
fn bare_word(word: &str) -> &str {
    let edge: &[char] = &[
        '`', '*', '_', '"', '\'', '(', ')', '[', ']', '{', '}', ',', ';', ':', '!', '?', '<', '>',
    ];
    let word = word.trim_matches(edge);
    let word = word.strip_suffix("'s").unwrap_or(word);
    // A sentence's full stop, not an extension: `b.py.` → `b.py`.
    let word = word.trim_end_matches('.');
    word.trim_matches(edge)
}

/// A line's text without the markdown, list, label and comment decoration around a path:
/// `### src/a.rs`, `**src/a.rs**`, `` `src/a.rs`: ``, `File: src/a.rs`, `- a.rs`, `// a.rs`.
fn undecorate(line: &str) -> &str {
    let mut t = line.trim();
    if let Some(comment) = comment_text(t).filter(|_| !t.starts_with('#')) {
        t = comment;
    }
    t = t.trim_start_matches('#').trim();
    for marker in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(marker) {
            t = rest.trim();
        }
    }
    if let Some((number, rest)) = t.split_once(". ")
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
    {
        t = rest.trim();
    }
    let decor: &[char] = &['*', '`', '"', '\'', '_'];
    t = t.trim_matches(decor).trim();
    for prefix in [
        "File:",
        "file:",
        "Filename:",
        "filename:",
        "Path:",
        "path:",
        "Filepath:",
        "filepath:",
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.trim();
        }
    }
    t = t
        .trim_matches(decor)
        .trim_end_matches(':')
        .trim_matches(decor);
    t.trim()
}

/// The path of a line that is nothing but a path in decoration, or tags around one.
pub(crate) fn path_line(line: &str, exists: &dyn Fn(&str) -> bool) -> Option<String> {
    if let Some(tagged) = tag_line(line) {
        return tagged.path.filter(|p| looks_like_path(p, exists));
    }
    let candidate = undecorate(line);
    looks_like_path(candidate, exists).then(|| candidate.to_string())
}

/// The path of a sentence that introduces a block, like "In `src/a.rs`:" or "In b.py:": a line
/// ending in `:` that names exactly one file.
pub(crate) fn introduced_path(line: &str, exists: &dyn Fn(&str) -> bool) -> Option<String> {
    if !line.trim().trim_end_matches(['*', '_']).ends_with(':') {
        return None;
    }
    let mut paths = line
        .split_whitespace()
        .map(bare_word)
        .filter(|word| mentions_path(word, exists));
    let path = paths.next()?;
    paths.all(|other| other == path).then(|| path.to_string())
}

/// A line that opens or closes a fence (```` ``` ````, `~~~`, or one of [`TAGS`]), with the
/// path its info string or tag names, if any.
pub(crate) struct FenceLine {
    pub path: Option<String>,
}

/// The line as a fence line, or `None` when it is not one.
pub(crate) fn fence_line(line: &str) -> Option<FenceLine> {
    let t = line.trim();
    if let Some(tagged) = tag_line(t) {
        return Some(tagged);
    }
    let ch = t.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = t.chars().take_while(|c| *c == ch).count();
    if len < 3 {
        return None;
    }
    let info = &t[len..];
    Some(FenceLine {
        path: info_path(info),
    })
}

/// The path in a fence's info string: a word with a `/` or an extension, alone or after the
/// language (`python b.py`, `python:b.py`, `py title="b.py"`, `{.py file=b.py}`).
fn info_path(info: &str) -> Option<String> {
    info.split(|c: char| c.is_whitespace() || c == ':' || c == '=' || c == ',')
        .map(|word| word.trim_matches(|c: char| "\"'{}`".contains(c)))
        .map(|word| word.strip_prefix('.').unwrap_or(word))
        .find(|word| looks_like_path(word, &|_| false) && !word.starts_with('.'))
        .map(str::to_string)
}

/// A line that starts with one of [`TAGS`] (opening or closing), with the path its text or its
/// attributes name: `<source>b.py</source>`, `<source>python`, `<file path="b.py">`.
fn tag_line(line: &str) -> Option<FenceLine> {
    let t = line.trim();
    let rest = t.strip_prefix('<')?;
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    if !TAGS.contains(&name.to_ascii_lowercase().as_str()) {
        return None;
    }
    // Drop every `<...>` tag, keeping their attribute values and the text between them.
    let mut words = Vec::new();
    let mut text = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    for c in t.chars() {
        match (c, in_tag) {
            ('<', false) => in_tag = true,
            ('>', true) => {
                in_tag = false;
                words.extend(
                    tag.split_whitespace()
                        .skip(1)
                        .filter_map(|attr| attr.split_once('='))
                        .map(|(_, value)| value.trim_matches(['"', '\'', '/']).to_string()),
                );
                tag.clear();
            }
            (c, true) => tag.push(c),
            (c, false) => text.push(c),
        }
    }
    words.extend(text.split_whitespace().map(str::to_string));
    let path = words
        .into_iter()
        .map(|w| bare_word(&w).to_string())
        .find(|w| looks_like_path(w, &|_| false));
    Some(FenceLine { path })
}

/// Every file the prose `lines` mention, in order, each once.
pub(crate) fn mentioned(lines: &[&str], exists: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        let words = line
            .split_whitespace()
            .map(bare_word)
            .map(|w| w.strip_prefix("./").unwrap_or(w));
        for word in words {
            if mentions_path(word, exists) && !out.iter().any(|seen| seen == word) {
                out.push(word.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> bool {
        false
    }

    #[test]
    fn a_path_line_in_every_decoration() {
        for line in [
            "b.py",
            "**b.py**",
            "`b.py`",
            "**`b.py`**",
            "### b.py",
            "# b.py",
            "// b.py",
            "-- b.py",
            "<!-- b.py -->",
            "/* b.py */",
            "b.py:",
            "`b.py`:",
            "- b.py",
            "2. b.py",
            "File: b.py",
            "// File: b.py",
            "<path>b.py</path>",
            "<source>b.py</source>",
        ] {
            assert_eq!(path_line(line, &none).as_deref(), Some("b.py"), "{line}");
        }
        for prose in [
            "Change:",
            "e.g.",
            "Here is the fix",
            "Done.",
            "# Fix the loop",
        ] {
            assert_eq!(path_line(prose, &none), None, "{prose}");
        }
        assert_eq!(
            path_line("Makefile", &|p| p == "Makefile").as_deref(),
            Some("Makefile")
        );
    }

    #[test]
    fn sentences_that_introduce_a_file() {
        for line in [
            "In b.py:",
            "In `b.py`:",
            "Update `add` in `b.py`:",
            "Changes to b.py:",
        ] {
            assert_eq!(
                introduced_path(line, &none).as_deref(),
                Some("b.py"),
                "{line}"
            );
        }
        assert_eq!(introduced_path("Compare a.rs and b.rs:", &none), None);
        assert_eq!(introduced_path("See b.py for context.", &none), None);
        assert_eq!(introduced_path("Use self.paths here, e.g.:", &none), None);
    }

    #[test]
    fn fence_info_strings_and_tags() {
        let path = |line: &str| fence_line(line).and_then(|f| f.path);
        assert_eq!(path("```b.py").as_deref(), Some("b.py"));
        assert_eq!(path("```python b.py").as_deref(), Some("b.py"));
        assert_eq!(path("```python:src/b.py").as_deref(), Some("src/b.py"));
        assert_eq!(path("```py title=\"b.py\"").as_deref(), Some("b.py"));
        assert_eq!(path("<source>b.py").as_deref(), Some("b.py"));
        assert_eq!(
            path("<code lang=\"py\" file=\"b.py\">").as_deref(),
            Some("b.py")
        );
        assert_eq!(path("```python"), None);
        assert_eq!(path("```"), None);
        assert_eq!(path("</source>"), None);
        assert!(fence_line("<source>python").is_some());
        assert!(fence_line("b.py").is_none());
    }

    #[test]
    fn mentions_in_prose() {
        let lines = ["Move `helper` to utils.py, as b.py does (e.g. for self.paths)."];
        assert_eq!(mentioned(&lines, &none), ["utils.py", "b.py"]);
        assert_eq!(
            mentioned(&["See https://example.com/a.py."], &none),
            Vec::<String>::new()
        );
        assert_eq!(
            mentioned(&["the Makefile"], &|p| p == "Makefile"),
            ["Makefile"]
        );
    }
}
