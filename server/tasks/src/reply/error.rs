//! Why a reply could not be used, worded for whoever has to act on it: the model, asked to
//! resend, or the user, shown the message. Messages are lowercase and end by saying what to do.

use std::fmt;
use std::ops::RangeInclusive;

use super::check::SyntaxProblem;
use super::edits::FileChange;
use super::findings::DroppedFinding;

/// A reply that cannot be used as it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// Neither a fenced block nor a SEARCH/REPLACE block: the reply is prose only.
    #[error(
        "the reply holds no code block and no SEARCH/REPLACE block: ask the model for the full \
         replacement of the selection in one fenced block, or for SEARCH/REPLACE blocks"
    )]
    NoEdit,
    /// More than one fenced block where one whole replacement was expected.
    #[error(
        "the reply holds {} code blocks (at lines {}), so which one replaces the selection is \
         unclear: ask the model to send only the full replacement of the selection, in exactly \
         one fenced block, or SEARCH/REPLACE blocks",
        .lines.len(), list(.lines)
    )]
    SeveralFences {
        /// 1-based lines of the reply where the blocks open.
        lines: Vec<usize>,
    },
    /// The reply stops inside a fence or a SEARCH/REPLACE block.
    #[error(
        "the reply stops inside {what}, so it was probably cut off: ask the model to send it \
         again, complete"
    )]
    Truncated {
        /// What is left open, e.g. "the code block opened at line 3".
        what: String,
    },
    /// The reply breaks the contract in a way that no reading of it would fix.
    #[error("{detail}")]
    Malformed {
        /// What is wrong and what to send instead.
        detail: String,
    },
    /// The caller's selection is not a range of the file's text (a bug in the caller).
    #[error(
        "the selection {start}..{end} is not a range of the file's {len} bytes on character \
         boundaries: this is a bug in the editor integration, please report it"
    )]
    Selection {
        /// The selection's start, in bytes.
        start: usize,
        /// The selection's end, in bytes.
        end: usize,
        /// The file's length, in bytes.
        len: usize,
    },
    /// The first failed SEARCH/REPLACE block matched nowhere; `failed` lists every failed one.
    #[error("{0}")]
    NotFound(Box<BlockFailures>),
    /// The first failed SEARCH/REPLACE block matched in several places (or was an empty SEARCH
    /// on a file that exists); `failed` lists every failed one.
    #[error("{0}")]
    Ambiguous(Box<BlockFailures>),
    /// The first failed SEARCH/REPLACE block named a file that does not exist or lies outside
    /// the workspace; `failed` lists every failed one.
    #[error("{0}")]
    UnknownFile(Box<BlockFailures>),
    /// The first failed SEARCH/REPLACE block is for a file that must not be edited (not UTF-8,
    /// binary, excluded), or its file is unclear; `failed` lists every failed one.
    #[error("{0}")]
    WrongFile(Box<BlockFailures>),
    /// The edit applies, but leaves a syntax error where the file had none.
    #[error(
        "{problem}, where the file had none before; nothing was applied: ask the model for an \
         edit that parses"
    )]
    Broken {
        /// The first new error.
        problem: SyntaxProblem,
    },
    /// A review reply without a json block or a bare json array.
    #[error(
        "the reply holds no json block of findings: ask the model for one fenced `json` block \
         holding an array of findings (`[]` when there is nothing to report)"
    )]
    NoFindings,
    /// A review reply with several json blocks.
    #[error(
        "the reply holds {count} json blocks: ask the model to put all findings in one array, \
         in one fenced `json` block"
    )]
    SeveralFindingBlocks {
        /// How many.
        count: usize,
    },
    /// The findings block is not strict json.
    #[error(
        "the findings are not valid json ({detail}): ask the model to resend them as strict \
         json, without trailing commas or comments"
    )]
    InvalidJson {
        /// serde's message, with the line and column.
        detail: String,
    },
    /// The findings block is json, but not an array.
    #[error("the findings are {found}, not an array: ask the model for an array of findings")]
    NotAnArray {
        /// What it is instead ("an object").
        found: &'static str,
    },
    /// Every finding of a non-empty array was refused.
    #[error(
        "none of the {} findings can be shown:\n{}\nask the model to check them against the file",
        .dropped.len(), dropped_list(.dropped)
    )]
    NoUsableFinding {
        /// Every finding, with why it was refused.
        dropped: Vec<DroppedFinding>,
    },
}

