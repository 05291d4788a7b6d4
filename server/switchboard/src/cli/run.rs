//! `switchboard run ROLE PATH[:START-END] [--instruction TEXT] [--image IMAGE] [--apply] [--json]`: the
//! editor's pipeline from a terminal, with the current directory as the workspace. Prints the
//! diff (or applies it), the findings, or the answer.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use ropey::Rope;
use router::Role;
use serde_json::{Value, json};
use tasks::job::JobResult;
use tasks::reply::FileChange;

use super::place::Place;
use super::{FAILED, USAGE, print_json, runtime_and_config};
use crate::config;
use switchboard::{check_citations, files, image};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// implement, review, search (or explain), plan, vision (or ask: the instruction decides).
    #[arg(value_name = "ROLE")]
    role: String,
    /// The file, optionally with 1-based inclusive lines: `src/lib.rs:10-40` (not needed for
    /// `search --question`).
    #[arg(value_name = "PATH[:START-END]")]
    place: Option<String>,
    /// For search: a question about the workspace, answered by the search agent, which looks
    /// with grep, read, outline, definition and references, step by step.
    #[arg(long, value_name = "TEXT")]
    pub(super) question: Option<String>,
    /// For search --question: tool rounds at most (default: `[agent] max_steps`, 8).
    #[arg(long, value_name = "N")]
    pub(super) max_steps: Option<u32>,
    /// For search --question: dollars the agent's calls may cost in all (default:
    /// `[agent] max_usd`).
    #[arg(long, value_name = "USD")]
    pub(super) max_usd: Option<f64>,
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
                let mut out = json!({ "outcome": stop.outcome, "message": stop.message });
                if let (Some(out), Value::Object(extra)) = (out.as_object_mut(), stop.extra) {
                    out.extend(extra);
                }
                print_json(&out);
            } else {
                eprintln!("switchboard: {}", stop.message);
            }
            ExitCode::from(stop.code)
        }
    }
}

/// Why a run ended without its result, printed as JSON with `--json` and on stderr otherwise.
struct Stop {
    code: u8,
    /// `failed` (usage, config, provider, writing) or `refused` (the reply could not be used).
    outcome: &'static str,
    message: String,
    /// More fields for the JSON object: the trace, the model.
    extra: Value,
}

fn usage(message: impl Into<String>) -> Stop {
    Stop {
        code: USAGE,
        outcome: "failed",
        message: message.into(),
        extra: Value::Null,
    }
}

