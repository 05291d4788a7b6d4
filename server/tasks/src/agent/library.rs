//! The sources of the workspace's dependencies, for the librarian agent: which libraries are on
//! this machine (Cargo registry crates, a virtual environment's packages, `node_modules`), and
//! the mapping between labels such as `serde@1.0.210/src/de/mod.rs` and files, read-only.

use std::collections::HashSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

/// Where a library comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Cargo,
    Python,
    Node,
}

/// One dependency whose sources are on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    pub name: String,
    pub version: String,
    pub ecosystem: Ecosystem,
    /// The directory holding its sources: the unpacked crate, the Python distribution's
    /// top-level package directory, the Node package directory.
    pub root: PathBuf,
}

impl Library {
    /// `name@version`, the prefix of every label under it.
    pub fn label(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

/// Where to look, from the environment; the caller passes it in (tests pass temp dirs).
#[derive(Debug, Clone, Default)]
pub struct Places {
    /// `$CARGO_HOME`, else `~/.cargo` (see [`Places::from_env`]).
    pub cargo_home: Option<PathBuf>,
    /// `$VIRTUAL_ENV`, when set.
    pub virtual_env: Option<PathBuf>,
}

impl Places {
    /// The places of this process's environment.
    pub fn from_env() -> Places {
        let nonempty = |var: &str| std::env::var_os(var).filter(|value| !value.is_empty());
        let cargo_home = nonempty("CARGO_HOME").map(PathBuf::from).or_else(|| {
            nonempty("HOME")
                .or_else(|| nonempty("USERPROFILE"))
                .map(|home| PathBuf::from(home).join(".cargo"))
        });
        Places {
            cargo_home,
            virtual_env: nonempty("VIRTUAL_ENV").map(PathBuf::from),
        }
    }
}

/// The dependencies of the workspace at `root` whose sources are on this machine, sorted by
/// label, without duplicates. Never fails: what cannot be read is skipped (logged at debug).
///
/// A label names one library: when two ecosystems have the same `name@version`, the first found
/// stays (Cargo, then Python, then Node). Roots are canonical when they can be, so that the paths
/// [`resolve`] returns (canonical) are under them.
pub fn dependencies(root: &Path, places: &Places) -> Vec<Library> {
    let mut found = cargo_libraries(root, places.cargo_home.as_deref());
    found.extend(python_libraries(root, places.virtual_env.as_deref()));
    found.extend(node_libraries(root));
    let mut seen = HashSet::new();
    let mut libraries: Vec<Library> = found
        .into_iter()
        .filter(|library| seen.insert(library.label()))
        .map(|mut library| {
            if let Ok(canonical) = library.root.canonicalize() {
                library.root = canonical;
            }
            library
        })
        .collect();
    libraries.sort_by_key(Library::label);
    libraries
}

/// What to tell a user whose workspace at `root` has no dependency sources to read.
pub fn none_found(root: &Path) -> String {
    format!(
        "no dependency sources found for {}: the librarian reads the crates of Cargo.lock in the cargo registry (run `cargo fetch` first), a virtual environment's site-packages (.venv, venv or $VIRTUAL_ENV) and node_modules",
        root.display()
    )
}

/// The file a label names (`serde@1.0.210/src/lib.rs`), canonical, when the library is one of
/// `libraries`, the path is relative without `..`, and the file is inside the library's root
/// even after symlinks are followed.
pub fn resolve(libraries: &[Library], label: &str) -> Option<PathBuf> {
    resolve_inside(libraries, label).filter(|path| path.is_file())
}

/// The directory a label names: a bare `serde@1.0.210` (the root) or `serde@1.0.210/src`; the
/// same rules as [`resolve`].
pub fn resolve_dir(libraries: &[Library], label: &str) -> Option<PathBuf> {
    resolve_inside(libraries, label).filter(|path| path.is_dir())
}

/// The label of a path under one of the libraries (`serde@1.0.210/src/lib.rs`), with forward
/// slashes; the innermost library's when roots nest. The path is taken as given and canonical,
/// the roots as given (canonical from [`dependencies`]).
pub fn label_of(libraries: &[Library], path: &Path) -> Option<String> {
    let canonical = path.canonicalize().ok();
    let paths: Vec<&Path> = std::iter::once(path).chain(canonical.as_deref()).collect();
    let (library, rest) = libraries
        .iter()
        .flat_map(|library| paths.iter().map(move |path| (library, *path)))
        .filter_map(|(library, path)| Some((library, relative_label(&library.root, path)?)))
        .max_by_key(|(library, _)| library.root.components().count())?;
    Some(match rest.as_str() {
        "" => library.label(),
        rest => format!("{}/{rest}", library.label()),
    })
}

/// The libraries a model means by `name`: its name case-insensitively with `-` and `_` taken as
/// equal (as Cargo and PyPI normalise names), or exactly `name@version`.
pub fn find<'a>(libraries: &'a [Library], name: &str) -> Vec<&'a Library> {
    let wanted = normalise(name);
    libraries
        .iter()
        .filter(|library| library.label() == name || normalise(&library.name) == wanted)
        .collect()
}

