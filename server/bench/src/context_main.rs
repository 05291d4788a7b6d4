//! `context-bench`: scores the definitions of context packets on real code against jedi's
//! go-to-definition (Python) and hand labels (Rust), and prints recall, precision, P6 and the
//! tokens per section; see "Context on real code" in BENCHMARKS.md for the commands.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use serde::Serialize;
use switchboard_bench::context::run::{
    self, Options, Outcome, PACKET_BUDGET, Summary, frequent, measure, summarize,
};
use switchboard_bench::context::truth::{self, RUST_SELECTIONS, Uses};

#[derive(Debug, Parser)]
#[command(
    name = "context-bench",
    about = "Scores context packets' definitions on real code"
)]
struct Cli {
    /// A library's truth as `server/bench/context/jedi_truth.py` wrote it; repeat for more.
    #[arg(long, value_name = "TRUTH.json")]
    python: Vec<PathBuf>,
    /// The cargo registry's sources (a `registry/src/*` directory, or `$CARGO_HOME`); default:
    /// `$CARGO_HOME` or `$HOME/.cargo`.
    #[arg(long, value_name = "REGISTRY")]
    registry: Option<PathBuf>,
    /// Hand-labelled Rust selections (default: the repository's
    /// `server/bench/data/rust-selections.toml`, built in).
    #[arg(long, value_name = "FILE")]
    rust_selections: Option<PathBuf>,
    /// Skip the Rust selections.
    #[arg(long)]
    no_rust: bool,
    /// The role packets are built for.
    #[arg(long, value_enum, default_value_t = RoleArg::Review)]
    role: RoleArg,
    /// The packet's token budget (the server's, for a model with a large window).
    #[arg(long, default_value_t = PACKET_BUDGET)]
    budget: u64,
    /// Also write every figure and each selection's misses to this file as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Print each selection's missed and wrong definitions.
    #[arg(long)]
    details: bool,
    /// How many of the most frequent misses and wrong definitions to print.
    #[arg(long, default_value_t = 15)]
    top: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Review,
    Implement,
}

#[derive(Serialize)]
struct Report<'a> {
    role: String,
    budget: u64,
    python: Vec<Summary>,
    python_uses: std::collections::BTreeMap<String, u64>,
    python_examples: std::collections::BTreeMap<String, Vec<String>>,
    rust: Vec<Summary>,
    selections: &'a [Outcome],
}

fn main() -> ExitCode {
    match run_cli(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("context-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_cli(cli: Cli) -> anyhow::Result<()> {
    let role = match cli.role {
        RoleArg::Review => router::Role::Review,
        RoleArg::Implement => router::Role::Implement,
    };
    let options = Options {
        role,
        token_budget: cli.budget,
    };
    let mut python = Vec::new();
    let mut uses = Uses::default();
    for path in &cli.python {
        let (selections, counted) = truth::read_jedi(path, None)?;
        python.extend(selections);
        for (category, count) in counted.counts {
            *uses.counts.entry(category).or_default() += count;
        }
        for (category, examples) in counted.examples {
            let kept = uses.examples.entry(category).or_default();
            kept.extend(examples.into_iter().take(3));
        }
    }
    let rust = if cli.no_rust {
        Vec::new()
    } else {
        let text = match &cli.rust_selections {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
            None => RUST_SELECTIONS.to_owned(),
        };
        truth::parse_rust(&text, &truth::registries(cli.registry.as_deref()))?
    };
    eprintln!(
        "context-bench: {} Python and {} Rust selections, role {role:?}, budget {}",
        python.len(),
        rust.len(),
        cli.budget
    );
    let python_outcomes = measure(&python, options)?;
    let rust_outcomes = measure(&rust, options)?;
    let python_summaries = summarize(&python_outcomes, "Python overall");
    let rust_summaries = summarize(&rust_outcomes, "Rust overall");

    if !python_outcomes.is_empty() {
        println!(
            "{}",
            run::table("Python, against jedi's go-to-definition", &python_summaries)
        );
        if !uses.counts.is_empty() {
            let kept = uses.counts.get("kept").copied().unwrap_or(0);
            let all: u64 = uses.counts.values().sum();
            println!(
                "Uses of a name inside the selections: {all}; kept as truth: {kept}; left out:"
            );
            for (category, count) in uses.counts.iter().filter(|(c, _)| *c != "kept") {
                println!("- {category}: {count}");
            }
            println!();
        }
    }
    if !rust_outcomes.is_empty() {
        println!(
            "{}",
            run::table("Rust, against hand labels", &rust_summaries)
        );
    }
    let mut all: Vec<Outcome> = python_outcomes;
    all.extend(rust_outcomes);
    let (missed, wrong) = frequent(&all, cli.top);
    println!("Most often missed:");
    for (what, count) in &missed {
        println!("  {count:>3}  {what}");
    }
    println!("\nMost often sent and wrong:");
    for (what, count) in &wrong {
        println!("  {count:>3}  {what}");
    }
    if cli.details {
        println!();
        for outcome in &all {
            let score = &outcome.score;
            println!(
                "{} {}:{} {} (selected {}): recalled {}/{}, relevant {}/{}",
                outcome.library,
                outcome.file,
                outcome.line,
                outcome.function,
                outcome.selected,
                score.recalled,
                score.truth,
                score.relevant,
                score.sent
            );
            for item in &score.missed {
                println!("    missed {item}");
            }
            for item in &score.wrong {
                println!("    wrong  {item}");
            }
        }
    }
    if let Some(path) = &cli.json {
        let report = Report {
            role: format!("{role:?}"),
            budget: cli.budget,
            python: python_summaries,
            python_uses: uses.counts,
            python_examples: uses.examples,
            rust: rust_summaries,
            selections: &all,
        };
        let text = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
