//! The edits of an `implement` or `fix` reply: one fenced block that replaces the selection, or
//! SEARCH/REPLACE blocks for the selection's file and for files the reply names.
//!
//! Decisions the contract leaves open, and why:
//! - A reply with any SEARCH/REPLACE marker is read as blocks only; its fences are wrappers.
//! - A block without a path line applies to the file the last path line named, as aider does
//!   (models name the file once and then write several blocks), or to the selection's file when
//!   no block has named one.
//! - A SEARCH is matched in the whole file, not only in the selection (an edit may add an
//!   import), and a second match is refused even when one of the two lies in the selection.
//! - Nothing is applied unless every block applies: the error carries what the good blocks
//!   would change, for a caller that asks the model again for the failed ones only.
//! - An empty SEARCH creates a file that does not exist; on a file that exists it is refused,
//!   since it says nothing of where the text goes.
//! - A whole replacement is refused when its fence is left open, is empty (deleting the
//!   selection takes a SEARCH/REPLACE block with an empty REPLACE), holds a diff, repeats the
//!   file around the selection (the enclosing function, the whole file; see `echo`), or leaves
//!   code out with a comment (`// ... existing code ...`; see `habits`). A REPLACE that leaves
//!   code out that its SEARCH has is refused too. A comment naming the file on a code block's
//!   first line (`// src/lib.rs`) is a label, and is dropped.
//! - A whole replacement's indentation is brought to the selection's when the two differ
//!   uniformly (models often send the code dedented); see `fit_indentation`.

use std::ops::Range;

use super::ReplyError;
use super::blocks::{self, Block};
use super::check::SyntaxProblem;
use super::doc::{Doc, common_indent, is_blank, normalize_newlines, reindent};
use super::echo::echo;
use super::error::{BlockFailures, BlockProblem, FailedBlock};
use super::fence::{Fence, fences};
use super::files::FileRead;
use super::habits::{comment_text, drop_file_label, left_out};
use super::matching::{Found, closest, locate};
use super::naming;

/// What a reply edits: the selection the user sent, in its file.
#[derive(Debug, Clone)]
pub struct EditInput<'a> {
    /// Workspace-relative path of the selection's file.
    pub path: &'a str,
    /// The file's whole text, as the editor has it.
    pub file_text: &'a str,
    /// The selection, as a byte range of `file_text`.
    pub selection: Range<usize>,
}

/// The new text of one file. Nothing is written: the caller turns this into a workspace edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Workspace-relative path, `/`-separated, without a leading `./`.
    pub path: String,
    /// The text the change was computed from (empty for a new file).
    pub before: String,
    /// The text the reply makes of it.
    pub after: String,
    /// Whether the file does not exist yet: the change creates it.
    pub created: bool,
    /// A syntax error the change leaves, when `[edits] on_syntax_error = "apply"` let it through.
    pub syntax_warning: Option<SyntaxProblem>,
}

impl FileChange {
    /// A change of an existing file.
    pub fn edit(path: String, before: String, after: String) -> FileChange {
        FileChange {
            path,
            before,
            after,
            created: false,
            syntax_warning: None,
        }
    }
}

/// The changes an `implement` or `fix` reply asks for, one per file whose text changes, in the
/// order the reply first touches them. `read_other` says what the workspace holds at another
/// workspace-relative path: text, nothing, or something that must not be edited.
///
/// # Errors
/// A [`ReplyError`] when the reply holds no edit, is cut off or malformed, names its file
/// unclearly, or when a block does not match exactly one place; nothing is applied then.
pub fn apply_reply(
    reply: &str,
    input: &EditInput<'_>,
    read_other: &dyn Fn(&str) -> FileRead,
) -> Result<Vec<FileChange>, ReplyError> {
    let reply = normalize_newlines(reply);
    let lines: Vec<&str> = reply.split('\n').collect();
    let own = normalize_path(input.path).unwrap_or_else(|| input.path.to_string());
    let exists =
        |name: &str| normalize_path(name).is_some_and(|p| p == own || read_other(&p).exists());
    let blocks = blocks::parse(&lines, &exists)?;
    if !blocks.is_empty() {
        return apply_blocks(&blocks, input, &own, read_other);
    }
    replace_selection(&reply, input, &exists)
}

