//! The grammar registry: which tree-sitter grammar and which query files serve a document,
//! chosen by LSP `languageId` or by file name.
//!
//! Query files live in `grammars/<lang>/` at the repository root and are embedded at build time.
//! A grammar "inherits" another (TypeScript from JavaScript, C++ from C) by concatenating the
//! files, its own patterns first: when two patterns find the same item the first one wins, so
//! the more specific language has the last word.

use std::fmt;
use std::sync::{LazyLock, OnceLock};

use tree_sitter::{Language, Query};

use crate::SyntaxError;
use crate::queries::{CompiledQuery, QueryKind};

/// The text of `grammars/<lang>/<file>`, embedded at build time.
macro_rules! scm {
    ($lang:literal, $file:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../grammars/",
            $lang,
            "/",
            $file
        ))
    };
}

/// A query file of `$lang`, followed by the same file of the grammar it inherits from.
macro_rules! scm_inheriting {
    ($lang:literal, $base:literal, $file:literal) => {
        concat!(scm!($lang, $file), "\n", scm!($base, $file))
    };
}

/// A tree-sitter grammar with the ids and file names it serves and its queries.
///
/// Grammars are created once, for the whole process, and handed out as `&'static`. Each query
/// is compiled on first use (most sessions only see a few languages, and a server that starts
/// fast answers `initialize` sooner), then shared by every thread.
pub struct Grammar {
    name: &'static str,
    language: Language,
    language_ids: &'static [&'static str],
    extensions: &'static [&'static str],
    file_names: &'static [&'static str],
    /// Query sources, indexed by `QueryKind as usize`.
    sources: [Option<&'static str>; QueryKind::ALL.len()],
    /// Compiled queries; `None` inside when the source is absent or does not compile (a test
    /// compiles every one, so the latter only happens in a broken build).
    compiled: [OnceLock<Option<CompiledQuery>>; QueryKind::ALL.len()],
}

/// The query files a grammar has, by kind.
#[derive(Default)]
struct Sources {
    scopes: Option<&'static str>,
    outline: Option<&'static str>,
    imports: Option<&'static str>,
    markers: Option<&'static str>,
    complexity: Option<&'static str>,
    locals: Option<&'static str>,
}

