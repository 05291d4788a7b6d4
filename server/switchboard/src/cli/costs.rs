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
    let today = jiff::Timestamp::now()
        .to_zoned(ledger.time_zone().clone())
        .date();
    let first_day = today
        .checked_sub(jiff::Span::new().days(CHART_DAYS - 1))
        .unwrap_or(today);
    let days = ledger
        .local_day_start(first_day)
        .and_then(|start| ledger.summary(Some(start), GroupBy::Day));
    let recent = ledger.recent_calls(RECENT_CALLS);
    match (days, recent) {
        (Ok(days), Ok(recent)) => {
            outln!("\nspend per day, the last {CHART_DAYS} days:");
            for line in day_chart(today, &days) {
                outln!("{line}");
            }
            if !recent.is_empty() {
                outln!("\nlast calls (`switchboard trace ID` shows one):");
                for call in &recent {
                    outln!(
                        "  {}  {}  {:<9} {:<12} ${:.4}",
                        call.trace_id,
                        call.finished_at
                            .to_zoned(ledger.time_zone().clone())
                            .strftime("%Y-%m-%d %H:%M"),
                        call.role,
                        call.model,
                        call.cost_usd
                    );
                }
            }
        }
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("switchboard: {err}");
            return ExitCode::from(FAILED);
        }
    }
    ExitCode::SUCCESS
}

/// Days the chart shows, today last.
const CHART_DAYS: i64 = 14;
/// Calls listed with their trace ids.
const RECENT_CALLS: usize = 8;
/// The width of the longest bar.
const BAR_WIDTH: f64 = 40.0;

/// One line a day, from `CHART_DAYS - 1` days before `today` to today: the date, a bar scaled
/// to the dearest day, and the spend.
fn day_chart(today: jiff::civil::Date, days: &ledger::CostSummary) -> Vec<String> {
    let spent = |date: jiff::civil::Date| {
        days.rows
            .iter()
            .find(|row| row.key == date.to_string())
            .map_or(0.0, |row| row.cost_usd)
    };
    let dates: Vec<jiff::civil::Date> = (0..CHART_DAYS)
        .rev()
        .filter_map(|back| today.checked_sub(jiff::Span::new().days(back)).ok())
        .collect();
    let most = dates.iter().map(|d| spent(*d)).fold(0.0_f64, f64::max);
    dates
        .iter()
        .map(|date| {
            let usd = spent(*date);
            let width = if most > 0.0 {
                (usd / most * BAR_WIDTH).ceil()
            } else {
                0.0
            };
            // reason: 0..=BAR_WIDTH, a small whole number
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let bar = "█".repeat(width as usize);
            format!("  {date} {bar:<40} ${usd:.4}")
        })
        .collect()
}
