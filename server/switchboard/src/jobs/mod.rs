//! The work behind a command (SPEC §3): `workspace/executeCommand` answers at once with
//! `{trace_id, role, model}` and the work goes on in a spawned task, so no request handler ever
//! awaits the client (tower-lsp runs four handlers at once; a handler awaiting
//! `workspace/applyEdit` could hold a slot the answer needs). The task reports progress, can be
//! cancelled, applies what the model answered (edits, findings, a document) and ends with the
//! `switchboard/finished` notification.

mod agent;
pub mod answer;
mod apply;
pub mod findings;
pub mod image;
mod result;
pub mod run;
pub use result::publish_findings;

use std::ops::Range;
use std::path::{Path, PathBuf};

use dashmap::DashMap;
use router::Role;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower_lsp_server::ls_types::Uri;

use crate::session::Session;
use crate::store::Snapshot;

pub use run::start;

/// What an action works on: the selection, or the enclosing function or class of an empty one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub bytes: Range<usize>,
    /// Its complexity, computed once: listing asks for it once per role, and the tree walk is
    /// most of a listing's cost (callgrind, BENCHMARKS.md).
    complexity: std::sync::OnceLock<router::Complexity>,
}

impl Selection {
    /// The selection for `chars` of the snapshot's text; an empty one grows to the enclosing
    /// scope tree-sitter finds, or to the line when there is none.
    pub fn around(snapshot: &Snapshot, chars: Range<usize>) -> Selection {
        let rope = &snapshot.rope;
        let bytes = rope.char_to_byte(chars.start)..rope.char_to_byte(chars.end);
        if !bytes.is_empty() {
            return Selection::of(bytes);
        }
        if let Some(scope) = snapshot
            .syntax
            .as_ref()
            .and_then(|tree| tree.enclosing_scope(rope, bytes.clone()))
        {
            return Selection::of(scope.bytes);
        }
        let line = rope.byte_to_line(bytes.start);
        let start = rope.line_to_byte(line);
        let end = rope.line_to_byte((line + 1).min(rope.len_lines()));
        Selection::of(start..end)
    }

    pub fn of(bytes: Range<usize>) -> Selection {
        Selection {
            bytes,
            complexity: std::sync::OnceLock::new(),
        }
    }

    /// The selection's complexity for the router's rules.
    pub fn complexity(&self, snapshot: &Snapshot) -> router::Complexity {
        *self
            .complexity
            .get_or_init(|| complexity(snapshot, &self.bytes))
    }
}

/// The running jobs, by trace id, each with what cancels it.
#[derive(Debug)]
pub struct Jobs {
    running: DashMap<String, CancellationToken>,
    /// Turns for jobs' CPU-bound work: one fewer than the cores (at least one), so that a
    /// hundred jobs starting at once leave a core to the editor's requests. Unbounded, tokio's
    /// blocking pool ran them all at once and a didChange waited 40 ms for its turn.
    cpu: Semaphore,
}

impl Default for Jobs {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Jobs {
            running: DashMap::new(),
            cpu: Semaphore::new(cores.saturating_sub(1).max(1)),
        }
    }
}

