//! Search, explain and plan answers: the markdown is written under the state directory
//! (`answers/TRACE.md`, never inside the workspace), and each place it cites is checked against
//! the workspace before it becomes a [`Citation`] of the outcome.

use std::path::{Path, PathBuf};

use tasks::agent::library::{self, Library};
use tasks::outcome::Citation;
use tower_lsp_server::ls_types::Uri;

/// An answer on disk, with the places it cites that exist, and those that do not.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    pub uri: Uri,
    pub citations: Vec<Citation>,
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
    sources: &Sources<'_>,
) -> Result<Written, String> {
    let trace_id = header.trace_id.as_str();
    let dir = state_dir.join("answers");
    std::fs::create_dir_all(&dir).map_err(|err| {
        format!(
            "cannot create {}: {err}; check SWITCHBOARD_STATE_DIR",
            dir.display()
        )
    })?;
    let (citations, invalid) = check_citations(markdown, sources);
    let mut text = header.markdown();
    text.push_str(markdown.trim_end());
    text.push('\n');
    if !citations.is_empty() {
        text.push_str("\n---\n\nCited places:\n\n");
        for citation in &citations {
            let line = citation.start_line;
            text.push_str(&format!(
                "- [{}]({}#L{line}) `{}:{line}`\n",
                shown(&citation.label, citation.start_line, citation.end_line),
                citation.uri,
                citation.path.display()
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
        citations,
        invalid,
    })
}

/// Where cited places are looked for: the workspace, and for the librarian the sources of the
/// dependencies (`name@version/path`, never outside a library's root).
pub struct Sources<'a> {
    /// The absolute path a workspace label names (`None` outside the workspace).
    pub locate: &'a dyn Fn(&str) -> Option<PathBuf>,
    /// A workspace file's text as the editor has it (open) or on disk.
    pub read: &'a dyn Fn(&str) -> Option<String>,
    pub libraries: &'a [Library],
}

impl Sources<'_> {
    fn locate(&self, label: &str) -> Option<PathBuf> {
        library::resolve(self.libraries, label).or_else(|| (self.locate)(label))
    }

    fn read(&self, label: &str) -> Option<String> {
        match library::resolve(self.libraries, label) {
            Some(path) => std::fs::read_to_string(path).ok(),
            None => (self.read)(label),
        }
    }
}

/// The citations of `markdown` that exist in `sources`, and the others as text.
pub fn check_citations(markdown: &str, sources: &Sources<'_>) -> (Vec<Citation>, Vec<String>) {
    let mut citations = Vec::new();
    let mut invalid = Vec::new();
    for citation in tasks::reply::citations(markdown) {
        let found = Some(&citation.path)
            .filter(|path| !path.split('/').any(|part| part == ".."))
            .and_then(|path| sources.locate(path))
            .and_then(|path| {
                let text = sources.read(&citation.path)?;
                let lines = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
                let fits = citation.start_line >= 1
                    && citation.start_line <= citation.end_line
                    && citation.end_line <= lines;
                fits.then_some(path)
            })
            .and_then(|path| Some((Uri::from_file_path(&path)?, path)));
        match found {
            Some((uri, path)) => citations.push(Citation {
                label: citation.path.clone(),
                path,
                start_line: citation.start_line,
                end_line: citation.end_line,
                uri: uri.as_str().to_owned(),
            }),
            None => invalid.push(shown(
                &citation.path,
                citation.start_line,
                citation.end_line,
            )),
        }
    }
    (citations, invalid)
}

/// A citation as written back: `path:line` or `path:start-end`.
fn shown(label: &str, start_line: u32, end_line: u32) -> String {
    if start_line == end_line {
        format!("{label}:{start_line}")
    } else {
        format!("{label}:{start_line}-{end_line}")
    }
}
