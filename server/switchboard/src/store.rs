//! The open documents: one rope and one syntax tree each, in a concurrent map.
//!
//! Handlers mutate a document inside one short, synchronous call and never hold a map guard
//! across an `.await` (DESIGN invariant 1); readers take [`Snapshot`]s, which are cheap clones.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use syntax::{Grammar, SyntaxTree};
use text::{ContentChange, PositionEncoding, TextDocument};
use tower_lsp_server::ls_types::Uri;

/// How long a parse may hold up `didOpen` / `didChange`. An incremental reparse takes well under
/// a millisecond and a fresh parse of a 1 MB file tens of milliseconds, so only pathological
/// text (error recovery that runs for minutes) reaches this; it is then parsed in the background.
pub const EDIT_PARSE_LIMIT: Duration = Duration::from_millis(200);

/// How long a background or on-demand fresh parse may run before the document is served as
/// plain text (until its next change).
pub const SETTLE_PARSE_LIMIT: Duration = Duration::from_secs(20);

/// One open document.
#[derive(Debug)]
pub struct Document {
    pub language_id: String,
    pub text: TextDocument,
    /// `None` for a language without a grammar: the document is then plain text.
    pub grammar: Option<&'static Grammar>,
    /// The tree of the current text, exact or not (see [`SyntaxTree::is_exact`]); `None`
    /// without a grammar, or while the last parse ran out of time.
    pub syntax: Option<SyntaxTree>,
    /// Why there is no tree although there is a grammar.
    pub syntax_error: Option<String>,
    /// Set when a change could not be applied: the client's text and ours may differ, so
    /// nothing may be computed from this document until the client sends it whole again.
    pub out_of_sync: Option<String>,
    /// Which opening of the document this is: revisions restart when a document is reopened, so
    /// (opening, revision) is what tells one text from another.
    opening: u64,
}

impl Document {
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            language_id: self.language_id.clone(),
            rope: self.text.rope().clone(),
            version: self.text.version(),
            revision: self.text.revision(),
            grammar: self.grammar,
            syntax: self.syntax.clone(),
            syntax_error: self.syntax_error.clone(),
            out_of_sync: self.out_of_sync.clone(),
            opening: self.opening,
        }
    }

    /// Whether the tree needs a fresh parse before it may be used: it is missing or inexact.
    fn needs_settling(&self) -> bool {
        self.grammar.is_some() && !self.syntax.as_ref().is_some_and(SyntaxTree::is_exact)
    }
}

/// A read-only copy of a document, taken in O(1) (ropes and trees share their nodes) and
/// free of any lock.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub language_id: String,
    pub rope: text::Rope,
    pub version: i32,
    /// The text's revision (see [`TextDocument::revision`]), to tell whether it changed since.
    pub revision: u64,
    pub opening: u64,
    pub grammar: Option<&'static Grammar>,
    pub syntax: Option<SyntaxTree>,
    pub syntax_error: Option<String>,
    pub out_of_sync: Option<String>,
}

/// Something a handler wants the user or the client's log to hear, sent after the document
/// work is done (sending awaits, and nothing may await while a document is being changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// A warning for the client's log: something was wrong, nothing for the user to do now.
    Warn(String),
    /// A `window/showMessage` warning: the user has to act.
    Show(String),
}

#[derive(Debug, Default)]
pub struct DocumentStore {
    documents: DashMap<Uri, Document>,
    openings: AtomicU64,
}

impl DocumentStore {
    /// Opens (or reopens) a document and parses it, within [`EDIT_PARSE_LIMIT`]; a parse that
    /// takes longer is left to [`DocumentStore::settled_snapshot`].
    pub fn open(&self, uri: Uri, language_id: String, text: &str, version: i32) -> Vec<Report> {
        let mut reports = Vec::new();
        let text = TextDocument::new(text, version);
        let grammar = syntax::grammar_for_language_id(&language_id)
            .or_else(|| syntax::grammar_for_path(uri.as_str()));
        let (syntax, syntax_error) = match grammar {
            None => (None, None),
            Some(grammar) => match SyntaxTree::parse(grammar, text.rope(), EDIT_PARSE_LIMIT) {
                Ok(tree) => (Some(tree), None),
                Err(err) => {
                    reports.extend(parse_failure(&uri, &err));
                    (None, Some(err.to_string()))
                }
            },
        };
        self.documents.insert(
            uri,
            Document {
                language_id,
                text,
                grammar,
                syntax,
                syntax_error,
                out_of_sync: None,
                opening: self.openings.fetch_add(1, Ordering::Relaxed),
            },
        );
        reports
    }

