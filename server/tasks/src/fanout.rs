//! Review by several models at once (`[review] fanout = N`): the same request goes to the
//! first N models of the review role in parallel, every one's budget reserved before any is
//! sent ([`Caller::call_each`]), and their findings are merged by line overlap and meaning
//! ([`crate::reply::agreement`]), each marked with how many models agree.

use std::future::Future;

use crate::call::{Answer, CallError, CallEvent, CallSpec, Caller};
use crate::job::{JobResult, ReadReply};
use crate::reply::agreement::{Review, merge};
use crate::reply::{Finding, ReplyError};

/// How the models of a fan-out are named together in an answer's `alias` (`gpt + opus`).
pub const JOINED: &str = " + ";

/// Whether an answer's model is several models' (a fan-out).
pub fn is_joined(alias: &str) -> bool {
    alias.contains(JOINED)
}

/// Reviews with the first `n` models of `decision` (or of a fresh decision) and merges their
/// findings. The answer's cost and calls are every model's; its alias names every model that
/// answered, joined by [`JOINED`]. A model that fails or whose reply cannot be read leaves its
/// review out (the others stand); when none can be used, the first reason is the result.
///
/// # Errors
/// A refusal (routing, budget), every model failing, or a cancel.
pub async fn review(
    caller: &Caller,
    spec: &CallSpec,
    decision: Option<router::Decision>,
    n: usize,
    reader: &impl ReadReply,
    on_event: impl FnMut(CallEvent<'_>) + Send,
    cancelled: impl Future<Output = ()> + Clone,
) -> Result<(Answer, Result<JobResult, ReplyError>), CallError> {
    let decision = match decision {
        Some(decision) => decision,
        None => caller.decide(spec, jiff::Timestamp::now())?,
    };
    let answers = caller
        .call_each(spec, decision, n, on_event, cancelled)
        .await?;
    let mut reviews: Vec<(String, Vec<Finding>)> = Vec::new();
    let mut unusable: Option<ReplyError> = None;
    let mut failures = Vec::new();
    let mut total: Option<Answer> = None;
    for (alias, answer) in answers {
        let answer = match answer {
            Ok(answer) => answer,
            Err(error) => {
                failures.push(format!("{alias}: {error}"));
                continue;
            }
        };
        match reader.interpret(answer.text.clone()).await? {
            Ok(JobResult::Findings(findings)) => reviews.push((alias, findings)),
            Ok(_) => failures.push(format!("{alias}: not a review")),
            Err(err) => {
                failures.push(format!("{alias}: {err}"));
                unusable.get_or_insert(err);
            }
        }
        total = Some(match total {
            Some(before) => answer.after(before),
            None => answer,
        });
    }
    record(caller, &spec.trace_id, &reviews, &failures);
    let Some(mut answer) = total else {
        return Err(CallError::Failed(format!(
            "every model of the review failed: {}",
            failures.join("; ")
        )));
    };
    if reviews.is_empty() {
        let err = unusable.unwrap_or_else(|| ReplyError::Malformed {
            detail: failures.join("; "),
        });
        return Ok((answer, Err(err)));
    }
    answer.alias = reviews
        .iter()
        .map(|(alias, _)| alias.as_str())
        .collect::<Vec<_>>()
        .join(JOINED);
    let each: Vec<Review<'_>> = reviews
        .iter()
        .map(|(model, findings)| Review { model, findings })
        .collect();
    let merged = merge(&each)
        .into_iter()
        .map(|agreed| Finding {
            message: agreed.message(),
            ..agreed.finding
        })
        .collect();
    Ok((answer, Ok(JobResult::Findings(merged))))
}

/// What each model found, and which failed, in the trace.
fn record(
    caller: &Caller,
    trace_id: &str,
    reviews: &[(String, Vec<Finding>)],
    failures: &[String],
) {
    let Ok(ledger) = caller.ledger() else {
        return;
    };
    let detail = serde_json::json!({
        "reviews": reviews.iter().map(|(model, findings)| serde_json::json!({
            "model": model, "findings": findings.len(),
        })).collect::<Vec<_>>(),
        "failures": failures,
    });
    if let Err(err) =
        ledger.record_trace_detail(trace_id, "fanout", &detail, jiff::Timestamp::now())
    {
        tracing::warn!("cannot record the fan-out in the trace: {err}");
    }
}