/// `path` as a workspace-relative, `/`-separated path without `./`, or `None` when it is
/// absolute or climbs out with `..`.
pub(crate) fn normalize_path(path: &str) -> Option<String> {
    let path = path.trim().replace('\\', "/");
    let drive = path.as_bytes().get(1) == Some(&b':');
    if path.starts_with('/') || drive || path.is_empty() {
        return None;
    }
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") {
        return None;
    }
    Some(parts.join("/"))
}

/// The file a name in a reply stands for: the selection's own file when it names it by a
/// shorter path (`config.rs` for `src/config.rs`) that is no file of its own, else the name as
/// written. `None` for a path outside the workspace.
fn resolve(written: &str, own: &str, exists: &dyn Fn(&str) -> bool) -> Option<String> {
    let path = normalize_path(written)?;
    if path != own && !exists(&path) && own.ends_with(&format!("/{path}")) {
        return Some(own.to_string());
    }
    Some(path)
}

/// What a file the blocks edit holds.
enum Holds {
    /// Text (the file exists, or a block created it).
    Text,
    /// Nothing yet.
    Nothing,
    /// Something that must not be edited, and why.
    NotEditable(String),
}

/// A file the blocks edit, as it stands after the blocks applied so far.
struct Target {
    path: String,
    before: String,
    doc: Doc,
    holds: Holds,
    created: bool,
}

