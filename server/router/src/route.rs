//! Routing decisions: for a request of a role, which model serves it, which would take over if
//! it fails, and why each other model was passed over. Pure: the caller passes in the token
//! estimate, the budget left, and answers for cooldowns and keys (the ledger and the
//! environment are the binary's business).
//!
//! The list a request tries is the first matching rule's `use` list, else the role's list.
//! Each model is kept, in order, unless it has no price, no key, is cooling down, cannot hold
//! the request, or would cost more than the per-request cap or the budget left. With
//! `on_exceed = "downgrade"`, when nothing in that list fits and budget was a reason, the
//! cheapest models of the role's full list that fit serve instead, cheapest first.

use serde::Serialize;

use crate::config::{Config, ModelConfig, OnExceed, Role, Rule};
use crate::cooldown::CooldownState;
use crate::tokens::{
    TokenFamily, expected_output_tokens, output_tokens_within, scale_to_family, worst_case_usd,
};

/// The size of a selection's code, from tree-sitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Complexity {
    pub branches: u32,
    pub loops: u32,
    /// Functions nested in the selection (closures, local functions).
    pub functions: u32,
}

impl Complexity {
    /// What rules compare: branches + loops + functions.
    pub fn total(&self) -> u32 {
        self.branches
            .saturating_add(self.loops)
            .saturating_add(self.functions)
    }
}

/// What the router knows of one request.
pub struct RouteInput<'a> {
    pub role: Role,
    /// The LSP languageId of the document, e.g. `python`.
    pub language: Option<&'a str>,
    /// The o200k count of the prompt ([`crate::count_o200k`], or
    /// [`crate::estimate_tokens_from_len`] where counting is too slow). Rules compare this;
    /// each candidate's own estimate scales it to the model's tokenizer.
    pub input_tokens: u64,
    /// Lines in the selection.
    pub lines: u32,
    pub complexity: Complexity,
    /// USD left under the daily and monthly caps (the smaller); `None`: no cap.
    pub budget_left_usd: Option<f64>,
    /// A cap for this request on top of the config's `budget.per_request_usd` (the smaller
    /// applies), e.g. from a command-line flag; `None`: the config's alone.
    pub per_request_cap_usd: Option<f64>,
    /// For a model alias: whether it is resting, and until when (see [`crate::cooling_until`]).
    pub cooling: &'a dyn Fn(&str) -> Option<CooldownState>,
    /// For a provider name: whether its key is available (the env var is set, or its
    /// `api_key_cmd` gave one). A provider that needs none (Ollama) answers `true`.
    pub has_key: &'a dyn Fn(&str) -> bool,
}

fn never_cooling(_alias: &str) -> Option<CooldownState> {
    None
}

fn always_has_key(_provider: &str) -> bool {
    true
}

impl RouteInput<'static> {
    /// A request of `role` with `input_tokens`, no language, an empty selection, no budget
    /// caps, nothing cooling down and every key present; set the fields that apply.
    pub fn new(role: Role, input_tokens: u64) -> RouteInput<'static> {
        RouteInput {
            role,
            language: None,
            input_tokens,
            lines: 0,
            complexity: Complexity::default(),
            budget_left_usd: None,
            per_request_cap_usd: None,
            cooling: &never_cooling,
            has_key: &always_has_key,
        }
    }
}

/// A model that can serve the request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub alias: String,
    pub provider: String,
    /// The provider's id for the model.
    pub model: String,
    /// The request's input tokens as this model counts them (estimated).
    pub input_tokens: u64,
    pub max_output_tokens: u32,
    /// What the request costs at most (see [`crate::worst_case_usd`]).
    pub worst_case_usd: f64,
}

/// Why a model was passed over.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SkipReason {
    /// It failed too often lately and rests until `until_unix_s`.
    CoolingDown { until_unix_s: u64, remaining_s: u64 },
    /// Its worst case is more than the budget left today (or this month).
    OverBudget { worst_case_usd: f64, left_usd: f64 },
    /// Even an answer of the role's usual length (`output_tokens`) costs more than the
    /// per-request cap, at `worst_case_usd`.
    OverRequestCap {
        worst_case_usd: f64,
        cap_usd: f64,
        output_tokens: u32,
    },
    /// The config gives it no price, and an unpriced call could cost anything.
    NoPrice,
    /// Its provider has no key; `env_var` is where one would come from, if a variable.
    NoKey {
        provider: String,
        env_var: Option<String>,
    },
    /// The prompt and the output it may ask for do not fit its context window.
    ContextTooSmall { needed: u64, window: u64 },
    /// No `[models.ALIAS]` table, or none for its provider (only in a `Config` built by hand:
    /// a parsed one names only configured models).
    NotConfigured,
}