impl Jobs {
    /// Runs a job's CPU-bound work (the packet, the reply's diff) on tokio's blocking pool when
    /// its turn comes (see [`Jobs::cpu`]).
    ///
    /// # Errors
    /// A panic in `work`, as a message that asks for a report.
    pub async fn cpu_work<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        // The semaphore is never closed, so acquiring only waits.
        let _turn = self.cpu.acquire().await.map_err(|err| err.to_string())?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|err| format!("{err}. This is a bug; please report it with the server log."))
    }

    fn register(&self, trace_id: &str) -> CancellationToken {
        let token = CancellationToken::new();
        self.running.insert(trace_id.to_string(), token.clone());
        token
    }

    fn finish(&self, trace_id: &str) {
        self.running.remove(trace_id);
    }

    /// How many jobs are running.
    pub fn running(&self) -> usize {
        self.running.len()
    }

    /// `switchboard.cancel`: cancels the jobs `arguments` name (`["TRACE"]` or
    /// `[{"trace_id": "TRACE"}]`), or every running job when it names none (what a user who
    /// presses cancel means); answers `{cancelled: [trace ids]}`. Each cancelled job applies
    /// nothing and ends with `switchboard/finished` (`cancelled`).
    pub fn cancel_command(&self, arguments: &[Value]) -> Value {
        let named: Vec<String> = arguments
            .iter()
            .filter_map(|argument| {
                argument
                    .as_str()
                    .or_else(|| argument["trace_id"].as_str())
                    .map(str::to_owned)
            })
            .collect();
        let targets = if named.is_empty() {
            self.running.iter().map(|job| job.key().clone()).collect()
        } else {
            named
        };
        let cancelled: Vec<String> = targets
            .into_iter()
            .filter(|trace| self.cancel(trace))
            .collect();
        serde_json::json!({ "cancelled": cancelled })
    }

    /// Cancels the job of a progress token (`switchboard/TRACE`) or trace id; whether one ran.
    pub fn cancel(&self, token_or_trace: &str) -> bool {
        let trace = token_or_trace
            .strip_prefix(PROGRESS_PREFIX)
            .unwrap_or(token_or_trace);
        match self.running.get(trace) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }
}

/// Progress tokens are `switchboard/TRACE_ID`.
pub const PROGRESS_PREFIX: &str = "switchboard/";

/// The workspace root a path is under and the path relative to it (with `/`), or `None` for a
/// path outside every workspace folder.
pub fn relative_to_roots(roots: &[PathBuf], path: &Path) -> Option<(PathBuf, String)> {
    roots.iter().find_map(|root| {
        let relative = path.strip_prefix(root).ok()?;
        let text = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Some((root.clone(), text))
    })
}

/// The file a label names (see `tasks::context::path_label`) as an absolute path, with its
/// folder and its path there. A label without a folder's name is taken to be in `default_root`
/// (the selection's folder). `None` for a label that leaves its folder.
pub fn locate(
    roots: &[PathBuf],
    default_root: Option<&Path>,
    label: &str,
) -> Option<(PathBuf, PathBuf, String)> {
    let (root, relative) = tasks::context::resolve_label(roots, default_root, label)?;
    Some((root.join(&relative), root, relative))
}

