//! Which declaration a use of a name means: each candidate of that name (from this file, the
//! open documents, the workspace index) is scored by what the code shows — the kind of use
//! (a call, a member, a type), the receiver's type, the file's imports, how near the file is,
//! whether it is test code — and the best one is taken only when it clearly beats the rest.
//! A name that cannot be told apart gets no definition: a wrong one costs as much as a right
//! one and misleads the model.

use std::collections::HashMap;

use super::definition::Definition;
use super::receivers::path_last_segment;
use super::uses::{NameUse, UseKind};

/// A candidate the code rules out.
const RULED_OUT: i32 = i32::MIN;
/// The receiver's type is the candidate's container.
const SAME_RECEIVER: i32 = 100;
/// The candidate's container is a base class of the receiver's type.
const BASE_RECEIVER: i32 = 90;
/// Declared in the selection's own file.
const SAME_FILE: i32 = 50;
/// Declared in a module the file imports the name (or its receiver) from.
const IMPORTED: i32 = 40;
/// Declared in the selection's directory.
const SAME_DIRECTORY: i32 = 15;
/// Per leading directory shared with the selection's path (at most four).
const SHARED_DIRECTORY: i32 = 3;
/// Test, fixture, example or vendored code, for a selection that is not.
const TEST_CODE: i32 = -60;
/// A Python stub file's declaration, for code that is not a stub.
const STUB: i32 = -5;
/// How much the best candidate must beat the next one by, when nothing else vouches for it.
const MARGIN: i32 = 10;
/// Scores at or above this vouch for a candidate even against a close runner-up.
const SURE: i32 = IMPORTED;

/// Python's built-in names: what a file uses by them is Python's own.
const PYTHON_BUILTINS: [&str; 40] = [
    "str",
    "bytes",
    "int",
    "float",
    "bool",
    "dict",
    "list",
    "set",
    "tuple",
    "object",
    "type",
    "len",
    "isinstance",
    "issubclass",
    "print",
    "open",
    "range",
    "iter",
    "next",
    "super",
    "property",
    "staticmethod",
    "classmethod",
    "Exception",
    "ValueError",
    "TypeError",
    "KeyError",
    "IndexError",
    "AttributeError",
    "RuntimeError",
    "OSError",
    "IOError",
    "NotImplementedError",
    "StopIteration",
    "getattr",
    "setattr",
    "hasattr",
    "callable",
    "repr",
    "hash",
];

/// What the selection's file says about where its names come from.
#[derive(Debug, Default)]
pub(crate) struct FileFacts {
    /// The selection's path.
    pub(crate) path: String,
    /// Whether the selection is test code itself (then tests are fair candidates).
    pub(crate) in_tests: bool,
    /// For each name an import statement mentions, the modules it names (their path segments,
    /// without `crate`, `super`, `self` and dots): `Work` → `["walk"]` for
    /// `use crate::walk::{Work, WalkState}`.
    pub(crate) imported_from: HashMap<String, Vec<Vec<String>>>,
    /// The base classes of the file's classes: a method `self` reaches may be inherited.
    pub(crate) bases: HashMap<String, Vec<String>>,
}

impl FileFacts {
    /// Facts from the file's path and its import statements as written.
    pub(crate) fn new<'a>(path: &str, imports: impl IntoIterator<Item = &'a str>) -> FileFacts {
        let mut imported_from: HashMap<String, Vec<Vec<String>>> = HashMap::new();
        for import in imports {
            let (names, modules) = read_import(import);
            for name in names {
                imported_from
                    .entry(name)
                    .or_default()
                    .extend(modules.iter().cloned());
            }
        }
        FileFacts {
            path: path.to_owned(),
            in_tests: is_test_path(path, None),
            imported_from,
            bases: HashMap::new(),
        }
    }
}

impl FileFacts {
    /// Whether `class` has `base` among its bases, up to a few generations back.
    fn inherits(&self, class: &str, base: &str) -> bool {
        let mut generation: Vec<&str> = vec![class];
        for _ in 0..4 {
            let parents: Vec<&str> = generation
                .iter()
                .filter_map(|class| self.bases.get(*class))
                .flatten()
                .map(String::as_str)
                .collect();
            if parents.contains(&base) {
                return true;
            }
            if parents.is_empty() {
                return false;
            }
            generation = parents;
        }
        false
    }
}

