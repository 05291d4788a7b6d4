//! One routed, budgeted model call with fallbacks (DESIGN invariant 6, "money is explicit").
//!
//! The router picks the models in order; for each, the worst case is reserved in the ledger
//! (atomically, across processes), the call streams, and the reservation is settled with the
//! reported usage. When a model fails after its provider's own retries (or at once, for a bad
//! key or an unknown model), the failure is recorded — it counts towards that model's cooldown in
//! every process — and the next model of the list serves. Without a ledger, paid calls are
//! refused rather than unmetered.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use std::future::Future;
use std::pin::Pin;

use futures::future::{Either, Fuse};
use futures::{FutureExt, StreamExt};
use jiff::Timestamp;
use ledger::{
    AttemptOutcome, CallOutcome, Caps, Ledger, LedgerError, ReservationRequest, Settlement,
};
use providers::{
    FinishReason, ModelSettings, Outcome, Provider, ProviderError, Request, StreamEvent,
};
use router::{
    Candidate, Complexity, Config, CooldownState, Decision, Refusal, Role, RouteInput, Router,
    TokenFamily, scale_to_family, worst_case_usd,
};

use crate::context::Templates;

/// How long a reservation holds if its process dies before settling it: longer than any call
/// with its retries, short enough that a crash does not block the budget for the day.
const LEASE: Duration = Duration::from_secs(15 * 60);

/// The ledger, opened on first use (so that commands and servers that never call a model never
/// touch the state directory), or why it cannot be opened.
pub struct LedgerHandle {
    cell: OnceLock<Result<Arc<Ledger>, String>>,
    open: Box<dyn Fn() -> Result<Arc<Ledger>, String> + Send + Sync>,
}

impl LedgerHandle {
    /// A handle that runs `open` the first time the ledger is needed.
    pub fn lazy(open: impl Fn() -> Result<Arc<Ledger>, String> + Send + Sync + 'static) -> Self {
        LedgerHandle {
            cell: OnceLock::new(),
            open: Box::new(open),
        }
    }

    /// The ledger, or why there is none.
    ///
    /// # Errors
    /// Why the ledger could not be opened (the same answer every time).
    pub fn get(&self) -> Result<&Arc<Ledger>, &str> {
        self.cell
            .get_or_init(|| (self.open)())
            .as_ref()
            .map_err(String::as_str)
    }
}

/// A configured model, ready to call.
#[derive(Clone)]
pub struct ModelClient {
    pub provider: Arc<dyn Provider>,
    pub settings: ModelSettings,
}

/// Who should answer: the router's pick for a role, or one model by its alias (`role` is then
/// only what the ledger files the call under).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Role(Role),
    Model { alias: String, role: Role },
}

/// One call to make.
#[derive(Debug, Clone)]
pub struct CallSpec {
    pub target: Target,
    pub trace_id: String,
    pub request: Request,
    /// The prompt's o200k token count (or a cheap estimate of it).
    pub input_tokens: u64,
    /// The LSP languageId of the document the request is about, for rules.
    pub language: Option<String>,
    /// Lines in the selection, for rules.
    pub lines: u32,
    pub complexity: Complexity,
}

/// What happens while a call runs, in order.
#[derive(Debug)]
pub enum CallEvent<'a> {
    /// The routing decision (for a role) or the one model asked for.
    Routed(&'a Decision),
    /// A piece of the answer of the model now serving. After a `FallingBack`, the text starts
    /// again from the next model.
    Text(&'a str),
    /// `from` failed with `error`; `to` serves next.
    FallingBack {
        from: &'a str,
        error: &'a ProviderError,
        to: &'a str,
    },
}

/// A finished call.
#[derive(Debug, Clone)]
pub struct Answer {
    pub text: String,
    /// The tools the model asked to run (a request that offered tools), in order.
    pub tool_calls: Vec<providers::ToolCall>,
    /// The alias of the model that answered.
    pub alias: String,
    pub provider: String,
    pub outcome: Outcome,
    /// The settled cost of the answering call (failed calls before it cost nothing known).
    pub cost_usd: f64,
    /// HTTP attempts over every model tried.
    pub attempts: u32,
    pub trace_id: String,
    pub decision: Decision,
    /// Calls answered for the job so far: 1, and one more for each [`Answer::after`].
    pub calls: u32,
}

impl Answer {
    /// This answer as the last of two calls for one job (a retry after `first`): the costs and
    /// attempts of both.
    #[must_use]
    pub fn after(mut self, first: Answer) -> Answer {
        self.cost_usd += first.cost_usd;
        self.attempts += first.attempts;
        self.calls += first.calls;
        self
    }
}

/// Why a call gave no answer. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// Nothing can serve as configured: no model for the role, an unknown model, no price.
    #[error("{0}")]
    NoRoute(String),
    /// Models exist but none may serve now: a budget cap (the message names it), missing keys,
    /// cooldowns.
    #[error("{0}")]
    Refused(String),
    /// Every model tried failed; the message lists each failure.
    #[error("{0}")]
    Failed(String),
    /// The user cancelled; the HTTP call was aborted and nothing was kept.
    #[error("cancelled; the call was aborted and nothing was applied")]
    Cancelled,
    /// The ledger failed while recording a call.
    #[error("{0}")]
    Ledger(String),
}