/// A name as Cargo and PyPI compare them: lowercase, `_` for `-`.
fn normalise(name: &str) -> String {
    name.to_lowercase().replace('-', "_")
}

/// `path` relative to `root` with forward slashes, when it is under it without `..`.
fn relative_label(root: &Path, path: &Path) -> Option<String> {
    let rest = path.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for component in rest.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// The canonical path a label names when it stays inside its library's root.
fn resolve_inside(libraries: &[Library], label: &str) -> Option<PathBuf> {
    // Match by prefix rather than by parsing: npm names (`@types/node`) hold a `/` themselves.
    let (library, rest) = libraries.iter().find_map(|library| {
        let prefix = library.label();
        let rest = label.strip_prefix(prefix.as_str())?;
        if rest.is_empty() {
            Some((library, rest))
        } else {
            rest.strip_prefix('/').map(|rest| (library, rest))
        }
    })?;
    if Path::new(rest).has_root() || rest.starts_with('\\') {
        return None;
    }
    let mut path = library.root.clone();
    for segment in rest.split('/').filter(|segment| !segment.is_empty()) {
        // One plain name per segment: this refuses `..`, and `\`-paths and drive prefixes on
        // Windows, where a segment could hold several components.
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(part)), None) => path.push(part),
            (Some(Component::CurDir), None) => {}
            _ => return None,
        }
    }
    let root = library.root.canonicalize().ok()?;
    let path = path.canonicalize().ok()?;
    // Checked after canonicalizing, so that a symlink inside the root cannot lead out of it.
    path.starts_with(&root).then_some(path)
}

/// The directory entries of `dir`, sorted by name for a stable order; none when unreadable.
fn entries(dir: &Path) -> Vec<PathBuf> {
    match fs::read_dir(dir) {
        Ok(read) => {
            let mut paths: Vec<PathBuf> = read.flatten().map(|entry| entry.path()).collect();
            paths.sort();
            paths
        }
        Err(err) => {
            tracing::debug!(dir = %dir.display(), %err, "not read");
            Vec::new()
        }
    }
}

fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default()
}

/// `Cargo.lock`, only what is needed of it.
#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
    source: Option<String>,
}

