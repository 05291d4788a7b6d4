//! The open documents: one rope and one syntax tree each, in a concurrent map.
//!
//! Handlers mutate a document inside one short, synchronous call and never hold a map guard
//! across an `.await` (DESIGN invariant 1); readers take [`Snapshot`]s, which are cheap clones.

use dashmap::DashMap;
use syntax::SyntaxTree;
use text::{ContentChange, PositionEncoding, TextDocument};
use tower_lsp_server::ls_types::Uri;

/// One open document.
#[derive(Debug)]
pub struct Document {
    pub language_id: String,
    pub text: TextDocument,
    /// `None` for a language without a grammar: the document is then plain text.
    pub syntax: Option<SyntaxTree>,
    /// Set when a change could not be applied: the client's text and ours may differ, so
    /// nothing may be computed from this document until the client sends it whole again.
    pub out_of_sync: Option<String>,
}

/// A read-only copy of a document, taken in O(1) (ropes and trees share their nodes) and
/// free of any lock.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub language_id: String,
    pub rope: text::Rope,
    pub version: i32,
    pub syntax: Option<SyntaxTree>,
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
}

impl DocumentStore {
    /// Opens (or reopens) a document and parses it.
    pub fn open(&self, uri: Uri, language_id: String, text: &str, version: i32) -> Vec<Report> {
        let mut reports = Vec::new();
        let text = TextDocument::new(text, version);
        let grammar = syntax::grammar_for_language_id(&language_id)
            .or_else(|| syntax::grammar_for_path(uri.as_str()));
        let syntax = grammar.and_then(|grammar| match SyntaxTree::parse(grammar, text.rope()) {
            Ok(tree) => Some(tree),
            Err(err) => {
                reports.push(Report::Warn(format!(
                    "{}: {err}; treating it as plain text",
                    uri.as_str()
                )));
                None
            }
        });
        self.documents.insert(
            uri,
            Document {
                language_id,
                text,
                syntax,
                out_of_sync: None,
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
        if let Some(tree) = doc.syntax.as_mut() {
            let result = if applied.iter().any(|a| a.replaced_all) {
                SyntaxTree::parse(tree.grammar(), doc.text.rope()).map(|fresh| *tree = fresh)
            } else {
                for change in &applied {
                    tree.edit(&change.input_edit);
                }
                tree.reparse(doc.text.rope())
            };
            if let Err(err) = result {
                reports.push(Report::Warn(format!(
                    "{}: {err}; treating it as plain text",
                    uri.as_str()
                )));
                doc.syntax = None;
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

    /// A copy of a document, or `None` if it is not open.
    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        self.documents.get(uri).map(|doc| Snapshot {
            language_id: doc.language_id.clone(),
            rope: doc.text.rope().clone(),
            version: doc.text.version(),
            syntax: doc.syntax.clone(),
            out_of_sync: doc.out_of_sync.clone(),
        })
    }
}
