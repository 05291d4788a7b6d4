//! The workspace index: the declarations of every file a model may see (name → path, line,
//! signature), for looking up what a selection uses; and the privacy `exclude` globs that keep
//! files from ever being read for a model.
//!
//! [`WorkspaceIndex::build`] only walks the roots (honouring `.gitignore`, skipping excluded,
//! large and hidden files); files are read and parsed on the first lookup, so a server can build
//! it at start and pay for parsing only when a packet first asks (or call
//! [`WorkspaceIndex::warm`] on a background thread).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ropey::Rope;
use syntax::{SyntaxTree, grammar_for_path};

use super::definition::{Definition, is_definition_kind};

/// Paths never sent to a model, whatever the config says: environment files, keys and
/// anything under a `secrets` directory.
pub const DEFAULT_EXCLUDES: [&str; 6] = [
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "id_rsa*",
    "**/secrets/**",
];

/// Files larger than this are not indexed: generated or vendored code, which only crowds out
/// the definitions people write.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// The walk stops after this many files, so a huge tree cannot stall the first lookup.
pub const MAX_FILES: usize = 20_000;
/// How long parsing one file may take while indexing.
const PARSE_LIMIT: Duration = Duration::from_millis(500);
/// How far into a file the binary check looks for a NUL byte (as git does).
const BINARY_SNIFF: usize = 8000;

/// The privacy globs, compiled: the defaults and the config's `exclude`.
///
/// Globs follow `.gitignore`: a glob without a `/` matches a file or directory name at any
/// depth (`*.pem`, `secrets`), one with a `/` matches from the workspace root (`config/prod.toml`,
/// `**/secrets/**`), and a matched directory excludes everything under it. `*` does not cross
/// a `/`. A glob that does not compile matches nothing and is logged (the config check reports
/// it to the user).
#[derive(Debug, Clone)]
struct Exclusions {
    set: GlobSet,
}

impl Exclusions {
    fn new(globs: &[String]) -> Exclusions {
        let mut builder = GlobSetBuilder::new();
        let all = DEFAULT_EXCLUDES
            .iter()
            .copied()
            .chain(globs.iter().map(String::as_str));
        for glob in all {
            let glob = glob.trim();
            let anchored = glob.strip_prefix('/');
            let body = anchored.unwrap_or(glob).trim_end_matches('/');
            if body.is_empty() {
                continue;
            }
            let pattern = if anchored.is_none() && !body.contains('/') {
                format!("**/{body}")
            } else {
                body.to_owned()
            };
            match GlobBuilder::new(&pattern).literal_separator(true).build() {
                Ok(compiled) => {
                    builder.add(compiled);
                }
                Err(err) => tracing::warn!(glob, %err, "a privacy exclude glob does not compile"),
            }
        }
        let set = builder.build().unwrap_or_else(|err| {
            tracing::warn!(%err, "the privacy exclude globs do not compile together");
            GlobSet::empty()
        });
        Exclusions { set }
    }

    /// Whether a workspace-relative path, or a directory above it, is excluded.
    fn matches(&self, relative: &str) -> bool {
        let path = normalize(relative);
        if path.is_empty() {
            return false;
        }
        let mut prefix = String::with_capacity(path.len());
        for (index, part) in path.split('/').enumerate() {
            if index > 0 {
                prefix.push('/');
            }
            prefix.push_str(part);
            if self.set.is_match(&prefix) {
                return true;
            }
        }
        false
    }
}

/// A path with `/` separators and no leading `./` or `/`.
fn normalize(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut path = path.as_str();
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    path.trim_start_matches('/').to_owned()
}

/// Whether the workspace-relative `path` is excluded by `exclude_globs` or the defaults
/// ([`DEFAULT_EXCLUDES`]): callers refuse to read or send such a file.
pub fn excluded(path: &str, exclude_globs: &[String]) -> bool {
    // Every code-action listing asks, and the globs change only with the config: the last
    // compiled set is kept (compiling it was 15% of a listing).
    static LAST: Mutex<Option<(Vec<String>, Arc<Exclusions>)>> = Mutex::new(None);
    let exclusions = {
        let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
        match &*last {
            Some((globs, compiled)) if globs.as_slice() == exclude_globs => compiled.clone(),
            _ => {
                let compiled = Arc::new(Exclusions::new(exclude_globs));
                *last = Some((exclude_globs.to_vec(), compiled.clone()));
                compiled
            }
        }
    };
    exclusions.matches(path)
}

/// A file the walk found.
#[derive(Debug, Clone)]
struct IndexedFile {
    absolute: PathBuf,
    /// What definitions call it: root-relative, prefixed with the root's name when there are
    /// several roots.
    relative: String,
}

/// The declarations of a workspace's files, by name. See the module docs.
#[derive(Debug)]
pub struct WorkspaceIndex {
    roots: Vec<PathBuf>,
    exclusions: Arc<Exclusions>,
    files: Vec<IndexedFile>,
    definitions: OnceLock<BTreeMap<String, Vec<Definition>>>,
}

