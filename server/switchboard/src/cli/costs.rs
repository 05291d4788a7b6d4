//! `switchboard costs [--since DATE] [--by model|role|day] [--json]`: calls, tokens and dollars
//! from the ledger, and the budget left.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use ledger::GroupBy;
use serde_json::json;

use super::{FAILED, USAGE, print_json, runtime_and_config};
use crate::config;

#[derive(Debug, Args)]
pub struct CostsArgs {
    /// Only calls from this local day on (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Group by model, role or day.
    #[arg(long, value_name = "model|role|day", default_value = "model")]
    by: String,
    #[arg(long)]
    json: bool,
    /// Read this config file (for the budget caps) instead of the usual ones.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub fn run(args: &CostsArgs) -> ExitCode {
    let by: GroupBy = match args.by.parse() {
        Ok(by) => by,
        Err(err) => {
            eprintln!("switchboard: {err}");
            return ExitCode::from(USAGE);
        }
    };
    let (_runtime, config) = match runtime_and_config(args.config.as_deref()) {
        Ok(both) => both,
        Err(code) => return code,
    };
    let caller = config::caller(config, config::ledger(None));
    let ledger = match caller.ledger() {
        Ok(ledger) => ledger,
        Err(why) => {
            eprintln!("switchboard: {why}");
            return ExitCode::from(FAILED);
        }
    };
    let since = match &args.since {
        None => None,
        Some(date) => match date.parse::<jiff::civil::Date>() {
            Ok(date) => match ledger.local_day_start(date) {
                Ok(start) => Some(start),
                Err(err) => {
                    eprintln!("switchboard: {err}");
                    return ExitCode::from(USAGE);
                }
            },
            Err(err) => {
                eprintln!("switchboard: --since {date}: {err}; write the date as YYYY-MM-DD");
                return ExitCode::from(USAGE);
            }
        },
    };
    let summary = ledger.summary(since, by);
    let status = ledger.budget_status(&caller.caps(), jiff::Timestamp::now());
    let (summary, status) = match (summary, status) {
        (Ok(summary), Ok(status)) => (summary, status),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("switchboard: {err}");
            return ExitCode::from(FAILED);
        }
    };
    if args.json {
        print_json(&json!({ "summary": summary, "budget": status }));
        return ExitCode::SUCCESS;
    }
    outln!(
        "{:<24} {:>7} {:>12} {:>12} {:>12} {:>12}",
        args.by,
        "calls",
        "input",
        "output",
        "cached",
        "cost"
    );
    for row in summary.rows.iter().chain(std::iter::once(&summary.totals)) {
        outln!(
            "{:<24} {:>7} {:>12} {:>12} {:>12} {:>12}",
            row.key,
            row.calls,
            row.input_tokens,
            row.output_tokens,
            row.cached_input_tokens,
            format!("${:.4}", row.cost_usd)
        );
    }
    let left = |left: Option<f64>| left.map_or("no cap".to_string(), |l| format!("${l:.4} left"));
    outln!(
        "\ntoday ({}): spent ${:.4}, ${:.4} reserved by calls in flight, {}",
        status.day,
        status.spent_today,
        status.reserved_today,
        left(status.left_today)
    );
    outln!(
        "this month ({}): spent ${:.4}, {}",
        status.month,
        status.spent_month,
        left(status.left_month)
    );
    ExitCode::SUCCESS
}
