//! The search agent's tools over the workspace: `grep` (ripgrep's searcher, honouring
//! `.gitignore` and the privacy excludes), `read` (lines of a file), `outline` (a file's
//! signatures), `definition` and `references` (the workspace index, and a word search). What a
//! tool returns is masked like a packet, and never comes from an excluded file. For the
//! librarian the same tools read the sources of the workspace's dependencies instead
//! ([`WorkspaceTools::libraries`]), labelled `name@version/path`, with a `libraries` tool to
//! list them; nothing is ever written.

use std::path::{Path, PathBuf};

use grep_regex::RegexMatcherBuilder;
use grep_searcher::SearcherBuilder;
use grep_searcher::sinks::UTF8;
use providers::{Tool, ToolCall, ToolResult};
use serde_json::{Value, json};

use super::library::{self, Library};
use crate::context::{WorkspaceIndex, excluded, mask_secrets, path_label};

/// At most this many hits a `grep` or `references` returns (the rest are counted).
const MAX_HITS: usize = 40;
/// At most this many lines a `read` returns.
const MAX_LINES: usize = 200;
/// Files larger than this are not searched or read (generated or vendored code).
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The workspace the tools see.
pub struct WorkspaceTools {
    pub root: PathBuf,
    pub exclude: Vec<String>,
    pub index: Option<std::sync::Arc<WorkspaceIndex>>,
    /// switchboard's state directory, never searched or read even inside the workspace (its
    /// answers, ledger and saved index are no code of the user's).
    pub state_dir: Option<PathBuf>,
    /// For the librarian: the dependencies whose sources the tools read instead of the
    /// workspace's files.
    pub libraries: Option<Vec<Library>>,
}

/// What one tool call did, for progress and the trace: `grep "retry" → 14 hits`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StepSummary {
    pub tool: String,
    /// The call in a few words.
    pub call: String,
    /// What came back in a few words.
    pub result: String,
}

impl WorkspaceTools {
    /// The tools, as the model is offered them.
    pub fn offered() -> Vec<Tool> {
        let object = |properties: Value, required: &[&str]| json!({ "type": "object", "properties": properties, "required": required });
        vec![
            Tool::new(
                "grep",
                "Search the workspace's files for a regular expression (Rust regex syntax, case sensitive unless it is all lower case). Returns path:line: text for each hit.",
                object(
                    json!({
                        "pattern": { "type": "string", "description": "The regular expression." },
                        "path": { "type": "string", "description": "Only files under this workspace-relative directory or file." }
                    }),
                    &["pattern"],
                ),
            ),
            Tool::new(
                "read",
                "Read lines of a workspace file, numbered.",
                object(
                    json!({
                        "path": { "type": "string" },
                        "start": { "type": "integer", "description": "First line, 1-based (default 1)." },
                        "end": { "type": "integer", "description": "Last line, inclusive (default start + 99)." }
                    }),
                    &["path"],
                ),
            ),
            Tool::new(
                "outline",
                "The signatures of a workspace file's functions, types and constants, with their lines.",
                object(json!({ "path": { "type": "string" } }), &["path"]),
            ),
            Tool::new(
                "definition",
                "Where a name (function, type, constant) is defined in the workspace, with its signature.",
                object(json!({ "name": { "type": "string" } }), &["name"]),
            ),
            Tool::new(
                "references",
                "Where a name is used in the workspace (a whole-word search).",
                object(json!({ "name": { "type": "string" } }), &["name"]),
            ),
        ]
    }

    /// The tools offered for these sources: the librarian's over dependencies, else the
    /// workspace's.
    pub fn offer(&self) -> Vec<Tool> {
        if self.libraries.is_none() {
            return WorkspaceTools::offered();
        }
        let mut tools: Vec<Tool> = WorkspaceTools::offered()
            .into_iter()
            .filter(|tool| tool.name != "definition")
            .collect();
        tools.push(Tool::new(
            "definition",
            "Where a name (function, type, class, constant) is defined in the dependencies' sources (a search for its definition).",
            json!({ "type": "object", "properties": { "name": { "type": "string" } }, "required": ["name"] }),
        ));
        tools.push(Tool::new(
            "libraries",
            "The workspace's dependencies whose sources can be read, as name@version, optionally only those whose name contains `name`. Paths in the other tools are name@version/path.",
            json!({ "type": "object", "properties": { "name": { "type": "string" } } }),
        ));
        tools
    }

