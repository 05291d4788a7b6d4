//! The `switchboard` binary: a thin entry point over the command line in `cli/` (SPEC §1).

use std::process::ExitCode;

use clap::Parser;

mod cli;
use switchboard::config;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    switchboard::logging::init();
    cli::run(cli)
}
