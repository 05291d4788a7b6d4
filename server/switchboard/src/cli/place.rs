//! The file and lines a terminal command acts on (`PATH[:START-END]`), read as the editor's
//! document would be: relative to the workspace root found by walking up, checked against the
//! excludes, with its tree and its selection. `switchboard run` and `switchboard routes
//! --explain` both start here, so they build the same packet and route on the same count.

use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use ropey::Rope;
use router::Role;
use tasks::context::WorkspaceIndex;
use tasks::job::{Image, JobInput};
use tasks::reply::FileRead;

use crate::config;
use switchboard::{files, relative_to_roots};

/// A place of the workspace, read.
pub struct Place {
    /// The workspace root: the nearest folder at or above the current one with `.git`, `.jj`,
    /// `.hg` or `.switchboard.toml`.
    pub root: PathBuf,
    /// The file, relative to `root`, `/`-separated.
    pub relative: String,
    pub rope: Rope,
    pub tree: Option<syntax::SyntaxTree>,
    /// The LSP language id the editor would give it (`plaintext` without a grammar).
    pub language: &'static str,
    /// The lines asked for (the whole file without any), as bytes.
    pub selection: Range<usize>,
}

impl Place {
    /// Reads `PATH[:START-END]` (relative to the current directory, or absolute).
    ///
    /// # Errors
    /// What is wrong with it, worded for the user: outside the workspace, missing, not text,
    /// excluded, or lines past its end (with its real line count).
    pub fn load(place: &str, exclude: &[String]) -> Result<Place, String> {
        let (path, lines) = super::routes::split_place(place)?;
        let cwd = std::env::current_dir().map_err(|err| format!("no current directory: {err}"))?;
        let root = config::cli_workspace_root();
        let relative = workspace_relative(&root, &cwd, &path).ok_or_else(|| {
            format!(
                "{path} is outside the workspace {} (the nearest folder above with .git, .jj, \
                 .hg or .switchboard.toml); run switchboard from inside the project",
                root.display()
            )
        })?;
        if tasks::context::excluded(&relative, exclude) {
            return Err(format!(
                "{relative} is excluded by [privacy] exclude, so nothing of it is sent to a model"
            ));
        }
        let text = match files::read(&root, &relative, &[]) {
            FileRead::Text(text) => text,
            FileRead::Missing => {
                return Err(format!("{relative} does not exist; give an existing file"));
            }
            FileRead::NotEditable(why) => return Err(format!("{relative} {why}")),
            FileRead::Directory => return Err(format!("{relative} is a directory; give a file")),
        };
        let rope = Rope::from_str(&text);
        let count = text::line_count(&rope);
        let selection = match lines {
            None => 0..text.len(),
            Some((first, last)) if first >= 1 && first <= last && last <= count => {
                rope.line_to_byte(first - 1)..rope.line_to_byte(last)
            }
            Some((first, last)) => {
                let noun = if count == 1 { "line" } else { "lines" };
                return Err(format!(
                    "lines {first}-{last} are not in {relative}, which has {count} {noun}"
                ));
            }
        };
        let grammar = syntax::grammar_for_path(&relative);
        let tree =
            grammar.and_then(|g| syntax::SyntaxTree::parse(g, &rope, Duration::from_secs(5)).ok());
        let language = grammar
            .and_then(|g| g.language_ids().first().copied())
            .unwrap_or("plaintext");
        Ok(Place {
            root,
            relative,
            rope,
            tree,
            language,
            selection,
        })
    }

    /// The job's input for this place.
    pub fn input<'a>(
        &'a self,
        role: Role,
        instruction: Option<String>,
        trace_id: String,
        workspace: &'a WorkspaceIndex,
        image: Option<&'a Image>,
    ) -> JobInput<'a> {
        JobInput {
            role,
            instruction,
            trace_id,
            path: &self.relative,
            language_id: self.language,
            rope: &self.rope,
            tree: self.tree.as_ref(),
            selection: self.selection.clone(),
            diagnostics: &[],
            open_documents: &[],
            workspace: Some(workspace),
            plan: None,
            image,
            complexity: None,
        }
    }
}

/// `place` (as typed, relative to `cwd` or absolute) as a `/`-separated path relative to `root`,
/// or `None` when it lies outside. `..` is resolved by its text, as a shell user means it.
fn workspace_relative(root: &Path, cwd: &Path, place: &str) -> Option<String> {
    let mut parts: Vec<std::ffi::OsString> = Vec::new();
    for component in cwd.join(place).components() {
        match component {
            Component::ParentDir => {
                parts.pop();
            }
            Component::CurDir => {}
            other => parts.push(other.as_os_str().to_os_string()),
        }
    }
    let absolute: PathBuf = parts.iter().collect();
    let (_, text) = relative_to_roots(&[root.to_path_buf()], &absolute)?;
    (!text.is_empty()).then_some(text)
}