    /// Runs one call; a call that cannot be run gives an error result the model reads.
    pub fn run(&self, call: &ToolCall) -> (ToolResult, StepSummary) {
        let text = |key: &str| call.arguments[key].as_str().unwrap_or("").to_owned();
        let number = |key: &str| call.arguments[key].as_u64().map(|n| n as usize);
        let outcome = match call.name.as_str() {
            "grep" => self.grep(&text("pattern"), &text("path"), false),
            "libraries" if self.libraries.is_some() => self.list_libraries(&text("name")),
            "definition" if self.libraries.is_some() => {
                self.grep(&definition_regex(&text("name")), "", true)
            }
            "references" => self.grep(&regex_word(&text("name")), "", true),
            "read" => self.read(&text("path"), number("start"), number("end")),
            "outline" => self.outline(&text("path")),
            "definition" => self.definition(&text("name")),
            other => Err(format!(
                "no tool `{other}`; the tools are grep, read, outline, definition and references"
            )),
        };
        let call_words = match call.name.as_str() {
            "grep" => format!("\"{}\"", text("pattern")),
            "references" | "definition" | "libraries" => text("name"),
            "read" => format!(
                "{}:{}-{}",
                text("path"),
                number("start").unwrap_or(1),
                number("end").map_or_else(|| "…".to_owned(), |n| n.to_string())
            ),
            _ => text("path"),
        };
        match outcome {
            Ok((content, result)) => (
                ToolResult::new(call.id.clone(), mask_secrets(&content).0),
                StepSummary {
                    tool: call.name.clone(),
                    call: call_words,
                    result,
                },
            ),
            Err(why) => (
                ToolResult::error(call.id.clone(), why.clone()),
                StepSummary {
                    tool: call.name.clone(),
                    call: call_words,
                    result: format!("error: {why}"),
                },
            ),
        }
    }

    /// A workspace-relative path the tools may read: under the root, no `..`, not excluded.
    fn file(&self, relative: &str) -> Result<PathBuf, String> {
        let relative = relative.trim_start_matches("./");
        if let Some(libraries) = &self.libraries {
            // The privacy excludes hold inside a library too (a package's `.env`, a key).
            let inner = libraries
                .iter()
                .find_map(|l| relative.strip_prefix(&format!("{}/", l.label())));
            if inner.is_some_and(|inner| excluded(inner, &self.exclude)) {
                return Err(format!("{relative} is excluded by [privacy] exclude"));
            }
            let path = library::resolve(libraries, relative).ok_or_else(|| {
                format!("no file {relative} in the dependencies' sources; paths are name@version/path, as `libraries` lists them")
            })?;
            let metadata = std::fs::metadata(&path).map_err(|_| format!("no file {relative}"))?;
            if metadata.len() > MAX_FILE_BYTES {
                return Err(format!("{relative} is not a file the tools read"));
            }
            return Ok(path);
        }
        if relative.is_empty() || relative.split('/').any(|part| part == "..") {
            return Err(format!("{relative:?} is not a path in the workspace"));
        }
        if excluded(relative, &self.exclude) {
            return Err(format!("{relative} is excluded by [privacy] exclude"));
        }
        let path = self.root.join(relative);
        if self
            .state_dir
            .as_deref()
            .is_some_and(|dir| path.starts_with(dir))
        {
            return Err(format!(
                "{relative} is switchboard's own state, not the workspace's"
            ));
        }
        let metadata = std::fs::metadata(&path).map_err(|_| format!("no file {relative}"))?;
        if !metadata.is_file() || metadata.len() > MAX_FILE_BYTES {
            return Err(format!("{relative} is not a file the tools read"));
        }
        Ok(path)
    }

