//! The command line (SPEC §1): `serve` (the default), `run`, `ask`, `routes`, `costs`, `trace`,
//! `check` and `fake-provider`.
//!
//! Exit codes: 0 ok, 1 the task failed, 2 bad usage or bad config (clap's usage errors exit 2
//! too). Errors go to stderr; stdout carries only the command's output (or, for `serve`, LSP).

use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use router::Config;

use crate::config::{self, Sources};

/// `println!` for the command's output: a closed pipe (`switchboard costs | head`) ends the
/// program quietly with success, as Unix tools do, where `println!` would panic.
macro_rules! outln {
    () => {
        $crate::cli::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` for the command's output (see `outln!`).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*))
    };
}

mod ask;
mod check;
mod costs;
mod demo;
mod fake_provider;
mod place;
mod routes;
mod run;
mod search;
mod spinner;
mod trace;

/// Writes to stdout; exits quietly (0) when the reader has gone, and with [`FAILED`] on any
/// other write error.
pub(crate) fn write_out(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_fmt(text).and_then(|()| stdout.flush()) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(err) => {
            eprintln!("switchboard: cannot write the output: {err}");
            std::process::exit(i32::from(FAILED));
        }
    }
}

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
    Serve(ServeArgs),
    /// One raw streamed call to a model, or to the router's pick for a role; prints its text
    /// (or, with --json, the outcome). Goes through the budget and the ledger.
    Ask(ask::AskArgs),
    /// Offline, end to end on the built-in fake provider: implement, review and search on a
    /// sample file, with the decisions, the diff, the findings and the costs. Needs no key.
    Demo(demo::DemoArgs),
    /// The editor's pipeline from a terminal: prints the diff (or applies it), findings or answer.
    Run(run::RunArgs),
    /// The effective routing table; with --explain, one decision and why.
    Routes(routes::RoutesArgs),
    /// The cost ledger: calls, tokens, dollars, budget left.
    Costs(costs::CostsArgs),
    /// One action's chain: routing decisions, attempts, calls, tokens, cost.
    Trace(trace::TraceArgs),
    /// Validates the effective config (or FILE on top of the built-in defaults); exit 2 on an error.
    Check(check::CheckArgs),
    /// A local fake provider speaking every wire format; prints `listening on http://ADDR` first.
    FakeProvider(fake_provider::FakeProviderArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    match cli
        .command
        .unwrap_or(Command::Serve(ServeArgs { stdio: false }))
    {
        Command::Serve(_) => serve(),
        Command::Ask(args) => ask::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Routes(args) => routes::run(&args),
        Command::Costs(args) => costs::run(&args),
        Command::Trace(args) => trace::run(&args),
        Command::Check(args) => check::run(&args),
        Command::FakeProvider(args) => fake_provider::run(&args),
    }
}

/// `serve`'s flags.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Accepted and ignored: stdio is the only transport, and some clients (vscode-languageclient
    /// with `TransportKind.stdio`) add this flag.
    #[arg(long)]
    stdio: bool,
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

/// The effective config for a command (probing a local Ollama first), or the exit code after
/// printing what is wrong with it.
fn load_config(
    runtime: &tokio::runtime::Runtime,
    explicit: Option<&Path>,
) -> Result<Config, ExitCode> {
    let ollama = runtime.block_on(config::probe_ollama());
    config::load(&Sources::cli(explicit, ollama)).map_err(|err| {
        eprintln!("{err}");
        ExitCode::from(USAGE)
    })
}

/// The runtime and the effective config a command needs, or the exit code to end with.
fn runtime_and_config(
    explicit: Option<&Path>,
) -> Result<(tokio::runtime::Runtime, Config), ExitCode> {
    let runtime = runtime()?;
    let config = load_config(&runtime, explicit)?;
    Ok((runtime, config))
}

/// Prints a JSON value on stdout, one line.
fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => outln!("{text}"),
        Err(err) => eprintln!("switchboard: cannot print JSON: {err}"),
    }
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
