//! The typed sections beside providers and models: `[roles]`, `[[rules]]`, `[budget]`,
//! `[privacy]`, `[edits]`, `[routing]` and `[agent]` (the last two extensions of the product contract), with
//! their defaults and the key lists the unknown-key check suggests from.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::spans::nearest;
use crate::cooldown::CooldownPolicy;

/// What a request is for; each role has its own ordered list of models.
///
/// `ask` is no role of its own: [`crate::classify`] picks one of these from the instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Plan,
    Implement,
    Review,
    Search,
    Vision,
    /// The search agent over the sources of the workspace's dependencies, read-only.
    Librarian,
    /// A second opinion from the strongest reasoning model, read-only.
    Oracle,
}

impl Role {
    /// Every role, in the order tables list them.
    pub const ALL: [Role; 7] = [
        Role::Plan,
        Role::Implement,
        Role::Review,
        Role::Search,
        Role::Vision,
        Role::Librarian,
        Role::Oracle,
    ];

    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Plan => "plan",
            Role::Implement => "implement",
            Role::Review => "review",
            Role::Search => "search",
            Role::Vision => "vision",
            Role::Librarian => "librarian",
            Role::Oracle => "oracle",
        }
    }

    /// The role spelled `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

pub(crate) const ROLE_KEYS: &[&str] = &[
    "plan",
    "implement",
    "review",
    "search",
    "vision",
    "librarian",
    "oracle",
];

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no role; its `Display` says what the roles are (and what `ask` is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole(pub String);

impl fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&unknown_role_advice(&self.0))
    }
}

impl std::error::Error for UnknownRole {}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(name: &str) -> Result<Role, UnknownRole> {
        Role::from_name(name).ok_or_else(|| UnknownRole(name.to_string()))
    }
}

/// Why `name` is no role, and what to write instead.
pub(crate) fn unknown_role_advice(name: &str) -> String {
    if name == "ask" {
        return "`ask` is not routed itself: it picks plan, implement, review, search or vision from the instruction; name one of those".to_string();
    }
    match nearest(name, ROLE_KEYS) {
        Some(near) => format!("`{name}` is not a role; did you mean `{near}`?"),
        None => format!("`{name}` is not a role; roles: {}", ROLE_KEYS.join(", ")),
    }
}

/// One `[[rules]]` entry: when `when` holds for a request of `role`, `models` replaces the
/// role's list. The first matching rule wins.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub role: Role,
    pub when: When,
    /// The `use` key: the models to try, in order.
    #[serde(rename = "use")]
    pub models: Vec<String>,
}

impl Rule {
    /// `rule #N (role = "implement", max_input_tokens = 1500, languages = [python, lua])`,
    /// numbered from 1 as a reader counts `[[rules]]` tables; `index` is 0-based.
    pub fn describe(&self, index: usize) -> String {
        let mut parts = vec![format!("role = \"{}\"", self.role)];
        parts.extend(self.when.describe_parts());
        format!("rule #{} ({})", index + 1, parts.join(", "))
    }
}

/// The conditions of a rule; all that are set must hold. Token counts are the o200k count
/// of the prompt the caller passes in, lines and complexity are the selection's.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct When {
    /// LSP languageIds, e.g. `python`, `rust`, `typescriptreact`.
    pub languages: Option<Vec<String>>,
    pub min_input_tokens: Option<u64>,
    pub max_input_tokens: Option<u64>,
    pub min_lines: Option<u32>,
    pub max_lines: Option<u32>,
    /// Branches + loops + nested functions of the selection (from tree-sitter).
    pub min_complexity: Option<u32>,
    pub max_complexity: Option<u32>,
    /// With no daily cap the budget left is unbounded: a `min_` holds, a `max_` does not.
    pub min_budget_left_usd: Option<f64>,
    pub max_budget_left_usd: Option<f64>,
}

impl When {
    /// `key = value` for each condition set, in a fixed order (numbers first, languages last).
    fn describe_parts(&self) -> Vec<String> {
        let mut parts = Vec::new();
        let mut num = |key: &str, value: Option<String>| {
            if let Some(v) = value {
                parts.push(format!("{key} = {v}"));
            }
        };
        let s = |v: Option<u64>| v.map(|v| v.to_string());
        let s32 = |v: Option<u32>| v.map(|v| v.to_string());
        let f = |v: Option<f64>| v.map(|v| v.to_string());
        num("min_input_tokens", s(self.min_input_tokens));
        num("max_input_tokens", s(self.max_input_tokens));
        num("min_lines", s32(self.min_lines));
        num("max_lines", s32(self.max_lines));
        num("min_complexity", s32(self.min_complexity));
        num("max_complexity", s32(self.max_complexity));
        num("min_budget_left_usd", f(self.min_budget_left_usd));
        num("max_budget_left_usd", f(self.max_budget_left_usd));
        if let Some(languages) = &self.languages {
            parts.push(format!("languages = [{}]", languages.join(", ")));
        }
        parts
    }
}