    fn label(&self, path: &Path) -> String {
        if let Some(label) = self
            .libraries
            .as_deref()
            .and_then(|libraries| library::label_of(libraries, path))
        {
            return label;
        }
        path_label(std::slice::from_ref(&self.root), path)
            .unwrap_or_else(|| path.display().to_string())
    }

    fn grep(&self, pattern: &str, under: &str, word: bool) -> Result<(String, String), String> {
        if pattern.is_empty() {
            return Err("an empty pattern".to_owned());
        }
        let matcher = RegexMatcherBuilder::new()
            .case_smart(!word)
            .build(pattern)
            .map_err(|err| format!("not a regular expression: {err}"))?;
        let starts = match &self.libraries {
            Some(libraries) => library_starts(libraries, under)?,
            None if under.is_empty() => vec![self.root.clone()],
            None => vec![self.file(under).or_else(|_| {
                let dir = self.root.join(under.trim_start_matches("./"));
                if dir.is_dir() && !excluded(under, &self.exclude) && !under.contains("..") {
                    Ok(dir)
                } else {
                    Err(format!("no file or directory {under}"))
                }
            })?],
        };
        let Some((start, more)) = starts.split_first() else {
            return Err("no dependency sources to search".to_owned());
        };
        let exclude = self.exclude.clone();
        // Paths are judged by the excludes relative to the workspace, or to their library.
        let roots: Vec<PathBuf> = match &self.libraries {
            Some(libraries) => libraries.iter().map(|l| l.root.clone()).collect(),
            None => vec![self.root.clone()],
        };
        let state_dir = self.state_dir.clone();
        let mut walk = ignore::WalkBuilder::new(start);
        for other in more {
            walk.add(other);
        }
        let walk = walk
            .require_git(false)
            .max_filesize(Some(MAX_FILE_BYTES))
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(move |entry| {
                state_dir.as_deref() != Some(entry.path())
                    && roots
                        .iter()
                        .find_map(|root| entry.path().strip_prefix(root).ok())
                        .map(|p| p.to_string_lossy().replace('\\', "/"))
                        .is_none_or(|p| p.is_empty() || !excluded(&p, &exclude))
            })
            .build();
        let mut searcher = SearcherBuilder::new().line_number(true).build();
        let (mut hits, mut total) = (Vec::new(), 0usize);
        for entry in walk.filter_map(Result::ok) {
            if !entry.file_type().is_some_and(|kind| kind.is_file()) {
                continue;
            }
            let label = self.label(entry.path());
            let result = searcher.search_path(
                &matcher,
                entry.path(),
                UTF8(|line, text| {
                    total += 1;
                    if hits.len() < MAX_HITS {
                        hits.push(format!("{label}:{line}: {}", text.trim_end()));
                    }
                    Ok(true)
                }),
            );
            if let Err(err) = result {
                tracing::debug!(path = %entry.path().display(), %err, "not searched");
            }
        }
        let more = total.saturating_sub(hits.len());
        let mut content = hits.join("\n");
        if more > 0 {
            content.push_str(&format!(
                "\n… and {more} more; narrow the pattern or the path"
            ));
        }
        if total == 0 {
            content = "no hits".to_owned();
        }
        Ok((
            content,
            format!("{total} hit{}", if total == 1 { "" } else { "s" }),
        ))
    }

    fn read(
        &self,
        relative: &str,
        start: Option<usize>,
        end: Option<usize>,
    ) -> Result<(String, String), String> {
        let path = self.file(relative)?;
        let text =
            std::fs::read_to_string(&path).map_err(|_| format!("{relative} is not UTF-8 text"))?;
        let count = text.lines().count();
        let start = start.unwrap_or(1).max(1);
        let end = end
            .unwrap_or(start + 99)
            .min(start + MAX_LINES - 1)
            .min(count);
        if start > count {
            return Err(format!("{relative} has {count} lines"));
        }
        let shown: Vec<String> = text
            .lines()
            .enumerate()
            .skip(start - 1)
            .take(end + 1 - start)
            .map(|(at, line)| format!("{:>5} | {line}", at + 1))
            .collect();
        Ok((shown.join("\n"), format!("{} lines", shown.len())))
    }

