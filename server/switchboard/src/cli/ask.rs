//! `switchboard ask (--model ALIAS | --role ROLE) [--json] [--config FILE] PROMPT`: one streamed
//! call, to one model or to the router's pick for a role with its fallbacks, through the budget
//! and the ledger.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use router::Role;
use serde_json::json;
use tasks::{Answer, CallError, CallEvent, CallSpec, Target};

use super::{FAILED, USAGE, runtime_and_config};
use crate::config;

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["model", "role"])))]
pub struct AskArgs {
    /// The model's alias: the NAME of a [models.NAME] table.
    #[arg(long, value_name = "ALIAS")]
    model: Option<String>,
    /// The role whose models serve, in order: plan, implement, review, search, vision, or ask
    /// (the instruction decides the role).
    #[arg(long, value_name = "ROLE")]
    role: Option<String>,
    /// Print one JSON object with the text, usage and cost instead of streaming the text.
    #[arg(long)]
    json: bool,
    /// Read this config file (on top of the built-in defaults) instead of the user file, the
    /// workspace file and SWITCHBOARD_CONFIG.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// What to ask.
    #[arg(value_name = "PROMPT")]
    prompt: String,
}

pub fn run(args: &AskArgs) -> ExitCode {
    let (runtime, config) = match runtime_and_config(args.config.as_deref()) {
        Ok(both) => both,
        Err(code) => return code,
    };
    let target = match (&args.model, &args.role) {
        (Some(alias), _) => Target::Model {
            alias: alias.clone(),
            role: router::classify(&args.prompt),
        },
        (None, Some(role)) if role == "ask" => Target::Role(router::classify(&args.prompt)),
        (None, Some(role)) => match role.parse::<Role>() {
            Ok(role) => Target::Role(role),
            Err(err) => {
                eprintln!("switchboard: {err}");
                return ExitCode::from(USAGE);
            }
        },
        (None, None) => {
            eprintln!("switchboard: say who answers: --model ALIAS or --role ROLE");
            return ExitCode::from(USAGE);
        }
    };
    let caller = config::caller(config, config::ledger(None));
    if let Err(why) = caller.ledger() {
        eprintln!("switchboard: warning: {why}");
    }
    let spec = CallSpec {
        target,
        trace_id: ledger::new_trace_id(),
        request: providers::Request::user(args.prompt.clone()),
        input_tokens: router::count_o200k(&args.prompt),
        language: None,
        lines: 0,
        complexity: router::Complexity::default(),
    };
    let mut stdout = std::io::stdout();
    let mut printed_any = false;
    let result = runtime.block_on(caller.call(
        &spec,
        |event| match event {
            CallEvent::Text(delta) if !args.json => {
                // A closed stdout (a pipe into `head`) is no reason to stop the call.
                let _ = stdout.write_all(delta.as_bytes());
                let _ = stdout.flush();
                printed_any = !delta.is_empty() || printed_any;
            }
            CallEvent::FallingBack { from, error, to } => {
                if printed_any {
                    let _ = writeln!(stdout);
                    printed_any = false;
                }
                eprintln!("switchboard: {from} failed ({error}); asking {to}");
            }
            _ => {}
        },
        futures::future::pending(),
    ));
    match result {
        Ok(answer) => {
            if args.json {
                let _ = writeln!(stdout, "{}", answer_json(&answer));
            } else if !answer.text.ends_with('\n') {
                // End the streamed line, so a shell prompt starts on its own line.
                let _ = writeln!(stdout);
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            if printed_any {
                let _ = writeln!(stdout);
            }
            eprintln!("switchboard: {err}");
            eprintln!("switchboard: trace {}", spec.trace_id);
            ExitCode::from(match err {
                CallError::NoRoute(_) => USAGE,
                CallError::Refused(_)
                | CallError::Failed(_)
                | CallError::Ledger(_)
                | CallError::Cancelled => FAILED,
            })
        }
    }
}

fn answer_json(answer: &Answer) -> serde_json::Value {
    json!({
        "text": answer.text,
        "model": answer.alias,
        "provider": answer.provider,
        "finish_reason": tasks::call::finish_reason(&answer.outcome.finish_reason),
        "usage": {
            "input": answer.outcome.usage.input,
            "output": answer.outcome.usage.output,
            "cached_input": answer.outcome.usage.cached_input,
        },
        "cost_usd": answer.cost_usd,
        "attempts": answer.attempts,
        "trace_id": answer.trace_id,
    })
}
