//! `switchboard routes [--explain ROLE PATH[:START-END]] [--json]`: the effective routing table,
//! or one decision with its rule, fallbacks, estimated tokens, worst-case cost and reasons.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use ropey::Rope;
use router::Role;
use tasks::{CallSpec, Target};

use super::{FAILED, USAGE, print_json, runtime_and_config};
use crate::config;

#[derive(Debug, Args)]
pub struct RoutesArgs {
    /// Explain one decision: ROLE (plan, implement, review, search, vision) and PATH, optionally
    /// with 1-based inclusive lines, e.g. `src/lib.rs:10-40`.
    #[arg(long, num_args = 2, value_names = ["ROLE", "PATH[:START-END]"])]
    explain: Option<Vec<String>>,
    #[arg(long)]
    json: bool,
    /// Read this config file (on top of the built-in defaults) instead of the usual ones.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub fn run(args: &RoutesArgs) -> ExitCode {
    let (_runtime, config) = match runtime_and_config(args.config.as_deref()) {
        Ok(both) => both,
        Err(code) => return code,
    };
    let Some([role, place]) = args.explain.as_deref() else {
        let table = router::routing_table(&config);
        if args.json {
            print_json(&table);
        } else {
            print!("{table}");
            if let Some(hint) = config.setup_hint() {
                println!("\n{hint}");
            }
        }
        return ExitCode::SUCCESS;
    };
    let role = match role.parse::<Role>() {
        Ok(role) => role,
        Err(err) => {
            eprintln!("switchboard: {err}");
            return ExitCode::from(USAGE);
        }
    };
    let selection = match Selection::read(place) {
        Ok(selection) => selection,
        Err(message) => {
            eprintln!("switchboard: {message}");
            return ExitCode::from(USAGE);
        }
    };
    let caller = config::caller(config, config::ledger(None));
    if let Err(why) = caller.ledger() {
        eprintln!("switchboard: warning: {why}; the budget left is not known");
    }
    let spec = CallSpec {
        target: Target::Role(role),
        trace_id: String::new(),
        request: providers::Request::default(),
        input_tokens: router::count_o200k(&selection.text),
        language: selection.language.clone(),
        lines: selection.lines,
        complexity: selection.complexity,
    };
    match caller.decide(&spec, jiff::Timestamp::now()) {
        Ok(decision) if args.json => {
            print_json(&decision);
            ExitCode::SUCCESS
        }
        Ok(decision) => {
            println!("{}", selection.describe(place));
            print!("{}", decision.explain());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("switchboard: {err}");
            ExitCode::from(FAILED)
        }
    }
}

/// The part of a file a decision is explained for.
struct Selection {
    text: String,
    language: Option<String>,
    lines: u32,
    first_line: usize,
    complexity: router::Complexity,
}

impl Selection {
    /// Reads `PATH[:START-END]`.
    fn read(place: &str) -> Result<Selection, String> {
        let (path, range) = split_place(place)?;
        let whole = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {path}: {e}; give an existing file"))?;
        let rope = Rope::from_str(&whole);
        let line_count = rope.len_lines();
        let (first, last) = match range {
            Some((first, last)) => {
                if first == 0 || first > last || last > line_count {
                    return Err(format!(
                        "lines {first}-{last} are not in {path}, which has {line_count} lines; lines are 1-based and inclusive"
                    ));
                }
                (first - 1, last)
            }
            None => (0, line_count),
        };
        let start_byte = rope.line_to_byte(first);
        let end_byte = rope.line_to_byte(last);
        let text = rope.byte_slice(start_byte..end_byte).to_string();
        let grammar = syntax::grammar_for_path(&path);
        // The first language id of the grammar is the usual LSP one (`rust`, `typescriptreact`).
        let language = grammar.and_then(|g| g.language_ids().first().map(|id| id.to_string()));
        let complexity = grammar
            .and_then(|g| syntax::SyntaxTree::parse(g, &rope, Duration::from_secs(5)).ok())
            .map(|tree| {
                let c = tree.complexity(start_byte..end_byte);
                router::Complexity {
                    branches: c.branches,
                    loops: c.loops,
                    functions: c.functions,
                }
            })
            .unwrap_or_default();
        Ok(Selection {
            lines: u32::try_from(text.lines().count()).unwrap_or(u32::MAX),
            text,
            language,
            first_line: first + 1,
            complexity,
        })
    }

    fn describe(&self, place: &str) -> String {
        format!(
            "{place}: {} line{} from line {}, language {}, complexity {} (branches {}, loops {}, functions {})",
            self.lines,
            if self.lines == 1 { "" } else { "s" },
            self.first_line,
            self.language.as_deref().unwrap_or("unknown"),
            self.complexity.total(),
            self.complexity.branches,
            self.complexity.loops,
            self.complexity.functions
        )
    }
}

/// `src/lib.rs:10-40` → (`src/lib.rs`, Some((10, 40))); `src/lib.rs:7` is line 7 alone.
pub(super) fn split_place(place: &str) -> Result<(String, Option<(usize, usize)>), String> {
    let bad = || format!("`{place}` is not PATH or PATH:START-END (1-based, inclusive lines)");
    let Some((path, lines)) = place.rsplit_once(':') else {
        return Ok((place.to_string(), None));
    };
    if lines.is_empty() || !lines.chars().all(|c| c.is_ascii_digit() || c == '-') {
        // A colon that is part of the path.
        return Ok((place.to_string(), None));
    }
    let (first, last) = lines.split_once('-').unwrap_or((lines, lines));
    let first = first.parse().map_err(|_| bad())?;
    let last = last.parse().map_err(|_| bad())?;
    Ok((path.to_string(), Some((first, last))))
}

#[cfg(test)]
mod tests {
    use super::split_place;

    #[test]
    fn places_split_into_path_and_lines() {
        assert_eq!(
            split_place("src/lib.rs:10-40"),
            Ok(("src/lib.rs".to_string(), Some((10, 40))))
        );
        assert_eq!(
            split_place("src/lib.rs:7"),
            Ok(("src/lib.rs".to_string(), Some((7, 7))))
        );
        assert_eq!(
            split_place("src/lib.rs"),
            Ok(("src/lib.rs".to_string(), None))
        );
        assert_eq!(split_place("c:/x.rs"), Ok(("c:/x.rs".to_string(), None)));
        assert!(split_place("a.rs:3-x").is_ok());
        assert!(split_place("a.rs:-").is_err());
    }
}
