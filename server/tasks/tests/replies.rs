//! The reply corpus: realistic model replies run through `tasks::reply`, each with the exact text
//! it must produce or the exact refusal it must meet (a wrong edit is the one outcome that may
//! never happen); then the findings and citations of review and explain replies.

// A test target's root resolves modules beside itself, so the corpus files under `replies/`
// are named by path.
#[path = "replies/citations.rs"]
mod citations;
#[path = "replies/corpus_blocks.rs"]
mod corpus_blocks;
#[path = "replies/corpus_files.rs"]
mod corpus_files;
#[path = "replies/corpus_whole.rs"]
mod corpus_whole;
#[path = "replies/findings.rs"]
mod findings;

use std::ops::Range;

use tasks::reply::{EditInput, FileChange, FileRead, ReplyError, apply_reply, syntax_problem};

/// One reply of the corpus.
pub struct Case {
    pub name: &'static str,
    /// The selection's file, workspace-relative.
    pub path: &'static str,
    /// The selection's file, with the selection between `⟦` and `⟧`.
    pub file: String,
    pub reply: String,
    /// Other paths of the workspace, read through `read_other` (any other path is missing).
    pub others: Vec<(&'static str, FileRead)>,
    pub expect: Expect,
}

impl Case {
    pub fn new(
        name: &'static str,
        path: &'static str,
        file: &str,
        reply: &str,
        expect: Expect,
    ) -> Case {
        Case {
            name,
            path,
            file: file.to_string(),
            reply: reply.to_string(),
            others: Vec::new(),
            expect,
        }
    }

    pub fn with(mut self, path: &'static str, text: &str) -> Case {
        self.others.push((path, FileRead::Text(text.to_string())));
        self
    }

    /// Another file as bytes on disk, classified as the CLI and the server classify them.
    pub fn with_bytes(mut self, path: &'static str, bytes: &[u8]) -> Case {
        self.others
            .push((path, FileRead::from_bytes(bytes.to_vec())));
        self
    }

    /// A directory of the workspace.
    pub fn with_dir(mut self, path: &'static str) -> Case {
        self.others.push((path, FileRead::Directory));
        self
    }

