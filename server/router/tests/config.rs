//! The config file of SPEC §2: a good parse, layering, and the error messages a user sees for
//! bad configs, each at the `file:line:col` of the value at fault (snapshots;
//! `UPDATE_EXPECT=1 cargo test -p switchboard-router` refreshes them).

use expect_test::{Expect, expect};
use router::{Config, Layer, Role};

fn check_error(text: &str, expected: Expect) {
    match Config::from_toml_str(text, "config.toml") {
        Ok(config) => panic!("expected an error, parsed {config:#?}"),
        Err(e) => expected.assert_eq(&e.to_string()),
    }
}

const GOOD: &str = r#"
[providers.anthropic]
kind = "anthropic"
api_key_env = "ANTHROPIC_API_KEY"
timeout_s = 120
max_retries = 2

[providers.local]
kind = "openai-compatible"
base_url = "http://localhost:8080/v1"
api_key_cmd = ["pass", "show", "local"]

[models.opus]
provider = "anthropic"
name = "claude-opus-4-5"
price = { input = 5.0, output = 25.0, cached_input = 0.5 }
context_window = 200000
max_output_tokens = 8192
reasoning = "medium"

[models.qwen]
provider = "local"
name = "qwen3-coder"

[roles]
implement = ["opus", "qwen"]

[[rules]]
role = "implement"
when = { max_input_tokens = 1500, languages = ["python", "lua"] }
use = ["qwen"]

[budget]
per_day_usd = 5.0
on_exceed = "downgrade"

[privacy]
exclude = [".env"]

[edits]
confirm = true

[routing]
cooldown_s = 300
"#;