/// The document's label: its path in its workspace folder, prefixed by the folder's name when
/// there are several (the one name packets, citations and edits use for it), or its file name
/// when it is in no folder (untitled buffers, files opened alone).
pub fn display_path(session: &Session, uri: &Uri) -> String {
    let Some(path) = uri.to_file_path() else {
        return uri.as_str().to_string();
    };
    match tasks::context::path_label(&session.sources().workspace_roots, &path) {
        Some(label) => label,
        None => path.file_name().map_or_else(
            || uri.as_str().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
    }
}

/// Why the document may not be sent to a model, or `None` when it may. Excludes are matched
/// against the workspace-relative path and the absolute one, so `**/secrets/**` holds for a
/// file however it was opened.
pub fn privacy_refusal(session: &Session, caller: &tasks::Caller, uri: &Uri) -> Option<String> {
    let privacy = &caller.config().privacy;
    let path = uri.to_file_path();
    let relative = path
        .as_deref()
        .and_then(|p| relative_to_roots(&session.sources().workspace_roots, p));
    let absolute = path.as_deref().map(|p| p.to_string_lossy().into_owned());
    let shown = display_path(session, uri);
    let hit = |p: &str| tasks::context::excluded(p, &privacy.exclude);
    if relative.as_ref().is_some_and(|(_, r)| hit(r)) || absolute.as_deref().is_some_and(hit) {
        return Some(format!(
            "{shown} is excluded by [privacy] exclude, so nothing of it is sent to a model"
        ));
    }
    if relative.is_none() && !privacy.allow_outside_workspace {
        return Some(format!(
            "{} is outside every workspace folder, so nothing of it is sent to a model; open its \
             folder as a workspace, or set [privacy] allow_outside_workspace = true",
            absolute.unwrap_or(shown)
        ));
    }
    None
}

/// The workspace-relative path of an image written on the selection's lines that exists in the
/// workspace and is not excluded, for the vision role.
pub fn image_on(
    session: &Session,
    caller: &tasks::Caller,
    uri: &Uri,
    snapshot: &Snapshot,
    selection: &Selection,
) -> Option<String> {
    let written = image::image_path_in(&snapshot.rope, &selection.bytes)?;
    let document = uri.to_file_path()?;
    let (_, relative) = image::resolve(&session.sources().workspace_roots, &document, &written)?;
    (!tasks::context::excluded(&relative, &caller.config().privacy.exclude)).then_some(relative)
}

/// A cheap estimate of a packet's tokens, from byte lengths alone: the selection, and the
/// surrounding context the packet adds (scope, outline, imports), about a tenth of the file up to
/// a few thousand tokens.
pub fn estimated_packet_tokens(selection_bytes: usize, file_bytes: usize) -> u64 {
    router::estimate_tokens_from_len(selection_bytes)
        + router::estimate_tokens_from_len((file_bytes / 10).min(24_000))
}

/// The selection's complexity for the router's rules.
pub fn complexity(snapshot: &Snapshot, bytes: &Range<usize>) -> router::Complexity {
    snapshot
        .syntax
        .as_ref()
        .map(|tree| {
            let c = tree.complexity(bytes.clone());
            router::Complexity {
                branches: c.branches,
                loops: c.loops,
                functions: c.functions,
            }
        })
        .unwrap_or_default()
}

/// The role of a command name (`switchboard.implement`, ...); `ask` is decided later from the
/// instruction.
pub fn role_of_command(command: &str) -> Option<Option<Role>> {
    Some(match command.strip_prefix("switchboard.")? {
        "implement" => Some(Role::Implement),
        "review" => Some(Role::Review),
        "search" => Some(Role::Search),
        "plan" => Some(Role::Plan),
        "vision" => Some(Role::Vision),
        "librarian" => Some(Role::Librarian),
        "oracle" => Some(Role::Oracle),
        "ask" => None,
        _ => return None,
    })
}

/// The question an `AI:` comment in or just above the selection asks (`# AI: how does X
/// retry?`), when it is one: what the librarian's action answers.
pub fn question_in(snapshot: &Snapshot, selection: &Selection) -> Option<String> {
    let rope = &snapshot.rope;
    let tree = snapshot.syntax.as_ref()?;
    let line = rope.byte_to_line(selection.bytes.start.min(rope.len_bytes()));
    let from = rope.line_to_byte(line.saturating_sub(1));
    tree.markers_in(rope, from..selection.bytes.end.max(from + 1))
        .into_iter()
        .find(|m| m.kind == syntax::MarkerKind::Ai && m.text.trim_end().ends_with('?'))
        .map(|m| m.text)
}

/// How a Fix action asks for a fix: this, then the diagnostic's message.
pub const FIX_PREFIX: &str = "Fix this problem: ";

/// Under `[oracle] when = ["fix_failed_twice"]`, whether `problem` at `line` (1-based) of
/// `uri` has had two AI fixes applied and is still reported: then the oracle is asked why,
/// instead of a third fix.
///
/// FIXME: the count is never reset; a problem fixed by hand that comes back at the same line
/// goes to the oracle at once.
pub fn fix_failed_twice(
    session: &Session,
    config: &router::Config,
    uri: &Uri,
    problem: &str,
    line: usize,
) -> bool {
    config
        .oracle
        .when
        .contains(&router::OracleWhen::FixFailedTwice)
        && config.roles.contains_key(&Role::Oracle)
        && session
            .fixes
            .get(&(uri.clone(), problem.to_owned(), line))
            .is_some_and(|applied| *applied >= 2)
}

/// The commands the server executes.
pub const COMMANDS: [&str; 9] = [
    "switchboard.implement",
    "switchboard.review",
    "switchboard.search",
    "switchboard.plan",
    "switchboard.ask",
    "switchboard.vision",
    "switchboard.librarian",
    "switchboard.oracle",
    CANCEL_COMMAND,
];

/// Cancels running jobs (see [`Jobs::cancel_command`]): Helix runs it with
/// `:lsp-workspace-command switchboard.cancel`, Neovim with `:SwitchboardCancel`.
pub const CANCEL_COMMAND: &str = "switchboard.cancel";
