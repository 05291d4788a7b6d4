//! Places cited in a `search`, `explain` or `plan` reply: `path:line` and `path:start-end`.
//!
//! What counts, and why:
//! - The path must hold a `/` or end in an extension with a letter (`lib.rs`, `a/b`), so that
//!   times (`12:30`), ratios (`1:2`) and versions (`v1.2:3`) are not places. A root file without
//!   an extension (`Makefile:3`) is therefore only found when written `./Makefile:3`.
//! - URLs are not places: a match inside a `scheme://` word, or right after a `:`, is skipped,
//!   and so is `host.com:8080`-like text (a few web top-level domains as the "extension").
//! - Citations inside fenced code blocks are ignored: a code block quotes code or output, where
//!   `name.ext:3` is data (a dict key, a log line), not a place the model points the user to.
//!   Inline code counts: `` `src/a.rs:3` `` is the usual way to write a citation.
//! - `path:line:col` cites `line` (the column is dropped); `L` before the numbers
//!   (`a.rs:L3-L5`) and an en dash (`3–5`) are accepted; a range that runs backwards, a line 0
//!   or digits running into letters (`a.rs:3x`) are not citations.
//! - The path is returned as written, less a leading `./`; whether it exists is the caller's
//!   business.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::fence::fences;

/// One cited place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// The path as written (`/` or `\` as the reply had it), less a leading `./`.
    pub path: String,
    /// 1-based first line.
    pub start_line: u32,
    /// 1-based last line; `start_line` for a single line.
    pub end_line: u32,
    /// Bytes of the citation in the markdown, from the path's first character to the last digit.
    pub span: Range<usize>,
}

static CITATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<path>[\p{L}\p{N}_.\-/@+~]+):L?(?P<start>\d+)(?:[-–]L?(?P<end>\d+)|:(?P<col>\d+))?",
    )
    .expect("the citation pattern is a valid regex")
});

/// Top-level domains read as an "extension" in `host.com:8080`.
const WEB_DOMAINS: &[&str] = &[
    "com",
    "org",
    "net",
    "io",
    "dev",
    "app",
    "local",
    "localhost",
];

fn has_extension(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=10).contains(&ext.len())
            && ext.chars().all(|c| c.is_alphanumeric())
            && ext.chars().any(char::is_alphabetic)
    })
}

fn is_place(path: &str) -> bool {
    if path.ends_with('/') || path.starts_with("//") || !path.chars().any(char::is_alphabetic) {
        return false;
    }
    if path.contains('/') {
        return true;
    }
    let web = path
        .rsplit_once('.')
        .is_some_and(|(_, ext)| WEB_DOMAINS.contains(&ext.to_ascii_lowercase().as_str()));
    has_extension(path) && !web
}

/// Every place `markdown` cites, in order.
pub fn citations(markdown: &str) -> Vec<Citation> {
    let code: Vec<Range<usize>> = fences(markdown).into_iter().map(|f| f.span).collect();
    let mut found = Vec::new();
    for m in CITATION.captures_iter(markdown) {
        let (Some(all), Some(path), Some(start)) = (m.get(0), m.name("path"), m.name("start"))
        else {
            continue;
        };
        if code.iter().any(|c| c.contains(&all.start())) {
            continue;
        }
        let before = &markdown[..all.start()];
        if before.ends_with(':') {
            continue;
        }
        let word_start = before
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace() || "<([\"'`".contains(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        if markdown[word_start..all.end()].contains("://") {
            continue;
        }
        let after = markdown[all.end()..].chars().next();
        if after.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let mut written = path.as_str();
        while let Some(rest) = written.strip_prefix("./") {
            written = rest;
        }
        if !is_place(written) {
            continue;
        }
        let number = |s: &str| s.parse::<u32>().ok().filter(|n| *n > 0);
        let Some(start_line) = number(start.as_str()) else {
            continue;
        };
        let end_line = match m.name("end") {
            Some(e) => match number(e.as_str()) {
                Some(e) if e >= start_line => e,
                _ => continue,
            },
            None => start_line,
        };
        found.push(Citation {
            path: written.to_string(),
            start_line,
            end_line,
            span: all.start()..all.end(),
        });
    }
    found
}
