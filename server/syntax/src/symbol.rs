//! What a scope or an outline item is: the kinds named by the captures of `scopes.scm` and `outline.scm`.

use std::fmt;

/// The kind of a scope or outline item.
///
/// Each variant is named by one capture in the query files (`@function`, `@class`, ...), so a
/// query says what it found and the Rust side never guesses from node names. The set follows
/// LSP's `SymbolKind` closely enough that the server can map it one to one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SymbolKind {
    /// A free function, a named closure bound to a name (`const f = () => {}`), a prototype.
    Function,
    /// A function that belongs to a class-like item: captured as such by the query, or a
    /// function found directly inside a class, struct, enum, interface, trait or impl.
    Method,
    /// A class (Python, JS/TS, Java, C++), a Java record.
    Class,
    /// A struct or union.
    Struct,
    /// An enum.
    Enum,
    /// An interface (TS, Go, Java) or annotation type.
    Interface,
    /// A Rust trait.
    Trait,
    /// A Rust `impl` block; its name is the implementing type.
    Impl,
    /// A module or namespace with a body.
    Module,
    /// A type alias or typedef.
    Type,
    /// A constant or static.
    Constant,
    /// A field of a struct, class or interface, or an enum variant.
    Field,
    /// A macro definition (`macro_rules!`, `#define`).
    Macro,
    /// A Markdown section (a heading and what follows it).
    Section,
    /// A TOML table or array-of-tables element.
    Table,
    /// A JSON key.
    Key,
}

/// The kind of an enclosing scope. Scopes use a subset of [`SymbolKind`] (no fields, constants
/// or keys), and sharing the type lets the server treat scopes and outline items alike.
pub type ScopeKind = SymbolKind;

impl SymbolKind {
    /// Every kind, in declaration order.
    pub const ALL: [SymbolKind; 16] = [
        SymbolKind::Function,
        SymbolKind::Method,
        SymbolKind::Class,
        SymbolKind::Struct,
        SymbolKind::Enum,
        SymbolKind::Interface,
        SymbolKind::Trait,
        SymbolKind::Impl,
        SymbolKind::Module,
        SymbolKind::Type,
        SymbolKind::Constant,
        SymbolKind::Field,
        SymbolKind::Macro,
        SymbolKind::Section,
        SymbolKind::Table,
        SymbolKind::Key,
    ];

    /// The capture name (without `@`) that marks this kind in a query file.
    pub fn as_str(self) -> &'static str {
        match self {
            SymbolKind::Function => "function",
            SymbolKind::Method => "method",
            SymbolKind::Class => "class",
            SymbolKind::Struct => "struct",
            SymbolKind::Enum => "enum",
            SymbolKind::Interface => "interface",
            SymbolKind::Trait => "trait",
            SymbolKind::Impl => "impl",
            SymbolKind::Module => "module",
            SymbolKind::Type => "type",
            SymbolKind::Constant => "constant",
            SymbolKind::Field => "field",
            SymbolKind::Macro => "macro",
            SymbolKind::Section => "section",
            SymbolKind::Table => "table",
            SymbolKind::Key => "key",
        }
    }

    /// The kind a capture name stands for, if it names one.
    pub fn from_capture(name: &str) -> Option<SymbolKind> {
        SymbolKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// Whether a function directly inside an item of this kind is a method of it.
    pub(crate) fn holds_methods(self) -> bool {
        matches!(
            self,
            SymbolKind::Class
                | SymbolKind::Struct
                | SymbolKind::Enum
                | SymbolKind::Interface
                | SymbolKind::Trait
                | SymbolKind::Impl
        )
    }
}

impl fmt::Display for SymbolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
