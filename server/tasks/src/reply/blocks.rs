//! SEARCH/REPLACE blocks in a reply, and the path line that may name each block's file.
//!
//! The markers are aider's (`<<<<<<< SEARCH`, `=======`, `>>>>>>> REPLACE`, five to nine of each
//! character), with its older `ORIGINAL`/`UPDATED` words accepted too. Blocks are found by their
//! markers alone, whether or not a fence wraps them, because the text inside a block may itself
//! hold fences (an edit to a markdown file) and must not be read as one.

use super::ReplyError;
use super::naming;

/// One SEARCH/REPLACE block as the reply wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// 1-based position among the reply's blocks.
    pub number: usize,
    /// The path line before the block, with markdown decoration removed.
    pub path: Option<String>,
    /// The files the prose between the previous block and this one mentions, so that a block
    /// without a path line is not quietly applied to the wrong file.
    pub mentioned: Vec<String>,
    pub search: Vec<String>,
    pub replace: Vec<String>,
}

/// `line` is `<<<<<<< word` (or `>>>>>>> word`) for one of `words`, in any surrounding space.
fn marker(line: &str, ch: char, words: &[&str]) -> bool {
    let t = line.trim();
    let n = t.chars().take_while(|&c| c == ch).count();
    if !(5..=9).contains(&n) {
        return false;
    }
    let rest = t[n..].trim_start();
    let rest = rest.strip_suffix('>').unwrap_or(rest).trim_end();
    words.iter().any(|w| rest.eq_ignore_ascii_case(w))
}

fn is_search(line: &str) -> bool {
    marker(line, '<', &["SEARCH", "ORIGINAL"])
}

fn is_divider(line: &str) -> bool {
    let t = line.trim();
    (5..=9).contains(&t.len()) && t.bytes().all(|b| b == b'=')
}

fn is_replace(line: &str) -> bool {
    marker(line, '>', &["REPLACE", "UPDATED"])
}

/// The path line of the block whose SEARCH marker is at `at`, not before `floor` (the previous
/// block's end). As aider's `find_filename` does, the look goes back over fence lines (a path
/// in a fence of its own, then the fence of the block; or a path in a fence's info string) and
/// stops at the first other non-blank line, which either names the file or does not.
pub(crate) fn path_before(
    lines: &[&str],
    floor: usize,
    at: usize,
    exists: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let mut i = at;
    let mut looked = 0;
    while i > floor && looked < 4 {
        i -= 1;
        let t = lines[i].trim();
        if t.is_empty() {
            continue;
        }
        looked += 1;
        if let Some(fence) = naming::fence_line(t) {
            if fence.path.is_some() {
                return fence.path;
            }
            continue;
        }
        return naming::path_line(t, exists).or_else(|| naming::introduced_path(t, exists));
    }
    None
}

/// Every SEARCH/REPLACE block of the reply's lines (`\n`-split), in order.
///
/// # Errors
/// [`ReplyError::Truncated`] when the reply ends inside a block, and
/// [`ReplyError::Malformed`] when a marker is missing or out of place.
pub(crate) fn parse(
    lines: &[&str],
    exists: &dyn Fn(&str) -> bool,
) -> Result<Vec<Block>, ReplyError> {
    let mut blocks = Vec::new();
    let mut floor = 0;
    let mut i = 0;
    while i < lines.len() {
        if is_replace(lines[i]) {
            return Err(ReplyError::Malformed {
                detail: format!(
                    "line {} of the reply closes a SEARCH/REPLACE block that never opened (no \
                     `<<<<<<< SEARCH` line before it): ask the model to resend the whole block",
                    i + 1
                ),
            });
        }
        if !is_search(lines[i]) {
            i += 1;
            continue;
        }
        let number = blocks.len() + 1;
        let opened = i + 1;
        let path = path_before(lines, floor, i, exists);
        let mentioned = naming::mentioned(&lines[floor..i], exists);
        let mut search = Vec::new();
        i += 1;
        loop {
            let Some(line) = lines.get(i) else {
                return Err(truncated(number, opened));
            };
            if is_divider(line) {
                break;
            }
            if is_search(line) || is_replace(line) {
                return Err(missing(number, opened, "its `=======` line"));
            }
            search.push((*line).to_string());
            i += 1;
        }
        let mut replace = Vec::new();
        i += 1;
        loop {
            let Some(line) = lines.get(i) else {
                return Err(truncated(number, opened));
            };
            if is_replace(line) {
                break;
            }
            if is_search(line) {
                return Err(missing(number, opened, "its `>>>>>>> REPLACE` line"));
            }
            if is_divider(line) {
                // Either SEARCH or REPLACE holds a `=======` line of the file (a heading
                // underline, a conflict marker), and which one cannot be told.
                return Err(ReplyError::Malformed {
                    detail: format!(
                        "block {number} (opened at line {opened} of the reply) has two \
                         `=======` lines, so where its SEARCH ends is unclear: ask the model to \
                         split the edit into blocks that each hold one `=======` line"
                    ),
                });
            }
            replace.push((*line).to_string());
            i += 1;
        }
        i += 1;
        floor = i;
        blocks.push(Block {
            number,
            path,
            mentioned,
            search,
            replace,
        });
    }
    Ok(blocks)
}

fn truncated(number: usize, line: usize) -> ReplyError {
    ReplyError::Truncated {
        what: format!("SEARCH/REPLACE block {number} (opened at line {line})"),
    }
}

fn missing(number: usize, line: usize, what: &str) -> ReplyError {
    ReplyError::Malformed {
        detail: format!(
            "block {number} (opened at line {line} of the reply) lacks {what}: ask the model \
             to resend the block whole"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> bool {
        false
    }

    #[test]
    fn reads_paths_through_decoration_and_fences() {
        let reply = "Change it:\n\n**`src/a.rs`**\n```rust\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\nDone.\n<<<<<<< SEARCH\nc\n=======\n>>>>>>> REPLACE\n";
        let lines: Vec<&str> = reply.lines().collect();
        let blocks = parse(&lines, &none).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].path.as_deref(), Some("src/a.rs"));
        assert_eq!(blocks[0].search, ["a"]);
        assert_eq!(blocks[0].replace, ["b"]);
        assert_eq!(blocks[1].path, None, "\"Done.\" is prose, not a path");
        assert!(blocks[1].replace.is_empty());
    }

    #[test]
    fn refuses_cut_and_broken_blocks() {
        let cut: Vec<&str> = "<<<<<<< SEARCH\na\n=======\nb".lines().collect();
        assert!(matches!(
            parse(&cut, &none),
            Err(ReplyError::Truncated { .. })
        ));
        let no_divider: Vec<&str> = "<<<<<<< SEARCH\na\n>>>>>>> REPLACE".lines().collect();
        assert!(matches!(
            parse(&no_divider, &none),
            Err(ReplyError::Malformed { .. })
        ));
        let stray: Vec<&str> = "a\n>>>>>>> REPLACE".lines().collect();
        assert!(matches!(
            parse(&stray, &none),
            Err(ReplyError::Malformed { .. })
        ));
    }
}
