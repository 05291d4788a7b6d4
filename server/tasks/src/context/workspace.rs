//! The workspace index: the declarations of every file a model may see (name → path, line,
//! signature), for looking up what a selection uses. Which files those are, and what each is
//! called, is `paths.rs`.
//!
//! The index lives: [`WorkspaceIndex::refresh`] walks the roots (honouring `.gitignore`,
//! skipping excluded, large and hidden files) and parses what is new or changed, adding files
//! one at a time so that lookups meanwhile see what is read so far; [`WorkspaceIndex::update`]
//! reads one changed path again (a server calls it for watched-file events and saves). Saved
//! under the state directory ([`WorkspaceIndex::saved_in`]), it is read back keyed by path,
//! size and modification time, so a command on an unchanged workspace parses nothing.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use ropey::Rope;
use serde::{Deserialize, Serialize};
use syntax::{SyntaxTree, grammar_for_path};

use super::definition::{Definition, is_definition_kind};
use super::paths::{Exclusions, path_label, relative};

/// Files larger than this are not indexed: generated or vendored code, which only crowds out
/// the definitions people write.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// The walk stops after this many files, so a huge tree cannot stall the first lookup.
pub const MAX_FILES: usize = 20_000;
/// How long parsing one file may take while indexing.
const PARSE_LIMIT: Duration = Duration::from_millis(500);
/// How long a lookup waits for announced changes to be read (a burst of thousands, such as a
/// branch switch, is not waited for to the end).
const UPDATE_WAIT: Duration = Duration::from_secs(2);
/// How far into a file the binary check looks for a NUL byte (as git does).
const BINARY_SNIFF: usize = 8000;

/// What the index knows of one file: the stamp it was read at and its definitions.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IndexedFile {
    absolute: PathBuf,
    /// Size and modification time when read: a file with the same stamp is not read again.
    stamp: Stamp,
    definitions: Vec<Definition>,
}

/// A file's size and modification time (nanoseconds since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    size: u64,
    modified_ns: u128,
}

impl Stamp {
    fn of(metadata: &std::fs::Metadata) -> Stamp {
        let modified_ns = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |since| since.as_nanos());
        Stamp {
            size: metadata.len(),
            modified_ns,
        }
    }
}

/// The index's contents: files by label, and their definitions by name.
#[derive(Debug, Default)]
struct Contents {
    files: BTreeMap<String, IndexedFile>,
    /// Every definition by name, each list in path and line order.
    by_name: HashMap<String, Vec<Definition>>,
}

impl Contents {
    /// Puts `file` under `label`, replacing what the label held.
    fn insert(&mut self, label: String, file: IndexedFile) {
        self.remove(&label);
        for definition in &file.definitions {
            let list = self.by_name.entry(definition.name.clone()).or_default();
            let at = list.partition_point(|other| {
                (other.path.as_str(), other.line) < (definition.path.as_str(), definition.line)
            });
            list.insert(at, definition.clone());
        }
        self.files.insert(label, file);
    }

    fn remove(&mut self, label: &str) -> bool {
        let Some(old) = self.files.remove(label) else {
            return false;
        };
        for definition in &old.definitions {
            if let Some(list) = self.by_name.get_mut(&definition.name) {
                list.retain(|other| other.path != label);
                if list.is_empty() {
                    self.by_name.remove(&definition.name);
                }
            }
        }
        true
    }
}

/// What the last [`WorkspaceIndex::refresh`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshReport {
    /// Files the walk found.
    pub files: usize,
    /// Files read and parsed (new, or changed since the saved index).
    pub parsed: usize,
    /// Files whose saved definitions were used as they were.
    pub reused: usize,
    /// Files no longer there, dropped.
    pub dropped: usize,
}

/// The saved index of a workspace: what [`WorkspaceIndex::refresh`] reads back so that an
/// unchanged file is not parsed again.
#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    /// The build that wrote it: another build may outline files differently.
    build: String,
    files: BTreeMap<String, IndexedFile>,
}

