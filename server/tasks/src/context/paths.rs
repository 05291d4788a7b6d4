//! Which files a model may see and what each is called: the privacy `exclude` globs (with the
//! defaults that always apply), and the one label a file goes by in packets, citations and
//! edits, across every workspace folder.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// Paths never sent to a model, whatever the config says: environment files, keys and
/// anything under a `secrets` directory.
pub const DEFAULT_EXCLUDES: [&str; 6] = [
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "id_rsa*",
    "**/secrets/**",
];

/// The privacy globs, compiled: the defaults and the config's `exclude`.
///
/// Globs follow `.gitignore`: a glob without a `/` matches a file or directory name at any
/// depth (`*.pem`, `secrets`), one with a `/` matches from the workspace root (`config/prod.toml`,
/// `**/secrets/**`), and a matched directory excludes everything under it. `*` does not cross
/// a `/`. A glob that does not compile matches nothing and is logged (the config check reports
/// it to the user).
#[derive(Debug, Clone)]
pub(crate) struct Exclusions {
    set: GlobSet,
}

impl Exclusions {
    pub(crate) fn new(globs: &[String]) -> Exclusions {
        let mut builder = GlobSetBuilder::new();
        let all = DEFAULT_EXCLUDES
            .iter()
            .copied()
            .chain(globs.iter().map(String::as_str));
        for glob in all {
            let glob = glob.trim();
            let anchored = glob.strip_prefix('/');
            let body = anchored.unwrap_or(glob).trim_end_matches('/');
            if body.is_empty() {
                continue;
            }
            let pattern = if anchored.is_none() && !body.contains('/') {
                format!("**/{body}")
            } else {
                body.to_owned()
            };
            match GlobBuilder::new(&pattern).literal_separator(true).build() {
                Ok(compiled) => {
                    builder.add(compiled);
                }
                Err(err) => tracing::warn!(glob, %err, "a privacy exclude glob does not compile"),
            }
        }
        let set = builder.build().unwrap_or_else(|err| {
            tracing::warn!(%err, "the privacy exclude globs do not compile together");
            GlobSet::empty()
        });
        Exclusions { set }
    }

    /// Whether a workspace-relative path, or a directory above it, is excluded.
    pub(crate) fn matches(&self, relative: &str) -> bool {
        let path = normalize(relative);
        if path.is_empty() {
            return false;
        }
        let mut prefix = String::with_capacity(path.len());
        for (index, part) in path.split('/').enumerate() {
            if index > 0 {
                prefix.push('/');
            }
            prefix.push_str(part);
            if self.set.is_match(&prefix) {
                return true;
            }
        }
        false
    }
}

/// A path with `/` separators and no leading `./` or `/`.
fn normalize(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut path = path.as_str();
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    path.trim_start_matches('/').to_owned()
}

/// Whether the workspace-relative `path` is excluded by `exclude_globs` or the defaults
/// ([`DEFAULT_EXCLUDES`]): callers refuse to read or send such a file.
pub fn excluded(path: &str, exclude_globs: &[String]) -> bool {
    // Every code-action listing asks, and the globs change only with the config: the last
    // compiled set is kept (compiling it was 15% of a listing).
    static LAST: Mutex<Option<(Vec<String>, Arc<Exclusions>)>> = Mutex::new(None);
    let exclusions = {
        let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
        match &*last {
            Some((globs, compiled)) if globs.as_slice() == exclude_globs => compiled.clone(),
            _ => {
                let compiled = Arc::new(Exclusions::new(exclude_globs));
                *last = Some((exclude_globs.to_vec(), compiled.clone()));
                compiled
            }
        }
    };
    exclusions.matches(path)
}

/// How one root's files are labelled: the label every packet, citation and edit uses for a file.
///
/// With one workspace folder a file is called by its path in the folder (`src/lib.rs`); with
/// several, by the folder's name and that path (`api/src/lib.rs`), so that two folders' files
/// never share a name and a label says which folder it is in.
pub fn path_label(roots: &[PathBuf], absolute: &Path) -> Option<String> {
    let root = roots.iter().find(|root| absolute.starts_with(root))?;
    let path = relative(root, absolute)?;
    Some(if roots.len() > 1 {
        format!("{}/{path}", root_name(root))
    } else {
        path
    })
}

/// The workspace folder and the path in it that `label` names (see [`path_label`]). A label
/// in a workspace of several folders that does not start with a folder's name is taken as a
/// path in `default_root` (a model that names a file of the selection's own folder without its
/// folder's name). `None` for a label that leaves its folder.
pub fn resolve_label(
    roots: &[PathBuf],
    default_root: Option<&Path>,
    label: &str,
) -> Option<(PathBuf, String)> {
    let label = normalize(label);
    if label.split('/').any(|part| part == "..") {
        return None;
    }
    if roots.len() > 1
        && let Some((first, rest)) = label.split_once('/')
        && let Some(root) = roots.iter().find(|root| root_name(root) == first)
    {
        return Some((root.clone(), rest.to_owned()));
    }
    let root = default_root
        .map(Path::to_path_buf)
        .or_else(|| roots.first().cloned())?;
    Some((root, label))
}

fn root_name(root: &Path) -> String {
    root.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `path` relative to `root` with `/` separators; `None` when it is not under the root (or is
/// the root itself).
pub(crate) fn relative(root: &Path, path: &Path) -> Option<String> {
    let rest = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rest
        .components()
        .filter_map(|component| match component {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_follow_gitignore_and_the_defaults_always_apply() {
        let user = vec![
            "config/prod.toml".to_owned(),
            "build/".to_owned(),
            "*.secret.json".to_owned(),
        ];
        let cases = [
            (".env", true),
            ("app/.env", true),
            (".env.local", true),
            ("certs/server.pem", true),
            ("server.key", true),
            ("home/id_rsa.pub", true),
            ("secrets/db.txt", true),
            ("deploy/secrets/nested/a.rs", true),
            ("config/prod.toml", true),
            ("other/config/prod.toml", false),
            ("build/out/main.rs", true),
            ("a/b.secret.json", true),
            ("./src/.env", true),
            ("src\\secrets\\x.py", true),
            ("src/main.rs", false),
            ("src/environment.rs", false),
            ("src/keyboard.rs", false),
            ("src/secretsauce.rs", false),
        ];
        for (path, expected) in cases {
            assert_eq!(excluded(path, &user), expected, "{path}");
        }
        assert!(!excluded("config/prod.toml", &[]));
    }
}
