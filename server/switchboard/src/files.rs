//! The workspace's files on disk, as the server and `switchboard run` both read and write them:
//! what a path holds ([`read`]: text, nothing, or something never to be edited, with why), and
//! a reply's changes written all or nothing ([`write_all`]).
//!
//! All or nothing: every file is staged first (its parent directories made, its new text in a
//! temporary file beside it, its current content checked against what the change was computed
//! from); only when every file is staged are they renamed into place. A failure while staging
//! removes what was staged and leaves every file as it was.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use tasks::reply::{FileChange, FileRead};

/// What `root/relative` holds, for a reply that names it. Never reads outside `root` (a path
/// with `..`, an absolute path, or a symbolic link that leads out), nor an excluded file.
pub fn read(root: &Path, relative: &str, exclude: &[String]) -> FileRead {
    if tasks::context::excluded(relative, exclude) {
        return FileRead::NotEditable(
            "is excluded by [privacy] exclude, so switchboard neither reads nor edits it"
                .to_string(),
        );
    }
    let path = match inside(root, relative) {
        Ok(path) => path,
        Err(why) => return FileRead::NotEditable(why),
    };
    match fs::metadata(&path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return FileRead::Missing,
        Err(err) => return FileRead::NotEditable(format!("cannot be read ({err})")),
        Ok(meta) if meta.is_dir() => return FileRead::Directory,
        Ok(meta) if !meta.is_file() => {
            return FileRead::NotEditable("is not a regular file".to_string());
        }
        Ok(_) => {}
    }
    match fs::read(&path) {
        Ok(bytes) => FileRead::from_bytes(bytes),
        Err(err) => FileRead::NotEditable(format!("cannot be read ({err})")),
    }
}

/// `root/relative` when it stays inside `root`, through any symbolic links of the directories
/// that exist on the way; the reason otherwise, worded to follow "the file ".
fn inside(root: &Path, relative: &str) -> Result<PathBuf, String> {
    let rel = Path::new(relative);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err("lies outside the workspace".to_string());
    }
    let path = root.join(rel);
    let real_root = fs::canonicalize(root).map_err(|err| format!("cannot be reached ({err})"))?;
    // The deepest part of the path that exists decides where it really leads.
    let mut existing = path.as_path();
    while fs::symlink_metadata(existing).is_err() {
        existing = existing
            .parent()
            .ok_or_else(|| "lies outside the workspace".to_string())?;
    }
    let real = fs::canonicalize(existing).map_err(|err| format!("cannot be reached ({err})"))?;
    if !real.starts_with(&real_root) {
        return Err("lies outside the workspace (through a symbolic link)".to_string());
    }
    Ok(path)
}

/// Why a reply's changes were not written. Nothing was: every file is as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {why}; nothing was written")]
pub struct WriteError {
    /// The workspace-relative path that could not be written.
    pub path: String,
    /// What stopped it.
    pub why: String,
}

/// One file ready to be renamed into place.
struct Staged {
    temp: tempfile::NamedTempFile,
    path: PathBuf,
}

/// Writes every change under `root`, or none. Returns the paths written.
///
/// # Errors
/// The first change that cannot be written (outside the workspace, excluded, changed on disk
/// since the reply was computed, a directory that cannot be made, a full disk), with nothing
/// written.
pub fn write_all(
    root: &Path,
    changes: &[FileChange],
    exclude: &[String],
) -> Result<Vec<PathBuf>, WriteError> {
    let mut made_dirs: Vec<PathBuf> = Vec::new();
    let staged = stage(root, changes, exclude, &mut made_dirs);
    let staged = match staged {
        Ok(staged) => staged,
        Err(err) => {
            // Directories made for this reply go again, deepest first (only if still empty).
            for dir in made_dirs.iter().rev() {
                let _ = fs::remove_dir(dir);
            }
            return Err(err);
        }
    };
    let mut written = Vec::new();
    for (staged, change) in staged.into_iter().zip(changes) {
        // A rename within one directory replaces the file in one step; a new file never
        // replaces one that appeared since it was staged.
        let persisted = if change.created {
            staged.temp.persist_noclobber(&staged.path)
        } else {
            staged.temp.persist(&staged.path)
        };
        persisted.map_err(|err| WriteError {
            path: change.path.clone(),
            why: format!(
                "cannot be renamed into place ({}); {} of the {} files were written before it",
                err.error,
                written.len(),
                changes.len()
            ),
        })?;
        written.push(staged.path);
    }
    Ok(written)
}