/// The declarations of a workspace's files, by name, kept current. See the module docs.
#[derive(Debug)]
pub struct WorkspaceIndex {
    roots: Vec<PathBuf>,
    exclude: Vec<String>,
    exclusions: Arc<Exclusions>,
    /// Where the index is saved between processes, if anywhere.
    saved_at: Option<PathBuf>,
    /// The state directory, never indexed even when it is inside a workspace folder: it holds
    /// the saved index itself and the models' answers.
    state_dir: Option<PathBuf>,
    contents: RwLock<Contents>,
    /// Whether a refresh has finished: before, lookups see what is read so far.
    ready: AtomicBool,
    /// Updates read since the index was last saved: saved when the owner closes it
    /// ([`WorkspaceIndex::save_updates`]), not at every save of a file, which would write the
    /// whole index each time (megabytes on a large workspace).
    unsaved: AtomicBool,
    /// Serializes refreshes (a second one waits for the first, then finds little to do).
    refreshing: Mutex<()>,
    /// Updates announced ([`WorkspaceIndex::begin_update`]) and not yet done: a lookup waits
    /// for them (up to [`UPDATE_WAIT`]), so a command after a save sees what was saved.
    pending: Mutex<usize>,
    updated: Condvar,
}

/// Changes announced to a [`WorkspaceIndex`] that are being read; dropping it says they are
/// in.
#[derive(Debug)]
pub struct PendingUpdate {
    index: Arc<WorkspaceIndex>,
}

impl Drop for PendingUpdate {
    fn drop(&mut self) {
        let mut pending = self
            .index
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *pending = pending.saturating_sub(1);
        self.index.updated.notify_all();
    }
}

impl WorkspaceIndex {
    /// An index of `roots` that has read nothing yet: [`WorkspaceIndex::refresh`] fills it.
    /// Files are walked as [`WorkspaceIndex::build`] says.
    pub fn new(roots: &[PathBuf], exclude: &[String]) -> WorkspaceIndex {
        WorkspaceIndex {
            roots: roots.to_vec(),
            exclude: exclude.to_vec(),
            exclusions: Arc::new(Exclusions::new(exclude)),
            saved_at: None,
            state_dir: None,
            contents: RwLock::new(Contents::default()),
            ready: AtomicBool::new(false),
            unsaved: AtomicBool::new(false),
            refreshing: Mutex::new(()),
            pending: Mutex::new(0),
            updated: Condvar::new(),
        }
    }

    /// Saves the index under `state_dir` (one file per set of roots) after each refresh, and
    /// reads it back at the first: an unchanged file (same size and modification time) is
    /// not parsed again.
    pub fn saved_in(mut self, state_dir: &Path) -> WorkspaceIndex {
        self.saved_at = Some(WorkspaceIndex::saved_file(state_dir, &self.roots));
        self.state_dir = Some(state_dir.to_path_buf());
        self
    }

    /// The file under `state_dir` that the index of `roots` is saved in.
    pub fn saved_file(state_dir: &Path, roots: &[PathBuf]) -> PathBuf {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        roots.hash(&mut hasher);
        state_dir
            .join("index")
            .join(format!("{:016x}.json", hasher.finish()))
    }

    /// An index of `roots`, walked and read now: every file that is not ignored by
    /// `.gitignore` (also outside a git repository), `.ignore` or a global gitignore; not
    /// hidden; not matched by `exclude` or [`DEFAULT_EXCLUDES`] (an excluded directory is not
    /// entered); at most [`MAX_FILE_BYTES`]; with a grammar. Unreadable ones are skipped.
    pub fn build(roots: &[PathBuf], exclude: &[String]) -> WorkspaceIndex {
        let index = WorkspaceIndex::new(roots, exclude);
        index.refresh();
        index
    }

    /// Whether this index was made for these roots and excludes (a config change that
    /// changes them needs a new one).
    pub fn serves(&self, roots: &[PathBuf], exclude: &[String]) -> bool {
        self.roots == roots && self.exclude == exclude
    }

