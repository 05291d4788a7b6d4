//! The human text of routing: `Decision::explain` for `switchboard routes --explain ROLE
//! PATH[:A-B]`, `Decision::refusal_message` for an action that cannot run, and the routing
//! table of plain `switchboard routes`. The same values serialize for `--json`.

use std::fmt::{self, Write as _};

use serde::Serialize;

use crate::config::{Budget, Config, OnExceed, Price, Role};
use crate::cooldown::CooldownPolicy;
use crate::route::{Decision, Refusal, SkipReason};

/// `$0.0428` under a dollar (cents hide what small requests cost), `$0.50` for a round
/// amount such as a cap, `$12.50` above a dollar.
pub(crate) fn usd(value: f64) -> String {
    let cents = value * 100.0;
    if value.abs() < 1.0 && (cents - cents.round()).abs() > 1e-9 {
        format!("${value:.4}")
    } else {
        format!("${value:.2}")
    }
}

/// `1,234,567`.
pub(crate) fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `95 s`, `4 min 10 s`, `2 h 5 min`.
fn duration(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 if seconds.is_multiple_of(60) => format!("{} min", seconds / 60),
        60..3600 => format!("{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
    }
}

impl SkipReason {
    /// Why, in words, with what to do where there is something to do.
    pub fn describe(&self) -> String {
        match self {
            // The moment as a count of seconds left: a unix time says nothing to a reader.
            SkipReason::CoolingDown { remaining_s, .. } => format!(
                "resting after repeated failures; tried again in {}",
                duration(*remaining_s)
            ),
            SkipReason::OverBudget {
                worst_case_usd,
                left_usd,
            } => format!(
                "over budget: worst case {} but {} left; raise [budget] per_day_usd (or per_month_usd)",
                usd(*worst_case_usd),
                usd(*left_usd)
            ),
            SkipReason::OverRequestCap {
                worst_case_usd,
                cap_usd,
                output_tokens,
            } => format!(
                "over the per-request cap: with the input and a {}-token answer it could cost {} > {}; raise [budget] per_request_usd to at least {}, or send less (a smaller selection)",
                thousands(u64::from(*output_tokens)),
                usd(*worst_case_usd),
                usd(*cap_usd),
                usd(*worst_case_usd)
            ),
            SkipReason::NoPrice => {
                "no known price; add price = { input = ..., output = ... } (USD per million tokens) to its [models] table".to_string()
            }
            SkipReason::NoKey {
                provider,
                env_var: Some(var),
            } => format!("no key for provider `{provider}`: set {var}"),
            SkipReason::NoKey {
                provider,
                env_var: None,
            } => format!("no key for provider `{provider}`: its api_key_cmd gave none"),
            SkipReason::ContextTooSmall { needed, window } => format!(
                "context too small: needs {} tokens with its output, holds {}",
                thousands(*needed),
                thousands(*window)
            ),
            SkipReason::NotConfigured => "not configured".to_string(),
        }
    }
}

