//! `lsp-bench`: drives any LSP server command over stdio and reports what users feel (P1–P7);
//! see BENCHMARKS.md at the repository root for the command that reproduces the published table.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use switchboard_bench::figures::Target;
use switchboard_bench::run::{Figure, Plan, run};

#[derive(Debug, Parser)]
#[command(
    name = "lsp-bench",
    about = "switchboard's performance harness (P1–P7)"
)]
struct Cli {
    #[command(subcommand)]
    command: What,
    /// Print the figures as JSON instead of the table.
    #[arg(long, global = true)]
    json: bool,
    /// Round trips kept for P1 and P3 (50 warm-up round trips come first).
    #[arg(long, global = true, default_value_t = 1_000)]
    edits: usize,
    /// Lines of the Rust file P1–P3 edit.
    #[arg(long, global = true, default_value_t = switchboard_bench::run::LINES)]
    lines: usize,
    /// Implement jobs in flight for P3 (fewer make a profile under valgrind quicker).
    #[arg(long, global = true, default_value_t = switchboard_bench::run::P3_JOBS)]
    jobs: usize,
    /// The switchboard binary (default: `switchboard` next to this program).
    #[arg(long, global = true)]
    switchboard: Option<PathBuf>,
    /// Run the server under this command, split at spaces, e.g.
    /// `--wrap "valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p"`.
    #[arg(long, global = true)]
    wrap: Option<String>,
    /// P1's request after each didChange on another server, taking `{textDocument, position}`
    /// (e.g. `textDocument/hover`); the default is codeAction with an empty context.
    #[arg(long, global = true)]
    request: Option<String>,
    /// The repository whose `server/*/src` P6 samples (default: this one).
    #[arg(long, global = true)]
    repository: Option<PathBuf>,
    /// How long to wait for any one answer.
    #[arg(long, global = true, default_value_t = 60)]
    timeout_secs: u64,
    /// Pass the server's stderr through.
    #[arg(long, global = true)]
    server_stderr: bool,
    /// Measure another server: everything after `--server` is its command and arguments, so
    /// put it last. P1, P2 and P7 run; the switchboard-specific figures are skipped.
    #[arg(long, global = true, num_args = 1.., allow_hyphen_values = true, value_name = "CMD")]
    server: Option<Vec<String>>,
}

#[derive(Debug, Subcommand)]
enum What {
    /// P1 to P7, then one table.
    All,
    /// Only the figures named.
    Only {
        #[arg(value_enum, required = true)]
        figures: Vec<Figure>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match main_with(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("lsp-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn main_with(cli: &Cli) -> anyhow::Result<()> {
    let (argv, switchboard) = match &cli.server {
        Some(command) => {
            let mut command = command.clone();
            if let Some(program) = command.first_mut()
                && program.contains('/')
            {
                *program = absolute(program.as_ref())?.to_string_lossy().into_owned();
            }
            (command, false)
        }
        None => {
            let binary = match &cli.switchboard {
                Some(path) => absolute(path)?,
                None => std::env::current_exe()?
                    .parent()
                    .context("this program has no directory")?
                    .join("switchboard"),
            };
            anyhow::ensure!(
                binary.exists(),
                "{} does not exist: build it first with `cargo build --release -p switchboard`, or pass --switchboard PATH",
                binary.display()
            );
            (
                vec![binary.to_string_lossy().into_owned(), "serve".to_string()],
                true,
            )
        }
    };
    let mut full = cli
        .wrap
        .as_deref()
        .map(|wrap| {
            wrap.split_whitespace()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    full.extend(argv);
    let figures = match &cli.command {
        What::All => vec![
            Figure::P1,
            Figure::P2,
            Figure::P3,
            Figure::P4,
            Figure::P5,
            Figure::P6,
            Figure::P7,
        ],
        What::Only { figures } => figures.clone(),
    };
    let repository = match &cli.repository {
        Some(path) => path.clone(),
        // The crate is server/bench: the repository is two levels up.
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."),
    };
    let plan = Plan {
        figures,
        target: Target {
            argv: full,
            switchboard,
            timeout: Duration::from_secs(cli.timeout_secs),
            stderr: cli.server_stderr,
        },
        request: cli.request.clone(),
        edits: cli.edits,
        jobs: cli.jobs,
        lines: cli.lines,
        repository: repository.canonicalize().unwrap_or(repository),
    };
    // One thread: the client's reader, its requests and the fake provider share it, so the
    // harness itself takes as little of the machine from the server as it can.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let figures = runtime.block_on(run(&plan))?;
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&figures.json())?);
    } else {
        print!("{}", figures.table());
    }
    Ok(())
}

/// `path` from the current directory: servers are started in a scratch workspace, where a
/// relative path would point elsewhere.
fn absolute(path: &std::path::Path) -> anyhow::Result<PathBuf> {
    Ok(std::env::current_dir()?.join(path))
}
