//! Comments that carry a `TODO`, `FIXME` or `AI:` marker (`markers.scm` finds the comments, this
//! module reads them): a marked comment in or above a selection is the instruction for a model.

use std::ops::Range;

use ropey::Rope;
use tree_sitter::Node;

use crate::queries::{QueryKind, Role};
use crate::rope_text::text;
use crate::tree::SyntaxTree;

/// Which marker a comment carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MarkerKind {
    Todo,
    Fixme,
    /// `AI:` — an instruction addressed to a model.
    Ai,
}

impl MarkerKind {
    /// The marker as written.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerKind::Todo => "TODO",
            MarkerKind::Fixme => "FIXME",
            MarkerKind::Ai => "AI:",
        }
    }
}

/// A marker found in a comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    pub kind: MarkerKind,
    /// What follows the marker, without an `(owner)` or colon: `// TODO(ann): cache this` gives
    /// `cache this`. The lines that continue it (in a block comment, or line comments right
    /// below at the same column) follow after `\n`, up to a blank line or another marker.
    pub text: String,
    /// The whole comment, including the line comments that continue it.
    pub bytes: Range<usize>,
}

impl SyntaxTree {
    /// Every marker in a comment, in document order. A marker counts at the start of a comment
    /// or of a line inside one (after `//`, `#`, `--`, `*`, `<!--` ...), so prose that merely
    /// mentions a TODO is not one. Linear in the size of the tree.
    pub fn markers(&self, rope: &Rope) -> Vec<Marker> {
        self.markers_in(rope, 0..rope.len_bytes())
    }

    /// The markers whose comment starts inside `bytes`, with the lines that continue them even
    /// past its end. Proportional to the part of the tree inside `bytes`: a job asks for the
    /// few lines around its selection, not the whole file.
    pub fn markers_in(&self, rope: &Rope, bytes: Range<usize>) -> Vec<Marker> {
        let Some(query) = self.grammar().compiled(QueryKind::Markers) else {
            return Vec::new();
        };
        let mut comments: Vec<Node<'_>> = Vec::new();
        query.for_each_match(
            self.tree().root_node(),
            rope,
            Some(bytes.clone()),
            None,
            |found| {
                for capture in found.captures {
                    if query.role(capture.index) == Role::Comment
                        && bytes.contains(&capture.node.start_byte())
                    {
                        comments.push(capture.node);
                    }
                }
            },
        );
        comments.sort_by_key(|node| (node.start_byte(), node.end_byte()));
        comments.dedup_by_key(|node| node.id());
        // The comments right after the range, which may continue its last marker.
        if let Some(&last) = comments.last() {
            let mut next = last.next_sibling();
            while let Some(node) = next.filter(|node| node.kind_id() == last.kind_id()) {
                comments.push(node);
                next = node.next_sibling();
            }
        }

        let mut markers: Vec<Marker> = Vec::new();
        // The single-line comment that holds the last marker, which the next line comment may continue.
        let mut open: Option<Node<'_>> = None;
        for comment in comments {
            let body = text(rope, comment.byte_range());
            let found = read_comment(&body);
            if found.is_empty() {
                let continued = open.filter(|previous| continues(rope, *previous, comment, &body));
                match (continued, markers.last_mut()) {
                    (Some(_), Some(marker)) => {
                        marker.text.push('\n');
                        marker.text.push_str(strip_leader(&body).trim());
                        marker.bytes.end = comment.end_byte();
                        open = Some(comment);
                    }
                    _ => open = None,
                }
                continue;
            }
            let single_line = !body.trim_end().contains(['\n', '\r']);
            open = single_line.then_some(comment);
            markers.extend(found.into_iter().map(|(kind, text)| Marker {
                kind,
                text,
                bytes: comment.byte_range(),
            }));
        }
        markers.retain(|marker| bytes.contains(&marker.bytes.start));
        markers
    }
}

/// Whether `next` (holding `next_text`, no marker of its own) continues the marker comment
/// `previous`: a non-blank single-line comment on the very next line, at the same column.
fn continues(rope: &Rope, previous: Node<'_>, next: Node<'_>, next_text: &str) -> bool {
    let gap = text(rope, previous.end_byte()..next.start_byte());
    let line_breaks =
        gap.matches('\n').count() + gap.matches('\r').count() - gap.matches("\r\n").count();
    gap.trim().is_empty()
        && line_breaks == 1
        && previous.start_position().column == next.start_position().column
        && !next_text.trim_end().contains(['\n', '\r'])
        && !strip_leader(next_text).trim().is_empty()
}