/// What to do when the models a request would go to cost more than the budget allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnExceed {
    /// Say no, and say which cap was hit.
    #[default]
    Refuse,
    /// Take the cheapest model of the role's full list that fits.
    Downgrade,
}

/// `[budget]`: caps in USD, shared by every switchboard process of the user (the ledger
/// counts the spending; the router only compares).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Budget {
    pub per_request_usd: Option<f64>,
    pub per_day_usd: Option<f64>,
    pub per_month_usd: Option<f64>,
    pub on_exceed: OnExceed,
}

/// `[privacy]`: files never sent to a model, whether secrets are masked in what is sent, and
/// whether a document outside every workspace folder may be acted on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Privacy {
    /// Globs over workspace-relative paths, e.g. `.env`, `*.pem`, `**/secrets/**` (matched
    /// against the absolute path too).
    pub exclude: Vec<String>,
    pub redact_secrets: bool,
    /// Off by default: a file opened from outside the project (a key in `~/.ssh`, a note in
    /// `/tmp`) is not what the project's excludes were written for.
    pub allow_outside_workspace: bool,
}

impl Default for Privacy {
    fn default() -> Self {
        // Masking secrets costs nothing when there are none; leaking one cannot be undone.
        Privacy {
            exclude: Vec::new(),
            redact_secrets: true,
            allow_outside_workspace: false,
        }
    }
}

/// `[edits]`: whether an edit waits for the user's yes before it is applied, whether a reply
/// whose SEARCH blocks do not match is sent back once for those blocks (SPEC §6), and what
/// happens to an edit whose result does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Edits {
    pub confirm: bool,
    pub retry_failed_blocks: bool,
    pub on_syntax_error: OnSyntaxError,
}

/// `[agent]`, an extension of the product contract: how far the search agent may go on a
/// question before it answers with what it found (marked partial).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Agent {
    /// Tool rounds at most.
    pub max_steps: u32,
    /// Dollars the agent's calls may cost in all; `None`: the budget caps alone.
    pub max_usd: Option<f64>,
    /// Tokens (in and out) the agent's calls may use in all; `None`: no limit of its own.
    pub max_tokens: Option<u64>,
}

impl Default for Agent {
    fn default() -> Self {
        // Eight rounds find most things a question about a codebase needs (grep, read a few
        // places, follow a definition) without wandering.
        Agent {
            max_steps: 8,
            max_usd: None,
            max_tokens: None,
        }
    }
}

/// `[review]`, an extension of the product contract: review by several models at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Review {
    /// The first this many models of the review role's list review the same packet in
    /// parallel, and their findings are merged; 1 is one model.
    pub fanout: u32,
}

impl Default for Review {
    fn default() -> Self {
        Review { fanout: 1 }
    }
}

/// `[oracle]`, an extension of the product contract: when the oracle is consulted without
/// being asked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Oracle {
    pub when: Vec<OracleWhen>,
}

/// An occasion for a second opinion nobody asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OracleWhen {
    /// A fix asked for a problem that two AI fixes of it have not made go away: the oracle is
    /// asked why instead of a third fix.
    FixFailedTwice,
}

/// What to do with an edit that leaves a syntax error where the file had none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnSyntaxError {
    /// Ask the model that wrote it once more, quoting the error; refuse if it is still broken.
    #[default]
    Retry,
    /// Refuse at once, naming the file and line of the error.
    Refuse,
    /// Apply it, with a warning diagnostic at the error.
    Apply,
}

/// `[routing]`, an extension of the product contract: when a model that keeps failing is
/// rested. `cooldown_after_failures = 0` turns cooldowns off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Routing {
    pub cooldown_after_failures: u32,
    pub failure_window_s: u64,
    pub cooldown_s: u64,
}

impl Default for Routing {
    fn default() -> Self {
        // Three failures in a minute is an outage or a quota, not bad luck; two minutes lets
        // a rate limit reset without keeping a good model away for long.
        Routing {
            cooldown_after_failures: 3,
            failure_window_s: 60,
            cooldown_s: 120,
        }
    }
}

impl Routing {
    /// The policy [`crate::cooling_until`] applies.
    pub fn cooldown_policy(&self) -> CooldownPolicy {
        CooldownPolicy {
            failures: self.cooldown_after_failures,
            window: self.failure_window_s,
            cooldown: self.cooldown_s,
        }
    }
}

