//! Two habits of models that would otherwise turn into wrong edits: a comment naming the file
//! at the top of a code block (`// src/lib.rs`, `# filepath: app.py`), which is a label and not
//! code, and a comment standing for code left out (`// ... existing code ...`), which would
//! delete that code. The label is dropped; a replacement with a left-out comment is refused.

/// The text of a line that is only a comment, without its markers; `None` for other lines.
pub(crate) fn comment_text(line: &str) -> Option<&str> {
    let t = line.trim();
    let rest = ["//", "#", "--", "/*", "<!--", ";;", ";", "%"]
        .iter()
        .find_map(|m| t.strip_prefix(m))?;
    let rest = rest.trim();
    let rest = rest.strip_suffix("*/").unwrap_or(rest);
    let rest = rest.strip_suffix("-->").unwrap_or(rest);
    Some(rest.trim())
}

/// Whether `line` is a comment naming the file `path` (by its path or its file name).
fn names_file(line: &str, path: &str) -> bool {
    let Some(text) = comment_text(line) else {
        return false;
    };
    let lower = text.to_ascii_lowercase();
    let text = ["filepath:", "file path:", "filename:", "file:", "path:"]
        .iter()
        .find_map(|label| lower.starts_with(label).then(|| text[label.len()..].trim()))
        .unwrap_or(text);
    let text = text.trim_matches('`');
    let name = path.rsplit('/').next().unwrap_or(path);
    !text.is_empty() && (text == path || text == name || text.strip_prefix("./") == Some(path))
}

/// `body` without a leading comment that names the file `path` (and the blank lines after it),
/// unless the selection itself starts with that comment.
pub(crate) fn drop_file_label(body: Vec<String>, path: &str, selected: &str) -> Vec<String> {
    let Some(first) = body.iter().position(|l| !l.trim().is_empty()) else {
        return body;
    };
    let label = &body[first];
    let in_selection = selected.lines().any(|l| l.trim() == label.trim());
    if in_selection || !names_file(label, path) {
        return body;
    }
    body.into_iter()
        .skip(first + 1)
        .skip_while(|l| l.trim().is_empty())
        .collect()
}

/// Whether `line` is a comment standing for code left out: one that starts with `...` (or `…`)
/// or with words like "existing code" or "rest of". A comment that merely ends with an ellipsis
/// ("// waiting for the lock...") is an ordinary comment.
pub(crate) fn is_left_out(line: &str) -> bool {
    let Some(text) = comment_text(line) else {
        return false;
    };
    let lower = text.to_lowercase();
    let lower = lower.trim_start_matches(['(', '[']);
    lower.starts_with("...")
        || lower.starts_with('…')
        || [
            "existing code",
            "rest of",
            "remaining code",
            "unchanged",
            "other methods",
            "previous code",
            "same as before",
        ]
        .iter()
        .any(|w| lower.starts_with(w))
}

/// The first line of `new` that stands for left-out code and is not in `old` (the text it
/// replaces, which may have such a comment of its own), with its 0-based index.
pub(crate) fn left_out<'a>(
    new: impl IntoIterator<Item = &'a str>,
    old: &str,
) -> Option<(usize, String)> {
    new.into_iter()
        .enumerate()
        .find(|(_, l)| is_left_out(l) && !old.lines().any(|o| o.trim() == l.trim()))
        .map(|(i, l)| (i, l.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn file_labels_are_dropped() {
        let body = v("// filepath: src/math.rs\n\nfn add() {}");
        assert_eq!(
            drop_file_label(body, "src/math.rs", "fn x() {}"),
            v("fn add() {}")
        );
        let body = v("# models.py\nx = 1");
        assert_eq!(drop_file_label(body, "app/models.py", "x = 0"), v("x = 1"));
        let body = v("// the math helpers\nfn add() {}");
        assert_eq!(drop_file_label(body.clone(), "src/math.rs", ""), body);
        let body = v("// src/math.rs\nfn add() {}");
        assert_eq!(
            drop_file_label(body.clone(), "src/math.rs", "// src/math.rs\nfn x() {}"),
            body,
            "the selection has the same comment, so it is code"
        );
    }

    #[test]
    fn left_out_comments() {
        for line in [
            "    // ... existing code ...",
            "# ... rest unchanged",
            "// rest of the function stays the same",
            "/* ... */",
            "<!-- … -->",
            "// (existing code)",
        ] {
            assert!(is_left_out(line), "{line}");
        }
        for line in [
            "// waiting for the lock...",
            "let x = 1; // ...",
            "...",
            "// keep it",
        ] {
            assert!(!is_left_out(line), "{line}");
        }
        assert_eq!(
            left_out(["a", "  // ... existing code ..."], "a\nb\n"),
            Some((1, "// ... existing code ...".to_string()))
        );
        assert_eq!(left_out(["// ...", "x"], "// ...\ny"), None);
    }
}
