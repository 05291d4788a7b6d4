//! `switchboard run search --question TEXT` and `switchboard run librarian --question TEXT`: the
//! search agent from a terminal, over the workspace or over its dependencies' sources (the
//! librarian). The model looks with its tools step by step (each step on stderr and in the
//! trace) and answers with places it cites, each checked as the editor checks them.

use tasks::outcome::{Answered, Ending, Outcome, Routing};

use super::run::{RunArgs, cited, render};
use super::spinner::Spinner;
use crate::config;

/// Answers `question` about the workspace the command runs in (`role` search), or about its
/// dependencies (`role` librarian).
///
/// # Errors
/// What stopped it, in words: no model, the budget, a provider error.
pub(super) fn ask(
    args: &RunArgs,
    role: router::Role,
    question: &str,
    runtime: tokio::runtime::Runtime,
    config: router::Config,
) -> Result<std::process::ExitCode, String> {
    let root = config::cli_workspace_root();
    let agent = config.agent;
    let exclude = config.privacy.exclude.clone();
    let caller = config::caller(config, config::ledger(None));
    let index = config::workspace_index(std::slice::from_ref(&root), &exclude, None);
    index.refresh();
    let libraries = (role == router::Role::Librarian).then(|| {
        tasks::agent::library::dependencies(&root, &tasks::agent::library::Places::from_env())
    });
    if libraries.as_ref().is_some_and(Vec::is_empty) {
        return Err(tasks::agent::library::none_found(&root));
    }
    let tools = std::sync::Arc::new(tasks::agent::tools::WorkspaceTools {
        root: root.clone(),
        exclude: exclude.clone(),
        index: Some(std::sync::Arc::new(index)),
        state_dir: config::state_dir(None).ok(),
        libraries,
    });
    let trace_id = ledger::new_trace_id();
    let base = tasks::CallSpec {
        target: tasks::Target::Role(role),
        trace_id: trace_id.clone(),
        request: providers::Request::default(),
        // The system prompt, the tools and the question, counted; each step adds what the
        // tools gave (`agent::search`).
        input_tokens: router::count_o200k(if role == router::Role::Librarian {
            tasks::agent::LIBRARIAN
        } else {
            tasks::agent::SYSTEM
        }) + router::count_o200k(question)
            + 600,
        language: None,
        lines: 0,
        complexity: router::Complexity::default(),
    };
    // `[agent]`, with what the command line says instead.
    let limits = tasks::agent::Limits::from(router::Agent {
        max_steps: args.max_steps.unwrap_or(agent.max_steps),
        max_usd: args.max_usd.or(agent.max_usd),
        max_tokens: args.max_tokens.or(agent.max_tokens),
    });
    let spinner = Spinner::start(role);
    let json_out = args.json;
    let mut routing = Routing::default();
    let found = runtime
        .block_on(tasks::agent::search(
            &caller,
            &base,
            question,
            (&tools, &tasks::agent::InPlace),
            &limits,
            |event| match event {
                tasks::agent::AgentEvent::Call(event) => {
                    routing.hear(&event);
                    spinner.heard(&event);
                }
                tasks::agent::AgentEvent::Step(number, step) => {
                    let what = format!("{} {} → {}", step.tool, step.call, step.result);
                    spinner.step(number, &what);
                    if !json_out {
                        spinner.bar_println(format!("step {number}: {what}"));
                    }
                }
            },
            futures::future::pending(),
        ))
        .map_err(|err| format!("{err} (trace {trace_id})"))?;
    spinner.finish();
    let (citations, invalid_citations) =
        cited(&root, &exclude, tools.libraries.as_deref(), &found.markdown);
    let outcome = Outcome {
        trace_id,
        role,
        routed_model: routing.routed_model.unwrap_or_else(|| found.alias.clone()),
        model: found.alias,
        fallbacks: routing.fallbacks,
        cost_usd: found.cost_usd,
        calls: u32::try_from(found.calls).unwrap_or(u32::MAX),
        ending: Ending::Answered(Answered {
            markdown: found.markdown,
            citations,
            invalid_citations,
            partial: found.partial,
            concerns: Vec::new(),
            steps: found.steps,
            document: None,
        }),
    };
    Ok(render(&outcome, args.json, ""))
}