/// A reservation in the ledger, or none (no ledger, a free model).
type Reserved<'a> = Option<(&'a Arc<Ledger>, ledger::ReservationId)>;

/// Makes calls for one config. Cheap to share (`Arc`).
pub struct Caller {
    router: Router,
    /// The prompt templates, with the config's `[prompts]`.
    templates: Templates,
    ledger: Arc<LedgerHandle>,
    clients: BTreeMap<String, ModelClient>,
    has_key: Box<dyn Fn(&str) -> bool + Send + Sync>,
}

impl Caller {
    /// Without a ledger (it could not be opened) free calls still go and paid ones are refused
    /// with the reason. `clients` holds every configured model by alias; `has_key` answers for
    /// a provider name.
    pub fn new(
        config: Config,
        ledger: Arc<LedgerHandle>,
        clients: BTreeMap<String, ModelClient>,
        has_key: Box<dyn Fn(&str) -> bool + Send + Sync>,
    ) -> Caller {
        // The config's loader checks the templates, so a bad one only reaches here from code
        // that skipped it: the built-in templates then serve, with a warning.
        let templates = Templates::from_config(&config.prompts).unwrap_or_else(|err| {
            tracing::warn!("{err}; the built-in prompt templates serve instead");
            Templates::builtin()
        });
        Caller {
            router: Router::new(config),
            templates,
            ledger,
            clients,
            has_key,
        }
    }

    /// The prompt templates of this config.
    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    pub fn config(&self) -> &Config {
        self.router.config()
    }

    /// The ledger, opened on first use, or why there is none.
    ///
    /// # Errors
    /// Why the ledger could not be opened.
    pub fn ledger(&self) -> Result<&Arc<Ledger>, &str> {
        self.ledger.get()
    }

    /// The budget caps of the config, as the ledger takes them.
    pub fn caps(&self) -> Caps {
        let budget = &self.config().budget;
        Caps {
            per_request_usd: budget.per_request_usd,
            per_day_usd: budget.per_day_usd,
            per_month_usd: budget.per_month_usd,
        }
    }

    /// The routing decision for a call, as of `now`, without making it: what
    /// `switchboard routes --explain` prints and what a call starts from.
    ///
    /// # Errors
    /// [`CallError::Ledger`] when the ledger cannot be read.
    pub fn decide(&self, spec: &CallSpec, now: Timestamp) -> Result<Decision, CallError> {
        let budget_left_usd = self.budget_left(now)?;
        let policy = self.config().routing.cooldown_policy();
        let since = now
            - jiff::SignedDuration::from_secs(
                i64::try_from(policy.window.saturating_add(policy.cooldown)).unwrap_or(i64::MAX),
            );
        let now_s = u64::try_from(now.as_second()).unwrap_or(0);
        let cooling = |alias: &str| -> Option<CooldownState> {
            let ledger = self.ledger().ok()?;
            let times = match ledger.failure_times(alias, since) {
                Ok(times) => times,
                Err(err) => {
                    tracing::warn!("cannot read {alias}'s failures from the ledger: {err}");
                    return None;
                }
            };
            let secs: Vec<u64> = times
                .iter()
                .map(|t| u64::try_from(t.as_second()).unwrap_or(0))
                .collect();
            policy.state(&secs, now_s)
        };
        let has_key = |provider: &str| (self.has_key)(provider);
        match &spec.target {
            Target::Role(role) => {
                let input = RouteInput {
                    role: *role,
                    language: spec.language.as_deref(),
                    input_tokens: spec.input_tokens,
                    lines: spec.lines,
                    complexity: spec.complexity,
                    budget_left_usd,
                    per_request_cap_usd: None,
                    cooling: &cooling,
                    has_key: &has_key,
                };
                Ok(self.router.decide(&input))
            }
            Target::Model { alias, role } => self.one_model(alias, *role, spec, budget_left_usd),
        }
    }