/// The words an import statement mentions, and the module paths it names: for
/// `use a::b::{C, d::E}` the names `a b C d E` and the modules `a/b`, `a/b/d`; for
/// `from .models import Response` the names `models Response` and the module `models`.
fn read_import(import: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let words: Vec<String> = import
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect();
    let skip = |word: &str| {
        matches!(
            word,
            "use" | "pub" | "crate" | "super" | "self" | "from" | "import" | "as" | "mod"
        )
    };
    // The module is the path before the imported names: everything up to the last `::` or
    // `.` before a `{`, or the `from` part.
    let module_text = if let Some(rest) = import.trim_start().strip_prefix("from ") {
        rest.split(" import").next().unwrap_or(rest).to_owned()
    } else {
        let head = import.split('{').next().unwrap_or(import);
        match head.rfind("::") {
            Some(at) => head[..at].to_owned(),
            None => head.to_owned(),
        }
    };
    let module: Vec<String> = module_text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty() && !skip(word))
        .map(str::to_owned)
        .collect();
    let names = words.into_iter().filter(|word| !skip(word)).collect();
    (names, vec![module])
}

/// Whether `path` (or a definition's container, `tests` for a `mod tests`) is test, fixture,
/// benchmark, example or vendored code.
pub(crate) fn is_test_path(path: &str, container: Option<&str>) -> bool {
    if container.is_some_and(|container| matches!(container, "tests" | "test")) {
        return true;
    }
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        let is_file = parts.peek().is_none();
        if !is_file {
            if matches!(
                part,
                "tests"
                    | "test"
                    | "testing"
                    | "testdata"
                    | "fixtures"
                    | "benches"
                    | "examples"
                    | "vendor"
                    | "third_party"
                    | "__tests__"
            ) {
                return true;
            }
            continue;
        }
        let stem = part.split('.').next().unwrap_or(part);
        return stem.starts_with("test_")
            || stem.ends_with("_test")
            || stem.ends_with("_tests")
            || stem == "conftest"
            || part.contains(".test.")
            || part.contains(".spec.");
    }
    false
}

/// Whether a candidate of this kind can be what the use means.
fn fits(kind: &str, used: &NameUse) -> bool {
    let typed = matches!(
        kind,
        "struct" | "enum" | "class" | "interface" | "trait" | "type"
    );
    match used.kind {
        // A Python or TypeScript alias is an assignment (`HeaderTypes = Union[...]`).
        UseKind::Type => typed || kind == "constant",
        UseKind::Word => true,
        UseKind::OwnType => matches!(kind, "struct" | "enum"),
        UseKind::FieldOwner => matches!(kind, "struct" | "enum" | "class" | "interface"),
        UseKind::Call if used.receiver.is_some() => matches!(kind, "method" | "function"),
        // A bare call is a function, a constructor (a class, a tuple struct) or a nested
        // function; never a method.
        // An alias is an assignment (`builtin_str = str`).
        UseKind::Call => matches!(kind, "function" | "class" | "struct" | "enum" | "constant"),
        // Through a value of unknown type: a method or property; through a module, anything
        // the module declares.
        UseKind::Member => kind == "method" || used.unknown_receiver,
        UseKind::Value => {
            !matches!(kind, "macro" | "type") && (kind != "method" || used.receiver.is_some())
        }
    }
}

/// The directory part of a path (`a/b` for `a/b/c.rs`).
fn directory(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Whether a candidate's path is the module `segments` names: its file stem (or, for `mod.rs`,
/// `lib.rs`, `__init__.py`, its directory) is the last segment; an empty module (`crate::X`)
/// is a crate root.
fn is_module(path: &str, segments: &[String]) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file);
    let module = if matches!(stem, "mod" | "lib" | "main" | "__init__" | "index") {
        directory(path).rsplit('/').next().unwrap_or("")
    } else {
        stem
    };
    match segments.last() {
        // Or a file under the module's directory (`algorithms::Replace` re-exported from
        // `algorithms/replace.rs`).
        Some(last) => {
            last == module
                || (segments.len() == 1 && last == stem)
                || directory(path).split('/').any(|part| part == last)
        }
        None => matches!(stem, "lib" | "main" | "__init__"),
    }
}