fn apply_blocks(
    blocks: &[Block],
    input: &EditInput<'_>,
    own: &str,
    read_other: &dyn Fn(&str) -> FileRead,
) -> Result<Vec<FileChange>, ReplyError> {
    let exists = |p: &str| p == own || read_other(p).exists();
    let mut targets: Vec<Target> = Vec::new();
    let mut failed = Vec::new();
    let mut named: Option<String> = None;
    for block in blocks {
        if block.path.is_some() {
            named.clone_from(&block.path);
        }
        let fail = |path: &str, problem| FailedBlock {
            number: block.number,
            path: path.to_string(),
            search: join(&block.search),
            replace: join(&block.replace),
            problem,
        };
        // The selection's own path is taken as the caller gave it; only the reply's are checked.
        let path = match &named {
            None => own.to_string(),
            Some(written) => match resolve(written, own, &exists) {
                Some(path) => path,
                None => {
                    failed.push(fail(written, BlockProblem::OutsideWorkspace));
                    continue;
                }
            },
        };
        // A block without a path line whose prose names another file: which file it is for
        // is unclear, and guessing would edit the wrong one.
        if block.path.is_none() {
            let others: Vec<String> = block
                .mentioned
                .iter()
                .filter_map(|m| resolve(m, own, &exists))
                .filter(|m| *m != path)
                .collect();
            if !others.is_empty() {
                failed.push(fail(&path, BlockProblem::UnclearFile { mentioned: others }));
                continue;
            }
        }
        let index = match targets.iter().position(|t| t.path == path) {
            Some(i) => i,
            None => {
                let read = if path == own {
                    FileRead::Text(input.file_text.to_string())
                } else {
                    read_other(&path)
                };
                let (text, holds) = match read {
                    FileRead::Text(text) => (text, Holds::Text),
                    FileRead::Missing => (String::new(), Holds::Nothing),
                    FileRead::NotEditable(why) => (String::new(), Holds::NotEditable(why)),
                    FileRead::Directory => (
                        String::new(),
                        Holds::NotEditable("is a directory".to_string()),
                    ),
                };
                targets.push(Target {
                    path: path.clone(),
                    created: matches!(holds, Holds::Nothing),
                    doc: Doc::parse(&text),
                    before: text,
                    holds,
                });
                targets.len() - 1
            }
        };
        let target = &mut targets[index];
        if let Holds::NotEditable(why) = &target.holds {
            let why = why.clone();
            failed.push(fail(&path, BlockProblem::NotEditable { why }));
            continue;
        }
        if block.search.iter().all(|l| is_blank(l)) {
            // An empty SEARCH writes a file that does not exist or holds nothing but blank
            // lines; anywhere else it would overwrite what the file holds, or say nothing of
            // where its text goes.
            let empty = target.doc.lines.iter().all(|l| is_blank(l));
            if matches!(target.holds, Holds::Nothing) || empty {
                target.doc = Doc::new_file(&block.replace);
                target.holds = Holds::Text;
            } else {
                let places = Vec::new();
                failed.push(fail(&path, BlockProblem::Ambiguous { places }));
            }
            continue;
        }
        if matches!(target.holds, Holds::Nothing) {
            failed.push(fail(&path, BlockProblem::UnknownFile));
            continue;
        }
        let search_text = join(&block.search);
        if let Some((_, comment)) = left_out(block.replace.iter().map(String::as_str), &search_text)
        {
            return Err(ReplyError::Malformed {
                detail: format!(
                    "block {} ({path}): its REPLACE has `{comment}` where its SEARCH has code, \
                     which would delete that code: ask the model to resend the block with the \
                     code written out, or with `...` lines in both SEARCH and REPLACE",
                    block.number
                ),
            });
        }
        match locate(&target.doc.lines, &block.search, &block.replace) {
            Err(detail) => {
                return Err(ReplyError::Malformed {
                    detail: format!(
                        "block {} ({path}): {detail}; ask the model to resend the block",
                        block.number
                    ),
                });
            }
            Ok(Found::One(s)) => target.doc.splice(s.start, s.end, s.lines),
            Ok(Found::Many(places)) => failed.push(fail(&path, BlockProblem::Ambiguous { places })),
            Ok(Found::Nothing) => {
                let closest = closest(&target.doc.lines, &block.search);
                failed.push(fail(&path, BlockProblem::NotFound { closest }));
            }
        }
    }
    let changes: Vec<FileChange> = targets
        .into_iter()
        .filter(|t| matches!(t.holds, Holds::Text))
        .map(|t| FileChange {
            after: t.doc.render(),
            path: t.path,
            before: t.before,
            created: t.created,
            syntax_warning: None,
        })
        .filter(|c| c.after != c.before || c.created)
        .collect();
    let Some(first) = failed.first() else {
        return Ok(changes);
    };
    let kind = match first.problem {
        BlockProblem::NotFound { .. } => ReplyError::NotFound,
        BlockProblem::Ambiguous { .. } => ReplyError::Ambiguous,
        BlockProblem::UnknownFile | BlockProblem::OutsideWorkspace => ReplyError::UnknownFile,
        BlockProblem::NotEditable { .. } | BlockProblem::UnclearFile { .. } => {
            ReplyError::WrongFile
        }
    };
    Err(kind(Box::new(BlockFailures {
        failed,
        blocks: blocks.len(),
        applied: changes,
    })))
}

