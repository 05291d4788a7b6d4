//! Edits on real code: for each Rust and Python file under the folders given (crates of the
//! cargo registry, sdists from PyPI), replies that edit it in every common way of naming a file,
//! run through `tasks::reply` with the selection in a copy of the file at another path (so a
//! block that went to the selection's file would apply there, and count as the wrong edit it
//! is); then the syntax check on a harmless edit (a comment before an item: must pass) and on a
//! broken one (an item's closing line deleted, or a `def` without its colon: must be caught).
//!
//! `cargo run -p switchboard-tasks --example edit_corpus -- DIR [DIR ...] [--files N]`
//! prints one line per naming form and the check's figures. A program, not a test: its inputs
//! are whatever is on the machine.

use std::path::{Path, PathBuf};

use tasks::reply::{EditInput, FileChange, FileRead, ReplyError, apply_reply, syntax_problem};

/// How a reply names the file `{}`, around its block.
const FORMS: &[(&str, &str)] = &[
    ("path line", "{path}\n{block}"),
    ("fence info", "```{path}\n{block}```\n"),
    (
        "language then path in fence info",
        "```{lang} {path}\n{block}```\n",
    ),
    (
        "language:path in fence info",
        "```{lang}:{path}\n{block}```\n",
    ),
    ("source tag", "<source>{path}\n{block}</source>\n"),
    ("code tags", "<code>{path}</code>\n{block}"),
    (
        "name in its own fence",
        "```\n{path}\n```\n```{lang}\n{block}```\n",
    ),
    ("In path:", "In {path}:\n```{lang}\n{block}```\n"),
    ("// path", "// {path}\n{block}"),
    (
        "# path inside the fence",
        "```{lang}\n# {path}\n{block}```\n",
    ),
    ("**path**", "**{path}**\n```{lang}\n{block}```\n"),
    ("`path`", "`{path}`\n{block}"),
    (
        "path: after a blank line",
        "The change.\n\n{path}:\n\n{block}",
    ),
    ("### path", "### {path}\n{block}"),
    ("File: path", "File: {path}\n{block}"),
    (
        "mentioned in prose only",
        "I'll change {path} like this.\n\n{block}",
    ),
];

#[derive(Default)]
struct Tally {
    correct: usize,
    refused: usize,
    wrong: usize,
    lost: usize,
}

fn main() {
    let mut dirs = Vec::new();
    let mut limit = 300;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--files" {
            limit = args.next().and_then(|n| n.parse().ok()).unwrap_or(limit);
        } else {
            dirs.push(PathBuf::from(arg));
        }
    }
    let files = collect(&dirs, limit);
    let mut tallies: Vec<Tally> = FORMS.iter().map(|_| Tally::default()).collect();
    let (mut good, mut good_flagged, mut broken, mut broken_caught) = (0, 0, 0, 0);
    let mut flagged_examples = Vec::new();
    for (path, text) in &files {
        let relative = path.to_string_lossy().replace('\\', "/");
        let relative = relative.trim_start_matches('/');
        let lang = if relative.ends_with(".rs") {
            "rust"
        } else {
            "python"
        };
        if let Some(block) = unique_block(text) {
            for (form, tally) in FORMS.iter().zip(&mut tallies) {
                let reply = form
                    .1
                    .replace("{path}", relative)
                    .replace("{lang}", lang)
                    .replace("{block}", &block.0);
                judge(&reply, relative, text, &block.1, tally);
            }
        }
        if let Some(after) = harmless(text, lang) {
            good += 1;
            let change = FileChange::edit(relative.to_string(), text.clone(), after);
            if let Some(problem) = syntax_problem(&change) {
                good_flagged += 1;
                if flagged_examples.len() < 5 {
                    flagged_examples.push(problem.to_string());
                }
            }
        }
        if let Some(after) = broken_edit(text, lang) {
            broken += 1;
            let change = FileChange::edit(relative.to_string(), text.clone(), after);
            let caught = syntax_problem(&change).is_some();
            broken_caught += usize::from(caught);
            if !caught && std::env::var_os("EDIT_CORPUS_VERBOSE").is_some() {
                eprintln!("missed: {relative}");
            }
        }
    }
    println!("{} files", files.len());
    println!("| naming form | correct | refused | wrong | lost |");
    println!("|---|---|---|---|---|");
    for (form, t) in FORMS.iter().zip(&tallies) {
        println!(
            "| {} | {} | {} | {} | {} |",
            form.0, t.correct, t.refused, t.wrong, t.lost
        );
    }
    println!(
        "syntax check: {good_flagged} of {good} harmless edits flagged, {broken_caught} of \
         {broken} broken edits caught"
    );
    for example in flagged_examples {
        println!("  flagged: {example}");
    }
}

