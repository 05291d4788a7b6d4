//! The command line (SPEC §1): `serve` (the default), `ask` and `fake-provider`.
//!
//! Exit codes: 0 ok, 1 the task failed, 2 bad usage or bad config (clap's usage errors exit 2
//! too). Errors go to stderr; stdout carries only the command's output (or, for `serve`, LSP).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod ask;
mod fake_provider;

/// The task failed: a provider error, nothing to do.
pub const FAILED: u8 = 1;
/// Bad usage or bad config.
pub const USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "A language server that puts several AI models behind one editor."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve LSP over stdio (the default). Logs go to stderr.
    Serve,
    /// One raw streamed call to a configured model; prints its text (or, with --json, the outcome).
    Ask(ask::AskArgs),
    /// A local fake provider speaking every wire format; prints `listening on http://ADDR` first.
    FakeProvider(fake_provider::FakeProviderArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Ask(args) => ask::run(&args),
        Command::FakeProvider(args) => fake_provider::run(&args),
    }
}

/// The async runtime a command runs on, or the exit code to end with when it cannot start.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| {
            eprintln!("switchboard: cannot start the async runtime: {err}");
            ExitCode::from(FAILED)
        })
}

fn serve() -> ExitCode {
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let ended = runtime.block_on(switchboard::serve(tokio::io::stdin(), tokio::io::stdout()));
    tracing::info!(?ended, "connection closed");
    // Handlers may still hold runtime tasks; do not wait for them past the protocol's end.
    runtime.shutdown_background();
    ExitCode::from(u8::try_from(ended.exit_code()).unwrap_or(FAILED))
}
