//! The query files of `grammars/<lang>/`: their kinds, the captures each may use, compiling and
//! checking them, and running them over a tree with the rope as text.
//!
//! Queries hold plain captures only. Text predicates (`#eq?`, `#match?`) are allowed where the
//! node kind alone cannot say it (a `require` call); anything the Rust crate would silently
//! ignore (`#set!`, `#make-range!`, unknown predicates) is refused, so a query means what it says.

use std::fmt;
use std::ops::Range;

use ropey::Rope;
use tree_sitter::{Language, Node, Query, QueryCursor, QueryMatch, StreamingIterator};

use crate::SyntaxError;
use crate::rope_text::ByteChunks;
use crate::symbol::SymbolKind;

/// One query file of a grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QueryKind {
    /// `scopes.scm`: the functions, classes and other items a position can be inside of.
    Scopes,
    /// `outline.scm`: the items of a file's outline, with their names and bodies.
    Outline,
    /// `imports.scm`: import statements.
    Imports,
    /// `markers.scm`: comments, which may carry TODO / FIXME / `AI:` markers.
    Markers,
    /// `complexity.scm`: branches, loops and functions, counted by [`crate::SyntaxTree::complexity`].
    Complexity,
    /// `locals.scm`: the patterns that bind local names (parameters, `let`, assignments, loop
    /// variables), read by [`crate::SyntaxTree::locals`].
    Locals,
}

impl QueryKind {
    /// Every kind, in the order grammars store them.
    pub const ALL: [QueryKind; 6] = [
        QueryKind::Scopes,
        QueryKind::Outline,
        QueryKind::Imports,
        QueryKind::Markers,
        QueryKind::Complexity,
        QueryKind::Locals,
    ];

    /// The file name under `grammars/<lang>/`.
    pub fn file_name(self) -> &'static str {
        match self {
            QueryKind::Scopes => "scopes.scm",
            QueryKind::Outline => "outline.scm",
            QueryKind::Imports => "imports.scm",
            QueryKind::Markers => "markers.scm",
            QueryKind::Complexity => "complexity.scm",
            QueryKind::Locals => "locals.scm",
        }
    }

    /// What a capture name means in a query of this kind, or `None` when it means nothing here.
    /// Names starting with `_` only feed predicates.
    fn role(self, capture: &str) -> Option<Role> {
        if capture.starts_with('_') {
            return Some(Role::Ignored);
        }
        match (self, capture) {
            (QueryKind::Scopes | QueryKind::Outline, "name") => Some(Role::Name),
            (QueryKind::Outline, "body") => Some(Role::Body),
            (QueryKind::Scopes | QueryKind::Outline, _) => {
                SymbolKind::from_capture(capture).map(Role::Item)
            }
            (QueryKind::Imports, "import") => Some(Role::Import),
            (QueryKind::Markers, "comment") => Some(Role::Comment),
            (QueryKind::Complexity, "branch") => Some(Role::Branch),
            (QueryKind::Complexity, "loop") => Some(Role::Loop),
            (QueryKind::Complexity, "function") => Some(Role::Function),
            (QueryKind::Locals, "local") => Some(Role::Local),
            _ => None,
        }
    }
}

impl fmt::Display for QueryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// What a capture contributes to the result of its query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// The whole item (scope or outline entry) of this kind.
    Item(SymbolKind),
    /// The item's name.
    Name,
    /// The item's body, elided from its signature.
    Body,
    Import,
    Comment,
    Branch,
    Loop,
    Function,
    /// A pattern that binds local names.
    Local,
    /// A helper capture for a predicate.
    Ignored,
}

/// A compiled query and the role of each of its captures, looked up once.
pub(crate) struct CompiledQuery {
    pub(crate) query: Query,
    roles: Vec<Role>,
}

impl CompiledQuery {
    /// Compiles `source` for `language` and checks that it uses only captures and predicates
    /// that mean something for `kind`.
    pub(crate) fn new(
        grammar: &'static str,
        language: &Language,
        kind: QueryKind,
        source: &str,
    ) -> Result<CompiledQuery, SyntaxError> {
        let invalid = |message: String| SyntaxError::Query {
            grammar,
            file: kind.file_name(),
            message,
        };
        let query = Query::new(language, source).map_err(|err| invalid(err.to_string()))?;
        let mut roles = Vec::with_capacity(query.capture_names().len());
        for name in query.capture_names() {
            let role = kind
                .role(name)
                .ok_or_else(|| invalid(format!("unknown capture @{name}")))?;
            roles.push(role);
        }
        for pattern in 0..query.pattern_count() {
            if !query.general_predicates(pattern).is_empty()
                || !query.property_settings(pattern).is_empty()
            {
                return Err(invalid(format!(
                    "pattern {} uses a predicate or directive this crate would ignore",
                    pattern + 1
                )));
            }
        }
        // `complexity` and `locals` have no rope to read text from, so a text predicate there
        // could never hold.
        if matches!(kind, QueryKind::Complexity | QueryKind::Locals) && source.contains("(#") {
            return Err(invalid(format!(
                "{} queries cannot use text predicates",
                kind.file_name().trim_end_matches(".scm")
            )));
        }
        Ok(CompiledQuery { query, roles })
    }

    /// The role of a capture index of this query.
    pub(crate) fn role(&self, capture_index: u32) -> Role {
        self.roles
            .get(capture_index as usize)
            .copied()
            .unwrap_or(Role::Ignored)
    }

    /// Calls `each` for every match under `node`, optionally only those intersecting `range`
    /// and starting at most `max_depth` levels below `node` (the cursor then never descends
    /// further than its patterns need). Text predicates read the rope.
    pub(crate) fn for_each_match<'t>(
        &self,
        node: Node<'t>,
        rope: &Rope,
        range: Option<Range<usize>>,
        max_depth: Option<u32>,
        mut each: impl FnMut(&QueryMatch<'_, 't>),
    ) {
        let mut cursor = QueryCursor::new();
        if let Some(range) = range {
            cursor.set_byte_range(range);
        }
        cursor.set_max_start_depth(max_depth);
        let text = |node: Node<'_>| ByteChunks::new(rope, node.byte_range());
        let mut matches = cursor.matches(&self.query, node, text);
        while let Some(found) = matches.next() {
            each(found);
        }
    }

    /// Calls `each` with the role and node of every capture in `range`, for queries without text
    /// predicates (checked at compile time for [`QueryKind::Complexity`] and [`QueryKind::Locals`]).
    pub(crate) fn for_each_capture<'t>(
        &self,
        node: Node<'t>,
        range: Range<usize>,
        mut each: impl FnMut(Role, Node<'t>),
    ) {
        let mut cursor = QueryCursor::new();
        cursor.set_byte_range(range);
        let no_text = |_: Node<'_>| std::iter::empty::<&[u8]>();
        let mut matches = cursor.matches(&self.query, node, no_text);
        while let Some(found) = matches.next() {
            for capture in found.captures {
                each(self.role(capture.index), capture.node);
            }
        }
    }
}