fn join(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Whether a fence holds a unified diff rather than code: inserting one would be a wrong edit.
fn is_diff(fence: &Fence) -> bool {
    if matches!(fence.lang.as_str(), "diff" | "patch" | "udiff") {
        return true;
    }
    let has = |prefix: &str| fence.body.lines().any(|l| l.starts_with(prefix));
    has("@@ -") && (has("--- ") || has("+++ "))
}

/// The file a whole replacement's fence names for itself, if any, with where: its info string,
/// the line above it, or a comment on its first line.
fn fence_names(
    reply_lines: &[&str],
    fence: &Fence,
    exists: &dyn Fn(&str) -> bool,
) -> Option<(String, &'static str)> {
    let opener = fence.line - 1;
    if let Some(path) = reply_lines
        .get(opener)
        .and_then(|l| naming::fence_line(l))
        .and_then(|f| f.path)
    {
        return Some((path, "in its opening line"));
    }
    if let Some(path) = blocks::path_before(reply_lines, 0, opener, exists) {
        return Some((path, "on the line above it"));
    }
    let first = fence.body.lines().find(|l| !l.trim().is_empty())?;
    comment_text(first)?;
    naming::path_line(first, exists).map(|path| (path, "in a comment on its first line"))
}

fn replace_selection(
    reply: &str,
    input: &EditInput<'_>,
    exists: &dyn Fn(&str) -> bool,
) -> Result<Vec<FileChange>, ReplyError> {
    let found = fences(reply);
    if let Some(open) = found.iter().find(|f| !f.closed) {
        return Err(ReplyError::Truncated {
            what: format!("the code block opened at line {}", open.line),
        });
    }
    let fence = match found.as_slice() {
        [] => return Err(ReplyError::NoEdit),
        [one] => one,
        several => {
            return Err(ReplyError::SeveralFences {
                lines: several.iter().map(|f| f.line).collect(),
            });
        }
    };
    let selection = input.selection.clone();
    let text = input.file_text;
    if selection.start > selection.end
        || !text.is_char_boundary(selection.start)
        || !text.is_char_boundary(selection.end)
    {
        return Err(ReplyError::Selection {
            start: selection.start,
            end: selection.end,
            len: text.len(),
        });
    }
    let own_is_diff = [".diff", ".patch"].iter().any(|e| input.path.ends_with(e));
    if is_diff(fence) && !own_is_diff {
        return Err(ReplyError::Malformed {
            detail: format!(
                "the code block at line {} holds a diff, not code: ask the model for the full \
                 replacement of the selection, or for SEARCH/REPLACE blocks",
                fence.line
            ),
        });
    }
    let own = normalize_path(input.path).unwrap_or_else(|| input.path.to_string());
    let reply_lines: Vec<&str> = reply.split('\n').collect();
    if let Some((named, place)) = fence_names(&reply_lines, fence, exists) {
        let other = resolve(&named, &own, exists);
        if other.as_deref() != Some(own.as_str()) {
            return Err(ReplyError::Malformed {
                detail: format!(
                    "the code block at line {} names {named} {place}, but a code block without \
                     SEARCH/REPLACE markers replaces the selection in {own}, so applying it \
                     would edit the wrong file: ask the model for SEARCH/REPLACE blocks, each \
                     with its file's path on the line above it",
                    fence.line
                ),
            });
        }
    }
    // The prose before the block naming another file: the block may well be that file's, and
    // replacing the selection with it would be the wrong edit.
    let others: Vec<String> = naming::mentioned(&reply_lines[..fence.line - 1], exists)
        .iter()
        .filter_map(|m| resolve(m, &own, exists))
        .filter(|m| *m != own)
        .collect();
    if !others.is_empty() {
        return Err(ReplyError::Malformed {
            detail: format!(
                "the text before the code block at line {} names {}, so whether the block is \
                 for {own} is unclear, and it was not applied: ask the model for SEARCH/REPLACE \
                 blocks, each with its file's path on the line above it",
                fence.line,
                others.join(", ")
            ),
        });
    }
    let selected = &text[selection.clone()];
    let body: Vec<String> = fence.body.lines().map(str::to_string).collect();
    let body = drop_file_label(body, &own, selected);
    if body.iter().all(|l| is_blank(l)) {
        return Err(ReplyError::Malformed {
            detail: format!(
                "the code block at line {} is empty: ask the model for the full replacement of \
                 the selection (to delete it, a SEARCH/REPLACE block with an empty REPLACE)",
                fence.line
            ),
        });
    }

    let line_start = text[..selection.start].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..selection.start];
    let selected_lines: Vec<&str> = selected
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    if let Some((_, comment)) = left_out(body.iter().map(String::as_str), selected) {
        return Err(ReplyError::Malformed {
            detail: format!(
                "the code block leaves code out (`{comment}`), so splicing it in would delete \
                 that code: ask the model for the complete replacement of the selection, or for \
                 SEARCH/REPLACE blocks"
            ),
        });
    }
    if let Some(echo) = echo(text, &selection, &body) {
        let quote: String = echo.text.chars().take(60).collect();
        return Err(ReplyError::Malformed {
            detail: format!(
                "the code block repeats line {} of the file (`{quote}`), which lies outside the \
                 selection, so splicing it in would duplicate it: ask the model to send only \
                 the new text of the selection, or SEARCH/REPLACE blocks",
                echo.line
            ),
        });
    }
    let body = fit_indentation(&body, prefix, &selected_lines);

    // The file's own line endings, and the selection's own final newline or lack of one.
    let eol = Doc::parse(text).dominant_eol();
    let mut replacement = body.join(eol.as_str());
    if selected.ends_with('\n') {
        replacement.push_str(eol.as_str());
    }
    let after = format!(
        "{}{replacement}{}",
        &text[..selection.start],
        &text[selection.end..]
    );
    if after == text {
        return Ok(Vec::new());
    }
    Ok(vec![FileChange::edit(own, text.to_string(), after)])
}