fn execute(args: &RunArgs) -> Result<ExitCode, Stop> {
    let role = match args.role.as_str() {
        "ask" => router::classify(args.instruction.as_deref().unwrap_or("")),
        // The editor's "Explain with MODEL" is the search role.
        "explain" => Role::Search,
        name => name.parse::<Role>().map_err(|err| usage(err.to_string()))?,
    };
    let (runtime, config) = runtime_and_config(args.config.as_deref()).map_err(|_| Stop {
        code: USAGE,
        outcome: "failed",
        message: "the config cannot be used (the error is above, on stderr); fix it and run again"
            .to_string(),
        extra: Value::Null,
    })?;
    if role == Role::Search
        && let Some(question) = &args.question
    {
        return super::search::ask(args, question, runtime, config).map_err(|message| Stop {
            code: FAILED,
            outcome: "failed",
            message,
            extra: Value::Null,
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
    let done = runtime
        .block_on(tasks::job::run(
            &caller,
            &input,
            &read_other,
            |event| spinner.heard(&event),
            futures::future::pending(),
        ))
        .map_err(|err| Stop {
            code: FAILED,
            outcome: "failed",
            message: format!("{err} (trace {trace_id})"),
            extra: json!({ "trace_id": trace_id, "role": role.as_str() }),
        })?;
    spinner.finish();
    let answer = &done.answer;
    let mut out = json!({
        "trace_id": trace_id,
        "role": role.as_str(),
        "model": answer.alias,
        "cost_usd": answer.cost_usd,
    });
    let result = done.result.as_ref().map_err(|err| Stop {
        code: FAILED,
        outcome: "refused",
        message: format!(
            "{}'s answer could not be used, so nothing was changed: {err}",
            answer.alias
        ),
        extra: out.clone(),
    })?;
    match result {
        JobResult::Edits(changes) => {
            let diff = unified_diff(changes);
            out["diff"] = json!(diff);
            let warnings: Vec<String> = changes
                .iter()
                .filter_map(|c| c.syntax_warning.as_ref())
                .map(|problem| {
                    format!("{problem}; applied anyway ([edits] on_syntax_error = \"apply\")")
                })
                .collect();
            for warning in &warnings {
                eprintln!("switchboard: warning: {warning}");
            }
            out["warnings"] = json!(warnings);
            out["files"] = json!(changes.iter().map(|c| &c.path).collect::<Vec<_>>());
            out["created"] = json!(
                changes
                    .iter()
                    .filter(|c| c.created)
                    .map(|c| &c.path)
                    .collect::<Vec<_>>()
            );
            if args.apply {
                files::write_all(&root, changes, &exclude).map_err(|err| Stop {
                    code: FAILED,
                    outcome: "failed",
                    message: format!("cannot apply the edit: {err}"),
                    extra: out.clone(),
                })?;
                out["outcome"] = json!("applied");
                if !args.json {
                    eprintln!(
                        "switchboard: applied to {}",
                        changes
                            .iter()
                            .map(|c| if c.created {
                                format!("{} (new)", c.path)
                            } else {
                                c.path.clone()
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            } else {
                out["outcome"] = json!("diff");
                if !args.json {
                    out!("{}", coloured(&diff, colour_stdout()));
                }
            }
        }
        JobResult::Findings(findings) => {
            out["outcome"] = json!("reviewed");
            out["findings"] = json!(findings
                .iter()
                .map(|f| json!({ "line": f.line, "end_line": f.end_line, "severity": format!("{:?}", f.severity).to_lowercase(), "message": f.message, "fix": f.fix }))
                .collect::<Vec<_>>());
            if !args.json {
                for f in findings {
                    outln!(
                        "{relative}:{}: {}: {}",
                        f.line,
                        format!("{:?}", f.severity).to_lowercase(),
                        f.message
                    );
                }
            }
        }
        JobResult::Answer(markdown) => {
            out["outcome"] = json!("answered");
            out["answer"] = json!(markdown);
            // The places the answer cites, each checked against the workspace as the editor
            // checks them.
            let (found, invalid) = cited(&root, &exclude, markdown);
            out["citations"] = found;
            out["invalid_citations"] = json!(invalid);
            if !args.json {
                outln!("{markdown}");
            }
        }
    }
    if args.json {
        print_json(&out);
    } else {
        eprintln!(
            "switchboard: {} by {} for ${:.4} (trace {trace_id})",
            role.as_str(),
            answer.alias,
            answer.cost_usd
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The places `markdown` cites that exist in the workspace at `root` (as JSON: path, lines,
/// uri), and the others as text: checked as the editor checks them.
pub(super) fn cited(root: &Path, exclude: &[String], markdown: &str) -> (Value, Vec<String>) {
    let read = |path: &str| files::read(root, path, exclude).text();
    let roots = [root.to_path_buf()];
    let locate = |label: &str| {
        tasks::context::resolve_label(&roots, Some(root), label)
            .map(|(root, relative)| root.join(relative))
    };
    let (found, invalid) = check_citations(markdown, &locate, &read);
    let found = found
        .iter()
        .map(|location| {
            let path = location
                .uri
                .to_file_path()
                .and_then(|p| {
                    p.strip_prefix(root)
                        .ok()
                        .map(|r| r.to_string_lossy().into_owned())
                })
                .unwrap_or_default();
            json!({
                "path": path,
                "start_line": location.range.start.line + 1,
                "end_line": location.range.end.line,
                "uri": location.uri.as_str(),
            })
        })
        .collect();
    (Value::Array(found), invalid)
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

/// The changes as one unified diff, `a/` and `b/` prefixes as git writes them.
pub fn unified_diff(changes: &[FileChange]) -> String {
    let mut out = String::new();
    for change in changes {
        let diff = similar::TextDiff::from_lines(&change.before, &change.after);
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{}", change.path), &format!("b/{}", change.path))
                .to_string(),
        );
    }
    out
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
