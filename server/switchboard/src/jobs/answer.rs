//! Search, explain and plan answers: the markdown is written under the state directory
//! (`answers/TRACE.md`, never inside the workspace), and each place it cites is checked against
//! the workspace before it becomes a `Location`.

use std::path::{Path, PathBuf};

use tower_lsp_server::ls_types::{Location, Position, Range, Uri};

/// An answer on disk, with the places it cites that exist, and those that do not.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    pub uri: Uri,
    pub locations: Vec<Location>,
    /// Citations that name no file of the workspace, or lines past a file's end.
    pub invalid: Vec<String>,
}

/// Writes `markdown` for `trace_id` and checks its citations against `root`.
///
/// # Errors
/// When the state directory cannot be found or written, with what to do.
pub fn write(
    state_dir: &Path,
    trace_id: &str,
    markdown: &str,
    locate: &dyn Fn(&str) -> Option<PathBuf>,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Written, String> {
    let dir = state_dir.join("answers");
    std::fs::create_dir_all(&dir).map_err(|err| {
        format!(
            "cannot create {}: {err}; check SWITCHBOARD_STATE_DIR",
            dir.display()
        )
    })?;
    let (locations, invalid) = check_citations(markdown, locate, read);
    let mut text = markdown.to_string();
    if !invalid.is_empty() {
        text.push_str("\n\n---\nswitchboard could not find these cited places in the workspace: ");
        text.push_str(&invalid.join(", "));
        text.push('\n');
    }
    let path = dir.join(format!("{trace_id}.md"));
    std::fs::write(&path, text).map_err(|err| {
        format!(
            "cannot write {}: {err}; check SWITCHBOARD_STATE_DIR",
            path.display()
        )
    })?;
    let uri = Uri::from_file_path(&path)
        .ok_or_else(|| format!("{} is not an absolute path", path.display()))?;
    Ok(Written {
        path,
        uri,
        locations,
        invalid,
    })
}

/// The citations of `markdown` that exist in the workspace as locations, and the others as
/// text. `locate` gives the absolute path a cited label names (`None` outside the workspace),
/// `read` its text as the editor has it (open) or on disk.
pub fn check_citations(
    markdown: &str,
    locate: &dyn Fn(&str) -> Option<PathBuf>,
    read: &dyn Fn(&str) -> Option<String>,
) -> (Vec<Location>, Vec<String>) {
    let mut locations = Vec::new();
    let mut invalid = Vec::new();
    for citation in tasks::reply::citations(markdown) {
        let shown = if citation.start_line == citation.end_line {
            format!("{}:{}", citation.path, citation.start_line)
        } else {
            format!(
                "{}:{}-{}",
                citation.path, citation.start_line, citation.end_line
            )
        };
        let found = Some(&citation.path)
            .filter(|path| !path.split('/').any(|part| part == ".."))
            .and_then(|path| locate(path))
            .and_then(|path| {
                let text = read(&citation.path)?;
                let lines = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
                let fits = citation.start_line >= 1
                    && citation.start_line <= citation.end_line
                    && citation.end_line <= lines;
                fits.then_some(path)
            })
            .and_then(Uri::from_file_path);
        match found {
            Some(uri) => locations.push(Location {
                uri,
                range: Range::new(
                    Position::new(citation.start_line - 1, 0),
                    Position::new(citation.end_line, 0),
                ),
            }),
            None => invalid.push(shown),
        }
    }
    (locations, invalid)
}