    /// Applies a `didChange` notification's changes in order, then reparses incrementally.
    ///
    /// All of this is synchronous: the caller runs it before its first `.await`, so that
    /// notifications are applied in the order they arrived.
    pub fn change(
        &self,
        uri: &Uri,
        version: i32,
        changes: &[ContentChange<'_>],
        encoding: PositionEncoding,
    ) -> Vec<Report> {
        let Some(mut doc) = self.documents.get_mut(uri) else {
            return vec![Report::Warn(format!(
                "didChange for {}, which is not open: ignored (the client must send didOpen first)",
                uri.as_str()
            ))];
        };
        let mut reports = Vec::new();
        if version <= doc.text.version() {
            reports.push(Report::Warn(format!(
                "didChange for {} goes from version {} to {version}, which is not newer; applied in arrival order",
                uri.as_str(),
                doc.text.version()
            )));
        }
        let applied = match doc.text.apply_changes(changes, version, encoding) {
            Ok(applied) => applied,
            Err(err) => {
                let message = format!(
                    "switchboard lost track of {}: {err}. Nothing was applied from that change; close and reopen the file to resynchronise.",
                    uri.as_str()
                );
                doc.out_of_sync = Some(err.to_string());
                reports.push(Report::Show(message));
                return reports;
            }
        };
        if applied.iter().any(|a| a.replaced_all) {
            // The client sent the whole text: whatever went wrong before is mended.
            doc.out_of_sync = None;
        }
        let doc = &mut *doc;
        let replaced_all = applied.iter().any(|a| a.replaced_all);
        let reparsed = match (doc.grammar, doc.syntax.as_mut()) {
            (None, _) => return reports,
            (Some(_), Some(tree)) if !replaced_all => {
                for change in &applied {
                    tree.edit(&change.input_edit);
                }
                tree.reparse(doc.text.rope(), EDIT_PARSE_LIMIT)
            }
            // A whole new text, or no tree to start from (the last parse ran out of time).
            (Some(grammar), _) => SyntaxTree::parse(grammar, doc.text.rope(), EDIT_PARSE_LIMIT)
                .map(|fresh| doc.syntax = Some(fresh)),
        };
        match reparsed {
            Ok(()) => doc.syntax_error = None,
            Err(err) => {
                // The edited tree no longer describes the text: drop it, and let the background
                // parse (or the next reader) parse afresh.
                reports.extend(parse_failure(uri, &err));
                doc.syntax = None;
                doc.syntax_error = Some(err.to_string());
            }
        }
        reports
    }

    pub fn close(&self, uri: &Uri) -> Vec<Report> {
        match self.documents.remove(uri) {
            Some(_) => Vec::new(),
            None => vec![Report::Warn(format!(
                "didClose for {}, which is not open: ignored",
                uri.as_str()
            ))],
        }
    }

    /// A copy of a document, or `None` if it is not open. Its tree may be inexact or missing;
    /// anything that hands the tree on takes [`DocumentStore::settled_snapshot`] instead.
    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        self.documents.get(uri).map(|doc| doc.snapshot())
    }

    /// What was typed in the document since `revision` of its `opening` (see [`Snapshot`]),
    /// with a snapshot of the text now, taken together so the two agree. `None` when the
    /// document was closed or reopened since, or the edits are too old to be kept.
    pub fn edits_since(
        &self,
        uri: &Uri,
        opening: u64,
        revision: u64,
    ) -> Option<(Vec<text::Edit>, Snapshot)> {
        let doc = self.documents.get(uri)?;
        if doc.opening != opening {
            return None;
        }
        let edits = doc.text.edits_since(revision)?;
        Some((edits, doc.snapshot()))
    }

    /// Every open document's URI.
    pub fn uris(&self) -> Vec<Uri> {
        self.documents.iter().map(|doc| doc.key().clone()).collect()
    }

    /// Whether the document's tree is missing or inexact, and so worth a background parse.
    pub fn needs_settling(&self, uri: &Uri) -> bool {
        self.documents
            .get(uri)
            .is_some_and(|doc| doc.needs_settling())
    }

    /// Which text the document holds now (its opening and revision), or `None` if it is not
    /// open: equal values mean nothing changed in between.
    pub fn text_id(&self, uri: &Uri) -> Option<(u64, u64)> {
        self.documents
            .get(uri)
            .map(|doc| (doc.opening, doc.text.revision()))
    }

    /// A copy of a document whose tree, if it has a grammar, equals a fresh parse of its text.
    ///
    /// When the stored tree is missing or inexact this parses afresh, outside any lock (so it may
    /// take a while: call it off the async threads), and stores the result if the text has not
    /// changed meanwhile. A parse that runs past [`SETTLE_PARSE_LIMIT`] leaves the snapshot
    /// without a tree and says why in `syntax_error`.
    pub fn settled_snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let mut snapshot = self.snapshot(uri)?;
        let Some(grammar) = snapshot.grammar else {
            return Some(snapshot);
        };
        if snapshot.syntax.as_ref().is_some_and(SyntaxTree::is_exact) {
            return Some(snapshot);
        }
        let parsed = SyntaxTree::parse(grammar, &snapshot.rope, SETTLE_PARSE_LIMIT);
        if let Some(mut doc) = self.documents.get_mut(uri)
            && doc.opening == snapshot.opening
            && doc.text.revision() == snapshot.revision
        {
            match &parsed {
                Ok(tree) => {
                    doc.syntax = Some(tree.clone());
                    doc.syntax_error = None;
                }
                Err(err) => doc.syntax_error = Some(err.to_string()),
            }
        }
        match parsed {
            Ok(tree) => {
                snapshot.syntax = Some(tree);
                snapshot.syntax_error = None;
            }
            Err(err) => {
                tracing::warn!(uri = uri.as_str(), "{err}; served as plain text");
                snapshot.syntax = None;
                snapshot.syntax_error = Some(err.to_string());
            }
        }
        Some(snapshot)
    }
}

/// What to tell the client when a parse on the editing path fails.
fn parse_failure(uri: &Uri, err: &syntax::SyntaxError) -> Option<Report> {
    match err {
        // Not the user's problem: the background parse takes over, with a longer limit.
        syntax::SyntaxError::OverBudget { .. } => {
            tracing::debug!(uri = uri.as_str(), "{err}; parsing in the background");
            None
        }
        _ => Some(Report::Warn(format!(
            "{}: {err}; treating it as plain text",
            uri.as_str()
        ))),
    }
}
