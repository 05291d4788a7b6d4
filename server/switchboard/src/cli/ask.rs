//! `switchboard ask --model ALIAS [--json] [--config FILE] PROMPT`: one streamed call to one
//! configured model, for checking a config from a terminal.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use futures::StreamExt;
use providers::{FinishReason, Outcome, Request, StreamEvent};
use serde_json::json;

use super::{FAILED, USAGE, runtime};
use crate::config;

#[derive(Debug, Args)]
pub struct AskArgs {
    /// The model's alias: the NAME of a [models.NAME] table.
    #[arg(long, value_name = "ALIAS")]
    model: String,
    /// Print one JSON object with the text, usage and cost instead of streaming the text.
    #[arg(long)]
    json: bool,
    /// Read only this config file (instead of SWITCHBOARD_CONFIG, or the user and workspace files).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// What to ask.
    #[arg(value_name = "PROMPT")]
    prompt: String,
}

pub fn run(args: &AskArgs) -> ExitCode {
    let config = match config::load(args.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(USAGE);
        }
    };
    let Some(model) = config.models.get(&args.model) else {
        let known: Vec<&str> = config.models.keys().map(String::as_str).collect();
        if known.is_empty() {
            eprintln!(
                "switchboard: unknown model `{}`: no models are configured; add a [models.{}] table (provider, name, price) to the config",
                args.model, args.model
            );
        } else {
            eprintln!(
                "switchboard: unknown model `{}`; configured models: {}",
                args.model,
                known.join(", ")
            );
        }
        return ExitCode::from(USAGE);
    };
    let Some(provider) = config.providers.get(&model.provider) else {
        // The config check refuses a model naming no provider; this is only a safety net.
        eprintln!(
            "switchboard: model `{}` names provider `{}`, which is not configured; add a [providers.{}] table",
            args.model, model.provider, model.provider
        );
        return ExitCode::from(USAGE);
    };
    let provider_settings = config::provider_settings(&model.provider, provider);
    let model_settings = config::model_settings(model);
    let Some(price) = model_settings.price else {
        eprintln!(
            "switchboard: model `{}` has no price, and an unknown cost is never free; add price = {{ input = 1.0, output = 2.0, cached_input = 0.1 }} (USD per million tokens, from the provider's price list) to [models.{}]",
            args.model, args.model
        );
        return ExitCode::from(USAGE);
    };
    let client = match providers::client_for(&provider_settings) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("switchboard: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let request = Request::user(args.prompt.clone());
    let (text, streamed) = runtime.block_on(async {
        let mut stream = client.stream(&model_settings, &request);
        let mut text = String::new();
        let mut stdout = std::io::stdout();
        while let Some(event) = stream.next().await {
            match event {
                Ok(StreamEvent::Text(delta)) => {
                    if !args.json {
                        // A closed stdout (a pipe into `head`) is no reason to stop the call.
                        let _ = stdout.write_all(delta.as_bytes());
                        let _ = stdout.flush();
                    }
                    text.push_str(&delta);
                }
                Ok(StreamEvent::Done(outcome)) => return (text, Ok(outcome)),
                Err(e) => return (text, Err(e)),
            }
        }
        let truncated = providers::ProviderError::Truncated {
            provider: provider_settings.name.clone(),
        };
        (text, Err(truncated))
    });
    let mut stdout = std::io::stdout();
    if !args.json && !text.is_empty() && !text.ends_with('\n') {
        // End the streamed line, so a shell prompt or an error starts on its own line.
        let _ = writeln!(stdout);
    }
    match streamed {
        Ok(outcome) => {
            if args.json {
                let cost = providers::cost_usd(&price, &outcome.usage);
                let answer = answer_json(args, &model.provider, &text, &outcome, cost);
                let _ = writeln!(stdout, "{answer}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("switchboard: {e}");
            ExitCode::from(FAILED)
        }
    }
}

fn answer_json(
    args: &AskArgs,
    provider: &str,
    text: &str,
    outcome: &Outcome,
    cost_usd: f64,
) -> serde_json::Value {
    json!({
        "text": text,
        "model": args.model,
        "provider": provider,
        "finish_reason": finish_reason(&outcome.finish_reason),
        "usage": {
            "input": outcome.usage.input,
            "output": outcome.usage.output,
            "cached_input": outcome.usage.cached_input,
        },
        "cost_usd": cost_usd,
        "attempts": outcome.attempts,
        // The ledger, which gives each call a trace id, arrives with the next issue.
        "trace_id": null,
    })
}

fn finish_reason(reason: &FinishReason) -> String {
    match reason {
        FinishReason::Stop => "stop".to_string(),
        FinishReason::Length => "length".to_string(),
        FinishReason::StopSequence => "stop_sequence".to_string(),
        FinishReason::ToolUse => "tool_use".to_string(),
        FinishReason::ContentFilter => "content_filter".to_string(),
        FinishReason::Other(other) => other.clone(),
    }
}
