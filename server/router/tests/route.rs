//! Routing decisions as a user reads them: `switchboard routes --explain` text for a rule
//! matched by size, by language, by complexity and by budget left, a cooled-down model, a
//! missing key, a missing price, a refusal over budget and a downgrade, plus the routing table
//! of plain `switchboard routes` (snapshots; `UPDATE_EXPECT=1` refreshes them).

use expect_test::{Expect, expect};
use router::{
    Complexity, Config, CooldownState, Decision, OnExceed, Refusal, Role, RouteInput, Router,
    SkipReason, routing_table,
};

const CONFIG: &str = r#"
[providers.anthropic]
kind = "anthropic"

[providers.openai]
kind = "openai"

[providers.local]
kind = "openai-compatible"
base_url = "http://localhost:8080/v1"

[models.opus]
provider = "anthropic"
name = "claude-opus-4-5"
price = { input = 5.0, output = 25.0, cached_input = 0.5 }
context_window = 200000
max_output_tokens = 8192

[models.sonnet]
provider = "anthropic"
name = "claude-sonnet-4-5"
price = { input = 3.0, output = 15.0 }
context_window = 200000
max_output_tokens = 8192

[models.haiku]
provider = "anthropic"
name = "claude-haiku-4-5"
price = { input = 1.0, output = 5.0 }
context_window = 200000

[models."gpt-5.2"]
provider = "openai"
name = "gpt-5.2"
price = { input = 1.75, output = 14.0 }
context_window = 400000
max_output_tokens = 8192

[models.gpt-5-mini]
provider = "openai"
name = "gpt-5-mini"
price = { input = 0.25, output = 2.0 }
context_window = 400000

[models.qwen]
provider = "local"
name = "qwen3-coder"
context_window = 32768

[roles]
plan = ["gpt-5.2", "opus"]
implement = ["opus", "sonnet", "haiku"]
review = ["sonnet", "gpt-5.2"]
search = ["haiku", "gpt-5-mini"]

[[rules]]
role = "implement"
when = { max_input_tokens = 1500, languages = ["python", "lua"] }
use = ["haiku", "sonnet"]

[[rules]]
role = "implement"
when = { min_complexity = 10 }
use = ["opus"]

[[rules]]
role = "review"
when = { min_lines = 400 }
use = ["gpt-5.2"]

[[rules]]
role = "search"
when = { max_budget_left_usd = 0.5 }
use = ["qwen", "gpt-5-mini"]

[budget]
per_request_usd = 0.50
per_day_usd = 5.0
"#;

fn router(on_exceed: OnExceed) -> Router {
    let mut config = Config::from_toml_str(CONFIG, "config.toml").expect("a good config");
    config.budget.on_exceed = on_exceed;
    Router::new(config)
}

fn check(decision: &Decision, expected: Expect) {
    expected.assert_eq(&decision.explain());
}

