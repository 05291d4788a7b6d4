//! `textDocument/codeAction`: Implement, Review, Explain and Plan on the selection (or, with an
//! empty one, the enclosing function or class), Fix on diagnostics from any server, the fixes of
//! review findings, and Implement plan after a plan. Titles name the model that would serve now
//! and the estimated cost.
//!
//! Listing never calls a model or the network and never runs a tokenizer: token counts are
//! estimated from byte lengths, and routing reads only the local ledger.

use router::{Decision, Role};
use serde_json::json;
use tasks::{CallSpec, Target};
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionDisabled, CodeActionKind, CodeActionOrCommand, CodeActionParams,
    CodeActionResponse, Command, Uri,
};

use crate::from_proto;
use crate::jobs::{self, Selection};
use crate::session::Session;
use crate::store::Snapshot;

/// The code actions for a request, and a message for the user when actions are disabled and
/// the client cannot show them so (see [`disabled_for_client`]).
pub fn code_actions(
    session: &Session,
    params: &CodeActionParams,
) -> (Option<CodeActionResponse>, Option<String>) {
    let Some(actions) = listing(session, params) else {
        return (None, None);
    };
    disabled_for_client(session, actions)
}

/// What a client that cannot show a disabled action with its reason gets instead: the
/// disabled actions are left out (a client that ignores `disabled` would run them) and the
/// reason is told once with `window/showMessage`, until it changes. A client that can show
/// them gets them as they are.
fn disabled_for_client(
    session: &Session,
    actions: CodeActionResponse,
) -> (Option<CodeActionResponse>, Option<String>) {
    if session.client_support().disabled_actions {
        return (Some(actions), None);
    }
    let mut reasons = Vec::new();
    let kept: CodeActionResponse = actions
        .into_iter()
        .filter(|action| match action {
            CodeActionOrCommand::CodeAction(CodeAction {
                title,
                disabled: Some(disabled),
                ..
            }) => {
                reasons.push(match title.split_once(" with ") {
                    Some((verb, _)) => format!("{verb}: {}", disabled.reason),
                    None => disabled.reason.clone(),
                });
                false
            }
            _ => true,
        })
        .collect();
    let mut told = session
        .disabled_told
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if reasons.is_empty() {
        *told = None;
        return (Some(kept), None);
    }
    let message = format!("switchboard: unavailable here now: {}", reasons.join("; "));
    // Counts of seconds change at every listing; the reason does not.
    let key: String = message.chars().filter(|c| !c.is_ascii_digit()).collect();
    if told.as_deref() == Some(key.as_str()) {
        return (Some(kept), None);
    }
    *told = Some(key);
    (Some(kept), Some(message))
}