/// The registry crates of `root/Cargo.lock` unpacked under `cargo_home/registry/src/*/`. Path
/// packages (the workspace itself) and git packages are skipped; nothing is downloaded.
fn cargo_libraries(root: &Path, cargo_home: Option<&Path>) -> Vec<Library> {
    let Some(cargo_home) = cargo_home else {
        return Vec::new();
    };
    let lock_path = root.join("Cargo.lock");
    let read = fs::read_to_string(&lock_path).map_err(|err| err.to_string());
    let lockfile: Lockfile =
        match read.and_then(|text| toml::from_str(&text).map_err(|err| err.to_string())) {
            Ok(lockfile) => lockfile,
            Err(err) => {
                tracing::debug!(path = %lock_path.display(), %err, "no Cargo.lock read");
                return Vec::new();
            }
        };
    // One directory per registry (crates.io's sparse index, its old git index, mirrors).
    let sources = cargo_home.join("registry").join("src");
    let indexes = entries(&sources);
    lockfile
        .package
        .into_iter()
        .filter(|package| {
            package.source.as_deref().is_some_and(|source| {
                source.starts_with("registry+") || source.starts_with("sparse+")
            })
        })
        .filter_map(|package| {
            // A name from a lockfile is a directory name here: one plain component, or nothing.
            if !plain_name(&package.name) || !plain_name(&package.version) {
                return None;
            }
            // The version keeps its build metadata here: `toml-1.2.2+spec-1.1.0`.
            let dir_name = format!("{}-{}", package.name, package.version);
            let Some(root) = indexes
                .iter()
                .map(|index| index.join(&dir_name))
                .find(|dir| dir.is_dir())
                .and_then(|dir| inside(&sources, &dir))
            else {
                tracing::debug!(krate = %dir_name, "not unpacked in the registry");
                return None;
            };
            Some(Library {
                name: package.name,
                version: package.version,
                ecosystem: Ecosystem::Cargo,
                root,
            })
        })
        .collect()
}

/// The distributions installed in the virtual environments `root/.venv`, `root/venv` and
/// `virtual_env`, read from their `*.dist-info` directories.
///
/// A distribution's root is its top-level package directory: the one whose name matches the
/// distribution's normalised name, else the first listed not starting with `_` (`PyYAML` lists
/// `_yaml` and `yaml`: `yaml/`), else the first; its other packages are not reachable.
/// Distributions with no package directory (single modules such as `six.py`, extension modules
/// alone) are skipped: their root would be all of site-packages, and a read or a search under
/// them would reach every other package. Legacy `*.egg-info` installs are not read. Namespace
/// packages shared by several distributions (`google/`) give each of them the whole directory.
fn python_libraries(root: &Path, virtual_env: Option<&Path>) -> Vec<Library> {
    let mut venvs: Vec<PathBuf> = vec![root.join(".venv"), root.join("venv")];
    venvs.extend(virtual_env.map(Path::to_path_buf));
    let mut seen = HashSet::new();
    let mut libraries = Vec::new();
    for venv in venvs {
        let Ok(venv) = venv.canonicalize() else {
            continue;
        };
        if !seen.insert(venv.clone()) {
            continue;
        }
        let mut site_dirs = vec![venv.join("Lib").join("site-packages")];
        for lib in ["lib", "lib64"] {
            site_dirs.extend(
                entries(&venv.join(lib))
                    .into_iter()
                    .filter(|dir| file_name(dir).starts_with("python"))
                    .map(|dir| dir.join("site-packages")),
            );
        }
        for site in site_dirs {
            // `lib64` is often a symlink to `lib`: each site-packages once.
            let Ok(site) = site.canonicalize() else {
                continue;
            };
            if !seen.insert(site.clone()) {
                continue;
            }
            libraries.extend(
                entries(&site)
                    .into_iter()
                    .filter(|dir| file_name(dir).ends_with(".dist-info") && dir.is_dir())
                    .filter_map(|dist_info| python_library(&site, &dist_info)),
            );
        }
    }
    libraries
}

