//! `switchboard run ROLE PATH[:START-END] [--instruction TEXT] [--image IMAGE] [--apply] [--json]`: the
//! editor's pipeline from a terminal, with the current directory as the workspace. Prints the
//! diff (or applies it), the findings, or the answer.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use ropey::Rope;
use router::Role;
use serde_json::json;
use tasks::agent::library::Library;
use tasks::job::JobResult;
use tasks::outcome::{Citation, Ending, Outcome, Routing};

use super::place::Place;
use super::{FAILED, USAGE, print_json, runtime_and_config};
use crate::config;
use switchboard::{Sources, check_citations, files, image};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// implement, review, search (or explain), plan, vision, oracle (a second opinion),
    /// librarian (with --question), or ask (the instruction decides).
    #[arg(value_name = "ROLE")]
    role: String,
    /// The file, optionally with 1-based inclusive lines: `src/lib.rs:10-40` (not needed for
    /// `search --question`).
    #[arg(value_name = "PATH[:START-END]")]
    place: Option<String>,
    /// For search: a question about the workspace, answered by the search agent, which looks
    /// with grep, read, outline, definition and references, step by step; for librarian: a
    /// question about the dependencies, answered from their sources the same way.
    #[arg(long, value_name = "TEXT")]
    pub(super) question: Option<String>,
    /// For search --question: tool rounds at most (default: `[agent] max_steps`, 8).
    #[arg(long, value_name = "N")]
    pub(super) max_steps: Option<u32>,
    /// For search --question: dollars the agent's calls may cost in all (default:
    /// `[agent] max_usd`).
    #[arg(long, value_name = "USD")]
    pub(super) max_usd: Option<f64>,
    /// For search and librarian --question: tokens (in and out) the agent's calls may use in
    /// all (default: `[agent] max_tokens`).
    #[arg(long, value_name = "N")]
    pub(super) max_tokens: Option<u64>,
    /// What to do; without it, a TODO / FIXME / `AI:` comment in or above the lines, else the
    /// role's default.
    #[arg(long, value_name = "TEXT")]
    instruction: Option<String>,
    /// For vision: the image to describe (a png, jpeg, gif or webp under the current
    /// directory); without it, the first image path written on the lines.
    #[arg(long, value_name = "IMAGE")]
    image: Option<String>,
    /// Write the edits to the files instead of printing the diff.
    #[arg(long)]
    apply: bool,
    #[arg(long)]
    pub(super) json: bool,
    /// Read this config file (on top of the built-in defaults) instead of the usual ones.
    #[arg(long, value_name = "FILE")]
    pub(super) config: Option<PathBuf>,
}

pub fn run(args: &RunArgs) -> ExitCode {
    match execute(args) {
        Ok(code) => code,
        Err(stop) => {
            if args.json {
                print_json(&json!({ "outcome": "failed", "message": stop.message }));
            } else {
                eprintln!("switchboard: {}", stop.message);
            }
            ExitCode::from(stop.code)
        }
    }
}

/// Why a run failed before its job had an outcome (usage, config, the search agent's setup),
/// printed as `{"outcome": "failed", "message"}` with `--json` and on stderr otherwise. Once a
/// job runs, its end is an [`Outcome`], whatever it is.
struct Stop {
    code: u8,
    message: String,
}

fn usage(message: impl Into<String>) -> Stop {
    Stop {
        code: USAGE,
        message: message.into(),
    }
}