/// The score of one candidate for one use; [`RULED_OUT`] when the code rules it out.
pub(crate) fn score(candidate: &Definition, used: &NameUse, facts: &FileFacts) -> i32 {
    if !fits(&candidate.kind, used) {
        return RULED_OUT;
    }
    let container = candidate.container.as_deref();
    let mut score = 0;
    match &used.receiver {
        Some(receiver) => {
            let container = container.map(path_last_segment);
            if container.as_ref() == Some(receiver) {
                score += SAME_RECEIVER;
            } else if container.is_some_and(|container| facts.inherits(receiver, &container)) {
                score += BASE_RECEIVER;
            } else if used.kind != UseKind::Value {
                // `Walk::new` or `work.is_dir()` is not another type's `new` or `is_dir`.
                return RULED_OUT;
            }
        }
        None if used.kind == UseKind::Call && candidate.kind == "method" => return RULED_OUT,
        // A bare type is no impl's associated type (`type Err`, `type Output`).
        None if used.kind == UseKind::Type
            && candidate.kind == "type"
            && container.is_some_and(|container| container.starts_with(char::is_uppercase)) =>
        {
            return RULED_OUT;
        }
        None => {}
    }
    let python = facts.path.ends_with(".py") || facts.path.ends_with(".pyi");
    if python
        && used.receiver.is_none()
        && !used.unknown_receiver
        && PYTHON_BUILTINS.contains(&used.name.as_str())
        && !facts.imported_from.contains_key(&used.name)
    {
        // `str`, `dict`, `len`: Python's own, unless the file imports a namesake.
        return RULED_OUT;
    }
    if candidate.path == facts.path {
        score += SAME_FILE;
    }
    // A stub (`setters.pyi`) declares what its module (`setters.py`) defines: for code that
    // is not a stub itself, the module's definition says more.
    if candidate.path.ends_with(".pyi") && !facts.path.ends_with(".pyi") {
        score += STUB;
    }
    // Imported by name, or reached through an imported module (`models.Response`).
    let lookup_names = [Some(&used.name), used.through.as_ref()];
    let imported = lookup_names.iter().flatten().any(|name| {
        facts.imported_from.get(*name).is_some_and(|modules| {
            modules
                .iter()
                .any(|segments| is_module(&candidate.path, segments))
        }) || (used.through.as_ref() == Some(*name)
            && facts.imported_from.contains_key(*name)
            && is_module(&candidate.path, std::slice::from_ref(name)))
    });
    if imported && candidate.path != facts.path {
        score += IMPORTED;
    }
    // Through an imported module (`t.Tuple` with `import typing as t`), only that module's.
    let through_module = used.unknown_receiver
        && used
            .through
            .as_ref()
            .is_some_and(|through| facts.imported_from.contains_key(through));
    if through_module && !imported {
        return RULED_OUT;
    }
    let (own_dir, dir) = (directory(&facts.path), directory(&candidate.path));
    if own_dir == dir {
        score += SAME_DIRECTORY;
    }
    let shared = own_dir
        .split('/')
        .zip(dir.split('/'))
        .take_while(|(a, b)| a == b && !a.is_empty())
        .count()
        .min(4);
    score += SHARED_DIRECTORY * i32::try_from(shared).unwrap_or(0);
    if !facts.in_tests && is_test_path(&candidate.path, container) {
        score += TEST_CODE;
    }
    score
}