impl Grammar {
    fn new(
        name: &'static str,
        language: Language,
        language_ids: &'static [&'static str],
        extensions: &'static [&'static str],
        file_names: &'static [&'static str],
        sources: Sources,
    ) -> Grammar {
        Grammar {
            name,
            language,
            language_ids,
            extensions,
            file_names,
            sources: [
                sources.scopes,
                sources.outline,
                sources.imports,
                sources.markers,
                sources.complexity,
                sources.locals,
            ],
            compiled: Default::default(),
        }
    }

    /// The grammar's short name, which is also its directory under `grammars/` (`"tsx"` shares
    /// `typescript/`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The tree-sitter language.
    pub fn language(&self) -> &Language {
        &self.language
    }

    /// The LSP `languageId`s this grammar serves, lowercase.
    pub fn language_ids(&self) -> &'static [&'static str] {
        self.language_ids
    }

    /// The file extensions (without the dot, lowercase) this grammar serves.
    pub fn extensions(&self) -> &'static [&'static str] {
        self.extensions
    }

    /// Whole file names this grammar serves whatever their extension (`Cargo.lock`, `.bashrc`).
    pub fn file_names(&self) -> &'static [&'static str] {
        self.file_names
    }

    /// The source of one query file, or `None` when this grammar has none of that kind.
    pub fn query_source(&self, kind: QueryKind) -> Option<&'static str> {
        self.sources[kind as usize]
    }

    /// The compiled query of a kind, compiled on first use.
    pub fn query(&self, kind: QueryKind) -> Option<&Query> {
        self.compiled(kind).map(|compiled| &compiled.query)
    }

    pub(crate) fn compiled(&self, kind: QueryKind) -> Option<&CompiledQuery> {
        self.compiled[kind as usize]
            .get_or_init(|| {
                let source = self.query_source(kind)?;
                CompiledQuery::new(self.name, &self.language, kind, source).ok()
            })
            .as_ref()
    }

    /// Compiles every query file of this grammar afresh and checks its captures and predicates.
    ///
    /// # Errors
    ///
    /// [`SyntaxError::Query`] for the first file that does not compile or uses a capture or
    /// predicate that means nothing for its kind.
    pub fn check_queries(&self) -> Result<(), SyntaxError> {
        for kind in QueryKind::ALL {
            if let Some(source) = self.query_source(kind) {
                CompiledQuery::new(self.name, &self.language, kind, source)?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Grammar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grammar")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Grammar {
    /// Grammars are singletons: two are equal when they are the same entry of the registry.
    fn eq(&self, other: &Grammar) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Grammar {}

static GRAMMARS: LazyLock<Vec<Grammar>> = LazyLock::new(|| {
    vec![
        Grammar::new(
            "rust",
            tree_sitter_rust::LANGUAGE.into(),
            &["rust"],
            &["rs"],
            &[],
            Sources {
                scopes: Some(scm!("rust", "scopes.scm")),
                outline: Some(scm!("rust", "outline.scm")),
                imports: Some(scm!("rust", "imports.scm")),
                markers: Some(scm!("rust", "markers.scm")),
                complexity: Some(scm!("rust", "complexity.scm")),
                locals: Some(scm!("rust", "locals.scm")),
            },
        ),
        Grammar::new(
            "python",
            tree_sitter_python::LANGUAGE.into(),
            &["python"],
            &["py", "pyi", "pyw"],
            &[],
            Sources {
                scopes: Some(scm!("python", "scopes.scm")),
                outline: Some(scm!("python", "outline.scm")),
                imports: Some(scm!("python", "imports.scm")),
                markers: Some(scm!("python", "markers.scm")),
                complexity: Some(scm!("python", "complexity.scm")),
                locals: Some(scm!("python", "locals.scm")),
            },
        ),
        Grammar::new(
            "javascript",
            tree_sitter_javascript::LANGUAGE.into(),
            // The JavaScript grammar parses JSX too.
            &["javascript", "javascriptreact", "jsx"],
            &["js", "mjs", "cjs", "jsx"],
            &[],
            Sources {
                scopes: Some(scm!("javascript", "scopes.scm")),
                outline: Some(scm!("javascript", "outline.scm")),
                imports: Some(scm!("javascript", "imports.scm")),
                markers: Some(scm!("javascript", "markers.scm")),
                complexity: Some(scm!("javascript", "complexity.scm")),
                locals: Some(scm!("javascript", "locals.scm")),
            },
        ),
        Grammar::new(
            "typescript",
            tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            &["typescript"],
            &["ts", "mts", "cts"],
            &[],
            typescript_sources(),
        ),
        Grammar::new(
            // TSX is its own grammar (JSX instead of `<T>x` casts) with the TypeScript queries.
            "tsx",
            tree_sitter_typescript::LANGUAGE_TSX.into(),
            &["typescriptreact", "tsx"],
            &["tsx"],
            &[],
            typescript_sources(),
        ),
        Grammar::new(
            "go",
            tree_sitter_go::LANGUAGE.into(),
            &["go"],
            &["go"],
            &[],
            Sources {
                scopes: Some(scm!("go", "scopes.scm")),
                outline: Some(scm!("go", "outline.scm")),
                imports: Some(scm!("go", "imports.scm")),
                markers: Some(scm!("go", "markers.scm")),
                complexity: Some(scm!("go", "complexity.scm")),
                locals: Some(scm!("go", "locals.scm")),
            },
        ),
        Grammar::new(
            "c",
            tree_sitter_c::LANGUAGE.into(),
            &["c"],
            // A `.h` file may be C++, but C is the safe reading: the C++ grammar parses C too,
            // not the other way round, and editors that know better send `cpp` as the language id.
            &["c", "h"],
            &[],
            Sources {
                scopes: Some(scm!("c", "scopes.scm")),
                outline: Some(scm!("c", "outline.scm")),
                imports: Some(scm!("c", "imports.scm")),
                markers: Some(scm!("c", "markers.scm")),
                complexity: Some(scm!("c", "complexity.scm")),
                ..Sources::default()
            },
        ),
        Grammar::new(
            "cpp",
            tree_sitter_cpp::LANGUAGE.into(),
            &["cpp"],
            &[
                "cc", "cpp", "cxx", "c++", "hh", "hpp", "hxx", "h++", "ipp", "tpp",
            ],
            &[],
            Sources {
                scopes: Some(scm_inheriting!("cpp", "c", "scopes.scm")),
                outline: Some(scm_inheriting!("cpp", "c", "outline.scm")),
                imports: Some(scm_inheriting!("cpp", "c", "imports.scm")),
                markers: Some(scm!("c", "markers.scm")),
                complexity: Some(scm_inheriting!("cpp", "c", "complexity.scm")),
                ..Sources::default()
            },
        ),
        Grammar::new(
            "java",
            tree_sitter_java::LANGUAGE.into(),
            &["java"],
            &["java"],
            &[],
            Sources {
                scopes: Some(scm!("java", "scopes.scm")),
                outline: Some(scm!("java", "outline.scm")),
                imports: Some(scm!("java", "imports.scm")),
                markers: Some(scm!("java", "markers.scm")),
                complexity: Some(scm!("java", "complexity.scm")),
                ..Sources::default()
            },
        ),
        Grammar::new(
            "lua",
            tree_sitter_lua::LANGUAGE.into(),
            &["lua"],
            &["lua"],
            &[],
            Sources {
                scopes: Some(scm!("lua", "scopes.scm")),
                outline: Some(scm!("lua", "outline.scm")),
                imports: Some(scm!("lua", "imports.scm")),
                markers: Some(scm!("lua", "markers.scm")),
                complexity: Some(scm!("lua", "complexity.scm")),
                ..Sources::default()
            },
        ),
        Grammar::new(
            "bash",
            tree_sitter_bash::LANGUAGE.into(),
            // Zsh is not bash, but close enough for an outline, and a partial tree beats none.
            &["shellscript", "bash", "sh", "zsh"],
            &["sh", "bash", "zsh"],
            &[
                ".bashrc",
                ".bash_profile",
                ".bash_logout",
                ".profile",
                ".zshrc",
                ".zprofile",
                ".zshenv",
                "PKGBUILD",
            ],
            Sources {
                scopes: Some(scm!("bash", "scopes.scm")),
                outline: Some(scm!("bash", "outline.scm")),
                imports: Some(scm!("bash", "imports.scm")),
                markers: Some(scm!("bash", "markers.scm")),
                complexity: Some(scm!("bash", "complexity.scm")),
                ..Sources::default()
            },
        ),
        Grammar::new(
            // The grammar accepts comments, so it serves JSON with comments as well.
            "json",
            tree_sitter_json::LANGUAGE.into(),
            &["json", "jsonc"],
            &["json", "jsonc"],
            &[],
            Sources {
                outline: Some(scm!("json", "outline.scm")),
                markers: Some(scm!("json", "markers.scm")),
                ..Sources::default()
            },
        ),
        Grammar::new(
            "toml",
            tree_sitter_toml_ng::LANGUAGE.into(),
            &["toml"],
            &["toml"],
            &["Cargo.lock", "Pipfile", "poetry.lock", "uv.lock"],
            Sources {
                scopes: Some(scm!("toml", "scopes.scm")),
                outline: Some(scm!("toml", "outline.scm")),
                markers: Some(scm!("toml", "markers.scm")),
                ..Sources::default()
            },
        ),
        Grammar::new(
            // The block grammar only: headings, sections, code blocks and HTML comments are all
            // the queries need; inline markup would take a second parse per paragraph.
            "markdown",
            tree_sitter_md::LANGUAGE.into(),
            &["markdown"],
            &["md", "markdown", "mkd"],
            &[],
            Sources {
                scopes: Some(scm!("markdown", "scopes.scm")),
                outline: Some(scm!("markdown", "outline.scm")),
                markers: Some(scm!("markdown", "markers.scm")),
                ..Sources::default()
            },
        ),
    ]
});

/// TypeScript and TSX share their query files, which inherit JavaScript's.
fn typescript_sources() -> Sources {
    Sources {
        scopes: Some(scm_inheriting!("typescript", "javascript", "scopes.scm")),
        outline: Some(scm_inheriting!("typescript", "javascript", "outline.scm")),
        imports: Some(scm!("javascript", "imports.scm")),
        markers: Some(scm!("javascript", "markers.scm")),
        complexity: Some(scm!("javascript", "complexity.scm")),
        locals: Some(scm_inheriting!("typescript", "javascript", "locals.scm")),
    }
}

/// Every grammar of the registry.
pub fn grammars() -> &'static [Grammar] {
    &GRAMMARS
}

/// The grammar registered under a name (`"rust"`, `"tsx"`, ...).
pub fn grammar_by_name(name: &str) -> Option<&'static Grammar> {
    grammars().iter().find(|grammar| grammar.name == name)
}

/// The grammar for an LSP `languageId` (`"rust"`, `"typescriptreact"`, `"shellscript"`, ...),
/// ignoring ASCII case; `None` for a language without a grammar, which is then plain text.
pub fn grammar_for_language_id(language_id: &str) -> Option<&'static Grammar> {
    grammars().iter().find(|grammar| {
        grammar
            .language_ids
            .iter()
            .any(|id| id.eq_ignore_ascii_case(language_id))
    })
}

/// The grammar for a path or URI, by its whole file name first (`Cargo.lock`, `.bashrc`) and
/// then by its extension, ignoring ASCII case (`src/a.tsx`, `file:///x/README.MD`).
pub fn grammar_for_path(path: &str) -> Option<&'static Grammar> {
    let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if let Some(grammar) = grammars().iter().find(|grammar| {
        grammar
            .file_names
            .iter()
            .any(|name| name.eq_ignore_ascii_case(file_name))
    }) {
        return Some(grammar);
    }
    // A leading dot starts a hidden file's name, not an extension (".gitignore").
    let extension = match file_name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => extension,
        _ => return None,
    };
    grammars().iter().find(|grammar| {
        grammar
            .extensions
            .iter()
            .any(|ext| ext.eq_ignore_ascii_case(extension))
    })
}