/// The library of one `*.dist-info` directory in `site`.
fn python_library(site: &Path, dist_info: &Path) -> Option<Library> {
    let (mut name, mut version) = (None, None);
    if let Ok(metadata) = fs::read_to_string(dist_info.join("METADATA")) {
        // The headers end at the first blank line; the description follows.
        for line in metadata.lines().take_while(|line| !line.trim().is_empty()) {
            if let Some(value) = line.strip_prefix("Name:") {
                name.get_or_insert_with(|| value.trim().to_owned());
            } else if let Some(value) = line.strip_prefix("Version:") {
                version.get_or_insert_with(|| value.trim().to_owned());
            }
        }
    }
    if name.is_none() || version.is_none() {
        // `name-version.dist-info`: the name has its `-` escaped as `_` there.
        let stem = file_name(dist_info).strip_suffix(".dist-info")?;
        let (dir_name, dir_version) = stem.split_once('-')?;
        name.get_or_insert_with(|| dir_name.to_owned());
        version.get_or_insert_with(|| dir_version.to_owned());
    }
    let (name, version) = (name?, version?);
    // `top_level.txt` is the package's own text: only a plain name, and a directory that is
    // really inside site-packages (not a symlink out of it), can be a library's root.
    let packages: Vec<String> = top_level_names(dist_info)
        .into_iter()
        .filter(|top| plain_name(top) && site.join(top).is_dir())
        .filter(|top| inside(site, &site.join(top)).is_some())
        .collect();
    let wanted = normalise(&name).replace('.', "_");
    let Some(package) = packages
        .iter()
        .find(|top| normalise(top) == wanted)
        .or_else(|| packages.iter().find(|top| !top.starts_with('_')))
        .or_else(|| packages.first())
    else {
        tracing::debug!(distribution = %name, "no package directory (a single module?): skipped");
        return None;
    };
    Some(Library {
        root: site.join(package),
        name,
        version,
        ecosystem: Ecosystem::Python,
    })
}

/// A distribution's importable top-level names, in order, without duplicates: `top_level.txt`
/// when present, else the first component of every path in `RECORD`.
fn top_level_names(dist_info: &Path) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        let name = name.trim();
        let skipped = name.is_empty()
            || name.ends_with(".dist-info")
            || matches!(name, "__pycache__" | ".." | "." | "bin");
        if !skipped && !names.iter().any(|known| known == name) {
            names.push(name.to_owned());
        }
    };
    if let Ok(top_level) = fs::read_to_string(dist_info.join("top_level.txt")) {
        top_level.lines().for_each(&mut add);
    } else if let Ok(record) = fs::read_to_string(dist_info.join("RECORD")) {
        for line in record.lines() {
            // CSV: the path is the first field, quoted when it holds a comma.
            let path = match line.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next().unwrap_or_default(),
                None => line.split(',').next().unwrap_or_default(),
            };
            add(path.split(['/', '\\']).next().unwrap_or_default());
        }
    }
    names
}

/// The packages of `root/node_modules`, scoped (`@scope/name`) or not. Hidden directories
/// (`.bin`, `.cache`, pnpm's `.pnpm` store) and nested `node_modules` are not looked into. A
/// package that is a link out of `node_modules` (an npm or pnpm workspace member, `npm link`,
/// a `file:` dependency) is the workspace's own code, not a dependency: it is left out, so the
/// librarian never reads the workspace around its excludes.
fn node_libraries(root: &Path) -> Vec<Library> {
    let modules = root.join("node_modules");
    let mut libraries = Vec::new();
    for dir in entries(&modules) {
        let name = file_name(&dir);
        if name.starts_with('.') {
            continue;
        }
        if name.starts_with('@') {
            let scoped = entries(&dir)
                .into_iter()
                .filter(|package| !file_name(package).starts_with('.'))
                .filter(|package| inside(&modules, package).is_some())
                .filter_map(|package| node_library(&package));
            libraries.extend(scoped);
        } else if inside(&modules, &dir).is_some() {
            libraries.extend(node_library(&dir));
        }
    }
    libraries
}

/// Whether `name` is one plain path component: not empty, no separator, not `.` or `..`.
fn plain_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['/', '\\', ':']) && name != "." && name != ".."
}

/// `dir`'s canonical path when it is strictly inside `base` once both are canonical (a
/// symlink out of `base` is not inside it).
fn inside(base: &Path, dir: &Path) -> Option<PathBuf> {
    let base = base.canonicalize().ok()?;
    let dir = dir.canonicalize().ok()?;
    (dir != base && dir.starts_with(&base)).then_some(dir)
}

