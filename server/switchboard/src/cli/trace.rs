//! `switchboard trace ID [--json]`: one action's chain from the ledger: routing decisions,
//! attempts at each model, settled calls with tokens and cost, and recorded details.

use std::process::ExitCode;

use clap::Args;

use super::{FAILED, print_json};
use crate::config;

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The trace id an action or `switchboard ask --json` reported.
    #[arg(value_name = "ID")]
    id: String,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &TraceArgs) -> ExitCode {
    let handle = config::ledger(None);
    let ledger = match handle.get() {
        Ok(ledger) => ledger,
        Err(why) => {
            eprintln!("switchboard: {why}");
            return ExitCode::from(FAILED);
        }
    };
    let trace = match ledger.trace(&args.id) {
        Ok(Some(trace)) => trace,
        Ok(None) => {
            eprintln!(
                "switchboard: no trace `{}` in the ledger at {}; `switchboard costs` lists what was recorded",
                args.id,
                ledger.path().display()
            );
            return ExitCode::from(FAILED);
        }
        Err(err) => {
            eprintln!("switchboard: {err}");
            return ExitCode::from(FAILED);
        }
    };
    if args.json {
        print_json(&trace);
        return ExitCode::SUCCESS;
    }
    outln!("trace {}", trace.trace_id);
    for decision in &trace.decisions {
        let chosen = decision.decision["candidates"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|c| c["alias"].as_str())
                    .collect::<Vec<_>>()
                    .join(" → ")
            })
            .unwrap_or_default();
        outln!("  {} routed {}: {chosen}", decision.at, decision.role);
    }
    for attempt in &trace.attempts {
        match &attempt.outcome {
            ledger::AttemptOutcome::Ok => {
                outln!(
                    "  {} {} ({}): ok",
                    attempt.at,
                    attempt.model,
                    attempt.provider
                );
            }
            ledger::AttemptOutcome::Failed { kind, message, .. } => outln!(
                "  {} {} ({}): failed, {kind}: {message}",
                attempt.at,
                attempt.model,
                attempt.provider
            ),
        }
    }
    for call in &trace.calls {
        outln!(
            "  call {} {}: {} in / {} out / {} cached tokens, ${:.6} (worst case ${:.6}), {} attempts",
            call.role,
            call.model,
            call.input_tokens,
            call.output_tokens,
            call.cached_input_tokens,
            call.cost_usd,
            call.worst_case_usd,
            call.attempts
        );
    }
    for detail in &trace.details {
        outln!("  {} {}: {}", detail.at, detail.kind, detail.detail);
    }
    ExitCode::SUCCESS
}