    /// Walks the roots and brings the index up to date with the disk: new and changed files
    /// are parsed (or taken from the saved index when unchanged since), gone ones dropped. A
    /// lookup while it runs sees the files read so far; files are added one at a time.
    pub fn refresh(&self) -> RefreshReport {
        let _one_at_a_time = self
            .refreshing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut saved = self.read_saved();
        let mut report = RefreshReport::default();
        let mut seen = HashSet::new();
        let mut to_parse = Vec::new();
        for (label, absolute, stamp) in self.walk() {
            report.files += 1;
            seen.insert(label.clone());
            let known = self.read_contents(|contents| {
                contents
                    .files
                    .get(&label)
                    .is_some_and(|file| file.stamp == stamp && file.absolute == absolute)
            });
            if known {
                report.reused += 1;
                continue;
            }
            match saved.remove(&label) {
                Some(file) if file.stamp == stamp && file.absolute == absolute => {
                    report.reused += 1;
                    self.write_contents(|contents| contents.insert(label, file));
                }
                _ => to_parse.push((label, absolute)),
            }
        }
        for (label, absolute) in to_parse {
            report.parsed += 1;
            match read_file(&label, &absolute) {
                Some(file) => self.write_contents(|contents| contents.insert(label, file)),
                None => {
                    self.write_contents(|contents| contents.remove(&label));
                }
            }
        }
        self.write_contents(|contents| {
            let gone: Vec<String> = contents
                .files
                .keys()
                .filter(|label| !seen.contains(*label))
                .cloned()
                .collect();
            report.dropped = gone.len();
            for label in gone {
                contents.remove(&label);
            }
        });
        self.ready.store(true, Ordering::SeqCst);
        let updates = self.unsaved.swap(false, Ordering::SeqCst);
        if report.parsed > 0 || report.dropped > 0 || !saved.is_empty() || updates {
            self.save();
        }
        tracing::debug!(
            files = report.files,
            parsed = report.parsed,
            reused = report.reused,
            dropped = report.dropped,
            "workspace index refreshed"
        );
        report
    }

    /// Brings paths up to date after they changed on disk: a file is read again (or dropped
    /// when it is gone, excluded, ignored or no longer a file a model may see); a directory is
    /// walked; a deleted directory drops what was under it. Returns how many files changed;
    /// they are saved with [`WorkspaceIndex::save_updates`].
    pub fn update(&self, paths: &[PathBuf]) -> usize {
        let changed = paths.iter().map(|path| self.update_path(path)).sum();
        if changed > 0 {
            self.unsaved.store(true, Ordering::SeqCst);
        }
        changed
    }

    /// Saves the updates read since the last save, if any (a server calls it at shutdown).
    /// Losing them costs only time: the next refresh finds those files' stamps changed and
    /// reads them again.
    pub fn save_updates(&self) {
        if self.unsaved.swap(false, Ordering::SeqCst) {
            self.save();
        }
    }

    fn update_path(&self, absolute: &Path) -> usize {
        let Some(label) = path_label(&self.roots, absolute) else {
            return 0;
        };
        let prefix = format!("{label}/");
        if absolute.is_dir() {
            let walked: Vec<(String, PathBuf, Stamp)> = self
                .walk()
                .into_iter()
                .filter(|(other, _, _)| other.starts_with(&prefix))
                .collect();
            walked
                .into_iter()
                .filter(|(label, absolute, _)| self.update_file(label.clone(), absolute))
                .count()
        } else if !absolute.exists() {
            // A deleted file, or a deleted directory and everything the index had under it.
            self.write_contents(|contents| {
                let gone: Vec<String> = contents
                    .files
                    .keys()
                    .filter(|other| **other == label || other.starts_with(&prefix))
                    .cloned()
                    .collect();
                gone.iter().filter(|other| contents.remove(other)).count()
            })
        } else {
            usize::from(self.update_file(label, absolute))
        }
    }

    fn update_file(&self, label: String, absolute: &Path) -> bool {
        let visible = self.may_index(&label, absolute);
        let file = visible.then(|| read_file(&label, absolute)).flatten();
        self.write_contents(|contents| match file {
            Some(file) => {
                contents.insert(label, file);
                true
            }
            None => contents.remove(&label),
        })
    }

    /// Whether one file is one the walk would take: not excluded, not hidden, not ignored,
    /// with a grammar, small enough.
    fn may_index(&self, label: &str, absolute: &Path) -> bool {
        let Some(root) = self.roots.iter().find(|root| absolute.starts_with(root)) else {
            return false;
        };
        let Some(relative) = relative(root, absolute) else {
            return false;
        };
        if grammar_for_path(label).is_none()
            || self.exclusions.matches(&relative)
            || self
                .state_dir
                .as_deref()
                .is_some_and(|dir| absolute.starts_with(dir))
        {
            return false;
        }
        // A walk from the root down the file's own directories only applies `.gitignore`,
        // `.ignore` and the hidden rule exactly as a full walk would (an ignored directory is
        // not entered), at the cost of one directory listing per level.
        let target = absolute.to_path_buf();
        let walk = ignore::WalkBuilder::new(root)
            .require_git(false)
            .max_filesize(Some(MAX_FILE_BYTES))
            .filter_entry(move |entry| target.starts_with(entry.path()))
            .build();
        walk.filter_map(Result::ok)
            .any(|entry| entry.path() == absolute && entry.file_type().is_some_and(|t| t.is_file()))
    }

