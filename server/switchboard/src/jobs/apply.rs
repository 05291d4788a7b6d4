//! A model's file changes as one `WorkspaceEdit`: minimal `TextEdit`s (a diff of old and new
//! text), moved over whatever the user typed since the request (the text crate's mapping), or
//! refused when that typing overlaps them (DESIGN invariant 5: no stale edit). Files that are
//! not open are edited from their content on disk; nothing outside the workspace folders is
//! ever edited, nor a file that is not UTF-8 text. A new file is a `CreateFile` before its edit
//! where the client offers resource operations; where it does not, nothing is applied and the
//! user is told why (one edit, all or nothing: never the edits without the file they need).

use std::collections::HashMap;
use std::path::PathBuf;

use tasks::reply::FileChange;
use tasks::reply::FileRead;
use text::{PositionEncoding, Rope};
use tower_lsp_server::ls_types::{
    AnnotatedTextEdit, ChangeAnnotation, CreateFile, CreateFileOptions, DocumentChangeOperation,
    DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier, ResourceOp, TextDocumentEdit,
    TextEdit, Uri, WorkspaceEdit,
};

use super::relative_to_roots;
use crate::session::Session;
use crate::to_proto;

/// The document the request was about, as it was when the job read it.
pub struct Origin<'a> {
    pub uri: &'a Uri,
    /// Its workspace-relative path (as the reply names it).
    pub path: &'a str,
    pub opening: u64,
    pub revision: u64,
}

/// One file's edits, ready for the client.
struct FileEdits {
    uri: Uri,
    version: Option<i32>,
    edits: Vec<TextEdit>,
    /// The file does not exist yet: a `CreateFile` goes before its edit.
    create: bool,
}

/// Builds the edit for `changes`, or says why nothing may be applied (the user's typing
/// overlaps, a file changed on disk, a path outside the workspace).
///
/// # Errors
/// The reason, for a `window/showMessage`.
pub fn workspace_edit(
    session: &Session,
    origin: &Origin<'_>,
    changes: &[FileChange],
    label: &str,
) -> Result<WorkspaceEdit, String> {
    let roots = session.sources().workspace_roots;
    let encoding = session.encoding();
    let support = session.client_support();
    // An editor that cannot create files would refuse the whole edit, or apply it without
    // the new file: neither may happen silently.
    let new_files: Vec<&str> = changes
        .iter()
        .filter(|c| c.created)
        .map(|c| c.path.as_str())
        .collect();
    let can_create = support.document_changes && support.create_files;
    if !new_files.is_empty() && !can_create {
        return Err(format!(
            "the reply creates {}, but this editor does not let a language server create files \
             (it offers no `create` in workspace.workspaceEdit.resourceOperations); nothing was \
             applied. To apply it, run `switchboard run implement {}:LINES --apply` in a \
             terminal",
            new_files.join(", "),
            origin.path
        ));
    }
    let mut files = Vec::new();
    for change in changes {
        files.push(if change.path == origin.path {
            edits_for_origin(session, origin, change, encoding)?
        } else {
            edits_for_other(session, &roots, origin, change, encoding)?
        });
    }
    Ok(to_workspace_edit(session, files, label))
}

/// Edits of the request's own document, moved over the user's typing since.
fn edits_for_origin(
    session: &Session,
    origin: &Origin<'_>,
    change: &FileChange,
    encoding: PositionEncoding,
) -> Result<FileEdits, String> {
    let (typed, now) = session
        .documents
        .edits_since(origin.uri, origin.opening, origin.revision)
        .ok_or_else(|| {
            format!(
                "{} was closed or changed too much while the model worked; nothing was applied, run it again",
                origin.path
            )
        })?;
    let rope_then = Rope::from_str(&change.before);
    let mut edits = Vec::new();
    for edit in text::minimal_edits(&change.before, &change.after) {
        let moved = text::map_range(&typed, edit.range.clone()).map_err(|_| {
            let line = rope_then.char_to_line(edit.range.start.min(rope_then.len_chars())) + 1;
            format!(
                "you edited {} near line {line} while the model worked on it; nothing was applied, so your typing stays as it is. Run the action again",
                origin.path
            )
        })?;
        edits.push(TextEdit {
            range: to_proto::range(text::chars_to_range(&now.rope, moved, encoding)),
            new_text: edit.new_text,
        });
    }
    Ok(FileEdits {
        uri: origin.uri.clone(),
        version: Some(now.version),
        edits,
        create: false,
    })
}