    fn outline(&self, relative: &str) -> Result<(String, String), String> {
        let path = self.file(relative)?;
        let grammar = syntax::grammar_for_path(relative)
            .ok_or_else(|| format!("{relative} has no grammar switchboard knows"))?;
        let text =
            std::fs::read_to_string(&path).map_err(|_| format!("{relative} is not UTF-8 text"))?;
        let rope = ropey::Rope::from_str(&text);
        let tree = syntax::SyntaxTree::parse(grammar, &rope, std::time::Duration::from_millis(500))
            .map_err(|err| format!("{relative} could not be parsed: {err}"))?;
        let items: Vec<String> = tree
            .outline(&rope)
            .iter()
            .map(|item| {
                let line = rope.byte_to_line(item.bytes.start.min(rope.len_bytes())) + 1;
                let first = item.signature.lines().next().unwrap_or("");
                format!("{line:>5} | {first}")
            })
            .collect();
        Ok((items.join("\n"), format!("{} items", items.len())))
    }

    fn definition(&self, name: &str) -> Result<(String, String), String> {
        let index = self.index.as_deref().ok_or("no workspace index")?;
        let found: Vec<String> = index
            .lookup(name)
            .into_iter()
            .filter(|definition| !excluded(&definition.path, &self.exclude))
            .take(MAX_HITS)
            .map(|definition| {
                format!(
                    "{}:{}: {}",
                    definition.path, definition.line, definition.signature
                )
            })
            .collect();
        let result = format!(
            "{} definition{}",
            found.len(),
            if found.len() == 1 { "" } else { "s" }
        );
        if found.is_empty() {
            return Ok((format!("no definition of {name}"), result));
        }
        Ok((found.join("\n\n"), result))
    }
}

impl WorkspaceTools {
    fn list_libraries(&self, name: &str) -> Result<(String, String), String> {
        let libraries = self.libraries.as_deref().unwrap_or_default();
        let wanted = name.to_lowercase().replace('-', "_");
        let found: Vec<String> = libraries
            .iter()
            .filter(|l| l.name.to_lowercase().replace('-', "_").contains(&wanted))
            .map(Library::label)
            .collect();
        let result = format!("{} libraries", found.len());
        if found.is_empty() {
            return Ok((format!("no dependency named like {name:?}"), result));
        }
        Ok((found.join("\n"), result))
    }
}

/// Where a grep over dependencies starts: every library, one named by label (`serde@1.0.1`,
/// `serde@1.0.1/src`) or by name (`serde`).
fn library_starts(libraries: &[Library], under: &str) -> Result<Vec<PathBuf>, String> {
    if under.is_empty() {
        return Ok(libraries.iter().map(|l| l.root.clone()).collect());
    }
    if let Some(path) =
        library::resolve_dir(libraries, under).or_else(|| library::resolve(libraries, under))
    {
        return Ok(vec![path]);
    }
    let named: Vec<PathBuf> = library::find(libraries, under)
        .into_iter()
        .map(|l| l.root.clone())
        .collect();
    if named.is_empty() {
        return Err(format!(
            "no dependency or path {under}; `libraries` lists them"
        ));
    }
    Ok(named)
}

/// A regular expression for where `name` is defined, in the common languages' keywords.
fn definition_regex(name: &str) -> String {
    format!(
        r"\b(fn|struct|enum|trait|type|const|static|mod|macro_rules!|class|def|function|interface|let|var)\s+{}\b",
        regex::escape(name)
    )
}

/// A name as a whole-word regular expression.
fn regex_word(name: &str) -> String {
    format!(r"\b{}\b", regex::escape(name))
}