    /// Announces changes that are about to be read with [`WorkspaceIndex::update`]: lookups
    /// wait for them until the returned guard is dropped (or [`UPDATE_WAIT`] has passed). Call
    /// it where the change is learnt, before handing the reading to another thread.
    pub fn begin_update(self: &Arc<Self>) -> PendingUpdate {
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        PendingUpdate {
            index: Arc::clone(self),
        }
    }

    /// Every definition named `name`, in path and line order. Before the first refresh has
    /// finished, only those of the files read so far; after an announced change, once it is
    /// read.
    pub fn lookup(&self, name: &str) -> Vec<Definition> {
        self.wait_for_updates();
        self.read_contents(|contents| contents.by_name.get(name).cloned().unwrap_or_default())
    }

    fn wait_for_updates(&self) {
        let pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if *pending == 0 {
            return;
        }
        let (still_pending, timeout) = self
            .updated
            .wait_timeout_while(pending, UPDATE_WAIT, |pending| *pending > 0)
            .unwrap_or_else(PoisonError::into_inner);
        drop(still_pending);
        if timeout.timed_out() {
            tracing::debug!("looked up before the workspace index had read every change");
        }
    }

    /// Whether the first refresh has finished.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// How many files the index holds (excluded and ignored ones are never counted).
    pub fn file_count(&self) -> usize {
        self.read_contents(|contents| contents.files.len())
    }

    /// How many definitions the files hold.
    pub fn definition_count(&self) -> usize {
        self.read_contents(|contents| contents.by_name.values().map(Vec::len).sum())
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

    fn read_contents<T>(&self, f: impl FnOnce(&Contents) -> T) -> T {
        f(&self.contents.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn write_contents<T>(&self, f: impl FnOnce(&mut Contents) -> T) -> T {
        f(&mut self
            .contents
            .write()
            .unwrap_or_else(PoisonError::into_inner))
    }

    /// The files a model may see under the roots, with their labels and stamps.
    fn walk(&self) -> Vec<(String, PathBuf, Stamp)> {
        let mut files = Vec::new();
        'roots: for root in &self.roots {
            let filter_root = root.clone();
            let filter = Arc::clone(&self.exclusions);
            let state_dir = self.state_dir.clone();
            let walk = ignore::WalkBuilder::new(root)
                .require_git(false)
                .max_filesize(Some(MAX_FILE_BYTES))
                .sort_by_file_name(|a, b| a.cmp(b))
                .filter_entry(move |entry| {
                    state_dir.as_deref() != Some(entry.path())
                        && relative(&filter_root, entry.path())
                            .is_none_or(|path| !filter.matches(&path))
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
                let Some(label) = path_label(&self.roots, entry.path()) else {
                    continue;
                };
                if grammar_for_path(&label).is_none() {
                    continue;
                }
                if files.len() >= MAX_FILES {
                    tracing::info!(
                        max = MAX_FILES,
                        "the workspace index stops at its file limit"
                    );
                    break 'roots;
                }
                let Ok(metadata) = entry.metadata() else {
                    continue;
                };
                files.push((label, entry.into_path(), Stamp::of(&metadata)));
            }
        }
        files
    }

    /// The saved index's files, when it was saved by this build; nothing otherwise.
    fn read_saved(&self) -> BTreeMap<String, IndexedFile> {
        let Some(path) = &self.saved_at else {
            return BTreeMap::new();
        };
        let Ok(bytes) = std::fs::read(path) else {
            return BTreeMap::new();
        };
        match serde_json::from_slice::<Saved>(&bytes) {
            Ok(saved) if saved.build == build_id() => saved.files,
            Ok(_) => BTreeMap::new(),
            Err(err) => {
                tracing::warn!(path = %path.display(), %err, "the saved workspace index is unreadable; indexing afresh");
                BTreeMap::new()
            }
        }
    }

    /// Writes the index where [`WorkspaceIndex::saved_in`] said, atomically (a temporary file
    /// renamed over the old one), so a reader never sees half of it.
    fn save(&self) {
        let Some(path) = &self.saved_at else {
            return;
        };
        let saved = self.read_contents(|contents| Saved {
            build: build_id(),
            files: contents.files.clone(),
        });
        let write = || -> std::io::Result<()> {
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)?;
            let temporary = dir.join(format!(
                ".{}.{}.tmp",
                path.file_name().unwrap_or_default().to_string_lossy(),
                std::process::id()
            ));
            std::fs::write(&temporary, serde_json::to_vec(&saved)?)?;
            std::fs::rename(&temporary, path)
        };
        if let Err(err) = write() {
            tracing::warn!(path = %path.display(), %err, "the workspace index could not be saved");
        }
    }
}

/// What identifies the build that reads a saved index: another build may outline files
/// differently, so its saved definitions are not used. The executable's size and modification
/// time change with every build.
fn build_id() -> String {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let stamp = std::env::current_exe()
            .and_then(std::fs::metadata)
            .map(|metadata| Stamp::of(&metadata));
        match stamp {
            Ok(stamp) => format!(
                "{}-{}-{}",
                env!("CARGO_PKG_VERSION"),
                stamp.size,
                stamp.modified_ns
            ),
            Err(_) => format!("{}-unknown", env!("CARGO_PKG_VERSION")),
        }
    })
    .clone()
}