/// Every action of a request, disabled ones with their reason; `None` when the document is
/// unknown, out of sync or excluded by `[privacy]`.
fn listing(session: &Session, params: &CodeActionParams) -> Option<CodeActionResponse> {
    let uri = &params.text_document.uri;
    let snapshot = session.documents.snapshot(uri)?;
    if snapshot.out_of_sync.is_some() {
        return None;
    }
    let caller = session.caller()?;
    if let Some(why) = jobs::privacy_refusal(session, &caller, uri) {
        // One disabled action that says why, rather than none: actions that vanish leave the
        // user guessing.
        return Some(vec![CodeActionOrCommand::CodeAction(CodeAction {
            title: "switchboard: off for this file".to_owned(),
            kind: Some(CodeActionKind::REFACTOR),
            disabled: Some(CodeActionDisabled { reason: why }),
            ..CodeAction::default()
        })]);
    }
    let range = from_proto::range(params.range);
    let chars = text::range_to_chars(&snapshot.rope, range, session.encoding()).ok()?;
    let selection = Selection::around(&snapshot, chars);
    let listing = Listing {
        session,
        caller: &caller,
        uri,
        snapshot: &snapshot,
    };
    let mut actions = Vec::new();
    for (role, verb) in [
        (Role::Implement, "Implement"),
        (Role::Review, "Review"),
        (Role::Search, "Explain"),
        (Role::Plan, "Plan"),
    ] {
        actions.push(action(
            &listing,
            &selection,
            role,
            verb,
            command_for(role),
            json!({ "uri": uri, "range": params.range }),
            CodeActionKind::REFACTOR,
        ));
    }
    if let Some(image) = jobs::image_on(session, &caller, uri, &snapshot, &selection) {
        actions.push(action(
            &listing,
            &selection,
            Role::Vision,
            "Describe image",
            command_for(Role::Vision),
            json!({ "uri": uri, "range": params.range, "image": image }),
            CodeActionKind::REFACTOR,
        ));
    }
    for diagnostic in &params.context.diagnostics {
        if diagnostic.source.as_deref() == Some("switchboard") {
            continue;
        }
        let Ok(chars) = text::range_to_chars(
            &snapshot.rope,
            from_proto::range(diagnostic.range),
            session.encoding(),
        ) else {
            continue;
        };
        let around = Selection::around(&snapshot, chars);
        // Two AI fixes did not make it go away: ask why rather than a third time.
        let line = diagnostic.range.start.line as usize + 1;
        if jobs::fix_failed_twice(session, caller.config(), uri, &diagnostic.message, line) {
            let mut ask = action(
                &listing,
                &around,
                Role::Oracle,
                "Second opinion on a fix that failed twice",
                command_for(Role::Oracle),
                json!({
                    "uri": uri,
                    "range": diagnostic.range,
                    "subject": session.last_edits.contains_key(uri).then_some("edit"),
                    "instruction": format!(
                        "This problem survived two AI fixes: {}. Explain why the fixes did not remove it, and what would.",
                        diagnostic.message
                    ),
                }),
                CodeActionKind::QUICKFIX,
            );
            if let CodeActionOrCommand::CodeAction(ask) = &mut ask {
                ask.diagnostics = Some(vec![diagnostic.clone()]);
            }
            actions.push(ask);
            continue;
        }
        let mut fix = action(
            &listing,
            &around,
            Role::Implement,
            "Fix",
            "switchboard.implement",
            json!({
                "uri": uri,
                "range": diagnostic.range,
                "instruction": format!("{}{}", jobs::FIX_PREFIX, diagnostic.message),
            }),
            CodeActionKind::QUICKFIX,
        );
        if let CodeActionOrCommand::CodeAction(fix) = &mut fix {
            fix.diagnostics = Some(vec![diagnostic.clone()]);
        }
        actions.push(fix);
    }
    actions.extend(session.findings.quickfixes(uri, params.range));
    // The librarian, where the config has one, for a question in an `AI:` comment.
    if caller.config().roles.contains_key(&Role::Librarian)
        && let Some(question) = jobs::question_in(&snapshot, &selection)
    {
        actions.push(action(
            &listing,
            &selection,
            Role::Librarian,
            "Ask the librarian",
            command_for(Role::Librarian),
            json!({ "uri": uri, "range": params.range, "instruction": question }),
            CodeActionKind::REFACTOR,
        ));
    }
    // A second opinion, where the config has an oracle: on the selection, the document's plan
    // and its last AI edit.
    if caller.config().roles.contains_key(&Role::Oracle) {
        let mut subjects = vec![("Second opinion", None)];
        if session.plans.contains_key(uri) {
            subjects.push(("Second opinion on the plan", Some("plan")));
        }
        if session.last_edits.contains_key(uri) {
            subjects.push(("Second opinion on the last AI edit", Some("edit")));
        }
        for (verb, subject) in subjects {
            actions.push(action(
                &listing,
                &selection,
                Role::Oracle,
                verb,
                command_for(Role::Oracle),
                json!({ "uri": uri, "range": params.range, "subject": subject }),
                CodeActionKind::REFACTOR,
            ));
        }
    }
    if let Some(plan) = session.plans.get(uri) {
        actions.push(action(
            &listing,
            &selection,
            Role::Implement,
            "Implement plan",
            "switchboard.implement",
            json!({
                "uri": uri,
                "range": params.range,
                "plan_trace_id": plan.trace_id,
            }),
            CodeActionKind::REFACTOR,
        ));
    }
    Some(actions)
}

/// The command a role's action runs.
pub fn command_for(role: Role) -> &'static str {
    match role {
        Role::Implement => "switchboard.implement",
        Role::Review => "switchboard.review",
        Role::Search => "switchboard.search",
        Role::Plan => "switchboard.plan",
        Role::Vision => "switchboard.vision",
        Role::Librarian => "switchboard.librarian",
        Role::Oracle => "switchboard.oracle",
    }
}

/// What every action of one listing shares.
struct Listing<'a> {
    session: &'a Session,
    caller: &'a tasks::Caller,
    uri: &'a Uri,
    snapshot: &'a Snapshot,
}