#[test]
fn a_good_config_parses_into_typed_sections() {
    let config = Config::from_toml_str(GOOD, "config.toml").expect("the config is good");
    expect![[r#"
        Config {
            providers: {
                "anthropic": ProviderConfig {
                    kind: Anthropic,
                    base_url: None,
                    api_key_env: Some(
                        "ANTHROPIC_API_KEY",
                    ),
                    api_key_cmd: None,
                    timeout_s: Some(
                        120,
                    ),
                    max_retries: Some(
                        2,
                    ),
                },
                "local": ProviderConfig {
                    kind: OpenAiCompatible,
                    base_url: Some(
                        "http://localhost:8080/v1",
                    ),
                    api_key_env: None,
                    api_key_cmd: Some(
                        [
                            "pass",
                            "show",
                            "local",
                        ],
                    ),
                    timeout_s: None,
                    max_retries: None,
                },
            },
            models: {
                "opus": ModelConfig {
                    provider: "anthropic",
                    name: "claude-opus-4-5",
                    price: Some(
                        Price {
                            input: 5.0,
                            output: 25.0,
                            cached_input: Some(
                                0.5,
                            ),
                            cache_write: None,
                        },
                    ),
                    context_window: Some(
                        200000,
                    ),
                    max_output_tokens: Some(
                        8192,
                    ),
                    reasoning: Some(
                        Medium,
                    ),
                },
                "qwen": ModelConfig {
                    provider: "local",
                    name: "qwen3-coder",
                    price: None,
                    context_window: None,
                    max_output_tokens: None,
                    reasoning: None,
                },
            },
            roles: {
                Implement: [
                    "opus",
                    "qwen",
                ],
            },
            rules: [
                Rule {
                    role: Implement,
                    when: When {
                        languages: Some(
                            [
                                "python",
                                "lua",
                            ],
                        ),
                        min_input_tokens: None,
                        max_input_tokens: Some(
                            1500,
                        ),
                        min_lines: None,
                        max_lines: None,
                        min_complexity: None,
                        max_complexity: None,
                        min_budget_left_usd: None,
                        max_budget_left_usd: None,
                    },
                    models: [
                        "qwen",
                    ],
                },
            ],
            budget: Budget {
                per_request_usd: None,
                per_day_usd: Some(
                    5.0,
                ),
                per_month_usd: None,
                on_exceed: Downgrade,
            },
            privacy: Privacy {
                exclude: [
                    ".env",
                ],
                redact_secrets: true,
                allow_outside_workspace: false,
            },
            edits: Edits {
                confirm: true,
                retry_failed_blocks: false,
                on_syntax_error: Retry,
            },
            routing: Routing {
                cooldown_after_failures: 3,
                failure_window_s: 60,
                cooldown_s: 300,
            },
            agent: Agent {
                max_steps: 8,
                max_usd: None,
                max_tokens: None,
            },
            review: Review {
                fanout: 1,
            },
            oracle: Oracle {
                when: [],
            },
            prompts: {},
        }"#]]
    .assert_eq(&format!("{config:#?}"));
}

#[test]
fn a_syntax_error_has_its_place() {
    check_error(
        "[providers.a]\nkind = \n",
        expect!["config.toml:2:8: string values must be quoted, expected literal string"],
    );
}

#[test]
fn an_unknown_top_level_key_suggests_the_nearest() {
    check_error(
        "[model.opus]\nprovider = \"a\"\n",
        expect!["config.toml:1:2: unknown key `model` at the top level; did you mean `models`?"],
    );
}

#[test]
fn an_unknown_top_level_key_far_from_any_lists_them() {
    check_error(
        "colour = \"blue\"\n",
        expect![
            "config.toml:1:1: unknown key `colour` at the top level; valid keys: providers, models, roles, rules, budget, privacy, edits, routing, prompts, agent, review, oracle"
        ],
    );
}

#[test]
fn an_unknown_provider_key_suggests_the_nearest() {
    check_error(
        "[providers.a]\nkind = \"openai\"\napi_key_evn = \"OPENAI_API_KEY\"\n",
        expect![
            "config.toml:3:1: unknown key `api_key_evn` in [providers.a]; did you mean `api_key_env`?"
        ],
    );
}

#[test]
fn an_unknown_model_key_suggests_the_nearest() {
    check_error(
        "[providers.a]\nkind = \"openai\"\n\n[models.m]\nprovider = \"a\"\nname = \"gpt\"\nmax_tokens = 5\n",
        expect![
            "config.toml:7:1: unknown key `max_tokens` in [models.m]; did you mean `max_output_tokens`?"
        ],
    );
}

#[test]
fn an_unknown_price_key_suggests_the_nearest() {
    check_error(
        "[providers.a]\nkind = \"openai\"\n\n[models.m]\nprovider = \"a\"\nname = \"gpt\"\nprice = { input = 1.0, ouput = 2.0 }\n",
        expect![
            "config.toml:7:24: unknown key `ouput` in the price of [models.m]; did you mean `output`?"
        ],
    );
}

#[test]
fn an_unknown_kind_lists_the_kinds() {
    check_error(
        "[providers.a]\nkind = \"antropic\"\n",
        expect![
            "config.toml:2:8: unknown variant `antropic`, expected one of `anthropic`, `openai`, `openai-compatible`, `gemini`, `ollama`"
        ],
    );
}

#[test]
fn a_model_naming_no_provider_is_refused() {
    check_error(
        "[providers.a]\nkind = \"openai\"\n\n[models.m]\nprovider = \"b\"\nname = \"gpt\"\n",
        expect![
            "config.toml:5:12: [models.m] names provider `b`, which has no [providers.b] table (configured: a); add one or fix the name"
        ],
    );
}

#[test]
fn a_negative_price_is_refused() {
    check_error(
        "[providers.a]\nkind = \"openai\"\n\n[models.m]\nprovider = \"a\"\nname = \"gpt\"\nprice = { input = 1.0, output = -2.0 }\n",
        expect![
            "config.toml:7:33: models.m.price.output must be a number of USD per million tokens, 0 or more"
        ],
    );
}

#[test]
fn a_wrong_type_says_what_was_expected() {
    check_error(
        "[providers.a]\nkind = \"openai\"\ntimeout_s = \"soon\"\n",
        expect![[r#"config.toml:3:13: invalid type: string "soon", expected u64"#]],
    );
}

#[test]
fn a_model_without_a_name_is_refused() {
    check_error(
        "[providers.a]\nkind = \"openai\"\n\n[models.m]\nprovider = \"a\"\n",
        expect![[
            r#"config.toml:4:9: [models.m] has no `name`; add name = "..." with the provider's id for the model"#
        ]],
    );
}

#[test]
fn layers_merge_key_by_key_and_later_ones_win() {
    let user = Layer::new(
        "user.toml",
        "[providers.a]\nkind = \"openai\"\nmax_retries = 2\n\n[models.m]\nprovider = \"a\"\nname = \"gpt\"\nprice = { input = 1.0, output = 2.0 }\n",
    );
    let workspace = Layer::new(
        "workspace.toml",
        "[providers.a]\nmax_retries = 5\n\n[models.m]\nprice = { output = 3.0 }\n",
    );
    let config = Config::from_layers(&[user, workspace]).expect("the layers are good");
    let provider = &config.providers["a"];
    assert_eq!(provider.max_retries, Some(5));
    assert_eq!(provider.kind, router::ProviderKind::OpenAi);
    let price = config.models["m"].price.expect("a price");
    assert_eq!((price.input, price.output), (1.0, 3.0));
}

#[test]
fn an_error_needing_the_merged_whole_points_at_the_last_layer_that_set_the_key() {
    let user = Layer::new("user.toml", "[providers.a]\nkind = \"openai\"\n");
    let workspace = Layer::new(
        "workspace.toml",
        "[models.m]\nname = \"gpt\"\nprovider = \"b\"\n",
    );
    let error = Config::from_layers(&[user, workspace]).expect_err("b is not configured");
    expect!["workspace.toml:3:12: [models.m] names provider `b`, which has no [providers.b] table (configured: a); add one or fix the name"].assert_eq(&error.to_string());
}

#[test]
fn no_layers_is_the_empty_config() {
    assert_eq!(Config::from_layers(&[]), Ok(Config::default()));
}

// --- roles, rules, budget: errors of meaning ---

const TWO_MODELS: &str = "[providers.a]\nkind = \"anthropic\"\n\n[models.haiku]\nprovider = \"a\"\nname = \"claude-haiku-4-5\"\n\n[models.sonnet]\nprovider = \"a\"\nname = \"claude-sonnet-4-5\"\n";

fn with_models(rest: &str) -> String {
    format!("{TWO_MODELS}\n{rest}")
}

#[test]
fn a_role_naming_an_unknown_model_suggests_the_nearest() {
    check_error(
        &with_models("[roles]\nimplement = [\"sonnet\", \"hiaku\"]\n"),
        expect![
            "config.toml:13:24: [roles] implement names model `hiaku`, which has no [models.hiaku] table; did you mean `haiku`?"
        ],
    );
}

#[test]
fn an_unknown_role_key_suggests_the_nearest_role() {
    check_error(
        &with_models("[roles]\nimplment = [\"sonnet\"]\n"),
        expect![
            "config.toml:13:1: unknown key `implment` in [roles]: `implment` is not a role; did you mean `implement`?"
        ],
    );
}

#[test]
fn ask_is_not_a_role_to_configure() {
    check_error(
        &with_models("[roles]\nask = [\"sonnet\"]\n"),
        expect![
            "config.toml:13:1: unknown key `ask` in [roles]: `ask` is not routed itself: it picks plan, implement, review, search or vision from the instruction; name one of those"
        ],
    );
}

#[test]
fn a_rule_for_an_unknown_role_suggests_the_nearest() {
    check_error(
        &with_models("[[rules]]\nrole = \"reveiw\"\nuse = [\"haiku\"]\n"),
        expect![
            "config.toml:13:8: rule #1 is for no role: `reveiw` is not a role; did you mean `review`?"
        ],
    );
}

#[test]
fn a_rule_using_an_unknown_model_is_refused_at_that_model() {
    check_error(
        &with_models(
            "[[rules]]\nrole = \"review\"\nuse = [\"haiku\"]\n\n[[rules]]\nrole = \"implement\"\nuse = [\"haiku\", \"opus\"]\n",
        ),
        expect![
            "config.toml:18:17: rule #2 uses model `opus`, which has no [models.opus] table; configured: haiku, sonnet"
        ],
    );
}

#[test]
fn a_rule_whose_min_is_above_its_max_can_never_match() {
    check_error(
        &with_models(
            "[[rules]]\nrole = \"implement\"\nwhen = { min_lines = 50, max_lines = 10 }\nuse = [\"haiku\"]\n",
        ),
        expect![
            "config.toml:14:22: rule #1: min_lines = 50 is more than max_lines = 10, so the rule can never match; swap them or drop one"
        ],
    );
}

#[test]
fn a_rule_for_no_language_can_never_match() {
    check_error(
        &with_models(
            "[[rules]]\nrole = \"implement\"\nwhen = { languages = [] }\nuse = [\"haiku\"]\n",
        ),
        expect![[
            r#"config.toml:14:22: rule #1: `languages` is empty, so the rule can never match; name LSP languageIds such as "python", or drop the key"#
        ]],
    );
}

#[test]
fn an_unknown_condition_suggests_the_nearest() {
    check_error(
        &with_models(
            "[[rules]]\nrole = \"implement\"\nwhen = { max_tokens = 1500 }\nuse = [\"haiku\"]\n",
        ),
        expect![
            "config.toml:14:10: unknown key `max_tokens` in the `when` of rule #1; did you mean `max_input_tokens`?"
        ],
    );
}

#[test]
fn a_rule_without_use_says_what_to_add() {
    check_error(
        &with_models("[[rules]]\nrole = \"implement\"\n"),
        expect![[
            r#"config.toml:12:1: rule #1 has no `use`; add use = ["MODEL", ...] naming the models to try when it matches"#
        ]],
    );
}

#[test]
fn a_rule_with_an_empty_use_list_is_refused() {
    check_error(
        &with_models("[[rules]]\nrole = \"implement\"\nuse = []\n"),
        expect![
            "config.toml:14:7: rule #1 has an empty `use` list; name at least one model, or delete the rule"
        ],
    );
}

#[test]
fn a_negative_budget_is_refused() {
    check_error(
        "[budget]\nper_request_usd = 0.5\nper_day_usd = -5.0\n",
        expect!["config.toml:3:15: budget.per_day_usd must be a number of USD, 0 or more"],
    );
}

#[test]
fn a_negative_budget_condition_is_refused() {
    check_error(
        &with_models(
            "[[rules]]\nrole = \"plan\"\nwhen = { max_budget_left_usd = -1 }\nuse = [\"haiku\"]\n",
        ),
        expect![
            "config.toml:14:32: rule #1: max_budget_left_usd must be a number of USD, 0 or more"
        ],
    );
}

#[test]
fn on_exceed_is_refuse_or_downgrade() {
    check_error(
        "[budget]\non_exceed = \"dowgrade\"\n",
        expect![[
            r#"config.toml:2:13: unknown variant `dowgrade`, expected `refuse` or `downgrade` (on_exceed is "refuse": say no; or "downgrade": take the cheapest model that fits)"#
        ]],
    );
}

#[test]
fn an_unknown_routing_key_suggests_the_nearest() {
    check_error(
        "[routing]\ncooldown_secs = 60\n",
        expect![
            "config.toml:2:1: unknown key `cooldown_secs` in [routing]; did you mean `cooldown_s`?"
        ],
    );
}

#[test]
fn a_role_error_points_into_the_layer_that_set_the_list() {
    let user = Layer::new("user.toml", TWO_MODELS);
    let workspace = Layer::new(
        "workspace.toml",
        "[roles]\nplan = [\"sonnet\"]\nsearch = [\"haiku\", \"gemini-flash\"]\n",
    );
    let error =
        Config::from_layers(&[user, workspace]).expect_err("gemini-flash is not configured");
    expect!["workspace.toml:3:20: [roles] search names model `gemini-flash`, which has no [models.gemini-flash] table; configured: haiku, sonnet"]
        .assert_eq(&error.to_string());
}

#[test]
fn a_later_key_source_replaces_an_earlier_one() {
    let user = Layer::new(
        "user.toml",
        "[providers.a]\nkind = \"anthropic\"\napi_key_env = \"WORK_KEY\"\n",
    );
    let workspace = Layer::new(
        "workspace.toml",
        "[providers.a]\napi_key_cmd = [\"pass\", \"show\", \"a\"]\n",
    );
    let config = Config::from_layers(&[user, workspace]).expect("one key source each");
    let a = &config.providers["a"];
    assert_eq!(a.api_key_env, None);
    assert_eq!(a.api_key_cmd.as_deref().map(<[String]>::len), Some(3));
    // In one layer, both is still a mistake.
    check_error(
        "[providers.a]\nkind = \"openai\"\napi_key_env = \"K\"\napi_key_cmd = [\"pass\"]\n",
        expect!["config.toml:4:15: [providers.a] sets both api_key_env and api_key_cmd; keep one"],
    );
}

#[test]
fn later_layers_replace_rules_and_lists_whole() {
    let user = Layer::new(
        "user.toml",
        format!(
            "{TWO_MODELS}\n[roles]\nplan = [\"sonnet\", \"haiku\"]\nsearch = [\"haiku\"]\n\n[[rules]]\nrole = \"plan\"\nuse = [\"haiku\"]\n\n[privacy]\nexclude = [\".env\"]\n"
        ),
    );
    let workspace = Layer::new(
        "workspace.toml",
        "[roles]\nplan = [\"haiku\"]\n\n[[rules]]\nrole = \"review\"\nwhen = { languages = [\"rust\"] }\nuse = [\"sonnet\"]\n\n[privacy]\nredact_secrets = false\n",
    );
    let config = Config::from_layers(&[user, workspace]).expect("the layers are good");
    assert_eq!(config.roles[&Role::Plan], ["haiku"]);
    assert_eq!(config.roles[&Role::Search], ["haiku"]);
    assert_eq!(config.rules.len(), 1);
    assert_eq!(config.rules[0].role, Role::Review);
    assert_eq!(config.privacy.exclude, [".env"]);
    assert!(!config.privacy.redact_secrets);
}

#[derive(serde::Serialize)]
struct InitOptions {
    budget: InitBudget,
    rules: Vec<InitRule>,
}

#[derive(serde::Serialize)]
struct InitBudget {
    per_day_usd: u32,
    on_exceed: &'static str,
}

#[derive(serde::Serialize)]
struct InitRule {
    role: &'static str,
    when: std::collections::BTreeMap<&'static str, u32>,
    #[serde(rename = "use")]
    models: Vec<&'static str>,
}

#[test]
fn a_layer_from_lsp_settings_layers_like_a_file() {
    // What the binary hands over from `initializationOptions` (a serde_json::Value there).
    let options = InitOptions {
        budget: InitBudget {
            per_day_usd: 2,
            on_exceed: "downgrade",
        },
        rules: vec![InitRule {
            role: "implement",
            when: [("max_lines", 20)].into_iter().collect(),
            models: vec!["haiku"],
        }],
    };
    let lsp = Layer::from_json("initializationOptions", &options).expect("a table");
    let config =
        Config::from_layers(&[Layer::new("user.toml", TWO_MODELS), lsp]).expect("good layers");
    assert_eq!(config.budget.per_day_usd, Some(2.0));
    assert_eq!(config.budget.on_exceed, router::OnExceed::Downgrade);
    assert_eq!(config.rules[0].when.max_lines, Some(20));

    let bad = InitOptions {
        rules: vec![InitRule {
            role: "implement",
            when: [("max_lines", 20)].into_iter().collect(),
            models: vec!["opus"],
        }],
        ..options
    };
    let lsp = Layer::from_json("initializationOptions", &bad).expect("a table");
    let error = Config::from_layers(&[Layer::new("user.toml", TWO_MODELS), lsp])
        .expect_err("opus is not configured");
    expect!["initializationOptions:7:8: rule #1 uses model `opus`, which has no [models.opus] table; configured: haiku, sonnet"]
        .assert_eq(&error.to_string());

    let error = Layer::from_json("initializationOptions", &["not", "a", "table"])
        .expect_err("an array is no config");
    expect!["initializationOptions: cannot be read as config: unsupported array type; give an object of the config file's structure, without nulls"].assert_eq(&error.to_string());
}

#[test]
fn a_role_name_from_the_command_line_parses_or_says_what_the_roles_are() {
    assert_eq!("review".parse::<Role>(), Ok(Role::Review));
    let errors: Vec<String> = ["implment", "colour", "ask"]
        .into_iter()
        .map(|name| name.parse::<Role>().expect_err("not a role").to_string())
        .collect();
    expect![[r#"
        [
            "`implment` is not a role; did you mean `implement`?",
            "`colour` is not a role; roles: plan, implement, review, search, vision, librarian, oracle",
            "`ask` is not routed itself: it picks plan, implement, review, search or vision from the instruction; name one of those",
        ]
    "#]]
    .assert_debug_eq(&errors);
}

#[test]
fn prompts_override_templates_by_kind_and_an_unknown_kind_suggests_the_nearest() {
    let config = Config::from_layers(&[
        Layer::new(
            "user.toml",
            "[prompts]\nreview = \"first\"\nplan = \"mine\"\n",
        ),
        Layer::new("workspace.toml", "[prompts]\nreview = \"second\"\n"),
    ])
    .expect("the layers are good");
    let prompts: Vec<(&str, &str)> = config
        .prompts
        .iter()
        .map(|(kind, text)| (kind.as_str(), text.as_str()))
        .collect();
    assert_eq!(prompts, [("plan", "mine"), ("review", "second")]);
    check_error(
        "[prompts]\nimplment = \"x\"\n",
        expect!["config.toml:2:1: unknown key `implment` in [prompts]; did you mean `implement`?"],
    );
    check_error(
        "[prompts]\nreview = 3\n",
        expect!["config.toml:2:10: invalid type: integer `3`, expected a string"],
    );
}

#[test]
fn only_a_rule_with_a_complexity_condition_needs_the_complexity_measured() {
    let parse = |rules: &str| {
        Config::from_toml_str(&with_models(rules), "config.toml").expect("a good config")
    };
    assert!(!parse("").rules_use_complexity());
    assert!(
        !parse("[[rules]]\nrole = \"implement\"\nwhen = { max_lines = 10 }\nuse = [\"haiku\"]\n")
            .rules_use_complexity()
    );
    assert!(
        parse(
            "[[rules]]\nrole = \"implement\"\nwhen = { min_complexity = 5 }\nuse = [\"haiku\"]\n"
        )
        .rules_use_complexity()
    );
}

#[test]
fn the_agent_section_sets_its_limits_and_refuses_what_cannot_be() {
    let config = Config::from_toml_str("[agent]\nmax_steps = 3\nmax_usd = 0.25\n", "config.toml")
        .expect("a good config");
    assert_eq!(config.agent.max_steps, 3);
    assert_eq!(config.agent.max_usd, Some(0.25));
    let defaults = Config::from_toml_str("", "config.toml").expect("a good config");
    assert_eq!(defaults.agent.max_steps, 8);
    assert_eq!(defaults.agent.max_usd, None);
    check_error(
        "[agent]\nmax_usd = -1.0\n",
        expect!["config.toml:2:11: agent.max_usd must be a number of USD, 0 or more"],
    );
    check_error(
        "[agent]\nmax_step = 3\n",
        expect!["config.toml:2:1: unknown key `max_step` in [agent]; did you mean `max_steps`?"],
    );
}

#[test]
fn review_fanout_and_oracle_when_parse_and_a_bad_occasion_is_named() {
    let config = Config::from_toml_str(
        "[review]\nfanout = 2\n\n[oracle]\nwhen = [\"fix_failed_twice\"]\n",
        "config.toml",
    )
    .expect("a good config");
    assert_eq!(config.review.fanout, 2);
    assert_eq!(config.oracle.when, [router::OracleWhen::FixFailedTwice]);
    check_error(
        "[oracle]\nwhen = [\"always\"]\n",
        expect!["config.toml:2:9: unknown variant `always`, expected `fix_failed_twice`"],
    );
}