/// Brings a whole replacement to the selection's indentation when the two differ uniformly.
///
/// `prefix` is what precedes the selection on its first line. When the selection starts a line,
/// the replacement's common indentation becomes the selection's. When it starts after some
/// indentation, that indentation stays in the file, so the replacement's first line loses its
/// own, and the lines after it are moved as a block: to the selection's later lines'
/// indentation when both have later lines, else so that they keep their place relative to the
/// first line. After code (`let x = ` selected from `x`), only the later lines are moved.
fn fit_indentation(body: &[String], prefix: &str, selected: &[&str]) -> Vec<String> {
    let shift = |lines: &[String], want: Option<String>| -> Vec<String> {
        let have = common_indent(lines.iter().map(String::as_str));
        match (have, want) {
            (Some(have), Some(want)) if have != want => reindent(lines, &have, &want),
            _ => lines.to_vec(),
        }
    };
    if prefix.is_empty() {
        return shift(body, common_indent(selected.iter().copied()));
    }
    let Some((first, rest)) = body.split_first() else {
        return Vec::new();
    };
    let indented = is_blank(prefix);
    let mut out = vec![if indented {
        first.trim_start().to_string()
    } else {
        first.clone()
    }];
    let selected_rest = common_indent(selected.iter().skip(1).copied());
    let rest = match selected_rest {
        Some(want) => shift(rest, Some(want)),
        None if indented && !rest.is_empty() => {
            // Keep each later line where it was relative to the first line.
            let first_indent = &first[..first.len() - first.trim_start().len()];
            let all_under_first = rest
                .iter()
                .all(|l| is_blank(l) || l.starts_with(first_indent));
            if all_under_first {
                reindent(rest, first_indent, prefix)
            } else {
                rest.to_vec()
            }
        }
        None => rest.to_vec(),
    };
    out.extend(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn paths_are_normalized_or_refused() {
        assert_eq!(normalize_path("./src\\a.rs").as_deref(), Some("src/a.rs"));
        assert_eq!(normalize_path("/etc/passwd"), None);
        assert_eq!(normalize_path("src/../../x"), None);
        assert_eq!(normalize_path("C:/x.rs"), None);
    }

    #[test]
    fn dedented_replacement_moves_to_the_selection() {
        let got = fit_indentation(&v("if a {\n    b();\n}"), "", &["    x();", "    y();"]);
        assert_eq!(got, v("    if a {\n        b();\n    }"));
    }

    #[test]
    fn selection_after_indentation_keeps_the_copied_shape() {
        // The model copied the selection's shape: first line bare, later lines absolute.
        let selected = ["fn a() {", "        x", "    }"];
        let got = fit_indentation(&v("fn a() {\n        y\n    }"), "    ", &selected);
        assert_eq!(got, v("fn a() {\n        y\n    }"));
        // The model sent it dedented: the later lines move under the file's indentation.
        let got = fit_indentation(&v("fn a() {\n    y\n}"), "    ", &selected);
        assert_eq!(got, v("fn a() {\n        y\n    }"));
    }
}
