//! The vision role's input: an image path written in a string or a markdown link on the
//! selected lines, resolved inside the workspace (never outside it, never an excluded file) and
//! read for the model.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use base64::Engine;
use regex::Regex;
use tasks::job::Image;

use super::relative_to_roots;

/// The most an image may weigh: providers refuse larger ones (Anthropic's limit is 5 MB a
/// picture, Gemini's inline data 20 MB a request).
const MAX_IMAGE_BYTES: u64 = 5 * 1024 * 1024;

/// An image path in quotes or in a markdown link's parentheses.
static IMAGE_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:["'`]|\]\()([^"'`()\s]+\.(?i:png|jpe?g|gif|webp))(?:["'`]|\))"#)
        .expect("the image path pattern is valid")
});

/// The first image path written on the lines of `bytes`, as written.
pub fn image_path_in(rope: &text::Rope, bytes: &Range<usize>) -> Option<String> {
    let first = rope.byte_to_line(bytes.start);
    let last = rope.byte_to_line(bytes.end.saturating_sub(1).max(bytes.start));
    let start = rope.line_to_byte(first);
    let end = rope.line_to_byte((last + 1).min(rope.len_lines()));
    let lines = rope.byte_slice(start..end).to_string();
    IMAGE_PATH
        .captures(&lines)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
}

/// Where a written path points: beside the document first (as markdown links mean), then from
/// the workspace folder. `None` when it is outside every folder, also once symbolic links are
/// followed, or does not exist.
pub fn resolve(roots: &[PathBuf], document: &Path, written: &str) -> Option<(PathBuf, String)> {
    let written = written.trim_start_matches("./");
    if Path::new(written).is_absolute() || written.split('/').any(|part| part == "..") {
        return None;
    }
    let beside = document.parent().map(|dir| dir.join(written));
    let candidates = beside
        .into_iter()
        .chain(relative_to_roots(roots, document).map(|(root, _)| root.join(written)));
    candidates
        .filter(|path| path.is_file() && inside_once_resolved(roots, path))
        .find_map(|path| relative_to_roots(roots, &path).map(|(_, relative)| (path, relative)))
}

/// Whether `path`, with `..` and symbolic links resolved, is inside one of `roots`: a link in
/// the workspace to a private file elsewhere must not send that file.
fn inside_once_resolved(roots: &[PathBuf], path: &Path) -> bool {
    let Ok(real) = path.canonicalize() else {
        return false;
    };
    roots
        .iter()
        .filter_map(|root| root.canonicalize().ok())
        .any(|root| real.starts_with(root))
}

/// Reads an image for the model.
///
/// # Errors
/// When it cannot be read, is too large, or is not an image type providers take.
pub fn read(path: &Path, relative: &str) -> Result<Image, String> {
    let media_type = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => return Err(format!("{relative} is not a png, jpeg, gif or webp image")),
    };
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {relative}: {e}"))?
        .len();
    if size > MAX_IMAGE_BYTES {
        return Err(format!(
            "{relative} is {} MB; models take images up to {} MB: make it smaller",
            size / (1024 * 1024),
            MAX_IMAGE_BYTES / (1024 * 1024)
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {relative}: {e}"))?;
    Ok(Image {
        path: relative.to_string(),
        media_type: media_type.to_string(),
        data_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_paths_are_found_in_strings_and_markdown_links() {
        let find = |text: &str| image_path_in(&text::Rope::from_str(text), &(0..text.len()));
        assert_eq!(
            find("![logo](img/logo.png) here\n"),
            Some("img/logo.png".to_string())
        );
        assert_eq!(find("let p = \"assets/a b.jpg\";\n"), None);
        assert_eq!(
            find("icon = 'icons/x.WEBP'\n"),
            Some("icons/x.WEBP".to_string())
        );
        assert_eq!(find("see logo.png in the docs\n"), None);
    }
}
