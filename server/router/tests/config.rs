//! The config file of SPEC §2: a good parse, layering, and the error messages a user sees for
//! bad configs (snapshots; `UPDATE_EXPECT=1 cargo test -p switchboard-router` refreshes them).

use expect_test::{Expect, expect};
use router::{Config, Layer};

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
use = ["qwen"]

[budget]
per_day_usd = 5.0

[privacy]
exclude = [".env"]

[edits]
confirm = false
"#;

#[test]
fn a_good_config_parses_and_keeps_the_untyped_sections() {
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
            roles: Some(
                {
                    "implement": Array(
                        [
                            String(
                                "opus",
                            ),
                            String(
                                "qwen",
                            ),
                        ],
                    ),
                },
            ),
            rules: Some(
                [
                    {
                        "role": String(
                            "implement",
                        ),
                        "use": Array(
                            [
                                String(
                                    "qwen",
                                ),
                            ],
                        ),
                    },
                ],
            ),
            budget: Some(
                {
                    "per_day_usd": Float(
                        5.0,
                    ),
                },
            ),
            privacy: Some(
                {
                    "exclude": Array(
                        [
                            String(
                                ".env",
                            ),
                        ],
                    ),
                },
            ),
            edits: Some(
                {
                    "confirm": Boolean(
                        false,
                    ),
                },
            ),
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
            "config.toml:1:1: unknown key `colour` at the top level; valid keys: providers, models, roles, rules, budget, privacy, edits"
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
