//! Fenced code blocks (```` ``` ```` or `~~~`) in a markdown reply, found as `CommonMark` finds
//! them, with two departures that models make necessary: an opening fence may be indented any
//! amount (models indent fences inside list items, and `CommonMark` would read those as indented
//! code), and a fence left open at the end of the reply is reported as open rather than run to
//! the end, because an open fence almost always means the reply was cut off.

use std::ops::Range;

/// One fenced block of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fence {
    /// 1-based line of the opening fence in the text parsed.
    pub line: usize,
    /// The info string's first word, lowercased ("" when there is none).
    pub lang: String,
    /// The content lines, each without the opening fence's indentation and ending in `\n`
    /// (whatever the text's own line endings were).
    pub body: String,
    /// Bytes of the whole block in the text parsed, opening line through closing line.
    pub span: Range<usize>,
    /// Whether a closing fence was found.
    pub closed: bool,
}

struct Opener {
    indent: usize,
    ch: u8,
    len: usize,
    lang: String,
}

fn opener(line: &str) -> Option<Opener> {
    let trimmed = line.trim_start_matches([' ', '\t']);
    let indent = line.len() - trimmed.len();
    let ch = *trimmed.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = trimmed.bytes().take_while(|&b| b == ch).count();
    if len < 3 {
        return None;
    }
    let info = trimmed[len..].trim();
    // CommonMark: a backtick fence's info string holds no backtick, which is what keeps
    // "```rust``` blocks" written in a sentence from opening a fence.
    if ch == b'`' && info.contains('`') {
        return None;
    }
    let lang = info
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    Some(Opener {
        indent,
        ch,
        len,
        lang,
    })
}

fn closes(line: &str, open: &Opener) -> bool {
    let t = line.trim();
    t.len() >= open.len && t.bytes().all(|b| b == open.ch)
}

/// Removes up to `width` bytes of leading spaces or tabs: the opening fence's indentation.
fn dedent(line: &str, width: usize) -> &str {
    let strip = line
        .bytes()
        .take(width)
        .take_while(|&b| b == b' ' || b == b'\t')
        .count();
    &line[strip..]
}

/// The lines of `text` as (byte offset of the line, the line without its ending, offset after
/// the ending).
pub(crate) fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str, usize)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        (start, line, offset)
    })
}

/// Every fenced block of `text`, in order. Scanning stops at a fence that is never closed.
pub(crate) fn fences(text: &str) -> Vec<Fence> {
    let mut found = Vec::new();
    let mut open: Option<(Opener, Fence)> = None;
    for (number, (start, line, end)) in lines_with_offsets(text).enumerate() {
        match &mut open {
            None => {
                if let Some(o) = opener(line) {
                    let fence = Fence {
                        line: number + 1,
                        lang: o.lang.clone(),
                        body: String::new(),
                        span: start..end,
                        closed: false,
                    };
                    open = Some((o, fence));
                }
            }
            Some((o, fence)) => {
                fence.span.end = end;
                if closes(line, o) {
                    fence.closed = true;
                    if let Some((_, done)) = open.take() {
                        found.push(done);
                    }
                } else {
                    fence.body.push_str(dedent(line, o.indent));
                    fence.body.push('\n');
                }
            }
        }
    }
    if let Some((_, unclosed)) = open {
        found.push(unclosed);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fences_of_both_kinds_with_crlf_and_indentation() {
        let text = "Intro\r\n```rust\r\nfn a() {}\r\n```\r\n  ~~~\r\n  x\r\n   y\r\n  ~~~~\r\n";
        let f = fences(text);
        assert_eq!(f.len(), 2);
        assert_eq!((f[0].line, f[0].lang.as_str()), (2, "rust"));
        assert_eq!(f[0].body, "fn a() {}\n");
        assert_eq!(&text[f[0].span.clone()], "```rust\r\nfn a() {}\r\n```\r\n");
        assert_eq!(f[1].body, "x\n y\n");
        assert!(f[1].closed);
    }

    #[test]
    fn inline_triple_backticks_and_short_closers_do_not_count() {
        assert!(fences("wrap it in ```rust``` blocks\n").is_empty());
        let f = fences("````md\n```\ninner\n```\n````\n");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].body, "```\ninner\n```\n");
    }

    #[test]
    fn an_open_fence_is_reported_open() {
        let f = fences("```\nfn a() {\n");
        assert_eq!(f.len(), 1);
        assert!(!f[0].closed);
    }
}
