//! Token estimates and worst-case costs, the numbers budget checks compare.
//!
//! OpenAI models are counted exactly with the o200k tokenizer (bpe-openai). Anthropic, Gemini
//! and other models have tokenizers this crate does not ship; their count is the o200k count
//! times [`OTHER_FAMILY_FACTOR`] (1.25). Their tokenizers have smaller vocabularies than o200k
//! and tend to cut code into more pieces, and an estimate that errs high only refuses a
//! request a little early, while one that errs low lets spending pass a cap. Where even one
//! tokenizer pass over the text is too much (listing code actions over a whole file),
//! [`estimate_tokens_from_len`] counts bytes instead.
//!
//! The o200k tables load lazily, once per process, on the first count (bpe-openai keeps them
//! in a `LazyLock`); [`warm_tokenizer`] lets a caller pay that on a background thread at start.

use serde::Serialize;

use crate::config::{Price, ProviderKind};

/// Which tokenizer a model's count follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenFamily {
    /// OpenAI's own models: o200k counts them exactly.
    OpenAi,
    /// Everything else: o200k times [`OTHER_FAMILY_FACTOR`].
    Other,
}

/// The safety factor on the o200k count for models of other tokenizers (see the module docs).
pub const OTHER_FAMILY_FACTOR: f64 = 1.25;

/// The margin on input tokens in [`worst_case_usd`]: the framing a request adds around the
/// text (system prompt, message wrappers) and the error of the estimate itself.
pub const INPUT_MARGIN: f64 = 1.1;

impl TokenFamily {
    /// The family of a provider's models. An OpenAI-compatible server may serve any model,
    /// so it gets the conservative factor.
    pub fn of(kind: ProviderKind) -> TokenFamily {
        match kind {
            ProviderKind::OpenAi => TokenFamily::OpenAi,
            ProviderKind::Anthropic
            | ProviderKind::Gemini
            | ProviderKind::OpenAiCompatible
            | ProviderKind::Ollama => TokenFamily::Other,
        }
    }

    /// The factor applied to an o200k count.
    pub fn factor(self) -> f64 {
        match self {
            TokenFamily::OpenAi => 1.0,
            TokenFamily::Other => OTHER_FAMILY_FACTOR,
        }
    }
}

/// Loads the o200k tables now (the first call in a process pays for it; later ones are free).
pub fn warm_tokenizer() {
    let _ = bpe_openai::o200k_base();
}

/// The exact o200k token count of `text`. O(len); the first call loads the tables.
pub fn count_o200k(text: &str) -> u64 {
    bpe_openai::o200k_base().count(text) as u64
}

/// An o200k count scaled to `family`, rounded up.
pub fn scale_to_family(o200k_tokens: u64, family: TokenFamily) -> u64 {
    match family {
        TokenFamily::OpenAi => o200k_tokens,
        // Exact in integers: ×1.25 is ×5/4, rounded up.
        TokenFamily::Other => o200k_tokens.saturating_mul(5).div_ceil(4),
    }
}

/// The input tokens `text` costs a model of `family`: exact for OpenAI, ×1.25 otherwise.
pub fn estimate_input_tokens(text: &str, family: TokenFamily) -> u64 {
    scale_to_family(count_o200k(text), family)
}

/// A tokenizer-free estimate from a length in bytes: bytes / 3, rounded up. Code averages
/// nearer 4 bytes a token, so this over-counts on purpose. O(1).
pub fn estimate_tokens_from_len(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(3)
}

/// The most a request can cost, in USD: every input token at the full input price (caching is
/// not counted on) with [`INPUT_MARGIN`], and the whole `max_output_tokens` at the output price.
pub fn worst_case_usd(price: &Price, input_tokens: u64, max_output_tokens: u32) -> f64 {
    (input_tokens as f64 * INPUT_MARGIN * price.input + f64::from(max_output_tokens) * price.output)
        / 1e6
}

/// How many output tokens an answer of `role` takes, as a rule: what a per-request cap must
/// leave room for. A rewrite takes about the selection again (`lines` of it, at a generous 12
/// tokens a line), and at least 1,024 tokens; a plan or a second opinion 2,048; a review, an
/// explanation, an image's description or a librarian's step 1,024.
pub fn expected_output_tokens(role: crate::Role, lines: u32) -> u32 {
    match role {
        crate::Role::Implement => lines.saturating_mul(12).max(1024),
        crate::Role::Plan | crate::Role::Oracle => 2048,
        crate::Role::Review
        | crate::Role::Search
        | crate::Role::Vision
        | crate::Role::Librarian => 1024,
    }
}

/// How many output tokens `cap_usd` pays for after the input's worst case; 0 when the input
/// alone is over it, `u32::MAX` for a free output.
pub fn output_tokens_within(price: &Price, input_tokens: u64, cap_usd: f64) -> u32 {
    let left = cap_usd * 1e6 - input_tokens as f64 * INPUT_MARGIN * price.input;
    if left <= 0.0 {
        return 0;
    }
    if price.output <= 0.0 {
        return u32::MAX;
    }
    let tokens = (left / price.output).floor();
    if tokens >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        // reason: checked to be in 0..u32::MAX just above
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let tokens = tokens as u32;
        tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn o200k_counts_exactly() {
        assert_eq!(count_o200k(""), 0);
        assert_eq!(count_o200k("hello world"), 2);
        assert_eq!(estimate_input_tokens("hello world", TokenFamily::OpenAi), 2);
        assert_eq!(estimate_input_tokens("hello world", TokenFamily::Other), 3);
    }

    #[test]
    fn scaling_rounds_up() {
        let cases = [(0, 0), (1, 2), (4, 5), (8, 10), (1000, 1250), (1001, 1252)];
        for (o200k, other) in cases {
            assert_eq!(scale_to_family(o200k, TokenFamily::Other), other, "{o200k}");
            assert_eq!(scale_to_family(o200k, TokenFamily::OpenAi), o200k);
        }
    }

    #[test]
    fn length_estimates_round_up() {
        let cases = [(0, 0), (1, 1), (3, 1), (4, 2), (3000, 1000)];
        for (bytes, tokens) in cases {
            assert_eq!(estimate_tokens_from_len(bytes), tokens, "{bytes}");
        }
    }

    #[test]
    fn the_length_estimate_is_above_the_count_for_code() {
        let code = include_str!("tokens.rs");
        assert!(estimate_tokens_from_len(code.len()) > count_o200k(code));
    }

    #[test]
    fn worst_case_is_margin_on_input_plus_all_output() {
        let price = Price {
            input: 5.0,
            output: 25.0,
            cached_input: Some(0.5),
            cache_write: None,
        };
        // (10_000 × 1.1 × 5 + 8192 × 25) / 1e6 = 0.055 + 0.2048
        let usd = worst_case_usd(&price, 10_000, 8192);
        assert!((usd - 0.2598).abs() < 1e-9, "{usd}");
    }

    #[test]
    fn kinds_map_to_families() {
        assert_eq!(TokenFamily::of(ProviderKind::OpenAi), TokenFamily::OpenAi);
        assert_eq!(TokenFamily::of(ProviderKind::Anthropic), TokenFamily::Other);
        assert_eq!(
            TokenFamily::of(ProviderKind::OpenAiCompatible).factor(),
            1.25
        );
    }
}