/// Up to `limit` UTF-8 `.rs` and `.py` files under `dirs`, smallest paths first, as (path
/// relative to its folder's parent, text).
fn collect(dirs: &[PathBuf], limit: usize) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for dir in dirs {
        let base = dir.parent().unwrap_or(Path::new(""));
        for entry in ignore::WalkBuilder::new(dir).build().flatten() {
            let path = entry.path();
            let wanted = path.extension().is_some_and(|e| e == "rs" || e == "py");
            if !wanted || !path.is_file() {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            if text.len() > 200_000 {
                continue;
            }
            let relative = path.strip_prefix(base).unwrap_or(path).to_path_buf();
            out.push((relative, text));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    // An even spread over everything found.
    let step = (out.len() / limit.max(1)).max(1);
    out.into_iter().step_by(step).take(limit).collect()
}

/// A SEARCH/REPLACE block on a line that occurs once in `text` (a comment appended to it),
/// and the text it makes.
fn unique_block(text: &str) -> Option<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let middle = lines.len() / 2;
    let pick = (middle..lines.len()).chain(0..middle).find(|&i| {
        let l = lines[i];
        l.trim().len() > 12
            && !l.contains("<<<<<<<")
            && !l.contains("=======")
            && !l.contains(">>>>>>>")
            && lines.iter().filter(|other| **other == l).count() == 1
    })?;
    let line = lines[pick];
    let block = format!("<<<<<<< SEARCH\n{line}\n=======\n{line}\n>>>>>>> REPLACE\n");
    // An unchanged line would be "no change": add a trailing blank-safe edit instead.
    let replaced = format!("{line} ");
    let block = block.replacen(
        &format!("=======\n{line}\n"),
        &format!("=======\n{replaced}\n"),
        1,
    );
    // The line at `pick` itself, not an earlier line that merely holds the same text.
    let after: String = text
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            if i == pick {
                l.replacen(line, &replaced, 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    Some((block, after))
}

fn judge(reply: &str, relative: &str, text: &str, want: &str, tally: &mut Tally) {
    // The selection is a copy of the same file elsewhere: a misrouted block applies there.
    let own = format!(
        "selection/{}",
        relative.rsplit('/').next().unwrap_or(relative)
    );
    let input = EditInput {
        path: &own,
        file_text: text,
        selection: 0..text.len().min(1),
    };
    let read = |p: &str| {
        if p == relative {
            FileRead::Text(text.to_string())
        } else {
            FileRead::Missing
        }
    };
    match apply_reply(reply, &input, &read) {
        Ok(changes) => {
            let right =
                changes.len() == 1 && changes[0].path == relative && changes[0].after == want;
            let lost = changes
                .iter()
                .any(|c| c.created && !text.trim().is_empty() && c.path == relative);
            if lost {
                tally.lost += 1;
            } else if right {
                tally.correct += 1;
            } else {
                tally.wrong += 1;
                if std::env::var_os("EDIT_CORPUS_VERBOSE").is_some() {
                    eprintln!(
                        "wrong: {relative}: {:?}",
                        changes
                            .iter()
                            .map(|c| (&c.path, c.after.len(), want.len()))
                            .collect::<Vec<_>>()
                    );
                }
            }
        }
        Err(ReplyError::Broken { .. }) | Err(_) => tally.refused += 1,
    }
}

/// A comment line before the first top-level item after the middle of the file.
fn harmless(text: &str, lang: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let starts = |l: &str| {
        if lang == "rust" {
            [
                "fn ",
                "pub fn ",
                "struct ",
                "pub struct ",
                "impl",
                "enum ",
                "pub enum ",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        } else {
            l.starts_with("def ") || l.starts_with("class ")
        }
    };
    let at = (lines.len() / 2..lines.len())
        .chain(0..lines.len() / 2)
        .find(|&i| starts(lines[i]))?;
    let comment = if lang == "rust" {
        "// checked\n"
    } else {
        "# checked\n"
    };
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i == at {
            out.push_str(comment);
        }
        out.push_str(line);
    }
    Some(out)
}

/// Rust: a top-level item's closing `}` line deleted. Python: a `def` line without its colon.
fn broken_edit(text: &str, lang: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let at = if lang == "rust" {
        lines.iter().position(|l| l.trim_end() == "}")?
    } else {
        lines
            .iter()
            .position(|l| l.starts_with("def ") && l.trim_end().ends_with("):"))?
    };
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i == at {
            if lang == "python" {
                out.push_str(&line.replacen("):", ")", 1));
            }
            continue;
        }
        out.push_str(line);
    }
    Some(out)
}