impl SkipReason {
    /// Whether money was the reason (what `on_exceed` is about).
    pub fn is_budget(&self) -> bool {
        matches!(
            self,
            SkipReason::OverBudget { .. } | SkipReason::OverRequestCap { .. }
        )
    }
}

/// A model passed over, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub alias: String,
    pub reason: SkipReason,
}

/// The rule a request matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchedRule {
    /// 0-based, in `[[rules]]` order (the description counts from 1).
    pub index: usize,
    /// E.g. `rule #2 (role = "implement", max_input_tokens = 1500, languages = [python, lua])`.
    pub description: String,
}

/// Why no model serves the request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Refusal {
    /// The role (or the rule) names no model; `hint` says what to configure.
    NoModels { hint: String },
    /// Every model was skipped; the skips say why.
    NothingFits,
}

/// Which model serves a request and why: the answer of [`Router::decide`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub role: Role,
    pub language: Option<String>,
    /// The o200k count the caller passed in.
    pub input_tokens: u64,
    pub budget_left_usd: Option<f64>,
    /// The cap that applied: the smaller of the config's and the request's.
    pub per_request_cap_usd: Option<f64>,
    pub on_exceed: OnExceed,
    /// `None`: no rule matched, and the role's list applied.
    pub rule: Option<MatchedRule>,
    /// The first serves; the rest are fallbacks in order.
    pub candidates: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
    /// Everything preferred was over budget and `on_exceed = "downgrade"` took the cheapest
    /// models of the role's full list that fit.
    pub downgraded: bool,
    /// Set exactly when `candidates` is empty.
    pub refusal: Option<Refusal>,
}

impl Decision {
    /// The model that serves the request, if one does.
    pub fn chosen(&self) -> Option<&Candidate> {
        self.candidates.first()
    }

    /// The models that take over, in order, if the chosen one fails.
    pub fn fallbacks(&self) -> &[Candidate] {
        self.candidates.get(1..).unwrap_or_default()
    }
}

/// Makes routing decisions over one config.
#[derive(Debug, Clone)]
pub struct Router {
    config: Config,
}