    /// Another path that is there but must not be edited, for a reason of the caller's
    /// (`[privacy] exclude`, a directory).
    pub fn with_not_editable(mut self, path: &'static str, why: &str) -> Case {
        self.others
            .push((path, FileRead::NotEditable(why.to_string())));
        self
    }
}

pub enum Expect {
    /// Every changed file, in order, with its exact new text.
    Edits(Vec<(&'static str, String)>),
    /// The refusal's kind, and text its message must hold (quoted lines, line numbers).
    Refused(Kind, Vec<&'static str>),
}

pub fn edit(path: &'static str, after: &str) -> Expect {
    Expect::Edits(vec![(path, after.to_string())])
}

pub fn refused(kind: Kind, quotes: &[&'static str]) -> Expect {
    Expect::Refused(kind, quotes.to_vec())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NoEdit,
    SeveralFences,
    Truncated,
    Malformed,
    NotFound,
    Ambiguous,
    UnknownFile,
    WrongFile,
    Broken,
}

fn kind_of(error: &ReplyError) -> Option<Kind> {
    Some(match error {
        ReplyError::NoEdit => Kind::NoEdit,
        ReplyError::SeveralFences { .. } => Kind::SeveralFences,
        ReplyError::Truncated { .. } => Kind::Truncated,
        ReplyError::Malformed { .. } => Kind::Malformed,
        ReplyError::NotFound(_) => Kind::NotFound,
        ReplyError::Ambiguous(_) => Kind::Ambiguous,
        ReplyError::UnknownFile(_) => Kind::UnknownFile,
        ReplyError::WrongFile(_) => Kind::WrongFile,
        ReplyError::Broken { .. } => Kind::Broken,
        _ => return None,
    })
}

/// The file without its `⟦ ⟧` markers, and the selection they marked.
pub fn select(marked: &str) -> (String, Range<usize>) {
    let start = marked
        .find('⟦')
        .expect("the case marks where the selection starts");
    let without = marked.replacen('⟦', "", 1);
    let end = without
        .find('⟧')
        .expect("the case marks where the selection ends");
    (without.replacen('⟧', "", 1), start..end)
}

/// `\n` as `\r\n`.
pub fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

pub fn run(case: &Case) -> Result<Vec<FileChange>, ReplyError> {
    let (text, selection) = select(&case.file);
    let input = EditInput {
        path: case.path,
        file_text: &text,
        selection,
    };
    let changes = apply_reply(&case.reply, &input, &|p: &str| case.read(p))?;
    // The check every caller runs before applying (`tasks::job::checked`), with its default
    // policy: a result that leaves a new syntax error is not applied.
    if let Some(problem) = changes.iter().find_map(syntax_problem) {
        return Err(ReplyError::Broken { problem });
    }
    Ok(changes)
}

impl Case {
    /// What the workspace holds at `path`, besides the selection's file.
    pub fn read(&self, path: &str) -> FileRead {
        self.others
            .iter()
            .find(|(name, _)| *name == path)
            .map_or(FileRead::Missing, |(_, read)| read.clone())
    }
}

enum Verdict {
    Edit,
    Refusal,
    /// An edit that was not the one wanted: the wrong text, or the wrong file.
    WrongEdit(String),
    /// An edit that destroys what a file held: a file written over by a "create", a file that
    /// may not be edited changed, or a change computed from other text than the file's.
    Lost(String),
    WrongRefusal(String),
}

fn judge(case: &Case) -> Verdict {
    let (text, _) = select(&case.file);
    let result = run(case);
    if let Ok(changes) = &result {
        // Every change starts from the text the caller gave, creates only what was missing, and
        // touches no file that may not be edited.
        for c in changes {
            let given = if c.path == case.path {
                FileRead::Text(text.clone())
            } else {
                case.read(&c.path)
            };
            let destroys = match &given {
                FileRead::Text(t) => c.before != *t || (c.created && !t.trim().is_empty()),
                FileRead::Missing => !c.created || !c.before.is_empty(),
                FileRead::NotEditable(_) | FileRead::Directory => true,
            };
            if destroys {
                return Verdict::Lost(format!("{} held {given:?}, got {c:#?}", c.path));
            }
        }
    }
    match (result, &case.expect) {
        (Ok(changes), Expect::Edits(want)) => {
            let got: Vec<(&str, &str)> = changes
                .iter()
                .map(|c| (c.path.as_str(), c.after.as_str()))
                .collect();
            let want: Vec<(&str, &str)> = want.iter().map(|(p, a)| (*p, a.as_str())).collect();
            let named = changes.iter().all(|c| {
                c.path == case.path
                    || case
                        .reply
                        .contains(c.path.rsplit('/').next().unwrap_or(&c.path))
            });
            if got == want && named {
                Verdict::Edit
            } else {
                Verdict::WrongEdit(format!("got {got:#?}\nwant {want:#?}"))
            }
        }
        (Ok(changes), Expect::Refused(kind, _)) => {
            Verdict::WrongEdit(format!("expected a {kind:?} refusal, got {changes:#?}"))
        }
        (Err(e), Expect::Refused(kind, quotes)) => {
            let message = e.to_string();
            let missing: Vec<_> = quotes.iter().filter(|q| !message.contains(**q)).collect();
            let lowercase = message.chars().next().is_some_and(|c| !c.is_uppercase());
            if kind_of(&e) == Some(*kind) && missing.is_empty() && lowercase {
                Verdict::Refusal
            } else {
                Verdict::WrongRefusal(format!(
                    "expected {kind:?} quoting {missing:?}, got {:?}: {message}",
                    kind_of(&e)
                ))
            }
        }
        (Err(e), Expect::Edits(_)) => Verdict::WrongRefusal(format!("refused: {e}")),
    }
}

#[test]
fn reply_corpus() {
    let cases: Vec<Case> = corpus_whole::cases()
        .into_iter()
        .chain(corpus_blocks::cases())
        .chain(corpus_files::cases())
        .collect();
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names are unique");

    let (mut edits, mut refusals) = (0, 0);
    let mut wrong_edits = Vec::new();
    let mut lost = Vec::new();
    let mut wrong_refusals = Vec::new();
    for case in &cases {
        match judge(case) {
            Verdict::Edit => edits += 1,
            Verdict::Refusal => refusals += 1,
            Verdict::WrongEdit(why) => wrong_edits.push(format!("{}: {why}", case.name)),
            Verdict::Lost(why) => lost.push(format!("{}: {why}", case.name)),
            Verdict::WrongRefusal(why) => wrong_refusals.push(format!("{}: {why}", case.name)),
        }
    }
    println!(
        "reply corpus: {} replies: {edits} correct edits, {refusals} clear refusals, {} wrong \
         edits, {} destroyed files, {} wrong refusals",
        cases.len(),
        wrong_edits.len(),
        lost.len(),
        wrong_refusals.len()
    );
    assert!(cases.len() >= 80, "the corpus holds at least 80 replies");
    assert!(
        wrong_edits.is_empty() && lost.is_empty() && wrong_refusals.is_empty(),
        "wrong edits:\n{}\n\ndestroyed files:\n{}\n\nwrong refusals:\n{}",
        wrong_edits.join("\n\n"),
        lost.join("\n\n"),
        wrong_refusals.join("\n\n")
    );
}

/// The whole text of the refusals a user or a model reads most: a SEARCH that matches nothing
/// (with the closest lines), and the request to resend only the failed blocks.
#[test]
fn refusal_messages_read_well() {
    use expect_test::expect;

    let cases = corpus_blocks::cases();
    let one_of_three = cases
        .iter()
        .find(|c| c.name == "one of three blocks matches nothing")
        .expect("the corpus has this case");
    let err = run(one_of_three).unwrap_err();
    expect![[r#"
        1 of the 3 SEARCH/REPLACE blocks cannot be applied, so none is:
        block 2 (src/config.rs): its SEARCH matches nothing in the file; the closest lines are 21-23:
           21 |     pub fn len(&self) -> usize {
           22 |         self.paths.len()
           23 |     }
        ask the model to resend the block with SEARCH copied exactly from the file"#]].assert_eq(&err.to_string());
    expect![[r#"
        1 of your 3 SEARCH/REPLACE blocks could not be applied; the other 2 applied, so do not send them again. Resend only the blocks below, corrected: SEARCH must match exactly one place of the file, character for character.

        Block 2 (src/config.rs): its SEARCH matches nothing in the file; the closest lines are 21-23:
           21 |     pub fn len(&self) -> usize {
           22 |         self.paths.len()
           23 |     }

        src/config.rs
        <<<<<<< SEARCH
            pub fn length(&self) -> usize {
                self.paths.len()
            }
        =======
            pub fn count(&self) -> usize {
                self.paths.len()
            }
        >>>>>>> REPLACE
    "#]].assert_eq(&err.failed_blocks().unwrap());

    // The blocks that did apply are handed back, so only the failed one need be asked for again.
    let failures = err.block_failures().unwrap();
    assert_eq!(failures.applied.len(), 1);
    assert!(
        failures.applied[0]
            .after
            .contains("use std::collections::BTreeMap;")
    );
    assert!(
        failures.applied[0]
            .after
            .contains("#[derive(Debug)]\npub struct Config {")
    );

    let two = cases
        .iter()
        .find(|c| c.name == "two blocks fail in different ways")
        .expect("the corpus has this case");
    expect![[r#"
        2 of the 2 SEARCH/REPLACE blocks cannot be applied, so none is:
        block 1 (src/config.rs): its SEARCH matches in 3 places, at lines 15, 19 and 23; ask the model to resend the block with enough surrounding lines in SEARCH to match one place
        block 2 (src/gone.rs): the file does not exist (only an empty SEARCH creates a file); ask the model to resend the block with the right workspace-relative path, or an empty SEARCH to create a new file"#]].assert_eq(&run(two).unwrap_err().to_string());

    let several = corpus_whole::cases()
        .into_iter()
        .find(|c| c.name == "before and after blocks")
        .expect("the corpus has this case");
    expect!["the reply holds 2 code blocks (at lines 2 and 8), so which one replaces the selection is unclear: ask the model to send only the full replacement of the selection, in exactly one fenced block, or SEARCH/REPLACE blocks"].assert_eq(&run(&several).unwrap_err().to_string());
    assert_eq!(run(&several).unwrap_err().failed_blocks(), None);
}