/// The definitions of one file, with its stamp; `None` when it cannot be read, is binary or
/// is not UTF-8.
fn read_file(label: &str, absolute: &Path) -> Option<IndexedFile> {
    let grammar = grammar_for_path(label)?;
    let metadata = std::fs::metadata(absolute).ok()?;
    let bytes = match std::fs::read(absolute) {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::debug!(path = %absolute.display(), %err, "not indexed");
            return None;
        }
    };
    // The walk checked the size, but the file may have grown since.
    if bytes.len() as u64 > MAX_FILE_BYTES || bytes.iter().take(BINARY_SNIFF).any(|b| *b == 0) {
        return None;
    }
    let text = String::from_utf8(bytes).ok()?;
    let rope = Rope::from_str(&text);
    let tree = match SyntaxTree::parse(grammar, &rope, PARSE_LIMIT) {
        Ok(tree) => tree,
        Err(err) => {
            tracing::debug!(path = %absolute.display(), %err, "not indexed");
            return None;
        }
    };
    let definitions = tree
        .outline(&rope)
        .iter()
        .filter(|item| is_definition_kind(item.kind))
        .filter_map(|item| Definition::from_item(label, &rope, item))
        .collect();
    Some(IndexedFile {
        absolute: absolute.to_path_buf(),
        stamp: Stamp::of(&metadata),
        definitions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lookup while the first refresh runs answers at once with what is read so far: the
    /// first command after start does not wait for the index.
    #[test]
    fn lookups_do_not_wait_for_a_refresh() {
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::write(dir.path().join("a.py"), "def alpha():\n    pass\n").expect("writable");
        let index = Arc::new(WorkspaceIndex::new(&[dir.path().to_path_buf()], &[]));
        // The refresh is held at its start, as a slow walk of a large workspace would be.
        let held = index.refreshing.lock().expect("not poisoned");
        let refreshing = Arc::clone(&index);
        let refresh = std::thread::spawn(move || refreshing.refresh());
        assert!(index.lookup("alpha").is_empty());
        assert!(!index.is_ready());
        drop(held);
        let report = refresh.join().expect("the refresh ends");
        assert_eq!(report.parsed, 1);
        assert!(index.is_ready());
        assert_eq!(index.lookup("alpha").len(), 1);
    }

    /// A lookup after an announced change waits until it is read.
    #[test]
    fn lookups_wait_for_announced_changes() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let index = Arc::new(WorkspaceIndex::build(&[dir.path().to_path_buf()], &[]));
        let pending = index.begin_update();
        let path = dir.path().join("b.py");
        let updating = Arc::clone(&index);
        let update = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            std::fs::write(&path, "def beta():\n    pass\n").expect("writable");
            updating.update(&[path]);
            drop(pending);
        });
        assert_eq!(index.lookup("beta").len(), 1);
        update.join().expect("the update ends");
    }
}