#[allow(clippy::too_many_arguments)] // reason: one call site per kind of action, all named
fn action(
    listing: &Listing<'_>,
    selection: &Selection,
    role: Role,
    verb: &str,
    command: &str,
    argument: serde_json::Value,
    kind: CodeActionKind,
) -> CodeActionOrCommand {
    let caller = listing.caller;
    let decision = estimate(listing, selection, role, &argument);
    // A review under `[review] fanout = N` goes to the first N models at once: all are named,
    // and their costs added.
    let serving = match (role, decision.as_ref()) {
        (Role::Review, Some(decision)) if decision.chosen().is_some() => {
            let fanout = usize::try_from(caller.config().review.fanout).unwrap_or(1);
            decision.candidates.iter().take(fanout.max(1)).collect()
        }
        _ => decision
            .as_ref()
            .and_then(Decision::chosen)
            .into_iter()
            .collect::<Vec<_>>(),
    };
    let (title, disabled) = match serving.first() {
        Some(_) => (
            format!(
                "{verb} with {} (~{})",
                serving
                    .iter()
                    .map(|c| c.alias.as_str())
                    .collect::<Vec<_>>()
                    .join(tasks::fanout::JOINED),
                dollars(
                    serving
                        .iter()
                        .map(|c| expected_cost(caller, c, selection.bytes.len()))
                        .sum()
                )
            ),
            None,
        ),
        None => {
            let why = decision
                .as_ref()
                .and_then(Decision::refusal_message)
                .unwrap_or_else(|| "the ledger cannot be read".to_string());
            // The gist in the title, which every menu shows; the whole reason (with what to
            // change) in `disabled.reason`, which some show only on hover.
            (
                format!("{verb} with switchboard (unavailable: {})", gist(&why)),
                Some(why),
            )
        }
    };
    CodeActionOrCommand::CodeAction(CodeAction {
        title: title.clone(),
        kind: Some(kind),
        command: Some(Command {
            title,
            command: command.to_string(),
            arguments: Some(vec![argument]),
        }),
        disabled: disabled.map(|reason| CodeActionDisabled { reason }),
        ..CodeAction::default()
    })
}

/// The gist of why no model may serve: the first model's reason up to its details
/// (`over the per-request cap`), else the start of the message.
fn gist(why: &str) -> String {
    let inner = why
        .split_once('(')
        .map(|(_, rest)| rest.split([':', ')', ';']).next().unwrap_or(rest).trim());
    match inner {
        Some(inner) if !inner.is_empty() => inner.to_owned(),
        _ => why.chars().take(60).collect(),
    }
}

/// The routing decision for an action. From byte lengths alone, unless a rule reads input
/// tokens: then from the request the job would send, counted as the job counts it, so that
/// the title names the model the command will call.
fn estimate(
    listing: &Listing<'_>,
    selection: &Selection,
    role: Role,
    argument: &serde_json::Value,
) -> Option<Decision> {
    let (caller, snapshot) = (listing.caller, listing.snapshot);
    let bytes = &selection.bytes;
    let spec = if caller.config().rules_use_input_tokens() {
        // The request the command will send: with the plan it hands on, or, for a second
        // opinion, the plan or edit it judges and the words it asks with.
        let subject = argument["subject"].as_str();
        let plan = if role == Role::Oracle {
            jobs::run::oracle_subject(listing.session, listing.uri, subject)
                .ok()
                .flatten()
        } else {
            argument["plan_trace_id"].as_str().and_then(|trace| {
                listing
                    .session
                    .plans
                    .get(listing.uri)
                    .filter(|plan| plan.trace_id == trace)
                    .map(|plan| plan.markdown.clone())
            })
        };
        let instruction = argument["instruction"]
            .as_str()
            .map(str::to_string)
            .or_else(|| {
                (role == Role::Oracle).then(|| jobs::run::oracle_instruction(subject).to_owned())
            });
        jobs::run::request_for(
            listing.session,
            caller,
            listing.uri,
            snapshot,
            selection,
            role,
            instruction,
            plan,
        )
    } else {
        CallSpec {
            target: Target::Role(role),
            trace_id: String::new(),
            request: providers::Request::default(),
            input_tokens: jobs::estimated_packet_tokens(bytes.len(), snapshot.rope.len_bytes()),
            language: Some(snapshot.language_id.clone()),
            lines: tasks::job::lines_of(&snapshot.rope, bytes),
            // Three quarters of a listing's work when measured, and read only by rules that ask.
            complexity: if caller.config().rules_use_complexity() {
                selection.complexity(snapshot)
            } else {
                router::Complexity::default()
            },
        }
    };
    caller.decide(&spec, jiff::Timestamp::now()).ok()
}

/// A cost for a title: cents when there are some, else the first significant tenth of a cent,
/// so a cheap call does not read as free.
fn dollars(usd: f64) -> String {
    if usd >= 0.01 {
        format!("${usd:.2}")
    } else if usd >= 0.0001 {
        format!("${usd:.4}")
    } else {
        "<$0.0001".to_string()
    }
}

/// What a call is expected to cost (not its worst case, which the budget reserves): the input
/// estimate, and an answer about the selection's size (at least 256 tokens, at most the
/// model's output cap), at the model's prices.
fn expected_cost(
    caller: &tasks::Caller,
    candidate: &router::Candidate,
    selection_bytes: usize,
) -> f64 {
    let Some(price) = caller
        .config()
        .models
        .get(&candidate.alias)
        .and_then(|m| m.price)
    else {
        return candidate.worst_case_usd;
    };
    let output = router::estimate_tokens_from_len(selection_bytes)
        .max(256)
        .min(u64::from(candidate.max_output_tokens));
    (candidate.input_tokens as f64 * price.input + output as f64 * price.output) / 1e6
}