impl ReplyError {
    /// For a reply whose SEARCH/REPLACE blocks failed: a request to send to the model that names
    /// each failed block, says why it failed (quoting the closest lines of the file), and repeats
    /// it, asking for only those blocks again. `None` for other errors.
    ///
    /// The request tells the model that the other blocks applied; a caller that sends it keeps
    /// [`BlockFailures::applied`] and applies the answer on top of it.
    ///
    /// A block for a file that must not be edited is never asked for again: no answer of the
    /// model can change what the file is.
    pub fn failed_blocks(&self) -> Option<String> {
        let failures = self.block_failures()?;
        let hopeless = failures
            .failed
            .iter()
            .any(|f| matches!(f.problem, BlockProblem::NotEditable { .. }));
        (!hopeless).then(|| failures.resend_request())
    }

    /// The failed blocks, for the three block errors.
    pub fn block_failures(&self) -> Option<&BlockFailures> {
        match self {
            ReplyError::NotFound(f)
            | ReplyError::Ambiguous(f)
            | ReplyError::UnknownFile(f)
            | ReplyError::WrongFile(f) => Some(f),
            _ => None,
        }
    }
}

/// The SEARCH/REPLACE blocks of one reply that could not be applied. None of the reply is
/// applied when any block fails: a partial edit is never returned as a success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockFailures {
    /// Every failed block, in the order of the reply.
    pub failed: Vec<FailedBlock>,
    /// How many blocks the reply held.
    pub blocks: usize,
    /// What the blocks that did apply would change (nothing has been written), for a caller
    /// that keeps them and asks the model for the failed blocks only.
    pub applied: Vec<FileChange>,
}

/// One SEARCH/REPLACE block that could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedBlock {
    /// 1-based position of the block in the reply.
    pub number: usize,
    /// The file it was applied to (as named, or the selection's file).
    pub path: String,
    /// The block's SEARCH text, as the reply had it (`\n` line endings).
    pub search: String,
    /// The block's REPLACE text, as the reply had it (`\n` line endings).
    pub replace: String,
    /// Why it failed.
    pub problem: BlockProblem,
}

/// Why a block failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockProblem {
    /// SEARCH matches nowhere; the lines of the file most like it, with 1-based line numbers
    /// (empty when nothing in the file resembles it). Line numbers count in the file as the
    /// reply's earlier blocks left it.
    NotFound {
        /// (1-based line number, line) of the closest lines.
        closest: Vec<(usize, String)>,
    },
    /// SEARCH matches at each of these 1-based line ranges; none at all for an empty SEARCH on
    /// a file that exists (which says nothing of where the text goes).
    Ambiguous {
        /// 1-based line ranges where SEARCH matches (at most ten).
        places: Vec<RangeInclusive<usize>>,
    },
    /// A non-empty SEARCH on a file that does not exist.
    UnknownFile,
    /// An absolute path, or one that climbs out of the workspace with `..`.
    OutsideWorkspace,
    /// The file is there but must not be edited; `why` reads after "the file ".
    NotEditable {
        /// E.g. "is not UTF-8 text (...)".
        why: String,
    },
    /// The block has no path line, and the prose before it names other files, so which file
    /// it is for is unclear.
    UnclearFile {
        /// The files the prose names, other than the one the block would go to.
        mentioned: Vec<String>,
    },
}