#[test]
fn a_small_python_edit_matches_the_rule_by_size_and_language() {
    let input = RouteInput {
        language: Some("python"),
        lines: 12,
        budget_left_usd: Some(4.2),
        ..RouteInput::new(Role::Implement, 1200)
    };
    let decision = router(OnExceed::Refuse).decide(&input);
    check(
        &decision,
        expect![[r#"
            implement: haiku (anthropic/claude-haiku-4-5) would serve
              rule: rule #1 (role = "implement", max_input_tokens = 1500, languages = [python, lua])
              request: 1,200 input tokens (o200k), language python; budget left: $4.20; per-request cap: $0.50
              candidates (the first serves, the rest are fallbacks):
                1. haiku   anthropic/claude-haiku-4-5: ~1,500 input + 4,096 output tokens, worst case $0.0221
                2. sonnet  anthropic/claude-sonnet-4-5: ~1,500 input + 8,192 output tokens, worst case $0.1278
        "#]],
    );
    // The same edit in Rust matches no rule: the role's list applies.
    let rust = RouteInput {
        language: Some("rust"),
        ..input
    };
    let decision = router(OnExceed::Refuse).decide(&rust);
    assert_eq!(decision.rule, None);
    assert_eq!(decision.chosen().map(|c| c.alias.as_str()), Some("opus"));
    let fallbacks: Vec<&str> = decision
        .fallbacks()
        .iter()
        .map(|c| c.alias.as_str())
        .collect();
    assert_eq!(fallbacks, ["sonnet", "haiku"]);
}

#[test]
fn a_long_selection_matches_the_review_rule_by_lines() {
    let input = RouteInput {
        language: Some("typescriptreact"),
        lines: 650,
        ..RouteInput::new(Role::Review, 9000)
    };
    check(
        &router(OnExceed::Refuse).decide(&input),
        expect![[r#"
            review: gpt-5.2 (openai/gpt-5.2) would serve
              rule: rule #3 (role = "review", min_lines = 400)
              request: 9,000 input tokens (o200k), language typescriptreact; budget left: no cap; per-request cap: $0.50
              candidates (the first serves, the rest are fallbacks):
                1. gpt-5.2  openai/gpt-5.2: ~9,000 input + 8,192 output tokens, worst case $0.1320
        "#]],
    );
}

#[test]
fn complex_code_matches_the_rule_by_complexity_and_a_cooling_model_is_skipped() {
    let cooling = |alias: &str| {
        (alias == "opus")
            .then(|| CooldownState::at(1120, 1025))
            .flatten()
    };
    let input = RouteInput {
        language: Some("rust"),
        lines: 80,
        complexity: Complexity {
            branches: 6,
            loops: 3,
            functions: 2,
        },
        cooling: &cooling,
        ..RouteInput::new(Role::Implement, 5000)
    };
    check(
        &router(OnExceed::Refuse).decide(&input),
        expect![[r#"
            implement: refused, no model fits
              rule: rule #2 (role = "implement", min_complexity = 10)
              request: 5,000 input tokens (o200k), language rust; budget left: no cap; per-request cap: $0.50
              skipped:
                - opus: resting after repeated failures; tried again in 1 min 35 s
              to fix: mend a reason above, or add a fallback model to the `use` list of rule #2
        "#]],
    );
    // Without the rule's narrowing, the next model of the role takes over.
    let simple = RouteInput {
        complexity: Complexity::default(),
        ..input
    };
    check(
        &router(OnExceed::Refuse).decide(&simple),
        expect![[r#"
            implement: sonnet (anthropic/claude-sonnet-4-5) would serve
              rule: none matched; the role's list applies
              request: 5,000 input tokens (o200k), language rust; budget left: no cap; per-request cap: $0.50
              candidates (the first serves, the rest are fallbacks):
                1. sonnet  anthropic/claude-sonnet-4-5: ~6,250 input + 8,192 output tokens, worst case $0.1435
                2. haiku   anthropic/claude-haiku-4-5: ~6,250 input + 4,096 output tokens, worst case $0.0274
              skipped:
                - opus: resting after repeated failures; tried again in 1 min 35 s
        "#]],
    );
}

#[test]
fn a_provider_without_a_key_is_skipped_with_the_variable_to_set() {
    let has_key = |provider: &str| provider != "openai";
    let input = RouteInput {
        has_key: &has_key,
        ..RouteInput::new(Role::Plan, 2000)
    };
    let decision = router(OnExceed::Refuse).decide(&input);
    check(
        &decision,
        expect![[r#"
            plan: opus (anthropic/claude-opus-4-5) would serve
              rule: none matched; the role's list applies
              request: 2,000 input tokens (o200k), language unknown; budget left: no cap; per-request cap: $0.50
              candidates (the first serves, the rest are fallbacks):
                1. opus  anthropic/claude-opus-4-5: ~2,500 input + 8,192 output tokens, worst case $0.2185
              skipped:
                - gpt-5.2: no key for provider `openai`: set OPENAI_API_KEY
        "#]],
    );
    assert_eq!(
        decision.skipped[0].reason,
        SkipReason::NoKey {
            provider: "openai".into(),
            env_var: Some("OPENAI_API_KEY".into())
        }
    );
}

#[test]
fn little_budget_left_matches_the_rule_and_an_unpriced_model_is_refused() {
    let input = RouteInput {
        budget_left_usd: Some(0.3),
        ..RouteInput::new(Role::Search, 3000)
    };
    check(
        &router(OnExceed::Refuse).decide(&input),
        expect![[r#"
            search: gpt-5-mini (openai/gpt-5-mini) would serve
              rule: rule #4 (role = "search", max_budget_left_usd = 0.5)
              request: 3,000 input tokens (o200k), language unknown; budget left: $0.30; per-request cap: $0.50
              candidates (the first serves, the rest are fallbacks):
                1. gpt-5-mini  openai/gpt-5-mini: ~3,000 input + 4,096 output tokens, worst case $0.0090
              skipped:
                - qwen: no known price; add price = { input = ..., output = ... } (USD per million tokens) to its [models] table
        "#]],
    );
    // With no daily cap the budget left is unbounded, which no `max_budget_left_usd` holds.
    let uncapped = router(OnExceed::Refuse).decide(&RouteInput::new(Role::Search, 3000));
    assert_eq!(uncapped.rule, None);
    assert_eq!(uncapped.chosen().map(|c| c.alias.as_str()), Some("haiku"));
}

#[test]
fn over_budget_with_refuse_says_no_and_how_to_get_a_yes() {
    let input = RouteInput {
        complexity: Complexity {
            branches: 10,
            ..Complexity::default()
        },
        budget_left_usd: Some(0.15),
        ..RouteInput::new(Role::Implement, 5000)
    };
    let decision = router(OnExceed::Refuse).decide(&input);
    check(
        &decision,
        expect![[r#"
            implement: refused, no model fits
              rule: rule #2 (role = "implement", min_complexity = 10)
              request: 5,000 input tokens (o200k), language unknown; budget left: $0.15; per-request cap: $0.50
              skipped:
                - opus: over budget: worst case $0.2392 but $0.15 left; raise [budget] per_day_usd (or per_month_usd)
              to fix: raise the caps in [budget], or set on_exceed = "downgrade" to take the cheapest model of the role that fits
        "#]],
    );
    expect![[r#"no model can serve `implement`: opus (over budget: worst case $0.2392 but $0.15 left; raise [budget] per_day_usd (or per_month_usd)) — raise the caps in [budget], or set on_exceed = "downgrade" to take the cheapest model of the role that fits"#]]
        .assert_eq(&decision.refusal_message().unwrap_or_default());
}

#[test]
fn over_budget_with_downgrade_takes_the_cheapest_of_the_role_that_fits() {
    let input = RouteInput {
        complexity: Complexity {
            branches: 10,
            ..Complexity::default()
        },
        budget_left_usd: Some(0.15),
        ..RouteInput::new(Role::Implement, 5000)
    };
    let decision = router(OnExceed::Downgrade).decide(&input);
    check(
        &decision,
        expect![[r#"
            implement: haiku (anthropic/claude-haiku-4-5) would serve
              rule: rule #2 (role = "implement", min_complexity = 10)
              request: 5,000 input tokens (o200k), language unknown; budget left: $0.15; per-request cap: $0.50
              downgraded: every preferred model was over budget, so the role's other models that fit serve instead, cheapest first (on_exceed = "downgrade")
              candidates (the first serves, the rest are fallbacks):
                1. haiku   anthropic/claude-haiku-4-5: ~6,250 input + 4,096 output tokens, worst case $0.0274
                2. sonnet  anthropic/claude-sonnet-4-5: ~6,250 input + 8,192 output tokens, worst case $0.1435
              skipped:
                - opus: over budget: worst case $0.2392 but $0.15 left; raise [budget] per_day_usd (or per_month_usd)
        "#]],
    );
    assert!(decision.downgraded);
    assert_eq!(decision.refusal_message(), None);
}

#[test]
fn a_huge_prompt_is_over_the_request_cap_or_the_window() {
    let decision = router(OnExceed::Refuse).decide(&RouteInput::new(Role::Plan, 300_000));
    check(
        &decision,
        expect![[r#"
            plan: refused, no model fits
              rule: none matched; the role's list applies
              request: 300,000 input tokens (o200k), language unknown; budget left: no cap; per-request cap: $0.50
              skipped:
                - gpt-5.2: over the per-request cap: with the input and a 2,048-token answer it could cost $0.6062 > $0.50; raise [budget] per_request_usd to at least $0.6062, or send less (a smaller selection)
                - opus: over the per-request cap: with the input and a 2,048-token answer it could cost $2.11 > $0.50; raise [budget] per_request_usd to at least $2.11, or send less (a smaller selection)
              to fix: raise the caps in [budget], or add a cheaper model to [roles] plan
        "#]],
    );
    // A cap from the request tightens the config's.
    let input = RouteInput {
        per_request_cap_usd: Some(0.1),
        ..RouteInput::new(Role::Plan, 2000)
    };
    let decision = router(OnExceed::Refuse).decide(&input);
    assert_eq!(decision.per_request_cap_usd, Some(0.1));
    // The cap holds by asking for a shorter answer than the model's limit, which a plan fits.
    let first = &decision.candidates[0];
    assert!(first.worst_case_usd <= 0.1, "{first:?}");
    assert!((2048..8192).contains(&first.max_output_tokens), "{first:?}");
    // A cap that pays for less than a plan's usual answer refuses, and says what to raise.
    let input = RouteInput {
        per_request_cap_usd: Some(0.01),
        ..RouteInput::new(Role::Plan, 2000)
    };
    let decision = router(OnExceed::Refuse).decide(&input);
    assert_eq!(decision.candidates, []);
    let message = decision.refusal_message().unwrap_or_default();
    assert!(
        message.contains("raise [budget] per_request_usd to at least"),
        "{message}"
    );
}

#[test]
fn a_small_call_under_a_small_cap_is_served_with_a_shorter_answer() {
    // The issue's case: a 5-cent cap and a call expected at a fraction of a cent, on a model
    // whose full 8,192-token answer alone would be over the cap.
    let input = RouteInput {
        per_request_cap_usd: Some(0.05),
        lines: 20,
        ..RouteInput::new(Role::Review, 1_500)
    };
    let decision = router(OnExceed::Refuse).decide(&input);
    let first = &decision.candidates[0];
    assert_eq!(first.alias, "sonnet");
    assert!(first.worst_case_usd <= 0.05, "{first:?}");
    assert!(
        first.max_output_tokens >= 1024 && first.max_output_tokens < 8192,
        "{first:?}"
    );
}

#[test]
fn a_role_without_models_says_what_to_configure() {
    let decision = router(OnExceed::Refuse).decide(&RouteInput::new(Role::Vision, 100));
    check(
        &decision,
        expect![[r#"
            vision: refused, no model is configured for it
              rule: none matched; the role's list applies
              request: 100 input tokens (o200k), language unknown; budget left: no cap; per-request cap: $0.50
              to fix: no model is configured for `vision`; add to your config
                [roles]
                vision = ["gpt-5-mini"]
              naming models from: gpt-5-mini, gpt-5.2, haiku, opus, qwen, sonnet
        "#]],
    );
    let empty = Router::new(Config::default()).decide(&RouteInput::new(Role::Implement, 100));
    let Some(Refusal::NoModels { hint }) = &empty.refusal else {
        panic!("expected no models: {empty:#?}");
    };
    assert!(hint.contains("ANTHROPIC_API_KEY"), "{hint}");
    assert_eq!(empty.refusal_message().as_ref(), Some(hint));
}

#[test]
fn the_routing_table_lists_every_role() {
    let config = Config::from_toml_str(CONFIG, "config.toml").expect("a good config");
    expect![[r#"
        plan:
          1. gpt-5.2     openai/gpt-5.2               $1.75 in / $14.00 out per Mtok, 400,000 window
          2. opus        anthropic/claude-opus-4-5    $5.00 in / $25.00 out per Mtok, 200,000 window
        implement:
          1. opus        anthropic/claude-opus-4-5    $5.00 in / $25.00 out per Mtok, 200,000 window
          2. sonnet      anthropic/claude-sonnet-4-5  $3.00 in / $15.00 out per Mtok, 200,000 window
          3. haiku       anthropic/claude-haiku-4-5   $1.00 in / $5.00 out per Mtok, 200,000 window
          rule #1 (role = "implement", max_input_tokens = 1500, languages = [python, lua]) uses haiku, sonnet
          rule #2 (role = "implement", min_complexity = 10) uses opus
        review:
          1. sonnet      anthropic/claude-sonnet-4-5  $3.00 in / $15.00 out per Mtok, 200,000 window
          2. gpt-5.2     openai/gpt-5.2               $1.75 in / $14.00 out per Mtok, 400,000 window
          rule #3 (role = "review", min_lines = 400) uses gpt-5.2
        search:
          1. haiku       anthropic/claude-haiku-4-5   $1.00 in / $5.00 out per Mtok, 200,000 window
          2. gpt-5-mini  openai/gpt-5-mini            $0.25 in / $2.00 out per Mtok, 400,000 window
          rule #4 (role = "search", max_budget_left_usd = 0.5) uses qwen, gpt-5-mini
        vision: no model (add it to [roles])
        librarian: no model (add it to [roles])
        oracle: no model (add it to [roles])
        budget: $0.50 per request, $5.00 per day, no cap per month; over budget: refuse
        cooldown: 3 failures within 60 s rest a model for 120 s
    "#]]
    .assert_eq(&routing_table(&config).to_string());
}

#[test]
fn a_decision_serializes_with_tagged_reasons() {
    let has_key = |provider: &str| provider != "openai";
    let input = RouteInput {
        has_key: &has_key,
        ..RouteInput::new(Role::Plan, 2000)
    };
    let decision = router(OnExceed::Refuse).decide(&input);
    // TOML stands in for the binary's JSON: the same serde shape, without a JSON dependency.
    expect![[r#"
        role = "plan"
        input_tokens = 2000
        per_request_cap_usd = 0.5
        on_exceed = "refuse"
        downgraded = false

        [[candidates]]
        alias = "opus"
        provider = "anthropic"
        model = "claude-opus-4-5"
        input_tokens = 2500
        max_output_tokens = 8192
        worst_case_usd = 0.21855

        [[skipped]]
        alias = "gpt-5.2"

        [skipped.reason]
        reason = "no_key"
        provider = "openai"
        env_var = "OPENAI_API_KEY"
    "#]]
    .assert_eq(&toml::to_string(&decision).expect("a decision serializes"));
}