impl Decision {
    /// The full story: which model would serve, which rule matched, the fallbacks, tokens and
    /// worst-case costs, and each skipped model with its reason.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        let role = self.role;
        match (self.chosen(), &self.refusal) {
            (Some(c), _) => {
                let _ = writeln!(
                    out,
                    "{role}: {} ({}/{}) would serve",
                    c.alias, c.provider, c.model
                );
            }
            (None, Some(Refusal::NoModels { .. })) => {
                let _ = writeln!(out, "{role}: refused, no model is configured for it");
            }
            (None, _) => {
                let _ = writeln!(out, "{role}: refused, no model fits");
            }
        }
        let rule = self.rule.as_ref().map_or_else(
            || "none matched; the role's list applies".to_string(),
            |r| r.description.clone(),
        );
        let _ = writeln!(out, "  rule: {rule}");
        let language = self.language.as_deref().unwrap_or("unknown");
        let left = self.budget_left_usd.map_or("no cap".to_string(), usd);
        let cap = self.per_request_cap_usd.map_or("none".to_string(), usd);
        let _ = writeln!(
            out,
            "  request: {} input tokens (o200k), language {language}; budget left: {left}; per-request cap: {cap}",
            thousands(self.input_tokens)
        );
        if self.downgraded {
            let _ = writeln!(
                out,
                "  downgraded: every preferred model was over budget, so the role's other models that fit serve instead, cheapest first (on_exceed = \"downgrade\")"
            );
        }
        if !self.candidates.is_empty() {
            let _ = writeln!(
                out,
                "  candidates (the first serves, the rest are fallbacks):"
            );
            let width = self
                .candidates
                .iter()
                .map(|c| c.alias.len())
                .max()
                .unwrap_or(0);
            for (i, c) in self.candidates.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "    {}. {:width$}  {}/{}: ~{} input + {} output tokens, worst case {}",
                    i + 1,
                    c.alias,
                    c.provider,
                    c.model,
                    thousands(c.input_tokens),
                    thousands(u64::from(c.max_output_tokens)),
                    usd(c.worst_case_usd),
                );
            }
        }
        if !self.skipped.is_empty() {
            let _ = writeln!(out, "  skipped:");
            for s in &self.skipped {
                let _ = writeln!(out, "    - {}: {}", s.alias, s.reason.describe());
            }
        }
        if let Some(message) = self.refusal_advice() {
            let _ = writeln!(out, "  to fix: {}", message.replace('\n', "\n  "));
        }
        out
    }

    /// One message for an action that cannot run (`None` when a model serves).
    /// Why the decision is what it is, in one sentence: the model that serves and the rule (or
    /// the role's list) that chose it, what was skipped and why; or the refusal. What
    /// `routes --explain --json` carries as `reason`.
    pub fn reason(&self) -> String {
        let Some(chosen) = self.chosen() else {
            return self
                .refusal_message()
                .unwrap_or_else(|| format!("no model may serve {}", self.role));
        };
        let why = match &self.rule {
            Some(rule) => format!("the rule {} matched", rule.description),
            None => format!(
                "no rule matched, so the {} role's list applies and {} is the first that fits",
                self.role, chosen.alias
            ),
        };
        let mut out = format!(
            "{} serves {} ({} input tokens): {why}",
            chosen.alias,
            self.role,
            thousands(self.input_tokens)
        );
        if self.downgraded {
            out.push_str(
                "; every preferred model was over budget, so it is the cheapest that fits",
            );
        }
        if !self.skipped.is_empty() {
            let skipped: Vec<String> = self
                .skipped
                .iter()
                .map(|s| format!("{} ({})", s.alias, s.reason.describe()))
                .collect();
            out.push_str(&format!("; skipped: {}", skipped.join(", ")));
        }
        out
    }

    /// The refusal in words with what to do, or `None` when a model serves.
    pub fn refusal_message(&self) -> Option<String> {
        let refusal = self.refusal.as_ref()?;
        let role = self.role;
        Some(match refusal {
            Refusal::NoModels { hint } => hint.clone(),
            Refusal::NothingFits => {
                let reasons: Vec<String> = self
                    .skipped
                    .iter()
                    .map(|s| format!("{} ({})", s.alias, s.reason.describe()))
                    .collect();
                let advice = self.refusal_advice().unwrap_or_default();
                format!(
                    "no model can serve `{role}`: {} — {advice}",
                    reasons.join("; ")
                )
            }
        })
    }

    /// What would let the request through.
    fn refusal_advice(&self) -> Option<String> {
        match self.refusal.as_ref()? {
            Refusal::NoModels { hint } => Some(hint.clone()),
            Refusal::NothingFits => {
                let budget = self.skipped.iter().any(|s| s.reason.is_budget());
                let list = match &self.rule {
                    Some(rule) => format!("the `use` list of rule #{}", rule.index + 1),
                    None => format!("[roles] {}", self.role),
                };
                // Downgrading reaches past a rule's list to the role's; without a rule the
                // role's whole list was already tried, so it would not help.
                Some(match (budget, self.on_exceed, &self.rule) {
                    (true, OnExceed::Refuse, Some(_)) => "raise the caps in [budget], or set on_exceed = \"downgrade\" to take the cheapest model of the role that fits".to_string(),
                    (true, _, _) => format!("raise the caps in [budget], or add a cheaper model to {list}"),
                    (false, _, _) => format!("mend a reason above, or add a fallback model to {list}"),
                })
            }
        }
    }
}

/// Every role's models and rules, for plain `switchboard routes`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoutingTable {
    pub roles: Vec<RoleRoutes>,
    pub budget: Budget,
    pub cooldown: CooldownPolicy,
}