impl Router {
    pub fn new(config: Config) -> Router {
        Router { config }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where the request goes, with every reason. O(rules + models of the role).
    pub fn decide(&self, input: &RouteInput<'_>) -> Decision {
        let config = &self.config;
        let role_list: &[String] = config.roles.get(&input.role).map_or(&[], Vec::as_slice);
        let matched = config
            .rules
            .iter()
            .enumerate()
            .find(|(_, rule)| rule_matches(rule, input));
        let preferred: &[String] = matched.map_or(role_list, |(_, rule)| &rule.models);
        let cap = match (input.per_request_cap_usd, config.budget.per_request_usd) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut candidates = Vec::new();
        let mut skipped = Vec::new();
        for alias in preferred {
            match self.evaluate(alias, input, cap) {
                Ok(c) => candidates.push(c),
                Err(reason) => skipped.push(Skipped {
                    alias: alias.clone(),
                    reason,
                }),
            }
        }
        let mut downgraded = false;
        if candidates.is_empty()
            && config.budget.on_exceed == OnExceed::Downgrade
            && skipped.iter().any(|s| s.reason.is_budget())
        {
            let mut cheaper = Vec::new();
            for alias in role_list.iter().filter(|a| !preferred.contains(a)) {
                match self.evaluate(alias, input, cap) {
                    Ok(c) => cheaper.push(c),
                    Err(reason) => skipped.push(Skipped {
                        alias: alias.clone(),
                        reason,
                    }),
                }
            }
            // Stable: equal costs keep the role's order.
            cheaper.sort_by(|a, b| a.worst_case_usd.total_cmp(&b.worst_case_usd));
            downgraded = !cheaper.is_empty();
            candidates = cheaper;
        }
        let refusal = if !candidates.is_empty() {
            None
        } else if preferred.is_empty() {
            let hint = config.role_hint(input.role).unwrap_or_default();
            Some(Refusal::NoModels { hint })
        } else {
            Some(Refusal::NothingFits)
        };
        Decision {
            role: input.role,
            language: input.language.map(str::to_string),
            input_tokens: input.input_tokens,
            budget_left_usd: input.budget_left_usd,
            per_request_cap_usd: cap,
            on_exceed: config.budget.on_exceed,
            rule: matched.map(|(index, rule)| MatchedRule {
                index,
                description: rule.describe(index),
            }),
            candidates,
            skipped,
            downgraded,
            refusal,
        }
    }

    /// The candidate `alias` makes for this request, or why it cannot serve it.
    fn evaluate(
        &self,
        alias: &str,
        input: &RouteInput<'_>,
        cap: Option<f64>,
    ) -> Result<Candidate, SkipReason> {
        // The config checks that roles and rules name configured models with configured
        // providers; a `Config` built by hand may not.
        let Some(model) = self.config.models.get(alias) else {
            return Err(SkipReason::NotConfigured);
        };
        let Some(provider) = self.config.providers.get(&model.provider) else {
            return Err(SkipReason::NotConfigured);
        };
        let Some(price) = &model.price else {
            return Err(SkipReason::NoPrice);
        };
        if !(input.has_key)(&model.provider) {
            return Err(no_key(model, provider.key_env()));
        }
        if let Some(state) = (input.cooling)(alias) {
            return Err(SkipReason::CoolingDown {
                until_unix_s: state.until_unix_s,
                remaining_s: state.remaining_s,
            });
        }
        let input_tokens = scale_to_family(input.input_tokens, TokenFamily::of(provider.kind));
        let mut max_output = model.max_output();
        // Under a per-request cap, the answer may be shorter than the model's limit: the cap
        // holds if the request asks for no more output than it pays for, and refuses only
        // when that is less than an answer of the role takes.
        if let Some(cap) = cap.filter(|cap| worst_case_usd(price, input_tokens, max_output) > *cap)
        {
            let needed = expected_output_tokens(input.role, input.lines).min(max_output);
            let within = output_tokens_within(price, input_tokens, cap);
            if within < needed {
                return Err(SkipReason::OverRequestCap {
                    worst_case_usd: worst_case_usd(price, input_tokens, needed),
                    cap_usd: cap,
                    output_tokens: needed,
                });
            }
            max_output = within.min(max_output);
        }
        if let Some(window) = model.context_window {
            let needed = input_tokens.saturating_add(u64::from(max_output));
            if needed > window {
                return Err(SkipReason::ContextTooSmall { needed, window });
            }
        }
        let worst = worst_case_usd(price, input_tokens, max_output);
        if let Some(left) = input.budget_left_usd.filter(|left| worst > *left) {
            return Err(SkipReason::OverBudget {
                worst_case_usd: worst,
                left_usd: left,
            });
        }
        Ok(Candidate {
            alias: alias.to_string(),
            provider: model.provider.clone(),
            model: model.name.clone(),
            input_tokens,
            max_output_tokens: max_output,
            worst_case_usd: worst,
        })
    }
}

fn no_key(model: &ModelConfig, env_var: Option<&str>) -> SkipReason {
    SkipReason::NoKey {
        provider: model.provider.clone(),
        env_var: env_var.map(str::to_string),
    }
}

/// Whether every condition `rule` sets holds for `input`.
fn rule_matches(rule: &Rule, input: &RouteInput<'_>) -> bool {
    let w = &rule.when;
    let within = |value: u64, min: Option<u64>, max: Option<u64>| {
        min.is_none_or(|min| value >= min) && max.is_none_or(|max| value <= max)
    };
    let lines = u64::from(input.lines);
    let complexity = u64::from(input.complexity.total());
    // No cap is unbounded money left: any minimum holds, no maximum does.
    let budget_ok = match input.budget_left_usd {
        Some(left) => {
            w.min_budget_left_usd.is_none_or(|min| left >= min)
                && w.max_budget_left_usd.is_none_or(|max| left <= max)
        }
        None => w.max_budget_left_usd.is_none(),
    };
    rule.role == input.role
        && w.languages.as_ref().is_none_or(|languages| {
            input
                .language
                .is_some_and(|l| languages.iter().any(|x| x == l))
        })
        && within(input.input_tokens, w.min_input_tokens, w.max_input_tokens)
        && within(
            lines,
            w.min_lines.map(u64::from),
            w.max_lines.map(u64::from),
        )
        && within(
            complexity,
            w.min_complexity.map(u64::from),
            w.max_complexity.map(u64::from),
        )
        && budget_ok
}