fn execute(args: &RunArgs) -> Result<ExitCode, Stop> {
    let role = match args.role.as_str() {
        "ask" => router::classify(args.instruction.as_deref().unwrap_or("")),
        // The editor's "Explain with MODEL" is the search role.
        "explain" => Role::Search,
        name => name.parse::<Role>().map_err(|err| usage(err.to_string()))?,
    };
    let (runtime, config) = runtime_and_config(args.config.as_deref()).map_err(|_| {
        usage("the config cannot be used (the error is above, on stderr); fix it and run again")
    })?;
    if role == Role::Librarian && args.question.is_none() {
        return Err(usage(
            "the librarian answers a question about the dependencies: give --question TEXT",
        ));
    }
    if matches!(role, Role::Search | Role::Librarian)
        && let Some(question) = &args.question
    {
        return super::search::ask(args, role, question, runtime, config).map_err(|message| Stop {
            code: FAILED,
            message,
        });
    }
    let place = args.place.as_deref().ok_or_else(|| {
        usage("which lines? give PATH[:START-END] (only `search --question` needs none)")
    })?;
    let place = Place::load(place, &config.privacy.exclude).map_err(usage)?;
    let Place {
        root,
        relative,
        rope,
        selection,
        ..
    } = &place;
    let root = root.clone();
    let exclude = config.privacy.exclude.clone();
    let image = if role == Role::Vision {
        Some(
            vision_image(
                &root,
                args.image.as_deref(),
                relative,
                rope,
                selection,
                &exclude,
            )
            .map_err(usage)?,
        )
    } else {
        None
    };
    let caller = config::caller(config, config::ledger(None));
    let workspace = config::workspace_index(std::slice::from_ref(&root), &exclude, None);
    workspace.refresh();
    let trace_id = ledger::new_trace_id();
    let input = place.input(
        role,
        args.instruction.clone(),
        trace_id.clone(),
        &workspace,
        image.as_ref(),
    );
    let read_other = |other: &str| files::read(&root, other, &exclude);
    let spinner = super::spinner::Spinner::start(role);
    let mut routing = Routing::default();
    let done = runtime.block_on(tasks::job::run(
        &caller,
        &input,
        &read_other,
        |event| {
            routing.hear(&event);
            spinner.heard(&event);
        },
        futures::future::pending(),
    ));
    spinner.finish();
    let done = match done {
        Ok(done) => done,
        // No model answered: the outcome says why, with the trace to read.
        Err(err) => {
            let routed_model = routing.routed_model.unwrap_or_default();
            let (cost_usd, calls) = tasks::outcome::spent(&caller, &trace_id);
            let outcome = Outcome {
                trace_id,
                role,
                model: routed_model.clone(),
                routed_model,
                fallbacks: routing.fallbacks,
                cost_usd,
                calls,
                ending: Ending::Failed {
                    message: err.to_string(),
                },
            };
            return Ok(render(&outcome, args.json, relative));
        }
    };
    let answer = &done.answer;
    let ending = match (Ending::of(&answer.alias, &done.result), &done.result) {
        (Ending::Diff(edits), Ok(JobResult::Edits(changes))) if args.apply => {
            match files::write_all(&root, changes, &exclude) {
                Ok(_) => Ending::Applied(edits),
                Err(err) => Ending::Failed {
                    message: format!("cannot apply the edit: {err}"),
                },
            }
        }
        (Ending::Answered(mut answered), _) => {
            // The places the answer cites, each checked against the workspace as the editor
            // checks them.
            (answered.citations, answered.invalid_citations) =
                cited(&root, &exclude, None, &answered.markdown);
            Ending::Answered(answered)
        }
        (ending, _) => ending,
    };
    let outcome = Outcome {
        trace_id,
        role,
        model: answer.alias.clone(),
        routed_model: routing.routed_model.unwrap_or_else(|| answer.alias.clone()),
        fallbacks: routing.fallbacks,
        cost_usd: answer.cost_usd,
        calls: answer.calls,
        ending,
    };
    Ok(render(&outcome, args.json, relative))
}

/// Prints an outcome: as JSON, or as text (the diff, the findings as `PATH:LINE: severity:
/// message`, the answer) with what happened on stderr. The exit code: 1 when it was refused or
/// failed.
pub(super) fn render(outcome: &Outcome, json: bool, relative: &str) -> ExitCode {
    let code = match &outcome.ending {
        Ending::Refused { .. } | Ending::Failed { .. } | Ending::Cancelled => {
            ExitCode::from(FAILED)
        }
        _ => ExitCode::SUCCESS,
    };
    if json {
        print_json(outcome);
        return code;
    }
    match &outcome.ending {
        Ending::Applied(edits) => {
            warn_all(&edits.warnings);
            let files: Vec<String> = edits
                .files
                .iter()
                .map(|path| {
                    if edits.created.contains(path) {
                        format!("{path} (new)")
                    } else {
                        path.clone()
                    }
                })
                .collect();
            eprintln!("switchboard: applied to {}", files.join(", "));
        }
        Ending::Diff(edits) => {
            warn_all(&edits.warnings);
            out!("{}", coloured(&edits.diff, colour_stdout()));
        }
        Ending::Reviewed { findings } => {
            print_findings(relative, findings);
        }
        Ending::Answered(answered) => {
            outln!("{}", answered.markdown);
            print_findings(relative, &answered.concerns);
            if !answered.invalid_citations.is_empty() {
                eprintln!(
                    "switchboard: these cited places are not in the workspace: {}",
                    answered.invalid_citations.join(", ")
                );
            }
        }
        Ending::Unchanged { message }
        | Ending::Refused { message }
        | Ending::Failed { message } => {
            eprintln!("switchboard: {message} (trace {})", outcome.trace_id);
            return code;
        }
        Ending::Cancelled => {}
    }
    let steps = match &outcome.ending {
        Ending::Answered(answered) if !answered.steps.is_empty() => format!(
            " in {} step(s){}",
            answered.steps.len(),
            answered
                .partial
                .as_deref()
                .map(|why| format!("; partial: {why}"))
                .unwrap_or_default()
        ),
        _ => String::new(),
    };
    eprintln!(
        "switchboard: {} by {}{steps} for ${:.4} (trace {})",
        outcome.role.as_str(),
        outcome.model,
        outcome.cost_usd,
        outcome.trace_id
    );
    code
}