fn stage(
    root: &Path,
    changes: &[FileChange],
    exclude: &[String],
    made_dirs: &mut Vec<PathBuf>,
) -> Result<Vec<Staged>, WriteError> {
    let mut staged = Vec::new();
    for change in changes {
        let fail = |why: String| WriteError {
            path: change.path.clone(),
            why,
        };
        let now = read(root, &change.path, exclude);
        match (&now, change.created) {
            (FileRead::Missing, true) => {}
            (FileRead::Text(text), false) if *text == change.before => {}
            (FileRead::NotEditable(why), _) => return Err(fail(format!("the file {why}"))),
            (FileRead::Directory, _) => return Err(fail("is a directory".to_string())),
            (FileRead::Missing, false) => {
                return Err(fail("was deleted since the model read it".to_string()));
            }
            (_, true) => return Err(fail("was created since the model read it".to_string())),
            (FileRead::Text(_), false) => {
                return Err(fail("changed since the model read it".to_string()));
            }
        }
        // A symbolic link inside the workspace is edited through: its target gets the text,
        // and the link stays a link.
        let path = root.join(&change.path);
        let path = if change.created {
            path
        } else {
            fs::canonicalize(&path).unwrap_or(path)
        };
        let parent = path
            .parent()
            .ok_or_else(|| fail("has no parent directory".to_string()))?
            .to_path_buf();
        make_dirs(&parent, made_dirs).map_err(|err| {
            fail(format!(
                "its directory {} cannot be made ({err})",
                parent.display()
            ))
        })?;
        // Named so that one left by a killed process is recognisable.
        let mut temp = tempfile::Builder::new()
            .prefix(".switchboard-")
            .tempfile_in(&parent)
            .map_err(|err| fail(format!("cannot be staged ({err})")))?;
        temp.write_all(change.after.as_bytes())
            .and_then(|()| temp.as_file().sync_all())
            .map_err(|err| fail(format!("cannot be staged ({err})")))?;
        // The new text keeps the old file's permissions (an executable script stays one); a new
        // file gets the usual rw-r--r--, not the temporary file's owner-only mode.
        let permissions = match fs::metadata(&path) {
            Ok(meta) => meta.permissions(),
            Err(_) => std::os::unix::fs::PermissionsExt::from_mode(0o644),
        };
        let _ = fs::set_permissions(temp.path(), permissions);
        staged.push(Staged { temp, path });
    }
    Ok(staged)
}

/// Makes `dir` and its missing parents, noting each one made.
fn make_dirs(dir: &Path, made: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        make_dirs(parent, made)?;
    }
    fs::create_dir(dir)?;
    made.push(dir.to_path_buf());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(path: &str, before: &str, after: &str, created: bool) -> FileChange {
        FileChange {
            created,
            ..FileChange::edit(path.to_string(), before.to_string(), after.to_string())
        }
    }

    #[test]
    fn reads_text_nothing_and_what_must_not_be_edited() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let root = dir.path();
        fs::write(root.join("a.py"), "x = 1\n").expect("writable");
        fs::write(root.join("latin.py"), b"caf\xe9\n").expect("writable");
        fs::create_dir(root.join("pkg")).expect("writable");
        let exclude = vec![".env".to_string()];
        fs::write(root.join(".env"), "K=v\n").expect("writable");
        assert_eq!(
            read(root, "a.py", &exclude),
            FileRead::Text("x = 1\n".into())
        );
        assert_eq!(read(root, "gone.py", &exclude), FileRead::Missing);
        assert_eq!(read(root, "new/dir/x.py", &exclude), FileRead::Missing);
        assert_eq!(read(root, "pkg", &exclude), FileRead::Directory);
        for (path, why) in [
            ("latin.py", "not UTF-8"),
            (".env", "excluded"),
            ("../a.py", "outside the workspace"),
        ] {
            let got = read(root, path, &exclude);
            assert!(
                matches!(&got, FileRead::NotEditable(w) if w.contains(why)),
                "{path}: {got:?}"
            );
        }
        let elsewhere = tempfile::tempdir().expect("a temp dir");
        std::os::unix::fs::symlink(elsewhere.path(), root.join("link")).expect("a symlink");
        assert!(matches!(
            read(root, "link/new.py", &exclude),
            FileRead::NotEditable(w) if w.contains("symbolic link")
        ));
    }

    #[test]
    fn a_link_inside_the_workspace_is_edited_through() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let root = dir.path();
        fs::write(root.join("real.py"), "x = 1\n").expect("writable");
        std::os::unix::fs::symlink(root.join("real.py"), root.join("link.py")).expect("a link");
        let change = change("link.py", "x = 1\n", "x = 2\n", false);
        write_all(root, &[change], &[]).expect("written");
        assert_eq!(
            fs::read_to_string(root.join("real.py")).expect("real"),
            "x = 2\n"
        );
        assert!(
            fs::symlink_metadata(root.join("link.py"))
                .expect("link")
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn writes_all_or_nothing() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let root = dir.path();
        fs::write(root.join("a.py"), "x = 1\n").expect("writable");
        let good = change("a.py", "x = 1\n", "x = 2\n", false);
        let new = change("pkg/sub/new.py", "", "y = 1\n", true);
        // The second file changed on disk since: nothing is written, no directory is left.
        fs::write(root.join("b.py"), "b = 2\n").expect("writable");
        let stale = change("b.py", "b = 1\n", "b = 3\n", false);
        let err = write_all(root, &[good.clone(), new.clone(), stale], &[]).unwrap_err();
        assert_eq!(err.path, "b.py");
        assert_eq!(
            err.to_string(),
            "b.py: changed since the model read it; nothing was written"
        );
        assert_eq!(
            fs::read_to_string(root.join("a.py")).expect("a.py"),
            "x = 1\n"
        );
        assert!(
            !root.join("pkg").exists(),
            "the directories made were removed"
        );
        let leftovers: Vec<_> = fs::read_dir(root).expect("listable").collect();
        assert_eq!(
            leftovers.len(),
            2,
            "no temporary file is left: {leftovers:?}"
        );

        let written = write_all(root, &[good, new], &[]).expect("written");
        assert_eq!(written.len(), 2);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &fs::metadata(root.join("pkg/sub/new.py"))
                .expect("written")
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o644);
        assert_eq!(
            fs::read_to_string(root.join("a.py")).expect("a.py"),
            "x = 2\n"
        );
        assert_eq!(
            fs::read_to_string(root.join("pkg/sub/new.py")).expect("new.py"),
            "y = 1\n"
        );
    }
}
