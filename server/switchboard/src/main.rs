//! The `switchboard` binary: the LSP server and its command line (SPEC §1).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "A language server that puts several AI models behind one editor."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve LSP over stdio (the default). Logs go to stderr.
    Serve,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    switchboard::logging::init();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
    }
}

fn serve() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("switchboard: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    let ended = runtime.block_on(switchboard::serve(tokio::io::stdin(), tokio::io::stdout()));
    tracing::info!(?ended, "connection closed");
    // Handlers may still hold runtime tasks; do not wait for them past the protocol's end.
    runtime.shutdown_background();
    ExitCode::from(u8::try_from(ended.exit_code()).unwrap_or(1))
}