#[derive(Deserialize)]
struct PackageJson {
    name: Option<String>,
    version: Option<String>,
}

/// The library of one package directory, from its `package.json` (`name`, `version`).
fn node_library(dir: &Path) -> Option<Library> {
    let manifest = dir.join("package.json");
    let text = fs::read_to_string(&manifest).ok()?;
    let package: PackageJson = match serde_json::from_str(&text) {
        Ok(package) => package,
        Err(err) => {
            tracing::debug!(path = %manifest.display(), %err, "package.json not understood");
            return None;
        }
    };
    Some(Library {
        name: package.name?,
        version: package.version?,
        ecosystem: Ecosystem::Node,
        root: dir.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    const LOCK: &str = r#"version = 4
[[package]]
name = "mine"
version = "0.1.0"
[[package]]
name = "serde"
version = "1.0.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "serde_json"
version = "1.0.9"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "toml"
version = "1.2.2+spec-1.1.0"
source = "sparse+https://index.crates.io/"
[[package]]
name = "forked"
version = "0.1.0"
source = "git+https://example.com/forked#0123456789"
"#;

    const RECORD: &str = "python_dateutil-2.9.0.dist-info/RECORD,,\n__pycache__/x.pyc,,\n\
        ../../bin/tool,,\n\"dateutil/a,b.py\",sha256=x,1\ndateutil/parser.py,sha256=x,2\n";

    /// A workspace `ws` with a Cargo.lock, a `.venv` and `node_modules`, and a CARGO_HOME beside.
    fn fixture() -> (tempfile::TempDir, PathBuf, Places) {
        let temp = tempfile::tempdir().unwrap();
        let files = [
            ("ws/Cargo.lock", LOCK),
            ("$CRATES/serde-1.0.1/src/lib.rs", "//! serde"),
            // In an older index directory only: still found.
            (
                "cargo/registry/src/github.com-1111/toml-1.2.2+spec-1.1.0/src/lib.rs",
                "",
            ),
            // Unpacked but not in the lockfile: no dependency.
            ("$CRATES/rand-0.9.0/src/lib.rs", ""),
            // A git package unpacked as if from a registry: skipped all the same.
            ("$CRATES/forked-0.1.0/src/lib.rs", ""),
            // METADATA (its headers only) and top_level.txt.
            (
                "$SITE/PyYAML-6.0.1.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\n\nName: no header\n",
            ),
            (
                "$SITE/PyYAML-6.0.1.dist-info/top_level.txt",
                "_yaml\nyaml\n",
            ),
            ("$SITE/yaml/__init__.py", ""),
            ("$SITE/_yaml/__init__.py", ""),
            // Neither METADATA nor top_level.txt: the directory's name and RECORD.
            ("$SITE/python_dateutil-2.9.0.dist-info/RECORD", RECORD),
            ("$SITE/dateutil/parser.py", "def parse(): pass"),
            // A single module: skipped.
            (
                "$SITE/six-1.16.0.dist-info/METADATA",
                "Name: six\nVersion: 1.16.0",
            ),
            ("$SITE/six-1.16.0.dist-info/top_level.txt", "six\n"),
            ("$SITE/six.py", ""),
            (
                "ws/node_modules/lodash/package.json",
                r#"{"name":"lodash","version":"4.17.21"}"#,
            ),
            ("ws/node_modules/lodash/lodash.js", ""),
            (
                "ws/node_modules/@types/node/package.json",
                r#"{"name":"@types/node","version":"22.0.0"}"#,
            ),
            ("ws/node_modules/@types/node/index.d.ts", ""),
            (
                "ws/node_modules/.cache/package.json",
                r#"{"name":"x","version":"1.0.0"}"#,
            ),
            ("ws/node_modules/broken/package.json", "{"),
            // The same label as a crate: the crate stays.
            (
                "ws/node_modules/serde/package.json",
                r#"{"name":"serde","version":"1.0.1"}"#,
            ),
        ];
        for (path, text) in files {
            let path = path.replace("$CRATES", "cargo/registry/src/index.crates.io-0000");
            let path = path.replace("$SITE", "ws/.venv/lib/python3.12/site-packages");
            write(&temp.path().join(path), text);
        }
        let (ws, cargo_home) = (temp.path().join("ws"), temp.path().join("cargo"));
        let places = Places {
            cargo_home: Some(cargo_home),
            // The same environment again: found once.
            virtual_env: Some(ws.join(".venv")),
        };
        (temp, ws, places)
    }

    fn labels(libraries: &[Library]) -> Vec<(String, Ecosystem)> {
        libraries
            .iter()
            .map(|library| (library.label(), library.ecosystem))
            .collect()
    }

    #[test]
    fn finds_the_dependencies_of_every_ecosystem_sorted() {
        let (_temp, ws, places) = fixture();
        let libraries = dependencies(&ws, &places);
        let expected = [
            ("@types/node@22.0.0", Ecosystem::Node),
            ("PyYAML@6.0.1", Ecosystem::Python),
            ("lodash@4.17.21", Ecosystem::Node),
            ("python_dateutil@2.9.0", Ecosystem::Python),
            ("serde@1.0.1", Ecosystem::Cargo),
            ("toml@1.2.2+spec-1.1.0", Ecosystem::Cargo),
        ];
        let expected: Vec<_> = expected.iter().map(|(l, e)| (l.to_string(), *e)).collect();
        assert_eq!(labels(&libraries), expected);
        assert_eq!(
            serde_json::to_string(&Ecosystem::Python).unwrap(),
            r#""python""#
        );
        let root_of = |label: &str| {
            let library = libraries.iter().find(|l| l.label() == label).unwrap();
            library
                .root
                .strip_prefix(ws.canonicalize().unwrap())
                .map(Path::to_path_buf)
        };
        assert_eq!(
            root_of("PyYAML@6.0.1").unwrap(),
            Path::new(".venv/lib/python3.12/site-packages/yaml")
        );
        assert!(
            root_of("python_dateutil@2.9.0")
                .unwrap()
                .ends_with("site-packages/dateutil")
        );
        assert_eq!(
            root_of("@types/node@22.0.0").unwrap(),
            Path::new("node_modules/@types/node")
        );
        assert!(
            root_of("toml@1.2.2+spec-1.1.0").is_err(),
            "in CARGO_HOME, not the workspace"
        );
    }

    #[test]
    fn nothing_to_read_gives_nothing() {
        let temp = tempfile::tempdir().unwrap();
        let places = Places {
            cargo_home: Some(temp.path().join("missing")),
            virtual_env: Some(temp.path().join("missing-venv")),
        };
        assert!(dependencies(temp.path(), &places).is_empty());
        write(&temp.path().join("Cargo.lock"), "this is [not toml");
        assert!(dependencies(temp.path(), &places).is_empty());
    }

    #[test]
    fn resolve_and_label_of_round_trip() {
        let (_temp, ws, places) = fixture();
        let libraries = dependencies(&ws, &places);
        for label in [
            "serde@1.0.1/src/lib.rs",
            "toml@1.2.2+spec-1.1.0/src/lib.rs",
            "PyYAML@6.0.1/__init__.py",
            "python_dateutil@2.9.0/parser.py",
            "@types/node@22.0.0/index.d.ts",
        ] {
            let path = resolve(&libraries, label).unwrap_or_else(|| panic!("{label}"));
            assert!(path.is_absolute() && path.is_file(), "{label}");
            assert_eq!(label_of(&libraries, &path).as_deref(), Some(label));
        }
        let src = resolve_dir(&libraries, "serde@1.0.1/src/").unwrap();
        assert_eq!(
            label_of(&libraries, &src).as_deref(),
            Some("serde@1.0.1/src")
        );
        let root = resolve_dir(&libraries, "serde@1.0.1").unwrap();
        assert_eq!(label_of(&libraries, &root).as_deref(), Some("serde@1.0.1"));
        // Files are not directories and the other way round.
        assert_eq!(resolve(&libraries, "serde@1.0.1/src"), None);
        assert_eq!(resolve(&libraries, "serde@1.0.1"), None);
        assert_eq!(resolve_dir(&libraries, "serde@1.0.1/src/lib.rs"), None);
        assert_eq!(label_of(&libraries, &ws.join("Cargo.lock")), None);
        let escaping = src.join("../../rand-0.9.0/src/lib.rs");
        assert!(escaping.is_file());
        assert_eq!(label_of(&libraries, &escaping), None);
    }

    #[test]
    fn resolve_refuses_what_leaves_a_library() {
        let (_temp, ws, places) = fixture();
        let libraries = dependencies(&ws, &places);
        for label in [
            "serde@1.0.1/../rand-0.9.0/src/lib.rs",
            "serde@1.0.1/src/../../rand-0.9.0/src/lib.rs",
            // Inside all the same, but `..` is refused before any file is looked at.
            "serde@1.0.1/src/../src/lib.rs",
            "serde@1.0.1//etc/passwd",
            // Absolute: refused even though `src/lib.rs` is in the library.
            "serde@1.0.1//src/lib.rs",
            "serde@1.0.1/src/missing.rs",
            "/etc/passwd",
            "rand@0.9.0/src/lib.rs",
            "serde@1.0.2/src/lib.rs",
            "serde@1.0.1src/lib.rs",
            "six@1.16.0/six.py",
        ] {
            assert_eq!(resolve(&libraries, label), None, "{label}");
        }
        assert_eq!(resolve_dir(&libraries, "serde@1.0.1/.."), None);
        // A hand-made library whose root is not there.
        let gone = [Library {
            name: "gone".into(),
            version: "1.0.0".into(),
            ecosystem: Ecosystem::Cargo,
            root: ws.join("gone"),
        }];
        assert_eq!(resolve_dir(&gone, "gone@1.0.0"), None);
    }

    #[cfg(unix)]
    #[test]
    fn resolve_refuses_a_symlink_out_of_the_root() {
        let (temp, ws, places) = fixture();
        write(&temp.path().join("secret.txt"), "secret");
        let lodash = ws.join("node_modules/lodash");
        std::os::unix::fs::symlink(temp.path().join("secret.txt"), lodash.join("leak.js")).unwrap();
        std::os::unix::fs::symlink(temp.path(), lodash.join("up")).unwrap();
        // A symlink that stays inside is fine.
        std::os::unix::fs::symlink(lodash.join("lodash.js"), lodash.join("alias.js")).unwrap();
        let libraries = dependencies(&ws, &places);
        assert_eq!(resolve(&libraries, "lodash@4.17.21/leak.js"), None);
        assert_eq!(resolve(&libraries, "lodash@4.17.21/up/secret.txt"), None);
        assert_eq!(resolve_dir(&libraries, "lodash@4.17.21/up"), None);
        let alias = resolve(&libraries, "lodash@4.17.21/alias.js").unwrap();
        assert_eq!(alias, lodash.join("lodash.js").canonicalize().unwrap());
    }

    #[test]
    fn find_by_name_or_label() {
        let (_temp, ws, places) = fixture();
        let libraries = dependencies(&ws, &places);
        let found = |name: &str| -> Vec<String> {
            find(&libraries, name).iter().map(|l| l.label()).collect()
        };
        assert_eq!(found("pyyaml"), ["PyYAML@6.0.1"]);
        assert_eq!(found("Python-Dateutil"), ["python_dateutil@2.9.0"]);
        assert_eq!(found("@types/node@22.0.0"), ["@types/node@22.0.0"]);
        assert_eq!(found("serde@1.0.1"), ["serde@1.0.1"]);
        assert!(found("serde@1.0.2").is_empty());
        assert!(found("serde_json").is_empty(), "not unpacked");
        assert!(found("ser").is_empty());
    }
}