/// Findings (or an oracle's concerns) as `PATH:LINE: severity: message`, which editors and
/// terminals turn into links.
fn print_findings(relative: &str, findings: &[tasks::outcome::ReviewFinding]) {
    for f in findings {
        outln!("{relative}:{}: {}: {}", f.line, f.severity, f.message);
    }
}

fn warn_all(warnings: &[String]) {
    for warning in warnings {
        eprintln!("switchboard: warning: {warning}");
    }
}

/// The places `markdown` cites that exist in the workspace at `root` (or, for the librarian,
/// in one of the `libraries` as `name@version/path`), and the others as text: checked as the
/// editor checks them.
pub(super) fn cited(
    root: &Path,
    exclude: &[String],
    libraries: Option<&[Library]>,
    markdown: &str,
) -> (Vec<Citation>, Vec<String>) {
    let read = |label: &str| files::read(root, label, exclude).text();
    let roots = [root.to_path_buf()];
    let locate = |label: &str| {
        tasks::context::resolve_label(&roots, Some(root), label)
            .map(|(root, relative)| root.join(relative))
    };
    let sources = Sources {
        locate: &locate,
        read: &read,
        libraries: libraries.unwrap_or_default(),
    };
    check_citations(markdown, &sources)
}

/// Whether stdout takes colours: a terminal, unless `NO_COLOR` is set; or `CLICOLOR_FORCE`
/// (the conventions of <https://no-color.org> and `CLICOLOR`).
fn colour_stdout() -> bool {
    use std::io::IsTerminal;
    let set = |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty());
    if set("CLICOLOR_FORCE") {
        return true;
    }
    !set("NO_COLOR") && std::io::stdout().is_terminal()
}

/// A unified diff with git's colours: headers bold, hunks cyan, removals red, additions green.
fn coloured(diff: &str, colour: bool) -> String {
    if !colour {
        return diff.to_owned();
    }
    diff.split_inclusive('\n')
        .map(|line| {
            let style = if line.starts_with("---") || line.starts_with("+++") {
                "\x1b[1m"
            } else if line.starts_with("@@") {
                "\x1b[36m"
            } else if line.starts_with('-') {
                "\x1b[31m"
            } else if line.starts_with('+') {
                "\x1b[32m"
            } else {
                return line.to_owned();
            };
            let (text, end) = match line.strip_suffix('\n') {
                Some(text) => (text, "\n"),
                None => (line, ""),
            };
            format!("{style}{text}\x1b[0m{end}")
        })
        .collect()
}

/// The image for `run vision`: the one named, else the first image path on the lines, resolved
/// as the editor resolves it (beside the file, then from the current directory), never outside
/// the current directory nor excluded.
fn vision_image(
    root: &Path,
    named: Option<&str>,
    relative: &str,
    rope: &Rope,
    selection: &std::ops::Range<usize>,
    exclude: &[String],
) -> Result<tasks::job::Image, String> {
    let written = named
        .map(str::to_string)
        .or_else(|| image::image_path_in(rope, selection))
        .ok_or("no image: name one with --image, or select lines with an image path (png, jpeg, gif, webp) in a string or markdown link")?;
    let root = root.to_path_buf();
    let (path, image_relative): (PathBuf, String) =
        image::resolve(std::slice::from_ref(&root), &root.join(relative), &written)
            .ok_or_else(|| format!("{written} is not a file under the current directory"))?;
    if tasks::context::excluded(&image_relative, exclude) {
        return Err(format!("{image_relative} is excluded by [privacy] exclude"));
    }
    image::read(&path, &image_relative)
}