impl WorkspaceIndex {
    /// Walks `roots` for files a model may see: not ignored by `.gitignore` (also outside a git
    /// repository), `.ignore` or a global gitignore; not hidden; not matched by `exclude` or
    /// [`DEFAULT_EXCLUDES`] (an excluded directory is not entered); at most [`MAX_FILE_BYTES`];
    /// with a grammar. No file is read yet. Unreadable directories are skipped.
    pub fn build(roots: &[PathBuf], exclude: &[String]) -> WorkspaceIndex {
        let exclusions = Arc::new(Exclusions::new(exclude));
        let mut files = Vec::new();
        let named = roots.len() > 1;
        'roots: for root in roots {
            let root_name = root
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let filter_root = root.clone();
            let filter = Arc::clone(&exclusions);
            let walk = ignore::WalkBuilder::new(root)
                .require_git(false)
                .max_filesize(Some(MAX_FILE_BYTES))
                .sort_by_file_name(|a, b| a.cmp(b))
                .filter_entry(move |entry| {
                    relative(&filter_root, entry.path()).is_none_or(|path| !filter.matches(&path))
                })
                .build();
            for entry in walk {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(err) => {
                        tracing::debug!(%err, "skipped while indexing the workspace");
                        continue;
                    }
                };
                if !entry.file_type().is_some_and(|kind| kind.is_file()) {
                    continue;
                }
                let Some(path) = relative(root, entry.path()) else {
                    continue;
                };
                if grammar_for_path(&path).is_none() {
                    continue;
                }
                if files.len() >= MAX_FILES {
                    tracing::info!(
                        max = MAX_FILES,
                        "the workspace index stops at its file limit"
                    );
                    break 'roots;
                }
                let relative = if named {
                    format!("{root_name}/{path}")
                } else {
                    path
                };
                files.push(IndexedFile {
                    absolute: entry.into_path(),
                    relative,
                });
            }
        }
        WorkspaceIndex {
            roots: roots.to_vec(),
            exclusions,
            files,
            definitions: OnceLock::new(),
        }
    }

    /// Every definition named `name`, in path and line order; the first call reads and parses
    /// the workspace's files.
    pub fn lookup(&self, name: &str) -> Vec<Definition> {
        self.definitions_named(name).to_vec()
    }

    /// As [`WorkspaceIndex::lookup`], without copying.
    pub(crate) fn definitions_named(&self, name: &str) -> &[Definition] {
        self.index().get(name).map_or(&[], Vec::as_slice)
    }

    /// Reads and parses the files now, if no lookup has yet.
    pub fn warm(&self) {
        self.index();
    }

    /// How many files the walk found (excluded and ignored ones are never counted).
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// How many definitions the files hold (reads them on first use).
    pub fn definition_count(&self) -> usize {
        self.index().values().map(Vec::len).sum()
    }

    /// Whether `path` is excluded by the privacy globs. A relative path is taken as relative to
    /// the workspace root; an absolute one under a root is made relative to it first.
    pub fn is_excluded(&self, path: impl AsRef<Path>) -> bool {
        let path = path.as_ref();
        if path.is_absolute() {
            for root in &self.roots {
                if let Some(relative) = relative(root, path) {
                    return self.exclusions.matches(&relative);
                }
            }
        }
        self.exclusions.matches(&path.to_string_lossy())
    }

    fn index(&self) -> &BTreeMap<String, Vec<Definition>> {
        self.definitions.get_or_init(|| {
            let mut index: BTreeMap<String, Vec<Definition>> = BTreeMap::new();
            for file in &self.files {
                for definition in read_definitions(file) {
                    index
                        .entry(definition.name.clone())
                        .or_default()
                        .push(definition);
                }
            }
            index
        })
    }
}

/// The definitions of one file; none when it cannot be read, is binary or is not UTF-8.
fn read_definitions(file: &IndexedFile) -> Vec<Definition> {
    let Some(grammar) = grammar_for_path(&file.relative) else {
        return Vec::new();
    };
    let bytes = match std::fs::read(&file.absolute) {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::debug!(path = %file.absolute.display(), %err, "not indexed");
            return Vec::new();
        }
    };
    // The walk checked the size, but the file may have grown since.
    if bytes.len() as u64 > MAX_FILE_BYTES || bytes.iter().take(BINARY_SNIFF).any(|b| *b == 0) {
        return Vec::new();
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Vec::new();
    };
    let rope = Rope::from_str(&text);
    let tree = match SyntaxTree::parse(grammar, &rope, PARSE_LIMIT) {
        Ok(tree) => tree,
        Err(err) => {
            tracing::debug!(path = %file.absolute.display(), %err, "not indexed");
            return Vec::new();
        }
    };
    tree.outline(&rope)
        .iter()
        .filter(|item| is_definition_kind(item.kind))
        .filter_map(|item| Definition::from_item(&file.relative, &rope, item))
        .collect()
}

/// `path` relative to `root` with `/` separators; `None` when it is not under the root (or is
/// the root itself).
fn relative(root: &Path, path: &Path) -> Option<String> {
    let rest = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rest
        .components()
        .filter_map(|component| match component {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_follow_gitignore_and_the_defaults_always_apply() {
        let user = vec![
            "config/prod.toml".to_owned(),
            "build/".to_owned(),
            "*.secret.json".to_owned(),
        ];
        let cases = [
            (".env", true),
            ("app/.env", true),
            (".env.local", true),
            ("certs/server.pem", true),
            ("server.key", true),
            ("home/id_rsa.pub", true),
            ("secrets/db.txt", true),
            ("deploy/secrets/nested/a.rs", true),
            ("config/prod.toml", true),
            ("other/config/prod.toml", false),
            ("build/out/main.rs", true),
            ("a/b.secret.json", true),
            ("./src/.env", true),
            ("src\\secrets\\x.py", true),
            ("src/main.rs", false),
            ("src/environment.rs", false),
            ("src/keyboard.rs", false),
            ("src/secretsauce.rs", false),
        ];
        for (path, expected) in cases {
            assert_eq!(excluded(path, &user), expected, "{path}");
        }
        assert!(!excluded("config/prod.toml", &[]));
    }
}