    /// Makes the call: routes, reserves, streams, settles, falls back. `on_event` hears the
    /// decision, the text as it streams, and each fallback. When `cancelled` completes, the HTTP
    /// call is dropped (the connection closes), the reservation released, and the call ends
    /// with [`CallError::Cancelled`].
    ///
    /// # Errors
    /// See [`CallError`]; every refusal and failure is in the ledger's trace too.
    pub async fn call(
        &self,
        spec: &CallSpec,
        on_event: impl FnMut(CallEvent<'_>),
        cancelled: impl Future<Output = ()>,
    ) -> Result<Answer, CallError> {
        let decision = self.decide(spec, Timestamp::now())?;
        self.call_decided(spec, decision, on_event, cancelled).await
    }

    /// [`Caller::call`] with the routing decision already made, by [`Caller::decide`] on this
    /// `spec`: the language server decides when a command arrives, answers with the model it
    /// chose, and the call then goes to that model first, so the model the user is told of is
    /// the model that is billed (unless it fails, and the fallback is reported as one).
    ///
    /// # Errors
    /// As [`Caller::call`].
    pub async fn call_decided(
        &self,
        spec: &CallSpec,
        decision: Decision,
        mut on_event: impl FnMut(CallEvent<'_>),
        cancelled: impl Future<Output = ()>,
    ) -> Result<Answer, CallError> {
        let mut cancelled = std::pin::pin!(cancelled.fuse());
        self.announce(spec, &decision, &mut on_event)?;
        let mut failures = Vec::new();
        let mut attempts = 0;
        for (index, candidate) in decision.candidates.iter().enumerate() {
            let Some(client) = self.clients.get(&candidate.alias) else {
                failures.push(format!("{}: not configured", candidate.alias));
                continue;
            };
            let reservation = self.reserve(spec, &decision, candidate)?;
            match self
                .call_one(
                    spec,
                    &decision,
                    (candidate, client),
                    reservation,
                    &mut on_event,
                    cancelled.as_mut(),
                )
                .await?
            {
                Ok(mut answer) => {
                    answer.attempts += attempts;
                    return Ok(answer);
                }
                Err(error) => {
                    attempts += 1;
                    if let Some(next) = decision.candidates.get(index + 1) {
                        on_event(CallEvent::FallingBack {
                            from: &candidate.alias,
                            error: &error,
                            to: &next.alias,
                        });
                    }
                    failures.push(format!("{}: {error}", candidate.alias));
                }
            }
        }
        Err(CallError::Failed(format!(
            "every model tried failed: {}",
            failures.join("; ")
        )))
    }

    /// Records the decision in the trace and tells `on_event`; a decision that refuses is the
    /// error it says.
    fn announce(
        &self,
        spec: &CallSpec,
        decision: &Decision,
        on_event: &mut impl FnMut(CallEvent<'_>),
    ) -> Result<(), CallError> {
        if let Ok(ledger) = self.ledger() {
            let json = serde_json::to_value(decision).unwrap_or(serde_json::Value::Null);
            let role = decision.role.as_str();
            if let Err(err) = ledger.record_decision(&spec.trace_id, role, &json, Timestamp::now())
            {
                tracing::warn!("cannot record the routing decision: {err}");
            }
        }
        on_event(CallEvent::Routed(decision));
        match decision.refusal_message() {
            None => Ok(()),
            Some(message) => Err(match decision.refusal {
                // Models exist but none may serve now (budget, keys, cooldowns): a refusal.
                Some(Refusal::NothingFits) => CallError::Refused(message),
                _ => CallError::NoRoute(message),
            }),
        }
    }

    /// Reserves a candidate's worst case under the budget caps; `None` without a ledger, where
    /// only a free model may go.
    fn reserve(
        &self,
        spec: &CallSpec,
        decision: &Decision,
        candidate: &Candidate,
    ) -> Result<Reserved<'_>, CallError> {
        match self.ledger() {
            Ok(ledger) => {
                let request = ReservationRequest {
                    trace_id: spec.trace_id.clone(),
                    role: decision.role.as_str().to_string(),
                    model: candidate.alias.clone(),
                    provider: candidate.provider.clone(),
                    worst_case_usd: candidate.worst_case_usd,
                    lease: LEASE,
                };
                match ledger.reserve(request, &self.caps(), Timestamp::now()) {
                    Ok(reservation) => Ok(Some((ledger, reservation.id))),
                    Err(err @ LedgerError::Refused(_)) => Err(CallError::Refused(err.to_string())),
                    Err(err) => Err(CallError::Ledger(err.to_string())),
                }
            }
            Err(why) if candidate.worst_case_usd > 0.0 => Err(CallError::Refused(format!(
                "the cost ledger is unavailable ({why}), so paid calls are refused rather than left unmetered; fix the ledger or use a local model"
            ))),
            Err(_) => Ok(None),
        }
    }

    /// Sends the same request to the first `n` candidates of `decision` at once (`[review]
    /// fanout`). Every one's worst case is reserved before any is sent, all or none, so a day or
    /// month budget that pays for one review but not two refuses before spending anything (the
    /// per-request cap holds for each model's call, as it does for any call). No fallbacks: a
    /// model that fails gives its error in its place. Each call is in the trace.
    ///
    /// # Errors
    /// A refusal (routing or budget), a ledger error, or [`CallError::Cancelled`].
    pub async fn call_each(
        &self,
        spec: &CallSpec,
        decision: Decision,
        n: usize,
        on_event: impl FnMut(CallEvent<'_>) + Send,
        cancelled: impl Future<Output = ()> + Clone,
    ) -> Result<Vec<(String, Result<Answer, ProviderError>)>, CallError> {
        let on_event = std::sync::Mutex::new(on_event);
        let hear = |event: CallEvent<'_>| {
            if let Ok(mut on_event) = on_event.lock() {
                on_event(event);
            }
        };
        self.announce(spec, &decision, &mut { hear })?;
        let chosen: Vec<(&Candidate, &ModelClient)> = decision
            .candidates
            .iter()
            .filter_map(|c| Some((c, self.clients.get(&c.alias)?)))
            .take(n)
            .collect();
        let mut held = Vec::new();
        for (candidate, _) in &chosen {
            match self.reserve(spec, &decision, candidate) {
                Ok(reservation) => held.push(reservation),
                Err(err) => {
                    for (ledger, id) in held.into_iter().flatten() {
                        if let Err(err) = ledger.release(id) {
                            tracing::warn!("cannot release a reservation: {err}");
                        }
                    }
                    return Err(err);
                }
            }
        }
        let calls = chosen
            .iter()
            .zip(held)
            .map(|((candidate, client), reservation)| {
                let cancelled = cancelled.clone();
                let (decision, hear) = (&decision, &hear);
                async move {
                    let cancelled = std::pin::pin!(cancelled.fuse());
                    let answer = self
                        .call_one(
                            spec,
                            decision,
                            (candidate, client),
                            reservation,
                            &mut |event| hear(event),
                            cancelled,
                        )
                        .await;
                    (candidate.alias.clone(), answer)
                }
            });
        let mut answers = Vec::new();
        for (alias, answer) in futures::future::join_all(calls).await {
            answers.push((alias, answer?));
        }
        Ok(answers)
    }

    /// One model's call on its `reservation`: `Ok(Err(e))` when the model failed (the caller
    /// may fall back), `Err` when the call must stop (ledger, cancel).
    async fn call_one(
        &self,
        spec: &CallSpec,
        decision: &Decision,
        (candidate, client): (&Candidate, &ModelClient),
        reservation: Reserved<'_>,
        on_event: &mut impl FnMut(CallEvent<'_>),
        mut cancelled: Pin<&mut Fuse<impl Future<Output = ()>>>,
    ) -> Result<Result<Answer, ProviderError>, CallError> {
        let started = Timestamp::now();

        // The router may have asked for a shorter answer than the model's limit, so that a
        // per-request cap holds; the request says so to the provider.
        let capped;
        let request = if spec
            .request
            .max_output_tokens
            .is_none_or(|asked| asked > candidate.max_output_tokens)
            && candidate.max_output_tokens < client.settings.max_output_tokens
        {
            capped = Request {
                max_output_tokens: Some(candidate.max_output_tokens),
                ..spec.request.clone()
            };
            &capped
        } else {
            &spec.request
        };
        let mut stream = client.provider.stream(&client.settings, request);
        let mut text = String::new();
        let mut tool_calls = Vec::new();
        let result = loop {
            let next = match futures::future::select(stream.next(), cancelled.as_mut()).await {
                Either::Left((next, _)) => next,
                Either::Right(((), _)) => {
                    // Dropping the stream closes the connection: the provider stops generating.
                    drop(stream);
                    if let Some((ledger, id)) = reservation
                        && let Err(err) = ledger.release(id)
                    {
                        tracing::warn!("cannot release the reservation of a cancelled call: {err}");
                    }
                    return Err(CallError::Cancelled);
                }
            };
            match next {
                Some(Ok(StreamEvent::Text(delta))) => {
                    on_event(CallEvent::Text(&delta));
                    text.push_str(&delta);
                }
                Some(Ok(StreamEvent::Done(outcome))) => break Ok(outcome),
                // Asked of requests that offer tools (the search agent); gathered for it.
                Some(Ok(StreamEvent::ToolCall(call))) => tool_calls.push(call),
                Some(Err(error)) => break Err(error),
                None => {
                    break Err(ProviderError::Truncated {
                        provider: candidate.provider.clone(),
                    });
                }
            }
        };
        let finished = Timestamp::now();

        let attempt = match &result {
            Ok(_) => AttemptOutcome::Ok,
            Err(error) => AttemptOutcome::Failed {
                kind: error_kind(error).to_string(),
                message: error.to_string(),
                http_status: http_status(error),
            },
        };
        if let Ok(ledger) = self.ledger()
            && let Err(err) = ledger.record_attempt(
                &spec.trace_id,
                &candidate.alias,
                &candidate.provider,
                &attempt,
                finished,
            )
        {
            tracing::warn!("cannot record the attempt: {err}");
        }

        let cost_usd = match &result {
            Ok(outcome) => outcome.cost_usd.unwrap_or(0.0),
            // FIXME: a call that fails mid-stream may have cost tokens the provider never
            // reported; it is settled at zero, its worst case released.
            Err(_) => 0.0,
        };
        let settlement = match &result {
            Ok(outcome) => Settlement {
                input_tokens: outcome.usage.input,
                output_tokens: outcome.usage.output,
                cached_input_tokens: outcome.usage.cached_input,
                cost_usd,
                outcome: CallOutcome::Ok,
                finish_reason: Some(finish_reason(&outcome.finish_reason)),
                attempts: outcome.attempts,
                started_at: started,
                finished_at: finished,
            },
            Err(error) => Settlement {
                input_tokens: 0,
                output_tokens: 0,
                cached_input_tokens: 0,
                cost_usd,
                outcome: CallOutcome::Error {
                    kind: error_kind(error).to_string(),
                },
                finish_reason: None,
                attempts: 1,
                started_at: started,
                finished_at: finished,
            },
        };
        if let Some((ledger, id)) = reservation {
            match ledger.settle(id, settlement) {
                Ok(_) => {}
                // Recorded all the same; the call ran past its lease.
                Err(err @ LedgerError::ReservationExpired { .. }) => tracing::warn!("{err}"),
                Err(err) => return Err(CallError::Ledger(err.to_string())),
            }
        }
        Ok(result.map(|outcome| Answer {
            text,
            tool_calls,
            alias: candidate.alias.clone(),
            provider: candidate.provider.clone(),
            attempts: outcome.attempts,
            outcome,
            cost_usd,
            trace_id: spec.trace_id.clone(),
            decision: decision.clone(),
            calls: 1,
        }))
    }

    /// USD left under the day and month caps (the smaller), `None` without caps.
    fn budget_left(&self, now: Timestamp) -> Result<Option<f64>, CallError> {
        let Ok(ledger) = self.ledger() else {
            return Ok(None);
        };
        let status = ledger
            .budget_status(&self.caps(), now)
            .map_err(|err| CallError::Ledger(err.to_string()))?;
        Ok(match (status.left_today, status.left_month) {
            (Some(day), Some(month)) => Some(day.min(month)),
            (left, None) | (None, left) => left,
        })
    }

    /// The decision for `ask --model ALIAS`: that model alone, refused only for what makes a
    /// call impossible or unmetered (no such model, no price, no key). Cooldowns do not apply:
    /// the user asked for this model.
    fn one_model(
        &self,
        alias: &str,
        role: Role,
        spec: &CallSpec,
        budget_left_usd: Option<f64>,
    ) -> Result<Decision, CallError> {
        let config = self.config();
        let Some(model) = config.models.get(alias) else {
            let known: Vec<&str> = config.models.keys().map(String::as_str).collect();
            return Err(CallError::NoRoute(if known.is_empty() {
                format!(
                    "unknown model `{alias}`: no models are configured; add a [models.{alias}] table (provider, name, price) to the config"
                )
            } else {
                format!(
                    "unknown model `{alias}`; configured models: {}",
                    known.join(", ")
                )
            }));
        };
        let Some(price) = model.price else {
            return Err(CallError::NoRoute(format!(
                "model `{alias}` has no price, and an unknown cost is never free; add price = {{ input = 1.0, output = 2.0, cached_input = 0.1 }} (USD per million tokens, from the provider's price list) to [models.{alias}]"
            )));
        };
        let Some(provider) = config.providers.get(&model.provider) else {
            return Err(CallError::NoRoute(format!(
                "model `{alias}` names provider `{}`, which is not configured; add a [providers.{}] table",
                model.provider, model.provider
            )));
        };
        let input_tokens = scale_to_family(spec.input_tokens, TokenFamily::of(provider.kind));
        let candidate = Candidate {
            alias: alias.to_string(),
            provider: model.provider.clone(),
            model: model.name.clone(),
            input_tokens,
            max_output_tokens: model.max_output(),
            worst_case_usd: worst_case_usd(&price, input_tokens, model.max_output()),
        };
        let decision = Decision {
            role,
            language: spec.language.clone(),
            input_tokens: spec.input_tokens,
            budget_left_usd,
            per_request_cap_usd: config.budget.per_request_usd,
            on_exceed: config.budget.on_exceed,
            rule: None,
            candidates: vec![candidate],
            skipped: Vec::new(),
            downgraded: false,
            refusal: None,
        };
        Ok(decision)
    }
}

/// A short, stable name for a provider error, kept in the ledger's attempts.
pub fn error_kind(error: &ProviderError) -> &'static str {
    match error {
        ProviderError::MissingKey { .. } => "missing_key",
        ProviderError::Auth { .. } => "auth",
        ProviderError::ModelNotFound { .. } => "model_not_found",
        ProviderError::BadRequest { .. } => "bad_request",
        ProviderError::Billing { .. } => "billing",
        ProviderError::ContextTooLong { .. } => "context_too_long",
        ProviderError::RateLimited { .. } => "rate_limited",
        ProviderError::Overloaded { .. } => "overloaded",
        ProviderError::Server { .. } => "server_error",
        ProviderError::Http { .. } => "http_error",
        ProviderError::Timeout { .. } => "timeout",
        ProviderError::Connect { .. } => "connect",
        ProviderError::MidStream { .. } => "mid_stream",
        ProviderError::Disconnected { .. } => "disconnected",
        ProviderError::Truncated { .. } => "truncated",
        ProviderError::Malformed { .. } => "malformed",
        ProviderError::Config { .. } => "config",
        ProviderError::ToolArguments { .. } => "tool_arguments",
        _ => "other",
    }
}

fn http_status(error: &ProviderError) -> Option<u16> {
    match error {
        ProviderError::Auth { status, .. }
        | ProviderError::BadRequest { status, .. }
        | ProviderError::Billing { status, .. }
        | ProviderError::ContextTooLong { status, .. }
        | ProviderError::Overloaded { status, .. }
        | ProviderError::Server { status, .. }
        | ProviderError::Http { status, .. } => Some(*status),
        ProviderError::ModelNotFound { .. } => Some(404),
        ProviderError::RateLimited { .. } => Some(429),
        _ => None,
    }
}

/// The finish reason as the ledger and `--json` spell it.
pub fn finish_reason(reason: &FinishReason) -> String {
    match reason {
        FinishReason::Stop => "stop".to_string(),
        FinishReason::Length => "length".to_string(),
        FinishReason::StopSequence => "stop_sequence".to_string(),
        FinishReason::ToolUse => "tool_use".to_string(),
        FinishReason::ContentFilter => "content_filter".to_string(),
        FinishReason::Other(other) => other.clone(),
    }
}