pub(crate) const RULE_KEYS: &[&str] = &["role", "when", "use"];
pub(crate) const WHEN_KEYS: &[&str] = &[
    "languages",
    "min_input_tokens",
    "max_input_tokens",
    "min_lines",
    "max_lines",
    "min_complexity",
    "max_complexity",
    "min_budget_left_usd",
    "max_budget_left_usd",
];
pub(crate) const BUDGET_KEYS: &[&str] = &[
    "per_request_usd",
    "per_day_usd",
    "per_month_usd",
    "on_exceed",
];
pub(crate) const PRIVACY_KEYS: &[&str] = &["exclude", "redact_secrets", "allow_outside_workspace"];
pub(crate) const EDITS_KEYS: &[&str] = &["confirm", "retry_failed_blocks", "on_syntax_error"];
pub(crate) const AGENT_KEYS: &[&str] = &["max_steps", "max_usd", "max_tokens"];
pub(crate) const REVIEW_KEYS: &[&str] = &["fanout"];
pub(crate) const ORACLE_KEYS: &[&str] = &["when"];
/// `[prompts]`: a template per role, replacing the built-in one.
pub(crate) const PROMPT_KEYS: &[&str] =
    &["plan", "implement", "review", "search", "vision", "oracle"];
pub(crate) const ROUTING_KEYS: &[&str] =
    &["cooldown_after_failures", "failure_window_s", "cooldown_s"];

// One layer's view of each section: every key optional, so a layer may set part of a table.
// `roles` is a map of strings here so an unknown role gets the nearest-key error, not serde's.

pub(crate) type PartialRoles = BTreeMap<String, Vec<String>>;

/// Rules replace each other wholesale between layers (arrays are not merged), so each entry
/// is complete in the layer that has it; `role` and `use` are checked present before serde.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartialRule {
    pub(crate) role: String,
    #[serde(default)]
    pub(crate) when: PartialWhen,
    #[serde(rename = "use")]
    pub(crate) models: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartialWhen {
    pub(crate) languages: Option<Vec<String>>,
    pub(crate) min_input_tokens: Option<u64>,
    pub(crate) max_input_tokens: Option<u64>,
    pub(crate) min_lines: Option<u32>,
    pub(crate) max_lines: Option<u32>,
    pub(crate) min_complexity: Option<u32>,
    pub(crate) max_complexity: Option<u32>,
    pub(crate) min_budget_left_usd: Option<f64>,
    pub(crate) max_budget_left_usd: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartialBudget {
    pub(crate) per_request_usd: Option<f64>,
    pub(crate) per_day_usd: Option<f64>,
    pub(crate) per_month_usd: Option<f64>,
    pub(crate) on_exceed: Option<OnExceed>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartialPrivacy {
    pub(crate) exclude: Option<Vec<String>>,
    pub(crate) redact_secrets: Option<bool>,
    pub(crate) allow_outside_workspace: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartialEdits {
    pub(crate) confirm: Option<bool>,
    pub(crate) retry_failed_blocks: Option<bool>,
    pub(crate) on_syntax_error: Option<OnSyntaxError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartialAgent {
    pub(crate) max_steps: Option<u32>,
    pub(crate) max_usd: Option<f64>,
    pub(crate) max_tokens: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartialOracle {
    pub(crate) when: Option<Vec<OracleWhen>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartialReview {
    pub(crate) fanout: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartialRouting {
    pub(crate) cooldown_after_failures: Option<u32>,
    pub(crate) failure_window_s: Option<u64>,
    pub(crate) cooldown_s: Option<u64>,
}

impl PartialWhen {
    pub(crate) fn into_when(self) -> When {
        When {
            languages: self.languages,
            min_input_tokens: self.min_input_tokens,
            max_input_tokens: self.max_input_tokens,
            min_lines: self.min_lines,
            max_lines: self.max_lines,
            min_complexity: self.min_complexity,
            max_complexity: self.max_complexity,
            min_budget_left_usd: self.min_budget_left_usd,
            max_budget_left_usd: self.max_budget_left_usd,
        }
    }
}

impl PartialBudget {
    pub(crate) fn into_budget(self) -> Budget {
        Budget {
            per_request_usd: self.per_request_usd,
            per_day_usd: self.per_day_usd,
            per_month_usd: self.per_month_usd,
            on_exceed: self.on_exceed.unwrap_or_default(),
        }
    }
}

impl PartialPrivacy {
    pub(crate) fn into_privacy(self) -> Privacy {
        let default = Privacy::default();
        Privacy {
            exclude: self.exclude.unwrap_or(default.exclude),
            redact_secrets: self.redact_secrets.unwrap_or(default.redact_secrets),
            allow_outside_workspace: self
                .allow_outside_workspace
                .unwrap_or(default.allow_outside_workspace),
        }
    }
}

impl PartialRouting {
    pub(crate) fn into_routing(self) -> Routing {
        let default = Routing::default();
        Routing {
            cooldown_after_failures: self
                .cooldown_after_failures
                .unwrap_or(default.cooldown_after_failures),
            failure_window_s: self.failure_window_s.unwrap_or(default.failure_window_s),
            cooldown_s: self.cooldown_s.unwrap_or(default.cooldown_s),
        }
    }
}