impl FailedBlock {
    fn why(&self) -> String {
        match &self.problem {
            BlockProblem::NotFound { closest } if closest.is_empty() => {
                "its SEARCH matches nothing in the file, and no line of the file resembles it"
                    .to_string()
            }
            BlockProblem::NotFound { closest } => {
                let first = closest.first().map_or(0, |(n, _)| *n);
                let last = closest.last().map_or(0, |(n, _)| *n);
                let mut out = format!(
                    "its SEARCH matches nothing in the file; the closest lines are {first}-{last}:"
                );
                for (n, line) in closest {
                    out.push_str(&format!("\n{n:>5} | {line}"));
                }
                out
            }
            BlockProblem::Ambiguous { places } if places.is_empty() => {
                "its SEARCH is empty, but the file exists and is not empty, so where the text goes is unclear"
                    .to_string()
            }
            BlockProblem::Ambiguous { places } => {
                let places: Vec<String> = places
                    .iter()
                    .map(|p| {
                        if p.start() == p.end() {
                            p.start().to_string()
                        } else {
                            format!("{}-{}", p.start(), p.end())
                        }
                    })
                    .collect();
                // The matcher lists ten places at most.
                let count = if places.len() >= 10 {
                    "10 or more".to_string()
                } else {
                    places.len().to_string()
                };
                format!(
                    "its SEARCH matches in {count} places, at lines {}",
                    join_and(&places)
                )
            }
            BlockProblem::UnknownFile => {
                "the file does not exist (only an empty SEARCH creates a file)".to_string()
            }
            BlockProblem::OutsideWorkspace => {
                "the path is not inside the workspace (paths are relative, without `..`)"
                    .to_string()
            }
            BlockProblem::NotEditable { why } => format!("the file {why}"),
            BlockProblem::UnclearFile { mentioned } => format!(
                "it has no path line above it, and the text before it names {}, so which \
                 file it edits is unclear",
                join_and(mentioned)
            ),
        }
    }

    fn advice(&self) -> &'static str {
        match &self.problem {
            BlockProblem::NotFound { .. } => {
                "ask the model to resend the block with SEARCH copied exactly from the file"
            }
            BlockProblem::Ambiguous { places } if places.is_empty() => {
                "ask the model to resend the block with SEARCH quoting the lines next to which the text goes"
            }
            BlockProblem::Ambiguous { .. } => {
                "ask the model to resend the block with enough surrounding lines in SEARCH to match one place"
            }
            BlockProblem::UnknownFile | BlockProblem::OutsideWorkspace => {
                "ask the model to resend the block with the right workspace-relative path, or an empty SEARCH to \
                 create a new file"
            }
            BlockProblem::NotEditable { .. } => "nothing was changed; edit that file by hand",
            BlockProblem::UnclearFile { .. } => {
                "ask the model to resend the block with its file's workspace-relative path on the line above it"
            }
        }
    }
}

impl BlockFailures {
    fn resend_request(&self) -> String {
        let ok = self.blocks - self.failed.len();
        let mut out = if ok == 0 {
            format!(
                "None of your {} SEARCH/REPLACE blocks could be applied.",
                self.blocks
            )
        } else {
            format!(
                "{} of your {} SEARCH/REPLACE blocks could not be applied; the other {ok} \
                 applied, so do not send them again.",
                self.failed.len(),
                self.blocks
            )
        };
        out.push_str(
            " Resend only the blocks below, corrected: SEARCH must match exactly one place of \
             the file, character for character.\n",
        );
        for block in &self.failed {
            out.push_str(&format!(
                "\nBlock {} ({}): {}\n\n{}\n<<<<<<< SEARCH\n{}=======\n{}>>>>>>> REPLACE\n",
                block.number,
                block.path,
                block.why(),
                block.path,
                with_newline(&block.search),
                with_newline(&block.replace),
            ));
        }
        out
    }
}

impl fmt::Display for BlockFailures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.failed.len() > 1 || self.blocks > 1 {
            writeln!(
                f,
                "{} of the {} SEARCH/REPLACE blocks cannot be applied, so none is:",
                self.failed.len(),
                self.blocks
            )?;
        }
        for (i, block) in self.failed.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let why = block.why();
            // Advice after quoted lines would read as part of the last one.
            let sep = if why.contains('\n') { "\n" } else { "; " };
            write!(
                f,
                "block {} ({}): {why}{sep}{}",
                block.number,
                block.path,
                block.advice()
            )?;
        }
        Ok(())
    }
}

fn with_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn list(lines: &[usize]) -> String {
    join_and(&lines.iter().map(ToString::to_string).collect::<Vec<_>>())
}

fn dropped_list(dropped: &[DroppedFinding]) -> String {
    dropped
        .iter()
        .map(|d| format!("  finding {}: {}", d.index, d.reason))
        .collect::<Vec<_>>()
        .join("\n")
}
