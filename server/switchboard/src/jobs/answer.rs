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

/// What an answer document says at its top: what was asked, about which lines, who answered
/// and what it cost, and the trace id that `switchboard trace` takes.
#[derive(Debug, Clone)]
pub struct Header {
    /// `Explain`, `Plan`, ...
    pub verb: String,
    pub question: String,
    /// `src/lib.rs:10-40`.
    pub place: String,
    pub model: String,
    pub cost_usd: f64,
    pub trace_id: String,
}

impl Header {
    fn markdown(&self) -> String {
        let quoted: Vec<String> = self
            .question
            .lines()
            .map(|line| format!("> {line}"))
            .collect();
        format!(
            "# {}: {}\n\n{}\n\n*{} · ${:.4} · trace `{}` (`switchboard trace {}`)*\n\n---\n\n",
            self.verb,
            self.place,
            quoted.join("\n"),
            self.model,
            self.cost_usd,
            self.trace_id,
            self.trace_id
        )
    }
}

/// Writes the answer `markdown` under `header`, checks its citations (see [`check_citations`])
/// and lists the places found as links that open the source at the line in any editor: a
/// `file://` URI with a line fragment, and the absolute path with its line, which Helix's `gf`
/// and Neovim's `gF` open (a path relative to the workspace would be read from the answers
/// directory).
///
/// # Errors
/// When the state directory cannot be found or written, with what to do.
pub fn write(
    state_dir: &Path,
    header: &Header,
    markdown: &str,
    locate: &dyn Fn(&str) -> Option<PathBuf>,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Written, String> {
    let trace_id = header.trace_id.as_str();
    let dir = state_dir.join("answers");
    std::fs::create_dir_all(&dir).map_err(|err| {
        format!(
            "cannot create {}: {err}; check SWITCHBOARD_STATE_DIR",
            dir.display()
        )
    })?;
    let (locations, invalid) = check_citations(markdown, locate, read);
    let mut text = header.markdown();
    text.push_str(markdown.trim_end());
    text.push('\n');
    if !locations.is_empty() {
        text.push_str("\n---\n\nCited places:\n\n");
        for (citation, location) in tasks::reply::citations(markdown)
            .iter()
            .filter(|citation| !invalid.contains(&shown(citation)))
            .zip(&locations)
        {
            let line = location.range.start.line + 1;
            let absolute = location
                .uri
                .to_file_path()
                .map(|path| path.display().to_string())
                .unwrap_or_default();
            text.push_str(&format!(
                "- [{}]({}#L{line}) `{absolute}:{line}`\n",
                shown(citation),
                location.uri.as_str()
            ));
        }
    }
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
        let shown = shown(&citation);
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

/// A citation as written back: `path:line` or `path:start-end`.
fn shown(citation: &tasks::reply::Citation) -> String {
    if citation.start_line == citation.end_line {
        format!("{}:{}", citation.path, citation.start_line)
    } else {
        format!(
            "{}:{}-{}",
            citation.path, citation.start_line, citation.end_line
        )
    }
}
