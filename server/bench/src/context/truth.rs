//! The selections the context benchmark scores and their true definitions: Python ones from
//! `server/bench/context/jedi_truth.py`'s JSON (jedi's go-to-definition), Rust ones from the
//! hand-labelled `server/bench/data/rust-selections.toml` over crates of the cargo registry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use super::score::{Place, Truth};

/// The hand-labelled Rust selections, as the repository holds them.
pub const RUST_SELECTIONS: &str = include_str!("../../data/rust-selections.toml");

/// Where the packet's cursor goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// A byte offset in the file (on the function's name).
    Byte(usize),
    /// The name of the function or method the outline declares on this 1-based line.
    Named { name: String, line: u32 },
}

/// One function to build a packet for, and what it relies on.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The group it is reported in: a Python library, or a crate.
    pub library: String,
    /// The workspace root its index is built from.
    pub root: PathBuf,
    /// Relative to `root`, with `/`.
    pub file: String,
    pub function: String,
    /// 1-based line of its `def` / `fn`.
    pub line: u32,
    pub cursor: Cursor,
    pub truth: Vec<Truth>,
}

/// What jedi_truth.py counted of the names the selections use.
#[derive(Debug, Clone, Default)]
pub struct Uses {
    /// Per category (`kept`, `parameter`, `outside_root`, ...), uses of a name.
    pub counts: BTreeMap<String, u64>,
    /// A few examples per excluded category.
    pub examples: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct JediFile {
    library: String,
    root: PathBuf,
    #[serde(default)]
    uses: BTreeMap<String, u64>,
    #[serde(default)]
    examples: BTreeMap<String, Vec<String>>,
    selections: Vec<JediSelection>,
}

#[derive(Deserialize)]
struct JediSelection {
    file: String,
    function: String,
    line: u32,
    cursor_byte: usize,
    truth: Vec<JediTruth>,
}

#[derive(Deserialize)]
struct JediTruth {
    path: String,
    line: u32,
    name: String,
    /// Other places jedi gave for the same use (a name defined under `if` and `else`).
    #[serde(default)]
    also: Vec<String>,
}

/// Reads one library's truth as jedi_truth.py wrote it; `root` overrides the root it records.
///
/// # Errors
/// When the file cannot be read or is not such JSON.
pub fn read_jedi(path: &Path, root: Option<&Path>) -> anyhow::Result<(Vec<Selection>, Uses)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: JediFile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not jedi_truth.py's JSON", path.display()))?;
    let root = root.map_or(file.root, Path::to_path_buf);
    let selections = file
        .selections
        .into_iter()
        .map(|selection| Selection {
            library: file.library.clone(),
            root: root.clone(),
            file: selection.file,
            function: selection.function,
            line: selection.line,
            cursor: Cursor::Byte(selection.cursor_byte),
            truth: selection
                .truth
                .into_iter()
                .map(|truth| {
                    let mut places = Truth::at(&truth.path, truth.line, &truth.name).places;
                    places.extend(
                        truth
                            .also
                            .iter()
                            .filter_map(|place| parse_place(place).ok()),
                    );
                    Truth {
                        name: truth.name,
                        places,
                    }
                })
                .collect(),
        })
        .collect();
    Ok((
        selections,
        Uses {
            counts: file.uses,
            examples: file.examples,
        },
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RustFile {
    selection: Vec<RustSelection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RustSelection {
    #[serde(rename = "crate")]
    krate: String,
    file: String,
    function: String,
    line: u32,
    truth: Vec<RustTruth>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RustTruth {
    path: String,
    name: String,
    line: u32,
    /// The receiver's type, for the reader; scoring goes by path, name and line.
    #[serde(default)]
    #[allow(dead_code)] // reason: documents the label; the rule needs no owner
    owner: Option<String>,
    /// Other places that count the same, as `path:line`.
    #[serde(default)]
    also: Vec<String>,
}

/// Parses the hand-labelled selections; each crate (`name-version`) is looked up in the
/// `registries` (directories like `$CARGO_HOME/registry/src/index.crates.io-*`).
///
/// # Errors
/// When the text is not such TOML, or a crate is in none of the registries.
pub fn parse_rust(text: &str, registries: &[PathBuf]) -> anyhow::Result<Vec<Selection>> {
    let file: RustFile = toml::from_str(text).context("the Rust selections are not valid")?;
    let mut selections = Vec::new();
    for selection in file.selection {
        let Some(root) = registries
            .iter()
            .map(|registry| registry.join(&selection.krate))
            .find(|root| root.is_dir())
        else {
            bail!(
                "crate {} is in none of {:?}; fetch it (cargo fetch in a project that uses it) \
                 or pass --registry",
                selection.krate,
                registries
            );
        };
        let mut truth = Vec::new();
        for label in selection.truth {
            let mut places = vec![Place {
                path: label.path,
                line: label.line,
            }];
            for other in &label.also {
                places.push(parse_place(other)?);
            }
            truth.push(Truth {
                name: label.name,
                places,
            });
        }
        selections.push(Selection {
            library: crate_name(&selection.krate).to_owned(),
            root,
            file: selection.file,
            cursor: Cursor::Named {
                name: selection.function.clone(),
                line: selection.line,
            },
            function: selection.function,
            line: selection.line,
            truth,
        });
    }
    Ok(selections)
}

/// A place written `path:line`.
fn parse_place(text: &str) -> anyhow::Result<Place> {
    let parsed = text
        .rsplit_once(':')
        .and_then(|(path, line)| Some((path, line.parse().ok()?)));
    match parsed {
        Some((path, line)) => Ok(Place {
            path: path.to_owned(),
            line,
        }),
        None => bail!("`also` takes path:line, not {text}"),
    }
}

/// `serde_json` of `serde_json-1.0.154`.
fn crate_name(name_version: &str) -> &str {
    name_version
        .rsplit_once('-')
        .filter(|(_, version)| version.starts_with(|c: char| c.is_ascii_digit()))
        .map_or(name_version, |(name, _)| name)
}

/// The cargo registry's source directories: `registry` if given (itself, or the `src` of a
/// registry, or `$CARGO_HOME`), else those under `$CARGO_HOME` or `$HOME/.cargo`.
pub fn registries(registry: Option<&Path>) -> Vec<PathBuf> {
    let home = match registry {
        Some(path) => path.to_path_buf(),
        None => match std::env::var_os("CARGO_HOME") {
            Some(home) => PathBuf::from(home),
            None => match std::env::var_os("HOME") {
                Some(home) => PathBuf::from(home).join(".cargo"),
                None => return Vec::new(),
            },
        },
    };
    let mut found = vec![home.clone()];
    for dir in [home.join("src"), home.join("registry").join("src")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            let mut inner: Vec<PathBuf> = entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.is_dir())
                .collect();
            inner.sort();
            found.extend(inner);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_labelled_selections_parse_and_name_their_crates() {
        // Every crate "exists" in a registry that is the temp dir with the crates made in it.
        let registry = tempfile::tempdir().expect("a temp dir");
        let file: RustFile = toml::from_str(RUST_SELECTIONS).expect("valid TOML");
        for selection in &file.selection {
            std::fs::create_dir_all(registry.path().join(&selection.krate)).expect("mkdir");
        }
        let selections =
            parse_rust(RUST_SELECTIONS, &[registry.path().to_path_buf()]).expect("parses");
        assert!(selections.len() >= 25, "{} selections", selections.len());
        let crates: std::collections::BTreeSet<_> =
            selections.iter().map(|s| s.library.as_str()).collect();
        assert!(crates.len() >= 8, "{crates:?}");
        assert!(crates.contains("serde_json") && crates.contains("clap_lex"));
        assert!(selections.iter().all(|s| !s.truth.is_empty()));
    }

    #[test]
    fn a_missing_crate_is_an_error_that_says_which() {
        let registry = tempfile::tempdir().expect("a temp dir");
        let err = parse_rust(RUST_SELECTIONS, &[registry.path().to_path_buf()])
            .expect_err("no crate is there");
        assert!(err.to_string().contains("ignore-0.4.35"), "{err}");
    }
}