/// One role's models in order and the rules that can replace them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoleRoutes {
    pub role: Role,
    pub models: Vec<ModelRoute>,
    pub rules: Vec<RuleRoute>,
}

/// A model as the table shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRoute {
    pub alias: String,
    pub provider: String,
    pub model: String,
    /// `None`: no known price, so it is refused.
    pub price: Option<Price>,
    pub context_window: Option<u64>,
    pub max_output_tokens: u32,
}

/// A rule as the table shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleRoute {
    /// 0-based; the description counts from 1.
    pub index: usize,
    pub description: String,
    /// The `use` list.
    pub models: Vec<String>,
}

/// The routing table of `config`: every role, in order, even one without models.
pub fn routing_table(config: &Config) -> RoutingTable {
    let model_route = |alias: &String| {
        let model = config.models.get(alias);
        ModelRoute {
            alias: alias.clone(),
            provider: model.map(|m| m.provider.clone()).unwrap_or_default(),
            model: model.map(|m| m.name.clone()).unwrap_or_default(),
            price: model.and_then(|m| m.price),
            context_window: model.and_then(|m| m.context_window),
            max_output_tokens: model
                .map_or(crate::config::DEFAULT_MAX_OUTPUT_TOKENS, |m| m.max_output()),
        }
    };
    let roles = Role::ALL
        .into_iter()
        .map(|role| RoleRoutes {
            role,
            models: config
                .roles
                .get(&role)
                .into_iter()
                .flatten()
                .map(model_route)
                .collect(),
            rules: config
                .rules
                .iter()
                .enumerate()
                .filter(|(_, rule)| rule.role == role)
                .map(|(index, rule)| RuleRoute {
                    index,
                    description: rule.describe(index),
                    models: rule.models.clone(),
                })
                .collect(),
        })
        .collect();
    RoutingTable {
        roles,
        budget: config.budget,
        cooldown: config.routing.cooldown_policy(),
    }
}

impl fmt::Display for RoutingTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all = self.roles.iter().flat_map(|r| &r.models);
        let alias_w = all.clone().map(|m| m.alias.len()).max().unwrap_or(0);
        let model_w = all
            .map(|m| m.provider.len() + 1 + m.model.len())
            .max()
            .unwrap_or(0);
        for routes in &self.roles {
            if routes.models.is_empty() {
                writeln!(f, "{}: no model (add it to [roles])", routes.role)?;
            } else {
                writeln!(f, "{}:", routes.role)?;
            }
            for (i, m) in routes.models.iter().enumerate() {
                let price = m.price.map_or_else(
                    || "no price: refused".to_string(),
                    |p| format!("{} in / {} out per Mtok", usd(p.input), usd(p.output)),
                );
                let window = m.context_window.map_or_else(
                    || "window unknown".to_string(),
                    |w| format!("{} window", thousands(w)),
                );
                writeln!(
                    f,
                    "  {}. {:alias_w$}  {:model_w$}  {price}, {window}",
                    i + 1,
                    m.alias,
                    format!("{}/{}", m.provider, m.model),
                )?;
            }
            for rule in &routes.rules {
                writeln!(f, "  {} uses {}", rule.description, rule.models.join(", "))?;
            }
        }
        let cap = |v: Option<f64>| v.map_or("no cap".to_string(), usd);
        let on_exceed = match self.budget.on_exceed {
            OnExceed::Refuse => "refuse",
            OnExceed::Downgrade => "downgrade to the cheapest model that fits",
        };
        writeln!(
            f,
            "budget: {} per request, {} per day, {} per month; over budget: {on_exceed}",
            cap(self.budget.per_request_usd),
            cap(self.budget.per_day_usd),
            cap(self.budget.per_month_usd),
        )?;
        let c = &self.cooldown;
        if c.failures == 0 {
            writeln!(f, "cooldown: off")
        } else {
            writeln!(
                f,
                "cooldown: {} failures within {} s rest a model for {} s",
                c.failures, c.window, c.cooldown
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(usd(0.04281), "$0.0428");
        assert_eq!(usd(12.5), "$12.50");
        assert_eq!(usd(0.5), "$0.50");
        assert_eq!(usd(0.15), "$0.15");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
