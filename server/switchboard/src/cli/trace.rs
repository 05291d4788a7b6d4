//! `switchboard trace ID [--json]`: one action's chain from the ledger as a timeline: routing
//! decisions, attempts at each model, the calls with their tokens and cost, and recorded
//! details (the syntax check, a retry), in the order they happened.

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
    for line in timeline(&trace) {
        outln!("{line}");
    }
    ExitCode::SUCCESS
}

/// The trace as lines a person reads: a summary, then every event in time order with its
/// offset from the first.
fn timeline(trace: &ledger::Trace) -> Vec<String> {
    let plural = |n: usize, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let cost: f64 = trace.calls.iter().map(|call| call.cost_usd).sum();
    let models: Vec<&str> = trace.calls.iter().map(|call| call.model.as_str()).collect();
    let role = trace
        .decisions
        .first()
        .map_or("?", |decision| decision.role.as_str());
    let mut lines = vec![format!(
        "trace {}: {role}{}, ${cost:.6}, {}, {}",
        trace.trace_id,
        if models.is_empty() {
            String::new()
        } else {
            format!(" by {}", models.join(", "))
        },
        plural(trace.calls.len(), "call"),
        plural(trace.attempts.len(), "attempt"),
    )];
    let mut events: Vec<(jiff::Timestamp, String, String)> = Vec::new();
    for decision in &trace.decisions {
        let candidates: Vec<&str> = decision.decision["candidates"]
            .as_array()
            .map(|c| c.iter().filter_map(|c| c["alias"].as_str()).collect())
            .unwrap_or_default();
        let what = match candidates.split_first() {
            Some((first, [])) => format!("{} → {first}", decision.role),
            Some((first, rest)) => {
                format!("{} → {first} (then {})", decision.role, rest.join(", "))
            }
            None => format!("{}: refused, no model could serve", decision.role),
        };
        let tokens = decision.decision["input_tokens"]
            .as_u64()
            .map(|t| format!(", {t} input tokens"))
            .unwrap_or_default();
        events.push((decision.at, "routed".to_owned(), format!("{what}{tokens}")));
    }
    for attempt in &trace.attempts {
        let how = match &attempt.outcome {
            ledger::AttemptOutcome::Ok => "ok".to_owned(),
            ledger::AttemptOutcome::Failed { kind, message, .. } => {
                format!("failed, {kind}: {message}")
            }
        };
        events.push((
            attempt.at,
            "answered".to_owned(),
            format!("{} ({}): {how}", attempt.model, attempt.provider),
        ));
    }
    for call in &trace.calls {
        events.push((
            call.started_at,
            "called".to_owned(),
            format!("{} ({})", call.model, call.provider),
        ));
        events.push((
            call.finished_at,
            "settled".to_owned(),
            format!(
                "{}: {} in / {} out / {} cached tokens, ${:.6} (worst case ${:.6} reserved){}",
                call.model,
                call.input_tokens,
                call.output_tokens,
                call.cached_input_tokens,
                call.cost_usd,
                call.worst_case_usd,
                call.finish_reason
                    .as_deref()
                    .map(|reason| format!(", finished: {reason}"))
                    .unwrap_or_default()
            ),
        ));
    }
    for detail in &trace.details {
        events.push((
            detail.at,
            detail.kind.clone(),
            worded(&detail.kind, &detail.detail),
        ));
    }
    // Stable: events of one instant keep the order above (routed, answered, called, settled).
    events.sort_by_key(|(at, ..)| *at);
    let Some(start) = events.first().map(|(at, ..)| *at) else {
        return lines;
    };
    for (at, kind, what) in events {
        let offset = at.duration_since(start).as_secs_f64();
        lines.push(format!("  +{offset:7.3}s  {kind:<9} {what}"));
    }
    lines
}

/// A recorded detail in words where its kind is known (the packet sent, the syntax check), as
/// compact JSON otherwise.
fn worded(kind: &str, detail: &serde_json::Value) -> String {
    match kind {
        "context" => {
            let sections: Vec<String> = detail["sections"]
                .as_array()
                .map(|sections| {
                    sections
                        .iter()
                        .map(|s| {
                            format!(
                                "{} {}",
                                s["kind"].as_str().unwrap_or("?").replace('_', " "),
                                s["tokens"]
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let cut = detail["cut"].as_array().map_or(0, Vec::len);
            let redactions = detail["redactions"].as_array().map_or(0, Vec::len);
            format!(
                "{}: {} tokens ({}); {}, {} secret(s) masked",
                detail["path"].as_str().unwrap_or("?"),
                detail["tokens"],
                sections.join(", "),
                if cut == 0 {
                    "nothing cut".to_owned()
                } else {
                    format!("{cut} cut(s) to fit")
                },
                redactions
            )
        }
        "syntax_check" => {
            let files: Vec<&str> = detail["files"]
                .as_array()
                .map(|files| files.iter().filter_map(|f| f.as_str()).collect())
                .unwrap_or_default();
            format!(
                "{}: {}",
                files.join(", "),
                detail["outcome"].as_str().unwrap_or("?")
            )
        }
        "agent_step" => format!(
            "step {}: {} {} → {}",
            detail["step"],
            detail["tool"].as_str().unwrap_or("?"),
            detail["call"].as_str().unwrap_or(""),
            detail["result"].as_str().unwrap_or("?")
        ),
        "fanout" => {
            let each: Vec<String> = detail["reviews"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    format!(
                        "{}: {} finding(s)",
                        r["model"].as_str().unwrap_or("?"),
                        r["findings"]
                    )
                })
                .chain(
                    detail["failures"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|f| f.as_str().map(|f| format!("failed: {f}"))),
                )
                .collect();
            format!("reviews merged; {}", each.join(", "))
        }
        _ => detail.to_string(),
    }
}