/// The markers of one comment with their texts.
fn read_comment(comment: &str) -> Vec<(MarkerKind, String)> {
    let lua_long = comment.starts_with("--[");
    let mut found: Vec<(MarkerKind, String)> = Vec::new();
    // Whether the last marker may still take continuation lines.
    let mut open = false;
    for line in comment.lines() {
        let mut content = strip_leader(line);
        content = strip_trailer(content, lua_long);
        if let Some((kind, rest)) = marker_at_start(content) {
            found.push((kind, rest.trim().to_owned()));
            open = true;
        } else if open && let Some((_, text)) = found.last_mut() {
            if content.trim().is_empty() {
                open = false;
            } else {
                text.push('\n');
                text.push_str(content.trim());
            }
        }
    }
    for (_, text) in &mut found {
        let trimmed = text.trim_end().len();
        text.truncate(trimmed);
    }
    found
}

/// A comment line without its comment punctuation: `//`, `///`, `//!`, `/*`, ` *`, `#`, `--`,
/// `--[[`, `<!--`, `;`.
fn strip_leader(line: &str) -> &str {
    let line = line.trim_start();
    let line = line.strip_prefix("<!--").unwrap_or(line);
    let line = line.trim_start_matches(['/', '*', '#', '!', '-', ';']);
    // A Lua long comment opens with `--[[` or `--[==[`.
    let line = line
        .strip_prefix('[')
        .and_then(|rest| rest.trim_start_matches('=').strip_prefix('['))
        .unwrap_or(line);
    line.trim_start()
}

/// A comment line without the closing `*/`, `-->` or (in a Lua long comment) `]]`.
fn strip_trailer(line: &str, lua_long: bool) -> &str {
    let line = line.trim_end();
    if let Some(rest) = line.strip_suffix("*/").or_else(|| line.strip_suffix("-->")) {
        return rest;
    }
    if lua_long
        && let Some(rest) = line.strip_suffix(']')
        && let Some(rest) = rest.trim_end_matches('=').strip_suffix(']')
    {
        return rest;
    }
    line
}

/// The marker a comment line starts with, and what follows it (an `(owner)` and a `:` or `-`
/// skipped).
fn marker_at_start(content: &str) -> Option<(MarkerKind, &str)> {
    if let Some(rest) = content.strip_prefix("AI:") {
        return Some((MarkerKind::Ai, rest));
    }
    let (kind, rest) = if let Some(rest) = content.strip_prefix("TODO") {
        (MarkerKind::Todo, rest)
    } else {
        (MarkerKind::Fixme, content.strip_prefix("FIXME")?)
    };
    // `TODO:`, `TODO(ann):`, `TODO -`, `TODO` alone; not `TODOS` or `TODO.md`.
    if !(rest.is_empty()
        || rest.starts_with([':', '(', '!', '-'])
        || rest.starts_with(char::is_whitespace))
    {
        return None;
    }
    let mut rest = rest;
    if let Some(after) = rest.strip_prefix('(') {
        rest = after.split_once(')').map_or("", |(_, after)| after);
    }
    let rest = rest.trim_start();
    Some((kind, rest.strip_prefix([':', '-']).unwrap_or(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_lines_are_read_as_the_doc_comment_says() {
        let cases: &[(&str, &[(MarkerKind, &str)])] = &[
            ("// TODO: cache this", &[(MarkerKind::Todo, "cache this")]),
            (
                "/// TODO(ann): cache this",
                &[(MarkerKind::Todo, "cache this")],
            ),
            ("# FIXME - off by one", &[(MarkerKind::Fixme, "off by one")]),
            (
                "-- AI: rewrite with ipairs",
                &[(MarkerKind::Ai, "rewrite with ipairs")],
            ),
            ("--[[ TODO: long ]]", &[(MarkerKind::Todo, "long")]),
            ("--[==[ TODO: long ]==]", &[(MarkerKind::Todo, "long")]),
            ("<!-- TODO: md -->", &[(MarkerKind::Todo, "md")]),
            ("/* FIXME */", &[(MarkerKind::Fixme, "")]),
            (
                "/**\n * TODO: faster\n *   by caching\n *\n * Returns x.\n */",
                &[(MarkerKind::Todo, "faster\nby caching")],
            ),
            (
                "/* TODO: a\n   FIXME: b */",
                &[(MarkerKind::Todo, "a"), (MarkerKind::Fixme, "b")],
            ),
            ("// see TODO.md", &[]),
            ("// TODO.md is stale", &[]),
            ("// TODOS", &[]),
            ("// ai: lowercase is prose", &[]),
            ("#!/bin/sh", &[]),
        ];
        for (comment, expected) in cases {
            let got = read_comment(comment);
            let got: Vec<(MarkerKind, &str)> = got
                .iter()
                .map(|(kind, text)| (*kind, text.as_str()))
                .collect();
            assert_eq!(&got, expected, "{comment:?}");
        }
    }
}
