//! `switchboard check [FILE]`: validates the effective config (or FILE on top of the built-in
//! defaults) and says what it holds; exit 2 with `file:line:col` on an error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::runtime_and_config;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check this file instead of the user file, the workspace file and SWITCHBOARD_CONFIG.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
}

pub fn run(args: &CheckArgs) -> ExitCode {
    let (_runtime, config) = match runtime_and_config(args.file.as_deref()) {
        Ok(both) => both,
        Err(code) => return code,
    };
    outln!(
        "config ok: {} providers, {} models, {} rules",
        config.providers.len(),
        config.models.len(),
        config.rules.len()
    );
    for (role, models) in &config.roles {
        outln!("  {role}: {}", models.join(", "));
    }
    if let Some(hint) = config.setup_hint() {
        outln!("{hint}");
    }
    ExitCode::SUCCESS
}
