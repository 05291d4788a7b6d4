//! `switchboard fake-provider`: the providers crate's fake server, until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use providers::fake::FakeError;

use super::{FAILED, USAGE, runtime};

#[derive(Debug, Args)]
pub struct FakeProviderArgs {
    /// Where to listen. The default is a fixed port so that a config's base_url can stay put;
    /// give 127.0.0.1:0 for any free port (the first line printed names it).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4010")]
    listen: SocketAddr,
    /// A TOML scenario scripting the replies; without one, a short echo answers every request.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Append each request to this file as a JSON line.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
}

pub fn run(args: &FakeProviderArgs) -> ExitCode {
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let served = runtime.block_on(providers::fake::serve(
        args.listen,
        args.scenario.as_deref(),
        args.log.as_deref(),
    ));
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ (FakeError::Scenario(_) | FakeError::Replay { .. })) => {
            eprintln!("switchboard: {e}; fix the scenario file");
            ExitCode::from(USAGE)
        }
        Err(e) => {
            eprintln!("switchboard: {e}");
            ExitCode::from(FAILED)
        }
    }
}
