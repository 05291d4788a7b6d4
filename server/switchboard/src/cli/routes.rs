//! `switchboard routes [--explain ROLE PATH[:START-END]] [--json]`: the effective routing table,
//! or one decision with its rule, fallbacks, estimated tokens, worst-case cost and reasons.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use router::Role;

use super::place::Place;
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
            out!("{table}");
            if let Some(hint) = config.setup_hint() {
                outln!("\n{hint}");
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
    // The packet the job would send, built as `switchboard run` builds it, so that the
    // decision explained is the one the job makes.
    let exclude = config.privacy.exclude.clone();
    let place_read = match Place::load(place, &exclude) {
        Ok(read) => read,
        Err(message) => {
            eprintln!("switchboard: {message}");
            return ExitCode::from(USAGE);
        }
    };
    let caller = config::caller(config, config::ledger(None));
    if let Err(why) = caller.ledger() {
        eprintln!("switchboard: warning: {why}; the budget left is not known");
    }
    let workspace = config::workspace_index(std::slice::from_ref(&place_read.root), &exclude, None);
    workspace.refresh();
    let input = place_read.input(role, None, String::new(), &workspace, None);
    let spec = tasks::job::request_spec(&caller, &input).spec;
    match caller.decide(&spec, jiff::Timestamp::now()) {
        Ok(decision) if args.json => {
            let mut json = serde_json::to_value(&decision).unwrap_or_default();
            json["reason"] = serde_json::json!(decision.reason());
            print_json(&json);
            ExitCode::SUCCESS
        }
        Ok(decision) => {
            outln!("{}", describe(place, &place_read, &spec));
            out!("{}", decision.explain());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("switchboard: {err}");
            ExitCode::from(FAILED)
        }
    }
}

/// The place's line: its lines, language and complexity.
fn describe(place: &str, read: &Place, spec: &tasks::CallSpec) -> String {
    let c = spec.complexity;
    let first = read.rope.byte_to_line(read.selection.start) + 1;
    format!(
        "{place}: {} line{} from line {first}, language {}, complexity {} (branches {}, loops {}, functions {})",
        spec.lines,
        if spec.lines == 1 { "" } else { "s" },
        read.language,
        c.total(),
        c.branches,
        c.loops,
        c.functions
    )
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