/// Edits of another file: open (it must not have changed since the job read it) or on disk.
fn edits_for_other(
    session: &Session,
    roots: &[PathBuf],
    origin: &Origin<'_>,
    change: &FileChange,
    encoding: PositionEncoding,
) -> Result<FileEdits, String> {
    let root = origin
        .uri
        .to_file_path()
        .and_then(|p| relative_to_roots(roots, &p).map(|(root, _)| root))
        .or_else(|| roots.first().cloned())
        .ok_or_else(|| {
            format!(
                "the reply edits {}, but no workspace folder is open; nothing was applied",
                change.path
            )
        })?;
    let located = super::locate(roots, Some(&root), &change.path);
    let Some((path, root, _)) = located.filter(|(path, _, _)| {
        !change.path.split('/').any(|part| part == "..") && relative_to_roots(roots, path).is_some()
    }) else {
        return Err(format!(
            "the reply edits {}, which is outside the workspace folders; nothing was applied",
            change.path
        ));
    };
    let uri = Uri::from_file_path(&path)
        .ok_or_else(|| format!("{} is not a file path; nothing was applied", path.display()))?;
    let open = session.documents.snapshot(&uri);
    let version = open.as_ref().map(|open| open.version);
    let now = match open {
        Some(open) => FileRead::Text(open.rope.to_string()),
        None => super::run::read_workspace_file(session, Some(&root), &change.path),
    };
    match (&now, change.created) {
        (FileRead::Missing, true) => {}
        (FileRead::Text(text), false) if *text == change.before => {}
        (FileRead::Directory, _) => {
            return Err(format!(
                "the reply edits {}, which is a directory; nothing was applied",
                change.path
            ));
        }
        (FileRead::NotEditable(why), _) => {
            return Err(format!(
                "the reply edits {}, but the file {why}; nothing was applied",
                change.path
            ));
        }
        _ => {
            return Err(format!(
                "{} changed while the model worked on it; nothing was applied, run the action again",
                change.path
            ));
        }
    }
    let rope = Rope::from_str(&change.before);
    let edits = text::minimal_edits(&change.before, &change.after)
        .into_iter()
        .map(|edit| TextEdit {
            range: to_proto::range(text::chars_to_range(&rope, edit.range, encoding)),
            new_text: edit.new_text,
        })
        .collect();
    Ok(FileEdits {
        uri,
        version,
        edits,
        create: change.created,
    })
}

/// The `WorkspaceEdit` in the shape the client supports: `documentChanges` with versions and a
/// change annotation where it can, plain `changes` otherwise.
fn to_workspace_edit(session: &Session, files: Vec<FileEdits>, label: &str) -> WorkspaceEdit {
    let support = session.client_support();
    if !support.document_changes {
        let changes: HashMap<Uri, Vec<TextEdit>> =
            files.into_iter().map(|f| (f.uri, f.edits)).collect();
        return WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        };
    }
    let annotated = support.change_annotations;
    let annotation_id = "switchboard".to_string();
    let creates = files.iter().any(|f| f.create);
    let mut operations = Vec::new();
    for f in files {
        if f.create {
            // Neither overwrite nor ignore: a file that appeared meanwhile fails the edit.
            operations.push(DocumentChangeOperation::Op(ResourceOp::Create(
                CreateFile {
                    uri: f.uri.clone(),
                    options: Some(CreateFileOptions {
                        overwrite: Some(false),
                        ignore_if_exists: Some(false),
                    }),
                    annotation_id: annotated.then(|| annotation_id.clone()),
                },
            )));
        }
        operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: f.uri,
                version: f.version,
            },
            edits: f
                .edits
                .into_iter()
                .map(|text_edit| {
                    if annotated {
                        OneOf::Right(AnnotatedTextEdit {
                            text_edit,
                            annotation_id: annotation_id.clone(),
                        })
                    } else {
                        OneOf::Left(text_edit)
                    }
                })
                .collect(),
        }));
    }
    let document_changes = if creates {
        DocumentChanges::Operations(operations)
    } else {
        DocumentChanges::Edits(
            operations
                .into_iter()
                .filter_map(|op| match op {
                    DocumentChangeOperation::Edit(edit) => Some(edit),
                    DocumentChangeOperation::Op(_) => None,
                })
                .collect(),
        )
    };
    let confirm = session
        .caller()
        .is_some_and(|caller| caller.config().edits.confirm);
    WorkspaceEdit {
        changes: None,
        document_changes: Some(document_changes),
        change_annotations: annotated.then(|| {
            HashMap::from([(
                annotation_id,
                ChangeAnnotation {
                    label: label.to_string(),
                    needs_confirmation: Some(confirm),
                    description: Some("an edit written by a model through switchboard".to_string()),
                },
            )])
        }),
    }
}