/// The candidate the use most likely means, if one clearly does: the best score, when it is
/// not negative and either vouched for (same receiver, same file, imported) or ahead of the
/// next candidate by [`MARGIN`]. Candidates at the same path and line count once.
pub(crate) fn choose<'a>(
    candidates: &'a [Definition],
    used: &NameUse,
    facts: &FileFacts,
) -> Option<(&'a Definition, i32)> {
    let mut scored: Vec<(&Definition, i32)> = candidates
        .iter()
        .map(|candidate| (candidate, score(candidate, used, facts)))
        .filter(|(_, score)| *score != RULED_OUT)
        .collect();
    scored.sort_by_key(|(candidate, score)| {
        (
            std::cmp::Reverse(*score),
            candidate.path.clone(),
            candidate.line,
        )
    });
    scored.dedup_by(|a, b| a.0.path == b.0.path && a.0.line == b.0.line);
    let (best, best_score) = *scored.first()?;
    if best_score < 0 {
        return None;
    }
    let runner_up = scored.get(1).map(|(_, score)| *score);
    // Namesakes tied in one file and one container are one definition under `if`/`else` or
    // `cfg`: the first says what the others say.
    let tied_in_one_file = scored
        .iter()
        .take_while(|(_, score)| *score == best_score)
        .all(|(candidate, _)| candidate.path == best.path && candidate.container == best.container);
    let clear = match runner_up {
        None => true,
        Some(next) => {
            best_score >= SURE && best_score > next
                || best_score >= next + MARGIN
                || tied_in_one_file
        }
    };
    clear.then_some((best, best_score))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(path: &str, name: &str, kind: &str, container: Option<&str>) -> Definition {
        Definition {
            name: name.to_owned(),
            kind: kind.to_owned(),
            path: path.to_owned(),
            line: 1,
            signature: String::new(),
            container: container.map(str::to_owned),
            shown_lines: vec![1],
        }
    }

    fn used(name: &str, kind: UseKind, receiver: Option<&str>) -> NameUse {
        NameUse {
            name: name.to_owned(),
            kind,
            receiver: receiver.map(str::to_owned),
            unknown_receiver: false,
            through: None,
            count: 1,
        }
    }

    #[test]
    fn a_method_is_the_receivers_own() {
        let facts = FileFacts::new("ignore/src/walk.rs", ["use crate::dir::Ignore;"]);
        let candidates = [
            definition(
                "ignore/src/haystack.rs",
                "is_dir",
                "method",
                Some("Haystack"),
            ),
            definition("ignore/src/walk.rs", "is_dir", "method", Some("Work")),
            Definition {
                line: 40,
                ..definition("ignore/src/walk.rs", "is_dir", "method", Some("DirEntry"))
            },
        ];
        let chosen = choose(
            &candidates,
            &used("is_dir", UseKind::Member, Some("Work")),
            &facts,
        );
        assert_eq!(
            chosen.map(|(d, _)| d.container.as_deref()),
            Some(Some("Work"))
        );
        // Without a known receiver, three methods of that name cannot be told apart.
        let mut unknown = used("is_dir", UseKind::Member, None);
        unknown.unknown_receiver = true;
        assert_eq!(choose(&candidates, &unknown, &facts), None);
    }

    #[test]
    fn imports_same_file_and_tests_decide_between_namesakes() {
        let facts = FileFacts::new(
            "src/requests/sessions.py",
            ["from .models import Request, Response", "import os"],
        );
        let candidates = [
            definition("src/requests/models.py", "Response", "class", None),
            definition("tests/test_requests.py", "Response", "class", None),
            definition("docs/conf.py", "Response", "class", None),
        ];
        let chosen = choose(&candidates, &used("Response", UseKind::Call, None), &facts);
        assert_eq!(
            chosen.map(|(d, _)| d.path.as_str()),
            Some("src/requests/models.py")
        );
        // A bare call is never a method, and a type use never a function.
        let method = [definition(
            "src/requests/models.py",
            "send",
            "method",
            Some("X"),
        )];
        assert_eq!(
            choose(&method, &used("send", UseKind::Call, None), &facts),
            None
        );
        let function = [definition(
            "src/requests/models.py",
            "Thing",
            "function",
            None,
        )];
        assert_eq!(
            choose(&function, &used("Thing", UseKind::Type, None), &facts),
            None
        );
        // Test code is a fair candidate for a test.
        let test_facts = FileFacts::new("tests/test_x.py", []);
        let only_test = [definition("tests/conftest.py", "fixture", "function", None)];
        assert!(
            choose(
                &only_test,
                &used("fixture", UseKind::Call, None),
                &test_facts
            )
            .is_some()
        );
        assert!(choose(&only_test, &used("fixture", UseKind::Call, None), &facts).is_none());
    }

    #[test]
    fn a_module_beats_its_stub() {
        let facts = FileFacts::new("attr/_make.py", ["from . import setters"]);
        let candidates = [
            definition("attr/setters.py", "NO_OP", "constant", None),
            definition("attr/setters.pyi", "NO_OP", "constant", None),
        ];
        let mut through_module = used("NO_OP", UseKind::Member, None);
        through_module.unknown_receiver = true;
        through_module.through = Some("setters".to_owned());
        let chosen = choose(&candidates, &through_module, &facts);
        assert_eq!(
            chosen.map(|(d, _)| d.path.as_str()),
            Some("attr/setters.py")
        );
    }

    #[test]
    fn two_equal_strangers_are_left_out() {
        let facts = FileFacts::new("a/src/lib.rs", []);
        let candidates = [
            definition("b/src/x.rs", "helper", "function", None),
            definition("c/src/y.rs", "helper", "function", None),
        ];
        assert_eq!(
            choose(&candidates, &used("helper", UseKind::Call, None), &facts),
            None
        );
        let near = [
            definition("a/src/x.rs", "helper", "function", None),
            definition("c/src/y.rs", "helper", "function", None),
        ];
        let chosen = choose(&near, &used("helper", UseKind::Call, None), &facts);
        assert_eq!(chosen.map(|(d, _)| d.path.as_str()), Some("a/src/x.rs"));
    }

    #[test]
    fn imports_name_their_modules() {
        let (names, modules) = read_import("use crate::walk::{WalkState, Work};");
        assert_eq!(names, ["walk", "WalkState", "Work"]);
        assert_eq!(modules, [vec!["walk".to_owned()]]);
        let (_, modules) = read_import("from .models import Response");
        assert_eq!(modules, [vec!["models".to_owned()]]);
        assert!(is_module("src/walk/mod.rs", &["walk".to_owned()]));
        assert!(is_module("src/lib.rs", &[]));
        assert!(is_test_path("src/tests/a.rs", None));
        assert!(is_test_path("src/a.rs", Some("tests")));
        assert!(is_test_path("pkg/test_models.py", None));
        assert!(!is_test_path("src/attest.rs", None));
    }
}
